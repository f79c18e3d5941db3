//! `kubectl mig describe`: MIG capacity per node, what is used, what is free, what looks wrong.

mod fleet;
mod gpus;
mod render;
mod watch;

use crate::cluster;
use crate::cluster::ConnectOptions;
use crate::error::{Error, Result};
use crate::k8s::selector::Selector;
use crate::model::capacity::Usage;
use crate::model::node::NodeInfo;
use crate::output::messages::Messages;
use crate::output::{self, style::Style, Format};
use crate::snapshot::{capture, live as collect};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Examples shown in `kubectl mig describe --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every node with NVIDIA GPUs
  kubectl mig describe

  # Two nodes, with the pods holding each MIG device
  kubectl mig describe aks-migpool-12345678-vmss000000 aks-migpool-12345678-vmss000001 -o wide

  # Nodes of one AKS pool, as JSON
  kubectl mig describe -l kubernetes.azure.com/agentpool=migpool -o json

  # Read a capture instead of a cluster (kubectl get nodes,pods -A -o yaml > cluster.yaml)
  kubectl mig describe -f cluster.yaml

  # Each GPU's instances by slice, what is free, the stranded slices
  kubectl mig describe --gpus

  # Every cluster of the kubeconfig, or three of them, in one view
  kubectl mig describe --all-contexts
  kubectl mig describe --context aks-eu,aks-us,gke-lab";

/// Flags of `kubectl mig describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Only these nodes.
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Only nodes matching this label selector (e.g. agentpool=migpool, kubernetes.io/arch in (amd64)).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Output format: table, wide (with pods), json or yaml.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Show every node, also those without NVIDIA GPUs.
    #[arg(long)]
    pub all: bool,
    /// Read nodes and pods from files (kubectl get nodes,pods -A -o yaml|json) instead of a cluster; - for stdin.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Show each GPU: its MIG instances by memory slice, which are in use, free and stranded slices.
    #[arg(long)]
    pub gpus: bool,
    /// After the first view, follow the cluster's changes (nodes, pods, DRA objects) and update
    /// it: in place on a terminal, else a new JSON/YAML document or the changed table rows.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Every context of the kubeconfig at once (a fleet); with -f, each file is one cluster.
    /// `--context a,b,c` reads those contexts.
    #[arg(long)]
    pub all_contexts: bool,
}

/// Runs `kubectl mig describe`.
pub async fn run(
    global: &ConnectOptions,
    args: &DescribeArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    if !args.nodes.is_empty() && args.selector.is_some() {
        return Err(Error::usage(
            "node names cannot be given together with a selector (-l); use one or the other",
        ));
    }
    // Checked here so a typo is a usage error for a cluster too, not a 400 from the server.
    let selector = args
        .selector
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(Error::usage)?;
    let fleet_contexts = global.context.as_deref().is_some_and(|c| c.contains(','));
    if args.gpus && (args.watch || args.all_contexts || fleet_contexts) {
        return Err(Error::usage(
            "--gpus shows one cluster's GPUs once; run it per context, without -w or --all-contexts",
        ));
    }
    if args.watch {
        if !args.files.is_empty() || args.all_contexts {
            return Err(Error::usage(
                "--watch follows one live cluster; it cannot be combined with -f or --all-contexts",
            ));
        }
        let cluster = cluster::connect(global).await?;
        let scope = watch::Scope {
            nodes: args.nodes.clone(),
            selector: args.selector.clone(),
            all: args.all,
        };
        return watch::run(&cluster, scope, args.output, out, msgs).await;
    }
    if args.all_contexts || fleet_contexts {
        return describe_fleet(global, args, out, msgs).await;
    }
    let (snapshot, layouts) = if args.files.is_empty() {
        let cluster = cluster::connect(global).await?;
        let snapshot =
            collect::snapshot(&cluster, &args.nodes, args.selector.as_deref(), args.all).await?;
        let layouts = if args.gpus {
            crate::snapshot::layouts::for_nodes(&cluster, &snapshot.nodes).await
        } else {
            Default::default()
        };
        (snapshot, layouts)
    } else {
        let (snapshot, captured) = from_files(args, selector.as_ref(), msgs)?;
        let layouts = captured.for_nodes(&snapshot.nodes);
        (snapshot, layouts)
    };
    let mut report = snapshot.report();
    if args.gpus {
        let sources = crate::model::gpus::Sources {
            dra: Some(&snapshot.dra),
            layouts,
        };
        crate::model::gpus::attach(&mut report, &snapshot.nodes, &sources);
    }
    if let Some(why) = &report.dra_unavailable {
        msgs.note(why);
    }
    match args.output {
        Format::Table | Format::Wide => {
            if report.nodes.is_empty() && snapshot.missing.is_empty() {
                match &args.selector {
                    Some(s) if !args.all => msgs.say(format_args!(
                        "No nodes with NVIDIA GPUs match {s:?} (use --all to include nodes without GPUs)."
                    )),
                    Some(s) => msgs.say(format_args!("No nodes match {s:?}.")),
                    None => msgs.say(format_args!("No nodes with NVIDIA GPUs found (use --all to list every node).")),
                }
            } else if !report.nodes.is_empty() {
                let wide = args.output == Format::Wide;
                let text = if args.gpus {
                    gpus::render(&report, wide, Style::detect())
                } else {
                    render::render(&report, wide, Style::detect())
                };
                out.write_all(text.as_bytes()).map_err(output::io_error)?;
            }
        }
        format => output::write_data(out, format, &report)?,
    }
    match snapshot.missing.as_slice() {
        [] => Ok(()),
        missing => Err(Error::failed(format!(
            "{} not found; check the name{} with {}",
            missing
                .iter()
                .map(|n| format!("node {n:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() > 1 { "s" } else { "" },
            if args.files.is_empty() {
                "kubectl get nodes"
            } else {
                "the capture's Node objects"
            }
        ))),
    }
}

/// `--all-contexts` / `--context a,b,c`: every cluster at once, one view.
async fn describe_fleet(
    global: &ConnectOptions,
    args: &DescribeArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let scope = fleet::Scope {
        nodes: &args.nodes,
        selector: args.selector.as_deref(),
        all: args.all,
    };
    let view = if args.files.is_empty() {
        let contexts = fleet::contexts(global, args.all_contexts)?;
        if contexts.is_empty() {
            return Err(Error::failed(
                "the kubeconfig has no contexts to read; get credentials for a cluster first",
            ));
        }
        fleet::read(global, contexts, &scope).await
    } else {
        fleet::from_files(&args.files, &scope)
    };
    let failed: Vec<&fleet::ClusterView> =
        view.clusters.iter().filter(|c| c.error.is_some()).collect();
    for c in &failed {
        msgs.warn(format_args!(
            "context {} was not read: {}",
            c.context,
            c.error.as_deref().unwrap_or_default()
        ));
    }
    match args.output {
        Format::Table | Format::Wide => {
            let text = render::render_fleet(&view, args.output == Format::Wide, Style::detect());
            out.write_all(text.as_bytes()).map_err(output::io_error)?;
        }
        format => output::write_data(out, format, &view)?,
    }
    if failed.is_empty() {
        return Ok(());
    }
    out.flush().map_err(output::io_error)?;
    Err(Error::failed(format!(
        "{} of {} contexts could not be read (see the warnings above); the others are shown",
        failed.len(),
        view.clusters.len()
    )))
}

fn from_files(
    args: &DescribeArgs,
    selector: Option<&Selector>,
    msgs: &Messages,
) -> Result<(collect::Snapshot, crate::snapshot::layouts::Captured)> {
    let capture = capture::read_files(&args.files)?;
    if let Some(first) = capture.duplicates.first() {
        let n = capture.duplicates.len();
        msgs.warn(format_args!(
            "{n} object{} appear{} more than once in the captures (first {first}); each is counted once",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
        ));
    }
    if capture.nodes.is_empty() {
        return Err(Error::failed(format!(
            "{} holds no Node objects; capture them with kubectl get nodes,pods -A -o yaml > cluster.yaml",
            args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut missing: Vec<String> = args
        .nodes
        .iter()
        .filter(|name| !capture.nodes.iter().any(|n| &&n.name == name))
        .cloned()
        .collect();
    missing.dedup();
    let dra_nodes = crate::model::dra::dra_nodes(&capture.dra);
    let nodes: Vec<NodeInfo> = capture
        .nodes
        .into_iter()
        .filter(|n| {
            if !args.nodes.is_empty() {
                return args.nodes.contains(&n.name);
            }
            selector.is_none_or(|s| s.matches(&n.labels))
                && (args.all || collect::is_gpu_node(n) || dra_nodes.contains(&n.name))
        })
        .collect();
    let mut usage = Usage::for_nodes(nodes.iter().map(|n| n.name.as_str()));
    for pod in capture.pods {
        usage.add(pod);
    }
    let snapshot = collect::Snapshot {
        dra: capture.dra,
        reasons: capture.reasons,
        nodes,
        usage,
        missing,
    };
    Ok((snapshot, capture.layouts))
}

//! `kubectl mig run`: generate or run a test pod with the resource name that fits the strategy.

mod execute;
mod follow;
mod placement;
mod pod;

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Op};
use crate::error::{Error, Result};
use crate::mig::strategy::Strategy;
use crate::model::capacity;
use crate::model::node::{NodeInfo, Taint};
use crate::output::messages::Messages;
use crate::output::{self, DryRun, DryRunFlag, ObjectFormat};
use crate::snapshot::live;
use clap::Args;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use kube::ResourceExt;
use placement::{NoPlacement, Placement};
use pod::TestPod;
use std::io::Write;
use std::time::Duration;

/// Examples shown in `kubectl mig run --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Run nvidia-smi -L on the smallest free MIG device, stream its output, clean up
  kubectl mig run

  # A 3g.20gb device on a given node, keep the pod afterwards
  kubectl mig run --profile 3g.20gb --node aks-migpool-12345678-vmss000000 --keep

  # Print the pod for a mixed-strategy cluster without talking to any cluster
  kubectl mig run --strategy mixed --profile 1g.5gb --dry-run -o yaml

  # Your own image and command
  kubectl mig run --profile 1g.10gb --image nvcr.io/nvidia/pytorch:24.10-py3 -- python -c 'import torch; print(torch.cuda.get_device_name())'";

/// `--strategy` of `run`: `auto` (from the cluster) or a strategy the pod's resource name follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyChoice(pub Option<Strategy>);

fn strategy_choice() -> impl clap::builder::TypedValueParser<Value = StrategyChoice> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new([
        clap::builder::PossibleValue::new("auto").help("Detect from the cluster"),
        clap::builder::PossibleValue::new("single").help("Every MIG device is nvidia.com/gpu"),
        clap::builder::PossibleValue::new("mixed").help("Each profile is nvidia.com/mig-<profile>"),
    ])
    .map(|v| StrategyChoice(Strategy::from_label(&v)))
}

/// Flags of `kubectl mig run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pod's name (default: generated, mig-test-xxxxx).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// The MIG profile to request (e.g. 1g.5gb); default: the smallest one with free capacity.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// How many MIG devices to request.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// Run on this node (uses its strategy).
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
    /// How MIG devices are named: auto (from the cluster), single or mixed.
    #[arg(long, default_value = "auto", value_parser = strategy_choice())]
    pub strategy: StrategyChoice,
    /// Container image.
    #[arg(long, value_name = "IMAGE", default_value = crate::run::DEFAULT_IMAGE)]
    pub image: String,
    /// Only print the pod (client), or have the server validate it (server).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
    /// Output format of the pod with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Keep the pod when it ends.
    #[arg(long)]
    pub keep: bool,
    /// How long to wait for the pod to be scheduled and started.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::k8s::duration::parse)]
    pub timeout: Duration,
    /// Extra toleration KEY[=VALUE]:EFFECT (repeatable).
    #[arg(long = "toleration", value_name = "KEY[=VALUE]:EFFECT")]
    pub tolerations: Vec<String>,
    /// Create the pod even when no node seems to offer the profile.
    #[arg(long)]
    pub force: bool,
    /// Command and arguments (default: nvidia-smi -L).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The CUDA base image test pods use by default.
pub const DEFAULT_IMAGE: &str = "nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04";

/// Runs `kubectl mig run`.
pub async fn run(
    global: &ConnectOptions,
    args: &RunArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let extra: Vec<Taint> = args
        .tolerations
        .iter()
        .map(|t| {
            placement::parse_toleration(t).map_err(|e| Error::Usage {
                message: format!("invalid --toleration {e}"),
                cause: Some(Box::new(e)),
            })
        })
        .collect::<Result<_>>()?;
    if let Some(name) = &args.name {
        crate::k8s::names::check_name("pod name", name).map_err(Error::usage_from)?;
    }
    if args.image.trim().is_empty() {
        return Err(Error::usage(
            "--image is empty: give a container image, e.g. nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04",
        ));
    }
    if let Some(profile) = &args.profile {
        if crate::mig::catalog::parse_profile_name(profile).is_none() {
            return Err(Error::usage(format!(
                "invalid --profile {:?}: MIG profiles look like 1g.5gb or 3g.40gb (see kubectl mig profiles)",
                crate::output::sanitize(profile)
            )));
        }
    }
    if args.output.is_some() && args.dry_run.0.is_none() {
        return Err(Error::usage(
            "-o prints the pod only with --dry-run; add --dry-run (or --dry-run=server)",
        ));
    }
    let dry_run = args.dry_run.0;
    let fixed = args.strategy.0;
    if let (Some(DryRun::Client), Some(strategy), Some(profile), None) =
        (dry_run, fixed, &args.profile, &args.node)
    {
        if crate::mig::catalog::parse_profile_name(profile).is_none() {
            return Err(Error::usage(format!(
                "invalid --profile {profile:?}: MIG profiles look like 1g.5gb or 3g.40gb (see kubectl mig profiles)"
            )));
        }
        if let Some(spec) = spec_from_cluster(global, args, strategy, profile, &extra, msgs).await {
            return print_pod(out, args.output, &pod::build(&spec));
        }
        let namespace = global.namespace.clone().unwrap_or_else(|| "default".into());
        let mut tolerations = placement::common_gpu_tolerations();
        tolerations.extend(extra);
        let spec = offline_spec(args, strategy, profile, namespace, tolerations, msgs);
        return print_pod(out, args.output, &pod::build(&spec));
    }

    let cluster = cluster::connect(global).await?;
    let names: Vec<String> = args.node.iter().cloned().collect();
    let snapshot = live::snapshot(&cluster, &names, None, false).await?;
    if let Some(node) = snapshot.missing.first() {
        return Err(Error::failed(format!(
            "node {node:?} not found; check the name with kubectl get nodes"
        )));
    }
    let report = capacity::report(&snapshot.nodes, &snapshot.usage);
    let offers = placement::offers(&report);
    if let (Some(node), true, false) = (&args.node, offers.is_empty(), args.force) {
        return Err(Error::failed(format!(
            "node {node} offers no MIG device; pick a node that does (kubectl mig describe lists them)"
        )));
    }
    let count = i64::from(args.count);
    let place = match placement::choose(&offers, args.profile.as_deref(), count, fixed) {
        Ok(place) => place,
        Err(NoPlacement { why, .. }) if args.force => forced(args, fixed, &report, &why, msgs)?,
        Err(NoPlacement { why, next }) => return Err(Error::failed(format!("{why}; {next}"))),
    };
    if args.profile.is_none() {
        let n = place.nodes.len();
        msgs.say(format_args!(
            "Using MIG profile {} ({} on {n} node{} with room): the smallest with a free device.",
            place.profile,
            place.resource,
            if n == 1 { "" } else { "s" }
        ));
    }
    // Tolerate the taints of the nodes that can take the pod (with --force and no such node,
    // of every GPU node, so only the resource decides).
    let targets: Vec<&NodeInfo> = snapshot
        .nodes
        .iter()
        .filter(|n| {
            place.nodes.is_empty()
                || place.nodes.contains(&n.name)
                || args.node.as_ref() == Some(&n.name)
        })
        .collect();
    let mut tolerations = placement::tolerations_for(&targets);
    tolerations.extend(extra);
    let spec = TestPod {
        name: pod_name(args, dry_run),
        namespace: cluster.namespace.clone(),
        image: args.image.clone(),
        command: command(args),
        resource: place.resource.clone(),
        count: args.count,
        node: args.node.clone(),
        products: place.products.clone(),
        tolerations,
        profile: Some(place.profile.clone()),
    };
    let pod = pod::build(&spec);
    match dry_run {
        Some(DryRun::Client) => print_pod(out, args.output, &pod),
        Some(DryRun::Server) => {
            let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
            let params = PostParams {
                dry_run: true,
                ..Default::default()
            };
            let accepted = api.create(&params, &pod).await.map_err(|e| {
                cluster.error(e, Op::new("create", "pods").in_ns(&cluster.namespace))
            })?;
            match args.output {
                Some(_) => print_pod(out, args.output, &accepted),
                None => writeln!(out, "pod/{} created (server dry run)", accepted.name_any())
                    .map_err(output::io_error),
            }
        }
        None => crate::run::execute::execute(&cluster, pod, args, &offers, &place, out, msgs).await,
    }
}

/// NAME, or for a printed pod a generated one, so the output works with `kubectl apply -f`
/// (which refuses `generateName`); a created pod lets the server pick (`generateName`).
fn pod_name(args: &RunArgs, dry_run: Option<DryRun>) -> Option<String> {
    args.name
        .clone()
        .or_else(|| (dry_run == Some(DryRun::Client)).then(pod::generated_name))
}

fn command(args: &RunArgs) -> Vec<String> {
    if args.command.is_empty() {
        vec!["nvidia-smi".into(), "-L".into()]
    } else {
        args.command.clone()
    }
}

/// The pod for `--dry-run --strategy S --profile P` when a cluster answers within a few seconds
/// and offers that profile: its nodes' real product label values and taints. `None` (use the
/// catalog) when there is no kubeconfig, no answer, or no such node (e.g. a pool not made yet).
async fn spec_from_cluster(
    global: &ConnectOptions,
    args: &RunArgs,
    strategy: Strategy,
    profile: &str,
    extra: &[Taint],
    msgs: &Messages,
) -> Option<TestPod> {
    let mut quick = global.clone();
    quick.request_timeout = Some(
        global
            .request_timeout
            .filter(|t| !t.is_zero())
            .map_or(Duration::from_secs(3), |t| t.min(Duration::from_secs(3))),
    );
    let cluster = cluster::connect(&quick).await.ok()?;
    let snapshot = match live::snapshot(&cluster, &[], None, false).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            msgs.note(format_args!(
                "could not ask the cluster ({err}); using the catalog's product names"
            ));
            return None;
        }
    };
    let report = capacity::report(&snapshot.nodes, &snapshot.usage);
    let offers = placement::offers(&report);
    let mut place = placement::choose(&offers, Some(profile), 0, Some(strategy)).ok()?;
    place.nodes = offers
        .iter()
        .filter(|o| o.profile == profile && o.strategy == strategy)
        .map(|o| o.node.clone())
        .collect();
    let targets: Vec<&NodeInfo> = snapshot
        .nodes
        .iter()
        .filter(|n| place.nodes.contains(&n.name))
        .collect();
    let mut tolerations = placement::tolerations_for(&targets);
    tolerations.extend(extra.iter().cloned());
    Some(TestPod {
        name: pod_name(args, Some(DryRun::Client)),
        namespace: cluster.namespace.clone(),
        image: args.image.clone(),
        command: command(args),
        resource: place.resource,
        count: args.count,
        node: None,
        products: place.products,
        tolerations,
        profile: Some(profile.to_string()),
    })
}

/// The pod for `--dry-run --strategy S --profile P` with no cluster to ask.
fn offline_spec(
    args: &RunArgs,
    strategy: Strategy,
    profile: &str,
    namespace: String,
    tolerations: Vec<Taint>,
    msgs: &Messages,
) -> TestPod {
    let products = if strategy == Strategy::Single {
        let products = placement::catalog_single_products(profile);
        if products.is_empty() {
            msgs.warn(format_args!("no known GPU has a {profile} profile, so the pod does not pin nvidia.com/gpu.product; it may land on any nvidia.com/gpu"));
        }
        products
    } else {
        Vec::new()
    };
    TestPod {
        name: pod_name(args, Some(DryRun::Client)),
        namespace,
        image: args.image.clone(),
        command: command(args),
        resource: strategy.resource_for(profile),
        count: args.count,
        node: None,
        products,
        tolerations,
        profile: Some(profile.to_string()),
    }
}

/// `--force` without a fitting node: ask for the profile anyway, named by the given strategy,
/// the `--node`'s, or mixed.
fn forced(
    args: &RunArgs,
    fixed: Option<Strategy>,
    report: &crate::model::capacity::Report,
    why: &str,
    msgs: &Messages,
) -> Result<Placement> {
    let profile = args.profile.clone().ok_or_else(|| {
        Error::usage(format!(
            "{why}; --force needs --profile to know what to request"
        ))
    })?;
    let node_strategy = args
        .node
        .as_ref()
        .and_then(|n| report.nodes.iter().find(|r| &r.name == n))
        .map(|r| r.strategy)
        .filter(|s| *s != Strategy::None);
    let strategy = fixed.or(node_strategy).unwrap_or(Strategy::Mixed);
    msgs.warn(format_args!("{why}; creating the pod anyway (--force)"));
    // Single strategy names every device nvidia.com/gpu: pin the product, or the pod could
    // land on a whole GPU or another profile and pass the test on the wrong device.
    let products = if strategy == Strategy::Single {
        placement::catalog_single_products(&profile)
    } else {
        Vec::new()
    };
    Ok(Placement {
        resource: strategy.resource_for(&profile),
        profile,
        strategy,
        products,
        nodes: Vec::new(),
    })
}

fn print_pod(out: &mut dyn Write, format: Option<ObjectFormat>, pod: &Pod) -> Result<()> {
    let value = serde_json::to_value(pod)
        .map_err(|e| Error::failed(format!("cannot encode the pod: {e}")))?;
    output::write_objects(out, format.unwrap_or(ObjectFormat::Yaml), &[value])
}

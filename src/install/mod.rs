//! `kubectl mig install` / `uninstall`: the NVIDIA device plugin, GFD and NFD with a MIG strategy.

mod apply;
mod components;
mod helm;
mod manifests;
mod rollout;
pub mod status;
mod uninstall;

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Cluster};
use crate::error::{Error, Result};
use crate::install::components::{Component, Found, Owner};
use crate::mig::strategy::Strategy;
use crate::output::messages::Messages;
use crate::output::{self, ObjectFormat};
use crate::output::{DryRun, DryRunFlag};
use apply::Outcome;
use clap::Args;
use kube::api::DynamicObject;
use manifests::daemons::InstallConfig;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

/// Examples shown in `kubectl mig install --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Install with the mixed strategy and wait until the GPU nodes advertise MIG resources
  kubectl mig install --strategy mixed --wait

  # Print every manifest for GitOps, talking to no cluster
  kubectl mig install --strategy single --dry-run -o yaml > nvidia-mig.yaml

  # Use helm instead (prints the commands with --dry-run)
  kubectl mig install --strategy mixed --helm";

/// Examples shown in `kubectl mig uninstall --help`.
pub const UNINSTALL_EXAMPLES: &str = "\
Examples:
  # See what would be deleted
  kubectl mig uninstall --dry-run

  # Delete everything kubectl mig install created
  kubectl mig uninstall";

/// Flags of `kubectl mig install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// MIG strategy for the device plugin and GFD.
    #[arg(long, value_enum)]
    pub strategy: Strategy,
    /// NVIDIA device plugin version (image tag / chart version).
    #[arg(long, value_name = "VERSION", default_value = "v0.20.0")]
    pub version: String,
    /// Don't deploy GPU feature discovery.
    #[arg(long)]
    pub no_gfd: bool,
    /// Don't deploy Node Feature Discovery.
    #[arg(long)]
    pub no_nfd: bool,
    /// Run the daemons with this RuntimeClass (e.g. nvidia).
    #[arg(long, value_name = "NAME")]
    pub runtime_class: Option<String>,
    /// Only run on nodes with this label (KEY=VALUE, repeatable).
    #[arg(long = "node-selector", value_name = "KEY=VALUE")]
    pub node_selector: Vec<String>,
    /// Only print the manifests (client), or have the server validate them (server).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
    /// Output format with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Wait for the rollout and for the GPU nodes to advertise MIG resources.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::k8s::duration::parse)]
    pub timeout: Duration,
    /// Install even next to a device plugin that kubectl mig does not own.
    #[arg(long)]
    pub force: bool,
    /// Use helm (the nvidia-device-plugin chart) instead of applying manifests.
    #[arg(long)]
    pub helm: bool,
}

/// Flags of `kubectl mig uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Only list what would be deleted.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
}

/// Runs `kubectl mig install`.
pub async fn install(
    global: &ConnectOptions,
    args: &InstallArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    if args.output.is_some() && args.dry_run.0.is_none() {
        return Err(Error::usage(
            "-o prints the manifests only with --dry-run; add --dry-run",
        ));
    }
    let mut config = config(global, args)?;
    let dry_run = args.dry_run.0;
    if args.helm {
        if dry_run == Some(DryRun::Server) || args.output.is_some() {
            return Err(Error::usage(
                "with --helm, --dry-run prints the helm commands; --dry-run=server and -o work with kubectl mig's own manifests (drop --helm)",
            ));
        }
        if dry_run.is_none() {
            if !crate::install::helm::on_path("helm") {
                return Err(crate::install::helm::missing());
            }
            let cluster = cluster::connect(global).await?;
            let found = components::find_components(&cluster).await?;
            check_foreign(
                &found,
                args.force,
                config.strategy,
                Some(manifests::daemons::HELM_RELEASE),
                msgs,
            )?;
            reuse_nfd(
                &found,
                &mut config,
                Some(manifests::daemons::HELM_RELEASE),
                msgs,
            );
            warn_without_gpu_nodes(&cluster, &found, msgs).await?;
        }
        let wait = args.wait.then_some(args.timeout);
        return crate::install::helm::run(&config, dry_run, wait, out, msgs);
    }
    if dry_run == Some(DryRun::Client) {
        let objects = manifests::daemons::objects(&config);
        return output::write_objects(out, args.output.unwrap_or(ObjectFormat::Yaml), &objects);
    }

    let cluster = cluster::connect(global).await?;
    let found = components::find_components(&cluster).await?;
    check_foreign(&found, args.force, config.strategy, None, msgs)?;
    reuse_nfd(&found, &mut config, None, msgs);
    let previous = found
        .iter()
        .find(|f| f.component == Component::DevicePlugin && f.owner == Owner::KubectlMig)
        .and_then(|f| f.strategy);
    warn_without_gpu_nodes(&cluster, &found, msgs).await?;

    let objects = manifests::daemons::objects(&config);
    let server_dry_run = dry_run == Some(DryRun::Server);
    let mut created = Vec::new();
    let mut interrupts = crate::signals::Interrupts::arm();
    let applied = tokio::select! {
        result = apply_all(&cluster, &objects, &config, args, out, &mut created, msgs) => {
            result.map_err(|e| left_behind(e, &created))?
        }
        code = interrupts.next() => {
            return Err(Error::Exit {
                code,
                message: left_behind(Error::failed("interrupted"), &created).to_string(),
            });
        }
    };
    if let Some(format) = args.output {
        // What the server answered: defaults filled in, as kubectl prints after an apply.
        output::write_objects(out, format, &applied.answered)?;
    }
    if server_dry_run {
        let validated = objects.len() - applied.unvalidated;
        msgs.say(format_args!(
            "The server accepted {validated} of {} objects; nothing was changed (dry run).",
            objects.len()
        ));
        if applied.unvalidated > 0 {
            msgs.say(format_args!(
                "The other {} live in namespace {ns}, which the server can validate them in once it exists (kubectl create namespace {ns}).",
                applied.unvalidated,
                ns = config.namespace
            ));
        }
        return Ok(());
    }
    match (applied.changed, previous) {
        (0, _) => msgs.say(format_args!(
            "Nothing changed: kubectl mig's installation is already up to date."
        )),
        (_, Some(old)) if old != config.strategy => msgs.say(format_args!(
            "Strategy changed from {old} to {}: the device plugin and GFD pods roll out with it.",
            config.strategy
        )),
        _ => msgs.say(format_args!(
            "Installed the NVIDIA device plugin {} with the {} strategy in namespace {}.",
            config.version, config.strategy, config.namespace
        )),
    }
    if args.wait {
        crate::install::rollout::wait(&cluster, &config, args.timeout, out, msgs).await?;
    } else {
        msgs.say(format_args!(
            "Check with: kubectl mig status, then kubectl mig describe (or rerun with --wait)."
        ));
    }
    Ok(())
}

/// A device plugin release `vMAJOR.MINOR.PATCH` from v0.15.0 on, when GFD joined its image.
fn check_version(version: &str) -> Result<()> {
    let parts: Vec<Option<u32>> = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [Some(major), Some(minor), Some(_)] if (*major, *minor) >= (0, 15) => Ok(()),
        [Some(_), Some(_), Some(_)] => Err(Error::usage(format!(
            "--version {version} is too old: GPU feature discovery ships in the device plugin image from v0.15.0 on; use e.g. v0.20.0"
        ))),
        _ => Err(Error::usage(format!(
            "invalid --version {version:?}: use a device plugin release such as v0.20.0"
        ))),
    }
}

/// An NFD that kubectl mig did not install (nor the helm release `--helm` manages) is used as
/// it is.
fn reuse_nfd(
    found: &[Found],
    config: &mut InstallConfig,
    helm_release: Option<&str>,
    msgs: &Messages,
) {
    if !config.nfd {
        return;
    }
    let ours = |owner: &Owner| match owner {
        Owner::KubectlMig => true,
        Owner::Helm { release } => Some(release.as_str()) == helm_release,
        _ => false,
    };
    if let Some(nfd) = found
        .iter()
        .find(|f| f.component == Component::NfdWorker && !ours(&f.owner))
    {
        msgs.say(format_args!(
            "Reusing Node Feature Discovery in namespace {} (DaemonSet {}, installed by {}); make sure its master allows the nvidia.com label namespace (extraLabelNs).",
            nfd.namespace, nfd.name, nfd.owner
        ));
        config.nfd = false;
    }
}

/// What applying the objects did.
struct Applied {
    /// Objects created or configured.
    changed: usize,
    /// Objects a server dry run could not validate (their namespace does not exist yet).
    unvalidated: usize,
    /// The objects as the server answered them.
    answered: Vec<serde_json::Value>,
}

/// Applies the objects in order, printing one line per object as kubectl does.
async fn apply_all(
    cluster: &Cluster,
    objects: &[serde_json::Value],
    config: &InstallConfig,
    args: &InstallArgs,
    out: &mut dyn Write,
    created: &mut Vec<String>,
    msgs: &Messages,
) -> Result<Applied> {
    let server_dry_run = args.dry_run.0 == Some(DryRun::Server);
    let suffix = if server_dry_run {
        " (server dry run)"
    } else {
        ""
    };
    let say = |out: &mut dyn Write, line: String| -> Result<()> {
        if args.output.is_none() {
            writeln!(out, "{line}").map_err(output::io_error)?;
        }
        Ok(())
    };
    let mut applied = Applied {
        changed: 0,
        unvalidated: 0,
        answered: Vec::new(),
    };
    let mut namespace_exists = true;
    for obj in objects {
        let name = apply::display_name(obj);
        if server_dry_run && obj["metadata"]["namespace"].is_string() && !namespace_exists {
            // The server can only validate namespaced objects in a namespace that exists.
            applied.unvalidated += 1;
            say(
                out,
                format!(
                    "{name} not validated (namespace {} does not exist yet)",
                    config.namespace
                ),
            )?;
            continue;
        }
        let before = apply::get(cluster, obj).await?;
        let is_namespace = obj["kind"] == "Namespace";
        match &before {
            None if is_namespace => namespace_exists = false,
            // A namespace someone made for us is used as it is, never relabelled.
            Some(existing) if is_namespace && !owned(existing) => {
                say(
                    out,
                    format!("{name} unchanged (exists; not managed by kubectl mig)"),
                )?;
                continue;
            }
            Some(existing) if !owned(existing) && !args.force => {
                return Err(Error::failed(format!(
                    "{name} already exists and was not created by kubectl mig; remove it, pick another --namespace, or pass --force to take it over"
                )));
            }
            Some(existing) if !owned(existing) => msgs.warn(format_args!(
                "taking over {name} (--force): it now carries kubectl mig's labels, so kubectl mig uninstall will delete it"
            )),
            _ => {}
        }
        let (outcome, answered) =
            apply::apply(cluster, obj, before.as_ref(), server_dry_run, args.force).await?;
        applied.answered.push(answered);
        if outcome == Outcome::Created && !server_dry_run {
            created.push(name.clone());
        }
        if outcome != Outcome::Unchanged {
            applied.changed += 1;
        }
        say(out, format!("{name} {}{suffix}", outcome.as_str()))?;
    }
    Ok(applied)
}

/// An install that stopped half-way says what it had already created and how to remove it.
fn left_behind(err: Error, created: &[String]) -> Error {
    if created.is_empty() {
        return err;
    }
    let shown: Vec<&str> = created.iter().take(4).map(String::as_str).collect();
    let more = created.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Error::failed(format!(
        "{err}; the install stopped after creating {}{more}: run it again once that is fixed, or remove them with kubectl mig uninstall",
        shown.join(", ")
    ))
}

fn config(global: &ConnectOptions, args: &InstallArgs) -> Result<InstallConfig> {
    let mut node_selector = BTreeMap::new();
    for kv in &args.node_selector {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            Error::usage(format!("invalid --node-selector {kv:?}: use KEY=VALUE"))
        })?;
        node_selector.insert(k.to_string(), v.to_string());
    }
    check_version(&args.version)?;
    if let Some(rc) = &args.runtime_class {
        crate::k8s::names::check_name("RuntimeClass name", rc).map_err(Error::usage_from)?;
    }
    Ok(InstallConfig {
        strategy: args.strategy,
        version: args.version.clone(),
        namespace: global
            .namespace
            .clone()
            .unwrap_or_else(|| manifests::daemons::DEFAULT_NAMESPACE.into()),
        gfd: !args.no_gfd,
        nfd: !args.no_nfd && !args.no_gfd,
        runtime_class: args.runtime_class.clone(),
        node_selector,
    })
}

fn owned(obj: &DynamicObject) -> bool {
    crate::k8s::ownership::is_ours(obj.metadata.labels.as_ref())
}

/// Refuses to install next to a device plugin or GFD that kubectl mig does not own (the helm
/// release `--helm` upgrades is its own), naming each and how to set the strategy through it.
fn check_foreign(
    found: &[Found],
    force: bool,
    strategy: Strategy,
    helm_release: Option<&str>,
    msgs: &Messages,
) -> Result<()> {
    let foreign: Vec<&Found> = found
        .iter()
        .filter(|f| matches!(f.component, Component::DevicePlugin | Component::GpuFeatureDiscovery))
        .filter(|f| f.owner != Owner::KubectlMig)
        .filter(|f| !matches!((&f.owner, helm_release), (Owner::Helm { release }, Some(ours)) if release == ours))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = foreign
        .iter()
        .map(|f| {
            format!(
                "{} DaemonSet {}/{} installed by {}",
                f.component, f.namespace, f.name, f.owner
            )
        })
        .collect();
    if force {
        msgs.warn(format_args!(
            "installing next to {} because of --force; GPUs will be advertised and labelled twice",
            what.join(", ")
        ));
        return Ok(());
    }
    let first = foreign[0];
    let how = match &first.owner {
        Owner::Helm { release } => format!(
            "set the strategy through that release (helm upgrade {release} <chart> --reuse-values --set migStrategy={strategy})"
        ),
        Owner::GpuOperator => format!(
            "set the strategy through the GPU Operator (kubectl patch clusterpolicies.nvidia.com cluster-policy --type merge -p '{{\"spec\":{{\"mig\":{{\"strategy\":\"{strategy}\"}}}}}}')"
        ),
        Owner::HelmTemplate { app } => format!(
            "it is rendered from a helm chart by a GitOps tool{}, so set migStrategy={strategy} in that application's values",
            app.as_deref().map(|a| format!(" (application {a})")).unwrap_or_default()
        ),
        Owner::Aks => "it is managed by AKS, so set the strategy there or remove the add-on first".to_string(),
        Owner::KubectlMig | Owner::Unknown => format!(
            "remove it first (kubectl delete daemonset -n {} {})",
            first.namespace, first.name
        ),
    };
    Err(Error::failed(format!(
        "NVIDIA GPU software is already running ({}); a second copy would advertise or label the same GPUs twice, so {how}, or pass --force",
        what.join(", ")
    )))
}

async fn warn_without_gpu_nodes(cluster: &Cluster, found: &[Found], msgs: &Messages) -> Result<()> {
    let (nodes, _) = crate::snapshot::live::gpu_nodes(cluster, None).await?;
    if nodes.is_empty() {
        msgs.warn(format_args!(
            "no node has NVIDIA GPUs or GPU labels yet; the daemons will start when GPU nodes join"
        ));
    }
    let known_plugin = found.iter().any(|f| f.component == Component::DevicePlugin);
    let advertising: Vec<&str> = nodes
        .iter()
        .filter(|n| {
            n.allocatable
                .iter()
                .any(|(name, count)| crate::mig::strategy::is_gpu_resource(name) && *count > 0)
        })
        .map(|n| n.name.as_str())
        .collect();
    if !known_plugin && !advertising.is_empty() {
        msgs.warn(format_args!(
            "{} node{} already advertise{} GPU or MIG devices although no device plugin kubectl mig recognises runs (e.g. {}); if another device plugin serves them (cloud-managed, or a host service), two would advertise the same GPUs",
            advertising.len(),
            if advertising.len() == 1 { "" } else { "s" },
            if advertising.len() == 1 { "s" } else { "" },
            advertising[0]
        ));
    }
    Ok(())
}

/// Runs `kubectl mig uninstall`.
pub async fn uninstall(
    global: &ConnectOptions,
    args: &UninstallArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    uninstall::run(global, args.dry_run.0, out, msgs).await
}

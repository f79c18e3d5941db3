//! `kubectl mig install` / `uninstall`: the NVIDIA device plugin, GFD and NFD with a MIG strategy.

mod apply;
mod args;
mod checks;
mod components;
mod helm;
mod impact;
mod manifests;
mod rollout;
pub mod status;
mod uninstall;

use crate::cluster::ConnectOptions;
use crate::cluster::{self, Cluster};
use crate::error::{Error, Result};
use crate::install::components::{Component, Owner};
use crate::mig::strategy::Strategy;
use crate::output::messages::Messages;
use crate::output::DryRun;
use crate::output::{self, ObjectFormat};
use apply::Outcome;
use args::config;
pub use args::{InstallArgs, UninstallArgs, EXAMPLES, UNINSTALL_EXAMPLES};
use checks::{check_foreign, reuse_nfd, warn_without_gpu_nodes};
use kube::api::DynamicObject;
use manifests::daemons::InstallConfig;
use std::io::Write;

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
    if args.helm {
        return install_with_helm(global, args, config, out, msgs).await;
    }
    if args.dry_run.0 == Some(DryRun::Client) {
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
    warn_without_gpu_nodes(&cluster, &found, args.force, msgs).await?;
    if changes_strategy(&found, previous, &config, args.force) {
        let dry_run = args.dry_run.0.is_some();
        let selector = &config.node_selector;
        impact::check(
            &cluster,
            config.strategy,
            selector,
            args.force,
            dry_run,
            msgs,
        )
        .await?;
    }
    let objects = manifests::daemons::objects(&config);
    let applied = apply_interruptibly(&cluster, &objects, &config, args, out, msgs).await?;
    if let Some(format) = args.output {
        // What the server answered: defaults filled in, as kubectl prints after an apply.
        output::write_objects(out, format, &applied.answered)?;
    }
    if args.dry_run.0 == Some(DryRun::Server) {
        report_server_dry_run(&objects, &applied, &config, msgs);
        return Ok(());
    }
    report_outcome(&applied, previous, &config, msgs);
    if args.wait {
        rollout::wait(&cluster, &config, args.timeout, out, msgs).await?;
    } else {
        msgs.say(
            "Check with: kubectl mig status, then kubectl mig describe (or rerun with --wait).",
        );
    }
    Ok(())
}

/// Whether this install changes the strategy GPU nodes are served with: kubectl mig's own
/// device plugin switching strategy, or a foreign one replaced under `--force`.
fn changes_strategy(
    found: &[components::Found],
    previous: Option<Strategy>,
    config: &InstallConfig,
    force: bool,
) -> bool {
    let foreign = found.iter().any(|f| {
        f.component == Component::DevicePlugin
            && f.owner != Owner::KubectlMig
            && f.strategy != Some(config.strategy)
    });
    previous.is_some_and(|old| old != config.strategy) || (force && foreign)
}

/// `--helm`: the same safety checks, then helm does the install (or prints it for a dry run).
async fn install_with_helm(
    global: &ConnectOptions,
    args: &InstallArgs,
    mut config: InstallConfig,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let dry_run = args.dry_run.0;
    if dry_run == Some(DryRun::Server) || args.output.is_some() {
        return Err(Error::usage(
            "with --helm, --dry-run prints the helm commands; --dry-run=server and -o work with kubectl mig's own manifests (drop --helm)",
        ));
    }
    if dry_run.is_none() {
        if !helm::on_path("helm") {
            return Err(helm::missing());
        }
        let cluster = cluster::connect(global).await?;
        let found = components::find_components(&cluster).await?;
        let release = Some(manifests::daemons::HELM_RELEASE);
        check_foreign(&found, args.force, config.strategy, release, msgs)?;
        reuse_nfd(&found, &mut config, release, msgs);
        warn_without_gpu_nodes(&cluster, &found, args.force, msgs).await?;
    }
    let wait = args.wait.then_some(args.timeout);
    helm::run(&config, dry_run, wait, out, msgs)
}

/// Applies the objects; Ctrl-C or a refusal half-way says what was already created.
async fn apply_interruptibly(
    cluster: &Cluster,
    objects: &[serde_json::Value],
    config: &InstallConfig,
    args: &InstallArgs,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<Applied> {
    let mut created = Vec::new();
    let mut interrupts = crate::signals::Interrupts::arm();
    tokio::select! {
        result = apply_all(cluster, objects, config, args, out, &mut created, msgs) => {
            result.map_err(|e| left_behind(e, &created))
        }
        code = interrupts.next() => Err(Error::Exit {
            code,
            message: left_behind(Error::failed("interrupted"), &created).to_string(),
        }),
    }
}

fn report_server_dry_run(
    objects: &[serde_json::Value],
    applied: &Applied,
    config: &InstallConfig,
    msgs: &Messages,
) {
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
}

fn report_outcome(
    applied: &Applied,
    previous: Option<Strategy>,
    config: &InstallConfig,
    msgs: &Messages,
) {
    match (applied.changed, previous) {
        (0, _) => msgs.say("Nothing changed: kubectl mig's installation is already up to date."),
        (_, Some(old)) if old != config.strategy => msgs.say(format_args!(
            "Strategy changed from {old} to {}: the device plugin and GFD pods roll out with it.",
            config.strategy
        )),
        _ => msgs.say(format_args!(
            "Installed the NVIDIA device plugin {} with the {} strategy in namespace {}.",
            config.version, config.strategy, config.namespace
        )),
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
// Long: one loop over the objects with the per-object decisions (exists, owned, forced,
// dry run) side by side, as kubectl apply reports them line by line.
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

fn owned(obj: &DynamicObject) -> bool {
    crate::k8s::ownership::is_ours(obj.metadata.labels.as_ref())
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

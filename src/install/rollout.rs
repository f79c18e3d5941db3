//! `kubectl mig install --wait`: wait for the daemons' rollout, then for the GPU nodes to
//! advertise MIG devices the way the strategy names them; on timeout, say which nodes lag and why.

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::install::manifests::daemons::InstallConfig;
use crate::mig::strategy::{Strategy, STRATEGY_LABEL};
use crate::model::capacity;
use crate::output::messages::Messages;
use crate::output::progress::Progress;
use crate::snapshot::live;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams};
use std::io::Write;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_secs(2);

/// Rollout state of one DaemonSet: `(name, desired, updated and available)`.
type DsState = (String, i32, i32);

async fn daemonset_states(cluster: &Cluster, cfg: &InstallConfig) -> Result<Vec<(DsState, bool)>> {
    let api: Api<DaemonSet> = Api::namespaced(cluster.client.clone(), &cfg.namespace);
    let mut names = vec!["nvidia-device-plugin"];
    if cfg.gfd {
        names.push("nvidia-gpu-feature-discovery");
    }
    let mut out = Vec::new();
    for name in names {
        let ds = api.get(name).await.map_err(|e| {
            cluster.error(e, Op::new("get", "daemonsets.apps").in_ns(&cfg.namespace))
        })?;
        let generation = ds.metadata.generation.unwrap_or(0);
        let status = ds.status.unwrap_or_default();
        let desired = status.desired_number_scheduled;
        let ready = status
            .updated_number_scheduled
            .unwrap_or(0)
            .min(status.number_available.unwrap_or(0));
        let done = status.observed_generation.unwrap_or(0) >= generation && ready >= desired;
        out.push(((name.to_string(), desired, ready), done));
    }
    Ok(out)
}

/// GPU nodes whose labels or resources do not yet match the strategy.
fn lagging_nodes(report: &capacity::Report, strategy: Strategy) -> Vec<(String, String)> {
    report
        .nodes
        .iter()
        .filter_map(|n| {
            if n.strategy != strategy {
                return Some((
                    n.name.clone(),
                    format!("GFD reports strategy {} ({STRATEGY_LABEL})", n.strategy),
                ));
            }
            n.problems
                .iter()
                .find(|p| matches!(p.code, "STRATEGY_MISMATCH" | "DEVICES_NOT_ADVERTISED"))
                .map(|p| (n.name.clone(), p.message.clone()))
        })
        .collect()
}

/// Waits for the rollout and the nodes, printing the describe summary when done.
// Long: two waits in sequence (DaemonSet rollout, then devices on the nodes), each with its
// own timeout message; splitting them would split the shared deadline.
pub async fn wait(
    cluster: &Cluster,
    cfg: &InstallConfig,
    timeout: Duration,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut progress = Progress::new(msgs);
    loop {
        let states = daemonset_states(cluster, cfg).await?;
        let last = states
            .iter()
            .map(|((name, desired, ready), _)| format!("{name} {ready}/{desired}"))
            .collect::<Vec<_>>()
            .join(", ");
        progress.set(format!("Waiting for the rollout: {last}"));
        if states.iter().all(|(_, done)| *done) {
            progress.finish();
            break;
        }
        if Instant::now() >= deadline {
            progress.finish();
            let why = pod_problems(cluster, cfg).await.unwrap_or_default();
            return Err(Error::failed(format!(
                "the rollout did not finish within {} ({last}){why}; check kubectl get pods -n {} -o wide",
                crate::k8s::duration::human(timeout),
                cfg.namespace
            )));
        }
        let wake = tokio::time::Instant::now() + POLL;
        while tokio::time::Instant::now() < wake {
            progress.tick();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    msgs.say(format_args!(
        "Rollout complete; waiting for the GPU nodes to advertise {} MIG devices.",
        cfg.strategy
    ));
    let selector = node_selector(cfg);
    loop {
        let (nodes, listed) = live::gpu_nodes(cluster, selector.as_deref()).await?;
        let labels_only = capacity::report(&nodes, &capacity::Usage::default());
        let lagging = lagging_nodes(&labels_only, cfg.strategy);
        if lagging.is_empty() {
            let report = match crate::snapshot::pod_usage::usage(cluster, &nodes, listed).await {
                Ok(usage) => capacity::report(&nodes, &usage),
                Err(_) => labels_only,
            };
            let text = crate::model::tables::summary(&report);
            out.write_all(text.as_bytes())
                .map_err(crate::output::io_error)?;
            return Ok(());
        }
        if Instant::now() >= deadline {
            let list: Vec<String> = lagging
                .iter()
                .map(|(n, why)| format!("{n}: {why}"))
                .collect();
            return Err(Error::failed(format!(
                "{} GPU node(s) do not advertise {} MIG devices yet ({}); GFD relabels nodes every minute, so look at its pods' logs in namespace {} and run kubectl mig describe",
                lagging.len(),
                cfg.strategy,
                list.join("; "),
                cfg.namespace
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `: pod X on node Y: <latest warning>` for the daemons' pods that are not ready.
// Long: gathers the DaemonSets' and their pods' warnings into one text, in the order they matter.
async fn pod_problems(cluster: &Cluster, cfg: &InstallConfig) -> Result<String> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cfg.namespace);
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), &cfg.namespace);
    let list = pods
        .list(&ListParams::default().labels("app.kubernetes.io/instance=kubectl-mig"))
        .await
        .map_err(|e| cluster.error(e, Op::new("list", "pods").in_ns(&cfg.namespace)))?;
    let mut parts = Vec::new();
    let with_plugin: std::collections::BTreeSet<String> = list
        .items
        .iter()
        .filter(|p| {
            p.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app.kubernetes.io/name"))
                .is_some_and(|n| n == "nvidia-device-plugin")
        })
        .filter_map(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()))
        .collect();
    let (gpu_nodes, _) = live::gpu_nodes(cluster, node_selector(cfg).as_deref()).await?;
    let without: Vec<&str> = gpu_nodes
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| !with_plugin.contains(*n))
        .collect();
    if !without.is_empty() {
        // The DaemonSet controller says why it made no pod (e.g. a Pod Security refusal).
        let ds_events = events
            .list(&ListParams::default().fields("involvedObject.kind=DaemonSet"))
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        let reason = latest_warning(&ds_events).unwrap_or_else(|| {
            "their taints or labels keep the DaemonSet away: compare kubectl describe node with the DaemonSet's tolerations and affinity".into()
        });
        parts.push(format!(
            "no device plugin pod on {} ({reason})",
            without.join(", ")
        ));
    }
    for pod in list.items {
        if super::components::is_ready(&pod) {
            continue;
        }
        let name = pod.metadata.name.clone().unwrap_or_default();
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_else(|| "no node".into());
        let evs = events
            .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        let latest = latest_warning(&evs).unwrap_or_else(|| "not ready, no warning events".into());
        parts.push(format!("pod {name} on {node}: {latest}"));
    }
    Ok(if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join("; "))
    })
}

/// The install's `--node-selector` as a label selector: only those nodes get the daemons.
fn node_selector(cfg: &InstallConfig) -> Option<String> {
    (!cfg.node_selector.is_empty()).then(|| crate::k8s::selector::from_labels(&cfg.node_selector))
}

/// `Reason: message` of the newest Warning event.
fn latest_warning(events: &[Event]) -> Option<String> {
    events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .max_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0))
        .map(|e| {
            format!(
                "{}: {}",
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default()
            )
        })
}

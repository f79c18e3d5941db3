//! `describe` across many clusters: every (or the named) kubeconfig context read at once, each
//! with its own credentials, one view with a CONTEXT column, a summary per cluster and one per
//! GPU model and profile. A cluster that is slow, unreachable or forbidden gets one line and
//! never holds back or hides the others.

use crate::cluster::{self, ConnectOptions};
use crate::error::Result;
use crate::model::capacity::Report;
use crate::output::table::Table;
use crate::snapshot::{capture, live};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long one cluster may take in all when `--request-timeout` does not say; past it the
/// cluster is reported as too slow and the others are shown.
const CLUSTER_DEADLINE: Duration = Duration::from_secs(60);

/// One cluster's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    /// The kubeconfig context (or capture file) it was read from.
    pub context: String,
    /// Its report, when it could be read.
    #[serde(flatten)]
    pub report: Option<Report>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// Totals of one GPU model and profile across the fleet.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FleetRow {
    /// The normalised GPU model (`-` when unknown).
    pub gpu_model: String,
    /// The MIG profile (`None` for whole GPUs).
    pub profile: Option<String>,
    /// Clusters offering it.
    pub clusters: usize,
    /// Nodes offering it.
    pub nodes: usize,
    /// Allocatable devices.
    pub allocatable: i64,
    /// Requested devices.
    pub requested: i64,
    /// Free devices.
    pub free: i64,
}

/// The whole fleet, in the JSON schema (`clusters`, `fleet`).
#[derive(Debug, Serialize)]
pub struct Fleet {
    /// Every cluster, in the order asked for.
    pub clusters: Vec<ClusterView>,
    /// Totals per GPU model and profile.
    pub fleet: Vec<FleetRow>,
}

/// What to read of each cluster.
pub struct Scope<'a> {
    /// Named nodes.
    pub nodes: &'a [String],
    /// A label selector.
    pub selector: Option<&'a str>,
    /// Every node, not only GPU nodes.
    pub all: bool,
}

/// The contexts `--context a,b,c` names, or with `all` every context of the kubeconfig.
pub fn contexts(options: &ConnectOptions, all: bool) -> Result<Vec<String>> {
    if all {
        return cluster::context_names(options);
    }
    Ok(options
        .context
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect())
}

/// Reads every context at once.
pub async fn read(options: &ConnectOptions, contexts: Vec<String>, scope: &Scope<'_>) -> Fleet {
    // The clusters share one budget of requests in flight (see `crate::snapshot::read_plan::reading_clusters`).
    crate::snapshot::read_plan::reading_clusters(contexts.len());
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(contexts.len());
    let clusters = if threads < 2 {
        let reads = contexts.into_iter().map(|c| read_one(options, c, scope));
        futures::future::join_all(reads).await
    } else {
        read_on_threads(options, contexts, scope, threads)
    };
    let fleet = totals(&clusters);
    Fleet { clusters, fleet }
}

/// Decoding the clusters' answers is most of a fleet's work (BENCHMARKS.md, "Over a real
/// network"): the contexts are dealt out to one thread per core, each reading its share at once
/// on a runtime of its own. The views come back in the contexts' order.
fn read_on_threads(
    options: &ConnectOptions,
    contexts: Vec<String>,
    scope: &Scope<'_>,
    threads: usize,
) -> Vec<ClusterView> {
    let mut shares: Vec<Vec<(usize, String)>> = vec![Vec::new(); threads];
    for (i, context) in contexts.into_iter().enumerate() {
        shares[i % threads].push((i, context));
    }
    let mut views: Vec<(usize, ClusterView)> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| s.spawn(move || read_share(options, share, scope)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    views.sort_by_key(|(i, _)| *i);
    views.into_iter().map(|(_, v)| v).collect()
}

/// One thread's share of the contexts, read at once on its own runtime.
fn read_share(
    options: &ConnectOptions,
    share: Vec<(usize, String)>,
    scope: &Scope<'_>,
) -> Vec<(usize, ClusterView)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => {
            runtime.block_on(futures::future::join_all(share.into_iter().map(
                |(i, context)| async move { (i, read_one(options, context, scope).await) },
            )))
        }
        Err(e) => share
            .into_iter()
            .map(|(i, context)| {
                let error =
                    format!("cannot start a thread to read it ({e}); run the command again");
                (
                    i,
                    ClusterView {
                        context,
                        report: None,
                        error: Some(error),
                    },
                )
            })
            .collect(),
    }
}

/// One context's view: its report, or why it could not be read within its deadline.
async fn read_one(options: &ConnectOptions, context: String, scope: &Scope<'_>) -> ClusterView {
    let mut one = options.clone();
    one.context = Some(context.clone());
    let deadline = one
        .timeout()
        .map_or(CLUSTER_DEADLINE, |t| t.saturating_mul(4));
    let work = async {
        let connected = cluster::connect(&one).await?;
        let snapshot = live::snapshot(&connected, scope.nodes, scope.selector, scope.all).await?;
        Ok::<Report, crate::error::Error>(snapshot.report())
    };
    let (report, error) = match tokio::time::timeout(deadline, work).await {
        Ok(Ok(report)) => (Some(report), None),
        Ok(Err(e)) => (None, Some(e.to_string())),
        Err(_) => (
            None,
            Some(format!(
                "no complete answer within {}; it is left out (raise --request-timeout to wait longer)",
                crate::k8s::duration::human(deadline)
            )),
        ),
    };
    ClusterView {
        context,
        report,
        error,
    }
}

/// Each capture file as one cluster named by the file's name.
pub fn from_files(files: &[PathBuf], scope: &Scope<'_>) -> Fleet {
    let clusters: Vec<ClusterView> = files
        .iter()
        .map(|path| {
            let context = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            match capture::read_files(&[path]) {
                Ok(c) => {
                    let dra_nodes = crate::model::dra::dra_nodes(&c.dra);
                    let nodes: Vec<_> = c
                        .nodes
                        .into_iter()
                        .filter(|n| scope.nodes.is_empty() || scope.nodes.contains(&n.name))
                        .filter(|n| {
                            scope.all || live::is_gpu_node(n) || dra_nodes.contains(&n.name)
                        })
                        .collect();
                    let mut usage = crate::model::capacity::Usage::for_nodes(
                        nodes.iter().map(|n| n.name.as_str()),
                    );
                    for pod in c.pods {
                        usage.add(pod);
                    }
                    let report =
                        crate::model::capacity::report_with_dra(&nodes, &usage, &c.dra, &c.reasons);
                    ClusterView {
                        context,
                        report: Some(report),
                        error: None,
                    }
                }
                Err(e) => ClusterView {
                    context,
                    report: None,
                    error: Some(e.to_string()),
                },
            }
        })
        .collect();
    let fleet = totals(&clusters);
    Fleet { clusters, fleet }
}

/// Totals per GPU model and profile over the clusters that answered.
fn totals(clusters: &[ClusterView]) -> Vec<FleetRow> {
    type Key = (String, (u32, u32, String));
    let mut rows: BTreeMap<Key, FleetRow> = BTreeMap::new();
    let mut seen: BTreeMap<Key, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for (ci, cluster) in clusters.iter().enumerate() {
        let Some(report) = &cluster.report else {
            continue;
        };
        for node in &report.nodes {
            let model = node.gpu_model.clone().unwrap_or_else(|| "-".into());
            for r in node.resources.iter().filter(|r| r.allocatable > 0) {
                let order = r
                    .profile
                    .as_deref()
                    .map(crate::mig::strategy::profile_order)
                    .unwrap_or((0, 0, String::new()));
                let key = (model.clone(), order);
                seen.entry(key.clone()).or_default().insert(ci);
                let row = rows.entry(key).or_insert_with(|| FleetRow {
                    gpu_model: model.clone(),
                    profile: r.profile.clone(),
                    clusters: 0,
                    nodes: 0,
                    allocatable: 0,
                    requested: 0,
                    free: 0,
                });
                row.nodes += 1;
                row.allocatable = row.allocatable.saturating_add(r.allocatable);
                row.requested = row.requested.saturating_add(r.requested);
                row.free = row.free.saturating_add(r.free);
            }
        }
    }
    rows.into_iter()
        .map(|(key, mut row)| {
            row.clusters = seen.get(&key).map_or(0, |s| s.len());
            row
        })
        .collect()
}

/// One row per cluster: what it offers in all, or why it is missing.
pub fn clusters_table(fleet: &Fleet) -> String {
    let mut table = Table::new(&[
        "CONTEXT",
        "GPU NODES",
        "ALLOCATABLE",
        "REQUESTED",
        "FREE",
        "ERRORS",
        "STATUS",
    ]);
    for c in &fleet.clusters {
        match &c.report {
            Some(r) => {
                let (a, q, f) = r.summary.iter().fold((0i64, 0i64, 0i64), |(a, q, f), s| {
                    (
                        a.saturating_add(s.allocatable),
                        q.saturating_add(s.requested),
                        f.saturating_add(s.free),
                    )
                });
                let errors = r
                    .nodes
                    .iter()
                    .flat_map(|n| &n.problems)
                    .filter(|p| p.severity == crate::model::problems::Severity::Error)
                    .count();
                table.row(vec![
                    c.context.clone(),
                    r.nodes.len().to_string(),
                    a.to_string(),
                    q.to_string(),
                    f.to_string(),
                    errors.to_string(),
                    "ok".into(),
                ]);
            }
            None => table.row(vec![
                c.context.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "not read".into(),
            ]),
        }
    }
    format!("\nClusters:\n{}", table.render())
}

/// Totals per GPU model and profile.
pub fn fleet_table(fleet: &Fleet) -> String {
    if fleet.fleet.is_empty() {
        return String::new();
    }
    let mut table = Table::new(&[
        "GPU",
        "PROFILE",
        "CLUSTERS",
        "NODES",
        "ALLOCATABLE",
        "REQUESTED",
        "FREE",
    ]);
    for r in &fleet.fleet {
        table.row(vec![
            r.gpu_model.clone(),
            r.profile.clone().unwrap_or_else(|| "-".into()),
            r.clusters.to_string(),
            r.nodes.to_string(),
            r.allocatable.to_string(),
            r.requested.to_string(),
            r.free.to_string(),
        ]);
    }
    format!("\nFleet:\n{}", table.render())
}

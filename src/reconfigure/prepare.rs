//! Everything checked before a node is touched: the node exists and has a GPU Operator MIG
//! manager (or is an AKS MIG pool, which gets a replacement plan), the layout exists and fits,
//! the strategy can serve it, and which pods hold its devices.

use super::args::ReconfigureArgs;
use super::nodes::{self, GpuPod, NodeState, PREVIOUS_ANNOTATION};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::mig::labels::DEPLOY_PREFIX;
use crate::mig::strategy::{MIG_CONFIG_LABEL, MIG_CONFIG_STATE_LABEL};
use crate::model::layout_fit::{self as check, Evaluation};
use crate::output::messages::Messages;
use crate::snapshot::layouts::Reader;

/// A node ready to be re-cut.
#[derive(Debug)]
pub struct NodePlan {
    /// The node as read.
    pub node: NodeState,
    /// The layout to apply.
    pub layout: String,
    /// The layout it has now (`nvidia.com/mig.config`).
    pub from: Option<String>,
    /// Where the layouts come from (`namespace/name`).
    pub source: String,
    /// What the layout does.
    pub eval: Evaluation,
    /// The pods holding its devices.
    pub pods: Vec<GpuPod>,
}

impl NodePlan {
    /// The node's name.
    pub fn name(&self) -> &str {
        &self.node.info.name
    }

    /// Whether the node already has the layout, applied and advertised.
    pub fn done(&self) -> bool {
        self.from.as_deref() == Some(self.layout.as_str())
            && self.node.label(MIG_CONFIG_STATE_LABEL) == Some("success")
            && check::delivers(&self.node.info, &self.eval.advertised)
    }
}

/// What a named node turned out to be.
#[derive(Debug)]
pub enum Prepared {
    /// A node whose GPU Operator MIG manager can re-cut it.
    Manager(Box<NodePlan>),
    /// An AKS MIG pool's node: its plan to replace the pool.
    Aks(Box<NodeState>),
}

/// Whether the GPU Operator runs a MIG manager on the node.
pub fn has_manager(node: &NodeState) -> bool {
    node.label(&format!("{DEPLOY_PREFIX}mig-manager")) == Some("true")
        || node.label(MIG_CONFIG_LABEL).is_some()
}

/// Reads a node; a missing one is an error naming it.
pub async fn read_node(cluster: &Cluster, name: &str) -> Result<NodeState> {
    nodes::get(cluster, name).await?.ok_or_else(|| {
        Error::failed(format!(
            "node {name:?} does not exist; check the name with kubectl get nodes"
        ))
    })
}

/// Checks one node against the layout asked for (or, with `--rollback`, its previous one).
pub async fn prepare(
    cluster: &Cluster,
    reader: &mut Reader<'_>,
    name: &str,
    args: &ReconfigureArgs,
    msgs: &Messages,
) -> Result<Prepared> {
    let node = read_node(cluster, name).await?;
    if !has_manager(&node) {
        if super::aks::pool_of(&node.info).is_some() {
            return Ok(Prepared::Aks(Box::new(node)));
        }
        return Err(Error::failed(format!(
            "node {name} has no GPU Operator MIG manager (no {DEPLOY_PREFIX}mig-manager=true or {MIG_CONFIG_LABEL} label), so nothing can re-cut its GPUs in place; install the GPU Operator with migManager.enabled=true, or cut the GPUs where they are managed"
        )));
    }
    let layout = target(&node, args)?;
    let layouts = reader.for_node(name).await?;
    let eval = check::evaluate(&node.info, &layouts.config, &layout).map_err(|why| {
        Error::failed(format!(
            "cannot reconfigure node {name} to {layout}: {why}; nothing was changed. See the layouts that fit with kubectl mig reconfigure {name} --list"
        ))
    })?;
    if eval.invalid {
        let said = format!(
            "layout {layout} gives node {name} several MIG profiles (or MIG and whole GPUs side by side), which its single strategy cannot serve: GFD labels it MIG-INVALID and the device plugin advertises no GPU"
        );
        if !args.force {
            return Err(Error::failed(format!(
                "{said}; pick a layout with one profile (all-<profile>), switch the node to the mixed strategy, or pass --force"
            )));
        }
        msgs.warn(format_args!("{said} (going on because of --force)"));
    }
    let from = node.label(MIG_CONFIG_LABEL).map(String::from);
    if node.label(MIG_CONFIG_STATE_LABEL) == Some("pending") && from.as_deref() != Some(&layout) {
        return Err(Error::failed(format!(
            "the MIG manager of node {name} is still applying layout {} (nvidia.com/mig.config.state=pending); wait for it to finish (kubectl get node {name} -L {MIG_CONFIG_STATE_LABEL} -w), then run this again",
            from.as_deref().unwrap_or("(none)")
        )));
    }
    let pods = nodes::gpu_pods(cluster, name).await?;
    Ok(Prepared::Manager(Box::new(NodePlan {
        node,
        layout,
        from,
        source: layouts.source.clone(),
        eval,
        pods,
    })))
}

/// The layout to apply: `--config`, or the one kubectl mig recorded before its last change.
fn target(node: &NodeState, args: &ReconfigureArgs) -> Result<String> {
    if let Some(layout) = &args.config {
        return Ok(layout.clone());
    }
    node.annotations
        .get(PREVIOUS_ANNOTATION)
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or_else(|| {
            Error::failed(format!(
                "node {} has no {PREVIOUS_ANNOTATION} annotation: kubectl mig reconfigure never changed its layout, so there is nothing to roll back to; name the layout with --config",
                node.info.name
            ))
        })
}

/// Refuses to go on while pods hold the node's devices, unless told how to deal with them; and
/// while a DaemonSet runs one of them, unless `--force`: its controller puts an evicted pod back
/// on the cordoned node at once (DaemonSet pods tolerate it), and such a pod never finishes on
/// its own, so the devices would never be free.
pub fn check_pods(plan: &NodePlan, args: &ReconfigureArgs) -> Result<()> {
    if plan.pods.is_empty() || plan.done() {
        return Ok(());
    }
    if let Some(pod) = plan
        .pods
        .iter()
        .find(|p| p.owner.starts_with("DaemonSet/"))
        .filter(|_| !args.force)
    {
        return Err(Error::failed(format!(
            "pod {} holds GPU devices on node {} and is run by {}, which would start it there again after an eviction; keep that DaemonSet off the node (a nodeSelector or node affinity) and run this again, or pass --force to go on anyway; nothing was changed",
            pod.key(),
            plan.name(),
            pod.owner
        )));
    }
    if args.drain || args.wait_for_pods {
        return Ok(());
    }
    let shown: Vec<String> = plan.pods.iter().take(3).map(GpuPod::key).collect();
    let more = plan.pods.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Err(Error::failed(format!(
        "{} pod{} hold{} GPU devices on node {} ({}{more}); pass --drain to evict them (PodDisruptionBudgets are respected) or --wait-for-pods to wait until they finish; nothing was changed",
        plan.pods.len(),
        if plan.pods.len() == 1 { "" } else { "s" },
        if plan.pods.len() == 1 { "s" } else { "" },
        plan.name(),
        shown.join(", ")
    )))
}

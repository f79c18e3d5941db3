//! The GPU Operator's MIG manager as a node's labels show it: a layout change in progress, one
//! that failed, and GPU components it left paused (gpu-operator#2833: a manager whose client
//! shutdown timed out stays `pending` with every `gpu.deploy.*` label paused, for good).

use super::{problem, Problem, Severity};
use crate::mig::labels::{DEPLOY_PREFIX, PAUSED_COMPONENTS, PAUSED_FOR_MIG_CHANGE};
use crate::mig::strategy::{MIG_CONFIG_LABEL, MIG_CONFIG_STATE_LABEL};
use crate::model::node::NodeInfo;

/// What the MIG manager's labels say about a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager<'a> {
    /// `nvidia.com/mig.config`, the layout asked for.
    pub layout: Option<&'a str>,
    /// `nvidia.com/mig.config.state`.
    pub state: Option<&'a str>,
    /// The GPU components whose deploy label is `paused-for-mig-change`.
    pub paused: Vec<&'a str>,
}

impl<'a> Manager<'a> {
    /// Reads the labels.
    pub fn read(node: &'a NodeInfo) -> Self {
        let label = |k: &str| node.labels.get(k).map(String::as_str);
        let paused = PAUSED_COMPONENTS
            .iter()
            .copied()
            .filter(|c| label(&format!("{DEPLOY_PREFIX}{c}")) == Some(PAUSED_FOR_MIG_CHANGE))
            .collect();
        Manager {
            layout: label(MIG_CONFIG_LABEL),
            state: label(MIG_CONFIG_STATE_LABEL),
            paused,
        }
    }

    /// Whether the manager is re-cutting the GPUs, failed to, or left the node's GPU software
    /// paused: then missing devices are its doing, not the device plugin's.
    pub fn explains_missing_devices(&self) -> bool {
        matches!(self.state, Some("pending" | "rebooting" | "failed")) || !self.paused.is_empty()
    }
}

fn logs_hint(node: &str) -> String {
    format!(
        "see the MIG manager's log on the node: kubectl logs -n gpu-operator $(kubectl get pods -n gpu-operator -l app=nvidia-mig-manager --field-selector spec.nodeName={node} -o name) (the operator's namespace may differ)"
    )
}

/// The findings about the MIG manager on `node`.
pub fn problems(node: &NodeInfo, manager: &Manager<'_>, out: &mut Vec<Problem>) {
    let name = &node.name;
    let layout = manager.layout.unwrap_or("(none)");
    let paused = manager.paused.join(", ");
    match manager.state {
        Some(state @ ("pending" | "rebooting")) => {
            let detail = if manager.paused.is_empty() {
                String::new()
            } else {
                format!("; {paused} are paused meanwhile (nvidia.com/gpu.deploy.*={PAUSED_FOR_MIG_CHANGE})")
            };
            out.push(problem(
                "MIG_RECONFIGURING",
                Severity::Warning,
                format!("the GPU Operator's MIG manager is applying layout {layout} (nvidia.com/mig.config.state={state}): the node's GPU devices come back when it finishes{detail}"),
                format!("follow it with kubectl get node {name} -L {MIG_CONFIG_STATE_LABEL} -w; if it stays {state} for more than a few minutes the manager is wedged: {}, then set {MIG_CONFIG_LABEL} to another layout and back to retry", logs_hint(name)),
            ));
        }
        Some("failed") => out.push(problem(
            "MIG_CONFIG_FAILED",
            Severity::Error,
            format!("the GPU Operator's MIG manager failed to apply layout {layout} (nvidia.com/mig.config.state=failed)"),
            format!("{}; check that layout {layout} exists for this GPU in the manager's ConfigMap and names its profiles as this driver does (7g.80gb against 7g.79gb fails, gpu-operator#351), then set {MIG_CONFIG_LABEL} to a valid layout to retry", logs_hint(name)),
        )),
        _ if !manager.paused.is_empty() => out.push(problem(
            "MIG_COMPONENTS_PAUSED",
            Severity::Error,
            format!("{paused} are left paused for a MIG change (nvidia.com/gpu.deploy.*={PAUSED_FOR_MIG_CHANGE}) although no layout change is under way: they do not run on this node"),
            format!(
                "restore them as the MIG manager would: kubectl label node {name} {} --overwrite",
                manager
                    .paused
                    .iter()
                    .map(|c| format!("{DEPLOY_PREFIX}{c}=true"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )),
        _ => {}
    }
}

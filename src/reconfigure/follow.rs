//! Following the MIG manager on one node with a watch: `nvidia.com/mig.config.state` from
//! `pending` to `success` or `failed`, then the device plugin advertising the new devices; a
//! manager that stays `pending` (or leaves GPU components paused) past `--timeout` is wedged.

use super::nodes::NodeState;
use crate::cluster::watch_one::{Event, WatchOne};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::mig::strategy::MIG_CONFIG_STATE_LABEL;
use crate::model::layout_fit as check;
use crate::model::problems::manager::Manager;
use crate::output::messages::Messages;
use crate::output::progress::Progress;
use k8s_openapi::api::core::v1::Node;
use kube::api::Api;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How a layout change ended, when it did not end well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stuck {
    /// The manager reported `failed`.
    Failed,
    /// Still `pending` (or components still paused) at the deadline.
    Wedged(String),
    /// `success`, but the node does not advertise what the layout promises.
    NotAdvertised(String),
}

/// The node's next state from its watch.
async fn next_node(watch: &mut WatchOne<Node>, cluster: &Cluster) -> Result<NodeState> {
    match watch.next(cluster).await? {
        Event::Changed(node) => NodeState::from_node(&node),
        Event::Deleted => Err(Error::failed(format!(
            "node {} was deleted while its GPUs were being re-cut",
            watch.name()
        ))),
    }
}

/// What one look at the node says.
enum Seen {
    Done,
    Failed,
    Waiting(String),
}

fn look(
    node: &NodeState,
    initial: Option<&str>,
    fresh: &mut bool,
    promised: &BTreeMap<String, i64>,
) -> Seen {
    let state = node.label(MIG_CONFIG_STATE_LABEL);
    *fresh |= state != initial;
    let manager = Manager::read(&node.info);
    match state {
        Some("failed") if *fresh => Seen::Failed,
        Some("success") if check::delivers(&node.info, promised) => Seen::Done,
        _ if !*fresh => Seen::Waiting("waiting for the MIG manager to pick up the layout".into()),
        Some("success") => Seen::Waiting(
            "the MIG manager succeeded; waiting for the device plugin to advertise the new devices"
                .into(),
        ),
        Some(s @ ("pending" | "rebooting")) if !manager.paused.is_empty() => {
            Seen::Waiting(format!(
                "the MIG manager is applying the layout ({s}; {} paused)",
                manager.paused.join(", ")
            ))
        }
        Some(s) => Seen::Waiting(format!("the MIG manager is applying the layout ({s})")),
        None => Seen::Waiting("waiting for the MIG manager to report a state".into()),
    }
}

/// Follows the node from `start` (as the label patch left it) until it advertises `promised`.
pub async fn follow(
    cluster: &Cluster,
    start: NodeState,
    promised: &BTreeMap<String, i64>,
    timeout: Duration,
    msgs: &Messages,
) -> std::result::Result<NodeState, (Stuck, Option<Error>)> {
    let deadline = Instant::now() + timeout;
    let initial = start.label(MIG_CONFIG_STATE_LABEL).map(String::from);
    let mut fresh = false;
    let mut watch = WatchOne::new(
        Api::all(cluster.client.clone()),
        &start.info.name,
        &start.resource_version,
        "nodes",
        None,
    );
    let mut progress = Progress::new(msgs);
    let mut node = start;
    loop {
        match look(&node, initial.as_deref(), &mut fresh, promised) {
            Seen::Done => return Ok(node),
            Seen::Failed => return Err((Stuck::Failed, None)),
            Seen::Waiting(line) => progress.set(format!("node {}: {line}", node.info.name)),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, next_node(&mut watch, cluster)).await {
            Ok(Ok(next)) => node = next,
            Ok(Err(e)) => return Err((Stuck::Wedged(String::new()), Some(e))),
            Err(_) => return Err((stuck_at_deadline(&node), None)),
        }
    }
}

fn stuck_at_deadline(node: &NodeState) -> Stuck {
    let state = node.label(MIG_CONFIG_STATE_LABEL).unwrap_or("(none)");
    let manager = Manager::read(&node.info);
    if state == "success" && manager.paused.is_empty() {
        let now = check::advertised_now(&node.info);
        let shown: Vec<String> = now.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        return Stuck::NotAdvertised(shown.join(", "));
    }
    let paused = if manager.paused.is_empty() {
        String::new()
    } else {
        format!(
            ", with {} left paused-for-mig-change",
            manager.paused.join(", ")
        )
    };
    Stuck::Wedged(format!("{MIG_CONFIG_STATE_LABEL}={state}{paused}"))
}

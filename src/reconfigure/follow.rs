//! Following the MIG manager on one node with a watch: `nvidia.com/mig.config.state` from
//! `pending` to `success` or `failed`, then the device plugin advertising the new devices; a
//! manager that stays `pending` (or leaves GPU components paused) past `--timeout` is wedged.

use super::nodes::NodeState;
use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::mig::strategy::MIG_CONFIG_STATE_LABEL;
use crate::model::layout_fit as check;
use crate::model::problems::manager::Manager;
use crate::output::messages::Messages;
use crate::output::progress::Progress;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, WatchEvent, WatchParams};
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

/// Watches one node, resuming dropped streams and reading it again when the watch expires.
struct NodeWatch {
    api: Api<Node>,
    name: String,
    resource_version: String,
    stream: Option<futures::stream::BoxStream<'static, kube::Result<WatchEvent<Node>>>>,
}

impl NodeWatch {
    async fn next(&mut self, cluster: &Cluster) -> Result<NodeState> {
        let op = Op::new("watch", "nodes");
        loop {
            if self.stream.is_none() {
                let params = WatchParams::default()
                    .fields(&format!("metadata.name={}", self.name))
                    .timeout(290);
                let stream = self
                    .api
                    .watch(&params, &self.resource_version)
                    .await
                    .map_err(|e| cluster.error(e, op))?;
                self.stream = Some(stream.boxed());
            }
            let Some(stream) = self.stream.as_mut() else {
                continue;
            };
            match stream.next().await {
                Some(Ok(WatchEvent::Added(n) | WatchEvent::Modified(n))) => {
                    let state = NodeState::from_node(&n)?;
                    self.resource_version = state.resource_version.clone();
                    return Ok(state);
                }
                Some(Ok(WatchEvent::Deleted(_))) => {
                    return Err(Error::failed(format!(
                        "node {} was deleted while its GPUs were being re-cut",
                        self.name
                    )))
                }
                Some(Ok(WatchEvent::Bookmark(b))) => {
                    self.resource_version = b.metadata.resource_version
                }
                Some(Ok(WatchEvent::Error(s))) if s.code == 410 => {
                    let node = super::prepare::read_node(cluster, &self.name).await?;
                    self.resource_version = node.resource_version.clone();
                    self.stream = None;
                    return Ok(node);
                }
                Some(Ok(WatchEvent::Error(s))) => {
                    return Err(cluster.error(kube::Error::Api(s), op))
                }
                Some(Err(err)) => {
                    tracing::info!("node watch failed ({err}); resuming");
                    self.stream = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                None => self.stream = None,
            }
        }
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
    let mut watch = NodeWatch {
        api: Api::all(cluster.client.clone()),
        name: start.info.name.clone(),
        resource_version: start.resource_version.clone(),
        stream: None,
    };
    let mut progress = Progress::new(msgs);
    let mut node = start;
    loop {
        match look(&node, initial.as_deref(), &mut fresh, promised) {
            Seen::Done => return Ok(node),
            Seen::Failed => return Err((Stuck::Failed, None)),
            Seen::Waiting(line) => progress.set(format!("node {}: {line}", node.info.name)),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, watch.next(cluster)).await {
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

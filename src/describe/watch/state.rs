//! What the watch keeps: each kind's objects, reduced to what describe reads, and the report
//! made from them.

use super::Scope;
use crate::error::{Error, Result};
use crate::model::capacity::{report_with_dra, Report, Usage};
use crate::model::dra::Inventory;
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod};
use crate::snapshot::{dra, live};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// What is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Nodes,
    Pods,
    Slices,
    Claims,
}

/// A change from one feed.
pub(super) enum Change {
    /// An object was added or modified.
    Applied(Kind, Value),
    /// An object was deleted (or left the watch's selection).
    Deleted(Kind, Value),
    /// The kind was listed (first, or again after 410 Gone): these are all its objects now.
    Replaced(Kind, Items),
    /// The feed stopped for good.
    Failed(Error),
}

/// A kind's objects as the view keeps them, decoded while they are listed: only the fields
/// describe reads, and only the pods that hold GPU resources, so memory follows the GPU nodes
/// and pods, not the cluster.
pub(super) enum Items {
    Nodes(Vec<NodeInfo>),
    /// Pods by `namespace/name`.
    Pods(Vec<(String, PodUsage)>),
    Values(Vec<Value>),
}

/// Whether the view keeps a pod: only pods holding GPU resources count.
pub(super) fn kept(pod: &PodUsage) -> bool {
    pod.holds_resources() && !pod.requests.is_empty()
}

/// Everything the view is made of, kept up to date by the feeds.
#[derive(Default)]
pub(super) struct State {
    nodes: BTreeMap<String, NodeInfo>,
    pods: HashMap<String, PodUsage>,
    slices: HashMap<String, Value>,
    claims: HashMap<String, Value>,
}

fn key(v: &Value) -> String {
    let meta = &v["metadata"];
    format!(
        "{}/{}",
        meta["namespace"].as_str().unwrap_or_default(),
        meta["name"].as_str().unwrap_or_default()
    )
}

impl State {
    pub(super) fn apply(&mut self, change: Change, scope: &Scope) -> Result<()> {
        match change {
            Change::Applied(kind, v) => self.put(kind, v, scope),
            Change::Deleted(kind, v) => self.remove(kind, &v),
            Change::Replaced(kind, items) => {
                match kind {
                    Kind::Nodes => self.nodes.clear(),
                    Kind::Pods => self.pods.clear(),
                    Kind::Slices => self.slices.clear(),
                    Kind::Claims => self.claims.clear(),
                }
                match items {
                    Items::Nodes(nodes) => {
                        for node in nodes {
                            self.put_node(node, scope);
                        }
                    }
                    Items::Pods(pods) => self.pods.extend(pods),
                    Items::Values(values) => {
                        for v in values {
                            self.put(kind, v, scope);
                        }
                    }
                }
            }
            Change::Failed(e) => return Err(e),
        }
        Ok(())
    }

    fn put(&mut self, kind: Kind, v: Value, scope: &Scope) {
        let k = key(&v);
        match kind {
            Kind::Nodes => {
                let Ok(raw) = serde_json::from_value::<RawNode>(v) else {
                    return;
                };
                self.put_node(live::kept_node(raw), scope);
            }
            Kind::Pods => {
                let Ok(raw) = serde_json::from_value::<RawPod>(v) else {
                    return;
                };
                let pod = PodUsage::from(raw);
                // Only pods that hold GPU resources are kept: memory follows the GPU pods.
                if kept(&pod) {
                    self.pods.insert(k, pod);
                } else {
                    self.pods.remove(&k);
                }
            }
            Kind::Slices => {
                self.slices.insert(k, v);
            }
            Kind::Claims => {
                self.claims.insert(k, v);
            }
        }
    }

    fn put_node(&mut self, node: NodeInfo, scope: &Scope) {
        if scope.nodes.is_empty() || scope.nodes.contains(&node.name) {
            self.nodes.insert(node.name.clone(), node);
        }
    }

    fn remove(&mut self, kind: Kind, v: &Value) {
        let k = key(v);
        match kind {
            Kind::Nodes => {
                self.nodes
                    .remove(v["metadata"]["name"].as_str().unwrap_or_default());
            }
            Kind::Pods => {
                self.pods.remove(&k);
            }
            Kind::Slices => {
                self.slices.remove(&k);
            }
            Kind::Claims => {
                self.claims.remove(&k);
            }
        }
    }

    pub(super) fn report(&self, scope: &Scope) -> Report {
        let inventory = Inventory {
            slices: self.slices.values().filter_map(dra::slice).collect(),
            claims: self.claims.values().filter_map(dra::claim).collect(),
            unavailable: None,
        };
        let dra_nodes = crate::model::dra::dra_nodes(&inventory);
        let nodes: Vec<NodeInfo> = self
            .nodes
            .values()
            .filter(|n| scope.all || live::is_gpu_node(n) || dra_nodes.contains(&n.name))
            .cloned()
            .collect();
        let mut usage = Usage::for_nodes(nodes.iter().map(|n| n.name.as_str()));
        for pod in self.pods.values() {
            usage.add(pod.clone());
        }
        report_with_dra(&nodes, &usage, &inventory, &HashMap::new())
    }
}

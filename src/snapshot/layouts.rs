//! Where the GPU Operator's MIG manager reads a node's layouts, read the same way: the
//! ClusterPolicy's `spec.migManager.config.name` when set, else the node's generated
//! `<node>-mig-config` (labelled `nvidia.com/node-name=<node>`, operator v26.3+), else
//! `default-mig-parted-config`, in the operator's namespace (ClusterPolicy `status.namespace`,
//! else `gpu-operator`), key `config.yaml`. From a live cluster ([`Reader`]) or from the
//! ClusterPolicy and ConfigMaps of capture files ([`Captured`]).

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::mig::mig_parted::{self, Config, CONFIG_KEY, DEFAULT_CONFIG_MAP, NODE_NAME_LABEL};
use crate::model::gpus::ManagerLayouts;
use crate::model::node::NodeInfo;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The GPU Operator's namespace when its ClusterPolicy does not say.
const DEFAULT_NAMESPACE: &str = "gpu-operator";

/// What the ClusterPolicy says about the MIG manager's layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The operator's namespace.
    pub namespace: String,
    /// A custom ConfigMap name (`spec.migManager.config.name`), if set.
    pub custom: Option<String>,
}

impl Operator {
    /// From a ClusterPolicy object (`Null` when there is none: the defaults).
    pub fn from_policy(policy: &serde_json::Value) -> Operator {
        let text = |pointer: &str| {
            policy
                .pointer(pointer)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        Operator {
            namespace: text("/status/namespace").unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
            custom: text("/spec/migManager/config/name").filter(|n| n != DEFAULT_CONFIG_MAP),
        }
    }

    /// The ConfigMaps the MIG manager of `node` reads, in order: a custom one alone, else the
    /// node's generated one (only when labelled for the node) then the default.
    fn candidates(&self, node: &str) -> Vec<(String, bool)> {
        match &self.custom {
            Some(custom) => vec![(custom.clone(), false)],
            None => vec![
                (mig_parted::node_config_map(node), true),
                (DEFAULT_CONFIG_MAP.to_string(), false),
            ],
        }
    }
}

/// The layouts a node's MIG manager reads.
#[derive(Debug)]
pub struct Layouts {
    /// `namespace/name` of the ConfigMap, for messages.
    pub source: String,
    /// The parsed file.
    pub config: Config,
}

/// Reads the ClusterPolicy (none, or no CRD: the defaults).
pub async fn operator(cluster: &Cluster) -> Result<Operator> {
    let request = kube::core::Request::new("/apis/nvidia.com/v1/clusterpolicies")
        .list(&Default::default())
        .map_err(|e| Error::failed(format!("cannot build a request: {e}")))?;
    let list: serde_json::Value = match cluster.client.request(request).await {
        Ok(list) => list,
        Err(kube::Error::Api(s)) if s.code == 404 => serde_json::Value::Null,
        Err(e) => return Err(cluster.error(e, Op::new("list", "clusterpolicies.nvidia.com"))),
    };
    Ok(Operator::from_policy(&list["items"][0]))
}

/// Parses a ConfigMap's `config.yaml`; the error names the ConfigMap and what to fix.
fn parse(source: String, text: Option<&str>) -> Result<Layouts> {
    let text = text.ok_or_else(|| {
        Error::failed(format!(
            "ConfigMap {source} has no {CONFIG_KEY} key, so the MIG manager has no layouts; fix the ConfigMap"
        ))
    })?;
    let config = mig_parted::parse(text).map_err(|e| {
        Error::caused(
            format!("the MIG manager cannot read ConfigMap {source}: {e}; fix its {CONFIG_KEY}"),
            e,
        )
    })?;
    Ok(Layouts { source, config })
}

fn not_found(namespace: &str, name: &str) -> Error {
    Error::failed(format!(
        "the MIG manager's layouts are not where the GPU Operator puts them: ConfigMap {namespace}/{name} does not exist; check that the GPU Operator runs with its MIG manager enabled (kubectl get clusterpolicies -o yaml)"
    ))
}

/// The layouts of each node, read once per ConfigMap.
pub struct Reader<'a> {
    cluster: &'a Cluster,
    operator: Operator,
    read: HashMap<String, Arc<Layouts>>,
}

impl<'a> Reader<'a> {
    /// A reader for the operator's namespace.
    pub fn new(cluster: &'a Cluster, operator: Operator) -> Self {
        Reader {
            cluster,
            operator,
            read: HashMap::new(),
        }
    }

    /// The operator's namespace.
    pub fn namespace(&self) -> &str {
        &self.operator.namespace
    }

    /// The layouts `node`'s MIG manager reads.
    pub async fn for_node(&mut self, node: &str) -> Result<Arc<Layouts>> {
        let api: Api<ConfigMap> =
            Api::namespaced(self.cluster.client.clone(), &self.operator.namespace);
        let candidates = self.operator.candidates(node);
        for (name, per_node) in &candidates {
            if !per_node {
                if let Some(done) = self.read.get(name) {
                    return Ok(done.clone());
                }
            }
            match self.get(&api, name).await? {
                Some(cm) if !per_node || labelled_for(cm.metadata.labels.as_ref(), node) => {
                    return self.parse(name.clone(), cm);
                }
                _ if *per_node => continue,
                _ => return Err(not_found(&self.operator.namespace, name)),
            }
        }
        Err(not_found(&self.operator.namespace, DEFAULT_CONFIG_MAP))
    }

    async fn get(&self, api: &Api<ConfigMap>, name: &str) -> Result<Option<ConfigMap>> {
        let op = Op::new("get", "configmaps").in_ns(&self.operator.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| self.cluster.error(e, op))
    }

    fn parse(&mut self, name: String, cm: ConfigMap) -> Result<Arc<Layouts>> {
        let source = format!("{}/{name}", self.operator.namespace);
        let text = cm.data.as_ref().and_then(|d| d.get(CONFIG_KEY));
        let layouts = Arc::new(parse(source, text.map(String::as_str))?);
        self.read.insert(name, layouts.clone());
        Ok(layouts)
    }
}

fn labelled_for(labels: Option<&BTreeMap<String, String>>, node: &str) -> bool {
    labels
        .and_then(|l| l.get(NODE_NAME_LABEL))
        .is_some_and(|n| n == node)
}

/// A ConfigMap found in capture files, reduced to what the MIG manager reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedMap {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `data["config.yaml"]`.
    pub config: Option<String>,
}

impl CapturedMap {
    /// From a ConfigMap object.
    pub fn from_value(v: &serde_json::Value) -> CapturedMap {
        let meta = &v["metadata"];
        let text = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
        CapturedMap {
            namespace: text(&meta["namespace"]),
            name: text(&meta["name"]),
            labels: serde_json::from_value(meta["labels"].clone()).unwrap_or_default(),
            config: v["data"][CONFIG_KEY].as_str().map(str::to_string),
        }
    }
}

/// The ClusterPolicy and ConfigMaps of capture files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first ClusterPolicy found, if any.
    pub policy: Option<Operator>,
    /// Every ConfigMap found.
    pub maps: Vec<CapturedMap>,
}

impl Captured {
    /// The layouts `node`'s MIG manager reads, or `None` when the capture does not hold that
    /// ConfigMap (captures rarely do).
    pub fn for_node(&self, node: &str) -> Option<Result<Layouts>> {
        let operator = self
            .policy
            .clone()
            .unwrap_or_else(|| Operator::from_policy(&serde_json::Value::Null));
        for (name, per_node) in operator.candidates(node) {
            let found = self
                .maps
                .iter()
                .find(|m| m.namespace == operator.namespace && m.name == name)
                .filter(|m| !per_node || labelled_for(Some(&m.labels), node));
            if let Some(m) = found {
                let source = format!("{}/{name}", operator.namespace);
                return Some(parse(source, m.config.as_deref()));
            }
        }
        None
    }
}

/// The layouts of every node labelled `nvidia.com/mig.config`, for the per-GPU picture: what
/// cannot be read is said per node, never failed on.
pub async fn for_nodes(cluster: &Cluster, nodes: &[NodeInfo]) -> HashMap<String, ManagerLayouts> {
    let labelled: Vec<&NodeInfo> = nodes.iter().filter(|n| has_layout(n)).collect();
    if labelled.is_empty() {
        return HashMap::new();
    }
    let mut reader = match operator(cluster).await {
        Ok(op) => Reader::new(cluster, op),
        Err(e) => {
            let why = unreadable(&e);
            return labelled
                .iter()
                .map(|n| (n.name.clone(), Err(why.clone())))
                .collect();
        }
    };
    let mut out = HashMap::new();
    for node in labelled {
        let layouts = match reader.for_node(&node.name).await {
            Ok(l) => Ok((l.source.clone(), Arc::new(l.config.clone()))),
            Err(e) => Err(unreadable(&e)),
        };
        out.insert(node.name.clone(), layouts);
    }
    out
}

fn has_layout(node: &NodeInfo) -> bool {
    node.labels
        .contains_key(crate::mig::strategy::MIG_CONFIG_LABEL)
}

fn unreadable(e: &Error) -> String {
    format!(
        "the MIG manager's layouts could not be read ({})",
        crate::text::one_line(&e.to_string())
    )
}

impl Captured {
    /// The layouts of every node labelled `nvidia.com/mig.config`, as far as the capture holds
    /// them.
    pub fn for_nodes(&self, nodes: &[NodeInfo]) -> HashMap<String, ManagerLayouts> {
        nodes
            .iter()
            .filter(|n| has_layout(n))
            .map(|n| {
                let layouts = match self.for_node(&n.name) {
                    Some(Ok(l)) => Ok((l.source, Arc::new(l.config))),
                    Some(Err(e)) => Err(unreadable(&e)),
                    None => Err("the capture holds no MIG manager ConfigMap (add kubectl get clusterpolicies,configmaps -n gpu-operator -o yaml to it)".into()),
                };
                (n.name.clone(), layouts)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "version: v1\nmig-configs:\n  all-1g.5gb:\n  - devices: all\n    mig-enabled: true\n    mig-devices: {1g.5gb: 7}\n";

    fn map(name: &str, node_label: Option<&str>) -> CapturedMap {
        CapturedMap {
            namespace: "gpu-operator".into(),
            name: name.into(),
            labels: node_label
                .map(|n| [(NODE_NAME_LABEL.to_string(), n.to_string())].into())
                .unwrap_or_default(),
            config: Some(CONFIG.into()),
        }
    }

    #[test]
    fn captured_layouts_follow_the_managers_order() {
        let mut captured = Captured {
            policy: None,
            maps: vec![
                map(DEFAULT_CONFIG_MAP, None),
                map("n1-mig-config", Some("n1")),
            ],
        };
        let source = |c: &Captured, node: &str| c.for_node(node).map(|l| l.unwrap().source);
        assert_eq!(
            source(&captured, "n1").as_deref(),
            Some("gpu-operator/n1-mig-config")
        );
        assert_eq!(
            source(&captured, "n2").as_deref(),
            Some("gpu-operator/default-mig-parted-config")
        );
        captured.policy = Some(Operator::from_policy(&serde_json::json!({
            "spec": {"migManager": {"config": {"name": "custom"}}},
            "status": {"namespace": "gpu-operator"}})));
        assert!(captured.for_node("n1").is_none(), "custom map not captured");
    }
}

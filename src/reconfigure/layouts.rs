//! Where the GPU Operator's MIG manager reads a node's layouts, read the same way: the
//! ClusterPolicy's `spec.migManager.config.name` when set, else the node's generated
//! `<node>-mig-config` (labelled `nvidia.com/node-name=<node>`, operator v26.3+), else
//! `default-mig-parted-config`, in the operator's namespace (ClusterPolicy `status.namespace`,
//! else `gpu-operator`), key `config.yaml`.

use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::mig::mig_parted::{self, Config, CONFIG_KEY, DEFAULT_CONFIG_MAP, NODE_NAME_LABEL};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use std::collections::HashMap;
use std::sync::Arc;

/// The GPU Operator's namespace when its ClusterPolicy does not say.
const DEFAULT_NAMESPACE: &str = "gpu-operator";

/// What the ClusterPolicy says about the MIG manager's layouts.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The operator's namespace.
    pub namespace: String,
    /// A custom ConfigMap name (`spec.migManager.config.name`), if set.
    pub custom: Option<String>,
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
    let policy = &list["items"][0];
    let text = |pointer: &str| {
        policy
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    Ok(Operator {
        namespace: text("/status/namespace").unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
        custom: text("/spec/migManager/config/name").filter(|n| n != DEFAULT_CONFIG_MAP),
    })
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
        let name = match &self.operator.custom {
            Some(custom) => custom.clone(),
            None => {
                let generated = mig_parted::node_config_map(node);
                match self.get(&api, &generated).await? {
                    Some(cm) if labelled_for(&cm, node) => {
                        return self.parse(generated, cm);
                    }
                    _ => DEFAULT_CONFIG_MAP.to_string(),
                }
            }
        };
        if let Some(done) = self.read.get(&name) {
            return Ok(done.clone());
        }
        match self.get(&api, &name).await? {
            Some(cm) => self.parse(name, cm),
            None => Err(Error::failed(format!(
                "the MIG manager's layouts are not where the GPU Operator puts them: ConfigMap {}/{name} does not exist; check that the GPU Operator runs with its MIG manager enabled (kubectl get clusterpolicies -o yaml)",
                self.operator.namespace
            ))),
        }
    }

    async fn get(&self, api: &Api<ConfigMap>, name: &str) -> Result<Option<ConfigMap>> {
        let op = Op::new("get", "configmaps").in_ns(&self.operator.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| self.cluster.error(e, op))
    }

    fn parse(&mut self, name: String, cm: ConfigMap) -> Result<Arc<Layouts>> {
        let source = format!("{}/{name}", self.operator.namespace);
        let text = cm
            .data
            .as_ref()
            .and_then(|d| d.get(CONFIG_KEY))
            .ok_or_else(|| {
                Error::failed(format!(
                    "ConfigMap {source} has no {CONFIG_KEY} key, so the MIG manager has no layouts; fix the ConfigMap"
                ))
            })?;
        let config = mig_parted::parse(text).map_err(|e| {
            Error::caused(
                format!(
                    "the MIG manager cannot read ConfigMap {source}: {e}; fix its {CONFIG_KEY}"
                ),
                e,
            )
        })?;
        let layouts = Arc::new(Layouts { source, config });
        self.read.insert(name, layouts.clone());
        Ok(layouts)
    }
}

fn labelled_for(cm: &ConfigMap, node: &str) -> bool {
    cm.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(NODE_NAME_LABEL))
        .is_some_and(|n| n == node)
}

//! Recognising what runs the NVIDIA device plugin, GFD and NFD in a cluster, and who installed
//! it, from DaemonSets alone. Pure: works on decoded DaemonSets.

use crate::cluster::{Cluster, Op};
use crate::error::Result;
use crate::k8s::ownership::MANAGED_BY;
use crate::mig::strategy::Strategy;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::Container;
use kube::api::{Api, ListParams};
use serde::Serialize;
use std::fmt;

/// A daemon of the MIG stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    /// The NVIDIA device plugin (advertises GPUs / MIG devices to the kubelet).
    DevicePlugin,
    /// GPU feature discovery (writes nvidia.com/* labels through NFD).
    GpuFeatureDiscovery,
    /// Node Feature Discovery's worker.
    NfdWorker,
    /// The GPU Operator's MIG manager (applies nvidia.com/mig.config layouts).
    MigManager,
    /// NVIDIA's DRA driver's kubelet plugin (publishes GPUs and MIG devices in ResourceSlices).
    DraKubeletPlugin,
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Component::DevicePlugin => "device-plugin",
            Component::GpuFeatureDiscovery => "gpu-feature-discovery",
            Component::NfdWorker => "nfd-worker",
            Component::MigManager => "mig-manager",
            Component::DraKubeletPlugin => "dra-kubelet-plugin",
        })
    }
}

/// Who installed a daemon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Owner {
    /// kubectl mig install.
    KubectlMig,
    /// A helm release.
    Helm {
        /// Release name.
        release: String,
    },
    /// A helm chart rendered without a release (`helm template`, as Argo CD does).
    HelmTemplate {
        /// The GitOps application or instance label, when there is one.
        app: Option<String>,
    },
    /// NVIDIA's GPU Operator (ClusterPolicy).
    GpuOperator,
    /// An AKS-managed add-on.
    Aks,
    /// GKE's own device plugin (`kube-system/nvidia-gpu-device-plugin`).
    Gke,
    /// Applied by hand or by something else.
    Unknown,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::KubectlMig => f.write_str("kubectl-mig"),
            Owner::Helm { release } => write!(f, "helm (release {release})"),
            Owner::HelmTemplate { app: Some(app) } => {
                write!(f, "a rendered helm chart without a release (app {app})")
            }
            Owner::HelmTemplate { app: None } => {
                f.write_str("a rendered helm chart without a release")
            }
            Owner::GpuOperator => f.write_str("GPU Operator"),
            Owner::Aks => f.write_str("AKS add-on"),
            Owner::Gke => f.write_str("GKE"),
            Owner::Unknown => f.write_str("unknown (applied manually?)"),
        }
    }
}

/// A recognised daemon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// What it is.
    pub component: Component,
    /// DaemonSet namespace.
    pub namespace: String,
    /// DaemonSet name.
    pub name: String,
    /// Who installed it.
    pub owner: Owner,
    /// The main container's image.
    pub image: String,
    /// The image tag.
    pub version: Option<String>,
    /// The MIG strategy it runs with (`MIG_STRATEGY` or `--mig-strategy`), when set there.
    pub strategy: Option<Strategy>,
    /// Pods it should run.
    pub desired: i32,
    /// Pods ready.
    pub ready: i32,
    /// Pods on the current template.
    pub updated: i32,
    /// The label selector of its pods (`k=v,k2=v2`).
    #[serde(skip)]
    pub pod_selector: String,
}

fn command_line(c: &Container) -> String {
    c.command
        .iter()
        .flatten()
        .chain(c.args.iter().flatten())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

fn component_of(name: &str, c: &Container) -> Option<Component> {
    let image = c.image.as_deref().unwrap_or_default();
    let cmd = command_line(c);
    // NVIDIA's chart runs a config-manager sidecar from the same image in both DaemonSets.
    if cmd.contains("config-manager") {
        return None;
    }
    // kubernetes-sigs/dra-driver-nvidia-gpu (formerly NVIDIA/k8s-dra-driver-gpu): the
    // `<chart>-kubelet-plugin` DaemonSet runs its `gpus` container from the driver's image.
    if image.contains("dra-driver-nvidia") || image.contains("k8s-dra-driver") {
        return (name.contains("kubelet-plugin") || cmd.contains("gpu-kubelet-plugin"))
            .then_some(Component::DraKubeletPlugin);
    }
    if cmd.contains("gpu-feature-discovery") || image.contains("gpu-feature-discovery") {
        return Some(Component::GpuFeatureDiscovery);
    }
    // GKE's own plugin is `nvidia-gpu-device-plugin` (GoogleCloudPlatform/container-engine-accelerators).
    if cmd.contains("nvidia-device-plugin")
        || cmd.contains("nvidia-gpu-device-plugin")
        || image.contains("k8s-device-plugin")
        || image.contains("nvidia-gpu-device-plugin")
    {
        return Some(Component::DevicePlugin);
    }
    if cmd.contains("nfd-worker")
        || (image.contains("node-feature-discovery") && name.contains("worker"))
    {
        return Some(Component::NfdWorker);
    }
    if image.contains("mig-manager") || name.contains("mig-manager") {
        return Some(Component::MigManager);
    }
    None
}

/// The daemon a DaemonSet runs, if it is one of the MIG stack's.
pub fn classify(ds: &DaemonSet) -> Option<Found> {
    let name = ds.metadata.name.clone().unwrap_or_default();
    let containers = &ds.spec.as_ref()?.template.spec.as_ref()?.containers;
    let (component, main) = containers
        .iter()
        .find_map(|c| component_of(&name, c).map(|k| (k, c)))
        .or_else(|| {
            let by_name = if name.contains("gpu-feature-discovery") {
                Component::GpuFeatureDiscovery
            } else if name.contains("nvidia-device-plugin") {
                Component::DevicePlugin
            } else if name.contains("nfd-worker") {
                Component::NfdWorker
            } else {
                return None;
            };
            containers.first().map(|c| (by_name, c))
        })?;
    let image = main.image.clone().unwrap_or_default();
    let version = image
        .rsplit_once(':')
        .filter(|(repo, _)| !repo.is_empty())
        .map(|(_, tag)| tag.to_string())
        .filter(|t| !t.contains('/'));
    let status = ds.status.as_ref();
    Some(Found {
        component,
        namespace: ds.metadata.namespace.clone().unwrap_or_default(),
        name,
        owner: owner(ds),
        image,
        version,
        strategy: strategy_of(main),
        desired: status.map_or(0, |s| s.desired_number_scheduled),
        ready: status.map_or(0, |s| s.number_ready),
        updated: status.and_then(|s| s.updated_number_scheduled).unwrap_or(0),
        pod_selector: ds
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.as_ref())
            .map(crate::k8s::selector::from_labels)
            .unwrap_or_default(),
    })
}

fn strategy_of(c: &Container) -> Option<Strategy> {
    strategy_text(c).and_then(|s| Strategy::from_label(s.trim()))
}

fn strategy_text(c: &Container) -> Option<String> {
    if let Some(v) = c
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "MIG_STRATEGY")
        .and_then(|e| e.value.clone())
    {
        return Some(v);
    }
    let args: Vec<&String> = c
        .command
        .iter()
        .flatten()
        .chain(c.args.iter().flatten())
        .collect();
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix("--mig-strategy=") {
            return Some(v.to_string());
        }
        if a.as_str() == "--mig-strategy" {
            return args.get(i + 1).map(|v| v.to_string());
        }
    }
    None
}

/// Who installed a DaemonSet, from its labels, annotations and owners.
pub fn owner(ds: &DaemonSet) -> Owner {
    let labels = ds.metadata.labels.clone().unwrap_or_default();
    let annotations = ds.metadata.annotations.clone().unwrap_or_default();
    let managed_by = labels.get(MANAGED_BY.0).map(String::as_str);
    if managed_by == Some(MANAGED_BY.1) {
        return Owner::KubectlMig;
    }
    let owned_by_operator = ds
        .metadata
        .owner_references
        .iter()
        .flatten()
        .any(|r| r.kind == "ClusterPolicy" || r.api_version.starts_with("nvidia.com/"));
    if owned_by_operator || managed_by == Some("gpu-operator") {
        return Owner::GpuOperator;
    }
    if let Some(release) = annotations.get("meta.helm.sh/release-name") {
        return Owner::Helm {
            release: release.clone(),
        };
    }
    if managed_by == Some("Helm") {
        // Helm's labels without helm's release annotations: `helm template` output applied by
        // something else (Argo CD renders charts this way), so there is no release to upgrade.
        return Owner::HelmTemplate {
            app: labels
                .get("argocd.argoproj.io/instance")
                .or_else(|| labels.get("app.kubernetes.io/instance"))
                .cloned(),
        };
    }
    if labels.get("k8s-app").map(String::as_str) == Some("nvidia-gpu-device-plugin") {
        return Owner::Gke;
    }
    if labels.contains_key("addonmanager.kubernetes.io/mode")
        || labels
            .get("kubernetes.azure.com/managedby")
            .map(String::as_str)
            == Some("aks")
    {
        return Owner::Aks;
    }
    Owner::Unknown
}

/// Every device plugin, GFD, NFD worker and MIG manager DaemonSet in the cluster.
pub async fn find_components(cluster: &Cluster) -> Result<Vec<Found>> {
    let api: Api<DaemonSet> = Api::all(cluster.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.error(e, Op::new("list", "daemonsets.apps")))?;
    Ok(list.items.iter().filter_map(classify).collect())
}

/// Whether a pod's Ready condition is True.
pub fn is_ready(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ds(v: serde_json::Value) -> DaemonSet {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn recognises_a_helm_device_plugin() {
        let d = ds(json!({
            "metadata": {"name": "nvdp-nvidia-device-plugin", "namespace": "nvidia-device-plugin",
                "labels": {"app.kubernetes.io/managed-by": "Helm"},
                "annotations": {"meta.helm.sh/release-name": "nvdp"}},
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c",
                "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0", "command": ["nvidia-device-plugin"],
                "env": [{"name": "MIG_STRATEGY", "value": "single"}]}]}}},
            "status": {"desiredNumberScheduled": 3, "numberReady": 2, "currentNumberScheduled": 3, "numberMisscheduled": 0}
        }));
        let f = classify(&d).unwrap();
        assert_eq!(f.component, Component::DevicePlugin);
        assert_eq!(
            f.owner,
            Owner::Helm {
                release: "nvdp".into()
            }
        );
        assert_eq!(f.version.as_deref(), Some("v0.17.0"));
        assert_eq!(f.strategy, Some(Strategy::Single));
        assert_eq!((f.desired, f.ready), (3, 2));
    }

    #[test]
    fn helm_labels_without_a_release_are_a_rendered_chart() {
        let d = ds(json!({
            "metadata": {"name": "nvidia-device-plugin", "namespace": "gpu",
                "labels": {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "gpu-stack"}},
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c",
                "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0", "command": ["nvidia-device-plugin"]}]}}}
        }));
        let owner = classify(&d).unwrap().owner;
        assert_eq!(
            owner,
            Owner::HelmTemplate {
                app: Some("gpu-stack".into())
            }
        );
        assert!(!owner.to_string().contains('?'), "{owner}");
    }

    #[test]
    fn recognises_gkes_own_device_plugin() {
        // cmd/nvidia_gpu/device-plugin.yaml of GoogleCloudPlatform/container-engine-accelerators.
        let d = ds(json!({
            "metadata": {"name": "nvidia-gpu-device-plugin", "namespace": "kube-system",
                "labels": {"k8s-app": "nvidia-gpu-device-plugin", "addonmanager.kubernetes.io/mode": "Reconcile"}},
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "nvidia-gpu-device-plugin",
                "image": "gke.gcr.io/nvidia-gpu-device-plugin@sha256:00", "command": ["/usr/bin/nvidia-gpu-device-plugin", "-logtostderr"]}]}}}
        }));
        let f = classify(&d).unwrap();
        assert_eq!(
            (f.component, f.owner),
            (Component::DevicePlugin, Owner::Gke)
        );
    }

    #[test]
    fn recognises_gpu_operator_gfd_by_args() {
        let d = ds(json!({
            "metadata": {"name": "gpu-feature-discovery", "namespace": "gpu-operator",
                "ownerReferences": [{"apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "name": "cluster-policy", "uid": "u"}]},
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "gpu-feature-discovery",
                "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0", "command": ["gpu-feature-discovery"],
                "args": ["--mig-strategy", "mixed"]}]}}}
        }));
        let f = classify(&d).unwrap();
        assert_eq!(f.component, Component::GpuFeatureDiscovery);
        assert_eq!(f.owner, Owner::GpuOperator);
        assert_eq!(f.strategy, Some(Strategy::Mixed));
    }

    #[test]
    fn config_manager_sidecars_do_not_hide_the_daemon() {
        let sidecar = json!({"name": "nvidia-device-plugin-sidecar", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0", "command": ["config-manager"]});
        let gfd = ds(json!({
            "metadata": {"name": "nvdp-gpu-feature-discovery", "namespace": "nvdp", "annotations": {"meta.helm.sh/release-name": "nvdp"}},
            "spec": {"selector": {}, "template": {"spec": {"containers": [sidecar.clone(), {"name": "gpu-feature-discovery-ctr",
                "image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0", "command": ["gpu-feature-discovery"],
                "env": [{"name": "MIG_STRATEGY", "value": "mixed"}]}]}}}
        }));
        let f = classify(&gfd).unwrap();
        assert_eq!(f.component, Component::GpuFeatureDiscovery);
        assert_eq!(f.strategy, Some(Strategy::Mixed));
        let dp = ds(json!({
            "metadata": {"name": "nvdp-nvidia-device-plugin", "namespace": "nvdp"},
            "spec": {"selector": {}, "template": {"spec": {"containers": [sidecar, {"name": "nvidia-device-plugin-ctr",
                "image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0", "command": ["nvidia-device-plugin"],
                "env": [{"name": "MIG_STRATEGY", "value": "mixed"}]}]}}}
        }));
        let f = classify(&dp).unwrap();
        assert_eq!(f.component, Component::DevicePlugin);
        assert_eq!(f.strategy, Some(Strategy::Mixed));
    }

    #[test]
    fn ignores_other_daemonsets() {
        let d = ds(
            json!({"metadata": {"name": "kube-proxy"}, "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.0"}]}}}}),
        );
        assert!(classify(&d).is_none());
    }
}

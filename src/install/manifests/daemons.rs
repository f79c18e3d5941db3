//! Everything `kubectl mig install` applies: the NVIDIA device plugin and GPU feature discovery
//! (GFD) with a MIG strategy, and Node Feature Discovery (NFD) that turns GFD's feature files
//! into node labels. Modelled on NVIDIA's `nvidia-device-plugin` chart and NFD's own chart.

use super::{gpu_tolerations, labels, meta, selector};
use crate::mig::strategy::Strategy;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The device plugin image repository (GFD ships in the same image since v0.15).
pub const DEVICE_PLUGIN_IMAGE: &str = "nvcr.io/nvidia/k8s-device-plugin";
/// The helm release name `--helm` installs and upgrades.
pub const HELM_RELEASE: &str = "nvdp";
/// The default namespace.
pub const DEFAULT_NAMESPACE: &str = "nvidia-device-plugin";
/// Where GFD writes and NFD reads feature files on the host.
const FEATURES_D: &str = "/etc/kubernetes/node-feature-discovery/features.d";

/// What varies between installs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallConfig {
    /// `none`, `single` or `mixed`.
    pub strategy: Strategy,
    /// Device plugin version (image tag), e.g. `v0.20.0`.
    pub version: String,
    /// Namespace of everything namespaced.
    pub namespace: String,
    /// Deploy GFD.
    pub gfd: bool,
    /// Deploy NFD.
    pub nfd: bool,
    /// RuntimeClass for the NVIDIA daemons.
    pub runtime_class: Option<String>,
    /// Node selector replacing the default GPU-node affinity.
    pub node_selector: BTreeMap<String, String>,
}

impl InstallConfig {
    /// The image with a `v`-prefixed tag.
    pub fn image(&self) -> String {
        let tag = if self.version.starts_with('v') {
            self.version.clone()
        } else {
            format!("v{}", self.version)
        };
        format!("{DEVICE_PLUGIN_IMAGE}:{tag}")
    }
}

/// Only nodes that look like NVIDIA GPU nodes: NFD's PCI vendor label, the GPU Operator's
/// `nvidia.com/gpu.present`, or AKS's accelerator label (any one of them).
fn gpu_node_affinity() -> Value {
    let term = |key: &str, value: &str| json!({ "matchExpressions": [{ "key": key, "operator": "In", "values": [value] }] });
    json!({
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    term("feature.node.kubernetes.io/pci-10de.present", "true"),
                    term("nvidia.com/gpu.present", "true"),
                    term("kubernetes.azure.com/accelerator", "nvidia"),
                ]
            }
        }
    })
}

fn place_on_gpu_nodes(pod_spec: &mut Value, cfg: &InstallConfig) {
    if cfg.node_selector.is_empty() {
        pod_spec["affinity"] = gpu_node_affinity();
    } else {
        pod_spec["nodeSelector"] = json!(cfg.node_selector);
    }
    if let Some(rc) = &cfg.runtime_class {
        pod_spec["runtimeClassName"] = json!(rc);
    }
}

/// A MIG strategy other than `none` needs SYS_ADMIN to read MIG devices (as NVIDIA's chart does).
fn nvidia_security_context(strategy: Strategy) -> Value {
    if strategy == Strategy::None {
        json!({ "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"] } })
    } else {
        json!({ "capabilities": { "add": ["SYS_ADMIN"] } })
    }
}

fn mig_env(cfg: &InstallConfig) -> Vec<Value> {
    let mut env = vec![
        json!({ "name": "MIG_STRATEGY", "value": cfg.strategy.as_str() }),
        json!({ "name": "FAIL_ON_INIT_ERROR", "value": "true" }),
    ];
    if cfg.strategy != Strategy::None {
        env.push(json!({ "name": "NVIDIA_MIG_MONITOR_DEVICES", "value": "all" }));
    }
    env
}

fn daemonset(name: &str, namespace: &str, component: &str, pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta(name, Some(namespace), component),
        "spec": {
            "selector": { "matchLabels": selector(name) },
            "updateStrategy": { "type": "RollingUpdate" },
            "template": {
                "metadata": { "labels": labels(name, component) },
                "spec": pod_spec,
            }
        }
    })
}

/// The device plugin DaemonSet.
pub fn device_plugin(cfg: &InstallConfig) -> Value {
    let mut env = mig_env(cfg);
    env.push(json!({ "name": "NVIDIA_VISIBLE_DEVICES", "value": "all" }));
    env.push(json!({ "name": "NVIDIA_DRIVER_CAPABILITIES", "value": "compute,utility" }));
    let mut spec = json!({
        "priorityClassName": "system-node-critical",
        "serviceAccountName": "nvidia-device-plugin",
        "tolerations": gpu_tolerations(),
        "containers": [{
            "name": "nvidia-device-plugin-ctr",
            "image": cfg.image(),
            "imagePullPolicy": "IfNotPresent",
            "command": ["nvidia-device-plugin"],
            "env": env,
            "securityContext": nvidia_security_context(cfg.strategy),
            "volumeMounts": [
                { "name": "kubelet-device-plugins-dir", "mountPath": "/var/lib/kubelet/device-plugins" },
                { "name": "cdi-root", "mountPath": "/var/run/cdi" },
            ],
        }],
        "volumes": [
            { "name": "kubelet-device-plugins-dir", "hostPath": { "path": "/var/lib/kubelet/device-plugins", "type": "Directory" } },
            { "name": "cdi-root", "hostPath": { "path": "/var/run/cdi", "type": "DirectoryOrCreate" } },
        ],
    });
    place_on_gpu_nodes(&mut spec, cfg);
    daemonset(
        "nvidia-device-plugin",
        &cfg.namespace,
        "device-plugin",
        spec,
    )
}

/// The GFD DaemonSet: writes feature files that NFD turns into `nvidia.com/*` labels.
pub fn gpu_feature_discovery(cfg: &InstallConfig) -> Value {
    let field = |path: &str| json!({ "fieldRef": { "fieldPath": path } });
    let mut env = vec![
        json!({ "name": "NODE_NAME", "valueFrom": field("spec.nodeName") }),
        json!({ "name": "NAMESPACE", "valueFrom": field("metadata.namespace") }),
        json!({ "name": "POD_NAME", "valueFrom": field("metadata.name") }),
    ];
    env.extend(mig_env(cfg));
    let mut spec = json!({
        "priorityClassName": "system-node-critical",
        "serviceAccountName": "nvidia-device-plugin",
        "tolerations": gpu_tolerations(),
        "containers": [{
            "name": "gpu-feature-discovery-ctr",
            "image": cfg.image(),
            "imagePullPolicy": "IfNotPresent",
            "command": ["gpu-feature-discovery"],
            "env": env,
            "securityContext": { "privileged": true },
            "volumeMounts": [
                { "name": "output-dir", "mountPath": FEATURES_D },
                { "name": "host-sys", "mountPath": "/sys" },
            ],
        }],
        "volumes": [
            { "name": "output-dir", "hostPath": { "path": FEATURES_D, "type": "DirectoryOrCreate" } },
            { "name": "host-sys", "hostPath": { "path": "/sys", "type": "Directory" } },
        ],
    });
    place_on_gpu_nodes(&mut spec, cfg);
    daemonset(
        "nvidia-gpu-feature-discovery",
        &cfg.namespace,
        "gpu-feature-discovery",
        spec,
    )
}

/// The namespace, labelled for Pod Security admission as `privileged`: the device plugin needs
/// host paths and SYS_ADMIN, GFD runs privileged (as in NVIDIA's GPU Operator namespace).
fn namespace(ns: &str) -> Value {
    let mut m = meta(ns, None, "namespace");
    for mode in ["enforce", "audit", "warn"] {
        m["labels"][format!("pod-security.kubernetes.io/{mode}")] = json!("privileged");
    }
    json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": m })
}

/// Every object of the install, in apply order (namespace and CRDs first, workloads last).
pub fn objects(cfg: &InstallConfig) -> Vec<Value> {
    let ns = cfg.namespace.as_str();
    let mut out = vec![
        namespace(ns),
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": meta("nvidia-device-plugin", Some(ns), "device-plugin"),
            "automountServiceAccountToken": false,
        }),
    ];
    if cfg.nfd {
        out.extend(super::nfd::objects(ns));
    }
    out.push(device_plugin(cfg));
    if cfg.gfd {
        out.push(gpu_feature_discovery(cfg));
    }
    out
}

/// The helm commands equivalent to an install.
/// `wait`, when set, makes helm wait for the rollout that long.
pub fn helm_commands(cfg: &InstallConfig, wait: Option<std::time::Duration>) -> Vec<Vec<String>> {
    let chart_version = cfg.version.trim_start_matches('v').to_string();
    let mut set = vec![
        format!("migStrategy={}", cfg.strategy),
        format!("gfd.enabled={}", cfg.gfd),
    ];
    if !cfg.nfd {
        set.push("nfd.enabled=false".into());
    }
    if let Some(rc) = &cfg.runtime_class {
        set.push(format!("runtimeClassName={rc}"));
    }
    // helm's --set splits on commas and dots: escape them inside keys and values.
    let escape = |s: &str| s.replace(',', "\\,");
    for (k, v) in &cfg.node_selector {
        set.push(format!(
            "nodeSelector.{}={}",
            escape(&k.replace('.', "\\.")),
            escape(v)
        ));
    }
    let s = |x: &str| x.to_string();
    let mut upgrade = vec![
        s("helm"),
        s("upgrade"),
        s("--install"),
        s(HELM_RELEASE),
        s("nvdp/nvidia-device-plugin"),
        s("--namespace"),
        cfg.namespace.clone(),
        s("--create-namespace"),
        s("--version"),
        chart_version,
        s("--set"),
        set.join(","),
    ];
    if let Some(timeout) = wait {
        upgrade.extend([
            s("--wait"),
            s("--timeout"),
            format!("{}s", timeout.as_secs().max(1)),
        ]);
    }
    vec![
        vec![
            s("helm"),
            s("repo"),
            s("add"),
            s("nvdp"),
            s("https://nvidia.github.io/k8s-device-plugin"),
        ],
        vec![s("helm"), s("repo"), s("update"), s("nvdp")],
        upgrade,
    ]
}

#[cfg(test)]
#[path = "daemons_tests.rs"]
mod tests;

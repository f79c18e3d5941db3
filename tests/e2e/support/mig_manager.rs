//! A GPU Operator cluster with the MIG manager simulation (`FakeApi::seed_mig_manager()`), GPU
//! pods and PodDisruptionBudgets on it, and what the server was asked to change.

use super::{FakeApi, TestServer};
pub use fakeapi::{MigFault, MigManagerKnobs};
use serde_json::{json, Value};
use std::time::Duration;

/// The MIG manager fixtures' nodes.
pub const DGX_A100: &str = "dgx-a100-01";
pub const HGX_H100: &str = "hgx-h100-01";

/// The seeded cluster plus the GPU Operator's MIG manager, its steps `delay_ms` long.
pub fn mig_manager_api(delay_ms: u64) -> FakeApi {
    let api = FakeApi::seeded();
    api.seed_mig_manager();
    api.set_mig_manager(MigManagerKnobs {
        delay: Some(Duration::from_millis(delay_ms)),
        ..Default::default()
    });
    api
}

/// Turns `dgx-a100-01` into a single-strategy node, as GFD and the device plugin show 8 GPUs cut
/// into 7 × 1g.5gb each under `single` (before the server starts, so the MIG manager learns it).
pub fn make_single(api: &FakeApi) {
    let mut node = api.get("nodes", None, DGX_A100).unwrap();
    let labels = node["metadata"]["labels"].as_object_mut().unwrap();
    labels.retain(|k, _| !k.starts_with("nvidia.com/mig-"));
    labels.insert("nvidia.com/mig.strategy".into(), json!("single"));
    labels.insert(
        "nvidia.com/gpu.product".into(),
        json!("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
    );
    labels.insert("nvidia.com/gpu.count".into(), json!("56"));
    labels.insert("nvidia.com/gpu.memory".into(), json!("4864"));
    for field in ["capacity", "allocatable"] {
        let m = node["status"][field].as_object_mut().unwrap();
        m.remove("nvidia.com/mig-1g.5gb");
        m.insert("nvidia.com/gpu".into(), json!("56"));
    }
    api.insert(node);
}

/// A Running, Ready pod in `ml` on `node` holding `count` devices of `resource`, owned by
/// ReplicaSet `owner` when given.
pub fn gpu_pod(name: &str, node: &str, resource: &str, count: u32, owner: Option<&str>) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "labels": {"app": name}},
        "spec": {"nodeName": node, "containers": [{"name": "cuda", "image": "nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04",
            "resources": {"limits": {resource: count.to_string()}, "requests": {resource: count.to_string()}}}]},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}]}});
    if let Some(rs) = owner {
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": rs, "uid": "0b7c1e2d-0000-4000-8000-000000000001", "controller": true}]);
    }
    pod
}

/// A PodDisruptionBudget in `ml` that keeps `min_available` pods labelled `app=<app>`.
pub fn pdb(name: &str, app: &str, min_available: u32) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": "ml", "generation": 1},
        "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": app}}}})
}

/// The requests that changed something (anything but GET), as `METHOD path`.
pub fn writes(server: &TestServer) -> Vec<String> {
    server
        .api
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// A node's label.
pub fn node_label(api: &FakeApi, node: &str, key: &str) -> Option<String> {
    api.get("nodes", None, node)?["metadata"]["labels"][key]
        .as_str()
        .map(String::from)
}

/// A node's annotation.
pub fn node_annotation(api: &FakeApi, node: &str, key: &str) -> Option<String> {
    api.get("nodes", None, node)?["metadata"]["annotations"][key]
        .as_str()
        .map(String::from)
}

/// A node's allocatable of `resource`.
pub fn allocatable(api: &FakeApi, node: &str, resource: &str) -> Option<String> {
    api.get("nodes", None, node)?["status"]["allocatable"][resource]
        .as_str()
        .map(String::from)
}

/// Whether the node is cordoned.
pub fn cordoned(api: &FakeApi, node: &str) -> bool {
    api.get("nodes", None, node).unwrap()["spec"]["unschedulable"] == json!(true)
}

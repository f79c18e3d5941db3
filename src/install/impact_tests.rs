use super::*;
use serde_json::json;

fn node(name: &str, strategy: &str, product: &str, alloc: &[(&str, i64)]) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        labels: [
            ("nvidia.com/mig.strategy", strategy),
            ("nvidia.com/gpu.product", product),
            ("pool", name),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        allocatable: alloc.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ..Default::default()
    }
}

fn cluster() -> Vec<NodeInfo> {
    vec![
        node(
            "mixed-1",
            "mixed",
            "NVIDIA-A100-SXM4-40GB",
            &[
                ("nvidia.com/gpu", 2),
                ("nvidia.com/mig-1g.5gb", 28),
                ("nvidia.com/mig-3g.20gb", 4),
            ],
        ),
        node(
            "mixed-2",
            "mixed",
            "NVIDIA-A100-SXM4-40GB",
            &[("nvidia.com/gpu", 0), ("nvidia.com/mig-1g.5gb", 56)],
        ),
        node(
            "single-1",
            "single",
            "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb",
            &[("nvidia.com/gpu", 56)],
        ),
    ]
}

fn deployment(name: &str, resource: &str, selector: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": "ml"}, "spec": {"template": {"spec": {
        "nodeSelector": selector,
        "containers": [{"name": "c", "resources": {"limits": {resource: "1"}}}]}}}})
}

#[test]
fn single_cannot_serve_several_profiles_and_renames_mig_resources() {
    let workloads: Vec<Workload> = [
        deployment("infer", "nvidia.com/mig-1g.5gb", json!({"pool": "mixed-2"})),
        deployment("cpu-only", "cpu", json!({})),
    ]
    .iter()
    .filter_map(|d| workload("Deployment", d))
    .collect();
    assert_eq!(workloads.len(), 1);
    let (lines, nodes, broken) = assess(&cluster(), &workloads, Strategy::Single);
    assert_eq!((nodes, broken), (1, 1), "{lines:#?}");
    assert!(lines[0].starts_with("node mixed-1: its layout (28 x 1g.5gb, 4 x 3g.20gb and 2 whole GPU(s)) cannot be served by single"), "{}", lines[0]);
    assert_eq!(lines[1], "Deployment ml/infer requests nvidia.com/mig-1g.5gb, which vanishes under single on node mixed-2 it targets");
}

#[test]
fn mixed_renames_single_nodes_gpu_but_keeps_whole_gpus() {
    let pod = json!({"metadata": {"name": "jupyter", "namespace": "ml"},
        "spec": {"nodeName": "single-1", "containers": [{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}});
    let whole = json!({"metadata": {"name": "whole", "namespace": "ml"},
        "spec": {"nodeName": "mixed-1", "containers": [{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}});
    let owned = json!({"metadata": {"name": "x", "namespace": "ml", "ownerReferences": [{"kind": "ReplicaSet", "name": "x", "controller": true}]},
        "spec": {"nodeName": "single-1", "containers": [{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}});
    assert!(workload("Pod", &owned).is_none());
    let workloads: Vec<Workload> = [pod, whole]
        .iter()
        .filter_map(|p| workload("Pod", p))
        .collect();
    let (lines, nodes, broken) = assess(&cluster(), &workloads, Strategy::Mixed);
    assert_eq!((nodes, broken), (0, 1), "{lines:#?}");
    assert!(lines[0].starts_with(
        "Pod ml/jupyter requests nvidia.com/gpu, which vanishes under mixed on node single-1"
    ));
}

#[test]
fn affinity_and_cronjob_templates_are_read() {
    let cron = json!({"metadata": {"name": "nightly", "namespace": "ml"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["mixed-2", "other"]}]}]}}},
        "containers": [{"name": "c", "resources": {"limits": {"nvidia.com/mig-1g.5gb": "2"}}}]}}}}}});
    let w = workload("CronJob", &cron).unwrap();
    let nodes = cluster();
    assert!(w.targets(&nodes[1]));
    assert!(!w.targets(&nodes[0]));
    let (_, _, broken) = assess(&nodes, &[w], Strategy::Single);
    assert_eq!(broken, 1);
}

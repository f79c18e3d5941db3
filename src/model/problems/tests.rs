//! One test per rule of the capacity model and per problem, on realistic nodes and pods (labels
//! and capacities as GFD and the device plugin write them; see ../shared/fixtures).

use crate::model::capacity::{report, NodeReport, Usage};
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod};
use serde_json::{json, Value};

fn node(v: Value) -> NodeInfo {
    NodeInfo::from(serde_json::from_value::<RawNode>(v).unwrap())
}

fn pod(v: Value) -> PodUsage {
    PodUsage::from(serde_json::from_value::<RawPod>(v).unwrap())
}

fn one(n: NodeInfo, pods: Vec<PodUsage>) -> NodeReport {
    let mut usage = Usage::for_nodes([n.name.as_str()]);
    for p in pods {
        usage.add(p);
    }
    report(&[n], &usage).nodes.remove(0)
}

fn codes(r: &NodeReport) -> Vec<&'static str> {
    r.problems.iter().map(|p| p.code).collect()
}

fn requested(r: &NodeReport, res: &str) -> i64 {
    r.resources
        .iter()
        .find(|x| x.name == res)
        .map_or(-1, |x| x.requested)
}

/// The A100 node of gpu-operator issue #637: mixed, two whole GPUs, 3g.40gb at 0.
fn a100_mixed() -> NodeInfo {
    let alloc = json!({"cpu": "64", "nvidia.com/gpu": "2", "nvidia.com/mig-1g.10gb": "6", "nvidia.com/mig-2g.20gb": "4", "nvidia.com/mig-3g.40gb": "0"});
    node(json!({
        "metadata": {"name": "a100", "labels": {
            "nvidia.com/mig.strategy": "mixed", "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB",
            "nvidia.com/mig-1g.10gb.count": "6", "nvidia.com/mig-2g.20gb.count": "4", "nvidia.com/mig.capable": "true"}},
        "status": {"capacity": alloc, "allocatable": alloc, "conditions": [{"type": "Ready", "status": "True"}]}
    }))
}

fn gpu_pod(name: &str, phase: &str, spec: Value) -> PodUsage {
    let mut v = json!({"metadata": {"name": name, "namespace": "ml"}, "spec": spec, "status": {"phase": phase}});
    v["spec"]["nodeName"] = json!("a100");
    pod(v)
}

fn limits(res: &str, n: u32) -> Value {
    json!({"name": "c", "resources": {"limits": {res: n.to_string()}, "requests": {res: n.to_string()}}})
}

#[test]
fn terminated_and_unbound_pods_hold_nothing() {
    let mig = "nvidia.com/mig-1g.10gb";
    let pods = vec![
        gpu_pod("done", "Succeeded", json!({"containers": [limits(mig, 2)]})),
        gpu_pod("failed", "Failed", json!({"containers": [limits(mig, 1)]})),
        gpu_pod(
            "running",
            "Running",
            json!({"containers": [limits(mig, 1)]}),
        ),
        gpu_pod(
            "starting",
            "Pending",
            json!({"containers": [limits(mig, 1)]}),
        ),
        pod(
            json!({"metadata": {"name": "unbound", "namespace": "ml"}, "spec": {"containers": [limits(mig, 3)]}, "status": {"phase": "Pending"}}),
        ),
    ];
    let r = one(a100_mixed(), pods);
    assert_eq!(requested(&r, mig), 2);
    let res = r.resources.iter().find(|x| x.name == mig).unwrap();
    assert_eq!(res.free, 4);
    assert_eq!(res.pods.len(), 2);
}

#[test]
fn init_containers_count_by_their_peak() {
    let mig = "nvidia.com/mig-1g.10gb";
    let p = gpu_pod(
        "init",
        "Running",
        json!({
            "initContainers": [limits(mig, 3), limits(mig, 1)],
            "containers": [limits(mig, 1), limits(mig, 1)]
        }),
    );
    assert_eq!(requested(&one(a100_mixed(), vec![p]), mig), 3);
}

#[test]
fn sidecars_add_to_the_app_containers_and_to_later_init_containers() {
    let mig = "nvidia.com/mig-1g.10gb";
    let mut sidecar = limits(mig, 1);
    sidecar["restartPolicy"] = json!("Always");
    let p = gpu_pod(
        "sidecar",
        "Running",
        json!({
            "initContainers": [sidecar, limits(mig, 2)],
            "containers": [limits(mig, 1)]
        }),
    );
    // max(app 1 + sidecar 1, init 2 + sidecar 1 started before it) = 3
    assert_eq!(requested(&one(a100_mixed(), vec![p]), mig), 3);
}

#[test]
fn a_limit_alone_is_the_request() {
    let p = gpu_pod(
        "limits",
        "Running",
        json!({"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/mig-2g.20gb": "2"}}}]}),
    );
    assert_eq!(
        requested(&one(a100_mixed(), vec![p]), "nvidia.com/mig-2g.20gb"),
        2
    );
}

#[test]
fn mixed_node_shows_whole_gpus_and_every_profile_even_at_zero() {
    let r = one(a100_mixed(), vec![]);
    let names: Vec<&str> = r.resources.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "nvidia.com/gpu",
            "nvidia.com/mig-1g.10gb",
            "nvidia.com/mig-2g.20gb",
            "nvidia.com/mig-3g.40gb"
        ]
    );
    assert_eq!(r.resources[0].profile, None);
    assert_eq!(r.resources[3].allocatable, 0);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn h100_with_three_profiles_on_one_gpu() {
    let alloc = json!({"nvidia.com/gpu": "0", "nvidia.com/mig-1g.12gb": "2", "nvidia.com/mig-2g.24gb": "1", "nvidia.com/mig-3g.47gb": "1"});
    let n = node(
        json!({"metadata": {"name": "h100", "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-NVL"}},
        "status": {"capacity": alloc, "allocatable": alloc}}),
    );
    let r = one(n, vec![]);
    assert_eq!(r.strategy, crate::mig::strategy::Strategy::Mixed);
    let profiles: Vec<Option<&str>> = r.resources.iter().map(|x| x.profile.as_deref()).collect();
    assert_eq!(
        profiles,
        [None, Some("1g.12gb"), Some("2g.24gb"), Some("3g.47gb")]
    );
    assert_eq!(r.resources[0].allocatable, 0, "nvidia.com/gpu: 0 is shown");
}

#[test]
fn single_strategy_mig_invalid() {
    let n = node(
        json!({"metadata": {"name": "s", "labels": {"nvidia.com/mig.strategy": "single",
        "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-INVALID", "nvidia.com/gpu.count": "0"}},
        "status": {"allocatable": {"nvidia.com/gpu": "0"}}}),
    );
    let r = one(n, vec![]);
    assert_eq!(codes(&r), ["MIG_INVALID"]);
    assert_eq!(r.resources[0].profile, None, "INVALID is not a profile");
}

#[test]
fn missing_device_plugin_for_labelled_mig_devices() {
    let n = node(
        json!({"metadata": {"name": "m", "labels": {"nvidia.com/mig.strategy": "mixed",
        "nvidia.com/mig-1g.5gb.count": "14", "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB"}},
        "status": {"allocatable": {"cpu": "96"}}}),
    );
    let r = one(n, vec![]);
    assert_eq!(codes(&r), ["DEVICES_NOT_ADVERTISED"]);
    assert!(
        r.problems[0].message.contains("14 × 1g.5gb"),
        "{}",
        r.problems[0].message
    );
    let single = node(
        json!({"metadata": {"name": "s", "labels": {"nvidia.com/mig.strategy": "single",
        "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "nvidia.com/gpu.count": "56"}},
        "status": {"allocatable": {"cpu": "96"}}}),
    );
    assert_eq!(codes(&one(single, vec![])), ["DEVICES_NOT_ADVERTISED"]);
    let aks = node(
        json!({"metadata": {"name": "k", "labels": {"kubernetes.azure.com/accelerator": "nvidia"}}, "status": {}}),
    );
    assert_eq!(codes(&one(aks, vec![])), ["DEVICES_NOT_ADVERTISED"]);
}

#[test]
fn strategy_label_disagreeing_with_resources() {
    let n = node(
        json!({"metadata": {"name": "x", "labels": {"nvidia.com/mig.strategy": "single",
        "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"}},
        "status": {"allocatable": {"nvidia.com/mig-1g.5gb": "7"}}}),
    );
    assert!(codes(&one(n, vec![])).contains(&"STRATEGY_MISMATCH"));
    let n = node(
        json!({"metadata": {"name": "y", "labels": {"nvidia.com/mig.strategy": "mixed",
        "nvidia.com/mig-1g.5gb.count": "7"}},
        "status": {"allocatable": {"nvidia.com/gpu": "7"}}}),
    );
    assert_eq!(codes(&one(n, vec![])), ["STRATEGY_MISMATCH"]);
}

#[test]
fn count_label_differing_from_allocatable() {
    let n = node(
        json!({"metadata": {"name": "c", "labels": {"nvidia.com/mig.strategy": "mixed",
        "nvidia.com/mig-1g.5gb.count": "7"}},
        "status": {"allocatable": {"nvidia.com/mig-1g.5gb": "5"}}}),
    );
    assert_eq!(codes(&one(n, vec![])), ["COUNT_MISMATCH"]);
}

#[test]
fn not_ready_cordoned_and_overcommitted() {
    let n = node(
        json!({"metadata": {"name": "a100"}, "spec": {"unschedulable": true},
        "status": {"allocatable": {"nvidia.com/mig-1g.10gb": "1"}, "conditions": [{"type": "Ready", "status": "False"}]}}),
    );
    let p = gpu_pod(
        "p",
        "Running",
        json!({"containers": [limits("nvidia.com/mig-1g.10gb", 2)]}),
    );
    let r = one(n, vec![p]);
    assert_eq!(
        codes(&r),
        ["NODE_NOT_READY", "OVERCOMMITTED", "NODE_CORDONED"]
    );
    assert_eq!(r.resources[0].free, 0);
}

#[test]
fn mig_capable_gpus_exposed_whole_is_information() {
    let n = node(
        json!({"metadata": {"name": "h", "labels": {"nvidia.com/mig.capable": "true",
        "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu.count": "8"}},
        "status": {"allocatable": {"nvidia.com/gpu": "8"}}}),
    );
    let r = one(n, vec![]);
    assert_eq!(codes(&r), ["MIG_NOT_ENABLED"]);
    assert_eq!(
        r.problems[0].severity,
        crate::model::problems::Severity::Info
    );
}

#[test]
fn plan_mismatch_on_an_aks_size() {
    let label = |count: &str| {
        node(
            json!({"metadata": {"name": "p", "labels": {"nvidia.com/mig.strategy": "single",
            "node.kubernetes.io/instance-type": "Standard_ND96asr_v4",
            "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "nvidia.com/gpu.count": count}},
            "status": {"allocatable": {"nvidia.com/gpu": count}}}),
        )
    };
    assert!(one(label("56"), vec![]).problems.is_empty());
    let r = one(label("49"), vec![]);
    assert_eq!(codes(&r), ["PLAN_MISMATCH"]);
    assert!(r.problems[0]
        .message
        .contains("should offer 56 devices, but the node advertises 49"));
}

#[test]
fn summary_adds_up_per_resource_and_profile() {
    let a = a100_mixed();
    let mut b = a100_mixed();
    b.name = "b".into();
    let mut usage = Usage::for_nodes(["a100", "b"]);
    usage.add(gpu_pod(
        "p",
        "Running",
        json!({"containers": [limits("nvidia.com/mig-1g.10gb", 2)]}),
    ));
    let r = report(&[a, b], &usage);
    let row = r
        .summary
        .iter()
        .find(|s| s.name == "nvidia.com/mig-1g.10gb")
        .unwrap();
    assert_eq!(
        (row.nodes, row.allocatable, row.requested, row.free),
        (2, 12, 2, 10)
    );
    let zero = r
        .summary
        .iter()
        .find(|s| s.name == "nvidia.com/mig-3g.40gb")
        .unwrap();
    assert_eq!(zero.nodes, 0);
}

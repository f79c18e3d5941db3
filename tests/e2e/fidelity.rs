//! describe on nodes from public bug reports of real clusters (`tests/fixtures/real-world/`, each
//! file naming its source): the strategy, every resource's numbers and the exact problem codes.

use crate::support::*;
use serde_json::Value;

/// `describe -f <fixture> -o json`'s only node.
fn described(fixture: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/real-world/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = run_offline(&["describe", "-f", &path, "-o", "json"]);
    let report = r.ok();
    let report: Value = serde_json::from_str(&report).unwrap();
    let nodes = report["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{fixture}: {report:#}");
    nodes[0].clone()
}

fn codes(node: &Value) -> Vec<String> {
    node["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

/// Each resource as `(name, allocatable, requested, free)`.
fn numbers(node: &Value) -> Vec<(String, i64, i64, i64)> {
    node["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["allocatable"].as_i64().unwrap(),
                r["requested"].as_i64().unwrap(),
                r["free"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(name: &str, allocatable: i64, requested: i64, free: i64) -> (String, i64, i64, i64) {
    (name.to_string(), allocatable, requested, free)
}

fn strategy(node: &Value) -> (String, String) {
    (
        node["strategy"].as_str().unwrap().to_string(),
        node["strategySource"].as_str().unwrap().to_string(),
    )
}

/// No finding of severity error on a node whose devices are advertised and schedulable.
fn no_errors(node: &Value) {
    let errors: Vec<&Value> = node["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn older_gfd_profile_names_match_the_device_plugins_resource() {
    let n = described("gfd-3g21gb-labels-3g20gb-resource.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "label".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/mig-3g.20gb", 16, 0, 16)]);
    assert_eq!(codes(&n), ["PROFILE_NAME_MISMATCH"]);
    assert_eq!(n["problems"][0]["severity"], "info");
    no_errors(&n);
}

#[test]
fn a_failed_mig_manager_is_an_error_naming_its_layout() {
    let n = described("mig-manager-7g79gb-failed.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "label".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 8, 0, 8)]);
    assert_eq!(codes(&n), ["MIG_CONFIG_FAILED"]);
    let message = n["problems"][0]["message"].as_str().unwrap();
    assert_contains!(message, "all-7g.80gb");
    assert_lacks!(n.to_string(), "MIG_NOT_ENABLED");
}

#[test]
fn zero_count_leftovers_beside_advertised_devices_are_quiet() {
    let n = described("gpu-operator-637-zero-leftover.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "inferred".into()));
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 2, 0, 2),
            row("nvidia.com/mig-1g.10gb", 6, 0, 6),
            row("nvidia.com/mig-2g.20gb", 4, 0, 4),
            row("nvidia.com/mig-3g.40gb", 0, 0, 0),
        ]
    );
    assert!(codes(&n).is_empty(), "{:?}", codes(&n));
}

#[test]
fn a_zero_count_leftover_does_not_make_single_mig_devices_whole_gpus() {
    let n = described("single-leftover-mig-resource.yaml");
    assert_eq!(strategy(&n), ("single".into(), "inferred".into()));
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 14, 3, 11),
            row("nvidia.com/mig-1g.5gb", 0, 0, 0),
        ]
    );
    assert_eq!(n["resources"][0]["profile"], "1g.5gb");
    assert_eq!(n["gpuModel"], "A100-PCIE-40GB");
    assert!(codes(&n).is_empty(), "{:?}", codes(&n));
}

#[test]
fn a_wedged_mig_manager_is_reported_not_the_device_plugin() {
    let n = described("mig-manager-wedged-pending.yaml");
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 0, 0, 0)]);
    assert_eq!(codes(&n), ["MIG_RECONFIGURING"]);
    let p = &n["problems"][0];
    assert_eq!(p["severity"], "warning");
    assert_contains!(
        p["message"].as_str().unwrap(),
        "device-plugin, gpu-feature-discovery"
    );
    assert_contains!(p["hint"].as_str().unwrap(), "app=nvidia-mig-manager");
    assert_eq!(n["migConfigState"], "pending");
}

#[test]
fn components_left_paused_are_an_error_with_the_command_that_restores_them() {
    let n = described("mig-manager-paused-leftover.yaml");
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 0, 0, 0),
            row("nvidia.com/mig-1g.10gb", 7, 0, 7)
        ]
    );
    assert_eq!(codes(&n), ["MIG_COMPONENTS_PAUSED"]);
    assert_contains!(
        n["problems"][0]["hint"].as_str().unwrap(),
        "nvidia.com/gpu.deploy.nvsm=true --overwrite"
    );
}

#[test]
fn shared_whole_gpus_are_shown_as_shared_slots() {
    let n = described("bottlerocket-mig-time-slicing.yaml");
    assert_eq!(strategy(&n), ("none".into(), "inferred".into()));
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 0, 0, 0),
            row("nvidia.com/gpu.shared", 128, 1, 127),
        ]
    );
    assert!(n["resources"][1]["sharing"].is_object(), "{n:#}");
    no_errors(&n);
}

#[test]
fn shared_mig_slots_count_devices_and_replicas() {
    let n = described("shared-mig-time-slicing.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "label".into()));
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 0, 0, 0),
            row("nvidia.com/mig-1g.10gb.shared", 28, 1, 27),
        ]
    );
    let shared = &n["resources"][1];
    assert_eq!(shared["profile"], "1g.10gb");
    assert_eq!(shared["sharing"]["replicas"], 4);
    assert_eq!(shared["sharing"]["devices"], 7);
    assert_eq!(shared["sharing"]["strategy"], "time-slicing");
    assert!(codes(&n).is_empty(), "{:?}", codes(&n));
}

#[test]
fn dynamic_mig_resources_of_another_plugin_are_named() {
    let n = described("instaslice-dynamic-mig.yaml");
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 0, 0, 0)]);
    assert_eq!(codes(&n), ["OTHER_GPU_RESOURCES"]);
    let message = n["problems"][0]["message"].as_str().unwrap();
    assert_contains!(message, "instaslice.redhat.com/mig-1g.5gb+me (28)");
    assert_contains!(message, "not devices to add up");
    assert_eq!(n["otherGpuResources"].as_array().unwrap().len(), 7);
}

#[test]
fn mig_invalid_stays_an_error() {
    let n = described("single-mig-invalid.yaml");
    assert_eq!(strategy(&n), ("single".into(), "label".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 0, 0, 0)]);
    assert_eq!(codes(&n), ["MIG_INVALID"]);
    assert_eq!(n["gpuModel"], "A100-80GB-PCIe");
}

#[test]
fn mig_capable_whole_gpus_get_the_information_only() {
    let n = described("a30-whole-gpus.yaml");
    assert_eq!(strategy(&n), ("none".into(), "inferred".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 1, 0, 1)]);
    assert_eq!(codes(&n), ["MIG_NOT_ENABLED"]);
}

#[test]
fn a_mixed_h100_with_no_whole_gpu_is_shown() {
    let n = described("h100-mixed-zero-gpu.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "inferred".into()));
    assert_eq!(
        numbers(&n),
        [
            row("nvidia.com/gpu", 0, 0, 0),
            row("nvidia.com/mig-1g.12gb", 2, 0, 2),
            row("nvidia.com/mig-2g.24gb", 1, 0, 1),
            row("nvidia.com/mig-3g.47gb", 1, 0, 1),
        ]
    );
    assert!(codes(&n).is_empty(), "{:?}", codes(&n));
}

#[test]
fn gke_partitions_are_single_strategy_devices_of_the_partition_size() {
    let n = described("gke-mig-partition.yaml");
    assert_eq!(strategy(&n), ("single".into(), "inferred".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/gpu", 7, 0, 7)]);
    assert_eq!(n["resources"][0]["profile"], "1g.5gb");
    assert_eq!(n["gpuModel"], "A100-SXM4-40GB");
    assert!(codes(&n).is_empty(), "{:?}", codes(&n));
}

#[test]
fn aks_managed_gpu_health_conditions_are_errors() {
    let n = described("aks-managed-unhealthy.yaml");
    assert_eq!(strategy(&n), ("mixed".into(), "inferred".into()));
    assert_eq!(numbers(&n), [row("nvidia.com/mig-1g.10gb", 7, 0, 7)]);
    assert_eq!(codes(&n), ["GPU_UNHEALTHY"]);
    assert_contains!(
        n["problems"][0]["message"].as_str().unwrap(),
        "UnhealthyNvidiaDevicePlugin"
    );
}

#[test]
fn the_table_shows_models_states_and_shared_slots() {
    let dir = format!("{}/tests/fixtures/real-world", env!("CARGO_MANIFEST_DIR"));
    let r = run_offline(&["describe", "-f", &dir, "-o", "wide"]);
    let text = r.ok();
    assert_contains!(text, "A100-SXM4-80GB");
    assert_contains!(text, "all-1g.5gb (pending)");
    assert_contains!(
        text,
        "~ nvidia.com/mig-1g.10gb.shared on h100-shared-0: 7 devices × 4 slots (time-slicing)"
    );
    let kub = text.lines().find(|l| l.starts_with("kub-as6")).unwrap();
    assert_contains!(kub, "   A100-SXM4-80GB   ");
    assert_lacks!(kub, "NVIDIA-");
}

#[test]
fn run_uses_a_shared_mig_slot_and_says_so() {
    let api = FakeApi::new();
    api.load_file(format!(
        "{}/tests/fixtures/real-world/shared-mig-time-slicing.yaml",
        env!("CARGO_MANIFEST_DIR")
    ));
    let server = TestServer::start(api);
    let r = run(&server, &["run", "--profile", "1g.10gb"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "nvidia.com/mig-1g.10gb.shared is a shared slot");
    assert_contains!(r.stderr, "requesting 1 × nvidia.com/mig-1g.10gb.shared");
    assert_contains!(r.stdout, "MIG 1g.10gb");
}

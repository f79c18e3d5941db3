//! `plan --for-pending` against the fake API server: pods asking for more MIG devices than the
//! nodes offer stay Pending with the scheduler's real message (extended resources and a DRA
//! claim), and the plan packs what they ask for into the fewest GPUs, with the commands.

use crate::support::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The DRA seed plus the GPU Operator's MIG manager (`dgx-a100-01`: 8 x A100 40GB, idle).
fn server() -> TestServer {
    let api = FakeApi::seeded_with_dra();
    api.seed_mig_manager();
    TestServer::start(api)
}

fn pod(name: &str, resource: &str, count: u32) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: ml}}
spec:
  tolerations: [{{key: sku, operator: Equal, value: gpu, effect: NoSchedule}}]
  containers:
  - name: c
    image: nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04
    resources: {{limits: {{{resource}: {count}}}}}
"
    )
}

/// A pod whose claim asks DRA for `count` devices of `profile`.
fn claim_pod(name: &str, profile: &str, count: u32) -> String {
    format!(
        "apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata: {{name: {name}, namespace: ml}}
spec:
  spec:
    devices:
      requests:
      - name: mig
        exactly:
          deviceClassName: mig.nvidia.com
          count: {count}
          selectors:
          - cel: {{expression: \"device.attributes['gpu.nvidia.com'].profile == '{profile}'\"}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: ml}}
spec:
  resourceClaims: [{{name: mig, resourceClaimTemplateName: {name}}}]
  tolerations: [{{key: sku, operator: Equal, value: gpu, effect: NoSchedule}}]
  containers:
  - name: c
    image: nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04
    resources: {{claims: [{{name: mig}}]}}
"
    )
}

fn unschedulable(server: &TestServer, name: &str) -> bool {
    server.api.get("pods", Some("ml"), name).is_some_and(|p| {
        p["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "PodScheduled" && c["status"] == "False")
    })
}

fn wait_pending(server: &TestServer, names: &[&str]) {
    let started = Instant::now();
    while !names.iter().all(|n| unschedulable(server, n)) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {names:?} to be unschedulable"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pending_mig_pods_are_packed_into_the_fewest_gpus_with_the_commands() {
    let server = server();
    let yaml = [
        pod("big-3g", "nvidia.com/mig-3g.20gb", 4),
        pod("need-2g", "nvidia.com/mig-2g.10gb", 1),
        claim_pod("dra-3g", "3g.20gb", 3),
    ]
    .join("---\n");
    assert_ok!(kubectl_stdin(&server, &["apply", "-f", "-"], &yaml));
    wait_pending(&server, &["big-3g", "need-2g", "dra-3g"]);

    let plan: Value = run(&server, &["plan", "--for-pending", "-o", "json"]).json();
    let pending = plan["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 3, "{plan}");

    // The same plan from a capture taken with the real kubectl, read with no cluster.
    let dir = temp_dir("pending-capture");
    let file = dir.path().join("capture.yaml");
    let kinds = "nodes,pods,resourceclaims,resourceslices,configmaps,clusterpolicies";
    let captured = kubectl(&server, &["get", kinds, "-A", "-o", "yaml"]).ok();
    std::fs::write(&file, captured).unwrap();
    let path = file.to_str().unwrap();
    let offline: Value = run_offline(&["plan", "--for-pending", "-f", path, "-o", "json"]).json();
    assert_eq!(offline["pending"], plan["pending"]);
    assert_eq!(offline["models"], plan["models"]);
    assert_eq!(offline["unserved"], plan["unserved"]);
    // -f only with --for-pending.
    let r = run_offline(&[
        "plan",
        "--layout",
        "1g.5gb=7",
        "--gpu",
        "A100-40GB",
        "-f",
        path,
    ]);
    assert_exit!(r, 2);
    let dra = pending.iter().find(|w| w["pod"] == "ml/dra-3g").unwrap();
    assert_eq!(
        (dra["via"].as_str(), dra["count"].as_u64()),
        (Some("dra-claim"), Some(3))
    );
    assert_contains!(
        dra["reason"].as_str().unwrap(),
        "cannot allocate all claims"
    );
    let big = pending.iter().find(|w| w["pod"] == "ml/big-3g").unwrap();
    assert_contains!(
        big["reason"].as_str().unwrap(),
        "Insufficient nvidia.com/mig-3g.20gb"
    );

    let a100 = named_by(&plan["models"], "model", "A100-40GB");
    assert_eq!(a100["demand"]["3g.20gb"], 7);
    assert_eq!(a100["demand"]["2g.10gb"], 1);
    // Two 3g.20gb per GPU; the seventh shares a GPU with the 2g.10gb: 4 GPUs.
    assert_eq!(a100["gpus"], 4, "{a100}");
    assert_eq!(a100["exact"], true);
    let step = &a100["reconfigure"][0];
    assert_eq!(step["node"], DGX_A100);
    assert_eq!(step["existing"], false);
    let config = step["config"].as_str().unwrap();
    assert_contains!(a100["migParted"][0].as_str().unwrap(), config);
    assert_eq!(
        step["command"],
        format!("kubectl mig reconfigure {DGX_A100} --config {config}")
    );
    assert_contains!(
        a100["aks"][0].as_str().unwrap(),
        "kubectl mig plan --layout 3g.20gb=2 --vm-size Standard_ND96asr_v4 --node-count 1"
    );
    // No H100 has these profiles: no plan for them, nothing unserved.
    assert!(plan["models"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["model"] == "A100-40GB"));
    assert_eq!(plan["unserved"], serde_json::json!([]));

    let text = run(&server, &["plan", "--for-pending"]).ok();
    assert_contains!(text, "A100-40GB: 4 GPUs serve 3g.20gb=7,2g.10gb=1");
    assert_contains!(text, "DRA claim (mig.nvidia.com)");
    assert_contains!(
        text,
        &format!("kubectl mig reconfigure {DGX_A100} --config")
    );

    // --gpu plans another model: none of these profiles exists on an H100.
    let plan: Value = run(
        &server,
        &["plan", "--for-pending", "--gpu", "H100-80GB", "-o", "json"],
    )
    .json();
    assert_eq!(plan["models"], serde_json::json!([]));
    assert_eq!(plan["unserved"].as_array().unwrap().len(), 3);
}

#[test]
fn a_layout_the_configmap_has_is_used_by_name() {
    let server = server();
    assert_ok!(kubectl_stdin(
        &server,
        &["apply", "-f", "-"],
        &pod("many-1g", "nvidia.com/mig-1g.5gb", 100)
    ));
    wait_pending(&server, &["many-1g"]);
    let plan: Value = run(&server, &["plan", "--for-pending", "-o", "json"]).json();
    let a100 = named_by(&plan["models"], "model", "A100-40GB");
    // 100 x 1g.5gb at 7 per GPU: 15 GPUs; the idle MIG manager node gives 8 of them.
    assert_eq!(a100["gpus"], 15);
    let step = &a100["reconfigure"][0];
    assert_eq!(
        (step["config"].as_str(), step["existing"].as_bool()),
        (Some("all-1g.5gb"), Some(true))
    );
    assert_eq!(a100["shortGpus"], 7);
    assert!(a100.get("migParted").is_none());
}

#[test]
fn nothing_pending_says_so_and_bad_flags_are_usage_errors() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["plan", "--for-pending"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "No pending pod asks for MIG devices");
    let r = run(&server, &["plan", "--for-pending", "--gpu", "V100"]);
    assert_exit!(r, 2);
    let r = run(&server, &["plan", "--for-pending", "--layout", "1g.5gb=1"]);
    assert_exit!(r, 2);
}

fn named_by<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|v| v[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {list}"))
}

//! MIG through Dynamic Resource Allocation: describe reads NVIDIA's DRA driver's ResourceSlices
//! and the claims holding their devices beside the device plugin's resources, on a cluster where
//! some nodes use the device plugin and others DRA (`FakeApi::seeded_with_dra`).

use crate::support::*;
use fakeapi::DraVersions;
use serde_json::Value;
use std::time::{Duration, Instant};

const STATIC: &str = "aks-a100dra-41736250-vmss000000";
const DYNAMIC: &str = "aks-a100dyn-58203617-vmss000000";

fn server() -> TestServer {
    let api = FakeApi::seeded_with_dra();
    api.set_kubelet_delays(Duration::from_millis(20), Duration::from_secs(30));
    TestServer::start(api)
}

fn node<'a>(report: &'a Value, name: &str) -> &'a Value {
    named(&report["nodes"], name)
}

fn row<'a>(node: &'a Value, name: &str) -> &'a Value {
    named(&node["resources"], name)
}

fn counts(r: &Value) -> (i64, i64, i64) {
    (
        r["allocatable"].as_i64().unwrap(),
        r["requested"].as_i64().unwrap(),
        r["free"].as_i64().unwrap(),
    )
}

fn codes(node: &Value) -> Vec<&str> {
    node["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect()
}

/// A claim template and a pod using it, applied with the real kubectl.
fn apply_claim_pod(server: &TestServer, name: &str, profile: &str) {
    let yaml = format!(
        "apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata: {{name: {name}, namespace: default}}
spec:
  spec:
    devices:
      requests:
      - name: mig
        exactly:
          deviceClassName: mig.nvidia.com
          selectors:
          - cel: {{expression: \"device.attributes['gpu.nvidia.com'].profile == '{profile}'\"}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  restartPolicy: Never
  resourceClaims: [{{name: mig, resourceClaimTemplateName: {name}}}]
  tolerations: [{{key: sku, operator: Equal, value: gpu, effect: NoSchedule}}]
  containers:
  - name: c
    image: nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04
    command: [nvidia-smi, -L]
    resources: {{claims: [{{name: mig}}]}}
"
    );
    let r = kubectl_stdin(server, &["apply", "-f", "-"], &yaml);
    assert_ok!(r);
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn dra_only_nodes_show_their_mig_devices_by_profile() {
    let server = server();
    let report = run(&server, &["describe", "-o", "json"]).json();
    let n = node(&report, STATIC);
    let small = row(n, "mig.nvidia.com/1g.5gb");
    assert_eq!(small["source"], "dra");
    assert_eq!(small["profile"], "1g.5gb");
    assert_eq!(counts(small), (2, 0, 2));
    assert_eq!(counts(row(n, "mig.nvidia.com/3g.20gb")), (1, 0, 1));
    assert!(codes(n).is_empty(), "{:?}", codes(n));
    // The device plugin's nodes are unchanged beside them.
    let dp = node(&report, "aks-a100mixed-27591046-vmss000000");
    assert_eq!(row(dp, "nvidia.com/mig-1g.5gb")["source"], "device-plugin");
    // 2 static devices, and 7 that the dynamic node can carve at once.
    let summary = named(&report["summary"], "mig.nvidia.com/1g.5gb");
    assert_eq!(summary["allocatable"], 9);
}

#[test]
fn partitionable_nodes_count_what_the_free_slices_allow() {
    let server = server();
    let report = run(&server, &["describe", DYNAMIC, "-o", "json"]).json();
    let n = node(&report, DYNAMIC);
    let small = row(n, "mig.nvidia.com/1g.5gb");
    assert_eq!(small["dra"]["partitionable"], true);
    // Seven 1g.5gb fit an empty A100 40GB at once, whatever else could be placed.
    assert_eq!(small["free"], 7);
    assert_eq!(row(n, "mig.nvidia.com/7g.40gb")["free"], 1);
    apply_claim_pod(&server, "big", "4g.20gb");
    wait_until("the 4g.20gb claim is allocated", || {
        server
            .api
            .list("resourceclaims")
            .iter()
            .any(|c| c["status"]["allocation"].is_object())
    });
    let report = run(&server, &["describe", DYNAMIC, "-o", "json"]).json();
    let n = node(&report, DYNAMIC);
    assert_eq!(row(n, "mig.nvidia.com/4g.20gb")["requested"], 1);
    assert_eq!(row(n, "mig.nvidia.com/7g.40gb")["free"], 0);
    assert_eq!(row(n, "mig.nvidia.com/1g.5gb")["free"], 3);
}

#[test]
fn allocated_claims_name_their_device_uuid_and_pod() {
    let server = server();
    apply_claim_pod(&server, "infer", "1g.5gb");
    wait_until("the pod is bound", || {
        server
            .api
            .get("pods", Some("default"), "infer")
            .is_some_and(|p| p["spec"]["nodeName"].is_string())
    });
    let report = run(&server, &["describe", STATIC, "-o", "json"]).json();
    let small = row(node(&report, STATIC), "mig.nvidia.com/1g.5gb");
    assert_eq!(counts(small), (2, 1, 1));
    let held = &small["dra"]["devices"][0];
    assert!(held["uuid"].as_str().unwrap().starts_with("MIG-"), "{held}");
    assert!(
        held["parentUuid"].as_str().unwrap().starts_with("GPU-"),
        "{held}"
    );
    assert_eq!(held["pods"][0], "default/infer");
    assert_eq!(small["pods"][0]["name"], "infer");
    let wide = run(&server, &["describe", STATIC, "-o", "wide"]).ok();
    assert_contains!(wide, "default/infer(1)");
    assert_contains!(wide, "DRA devices");
}

#[test]
fn a_claim_no_device_can_serve_is_listed_with_the_schedulers_reason() {
    let server = server();
    apply_claim_pod(&server, "huge", "7g.80gb");
    wait_until("the pod is unschedulable", || {
        server
            .api
            .get("pods", Some("default"), "huge")
            .is_some_and(|p| {
                p["status"]["conditions"]
                    .to_string()
                    .contains("Unschedulable")
            })
    });
    let report = run(&server, &["describe", "-o", "json"]).json();
    let pending = &report["pendingClaims"][0];
    assert_eq!(pending["pod"], "default/huge");
    assert_contains!(
        pending["reason"].as_str().unwrap(),
        "cannot allocate all claims"
    );
    let table = run(&server, &["describe"]).ok();
    assert_contains!(table, "Pending DRA claims:");
}

#[test]
fn a_133_cluster_serving_only_v1beta2_gives_the_same_answer() {
    let server = server();
    let v1 = run(&server, &["describe", "-o", "json"]).json();
    server.api.set_dra_versions(DraVersions::V1beta2Only);
    let beta = run(&server, &["describe", "-o", "json"]).json();
    assert_eq!(v1, beta);
    let paths: Vec<String> = server
        .api
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.contains("/resource.k8s.io/v1beta2/")),
        "{paths:?}"
    );
}

#[test]
fn no_dra_api_or_no_permission_degrades_with_one_note() {
    let server = server();
    server.api.set_dra_versions(DraVersions::Off);
    let r = run(&server, &["describe"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "note: the cluster serves no resource.k8s.io API");
    assert_eq!(r.stderr.matches("note:").count(), 1, "{}", r.stderr);
    server.api.set_dra_versions(DraVersions::V1AndV1beta2);
    server.api.set_faults(Faults {
        forbidden: vec!["resourceslices".into()],
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "note: DRA devices are not shown");
    assert_contains!(r.stderr, "403");
}

#[test]
fn a_node_served_by_both_dra_and_a_device_plugin_is_an_error() {
    let server = server();
    let mut n = server.api.get("nodes", None, STATIC).unwrap();
    n["status"]["allocatable"]["nvidia.com/mig-1g.5gb"] = "2".into();
    n["status"]["capacity"]["nvidia.com/mig-1g.5gb"] = "2".into();
    server.api.insert(n);
    let report = run(&server, &["describe", STATIC, "-o", "json"]).json();
    let n = node(&report, STATIC);
    assert_eq!(codes(n)[0], "DRA_AND_DEVICE_PLUGIN");
    assert_eq!(n["problems"][0]["severity"], "error");
}

#[test]
fn a_capture_with_dra_objects_gives_the_live_answer() {
    if !have_kubectl() {
        return;
    }
    let server = server();
    apply_claim_pod(&server, "infer", "1g.5gb");
    wait_until("the pod is bound", || {
        server
            .api
            .get("pods", Some("default"), "infer")
            .is_some_and(|p| p["spec"]["nodeName"].is_string())
    });
    let live = run(&server, &["describe", "-o", "json"]).json();
    let yaml = kubectl(
        &server,
        &[
            "get",
            "nodes,pods,resourceslices,resourceclaims",
            "-A",
            "-o",
            "yaml",
        ],
    )
    .ok();
    let dir = temp_dir("dra-capture");
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, yaml).unwrap();
    let from_file = run_plain(
        dir.path(),
        &["describe", "-f", path.to_str().unwrap(), "-o", "json"],
    )
    .json();
    assert_eq!(from_file, live);
}

/// Nothing `run` made is left: pods, claim templates, claims.
fn nothing_left(server: &TestServer) {
    let mine = |plural: &str| -> Vec<Value> {
        server
            .api
            .list(plural)
            .into_iter()
            .filter(|o| {
                o["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("mig-test-"))
            })
            .collect()
    };
    for plural in ["pods", "resourceclaimtemplates", "resourceclaims"] {
        assert!(mine(plural).is_empty(), "{plural} left: {:?}", mine(plural));
    }
}

fn quick_server() -> TestServer {
    let api = FakeApi::seeded_with_dra();
    api.set_kubelet_delays(Duration::from_millis(20), Duration::from_millis(100));
    TestServer::start(api)
}

#[test]
fn run_dra_claims_a_mig_device_streams_its_uuid_and_cleans_up() {
    let server = quick_server();
    let r = run(&server, &["run", "--dra", "--profile", "1g.5gb"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "MIG 1g.5gb");
    assert_contains!(r.stdout, "(UUID: MIG-");
    assert_contains!(r.stderr, "requesting 1 × mig.nvidia.com/1g.5gb");
    assert_contains!(r.stderr, "resourceclaimtemplate/");
    nothing_left(&server);
}

#[test]
fn run_picks_dra_by_itself_when_only_dra_nodes_offer_the_profile() {
    let server = quick_server();
    let r = run(&server, &["run", "--profile", "2g.10gb"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "mig.nvidia.com/2g.10gb");
    assert_contains!(r.stdout, "MIG 2g.10gb");
    nothing_left(&server);
}

#[test]
fn run_dra_dry_run_prints_the_template_and_the_pod_kubectl_accepts() {
    let server = quick_server();
    let yaml = run(
        &server,
        &[
            "run",
            "--dra",
            "--profile",
            "1g.5gb",
            "--dry-run",
            "-o",
            "yaml",
        ],
    )
    .ok();
    assert_contains!(yaml, "kind: ResourceClaimTemplate");
    assert_contains!(yaml, "deviceClassName: mig.nvidia.com");
    assert_contains!(yaml, "resourceClaimTemplateName: mig-test-");
    if have_kubectl() {
        let r = kubectl_stdin(&server, &["apply", "--dry-run=server", "-f", "-"], &yaml);
        assert_ok!(r);
    }
    let offline = run_offline(&[
        "run",
        "--dra",
        "--strategy",
        "mixed",
        "--profile",
        "3g.20gb",
        "--dry-run",
        "-o",
        "json",
    ]);
    let list: Value = serde_json::from_str(&offline.ok()).unwrap();
    assert_eq!(list["items"][0]["kind"], "ResourceClaimTemplate");
    assert_eq!(list["items"][1]["spec"]["resourceClaims"][0]["name"], "mig");
    nothing_left(&server);
}

#[test]
fn sigint_during_run_dra_deletes_pod_claim_and_template() {
    let api = FakeApi::seeded_with_dra();
    api.set_kubelet_delays(Duration::from_secs(30), Duration::from_secs(30));
    let server = TestServer::start(api);
    let child = bin_for(&server)
        .args(["run", "--dra", "--profile", "1g.5gb"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the claim is allocated", || {
        server
            .api
            .list("resourceclaims")
            .iter()
            .any(|c| c["status"]["allocation"].is_object())
    });
    let kill = run_cmd(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert_ok!(kill);
    let r = Run::from(child.wait_with_output().unwrap());
    assert_exit!(r, 130);
    nothing_left(&server);
}

/// NVIDIA's DRA driver's kubelet plugin DaemonSet (as its helm chart names it) with a ready pod
/// on `node`, and the same for a device plugin when `device_plugin_too`.
fn add_daemons(server: &TestServer, node: &str, device_plugin_too: bool) {
    use serde_json::json;
    let ds = |name: &str, ns: &str, image: &str, label: &str| {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": label}},
                "template": {"metadata": {"labels": {"app": label}},
                    "spec": {"containers": [{"name": "gpus", "image": image}]}}},
            "status": {"desiredNumberScheduled": 1, "numberReady": 1, "currentNumberScheduled": 1, "numberMisscheduled": 0}})
    };
    let pod = |name: &str, ns: &str, label: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": label}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})
    };
    server.api.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dra-driver-nvidia-gpu"}}));
    server.api.insert(ds(
        "dra-driver-nvidia-gpu-kubelet-plugin",
        "dra-driver-nvidia-gpu",
        "registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v25.12.0",
        "dra",
    ));
    server
        .api
        .insert(pod("dra-kubelet-plugin-x1", "dra-driver-nvidia-gpu", "dra"));
    if device_plugin_too {
        server.api.insert(ds(
            "nvidia-device-plugin-daemonset",
            "kube-system",
            "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
            "dp",
        ));
        server
            .api
            .insert(pod("nvidia-device-plugin-x1", "kube-system", "dp"));
    }
}

#[test]
fn status_finds_the_dra_driver_and_a_device_plugin_on_the_same_node() {
    let server = server();
    server.api.delete(
        "daemonsets",
        Some("kube-system"),
        "nvidia-device-plugin-daemonset",
    );
    add_daemons(&server, STATIC, false);
    let report = run(&server, &["status", "-o", "json"]).json();
    let dra = named_by(&report["components"], "component", "dra-kubelet-plugin");
    assert_eq!(dra["version"], "v25.12.0");
    assert_eq!(report["draNodes"][0], STATIC);
    assert_eq!(
        report["draDeviceClasses"],
        serde_json::json!(["gpu.nvidia.com", "mig.nvidia.com", "vfio.gpu.nvidia.com"])
    );
    let codes = report["problems"].to_string();
    assert_lacks!(codes, "NO_DEVICE_PLUGIN");
    assert_lacks!(codes, "DRA_AND_DEVICE_PLUGIN");
    add_daemons(&server, STATIC, true);
    let report = run(&server, &["status", "-o", "json"]).json();
    assert_eq!(report["problems"][0]["code"], "DRA_AND_DEVICE_PLUGIN");
    let table = run(&server, &["status"]).ok();
    assert_contains!(
        table,
        "served through DRA (device classes: gpu.nvidia.com, mig.nvidia.com"
    );
}

fn named_by<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|v| v[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {list:#}"))
}

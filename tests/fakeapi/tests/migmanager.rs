//! The GPU Operator MIG manager simulation: label change → pending → success / failed, the
//! device plugin's resources and GFD's labels per strategy, the fault knobs, the manager's log.

mod common;

use common::*;
use fakeapi::{FakeApi, MigFault, MigManagerKnobs, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

const A100: &str = "dgx-a100-01";
const H100: &str = "hgx-h100-01";
const DEPLOY: [&str; 5] = [
    "nvidia.com/gpu.deploy.device-plugin",
    "nvidia.com/gpu.deploy.gpu-feature-discovery",
    "nvidia.com/gpu.deploy.dcgm-exporter",
    "nvidia.com/gpu.deploy.dcgm",
    "nvidia.com/gpu.deploy.nvsm",
];

fn server(delay_ms: u64) -> TestServer {
    let api = FakeApi::seeded();
    api.seed_mig_manager();
    api.set_mig_manager(MigManagerKnobs {
        delay: Some(Duration::from_millis(delay_ms)),
        ..Default::default()
    });
    TestServer::start(api)
}

fn label_node(s: &TestServer, node: &str, labels: Value) {
    let r = send_json(
        &s.url(),
        "PATCH",
        &format!("/api/v1/nodes/{node}"),
        "application/merge-patch+json",
        &json!({"metadata": {"labels": labels}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

fn labels(api: &FakeApi, node: &str) -> Value {
    api.get("nodes", None, node).unwrap()["metadata"]["labels"].clone()
}

fn state(api: &FakeApi, node: &str) -> String {
    labels(api, node)["nvidia.com/mig.config.state"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn wait_state(api: &FakeApi, node: &str, want: &str) -> Value {
    wait_for(Duration::from_secs(10), || {
        (state(api, node) == want).then(|| api.get("nodes", None, node).unwrap())
    })
    .unwrap_or_else(|| panic!("{node} never reached {want}: {}", state(api, node)))
}

fn alloc(node: &Value, r: &str) -> Option<String> {
    node["status"]["allocatable"][r].as_str().map(String::from)
}

#[test]
fn fixtures_look_like_an_operator_managed_cluster() {
    let api = FakeApi::seeded();
    api.seed_mig_manager();
    let n = api.get("nodes", None, A100).unwrap();
    let l = &n["metadata"]["labels"];
    assert_eq!(l["nvidia.com/mig.config"], "all-1g.5gb");
    assert_eq!(l["nvidia.com/mig.config.state"], "success");
    for k in DEPLOY {
        assert_eq!(l[k], "true", "{k}");
    }
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.5gb").as_deref(), Some("56"));
    let cp = api.get("clusterpolicies", None, "cluster-policy").unwrap();
    assert_eq!(cp["status"]["namespace"], "gpu-operator");
    let cm = api
        .get(
            "configmaps",
            Some("gpu-operator"),
            "default-mig-parted-config",
        )
        .unwrap();
    assert!(cm["data"]["config.yaml"]
        .as_str()
        .unwrap()
        .contains("all-balanced:"));
    let ds = api
        .get("daemonsets", Some("gpu-operator"), "nvidia-mig-manager")
        .unwrap();
    assert_eq!(
        ds["spec"]["template"]["spec"]["nodeSelector"]["nvidia.com/gpu.deploy.mig-manager"],
        "true"
    );
    let pods: Vec<Value> = api
        .list("pods")
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["app"] == "nvidia-mig-manager")
        .collect();
    assert_eq!(pods.len(), 2);
    let s = TestServer::start(api);
    let cps = get(&s.url(), "/apis/nvidia.com/v1/clusterpolicies").json();
    assert_eq!(cps["kind"], "ClusterPolicyList");
    assert_eq!(
        cps["items"][0]["kind"], "ClusterPolicy",
        "CRD list items keep their kind"
    );
}

#[test]
fn mixed_layout_change_goes_pending_then_success_with_new_resources() {
    let s = server(400);
    let api = &s.api;
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-balanced"}));
    let pending = wait_state(api, A100, "pending");
    let paused = wait_for(Duration::from_secs(5), || {
        let l = labels(api, A100);
        DEPLOY
            .iter()
            .all(|k| l[*k] == "paused-for-mig-change")
            .then_some(api.get("nodes", None, A100).unwrap())
    })
    .expect("GPU clients paused");
    assert_eq!(
        labels(api, A100)["nvidia.com/gpu.deploy.mig-manager"],
        "true",
        "not paused"
    );
    assert_eq!(
        alloc(&paused, "nvidia.com/mig-1g.5gb").as_deref(),
        Some("0")
    );
    assert_eq!(
        paused["status"]["capacity"]["nvidia.com/mig-1g.5gb"], "56",
        "capacity stays while the plugin is away"
    );
    drop(pending);
    let done = wait_state(api, A100, "success");
    let l = &done["metadata"]["labels"];
    for k in DEPLOY {
        assert_eq!(l[k], "true", "{k} restored");
    }
    // all-balanced on A100-40GB: 2 x 1g.5gb, 1 x 2g.10gb, 1 x 3g.20gb per GPU, 8 GPUs.
    assert_eq!(alloc(&done, "nvidia.com/mig-1g.5gb").as_deref(), Some("16"));
    assert_eq!(alloc(&done, "nvidia.com/mig-2g.10gb").as_deref(), Some("8"));
    assert_eq!(alloc(&done, "nvidia.com/mig-3g.20gb").as_deref(), Some("8"));
    assert_eq!(alloc(&done, "nvidia.com/gpu").as_deref(), Some("0"));
    assert_eq!(done["status"]["capacity"]["nvidia.com/mig-2g.10gb"], "8");
    assert_eq!(l["nvidia.com/mig-2g.10gb.count"], "8");
    assert_eq!(l["nvidia.com/mig-2g.10gb.memory"], "9856");
    assert_eq!(l["nvidia.com/mig-2g.10gb.multiprocessors"], "28");
    assert_eq!(l["nvidia.com/mig-2g.10gb.slices.gi"], "2");
    assert_eq!(l["nvidia.com/mig-3g.20gb.slices.ci"], "3");
    assert_eq!(
        l["nvidia.com/mig-1g.5gb.product"],
        "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"
    );
    assert_eq!(l["nvidia.com/gpu.product"], "NVIDIA-A100-SXM4-40GB");
    assert_eq!(l["nvidia.com/gpu.count"], "8");
    // Back to 7g.40gb: the vanished profiles stay at 0, as kubelet keeps them.
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-7g.40gb"}));
    let done = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, A100).unwrap();
        (state(api, A100) == "success"
            && alloc(&n, "nvidia.com/mig-7g.40gb").as_deref() == Some("8"))
        .then_some(n)
    })
    .expect("all-7g.40gb applied");
    assert_eq!(alloc(&done, "nvidia.com/mig-7g.40gb").as_deref(), Some("8"));
    assert_eq!(alloc(&done, "nvidia.com/mig-1g.5gb").as_deref(), Some("0"));
    assert_eq!(done["status"]["capacity"]["nvidia.com/mig-2g.10gb"], "0");
    assert!(done["metadata"]["labels"]
        .get("nvidia.com/mig-1g.5gb.count")
        .is_none());
    assert_eq!(
        done["metadata"]["labels"]["nvidia.com/mig-7g.40gb.memory"],
        "40192"
    );
    // The manager logs its last lines just after it reports success.
    let log = wait_for(Duration::from_secs(5), || {
        let log = api.mig_manager_log(A100)?;
        let tail = log
            .split("Successfully updated to MIG config: all-7g.40gb")
            .nth(1)?;
        tail.contains("Waiting for change to").then_some(log)
    })
    .expect("manager log");
    for line in [
        "level=info msg=\"Updating to MIG config: all-balanced\"",
        "msg=\"Current value of 'nvidia.com/gpu.deploy.device-plugin=true'\"",
        "msg=\"Shutting down all GPU clients in Kubernetes by disabling their component-specific nodeSelector labels\"",
        "msg=\"Changing the 'nvidia.com/mig.config.state' node label to 'success'\"",
        "msg=\"Successfully updated to MIG config: all-7g.40gb\"",
        "msg=\"Waiting for change to 'nvidia.com/mig.config' label\"",
    ] {
        assert!(log.contains(line), "{line} not in\n{log}");
    }
    // The same text through the pods/log endpoint.
    let pod = api
        .list("pods")
        .into_iter()
        .find(|p| {
            p["spec"]["nodeName"] == A100 && p["metadata"]["labels"]["app"] == "nvidia-mig-manager"
        })
        .unwrap();
    let served = get(
        &s.url(),
        &format!(
            "/api/v1/namespaces/gpu-operator/pods/{}/log?container=nvidia-mig-manager",
            pod["metadata"]["name"].as_str().unwrap()
        ),
    )
    .text();
    assert_eq!(served, log);
}

#[test]
fn single_strategy_single_profile_and_mig_invalid() {
    let s = server(100);
    let api = &s.api;
    label_node(&s, H100, json!({"nvidia.com/mig.strategy": "single"}));
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-3g.40gb"}));
    wait_state(api, H100, "pending");
    let done = wait_state(api, H100, "success");
    let l = &done["metadata"]["labels"];
    assert_eq!(alloc(&done, "nvidia.com/gpu").as_deref(), Some("16"));
    assert_eq!(
        l["nvidia.com/gpu.product"],
        "NVIDIA-H100-80GB-HBM3-MIG-3g.40gb"
    );
    assert_eq!(l["nvidia.com/gpu.count"], "16");
    assert_eq!(l["nvidia.com/gpu.memory"], "40448");
    assert_eq!(l["nvidia.com/gpu.multiprocessors"], "60");
    assert_eq!(l["nvidia.com/gpu.slices.gi"], "3");
    assert_eq!(alloc(&done, "nvidia.com/mig-1g.10gb").as_deref(), Some("0"));
    assert!(l.get("nvidia.com/mig-1g.10gb.count").is_none());
    // A mixed layout under the single strategy: GFD says MIG-INVALID, the plugin serves nothing.
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-balanced"}));
    let done = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, H100).unwrap();
        (state(api, H100) == "success"
            && n["metadata"]["labels"]["nvidia.com/gpu.product"]
                .as_str()
                .unwrap()
                .ends_with("-MIG-INVALID"))
        .then_some(n)
    })
    .expect("MIG-INVALID");
    let l = &done["metadata"]["labels"];
    assert_eq!(
        l["nvidia.com/gpu.product"],
        "NVIDIA-H100-80GB-HBM3-MIG-INVALID"
    );
    assert_eq!(l["nvidia.com/gpu.count"], "0");
    assert_eq!(l["nvidia.com/gpu.memory"], "0");
    assert_eq!(alloc(&done, "nvidia.com/gpu").as_deref(), Some("0"));
    // MIG off: whole GPUs.
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-disabled"}));
    let done = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, H100).unwrap();
        (state(api, H100) == "success" && alloc(&n, "nvidia.com/gpu").as_deref() == Some("8"))
            .then_some(n)
    })
    .expect("whole GPUs");
    assert_eq!(
        done["metadata"]["labels"]["nvidia.com/gpu.product"],
        "NVIDIA-H100-80GB-HBM3"
    );
    assert_eq!(done["metadata"]["labels"]["nvidia.com/gpu.memory"], "81559");
}

#[test]
fn unknown_layout_fails_without_pausing_anything() {
    let s = server(100);
    let api = &s.api;
    let (_, rv) = {
        let n = api.get("nodes", None, A100).unwrap();
        (
            (),
            n["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-9g.99gb"}));
    let n = wait_state(api, A100, "failed");
    for k in DEPLOY {
        assert_eq!(n["metadata"]["labels"][k], "true");
    }
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.5gb").as_deref(), Some("56"));
    let path =
        format!("/api/v1/nodes?watch=1&fieldSelector=metadata.name%3D{A100}&resourceVersion={rv}");
    let (_, events, _) = stream_lines(&s.url(), &path, 3, Duration::from_secs(2));
    let states: Vec<&str> = events
        .iter()
        .map(|e| {
            e["object"]["metadata"]["labels"]["nvidia.com/mig.config.state"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert!(!states.contains(&"pending"), "{states:?}");
    let log = api.mig_manager_log(A100).unwrap();
    assert!(
        log.contains("level=fatal msg=\"Error selecting MIG config: selected mig-config not present: all-9g.99gb\""),
        "{log}"
    );
    assert!(
        log.contains(
            "level=error msg=\"Error: failed to validate MIG configuration: exit status 1\""
        ),
        "{log}"
    );
}

#[test]
fn a_profile_the_gpu_lacks_fails_after_pending_and_restores_the_labels() {
    let s = server(100);
    let api = &s.api;
    // all-1g.5gb has no device-filter, but an H100 has no 1g.5gb profile.
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-1g.5gb"}));
    wait_state(api, H100, "pending");
    let n = wait_state(api, H100, "failed");
    for k in DEPLOY {
        assert_eq!(n["metadata"]["labels"][k], "true");
    }
    assert_eq!(
        alloc(&n, "nvidia.com/mig-1g.10gb").as_deref(),
        Some("56"),
        "unchanged"
    );
}

#[test]
fn a_layout_filtered_away_from_the_gpu_succeeds_and_changes_nothing() {
    let s = server(100);
    let api = &s.api;
    // all-1g.35gb only has entries for H200 and GB300: mig-parted walks no GPU of this node.
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-1g.35gb"}));
    wait_state(api, H100, "pending");
    let n = wait_state(api, H100, "success");
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.10gb").as_deref(), Some("56"));
    assert!(alloc(&n, "nvidia.com/mig-1g.35gb").is_none());
}

#[test]
fn wedge_leaves_pending_and_paused() {
    let s = server(100);
    let api = &s.api;
    api.set_mig_manager_for_node(
        A100,
        MigManagerKnobs {
            fault: Some(MigFault::Wedge),
            ..Default::default()
        },
    );
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-balanced"}));
    wait_state(api, A100, "pending");
    let log = wait_for(Duration::from_secs(5), || {
        api.mig_manager_log(A100)
            .filter(|l| l.contains("failed to wait for pods to be deleted"))
    })
    .expect("the manager gives up");
    assert!(
        log.trim_end()
            .ends_with("msg=\"Waiting for change to 'nvidia.com/mig.config' label\""),
        "{log}"
    );
    std::thread::sleep(Duration::from_millis(400));
    let n = api.get("nodes", None, A100).unwrap();
    assert_eq!(state(api, A100), "pending");
    for k in DEPLOY {
        assert_eq!(n["metadata"]["labels"][k], "paused-for-mig-change", "{k}");
    }
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.5gb").as_deref(), Some("0"));
    // Other nodes are not affected.
    label_node(&s, H100, json!({"nvidia.com/mig.config": "all-7g.80gb"}));
    let h = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, H100).unwrap();
        (state(api, H100) == "success" && alloc(&n, "nvidia.com/mig-7g.80gb").is_some())
            .then_some(n)
    })
    .expect("H100 reconfigured");
    assert_eq!(alloc(&h, "nvidia.com/mig-7g.80gb").as_deref(), Some("8"));
}

#[test]
fn fail_knob_ends_failed_and_a_second_failure_keeps_labels_paused() {
    let s = server(100);
    let api = &s.api;
    api.set_mig_manager_for_node(
        A100,
        MigManagerKnobs {
            fault: Some(MigFault::Fail),
            ..Default::default()
        },
    );
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-balanced"}));
    wait_state(api, A100, "pending");
    let n = wait_state(api, A100, "failed");
    for k in DEPLOY {
        assert_eq!(
            n["metadata"]["labels"][k], "true",
            "{k} restored by setState"
        );
    }
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.5gb").as_deref(), Some("56"));
    // Once a run of this manager process succeeded, its package-level NoRestartK8sDaemonsetsOnExit
    // stays true: a later failure no longer restores the paused labels.
    api.set_mig_manager_for_node(A100, MigManagerKnobs::default());
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-2g.10gb"}));
    wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, A100).unwrap();
        (state(api, A100) == "success"
            && alloc(&n, "nvidia.com/mig-2g.10gb").as_deref() == Some("24"))
        .then_some(())
    })
    .expect("all-2g.10gb applied");
    api.set_mig_manager_for_node(
        A100,
        MigManagerKnobs {
            fault: Some(MigFault::Fail),
            ..Default::default()
        },
    );
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-3g.20gb"}));
    wait_state(api, A100, "pending");
    let n = wait_state(api, A100, "failed");
    for k in DEPLOY {
        assert_eq!(n["metadata"]["labels"][k], "paused-for-mig-change", "{k}");
    }
}

#[test]
fn watch_sees_the_state_transitions() {
    let s = server(300);
    let api = &s.api;
    let rv = api.get("nodes", None, A100).unwrap()["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-1g.10gb"}));
    wait_state(api, A100, "success");
    let path =
        format!("/api/v1/nodes?watch=1&fieldSelector=metadata.name%3D{A100}&resourceVersion={rv}");
    let (code, events, _) = stream_lines(&s.url(), &path, 100, Duration::from_secs(2));
    assert_eq!(code, 200);
    let mut seen: Vec<(String, String)> = Vec::new();
    for e in &events {
        assert_eq!(e["type"], "MODIFIED");
        let l = &e["object"]["metadata"]["labels"];
        let step = (
            l["nvidia.com/mig.config.state"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            l["nvidia.com/gpu.deploy.device-plugin"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
        if seen.last() != Some(&step) {
            seen.push(step);
        }
    }
    let want: Vec<(String, String)> = [
        ("success", "true"),
        ("pending", "true"),
        ("pending", "paused-for-mig-change"),
        ("pending", "true"),
        ("success", "true"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(seen, want);
    let last = &events.last().unwrap()["object"];
    assert_eq!(
        last["status"]["allocatable"]["nvidia.com/mig-1g.10gb"],
        "32"
    );
}

#[test]
fn per_node_generated_config_and_custom_config() {
    let s = server(50);
    let api = &s.api;
    api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("{A100}-mig-config"), "namespace": "gpu-operator",
            "labels": {"app.kubernetes.io/component": "nvidia-mig-manager", "nvidia.com/node-name": A100}},
        "data": {"config.yaml": "# DO NOT EDIT: Auto-generated MIG configuration from GPU hardware.\nversion: v1\nmig-configs:\n  all-disabled:\n  - devices: all\n    mig-enabled: false\n  two-halves:\n  - devices: all\n    mig-enabled: true\n    mig-devices:\n      3g.20gb: 2\n"}}));
    label_node(&s, A100, json!({"nvidia.com/mig.config": "two-halves"}));
    let n = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, A100).unwrap();
        (state(api, A100) == "success"
            && alloc(&n, "nvidia.com/mig-3g.20gb").as_deref() == Some("16"))
        .then_some(n)
    })
    .expect("the node's generated layouts are used");
    assert_eq!(alloc(&n, "nvidia.com/mig-1g.5gb").as_deref(), Some("0"));
    // all-balanced is not in the generated file.
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-balanced"}));
    wait_state(api, A100, "failed");
    // A custom config named in the ClusterPolicy wins over everything.
    api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "custom-mig-config", "namespace": "gpu-operator"},
        "data": {"config.yaml": "version: v1\nmig-configs:\n  all-balanced:\n  - devices: [0, 1]\n    mig-enabled: true\n    mig-devices:\n      7g.40gb: 1\n"}}));
    let mut cp = api.get("clusterpolicies", None, "cluster-policy").unwrap();
    cp["spec"]["migManager"]["config"]["name"] = json!("custom-mig-config");
    api.insert(cp);
    label_node(&s, A100, json!({"nvidia.com/mig.config": "other"}));
    wait_state(api, A100, "failed");
    label_node(&s, A100, json!({"nvidia.com/mig.config": "all-balanced"}));
    let n = wait_for(Duration::from_secs(10), || {
        let n = api.get("nodes", None, A100).unwrap();
        (state(api, A100) == "success"
            && alloc(&n, "nvidia.com/mig-7g.40gb").as_deref() == Some("2"))
        .then_some(n)
    })
    .expect("GPUs 0 and 1 get 7g.40gb, the others keep 2 x 3g.20gb");
    assert_eq!(alloc(&n, "nvidia.com/mig-3g.20gb").as_deref(), Some("12"));
}

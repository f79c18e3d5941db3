//! The fake scheduler and kubelet: placement, failure messages, lifecycle, events and logs.

mod common;

use common::*;
use fakeapi::{FakeApi, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

fn fast(api: FakeApi) -> TestServer {
    api.set_kubelet_delays(Duration::from_millis(20), Duration::from_millis(50));
    TestServer::start(api)
}

fn gpu_pod(name: &str, resource: &str, n: u32, extra: Value) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04",
            "command": ["nvidia-smi", "-L"], "resources": {"limits": {resource: n.to_string()}}}],
            "tolerations": [{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}});
    fakeapi_merge(&mut pod, &extra);
    pod
}

fn fakeapi_merge(t: &mut Value, p: &Value) {
    if let (Some(tm), Some(pm)) = (t.as_object_mut(), p.as_object()) {
        for (k, v) in pm {
            match tm.get_mut(k) {
                Some(x) if x.is_object() && v.is_object() => fakeapi_merge(x, v),
                _ => {
                    tm.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn create(s: &TestServer, ns: &str, pod: &Value) {
    let r = send_json(
        &s.url(),
        "POST",
        &format!("/api/v1/namespaces/{ns}/pods"),
        "application/json",
        pod,
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

fn phase(api: &FakeApi, ns: &str, name: &str) -> Option<String> {
    api.get("pods", Some(ns), name)?
        .pointer("/status/phase")?
        .as_str()
        .map(String::from)
}

fn wait_phase(api: &FakeApi, ns: &str, name: &str, want: &str) -> Value {
    wait_for(Duration::from_secs(10), || {
        (phase(api, ns, name).as_deref() == Some(want))
            .then(|| api.get("pods", Some(ns), name).unwrap())
    })
    .unwrap_or_else(|| {
        panic!(
            "{name} never reached {want}: {:?}",
            api.get("pods", Some(ns), name)
        )
    })
}

fn unschedulable_message(api: &FakeApi, ns: &str, name: &str) -> String {
    wait_for(Duration::from_secs(10), || {
        let p = api.get("pods", Some(ns), name)?;
        let c = p["status"]["conditions"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")?
            .clone();
        c["message"].as_str().map(String::from)
    })
    .expect("PodScheduled=False")
}

#[test]
fn mig_pod_is_bound_runs_and_prints_its_devices() {
    let api = FakeApi::seeded();
    let s = fast(api.clone());
    create(
        &s,
        "gpu-tests",
        &gpu_pod("smi", "nvidia.com/mig-1g.5gb", 2, json!({})),
    );
    let pod = wait_phase(&api, "gpu-tests", "smi", "Succeeded");
    assert_eq!(pod["spec"]["nodeName"], "aks-a100mixed-27591046-vmss000000");
    let st = &pod["status"]["containerStatuses"][0];
    assert_eq!(st["state"]["terminated"]["exitCode"], 0);
    assert_eq!(st["state"]["terminated"]["reason"], "Completed");
    let ready = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap()
        .clone();
    assert_eq!(ready["status"], "False");
    let log = get(&s.url(), "/api/v1/namespaces/gpu-tests/pods/smi/log").text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].starts_with("GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-"),
        "{log}"
    );
    assert!(
        lines[1].starts_with("  MIG 1g.5gb      Device  0: (UUID: MIG-"),
        "{log}"
    );
    assert!(
        lines[2].starts_with("  MIG 1g.5gb      Device  1: (UUID: MIG-"),
        "{log}"
    );
    let events = get(
        &s.url(),
        "/api/v1/namespaces/gpu-tests/events?fieldSelector=involvedObject.name%3Dsmi",
    )
    .json();
    let reasons: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    for r in ["Scheduled", "Pulled", "Created", "Started"] {
        assert!(reasons.contains(&r), "{reasons:?}");
    }
    let scheduled = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "Scheduled")
        .unwrap()
        .clone();
    assert_eq!(scheduled["source"]["component"], "default-scheduler");
    assert_eq!(
        scheduled["message"],
        "Successfully assigned gpu-tests/smi to aks-a100mixed-27591046-vmss000000"
    );
}

#[test]
fn single_strategy_pods_get_mig_devices_from_the_product_label() {
    let api = FakeApi::seeded();
    let s = fast(api.clone());
    let pod = gpu_pod(
        "single",
        "nvidia.com/gpu",
        1,
        json!({"spec": {"nodeSelector": {"nvidia.com/mig.strategy": "single"}}}),
    );
    create(&s, "gpu-tests", &pod);
    let p = wait_phase(&api, "gpu-tests", "single", "Succeeded");
    assert!(p["spec"]["nodeName"]
        .as_str()
        .unwrap()
        .starts_with("aks-a100single-"));
    let log = get(&s.url(), "/api/v1/namespaces/gpu-tests/pods/single/log").text();
    assert!(log.contains("  MIG 1g.5gb      Device  0:"), "{log}");
}

#[test]
fn failure_messages_read_like_the_real_scheduler() {
    let api = FakeApi::seeded();
    let s = fast(api.clone());
    let pod = gpu_pod(
        "big",
        "nvidia.com/mig-1g.5gb",
        30,
        json!({"spec": {"nodeSelector": {"nvidia.com/mig.strategy": "mixed"}}}),
    );
    create(&s, "gpu-tests", &pod);
    assert_eq!(
        unschedulable_message(&api, "gpu-tests", "big"),
        "0/8 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 3 Insufficient nvidia.com/mig-1g.5gb, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/8 nodes are available: 3 No preemption victims found for incoming pod, 5 Preemption is not helpful for scheduling."
    );
    let mut untolerated = gpu_pod("notol", "nvidia.com/mig-1g.5gb", 1, json!({}));
    untolerated["spec"]
        .as_object_mut()
        .unwrap()
        .remove("tolerations");
    create(&s, "gpu-tests", &untolerated);
    let msg = unschedulable_message(&api, "gpu-tests", "notol");
    assert!(msg.starts_with("0/8 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 Insufficient nvidia.com/mig-1g.5gb, 5 node(s) had untolerated taint {sku: gpu}."), "{msg}");
    let affinity = gpu_pod(
        "aff",
        "nvidia.com/mig-3g.20gb",
        1,
        json!({"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.azure.com/agentpool", "operator": "In", "values": ["a100x80"]}]}]}}}}}),
    );
    create(&s, "gpu-tests", &affinity);
    let msg = unschedulable_message(&api, "gpu-tests", "aff");
    assert!(msg.starts_with("0/8 nodes are available: 1 Insufficient nvidia.com/mig-3g.20gb, 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 6 node(s) didn't match Pod's node affinity/selector."), "{msg}");
    let events = get(&s.url(), "/api/v1/namespaces/gpu-tests/events?fieldSelector=reason%3DFailedScheduling,involvedObject.name%3Dbig").json();
    let e = &events["items"][0];
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["source"]["component"], "default-scheduler");
    assert_eq!(e["involvedObject"]["kind"], "Pod");
    assert_eq!(phase(&api, "gpu-tests", "big").as_deref(), Some("Pending"));
}

#[test]
fn capacity_counts_init_sidecar_and_ignores_finished_pods() {
    let api = FakeApi::seeded();
    let s = fast(api.clone());
    // a100mixed: 28 × 1g.5gb, 3 in use (init max rule for infer-llama-0 + notebook-bob); the
    // Succeeded batch pod's 4 do not count, so exactly 25 fit.
    let fill = gpu_pod(
        "fill",
        "nvidia.com/mig-1g.5gb",
        25,
        json!({"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"], "resources": {"limits": {"nvidia.com/mig-1g.5gb": "25"}}}]}}),
    );
    create(&s, "gpu-tests", &fill);
    let p = wait_phase(&api, "gpu-tests", "fill", "Running");
    assert_eq!(p["spec"]["nodeName"], "aks-a100mixed-27591046-vmss000000");
    create(
        &s,
        "gpu-tests",
        &gpu_pod("one-more", "nvidia.com/mig-1g.5gb", 1, json!({})),
    );
    let msg = unschedulable_message(&api, "gpu-tests", "one-more");
    assert!(
        msg.contains(" 7 Insufficient nvidia.com/mig-1g.5gb."),
        "{msg}"
    );
    // Deleting the filler lets the pending pod in.
    assert_eq!(
        request(
            &s.url(),
            "DELETE",
            "/api/v1/namespaces/gpu-tests/pods/fill",
            &[],
            b""
        )
        .status,
        200
    );
    let p = wait_phase(&api, "gpu-tests", "one-more", "Succeeded");
    assert_eq!(p["spec"]["nodeName"], "aks-a100mixed-27591046-vmss000000");
}

#[test]
fn exit_codes_echo_and_follow() {
    let api = FakeApi::seeded();
    let s = fast(api.clone());
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sh"}, "spec": {"restartPolicy": "Never",
        "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sh", "-c"], "args": ["echo hello; sleep 1; exit 3"]}]}});
    create(&s, "default", &pod);
    wait_phase(&api, "default", "sh", "Running");
    let started = std::time::Instant::now();
    let r = get(
        &s.url(),
        "/api/v1/namespaces/default/pods/sh/log?follow=true",
    );
    assert_eq!(r.text(), "hello\n");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "follow waits for the container to end"
    );
    let p = wait_phase(&api, "default", "sh", "Failed");
    let t = &p["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(t["exitCode"], 3);
    assert_eq!(t["reason"], "Error");
    assert!(p["spec"]["nodeName"]
        .as_str()
        .unwrap()
        .starts_with("aks-nodepool1-"));
}

#[test]
fn logs_before_start_are_a_bad_request() {
    let api = FakeApi::seeded();
    api.set_scheduler_enabled(false);
    let s = fast(api.clone());
    let mut pod = gpu_pod("early", "nvidia.com/mig-1g.5gb", 1, json!({}));
    pod["spec"]["nodeName"] = json!("aks-a100mixed-27591046-vmss000000");
    create(&s, "gpu-tests", &pod);
    let r = get(&s.url(), "/api/v1/namespaces/gpu-tests/pods/early/log");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "container \"c\" in pod \"early\" is waiting to start: ContainerCreating"
    );
    let r = get(
        &s.url(),
        "/api/v1/namespaces/gpu-tests/pods/early/log?container=nope",
    );
    assert_eq!(r.status, 400);
    api.set_scheduler_enabled(true);
    wait_phase(&api, "gpu-tests", "early", "Succeeded");
}

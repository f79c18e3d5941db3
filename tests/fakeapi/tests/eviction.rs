//! Evictions and PodDisruptionBudgets: the eviction subresource, the disruption controller's
//! PDB status, and `kubectl drain` / `cordon` / `uncordon` with the real kubectl.

mod common;

use common::*;
use fakeapi::{FakeApi, TestServer};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;

const NODE: &str = "aks-nodepool1-19472630-vmss000000";

fn ready_pod(
    ns: &str,
    name: &str,
    node: &str,
    labels: Value,
    owner: Option<(&str, &str)>,
) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx:1.27"}],
            "volumes": [{"name": "scratch", "emptyDir": {}}]},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "nginx:1.27",
                "imageID": "", "started": true, "state": {"running": {"startedAt": "2026-11-03T09:15:00Z"}}}]}});
    if let Some((kind, owner)) = owner {
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": owner,
            "uid": format!("uid-{owner}"), "controller": true, "blockOwnerDeletion": true}]);
    }
    pod
}

fn pdb(ns: &str, name: &str, app: &str, budget: Value) -> Value {
    let mut p = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app": app}}}});
    for (k, v) in budget.as_object().unwrap() {
        p["spec"][k] = v.clone();
    }
    p
}

fn create_pdb(s: &TestServer, p: &Value) {
    let ns = p["metadata"]["namespace"].as_str().unwrap();
    let r = send_json(
        &s.url(),
        "POST",
        &format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"),
        "application/json",
        p,
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

fn evict(s: &TestServer, ns: &str, name: &str, extra: Value) -> Resp {
    let mut body = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": ns}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    send_json(
        &s.url(),
        "POST",
        &format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"),
        "application/json",
        &body,
    )
}

fn pdb_status(api: &FakeApi, ns: &str, name: &str) -> Value {
    api.get("poddisruptionbudgets", Some(ns), name).unwrap()["status"].clone()
}

/// Waits until the PDB's status has been computed (observedGeneration set) and returns it.
fn synced_status(api: &FakeApi, ns: &str, name: &str) -> Value {
    wait_for(Duration::from_secs(5), || {
        let st = pdb_status(api, ns, name);
        st.get("observedGeneration").is_some().then_some(st)
    })
    .expect("the disruption controller computes the PDB status")
}

/// `n` ready pods `web-<i>` of ReplicaSet `web-5d4f8` (which is stored too) on `NODE`.
fn web(api: &FakeApi, n: usize) {
    api.insert(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-5d4f8", "namespace": "ml", "uid": "uid-web-5d4f8"},
        "spec": {"replicas": n, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}));
    for i in 0..n {
        api.insert(ready_pod(
            "ml",
            &format!("web-{i}"),
            NODE,
            json!({"app": "web"}),
            Some(("ReplicaSet", "web-5d4f8")),
        ));
    }
}

#[test]
fn eviction_is_allowed_then_blocked_by_the_budget() {
    let api = FakeApi::seeded();
    web(&api, 2);
    let s = TestServer::start(api.clone());
    create_pdb(&s, &pdb("ml", "web-pdb", "web", json!({"minAvailable": 1})));
    let st = synced_status(&api, "ml", "web-pdb");
    assert_eq!(st["currentHealthy"], 2);
    assert_eq!(st["desiredHealthy"], 1);
    assert_eq!(st["expectedPods"], 2);
    assert_eq!(st["disruptionsAllowed"], 1);
    let r = evict(&s, "ml", "web-0", json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["status"], "Success");
    assert!(api.get("pods", Some("ml"), "web-0").is_none());
    let r = evict(&s, "ml", "web-1", json!({}));
    assert_eq!(r.status, 429, "{}", r.text());
    let v = r.json();
    assert_eq!(v["reason"], "TooManyRequests");
    assert_eq!(
        v["message"],
        "Cannot evict pod as it would violate the pod's disruption budget."
    );
    assert_eq!(v["details"]["causes"][0]["reason"], "DisruptionBudget");
    assert_eq!(
        v["details"]["causes"][0]["message"],
        "The disruption budget web-pdb needs 1 healthy pods and has 1 currently"
    );
    assert!(api.get("pods", Some("ml"), "web-1").is_some());
    let st = wait_for(Duration::from_secs(5), || {
        let st = pdb_status(&api, "ml", "web-pdb");
        (st["currentHealthy"] == 1 && st.get("disruptedPods").is_none()).then_some(st)
    })
    .expect("the controller forgets the evicted pod once it is gone");
    assert_eq!(st["disruptionsAllowed"], 0);
    let cond = &st["conditions"][0];
    assert_eq!(cond["type"], "DisruptionAllowed");
    assert_eq!(cond["status"], "False");
    assert_eq!(cond["reason"], "InsufficientPods");
}

#[test]
fn dry_run_evictions_change_nothing() {
    let api = FakeApi::seeded();
    web(&api, 2);
    let s = TestServer::start(api.clone());
    create_pdb(
        &s,
        &pdb("ml", "web-pdb", "web", json!({"maxUnavailable": 1})),
    );
    synced_status(&api, "ml", "web-pdb");
    let st = wait_for(Duration::from_secs(5), || {
        let st = pdb_status(&api, "ml", "web-pdb");
        (st["expectedPods"] == 2).then_some(st)
    })
    .expect("expectedPods from the ReplicaSet's scale");
    assert_eq!(st["desiredHealthy"], 1);
    assert_eq!(st["disruptionsAllowed"], 1);
    let rv = api
        .get("poddisruptionbudgets", Some("ml"), "web-pdb")
        .unwrap()["metadata"]["resourceVersion"]
        .clone();
    let r = evict(
        &s,
        "ml",
        "web-0",
        json!({"deleteOptions": {"dryRun": ["All"]}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let r = send_json(
        &s.url(),
        "POST",
        "/api/v1/namespaces/ml/pods/web-1/eviction?dryRun=All",
        "application/json",
        &json!({"apiVersion": "policy/v1beta1", "kind": "Eviction", "metadata": {"name": "web-1"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(api.get("pods", Some("ml"), "web-0").is_some());
    assert!(api.get("pods", Some("ml"), "web-1").is_some());
    let after = api
        .get("poddisruptionbudgets", Some("ml"), "web-pdb")
        .unwrap();
    assert_eq!(after["metadata"]["resourceVersion"], rv);
    assert_eq!(after["status"]["disruptionsAllowed"], 1);
    let r = send_json(
        &s.url(),
        "POST",
        "/api/v1/namespaces/ml/pods/web-1/eviction?dryRun=All",
        "application/json",
        &json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web-1"},
            "deleteOptions": {"dryRun": []}}),
    );
    assert_eq!(r.status, 201, "an empty body dryRun takes the query's");
    assert!(api.get("pods", Some("ml"), "web-1").is_some());
}

#[test]
fn eviction_errors_and_pods_that_skip_the_budget() {
    let api = FakeApi::seeded();
    web(&api, 1);
    let mut done = ready_pod("ml", "web-done", NODE, json!({"app": "web"}), None);
    done["status"]["phase"] = json!("Succeeded");
    api.insert(done);
    let s = TestServer::start(api.clone());
    create_pdb(
        &s,
        &pdb("ml", "web-pdb", "web", json!({"minAvailable": "100%"})),
    );
    wait_for(Duration::from_secs(5), || {
        (pdb_status(&api, "ml", "web-pdb")["expectedPods"] == 1).then_some(())
    })
    .expect("synced");
    // A finished pod is deleted without a budget check.
    let r = evict(&s, "ml", "web-done", json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(api.get("pods", Some("ml"), "web-done").is_none());
    // The running one is protected.
    let r = evict(&s, "ml", "web-0", json!({}));
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(
        r.json()["details"]["causes"][0]["message"],
        "The disruption budget web-pdb needs 1 healthy pods and has 1 currently"
    );
    // Two budgets: the eviction subresource gives up.
    create_pdb(
        &s,
        &pdb("ml", "web-pdb2", "web", json!({"maxUnavailable": 1})),
    );
    let r = evict(&s, "ml", "web-0", json!({}));
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(
        r.json()["message"],
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    );
    // Names, preconditions, missing pods.
    let r = send_json(
        &s.url(),
        "POST",
        "/api/v1/namespaces/ml/pods/web-0/eviction",
        "application/json",
        &json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "name in URL does not match name in Eviction object"
    );
    let r = evict(&s, "ml", "nope", json!({}));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "pods \"nope\" not found");
    let r = evict(
        &s,
        "ml",
        "notebook-bob",
        json!({"deleteOptions": {"preconditions": {"uid": "not-the-uid"}}}),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Operation cannot be fulfilled on pods \"notebook-bob\": Precondition failed: UID in precondition: not-the-uid"));
    assert!(api.get("pods", Some("ml"), "notebook-bob").is_some());
}

#[test]
fn discovery_and_tables() {
    let api = FakeApi::seeded();
    web(&api, 3);
    let s = TestServer::start(api.clone());
    let v1 = get(&s.url(), "/api/v1").json();
    let ev = v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/eviction")
        .expect("pods/eviction")
        .clone();
    assert_eq!(ev["kind"], "Eviction");
    assert_eq!(ev["group"], "policy");
    assert_eq!(ev["version"], "v1");
    assert_eq!(ev["verbs"], json!(["create"]));
    let policy = get(&s.url(), "/apis/policy/v1").json();
    let pdbs = policy["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "poddisruptionbudgets")
        .unwrap()
        .clone();
    assert_eq!(pdbs["shortNames"], json!(["pdb"]));
    assert_eq!(pdbs["namespaced"], true);
    create_pdb(
        &s,
        &pdb("ml", "web-pdb", "web", json!({"minAvailable": "50%"})),
    );
    let bad = send_json(
        &s.url(),
        "POST",
        "/apis/policy/v1/namespaces/ml/poddisruptionbudgets",
        "application/json",
        &pdb(
            "ml",
            "both",
            "web",
            json!({"minAvailable": 1, "maxUnavailable": 1}),
        ),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    wait_for(Duration::from_secs(5), || {
        (pdb_status(&api, "ml", "web-pdb")["disruptionsAllowed"] == 1).then_some(())
    })
    .expect("3 pods, 50% (2) must stay: 1 allowed");
    let t = request(
        &s.url(),
        "GET",
        "/apis/policy/v1/namespaces/ml/poddisruptionbudgets",
        &[("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
        b"",
    )
    .json();
    let names: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Name",
            "Min Available",
            "Max Unavailable",
            "Allowed Disruptions",
            "Age"
        ]
    );
    let cells = &t["rows"][0]["cells"];
    assert_eq!(cells[0], "web-pdb");
    assert_eq!(cells[1], "50%");
    assert_eq!(cells[2], "N/A");
    assert_eq!(cells[3], 1);
}

// ---- real kubectl ----

fn kubectl_on_path() -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()));
    if !found {
        eprintln!("note: kubectl is not on PATH; skipping real-kubectl test");
    }
    found
}

fn kc(s: &TestServer, args: &[&str]) -> (bool, String, String) {
    let mut c: Command = s.kubectl();
    c.args(args);
    let out = c.stdin(Stdio::null()).output().expect("run kubectl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn kubectl_cordon_and_uncordon() {
    if !kubectl_on_path() {
        return;
    }
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    let (ok, out, err) = kc(&s, &["cordon", NODE]);
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("node/{NODE} cordoned")), "{out}");
    assert_eq!(
        api.get("nodes", None, NODE).unwrap()["spec"]["unschedulable"],
        true
    );
    let (_, out, _) = kc(&s, &["get", "node", NODE]);
    assert!(out.contains("Ready,SchedulingDisabled"), "{out}");
    let (ok, out, err) = kc(&s, &["uncordon", NODE]);
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("node/{NODE} uncordoned")), "{out}");
    assert!(api.get("nodes", None, NODE).unwrap()["spec"]
        .get("unschedulable")
        .is_none_or(|u| u != true));
}

#[test]
fn kubectl_drain_evicts_and_is_blocked_by_a_budget() {
    if !kubectl_on_path() {
        return;
    }
    let api = FakeApi::seeded();
    web(&api, 2);
    let s = TestServer::start(api.clone());
    create_pdb(&s, &pdb("ml", "web-pdb", "web", json!({"minAvailable": 2})));
    synced_status(&api, "ml", "web-pdb");
    let (_, out, _) = kc(&s, &["get", "pdb", "-n", "ml"]);
    assert!(out.starts_with("NAME"), "{out}");
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["web-pdb", "2", "N/A", "0", "0s"]
            || l.starts_with("web-pdb") && l.contains(" N/A ")),
        "{out}"
    );
    let (ok, out, err) = kc(
        &s,
        &[
            "drain",
            NODE,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout",
            "3s",
        ],
    );
    assert!(!ok, "drain must fail: {out}{err}");
    assert!(out.contains(&format!("node/{NODE} cordoned")), "{out}");
    assert!(
        err.contains("error when evicting pods/\"web-0\" -n \"ml\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."),
        "{err}"
    );
    assert!(err.contains("global timeout reached: 3s"), "{err}");
    assert!(api.get("pods", Some("ml"), "web-0").is_some());
    assert!(
        api.get("pods", Some("kube-system"), "coredns-6f776c8fb5-k7x2p")
            .is_none(),
        "coredns has no budget and is evicted"
    );
    // Without the budget the drain completes; the DaemonSet pod stays.
    api.delete("poddisruptionbudgets", Some("ml"), "web-pdb");
    let (ok, out, err) = kc(
        &s,
        &[
            "drain",
            NODE,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout",
            "20s",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("evicting pod ml/web-0") || err.contains("evicting pod ml/web-0"),
        "{out}{err}"
    );
    assert!(out.contains(&format!("node/{NODE} drained")), "{out}");
    assert!(api.get("pods", Some("ml"), "web-0").is_none());
    assert!(api.get("pods", Some("ml"), "web-1").is_none());
    assert!(api
        .get("pods", Some("kube-system"), "kube-proxy-f677d")
        .is_some());
    assert!(api
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/api/v1/namespaces/ml/pods/web-0/eviction"));
}

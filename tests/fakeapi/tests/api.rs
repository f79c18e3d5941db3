//! HTTP-level tests of the fake API: discovery, selectors, paging, faults, auth, CRUD, patches,
//! server-side apply, dry runs, validation and watches.

mod common;

use common::*;
use fakeapi::{FakeApi, Faults, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn discovery_documents() {
    let s = TestServer::start(FakeApi::new());
    let v = get(&s.url(), "/version").json();
    assert!(v["gitVersion"].as_str().unwrap().starts_with("v1.32."));
    let core = get(&s.url(), "/api/v1").json();
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap()
        .clone();
    assert_eq!(pods["shortNames"], json!(["po"]));
    assert_eq!(pods["kind"], "Pod");
    assert!(core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "pods/log"));
    let apps = get(&s.url(), "/apis/apps/v1").json();
    assert!(apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "daemonsets" && r["shortNames"] == json!(["ds"])));
    let nfd = get(&s.url(), "/apis/nfd.k8s-sigs.io/v1alpha1").json();
    let nfr = nfd["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "nodefeaturerules")
        .unwrap()
        .clone();
    assert_eq!(nfr["namespaced"], false);
    let groups = get(&s.url(), "/apis").json();
    assert_eq!(groups["kind"], "APIGroupList");
    let missing = get(&s.url(), "/apis/nope/v1");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["kind"], "Status");
    let agg = request(
        &s.url(),
        "GET",
        "/apis",
        &[(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )],
        b"",
    );
    assert_eq!(agg.json()["kind"], "APIGroupDiscoveryList");
}

#[test]
fn label_and_field_selectors() {
    let s = TestServer::start(FakeApi::seeded());
    let u = s.url();
    let l = get(
        &u,
        "/api/v1/namespaces/ml/pods?labelSelector=app%20in%20(jupyter),user!=alice",
    )
    .json();
    assert_eq!(names(&l), vec!["notebook-bob"]);
    let l = get(&u, "/api/v1/pods?labelSelector=!app,component=kube-proxy").json();
    assert_eq!(names(&l).len(), 8);
    let l = get(&u, "/api/v1/pods?fieldSelector=spec.nodeName%3Daks-a100mixed-27591046-vmss000000,status.phase!%3DSucceeded").json();
    let mut n = names(&l);
    n.sort();
    assert_eq!(n.len(), 4, "{n:?}");
    assert!(!n.contains(&"batch-embed-28fj3".to_string()));
    let l = get(&u, "/api/v1/nodes?labelSelector=nvidia.com/mig.strategy%20notin%20(single,mixed),nvidia.com/gpu.present").json();
    assert_eq!(names(&l), vec!["aks-h100whole-83726154-vmss000000"]);
    let bad = get(&u, "/api/v1/pods?fieldSelector=spec.foo%3D1");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["message"], "field label not supported: spec.foo");
    assert_eq!(l["kind"], "NodeList");
    assert!(l["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
}

#[test]
fn paging_with_continue_and_remaining_count() {
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    let mut all = Vec::new();
    let mut path = "/api/v1/pods?limit=5".to_string();
    let total = api.list("pods").len();
    let mut first = true;
    loop {
        let page = get(&s.url(), &path).json();
        if first {
            assert_eq!(page["metadata"]["remainingItemCount"], json!(total - 5));
            first = false;
        }
        for i in page["items"].as_array().unwrap() {
            all.push((
                i["metadata"]["namespace"].as_str().unwrap().to_string(),
                i["metadata"]["name"].as_str().unwrap().to_string(),
            ));
        }
        match page["metadata"]["continue"].as_str() {
            Some(c) => path = format!("/api/v1/pods?limit=5&continue={c}"),
            None => break,
        }
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    assert_eq!(all.len(), total);

    api.set_faults(Faults {
        expire_continue_tokens: true,
        max_page_size: Some(2),
        ..Faults::default()
    });
    let page = get(&s.url(), "/api/v1/pods?limit=10").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let c = page["metadata"]["continue"].as_str().unwrap().to_string();
    let expired = get(&s.url(), &format!("/api/v1/pods?limit=10&continue={c}"));
    assert_eq!(expired.status, 410);
    assert_eq!(expired.json()["reason"], "Expired");
    let again = get(&s.url(), &format!("/api/v1/pods?limit=10&continue={c}"));
    assert_eq!(again.status, 200);
    let unlimited = get(&s.url(), "/api/v1/pods").json();
    assert_eq!(unlimited["items"].as_array().unwrap().len(), total);
}

#[test]
fn injected_faults_and_forbidden() {
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    api.set_faults(Faults {
        error_429_share: 1.0,
        retry_after_seconds: 7,
        ..Faults::default()
    });
    let r = get(&s.url(), "/api/v1/pods");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.json()["details"]["retryAfterSeconds"], 7);
    assert_eq!(r.json()["reason"], "TooManyRequests");
    assert_eq!(
        get(&s.url(), "/api/v1").status,
        200,
        "discovery is not throttled"
    );
    api.set_faults(Faults {
        error_5xx_share: 1.0,
        ..Faults::default()
    });
    let r = get(&s.url(), "/api/v1/nodes");
    assert!(r.status == 500 || r.status == 503, "{}", r.status);
    let run = |seed| {
        api.set_faults(Faults {
            error_5xx_share: 0.3,
            error_429_share: 0.2,
            seed,
            ..Faults::default()
        });
        (0..40)
            .map(|_| get(&s.url(), "/api/v1/namespaces").status)
            .collect::<Vec<_>>()
    };
    let a = run(42);
    assert_eq!(a, run(42), "deterministic per seed");
    let failed = a.iter().filter(|c| **c != 200).count();
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    api.set_faults(Faults {
        forbidden: vec!["pods".into()],
        ..Faults::default()
    });
    let r = get(&s.url(), "/api/v1/pods");
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["message"], "pods is forbidden: User \"fake-user\" cannot list resource \"pods\" in API group \"\" at the cluster scope");
    let r = get(&s.url(), "/api/v1/namespaces/ml/pods");
    assert_eq!(r.json()["message"], "pods is forbidden: User \"fake-user\" cannot list resource \"pods\" in API group \"\" in the namespace \"ml\"");
    assert_eq!(get(&s.url(), "/api/v1/nodes").status, 200);
    let records = api.requests();
    assert!(records
        .iter()
        .any(|r| r.path == "/api/v1/pods" && r.status == 403));
}

#[test]
fn bearer_token_required_when_set() {
    let api = FakeApi::new();
    api.set_auth_token(Some("s3cret"));
    let s = TestServer::start(api);
    let r = get(&s.url(), "/api/v1/namespaces");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "Unauthorized");
    let ok = request(
        &s.url(),
        "GET",
        "/api/v1/namespaces",
        &[("Authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn create_get_update_patch_delete() {
    let api = FakeApi::new();
    let s = TestServer::start(api.clone());
    let u = s.url();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-", "labels": {"a": "1"}}, "data": {"k": "v"}});
    let r = send_json(
        &u,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        &cm,
    );
    assert_eq!(r.status, 201);
    let created = r.json();
    let name = created["metadata"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("cfg-") && name.len() == 9, "{name}");
    assert!(
        created["metadata"]["uid"].is_string()
            && created["metadata"]["creationTimestamp"].is_string()
    );
    let mut named = cm.clone();
    named["metadata"] = json!({"name": name});
    let dup = send_json(
        &u,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        &named,
    );
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["reason"], "AlreadyExists");
    let nons = send_json(
        &u,
        "POST",
        "/api/v1/namespaces/missing/configmaps",
        "application/json",
        &named,
    );
    assert_eq!(nons.status, 404);
    assert_eq!(nons.json()["message"], "namespaces \"missing\" not found");
    let wrong = send_json(
        &u,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        &json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "x"}}),
    );
    assert_eq!(wrong.status, 400);

    let path = format!("/api/v1/namespaces/default/configmaps/{name}");
    let mut obj = get(&u, &path).json();
    obj["data"]["k"] = json!("v2");
    let stale_rv = obj["metadata"]["resourceVersion"].clone();
    let put = send_json(&u, "PUT", &path, "application/json", &obj);
    assert_eq!(put.status, 200);
    assert_eq!(put.json()["data"]["k"], "v2");
    obj["metadata"]["resourceVersion"] = stale_rv;
    assert_eq!(
        send_json(&u, "PUT", &path, "application/json", &obj).status,
        409
    );
    let p = send_json(
        &u,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &json!({"metadata": {"labels": {"a": null, "b": "2"}}}),
    );
    assert_eq!(p.json()["metadata"]["labels"], json!({"b": "2"}));
    let dry = request(&u, "DELETE", &format!("{path}?dryRun=All"), &[], b"");
    assert_eq!(dry.status, 200);
    assert!(api.get("configmaps", Some("default"), &name).is_some());
    assert_eq!(
        request(&u, "DELETE", &format!("{path}?dryRun=Bogus"), &[], b"").status,
        400
    );
    let del = request(&u, "DELETE", &path, &[], b"");
    assert_eq!(del.status, 200);
    assert!(api.get("configmaps", Some("default"), &name).is_none());
    assert_eq!(get(&u, &path).status, 404);
    assert_eq!(
        get(&u, &path).json()["message"],
        format!("configmaps \"{name}\" not found")
    );
}

#[test]
fn validation_errors() {
    let s = TestServer::start(FakeApi::new());
    let u = s.url();
    let post = |v: Value| {
        send_json(
            &u,
            "POST",
            "/api/v1/namespaces/default/pods",
            "application/json",
            &v,
        )
    };
    let r = post(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}),
    );
    assert_eq!(r.status, 422);
    let st = r.json();
    assert_eq!(st["reason"], "Invalid");
    assert_eq!(
        st["message"],
        "Pod \"p\" is invalid: spec.containers: Required value"
    );
    assert_eq!(st["details"]["causes"][0]["field"], "spec.containers");
    let r = post(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
    );
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("metadata.name: Required value: name or generateName is required"));
    let r = post(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"bad key!": "x"}}, "spec": {"containers": [{"name": "c"}]}}),
    );
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("spec.containers[0].image: Required value")
            && msg.contains("metadata.labels: Invalid value: \"bad key!\""),
        "{msg}"
    );
    let r = post(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
    );
    assert_eq!(r.status, 422);
}

#[test]
fn strategic_merge_patch_merges_containers_by_name() {
    let api = FakeApi::new();
    let s = TestServer::start(api.clone());
    api.set_scheduler_enabled(false);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
    assert_eq!(
        send_json(
            &s.url(),
            "POST",
            "/api/v1/namespaces/default/pods",
            "application/json",
            &pod
        )
        .status,
        201
    );
    let r = send_json(
        &s.url(),
        "PATCH",
        "/api/v1/namespaces/default/pods/p",
        "application/strategic-merge-patch+json",
        &json!({"spec": {"containers": [{"name": "b", "image": "b:2"}]}}),
    );
    assert_eq!(r.status, 200);
    let cs = r.json()["spec"]["containers"].clone();
    assert_eq!(cs[0]["image"], "a:1");
    assert_eq!(cs[1]["image"], "b:2");
    assert_eq!(r.json()["spec"]["restartPolicy"], "Always");
}

fn apply(u: &str, path: &str, body: &Value, query: &str) -> Resp {
    request(
        u,
        "PATCH",
        &format!("{path}?{query}"),
        &[("Content-Type", "application/apply-patch+yaml")],
        serde_yaml::to_string(body).unwrap().as_bytes(),
    )
}

#[test]
fn server_side_apply_noop_conflict_force_and_dry_run() {
    let api = FakeApi::new();
    let s = TestServer::start(api.clone());
    let u = s.url();
    let path = "/apis/apps/v1/namespaces/default/daemonsets/probe";
    let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "probe", "labels": {"app": "probe"}},
        "spec": {"selector": {"matchLabels": {"app": "probe"}}, "template": {"metadata": {"labels": {"app": "probe"}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "env": [{"name": "A", "value": "1"}]}]}}}});
    assert_eq!(
        apply(&u, path, &ds, "").status,
        400,
        "fieldManager is required"
    );
    let dry = apply(&u, path, &ds, "fieldManager=me&dryRun=All");
    assert_eq!(dry.status, 201);
    assert!(api.get("daemonsets", Some("default"), "probe").is_none());
    let created = apply(&u, path, &ds, "fieldManager=me");
    assert_eq!(created.status, 201);
    let created = created.json();
    let mf = &created["metadata"]["managedFields"][0];
    assert_eq!(mf["manager"], "me");
    assert_eq!(mf["operation"], "Apply");
    assert_eq!(mf["fieldsType"], "FieldsV1");
    assert!(
        mf["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"c\"}"]
            ["f:image"]
            .is_object()
    );
    assert_eq!(created["metadata"]["generation"], 1);
    let rv = api.get("daemonsets", Some("default"), "probe").unwrap()["metadata"]
        ["resourceVersion"]
        .clone();
    let again = apply(&u, path, &ds, "fieldManager=me");
    assert_eq!(again.status, 200);
    let stored = api.get("daemonsets", Some("default"), "probe").unwrap();
    assert_eq!(
        stored["metadata"]["resourceVersion"], rv,
        "no-op apply changes nothing"
    );
    assert_eq!(
        stored["metadata"]["managedFields"],
        created["metadata"]["managedFields"]
    );

    let mut other = ds.clone();
    other["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!("2");
    let conflict = apply(&u, path, &other, "fieldManager=other");
    assert_eq!(conflict.status, 409);
    let st = conflict.json();
    assert_eq!(st["reason"], "Conflict");
    assert_eq!(st["message"], "Apply failed with 1 conflict: conflict with \"me\" using apps/v1: .spec.template.spec.containers[name=\"c\"].env[name=\"A\"].value");
    let forced = apply(&u, path, &other, "fieldManager=other&force=true");
    assert_eq!(forced.status, 200);
    let f = forced.json();
    assert_eq!(
        f["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "2"
    );
    assert_eq!(f["metadata"]["generation"], 2);

    // Dropping a field from the applied config removes it.
    let mut smaller = ds.clone();
    smaller["metadata"]["labels"] = json!({});
    let r = apply(&u, path, &smaller, "fieldManager=me").json();
    assert!(
        r["metadata"]
            .get("labels")
            .is_none_or(|l| l.get("app").is_none()),
        "{}",
        r["metadata"]
    );
}

#[test]
fn watch_from_resource_version_and_expiry() {
    let api = FakeApi::new();
    let s = TestServer::start(api.clone());
    let u = s.url();
    let list = get(&u, "/api/v1/namespaces/default/configmaps").json();
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    for n in ["a", "b"] {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "labels": {"w": n}}});
        assert_eq!(
            send_json(
                &u,
                "POST",
                "/api/v1/namespaces/default/configmaps",
                "application/json",
                &cm
            )
            .status,
            201
        );
    }
    send_json(
        &u,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/a",
        "application/merge-patch+json",
        &json!({"data": {"x": "y"}}),
    );
    request(
        &u,
        "DELETE",
        "/api/v1/namespaces/default/configmaps/b",
        &[],
        b"",
    );
    let (status, lines, _) = stream_lines(
        &u,
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}"),
        4,
        Duration::from_secs(5),
    );
    assert_eq!(status, 200);
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["ADDED", "ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(lines[2]["object"]["data"]["x"], "y");
    let (_, lines, _) = stream_lines(
        &u,
        "/api/v1/configmaps?watch=true&labelSelector=w%3Da",
        1,
        Duration::from_secs(5),
    );
    assert_eq!(lines[0]["type"], "ADDED");
    assert_eq!(lines[0]["object"]["metadata"]["name"], "a");
    let (_, lines, ended) = stream_lines(
        &u,
        "/api/v1/namespaces?watch=1&timeoutSeconds=1",
        100,
        Duration::from_secs(5),
    );
    assert_eq!(lines.len(), 4);
    assert!(ended, "timeoutSeconds closes the stream");
    let (_, lines, _) = stream_lines(
        &u,
        "/api/v1/namespaces?watch=1&fieldSelector=metadata.name%3Ddefault",
        1,
        Duration::from_secs(5),
    );
    assert_eq!(lines[0]["object"]["metadata"]["name"], "default");

    api.set_watch_history_limit(1);
    for n in ["c", "d", "e"] {
        api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": "default"}}));
    }
    let (_, lines, _) = stream_lines(
        &u,
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}"),
        1,
        Duration::from_secs(5),
    );
    assert_eq!(lines[0]["type"], "ERROR");
    assert_eq!(lines[0]["object"]["code"], 410);
    assert_eq!(lines[0]["object"]["reason"], "Expired");
}

#[test]
fn watch_dropped_after_events() {
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    api.set_faults(Faults {
        drop_watch_after_events: Some(3),
        ..Faults::default()
    });
    let (status, lines, clean) = stream_lines(
        &s.url(),
        "/api/v1/pods?watch=1",
        100,
        Duration::from_secs(5),
    );
    assert_eq!(status, 200);
    assert_eq!(lines.len(), 3);
    assert!(!clean, "the stream is cut, not ended");
}

#[test]
fn namespace_delete_takes_contents() {
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    assert!(!api
        .list("pods")
        .iter()
        .all(|p| p["metadata"]["namespace"] != "ml"));
    let r = request(&s.url(), "DELETE", "/api/v1/namespaces/ml", &[], b"");
    assert_eq!(r.status, 200);
    assert!(api
        .list("pods")
        .iter()
        .all(|p| p["metadata"]["namespace"] != "ml"));
    assert!(api.get("namespaces", None, "ml").is_none());
}

#[test]
fn delete_collection_with_selector() {
    let api = FakeApi::seeded();
    let s = TestServer::start(api.clone());
    let r = request(
        &s.url(),
        "DELETE",
        "/api/v1/namespaces/ml/pods?labelSelector=app%3Djupyter",
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    assert!(api.get("pods", Some("ml"), "notebook-bob").is_none());
    assert!(api.get("pods", Some("ml"), "infer-llama-0").is_some());
}

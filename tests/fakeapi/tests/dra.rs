//! Dynamic Resource Allocation: `resource.k8s.io` v1/v1beta2 serving, the resourceclaim
//! controller, allocation by the scheduler (CEL, counters) and the kubelet's nvidia-smi.

mod common;

use common::*;
use fakeapi::{DraVersions, FakeApi, Faults, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

const STATIC: &str = "aks-a100dra-41736250-vmss000000";
const DYNAMIC: &str = "aks-a100dyn-58203617-vmss000000";
const NS: &str = "gpu-tests";
const CLAIMS: &str = "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaims";

fn fast(api: FakeApi) -> TestServer {
    api.set_kubelet_delays(Duration::from_millis(20), Duration::from_millis(50));
    TestServer::start(api)
}

fn post(s: &TestServer, path: &str, body: &Value) -> Value {
    let r = send_json(&s.url(), "POST", path, "application/json", body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn template(name: &str, cel: &str) -> Value {
    json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaimTemplate",
        "metadata": {"name": name},
        "spec": {"spec": {"devices": {"requests": [{"name": "mig", "exactly": {
            "deviceClassName": "mig.nvidia.com",
            "selectors": [{"cel": {"expression": cel}}]}}]}}}})
}

fn profile(p: &str) -> String {
    format!("device.attributes['gpu.nvidia.com'].profile == '{p}'")
}

/// A pod using one claim (`template` or `claim`), pinned to `node` when given.
fn pod(name: &str, source: Value, node: Option<&str>, command: &str) -> Value {
    let mut entry = json!({"name": "gpu"});
    for (k, v) in source.as_object().unwrap() {
        entry[k] = v.clone();
    }
    let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": "Never",
            "containers": [{"name": "c", "image": "ubuntu:22.04", "command": ["bash", "-c", command],
                "resources": {"claims": [{"name": "gpu"}]}}],
            "resourceClaims": [entry],
            "tolerations": [{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}});
    if let Some(n) = node {
        p["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": n});
    }
    p
}

fn create_pod(s: &TestServer, p: &Value) {
    post(s, &format!("/api/v1/namespaces/{NS}/pods"), p);
}

fn wait_pod(api: &FakeApi, name: &str, f: impl Fn(&Value) -> bool) -> Value {
    wait_for(Duration::from_secs(10), || {
        api.get("pods", Some(NS), name).filter(|p| f(p))
    })
    .unwrap_or_else(|| panic!("{name}: {:?}", api.get("pods", Some(NS), name)))
}

fn bound(p: &Value) -> bool {
    p["spec"]["nodeName"].is_string()
}

fn unschedulable(p: &Value) -> Option<String> {
    p["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
        .and_then(|c| c["message"].as_str())
        .map(String::from)
}

/// Unschedulable for a lasting reason: until a template's claim exists the pod waits for it,
/// a real but passing reason.
fn settled_unschedulable(p: &Value) -> bool {
    unschedulable(p).is_some_and(|m| !m.contains("waiting for dynamic resource controller"))
}

fn claim_of(api: &FakeApi, pod: &Value) -> Value {
    let name = pod["status"]["resourceClaimStatuses"][0]["resourceClaimName"]
        .as_str()
        .expect("claim status");
    api.get("resourceclaims", Some(NS), name).expect("claim")
}

fn device_of(claim: &Value) -> String {
    claim["status"]["allocation"]["devices"]["results"][0]["device"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn discovery_serves_both_versions_and_knobs_switch_them() {
    let api = FakeApi::new();
    let s = TestServer::start(api.clone());
    let groups = get(&s.url(), "/apis").json();
    let g = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "resource.k8s.io")
        .unwrap()
        .clone();
    assert_eq!(g["preferredVersion"]["version"], "v1");
    assert_eq!(g["versions"][1]["groupVersion"], "resource.k8s.io/v1beta2");
    for v in ["v1", "v1beta2"] {
        let list = get(&s.url(), &format!("/apis/resource.k8s.io/{v}")).json();
        let names: Vec<(&str, bool)> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["name"].as_str().unwrap(), r["namespaced"] == true))
            .collect();
        assert_eq!(
            names,
            [
                ("deviceclasses", false),
                ("resourceclaims", true),
                ("resourceclaims/status", true),
                ("resourceclaimtemplates", true),
                ("resourceslices", false)
            ],
            "{v}"
        );
    }
    let agg = request(
        &s.url(),
        "GET",
        "/apis",
        &[(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        )],
        b"",
    )
    .json();
    let dra = agg["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "resource.k8s.io")
        .unwrap()
        .clone();
    assert_eq!(dra["versions"][0]["version"], "v1");
    assert_eq!(dra["versions"][1]["version"], "v1beta2");
    assert_eq!(
        dra["versions"][0]["resources"][1]["resource"],
        "resourceclaims"
    );
    assert_eq!(
        dra["versions"][0]["resources"][1]["subresources"][0]["subresource"],
        "status"
    );
    let index = get(&s.url(), "/openapi/v3").json();
    assert!(index["paths"]["apis/resource.k8s.io/v1beta2"].is_object());

    api.set_dra_versions(DraVersions::V1beta2Only);
    let g = get(&s.url(), "/apis/resource.k8s.io").json();
    assert_eq!(g["preferredVersion"]["version"], "v1beta2");
    assert_eq!(g["versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        get(&s.url(), "/apis/resource.k8s.io/v1/resourceslices").status,
        404
    );
    assert_eq!(
        get(&s.url(), "/apis/resource.k8s.io/v1beta2/resourceslices").status,
        200
    );
    assert!(get(&s.url(), "/openapi/v3").json()["paths"]["apis/resource.k8s.io/v1"].is_null());

    api.set_dra_versions(DraVersions::Off);
    assert_eq!(get(&s.url(), "/apis/resource.k8s.io").status, 404);
    assert_eq!(
        get(&s.url(), "/apis/resource.k8s.io/v1beta2/deviceclasses").status,
        404
    );
    let text = get(&s.url(), "/apis").text();
    assert!(!text.contains("resource.k8s.io"), "{text}");

    api.set_dra_versions(DraVersions::V1AndV1beta2);
    api.set_faults(Faults {
        forbidden: vec!["resourceslices".into(), "resourceclaims".into()],
        ..Faults::default()
    });
    let r = get(&s.url(), "/apis/resource.k8s.io/v1/resourceslices");
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains(
            "cannot list resource \\\"resourceslices\\\" in API group \\\"resource.k8s.io\\\""
        ) || r.text().contains("resourceslices.resource.k8s.io"),
        "{}",
        r.text()
    );
    assert_eq!(get(&s.url(), &format!("{CLAIMS}/x")).status, 403);
}

#[test]
fn crud_selectors_watch_tables_and_version_conversion() {
    let api = FakeApi::seeded_with_dra();
    let s = TestServer::start(api.clone());
    // One storage, shown in the version asked for.
    let dc = get(
        &s.url(),
        "/apis/resource.k8s.io/v1beta2/deviceclasses/mig.nvidia.com",
    )
    .json();
    assert_eq!(dc["apiVersion"], "resource.k8s.io/v1beta2");
    assert_eq!(dc["kind"], "DeviceClass");
    let created = post(
        &s,
        "/apis/resource.k8s.io/v1beta2/namespaces/gpu-tests/resourceclaimtemplates",
        &{
            let mut t = template("one", &profile("1g.5gb"));
            t["apiVersion"] = json!("resource.k8s.io/v1beta2");
            t
        },
    );
    assert_eq!(created["apiVersion"], "resource.k8s.io/v1beta2");
    // Defaults of the API server.
    let req = &created["spec"]["spec"]["devices"]["requests"][0]["exactly"];
    assert_eq!(req["allocationMode"], "ExactCount");
    assert_eq!(req["count"], 1);
    let v1 = get(
        &s.url(),
        "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates/one",
    )
    .json();
    assert_eq!(v1["apiVersion"], "resource.k8s.io/v1");
    assert_eq!(
        api.get("resourceclaimtemplates", Some(NS), "one").unwrap()["apiVersion"],
        "resource.k8s.io/v1"
    );
    // A merge patch through v1beta2 of a v1-stored object.
    let r = send_json(
        &s.url(),
        "PATCH",
        "/apis/resource.k8s.io/v1beta2/namespaces/gpu-tests/resourceclaimtemplates/one",
        "application/merge-patch+json",
        &json!({"metadata": {"labels": {"a": "b"}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["metadata"]["labels"]["a"], "b");

    // Field selectors on slices.
    let list = get(
        &s.url(),
        &format!("/apis/resource.k8s.io/v1/resourceslices?fieldSelector=spec.nodeName%3D{DYNAMIC}"),
    )
    .json();
    assert_eq!(list["kind"], "ResourceSliceList");
    assert_eq!(list["apiVersion"], "resource.k8s.io/v1");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let list = get(
        &s.url(),
        "/apis/resource.k8s.io/v1/resourceslices?fieldSelector=spec.driver%3Dother.example.com",
    )
    .json();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(
        get(
            &s.url(),
            "/apis/resource.k8s.io/v1/resourceslices?fieldSelector=spec.pool.name%3Dx"
        )
        .status,
        400
    );

    // Tables as kubectl shows them.
    let table = request(
        &s.url(),
        "GET",
        "/apis/resource.k8s.io/v1/resourceslices",
        &[("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
        b"",
    )
    .json();
    let cols: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["Name", "Node", "Driver", "Pool", "Age"]);
    let row = &table["rows"][0]["cells"];
    assert_eq!(
        row[0],
        "00000-gpu.nvidia.com-aks-a100dra-41736250-vmss000000-7xq2d"
    );
    assert_eq!(row[1], STATIC);
    assert_eq!(row[2], "gpu.nvidia.com");
    assert_eq!(row[3], STATIC);

    // Watch: a claim created after the watch started.
    let url = s.url();
    let watcher = std::thread::spawn(move || {
        stream_lines(
            &url,
            &format!("{CLAIMS}?watch=true&resourceVersion=0&timeoutSeconds=5"),
            1,
            Duration::from_secs(5),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    post(
        &s,
        CLAIMS,
        &json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim", "metadata": {"name": "watched"},
            "spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "mig.nvidia.com"}}]}}}),
    );
    let (code, lines, _) = watcher.join().unwrap();
    assert_eq!(code, 200);
    assert_eq!(lines[0]["type"], "ADDED");
    assert_eq!(lines[0]["object"]["metadata"]["name"], "watched");
    assert_eq!(lines[0]["object"]["apiVersion"], "resource.k8s.io/v1");
    let table = request(
        &s.url(),
        "GET",
        CLAIMS,
        &[("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
        b"",
    )
    .json();
    assert_eq!(table["columnDefinitions"][1]["name"], "State");
    assert_eq!(table["rows"][0]["cells"][1], "pending");
    // Status is a subresource: the main resource ignores it.
    let r = request(
        &s.url(),
        "PUT",
        &format!("{CLAIMS}/watched/status"),
        &[("Content-Type", "application/json")],
        json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim", "metadata": {"name": "watched", "namespace": NS},
            "status": {"allocation": {"devices": {"results": []}}}}).to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        api.get("resourceclaims", Some(NS), "watched").unwrap()["status"]["allocation"].is_object()
    );
}

#[test]
fn template_claim_gets_a_1g5gb_mig_device_and_the_pod_logs_its_uuid() {
    let api = FakeApi::seeded_with_dra();
    let s = fast(api.clone());
    post(
        &s,
        "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates",
        &template("mig-1g5gb", &profile("1g.5gb")),
    );
    create_pod(
        &s,
        &pod(
            "smi",
            json!({"resourceClaimTemplateName": "mig-1g5gb"}),
            None,
            "nvidia-smi -L; sleep 1",
        ),
    );
    let p = wait_pod(&api, "smi", |p| p["status"]["phase"] == "Running");
    assert_eq!(p["spec"]["nodeName"], STATIC);
    let claim = claim_of(&api, &p);
    let name = claim["metadata"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("smi-gpu-") && name.len() == "smi-gpu-".len() + 5,
        "{name}"
    );
    assert_eq!(claim["metadata"]["generateName"], "smi-gpu-");
    assert_eq!(
        claim["metadata"]["annotations"]["resource.kubernetes.io/pod-claim-name"],
        "gpu"
    );
    let owner = &claim["metadata"]["ownerReferences"][0];
    assert_eq!(owner["kind"], "Pod");
    assert_eq!(owner["controller"], true);
    assert_eq!(owner["uid"], p["metadata"]["uid"]);
    assert_eq!(p["status"]["resourceClaimStatuses"][0]["name"], "gpu");
    let result = &claim["status"]["allocation"]["devices"]["results"][0];
    assert_eq!(result["driver"], "gpu.nvidia.com");
    assert_eq!(result["pool"], STATIC);
    assert_eq!(result["request"], "mig");
    let device = device_of(&claim);
    assert!(device.starts_with("gpu-0-mig-1g5gb-19-"), "{device}");
    assert_eq!(
        claim["status"]["allocation"]["nodeSelector"]["nodeSelectorTerms"][0]["matchFields"][0]
            ["values"][0],
        STATIC
    );
    assert_eq!(claim["status"]["reservedFor"][0]["name"], "smi");
    assert_eq!(claim["status"]["reservedFor"][0]["resource"], "pods");

    // The log names the device's own UUIDs from the slice.
    let slice = &api.list("resourceslices")[0];
    assert_eq!(slice["spec"]["nodeName"], STATIC);
    let dev = slice["spec"]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == device.as_str())
        .unwrap()
        .clone();
    let log = get(&s.url(), "/api/v1/namespaces/gpu-tests/pods/smi/log").text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        lines[0],
        format!(
            "GPU 0: NVIDIA A100-SXM4-40GB (UUID: {})",
            dev["attributes"]["parentUUID"]["string"].as_str().unwrap()
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "  MIG 1g.5gb      Device  0: (UUID: {})",
            dev["attributes"]["uuid"]["string"].as_str().unwrap()
        )
    );
    // The pod is done: its generated claim is released and deleted.
    wait_pod(&api, "smi", |p| p["status"]["phase"] == "Succeeded");
    let gone = wait_for(Duration::from_secs(5), || {
        api.get("resourceclaims", Some(NS), name)
            .is_none()
            .then_some(())
    });
    assert!(gone.is_some(), "claim of a finished pod is deleted");
}

#[test]
fn two_claims_never_share_a_device_and_an_unsatisfiable_claim_is_explained() {
    let api = FakeApi::seeded_with_dra();
    let s = fast(api.clone());
    post(
        &s,
        "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates",
        &template("mig-1g5gb", &profile("1g.5gb")),
    );
    for n in ["a", "b", "c"] {
        create_pod(
            &s,
            &pod(
                n,
                json!({"resourceClaimTemplateName": "mig-1g5gb"}),
                Some(STATIC),
                "sleep 3600",
            ),
        );
    }
    let a = wait_pod(&api, "a", bound);
    let b = wait_pod(&api, "b", bound);
    let (da, db) = (
        device_of(&claim_of(&api, &a)),
        device_of(&claim_of(&api, &b)),
    );
    assert_ne!(da, db);
    let c = wait_pod(&api, "c", settled_unschedulable);
    let msg = unschedulable(&c).unwrap();
    assert!(
        msg.starts_with("0/10 nodes are available: ")
            && msg.contains("1 cannot allocate all claims")
            && msg.ends_with(
                "preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling."
            ),
        "{msg}"
    );
    let cond = c["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .unwrap()
        .clone();
    assert_eq!(cond["reason"], "Unschedulable");
    // Its claim exists but stays pending.
    let claim = claim_of(&api, &c);
    assert!(claim["status"]["allocation"].is_null());
    let events = api.list("events");
    assert!(
        events.iter().any(|e| e["reason"] == "FailedScheduling"
            && e["involvedObject"]["name"] == "c"
            && e["message"] == msg.as_str()),
        "{events:?}"
    );

    // Deleting a pod frees its device and deletes its generated claim; c then fits.
    let claim_a = claim_of(&api, &a);
    let r = request(
        &s.url(),
        "DELETE",
        "/api/v1/namespaces/gpu-tests/pods/a",
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(api
        .get(
            "resourceclaims",
            Some(NS),
            claim_a["metadata"]["name"].as_str().unwrap()
        )
        .is_none());
    let c = wait_pod(&api, "c", bound);
    assert_eq!(device_of(&claim_of(&api, &c)), da);

    // No node has that profile: every node is explained.
    create_pod(
        &s,
        &pod(
            "never",
            json!({"resourceClaimTemplateName": "mig-80gb"}),
            None,
            "true",
        ),
    );
    let p = wait_pod(&api, "never", |p| unschedulable(p).is_some());
    assert_eq!(
        unschedulable(&p).unwrap(),
        "0/10 nodes are available: waiting for dynamic resource controller to create the resourceclaim \"never-gpu\". preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling."
    );
    post(
        &s,
        "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates",
        &template("mig-80gb", &profile("7g.80gb")),
    );
    let p = wait_pod(&api, "never", |p| {
        unschedulable(p).is_some_and(|m| m.contains("cannot allocate"))
    });
    let msg = unschedulable(&p).unwrap();
    assert!(msg.contains("cannot allocate all claims"), "{msg}");
    assert!(
        msg.contains("1 node(s) had untolerated taint {nvidia.com/gpu: present}"),
        "{msg}"
    );
}

#[test]
fn partitionable_counters_block_an_overcommit_until_the_device_is_freed() {
    let api = FakeApi::seeded_with_dra();
    let s = fast(api.clone());
    for (name, p) in [
        ("full", "7g.40gb"),
        ("small", "1g.5gb"),
        ("half", "3g.20gb"),
    ] {
        post(
            &s,
            "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates",
            &template(name, &profile(p)),
        );
    }
    create_pod(
        &s,
        &pod(
            "big",
            json!({"resourceClaimTemplateName": "full"}),
            Some(DYNAMIC),
            "sleep 3600",
        ),
    );
    let big = wait_pod(&api, "big", bound);
    assert_eq!(device_of(&claim_of(&api, &big)), "gpu-0-mig-7g40gb-0-0");
    create_pod(
        &s,
        &pod(
            "small",
            json!({"resourceClaimTemplateName": "small"}),
            Some(DYNAMIC),
            "nvidia-smi -L; sleep 3600",
        ),
    );
    let small = wait_pod(&api, "small", settled_unschedulable);
    assert!(unschedulable(&small)
        .unwrap()
        .contains("1 cannot allocate all claims"));
    api.delete("pods", Some(NS), "big");
    let small = wait_pod(&api, "small", |p| p["status"]["phase"] == "Running");
    let d = device_of(&claim_of(&api, &small));
    assert_eq!(d, "gpu-0-mig-1g5gb-19-0");
    // The abstract device has no uuid: the log makes one up, in the same format.
    let log = wait_for(Duration::from_secs(5), || api.pod_log(NS, "small", "c")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].starts_with("GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-8a7b6c5d-"),
        "{log}"
    );
    assert!(
        lines[1].starts_with("  MIG 1g.5gb      Device  0: (UUID: MIG-"),
        "{log}"
    );
    // 1g.5gb sits in memory slice 0, so a 3g.20gb fits only at placement 4, and then no other.
    create_pod(
        &s,
        &pod(
            "h1",
            json!({"resourceClaimTemplateName": "half"}),
            Some(DYNAMIC),
            "sleep 3600",
        ),
    );
    let h1 = wait_pod(&api, "h1", bound);
    assert_eq!(device_of(&claim_of(&api, &h1)), "gpu-0-mig-3g20gb-9-4");
    create_pod(
        &s,
        &pod(
            "h2",
            json!({"resourceClaimTemplateName": "half"}),
            Some(DYNAMIC),
            "sleep 3600",
        ),
    );
    let h2 = wait_pod(&api, "h2", settled_unschedulable);
    assert!(unschedulable(&h2)
        .unwrap()
        .contains("cannot allocate all claims"));
}

#[test]
fn a_shared_claim_is_deallocated_when_its_last_user_goes() {
    let api = FakeApi::seeded_with_dra();
    let s = fast(api.clone());
    post(
        &s,
        CLAIMS,
        &json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim", "metadata": {"name": "shared"},
            "spec": {"devices": {"requests": [{"name": "two", "exactly": {"deviceClassName": "mig.nvidia.com", "count": 2,
                "selectors": [{"cel": {"expression": "device.capacity['gpu.nvidia.com'].memory.isLessThan(quantity('10Gi')) && device.attributes['gpu.nvidia.com'].cudaComputeCapability.isGreaterThan(semver('7.5.0'))"}}]}}],
              "constraints": [{"matchAttribute": "gpu.nvidia.com/parentUUID"}]}}}),
    );
    for n in ["u1", "u2"] {
        create_pod(
            &s,
            &pod(
                n,
                json!({"resourceClaimName": "shared"}),
                Some(STATIC),
                "sleep 3600",
            ),
        );
    }
    wait_pod(&api, "u1", bound);
    wait_pod(&api, "u2", bound);
    let claim = api.get("resourceclaims", Some(NS), "shared").unwrap();
    let results = claim["status"]["allocation"]["devices"]["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["request"], "two");
    assert_eq!(claim["status"]["reservedFor"].as_array().unwrap().len(), 2);
    assert_eq!(
        claim["metadata"]["finalizers"][0],
        "resource.kubernetes.io/delete-protection"
    );
    api.delete("pods", Some(NS), "u1");
    let claim = wait_for(Duration::from_secs(5), || {
        api.get("resourceclaims", Some(NS), "shared").filter(|c| {
            c["status"]["reservedFor"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        })
    })
    .expect("u1 released");
    assert!(claim["status"]["allocation"].is_object());
    api.delete("pods", Some(NS), "u2");
    let claim = wait_for(Duration::from_secs(5), || {
        api.get("resourceclaims", Some(NS), "shared")
            .filter(|c| c["status"]["allocation"].is_null())
    })
    .expect("deallocated");
    assert!(claim["metadata"]["finalizers"].is_null());
    assert!(claim["status"]["reservedFor"].is_null());
}

#[test]
fn a_cel_runtime_error_fails_the_attempt() {
    let api = FakeApi::seeded_with_dra();
    let s = fast(api.clone());
    post(
        &s,
        "/apis/resource.k8s.io/v1/namespaces/gpu-tests/resourceclaimtemplates",
        &template("bad", "device.attributes['gpu.nvidia.com'].nope == 'x'"),
    );
    create_pod(
        &s,
        &pod(
            "bad",
            json!({"resourceClaimTemplateName": "bad"}),
            None,
            "true",
        ),
    );
    let p = wait_pod(&api, "bad", settled_unschedulable);
    let msg = unschedulable(&p).unwrap();
    assert!(
        msg.contains("selector #0: CEL runtime error: no such key: nope"),
        "{msg}"
    );
}

//! `kubectl mig install` / `uninstall` / `status` end to end, objects checked through the real
//! kubectl too.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const NS: &str = "nvidia-device-plugin";

/// The seeded cluster without AKS's own device plugin.
fn clean_cluster() -> FakeApi {
    let api = FakeApi::seeded();
    api.delete(
        "daemonsets",
        Some("kube-system"),
        "nvidia-device-plugin-daemonset",
    );
    api
}

fn ours(api: &FakeApi) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for plural in [
        "namespaces",
        "serviceaccounts",
        "daemonsets",
        "deployments",
        "configmaps",
        "roles",
        "rolebindings",
        "clusterroles",
        "clusterrolebindings",
        "customresourcedefinitions",
    ] {
        for o in api.list(plural) {
            if o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-mig" {
                out.push((
                    plural.to_string(),
                    o["metadata"]["name"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn versions(api: &FakeApi) -> Vec<String> {
    let mut out = Vec::new();
    for plural in [
        "namespaces",
        "serviceaccounts",
        "daemonsets",
        "deployments",
        "configmaps",
        "clusterroles",
        "customresourcedefinitions",
    ] {
        for o in api.list(plural) {
            out.push(format!(
                "{}/{}={}",
                plural, o["metadata"]["name"], o["metadata"]["resourceVersion"]
            ));
        }
    }
    out
}

fn env_of(ds: &Value, name: &str) -> Option<String> {
    ds["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str().map(String::from))
}

fn helm_device_plugin() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "nvdp-nvidia-device-plugin", "namespace": "nvdp",
            "labels": {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "nvdp"},
            "annotations": {"meta.helm.sh/release-name": "nvdp", "meta.helm.sh/release-namespace": "nvdp"}},
        "spec": {"selector": {"matchLabels": {"app": "nvdp"}}, "template": {"metadata": {"labels": {"app": "nvdp"}},
            "spec": {"containers": [{"name": "nvidia-device-plugin-ctr", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
                "command": ["nvidia-device-plugin"], "env": [{"name": "MIG_STRATEGY", "value": "single"}]}]}}}
    })
}

#[test]
fn client_dry_run_needs_no_cluster_and_writes_nothing() {
    let home = TempDir::new("install-dry");
    let yaml = run_plain(
        home.path(),
        &["install", "--strategy", "single", "--dry-run", "-o", "yaml"],
    )
    .ok();
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    for kind in [
        "Namespace",
        "DaemonSet",
        "Deployment",
        "CustomResourceDefinition",
        "ClusterRole",
        "ConfigMap",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    let dp = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "nvidia-device-plugin" && d["kind"] == "DaemonSet")
        .unwrap();
    assert_eq!(env_of(dp, "MIG_STRATEGY").as_deref(), Some("single"));
    let json = run_plain(
        home.path(),
        &["install", "--strategy", "mixed", "--dry-run", "-o", "json"],
    )
    .json();
    assert_eq!(json["kind"], "List");
}

#[test]
fn dry_run_manifests_are_accepted_by_kubectl_server_side_apply_dry_run() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(clean_cluster());
    let home = TempDir::new("install-kubectl");
    let yaml = run_plain(
        home.path(),
        &["install", "--strategy", "mixed", "--dry-run", "-o", "yaml"],
    )
    .ok();
    // As on a real cluster, namespaced objects validate only in an existing namespace.
    server
        .api
        .insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    let before = versions(&server.api);
    let r = kubectl_stdin(
        &server,
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager=kubectl-mig",
            "-f",
            "-",
        ],
        &yaml,
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains("daemonset.apps/nvidia-device-plugin serverside-applied (server dry run)"),
        "{}",
        r.stdout
    );
    assert_eq!(versions(&server.api), before, "a dry run stored something");
}

#[test]
fn server_dry_run_validates_and_stores_nothing() {
    let server = TestServer::start(clean_cluster());
    let r = run(
        &server,
        &["install", "--strategy", "mixed", "--dry-run=server"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("customresourcedefinition.apiextensions.k8s.io/nodefeatures.nfd.k8s-sigs.io created (server dry run)"), "{}", r.stdout);
    assert!(r.stdout.contains("daemonset.apps/nvidia-device-plugin not validated (namespace nvidia-device-plugin does not exist yet)"), "{}", r.stdout);
    server
        .api
        .insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    let r = run(
        &server,
        &["install", "--strategy", "mixed", "--dry-run=server"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains("daemonset.apps/nvidia-device-plugin created (server dry run)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "namespace/nvidia-device-plugin unchanged (exists; not managed by kubectl mig)"
        ),
        "{}",
        r.stdout
    );
    server.api.delete("namespaces", None, NS);
    assert!(ours(&server.api).is_empty());
    let writes: Vec<_> = server
        .api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert!(
        !writes.is_empty() && writes.iter().all(|r| r.query.contains("dryRun=All")),
        "{writes:?}"
    );
}

#[test]
fn install_is_complete_idempotent_and_switches_strategy() {
    let server = TestServer::start(clean_cluster());
    let r = run(&server, &["install", "--strategy", "single"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains("daemonset.apps/nvidia-device-plugin created"),
        "{}",
        r.stdout
    );
    let installed = ours(&server.api);
    for (plural, name) in [
        ("namespaces", NS),
        ("daemonsets", "nvidia-device-plugin"),
        ("daemonsets", "nvidia-gpu-feature-discovery"),
        ("daemonsets", "nfd-worker"),
        ("deployments", "nfd-master"),
        ("deployments", "nfd-gc"),
        ("customresourcedefinitions", "nodefeatures.nfd.k8s-sigs.io"),
        ("clusterroles", "kubectl-mig-nfd-master"),
    ] {
        assert!(
            installed.contains(&(plural.to_string(), name.to_string())),
            "{plural}/{name} missing: {installed:?}"
        );
    }
    for ds in ["nvidia-device-plugin", "nvidia-gpu-feature-discovery"] {
        let obj = server.api.get("daemonsets", Some(NS), ds).unwrap();
        assert_eq!(
            env_of(&obj, "MIG_STRATEGY").as_deref(),
            Some("single"),
            "{ds}"
        );
        assert!(obj["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["manager"] == "kubectl-mig" && m["operation"] == "Apply"));
    }

    let before = versions(&server.api);
    let again = run(&server, &["install", "--strategy", "single"]);
    assert_eq!(again.code, 0, "{again:#?}");
    assert!(
        again.stdout.lines().all(|l| l.ends_with(" unchanged")),
        "{}",
        again.stdout
    );
    assert!(again.stderr.contains("Nothing changed"), "{}", again.stderr);
    assert_eq!(
        versions(&server.api),
        before,
        "a second identical install changed something"
    );

    let switch = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(switch.code, 0, "{switch:#?}");
    assert!(
        switch
            .stdout
            .contains("daemonset.apps/nvidia-device-plugin configured"),
        "{}",
        switch.stdout
    );
    assert!(
        switch
            .stderr
            .contains("Strategy changed from single to mixed"),
        "{}",
        switch.stderr
    );
    for ds in ["nvidia-device-plugin", "nvidia-gpu-feature-discovery"] {
        let obj = server.api.get("daemonsets", Some(NS), ds).unwrap();
        assert_eq!(
            env_of(&obj, "MIG_STRATEGY").as_deref(),
            Some("mixed"),
            "{ds}"
        );
    }

    if have_kubectl() {
        let ds: Value = serde_json::from_str(
            &kubectl(
                &server,
                &[
                    "get",
                    "daemonset",
                    "-n",
                    NS,
                    "nvidia-device-plugin",
                    "-o",
                    "json",
                ],
            )
            .ok(),
        )
        .unwrap();
        assert_eq!(env_of(&ds, "MIG_STRATEGY").as_deref(), Some("mixed"));
        let listed = kubectl(
            &server,
            &[
                "get",
                "all,cm,sa",
                "-n",
                NS,
                "-l",
                "app.kubernetes.io/managed-by=kubectl-mig",
                "-o",
                "name",
            ],
        )
        .ok();
        assert!(
            listed.contains("daemonset.apps/nvidia-device-plugin"),
            "{listed}"
        );
    }
}

#[test]
fn foreign_device_plugin_blocks_install_unless_forced() {
    let api = clean_cluster();
    api.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "nvdp"}}));
    api.insert(helm_device_plugin());
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stderr.contains("NVIDIA GPU software is already running (device-plugin DaemonSet nvdp/nvdp-nvidia-device-plugin installed by helm (release nvdp))"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("helm upgrade nvdp <chart> --reuse-values --set migStrategy=mixed"),
        "{}",
        r.stderr
    );
    assert!(ours(&server.api).is_empty(), "nothing may be written");
    let forced = run(&server, &["install", "--strategy", "mixed", "--force"]);
    assert_eq!(forced.code, 0, "{forced:#?}");
    assert!(forced.stderr.contains("because of --force"));
}

#[test]
fn gpu_operator_and_aks_device_plugins_are_named() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("kube-system/nvidia-device-plugin-daemonset"),
        "{}",
        r.stderr
    );
}

#[test]
fn existing_nfd_is_reused() {
    let api = clean_cluster();
    api.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "node-feature-discovery"}}));
    api.insert(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "nfd-worker", "namespace": "node-feature-discovery",
            "annotations": {"meta.helm.sh/release-name": "nfd"}},
        "spec": {"selector": {"matchLabels": {"app": "nfd"}}, "template": {"metadata": {"labels": {"app": "nfd"}},
            "spec": {"containers": [{"name": "worker", "image": "registry.k8s.io/nfd/node-feature-discovery:v0.17.3", "command": ["nfd-worker"]}]}}}
    }));
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr
            .contains("Reusing Node Feature Discovery in namespace node-feature-discovery"),
        "{}",
        r.stderr
    );
    let installed = ours(&server.api);
    assert!(
        !installed
            .iter()
            .any(|(_, n)| n.starts_with("nfd") || n.contains("nfd.k8s-sigs.io")),
        "{installed:?}"
    );
    assert!(installed.contains(&("daemonsets".into(), "nvidia-gpu-feature-discovery".into())));
}

#[test]
fn foreign_object_in_the_way_is_not_overwritten() {
    let api = clean_cluster();
    api.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nfd-master-conf", "namespace": NS}, "data": {"mine": "yes"}}));
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr
            .contains("already exists and was not created by kubectl mig"),
        "{}",
        r.stderr
    );
    assert_eq!(
        server
            .api
            .get("configmaps", Some(NS), "nfd-master-conf")
            .unwrap()["data"]["mine"],
        "yes"
    );
}

#[test]
fn uninstall_deletes_only_its_own_objects() {
    let server = TestServer::start(clean_cluster());
    run(&server, &["install", "--strategy", "mixed"]).ok();
    // A foreign DaemonSet inside our namespace, and the cluster's own.
    server.api.insert(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "someone-elses", "namespace": NS},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}
    }));
    let dry = run(&server, &["uninstall", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:#?}");
    assert!(
        dry.stdout
            .contains("daemonset.apps/nvidia-device-plugin deleted (dry run)"),
        "{}",
        dry.stdout
    );
    assert!(!ours(&server.api).is_empty(), "dry run deleted something");
    let server_dry = run(&server, &["uninstall", "--dry-run=server"]);
    assert!(
        server_dry
            .stdout
            .contains("daemonset.apps/nvidia-device-plugin deleted (server dry run)"),
        "{server_dry:#?}"
    );
    assert!(
        !ours(&server.api).is_empty(),
        "server dry run deleted something"
    );

    let r = run(&server, &["uninstall"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("namespace/nvidia-device-plugin kept"),
        "{}",
        r.stderr
    );
    let left: Vec<_> = ours(&server.api)
        .into_iter()
        .filter(|(p, _)| p != "namespaces")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(server
        .api
        .get("daemonsets", Some(NS), "someone-elses")
        .is_some());
    assert!(server
        .api
        .get("daemonsets", Some("kube-system"), "kube-proxy")
        .is_some());

    // A secret (say, a helm release record) keeps it too.
    server.api.delete("daemonsets", Some(NS), "someone-elses");
    server.api.insert(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sh.helm.release.v1.x.v1", "namespace": NS}, "data": {}}));
    let r = run(&server, &["uninstall"]);
    assert!(
        r.stderr.contains(
            "namespace/nvidia-device-plugin kept: it also holds secrets/sh.helm.release.v1.x.v1"
        ),
        "{}",
        r.stderr
    );
    assert!(server
        .api
        .get("secrets", Some(NS), "sh.helm.release.v1.x.v1")
        .is_some());

    // With the foreign objects gone, the namespace goes too.
    server
        .api
        .delete("secrets", Some(NS), "sh.helm.release.v1.x.v1");
    let r = run(&server, &["uninstall"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(ours(&server.api).is_empty());
    let r = run(&server, &["uninstall"]);
    assert!(r.stderr.contains("Nothing to uninstall"), "{}", r.stderr);
}

#[test]
fn status_none_own_and_foreign() {
    let server = TestServer::start(clean_cluster());
    // Nodes still advertise devices: some device plugin kubectl mig does not know serves them.
    let unknown = run(&server, &["status", "-o", "json"]).json();
    assert_eq!(unknown["problems"][0]["code"], "UNKNOWN_DEVICE_PLUGIN");
    let message = unknown["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("6 nodes advertise"), "{message}");
    assert!(
        !message.contains("no GPU or MIG device is advertised"),
        "{message}"
    );
    // Once nothing is advertised, no device plugin runs at all.
    for mut node in server.api.list("nodes") {
        if let Some(alloc) = node["status"]["allocatable"].as_object_mut() {
            for (name, value) in alloc.iter_mut() {
                if name.starts_with("nvidia.com/") {
                    *value = json!("0");
                }
            }
        }
        server.api.insert(node);
    }
    let none = run(&server, &["status", "-o", "json"]).json();
    assert_eq!(none["components"], json!([]));
    assert_eq!(none["problems"][0]["code"], "NO_DEVICE_PLUGIN");
    let text = run(&server, &["status"]).ok();
    assert!(text.contains("No NVIDIA device plugin"), "{text}");

    run(&server, &["install", "--strategy", "mixed"]).ok();
    let own = run(&server, &["status", "-o", "json"]).json();
    let comps = own["components"].as_array().unwrap();
    let dp = comps
        .iter()
        .find(|c| c["component"] == "device-plugin")
        .unwrap();
    assert_eq!(dp["owner"]["kind"], "kubectl-mig");
    assert_eq!(dp["strategy"], "mixed");
    assert_eq!(dp["version"], "v0.20.0");
    assert!(comps
        .iter()
        .any(|c| c["component"] == "gpu-feature-discovery"));
    assert!(comps.iter().any(|c| c["component"] == "nfd-worker"));
    // No pods run for our DaemonSets on the fake cluster: every GPU node lacks a plugin pod.
    assert_eq!(own["nodesWithoutDevicePlugin"].as_array().unwrap().len(), 6);

    server
        .api
        .insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "nvdp"}}));
    server.api.insert(helm_device_plugin());
    let foreign = run(&server, &["status", "-o", "json"]).json();
    let codes: Vec<&str> = foreign["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SEVERAL_DEVICE_PLUGINS"), "{codes:?}");
    assert!(codes.contains(&"STRATEGY_MISMATCH"), "{codes:?}");
    let table = run(&server, &["status"]).ok();
    assert!(table.contains("helm (release nvdp)"), "{table}");
}

#[test]
fn wait_reports_a_stalled_rollout() {
    let server = TestServer::start(clean_cluster());
    // What a DaemonSet controller says when Pod Security admission refuses its pods.
    server
        .api
        .insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    server.api.insert(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "nvidia-device-plugin.1", "namespace": NS},
        "involvedObject": {"kind": "DaemonSet", "name": "nvidia-device-plugin", "namespace": NS},
        "reason": "FailedCreate", "type": "Warning", "lastTimestamp": "2026-11-24T10:00:00Z",
        "message": "Error creating: pods \"nvidia-device-plugin-x\" is forbidden: violates PodSecurity \"baseline:latest\""
    }));
    let r = run(
        &server,
        &[
            "install",
            "--strategy",
            "mixed",
            "--wait",
            "--timeout",
            "3s",
        ],
    );
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr.contains("the rollout did not finish within 3s"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("FailedCreate: Error creating"),
        "{}",
        r.stderr
    );
}

#[test]
fn wait_confirms_nodes_advertise_the_strategy() {
    // Only mixed GPU nodes: once the daemons are rolled out, every node already matches.
    let api = FakeApi::new();
    for n in FakeApi::seeded().list("nodes") {
        let strategy = n["metadata"]["labels"]["nvidia.com/mig.strategy"]
            .as_str()
            .unwrap_or("");
        if strategy == "mixed" {
            api.insert(n);
        }
    }
    let server = TestServer::start(api);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let controller = {
        let api = server.api.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                for mut ds in api.list("daemonsets") {
                    if ds["status"]["observedGeneration"] == ds["metadata"]["generation"] {
                        continue;
                    }
                    ds["status"] = json!({"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberMisscheduled": 0,
                        "numberReady": 3, "updatedNumberScheduled": 3, "numberAvailable": 3,
                        "observedGeneration": ds["metadata"]["generation"]});
                    api.insert(ds);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let r = run(
        &server,
        &[
            "install",
            "--strategy",
            "mixed",
            "--wait",
            "--timeout",
            "30s",
        ],
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    controller.join().unwrap();
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stderr.contains("Rollout complete"), "{}", r.stderr);
    assert!(
        r.stdout.contains("Summary:") && r.stdout.contains("nvidia.com/mig-1g.12gb"),
        "{}",
        r.stdout
    );
}

#[test]
fn helm_mode_prints_the_equivalent_commands() {
    let home = TempDir::new("helm");
    let out = run_plain(
        home.path(),
        &["install", "--strategy", "mixed", "--helm", "--dry-run"],
    )
    .ok();
    assert!(
        out.contains("helm repo add nvdp https://nvidia.github.io/k8s-device-plugin"),
        "{out}"
    );
    assert!(out.contains("helm upgrade --install nvdp nvdp/nvidia-device-plugin --namespace nvidia-device-plugin --create-namespace --version 0.20.0 --set migStrategy=mixed,gfd.enabled=true"), "{out}");
    let r = bin(home.path())
        .env("PATH", "/nonexistent")
        .args(["install", "--strategy", "mixed", "--helm"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("helm is not on your PATH"));
}

#[test]
fn fields_changed_by_someone_else_need_force() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(clean_cluster());
    run(&server, &["install", "--strategy", "mixed"]).ok();
    // Another manager takes over MIG_STRATEGY with a server-side apply of its own.
    let other = r#"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"nvidia-device-plugin","namespace":"nvidia-device-plugin"},"spec":{"selector":{"matchLabels":{"app.kubernetes.io/name":"nvidia-device-plugin","app.kubernetes.io/instance":"kubectl-mig"}},"template":{"metadata":{"labels":{"app.kubernetes.io/name":"nvidia-device-plugin","app.kubernetes.io/instance":"kubectl-mig"}},"spec":{"containers":[{"name":"nvidia-device-plugin-ctr","env":[{"name":"MIG_STRATEGY","value":"single"}]}]}}}}"#;
    let r = kubectl_stdin(
        &server,
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=someone",
            "-f",
            "-",
        ],
        other,
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr
            .contains("was changed by someone else since kubectl mig applied it"),
        "{}",
        r.stderr
    );
    let r = run(&server, &["install", "--strategy", "mixed", "--force"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let ds = server
        .api
        .get("daemonsets", Some(NS), "nvidia-device-plugin")
        .unwrap();
    assert_eq!(env_of(&ds, "MIG_STRATEGY").as_deref(), Some("mixed"));
}

#[test]
fn install_and_status_need_no_cluster_wide_pod_list() {
    let server = TestServer::start(clean_cluster());
    server.api.set_faults(Faults {
        forbidden: vec!["pods".into()],
        ..Default::default()
    });
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        server
            .api
            .requests()
            .iter()
            .all(|r| r.path != "/api/v1/pods"),
        "pods of the whole cluster were listed"
    );
}

#[test]
fn helm_mode_runs_helm_after_the_same_safety_checks() {
    let dir = TempDir::new("fake-helm");
    let log = dir.path().join("calls");
    let helm = dir.path().join("helm");
    std::fs::write(
        &helm,
        format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&helm, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let home = TempDir::new("fake-helm-home");

    // The seeded cluster runs AKS's device plugin: helm is not even called.
    let busy = TestServer::start(FakeApi::seeded());
    let r = bin(home.path())
        .env("PATH", &path)
        .arg("--kubeconfig")
        .arg(busy.kubeconfig())
        .args(["install", "--strategy", "mixed", "--helm"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1), "{r:?}");
    assert!(String::from_utf8_lossy(&r.stderr).contains("NVIDIA GPU software is already running"));
    assert!(!log.exists(), "helm ran next to a foreign device plugin");

    let server = TestServer::start(clean_cluster());
    let r = bin(home.path())
        .env("PATH", &path)
        .arg("--kubeconfig")
        .arg(server.kubeconfig())
        .args([
            "install",
            "--strategy",
            "single",
            "--helm",
            "--node-selector",
            "pool=a,b",
        ])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{r:?}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 3, "{calls}");
    assert!(
        lines[2].starts_with(
            "upgrade --install nvdp nvdp/nvidia-device-plugin --namespace nvidia-device-plugin"
        ),
        "{calls}"
    );
    assert!(
        lines[2].contains("migStrategy=single,gfd.enabled=true,nodeSelector.pool=a\\,b"),
        "{calls}"
    );
}

#[test]
fn uninstall_namespace_flag_scopes_what_is_deleted() {
    let server = TestServer::start(clean_cluster());
    run(&server, &["install", "--strategy", "mixed", "-n", "gpu-a"]).ok();
    assert!(server
        .api
        .get("daemonsets", Some("gpu-a"), "nvidia-device-plugin")
        .is_some());
    let r = run(&server, &["uninstall", "-n", "elsewhere"]);
    assert!(r.stderr.contains("Nothing to uninstall"), "{r:#?}");
    assert!(!ours(&server.api).is_empty());
    let r = run(&server, &["uninstall", "-n", "gpu-a"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains(
            "customresourcedefinition.apiextensions.k8s.io/nodefeatures.nfd.k8s-sigs.io deleted"
        ),
        "{}",
        r.stdout
    );
    assert!(ours(&server.api).is_empty(), "{:?}", ours(&server.api));
}

#[test]
fn uninstall_keeps_a_crd_while_other_teams_objects_of_its_kind_exist() {
    let server = TestServer::start(clean_cluster());
    run(&server, &["install", "--strategy", "mixed"]).ok();
    server.api.insert(json!({
        "apiVersion": "nfd.k8s-sigs.io/v1alpha1", "kind": "NodeFeatureRule",
        "metadata": {"name": "team-infiniband"},
        "spec": {"rules": [{"name": "ib", "labels": {"example.com/ib": "true"}, "matchFeatures": [{"feature": "kernel.loadedmodule", "matchExpressions": {"ib_core": {"op": "Exists"}}}]}]}
    }));
    let r = run(&server, &["uninstall"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("customresourcedefinition/nodefeaturerules.nfd.k8s-sigs.io kept: deleting it would delete nodefeaturerules/team-infiniband"),
        "{}",
        r.stderr
    );
    assert!(server
        .api
        .get(
            "customresourcedefinitions",
            None,
            "nodefeaturerules.nfd.k8s-sigs.io"
        )
        .is_some());
    assert!(server
        .api
        .get("nodefeaturerules", None, "team-infiniband")
        .is_some());
    server
        .api
        .delete("nodefeaturerules", None, "team-infiniband");
    let r = run(&server, &["uninstall"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(ours(&server.api).is_empty(), "{:?}", ours(&server.api));
}

#[test]
fn an_install_refused_half_way_names_what_it_left_behind() {
    let server = TestServer::start(clean_cluster());
    server.api.set_faults(Faults {
        forbidden: vec!["customresourcedefinitions".into()],
        ..Default::default()
    });
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_eq!(r.code, 1, "{r:#?}");
    let line = r.stderr.trim();
    assert!(line.contains("403"), "{line}");
    assert!(
        line.contains("the install stopped after creating namespace/nvidia-device-plugin"),
        "{line}"
    );
    assert!(line.contains("kubectl mig uninstall"), "{line}");
}

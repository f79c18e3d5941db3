//! `kubectl mig install` / `uninstall` / `status` end to end, objects checked through the real
//! kubectl too.

use crate::support::*;
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

/// Asserts that both of our device-plugin DaemonSets run `strategy`.
#[track_caller]
fn assert_daemonsets_run(api: &FakeApi, strategy: &str) {
    for ds in ["nvidia-device-plugin", "nvidia-gpu-feature-discovery"] {
        let obj = api.get("daemonsets", Some(NS), ds).unwrap();
        assert_eq!(
            env_of(&obj, "MIG_STRATEGY").as_deref(),
            Some(strategy),
            "{ds}"
        );
    }
}

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
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
    let home = temp_dir("install-dry");
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
    let home = temp_dir("install-kubectl");
    let yaml = run_plain(
        home.path(),
        &["install", "--strategy", "mixed", "--dry-run", "-o", "yaml"],
    )
    .ok();
    // As on a real cluster, namespaced objects validate only in an existing namespace.
    server.api.insert(namespace(NS));
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
    assert_ok!(r);
    assert_contains!(
        r.stdout,
        "daemonset.apps/nvidia-device-plugin serverside-applied (server dry run)"
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
    assert_ok!(r);
    assert_contains!(r.stdout, "customresourcedefinition.apiextensions.k8s.io/nodefeatures.nfd.k8s-sigs.io created (server dry run)");
    assert_contains!(r.stdout, "daemonset.apps/nvidia-device-plugin not validated (namespace nvidia-device-plugin does not exist yet)");
    server.api.insert(namespace(NS));
    let r = run(
        &server,
        &["install", "--strategy", "mixed", "--dry-run=server"],
    );
    assert_ok!(r);
    assert_contains!(
        r.stdout,
        "daemonset.apps/nvidia-device-plugin created (server dry run)"
    );
    assert_contains!(
        r.stdout,
        "namespace/nvidia-device-plugin unchanged (exists; not managed by kubectl mig)"
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
    install_single_and_check_every_object(&server);

    let before = versions(&server.api);
    let again = run(&server, &["install", "--strategy", "single"]);
    assert_ok!(again);
    assert!(
        again.stdout.lines().all(|l| l.ends_with(" unchanged")),
        "{}",
        again.stdout
    );
    assert_contains!(again.stderr, "Nothing changed");
    assert_eq!(
        versions(&server.api),
        before,
        "a second identical install changed something"
    );

    // The seeded single-strategy nodes' nvidia.com/gpu becomes nvidia.com/mig-1g.5gb under mixed:
    // the bare pod asking for nvidia.com/gpu there would break, so the switch needs --force.
    server.api.clear_requests();
    let refused = run(&server, &["install", "--strategy", "mixed"]);
    assert_exit!(refused, 1);
    assert_contains!(refused.stderr, "Pod ml/jupyter-alice requests nvidia.com/gpu, which vanishes under mixed on node aks-a100single-31485672-vmss000000 it targets");
    assert_contains!(refused.stderr, "would break 0 node(s) and 1 workload(s)");
    assert!(server.api.requests().iter().all(|r| r.method == "GET"));
    let switch = run(&server, &["install", "--strategy", "mixed", "--force"]);
    assert_ok!(switch);
    assert_contains!(
        switch.stdout,
        "daemonset.apps/nvidia-device-plugin configured"
    );
    assert_contains!(switch.stderr, "Strategy changed from single to mixed");
    assert_daemonsets_run(&server.api, "mixed");

    if have_kubectl() {
        check_the_mixed_install_through_kubectl(&server);
    }
}

fn install_single_and_check_every_object(server: &TestServer) {
    let r = run(server, &["install", "--strategy", "single"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "daemonset.apps/nvidia-device-plugin created");
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
    assert_daemonsets_run(&server.api, "single");
    for ds in ["nvidia-device-plugin", "nvidia-gpu-feature-discovery"] {
        let obj = server.api.get("daemonsets", Some(NS), ds).unwrap();
        assert!(items(&obj["metadata"]["managedFields"])
            .iter()
            .any(|m| m["manager"] == "kubectl-mig" && m["operation"] == "Apply"));
    }
}

fn check_the_mixed_install_through_kubectl(server: &TestServer) {
    let ds: Value = serde_json::from_str(
        &kubectl(
            server,
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
        server,
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
    assert_contains!(listed, "daemonset.apps/nvidia-device-plugin");
}

#[test]
fn foreign_device_plugin_blocks_install_unless_forced() {
    let api = clean_cluster();
    api.insert(namespace("nvdp"));
    api.insert(helm_device_plugin());
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "NVIDIA GPU software is already running (device-plugin DaemonSet nvdp/nvdp-nvidia-device-plugin installed by helm (release nvdp))");
    assert_contains!(
        r.stderr,
        "helm upgrade nvdp <chart> --reuse-values --set migStrategy=mixed"
    );
    assert!(ours(&server.api).is_empty(), "nothing may be written");
    let forced = run(&server, &["install", "--strategy", "mixed", "--force"]);
    assert_ok!(forced);
    assert_contains!(forced.stderr, "because of --force");
}

#[test]
fn gpu_operator_and_aks_device_plugins_are_named() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "kube-system/nvidia-device-plugin-daemonset");
}

#[test]
fn existing_nfd_is_reused() {
    let api = clean_cluster();
    api.insert(namespace("node-feature-discovery"));
    api.insert(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "nfd-worker", "namespace": "node-feature-discovery",
            "annotations": {"meta.helm.sh/release-name": "nfd"}},
        "spec": {"selector": {"matchLabels": {"app": "nfd"}}, "template": {"metadata": {"labels": {"app": "nfd"}},
            "spec": {"containers": [{"name": "worker", "image": "registry.k8s.io/nfd/node-feature-discovery:v0.17.3", "command": ["nfd-worker"]}]}}}
    }));
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_ok!(r);
    assert_contains!(
        r.stderr,
        "Reusing Node Feature Discovery in namespace node-feature-discovery"
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
    api.insert(namespace(NS));
    api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nfd-master-conf", "namespace": NS}, "data": {"mine": "yes"}}));
    let server = TestServer::start(api);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_exit!(r, 1);
    assert_contains!(
        r.stderr,
        "already exists and was not created by kubectl mig"
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
    dry_runs_of_uninstall_delete_nothing(&server);

    let r = run(&server, &["uninstall"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "namespace/nvidia-device-plugin kept");
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

    uninstall_keeps_the_namespace_until_foreign_objects_are_gone(&server);
}

fn dry_runs_of_uninstall_delete_nothing(server: &TestServer) {
    let dry = run(server, &["uninstall", "--dry-run"]);
    assert_ok!(dry);
    assert_contains!(
        dry.stdout,
        "daemonset.apps/nvidia-device-plugin deleted (dry run)"
    );
    assert!(!ours(&server.api).is_empty(), "dry run deleted something");
    let server_dry = run(server, &["uninstall", "--dry-run=server"]);
    assert_contains!(
        server_dry.stdout,
        "daemonset.apps/nvidia-device-plugin deleted (server dry run)"
    );
    assert!(
        !ours(&server.api).is_empty(),
        "server dry run deleted something"
    );
}

fn uninstall_keeps_the_namespace_until_foreign_objects_are_gone(server: &TestServer) {
    // A secret (say, a helm release record) keeps it too.
    server.api.delete("daemonsets", Some(NS), "someone-elses");
    server.api.insert(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sh.helm.release.v1.x.v1", "namespace": NS}, "data": {}}));
    let r = run(server, &["uninstall"]);
    assert_contains!(
        r.stderr,
        "namespace/nvidia-device-plugin kept: it also holds secrets/sh.helm.release.v1.x.v1"
    );
    assert!(server
        .api
        .get("secrets", Some(NS), "sh.helm.release.v1.x.v1")
        .is_some());

    // With the foreign objects gone, the namespace goes too.
    server
        .api
        .delete("secrets", Some(NS), "sh.helm.release.v1.x.v1");
    let r = run(server, &["uninstall"]);
    assert_ok!(r);
    assert!(ours(&server.api).is_empty());
    let r = run(server, &["uninstall"]);
    assert_contains!(r.stderr, "Nothing to uninstall");
}

#[test]
fn status_none_own_and_foreign() {
    let server = TestServer::start(clean_cluster());
    // Nodes still advertise devices: some device plugin kubectl mig does not know serves them.
    let unknown = run(&server, &["status", "-o", "json"]).json();
    assert_eq!(unknown["problems"][0]["code"], "UNKNOWN_DEVICE_PLUGIN");
    let message = unknown["problems"][0]["message"].as_str().unwrap();
    assert_contains!(message, "6 nodes advertise");
    assert_lacks!(message, "no GPU or MIG device is advertised");
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
    assert_contains!(text, "No NVIDIA device plugin");

    run(&server, &["install", "--strategy", "mixed"]).ok();
    status_shows_our_components(&server);
    server.api.insert(namespace("nvdp"));
    server.api.insert(helm_device_plugin());
    status_shows_a_foreign_device_plugin(&server);
}

fn status_shows_our_components(server: &TestServer) {
    let own = run(server, &["status", "-o", "json"]).json();
    let comps = items(&own["components"]);
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
    assert_eq!(items(&own["nodesWithoutDevicePlugin"]).len(), 6);
}

fn status_shows_a_foreign_device_plugin(server: &TestServer) {
    let foreign = run(server, &["status", "-o", "json"]).json();
    let codes: Vec<&str> = items(&foreign["problems"])
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SEVERAL_DEVICE_PLUGINS"), "{codes:?}");
    assert!(codes.contains(&"STRATEGY_MISMATCH"), "{codes:?}");
    let table = run(server, &["status"]).ok();
    assert_contains!(table, "helm (release nvdp)");
}

#[test]
fn wait_reports_a_stalled_rollout() {
    let server = TestServer::start(clean_cluster());
    // What a DaemonSet controller says when Pod Security admission refuses its pods.
    server.api.insert(namespace(NS));
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
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "the rollout did not finish within 3s");
    assert_contains!(r.stderr, "FailedCreate: Error creating");
}

/// A stand-in DaemonSet controller: marks every DaemonSet of `api` rolled out until dropped.
struct RolloutController {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RolloutController {
    fn start(api: FakeApi) -> RolloutController {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
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
        });
        RolloutController {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for RolloutController {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let joined = thread.join();
            if !std::thread::panicking() {
                joined.expect("the rollout controller panicked");
            }
        }
    }
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
    let controller = RolloutController::start(server.api.clone());
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
    drop(controller);
    assert_ok!(r);
    assert_contains!(r.stderr, "Rollout complete");
    assert_contains!(r.stdout, "Summary:");
    assert_contains!(r.stdout, "nvidia.com/mig-1g.12gb");
}

#[test]
fn helm_mode_prints_the_equivalent_commands() {
    let home = temp_dir("helm");
    let out = run_plain(
        home.path(),
        &["install", "--strategy", "mixed", "--helm", "--dry-run"],
    )
    .ok();
    assert_contains!(
        out,
        "helm repo add nvdp https://nvidia.github.io/k8s-device-plugin"
    );
    assert_contains!(out, "helm upgrade --install nvdp nvdp/nvidia-device-plugin --namespace nvidia-device-plugin --create-namespace --version 0.20.0 --set migStrategy=mixed,gfd.enabled=true");
    let r = run_cmd(bin(home.path()).env("PATH", "/nonexistent").args([
        "install",
        "--strategy",
        "mixed",
        "--helm",
    ]));
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "helm is not on your PATH");
}

#[test]
fn fields_changed_by_someone_else_need_force() {
    if !have_kubectl() {
        return;
    }
    let api = clean_cluster();
    // Without the one pod a strategy switch would break, the impact check lets the apply run.
    api.delete("pods", Some("ml"), "jupyter-alice");
    let server = TestServer::start(api);
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
    assert_ok!(r);
    let r = run(&server, &["install", "--strategy", "mixed"]);
    assert_exit!(r, 1);
    assert_contains!(
        r.stderr,
        "was changed by someone else since kubectl mig applied it"
    );
    let r = run(&server, &["install", "--strategy", "mixed", "--force"]);
    assert_ok!(r);
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
    assert_ok!(r);
    assert!(
        server
            .api
            .requests()
            .iter()
            .all(|r| r.path != "/api/v1/pods"),
        "pods of the whole cluster were listed"
    );
}

/// `install --helm` against `server` with a fake `helm` first on PATH that logs its arguments
/// to `<dir>/calls`.
fn install_with_fake_helm(dir: &TempDir, server: &TestServer, args: &[&str]) -> Run {
    let log = dir.path().join("calls");
    script(
        dir.path(),
        "helm",
        &format!("echo \"$*\" >> {}", log.display()),
    );
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    run_cmd(
        bin(&home)
            .env("PATH", path_with(dir.path()))
            .arg("--kubeconfig")
            .arg(server.kubeconfig())
            .args(["install", "--helm"])
            .args(args),
    )
}

#[test]
fn helm_mode_runs_helm_after_the_same_safety_checks() {
    let dir = temp_dir("fake-helm");
    let log = dir.path().join("calls");

    // The seeded cluster runs AKS's device plugin: helm is not even called.
    let busy = TestServer::start(FakeApi::seeded());
    let r = install_with_fake_helm(&dir, &busy, &["--strategy", "mixed"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "NVIDIA GPU software is already running");
    assert!(!log.exists(), "helm ran next to a foreign device plugin");

    let server = TestServer::start(clean_cluster());
    let r = install_with_fake_helm(
        &dir,
        &server,
        &["--strategy", "single", "--node-selector", "pool=a,b"],
    );
    assert_ok!(r);
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 3, "{calls}");
    assert!(
        lines[2].starts_with(
            "upgrade --install nvdp nvdp/nvidia-device-plugin --namespace nvidia-device-plugin"
        ),
        "{calls}"
    );
    assert_contains!(
        lines[2],
        "migStrategy=single,gfd.enabled=true,nodeSelector.pool=a\\,b"
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
    assert_contains!(r.stderr, "Nothing to uninstall");
    assert!(!ours(&server.api).is_empty());
    let r = run(&server, &["uninstall", "-n", "gpu-a"]);
    assert_ok!(r);
    assert_contains!(
        r.stdout,
        "customresourcedefinition.apiextensions.k8s.io/nodefeatures.nfd.k8s-sigs.io deleted"
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
    assert_ok!(r);
    assert_contains!(
        r.stderr,
        "customresourcedefinition/nodefeaturerules.nfd.k8s-sigs.io kept: deleting it would delete nodefeaturerules/team-infiniband"
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
    assert_ok!(r);
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
    assert_exit!(r, 1);
    let line = r.stderr.trim();
    assert_contains!(line, "403");
    assert_contains!(
        line,
        "the install stopped after creating namespace/nvidia-device-plugin"
    );
    assert_contains!(line, "kubectl mig uninstall");
}

#[test]
fn switching_to_single_lists_the_nodes_and_workloads_it_breaks() {
    let api = clean_cluster();
    api.insert(serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "infer", "namespace": "ml"},
        "spec": {"selector": {"matchLabels": {"app": "infer"}}, "template": {
            "metadata": {"labels": {"app": "infer"}},
            "spec": {"nodeSelector": {"kubernetes.azure.com/agentpool": "a100mixed"},
                "tolerations": [{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
                "containers": [{"name": "triton", "image": "nvcr.io/nvidia/tritonserver:25.01-py3",
                    "resources": {"limits": {"nvidia.com/mig-3g.20gb": "1"}}}]}}}}));
    let server = TestServer::start(api);
    assert_ok!(run(&server, &["install", "--strategy", "mixed", "--force"]));
    let node_line = "node aks-a100mixed-27591046-vmss000000: its layout (28 x 1g.5gb, 4 x 3g.20gb and 2 whole GPU(s)) cannot be served by single";
    let workload_line = "Deployment ml/infer requests nvidia.com/mig-3g.20gb, which vanishes under single on node aks-a100mixed-27591046-vmss000000 it targets";
    server.api.clear_requests();
    let refused = run(&server, &["install", "--strategy", "single"]);
    assert_exit!(refused, 1);
    assert_contains!(refused.stderr, node_line);
    assert_contains!(refused.stderr, workload_line);
    assert_contains!(refused.stderr, "or pass --force; nothing was changed");
    assert!(server.api.requests().iter().all(|r| r.method == "GET"));
    // A server dry run says it and goes on validating; --force applies anyway.
    let dry = run(
        &server,
        &["install", "--strategy", "single", "--dry-run=server"],
    );
    assert_ok!(dry);
    assert_contains!(dry.stderr, workload_line);
    let forced = run(&server, &["install", "--strategy", "single", "--force"]);
    assert_ok!(forced);
    assert_contains!(forced.stderr, node_line);
    assert_contains!(forced.stderr, "Strategy changed from mixed to single");
}

//! `kubectl mig run` end to end: the resource name that fits each strategy, scheduling on the
//! fake cluster's tiny scheduler and kubelet, logs, exit codes, and nothing left behind.

use crate::support::*;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;
use std::time::{Duration, Instant};

fn test_pods(api: &FakeApi) -> Vec<Value> {
    api.list("pods")
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["app.kubernetes.io/component"] == "mig-test")
        .collect()
}

/// Asserts that no test pod is left on the cluster.
#[track_caller]
fn assert_no_test_pod(server: &TestServer) {
    let pods = test_pods(&server.api);
    assert!(pods.is_empty(), "pod left behind: {pods:?}");
}

fn kept_pod(server: &TestServer, args: &[&str]) -> Value {
    let mut all = vec!["run", "--keep"];
    all.extend_from_slice(args);
    assert_ok!(run(server, &all));
    let pods = test_pods(&server.api);
    assert_eq!(pods.len(), 1, "{pods:?}");
    pods.into_iter().next().unwrap()
}

/// The number of watches the server was asked for.
fn watches(server: &TestServer) -> usize {
    server
        .api
        .requests()
        .iter()
        .filter(|r| r.query.contains("watch="))
        .count()
}

/// Whether nothing was created (no POST reached the server).
fn nothing_posted(server: &TestServer) -> bool {
    server.api.requests().iter().all(|r| r.method != "POST")
}

/// `run --dry-run` offline with `strategy` and profile 1g.5gb, as `-o output`.
fn offline_dry_run(home: &TempDir, strategy: &str, dry_run: &str, output: &str) -> Run {
    run_plain(
        home.path(),
        &[
            "run",
            "--strategy",
            strategy,
            "--profile",
            "1g.5gb",
            dry_run,
            "-o",
            output,
        ],
    )
}

#[test]
fn mixed_profile_requests_its_own_resource_and_streams_nvidia_smi() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["run", "--profile", "3g.20gb"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "MIG 3g.20gb");
    assert_contains!(r.stderr, "requesting 1 × nvidia.com/mig-3g.20gb");
    assert_contains!(r.stderr, "deleted");
    assert_no_test_pod(&server);
}

#[test]
fn single_profile_requests_nvidia_gpu_pinned_to_the_product() {
    let server = TestServer::start(FakeApi::seeded());
    let pod = kept_pod(&server, &["--profile", "1g.5gb", "--strategy", "single"]);
    let spec = &pod["spec"];
    assert_eq!(
        spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
        "1"
    );
    assert_eq!(
        spec["containers"][0]["resources"]["requests"]["nvidia.com/gpu"],
        "1"
    );
    assert_eq!(
        spec["nodeSelector"]["nvidia.com/gpu.product"],
        "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"
    );
    assert!(spec["nodeName"]
        .as_str()
        .unwrap()
        .starts_with("aks-a100single-"));
    let tolerations = items(&spec["tolerations"]);
    assert!(
        tolerations
            .iter()
            .any(|t| t["key"] == "sku" && t["value"] == "gpu"),
        "{tolerations:?}"
    );
    assert_eq!(
        pod["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-mig"
    );
    assert_eq!(spec["restartPolicy"], "Never");
}

#[test]
fn h100_node_with_three_profiles() {
    let server = TestServer::start(FakeApi::seeded());
    for profile in ["1g.12gb", "3g.47gb"] {
        let r = run(
            &server,
            &["run", "--node", H100_MIXED, "--profile", profile],
        );
        assert_ok!(r);
        assert_contains!(r.stdout, &format!("MIG {profile}"));
    }
    // 2g.24gb: its only device is held by mig-check-h100.
    let r = run(
        &server,
        &["run", "--node", H100_MIXED, "--profile", "2g.24gb"],
    );
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "no node has 1 free nvidia.com/mig-2g.24gb");
    assert_no_test_pod(&server);
}

#[test]
fn node_flag_pins_a_tainted_node_and_tolerates_it() {
    let server = TestServer::start(FakeApi::seeded());
    let pod = kept_pod(&server, &["--node", A100_SINGLE_1, "--profile", "1g.5gb"]);
    assert_eq!(pod["spec"]["nodeName"], A100_SINGLE_1);
    let terms = &pod["spec"]["affinity"]["nodeAffinity"]
        ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    assert_eq!(terms[0]["matchFields"][0]["values"][0], A100_SINGLE_1);
    assert!(items(&pod["spec"]["tolerations"])
        .iter()
        .any(|t| t["key"] == "sku"));
    // The node runs single: the pod asks for nvidia.com/gpu.
    assert_eq!(
        pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
        "1"
    );
}

#[test]
fn without_profile_picks_the_smallest_free_one_and_says_so() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["run"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "Using MIG profile 1g.5gb");
}

#[test]
fn unknown_profile_lists_what_the_cluster_offers() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["run", "--profile", "7g.80gb"]);
    assert_exit!(r, 1);
    let err = r.stderr.trim();
    assert!(
        err.starts_with("error: no node offers MIG profile 7g.80gb (offered: 1g.5gb ("),
        "{err}"
    );
    assert_contains!(err, "3g.47gb (1 free)");
    assert_lacks!(err, '\n');
    assert!(nothing_posted(&server), "nothing may be created");
}

#[test]
fn count_above_free_is_refused_before_creating_anything() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["run", "--profile", "3g.20gb", "--count", "4"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "no node has 4 free nvidia.com/mig-3g.20gb");
    assert!(nothing_posted(&server));
}

#[test]
fn insufficient_capacity_with_force_is_explained_and_cleaned_up() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["run", "--profile", "2g.24gb", "--force"]);
    assert_exit!(r, 1);
    let err = r.stderr.lines().find(|l| l.starts_with("error: ")).unwrap();
    assert_contains!(err, "cannot be scheduled: no node has 1 free nvidia.com/mig-2g.24gb (1 allocatable, 1 requested)");
    assert_contains!(
        err,
        "Insufficient nvidia.com/mig-2g.24gb",
        "scheduler message missing"
    );
    assert_no_test_pod(&server);
}

#[test]
fn wrong_strategy_resource_is_named_as_such() {
    let server = TestServer::start(FakeApi::seeded());
    // Only single nodes have 1g.5gb devices once the mixed node is cordoned.
    let mut node = server.api.get("nodes", None, A100_MIXED).unwrap();
    node["spec"]["unschedulable"] = Value::Bool(true);
    server.api.insert(node);
    let r = run(
        &server,
        &[
            "run",
            "--profile",
            "1g.5gb",
            "--strategy",
            "mixed",
            "--force",
        ],
    );
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "run the single strategy");
    assert_no_test_pod(&server);
}

#[test]
fn container_exit_code_is_passed_through() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(
        &server,
        &[
            "run",
            "--profile",
            "1g.10gb",
            "--",
            "sh",
            "-c",
            "echo hello; exit 3",
        ],
    );
    assert_exit!(r, 3);
    assert_contains!(r.stderr, "exited with code 3");
    assert_no_test_pod(&server);
}

#[test]
fn dropped_watch_streams_are_resumed() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        drop_watch_after_events: Some(1),
        ..Default::default()
    });
    let r = run(&server, &["run", "--profile", "1g.5gb"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "MIG 1g.5gb");
    let watches = watches(&server);
    assert!(watches >= 2, "the watch was not resumed ({watches})");
}

#[test]
fn timeout_while_pending_cleans_up() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_scheduler_enabled(false);
    let started = Instant::now();
    let r = run(&server, &["run", "--profile", "1g.5gb", "--timeout", "1s"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "did not start within 1s");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_no_test_pod(&server);
}

#[test]
fn sigint_while_pending_deletes_the_pod() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_scheduler_enabled(false);
    let child = bin_for(&server)
        .args(["run", "--profile", "1g.5gb"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while test_pods(&server.api).is_empty() {
        assert!(Instant::now() < deadline, "pod never created");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let kill = run_cmd(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert_ok!(kill);
    let r = Run::from(child.wait_with_output().unwrap());
    assert_exit!(r, 130);
    assert_no_test_pod(&server);
}

#[test]
fn existing_pod_of_the_same_name_is_never_touched() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.insert(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "precious", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Pending"}
    }));
    let r = run(&server, &["run", "precious", "--profile", "1g.5gb"]);
    assert_exit!(r, 1);
    assert!(
        r.stderr.contains("409") || r.stderr.contains("already exists"),
        "{}",
        r.stderr
    );
    assert!(server
        .api
        .get("pods", Some("default"), "precious")
        .is_some());
}

#[test]
fn namespace_flag_is_used() {
    let server = TestServer::start(FakeApi::seeded());
    let pod = kept_pod(&server, &["-n", "gpu-tests", "--profile", "1g.10gb"]);
    assert_eq!(pod["metadata"]["namespace"], "gpu-tests");
}

#[test]
fn offline_dry_run_for_both_strategies_is_a_valid_pod() {
    let home = temp_dir("dry");
    for (strategy, resource) in [
        ("single", "nvidia.com/gpu"),
        ("mixed", "nvidia.com/mig-1g.5gb"),
    ] {
        let yaml = offline_dry_run(&home, strategy, "--dry-run", "yaml").ok();
        check_the_dry_run_pod(&serde_yaml::from_str(&yaml).unwrap(), resource);
        let json = offline_dry_run(&home, strategy, "--dry-run=client", "json").json();
        assert_eq!(json["kind"], "Pod");
    }
}

fn check_the_dry_run_pod(pod: &Pod, resource: &str) {
    let spec = pod.spec.as_ref().unwrap();
    let c = &spec.containers[0];
    assert_eq!(c.command.as_deref().unwrap(), ["nvidia-smi", "-L"]);
    assert!(c
        .image
        .as_deref()
        .unwrap()
        .starts_with("nvcr.io/nvidia/cuda:12."));
    let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(limits[resource].0, "1");
    // A name, not generateName, so the YAML works with kubectl apply.
    let name = pod.metadata.name.as_deref().unwrap();
    assert!(name.starts_with("mig-test-") && name.len() == 14, "{name}");
    assert!(pod.metadata.generate_name.is_none());
    let tolerations = spec.tolerations.as_deref().unwrap();
    assert!(
        tolerations.iter().any(|t| t.key.as_deref() == Some("sku")),
        "AKS GPU pools' taint"
    );
}

#[test]
fn dry_run_yaml_is_accepted_by_kubectl_server_side_dry_run() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(FakeApi::seeded());
    let home = temp_dir("dry-kubectl");
    for strategy in ["single", "mixed"] {
        let yaml = offline_dry_run(&home, strategy, "--dry-run", "yaml").ok();
        let r = kubectl_stdin(&server, &["apply", "--dry-run=server", "-f", "-"], &yaml);
        assert_ok!(r);
        assert!(r.stdout.starts_with("pod/mig-test-"), "{}", r.stdout);
        assert_contains!(r.stdout, " created (server dry run)");
    }
    assert_no_test_pod(&server);
}

#[test]
fn server_dry_run_stores_nothing() {
    let server = TestServer::start(FakeApi::seeded());
    let yaml = run(
        &server,
        &[
            "run",
            "--profile",
            "3g.20gb",
            "--dry-run=server",
            "-o",
            "yaml",
        ],
    )
    .ok();
    let pod: Pod = serde_yaml::from_str(&yaml).unwrap();
    assert!(pod.metadata.name.unwrap().starts_with("mig-test-"));
    assert_no_test_pod(&server);
    assert!(server
        .api
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.query.contains("dryRun=All")));
}

#[test]
fn unschedulable_pods_wait_for_a_cluster_autoscaler() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.insert(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-autoscaler-status", "namespace": "kube-system"},
        "data": {"status": "Cluster-autoscaler status at 2026-11-24 ..."}
    }));
    let started = Instant::now();
    let r = run(
        &server,
        &["run", "--profile", "2g.24gb", "--force", "--timeout", "2s"],
    );
    assert_exit!(r, 1);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "gave up before the timeout"
    );
    assert_contains!(
        r.stderr,
        "did not start within 2s: no node has 1 free nvidia.com/mig-2g.24gb"
    );
    assert_no_test_pod(&server);
}

#[test]
fn forced_single_profile_is_still_pinned_to_its_product() {
    let server = TestServer::start(FakeApi::seeded());
    // No node is cut into 1g.12gb under single: the pod must not land on another profile's
    // nvidia.com/gpu and "pass" on the wrong device.
    let r = run(
        &server,
        &[
            "run",
            "--strategy",
            "single",
            "--profile",
            "1g.12gb",
            "--force",
        ],
    );
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "didn't match Pod's node affinity/selector");
    assert_lacks!(r.stdout, "MIG 1g.5gb");
    assert_no_test_pod(&server);
}

#[test]
fn client_dry_run_uses_the_clusters_own_product_labels_when_it_answers() {
    let server = TestServer::start(FakeApi::seeded());
    let yaml = run(
        &server,
        &[
            "run",
            "--strategy",
            "single",
            "--profile",
            "1g.5gb",
            "--dry-run",
            "-o",
            "yaml",
        ],
    )
    .ok();
    let pod: Pod = serde_yaml::from_str(&yaml).unwrap();
    let spec = pod.spec.unwrap();
    assert_eq!(
        spec.node_selector.unwrap()["nvidia.com/gpu.product"],
        "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb",
        "the value the nodes carry, not the catalog's list"
    );
    assert!(spec.affinity.is_none());
    assert!(spec
        .tolerations
        .unwrap()
        .iter()
        .any(|t| t.key.as_deref() == Some("sku")));
    assert!(
        test_pods(&server.api).is_empty(),
        "a client dry run creates nothing"
    );
    assert!(server.api.requests().iter().all(|r| r.method == "GET"));
}

/// A remote API server answers in 100 ms or more: the pod must still be followed to its end
/// with one watch, not a storm of watches cancelled by the progress ticker.
#[test]
fn run_follows_its_pod_at_any_api_latency() {
    for latency_ms in [0u64, 120, 500] {
        let server = TestServer::start(FakeApi::seeded());
        server.api.set_faults(Faults {
            latency: Duration::from_millis(latency_ms),
            ..Default::default()
        });
        let r = run(&server, &["run", "--profile", "1g.5gb", "--timeout", "60s"]);
        assert_ok!(r, "at {latency_ms} ms");
        assert_contains!(r.stdout, "MIG 1g.5gb", "at {latency_ms} ms");
        let watches = watches(&server);
        assert!(watches <= 3, "at {latency_ms} ms: {watches} watches opened");
        assert_no_test_pod(&server);
    }
}

/// A pod already bound to a node (pulling its image) is explained from its own state, not from
/// the capacity seen before it was created; sub-second timeouts are printed as such.
#[test]
fn a_bound_pod_that_does_not_start_is_explained_from_its_state() {
    let server = TestServer::start(FakeApi::seeded());
    server
        .api
        .set_kubelet_delays(Duration::from_secs(30), Duration::from_millis(100));
    let r = run(
        &server,
        &["run", "--profile", "1g.5gb", "--timeout", "1500ms"],
    );
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "did not start within 1.5s");
    assert_contains!(r.stderr, "was placed on node");
    assert_lacks!(r.stderr, "no node has");
    assert_no_test_pod(&server);
}

//! `kubectl mig reconfigure` end to end against the fake GPU Operator MIG manager: mixed and
//! single nodes, GPU pods and disruption budgets, refusals before any change, a failed and a
//! wedged manager, Ctrl-C, dry runs, rollback, `--list`, and AKS pools' replacement plan.

use crate::support::*;
use serde_json::json;
use std::time::{Duration, Instant};

const PREVIOUS: &str = "kubectl-mig.io/previous-mig-config";
const CORDONED: &str = "kubectl-mig.io/cordoned-for-reconfigure";

fn reconfigure(server: &TestServer, args: &[&str]) -> Run {
    let mut all = vec!["reconfigure"];
    all.extend_from_slice(args);
    run(server, &all)
}

#[test]
fn mixed_node_is_recut_and_rolled_back() {
    let server = TestServer::start(mig_manager_api(100));
    let r = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "layout all-1g.5gb -> all-3g.20gb");
    assert_contains!(r.stdout, "nvidia.com/mig-1g.5gb");
    assert_contains!(r.stdout, "vanishes");
    assert_contains!(r.stdout, "appears");
    for step in [
        "cordoned",
        "labelled nvidia.com/mig.config=all-3g.20gb",
        "uncordoned",
    ] {
        assert_contains!(r.stderr, step);
    }
    let api = &server.api;
    assert_eq!(
        allocatable(api, DGX_A100, "nvidia.com/mig-3g.20gb").as_deref(),
        Some("16")
    );
    assert_eq!(
        allocatable(api, DGX_A100, "nvidia.com/mig-1g.5gb").as_deref(),
        Some("0")
    );
    assert!(!cordoned(api, DGX_A100));
    assert_eq!(
        node_annotation(api, DGX_A100, PREVIOUS).as_deref(),
        Some("all-1g.5gb")
    );
    assert_eq!(node_annotation(api, DGX_A100, CORDONED), None);
    // Idempotent: a second run changes nothing.
    server.api.clear_requests();
    let again = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb"]);
    assert_ok!(again);
    assert_contains!(again.stderr, "already has layout all-3g.20gb");
    assert_eq!(writes(&server), Vec::<String>::new());
    // Rollback puts the recorded layout back.
    let back = reconfigure(&server, &[DGX_A100, "--rollback"]);
    assert_ok!(back);
    assert_eq!(
        node_label(api, DGX_A100, "nvidia.com/mig.config").as_deref(),
        Some("all-1g.5gb")
    );
    assert_eq!(
        allocatable(api, DGX_A100, "nvidia.com/mig-1g.5gb").as_deref(),
        Some("56")
    );
}

#[test]
fn single_node_gets_nvidia_gpu_and_refuses_mig_invalid() {
    let api = mig_manager_api(100);
    make_single(&api);
    let server = TestServer::start(api);
    server.api.clear_requests();
    let refused = reconfigure(&server, &[DGX_A100, "--config", "all-balanced"]);
    assert_exit!(refused, 1);
    assert_contains!(refused.stderr, "MIG-INVALID");
    assert_contains!(refused.stderr, "--force");
    assert_eq!(writes(&server), Vec::<String>::new());
    let r = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb"]);
    assert_ok!(r);
    assert_contains!(r.stdout, "single strategy");
    assert_eq!(
        allocatable(&server.api, DGX_A100, "nvidia.com/gpu").as_deref(),
        Some("16")
    );
    let forced = reconfigure(&server, &[DGX_A100, "--config", "all-balanced", "--force"]);
    assert_ok!(forced);
    assert_contains!(forced.stderr, "--force");
    assert_eq!(
        allocatable(&server.api, DGX_A100, "nvidia.com/gpu").as_deref(),
        Some("0")
    );
}

#[test]
fn gpu_pods_are_refused_without_drain_and_evicted_with_it() {
    let api = mig_manager_api(100);
    api.insert(gpu_pod(
        "infer-a",
        DGX_A100,
        "nvidia.com/mig-1g.5gb",
        2,
        Some("infer-7d9f8c6b5"),
    ));
    let server = TestServer::start(api);
    server.api.clear_requests();
    let refused = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb"]);
    assert_exit!(refused, 1);
    assert_contains!(refused.stdout, "ReplicaSet/infer-7d9f8c6b5");
    assert_contains!(refused.stderr, "ml/infer-a");
    assert_contains!(refused.stderr, "--drain");
    assert_eq!(writes(&server), Vec::<String>::new());
    let r = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb", "--drain"]);
    assert_ok!(r);
    assert_contains!(r.stderr, "pod/ml/infer-a evicted");
    assert!(server.api.get("pods", Some("ml"), "infer-a").is_none());
    assert!(!cordoned(&server.api, DGX_A100));
}

#[test]
fn a_daemonset_holding_gpus_is_refused_before_any_change_unless_forced() {
    let api = mig_manager_api(100);
    let mut pod = gpu_pod(
        "dcgm-probe-x7k2p",
        DGX_A100,
        "nvidia.com/mig-1g.5gb",
        1,
        None,
    );
    pod["metadata"]["ownerReferences"] = serde_json::json!([{"apiVersion": "apps/v1",
        "kind": "DaemonSet", "name": "dcgm-probe", "uid": "0b7c1e2d-0000-4000-8000-0000000000d5",
        "controller": true}]);
    api.insert(pod);
    let server = TestServer::start(api);
    server.api.clear_requests();
    for flag in ["--drain", "--wait-for-pods"] {
        let r = reconfigure(&server, &[DGX_A100, "--config", "all-3g.20gb", flag]);
        assert_exit!(r, 1);
        assert_contains!(r.stderr, "pod ml/dcgm-probe-x7k2p");
        assert_contains!(r.stderr, "DaemonSet/dcgm-probe");
        assert_contains!(r.stderr, "--force");
        assert_contains!(r.stderr, "nothing was changed");
    }
    assert_eq!(writes(&server), Vec::<String>::new());
    assert!(!cordoned(&server.api, DGX_A100));
    // Forced, the pod is evicted like any other (no DaemonSet controller runs here to bring it
    // back).
    let r = reconfigure(
        &server,
        &[DGX_A100, "--config", "all-3g.20gb", "--drain", "--force"],
    );
    assert_ok!(r);
    assert_contains!(r.stderr, "pod/ml/dcgm-probe-x7k2p evicted");
}

#[test]
fn a_disruption_budget_stops_the_drain_and_the_resume_command_finishes() {
    let api = mig_manager_api(100);
    api.insert(gpu_pod("db-0", DGX_A100, "nvidia.com/mig-1g.5gb", 1, None));
    api.insert(pdb("db", "db-0", 1));
    let server = TestServer::start(api);
    let args = [
        DGX_A100,
        "--config",
        "all-3g.20gb",
        "--drain",
        "--timeout",
        "2s",
    ];
    let r = reconfigure(&server, &args);
    assert_exit!(r, 1);
    let last = r.stderr.lines().last().unwrap();
    assert_contains!(
        last,
        "error: a PodDisruptionBudget kept pod ml/db-0 from being evicted"
    );
    assert_contains!(last, "needs 1 healthy pods");
    assert_contains!(last, "stopped at node dgx-a100-01, left cordoned");
    assert_contains!(
        last,
        "resume with kubectl mig reconfigure dgx-a100-01 --config all-3g.20gb --drain"
    );
    assert!(cordoned(&server.api, DGX_A100));
    assert_eq!(
        node_label(&server.api, DGX_A100, "nvidia.com/mig.config").as_deref(),
        Some("all-1g.5gb")
    );
    // The budget is lifted: the same command resumes and uncordons the node it cordoned.
    server.api.delete("poddisruptionbudgets", Some("ml"), "db");
    let resumed = reconfigure(&server, &args);
    assert_ok!(resumed);
    assert_contains!(resumed.stderr, "already cordoned");
    assert_contains!(resumed.stderr, "uncordoned");
    assert!(!cordoned(&server.api, DGX_A100));
    assert_eq!(
        allocatable(&server.api, DGX_A100, "nvidia.com/mig-3g.20gb").as_deref(),
        Some("16")
    );
}

#[test]
fn layouts_that_do_not_fit_are_refused_before_any_change() {
    let server = TestServer::start(mig_manager_api(100));
    for (layout, needle) in [
        (
            "all-7g.80gb",
            "does not fit GPU 0: A100-40GB has no MIG profile 7g.80gb",
        ),
        ("all-2g.48gb", "no MIG profile 2g.48gb"),
        ("no-such-layout", "there is no layout \"no-such-layout\""),
    ] {
        server.api.clear_requests();
        let r = reconfigure(&server, &[DGX_A100, "--config", layout, "--drain"]);
        assert_exit!(r, 1, "{layout}");
        assert_error!(r, 1, needle);
        assert_contains!(r.stderr, "nothing was changed");
        assert_eq!(writes(&server), Vec::<String>::new(), "{layout}");
    }
    let missing = reconfigure(&server, &["nope", "--config", "all-1g.5gb"]);
    assert_error!(missing, 1, "node \"nope\" does not exist");
}

#[test]
fn a_failed_manager_is_reported_with_its_log_and_the_way_back() {
    let api = mig_manager_api(100);
    api.set_mig_manager_for_node(
        DGX_A100,
        MigManagerKnobs {
            fault: Some(MigFault::Fail),
            ..Default::default()
        },
    );
    let server = TestServer::start(api);
    let r = reconfigure(
        &server,
        &[DGX_A100, "--config", "all-3g.20gb", "--timeout", "20s"],
    );
    assert_exit!(r, 1);
    assert_contains!(
        r.stderr,
        "Last lines of the MIG manager's log (pod gpu-operator/nvidia-mig-manager-x7k2p)"
    );
    assert_contains!(
        r.stderr,
        "level=fatal msg=\"Error applying MIG configuration"
    );
    let last = r.stderr.lines().last().unwrap();
    assert_contains!(last, "the MIG manager failed to apply layout all-3g.20gb");
    assert_contains!(
        last,
        "roll back with kubectl mig reconfigure dgx-a100-01 --rollback"
    );
    assert!(cordoned(&server.api, DGX_A100));
    // Rolling back works and uncordons.
    server
        .api
        .set_mig_manager_for_node(DGX_A100, MigManagerKnobs::default());
    let back = reconfigure(&server, &[DGX_A100, "--rollback"]);
    assert_ok!(back);
    assert!(!cordoned(&server.api, DGX_A100));
}

#[test]
fn a_wedged_manager_is_detected_at_the_timeout() {
    let api = mig_manager_api(100);
    api.set_mig_manager_for_node(
        HGX_H100,
        MigManagerKnobs {
            fault: Some(MigFault::Wedge),
            ..Default::default()
        },
    );
    let server = TestServer::start(api);
    let started = Instant::now();
    let r = reconfigure(
        &server,
        &[HGX_H100, "--config", "all-3g.40gb", "--timeout", "3s"],
    );
    assert_exit!(r, 1);
    assert!(started.elapsed() < Duration::from_secs(20));
    let last = r.stderr.lines().last().unwrap();
    assert_contains!(
        last,
        "did not finish layout all-3g.40gb on node hgx-h100-01 within 3s"
    );
    assert_contains!(last, "nvidia.com/mig.config.state=pending");
    assert_contains!(last, "paused-for-mig-change");
    assert_contains!(
        last,
        "kubectl delete pod -n gpu-operator -l app=nvidia-mig-manager"
    );
    assert_contains!(r.stderr, "Last lines of the MIG manager's log");
    assert_contains!(r.stderr, "Node hgx-h100-01 has no events.");
}

#[test]
fn sigint_mid_way_leaves_the_node_cordoned_with_the_resume_command() {
    let server = TestServer::start(mig_manager_api(10_000));
    let child = bin_for(&server)
        .args(["reconfigure", DGX_A100, "--config", "all-3g.20gb"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while node_label(&server.api, DGX_A100, "nvidia.com/mig.config.state").as_deref()
        != Some("pending")
    {
        assert!(Instant::now() < deadline, "never pending");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = run_cmd(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert_ok!(kill);
    let r = Run::from(child.wait_with_output().unwrap());
    assert_exit!(r, 130);
    let last = r.stderr.lines().last().unwrap();
    assert_contains!(
        last,
        "interrupted; stopped at node dgx-a100-01, left cordoned"
    );
    assert_contains!(
        last,
        "resume with kubectl mig reconfigure dgx-a100-01 --config all-3g.20gb"
    );
    assert!(cordoned(&server.api, DGX_A100));
    assert_eq!(
        node_label(&server.api, DGX_A100, "nvidia.com/mig.config").as_deref(),
        Some("all-3g.20gb")
    );
}

#[test]
fn dry_run_shows_the_impact_and_writes_nothing() {
    let api = mig_manager_api(100);
    api.insert(gpu_pod(
        "infer-a",
        DGX_A100,
        "nvidia.com/mig-1g.5gb",
        2,
        None,
    ));
    let server = TestServer::start(api);
    server.api.clear_requests();
    let r = reconfigure(
        &server,
        &[DGX_A100, HGX_H100, "--config", "all-balanced", "--dry-run"],
    );
    assert_ok!(r);
    assert_contains!(r.stdout, "Node dgx-a100-01: 8 x A100-40GB, mixed strategy");
    assert_contains!(r.stdout, "Node hgx-h100-01: 8 x H100-80GB, mixed strategy");
    assert_contains!(r.stdout, "nvidia.com/mig-2g.10gb");
    assert_contains!(r.stdout, "ml          infer-a");
    assert_contains!(r.stderr, "pass --drain");
    assert_contains!(r.stderr, "Dry run: nothing was changed.");
    assert_eq!(writes(&server), Vec::<String>::new());

    // The same impact as data.
    let doc = reconfigure(
        &server,
        &[
            DGX_A100,
            "--config",
            "all-balanced",
            "--dry-run",
            "-o",
            "json",
        ],
    )
    .json();
    let node = &doc["nodes"][0];
    assert_eq!(node["node"], DGX_A100);
    assert_eq!(
        (&node["gpuModel"], &node["gpus"], &node["strategy"]),
        (&json!("A100-40GB"), &json!(8), &json!("mixed"))
    );
    assert_eq!(
        (&node["from"], &node["layout"]),
        (&json!("all-1g.5gb"), &json!("all-balanced"))
    );
    let change = |r: &str| {
        node["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["resource"] == r)
            .map(|c| (c["now"].as_i64().unwrap(), c["after"].as_i64().unwrap()))
    };
    assert_eq!(change("nvidia.com/mig-1g.5gb"), Some((56, 16)));
    assert_eq!(change("nvidia.com/mig-2g.10gb"), Some((0, 8)));
    assert_eq!(node["pods"][0]["name"], "infer-a");
    assert_eq!(node["pods"][0]["devices"]["nvidia.com/mig-1g.5gb"], 2);
    assert_eq!(node["migInvalid"], false);
    let listed = reconfigure(&server, &[DGX_A100, "--list", "-o", "yaml"]).ok();
    let listed: serde_json::Value = serde_yaml::from_str(&listed).unwrap();
    let current: Vec<&serde_json::Value> = listed["layouts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{listed}");
    assert_eq!(current[0]["layout"], "all-1g.5gb");
    assert_eq!(current[0]["advertised"]["nvidia.com/mig-1g.5gb"], 56);
    assert_eq!(writes(&server), Vec::<String>::new());
}

#[test]
fn list_shows_the_layouts_that_fit_each_node() {
    let api = mig_manager_api(100);
    api.insert(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "hgx-h100-01-mig-config", "namespace": "gpu-operator",
            "labels": {"nvidia.com/node-name": "hgx-h100-01"}},
        "data": {"config.yaml": "version: v1\nmig-configs:\n  all-1g.10gb:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {\"1g.10gb\": 7}\n  custom-h100:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1, \"1g.10gb\": 4}\n"}}));
    let server = TestServer::start(api);
    let r = reconfigure(&server, &["--list"]);
    assert_ok!(r);
    let row = |node: &str, layout: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(node) && l.split_whitespace().nth(1) == Some(layout))
            .map(String::from)
    };
    assert!(row(DGX_A100, "all-3g.20gb")
        .unwrap()
        .contains("nvidia.com/mig-3g.20gb: 16"));
    assert!(row(DGX_A100, "all-1g.5gb").unwrap().ends_with('*'));
    assert!(row(DGX_A100, "all-7g.80gb").is_none());
    assert!(row(HGX_H100, "custom-h100")
        .unwrap()
        .contains("nvidia.com/mig-1g.10gb: 32"));
    assert!(
        row(HGX_H100, "all-balanced").is_none(),
        "the generated ConfigMap wins"
    );
}

#[test]
fn aks_pools_get_a_replacement_plan_and_nothing_changes() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.clear_requests();
    let r = reconfigure(&server, &[A100_SINGLE_0, "--config", "MIG3g", "--drain"]);
    assert_exit!(r, 1);
    assert_contains!(r.stdout, "cannot be re-cut in place");
    assert_contains!(r.stdout, "cut as MIG1g (1g.5gb)");
    assert_contains!(
        r.stdout,
        "3g.20gb: 2 per GPU, 16 per node, 32 in a pool of 2"
    );
    assert_contains!(r.stdout, "az aks nodepool add --resource-group rg-mig-eastus --cluster-name aks-mig --name a100single3g --node-vm-size Standard_ND96asr_v4 --node-count 2 --gpu-instance-profile MIG3g");
    assert_contains!(r.stdout, &format!("kubectl drain {A100_SINGLE_1}"));
    assert_contains!(r.stdout, "az aks nodepool delete");
    assert_error!(r, 1, "AKS node pool a100single cannot be re-cut in place");
    assert_eq!(writes(&server), Vec::<String>::new());
}

#[test]
fn wait_for_pods_waits_until_they_finish() {
    let api = mig_manager_api(100);
    api.insert(gpu_pod(
        "batch-1",
        DGX_A100,
        "nvidia.com/mig-1g.5gb",
        1,
        None,
    ));
    let server = TestServer::start(api);
    let finisher = {
        let api = server.api.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            api.delete("pods", Some("ml"), "batch-1");
        })
    };
    let r = reconfigure(
        &server,
        &[DGX_A100, "--config", "all-3g.20gb", "--wait-for-pods"],
    );
    finisher.join().unwrap();
    assert_ok!(r);
    assert_contains!(
        r.stderr,
        "waiting for 1 pod(s) holding GPU devices to finish"
    );
    assert_lacks!(r.stderr, "evicted");
    assert_eq!(
        allocatable(&server.api, DGX_A100, "nvidia.com/mig-3g.20gb").as_deref(),
        Some("16")
    );
}

#[test]
fn max_unavailable_recuts_nodes_side_by_side_and_waits_for_the_device_plugin() {
    let api = mig_manager_api(300);
    api.set_mig_manager(MigManagerKnobs {
        delay: Some(Duration::from_millis(300)),
        plugin_lag: Some(Duration::from_millis(500)),
        ..Default::default()
    });
    let server = TestServer::start(api);
    server.api.clear_requests();
    let r = reconfigure(
        &server,
        &[
            DGX_A100,
            HGX_H100,
            "--config",
            "all-balanced",
            "--max-unavailable",
            "2",
        ],
    );
    assert_ok!(r);
    assert_contains!(r.stderr, "2 nodes reconfigured.");
    assert_eq!(
        allocatable(&server.api, DGX_A100, "nvidia.com/mig-2g.10gb").as_deref(),
        Some("8")
    );
    assert_eq!(
        allocatable(&server.api, HGX_H100, "nvidia.com/mig-3g.40gb").as_deref(),
        Some("8")
    );
    // Both nodes were being re-cut at once: the second node's first write comes before the
    // first node's last (its uncordon).
    let patches: Vec<String> = writes(&server)
        .into_iter()
        .filter(|w| w.starts_with("PATCH"))
        .collect();
    let first_h100 = patches.iter().position(|p| p.ends_with(HGX_H100)).unwrap();
    let last_a100 = patches.iter().rposition(|p| p.ends_with(DGX_A100)).unwrap();
    assert!(first_h100 < last_a100, "{patches:#?}");
}

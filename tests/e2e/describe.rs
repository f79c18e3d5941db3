//! `kubectl mig describe` end to end against the fake API server seeded with an AKS-like cluster
//! built from real node captures, cross-checked with the real kubectl.

use crate::support::*;
use serde_json::Value;

fn node<'a>(report: &'a Value, name: &str) -> &'a Value {
    named(&report["nodes"], name)
}

fn resource<'a>(node: &'a Value, name: &str) -> &'a Value {
    named(&node["resources"], name)
}

/// The number of nodes in a report.
fn node_count(report: &Value) -> usize {
    items(&report["nodes"]).len()
}

/// The queries of the pod lists the server answered.
fn pod_lists(server: &TestServer) -> Vec<String> {
    server
        .api
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods")
        .map(|r| r.query.clone())
        .collect()
}

#[test]
fn table_snapshot() {
    let server = TestServer::start(FakeApi::seeded());
    let out = run(&server, &["describe"]).ok();
    assert_snapshot("describe-table.txt", &out);
}

#[test]
fn wide_snapshot_lists_the_pods() {
    let server = TestServer::start(FakeApi::seeded());
    let out = run(&server, &["describe", "-o", "wide"]).ok();
    assert_contains!(out, "ml/infer-llama-0(");
    assert_snapshot("describe-wide.txt", &out);
}

#[test]
fn json_schema_and_numbers() {
    let server = TestServer::start(FakeApi::seeded());
    let report = run(&server, &["describe", "-o", "json"]).json();
    let names: Vec<&str> = items(&report["nodes"])
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, GPU_NODES);
    check_the_mixed_a100(node(&report, A100_MIXED));
    check_single_h100_and_whole_nodes(&report);

    let row = items(&report["summary"])
        .iter()
        .find(|r| r["name"] == "nvidia.com/gpu" && r["profile"] == "1g.5gb")
        .unwrap();
    assert_eq!(row["nodes"], 2);
    assert_eq!(row["allocatable"], 112);
}

fn check_the_mixed_a100(mixed: &Value) {
    assert_eq!(mixed["strategy"], "mixed");
    assert_eq!(mixed["strategySource"], "label");
    assert_eq!(mixed["gpuProduct"], "NVIDIA-A100-SXM4-40GB");
    let small = resource(mixed, "nvidia.com/mig-1g.5gb");
    assert_eq!(small["profile"], "1g.5gb");
    assert!(small["allocatable"].is_i64() && small["requested"].is_i64() && small["free"].is_i64());
    assert_eq!(
        small["allocatable"].as_i64().unwrap() - small["requested"].as_i64().unwrap(),
        small["free"].as_i64().unwrap()
    );
    // The Completed pod on this node requested a device too: it must not count.
    let holders: Vec<&str> = items(&mixed["resources"])
        .iter()
        .flat_map(|r| items(&r["pods"]))
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !holders.iter().any(|p| p.starts_with("batch-embed")),
        "{holders:?}"
    );
    // Mixed node with whole GPUs too: both shown.
    assert_eq!(resource(mixed, "nvidia.com/gpu")["allocatable"], 2);
}

fn check_single_h100_and_whole_nodes(report: &Value) {
    let single = node(report, A100_SINGLE_0);
    assert_eq!(single["strategy"], "single");
    assert_eq!(resource(single, "nvidia.com/gpu")["profile"], "1g.5gb");
    assert_eq!(resource(single, "nvidia.com/gpu")["allocatable"], 56);

    // H100 NVL, all-balanced, nvidia.com/gpu: 0 still shown; MIG manager config reported.
    let h100 = node(report, H100_MIXED);
    assert_eq!(h100["migConfig"], "all-balanced");
    assert_eq!(resource(h100, "nvidia.com/gpu")["allocatable"], 0);
    assert_eq!(resource(h100, "nvidia.com/mig-3g.47gb")["allocatable"], 1);

    // Allocatable 0 is information, shown.
    assert_eq!(
        resource(node(report, A100_80), "nvidia.com/mig-3g.40gb")["allocatable"],
        0
    );

    let whole = node(report, H100_WHOLE);
    assert_eq!(whole["strategy"], "none");
    assert_eq!(whole["problems"][0]["code"], "MIG_NOT_ENABLED");
    assert_eq!(whole["problems"][0]["severity"], "info");
}

#[test]
fn yaml_is_the_same_document() {
    let server = TestServer::start(FakeApi::seeded());
    let json = run(&server, &["describe", "-o", "json"]).json();
    let yaml: Value =
        serde_yaml::from_str(&run(&server, &["describe", "-o", "yaml"]).ok()).unwrap();
    assert_eq!(json, yaml);
}

#[test]
fn named_nodes_selectors_and_all() {
    let server = TestServer::start(FakeApi::seeded());
    let count = |args: &[&str]| node_count(&run(&server, args).json());
    assert_eq!(count(&["describe", H100_MIXED, A100_80, "-o", "json"]), 2);
    for (selector, nodes) in [
        ("agentpool=a100single", 2),
        ("agentpool in (a100mixed,h100mixed)", 2),
        ("agentpool notin (a100single),!nvidia.com/mig.config", 3),
    ] {
        assert_eq!(
            count(&["describe", "-l", selector, "-o", "json"]),
            nodes,
            "{selector}"
        );
    }
    assert_eq!(
        count(&["describe", "--all", "-o", "json"]),
        count(&["describe", "-o", "json"]) + 2
    );

    let missing = run(&server, &["describe", A100_80, "no-such-node"]);
    assert_exit!(missing, 1);
    assert_contains!(missing.stdout, A100_80, "found nodes are still shown");
    assert_contains!(missing.stderr, "node \"no-such-node\" not found");

    let both = run(&server, &["describe", A100_80, "-l", "a=b"]);
    assert_exit!(both, 2);
}

#[test]
fn paging_faults_and_expired_tokens_give_the_same_answer() {
    let server = TestServer::start(FakeApi::seeded());
    let expected = run(&server, &["describe", "-o", "json"]).json();
    for faults in [
        Faults {
            max_page_size: Some(2),
            ..Default::default()
        },
        Faults {
            max_page_size: Some(3),
            expire_continue_tokens: true,
            ..Default::default()
        },
        Faults {
            error_5xx_share: 0.3,
            error_429_share: 0.2,
            retry_after_seconds: 0,
            // The seed picks which requests fail. With half of them failing, some sequences
            // fail one request more often than the retry layer tries (it then gives up, as it
            // should); this one does not, for the requests describe makes (DRA reads included).
            seed: 1,
            ..Default::default()
        },
    ] {
        server.api.set_faults(faults.clone());
        server.api.clear_requests();
        let got = run(&server, &["describe", "-o", "json"]).json();
        assert_eq!(got, expected, "with {faults:?}");
        if faults.max_page_size.is_some() {
            let paged = server
                .api
                .requests()
                .iter()
                .filter(|r| r.query.contains("continue="))
                .count();
            assert!(paged > 0, "no continue token was used");
        }
    }
}

#[test]
fn lists_pods_per_node_when_gpu_nodes_are_few() {
    let api = FakeApi::seeded();
    for i in 0..80 {
        api.insert(serde_json::json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("aks-cpu-00000000-vmss{i:06}"), "labels": {"agentpool": "cpu"}},
            "status": {"allocatable": {"cpu": "4", "pods": "110"}, "conditions": [{"type": "Ready", "status": "True"}]}
        }));
    }
    let server = TestServer::start(api);
    let report = run(&server, &["describe", "-o", "json"]).json();
    assert_eq!(node_count(&report), 6);
    let pod_lists = pod_lists(&server);
    assert_eq!(pod_lists.len(), 6, "{pod_lists:?}");
    assert!(
        pod_lists.iter().all(|q| q.contains("spec.nodeName")),
        "{pod_lists:?}"
    );
    // Served from the API server's watch cache, unpaged.
    assert!(
        pod_lists
            .iter()
            .all(|q| q.contains("resourceVersion=0") && !q.contains("limit=")),
        "{pod_lists:?}"
    );
}

#[test]
fn lists_all_live_pods_once_when_gpu_nodes_are_many() {
    let server = TestServer::start(FakeApi::seeded());
    run(&server, &["describe"]).ok();
    let pod_lists = pod_lists(&server);
    assert_eq!(pod_lists.len(), 1, "{pod_lists:?}");
    assert!(
        pod_lists[0].contains("status.phase%21%3DSucceeded")
            || pod_lists[0].contains("status.phase!=Succeeded"),
        "{pod_lists:?}"
    );
    assert_contains!(pod_lists[0], "limit=1000");
}

#[test]
fn capture_files_give_the_live_answer() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(FakeApi::seeded());
    let live = run(&server, &["describe", "-o", "json"]).json();
    let dir = temp_dir("capture");
    let yaml = kubectl(&server, &["get", "nodes,pods", "-A", "-o", "yaml"]).ok();
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let home = temp_dir("capture-home");
    let from_file = run_plain(
        home.path(),
        &["describe", "-f", path.to_str().unwrap(), "-o", "json"],
    )
    .json();
    assert_eq!(from_file, live);
    // Separate lists, JSON, through stdin.
    let nodes = kubectl(&server, &["get", "nodes", "-o", "json"]).ok();
    let pods_path = dir.path().join("pods.json");
    std::fs::write(
        &pods_path,
        kubectl(&server, &["get", "pods", "-A", "-o", "json"]).ok(),
    )
    .unwrap();
    let r = run_with_stdin(
        None,
        home.path(),
        &[
            "describe",
            "-f",
            "-",
            "-f",
            pods_path.to_str().unwrap(),
            "-o",
            "json",
        ],
        &nodes,
    );
    assert_eq!(r.json(), live);
    let r = run_plain(
        home.path(),
        &[
            "describe",
            "-f",
            path.to_str().unwrap(),
            "-l",
            "agentpool=h100mixed",
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(node_count(&r), 1);
}

#[test]
fn allocatable_matches_kubectl_get_node() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(FakeApi::seeded());
    let report = run(&server, &["describe", "-o", "json"]).json();
    let nodes: Value =
        serde_json::from_str(&kubectl(&server, &["get", "nodes", "-o", "json"]).ok()).unwrap();
    for n in items(&nodes["items"]) {
        let name = n["metadata"]["name"].as_str().unwrap();
        let Some(ours) = items(&report["nodes"]).iter().find(|x| x["name"] == name) else {
            continue;
        };
        for (res, qty) in n["status"]["allocatable"].as_object().unwrap() {
            if res.starts_with("nvidia.com/") {
                let want: i64 = qty.as_str().unwrap().parse().unwrap();
                assert_eq!(resource(ours, res)["allocatable"], want, "{name} {res}");
            }
        }
    }
}

#[test]
fn requested_matches_kubectl_describe_node_allocated_resources() {
    if !have_kubectl() {
        return;
    }
    let server = TestServer::start(FakeApi::seeded());
    let report = run(&server, &["describe", "-o", "json"]).json();
    for n in items(&report["nodes"]) {
        let name = n["name"].as_str().unwrap();
        let text = kubectl(&server, &["describe", "node", name]).ok();
        let allocated = text
            .split("Allocated resources:")
            .nth(1)
            .expect("Allocated resources section");
        for r in items(&n["resources"]) {
            let res = r["name"].as_str().unwrap();
            // kubectl prints `  nvidia.com/mig-1g.5gb  3  3` (requests, limits).
            let line = allocated
                .lines()
                .find(|l| l.split_whitespace().next() == Some(res));
            let requested = line
                .and_then(|l| l.split_whitespace().nth(1))
                .map(|v| v.parse::<i64>().unwrap())
                .unwrap_or(0);
            assert_eq!(r["requested"], requested, "{name} {res}: {line:?}");
        }
    }
}

#[test]
fn no_gpu_nodes_says_so() {
    let api = FakeApi::new();
    api.insert(serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "cpu-1"}, "status": {"allocatable": {"cpu": "4"}}}));
    let server = TestServer::start(api);
    let r = run(&server, &["describe"]);
    assert_ok!(r);
    assert!(r.stdout.is_empty(), "{r:#?}");
    assert_contains!(r.stderr, "No nodes with NVIDIA GPUs found (use --all");
    let json = run(&server, &["describe", "-o", "json"]).json();
    assert_eq!(json, serde_json::json!({"nodes": [], "summary": []}));
}

#[test]
fn terminal_gets_usage_bars_and_color_unless_no_color() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: script(1) not found; skipping the terminal check");
        return;
    }
    let server = TestServer::start(FakeApi::seeded());
    let on_tty = |no_color: bool| {
        let cmd = format!(
            "{BIN} --kubeconfig {} describe -l agentpool=a100mixed",
            server.kubeconfig().display()
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        run_cmd(&mut c).stdout
    };
    let colored = on_tty(false);
    assert_contains!(colored, "USAGE");
    assert_contains!(colored, "\x1b[33m■■\x1b[0m");
    let plain = on_tty(true);
    assert_contains!(plain, "■■□□□□□□□□□□□□");
    assert_lacks!(plain, '\x1b');
    // Not a terminal: no bars at all.
    let piped = run(&server, &["describe", "-l", "agentpool=a100mixed"]).ok();
    assert_lacks!(piped, "USAGE");
    assert_lacks!(piped, '■');
}

#[test]
fn the_shipped_example_capture_shows_every_kind_of_node() {
    let home = temp_dir("example");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aks-mig-cluster.yaml");
    let out = run_plain(home.path(), &["describe", "-f", example]).ok();
    for expected in [
        "single",
        "mixed",
        "H100-NVL",
        "nvidia.com/mig-3g.47gb",
        "DEVICES_NOT_ADVERTISED",
        "COUNT_MISMATCH",
        "NODE_CORDONED",
        "MIG_NOT_ENABLED",
    ] {
        assert_contains!(out, expected);
    }
}

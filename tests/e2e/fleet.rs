//! `describe --all-contexts` and `--context a,b,c`: several fake API servers as contexts of one
//! kubeconfig, one of them dead and one forbidding node lists.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A kubeconfig with one context per `(name, url)`, every user the same exec plugin.
fn fleet_kubeconfig(dir: &Path, clusters: &[(&str, String)], plugin: &Path) -> PathBuf {
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, url) in clusters {
        text.push_str(&format!("- name: {name}\n  cluster: {{server: '{url}'}}\n"));
    }
    text.push_str("users:\n");
    for (name, _) in clusters {
        text.push_str(&format!(
            "- name: {name}\n  user:\n    exec: {{apiVersion: client.authentication.k8s.io/v1, command: {}, interactiveMode: Never}}\n",
            plugin.display()
        ));
    }
    text.push_str("contexts:\n");
    for (name, _) in clusters {
        text.push_str(&format!(
            "- name: {name}\n  context: {{cluster: {name}, user: {name}}}\n"
        ));
    }
    text.push_str(&format!("current-context: {}\n", clusters[0].0));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

struct Fleet {
    _servers: Vec<TestServer>,
    dir: TempDir,
    kubeconfig: PathBuf,
    runs: PathBuf,
}

fn fleet() -> Fleet {
    let a = TestServer::start(FakeApi::seeded());
    let b = TestServer::start(FakeApi::seeded_with_dra());
    let forbidden = TestServer::start(FakeApi::seeded());
    forbidden.api.set_faults(Faults {
        forbidden: vec!["nodes".into()],
        ..Default::default()
    });
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let dir = temp_dir("fleet");
    let runs = dir.path().join("runs");
    let plugin = script(
        dir.path(),
        "get-token",
        &format!(
            "echo run >> {}\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t\"}}}}'",
            runs.display()
        ),
    );
    let kubeconfig = fleet_kubeconfig(
        dir.path(),
        &[
            ("aks-eu", a.url()),
            ("aks-us", b.url()),
            ("gke-lab", forbidden.url()),
            ("old-lab", dead_url),
        ],
        &plugin,
    );
    Fleet {
        _servers: vec![a, b, forbidden],
        dir,
        kubeconfig,
        runs,
    }
}

fn describe(f: &Fleet, args: &[&str]) -> Run {
    run_cmd(
        bin(f.dir.path())
            .arg("--kubeconfig")
            .arg(&f.kubeconfig)
            .arg("describe")
            .args(args),
    )
}

fn cluster<'a>(view: &'a Value, context: &str) -> &'a Value {
    view["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["context"] == context)
        .unwrap_or_else(|| panic!("no {context} in {view:#}"))
}

#[test]
fn every_context_is_read_and_the_ones_that_fail_are_named() {
    let f = fleet();
    let r = describe(&f, &["--all-contexts", "-o", "json"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "warning: context gke-lab was not read");
    assert_contains!(r.stderr, "403");
    assert_contains!(r.stderr, "warning: context old-lab was not read");
    assert_contains!(r.stderr, "connection refused");
    assert_contains!(r.stderr, "error: 2 of 4 contexts could not be read");
    let view: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(view["clusters"].as_array().unwrap().len(), 4);
    assert_eq!(
        cluster(&view, "aks-eu")["nodes"].as_array().unwrap().len(),
        6
    );
    assert!(cluster(&view, "aks-eu")["error"].is_null());
    assert!(cluster(&view, "aks-us")["nodes"].as_array().unwrap().len() > 6);
    assert!(cluster(&view, "old-lab")["nodes"].is_null());
    let rows = view["fleet"].as_array().unwrap();
    let small = rows
        .iter()
        .find(|r| r["gpuModel"] == "A100-SXM4-40GB" && r["profile"] == "1g.5gb")
        .unwrap();
    assert_eq!(small["clusters"], 2, "{small}");
    let runs = std::fs::read_to_string(&f.runs).unwrap();
    assert_eq!(
        runs.lines().count(),
        1,
        "the exec plugin runs once per user: {runs}"
    );
}

#[test]
fn named_contexts_in_one_table_with_summaries() {
    let f = fleet();
    let r = describe(&f, &["--context", "aks-eu,aks-us"]);
    assert_ok!(r);
    let text = r.stdout;
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("CONTEXT   NODE"), "{header}");
    assert_contains!(text, "aks-eu    aks-a100mixed-27591046-vmss000000");
    assert_contains!(text, "Clusters:");
    assert_contains!(text, "Fleet:");
    assert_lacks!(text, "gke-lab");
}

#[test]
fn capture_files_as_clusters_named_by_their_files() {
    let f = fleet();
    let dir = temp_dir("fleet-files");
    let eu = describe(&f, &["--context", "aks-eu", "-o", "json"]).json();
    assert_eq!(
        eu["nodes"].as_array().unwrap().len(),
        6,
        "one context: the plain report"
    );
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-mig-cluster.yaml");
    std::fs::copy(&example, dir.path().join("prod-eu.yaml")).unwrap();
    std::fs::copy(&example, dir.path().join("prod-us.yaml")).unwrap();
    let r = run_plain(
        dir.path(),
        &[
            "describe",
            "--all-contexts",
            "-f",
            dir.path().join("prod-eu.yaml").to_str().unwrap(),
            "-f",
            dir.path().join("prod-us.yaml").to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    let view: Value = serde_json::from_str(&r.ok()).unwrap();
    let names: Vec<&str> = view["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod-eu", "prod-us"]);
}

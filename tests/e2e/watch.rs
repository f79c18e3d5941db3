//! `describe --watch`: the view follows pods and nodes as they change, survives dropped streams
//! and 410 Gone, and never lists the cluster again otherwise.

use crate::support::*;
use serde_json::{json, Value};
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const NODE: &str = "aks-a100mixed-27591046-vmss000000";

/// `describe -w -o json` running against `server`, and its JSON documents as they come.
fn watch(server: &TestServer, extra: &[&str]) -> (Child, Receiver<Value>) {
    let mut child = bin_for(server)
        .args(["describe", "-w", "-o", "json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for doc in serde_json::Deserializer::from_reader(stdout).into_iter::<Value>() {
            match doc {
                Ok(v) => {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    (child, rx)
}

/// The requested count of the node's 1g.5gb in the first document that satisfies `want`.
fn until(rx: &Receiver<Value>, what: &str, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(doc) if want(&doc) => return doc,
            Ok(_) => continue,
            Err(_) => panic!("no document with {what} within 10s"),
        }
    }
}

fn requested(doc: &Value) -> i64 {
    let n = named(&doc["nodes"], NODE);
    named(&n["resources"], "nvidia.com/mig-1g.5gb")["requested"]
        .as_i64()
        .unwrap()
}

fn gpu_pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "uid": format!("uid-{name}")},
        "spec": {"nodeName": NODE, "containers": [{"name": "c", "image": "x",
            "resources": {"limits": {"nvidia.com/mig-1g.5gb": "1"}}}]},
        "status": {"phase": "Running"}})
}

fn stop(mut child: Child) -> Run {
    let kill = run_cmd(std::process::Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert_ok!(kill);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr,
    }
}

fn lists(server: &TestServer) -> usize {
    server
        .api
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && !r.query.contains("watch=") && r.path.ends_with("/pods"))
        .count()
}

#[test]
fn pods_added_and_deleted_and_node_changes_show_without_listing_again() {
    let server = TestServer::start(FakeApi::seeded());
    let (child, rx) = watch(&server, &[]);
    let first = until(&rx, "the first view", |_| true);
    let base = requested(&first);
    let listed = lists(&server);
    server.api.insert(gpu_pod("watch-added"));
    until(&rx, "the added pod", |d| requested(d) == base + 1);
    server.api.delete("pods", Some("ml"), "watch-added");
    until(&rx, "the deleted pod", |d| requested(d) == base);
    let mut node = server.api.get("nodes", None, NODE).unwrap();
    node["metadata"]["labels"]["nvidia.com/mig.config.state"] = json!("pending");
    server.api.insert(node);
    until(&rx, "the node's new state", |d| {
        named(&d["nodes"], NODE)["migConfigState"] == "pending"
    });
    assert_eq!(
        lists(&server),
        listed,
        "a change must not list the pods again"
    );
    let r = stop(child);
    assert_exit!(r, 0);
}

#[test]
fn dropped_streams_resume_and_410_lists_again() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        drop_watch_after_events: Some(1),
        ..Default::default()
    });
    let (child, rx) = watch(&server, &[]);
    let base = requested(&until(&rx, "the first view", |_| true));
    for i in 0..3 {
        server.api.insert(gpu_pod(&format!("drop-{i}")));
        until(&rx, "a pod after a dropped stream", |d| {
            requested(d) == base + i + 1
        });
    }
    // A history of one event: resuming from an older version is 410 Gone, and the pods are
    // listed again.
    server.api.set_watch_history_limit(1);
    let listed = lists(&server);
    for i in 3..6 {
        server.api.insert(gpu_pod(&format!("drop-{i}")));
    }
    until(&rx, "the pods after 410", |d| requested(d) == base + 6);
    assert!(lists(&server) > listed, "410 must list again");
    let r = stop(child);
    assert_exit!(r, 0);
}

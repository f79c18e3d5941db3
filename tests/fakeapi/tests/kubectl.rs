//! Fidelity with the real kubectl binary (skipped with a note when kubectl is not on PATH).

mod common;

use common::wait_for;
use fakeapi::{FakeApi, TestServer};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const MIXED: &str = "aks-a100mixed-27591046-vmss000000";

fn kubectl_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

fn have_kubectl() -> bool {
    let found = kubectl_on_path().is_some();
    if !found {
        eprintln!("note: kubectl is not on PATH; skipping real-kubectl fidelity test");
    }
    found
}

/// `kubectl.1.27` etc. next to the real kubectl, when installed.
fn versioned(v: &str) -> Option<PathBuf> {
    let real = std::fs::canonicalize(kubectl_on_path()?).ok()?;
    let p = real.parent()?.join(format!("kubectl.{v}"));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("note: {} not found; skipping it", p.display());
        None
    }
}

fn run(mut c: Command) -> Output {
    let out = c.stdin(Stdio::null()).output().expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(c: Command) -> String {
    String::from_utf8_lossy(&run(c).stdout).into_owned()
}

fn kc(s: &TestServer, args: &[&str]) -> Command {
    let mut c = s.kubectl();
    c.args(args);
    c
}

fn write_ds(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("ds.yaml");
    std::fs::write(
        &path,
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: mig-probe
  namespace: gpu-tests
  labels: {app: mig-probe}
spec:
  selector:
    matchLabels: {app: mig-probe}
  template:
    metadata:
      labels: {app: mig-probe}
    spec:
      tolerations:
      - {key: sku, operator: Equal, value: gpu, effect: NoSchedule}
      containers:
      - name: probe
        image: nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04
        command: [sleep, infinity]
",
    )
    .unwrap();
    path
}

fn rv(api: &FakeApi, plural: &str, ns: &str, name: &str) -> Value {
    api.get(plural, Some(ns), name).expect("object")["metadata"]["resourceVersion"].clone()
}

#[test]
fn get_nodes_json_returns_the_store() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    let out: Value =
        serde_json::from_str(&stdout(kc(&s, &["get", "nodes", "-o", "json"]))).unwrap();
    let items = out["items"].as_array().unwrap();
    let stored = s.api.list("nodes");
    assert_eq!(items.len(), stored.len());
    for (got, want) in items.iter().zip(&stored) {
        assert_eq!(got["metadata"], want["metadata"]);
        assert_eq!(got["status"], want["status"]);
        assert_eq!(got["spec"], want["spec"]);
    }
}

#[test]
fn describe_node_shows_mig_allocations() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    let out = stdout(kc(&s, &["describe", "node", MIXED]));
    let squash = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<String> = out.lines().map(squash).collect();
    let alloc = lines
        .iter()
        .position(|l| l == "Allocatable:")
        .expect("Allocatable section");
    assert!(
        lines[alloc..alloc + 12]
            .iter()
            .any(|l| l == "nvidia.com/mig-1g.5gb: 28"),
        "{out}"
    );
    assert!(
        lines[alloc..alloc + 12]
            .iter()
            .any(|l| l == "nvidia.com/mig-3g.20gb: 4"),
        "{out}"
    );
    let allocated = lines
        .iter()
        .position(|l| l == "Allocated resources:")
        .expect("Allocated resources");
    let tail = &lines[allocated..];
    assert!(
        tail.iter().any(|l| l == "nvidia.com/mig-1g.5gb 3 3"),
        "{out}"
    );
    assert!(
        tail.iter().any(|l| l == "nvidia.com/mig-3g.20gb 1 1"),
        "{out}"
    );
    assert!(tail.iter().any(|l| l == "nvidia.com/gpu 0 0"), "{out}");
    assert!(
        out.contains("Taints:             sku=gpu:NoSchedule"),
        "{out}"
    );
    assert!(!out.contains("batch-embed"), "finished pods are not listed");
}

#[test]
fn get_pods_all_namespaces_lists_the_seed() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    let out = stdout(kc(&s, &["get", "pods", "-A"]));
    assert!(out.starts_with("NAMESPACE"), "{out}");
    for p in s.api.list("pods") {
        assert!(
            out.contains(p["metadata"]["name"].as_str().unwrap()),
            "{out}"
        );
    }
    assert!(
        out.lines()
            .any(|l| l.contains("batch-embed-28fj3") && l.contains("Completed")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("jupyter-alice") && l.contains("2/2")),
        "{out}"
    );
}

#[test]
fn server_side_apply_twice_is_a_no_op_and_dry_run_stores_nothing() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    let file = write_ds(s.kubeconfig().parent().unwrap());
    let f = file.to_str().unwrap();
    let out = stdout(kc(
        &s,
        &["apply", "--server-side", "--dry-run=server", "-f", f],
    ));
    assert!(out.contains("serverside-applied (server dry run)"), "{out}");
    assert!(s
        .api
        .get("daemonsets", Some("gpu-tests"), "mig-probe")
        .is_none());
    let out = stdout(kc(&s, &["apply", "--server-side", "-f", f]));
    assert!(
        out.contains("daemonset.apps/mig-probe serverside-applied"),
        "{out}"
    );
    let first = rv(&s.api, "daemonsets", "gpu-tests", "mig-probe");
    run(kc(&s, &["apply", "--server-side", "-f", f]));
    assert_eq!(rv(&s.api, "daemonsets", "gpu-tests", "mig-probe"), first);
    let ds = s
        .api
        .get("daemonsets", Some("gpu-tests"), "mig-probe")
        .unwrap();
    assert_eq!(ds["metadata"]["managedFields"][0]["manager"], "kubectl");
    assert_eq!(ds["metadata"]["managedFields"][0]["operation"], "Apply");
}

#[test]
fn logs_print_fake_nvidia_smi() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    let out = stdout(kc(&s, &["logs", "-n", "ml", "mig-check-h100"]));
    assert!(
        out.starts_with("GPU 0: NVIDIA H100 NVL (UUID: GPU-"),
        "{out}"
    );
    assert!(
        out.contains("\n  MIG 2g.24gb     Device  0: (UUID: MIG-"),
        "{out}"
    );
}

#[test]
fn kubectl_run_mig_pod_is_scheduled_and_completes() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    s.api
        .set_kubelet_delays(Duration::from_millis(50), Duration::from_millis(100));
    let overrides = r#"{"spec":{"containers":[{"name":"t","image":"nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04","args":["nvidia-smi","-L"],"resources":{"limits":{"nvidia.com/mig-1g.5gb":"1"}}}],"tolerations":[{"key":"sku","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}}"#;
    let out = stdout(kc(
        &s,
        &[
            "run",
            "t",
            "--image=nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04",
            "--restart=Never",
            &format!("--overrides={overrides}"),
            "--",
            "nvidia-smi",
            "-L",
        ],
    ));
    assert!(out.contains("pod/t created"), "{out}");
    let pod = wait_for(Duration::from_secs(10), || {
        let p = s.api.get("pods", Some("default"), "t")?;
        (p["status"]["phase"] == "Succeeded").then_some(p)
    })
    .expect("pod t succeeds");
    assert_eq!(pod["spec"]["nodeName"], MIXED);
    let log = stdout(kc(&s, &["logs", "t"]));
    assert!(log.contains("  MIG 1g.5gb      Device  0:"), "{log}");
    let out = stdout(kc(&s, &["delete", "pod", "t"]));
    assert!(out.contains("pod \"t\" deleted"), "{out}");
    assert!(s.api.get("pods", Some("default"), "t").is_none());
}

#[test]
fn get_pods_watch_receives_events() {
    if !have_kubectl() {
        return;
    }
    let s = TestServer::start(FakeApi::seeded());
    s.api
        .set_kubelet_delays(Duration::from_millis(50), Duration::from_millis(100));
    let mut c = kc(
        &s,
        &[
            "get",
            "pods",
            "-n",
            "gpu-tests",
            "--watch",
            "--request-timeout=20s",
        ],
    );
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl");
    std::thread::sleep(Duration::from_millis(700));
    s.api.insert(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "watched", "namespace": "gpu-tests"},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["echo", "hi"]}]},
        "status": {"phase": "Pending"}}));
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id();
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("watched") && l.contains("Completed")),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("watched") && l.contains("Pending")),
        "{text}"
    );
}

#[test]
fn oldest_and_newest_kubectl_work_too() {
    if !have_kubectl() {
        return;
    }
    for v in ["1.27", "1.33"] {
        let Some(bin) = versioned(v) else { continue };
        let s = TestServer::start(FakeApi::seeded());
        let k = |args: &[&str]| {
            let mut c = s.kubectl_bin(&bin);
            c.args(args);
            c
        };
        let out = stdout(k(&["get", "pods", "-A"]));
        assert!(out.contains("infer-llama-0"), "{v}: {out}");
        let file = write_ds(s.kubeconfig().parent().unwrap());
        run(k(&["apply", "--server-side", "-f", file.to_str().unwrap()]));
        let first = rv(&s.api, "daemonsets", "gpu-tests", "mig-probe");
        run(k(&["apply", "--server-side", "-f", file.to_str().unwrap()]));
        assert_eq!(
            rv(&s.api, "daemonsets", "gpu-tests", "mig-probe"),
            first,
            "{v}"
        );
        let log = stdout(k(&["logs", "-n", "ml", "train-resnet-0"]));
        assert!(
            log.is_empty(),
            "{v}: no nvidia-smi in that pod's command: {log}"
        );
        let out = stdout(k(&["describe", "node", MIXED]));
        assert!(out.contains("nvidia.com/mig-1g.5gb"), "{v}");
        run(k(&["delete", "pod", "-n", "ml", "notebook-bob"]));
        assert!(
            s.api.get("pods", Some("ml"), "notebook-bob").is_none(),
            "{v}"
        );
    }
}

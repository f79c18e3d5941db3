//! DRA with the real kubectl (skipped with a note when kubectl is not on PATH): listing,
//! client-side and server-side apply, wide output; the 1.33 binary too when installed.

mod common;

use common::wait_for;
use fakeapi::{DraVersions, FakeApi, TestServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn kubectl_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

/// The kubectl binaries to try: `kubectl` and `kubectl.1.33` next to it, when installed.
fn binaries() -> Vec<PathBuf> {
    let Some(real) = kubectl_on_path() else {
        eprintln!("note: kubectl is not on PATH; skipping real-kubectl DRA test");
        return Vec::new();
    };
    let mut out = vec![real.clone()];
    match std::fs::canonicalize(&real)
        .ok()
        .and_then(|r| Some(r.parent()?.join("kubectl.1.33")))
    {
        Some(p) if p.is_file() => out.push(p),
        _ => eprintln!("note: kubectl.1.33 not found; skipping it"),
    }
    out
}

fn run(mut c: Command) -> Output {
    c.stdin(Stdio::null()).output().expect("run kubectl")
}

fn ok(c: Command) -> String {
    let out = run(c);
    assert!(
        out.status.success(),
        "kubectl failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const TEMPLATE: &str = "apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata:
  name: mig-1g5gb
  namespace: gpu-tests
spec:
  spec:
    devices:
      requests:
      - name: mig
        exactly:
          deviceClassName: mig.nvidia.com
          selectors:
          - cel:
              expression: device.attributes['gpu.nvidia.com'].profile == '1g.5gb'
";

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: mig-pod
  namespace: gpu-tests
spec:
  restartPolicy: Always
  containers:
  - name: workload
    image: ubuntu:22.04
    command: [bash, -c]
    args: [\"nvidia-smi -L; sleep 9999\"]
    resources:
      claims:
      - name: mig
  resourceClaims:
  - name: mig
    resourceClaimTemplateName: mig-1g5gb
  tolerations:
  - {key: sku, operator: Equal, value: gpu, effect: NoSchedule}
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn kubectl_lists_applies_and_shows_dra_objects() {
    for bin in binaries() {
        let api = FakeApi::seeded_with_dra();
        api.set_kubelet_delays(Duration::from_millis(20), Duration::from_millis(50));
        let s = TestServer::start(api.clone());
        let k = |args: &[&str]| {
            let mut c = s.kubectl_bin(&bin);
            c.args(args);
            c
        };
        let v = bin.display();
        let out = ok(k(&[
            "get",
            "resourceslices,resourceclaims,deviceclasses",
            "-A",
        ]));
        assert!(
            out.contains("NAME")
                && out.contains("NODE")
                && out.contains("DRIVER")
                && out.contains("POOL"),
            "{v}: {out}"
        );
        assert!(
            out.contains("resourceslice.resource.k8s.io/00000-gpu.nvidia.com-aks-a100dra-41736250-vmss000000-7xq2d   aks-a100dra-41736250-vmss000000   gpu.nvidia.com   aks-a100dra-41736250-vmss000000"),
            "{v}: {out}"
        );
        assert!(
            out.contains("deviceclass.resource.k8s.io/mig.nvidia.com"),
            "{v}: {out}"
        );

        let dir = s.kubeconfig().parent().unwrap().to_path_buf();
        let tpl = write(&dir, "template.yaml", TEMPLATE);
        let out = ok(k(&["apply", "-f", &tpl]));
        assert!(
            out.contains("resourceclaimtemplate.resource.k8s.io/mig-1g5gb created"),
            "{v}: {out}"
        );
        let stored = api
            .get("resourceclaimtemplates", Some("gpu-tests"), "mig-1g5gb")
            .unwrap();
        assert!(
            stored["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
                .is_string(),
            "{v}"
        );
        let out = ok(k(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            &tpl,
        ]));
        assert!(out.contains("serverside-applied"), "{v}: {out}");
        let rv = api
            .get("resourceclaimtemplates", Some("gpu-tests"), "mig-1g5gb")
            .unwrap()["metadata"]["resourceVersion"]
            .clone();
        ok(k(&["apply", "--server-side", "-f", &tpl]));
        assert_eq!(
            api.get("resourceclaimtemplates", Some("gpu-tests"), "mig-1g5gb")
                .unwrap()["metadata"]["resourceVersion"],
            rv,
            "{v}: a second server-side apply changes nothing"
        );
        let out = ok(k(&["get", "resourceclaimtemplates", "-n", "gpu-tests"]));
        assert!(
            out.starts_with("NAME        AGE\nmig-1g5gb   "),
            "{v}: {out}"
        );

        let pod = write(&dir, "pod.yaml", POD);
        ok(k(&["apply", "-f", &pod]));
        let claim = wait_for(Duration::from_secs(10), || {
            let p = api.get("pods", Some("gpu-tests"), "mig-pod")?;
            (p["status"]["phase"] == "Running").then_some(())?;
            p["status"]["resourceClaimStatuses"][0]["resourceClaimName"]
                .as_str()
                .map(String::from)
        })
        .unwrap_or_else(|| panic!("{v}: pod never ran"));
        let out = ok(k(&[
            "get",
            "resourceclaims",
            "-n",
            "gpu-tests",
            "-o",
            "wide",
        ]));
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
            ["NAME", "STATE", "AGE"],
            "{v}: {out}"
        );
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(
            row[..2],
            [claim.as_str(), "allocated,reserved"],
            "{v}: {out}"
        );
        let log = ok(k(&["logs", "-n", "gpu-tests", "mig-pod"]));
        assert!(
            log.contains("  MIG 1g.5gb      Device  0: (UUID: MIG-"),
            "{v}: {log}"
        );
        let out = ok(k(&[
            "get",
            "resourceclaim",
            &claim,
            "-n",
            "gpu-tests",
            "-o",
            "jsonpath={.status.allocation.devices.results[0].pool}",
        ]));
        assert_eq!(out, "aks-a100dra-41736250-vmss000000", "{v}");
    }
}

#[test]
fn kubectl_follows_the_served_versions() {
    for bin in binaries() {
        let api = FakeApi::seeded_with_dra();
        let s = TestServer::start(api.clone());
        let k = |args: &[&str]| {
            let mut c = s.kubectl_bin(&bin);
            c.args(args);
            c
        };
        let v = bin.display();
        api.set_dra_versions(DraVersions::V1beta2Only);
        let out = ok(k(&[
            "get",
            "resourceslices",
            "-o",
            "jsonpath={.items[0].apiVersion}",
        ]));
        assert_eq!(out, "resource.k8s.io/v1beta2", "{v}");
        let out = ok(k(&["api-versions"]));
        assert!(
            out.contains("resource.k8s.io/v1beta2") && !out.contains("resource.k8s.io/v1\n"),
            "{v}: {out}"
        );
        api.set_dra_versions(DraVersions::Off);
        // A new cache directory, so kubectl discovers the API again.
        let cache = s.kubeconfig().parent().unwrap().join("cache-off");
        let out = run(k(&[
            "get",
            "resourceslices",
            "--cache-dir",
            cache.to_str().unwrap(),
        ]));
        assert!(!out.status.success(), "{v}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the server doesn't have a resource type \"resourceslices\""),
            "{v}: {err}"
        );
    }
}

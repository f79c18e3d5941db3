//! Shared helpers for the end-to-end tests: run the real binary against the fake API server.
#![allow(dead_code, unused_imports)]

pub use fakeapi::{FakeApi, Faults, ProxyKind, TestProxy, TestServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    pub fn ok(self) -> String {
        assert_eq!(self.code, 0, "expected success, got {self:#?}");
        self.stdout
    }

    /// The JSON on stdout.
    pub fn json(self) -> serde_json::Value {
        let out = self.ok();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

/// A temp dir removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("kubectl-mig-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with a clean environment: no KUBECONFIG, HOME in an empty dir, no colors.
pub fn bin(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-mig"));
    c.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// Runs the binary with `args` (no kubeconfig flag added).
pub fn run_plain(home: &Path, args: &[&str]) -> Run {
    Run::from(bin(home).args(args).output().expect("run kubectl-mig"))
}

/// Runs the binary against the server with `--kubeconfig`.
pub fn run(server: &TestServer, args: &[&str]) -> Run {
    let home = server.kubeconfig().parent().unwrap().to_path_buf();
    let mut c = bin(&home);
    c.arg("--kubeconfig").arg(server.kubeconfig()).args(args);
    Run::from(c.output().expect("run kubectl-mig"))
}

/// Runs the binary against the server, feeding `stdin`.
pub fn run_with_stdin(server: Option<&TestServer>, home: &Path, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut c = bin(home);
    if let Some(s) = server {
        c.arg("--kubeconfig").arg(s.kubeconfig());
    }
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// Runs the real kubectl against the server.
pub fn kubectl(server: &TestServer, args: &[&str]) -> Run {
    Run::from(server.kubectl().args(args).output().expect("run kubectl"))
}

/// Runs the real kubectl with stdin.
pub fn kubectl_stdin(server: &TestServer, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut c = server.kubectl();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn kubectl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// Whether the real kubectl is installed (CI installs it; skip with a note otherwise).
pub fn have_kubectl() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: kubectl not found on PATH; skipping the checks that need it");
    }
    ok
}

/// Compares `actual` with tests/snapshots/<name>; `UPDATE_SNAPSHOTS=1` rewrites it.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "snapshot {name} differs (rerun with UPDATE_SNAPSHOTS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Seed node names.
pub const A100_MIXED: &str = "aks-a100mixed-27591046-vmss000000";
pub const A100_SINGLE_0: &str = "aks-a100single-31485672-vmss000000";
pub const A100_SINGLE_1: &str = "aks-a100single-31485672-vmss000001";
pub const A100_80: &str = "aks-a100x80-64029185-vmss000000";
pub const H100_MIXED: &str = "aks-h100mixed-50817263-vmss000000";
pub const H100_WHOLE: &str = "aks-h100whole-83726154-vmss000000";

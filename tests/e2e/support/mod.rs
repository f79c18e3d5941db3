//! Shared helpers: run the real binary (against the fake API server or offline), the real
//! kubectl, temp dirs and PATHs, the seeded cluster's names, and the assertion macros.

mod assert;
mod cluster;
mod mig_manager;

pub use assert::*;
pub use cluster::*;
pub use fakeapi::{FakeApi, Faults, ProxyKind, TestProxy, TestServer};
pub use mig_manager::*;
pub use tempfile::TempDir;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-mig");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Cargo.toml's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a run of a program produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    /// Panics unless stdout and stderr are UTF-8: every program the tests run writes text.
    fn from(out: Output) -> Run {
        let text = |bytes: Vec<u8>, stream: &str| {
            String::from_utf8(bytes).unwrap_or_else(|e| {
                panic!(
                    "{stream} is not UTF-8 ({e}): {}",
                    String::from_utf8_lossy(e.as_bytes())
                )
            })
        };
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: text(out.stdout, "stdout"),
            stderr: text(out.stderr, "stderr"),
        }
    }
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(self) -> String {
        assert_ok!(self);
        self.stdout
    }

    /// Asserts success and returns the JSON on stdout.
    #[track_caller]
    pub fn json(self) -> serde_json::Value {
        let out = self.ok();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

/// Runs `cmd` to its end.
#[track_caller]
pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    Run::from(out)
}

/// Runs `cmd` with `stdin` piped in.
fn run_cmd_with_stdin(mut cmd: Command, stdin: &str) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// A temp dir (removed on drop) named after `tag`.
pub fn temp_dir(tag: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("kubectl-mig-{tag}-"))
        .tempdir()
        .expect("temp dir")
}

/// The binary with a clean environment: no KUBECONFIG, HOME in `home`, no colors.
pub fn bin(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// Runs the binary with `args` (no kubeconfig flag added).
pub fn run_plain(home: &Path, args: &[&str]) -> Run {
    run_cmd(bin(home).args(args))
}

/// Runs the binary for a command that never needs a cluster: the caller's environment, with
/// `KUBECONFIG` pointing nowhere to keep a developer's cluster out.
pub fn run_offline(args: &[&str]) -> Run {
    run_cmd(
        Command::new(BIN)
            .args(args)
            .env("KUBECONFIG", "/nonexistent"),
    )
}

/// The binary with `--kubeconfig` of the server, HOME in the server's dir.
pub fn bin_for(server: &TestServer) -> Command {
    let mut c = bin(server.kubeconfig().parent().unwrap());
    c.arg("--kubeconfig").arg(server.kubeconfig());
    c
}

/// Runs the binary against the server with `--kubeconfig`.
pub fn run(server: &TestServer, args: &[&str]) -> Run {
    run_cmd(bin_for(server).args(args))
}

/// Runs the binary (against the server, if any), feeding `stdin`.
pub fn run_with_stdin(server: Option<&TestServer>, home: &Path, args: &[&str], stdin: &str) -> Run {
    let mut c = bin(home);
    if let Some(s) = server {
        c.arg("--kubeconfig").arg(s.kubeconfig());
    }
    c.args(args);
    run_cmd_with_stdin(c, stdin)
}

/// Runs the real kubectl against the server.
pub fn kubectl(server: &TestServer, args: &[&str]) -> Run {
    run_cmd(server.kubectl().args(args))
}

/// Runs the real kubectl against the server, feeding `stdin`.
pub fn kubectl_stdin(server: &TestServer, args: &[&str], stdin: &str) -> Run {
    let mut c = server.kubectl();
    c.args(args);
    run_cmd_with_stdin(c, stdin)
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

/// `program` in a directory of PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// PATH with `dir` first.
pub fn path_with(dir: &Path) -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&rest)))
        .expect("PATH")
}

/// A PATH directory holding `kubectl-mig` and `kubectl_complete-mig`, as an install leaves them.
pub fn plugin_dir() -> TempDir {
    let dir = temp_dir("plugin");
    std::os::unix::fs::symlink(BIN, dir.path().join("kubectl-mig")).expect("link binary");
    std::fs::copy(
        Path::new(ROOT).join("kubectl_complete-mig"),
        dir.path().join("kubectl_complete-mig"),
    )
    .expect("copy script");
    dir
}

/// An executable `#!/bin/sh` script `name` in `dir` running `body`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

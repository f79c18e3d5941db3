//! The CLI frame: help through kubectl's plugin discovery, kubeconfig rules, and one clear
//! sentence with a non-zero exit for every way talking to a cluster can fail.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn assert_one_sentence_error(r: &Run, code: i32, needle: &str) {
    assert_eq!(r.code, code, "{r:#?}");
    let line = r.stderr.trim_end();
    assert!(line.starts_with("error: "), "{r:#?}");
    assert!(!line.contains('\n'), "one line expected: {line}");
    assert!(line.contains(needle), "expected {needle:?} in {line:?}");
    assert!(
        !line.contains("panicked") && !line.contains("Error {"),
        "{line}"
    );
}

#[test]
fn help_and_version_work_through_kubectl_plugin_discovery() {
    if !have_kubectl() {
        return;
    }
    let dir = TempDir::new("plugin");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_kubectl-mig"),
        dir.path().join("kubectl-mig"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    for kubectl in ["kubectl", "kubectl.1.27", "kubectl.1.33"] {
        let Ok(out) = std::process::Command::new(kubectl)
            .args(["mig", "--help"])
            .env("PATH", &path)
            .output()
        else {
            eprintln!("note: {kubectl} not installed");
            continue;
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{kubectl}: {out:?}");
        assert!(stdout.contains("Usage: kubectl mig"), "{stdout}");
        for sub in [
            "describe",
            "run",
            "install",
            "uninstall",
            "status",
            "profiles",
            "plan",
            "completion",
        ] {
            assert!(stdout.contains(sub), "{sub} missing from help");
        }
        let listed = std::process::Command::new(kubectl)
            .args(["plugin", "list"])
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&listed.stdout).contains("kubectl-mig"));
    }
    let out = std::process::Command::new("kubectl")
        .args(["mig", "--version"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("kubectl-mig {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_subcommand_has_an_example() {
    let home = TempDir::new("help");
    for sub in [
        "describe",
        "run",
        "install",
        "uninstall",
        "status",
        "profiles",
        "plan",
        "completion",
    ] {
        let out = run_plain(home.path(), &[sub, "--help"]).ok();
        assert!(
            out.contains("Examples:") && out.contains("kubectl mig"),
            "{sub}: {out}"
        );
        assert!(
            out.contains(&format!("Usage: kubectl mig {sub}")),
            "{sub}: {out}"
        );
    }
}

#[test]
fn bad_usage_exits_2() {
    let home = TempDir::new("usage");
    let r = run_plain(home.path(), &["describe", "--no-such-flag"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unexpected argument"), "{r:#?}");
    let r = run_plain(
        home.path(),
        &[
            "run",
            "--toleration",
            "bad",
            "--dry-run",
            "--strategy",
            "mixed",
            "--profile",
            "1g.5gb",
        ],
    );
    assert_one_sentence_error(&r, 2, "invalid --toleration");
}

#[test]
fn no_kubeconfig_found() {
    let home = TempDir::new("nokube");
    let r = run_plain(home.path(), &["describe"]);
    assert_one_sentence_error(&r, 1, "no kubeconfig found");
    assert!(r.stderr.contains("az aks get-credentials"));
}

#[test]
fn unreadable_kubeconfig() {
    let home = TempDir::new("unreadable");
    let dir = home.path().display().to_string();
    let r = run_plain(home.path(), &["--kubeconfig", &dir, "describe"]);
    assert_one_sentence_error(&r, 1, "cannot read the kubeconfig file");
    let r = run_plain(
        home.path(),
        &["--kubeconfig", "/does/not/exist", "describe"],
    );
    assert_one_sentence_error(&r, 1, "does not exist");
}

#[test]
fn invalid_kubeconfig() {
    let home = TempDir::new("invalid");
    let path = home.path().join("config");
    std::fs::write(&path, "clusters: [ {name: x, cluster: {server: 42").unwrap();
    let r = run_plain(
        home.path(),
        &["--kubeconfig", path.to_str().unwrap(), "describe"],
    );
    assert_one_sentence_error(&r, 1, "is not a valid kubeconfig");
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["--context", "nope", "describe"]);
    assert_one_sentence_error(
        &r,
        1,
        "context \"nope\" is not in your kubeconfig (known contexts: fake, other)",
    );
}

#[test]
fn kubeconfig_env_merges_paths_first_wins_and_skips_missing_files() {
    let server = TestServer::start(FakeApi::seeded());
    let home = TempDir::new("merge");
    let broken = home.path().join("broken");
    // Same context name pointing at a closed port: the first file must win.
    std::fs::write(&broken, fakeapi::kubeconfig_yaml("http://127.0.0.1:1")).unwrap();
    let list = format!(
        "{}:{}:{}",
        home.path().join("missing").display(),
        server.kubeconfig().display(),
        broken.display()
    );
    let out = bin(home.path())
        .env("KUBECONFIG", &list)
        .args(["describe", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["nodes"].as_array().unwrap().is_empty());
}

#[test]
fn home_kube_config_is_the_default() {
    let server = TestServer::start(FakeApi::seeded());
    let home = TempDir::new("home");
    std::fs::create_dir_all(home.path().join(".kube")).unwrap();
    std::fs::copy(server.kubeconfig(), home.path().join(".kube/config")).unwrap();
    let r = run_plain(home.path(), &["describe", A100_MIXED, "-o", "json"]);
    assert_eq!(r.json()["nodes"][0]["name"], A100_MIXED);
}

#[test]
fn server_unreachable() {
    let home = TempDir::new("unreachable");
    let path = home.path().join("config");
    std::fs::write(&path, fakeapi::kubeconfig_yaml("http://127.0.0.1:1")).unwrap();
    let r = run_plain(
        home.path(),
        &["--kubeconfig", path.to_str().unwrap(), "describe"],
    );
    assert_one_sentence_error(
        &r,
        1,
        "cannot connect to the Kubernetes API server at http://127.0.0.1:1 (connection refused)",
    );
}

#[test]
fn server_timed_out() {
    // Accepts connections but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(8) {
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let home = TempDir::new("timeout");
    let path = home.path().join("config");
    std::fs::write(&path, fakeapi::kubeconfig_yaml(&format!("http://{addr}"))).unwrap();
    let started = Instant::now();
    let r = run_plain(
        home.path(),
        &[
            "--kubeconfig",
            path.to_str().unwrap(),
            "--request-timeout",
            "1s",
            "describe",
        ],
    );
    assert_one_sentence_error(&r, 1, "did not answer in time");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn tls_failure() {
    let server = TestServer::start(FakeApi::seeded());
    let home = TempDir::new("tls");
    let path = home.path().join("config");
    let https = server.url().replace("http://", "https://");
    std::fs::write(&path, fakeapi::kubeconfig_yaml(&https)).unwrap();
    let r = run_plain(
        home.path(),
        &["--kubeconfig", path.to_str().unwrap(), "describe"],
    );
    assert_one_sentence_error(&r, 1, "the TLS connection to https://127.0.0.1");
}

#[test]
fn expired_credentials_401() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("a-newer-token"));
    let r = run(&server, &["describe"]);
    assert_one_sentence_error(
        &r,
        1,
        "rejected your credentials for context \"fake\" (401 Unauthorized)",
    );
    assert!(r.stderr.contains("kubelogin"), "{}", r.stderr);
}

#[test]
fn forbidden_403_names_verb_and_resource() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        forbidden: vec!["pods".into()],
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_one_sentence_error(
        &r,
        1,
        "you are not allowed to list pods across the cluster (403 Forbidden",
    );
    assert!(
        r.stderr
            .contains("kubectl auth can-i list pods --all-namespaces"),
        "{}",
        r.stderr
    );
}

#[test]
fn persistent_server_errors_give_up_with_a_clear_message() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        error_5xx_share: 1.0,
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_one_sentence_error(
        &r,
        1,
        "the API server failed to list nodes after several retries",
    );
    let attempts = server
        .api
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/nodes")
        .count();
    assert_eq!(attempts, 6, "one try and five retries");
}

#[test]
fn verbose_logs_go_to_stderr_only() {
    let server = TestServer::start(FakeApi::seeded());
    let quiet = run(&server, &["describe", "-o", "json"]);
    let loud = run(&server, &["describe", "-o", "json", "-v=6"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stdout, loud.stdout);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert!(loud.stderr.contains("/api/v1/nodes"), "{}", loud.stderr);
}

#[test]
fn run_refuses_empty_images_profiles_and_bad_names_before_any_request() {
    let home = TempDir::new("run-usage");
    for (args, needle) in [
        (vec!["run", "--image", ""], "--image is empty"),
        (vec!["run", "--image", "   "], "--image is empty"),
        (vec!["run", "a..b"], "invalid pod name \"a..b\""),
        (vec!["run", "-x-"], "unexpected argument"),
        (vec!["run", "--profile", ""], "invalid --profile \"\""),
        (vec!["run", "--profile", "big"], "invalid --profile \"big\""),
    ] {
        let r = run_plain(home.path(), &args);
        assert_eq!(r.code, 2, "{args:?}: {r:#?}");
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}

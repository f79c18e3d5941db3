//! The CLI frame: help through kubectl's plugin discovery, kubeconfig rules, and one clear
//! sentence with a non-zero exit for every way talking to a cluster can fail.

use crate::support::*;
use std::process::Command;
use std::time::{Duration, Instant};

const SUBCOMMANDS: [&str; 8] = [
    "describe",
    "run",
    "install",
    "uninstall",
    "status",
    "profiles",
    "plan",
    "completion",
];

#[test]
fn help_and_version_work_through_kubectl_plugin_discovery() {
    if !have_kubectl() {
        return;
    }
    let dir = plugin_dir();
    let path = path_with(dir.path());
    for kubectl in ["kubectl", "kubectl.1.27", "kubectl.1.33"] {
        let Ok(out) = Command::new(kubectl)
            .args(["mig", "--help"])
            .env("PATH", &path)
            .output()
        else {
            eprintln!("note: {kubectl} not installed");
            continue;
        };
        let help = Run::from(out);
        assert_ok!(help, "{kubectl}");
        assert_contains!(help.stdout, "Usage: kubectl mig");
        for sub in SUBCOMMANDS {
            assert_contains!(help.stdout, sub, "{sub} missing from help");
        }
        let listed = run_cmd(
            Command::new(kubectl)
                .args(["plugin", "list"])
                .env("PATH", &path),
        );
        assert_contains!(listed.stdout, "kubectl-mig");
    }
    let version = run_cmd(
        Command::new("kubectl")
            .args(["mig", "--version"])
            .env("PATH", &path),
    );
    assert_eq!(version.stdout.trim(), format!("kubectl-mig {VERSION}"));
}

#[test]
fn every_subcommand_has_an_example() {
    let home = temp_dir("help");
    for sub in SUBCOMMANDS {
        let out = run_plain(home.path(), &[sub, "--help"]).ok();
        assert_contains!(out, "Examples:", "{sub}");
        assert_contains!(out, "kubectl mig", "{sub}");
        assert_contains!(out, &format!("Usage: kubectl mig {sub}"), "{sub}");
    }
}

#[test]
fn bad_usage_exits_2() {
    let home = temp_dir("usage");
    let r = run_plain(home.path(), &["describe", "--no-such-flag"]);
    assert_exit!(r, 2);
    assert_contains!(r.stderr, "unexpected argument");
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
    assert_error!(r, 2, "invalid --toleration");
}

#[test]
fn no_kubeconfig_found() {
    let home = temp_dir("nokube");
    let r = run_plain(home.path(), &["describe"]);
    assert_error!(r, 1, "no kubeconfig found");
    assert_contains!(r.stderr, "az aks get-credentials");
}

#[test]
fn unreadable_kubeconfig() {
    let home = temp_dir("unreadable");
    let dir = home.path().display().to_string();
    let r = run_plain(home.path(), &["--kubeconfig", &dir, "describe"]);
    assert_error!(r, 1, "cannot read the kubeconfig file");
    let r = run_plain(
        home.path(),
        &["--kubeconfig", "/does/not/exist", "describe"],
    );
    assert_error!(r, 1, "does not exist");
}

/// Runs `describe` with a kubeconfig of `text` in a fresh HOME.
fn describe_with_kubeconfig(tag: &str, text: &str, extra: &[&str]) -> Run {
    let home = temp_dir(tag);
    let path = home.path().join("config");
    std::fs::write(&path, text).unwrap();
    let mut args = vec!["--kubeconfig", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("describe");
    run_plain(home.path(), &args)
}

#[test]
fn invalid_kubeconfig() {
    let r = describe_with_kubeconfig("invalid", "clusters: [ {name: x, cluster: {server: 42", &[]);
    assert_error!(r, 1, "is not a valid kubeconfig");
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let server = TestServer::start(FakeApi::seeded());
    let r = run(&server, &["--context", "nope", "describe"]);
    assert_error!(
        r,
        1,
        "context \"nope\" is not in your kubeconfig (known contexts: fake, other)"
    );
}

#[test]
fn kubeconfig_env_merges_paths_first_wins_and_skips_missing_files() {
    let server = TestServer::start(FakeApi::seeded());
    let home = temp_dir("merge");
    let broken = home.path().join("broken");
    // Same context name pointing at a closed port: the first file must win.
    std::fs::write(&broken, fakeapi::kubeconfig_yaml("http://127.0.0.1:1")).unwrap();
    let list = format!(
        "{}:{}:{}",
        home.path().join("missing").display(),
        server.kubeconfig().display(),
        broken.display()
    );
    let v = run_cmd(
        bin(home.path())
            .env("KUBECONFIG", &list)
            .args(["describe", "-o", "json"]),
    )
    .json();
    assert!(!items(&v["nodes"]).is_empty());
}

#[test]
fn home_kube_config_is_the_default() {
    let server = TestServer::start(FakeApi::seeded());
    let home = temp_dir("home");
    std::fs::create_dir_all(home.path().join(".kube")).unwrap();
    std::fs::copy(server.kubeconfig(), home.path().join(".kube/config")).unwrap();
    let r = run_plain(home.path(), &["describe", A100_MIXED, "-o", "json"]);
    assert_eq!(r.json()["nodes"][0]["name"], A100_MIXED);
}

#[test]
fn server_unreachable() {
    let r = describe_with_kubeconfig(
        "unreachable",
        &fakeapi::kubeconfig_yaml("http://127.0.0.1:1"),
        &[],
    );
    assert_error!(
        r,
        1,
        "cannot connect to the Kubernetes API server at http://127.0.0.1:1 (connection refused)"
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
    let started = Instant::now();
    let r = describe_with_kubeconfig(
        "timeout",
        &fakeapi::kubeconfig_yaml(&format!("http://{addr}")),
        &["--request-timeout", "1s"],
    );
    assert_error!(r, 1, "did not answer in time");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn tls_failure() {
    let server = TestServer::start(FakeApi::seeded());
    let https = server.url().replace("http://", "https://");
    let r = describe_with_kubeconfig("tls", &fakeapi::kubeconfig_yaml(&https), &[]);
    assert_error!(r, 1, "the TLS connection to https://127.0.0.1");
}

#[test]
fn expired_credentials_401() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("a-newer-token"));
    let r = run(&server, &["describe"]);
    assert_error!(
        r,
        1,
        "rejected your credentials for context \"fake\" (401 Unauthorized)"
    );
    assert_contains!(r.stderr, "kubelogin");
}

#[test]
fn forbidden_403_names_verb_and_resource() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        forbidden: vec!["pods".into()],
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_error!(
        r,
        1,
        "you are not allowed to list pods across the cluster (403 Forbidden"
    );
    assert_contains!(r.stderr, "kubectl auth can-i list pods --all-namespaces");
}

#[test]
fn persistent_server_errors_give_up_with_a_clear_message() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        error_5xx_share: 1.0,
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_error!(
        r,
        1,
        "the API server failed to list nodes after several retries"
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
    assert_ok!(quiet);
    assert_eq!(quiet.stdout, loud.stdout);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert_contains!(loud.stderr, "/api/v1/nodes");
    // -v=4, as kubectl's: every request with its method, URL and status.
    let requests = run(&server, &["describe", "-o", "json", "-v=4"]);
    assert_ok!(requests);
    let line = requests
        .stderr
        .lines()
        .find(|l| l.contains("/api/v1/nodes?") && l.contains("http.status_code=200"))
        .unwrap_or_else(|| panic!("no request line in\n{}", requests.stderr));
    assert_contains!(line, "http.method=GET");
}

#[test]
fn run_refuses_empty_images_profiles_and_bad_names_before_any_request() {
    let home = temp_dir("run-usage");
    for (args, needle) in [
        (vec!["run", "--image", ""], "--image is empty"),
        (vec!["run", "--image", "   "], "--image is empty"),
        (vec!["run", "a..b"], "invalid pod name \"a..b\""),
        (vec!["run", "-x-"], "unexpected argument"),
        (vec!["run", "--profile", ""], "invalid --profile \"\""),
        (vec!["run", "--profile", "big"], "invalid --profile \"big\""),
    ] {
        let r = run_plain(home.path(), &args);
        assert_exit!(r, 2, "{args:?}");
        assert_contains!(r.stderr, needle, "{args:?}");
    }
}

//! Real networks and real credentials: exec plugins that fail, hang or succeed, token files,
//! proxies (HTTP CONNECT and SOCKS5, NO_PROXY), servers that trickle, lists that never end.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A kubeconfig for `server_url` whose user is `user_yaml` (indented under `user:`), with an
/// optional cluster `proxy-url`.
fn kubeconfig(dir: &Path, server_url: &str, user_yaml: &str, proxy_url: Option<&str>) -> PathBuf {
    let proxy = proxy_url
        .map(|p| format!("\n    proxy-url: {p}"))
        .unwrap_or_default();
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server_url}{proxy}
users:
- name: fake-user
  user:
{user_yaml}
contexts:
- name: fake
  context: {{cluster: fake, user: fake-user, namespace: default}}
current-context: fake
"
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

/// A kubeconfig of cluster `c` (server `https://127.0.0.1:1` plus `cluster_fields`) and user
/// `u` (`user_fields`).
fn kubeconfig_one_line(dir: &Path, cluster_fields: &str, user_fields: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: 'https://127.0.0.1:1'{cluster_fields}}}
users:
- name: u
  user: {{{user_fields}}}
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
"
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

fn exec_user(plugin: &Path) -> String {
    format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never",
        plugin.display()
    )
}

fn run_with(kubeconfig: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let home = kubeconfig.parent().unwrap();
    let mut c = bin(home);
    c.arg("--kubeconfig").arg(kubeconfig).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_cmd(&mut c)
}

/// Asserts that the run took less than `limit`.
#[track_caller]
fn assert_within(started: Instant, limit: Duration) {
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}");
}

const CREDENTIAL: &str = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"fake-token"}}"#;

#[test]
fn a_failing_exec_plugin_shows_its_stderr_and_status_never_its_stdout() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = temp_dir("exec-fail");
    let plugin = script(
        dir.path(),
        "kubelogin",
        &format!(
            "echo '{}'\necho 'AADSTS70043: The refresh token has expired' >&2\nexit 1",
            CREDENTIAL.replace("fake-token", "SECRET-TOKEN-123")
        ),
    );
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let r = run_with(&kc, &[], &["describe"]);
    assert_error!(r, 1, "exited with exit code 1: AADSTS70043");
    assert_lacks!(r.stderr, "SECRET-TOKEN-123");
    assert_contains!(r.stderr, "kubelogin");
}

#[test]
fn an_exec_plugin_runs_once_per_command_and_its_token_is_used() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = temp_dir("exec-ok");
    let count = dir.path().join("runs");
    let plugin = script(
        dir.path(),
        "get-token",
        &format!("echo run >> {}\necho '{CREDENTIAL}'", count.display()),
    );
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let r = run_with(&kc, &[], &["describe", "-o", "json"]);
    assert_ok!(r);
    let runs = std::fs::read_to_string(&count).unwrap();
    assert_eq!(runs.lines().count(), 1, "plugin runs: {runs}");
}

#[test]
fn a_hanging_exec_plugin_is_bounded_by_request_timeout() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = temp_dir("exec-hang");
    let plugin = script(dir.path(), "kubelogin", "sleep 30");
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let started = Instant::now();
    let r = run_with(&kc, &[], &["describe", "--request-timeout", "2s"]);
    assert_within(started, Duration::from_secs(10));
    assert_error!(r, 1, "did not answer within 2s");
    assert_contains!(r.stderr, "credentials");
}

#[test]
fn a_missing_exec_plugin_names_the_install_hint() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = temp_dir("exec-missing");
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin-not-installed\n      installHint: install kubelogin with az aks install-cli\n      interactiveMode: Never";
    let kc = kubeconfig(dir.path(), &server.url(), user, None);
    let r = run_with(&kc, &[], &["describe"]);
    assert_error!(r, 1, "install kubelogin with az aks install-cli");
}

#[test]
fn token_files_are_trimmed_and_a_missing_one_is_named() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = temp_dir("token-file");
    let token = dir.path().join("token");
    std::fs::write(&token, "fake-token\n").unwrap();
    let kc = kubeconfig(
        dir.path(),
        &server.url(),
        &format!("    tokenFile: {}", token.display()),
        None,
    );
    let r = run_with(&kc, &[], &["describe", "-o", "json"]);
    assert_ok!(r);
    std::fs::remove_file(&token).unwrap();
    let r = run_with(&kc, &[], &["describe"]);
    assert_error!(r, 1, "tokenFile");
    assert_lacks!(r.stderr, "kubelogin");
}

/// The server's URL with a host name only the proxy resolves.
fn proxied_url(server: &TestServer) -> String {
    format!("http://kube.mig-proxy.test:{}", server.addr().port())
}

#[test]
fn http_proxy_from_the_environment_and_no_proxy() {
    let server = TestServer::start(FakeApi::seeded());
    let proxy = TestProxy::start(ProxyKind::HttpConnect);
    let dir = temp_dir("proxy-env");
    let kc = kubeconfig(dir.path(), &proxied_url(&server), "    token: t", None);
    let proxy_url = proxy.url(ProxyKind::HttpConnect);
    let r = run_with(
        &kc,
        &[("HTTP_PROXY", &proxy_url)],
        &["describe", "-o", "json"],
    );
    assert_ok!(r);
    let target = format!("kube.mig-proxy.test:{}", server.addr().port());
    assert!(proxy.tunnels().contains(&target), "{:?}", proxy.tunnels());
    // NO_PROXY sends the request direct: the made-up host does not resolve.
    let before = proxy.tunnels().len();
    let r = run_with(
        &kc,
        &[
            ("HTTP_PROXY", &proxy_url),
            ("NO_PROXY", "localhost,.mig-proxy.test,"),
        ],
        &["describe", "--request-timeout", "5s"],
    );
    assert_exit!(r, 1);
    assert_eq!(proxy.tunnels().len(), before, "NO_PROXY ignored");
}

#[test]
fn kubeconfig_proxy_url_http_and_socks5() {
    let server = TestServer::start(FakeApi::seeded());
    for kind in [ProxyKind::HttpConnect, ProxyKind::Socks5] {
        let proxy = TestProxy::start(kind);
        let dir = temp_dir("proxy-kc");
        let kc = kubeconfig(
            dir.path(),
            &proxied_url(&server),
            "    token: t",
            Some(&proxy.url(kind)),
        );
        // The kubeconfig's proxy-url wins over NO_PROXY, as in kubectl.
        let r = run_with(&kc, &[("NO_PROXY", "*")], &["describe", "-o", "json"]);
        assert_ok!(r, "{kind:?}");
        // Every connection goes through the proxy (describe reads DRA objects beside the
        // nodes, so there may be more than one).
        let target = format!("kube.mig-proxy.test:{}", server.addr().port());
        let tunnels = proxy.tunnels();
        assert!(
            !tunnels.is_empty() && tunnels.iter().all(|t| *t == target),
            "{kind:?}: {tunnels:?}"
        );
    }
}

#[test]
fn a_dead_proxy_is_named() {
    let server = TestServer::start(FakeApi::seeded());
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let dir = temp_dir("proxy-dead");
    let kc = kubeconfig(dir.path(), &proxied_url(&server), "    token: t", None);
    let r = run_with(&kc, &[("HTTP_PROXY", &dead_url)], &["describe"]);
    assert_error!(r, 1, "through the proxy");
    assert_contains!(r.stderr, "HTTP_PROXY");
}

#[test]
fn a_trickling_server_is_bounded_by_request_timeout() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        trickle: Some(Duration::from_millis(50)),
        ..Default::default()
    });
    let started = Instant::now();
    let r = run(&server, &["describe", "--request-timeout", "2s"]);
    assert_within(started, Duration::from_secs(10));
    assert_error!(r, 1, "did not finish within 2s");
}

#[test]
fn garbage_certificate_authority_data_is_refused() {
    let dir = temp_dir("ca-garbage");
    let kc = kubeconfig_one_line(
        dir.path(),
        ", certificate-authority-data: bm90IGEgY2VydA==",
        "token: t",
    );
    let r = run_with(&kc, &[], &["describe"]);
    assert_error!(r, 1, "certificate-authority-data of cluster \"c\"");
}

#[test]
fn a_missing_client_certificate_file_is_named() {
    let dir = temp_dir("client-cert");
    let kc = kubeconfig_one_line(
        dir.path(),
        "",
        "client-certificate: /nonexistent/client.crt, client-key: /nonexistent/client.key",
    );
    let r = run_with(&kc, &[], &["describe"]);
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "client-certificate");
    assert_lacks!(r.stderr, "certificate-authority");
}

#[test]
fn lists_whose_continue_tokens_always_expire_end_with_a_sentence() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_faults(Faults {
        expire_continue_tokens: true,
        endless_paging: true,
        max_page_size: Some(2),
        ..Default::default()
    });
    let r = run(&server, &["describe"]);
    assert_error!(r, 1, "expired the list");
    let lists = server.api.requests().len();
    assert!(lists < 100, "{lists} requests");
}

#[test]
fn completion_is_bounded_when_the_exec_plugin_hangs() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = temp_dir("exec-hang-complete");
    let plugin = script(dir.path(), "kubelogin", "sleep 30");
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let started = Instant::now();
    let r = run_cmd(
        bin(dir.path())
            .env("KUBECONFIG", &kc)
            .args(["__complete", "describe", ""]),
    );
    assert_within(started, Duration::from_secs(8));
    assert_ok!(r);
}

//! Real networks and real credentials: exec plugins that fail, hang or succeed, token files,
//! proxies (HTTP CONNECT and SOCKS5, NO_PROXY), servers that trickle, lists that never end.

mod common;
use common::*;
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

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
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
    let out = c.output().expect("run kubectl-mig");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_clean_error(r: &Run, needle: &str) {
    assert_eq!(r.code, 1, "{r:#?}");
    let line = r.stderr.trim_end();
    assert!(
        line.starts_with("error: ") && !line.contains('\n'),
        "{r:#?}"
    );
    assert!(line.contains(needle), "expected {needle:?} in {line}");
    for debug in [
        "Output {",
        "Error {",
        "status: ExitStatus",
        "stdout:",
        "panicked",
    ] {
        assert!(!line.contains(debug), "debug dump in {line}");
    }
}

const CREDENTIAL: &str = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"fake-token"}}"#;

#[test]
fn a_failing_exec_plugin_shows_its_stderr_and_status_never_its_stdout() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = TempDir::new("exec-fail");
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
    assert_clean_error(&r, "exited with exit code 1: AADSTS70043");
    assert!(!r.stderr.contains("SECRET-TOKEN-123"), "{}", r.stderr);
    assert!(r.stderr.contains("kubelogin"), "{}", r.stderr);
}

#[test]
fn an_exec_plugin_runs_once_per_command_and_its_token_is_used() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = TempDir::new("exec-ok");
    let count = dir.path().join("runs");
    let plugin = script(
        dir.path(),
        "get-token",
        &format!("echo run >> {}\necho '{CREDENTIAL}'", count.display()),
    );
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let r = run_with(&kc, &[], &["describe", "-o", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let runs = std::fs::read_to_string(&count).unwrap();
    assert_eq!(runs.lines().count(), 1, "plugin runs: {runs}");
}

#[test]
fn a_hanging_exec_plugin_is_bounded_by_request_timeout() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = TempDir::new("exec-hang");
    let plugin = script(dir.path(), "kubelogin", "sleep 30");
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let started = Instant::now();
    let r = run_with(&kc, &[], &["describe", "--request-timeout", "2s"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_clean_error(&r, "did not answer within 2s");
    assert!(r.stderr.contains("credentials"), "{}", r.stderr);
}

#[test]
fn a_missing_exec_plugin_names_the_install_hint() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = TempDir::new("exec-missing");
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin-not-installed\n      installHint: install kubelogin with az aks install-cli\n      interactiveMode: Never";
    let kc = kubeconfig(dir.path(), &server.url(), user, None);
    let r = run_with(&kc, &[], &["describe"]);
    assert_clean_error(&r, "install kubelogin with az aks install-cli");
}

#[test]
fn token_files_are_trimmed_and_a_missing_one_is_named() {
    let server = TestServer::start(FakeApi::seeded());
    server.api.set_auth_token(Some("fake-token"));
    let dir = TempDir::new("token-file");
    let token = dir.path().join("token");
    std::fs::write(&token, "fake-token\n").unwrap();
    let kc = kubeconfig(
        dir.path(),
        &server.url(),
        &format!("    tokenFile: {}", token.display()),
        None,
    );
    let r = run_with(&kc, &[], &["describe", "-o", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    std::fs::remove_file(&token).unwrap();
    let r = run_with(&kc, &[], &["describe"]);
    assert_clean_error(&r, "tokenFile");
    assert!(!r.stderr.contains("kubelogin"), "{}", r.stderr);
}

/// The server's URL with a host name only the proxy resolves.
fn proxied_url(server: &TestServer) -> String {
    format!("http://kube.mig-proxy.test:{}", server.addr().port())
}

#[test]
fn http_proxy_from_the_environment_and_no_proxy() {
    let server = TestServer::start(FakeApi::seeded());
    let proxy = TestProxy::start(ProxyKind::HttpConnect);
    let dir = TempDir::new("proxy-env");
    let kc = kubeconfig(dir.path(), &proxied_url(&server), "    token: t", None);
    let proxy_url = proxy.url(ProxyKind::HttpConnect);
    let r = run_with(
        &kc,
        &[("HTTP_PROXY", &proxy_url)],
        &["describe", "-o", "json"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
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
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(proxy.tunnels().len(), before, "NO_PROXY ignored");
}

#[test]
fn kubeconfig_proxy_url_http_and_socks5() {
    let server = TestServer::start(FakeApi::seeded());
    for kind in [ProxyKind::HttpConnect, ProxyKind::Socks5] {
        let proxy = TestProxy::start(kind);
        let dir = TempDir::new("proxy-kc");
        let kc = kubeconfig(
            dir.path(),
            &proxied_url(&server),
            "    token: t",
            Some(&proxy.url(kind)),
        );
        // The kubeconfig's proxy-url wins over NO_PROXY, as in kubectl.
        let r = run_with(&kc, &[("NO_PROXY", "*")], &["describe", "-o", "json"]);
        assert_eq!(r.code, 0, "{kind:?}: {r:#?}");
        assert_eq!(proxy.tunnels().len(), 1, "{kind:?}: {:?}", proxy.tunnels());
    }
}

#[test]
fn a_dead_proxy_is_named() {
    let server = TestServer::start(FakeApi::seeded());
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let dir = TempDir::new("proxy-dead");
    let kc = kubeconfig(dir.path(), &proxied_url(&server), "    token: t", None);
    let r = run_with(&kc, &[("HTTP_PROXY", &dead_url)], &["describe"]);
    assert_clean_error(&r, "through the proxy");
    assert!(r.stderr.contains("HTTP_PROXY"), "{}", r.stderr);
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
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_clean_error(&r, "did not finish within 2s");
}

#[test]
fn garbage_certificate_authority_data_is_refused() {
    let dir = TempDir::new("ca-garbage");
    let text = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: bm90IGEgY2VydA==}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
";
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, text).unwrap();
    let r = run_with(&kc, &[], &["describe"]);
    assert_clean_error(&r, "certificate-authority-data of cluster \"c\"");
}

#[test]
fn a_missing_client_certificate_file_is_named() {
    let dir = TempDir::new("client-cert");
    let text = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'https://127.0.0.1:1'}
users:
- name: u
  user: {client-certificate: /nonexistent/client.crt, client-key: /nonexistent/client.key}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
";
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, text).unwrap();
    let r = run_with(&kc, &[], &["describe"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stderr.contains("client-certificate"), "{}", r.stderr);
    assert!(!r.stderr.contains("certificate-authority"), "{}", r.stderr);
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
    assert_clean_error(&r, "expired the list");
    let lists = server.api.requests().len();
    assert!(lists < 100, "{lists} requests");
}

#[test]
fn completion_is_bounded_when_the_exec_plugin_hangs() {
    let server = TestServer::start(FakeApi::seeded());
    let dir = TempDir::new("exec-hang-complete");
    let plugin = script(dir.path(), "kubelogin", "sleep 30");
    let kc = kubeconfig(dir.path(), &server.url(), &exec_user(&plugin), None);
    let started = Instant::now();
    let out = bin(dir.path())
        .env("KUBECONFIG", &kc)
        .args(["__complete", "describe", ""])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.status.success(), "{out:?}");
}

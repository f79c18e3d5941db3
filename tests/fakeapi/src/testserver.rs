//! `TestServer`: the fake API on 127.0.0.1:<random port> in its own thread and runtime, with a
//! kubeconfig for kubectl and kube-rs.

use crate::api::FakeApi;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// A running fake API server; stops (and removes its temp dir) on drop.
pub struct TestServer {
    /// The served state.
    pub api: FakeApi,
    addr: SocketAddr,
    dir: PathBuf,
    kubeconfig: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A kubeconfig for a server URL: cluster `fake`, user `fake-user` (token `fake-token`),
/// contexts `fake` (current, namespace default) and `other` (namespace gpu-tests).
pub fn kubeconfig_yaml(url: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {url}
users:
- name: fake-user
  user:
    token: fake-token
contexts:
- name: fake
  context:
    cluster: fake
    user: fake-user
    namespace: default
- name: other
  context:
    cluster: fake
    user: fake-user
    namespace: gpu-tests
current-context: fake
preferences: {{}}
"
    )
}

impl TestServer {
    /// Starts serving `api` on a random loopback port.
    pub fn start(api: FakeApi) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let served = api.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fakeapi-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    let _ = crate::http::serve_until(served, listener, async {
                        let _ = rx.await;
                    })
                    .await;
                });
                rt.shutdown_background();
            })
            .expect("spawn server thread");
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "fakeapi-{}-{n}-{}",
            std::process::id(),
            addr.port()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_yaml(&format!("http://{addr}")))
            .expect("write kubeconfig");
        TestServer {
            api,
            addr,
            dir,
            kubeconfig,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The kubeconfig file (see `kubeconfig_yaml`).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The real `kubectl` with `--kubeconfig` (and a private `--cache-dir`) set.
    pub fn kubectl(&self) -> Command {
        self.kubectl_bin("kubectl")
    }

    /// Like `kubectl()`, with another kubectl binary (e.g. `kubectl.1.27`).
    pub fn kubectl_bin(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.arg("--kubeconfig").arg(&self.kubeconfig);
        c.arg("--cache-dir").arg(self.dir.join("cache"));
        c.env("KUBECONFIG", &self.kubeconfig);
        c
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

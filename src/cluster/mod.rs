//! Talking to the cluster: one client from the kubeconfig (as kubectl finds it), credentials
//! and proxies as kubectl uses them, retries of transient failures, a bound on every answer,
//! paged listing, and API errors turned into sentences a user can act on.

mod credential_error;
mod credentials;
mod deadline;
mod errors;
mod exec_auth;
mod kubeconfig;
mod list;
pub mod proxy;
mod retry;
pub mod watch_one;

pub use errors::Op;
pub use list::{fold_list, fold_list_paged, fold_list_versioned};

use crate::error::{Error, Result};
use kube::client::ClientBuilder;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach a cluster: kubectl's global flags, as plain values.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `-n`.
    pub namespace: Option<String>,
    /// `--request-timeout` (zero waits forever).
    pub request_timeout: Option<Duration>,
}

impl ConnectOptions {
    /// The bound on one request, when there is one.
    pub fn timeout(&self) -> Option<Duration> {
        self.request_timeout.filter(|t| !t.is_zero())
    }
}

/// How long a credential plugin may take when `--request-timeout` does not say: long enough for
/// a slow identity provider, short enough that a non-interactive run does not hang forever.
const EXEC_BOUND_NON_INTERACTIVE: Duration = Duration::from_secs(120);

/// A connection to one cluster, made once and passed down.
#[derive(Clone)]
pub struct Cluster {
    /// The kube client, with the retry layer in its stack.
    pub client: kube::Client,
    /// The namespace for namespaced commands: `-n`, else the context's, else `default`.
    pub namespace: String,
    /// The context in use (for messages).
    pub context: String,
    /// The API server URL (for messages).
    pub server: String,
    /// The proxy requests go through, if any (for messages).
    pub proxy: Option<proxy::Proxy>,
}

impl Cluster {
    /// Turns a failed API call into a user error naming what was being done.
    pub fn error(&self, err: kube::Error, op: Op<'_>) -> Error {
        errors::api_error(err, self, op)
    }

    /// The target for messages about connections.
    pub fn target(&self) -> errors::Target<'_> {
        errors::Target {
            server: &self.server,
            context: &self.context,
            proxy: self.proxy.as_ref(),
        }
    }
}

pub use kubeconfig::context_names;

/// The HTTP status the API server answered, when `err` came from one.
pub fn status_code(err: &Error) -> Option<u16> {
    let mut current = std::error::Error::source(err);
    while let Some(e) = current {
        if let Some(kube::Error::Api(status)) = e.downcast_ref::<kube::Error>() {
            return Some(status.code);
        }
        current = e.source();
    }
    None
}

/// Connects as kubectl would with the same flags and environment.
pub async fn connect(options: &ConnectOptions) -> Result<Cluster> {
    let loaded = kubeconfig::load(options).await?;
    let mut config = loaded.config;
    let context = loaded.context;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let timeout = options.timeout();
    if let Some(timeout) = timeout {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
    }
    // kube's built-in retry waits up to minutes; ours is bounded and retries 5xx and resets too.
    config.default_retry = false;
    let proxy = proxy::for_server(loaded.proxy_url.as_deref(), &config.cluster_url)
        .map_err(|e| Error::failed(format!("{e}; fix it or unset it")))?;
    config.proxy_url = proxy.as_ref().map(|p| p.url.clone());
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let bound = timeout.or((!interactive).then_some(EXEC_BOUND_NON_INTERACTIVE));
    let prepared = credentials::prepare(std::mem::take(&mut config.auth_info), bound)
        .await
        .map_err(|e| Error::failed(e.sentence(&context)))?;
    config.auth_info = prepared.auth_info;
    let namespace = options
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let target = errors::Target {
        server: &server,
        context: &context,
        proxy: proxy.as_ref(),
    };
    let builder = ClientBuilder::try_from(config).map_err(|e| errors::build_error(e, target))?;
    // Innermost first: the buffer that makes kube's stack cloneable, the exec plugin's token,
    // the retry policy, then the deadline on the whole answer (retries included).
    let builder = match prepared.source {
        Some(source) => builder
            .with_layer(&tower::buffer::BufferLayer::new(1024))
            .with_layer(&exec_auth::ExecAuthLayer(source))
            .with_layer(&tower::retry::RetryLayer::new(retry::Retry::default()))
            .with_layer(&deadline::DeadlineLayer(timeout))
            .build(),
        None => builder
            .with_layer(&tower::buffer::BufferLayer::new(1024))
            .with_layer(&tower::retry::RetryLayer::new(retry::Retry::default()))
            .with_layer(&deadline::DeadlineLayer(timeout))
            .build(),
    };
    Ok(Cluster {
        client: builder,
        namespace,
        context,
        server,
        proxy,
    })
}

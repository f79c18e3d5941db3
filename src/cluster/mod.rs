//! Talking to the cluster: one client from the kubeconfig (as kubectl finds it), retries of
//! transient failures, paged listing, and API errors turned into sentences a user can act on.

mod errors;
mod kubeconfig;
mod list;
mod retry;

pub use errors::{connect_error, Op};
pub use list::fold_list;

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use kube::client::ClientBuilder;

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
}

impl Cluster {
    /// Turns a failed API call into a user error naming what was being done.
    pub fn error(&self, err: kube::Error, op: Op<'_>) -> Error {
        errors::api_error(err, self, op)
    }
}

/// Connects as kubectl would with the same flags and environment.
pub async fn connect(global: &GlobalArgs) -> Result<Cluster> {
    let loaded = kubeconfig::load(global).await?;
    let mut config = loaded.config;
    if let Some(timeout) = global.request_timeout.filter(|t| !t.is_zero()) {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
    }
    // kube's built-in retry waits up to minutes; ours is bounded and retries 5xx and resets too.
    config.default_retry = false;
    let namespace = global
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let context = loaded.context;
    let builder =
        ClientBuilder::try_from(config).map_err(|e| connect_error(e, &server, &context))?;
    // Retry needs a cloneable inner service; the buffer makes the boxed stack one.
    let client = builder
        .with_layer(&tower::buffer::BufferLayer::new(1024))
        .with_layer(&tower::retry::RetryLayer::new(retry::Retry::default()))
        .build();
    Ok(Cluster {
        client,
        namespace,
        context,
        server,
    })
}

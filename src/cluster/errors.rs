//! API failures in user words, at the edge: what was being done, what the server said, and what
//! to do next.

use super::Cluster;
use crate::error::{one_line, Error};

/// What a request was doing, for messages: `list pods in all namespaces`.
#[derive(Clone, Copy, Debug)]
pub struct Op<'a> {
    /// The verb as RBAC names it: get, list, watch, create, patch, delete.
    pub verb: &'a str,
    /// The resource as RBAC names it, e.g. `pods`, `daemonsets.apps`, `pods/log`.
    pub resource: &'a str,
    /// The namespace, or `None` for cluster-scoped / all-namespaces requests.
    pub namespace: Option<&'a str>,
}

impl<'a> Op<'a> {
    /// A request on a cluster-wide scope.
    pub fn new(verb: &'a str, resource: &'a str) -> Self {
        Op {
            verb,
            resource,
            namespace: None,
        }
    }

    /// The same request in one namespace.
    pub fn in_ns(self, namespace: &'a str) -> Self {
        Op {
            namespace: Some(namespace),
            ..self
        }
    }

    fn scope(&self) -> String {
        match self.namespace {
            Some(ns) => format!("in namespace {ns:?}"),
            None => "across the cluster".into(),
        }
    }

    fn can_i(&self) -> String {
        match self.namespace {
            Some(ns) => format!("kubectl auth can-i {} {} -n {ns}", self.verb, self.resource),
            None => format!(
                "kubectl auth can-i {} {} --all-namespaces",
                self.verb, self.resource
            ),
        }
    }
}

/// Maps a kube error from `op` to a user error.
// Long: one match from HTTP status to sentence; each arm is one case.
pub fn api_error(err: kube::Error, cluster: &Cluster, op: Op<'_>) -> Error {
    let status = match &err {
        kube::Error::Api(status) => status,
        _ => return connect_error(err, cluster.target()),
    };
    let server_says = one_line(&status.message);
    let code = status.code;
    let message = match code {
        401 => format!(
            "the API server rejected your credentials for context {:?} (401 Unauthorized): they are missing or expired; refresh them (on AKS: az aks get-credentials --resource-group <rg> --name <cluster> --overwrite-existing, then kubelogin convert-kubeconfig -l azurecli) and try again",
            cluster.context
        ),
        403 => format!(
            "you are not allowed to {} {} {} (403 Forbidden: {server_says}); check with \"{}\" and ask a cluster admin for that permission",
            op.verb,
            op.resource,
            op.scope(),
            op.can_i()
        ),
        404 => format!(
            "cannot {} {} {}: {server_says}; check the name and namespace",
            op.verb,
            op.resource,
            op.scope()
        ),
        409 => format!(
            "cannot {} {} {} (409 Conflict: {server_says}); look at the existing object and try again",
            op.verb,
            op.resource,
            op.scope()
        ),
        410 => format!(
            "the list of {} changed too much while it was being read (410 Expired); run the command again",
            op.resource
        ),
        400 | 422 => format!(
            "the API server refused to {} {} ({code} {}: {server_says}); check the values you gave (selectors, names), and report a bug in kubectl mig if they look right",
            op.verb,
            op.resource,
            status.reason
        ),
        429 => format!(
            "the API server kept throttling requests to {} {} (429 Too Many Requests) after several retries; wait a minute and try again",
            op.verb,
            op.resource
        ),
        500..=599 => format!(
            "the API server failed to {} {} after several retries ({code} {}: {server_says}); try again later, or check the control plane's health with kubectl get --raw /readyz",
            op.verb,
            op.resource,
            status.reason
        ),
        _ => format!(
            "cannot {} {} {} ({code} {}: {server_says})",
            op.verb,
            op.resource,
            op.scope(),
            status.reason
        ),
    };
    Error::caused(message, err)
}

/// Which server, context and proxy a connection failure is about.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    /// The API server URL.
    pub server: &'a str,
    /// The kubeconfig context.
    pub context: &'a str,
    /// The proxy in the way, if any.
    pub proxy: Option<&'a super::proxy::Proxy>,
}

/// Maps a failure to build the client (TLS material, proxy) to a user error.
pub fn build_error(err: kube::Error, target: Target<'_>) -> Error {
    let chain = error_chain(&err);
    let lower = chain.to_ascii_lowercase();
    let context = target.context;
    if lower.contains("client certificate")
        || lower.contains("client key")
        || lower.contains("identity")
    {
        return Error::caused(format!(
            "the client certificate or key of context {context:?} cannot be used ({chain}); check the client-certificate and client-key paths (or -data) of its user in your kubeconfig"
        ), err);
    }
    if lower.contains("certificate authority") || lower.contains("root cert") {
        return Error::caused(format!(
            "the certificate authority of context {context:?} cannot be used ({chain}); check certificate-authority (or -data) of its cluster in your kubeconfig"
        ), err);
    }
    connect_error(err, target)
}

/// Maps a transport failure (connection, TLS, timeout, proxy, credentials) to a user error.
// Long: one decision table from a transport failure to its sentence; each arm is one case.
pub fn connect_error(err: kube::Error, target: Target<'_>) -> Error {
    let Target {
        server,
        context,
        proxy,
    } = target;
    if let Some(timed_out) = find_in_chain::<super::deadline::TimedOut>(&err) {
        let message = match timed_out {
            super::deadline::TimedOut::Answer(t) => format!(
                "the Kubernetes API server at {server} did not answer in time (within {}, --request-timeout); check your network or VPN, or raise --request-timeout",
                crate::k8s::duration::human(*t)
            ),
            super::deadline::TimedOut::Body(t) => format!(
                "the Kubernetes API server at {server} started answering but did not finish within {} (--request-timeout); the server or a proxy on the way is very slow: try again, or raise --request-timeout",
                crate::k8s::duration::human(*t)
            ),
        };
        return Error::caused(message, err);
    }
    if let Some(cred) = find_in_chain::<super::credentials::CredentialError>(&err) {
        let message = cred.sentence(context);
        return Error::caused(message, err);
    }
    let chain = error_chain(&err);
    let lower = chain.to_ascii_lowercase();
    let has_io = |kind: std::io::ErrorKind| io_kind_in_chain(&err, kind);
    if let Some(proxy) = proxy {
        if lower.contains("tunnel")
            || lower.contains("proxy")
            || lower.contains("socks")
            || has_io(std::io::ErrorKind::ConnectionRefused)
        {
            let url = super::proxy::redact(&proxy.url.to_string());
            return Error::caused(format!(
                "cannot reach the API server at {server} through the proxy {url} (from {}): {chain}; check that the proxy runs and lets you through, or add the server's host to NO_PROXY",
                proxy.source
            ), err);
        }
    }
    let message = if matches!(err, kube::Error::Auth(_)) {
        format!(
            "getting credentials for context {context:?} failed ({chain}); check the user of that context in your kubeconfig (kubectl config view --minify)"
        )
    } else if has_io(std::io::ErrorKind::ConnectionRefused) || lower.contains("connection refused")
    {
        format!(
            "cannot connect to the Kubernetes API server at {server} (connection refused); check that the cluster is running and that context {context:?} points at it (kubectl config view --minify)"
        )
    } else if has_io(std::io::ErrorKind::TimedOut)
        || lower.contains("timed out")
        || lower.contains("deadline has elapsed")
    {
        format!(
            "the Kubernetes API server at {server} did not answer in time; check your network or VPN, or raise --request-timeout"
        )
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        format!(
            "cannot resolve the API server's host name in {server}; check your network or VPN and the server URL of context {context:?}"
        )
    } else if lower.contains("causedasendentity") || lower.contains("ca used as end entity") {
        format!(
            "the API server at {server} presents a CA certificate as its own (CaUsedAsEndEntity), which kubectl mig's TLS library refuses; give the server a certificate signed by that CA (e.g. with kubeadm or cert-manager), or reach it through kubectl proxy"
        )
    } else if is_tls(&lower) {
        format!(
            "the TLS connection to {server} failed ({chain}); check the certificate-authority-data of context {context:?} in your kubeconfig and that the server speaks HTTPS"
        )
    } else {
        format!(
            "cannot talk to the Kubernetes API server at {server} ({chain}); check your network and kubeconfig (kubectl config view --minify), then try again"
        )
    };
    Error::caused(message, err)
}

fn find_in_chain<'e, T: std::error::Error + 'static>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn is_tls(lower: &str) -> bool {
    [
        "tls",
        "certificate",
        "handshake",
        "invalidcontenttype",
        "corrupt message",
        "peer misbehaved",
        "received fatal alert",
        "invalid peer certificate",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn io_kind_in_chain(err: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>().map(|io| io.kind()) == Some(kind) {
            return true;
        }
        current = e.source();
    }
    false
}

/// The innermost useful causes, joined: `client error (Connect): tcp connect error: ...`.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = err.source();
    while let Some(e) = current {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() {
        parts.push(one_line(&err.to_string()));
    }
    parts.join(": ")
}

//! Finding and reading the kubeconfig with kubectl's rules: `--kubeconfig`, else every file in
//! `KUBECONFIG` merged in order (first wins, missing files skipped), else `~/.kube/config`, else
//! the in-cluster service account.

use super::ConnectOptions;
use crate::error::{one_line, Error, Result};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use std::path::{Path, PathBuf};

/// A resolved configuration and the context it came from.
pub struct Loaded {
    /// The client configuration.
    pub config: kube::Config,
    /// The context's name (`in-cluster` inside a pod).
    pub context: String,
    /// The cluster's `proxy-url`, if the kubeconfig sets one.
    pub proxy_url: Option<String>,
}

/// Loads the configuration kubectl would use for these flags.
pub async fn load(global: &ConnectOptions) -> Result<Loaded> {
    let Some(kubeconfig) = read_kubeconfig(global.kubeconfig.as_deref())? else {
        return in_cluster();
    };
    let context = pick_context(&kubeconfig, global)?;
    check_named(&kubeconfig, global)?;
    let cluster_name = global.cluster.clone().or_else(|| {
        kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .map(|c| c.cluster.clone())
    });
    let cluster = cluster_name
        .as_deref()
        .and_then(|name| kubeconfig.clusters.iter().find(|c| c.name == name))
        .and_then(|c| c.cluster.as_ref());
    let proxy_url = cluster.and_then(|c| c.proxy_url.clone());
    if let (Some(name), Some(cluster)) = (cluster_name.as_deref(), cluster) {
        check_certificate_authority(name, cluster.certificate_authority_data.as_deref())?;
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        cluster: global.cluster.clone(),
        user: global.user.clone(),
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| config_error(e, &context))?;
    Ok(Loaded {
        config,
        context,
        proxy_url,
    })
}

/// kubectl refuses a `certificate-authority-data` that is not base64 PEM; kube would skip it
/// silently and fail later with a TLS error that hides the cause.
fn check_certificate_authority(cluster: &str, data: Option<&str>) -> Result<()> {
    use base64::Engine;
    let Some(data) = data.filter(|d| !d.trim().is_empty()) else {
        return Ok(());
    };
    let compact: String = data.split_whitespace().collect();
    let decoded = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes());
    let pem = decoded
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| text.contains("-----BEGIN CERTIFICATE-----"));
    if pem.is_none() {
        return Err(Error::failed(format!(
            "the certificate-authority-data of cluster {cluster:?} in your kubeconfig is not a base64-encoded PEM certificate; copy it again from the cluster's credentials (on AKS: az aks get-credentials --overwrite-existing)"
        )));
    }
    Ok(())
}

/// Every context of the kubeconfig kubectl would use, in file order.
pub fn context_names(options: &ConnectOptions) -> Result<Vec<String>> {
    let Some(kubeconfig) = read_kubeconfig(options.kubeconfig.as_deref())? else {
        return Err(Error::failed(
            "no kubeconfig found, so there are no contexts to read; pass --kubeconfig or set KUBECONFIG",
        ));
    };
    Ok(kubeconfig.contexts.into_iter().map(|c| c.name).collect())
}

/// The merged kubeconfig, or `None` when there is none to read.
fn read_kubeconfig(flag: Option<&Path>) -> Result<Option<Kubeconfig>> {
    if let Some(path) = flag {
        if !path.exists() {
            return Err(Error::failed(format!(
                "the kubeconfig file {} given with --kubeconfig does not exist; check the path",
                path.display()
            )));
        }
        return read_file(path).map(Some);
    }
    let paths = candidate_paths();
    let mut merged: Option<Kubeconfig> = None;
    for path in paths.iter().filter(|p| p.exists()) {
        let next = read_file(path)?;
        merged = Some(match merged {
            None => next,
            Some(first) => first.merge(next).map_err(|e| {
                Error::failed(format!(
                    "cannot merge kubeconfig {} with the files before it in KUBECONFIG ({e}); fix or drop that file",
                    path.display()
                ))
            })?,
        });
    }
    Ok(merged)
}

/// `KUBECONFIG`'s paths when it is set and non-empty, else `~/.kube/config`.
fn candidate_paths() -> Vec<PathBuf> {
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    dirs::home_dir()
        .map(|home| vec![home.join(".kube").join("config")])
        .unwrap_or_default()
}

fn read_file(path: &Path) -> Result<Kubeconfig> {
    Kubeconfig::read_from(path).map_err(|e| match e {
        KubeconfigError::ReadConfig(io, _) => Error::failed(format!(
            "cannot read the kubeconfig file {}: {}; check that it exists and that you may read it",
            path.display(),
            io_reason(&io)
        )),
        KubeconfigError::Parse(parse) => Error::failed(format!(
            "the kubeconfig file {} is not a valid kubeconfig ({}); fix it or point --kubeconfig at another file",
            path.display(),
            short_parse_error(&parse.to_string())
        )),
        other => Error::failed(format!(
            "the kubeconfig file {} cannot be used ({}); fix it or point --kubeconfig at another file",
            path.display(),
            one_line(&other.to_string())
        )),
    })
}

fn pick_context(kubeconfig: &Kubeconfig, global: &ConnectOptions) -> Result<String> {
    let known: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let chosen = global
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()));
    match chosen {
        Some(name) if known.contains(&name.as_str()) => Ok(name),
        Some(name) => Err(Error::failed(format!(
            "context {name:?} is not in your kubeconfig ({}); pick one with --context (see kubectl config get-contexts)",
            listing("contexts", &known)
        ))),
        None if known.is_empty() => Err(Error::failed(
            "your kubeconfig has no contexts; get credentials for a cluster first (on AKS: az aks get-credentials --resource-group <rg> --name <cluster>)",
        )),
        None => Err(Error::failed(format!(
            "your kubeconfig has no current context; pass --context or run kubectl config use-context NAME ({})",
            listing("contexts", &known)
        ))),
    }
}

fn check_named(kubeconfig: &Kubeconfig, global: &ConnectOptions) -> Result<()> {
    if let Some(cluster) = &global.cluster {
        let known: Vec<&str> = kubeconfig
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !known.contains(&cluster.as_str()) {
            return Err(Error::failed(format!(
                "cluster {cluster:?} is not in your kubeconfig ({}); check --cluster (see kubectl config get-clusters)",
                listing("clusters", &known)
            )));
        }
    }
    if let Some(user) = &global.user {
        let known: Vec<&str> = kubeconfig
            .auth_infos
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !known.contains(&user.as_str()) {
            return Err(Error::failed(format!(
                "user {user:?} is not in your kubeconfig ({}); check --user (see kubectl config get-users)",
                listing("users", &known)
            )));
        }
    }
    Ok(())
}

fn in_cluster() -> Result<Loaded> {
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
        let looked = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(v) => format!("KUBECONFIG={}", v.to_string_lossy()),
            None => "~/.kube/config".to_string(),
        };
        return Err(Error::failed(format!(
            "no kubeconfig found ({looked} does not exist) and not running inside a cluster; pass --kubeconfig, set KUBECONFIG, or get credentials (on AKS: az aks get-credentials --resource-group <rg> --name <cluster>)"
        )));
    }
    let config = kube::Config::incluster().map_err(|e| {
        Error::failed(format!(
            "cannot use the in-cluster service account ({}); run outside the pod with a kubeconfig, or mount the service account token",
            one_line(&e.to_string())
        ))
    })?;
    Ok(Loaded {
        config,
        context: "in-cluster".into(),
        proxy_url: None,
    })
}

fn config_error(err: KubeconfigError, context: &str) -> Error {
    let detail = one_line(&err.to_string());
    Error::failed(match err {
        KubeconfigError::LoadClusterOfContext(_) | KubeconfigError::MissingClusterUrl => format!(
            "context {context:?} names a cluster without a server URL in your kubeconfig ({detail}); fix the kubeconfig (kubectl config view)"
        ),
        _ => format!(
            "cannot use context {context:?} of your kubeconfig ({detail}); fix the kubeconfig (kubectl config view) or pick another --context"
        ),
    })
}

fn listing(what: &str, names: &[&str]) -> String {
    if names.is_empty() {
        format!("it has no {what}")
    } else {
        format!("known {what}: {}", names.join(", "))
    }
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => one_line(&err.to_string()),
    }
}

/// The YAML parser's message without its source excerpt: `line 1 column 13: unclosed bracket`.
fn short_parse_error(text: &str) -> String {
    let text = one_line(text);
    let text = text.split(" --> ").next().unwrap_or_default();
    text.trim_start_matches("error: ").to_string()
}

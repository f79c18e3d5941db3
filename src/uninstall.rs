//! `kubectl mig uninstall`: delete exactly what `kubectl mig install` created (found by its
//! labels), workloads first, and the namespace only when nothing else lives in it.

use crate::apply::{self, KINDS};
use crate::cli::GlobalArgs;
use crate::cluster::{self, Cluster, Op};
use crate::error::Result;
use crate::manifests::{MANAGED_BY, PART_OF};
use crate::output;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use kube::api::{Api, DynamicObject, ListParams};
use std::io::Write;

/// Objects kubectl mig installed.
fn selector() -> String {
    format!(
        "{}={},{}={}",
        MANAGED_BY.0, MANAGED_BY.1, PART_OF.0, PART_OF.1
    )
}

/// Runs the uninstall; `dry_run` only lists.
pub async fn run(global: &GlobalArgs, dry_run: bool, out: &mut dyn Write) -> Result<()> {
    let cluster = cluster::connect(global).await?;
    let selector = selector();
    // Reverse apply order: workloads go first, namespaces and CRDs last.
    let mut found: Vec<(&str, &str, DynamicObject)> = Vec::new();
    for (api_version, kind, _, _) in KINDS.iter().rev() {
        for obj in apply::list_labelled(&cluster, api_version, kind, &selector).await? {
            found.push((api_version, kind, obj));
        }
    }
    if found.is_empty() {
        eprintln!("Nothing to uninstall: no object in the cluster is labelled as installed by kubectl mig.");
        return Ok(());
    }
    let suffix = if dry_run { " (dry run)" } else { "" };
    let mut kept = Vec::new();
    for (api_version, kind, obj) in &found {
        let name = obj.metadata.name.clone().unwrap_or_default();
        let ns = obj.metadata.namespace.as_deref();
        if *kind == "Namespace" {
            let foreign = foreign_objects(&cluster, &name).await?;
            if !foreign.is_empty() {
                kept.push(format!(
                    "namespace/{name} kept: it also holds {} that kubectl mig did not create",
                    foreign.join(", ")
                ));
                continue;
            }
        }
        if !dry_run {
            apply::delete(&cluster, api_version, kind, ns, &name, false).await?;
        }
        let shown = apply::display_name(&serde_json::json!({
            "apiVersion": api_version, "kind": kind, "metadata": { "name": name }
        }));
        writeln!(out, "{shown} deleted{suffix}").map_err(output::io_error)?;
    }
    for k in kept {
        eprintln!("{k}");
    }
    Ok(())
}

/// Workloads, config maps and service accounts in `ns` that are not kubectl mig's (ignoring
/// what Kubernetes puts in every namespace).
async fn foreign_objects(cluster: &Cluster, ns: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    foreign_of::<DaemonSet>(cluster, ns, "daemonsets", &[], &mut out).await?;
    foreign_of::<Deployment>(cluster, ns, "deployments", &[], &mut out).await?;
    foreign_of::<ConfigMap>(cluster, ns, "configmaps", &["kube-root-ca.crt"], &mut out).await?;
    foreign_of::<ServiceAccount>(cluster, ns, "serviceaccounts", &["default"], &mut out).await?;
    Ok(out)
}

async fn foreign_of<K>(
    cluster: &Cluster,
    ns: &str,
    what: &str,
    skip: &[&str],
    out: &mut Vec<String>,
) -> Result<()>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(cluster.client.clone(), ns);
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| cluster.error(e, Op::new("list", what).in_ns(ns)))?;
    for item in list.items {
        let meta = item.meta();
        let name = meta.name.clone().unwrap_or_default();
        let ours = meta
            .labels
            .as_ref()
            .and_then(|l| l.get(MANAGED_BY.0))
            .is_some_and(|v| v == MANAGED_BY.1);
        if !ours && !skip.contains(&name.as_str()) {
            out.push(format!("{what}/{name}"));
        }
    }
    Ok(())
}

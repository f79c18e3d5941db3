//! The feeds: each kind listed once, then followed with a watch that resumes where a dropped
//! stream stopped and lists again only on 410 Gone.

use super::state::{kept, Change, Items, Kind};
use super::Scope;
use crate::cluster::{fold_list_versioned, Cluster, Op};
use crate::error::Result;
use crate::model::node::{PodUsage, RawNode, RawPod};
use crate::snapshot::live;
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, WatchEvent, WatchParams};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where a kind is read from.
fn resource(kind: Kind, dra_version: &str) -> (ApiResource, String) {
    let dra = |k: &str, plural: &str| ApiResource {
        group: "resource.k8s.io".into(),
        version: dra_version.into(),
        api_version: format!("resource.k8s.io/{dra_version}"),
        kind: k.into(),
        plural: plural.into(),
    };
    match kind {
        Kind::Nodes => (
            ApiResource::erase::<k8s_openapi::api::core::v1::Node>(&()),
            "/api/v1/nodes".into(),
        ),
        Kind::Pods => (
            ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
            "/api/v1/pods".into(),
        ),
        Kind::Slices => (
            dra("ResourceSlice", "resourceslices"),
            format!("/apis/resource.k8s.io/{dra_version}/resourceslices"),
        ),
        Kind::Claims => (
            dra("ResourceClaim", "resourceclaims"),
            format!("/apis/resource.k8s.io/{dra_version}/resourceclaims"),
        ),
    }
}

/// The selectors a kind is listed and watched with.
fn selectors(kind: Kind, scope: &Scope) -> (Option<String>, Option<String>) {
    match kind {
        Kind::Nodes => (scope.selector.clone(), None),
        Kind::Pods => (
            None,
            Some(crate::snapshot::pod_usage::LIVE_PODS.to_string()),
        ),
        _ => (None, None),
    }
}

/// Lists a kind; its objects and the version to watch from.
pub(super) async fn list(
    cluster: &Cluster,
    kind: Kind,
    dra_version: &str,
    scope: &Scope,
) -> Result<(Items, String)> {
    let (_, path) = resource(kind, dra_version);
    let (labels, fields) = selectors(kind, scope);
    let mut params = ListParams::default().limit(500);
    if let Some(l) = &labels {
        params = params.labels(l);
    }
    if let Some(f) = &fields {
        params = params.fields(f);
    }
    let op = Op::new("list", "objects");
    match kind {
        Kind::Nodes => {
            let (nodes, version) = fold_list_versioned(
                cluster,
                &path,
                &params,
                op,
                Vec::new,
                |acc, raw: RawNode| acc.push(live::kept_node(raw)),
            )
            .await?;
            Ok((Items::Nodes(nodes), version))
        }
        Kind::Pods => {
            let (pods, version) =
                fold_list_versioned(cluster, &path, &params, op, Vec::new, |acc, raw: RawPod| {
                    let pod = PodUsage::from(raw);
                    if kept(&pod) {
                        acc.push((format!("{}/{}", pod.namespace, pod.name), pod));
                    }
                })
                .await?;
            Ok((Items::Pods(pods), version))
        }
        Kind::Slices | Kind::Claims => {
            let (values, version) =
                fold_list_versioned(cluster, &path, &params, op, Vec::new, |acc, v: Value| {
                    acc.push(v)
                })
                .await?;
            Ok((Items::Values(values), version))
        }
    }
}

/// Follows one kind from `version`, sending every change; resumes dropped streams and lists
/// again after 410 Gone.
pub(super) async fn follow(
    cluster: Cluster,
    kind: Kind,
    dra_version: String,
    scope: std::sync::Arc<Scope>,
    mut version: String,
    tx: mpsc::UnboundedSender<Change>,
) {
    let (ar, _) = resource(kind, &dra_version);
    let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
    let (labels, fields) = selectors(kind, &scope);
    // Bookmarks are on by default: they keep the version to resume from fresh.
    let mut params = WatchParams::default().timeout(290);
    if let Some(l) = &labels {
        params = params.labels(l);
    }
    if let Some(f) = &fields {
        params = params.fields(f);
    }
    loop {
        let stream = match api.watch(&params, &version).await {
            Ok(s) => s,
            Err(kube::Error::Api(s)) if s.code == 410 => {
                match relist(&cluster, kind, &dra_version, &scope, &tx).await {
                    Some(v) => version = v,
                    None => return,
                }
                continue;
            }
            Err(e) => {
                let _ = tx.send(Change::Failed(
                    cluster.error(e, Op::new("watch", "objects")),
                ));
                return;
            }
        };
        let mut stream = stream.boxed();
        while let Some(event) = stream.next().await {
            let sent = match event {
                Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)) => {
                    version = o.metadata.resource_version.clone().unwrap_or(version);
                    tx.send(Change::Applied(
                        kind,
                        serde_json::to_value(o).unwrap_or_default(),
                    ))
                }
                Ok(WatchEvent::Deleted(o)) => {
                    version = o.metadata.resource_version.clone().unwrap_or(version);
                    tx.send(Change::Deleted(
                        kind,
                        serde_json::to_value(o).unwrap_or_default(),
                    ))
                }
                Ok(WatchEvent::Bookmark(b)) => {
                    version = b.metadata.resource_version;
                    Ok(())
                }
                Ok(WatchEvent::Error(s)) if s.code == 410 => {
                    match relist(&cluster, kind, &dra_version, &scope, &tx).await {
                        Some(v) => version = v,
                        None => return,
                    }
                    break;
                }
                Ok(WatchEvent::Error(_)) | Err(_) => break,
            };
            if sent.is_err() {
                return; // the view is gone
            }
        }
        tracing::info!(?kind, "watch stream ended; resuming");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn relist(
    cluster: &Cluster,
    kind: Kind,
    dra_version: &str,
    scope: &Scope,
    tx: &mpsc::UnboundedSender<Change>,
) -> Option<String> {
    tracing::info!(?kind, "watch expired (410 Gone); listing again");
    match list(cluster, kind, dra_version, scope).await {
        Ok((items, version)) => tx
            .send(Change::Replaced(kind, items))
            .ok()
            .map(|()| version),
        Err(e) => {
            let _ = tx.send(Change::Failed(e));
            None
        }
    }
}

//! Reading what `plan --for-pending` plans for: the pods the scheduler has not placed and the
//! MIG devices they ask for (extended resources, or DRA claims of `mig.nvidia.com` with a profile
//! selector), beside the GPU nodes, their use and the MIG manager's layouts.

use crate::cluster::{fold_list, Cluster, Op};
use crate::error::Result;
use crate::model::gpus::ManagerLayouts;
use crate::model::pending::{self, Want};
use kube::api::ListParams;
use serde_json::Value;
use std::collections::HashMap;

/// The pending demand and the cluster it would be served on.
pub struct PendingInput {
    /// Devices pending pods and claims wait for.
    pub wants: Vec<Want>,
    /// The GPU nodes with their use and DRA devices.
    pub snapshot: super::live::Snapshot,
    /// The MIG manager's layouts per node labelled `nvidia.com/mig.config`.
    pub layouts: HashMap<String, ManagerLayouts>,
}

/// Reads pending pods, unallocated claims, GPU nodes and layouts.
pub async fn read(cluster: &Cluster) -> Result<PendingInput> {
    let params = ListParams::default()
        .limit(500)
        .fields("status.phase=Pending");
    let pods: Vec<Value> = fold_list(
        cluster,
        "/api/v1/pods",
        &params,
        Op::new("list", "pods"),
        Vec::new,
        |acc: &mut Vec<Value>, pod: Value| {
            if pending::is_pending(&pod) {
                acc.push(pod);
            }
        },
    )
    .await?;
    let claims = claims(cluster).await;
    let wants = demand(&pods, &claims);
    let snapshot = super::live::snapshot(cluster, &[], None, false).await?;
    let layouts = super::layouts::for_nodes(cluster, &snapshot.nodes).await;
    Ok(PendingInput {
        wants,
        snapshot,
        layouts,
    })
}

/// The same from capture files: their pending pods and claims, beside their GPU nodes (and the
/// nodes DRA slices name), the use of their pods and the captured MIG manager layouts.
pub fn from_capture(capture: super::capture::Capture) -> PendingInput {
    let wants = demand(&capture.pending_pods, &capture.claims);
    let dra_nodes = crate::model::dra::dra_nodes(&capture.dra);
    let nodes: Vec<_> = capture
        .nodes
        .into_iter()
        .filter(|n| super::live::is_gpu_node(n) || dra_nodes.contains(&n.name))
        .collect();
    let mut usage = crate::model::capacity::Usage::for_nodes(nodes.iter().map(|n| n.name.as_str()));
    for pod in capture.pods {
        usage.add(pod);
    }
    let layouts = capture.layouts.for_nodes(&nodes);
    PendingInput {
        wants,
        snapshot: super::live::Snapshot {
            nodes,
            usage,
            missing: Vec::new(),
            dra: capture.dra,
            reasons: capture.reasons,
        },
        layouts,
    }
}

/// What pending pods and their unallocated claims wait for, by pod.
fn demand(pods: &[Value], claims: &[Value]) -> Vec<Want> {
    let mut wants: Vec<Want> = pods.iter().flat_map(pending::wants_of_pod).collect();
    let reasons: HashMap<String, String> = pods
        .iter()
        .filter_map(|p| {
            let key = format!(
                "{}/{}",
                p["metadata"]["namespace"].as_str()?,
                p["metadata"]["name"].as_str()?
            );
            Some((key, pending::scheduler_reason(p)?))
        })
        .collect();
    for claim in claims {
        let ns = claim["metadata"]["namespace"].as_str().unwrap_or_default();
        let owner = claim["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["kind"] == "Pod")
            .and_then(|o| o["name"].as_str());
        let reason = owner.and_then(|p| reasons.get(&format!("{ns}/{p}")));
        wants.extend(pending::wants_of_claim(
            claim,
            owner,
            reason.map(String::as_str),
        ));
    }
    wants.sort_by(|a, b| (&a.pod, &a.profile).cmp(&(&b.pod, &b.profile)));
    wants
}

/// Every ResourceClaim of the newest served `resource.k8s.io` version; none when DRA is not
/// served or may not be read (pending pods' extended resources are still planned).
async fn claims(cluster: &Cluster) -> Vec<Value> {
    for version in super::dra::VERSIONS {
        let path = format!("/apis/resource.k8s.io/{version}/resourceclaims");
        let params = ListParams::default().limit(500);
        let op = Op::new("list", "resourceclaims");
        let listed = fold_list(cluster, &path, &params, op, Vec::new, |acc, v: Value| {
            acc.push(v)
        })
        .await;
        match listed {
            Ok(items) => return items,
            Err(e) if crate::cluster::status_code(&e) == Some(404) => continue,
            Err(_) => return Vec::new(),
        }
    }
    Vec::new()
}

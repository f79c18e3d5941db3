//! What to show when the MIG manager fails or wedges: the last lines of its pod's log (the pod
//! labelled `app=nvidia-mig-manager` on the node) and the node's events.

use crate::cluster::Cluster;
use crate::output::messages::Messages;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};

/// Log lines shown.
const LOG_LINES: i64 = 15;
/// Events shown.
const EVENTS: usize = 5;
/// The MIG manager's pods' label.
pub const MANAGER_SELECTOR: &str = "app=nvidia-mig-manager";
/// Its container.
const MANAGER_CONTAINER: &str = "nvidia-mig-manager";

/// Says the MIG manager's last log lines and the node's last events; reading them is best
/// effort (a failure to read is said, not raised).
pub async fn show(cluster: &Cluster, namespace: &str, node: &str, msgs: &Messages) {
    match manager_log(cluster, namespace, node).await {
        Ok(Some((pod, log))) => {
            msgs.say(format_args!(
                "Last lines of the MIG manager's log (pod {namespace}/{pod}):"
            ));
            for line in log.lines() {
                msgs.say(format_args!("  {}", crate::output::sanitize(line)));
            }
        }
        Ok(None) => msgs.say(format_args!(
            "No MIG manager pod ({MANAGER_SELECTOR}) runs on node {node} in namespace {namespace}."
        )),
        Err(e) => msgs.warn(format_args!("cannot read the MIG manager's log: {e}")),
    }
    match node_events(cluster, node).await {
        Ok(events) if events.is_empty() => msgs.say(format_args!("Node {node} has no events.")),
        Ok(events) => {
            msgs.say(format_args!("Events of node {node}:"));
            for e in events {
                msgs.say(format_args!("  {e}"));
            }
        }
        Err(e) => msgs.warn(format_args!("cannot read the node's events: {e}")),
    }
}

async fn manager_log(
    cluster: &Cluster,
    namespace: &str,
    node: &str,
) -> kube::Result<Option<(String, String)>> {
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    let params = ListParams::default()
        .labels(MANAGER_SELECTOR)
        .fields(&format!("spec.nodeName={node}"));
    let Some(pod) = api.list(&params).await?.items.into_iter().next() else {
        return Ok(None);
    };
    let name = pod.metadata.name.unwrap_or_default();
    let log = api
        .logs(
            &name,
            &LogParams {
                container: Some(MANAGER_CONTAINER.into()),
                tail_lines: Some(LOG_LINES),
                ..Default::default()
            },
        )
        .await?;
    Ok(Some((name, log)))
}

async fn node_events(cluster: &Cluster, node: &str) -> kube::Result<Vec<String>> {
    let api: Api<Event> = Api::all(cluster.client.clone());
    let params = ListParams::default().fields(&format!(
        "involvedObject.kind=Node,involvedObject.name={node}"
    ));
    let mut events = api.list(&params).await?.items;
    events.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0));
    let start = events.len().saturating_sub(EVENTS);
    Ok(events[start..]
        .iter()
        .map(|e| {
            format!(
                "{} {}: {}",
                e.type_.as_deref().unwrap_or("Normal"),
                e.reason.as_deref().unwrap_or(""),
                crate::error::one_line(e.message.as_deref().unwrap_or(""))
            )
        })
        .collect())
}

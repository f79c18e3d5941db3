//! Freeing a node's GPUs: evicting the pods that hold them through the Eviction API (so
//! PodDisruptionBudgets are respected, as `kubectl drain` does), or waiting for them to finish.

use super::nodes::{self, GpuPod};
use crate::cluster::{Cluster, Op};
use crate::error::{one_line, Error, Result};
use crate::output::messages::Messages;
use crate::output::progress::Progress;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, EvictParams, Preconditions};
use std::time::{Duration, Instant};

/// How often a blocked eviction is tried again, and pods are looked at.
const POLL: Duration = Duration::from_secs(2);

/// Evicts `pods`, retrying those a disruption budget blocks until `timeout`, then waits for
/// them to be gone.
pub async fn evict(
    cluster: &Cluster,
    node: &str,
    pods: &[GpuPod],
    timeout: Duration,
    msgs: &Messages,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    for pod in pods {
        evict_one(cluster, pod, deadline, timeout, msgs).await?;
    }
    wait_gone(cluster, node, deadline, timeout, msgs, "evicted pods to go").await
}

async fn evict_one(
    cluster: &Cluster,
    pod: &GpuPod,
    deadline: Instant,
    timeout: Duration,
    msgs: &Messages,
) -> Result<()> {
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &pod.namespace);
    let params = EvictParams {
        delete_options: Some(DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(pod.uid.clone()),
                resource_version: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut told = false;
    loop {
        match api.evict(&pod.name, &params).await {
            Ok(_) => {
                msgs.say(format_args!("pod/{} evicted", pod.key()));
                return Ok(());
            }
            // Gone already, or replaced by a pod of the same name: nothing of ours to evict.
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => return Ok(()),
            Err(kube::Error::Api(s)) if s.code == 429 => {
                let why = budget_words(&s);
                if Instant::now() >= deadline {
                    return Err(Error::caused(
                        format!(
                            "a PodDisruptionBudget kept pod {} from being evicted for {} ({why}); let the budget allow it (more replicas, or a looser minAvailable/maxUnavailable), or raise --timeout",
                            pod.key(),
                            crate::k8s::duration::human(timeout)
                        ),
                        kube::Error::Api(s),
                    ));
                }
                if !told {
                    msgs.say(format_args!(
                        "pod/{} not evicted yet: {why}; trying again until --timeout",
                        pod.key()
                    ));
                    told = true;
                }
                tokio::time::sleep(POLL.min(deadline - Instant::now())).await;
            }
            Err(e) => {
                return Err(
                    cluster.error(e, Op::new("create", "pods/eviction").in_ns(&pod.namespace))
                )
            }
        }
    }
}

/// The server's words for a blocked eviction, with the budget's own cause when it gives one.
fn budget_words(status: &kube::core::Status) -> String {
    let causes: Vec<String> = status
        .details
        .iter()
        .flat_map(|d| d.causes.iter())
        .map(|c| one_line(&c.message))
        .filter(|m| !m.is_empty())
        .collect();
    let message = one_line(&status.message);
    if causes.is_empty() {
        message
    } else {
        format!("{message} {}", causes.join("; "))
    }
}

/// Waits for the pods holding the node's devices to finish on their own.
pub async fn wait_for_pods(
    cluster: &Cluster,
    node: &str,
    timeout: Duration,
    msgs: &Messages,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    wait_gone(cluster, node, deadline, timeout, msgs, "GPU pods to finish").await
}

async fn wait_gone(
    cluster: &Cluster,
    node: &str,
    deadline: Instant,
    timeout: Duration,
    msgs: &Messages,
    what: &str,
) -> Result<()> {
    let mut progress = Progress::new(msgs);
    loop {
        let left = nodes::gpu_pods(cluster, node).await?;
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = left.iter().take(3).map(GpuPod::key).collect();
            return Err(Error::failed(format!(
                "{} pod{} still hold GPU devices on node {node} after {} ({}); stop them, or raise --timeout",
                left.len(),
                if left.len() == 1 { "" } else { "s" },
                crate::k8s::duration::human(timeout),
                names.join(", ")
            )));
        }
        progress.set(format!(
            "node {node}: waiting for {what} ({} left)",
            left.len()
        ));
        tokio::time::sleep(POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

//! Following a test pod to its end: a watch that resumes after dropped streams, progress on a
//! terminal, logs streamed as they come, and the container's exit code.

use crate::cluster::watch_one::{Event, WatchOne};
use crate::cluster::{Cluster, Op};
use crate::error::{Error, Result};
use crate::output::messages::Messages;
use crate::output::progress::Progress;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::ResourceExt;
use std::io::Write;
use std::time::Duration;

/// Waiting reasons after which a container will not start without a change.
const FATAL_WAITING: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// How a pod's start went.
#[derive(Debug)]
pub enum Start {
    /// The container runs (or already ended): logs can be read.
    Started(Box<Pod>),
    /// The scheduler cannot place it: its message.
    Unschedulable(String),
    /// It will not start: the reason and message.
    Stuck(String),
}

/// Watches one pod, resuming after dropped streams and expired resource versions.
pub struct PodWatch(WatchOne<Pod>);

impl PodWatch {
    /// Starts after `pod`'s resource version.
    pub fn new(api: &Api<Pod>, pod: &Pod) -> Self {
        let namespace = pod.namespace();
        PodWatch(WatchOne::new(
            api.clone(),
            &pod.name_any(),
            &pod.resource_version().unwrap_or_default(),
            "pods",
            namespace.as_deref(),
        ))
    }

    /// The pod's next state.
    pub async fn next(&mut self, cluster: &Cluster) -> Result<Pod> {
        match self.0.next(cluster).await? {
            Event::Changed(pod) => Ok(pod),
            Event::Deleted => Err(Error::failed(format!(
                "pod/{} was deleted by someone else before it finished",
                self.0.name()
            ))),
        }
    }
}

/// Waits until the pod runs or ends, showing progress on stderr.
///
/// With `autoscaler`, an unschedulable pod is waited for too: the cluster autoscaler may add a
/// node for it (AKS pools often scale from zero); the caller's timeout bounds the wait.
///
/// `current` holds the pod's latest state, so a caller that gives up (timeout) can explain from
/// what the pod really shows, not from what the cluster offered before it was created.
pub async fn wait_for_start(
    cluster: &Cluster,
    api: &Api<Pod>,
    current: &mut Pod,
    autoscaler: bool,
    msgs: &Messages,
) -> Result<Start> {
    let mut watch = PodWatch::new(api, current);
    let mut progress = Progress::new(msgs);
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    loop {
        let note = match classify(current) {
            Some(Start::Unschedulable(_)) if autoscaler => {
                Some("unschedulable now; waiting for the cluster autoscaler")
            }
            Some(start) => {
                progress.finish();
                return Ok(start);
            }
            None => None,
        };
        progress.set(pod_line(current, note));
        // The watch's next event is one future kept across ticks: dropping it on a tick would
        // cancel a watch request still on its way (any API server ~100 ms away) and start over.
        let next = watch.next(cluster);
        tokio::pin!(next);
        *current = loop {
            tokio::select! {
                next = &mut next => break next?,
                _ = ticker.tick() => progress.tick(),
            }
        };
    }
}

/// Why a pod has not started, from its own state: bound or not, what its container waits for,
/// and the latest warning event about it. `None` when it shows nothing (not yet scheduled).
pub fn not_started_reason(pod: &Pod, warning: Option<&str>) -> Option<String> {
    let status = pod.status.as_ref();
    let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref());
    let warning = warning.map(|w| format!("; latest warning: {}", crate::error::one_line(w)));
    let warning = warning.unwrap_or_default();
    match (node, waiting) {
        (Some(node), Some(w)) => {
            let reason = w.reason.as_deref().unwrap_or("Waiting");
            let detail = w
                .message
                .as_deref()
                .map(|m| format!(" ({})", crate::error::one_line(m)))
                .unwrap_or_default();
            let next = match reason {
                "ContainerCreating" | "PodInitializing" => {
                    "the node is probably still pulling the image (CUDA images are large): raise --timeout"
                }
                r if FATAL_WAITING.contains(&r) => "check --image and the node's access to the registry",
                _ => "see the pod's events",
            };
            Some(format!(
                "it was placed on node {node} and its container is still {reason}{detail}{warning}; {next}"
            ))
        }
        (Some(node), None) => Some(format!(
            "it was placed on node {node} but the kubelet has not started it yet{warning}; check the node's health (kubectl describe node {node})"
        )),
        // Not placed: the capacity seen before the create explains it best (with the
        // scheduler's own words, see [`scheduler_message`]).
        (None, _) => None,
    }
}

/// The scheduler's message on a pod it cannot place.
pub fn scheduler_message(pod: &Pod) -> Option<String> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .and_then(|c| c.message.as_deref())
        .map(crate::error::one_line)
}

/// Whether the pod's state decides the wait.
fn classify(pod: &Pod) -> Option<Start> {
    let status = pod.status.as_ref()?;
    let phase = status.phase.as_deref().unwrap_or("Pending");
    if matches!(phase, "Running" | "Succeeded" | "Failed") {
        return Some(Start::Started(Box::new(pod.clone())));
    }
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
        {
            return Some(Start::Unschedulable(c.message.clone().unwrap_or_default()));
        }
    }
    for cs in status.container_statuses.iter().flatten() {
        if let Some(waiting) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let reason = waiting.reason.as_deref().unwrap_or_default();
            if FATAL_WAITING.contains(&reason) {
                return Some(Start::Stuck(format!(
                    "{reason}: {}",
                    waiting.message.as_deref().unwrap_or("no message")
                )));
            }
        }
    }
    None
}

/// Streams the container's logs to `out` until it ends; retries while it is still starting.
pub async fn stream_logs(
    cluster: &Cluster,
    api: &Api<Pod>,
    name: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let params = LogParams {
        follow: true,
        ..Default::default()
    };
    let op = Op::new("get", "pods/log").in_ns(&cluster.namespace);
    let mut attempts = 0;
    let reader = loop {
        match api.log_stream(name, &params).await {
            Ok(reader) => break reader,
            Err(kube::Error::Api(s)) if s.code == 400 && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => return Err(cluster.error(err, op)),
        }
    };
    let mut lines = reader.lines();
    while let Some(line) = lines.next().await {
        let line = line.map_err(|e| Error::failed(format!("the log stream of pod/{name} broke ({e}); read the rest with kubectl logs {name} -n {}", cluster.namespace)))?;
        writeln!(out, "{line}").map_err(crate::output::io_error)?;
        out.flush().map_err(crate::output::io_error)?;
    }
    Ok(())
}

/// Waits for the pod's phase to become Succeeded or Failed.
pub async fn wait_for_end(cluster: &Cluster, api: &Api<Pod>, pod: Pod) -> Result<Pod> {
    let mut watch = PodWatch::new(api, &pod);
    let mut current = pod;
    loop {
        let phase = current
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("Pending");
        if matches!(phase, "Succeeded" | "Failed") {
            return Ok(current);
        }
        current = watch.next(cluster).await?;
    }
}

/// The exit code of the pod's container, and a reason when it failed without one.
pub fn outcome(pod: &Pod) -> std::result::Result<i32, String> {
    let status = pod.status.as_ref();
    let terminated = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.terminated.as_ref());
    match terminated {
        Some(t) => Ok(t.exit_code),
        None => Err(match status {
            Some(s) => format!(
                "{}: {}",
                s.reason.as_deref().unwrap_or("Failed"),
                s.message
                    .as_deref()
                    .unwrap_or("the pod failed before its container ran")
            ),
            None => "the pod ended without a status".into(),
        }),
    }
}

/// The status line of a pod being waited for: phase, node, waiting reason.
fn pod_line(pod: &Pod, note: Option<&str>) -> String {
    let status = pod.status.as_ref();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    let mut line = format!("pod/{} {phase}", pod.name_any());
    match node {
        Some(n) => line.push_str(&format!(" on {n}")),
        None => line.push_str(" (waiting for the scheduler)"),
    }
    if let Some(w) = waiting {
        line.push_str(&format!(": {w}"));
    }
    if let Some(note) = note {
        line.push_str(&format!(" ({note})"));
    }
    line
}

//! Pod logs: `GET /api/v1/namespaces/{ns}/pods/{name}/log` (`container`, `tailLines`, `follow`).

use crate::api::FakeApi;
use crate::http::{Query, Reply, Target};
use crate::status::{self, ApiError, ApiResult};
use bytes::Bytes;
use hyper::body::Frame;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::mpsc;

fn container_state(pod: &Value, container: &str) -> Option<Value> {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .find_map(|list| {
            pod["status"][*list]
                .as_array()?
                .iter()
                .find(|s| s["name"] == container)
                .map(|s| s["state"].clone())
        })
}

fn names(pod: &Value, list: &str) -> Vec<String> {
    pod["spec"][list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect()
}

fn pick_container(pod: &Value, q: &Query, pod_name: &str) -> ApiResult<String> {
    let app = names(pod, "containers");
    let init = names(pod, "initContainers");
    match q.get("container").filter(|c| !c.is_empty()) {
        Some(c) if app.iter().chain(init.iter()).any(|x| x == c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {pod_name}"
        ))),
        None => {
            if let Some(d) = pod
                .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
                .and_then(Value::as_str)
            {
                return Ok(d.to_string());
            }
            if app.len() == 1 {
                return Ok(app[0].clone());
            }
            let mut msg = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                app.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            Err(ApiError::bad_request(msg))
        }
    }
}

fn tail(text: &str, q: &Query) -> String {
    match q.get("tailLines").and_then(|t| t.parse::<usize>().ok()) {
        Some(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(n);
            lines[start..].iter().map(|l| format!("{l}\n")).collect()
        }
        None => text.to_string(),
    }
}

/// Answers a pod log request.
pub(crate) async fn logs(api: &FakeApi, t: &Target, q: &Query) -> ApiResult<Reply> {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let pod = api.get("pods", Some(&ns), &name).ok_or_else(|| {
        ApiError::not_found(status::Target {
            plural: "pods",
            group: "",
            name: &name,
        })
    })?;
    let container = pick_container(&pod, q, &name)?;
    if q.flag("previous") {
        return Err(ApiError::bad_request(format!(
            "previous terminated container \"{container}\" in pod \"{name}\" not found"
        )));
    }
    if pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let state = container_state(&pod, &container);
    if state
        .as_ref()
        .is_none_or(|s| s.get("running").is_none() && s.get("terminated").is_none())
    {
        let reason = state
            .as_ref()
            .and_then(|s| s.pointer("/waiting/reason"))
            .and_then(Value::as_str)
            .unwrap_or("ContainerCreating")
            .to_string();
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    }
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let text = api.log_of(&uid, &container).unwrap_or_else(|| {
        // Pods that did not start here (seeded ones) get their output computed on demand.
        let node_name = pod["spec"]["nodeName"].as_str().unwrap_or("");
        let node = api.get("nodes", None, node_name).unwrap_or_default();
        ["initContainers", "containers"]
            .iter()
            .flat_map(|l| pod["spec"][*l].as_array().cloned().unwrap_or_default())
            .find(|c| c["name"] == container.as_str())
            .map(|c| crate::kubelet::program_of(&pod, &node, &c).output)
            .unwrap_or_default()
    });
    let text = tail(&text, q);
    if !q.flag("follow") {
        return Ok(Reply::Text(text));
    }
    let (tx, rx) = mpsc::channel(16);
    let api = api.clone();
    tokio::spawn(async move {
        if !text.is_empty() && tx.send(Ok(Frame::data(Bytes::from(text)))).await.is_err() {
            return;
        }
        loop {
            let running = api
                .get("pods", Some(&ns), &name)
                .filter(|p| p["metadata"]["uid"] == uid.as_str())
                .and_then(|p| container_state(&p, &container))
                .is_some_and(|s| s.get("running").is_some());
            if !running || tx.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    Ok(Reply::Stream("text/plain", crate::watch::channel_body(rx)))
}

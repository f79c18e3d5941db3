//! Small special endpoints: pod binding and self subject access reviews.

use crate::api::FakeApi;
use crate::handlers::{load_old, parse_body};
use crate::http::{Reply, Req, Target};
use crate::status::{self, ApiError, ApiResult};
use serde_json::{json, Value};

/// Answers `POST pods/<name>/binding`.
pub(crate) fn bind(api: &FakeApi, t: &Target, req: &Req) -> ApiResult<Reply> {
    let body = parse_body(req)?;
    let node = body
        .pointer("/target/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut store = api.store();
    let mut pod = load_old(&store, t)?;
    if let Some(cur) = pod.pointer("/spec/nodeName").and_then(Value::as_str) {
        return Err(ApiError::new(409, "Conflict", format!(
            "Operation cannot be fulfilled on pods/binding \"{}\": pod {} is already assigned to node \"{cur}\"",
            t.name.as_deref().unwrap_or(""), t.name.as_deref().unwrap_or("")
        )));
    }
    pod["spec"]["nodeName"] = json!(node);
    crate::scheduler::set_condition(&mut pod, "PodScheduled", "True", None, None);
    store.put("pods", pod);
    Ok(Reply::Json(201, status::success(json!({}))))
}

pub(crate) fn access_review(api: &FakeApi, req: &Req) -> Reply {
    let mut body = serde_json::from_slice::<Value>(&req.body).unwrap_or_else(|_| json!({}));
    let resource = body
        .pointer("/spec/resourceAttributes/resource")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let denied = api.faults().faults.forbidden.contains(&resource);
    body["status"] = if denied {
        json!({"allowed": false, "denied": true})
    } else {
        json!({"allowed": true, "reason": "fake-apiserver allows everything"})
    };
    body["apiVersion"] = json!("authorization.k8s.io/v1");
    body["kind"] = json!("SelfSubjectAccessReview");
    Reply::Json(201, body)
}

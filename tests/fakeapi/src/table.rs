//! Server-side printing: `meta.k8s.io/v1` Tables for clients (kubectl) that ask for them with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.

use crate::http::{Req, Target};
use crate::util::{age_seconds, human_duration};
use serde_json::{json, Value};

fn col(name: &str, ty: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": name, "priority": priority})
}

fn columns(plural: &str) -> Vec<Value> {
    let s = |n: &str| col(n, "string", 0);
    let w = |n: &str| col(n, "string", 1);
    match plural {
        "pods" => vec![
            s("Name"),
            s("Ready"),
            s("Status"),
            col("Restarts", "string", 0),
            s("Age"),
            w("IP"),
            w("Node"),
            w("Nominated Node"),
            w("Readiness Gates"),
        ],
        "nodes" => vec![
            s("Name"),
            s("Status"),
            s("Roles"),
            s("Age"),
            s("Version"),
            w("Internal-IP"),
            w("External-IP"),
            w("OS-Image"),
            w("Kernel-Version"),
            w("Container-Runtime"),
        ],
        "namespaces" => vec![s("Name"), s("Status"), s("Age")],
        "events" => vec![
            s("Last Seen"),
            s("Type"),
            s("Reason"),
            s("Object"),
            w("Subobject"),
            w("Source"),
            s("Message"),
            w("First Seen"),
            w("Count"),
            w("Name"),
        ],
        "daemonsets" => vec![
            s("Name"),
            col("Desired", "integer", 0),
            col("Current", "integer", 0),
            col("Ready", "integer", 0),
            col("Up-to-date", "integer", 0),
            col("Available", "integer", 0),
            s("Node Selector"),
            s("Age"),
            w("Containers"),
            w("Images"),
            w("Selector"),
        ],
        "deployments" => vec![
            s("Name"),
            s("Ready"),
            col("Up-to-date", "integer", 0),
            col("Available", "integer", 0),
            s("Age"),
            w("Containers"),
            w("Images"),
            w("Selector"),
        ],
        "configmaps" | "secrets" => vec![s("Name"), col("Data", "integer", 0), s("Age")],
        "poddisruptionbudgets" => vec![
            s("Name"),
            s("Min Available"),
            s("Max Unavailable"),
            col("Allowed Disruptions", "integer", 0),
            s("Age"),
        ],
        "clusterpolicies" => vec![s("Name"), s("Status"), s("Age")],
        p if crate::dra::table::has_columns(p) => crate::dra::table::columns(p),
        _ => vec![s("Name"), s("Age")],
    }
}

fn age(obj: &Value, ptr: &str) -> String {
    obj.pointer(ptr)
        .and_then(Value::as_str)
        .map(|t| human_duration(age_seconds(t)))
        .unwrap_or_else(|| "<unknown>".into())
}

fn pod_status(p: &Value) -> String {
    let statuses = p["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for st in statuses.iter().rev() {
        if let Some(r) = st.pointer("/state/waiting/reason").and_then(Value::as_str) {
            return r.into();
        }
        if let Some(r) = st
            .pointer("/state/terminated/reason")
            .and_then(Value::as_str)
        {
            return r.into();
        }
    }
    if p.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".into();
    }
    p["status"]["phase"].as_str().unwrap_or("Pending").into()
}

fn node_selector(spec: &Value) -> String {
    match spec.as_object() {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".into(),
    }
}

fn containers_of(spec: &Value, field: &str) -> String {
    spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c[field].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn cells(plural: &str, o: &Value) -> Vec<Value> {
    let name = json!(o["metadata"]["name"]);
    let n = |p: &str| o.pointer(p).cloned().unwrap_or(json!(0));
    let s = |p: &str, d: &str| json!(o.pointer(p).and_then(Value::as_str).unwrap_or(d));
    match plural {
        "pods" => {
            let sidecars: Vec<&Value> = o["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["restartPolicy"] == "Always")
                .collect();
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len) + sidecars.len();
            let ready_sidecars = o["status"]["initContainerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|st| {
                    st["ready"] == true && sidecars.iter().any(|c| c["name"] == st["name"])
                })
                .count();
            let ready = ready_sidecars
                + o["status"]["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| c["ready"] == true)
                    .count();
            vec![
                name,
                json!(format!("{ready}/{total}")),
                json!(pod_status(o)),
                json!("0"),
                json!(age(o, "/metadata/creationTimestamp")),
                s("/status/podIP", "<none>"),
                s("/spec/nodeName", "<none>"),
                json!("<none>"),
                json!("<none>"),
            ]
        }
        "nodes" => {
            let ready = o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            let mut status = if ready {
                "Ready".to_string()
            } else {
                "NotReady".to_string()
            };
            if o["spec"]["unschedulable"] == true {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = o["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(String::from))
                .collect();
            let addr = |t: &str| {
                o["status"]["addresses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|a| a["type"] == t)
                    .and_then(|a| a["address"].as_str())
                    .unwrap_or("<none>")
                    .to_string()
            };
            vec![
                name,
                json!(status),
                json!(if roles.is_empty() {
                    "<none>".into()
                } else {
                    roles.join(",")
                }),
                json!(age(o, "/metadata/creationTimestamp")),
                s("/status/nodeInfo/kubeletVersion", ""),
                json!(addr("InternalIP")),
                json!(addr("ExternalIP")),
                s("/status/nodeInfo/osImage", ""),
                s("/status/nodeInfo/kernelVersion", ""),
                s("/status/nodeInfo/containerRuntimeVersion", ""),
            ]
        }
        "namespaces" => vec![
            name,
            s("/status/phase", "Active"),
            json!(age(o, "/metadata/creationTimestamp")),
        ],
        "events" => {
            let obj = format!(
                "{}/{}",
                o["involvedObject"]["kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase(),
                o["involvedObject"]["name"].as_str().unwrap_or("")
            );
            let last = if o["lastTimestamp"].is_string() {
                age(o, "/lastTimestamp")
            } else {
                age(o, "/eventTime")
            };
            vec![
                json!(last),
                s("/type", ""),
                s("/reason", ""),
                json!(obj),
                s("/involvedObject/fieldPath", ""),
                json!(format!(
                    "{}, {}",
                    o["source"]["component"].as_str().unwrap_or(""),
                    o["source"]["host"].as_str().unwrap_or("")
                )
                .trim_end_matches(", ")
                .to_string()),
                s("/message", ""),
                json!(age(o, "/firstTimestamp")),
                n("/count"),
                name,
            ]
        }
        "daemonsets" => vec![
            name,
            n("/status/desiredNumberScheduled"),
            n("/status/currentNumberScheduled"),
            n("/status/numberReady"),
            n("/status/updatedNumberScheduled"),
            n("/status/numberAvailable"),
            json!(node_selector(
                &o["spec"]["template"]["spec"]["nodeSelector"]
            )),
            json!(age(o, "/metadata/creationTimestamp")),
            json!(containers_of(&o["spec"]["template"]["spec"], "name")),
            json!(containers_of(&o["spec"]["template"]["spec"], "image")),
            json!(node_selector(&o["spec"]["selector"]["matchLabels"])),
        ],
        "deployments" => vec![
            name,
            json!(format!(
                "{}/{}",
                n("/status/readyReplicas"),
                n("/spec/replicas")
            )),
            n("/status/updatedReplicas"),
            n("/status/availableReplicas"),
            json!(age(o, "/metadata/creationTimestamp")),
            json!(containers_of(&o["spec"]["template"]["spec"], "name")),
            json!(containers_of(&o["spec"]["template"]["spec"], "image")),
            json!(node_selector(&o["spec"]["selector"]["matchLabels"])),
        ],
        "configmaps" | "secrets" => {
            let count = o["data"].as_object().map_or(0, |m| m.len())
                + o["binaryData"].as_object().map_or(0, |m| m.len());
            vec![
                name,
                json!(count),
                json!(age(o, "/metadata/creationTimestamp")),
            ]
        }
        "poddisruptionbudgets" => {
            let intstr = |k: &str| match &o["spec"][k] {
                Value::Null => "N/A".to_string(),
                Value::String(v) => v.clone(),
                v => v.to_string(),
            };
            vec![
                name,
                json!(intstr("minAvailable")),
                json!(intstr("maxUnavailable")),
                n("/status/disruptionsAllowed"),
                json!(age(o, "/metadata/creationTimestamp")),
            ]
        }
        "clusterpolicies" => vec![
            name,
            s("/status/state", ""),
            json!(age(o, "/metadata/creationTimestamp")),
        ],
        p if crate::dra::table::has_columns(p) => {
            crate::dra::table::cells(p, o, age(o, "/metadata/creationTimestamp"))
        }
        _ => vec![name, json!(age(o, "/metadata/creationTimestamp"))],
    }
}

fn row(t: &Target, obj: &Value, include: &str) -> Value {
    let mut full = obj.clone();
    if full.get("kind").is_none() {
        full["kind"] = json!(t.res.kind);
        full["apiVersion"] = json!(t.res.api_version());
    }
    let object = match include {
        "None" => Value::Null,
        "Object" => full.clone(),
        _ => {
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": full["metadata"]})
        }
    };
    json!({"cells": cells(t.res.plural, &full), "object": object})
}

fn table(t: &Target, rows: Vec<Value>, meta: Value) -> Value {
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns(t.res.plural), "rows": rows})
}

/// Converts a get or list answer to a Table when the client asked for one.
pub(crate) fn maybe_table(req: &Req, t: &Target, v: Value, is_list: bool) -> Value {
    if !req.wants_table() {
        return v;
    }
    to_table(
        t,
        v,
        is_list,
        req.query.get("includeObject").unwrap_or("Metadata"),
    )
}

/// Converts an object (or a list) to a Table; `include` is the `includeObject` policy.
pub(crate) fn to_table(t: &Target, v: Value, is_list: bool, include: &str) -> Value {
    if is_list {
        let rows = v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| row(t, o, include))
            .collect();
        table(t, rows, v["metadata"].clone())
    } else {
        let meta = json!({"resourceVersion": v["metadata"]["resourceVersion"]});
        table(t, vec![row(t, &v, include)], meta)
    }
}

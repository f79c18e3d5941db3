//! Per-type behaviour of writes: defaulting (as the API server's defaulters and admission do)
//! and validation (422 Invalid with field causes).

use crate::resources::Resource;
use crate::status::{ApiError, ApiResult};
use serde_json::{json, Map, Value};

type Cause = (String, String, String);

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// RFC 1123 subdomain (names of most objects).
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_name_part(s: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric();
    !s.is_empty()
        && s.len() <= 63
        && ok(s.as_bytes()[0])
        && ok(s.as_bytes()[s.len() - 1])
        && s.bytes().all(|b| ok(b) || b"-_.".contains(&b))
}

/// Whether a label value is valid (empty allowed).
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_name_part(s)
}

/// Whether a label or annotation key is a valid qualified name.
pub fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_name_part(name),
        None => is_name_part(s),
    }
}

fn invalid(field: &str, value: &str, msg: &str) -> Cause {
    (
        "FieldValueInvalid".into(),
        field.into(),
        format!("Invalid value: \"{value}\": {msg}"),
    )
}

fn required(field: &str, detail: &str) -> Cause {
    let msg = if detail.is_empty() {
        "Required value".to_string()
    } else {
        format!("Required value: {detail}")
    };
    ("FieldValueRequired".into(), field.into(), msg)
}

fn is_extended(resource: &str) -> bool {
    resource.contains('/')
        && !resource.starts_with("kubernetes.io/")
        && !resource.starts_with("requests.")
        || resource.starts_with("hugepages-")
}

fn validate_containers(list: &Value, path: &str, required_nonempty: bool, causes: &mut Vec<Cause>) {
    let items = list.as_array().cloned().unwrap_or_default();
    if items.is_empty() && required_nonempty {
        causes.push(required(path, ""));
    }
    for (i, c) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match c.get("name").and_then(Value::as_str) {
            None | Some("") => causes.push(required(&format!("{p}.name"), "")),
            Some(n) if !is_dns_label(n) => causes.push(invalid(&format!("{p}.name"), n, LABEL_MSG)),
            _ => {}
        }
        if c.get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            causes.push(required(&format!("{p}.image"), ""));
        }
        let res = c.get("resources");
        let limits = res.and_then(|r| r.get("limits")).and_then(Value::as_object);
        if let Some(reqs) = res
            .and_then(|r| r.get("requests"))
            .and_then(Value::as_object)
        {
            for (name, q) in reqs.iter().filter(|(n, _)| is_extended(n)) {
                let qs = q
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| q.to_string());
                match limits.and_then(|l| l.get(name)) {
                    None => causes.push(required(
                        &format!("{p}.resources.limits"),
                        "Limit must be set for non overcommitable resources",
                    )),
                    Some(l) if l != q => causes.push(invalid(
                        &format!("{p}.resources.requests"),
                        &qs,
                        &format!(
                            "must be equal to {name} limit of {}",
                            l.as_str().unwrap_or("")
                        ),
                    )),
                    _ => {}
                }
                if qs.parse::<u64>().is_err() {
                    causes.push(invalid(
                        &format!("{p}.resources.requests[{name}]"),
                        &qs,
                        "must be an integer",
                    ));
                }
            }
        }
    }
}

fn validate_pod_spec(spec: Option<&Value>, path: &str, causes: &mut Vec<Cause>) {
    let spec = spec.cloned().unwrap_or(Value::Null);
    validate_containers(
        spec.get("containers").unwrap_or(&Value::Null),
        &format!("{path}.containers"),
        true,
        causes,
    );
    if let Some(init) = spec.get("initContainers") {
        validate_containers(init, &format!("{path}.initContainers"), false, causes);
    }
    if let Some(rp) = spec.get("restartPolicy").and_then(Value::as_str) {
        if !matches!(rp, "Always" | "OnFailure" | "Never") {
            causes.push((
                "FieldValueNotSupported".into(),
                format!("{path}.restartPolicy"),
                format!("Unsupported value: \"{rp}\": supported values: \"Always\", \"OnFailure\", \"Never\""),
            ));
        }
    }
}

fn validate_map_keys(meta: &Value, field: &str, check_values: bool, causes: &mut Vec<Cause>) {
    let Some(m) = meta.get(field).and_then(Value::as_object) else {
        return;
    };
    for (k, v) in m {
        if !is_qualified_name(k) {
            causes.push(invalid(&format!("metadata.{field}"), k, NAME_PART_MSG));
        }
        if check_values {
            let v = v.as_str().unwrap_or("");
            if !is_label_value(v) {
                causes.push(invalid(&format!("metadata.{field}"), v, VALUE_MSG));
            }
        }
    }
}

/// Validates an object about to be stored; `Err` is a 422 Invalid Status.
pub fn validate(res: &Resource, obj: &Value) -> ApiResult<()> {
    let mut causes = Vec::new();
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        causes.push(required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if res.plural == "namespaces" && !is_dns_label(name) {
        causes.push(invalid("metadata.name", name, LABEL_MSG));
    } else if !res.plural.ends_with("roles")
        && !res.plural.ends_with("bindings")
        && !is_dns_subdomain(name)
    {
        causes.push(invalid("metadata.name", name, SUBDOMAIN_MSG));
    }
    validate_map_keys(&meta, "labels", true, &mut causes);
    validate_map_keys(&meta, "annotations", false, &mut causes);
    match res.plural {
        "pods" => validate_pod_spec(obj.get("spec"), "spec", &mut causes),
        "daemonsets" | "deployments" | "replicasets" | "statefulsets" => {
            if obj.pointer("/spec/selector").is_none() {
                causes.push(required("spec.selector", ""));
            }
            validate_pod_spec(
                obj.pointer("/spec/template/spec"),
                "spec.template.spec",
                &mut causes,
            );
        }
        "poddisruptionbudgets" => crate::eviction::validate_pdb(obj, &mut causes),
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res.kind, res.group, name, &causes))
    }
}

fn set_default(m: &mut Map<String, Value>, key: &str, v: Value) {
    m.entry(key.to_string()).or_insert(v);
}

fn default_container(c: &mut Value) {
    let Some(m) = c.as_object_mut() else { return };
    let image = m
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let last = image.rsplit('/').next().unwrap_or("");
    let pull = if !last.contains(':') || last.ends_with(":latest") {
        "Always"
    } else {
        "IfNotPresent"
    };
    set_default(m, "imagePullPolicy", json!(pull));
    set_default(m, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(m, "terminationMessagePolicy", json!("File"));
    let res = m.entry("resources").or_insert_with(|| json!({}));
    if let Some(limits) = res.get("limits").and_then(Value::as_object).cloned() {
        let reqs = res
            .as_object_mut()
            .expect("object")
            .entry("requests")
            .or_insert_with(|| json!({}));
        for (k, v) in limits {
            reqs.as_object_mut().expect("object").entry(k).or_insert(v);
        }
    }
}

/// Defaults a pod spec the way the API server (defaulters + admission) does.
pub fn default_pod_spec(spec: &mut Value) {
    let Some(m) = spec.as_object_mut() else {
        return;
    };
    set_default(m, "restartPolicy", json!("Always"));
    set_default(m, "dnsPolicy", json!("ClusterFirst"));
    set_default(m, "schedulerName", json!("default-scheduler"));
    set_default(m, "terminationGracePeriodSeconds", json!(30));
    set_default(m, "securityContext", json!({}));
    set_default(m, "enableServiceLinks", json!(true));
    set_default(m, "priority", json!(0));
    for list in ["containers", "initContainers"] {
        if let Some(Value::Array(cs)) = m.get_mut(list) {
            cs.iter_mut().for_each(default_container);
        }
    }
}

fn default_tolerations(spec: &mut Value) {
    let tols = spec
        .as_object_mut()
        .expect("object")
        .entry("tolerations")
        .or_insert_with(|| json!([]));
    let Some(list) = tols.as_array_mut() else {
        return;
    };
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        if !list
            .iter()
            .any(|t| t.get("key").and_then(Value::as_str) == Some(key))
        {
            list.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
}

/// The QoS class of a pod spec.
pub fn qos_class(spec: &Value) -> &'static str {
    let cs = spec
        .get("containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = true;
    for c in &cs {
        let r = c.get("resources").cloned().unwrap_or(json!({}));
        let l = r
            .get("limits")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let q = r
            .get("requests")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        any |= !l.is_empty() || !q.is_empty();
        guaranteed &= ["cpu", "memory"]
            .iter()
            .all(|k| l.contains_key(*k) && l.get(*k) == q.get(*k));
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Applies defaults to a new or updated object of the given type.
pub fn apply_defaults(res: &Resource, obj: &mut Value) {
    crate::dra::apply_defaults(res, obj);
    match res.plural {
        "pods" => {
            if let Some(spec) = obj.get_mut("spec") {
                default_pod_spec(spec);
                default_tolerations(spec);
            }
        }
        "daemonsets" | "deployments" | "replicasets" | "statefulsets" => {
            if let Some(t) = obj.pointer_mut("/spec/template/spec") {
                default_pod_spec(t);
            }
            if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
                set_default(spec, "revisionHistoryLimit", json!(10));
                match res.plural {
                    "daemonsets" => set_default(
                        spec,
                        "updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                    ),
                    "deployments" => {
                        set_default(spec, "replicas", json!(1));
                        set_default(spec, "progressDeadlineSeconds", json!(600));
                        set_default(
                            spec,
                            "strategy",
                            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
                        );
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The status a freshly created object starts with (`None`: keep what was sent).
pub fn initial_status(res: &Resource, obj: &Value) -> Option<Value> {
    match res.plural {
        "pods" => Some(json!({
            "phase": "Pending",
            "qosClass": qos_class(obj.get("spec").unwrap_or(&Value::Null)),
        })),
        "namespaces" => Some(json!({"phase": "Active"})),
        "daemonsets" => Some(json!({
            "currentNumberScheduled": 0, "desiredNumberScheduled": 0,
            "numberMisscheduled": 0, "numberReady": 0,
        })),
        "deployments" | "replicasets" | "statefulsets" => Some(json!({})),
        "poddisruptionbudgets" => Some(json!({
            "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::by_plural;

    #[test]
    fn pod_validation() {
        let pods = by_plural("pods").unwrap();
        let e = validate(
            pods,
            &json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}),
        )
        .unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message
                .contains("spec.containers[0].image: Required value"),
            "{}",
            e.message
        );
        let e = validate(pods, &json!({"metadata": {"name": "p", "labels": {"a": "b c"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}})).unwrap_err();
        assert!(
            e.message
                .contains("metadata.labels: Invalid value: \"b c\""),
            "{}",
            e.message
        );
        assert!(validate(pods, &json!({"metadata": {}, "spec": {}})).is_err());
    }

    #[test]
    fn defaults_requests_from_limits() {
        let pods = by_plural("pods").unwrap();
        let mut p = json!({"spec": {"containers": [{"name": "c", "image": "i:1", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}});
        apply_defaults(pods, &mut p);
        assert_eq!(
            p.pointer("/spec/containers/0/resources/requests/nvidia.com~1gpu"),
            Some(&json!("1"))
        );
        assert_eq!(p["spec"]["restartPolicy"], "Always");
    }
}

//! JSON merge patch (RFC 7386), a strategic merge patch good enough for kubectl, and JSON patch.

use crate::status::{ApiError, ApiResult};
use serde_json::{Map, Value};

/// Applies an RFC 7386 merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The merge key of a list field in strategic merge patches (`None`: the list is replaced).
pub fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let key = match field {
        "ports" if items.iter().all(|i| i.get("containerPort").is_some()) => "containerPort",
        "ports" => "port",
        "volumeMounts" | "volumeDevices" => "mountPath",
        "conditions" => "type",
        "tolerations" | "args" | "command" | "finalizers" => return None,
        "ownerReferences" => "uid",
        _ => "name",
    };
    let keyed = items
        .iter()
        .all(|i| i.get(key).is_some() || i.get("$patch").is_some());
    (!items.is_empty() && keyed).then_some(key)
}

/// Applies a strategic merge patch: a merge patch where lists of objects merge by their key,
/// honouring the `$patch`, `$retainKeys`, `$setElementOrder/…` and `$deleteFromPrimitiveList/…`
/// directives kubectl sends.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) -> ApiResult<()> {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut p = p.clone();
            p.remove("$patch");
            *target = Value::Object(p);
            return Ok(());
        }
        Some("delete") => {
            *target = Value::Null;
            return Ok(());
        }
        Some(other) if other != "merge" => {
            return Err(ApiError::bad_request(format!(
                "unknown patch type: {other}"
            )))
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("object");
    if let Some(Value::Array(keep)) = p.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        t.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, v) in p {
        if k.starts_with('$') {
            if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
                if let (Some(Value::Array(list)), Value::Array(del)) = (t.get_mut(field), v) {
                    list.retain(|x| !del.contains(x));
                }
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), v) {
            (Some(Value::Array(cur)), Value::Array(items)) => {
                if let Some(key) = merge_key(k, items) {
                    merge_list(cur, items, key)?;
                } else {
                    *cur = items.clone();
                }
            }
            (Some(cur @ Value::Object(_)), Value::Object(_)) => strategic_merge_patch(cur, v)?,
            _ => {
                let mut fresh = Value::Null;
                strategic_merge_patch(&mut fresh, v)?;
                if v.is_object() || !fresh.is_null() {
                    t.insert(k.clone(), strip_directives(fresh));
                }
            }
        }
    }
    Ok(())
}

fn strip_directives(mut v: Value) -> Value {
    match &mut v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('$'));
            for x in m.values_mut() {
                *x = strip_directives(std::mem::take(x));
            }
        }
        Value::Array(a) => {
            a.retain(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"));
            for x in a.iter_mut() {
                *x = strip_directives(std::mem::take(x));
            }
        }
        _ => {}
    }
    v
}

fn merge_list(cur: &mut Vec<Value>, items: &[Value], key: &str) -> ApiResult<()> {
    for item in items {
        let id = item.get(key).cloned();
        let pos = cur
            .iter()
            .position(|c| id.is_some() && c.get(key) == id.as_ref());
        match (item.get("$patch").and_then(Value::as_str), pos) {
            (Some("delete"), Some(i)) => {
                cur.remove(i);
            }
            (Some("delete"), None) => {}
            (_, Some(i)) => strategic_merge_patch(&mut cur[i], item)?,
            (_, None) => cur.push(strip_directives(item.clone())),
        }
    }
    Ok(())
}

fn pointer_parts(path: &str) -> Vec<String> {
    path.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn parent_mut<'a>(doc: &'a mut Value, parts: &[String]) -> ApiResult<&'a mut Value> {
    let mut cur = doc;
    for p in &parts[..parts.len().saturating_sub(1)] {
        cur = match cur {
            Value::Object(m) => m.get_mut(p),
            Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| ApiError::internal(format!("missing path segment {p:?}")))?;
    }
    Ok(cur)
}

/// Applies an RFC 6902 JSON patch (add, remove, replace, test).
pub fn json_patch(doc: &mut Value, ops: &Value) -> ApiResult<()> {
    let ops = ops
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array"))?;
    for op in ops {
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let parts = pointer_parts(path);
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        let verb = op.get("op").and_then(Value::as_str).unwrap_or("");
        if parts.is_empty() {
            *doc = value;
            continue;
        }
        let last = parts.last().expect("nonempty").clone();
        let parent = parent_mut(doc, &parts)?;
        match (verb, parent) {
            ("test", p) => {
                if p.get(&last) != Some(&value) {
                    return Err(ApiError::new(
                        422,
                        "Invalid",
                        format!("testing value {path} failed"),
                    ));
                }
            }
            ("add" | "replace", Value::Object(m)) => {
                m.insert(last, value);
            }
            ("add", Value::Array(a)) => {
                let i = if last == "-" {
                    a.len()
                } else {
                    last.parse().unwrap_or(a.len())
                };
                a.insert(i.min(a.len()), value);
            }
            ("replace", Value::Array(a)) => {
                if let Some(x) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                    *x = value;
                }
            }
            ("remove", Value::Object(m)) => {
                m.remove(&last);
            }
            ("remove", Value::Array(a)) => {
                if let Ok(i) = last.parse::<usize>() {
                    if i < a.len() {
                        a.remove(i);
                    }
                }
            }
            _ => {
                return Err(ApiError::internal(format!(
                    "unsupported json patch operation {verb:?} at {path}"
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let p = json!({"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "b", "image": "z"}, {"name": "a", "$patch": "delete"}]}});
        strategic_merge_patch(&mut t, &p).unwrap();
        assert_eq!(
            t,
            json!({"spec": {"containers": [{"name": "b", "image": "z"}]}})
        );
    }

    #[test]
    fn merge_patch_removes_nulls() {
        let mut t = json!({"a": 1, "b": {"c": 2}});
        merge_patch(&mut t, &json!({"a": null, "b": {"d": 3}}));
        assert_eq!(t, json!({"b": {"c": 2, "d": 3}}));
    }

    #[test]
    fn json_patch_ops() {
        let mut t = json!({"a": [1, 2]});
        json_patch(&mut t, &json!([{"op": "add", "path": "/a/-", "value": 3}, {"op": "replace", "path": "/b", "value": 1}])).unwrap();
        assert_eq!(t, json!({"a": [1, 2, 3], "b": 1}));
    }
}

//! Field sets as used by `metadata.managedFields` (`fieldsV1`): sets of paths made of
//! `f:<field>` and `k:{"name":"…"}` segments, with conversions to and from the JSON tree form.

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// A path of `fieldsV1` segments.
pub type FieldPath = Vec<String>;
/// A set of owned paths.
pub type FieldSet = BTreeSet<FieldPath>;

/// Map-typed fields whose presence is itself owned (`.` in `fieldsV1`).
fn is_granular_map(field: &str) -> bool {
    matches!(
        field,
        "labels"
            | "annotations"
            | "nodeSelector"
            | "matchLabels"
            | "limits"
            | "requests"
            | "data"
            | "stringData"
            | "binaryData"
            | "capacity"
            | "allocatable"
    )
}

/// Whether a list is merged per item (a list of objects that all carry a string `name`).
pub fn is_keyed_list(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.get("name").and_then(Value::as_str).is_some())
}

/// The `k:{"name":"x"}` segment of a keyed list item.
pub fn item_segment(item: &Value) -> String {
    format!(
        "k:{}",
        json!({"name": item.get("name").cloned().unwrap_or(Value::Null)})
    )
}

/// Top-level and metadata fields that are never owned.
fn skipped(prefix: &[String], field: &str, with_status: bool) -> bool {
    match prefix.len() {
        0 => matches!(field, "apiVersion" | "kind") || (field == "status" && !with_status),
        1 if prefix[0] == "f:metadata" => matches!(
            field,
            "name"
                | "namespace"
                | "uid"
                | "resourceVersion"
                | "generation"
                | "creationTimestamp"
                | "managedFields"
                | "selfLink"
                | "deletionTimestamp"
                | "deletionGracePeriodSeconds"
        ),
        _ => false,
    }
}

/// The set of paths an object (an applied configuration or a whole object) sets.
/// `with_status`: whether `status` counts (status subresource writes).
pub fn of_object(v: &Value, with_status: bool) -> FieldSet {
    let mut out = FieldSet::new();
    walk(v, &mut Vec::new(), &mut out, with_status);
    out
}

fn walk(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet, with_status: bool) {
    let Value::Object(m) = v else { return };
    for (k, val) in m {
        if skipped(prefix, k, with_status) {
            continue;
        }
        prefix.push(format!("f:{k}"));
        match val {
            Value::Object(inner) if !inner.is_empty() => {
                if is_granular_map(k) {
                    out.insert(prefix.clone());
                }
                walk(val, prefix, out, with_status);
            }
            Value::Array(items) if is_keyed_list(items) => {
                for item in items {
                    prefix.push(item_segment(item));
                    out.insert(prefix.clone());
                    walk(item, prefix, out, with_status);
                    prefix.pop();
                }
            }
            _ => {
                out.insert(prefix.clone());
            }
        }
        prefix.pop();
    }
}

/// Encodes a set as the `fieldsV1` tree.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for seg in path {
            node = node
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("object node");
        }
    }
    // Mark members that also have children with ".".
    for path in set {
        let mut node = &mut root;
        for seg in path {
            node = node
                .get_mut(seg)
                .and_then(Value::as_object_mut)
                .expect("inserted above");
        }
        if !node.is_empty() && !node.contains_key(".") {
            node.insert(".".into(), json!({}));
        }
    }
    Value::Object(root)
}

/// Decodes a `fieldsV1` tree.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn rec(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
        let Value::Object(m) = v else { return };
        for (k, child) in m {
            if k == "." {
                out.insert(prefix.clone());
                continue;
            }
            prefix.push(k.clone());
            if child.as_object().is_none_or(Map::is_empty) {
                out.insert(prefix.clone());
            } else {
                rec(child, prefix, out);
            }
            prefix.pop();
        }
    }
    let mut out = FieldSet::new();
    rec(v, &mut Vec::new(), &mut out);
    out
}

fn item_matches(item: &Value, seg: &str) -> bool {
    let Some(key) = seg.strip_prefix("k:") else {
        return false;
    };
    let Ok(Value::Object(want)) = serde_json::from_str::<Value>(key) else {
        return false;
    };
    want.iter().all(|(k, v)| item.get(k) == Some(v))
}

/// The value at a path, if present.
pub fn value_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in path {
        cur = if let Some(f) = seg.strip_prefix("f:") {
            cur.get(f)?
        } else {
            cur.as_array()?.iter().find(|i| item_matches(i, seg))?
        };
    }
    Some(cur)
}

/// Removes the field or list item at a path (no-op when absent).
pub fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = obj;
    for seg in parents {
        let next = if let Some(f) = seg.strip_prefix("f:") {
            cur.get_mut(f)
        } else {
            cur.as_array_mut()
                .and_then(|a| a.iter_mut().find(|i| item_matches(i, seg)))
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = cur.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(a) = cur.as_array_mut() {
        a.retain(|i| !item_matches(i, last));
    }
}

/// Renders a path the way conflict messages do: `.spec.containers[name="c"].image`.
pub fn display(path: &[String]) -> String {
    let mut s = String::new();
    for seg in path {
        if let Some(f) = seg.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = seg.strip_prefix("k:") {
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(k) {
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push_str(&format!("[{}]", parts.join(",")));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let obj = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"x": "1"}}}]}});
        let set = of_object(&obj, false);
        let v1 = to_fields_v1(&set);
        assert_eq!(v1["f:metadata"]["f:labels"]["."], json!({}));
        assert_eq!(
            v1["f:spec"]["f:containers"]["k:{\"name\":\"c\"}"]["f:image"],
            json!({})
        );
        assert_eq!(from_fields_v1(&v1), set);
        let p: FieldPath = vec![
            "f:spec".into(),
            "f:containers".into(),
            "k:{\"name\":\"c\"}".into(),
            "f:image".into(),
        ];
        assert_eq!(value_at(&obj, &p), Some(&json!("i")));
        assert_eq!(display(&p), ".spec.containers[name=\"c\"].image");
        let mut o = obj.clone();
        remove_at(&mut o, &p[..3]);
        assert_eq!(o["spec"]["containers"], json!([]));
    }
}

//! Server-side apply and `managedFields` bookkeeping for every write.

use crate::fieldset::{self, FieldPath, FieldSet};
use crate::status::ApiError;
use crate::util;
use serde_json::{json, Value};

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    subresource: Option<String>,
    fields: FieldSet,
}

impl Entry {
    fn same_owner(&self, manager: &str, operation: &str, sub: Option<&str>) -> bool {
        self.manager == manager && self.operation == operation && self.subresource.as_deref() == sub
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fieldset::to_fields_v1(&self.fields),
        });
        if let Some(s) = &self.subresource {
            v["subresource"] = json!(s);
        }
        v
    }
}

fn entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    Entry {
                        manager: s("manager"),
                        operation: s("operation"),
                        api_version: s("apiVersion"),
                        time: s("time"),
                        subresource: e
                            .get("subresource")
                            .and_then(Value::as_str)
                            .map(String::from),
                        fields: e
                            .get("fieldsV1")
                            .map(fieldset::from_fields_v1)
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn set_entries(obj: &mut Value, list: &[Entry]) {
    let list: Vec<Value> = list
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(Entry::to_json)
        .collect();
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), Value::Array(list));
        }
    }
}

/// A copy without `metadata.managedFields`, for comparisons.
pub fn without_managed(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    o
}

fn is_prefix(p: &[String], of: &[String]) -> bool {
    of.len() >= p.len() && of[..p.len()] == *p
}

/// Merges an applied configuration into an object: maps recursively, lists of named objects per
/// item (config order first, then the remaining existing items), other values replaced.
pub fn merge_config(target: &mut Value, config: &Value) {
    match (target, config) {
        (Value::Object(t), Value::Object(c)) => {
            for (k, v) in c {
                match t.get_mut(k) {
                    Some(cur) => merge_config(cur, v),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(c))
            if fieldset::is_keyed_list(c) && fieldset::is_keyed_list(t) =>
        {
            let mut out = Vec::new();
            for item in c {
                let pos = t.iter().position(|x| x.get("name") == item.get("name"));
                match pos {
                    Some(i) => {
                        let mut cur = t.remove(i);
                        merge_config(&mut cur, item);
                        out.push(cur);
                    }
                    None => out.push(item.clone()),
                }
            }
            out.append(t);
            *t = out;
        }
        (t, c) => *t = c.clone(),
    }
}

/// The parameters of one apply request.
pub struct ApplyRequest<'a> {
    /// `fieldManager`.
    pub manager: &'a str,
    /// `force=true`.
    pub force: bool,
    /// apiVersion recorded in managedFields.
    pub api_version: &'a str,
    /// `Some("status")` for the status subresource.
    pub subresource: Option<&'a str>,
}

/// Result of an apply: the new object, or `None` when nothing would change.
pub type ApplyResult = Result<Option<Value>, ApiError>;

/// Server-side apply of `config` onto `existing` (`None`: create). Conflicts with other managers
/// are errors unless forced; fields this manager applied before and dropped now are removed.
pub fn apply(existing: Option<&Value>, config: &Value, req: &ApplyRequest<'_>) -> ApplyResult {
    let with_status = req.subresource == Some("status");
    let cfg_fields = fieldset::of_object(config, with_status);
    let base = existing.cloned().unwrap_or_else(
        || json!({"apiVersion": config["apiVersion"], "kind": config["kind"], "metadata": {}}),
    );
    let mut list = entries(&base);
    let me = |e: &Entry| e.same_owner(req.manager, "Apply", req.subresource);

    // Conflicts: leaves set by another manager to a different value.
    let leaves: Vec<&FieldPath> = cfg_fields
        .iter()
        .filter(|p| {
            !cfg_fields
                .iter()
                .any(|q| q.len() > p.len() && is_prefix(p, q))
        })
        .collect();
    let mut conflicts: Vec<(String, String, FieldPath)> = Vec::new();
    for e in list.iter().filter(|e| !me(e)) {
        for p in &leaves {
            if e.fields.contains(*p)
                && fieldset::value_at(&base, p) != fieldset::value_at(config, p)
            {
                conflicts.push((e.manager.clone(), e.api_version.clone(), (*p).clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !req.force {
            return Err(conflict_error(&conflicts, &base));
        }
        for e in list
            .iter_mut()
            .filter(|e| !e.same_owner(req.manager, "Apply", req.subresource))
        {
            for (_, _, p) in &conflicts {
                e.fields.remove(p);
            }
        }
    }

    // Fields this manager applied before and dropped now, unless someone else still owns them.
    let prev: FieldSet = list
        .iter()
        .filter(|e| me(e))
        .flat_map(|e| e.fields.clone())
        .collect();
    let others: Vec<&FieldPath> = list
        .iter()
        .filter(|e| !me(e))
        .flat_map(|e| e.fields.iter())
        .collect();
    let mut obj = base.clone();
    let mut dropped: Vec<&FieldPath> = prev
        .difference(&cfg_fields)
        .filter(|p| !others.iter().any(|o| is_prefix(p, o)))
        .collect();
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in dropped {
        fieldset::remove_at(&mut obj, p);
    }
    let mut cfg = config.clone();
    if !with_status {
        if let Some(m) = cfg.as_object_mut() {
            m.remove("status");
        }
    }
    if let Some(m) = cfg.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
        ] {
            m.remove(k);
        }
    }
    merge_config(&mut obj, &cfg);

    let new_entry = Entry {
        manager: req.manager.to_string(),
        operation: "Apply".into(),
        api_version: req.api_version.to_string(),
        time: util::now(),
        subresource: req.subresource.map(String::from),
        fields: cfg_fields,
    };
    let unchanged_fields = prev == new_entry.fields && conflicts.is_empty();
    match list.iter_mut().find(|e| me(e)) {
        Some(e) => *e = new_entry,
        None => list.push(new_entry),
    }
    if let Some(old) = existing {
        if unchanged_fields && without_managed(old) == without_managed(&obj) {
            return Ok(None);
        }
    }
    set_entries(&mut obj, &list);
    Ok(Some(obj))
}

fn conflict_error(conflicts: &[(String, String, FieldPath)], obj: &Value) -> ApiError {
    let n = conflicts.len();
    let message = if n == 1 {
        let (m, v, p) = &conflicts[0];
        format!(
            "Apply failed with 1 conflict: conflict with \"{m}\" using {v}: {}",
            fieldset::display(p)
        )
    } else {
        let mut s = format!("Apply failed with {n} conflicts: ");
        let mut by_mgr: Vec<(String, String, Vec<String>)> = Vec::new();
        for (m, v, p) in conflicts {
            match by_mgr.iter_mut().find(|(x, _, _)| x == m) {
                Some(e) => e.2.push(fieldset::display(p)),
                None => by_mgr.push((m.clone(), v.clone(), vec![fieldset::display(p)])),
            }
        }
        let parts: Vec<String> = by_mgr
            .iter()
            .map(|(m, v, ps)| {
                let lines: Vec<String> = ps.iter().map(|p| format!("- {p}")).collect();
                format!("conflicts with \"{m}\" using {v}:\n{}", lines.join("\n"))
            })
            .collect();
        s.push_str(&parts.join("\n"));
        s
    };
    let mut e = ApiError::new(409, "Conflict", message);
    e.details = Some(json!({
        "name": obj.pointer("/metadata/name").cloned().unwrap_or(json!("")),
        "kind": obj.get("kind").cloned().unwrap_or(json!("")),
        "causes": conflicts.iter().map(|(m, v, p)| json!({
            "reason": "FieldManagerConflict",
            "message": format!("conflict with \"{m}\" using {v}"),
            "field": fieldset::display(p),
        })).collect::<Vec<_>>(),
    }));
    e
}

/// Records an `Update` operation by `manager` that turned `old` (None: create) into `new`:
/// the manager takes the fields it changed; fields that no longer exist leave every owner.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
) {
    let with_status = subresource == Some("status");
    let mut list = entries(old.unwrap_or(new));
    if old.is_none() {
        list.clear();
    }
    let all = fieldset::of_object(new, with_status);
    let changed: FieldSet = match old {
        None => all.clone(),
        Some(o) => all
            .iter()
            .filter(|p| fieldset::value_at(o, p) != fieldset::value_at(new, p))
            .cloned()
            .collect(),
    };
    for e in list.iter_mut() {
        e.fields
            .retain(|p| fieldset::value_at(new, p).is_some() && !changed.contains(p));
    }
    if !changed.is_empty() {
        match list
            .iter_mut()
            .find(|e| e.same_owner(manager, "Update", subresource))
        {
            Some(e) => {
                e.fields.extend(changed);
                e.time = util::now();
            }
            None => list.push(Entry {
                manager: manager.to_string(),
                operation: "Update".into(),
                api_version: api_version.to_string(),
                time: util::now(),
                subresource: subresource.map(String::from),
                fields: changed,
            }),
        }
    }
    set_entries(new, &list);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(m: &str, force: bool) -> ApplyRequest<'_> {
        ApplyRequest {
            manager: m,
            force,
            api_version: "v1",
            subresource: None,
        }
    }

    #[test]
    fn apply_noop_conflict_and_removal() {
        let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"x": "1", "y": "2"}});
        let created = apply(None, &cfg, &req("m1", false)).unwrap().unwrap();
        assert_eq!(created["data"]["y"], "2");
        assert!(apply(Some(&created), &cfg, &req("m1", false))
            .unwrap()
            .is_none());
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"x": "9"}});
        let err = apply(Some(&created), &other, &req("m2", false)).unwrap_err();
        assert_eq!(err.code, 409);
        assert!(
            err.message.contains("conflict with \"m1\""),
            "{}",
            err.message
        );
        let forced = apply(Some(&created), &other, &req("m2", true))
            .unwrap()
            .unwrap();
        assert_eq!(forced["data"]["x"], "9");
        let smaller = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"x": "1"}});
        let after = apply(Some(&created), &smaller, &req("m1", false))
            .unwrap()
            .unwrap();
        assert!(after["data"].get("y").is_none());
        assert!(after["metadata"].get("labels").is_none());
    }
}

//! Reading nodes and pods from files (`kubectl get nodes,pods -A -o yaml|json`), so a support
//! engineer can describe a customer's cluster from a capture.

use crate::error::{Error, Result};
use crate::model::node::{NodeInfo, PodUsage, RawNode, RawPod};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a capture holds.
#[derive(Debug, Default)]
pub struct Capture {
    /// Every Node found (each once).
    pub nodes: Vec<NodeInfo>,
    /// Every Pod found (each once).
    pub pods: Vec<PodUsage>,
    /// DRA ResourceSlices and ResourceClaims found.
    pub dra: crate::model::dra::Inventory,
    /// The scheduler's reason for each pending pod (`namespace/name`).
    pub reasons: std::collections::HashMap<String, String>,
    /// The GPU Operator's ClusterPolicy and ConfigMaps (the MIG manager's layouts), if captured.
    pub layouts: super::layouts::Captured,
    /// Pods the scheduler has not placed, whole (`plan --for-pending` reads what they ask for).
    pub pending_pods: Vec<serde_json::Value>,
    /// Every ResourceClaim, whole (`plan --for-pending` reads the unallocated ones' requests).
    pub claims: Vec<serde_json::Value>,
    /// Objects found more than once (overlapping files), as `node/name`: counted once.
    pub duplicates: Vec<String>,
    seen: HashSet<String>,
}

/// How deep `[`/`{` may nest: real objects stay far below; hostile input is refused before the
/// parser spends its time on it.
const MAX_NESTING: usize = 100;

/// Reads every file (`-` is stdin, a directory its `.yaml`, `.yml` and `.json` files, as
/// kubectl's `-f DIR`) into one capture.
pub fn read_files(paths: &[impl AsRef<Path>]) -> Result<Capture> {
    let mut capture = Capture::default();
    for path in paths {
        let path = path.as_ref();
        for file in expand(path)? {
            let text = read_text(&file)?;
            parse_into(&text, &file.display().to_string(), &mut capture)?;
        }
    }
    Ok(capture)
}

/// A directory's capture files in name order; any other path as it is.
fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    if path.as_os_str() == "-" || !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| {
        Error::failed(format!(
            "cannot read the directory {}: {}; check the path",
            path.display(),
            crate::error::one_line(&e.to_string())
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::failed(format!(
            "the directory {} holds no .yaml, .yml or .json file; give the capture files themselves",
            path.display()
        )));
    }
    Ok(files)
}

fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    read.map_err(|e| {
        Error::failed(format!(
            "cannot read {}: {}; check the path (capture one with kubectl get nodes,pods -A -o yaml > cluster.yaml)",
            path.display(),
            crate::error::one_line(&e.to_string())
        ))
    })?;
    decode_text(bytes).ok_or_else(|| {
        Error::failed(format!(
            "{} is neither UTF-8 nor UTF-16 text; save the capture as UTF-8 (kubectl get nodes,pods -A -o yaml > cluster.yaml)",
            path.display()
        ))
    })
}

/// UTF-8 (with or without a byte-order mark) or UTF-16 with its mark, as Windows PowerShell's
/// `>` writes it.
fn decode_text(bytes: Vec<u8>) -> Option<String> {
    let utf16 = |bytes: &[u8], little: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| {
                if little {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).ok(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => String::from_utf8(bytes).ok(),
    }
}

/// Parses YAML (one or more documents) or JSON text, adding its Nodes and Pods.
pub fn parse_into(text: &str, name: &str, capture: &mut Capture) -> Result<()> {
    let invalid = |e: &dyn std::fmt::Display| {
        Error::failed(format!(
            "{name} is not valid YAML or JSON ({}); give the output of kubectl get nodes,pods -A -o yaml",
            crate::error::one_line(&e.to_string())
        ))
    };
    if nesting_depth(text) > MAX_NESTING {
        return Err(Error::failed(format!(
            "{name} nests lists or maps more than {MAX_NESTING} levels deep, which no Kubernetes object does; give the output of kubectl get nodes,pods -A -o yaml"
        )));
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // One JSON document, or several one after another (`kubectl get ... -o json` twice);
        // a YAML flow mapping also starts with `{` and is read as YAML when JSON fails.
        match parse_json(text, capture) {
            Ok(()) => return Ok(()),
            Err(json_error) if capture.is_untouched() => {
                return parse_yaml(text, capture).map_err(|_| invalid(&json_error));
            }
            Err(e) => return Err(invalid(&e)),
        }
    }
    parse_yaml(text, capture).map_err(|e| invalid(&e))
}

/// The deepest nesting of `[` and `{` outside quoted strings: a quick scan, no parse.
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            match c {
                '\\' if q == '"' && !escaped => escaped = true,
                _ if c == q && !escaped => quote = None,
                // Quoted YAML scalars rarely span lines; a stray apostrophe must not hide what
                // follows.
                '\n' => quote = None,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => quote = Some('"'),
            '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The outer shape of a JSON document: items stay unparsed text until each is decoded alone,
/// so a big capture costs its text and the small decoded records, not a tree of every object.
#[derive(Deserialize)]
struct JsonDoc<'a> {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
}

fn parse_json(text: &str, capture: &mut Capture) -> std::result::Result<(), String> {
    let stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    for raw in stream {
        let raw = raw.map_err(|e| e.to_string())?;
        add_json(raw, None, capture).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn add_json(raw: &RawValue, list_kind: Option<&str>, capture: &mut Capture) -> Result<()> {
    let doc: JsonDoc<'_> = match serde_json::from_str(raw.get()) {
        Ok(doc) => doc,
        // An array at the top, or an item that is not an object: nothing of ours.
        Err(_) => return Ok(()),
    };
    let kind = doc.kind.as_deref().or(list_kind).unwrap_or_default();
    match kind {
        "Node" | "Pod" | "ResourceSlice" | "ResourceClaim" | "ConfigMap" | "ClusterPolicy" => {
            let value: serde_json::Value =
                serde_json::from_str(raw.get()).map_err(|e| malformed(&e))?;
            add_object(kind, value, capture)
        }
        _ => {
            let inner = kind.strip_suffix("List").filter(|k| !k.is_empty());
            for item in doc.items.into_iter().flatten() {
                add_json(item, inner, capture)?;
            }
            Ok(())
        }
    }
}

fn parse_yaml(text: &str, capture: &mut Capture) -> std::result::Result<(), String> {
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = serde_json::Value::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            add_value(value, None, capture).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn add_value(
    mut value: serde_json::Value,
    list_kind: Option<&str>,
    capture: &mut Capture,
) -> Result<()> {
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .map(str::to_string)
        .or_else(|| list_kind.map(str::to_string))
        .unwrap_or_default();
    match kind.as_str() {
        "Node" | "Pod" | "ResourceSlice" | "ResourceClaim" | "ConfigMap" | "ClusterPolicy" => {
            add_object(&kind, value, capture)
        }
        _ => {
            let inner = kind.strip_suffix("List").filter(|k| !k.is_empty());
            if let serde_json::Value::Array(items) = value["items"].take() {
                for item in items {
                    add_value(item, inner, capture)?;
                }
            }
            Ok(())
        }
    }
}

fn add_object(kind: &str, value: serde_json::Value, capture: &mut Capture) -> Result<()> {
    let meta = &value["metadata"];
    let text = |k: &str| meta[k].as_str().unwrap_or_default().to_string();
    let key = match meta["uid"].as_str().filter(|u| !u.is_empty()) {
        Some(uid) => format!("uid:{uid}"),
        None => format!("{kind}/{}/{}", text("namespace"), text("name")),
    };
    if !capture.seen.insert(key) {
        let shown = match text("namespace") {
            ns if ns.is_empty() => format!("{}/{}", kind.to_lowercase(), text("name")),
            ns => format!("{}/{} in {ns}", kind.to_lowercase(), text("name")),
        };
        capture
            .duplicates
            .push(crate::output::sanitize(&shown).into_owned());
        return Ok(());
    }
    match kind {
        "Node" => capture
            .nodes
            .push(NodeInfo::from(decode::<RawNode>(value)?)),
        "ResourceSlice" => capture.dra.slices.extend(super::dra::slice(&value)),
        "ResourceClaim" => {
            capture.dra.claims.extend(super::dra::claim(&value));
            capture.claims.push(value);
        }
        "ConfigMap" => capture
            .layouts
            .maps
            .push(super::layouts::CapturedMap::from_value(&value)),
        "ClusterPolicy" => {
            let policy = super::layouts::Operator::from_policy(&value);
            capture.layouts.policy.get_or_insert(policy);
        }
        _ => {
            record_pending(&value, capture);
            // Only pending pods are kept whole (few): the others are not copied.
            let pending = crate::model::pending::is_pending(&value).then(|| value.clone());
            capture.pods.push(PodUsage::from(decode::<RawPod>(value)?));
            capture.pending_pods.extend(pending);
        }
    }
    Ok(())
}

/// A pod the scheduler cannot place: its reason, for the DRA claims it waits on.
fn record_pending(pod: &serde_json::Value, capture: &mut Capture) {
    let conditions = pod["status"]["conditions"].as_array();
    let reason = conditions
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
        .and_then(|c| c["message"].as_str());
    if let Some(reason) = reason {
        let meta = &pod["metadata"];
        let key = format!(
            "{}/{}",
            meta["namespace"].as_str().unwrap_or_default(),
            meta["name"].as_str().unwrap_or_default()
        );
        capture.reasons.insert(key, crate::text::one_line(reason));
    }
}

impl Capture {
    fn is_untouched(&self) -> bool {
        self.seen.is_empty()
    }
}

fn malformed(e: &dyn std::fmt::Display) -> Error {
    Error::failed(format!(
        "a Node or Pod in the capture is malformed ({}); recapture it with kubectl get nodes,pods -A -o yaml",
        crate::error::one_line(&e.to_string())
    ))
}

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| malformed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_documents() {
        let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n  status: {allocatable: {nvidia.com/gpu: \"2\"}}\n---\nkind: PodList\nitems:\n- metadata: {name: p, namespace: ml}\n  spec: {nodeName: n1, containers: [{resources: {limits: {nvidia.com/gpu: 1}}}]}\n  status: {phase: Running}\n";
        let mut c = Capture::default();
        parse_into(yaml, "x", &mut c).unwrap();
        assert_eq!(c.nodes.len(), 1);
        assert_eq!(c.nodes[0].allocatable["nvidia.com/gpu"], 2);
        assert_eq!(c.pods.len(), 1);
        assert_eq!(c.pods[0].requests["nvidia.com/gpu"], 1);
    }

    #[test]
    fn reads_json() {
        let json = r#"{"kind":"NodeList","items":[{"metadata":{"name":"a"}}]}"#;
        let mut c = Capture::default();
        parse_into(json, "x", &mut c).unwrap();
        assert_eq!(c.nodes[0].name, "a");
    }

    #[test]
    fn reads_concatenated_json() {
        let json = r#"{"kind":"NodeList","items":[{"metadata":{"name":"a"}}]}
{"kind":"PodList","items":[{"metadata":{"name":"p","namespace":"x"}}]}"#;
        let mut c = Capture::default();
        parse_into(json, "x", &mut c).unwrap();
        assert_eq!((c.nodes.len(), c.pods.len()), (1, 1));
    }

    #[test]
    fn bad_text_is_one_sentence() {
        let mut c = Capture::default();
        let err = parse_into("a: [", "f.yaml", &mut c)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.yaml is not valid YAML or JSON"), "{err}");
    }
}

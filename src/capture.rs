//! Reading nodes and pods from files (`kubectl get nodes,pods -A -o yaml|json`), so a support
//! engineer can describe a customer's cluster from a capture.

use crate::error::{Error, Result};
use crate::model::{NodeInfo, PodUsage, RawNode, RawPod};
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// What a capture holds.
#[derive(Debug, Default)]
pub struct Capture {
    /// Every Node found.
    pub nodes: Vec<NodeInfo>,
    /// Every Pod found.
    pub pods: Vec<PodUsage>,
}

/// Reads every file (`-` is stdin) into one capture.
pub fn read_files(paths: &[impl AsRef<Path>]) -> Result<Capture> {
    let mut capture = Capture::default();
    for path in paths {
        let path = path.as_ref();
        let text = read_text(path)?;
        parse_into(&text, &path.display().to_string(), &mut capture)?;
    }
    Ok(capture)
}

fn read_text(path: &Path) -> Result<String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(|_| ()))
    };
    read.map_err(|e| {
        Error::failed(format!(
            "cannot read {}: {}; check the path (capture one with kubectl get nodes,pods -A -o yaml > cluster.yaml)",
            path.display(),
            e
        ))
    })?;
    Ok(text)
}

/// Parses YAML (one or more documents) or JSON text, adding its Nodes and Pods.
pub fn parse_into(text: &str, name: &str, capture: &mut Capture) -> Result<()> {
    let invalid = |e: &dyn std::fmt::Display| {
        Error::failed(format!(
            "{name} is not valid YAML or JSON ({e}); give the output of kubectl get nodes,pods -A -o yaml"
        ))
    };
    if text.trim_start().starts_with('{') {
        // One JSON document, or several one after another (`kubectl get ... -o json` twice).
        for value in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
            add_value(value.map_err(|e| invalid(&e))?, capture)?;
        }
        return Ok(());
    }
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = serde_json::Value::deserialize(document).map_err(|e| invalid(&e))?;
        if !value.is_null() {
            add_value(value, capture)?;
        }
    }
    Ok(())
}

fn add_value(value: serde_json::Value, capture: &mut Capture) -> Result<()> {
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default();
    match kind {
        "Node" => capture
            .nodes
            .push(NodeInfo::from(decode::<RawNode>(value)?)),
        "Pod" => capture.pods.push(PodUsage::from(decode::<RawPod>(value)?)),
        _ => {
            if let Some(serde_json::Value::Array(items)) = value.get("items") {
                let list_kind = kind.strip_suffix("List").unwrap_or_default().to_string();
                for mut item in items.clone() {
                    // Typed lists (NodeList) omit each item's kind.
                    if item.get("kind").is_none() && !list_kind.is_empty() {
                        item["kind"] = serde_json::Value::String(list_kind.clone());
                    }
                    add_value(item, capture)?;
                }
            }
        }
    }
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value)
        .map_err(|e| Error::failed(format!("a Node or Pod in the capture is malformed ({e}); recapture it with kubectl get nodes,pods -A -o yaml")))
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

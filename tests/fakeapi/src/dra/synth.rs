//! DRA nodes for synthetic clusters: copies of the seed's static-MIG DRA node and its
//! ResourceSlice (one A100-SXM4-40GB, 2 x 1g.5gb + 2g.10gb + 3g.20gb), renamed per node, with
//! fresh uids and GPU/MIG UUIDs, plus the NVIDIA DeviceClasses.

use crate::api::yaml_to_json;
use crate::util::Prng;
use serde_json::{json, Value};

const SEED_NODE: &str = "aks-a100dra-41736250-vmss000000";

fn docs(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .filter_map(|d| <serde_yaml::Value as serde::Deserialize>::deserialize(d).ok())
        .filter_map(yaml_to_json)
        .filter(|v| !v.is_null())
        .collect()
}

fn file(name: &str) -> &'static str {
    super::seed::DRA_SEED_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("seed file")
}

/// The DeviceClasses, then `n` DRA nodes named `aks-a100dra-<i>` with one slice each.
pub(crate) fn objects(n: usize, seed: u64) -> Vec<Value> {
    if n == 0 {
        return Vec::new();
    }
    let mut prng = Prng::new(seed ^ 0xd7a0_d7a0);
    let mut out = docs(file("deviceclasses.yaml"));
    let node_tpl = docs(file("nodes.yaml"))
        .into_iter()
        .find(|d| d["metadata"]["name"] == SEED_NODE)
        .expect("static DRA node");
    let slice_text = file("resourceslice-static-mig-a100.yaml");
    for i in 0..n {
        let name = format!("aks-a100dra-41736250-vmss{i:06}");
        let node_uid = prng.uuid();
        let mut node: Value =
            serde_json::from_str(&node_tpl.to_string().replace(SEED_NODE, &name)).expect("json");
        node["metadata"]["uid"] = json!(node_uid);
        node["status"]["addresses"][0]["address"] =
            json!(format!("10.225.{}.{}", i / 250, i % 250 + 4));
        let mut text = slice_text.replace(SEED_NODE, &name);
        let gpu = format!("GPU-{}", prng.uuid());
        text = text.replace("GPU-4d1c2b8e-7f3a-5e6d-9a0b-1c2d3e4f5a6b", &gpu);
        let mut slice = docs(&text).remove(0);
        slice["metadata"]["uid"] = json!(prng.uuid());
        slice["metadata"]["name"] = json!(format!(
            "00000-gpu.nvidia.com-{name}-{}",
            prng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
        ));
        slice["metadata"]["ownerReferences"][0]["uid"] = json!(node_uid);
        for d in slice["spec"]["devices"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            d["attributes"]["uuid"]["string"] = json!(format!("MIG-{}", prng.uuid()));
        }
        out.push(node);
        out.push(slice);
    }
    out
}

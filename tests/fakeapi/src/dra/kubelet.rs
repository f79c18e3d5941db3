//! The kubelet side of DRA for NVIDIA GPUs: a container that references a claim sees the
//! claim's allocated `gpu.nvidia.com` devices, so its `nvidia-smi -L` lists them with the
//! UUIDs, product name and profile the ResourceSlice publishes.

use super::alloc::claim_name_of;
use crate::kubelet::{run_program, Program};
use crate::store::Store;
use crate::util::{fnv, Prng};
use serde_json::Value;

/// The NVIDIA DRA driver's name.
pub const NVIDIA_DRIVER: &str = "gpu.nvidia.com";

/// The slice device behind an allocation result, if published.
fn slice_device(store: &Store, driver: &str, pool: &str, device: &str) -> Option<Value> {
    store
        .list("resourceslices", None)
        .filter(|(_, s)| s["spec"]["driver"] == driver && s["spec"]["pool"]["name"] == pool)
        .flat_map(|(_, s)| s["spec"]["devices"].as_array().into_iter().flatten())
        .find(|d| d["name"] == device)
        .cloned()
}

/// The `gpu.nvidia.com` devices a container was given through its claims: `(claim uid, device)`.
fn container_devices(store: &Store, pod: &Value, container: &Value) -> Vec<(String, Value)> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let mut out = Vec::new();
    for cref in container["resources"]["claims"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(entry) = pod["spec"]["resourceClaims"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == cref["name"])
        else {
            continue;
        };
        let Some(claim) =
            claim_name_of(pod, entry).and_then(|n| store.get("resourceclaims", ns, &n))
        else {
            continue;
        };
        let want = cref["request"].as_str();
        for r in claim
            .pointer("/status/allocation/devices/results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let request = r["request"].as_str().unwrap_or("");
            let wanted = want.is_none_or(|w| request == w || request.split('/').next() == Some(w));
            if !wanted || r["driver"] != NVIDIA_DRIVER {
                continue;
            }
            let (pool, device) = (
                r["pool"].as_str().unwrap_or(""),
                r["device"].as_str().unwrap_or(""),
            );
            if let Some(d) = slice_device(store, NVIDIA_DRIVER, pool, device) {
                let uid = claim["metadata"]["uid"].as_str().unwrap_or("").to_string();
                out.push((uid, d));
            }
        }
    }
    out
}

/// `nvidia-smi -L` for DRA devices: each visible GPU, then its MIG devices, indices from 0.
pub(crate) fn nvidia_smi_list(devices: &[(String, Value)]) -> Option<String> {
    let attr = |d: &Value, k: &str| {
        d.pointer(&format!("/attributes/{k}/string"))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let made_up = |seed: &str| Prng::new(fnv(seed)).uuid();
    // (GPU uuid, product, its MIG devices as (profile, uuid))
    type Gpu = (String, String, Vec<(String, String)>);
    let mut gpus: Vec<Gpu> = Vec::new();
    for (claim_uid, d) in devices {
        let name = d["name"].as_str().unwrap_or("");
        let product = attr(d, "productName").unwrap_or_else(|| "NVIDIA GPU".into());
        match attr(d, "type").as_deref() {
            Some("mig") => {
                let parent = attr(d, "parentUUID").unwrap_or_else(|| {
                    format!("GPU-{}", made_up(&format!("{claim_uid}/{name}/parent")))
                });
                // Dynamic MIG devices have no uuid until the plugin creates them.
                let uuid = attr(d, "uuid")
                    .unwrap_or_else(|| format!("MIG-{}", made_up(&format!("{claim_uid}/{name}"))));
                let profile = attr(d, "profile").unwrap_or_default();
                match gpus.iter_mut().find(|g| g.0 == parent) {
                    Some(g) => g.2.push((profile, uuid)),
                    None => gpus.push((parent, product, vec![(profile, uuid)])),
                }
            }
            Some("gpu") => {
                let uuid = attr(d, "uuid")
                    .unwrap_or_else(|| format!("GPU-{}", made_up(&format!("{claim_uid}/{name}"))));
                gpus.push((uuid, product, Vec::new()));
            }
            _ => {}
        }
    }
    if gpus.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, (uuid, product, migs)) in gpus.iter().enumerate() {
        out.push_str(&format!("GPU {i}: {product} (UUID: {uuid})\n"));
        for (j, (profile, mig)) in migs.iter().enumerate() {
            out.push_str(&format!(
                "  MIG {profile:<11} Device {j:>2}: (UUID: {mig})\n"
            ));
        }
    }
    Some(out)
}

/// The program of a container that has `gpu.nvidia.com` devices through its claims.
pub(crate) fn program(store: &Store, pod: &Value, container: &Value) -> Option<Program> {
    let devices = container_devices(store, pod, container);
    if devices.is_empty() {
        return None;
    }
    let cmd = ["command", "args"]
        .iter()
        .flat_map(|k| container[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(String::from))
        .collect::<Vec<_>>()
        .join(" ");
    Some(run_program(&cmd, || nvidia_smi_list(&devices)))
}

//! What pending pods ask of MIG: `nvidia.com/mig-<profile>` requests, `nvidia.com/gpu` pinned to
//! a single-strategy pool by its `-MIG-<profile>` product, and DRA claims of the `mig.nvidia.com`
//! class whose CEL selector names a profile
//! (`device.attributes['gpu.nvidia.com'].profile == '<profile>'`). Pure: works on the objects'
//! JSON.

use crate::mig::strategy::{self, ResourceKind, GPU_RESOURCE, PRODUCT_LABEL};
use crate::model::dra::MIG_CLASS;
use crate::model::node::{PodUsage, RawPod};
use serde::Serialize;
use serde_json::Value;

/// How a pending pod asks for its MIG devices.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// `nvidia.com/mig-<profile>` (mixed strategy).
    MigResource,
    /// `nvidia.com/gpu` with a `nvidia.com/gpu.product: ...-MIG-<profile>` node selector.
    SingleGpu,
    /// A DRA claim of `mig.nvidia.com` with a profile selector.
    DraClaim,
}

/// Devices of one profile one pending pod waits for.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Want {
    /// `namespace/name` of the pod.
    pub pod: String,
    /// The profile, as the pod names it (`1g.5gb`).
    pub profile: String,
    /// How many devices.
    pub count: u32,
    /// How it asks.
    pub via: Via,
    /// The scheduler's reason it waits, if it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether a pod waits for the scheduler: Pending and bound to no node.
pub fn is_pending(pod: &Value) -> bool {
    pod["status"]["phase"].as_str().unwrap_or("Pending") == "Pending"
        && pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty)
}

/// The MIG devices a pending pod asks for through extended resources.
pub fn wants_of_pod(pod: &Value) -> Vec<Want> {
    if !is_pending(pod) {
        return Vec::new();
    }
    let Ok(raw) = serde_json::from_value::<RawPod>(pod.clone()) else {
        return Vec::new();
    };
    let usage = PodUsage::from(raw);
    let key = format!("{}/{}", usage.namespace, usage.name);
    let reason = scheduler_reason(pod);
    let single = pod["spec"]["nodeSelector"][PRODUCT_LABEL]
        .as_str()
        .and_then(strategy::single_profile);
    let mut out = Vec::new();
    for (resource, count) in &usage.requests {
        let (profile, via) = match ResourceKind::parse(resource) {
            Some(ResourceKind::Mig(p)) => (p, Via::MigResource),
            Some(ResourceKind::Gpu) if resource == GPU_RESOURCE => match single {
                Some(p) => (p, Via::SingleGpu),
                None => continue,
            },
            _ => continue,
        };
        out.push(Want {
            pod: key.clone(),
            profile: profile.to_string(),
            count: u32::try_from(*count).unwrap_or(0),
            via,
            reason: reason.clone(),
        });
    }
    out
}

/// The `PodScheduled=False` message, on one line.
pub fn scheduler_reason(pod: &Value) -> Option<String> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
        .and_then(|c| c["message"].as_str())
        .map(crate::text::one_line)
}

/// The MIG devices an unallocated claim asks for with a profile selector (`v1` `exactly`,
/// `firstAvailable`'s first choice, or `v1beta1`'s request itself); `pod` is the pod it waits
/// for and `reason` the scheduler's word, when known.
pub fn wants_of_claim(claim: &Value, pod: Option<&str>, reason: Option<&str>) -> Vec<Want> {
    if !claim["status"]["allocation"].is_null() {
        return Vec::new();
    }
    let ns = claim["metadata"]["namespace"].as_str().unwrap_or_default();
    let who = match pod {
        Some(p) => format!("{ns}/{p}"),
        None => format!(
            "{ns}/{}",
            claim["metadata"]["name"].as_str().unwrap_or_default()
        ),
    };
    let requests = claim["spec"]["devices"]["requests"].as_array();
    let mut out = Vec::new();
    for r in requests.into_iter().flatten() {
        let body = if r["exactly"].is_object() {
            &r["exactly"]
        } else if let Some(first) = r["firstAvailable"].as_array().and_then(|a| a.first()) {
            first
        } else {
            r
        };
        if body["deviceClassName"].as_str() != Some(MIG_CLASS) {
            continue;
        }
        let profile = body["selectors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["cel"]["expression"].as_str())
            .find_map(profile_of_cel);
        let Some(profile) = profile else { continue };
        let count = body["count"].as_u64().unwrap_or(1);
        out.push(Want {
            pod: who.clone(),
            profile,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            via: Via::DraClaim,
            reason: reason.map(str::to_string),
        });
    }
    out
}

/// The profile a CEL selector pins: `device.attributes['gpu.nvidia.com'].profile == '1g.5gb'`
/// (either quote, either side of `==`, `["..."]` or `.profile` access).
pub fn profile_of_cel(expr: &str) -> Option<String> {
    let at = expr.find("profile")?;
    let rest = &expr[at + "profile".len()..];
    let rest = rest.trim_start_matches(['\'', '"', ']', ' ']);
    if let Some(rhs) = rest.strip_prefix("==") {
        return quoted(rhs.trim_start());
    }
    // `'1g.5gb' == device.attributes[...].profile`
    let before = expr[..at].trim_end();
    let lhs = before.rsplit_once("==")?.0.trim_end();
    let q = lhs.chars().last()?;
    let inner = lhs.strip_suffix(q)?;
    let open = inner.rfind(q)?;
    Some(inner[open + 1..].to_string()).filter(|p| looks_like_profile(p))
}

fn quoted(text: &str) -> Option<String> {
    let q = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &text[1..];
    let end = body.find(q)?;
    Some(body[..end].to_string()).filter(|p| looks_like_profile(p))
}

fn looks_like_profile(p: &str) -> bool {
    crate::mig::catalog::parse_profile_name(p).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cel_profiles_are_read_either_way_round() {
        for expr in [
            "device.attributes['gpu.nvidia.com'].profile == '1g.5gb'",
            "device.attributes[\"gpu.nvidia.com\"].profile==\"1g.5gb\"",
            "device.attributes['gpu.nvidia.com']['profile'] == '1g.5gb'",
            "'1g.5gb' == device.attributes['gpu.nvidia.com'].profile",
        ] {
            assert_eq!(profile_of_cel(expr).as_deref(), Some("1g.5gb"), "{expr}");
        }
        assert_eq!(
            profile_of_cel(
                "device.capacity['gpu.nvidia.com'].memory.isGreaterThan(quantity('10Gi'))"
            ),
            None
        );
    }

    #[test]
    fn pending_pods_ask_by_resource_or_single_product() {
        let pod = |resource: &str, selector: Value| {
            json!({"metadata": {"name": "p", "namespace": "ml"},
                "spec": {"nodeSelector": selector, "containers": [{"resources": {"limits": {resource: "2"}}}]},
                "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                    "message": "0/3 nodes are available: 3 Insufficient nvidia.com/mig-3g.20gb."}]}})
        };
        let w = wants_of_pod(&pod("nvidia.com/mig-3g.20gb", json!({})));
        assert_eq!(
            (w[0].profile.as_str(), w[0].count, w[0].via),
            ("3g.20gb", 2, Via::MigResource)
        );
        assert!(w[0].reason.as_deref().unwrap().contains("Insufficient"));
        let single = json!({"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"});
        let w = wants_of_pod(&pod("nvidia.com/gpu", single));
        assert_eq!(
            (w[0].profile.as_str(), w[0].via),
            ("1g.5gb", Via::SingleGpu)
        );
        assert!(
            wants_of_pod(&pod("nvidia.com/gpu", json!({}))).is_empty(),
            "a whole GPU"
        );
    }

    #[test]
    fn unallocated_mig_claims_with_a_profile_selector_are_wanted() {
        let claim = json!({"metadata": {"name": "c", "namespace": "ml"},
            "spec": {"devices": {"requests": [{"name": "mig", "exactly": {"deviceClassName": "mig.nvidia.com", "count": 2,
                "selectors": [{"cel": {"expression": "device.attributes['gpu.nvidia.com'].profile == '2g.10gb'"}}]}}]}}});
        let w = wants_of_claim(&claim, Some("infer"), None);
        assert_eq!(
            (w[0].pod.as_str(), w[0].profile.as_str(), w[0].count),
            ("ml/infer", "2g.10gb", 2)
        );
    }
}

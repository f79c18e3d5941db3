//! Where a test pod can go and what it must ask for: the MIG devices the cluster offers, the
//! profile to use, the resource name its nodes' strategy gives it, the node selection and the
//! tolerations. Pure: works on a describe [`Report`] and the nodes' taints.

use crate::mig::strategy::{self, Strategy};
use crate::model::node::{NodeInfo, Taint};
pub use crate::model::offers::{offered_summary, offers, Offer};
use std::collections::BTreeSet;

/// What the pod will ask for and where it may go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The profile.
    pub profile: String,
    /// The strategy of the nodes it targets.
    pub strategy: Strategy,
    /// The resource name to request.
    pub resource: String,
    /// Product label values that pin a single-strategy pod to nodes cut into this profile.
    pub products: Vec<String>,
    /// Nodes that can take it now (free ≥ count).
    pub nodes: Vec<String>,
    /// Through a DRA claim (`mig.nvidia.com`) rather than an extended resource.
    pub dra: bool,
}

/// Why no placement could be made (the message lists what the cluster offers), and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoPlacement {
    /// What is missing.
    pub why: String,
    /// The next step.
    pub next: &'static str,
}

const OTHER_FLAGS: &str =
    "pick another --profile or --count, or pass --force to create the pod anyway";
const OFFERED: &str = "pick one of the offered profiles, or pass --force to create the pod anyway";

impl NoPlacement {
    fn flags(why: String) -> Self {
        NoPlacement {
            why,
            next: OTHER_FLAGS,
        }
    }
}

/// Chooses the profile (given, or the smallest with a free device) and the strategy whose
/// nodes have room for `count` devices on one node.
// Long: the choice is one ordered set of rules (named profile, free devices, strategy,
// smallest first); kept together so the order stays visible.
pub fn choose(
    offers: &[Offer],
    profile: Option<&str>,
    count: i64,
    only: Option<Strategy>,
) -> Result<Placement, NoPlacement> {
    let usable: Vec<&Offer> = offers
        .iter()
        .filter(|o| only.is_none_or(|s| o.strategy == s))
        .collect();
    let all: Vec<Offer> = usable.iter().map(|o| (*o).clone()).collect();
    let summary = offered_summary(&all);
    let profiles: BTreeSet<(u32, u32, String)> = match profile {
        Some(p) => {
            if !usable.iter().any(|o| o.profile == p) {
                let scope = only.map_or(String::new(), |s| format!(" with the {s} strategy"));
                return Err(NoPlacement {
                    why: format!("no node offers MIG profile {p}{scope} ({summary})"),
                    next: OFFERED,
                });
            }
            [strategy::profile_order(p)].into()
        }
        None => usable
            .iter()
            .map(|o| strategy::profile_order(&o.profile))
            .collect(),
    };
    for (_, _, p) in &profiles {
        // Mixed names the profile in the resource itself; prefer it when both exist.
        for s in [Strategy::Mixed, Strategy::Single] {
            let mut fitting: Vec<&&Offer> = usable
                .iter()
                .filter(|o| &o.profile == p && o.strategy == s && o.free >= count)
                .collect();
            if fitting.is_empty() {
                continue;
            }
            // A device of its own before a shared slot of one, the device plugin's before DRA's;
            // one resource name per pod.
            fitting.sort_by_key(|o| (o.shared, o.dra));
            let resource = fitting[0].resource.clone();
            fitting.retain(|o| o.resource == resource);
            let products: BTreeSet<String> = usable
                .iter()
                .filter(|o| &o.profile == p && o.strategy == Strategy::Single)
                .filter_map(|o| o.product.clone())
                .collect();
            return Ok(Placement {
                dra: fitting[0].dra,
                profile: p.clone(),
                strategy: s,
                resource,
                products: if s == Strategy::Single {
                    products.into_iter().collect()
                } else {
                    Vec::new()
                },
                nodes: fitting.iter().map(|o| o.node.clone()).collect(),
            });
        }
    }
    if profile.is_none() && usable.is_empty() {
        return Err(NoPlacement {
            why: "no node offers any MIG device".into(),
            next: "enable MIG on the GPUs (kubectl mig plan), install the device plugin with a MIG strategy (kubectl mig install --strategy single|mixed), then check kubectl mig describe",
        });
    }
    Err(NoPlacement::flags(match profile {
        Some(p) => {
            let best = usable
                .iter()
                .filter(|o| o.profile == p)
                .max_by_key(|o| o.free)
                .expect("profile is offered");
            format!(
                "no node has {count} free {} (the most on one node is {} on {}: {} allocatable, {} requested; {summary})",
                best.resource, best.free, best.node, best.allocatable, best.requested
            )
        }
        None => format!("no node has {count} free MIG device(s) of any profile ({summary})"),
    }))
}

/// Tolerations for every NoSchedule/NoExecute taint of these nodes, deduplicated.
pub fn tolerations_for(nodes: &[&NodeInfo]) -> Vec<Taint> {
    let mut set: BTreeSet<(String, Option<String>, String)> = BTreeSet::new();
    for node in nodes {
        for t in &node.taints {
            set.insert((
                t.key.clone(),
                t.value.clone().filter(|v| !v.is_empty()),
                t.effect.clone(),
            ));
        }
    }
    set.into_iter()
        .map(|(key, value, effect)| Taint { key, value, effect })
        .collect()
}

/// The taints GPU nodes commonly carry (AKS GPU pools' `sku=gpu`, the GPU Operator's
/// `nvidia.com/gpu`), tolerated by a pod printed without a cluster to ask.
pub fn common_gpu_tolerations() -> Vec<Taint> {
    vec![
        Taint {
            key: "nvidia.com/gpu".into(),
            value: None,
            effect: "NoSchedule".into(),
        },
        Taint {
            key: "sku".into(),
            value: Some("gpu".into()),
            effect: "NoSchedule".into(),
        },
    ]
}

/// A toleration that cannot be parsed; the command line words it with its flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadToleration {
    /// Not `KEY[=VALUE]:EFFECT`.
    #[error("{0:?} is not KEY[=VALUE]:EFFECT (e.g. sku=gpu:NoSchedule)")]
    Shape(String),
    /// An effect Kubernetes does not know.
    #[error("{0:?} has an effect other than NoSchedule, PreferNoSchedule or NoExecute")]
    Effect(String),
}

/// Parses a toleration written `KEY[=VALUE]:EFFECT`.
pub fn parse_toleration(text: &str) -> Result<Taint, BadToleration> {
    let bad = || BadToleration::Shape(text.to_string());
    let (kv, effect) = text.rsplit_once(':').ok_or_else(bad)?;
    if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        return Err(BadToleration::Effect(text.to_string()));
    }
    let (key, value) = match kv.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (kv, None),
    };
    if key.is_empty() {
        return Err(bad());
    }
    Ok(Taint {
        key: key.to_string(),
        value,
        effect: effect.to_string(),
    })
}

/// A plain-words reason for a pod that stays Pending, from the cluster's current offers of the
/// placement's profile under its resource name, and a hint when the other strategy offers it.
pub fn explain_pending(offers: &[Offer], place: &Placement, count: i64) -> String {
    let resource = place.resource.as_str();
    let matching: Vec<&Offer> = offers
        .iter()
        .filter(|o| o.resource == resource && o.profile == place.profile)
        .collect();
    let mut why = if matching.is_empty() {
        format!(
            "no node advertises {} as {resource} ({})",
            place.profile,
            offered_summary(offers)
        )
    } else if matching.iter().all(|o| !o.usable) {
        let nodes: Vec<&str> = matching.iter().map(|o| o.node.as_str()).collect();
        format!(
            "every node with {} as {resource} is cordoned or not ready ({})",
            place.profile,
            nodes.join(", ")
        )
    } else {
        let usable = matching.iter().filter(|o| o.usable);
        let (allocatable, requested) = usable.fold((0i64, 0i64), |(a, r), o| {
            (
                a.saturating_add(o.allocatable),
                r.saturating_add(o.requested),
            )
        });
        format!("no node has {count} free {resource} ({allocatable} allocatable, {requested} requested)")
    };
    let other: Vec<&Offer> = offers
        .iter()
        .filter(|o| o.profile == place.profile && o.strategy != place.strategy && o.free > 0)
        .collect();
    if let Some(first) = other.first() {
        let free = other.iter().fold(0i64, |sum, o| sum.saturating_add(o.free));
        why.push_str(&format!(
            "; nodes that run the {} strategy offer {} as {} ({free} free): use --strategy {}, or let kubectl mig run pick",
            first.strategy, place.profile, first.resource, first.strategy
        ));
    }
    why
}

/// Every `nvidia.com/gpu.product` value a single-strategy node cut into `profile` can carry,
/// from the catalog (with and without the `NVIDIA-` prefix that older drivers omit).
pub fn catalog_single_products(profile: &str) -> Vec<String> {
    let mut out = Vec::new();
    for gpu in crate::mig::catalog::gpus()
        .iter()
        .filter(|g| g.profile(profile).is_some())
    {
        for product in gpu.products {
            out.push(format!("NVIDIA-{product}-MIG-{profile}"));
            out.push(format!("{product}-MIG-{profile}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[path = "placement_tests.rs"]
mod tests;

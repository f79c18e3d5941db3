//! What MIG devices the cluster offers to a new pod, per node and profile, from a report: what
//! `run` chooses from and completion suggests. Pure.

use crate::mig::strategy::{self, Strategy};
use crate::model::capacity::Report;
use std::collections::BTreeMap;

/// One node's offer of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The node.
    pub node: String,
    /// The MIG profile, e.g. `1g.5gb`.
    pub profile: String,
    /// The node's strategy (single or mixed).
    pub strategy: Strategy,
    /// The resource a pod must request for it there.
    pub resource: String,
    /// Allocatable devices.
    pub allocatable: i64,
    /// Requested devices.
    pub requested: i64,
    /// Free devices, 0 when the node is cordoned or not ready.
    pub free: i64,
    /// False when the node is cordoned or not ready.
    pub usable: bool,
    /// The node's `nvidia.com/gpu.product` label.
    pub product: Option<String>,
    /// Slots of a shared device (time-slicing, MPS) rather than devices of their own.
    pub shared: bool,
    /// A DRA device class (`mig.nvidia.com/<profile>`), requested through a claim.
    pub dra: bool,
}

/// Every MIG device offer in the report.
pub fn offers(report: &Report) -> Vec<Offer> {
    let mut out = Vec::new();
    for node in &report.nodes {
        let usable = node.schedulable && node.ready != Some(false);
        for r in &node.resources {
            // DRA classes name the profile in the request, as the mixed strategy's resources do.
            let dra_profile = r.dra.as_ref().and(r.profile.clone());
            let (profile, strategy) = match strategy::profile_of_resource(&r.name) {
                _ if r.dra.is_some() => match dra_profile {
                    Some(p) => (p, Strategy::Mixed),
                    None => continue,
                },
                Some(p) => (p.to_string(), Strategy::Mixed),
                None if node.strategy == Strategy::Single => match r.profile.as_deref() {
                    Some(p) => (p.to_string(), Strategy::Single),
                    None => continue,
                },
                None => continue,
            };
            if r.allocatable <= 0 {
                continue;
            }
            out.push(Offer {
                node: node.name.clone(),
                profile,
                strategy,
                resource: r.name.clone(),
                allocatable: r.allocatable,
                requested: r.requested,
                free: if usable { r.free } else { 0 },
                usable,
                product: node.gpu_product.clone(),
                shared: r.sharing.is_some(),
                dra: r.dra.is_some(),
            });
        }
    }
    out
}

/// Free devices per profile across the cluster, smallest profile first, for messages.
pub fn offered_summary(offers: &[Offer]) -> String {
    let mut free: BTreeMap<(u32, u32, String), (String, i64)> = BTreeMap::new();
    for o in offers {
        let e = free
            .entry(strategy::profile_order(&o.profile))
            .or_insert_with(|| (o.profile.clone(), 0));
        e.1 = e.1.saturating_add(o.free);
    }
    if free.is_empty() {
        return "no node offers any MIG device".into();
    }
    let parts: Vec<String> = free
        .values()
        .map(|(p, n)| format!("{p} ({n} free)"))
        .collect();
    format!("offered: {}", parts.join(", "))
}

//! Exact placements from NVIDIA's DRA driver: each MIG device names its GPU and start slot
//! (`gpu-<minor>-mig-<profile>-<giProfileId>-<start>`, driver v25.12+), and a device carved on
//! demand (dynamic MIG) consumes the counters `memory-slice-<i>` of its GPU's counter set.
//! Allocated devices are used, with the pods their claims are reserved for. Static devices are
//! instances whether used or not; carved ones exist only while allocated.

use super::{GpuView, Instance, LayoutSource};
use crate::mig::catalog::{self, Gpu};
use crate::model::dra::{allocations, newest, Claim, Device, Inventory, Slice};
use std::collections::{BTreeMap, HashMap};

/// A node's GPUs through DRA, or why its devices do not tell the placements.
#[derive(Debug, Clone)]
pub struct NodeDra {
    /// The GPUs, each with its catalog model.
    pub gpus: super::layouts::Placed,
}

/// The GPUs of every node with NVIDIA DRA devices.
pub fn gpus_by_node(inventory: &Inventory) -> HashMap<String, NodeDra> {
    let allocated = allocations(&inventory.claims);
    let mut by_node: BTreeMap<&str, Vec<(&Slice, &Device)>> = BTreeMap::new();
    for s in newest(&inventory.slices) {
        if let Some(node) = &s.node {
            by_node
                .entry(node)
                .or_default()
                .extend(s.devices.iter().map(|d| (s, d)));
        }
    }
    by_node
        .into_iter()
        .filter(|(_, devices)| !devices.is_empty())
        .map(|(node, devices)| {
            let gpus = node_gpus(&devices, &allocated);
            (node.to_string(), NodeDra { gpus })
        })
        .collect()
}

type Allocated<'a> = HashMap<(String, String), Vec<&'a Claim>>;

fn node_gpus(devices: &[(&Slice, &Device)], allocated: &Allocated<'_>) -> super::layouts::Placed {
    let mut by_gpu: BTreeMap<u32, Vec<(&Slice, &Device)>> = BTreeMap::new();
    for (s, d) in devices {
        let index = gpu_index(&d.name).ok_or_else(|| {
            format!(
                "DRA device {} does not name its GPU (gpu-<index>-...), so placements are unknown",
                d.name
            )
        })?;
        by_gpu.entry(index).or_default().push((s, d));
    }
    by_gpu
        .into_iter()
        .map(|(index, devices)| one_gpu(index, &devices, allocated))
        .collect()
}

/// `gpu-3-mig-1g5gb-19-2` → 3.
fn gpu_index(name: &str) -> Option<u32> {
    name.strip_prefix("gpu-")?.split('-').next()?.parse().ok()
}

fn one_gpu(
    index: u32,
    devices: &[(&Slice, &Device)],
    allocated: &Allocated<'_>,
) -> Result<(GpuView, &'static Gpu), String> {
    let product = devices
        .iter()
        .find_map(|(_, d)| d.attr("productName"))
        .unwrap_or_default();
    let gpu = catalog::gpu_for_product(product).ok_or_else(|| {
        format!(
            "GPU {index}'s model ({product:?}) is not in the catalog, so its slices are unknown"
        )
    })?;
    let partitionable = devices.iter().any(|(_, d)| !d.consumes.is_empty());
    let mut view = GpuView {
        index,
        model: gpu.model.to_string(),
        layout_source: LayoutSource::Dra,
        mig_enabled: devices.iter().any(|(_, d)| d.kind() == "mig"),
        memory_slices: gpu.memory_slices,
        instances: Vec::new(),
        free_slices: None,
        largest_free_profile: None,
    };
    for (s, d) in devices {
        let claims = allocated.get(&(s.pool.clone(), d.name.clone()));
        if claims.is_none() && (partitionable || d.kind() != "mig") {
            continue;
        }
        if d.kind() != "mig" {
            // A whole GPU allocated from the same counters (Hopper and later) takes every slice.
            if partitionable {
                view.instances
                    .push(instance("gpu", 0, gpu.memory_slices, claims));
            }
            continue;
        }
        let profile = d.attr("profile").unwrap_or_default();
        let (start, size) = placement(d, gpu).ok_or_else(|| {
            format!(
                "DRA device {} does not say where it starts (driver older than v25.12?), so placements are unknown",
                d.name
            )
        })?;
        view.instances.push(instance(profile, start, size, claims));
    }
    view.instances.sort_by_key(|i| i.start);
    Ok((view, gpu))
}

fn instance(profile: &str, start: u32, size: u32, claims: Option<&Vec<&Claim>>) -> Instance {
    let mut pods: Vec<String> = claims
        .into_iter()
        .flatten()
        .flat_map(|c| {
            c.reserved_for
                .iter()
                .map(|p| format!("{}/{p}", c.namespace))
        })
        .collect();
    pods.sort();
    pods.dedup();
    Instance {
        profile: profile.to_string(),
        start,
        size,
        used: Some(claims.is_some()),
        pods,
    }
}

/// Start and size: the `memory-slice-<i>` counters a carved device consumes, else the start in
/// a static device's name and its profile's size in the catalog.
fn placement(d: &Device, gpu: &Gpu) -> Option<(u32, u32)> {
    let slices: Vec<u32> = d
        .consumes
        .iter()
        .flat_map(|(_, counters)| counters.iter())
        .filter(|(_, n)| **n > 0)
        .filter_map(|(name, _)| name.strip_prefix("memory-slice-")?.parse().ok())
        .collect();
    if let (Some(start), Some(end)) = (slices.iter().min(), slices.iter().max()) {
        return Some((*start, end - start + 1));
    }
    let profile = gpu.profile(d.attr("profile")?)?;
    let start: u32 = d.name.rsplit('-').next()?.parse().ok()?;
    let valid = profile.placements.is_none_or(|p| p.contains(&start));
    (valid && start + profile.memory_slices <= gpu.memory_slices)
        .then_some((start, profile.memory_slices))
}

//! Whether a MIG manager layout fits a node, and what the node advertises under it: the GPU
//! model and its PCI ids against the layout's `device-filter`, every profile against the
//! catalog, and the node's strategy (several profiles under `single` are MIG-INVALID). Pure.

use crate::mig::catalog::Gpu;
use crate::mig::mig_parted::{self, Config, GpuLayout};
use crate::mig::strategy::{self, Devices, Strategy, COUNT_LABEL, PRODUCT_LABEL};
use crate::model::node::NodeInfo;
use std::collections::BTreeMap;

/// What a layout does to a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The catalog model of the node's GPUs.
    pub model: &'static str,
    /// The layout per GPU.
    pub gpus: Vec<GpuLayout>,
    /// The node's strategy.
    pub strategy: Strategy,
    /// What the device plugin advertises afterwards (allocatable per resource).
    pub advertised: BTreeMap<String, i64>,
    /// Under `single`, a layout it cannot serve (GFD's `-MIG-INVALID`: nothing advertised).
    pub invalid: bool,
}

pub use crate::model::node_gpus::{node_gpu, physical_gpus};

/// Whether one GPU can hold `devices`: the catalog's placement rules (`mig::layout::fits`), or,
/// for GPUs whose placements NVIDIA does not publish, its counts and slices alone.
pub fn fits_gpu(gpu: &Gpu, devices: &BTreeMap<String, u32>) -> Result<(), String> {
    let layout: Vec<(&str, u32)> = devices.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    match crate::mig::layout::fits(gpu, &layout) {
        Ok(_) | Err(crate::mig::layout::LayoutError::PlacementsUnpublished { .. }) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// What the device plugin advertises for `gpus` under `strategy`, and whether `single` finds the
/// layout invalid (several profiles, an empty MIG GPU, or MIG and whole GPUs side by side).
pub fn advertised(strategy: Strategy, gpus: &[GpuLayout]) -> (BTreeMap<String, i64>, bool) {
    let mut devices = Devices {
        gpus: gpus.len() as i64,
        whole: gpus.iter().filter(|g| !g.mig_enabled).count() as i64,
        empty_mig: gpus.iter().any(|g| g.mig_enabled && g.devices.is_empty()),
        ..Default::default()
    };
    for g in gpus.iter().filter(|g| g.mig_enabled) {
        for (p, n) in &g.devices {
            *devices
                .profiles
                .entry(mig_parted::resource_profile(p))
                .or_default() += i64::from(*n);
        }
    }
    strategy::advertised(strategy, &devices)
}

/// Checks `layout` of `config` against `node`; the error says why it does not fit.
pub fn evaluate(node: &NodeInfo, config: &Config, layout: &str) -> Result<Evaluation, String> {
    let entries = config.layouts.get(layout).ok_or_else(|| {
        let names: Vec<&str> = config.layouts.keys().map(String::as_str).collect();
        format!(
            "there is no layout {layout:?} (the MIG manager has {})",
            names.join(", ")
        )
    })?;
    let gpu = node_gpu(node)?;
    let count = physical_gpus(node, config).ok_or_else(|| {
        format!(
            "cannot tell how many GPUs node {} has ({COUNT_LABEL} is missing or 0)",
            node.name
        )
    })?;
    let product = node
        .labels
        .get(PRODUCT_LABEL)
        .map(String::as_str)
        .unwrap_or("");
    let ids = crate::mig::pci::ids_for_product(product);
    let walked = mig_parted::walk(entries, count, &ids);
    let covered = walked.iter().filter(|g| g.is_some()).count();
    if covered == 0 {
        return Err(format!(
            "layout {layout} has no entry for a {} (PCI id {}): the MIG manager would change nothing on it",
            gpu.name,
            ids.join(" or ")
        ));
    }
    if covered < walked.len() {
        return Err(format!(
            "layout {layout} covers {covered} of the node's {count} GPUs; the others would keep a layout kubectl mig cannot see"
        ));
    }
    let gpus: Vec<GpuLayout> = walked.into_iter().flatten().collect();
    for (i, g) in gpus.iter().enumerate().filter(|(_, g)| g.mig_enabled) {
        fits_gpu(gpu, &g.devices)
            .map_err(|why| format!("layout {layout} does not fit GPU {i}: {why}"))?;
    }
    let strategy = crate::model::strategy::detect(node).0;
    let (advertised, invalid) = advertised(strategy, &gpus);
    Ok(Evaluation {
        model: gpu.model,
        gpus,
        strategy,
        advertised,
        invalid,
    })
}

/// The NVIDIA device resources a node advertises now (allocatable; shared slots left out).
pub fn advertised_now(node: &NodeInfo) -> BTreeMap<String, i64> {
    node.allocatable
        .iter()
        .filter(|(k, _)| strategy::ResourceKind::parse(k).is_some_and(|kind| !kind.is_shared()))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// Whether the node advertises what the layout promises: every promised count, and nothing
/// else above zero.
pub fn delivers(node: &NodeInfo, promised: &BTreeMap<String, i64>) -> bool {
    let now = advertised_now(node);
    promised
        .iter()
        .all(|(k, v)| now.get(k).copied().unwrap_or(0) == *v)
        && now.iter().all(|(k, v)| *v == 0 || promised.contains_key(k))
}

#[cfg(test)]
#[path = "layout_fit_tests.rs"]
mod tests;

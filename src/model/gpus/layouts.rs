//! Placements derived from a layout rather than read: the GPU Operator MIG manager's layout
//! (`nvidia.com/mig.config` in its ConfigMap, walked over the node's GPUs as mig-parted does) and
//! an AKS MIG pool's one profile on every GPU, each placed with `mig::layout::fits` on the catalog
//! GPU. The device plugin counts the pods on a profile but does not say which instance each
//! holds, so an instance is marked used only when the node's requests decide it.

use super::{GpuView, Instance, ManagerLayouts, ProfileUse};
use crate::mig::catalog::Gpu;
use crate::mig::mig_parted::{self, GpuLayout};
use crate::mig::strategy::{MIG_CONFIG_LABEL, MIG_CONFIG_STATE_LABEL, PRODUCT_LABEL};
use crate::model::capacity::NodeReport;
use crate::model::node::NodeInfo;
use crate::model::node_gpus::{node_gpu, physical_gpus};
use std::collections::BTreeMap;

/// GPUs with their catalog model, or why the source cannot place them.
pub type Placed = Result<Vec<(GpuView, &'static Gpu)>, String>;

/// The GPUs as the MIG manager's layout cuts them, when the node has one (`None` otherwise).
pub fn from_manager(
    node: &NodeInfo,
    report: &NodeReport,
    layouts: Option<&ManagerLayouts>,
) -> Option<Placed> {
    let label = |k: &str| node.labels.get(k).map(String::as_str);
    let layout = label(MIG_CONFIG_LABEL)?;
    Some((|| {
        let (source, config) = layouts
            .ok_or("the MIG manager's layouts were not read")?
            .as_ref()
            .map_err(Clone::clone)?;
        if let Some(state) = label(MIG_CONFIG_STATE_LABEL).filter(|s| *s != "success") {
            return Err(format!(
                "the MIG manager has not applied layout {layout} (state {state}), so its placements may not be the GPUs' yet"
            ));
        }
        let entries = config
            .layouts
            .get(layout)
            .ok_or_else(|| format!("layout {layout} is not in {source}"))?;
        let gpu = node_gpu(node)?;
        let count = physical_gpus(node, config).ok_or_else(|| {
            format!("the node's GPU count is unknown, so layout {layout} cannot be walked")
        })?;
        let ids = crate::mig::pci::ids_for_product(label(PRODUCT_LABEL).unwrap_or(""));
        let mut gpus = Vec::new();
        for (i, g) in mig_parted::walk(entries, count, &ids)
            .into_iter()
            .enumerate()
        {
            let g = g.ok_or_else(|| format!("layout {layout} has no entry for GPU {i}"))?;
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let view = place(gpu, index, &g)
                .map_err(|why| format!("layout {layout} does not place GPU {i}: {why}"))?;
            gpus.push((view, gpu));
        }
        mark_used(&mut gpus, report);
        Ok(gpus)
    })())
}

/// The GPUs of an AKS MIG pool (VM size and one advertised profile on every GPU), when the node
/// is one (`None` otherwise).
pub fn from_aks(node: &NodeInfo, report: &NodeReport) -> Option<Placed> {
    let label = |k: &str| node.labels.get(k).map(String::as_str);
    if label(crate::mig::aks::ACCELERATOR_LABEL) != Some("nvidia")
        || label(MIG_CONFIG_LABEL).is_some()
    {
        return None;
    }
    let vm = label("node.kubernetes.io/instance-type")?;
    let size = crate::mig::aks::vm_size(vm)?;
    let gpu = size.gpu()?;
    let rows: Vec<_> = report
        .resources
        .iter()
        .filter(|r| r.sharing.is_none() && r.allocatable > 0)
        .collect();
    let [row] = rows.as_slice() else {
        return None;
    };
    let profile = gpu.profile(row.profile.as_deref()?)?;
    let aks_makes = crate::mig::aks::profiles_for(gpu)
        .iter()
        .any(|g| g.profile_on(gpu).is_some_and(|p| p.name == profile.name));
    if !aks_makes {
        return None;
    }
    let expected = crate::mig::aks::expected_instances(size.name, profile.name)?;
    Some((|| {
        if i64::from(expected) != row.allocatable {
            return Err(format!(
                "an AKS {} pool cut into {} offers {expected} devices but the node advertises {}, so not every GPU has the pool's layout",
                size.name, profile.name, row.allocatable
            ));
        }
        let per_gpu = GpuLayout {
            mig_enabled: true,
            devices: [(profile.name.to_string(), profile.max_instances.unwrap_or(0))].into(),
        };
        let mut gpus = Vec::new();
        for index in 0..size.gpu_count {
            gpus.push((place(gpu, index, &per_gpu)?, gpu));
        }
        mark_used(&mut gpus, report);
        Ok(gpus)
    })())
}

/// One GPU's instances where `mig::layout::fits` puts them.
fn place(gpu: &'static Gpu, index: u32, layout: &GpuLayout) -> Result<GpuView, String> {
    let mut view = GpuView {
        index,
        model: gpu.model.to_string(),
        layout_source: super::LayoutSource::Gfd,
        mig_enabled: layout.mig_enabled,
        memory_slices: gpu.memory_slices,
        instances: Vec::new(),
        free_slices: None,
        largest_free_profile: None,
    };
    if !layout.mig_enabled || layout.devices.is_empty() {
        return Ok(view);
    }
    let wanted: Vec<(&str, u32)> = layout
        .devices
        .iter()
        .map(|(p, n)| (p.as_str(), *n))
        .collect();
    let placement = crate::mig::layout::fits(gpu, &wanted).map_err(|e| e.to_string())?;
    view.instances = placement
        .instances
        .iter()
        .map(|i| Instance {
            profile: i.profile.to_string(),
            start: i.start,
            size: i.memory_slices,
            used: None,
            pods: Vec::new(),
        })
        .collect();
    Ok(view)
}

/// Marks instances used where the node's requests decide it: none of a profile requested means
/// every instance of it is idle, all of them requested means every one is used; in between,
/// which ones is unknown.
fn mark_used(gpus: &mut [(GpuView, &'static Gpu)], report: &NodeReport) {
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for i in gpus.iter().flat_map(|(g, _)| &g.instances) {
        *totals.entry(i.profile.clone()).or_default() += 1;
    }
    for (profile, total) in totals {
        let asked = requested(report, &profile);
        let used = match asked {
            n if n <= 0 => Some(false),
            n if n >= total => Some(true),
            _ => None,
        };
        for i in gpus.iter_mut().flat_map(|(g, _)| &mut g.instances) {
            if i.profile == profile {
                i.used = used;
            }
        }
    }
}

/// What pods on the node request of `profile` (the catalog's name, or the resource's).
pub fn requested(report: &NodeReport, profile: &str) -> i64 {
    let wanted = mig_parted::resource_profile(profile);
    report
        .resources
        .iter()
        .filter(|r| r.sharing.is_none())
        .filter(|r| r.profile.as_deref().map(mig_parted::resource_profile) == Some(wanted.clone()))
        .map(|r| r.requested)
        .sum()
}

/// Counts per profile from the device plugin's (or DRA's) resources: all a node without known
/// placements can tell.
pub fn counts_from_report(report: &NodeReport) -> Vec<ProfileUse> {
    let mut out: BTreeMap<(u32, u32, String), ProfileUse> = BTreeMap::new();
    for r in report.resources.iter().filter(|r| r.sharing.is_none()) {
        let Some(profile) = &r.profile else { continue };
        let e = out
            .entry(crate::mig::strategy::profile_order(profile))
            .or_insert_with(|| ProfileUse {
                profile: profile.clone(),
                total: 0,
                used: 0,
            });
        e.total += r.allocatable;
        e.used += r.requested;
    }
    out.into_values().collect()
}

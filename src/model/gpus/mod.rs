//! The per-GPU picture of a node (`describe --gpus`): each GPU's MIG instances by start slot,
//! which are in use, its free memory slices and the largest profile they still hold, and per node
//! the stranded slices. Placements come from the best source a node has: DRA ResourceSlices
//! (exact, with allocations), the GPU Operator MIG manager's layout, an AKS MIG pool's uniform
//! layout, else GFD's counts (placement unknown, nothing guessed). Pure.

mod dra;
mod layouts;
mod slices;

pub use super::gpu_view::{GpuView, Instance, LayoutSource, NodeGpus, ProfileUse};

use crate::mig::catalog::Gpu;
use crate::mig::mig_parted::Config;
use crate::model::capacity::{NodeReport, Report};
use crate::model::dra::Inventory;
use crate::model::node::NodeInfo;
use std::collections::{BTreeMap, HashMap};

/// What the MIG manager's layouts are for one node: the parsed config with its source, or why
/// it could not be read.
pub type ManagerLayouts = Result<(String, std::sync::Arc<Config>), String>;

/// The sources beside the nodes and the report.
#[derive(Default)]
pub struct Sources<'a> {
    /// DRA slices and claims.
    pub dra: Option<&'a Inventory>,
    /// The MIG manager's layouts per node (only nodes with `nvidia.com/mig.config`).
    pub layouts: HashMap<String, ManagerLayouts>,
}

/// Adds the per-GPU picture to every node of `report`.
pub fn attach(report: &mut Report, nodes: &[NodeInfo], sources: &Sources<'_>) {
    let wanted = wanted_profiles(report);
    let by_name: HashMap<&str, &NodeInfo> = nodes.iter().map(|n| (n.name.as_str(), n)).collect();
    let dra = sources.dra.map(dra::gpus_by_node).unwrap_or_default();
    for node_report in &mut report.nodes {
        let Some(node) = by_name.get(node_report.name.as_str()) else {
            continue;
        };
        let picture = picture(node, node_report, dra.get(&node.name), sources, &wanted);
        node_report.gpus = Some(picture);
    }
}

/// The profiles pods on the described nodes hold (device plugin or DRA).
fn wanted_profiles(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .nodes
        .iter()
        .flat_map(|n| &n.resources)
        .filter(|r| r.requested > 0 && r.sharing.is_none())
        .filter_map(|r| r.profile.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn picture(
    node: &NodeInfo,
    report: &NodeReport,
    dra: Option<&dra::NodeDra>,
    sources: &Sources<'_>,
    wanted: &[String],
) -> NodeGpus {
    let mut notes = Vec::new();
    if let Some(d) = dra {
        match &d.gpus {
            Ok(gpus) => return finish(LayoutSource::Dra, gpus.clone(), notes, wanted, report),
            Err(why) => notes.push(why.clone()),
        }
    }
    match layouts::from_manager(node, report, sources.layouts.get(&node.name)) {
        Some(Ok(gpus)) => return finish(LayoutSource::MigManager, gpus, notes, wanted, report),
        Some(Err(why)) => notes.push(why),
        None => {}
    }
    match layouts::from_aks(node, report) {
        Some(Ok(gpus)) => return finish(LayoutSource::Aks, gpus, notes, wanted, report),
        Some(Err(why)) => notes.push(why),
        None => {}
    }
    NodeGpus {
        layout_source: LayoutSource::Gfd,
        layout_note: Some(join_notes(
            notes,
            "the node publishes counts only, not which GPU holds which instance",
        )),
        gpus: Vec::new(),
        profile_use: layouts::counts_from_report(report),
        stranded_slices: None,
        largest_free_profile: None,
        physical_gpus: crate::model::node_gpus::physical_gpus(node, &Config::default()),
        model: crate::model::node_gpus::node_gpu(node)
            .ok()
            .map(|g| g.model),
    }
}

fn join_notes(mut notes: Vec<String>, last: &str) -> String {
    notes.push(last.to_string());
    notes.join("; ")
}

/// Free slices, largest free profiles and stranded slices of GPUs whose instances are known.
fn finish(
    source: LayoutSource,
    mut gpus: Vec<(GpuView, &'static Gpu)>,
    notes: Vec<String>,
    wanted: &[String],
    report: &NodeReport,
) -> NodeGpus {
    let mut stranded = Some(0u32);
    for (view, gpu) in &mut gpus {
        view.layout_source = source;
        let s = slices::fill(view, gpu, wanted);
        stranded = stranded.zip(s).map(|(a, b)| a + b);
    }
    let largest = gpus
        .iter()
        .filter_map(|(v, g)| Some((v.largest_free_profile.as_deref()?, *g)))
        .filter_map(|(name, g)| g.profile(name))
        .max_by_key(|p| (p.memory_slices, p.compute_slices))
        .map(|p| p.name.to_string());
    let views: Vec<GpuView> = gpus.into_iter().map(|(v, _)| v).collect();
    let any_unknown = views
        .iter()
        .any(|v| v.mig_enabled && v.free_slices.is_none());
    NodeGpus {
        layout_source: source,
        layout_note: (!notes.is_empty() || any_unknown).then(|| {
            let last = if any_unknown {
                "the device plugin does not say which instances its pods hold, so GPUs with some of a profile's instances in use show them as unknown (?)"
            } else {
                ""
            };
            let mut notes = notes;
            if !last.is_empty() {
                notes.push(last.into());
            }
            notes.join("; ")
        }),
        profile_use: profile_use(&views, report),
        gpus: views,
        stranded_slices: stranded,
        largest_free_profile: largest,
        physical_gpus: None,
        model: None,
    }
}

/// Instances per profile and how many are in use: counted on the instances where each one's use
/// is known, else the node's requests of that profile (the device plugin counts, not places).
fn profile_use(gpus: &[GpuView], report: &NodeReport) -> Vec<ProfileUse> {
    let mut out: BTreeMap<(u32, u32, String), (ProfileUse, bool)> = BTreeMap::new();
    for i in gpus.iter().flat_map(|g| &g.instances) {
        let (e, unknown) = out
            .entry(crate::mig::strategy::profile_order(&i.profile))
            .or_insert_with(|| {
                let p = ProfileUse {
                    profile: i.profile.clone(),
                    total: 0,
                    used: 0,
                };
                (p, false)
            });
        e.total += 1;
        e.used += i64::from(i.used == Some(true));
        *unknown |= i.used.is_none();
    }
    out.into_values()
        .map(|(mut p, unknown)| {
            if unknown {
                p.used = layouts::requested(report, &p.profile).clamp(0, p.total);
            }
            p
        })
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

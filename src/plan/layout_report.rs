//! The text report of `kubectl mig plan --layout`.

use crate::error::Result;
use crate::mig::layout::PlacedInstance;
use crate::mig::parted_render;
use crate::output::io_error;
use crate::plan::layout::{LayoutPlan, Status};
use crate::plan::profiles::write_columns;
use crate::plan::report::{indent, write_managed};
use std::io::Write;

/// Writes the report, section after section, in the order a user reads it.
pub(crate) fn write_layout_report(out: &mut dyn Write, plan: &LayoutPlan) -> Result<()> {
    let mut text = header(plan);
    if plan.status == Status::DoesNotFit {
        if !plan.nearest.is_empty() {
            text.push_str("\nNearest layouts that fit:\n");
            let rows: Vec<Vec<String>> = plan
                .nearest
                .iter()
                .map(|n| vec![n.layout.clone(), n.change.clone()])
                .collect();
            text.push_str(&columns(&["LAYOUT", "CHANGE"], &rows)?);
        }
        return out.write_all(text.as_bytes()).map_err(io_error);
    }
    text.push('\n');
    text.push_str(&profiles_table(plan)?);
    text.push('\n');
    for s in &plan.strategies {
        let what = if s.supported {
            let per: Vec<String> = s
                .resources
                .iter()
                .map(|r| match r.per_node {
                    Some(n) => format!("{}: {n} per node", r.name),
                    None => format!("{}: {} per GPU", r.name, r.per_gpu),
                })
                .collect();
            per.join(", ")
        } else {
            format!(
                "cannot serve this layout: {}",
                s.reason.as_deref().unwrap_or("")
            )
        };
        text.push_str(&format!("{:<7} {what}\n", format!("{}:", s.strategy)));
    }
    if let Some(mp) = &plan.mig_parted {
        let products = mp
            .device_filter_products
            .map(|g| format!(" (device-filter: NVIDIA's PCI ids for {g})"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\nGPU Operator MIG manager: add this config to the mig-parted ConfigMap that ClusterPolicy \
             spec.migManager.config.name names (key config.yaml){products}, then label the nodes:\n  {}\n{}\n",
            mp.label_command,
            indent(parted_render::to_yaml(&mp.config).trim_end())
        ));
    }
    if let Some(aks) = &plan.aks {
        text.push_str(
            "\nAKS: --gpu-instance-profile cuts every GPU into one profile; a layout of several \
             needs the managed GPU experience's migProfiles (REST API only; no az flag for it is \
             documented), or the GPU Operator's MIG manager above.\n",
        );
        if !aks.undocumented_profiles.is_empty() {
            text.push_str(&format!(
                "  AKS documents no MIG<n>g value that becomes {} on {}, so no migProfiles request \
                 is printed.\n",
                aks.undocumented_profiles.join(", "),
                plan.gpu.model
            ));
        }
        write_managed(&mut text, &aks.managed_gpu)?;
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

fn header(plan: &LayoutPlan) -> String {
    let gpu = &plan.gpu;
    let mut text = format!("GPU:        {} ({})\n", gpu.name, gpu.model);
    if let (Some(size), Some(gpus)) = (&plan.vm_size, plan.gpus_per_node) {
        let nodes = plan.node_count.unwrap_or(1);
        let unit = if nodes == 1 { "node" } else { "nodes" };
        text.push_str(&format!(
            "VM size:    {size} ({gpus} GPUs per node, {nodes} {unit})\n"
        ));
    }
    let verdict = match plan.status {
        Status::Fits => "fits",
        Status::DoesNotFit => "does not fit",
        Status::Unchecked => "not checked",
    };
    text.push_str(&format!("Layout:     {} {verdict}\n", plan.layout));
    if let Some(reason) = &plan.reason {
        text.push_str(&format!("Why:        {reason}\n"));
    }
    if let Some(p) = &plan.placement {
        let at: Vec<String> = p.instances.iter().map(PlacedInstance::describe).collect();
        text.push_str(&format!(
            "Placement:  {}\nUses:       {}/{} compute slices, {}/{} memory slices\n",
            at.join(", "),
            p.compute_slices,
            gpu.compute_slices,
            p.memory_slices,
            gpu.memory_slices
        ));
    }
    text
}

fn profiles_table(plan: &LayoutPlan) -> Result<String> {
    let mut header = vec!["PROFILE", "COMPUTE", "MEMORY", "GIB", "PER GPU"];
    let nodes = plan.gpus_per_node.is_some();
    if nodes {
        header.extend(["PER NODE", "IN POOL"]);
    }
    let dash = || "-".to_string();
    let opt = |n: Option<u32>| n.map_or_else(dash, |n| n.to_string());
    let rows: Vec<Vec<String>> = plan
        .profiles
        .iter()
        .map(|p| {
            let mut row = vec![
                p.name.to_string(),
                format!("{}/{}", p.compute_slices, plan.gpu.compute_slices),
                format!("{}/{}", p.memory_slices, plan.gpu.memory_slices),
                p.memory_gib.map_or_else(dash, |g| format!("{g:.2}")),
                p.per_gpu.to_string(),
            ];
            if nodes {
                row.extend([opt(p.per_node), opt(p.pool)]);
            }
            row
        })
        .collect();
    columns(&header, &rows)
}

fn columns(header: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let mut buf = Vec::new();
    write_columns(&mut buf, header, rows)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

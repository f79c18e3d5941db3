//! The text report of `kubectl mig plan` for one GPU instance profile.

use crate::error::{Error, Result};
use crate::output::io_error;
use crate::plan::aks_pool::ManagedGpu;
use crate::plan::planner::Plan;
use crate::plan::profiles::write_columns;
use std::io::Write;

// Long: the report is printed section after section, in the order the user reads it.
pub(crate) fn write_report(out: &mut dyn Write, plan: &Plan) -> Result<()> {
    let p = &plan.mig_profile;
    let id =
        p.id.map_or_else(String::new, |id| format!(" (profile ID {id})"));
    let sms = p
        .multiprocessors
        .map_or_else(String::new, |n| format!(" ({n} SMs)"));
    let gib = p
        .memory_gib
        .map_or_else(String::new, |g| format!(" ({g:.2} GiB)"));
    let nodes = if plan.node_count == 1 {
        "node"
    } else {
        "nodes"
    };
    let mut text = format!(
        "VM size:        {} ({}: {} x {})\n\
         GPU instance:   {} -> MIG {}{id} on every GPU\n\
         Each instance:  {} of the SMs{sms}, {} of the memory{gib}\n\
         Instances:      {} per GPU, {} per node, {} in the pool ({} {nodes})\n{}\n",
        plan.vm_size,
        plan.vm_series,
        plan.gpu.count,
        plan.gpu.name,
        plan.gpu_instance_profile,
        p.name,
        p.sm_fraction,
        p.memory_fraction,
        plan.instances.per_gpu,
        plan.instances.per_node,
        plan.instances.pool,
        plan.node_count,
        if p.documented {
            String::new()
        } else {
            format!(
                "Note:           AKS documents which profile MIG<n>g becomes only on A100 40GB (and \
                 MIG1g on A100 80GB); {} is the smallest {}g profile of the {}\n",
                p.name, p.compute_slices, plan.gpu.model
            )
        },
    );
    let rows: Vec<Vec<String>> = plan
        .strategies
        .iter()
        .map(|s| {
            vec![
                s.strategy.to_string(),
                format!("{}: {}", s.resource, s.allocatable_per_node),
                format!("{}: 1", s.resource),
            ]
        })
        .collect();
    let mut table = Vec::new();
    write_columns(
        &mut table,
        &[
            "STRATEGY",
            "KUBECTL DESCRIBE NODE (ALLOCATABLE)",
            "TEST POD LIMITS",
        ],
        &rows,
    )?;
    text.push_str(&String::from_utf8_lossy(&table));
    let body = serde_json::to_string_pretty(&plan.arm.body)
        .map_err(|e| Error::failed(format!("cannot encode the request body: {e}")))?;
    text.push_str(&format!(
        "\nCreate the node pool (the GPU instance profile cannot be changed afterwards):\n  {}\n\n\
         Or with the AKS REST API (api-version {} or later):\n  {} {}\n{}\n\n\
         Or with Terraform (azurerm; changing gpu_instance replaces the pool):\n{}\n\n\
         Then install the device plugin with a MIG strategy and run a test pod:\n",
        plan.az_command,
        plan.arm.api_version,
        plan.arm.method,
        plan.arm.url,
        indent(&body),
        indent(&plan.terraform),
    ));
    for s in &plan.strategies {
        text.push_str(&format!(
            "  {:<7} {} && {}\n",
            format!("{}:", s.strategy),
            s.install_command,
            s.run_command
        ));
    }
    text.push('\n');
    write_managed(&mut text, &plan.managed_gpu)?;
    out.write_all(text.as_bytes()).map_err(io_error)
}

/// The managed GPU experience section: its commands, REST body, requirements and limits.
pub(crate) fn write_managed(text: &mut String, managed: &ManagedGpu) -> Result<()> {
    text.push_str(&format!(
        "Or let AKS install the driver and the device plugin with the MIG strategy: the managed GPU \
         experience (preview; {}):\n",
        managed.source
    ));
    for c in &managed.az_commands {
        text.push_str(&format!(
            "  {:<7} {}\n",
            format!("{}:", c.strategy),
            c.command
        ));
    }
    if let Some(arm) = &managed.arm {
        let body = serde_json::to_string_pretty(&arm.body)
            .map_err(|e| Error::failed(format!("cannot encode the request body: {e}")))?;
        text.push_str(&format!(
            "  With the AKS REST API (api-version {}):\n  {} {}\n{}\n",
            arm.api_version,
            arm.method,
            arm.url,
            indent(&body)
        ));
    }
    text.push_str(&format!(
        "  Needs: {}.\n  Limits: {}.\n",
        managed.requirements.join("; "),
        managed.limits.join("; ")
    ));
    Ok(())
}

pub(crate) fn indent(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
    lines.join("\n")
}

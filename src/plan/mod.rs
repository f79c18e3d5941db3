//! `kubectl mig plan`: what an AKS GPU node pool with a MIG instance profile will give, or what a
//! MIG layout gives and whether it fits.

mod aks_pool;
mod args;
mod fewest;
mod layout;
mod layout_report;
mod pending;
mod pending_report;
mod planner;
pub mod profiles;
mod report;

pub use args::{PlanArgs, EXAMPLES};

use crate::error::{Error, Result};
use crate::output::{self, Format};
use crate::plan::layout::{build_layout, Status};
use crate::plan::layout_report::write_layout_report;
use crate::plan::planner::build;
use crate::plan::report::write_report;
use std::io::Write;

/// Runs `kubectl mig plan`: one GPU instance profile for an AKS pool, or a layout with
/// `--layout` (which fails, after printing why and the nearest layouts, when it does not fit).
pub fn run(args: &PlanArgs, out: &mut dyn Write) -> Result<()> {
    if !args.files.is_empty() {
        return Err(Error::usage(
            "-f reads the pending pods of a capture and goes with --for-pending; add it",
        ));
    }
    if args.gpu.is_some() && args.layout.is_none() {
        return Err(Error::usage(
            "--gpu goes with --layout or --for-pending; add one of them",
        ));
    }
    if let Some(request) = args.layout_request() {
        let plan = build_layout(&request)?;
        match args.output {
            Format::Table | Format::Wide => write_layout_report(out, &plan)?,
            Format::Json | Format::Yaml => output::write_data(out, args.output, &plan)?,
        }
        if plan.status == Status::DoesNotFit {
            let next = if plan.nearest.is_empty() {
                format!(
                    "change it (kubectl mig profiles --gpu {} lists the profiles)",
                    plan.gpu.model
                )
            } else {
                "try one of the nearest layouts printed".to_string()
            };
            return Err(Error::failed(format!(
                "layout {} does not fit {} {}: {}; {next}",
                plan.layout,
                crate::mig::layout::article(plan.gpu.model),
                plan.gpu.model,
                plan.reason.as_deref().unwrap_or("no placement")
            )));
        }
        return Ok(());
    }
    let plan = build(&args.request()?)?;
    match args.output {
        Format::Table | Format::Wide => write_report(out, &plan),
        Format::Json | Format::Yaml => output::write_data(out, args.output, &plan),
    }
}

/// Runs `kubectl mig plan --for-pending`: the cluster's first read in plan.
pub async fn run_for_pending(
    global: &crate::cluster::ConnectOptions,
    args: &PlanArgs,
    out: &mut dyn Write,
    msgs: &crate::output::messages::Messages,
) -> Result<()> {
    let gpu = match &args.gpu {
        Some(model) => Some(crate::mig::catalog::find_gpu(model).ok_or_else(|| {
            Error::usage(format!(
                "unknown GPU model {model:?}; kubectl mig profiles lists the models"
            ))
        })?),
        None => None,
    };
    let input = if args.files.is_empty() {
        let cluster = crate::cluster::connect(global).await?;
        crate::snapshot::pending::read(&cluster).await?
    } else {
        let capture = crate::snapshot::capture::read_files(&args.files)?;
        crate::snapshot::pending::from_capture(capture)
    };
    if input.wants.is_empty() {
        msgs.say("No pending pod asks for MIG devices: nothing to plan.");
        if matches!(args.output, Format::Table | Format::Wide) {
            return Ok(());
        }
    }
    let report = input.snapshot.report();
    let plan = pending::build(
        input.wants,
        &input.snapshot.nodes,
        &report,
        &input.layouts,
        gpu,
    );
    match args.output {
        Format::Table | Format::Wide => out
            .write_all(pending_report::render(&plan).as_bytes())
            .map_err(output::io_error),
        Format::Json | Format::Yaml => output::write_data(out, args.output, &plan),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::aks::{self, GpuInstanceProfile};
    use crate::mig::catalog;
    use crate::plan::planner::*;

    fn args(size: &str, profile: &str, nodes: u32) -> planner::PoolRequest {
        planner::PoolRequest {
            vm_size: size.to_string(),
            gpu_instance_profile: profile.to_string(),
            node_count: nodes,
            ..Default::default()
        }
    }

    /// Every AKS size with MIG x every profile. Instances per GPU from the NVIDIA MIG User Guide's
    /// tables, GPUs per VM from the Azure size pages; products worked out by hand.
    #[test]
    fn every_supported_size_and_profile() {
        #[rustfmt::skip]
        let table: &[(&str, [(&str, u32); 5])] = &[
            ("Standard_ND96asr_v4", [("1g.5gb", 56), ("2g.10gb", 24), ("3g.20gb", 16), ("4g.20gb", 8), ("7g.40gb", 8)]),
            ("Standard_ND96amsr_A100_v4", [("1g.10gb", 56), ("2g.20gb", 24), ("3g.40gb", 16), ("4g.40gb", 8), ("7g.80gb", 8)]),
            ("Standard_NC24ads_A100_v4", [("1g.10gb", 7), ("2g.20gb", 3), ("3g.40gb", 2), ("4g.40gb", 1), ("7g.80gb", 1)]),
            ("Standard_NC48ads_A100_v4", [("1g.10gb", 14), ("2g.20gb", 6), ("3g.40gb", 4), ("4g.40gb", 2), ("7g.80gb", 2)]),
            ("Standard_NC96ads_A100_v4", [("1g.10gb", 28), ("2g.20gb", 12), ("3g.40gb", 8), ("4g.40gb", 4), ("7g.80gb", 4)]),
            ("Standard_NC40ads_H100_v5", [("1g.12gb", 7), ("2g.24gb", 3), ("3g.47gb", 2), ("4g.47gb", 1), ("7g.94gb", 1)]),
            ("Standard_NC80adis_H100_v5", [("1g.12gb", 14), ("2g.24gb", 6), ("3g.47gb", 4), ("4g.47gb", 2), ("7g.94gb", 2)]),
            ("Standard_ND96isr_H100_v5", [("1g.10gb", 56), ("2g.20gb", 24), ("3g.40gb", 16), ("4g.40gb", 8), ("7g.80gb", 8)]),
            ("Standard_ND96isr_H200_v5", [("1g.18gb", 56), ("2g.35gb", 24), ("3g.71gb", 16), ("4g.71gb", 8), ("7g.141gb", 8)]),
        ];
        let mig_sizes = aks::vm_sizes().iter().filter(|s| s.mig_supported()).count();
        assert_eq!(table.len(), mig_sizes, "every MIG size is in the table");
        for (size, expected) in table {
            for (gip, (profile, per_node)) in GpuInstanceProfile::ALL.iter().zip(expected) {
                let plan = build(&args(size, gip.as_str(), 3)).unwrap();
                let ctx = format!("{size} {}", gip.as_str());
                assert_eq!(plan.mig_profile.name, *profile, "{ctx}");
                assert_eq!(plan.instances.per_node, *per_node, "{ctx}");
                assert_eq!(plan.instances.pool, per_node * 3, "{ctx}");
                assert_eq!(plan.strategies[0].resource, "nvidia.com/gpu");
                assert_eq!(
                    plan.strategies[1].resource,
                    format!("nvidia.com/mig-{profile}")
                );
                assert_eq!(aks::expected_instances(size, gip.as_str()), Some(*per_node));
            }
        }
    }

    #[test]
    fn a100_40gb_mig1g_reads_like_the_aks_guide() {
        let plan = build(&args("nd96asr_v4", "mig1g", 1)).unwrap();
        assert_eq!(plan.vm_size, "Standard_ND96asr_v4");
        assert_eq!(plan.gpu_instance_profile, "MIG1g");
        assert_eq!(
            (
                plan.mig_profile.sm_fraction.as_str(),
                plan.mig_profile.memory_fraction.as_str()
            ),
            ("1/7", "1/8")
        );
        let mut out = Vec::new();
        write_report(&mut out, &plan).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("nvidia.com/gpu: 56"), "{text}");
        assert!(text.contains("nvidia.com/mig-1g.5gb: 56"), "{text}");
        assert!(text.contains(
            "az aks nodepool add --resource-group <resource-group> --cluster-name <cluster-name> \
             --name <pool-name> --node-vm-size Standard_ND96asr_v4 --node-count 1 \
             --gpu-instance-profile MIG1g"
        ), "{text}");
        assert!(
            text.contains("/agentPools/<pool-name>?api-version=2021-08-01"),
            "{text}"
        );
        assert!(text
            .contains("kubectl mig install --strategy mixed && kubectl mig run --profile 1g.5gb"));
        assert!(!text.contains("--node-size") && !text.contains("--resourcegroup"));
    }

    #[test]
    fn names_fill_the_commands() {
        let mut a = args("Standard_NC24ads_A100_v4", "MIG3g", 2);
        a.resource_group = Some("rg(prod).eu".into());
        a.cluster_name = Some("my-aks".into());
        a.pool_name = Some("mig3g".into());
        let plan = build(&a).unwrap();
        assert!(plan
            .az_command
            .contains("--resource-group 'rg(prod).eu' --cluster-name my-aks --name mig3g"));
        assert!(plan.arm.url.ends_with("/resourceGroups/rg(prod).eu/providers/Microsoft.ContainerService/managedClusters/my-aks/agentPools/mig3g?api-version=2021-08-01"));
        let body = serde_json::to_value(&plan.arm.body).unwrap();
        assert_eq!(body["properties"]["count"], 2);
        assert_eq!(body["properties"]["vmSize"], "Standard_NC24ads_A100_v4");
        assert_eq!(body["properties"]["gpuInstanceProfile"], "MIG3g");
    }

    #[test]
    fn errors_are_usage_errors_that_list_the_valid_values() {
        let err = |a: planner::PoolRequest| {
            let e = build(&a).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            e.to_string()
        };
        let e = err(args("Standard_X1", "MIG1g", 1));
        assert!(
            e.starts_with("unknown VM size \"Standard_X1\"") && e.contains("Standard_ND96asr_v4"),
            "{e}"
        );
        let e = err(args("Standard_NC6s_v3", "MIG1g", 1));
        assert!(
            e.contains("V100") && e.contains("no MIG") && e.contains("Standard_ND96isr_H200_v5"),
            "{e}"
        );
        let e = err(args("Standard_ND96asr_v4", "MIG5g", 1));
        assert!(e.contains("MIG1g, MIG2g, MIG3g, MIG4g, MIG7g"), "{e}");
        let mut a = args("Standard_ND96asr_v4", "MIG1g", 1);
        a.pool_name = Some("aksMigNode".into());
        assert!(err(a).contains("lowercase"));
        let mut a = args("Standard_ND96asr_v4", "MIG1g", 1);
        a.cluster_name = Some("my aks".into());
        assert!(err(a).contains("cluster name"));
        assert!(err(args("Standard_ND96asr_v4", "MIG1g", 1001)).contains("1000"));
        let a30 = catalog::find_gpu("A30").unwrap();
        let e = mig_profile(a30, GpuInstanceProfile::Mig3g)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "NVIDIA A30 24GB has no MIG3g profile; use one of MIG1g, MIG2g, MIG4g"
        );
    }
}

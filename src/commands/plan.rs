//! `kubectl mig plan`: what an AKS GPU node pool with a MIG instance profile will give.

use crate::aks::{self, GpuInstanceProfile, VmSize};
use crate::catalog::{Gpu, Profile};
use crate::commands::profiles::write_columns;
use crate::error::{Error, Result};
use crate::output::{self, io_error, Format};
use clap::Args;
use serde::Serialize;
use std::io::Write;

/// Examples shown in `kubectl mig plan --help`.
pub const EXAMPLES: &str = "\
Examples:
  # 8 x A100 40GB cut into 1g.5gb instances, 3 nodes
  kubectl mig plan --vm-size Standard_ND96asr_v4 --gpu-instance-profile MIG1g --node-count 3

  # With the az command filled in
  kubectl mig plan --vm-size Standard_NC24ads_A100_v4 --gpu-instance-profile MIG3g \\
      --resource-group my-rg --cluster-name my-aks --name migpool";

/// Flags of `kubectl mig plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The AKS VM size of the node pool (e.g. Standard_ND96asr_v4).
    #[arg(long, value_name = "SIZE")]
    pub vm_size: String,
    /// The AKS GPU instance profile: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g.
    #[arg(long, value_name = "PROFILE")]
    pub gpu_instance_profile: String,
    /// Number of nodes in the pool.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub node_count: u32,
    /// The AKS cluster name, for the generated commands.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// The Azure resource group, for the generated commands.
    #[arg(long, value_name = "RG")]
    pub resource_group: Option<String>,
    /// The node pool name, for the generated commands.
    #[arg(long = "name", value_name = "POOL")]
    pub pool_name: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// The oldest AKS API version that accepts `gpuInstanceProfile` (AKS multi-instance GPU guide).
const MIN_API_VERSION: &str = "2021-08-01";
/// AKS's limit of nodes per node pool.
const MAX_NODES: u32 = 1000;

/// Runs `kubectl mig plan`.
pub fn run(args: &PlanArgs, out: &mut dyn Write) -> Result<()> {
    let plan = build(args)?;
    match args.output {
        Format::Table | Format::Wide => write_report(out, &plan),
        Format::Json | Format::Yaml => output::write_data(out, args.output, &plan),
    }
}

/// What `plan -o json|yaml` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Plan {
    vm_size: String,
    vm_series: String,
    gpu: PlanGpu,
    gpu_instance_profile: String,
    mig_profile: PlanProfile,
    node_count: u32,
    instances: Instances,
    strategies: Vec<StrategyPlan>,
    az_command: String,
    arm: ArmRequest,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanGpu {
    model: String,
    name: String,
    count: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanProfile {
    name: String,
    id: Option<u32>,
    compute_slices: u32,
    compute_slices_total: u32,
    memory_slices: u32,
    memory_slices_total: u32,
    sm_fraction: String,
    memory_fraction: String,
    #[serde(rename = "memoryGiB")]
    memory_gib: Option<f64>,
    multiprocessors: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Instances {
    per_gpu: u32,
    per_node: u32,
    pool: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StrategyPlan {
    strategy: &'static str,
    /// The extended resource the device plugin advertises and pods request.
    resource: String,
    allocatable_per_node: u32,
    install_command: String,
    run_command: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArmRequest {
    method: &'static str,
    url: String,
    api_version: &'static str,
    body: ArmBody,
}

#[derive(Debug, Serialize)]
struct ArmBody {
    properties: ArmProperties,
}

/// The agent pool properties; `mode` is required when calling the API directly (AKS system pool
/// guide), `gpuInstanceProfile` needs api-version 2021-08-01 or later.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArmProperties {
    count: u32,
    vm_size: String,
    #[serde(rename = "type")]
    pool_type: &'static str,
    mode: &'static str,
    os_type: &'static str,
    gpu_instance_profile: String,
}

fn build(args: &PlanArgs) -> Result<Plan> {
    let size = aks::vm_size(&args.vm_size).ok_or_else(|| {
        Error::usage(format!(
            "unknown VM size {:?}; AKS sizes with MIG: {}",
            args.vm_size,
            mig_sizes()
        ))
    })?;
    let gpu = size.gpu().ok_or_else(|| {
        Error::usage(format!(
            "{} has {} GPUs, which have no MIG; AKS sizes with MIG: {}",
            size.name,
            size.gpu_name,
            mig_sizes()
        ))
    })?;
    let gip = GpuInstanceProfile::parse(&args.gpu_instance_profile).ok_or_else(|| {
        Error::usage(format!(
            "unknown GPU instance profile {:?}; use one of {}",
            args.gpu_instance_profile,
            profile_list(&GpuInstanceProfile::ALL)
        ))
    })?;
    let profile = mig_profile(gpu, gip)?;
    if args.node_count > MAX_NODES {
        return Err(Error::usage(format!(
            "--node-count {} is more than the {MAX_NODES} nodes an AKS node pool can have",
            args.node_count
        )));
    }
    if let Some(pool) = &args.pool_name {
        aks::validate_pool_name(pool).map_err(Error::usage)?;
    }
    if let Some(cluster) = &args.cluster_name {
        validate_name(cluster, "cluster name", 63, "-_")?;
    }
    if let Some(rg) = &args.resource_group {
        validate_name(rg, "resource group", 90, "-_.()")?;
    }
    Ok(assemble(args, size, gpu, gip, profile))
}

/// The MIG profile `gip` becomes on `gpu`, or a usage error listing the ones it has.
fn mig_profile(gpu: &Gpu, gip: GpuInstanceProfile) -> Result<&'static Profile> {
    gip.profile_on(gpu).ok_or_else(|| {
        Error::usage(format!(
            "{} has no {} profile; use one of {}",
            gpu.name,
            gip.as_str(),
            profile_list(&aks::profiles_for(gpu))
        ))
    })
}

fn assemble(
    args: &PlanArgs,
    size: &VmSize,
    gpu: &Gpu,
    gip: GpuInstanceProfile,
    profile: &Profile,
) -> Plan {
    // The same lookup describe uses to compare a node's allocatable with what the pool promises.
    let per_node = aks::expected_instances(size.name, gip.as_str())
        .unwrap_or(profile.max_instances * size.gpu_count);
    let rg = args.resource_group.as_deref().unwrap_or("<resource-group>");
    let cluster = args.cluster_name.as_deref().unwrap_or("<cluster-name>");
    let pool = args.pool_name.as_deref().unwrap_or("<pool-name>");
    // `--node-vm-size` and `--resource-group`: an old public AKS MIG guide wrote `--node-size`
    // and `--resourcegroup`, which `az aks nodepool add` rejects.
    let az_command = format!(
        "az aks nodepool add --resource-group {} --cluster-name {} --name {} --node-vm-size {} \
         --node-count {} --gpu-instance-profile {}",
        shell_word(rg),
        shell_word(cluster),
        shell_word(pool),
        size.name,
        args.node_count,
        gip.as_str()
    );
    let url = format!(
        "/subscriptions/<subscription-id>/resourceGroups/{rg}/providers/\
         Microsoft.ContainerService/managedClusters/{cluster}/agentPools/{pool}\
         ?api-version={MIN_API_VERSION}"
    );
    let run_command = format!("kubectl mig run --profile {}", profile.name);
    let strategy = |strategy: &'static str, resource: String| StrategyPlan {
        strategy,
        resource,
        allocatable_per_node: per_node,
        install_command: format!("kubectl mig install --strategy {strategy}"),
        run_command: run_command.clone(),
    };
    Plan {
        vm_size: size.name.to_string(),
        vm_series: size.series.to_string(),
        gpu: PlanGpu {
            model: gpu.model.to_string(),
            name: size.gpu_name.to_string(),
            count: size.gpu_count,
        },
        gpu_instance_profile: gip.as_str().to_string(),
        mig_profile: PlanProfile {
            name: profile.name.to_string(),
            id: profile.id,
            compute_slices: profile.compute_slices,
            compute_slices_total: gpu.compute_slices,
            memory_slices: profile.memory_slices,
            memory_slices_total: gpu.memory_slices,
            sm_fraction: format!("{}/{}", profile.compute_slices, gpu.compute_slices),
            memory_fraction: format!("{}/{}", profile.memory_slices, gpu.memory_slices),
            memory_gib: profile.memory_gib,
            multiprocessors: profile.multiprocessors,
        },
        node_count: args.node_count,
        instances: Instances {
            per_gpu: profile.max_instances,
            per_node,
            pool: per_node * args.node_count,
        },
        strategies: vec![
            // single: every MIG device is a plain GPU; mixed: one resource per profile, named
            // `nvidia.com/mig-<profile>` (the AKS guide's prose drops the dash; its describe
            // output and pod spec have it).
            strategy("single", "nvidia.com/gpu".to_string()),
            strategy("mixed", format!("nvidia.com/mig-{}", profile.name)),
        ],
        az_command,
        arm: ArmRequest {
            method: "PUT",
            url,
            api_version: MIN_API_VERSION,
            body: ArmBody {
                properties: ArmProperties {
                    count: args.node_count,
                    vm_size: size.name.to_string(),
                    pool_type: "VirtualMachineScaleSets",
                    mode: "User",
                    os_type: "Linux",
                    gpu_instance_profile: gip.as_str().to_string(),
                },
            },
        },
    }
}

fn write_report(out: &mut dyn Write, plan: &Plan) -> Result<()> {
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
         Instances:      {} per GPU, {} per node, {} in the pool ({} {nodes})\n\n",
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
         Then install the device plugin with a MIG strategy and run a test pod:\n",
        plan.az_command,
        plan.arm.api_version,
        plan.arm.method,
        plan.arm.url,
        indent(&body),
    ));
    for s in &plan.strategies {
        text.push_str(&format!(
            "  {:<7} {} && {}\n",
            format!("{}:", s.strategy),
            s.install_command,
            s.run_command
        ));
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

fn indent(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
    lines.join("\n")
}

fn mig_sizes() -> String {
    let names: Vec<&str> = aks::vm_sizes()
        .iter()
        .filter(|s| s.mig_supported())
        .map(|s| s.name)
        .collect();
    names.join(", ")
}

fn profile_list(profiles: &[GpuInstanceProfile]) -> String {
    let names: Vec<&str> = profiles.iter().map(|p| p.as_str()).collect();
    names.join(", ")
}

/// Azure names: letters, digits and the `extra` punctuation, `max` characters at most.
fn validate_name(value: &str, what: &str, max: usize, extra: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.chars().count() <= max
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
    if ok {
        return Ok(());
    }
    let extra: Vec<String> = extra.chars().map(String::from).collect();
    Err(Error::usage(format!(
        "{what} {value:?} is not valid on Azure: use 1 to {max} letters, digits or {}",
        extra.join(" ")
    )))
}

/// Quotes a value for a POSIX shell when it has characters the shell would interpret.
fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.<>".contains(c);
    if value.chars().all(plain) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn args(size: &str, profile: &str, nodes: u32) -> PlanArgs {
        PlanArgs {
            vm_size: size.to_string(),
            gpu_instance_profile: profile.to_string(),
            node_count: nodes,
            cluster_name: None,
            resource_group: None,
            pool_name: None,
            output: Format::Table,
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
        let err = |a: PlanArgs| {
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

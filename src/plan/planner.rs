//! The plan of an AKS MIG node pool: what a VM size cut into a GPU instance profile gives, the
//! resource names under each strategy, and the commands that create it. Pure: no I/O.

use crate::error::{Error, Result};
use crate::mig::aks::managed;
use crate::mig::aks::{self, GpuInstanceProfile, VmSize};
use crate::mig::catalog::{Gpu, Profile};
use crate::mig::strategy::Strategy;
use crate::plan::aks_pool::{self, ManagedGpu, PoolNames};
use serde::Serialize;

/// The oldest AKS API version that accepts `gpuInstanceProfile` (AKS multi-instance GPU guide).
pub(crate) const MIN_API_VERSION: &str = "2021-08-01";
/// AKS's limit of nodes per node pool.
pub(crate) const MAX_NODES: u32 = 1000;

/// What `plan -o json|yaml` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Plan {
    pub(crate) vm_size: String,
    pub(crate) vm_series: String,
    pub(crate) gpu: PlanGpu,
    pub(crate) gpu_instance_profile: String,
    pub(crate) mig_profile: PlanProfile,
    pub(crate) node_count: u32,
    pub(crate) instances: Instances,
    pub(crate) strategies: Vec<StrategyPlan>,
    pub(crate) az_command: String,
    pub(crate) arm: ArmRequest,
    /// Where the VM size's GPU model and count come from.
    pub(crate) vm_size_source: &'static str,
    /// The managed GPU experience (preview) way to create the same pool.
    pub(crate) managed_gpu: ManagedGpu,
    /// The same pool with Terraform's azurerm provider.
    pub(crate) terraform: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanGpu {
    pub(crate) model: String,
    pub(crate) name: String,
    pub(crate) count: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanProfile {
    pub(crate) name: String,
    pub(crate) id: Option<u32>,
    pub(crate) compute_slices: u32,
    pub(crate) compute_slices_total: u32,
    pub(crate) memory_slices: u32,
    pub(crate) memory_slices_total: u32,
    pub(crate) sm_fraction: String,
    pub(crate) memory_fraction: String,
    #[serde(rename = "memoryGiB")]
    pub(crate) memory_gib: Option<f64>,
    pub(crate) multiprocessors: Option<u32>,
    /// Whether AKS documents that the GPU instance profile becomes this MIG profile on this GPU
    /// (else kubectl mig reads it as the smallest profile with that many compute slices).
    pub(crate) documented: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Instances {
    pub(crate) per_gpu: u32,
    pub(crate) per_node: u32,
    pub(crate) pool: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StrategyPlan {
    pub(crate) strategy: Strategy,
    /// The extended resource the device plugin advertises and pods request.
    pub(crate) resource: String,
    pub(crate) allocatable_per_node: u32,
    pub(crate) install_command: String,
    pub(crate) run_command: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArmRequest {
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) api_version: &'static str,
    pub(crate) body: ArmBody,
}

#[derive(Debug, Serialize)]
pub(crate) struct ArmBody {
    pub(crate) properties: ArmProperties,
}

/// The agent pool properties; `mode` is required when calling the API directly (AKS system pool
/// guide), `gpuInstanceProfile` needs api-version 2021-08-01 or later.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArmProperties {
    pub(crate) count: u32,
    pub(crate) vm_size: String,
    #[serde(rename = "type")]
    pub(crate) pool_type: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) os_type: &'static str,
    pub(crate) gpu_instance_profile: String,
}

/// What to plan: an AKS node pool, as plain values (the command line maps its flags into it).
#[derive(Debug, Clone, Default)]
pub struct PoolRequest {
    /// The VM size, e.g. `Standard_ND96asr_v4`.
    pub vm_size: String,
    /// `MIG1g` .. `MIG7g`.
    pub gpu_instance_profile: String,
    /// Nodes in the pool.
    pub node_count: u32,
    /// The AKS cluster, for the printed commands.
    pub cluster_name: Option<String>,
    /// Its resource group.
    pub resource_group: Option<String>,
    /// The pool's name.
    pub pool_name: Option<String>,
}

pub(crate) fn build(args: &PoolRequest) -> Result<Plan> {
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
pub(crate) fn mig_profile(gpu: &Gpu, gip: GpuInstanceProfile) -> Result<&'static Profile> {
    gip.profile_on(gpu).ok_or_else(|| {
        Error::usage(format!(
            "{} has no {} profile; use one of {}",
            gpu.name,
            gip.as_str(),
            profile_list(&aks::profiles_for(gpu))
        ))
    })
}

// Long: fills one plain report struct field by field; each field is a line or two.
pub(crate) fn assemble(
    args: &PoolRequest,
    size: &VmSize,
    gpu: &Gpu,
    gip: GpuInstanceProfile,
    profile: &Profile,
) -> Plan {
    // The same lookup describe uses to compare a node's allocatable with what the pool promises.
    // Every GPU of an AKS MIG size has published counts (a test in aks.rs checks it).
    let per_gpu = profile.max_instances.unwrap_or_default();
    let per_node =
        aks::expected_instances(size.name, gip.as_str()).unwrap_or(per_gpu * size.gpu_count);
    let names = PoolNames::new(
        args.resource_group.as_deref(),
        args.cluster_name.as_deref(),
        args.pool_name.as_deref(),
    );
    // `--node-vm-size` and `--resource-group`: an old public AKS MIG guide wrote `--node-size`
    // and `--resourcegroup`, which `az aks nodepool add` rejects.
    let az_command = format!(
        "{} --gpu-instance-profile {}",
        names.az_add(size, args.node_count),
        gip.as_str()
    );
    let url = names.url(MIN_API_VERSION);
    let run_command = format!("kubectl mig run --profile {}", profile.name);
    let strategy = |strategy: Strategy, resource: String| StrategyPlan {
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
            documented: managed::documented_profile(gpu, gip) == Some(profile.name),
        },
        node_count: args.node_count,
        instances: Instances {
            per_gpu,
            per_node,
            pool: per_node * args.node_count,
        },
        strategies: vec![
            // single: every MIG device is a plain GPU; mixed: one resource per profile, named
            // `nvidia.com/mig-<profile>` (the AKS guide's prose drops the dash; its describe
            // output and pod spec have it).
            strategy(
                Strategy::Single,
                Strategy::Single.resource_for(profile.name),
            ),
            strategy(Strategy::Mixed, Strategy::Mixed.resource_for(profile.name)),
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
        vm_size_source: size.source(),
        managed_gpu: aks_pool::managed_pool(&names, size, args.node_count, gip),
        terraform: aks_pool::terraform(&names, size, args.node_count, gip),
    }
}

pub(crate) fn mig_sizes() -> String {
    let names: Vec<&str> = aks::vm_sizes()
        .iter()
        .filter(|s| s.mig_supported())
        .map(|s| s.name)
        .collect();
    names.join(", ")
}

pub(crate) fn profile_list(profiles: &[GpuInstanceProfile]) -> String {
    let names: Vec<&str> = profiles.iter().map(|p| p.as_str()).collect();
    names.join(", ")
}

/// Azure names: letters, digits and the `extra` punctuation, `max` characters at most.
pub(crate) fn validate_name(value: &str, what: &str, max: usize, extra: &str) -> Result<()> {
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

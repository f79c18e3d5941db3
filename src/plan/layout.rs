//! `plan --layout`: a mixed MIG layout on one GPU model, checked against its placement rules, and
//! what it gives per GPU, node and pool, per strategy, as a MIG manager config and as an AKS
//! managed pool. Pure: no I/O.

use crate::error::{Error, Result};
use crate::mig::aks::{self, managed, GpuInstanceProfile, VmSize};
use crate::mig::catalog::{self, Gpu};
use crate::mig::layout::{self, format_layout, LayoutError, Placement, Suggestion};
use crate::mig::parted_render::{self, RenderedConfig};
use crate::mig::strategy::Strategy;
use crate::plan::aks_pool::{self, ManagedGpu, PoolNames};
use crate::plan::planner::{mig_sizes, validate_name, MAX_NODES};
use crate::plan::profiles::known_models;
use serde::Serialize;

/// What to plan, as plain values (the command line maps its flags into it).
#[derive(Debug, Clone, Default)]
pub struct LayoutRequest {
    /// `1g.10gb=2,2g.20gb=1,3g.40gb=1`.
    pub layout: String,
    /// A catalog GPU model, when no VM size is given.
    pub gpu: Option<String>,
    /// An AKS VM size (gives the GPU and GPUs per node).
    pub vm_size: Option<String>,
    /// Nodes in the pool (needs a VM size).
    pub node_count: Option<u32>,
    /// Names for the printed AKS request.
    pub cluster_name: Option<String>,
    /// Its resource group.
    pub resource_group: Option<String>,
    /// The pool's name.
    pub pool_name: Option<String>,
}

/// Whether the layout fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Status {
    Fits,
    DoesNotFit,
    /// NVIDIA publishes no placements for the GPU: counts and slices are within it.
    Unchecked,
}

/// What `plan --layout -o json|yaml` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutPlan {
    pub(crate) layout: String,
    pub(crate) gpu: LayoutGpu,
    pub(crate) vm_size: Option<String>,
    pub(crate) vm_size_source: Option<&'static str>,
    pub(crate) gpus_per_node: Option<u32>,
    pub(crate) node_count: Option<u32>,
    pub(crate) status: Status,
    pub(crate) reason: Option<String>,
    pub(crate) placement: Option<Placement>,
    pub(crate) profiles: Vec<LayoutProfile>,
    pub(crate) strategies: Vec<LayoutStrategy>,
    pub(crate) nearest: Vec<NearestLayout>,
    pub(crate) mig_parted: Option<MigParted>,
    pub(crate) aks: Option<AksLayout>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutGpu {
    pub(crate) model: &'static str,
    pub(crate) name: &'static str,
    pub(crate) compute_slices: u32,
    pub(crate) memory_slices: u32,
}

/// One profile of the layout and how many instances it gives.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutProfile {
    pub(crate) name: &'static str,
    pub(crate) compute_slices: u32,
    pub(crate) memory_slices: u32,
    #[serde(rename = "memoryGiB")]
    pub(crate) memory_gib: Option<f64>,
    pub(crate) per_gpu: u32,
    pub(crate) per_node: Option<u32>,
    pub(crate) pool: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutStrategy {
    pub(crate) strategy: Strategy,
    pub(crate) supported: bool,
    pub(crate) reason: Option<String>,
    /// The resources a node advertises, per GPU and per node.
    pub(crate) resources: Vec<ResourceCount>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceCount {
    pub(crate) name: String,
    pub(crate) per_gpu: u32,
    pub(crate) per_node: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NearestLayout {
    pub(crate) layout: String,
    pub(crate) change: String,
    pub(crate) placement: Placement,
}

/// The GPU Operator MIG manager's config for the layout.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MigParted {
    pub(crate) config_name: String,
    /// NVIDIA's comment naming the products its device ids cover.
    pub(crate) device_filter_products: Option<&'static str>,
    pub(crate) label_command: String,
    pub(crate) config: RenderedConfig,
}

/// The layout on AKS: why `--gpu-instance-profile` cannot make it, and the managed pool.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AksLayout {
    /// The `migProfiles` values, when each of the layout's profiles has a documented one.
    pub(crate) mig_profiles: Option<Vec<&'static str>>,
    /// The layout's profiles without a documented `MIG<n>g` value on this GPU.
    pub(crate) undocumented_profiles: Vec<&'static str>,
    pub(crate) managed_gpu: ManagedGpu,
}

/// Checks and plans a layout; a layout that does not fit is a plan too (with its reason and the
/// nearest ones that fit), so the caller prints it before failing.
pub(crate) fn build_layout(req: &LayoutRequest) -> Result<LayoutPlan> {
    let request = layout::parse_layout(&req.layout)
        .map_err(|e| Error::usage(format!("invalid --layout: {e}")))?;
    let (gpu, size) = target(req)?;
    let node_count = match (req.node_count, size) {
        (Some(_), None) => {
            return Err(Error::usage(
                "--node-count needs --vm-size to know the GPUs per node; add --vm-size",
            ))
        }
        (Some(n), Some(_)) if n > MAX_NODES => {
            return Err(Error::usage(format!(
                "--node-count {n} is more than the {MAX_NODES} nodes an AKS node pool can have"
            )))
        }
        (n, Some(_)) => Some(n.unwrap_or(1)),
        (None, None) => None,
    };
    check_names(req)?;
    // Catalog names, largest first, counts added up (aliases become the catalog's name).
    let mut resolved: Vec<(&'static catalog::Profile, u32)> = Vec::new();
    for (name, count) in &request {
        let profile = gpu.profile(name).ok_or_else(|| {
            let known: Vec<&str> = gpu.profiles.iter().map(|p| p.name).collect();
            Error::usage(format!(
                "{} has no MIG profile {name}; its profiles: {} (see kubectl mig profiles --gpu {})",
                gpu.model,
                known.join(", "),
                gpu.model
            ))
        })?;
        match resolved.iter_mut().find(|(p, _)| p.name == profile.name) {
            Some((_, c)) => *c += count,
            None => resolved.push((profile, *count)),
        }
    }
    resolved.sort_by_key(|(p, _)| std::cmp::Reverse((p.memory_slices, p.compute_slices)));
    let names: Vec<(&str, u32)> = resolved.iter().map(|(p, c)| (p.name, *c)).collect();
    let checked = layout::fits(gpu, &names);
    let status = match &checked {
        Ok(_) => Status::Fits,
        Err(LayoutError::PlacementsUnpublished { .. }) => Status::Unchecked,
        Err(_) => Status::DoesNotFit,
    };
    let gpus = size.map(|s| s.gpu_count);
    let per_node = |per_gpu: u32| gpus.map(|g| g * per_gpu);
    let pool = |per_gpu: u32| gpus.zip(node_count).map(|(g, n)| g * n * per_gpu);
    let fits = status != Status::DoesNotFit;
    Ok(LayoutPlan {
        layout: format_layout(&names),
        gpu: LayoutGpu {
            model: gpu.model,
            name: gpu.name,
            compute_slices: gpu.compute_slices,
            memory_slices: gpu.memory_slices,
        },
        vm_size: size.map(|s| s.name.to_string()),
        vm_size_source: size.map(VmSize::source),
        gpus_per_node: gpus,
        node_count,
        status,
        reason: checked.as_ref().err().map(ToString::to_string),
        placement: checked.as_ref().ok().cloned(),
        profiles: resolved
            .iter()
            .map(|(p, c)| LayoutProfile {
                name: p.name,
                compute_slices: p.compute_slices,
                memory_slices: p.memory_slices,
                memory_gib: p.memory_gib,
                per_gpu: *c,
                per_node: per_node(*c),
                pool: pool(*c),
            })
            .collect(),
        strategies: strategies(&names, per_node),
        nearest: layout::nearest(gpu, &names, 3)
            .into_iter()
            .filter(|_| status == Status::DoesNotFit)
            .map(|s: Suggestion| NearestLayout {
                layout: s.layout_text(),
                change: s.change,
                placement: s.placement,
            })
            .collect(),
        mig_parted: fits.then(|| mig_parted(gpu, &names)),
        aks: size
            .filter(|_| fits)
            .map(|size| aks_layout(req, gpu, size, node_count, &resolved)),
    })
}

/// The GPU from `--vm-size` or `--gpu` (both must agree).
fn target(req: &LayoutRequest) -> Result<(&'static Gpu, Option<&'static VmSize>)> {
    let size = match &req.vm_size {
        None => None,
        Some(name) => Some(aks::vm_size(name).ok_or_else(|| {
            Error::usage(format!(
                "unknown VM size {name:?}; AKS sizes with MIG: {}",
                mig_sizes()
            ))
        })?),
    };
    let from_size = match size {
        None => None,
        Some(s) => Some(s.gpu().ok_or_else(|| {
            Error::usage(format!(
                "{} has {} GPUs, which have no MIG; AKS sizes with MIG: {}",
                s.name,
                s.gpu_name,
                mig_sizes()
            ))
        })?),
    };
    let from_flag = match &req.gpu {
        None => None,
        Some(model) => Some(catalog::find_gpu(model).ok_or_else(|| {
            Error::usage(format!(
                "unknown GPU model {model:?}; known models: {}",
                known_models()
            ))
        })?),
    };
    match (from_size, from_flag) {
        (Some(a), Some(b)) if a.model != b.model => Err(Error::usage(format!(
            "--gpu {} does not match --vm-size {}, which has {} GPUs; drop one of them",
            b.model,
            size.map_or("", |s| s.name),
            a.model
        ))),
        (Some(gpu), _) | (None, Some(gpu)) => Ok((gpu, size)),
        (None, None) => Err(Error::usage(
            "--layout needs the GPU: add --gpu MODEL (see kubectl mig profiles) or --vm-size SIZE",
        )),
    }
}

fn check_names(req: &LayoutRequest) -> Result<()> {
    if let Some(pool) = &req.pool_name {
        aks::validate_pool_name(pool).map_err(Error::usage)?;
    }
    if let Some(cluster) = &req.cluster_name {
        validate_name(cluster, "cluster name", 63, "-_")?;
    }
    if let Some(rg) = &req.resource_group {
        validate_name(rg, "resource group", 90, "-_.()")?;
    }
    Ok(())
}

fn strategies(names: &[(&str, u32)], per_node: impl Fn(u32) -> Option<u32>) -> Vec<LayoutStrategy> {
    let single = match names {
        [(_, count)] => LayoutStrategy {
            strategy: Strategy::Single,
            supported: true,
            reason: None,
            resources: vec![ResourceCount {
                name: Strategy::Single.resource_for(names[0].0),
                per_gpu: *count,
                per_node: per_node(*count),
            }],
        },
        _ => LayoutStrategy {
            strategy: Strategy::Single,
            supported: false,
            reason: Some(
                "single needs every MIG device of a node to be one profile (GPU feature \
                 discovery labels a mixed node MIG-INVALID); use mixed"
                    .to_string(),
            ),
            resources: Vec::new(),
        },
    };
    let mixed = LayoutStrategy {
        strategy: Strategy::Mixed,
        supported: true,
        reason: None,
        resources: names
            .iter()
            .map(|(p, c)| ResourceCount {
                name: Strategy::Mixed.resource_for(p),
                per_gpu: *c,
                per_node: per_node(*c),
            })
            .collect(),
    };
    vec![single, mixed]
}

fn mig_parted(gpu: &Gpu, names: &[(&str, u32)]) -> MigParted {
    let config_name = parted_render::config_name(names);
    let entry = parted_render::render_entry(gpu, names);
    MigParted {
        label_command: format!(
            "kubectl label node <node> nvidia.com/mig.config={config_name} --overwrite"
        ),
        device_filter_products: gpu.device_ids.map(|d| d.group),
        config: parted_render::render_config(&config_name, vec![entry]),
        config_name,
    }
}

fn aks_layout(
    req: &LayoutRequest,
    gpu: &Gpu,
    size: &VmSize,
    node_count: Option<u32>,
    resolved: &[(&'static catalog::Profile, u32)],
) -> AksLayout {
    let mut values: Vec<GpuInstanceProfile> = Vec::new();
    let mut undocumented = Vec::new();
    for (p, count) in resolved {
        match managed::documented_value(gpu, p.name) {
            Some(v) => values.extend(std::iter::repeat_n(v, *count as usize)),
            None => undocumented.push(p.name),
        }
    }
    let documented = undocumented.is_empty().then_some(values.as_slice());
    let names = PoolNames::new(
        req.resource_group.as_deref(),
        req.cluster_name.as_deref(),
        req.pool_name.as_deref(),
    );
    AksLayout {
        mig_profiles: documented.map(|v| v.iter().map(|p| p.as_str()).collect()),
        undocumented_profiles: undocumented,
        managed_gpu: aks_pool::managed_layout_pool(
            &names,
            size,
            node_count.unwrap_or(1),
            documented,
        ),
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;

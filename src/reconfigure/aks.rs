//! AKS MIG node pools (`--gpu-instance-profile`): AKS cuts every GPU when it creates the pool
//! and runs no MIG manager, so a pool is re-cut by replacing it. The plan says how, with the
//! counts `kubectl mig plan` gives; kubectl mig never runs az. Pure.

use crate::mig::aks::{self, GpuInstanceProfile, VmSize, ACCELERATOR_LABEL};
use crate::mig::catalog::{self, Gpu};
use crate::mig::strategy::{self, PRODUCT_LABEL};
use crate::model::node::NodeInfo;

/// The AKS node pool label.
pub const AGENTPOOL_LABEL: &str = "kubernetes.azure.com/agentpool";
/// AKS's node resource group label, `MC_<resource group>_<cluster>_<region>`.
const CLUSTER_LABEL: &str = "kubernetes.azure.com/cluster";
const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";

/// A node of an AKS pool whose VM size AKS can cut into MIG instances.
#[derive(Debug, Clone, Copy)]
pub struct Pool<'a> {
    /// The pool's name.
    pub name: &'a str,
    /// Its VM size.
    pub size: &'static VmSize,
    /// The GPU of that size.
    pub gpu: &'static Gpu,
}

/// The AKS MIG pool of `node`, if it is in one.
pub fn pool_of(node: &NodeInfo) -> Option<Pool<'_>> {
    let label = |k: &str| node.labels.get(k).map(String::as_str);
    if label(ACCELERATOR_LABEL) != Some("nvidia") {
        return None;
    }
    let size = aks::vm_size(label(INSTANCE_TYPE_LABEL)?)?;
    Some(Pool {
        name: label(AGENTPOOL_LABEL)?,
        size,
        gpu: size.gpu()?,
    })
}

/// The AKS value a layout asks for: `MIG3g`, or a profile (`3g.20gb`, `all-3g.20gb`) that is what
/// AKS makes of one on `gpu`.
pub fn instance_profile(layout: &str, gpu: &Gpu) -> Result<GpuInstanceProfile, String> {
    if let Some(gip) = GpuInstanceProfile::parse(layout) {
        return Ok(gip);
    }
    let profile = layout.strip_prefix("all-").unwrap_or(layout);
    let slices = catalog::parse_profile_name(profile).map(|p| p.slices);
    let gip = GpuInstanceProfile::ALL
        .into_iter()
        .find(|g| Some(g.slices()) == slices)
        .filter(|g| g.profile_on(gpu).is_some_and(|p| p.name == profile));
    gip.ok_or_else(|| {
        let offered: Vec<String> = aks::profiles_for(gpu)
            .into_iter()
            .filter_map(|g| {
                g.profile_on(gpu)
                    .map(|p| format!("{} ({})", g.as_str(), p.name))
            })
            .collect();
        format!(
            "AKS cannot cut a {} into {layout}; it offers {}",
            gpu.name,
            offered.join(", ")
        )
    })
}

/// What the node's GPUs are cut into now, as AKS names it (`MIG1g (1g.5gb)`), if known.
fn current(node: &NodeInfo, gpu: &Gpu) -> Option<String> {
    let product = node.labels.get(PRODUCT_LABEL)?;
    let profile = strategy::single_profile(product)
        .map(String::from)
        .or_else(|| {
            node.allocatable
                .iter()
                .filter(|(_, n)| **n > 0)
                .find_map(|(r, _)| strategy::profile_of_resource(r).map(String::from))
        })?;
    let gip = instance_profile(&profile, gpu).ok()?;
    Some(format!("{} ({profile})", gip.as_str()))
}

/// `<resource group>` and `<cluster>` from AKS's node resource group label, when it reads plainly.
fn names(node: &NodeInfo) -> (String, String) {
    let parts: Vec<&str> = node
        .labels
        .get(CLUSTER_LABEL)
        .map(|v| v.split('_').collect())
        .unwrap_or_default();
    match parts.as_slice() {
        ["MC", rg, cluster, _region] => (rg.to_string(), cluster.to_string()),
        _ => ("<resource-group>".into(), "<cluster-name>".into()),
    }
}

/// The replacement plan for `node`'s pool of `pool_nodes`, cut into `layout` instead.
pub fn replacement_plan(
    node: &NodeInfo,
    pool_nodes: &[String],
    layout: &str,
) -> Result<String, String> {
    let pool = pool_of(node).ok_or("not an AKS MIG pool")?;
    let gip = instance_profile(layout, pool.gpu)?;
    let profile = gip.profile_on(pool.gpu).ok_or("no such profile")?;
    let per_node = aks::expected_instances(pool.size.name, gip.as_str())
        .unwrap_or(profile.max_instances.unwrap_or(0) * pool.size.gpu_count);
    let count = pool_nodes.len().max(1) as u32;
    let (rg, cluster) = names(node);
    let suffix = format!("{}g", gip.slices());
    let base: String = pool.name.chars().take(12 - suffix.len()).collect();
    let new_pool = Some(format!("{base}{suffix}"))
        .filter(|p| aks::validate_pool_name(p).is_ok() && p != pool.name)
        .unwrap_or_else(|| "<new-pool>".into());
    let now = current(node, pool.gpu).unwrap_or_else(|| "its GPU instance profile".into());
    let mut text = format!(
        "Node {} is in AKS node pool {} ({}, {} x {}, cut as {now}). AKS sets a pool's GPU instance profile when it creates the pool and runs no MIG manager there, so its GPUs cannot be re-cut in place.\n\
         Replacement plan (kubectl mig runs none of it):\n\
         \x20 1. Add a pool cut as {} ({}: {} per GPU, {per_node} per node, {} in a pool of {count}):\n\
         \x20    az aks nodepool add --resource-group {rg} --cluster-name {cluster} --name {new_pool} --node-vm-size {} --node-count {count} --gpu-instance-profile {}\n\
         \x20 2. Move the workloads off the old pool's nodes, one by one:\n",
        node.name, pool.name, pool.size.name, pool.size.gpu_count, pool.size.gpu_name,
        gip.as_str(), profile.name, profile.max_instances.map_or("-".to_string(), |m| m.to_string()), per_node * count,
        pool.size.name, gip.as_str(),
    );
    for n in pool_nodes {
        text.push_str(&format!(
            "       kubectl cordon {n} && kubectl drain {n} --ignore-daemonsets --delete-emptydir-data\n"
        ));
    }
    text.push_str(&format!(
        "  3. Delete the old pool:\n       az aks nodepool delete --resource-group {rg} --cluster-name {cluster} --name {}\n\
         Pods then request {} (single strategy) or {} (mixed), {per_node} per node.\n",
        pool.name,
        strategy::Strategy::Single.resource_for(profile.name),
        strategy::Strategy::Mixed.resource_for(profile.name),
    ));
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> NodeInfo {
        NodeInfo {
            name: "aks-a100single-31485672-vmss000000".into(),
            labels: [
                (ACCELERATOR_LABEL, "nvidia"),
                (INSTANCE_TYPE_LABEL, "Standard_ND96asr_v4"),
                (AGENTPOOL_LABEL, "a100single"),
                (CLUSTER_LABEL, "MC_rg-mig-eastus_aks-mig_eastus"),
                (PRODUCT_LABEL, "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn plans_a_new_pool_with_plans_counts() {
        let nodes = vec!["a".to_string(), "b".to_string()];
        let text = replacement_plan(&node(), &nodes, "all-3g.20gb").unwrap();
        assert!(text.contains("cut as MIG1g (1g.5gb)"), "{text}");
        assert!(
            text.contains("3g.20gb: 2 per GPU, 16 per node, 32 in a pool of 2"),
            "{text}"
        );
        assert!(text.contains("az aks nodepool add --resource-group rg-mig-eastus --cluster-name aks-mig --name a100single3g --node-vm-size Standard_ND96asr_v4 --node-count 2 --gpu-instance-profile MIG3g"), "{text}");
        assert!(text.contains("az aks nodepool delete --resource-group rg-mig-eastus --cluster-name aks-mig --name a100single"), "{text}");
        assert!(
            text.contains("kubectl drain b --ignore-daemonsets"),
            "{text}"
        );
    }

    #[test]
    fn accepts_aks_values_and_profiles_aks_makes() {
        let gpu = catalog::find_gpu("A100-40GB").unwrap();
        assert_eq!(
            instance_profile("MIG2g", gpu),
            Ok(GpuInstanceProfile::Mig2g)
        );
        assert_eq!(
            instance_profile("2g.10gb", gpu),
            Ok(GpuInstanceProfile::Mig2g)
        );
        let err = instance_profile("all-1g.10gb", gpu).unwrap_err();
        assert!(err.contains("MIG1g (1g.5gb)"), "{err}");
    }
}

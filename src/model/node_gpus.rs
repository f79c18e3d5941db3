//! A node's physical GPUs as its labels tell them: the catalog model from GFD's product label, and
//! how many there are (`nvidia.com/gpu.count`, which counts MIG devices under `single`, else the
//! AKS VM size's). Shared by describe's per-GPU picture and reconfigure's checks. Pure.

use crate::mig::catalog::{self, Gpu};
use crate::mig::mig_parted::{self, Config};
use crate::mig::strategy::{self, COUNT_LABEL, MIG_CONFIG_LABEL, PRODUCT_LABEL};
use crate::model::node::NodeInfo;

/// The catalog GPU of a node, from its product label.
pub fn node_gpu(node: &NodeInfo) -> Result<&'static Gpu, String> {
    let product = node
        .labels
        .get(PRODUCT_LABEL)
        .map(String::as_str)
        .unwrap_or("");
    catalog::gpu_for_product(product).ok_or_else(|| {
        if product.is_empty() {
            format!("node {} has no {PRODUCT_LABEL} label, so its GPU model is unknown; wait for GPU feature discovery to label it", node.name)
        } else {
            format!("node {}'s GPU ({product}) is not one kubectl mig knows MIG profiles for (see kubectl mig profiles)", node.name)
        }
    })
}

/// How many physical GPUs the node has: `nvidia.com/gpu.count`, which counts MIG devices under
/// `single` (then divided by the instances per GPU of its current layout), else the AKS VM size's.
pub fn physical_gpus(node: &NodeInfo, config: &Config) -> Option<u32> {
    let label = |k: &str| node.labels.get(k).map(String::as_str);
    let count: Option<u32> = label(COUNT_LABEL).and_then(|c| c.parse().ok());
    let product = label(PRODUCT_LABEL).unwrap_or("");
    let vm_gpus = || {
        label("node.kubernetes.io/instance-type")
            .and_then(crate::mig::aks::vm_size)
            .map(|s| s.gpu_count)
    };
    if strategy::profile_of_product(product).is_none() {
        return count.filter(|c| *c > 0).or_else(vm_gpus);
    }
    let ids = crate::mig::pci::ids_for_product(product);
    let per_gpu = label(MIG_CONFIG_LABEL)
        .and_then(|l| config.layouts.get(l))
        .and_then(|entries| mig_parted::walk(entries, 1, &ids).pop().flatten())
        .map(|g| g.devices.values().sum::<u32>())
        .filter(|n| *n > 0);
    match (count, per_gpu) {
        (Some(c), Some(p)) if c > 0 && c % p == 0 => Some(c / p),
        _ => vm_gpus(),
    }
}

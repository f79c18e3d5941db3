//! PCI device ids of MIG-capable GPUs, as mig-parted's `device-filter` names them
//! (`0x<device><vendor>`, vendor `10DE`).
//!
//! Sources: the GPU Operator's `default-mig-parted-config` (gpu-operator a22dbf671f2e
//! `assets/state-mig-manager/0400_configmap.yaml`, equal to mig-parted's `config-default.yaml`),
//! whose comments group the ids by product family without saying which id is which SKU; and
//! NVIDIA's go-nvml mock data (vendored in mig-parted bd7160f) for the four A100 SKUs. Where a
//! product's own id is known it is used alone; otherwise the whole family's ids are.

use crate::mig::catalog;

/// Product label (without `NVIDIA-`) → its own PCI id.
const PRODUCT_IDS: &[(&str, &str)] = &[
    ("A100-SXM4-40GB", "0x20B010DE"),
    ("A100-PCIE-40GB", "0x20F110DE"),
    ("A100-SXM4-80GB", "0x20B210DE"),
    ("A100-80GB-PCIe", "0x20B510DE"),
    ("H100-80GB-HBM3", "0x233010DE"),
    ("H200", "0x233510DE"),
];

/// The PCI ids a GPU with this `nvidia.com/gpu.product` label may have: its own when known,
/// else its family's; empty for GPUs the catalog does not know.
pub fn ids_for_product(product: &str) -> Vec<&'static str> {
    let model = crate::mig::strategy::model_of_product(product);
    if let Some((_, id)) = PRODUCT_IDS
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(model))
    {
        return vec![id];
    }
    catalog::gpu_for_product(product)
        .and_then(|gpu| gpu.device_ids)
        .map(|d| d.ids.to_vec())
        .unwrap_or_default()
}

/// Whether a `device-filter` entry (`0x20B010DE`, optionally `:<subsystem id>`) names one of `ids`.
pub fn filter_matches(filter: &str, ids: &[&str]) -> bool {
    let device = filter.split(':').next().unwrap_or(filter).trim();
    ids.iter().any(|id| id.eq_ignore_ascii_case(device))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_id_when_known_else_the_family() {
        assert_eq!(ids_for_product("NVIDIA-A100-SXM4-40GB"), ["0x20B010DE"]);
        assert_eq!(
            ids_for_product("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"),
            ["0x20B010DE"]
        );
        assert_eq!(ids_for_product("NVIDIA-H100-NVL").len(), 2);
        assert!(ids_for_product("Tesla-T4").is_empty());
        // A GPU's family ids come from the catalog (the GPU Operator's default config).
        for gpu in catalog::gpus().iter().filter(|g| g.device_ids.is_some()) {
            for product in gpu.products {
                assert!(
                    !ids_for_product(product).is_empty(),
                    "{product} has no PCI ids"
                );
            }
        }
    }

    #[test]
    fn filters_match_case_and_subsystem_insensitively() {
        assert!(filter_matches("0x20b010de", &["0x20B010DE"]));
        assert!(filter_matches("0x20B010DE:0x134F10DE", &["0x20B010DE"]));
        assert!(!filter_matches("0x20B210DE", &["0x20B010DE"]));
    }
}

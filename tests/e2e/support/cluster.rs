//! The seeded cluster's names and lookups in the JSON reports.

use serde_json::Value;

/// Seed node names.
pub const A100_MIXED: &str = "aks-a100mixed-27591046-vmss000000";
pub const A100_SINGLE_0: &str = "aks-a100single-31485672-vmss000000";
pub const A100_SINGLE_1: &str = "aks-a100single-31485672-vmss000001";
pub const A100_80: &str = "aks-a100x80-64029185-vmss000000";
pub const H100_MIXED: &str = "aks-h100mixed-50817263-vmss000000";
pub const H100_WHOLE: &str = "aks-h100whole-83726154-vmss000000";

/// The seeded nodes with NVIDIA GPUs, in name order; `aks-nodepool1-*` are CPU nodes.
pub const GPU_NODES: [&str; 6] = [
    A100_MIXED,
    A100_SINGLE_0,
    A100_SINGLE_1,
    A100_80,
    H100_MIXED,
    H100_WHOLE,
];

/// The elements of a JSON array.
#[track_caller]
pub fn items(list: &Value) -> &Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
}

/// The element of a JSON array whose `name` is `name`.
#[track_caller]
pub fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    items(list)
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {list}"))
}

//! The seeded cluster: `tests/fixtures/cluster/*.yaml`, compiled in.

use crate::api::FakeApi;

/// The seed files, in load order (namespaces first).
pub const SEED_FILES: &[(&str, &str)] = &[
    (
        "namespaces.yaml",
        include_str!("../../fixtures/cluster/namespaces.yaml"),
    ),
    (
        "nodes.yaml",
        include_str!("../../fixtures/cluster/nodes.yaml"),
    ),
    (
        "system.yaml",
        include_str!("../../fixtures/cluster/system.yaml"),
    ),
    (
        "pods.yaml",
        include_str!("../../fixtures/cluster/pods.yaml"),
    ),
];

/// Loads every seed file into `api`.
pub(crate) fn load_seed(api: &FakeApi) {
    for (_, text) in SEED_FILES {
        api.load_yaml(text);
    }
}

//! DRA seed data: `tests/fixtures/dra/*.yaml`, compiled in.

use crate::api::FakeApi;

/// The DRA seed files, in load order.
pub const DRA_SEED_FILES: &[(&str, &str)] = &[
    (
        "deviceclasses.yaml",
        include_str!("../../../fixtures/dra/deviceclasses.yaml"),
    ),
    (
        "nodes.yaml",
        include_str!("../../../fixtures/dra/nodes.yaml"),
    ),
    (
        "resourceslice-static-mig-a100.yaml",
        include_str!("../../../fixtures/dra/resourceslice-static-mig-a100.yaml"),
    ),
    (
        "resourceslices-dynamic-mig-a100.yaml",
        include_str!("../../../fixtures/dra/resourceslices-dynamic-mig-a100.yaml"),
    ),
];

/// Loads every DRA seed file into `api`.
pub(crate) fn load_dra_seed(api: &FakeApi) {
    for (_, text) in DRA_SEED_FILES {
        api.load_yaml(text);
    }
}

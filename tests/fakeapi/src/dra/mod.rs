//! Dynamic Resource Allocation (`resource.k8s.io`): versions and storage, defaults, the
//! resourceclaim controller (`controller`), structured-parameters allocation in the scheduler
//! (`alloc`, with a CEL subset in `cel`), kubectl columns (`table`) and seed data (`seed`).
//!
//! `v1` and `v1beta2` serve the same stored objects: they are kept as `resource.k8s.io/v1` and
//! shown with the apiVersion of the request (the shapes are identical for the fields modelled).

pub(crate) mod alloc;
pub(crate) mod cel;
pub(crate) mod controller;
pub(crate) mod kubelet;
pub mod seed;
pub(crate) mod synth;
pub(crate) mod table;

use crate::api::FakeApi;
use crate::resources::Resource;
use serde_json::{json, Value};
use std::sync::Mutex;

/// The API group of Dynamic Resource Allocation.
pub const GROUP: &str = "resource.k8s.io";
const STORAGE_API_VERSION: &str = "resource.k8s.io/v1";

/// Which `resource.k8s.io` versions the server serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DraVersions {
    /// `v1` (preferred) and `v1beta2`, as a 1.34+ cluster with the betas enabled.
    #[default]
    V1AndV1beta2,
    /// Only `v1beta2`, as a 1.33 cluster with DRA enabled.
    V1beta2Only,
    /// No `resource.k8s.io` at all, as an older cluster or one with DRA disabled.
    Off,
}

impl DraVersions {
    /// Whether this version of `resource.k8s.io` is served.
    pub fn serves(self, version: &str) -> bool {
        match self {
            DraVersions::V1AndV1beta2 => matches!(version, "v1" | "v1beta2"),
            DraVersions::V1beta2Only => version == "v1beta2",
            DraVersions::Off => false,
        }
    }
}

/// DRA knobs of one server.
#[derive(Default)]
pub(crate) struct DraState {
    versions: Mutex<DraVersions>,
}

impl FakeApi {
    /// Chooses the served `resource.k8s.io` versions (discovery, OpenAPI and the URLs).
    pub fn set_dra_versions(&self, v: DraVersions) {
        *self
            .inner
            .dra
            .versions
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = v;
    }

    /// The served `resource.k8s.io` versions.
    pub fn dra_versions(&self) -> DraVersions {
        *self
            .inner
            .dra
            .versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// `seeded()` plus DRA: the NVIDIA DeviceClasses and two DRA-only A100 nodes with their
    /// ResourceSlices (static MIG and dynamic MIG), beside the device-plugin nodes of the seed.
    pub fn seeded_with_dra() -> Self {
        let api = Self::seeded();
        seed::load_dra_seed(&api);
        api
    }
}

/// Whether a resource type is served by this server (only DRA types can be switched off).
pub(crate) fn served(api: &FakeApi, r: &Resource) -> bool {
    r.group != GROUP || api.dra_versions().serves(r.version)
}

/// Whether the type is one of the DRA kinds.
pub(crate) fn is_dra(r: &Resource) -> bool {
    r.group == GROUP
}

/// Incoming objects are stored in the storage version.
pub(crate) fn to_storage(r: &Resource, obj: &mut Value) {
    if is_dra(r) {
        obj["apiVersion"] = json!(STORAGE_API_VERSION);
    }
}

/// Stored objects are shown in the version of the request.
pub(crate) fn at_version(r: &Resource, obj: &mut Value) {
    if is_dra(r) && obj.get("apiVersion").is_some() {
        obj["apiVersion"] = json!(r.api_version());
    }
}

fn default_exact(m: &mut Value) {
    let Some(m) = m.as_object_mut() else { return };
    let mode = m
        .entry("allocationMode")
        .or_insert_with(|| json!("ExactCount"))
        .clone();
    if mode == "ExactCount" {
        m.entry("count").or_insert(json!(1));
    }
}

fn default_claim_spec(spec: Option<&mut Value>) {
    let Some(requests) = spec
        .and_then(|s| s.pointer_mut("/devices/requests"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for r in requests {
        if let Some(e) = r.get_mut("exactly") {
            default_exact(e);
        }
        for sub in r
            .get_mut("firstAvailable")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            default_exact(sub);
        }
    }
}

/// The API server's defaults: `allocationMode: ExactCount` and `count: 1` on every request.
pub(crate) fn apply_defaults(r: &Resource, obj: &mut Value) {
    match r.plural {
        "resourceclaims" => default_claim_spec(obj.get_mut("spec")),
        "resourceclaimtemplates" => default_claim_spec(obj.pointer_mut("/spec/spec")),
        _ => {}
    }
}

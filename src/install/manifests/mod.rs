//! The objects kubectl mig creates, as plain values. Pure: no I/O.

use crate::k8s::ownership::{MANAGED_BY, PART_OF};
use serde_json::{json, Value};

pub mod daemons;
pub mod nfd;

/// The NFD image repository and the version the device plugin chart 0.20 depends on.
pub const NFD_IMAGE: &str = "registry.k8s.io/nfd/node-feature-discovery:v0.19.0";

/// GPU taints of AKS GPU pools, GPU Operator nodes and critical add-on pools.
fn gpu_tolerations() -> Value {
    json!([
        { "key": "CriticalAddonsOnly", "operator": "Exists" },
        { "key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule" },
        { "key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule" },
    ])
}

/// The labels of every installed object: its name and component, and kubectl mig's ownership.
fn labels(name: &str, component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": "kubectl-mig",
        MANAGED_BY.0: MANAGED_BY.1,
        PART_OF.0: PART_OF.1,
    })
}

/// `metadata` of an installed object (`namespace` only for namespaced kinds).
fn meta(name: &str, namespace: Option<&str>, component: &str) -> Value {
    let mut m = json!({ "name": name, "labels": labels(name, component) });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// The pod selector of an installed workload (immutable once created, so kept minimal).
fn selector(name: &str) -> Value {
    json!({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "kubectl-mig" })
}

/// A container that needs no privilege at all.
fn restricted_security_context() -> Value {
    json!({
        "allowPrivilegeEscalation": false,
        "capabilities": { "drop": ["ALL"] },
        "readOnlyRootFilesystem": true,
        "runAsNonRoot": true,
    })
}

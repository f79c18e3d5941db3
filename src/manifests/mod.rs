//! The objects kubectl mig creates, as k8s-openapi values. Pure: no I/O.

pub mod pod;

/// `app.kubernetes.io/managed-by` on everything kubectl mig creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-mig");

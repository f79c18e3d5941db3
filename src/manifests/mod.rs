//! The objects kubectl mig creates, as plain values. Pure: no I/O.

pub mod install;
pub mod nfd;
pub mod pod;

/// `app.kubernetes.io/managed-by` on everything kubectl mig creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-mig");
/// `app.kubernetes.io/part-of` on everything kubectl mig install creates.
pub const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "kubectl-mig");

//! The labels that mark what kubectl mig creates, so it only ever changes or deletes its own.

use std::collections::BTreeMap;

/// `app.kubernetes.io/managed-by` on everything kubectl mig creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-mig");
/// `app.kubernetes.io/part-of` on everything kubectl mig install creates.
pub const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "kubectl-mig");

/// Whether labels mark an object as created by kubectl mig.
pub fn is_ours(labels: Option<&BTreeMap<String, String>>) -> bool {
    labels
        .and_then(|l| l.get(MANAGED_BY.0))
        .is_some_and(|v| v == MANAGED_BY.1)
}

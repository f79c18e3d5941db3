//! The objects kubectl mig creates, as plain values. Pure: no I/O.

use serde_json::{json, Value};

pub mod install;
pub mod nfd;
pub mod pod;

/// `app.kubernetes.io/managed-by` on everything kubectl mig creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-mig");
/// `app.kubernetes.io/part-of` on everything kubectl mig install creates.
pub const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "kubectl-mig");

/// Checks a name against Kubernetes' DNS-1123 subdomain rule (pods, RuntimeClasses) before the
/// API server refuses it in a long message.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    // Dot-separated labels, each 1 to 63 lowercase letters, digits or '-', starting and ending
    // with a letter or digit; 253 characters in all.
    let label_ok = |label: &str| {
        let edge =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        !label.is_empty()
            && label.len() <= 63
            && edge(label.chars().next())
            && edge(label.chars().last())
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if name.len() <= 253 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} {:?}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, with no empty part between dots",
            crate::output::sanitize(name)
        ))
    }
}

/// Whether labels mark an object as created by kubectl mig.
pub fn is_ours(labels: Option<&std::collections::BTreeMap<String, String>>) -> bool {
    labels
        .and_then(|l| l.get(MANAGED_BY.0))
        .is_some_and(|v| v == MANAGED_BY.1)
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

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn dns_subdomain_names() {
        assert!(check_name("pod name", "mig-test-1").is_ok());
        assert!(check_name("pod name", "a.b").is_ok());
        assert!(check_name("pod name", "Bad_Name").is_err());
        assert!(check_name("pod name", "-x").is_err());
        assert!(check_name("pod name", "").is_err());
    }
}

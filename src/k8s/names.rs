//! Object names as the API server validates them, checked before a request so the user gets one
//! short sentence instead of the server's long one.

/// A name the API server would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {shown:?}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, with no empty part between dots")]
pub struct InvalidName {
    /// What the name is for (`pod name`, `RuntimeClass name`).
    pub what: &'static str,
    /// The name, made safe to print.
    pub shown: String,
}

/// Checks a name against Kubernetes' DNS-1123 subdomain rule (pods, RuntimeClasses): dot-separated
/// labels of 1 to 63 lowercase letters, digits or '-', each starting and ending with a letter or
/// digit, 253 characters in all.
pub fn check_name(what: &'static str, name: &str) -> Result<(), InvalidName> {
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
        Err(InvalidName {
            what,
            shown: crate::output::sanitize(name).into_owned(),
        })
    }
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
        assert!(check_name("pod name", "a..b").is_err());
        assert!(check_name("pod name", &"a".repeat(64)).is_err());
    }
}

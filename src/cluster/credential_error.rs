//! Why credentials could not be had, worded as kubectl would: the plugin, its exit status and
//! stderr (never its stdout, which may hold a token), and what to do next.

use std::time::Duration;

/// Why credentials could not be had; each variant is worded by [`CredentialError::sentence`].
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The plugin's executable cannot be started.
    #[error("the credential plugin {command} cannot be started ({reason})")]
    NotFound {
        /// The command as the kubeconfig names it.
        command: String,
        /// Why (not found, permission denied, ...).
        reason: String,
        /// The kubeconfig's `installHint`, if any.
        hint: Option<String>,
    },
    /// The plugin exited with a failure status.
    #[error("the credential plugin {command} failed with {status}")]
    Failed {
        /// The command.
        command: String,
        /// `exit code 1`, `signal 9`.
        status: String,
        /// The last lines of its stderr (never its stdout, which may hold a token).
        stderr: String,
    },
    /// The plugin did not finish in time.
    #[error("the credential plugin {command} did not answer within {after:?}")]
    TimedOut {
        /// The command.
        command: String,
        /// The bound.
        after: Duration,
    },
    /// The plugin answered something that is not an ExecCredential with credentials.
    #[error("the credential plugin {command} printed no usable credentials ({reason})")]
    Invalid {
        /// The command.
        command: String,
        /// What was wrong, without the output itself.
        reason: String,
    },
    /// The kubeconfig's `tokenFile` cannot be read.
    #[error("the token file {path} cannot be read ({reason})")]
    TokenFile {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
}

impl CredentialError {
    /// The sentence for the user, naming the context and what to do next.
    pub fn sentence(&self, context: &str) -> String {
        let clean = |s: &str| crate::error::one_line(&crate::output::sanitize(s));
        match self {
            CredentialError::NotFound {
                command,
                reason,
                hint,
            } => {
                let next = hint.as_deref().map(clean).unwrap_or_else(|| {
                    format!("install it or fix the exec command of context {context:?} in your kubeconfig")
                });
                format!("getting credentials for context {context:?} failed: the exec plugin {command} cannot be run ({reason}); {next}")
            }
            CredentialError::Failed {
                command,
                status,
                stderr,
            } => {
                let said = if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {}", clean(stderr))
                };
                format!("getting credentials for context {context:?} failed: the exec plugin {command} exited with {status}{said}; log in again with the tool it wraps (on AKS: az login, then kubelogin convert-kubeconfig -l azurecli) and retry")
            }
            CredentialError::TimedOut { command, after } => format!(
                "getting credentials for context {context:?} timed out: the exec plugin {command} did not answer within {} (it may be waiting for an interactive login); log in first in a terminal (e.g. run kubectl get nodes once), or raise --request-timeout",
                crate::k8s::duration::human(*after)
            ),
            CredentialError::Invalid { command, reason } => format!(
                "getting credentials for context {context:?} failed: the exec plugin {command} printed no usable credentials ({reason}); check the plugin's version and the apiVersion of the exec section in your kubeconfig"
            ),
            CredentialError::TokenFile { path, reason } => format!(
                "the token file {path} named by context {context:?} in your kubeconfig cannot be read ({reason}); fix its tokenFile path or recreate the file"
            ),
        }
    }
}

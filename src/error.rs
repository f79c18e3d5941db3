//! The one error type users see: a sentence saying what failed and what to do next, with the
//! cause it came from kept for `-v`.

/// A lower-level error kept as the cause of an [`Error`].
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can make `kubectl mig` stop; its `Display` is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong (exit 2, like clap's own usage errors).
    #[error("{message}")]
    Usage {
        /// The sentence.
        message: String,
        /// What it came from, shown with `-v`.
        #[source]
        cause: Option<Cause>,
    },
    /// Something failed while doing the work (exit 1).
    #[error("{message}")]
    Failed {
        /// The sentence.
        message: String,
        /// What it came from, shown with `-v`.
        #[source]
        cause: Option<Cause>,
    },
    /// A test pod's container ended with a non-zero exit code, passed through as ours.
    #[error("{message}")]
    Exit {
        /// The exit code to return.
        code: i32,
        /// What to say (may be empty when the logs already said it).
        message: String,
    },
}

impl Error {
    /// A usage error, from anything printable.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage {
            message: msg.into(),
            cause: None,
        }
    }

    /// A usage error worded from a typed error, which is kept as its cause.
    pub fn usage_from(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Usage {
            message: err.to_string(),
            cause: Some(Box::new(err)),
        }
    }

    /// A failure, from anything printable.
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed {
            message: msg.into(),
            cause: None,
        }
    }

    /// A failure worded for the user, keeping the error it came from.
    pub fn caused(msg: impl Into<String>, cause: impl Into<Cause>) -> Self {
        Error::Failed {
            message: msg.into(),
            cause: Some(cause.into()),
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage { .. } => 2,
            Error::Failed { .. } => 1,
            // A container's code outside 1..=255 must still read as a failure to the shell.
            Error::Exit { code, .. } if (1..=255).contains(code) => *code,
            Error::Exit { code: 0, .. } => 0,
            Error::Exit { .. } => 1,
        }
    }

    /// The causes behind the sentence, outermost first, each on one line (for `-v`).
    pub fn causes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut current = std::error::Error::source(self);
        while let Some(e) = current {
            let text = one_line(&e.to_string());
            if !text.is_empty() && out.last() != Some(&text) {
                out.push(text);
            }
            current = e.source();
        }
        out
    }
}

pub use crate::text::one_line;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_kept_for_verbose_output() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied\nby policy");
        let err = Error::caused("cannot read the capture; check its permissions", io);
        assert_eq!(
            err.to_string(),
            "cannot read the capture; check its permissions"
        );
        assert_eq!(err.causes(), ["denied by policy"]);
        assert_eq!(err.exit_code(), 1);
        assert_eq!(Error::usage("bad").exit_code(), 2);
    }
}

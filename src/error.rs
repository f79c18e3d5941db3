//! The one error type users see: a sentence saying what failed and what to do next.

/// Everything that can make `kubectl mig` stop; its `Display` is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong (exit 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// Something failed while doing the work (exit 1).
    #[error("{0}")]
    Failed(String),
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
        Error::Usage(msg.into())
    }

    /// A failure, from anything printable.
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed(msg.into())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed(_) => 1,
            // A container's code outside 1..=255 must still read as a failure to the shell.
            Error::Exit { code, .. } if (1..=255).contains(code) => *code,
            Error::Exit { code: 0, .. } => 0,
            Error::Exit { .. } => 1,
        }
    }
}

/// Error texts from deep libraries (and servers) can span lines; users get one line, with any
/// control character shown as an escape rather than acted on by the terminal.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::output::sanitize(&joined).into_owned()
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! `kubectl mig status`: what runs the device plugin, GFD and NFD, and with which strategy.

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::output::Format;
use clap::Args;
use std::io::Write;

/// Examples shown in `kubectl mig status --help`.
pub const EXAMPLES: &str = "\
Examples:
  # What is installed, by whom, with which strategy
  kubectl mig status

  # As JSON
  kubectl mig status -o json";

/// Flags of `kubectl mig status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Runs `kubectl mig status`.
pub async fn run(_global: &GlobalArgs, _args: &StatusArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::failed(
        "kubectl mig status is not available in this build yet",
    ))
}

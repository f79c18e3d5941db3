//! `kubectl mig profiles`: the MIG GPU instance profile catalog per GPU model.

use crate::error::{Error, Result};
use crate::output::Format;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Examples shown in `kubectl mig profiles --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every GPU model's MIG profiles
  kubectl mig profiles

  # The profiles of an H100 80GB, as JSON
  kubectl mig profiles --gpu H100-80GB -o json

  # Profiles read from a capture of `nvidia-smi mig -lgip` (and -lgipp)
  kubectl mig profiles --from-nvidia-smi lgip.txt --from-nvidia-smi lgipp.txt";

/// Flags of `kubectl mig profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Only this GPU model (e.g. A100-40GB, H100-80GB, H200).
    #[arg(long, value_name = "MODEL")]
    pub gpu: Option<String>,
    /// Read profiles from `nvidia-smi mig -lgip` / `-lgipp` output instead of the catalog.
    #[arg(long = "from-nvidia-smi", value_name = "FILE")]
    pub from_nvidia_smi: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Runs `kubectl mig profiles`.
pub fn run(_args: &ProfilesArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::failed(
        "kubectl mig profiles is not available in this build yet",
    ))
}

//! `kubectl mig install` / `uninstall`: the NVIDIA device plugin, GFD and NFD with a MIG strategy.

use crate::cli::GlobalArgs;
use crate::commands::run::DryRun;
use crate::error::{Error, Result};
use crate::output::ObjectFormat;
use clap::Args;
use std::io::Write;
use std::time::Duration;

/// Examples shown in `kubectl mig install --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Install with the mixed strategy and wait until the GPU nodes advertise MIG resources
  kubectl mig install --strategy mixed --wait

  # Print every manifest for GitOps, talking to no cluster
  kubectl mig install --strategy single --dry-run -o yaml > nvidia-mig.yaml

  # Use helm instead (prints the commands with --dry-run)
  kubectl mig install --strategy mixed --helm";

/// Examples shown in `kubectl mig uninstall --help`.
pub const UNINSTALL_EXAMPLES: &str = "\
Examples:
  # See what would be deleted
  kubectl mig uninstall --dry-run

  # Delete everything kubectl mig install created
  kubectl mig uninstall";

/// The MIG strategy the daemons run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InstallStrategy {
    /// Every MIG device is advertised as nvidia.com/gpu (one profile per node).
    Single,
    /// Each profile is its own resource, nvidia.com/mig-<profile>.
    Mixed,
    /// MIG devices are not advertised.
    None,
}

/// Flags of `kubectl mig install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// MIG strategy for the device plugin and GFD.
    #[arg(long, value_enum)]
    pub strategy: InstallStrategy,
    /// NVIDIA device plugin version (image tag / chart version).
    #[arg(long, value_name = "VERSION", default_value = "v0.20.0")]
    pub version: String,
    /// Don't deploy GPU feature discovery.
    #[arg(long)]
    pub no_gfd: bool,
    /// Don't deploy Node Feature Discovery.
    #[arg(long)]
    pub no_nfd: bool,
    /// Run the daemons with this RuntimeClass (e.g. nvidia).
    #[arg(long, value_name = "NAME")]
    pub runtime_class: Option<String>,
    /// Only run on nodes with this label (KEY=VALUE, repeatable).
    #[arg(long = "node-selector", value_name = "KEY=VALUE")]
    pub node_selector: Vec<String>,
    /// Only print the manifests (client), or have the server validate them (server).
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_name = "MODE")]
    pub dry_run: Option<DryRun>,
    /// Output format with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Wait for the rollout and for the GPU nodes to advertise MIG resources.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::duration::parse)]
    pub timeout: Duration,
    /// Install even next to a device plugin that kubectl mig does not own.
    #[arg(long)]
    pub force: bool,
    /// Use helm (the nvidia-device-plugin chart) instead of applying manifests.
    #[arg(long)]
    pub helm: bool,
}

/// Flags of `kubectl mig uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Only list what would be deleted.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_name = "MODE")]
    pub dry_run: Option<DryRun>,
}

/// Runs `kubectl mig install`.
pub async fn install(
    _global: &GlobalArgs,
    _args: &InstallArgs,
    _out: &mut dyn Write,
) -> Result<()> {
    Err(Error::failed(
        "kubectl mig install is not available in this build yet",
    ))
}

/// Runs `kubectl mig uninstall`.
pub async fn uninstall(
    _global: &GlobalArgs,
    _args: &UninstallArgs,
    _out: &mut dyn Write,
) -> Result<()> {
    Err(Error::failed(
        "kubectl mig uninstall is not available in this build yet",
    ))
}

//! The flags of `install` and `uninstall`, and the install configuration they give.

use super::manifests::{self, daemons::InstallConfig};
use crate::cluster::ConnectOptions;
use crate::error::{Error, Result};
use crate::mig::strategy::Strategy;
use crate::output::{self, DryRunFlag, ObjectFormat};
use clap::Args;
use std::collections::BTreeMap;
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

/// Flags of `kubectl mig install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// MIG strategy for the device plugin and GFD.
    #[arg(long, value_enum)]
    pub strategy: Strategy,
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
    /// Output format with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Wait for the rollout and for the GPU nodes to advertise MIG resources.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::k8s::duration::parse)]
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
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
}

pub(super) fn config(global: &ConnectOptions, args: &InstallArgs) -> Result<InstallConfig> {
    let mut node_selector = BTreeMap::new();
    for kv in &args.node_selector {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            Error::usage(format!("invalid --node-selector {kv:?}: use KEY=VALUE"))
        })?;
        node_selector.insert(k.to_string(), v.to_string());
    }
    check_version(&args.version)?;
    if let Some(rc) = &args.runtime_class {
        crate::k8s::names::check_name("RuntimeClass name", rc).map_err(Error::usage_from)?;
    }
    Ok(InstallConfig {
        strategy: args.strategy,
        version: args.version.clone(),
        namespace: global
            .namespace
            .clone()
            .unwrap_or_else(|| manifests::daemons::DEFAULT_NAMESPACE.into()),
        gfd: !args.no_gfd,
        nfd: !args.no_nfd && !args.no_gfd,
        runtime_class: args.runtime_class.clone(),
        node_selector,
    })
}

/// A device plugin release `vMAJOR.MINOR.PATCH` from v0.15.0 on, when GFD joined its image.
fn check_version(version: &str) -> Result<()> {
    let parts: Vec<Option<u32>> = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [Some(major), Some(minor), Some(_)] if (*major, *minor) >= (0, 15) => Ok(()),
        [Some(_), Some(_), Some(_)] => Err(Error::usage(format!(
            "--version {version} is too old: GPU feature discovery ships in the device plugin image from v0.15.0 on; use e.g. v0.20.0"
        ))),
        _ => Err(Error::usage(format!(
            "invalid --version {version:?}: use a device plugin release such as v0.20.0"
        ))),
    }
}

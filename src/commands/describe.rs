//! `kubectl mig describe`: MIG capacity per node, what is used, what is free, what looks wrong.

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::output::Format;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Examples shown in `kubectl mig describe --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every node with NVIDIA GPUs
  kubectl mig describe

  # Two nodes, with the pods holding each MIG device
  kubectl mig describe aks-migpool-12345678-vmss000000 aks-migpool-12345678-vmss000001 -o wide

  # Nodes of one AKS pool, as JSON
  kubectl mig describe -l kubernetes.azure.com/agentpool=migpool -o json

  # Read a capture instead of a cluster (kubectl get nodes,pods -A -o yaml > cluster.yaml)
  kubectl mig describe -f cluster.yaml";

/// Flags of `kubectl mig describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Only these nodes.
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
    /// Only nodes matching this label selector (e.g. agentpool=migpool, kubernetes.io/arch in (amd64)).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Output format: table, wide (with pods), json or yaml.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Show every node, also those without NVIDIA GPUs.
    #[arg(long)]
    pub all: bool,
    /// Read nodes and pods from files (kubectl get nodes,pods -A -o yaml|json) instead of a cluster; - for stdin.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs `kubectl mig describe`.
pub async fn run(_global: &GlobalArgs, _args: &DescribeArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::failed(
        "kubectl mig describe is not available in this build yet",
    ))
}

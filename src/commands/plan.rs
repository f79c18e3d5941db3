//! `kubectl mig plan`: what an AKS GPU node pool with a MIG instance profile will give.

use crate::error::{Error, Result};
use crate::output::Format;
use clap::Args;
use std::io::Write;

/// Examples shown in `kubectl mig plan --help`.
pub const EXAMPLES: &str = "\
Examples:
  # 8 x A100 40GB cut into 1g.5gb instances, 3 nodes
  kubectl mig plan --vm-size Standard_ND96asr_v4 --gpu-instance-profile MIG1g --node-count 3

  # With the az command filled in
  kubectl mig plan --vm-size Standard_NC24ads_A100_v4 --gpu-instance-profile MIG3g \\
      --resource-group my-rg --cluster-name my-aks --name migpool";

/// Flags of `kubectl mig plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The AKS VM size of the node pool (e.g. Standard_ND96asr_v4).
    #[arg(long, value_name = "SIZE")]
    pub vm_size: String,
    /// The AKS GPU instance profile: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g.
    #[arg(long, value_name = "PROFILE")]
    pub gpu_instance_profile: String,
    /// Number of nodes in the pool.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub node_count: u32,
    /// The AKS cluster name, for the generated commands.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// The Azure resource group, for the generated commands.
    #[arg(long, value_name = "RG")]
    pub resource_group: Option<String>,
    /// The node pool name, for the generated commands.
    #[arg(long = "name", value_name = "POOL")]
    pub pool_name: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Runs `kubectl mig plan`.
pub fn run(_args: &PlanArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::failed(
        "kubectl mig plan is not available in this build yet",
    ))
}

//! The flags of `kubectl mig plan`, turned into the plain requests the planners take.

use crate::error::{Error, Result};
use crate::output::Format;
use crate::plan::layout::LayoutRequest;
use crate::plan::planner::PoolRequest;
use clap::Args;

/// Examples shown in `kubectl mig plan --help`.
pub const EXAMPLES: &str = "\
Examples:
  # 8 x A100 40GB cut into 1g.5gb instances, 3 nodes
  kubectl mig plan --vm-size Standard_ND96asr_v4 --gpu-instance-profile MIG1g --node-count 3

  # With the az command filled in
  kubectl mig plan --vm-size Standard_NC24ads_A100_v4 --gpu-instance-profile MIG3g \\
      --resource-group my-rg --cluster-name my-aks --name migpool

  # Does a mixed layout fit an H100 80GB? Where each instance goes, the MIG manager config
  kubectl mig plan --layout 1g.10gb=2,2g.20gb=1,3g.40gb=1 --gpu H100-80GB

  # The same layout on a pool of 2 x Standard_ND96asr_v4 (A100 40GB names), as JSON
  kubectl mig plan --layout 1g.5gb=2,2g.10gb=1,3g.20gb=1 --vm-size Standard_ND96asr_v4 \\
      --node-count 2 -o json

  # Layouts (and the commands) that would serve the cluster's pending MIG pods
  kubectl mig plan --for-pending

  # The same from a customer's capture
  kubectl get nodes,pods,resourceclaims,resourceslices,configmaps -A -o yaml > capture.yaml
  kubectl mig plan --for-pending -f capture.yaml";

/// Flags of `kubectl mig plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The AKS VM size of the node pool (e.g. Standard_ND96asr_v4).
    #[arg(long, value_name = "SIZE", required_unless_present_any = ["layout", "for_pending"])]
    pub vm_size: Option<String>,
    /// The AKS GPU instance profile: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g.
    #[arg(
        long,
        value_name = "PROFILE",
        required_unless_present_any = ["layout", "for_pending"],
        conflicts_with_all = ["layout", "for_pending"]
    )]
    pub gpu_instance_profile: Option<String>,
    /// A MIG layout per GPU to check and plan, e.g. 1g.10gb=2,2g.20gb=1,3g.40gb=1.
    #[arg(long, value_name = "LAYOUT", conflicts_with = "for_pending")]
    pub layout: Option<String>,
    /// The GPU model for --layout without --vm-size, or the one --for-pending plans for (e.g. H100-80GB; see kubectl mig profiles).
    #[arg(long, value_name = "MODEL")]
    pub gpu: Option<String>,
    /// Read the cluster's pending pods that ask for MIG devices and plan the layouts that serve them with the fewest GPUs.
    #[arg(long, conflicts_with_all = ["vm_size", "node_count"])]
    pub for_pending: bool,
    /// With --for-pending: read the pending pods, claims, nodes and MIG manager layouts from files (kubectl get nodes,pods,resourceclaims,resourceslices -A -o yaml) instead of a cluster; - for stdin.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        requires = "for_pending"
    )]
    pub files: Vec<std::path::PathBuf>,
    /// Number of nodes in the pool [default: 1].
    #[arg(long, value_name = "N")]
    pub node_count: Option<u32>,
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

impl PlanArgs {
    /// The pool to plan for one GPU instance profile.
    pub(crate) fn request(&self) -> Result<PoolRequest> {
        let missing = || Error::usage("give --vm-size and --gpu-instance-profile, or --layout");
        Ok(PoolRequest {
            vm_size: self.vm_size.clone().ok_or_else(missing)?,
            gpu_instance_profile: self.gpu_instance_profile.clone().ok_or_else(missing)?,
            node_count: self.node_count.unwrap_or(1),
            cluster_name: self.cluster_name.clone(),
            resource_group: self.resource_group.clone(),
            pool_name: self.pool_name.clone(),
        })
    }

    /// The layout to plan, with `--layout`.
    pub(crate) fn layout_request(&self) -> Option<LayoutRequest> {
        Some(LayoutRequest {
            layout: self.layout.clone()?,
            gpu: self.gpu.clone(),
            vm_size: self.vm_size.clone(),
            node_count: self.node_count,
            cluster_name: self.cluster_name.clone(),
            resource_group: self.resource_group.clone(),
            pool_name: self.pool_name.clone(),
        })
    }
}

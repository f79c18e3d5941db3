//! The flags of `kubectl mig reconfigure`.

use clap::Args;
use std::time::Duration;

/// Examples shown in `kubectl mig reconfigure --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Which MIG manager layouts fit these nodes?
  kubectl mig reconfigure dgx-a100-01 hgx-h100-01 --list

  # See what re-cutting a node into 3g.20gb would do, change nothing
  kubectl mig reconfigure dgx-a100-01 --config all-3g.20gb --dry-run

  # Re-cut it, evicting the pods that hold its GPUs (PodDisruptionBudgets are respected)
  kubectl mig reconfigure dgx-a100-01 --config all-3g.20gb --drain

  # Put back the layout it had before
  kubectl mig reconfigure dgx-a100-01 --rollback --drain";

/// Flags of `kubectl mig reconfigure`.
#[derive(Debug, Args)]
pub struct ReconfigureArgs {
    /// The nodes to re-cut, one after another (with --list: every node with a MIG manager if none).
    #[arg(value_name = "NODE", required_unless_present = "list")]
    pub nodes: Vec<String>,
    /// The MIG manager layout to apply: a name in its mig-parted ConfigMap, e.g. all-3g.20gb.
    #[arg(long, value_name = "LAYOUT", required_unless_present_any = ["list", "rollback"], conflicts_with_all = ["list", "rollback"])]
    pub config: Option<String>,
    /// List, per node, the layouts that fit it and what each gives; change nothing.
    #[arg(long)]
    pub list: bool,
    /// Set back the layout the node had before kubectl mig reconfigure last changed it.
    #[arg(long, conflicts_with = "list")]
    pub rollback: bool,
    /// Show the checks and the impact; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Evict the pods holding GPU or MIG devices (Eviction API, PodDisruptionBudgets respected).
    #[arg(long, conflicts_with = "wait_for_pods")]
    pub drain: bool,
    /// Wait for the pods holding GPU or MIG devices to finish instead of evicting them.
    #[arg(long)]
    pub wait_for_pods: bool,
    /// Apply a layout the node's strategy cannot serve (several profiles under single: MIG-INVALID).
    #[arg(long)]
    pub force: bool,
    /// How long each step on a node may take: evictions, pods finishing, the MIG manager.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::k8s::duration::parse)]
    pub timeout: Duration,
    /// How many nodes are re-cut at once (each is cordoned meanwhile).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_unavailable: u32,
    /// Output format of the impact (and of --list): table, json or yaml; progress goes to stderr.
    #[arg(short = 'o', long, value_enum, default_value_t = crate::output::Format::Table)]
    pub output: crate::output::Format,
}

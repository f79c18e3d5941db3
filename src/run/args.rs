//! The flags of `kubectl mig run`.

use crate::mig::strategy::Strategy;
use crate::output::{self, DryRunFlag, ObjectFormat};
use clap::Args;
use std::time::Duration;

/// Examples shown in `kubectl mig run --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Run nvidia-smi -L on the smallest free MIG device, stream its output, clean up
  kubectl mig run

  # A 3g.20gb device on a given node, keep the pod afterwards
  kubectl mig run --profile 3g.20gb --node aks-migpool-12345678-vmss000000 --keep

  # Print the pod for a mixed-strategy cluster without talking to any cluster
  kubectl mig run --strategy mixed --profile 1g.5gb --dry-run -o yaml

  # Your own image and command
  kubectl mig run --profile 1g.10gb --image nvcr.io/nvidia/pytorch:24.10-py3 -- python -c 'import torch; print(torch.cuda.get_device_name())'";

/// `--strategy` of `run`: `auto` (from the cluster) or a strategy the pod's resource name follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyChoice(pub Option<Strategy>);

fn strategy_choice() -> impl clap::builder::TypedValueParser<Value = StrategyChoice> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new([
        clap::builder::PossibleValue::new("auto").help("Detect from the cluster"),
        clap::builder::PossibleValue::new("single").help("Every MIG device is nvidia.com/gpu"),
        clap::builder::PossibleValue::new("mixed").help("Each profile is nvidia.com/mig-<profile>"),
    ])
    .map(|v| StrategyChoice(Strategy::from_label(&v)))
}

/// Flags of `kubectl mig run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pod's name (default: generated, mig-test-xxxxx).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// The MIG profile to request (e.g. 1g.5gb); default: the smallest one with free capacity.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// How many MIG devices to request.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// Run on this node (uses its strategy).
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
    /// How MIG devices are named: auto (from the cluster), single or mixed.
    #[arg(long, default_value = "auto", value_parser = strategy_choice())]
    pub strategy: StrategyChoice,
    /// Container image.
    #[arg(long, value_name = "IMAGE", default_value = DEFAULT_IMAGE)]
    pub image: String,
    /// Only print the pod (client), or have the server validate it (server).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", default_value = "none", hide_default_value = true, value_parser = output::dry_run_flag(), value_name = "MODE")]
    pub dry_run: DryRunFlag,
    /// Output format of the pod with --dry-run.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<ObjectFormat>,
    /// Keep the pod when it ends.
    #[arg(long)]
    pub keep: bool,
    /// How long to wait for the pod to be scheduled and started.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::k8s::duration::parse)]
    pub timeout: Duration,
    /// Extra toleration KEY[=VALUE]:EFFECT (repeatable).
    #[arg(long = "toleration", value_name = "KEY[=VALUE]:EFFECT")]
    pub tolerations: Vec<String>,
    /// Ask for the MIG device through a DRA claim (NVIDIA's DRA driver, class mig.nvidia.com)
    /// instead of an extended resource; chosen by itself when only DRA nodes offer the profile.
    #[arg(long)]
    pub dra: bool,
    /// Create the pod even when no node seems to offer the profile.
    #[arg(long)]
    pub force: bool,
    /// Command and arguments (default: nvidia-smi -L).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The CUDA base image test pods use by default.
pub const DEFAULT_IMAGE: &str = "nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04";

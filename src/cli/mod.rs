//! The command line: kubectl's global flags and one subcommand per step of the MIG workflow.

use crate::{completion, describe, install, plan, reconfigure, run};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str = "Plan, install, see and test NVIDIA Multi-Instance GPU (MIG) on Kubernetes.";

const LONG_ABOUT: &str = "\
Plan, install, see and test NVIDIA Multi-Instance GPU (MIG) on Kubernetes.

The MIG workflow, one command per step:
  1. kubectl mig plan       pick a GPU instance profile for a node pool (AKS) and see what it gives
  2. kubectl mig install    deploy the NVIDIA device plugin + GPU feature discovery with a MIG strategy
  3. kubectl mig describe   see each node's MIG resources: allocatable, requested, free, problems
  4. kubectl mig run        run a test pod that asks for the right resource name for the strategy";

const EXAMPLES: &str = "\
Examples:
  # Show MIG capacity of every GPU node
  kubectl mig describe

  # Plan an AKS node pool of 8 x A100 40GB cut into 1g.5gb instances
  kubectl mig plan --vm-size Standard_ND96asr_v4 --gpu-instance-profile MIG1g

  # Install the device plugin and GPU feature discovery with the mixed strategy
  kubectl mig install --strategy mixed

  # Run nvidia-smi -L on a 1g.5gb MIG device and clean up
  kubectl mig run --profile 1g.5gb";

/// `kubectl mig`: the kubectl plugin for NVIDIA Multi-Instance GPU.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-mig",
    bin_name = "kubectl mig",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// kubectl's global flags.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's global flags, with kubectl's meaning.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config, else in-cluster).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub kubeconfig: Option<PathBuf>,
    /// The name of the kubeconfig context to use.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub context: Option<String>,
    /// The name of the kubeconfig cluster to use.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub cluster: Option<String>,
    /// The name of the kubeconfig user to use.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub user: Option<String>,
    /// The namespace scope for this request.
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NAMESPACE",
        help_heading = "Global options"
    )]
    pub namespace: Option<String>,
    /// How long to wait for a single server request (e.g. 10s, 1m); 0 waits forever.
    #[arg(long, global = true, value_name = "DURATION", value_parser = crate::k8s::duration::parse, help_heading = "Global options")]
    pub request_timeout: Option<std::time::Duration>,
    /// Log verbosity on stderr: 2 retries and progress, 4 HTTP requests, 8 everything.
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Global options"
    )]
    pub verbosity: u8,
}

impl GlobalArgs {
    /// The connection flags as the client layer takes them.
    pub fn connect_options(&self) -> crate::cluster::ConnectOptions {
        crate::cluster::ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            namespace: self.namespace.clone(),
            request_timeout: self.request_timeout,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show MIG capacity per node: strategy, GPU, allocatable / requested / free, problems.
    #[command(after_help = describe::EXAMPLES)]
    Describe(describe::DescribeArgs),
    /// Generate or run a test pod that requests a MIG device the way the node's strategy names it.
    #[command(after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Install the NVIDIA device plugin and GPU feature discovery with a MIG strategy.
    #[command(after_help = install::EXAMPLES)]
    Install(install::InstallArgs),
    /// Delete exactly the objects that kubectl mig install created.
    #[command(after_help = install::UNINSTALL_EXAMPLES)]
    Uninstall(install::UninstallArgs),
    /// Re-cut nodes' GPUs into another GPU Operator MIG manager layout, safely.
    #[command(after_help = reconfigure::EXAMPLES)]
    Reconfigure(reconfigure::ReconfigureArgs),
    /// Show what device plugin / GFD / NFD is installed, by whom, and with which strategy.
    #[command(after_help = install::status::EXAMPLES)]
    Status(install::status::StatusArgs),
    /// List MIG GPU instance profiles per GPU model.
    #[command(after_help = plan::profiles::EXAMPLES)]
    Profiles(plan::profiles::ProfilesArgs),
    /// Plan an AKS GPU node pool: the MIG profile, instance counts, resource names, commands.
    #[command(after_help = plan::EXAMPLES)]
    Plan(plan::PlanArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    #[command(after_help = completion::EXAMPLES)]
    Completion(completion::CompletionArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn kubectl_style_verbosity_and_namespace() {
        let cli = Cli::try_parse_from(["kubectl-mig", "describe", "-v=6", "-n", "ml"]).unwrap();
        assert_eq!(cli.global.verbosity, 6);
        assert_eq!(cli.global.namespace.as_deref(), Some("ml"));
        let cli = Cli::try_parse_from(["kubectl-mig", "--v=4", "status"]).unwrap();
        assert_eq!(cli.global.verbosity, 4);
    }
}

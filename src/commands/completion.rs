//! `kubectl mig completion`: shell completion scripts.

use crate::error::{Error, Result};
use clap::Args;
use std::io::Write;

/// Examples shown in `kubectl mig completion --help`.
pub const EXAMPLES: &str = "\
Examples:
  # bash: load completion in the current shell
  source <(kubectl-mig completion bash)

  # zsh
  kubectl-mig completion zsh > \"${fpath[1]}/_kubectl-mig\"";

/// Flags of `kubectl mig completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs `kubectl mig completion`.
pub fn run(args: &CompletionArgs, out: &mut dyn Write) -> Result<()> {
    let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    clap_complete::generate(args.shell, &mut cmd, "kubectl-mig", out);
    out.flush()
        .map_err(|e| Error::failed(format!("cannot write the completion script: {e}")))
}

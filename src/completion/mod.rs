//! `kubectl mig completion`: shell completion scripts.

mod complete;
mod live;
mod values;
mod words;

pub use complete::hidden_entry;

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

/// The shells kubectl mig ships completion for (the scripts checked in under `completions/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellArg {
    /// bash
    Bash,
    /// zsh
    Zsh,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
}

impl From<ShellArg> for clap_complete::Shell {
    fn from(shell: ShellArg) -> Self {
        match shell {
            ShellArg::Bash => clap_complete::Shell::Bash,
            ShellArg::Zsh => clap_complete::Shell::Zsh,
            ShellArg::Fish => clap_complete::Shell::Fish,
            ShellArg::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

/// Flags of `kubectl mig completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// The executable the scripts complete.
const BIN: &str = "kubectl-mig";

/// Runs `kubectl mig completion`.
pub fn run(args: &CompletionArgs, command: clap::Command, out: &mut dyn Write) -> Result<()> {
    out.write_all(script(command, args.shell.into()).as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::failed(format!("cannot write the completion script: {e}")))
}

/// The completion script for `shell`.
pub fn script(mut cmd: clap::Command, shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        // clap_complete's bash script spells subcommand states two ways when the binary name has
        // a hyphen (clap-rs/clap#6421), so no subcommand's flags complete; use the loop's spelling.
        clap_complete::Shell::Bash => {
            text.replace("kubectl__subcmd__mig__subcmd__", "kubectl__mig__subcmd__")
        }
        _ => text,
    }
}

/// Writes the man pages (`kubectl-mig.1` and one per subcommand, `kubectl-mig-describe.1`, ...)
/// into `dir`, for the release archive (`kubectl-mig __man DIR`).
pub fn man_pages(cmd: clap::Command, dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(cmd, dir))
        .map_err(|e| {
            Error::failed(format!(
                "cannot write the man pages into {}: {e}",
                dir.display()
            ))
        })
}

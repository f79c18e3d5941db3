//! `kubectl mig install --helm`: the same install through NVIDIA's helm chart.

use super::manifests::daemons::{self, InstallConfig};
use crate::error::{Error, Result};
use crate::output;
use crate::output::messages::Messages;
use crate::output::DryRun;
use std::io::Write;

/// Runs the helm commands equivalent to the install, or prints them for a dry run.
pub fn run(
    config: &InstallConfig,
    dry_run: Option<DryRun>,
    wait: Option<std::time::Duration>,
    out: &mut dyn Write,
    msgs: &Messages,
) -> Result<()> {
    let commands = daemons::helm_commands(config, wait);
    if dry_run.is_some() {
        for c in &commands {
            writeln!(out, "{}", shell_words(c)).map_err(output::io_error)?;
        }
        return Ok(());
    }
    for c in &commands {
        msgs.say(format_args!("+ {}", shell_words(c)));
        let mut command = std::process::Command::new(&c[0]);
        crate::cluster::proxy::restore_env(&mut command);
        let status = command.args(&c[1..]).status().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => missing(),
            _ => Error::failed(format!("cannot run helm: {e}")),
        })?;
        if !status.success() {
            return Err(Error::failed(format!(
                "{} failed ({status}); see helm's message above",
                shell_words(c)
            )));
        }
    }
    Ok(())
}

/// The error when helm is not installed.
pub fn missing() -> Error {
    Error::failed(
        "helm is not on your PATH; install helm (https://helm.sh/docs/intro/install/) or drop --helm to let kubectl mig apply the manifests itself",
    )
}

/// Whether an executable of that name is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file() || candidate.with_extension("exe").is_file()
        })
    })
}

fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=,".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

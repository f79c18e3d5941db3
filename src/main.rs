//! `kubectl-mig`: a kubectl plugin to plan, install, see and test NVIDIA MIG on Kubernetes.

mod cli;
mod cluster;
mod completion;
mod describe;
mod error;
mod install;
mod k8s;
mod mig;
mod model;
mod output;
mod plan;
mod reconfigure;
mod run;
mod signals;
mod snapshot;
mod text;

use clap::Parser;
use cli::{Cli, Command};
use error::{Error, Result};
use output::messages::Messages;
use std::io::Write;

fn main() {
    // Before any thread starts: kube must not read the proxy variables itself.
    cluster::proxy::take_env();
    if let Some(code) = completion::hidden_entry(command) {
        std::process::exit(code);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            std::process::exit(err.exit_code());
        }
    };
    let verbosity = cli.global.verbosity;
    init_logging(verbosity);
    let code = match run(cli) {
        Ok(()) => 0,
        Err(err) => {
            let message = err.to_string();
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            // -v shows what the sentence was made from.
            if verbosity > 0 {
                for cause in err.causes() {
                    eprintln!("  caused by: {cause}");
                }
            }
            err.exit_code()
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &cli.command {
        Command::Profiles(args) => plan::profiles::run(args, &mut out),
        Command::Plan(args) if !args.for_pending => plan::run(args, &mut out),
        Command::Completion(args) => completion::run(args, command(), &mut out),
        _ => runtime()?.block_on(run_async(&cli, &mut out, &Messages::stderr())),
    };
    let flushed = out.flush();
    result?;
    flushed.map_err(output::io_error)
}

async fn run_async(cli: &Cli, out: &mut dyn Write, msgs: &Messages) -> Result<()> {
    let global = &cli.global.connect_options();
    match &cli.command {
        Command::Describe(args) => describe::run(global, args, out, msgs).await,
        Command::Run(args) => run::run(global, args, out, msgs).await,
        Command::Install(args) => install::install(global, args, out, msgs).await,
        Command::Uninstall(args) => install::uninstall(global, args, out, msgs).await,
        Command::Status(args) => install::status::run(global, args, out).await,
        Command::Reconfigure(args) => reconfigure::run(global, args, out, msgs).await,
        Command::Plan(args) => plan::run_for_pending(global, args, out, msgs).await,
        Command::Profiles(_) | Command::Completion(_) => Ok(()),
    }
}

/// The whole command line definition, for completion and man pages.
pub(crate) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::failed(format!("cannot start the async runtime: {e}")))
}

/// Logs go to stderr; `-v` picks the level the way kubectl's klog levels read.
fn init_logging(verbosity: u8) {
    use tracing::level_filters::LevelFilter;
    let level = match verbosity {
        0 => LevelFilter::OFF,
        1 => LevelFilter::WARN,
        2 | 3 => LevelFilter::INFO,
        4..=7 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    if level == LevelFilter::OFF {
        return;
    }
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // The retry buffer's per-request chatter says nothing a user can act on.
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(level)
        .with_target("tower::buffer", LevelFilter::WARN.min(level));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(verbosity >= 4)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
}

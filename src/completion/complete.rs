//! Completion for kubectl's plugin completion (kubectl 1.26+): `kubectl_complete-mig` runs
//! `kubectl-mig __complete WORDS...` with the words after `kubectl mig`, the last one being
//! completed, and kubectl expects cobra's answer: `value<TAB>description` lines, then
//! `:<directive>`. Subcommands and flags come from clap's definition so they never drift.

use super::words::{Target, Typed};
use super::{live, values, words};
use crate::cluster::ConnectOptions;
use clap::{Arg, ValueHint};
use std::io::Write;
use std::path::PathBuf;

/// cobra's `ShellCompDirectiveDefault`: the shell may fall back to file names.
const DIRECTIVE_DEFAULT: u32 = 0;
/// cobra's `ShellCompDirectiveNoFileComp`: offer nothing beyond the candidates.
const DIRECTIVE_NO_FILES: u32 = 4;

/// The hidden entries, checked before clap parses: `__complete WORDS...` (kubectl's plugin
/// completion) and `__man DIR` (man pages for the release archive). Returns the exit code when
/// the command line asked for one of them.
pub fn hidden_entry(command: fn() -> clap::Command) -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    let first = args.next()?;
    match first.to_str()? {
        "__complete" => {
            let words: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
            let text = complete(&command(), &words).render();
            let written = std::io::stdout().lock().write_all(text.as_bytes());
            Some(if written.is_ok() { 0 } else { 1 })
        }
        "__man" => {
            let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
            match super::man_pages(command(), &dir) {
                Ok(()) => Some(0),
                Err(err) => {
                    eprintln!("error: {err}");
                    Some(err.exit_code())
                }
            }
        }
        _ => None,
    }
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What the shell inserts.
    pub value: String,
    /// Shown beside it by shells that show descriptions.
    pub help: String,
}

impl Candidate {
    pub fn new(value: impl Into<String>, help: impl Into<String>) -> Self {
        Candidate {
            value: value.into(),
            help: help.into(),
        }
    }
}

/// The answer to one completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    /// Candidates matching the typed prefix.
    pub candidates: Vec<Candidate>,
    /// cobra's directive bits.
    pub directive: u32,
}

impl Completions {
    /// cobra's wire format: `value<TAB>description` lines, then `:<directive>`.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for c in &self.candidates {
            text.push_str(&one_line(&c.value));
            let help = one_line(&c.help);
            if !help.is_empty() {
                text.push('\t');
                text.push_str(&help);
            }
            text.push('\n');
        }
        text.push_str(&format!(":{}\n", self.directive));
        text
    }
}

/// Completes the last of `words` (the words after `kubectl mig`).
pub fn complete(root: &clap::Command, words: &[String]) -> Completions {
    let mut root = root.clone();
    root.build();
    let typed = words::read(&root, words);
    let cmd = words::chosen(&root, &typed);
    let (candidates, directive) = match &typed.target {
        Target::Subcommand => (subcommands(cmd), DIRECTIVE_NO_FILES),
        Target::Flag => (flags(cmd, &typed), DIRECTIVE_NO_FILES),
        Target::Value(id) => match cmd.get_arguments().find(|a| a.get_id() == id.as_str()) {
            Some(arg) => arg_values(arg, &typed),
            None => (Vec::new(), DIRECTIVE_NO_FILES),
        },
        Target::Nothing => (Vec::new(), DIRECTIVE_NO_FILES),
    };
    Completions {
        candidates: candidates
            .into_iter()
            .filter(|c| c.value.starts_with(&typed.prefix))
            .collect(),
        directive,
    }
}

fn subcommands(cmd: &clap::Command) -> Vec<Candidate> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| Candidate::new(s.get_name(), styled(s.get_about())))
        .collect()
}

/// Long and short names of the command's flags (globals included), less those already given
/// that cannot be repeated.
fn flags(cmd: &clap::Command, typed: &Typed) -> Vec<Candidate> {
    let mut out = Vec::new();
    for arg in cmd.get_arguments() {
        if arg.is_positional() || arg.is_hide_set() {
            continue;
        }
        if typed.has(arg.get_id().as_str()) && !words::is_multiple(arg) {
            continue;
        }
        let help = styled(arg.get_help());
        if let Some(long) = arg.get_long() {
            out.push(Candidate::new(format!("--{long}"), help.clone()));
        }
        if let Some(short) = arg.get_short() {
            out.push(Candidate::new(format!("-{short}"), help));
        }
    }
    out
}

/// Values for one flag or positional argument, by its clap id.
fn arg_values(arg: &Arg, typed: &Typed) -> (Vec<Candidate>, u32) {
    use live::Lookup;
    use values::Section;
    let live = |what| live::lookup(&global_args(typed), what).unwrap_or_default();
    let kubeconfig = typed.value("kubeconfig").map(expand_home);
    let candidates = match (typed.subcommand.as_deref(), arg.get_id().as_str()) {
        (_, "context") => values::kubeconfig_names(kubeconfig.as_deref(), Section::Contexts),
        (_, "cluster") => values::kubeconfig_names(kubeconfig.as_deref(), Section::Clusters),
        (_, "user") => values::kubeconfig_names(kubeconfig.as_deref(), Section::Users),
        (_, "namespace") => live(Lookup::Namespaces),
        (_, "verbosity") => values::verbosity(),
        (Some("describe" | "reconfigure"), "nodes") => {
            let typed_nodes = typed.given.get("nodes").cloned().unwrap_or_default();
            let mut nodes = live(Lookup::Nodes {
                all: typed.has("all"),
            });
            nodes.retain(|n| !typed_nodes.contains(&n.value));
            nodes
        }
        (Some("run"), "node") => live(Lookup::OfferingNodes {
            profile: typed.value("profile").map(String::from),
        }),
        (Some("run"), "profile") => run_profiles(typed),
        (Some("reconfigure"), "config") => live(Lookup::Layouts {
            node: typed
                .given
                .get("nodes")
                .and_then(|nodes| nodes.first())
                .cloned(),
        }),
        (Some("profiles"), "gpu") => values::gpu_models(),
        (Some("plan"), "vm_size") => values::vm_sizes(),
        (Some("plan"), "gpu") => values::gpu_models(),
        (Some("plan"), "gpu_instance_profile") => {
            values::gpu_instance_profiles(typed.value("vm_size"))
        }
        _ if !arg.get_possible_values().is_empty() => values::possible(arg),
        _ if matches!(
            arg.get_value_hint(),
            ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
        ) =>
        {
            return (Vec::new(), DIRECTIVE_DEFAULT)
        }
        _ => Vec::new(),
    };
    (candidates, DIRECTIVE_NO_FILES)
}

/// `run --profile`: what the cluster offers; the catalog's profiles when the pod is only printed
/// for a given strategy (no cluster needed) or the cluster cannot be asked.
fn run_profiles(typed: &Typed) -> Vec<Candidate> {
    let offline = matches!(typed.value("dry_run"), Some("" | "client"))
        && matches!(typed.value("strategy"), Some("single" | "mixed"))
        && !typed.has("node");
    if offline {
        return values::catalog_profiles();
    }
    let lookup = live::Lookup::Profiles {
        node: typed.value("node").map(String::from),
        strategy: typed.value("strategy").map(String::from),
    };
    live::lookup(&global_args(typed), lookup).unwrap_or_else(values::catalog_profiles)
}

/// The connection flags typed so far, as the commands would read them.
fn global_args(typed: &Typed) -> ConnectOptions {
    let text = |id: &str| typed.value(id).map(String::from);
    ConnectOptions {
        kubeconfig: typed.value("kubeconfig").map(expand_home),
        context: text("context"),
        cluster: text("cluster"),
        user: text("user"),
        namespace: text("namespace"),
        ..ConnectOptions::default()
    }
}

/// Shells pass `~/...` unexpanded while a word is being completed.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

fn styled(text: Option<&clap::builder::StyledStr>) -> String {
    text.map(|t| t.to_string()).unwrap_or_default()
}

/// Descriptions end at the first line; tabs and newlines would break the wire format.
fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    first.replace('\t', " ").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_words(words: &[&str]) -> Completions {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        complete(&crate::command(), &words)
    }

    fn values_of(words: &[&str]) -> Vec<String> {
        complete_words(words)
            .candidates
            .into_iter()
            .map(|c| c.value)
            .collect()
    }

    #[test]
    fn subcommands_come_from_clap() {
        let all = values_of(&[""]);
        let expected: Vec<String> = crate::command()
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        assert_eq!(all, expected);
        assert_eq!(values_of(&["p"]), ["profiles", "plan"]);
        assert_eq!(complete_words(&[""]).directive, DIRECTIVE_NO_FILES);
    }

    #[test]
    fn flags_include_globals_and_shorts_and_skip_given_ones() {
        let flags = values_of(&["describe", "-"]);
        for f in [
            "--selector",
            "-l",
            "--output",
            "-o",
            "--context",
            "-n",
            "--help",
        ] {
            assert!(flags.contains(&f.to_string()), "{f} in {flags:?}");
        }
        let flags = values_of(&["describe", "-o", "json", "--"]);
        assert!(!flags.contains(&"--output".to_string()));
        assert!(flags.contains(&"--kubeconfig".to_string()));
        assert!(flags.iter().all(|f| f.starts_with("--")));
        assert_eq!(values_of(&["--vers"]), ["--version"]);
    }

    #[test]
    fn static_flag_values() {
        assert_eq!(
            values_of(&["describe", "-o", ""]),
            ["table", "wide", "json", "yaml"]
        );
        assert_eq!(values_of(&["describe", "--output=j"]), ["json"]);
        assert_eq!(
            values_of(&["run", "--strategy", ""]),
            ["auto", "single", "mixed"]
        );
        assert_eq!(values_of(&["install", "--strategy", "m"]), ["mixed"]);
        assert_eq!(
            values_of(&["run", "--dry-run="]),
            ["client", "server", "none"]
        );
        assert_eq!(values_of(&["completion", "f"]), ["fish"]);
        assert!(values_of(&["profiles", "--gpu", "H1"]).contains(&"H100-80GB".to_string()));
        assert_eq!(
            values_of(&[
                "plan",
                "--vm-size",
                "Standard_ND96isr_H100_v5",
                "--gpu-instance-profile",
                ""
            ])
            .len(),
            5
        );
    }

    #[test]
    fn offline_dry_run_offers_the_catalog_profiles() {
        let words = ["run", "--dry-run", "--strategy", "mixed", "--profile", "7g"];
        let profiles = values_of(&words);
        assert!(profiles.contains(&"7g.80gb".to_string()), "{profiles:?}");
        assert!(profiles.iter().all(|p| p.starts_with("7g")));
    }

    #[test]
    fn file_flags_let_the_shell_complete_paths() {
        let c = complete_words(&["describe", "-f", ""]);
        assert_eq!((c.candidates.len(), c.directive), (0, DIRECTIVE_DEFAULT));
        assert_eq!(
            complete_words(&["--kubeconfig", "/tm"]).directive,
            DIRECTIVE_DEFAULT
        );
    }

    #[test]
    fn unreachable_cluster_gives_no_candidates_and_no_error() {
        let dir = std::env::temp_dir().join(format!("kubectl-mig-complete-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kubeconfig = dir.join("config");
        // Port 9 (discard) on loopback refuses at once.
        std::fs::write(
            &kubeconfig,
            "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster:\n    server: http://127.0.0.1:9\ncontexts:\n- name: x\n  context:\n    cluster: x\n    user: x\nusers:\n- name: x\n  user:\n    token: t\n",
        )
        .unwrap();
        let path = kubeconfig.to_string_lossy().to_string();
        let started = std::time::Instant::now();
        let c = complete_words(&["--kubeconfig", &path, "describe", ""]);
        assert_eq!(c.render(), ":4\n");
        // run --profile falls back to the catalog.
        let c = complete_words(&["--kubeconfig", &path, "run", "--profile", "1g.5"]);
        assert_eq!(c.candidates[0].value, "1g.5gb");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wire_format() {
        let c = Completions {
            candidates: vec![
                Candidate::new("a", "first\tline\nsecond"),
                Candidate::new("b", ""),
            ],
            directive: 4,
        };
        assert_eq!(c.render(), "a\tfirst line\nb\n:4\n");
    }
}

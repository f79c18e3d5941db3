//! Reads the words typed after `kubectl mig` against clap's own definition of the command line:
//! which subcommand they chose, which flag values they gave, and what the last word is.
//! Pure, so the walk is tested without a shell or a cluster.

use clap::{Arg, ArgAction, Command};
use std::collections::BTreeMap;

/// What the word under the cursor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A subcommand name.
    Subcommand,
    /// A flag name (`-x` or `--name`).
    Flag,
    /// The value of the flag or positional argument with this clap id.
    Value(String),
    /// Nothing to offer (a positional the command does not have, the command after `--`).
    Nothing,
}

/// The typed words, read.
#[derive(Debug)]
pub struct Typed {
    /// The subcommand chosen, e.g. `describe`; `None` before one is typed.
    pub subcommand: Option<String>,
    /// Values given so far, by clap id (flags and positionals); flags without values count as `""`.
    pub given: BTreeMap<String, Vec<String>>,
    /// What to complete.
    pub target: Target,
    /// The part of the word under the cursor to match (after `--flag=` when it has one).
    pub prefix: String,
}

impl Typed {
    /// The last value given for `id`, if any.
    pub fn value(&self, id: &str) -> Option<&str> {
        self.given
            .get(id)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// Whether `id` was given at all.
    pub fn has(&self, id: &str) -> bool {
        self.given.contains_key(id)
    }
}

/// Walks `words` (the last one being completed, possibly empty) through `root`, which must be
/// built (`Command::build`) so global flags are known to every subcommand.
pub fn read(root: &Command, words: &[String]) -> Typed {
    let (current_word, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut walk = Walk {
        cmd: root,
        subcommand: None,
        given: BTreeMap::new(),
        pending: None,
        positionals: 0,
        after_dashdash: false,
    };
    for word in done {
        walk.take(word);
    }
    let (target, prefix) = walk.target(current_word);
    Typed {
        subcommand: walk.subcommand,
        given: walk.given,
        target,
        prefix,
    }
}

struct Walk<'a> {
    cmd: &'a Command,
    subcommand: Option<String>,
    given: BTreeMap<String, Vec<String>>,
    /// A flag whose value is the next word.
    pending: Option<&'a Arg>,
    positionals: usize,
    after_dashdash: bool,
}

impl<'a> Walk<'a> {
    fn take(&mut self, word: &str) {
        if let Some(arg) = self.pending.take() {
            self.record(arg, word);
            return;
        }
        if self.after_dashdash {
            self.positional(word);
        } else if word == "--" {
            self.after_dashdash = true;
        } else if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            if let Some(arg) = find_long(self.cmd, name) {
                match inline {
                    Some(value) => self.record(arg, value),
                    None if takes_value(arg) && !arg.is_require_equals_set() => {
                        self.pending = Some(arg)
                    }
                    None => self.record(arg, ""),
                }
            }
        } else if word.len() > 1 && word.starts_with('-') {
            self.shorts(&word[1..]);
        } else {
            self.positional(word);
        }
    }

    /// `-x`, `-xy` (switches), `-n ns`, `-nns`, `-n=ns`.
    fn shorts(&mut self, cluster: &str) {
        for (i, c) in cluster.char_indices() {
            let Some(arg) = find_short(self.cmd, c) else {
                return;
            };
            if !takes_value(arg) {
                self.record(arg, "");
                continue;
            }
            let rest = &cluster[i + c.len_utf8()..];
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            if rest.is_empty() {
                self.pending = Some(arg);
            } else {
                self.record(arg, rest);
            }
            return;
        }
    }

    fn positional(&mut self, word: &str) {
        if self.subcommand.is_none() && self.cmd.has_subcommands() {
            if let Some(sub) = self.cmd.find_subcommand(word) {
                self.subcommand = Some(sub.get_name().to_string());
                self.cmd = sub;
                self.positionals = 0;
            }
            return;
        }
        if let Some(arg) = self.positional_arg() {
            self.record(arg, word);
            if !is_multiple(arg) {
                self.positionals += 1;
            }
        }
    }

    /// The positional argument the next plain word fills.
    fn positional_arg(&self) -> Option<&'a Arg> {
        self.cmd
            .get_positionals()
            .filter(|a| a.is_last_set() == self.after_dashdash)
            .nth(if self.after_dashdash {
                0
            } else {
                self.positionals
            })
    }

    fn record(&mut self, arg: &Arg, value: &str) {
        self.given
            .entry(arg.get_id().to_string())
            .or_default()
            .push(value.to_string());
    }

    fn target(&self, word: &str) -> (Target, String) {
        if let Some(arg) = self.pending {
            return (Target::Value(arg.get_id().to_string()), word.to_string());
        }
        if !self.after_dashdash {
            if let Some(long) = word.strip_prefix("--") {
                if let Some((name, value)) = long.split_once('=') {
                    let target = match find_long(self.cmd, name) {
                        Some(arg) if takes_value(arg) => Target::Value(arg.get_id().to_string()),
                        _ => Target::Nothing,
                    };
                    return (target, value.to_string());
                }
            }
            if word.starts_with('-') {
                return (Target::Flag, word.to_string());
            }
            if self.subcommand.is_none() && self.cmd.has_subcommands() {
                return (Target::Subcommand, word.to_string());
            }
        }
        let target = match self.positional_arg() {
            Some(arg) if !self.after_dashdash => Target::Value(arg.get_id().to_string()),
            _ => Target::Nothing,
        };
        (target, word.to_string())
    }
}

/// The command the typed words chose (the root when none).
pub fn chosen<'a>(root: &'a Command, typed: &Typed) -> &'a Command {
    typed
        .subcommand
        .as_deref()
        .and_then(|name| root.find_subcommand(name))
        .unwrap_or(root)
}

fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name)
            || a.get_all_aliases()
                .is_some_and(|aliases| aliases.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| a.get_short() == Some(c))
}

/// Whether the flag reads a value (`--output json`), unlike a switch (`--all`).
pub fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// Whether the flag may be given more than once.
pub fn is_multiple(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
        || arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(words: &[&str]) -> Typed {
        let mut root = crate::command();
        root.build();
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        read(&root, &words)
    }

    fn value(id: &str) -> Target {
        Target::Value(id.into())
    }

    #[test]
    fn empty_word_at_the_root_is_a_subcommand() {
        let t = typed(&[""]);
        assert_eq!((t.target, t.prefix.as_str()), (Target::Subcommand, ""));
        assert_eq!(typed(&[]).target, Target::Subcommand);
        assert_eq!(typed(&["de"]).target, Target::Subcommand);
    }

    #[test]
    fn global_flags_before_the_subcommand_are_skipped_with_their_values() {
        let t = typed(&["--context", "prod", "-n", "ml", "describe", "aks-"]);
        assert_eq!(t.subcommand.as_deref(), Some("describe"));
        assert_eq!(t.target, value("nodes"));
        assert_eq!(t.prefix, "aks-");
        assert_eq!(t.value("context"), Some("prod"));
        assert_eq!(t.value("namespace"), Some("ml"));
    }

    #[test]
    fn flag_values_in_every_spelling() {
        let t = typed(&[
            "run",
            "--kubeconfig=/k",
            "-nml",
            "--node",
            "n1",
            "--profile",
            "",
        ]);
        assert_eq!(t.target, value("profile"));
        assert_eq!(t.value("kubeconfig"), Some("/k"));
        assert_eq!(t.value("namespace"), Some("ml"));
        assert_eq!(t.value("node"), Some("n1"));
        let t = typed(&["describe", "-o=json", "-n=x", "--output="]);
        assert_eq!(t.value("output"), Some("json"));
        assert_eq!(t.value("namespace"), Some("x"));
        assert_eq!((t.target, t.prefix.as_str()), (value("output"), ""));
        let t = typed(&["plan", "--vm-size=Standard_ND9"]);
        assert_eq!(
            (t.target, t.prefix.as_str()),
            (value("vm_size"), "Standard_ND9")
        );
    }

    #[test]
    fn switches_do_not_swallow_the_next_word() {
        let t = typed(&["describe", "--all", "aks-1", ""]);
        assert!(t.has("all"));
        assert_eq!(t.given["nodes"], ["aks-1"]);
        assert_eq!(t.target, value("nodes"));
    }

    #[test]
    fn dry_run_needs_equals_so_the_next_word_is_positional() {
        let t = typed(&["run", "--dry-run", "my-pod", "--strategy", "mi"]);
        assert_eq!(t.given["dry_run"], [""]);
        assert_eq!(t.value("name"), Some("my-pod"));
        assert_eq!((t.target, t.prefix.as_str()), (value("strategy"), "mi"));
        // A second plain word has no positional to fill.
        assert_eq!(typed(&["run", "my-pod", ""]).target, Target::Nothing);
    }

    #[test]
    fn dashes_start_flags_and_after_double_dash_nothing_is_offered() {
        assert_eq!(typed(&["describe", "--o"]).target, Target::Flag);
        assert_eq!(typed(&["-"]).target, Target::Flag);
        assert_eq!(
            typed(&["run", "--", "nvidia-smi", "-"]).target,
            Target::Nothing
        );
        assert_eq!(typed(&["completion", ""]).target, value("shell"));
    }

    #[test]
    fn unknown_words_do_not_derail_the_walk() {
        let t = typed(&["--bogus", "nodes", "describe", "-o", ""]);
        assert_eq!(t.subcommand.as_deref(), Some("describe"));
        assert_eq!(t.target, value("output"));
        let t = typed(&["describe", "--bogus", "-Z", "-o", ""]);
        assert_eq!(t.target, value("output"));
    }
}

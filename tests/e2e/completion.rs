//! Shell completion as users get it: the checked-in scripts of `completions/` match the CLI, the
//! bash one completes subcommand flags, and the real kubectl (oldest, default and newest on this
//! machine) completes `kubectl mig ...` through `kubectl_complete-mig` against the fake API.

use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// `completions/` file names, as clap_complete names them.
const SCRIPTS: [(&str, &str); 4] = [
    ("bash", "kubectl-mig.bash"),
    ("zsh", "_kubectl-mig"),
    ("fish", "kubectl-mig.fish"),
    ("powershell", "_kubectl-mig.ps1"),
];

fn generated(shell: &str) -> String {
    let r = run_offline(&["completion", shell]);
    assert_ok!(r, "completion {shell}");
    r.stdout
}

#[test]
fn checked_in_scripts_match_the_cli() {
    let bless = std::env::var_os("KUBECTL_MIG_BLESS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let path = Path::new(ROOT).join("completions").join(file);
        let fresh = generated(shell);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            if bless {
                std::fs::write(&path, &fresh).expect("write completion script");
            } else {
                stale.push(format!("completions/{file}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} no longer match the command line; regenerate them with\n  \
         KUBECTL_MIG_BLESS=1 cargo test --test e2e completion::checked_in_scripts_match_the_cli\n\
         and commit the result",
        stale.join(", ")
    );
}

/// What the bash completion function offers for `kubectl-mig WORDS...` (the last word is the
/// one being completed).
fn bash_complete(words: &[&str]) -> String {
    let script = Path::new(ROOT).join("completions/kubectl-mig.bash");
    // The completion function gets (command, current word, previous word).
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=(kubectl-mig {}); COMP_CWORD={}; \
         _kubectl__mig kubectl-mig '{}' '{}'; echo \"${{COMPREPLY[*]}}\"",
        script.display(),
        quoted.join(" "),
        cword + 1,
        words[cword],
        if cword == 0 {
            "kubectl-mig"
        } else {
            words[cword - 1]
        },
    );
    let r = run_cmd(Command::new("bash").args(["--norc", "-c", &program]));
    assert_ok!(r);
    r.stdout.trim().to_string()
}

#[test]
fn bash_script_completes_subcommand_flags_and_values() {
    if which("bash").is_none() {
        panic!("bash is needed for this test");
    }
    assert_eq!(bash_complete(&["desc"]), "describe");
    assert_eq!(
        bash_complete(&["describe", "-o", ""]),
        "table wide json yaml"
    );
    assert_eq!(bash_complete(&["run", "--str"]), "--strategy");
    assert_eq!(bash_complete(&["completion", "fi"]), "fish");
}

/// `kubectl __complete mig WORDS...` with the plugin first on PATH.
struct Kubectl<'a> {
    program: String,
    server: &'a TestServer,
    path: std::ffi::OsString,
}

impl Kubectl<'_> {
    /// The candidate values (descriptions dropped) and the directive line.
    fn complete(&self, words: &[&str]) -> (Vec<String>, String) {
        let r = run_cmd(
            Command::new(&self.program)
                .arg("__complete")
                .arg("mig")
                .args(words)
                .env("PATH", &self.path)
                .env("KUBECONFIG", self.server.kubeconfig())
                .env_remove("KUBECTL_MIG_BLESS"),
        );
        assert_ok!(r, "{} {words:?}", self.program);
        let mut lines: Vec<&str> = r.stdout.lines().collect();
        let directive = lines.pop().unwrap_or_default().to_string();
        let values = lines
            .iter()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect();
        (values, directive)
    }

    fn values(&self, words: &[&str]) -> Vec<String> {
        let (values, directive) = self.complete(words);
        assert_eq!(
            directive, ":4",
            "{} {words:?} gave {values:?}",
            self.program
        );
        values
    }
}

/// Asserts that every one of `expected` is among `values`.
#[track_caller]
fn assert_offers(values: &[String], expected: &[&str]) {
    for e in expected {
        assert!(values.iter().any(|v| v == e), "{e} in {values:?}");
    }
}

/// kubectl on PATH, plus the oldest and newest versioned ones where installed beside it.
fn kubectl_versions() -> Vec<String> {
    let default = which("kubectl").expect("kubectl on PATH");
    let dir = std::fs::canonicalize(&default)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let mut programs = vec!["kubectl".to_string()];
    for versioned in ["kubectl.1.27", "kubectl.1.33"] {
        if dir.join(versioned).is_file() {
            programs.push(dir.join(versioned).to_string_lossy().into_owned());
        } else if let Some(p) = which(versioned) {
            programs.push(p.to_string_lossy().into_owned());
        }
    }
    programs
}

#[test]
fn real_kubectl_completes_through_the_plugin() {
    let server = TestServer::start(FakeApi::seeded());
    let plugins = plugin_dir();
    let path = path_with(plugins.path());
    let versions = kubectl_versions();
    eprintln!("kubectl plugin completion checked with {versions:?}");
    for program in &versions {
        let kubectl = Kubectl {
            program: program.clone(),
            server: &server,
            path: path.clone(),
        };
        check_subcommands_and_node_names(&kubectl);
        check_flags_and_their_values(&kubectl);
        check_names_from_kubeconfig_and_cluster(&kubectl);
    }
}

fn check_subcommands_and_node_names(k: &Kubectl<'_>) {
    let subcommands = k.values(&[""]);
    assert_offers(
        &subcommands,
        &[
            "describe",
            "run",
            "install",
            "plan",
            "profiles",
            "completion",
        ],
    );
    assert_eq!(k.values(&["pl"]), ["plan"]);

    // Live node names, GPU nodes only, filtered by the typed prefix.
    assert_eq!(k.values(&["describe", "aks-"]), GPU_NODES);
    assert_eq!(
        k.values(&["describe", "aks-a100s"]),
        GPU_NODES[1..3].to_vec()
    );
    let all = k.values(&["describe", "--all", "aks-nodepool1"]);
    assert_eq!(all.len(), 2, "{all:?}");
}

fn check_flags_and_their_values(k: &Kubectl<'_>) {
    // Flags, long and short, global ones too.
    assert_eq!(k.values(&["describe", "--o"]), ["--output"]);
    let flags = k.values(&["run", "-"]);
    assert_offers(
        &flags,
        &[
            "--profile",
            "--node",
            "--context",
            "-n",
            "--kubeconfig",
            "-o",
        ],
    );

    // Static flag values.
    assert_eq!(k.values(&["describe", "-o", "j"]), ["json"]);
    assert_eq!(k.values(&["describe", "--output=y"]), ["yaml"]);
    assert_eq!(
        k.values(&["install", "--strategy", ""]),
        ["single", "mixed", "none"]
    );
    let sizes = k.values(&["plan", "--vm-size", "Standard_ND96a"]);
    assert_offers(&sizes, &["Standard_ND96asr_v4"]);

    // A file flag leaves the shell to complete paths.
    let (values, directive) = k.complete(&["describe", "-f", ""]);
    assert_eq!((values.len(), directive.as_str()), (0, ":0"));
}

fn check_names_from_kubeconfig_and_cluster(k: &Kubectl<'_>) {
    assert_eq!(k.values(&["--context", ""]), ["fake", "other"]);
    let namespaces = k.values(&["describe", "-n", ""]);
    assert_offers(&namespaces, &["default", "ml", "gpu-tests"]);
    let profiles = k.values(&["run", "--profile", ""]);
    assert_offers(&profiles, &["1g.5gb"]);
    let nodes = k.values(&["run", "--profile", "1g.5gb", "--node", "aks-"]);
    assert!(!nodes.is_empty() && nodes.iter().all(|n| GPU_NODES.contains(&n.as_str())));
}

#[test]
fn unreachable_cluster_completes_nothing_quietly() {
    let dir = temp_dir("complete-unreachable");
    let kubeconfig = dir.path().join("config");
    // A listener that accepts and never answers: the completion must give up on its own.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster:\n    server: http://{addr}\ncontexts:\n- name: x\n  context:\n    cluster: x\n    user: x\nusers:\n- name: x\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let r = run_cmd(
        Command::new(BIN)
            .args(["__complete", "describe", ""])
            .env("KUBECONFIG", &kubeconfig),
    );
    let elapsed = started.elapsed();
    drop(listener);
    assert_ok!(r);
    assert_eq!(r.stdout, ":4\n");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(elapsed.as_secs() < 6, "took {elapsed:?}");
}

#[test]
fn reconfigure_config_offers_the_layouts_that_fit_the_node() {
    let server = TestServer::start(mig_manager_api(100));
    let plugins = plugin_dir();
    let kubectl = Kubectl {
        program: "kubectl".into(),
        server: &server,
        path: path_with(plugins.path()),
    };
    let fitting = kubectl.values(&["reconfigure", DGX_A100, "--config", ""]);
    assert_offers(&fitting, &["all-1g.5gb", "all-3g.20gb", "all-balanced"]);
    assert!(
        !fitting.iter().any(|l| l == "all-7g.80gb"),
        "an 80GB layout offered for an A100 40GB: {fitting:?}"
    );
    assert_eq!(
        kubectl.values(&["reconfigure", DGX_A100, "--config", "all-3g"]),
        ["all-3g.20gb"]
    );
    // Each with what the node would advertise; the current layout marked.
    let r = run_cmd(
        Command::new("kubectl")
            .args([
                "__complete",
                "mig",
                "reconfigure",
                DGX_A100,
                "--config",
                "all-",
            ])
            .env("PATH", path_with(plugins.path()))
            .env("KUBECONFIG", server.kubeconfig()),
    );
    assert_ok!(r);
    let line = |layout: &str| {
        r.stdout
            .lines()
            .find(|l| l.split('\t').next() == Some(layout))
            .unwrap_or_default()
            .to_string()
    };
    assert_contains!(line("all-3g.20gb"), "nvidia.com/mig-3g.20gb: 16");
    assert_contains!(line("all-1g.5gb"), "(current)");
    // Without a node: every layout of the default ConfigMap.
    let all = kubectl.values(&["reconfigure", "--config", ""]);
    assert_offers(&all, &["all-1g.5gb", "all-7g.80gb"]);
}

//! Shell completion as users get it: the checked-in scripts of `completions/` match the CLI, the
//! bash one completes subcommand flags, and the real kubectl (oldest, default and newest on this
//! machine) completes `kubectl mig ...` through `kubectl_complete-mig` against the fake API.

use fakeapi::{FakeApi, TestServer};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-mig");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The seeded nodes with NVIDIA GPUs; `aks-nodepool1-*` are CPU nodes.
const GPU_NODES: [&str; 6] = [
    "aks-a100mixed-27591046-vmss000000",
    "aks-a100single-31485672-vmss000000",
    "aks-a100single-31485672-vmss000001",
    "aks-a100x80-64029185-vmss000000",
    "aks-h100mixed-50817263-vmss000000",
    "aks-h100whole-83726154-vmss000000",
];

/// `completions/` file names, as clap_complete names them.
const SCRIPTS: [(&str, &str); 4] = [
    ("bash", "kubectl-mig.bash"),
    ("zsh", "_kubectl-mig"),
    ("fish", "kubectl-mig.fish"),
    ("powershell", "_kubectl-mig.ps1"),
];

fn generated(shell: &str) -> String {
    let out = Command::new(BIN)
        .args(["completion", shell])
        .output()
        .expect("binary runs");
    assert!(out.status.success(), "completion {shell}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
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
         KUBECTL_MIG_BLESS=1 cargo test --test completion checked_in_scripts_match_the_cli\n\
         and commit the result",
        stale.join(", ")
    );
}

#[test]
fn bash_script_completes_subcommand_flags_and_values() {
    if which("bash").is_none() {
        panic!("bash is needed for this test");
    }
    let script = Path::new(ROOT).join("completions/kubectl-mig.bash");
    let complete = |words: &[&str]| -> String {
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
        let out = Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete(&["desc"]), "describe");
    assert_eq!(complete(&["describe", "-o", ""]), "table wide json yaml");
    assert_eq!(complete(&["run", "--str"]), "--strategy");
    assert_eq!(complete(&["completion", "fi"]), "fish");
}

/// A PATH directory holding `kubectl-mig` and `kubectl_complete-mig`, as an install leaves them.
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(BIN, dir.path().join("kubectl-mig")).expect("link binary");
    let script = dir.path().join("kubectl_complete-mig");
    std::fs::copy(Path::new(ROOT).join("kubectl_complete-mig"), &script).expect("copy script");
    dir
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// `kubectl __complete mig WORDS...` with the plugin first on PATH.
struct Kubectl<'a> {
    program: String,
    server: &'a TestServer,
    path: String,
}

impl Kubectl<'_> {
    /// The candidate values (descriptions dropped) and the directive line.
    fn complete(&self, words: &[&str]) -> (Vec<String>, String) {
        let out = Command::new(&self.program)
            .arg("__complete")
            .arg("mig")
            .args(words)
            .env("PATH", &self.path)
            .env("KUBECONFIG", self.server.kubeconfig())
            .env_remove("KUBECTL_MIG_BLESS")
            .output()
            .expect("kubectl runs");
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        assert!(out.status.success(), "{} {words:?}: {stdout}", self.program);
        let mut lines: Vec<&str> = stdout.lines().collect();
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
    let path = std::env::join_paths(
        std::iter::once(plugins.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap()
    .to_string_lossy()
    .into_owned();
    let versions = kubectl_versions();
    eprintln!("kubectl plugin completion checked with {versions:?}");
    for program in &versions {
        let kubectl = Kubectl {
            program: program.clone(),
            server: &server,
            path: path.clone(),
        };
        check_completions(&kubectl);
    }
}

fn check_completions(k: &Kubectl<'_>) {
    let subcommands = k.values(&[""]);
    for s in [
        "describe",
        "run",
        "install",
        "plan",
        "profiles",
        "completion",
    ] {
        assert!(
            subcommands.contains(&s.to_string()),
            "{s} in {subcommands:?}"
        );
    }
    assert_eq!(k.values(&["pl"]), ["plan"]);

    // Live node names, GPU nodes only, filtered by the typed prefix.
    assert_eq!(k.values(&["describe", "aks-"]), GPU_NODES);
    assert_eq!(
        k.values(&["describe", "aks-a100s"]),
        GPU_NODES[1..3].to_vec()
    );
    let all = k.values(&["describe", "--all", "aks-nodepool1"]);
    assert_eq!(all.len(), 2, "{all:?}");

    // Flags, long and short, global ones too.
    assert_eq!(k.values(&["describe", "--o"]), ["--output"]);
    let flags = k.values(&["run", "-"]);
    for f in [
        "--profile",
        "--node",
        "--context",
        "-n",
        "--kubeconfig",
        "-o",
    ] {
        assert!(flags.contains(&f.to_string()), "{f} in {flags:?}");
    }

    // Static flag values.
    assert_eq!(k.values(&["describe", "-o", "j"]), ["json"]);
    assert_eq!(k.values(&["describe", "--output=y"]), ["yaml"]);
    assert_eq!(
        k.values(&["install", "--strategy", ""]),
        ["single", "mixed", "none"]
    );
    let sizes = k.values(&["plan", "--vm-size", "Standard_ND96a"]);
    assert!(
        sizes.contains(&"Standard_ND96asr_v4".to_string()),
        "{sizes:?}"
    );

    // Names from the kubeconfig and the cluster.
    assert_eq!(k.values(&["--context", ""]), ["fake", "other"]);
    let namespaces = k.values(&["describe", "-n", ""]);
    for ns in ["default", "ml", "gpu-tests"] {
        assert!(
            namespaces.contains(&ns.to_string()),
            "{ns} in {namespaces:?}"
        );
    }
    let profiles = k.values(&["run", "--profile", ""]);
    assert!(profiles.contains(&"1g.5gb".to_string()), "{profiles:?}");
    let nodes = k.values(&["run", "--profile", "1g.5gb", "--node", "aks-"]);
    assert!(!nodes.is_empty() && nodes.iter().all(|n| GPU_NODES.contains(&n.as_str())));

    // A file flag leaves the shell to complete paths.
    let (values, directive) = k.complete(&["describe", "-f", ""]);
    assert_eq!((values.len(), directive.as_str()), (0, ":0"));
}

#[test]
fn unreachable_cluster_completes_nothing_quietly() {
    let dir = tempfile::tempdir().unwrap();
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
    let started = std::time::Instant::now();
    let out = Command::new(BIN)
        .args(["__complete", "describe", ""])
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    drop(listener);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), ":4\n");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(elapsed.as_secs() < 6, "took {elapsed:?}");
}

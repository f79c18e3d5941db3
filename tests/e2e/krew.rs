//! Release packaging and krew: the manifests pass krew's validation rules, `krew/package.sh`
//! builds an archive whose manifest installs the way krew installs it, and the real kubectl finds
//! and runs the installed plugin. The workflows are valid YAML and name scripts that exist.

use crate::support::*;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const TEMPLATE: &str = "krew/.krew.yaml";
const MANIFEST: &str = "krew/mig.yaml";
/// The platforms a release ships.
const PLATFORMS: [(&str, &str); 5] = [
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];
/// The `<os, arch>` pairs krew runs on, for the overlap and "matches something" checks.
const KREW_PLATFORMS: [(&str, &str); 11] = [
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];
const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn root() -> &'static Path {
    Path::new(ROOT)
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// What is wrong, collected: `check(ok, what)` keeps `what` when `ok` is false.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.0.push(what.into());
        }
    }
}

/// krew's rules for a plugin manifest at `path` (krew's `ValidatePlugin` and the
/// `validate-krew-manifest` checks), as a list of what is wrong.
fn krew_problems(path: &Path) -> Vec<String> {
    let doc = read_yaml(path);
    let mut bad = Problems::default();
    header_problems(path, &doc, &mut bad);
    spec_text_problems(&doc["spec"], &mut bad);
    let platforms = doc["spec"]["platforms"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    bad.check(!platforms.is_empty(), "no platforms");
    for (i, p) in platforms.iter().enumerate() {
        for problem in platform_problems(p) {
            bad.0.push(format!("platforms[{i}]: {problem}"));
        }
    }
    for (os, arch) in KREW_PLATFORMS {
        let matching: Vec<usize> = (0..platforms.len())
            .filter(|&i| selects(&platforms[i], os, arch))
            .collect();
        bad.check(
            matching.len() <= 1,
            format!("platforms {matching:?} overlap on {os}/{arch}"),
        );
    }
    for (i, p) in platforms.iter().enumerate() {
        bad.check(
            KREW_PLATFORMS.iter().any(|(os, arch)| selects(p, os, arch)),
            format!("platforms[{i}] selects no platform krew runs on"),
        );
    }
    bad.0
}

/// The file name, apiVersion, kind and plugin name.
fn header_problems(path: &Path, doc: &Value, bad: &mut Problems) {
    let file_name = path.file_name().unwrap().to_string_lossy();
    bad.check(
        file_name.ends_with(".yaml"),
        format!("{file_name}: extension must be .yaml"),
    );
    let name_from_file = file_name.trim_end_matches(".yaml");
    bad.check(
        text(doc, "apiVersion") == "krew.googlecontainertools.github.com/v1alpha2",
        "apiVersion",
    );
    bad.check(text(doc, "kind") == "Plugin", "kind must be Plugin");
    let name = text(&doc["metadata"], "name");
    bad.check(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            && !WINDOWS_RESERVED
                .iter()
                .any(|r| r.eq_ignore_ascii_case(name)),
        format!("unsafe plugin name {name:?}"),
    );
    bad.check(
        name == name_from_file,
        format!("name {name:?} is not the file name"),
    );
}

/// The descriptions, homepage and version.
fn spec_text_problems(spec: &Value, bad: &mut Problems) {
    let short = text(spec, "shortDescription");
    bad.check(!short.is_empty(), "shortDescription is empty");
    bad.check(
        !short.contains(['\r', '\n']),
        "shortDescription has a line break",
    );
    bad.check(
        short.len() <= 70,
        format!("shortDescription longer than 70: {short}"),
    );
    for (key, max) in [("description", 80), ("caveats", 80)] {
        bad.check(!text(spec, key).is_empty(), format!("{key} is empty"));
        for line in text(spec, key).lines() {
            // krew allows a longer line only when it is one word.
            bad.check(
                line.len() <= max || !line.trim().contains(' '),
                format!("{key} line longer than {max}: {line}"),
            );
        }
    }
    bad.check(
        text(spec, "homepage").starts_with("https://"),
        "homepage must be an https URL",
    );
    let version = text(spec, "version");
    bad.check(
        is_krew_semver(version),
        format!("version {version:?} is not semver with a leading v"),
    );
}

/// `vMAJOR.MINOR.PATCH[-pre][+build]`, as krew's semver package parses it.
fn is_krew_semver(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (core, _build) = rest.split_once('+').unwrap_or((rest, ""));
    let (core, pre) = core.split_once('-').unwrap_or((core, ""));
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n == &"0" || !n.starts_with('0'))
        })
        && pre.split('.').all(|p| pre.is_empty() || !p.is_empty())
}

fn platform_problems(p: &Value) -> Vec<String> {
    let mut bad = Problems::default();
    bad.check(!text(p, "uri").is_empty(), "uri is empty");
    let sha = text(p, "sha256");
    bad.check(
        sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        format!("sha256 {sha:?} is not 64 lower-case hex digits"),
    );
    let bin = text(p, "bin");
    bad.check(
        !(bin.is_empty() || bin.starts_with('/') || bin.split('/').any(|s| s == "..")),
        format!("bin {bin:?} must be a relative path inside the plugin"),
    );
    let destinations = files_problems(p, &mut bad);
    bad.check(
        destinations.contains(bin),
        format!("bin {bin:?} is not installed by files {destinations:?}"),
    );
    bad.check(
        destinations.contains("LICENSE"),
        "files do not install the LICENSE",
    );
    bad.check(
        destinations.contains("kubectl_complete-mig"),
        "files do not install kubectl_complete-mig",
    );
    let selector = &p["selector"];
    match selector["matchLabels"].as_mapping() {
        Some(labels) if !labels.is_empty() => {
            for key in labels.keys() {
                bad.check(
                    matches!(key.as_str(), Some("os" | "arch")),
                    format!("selector key {key:?} is not os or arch"),
                );
            }
        }
        _ => bad.check(false, "selector needs non-empty matchLabels"),
    }
    bad.check(
        selector["matchExpressions"].is_null(),
        "selector uses matchExpressions; this project keeps to matchLabels",
    );
    bad.0
}

/// The `files` entries' problems; returns where they install their files.
fn files_problems(p: &Value, bad: &mut Problems) -> BTreeSet<String> {
    let files = p["files"].as_sequence().cloned().unwrap_or_default();
    bad.check(!files.is_empty(), "files is empty");
    let mut destinations = BTreeSet::new();
    for f in &files {
        let (from, to) = (text(f, "from"), text(f, "to"));
        bad.check(
            !(from.is_empty() || to.is_empty()),
            format!("files entry {f:?} needs from and to"),
        );
        bad.check(
            to == clean(to),
            format!("files to {to:?} is not a clean path"),
        );
        destinations.insert(destination(from, to));
    }
    destinations
}

/// Where a `files` entry without a glob puts its file, relative to the install dir.
fn destination(from: &str, to: &str) -> String {
    let base = from.rsplit('/').next().unwrap_or(from);
    match to {
        "." => base.to_string(),
        _ => to.to_string(),
    }
}

/// What Go's `filepath.Clean` leaves unchanged for the paths a manifest uses.
fn clean(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn selects(p: &Value, os: &str, arch: &str) -> bool {
    let Some(labels) = p["selector"]["matchLabels"].as_mapping() else {
        return false;
    };
    labels.iter().all(|(k, v)| match k.as_str() {
        Some("os") => v.as_str() == Some(os),
        Some("arch") => v.as_str() == Some(arch),
        _ => false,
    })
}

/// Asserts that the manifest at `path` passes krew's rules.
#[track_caller]
fn assert_krew_valid(path: &Path) {
    let problems = krew_problems(path);
    assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
}

/// The template rendered the way krew-release-bot does, with these sha256 values per URI.
fn render_template(tag: &str, sha_of: impl Fn(&str) -> String) -> String {
    let template = std::fs::read_to_string(root().join(TEMPLATE)).unwrap();
    let mut out = String::new();
    for line in template.lines() {
        let line = line.replace("{{ .TagName }}", tag);
        let trimmed = line.trim_start();
        if let Some(call) = trimmed.strip_prefix("{{addURIAndSha \"") {
            let indent = &line[..line.len() - trimmed.len()];
            let uri = call.split('"').next().unwrap();
            out.push_str(&format!(
                "{indent}uri: {uri}\n{indent}sha256: \"{}\"\n",
                sha_of(uri)
            ));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn checked_in_manifest_is_valid_and_rendered_from_the_template() {
    let path = root().join(MANIFEST);
    assert_krew_valid(&path);
    let doc = read_yaml(&path);
    let tag = format!("v{VERSION}");
    assert_eq!(
        text(&doc["spec"], "version"),
        tag,
        "{MANIFEST} is not for Cargo.toml's version"
    );
    let platforms = doc["spec"]["platforms"].as_sequence().unwrap();
    let shipped: Vec<(&str, &str)> = platforms
        .iter()
        .map(|p| {
            let l = &p["selector"]["matchLabels"];
            (text(l, "os"), text(l, "arch"))
        })
        .collect();
    assert_eq!(shipped, PLATFORMS);
    for p in platforms {
        let os = text(&p["selector"]["matchLabels"], "os");
        let exe = if os == "windows" { ".exe" } else { "" };
        assert_eq!(text(p, "bin"), format!("kubectl-mig{exe}"));
    }

    let current = std::fs::read_to_string(&path).unwrap();
    let header: String = current
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let sha_of = |uri: &str| {
        platforms
            .iter()
            .find(|p| text(p, "uri") == uri)
            .map(|p| text(p, "sha256").to_string())
            .unwrap_or_else(|| "0".repeat(64))
    };
    let rendered = format!("{header}{}", render_template(&tag, sha_of));
    if std::env::var_os("KUBECTL_MIG_BLESS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    } else {
        assert_eq!(
            current, rendered,
            "{MANIFEST} no longer matches {TEMPLATE}; regenerate it with\n  \
             KUBECTL_MIG_BLESS=1 cargo test --test e2e krew::checked_in_manifest\n"
        );
    }
}

/// krew reads manifests with Go's YAML 1.1 rules, where an unquoted all-digit sha256 is an
/// integer and the manifest fails to load: read it as YAML 1.1 does (PyYAML) and check every
/// field krew wants as a string is one.
#[test]
fn manifest_reads_as_strings_under_yaml_1_1() {
    let probe = Command::new("python3").args(["-c", "import yaml"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        panic!("python3 with PyYAML is needed for this check (.ci/run installs it: pip install pyyaml)");
    }
    let script = r#"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
bad = []
spec = doc["spec"]
for key in ("version", "homepage", "shortDescription"):
    if not isinstance(spec[key], str):
        bad.append(key)
for p in spec["platforms"]:
    for key in ("uri", "sha256", "bin"):
        if not isinstance(p[key], str):
            bad.append(p["uri"] + " " + key + " is " + type(p[key]).__name__)
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;
    let r = run_cmd(
        Command::new("python3")
            .args(["-c", script])
            .arg(root().join(MANIFEST)),
    );
    assert_ok!(r, "not strings under YAML 1.1");
}

#[test]
fn template_has_the_release_bot_placeholders() {
    let template = std::fs::read_to_string(root().join(TEMPLATE)).unwrap();
    assert_contains!(template, "version: {{ .TagName }}");
    for (os, arch) in PLATFORMS {
        let asset = format!("kubectl-mig_{{{{ .TagName }}}}_{os}_{arch}.tar.gz\" .TagName }}}}");
        assert_contains!(
            template,
            &format!(
                "{{{{addURIAndSha \"https://github.com/kubectl-mig/kubectl-mig/releases/download/{{{{ .TagName }}}}/{asset}"
            ),
            "{os}/{arch} asset in {TEMPLATE}"
        );
    }
}

/// Runs `cmd`, asserts it succeeded and returns its stdout.
#[track_caller]
fn succeed(cmd: &mut Command) -> String {
    let r = run_cmd(cmd);
    assert_ok!(r, "{cmd:?}");
    r.stdout
}

fn sha256(path: &Path) -> String {
    let out = succeed(Command::new("sha256sum").arg(path));
    out.split_whitespace().next().unwrap().to_string()
}

/// Installs `archive` with `platform`'s `files` and `bin` the way krew does: extract to a staging
/// dir, move each `from` (a path, or a glob whose matches go into `to`) into
/// `$KREW_ROOT/store/mig/<version>`, and link `bin` as `$KREW_ROOT/bin/kubectl-mig`.
fn krew_install(krew_root: &Path, archive: &Path, version: &str, platform: &Value) -> PathBuf {
    let staging = krew_root.join("downloads");
    std::fs::create_dir_all(&staging).unwrap();
    succeed(
        Command::new("tar")
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(&staging),
    );
    let install = krew_root.join("store/mig").join(version);
    std::fs::create_dir_all(&install).unwrap();
    for op in platform["files"].as_sequence().unwrap() {
        krew_move(&staging, &install, text(op, "from"), text(op, "to"));
    }
    let bin = install.join(text(platform, "bin"));
    assert!(bin.is_file(), "bin {} is not installed", bin.display());
    let bin_dir = krew_root.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let relative = Path::new("../store/mig")
        .join(version)
        .join(text(platform, "bin"));
    std::os::unix::fs::symlink(relative, bin_dir.join("kubectl-mig")).unwrap();
    install
}

/// One `files` operation of krew: `from` (a path, or a glob whose matches go into `to`) moved
/// from `staging` into `install`.
fn krew_move(staging: &Path, install: &Path, from: &str, to: &str) {
    let source = staging.join(from);
    if source.exists() {
        let target = if to == "." {
            install.join(source.file_name().unwrap())
        } else {
            install.join(to)
        };
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::rename(&source, &target).unwrap();
        return;
    }
    let (dir, pattern) = from.rsplit_once('/').unwrap_or(("", from));
    let matches: Vec<PathBuf> = std::fs::read_dir(staging.join(dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| glob_match(pattern, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    assert!(!matches.is_empty(), "no file in the archive matches {from}");
    let target_dir = install.join(to);
    std::fs::create_dir_all(&target_dir).unwrap();
    for m in matches {
        std::fs::rename(&m, target_dir.join(m.file_name().unwrap())).unwrap();
    }
}

/// `*` and `?` within one path component, as Go's `filepath.Match`.
fn glob_match(pattern: &str, name: &str) -> bool {
    match (pattern.chars().next(), name.chars().next()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob_match(&pattern[1..], name)
                || (!name.is_empty()
                    && glob_match(pattern, &name[name.chars().next().unwrap().len_utf8()..]))
        }
        (Some('?'), Some(c)) => glob_match(&pattern[1..], &name[c.len_utf8()..]),
        (Some(p), Some(c)) if p == c => glob_match(&pattern[p.len_utf8()..], &name[c.len_utf8()..]),
        _ => false,
    }
}

/// The host's krew platform.
fn host_platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    PLATFORMS
        .into_iter()
        .find(|p| *p == (os, arch))
        .unwrap_or_else(|| panic!("no release platform for {os}/{arch}"))
}

/// The release archive of `os`/`arch` in `dist`.
fn archive(dist: &Path, os: &str, arch: &str) -> PathBuf {
    dist.join(format!("kubectl-mig_v{VERSION}_{os}_{arch}.tar.gz"))
}

/// `krew/package.sh ARGS...`.
fn package_sh() -> Command {
    let mut c = Command::new("bash");
    c.arg(root().join("krew/package.sh"));
    c
}

#[test]
fn package_installs_like_krew_and_runs_through_kubectl() {
    for tool in ["bash", "tar", "sha256sum", "kubectl"] {
        assert!(
            which(tool).is_some(),
            "{tool} is needed on PATH for this test"
        );
    }
    let work = temp_dir("krew-package");
    let dist = work.path().join("dist");
    // The release build (minutes from a clean checkout; a no-op when target/release is fresh).
    let printed = succeed(package_sh().arg("--out").arg(&dist));
    let (os, arch) = host_platform();
    let archive = archive(&dist, os, arch);
    assert!(archive.is_file(), "no {} in:\n{printed}", archive.display());

    let platform = check_the_host_manifest(&dist.join("mig.yaml"), &archive);
    check_the_archive_listing(&archive);
    install_like_krew_and_run_through_kubectl(&work.path().join("krew"), &archive, &platform);
    check_the_release_manifest(work.path(), &dist);
}

/// The manifest for the host's archive: krew's rules, this platform only, its real sha256;
/// returns its platform entry.
fn check_the_host_manifest(manifest: &Path, archive: &Path) -> Value {
    let (os, arch) = host_platform();
    let tag = format!("v{VERSION}");
    assert_krew_valid(manifest);
    let doc = read_yaml(manifest);
    assert_eq!(text(&doc["spec"], "version"), tag);
    let platforms = doc["spec"]["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 1);
    let platform = &platforms[0];
    assert!(selects(platform, os, arch));
    assert_eq!(text(platform, "sha256"), sha256(archive));
    assert_eq!(
        text(platform, "uri"),
        format!(
            "https://github.com/kubectl-mig/kubectl-mig/releases/download/{tag}/kubectl-mig_{tag}_{os}_{arch}.tar.gz"
        )
    );
    platform.clone()
}

fn check_the_archive_listing(archive: &Path) {
    let listing = succeed(Command::new("tar").arg("-tzf").arg(archive));
    for entry in [
        "kubectl-mig",
        "LICENSE",
        "README.md",
        "kubectl_complete-mig",
        "completions/kubectl-mig.bash",
        "completions/_kubectl-mig",
        "man/kubectl-mig.1",
        "man/kubectl-mig-describe.1",
    ] {
        assert!(
            listing.lines().any(|l| l.trim_end_matches('/') == entry),
            "{entry} in:\n{listing}"
        );
    }
}

/// Installs as krew does and runs through kubectl's plugin discovery and completion.
fn install_like_krew_and_run_through_kubectl(krew_root: &Path, archive: &Path, platform: &Value) {
    let install = krew_install(krew_root, archive, &format!("v{VERSION}"), platform);
    assert!(install.join("LICENSE").is_file());
    assert!(install.join("man/kubectl-mig.1").is_file());
    let path = path_with(&krew_root.join("bin"));
    let version = succeed(
        Command::new("kubectl")
            .args(["mig", "--version"])
            .env("PATH", &path)
            .env("KUBECONFIG", "/nonexistent"),
    );
    assert_eq!(version.trim(), format!("kubectl-mig {VERSION}"));
    let plugins = succeed(
        Command::new("kubectl")
            .args(["plugin", "list"])
            .env("PATH", &path),
    );
    assert_contains!(
        plugins,
        &krew_root.join("bin/kubectl-mig").display().to_string()
    );

    // The caveat's step (copy the completion helper next to the link) makes completion work.
    std::fs::copy(
        install.join("kubectl_complete-mig"),
        krew_root.join("bin/kubectl_complete-mig"),
    )
    .unwrap();
    let completed = succeed(
        Command::new("kubectl")
            .args(["__complete", "mig", "pl"])
            .env("PATH", &path)
            .env("KUBECONFIG", "/nonexistent"),
    );
    assert_eq!(completed.lines().next(), Some("plan\tPlan an AKS GPU node pool: the MIG profile, instance counts, resource names, commands"));
}

/// The release manifest from every platform's archive (copies stand in for the others), and
/// a missing platform is an error, not a manifest without it.
fn check_the_release_manifest(work: &Path, dist: &Path) {
    for (os, arch) in PLATFORMS {
        let other = archive(dist, os, arch);
        if !other.exists() {
            std::fs::write(&other, format!("{os}/{arch}")).unwrap();
        }
    }
    let archives: Vec<PathBuf> = PLATFORMS
        .iter()
        .map(|(os, arch)| archive(dist, os, arch))
        .collect();
    let release = work.join("release");
    succeed(
        package_sh()
            .args(["manifest", "--out"])
            .arg(&release)
            .args(&archives),
    );
    let full = release.join("mig.yaml");
    assert_krew_valid(&full);
    let rendered = render_template(&format!("v{VERSION}"), |uri| {
        let file = uri.rsplit('/').next().unwrap();
        sha256(&dist.join(file))
    });
    assert_eq!(std::fs::read_to_string(&full).unwrap(), rendered);
    let partial = run_cmd(
        package_sh()
            .args(["manifest", "--out"])
            .arg(work.join("partial"))
            .args(&archives[..4]),
    );
    assert_ne!(partial.code, 0, "{partial:#?}");
    assert_contains!(partial.stderr, "windows_amd64");
}

#[test]
fn workflows_are_valid_and_name_existing_scripts() {
    let dir = root().join(".github/workflows");
    for name in ["ci.yml", "release.yml"] {
        let doc = read_yaml(&dir.join(name));
        assert!(
            doc["jobs"].as_mapping().is_some_and(|j| !j.is_empty()),
            "{name}: jobs"
        );
        // YAML 1.1 reads a bare `on` key as true; either spelling must carry the triggers.
        let on = doc.get("on").or_else(|| doc.get(Value::Bool(true)));
        assert!(on.is_some(), "{name}: no triggers");
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for script in ["krew/package.sh", ".ci/run", "krew/.krew.yaml"] {
            if text.contains(script) {
                assert!(
                    root().join(script).is_file(),
                    "{name} names {script}, which is missing"
                );
            }
        }
    }
    let ci = std::fs::read_to_string(dir.join("ci.yml")).unwrap();
    assert_contains!(ci, "bash .ci/run", "ci.yml runs bash .ci/run");
    let release = read_yaml(&dir.join("release.yml"));
    let tags = &release
        .get("on")
        .or_else(|| release.get(Value::Bool(true)))
        .unwrap()["push"]["tags"];
    assert_eq!(tags[0].as_str(), Some("v*"));
    let text = std::fs::read_to_string(dir.join("release.yml")).unwrap();
    assert_contains!(text, "rajatjindal/krew-release-bot@");
    assert_contains!(text, "krew_template_file: krew/.krew.yaml");
    for (os, arch) in PLATFORMS {
        assert_contains!(
            text,
            &format!("{{ os: {os}, arch: {arch},"),
            "{os}/{arch} in release.yml's matrix"
        );
    }
    assert_contains!(text, "bash krew/package.sh --target ${{ matrix.target }}");
    assert_contains!(text, "bash krew/package.sh manifest");
}

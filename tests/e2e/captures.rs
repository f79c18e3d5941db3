//! Hostile and awkward captures for `describe -f`: overlapping files, Windows encodings, YAML
//! flow style, directories, deep nesting, quantities that are no counts, escape sequences.

use crate::support::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-1","uid":"u-1","labels":{"nvidia.com/mig.strategy":"mixed","nvidia.com/gpu.product":"NVIDIA-A100-SXM4-40GB"}},"status":{"capacity":{"nvidia.com/mig-1g.5gb":"7"},"allocatable":{"nvidia.com/mig-1g.5gb":"7"},"conditions":[{"type":"Ready","status":"True"}]}}"#;
const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"infer","namespace":"ml","uid":"p-1"},"spec":{"nodeName":"gpu-1","containers":[{"name":"c","resources":{"limits":{"nvidia.com/mig-1g.5gb":"3"}}}]},"status":{"phase":"Running"}}"#;

fn list(items: &[&str]) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        items.join(",")
    )
}

fn describe_files(dir: &TempDir, files: &[(&str, Vec<u8>)], extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["describe".into()];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        args.push("-f".into());
        args.push(path.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_plain(dir.path(), &args)
}

fn mig_row(report: &Value) -> &Value {
    named(&report["nodes"][0]["resources"], "nvidia.com/mig-1g.5gb")
}

#[test]
fn overlapping_captures_count_each_object_once_and_say_so() {
    let dir = temp_dir("overlap");
    let text = list(&[NODE, POD]).into_bytes();
    let r = describe_files(
        &dir,
        &[("a.json", text.clone()), ("b.json", text)],
        &["-o", "json"],
    );
    assert_ok!(r);
    assert_contains!(r.stderr, "2 objects appear more than once");
    let report = r.json();
    assert_eq!(items(&report["nodes"]).len(), 1);
    assert_eq!(mig_row(&report)["requested"], 3);
    let codes = report["nodes"][0]["problems"].to_string();
    assert_lacks!(codes, "OVERCOMMITTED");
}

#[test]
fn windows_encodings_flow_yaml_and_directories_are_read() {
    let dir = temp_dir("encodings");
    let text = list(&[NODE, POD]);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(text.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    // YAML flow style: starts with `{` but is not JSON (unquoted keys).
    let flow = "{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Node, metadata: {name: gpu-1}, status: {allocatable: {nvidia.com/mig-1g.5gb: 7}}}]}\n";
    for (name, bytes) in [
        ("bom.json", bom),
        ("utf16.json", utf16),
        ("flow.yaml", flow.as_bytes().to_vec()),
    ] {
        let r = describe_files(&dir, &[(name, bytes)], &["-o", "json"]);
        assert_ok!(r, "{name}");
        assert_eq!(mig_row(&r.json())["allocatable"], 7, "{name}");
    }
    let sub = dir.path().join("capture");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("nodes.json"), list(&[NODE])).unwrap();
    std::fs::write(
        sub.join("pods.yaml"),
        serde_yaml::to_string(&serde_json::from_str::<Value>(&list(&[POD])).unwrap()).unwrap(),
    )
    .unwrap();
    std::fs::write(sub.join("notes.txt"), "not a capture").unwrap();
    let report = run_plain(
        dir.path(),
        &["describe", "-f", sub.to_str().unwrap(), "-o", "json"],
    )
    .json();
    assert_eq!(mig_row(&report)["requested"], 3);
}

#[test]
fn deeply_nested_input_is_refused_at_once() {
    let dir = temp_dir("nesting");
    let bomb = "[".repeat(200_000);
    let started = Instant::now();
    let r = describe_files(&dir, &[("bomb.yaml", bomb.into_bytes())], &[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_exit!(r, 1);
    assert_contains!(r.stderr, "nests lists or maps more than");
}

#[test]
fn quantities_that_are_no_counts_do_not_wrap_or_vanish() {
    let dir = temp_dir("quantities");
    let node = |name: &str, alloc: &str| {
        NODE.replace("\"gpu-1\"", &format!("\"{name}\""))
            .replace("\"u-1\"", &format!("\"u-{name}\""))
            .replace(
                r#""allocatable":{"nvidia.com/mig-1g.5gb":"7"}"#,
                &format!(r#""allocatable":{{"nvidia.com/mig-1g.5gb":{alloc}}}"#),
            )
    };
    let huge = "\"9223372036854775807\"";
    let nodes = [
        node("a", huge),
        node("b", huge),
        node("c", huge),
        node("d", huge),
        node("e", "\"-4\""),
    ];
    let refs: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let r = describe_files(
        &dir,
        &[("q.json", list(&refs).into_bytes())],
        &["-o", "json"],
    );
    let report = r.json();
    let summary = named(&report["summary"], "nvidia.com/mig-1g.5gb");
    assert_eq!(summary["allocatable"], i64::MAX, "{summary}");
    let problems = named(&report["nodes"], "e")["problems"].to_string();
    assert_contains!(problems, "MALFORMED_QUANTITY");
    assert_contains!(problems, "nvidia.com/mig-1g.5gb=\\\"-4\\\"");
}

#[test]
fn escape_sequences_in_names_are_shown_not_run() {
    let dir = temp_dir("escapes");
    let evil = NODE.replace("\"gpu-1\"", "\"gpu-\\u001b[2J\\u001b]0;pwned\\u0007\"");
    let r = describe_files(&dir, &[("e.json", list(&[&evil]).into_bytes())], &[]);
    assert_ok!(r);
    assert_lacks!(r.stdout, '\u{1b}');
    assert_lacks!(r.stdout, '\u{7}');
    assert_contains!(r.stdout, "gpu-\\u{1b}[2J");
}

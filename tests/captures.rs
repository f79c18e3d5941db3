//! Hostile and awkward captures for `describe -f`: overlapping files, Windows encodings, YAML
//! flow style, directories, deep nesting, quantities that are no counts, escape sequences.

mod common;
use common::*;
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

fn mig_row(report: &serde_json::Value) -> &serde_json::Value {
    report["nodes"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "nvidia.com/mig-1g.5gb")
        .unwrap()
}

#[test]
fn overlapping_captures_count_each_object_once_and_say_so() {
    let dir = TempDir::new("overlap");
    let text = list(&[NODE, POD]).into_bytes();
    let r = describe_files(
        &dir,
        &[("a.json", text.clone()), ("b.json", text)],
        &["-o", "json"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("2 objects appear more than once"),
        "{}",
        r.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(mig_row(&report)["requested"], 3);
    let codes = report["nodes"][0]["problems"].to_string();
    assert!(!codes.contains("OVERCOMMITTED"), "{codes}");
}

#[test]
fn windows_encodings_flow_yaml_and_directories_are_read() {
    let dir = TempDir::new("encodings");
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
        assert_eq!(r.code, 0, "{name}: {r:#?}");
        let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(mig_row(&report)["allocatable"], 7, "{name}");
    }
    let sub = dir.path().join("capture");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("nodes.json"), list(&[NODE])).unwrap();
    std::fs::write(
        sub.join("pods.yaml"),
        serde_yaml::to_string(&serde_json::from_str::<serde_json::Value>(&list(&[POD])).unwrap())
            .unwrap(),
    )
    .unwrap();
    std::fs::write(sub.join("notes.txt"), "not a capture").unwrap();
    let r = run_plain(
        dir.path(),
        &["describe", "-f", sub.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(mig_row(&report)["requested"], 3);
}

#[test]
fn deeply_nested_input_is_refused_at_once() {
    let dir = TempDir::new("nesting");
    let bomb = "[".repeat(200_000);
    let started = Instant::now();
    let r = describe_files(&dir, &[("bomb.yaml", bomb.into_bytes())], &[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr.contains("nests lists or maps more than"),
        "{}",
        r.stderr
    );
}

#[test]
fn quantities_that_are_no_counts_do_not_wrap_or_vanish() {
    let dir = TempDir::new("quantities");
    let node = |name: &str, alloc: &str| {
        NODE.replace("\"gpu-1\"", &format!("\"{name}\""))
            .replace("\"u-1\"", &format!("\"u-{name}\""))
            .replace(
                r#""allocatable":{"nvidia.com/mig-1g.5gb":"7"}"#,
                &format!(r#""allocatable":{{"nvidia.com/mig-1g.5gb":{alloc}}}"#),
            )
    };
    let huge = "\"9223372036854775807\"";
    let items = [
        node("a", huge),
        node("b", huge),
        node("c", huge),
        node("d", huge),
        node("e", "\"-4\""),
    ];
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    let r = describe_files(
        &dir,
        &[("q.json", list(&refs).into_bytes())],
        &["-o", "json"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let summary = report["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "nvidia.com/mig-1g.5gb")
        .unwrap();
    assert_eq!(summary["allocatable"], i64::MAX, "{summary}");
    let e = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "e")
        .unwrap();
    let problems = e["problems"].to_string();
    assert!(problems.contains("MALFORMED_QUANTITY"), "{problems}");
    assert!(
        problems.contains("nvidia.com/mig-1g.5gb=\\\"-4\\\""),
        "{problems}"
    );
}

#[test]
fn escape_sequences_in_names_are_shown_not_run() {
    let dir = TempDir::new("escapes");
    let evil = NODE.replace("\"gpu-1\"", "\"gpu-\\u001b[2J\\u001b]0;pwned\\u0007\"");
    let r = describe_files(&dir, &[("e.json", list(&[&evil]).into_bytes())], &[]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(!r.stdout.contains('\u{7}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("gpu-\\u{1b}[2J"), "{}", r.stdout);
}

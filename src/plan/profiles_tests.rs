use super::*;

fn run_to_string(args: ProfilesArgs) -> Result<String> {
    let mut out = Vec::new();
    run(&args, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn args(gpu: Option<&str>, files: &[&str], output: Format) -> ProfilesArgs {
    ProfilesArgs {
        gpu: gpu.map(str::to_string),
        from_nvidia_smi: files.iter().map(PathBuf::from).collect(),
        output,
    }
}

#[test]
fn table_for_one_gpu() {
    let text = run_to_string(args(Some("a100-40gb"), &[], Format::Table)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].starts_with("GPU         PROFILE"), "{}", lines[0]);
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        [
            "A100-40GB",
            "1g.5gb",
            "19",
            "1/7",
            "1/8",
            "4.75",
            "14",
            "7",
            "{0,1,2,3,4,5,6}:1"
        ]
    );
    assert!(lines.iter().all(|l| !l.ends_with(' ')));
}

#[test]
fn wide_adds_engines() {
    let text = run_to_string(args(Some("B200"), &[], Format::Wide)).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        last.split_whitespace().collect::<Vec<_>>(),
        ["B200", "7g.180gb", "-", "7/7", "8/8", "-", "-", "1", "-", "16", "1", "-", "1", "1"]
    );
}

#[test]
fn json_schema_is_camel_case_with_integers() {
    let text = run_to_string(args(Some("H200"), &[], Format::Json)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = &v["gpus"][0]["profiles"][0];
    assert_eq!(v["gpus"][0]["model"], "H200");
    assert_eq!(p["name"], "1g.18gb");
    assert_eq!(p["id"], 19);
    assert_eq!(p["memoryGiB"], 16.0);
    assert_eq!(p["maxInstances"], 7);
    assert_eq!(p["placements"], serde_json::json!([0, 1, 2, 3, 4, 5, 6]));
    assert!(p["copyEngines"].is_u64());
}

#[test]
fn unknown_model_is_a_usage_error() {
    let err = run_to_string(args(Some("V100"), &[], Format::Table)).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("A100-40GB, A100-80GB"), "{err}");
}

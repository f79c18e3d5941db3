use super::*;
use crate::mig::catalog::{self, find_gpu};

fn gpu(model: &str) -> &'static Gpu {
    find_gpu(model).unwrap()
}

fn layout(text: &str) -> Vec<(String, u32)> {
    parse_layout(text).unwrap()
}

fn check(model: &str, text: &str) -> Result<Placement, LayoutError> {
    let request = layout(text);
    let refs: Vec<(&str, u32)> = request.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    fits(gpu(model), &refs)
}

#[test]
fn parses_layouts() {
    assert_eq!(
        layout("1g.10gb=2, 2g.20gb=1,3g.40gb"),
        [
            ("1g.10gb".to_string(), 2),
            ("2g.20gb".to_string(), 1),
            ("3g.40gb".to_string(), 1)
        ]
    );
    assert_eq!(layout("1g.5gb:2,1g.5gb=1"), [("1g.5gb".to_string(), 3)]);
    assert_eq!(layout("1g.24gb+me.all=1")[0].0, "1g.24gb+me.all");
    for bad in [
        "",
        "1g.5gb=,2g.10gb",
        "1g.5gb=0",
        "1g.5gb=x",
        "1g.5gb,,2g.10gb",
        "gpu=1",
    ] {
        assert!(parse_layout(bad).is_err(), "{bad}");
    }
    assert!(parse_layout("a100=1")
        .unwrap_err()
        .contains("not a MIG profile name"));
}

/// The valid and invalid layouts of every GPU whose placements NVIDIA publishes; per 7-slice GPU
/// the same shapes under that GPU's names (research/layouts.md §2, confirmed by its brute-force
/// checker).
#[test]
fn layouts_on_every_gpu_with_placements() {
    #[rustfmt::skip]
    let names: &[(&str, [&str; 6])] = &[
        // 1-slice, 1g 2-slice, 2g, 3g, 4g, 7g
        ("A100-40GB", ["1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"]),
        ("A100-80GB", ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"]),
        ("H100-80GB", ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"]),
        ("H100-PCIE", ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"]),
        ("H100-NVL", ["1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"]),
        ("GH200", ["1g.12gb", "1g.24gb", "2g.24gb", "3g.48gb", "4g.48gb", "7g.96gb"]),
        ("H200", ["1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"]),
    ];
    // {0} = 1-slice 1g, {1} = 2-slice 1g, {2} = 2g, {3} = 3g, {4} = 4g, {5} = 7g.
    #[rustfmt::skip]
    let cases: &[(&str, bool)] = &[
        ("{0}=2,{2}=1,{3}=1", true),
        ("{4}=1,{3}=1", true),
        ("{3}=2,{0}=1", false),
        ("{5}=1,{0}=1", false),
        ("{0}=7", true),
        ("{0}=8", false),
        ("{2}=3,{0}=1", true),
        ("{1}=4", true),
        ("{1}=3,{0}=2", true),
        ("{0}+me=1,{0}=6", true),
        ("{0}+me=2", false),
        ("{5}=1", true),
        ("{4}=1,{2}=1,{0}=1", true),
        ("{4}=1,{1}=2", true),
        ("{3}=1,{1}=2,{0}=1", false),
    ];
    for (model, n) in names {
        for (shape, valid) in cases {
            let mut text = shape.to_string();
            for (i, name) in n.iter().enumerate() {
                text = text.replace(&format!("{{{i}}}"), name);
            }
            let got = check(model, &text);
            assert_eq!(got.is_ok(), *valid, "{model} {text}: {got:?}");
        }
    }
    let a30 = [
        ("1g.6gb=4", true),
        ("2g.12gb=2", true),
        ("2g.12gb=1,1g.6gb=2", true),
        ("1g.6gb+me=1,1g.6gb=3", true),
        ("4g.24gb=1,1g.6gb=1", false),
        ("2g.12gb=1,1g.6gb=3", false),
        ("1g.6gb+me=1,2g.12gb+me=1", false),
    ];
    for (text, valid) in a30 {
        assert_eq!(check("A30", text).is_ok(), valid, "A30 {text}");
    }
    let placed: Vec<_> = catalog::gpus()
        .iter()
        .filter(|g| placements_published(g))
        .map(|g| g.model)
        .collect();
    let tested: Vec<_> = names.iter().map(|(m, _)| *m).chain(["A30"]).collect();
    assert_eq!(
        placed.len(),
        tested.len(),
        "every GPU with placements is tested: {placed:?}"
    );
}

#[test]
fn a100_40gb_examples_and_why() {
    let p = check("A100-40GB", "1g.5gb=2,2g.10gb=1,3g.20gb=1").unwrap();
    let at: Vec<String> = p.instances.iter().map(PlacedInstance::describe).collect();
    assert_eq!(
        at,
        [
            "2g.10gb@0 (slices 0-1)",
            "1g.5gb@2 (slice 2)",
            "1g.5gb@3 (slice 3)",
            "3g.20gb@4 (slices 4-7)"
        ]
    );
    assert_eq!((p.compute_slices, p.memory_slices), (7, 8));
    let p = check("A100-40GB", "4g.20gb=1,3g.20gb=1").unwrap();
    assert_eq!(p.instances[0].start, 0);
    assert_eq!(p.instances[1].start, 4);
    let e = check("A100-40GB", "3g.20gb=2,1g.5gb=1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the instances need 9 memory slices but an A100-40GB has 8"
    );
    let e = check("A100-40GB", "7g.40gb=1,1g.5gb=1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the instances need 8 compute slices but an A100-40GB has 7"
    );
    let e = check("A100-40GB", "2g.10gb=4").unwrap_err();
    assert_eq!(
        e.to_string(),
        "only 3 x 2g.10gb fit on one A100-40GB, not 4"
    );
    let e = check("A100-40GB", "1g.5gb+me=2").unwrap_err();
    assert!(e.to_string().starts_with("only 1 x 1g.5gb+me fit"), "{e}");
    let e = check("A100-40GB", "1g.12gb=1").unwrap_err();
    assert!(e
        .to_string()
        .starts_with("A100-40GB has no MIG profile 1g.12gb (its profiles: 1g.5gb,"));
}

#[test]
fn aliases_are_the_same_profile() {
    let p = check("A100-80GB", "3g.39gb=1,3g.40gb=1").unwrap();
    assert!(p.instances.iter().all(|i| i.profile == "3g.40gb"));
    assert!(check("A100-80GB", "3g.39gb=2,3g.40gb=1").is_err());
}

#[test]
fn unpublished_placements_are_checked_as_far_as_possible() {
    let e = check("B200", "1g.23gb=2,2g.45gb=1,3g.90gb=1").unwrap_err();
    assert!(
        matches!(e, LayoutError::PlacementsUnpublished { .. }),
        "{e}"
    );
    assert!(e
        .to_string()
        .contains("only the counts and slices were checked"));
    // What the slices and counts alone rule out is still ruled out.
    let e = check("B200", "7g.180gb=1,1g.23gb=1").unwrap_err();
    assert!(matches!(e, LayoutError::ComputeSlices { .. }), "{e}");
    let e = check("RTX-PRO-6000", "1g.24gb+me=1,1g.24gb+me.all=1").unwrap_err();
    assert!(
        matches!(e, LayoutError::MediaEngines { count: 2, .. }),
        "{e}"
    );
    let e = check("RTX-PRO-6000", "2g.48gb=2,1g.24gb=1").unwrap_err();
    assert!(
        matches!(
            e,
            LayoutError::ComputeSlices {
                needed: 5,
                total: 4,
                ..
            }
        ),
        "{e}"
    );
    assert!(nearest(gpu("B200"), &[("7g.180gb", 1), ("1g.23gb", 1)], 3).is_empty());
}

/// A made-up GPU where the slices add up but the starts do not: a 2-slice profile may only start
/// at 1, so it cannot sit beside a 4-slice one at 0 on a 6-slice GPU.
#[test]
fn names_the_profile_without_a_start() {
    use crate::mig::catalog::Profile;
    let profile = |name, compute_slices, memory_slices, starts| Profile {
        name,
        id: None,
        compute_slices,
        memory_slices,
        memory_gib: None,
        multiprocessors: None,
        max_instances: Some(1),
        placements: Some(starts),
        engines: None,
    };
    let profiles: &'static [Profile] = Box::leak(Box::new([
        profile("1g.10gb", 1, 2, &[1]),
        profile("2g.40gb", 2, 4, &[0]),
    ]));
    let gpu = Gpu {
        profiles,
        compute_slices: 3,
        memory_slices: 6,
        ..*gpu("A100-40GB")
    };
    let e = fits(&gpu, &[("1g.10gb", 1), ("2g.40gb", 1)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "1g.10gb has no free start (it starts at 1) once 2g.40gb@0 (slices 0-3) are placed"
    );
}

#[test]
fn nearest_layouts_drop_or_shrink_as_little_as_possible() {
    let near = |text: &str| {
        let request = layout(text);
        let refs: Vec<(&str, u32)> = request.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        nearest(gpu("A100-40GB"), &refs, 3)
            .into_iter()
            .map(|s| format!("{} ({})", s.layout_text(), s.change))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        near("3g.20gb=2,1g.5gb=1"),
        [
            "3g.20gb=1,2g.10gb=1,1g.5gb=1 (3g.20gb -> 2g.10gb)",
            "3g.20gb=2 (drop 1 x 1g.5gb)",
            "3g.20gb=1,1g.10gb=1,1g.5gb=1 (3g.20gb -> 1g.10gb)",
        ]
    );
    assert_eq!(
        near("7g.40gb=1,1g.5gb=1"),
        [
            "7g.40gb=1 (drop 1 x 1g.5gb)",
            "4g.20gb=1,1g.5gb=1 (7g.40gb -> 4g.20gb)",
            "3g.20gb=1,1g.5gb=1 (7g.40gb -> 3g.20gb)",
        ]
    );
    assert_eq!(near("1g.5gb=9")[0], "1g.5gb=7 (drop 2 x 1g.5gb)");
    // Every suggestion fits.
    for s in nearest(
        gpu("A100-40GB"),
        &[("4g.20gb", 1), ("3g.20gb", 1), ("1g.5gb", 2)],
        5,
    ) {
        let refs: Vec<(&str, u32)> = s.layout.clone();
        assert!(fits(gpu("A100-40GB"), &refs).is_ok(), "{}", s.layout_text());
    }
}

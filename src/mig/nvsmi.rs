//! Parsers for `nvidia-smi mig -lgip` (profiles), `nvidia-smi mig -lgipp` (placements) and
//! `nvidia-smi -L` (GPU names) text, so any GPU's profiles can be read from a capture.

use std::collections::BTreeMap;

/// One GPU instance profile read from a capture; fields a capture lacked are `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmiProfile {
    /// Profile name without `MIG ` (from `-lgip`).
    pub name: Option<String>,
    /// GPU instance profile ID.
    pub id: u32,
    /// Instances still free when the capture was taken.
    pub free_instances: Option<u32>,
    /// Instances that fit on an empty GPU.
    pub max_instances: Option<u32>,
    /// Memory in GiB.
    pub memory_gib: Option<f64>,
    /// Peer-to-peer support.
    pub p2p: Option<bool>,
    /// Streaming multiprocessors.
    pub multiprocessors: Option<u32>,
    /// Copy engines.
    pub copy_engines: Option<u32>,
    /// Decoders.
    pub decoders: Option<u32>,
    /// Encoders.
    pub encoders: Option<u32>,
    /// JPEG engines.
    pub jpeg: Option<u32>,
    /// Optical flow accelerators.
    pub ofa: Option<u32>,
    /// Start slots (from `-lgipp`).
    pub placements: Option<Vec<u32>>,
    /// Placement size in memory slices (from `-lgipp`).
    pub placement_size: Option<u32>,
}

/// One GPU of a capture: its index, its name if a `-L` capture gave it, and its profiles.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmiGpu {
    /// The GPU index nvidia-smi printed.
    pub index: u32,
    /// The NVML name, e.g. `NVIDIA H100 80GB HBM3` (from `-L`).
    pub name: Option<String>,
    /// Profiles in capture order.
    pub profiles: Vec<SmiProfile>,
}

/// What kind of nvidia-smi output a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `nvidia-smi mig -lgip`.
    Profiles,
    /// `nvidia-smi mig -lgipp`.
    Placements,
    /// `nvidia-smi -L`.
    List,
}

/// Tells which nvidia-smi output `text` is, or `None` if it is none of them.
pub fn detect(text: &str) -> Option<Kind> {
    if text.contains("GPU instance profiles") {
        Some(Kind::Profiles)
    } else if text.lines().any(|l| parse_placement_line(l).is_some()) {
        Some(Kind::Placements)
    } else if text.lines().any(|l| parse_list_line(l).is_some()) {
        Some(Kind::List)
    } else {
        None
    }
}

/// Merges any mix of `-lgip`, `-lgipp` and `-L` texts into one list of GPUs, ordered by index.
///
/// Errors name the first text that is none of the three, by its position in `texts`.
pub fn parse_all(texts: &[&str]) -> Result<Vec<SmiGpu>, usize> {
    let mut gpus: BTreeMap<u32, SmiGpu> = BTreeMap::new();
    // Profiles first, so placements and names attach to the rows they belong to.
    let mut kinds = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        kinds.push(detect(text).ok_or(i)?);
    }
    for (text, kind) in texts.iter().zip(&kinds) {
        if *kind == Kind::Profiles {
            for (index, profile) in parse_profiles(text) {
                gpu_entry(&mut gpus, index).profiles.push(profile);
            }
        }
    }
    for (text, kind) in texts.iter().zip(&kinds) {
        match kind {
            Kind::Placements => {
                for (index, id, starts, size) in text.lines().filter_map(parse_placement_line) {
                    let gpu = gpu_entry(&mut gpus, index);
                    let at = match gpu.profiles.iter().position(|p| p.id == id) {
                        Some(at) => at,
                        None => {
                            gpu.profiles.push(SmiProfile {
                                id,
                                ..SmiProfile::default()
                            });
                            gpu.profiles.len() - 1
                        }
                    };
                    gpu.profiles[at].placements = Some(starts);
                    gpu.profiles[at].placement_size = Some(size);
                }
            }
            Kind::List => {
                for (index, name) in text.lines().filter_map(parse_list_line) {
                    gpu_entry(&mut gpus, index).name = Some(name);
                }
            }
            Kind::Profiles => {}
        }
    }
    Ok(gpus.into_values().collect())
}

fn gpu_entry(gpus: &mut BTreeMap<u32, SmiGpu>, index: u32) -> &mut SmiGpu {
    gpus.entry(index).or_insert_with(|| SmiGpu {
        index,
        ..SmiGpu::default()
    })
}

/// Parses `nvidia-smi mig -lgip` rows: each profile is a row of
/// `GPU MIG <name> <id> <free>/<total> <GiB> <P2P> <SM> <DEC> <ENC>` and a row of `<CE> <JPEG> <OFA>`.
pub fn parse_profiles(text: &str) -> Vec<(u32, SmiProfile)> {
    let mut rows: Vec<(u32, SmiProfile)> = Vec::new();
    let mut awaiting_engines = false;
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            // Box rules (`+---+`) end a profile's two-row block.
            awaiting_engines = false;
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split_whitespace().collect();
        if cells.len() >= 10 && cells[1] == "MIG" {
            if let Some(row) = parse_profile_row(&cells) {
                rows.push(row);
                awaiting_engines = true;
                continue;
            }
        }
        if awaiting_engines && cells.len() == 3 {
            let n: Vec<Option<u32>> = cells.iter().map(|c| c.parse().ok()).collect();
            if let Some((_, last)) = rows.last_mut() {
                last.copy_engines = n[0];
                last.jpeg = n[1];
                last.ofa = n[2];
            }
        }
        awaiting_engines = false;
    }
    rows
}

fn parse_profile_row(cells: &[&str]) -> Option<(u32, SmiProfile)> {
    let index = cells[0].parse().ok()?;
    let id = cells[3].parse().ok()?;
    let (free, total) = cells[4].split_once('/')?;
    let num = |s: &str| s.parse::<u32>().ok();
    Some((
        index,
        SmiProfile {
            name: Some(cells[2].to_string()),
            id,
            free_instances: num(free),
            max_instances: num(total),
            memory_gib: cells[5].parse().ok(),
            p2p: match cells[6] {
                "Yes" => Some(true),
                "No" => Some(false),
                _ => None,
            },
            multiprocessors: num(cells[7]),
            decoders: num(cells[8]),
            encoders: num(cells[9]),
            ..SmiProfile::default()
        },
    ))
}

/// Parses one `-lgipp` line, `GPU  0 Profile ID 19 Placements: {0,1,2}:1` (`Placement :` when
/// there is only one), into (GPU index, profile ID, start slots, size).
pub fn parse_placement_line(line: &str) -> Option<(u32, u32, Vec<u32>, u32)> {
    let rest = line.trim().strip_prefix("GPU")?;
    let (index, rest) = rest.split_once("Profile ID")?;
    let (id, rest) = rest.split_once("Placement")?;
    let rest = rest
        .trim_start_matches('s')
        .trim_start()
        .strip_prefix(':')?;
    let (starts, size) = rest.trim().strip_prefix('{')?.split_once("}:")?;
    let starts = starts
        .split(',')
        .map(|s| s.trim().parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    Some((
        index.trim().parse().ok()?,
        id.trim().parse().ok()?,
        starts,
        size.trim().parse().ok()?,
    ))
}

/// Parses one `nvidia-smi -L` GPU line, `GPU 0: NVIDIA H200 (UUID: GPU-...)`, into (index, name).
/// MIG device lines (indented `MIG 1g.10gb Device 0: ...`) are not GPUs and give `None`.
pub fn parse_list_line(line: &str) -> Option<(u32, String)> {
    let rest = line.strip_prefix("GPU ")?;
    let (index, rest) = rest.split_once(':')?;
    let name = match rest.rfind(" (UUID:") {
        Some(at) => &rest[..at],
        None => rest,
    };
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some((index.trim().parse().ok()?, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::catalog;

    fn fixture(name: &str) -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/nvidia-smi/"
        );
        std::fs::read_to_string(format!("{path}{name}")).expect("fixture readable")
    }

    fn capture(prefix: &str) -> SmiGpu {
        let texts = [
            fixture(&format!("{prefix}.lgip.txt")),
            fixture(&format!("{prefix}.lgipp.txt")),
            fixture(&format!("{prefix}.L.txt")),
        ];
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut gpus = parse_all(&refs).unwrap();
        assert_eq!(gpus.len(), 1);
        gpus.remove(0)
    }

    #[test]
    fn parses_h100_capture() {
        let gpu = capture("h100-80gb-hbm3");
        assert_eq!(gpu.index, 0);
        assert_eq!(gpu.name.as_deref(), Some("NVIDIA H100 80GB HBM3"));
        assert_eq!(gpu.profiles.len(), 7);
        let first = &gpu.profiles[0];
        assert_eq!(
            *first,
            SmiProfile {
                name: Some("1g.10gb".into()),
                id: 19,
                free_instances: Some(7),
                max_instances: Some(7),
                memory_gib: Some(9.75),
                p2p: Some(false),
                multiprocessors: Some(16),
                copy_engines: Some(1),
                decoders: Some(1),
                encoders: Some(0),
                jpeg: Some(1),
                ofa: Some(0),
                placements: Some(vec![0, 1, 2, 3, 4, 5, 6]),
                placement_size: Some(1),
            }
        );
        let last = &gpu.profiles[6];
        assert_eq!(last.name.as_deref(), Some("7g.80gb"));
        assert_eq!(
            (last.id, last.multiprocessors, last.copy_engines),
            (0, Some(132), Some(8))
        );
        assert_eq!(
            (last.placements.as_deref(), last.placement_size),
            (Some(&[0][..]), Some(8))
        );
    }

    #[test]
    fn parses_h200_capture() {
        let gpu = capture("h200-141gb");
        assert_eq!(gpu.name.as_deref(), Some("NVIDIA H200"));
        let names: Vec<_> = gpu.profiles.iter().filter_map(|p| p.name.clone()).collect();
        assert_eq!(
            names,
            [
                "1g.18gb",
                "1g.18gb+me",
                "1g.35gb",
                "2g.35gb",
                "3g.71gb",
                "4g.71gb",
                "7g.141gb"
            ]
        );
        assert_eq!(gpu.profiles[6].memory_gib, Some(140.0));
        assert!(gpu.profiles.iter().all(|p| p.placements.is_some()));
    }

    /// Every field of the catalog's row equals the capture's: name, ID, instances, GiB, SMs,
    /// engines and placements.
    fn assert_catalog_matches(prefix: &str, model: &str) {
        let captured = capture(prefix);
        let gpu = catalog::gpu_for_product(captured.name.as_deref().unwrap()).unwrap();
        assert_eq!(gpu.model, model);
        assert_eq!(gpu.profiles.len(), captured.profiles.len());
        for (want, got) in gpu.profiles.iter().zip(&captured.profiles) {
            let ctx = want.name;
            assert_eq!(Some(want.name), got.name.as_deref(), "{ctx}");
            assert_eq!(want.id, Some(got.id), "{ctx}");
            assert_eq!(want.max_instances, got.max_instances, "{ctx}");
            assert_eq!(want.memory_gib, got.memory_gib, "{ctx}");
            assert_eq!(want.multiprocessors, got.multiprocessors, "{ctx}");
            let engines = want.engines.unwrap();
            assert_eq!(Some(engines.copy), got.copy_engines, "{ctx}");
            assert_eq!(Some(engines.decoders), got.decoders, "{ctx}");
            assert_eq!(engines.encoders, got.encoders, "{ctx}");
            assert_eq!(Some(engines.jpeg), got.jpeg, "{ctx}");
            assert_eq!(Some(engines.ofa), got.ofa, "{ctx}");
            assert_eq!(want.placements, got.placements.as_deref(), "{ctx}");
            assert_eq!(Some(want.memory_slices), got.placement_size, "{ctx}");
        }
    }

    #[test]
    fn catalog_h100_80gb_matches_capture() {
        assert_catalog_matches("h100-80gb-hbm3", "H100-80GB");
    }

    #[test]
    fn catalog_h200_matches_capture() {
        assert_catalog_matches("h200-141gb", "H200");
    }

    #[test]
    fn placements_alone_and_multi_gpu() {
        let text =
            "GPU  0 Profile ID  5 Placement : {0}:4\nGPU  1 Profile ID 14 Placements: {0,2,4}:2\n";
        let gpus = parse_all(&[text]).unwrap();
        assert_eq!(gpus.len(), 2);
        assert_eq!(gpus[1].index, 1);
        assert_eq!(gpus[1].profiles[0].id, 14);
        assert_eq!(gpus[1].profiles[0].name, None);
        assert_eq!(
            gpus[1].profiles[0].placements.as_deref(),
            Some(&[0, 2, 4][..])
        );
    }

    #[test]
    fn list_ignores_mig_devices() {
        let text =
            "GPU 0: NVIDIA A30 (UUID: GPU-1e44)\n  MIG 1g.6gb      Device  0: (UUID: MIG-41b9)\n";
        assert_eq!(
            parse_all(&[text]).unwrap()[0].name.as_deref(),
            Some("NVIDIA A30")
        );
    }

    #[test]
    fn rejects_other_text() {
        assert_eq!(detect("hello\n"), None);
        assert_eq!(
            parse_all(&["GPU  0 Profile ID 5 Placement : {0}:4", "nope"]),
            Err(1)
        );
        assert_eq!(
            parse_placement_line("GPU  0 Profile ID x Placements: {0}:4"),
            None
        );
        assert_eq!(parse_list_line("GPU 0:"), None);
    }
}

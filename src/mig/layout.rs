//! MIG layouts: several profiles on one GPU (`1g.10gb=2,2g.20gb=1,3g.40gb=1`), checked against the
//! GPU's placement rules, and the nearest layouts that fit when one does not. Pure.
//!
//! The rules (NVIDIA MIG User Guide, "Getting Started", `nvidia-smi mig -lgipp`): each instance
//! starts at one of its profile's start slots and covers `memory_slices` slots from there; no two
//! instances overlap; the GPU has one set of media extensions (`+me`, `+me.all`); the compute
//! slices add up to at most the GPU's. Counting slices is not enough: on an A100 40GB `4g.20gb` +
//! `3g.20gb` fits while `3g.20gb` x2 + `1g.5gb` does not (two 3g take all 8 memory slices).

mod nearest;

pub use nearest::{format_layout, nearest, Suggestion};

use crate::mig::catalog::{parse_profile_name, Gpu, Profile, Variant};
use serde::Serialize;

/// One instance of a layout and where it goes on the GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedInstance {
    /// The catalog's profile name.
    pub profile: &'static str,
    /// The start slot (`nvidia-smi mig -cgi <id>:<start>`).
    pub start: u32,
    /// Memory slices it covers from `start`.
    pub memory_slices: u32,
}

impl PlacedInstance {
    /// `3g.20gb@4` (memory slices 4-7).
    pub fn describe(&self) -> String {
        let end = self.start + self.memory_slices - 1;
        if end == self.start {
            format!("{}@{} (slice {})", self.profile, self.start, self.start)
        } else {
            format!(
                "{}@{} (slices {}-{end})",
                self.profile, self.start, self.start
            )
        }
    }
}

/// Where every instance of a layout that fits goes, by start slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    /// The instances, by start slot.
    pub instances: Vec<PlacedInstance>,
    /// Compute slices the layout uses.
    pub compute_slices: u32,
    /// Memory slices the layout uses.
    pub memory_slices: u32,
}

/// Why a layout does not fit a GPU, or cannot be checked; the message says which profile and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    /// No instance at all.
    #[error("the layout has no instance")]
    Empty,
    /// A profile name the GPU does not have.
    #[error("{gpu} has no MIG profile {profile} (its profiles: {known})")]
    UnknownProfile {
        /// The GPU model.
        gpu: String,
        /// The name as given.
        profile: String,
        /// The GPU's profiles, comma-separated.
        known: String,
    },
    /// More instances of one profile than fit on the GPU at all.
    #[error("only {max} x {profile} fit on one {gpu}, not {count}")]
    TooMany {
        /// The GPU model.
        gpu: String,
        /// The profile.
        profile: &'static str,
        /// Instances asked for.
        count: u32,
        /// Instances that fit when alone.
        max: u32,
    },
    /// More than one instance with media extensions.
    #[error("{count} instances take media extensions ({profiles}) but a GPU has one set")]
    MediaEngines {
        /// How many ask for them.
        count: u32,
        /// Their profiles.
        profiles: String,
    },
    /// More compute slices than the GPU has.
    #[error(
        "the instances need {needed} compute slices but {} {gpu} has {total}",
        article(gpu)
    )]
    ComputeSlices {
        /// The GPU model.
        gpu: String,
        /// Slices the layout needs.
        needed: u32,
        /// The GPU's slices.
        total: u32,
    },
    /// More memory slices than the GPU has.
    #[error(
        "the instances need {needed} memory slices but {} {gpu} has {total}",
        article(gpu)
    )]
    MemorySlices {
        /// The GPU model.
        gpu: String,
        /// Slices the layout needs.
        needed: u32,
        /// The GPU's slices.
        total: u32,
    },
    /// The slices add up, but one profile finds no free start once the larger ones are placed.
    #[error("{profile} has no free start (it starts at {starts}) once {taken} are placed")]
    NoPlacement {
        /// The profile left without a start.
        profile: &'static str,
        /// Its start slots, e.g. `0, 4`.
        starts: String,
        /// The instances already placed, e.g. `3g.20gb@0 (slices 0-3)`.
        taken: String,
    },
    /// The GPU's placements are not published, so only the slice counts could be checked.
    #[error(
        "NVIDIA publishes no placements (nvidia-smi mig -lgipp) for the {gpu}, so only the counts \
         and slices were checked (they are within the GPU's)"
    )]
    PlacementsUnpublished {
        /// The GPU model.
        gpu: String,
    },
}

/// `an A100-40GB`, `a B200`: the article a model name takes when read aloud.
pub fn article(model: &str) -> &'static str {
    match model.bytes().next().map(|b| b.to_ascii_uppercase()) {
        Some(b'A' | b'H' | b'R' | b'E' | b'F' | b'L' | b'M' | b'N' | b'S' | b'X') => "an",
        _ => "a",
    }
}

/// A layout as typed, before it meets a GPU: profile names and counts, in the order given.
pub type Request = Vec<(String, u32)>;

/// Parses `1g.10gb=2,2g.20gb=1,3g.40gb` (a count of 1 may be left out; `:` works as `=`; a
/// repeated profile adds up). The error is a sentence naming the bad part.
pub fn parse_layout(text: &str) -> Result<Request, String> {
    let mut out: Request = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(format!("layout {text:?} has an empty entry"));
        }
        let (name, count) = match part.split_once(['=', ':']) {
            Some((name, count)) => (name.trim(), count.trim()),
            None => (part, "1"),
        };
        if parse_profile_name(name).is_none() {
            return Err(format!(
                "{name:?} is not a MIG profile name (they look like 1g.10gb or 3g.40gb)"
            ));
        }
        let count: u32 = match count.parse() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => return Err(format!("{part:?}: the count must be a number from 1 to 64")),
        };
        match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, c)) => *c += count,
            None => out.push((name.to_string(), count)),
        }
    }
    Ok(out)
}

/// Where each instance of `layout` goes on `gpu`, or why it does not fit (or cannot be checked).
///
/// Names may be aliases (`3g.39gb` on A100 80GB). The returned starts are one valid arrangement,
/// largest instances first, as mig-parted creates them.
pub fn fits(gpu: &Gpu, layout: &[(&str, u32)]) -> Result<Placement, LayoutError> {
    let resolved = resolve(gpu, layout)?;
    check_limits(gpu, &resolved)?;
    if !placements_published(gpu) {
        return Err(LayoutError::PlacementsUnpublished {
            gpu: gpu.model.to_string(),
        });
    }
    place(&resolved)
}

/// True when NVIDIA publishes every profile's placements for `gpu`, so [`fits`] can decide.
pub fn placements_published(gpu: &Gpu) -> bool {
    gpu.profiles.iter().all(|p| p.placements.is_some())
}

/// Catalog profiles and counts for a layout's names.
fn resolve(gpu: &Gpu, layout: &[(&str, u32)]) -> Result<Vec<(&'static Profile, u32)>, LayoutError> {
    let mut out: Vec<(&'static Profile, u32)> = Vec::new();
    for (name, count) in layout.iter().filter(|(_, c)| *c > 0) {
        let profile = gpu
            .profile(name)
            .ok_or_else(|| LayoutError::UnknownProfile {
                gpu: gpu.model.to_string(),
                profile: name.to_string(),
                known: gpu
                    .profiles
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        match out.iter_mut().find(|(p, _)| p.name == profile.name) {
            Some((_, c)) => *c += count,
            None => out.push((profile, *count)),
        }
    }
    if out.is_empty() {
        return Err(LayoutError::Empty);
    }
    Ok(out)
}

/// The checks that need no placements: counts, media extensions, compute and memory slices.
fn check_limits(gpu: &Gpu, layout: &[(&'static Profile, u32)]) -> Result<(), LayoutError> {
    for (p, count) in layout {
        if let Some(max) = p.max_instances.filter(|max| count > max) {
            return Err(LayoutError::TooMany {
                gpu: gpu.model.to_string(),
                profile: p.name,
                count: *count,
                max,
            });
        }
    }
    let media: Vec<_> = layout
        .iter()
        .filter(|(p, _)| takes_media_engines(p))
        .collect();
    let media_count: u32 = media.iter().map(|(_, c)| c).sum();
    if media_count > 1 {
        return Err(LayoutError::MediaEngines {
            count: media_count,
            profiles: media
                .iter()
                .map(|(p, _)| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let sum = |f: fn(&Profile) -> u32| layout.iter().map(|(p, c)| f(p) * c).sum::<u32>();
    let compute = sum(|p| p.compute_slices);
    if compute > gpu.compute_slices {
        return Err(LayoutError::ComputeSlices {
            gpu: gpu.model.to_string(),
            needed: compute,
            total: gpu.compute_slices,
        });
    }
    let memory = sum(|p| p.memory_slices);
    if memory > gpu.memory_slices {
        return Err(LayoutError::MemorySlices {
            gpu: gpu.model.to_string(),
            needed: memory,
            total: gpu.memory_slices,
        });
    }
    Ok(())
}

fn takes_media_engines(p: &Profile) -> bool {
    matches!(
        p.variant(),
        Variant::MediaExtensions | Variant::AllMediaEngines
    )
}

/// Exhaustive placement, largest first (the space is a handful of slots).
fn place(layout: &[(&'static Profile, u32)]) -> Result<Placement, LayoutError> {
    let mut items: Vec<&'static Profile> = layout
        .iter()
        .flat_map(|(p, c)| std::iter::repeat_n(*p, *c as usize))
        .collect();
    items.sort_by_key(|p| {
        let starts = p.placements.map_or(0, <[u32]>::len);
        (
            std::cmp::Reverse(p.memory_slices),
            std::cmp::Reverse(p.compute_slices),
            starts,
            p.name,
        )
    });
    // The longest prefix that fits names the profile left without a start.
    for n in 1..=items.len() {
        let mut starts = Vec::with_capacity(n);
        if !search(&items[..n], 0, &mut starts) {
            let mut taken = Vec::new();
            search(&items[..n - 1], 0, &mut taken);
            let p = items[n - 1];
            let list = p.placements.unwrap_or_default();
            return Err(LayoutError::NoPlacement {
                profile: p.name,
                starts: list
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                taken: placed(&items[..n - 1], &taken)
                    .iter()
                    .map(PlacedInstance::describe)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        if n == items.len() {
            let mut instances = placed(&items, &starts);
            instances.sort_by_key(|i| i.start);
            return Ok(Placement {
                compute_slices: items.iter().map(|p| p.compute_slices).sum(),
                memory_slices: items.iter().map(|p| p.memory_slices).sum(),
                instances,
            });
        }
    }
    Err(LayoutError::Empty)
}

/// Depth-first: a start for each item whose slots are free in `used`; fills `starts`.
fn search(items: &[&'static Profile], used: u32, starts: &mut Vec<u32>) -> bool {
    let Some((first, rest)) = items.split_first() else {
        return true;
    };
    for &start in first.placements.unwrap_or_default() {
        let mask = ((1u32 << first.memory_slices) - 1) << start;
        if used & mask == 0 {
            starts.push(start);
            if search(rest, used | mask, starts) {
                return true;
            }
            starts.pop();
        }
    }
    false
}

fn placed(items: &[&'static Profile], starts: &[u32]) -> Vec<PlacedInstance> {
    items
        .iter()
        .zip(starts)
        .map(|(p, &start)| PlacedInstance {
            profile: p.name,
            start,
            memory_slices: p.memory_slices,
        })
        .collect()
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;

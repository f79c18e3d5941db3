//! The valid layouts nearest to one that does not fit: as few instances dropped or shrunk (to a
//! profile with no more compute or memory slices) as possible, then the most compute kept. An
//! exact search over every layout that fits the GPU; there are a few thousand at most.

use super::{check_limits, place, placements_published, resolve, Placement};
use crate::mig::catalog::{Gpu, Profile, Variant};
use serde::Serialize;

/// A layout that fits, what changed from the one asked for, and where its instances go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// Profiles and counts, largest first, e.g. `[("3g.20gb", 2)]`.
    pub layout: Vec<(&'static str, u32)>,
    /// What changed, e.g. `drop 1 x 1g.5gb` or `3g.20gb -> 2g.10gb`.
    pub change: String,
    /// Where its instances go.
    pub placement: Placement,
}

impl Suggestion {
    /// `3g.20gb=2,1g.5gb=1`, the form `--layout` takes.
    pub fn layout_text(&self) -> String {
        format_layout(&self.layout)
    }
}

/// `3g.20gb=2,1g.5gb=1`.
pub fn format_layout(layout: &[(&str, u32)]) -> String {
    let parts: Vec<String> = layout.iter().map(|(p, c)| format!("{p}={c}")).collect();
    parts.join(",")
}

/// Up to `limit` layouts that fit `gpu` and are nearest to `layout`; empty when the GPU's
/// placements are unpublished or a name is unknown.
pub fn nearest(gpu: &Gpu, layout: &[(&str, u32)], limit: usize) -> Vec<Suggestion> {
    let Ok(resolved) = resolve(gpu, layout) else {
        return Vec::new();
    };
    if !placements_published(gpu) {
        return Vec::new();
    }
    let index = |p: &Profile| gpu.profiles.iter().position(|q| q.name == p.name);
    let mut asked = vec![0u32; gpu.profiles.len()];
    for (p, c) in &resolved {
        if let Some(i) = index(p) {
            asked[i] += c;
        }
    }
    // (edits, (compute, instances, memory) kept, counts per profile)
    type Ranked = (u32, (u32, u32, u32), Vec<u32>);
    let mut ranked: Vec<Ranked> = Vec::new();
    for counts in valid_layouts(gpu) {
        if counts == asked {
            continue;
        }
        if let Some(cost) = edits(gpu, &asked, &counts) {
            let sum = |f: fn(&Profile) -> u32| -> u32 {
                gpu.profiles
                    .iter()
                    .zip(&counts)
                    .map(|(p, c)| f(p) * c)
                    .sum()
            };
            let kept = (
                sum(|p| p.compute_slices),
                counts.iter().sum(),
                sum(|p| p.memory_slices),
            );
            ranked.push((cost, kept, counts));
        }
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    ranked
        .into_iter()
        .take(limit)
        .filter_map(|(_, _, counts)| suggestion(gpu, &asked, &counts))
        .collect()
}

/// Every layout (counts per catalog profile) that fits `gpu`.
fn valid_layouts(gpu: &Gpu) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut counts = vec![0u32; gpu.profiles.len()];
    enumerate(gpu, 0, &mut counts, &mut out);
    out
}

fn enumerate(gpu: &Gpu, i: usize, counts: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    let layout = as_layout(gpu, counts);
    if check_limits(gpu, &layout).is_err() {
        return;
    }
    if i == gpu.profiles.len() {
        if !layout.is_empty() && place(&layout).is_ok() {
            out.push(counts.clone());
        }
        return;
    }
    let p = &gpu.profiles[i];
    let max = p
        .max_instances
        .unwrap_or_else(|| p.placements.map_or(0, |s| s.len() as u32));
    for n in 0..=max {
        counts[i] = n;
        enumerate(gpu, i + 1, counts, out);
    }
    counts[i] = 0;
}

fn as_layout(gpu: &Gpu, counts: &[u32]) -> Vec<(&'static Profile, u32)> {
    gpu.profiles
        .iter()
        .zip(counts)
        .filter(|(_, c)| **c > 0)
        .map(|(p, c)| (p, *c))
        .collect()
}

/// `to` may replace `from` when it takes no more compute or memory and adds no attribute.
fn shrinks_to(from: &Profile, to: &Profile) -> bool {
    to.compute_slices <= from.compute_slices
        && to.memory_slices <= from.memory_slices
        && (to.variant() == from.variant() || to.variant() == Variant::Plain)
}

/// Instances of `asked` dropped or shrunk to reach `target`, or `None` when `target` needs an
/// instance `asked` cannot shrink into. Keeping equal instances first is optimal: any instance
/// a kept one could have become, it can become from what it replaced.
fn edits(gpu: &Gpu, asked: &[u32], target: &[u32]) -> Option<u32> {
    let kept: u32 = asked.iter().zip(target).map(|(a, t)| *a.min(t)).sum();
    let expand = |counts: Vec<u32>| -> Vec<usize> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(i, c)| std::iter::repeat_n(i, *c as usize))
            .collect()
    };
    let from = expand(
        asked
            .iter()
            .zip(target)
            .map(|(a, t)| a.saturating_sub(*t))
            .collect(),
    );
    let to = expand(
        target
            .iter()
            .zip(asked)
            .map(|(t, a)| t.saturating_sub(*a))
            .collect(),
    );
    let edge = |t: usize, f: usize| shrinks_to(&gpu.profiles[f], &gpu.profiles[t]);
    let mut owner: Vec<Option<usize>> = vec![None; from.len()];
    for t in 0..to.len() {
        let mut seen = vec![false; from.len()];
        if !augment(t, &to, &from, &edge, &mut owner, &mut seen) {
            return None;
        }
    }
    Some(asked.iter().sum::<u32>() - kept)
}

/// Kuhn's augmenting path: gives `to[t]` an instance of `from` it can shrink from.
fn augment(
    t: usize,
    to: &[usize],
    from: &[usize],
    edge: &dyn Fn(usize, usize) -> bool,
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for f in 0..from.len() {
        if seen[f] || !edge(to[t], from[f]) {
            continue;
        }
        seen[f] = true;
        if owner[f].is_none_or(|o| augment(o, to, from, edge, owner, seen)) {
            owner[f] = Some(t);
            return true;
        }
    }
    false
}

fn suggestion(gpu: &Gpu, asked: &[u32], counts: &[u32]) -> Option<Suggestion> {
    let layout = as_layout(gpu, counts);
    let placement = place(&layout).ok()?;
    let mut sorted: Vec<(&'static str, u32, &Profile)> =
        layout.iter().map(|(p, c)| (p.name, *c, *p)).collect();
    sorted.sort_by_key(|(_, _, p)| std::cmp::Reverse((p.memory_slices, p.compute_slices)));
    Some(Suggestion {
        layout: sorted.iter().map(|(n, c, _)| (*n, *c)).collect(),
        change: change(gpu, asked, counts),
        placement,
    })
}

/// `drop 1 x 1g.5gb`, `3g.20gb -> 2g.10gb`: the removed instances paired with the added ones,
/// largest first; removed ones left over are dropped.
fn change(gpu: &Gpu, asked: &[u32], target: &[u32]) -> String {
    let mut removed: Vec<&Profile> = Vec::new();
    let mut added: Vec<&Profile> = Vec::new();
    for (i, p) in gpu.profiles.iter().enumerate() {
        for _ in target[i]..asked[i] {
            removed.push(p);
        }
        for _ in asked[i]..target[i] {
            added.push(p);
        }
    }
    let size = |p: &&Profile| std::cmp::Reverse((p.memory_slices, p.compute_slices));
    removed.sort_by_key(size);
    added.sort_by_key(size);
    let mut parts = Vec::new();
    let mut rest = removed.clone();
    for a in &added {
        if let Some(at) = rest.iter().position(|r| shrinks_to(r, a)) {
            parts.push(format!("{} -> {}", rest[at].name, a.name));
            rest.remove(at);
        }
    }
    let mut dropped: Vec<(&str, u32)> = Vec::new();
    for r in rest {
        match dropped.iter_mut().find(|(n, _)| *n == r.name) {
            Some((_, c)) => *c += 1,
            None => dropped.push((r.name, 1)),
        }
    }
    parts.extend(dropped.iter().map(|(n, c)| format!("drop {c} x {n}")));
    parts.join(", ")
}

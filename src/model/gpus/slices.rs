//! Free memory slices of a GPU, the largest profile they still hold, and the stranded ones.
//!
//! A slice is free when no instance in use covers it. A profile fits the free slices when one
//! of its placements (`-lgipp` start slots) lies entirely inside them and its compute slices fit
//! beside the instances in use. A free slice is stranded when no fitting placement of a wanted
//! profile covers it: the profiles pods on the described nodes hold that this GPU has, or every
//! profile of the GPU when they hold none it has (e.g. slice 7 of an A100 40GB, which no 1g.5gb
//! can start at).

use super::GpuView;
use crate::mig::catalog::{Gpu, Profile, Variant};

/// Fills in the GPU's free slices and largest free profile; returns its stranded slices (`None`
/// when its instances' use or its placements are unknown).
pub fn fill(view: &mut GpuView, gpu: &Gpu, wanted: &[String]) -> Option<u32> {
    if !view.mig_enabled {
        return Some(0);
    }
    if view.instances.iter().any(|i| i.used.is_none()) {
        return None;
    }
    let all = mask(0, view.memory_slices);
    let mut used_mask = 0u32;
    let mut compute_used = 0u32;
    for i in view.instances.iter().filter(|i| i.used == Some(true)) {
        used_mask |= mask(i.start, i.size);
        compute_used += gpu
            .profile(&i.profile)
            .map_or(gpu.compute_slices, |p| p.compute_slices);
    }
    let free = all & !used_mask;
    view.free_slices = Some(
        (0..view.memory_slices)
            .filter(|b| free & (1 << b) != 0)
            .collect(),
    );
    if !crate::mig::layout::placements_published(gpu) {
        return None;
    }
    let compute_free = gpu.compute_slices.saturating_sub(compute_used);
    let plain: Vec<&'static Profile> = gpu
        .profiles
        .iter()
        .filter(|p| p.variant() == Variant::Plain)
        .collect();
    view.largest_free_profile = plain
        .iter()
        .filter(|p| fitting(p, free, compute_free) != 0)
        .max_by_key(|p| (p.memory_slices, p.compute_slices))
        .map(|p| p.name.to_string());
    let mut targets: Vec<&'static Profile> =
        wanted.iter().filter_map(|name| gpu.profile(name)).collect();
    if targets.is_empty() {
        targets = plain;
    }
    let coverable = targets
        .iter()
        .fold(0, |acc, p| acc | fitting(p, free, compute_free));
    Some((free & !coverable).count_ones())
}

/// The slices covered by the placements of `p` that fit in `free`.
fn fitting(p: &Profile, free: u32, compute_free: u32) -> u32 {
    if p.compute_slices > compute_free {
        return 0;
    }
    p.placements
        .unwrap_or_default()
        .iter()
        .map(|&start| mask(start, p.memory_slices))
        .filter(|m| free & m == *m)
        .fold(0, |acc, m| acc | m)
}

/// Bits `start .. start + size`.
fn mask(start: u32, size: u32) -> u32 {
    if size >= 32 {
        return u32::MAX;
    }
    ((1u32 << size) - 1) << start
}

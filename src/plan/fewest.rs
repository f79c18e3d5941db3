//! The fewest GPUs of one model that serve a demand of MIG instances: every layout that fits one
//! GPU (`mig::layout::fits`) and holds no more of a profile than is asked for, then an exact
//! search over what is left to serve (memoised on what is left). Pure.

use crate::mig::catalog::{Gpu, Profile};
use crate::mig::layout::{fits, LayoutError};
use std::collections::HashMap;

/// Above this many distinct states of what is left, the search gives up exactness and takes,
/// GPU by GPU, the layout serving the most memory slices (said in the result).
const MAX_STATES: u64 = 50_000;

/// A layout for one GPU: instances per profile, in the demand's order.
pub type Layout = Vec<(&'static Profile, u32)>;

/// The answer for one GPU model.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Distinct layouts and how many GPUs take each, most GPUs first.
    pub layouts: Vec<(Layout, u32)>,
    /// GPUs in all.
    pub gpus: u32,
    /// False when the demand was too large for the exact search.
    pub exact: bool,
    /// False when NVIDIA publishes no placements for the GPU (counts and slices checked only).
    pub placements_checked: bool,
}

/// The catalog profile a demanded name is on `gpu` (the device plugin writes `+me` as `.me`).
pub fn resolve(gpu: &Gpu, name: &str) -> Option<&'static Profile> {
    gpu.profile(name).or_else(|| {
        let (base, suffix) = name.rsplit_once(".me")?;
        gpu.profile(&format!("{base}+me{suffix}"))
    })
}

/// The fewest GPUs of `gpu` serving `demand` (profile, instances); `None` for an empty demand.
pub fn fewest(gpu: &Gpu, demand: &[(&'static Profile, u32)]) -> Option<Solution> {
    let want: Vec<u32> = demand.iter().map(|(_, n)| *n).collect();
    if want.iter().all(|n| *n == 0) {
        return None;
    }
    let candidates = layouts(gpu, demand);
    let states: u64 = want
        .iter()
        .map(|n| u64::from(*n) + 1)
        .fold(1u64, u64::saturating_mul);
    let exact = states <= MAX_STATES;
    let picks = if exact {
        let mut memo = HashMap::new();
        let mut picks = Vec::new();
        let mut left = want.clone();
        while left.iter().any(|n| *n > 0) {
            let (_, step) = best(&left, &candidates, &mut memo);
            let i = step?;
            left = minus(&left, &candidates[i]);
            picks.push(i);
        }
        picks
    } else {
        greedy(&want, &candidates, demand)?
    };
    let mut counted: Vec<(usize, u32)> = Vec::new();
    for i in picks {
        match counted.iter_mut().find(|(j, _)| *j == i) {
            Some((_, n)) => *n += 1,
            None => counted.push((i, 1)),
        }
    }
    counted.sort_by_key(|(i, n)| (std::cmp::Reverse(*n), *i));
    let layouts = counted
        .iter()
        .map(|(i, n)| (to_layout(demand, &candidates[*i]), *n))
        .collect::<Vec<_>>();
    Some(Solution {
        gpus: layouts.iter().map(|(_, n)| n).sum(),
        layouts,
        exact,
        placements_checked: crate::mig::layout::placements_published(gpu),
    })
}

/// Every count vector (at most the demand) whose layout fits one GPU, none empty.
fn layouts(gpu: &Gpu, demand: &[(&'static Profile, u32)]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut counts = vec![0u32; demand.len()];
    extend(gpu, demand, 0, &mut counts, &mut out);
    out.retain(|c| c.iter().any(|n| *n > 0));
    out
}

fn extend(
    gpu: &Gpu,
    demand: &[(&'static Profile, u32)],
    at: usize,
    counts: &mut Vec<u32>,
    out: &mut Vec<Vec<u32>>,
) {
    if at == demand.len() {
        out.push(counts.clone());
        return;
    }
    for n in 0..=demand[at].1 {
        counts[at] = n;
        // Adding instances never makes a layout fit again: stop at the first that does not.
        if n > 0 && !fits_one(gpu, demand, counts) {
            break;
        }
        extend(gpu, demand, at + 1, counts, out);
    }
    counts[at] = 0;
}

fn fits_one(gpu: &Gpu, demand: &[(&'static Profile, u32)], counts: &[u32]) -> bool {
    let layout: Vec<(&str, u32)> = demand
        .iter()
        .zip(counts)
        .map(|((p, _), n)| (p.name, *n))
        .collect();
    matches!(
        fits(gpu, &layout),
        Ok(_) | Err(LayoutError::PlacementsUnpublished { .. })
    )
}

/// Fewest GPUs for `left`, and the candidate to put on the next one.
fn best(
    left: &[u32],
    candidates: &[Vec<u32>],
    memo: &mut HashMap<Vec<u32>, (u32, Option<usize>)>,
) -> (u32, Option<usize>) {
    if left.iter().all(|n| *n == 0) {
        return (0, None);
    }
    if let Some(done) = memo.get(left) {
        return *done;
    }
    let mut answer = (u32::MAX, None);
    for (i, c) in candidates.iter().enumerate() {
        if !within(c, left) {
            continue;
        }
        let (n, _) = best(&minus(left, c), candidates, memo);
        if n != u32::MAX && n + 1 < answer.0 {
            answer = (n + 1, Some(i));
        }
    }
    memo.insert(left.to_vec(), answer);
    answer
}

fn within(c: &[u32], left: &[u32]) -> bool {
    c.iter().zip(left).all(|(a, b)| a <= b)
}

fn minus(left: &[u32], c: &[u32]) -> Vec<u32> {
    left.iter().zip(c).map(|(a, b)| a - b).collect()
}

/// GPU by GPU, the layout within what is left that serves the most memory slices.
fn greedy(
    want: &[u32],
    candidates: &[Vec<u32>],
    demand: &[(&'static Profile, u32)],
) -> Option<Vec<usize>> {
    let slices = |c: &Vec<u32>| -> u32 {
        c.iter()
            .zip(demand)
            .map(|(n, (p, _))| n * p.memory_slices)
            .sum()
    };
    let mut left = want.to_vec();
    let mut picks = Vec::new();
    while left.iter().any(|n| *n > 0) {
        let (i, c) = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| within(c, &left))
            .max_by_key(|(_, c)| slices(c))?;
        left = minus(&left, c);
        picks.push(i);
    }
    Some(picks)
}

fn to_layout(demand: &[(&'static Profile, u32)], counts: &[u32]) -> Layout {
    demand
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|((p, _), n)| (*p, *n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mig::catalog::find_gpu;

    fn solve(model: &str, demand: &[(&str, u32)]) -> Solution {
        let gpu = find_gpu(model).unwrap();
        let demand: Vec<_> = demand
            .iter()
            .map(|(p, n)| (resolve(gpu, p).unwrap(), *n))
            .collect();
        fewest(gpu, &demand).unwrap()
    }

    fn shown(s: &Solution) -> Vec<(String, u32)> {
        s.layouts
            .iter()
            .map(|(l, n)| {
                let text: Vec<String> = l.iter().map(|(p, c)| format!("{}={c}", p.name)).collect();
                (text.join(","), *n)
            })
            .collect()
    }

    #[test]
    fn mixed_demand_packs_into_the_fewest_gpus() {
        // 2 x 3g.20gb take one A100 40GB; 4 x 1g.5gb and a 2g.10gb share another
        // (2g@0, 1g@2, 1g@3 and two 1g at 4, 5: seven compute slices, seven memory slices).
        let s = solve(
            "A100-40GB",
            &[("3g.20gb", 2), ("1g.5gb", 4), ("2g.10gb", 1)],
        );
        assert_eq!(s.gpus, 2, "{:?}", shown(&s));
        assert!(s.exact && s.placements_checked);
        // Three 3g-or-larger instances never share one GPU: 2 GPUs.
        let s = solve("A100-40GB", &[("3g.20gb", 2), ("4g.20gb", 1)]);
        assert_eq!(s.gpus, 2, "{:?}", shown(&s));
        // Uniform demand: 7 x 1g.5gb per GPU.
        let s = solve("A100-40GB", &[("1g.5gb", 15)]);
        assert_eq!(
            shown(&s),
            [("1g.5gb=7".to_string(), 2), ("1g.5gb=1".to_string(), 1)]
        );
    }

    #[test]
    fn large_demands_fall_back_to_greedy() {
        let s = solve(
            "A100-40GB",
            &[("1g.5gb", 700), ("2g.10gb", 300), ("3g.20gb", 5)],
        );
        assert!(!s.exact);
        // 1,315 compute slices at 7 per GPU.
        assert!(s.gpus >= 188, "{}", s.gpus);
    }
}

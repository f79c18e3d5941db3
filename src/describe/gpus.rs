//! `describe --gpus`: one row per GPU with its slices as a bar, what is in use per profile, its
//! free slices and the largest profile they hold; then per node its source, stranded slices and
//! largest free profile. Nodes whose placements are unknown get one row of counts.

use crate::model::capacity::{NodeReport, Report};
use crate::model::gpus::{GpuView, Instance, NodeGpus, ProfileUse};
use crate::output::style::Style;
use crate::output::table::Table;

/// Cells per memory slice in a bar: `[1g#]` is one slice.
const CELLS: usize = 5;

/// Renders the GPUs of every node that has a picture; `wide` adds the pods of DRA instances.
pub fn render(report: &Report, wide: bool, style: Style) -> String {
    let mut headers = vec![
        "NODE",
        "SOURCE",
        "GPU",
        "MODEL",
        "SLICES",
        "IN USE",
        "FREE SLICES",
        "LARGEST FREE",
    ];
    if wide {
        headers.push("PODS");
    }
    let mut table = Table::new(&headers);
    let mut lines = String::new();
    for node in &report.nodes {
        let Some(gpus) = &node.gpus else { continue };
        for (i, row) in rows(node, gpus, wide).into_iter().enumerate() {
            let mut cells = if i == 0 {
                vec![node.name.clone(), gpus.layout_source.as_str().to_string()]
            } else {
                vec![String::new(), String::new()]
            };
            cells.extend(row);
            table.row(cells);
        }
        lines.push_str(&node_line(node, gpus));
    }
    let mut out = paint(&table.render(), style);
    out.push_str(&lines);
    out.push_str(LEGEND);
    out
}

const LEGEND: &str = "\nSLICES: one [..] per instance, 5 cells per memory slice: [1g#] in use, [1g.] idle, [1g?] in use or idle (the source does not say), [   ] a free slice with no instance.\n";

fn rows(node: &NodeReport, gpus: &NodeGpus, wide: bool) -> Vec<Vec<String>> {
    if gpus.gpus.is_empty() {
        let count = match gpus.physical_gpus {
            Some(1) => "1 GPU".to_string(),
            Some(n) => format!("{n} GPUs"),
            None => "-".into(),
        };
        let model = gpus
            .model
            .map(str::to_string)
            .or_else(|| node.gpu_model.clone());
        let mut row = vec![
            count,
            model.unwrap_or_else(|| "-".into()),
            "placement unknown".into(),
            profile_use(&gpus.profile_use),
            "-".into(),
            "-".into(),
        ];
        if wide {
            row.push("-".into());
        }
        return vec![row];
    }
    gpus.gpus
        .iter()
        .map(|g| {
            let mut row = vec![
                g.index.to_string(),
                g.model.clone(),
                bar(g),
                gpu_use(g),
                g.free_slices
                    .as_ref()
                    .map_or("?".into(), |f| f.len().to_string()),
                g.largest_free_profile.clone().unwrap_or_else(|| "-".into()),
            ];
            if wide {
                let pods: Vec<&str> = g
                    .instances
                    .iter()
                    .flat_map(|i| i.pods.iter().map(String::as_str))
                    .collect();
                row.push(if pods.is_empty() {
                    "-".into()
                } else {
                    pods.join(", ")
                });
            }
            row
        })
        .collect()
}

/// The slices of a GPU, instance by instance, free slices between them.
pub fn bar(g: &GpuView) -> String {
    if !g.mig_enabled {
        return "whole GPU (MIG off)".into();
    }
    let mut out = String::new();
    let mut slot = 0;
    for i in &g.instances {
        while slot < i.start {
            out.push_str("[   ]");
            slot += 1;
        }
        out.push_str(&segment(i));
        slot = slot.max(i.start + i.size);
    }
    while slot < g.memory_slices {
        out.push_str("[   ]");
        slot += 1;
    }
    out
}

fn segment(i: &Instance) -> String {
    let label: String = if i.profile == "gpu" {
        "gp".into()
    } else {
        i.profile
            .split('.')
            .next()
            .unwrap_or("?")
            .chars()
            .take(2)
            .collect()
    };
    let fill = match i.used {
        Some(true) => '#',
        Some(false) => '.',
        None => '?',
    };
    let width = CELLS * i.size as usize;
    let inner = width.saturating_sub(2 + label.chars().count()).max(1);
    format!("[{label}{}]", fill.to_string().repeat(inner))
}

/// `1g.5gb 1/2, 3g.20gb 0/1` on one GPU; `?` where the source cannot say.
fn gpu_use(g: &GpuView) -> String {
    if !g.mig_enabled {
        return "-".into();
    }
    let mut per: Vec<(String, usize, Option<usize>)> = Vec::new();
    for i in &g.instances {
        let idx = match per.iter().position(|(p, ..)| *p == i.profile) {
            Some(idx) => idx,
            None => {
                per.push((i.profile.clone(), 0, Some(0)));
                per.len() - 1
            }
        };
        let e = &mut per[idx];
        e.1 += 1;
        e.2 = match i.used {
            None => None,
            Some(u) => e.2.map(|n| n + usize::from(u)),
        };
    }
    if per.is_empty() {
        return "-".into();
    }
    per.sort_by_key(|(p, ..)| crate::mig::strategy::profile_order(p));
    per.iter()
        .map(|(p, total, used)| match used {
            Some(u) => format!("{p} {u}/{total}"),
            None => format!("{p} ?/{total}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn profile_use(uses: &[ProfileUse]) -> String {
    if uses.is_empty() {
        return "-".into();
    }
    uses.iter()
        .map(|u| format!("{} {}/{}", u.profile, u.used, u.total))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per node: the source and what it leaves unknown, stranded slices, largest free.
fn node_line(node: &NodeReport, gpus: &NodeGpus) -> String {
    let mut parts = Vec::new();
    let unknown_use = gpus.gpus.is_empty() || gpus.stranded_slices.is_none();
    if unknown_use {
        let counts: Vec<String> = gpus
            .profile_use
            .iter()
            .filter(|u| u.total > 0)
            .map(|u| format!("{} of {} {}", u.used, u.total, u.profile))
            .collect();
        if !counts.is_empty() {
            parts.push(format!(
                "{} in use on this node, on which GPUs is not known",
                counts.join(", ")
            ));
        }
    }
    match gpus.stranded_slices {
        Some(0) => parts.push("no stranded slices".into()),
        Some(n) => parts.push(format!(
            "{n} stranded slice{} (free, but no wanted profile can be placed on them)",
            if n == 1 { "" } else { "s" }
        )),
        None if !gpus.gpus.is_empty() => parts.push("stranded slices unknown".into()),
        None => {}
    }
    match &gpus.largest_free_profile {
        Some(p) => parts.push(format!("largest free profile {p}")),
        None if gpus.stranded_slices.is_some() => parts.push("no free profile".into()),
        None => {}
    }
    if let Some(note) = &gpus.layout_note {
        parts.push(format!("note: {note}"));
    }
    format!(
        "{} ({}): {}\n",
        node.name,
        source_words(gpus),
        if parts.is_empty() {
            "nothing to add".to_string()
        } else {
            parts.join("; ")
        }
    )
}

fn source_words(gpus: &NodeGpus) -> &'static str {
    use crate::model::gpus::LayoutSource::*;
    match gpus.layout_source {
        Dra => "placements from DRA ResourceSlices",
        MigManager => "placements derived from the MIG manager's layout",
        Aks => "placements derived from the AKS pool's GPU instance profile",
        Gfd => "counts from GFD and the device plugin, placement unknown",
    }
}

/// Colours laid-out bars: instances in use yellow, idle green, free slices dim.
fn paint(text: &str, style: Style) -> String {
    if !style.color {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let Some(len) = rest[open..].find(']') else {
            rest = &rest[open..];
            break;
        };
        let seg = &rest[open..=open + len];
        let code = if seg.contains('#') {
            "33"
        } else if seg == "[   ]" {
            "2"
        } else if seg.ends_with(".]") {
            "32"
        } else {
            ""
        };
        out.push_str(&if code.is_empty() {
            seg.to_string()
        } else {
            style.paint(code, seg)
        });
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::gpus::LayoutSource;

    fn inst(profile: &str, start: u32, size: u32, used: Option<bool>) -> Instance {
        Instance {
            profile: profile.into(),
            start,
            size,
            used,
            pods: Vec::new(),
        }
    }

    #[test]
    fn bars_draw_instances_by_slice_and_free_slices_between() {
        let g = GpuView {
            index: 0,
            model: "A100-40GB".into(),
            layout_source: LayoutSource::Dra,
            mig_enabled: true,
            memory_slices: 8,
            instances: vec![
                inst("2g.10gb", 0, 2, Some(true)),
                inst("1g.5gb", 3, 1, Some(false)),
                inst("1g.5gb", 4, 1, None),
            ],
            free_slices: None,
            largest_free_profile: None,
        };
        assert_eq!(bar(&g), "[2g######][   ][1g.][1g?][   ][   ][   ]");
        assert_eq!(gpu_use(&g), "1g.5gb ?/2, 2g.10gb 1/1");
        let painted = paint(
            &bar(&g),
            Style {
                bars: true,
                color: true,
            },
        );
        assert!(painted.starts_with("\x1b[33m[2g######]\x1b[0m\x1b[2m[   ]\x1b[0m"));
    }
}

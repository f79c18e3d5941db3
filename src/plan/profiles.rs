//! `kubectl mig profiles`: the MIG GPU instance profile catalog per GPU model.

use crate::error::{Error, Result};
use crate::mig::catalog::{self, Gpu};
use crate::mig::nvsmi::{self, SmiGpu};
use crate::output::table::Table;
use crate::output::{self, Format};
use clap::Args;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;

/// Examples shown in `kubectl mig profiles --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every GPU model's MIG profiles
  kubectl mig profiles

  # The profiles of an H100 80GB, as JSON
  kubectl mig profiles --gpu H100-80GB -o json

  # Profiles read from a capture of `nvidia-smi mig -lgip` (and -lgipp)
  kubectl mig profiles --from-nvidia-smi lgip.txt --from-nvidia-smi lgipp.txt";

/// Flags of `kubectl mig profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Only this GPU model (e.g. A100-40GB, H100-80GB, H200).
    #[arg(long, value_name = "MODEL")]
    pub gpu: Option<String>,
    /// Read profiles from `nvidia-smi mig -lgip` / `-lgipp` output instead of the catalog.
    #[arg(long = "from-nvidia-smi", value_name = "FILE")]
    pub from_nvidia_smi: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Runs `kubectl mig profiles`.
pub fn run(args: &ProfilesArgs, out: &mut dyn Write) -> Result<()> {
    let report = if args.from_nvidia_smi.is_empty() {
        from_catalog(args.gpu.as_deref())?
    } else {
        if args.gpu.is_some() {
            return Err(Error::usage(
                "--gpu and --from-nvidia-smi cannot be combined; add the `nvidia-smi -L` capture \
                 to name the captured GPU",
            ));
        }
        from_captures(&args.from_nvidia_smi)?
    };
    match args.output {
        Format::Table => write_table(out, &report, false),
        Format::Wide => write_table(out, &report, true),
        Format::Json | Format::Yaml => output::write_data(out, args.output, &report),
    }
}

/// What `profiles -o json|yaml` prints: one entry per GPU model (or captured GPU).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    gpus: Vec<GpuView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GpuView {
    /// Catalog model key, when known.
    model: Option<String>,
    /// Human or NVML name, when known.
    name: Option<String>,
    /// nvidia-smi's GPU index, for captures.
    index: Option<u32>,
    /// `catalog` or `nvidia-smi`.
    source: &'static str,
    compute_slices: Option<u32>,
    memory_slices: Option<u32>,
    /// Where the catalog's numbers come from and which are unpublished (catalog only).
    #[serde(skip_serializing_if = "Option::is_none")]
    sources: Option<String>,
    profiles: Vec<ProfileView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileView {
    name: Option<String>,
    id: Option<u32>,
    compute_slices: Option<u32>,
    memory_slices: Option<u32>,
    #[serde(rename = "memoryGiB")]
    memory_gib: Option<f64>,
    multiprocessors: Option<u32>,
    max_instances: Option<u32>,
    placements: Option<Vec<u32>>,
    copy_engines: Option<u32>,
    decoders: Option<u32>,
    encoders: Option<u32>,
    jpeg: Option<u32>,
    ofa: Option<u32>,
    /// Other names drivers or tools give this profile (omitted when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
}

fn from_catalog(model: Option<&str>) -> Result<Report> {
    let gpus: Vec<&Gpu> = match model {
        None => catalog::gpus().iter().collect(),
        Some(model) => matching_gpus(model).ok_or_else(|| {
            Error::usage(format!(
                "unknown GPU model {model:?}; known models: {}",
                known_models()
            ))
        })?,
    };
    Ok(Report {
        gpus: gpus.into_iter().map(catalog_view).collect(),
    })
}

/// The GPUs a `--gpu` value names: one model key exactly; else every model it is the start of
/// (`a100` is both A100 40GB and 80GB); else an alias or product label.
fn matching_gpus(model: &str) -> Option<Vec<&'static Gpu>> {
    let wanted = model.trim().to_ascii_lowercase();
    let all = catalog::gpus();
    if let Some(exact) = all.iter().find(|g| g.model.eq_ignore_ascii_case(&wanted)) {
        return Some(vec![exact]);
    }
    let by_prefix: Vec<&Gpu> = all
        .iter()
        .filter(|g| g.model.to_ascii_lowercase().starts_with(&wanted))
        .collect();
    if !by_prefix.is_empty() {
        return Some(by_prefix);
    }
    catalog::find_gpu(model).map(|g| vec![g])
}

/// The catalog's model keys, comma-separated, for error messages.
pub(crate) fn known_models() -> String {
    let models: Vec<&str> = catalog::gpus().iter().map(|g| g.model).collect();
    models.join(", ")
}

fn catalog_view(gpu: &Gpu) -> GpuView {
    GpuView {
        model: Some(gpu.model.to_string()),
        name: Some(gpu.name.to_string()),
        index: None,
        source: "catalog",
        compute_slices: Some(gpu.compute_slices),
        memory_slices: Some(gpu.memory_slices),
        sources: Some(gpu.sources.to_string()),
        profiles: gpu
            .profiles
            .iter()
            .map(|p| ProfileView {
                name: Some(p.name.to_string()),
                id: p.id,
                compute_slices: Some(p.compute_slices),
                memory_slices: Some(p.memory_slices),
                memory_gib: p.memory_gib,
                multiprocessors: p.multiprocessors,
                max_instances: p.max_instances,
                placements: p.placements.map(<[u32]>::to_vec),
                copy_engines: p.engines.map(|e| e.copy),
                decoders: p.engines.map(|e| e.decoders),
                encoders: p.engines.and_then(|e| e.encoders),
                jpeg: p.engines.map(|e| e.jpeg),
                ofa: p.engines.map(|e| e.ofa),
                aliases: gpu
                    .aliases_of(p.name)
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            })
            .collect(),
    }
}

fn from_captures(paths: &[PathBuf]) -> Result<Report> {
    let mut texts = Vec::with_capacity(paths.len());
    for path in paths {
        texts.push(read_capture(path)?);
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let gpus = nvsmi::parse_all(&refs).map_err(|i| {
        Error::failed(format!(
            "{} is not the output of `nvidia-smi mig -lgip`, `nvidia-smi mig -lgipp` or \
             `nvidia-smi -L`; save those commands' output on the GPU's node and pass the files",
            paths[i].display()
        ))
    })?;
    Ok(Report {
        gpus: gpus.iter().map(capture_view).collect(),
    })
}

/// Reads a capture file, or standard input for `-`.
fn read_capture(path: &PathBuf) -> Result<String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        Error::failed(format!(
            "cannot read {} ({reason}); give a file saved from nvidia-smi mig -lgip (and -lgipp, -L) on the GPU's node",
            path.display()
        ))
    })?;
    Ok(text)
}

fn capture_view(gpu: &SmiGpu) -> GpuView {
    let known = gpu.name.as_deref().and_then(catalog::gpu_for_product);
    let profiles: Vec<ProfileView> = gpu
        .profiles
        .iter()
        .map(|p| {
            // A placements-only capture has IDs but no names: take the name from the catalog.
            let name = p.name.clone().or_else(|| {
                known
                    .and_then(|g| g.profiles.iter().find(|c| c.id == Some(p.id)))
                    .map(|c| c.name.to_string())
            });
            ProfileView {
                compute_slices: name
                    .as_deref()
                    .and_then(catalog::parse_profile_name)
                    .map(|n| n.slices),
                name,
                id: Some(p.id),
                memory_slices: p.placement_size,
                memory_gib: p.memory_gib,
                multiprocessors: p.multiprocessors,
                max_instances: p.max_instances,
                placements: p.placements.clone(),
                copy_engines: p.copy_engines,
                decoders: p.decoders,
                encoders: p.encoders,
                jpeg: p.jpeg,
                ofa: p.ofa,
                aliases: Vec::new(),
            }
        })
        .collect();
    // Without a catalog match, the whole GPU is what its largest profile spans.
    let compute = profiles.iter().filter_map(|p| p.compute_slices).max();
    let memory = gpu
        .profiles
        .iter()
        .filter_map(|p| Some(p.placements.as_ref()?.iter().max()? + p.placement_size?))
        .max();
    GpuView {
        model: known.map(|g| g.model.to_string()),
        name: gpu.name.clone(),
        index: Some(gpu.index),
        source: "nvidia-smi",
        compute_slices: known.map(|g| g.compute_slices).or(compute),
        memory_slices: known.map(|g| g.memory_slices).or(memory),
        sources: None,
        profiles,
    }
}

fn write_table(out: &mut dyn Write, report: &Report, wide: bool) -> Result<()> {
    let mut header = vec![
        "GPU",
        "PROFILE",
        "ID",
        "COMPUTE",
        "MEMORY",
        "GIB",
        "SMS",
        "MAX",
        "PLACEMENTS",
    ];
    if wide {
        header.extend(["CE", "DEC", "ENC", "JPEG", "OFA"]);
    }
    let dash = || "-".to_string();
    let num = |n: Option<u32>| n.map_or_else(dash, |n| n.to_string());
    let fraction = |part: Option<u32>, whole: Option<u32>| match (part, whole) {
        (Some(part), Some(whole)) => format!("{part}/{whole}"),
        _ => dash(),
    };
    let several = report.gpus.len() > 1;
    let mut rows = Vec::new();
    for gpu in &report.gpus {
        let label = gpu_label(gpu, several);
        for p in &gpu.profiles {
            let mut row = vec![
                label.clone(),
                p.name.clone().unwrap_or_else(dash),
                num(p.id),
                fraction(p.compute_slices, gpu.compute_slices),
                fraction(p.memory_slices, gpu.memory_slices),
                p.memory_gib.map_or_else(dash, |g| format!("{g:.2}")),
                num(p.multiprocessors),
                num(p.max_instances),
                placements(p),
            ];
            if wide {
                row.extend([p.copy_engines, p.decoders, p.encoders, p.jpeg, p.ofa].map(num));
            }
            rows.push(row);
        }
    }
    write_columns(out, &header, &rows)
}

fn gpu_label(gpu: &GpuView, several: bool) -> String {
    if let Some(model) = &gpu.model {
        return model.clone();
    }
    match (&gpu.name, gpu.index) {
        (Some(name), Some(index)) if several => format!("{index}:{}", short_name(name)),
        (Some(name), _) => short_name(name),
        (None, Some(index)) => format!("gpu{index}"),
        (None, None) => "-".to_string(),
    }
}

/// `NVIDIA H100 80GB HBM3` → `H100-80GB-HBM3`, the way the product label spells it.
fn short_name(name: &str) -> String {
    let name = name.strip_prefix("NVIDIA ").unwrap_or(name);
    name.replace(' ', "-")
}

/// `{0,2,4}:2`, as `nvidia-smi mig -lgipp` prints it.
fn placements(p: &ProfileView) -> String {
    match (&p.placements, p.memory_slices) {
        (Some(starts), Some(size)) => {
            let starts: Vec<String> = starts.iter().map(u32::to_string).collect();
            format!("{{{}}}:{size}", starts.join(","))
        }
        _ => "-".to_string(),
    }
}

/// Writes kubectl-style columns (through the shared table layout).
pub(crate) fn write_columns(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<()> {
    let mut table = Table::new(header);
    for row in rows {
        table.row(row.clone());
    }
    out.write_all(table.render().as_bytes())
        .map_err(output::io_error)
}

#[cfg(test)]
#[path = "profiles_tests.rs"]
mod tests;

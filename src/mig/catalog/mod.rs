//! The MIG GPU instance profile catalog: every MIG-capable GPU model kubectl-mig knows, as data.
//!
//! Sources, named in each entry:
//! - "NVIDIA MIG User Guide, Supported MIG Profiles": profile names, fractions of SMs and memory,
//!   media engines, copy engines and instance counts per GPU (A30, A100, H100 80GB / 94GB / 96GB,
//!   H200 141GB, B200 180GB, RTX PRO 6000 Blackwell).
//! - `nvidia-smi mig -lgip` / `-lgipp` captures (profile IDs, memory GiB, SM and engine counts,
//!   placements): the project's own H100 80GB HBM3 and H200 captures in shared/fixtures, and public
//!   captures quoted where used. Memory GiB is what nvidia-smi prints; it moves by ±0.25 GiB between
//!   driver branches (A100 40GB 7g.40gb reads 39.25, 39.38 or 39.50), so treat it as approximate.
//! - NVIDIA GPU Operator `default-mig-parted-config` (`all-1g.5gb`, `all-balanced`, ...): which
//!   product families share a profile set, their PCI device ids, and the only published names and
//!   counts of B300, GB300, H20 and the larger GH200 144GB and GB200 profiles.
//!
//! What NVIDIA does not publish is `None` and each GPU's `sources` says which; profile names are
//! per GPU (`1g.35gb` is one memory slice on GB300, two on H200), so look them up on a [`Gpu`].

mod data;
mod name;

pub use name::{parse_profile_name, ProfileName, Variant};

use data::GPUS;

/// Copy, decoder, encoder, JPEG and optical-flow engines of one GPU instance, as `-lgip` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engines {
    /// Copy engines (CE).
    pub copy: u32,
    /// Video decoders (DEC / NVDEC).
    pub decoders: u32,
    /// Video encoders (ENC); `None` where NVIDIA publishes no number.
    pub encoders: Option<u32>,
    /// JPEG decoders (NVJPG).
    pub jpeg: u32,
    /// Optical flow accelerators (OFA).
    pub ofa: u32,
}

/// One GPU instance profile of one GPU model (a row of `nvidia-smi mig -lgip`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// The profile name without the `MIG ` prefix, e.g. `1g.5gb` or `1g.10gb+me`.
    pub name: &'static str,
    /// The GPU instance profile ID (`nvidia-smi mig -cgi <ID>`); `None` where unpublished.
    pub id: Option<u32>,
    /// Compute slices (the `<n>g` of the name), out of [`Gpu::compute_slices`].
    pub compute_slices: u32,
    /// Memory slices, out of [`Gpu::memory_slices`]; also the placement size `-lgipp` prints.
    pub memory_slices: u32,
    /// Memory in GiB as nvidia-smi reports it; `None` where no capture was available.
    pub memory_gib: Option<f64>,
    /// Streaming multiprocessors; `None` where no capture was available.
    pub multiprocessors: Option<u32>,
    /// How many instances of this profile alone fit on one GPU; `None` where unpublished.
    pub max_instances: Option<u32>,
    /// Valid start slots (`-lgipp`'s `{0,2,4}` part); `None` where unpublished.
    pub placements: Option<&'static [u32]>,
    /// Engine counts; `None` where unpublished.
    pub engines: Option<Engines>,
}

impl Profile {
    /// True for `+me` profiles, which take the GPU's only media-extension slot.
    pub fn media_extensions(&self) -> bool {
        self.name.ends_with("+me")
    }

    /// The name's attribute suffix (`+me`, `+me.all`, `-me`, `+gfx`), or plain.
    pub fn variant(&self) -> Variant {
        parse_profile_name(self.name).map_or(Variant::Plain, |n| n.variant)
    }
}

/// NVIDIA's PCI device ids for a GPU model's profile set, as the GPU Operator's
/// `default-mig-parted-config` filters on them (`device-filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIds {
    /// `0x<device><vendor>` ids, e.g. `0x20B010DE`.
    pub ids: &'static [&'static str],
    /// NVIDIA's comment naming the products behind the ids (several models may share them).
    pub group: &'static str,
}

/// A MIG-capable GPU model and its profiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gpu {
    /// Short model key for `--gpu` and output, e.g. `A100-40GB`.
    pub model: &'static str,
    /// Human name, e.g. `NVIDIA A100 40GB (SXM4, PCIe)`.
    pub name: &'static str,
    /// `nvidia.com/gpu.product` values (NVML names, spaces as `-`) without the `NVIDIA-` prefix.
    pub products: &'static [&'static str],
    /// Other names accepted by `--gpu`.
    pub aliases: &'static [&'static str],
    /// Compute slices of the whole GPU (7, or 4 on A30 and RTX PRO 6000).
    pub compute_slices: u32,
    /// Memory slices of the whole GPU (8, or 4 on A30 and RTX PRO 6000).
    pub memory_slices: u32,
    /// Where the numbers come from, and which ones are not published.
    pub sources: &'static str,
    /// Profiles in `nvidia-smi mig -lgip` order (smallest first).
    pub profiles: &'static [Profile],
    /// Other names drivers or tools have given a profile, as `(alias, catalog name)`, e.g.
    /// `("3g.39gb", "3g.40gb")` on A100 80GB with drivers 535/545.
    pub profile_aliases: &'static [(&'static str, &'static str)],
    /// The PCI device ids NVIDIA's MIG manager config uses for this GPU; `None` if unpublished.
    pub device_ids: Option<DeviceIds>,
}

impl Gpu {
    /// The profile with this name or one of its aliases (`1g.5gb`, with or without a `MIG `
    /// prefix, any case), if the GPU has it.
    pub fn profile(&self, name: &str) -> Option<&'static Profile> {
        let name = name.trim();
        let name = name.strip_prefix("MIG ").unwrap_or(name);
        let name = self
            .profile_aliases
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
            .map_or(name, |(_, canonical)| canonical);
        self.profiles
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The other names of the catalog profile `name` (empty when it has none).
    pub fn aliases_of(&self, name: &str) -> Vec<&'static str> {
        self.profile_aliases
            .iter()
            .filter(|(_, canonical)| canonical.eq_ignore_ascii_case(name))
            .map(|(alias, _)| *alias)
            .collect()
    }
}

/// Every GPU model in the catalog, oldest first.
pub fn gpus() -> &'static [Gpu] {
    GPUS
}

/// The catalog GPU for a `--gpu` value: a model key, an alias or a product label, any case.
pub fn find_gpu(model: &str) -> Option<&'static Gpu> {
    let wanted = model.trim();
    GPUS.iter()
        .find(|g| {
            g.model.eq_ignore_ascii_case(wanted)
                || g.aliases.iter().any(|a| a.eq_ignore_ascii_case(wanted))
        })
        .or_else(|| gpu_for_product(wanted))
}

/// Maps an `nvidia.com/gpu.product` label value (or an NVML name like `NVIDIA H100 80GB HBM3`) to
/// its catalog GPU.
///
/// Accepts the `NVIDIA-` prefix or not (older drivers omit it), the single-strategy form
/// `<model>-MIG-<profile>` (e.g. `NVIDIA-A100-SXM4-40GB-MIG-1g.5gb`) and GFD's `-SHARED` suffix.
pub fn gpu_for_product(label: &str) -> Option<&'static Gpu> {
    let mut product = label.trim().replace(' ', "-");
    if let Some(at) = find_ignore_case(&product, "-MIG-") {
        product.truncate(at);
    }
    if product.len() > 7 && product[product.len() - 7..].eq_ignore_ascii_case("-SHARED") {
        product.truncate(product.len() - 7);
    }
    let product = match product.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("NVIDIA-") => &product[7..],
        _ => &product[..],
    };
    GPUS.iter()
        .find(|g| g.products.iter().any(|p| p.eq_ignore_ascii_case(product)))
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_uppercase()
        .find(&needle.to_ascii_uppercase())
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;

//! Blackwell: B200, GB200, B300, GB300, RTX PRO 6000 Blackwell. NVIDIA publishes no `-lgipp`
//! placements for any of them.

use super::{engines, guide_row, ids, named, unplaced, GUIDE};
use crate::mig::catalog::{Engines, Gpu, Profile};

/// A B200 row from the guide's table alone: no capture, so no ID, GiB, SMs, placements or NVENC.
const fn b200(
    name: &'static str,
    compute_slices: u32,
    memory_slices: u32,
    max_instances: u32,
    copy: u32,
    ofa: u32,
) -> Profile {
    let engines = Engines {
        copy,
        decoders: 1,
        encoders: None,
        jpeg: 1,
        ofa,
    };
    guide_row(
        name,
        None,
        compute_slices,
        memory_slices,
        max_instances,
        engines,
    )
}

// B200 180GB: NVIDIA MIG User Guide, "B200 MIG Profiles" (1 NVDEC and 1 JPEG per profile there).
// Rows: name, compute slices, memory slices, max instances, copy engines, OFA.
#[rustfmt::skip]
const B200_PROFILES: &[Profile] = &[
    b200("1g.23gb",    1, 1, 7,  2, 0),
    b200("1g.23gb+me", 1, 1, 1,  2, 1),
    b200("1g.45gb",    1, 2, 4,  2, 0),
    b200("2g.45gb",    2, 2, 3,  3, 0),
    b200("3g.90gb",    3, 4, 2,  6, 0),
    b200("4g.90gb",    4, 4, 1,  8, 0),
    b200("7g.180gb",   7, 8, 1, 16, 1),
];

// GB200 186GB: `nvidia-smi mig -lgip` in mig-parted#227 (2025-08-07), whose public copy stops
// after 2g.47gb; the 3g/4g/7g IDs and counts from GoogleCloudPlatform/container-engine-accelerators
// partition_gpu.go @ 992db81 and the GPU Operator's default config.
#[rustfmt::skip]
const GB200_PROFILES: &[Profile] = &[
    unplaced("1g.23gb",    19, 1, 1, 22.00, 18, 7, engines(2, 1, 0, 1, 0)),
    unplaced("1g.23gb+me", 20, 1, 1, 22.00, 18, 1, engines(2, 1, 0, 1, 1)),
    unplaced("1g.47gb",    15, 1, 2, 45.50, 32, 4, engines(2, 1, 0, 1, 0)),
    unplaced("2g.47gb",    14, 2, 2, 45.50, 38, 3, engines(4, 2, 0, 2, 0)),
    named("3g.93gb",  Some(9), 3, 4, Some(2)),
    named("4g.93gb",  Some(5), 4, 4, Some(1)),
    named("7g.186gb", Some(0), 7, 8, Some(1)),
];

// B300 and GB300: only names and counts, from the GPU Operator's default config (all-<profile>).
#[rustfmt::skip]
const B300_PROFILES: &[Profile] = &[
    named("1g.34gb",    None, 1, 1, Some(7)),
    named("1g.34gb+me", None, 1, 1, Some(1)),
    named("1g.67gb",    None, 1, 2, Some(4)),
    named("2g.67gb",    None, 2, 2, Some(3)),
    named("3g.135gb",   None, 3, 4, Some(2)),
    named("4g.135gb",   None, 4, 4, Some(1)),
    named("7g.269gb",   None, 7, 8, Some(1)),
];

#[rustfmt::skip]
const GB300_PROFILES: &[Profile] = &[
    named("1g.35gb",    None, 1, 1, Some(7)),
    named("1g.35gb+me", None, 1, 1, Some(1)),
    named("1g.70gb",    None, 1, 2, Some(4)),
    named("2g.70gb",    None, 2, 2, Some(3)),
    named("3g.139gb",   None, 3, 4, Some(2)),
    named("4g.139gb",   None, 4, 4, Some(1)),
    named("7g.278gb",   None, 7, 8, Some(1)),
];

// RTX PRO 6000 Blackwell (Server, Workstation, Max-Q; 96GB): engines and counts from the guide's
// table (4 compute, 4 memory slices), IDs from partition_gpu.go @ 992db81, GiB and SMs of the 1g
// rows from the `-lgip` in GoogleCloudPlatform/container-engine-accelerators#564.
#[rustfmt::skip]
const RTX_PRO_6000_PROFILES: &[Profile] = &[
    unplaced("1g.24gb",         14, 1, 1, 23.62, 46, 4, engines(1, 1, 1, 1, 0)),
    unplaced("1g.24gb+me",      21, 1, 1, 23.62, 46, 1, engines(1, 1, 1, 1, 1)),
    unplaced("1g.24gb+gfx",     47, 1, 1, 23.62, 46, 4, engines(1, 1, 1, 1, 0)),
    guide_row("1g.24gb+me.all", Some(65), 1, 1, 1, engines(1, 4, 4, 4, 1)),
    guide_row("1g.24gb-me",     Some(67), 1, 1, 4, engines(1, 0, 0, 0, 0)),
    guide_row("2g.48gb",        Some(5),  2, 2, 2, engines(2, 2, 2, 2, 0)),
    guide_row("2g.48gb+gfx",    Some(35), 2, 2, 2, engines(2, 2, 2, 2, 0)),
    guide_row("2g.48gb+me.all", Some(64), 2, 2, 1, engines(2, 4, 4, 4, 1)),
    guide_row("2g.48gb-me",     Some(66), 2, 2, 2, engines(2, 0, 0, 0, 0)),
    guide_row("4g.96gb",        Some(0),  4, 4, 1, engines(4, 4, 4, 4, 1)),
    guide_row("4g.96gb+gfx",    Some(32), 4, 4, 1, engines(4, 4, 4, 4, 1)),
];

pub(super) const B200: Gpu = Gpu {
    model: "B200",
    name: "NVIDIA B200 180GB",
    products: &["B200"],
    aliases: &["B200-180GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: GUIDE,
    profiles: B200_PROFILES,
    profile_aliases: &[],
    device_ids: ids("B200", &["0x290110DE"]),
};

pub(super) const GB200: Gpu = Gpu {
    model: "GB200",
    name: "NVIDIA GB200 186GB",
    products: &["GB200"],
    aliases: &["GB200-186GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "nvidia-smi mig -lgip in mig-parted#227 (1g.23gb to 2g.47gb); profile IDs in \
              GoogleCloudPlatform/container-engine-accelerators partition_gpu.go; GPU Operator \
              default MIG config; slices from the names; earlier drivers named 1g.23gb 1g.24gb \
              (gpu-operator#1303); not published: the 3g/4g/7g GiB, SMs and engines, and all \
              placements",
    profiles: GB200_PROFILES,
    profile_aliases: &[("1g.24gb", "1g.23gb"), ("1g.24gb+me", "1g.23gb+me")],
    device_ids: ids("GB200 HGX", &["0x294110DE"]),
};

pub(super) const B300: Gpu = Gpu {
    model: "B300",
    name: "NVIDIA B300",
    products: &["B300-SXM6-AC"],
    aliases: &["B300-SXM6-AC"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "GPU Operator default MIG config (names and counts; mig-parted 47c56d9689de); slices \
              from the names; not in the NVIDIA MIG User Guide; not published: IDs, GiB, SMs, \
              engines, placements",
    profiles: B300_PROFILES,
    profile_aliases: &[],
    device_ids: ids("B300", &["0x318210DE"]),
};

pub(super) const GB300: Gpu = Gpu {
    model: "GB300",
    name: "NVIDIA GB300",
    products: &["GB300"],
    aliases: &[],
    compute_slices: 7,
    memory_slices: 8,
    sources: "GPU Operator default MIG config (names and counts; mig-parted 754491163777); slices \
              from the names; not in the NVIDIA MIG User Guide; not published: IDs, GiB, SMs, \
              engines, placements",
    profiles: GB300_PROFILES,
    profile_aliases: &[],
    device_ids: ids("GB300", &["0x31C210DE"]),
};

pub(super) const RTX_PRO_6000: Gpu = Gpu {
    model: "RTX-PRO-6000",
    name: "NVIDIA RTX PRO 6000 Blackwell 96GB (Server, Workstation, Max-Q)",
    products: &[
        "RTX-PRO-6000-Blackwell-Server-Edition",
        "RTX-PRO-6000-Blackwell-Workstation-Edition",
    ],
    aliases: &["RTX-PRO-6000-Blackwell", "RTX-PRO-6000-96GB"],
    compute_slices: 4,
    memory_slices: 4,
    sources: "NVIDIA MIG User Guide (RTX PRO 6000 Blackwell table: engines, counts, slices); IDs \
              in partition_gpu.go; nvidia-smi mig -lgip of the 1g rows in \
              GoogleCloudPlatform/container-engine-accelerators#564 (another driver reads 23.12 \
              GiB); not published: GiB and SMs of the other rows, placements",
    profiles: RTX_PRO_6000_PROFILES,
    profile_aliases: &[],
    device_ids: ids("RTX-PRO-6000-96GB", &["0x2BB510DE"]),
};

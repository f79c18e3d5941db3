//! Hopper: H100 (SXM5 80GB, PCIe, NVL 94GB, GH200 96GB), GH200 144GB, H20, H200.

use super::{
    engines, ids, named, row, unplaced, A100_80GB_IDS, H100_96GB_IDS, P1, P1_WIDE, P2, P3, P_ALL,
};
use crate::mig::catalog::{Gpu, Profile};

/// The seven Hopper profiles share IDs, SM and engine counts and placements across H100 SXM5 80GB,
/// H100 NVL, GH200 and H200 captures; only the memory (and so the names) differ.
#[rustfmt::skip]
const fn hopper(names: [&'static str; 7], gib: [f64; 4], sms: [u32; 7]) -> [Profile; 7] {
    [
        row(names[0], 19, 1, 1, gib[0], sms[0], 7, P1, engines(1, 1, 0, 1, 0)),
        row(names[1], 20, 1, 1, gib[0], sms[1], 1, P1, engines(1, 1, 0, 1, 1)),
        row(names[2], 15, 1, 2, gib[1], sms[2], 4, P1_WIDE, engines(1, 1, 0, 1, 0)),
        row(names[3], 14, 2, 2, gib[1], sms[3], 3, P2, engines(2, 2, 0, 2, 0)),
        row(names[4], 9, 3, 4, gib[2], sms[4], 2, P3, engines(3, 3, 0, 3, 0)),
        row(names[5], 5, 4, 4, gib[2], sms[5], 1, P_ALL, engines(4, 4, 0, 4, 0)),
        row(names[6], 0, 7, 8, gib[3], sms[6], 1, P_ALL, engines(8, 7, 0, 7, 1)),
    ]
}

const HOPPER_SXM_SMS: [u32; 7] = [16, 16, 26, 32, 60, 64, 132];

// Hopper: names, GiB of the 1-slice, 2-slice, 4-slice and 8-slice memory sizes, SMs per profile.

// H100 SXM5 80GB: shared/fixtures/nvidia-smi/h100-80gb-hbm3.lgip.txt and .lgipp.txt (driver 580).
#[rustfmt::skip]
const H100_80GB_PROFILES: &[Profile] = &hopper(
    ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    [9.75, 19.62, 39.50, 79.25],
    HOPPER_SXM_SMS,
);

// H100 PCIe 80GB: a public `-lgip` capture of an "NVIDIA H100 PCIe" (driver 570.169); 114 SMs in
// all. Its `-lgipp` was not captured; the placements are the Hopper ones of every other capture.
#[rustfmt::skip]
const H100_PCIE_PROFILES: &[Profile] = &hopper(
    ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    [9.75, 19.62, 39.50, 79.25],
    [14, 14, 14, 30, 46, 62, 114],
);

// H100 NVL 94GB: a public `-lgip`/`-lgipp` capture on Azure Standard_NC40ads_H100_v5 (driver 560).
#[rustfmt::skip]
const H100_NVL_PROFILES: &[Profile] = &hopper(
    ["1g.12gb", "1g.12gb+me", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"],
    [10.75, 21.62, 46.38, 93.12],
    HOPPER_SXM_SMS,
);

// H100 96GB on GH200: a public `-lgip` capture from a Grace Hopper system; placements as above.
#[rustfmt::skip]
const GH200_PROFILES: &[Profile] = &hopper(
    ["1g.12gb", "1g.12gb+me", "1g.24gb", "2g.24gb", "3g.48gb", "4g.48gb", "7g.96gb"],
    [11.00, 23.00, 46.50, 93.00],
    HOPPER_SXM_SMS,
);

// H200 141GB: shared/fixtures/nvidia-smi/h200-141gb.lgip.txt and .lgipp.txt (driver 580).
#[rustfmt::skip]
const H200_PROFILES: &[Profile] = &hopper(
    ["1g.18gb", "1g.18gb+me", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"],
    [16.00, 32.50, 69.75, 140.00],
    HOPPER_SXM_SMS,
);

// GH200 144GB HBM3e: `nvidia-smi mig -lgip` in mig-parted#139 / gpu-operator#1057 (2024-10-23),
// whose public copy stops after 2g.36gb; the 3g/4g/7g names and counts are the GPU Operator's
// default config. No `-lgipp` was published, so no placements.
#[rustfmt::skip]
const GH200_144GB_PROFILES: &[Profile] = &[
    unplaced("1g.18gb",    19, 1, 1, 17.50, 16, 7, engines(1, 1, 0, 1, 0)),
    unplaced("1g.18gb+me", 20, 1, 1, 17.50, 16, 1, engines(1, 1, 0, 1, 1)),
    unplaced("1g.36gb",    15, 1, 2, 35.25, 26, 4, engines(1, 1, 0, 1, 0)),
    unplaced("2g.36gb",    14, 2, 2, 35.25, 32, 3, engines(2, 2, 0, 2, 0)),
    named("3g.72gb",  None, 3, 4, Some(2)),
    named("4g.72gb",  None, 4, 4, Some(1)),
    named("7g.144gb", None, 7, 8, Some(1)),
];

// H20 96GB: the guide lists it (7 instances) without a profile table; the GPU Operator's
// all-balanced gives it 1g.12gb, 2g.24gb and 3g.48gb. Nothing else is published.
#[rustfmt::skip]
const H20_PROFILES: &[Profile] = &[
    named("1g.12gb", None, 1, 1, None),
    named("2g.24gb", None, 2, 2, None),
    named("3g.48gb", None, 3, 4, None),
];

pub(super) const H100_80GB: Gpu = Gpu {
    model: "H100-80GB",
    name: "NVIDIA H100 80GB HBM3 (SXM5)",
    products: &["H100-80GB-HBM3"],
    aliases: &["H100", "H100-SXM", "H100-SXM5-80GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; shared/fixtures/nvidia-smi/h100-80gb-hbm3.*",
    profiles: H100_80GB_PROFILES,
    profile_aliases: &[],
    device_ids: A100_80GB_IDS,
};

pub(super) const H100_PCIE: Gpu = Gpu {
    model: "H100-PCIE",
    name: "NVIDIA H100 PCIe 80GB",
    products: &["H100-PCIe"],
    aliases: &["H100-PCIE-80GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an H100 PCIe",
    profiles: H100_PCIE_PROFILES,
    profile_aliases: &[],
    device_ids: A100_80GB_IDS,
};

pub(super) const H100_NVL: Gpu = Gpu {
    model: "H100-NVL",
    name: "NVIDIA H100 NVL 94GB",
    products: &["H100-NVL"],
    aliases: &["H100-94GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip/-lgipp of an H100 NVL on Azure",
    profiles: H100_NVL_PROFILES,
    profile_aliases: &[],
    device_ids: ids("H100 NVL, H800 NVL", &["0x232110DE", "0x233A10DE"]),
};

pub(super) const GH200: Gpu = Gpu {
    model: "GH200",
    name: "NVIDIA GH200 (H100 96GB)",
    // "GH200 480GB" is the 96GB HBM3 GH200; the 144GB HBM3e one has other profiles.
    products: &["GH200-480GB"],
    aliases: &["H100-96GB", "GH200-96GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of a GH200",
    profiles: GH200_PROFILES,
    profile_aliases: &[],
    device_ids: H100_96GB_IDS,
};

pub(super) const GH200_144GB: Gpu = Gpu {
    model: "GH200-144GB",
    name: "NVIDIA GH200 144GB HBM3e",
    products: &["GH200-144G-HBM3e"],
    aliases: &["GH200-144G-HBM3e"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "nvidia-smi mig -lgip in mig-parted#139 (1g.18gb to 2g.36gb); GPU Operator default \
              MIG config (3g.72gb, 4g.72gb, 7g.144gb: names and counts only); slices from the \
              names; not published: the 3g/4g/7g IDs, GiB, SMs and engines, and all placements",
    profiles: GH200_144GB_PROFILES,
    profile_aliases: &[],
    device_ids: ids("GH200 144G HBM3e", &["0x234810DE"]),
};

pub(super) const H20: Gpu = Gpu {
    model: "H20",
    name: "NVIDIA H20 96GB",
    products: &["H20"],
    aliases: &["H20-96GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide (Supported GPUs: H20 96GB, 7 instances); GPU Operator default \
              MIG config (all-balanced: 1g.12gb, 2g.24gb, 3g.48gb); slices from the names; not \
              published: other profiles, IDs, GiB, SMs, engines, counts, placements, and which of \
              its group's PCI ids is the H20's",
    profiles: H20_PROFILES,
    profile_aliases: &[],
    device_ids: H100_96GB_IDS,
};

pub(super) const H200: Gpu = Gpu {
    model: "H200",
    name: "NVIDIA H200 141GB",
    // The GPU Operator's all-balanced config gives H200 and H200 NVL the same profile set.
    products: &["H200", "H200-NVL"],
    aliases: &["H200-141GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; shared/fixtures/nvidia-smi/h200-141gb.*",
    profiles: H200_PROFILES,
    profile_aliases: &[],
    device_ids: ids("H200 141GB, H200 NVL", &["0x233510DE", "0x233B10DE"]),
};

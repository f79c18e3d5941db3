//! Ampere: A100 40GB, A100 80GB, A30.

use super::{engines, ids, row, A100_80GB_IDS, P1, P1_WIDE, P2, P3, P_ALL};
use crate::mig::catalog::{Gpu, Profile};

// Rows: name, ID, compute slices, memory slices, GiB, SMs, max instances, start slots,
// engines(CE, DEC, ENC, JPEG, OFA).

// A100 40GB: `-lgip` from a public A100-PCIE-40GB capture, identical to the A100-SXM4-40GB example
// in the NVIDIA MIG User Guide ("List GPU Instance Profiles"); `-lgipp` from the same guide.
#[rustfmt::skip]
const A100_40GB_PROFILES: &[Profile] = &[
    row("1g.5gb",    19, 1, 1,  4.75, 14, 7, P1,      engines(1, 0, 0, 0, 0)),
    row("1g.5gb+me", 20, 1, 1,  4.75, 14, 1, P1,      engines(1, 1, 0, 1, 1)),
    row("1g.10gb",   15, 1, 2,  9.75, 14, 4, P1_WIDE, engines(1, 1, 0, 0, 0)),
    row("2g.10gb",   14, 2, 2,  9.75, 28, 3, P2,      engines(2, 1, 0, 0, 0)),
    row("3g.20gb",    9, 3, 4, 19.62, 42, 2, P3,      engines(3, 2, 0, 0, 0)),
    row("4g.20gb",    5, 4, 4, 19.62, 56, 1, P_ALL,   engines(4, 2, 0, 0, 0)),
    row("7g.40gb",    0, 7, 8, 39.50, 98, 1, P_ALL,   engines(7, 5, 0, 1, 1)),
];

// A100 80GB: a public A100-SXM4-80GB `-lgip` capture (R470-era driver). 1g.20gb (ID 15, R525+) was
// not in it: its SM/engine counts follow the guide ("1 NVDEC /0 JPEG /0 OFA", like 1g.10gb on
// A100 40GB) and its memory equals 2g.20gb's, as 1g.<2 slices> always does in the captures.
#[rustfmt::skip]
const A100_80GB_PROFILES: &[Profile] = &[
    row("1g.10gb",    19, 1, 1,  9.50, 14, 7, P1,      engines(1, 0, 0, 0, 0)),
    row("1g.10gb+me", 20, 1, 1,  9.50, 14, 1, P1,      engines(1, 1, 0, 1, 1)),
    row("1g.20gb",    15, 1, 2, 19.50, 14, 4, P1_WIDE, engines(1, 1, 0, 0, 0)),
    row("2g.20gb",    14, 2, 2, 19.50, 28, 3, P2,      engines(2, 1, 0, 0, 0)),
    row("3g.40gb",     9, 3, 4, 39.50, 42, 2, P3,      engines(3, 2, 0, 0, 0)),
    row("4g.40gb",     5, 4, 4, 39.50, 56, 1, P_ALL,   engines(4, 2, 0, 0, 0)),
    row("7g.80gb",     0, 7, 8, 79.25, 98, 1, P_ALL,   engines(7, 5, 0, 1, 1)),
];

// A30: a public `-lgip`/`-lgipp` capture (driver 535.183.01). It shows 1 decoder on 1g.6gb where
// the guide's table says 0; the hardware's own number is kept.
#[rustfmt::skip]
const A30_PROFILES: &[Profile] = &[
    row("1g.6gb",     14, 1, 1,  5.81, 14, 4, &[0, 1, 2, 3], engines(1, 1, 0, 0, 0)),
    row("1g.6gb+me",  21, 1, 1,  5.81, 14, 1, &[0, 1, 2, 3], engines(1, 1, 0, 1, 1)),
    row("2g.12gb",     5, 2, 2, 11.69, 28, 2, &[0, 2],       engines(2, 2, 0, 0, 0)),
    row("2g.12gb+me",  6, 2, 2, 11.69, 28, 1, &[0, 2],       engines(2, 2, 0, 1, 1)),
    row("4g.24gb",     0, 4, 4, 23.44, 56, 1, P_ALL,         engines(4, 4, 0, 1, 1)),
];

pub(super) const A100_40GB: Gpu = Gpu {
    model: "A100-40GB",
    name: "NVIDIA A100 40GB (SXM4, PCIe)",
    products: &["A100-SXM4-40GB", "A100-PCIE-40GB"],
    aliases: &["A100", "A100-SXM4-40GB", "A100-PCIE-40GB"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an A100-PCIE-40GB; 3g.21gb is how \
              older GPU feature discovery labels named 3g.20gb (gpu-feature-discovery#7)",
    profiles: A100_40GB_PROFILES,
    profile_aliases: &[("3g.21gb", "3g.20gb")],
    device_ids: ids(
        "A100-40GB, A800-40GB",
        &["0x20B010DE", "0x20B110DE", "0x20F110DE", "0x20F610DE"],
    ),
};

pub(super) const A100_80GB: Gpu = Gpu {
    model: "A100-80GB",
    name: "NVIDIA A100 80GB (SXM4, PCIe)",
    products: &["A100-SXM4-80GB", "A100-80GB-PCIe"],
    aliases: &["A100-SXM4-80GB", "A100-80GB-PCIE"],
    compute_slices: 7,
    memory_slices: 8,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an A100-SXM4-80GB; drivers 535.x and \
              545.x name 3g.40gb 3g.39gb (mig-parted#31), some name 7g.80gb 7g.79gb \
              (gpu-operator#351)",
    profiles: A100_80GB_PROFILES,
    profile_aliases: &[("3g.39gb", "3g.40gb"), ("7g.79gb", "7g.80gb")],
    device_ids: A100_80GB_IDS,
};

pub(super) const A30: Gpu = Gpu {
    model: "A30",
    name: "NVIDIA A30 24GB",
    products: &["A30"],
    aliases: &["A30-24GB"],
    compute_slices: 4,
    memory_slices: 4,
    sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip/-lgipp of an A30",
    profiles: A30_PROFILES,
    profile_aliases: &[],
    device_ids: ids("A30-24GB", &["0x20B710DE"]),
};

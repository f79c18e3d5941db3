//! The catalog's data: each GPU's MIG profiles as `nvidia-smi mig -lgip` / `-lgipp` print them,
//! with the source of every table.

use super::{Engines, Gpu, Profile};

const fn engines(copy: u32, decoders: u32, encoders: u32, jpeg: u32, ofa: u32) -> Engines {
    Engines {
        copy,
        decoders,
        encoders: Some(encoders),
        jpeg,
        ofa,
    }
}

/// A fully captured profile row: name, ID, compute/memory slices, GiB, SMs, max, starts, engines.
#[allow(clippy::too_many_arguments)]
const fn row(
    name: &'static str,
    id: u32,
    compute_slices: u32,
    memory_slices: u32,
    memory_gib: f64,
    multiprocessors: u32,
    max_instances: u32,
    placements: &'static [u32],
    engines: Engines,
) -> Profile {
    Profile {
        name,
        id: Some(id),
        compute_slices,
        memory_slices,
        memory_gib: Some(memory_gib),
        multiprocessors: Some(multiprocessors),
        max_instances,
        placements: Some(placements),
        engines,
    }
}

// Start slots shared by every 7-slice GPU in the captures (A100, H100, H200): nvidia-smi mig -lgipp.
const P1: &[u32] = &[0, 1, 2, 3, 4, 5, 6];
const P1_WIDE: &[u32] = &[0, 2, 4, 6];
const P2: &[u32] = &[0, 2, 4];
const P3: &[u32] = &[0, 4];
const P_ALL: &[u32] = &[0];

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

// Rows: name, ID, compute slices, memory slices, GiB, SMs, max instances, start slots,
// engines(CE, DEC, ENC, JPEG, OFA).

// A100 40GB: `-lgip` from a public A100-PCIE-40GB capture, identical to the A100-SXM4-40GB example
// in the NVIDIA MIG User Guide ("List GPU Instance Profiles"); `-lgipp` from the same guide.
#[rustfmt::skip]
const A100_40GB: &[Profile] = &[
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
const A100_80GB: &[Profile] = &[
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
const A30: &[Profile] = &[
    row("1g.6gb",     14, 1, 1,  5.81, 14, 4, &[0, 1, 2, 3], engines(1, 1, 0, 0, 0)),
    row("1g.6gb+me",  21, 1, 1,  5.81, 14, 1, &[0, 1, 2, 3], engines(1, 1, 0, 1, 1)),
    row("2g.12gb",     5, 2, 2, 11.69, 28, 2, &[0, 2],       engines(2, 2, 0, 0, 0)),
    row("2g.12gb+me",  6, 2, 2, 11.69, 28, 1, &[0, 2],       engines(2, 2, 0, 1, 1)),
    row("4g.24gb",     0, 4, 4, 23.44, 56, 1, P_ALL,         engines(4, 4, 0, 1, 1)),
];

// Hopper: names, GiB of the 1-slice, 2-slice, 4-slice and 8-slice memory sizes, SMs per profile.

// H100 SXM5 80GB: shared/fixtures/nvidia-smi/h100-80gb-hbm3.lgip.txt and .lgipp.txt (driver 580).
#[rustfmt::skip]
const H100_80GB: &[Profile] = &hopper(
    ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    [9.75, 19.62, 39.50, 79.25],
    HOPPER_SXM_SMS,
);

// H100 PCIe 80GB: a public `-lgip` capture of an "NVIDIA H100 PCIe" (driver 570.169); 114 SMs in
// all. Its `-lgipp` was not captured; the placements are the Hopper ones of every other capture.
#[rustfmt::skip]
const H100_PCIE: &[Profile] = &hopper(
    ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    [9.75, 19.62, 39.50, 79.25],
    [14, 14, 14, 30, 46, 62, 114],
);

// H100 NVL 94GB: a public `-lgip`/`-lgipp` capture on Azure Standard_NC40ads_H100_v5 (driver 560).
#[rustfmt::skip]
const H100_NVL: &[Profile] = &hopper(
    ["1g.12gb", "1g.12gb+me", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"],
    [10.75, 21.62, 46.38, 93.12],
    HOPPER_SXM_SMS,
);

// H100 96GB on GH200: a public `-lgip` capture from a Grace Hopper system; placements as above.
#[rustfmt::skip]
const GH200: &[Profile] = &hopper(
    ["1g.12gb", "1g.12gb+me", "1g.24gb", "2g.24gb", "3g.48gb", "4g.48gb", "7g.96gb"],
    [11.00, 23.00, 46.50, 93.00],
    HOPPER_SXM_SMS,
);

// H200 141GB: shared/fixtures/nvidia-smi/h200-141gb.lgip.txt and .lgipp.txt (driver 580).
#[rustfmt::skip]
const H200: &[Profile] = &hopper(
    ["1g.18gb", "1g.18gb+me", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"],
    [16.00, 32.50, 69.75, 140.00],
    HOPPER_SXM_SMS,
);

/// A B200 row from the guide's table alone: no capture, so no ID, GiB, SMs, placements or NVENC.
const fn blackwell(
    name: &'static str,
    compute_slices: u32,
    memory_slices: u32,
    max_instances: u32,
    copy: u32,
    ofa: u32,
) -> Profile {
    Profile {
        name,
        id: None,
        compute_slices,
        memory_slices,
        memory_gib: None,
        multiprocessors: None,
        max_instances,
        placements: None,
        engines: Engines {
            copy,
            decoders: 1,
            encoders: None,
            jpeg: 1,
            ofa,
        },
    }
}

// B200 180GB: NVIDIA MIG User Guide, "B200 MIG Profiles" (1 NVDEC and 1 JPEG per profile there).
// Rows: name, compute slices, memory slices, max instances, copy engines, OFA.
#[rustfmt::skip]
const B200: &[Profile] = &[
    blackwell("1g.23gb",    1, 1, 7,  2, 0),
    blackwell("1g.23gb+me", 1, 1, 1,  2, 1),
    blackwell("1g.45gb",    1, 2, 4,  2, 0),
    blackwell("2g.45gb",    2, 2, 3,  3, 0),
    blackwell("3g.90gb",    3, 4, 2,  6, 0),
    blackwell("4g.90gb",    4, 4, 1,  8, 0),
    blackwell("7g.180gb",   7, 8, 1, 16, 1),
];

const GUIDE: &str = "NVIDIA MIG User Guide (Supported MIG Profiles)";

pub(super) static GPUS: &[Gpu] = &[
    Gpu {
        model: "A100-40GB",
        name: "NVIDIA A100 40GB (SXM4, PCIe)",
        products: &["A100-SXM4-40GB", "A100-PCIE-40GB"],
        aliases: &["A100", "A100-SXM4-40GB", "A100-PCIE-40GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an A100-PCIE-40GB",
        profiles: A100_40GB,
    },
    Gpu {
        model: "A100-80GB",
        name: "NVIDIA A100 80GB (SXM4, PCIe)",
        products: &["A100-SXM4-80GB", "A100-80GB-PCIe"],
        aliases: &["A100-SXM4-80GB", "A100-80GB-PCIE"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an A100-SXM4-80GB",
        profiles: A100_80GB,
    },
    Gpu {
        model: "A30",
        name: "NVIDIA A30 24GB",
        products: &["A30"],
        aliases: &["A30-24GB"],
        compute_slices: 4,
        memory_slices: 4,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip/-lgipp of an A30",
        profiles: A30,
    },
    Gpu {
        model: "H100-80GB",
        name: "NVIDIA H100 80GB HBM3 (SXM5)",
        products: &["H100-80GB-HBM3"],
        aliases: &["H100", "H100-SXM", "H100-SXM5-80GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; shared/fixtures/nvidia-smi/h100-80gb-hbm3.*",
        profiles: H100_80GB,
    },
    Gpu {
        model: "H100-PCIE",
        name: "NVIDIA H100 PCIe 80GB",
        products: &["H100-PCIe"],
        aliases: &["H100-PCIE-80GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of an H100 PCIe",
        profiles: H100_PCIE,
    },
    Gpu {
        model: "H100-NVL",
        name: "NVIDIA H100 NVL 94GB",
        products: &["H100-NVL"],
        aliases: &["H100-94GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip/-lgipp of an H100 NVL on Azure",
        profiles: H100_NVL,
    },
    Gpu {
        model: "GH200",
        name: "NVIDIA GH200 (H100 96GB)",
        // "GH200 480GB" is the 96GB HBM3 GH200; the 144GB HBM3e one has other profiles.
        products: &["GH200-480GB"],
        aliases: &["H100-96GB", "GH200-96GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; nvidia-smi mig -lgip of a GH200",
        profiles: GH200,
    },
    Gpu {
        model: "H200",
        name: "NVIDIA H200 141GB",
        // The GPU Operator's all-balanced config gives H200 and H200 NVL the same profile set.
        products: &["H200", "H200-NVL"],
        aliases: &["H200-141GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: "NVIDIA MIG User Guide; shared/fixtures/nvidia-smi/h200-141gb.*",
        profiles: H200,
    },
    Gpu {
        model: "B200",
        name: "NVIDIA B200 180GB",
        products: &["B200"],
        aliases: &["B200-180GB"],
        compute_slices: 7,
        memory_slices: 8,
        sources: GUIDE,
        profiles: B200,
    },
];

//! The catalog's data, one file per GPU family: each GPU's MIG profiles as `nvidia-smi mig -lgip`
//! / `-lgipp` print them, with the source of every table. A number NVIDIA does not publish is
//! `None` (printed `-`), and the GPU's `sources` says so; nothing is guessed.

mod ampere;
mod blackwell;
mod hopper;

use super::{DeviceIds, Engines, Gpu, Profile};

pub(super) static GPUS: &[Gpu] = &[
    ampere::A100_40GB,
    ampere::A100_80GB,
    ampere::A30,
    hopper::H100_80GB,
    hopper::H100_PCIE,
    hopper::H100_NVL,
    hopper::GH200,
    hopper::GH200_144GB,
    hopper::H20,
    hopper::H200,
    blackwell::B200,
    blackwell::GB200,
    blackwell::B300,
    blackwell::GB300,
    blackwell::RTX_PRO_6000,
];

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
        max_instances: Some(max_instances),
        placements: Some(placements),
        engines: Some(engines),
    }
}

/// A row known only by its name (compute and memory slices), how many fit, and maybe its ID:
/// everything else unpublished.
const fn named(
    name: &'static str,
    id: Option<u32>,
    compute_slices: u32,
    memory_slices: u32,
    max_instances: Option<u32>,
) -> Profile {
    Profile {
        name,
        id,
        compute_slices,
        memory_slices,
        memory_gib: None,
        multiprocessors: None,
        max_instances,
        placements: None,
        engines: None,
    }
}

/// A captured `-lgip` row whose `-lgipp` placements were not published.
#[allow(clippy::too_many_arguments)]
const fn unplaced(
    name: &'static str,
    id: u32,
    compute_slices: u32,
    memory_slices: u32,
    memory_gib: f64,
    multiprocessors: u32,
    max_instances: u32,
    engines: Engines,
) -> Profile {
    Profile {
        placements: None,
        ..row(
            name,
            id,
            compute_slices,
            memory_slices,
            memory_gib,
            multiprocessors,
            max_instances,
            &[],
            engines,
        )
    }
}

// Start slots shared by every 7-slice GPU in the captures (A100, H100, H200): nvidia-smi mig -lgipp.
const P1: &[u32] = &[0, 1, 2, 3, 4, 5, 6];
const P1_WIDE: &[u32] = &[0, 2, 4, 6];
const P2: &[u32] = &[0, 2, 4];
const P3: &[u32] = &[0, 4];
const P_ALL: &[u32] = &[0];

/// NVIDIA GPU Operator `assets/state-mig-manager/0400_configmap.yaml` @ a22dbf671f2e (equal to
/// mig-parted `deployments/systemd/config-default.yaml` @ bd7160f43f16): the `device-filter` ids
/// of `all-balanced`, with NVIDIA's comment naming each group.
const fn ids(group: &'static str, ids: &'static [&'static str]) -> Option<DeviceIds> {
    Some(DeviceIds { ids, group })
}

const A100_80GB_IDS: Option<DeviceIds> = ids(
    "H100-80GB, H800-80GB, A100-80GB, A800-80GB",
    &[
        "0x233010DE",
        "0x233110DE",
        "0x232210DE",
        "0x20B210DE",
        "0x20B510DE",
        "0x20F310DE",
        "0x20F510DE",
        "0x232410DE",
    ],
);

const H100_96GB_IDS: Option<DeviceIds> = ids(
    "H100-96GB, PG506-96GB, GH200, H20",
    &["0x234210DE", "0x233D10DE", "0x20B610DE", "0x232910DE"],
);

/// The source line every table cites for the guide.
const GUIDE: &str = "NVIDIA MIG User Guide (Supported MIG Profiles)";

/// A row with published engine counts (and maybe an ID) but no capture: no GiB, SMs or
/// placements.
const fn guide_row(
    name: &'static str,
    id: Option<u32>,
    compute_slices: u32,
    memory_slices: u32,
    max_instances: u32,
    engines: Engines,
) -> Profile {
    Profile {
        engines: Some(engines),
        ..named(name, id, compute_slices, memory_slices, Some(max_instances))
    }
}

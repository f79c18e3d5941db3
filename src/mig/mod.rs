//! Facts about NVIDIA MIG: the strategies and the names they give resources and labels, the
//! profile catalog per GPU, AKS VM sizes, the `nvidia-smi` parser, the MIG manager's layouts (mig-parted config) and
//! GPUs' PCI ids. Pure data and rules.

pub mod aks;
pub mod catalog;
pub mod labels;
pub mod layout;
pub mod mig_parted;
pub mod nvsmi;
pub mod parted_render;
pub mod pci;
pub mod strategy;

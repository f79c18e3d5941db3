//! Facts about NVIDIA MIG: the strategies and the names they give resources and labels, the
//! profile catalog per GPU, AKS VM sizes, and the `nvidia-smi` parser. Pure data and rules.

pub mod aks;
pub mod catalog;
pub mod labels;
pub mod layout;
pub mod nvsmi;
pub mod parted_render;
pub mod strategy;

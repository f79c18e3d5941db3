//! The capacity model: nodes and pods as describe reads them, folded into a report per node and
//! resource, with what looks wrong. Pure: no I/O, no printing.

pub mod capacity;
pub mod dra;
pub mod dra_report;
pub mod dra_rows;
pub mod gpu_view;
pub mod gpus;
pub mod layout_fit;
pub mod node;
pub mod node_gpus;
pub mod offers;
pub mod pending;
pub mod problems;
pub mod report;
pub mod sharing;
pub mod strategy;
pub mod tables;

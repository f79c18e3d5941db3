//! Printers: kubectl-like tables for people, fed by the same data as the JSON/YAML output.

pub mod describe;
pub mod progress;
pub mod style;
pub mod table;

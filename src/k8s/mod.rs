//! Kubernetes rules with no MIG knowledge and no I/O: quantities, label selectors, object
//! names, kubectl-style durations, and the labels that mark what kubectl mig creates.

pub mod duration;
pub mod names;
pub mod ownership;
pub mod quantity;
pub mod requests;
pub mod selector;

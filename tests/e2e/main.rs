//! The end-to-end tests, one binary: the real `kubectl-mig` against the fake API server
//! (`tests/fakeapi`), the real kubectl, shells and release tooling, one module per area.
//!
//! `cargo test --test e2e` runs them all, `cargo test --test e2e install::` one area.

mod support;

mod captures;
mod cli;
mod completion;
mod describe;
mod dra;
mod fidelity;
mod fleet;
mod gpus;
mod install;
mod krew;
mod network;
mod plan;
mod plan_pending;
mod reconfigure;
mod run;
mod watch;

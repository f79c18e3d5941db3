//! A faithful in-process fake Kubernetes API server for kubectl-mig's end-to-end tests and
//! benchmarks: JSON REST API with discovery, selectors, paging, watches, server-side apply,
//! dry runs, validation, Status errors, fault injection, a tiny scheduler and kubelet, and a
//! seeded AKS-like MIG cluster. Real `kubectl` and kube-rs work against it.

mod api;
mod apply;
mod delete;
mod discovery;
pub mod dra;
mod events;
mod eviction;
mod fieldset;
mod handlers;
mod http;
mod kubelet;
mod logs;
mod migmanager;
mod objects;
mod openapi;
mod paging;
mod patch;
mod proxy;
mod resources;
mod scheduler;
mod seed;
mod selectors;
mod special;
mod status;
mod store;
pub mod synth;
mod table;
mod testserver;
mod util;
mod watch;

pub use api::{FakeApi, Faults, RequestRecord};
pub use discovery::GIT_VERSION;
pub use dra::seed::DRA_SEED_FILES;
pub use dra::DraVersions;
pub use http::serve;
pub use migmanager::{MigFault, MigManagerKnobs, MIG_MANAGER_FILES};
pub use proxy::{ProxyKind, TestProxy};
pub use seed::SEED_FILES;
pub use testserver::{kubeconfig_yaml, TestServer};

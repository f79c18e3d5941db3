//! Reading the nodes and pods a report is made of: from a live cluster, or from capture files.

pub mod capture;
pub mod dra;
pub mod layouts;
pub mod live;
pub mod pending;
pub mod pod_usage;
pub mod read_plan;

//! One module per subcommand: the glue between the command line, the cluster and the printers.

pub mod completion;
pub mod describe;
pub mod install;
pub mod plan;
pub mod profiles;
pub mod run;
pub mod status;

//! Output format flags shared by the commands, and the printers for machine-readable output.

pub mod messages;
pub mod progress;
pub mod style;
pub mod table;

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;

/// `--dry-run`, as kubectl spells it: the absence of the flag means doing it for real.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    /// Only print what would be sent.
    Client,
    /// Ask the server to validate without persisting.
    Server,
}

/// The `--dry-run` flag as typed: absent or `none` (kubectl's spelling of a real run) is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DryRunFlag(pub Option<DryRun>);

/// Parses `--dry-run[=client|server|none]` into a [`DryRunFlag`], keeping the values listed for
/// help and completion.
pub fn dry_run_flag() -> impl clap::builder::TypedValueParser<Value = DryRunFlag> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("client").help("Only print what would be sent"),
        PossibleValue::new("server").help("Ask the server to validate without persisting"),
        PossibleValue::new("none").help("Do it for real (kubectl's default)"),
    ])
    .map(|v| {
        DryRunFlag(match v.as_str() {
            "client" => Some(DryRun::Client),
            "server" => Some(DryRun::Server),
            _ => None,
        })
    })
}

/// `-o` for commands that print a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// kubectl-like columns.
    #[default]
    Table,
    /// Columns with more detail.
    Wide,
    /// JSON (stable schema).
    Json,
    /// YAML (same schema as JSON).
    Yaml,
}

/// `-o` for commands that print Kubernetes objects (`--dry-run`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectFormat {
    /// YAML documents.
    Yaml,
    /// JSON (a `List` when there are several objects).
    Json,
}

/// Writes `value` as pretty JSON or YAML.
pub fn write_data<T: Serialize>(out: &mut dyn Write, format: Format, value: &T) -> Result<()> {
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(value).map_err(encode_error)?;
            writeln!(out, "{text}").map_err(io_error)
        }
        Format::Yaml => {
            let text = serde_yaml::to_string(value).map_err(encode_error)?;
            write!(out, "{text}").map_err(io_error)
        }
        Format::Table | Format::Wide => Err(Error::failed(
            "internal: tables are printed by the command's own renderer",
        )),
    }
}

/// Writes Kubernetes objects as kubectl would print them with `-o yaml|json`.
pub fn write_objects(
    out: &mut dyn Write,
    format: ObjectFormat,
    objects: &[serde_json::Value],
) -> Result<()> {
    match format {
        ObjectFormat::Yaml => {
            for (i, obj) in objects.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "---").map_err(io_error)?;
                }
                let text = serde_yaml::to_string(obj).map_err(encode_error)?;
                write!(out, "{text}").map_err(io_error)?;
            }
            Ok(())
        }
        ObjectFormat::Json => {
            let value = match objects {
                [one] => one.clone(),
                many => serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "List",
                    "metadata": {},
                    "items": many,
                }),
            };
            let text = serde_json::to_string_pretty(&value).map_err(encode_error)?;
            writeln!(out, "{text}").map_err(io_error)
        }
    }
}

/// Maps a failed write to stdout (closed pipe, full disk) to a user error.
pub fn io_error(err: std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        // The reader (e.g. `head`) has all it wants: stop quietly, as kubectl does.
        return Error::Exit {
            code: 0,
            message: String::new(),
        };
    }
    Error::failed(format!("cannot write the output: {err}"))
}

fn encode_error(err: impl std::fmt::Display) -> Error {
    Error::failed(format!("cannot encode the output: {err}"))
}

pub use crate::text::sanitize;

//! Output format flags shared by the commands, and the printers for machine-readable output.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;

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

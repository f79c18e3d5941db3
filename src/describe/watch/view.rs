//! Drawing the watch: in place on a terminal, else as documents or the rows that changed.

use crate::error::Result;
use crate::model::capacity::Report;
use crate::output::style::Style;
use crate::output::{self, Format};
use std::io::Write;

/// How the view is drawn: in place on a terminal, else as documents or changed rows.
pub(super) struct View {
    format: Format,
    terminal: bool,
    previous: Vec<String>,
}

impl View {
    pub(super) fn new(format: Format, terminal: bool) -> Self {
        View {
            format,
            terminal,
            previous: Vec::new(),
        }
    }

    pub(super) fn draw(&mut self, report: &Report, out: &mut dyn Write) -> Result<()> {
        match self.format {
            Format::Json | Format::Yaml => output::write_data(out, self.format, report)?,
            Format::Table | Format::Wide => {
                let wide = self.format == Format::Wide;
                let text = crate::describe::render::render(report, wide, Style::detect());
                if self.terminal {
                    // Home and clear, then the whole view: the terminal shows the latest state.
                    write!(out, "\x1b[H\x1b[2J{text}").map_err(output::io_error)?;
                } else {
                    let lines: Vec<String> = text.lines().map(str::to_string).collect();
                    for line in lines.iter().filter(|l| !self.previous.contains(l)) {
                        writeln!(out, "{line}").map_err(output::io_error)?;
                    }
                    self.previous = lines;
                }
            }
        }
        out.flush().map_err(output::io_error)
    }

    pub(super) fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        if self.terminal {
            // Whatever the last frame did, leave the cursor visible on a fresh line.
            writeln!(out, "\x1b[?25h").map_err(output::io_error)?;
        }
        out.flush().map_err(output::io_error)
    }
}

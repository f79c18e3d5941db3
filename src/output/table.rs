//! kubectl's table layout, drawn by comfy-table: upper-case headers, left-aligned columns three
//! spaces apart, no borders, no trailing spaces; on a terminal, wide tables wrap their cells to
//! fit its width.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Width};

/// Spaces between two columns, as kubectl prints them.
const GAP: u16 = 3;

/// A table being built row by row.
#[derive(Debug)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    width: Option<u16>,
}

impl Table {
    /// A table with these headers, laid out for stdout (fitted to a terminal's width).
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            width: terminal_width(),
        }
    }

    /// Lays the table out for a given width instead of the terminal's (`None`: never wrap).
    #[cfg(test)]
    pub fn fit(mut self, width: Option<u16>) -> Self {
        self.width = width;
        self
    }

    /// Adds a row (missing trailing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with each line ending in `\n`, no trailing spaces.
    pub fn render(&self) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.headers.len()))
            .max()
            .unwrap_or(0);
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header(pad(&self.headers, columns));
        for row in &self.rows {
            table.add_row(pad(row, columns));
        }
        match self.width {
            Some(width) => {
                table.set_content_arrangement(ContentArrangement::Dynamic);
                table.set_width(width);
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        let last = columns.saturating_sub(1);
        for (i, column) in table.column_iter_mut().enumerate() {
            column.set_padding((0, if i == last { 0 } else { GAP }));
            column.set_cell_alignment(CellAlignment::Left);
            if self.width.is_some() && i == 0 {
                // Names (nodes, pods) are what a reader scans for: never wrap the first column.
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(
                    first_column_width(&self.headers, &self.rows),
                )));
            }
        }
        let mut out = String::new();
        for line in table.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn pad(cells: &[String], columns: usize) -> Vec<String> {
    let mut cells = cells.to_vec();
    cells.resize(columns, String::new());
    cells
}

fn first_column_width(headers: &[String], rows: &[Vec<String>]) -> u16 {
    let widest = rows
        .iter()
        .filter_map(|r| r.first())
        .chain(headers.first())
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    u16::try_from(widest)
        .unwrap_or(u16::MAX)
        .saturating_add(GAP)
}

/// The width of the terminal stdout is, if it is one.
fn terminal_width() -> Option<u16> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| w.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_like_kubectl() {
        let mut t = Table::new(&["NAME", "READY"]).fit(None);
        t.row(vec!["a-long-name".into(), "1".into()]);
        t.row(vec!["b".into(), "2".into()]);
        assert_eq!(
            t.render(),
            "NAME          READY\na-long-name   1\nb             2\n"
        );
    }

    #[test]
    fn short_rows_are_padded_and_nothing_trails() {
        let mut t = Table::new(&["A", "B", "C"]).fit(None);
        t.row(vec!["x".into()]);
        assert_eq!(t.render(), "A   B   C\nx\n");
    }

    #[test]
    fn a_narrow_terminal_wraps_cells_but_not_the_first_column() {
        let mut t = Table::new(&["NODE", "PODS"]).fit(Some(30));
        t.row(vec![
            "aks-gpu-0".into(),
            "ml/a(1),ml/b(1),ml/c(1),ml/d(1),ml/e(1)".into(),
        ]);
        let text = t.render();
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
        assert!(text.contains("aks-gpu-0"), "{text}");
        assert!(text.lines().count() > 2, "{text}");
    }
}

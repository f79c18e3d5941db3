//! Color and bars, only for a terminal and never when NO_COLOR is set.

use std::io::IsTerminal;

/// What the output device can show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Usage bars (a terminal).
    pub bars: bool,
    /// ANSI colors (a terminal without NO_COLOR).
    pub color: bool,
}

impl Style {
    /// Decides from stdout and the environment.
    pub fn detect() -> Self {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            bars: tty,
            color: tty && !no_color,
        }
    }

    /// Wraps text in an ANSI color when colors are on.
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A bar of at most `width` cells: `■` for used, `□` for free.
    pub fn bar(&self, used: i64, total: i64, width: i64) -> String {
        if total <= 0 {
            return String::new();
        }
        let cells = total.min(width);
        let mut filled = (used.clamp(0, total) * cells + total - 1) / total;
        if used < total && filled == cells {
            filled -= 1; // a bar that looks full must mean full
        }
        let used_text = "■".repeat(filled as usize);
        let free_text = "□".repeat((cells - filled) as usize);
        let used_color = if used >= total { "31" } else { "33" };
        format!(
            "{}{}",
            if filled > 0 {
                self.paint(used_color, &used_text)
            } else {
                String::new()
            },
            if cells > filled {
                self.paint("32", &free_text)
            } else {
                String::new()
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_never_lie_about_full() {
        let s = Style {
            bars: true,
            color: false,
        };
        assert_eq!(s.bar(3, 7, 14), "■■■□□□□");
        assert_eq!(s.bar(0, 7, 14), "□□□□□□□");
        assert_eq!(s.bar(55, 56, 14), "■■■■■■■■■■■■■□");
        assert_eq!(s.bar(56, 56, 14), "■■■■■■■■■■■■■■");
        assert_eq!(s.bar(1, 56, 14), "■□□□□□□□□□□□□□");
        assert_eq!(s.bar(0, 0, 14), "");
    }
}

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

    /// A bar of at most `width` cells: `■` for used, `□` for free. Plain text: tables lay it
    /// out first, then [`Style::paint_bars`] colours it.
    pub fn bar(&self, used: i64, total: i64, width: i64) -> String {
        if total <= 0 {
            return String::new();
        }
        let cells = total.min(width);
        let mut filled = (used.clamp(0, total) * cells + total - 1) / total;
        if used < total && filled == cells {
            filled -= 1; // a bar that looks full must mean full
        }
        let filled = usize::try_from(filled).unwrap_or(0);
        let free = usize::try_from(cells).unwrap_or(0).saturating_sub(filled);
        format!(
            "{}{}",
            USED.to_string().repeat(filled),
            FREE.to_string().repeat(free)
        )
    }

    /// Colours the bars in laid-out text: used cells yellow (red when the bar is full), free
    /// cells green. Done after layout so colour codes never count as width.
    pub fn paint_bars(&self, text: &str) -> String {
        if !self.color || !text.contains([USED, FREE]) {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 64);
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c != USED && c != FREE {
                out.push(c);
                i += 1;
                continue;
            }
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let text: String = chars[i..i + run].iter().collect();
            let next = chars.get(i + run).copied();
            let code = match (c, next) {
                (FREE, _) => "32",
                (_, Some(FREE)) => "33",
                _ => "31",
            };
            out.push_str(&self.paint(code, &text));
            i += run;
        }
        out
    }
}

/// A used cell of a bar.
const USED: char = '■';
/// A free cell of a bar.
const FREE: char = '□';

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

    #[test]
    fn bars_are_coloured_after_layout() {
        let s = Style {
            bars: true,
            color: true,
        };
        assert_eq!(
            s.paint_bars("a ■■□ b ■■"),
            "a \x1b[33m■■\x1b[0m\x1b[32m□\x1b[0m b \x1b[31m■■\x1b[0m"
        );
        let plain = Style {
            bars: true,
            color: false,
        };
        assert_eq!(plain.paint_bars("■□"), "■□");
    }
}

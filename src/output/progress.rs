//! One status line on stderr while something is awaited: a spinner redrawn in place on a
//! terminal, a new line per change elsewhere (logs, CI).

use std::io::IsTerminal;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The status line.
pub struct Progress {
    tty: bool,
    frame: usize,
    line: String,
    drawn: bool,
}

impl Progress {
    /// A status line on stderr.
    pub fn new() -> Self {
        Progress {
            tty: std::io::stderr().is_terminal(),
            frame: 0,
            line: String::new(),
            drawn: false,
        }
    }

    /// Sets the text; off a terminal, a changed text is printed as a line of its own.
    pub fn set(&mut self, line: String) {
        if line == self.line {
            return;
        }
        self.line = line;
        if self.tty {
            self.tick();
        } else {
            eprintln!("{}", self.line);
        }
    }

    /// Advances the spinner (terminal only).
    pub fn tick(&mut self) {
        if self.tty && !self.line.is_empty() {
            self.frame = (self.frame + 1) % FRAMES.len();
            eprint!("\r\x1b[2K{} {}", FRAMES[self.frame], self.line);
            self.drawn = true;
        }
    }

    /// Clears the line so the next message starts clean.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Drop for Progress {
    /// A wait cut short (timeout, Ctrl-C, error) must not leave the spinner under the next message.
    fn drop(&mut self) {
        self.finish();
    }
}

//! One status line on stderr while something is awaited: a spinner redrawn in place on a
//! terminal, a new line per change elsewhere (logs, CI).

use super::messages::Messages;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The status line.
pub struct Progress {
    messages: Messages,
    tty: bool,
    frame: usize,
    line: String,
    drawn: bool,
}

impl Progress {
    /// A status line among `messages`.
    pub fn new(messages: &Messages) -> Self {
        Progress {
            messages: messages.clone(),
            tty: messages.is_terminal(),
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
            self.messages.say(&self.line);
        }
    }

    /// Advances the spinner (terminal only).
    pub fn tick(&mut self) {
        if self.tty && !self.line.is_empty() {
            self.frame = (self.frame + 1) % FRAMES.len();
            let frame = FRAMES[self.frame];
            self.messages
                .raw(&format!("\r\x1b[2K{frame} {}", self.line));
            self.drawn = true;
        }
    }

    /// Clears the line so the next message starts clean.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            self.messages.raw("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    /// A wait cut short (timeout, Ctrl-C, error) must not leave the spinner under the next message.
    fn drop(&mut self) {
        self.finish();
    }
}

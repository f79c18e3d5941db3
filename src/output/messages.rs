//! The one sink for what is said on stderr (warnings, notes, progress lines), passed down like
//! stdout so every message has one prefix style and tests can read what was said.

use std::fmt::Display;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where messages go; cloning shares the same sink.
#[derive(Clone)]
pub struct Messages {
    sink: Arc<Mutex<Box<dyn Write + Send>>>,
    terminal: bool,
}

impl Messages {
    /// The process's stderr.
    pub fn stderr() -> Self {
        Messages {
            sink: Arc::new(Mutex::new(Box::new(std::io::stderr()))),
            terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    /// A sink kept in memory, and the buffer to read it back (for tests).
    #[cfg(test)]
    pub fn buffer() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Shared(buffer.clone());
        (
            Messages {
                sink: Arc::new(Mutex::new(Box::new(sink))),
                terminal: false,
            },
            buffer,
        )
    }

    /// Whether the sink is a terminal (spinners redraw in place only there).
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// `warning: ...`: something is off, and the command goes on.
    pub fn warn(&self, message: impl Display) {
        self.line(format_args!("warning: {message}"));
    }

    /// `note: ...`: worth knowing, nothing wrong.
    pub fn note(&self, message: impl Display) {
        self.line(format_args!("note: {message}"));
    }

    /// A plain line: what the command is doing or did.
    pub fn say(&self, message: impl Display) {
        self.line(format_args!("{message}"));
    }

    /// Text as it is, with no newline added (a spinner's redraw).
    pub fn raw(&self, text: &str) {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        // A closed stderr has no one left to tell.
        let _ = sink.write_all(text.as_bytes()).and_then(|()| sink.flush());
    }

    fn line(&self, text: std::fmt::Arguments<'_>) {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(sink, "{text}").and_then(|()| sink.flush());
    }
}

#[cfg(test)]
struct Shared(Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_prefix_per_kind() {
        let (messages, buffer) = Messages::buffer();
        messages.warn("two daemons");
        messages.note("using the catalog");
        messages.say("pod/x created");
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "warning: two daemons\nnote: using the catalog\npod/x created\n"
        );
    }
}

//! Text from clusters, captures and libraries made fit for a terminal: one line, no control
//! characters acting on it.

/// Error texts from deep libraries (and servers) can span lines; users get one line, with any
/// control character shown as an escape rather than acted on by the terminal.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    sanitize(&joined).into_owned()
}

/// Text from a cluster or a capture made safe for a terminal: control characters (escape
/// sequences, carriage returns, bells) are shown as `\u{..}` escapes instead of acting.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            clean.extend(c.escape_unicode());
        } else {
            clean.push(c);
        }
    }
    std::borrow::Cow::Owned(clean)
}

/// Control characters, and the Unicode bidirectional overrides that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(sanitize("node-1"), "node-1");
        assert_eq!(sanitize("evil\u{1b}[2Jnode"), "evil\\u{1b}[2Jnode");
        assert_eq!(sanitize("a\rb\u{7}"), "a\\u{d}b\\u{7}");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
    }
}

//! Assertion macros that print what was run when they fail, and the snapshot check.

use super::{Run, ROOT};
use std::path::Path;

/// Asserts that a [`Run`] exited with `code`, printing the whole run otherwise; more arguments
/// are a format string prefixed to the message.
macro_rules! assert_exit {
    ($run:expr, $code:expr $(,)?) => {{
        let run: &$crate::support::Run = &$run;
        let code: i32 = $code;
        assert_eq!(run.code, code, "expected exit code {code}, got {run:#?}");
    }};
    ($run:expr, $code:expr, $($context:tt)+) => {{
        let run: &$crate::support::Run = &$run;
        let code: i32 = $code;
        assert_eq!(
            run.code,
            code,
            "{}: expected exit code {code}, got {run:#?}",
            format_args!($($context)+)
        );
    }};
}
pub(crate) use assert_exit;

/// Asserts that a [`Run`] succeeded (exit code 0), printing the whole run otherwise.
macro_rules! assert_ok {
    ($run:expr $(,)?) => {
        $crate::support::assert_exit!($run, 0)
    };
    ($run:expr, $($context:tt)+) => {
        $crate::support::assert_exit!($run, 0, $($context)+)
    };
}
pub(crate) use assert_ok;

/// Asserts that the text `haystack` contains `needle` (a `&str`, `&String` or `char`), printing
/// both otherwise; more arguments are a format string prefixed to the message.
macro_rules! assert_contains {
    ($haystack:expr, $needle:expr $(,)?) => {{
        let haystack: &str = &$haystack;
        let needle = $needle;
        assert!(
            haystack.contains(needle),
            "expected {needle:?} in:\n{haystack}"
        );
    }};
    ($haystack:expr, $needle:expr, $($context:tt)+) => {{
        let haystack: &str = &$haystack;
        let needle = $needle;
        assert!(
            haystack.contains(needle),
            "{}: expected {needle:?} in:\n{haystack}",
            format_args!($($context)+)
        );
    }};
}
pub(crate) use assert_contains;

/// Asserts that the text `haystack` does not contain `needle`, printing both otherwise.
macro_rules! assert_lacks {
    ($haystack:expr, $needle:expr $(,)?) => {{
        let haystack: &str = &$haystack;
        let needle = $needle;
        assert!(
            !haystack.contains(needle),
            "unexpected {needle:?} in:\n{haystack:?}"
        );
    }};
    ($haystack:expr, $needle:expr, $($context:tt)+) => {{
        let haystack: &str = &$haystack;
        let needle = $needle;
        assert!(
            !haystack.contains(needle),
            "{}: unexpected {needle:?} in:\n{haystack:?}",
            format_args!($($context)+)
        );
    }};
}
pub(crate) use assert_lacks;

/// Asserts that a [`Run`] failed with `code` and one clear sentence on stderr, `error: ...` on
/// one line without debug dumps, that contains `needle`.
macro_rules! assert_error {
    ($run:expr, $code:expr, $needle:expr $(,)?) => {{
        let run: &$crate::support::Run = &$run;
        let line = $crate::support::error_line(run, $code);
        $crate::support::assert_contains!(line, $needle);
    }};
}
pub(crate) use assert_error;

/// Debug output that must never reach a user's error message.
const DEBUG_DUMPS: [&str; 5] = [
    "Output {",
    "Error {",
    "status: ExitStatus",
    "stdout:",
    "panicked",
];

/// Checks that `run` exited with `code` and wrote one `error: ...` line without debug dumps to
/// stderr; returns that line.
#[track_caller]
pub fn error_line(run: &Run, code: i32) -> &str {
    assert_exit!(run, code);
    let line = run.stderr.trim_end();
    assert!(
        line.starts_with("error: ") && run.stderr.lines().count() == 1,
        "one `error: ` line expected, got {run:#?}"
    );
    for dump in DEBUG_DUMPS {
        assert_lacks!(line, dump, "debug dump");
    }
    line
}

/// Compares `actual` with tests/snapshots/<name>; `UPDATE_SNAPSHOTS=1` rewrites it.
#[track_caller]
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(ROOT).join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "snapshot {name} differs (rerun with UPDATE_SNAPSHOTS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

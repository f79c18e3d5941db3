//! kubectl-style durations: `30s`, `5m`, `1h30m`, `500ms`, or a bare number of seconds.

use std::time::Duration;

/// Parses a duration as kubectl's flags accept it (Go's `time.ParseDuration`, plus bare seconds).
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration: use e.g. 30s, 5m or 1h".into());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                format!("invalid duration {text:?}: missing unit (use ms, s, m or h)")
            })?;
        if digits == 0 {
            return Err(format!("invalid duration {text:?}: use e.g. 30s, 5m or 1h"));
        }
        let value: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration {text:?}: use e.g. 30s, 5m or 1h"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "invalid duration {text:?}: unknown unit {other:?} (use ms, s, m or h)"
                ))
            }
        };
        rest = &rest[unit_len..];
        total += Duration::from_secs_f64(value * unit);
    }
    Ok(total)
}

/// Formats a duration the short way kubectl prints ages: `45s`, `3m20s`, `2h`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    let millis = d.subsec_millis();
    if secs == 0 && d > Duration::ZERO {
        return format!("{}ms", d.as_millis().max(1));
    }
    if secs < 60 && millis != 0 {
        let text = format!("{secs}.{millis:03}");
        return format!("{}s", text.trim_end_matches('0'));
    }
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 if secs % 60 == 0 => format!("{}m", secs / 60),
        60..=3599 => format!("{}m{}s", secs / 60, secs % 60),
        _ if secs % 3600 == 0 => format!("{}h", secs / 3600),
        _ => format!("{}h{}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubectl_durations() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("12"), Ok(Duration::from_secs(12)));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("").is_err());
        assert!(parse("5x").is_err());
        assert!(parse("m").is_err());
        assert!(parse("abc").is_err());
    }

    #[test]
    fn prints_short_ages() {
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::from_secs(200)), "3m20s");
        assert_eq!(human(Duration::from_secs(7200)), "2h");
    }

    #[test]
    fn sub_second_timeouts_are_not_zero() {
        assert_eq!(human(Duration::from_millis(150)), "150ms");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_millis(2250)), "2.25s");
        assert_eq!(human(Duration::ZERO), "0s");
    }
}

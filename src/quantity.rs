//! Kubernetes quantities of extended resources: whole numbers, sometimes written with a suffix.

/// Parses a quantity (`"7"`, `"1k"`, `"2Ki"`, or a JSON number) into a whole number.
/// Fractions are rounded up, as the scheduler would have to reserve a whole device.
pub fn parse_value(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.ceil() as i64)),
        serde_json::Value::String(s) => parse(s),
        _ => None,
    }
}

/// Parses a quantity string into a whole number (`None` if it is not a quantity).
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        _ if suffix.starts_with(['e', 'E']) => 10f64.powi(suffix[1..].parse().ok()?),
        _ => return None,
    };
    Some((number * factor).ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_suffixed() {
        assert_eq!(parse("7"), Some(7));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("1k"), Some(1000));
        assert_eq!(parse("2Ki"), Some(2048));
        assert_eq!(parse("1e3"), Some(1000));
        assert_eq!(parse("500m"), Some(1));
        assert_eq!(parse("abc"), None);
        assert_eq!(parse_value(&serde_json::json!(3)), Some(3));
        assert_eq!(parse_value(&serde_json::json!("56")), Some(56));
    }
}

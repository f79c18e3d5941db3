//! Kubernetes quantities of extended resources: whole numbers, sometimes written with a suffix.

/// Parses a quantity (`"7"`, `"1k"`, `"2Ki"`, or a JSON number) into a whole number.
/// Fractions are rounded up, as the scheduler would have to reserve a whole device. Negative
/// counts and numbers beyond `i64` are not device counts: `None`, like text that is no quantity.
pub fn parse_value(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            (None, Some(f)) => from_float(f),
            (None, None) => None,
        },
        serde_json::Value::String(s) => parse(s),
        _ => None,
    }
    .filter(|n| *n >= 0)
}

/// Parses a quantity string into a whole number (`None` if it is not a quantity or does not fit).
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let binary = |p: u32| 1024i128.checked_pow(p);
    let decimal = |p: u32| 10i128.checked_pow(p);
    let factor: Option<i128> = match suffix {
        "" => Some(1),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        "m" => None,
        _ if suffix.starts_with(['e', 'E']) => {
            let exp: i32 = suffix[1..].parse().ok()?;
            u32::try_from(exp).ok().and_then(decimal)
        }
        _ => return None,
    };
    // Whole numbers stay exact; anything else goes through floating point and is rounded up.
    if let (Some(factor), Ok(whole)) = (factor, number.parse::<i128>()) {
        return whole
            .checked_mul(factor)
            .and_then(|n| i64::try_from(n).ok());
    }
    let value: f64 = number.parse().ok()?;
    let scale: f64 = match suffix {
        "m" => 1e-3,
        _ if suffix.starts_with(['e', 'E']) => 10f64.powi(suffix[1..].parse().ok()?),
        _ => factor? as f64,
    };
    from_float(value * scale)
}

fn from_float(value: f64) -> Option<i64> {
    let up = value.ceil();
    // i64::MAX as f64 rounds up to 2^63, which does not fit: compare strictly.
    (up.is_finite() && up >= i64::MIN as f64 && up < i64::MAX as f64).then_some(up as i64)
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

    #[test]
    fn out_of_range_and_negative_counts_are_not_counts() {
        assert_eq!(parse("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse("9223372036854775808"), None);
        assert_eq!(parse("1e30"), None);
        assert_eq!(parse("10E"), None);
        assert_eq!(parse_value(&serde_json::json!("-4")), None);
        assert_eq!(parse_value(&serde_json::json!(-4)), None);
        assert_eq!(parse_value(&serde_json::json!(1e300)), None);
    }
}

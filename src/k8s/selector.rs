//! Label selectors as kubectl writes them (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), matched
//! locally against labels read from a capture.

use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed label selector: every requirement must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses kubectl's selector syntax.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text)? {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(Selector(requirements))
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }
}

/// `k=v,k2=v2`: a selector matching exactly these labels.
pub fn from_labels(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn split_top_level(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(format!("unbalanced parentheses in selector {text:?}"));
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced parentheses in selector {text:?}"));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    let bad = || {
        format!("invalid selector requirement {part:?}: use key=value, key!=value, key in (a,b), key notin (a), key or !key")
    };
    if let Some(key) = part.strip_prefix('!') {
        return check_key(key.trim()).map(|k| Requirement::DoesNotExist(k.into()));
    }
    for (op, neg) in [(" notin ", true), (" in ", false)] {
        if let Some((key, rest)) = part.split_once(op) {
            let values = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(bad)?
                .split(',')
                .map(|v| v.trim().to_string())
                .collect();
            let key = check_key(key.trim())?.to_string();
            return Ok(if neg {
                Requirement::NotIn(key, values)
            } else {
                Requirement::In(key, values)
            });
        }
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            check_key(key.trim())?.into(),
            value.trim().into(),
        ));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(Requirement::Equals(
            check_key(key.trim())?.into(),
            value.trim().into(),
        ));
    }
    if part.contains([' ', '(', ')', '<', '>']) {
        return Err(bad());
    }
    check_key(part).map(|k| Requirement::Exists(k.into()))
}

fn check_key(key: &str) -> Result<&str, String> {
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        Ok(key)
    } else {
        Err(format!("invalid label key {key:?} in selector"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn matches_every_operator() {
        let l = labels(&[("pool", "mig"), ("tier", "gpu")]);
        let ok = |s: &str| Selector::parse(s).unwrap().matches(&l);
        assert!(ok("pool=mig"));
        assert!(ok("pool==mig,tier=gpu"));
        assert!(!ok("pool!=mig"));
        assert!(ok("pool in (cpu, mig)"));
        assert!(!ok("pool notin (mig)"));
        assert!(ok("zone notin (a)"));
        assert!(ok("tier"));
        assert!(ok("!zone"));
        assert!(!ok("!tier"));
        assert!(ok(""));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Selector::parse("pool in mig").is_err());
        assert!(Selector::parse("pool in (a").is_err());
        assert!(Selector::parse("bad key=1").is_err());
    }
}

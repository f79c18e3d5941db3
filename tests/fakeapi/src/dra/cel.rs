//! A CEL subset, enough for DRA device selectors: literals (int, uint, double, string, bool,
//! null, lists, maps), `device.driver`, `device.attributes[domain].name`,
//! `device.capacity[domain].name`, `.` / `[]` access, `has()`, `in`, `! - * / % + -`,
//! comparisons, `&&` / `||` (with CEL's error absorption), `?:`, string methods (`startsWith`,
//! `endsWith`, `contains`, `size`, `lowerAscii`, `upperAscii`), `size()`, and the Kubernetes
//! libraries `quantity()` / `isQuantity()` and `semver()` / `isSemver()` with `compareTo`,
//! `isGreaterThan`, `isLessThan` (and `add`, `sub`, `asInteger`, `asApproximateFloat`, `sign`,
//! `isInteger`, `major`, `minor`, `patch`). Version attributes are semver values and capacities
//! are quantities, as in Kubernetes. Anything else is an evaluation error.

use crate::util::parse_quantity;
use serde_json::Value as Json;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A CEL value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
    /// A Kubernetes quantity (value in base units, text as written).
    Quantity(f64, String),
    /// A semantic version (major, minor, patch, pre-release).
    Version(u64, u64, u64, String),
    /// `device.attributes` / `device.capacity`: a map whose unknown domains read as `{}`.
    Domains(BTreeMap<String, Val>),
}

impl Val {
    fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null_type",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::UInt(_) => "uint",
            Val::Double(_) => "double",
            Val::Str(_) => "string",
            Val::List(_) => "list",
            Val::Map(_) | Val::Domains(_) => "map",
            Val::Quantity(..) => "kubernetes.Quantity",
            Val::Version(..) => "kubernetes.Semver",
        }
    }
}

type R<T> = Result<T, String>;

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    "{", "}", ".", ",", "?", ":",
];

fn lex(src: &str) -> R<Vec<Tok>> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            if c == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
                i += 2;
                while i < chars.len() && chars[i].is_ascii_hexdigit() {
                    i += 1;
                }
                let text: String = chars[start + 2..i].iter().collect();
                let v = i64::from_str_radix(&text, 16).map_err(|e| e.to_string())?;
                if matches!(chars.get(i), Some('u' | 'U')) {
                    i += 1;
                    out.push(Tok::UInt(v as u64));
                } else {
                    out.push(Tok::Int(v));
                }
                continue;
            }
            let mut is_double = false;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                is_double = true;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                is_double = true;
                i += 1;
                if matches!(chars.get(i), Some('+' | '-')) {
                    i += 1;
                }
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            if is_double {
                out.push(Tok::Double(text.parse().map_err(|_| "bad number")?));
            } else if matches!(chars.get(i), Some('u' | 'U')) {
                i += 1;
                out.push(Tok::UInt(text.parse().map_err(|_| "bad number")?));
            } else {
                out.push(Tok::Int(text.parse().map_err(|_| "integer overflow")?));
            }
            continue;
        }
        let raw = matches!(c, 'r' | 'R') && matches!(chars.get(i + 1), Some('"' | '\''));
        if c == '"' || c == '\'' || raw {
            if raw {
                i += 1;
            }
            let q = chars[i];
            let triple = chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q);
            i += if triple { 3 } else { 1 };
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err("unterminated string".into());
                };
                if triple {
                    if ch == q && chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                        i += 3;
                        break;
                    }
                } else if ch == q {
                    i += 1;
                    break;
                } else if ch == '\n' {
                    return Err("unterminated string".into());
                }
                if ch == '\\' && !raw {
                    let e = chars.get(i + 1).copied().unwrap_or('\\');
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                    i += 2;
                } else {
                    s.push(ch);
                    i += 1;
                }
            }
            out.push(Tok::Str(s));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match OPS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                out.push(Tok::Op(op));
                i += op.len();
            }
            None => return Err(format!("Syntax error: token recognition error at: '{c}'")),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parser

/// A parsed expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Lit(Val),
    Ident(String),
    Select(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// A global function call or a method call (receiver first).
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Has(Box<Expr>, String),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    fn expect(&mut self, op: &str) -> R<()> {
        if self.is_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!(
                "Syntax error: expected '{op}', found {}",
                self.found()
            ))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "end of expression".into(),
            Some(t) => format!("{t:?}"),
        }
    }

    fn expr(&mut self) -> R<Expr> {
        let c = self.or()?;
        if self.is_op("?") {
            self.pos += 1;
            let a = self.or()?;
            self.expect(":")?;
            let b = self.expr()?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }

    fn or(&mut self) -> R<Expr> {
        let mut l = self.and()?;
        while self.is_op("||") {
            self.pos += 1;
            l = Expr::Binary("||", Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> R<Expr> {
        let mut l = self.relation()?;
        while self.is_op("&&") {
            self.pos += 1;
            l = Expr::Binary("&&", Box::new(l), Box::new(self.relation()?));
        }
        Ok(l)
    }

    fn relation(&mut self) -> R<Expr> {
        let mut l = self.addition()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(o)) if matches!(*o, "==" | "!=" | "<" | "<=" | ">" | ">=") => *o,
                Some(Tok::Ident(i)) if i == "in" => "in",
                _ => return Ok(l),
            };
            self.pos += 1;
            l = Expr::Binary(op, Box::new(l), Box::new(self.addition()?));
        }
    }

    fn addition(&mut self) -> R<Expr> {
        let mut l = self.multiplication()?;
        while let Some(Tok::Op(o @ ("+" | "-"))) = self.peek() {
            let o = *o;
            self.pos += 1;
            l = Expr::Binary(o, Box::new(l), Box::new(self.multiplication()?));
        }
        Ok(l)
    }

    fn multiplication(&mut self) -> R<Expr> {
        let mut l = self.unary()?;
        while let Some(Tok::Op(o @ ("*" | "/" | "%"))) = self.peek() {
            let o = *o;
            self.pos += 1;
            l = Expr::Binary(o, Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }

    fn unary(&mut self) -> R<Expr> {
        if let Some(Tok::Op(o @ ("!" | "-"))) = self.peek() {
            let o = *o;
            self.pos += 1;
            let inner = self.unary()?;
            return Ok(match (o, inner) {
                ("-", Expr::Lit(Val::Int(n))) => Expr::Lit(Val::Int(-n)),
                ("-", Expr::Lit(Val::Double(n))) => Expr::Lit(Val::Double(-n)),
                (o, e) => Expr::Unary(o, Box::new(e)),
            });
        }
        self.member()
    }

    fn args(&mut self, close: &str) -> R<Vec<Expr>> {
        let mut out = Vec::new();
        if self.is_op(close) {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            out.push(self.expr()?);
            if self.is_op(",") {
                self.pos += 1;
                if self.is_op(close) {
                    self.pos += 1;
                    return Ok(out);
                }
                continue;
            }
            self.expect(close)?;
            return Ok(out);
        }
    }

    fn member(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.is_op(".") {
                self.pos += 1;
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return Err(format!(
                        "Syntax error: expected a field name, found {}",
                        self.found()
                    ));
                };
                self.pos += 1;
                if self.is_op("(") {
                    self.pos += 1;
                    let args = self.args(")")?;
                    e = Expr::Call(Some(Box::new(e)), name, args);
                } else {
                    e = Expr::Select(Box::new(e), name);
                }
            } else if self.is_op("[") {
                self.pos += 1;
                let idx = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> R<Expr> {
        let Some(t) = self.peek().cloned() else {
            return Err("Syntax error: unexpected end of expression".into());
        };
        self.pos += 1;
        Ok(match t {
            Tok::Int(n) => Expr::Lit(Val::Int(n)),
            Tok::UInt(n) => Expr::Lit(Val::UInt(n)),
            Tok::Double(n) => Expr::Lit(Val::Double(n)),
            Tok::Str(s) => Expr::Lit(Val::Str(s)),
            Tok::Ident(i) if i == "true" => Expr::Lit(Val::Bool(true)),
            Tok::Ident(i) if i == "false" => Expr::Lit(Val::Bool(false)),
            Tok::Ident(i) if i == "null" => Expr::Lit(Val::Null),
            Tok::Ident(i) if i == "has" && self.is_op("(") => {
                self.pos += 1;
                let arg = self.expr()?;
                self.expect(")")?;
                match arg {
                    Expr::Select(operand, field) => Expr::Has(operand, field),
                    _ => return Err("invalid argument to has() macro".into()),
                }
            }
            Tok::Ident(i) => {
                if self.is_op("(") {
                    self.pos += 1;
                    Expr::Call(None, i, self.args(")")?)
                } else {
                    Expr::Ident(i)
                }
            }
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                e
            }
            Tok::Op("[") => Expr::List(self.args("]")?),
            Tok::Op("{") => {
                let mut entries = Vec::new();
                while !self.is_op("}") {
                    let k = self.expr()?;
                    self.expect(":")?;
                    let v = self.expr()?;
                    entries.push((k, v));
                    if self.is_op(",") {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                self.expect("}")?;
                Expr::Map(entries)
            }
            other => return Err(format!("Syntax error: unexpected {other:?}")),
        })
    }
}

/// Parses an expression (a compile error text on failure).
pub(crate) fn parse(src: &str) -> R<Expr> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
    };
    let e = p.expr()?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "Syntax error: unexpected {} after the expression",
            p.found()
        ));
    }
    Ok(e)
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// Variables of an evaluation.
pub(crate) type Env = BTreeMap<String, Val>;

fn num_cmp(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::UInt(x), Val::UInt(y)) => Some(x.cmp(y)),
        (Val::Int(x), Val::UInt(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (Val::UInt(x), Val::Int(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (Val::Double(x), _) => x.partial_cmp(&as_f64(b)?),
        (_, Val::Double(y)) => as_f64(a)?.partial_cmp(y),
        _ => None,
    }
}

fn as_f64(v: &Val) -> Option<f64> {
    match v {
        Val::Int(n) => Some(*n as f64),
        Val::UInt(n) => Some(*n as f64),
        Val::Double(n) => Some(*n),
        _ => None,
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    if let Some(o) = num_cmp(a, b) {
        return o == Ordering::Equal;
    }
    match (a, b) {
        (Val::Quantity(x, _), Val::Quantity(y, _)) => x == y,
        (Val::Version(..), Val::Version(..)) => semver_cmp(a, b) == Some(Ordering::Equal),
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Val::Map(x), Val::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn no_overload(op: &str, args: &[&Val]) -> String {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    format!("no such overload: {op} applied to ({})", types.join(", "))
}

fn parse_semver(s: &str) -> Option<Val> {
    let s = s.trim();
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, p.split('+').next().unwrap_or("").to_string()),
        None => (s.split('+').next().unwrap_or(""), String::new()),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let n = |p: &str| {
        (!p.is_empty() && (p == "0" || !p.starts_with('0')))
            .then(|| p.parse::<u64>().ok())
            .flatten()
    };
    Some(Val::Version(n(parts[0])?, n(parts[1])?, n(parts[2])?, pre))
}

fn semver_cmp(a: &Val, b: &Val) -> Option<Ordering> {
    let (Val::Version(a1, a2, a3, ap), Val::Version(b1, b2, b3, bp)) = (a, b) else {
        return None;
    };
    Some(
        (a1, a2, a3)
            .cmp(&(b1, b2, b3))
            .then_with(|| match (ap.is_empty(), bp.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => ap.cmp(bp),
            }),
    )
}

fn arith(op: &str, a: &Val, b: &Val) -> R<Val> {
    let err = || no_overload(op, &[a, b]);
    Ok(match (op, a, b) {
        ("+", Val::Str(x), Val::Str(y)) => Val::Str(format!("{x}{y}")),
        ("+", Val::List(x), Val::List(y)) => Val::List(x.iter().chain(y).cloned().collect()),
        (_, Val::Int(x), Val::Int(y)) => Val::Int(
            match op {
                "+" => x.checked_add(*y),
                "-" => x.checked_sub(*y),
                "*" => x.checked_mul(*y),
                "/" if *y == 0 => return Err("division by zero".into()),
                "/" => x.checked_div(*y),
                "%" if *y == 0 => return Err("modulus by zero".into()),
                _ => x.checked_rem(*y),
            }
            .ok_or("integer overflow")?,
        ),
        (_, Val::UInt(x), Val::UInt(y)) => Val::UInt(
            match op {
                "+" => x.checked_add(*y),
                "-" => x.checked_sub(*y),
                "*" => x.checked_mul(*y),
                "/" if *y == 0 => return Err("division by zero".into()),
                "/" => x.checked_div(*y),
                "%" if *y == 0 => return Err("modulus by zero".into()),
                _ => x.checked_rem(*y),
            }
            .ok_or("unsigned integer overflow")?,
        ),
        (_, Val::Double(x), Val::Double(y)) => Val::Double(match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            _ => return Err(err()),
        }),
        _ => return Err(err()),
    })
}

fn index(container: &Val, key: &Val) -> R<Val> {
    match (container, key) {
        (Val::Domains(m), Val::Str(k)) => Ok(m
            .get(k)
            .cloned()
            .unwrap_or_else(|| Val::Map(BTreeMap::new()))),
        (Val::Map(m), Val::Str(k)) => m.get(k).cloned().ok_or_else(|| format!("no such key: {k}")),
        (Val::List(l), k) => {
            let i = match k {
                Val::Int(i) => *i,
                Val::UInt(i) => *i as i64,
                _ => return Err(no_overload("_[_]", &[container, key])),
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| l.get(i))
                .cloned()
                .ok_or_else(|| format!("index out of bounds: {i}"))
        }
        _ => Err(no_overload("_[_]", &[container, key])),
    }
}

fn as_bool(v: R<Val>) -> R<bool> {
    match v? {
        Val::Bool(b) => Ok(b),
        other => Err(format!(
            "no such overload: expected bool, got {}",
            other.type_name()
        )),
    }
}

fn call(recv: Option<Val>, name: &str, args: Vec<Val>) -> R<Val> {
    let bad = |recv: &Option<Val>, args: &[Val]| {
        let mut all: Vec<&Val> = recv.iter().collect();
        all.extend(args.iter());
        no_overload(name, &all)
    };
    match (&recv, name, args.as_slice()) {
        (None, "quantity", [Val::Str(s)]) => parse_quantity(s)
            .map(|q| Val::Quantity(q, s.clone()))
            .ok_or_else(|| format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {s}")),
        (None, "isQuantity", [Val::Str(s)]) => Ok(Val::Bool(parse_quantity(s).is_some())),
        (None, "semver", [Val::Str(s)]) => {
            parse_semver(s).ok_or_else(|| format!("could not parse {s} as semver"))
        }
        (None, "isSemver", [Val::Str(s)]) => Ok(Val::Bool(parse_semver(s).is_some())),
        (None, "size", [v]) | (Some(v), "size", []) => match v {
            Val::Str(s) => Ok(Val::Int(s.chars().count() as i64)),
            Val::List(l) => Ok(Val::Int(l.len() as i64)),
            Val::Map(m) | Val::Domains(m) => Ok(Val::Int(m.len() as i64)),
            _ => Err(bad(&recv, &args)),
        },
        (None, "string", [v]) => Ok(Val::Str(match v {
            Val::Str(s) => s.clone(),
            Val::Int(n) => n.to_string(),
            Val::UInt(n) => n.to_string(),
            Val::Double(n) => n.to_string(),
            Val::Bool(b) => b.to_string(),
            _ => return Err(bad(&recv, &args)),
        })),
        (None, "int", [v]) => match v {
            Val::Int(n) => Ok(Val::Int(*n)),
            Val::UInt(n) => i64::try_from(*n).map(Val::Int).map_err(|e| e.to_string()),
            Val::Double(n) => Ok(Val::Int(*n as i64)),
            Val::Str(s) => s.parse().map(Val::Int).map_err(|e| e.to_string()),
            _ => Err(bad(&recv, &args)),
        },
        (None, "double", [v]) => as_f64(v)
            .or_else(|| match v {
                Val::Str(s) => s.parse().ok(),
                _ => None,
            })
            .map(Val::Double)
            .ok_or_else(|| bad(&recv, &args)),
        (Some(Val::Str(s)), "startsWith", [Val::Str(p)]) => Ok(Val::Bool(s.starts_with(p.as_str()))),
        (Some(Val::Str(s)), "endsWith", [Val::Str(p)]) => Ok(Val::Bool(s.ends_with(p.as_str()))),
        (Some(Val::Str(s)), "contains", [Val::Str(p)]) => Ok(Val::Bool(s.contains(p.as_str()))),
        (Some(Val::Str(s)), "lowerAscii", []) => Ok(Val::Str(s.to_ascii_lowercase())),
        (Some(Val::Str(s)), "upperAscii", []) => Ok(Val::Str(s.to_ascii_uppercase())),
        (Some(Val::Quantity(a, _)), op, [Val::Quantity(b, _)]) => match op {
            "isGreaterThan" => Ok(Val::Bool(a > b)),
            "isLessThan" => Ok(Val::Bool(a < b)),
            "compareTo" => Ok(Val::Int(match a.partial_cmp(b) {
                Some(Ordering::Less) => -1,
                Some(Ordering::Greater) => 1,
                _ => 0,
            })),
            "add" => Ok(Val::Quantity(a + b, format!("{}", a + b))),
            "sub" => Ok(Val::Quantity(a - b, format!("{}", a - b))),
            _ => Err(bad(&recv, &args)),
        },
        (Some(Val::Quantity(a, _)), op, [n @ (Val::Int(_) | Val::UInt(_))]) => {
            let b = as_f64(n).unwrap_or(0.0);
            match op {
                "add" => Ok(Val::Quantity(a + b, format!("{}", a + b))),
                "sub" => Ok(Val::Quantity(a - b, format!("{}", a - b))),
                _ => Err(bad(&recv, &args)),
            }
        }
        (Some(Val::Quantity(a, _)), op, []) => match op {
            "asInteger" if a.fract() == 0.0 && a.abs() < 9.2e18 => Ok(Val::Int(*a as i64)),
            "asInteger" => Err("cannot convert value to integer".into()),
            "asApproximateFloat" => Ok(Val::Double(*a)),
            "isInteger" => Ok(Val::Bool(a.fract() == 0.0)),
            "sign" => Ok(Val::Int(if *a > 0.0 {
                1
            } else if *a < 0.0 {
                -1
            } else {
                0
            })),
            _ => Err(bad(&recv, &args)),
        },
        (Some(v @ Val::Version(..)), op, [w @ Val::Version(..)]) => {
            let o = semver_cmp(v, w).unwrap_or(Ordering::Equal);
            match op {
                "isGreaterThan" => Ok(Val::Bool(o == Ordering::Greater)),
                "isLessThan" => Ok(Val::Bool(o == Ordering::Less)),
                "compareTo" => Ok(Val::Int(o as i64)),
                _ => Err(bad(&recv, &args)),
            }
        }
        (Some(Val::Version(a, b, c, _)), op, []) => match op {
            "major" => Ok(Val::Int(*a as i64)),
            "minor" => Ok(Val::Int(*b as i64)),
            "patch" => Ok(Val::Int(*c as i64)),
            _ => Err(bad(&recv, &args)),
        },
        _ => Err(match recv {
            None if !matches!(
                name,
                "quantity" | "isQuantity" | "semver" | "isSemver" | "size" | "string" | "int" | "double"
            ) =>
            {
                format!("undeclared reference to '{name}' (in container '')")
            }
            _ => bad(&recv, &args),
        }),
    }
}

/// Evaluates an expression.
pub(crate) fn eval(e: &Expr, env: &Env) -> R<Val> {
    match e {
        Expr::Lit(v) => Ok(v.clone()),
        Expr::Ident(name) => env
            .get(name)
            .cloned()
            .ok_or_else(|| format!("undeclared reference to '{name}' (in container '')")),
        Expr::Select(operand, field) => match eval(operand, env)? {
            Val::Domains(m) => Ok(m
                .get(field)
                .cloned()
                .unwrap_or_else(|| Val::Map(BTreeMap::new()))),
            Val::Map(m) => m
                .get(field)
                .cloned()
                .ok_or_else(|| format!("no such key: {field}")),
            other => Err(format!(
                "type '{}' does not support field selection",
                other.type_name()
            )),
        },
        Expr::Has(operand, field) => match eval(operand, env)? {
            Val::Map(m) | Val::Domains(m) => Ok(Val::Bool(m.contains_key(field))),
            other => Err(format!(
                "type '{}' does not support field selection",
                other.type_name()
            )),
        },
        Expr::Index(c, k) => index(&eval(c, env)?, &eval(k, env)?),
        Expr::Call(recv, name, args) => {
            let recv = match recv {
                Some(r) => Some(eval(r, env)?),
                None => None,
            };
            let args = args.iter().map(|a| eval(a, env)).collect::<R<Vec<_>>>()?;
            call(recv, name, args)
        }
        Expr::Unary(op, inner) => {
            let v = eval(inner, env)?;
            match (*op, &v) {
                ("!", Val::Bool(b)) => Ok(Val::Bool(!b)),
                ("-", Val::Int(n)) => n
                    .checked_neg()
                    .map(Val::Int)
                    .ok_or("integer overflow".into()),
                ("-", Val::Double(n)) => Ok(Val::Double(-n)),
                _ => Err(no_overload(op, &[&v])),
            }
        }
        Expr::Binary("&&", a, b) => {
            let l = as_bool(eval(a, env));
            if l == Ok(false) {
                return Ok(Val::Bool(false));
            }
            let r = as_bool(eval(b, env));
            match (l, r) {
                (_, Ok(false)) => Ok(Val::Bool(false)),
                (Ok(true), Ok(true)) => Ok(Val::Bool(true)),
                (Err(e), _) | (_, Err(e)) => Err(e),
                _ => unreachable!("all bool cases handled"),
            }
        }
        Expr::Binary("||", a, b) => {
            let l = as_bool(eval(a, env));
            if l == Ok(true) {
                return Ok(Val::Bool(true));
            }
            let r = as_bool(eval(b, env));
            match (l, r) {
                (_, Ok(true)) => Ok(Val::Bool(true)),
                (Ok(false), Ok(false)) => Ok(Val::Bool(false)),
                (Err(e), _) | (_, Err(e)) => Err(e),
                _ => unreachable!("all bool cases handled"),
            }
        }
        Expr::Binary(op, a, b) => {
            let (l, r) = (eval(a, env)?, eval(b, env)?);
            match *op {
                "==" => Ok(Val::Bool(equal(&l, &r))),
                "!=" => Ok(Val::Bool(!equal(&l, &r))),
                "<" | "<=" | ">" | ">=" => {
                    let o = match (&l, &r) {
                        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
                        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
                        _ => num_cmp(&l, &r),
                    }
                    .ok_or_else(|| no_overload(op, &[&l, &r]))?;
                    Ok(Val::Bool(match *op {
                        "<" => o == Ordering::Less,
                        "<=" => o != Ordering::Greater,
                        ">" => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    }))
                }
                "in" => match &r {
                    Val::List(items) => Ok(Val::Bool(items.iter().any(|i| equal(i, &l)))),
                    Val::Map(m) | Val::Domains(m) => match &l {
                        Val::Str(k) => Ok(Val::Bool(m.contains_key(k))),
                        _ => Ok(Val::Bool(false)),
                    },
                    _ => Err(no_overload("@in", &[&l, &r])),
                },
                _ => arith(op, &l, &r),
            }
        }
        Expr::Cond(c, a, b) => {
            if as_bool(eval(c, env))? {
                eval(a, env)
            } else {
                eval(b, env)
            }
        }
        Expr::List(items) => Ok(Val::List(
            items.iter().map(|i| eval(i, env)).collect::<R<_>>()?,
        )),
        Expr::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                match eval(k, env)? {
                    Val::Str(k) => {
                        m.insert(k, eval(v, env)?);
                    }
                    other => return Err(format!("unsupported map key type {}", other.type_name())),
                }
            }
            Ok(Val::Map(m))
        }
    }
}

/// The `device` variable of a ResourceSlice device (v1 shape) published by `driver`.
/// Unqualified attribute and capacity names belong to the driver's domain.
pub(crate) fn device_env(driver: &str, device: &Json) -> Env {
    let split = |name: &str| match name.rsplit_once('/') {
        Some((domain, id)) => (domain.to_string(), id.to_string()),
        None => (driver.to_string(), name.to_string()),
    };
    let mut attributes: BTreeMap<String, Val> = BTreeMap::new();
    for (name, a) in device["attributes"].as_object().into_iter().flatten() {
        let v = if let Some(s) = a.get("string").and_then(Json::as_str) {
            Val::Str(s.to_string())
        } else if let Some(n) = a.get("int").and_then(Json::as_i64) {
            Val::Int(n)
        } else if let Some(b) = a.get("bool").and_then(Json::as_bool) {
            Val::Bool(b)
        } else if let Some(v) = a.get("version").and_then(Json::as_str) {
            parse_semver(v).unwrap_or(Val::Null)
        } else {
            continue;
        };
        let (domain, id) = split(name);
        if let Val::Map(m) = attributes
            .entry(domain)
            .or_insert_with(|| Val::Map(BTreeMap::new()))
        {
            m.insert(id, v);
        }
    }
    let mut capacity: BTreeMap<String, Val> = BTreeMap::new();
    for (name, c) in device["capacity"].as_object().into_iter().flatten() {
        let text = match &c["value"] {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(q) = parse_quantity(&text) else {
            continue;
        };
        let (domain, id) = split(name);
        if let Val::Map(m) = capacity
            .entry(domain)
            .or_insert_with(|| Val::Map(BTreeMap::new()))
        {
            m.insert(id, Val::Quantity(q, text));
        }
    }
    // Unknown domains read as empty maps, as in Kubernetes.
    let mut dev = BTreeMap::new();
    dev.insert("driver".to_string(), Val::Str(driver.to_string()));
    dev.insert("attributes".to_string(), Val::Domains(attributes));
    dev.insert("capacity".to_string(), Val::Domains(capacity));
    dev.insert(
        "allowMultipleAllocations".to_string(),
        Val::Bool(device["allowMultipleAllocations"] == true),
    );
    let mut env = Env::new();
    env.insert("device".to_string(), Val::Map(dev));
    env
}

/// Evaluates a selector expression against a device: `Ok(matches)` or a compile/runtime error.
pub(crate) fn matches(expression: &str, env: &Env) -> R<bool> {
    let e = parse(expression).map_err(|e| format!("compilation failed: {e}"))?;
    match eval(&e, env)? {
        Val::Bool(b) => Ok(b),
        other => Err(format!(
            "expression must evaluate to a bool, got {}",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dev() -> Env {
        device_env(
            "gpu.nvidia.com",
            &json!({"name": "gpu-0-mig-1g5gb-19-2", "attributes": {
                "type": {"string": "mig"}, "profile": {"string": "1g.5gb"},
                "driverVersion": {"version": "580.95.5"}, "index": {"int": 3},
                "resource.kubernetes.io/pciBusID": {"string": "0000:07:00.0"}},
              "capacity": {"memory": {"value": "4864Mi"}, "multiprocessors": {"value": "14"}}}),
        )
    }

    fn ok(e: &str) -> bool {
        matches(e, &dev()).unwrap_or_else(|err| panic!("{e}: {err}"))
    }

    #[test]
    fn selectors() {
        assert!(ok("device.driver == 'gpu.nvidia.com' && device.attributes['gpu.nvidia.com'].type == 'mig'"));
        assert!(ok(
            "device.attributes['gpu.nvidia.com'].profile == '1g.5gb'"
        ));
        assert!(!ok(
            "device.attributes['gpu.nvidia.com'].profile == \"3g.20gb\""
        ));
        assert!(ok("device.attributes['gpu.nvidia.com'].type == 'gpu' || device.attributes['gpu.nvidia.com'].profile.startsWith('1g.')"));
        assert!(ok(
            "device.capacity['gpu.nvidia.com'].memory.isGreaterThan(quantity(\"4Gi\"))"
        ));
        assert!(!ok("device.capacity['gpu.nvidia.com'].multiprocessors.isGreaterThan(quantity(\"10\"))\n&&\ndevice.capacity['gpu.nvidia.com'].memory.isGreaterThan(quantity(\"10Gi\"))"));
        assert!(ok(
            "device.capacity['gpu.nvidia.com'].memory.compareTo(quantity('4864Mi')) == 0"
        ));
        assert!(ok(
            "device.attributes['gpu.nvidia.com'].driverVersion.isGreaterThan(semver('550.0.0'))"
        ));
        assert!(ok("device.attributes['gpu.nvidia.com'].index >= 2 && device.attributes['gpu.nvidia.com'].index < 4"));
        assert!(ok(
            "device.attributes['resource.kubernetes.io'].pciBusID == '0000:07:00.0'"
        ));
        assert!(ok("!has(device.attributes['gpu.nvidia.com'].uuid)"));
        assert!(ok("'profile' in device.attributes['gpu.nvidia.com']"));
        assert!(ok("device.attributes['other.example.com'].size() == 0"));
        assert!(ok(
            "device.attributes['gpu.nvidia.com'].profile in ['1g.5gb', '2g.10gb']"
        ));
        assert!(ok("(1 + 2) * 3 == 9 && -1 < 0 && 2u == 2 ? true : false"));
        // Error absorption: false && error is false.
        assert!(!ok(
            "false && device.attributes['gpu.nvidia.com'].nope == 'x'"
        ));
        assert!(
            matches("device.attributes['gpu.nvidia.com'].nope == 'x'", &dev())
                .unwrap_err()
                .contains("no such key: nope")
        );
        assert!(matches("device.driver ==", &dev()).is_err());
        assert!(matches("device.capacity['gpu.nvidia.com'].memory > 1", &dev()).is_err());
    }
}

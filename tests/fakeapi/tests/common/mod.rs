//! A tiny HTTP/1.1 client over `std::net::TcpStream` for talking to the fake server in tests.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A response.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn host(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

fn send(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(host(url)).expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: fakeapi-tests/1.0\r\n", host(url));
    let has_auth = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"));
    if !has_auth {
        req.push_str("Authorization: Bearer fake-token\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).expect("write");
    s.write_all(body).expect("write body");
    s
}

/// Splits a raw response into status, headers and the (possibly partial) body bytes.
type Headers = Vec<(String, String)>;

fn split_head(raw: &[u8]) -> Option<(u16, Headers, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some((status, headers, raw[end + 4..].to_vec()))
}

/// Decodes every complete chunk of a chunked body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..eol]).into_owned();
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        if size == 0 || raw.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[(eol + 4 + size).min(raw.len())..];
    }
    out
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
}

/// One request; reads the whole response.
pub fn request(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = send(url, method, path, headers, body);
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let (status, headers, body) = split_head(&raw).expect("HTTP response");
    let body = if is_chunked(&headers) {
        dechunk(&body)
    } else {
        body
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// GET.
pub fn get(url: &str, path: &str) -> Resp {
    request(url, "GET", path, &[], b"")
}

/// A request with a JSON body and content type.
pub fn send_json(url: &str, method: &str, path: &str, content_type: &str, body: &Value) -> Resp {
    request(
        url,
        method,
        path,
        &[("Content-Type", content_type)],
        body.to_string().as_bytes(),
    )
}

/// Reads a streaming response (watch) until `n` lines arrived, the stream ended or `timeout`
/// passed; returns the status, the JSON lines and whether the stream ended cleanly.
pub fn stream_lines(url: &str, path: &str, n: usize, timeout: Duration) -> (u16, Vec<Value>, bool) {
    let mut s = send(url, "GET", path, &[], b"");
    s.set_read_timeout(Some(Duration::from_millis(100))).ok();
    let start = Instant::now();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let mut ended = false;
    loop {
        match s.read(&mut buf) {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(k) => raw.extend_from_slice(&buf[..k]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
        if let Some((_, headers, body)) = split_head(&raw) {
            let data = if is_chunked(&headers) {
                dechunk(&body)
            } else {
                body
            };
            if data.iter().filter(|b| **b == b'\n').count() >= n {
                break;
            }
        }
        if start.elapsed() > timeout {
            break;
        }
    }
    let (status, headers, body) = split_head(&raw).expect("HTTP response");
    let clean_end = ended && (!is_chunked(&headers) || body.ends_with(b"0\r\n\r\n"));
    let data = if is_chunked(&headers) {
        dechunk(&body)
    } else {
        body
    };
    let lines = String::from_utf8_lossy(&data)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    (status, lines, clean_end)
}

/// Polls `f` every 20 ms until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

//! Which proxy a request to the API server goes through, by kubectl's rules: the kubeconfig
//! cluster's `proxy-url` wins; else `HTTPS_PROXY` (https servers) or `HTTP_PROXY` (http servers)
//! unless `NO_PROXY` names the server; loopback servers are never proxied from the environment.
//!
//! kube reads the environment itself, but only `HTTPS_PROXY`, matches `NO_PROXY` against the
//! proxy instead of the server, and fails on a trailing comma in `NO_PROXY`; so the proxy
//! variables are taken out of the environment at start ([`take_env`]) and decided here. Child
//! processes (exec credential plugins, helm) get them back with [`restore_env`].

use std::net::IpAddr;
use std::sync::OnceLock;

/// The proxy variables kubectl reads, in the order it prefers them.
const VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

static SAVED: OnceLock<Vec<(String, String)>> = OnceLock::new();

/// Moves the proxy variables out of the process environment into this module. Call once, first
/// thing in `main`, before any thread starts.
pub fn take_env() {
    let saved: Vec<(String, String)> = VARS
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
        .collect();
    for k in VARS {
        std::env::remove_var(k);
    }
    let _ = SAVED.set(saved);
}

/// Gives a child process the proxy variables this process started with.
pub fn restore_env(cmd: &mut std::process::Command) {
    for (k, v) in SAVED.get().into_iter().flatten() {
        cmd.env(k, v);
    }
}

/// The value of a proxy variable as the process started with it.
fn saved(name: &str) -> Option<String> {
    match SAVED.get() {
        Some(saved) => saved
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        None => std::env::var(name).ok(),
    }
    .filter(|v| !v.trim().is_empty())
}

/// Where a proxy came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy URL.
    pub url: http::Uri,
    /// `proxy-url in your kubeconfig`, `HTTPS_PROXY`, ...
    pub source: String,
}

/// A proxy setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{source_name} ({value}) is not a proxy URL kubectl mig can use: {why}")]
pub struct BadProxy {
    /// Where it came from.
    pub source_name: String,
    /// The value.
    pub value: String,
    /// What is wrong.
    pub why: String,
}

/// The proxy for `server`, given the kubeconfig's `proxy-url`.
pub fn for_server(
    kubeconfig_proxy: Option<&str>,
    server: &http::Uri,
) -> Result<Option<Proxy>, BadProxy> {
    decide(kubeconfig_proxy, server, &saved)
}

fn decide(
    kubeconfig_proxy: Option<&str>,
    server: &http::Uri,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, BadProxy> {
    if let Some(url) = kubeconfig_proxy.filter(|u| !u.trim().is_empty()) {
        return parse(url, "proxy-url in your kubeconfig").map(Some);
    }
    let https = server.scheme_str() == Some("https");
    let names: &[&str] = if https {
        &["HTTPS_PROXY", "https_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    let Some((name, value)) = names.iter().find_map(|n| env(n).map(|v| (*n, v))) else {
        return Ok(None);
    };
    let host = server.host().unwrap_or_default();
    let port = server.port_u16().unwrap_or(if https { 443 } else { 80 });
    if is_loopback(host) {
        return Ok(None);
    }
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    if excluded(&no_proxy, host, port) {
        return Ok(None);
    }
    // Go accepts `host:port` in the variables and means http://host:port.
    let value = if value.contains("://") {
        value
    } else {
        format!("http://{value}")
    };
    parse(&value, name).map(Some)
}

fn parse(value: &str, source: &str) -> Result<Proxy, BadProxy> {
    let bad = |why: &str| BadProxy {
        source_name: source.to_string(),
        value: redact(value),
        why: why.to_string(),
    };
    let url: http::Uri = value.trim().parse().map_err(|_| bad("it is not a URL"))?;
    match url.scheme_str() {
        Some("http" | "https" | "socks5") => {}
        _ => return Err(bad("use an http://, https:// or socks5:// URL")),
    }
    if url.host().is_none() {
        return Err(bad("it names no host"));
    }
    Ok(Proxy {
        url,
        source: source.to_string(),
    })
}

/// The proxy URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Go's `NO_PROXY` rules: `*`; an IP or CIDR; `host`, `.host` or `*.host` (the host and its
/// subdomains, or only subdomains with a leading dot), each optionally with `:port`.
fn excluded(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            return true;
        }
        if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
            if let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                if in_cidr(ip, net, bits) {
                    return true;
                }
            }
            continue;
        }
        let (name, entry_port) = split_port(entry);
        if entry_port.is_some_and(|p| p != port) {
            continue;
        }
        let name = name.to_ascii_lowercase();
        if let (Some(ip), Ok(entry_ip)) = (ip, name.parse::<IpAddr>()) {
            if ip == entry_ip {
                return true;
            }
            continue;
        }
        let name = name.trim_start_matches('*');
        if let Some(suffix) = name.strip_prefix('.') {
            if host.ends_with(&format!(".{suffix}")) {
                return true;
            }
        } else if host == name || host.ends_with(&format!(".{name}")) {
            return true;
        }
    }
    false
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    if entry.starts_with('[') {
        if let Some((h, p)) = entry.rsplit_once("]:") {
            return (h.trim_start_matches('['), p.parse().ok());
        }
        return (entry.trim_start_matches('[').trim_end_matches(']'), None);
    }
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
        _ => (entry, None),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn kubeconfig_proxy_wins_over_the_environment() {
        let e = env(&[("HTTPS_PROXY", "http://env:3128"), ("NO_PROXY", "*")]);
        let p = decide(
            Some("socks5://sock:1080"),
            &uri("https://api.example.com"),
            &e,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.url, uri("socks5://sock:1080"));
        assert_eq!(p.source, "proxy-url in your kubeconfig");
    }

    #[test]
    fn scheme_picks_the_variable() {
        let e = env(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "plain:8080"),
        ]);
        let https = decide(None, &uri("https://api.example.com"), &e)
            .unwrap()
            .unwrap();
        assert_eq!(https.source, "HTTPS_PROXY");
        let http = decide(None, &uri("http://api.example.com"), &e)
            .unwrap()
            .unwrap();
        assert_eq!(http.url, uri("http://plain:8080"));
    }

    #[test]
    fn no_proxy_and_loopback_go_direct() {
        let server = uri("https://aks-abc.hcp.westeurope.azmk8s.io:443");
        for no_proxy in [
            "azmk8s.io",
            ".azmk8s.io",
            "*.azmk8s.io",
            "localhost,127.0.0.1,",
            "aks-abc.hcp.westeurope.azmk8s.io:443",
            "*",
        ] {
            let pairs = [("HTTPS_PROXY", "http://p:3128"), ("NO_PROXY", no_proxy)];
            let e = env(&pairs);
            let got = decide(None, &server, &e).unwrap();
            if no_proxy.starts_with("localhost") {
                assert!(got.is_some(), "{no_proxy}");
            } else {
                assert!(got.is_none(), "{no_proxy}");
            }
        }
        let e = env(&[("HTTPS_PROXY", "http://p:3128"), ("no_proxy", "10.0.0.0/8")]);
        assert!(decide(None, &uri("https://10.1.2.3:6443"), &e)
            .unwrap()
            .is_none());
        assert!(decide(None, &uri("https://11.1.2.3:6443"), &e)
            .unwrap()
            .is_some());
        let e = env(&[
            ("HTTPS_PROXY", "http://p:3128"),
            ("NO_PROXY", "example.com:8443"),
        ]);
        assert!(decide(None, &uri("https://example.com:6443"), &e)
            .unwrap()
            .is_some());
        let e = env(&[("HTTPS_PROXY", "http://p:3128")]);
        assert!(decide(None, &uri("https://127.0.0.1:6443"), &e)
            .unwrap()
            .is_none());
        assert!(decide(None, &uri("https://localhost:6443"), &e)
            .unwrap()
            .is_none());
    }

    #[test]
    fn bad_proxies_are_named_without_their_password() {
        let e = env(&[("HTTPS_PROXY", "ftp://user:pw@p:21")]);
        let err = decide(None, &uri("https://api.example.com"), &e)
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("HTTPS_PROXY"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }
}

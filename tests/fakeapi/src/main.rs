//! `fake-apiserver [--port N] [--seeded] [--load FILE...] [--kubeconfig-out PATH] [--max-page-size N]
//! [--latency-ms N] [--bandwidth-mbps N] [--request-log FILE]
//! [--synthetic nodes=N,mig=M,pods=P[,seed=S][,dra=D]] [--expected-out FILE] [--check-describe FILE]`:
//! serves the fake API until killed, printing its URL. `--latency-ms` delays every request,
//! `--bandwidth-mbps` sends every non-streaming answer through one shared link of that many
//! megabits per second, `--request-log` appends `METHOD PATH QUERY|- STATUS BYTES|-` per request. `--synthetic` serves a generated cluster
//! (see `fakeapi::synth`) and can write the answer describe must give; with `--check-describe`
//! it serves nothing and compares a `kubectl mig describe -o json` output with that answer.

use fakeapi::{kubeconfig_yaml, synth, FakeApi, Faults};
use std::time::Instant;

fn usage() -> ! {
    eprintln!("usage: fake-apiserver [--port N] [--seeded] [--load FILE...] [--kubeconfig-out PATH] [--max-page-size N]");
    eprintln!("         [--latency-ms N] [--bandwidth-mbps N] [--request-log FILE]");
    eprintln!("         [--synthetic nodes=N,mig=M,pods=P[,seed=S][,dra=D]] [--expected-out FILE] [--check-describe FILE]");
    std::process::exit(2)
}

/// Compares describe's JSON in `path` with the synthetic cluster's answer; exits 0 or 1.
fn check_describe(spec: &synth::Spec, path: &str) -> ! {
    let expected = synth::objects(spec).expected;
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(1)
    });
    let describe: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path} is not JSON: {e}");
        std::process::exit(1)
    });
    match expected.check(&describe) {
        Ok(()) => {
            println!(
                "describe is correct: {} MIG nodes, {} pods holding MIG devices",
                expected.nodes.len(),
                expected.holding_pods
            );
            std::process::exit(0)
        }
        Err(diffs) => {
            eprintln!("describe is WRONG for {spec}:");
            for d in diffs {
                eprintln!("  {d}");
            }
            std::process::exit(1)
        }
    }
}

fn main() {
    let mut port = 0u16;
    let mut seeded = false;
    let mut loads = Vec::new();
    let mut kubeconfig_out = None;
    let mut max_page = None;
    let mut synthetic: Option<synth::Spec> = None;
    let mut expected_out = None;
    let mut check = None;
    let mut latency_ms = 0u64;
    let mut bandwidth_mbps: Option<f64> = None;
    let mut request_log = None;
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.next() {
        let value = |args: &mut std::iter::Peekable<std::iter::Skip<std::env::Args>>| {
            args.next().unwrap_or_else(|| usage())
        };
        match a.as_str() {
            "--port" => port = value(&mut args).parse().unwrap_or_else(|_| usage()),
            "--seeded" => seeded = true,
            "--load" => {
                loads.push(value(&mut args));
                while args.peek().is_some_and(|n| !n.starts_with("--")) {
                    loads.push(args.next().expect("peeked"));
                }
            }
            "--kubeconfig-out" => kubeconfig_out = Some(value(&mut args)),
            "--max-page-size" => {
                max_page = Some(value(&mut args).parse().unwrap_or_else(|_| usage()))
            }
            "--synthetic" => {
                synthetic = Some(value(&mut args).parse().unwrap_or_else(|e| {
                    eprintln!("--synthetic: {e}");
                    usage()
                }))
            }
            "--latency-ms" => latency_ms = value(&mut args).parse().unwrap_or_else(|_| usage()),
            "--bandwidth-mbps" => {
                bandwidth_mbps = Some(value(&mut args).parse().unwrap_or_else(|_| usage()))
            }
            "--request-log" => request_log = Some(value(&mut args)),
            "--expected-out" => expected_out = Some(value(&mut args)),
            "--check-describe" => check = Some(value(&mut args)),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    if seeded && synthetic.is_some() {
        eprintln!("--seeded and --synthetic cannot be combined: the seed would change the expected answer");
        usage()
    }
    if let Some(path) = &check {
        check_describe(&synthetic.unwrap_or_else(|| usage()), path);
    }
    let api = match synthetic {
        Some(spec) => {
            let started = Instant::now();
            let (api, expected) = synth::generate(&spec);
            eprintln!(
                "fake-apiserver: generated {spec} in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            if let Some(path) = &expected_out {
                let text = serde_json::to_string_pretty(&expected.to_json()).expect("JSON");
                std::fs::write(path, text).expect("write expected answer");
            }
            api
        }
        None if seeded => FakeApi::seeded(),
        None => FakeApi::new(),
    };
    for f in &loads {
        api.load_file(f);
    }
    if let Some(path) = &request_log {
        api.set_request_log(std::path::Path::new(path))
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }
    if max_page.is_some() || latency_ms > 0 || bandwidth_mbps.is_some() {
        api.set_faults(Faults {
            max_page_size: max_page,
            latency: std::time::Duration::from_millis(latency_ms),
            bandwidth: bandwidth_mbps.map(|m| (m * 125_000.0) as u64),
            ..Faults::default()
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        if let Some(path) = kubeconfig_out {
            std::fs::write(&path, kubeconfig_yaml(&url)).expect("write kubeconfig");
        }
        println!("{url}");
        fakeapi::serve(api, listener).await.expect("serve");
    });
}

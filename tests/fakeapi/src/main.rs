//! `fake-apiserver [--port N] [--seeded] [--load FILE...] [--kubeconfig-out PATH] [--max-page-size N]`:
//! serves the fake API until killed, printing its URL.

use fakeapi::{kubeconfig_yaml, FakeApi, Faults};

fn usage() -> ! {
    eprintln!("usage: fake-apiserver [--port N] [--seeded] [--load FILE...] [--kubeconfig-out PATH] [--max-page-size N]");
    std::process::exit(2)
}

fn main() {
    let mut port = 0u16;
    let mut seeded = false;
    let mut loads = Vec::new();
    let mut kubeconfig_out = None;
    let mut max_page = None;
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
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    let api = if seeded {
        FakeApi::seeded()
    } else {
        FakeApi::new()
    };
    for f in &loads {
        api.load_file(f);
    }
    if max_page.is_some() {
        api.set_faults(Faults {
            max_page_size: max_page,
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

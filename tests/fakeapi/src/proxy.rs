//! Forward proxies for tests of clients behind corporate proxies: an HTTP proxy that tunnels with
//! `CONNECT` and a SOCKS5 proxy (no authentication). Both resolve every host name to 127.0.0.1,
//! so a kubeconfig can name an API server by a host that only the proxy "knows", and record the
//! `host:port` each tunnel asked for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which protocol the proxy speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// HTTP `CONNECT host:port`.
    HttpConnect,
    /// SOCKS5, no authentication, CONNECT command.
    Socks5,
}

/// A running proxy on a loopback port; stops when dropped.
pub struct TestProxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<String>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestProxy {
    /// Starts a proxy of `kind` on 127.0.0.1:<random port>.
    pub fn start(kind: ProxyKind) -> TestProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let seen = tunnels.clone();
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = match kind {
                        ProxyKind::HttpConnect => http_connect(client, seen).await,
                        ProxyKind::Socks5 => socks5(client, seen).await,
                    };
                });
            }
        });
        TestProxy {
            addr,
            tunnels,
            runtime: Some(runtime),
        }
    }

    /// `http://127.0.0.1:PORT` or `socks5://127.0.0.1:PORT`.
    pub fn url(&self, kind: ProxyKind) -> String {
        match kind {
            ProxyKind::HttpConnect => format!("http://{}", self.addr),
            ProxyKind::Socks5 => format!("socks5://{}", self.addr),
        }
    }

    /// The `host:port` of every tunnel opened so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().expect("tunnels").clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The local address a requested `host:port` goes to: the port on loopback.
fn local(target: &str) -> Option<SocketAddr> {
    let port: u16 = target.rsplit_once(':')?.1.parse().ok()?;
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

async fn http_connect(mut client: TcpStream, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    seen.lock().expect("tunnels").push(target.to_string());
    let Some(addr) = local(target) else {
        client
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .await?;
        return Ok(());
    };
    match TcpStream::connect(addr).await {
        Ok(mut upstream) => {
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?;
            tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        }
        Err(_) => {
            client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
                .await?;
        }
    }
    Ok(())
}

async fn socks5(mut client: TcpStream, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            std::net::Ipv6Addr::from(ip).to_string()
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    seen.lock().expect("tunnels").push(target.clone());
    let reply = |code: u8| [5, code, 0, 1, 0, 0, 0, 0, 0, 0];
    match local(&target) {
        Some(addr) => match TcpStream::connect(addr).await {
            Ok(mut upstream) => {
                client.write_all(&reply(0)).await?;
                tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
            }
            Err(_) => client.write_all(&reply(5)).await?,
        },
        None => client.write_all(&reply(1)).await?,
    }
    Ok(())
}

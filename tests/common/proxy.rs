//! An HTTP CONNECT proxy on 127.0.0.1, as an office's would be: it records every tunnel it was
//! asked for, and can demand a login (`Proxy-Authorization: Basic`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One CONNECT the proxy received.
#[derive(Debug, Clone)]
pub struct Tunnel {
    /// `host:port` asked for.
    pub target: String,
    /// The `Proxy-Authorization` header, if any.
    pub authorization: Option<String>,
    /// Whether the proxy opened it.
    pub opened: bool,
}

pub struct Proxy {
    pub url: String,
    pub tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl Proxy {
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().unwrap().clone()
    }
}

/// Starts a proxy; with `login`, only `Basic base64(user:password)` opens a tunnel.
pub fn start(login: Option<(&str, &str)>) -> Proxy {
    use base64::Engine;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let expected = login.map(|(user, password)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    });
    let tunnels = Arc::new(Mutex::new(Vec::new()));
    let record = tunnels.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = record.clone();
            let expected = expected.clone();
            thread::spawn(move || serve(client, expected.as_deref(), &record));
        }
    });
    Proxy { url, tunnels }
}

fn serve(mut client: TcpStream, expected: Option<&str>, record: &Mutex<Vec<Tunnel>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let target = match request_line.split(' ').collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] => target.to_string(),
        _ => {
            let _ =
                client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n");
            return;
        }
    };
    let authorization = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_string())
    });
    let allowed = expected.is_none_or(|e| authorization.as_deref() == Some(e));
    record.lock().unwrap().push(Tunnel {
        target: target.clone(),
        authorization,
        opened: allowed,
    });
    if !allowed {
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"escritorio\"\r\ncontent-length: 0\r\n\r\n",
        );
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (mut client_in, mut upstream_out) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut upstream_in, mut client_out) = (upstream, client);
    let forward = thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Write);
    let _ = forward.join();
}

//! A store behind TLS on 127.0.0.1, its certificate signed by a private certificate authority:
//! refused with the public roots, trusted through `http.trusted_ca_pem`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

pub struct TlsStore {
    pub url: String,
    /// The private CA's certificate, PEM.
    pub ca_pem: String,
    /// HTTP requests read after a completed handshake.
    pub requests: Arc<AtomicU32>,
    /// Every byte of those requests, as the store received them.
    pub received: Arc<Mutex<Vec<u8>>>,
}

impl TlsStore {
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts a store answering every request `200 []` over TLS, for `connections` connections.
pub fn start(connections: usize) -> TlsStore {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Loja Teste CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicU32::new(0));
    let received = Arc::new(Mutex::new(Vec::new()));
    let (counter, bytes) = (requests.clone(), received.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut tcp) = stream else { continue };
            let (config, counter, bytes) = (config.clone(), counter.clone(), bytes.clone());
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let mut tls = rustls::ServerConnection::new(config).unwrap();
                let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
                let mut buffer = [0u8; 8192];
                // A read only returns data once the handshake completed and a request arrived.
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    bytes.lock().unwrap().extend_from_slice(&buffer[..n]);
                    let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";
                    if stream.write_all(answer).is_err() {
                        break;
                    }
                }
            });
        }
    });
    TlsStore {
        url: format!("https://{address}"),
        ca_pem: ca_cert.pem(),
        requests,
        received,
    }
}

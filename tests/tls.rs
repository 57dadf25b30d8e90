//! TLS is verified (RELIABILITY.md scenario 20): a store whose certificate does not chain to a
//! trusted root is refused before any request reaches it, and there is no switch to turn that off.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use ponte::platform::woocommerce::WooCommerce;
use ponte::platform::Platform;
use ponte::Error;

/// A TLS server with a self-signed certificate for 127.0.0.1 that counts the HTTP requests it
/// reads after a handshake.
fn self_signed_store() -> (String, Arc<AtomicU32>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicU32::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut tcp) = stream else { continue };
            let config = config.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let mut tls = rustls::ServerConnection::new(config).unwrap();
                let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
                let mut buffer = [0u8; 4096];
                // A read only returns data once the handshake completed and a request arrived.
                if let Ok(n) = stream.read(&mut buffer) {
                    if n > 0 {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
                    }
                }
            });
        }
    });
    (format!("https://{address}"), requests)
}

#[test]
fn a_self_signed_certificate_is_refused_before_any_request_is_sent() {
    let (url, requests) = self_signed_store();
    let sandbox = ponte::sandbox::WooSandbox::start().unwrap();
    let mut config = sandbox.integration_config("loja");
    config.base_url = url;
    config.allow_http = false;
    config.http.max_requests_per_second = 0;
    let woo = WooCommerce::connect(
        &config,
        config.credentials.as_ref(),
        Arc::new(common::woo::TestClock::default()),
    )
    .unwrap();
    let err = woo.list_products(1).unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    assert!(err.to_string().contains("TLS failed"), "{err}");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        0,
        "a request reached a store with an untrusted certificate"
    );
    assert_eq!(
        woo.http_stats().requests,
        1,
        "a certificate error is not retried"
    );
}

#[test]
fn a_store_signed_by_a_private_ca_is_trusted_only_through_the_setting() {
    let store = common::tls::start(8);
    let sandbox = ponte::sandbox::WooSandbox::start().unwrap();
    let mut config = sandbox.integration_config("loja");
    config.base_url = store.url.clone();
    config.allow_http = false;
    config.http.max_requests_per_second = 0;
    let connect = |config: &ponte::model::config::IntegrationConfig| {
        WooCommerce::connect(
            config,
            config.credentials.as_ref(),
            Arc::new(common::woo::TestClock::default()),
        )
        .unwrap()
    };
    // With the public roots: refused before a request is sent.
    let err = connect(&config).list_products(1).unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    assert_eq!(store.requests(), 0);
    // Trusting the store's own CA: the request goes, credentials as Basic inside TLS.
    config.http.trusted_ca_pem = Some(store.ca_pem.clone());
    let page = connect(&config).list_products(1).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(store.requests(), 1);
    let received = String::from_utf8_lossy(&store.received.lock().unwrap()).to_lowercase();
    assert!(received.contains("authorization: basic "), "{received}");
}

#[test]
fn a_trusted_ca_setting_without_a_certificate_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = ponte::Ponte::open(dir.path().join("ponte.db")).unwrap();
    let mut config = ponte::sandbox::WooSandbox::start()
        .unwrap()
        .integration_config("loja");
    config.http.trusted_ca_pem = Some("not a certificate".into());
    let err = ponte.integration_put(config).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("http.trusted_ca_pem: holds no PEM certificate"),
        "{err}"
    );
}

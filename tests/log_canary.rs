//! No byte of a credential reaches the host's log callback, at any level (RELIABILITY.md
//! scenario 28): at `PONTE_LOG_TRACE`, the HTTP and TLS crates Ponte uses log raw request bytes,
//! `Authorization` header included. A canary key and secret go to a store over OAuth 1.0a
//! (plain HTTP) and over HTTP Basic (HTTPS to a store with a private CA the config trusts); every
//! record the callback gets is searched for them, as text, base64 and hex.
//!
//! Its own test binary: the log callback is process-wide.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

use base64::Engine;
use ponte::ffi::{ponte_log_set_callback, PONTE_LOG_TRACE};
use ponte::model::config::{Credentials, Secret};

const KEY: &str = "ck_CANARY-7f3a9c";
const SECRET: &str = "cs_CANARY-7f3a9c";
const PROXY_PASSWORD: &str = "pp_CANARY-7f3a9c";

static RECORDS: Mutex<Vec<(i32, String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(
    _user_data: *mut c_void,
    level: i32,
    target: *const c_char,
    message: *const c_char,
) {
    // SAFETY: Ponte passes NUL-terminated UTF-8 strings valid for the call.
    let (target, message) = unsafe {
        (
            CStr::from_ptr(target).to_string_lossy().into_owned(),
            CStr::from_ptr(message).to_string_lossy().into_owned(),
        )
    };
    RECORDS.lock().unwrap().push((level, target, message));
}

fn canary_credentials() -> Credentials {
    Credentials {
        consumer_key: Some(Secret::new(KEY.to_string())),
        consumer_secret: Some(Secret::new(SECRET.to_string())),
        access_token: None,
        ..Default::default()
    }
}

/// Every form a credential could take in a log: as text, in Basic's base64, as hex bytes.
fn forms() -> Vec<String> {
    let mut forms = vec!["CANARY".to_string(), "canary".to_string()];
    forms.push(base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}")));
    for text in [KEY, SECRET] {
        let hex: Vec<String> = text.bytes().map(|b| format!("{b:02x}")).collect();
        forms.push(hex.join(""));
        forms.push(hex.join(" "));
        // A hex dump may split anywhere: the canary's own bytes are enough.
        forms.push(hex[3..9].join(" "));
        forms.push(hex[3..9].join(""));
    }
    forms
}

#[test]
fn no_credential_reaches_the_log_callback_even_at_trace() {
    // SAFETY: `collect` matches the callback type and lives for the whole program.
    let status = ponte_log_set_callback(Some(collect), std::ptr::null_mut(), PONTE_LOG_TRACE);
    assert_eq!(status, 0);

    let dir = tempfile::tempdir().unwrap();
    let mut ponte = ponte::Ponte::open(dir.path().join("ponte.db")).unwrap();

    // OAuth 1.0a over plain HTTP, to the sandbox (which refuses the canary key: 401).
    let sandbox = ponte::sandbox::WooSandbox::start().unwrap();
    let mut config = sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config.credentials = Some(canary_credentials());
    ponte.integration_put(config.clone()).unwrap();
    let check = ponte.integration_check("loja").unwrap();
    assert_eq!(check.items[0].item, "credentials", "{:?}", check.items);

    // HTTP Basic over HTTPS, to a store whose private CA the config trusts.
    let store = common::tls::start(8);
    config.base_url = store.url.clone();
    config.allow_http = false;
    config.http.trusted_ca_pem = Some(store.ca_pem.clone());
    ponte.integration_put(config).unwrap();
    let check = ponte.integration_check("loja").unwrap();
    assert_eq!(check.items[2].item, "write", "{:?}", check.items);
    let received = String::from_utf8_lossy(&store.received.lock().unwrap()).into_owned();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"));
    assert!(
        received.contains(&basic),
        "the store did not get the credentials"
    );

    // A proxy's login, to a proxy that asks for it.
    let proxy = common::proxy::start(Some(("escritorio", PROXY_PASSWORD)));
    let mut config = sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config.http.proxy = Some(proxy.url.clone());
    let credentials = config.credentials.as_mut().unwrap();
    credentials.proxy_username = Some(Secret::new("escritorio"));
    credentials.proxy_password = Some(Secret::new(PROXY_PASSWORD));
    ponte.integration_put(config).unwrap();
    ponte.integration_check("loja").unwrap();
    assert!(
        proxy.tunnels().iter().any(|t| t.opened),
        "the proxy never opened a tunnel: {:?}",
        proxy.tunnels()
    );
    let proxy_basic =
        base64::engine::general_purpose::STANDARD.encode(format!("escritorio:{PROXY_PASSWORD}"));

    let records = RECORDS.lock().unwrap().clone();
    assert!(
        records
            .iter()
            .any(|(_, target, _)| target.starts_with("ponte")),
        "the callback got none of Ponte's records"
    );
    for (level, target, message) in &records {
        for form in forms().into_iter().chain([proxy_basic.clone()]) {
            assert!(
                !message.contains(&form) && !target.contains(&form),
                "a credential ({form}) reached the log at level {level} from {target}: {message}"
            );
        }
        // Below `info`, only Ponte's own records: the others carry raw bytes.
        assert!(
            target.starts_with("ponte") || *level <= 3,
            "a dependency's record at level {level} reached the host: {target}: {message}"
        );
    }
}

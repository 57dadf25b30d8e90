//! What corporate networks need: a store reached through the office's proxy (named in the
//! integration, or taken from the standard environment variables when the config says so), a
//! proxy's login given as credentials and never as a URL, and the operating system's certificate
//! store trusted when the config asks, for offices whose proxies re-sign TLS.

mod common;

use std::process::Command;

use ponte::model::config::{Secret, TlsRoots};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::{Error, Ponte};

fn catalog(ponte: &mut Ponte) {
    ponte
        .catalog_put_brands(&ponte::model::catalog::parse_brands(common::BRANDS).unwrap())
        .unwrap();
    ponte
        .catalog_put_products(&ponte::model::catalog::parse_products(common::PRODUCTS).unwrap())
        .unwrap();
}

fn store_address(sandbox: &WooSandbox) -> String {
    sandbox.base_url().trim_start_matches("http://").to_string()
}

#[test]
fn a_sync_goes_through_the_proxy_the_integration_names() {
    let proxy = common::proxy::start(None);
    let sandbox = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    catalog(&mut ponte);
    let mut config = sandbox.integration_config("loja");
    config.http.proxy = Some(format!("{}/", proxy.url));
    ponte.integration_put(config).unwrap();
    let report = ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap();
    assert_eq!(report.counts.get("create"), Some(&2), "{report:?}");
    let skus: Vec<String> = sandbox
        .products()
        .iter()
        .filter_map(|p| p["sku"].as_str().map(String::from))
        .collect();
    assert!(skus.contains(&"TRA-PP-45".to_string()), "{skus:?}");
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "the store was reached directly");
    assert!(
        tunnels.iter().all(|t| t.target == store_address(&sandbox)),
        "{tunnels:?}"
    );
}

#[test]
fn a_proxy_login_comes_from_the_credentials_and_a_refused_one_is_named() {
    let proxy = common::proxy::start(Some(("escritorio", "s3nha-PROXY")));
    let sandbox = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    catalog(&mut ponte);
    let mut config = sandbox.integration_config("loja");
    config.http.proxy = Some(proxy.url.clone());
    config.http.max_retries = 0;
    ponte.integration_put(config.clone()).unwrap();

    // No login: the proxy answers 407, and Ponte says the proxy refused, not the store.
    let err = ponte.sync_plan("loja", SyncOptions::default()).unwrap_err();
    assert!(err.to_string().contains("proxy"), "{err}");
    assert!(sandbox.products().is_empty());

    let credentials = config.credentials.as_mut().unwrap();
    credentials.proxy_username = Some(Secret::new("escritorio"));
    credentials.proxy_password = Some(Secret::new("s3nha-PROXY"));
    ponte.integration_put(config).unwrap();
    ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap();
    assert_eq!(sandbox.products().len(), 2);
    assert!(proxy.tunnels().iter().any(|t| t.opened));

    // The login is a credential: never stored, never shown.
    let view = serde_json::to_string(&ponte.integration_get("loja").unwrap()).unwrap();
    assert!(!view.contains("s3nha-PROXY"), "{view}");
    assert!(
        view.contains("proxy_password"),
        "credentials_set names it: {view}"
    );
    let file = std::fs::read(dir.path().join("ponte.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&file).contains("s3nha-PROXY"),
        "the proxy password reached the state file"
    );
}

#[test]
fn a_login_in_the_proxy_url_and_other_bad_settings_are_refused_by_path() {
    let sandbox = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    for (proxy, expected) in [
        (
            "http://joao:s3nha@proxy:3128",
            "must not carry a user name or password",
        ),
        ("proxy:3128", "is \"env\" or a proxy URL"),
        ("http://proxy:99999", "port that is not a number"),
        ("http://:3128", "has no host"),
    ] {
        let mut config = sandbox.integration_config("loja");
        config.http.proxy = Some(proxy.into());
        let err = ponte.integration_put(config).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, Error::InvalidConfig(_))
                && text.contains("http.proxy")
                && text.contains(expected),
            "{proxy}: {text}"
        );
        assert!(!text.contains("s3nha"), "the password came back: {text}");
    }
    let mut config = sandbox.integration_config("loja");
    config.credentials.as_mut().unwrap().proxy_username = Some(Secret::new("joao"));
    let err = ponte.integration_put(config).unwrap_err().to_string();
    assert!(err.contains("credentials.proxy_username"), "{err}");
    let mut config = sandbox.integration_config("loja");
    config.http.tls_roots = TlsRoots::System;
    config.http.trusted_ca_pem = Some("-----BEGIN CERTIFICATE-----".into());
    let err = ponte.integration_put(config).unwrap_err().to_string();
    assert!(err.contains("http.tls_roots"), "{err}");
}

/// The environment's proxy is used only when the config says `"env"`: a variable set for
/// another program must not reroute a store. Through the command line, whose environment is
/// its own (a test cannot set variables in its own process safely).
#[test]
fn the_environment_proxy_is_used_only_when_the_config_says_env() {
    let proxy = common::proxy::start(None);
    let sandbox = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for file in ["brands", "products"] {
        let text = if file == "brands" {
            common::BRANDS
        } else {
            common::PRODUCTS
        };
        std::fs::write(dir.path().join(format!("{file}.json")), text).unwrap();
    }
    let plan = |proxy_setting: Option<&str>| {
        let mut config = serde_json::to_value(sandbox.integration_config("loja")).unwrap();
        let key = sandbox.key();
        config["credentials"] = serde_json::json!({"consumer_key": key.consumer_key,
                                                    "consumer_secret": key.consumer_secret});
        if let Some(setting) = proxy_setting {
            config["http"]["proxy"] = setting.into();
        }
        let path = dir.path().join("loja.json");
        std::fs::write(&path, config.to_string()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["plan", "--state"])
            .arg(dir.path().join("ponte.db"))
            .arg("--config")
            .arg(&path)
            .arg("--brands")
            .arg(dir.path().join("brands.json"))
            .arg("--products")
            .arg(dir.path().join("products.json"))
            .env("ALL_PROXY", &proxy.url)
            .env("HTTP_PROXY", &proxy.url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    plan(None);
    assert!(proxy.tunnels().is_empty(), "{:?}", proxy.tunnels());
    plan(Some("env"));
    assert!(
        proxy
            .tunnels()
            .iter()
            .any(|t| t.target == store_address(&sandbox)),
        "{:?}",
        proxy.tunnels()
    );
}

/// `tls_roots: "system"` trusts what the operating system trusts: on Linux the system store,
/// which `SSL_CERT_FILE` replaces for this one child process, as an office's root would be added.
#[test]
fn the_system_certificate_store_is_trusted_only_when_the_config_says_so() {
    if let Ok(url) = std::env::var("PONTE_TEST_SYSTEM_ROOTS_STORE") {
        // The child: its SSL_CERT_FILE holds the store's private CA.
        let sandbox = WooSandbox::start().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
        let mut config = sandbox.integration_config("loja");
        config.base_url = url;
        config.allow_http = false;
        config.http.max_retries = 0;
        ponte.integration_put(config.clone()).unwrap();
        let bundled = ponte.sync_plan("loja", SyncOptions::default());
        assert!(matches!(bundled, Ok(_) | Err(Error::Tls(_))), "{bundled:?}");
        println!(
            "bundled: {}",
            if bundled.is_ok() {
                "trusted"
            } else {
                "refused"
            }
        );
        config.http.tls_roots = TlsRoots::System;
        ponte.integration_put(config).unwrap();
        match ponte.sync_plan("loja", SyncOptions::default()) {
            Ok(_) => println!("system: trusted"),
            Err(err) => println!("system: {err}"),
        }
        return;
    }
    let store = common::tls::start(16);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("office-ca.pem");
    std::fs::write(&ca, &store.ca_pem).unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_system_certificate_store_is_trusted_only_when_the_config_says_so",
            "--nocapture",
        ])
        .env("PONTE_TEST_SYSTEM_ROOTS_STORE", &store.url)
        .env("SSL_CERT_FILE", &ca)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("bundled: refused"), "{stdout}");
    assert!(stdout.contains("system: trusted"), "{stdout}");
    assert!(
        store.requests() > 0,
        "the store was never reached with the system's roots"
    );
}

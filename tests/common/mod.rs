//! Shared by the integration tests: fixtures of our own and paths of the built library.
#![allow(dead_code)]

pub mod c;
pub mod capture;
pub mod images;
pub mod invariants;
pub mod proxy;
pub mod realwoo;
pub mod sync;
pub mod tls;
pub mod tool;
pub mod wine;
pub mod woo;

use std::path::PathBuf;

pub const CONFIG: &str = r#"{"id":"loja","platform":"woocommerce","base_url":"https://loja.example.com.br",
    "credentials":{"consumer_key":"ck_CANARY-7f3a9c","consumer_secret":"cs_CANARY-7f3a9c"}}"#;

/// Appears in every credential the tests give; must never come back out.
pub const CANARY: &str = "CANARY-7f3a9c";

pub const BRANDS: &str =
    r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true}]"#;

pub const PRODUCTS: &str = r#"[
  {"erp_id":"1001","name":"Panela de Pressão 4,5 L","brand_id":"TRAMONTINA","show_in_store":true,
   "sync_stock":true,"variants":[{"sku":"TRA-PP-45","ean":"7891000100103","price_cents":18990,"stock":42}]},
  {"erp_id":"1002","name":"Frigideira 24 cm","brand_id":"TRAMONTINA","show_in_store":true,
   "sync_stock":true,"variants":[{"sku":"TRA-FR-24","price_cents":8990}]}
]"#;

/// `target/<profile>/deps`: the test binaries live there, and so does the libponte.so that the
/// same `cargo test` built (cargo copies it up to `target/<profile>` only for `cargo build`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.parent()
        .expect("test binaries live in target/<profile>/deps")
        .to_path_buf()
}

/// The cargo profile this test binary was built in (`debug` or `release`).
pub fn profile() -> String {
    target_dir()
        .parent()
        .and_then(|dir| dir.file_name())
        .expect("test binaries live in target/<profile>/deps")
        .to_string_lossy()
        .into_owned()
}

/// What the Pascal and C# examples print when their whole run (integration, catalog, sync,
/// capture, confirmation, an error caught) went as it should, with UTF-8 intact both ways.
pub fn assert_binding_example_ran(status_ok: bool, stdout: &str, stderr: &str) {
    assert!(status_ok, "{stdout}{stderr}");
    for expected in [
        r#""status":"completed""#,
        r#""state":"confirmed""#,
        "Panela de Pressão 4,5 L",
        "expected error: PONTE_E_NOT_FOUND (-105)",
        "webhook refused: PONTE_E_AUTH (-302)",
    ] {
        assert!(stdout.contains(expected), "no {expected} in:\n{stdout}");
    }
}

pub fn shared_library() -> PathBuf {
    let name = if cfg!(target_os = "macos") {
        "libponte.dylib"
    } else if cfg!(windows) {
        "ponte.dll"
    } else {
        "libponte.so"
    };
    target_dir().join(name)
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `ponte_*` functions the committed header declares.
pub fn header_functions() -> Vec<String> {
    let header =
        std::fs::read_to_string(repo_root().join("include/ponte.h")).expect("include/ponte.h");
    let mut names: Vec<String> = header
        .lines()
        .filter(|line| line.starts_with("PONTE_API "))
        .filter_map(|line| {
            let before_paren = line.split('(').next()?;
            let name = before_paren.rsplit([' ', '*']).next()?;
            Some(name.to_string())
        })
        .collect();
    names.sort();
    names
}

/// Waits, up to a minute, until `done` says so; the test fails naming `what` if it never does.
/// For a step another thread takes, so the test does not guess how long the machine needs.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

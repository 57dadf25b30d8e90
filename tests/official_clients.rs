//! The official WooCommerce client for JavaScript (`@woocommerce/woocommerce-rest-api`) lists,
//! creates and updates products and orders against the sandbox. The Python client (`woocommerce`
//! on PyPI) runs in `bindings/python/tests/test_sandbox.py`. `.ci/run` installs both. Its own
//! harness, so a machine without the client shows `skipped` in the summary.

mod common;

use std::process::{Command, ExitCode};

use ponte::sandbox::WooSandbox;

fn main() -> ExitCode {
    let dir = common::repo_root().join("tests/clients/woocommerce-js");
    let missing = (!dir
        .join("node_modules/@woocommerce/woocommerce-rest-api")
        .exists())
    .then(|| format!("the client is not installed: npm ci in {}", dir.display()));
    common::tool::run_or_skip(
        "the_official_javascript_client_works_against_the_sandbox",
        missing,
        || javascript_client_works(&dir),
    )
}

fn javascript_client_works(dir: &std::path::Path) {
    let sandbox = WooSandbox::start().unwrap();
    let key = sandbox.key();
    let output = Command::new("node")
        .arg("official_client.mjs")
        .current_dir(dir)
        .env("SANDBOX_URL", sandbox.base_url())
        .env("SANDBOX_CONSUMER_KEY", &key.consumer_key)
        .env("SANDBOX_CONSUMER_SECRET", &key.consumer_secret)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("products and orders listed, created and updated"),
        "{stdout}"
    );
    let counters = sandbox.counters();
    assert_eq!(counters["POST /wp-json/wc/v3/orders/batch"], 1);
    assert_eq!(counters["PUT /wp-json/wc/v3/products/{id}"], 1);
}

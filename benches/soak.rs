//! RELIABILITY.md scenario 30 at full size: 50,000 products and 10,000 orders against a sandbox
//! that throttles like a host (a bucket of 40 requests, drained at 2 a second, 429 with
//! `Retry-After` above it), each sync call limited to 20 seconds as an ERP's timer would allow.
//! Reports calls, requests, 429s, wall time and peak memory; checks that every product and order
//! ended in place once. Not a test: it takes about ten minutes.
//!
//! Run: `cargo bench --bench soak`. `PONTE_SOAK_PRODUCTS`, `PONTE_SOAK_ORDERS` and
//! `PONTE_SOAK_LIMIT` (seconds per call) change the sizes.

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::json;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The process's peak resident memory, from /proc (Linux), in MiB.
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn main() {
    let products = setting("PONTE_SOAK_PRODUCTS", 50_000);
    let orders = setting("PONTE_SOAK_ORDERS", 10_000);
    let limit = setting("PONTE_SOAK_LIMIT", 20);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = WooSandbox::start().expect("sandbox");
    let mut ponte = Ponte::open(dir.path().join("soak.db")).expect("state file");
    let mut config = store.integration_config("soak");
    config.http.max_requests_per_second = 0;
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.received_status = Some("on-hold".into());
    config.order_capture.require_document = false;
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"B","name":"Marca","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    for chunk in (0..products).collect::<Vec<_>>().chunks(5000) {
        let json: Vec<String> = chunk
            .iter()
            .map(|n| format!(r#"{{"erp_id":"P{n}","name":"Produto {n}","brand_id":"B","show_in_store":true,"sync_stock":true,"variants":[{{"sku":"SKU-{n}","price_cents":1990,"stock":100000}}]}}"#))
            .collect();
        ponte
            .catalog_put_products(&parse_products(&format!("[{}]", json.join(","))).unwrap())
            .unwrap();
    }
    store.set_rate_limit(Some((40, 2)));

    let started = Instant::now();
    let options = SyncOptions {
        time_limit_seconds: Some(limit),
        ..SyncOptions::default()
    };
    let mut calls = 0;
    let mut requests = 0;
    loop {
        let report = ponte
            .sync_products("soak", options, &mut |_| true)
            .expect("sync");
        calls += 1;
        requests += report.requests;
        if report.status != "partial" {
            println!("sync call {calls}: {}, {:?}", report.status, report.counts);
            break;
        }
        if calls % 5 == 1 {
            println!("sync call {calls}: partial, {:?}", report.counts);
        }
    }
    let sync_time = started.elapsed().as_secs_f64();
    let in_store = store.products().len() as u64;
    println!(
        "{products} products in {calls} calls of at most {limit} s: {sync_time:.0} s, {requests} requests, {} answered 429, {in_store} in the store",
        store.throttled()
    );
    assert_eq!(in_store, products, "products missing or created twice");

    store.set_rate_limit(None);
    for n in 0..orders {
        store
            .place_order(&json!({"status": "processing", "line_items": [{"sku": format!("SKU-{}", n % products), "quantity": 1}],
                                 "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Recife", "state": "PE", "postcode": "50000-000"}}))
            .expect("order");
    }
    store.set_rate_limit(Some((40, 2)));
    let throttled_before = store.throttled();
    let started = Instant::now();
    let mut captures = 0;
    let mut captured = 0;
    loop {
        let report = ponte.capture_orders("soak").expect("capture");
        captures += 1;
        captured += report.counts.get("captured").copied().unwrap_or(0);
        if report.unfinished.is_none() && report.counts.get("writebacks_waiting") == Some(&0) {
            break;
        }
    }
    println!(
        "{orders} orders captured ({captured}) in {captures} captures: {:.0} s, {} answered 429",
        started.elapsed().as_secs_f64(),
        store.throttled() - throttled_before
    );
    assert_eq!(captured, orders, "orders missing or captured twice");
    if let Some(peak) = peak_mib() {
        println!("peak resident memory of the process (sandbox included): {peak} MiB");
    }
}

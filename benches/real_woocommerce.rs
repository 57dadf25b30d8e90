//! Ponte against a real WooCommerce (`../shared/realstores/woocommerce`): an initial sync of
//! 1,000 products, a capture of 500 orders, and rejection notes sent one at a time against four
//! at a time. Reports wall time and requests (Ponte's count and the store's request log).
//!
//! Run: `cargo bench --bench real_woocommerce [-- VERSION]` (default 10.0.2). Not a test: the
//! figures depend on the machine. `PONTE_BENCH_PRODUCTS`, `PONTE_BENCH_ORDERS` and
//! `PONTE_BENCH_NOTES` change the counts; `REALWOO_DIR` reuses a store made by `run.sh up`.

#[path = "../tests/common/realwoo.rs"]
#[allow(dead_code)]
mod realwoo;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sync::SyncOptions;
use ponte::Ponte;
use realwoo::RealStore;
use serde_json::{json, Value};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Some(why) = realwoo::unavailable() {
        println!("real WooCommerce benchmark skipped: {why}");
        return;
    }
    let version = std::env::args()
        .skip(1)
        .find(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| "10.0.2".into());
    let started = Instant::now();
    let store = match std::env::var("REALWOO_DIR") {
        Ok(dir) => RealStore::reuse(&dir),
        Err(_) => RealStore::up(&version),
    }
    .expect("the real store starts");
    println!(
        "real WooCommerce {} up in {:.1} s",
        store.version,
        started.elapsed().as_secs_f64()
    );
    store.empty();
    let products = setting("PONTE_BENCH_PRODUCTS", 1000);
    let orders = setting("PONTE_BENCH_ORDERS", 500);
    let notes = setting("PONTE_BENCH_NOTES", 100);

    let dir = tempfile::tempdir().expect("temp dir");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = store.config("bench");
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.received_status = Some("received".into());
    config.order_capture.rejected_status = Some("erp-rejected".into());
    config.order_capture.require_document = false;
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    ponte.integration_put(config.clone()).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"B","name":"Marca","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    let catalog: Vec<Value> = (0..products)
        .map(|n| {
            json!({"erp_id": format!("P{n}"), "name": format!("Produto {n}"), "brand_id": "B",
                   "show_in_store": true, "sync_stock": true,
                   "variants": [{"sku": format!("BENCH-{n:05}"), "ean": ean13(n), "price_cents": 1990, "stock": 100_000}]})
        })
        .collect();
    ponte
        .catalog_put_products(&parse_products(&Value::Array(catalog).to_string()).unwrap())
        .unwrap();
    let check = ponte.integration_check("bench").expect("check");
    assert!(check.ok, "{:#?}", check.items);

    let log_before = store.requests();
    let started = Instant::now();
    let report = ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    let took = started.elapsed().as_secs_f64();
    println!(
        "initial sync of {products} products: {took:.1} s, {} requests by Ponte, {} in the store's log; {:?}",
        report.requests,
        store.requests() - log_before,
        report.counts
    );
    let started = Instant::now();
    let again = ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    println!(
        "sync with nothing changed: {:.2} s, {} requests",
        started.elapsed().as_secs_f64(),
        again.requests
    );

    // Orders, placed through the REST API 100 a request as a busy store would collect them.
    let product = store.products_with_sku("BENCH-00000")[0]["id"].clone();
    let placing = Instant::now();
    let order = |product: &Value| {
        json!({"status": "processing", "line_items": [{"product_id": product, "quantity": 1}],
               "billing": {"first_name": "Ana", "last_name": "Souza", "address_1": "Rua A", "city": "São Paulo",
                           "state": "SP", "postcode": "01310-100", "country": "BR", "email": "ana@example.com.br"}})
    };
    store.create_orders(&vec![order(&product); orders]);
    println!(
        "({orders} orders placed through REST in {:.1} s)",
        placing.elapsed().as_secs_f64()
    );
    let log_before = store.requests();
    let started = Instant::now();
    let capture = ponte.capture_orders("bench").expect("capture");
    println!(
        "capture of {orders} orders: {:.1} s, {} requests by Ponte, {} in the store's log; {:?}",
        started.elapsed().as_secs_f64(),
        capture.requests,
        store.requests() - log_before,
        capture.counts
    );

    // Rejection notes: each is a request of its own.
    let unknown = store.post(
        "/products",
        json!({"name": "Só na loja", "sku": "BENCH-LOJA", "regular_price": "5.00"}),
    )["id"]
        .clone();
    for concurrency in [1u32, 4] {
        let mut config = config.clone();
        config.order_capture.note_concurrency = concurrency;
        ponte.integration_put(config).expect("config");
        store.create_orders(&vec![order(&unknown); notes]);
        let started = Instant::now();
        let capture = ponte.capture_orders("bench").expect("capture");
        println!(
            "{notes} rejected orders with notes, {concurrency} note(s) at a time: {:.1} s, {} requests; {:?}",
            started.elapsed().as_secs_f64(),
            capture.requests,
            capture.counts
        );
    }
    store.empty();
}

/// A valid EAN-13 for product `n`.
fn ean13(n: usize) -> String {
    let twelve = format!("7899{n:08}");
    let sum: u32 = twelve
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{twelve}{}", (10 - sum % 10) % 10)
}

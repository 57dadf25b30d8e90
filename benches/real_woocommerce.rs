//! Ponte against a real WooCommerce (`../shared/realstores/woocommerce`): an initial sync of
//! 1,000 products of 10 brands and a 10% stock update, with 1 request at a time and with more
//! (`PONTE_BENCH_CONCURRENCIES`, default `1,3`), each into an emptied store; then a capture of
//! 500 orders, and rejection notes sent one at a time against four at a time. Reports wall time
//! and requests (Ponte's count and the store's request log).
//!
//! Run: `cargo bench --bench real_woocommerce [-- VERSION]` (default 10.0.2). Not a test: the
//! figures depend on the machine. `PONTE_BENCH_PRODUCTS`, `PONTE_BENCH_ORDERS` and
//! `PONTE_BENCH_NOTES` change the counts; `REALWOO_DIR` reuses a store made by `run.sh up`.

#[path = "../tests/common/realwoo.rs"]
#[allow(dead_code)]
mod realwoo;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products, parse_stock};
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

    let concurrencies: Vec<u32> = std::env::var("PONTE_BENCH_CONCURRENCIES")
        .unwrap_or_else(|_| "1,3".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut round = None;
    for (n, concurrency) in concurrencies.into_iter().enumerate() {
        store.empty();
        round = Some(sync_round(&store, dir.path(), n, products, concurrency));
    }
    let (mut ponte, config) = round.expect("at least one concurrency");

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

/// Into an emptied store, with a state file of its own: the first sync of `products` products,
/// a sync with nothing changed, and a 10% stock update, `concurrency` requests at a time.
fn sync_round(
    store: &RealStore,
    dir: &std::path::Path,
    round: usize,
    products: usize,
    concurrency: u32,
) -> (Ponte, ponte::model::config::IntegrationConfig) {
    let mut ponte = Ponte::open(dir.join(format!("bench-{round}.db"))).expect("state file");
    let mut config = store.config("bench");
    config.http.max_concurrent_requests = concurrency;
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.received_status = Some("received".into());
    config.order_capture.rejected_status = Some("erp-rejected".into());
    config.order_capture.require_document = false;
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    ponte.integration_put(config.clone()).expect("config");
    let brands: Vec<Value> = (0..10)
        .map(|b| json!({"id": format!("B{b}"), "name": format!("Marca {b}"), "show_in_electronic_order": true}))
        .collect();
    ponte
        .catalog_put_brands(&parse_brands(&Value::Array(brands).to_string()).unwrap())
        .unwrap();
    let catalog: Vec<Value> = (0..products)
        .map(|n| {
            json!({"erp_id": format!("P{n}"), "name": format!("Produto {n}"), "brand_id": format!("B{}", n % 10),
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
        "{concurrency} at a time: initial sync of {products} products: {took:.1} s, {} requests by Ponte, {} in the store's log; {:?}",
        report.requests,
        store.requests() - log_before,
        report.counts
    );
    let started = Instant::now();
    let again = ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    println!(
        "{concurrency} at a time: sync with nothing changed: {:.2} s, {} requests",
        started.elapsed().as_secs_f64(),
        again.requests
    );
    let levels: Vec<Value> = (0..products)
        .step_by(10)
        .map(|n| json!({"sku": format!("BENCH-{n:05}"), "quantity": 500 + n}))
        .collect();
    ponte
        .catalog_put_stock(&parse_stock(&Value::Array(levels).to_string()).unwrap())
        .unwrap();
    let started = Instant::now();
    let stock = ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    println!(
        "{concurrency} at a time: 10% stock update: {:.1} s, {} requests; {:?}",
        started.elapsed().as_secs_f64(),
        stock.requests,
        stock.counts
    );
    let sample = store.products_with_sku("BENCH-00010");
    assert_eq!(
        sample[0]["stock_quantity"], 510,
        "the store holds the new stock"
    );
    assert_eq!(
        sample[0]["brands"][0]["name"], "Marca 0",
        "the store holds the brand"
    );
    (ponte, config)
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

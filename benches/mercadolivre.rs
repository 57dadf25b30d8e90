//! 1,000 products listed on the Mercado Livre sandbox and 500 buyers' carts captured, counting
//! the requests each costs: Mercado Livre publishes no rate limit, so requests are the measure
//! (its 429s come from per-app and per-seller limits it does not document). Runs: the first sync
//! (one `POST /items` each, variations inside, after one listing read that finds the seller
//! empty), a stock change on every listing (a `GET` naming the variations, then one `PUT`), a
//! sync with nothing changed, then captures of 500 carts (one in five a pack of two orders):
//! the search read whole, and each cart's billing info and shipment.
//! Run: `cargo bench --bench mercadolivre`; `PONTE_BENCH_PRODUCTS` and `PONTE_BENCH_CARTS` change
//! the sizes.

mod common;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products, parse_stock};
use ponte::sandbox::MlSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;

use common::{env_number, products};
use serde_json::json;

fn main() {
    let count = env_number("PONTE_BENCH_PRODUCTS", 1_000);
    let carts = env_number("PONTE_BENCH_CARTS", 500);
    let market = MlSandbox::start().expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = market.integration_config("ml");
    config.http.max_requests_per_second = 0;
    config.product_sync.categories.default = Some("MLB1574".into());
    config.order_capture = serde_json::from_value(json!({
        "enabled": true, "fetch_statuses": ["paid"], "reservation_statuses": ["confirmed"],
        "default_payment_terms": "A VISTA", "default_payment_method": "MERCADO PAGO"}))
    .unwrap();
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"T","name":"Tramontina","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    ponte
        .catalog_put_products(&parse_products(&products(count, 5)).unwrap())
        .unwrap();
    println!(
        "Mercado Livre sandbox, {count} products ({} variants), {carts} carts",
        count + count / 5 * 2
    );
    println!("run            requests  writes  per item  machine time");
    let line = |name: &str, items: u64, wall: Instant, detail: String| {
        let counters = market.counters();
        let requests: u64 = counters.values().sum();
        let writes: u64 = counters
            .iter()
            .filter(|(route, _)| !route.starts_with("GET "))
            .map(|(_, n)| n)
            .sum();
        let per_item = match items {
            0 => "-".to_string(),
            n => format!("{:.2}", requests as f64 / n as f64),
        };
        println!(
            "{name:<14} {requests:>8}  {writes:>6}  {per_item:>8}  {:>10.2}s   ({detail})",
            wall.elapsed().as_secs_f64()
        );
    };
    let sync = |name: &str, ponte: &mut Ponte| {
        market.reset_counters();
        let wall = Instant::now();
        let report = ponte
            .sync_products("ml", SyncOptions::default(), &mut |_| true)
            .expect("sync");
        let detail = report
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        line(name, count, wall, detail);
    };
    sync("first sync", &mut ponte);
    let levels: Vec<String> = (0..count)
        .flat_map(|n| match n % 5 {
            0 => vec![format!("C{n}-P"), format!("C{n}-M"), format!("C{n}-G")],
            _ => vec![format!("P{n}")],
        })
        .map(|sku| format!(r#"{{"sku":"{sku}","quantity":9}}"#))
        .collect();
    ponte
        .catalog_put_stock(&parse_stock(&format!("[{}]", levels.join(","))).unwrap())
        .unwrap();
    sync("stock change", &mut ponte);
    sync("nothing new", &mut ponte);

    for n in 0..carts {
        // A simple product (not a multiple of five), and now and then a shirt beside it.
        let k = n % count.max(1);
        let simple = format!("P{}", if k.is_multiple_of(5) { k + 1 } else { k });
        let lines = match n % 5 {
            0 => {
                json!([{"sku": simple, "quantity": 1}, {"sku": format!("C{}-M", k / 5 * 5), "quantity": 1}])
            }
            _ => json!([{"sku": simple, "quantity": 1}]),
        };
        market
            .place_cart(&json!({"lines": lines, "paid": true, "buyer": "person"}))
            .expect("cart");
    }
    market.reset_counters();
    let wall = Instant::now();
    let mut pending = 0;
    loop {
        let report = ponte.capture_orders("ml").expect("capture");
        pending += report.pending.len() as u64;
        if report.unfinished.is_none() {
            break;
        }
    }
    line("capture", carts, wall, format!("{pending} carts pending"));
    market.reset_counters();
    let wall = Instant::now();
    let report = ponte.capture_orders("ml").expect("capture");
    line(
        "capture again",
        0,
        wall,
        format!("{} new", report.pending.len()),
    );
}

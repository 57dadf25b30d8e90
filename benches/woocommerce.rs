//! Requests and wall time of the WooCommerce adapter against the sandbox: pushing 1,000 new
//! products and reading 1,000 orders. Run: `cargo bench --bench woocommerce`.
//! Set `PONTE_BENCH_LATENCY_MS` (per request) and `PONTE_BENCH_ITEM_MS` (per item written) to
//! model a real store, which spends about half a second a request.

use std::sync::Arc;
use std::time::Instant;

use ponte::model::catalog::parse_products;
use ponte::model::config::{NewProductStatus, Visibility, ALL_SYNC_FIELDS};
use ponte::platform::http::SystemClock;
use ponte::platform::woocommerce::WooCommerce;
use ponte::platform::{OrderQuery, OrderSort, Platform, ProductDraft, ProductWrite};
use ponte::sandbox::{Latency, WooSandbox};
use serde_json::json;

fn env_ms(name: &str) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let sandbox = WooSandbox::start().expect("sandbox");
    let latency = Latency {
        per_request_ms: env_ms("PONTE_BENCH_LATENCY_MS"),
        per_item_written_ms: env_ms("PONTE_BENCH_ITEM_MS"),
        workers: 0,
    };
    let mut config = sandbox.integration_config("bench");
    config.http.max_requests_per_second = 0;
    let woo = WooCommerce::connect(&config, config.credentials.as_ref(), Arc::new(SystemClock))
        .expect("connect");

    let writes: Vec<ProductWrite> = (0..1000)
        .map(|n| {
            let json = format!(
                r#"[{{"erp_id":"P{n}","name":"Produto {n}","show_in_store":true,"sync_stock":true,
                     "variants":[{{"sku":"SKU-{n:05}","price_cents":{},"stock":5}}]}}]"#,
                1000 + n
            );
            let product = parse_products(&json).unwrap().remove(0);
            let stock = product
                .variants
                .iter()
                .map(|v| (v.sku.clone(), 5))
                .collect();
            ProductWrite::Create(ProductDraft {
                product,
                brand: None,
                fields: ALL_SYNC_FIELDS.into_iter().collect(),
                stock,
                status: NewProductStatus::Publish,
                visibility: Visibility::Visible,
                restore_visibility: false,
                retire_variants: Default::default(),
                restore_variants: Default::default(),
                categories: Vec::new(),
                images: Vec::new(),
                variant_images: Default::default(),
            })
        })
        .collect();
    sandbox.set_latency(latency);
    let started = Instant::now();
    let outcomes = woo.push_products(&writes);
    let push_time = started.elapsed();
    assert_eq!(outcomes.len(), 1000);
    let push_requests = sandbox.total_requests();
    println!(
        "push 1,000 new products: {push_requests} requests, {:.2} s",
        push_time.as_secs_f64()
    );

    sandbox.set_latency(Latency::default());
    for n in 0..1000 {
        sandbox
            .place_order(&json!({"status": "processing", "line_items": [{"sku": format!("SKU-{:05}", n % 1000), "quantity": 1}]}))
            .expect("order");
    }
    sandbox.set_latency(latency);
    sandbox.reset_counters();
    let started = Instant::now();
    let query = OrderQuery {
        statuses: vec!["processing".into()],
        sort: OrderSort::Id,
        ..OrderQuery::default()
    };
    let mut read = 0;
    for page in 1.. {
        let page_of = woo.list_orders(&query, page).expect("orders");
        read += page_of.items.len();
        if !page_of.has_more {
            break;
        }
    }
    let read_time = started.elapsed();
    println!(
        "read 1,000 orders: {} requests, {:.2} s ({read} orders)",
        sandbox.total_requests(),
        read_time.as_secs_f64()
    );
}

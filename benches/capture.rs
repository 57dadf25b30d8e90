//! Order capture against the WooCommerce sandbox: 10,000 new orders, then two captures with
//! nothing new while the ERP has confirmed none. Reports wall time, requests by route and peak
//! memory. Run: `cargo bench --bench capture`;
//! `PONTE_BENCH_ORDERS` changes the count.

mod common;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::json;

fn main() {
    let count: u64 = std::env::var("PONTE_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = WooSandbox::start().expect("sandbox");
    store.register_status("recebido");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = store.integration_config("bench");
    config.http.max_requests_per_second = 0;
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.received_status = Some("recebido".into());
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"B","name":"Marca","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    let products: Vec<String> = (0..100)
        .map(|n| format!(r#"{{"erp_id":"P{n}","name":"Produto {n}","brand_id":"B","show_in_store":true,"sync_stock":true,"variants":[{{"sku":"SKU-{n}","price_cents":1990,"stock":100000}}]}}"#))
        .collect();
    ponte
        .catalog_put_products(&parse_products(&format!("[{}]", products.join(","))).unwrap())
        .unwrap();
    ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    for n in 0..count {
        store
            .place_order(&json!({"status": "processing", "line_items": [{"sku": format!("SKU-{}", n % 100), "quantity": 1 + n % 3}],
                "billing": {"first_name": "Cliente", "last_name": format!("{n}"), "address_1": "Rua A", "number": "1",
                            "city": "Curitiba", "state": "PR", "postcode": "80010-000", "country": "BR",
                            "email": format!("cliente{}@example.com.br", n % 2000), "cpf": "529.982.247-25"},
                "shipping_lines": [{"method_title": "PAC", "total": "15.00"}]}))
            .expect("order");
    }

    let phase = |name: &str, ponte: &mut Ponte| {
        store.reset_counters();
        let started = Instant::now();
        let report = ponte.capture_orders("bench").expect("capture");
        println!(
            "{name}: {:.2} s, {} requests {:?}, counts {:?}, {} pending, peak memory {:.0} MiB",
            started.elapsed().as_secs_f64(),
            store.total_requests(),
            store.counters(),
            report.counts,
            report.pending.len(),
            common::peak_memory_mib()
        );
    };
    phase(&format!("capture of {count} new orders"), &mut ponte);
    // The received statuses written back modified every order: this capture reads them again.
    phase("capture with nothing new", &mut ponte);
    // Steady state with the ERP behind, the overlap window past (here: set to none): only a
    // hundred of the pending orders are read again by id.
    let mut later = store.integration_config("bench");
    later.http.max_requests_per_second = 0;
    later.order_capture = ponte
        .integration_get("bench")
        .expect("config")
        .config
        .order_capture;
    later.order_capture.overlap_seconds = 0;
    ponte.integration_put(later).expect("config");
    phase(
        &format!("capture with nothing new, {count} orders still pending"),
        &mut ponte,
    );
}

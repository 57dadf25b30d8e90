//! Product sync against the WooCommerce sandbox: a 10,000-product initial sync, a re-sync with
//! nothing changed, and a re-sync with 1% changed. Reports wall time, requests (writes apart) and
//! peak memory. Run: `cargo bench --bench sync`. `PONTE_BENCH_PRODUCTS` changes the catalog size;
//! `PONTE_BENCH_LATENCY_MS` and `PONTE_BENCH_ITEM_MS` model a real store's latency,
//! `PONTE_BENCH_WORKERS` the requests it serves at once (0: any number), and
//! `PONTE_BENCH_CONCURRENCY` sets `http.max_concurrent_requests`. With latency, each phase also
//! prints the store's floor: the latency it served divided by its workers, the least time any
//! client could take for the same requests.

mod common;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products, parse_stock};
use ponte::sandbox::{Latency, WooSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn product(n: u64, price: u64) -> String {
    format!(
        r#"{{"erp_id":"P{n:06}","name":"Produto de teste {n}","description":"Descrição do produto {n}","brand_id":"TRAMONTINA",
             "show_in_store":true,"sync_stock":true,"variants":[{{"sku":"SKU-{n:06}","price_cents":{price},"stock":{},"weight_grams":500}}]}}"#,
        n % 50
    )
}

fn main() {
    let count = env_number("PONTE_BENCH_PRODUCTS", 10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = WooSandbox::start().expect("sandbox");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = store.integration_config("bench");
    config.http.max_requests_per_second = 0;
    config.http.max_concurrent_requests = env_number(
        "PONTE_BENCH_CONCURRENCY",
        u64::from(config.http.max_concurrent_requests),
    ) as u32;
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(
                r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true}]"#,
            )
            .unwrap(),
        )
        .unwrap();
    let all: Vec<String> = (0..count).map(|n| product(n, 1000 + n)).collect();
    for chunk in all.chunks(1000) {
        ponte
            .catalog_put_products(&parse_products(&format!("[{}]", chunk.join(","))).unwrap())
            .unwrap();
    }
    let workers = env_number("PONTE_BENCH_WORKERS", 0);
    store.set_latency(Latency {
        per_request_ms: env_number("PONTE_BENCH_LATENCY_MS", 0),
        per_item_written_ms: env_number("PONTE_BENCH_ITEM_MS", 0),
        workers: workers as u32,
    });

    let phase = |name: &str, ponte: &mut Ponte| {
        store.reset_counters();
        let started = Instant::now();
        let report = ponte
            .sync_products("bench", SyncOptions::default(), &mut |_| true)
            .expect("sync");
        let elapsed = started.elapsed();
        let served = store.latency_served_ms() as f64 / 1000.0;
        let floor = match workers {
            _ if served == 0.0 => String::new(),
            0 => String::new(),
            workers => {
                let floor = served / workers as f64;
                format!(
                    ", store floor {floor:.2} s ({:.2}x)",
                    elapsed.as_secs_f64() / floor.max(f64::EPSILON)
                )
            }
        };
        println!(
            "{name}: {:.3} s, {} requests ({} writes), counts {:?}, peak memory {:.0} MiB{floor}",
            elapsed.as_secs_f64(),
            store.total_requests(),
            store.write_requests(),
            report.counts,
            common::peak_memory_mib()
        );
    };
    phase(&format!("initial sync of {count} products"), &mut ponte);
    phase("re-sync, nothing changed", &mut ponte);

    // 1% changed: half price changes, half stock changes.
    let changed = (count / 100).max(1);
    let prices: Vec<String> = (0..changed / 2)
        .map(|i| product(i * 97 % count, 5000))
        .collect();
    if !prices.is_empty() {
        ponte
            .catalog_put_products(&parse_products(&format!("[{}]", prices.join(","))).unwrap())
            .unwrap();
    }
    let stock: Vec<String> = (changed / 2..changed)
        .map(|i| format!(r#"{{"sku":"SKU-{:06}","quantity":999}}"#, i * 89 % count))
        .collect();
    ponte
        .catalog_put_stock(&parse_stock(&format!("[{}]", stock.join(","))).unwrap())
        .unwrap();
    phase(
        &format!("re-sync, {changed} products (1%) changed"),
        &mut ponte,
    );
}

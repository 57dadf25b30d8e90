//! Products with pictures against the WooCommerce sandbox, which downloads each picture it is
//! given as a real store does: a first sync of 10,000 products with 3 pictures each (half given
//! as files under a public address, half as addresses), then a put of the same catalog and a
//! re-sync with nothing changed, which must read no file, download no picture and make no
//! request. Run: `cargo bench --bench pictures`; `PONTE_BENCH_PRODUCTS` changes the size.

#[path = "../tests/common/images.rs"]
mod images;

use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_categories, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let count = env_number("PONTE_BENCH_PRODUCTS", 10_000);
    let server = images::ImageServer::start();
    let folder = tempfile::tempdir().expect("picture folder");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = WooSandbox::start().expect("sandbox");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = store.integration_config("bench");
    config.http.max_requests_per_second = 0;
    config.product_sync.images.public_base_url = Some(format!("{}/", server.base));
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(
                r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true}]"#,
            )
            .unwrap(),
        )
        .unwrap();
    let tree: Vec<String> = (0..20)
        .map(|n| format!(r#"{{"id":"C{n}","name":"Categoria {n}"}}"#))
        .collect();
    ponte
        .catalog_put_categories(&parse_categories(&format!("[{}]", tree.join(","))).unwrap())
        .unwrap();

    let started = Instant::now();
    let mut products = Vec::new();
    for n in 0..count {
        let mut pictures = Vec::new();
        for k in 0..3u64 {
            let name = format!("p{n:06}-{k}.png");
            let bytes = images::shaded(1 + (k as u32), (n % 251) as u8);
            if n % 2 == 0 {
                let path = folder.path().join(&name);
                std::fs::write(&path, &bytes).expect("picture file");
                server.put(&name, bytes);
                pictures.push(format!(
                    r#"{{"file":{:?},"alt":"Foto {k}"}}"#,
                    path.to_str().unwrap()
                ));
            } else {
                let url = server.put(&name, bytes);
                pictures.push(format!(r#"{{"url":"{url}","alt":"Foto {k}"}}"#));
            }
        }
        products.push(format!(
            r#"{{"erp_id":"P{n:06}","name":"Produto {n}","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,
                 "category_ids":["C{}"],"images":[{}],
                 "variants":[{{"sku":"SKU-{n:06}","price_cents":{},"stock":3}}]}}"#,
            n % 20,
            pictures.join(","),
            1000 + n
        ));
    }
    println!(
        "{count} products, {} pictures ({} files) written in {:.2} s",
        count * 3,
        count.div_ceil(2) * 3,
        started.elapsed().as_secs_f64()
    );

    let put = |ponte: &mut Ponte, label: &str| {
        let started = Instant::now();
        let mut read = 0;
        for chunk in products.chunks(1000) {
            let summary = ponte
                .catalog_put_products(&parse_products(&format!("[{}]", chunk.join(","))).unwrap())
                .expect("put");
            read += summary.pictures_read;
        }
        println!(
            "{label}: {read} picture files read, {:.2} s",
            started.elapsed().as_secs_f64()
        );
    };
    let sync = |ponte: &mut Ponte, label: &str| {
        store.reset_counters();
        let downloads = server.total_served();
        let started = Instant::now();
        let report = ponte
            .sync_products("bench", SyncOptions::default(), &mut |_| true)
            .expect("sync");
        println!(
            "{label}: {:.2} s, {} requests, {} pictures downloaded by the store, counts {:?}",
            started.elapsed().as_secs_f64(),
            report.requests,
            server.total_served() - downloads,
            report.counts
        );
    };
    put(&mut ponte, "first put");
    sync(&mut ponte, "first sync");
    put(&mut ponte, "same catalog put again");
    sync(&mut ponte, "re-sync, nothing changed");
}

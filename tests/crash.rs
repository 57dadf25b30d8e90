//! Kill -9 in the middle of syncs and captures (RELIABILITY.md scenario 21, 8 rounds): a child
//! process runs them against the sandbox and is killed at an arbitrary moment; afterwards the
//! state file is intact, every store order is journaled exactly once, no note reached an order
//! twice and no product was created twice.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use ponte::capture::ReportFilter;
use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::json;

const ROUNDS: u64 = 8;

fn configure(ponte: &mut Ponte, url: &str, key: &str, secret: &str) {
    let config = json!({
        "id": "loja", "platform": "woocommerce", "base_url": url, "allow_http": true, "locale": "en",
        "credentials": {"consumer_key": key, "consumer_secret": secret},
        "http": {"max_requests_per_second": 0},
        "order_capture": {"enabled": true, "fetch_statuses": ["processing"], "reservation_statuses": ["pending"],
                          "received_status": "on-hold", "rejected_status": "failed", "default_payment_terms": "A VISTA",
                          "default_payment_method": "PIX"}
    });
    ponte
        .integration_put(ponte::model::config::parse_config(&config.to_string()).unwrap())
        .unwrap();
}

/// The child: syncs and captures in a loop until it is killed. Run only by the test below.
#[test]
#[ignore = "the child of crash_loop, run by it"]
fn crash_child() {
    let (Ok(db), Ok(url), Ok(key), Ok(secret)) = (
        std::env::var("PONTE_CRASH_DB"),
        std::env::var("PONTE_CRASH_URL"),
        std::env::var("PONTE_CRASH_KEY"),
        std::env::var("PONTE_CRASH_SECRET"),
    ) else {
        panic!("run by crash_loop only");
    };
    let mut ponte = Ponte::open(&db).unwrap();
    configure(&mut ponte, &url, &key, &secret);
    loop {
        let _ = ponte.sync_products("loja", SyncOptions::default(), &mut |_| true);
        let _ = ponte.capture_orders("loja");
    }
}

#[test]
fn crash_loop() {
    let store = WooSandbox::start().unwrap();
    let key = store.key();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ponte.db");
    {
        let mut ponte = Ponte::open(&db).unwrap();
        configure(
            &mut ponte,
            &store.base_url(),
            &key.consumer_key,
            &key.consumer_secret,
        );
        ponte
            .catalog_put_brands(&parse_brands(common::sync::BRANDS).unwrap())
            .unwrap();
        let products: Vec<String> = (0..300)
            .map(|n| common::sync::product(&format!("P{n}"), &format!("SKU-{n}"), None, 1000, 50))
            .collect();
        ponte
            .catalog_put_products(&parse_products(&format!("[{}]", products.join(","))).unwrap())
            .unwrap();
        // Orders need products in the store: one clean sync first.
        ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap();
    }
    let billing = |cpf: &str| {
        json!({"first_name": "Ana", "address_1": "Rua A", "city": "Recife", "state": "PE",
                                     "postcode": "50000-000", "cpf": cpf})
    };
    let mut placed = 0;
    for round in 0..ROUNDS {
        // New orders and new products each round: accepted, rejected (a note each) and reserved.
        for n in 0..40 {
            let (status, cpf) = match n % 4 {
                0 => ("pending", "529.982.247-25"),
                1 => ("processing", "111.111.111-11"),
                _ => ("processing", "529.982.247-25"),
            };
            store
                .place_order(&json!({"status": status, "billing": billing(cpf),
                                     "line_items": [{"sku": format!("SKU-{}", (n + round) % 300), "quantity": 1}]}))
                .unwrap();
            placed += 1;
        }
        {
            let mut ponte = Ponte::open(&db).unwrap();
            let more: Vec<String> = (0..30)
                .map(|n| {
                    common::sync::product(
                        &format!("R{round}-{n}"),
                        &format!("R{round}-{n}"),
                        None,
                        990,
                        5,
                    )
                })
                .collect();
            ponte
                .catalog_put_products(&parse_products(&format!("[{}]", more.join(","))).unwrap())
                .unwrap();
        }
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PONTE_CRASH_DB", &db)
            .env("PONTE_CRASH_URL", store.base_url())
            .env("PONTE_CRASH_KEY", &key.consumer_key)
            .env("PONTE_CRASH_SECRET", &key.consumer_secret)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A different moment each round, from opening the file to deep inside a push.
        std::thread::sleep(Duration::from_millis(40 + (round * 97) % 400));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    // A last, clean run of each.
    let mut ponte = Ponte::open(&db).unwrap();
    configure(
        &mut ponte,
        &store.base_url(),
        &key.consumer_key,
        &key.consumer_secret,
    );
    ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap();
    ponte.capture_orders("loja").unwrap();
    let report = ponte.capture_orders("loja").unwrap();
    assert_eq!(report.counts.get("writebacks_waiting"), Some(&0));

    let conn = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let journaled: i64 = conn
        .query_row("SELECT count(*) FROM order_journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        journaled, placed,
        "every store order journaled exactly once"
    );
    let rows = ponte.report("loja", &ReportFilter::default()).unwrap();
    let mut ids: Vec<&str> = rows.iter().map(|r| r.store_order_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as i64, placed);
    for order in store.orders() {
        let id = order["id"].as_u64().unwrap();
        assert!(
            store.order_notes(id).len() <= 1,
            "order {id} got {} notes",
            store.order_notes(id).len()
        );
    }
    let products = store.products();
    let mut skus: Vec<&str> = products.iter().filter_map(|p| p["sku"].as_str()).collect();
    let total = skus.len();
    skus.sort();
    skus.dedup();
    assert_eq!(skus.len(), total, "a product was created twice");
    assert_eq!(total, 300 + 30 * ROUNDS as usize);
}

//! A crash at each named step of a run (RELIABILITY.md scenario 3, and 4 for the hand-off): a
//! child process syncs and captures, and aborts at the step, as a power cut or kill -9 there
//! would end it. After each, the state file is intact, and one clean run leaves every order
//! journaled once, every product created once, and every write-back in the store once.

mod common;

use std::process::{Command, Stdio};

use ponte::capture::ReportFilter;
use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::json;

const POINTS: [&str; 5] = [
    "push.after_intent_before_http",
    "push.after_http_before_commit",
    "capture.after_fetch_before_commit",
    "writeback.after_http_before_commit",
    "capture.after_commit_before_return",
];

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

/// The child: arms the abort, then syncs and captures. Run only by the test below.
#[test]
#[ignore = "the child of every_named_step, run by it"]
fn crash_point_child() {
    let var = |name: &str| std::env::var(name).expect("run by every_named_step only");
    ponte::failpoint::arm_abort(&var("PONTE_CRASH_POINT"));
    let mut ponte = Ponte::open(var("PONTE_CRASH_DB")).unwrap();
    configure(
        &mut ponte,
        &var("PONTE_CRASH_URL"),
        &var("PONTE_CRASH_KEY"),
        &var("PONTE_CRASH_SECRET"),
    );
    let _ = ponte.sync_products("loja", SyncOptions::default(), &mut |_| true);
    let _ = ponte.capture_orders("loja");
}

fn products(prefix: &str, n: usize) -> Vec<ponte::model::catalog::Product> {
    let json: Vec<String> = (0..n)
        .map(|i| {
            common::sync::product(
                &format!("{prefix}{i}"),
                &format!("{prefix}{i}"),
                None,
                1000,
                50,
            )
        })
        .collect();
    parse_products(&format!("[{}]", json.join(","))).unwrap()
}

#[test]
#[cfg(unix)]
fn every_named_step() {
    use std::os::unix::process::ExitStatusExt;

    for point in POINTS {
        let store = WooSandbox::start().unwrap();
        let key = store.key();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ponte.db");
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
        ponte.catalog_put_products(&products("P", 20)).unwrap();
        ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap();
        // Something for each step: new products to create, orders to journal and write back.
        ponte.catalog_put_products(&products("N", 30)).unwrap();
        let mut placed = 0;
        for n in 0..12 {
            let (status, cpf) = match n % 3 {
                0 => ("pending", "529.982.247-25"),
                1 => ("processing", "111.111.111-11"),
                _ => ("processing", "529.982.247-25"),
            };
            store
                .place_order(&json!({"status": status, "line_items": [{"sku": format!("P{}", n % 20), "quantity": 1}],
                    "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Recife", "state": "PE",
                                "postcode": "50000-000", "cpf": cpf}}))
                .unwrap();
            placed += 1;
        }
        drop(ponte);

        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "crash_point_child",
                "--test-threads=1",
            ])
            .env("PONTE_CRASH_POINT", point)
            .env("PONTE_CRASH_DB", &db)
            .env("PONTE_CRASH_URL", store.base_url())
            .env("PONTE_CRASH_KEY", &key.consumer_key)
            .env("PONTE_CRASH_SECRET", &key.consumer_secret)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(6),
            "{point}: the child did not abort there"
        );

        let conn = rusqlite::Connection::open(&db).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "{point}");
        drop(conn);

        // One clean run of each.
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
        let last = ponte.capture_orders("loja").unwrap();
        assert_eq!(last.counts.get("writebacks_waiting"), Some(&0), "{point}");

        let rows = ponte.report("loja", &ReportFilter::default()).unwrap();
        assert_eq!(rows.len(), placed, "{point}: every order journaled once");
        for order in store.orders() {
            let id = order["id"].as_u64().unwrap();
            assert!(
                store.order_notes(id).len() <= 1,
                "{point}: order {id} got two notes"
            );
            let expected = match rows
                .iter()
                .find(|r| r.store_order_id == id.to_string())
                .map(|r| r.state.as_str())
            {
                Some("pending") => "on-hold",
                Some("rejected") => "failed",
                Some("reserved") => "pending",
                other => panic!("{point}: order {id} is {other:?}"),
            };
            assert_eq!(order["status"], expected, "{point}: order {id}");
        }
        let skus: Vec<String> = store
            .products()
            .iter()
            .filter_map(|p| p["sku"].as_str().map(str::to_string))
            .collect();
        let unique: std::collections::BTreeSet<&String> = skus.iter().collect();
        assert_eq!(
            (skus.len(), unique.len()),
            (50, 50),
            "{point}: a product twice"
        );
        // The captured orders now hold stock: one more sync sends it, then nothing is left.
        ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap();
        assert_eq!(
            ponte
                .sync_plan("loja", SyncOptions::default())
                .unwrap()
                .counts
                .get("unchanged"),
            Some(&50),
            "{point}: something left to send"
        );
    }
}

//! Stores that break the conversation (RELIABILITY.md scenarios 6, 9, 14, 15 and 16): a `Link`
//! header pointing at another host, a 500 or a lost answer on a batch of creates, a store down
//! for one run, answers that stall after their headers or drip, bodies cut short or truncated.
//! Reads are retried; a write that may have been applied is never sent again blindly but looked
//! up; nothing is created twice and nothing is lost.

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use common::sync::*;
use common::woo::{store_with, Store};
use ponte::platform::Platform;
use ponte::sandbox::{Fault, FaultRule};
use ponte::sync::SyncOptions;

fn fault_on(method: &str, path: &str, times: u32, after: u32, fault: Fault) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times,
        after,
        fault,
    }
}

/// An adapter whose reads wait a second for an answer and two for a whole request.
fn impatient() -> Store {
    store_with(|config| {
        config.http.read_timeout_ms = 1000;
        config.http.overall_timeout_ms = 2000;
    })
}

#[test]
fn a_read_that_stalls_after_its_headers_times_out_and_is_retried() {
    let s = impatient();
    s.sandbox.inject(fault_on(
        "GET",
        "/products",
        1,
        0,
        Fault::StallAfterHeaders { delay_ms: 6000 },
    ));
    assert!(s.woo.list_products(1).is_ok());
    assert_eq!(s.woo.http_stats().retries, 1);
}

#[test]
fn a_read_that_drips_times_out_on_the_whole_request_and_is_retried() {
    let s = impatient();
    s.sandbox
        .seed_product(serde_json::json!({"id": 7, "type": "simple", "name": "Caneca", "sku": "CAN", "price": "10.00"}))
        .unwrap();
    // About 20 bytes a second: no single read waits a second, the whole takes far more than two.
    s.sandbox.inject(fault_on(
        "GET",
        "/products",
        1,
        0,
        Fault::Drip { ms_per_byte: 50 },
    ));
    assert!(s.woo.list_products(1).is_ok());
    assert_eq!(s.woo.http_stats().retries, 1);
}

#[test]
fn a_read_cut_short_or_truncated_is_retried() {
    for fault in [Fault::ShortBody { bytes: 1 }, Fault::TruncatedChunked] {
        let s = impatient();
        s.sandbox
            .inject(fault_on("GET", "/products", 1, 0, fault.clone()));
        assert!(s.woo.list_products(1).is_ok(), "{fault:?}");
        assert_eq!(s.woo.http_stats().retries, 1, "{fault:?}");
    }
}

#[test]
fn a_create_whose_answer_is_cut_short_is_looked_up_not_sent_again() {
    for fault in [
        Fault::ShortBody { bytes: 10 },
        Fault::TruncatedChunked,
        Fault::StallAfterHeaders { delay_ms: 6000 },
    ] {
        let mut rig = Rig::with(|c| c.http.read_timeout_ms = 1000);
        rig.put(&[product("1", "A", None, 1000, 5)]);
        rig.checked();
        rig.sandbox
            .inject(fault_on("POST", "/products/batch", 1, 0, fault.clone()));
        let first = rig.sync();
        assert_eq!(
            first.items[0].result, "unknown",
            "{fault:?}: {:?}",
            first.items
        );
        assert_eq!(
            rig.sandbox.counters()["POST /wp-json/wc/v3/products/batch"],
            1
        );
        let second = rig.sync();
        assert_eq!(
            Rig::count(&second, "link"),
            1,
            "{fault:?}: {:?}",
            second.counts
        );
        assert_eq!(rig.store_items("A").len(), 1, "{fault:?}: created twice");
    }
}

#[test]
fn a_500_and_a_lost_answer_on_batches_of_creates_end_with_every_product_once() {
    let mut rig = Rig::new();
    let products: Vec<String> = (0..300)
        .map(|n| {
            product(
                &format!("P{n}"),
                &format!("S{n:03}"),
                None,
                1000,
                n as i64 % 7,
            )
        })
        .collect();
    rig.put(&products);
    rig.checked();
    let server_error = Fault::Status {
        status: 500,
        body: r#"{"code":"internal_server_error","message":"Erro","data":{"status":500}}"#.into(),
    };
    rig.sandbox
        .inject(fault_on("POST", "/products/batch", 1, 1, server_error));
    // Rules are looked at in order: this one is reached once the first is spent.
    rig.sandbox.inject(fault_on(
        "POST",
        "/products/batch",
        1,
        0,
        Fault::ApplyThenDrop,
    ));
    let first = rig.sync();
    // A 500 may or may not have applied a create: neither is sent again blindly.
    assert_eq!(Rig::count(&first, "create"), 100, "{:?}", first.counts);
    assert_eq!(Rig::count(&first, "unknown"), 200, "{:?}", first.counts);
    assert_eq!(rig.sandbox.products().len(), 200);
    let second = rig.sync();
    // The 500's batch was not applied: created now; the lost answer's was: linked.
    assert_eq!(
        (Rig::count(&second, "create"), Rig::count(&second, "link")),
        (100, 100),
        "{:?}",
        second.counts
    );
    let skus: std::collections::BTreeSet<String> = rig
        .sandbox
        .products()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_string())
        .collect();
    assert_eq!((skus.len(), rig.sandbox.products().len()), (300, 300));
    for n in [0usize, 150, 299] {
        assert_eq!(
            rig.store_items(&format!("S{n:03}"))[0]["stock_quantity"],
            n as i64 % 7
        );
    }
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 300);
}

#[test]
fn a_500_on_a_batch_of_stock_updates_is_retried_in_the_same_run() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.put(&[product("1", "A", None, 1000, 9)]);
    rig.sandbox.inject(fault_on(
        "POST",
        "/products/batch",
        1,
        0,
        Fault::Status {
            status: 500,
            body: "{}".into(),
        },
    ));
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(Rig::count(&report, "stock_only"), 1, "{:?}", report.items);
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 9);
}

#[test]
fn a_store_down_for_one_run_loses_nothing_and_the_next_run_completes() {
    let mut rig = Rig::with(|c| c.http.max_retries = 1);
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", None, 1000, 5),
    ]);
    rig.checked();
    rig.sandbox.inject(FaultRule {
        method: None,
        path_contains: None,
        times: 1000,
        after: 0,
        fault: Fault::Drop,
    });
    let err = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, ponte::Error::Network(_)), "{err:?}");
    assert!(rig.sandbox.products().is_empty());
    rig.sandbox.clear_faults();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 2, "{:?}", report.counts);
    assert_eq!(rig.sandbox.products().len(), 2);
}

#[test]
fn a_link_header_to_another_host_is_never_followed() {
    // Another host, which must never be contacted.
    let elsewhere = TcpListener::bind("127.0.0.2:0").unwrap();
    let address = elsewhere.local_addr().unwrap();
    let contacted = Arc::new(AtomicU32::new(0));
    let counter = contacted.clone();
    elsewhere.set_nonblocking(true).unwrap();
    let watcher = std::thread::spawn(move || {
        for _ in 0..100 {
            if elsewhere.accept().is_ok() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let mut rig = common::capture::stocked();
    let ids: Vec<String> = (0..3)
        .map(|_| {
            common::capture::place(
                &rig,
                common::capture::shopper("A", 1, "processing", common::capture::CPF),
            )
        })
        .collect();
    let page: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| rig.sandbox.order(id.parse().unwrap()).unwrap())
        .collect();
    let link = format!("<http://{address}/wp-json/wc/v3/orders?page=2>; rel=\"next\"");
    rig.sandbox.inject(fault_on(
        "GET",
        "/wp-json/wc/v3/orders",
        1,
        0,
        Fault::Bytes {
            status: 200,
            headers: vec![
                ("X-WP-Total".into(), "4".into()),
                ("X-WP-TotalPages".into(), "2".into()),
                ("Link".into(), link),
            ],
            body: serde_json::to_vec(&page).unwrap(),
        },
    ));
    let report = rig.ponte.capture_orders("loja").unwrap();
    assert_eq!(common::capture::count(&report, "captured"), 3);
    watcher.join().unwrap();
    assert_eq!(
        contacted.load(Ordering::SeqCst),
        0,
        "another host was contacted"
    );
}

#[test]
fn a_store_whose_listing_is_down_is_a_network_error_not_a_panic() {
    let s = store_with(|config| config.http.max_retries = 0);
    s.sandbox
        .inject(fault_on("GET", "/products", 1, 0, Fault::Drop));
    let err = s.woo.list_products(1).unwrap_err();
    assert!(matches!(err, ponte::Error::Network(_)), "{err:?}");
}

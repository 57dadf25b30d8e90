//! Capture reads a store's orders by key, so no order falls between two pages (RELIABILITY.md
//! scenario 6): not when the merchant changes orders while capture reads them, not when a
//! thousand orders share one modified second (which MySQL gives in no fixed order), and not when
//! a capture stops at its request limit.

mod common;

use std::collections::BTreeSet;

use common::capture::*;
use common::sync::*;
use ponte::capture::{CaptureReport, ReportFilter};
use ponte::sandbox::{Fault, FaultRule, WooSandbox};
use serde_json::json;

/// The store order ids in the journal.
fn journaled(rig: &mut Rig) -> BTreeSet<String> {
    rig.ponte
        .report("loja", &ReportFilter::default())
        .unwrap()
        .into_iter()
        .map(|row| row.store_order_id)
        .collect()
}

/// Sets an order's modification time, as the store's clock would have it.
fn modified_at(sandbox: &WooSandbox, id: &str, unix: i64) {
    let stamp = ponte::time::format_naive(unix);
    sandbox
        .update_order(id.parse().unwrap(), &json!({"date_modified_gmt": stamp}))
        .unwrap();
}

fn place_in(sandbox: &WooSandbox) -> String {
    sandbox
        .place_order(&shopper("A", 1, "processing", CPF))
        .unwrap()["id"]
        .to_string()
}

/// Processing orders: the `i`-th modified at `second(i)`.
fn orders(sandbox: &WooSandbox, n: usize, second: impl Fn(usize) -> i64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = place_in(sandbox);
            modified_at(sandbox, &id, second(i));
            id
        })
        .collect()
}

/// Processing orders in the store now.
fn processing(sandbox: &WooSandbox) -> BTreeSet<String> {
    sandbox
        .orders()
        .iter()
        .filter(|o| o["status"] == "processing")
        .map(|o| o["id"].to_string())
        .collect()
}

/// Holds the `nth` (from 1) order listing of the next capture until the test releases it.
fn hold_listing(sandbox: &WooSandbox, nth: u32) {
    sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/wp-json/wc/v3/orders".into()),
        times: 1,
        after: nth - 1,
        fault: Fault::Hold {
            name: "listing".into(),
        },
    });
}

/// Captures on another thread; while its held listing waits, `meanwhile` changes the store.
fn capture_while(rig: &mut Rig, meanwhile: impl FnOnce(&WooSandbox)) -> CaptureReport {
    let Rig { ponte, sandbox, .. } = &mut *rig;
    let sandbox = &*sandbox;
    std::thread::scope(|scope| {
        let capture = scope.spawn(|| ponte.capture_orders("loja").unwrap());
        assert!(sandbox.wait_held("listing"), "capture never listed orders");
        meanwhile(sandbox);
        sandbox.release("listing");
        capture.join().unwrap()
    })
}

/// Two days ago, in seconds.
fn two_days_ago() -> i64 {
    ponte::time::now_unix() - 2 * 86_400
}

#[test]
fn an_order_completed_while_page_one_is_read_does_not_push_another_between_pages() {
    let mut rig = stocked();
    let start = two_days_ago();
    let ids = orders(&rig.sandbox, 150, |i| start + 1000 * i as i64);
    hold_listing(&rig.sandbox, 2);
    let report = capture_while(&mut rig, |sandbox| {
        // The merchant completes the oldest order: every later one moves up a place.
        sandbox
            .update_order(ids[0].parse().unwrap(), &json!({"status": "completed"}))
            .unwrap();
    });
    assert_eq!(count(&report, "captured"), 150, "{:?}", report.counts);
    assert_eq!(journaled(&mut rig), ids.iter().cloned().collect());
    assert_eq!(report.unfinished, None);
    let again = capture(&mut rig);
    assert_eq!(count(&again, "captured"), 0);
}

#[test]
fn a_thousand_orders_sharing_one_modified_second_are_all_captured() {
    let mut rig = stocked();
    let second = two_days_ago();
    let ids: BTreeSet<String> = orders(&rig.sandbox, 1000, |_| second).into_iter().collect();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "captured"), 1000, "{:?}", report.counts);
    assert_eq!(journaled(&mut rig), ids);
    assert_eq!(report.unfinished, None);
    assert_eq!(
        report.watermark.as_deref(),
        Some(ponte::time::format_rfc3339(second).as_str())
    );
}

#[test]
fn orders_leaving_and_entering_a_crowded_second_between_pages_are_not_lost() {
    let mut rig = stocked();
    let second = two_days_ago();
    let ids = orders(&rig.sandbox, 450, |_| second);
    let mut late = Vec::new();
    // The third listing is inside the second's own pass.
    hold_listing(&rig.sandbox, 3);
    let report = capture_while(&mut rig, |sandbox| {
        for id in ids.iter().step_by(40) {
            sandbox
                .update_order(id.parse().unwrap(), &json!({"status": "completed"}))
                .unwrap();
        }
        for id in ids.iter().skip(5).step_by(50) {
            modified_at(sandbox, id, ponte::time::now_unix());
        }
        late = orders(sandbox, 3, |_| second + 5);
    });
    assert_eq!(report.unfinished, None);
    let journal = journaled(&mut rig);
    let missing: Vec<String> = processing(&rig.sandbox)
        .into_iter()
        .filter(|id| !journal.contains(id))
        .collect();
    assert!(missing.is_empty(), "never captured: {missing:?}");
    assert!(late.iter().all(|id| journal.contains(id)));
}

#[test]
fn a_capture_at_its_request_limit_stops_and_the_next_goes_on_from_what_it_proved() {
    let mut rig = Rig::with(|c| {
        capture_settings(c);
        c.order_capture.max_listing_requests = 2;
        c.order_capture.overlap_seconds = 0;
        // Later captures read every order modified since, and a received status written back
        // modifies 200 orders in one second: more than this capture's two pages could read.
        c.order_capture.received_status = None;
    });
    rig.sandbox.register_status("recebido");
    rig.put(&[product("1", "A", None, 1000, 10)]);
    rig.sync();
    let start = two_days_ago();
    let ids = orders(&rig.sandbox, 350, |i| start + 10 * i as i64);
    let first = capture(&mut rig);
    assert_eq!(count(&first, "captured"), 200);
    assert!(
        first
            .unfinished
            .as_deref()
            .is_some_and(|why| why.contains("order_capture.max_listing_requests")),
        "{:?}",
        first.unfinished
    );
    // The watermark stops before the last second read, which may hold more orders.
    let watermark = ponte::time::parse(first.watermark.as_deref().unwrap()).unwrap();
    assert_eq!(watermark, start + 10 * 199 - 1);
    let second = capture(&mut rig);
    assert_eq!(count(&second, "captured"), 150);
    assert_eq!(second.unfinished, None);
    assert_eq!(journaled(&mut rig), ids.into_iter().collect());
}

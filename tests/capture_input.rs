//! What a store may send in an order, and what capture does with it (RELIABILITY.md scenarios 7,
//! 19 and 29): quantities and amounts no real order has are rejected before anything is held; an
//! order Ponte cannot read (a number like `1e400`, bytes that are not UTF-8) is journaled failed
//! with its reason and an excerpt while the orders beside it are captured; a listing that never
//! ends stops; odd strings are kept verbatim.

mod common;

use common::capture::*;
use common::sync::*;
use ponte::capture::ReportFilter;
use ponte::sandbox::{Fault, FaultRule, WooSandbox};
use serde_json::{json, Value};

/// Replaces an order in the store with `change` applied to its JSON, as a store bug would.
fn tamper(sandbox: &WooSandbox, id: &str, change: impl FnOnce(&mut Value)) {
    let mut order = sandbox.order(id.parse().unwrap()).unwrap();
    change(&mut order);
    sandbox.seed_order(order).unwrap();
}

/// The next order listing is answered with `body` and these headers.
fn answer_listing_with(sandbox: &WooSandbox, body: Vec<u8>, headers: &[(&str, &str)], times: u32) {
    sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/wp-json/wc/v3/orders".into()),
        times,
        after: 0,
        fault: Fault::Bytes {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        },
    });
}

fn reasons_of(rig: &mut Rig, id: &str) -> Vec<String> {
    let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    let row = rows.iter().find(|r| r.store_order_id == id).unwrap();
    row.reasons.iter().map(|r| r.code.clone()).collect()
}

#[test]
fn a_quantity_no_real_order_has_is_rejected_and_never_held() {
    let mut rig = stocked();
    let sale = place(&rig, shopper("A", 1, "processing", CPF));
    let reservation = place(&rig, shopper("B", 1, "pending", CPF));
    for id in [&sale, &reservation] {
        tamper(&rig.sandbox, id, |order| {
            order["line_items"][0]["quantity"] = json!(i64::MAX);
        });
    }
    let report = capture(&mut rig);
    assert_eq!(count(&report, "rejected"), 2, "{:?}", report.counts);
    assert_eq!(count(&report, "reserved"), 0);
    for id in [&sale, &reservation] {
        assert_eq!(reasons_of(&mut rig, id), ["quantity_out_of_bounds"]);
    }
    assert!(rig.ponte.reservations("loja").unwrap().is_empty());
    assert!(report.pending.is_empty());
    // The rejection is written back like any other: status and a note with the reason.
    assert_eq!(store_status(&rig, &sale), "failed");
    let note = rig.sandbox.order_notes(sale.parse().unwrap())[0]["note"].clone();
    assert!(
        note.as_str()
            .unwrap()
            .contains("above the integration's limit of 100000"),
        "{note}"
    );
}

#[test]
fn an_amount_beyond_the_limit_is_rejected_by_name() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    tamper(&rig.sandbox, &id, |order| {
        order["total"] = json!("900000000000000.00");
    });
    capture(&mut rig);
    assert_eq!(reasons_of(&mut rig, &id), ["amount_out_of_bounds"]);
    let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    assert!(
        rows[0].reasons[0]
            .message
            .contains("total R$ 900000000000000,00"),
        "{}",
        rows[0].reasons[0].message
    );
}

#[test]
fn an_unreadable_order_is_journaled_failed_and_the_others_go_through() {
    let mut rig = stocked();
    let ids: Vec<String> = (0..3)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    let text = |id: &str| rig.sandbox.order(id.parse().unwrap()).unwrap().to_string();
    // A number no type holds, and bytes that are not UTF-8, each in one order of the page.
    let huge = text(&ids[1]).replacen("\"total\":\"", "\"total\":1e400,\"was\":\"", 1);
    let mut bad_bytes = text(&ids[2])
        .replacen("\"first_name\":\"Maria", "\"first_name\":\"Mar\u{1}a", 1)
        .into_bytes();
    let at = bad_bytes.iter().position(|b| *b == 1).unwrap();
    bad_bytes[at] = 0xff;
    let mut body = format!("[{},{huge},", text(&ids[0])).into_bytes();
    body.extend(bad_bytes);
    body.push(b']');
    answer_listing_with(
        &rig.sandbox,
        body,
        &[("X-WP-Total", "3"), ("X-WP-TotalPages", "1")],
        1,
    );

    let report = capture(&mut rig);
    assert_eq!(count(&report, "accepted"), 1, "{:?}", report.counts);
    assert_eq!(count(&report, "failed"), 2);
    let failed: Vec<(&str, &str)> = report
        .failures
        .iter()
        .map(|f| (f.store_id.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, ids[1]);
    assert!(
        failed[0].1.contains("number out of range") && failed[0].1.contains("1e400"),
        "{}",
        failed[0].1
    );
    assert_eq!(failed[1].0, ids[2]);
    assert!(
        failed[1].1.contains("not UTF-8") && failed[1].1.contains("Mar\u{fffd}a"),
        "{}",
        failed[1].1
    );
    // The next capture reads them by id, whole now, and they go through.
    let next = capture(&mut rig);
    assert_eq!(count(&next, "recovered"), 2, "{:?}", next.counts);
    assert_eq!((next.pending.len(), next.pending_total), (2, 3));
    assert_eq!(pending_ids(&mut rig).len(), 3);
}

#[test]
fn a_listing_that_never_ends_stops_and_says_so() {
    let mut rig = stocked();
    let ids: Vec<String> = (0..100)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    let page: Vec<Value> = ids
        .iter()
        .map(|id| rig.sandbox.order(id.parse().unwrap()).unwrap())
        .collect();
    let body = serde_json::to_vec(&page).unwrap();
    // The same 100 orders on every page of a million.
    let headers = [("X-WP-Total", "100000000"), ("X-WP-TotalPages", "1000000")];
    answer_listing_with(&rig.sandbox, body, &headers, 1_000_000);
    rig.sandbox.reset_counters();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "captured"), 100);
    let why = report.unfinished.as_deref().unwrap_or_default();
    assert!(why.contains("looks wrong"), "{why}");
    // Three listings: the first page (100 orders of one second), then that second by id, whose
    // second page brought nothing new.
    assert_eq!(
        rig.sandbox.counters()["GET /wp-json/wc/v3/orders"],
        3,
        "{:?}",
        rig.sandbox.counters()
    );
    rig.sandbox.clear_faults();
    let next = capture(&mut rig);
    assert_eq!(next.unfinished, None);
}

#[test]
fn odd_strings_are_kept_verbatim() {
    let mut rig = stocked();
    let mut order = shopper("A", 1, "processing", CPF);
    let name = "Zoë 😀 \u{202e}ailuJ\u{202c} ' OR 1=1; DROP TABLE order_journal;--";
    order["billing"]["first_name"] = json!(name);
    order["billing"]["address_1"] = json!("Rua \u{0}Nula, 1");
    let note = "x".repeat(10 * 1024 * 1024);
    order["customer_note"] = json!(note);
    let id = place(&rig, order);
    let report = capture(&mut rig);
    assert_eq!(count(&report, "accepted"), 1, "{:?}", report.counts);
    let sales = &all_pending(&mut rig.ponte, "loja", 0)[0].sales_order;
    assert_eq!(sales["store_order_id"], id.as_str());
    assert!(sales["customer"]["name"]
        .as_str()
        .unwrap()
        .starts_with(name));
    assert_eq!(sales["customer"]["billing"]["street"], "Rua \u{0}Nula, 1");
    assert_eq!(sales["customer_note"].as_str().unwrap().len(), note.len());
    // The journal is intact after the DROP TABLE in a name.
    assert_eq!(
        rig.ponte
            .report("loja", &ReportFilter::default())
            .unwrap()
            .len(),
        1
    );
}

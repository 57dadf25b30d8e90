//! Order capture against the WooCommerce sandbox with a real state file (RELIABILITY.md
//! scenarios 1 to 8): each order once, customers always registered, every rejection reason,
//! two-phase hand-off, write-backs exactly once, reservations, fix and retry, the report.

mod common;

use common::capture::*;
use common::sync::*;
use ponte::capture::ReportFilter;
use ponte::sandbox::{Fault, FaultRule};
use ponte::Error;
use serde_json::json;

#[test]
fn an_accepted_order_becomes_a_closed_sales_order_handed_out_until_confirmed() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 2, "processing", CPF));
    let report = capture(&mut rig);
    assert_eq!(
        (count(&report, "captured"), count(&report, "accepted")),
        (1, 1)
    );
    assert_eq!((report.pending.len(), report.pending_total), (1, 1));
    let sales = &report.pending[0].sales_order;
    assert_eq!(sales["status"], "closed");
    assert_eq!(
        (
            sales["payment_terms"].as_str(),
            sales["payment_method"].as_str()
        ),
        (Some("A VISTA"), Some("PIX"))
    );
    assert_eq!(
        sales["items"][0],
        json!({"erp_id": "1", "sku": "A", "store_sku": "A", "matched_by": "product", "name": "Produto 1", "quantity": 2,
        "unit_price_cents": 1000, "subtotal_cents": 2000, "total_cents": 2000})
    );
    assert_eq!(
        (
            sales["shipping_cents"].as_i64(),
            sales["total_cents"].as_i64()
        ),
        (Some(1500), Some(3500))
    );
    assert_eq!(sales["customer"]["cpf"], "52998224725");
    assert_eq!(sales["customer"]["email"], "maria@example.com.br");
    assert_eq!(sales["customer"]["billing"]["postcode"], "80010000");
    assert!(sales["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        sales.get("card").is_none() && sales.to_string().find("transaction").is_none(),
        "payment data leaked"
    );
    assert_eq!(
        store_status(&rig, &id),
        "recebido",
        "the received status was not written"
    );

    // In the pending list until the ERP confirms it; a capture reports it once, and counts it.
    assert_eq!(pending_ids(&mut rig), [id.as_str()]);
    let again = capture(&mut rig);
    assert_eq!(
        (
            count(&again, "captured"),
            again.pending.len(),
            again.pending_total
        ),
        (0, 0, 1)
    );
    assert_eq!(pending_ids(&mut rig), [id.as_str()]);
    rig.ponte.order_confirm("loja", &id, "PV-1001").unwrap();
    rig.ponte.order_confirm("loja", &id, "PV-1001").unwrap();
    let err = rig.ponte.order_confirm("loja", &id, "PV-9999").unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("already confirmed as ERP order PV-1001"),
        "{err}"
    );
    let confirmed = capture(&mut rig);
    assert_eq!((confirmed.pending.len(), confirmed.pending_total), (0, 0));
    assert!(pending_ids(&mut rig).is_empty());
    assert_eq!(
        store_status(&rig, &id),
        "completed",
        "the return status was not written"
    );
}

#[test]
fn two_captures_journal_each_order_once_and_write_back_once() {
    let mut rig = stocked();
    for _ in 0..3 {
        place(&rig, shopper("A", 1, "processing", CPF));
    }
    rig.sandbox.reset_counters();
    let first = capture(&mut rig);
    let second = capture(&mut rig);
    assert_eq!(
        (count(&first, "captured"), count(&second, "captured")),
        (3, 0)
    );
    assert_eq!(
        rig.ponte
            .report("loja", &ReportFilter::default())
            .unwrap()
            .len(),
        3
    );
    let counters = rig.sandbox.counters();
    assert_eq!(
        counters["POST /wp-json/wc/v3/orders/batch"], 1,
        "{counters:?}"
    );
    // A capture with nothing new costs one listing request.
    rig.sandbox.reset_counters();
    capture(&mut rig);
    assert_eq!(
        rig.sandbox.counters(),
        [("GET /wp-json/wc/v3/orders".to_string(), 1)].into()
    );
}

#[test]
fn every_rejection_reason_is_recorded_and_the_customer_is_registered_anyway() {
    let mut rig = stocked();
    rig.put(&[r#"{"erp_id":"3","name":"Oculto","brand_id":"TRAMONTINA","show_in_store":false,"sync_stock":true,
        "variants":[{"sku":"LOJA-OFF","price_cents":500}]}"#.into()]);
    rig.sandbox
        .seed_product(json!({"id": 991, "type": "simple", "name": "Oculto", "sku": "LOJA-OFF", "price": "5.00", "regular_price": "5.00", "parent_id": 0}))
        .unwrap();
    let unknown = place(&rig, shopper("LOJA-ONLY", 1, "processing", CPF));
    let unpublished = place(&rig, shopper("LOJA-OFF", 1, "processing", CPF));
    let bad_cpf = place(&rig, shopper("A", 1, "processing", "529.982.247-24"));
    let no_document = place(&rig, shopper("A", 1, "processing", ""));
    let mut no_city = shopper("A", 1, "processing", CPF);
    no_city["billing"]["city"] = json!("");
    let no_city = place(&rig, no_city);
    let mut dollars = shopper("A", 1, "processing", CPF);
    dollars["currency"] = json!("USD");
    let dollars = place(&rig, dollars);
    // A store order whose total does not add up, and one with a quantity of zero.
    let mut odd = rig.sandbox.order(bad_cpf.parse().unwrap()).unwrap();
    odd["id"] = json!(7001);
    odd["total"] = json!("1.00");
    odd["billing"]["cpf"] = json!("52998224725");
    rig.sandbox.seed_order(odd.clone()).unwrap();
    odd["id"] = json!(7002);
    odd["total"] = json!("15.00");
    odd["line_items"][0]["quantity"] = json!(0);
    odd["line_items"][0]["total"] = json!("0.00");
    rig.sandbox.seed_order(odd).unwrap();

    let report = capture(&mut rig);
    assert_eq!(count(&report, "rejected"), 8);
    let codes = |id: &str| -> Vec<String> {
        report
            .rejected
            .iter()
            .find(|r| r.store_order_id == id)
            .unwrap()
            .reasons
            .iter()
            .map(|r| r.code.clone())
            .collect()
    };
    assert_eq!(codes(&unknown), vec!["unknown_sku"]);
    assert_eq!(codes(&unpublished), vec!["product_not_published"]);
    assert_eq!(codes(&bad_cpf), vec!["document_invalid"]);
    assert_eq!(codes(&no_document), vec!["document_missing"]);
    assert_eq!(codes(&no_city), vec!["address_incomplete"]);
    assert_eq!(codes(&dollars), vec!["currency_mismatch"]);
    assert_eq!(codes("7001"), vec!["totals_mismatch"]);
    assert_eq!(codes("7002"), vec!["quantity_not_positive"]);
    let missing = report
        .rejected
        .iter()
        .find(|r| r.store_order_id == no_document)
        .unwrap();
    assert_eq!(
        missing.reasons[0].message,
        "The customer has no CPF or CNPJ."
    );
    assert!(missing.reasons[0].fixable);
    assert_eq!(missing.customer["name"], "Maria Silva");

    // Rejected status and a note with the reasons, each written once.
    assert_eq!(store_status(&rig, &bad_cpf), "failed");
    let notes = rig.sandbox.order_notes(bad_cpf.parse().unwrap());
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["note"],
        "Order not imported into the ERP. Reason: CPF 52998224724 is invalid."
    );
    capture(&mut rig);
    assert_eq!(rig.sandbox.order_notes(bad_cpf.parse().unwrap()).len(), 1);
    let rows = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                state: Some("rejected".into()),
                ..ReportFilter::default()
            },
        )
        .unwrap();
    assert_eq!(rows.len(), 8);
    assert!(
        rows.iter()
            .all(|r| r.customer == "Maria Silva" && r.writeback == "done"),
        "{rows:#?}"
    );
}

#[test]
fn the_erp_can_reject_a_pending_order_with_its_reason() {
    let mut rig = stocked();
    let id = place(&rig, shopper("B", 1, "processing", CPF));
    capture(&mut rig);
    let state = rig
        .ponte
        .order_reject("loja", &id, "Cliente com cadastro bloqueado")
        .unwrap();
    assert_eq!(state.state, "rejected");
    assert!(
        rig.ponte
            .order_reject("loja", &id, "Cliente com cadastro bloqueado")
            .is_ok(),
        "rejecting twice"
    );
    assert!(matches!(
        rig.ponte.order_confirm("loja", &id, "PV-1"),
        Err(Error::Conflict(_))
    ));
    assert!(capture(&mut rig).pending.is_empty());
    assert_eq!(store_status(&rig, &id), "failed");
    let notes = rig.sandbox.order_notes(id.parse().unwrap());
    assert_eq!(
        notes[0]["note"],
        "Order not imported into the ERP. Reason: Cliente com cadastro bloqueado"
    );
    assert!(matches!(
        rig.ponte.order_confirm("loja", "424242", "PV-2"),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_reservation_holds_stock_then_becomes_a_sale_and_confirmation_releases_it() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 3, "pending", CPF));
    let report = capture(&mut rig);
    assert_eq!((count(&report, "reserved"), report.pending.len()), (1, 0));
    let held = rig.ponte.reservations("loja").unwrap();
    assert_eq!(
        (
            held[0].sku.as_str(),
            held[0].kind.as_str(),
            held[0].quantity
        ),
        ("A", "reservation", 3)
    );
    // Product sync sends what can be sold: 10 in the ERP, 3 reserved.
    rig.sync();
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 7);

    rig.sandbox
        .update_order(id.parse().unwrap(), &json!({"status": "processing"}))
        .unwrap();
    let report = capture(&mut rig);
    assert_eq!(
        (count(&report, "became_sale"), report.pending.len()),
        (1, 1)
    );
    assert_eq!(
        rig.ponte.reservations("loja").unwrap()[0].kind,
        "unconfirmed"
    );
    rig.ponte.order_confirm("loja", &id, "PV-7").unwrap();
    assert!(rig.ponte.reservations("loja").unwrap().is_empty());
    rig.sync();
    assert_eq!(
        rig.store_items("A")[0]["stock_quantity"],
        10,
        "the ERP's stock now has the sale"
    );
}

#[test]
fn a_cancelled_reservation_is_released() {
    let mut rig = stocked();
    let id = place(&rig, shopper("B", 2, "pending", CPF));
    capture(&mut rig);
    rig.sandbox
        .update_order(id.parse().unwrap(), &json!({"status": "cancelled"}))
        .unwrap();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "released"), 1);
    assert!(rig.ponte.reservations("loja").unwrap().is_empty());
    let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    assert_eq!(rows[0].state, "cancelled");
}

#[test]
fn a_crash_before_the_hand_off_returns_the_orders_again_and_each_once() {
    let mut rig = stocked();
    let ids: Vec<String> = (0..150)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    // The second page fails until the retries are spent: the first page is journaled, the
    // capture returns an error and the ERP gets nothing.
    rig.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/orders".into()),
        times: 10,
        after: 1,
        fault: Fault::Status {
            status: 500,
            body: "{}".into(),
        },
    });
    assert!(rig.ponte.capture_orders("loja").is_err());
    rig.sandbox.clear_faults();
    // The ERP restarts: a new handle on the same file, with the credentials given again.
    rig.ponte = another_handle(&rig);
    let report = capture(&mut rig);
    assert_eq!(
        count(&report, "captured"),
        50,
        "the first page was journaled before the failure"
    );
    // The report has the orders new to this capture; the pending list has all of them, the
    // ones the failed capture journaled included, each once.
    assert_eq!((report.pending.len(), report.pending_total), (50, 150));
    // A limit of 0 is a page of 100.
    let first = rig.ponte.orders_pending("loja", None, 0).unwrap();
    assert_eq!(first.orders.len(), 100);
    let rest = rig
        .ponte
        .orders_pending("loja", first.next.as_deref(), 0)
        .unwrap();
    assert_eq!((rest.orders.len(), rest.next), (50, None));
    let mut handed = pending_ids(&mut rig);
    handed.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(handed, expected);
}

#[test]
fn orders_placed_while_pages_are_read_are_not_lost() {
    let mut rig = stocked();
    let mut ids: Vec<String> = (0..150)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    rig.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/orders".into()),
        times: 1,
        after: 1,
        fault: Fault::Slow { delay_ms: 600 },
    });
    let Rig { ponte, sandbox, .. } = &mut rig;
    let sandbox = &*sandbox;
    let placed = std::thread::scope(|scope| {
        let shop = scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(200));
            (0..5)
                .map(|_| {
                    sandbox
                        .place_order(&shopper("B", 1, "processing", CPF))
                        .unwrap()["id"]
                        .as_u64()
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
        });
        let first = ponte.capture_orders("loja").unwrap();
        (first, shop.join().unwrap())
    });
    let (first, late) = placed;
    let second = capture(&mut rig);
    ids.extend(late);
    assert_eq!(count(&first, "captured") + count(&second, "captured"), 155);
    let mut journaled: Vec<String> = rig
        .ponte
        .report("loja", &ReportFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.store_order_id)
        .collect();
    journaled.sort();
    ids.sort();
    assert_eq!(journaled, ids);
}

#[test]
fn a_status_write_back_whose_answer_is_lost_is_checked_not_resent() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    rig.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/orders/batch".into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    let report = capture(&mut rig);
    assert_eq!(count(&report, "writebacks_waiting"), 1);
    assert_eq!(store_status(&rig, &id), "recebido", "applied by the store");
    let report = capture(&mut rig);
    assert_eq!(
        (
            count(&report, "writebacks_done"),
            count(&report, "writebacks_waiting")
        ),
        (1, 0)
    );
    assert_eq!(
        rig.sandbox.counters()["POST /wp-json/wc/v3/orders/batch"],
        1,
        "sent twice"
    );
}

#[test]
fn a_note_whose_answer_is_lost_is_checked_not_added_twice() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", ""));
    rig.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/notes".into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    capture(&mut rig);
    capture(&mut rig);
    assert_eq!(rig.sandbox.order_notes(id.parse().unwrap()).len(), 1);
    let rows = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                text: Some(id.clone()),
                ..ReportFilter::default()
            },
        )
        .unwrap();
    assert_eq!(rows[0].writeback, "done");
}

#[test]
fn a_rejected_order_is_accepted_after_the_data_is_fixed() {
    let mut rig = stocked();
    let id = place(&rig, shopper("LOJA-ONLY", 1, "processing", CPF));
    capture(&mut rig);
    let still = rig.ponte.order_retry("loja", &id).unwrap();
    assert_eq!(
        (still.state.as_str(), still.reasons[0].code.as_str()),
        ("rejected", "unknown_sku")
    );
    // The user registers the product in the ERP.
    rig.put(&[product("9", "LOJA-ONLY", None, 500, 4)]);
    let fixed = rig.ponte.order_retry("loja", &id).unwrap();
    assert_eq!(fixed.state, "pending");
    let pending = rig.ponte.orders_pending("loja", None, 0).unwrap();
    assert_eq!(pending.orders[0].sales_order["items"][0]["erp_id"], "9");
    assert_eq!(pending.next, None);
    // A retried order is in the pending list, not in a capture report: it is no new order.
    let report = capture(&mut rig);
    assert_eq!((report.pending.len(), report.pending_total), (0, 1));
    assert_eq!(store_status(&rig, &id), "recebido");
    assert!(matches!(
        rig.ponte.order_retry("loja", &id),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn an_unreadable_order_is_journaled_as_failed_and_read_again_later() {
    let mut rig = stocked();
    let good = place(&rig, shopper("A", 1, "processing", CPF));
    let mut broken = rig.sandbox.order(good.parse().unwrap()).unwrap();
    broken["id"] = json!(8001);
    broken["total"] = json!("abc");
    rig.sandbox.seed_order(broken.clone()).unwrap();
    let report = capture(&mut rig);
    assert_eq!(
        (count(&report, "accepted"), count(&report, "failed")),
        (1, 1)
    );
    assert_eq!(report.failures[0].store_id, "8001");
    let rows = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                state: Some("failed".into()),
                ..ReportFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        rows[0].reasons[0].message,
        r#"total: "abc" is not a decimal amount"#
    );
    // The store's data is fixed: the next capture reads the order again by id.
    broken["total"] = json!("25.00");
    rig.sandbox.seed_order(broken).unwrap();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "recovered"), 1);
    assert!(report.pending.iter().any(|p| p.store_order_id == "8001"));
}

#[test]
fn a_returning_customer_is_recognised_by_document_then_email() {
    let mut rig = stocked();
    let first = place(&rig, shopper("A", 1, "processing", CPF));
    let mut same_cpf = shopper("B", 1, "processing", CPF);
    same_cpf["billing"]["email"] = json!("outro@example.com.br");
    let second = place(&rig, same_cpf);
    let report = capture(&mut rig);
    let customer = |id: &str| {
        report
            .pending
            .iter()
            .find(|p| p.store_order_id == id)
            .unwrap()
            .sales_order["customer_key"]
            .clone()
    };
    assert!(customer(&first).is_string());
    assert_eq!(customer(&first), customer(&second));
}

#[test]
fn the_report_filters_by_period_state_and_text() {
    let mut rig = stocked();
    let accepted = place(&rig, shopper("A", 1, "processing", CPF));
    place(&rig, shopper("LOJA-ONLY", 1, "processing", CPF));
    capture(&mut rig);
    rig.ponte
        .order_confirm("loja", &accepted, "PV-555")
        .unwrap();
    let all = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let by_text = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                text: Some("pv-555".into()),
                ..ReportFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        (by_text.len(), by_text[0].erp_order_number.as_deref()),
        (1, Some("PV-555"))
    );
    assert_eq!(by_text[0].total_cents, 2500);
    let future = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                from: Some("2999-01-01".into()),
                ..ReportFilter::default()
            },
        )
        .unwrap();
    assert!(future.is_empty());
    let err = rig
        .ponte
        .report(
            "loja",
            &ReportFilter {
                state: Some("lost".into()),
                ..ReportFilter::default()
            },
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("filter.state: \"lost\" is not one of"),
        "{err}"
    );
}

#[test]
fn a_second_handle_cannot_capture_while_a_capture_runs() {
    let mut rig = stocked();
    place(&rig, shopper("A", 1, "processing", CPF));
    let mut other = another_handle(&rig);
    rig.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/orders".into()),
        times: 1,
        after: 0,
        fault: Fault::Slow { delay_ms: 3000 },
    });
    // The sync of `stocked` listed orders too: count only the capture's listing.
    rig.sandbox.reset_counters();
    let Rig { ponte, sandbox, .. } = &mut rig;
    let sandbox = &*sandbox;
    std::thread::scope(|scope| {
        let first = scope.spawn(|| ponte.capture_orders("loja"));
        // The first capture holds its lease before it lists orders, and its listing is slow.
        common::wait_until("the first capture lists orders", || {
            sandbox.counters().contains_key("GET /wp-json/wc/v3/orders")
        });
        let err = other.capture_orders("loja").unwrap_err();
        assert!(matches!(err, Error::RunningElsewhere(_)), "{err:?}");
        assert!(
            err.to_string()
                .contains("a capture of integration 'loja' is already running"),
            "{err}"
        );
        assert_eq!(first.join().unwrap().unwrap().pending.len(), 1);
    });
    // Once it ended, the other handle captures (nothing new) without trouble.
    let report = other.capture_orders("loja").unwrap();
    assert_eq!((report.pending.len(), report.pending_total), (0, 1));
}

/// Orders whose modification time is behind the watermark when they become visible (a slow
/// database replica, a plugin writing late): scenario 5.
fn late_order(overlap_seconds: u32) -> (Rig, String, u64) {
    let mut rig = Rig::with(|c| {
        capture_settings(c);
        c.order_capture.overlap_seconds = overlap_seconds;
    });
    rig.sandbox.register_status("recebido");
    rig.put(&[product("1", "A", None, 1000, 10)]);
    rig.sync();
    place(&rig, shopper("A", 1, "processing", CPF));
    let first = capture(&mut rig);
    let watermark = ponte::time::parse(first.watermark.as_deref().unwrap()).unwrap();
    // The order appears now, modified ten seconds before what the last capture saw.
    let late = place(&rig, shopper("A", 1, "processing", CPF));
    let stamp = ponte::time::format_naive(watermark - 10);
    rig.sandbox
        .update_order(late.parse().unwrap(), &json!({"date_modified_gmt": stamp}))
        .unwrap();
    let second = capture(&mut rig);
    (rig, late, count(&second, "captured"))
}

#[test]
fn an_order_that_becomes_visible_late_is_caught_by_the_overlap() {
    let (_rig, _late, captured) = late_order(600);
    assert_eq!(captured, 1);
}

#[test]
fn without_an_overlap_the_late_order_would_be_missed() {
    // The reason `overlap_seconds` exists: with none, the order stays behind the watermark.
    let (_rig, _late, captured) = late_order(0);
    assert_eq!(captured, 0);
}

#[test]
fn a_capture_with_nothing_new_hands_out_no_order_but_counts_every_one_waiting() {
    let mut rig = stocked();
    rig.put(&[product("1", "A", None, 1000, 1000)]);
    rig.sync();
    for _ in 0..30 {
        place(&rig, shopper("A", 1, "processing", CPF));
    }
    let first = capture(&mut rig);
    assert_eq!((first.pending.len(), first.pending_total), (30, 30));
    // Ponte's received statuses modified every order: read again, nothing new.
    let again = capture(&mut rig);
    assert_eq!(count(&again, "seen_again"), 30, "{:?}", again.counts);
    assert_eq!((again.pending.len(), again.pending_total), (0, 30));
    let quiet = capture(&mut rig);
    assert_eq!((quiet.pending.len(), quiet.pending_total), (0, 30));
    // One new order among them: only it is in the report.
    let new = place(&rig, shopper("A", 1, "processing", CPF));
    let report = capture(&mut rig);
    let handed: Vec<&str> = report
        .pending
        .iter()
        .map(|p| p.store_order_id.as_str())
        .collect();
    assert_eq!((handed, report.pending_total), (vec![new.as_str()], 31));
}

#[test]
fn the_pending_list_pages_hand_each_order_once_while_orders_are_confirmed_between_them() {
    let mut rig = stocked();
    rig.put(&[product("1", "A", None, 1000, 1000)]);
    rig.sync();
    for _ in 0..23 {
        place(&rig, shopper("A", 1, "processing", CPF));
    }
    capture(&mut rig);
    // The list in one page, for its order: each page of 4 follows it.
    let whole = rig.ponte.orders_pending("loja", None, 1000).unwrap();
    assert_eq!((whole.orders.len(), &whole.next), (23, &None));
    let order: Vec<String> = whole.orders.into_iter().map(|p| p.store_order_id).collect();
    assert_eq!(all_pending(&mut rig.ponte, "loja", 4).len(), 23);

    // While the ERP reads 4 at a time, it confirms orders already handed out, the last one of
    // the page it holds (the cursor's own order), and orders ahead of the cursor.
    let (mut handed, mut after, mut page_number) = (Vec::new(), None::<String>, 0);
    let mut confirmed = Vec::new();
    loop {
        let page = rig
            .ponte
            .orders_pending("loja", after.as_deref(), 4)
            .unwrap();
        assert!(page.orders.len() <= 4);
        let ids: Vec<String> = page
            .orders
            .iter()
            .map(|p| p.store_order_id.clone())
            .collect();
        handed.extend(ids.iter().cloned());
        page_number += 1;
        let mut confirm = |id: &str| {
            rig.ponte
                .order_confirm("loja", id, &format!("PV-{id}"))
                .unwrap();
            confirmed.push(id.to_string());
        };
        match page_number {
            1 => confirm(&ids[0]),
            2 => confirm(ids.last().unwrap()),
            3 => {
                // Two ahead of the cursor: never handed out now.
                let at = order
                    .iter()
                    .position(|id| id == ids.last().unwrap())
                    .unwrap();
                confirm(&order[at + 1]);
                confirm(&order[at + 3]);
            }
            _ => {}
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let skipped_ahead: Vec<&String> = confirmed[2..].iter().collect();
    let expected: Vec<&String> = order
        .iter()
        .filter(|id| !skipped_ahead.contains(id))
        .collect();
    assert_eq!(
        handed.iter().collect::<Vec<_>>(),
        expected,
        "each once, in order, none skipped"
    );
    // What is left is what the ERP did not confirm, each once.
    let left = pending_ids(&mut rig);
    let expected: Vec<&String> = order.iter().filter(|id| !confirmed.contains(id)).collect();
    assert_eq!(left.iter().collect::<Vec<_>>(), expected);
    assert_eq!(capture(&mut rig).pending_total, 19);
}

#[test]
fn a_page_size_or_cursor_ponte_cannot_take_is_refused_by_name() {
    let mut rig = stocked();
    place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    for limit in [1001, u32::MAX] {
        match rig.ponte.orders_pending("loja", None, limit) {
            Err(Error::InvalidArgument { argument, message }) => {
                assert_eq!(argument, "limit");
                assert!(message.contains(&limit.to_string()), "{message}");
                assert!(message.contains("1 to 1000"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    let long = "x".repeat(500);
    for cursor in [
        "",
        "p",
        "p-3",
        "3",
        "p3 ",
        "p99999999999999999999",
        long.as_str(),
    ] {
        match rig.ponte.orders_pending("loja", Some(cursor), 0) {
            Err(err @ Error::InvalidArgument { .. }) => {
                let text = err.to_string();
                assert!(text.starts_with("argument `after` is '"), "{text}");
                assert!(text.len() < 200, "the cursor is cut short: {text}");
            }
            other => panic!("{cursor:?}: {other:?}"),
        }
    }
    // The bounds themselves are fine; 0 is the default of 100.
    for limit in [0, 1, 1000] {
        let page = rig.ponte.orders_pending("loja", None, limit).unwrap();
        assert_eq!((page.orders.len(), page.next), (1, None));
    }
    assert!(matches!(
        rig.ponte.orders_pending("nenhuma", None, 0),
        Err(Error::IntegrationNotFound(_))
    ));
}

#[test]
fn status_write_backs_of_several_batches_go_out_together_and_each_order_holds_its_status() {
    let mut rig = stocked();
    let ids: Vec<String> = (0..250)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    rig.sandbox.reset_counters();
    let report = capture(&mut rig);
    assert_eq!(report.counts["captured"], 250);
    assert_eq!(report.counts["writebacks_done"], 250, "{:?}", report.counts);
    assert_eq!(
        rig.sandbox.counters()["POST /wp-json/wc/v3/orders/batch"],
        3,
        "100 statuses a request"
    );
    for id in &ids {
        assert_eq!(store_status(&rig, id), "recebido", "order {id}");
    }
}

//! The order's whole life against the WooCommerce sandbox: lines resolved through links, the
//! journal following the store after capture (cancellations, late payments, statuses the
//! merchant sets, changes before confirmation), order events, customers handed to the ERP once,
//! and the ERP's view of an order (an alphanumeric CNPJ, the payment as information).

mod common;

use common::capture::*;
use common::sync::*;
use ponte::capture::ReportFilter;
use ponte::sandbox::{Fault, FaultRule};
use ponte::Error;
use serde_json::json;

fn state_of(rig: &mut Rig, id: &str) -> ponte::capture::ReportRow {
    rig.ponte
        .report("loja", &ReportFilter::default())
        .unwrap()
        .into_iter()
        .find(|r| r.store_order_id == id)
        .unwrap()
}

fn holds_of(rig: &mut Rig, id: &str) -> Vec<(String, i64)> {
    rig.ponte
        .reservations("loja")
        .unwrap()
        .into_iter()
        .filter(|r| r.store_order_id == id)
        .map(|r| (r.sku, r.quantity))
        .collect()
}

fn events(rig: &mut Rig, id: &str) -> Vec<ponte::capture::OrderEvent> {
    rig.ponte
        .order_events("loja")
        .unwrap()
        .into_iter()
        .filter(|e| e.store_order_id == id)
        .collect()
}

fn set_status(rig: &Rig, id: &str, status: &str) {
    rig.sandbox
        .update_order(id.parse().unwrap(), &json!({"status": status}))
        .unwrap();
}

#[test]
fn an_order_for_a_product_linked_by_ean_keeps_both_skus_and_is_accepted() {
    let mut rig = rig();
    // The merchant's product predates the integration, with a SKU of the store's own.
    rig.sandbox
        .seed_product(json!({"id": 700, "type": "simple", "name": "Mochila", "sku": "MOCHILA-ANTIGA",
            "global_unique_id": "7891000100103", "price": "90.00", "regular_price": "90.00", "parent_id": 0,
            "manage_stock": true, "stock_quantity": 5}))
        .unwrap();
    rig.put(&[product("40", "MOC-1", Some("7891000100103"), 9000, 5)]);
    rig.sync();
    assert_eq!(
        rig.store_items("MOCHILA-ANTIGA").len(),
        1,
        "linked, not duplicated"
    );

    let id = place(&rig, shopper("MOCHILA-ANTIGA", 1, "processing", CPF));
    let report = capture(&mut rig);
    assert_eq!(count(&report, "accepted"), 1, "{:?}", report.rejected);
    let item = &report.pending[0].sales_order["items"][0];
    assert_eq!(
        (
            item["sku"].as_str(),
            item["store_sku"].as_str(),
            item["erp_id"].as_str()
        ),
        (Some("MOC-1"), Some("MOCHILA-ANTIGA"), Some("40"))
    );
    // The stock held is the ERP's product's.
    assert_eq!(holds_of(&mut rig, &id), vec![("MOC-1".to_string(), 1)]);
}

#[test]
fn a_rejected_order_is_accepted_on_retry_once_sync_links_its_product() {
    let mut rig = stocked();
    rig.sandbox
        .seed_product(json!({"id": 991, "type": "simple", "name": "Garrafa", "sku": "LOJA-GTIN",
            "global_unique_id": "7891000055120", "price": "5.00", "regular_price": "5.00", "parent_id": 0}))
        .unwrap();
    // LOJA-GTIN is in the store only: the order is rejected.
    let id = place(&rig, shopper("LOJA-GTIN", 1, "processing", CPF));
    let report = capture(&mut rig);
    assert_eq!(report.rejected[0].reasons[0].code, "unknown_sku");
    // The ERP registers the product with its own SKU and the store product's EAN; sync links them.
    rig.put(&[product("55", "ERP-55", Some("7891000055120"), 500, 3)]);
    rig.sync();
    assert_eq!(rig.store_items("LOJA-GTIN").len(), 1);
    assert!(
        rig.store_items("ERP-55").is_empty(),
        "linked, not duplicated"
    );

    let retried = rig.ponte.order_retry("loja", &id).unwrap();
    assert_eq!(retried.state, "pending", "{:?}", retried.reasons);
    let pending = all_pending(&mut rig.ponte, "loja", 0);
    let item = &pending[0].sales_order["items"][0];
    assert_eq!(
        (item["sku"].as_str(), item["store_sku"].as_str()),
        (Some("ERP-55"), Some("LOJA-GTIN"))
    );
}

#[test]
fn a_pending_order_cancelled_in_the_store_leaves_the_queue_and_releases_its_hold() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 2, "processing", CPF));
    capture(&mut rig);
    assert_eq!(store_status(&rig, &id), "recebido");
    assert_eq!(holds_of(&mut rig, &id), vec![("A".to_string(), 2)]);

    set_status(&rig, &id, "cancelled");
    let report = capture(&mut rig);
    assert_eq!(count(&report, "cancelled_in_store"), 1);
    assert_eq!((report.pending.len(), report.pending_total), (0, 0));
    assert!(pending_ids(&mut rig).is_empty());
    assert!(holds_of(&mut rig, &id).is_empty());
    assert_eq!(state_of(&mut rig, &id).state, "cancelled");
    assert_eq!(state_of(&mut rig, &id).store_status, "cancelled");
    let told = events(&mut rig, &id);
    assert_eq!(told.len(), 1);
    assert_eq!(
        (
            told[0].kind.as_str(),
            told[0].detail["store_status"].as_str()
        ),
        ("cancelled", Some("cancelled"))
    );
    // Confirming it now is refused: it is no longer the ERP's to take.
    assert!(matches!(
        rig.ponte.order_confirm("loja", &id, "PV-1"),
        Err(Error::Conflict(_))
    ));
    assert_eq!(store_status(&rig, &id), "cancelled");
}

#[test]
fn a_queued_received_status_is_dropped_when_the_merchant_cancels_first() {
    let mut rig = stocked();
    // The received status cannot be sent: the store fails every batch.
    rig.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/orders/batch".into()),
        times: 10,
        after: 0,
        fault: Fault::Status {
            status: 500,
            body: "{}".into(),
        },
    });
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    let first = capture(&mut rig);
    assert_eq!(count(&first, "writebacks_waiting"), 1);
    rig.sandbox.clear_faults();

    set_status(&rig, &id, "cancelled");
    let second = capture(&mut rig);
    assert_eq!(count(&second, "writebacks_done"), 0);
    // The merchant's cancellation stands: the order was not revived as received.
    assert_eq!(store_status(&rig, &id), "cancelled");
    let row = state_of(&mut rig, &id);
    assert_eq!(row.state, "cancelled");
    assert!(
        row.writeback.contains("received dropped"),
        "{}",
        row.writeback
    );
}

#[test]
fn a_return_status_is_dropped_when_the_store_moved_the_order_on_since_it_was_queued() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    rig.ponte.order_confirm("loja", &id, "PV-9").unwrap();
    // Before the next capture sends `completed`, the merchant puts the order on hold.
    set_status(&rig, &id, "on-hold");
    let report = capture(&mut rig);
    assert_eq!(count(&report, "writebacks_dropped"), 1);
    assert_eq!(store_status(&rig, &id), "on-hold");
    let row = state_of(&mut rig, &id);
    assert_eq!(
        (row.state.as_str(), row.store_status.as_str()),
        ("confirmed", "on-hold")
    );
    assert!(
        row.writeback.contains("return dropped"),
        "{}",
        row.writeback
    );
    let told = events(&mut rig, &id);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, "status_changed");
    assert_eq!(told[0].erp_order_number.as_deref(), Some("PV-9"));
    assert_eq!(told[0].detail["previous_store_status"], "recebido");
}

#[test]
fn a_cancelled_reservation_paid_late_becomes_a_pending_order_for_the_erp() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 3, "pending", CPF));
    assert_eq!(count(&capture(&mut rig), "reserved"), 1);
    // Not paid in time: the store cancels it.
    set_status(&rig, &id, "cancelled");
    assert_eq!(count(&capture(&mut rig), "released"), 1);
    assert!(holds_of(&mut rig, &id).is_empty());
    // The boleto is paid after all.
    set_status(&rig, &id, "processing");
    let report = capture(&mut rig);
    assert_eq!(
        (count(&report, "revived"), count(&report, "accepted")),
        (1, 1)
    );
    assert!(report.pending.iter().any(|p| p.store_order_id == id));
    assert_eq!(
        holds_of(&mut rig, &id),
        vec![("A".to_string(), 3)],
        "held as unconfirmed"
    );
    assert_eq!(store_status(&rig, &id), "recebido");
}

#[test]
fn a_confirmed_order_cancelled_in_the_store_reaches_the_erp_once_until_acknowledged() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    assert_eq!(
        state_of(&mut rig, &id).store_status,
        "recebido",
        "written by Ponte"
    );
    rig.ponte.order_confirm("loja", &id, "PV-3").unwrap();
    capture(&mut rig);
    assert_eq!(store_status(&rig, &id), "completed");
    assert_eq!(
        state_of(&mut rig, &id).store_status,
        "completed",
        "written by Ponte"
    );
    assert!(
        events(&mut rig, &id).is_empty(),
        "Ponte's own write-backs are no events"
    );

    set_status(&rig, &id, "cancelled");
    capture(&mut rig);
    capture(&mut rig);
    let told = events(&mut rig, &id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "cancelled");
    assert_eq!(told[0].order_state, "confirmed");
    assert_eq!(state_of(&mut rig, &id).store_status, "cancelled");

    let acked = rig.ponte.order_event_ack("loja", told[0].event_id).unwrap();
    assert!(acked.acknowledged);
    assert!(events(&mut rig, &id).is_empty());
    // Again is fine; an event that does not exist is named.
    rig.ponte.order_event_ack("loja", told[0].event_id).unwrap();
    match rig.ponte.order_event_ack("loja", 987_654) {
        Err(Error::NotFound(message)) => assert!(message.contains("987654"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pending_order_changed_in_the_store_is_handed_over_again_as_it_is_now() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    rig.sandbox
        .update_order(
            id.parse().unwrap(),
            &json!({"billing": {"address_1": "Avenida Brasil", "postcode": "80020-000"}}),
        )
        .unwrap();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "changed"), 1);
    // No new order: the ERP hears of the change through the event, and the pending list has the
    // order as it is now.
    assert_eq!((report.pending.len(), report.pending_total), (0, 1));
    let pending = all_pending(&mut rig.ponte, "loja", 0);
    let order = pending.iter().find(|p| p.store_order_id == id).unwrap();
    assert_eq!(
        order.sales_order["customer"]["billing"]["street"],
        "Avenida Brasil"
    );
    let told = events(&mut rig, &id);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, "changed");
    assert_eq!(told[0].detail["changed"], json!(["billing_address"]));
    assert_eq!(
        count(&report, "writebacks_done"),
        0,
        "received is not sent twice"
    );
}

#[test]
fn every_customer_is_offered_until_the_erp_confirms_and_again_when_they_change() {
    let mut rig = stocked();
    let accepted = place(&rig, shopper("A", 1, "processing", CPF));
    let mut other = shopper("LOJA-ONLY", 1, "processing", "111.444.777-35");
    other["billing"]["email"] = json!("joao@example.com.br");
    place(&rig, other);
    let report = capture(&mut rig);
    let rejected_key = report.rejected[0].customer_key.clone().unwrap();
    let offers = rig.ponte.customers_pending("loja").unwrap();
    assert_eq!(offers.len(), 2, "{offers:?}");
    assert!(offers.iter().all(|o| o.kind == "new"));
    let rejected_offer = offers
        .iter()
        .find(|o| o.customer_key == rejected_key)
        .unwrap();
    assert_eq!(rejected_offer.customer["cpf"], "11144477735");
    assert_eq!(rejected_offer.customer["billing"]["neighborhood"], "Centro");
    assert_eq!(rejected_offer.customer["billing"]["postcode"], "80010000");
    assert_eq!(rejected_offer.customer["phone"], "(41) 3333-0000");

    // The pending order names its customer; once the ERP confirms them, their ERP id too.
    let pending = &all_pending(&mut rig.ponte, "loja", 0)[0];
    assert_eq!(pending.store_order_id, accepted);
    let key = pending.customer_key.clone().unwrap();
    assert_eq!(pending.erp_customer_id, None);
    rig.ponte.customer_confirm("loja", &key, "CLI-77").unwrap();
    rig.ponte.customer_confirm("loja", &key, "CLI-77").unwrap();
    match rig.ponte.customer_confirm("loja", &key, "CLI-78") {
        Err(Error::Conflict(message)) => assert!(message.contains("CLI-77"), "{message}"),
        other => panic!("{other:?}"),
    }
    match rig.ponte.customer_confirm("loja", "999999", "CLI-1") {
        Err(Error::NotFound(message)) => assert!(message.contains("999999"), "{message}"),
        other => panic!("{other:?}"),
    }
    let pending = &all_pending(&mut rig.ponte, "loja", 0)[0];
    assert_eq!(pending.erp_customer_id.as_deref(), Some("CLI-77"));
    assert_eq!(pending.sales_order["erp_customer_id"], "CLI-77");
    assert_eq!(rig.ponte.customers_pending("loja").unwrap().len(), 1);

    // The same CPF orders again from a new address: offered again, as an update.
    let mut moved = shopper("A", 1, "processing", CPF);
    moved["billing"]["address_1"] = json!("Rua Nova");
    place(&rig, moved);
    capture(&mut rig);
    let offers = rig.ponte.customers_pending("loja").unwrap();
    let update = offers.iter().find(|o| o.customer_key == key).unwrap();
    assert_eq!(update.kind, "update");
    assert_eq!(update.erp_customer_id.as_deref(), Some("CLI-77"));
    assert_eq!(update.customer["billing"]["street"], "Rua Nova");
    rig.ponte.customer_confirm("loja", &key, "CLI-77").unwrap();
    assert!(rig
        .ponte
        .customers_pending("loja")
        .unwrap()
        .iter()
        .all(|o| o.customer_key != key));
}

#[test]
fn an_alphanumeric_cnpj_is_kept_as_sent_and_the_payment_is_shown_as_information() {
    let mut rig = stocked();
    let mut company = shopper("A", 1, "processing", CPF);
    let billing = company["billing"].as_object_mut().unwrap();
    billing.remove("cpf");
    billing.insert("persontype".into(), json!("J"));
    billing.insert("cnpj".into(), json!("12.ABC.345/01DE-35"));
    billing.insert("company".into(), json!("Loja Alfa Ltda"));
    company["payment_method"] = json!("pix");
    company["transaction_id"] = json!("E00000000202612011200abcdef");
    place(&rig, company);
    let report = capture(&mut rig);
    assert_eq!(count(&report, "accepted"), 1, "{:?}", report.rejected);
    let sales = &report.pending[0].sales_order;
    assert_eq!(sales["customer"]["cnpj"], "12ABC34501DE35");
    assert_eq!(sales["customer"]["person_type"], "company");
    assert_eq!(sales["customer"]["document_valid"], true);
    assert_eq!(
        sales["store_payment"],
        json!({"method": "pix", "title": "Pix", "transaction_id": "E00000000202612011200abcdef"})
    );
    // The ERP's defaults stay the sales order's terms.
    assert_eq!(sales["payment_method"], "PIX");
}

fn line_id(rig: &Rig, id: &str, sku: &str) -> u64 {
    rig.sandbox.order(id.parse().unwrap()).unwrap()["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku)
        .unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_partial_refund_reaches_the_erp_with_its_lines_and_the_store_gets_the_erps_stock_back() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 2, "processing", CPF));
    capture(&mut rig);
    rig.ponte.order_confirm("loja", &id, "PV-5").unwrap();
    // The ERP counts the sale in its own stock, and sync sends it.
    rig.put(&[product("1", "A", None, 1000, 8)]);
    rig.sync();
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 8);

    // The merchant refunds one unit in the store, which puts it back on sale (WooCommerce's default).
    let line = line_id(&rig, &id, "A");
    rig.sandbox
        .refund_order(
            id.parse().unwrap(),
            &json!({"amount": "10.00", "reason": "Defeito", "api_refund": false,
                    "line_items": [{"id": line, "quantity": 1, "refund_total": 10}]}),
        )
        .unwrap();
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 9);
    let report = capture(&mut rig);
    assert_eq!(count(&report, "refunded"), 1);
    let told = events(&mut rig, &id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "refunded");
    assert_eq!(
        (
            told[0].detail["amount_cents"].as_i64(),
            told[0].detail["reason"].as_str(),
            told[0].detail["full"].as_bool()
        ),
        (Some(1000), Some("Defeito"), Some(false))
    );
    assert_eq!(
        told[0].detail["lines"],
        json!([{"sku": "A", "store_sku": "A", "name": "Produto 1", "quantity": 1, "amount_cents": 1000}])
    );
    // Ponte never raises stock on its own: the next sync puts the ERP's 8 back.
    rig.sync();
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 8);
    // Read again, the refund is not told twice.
    capture(&mut rig);
    assert_eq!(events(&mut rig, &id).len(), 1);
}

#[test]
fn a_full_refund_is_told_as_a_refund_and_a_cancellation() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    rig.ponte.order_confirm("loja", &id, "PV-6").unwrap();
    capture(&mut rig);
    let total = rig.sandbox.order(id.parse().unwrap()).unwrap()["total"]
        .as_str()
        .unwrap()
        .to_string();
    rig.sandbox
        .refund_order(
            id.parse().unwrap(),
            &json!({"amount": total, "reason": "Desistência", "api_refund": false}),
        )
        .unwrap();
    assert_eq!(store_status(&rig, &id), "refunded");
    capture(&mut rig);
    let kinds: Vec<String> = events(&mut rig, &id).into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["refunded", "cancelled"]);
    let refund = &events(&mut rig, &id)[0];
    assert_eq!(refund.detail["full"], true);
    assert_eq!(refund.detail["lines"], json!([]));
    assert_eq!(refund.order_state, "confirmed");
}

/// A valid NF-e access key (its last digit checks the other 43).
const INVOICE_KEY: &str = "35261208530528000184550010000154301000771560";

fn fulfilment(key: &str) -> ponte::capture::Fulfilment {
    serde_json::from_value(json!({
        "invoice": {"key": key, "number": "15430", "series": "1",
                    "issued_at": "2026-12-01T10:00:00-03:00", "danfe_url": "https://nfe.example/danfe/15430"},
        "tracking": {"code": "AA123456789BR", "carrier": "Correios", "url": "https://rastreamento.correios.com.br/"},
        "status": "enviado"
    }))
    .unwrap()
}

fn meta_of(rig: &Rig, id: &str, key: &str) -> Option<serde_json::Value> {
    rig.sandbox.order(id.parse().unwrap()).unwrap()["meta_data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .map(|m| m["value"].clone())
}

#[test]
fn a_fulfilment_sets_the_shipped_status_invoice_and_tracking_in_the_store_once() {
    let mut rig = stocked();
    rig.sandbox.register_status("enviado");
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    rig.ponte.order_confirm("loja", &id, "PV-7").unwrap();
    capture(&mut rig);

    let queued = rig
        .ponte
        .order_fulfil("loja", &id, fulfilment(INVOICE_KEY))
        .unwrap();
    assert_eq!(queued.status.as_deref(), Some("enviado"));
    let report = capture(&mut rig);
    assert_eq!(count(&report, "writebacks_done"), 3, "{:?}", report.counts);
    assert_eq!(store_status(&rig, &id), "enviado");
    assert_eq!(
        meta_of(&rig, &id, "_correios_tracking_code"),
        Some(json!("AA123456789BR"))
    );
    let invoice = meta_of(&rig, &id, "ponte_invoice").unwrap();
    assert_eq!(invoice["key"], INVOICE_KEY);
    assert_eq!(invoice["issued_at"], "2026-12-01T13:00:00Z", "kept in UTC");
    let shopper_notes: Vec<String> = rig
        .sandbox
        .order_notes(id.parse().unwrap())
        .into_iter()
        .filter(|n| n["customer_note"] == true)
        .map(|n| n["note"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shopper_notes.len(), 1, "{shopper_notes:?}");
    assert!(shopper_notes[0].contains("AA123456789BR") && shopper_notes[0].contains(INVOICE_KEY));
    // No order event for Ponte's own status.
    assert!(events(&mut rig, &id).is_empty());

    // The ERP sends the same fulfilment again: the shopper is not told twice.
    rig.ponte
        .order_fulfil("loja", &id, fulfilment(INVOICE_KEY))
        .unwrap();
    let again = capture(&mut rig);
    assert_eq!(count(&again, "writebacks_done"), 0, "{:?}", again.counts);
    assert_eq!(
        rig.sandbox
            .order_notes(id.parse().unwrap())
            .iter()
            .filter(|n| n["customer_note"] == true)
            .count(),
        1
    );
}

#[test]
fn a_bad_invoice_key_or_an_unconfirmed_order_is_refused_and_nothing_is_queued() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    capture(&mut rig);
    // Pending, not confirmed.
    match rig.ponte.order_fulfil("loja", &id, fulfilment(INVOICE_KEY)) {
        Err(Error::Conflict(message)) => {
            assert!(
                message.contains(&id) && message.contains("pending"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    rig.ponte.order_confirm("loja", &id, "PV-8").unwrap();
    let mut wrong = INVOICE_KEY.to_string();
    wrong.replace_range(43.., "1");
    match rig.ponte.order_fulfil("loja", &id, fulfilment(&wrong)) {
        Err(Error::InvalidData { path, message }) => {
            assert_eq!(path, "fulfilment.invoice.key");
            assert!(message.contains(&wrong), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let before = rig.sandbox.order_notes(id.parse().unwrap()).len();
    let report = capture(&mut rig);
    // Only the return status of the confirmation went out.
    assert_eq!(count(&report, "writebacks_done"), 1);
    assert_eq!(store_status(&rig, &id), "completed");
    assert_eq!(rig.sandbox.order_notes(id.parse().unwrap()).len(), before);
    assert_eq!(meta_of(&rig, &id, "ponte_invoice"), None);
    match rig
        .ponte
        .order_fulfil("loja", "424242", fulfilment(INVOICE_KEY))
    {
        Err(Error::NotFound(message)) => assert!(message.contains("424242"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pending_orders_are_read_again_by_id_in_turn_a_hundred_a_capture() {
    let mut rig = stocked();
    rig.put(&[product("1", "A", None, 1000, 1000)]);
    rig.sync();
    let ids: Vec<String> = (0..150)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    capture(&mut rig);
    // Ponte's received statuses modified every order: the next capture lists them again.
    capture(&mut rig);
    // A change the listing cannot show: the order's modification time is put in the past, as a
    // plugin writing the database directly leaves it.
    let last = ids.last().unwrap();
    rig.sandbox
        .update_order(
            last.parse().unwrap(),
            &json!({"status": "cancelled", "date_modified_gmt": "2020-01-01T00:00:00Z"}),
        )
        .unwrap();
    // A hundred are read by id a capture, those read longest ago first: 150 take two captures.
    let mut found_after = None;
    for round in 1..=2 {
        let report = capture(&mut rig);
        if count(&report, "cancelled_in_store") == 1 {
            found_after = Some(round);
            break;
        }
    }
    assert!(
        found_after.is_some(),
        "the cancellation was not read in two captures"
    );
    assert_eq!(state_of(&mut rig, last).state, "cancelled");
    assert_eq!(pending_ids(&mut rig).len(), 149);
}

#[test]
fn a_status_ponte_set_itself_is_no_change_of_the_merchant_even_when_its_answer_was_lost() {
    let mut rig = stocked();
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    // The received status reaches the store, its answer does not: Ponte still thinks `processing`.
    rig.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/orders/batch".into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    capture(&mut rig);
    assert_eq!(store_status(&rig, &id), "recebido");
    // The ERP confirms before the next capture: the return status supersedes the received one.
    rig.ponte.order_confirm("loja", &id, "PV-4").unwrap();
    let report = capture(&mut rig);
    // The store shows Ponte's own `recebido`: no merchant's change, so nothing dropped or told.
    assert_eq!(
        count(&report, "writebacks_dropped"),
        0,
        "{:?}",
        report.counts
    );
    assert_eq!(store_status(&rig, &id), "completed");
    assert!(
        events(&mut rig, &id).is_empty(),
        "{:?}",
        events(&mut rig, &id)
    );
}

//! Ponte against the Nuvemshop sandbox, through the Rust API: a catalog synced with each
//! product's variants in one request, orders captured, written back through the order actions,
//! and bad credentials named. Assertions read what the store then holds.

mod common;

use std::sync::Arc;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::model::config::IntegrationConfig;
use ponte::sandbox::{Fault, FaultRule, NuvemOptions, NuvemSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::{json, Value};

use common::woo::TestClock;

struct Rig {
    ponte: Ponte,
    store: NuvemSandbox,
    _dir: tempfile::TempDir,
}

fn rig_with(adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig {
    rig_on(
        NuvemOptions {
            rate_limit: None,
            ..NuvemOptions::default()
        },
        adjust,
    )
}

fn rig_on(options: NuvemOptions, adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig {
    let store = NuvemSandbox::start_with(options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    ponte.set_clock(Arc::new(TestClock::default()));
    let mut config = store.integration_config("nuvem");
    config.http.max_requests_per_second = 0;
    config.locale = ponte::model::config::Locale::En;
    config.order_capture = serde_json::from_value(json!({
        "enabled": true, "fetch_statuses": ["paid"], "reservation_statuses": ["pending"],
        "rejected_status": "cancelled", "shipped_status": "fulfilled",
        "default_payment_terms": "A VISTA", "default_payment_method": "PIX",
    }))
    .unwrap();
    adjust(&mut config);
    ponte.integration_put(config).unwrap();
    ponte
        .catalog_put_brands(
            &parse_brands(
                r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true}]"#,
            )
            .unwrap(),
        )
        .unwrap();
    Rig {
        ponte,
        store,
        _dir: dir,
    }
}

fn put(rig: &mut Rig, products: Value) {
    rig.ponte
        .catalog_put_products(&parse_products(&products.to_string()).unwrap())
        .unwrap();
}

/// The store's product holding a variant with `sku`, and that variant.
fn by_sku(store: &NuvemSandbox, sku: &str) -> Option<(Value, Value)> {
    store.products().into_iter().find_map(|p| {
        let variant = p["variants"]
            .as_array()?
            .iter()
            .find(|v| v["sku"] == sku)?
            .clone();
        Some((p, variant))
    })
}

fn panela(stock: i64, price: i64) -> Value {
    json!([
        {"erp_id": "P1", "name": "Panela de pressão", "brand_id": "TRAMONTINA", "show_in_store": true,
         "sync_stock": true, "variants": [{"sku": "PAN-1", "ean": "7891000100103", "price_cents": price, "stock": stock}]},
        {"erp_id": "C1", "name": "Camiseta", "brand_id": "TRAMONTINA", "show_in_store": true, "sync_stock": true,
         "variants": [
            {"sku": "CAM-P", "price_cents": 4990, "stock": 3, "attributes": {"Tamanho": "P"}},
            {"sku": "CAM-M", "price_cents": 4990, "stock": 0, "attributes": {"Tamanho": "M"}}]}
    ])
}

#[test]
fn a_catalog_reaches_the_store_with_its_variants_and_a_second_sync_sends_nothing() {
    let mut rig = rig_with(|_| {});
    put(&mut rig, panela(7, 18990));
    let report = rig
        .ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    assert_eq!(report.counts.get("create"), Some(&2), "{report:#?}");

    let (product, variant) = by_sku(&rig.store, "PAN-1").expect("the simple product is there");
    assert_eq!(product["name"]["pt"], "Panela de pressão");
    assert_eq!(product["brand"], "Tramontina");
    assert_eq!(variant["price"], "189.90");
    assert_eq!(variant["stock"], 7);
    assert_eq!(variant["barcode"], "7891000100103");
    let (shirt, medium) = by_sku(&rig.store, "CAM-M").unwrap();
    assert_eq!(shirt["variants"].as_array().unwrap().len(), 2);
    assert_eq!(shirt["attributes"][0]["pt"], "Tamanho");
    assert_eq!(medium["values"][0]["pt"], "M");
    assert_eq!(medium["stock"], 0);

    rig.store.reset_counters();
    let again = rig
        .ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    assert_eq!(again.counts.get("create"), None, "{again:#?}");
    let writes: u64 = rig
        .store
        .counters()
        .iter()
        .filter(|(route, _)| !route.starts_with("GET "))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(writes, 0, "{:?}", rig.store.counters());

    // A new price and stock: one variants patch, read back.
    put(&mut rig, panela(2, 17990));
    rig.store.reset_counters();
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    let counters = rig.store.counters();
    assert_eq!(
        counters.get("PATCH /v1/{id}/products/{id}/variants"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(
        counters.get("PUT /v1/{id}/products/{id}"),
        None,
        "{counters:?}"
    );
    let (_, variant) = by_sku(&rig.store, "PAN-1").unwrap();
    assert_eq!(
        (variant["price"].clone(), variant["stock"].clone()),
        (json!("179.90"), json!(2))
    );
    assert_eq!(rig.store.products().len(), 2, "nothing duplicated");
}

#[test]
fn a_product_already_in_the_store_is_linked_by_sku_not_created_again() {
    let mut rig = rig_with(|_| {});
    rig.store
        .seed_product(json!({"name": "Panela antiga", "variants": [{"sku": "PAN-1", "price": "100.00", "stock_management": true, "stock": 1}]}))
        .unwrap();
    put(&mut rig, panela(7, 18990));
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    let holding: Vec<Value> = rig
        .store
        .products()
        .into_iter()
        .filter(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["sku"] == "PAN-1")
        })
        .collect();
    assert_eq!(holding.len(), 1, "linked, not duplicated");
    assert_eq!(holding[0]["variants"][0]["price"], "189.90");
    assert_eq!(holding[0]["name"]["pt"], "Panela de pressão");
}

fn order(sku: &str, quantity: i64, payment: &str) -> Value {
    json!({"products": [{"sku": sku, "quantity": quantity}], "payment_status": payment,
           "customer": {"name": "Maria Souza", "email": "maria@example.com", "identification": "39053344705", "phone": "11999990000"},
           "billing_address": "Rua A", "billing_number": "10", "billing_city": "São Paulo", "billing_province": "SP",
           "billing_zipcode": "01001000", "billing_country": "BR"})
}

#[test]
fn a_paid_order_is_captured_once_and_written_back_through_the_actions() {
    let mut rig = rig_with(|_| {});
    put(&mut rig, panela(7, 18990));
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    let paid = rig.store.place_order(&order("PAN-1", 2, "paid")).unwrap();
    let waiting = rig
        .store
        .place_order(&order("CAM-P", 1, "pending"))
        .unwrap();
    let unknown = {
        rig.store
            .seed_product(
                json!({"name": "Fora do ERP", "variants": [{"sku": "XYZ", "price": "5.00"}]}),
            )
            .unwrap();
        rig.store.place_order(&order("XYZ", 1, "paid")).unwrap()
    };

    let report = rig.ponte.capture_orders("nuvem").unwrap();
    let pending: Vec<String> = report
        .pending
        .iter()
        .map(|o| o.store_order_id.clone())
        .collect();
    assert_eq!(pending, vec![paid["id"].to_string()], "{report:#?}");
    assert_eq!(report.rejected.len(), 1, "{report:#?}");
    assert_eq!(report.rejected[0].store_order_id, unknown["id"].to_string());

    // The rejected order is cancelled in the store, with the reason in its private note.
    let rejected = rig.store.order(unknown["id"].as_u64().unwrap()).unwrap();
    assert_eq!(rejected["status"], "cancelled");
    assert!(
        rejected["owner_note"].as_str().unwrap().contains("XYZ"),
        "{}",
        rejected["owner_note"]
    );
    // The reservation stays as it is, held.
    let held = rig.store.order(waiting["id"].as_u64().unwrap()).unwrap();
    assert_eq!(held["status"], "open");

    // A second capture writes nothing twice and hands nothing again.
    rig.store.reset_counters();
    let again = rig.ponte.capture_orders("nuvem").unwrap();
    assert!(again.pending.is_empty(), "{again:#?}");
    let actions: u64 = rig
        .store
        .counters()
        .iter()
        .filter(|(route, _)| {
            route.contains("/cancel") || route.contains("/close") || route.contains("/fulfill")
        })
        .map(|(_, n)| n)
        .sum();
    assert_eq!(actions, 0, "{:?}", rig.store.counters());

    // The reservation is paid: the next capture hands it to the ERP.
    rig.store
        .update_order(
            waiting["id"].as_u64().unwrap(),
            &json!({"payment_status": "paid"}),
        )
        .unwrap();
    let paid_late = rig.ponte.capture_orders("nuvem").unwrap();
    let ids: Vec<String> = paid_late
        .pending
        .iter()
        .map(|o| o.store_order_id.clone())
        .collect();
    assert_eq!(ids, vec![waiting["id"].to_string()], "{paid_late:#?}");
}

#[test]
fn a_revoked_token_and_a_suspended_store_are_named_in_the_stores_words() {
    let mut rig = rig_with(|_| {});
    put(&mut rig, panela(7, 18990));
    rig.store.suspend(true);
    let err = rig
        .ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(err.to_string().contains("402"), "{err}");
    assert!(err.to_string().contains("unpaid"), "{err}");
    rig.store.suspend(false);
    rig.store.revoke_token();
    let err = rig.ponte.capture_orders("nuvem").unwrap_err();
    assert!(
        err.to_string().contains("refused the access token"),
        "{err}"
    );
    assert!(rig.store.products().is_empty(), "nothing was written");
}

#[test]
fn a_shipped_order_carries_its_tracking_code_and_its_invoice_key_where_nuvemshop_apps_read_them() {
    let mut rig = rig_with(|_| {});
    put(&mut rig, panela(7, 18990));
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    let paid = rig.store.place_order(&order("PAN-1", 1, "paid")).unwrap();
    let id = paid["id"].to_string();
    rig.ponte.capture_orders("nuvem").unwrap();
    rig.ponte.order_confirm("nuvem", &id, "PV-9").unwrap();
    let key = "35261208530528000184550010000154301000771560";
    rig.ponte
        .order_fulfil(
            "nuvem",
            &id,
            serde_json::from_value(json!({
                "invoice": {"key": key, "number": "1234", "series": "1", "issued_at": "2026-12-02T10:00:00Z"},
                "tracking": {"code": "AA123456789BR", "carrier": "Correios", "url": "https://rastreio.example/AA123456789BR"}}))
            .unwrap(),
        )
        .unwrap();
    rig.ponte.capture_orders("nuvem").unwrap();
    let shipped = rig.store.order(paid["id"].as_u64().unwrap()).unwrap();
    assert_eq!(shipped["shipping_status"], "fulfilled");
    assert_eq!(shipped["shipping_tracking_number"], "AA123456789BR");
    let metafields = rig.store.metafields();
    let nfe = metafields
        .iter()
        .find(|m| m["namespace"] == "nfe" && m["key"] == "key")
        .expect("the invoice key as nfe/key");
    assert_eq!(nfe["value"], key);
    assert_eq!(nfe["owner_id"].to_string(), id);
    assert!(
        metafields
            .iter()
            .all(|m| m["namespace"] != "ponte" || m["key"].as_str().unwrap().starts_with("ponte_")),
        "{metafields:#?}"
    );
}

#[test]
fn a_bucket_another_app_filled_costs_one_429_and_then_ponte_paces_itself() {
    let clock = Arc::new(TestClock::default());
    let mut rig = rig_with(|_| {});
    rig.ponte.set_clock(clock.clone());
    rig.store.set_rate_limit_on(Some((40, 2)), clock.clone());
    // The merchant's other app, sharing the bucket, has just filled it.
    let agent = ureq::Agent::new_with_defaults();
    for _ in 0..40 {
        agent
            .get(format!("{}/store", rig.store.api_url()))
            .header(
                "Authentication",
                format!("bearer {}", rig.store.access_token()),
            )
            .header("User-Agent", "Outro app (x@y.z)")
            .call()
            .unwrap();
    }
    let products: Vec<Value> = (0..30)
        .map(|n| json!({"erp_id": format!("{n}"), "name": format!("Produto {n}"), "brand_id": "TRAMONTINA",
                        "show_in_store": true, "sync_stock": true,
                        "variants": [{"sku": format!("S{n}"), "price_cents": 1000 + n, "stock": 1}]}))
        .collect();
    put(&mut rig, json!(products));
    let report = rig
        .ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    assert_eq!(report.counts.get("create"), Some(&30), "{report:#?}");
    assert_eq!(rig.store.products().len(), 30);
    // The first request met the full bucket; every later one waited for room instead.
    assert_eq!(rig.store.throttled(), 1);
    let waited = clock.total();
    assert!(waited >= std::time::Duration::from_secs(15), "{waited:?}");
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../shared/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn refuse_next(store: &NuvemSandbox, method: &str, path: &str, status: u16, body: String) {
    store.inject(FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times: 1,
        after: 0,
        fault: Fault::Status { status, body },
    });
}

fn sync(rig: &mut Rig) -> ponte::sync::RunReport {
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap()
}

fn error_of(report: &ponte::sync::RunReport, erp_id: &str) -> String {
    report
        .items
        .iter()
        .find(|i| i.erp_id == erp_id)
        .and_then(|i| i.error.as_ref())
        .map(|e| format!("{} {}: {}", e.status, e.code, e.message))
        .unwrap_or_default()
}

fn in_store(rig: &mut Rig, erp_id: &str) -> bool {
    let key = ponte::model::catalog::ProductKey::ErpId(erp_id.into());
    rig.ponte.product_status("nuvem", &key).unwrap().state == "in_store"
}

#[test]
fn each_refusal_is_named_in_the_stores_words_and_nothing_refused_counts_as_pushed() {
    // A store at its product limit: the second product is refused in Nuvemshop's words.
    let mut rig = rig_on(
        NuvemOptions {
            rate_limit: None,
            product_limit: 1,
            ..NuvemOptions::default()
        },
        |_| {},
    );
    put(&mut rig, panela(7, 18990));
    let report = sync(&mut rig);
    assert_eq!(rig.store.products().len(), 1);
    let refused = ["P1", "C1"].map(|id| error_of(&report, id));
    assert!(
        refused
            .iter()
            .any(|e| e.contains("422") && e.contains("maximum limit")),
        "{refused:?}"
    );
    let (made, left_out): (Vec<&str>, Vec<&str>) = ["P1", "C1"]
        .into_iter()
        .partition(|id| error_of(&report, id).is_empty());
    assert!(in_store(&mut rig, made[0]));
    assert!(
        !in_store(&mut rig, left_out[0]),
        "a refused create is not linked"
    );

    // A bare field map (the first error shape), on a create. The check (whose probe writes
    // an empty product) goes first, so the refusal meets the create.
    let mut rig = rig_with(|_| {});
    assert!(rig.ponte.integration_check("nuvem").unwrap().ok);
    refuse_next(
        &rig.store,
        "POST",
        "/products",
        422,
        fixture("nuvemshop-error-422-field-validation.json"),
    );
    put(&mut rig, json!([panela(7, 18990)[0].clone()]));
    let report = sync(&mut rig);
    assert!(
        error_of(&report, "P1").contains("name: can't be blank"),
        "{report:#?}"
    );
    assert!(rig.store.products().is_empty());
    assert!(!in_store(&mut rig, "P1"));

    // The other shape, on the variants' stock: the old stock stays, and the next sync sends it.
    let report = sync(&mut rig);
    assert!(error_of(&report, "P1").is_empty(), "{report:#?}");
    refuse_next(
        &rig.store,
        "PATCH",
        "/variants",
        422,
        fixture("nuvemshop-error-422-variant-validation.json"),
    );
    put(&mut rig, json!([panela(3, 18990)[0].clone()]));
    let report = sync(&mut rig);
    let error = error_of(&report, "P1");
    assert!(
        error.contains("Validation error")
            && error.contains("stock: The stock must be an integer."),
        "{error}"
    );
    assert_eq!(by_sku(&rig.store, "PAN-1").unwrap().1["stock"], 7);
    sync(&mut rig);
    assert_eq!(
        by_sku(&rig.store, "PAN-1").unwrap().1["stock"],
        3,
        "sent again, not taken as pushed"
    );

    // A missing content type and a missing User-Agent, as the store would answer them.
    refuse_next(&rig.store, "PATCH", "/variants", 415, String::new());
    put(&mut rig, json!([panela(4, 18990)[0].clone()]));
    let error = error_of(&sync(&mut rig), "P1");
    assert!(error.starts_with("415"), "{error}");
    refuse_next(
        &rig.store,
        "PATCH",
        "/variants",
        400,
        fixture("nuvemshop-error-400-bad-request.json"),
    );
    let error = error_of(&sync(&mut rig), "P1");
    assert!(error.contains("Invalid input format"), "{error}");
    sync(&mut rig);
    assert_eq!(by_sku(&rig.store, "PAN-1").unwrap().1["stock"], 4);
}

#[test]
fn orders_crowding_one_second_beyond_a_page_are_all_captured_once() {
    let mut rig = rig_with(|_| {});
    put(
        &mut rig,
        json!([{"erp_id": "1", "name": "Caneta", "brand_id": "TRAMONTINA", "show_in_store": true,
        "sync_stock": true, "variants": [{"sku": "CAN-1", "price_cents": 500, "stock": 100000}]}]),
    );
    rig.ponte
        .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
        .unwrap();
    // 250 paid orders in one second, more than a page of 200, and 30 more a minute later.
    let second = ponte::time::now_unix() - 3600;
    rig.store.set_time(Some(second));
    let mut placed = Vec::new();
    for _ in 0..250 {
        placed.push(rig.store.place_order(&order("CAN-1", 1, "paid")).unwrap()["id"].to_string());
    }
    rig.store.set_time(Some(second + 60));
    for _ in 0..30 {
        placed.push(rig.store.place_order(&order("CAN-1", 1, "paid")).unwrap()["id"].to_string());
    }
    rig.store.set_time(None);
    let report = rig.ponte.capture_orders("nuvem").unwrap();
    let mut captured: Vec<String> = report
        .pending
        .iter()
        .map(|o| o.store_order_id.clone())
        .collect();
    captured.sort();
    placed.sort();
    assert_eq!(
        captured.len(),
        280,
        "{:?} {:?} {:?}",
        report.counts,
        report.unfinished,
        rig.store.counters()
    );
    assert_eq!(captured, placed);
    let again = rig.ponte.capture_orders("nuvem").unwrap();
    assert!(again.pending.is_empty(), "{:?}", again.counts);
}

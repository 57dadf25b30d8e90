//! Product sync against the WooCommerce sandbox over real HTTP, with a real state file: every rule
//! of the ERP's integration guide, matching, plans, idempotence, resumption and failures.

mod common;

use common::sync::*;
use ponte::model::catalog::{parse_brands, parse_stock, ProductKey};
use ponte::sandbox::{Fault, FaultRule};
use ponte::sync::{Action, SyncOptions};
use serde_json::json;

fn item<'a>(report: &'a ponte::sync::RunReport, erp_id: &str) -> &'a ponte::sync::RunItem {
    report
        .items
        .iter()
        .find(|i| i.erp_id == erp_id)
        .unwrap_or_else(|| panic!("no item {erp_id} in {report:#?}"))
}

fn codes(item: &ponte::sync::RunItem) -> Vec<&'static str> {
    item.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn every_eligibility_rule_keeps_its_product_out_of_the_store_with_every_reason() {
    let mut rig = Rig::new();
    rig.put(&[
        product("ok", "OK-1", Some("7891000100103"), 1000, 5),
        r#"{"erp_id":"hidden","name":"Oculto","brand_id":"TRAMONTINA","show_in_store":false,"sync_stock":true,"variants":[{"sku":"H-1","price_cents":100}]}"#.into(),
        r#"{"erp_id":"nobrand","name":"Sem marca","show_in_store":true,"sync_stock":true,"variants":[{"sku":"NB-1","price_cents":100}]}"#.into(),
        r#"{"erp_id":"brandoff","name":"Marca desligada","brand_id":"GENERICA","show_in_store":true,"sync_stock":true,"variants":[{"sku":"BO-1","price_cents":100}]}"#.into(),
        r#"{"erp_id":"badean","name":"EAN ruim","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,"variants":[{"sku":"BE-1","ean":"7891000100104","price_cents":100}]}"#.into(),
        r#"{"erp_id":"noprice","name":"","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,"variants":[{"sku":"NP-1"}]}"#.into(),
        product("dup1", "DUP", Some("7891000100110"), 100, 1),
        product("dup2", "DUP", Some("7891000100110"), 100, 1),
    ]);
    let report = rig.sync();
    assert_eq!(item(&report, "ok").action, Action::Create);
    assert_eq!(codes(item(&report, "hidden")), vec!["not_published"]);
    assert_eq!(codes(item(&report, "nobrand")), vec!["no_brand"]);
    assert_eq!(codes(item(&report, "brandoff")), vec!["brand_not_enabled"]);
    assert_eq!(codes(item(&report, "badean")), vec!["invalid_ean"]);
    assert_eq!(codes(item(&report, "noprice")), vec!["no_name", "no_price"]);
    assert_eq!(
        codes(item(&report, "dup1")),
        vec!["duplicate_ean", "duplicate_sku"]
    );
    assert_eq!(
        item(&report, "dup2").reasons[1].message,
        "SKU DUP is also on product dup1."
    );
    assert_eq!(Rig::count(&report, "skipped"), 7);
    assert_eq!(
        rig.sandbox.products().len(),
        1,
        "only the eligible product reached the store"
    );
}

#[test]
fn the_ean_test_filter_sends_one_product_then_clearing_it_sends_the_rest() {
    let mut rig = Rig::with(|c| c.product_sync.only_eans = "7891000100103".into());
    rig.put(&[
        product("1", "A", Some("7891000100103"), 1000, 5),
        product("2", "B", None, 2000, 3),
    ]);
    let report = rig.sync();
    assert_eq!(
        (
            Rig::count(&report, "create"),
            Rig::count(&report, "skipped")
        ),
        (1, 1)
    );
    assert_eq!(codes(item(&report, "2")), vec!["outside_ean_filter"]);

    let mut config = rig.sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    rig.ponte.integration_put(config).unwrap();
    let report = rig.sync();
    assert_eq!(
        (
            Rig::count(&report, "create"),
            Rig::count(&report, "unchanged")
        ),
        (1, 1)
    );
    assert_eq!(rig.sandbox.products().len(), 2);
}

#[test]
fn stock_goes_only_for_sync_stock_products_and_the_other_fields_still_go() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        r#"{"erp_id":"2","name":"Sem estoque","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":false,"variants":[{"sku":"B","price_cents":2000,"stock":9}]}"#.into(),
    ]);
    rig.sync();
    let a = &rig.store_items("A")[0];
    assert_eq!(
        (a["manage_stock"].as_bool(), a["stock_quantity"].as_i64()),
        (Some(true), Some(5))
    );
    let b = &rig.store_items("B")[0];
    assert_eq!(
        (b["manage_stock"].as_bool(), b["stock_quantity"].as_i64()),
        (Some(false), None)
    );
    assert_eq!(b["regular_price"], "20.00");
    assert_eq!(b["name"], "Sem estoque");
    assert_eq!(b["brands"][0]["name"], "Tramontina");
}

#[test]
fn stock_sent_is_what_can_be_sold_in_the_configured_warehouses_never_below_zero() {
    let mut rig = Rig::with(|c| c.product_sync.warehouses = vec!["CD-SP".into()]);
    rig.put(&[
        product("1", "A", None, 1000, 0),
        product("2", "B", None, 1000, 0),
    ]);
    rig.ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"A","warehouse":"CD-SP","quantity":7},{"sku":"A","warehouse":"LOJA","quantity":50},{"sku":"B","warehouse":"CD-SP","quantity":-4}]"#).unwrap())
        .unwrap();
    rig.sync();
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 7);
    assert_eq!(rig.store_items("B")[0]["stock_quantity"], 0);
}

#[test]
fn a_product_already_in_the_store_is_linked_not_duplicated_and_keeps_its_visibility() {
    let mut rig = Rig::new();
    rig.sandbox
        .seed_product(json!({"id": 900, "type": "simple", "name": "Panela antiga", "sku": "A", "status": "publish",
                             "catalog_visibility": "catalog", "regular_price": "5.00", "price": "5.00", "manage_stock": false,
                             "stock_quantity": null, "parent_id": 0, "global_unique_id": ""}))
        .unwrap();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    let report = rig.sync();
    assert_eq!(item(&report, "1").action, Action::Link);
    assert_eq!(item(&report, "1").store_product_id.as_deref(), Some("900"));
    let items = rig.store_items("A");
    assert_eq!(items.len(), 1, "duplicated");
    assert_eq!(items[0]["regular_price"], "10.00");
    assert_eq!(
        items[0]["catalog_visibility"], "catalog",
        "the merchant's visibility changed"
    );
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 1);
}

#[test]
fn a_product_is_matched_by_ean_when_its_sku_differs() {
    let mut rig = Rig::new();
    rig.sandbox
        .seed_product(json!({"id": 901, "type": "simple", "name": "X", "sku": "LOJA-A", "global_unique_id": "7891000100103", "parent_id": 0, "price": "1.00"}))
        .unwrap();
    rig.put(&[product("1", "A", Some("7891000100103"), 1000, 5)]);
    let report = rig.sync();
    assert_eq!(item(&report, "1").action, Action::Link);
    assert_eq!(rig.sandbox.products().len(), 1);
}

#[test]
fn an_ambiguous_match_is_a_conflict_and_nothing_is_pushed() {
    let mut rig = Rig::new();
    for (id, sku) in [(910, "M"), (911, "G")] {
        rig.sandbox.seed_product(json!({"id": id, "type": "simple", "name": "X", "sku": sku, "parent_id": 0, "price": "1.00"})).unwrap();
    }
    rig.put(&[r#"{"erp_id":"CAM","name":"Camiseta","brand_id":"HERING","show_in_store":true,"sync_stock":true,
        "variants":[{"sku":"M","price_cents":100,"attributes":{"tamanho":"M"}},{"sku":"G","price_cents":100,"attributes":{"tamanho":"G"}}]}"#.into()]);
    rig.checked();
    let report = rig.sync();
    let conflict = item(&report, "CAM");
    assert_eq!(
        (conflict.action, conflict.result),
        (Action::Conflict, "conflict")
    );
    assert_eq!(
        conflict.reasons[0].message,
        "More than one store product matches this product: 910, 911."
    );
    assert_eq!(rig.sandbox.write_requests(), 0);
}

#[test]
fn a_dry_run_returns_the_plan_and_writes_nothing_anywhere() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", None, 1000, 5),
    ]);
    rig.checked();
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    assert_eq!(plan.counts["create"], 2);
    let report = rig.sync_with(SyncOptions {
        dry_run: true,
        ..SyncOptions::default()
    });
    assert_eq!(
        (report.status, report.run_id, Rig::count(&report, "create")),
        ("dry_run", None, 2)
    );
    assert_eq!(rig.sandbox.write_requests(), 0);
    assert!(
        rig.ponte.sync_runs("loja", 10).unwrap().is_empty(),
        "a dry run was recorded"
    );
    assert_eq!(
        rig.ponte
            .product_status("loja", &ProductKey::ErpId("1".into()))
            .unwrap()
            .state,
        "not_in_store"
    );
}

#[test]
fn an_update_lists_and_sends_only_the_fields_that_changed() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.put(&[product("1", "A", None, 1290, 5)]);
    rig.sandbox.reset_counters();
    let report = rig.sync();
    let updated = item(&report, "1");
    assert_eq!(
        (updated.action, updated.fields.clone()),
        (Action::Update, vec!["price"])
    );
    assert_eq!(rig.store_items("A")[0]["regular_price"], "12.90");
    assert_eq!(rig.sandbox.write_requests(), 1);
}

#[test]
fn the_frequent_run_sends_changed_stock_and_prices_and_leaves_other_fields_for_the_full_run() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", None, 1000, 5),
        product("3", "C", None, 1000, 5),
    ]);
    rig.sync();
    rig.ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"A","quantity":2}]"#).unwrap())
        .unwrap();
    rig.put(&[product("2", "B", None, 1500, 5)]);
    let renamed = product("3", "C", None, 1000, 5).replace("Produto 3", "Caneca nova");
    rig.put(&[renamed]);
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(item(&report, "1").action, Action::StockOnly);
    assert_eq!(item(&report, "2").action, Action::Update);
    assert_eq!(item(&report, "2").fields, vec!["price".to_string()]);
    assert_eq!(Rig::count(&report, "unchanged"), 1, "a name waits");
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 2);
    assert_eq!(rig.store_items("B")[0]["regular_price"], "15.00");
    assert_eq!(rig.store_items("C")[0]["name"], "Produto 3");
    // Again: nothing left for the frequent run.
    rig.sandbox.reset_counters();
    let again = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(rig.sandbox.write_requests(), 0, "{:?}", again.counts);
    // The full run sends the name, and only the name.
    let report = rig.sync();
    assert_eq!(item(&report, "3").fields, vec!["name".to_string()]);
    assert_eq!(Rig::count(&report, "unchanged"), 2);
    assert_eq!(rig.store_items("C")[0]["name"], "Caneca nova");
}

#[test]
fn a_second_sync_makes_no_write_request() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", Some("7891000100103"), 1000, 5),
        product("2", "B", None, 1000, 5),
    ]);
    rig.sync();
    rig.sandbox.reset_counters();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "unchanged"), 2);
    assert_eq!(rig.sandbox.total_requests(), 0);
}

#[test]
fn new_products_get_the_configured_status_and_visibility() {
    let mut rig = Rig::with(|c| {
        c.product_sync.new_product_status = ponte::model::config::NewProductStatus::Draft;
        c.product_sync.new_product_visibility = ponte::model::config::Visibility::Search;
    });
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    let a = &rig.store_items("A")[0];
    assert_eq!(
        (a["status"].as_str(), a["catalog_visibility"].as_str()),
        (Some("draft"), Some("search"))
    );
}

#[test]
fn an_unpublished_product_is_hidden_by_the_default_policy_and_shown_again_when_republished() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.put(&[product("1", "A", None, 1000, 5)
        .replace(r#""show_in_store":true"#, r#""show_in_store":false"#)]);
    let report = rig.sync();
    assert_eq!(
        (item(&report, "1").action, codes(item(&report, "1"))),
        (Action::Hide, vec!["not_published"])
    );
    assert_eq!(rig.store_items("A")[0]["catalog_visibility"], "hidden");
    assert_eq!(
        rig.store_items("A").len(),
        1,
        "nothing is deleted from the store"
    );
    rig.sandbox.reset_counters();
    assert_eq!(item(&rig.sync(), "1").action, Action::Skipped);
    assert_eq!(rig.sandbox.write_requests(), 0, "hidden again");

    rig.put(&[product("1", "A", None, 1000, 5)]);
    let report = rig.sync();
    assert_eq!(item(&report, "1").fields, vec!["visibility".to_string()]);
    assert_eq!(rig.store_items("A")[0]["catalog_visibility"], "visible");
}

#[test]
fn the_zero_stock_and_leave_policies() {
    let mut rig = Rig::with(|c| {
        c.product_sync.unpublished_policy = ponte::model::config::UnpublishedPolicy::ZeroStock
    });
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.ponte.catalog_retire_products(&["1".into()]).unwrap();
    assert_eq!(item(&rig.sync(), "1").action, Action::ZeroStock);
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 0);
    assert_eq!(rig.store_items("A")[0]["catalog_visibility"], "visible");

    let mut rig = Rig::with(|c| {
        c.product_sync.unpublished_policy = ponte::model::config::UnpublishedPolicy::Leave
    });
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.ponte.catalog_retire_products(&["1".into()]).unwrap();
    rig.sandbox.reset_counters();
    assert_eq!(codes(item(&rig.sync(), "1")), vec!["retired"]);
    assert_eq!(rig.sandbox.write_requests(), 0);
}

#[test]
fn a_create_whose_answer_is_lost_is_reconciled_by_sku_and_never_duplicated() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", None, 1000, 5),
    ]);
    rig.checked();
    rig.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/products/batch".into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    let report = rig.sync();
    assert_eq!(item(&report, "1").result, "unknown");
    assert_eq!(
        rig.ponte
            .product_status("loja", &ProductKey::Sku("A".into()))
            .unwrap()
            .state,
        "in_doubt"
    );
    let report = rig.sync();
    assert_eq!(
        (item(&report, "1").action, item(&report, "1").result),
        (Action::Link, "ok")
    );
    assert_eq!(
        (rig.store_items("A").len(), rig.store_items("B").len()),
        (1, 1)
    );
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 2);
}

#[test]
fn a_store_error_on_one_item_is_reported_retried_next_run_and_never_stops_the_others() {
    let mut rig = Rig::new();
    // The store already has another product with this EAN, under another SKU, not in the ERP.
    rig.sandbox
        .seed_product(json!({"id": 950, "type": "simple", "name": "Alheio", "sku": "OUTRO", "global_unique_id": "7891000100127", "parent_id": 0, "price": "1.00"}))
        .unwrap();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", Some("7891000100127"), 1000, 5),
        product("3", "C", None, 1000, 5),
    ]);
    let report = rig.with_ean_matching_off();
    let failed = item(&report, "2");
    assert_eq!(failed.result, "failed");
    let error = failed.error.as_ref().unwrap();
    assert_eq!(
        (error.code.as_str(), error.resource_id.as_deref()),
        ("product_invalid_global_unique_id", Some("950"))
    );
    assert_eq!(
        (Rig::count(&report, "create"), Rig::count(&report, "failed")),
        (2, 1)
    );
    let status = rig
        .ponte
        .product_status("loja", &ProductKey::ErpId("2".into()))
        .unwrap();
    assert_eq!(
        status.last_error.unwrap().code,
        "product_invalid_global_unique_id"
    );
    // Retried next run.
    let report = rig.sync();
    assert_eq!(item(&report, "2").action, Action::Create);
}

trait EanMatchingOff {
    fn with_ean_matching_off(&mut self) -> ponte::sync::RunReport;
}

impl EanMatchingOff for Rig {
    /// Syncs with matching by SKU only, so the EAN clash reaches the store.
    fn with_ean_matching_off(&mut self) -> ponte::sync::RunReport {
        let mut config = self.sandbox.integration_config("loja");
        config.http.max_requests_per_second = 0;
        config.product_sync.match_by = vec![ponte::model::config::MatchKey::Sku];
        self.ponte.integration_put(config).unwrap();
        self.sync()
    }
}

#[test]
fn two_thousand_products_go_in_twenty_batches_and_a_second_run_writes_nothing() {
    let mut rig = Rig::new();
    let products: Vec<String> = (0..2000)
        .map(|n| {
            product(
                &format!("P{n:04}"),
                &format!("SKU-{n:04}"),
                None,
                1000 + n,
                n % 9,
            )
        })
        .collect();
    rig.put(&products);
    rig.checked();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 2000);
    let counters = rig.sandbox.counters();
    assert_eq!(counters["POST /wp-json/wc/v3/products/batch"], 20);
    assert_eq!(
        counters["GET /wp-json/wc/v3/products"], 1,
        "an empty store is listed once, not asked for each SKU"
    );
    rig.sandbox.reset_counters();
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 2000);
    assert_eq!(rig.sandbox.total_requests(), 0);
}

#[test]
fn a_store_with_products_is_still_asked_for_each_sku_and_links_what_it_has() {
    let mut rig = Rig::new();
    rig.sandbox
        .seed_product(
            json!({"id": 990, "type": "simple", "name": "Da loja", "sku": "SKU-0150",
                             "parent_id": 0, "price": "1.00"}),
        )
        .unwrap();
    let products: Vec<String> = (0..200)
        .map(|n| {
            product(
                &format!("P{n:04}"),
                &format!("SKU-{n:04}"),
                None,
                1000 + n,
                1,
            )
        })
        .collect();
    rig.put(&products);
    rig.checked();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 199, "{report:?}");
    assert_eq!(Rig::count(&report, "link"), 1, "{report:?}");
    let counters = rig.sandbox.counters();
    assert_eq!(
        counters["GET /wp-json/wc/v3/products"], 3,
        "the listing's first page, then the SKU look-ups, 100 a request"
    );
    assert_eq!(rig.sandbox.products().len(), 200, "nothing duplicated");
}

/// An EAN-13 with its check digit.
fn ean13(n: u32) -> String {
    let body = format!("789100{n:06}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

#[test]
fn products_the_sku_found_are_not_looked_up_by_ean_or_barcode() {
    let mut rig = Rig::new();
    for n in 0..100u32 {
        rig.sandbox
            .seed_product(
                json!({"id": 1000 + n, "type": "simple", "name": format!("Da loja {n}"),
                "sku": format!("Z{n:03}"), "parent_id": 0, "price": "1.00"}),
            )
            .unwrap();
    }
    let products: Vec<String> = (0..100u32)
        .map(|n| {
            format!(
                r#"{{"erp_id":"P{n:03}","name":"Produto {n}","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,
                     "variants":[{{"sku":"Z{n:03}","ean":"{}","barcode":"BAR{n:05}","price_cents":1000,"stock":1}}]}}"#,
                ean13(n)
            )
        })
        .collect();
    rig.put(&products);
    rig.checked();
    rig.sandbox.reset_counters();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "link"), 100, "{:?}", report.counts);
    assert_eq!(
        rig.sandbox.counters()["GET /wp-json/wc/v3/products"],
        2,
        "the listing's first page, then one SKU look-up; no EAN or barcode look-up"
    );
    assert_eq!(rig.sandbox.products().len(), 100, "nothing created");
}

#[test]
fn brands_the_store_lacks_are_created_in_one_request() {
    let mut rig = Rig::new();
    let brands: Vec<String> = (0..5)
        .map(|n| format!(r#"{{"id":"B{n}","name":"Marca {n}","show_in_electronic_order":true}}"#))
        .collect();
    rig.ponte
        .catalog_put_brands(&parse_brands(&format!("[{}]", brands.join(","))).unwrap())
        .unwrap();
    let product = |n: usize| {
        format!(
            r#"{{"erp_id":"P{n}","name":"Produto {n}","brand_id":"B{}","show_in_store":true,"sync_stock":true,
                 "variants":[{{"sku":"S{n}","price_cents":1000,"stock":1}}]}}"#,
            n % 5
        )
    };
    rig.put(&[product(0)]);
    rig.checked();
    rig.sync();
    rig.put(&(1..10).map(product).collect::<Vec<_>>());
    rig.sandbox.reset_counters();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 9, "{:?}", report.counts);
    let counters = rig.sandbox.counters();
    assert_eq!(
        counters.get("POST /wp-json/wc/v3/products/brands/batch"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(counters.get("POST /wp-json/wc/v3/products/brands"), None);
    for n in 0..10 {
        let item = &rig.store_items(&format!("S{n}"))[0];
        assert_eq!(
            item["brands"][0]["name"],
            format!("Marca {}", n % 5),
            "{item}"
        );
    }
}

/// Overwrites a product's stored document with text no reader can parse: a sync that still
/// succeeds never read it.
fn make_unreadable(rig: &Rig, erp_id: &str) {
    let db = rusqlite::Connection::open(rig._dir.path().join("ponte.db")).unwrap();
    db.execute(
        "UPDATE product SET doc = 'not json' WHERE erp_id = ?1",
        [erp_id],
    )
    .unwrap();
}

#[test]
fn a_sync_reads_only_the_products_whose_catalog_stock_or_context_moved() {
    let mut rig = Rig::new();
    rig.put(&[
        product("P1", "S1", None, 1000, 5),
        product("P2", "S2", None, 2000, 5),
    ]);
    assert_eq!(Rig::count(&rig.sync(), "create"), 2);
    make_unreadable(&rig, "P1");
    let report = rig.sync();
    assert_eq!(
        Rig::count(&report, "unchanged"),
        2,
        "P1 was not read: {report:?}"
    );

    // Its stock moves: it is read again, and its unreadable document is said.
    rig.ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"S1","quantity":7}]"#).unwrap())
        .unwrap();
    let err = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(err.to_string().contains("\"P1\""), "{err}");
    rig.put(&[product("P1", "S1", None, 1000, 7)]);
    assert_eq!(item(&rig.sync(), "P1").action, Action::StockOnly);

    // A brand renamed is everyone's context: every product is read again.
    make_unreadable(&rig, "P2");
    rig.ponte
        .catalog_put_brands(
            &parse_brands(
                r#"[{"id":"TRAMONTINA","name":"Tramontina S.A.","show_in_electronic_order":true}]"#,
            )
            .unwrap(),
        )
        .unwrap();
    assert!(rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err()
        .to_string()
        .contains("\"P2\""));
    rig.put(&[product("P2", "S2", None, 2000, 5)]);
    let report = rig.sync();
    assert_eq!(
        (item(&report, "P1").action, item(&report, "P2").action),
        (Action::Update, Action::Update)
    );
    assert_eq!(
        rig.store_items("S1")[0]["brands"][0]["name"],
        "Tramontina S.A."
    );

    // The integration's settings are context too.
    make_unreadable(&rig, "P1");
    let mut config = rig.sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config.locale = ponte::model::config::Locale::En;
    config.product_sync.warehouses = vec!["OUTRO".into()];
    rig.ponte.integration_put(config).unwrap();
    assert!(rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .is_err());
}

#[test]
fn products_with_stock_held_by_orders_are_read_every_sync() {
    let mut rig = Rig::with(|c| {
        c.order_capture.enabled = true;
        c.order_capture.fetch_statuses = vec!["processing".into()];
        c.order_capture.default_payment_terms = "A VISTA".into();
        c.order_capture.default_payment_method = "PIX".into();
    });
    rig.put(&[product("P1", "S1", None, 1000, 5)]);
    rig.sync();
    rig.sync();
    // An order the store took and no capture has read yet: its units are held from the push.
    rig.sandbox
        .place_order(&json!({"status": "processing", "line_items": [{"sku": "S1", "quantity": 2}]}))
        .unwrap();
    make_unreadable(&rig, "P1");
    assert!(
        rig.ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .is_err(),
        "a product with units held is read"
    );
}

#[test]
fn a_cancelled_run_stops_at_a_batch_boundary_and_the_next_run_finishes_without_duplicates() {
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 1);
    let products: Vec<String> = (0..250)
        .map(|n| product(&format!("P{n:03}"), &format!("SKU-{n:03}"), None, 1000, 1))
        .collect();
    rig.put(&products);
    let mut calls = Vec::new();
    let report = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |progress| {
            calls.push((progress.done, progress.total));
            false
        })
        .unwrap();
    assert_eq!(calls, vec![(100, 250)]);
    assert_eq!(
        (
            report.status,
            Rig::count(&report, "create"),
            Rig::count(&report, "cancelled")
        ),
        ("cancelled", 100, 150)
    );
    assert_eq!(rig.sandbox.products().len(), 100);
    assert_eq!(
        rig.ponte.sync_runs("loja", 1).unwrap()[0].status,
        "cancelled"
    );

    let report = rig.sync();
    assert_eq!(
        (
            Rig::count(&report, "create"),
            Rig::count(&report, "unchanged")
        ),
        (150, 100)
    );
    assert_eq!(rig.sandbox.products().len(), 250);
}

#[test]
fn a_run_cancelled_with_batches_in_flight_records_what_the_store_did_with_them() {
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 3);
    let products: Vec<String> = (0..650)
        .map(|n| product(&format!("P{n:03}"), &format!("SKU-{n:03}"), None, 1000, 1))
        .collect();
    rig.put(&products);
    let mut calls = 0;
    let report = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| {
            calls += 1;
            false
        })
        .unwrap();
    let created = Rig::count(&report, "create");
    assert_eq!(report.status, "cancelled");
    assert_eq!(
        calls, 1,
        "no progress reported after the callback said stop"
    );
    assert!(
        (100..=300).contains(&created),
        "the batches in flight when it stopped, and no more: {created}"
    );
    assert_eq!(Rig::count(&report, "cancelled"), 650 - created);
    assert_eq!(
        rig.sandbox.products().len() as u64,
        created,
        "each batch sent is recorded"
    );

    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 650 - created);
    assert_eq!(Rig::count(&report, "unchanged"), created);
    assert_eq!(rig.sandbox.products().len(), 650, "nothing duplicated");
}

#[test]
fn a_catalog_larger_than_a_planning_chunk_is_read_in_chunks_and_a_stop_leaves_the_rest_unread() {
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 1);
    let products: Vec<String> = (0..4500)
        .map(|n| product(&format!("P{n:04}"), &format!("SKU-{n:04}"), None, 1000, 1))
        .collect();
    rig.put(&products);
    let mut calls = Vec::new();
    let report = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |progress| {
            calls.push((progress.done, progress.total));
            false
        })
        .unwrap();
    assert_eq!(calls, vec![(100, 4500)], "products done of those to read");
    let counts = |report: &ponte::sync::RunReport| {
        ["create", "cancelled", "not_read", "unchanged"].map(|k| Rig::count(report, k))
    };
    assert_eq!(report.status, "cancelled");
    assert_eq!(
        counts(&report),
        [100, 1900, 2500, 0],
        "the first chunk planned, the rest never read"
    );
    assert_eq!(rig.sandbox.products().len(), 100);

    let report = rig.sync();
    assert_eq!(report.status, "completed");
    assert_eq!(counts(&report), [4400, 0, 0, 100]);
    assert_eq!(rig.sandbox.products().len(), 4500, "nothing duplicated");
    let report = rig.sync();
    assert_eq!(counts(&report), [0, 0, 0, 4500]);
    assert_eq!(report.requests, 0);
}

#[test]
fn a_batch_whose_sending_panics_is_unknown_and_the_next_run_creates_it_once() {
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 3);
    let products: Vec<String> = (0..250)
        .map(|n| product(&format!("P{n:03}"), &format!("SKU-{n:03}"), None, 1000, 1))
        .collect();
    rig.put(&products);
    ponte::failpoint::arm_panic("push.on_helper");
    let report = rig.sync();
    assert_eq!(
        report.status, "completed",
        "the run goes on: {:?}",
        report.counts
    );
    assert_eq!(
        (
            Rig::count(&report, "unknown"),
            Rig::count(&report, "create")
        ),
        (100, 150)
    );
    assert_eq!(rig.sandbox.products().len(), 150);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 100, "{:?}", report.counts);
    assert_eq!(rig.sandbox.products().len(), 250, "nothing created twice");
}

#[test]
fn a_product_with_variants_syncs_as_a_variable_product() {
    let mut rig = Rig::new();
    let shirt = r#"{"erp_id":"CAM","name":"Camiseta","brand_id":"HERING","show_in_store":true,"sync_stock":true,"variants":[
        {"sku":"CAM-M","ean":"7891000100110","price_cents":5990,"stock":3,"attributes":{"tamanho":"M"}},
        {"sku":"CAM-G","ean":"7891000100127","price_cents":5990,"stock":1,"attributes":{"tamanho":"G"}}]}"#;
    rig.put(&[shirt.into()]);
    let report = rig.sync();
    assert_eq!(item(&report, "CAM").result, "ok");
    let variation = &rig.store_items("CAM-G")[0];
    assert_eq!(
        (
            variation["type"].as_str(),
            variation["stock_quantity"].as_i64()
        ),
        (Some("variation"), Some(1))
    );
    rig.sandbox.reset_counters();
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 1);
    rig.ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"CAM-G","quantity":8}]"#).unwrap())
        .unwrap();
    let report = rig.sync();
    assert_eq!(item(&report, "CAM").action, Action::StockOnly);
    assert_eq!(rig.store_items("CAM-G")[0]["stock_quantity"], 8);
    assert_eq!(
        rig.sandbox
            .counters()
            .keys()
            .filter(|k| k.starts_with("POST"))
            .count(),
        1
    );
}

#[test]
fn status_explains_a_skipped_product_and_a_product_in_the_store() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        r#"{"erp_id":"2","name":"Oculto","show_in_store":false,"sync_stock":true,"variants":[{"sku":"B","price_cents":100}]}"#.into(),
    ]);
    rig.sync();
    let skipped = rig
        .ponte
        .product_status("loja", &ProductKey::Sku("B".into()))
        .unwrap();
    assert_eq!(
        (skipped.state, skipped.next_action),
        ("not_in_store", "skipped")
    );
    assert_eq!(
        skipped.reasons.iter().map(|r| r.code).collect::<Vec<_>>(),
        vec!["not_published", "no_brand"]
    );

    rig.put(&[product("1", "A", None, 1500, 5)]);
    let status = rig
        .ponte
        .product_status("loja", &ProductKey::ErpId("1".into()))
        .unwrap();
    assert_eq!(status.state, "in_store");
    assert!(status.store_product_id.is_some());
    assert_eq!(status.last_pushed.unwrap()["variants"]["A"]["price"], 1000);
    assert!(status.last_pushed_at.unwrap().ends_with('Z'));
    assert_eq!(
        (status.next_action, status.pending_fields),
        ("update", vec!["price"])
    );
}

#[test]
fn the_run_history_counts_outcomes_and_full_resync_sends_everything_again() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    rig.sandbox.reset_counters();
    let report = rig.sync_with(SyncOptions {
        full_resync: true,
        ..SyncOptions::default()
    });
    assert_eq!(Rig::count(&report, "update"), 1);
    assert_eq!(rig.sandbox.write_requests(), 1);
    let runs = rig.ponte.sync_runs("loja", 10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!((runs[0].counts["update"], runs[1].counts["create"]), (1, 1));
    assert_eq!(runs[1].status, "completed");
}

#[test]
fn erp_stock_that_changes_during_a_push_is_pushed_again_next_run() {
    let mut rig = Rig::new();
    let products: Vec<String> = (0..150)
        .map(|n| product(&format!("P{n:03}"), &format!("S{n:03}"), None, 1000, 5))
        .collect();
    rig.put(&products);
    // Another handle (the ERP's stock screen) changes a product of the first batch while the
    // second batch is still to go.
    let mut erp = ponte::Ponte::open(rig._dir.path().join("ponte.db")).unwrap();
    let mut changed = false;
    let report = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |progress| {
            if !changed {
                assert!(
                    progress.done < progress.total,
                    "changed while a batch is to go"
                );
                erp.catalog_put_stock(&parse_stock(r#"[{"sku":"S000","quantity":42}]"#).unwrap())
                    .unwrap();
                changed = true;
            }
            true
        })
        .unwrap();
    assert_eq!(Rig::count(&report, "create"), 150);
    assert_eq!(
        rig.store_items("S000")[0]["stock_quantity"],
        5,
        "the push carried the value planned"
    );
    let next = rig.sync();
    assert_eq!(item(&next, "P000").action, Action::StockOnly);
    assert_eq!(rig.store_items("S000")[0]["stock_quantity"], 42);
}

/// A throttled store (RELIABILITY.md scenario 30, scaled down): 10 requests at once, 10 a second.
/// The bucket drains on the client's own clock, which moves only when the client waits: whether
/// a request is throttled depends on what Ponte sends and waits, not on the machine's speed.
fn throttled_rig(client_rate: u32) -> Rig {
    let mut rig = Rig::with(|c| c.http.max_requests_per_second = client_rate);
    let products: Vec<String> = (0..600)
        .map(|n| product(&format!("P{n:03}"), &format!("T{n:03}"), None, 1000, 3))
        .collect();
    rig.put(&products);
    rig.sandbox
        .set_rate_limit_on(Some((10, 10)), rig.clock.clone());
    rig
}

#[test]
fn a_client_within_the_stores_rate_is_never_throttled() {
    let mut rig = throttled_rig(8);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 600);
    assert_eq!(rig.sandbox.products().len(), 600);
    assert_eq!(
        rig.sandbox.throttled(),
        0,
        "the client went faster than its configured rate"
    );
}

#[test]
fn a_client_above_the_stores_rate_waits_out_the_429s_and_creates_nothing_twice() {
    let mut rig = throttled_rig(0);
    // Enough look-ups and batches, sent without pause, to overflow the bucket.
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 600);
    assert!(
        rig.sandbox.throttled() > 0,
        "the store never throttled: the test proves nothing"
    );
    // Each 429 was waited out as the store asked (`Retry-After: 1`), not retried at once.
    let waits = rig.clock.waits.lock().unwrap().clone();
    assert!(
        waits.len() as u64 >= rig.sandbox.throttled()
            && waits
                .iter()
                .all(|w| *w >= std::time::Duration::from_secs(1)),
        "{waits:?}"
    );
    let skus: std::collections::BTreeSet<String> = rig
        .sandbox
        .products()
        .iter()
        .filter_map(|p| p["sku"].as_str().map(str::to_string))
        .collect();
    assert_eq!((skus.len(), rig.sandbox.products().len()), (600, 600));
}

/// RELIABILITY.md scenario 30, scaled down: 2,000 products against a store that takes 10
/// requests at once and 2 a second, each call limited to 5 seconds (on the test clock, which
/// moves only when Ponte waits): the first call ends partial, the next ones go on from it, and
/// every product ends in the store once.
#[test]
fn a_time_limited_sync_against_a_throttled_store_ends_partial_and_resumes_without_duplicates() {
    let mut rig = Rig::with(|c| c.http.max_requests_per_second = 0);
    let products: Vec<String> = (0..2000)
        .map(|n| product(&format!("P{n:04}"), &format!("T{n:04}"), None, 1000, 3))
        .collect();
    rig.put(&products);
    rig.checked();
    rig.sandbox
        .set_rate_limit_on(Some((10, 2)), rig.clock.clone());
    let options = SyncOptions {
        time_limit_seconds: Some(5),
        ..SyncOptions::default()
    };
    let first = rig.sync_with(options);
    assert_eq!(first.status, "partial", "{:?}", first.counts);
    let created = Rig::count(&first, "create");
    assert!(created > 0 && created < 2000, "{:?}", first.counts);
    let mut calls = 1;
    let mut last = first;
    while last.status == "partial" {
        last = rig.sync_with(options);
        calls += 1;
        assert!(calls < 100, "the sync never finished");
    }
    assert_eq!(last.status, "completed");
    let skus: std::collections::BTreeSet<String> = rig
        .sandbox
        .products()
        .iter()
        .filter_map(|p| p["sku"].as_str().map(str::to_string))
        .collect();
    assert_eq!((skus.len(), rig.sandbox.products().len()), (2000, 2000));
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 2000);
    let runs = rig.ponte.sync_runs("loja", 1000).unwrap();
    assert_eq!(
        runs.iter().filter(|r| r.status == "partial").count(),
        calls - 1
    );
    // Every 429 was waited out as the store asked, never retried at once.
    let waits = rig.clock.waits.lock().unwrap().clone();
    assert!(rig.sandbox.throttled() > 0);
    assert!(waits.len() as u64 >= rig.sandbox.throttled());
}

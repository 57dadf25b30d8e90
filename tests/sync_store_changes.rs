//! What sync does when the two sides drift apart: a variant the ERP dropped stays on sale no
//! more, and a product the merchant deleted in the store is noticed and sent again, once.

mod common;

use common::sync::*;
use ponte::model::catalog::ProductKey;
use ponte::model::config::UnpublishedPolicy;
use ponte::sync::{Action, SyncOptions};
use serde_json::Value;

fn shirt(sizes: &[&str]) -> String {
    let variants: Vec<String> = sizes
        .iter()
        .map(|size| {
            format!(
                r#"{{"sku":"CAM-{size}","price_cents":5990,"stock":5,"attributes":{{"tamanho":"{size}"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"erp_id":"CAM","name":"Camiseta","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,
            "variants":[{}]}}"#,
        variants.join(",")
    )
}

fn variation(rig: &Rig, sku: &str) -> Value {
    rig.store_items(sku).into_iter().next().unwrap()
}

fn removed_codes(report: &ponte::sync::RunReport) -> Vec<&str> {
    report
        .items
        .iter()
        .flat_map(|i| i.removed_variants.iter().map(|r| r.code))
        .collect()
}

#[test]
fn a_variant_the_erp_dropped_is_hidden_in_the_store_and_comes_back_with_it() {
    let mut rig = Rig::new();
    rig.put(&[shirt(&["P", "M", "G"])]);
    rig.sync();
    rig.put(&[shirt(&["P", "M"])]);
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    let item = &plan.items[0];
    assert_eq!(item.action, Action::Update);
    assert_eq!(item.removed_variants.len(), 1);
    assert!(
        item.removed_variants[0]
            .message
            .starts_with("Variant SKU CAM-G (store variation")
            && item.removed_variants[0]
                .message
                .ends_with("is no longer in the ERP: hidden in the store."),
        "{}",
        item.removed_variants[0].message
    );
    let report = rig.sync();
    assert_eq!(removed_codes(&report), ["variant_removed"]);
    assert_eq!(variation(&rig, "CAM-G")["status"], "private");
    assert_eq!(variation(&rig, "CAM-P")["status"], "publish");
    // Done once: the next sync has nothing to send, and says why the variant stays hidden.
    let again = rig.sync();
    assert_eq!(Rig::count(&again, "unchanged"), 1, "{:?}", again.counts);
    let status = rig
        .ponte
        .product_status("loja", &ProductKey::ErpId("CAM".into()))
        .unwrap();
    assert_eq!(status.removed_variants.len(), 1);
    // Back in the ERP: on sale again.
    rig.put(&[shirt(&["P", "M", "G"])]);
    rig.sync();
    assert_eq!(variation(&rig, "CAM-G")["status"], "publish");
    assert_eq!(rig.store_items("CAM-G").len(), 1, "created twice");
}

#[test]
fn under_zero_stock_a_dropped_variant_gets_zero_even_in_a_stock_only_run() {
    let mut rig = Rig::with(|c| c.product_sync.unpublished_policy = UnpublishedPolicy::ZeroStock);
    rig.put(&[shirt(&["P", "M", "G"])]);
    rig.sync();
    rig.put(&[shirt(&["P", "M"])]);
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(Rig::count(&report, "stock_only"), 1, "{:?}", report.counts);
    assert_eq!(variation(&rig, "CAM-G")["stock_quantity"], 0);
    assert_eq!(variation(&rig, "CAM-P")["stock_quantity"], 5);
    let again = rig.sync();
    assert_eq!(Rig::count(&again, "unchanged"), 1, "{:?}", again.counts);
}

#[test]
fn under_leave_a_dropped_variant_is_only_shown() {
    let mut rig = Rig::with(|c| c.product_sync.unpublished_policy = UnpublishedPolicy::Leave);
    rig.put(&[shirt(&["P", "G"])]);
    rig.sync();
    rig.put(&[shirt(&["P"])]);
    rig.sandbox.reset_counters();
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "unchanged"), 1);
    assert_eq!(rig.sandbox.write_requests(), 0);
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    assert!(plan.items[0].removed_variants[0]
        .message
        .ends_with("left as it is in the store."));
}

/// Makes every link look unchecked for two days, so the next sync checks them.
fn age_links(rig: &Rig) {
    let conn = rusqlite::Connection::open(rig._dir.path().join("ponte.db")).unwrap();
    conn.execute(
        "UPDATE product_link SET verified_at = '2000-01-01T00:00:00.000Z'",
        [],
    )
    .unwrap();
}

#[test]
fn a_product_deleted_in_the_store_is_noticed_on_the_next_write_and_sent_again_once() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    let first = rig.store_items("A")[0]["id"].as_u64().unwrap();
    rig.sandbox.delete_product(first).unwrap();
    rig.put(&[product("1", "A", None, 1200, 5)]);
    let report = rig.sync();
    let item = &report.items[0];
    assert_eq!(item.result, "failed");
    let error = item.error.as_ref().unwrap();
    assert_eq!(error.code, "woocommerce_rest_product_invalid_id");
    assert!(
        error
            .message
            .starts_with(&format!("the store no longer has product {first}")),
        "{}",
        error.message
    );
    let status = rig
        .ponte
        .product_status("loja", &ProductKey::Sku("A".into()))
        .unwrap();
    assert_eq!(
        (status.state, status.next_action),
        ("not_in_store", "create_or_link")
    );
    let again = rig.sync();
    assert_eq!(Rig::count(&again, "create"), 1, "{:?}", again.counts);
    let held = rig.store_items("A");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["regular_price"], "12.00");
    assert_ne!(held[0]["id"].as_u64(), Some(first));
}

#[test]
fn a_product_deleted_in_the_store_is_found_by_the_daily_check_with_nothing_to_send() {
    let mut rig = Rig::new();
    rig.put(&[
        product("1", "A", None, 1000, 5),
        product("2", "B", None, 1000, 5),
    ]);
    rig.sync();
    let gone = rig.store_items("A")[0]["id"].as_u64().unwrap();
    rig.sandbox.delete_product(gone).unwrap();
    // Checked within the day: nothing asked.
    rig.sandbox.reset_counters();
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 2);
    assert_eq!(
        rig.sandbox.total_requests(),
        0,
        "{:?}",
        rig.sandbox.counters()
    );
    age_links(&rig);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 1, "{:?}", report.counts);
    assert_eq!(Rig::count(&report, "unchanged"), 1);
    assert_eq!(rig.store_items("A").len(), 1);
    assert_eq!(rig.store_items("B").len(), 1);
}

#[test]
fn a_product_in_the_store_trash_is_not_taken_for_a_live_one() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    let trashed = rig.store_items("A")[0]["id"].as_u64().unwrap();
    rig.sandbox.trash_product(trashed).unwrap();
    rig.put(&[product("1", "A", None, 1100, 5)]);
    let report = rig.sync();
    let error = report.items[0].error.as_ref().unwrap();
    assert_eq!(error.code, "ponte_product_in_trash", "{error:?}");
    // WooCommerce keeps a trashed product's SKU: the store refuses a new one until the
    // merchant restores the product or empties the trash, and the report says so.
    let again = rig.sync();
    let error = again.items[0].error.as_ref().unwrap();
    assert_eq!(
        error.code, "woocommerce_rest_product_not_created",
        "{error:?}"
    );
    assert!(error
        .message
        .contains("already present in the lookup table"));
    assert_eq!(
        rig.sandbox.products().len(),
        1,
        "a second product was created"
    );
}

#[test]
fn a_variable_product_deleted_in_the_store_is_noticed_through_its_variations() {
    let mut rig = Rig::new();
    rig.put(&[shirt(&["P", "M"])]);
    rig.sync();
    let parent = variation(&rig, "CAM-P")["parent_id"].as_u64().unwrap();
    rig.sandbox.delete_product(parent).unwrap();
    rig.ponte
        .catalog_put_stock(
            &ponte::model::catalog::parse_stock(r#"[{"sku":"CAM-P","quantity":2}]"#).unwrap(),
        )
        .unwrap();
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(report.items[0].result, "failed");
    assert_eq!(
        report.items[0].error.as_ref().unwrap().code,
        "woocommerce_rest_product_variation_invalid_id"
    );
    // The next sync asks the store about the product first, finds it gone and sends it again.
    let again = rig.sync();
    assert_eq!(Rig::count(&again, "create"), 1, "{:?}", again.counts);
    assert_eq!(rig.store_items("CAM-P").len(), 1);
    assert_eq!(rig.store_items("CAM-P")[0]["stock_quantity"], 2);
}

//! What the fuzz targets of `fuzz/` found, each as the plain call the target made, with its
//! minimized input, and what reading the code around a finding turned up. Each test failed until
//! its finding was fixed; `fuzz/README.md` lists them.

mod common;

use std::collections::BTreeMap;

use ponte::model::config::{Locale, OrderCaptureConfig};
use ponte::model::money::{format_cents, parse_cents};
use ponte::platform::woocommerce::mapping;
use ponte::rules::orders;
use ponte::sync::SyncOptions;
use ponte::time;

/// F1 (fuzz target `time`): an offset outside RFC 3339's `±HH:MM` with HH 00-23 and MM 00-59 is
/// read as if it were one: `-04:80` as minus 5h20m, `-03:-2` as minus 2h58m, `+-1:00` as minus
/// one hour.
#[test]
fn f1_an_offset_outside_rfc3339_is_refused() {
    for text in [
        "2022-04-08T17:01:33-04:80",
        "2013-06-01T12:15:11-03:-2",
        "2017-03-22T16:28:02+99:00",
        "2017-03-22T16:28:02+-1:00",
        "2017-03-22T16:28:02-+1:00",
    ] {
        assert_eq!(time::parse(text), None, "{text}");
    }
}

/// F2 (fuzz target `time`): near the ends of the years 0000-9999 an offset moves the instant out
/// of them, and `to_utc` returns text (`-001-12-31T23:30:00Z`, `10000-01-01T00:30:00Z`) that
/// `parse` refuses. A WooCommerce order with such a date is captured with a `created_at` that
/// Ponte cannot read back (the report's date filters and the capture walk use `parse`).
#[test]
fn f2_what_to_utc_returns_parses_back_to_the_same_instant() {
    for text in ["0000-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"] {
        if let Some(utc) = time::to_utc(text) {
            assert_eq!(time::parse(&utc), time::parse(text), "{text} -> {utc}");
        }
    }
    let order = serde_json::json!({"id": 1, "date_created_gmt": "0000-01-01T00:30:00+01:00"});
    if let Ok(order) = mapping::store_order(&order) {
        assert!(
            time::parse(&order.created_at).is_some(),
            "created_at {:?}",
            order.created_at
        );
    }
}

/// F3 (fuzz target `money`): `format_cents(i64::MIN)` is `-92233720368547758.08`, which
/// `parse_cents` refuses as too large: it accumulates the magnitude as a positive `i64`.
#[test]
fn f3_the_most_negative_cents_format_and_parse_back() {
    assert_eq!(parse_cents(&format_cents(i64::MIN)), Ok(i64::MIN));
}

/// F4 (fuzz target `woo_order`): capture's totals check adds a store's amounts as plain `i64`:
/// two large amounts overflow, a panic in a build with overflow checks (the FFI boundary turns it
/// into `PONTE_E_PANIC` and poisons the handle) and a wrapped sum in a release build. Fixed by
/// checked sums and the bound on amounts: such an order is rejected by name.
#[test]
fn f4_an_order_with_huge_amounts_is_rejected_not_a_panic() {
    let order = serde_json::json!({
        "id": 1,
        "date_created_gmt": "2017-03-22T16:28:02",
        "line_items": [{"quantity": 1, "total": "92233720368547758"}],
        "shipping_total": "92233720368547758",
    });
    let order = mapping::store_order(&order).expect("the order maps");
    let config: OrderCaptureConfig = serde_json::from_str("{}").unwrap();
    let reasons = orders::validate(&order, &BTreeMap::new(), &config, Locale::En);
    assert!(
        reasons.iter().any(|r| r.code == "amount_out_of_bounds"),
        "{reasons:?}"
    );
}

/// R1 (read while triaging F4, not found by a fuzz target: sync needs a store): sync added a
/// SKU's stock over its warehouses as plain `i64` (`src/sync.rs`, `sellable`). A catalog with
/// stock that adds up past `i64::MAX` made the plan panic in a build with overflow checks. Fixed
/// by bounding every quantity the catalog takes, and checked sums: the put is refused with the
/// JSON path, and the largest stock it takes plans.
#[test]
fn r1_stock_that_adds_up_past_i64_max_is_refused_by_path_not_a_panic() {
    let mut rig = common::sync::Rig::new();
    let product = |erp_id: &str, first: i64, second: i64| {
        format!(
            r#"{{"erp_id":"{erp_id}","name":"Grande","brand_id":"TRAMONTINA","show_in_store":true,
            "sync_stock":true,"variants":[{{"sku":"{erp_id}-1","price_cents":100,
            "stock_by_warehouse":{{"CD-1":{first},"CD-2":{second}}}}}]}}"#
        )
    };
    let refused = rig
        .put_err(&[product("big", i64::MAX, 1)])
        .expect("stock past the bound is refused");
    let message = refused.to_string();
    assert!(
        message.contains("products[0] (erp_id \"big\").variants[0].stock_by_warehouse.CD-1"),
        "{message}"
    );
    let largest = 1_000_000_000_000;
    rig.put(&[product("largest", largest, largest)]);
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default());
    assert!(plan.is_ok(), "{plan:?}");
}

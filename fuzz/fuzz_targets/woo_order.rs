//! WooCommerce orders as they come off the network: the bytes are read as the adapter reads a
//! body (`serde_json::from_slice`), then each item of a listing page (or the one order of a single
//! read) goes through `mapping::store_order`, as the private `parse_page` does, and an order that
//! maps goes through capture's rules (`rules::orders::validate`).
//!
//! Properties: no panic; every time of a mapped order is RFC 3339 UTC that Ponte's own parser
//! reads back unchanged; a mapped order survives the JSON round trip of the journal.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ponte::model::config::{Locale, OrderCaptureConfig};
use ponte::model::order::StoreOrder;
use ponte::platform::woocommerce::mapping;
use ponte::rules::orders::{self, SkuInfo};
use ponte::time;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match &value {
        Value::Array(items) => items.iter().for_each(item),
        single => item(single),
    }
});

fn item(value: &Value) {
    match mapping::store_order(value) {
        Ok(order) => check(&order),
        // What `parse_page` keeps of an item that does not map.
        Err(_) => {
            let _ = value.get("id").map(|id| id.to_string());
            let _ = value
                .get("date_modified_gmt")
                .and_then(Value::as_str)
                .and_then(time::parse)
                .map(time::format_rfc3339);
        }
    }
}

fn check(order: &StoreOrder) {
    for at in [
        Some(&order.created_at),
        Some(&order.modified_at),
        order.paid_at.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(
            time::to_utc(at).as_ref(),
            Some(at),
            "the order's time {at:?} does not read back"
        );
    }
    let stored = serde_json::to_string(order).expect("an order serializes");
    let read: StoreOrder = serde_json::from_str(&stored).expect("a stored order reads back");
    assert_eq!(&read, order);

    // Half the SKUs known and published, half known and not, as capture would look them up.
    let skus: BTreeMap<String, SkuInfo> = order
        .lines
        .iter()
        .filter_map(|line| line.sku.clone())
        .enumerate()
        .map(|(i, sku)| {
            let info = SkuInfo {
                erp_id: format!("P-{i}"),
                published: i % 2 == 0,
            };
            (sku, info)
        })
        .collect();
    let config: OrderCaptureConfig =
        serde_json::from_str("{}").expect("the default capture config");
    for locale in [Locale::PtBr, Locale::En] {
        for reason in orders::validate(order, &skus, &config, locale) {
            assert!(!reason.code.is_empty() && !reason.message.is_empty());
        }
    }
}

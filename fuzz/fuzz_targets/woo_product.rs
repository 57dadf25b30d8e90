//! WooCommerce products and variations as they come off the network: the bytes are read as the
//! adapter reads a body (`serde_json::from_slice`), then each item of a listing page (or the one
//! product of a single read) goes through `mapping::remote_product`, as the private `parse_page`
//! does.
//!
//! Properties: no panic; the ids of a mapped product are decimal digits; its price formats and
//! parses back to the same cents.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte::model::money;
use ponte::platform::woocommerce::mapping;
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
    match mapping::remote_product(value) {
        Ok(product) => {
            let digits = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
            assert!(digits(&product.id), "id {:?}", product.id);
            if let Some(parent) = &product.parent_id {
                assert!(digits(parent), "parent_id {parent:?}");
            }
            assert!(product.variation_ids.iter().all(|id| digits(id)));
            if let Some(cents) = product.price_cents {
                assert_eq!(money::parse_cents(&money::format_cents(cents)), Ok(cents));
            }
        }
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

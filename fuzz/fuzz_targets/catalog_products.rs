//! `ponte_catalog_put_products`'s input: `catalog::parse_products`, then `validate_products`, then
//! the WooCommerce bodies sync would build from a valid product.
//!
//! Properties: no panic; every error is a JSON or data error that names a path; products parsed
//! and serialized again parse to the same products; a price sent to the store reads back as the
//! same cents.

#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use libfuzzer_sys::fuzz_target;
use ponte::model::catalog::{self, Product};
use ponte::model::config::{NewProductStatus, Visibility, ALL_SYNC_FIELDS};
use ponte::model::money;
use ponte::platform::woocommerce::mapping;
use ponte::platform::ProductDraft;
use ponte::Error;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // The C ABI refuses non-UTF-8 before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let products = match catalog::parse_products(text) {
        Ok(products) => products,
        Err(err) => return check_error(&err),
    };
    let again = serde_json::to_string(&products).expect("products serialize");
    assert_eq!(
        catalog::parse_products(&again).as_ref().ok(),
        Some(&products),
        "serialized products do not parse back: {again}"
    );
    match catalog::validate_products(&products) {
        Ok(()) => products.iter().for_each(bodies),
        Err(err) => check_error(&err),
    }
});

fn check_error(err: &Error) {
    match err {
        Error::InvalidJson { path, .. } | Error::InvalidData { path, .. } => {
            assert!(!path.is_empty(), "an error without a path: {err}")
        }
        Error::InputTooLarge { .. } => {}
        other => panic!("unexpected error kind: {other:?}"),
    }
}

/// What sync sends for a valid product, as on creation and on update.
fn bodies(product: &Product) {
    let stock: BTreeMap<String, i64> = product
        .variants
        .iter()
        .filter_map(|v| {
            let total = v
                .stock_levels()?
                .iter()
                .map(|(_, q)| *q)
                .fold(0i64, i64::saturating_add);
            Some((v.sku.clone(), total))
        })
        .collect();
    let draft = ProductDraft {
        product: product.clone(),
        brand: None,
        fields: BTreeSet::from(ALL_SYNC_FIELDS),
        stock,
        status: NewProductStatus::Publish,
        visibility: Visibility::Visible,
        restore_visibility: true,
        retire_variants: Default::default(),
        restore_variants: Default::default(),
    };
    for creating in [true, false] {
        if mapping::is_variable(product) {
            let _ = mapping::variable_parent_body(&draft, creating, Some(7));
            for variant in &product.variants {
                let body = mapping::variation_body(&draft, variant, creating);
                check_price(&body, variant.price_cents);
            }
        } else {
            let body = mapping::simple_product_body(&draft, creating, Some(7));
            check_price(&body, product.variants[0].price_cents);
        }
    }
}

fn check_price(body: &Value, cents: Option<i64>) {
    let sent = body["regular_price"].as_str().expect("a regular_price");
    match cents {
        Some(cents) => assert_eq!(money::parse_cents(sent), Ok(cents), "{sent:?}"),
        None => assert_eq!(sent, ""),
    }
}

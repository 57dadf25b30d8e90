//! The other catalog inputs of the C ABI, each given the same text: `catalog::parse_brands`,
//! `parse_categories` (validated, then its tree checked), `parse_stock`, `parse_erp_ids` (each
//! then validated) and `parse_product_key`.
//!
//! Properties: no panic; every error is a JSON or data error that names a path; what parsed and is
//! serialized again parses to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte::model::catalog;
use ponte::Error;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match catalog::parse_brands(text) {
        Ok(brands) => {
            let again = serde_json::to_string(&brands).expect("brands serialize");
            assert_eq!(catalog::parse_brands(&again).ok().as_ref(), Some(&brands));
            if let Err(err) = catalog::validate_brands(&brands) {
                check_error(&err);
            }
        }
        Err(err) => check_error(&err),
    }
    match catalog::parse_categories(text) {
        Ok(categories) => {
            let again = serde_json::to_string(&categories).expect("categories serialize");
            assert_eq!(
                catalog::parse_categories(&again).ok().as_ref(),
                Some(&categories)
            );
            match catalog::validate_categories(&categories) {
                // The tree check ends on any shape of tree (a cycle, a long chain) and names
                // the category.
                Ok(()) => {
                    let tree = categories
                        .iter()
                        .map(|c| (c.id.clone(), c.parent_id.clone()))
                        .collect();
                    if let Err(err) = catalog::check_tree(&tree, |id| format!("categories ({id})"))
                    {
                        check_error(&err);
                    }
                }
                Err(err) => check_error(&err),
            }
        }
        Err(err) => check_error(&err),
    }
    match catalog::parse_stock(text) {
        Ok(levels) => {
            let again = serde_json::to_string(&levels).expect("stock serializes");
            assert_eq!(catalog::parse_stock(&again).ok().as_ref(), Some(&levels));
            if let Err(err) = catalog::validate_stock(&levels) {
                check_error(&err);
            }
        }
        Err(err) => check_error(&err),
    }
    match catalog::parse_erp_ids(text) {
        Ok(ids) => {
            if let Err(err) = catalog::validate_erp_ids(&ids) {
                check_error(&err);
            }
        }
        Err(err) => check_error(&err),
    }
    match catalog::parse_product_key(text) {
        Ok(key) => {
            let again = serde_json::to_string(&key).expect("a key serializes");
            assert_eq!(catalog::parse_product_key(&again).ok().as_ref(), Some(&key));
        }
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

//! The catalog mirror through the Rust API: round trips, whole-batch atomicity, the stock fast
//! path, retirement, look-up by SKU, odd strings, and credentials kept out of the file.

mod common;

use ponte::model::catalog::{parse_brands, parse_products, parse_stock, ProductKey};
use ponte::model::config::parse_config;
use ponte::{Error, Ponte};

fn open() -> (Ponte, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    ponte
        .catalog_put_brands(&parse_brands(common::BRANDS).unwrap())
        .unwrap();
    ponte
        .catalog_put_products(&parse_products(common::PRODUCTS).unwrap())
        .unwrap();
    (ponte, dir)
}

fn stock_of(ponte: &mut Ponte, sku: &str) -> Option<i64> {
    let product = ponte
        .catalog_get(&ProductKey::Sku(sku.into()))
        .unwrap()
        .product;
    product
        .variants
        .into_iter()
        .find(|v| v.sku == sku)
        .unwrap()
        .stock
}

#[test]
fn a_product_reads_back_as_it_was_put() {
    let (mut ponte, _dir) = open();
    let sent = parse_products(common::PRODUCTS).unwrap();
    let by_id = ponte
        .catalog_get(&ProductKey::ErpId("1001".into()))
        .unwrap();
    let by_sku = ponte
        .catalog_get(&ProductKey::Sku("TRA-PP-45".into()))
        .unwrap();
    assert_eq!(by_id.product, sent[0]);
    assert_eq!(by_sku, by_id);
    assert!(by_id.retired_at.is_none());
    assert!(
        by_id.updated_at.ends_with('Z'),
        "times are UTC: {}",
        by_id.updated_at
    );
}

#[test]
fn putting_the_same_products_again_changes_nothing() {
    let (mut ponte, _dir) = open();
    let before = ponte
        .catalog_get(&ProductKey::ErpId("1001".into()))
        .unwrap();
    let summary = ponte
        .catalog_put_products(&parse_products(common::PRODUCTS).unwrap())
        .unwrap();
    assert_eq!(
        (
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.stock_changed
        ),
        (0, 0, 2, 0)
    );
    assert_eq!(
        ponte
            .catalog_get(&ProductKey::ErpId("1001".into()))
            .unwrap()
            .updated_at,
        before.updated_at
    );
}

#[test]
fn one_invalid_product_leaves_the_whole_batch_unapplied() {
    let (mut ponte, _dir) = open();
    let batch = r#"[
      {"erp_id":"1001","name":"Panela NOVA","show_in_store":true,"sync_stock":true,
       "variants":[{"sku":"TRA-PP-45","price_cents":100,"stock":1}]},
      {"erp_id":"2001","name":"Nova","show_in_store":true,"sync_stock":true,
       "variants":[{"sku":"NOVA-1","price_cents":100}]},
      {"erp_id":"2002","name":"Quebrada","show_in_store":true,"sync_stock":true,
       "variants":[{"sku":"Q-1","price_cents":100,"weight_grams":-5}]}
    ]"#;
    let err = ponte
        .catalog_put_products(&parse_products(batch).unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"products[2] (erp_id "2002").variants[0].weight_grams: must not be negative"#
    );
    let kept = ponte
        .catalog_get(&ProductKey::ErpId("1001".into()))
        .unwrap()
        .product;
    assert_eq!(kept.name, "Panela de Pressão 4,5 L");
    assert_eq!(stock_of(&mut ponte, "TRA-PP-45"), Some(42));
    assert!(matches!(
        ponte.catalog_get(&ProductKey::ErpId("2001".into())),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn the_stock_fast_path_sets_levels_and_refuses_an_unknown_sku_whole() {
    let (mut ponte, _dir) = open();
    let summary = ponte
        .catalog_put_stock(
            &parse_stock(r#"[{"sku":"TRA-PP-45","quantity":40},{"sku":"TRA-FR-24","quantity":0}]"#)
                .unwrap(),
        )
        .unwrap();
    assert_eq!((summary.changed, summary.unchanged), (2, 0));
    assert_eq!(stock_of(&mut ponte, "TRA-PP-45"), Some(40));
    let again = ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"TRA-PP-45","quantity":40}]"#).unwrap())
        .unwrap();
    assert_eq!((again.changed, again.unchanged), (0, 1));

    let err = ponte
        .catalog_put_stock(
            &parse_stock(r#"[{"sku":"TRA-PP-45","quantity":1},{"sku":"NAO-EXISTE","quantity":1}]"#)
                .unwrap(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    assert!(
        err.to_string()
            .starts_with(r#"stock[1] (sku "NAO-EXISTE")"#),
        "{err}"
    );
    assert_eq!(
        stock_of(&mut ponte, "TRA-PP-45"),
        Some(40),
        "the first level of the failed batch was applied"
    );
}

#[test]
fn stock_per_warehouse_reads_back_per_warehouse() {
    let (mut ponte, _dir) = open();
    ponte
        .catalog_put_stock(&parse_stock(r#"[{"sku":"TRA-FR-24","warehouse":"CD-SP","quantity":5},{"sku":"TRA-FR-24","warehouse":"LOJA-01","quantity":2}]"#).unwrap())
        .unwrap();
    let variant = ponte
        .catalog_get(&ProductKey::Sku("TRA-FR-24".into()))
        .unwrap()
        .product
        .variants
        .remove(0);
    assert_eq!(variant.stock, None);
    let levels = variant.stock_by_warehouse.unwrap();
    assert_eq!(levels.get("CD-SP"), Some(&5));
    assert_eq!(levels.get("LOJA-01"), Some(&2));
}

#[test]
fn a_product_without_stock_keeps_the_stock_already_recorded() {
    let (mut ponte, _dir) = open();
    let renamed = r#"[{"erp_id":"1001","name":"Panela 4,5 L","brand_id":"TRAMONTINA","show_in_store":true,
       "sync_stock":true,"variants":[{"sku":"TRA-PP-45","ean":"7891000100103","price_cents":18990}]}]"#;
    let summary = ponte
        .catalog_put_products(&parse_products(renamed).unwrap())
        .unwrap();
    assert_eq!((summary.updated, summary.stock_changed), (1, 0));
    assert_eq!(stock_of(&mut ponte, "TRA-PP-45"), Some(42));
}

#[test]
fn a_retired_product_comes_back_when_put_again() {
    let (mut ponte, _dir) = open();
    let summary = ponte.catalog_retire_products(&["1002".into()]).unwrap();
    assert_eq!((summary.retired, summary.already_retired), (1, 0));
    assert!(ponte
        .catalog_get(&ProductKey::ErpId("1002".into()))
        .unwrap()
        .retired_at
        .is_some());
    assert_eq!(
        ponte
            .catalog_retire_products(&["1002".into()])
            .unwrap()
            .already_retired,
        1
    );
    let err = ponte
        .catalog_retire_products(&["1001".into(), "9999".into()])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"erp_ids[1]: no catalog product has erp_id "9999""#
    );
    assert!(ponte
        .catalog_get(&ProductKey::ErpId("1001".into()))
        .unwrap()
        .retired_at
        .is_none());

    ponte
        .catalog_put_products(&parse_products(common::PRODUCTS).unwrap())
        .unwrap();
    assert!(ponte
        .catalog_get(&ProductKey::ErpId("1002".into()))
        .unwrap()
        .retired_at
        .is_none());
}

#[test]
fn an_sku_on_two_products_is_kept_but_a_lookup_by_it_is_a_conflict() {
    let (mut ponte, _dir) = open();
    let twin = r#"[{"erp_id":"1003","name":"Panela duplicada","show_in_store":true,"sync_stock":true,
                    "variants":[{"sku":"TRA-PP-45","price_cents":100}]}]"#;
    ponte
        .catalog_put_products(&parse_products(twin).unwrap())
        .unwrap();
    let err = ponte
        .catalog_get(&ProductKey::Sku("TRA-PP-45".into()))
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    assert!(
        err.to_string()
            .contains("belongs to 2 products: 1001, 1003"),
        "{err}"
    );
}

#[test]
fn odd_strings_are_stored_and_read_back_verbatim() {
    let (mut ponte, _dir) = open();
    let name = "Caneca 'Bom dia'; DROP TABLE product;-- ☕ \u{202E}lateral 😀";
    let long_description = "á".repeat(200_000);
    let product = serde_json::json!([{
        "erp_id": "'; DROP TABLE product;--",
        "name": name,
        "description": long_description,
        "show_in_store": true, "sync_stock": true,
        "variants": [{"sku": "CAN\"ECA", "price_cents": 2990, "attributes": {"cor": "Preto \"fosco\""}}]
    }]);
    ponte
        .catalog_put_products(&parse_products(&product.to_string()).unwrap())
        .unwrap();
    let back = ponte
        .catalog_get(&ProductKey::Sku("CAN\"ECA".into()))
        .unwrap()
        .product;
    assert_eq!(back.erp_id, "'; DROP TABLE product;--");
    assert_eq!(back.name, name);
    assert_eq!(back.description, long_description);
    assert!(
        ponte.catalog_get(&ProductKey::ErpId("1001".into())).is_ok(),
        "the schema is intact"
    );
}

#[test]
fn credentials_never_reach_the_state_file_or_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    let mut ponte = Ponte::open(&path).unwrap();
    ponte
        .integration_put(parse_config(common::CONFIG).unwrap())
        .unwrap();
    let view = ponte.integration_get("loja").unwrap();
    assert_eq!(
        view.credentials_set,
        vec!["consumer_key", "consumer_secret"]
    );
    let outputs = [
        serde_json::to_string(&view).unwrap(),
        serde_json::to_string(&ponte.integration_list().unwrap()).unwrap(),
        format!("{view:?}"),
        format!("{ponte:?}"),
    ];
    for output in outputs {
        assert!(!output.contains(common::CANARY), "{output}");
    }
    drop(ponte);
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(!bytes
            .windows(common::CANARY.len())
            .any(|w| w == common::CANARY.as_bytes()));
    }
}

#[test]
fn putting_a_config_without_credentials_keeps_the_ones_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    ponte
        .integration_put(parse_config(common::CONFIG).unwrap())
        .unwrap();
    let plain =
        r#"{"id":"loja","platform":"woocommerce","base_url":"https://loja2.example.com.br"}"#;
    ponte.integration_put(parse_config(plain).unwrap()).unwrap();
    let view = ponte.integration_get("loja").unwrap();
    assert_eq!(view.config.base_url, "https://loja2.example.com.br");
    assert_eq!(view.credentials_set.len(), 2);
    assert!(ponte.credentials("loja").is_some());

    ponte.integration_remove("loja").unwrap();
    assert!(ponte.credentials("loja").is_none());
    assert!(matches!(
        ponte.integration_get("loja"),
        Err(Error::IntegrationNotFound(_))
    ));
    assert!(matches!(
        ponte.integration_remove("loja"),
        Err(Error::IntegrationNotFound(_))
    ));
}

#[test]
fn an_invalid_config_is_refused_through_the_typed_api_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    let mut config = parse_config(common::CONFIG).unwrap();
    config.base_url = "ftp://loja".into();
    let err = ponte.integration_put(config).unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig(ref problems) if problems[0].path == "base_url"),
        "{err:?}"
    );
    assert!(ponte.integration_list().unwrap().is_empty());
}

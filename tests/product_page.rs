//! The whole product page reaches the store, as the store then holds it: categories, pictures,
//! short description, specification attributes, sale dates and a channel's price table; and a
//! second sync with nothing changed sends nothing and downloads no picture again.

mod common;

use common::images::{shaded as png, ImageServer};
use common::sync::Rig;
use ponte::model::catalog::parse_categories;
use ponte::model::config::{IntegrationConfig, PriceTable};
use ponte::sync::SyncOptions;
use serde_json::{json, Value};

const TREE: &str = r#"[
  {"id":"CASA","name":"Casa"},
  {"id":"COZINHA","name":"Cozinha","parent_id":"CASA"},
  {"id":"PANELAS","name":"Panelas & Caçarolas","parent_id":"COZINHA"},
  {"id":"ROUPAS","name":"Roupas"}
]"#;

fn rig(adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig {
    let mut rig = Rig::with(adjust);
    rig.ponte
        .catalog_put_categories(&parse_categories(TREE).unwrap())
        .unwrap();
    rig.checked();
    rig
}

/// A simple product with the whole page.
fn pan(images: &[&str]) -> String {
    let images: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, url)| json!({"url": url, "alt": format!("Foto {i}")}))
        .collect();
    json!({
        "erp_id": "P1", "name": "Panela de Pressão", "brand_id": "TRAMONTINA",
        "show_in_store": true, "sync_stock": true,
        "short_description": "Panela de 4,5 L",
        "category_ids": ["PANELAS"],
        "images": images,
        "specifications": {"Material": "Alumínio", "Voltagem": "Não se aplica"},
        "variants": [{"sku": "PAN-1", "price_cents": 18990, "promo_price_cents": 15990,
                      "promo_starts_at": "2026-12-01T00:00:00-03:00",
                      "promo_ends_at": "2026-12-31T23:59:59-03:00", "stock": 5}]
    })
    .to_string()
}

fn store_product(rig: &Rig, sku: &str) -> Value {
    let items = rig.store_items(sku);
    assert_eq!(items.len(), 1, "one store product with SKU {sku}");
    items[0].clone()
}

fn category_names(product: &Value) -> Vec<String> {
    product["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_whole_page_reaches_the_store_and_a_second_sync_sends_nothing() {
    let images = ImageServer::start();
    let front = images.put("frente.png", png(2, 10));
    let side = images.put("lado.png", png(3, 20));
    let mut rig = rig(|_| {});
    rig.put(&[pan(&[&front, &side])]);

    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    let planned: Vec<(&str, &str)> = plan
        .categories
        .iter()
        .map(|c| (c.path.as_str(), c.action))
        .collect();
    assert_eq!(
        planned,
        [
            ("Casa", "create"),
            ("Casa > Cozinha", "create"),
            ("Casa > Cozinha > Panelas & Caçarolas", "create")
        ]
    );
    assert!(
        rig.sandbox.categories().iter().all(|c| c["name"] != "Casa"),
        "a plan creates nothing"
    );

    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 1, "{report:?}");
    assert_eq!(
        report
            .categories
            .iter()
            .map(|c| c.action)
            .collect::<Vec<_>>(),
        ["created", "created", "created"]
    );

    let product = store_product(&rig, "PAN-1");
    // WordPress keeps `&` in a term's name as `&amp;`.
    let names = category_names(&product);
    assert!(
        names == ["Panelas &amp; Caçarolas"] || names == ["Panelas & Caçarolas"],
        "{names:?}"
    );
    let leaf_id = product["categories"][0]["id"].as_u64().unwrap();
    let by_id = |id: u64| {
        rig.sandbox
            .categories()
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap()
    };
    let middle = by_id(leaf_id)["parent"].as_u64().unwrap();
    assert_eq!(by_id(middle)["name"], "Cozinha");
    let top = by_id(middle)["parent"].as_u64().unwrap();
    assert_eq!(
        (by_id(top)["name"].clone(), by_id(top)["parent"].clone()),
        (json!("Casa"), json!(0))
    );

    assert_eq!(product["short_description"], "Panela de 4,5 L");
    let gallery = product["images"].as_array().unwrap();
    assert_eq!(gallery.len(), 2);
    assert_eq!(
        (gallery[0]["alt"].clone(), gallery[1]["alt"].clone()),
        (json!("Foto 0"), json!("Foto 1"))
    );
    let attributes: Vec<(Value, Value, Value)> = product["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].clone(),
                a["options"].clone(),
                a["variation"].clone(),
            )
        })
        .collect();
    assert_eq!(
        attributes,
        [
            (json!("Material"), json!(["Alumínio"]), json!(false)),
            (json!("Voltagem"), json!(["Não se aplica"]), json!(false))
        ]
    );
    assert_eq!(product["sale_price"], "159.90");
    assert_eq!(product["date_on_sale_from_gmt"], "2026-12-01T03:00:00");
    assert_eq!(product["date_on_sale_to_gmt"], "2027-01-01T02:59:59");
    let downloads = images.total_served();
    assert_eq!(
        downloads,
        2,
        "each picture downloaded once: {:?}",
        images.served()
    );

    rig.sandbox.reset_counters();
    let again = rig.sync();
    assert_eq!(again.requests, 0, "{again:?}");
    assert_eq!(
        images.total_served(),
        downloads,
        "no picture downloaded again"
    );
    assert!(again.categories.is_empty());
}

#[test]
fn pictures_are_sent_only_when_they_change_and_the_merchants_own_stay() {
    let images = ImageServer::start();
    let a = images.put("a.png", png(2, 1));
    let b = images.put("b.png", png(2, 2));
    let c = images.put("c.png", png(2, 3));
    let merchant = images.put("merchant.png", png(2, 4));
    let mut rig = rig(|_| {});
    rig.put(&[pan(&[&a, &b])]);
    rig.sync();
    let product = store_product(&rig, "PAN-1");
    let ids: Vec<u64> = product["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    // The merchant adds a picture in the store's admin.
    let id = product["id"].as_u64().unwrap();
    let mut gallery: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    gallery.push(json!({"src": merchant}));
    rig.sandbox
        .update_product(id, &json!({"images": gallery}))
        .unwrap();
    let merchants_id = store_product(&rig, "PAN-1")["images"][2]["id"]
        .as_u64()
        .unwrap();
    let served = images.served();

    // The ERP drops `a`, keeps `b` and adds `c` before it.
    rig.put(&[pan(&[&c, &b])]);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "update"), 1, "{report:?}");
    assert_eq!(report.items[0].fields, ["images"]);
    let after: Vec<u64> = store_product(&rig, "PAN-1")["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[1], ids[1], "b kept as it was, by its id");
    assert_eq!(after[2], merchants_id, "the merchant's picture stays");
    assert!(!after.contains(&ids[0]), "a, Ponte's own, is taken off");
    let now = images.served();
    assert_eq!(now.get("c.png"), Some(&1), "only c is downloaded");
    assert_eq!(now.get("b.png"), served.get("b.png"));

    // An alt text alone changes without a download.
    let mut changed: Value = serde_json::from_str(&pan(&[&c, &b])).unwrap();
    changed["images"][1]["alt"] = json!("Vista lateral");
    rig.put(&[changed.to_string()]);
    rig.sync();
    assert_eq!(images.served(), now);
    assert_eq!(
        store_product(&rig, "PAN-1")["images"][1]["alt"],
        "Vista lateral"
    );
}

#[test]
fn variant_pictures_go_to_their_variations() {
    let images = ImageServer::start();
    let blue = images.put("azul.png", png(2, 30));
    let green = images.put("verde.png", png(2, 40));
    let mut rig = rig(|_| {});
    let shirt = json!({
        "erp_id": "C1", "name": "Camiseta", "brand_id": "HERING", "show_in_store": true, "sync_stock": true,
        "category_ids": ["ROUPAS"], "specifications": {"Tecido": "Algodão"},
        "variants": [
            {"sku": "C1-AZ", "price_cents": 4990, "stock": 1, "attributes": {"Cor": "Azul"}, "images": [{"url": blue}]},
            {"sku": "C1-VD", "price_cents": 4990, "stock": 1, "attributes": {"Cor": "Verde"}, "images": [{"url": green}]}
        ]
    });
    rig.put(&[shirt.to_string()]);
    rig.sync();
    let blue_variation = store_product(&rig, "C1-AZ");
    let green_variation = store_product(&rig, "C1-VD");
    assert!(
        blue_variation["image"]["id"].as_u64().is_some(),
        "{blue_variation}"
    );
    assert_ne!(
        blue_variation["image"]["id"],
        green_variation["image"]["id"]
    );
    let parent = rig
        .sandbox
        .products()
        .into_iter()
        .find(|p| p["type"] == "variable")
        .unwrap();
    let attributes: Vec<(Value, Value)> = parent["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].clone(), a["variation"].clone()))
        .collect();
    assert_eq!(
        attributes,
        [(json!("Cor"), json!(true)), (json!("Tecido"), json!(false))]
    );
    assert_eq!(category_names(&parent), ["Roupas"]);
    rig.sandbox.reset_counters();
    assert_eq!(rig.sync().requests, 0);
    assert_eq!(images.total_served(), 2);

    // The merchant deletes the blue picture from the media library; then the ERP changes its
    // alt text: the variation gets the picture again by address, not a dead id.
    let dead = blue_variation["image"]["id"].as_u64().unwrap();
    rig.sandbox.delete_attachment(dead);
    let mut changed = shirt.clone();
    changed["variants"][0]["images"][0]["alt"] = json!("Azul marinho");
    rig.put(&[changed.to_string()]);
    let report = rig.sync();
    assert_eq!(report.items[0].result, "ok", "{report:?}");
    let blue_now = store_product(&rig, "C1-AZ");
    assert_ne!(blue_now["image"]["id"], json!(dead));
    assert_eq!(blue_now["image"]["alt"], "Azul marinho");
    assert_eq!(images.served().get("azul.png"), Some(&2));
    assert_eq!(rig.sync().requests, 0, "and then it is settled");

    // The ERP drops the green picture: the variation no longer shows it.
    changed["variants"][1]
        .as_object_mut()
        .unwrap()
        .remove("images");
    rig.put(&[changed.to_string()]);
    let report = rig.sync();
    assert_eq!(report.items[0].fields, ["images"], "{report:?}");
    assert!(store_product(&rig, "C1-VD")["image"]["id"]
        .as_u64()
        .is_none_or(|id| id == 0));
    assert_eq!(store_product(&rig, "C1-AZ")["image"]["alt"], "Azul marinho");
    assert_eq!(rig.sync().requests, 0);
}

#[test]
fn categories_are_found_by_name_path_mapped_or_left_out_as_configured() {
    // The store already has Casa > Cozinha, spelled its own way.
    let mut rig = rig(|c| c.product_sync.categories.create_missing = false);
    let casa = rig.sandbox.seed_category("casa", None).unwrap();
    let cozinha = rig.sandbox.seed_category("COZINHA ", Some(casa)).unwrap();
    let before = rig.sandbox.categories().len();
    let mut product: Value = serde_json::from_str(&pan(&[])).unwrap();
    product["category_ids"] = json!(["COZINHA", "PANELAS"]);
    rig.put(&[product.to_string()]);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 1, "{report:?}");
    let stored = store_product(&rig, "PAN-1");
    assert_eq!(
        stored["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [cozinha],
        "linked to the store's own category, none created"
    );
    assert_eq!(rig.sandbox.categories().len(), before);
    let missing = &report.items[0].not_supported;
    assert!(
        missing.iter().any(|r| r.code == "category_not_in_store"
            && r.message.contains("Casa > Cozinha > Panelas & Caçarolas")),
        "{missing:?}"
    );
    // Not settled while a category is missing: read again, nothing sent.
    let again = rig.sync();
    assert_eq!(Rig::count(&again, "unchanged"), 1, "{again:?}");

    // The merchant maps it by hand: the next sync sends it.
    let mut config = rig.ponte.integration_get("loja").unwrap().config;
    config.credentials = Some(rig.sandbox.credentials());
    config
        .product_sync
        .categories
        .map
        .insert("PANELAS".into(), casa.to_string());
    rig.ponte.integration_put(config).unwrap();
    let mapped = rig.sync();
    assert_eq!(Rig::count(&mapped, "update"), 1, "{mapped:?}");
    let mut ids: Vec<u64> = store_product(&rig, "PAN-1")["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [casa, cozinha]);
}

#[test]
fn a_price_table_reprices_everything_once_and_then_nothing() {
    let mut rig = rig(|c| {
        c.product_sync.price_table = Some(PriceTable {
            percent_bp: 1_000,
            ending_cents: Some(90),
            ..PriceTable::default()
        })
    });
    let products: Vec<String> = (0..5)
        .map(|n| common::sync::product(&format!("P{n}"), &format!("S{n}"), None, 1_000 + n, 1))
        .collect();
    rig.put(&products);
    rig.sync();
    // 10,00 + 10 % = 11,00 → 11,90.
    assert_eq!(store_product(&rig, "S0")["regular_price"], "11.90");
    assert_eq!(rig.sync().requests, 0);

    let mut config = rig.ponte.integration_get("loja").unwrap().config;
    config.credentials = Some(rig.sandbox.credentials());
    config.product_sync.price_table = Some(PriceTable {
        amount_cents: -100,
        ..PriceTable::default()
    });
    rig.ponte.integration_put(config).unwrap();
    let repriced = rig.sync();
    assert_eq!(Rig::count(&repriced, "update"), 5, "{repriced:?}");
    assert_eq!(store_product(&rig, "S4")["regular_price"], "9.04");
    let again = rig.sync();
    assert_eq!((again.requests, Rig::count(&again, "update")), (0, 0));
}

#[test]
fn a_rule_without_a_price_skips_that_product_alone_with_its_reason() {
    let mut rig = rig(|c| {
        c.product_sync.price_table = Some(PriceTable {
            amount_cents: -1_000,
            ..PriceTable::default()
        })
    });
    rig.put(&[
        common::sync::product("CHEAP", "CHEAP-1", None, 900, 1),
        common::sync::product("FINE", "FINE-1", None, 5_000, 1),
    ]);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 1);
    let skipped = report.items.iter().find(|i| i.erp_id == "CHEAP").unwrap();
    assert_eq!(skipped.reasons[0].code, "price_rule_not_positive");
    assert!(skipped.reasons[0].message.contains("SKU CHEAP-1"));
    assert_eq!(store_product(&rig, "FINE-1")["regular_price"], "40.00");
    assert!(rig.store_items("CHEAP-1").is_empty());
}

#[test]
fn file_pictures_are_read_once_and_sent_from_the_public_address() {
    let images = ImageServer::start();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("frente azul.png");
    std::fs::write(&path, png(4, 50)).unwrap();
    images.put("frente%20azul.png", std::fs::read(&path).unwrap());
    let base = images.base.clone();
    let mut rig = rig(move |c| c.product_sync.images.public_base_url = Some(format!("{base}/")));
    let product = |file: &std::path::Path| {
        let mut p: Value = serde_json::from_str(&pan(&[])).unwrap();
        p["images"] = json!([{"file": file.to_str().unwrap(), "alt": "Frente"}]);
        p
    };
    let summary = rig
        .ponte
        .catalog_put_products(
            &ponte::model::catalog::parse_products(&format!("[{}]", product(&path))).unwrap(),
        )
        .unwrap();
    assert_eq!(summary.pictures_read, 1);
    let stored = rig
        .ponte
        .catalog_get(&ponte::model::catalog::ProductKey::ErpId("P1".into()))
        .unwrap();
    let digest = stored.product.images[0].digest.clone().unwrap();
    assert_eq!(digest.len(), 64, "a SHA-256 in hex");
    rig.sync();
    assert_eq!(images.served().get("frente%20azul.png"), Some(&1));
    assert_eq!(
        store_product(&rig, "PAN-1")["images"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Put again with the file untouched: not read again, nothing to send.
    let summary = rig
        .ponte
        .catalog_put_products(
            &ponte::model::catalog::parse_products(&format!("[{}]", product(&path))).unwrap(),
        )
        .unwrap();
    assert_eq!((summary.pictures_read, summary.unchanged), (0, 1));
    assert_eq!(rig.sync().requests, 0);

    // New bytes in the same file: read, and the store gets the picture again.
    std::fs::write(&path, png(5, 60)).unwrap();
    images.put("frente%20azul.png", std::fs::read(&path).unwrap());
    let modified = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let summary = rig
        .ponte
        .catalog_put_products(
            &ponte::model::catalog::parse_products(&format!("[{}]", product(&path))).unwrap(),
        )
        .unwrap();
    assert_eq!((summary.pictures_read, summary.updated), (1, 1));
    let report = rig.sync();
    assert_eq!(report.items[0].fields, ["images"], "{report:?}");
    assert_eq!(images.served().get("frente%20azul.png"), Some(&2));
}

#[test]
fn file_pictures_without_a_public_address_are_not_sent_and_say_why() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("a.png");
    std::fs::write(&path, png(2, 1)).unwrap();
    let mut rig = rig(|_| {});
    let mut product: Value = serde_json::from_str(&pan(&[])).unwrap();
    product["images"] = json!([{"file": path.to_str().unwrap()}]);
    rig.put(&[
        product.to_string(),
        common::sync::product("OK", "OK-1", None, 100, 1),
    ]);
    let report = rig.sync();
    let item = report.items.iter().find(|i| i.erp_id == "P1").unwrap();
    assert_eq!(item.reasons[0].code, "images_not_public", "{item:?}");
    assert!(item.reasons[0].message.contains("public_base_url"));
    assert_eq!(
        rig.store_items("OK-1").len(),
        1,
        "the other product is sent"
    );
}

#[test]
fn bad_page_data_is_refused_naming_the_product_and_field() {
    let mut rig = rig(|_| {});
    let folder = tempfile::tempdir().unwrap();
    let big = folder.path().join("big.png");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(ponte::model::catalog::MAX_IMAGE_BYTES + 1)
        .unwrap();
    let missing = folder.path().join("missing.png");
    let with = |change: &dyn Fn(&mut Value)| {
        let mut p: Value = serde_json::from_str(&pan(&[])).unwrap();
        change(&mut p);
        format!("[{}]", p)
    };
    let cases: Vec<(String, &str)> = vec![
        (
            with(&|p| p["images"] = json!([{"url": "ftp://fotos.example/a.png"}])),
            r#"products[0] (erp_id "P1").images[0].url: "ftp://fotos.example/a.png" is not an http:// or https:// address"#,
        ),
        (
            with(&|p| p["images"] = json!([{"file": big.to_str().unwrap()}])),
            "products[0] (erp_id \"P1\").images[0].file: picture",
        ),
        (
            with(&|p| p["images"] = json!([{"file": missing.to_str().unwrap()}])),
            "products[0] (erp_id \"P1\").images[0].file: picture",
        ),
        (
            with(&|p| p["variants"][0]["promo_ends_at"] = json!("2026-11-30T00:00:00-03:00")),
            r#"products[0] (erp_id "P1").variants[0].promo_ends_at: 2026-11-30T03:00:00Z is not after promo_starts_at 2026-12-01T03:00:00Z"#,
        ),
        (
            with(&|p| p["variants"][0]["promo_starts_at"] = json!("2026-12-01T00:00:00")),
            r#"products[0] (erp_id "P1").variants[0].promo_starts_at: "2026-12-01T00:00:00" is not an RFC 3339 time with its zone"#,
        ),
    ];
    for (json_text, expected) in cases {
        let err = ponte::model::catalog::parse_products(&json_text)
            .and_then(|p| rig.ponte.catalog_put_products(&p))
            .unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{err}\nexpected: {expected}"
        );
    }
    assert!(err_of(
        &mut rig,
        r#"[{"id":"A","name":"A","parent_id":"B"},{"id":"B","name":"B","parent_id":"A"}]"#
    )
    .contains(r#"categories[0] (id "A").parent_id: category "A" would be inside itself"#));
    assert!(
        err_of(&mut rig, r#"[{"id":"X","name":"X","parent_id":"NOPE"}]"#)
            .contains(r#"categories[0] (id "X").parent_id: category "NOPE" does not exist"#)
    );
    // A batch that would put an existing category inside its own child.
    assert!(err_of(
        &mut rig,
        r#"[{"id":"CASA","name":"Casa","parent_id":"PANELAS"}]"#
    )
    .contains("would be inside itself"));
    // Nothing of a refused batch was kept.
    assert!(rig
        .ponte
        .catalog_get(&ponte::model::catalog::ProductKey::ErpId("P1".into()))
        .is_err());
}

fn err_of(rig: &mut Rig, categories: &str) -> String {
    rig.ponte
        .catalog_put_categories(&parse_categories(categories).unwrap())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_product_that_is_not_sent_creates_no_category() {
    let mut rig = rig(|_| {});
    let mut hidden: Value = serde_json::from_str(&pan(&[])).unwrap();
    hidden["show_in_store"] = json!(false);
    hidden["category_ids"] = json!(["ROUPAS"]);
    rig.put(&[hidden.to_string()]);
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    assert!(plan.categories.is_empty(), "{:?}", plan.categories);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "skipped"), 1);
    assert!(
        rig.sandbox
            .categories()
            .iter()
            .all(|c| c["name"] != "Roupas"),
        "{:?}",
        rig.sandbox.categories()
    );
}

//! Ponte against a real WooCommerce: WordPress, WooCommerce and the Brazilian Market plugin on
//! PHP and MariaDB, started offline on 127.0.0.1 by `../shared/realstores/woocommerce`, one
//! store per version (10.0.2, and 8.9.3 without brands or GTIN), shared by the checks below and
//! emptied before each. Every check asserts on what the store then holds, read back through its
//! REST API, not on what Ponte says it did.
//!
//! Its own harness (`harness = false`): the stores are started once, the checks run one after
//! another on each (they share its orders), the versions side by side, and the stores are
//! stopped at the end. Where PHP and MariaDB cannot be installed the suite says so on one line
//! and is skipped; `.ci/run` installs them, and with `CI` set a missing store is a failure.
//!
//! `cargo test --test real_woocommerce [NAME]` runs the checks whose name contains NAME.
//! `REALWOO_DIRS=10.0.2=/tmp/rw10,8.9.3=/tmp/rw8` reuses stores already made with `run.sh up`.

mod common;

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::realwoo::{self, RealStore};
use ponte::capture::ReportFilter;
use ponte::check::ItemStatus;
use ponte::model::catalog::{parse_brands, parse_products, parse_stock, ProductKey};
use ponte::model::config::{IntegrationConfig, UnpublishedPolicy};
use ponte::sync::{RunReport, SyncOptions};
use ponte::{Error, Ponte};
use serde_json::{json, Value};

const VERSIONS: [&str; 2] = ["10.0.2", "8.9.3"];

type Check = fn(&RealStore);

const CHECKS: &[(&str, Check)] = &[
    (
        "check_reports_the_store_and_refuses_what_would_go_wrong",
        check_reports_the_store,
    ),
    (
        "sync_sends_simple_and_variable_products_with_brand_and_ean",
        sync_sends_products,
    ),
    (
        "a_first_sync_into_an_empty_store_sends_batches_at_once_and_creates_brands_together",
        first_sync_into_empty_store,
    ),
    (
        "sync_links_products_the_merchant_created_by_sku_and_ean",
        sync_links_merchant_products,
    ),
    (
        "unpublished_products_are_hidden_or_zeroed_in_the_store",
        unpublished_policies,
    ),
    (
        "a_stock_only_sync_sends_stock_and_prices_and_nothing_else",
        stock_only_sync,
    ),
    (
        "brazilian_orders_are_captured_and_statuses_written_back",
        brazilian_orders,
    ),
    (
        "orders_sharing_one_modified_second_and_placed_while_paging_are_captured_once",
        crowded_second,
    ),
    (
        "a_status_the_store_no_longer_has_is_a_failed_write_back",
        lost_status,
    ),
    (
        "an_order_paid_between_two_syncs_never_goes_back_on_sale",
        paid_between_syncs,
    ),
    (
        "a_dropped_variant_leaves_sale_and_deleted_products_are_sent_again",
        drift,
    ),
    (
        "an_orders_life_after_capture_reaches_the_erp_and_the_erps_fulfilment_the_store",
        order_life,
    ),
    (
        "run_due_runs_each_job_when_due_and_nothing_in_between",
        run_due,
    ),
    (
        "a_reservation_paid_late_and_a_pending_order_changed_in_the_store_reach_the_erp",
        late_and_changed,
    ),
    (
        "the_whole_product_page_reaches_the_store_and_the_merchants_pictures_stay",
        product_page,
    ),
    (
        "the_product_page_is_kept_as_the_sandbox_keeps_it",
        page_as_the_sandbox_keeps_it,
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in CHECKS {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--ignored") {
        return ExitCode::SUCCESS;
    }
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    // A failed check prints its message below its name; the hook only says where.
    std::panic::set_hook(Box::new(|info| {
        if let Some(at) = info.location() {
            println!("    panicked at {}:{}", at.file(), at.line());
        }
    }));
    if let Some(why) = realwoo::unavailable() {
        if std::env::var_os("CI").is_some() {
            eprintln!("real WooCommerce suite: cannot run in CI: {why}");
            return ExitCode::FAILURE;
        }
        println!("real WooCommerce suite SKIPPED: {why}");
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let outcomes: Vec<(String, usize, usize, Duration)> = std::thread::scope(|scope| {
        let runs: Vec<_> = VERSIONS
            .iter()
            .map(|version| scope.spawn(|| run_version(version, filter.as_deref())))
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    let mut failed = 0;
    for (version, passed, failures, took) in &outcomes {
        println!(
            "real WooCommerce {version}: {passed} checks passed, {failures} failed, in {:.0} s",
            took.as_secs_f64()
        );
        failed += failures;
    }
    println!(
        "real WooCommerce suite: {} in {:.0} s",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Starts the store of `version`, runs every check on it, and stops it.
fn run_version(version: &str, filter: Option<&str>) -> (String, usize, usize, Duration) {
    let started = Instant::now();
    let store = match reuse_or_start(version) {
        Ok(store) => store,
        Err(why) => {
            println!("test [{version}] store ... FAILED\n{why}");
            return (version.to_string(), 0, 1, started.elapsed());
        }
    };
    println!(
        "real WooCommerce {} at {} up in {:.1} s",
        store.version,
        store.base_url,
        started.elapsed().as_secs_f64()
    );
    let (mut passed, mut failed) = (0, 0);
    for (name, check) in CHECKS {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let begun = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            store.empty();
            check(&store);
        }));
        let took = begun.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("test [{version}] {name} ... ok ({took:.1} s)");
            }
            Err(panic) => {
                failed += 1;
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("test [{version}] {name} ... FAILED ({took:.1} s)\n    {message}");
            }
        }
    }
    (version.to_string(), passed, failed, started.elapsed())
}

fn reuse_or_start(version: &str) -> Result<RealStore, String> {
    let reuse = std::env::var("REALWOO_DIRS").unwrap_or_default();
    match reuse
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(v, _)| *v == version)
    {
        Some((_, dir)) => RealStore::reuse(dir),
        None => RealStore::up(version),
    }
}

// ---------------------------------------------------------------------------------------------
// Rigs

/// A state file with an integration of `store` (capture on, Brazilian statuses), adjusted.
struct Rig {
    ponte: Ponte,
    _dir: tempfile::TempDir,
}

fn capture_settings(config: &mut IntegrationConfig) {
    let capture = &mut config.order_capture;
    capture.enabled = true;
    capture.fetch_statuses = vec!["processing".into()];
    capture.reservation_statuses = vec!["pending".into()];
    capture.received_status = Some("received".into());
    capture.rejected_status = Some("erp-rejected".into());
    capture.return_status = Some("completed".into());
    capture.default_payment_terms = "A VISTA".into();
    capture.default_payment_method = "PIX".into();
}

fn new_rig(store: &RealStore, adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    let mut config = store.config("loja");
    capture_settings(&mut config);
    adjust(&mut config);
    ponte.integration_put(config).unwrap();
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"TRA","name":"Tramontina","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    Rig { ponte, _dir: dir }
}

impl Rig {
    fn put(&mut self, products: Value) {
        self.ponte
            .catalog_put_products(&parse_products(&products.to_string()).unwrap())
            .unwrap();
    }

    fn stock(&mut self, sku: &str, quantity: i64) {
        let levels = json!([{"sku": sku, "quantity": quantity}]).to_string();
        self.ponte
            .catalog_put_stock(&parse_stock(&levels).unwrap())
            .unwrap();
    }

    fn sync(&mut self) -> RunReport {
        self.sync_with(SyncOptions::default())
    }

    fn sync_with(&mut self, options: SyncOptions) -> RunReport {
        self.ponte
            .sync_products("loja", options, &mut |_| true)
            .unwrap()
    }

    fn capture(&mut self) -> ponte::capture::CaptureReport {
        self.ponte.capture_orders("loja").unwrap()
    }
}

fn count(counts: &std::collections::BTreeMap<String, u64>, key: &str) -> u64 {
    counts.get(key).copied().unwrap_or(0)
}

/// A valid EAN-13 from twelve digits.
fn ean13(twelve: &str) -> String {
    let sum: u32 = twelve
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{twelve}{}", (10 - sum % 10) % 10)
}

fn simple(erp_id: &str, sku: &str, ean: Option<&str>, price: i64, stock: i64) -> Value {
    let mut variant = json!({"sku": sku, "price_cents": price, "stock": stock});
    if let Some(ean) = ean {
        variant["ean"] = json!(ean);
    }
    json!({"erp_id": erp_id, "name": format!("Produto {erp_id}"), "brand_id": "TRA",
           "show_in_store": true, "sync_stock": true, "variants": [variant]})
}

fn price_of(product: &Value) -> &str {
    product["regular_price"].as_str().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The integration check

fn check_reports_the_store(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    let check = rig.ponte.integration_check("loja").unwrap();
    assert!(check.ok, "{:#?}", check.items);
    let facts = check.store.as_ref().unwrap();
    assert_eq!(facts.version.as_deref(), Some(store.version.as_str()));
    assert_eq!(
        (facts.brands, facts.gtin),
        (store.is_modern(), store.is_modern())
    );
    assert_eq!(facts.currency.as_deref(), Some("BRL"));
    let slugs: Vec<&str> = facts
        .order_statuses
        .iter()
        .flatten()
        .map(|s| s.slug.as_str())
        .collect();
    assert!(
        slugs.contains(&"received") && slugs.contains(&"erp-rejected"),
        "{slugs:?}"
    );
    assert_eq!(
        check.items.iter().filter(|i| i.item == "status").count(),
        5,
        "one line per status the config names"
    );

    // A status the store does not have: the checklist names it, sync and capture refuse.
    let mut wrong = new_rig(store, |c| {
        c.order_capture.received_status = Some("recebido".into())
    });
    let check = wrong.ponte.integration_check("loja").unwrap();
    assert!(!check.ok);
    let line = check
        .items
        .iter()
        .find(|i| i.status == ItemStatus::Problem)
        .unwrap();
    assert_eq!(line.path.as_deref(), Some("order_capture.received_status"));
    assert!(
        line.message
            .pt_br
            .contains("\"recebido\" não existe na loja"),
        "{line:?}"
    );
    for err in [
        wrong.ponte.capture_orders("loja").unwrap_err(),
        wrong
            .ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::InvalidConfig(p) if p[0].path == "order_capture.received_status"),
            "{err:?}"
        );
    }

    // A key that may only read: the check says so and a sync does not start.
    let (key, secret) = store.add_key("read");
    let mut config = store.config("loja");
    config.credentials = Some(store.credentials(&key, &secret));
    let mut read_only = new_rig(store, |_| {});
    read_only.ponte.integration_put(config).unwrap();
    read_only.put(json!([simple("1", "RW-RO", None, 1000, 1)]));
    let check = read_only.ponte.integration_check("loja").unwrap();
    let write = check.items.iter().find(|i| i.item == "write").unwrap();
    assert_eq!(write.status, ItemStatus::Problem, "{write:?}");
    let err = read_only
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(
        store.products_with_sku("RW-RO").is_empty(),
        "a refused sync wrote"
    );
}

// ---------------------------------------------------------------------------------------------
// Product sync

fn sync_sends_products(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    let (ean_s, ean_p, ean_m) = (
        ean13("789100020001"),
        ean13("789100020002"),
        ean13("789100020003"),
    );
    rig.put(json!([
        simple("S1", "RW-S1", Some(&ean_s), 18990, 42),
        {"erp_id": "V1", "name": "Camiseta", "brand_id": "TRA", "show_in_store": true, "sync_stock": true,
         "variants": [
            {"sku": "RW-V1-P", "ean": ean_p, "price_cents": 5990, "stock": 7, "attributes": {"tamanho": "P"}},
            {"sku": "RW-V1-M", "ean": ean_m, "price_cents": 6490, "stock": 3, "attributes": {"tamanho": "M"}}
         ]}
    ]));
    let report = rig.sync();
    assert_eq!(count(&report.counts, "create"), 2, "{:?}", report.items);

    let s1 = store.products_with_sku("RW-S1");
    assert_eq!(s1.len(), 1, "{s1:?}");
    let s1 = &s1[0];
    assert_eq!(
        (
            price_of(s1),
            s1["stock_quantity"].as_i64(),
            s1["manage_stock"].as_bool()
        ),
        ("189.90", Some(42), Some(true))
    );
    let parent = store.get(
        &format!(
            "/products/{}",
            store.products_with_sku("RW-V1-P")[0]["parent_id"]
        ),
        &[],
    );
    assert_eq!(parent["type"], "variable");
    for (sku, ean, price, stock) in [
        ("RW-V1-P", &ean_p, "59.90", 7),
        ("RW-V1-M", &ean_m, "64.90", 3),
    ] {
        let variation = &store.products_with_sku(sku)[0];
        assert_eq!(variation["type"], "variation");
        assert_eq!(
            (price_of(variation), variation["stock_quantity"].as_i64()),
            (price, Some(stock)),
            "{sku}"
        );
        if store.is_modern() {
            assert_eq!(variation["global_unique_id"], json!(ean), "{sku}");
        }
    }
    if store.is_modern() {
        assert_eq!(s1["global_unique_id"], json!(ean_s));
        for product in [s1, &parent] {
            assert_eq!(product["brands"][0]["name"], "Tramontina", "{product}");
        }
        assert!(report.items.iter().all(|i| i.not_supported.is_empty()));
    } else {
        // WooCommerce 8.9 keeps neither: Ponte says so and does not count them as pushed.
        assert!(s1.get("global_unique_id").is_none() && s1.get("brands").is_none());
        for item in &report.items {
            let codes: Vec<&str> = item.not_supported.iter().map(|r| r.code).collect();
            assert_eq!(codes, ["not_supported_by_store"; 2], "{item:?}");
        }
        let status = rig
            .ponte
            .product_status("loja", &ProductKey::Sku("RW-S1".into()))
            .unwrap();
        assert_eq!(status.not_supported.len(), 2, "{status:?}");
        let pushed = status.last_pushed.unwrap();
        assert!(pushed.get("brand").is_none(), "{pushed}");
        assert!(pushed["variants"]["RW-S1"].get("ean").is_none(), "{pushed}");
        assert_eq!(status.next_action, "unchanged");
    }
    // Nothing changed: the next sync sends nothing.
    let again = rig.sync();
    assert_eq!(count(&again.counts, "unchanged"), 2, "{:?}", again.counts);
}

/// 150 products of three brands new to the store, 3 batches at once: the empty store is seen
/// from its listing (no look-up), the brands are created together, and the store then holds
/// each product once, with its brand where the store has brands.
fn first_sync_into_empty_store(store: &RealStore) {
    let mut rig = new_rig(store, |c| c.http.max_concurrent_requests = 3);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let brands: Vec<Value> = (0..3)
        .map(|b| json!({"id": format!("B{b}"), "name": format!("Marca {stamp} {b}"), "show_in_electronic_order": true}))
        .collect();
    rig.ponte
        .catalog_put_brands(&parse_brands(&Value::Array(brands).to_string()).unwrap())
        .unwrap();
    let products: Vec<Value> = (0..150)
        .map(|n| {
            let mut product = simple(&format!("E{n}"), &format!("RW-E{n:03}"), None, 1000 + n, 5);
            product["brand_id"] = json!(format!("B{}", n % 3));
            product
        })
        .collect();
    rig.put(Value::Array(products));
    // The session's check of the store first, so only the sync's own requests are counted.
    assert!(rig.ponte.integration_check("loja").unwrap().ok);
    let log_before = store.requests();
    let report = rig.sync();
    assert_eq!(count(&report.counts, "create"), 150, "{:?}", report.counts);
    let requests = store.requests() - log_before;
    // The listing's first page, the brands read and created at once, two product batches (and
    // the orders the store sold since setup, for the holds).
    assert!(requests <= 6, "{requests} requests: a look-up was made");
    for n in [0, 77, 149] {
        let found = store.products_with_sku(&format!("RW-E{n:03}"));
        assert_eq!(found.len(), 1, "RW-E{n:03} once: {found:?}");
        assert_eq!(found[0]["stock_quantity"], 5);
        if store.is_modern() {
            assert_eq!(
                found[0]["brands"][0]["name"],
                format!("Marca {stamp} {}", n % 3)
            );
        }
    }
    let again = rig.sync();
    assert_eq!(count(&again.counts, "unchanged"), 150, "{:?}", again.counts);
}

/// Pictures as files the ERP publishes (here: in the store's own web root, the one address on
/// 127.0.0.1 WordPress agrees to download from), a category tree created with its parents,
/// specification attributes, a short description and sale dates.
fn product_page(store: &RealStore) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let folder = store
        .dir
        .join(format!("wp/wp-content/uploads/ponte-src-{stamp}"));
    std::fs::create_dir_all(&folder).unwrap();
    let picture = |name: &str, shade: u8| {
        let path = folder.join(name);
        std::fs::write(&path, common::images::shaded(3, shade)).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (front, side, back) = (
        picture("frente.png", 10),
        picture("lado.png", 20),
        picture("verso.png", 30),
    );
    let public = format!("{}/wp-content/uploads/ponte-src-{stamp}/", store.base_url);
    let mut rig = new_rig(store, |c| {
        c.product_sync.images.public_base_url = Some(public.clone())
    });
    let tree = json!([
        {"id": "CASA", "name": format!("Casa {stamp}")},
        {"id": "COZ", "name": "Cozinha", "parent_id": "CASA"},
        {"id": "PAN", "name": "Panelas & Caçarolas", "parent_id": "COZ"}
    ]);
    rig.ponte
        .catalog_put_categories(
            &ponte::model::catalog::parse_categories(&tree.to_string()).unwrap(),
        )
        .unwrap();
    let mut product = simple("PG1", &format!("RW-PG-{stamp}"), None, 18990, 4);
    product["short_description"] = json!("Panela de 4,5 L");
    product["category_ids"] = json!(["PAN"]);
    product["specifications"] = json!({"Material": "Alumínio"});
    product["images"] = json!([{"file": front, "alt": "Frente"}, {"file": side, "alt": "Lado"}]);
    product["variants"][0]["promo_price_cents"] = json!(15990);
    product["variants"][0]["promo_starts_at"] = json!("2026-01-01T00:00:00-03:00");
    product["variants"][0]["promo_ends_at"] = json!("2036-01-01T00:00:00-03:00");
    rig.put(json!([product.clone()]));
    let report = rig.sync();
    assert_eq!(count(&report.counts, "create"), 1, "{report:?}");
    let sku = format!("RW-PG-{stamp}");
    let stored = store.products_with_sku(&sku).remove(0);
    let id = stored["id"].as_u64().unwrap();

    // The category and its parents, as the store keeps them.
    let leaf = &stored["categories"][0];
    let term = store.get(&format!("/products/categories/{}", leaf["id"]), &[]);
    let parent = store.get(&format!("/products/categories/{}", term["parent"]), &[]);
    let top = store.get(&format!("/products/categories/{}", parent["parent"]), &[]);
    assert_eq!(parent["name"], "Cozinha");
    assert_eq!(
        (top["name"].clone(), top["parent"].clone()),
        (json!(format!("Casa {stamp}")), json!(0))
    );
    println!("    category name as the store keeps it: {}", term["name"]);
    assert!(
        term["name"] == "Panelas &amp; Caçarolas" || term["name"] == "Panelas & Caçarolas",
        "{term}"
    );
    assert_eq!(
        stored["categories"].as_array().unwrap().len(),
        1,
        "no default category besides it"
    );

    let gallery = stored["images"].as_array().unwrap();
    assert_eq!(gallery.len(), 2, "{gallery:?}");
    assert_eq!(
        (gallery[0]["alt"].clone(), gallery[1]["alt"].clone()),
        (json!("Frente"), json!("Lado"))
    );
    println!("    a picture as the store keeps it: {}", gallery[0]);
    assert!(stored["short_description"]
        .as_str()
        .unwrap()
        .contains("Panela de 4,5 L"));
    assert_eq!(stored["attributes"][0]["name"], "Material");
    assert_eq!(stored["attributes"][0]["options"], json!(["Alumínio"]));
    assert_eq!(stored["attributes"][0]["variation"], false);
    assert_eq!(stored["date_on_sale_from_gmt"], "2026-01-01T03:00:00");
    println!(
        "    sale ends as the store keeps it: {}",
        stored["date_on_sale_to_gmt"]
    );
    assert_eq!(stored["sale_price"], "159.90");

    // Nothing changed: nothing is sent.
    let before = store.requests();
    let again = rig.sync();
    assert_eq!(count(&again.counts, "update"), 0, "{:?}", again.counts);
    assert!(
        store.requests() - before <= 1,
        "only the orders read for the holds"
    );

    // The merchant adds a picture in the admin; the ERP drops the side view and adds the back.
    let kept: Vec<Value> = gallery.iter().map(|i| json!({"id": i["id"]})).collect();
    let mut with_merchants = kept.clone();
    with_merchants.push(json!({"src": format!("{public}verso.png"), "alt": "Da loja"}));
    let merchants = store.put(
        &format!("/products/{id}"),
        json!({"images": with_merchants}),
    );
    let merchants_id = merchants["images"][2]["id"].clone();
    product["images"] = json!([{"file": front, "alt": "Frente"}, {"file": back, "alt": "Verso"}]);
    rig.put(json!([product]));
    let changed = rig.sync();
    assert_eq!(count(&changed.counts, "update"), 1, "{:?}", changed.counts);
    let after = store.products_with_sku(&sku).remove(0)["images"].clone();
    let ids: Vec<Value> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids.len(), 3, "{after}");
    assert_eq!(ids[0], gallery[0]["id"], "the front kept as it was");
    assert_eq!(ids[2], merchants_id, "the merchant's picture stays");
    assert!(
        !ids.contains(&gallery[1]["id"]),
        "the side view, Ponte's, is taken off"
    );

    // A variable product: each variation gets its own picture, the parent the specification.
    let (blue, green) = (picture("azul.png", 40), picture("verde.png", 50));
    let shirt = json!({
        "erp_id": "PG2", "name": "Camiseta", "brand_id": "TRA", "show_in_store": true, "sync_stock": true,
        "category_ids": ["COZ"], "specifications": {"Tecido": "Algodão"},
        "variants": [
            {"sku": format!("RW-PG2-AZ-{stamp}"), "price_cents": 4990, "stock": 1,
             "attributes": {"Cor": "Azul"}, "images": [{"file": blue, "alt": "Azul"}]},
            {"sku": format!("RW-PG2-VD-{stamp}"), "price_cents": 4990, "stock": 1,
             "attributes": {"Cor": "Verde"}, "images": [{"file": green, "alt": "Verde"}]}
        ]
    });
    rig.put(json!([shirt.clone()]));
    let report = rig.sync();
    assert_eq!(count(&report.counts, "create"), 1, "{report:?}");
    // Read as variations: their own `image`.
    let variation = |sku: String| {
        let found = store.products_with_sku(&sku).remove(0);
        store.get(
            &format!(
                "/products/{}/variations/{}",
                found["parent_id"], found["id"]
            ),
            &[],
        )
    };
    let blue_variation = variation(format!("RW-PG2-AZ-{stamp}"));
    let green_variation = variation(format!("RW-PG2-VD-{stamp}"));
    let (blue_image, green_image) = (&blue_variation["image"], &green_variation["image"]);
    assert!(
        blue_image["id"].as_u64().is_some_and(|id| id > 0),
        "{blue_variation}"
    );
    assert_ne!(blue_image["id"], green_image["id"]);
    assert_eq!(blue_image["alt"], "Azul");
    let parent_id = store.products_with_sku(&format!("RW-PG2-AZ-{stamp}"))[0]["parent_id"].clone();
    let parent = store.get(&format!("/products/{parent_id}"), &[]);
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
    let again = rig.sync();
    assert_eq!(count(&again.counts, "update"), 0, "{:?}", again.counts);

    // The ERP drops the green picture: the store takes it off that variation alone.
    let mut without = shirt.clone();
    without["variants"][1]
        .as_object_mut()
        .unwrap()
        .remove("images");
    rig.put(json!([without]));
    let dropped = rig.sync();
    assert_eq!(count(&dropped.counts, "update"), 1, "{:?}", dropped.counts);
    let green_now = variation(format!("RW-PG2-VD-{stamp}"));
    assert!(
        green_now["image"].is_null() || green_now["image"]["id"] == 0,
        "{}",
        green_now["image"]
    );
    assert_eq!(
        variation(format!("RW-PG2-AZ-{stamp}"))["image"]["id"],
        blue_image["id"]
    );
}

fn sync_links_merchant_products(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    let ean = ean13("789100030001");
    let by_sku = store.post(
        "/products",
        json!({"name": "Feito na loja", "sku": "RW-L1", "regular_price": "10.00"}),
    );
    let by_ean = store.is_modern().then(|| {
        store.post(
            "/products",
            json!({"name": "Feito na loja, com EAN", "global_unique_id": ean, "regular_price": "11.00"}),
        )
    });
    rig.put(json!([
        simple("L1", "RW-L1", None, 2500, 4),
        simple("L2", "RW-L2", Some(&ean), 3500, 6),
    ]));
    let report = rig.sync();
    let item = |erp_id: &str| report.items.iter().find(|i| i.erp_id == erp_id).unwrap();
    assert_eq!(item("L1").action, ponte::sync::Action::Link);
    assert_eq!(
        item("L1").store_product_id.as_deref(),
        Some(by_sku["id"].to_string().as_str())
    );
    let l1 = store.products_with_sku("RW-L1");
    assert_eq!(l1.len(), 1, "linked, not duplicated: {l1:?}");
    assert_eq!(
        (price_of(&l1[0]), l1[0]["stock_quantity"].as_i64()),
        ("25.00", Some(4))
    );
    let products = store.all("/products", &[]);
    match by_ean {
        Some(by_ean) => {
            assert_eq!(item("L2").action, ponte::sync::Action::Link);
            let linked = store.get(&format!("/products/{}", by_ean["id"]), &[]);
            assert_eq!(
                (price_of(&linked), linked["stock_quantity"].as_i64()),
                ("35.00", Some(6))
            );
            assert_eq!(products.len(), 2, "no duplicate by EAN");
        }
        None => {
            // No EAN in the store to match by: created, and said why the EAN was not sent.
            assert_eq!(item("L2").action, ponte::sync::Action::Create);
            assert!(!item("L2").not_supported.is_empty());
            assert_eq!(products.len(), 2);
        }
    }
}

fn unpublished_policies(store: &RealStore) {
    for (policy, sku) in [
        (UnpublishedPolicy::Hide, "RW-H1"),
        (UnpublishedPolicy::ZeroStock, "RW-Z1"),
    ] {
        let mut rig = new_rig(store, |c| {
            c.product_sync.unpublished_policy = policy;
            c.product_sync.only_eans = sku.to_string();
        });
        let mut product = simple(sku, sku, None, 1000, 8);
        rig.put(json!([product.clone()]));
        rig.sync();
        product["show_in_store"] = json!(false);
        rig.put(json!([product]));
        let report = rig.sync();
        let held = &store.products_with_sku(sku)[0];
        match policy {
            UnpublishedPolicy::Hide => {
                assert_eq!(count(&report.counts, "hide"), 1, "{:?}", report.counts);
                assert_eq!(held["catalog_visibility"], "hidden");
            }
            _ => {
                assert_eq!(
                    count(&report.counts, "zero_stock"),
                    1,
                    "{:?}",
                    report.counts
                );
                assert_eq!(held["stock_quantity"], 0);
            }
        }
    }
}

fn stock_only_sync(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    rig.put(json!([simple("X1", "RW-X1", None, 1000, 5)]));
    rig.sync();
    let mut renamed = simple("X1", "RW-X1", None, 2000, 5);
    renamed["name"] = json!("Caneca nova");
    rig.put(json!([renamed]));
    rig.stock("RW-X1", 9);
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(count(&report.counts, "update"), 1, "{:?}", report.counts);
    let held = &store.products_with_sku("RW-X1")[0];
    assert_eq!(
        (
            held["stock_quantity"].as_i64(),
            price_of(held),
            held["name"].as_str()
        ),
        (Some(9), "20.00", Some("Produto X1")),
        "stock and price in the frequent run, the name in the full one"
    );
    rig.sync();
    assert_eq!(store.products_with_sku("RW-X1")[0]["name"], "Caneca nova");
}

// ---------------------------------------------------------------------------------------------
// Order capture

/// An order as the checkout leaves it, Brazilian Market fields in meta (REST ignores them in
/// `billing`).
fn order(product_id: &Value, quantity: i64, status: &str, person: Person) -> Value {
    let mut meta = vec![
        json!({"key": "_billing_number", "value": "1500"}),
        json!({"key": "_billing_neighborhood", "value": "Bela Vista"}),
    ];
    let mut billing = json!({"first_name": "Maria", "last_name": "Silva", "address_1": "Avenida Paulista",
        "city": "São Paulo", "state": "SP", "postcode": "01310-100", "country": "BR",
        "email": "maria@example.com.br", "phone": "11999990000"});
    match person {
        Person::Cpf(cpf) => {
            meta.push(json!({"key": "_billing_persontype", "value": "1"}));
            meta.push(json!({"key": "_billing_cpf", "value": cpf}));
        }
        Person::Cnpj(cnpj) => {
            billing["company"] = json!("Panelas Paulista Ltda");
            meta.push(json!({"key": "_billing_persontype", "value": "2"}));
            meta.push(json!({"key": "_billing_cnpj", "value": cnpj}));
        }
    }
    json!({"status": status, "billing": billing, "meta_data": meta,
           "line_items": [{"product_id": product_id, "quantity": quantity}],
           "shipping_lines": [{"method_id": "flat_rate", "method_title": "PAC", "total": "15.00"}]})
}

#[derive(Clone, Copy)]
enum Person {
    Cpf(&'static str),
    Cnpj(&'static str),
}

const CPF: &str = "529.982.247-25";

/// A rig with products RW-A and RW-B synced; returns their store ids.
fn stocked(store: &RealStore) -> (Rig, Value, Value) {
    let mut rig = new_rig(store, |_| {});
    rig.put(json!([
        simple("A", "RW-A", None, 1000, 50),
        simple("B", "RW-B", None, 2500, 50)
    ]));
    rig.sync();
    let id = |sku: &str| store.products_with_sku(sku)[0]["id"].clone();
    (rig, id("RW-A"), id("RW-B"))
}

fn brazilian_orders(store: &RealStore) {
    let (mut rig, a, b) = stocked(store);
    let merchant_only = store.post(
        "/products",
        json!({"name": "Só na loja", "sku": "RW-LOJA", "regular_price": "5.00"}),
    )["id"]
        .clone();
    let ids = store.create_orders(&[
        order(&a, 2, "processing", Person::Cpf(CPF)),
        order(&b, 1, "processing", Person::Cnpj("11.222.333/0001-81")),
        order(&a, 1, "processing", Person::Cpf("123.456.789-00")),
        order(&merchant_only, 1, "processing", Person::Cpf(CPF)),
        order(&b, 3, "pending", Person::Cpf(CPF)),
    ]);
    let [cpf, cnpj, bad_cpf, unknown, reservation] = <[String; 5]>::try_from(ids).unwrap();
    let report = rig.capture();
    assert_eq!(
        [
            count(&report.counts, "accepted"),
            count(&report.counts, "rejected"),
            count(&report.counts, "reserved")
        ],
        [2, 2, 1],
        "{:?}",
        report.counts
    );
    let sales = |id: &str| {
        report
            .pending
            .iter()
            .find(|p| p.store_order_id == id)
            .unwrap()
            .sales_order
            .clone()
    };
    assert_eq!(sales(&cpf)["customer"]["cpf"], "52998224725");
    assert_eq!(sales(&cnpj)["customer"]["cnpj"], "11222333000181");
    assert_eq!(sales(&cnpj)["customer"]["person_type"], "company");
    assert_eq!(sales(&cpf)["payment_terms"], "A VISTA");
    // The store's own total, taxes and shipping included, in cents.
    let store_total = store.order(&cpf)["total"]
        .as_str()
        .unwrap()
        .replace('.', "");
    assert_eq!(
        sales(&cpf)["total_cents"].to_string(),
        store_total.trim_start_matches('0')
    );
    let codes = |id: &str| -> Vec<String> {
        let rejected = report
            .rejected
            .iter()
            .find(|r| r.store_order_id == id)
            .unwrap();
        rejected.reasons.iter().map(|r| r.code.clone()).collect()
    };
    assert_eq!(codes(&bad_cpf), ["document_invalid"]);
    assert_eq!(codes(&unknown), ["unknown_sku"]);

    // What the store now holds.
    let status = |id: &str| store.order(id)["status"].as_str().unwrap().to_string();
    assert_eq!(status(&cpf), "received");
    assert_eq!(status(&cnpj), "received");
    assert_eq!(status(&bad_cpf), "erp-rejected");
    assert_eq!(status(&reservation), "pending");
    assert!(
        store
            .order_notes(&unknown)
            .iter()
            .any(|n| n.contains("Order not imported into the ERP")),
        "{:?}",
        store.order_notes(&unknown)
    );

    // The ERP confirms one and refuses the other; a fixed order is retried.
    rig.ponte.order_confirm("loja", &cpf, "PV-1").unwrap();
    rig.ponte
        .order_reject("loja", &cnpj, "cliente bloqueado")
        .unwrap();
    rig.put(json!([simple("LOJA", "RW-LOJA", None, 500, 10)]));
    assert_eq!(
        rig.ponte.order_retry("loja", &unknown).unwrap().state,
        "pending"
    );
    let flush = rig.capture();
    assert_eq!(
        count(&flush.counts, "writebacks_waiting"),
        0,
        "{:?}",
        flush.counts
    );
    assert_eq!(status(&cpf), "completed");
    assert_eq!(status(&cnpj), "erp-rejected");
    assert!(store
        .order_notes(&cnpj)
        .iter()
        .any(|n| n.contains("cliente bloqueado")));
    assert_eq!(status(&unknown), "received");

    let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    assert_eq!(rows.len(), 5);
    let row = |id: &str| rows.iter().find(|r| r.store_order_id == id).unwrap();
    assert_eq!(row(&cpf).erp_order_number.as_deref(), Some("PV-1"));
    assert_eq!(row(&cnpj).state, "rejected");
    assert_eq!(row(&reservation).state, "reserved");
    assert!(
        rows.iter()
            .all(|r| r.writeback == "done" || r.writeback == "none"),
        "{rows:#?}"
    );
}

fn crowded_second(store: &RealStore) {
    let (mut rig, a, _) = stocked(store);
    let orders: Vec<Value> = (0..160)
        .map(|_| order(&a, 1, "processing", Person::Cpf(CPF)))
        .collect();
    let mut ids = store.create_orders(&orders);
    // As after a bulk action in the admin: one modification second for all of them.
    store.set_modified(&ids, "2026-01-15 12:00:00");
    let late: Vec<String> = std::thread::scope(|scope| {
        let shopper = scope.spawn(|| {
            (0..5)
                .map(|_| {
                    store.post("/orders", order(&a, 1, "processing", Person::Cpf(CPF)))["id"]
                        .to_string()
                })
                .collect::<Vec<String>>()
        });
        rig.capture();
        shopper.join().unwrap()
    });
    rig.capture();
    ids.extend(late);
    let journaled: Vec<String> = rig
        .ponte
        .report("loja", &ReportFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.store_order_id)
        .collect();
    assert_eq!(journaled.len(), 165, "each order journaled once");
    let journaled: BTreeSet<String> = journaled.into_iter().collect();
    assert_eq!(journaled, ids.iter().cloned().collect::<BTreeSet<_>>());
    let received = store.all("/orders", &[("status", "received".into())]);
    assert_eq!(
        received.len(),
        165,
        "every order marked received in the store"
    );
}

fn lost_status(store: &RealStore) {
    let (mut rig, _, _) = stocked(store);
    let merchant_only = store.post(
        "/products",
        json!({"name": "Só na loja", "sku": "RW-LOJA2", "regular_price": "5.00"}),
    )["id"]
        .clone();
    // The check passes; then a status plugin is reconfigured without `erp-rejected`.
    assert!(rig.ponte.integration_check("loja").unwrap().ok);
    store.register_statuses(&[("received", "Recebido")]);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let id = store.create_orders(&[order(&merchant_only, 1, "processing", Person::Cpf(CPF))]);
        let report = rig.capture();
        assert_eq!(count(&report.counts, "rejected"), 1);
        assert_eq!(
            count(&report.counts, "writebacks_failed"),
            1,
            "{:?}",
            report.counts
        );
        // WooCommerce answered 200 and left the order in `pending`.
        assert_eq!(store.order(&id[0])["status"], "pending");
        let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
        assert!(
            rows[0].writeback.contains("rejected failed")
                && rows[0].writeback.contains("not 'erp-rejected'"),
            "{}",
            rows[0].writeback
        );
    }));
    store.register_statuses(&[("received", "Recebido"), ("erp-rejected", "Rejeitado")]);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn paid_between_syncs(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    rig.put(json!([simple("P", "RW-P", None, 1000, 10)]));
    rig.sync();
    let product = store.products_with_sku("RW-P")[0]["id"].clone();
    let stock = || store.products_with_sku("RW-P")[0]["stock_quantity"].as_i64();
    assert_eq!(stock(), Some(10));
    let id = store.create_orders(&[order(&product, 3, "processing", Person::Cpf(CPF))]);
    // WooCommerce took the units off when the order was paid.
    assert_eq!(stock(), Some(7));
    // A sync before any capture: the ERP still says 10, the store must keep 7.
    rig.sync_with(SyncOptions {
        full_resync: true,
        ..SyncOptions::default()
    });
    assert_eq!(stock(), Some(7), "the sold units went back on sale");
    rig.capture();
    rig.sync();
    assert_eq!(stock(), Some(7));
    // The ERP takes the order and lowers its own stock: still 7.
    rig.ponte.order_confirm("loja", &id[0], "PV-9").unwrap();
    rig.stock("RW-P", 7);
    rig.sync();
    assert_eq!(stock(), Some(7));
}

// ---------------------------------------------------------------------------------------------
// Drift between the ERP and the store

fn drift(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    let shirt = |sizes: &[&str]| {
        let variants: Vec<Value> = sizes
            .iter()
            .map(|size| json!({"sku": format!("RW-D-{size}"), "price_cents": 5990, "stock": 5, "attributes": {"tamanho": size}}))
            .collect();
        json!({"erp_id": "D", "name": "Camiseta", "brand_id": "TRA", "show_in_store": true, "sync_stock": true, "variants": variants})
    };
    rig.put(json!([
        shirt(&["P", "G"]),
        simple("E", "RW-E", None, 1000, 3),
        simple("T", "RW-T", None, 1000, 3)
    ]));
    rig.sync();
    // The ERP drops size G: the store's variation is made private, so no one can buy it.
    rig.put(json!([shirt(&["P"])]));
    let report = rig.sync();
    let codes: Vec<&str> = report
        .items
        .iter()
        .flat_map(|i| i.removed_variants.iter().map(|r| r.code))
        .collect();
    assert_eq!(codes, ["variant_removed"]);
    let g = &store.products_with_sku("RW-D-G")[0];
    let held = store.get(
        &format!("/products/{}/variations/{}", g["parent_id"], g["id"]),
        &[],
    );
    assert_eq!(held["status"], "private", "{held}");

    // The merchant deletes one product for good and trashes another.
    let e = store.products_with_sku("RW-E")[0]["id"].clone();
    let t = store.products_with_sku("RW-T")[0]["id"].clone();
    store.call_delete(&format!("/products/{e}"), true);
    store.call_delete(&format!("/products/{t}"), false);
    rig.put(json!([
        simple("E", "RW-E", None, 1100, 3),
        simple("T", "RW-T", None, 1100, 3)
    ]));
    let report = rig.sync();
    let code = |erp_id: &str| {
        let item = report.items.iter().find(|i| i.erp_id == erp_id).unwrap();
        item.error
            .as_ref()
            .map(|e| e.code.clone())
            .unwrap_or_default()
    };
    assert_eq!(code("E"), "woocommerce_rest_product_invalid_id");
    assert_eq!(code("T"), "ponte_product_in_trash");
    // Sent again: the deleted one is created anew. A trashed product keeps its SKU taken on
    // 10.0.2, so the store refuses a new one; 8.9.3 creates it beside the trashed one.
    let again = rig.sync();
    let e_again = store.products_with_sku("RW-E");
    assert_eq!(e_again.len(), 1);
    assert_eq!(price_of(&e_again[0]), "11.00");
    let t_item = again.items.iter().find(|i| i.erp_id == "T").unwrap();
    let t_live = store.products_with_sku("RW-T");
    if store.is_modern() {
        assert_eq!(
            t_item.error.as_ref().map(|e| e.code.as_str()),
            Some("woocommerce_rest_product_not_created")
        );
        assert!(t_live.is_empty());
    } else {
        assert_eq!((t_item.result, t_live.len()), ("ok", 1));
    }
}

// ---------------------------------------------------------------------------------------------
// The order's life after capture

const INVOICE_KEY: &str = "35261208530528000184550010000154301000771560";

fn order_life(store: &RealStore) {
    let (mut rig, a, _) = stocked(store);
    let stock = || store.products_with_sku("RW-A")[0]["stock_quantity"].as_i64();
    // A company with a 2026 alphanumeric CNPJ, entered through REST (the plugin's checkout still
    // refuses letters), paying by Pix.
    let mut company = order(&a, 1, "processing", Person::Cnpj("12.ABC.345/01DE-35"));
    company["payment_method"] = json!("pix");
    company["payment_method_title"] = json!("Pix");
    company["transaction_id"] = json!("E2E-0001");
    let ids = store.create_orders(&[order(&a, 2, "processing", Person::Cpf(CPF)), company]);
    let [sale, cnpj] = <[String; 2]>::try_from(ids).unwrap();
    let report = rig.capture();
    assert_eq!(
        count(&report.counts, "accepted"),
        2,
        "{:?}",
        report.rejected
    );
    let sales = report
        .pending
        .iter()
        .find(|p| p.store_order_id == cnpj)
        .unwrap()
        .sales_order
        .clone();
    assert_eq!(sales["customer"]["cnpj"], "12ABC34501DE35");
    assert_eq!(sales["customer"]["document_valid"], true);
    assert_eq!(sales["store_payment"]["transaction_id"], "E2E-0001");
    assert_eq!(rig.ponte.customers_pending("loja").unwrap().len(), 2);

    // The merchant cancels the company's order before the ERP confirms it.
    store.put(&format!("/orders/{cnpj}"), json!({"status": "cancelled"}));
    let report = rig.capture();
    assert_eq!(
        count(&report.counts, "cancelled_in_store"),
        1,
        "{:?}",
        report.counts
    );
    assert_eq!(report.pending_total, 1);
    let pending = rig.ponte.orders_pending("loja", None, 0).unwrap().orders;
    assert!(pending.iter().all(|p| p.store_order_id != cnpj));
    assert_eq!(
        store.order(&cnpj)["status"],
        "cancelled",
        "nothing written over it"
    );
    let events = rig.ponte.order_events("loja").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind.as_str(), events[0].store_order_id.as_str()),
        ("cancelled", cnpj.as_str())
    );
    rig.ponte
        .order_event_ack("loja", events[0].event_id)
        .unwrap();

    // The ERP confirms the other and counts the sale: 50 - 2.
    rig.ponte.order_confirm("loja", &sale, "PV-1").unwrap();
    rig.stock("RW-A", 48);
    rig.capture();
    rig.sync();
    assert_eq!(stock(), Some(48));
    assert_eq!(store.order(&sale)["status"], "completed");

    // The merchant refunds one unit; WooCommerce puts it back on sale by itself.
    let line = store.order(&sale)["line_items"][0]["id"].clone();
    store.post(
        &format!("/orders/{sale}/refunds"),
        json!({"amount": "10.00", "reason": "Defeito", "api_refund": false,
               "line_items": [{"id": line, "quantity": 1, "refund_total": 10}]}),
    );
    assert_eq!(stock(), Some(49));
    let report = rig.capture();
    assert_eq!(count(&report.counts, "refunded"), 1, "{:?}", report.counts);
    let events = rig.ponte.order_events("loja").unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, "refunded");
    assert_eq!(events[0].erp_order_number.as_deref(), Some("PV-1"));
    assert_eq!(
        events[0].detail["lines"],
        json!([{"sku": "RW-A", "store_sku": "RW-A", "name": "Produto A", "quantity": 1, "amount_cents": 1000}])
    );
    // Only the ERP puts a returned unit back on sale: the next sync sends its 48.
    rig.sync();
    assert_eq!(stock(), Some(48));

    // The ERP invoices and ships it.
    let fulfilment = serde_json::from_value(json!({
        "invoice": {"key": INVOICE_KEY, "number": "15430", "series": "1", "issued_at": "2026-12-01T12:00:00Z"},
        "tracking": {"code": "AA123456789BR", "carrier": "Correios"}
    }))
    .unwrap();
    rig.ponte.order_fulfil("loja", &sale, fulfilment).unwrap();
    let report = rig.capture();
    assert_eq!(
        count(&report.counts, "writebacks_done"),
        2,
        "{:?}",
        report.counts
    );
    let held = store.order(&sale);
    let meta = |key: &str| {
        held["meta_data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["key"] == key)
            .map(|m| m["value"].clone())
    };
    assert_eq!(
        meta("_correios_tracking_code"),
        Some(json!("AA123456789BR"))
    );
    assert_eq!(meta("ponte_invoice").unwrap()["key"], INVOICE_KEY);
    assert_eq!(
        meta("melhorenvio_invoice_v2"),
        Some(json!({"key": INVOICE_KEY, "number": "15430"}))
    );
    let to_shopper: Vec<Value> = store
        .get(
            &format!("/orders/{sale}/notes"),
            &[("type", "customer".to_string())],
        )
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(to_shopper.len(), 1, "{to_shopper:?}");
    assert!(to_shopper[0]["note"]
        .as_str()
        .unwrap()
        .contains("AA123456789BR"));
}

// ---------------------------------------------------------------------------------------------
// Running unattended

fn run_due(store: &RealStore) {
    let mut rig = new_rig(store, |_| {});
    rig.put(json!([simple("T", "RW-T", None, 1000, 10)]));
    let noon = 1_796_126_400;
    let outcomes = |report: &ponte::unattended::RunDueReport| -> Vec<(String, &'static str)> {
        report
            .ran
            .iter()
            .map(|r| (r.job.name().to_string(), r.outcome))
            .collect()
    };
    let first = rig.ponte.run_due(Some(noon), &mut |_| true).unwrap();
    assert_eq!(
        outcomes(&first),
        [
            ("capture".to_string(), "succeeded"),
            ("stock".to_string(), "succeeded"),
            ("full_sync".to_string(), "succeeded")
        ],
        "{first:?}"
    );
    // The full sync created the product in the real store.
    let product = store.products_with_sku("RW-T")[0]["id"].clone();
    let id = store.create_orders(&[order(&product, 2, "processing", Person::Cpf(CPF))]);
    let quiet = rig.ponte.run_due(Some(noon + 60), &mut |_| true).unwrap();
    assert!(quiet.ran.is_empty(), "{quiet:?}");
    let due = rig
        .ponte
        .run_due(Some(noon + 5 * 60), &mut |_| true)
        .unwrap();
    assert_eq!(outcomes(&due), [("capture".to_string(), "succeeded")]);
    assert!(
        due.ran[0].detail.contains("accepted 1"),
        "{}",
        due.ran[0].detail
    );
    assert_eq!(store.order(&id[0])["status"], "received");
    let health = rig.ponte.health(Some(noon + 5 * 60)).unwrap();
    assert_eq!(health.verdict, "ok", "{health:?}");
    assert_eq!(health.integrations[0].backlog.orders_pending, 1);
}

fn late_and_changed(store: &RealStore) {
    let (mut rig, a, _) = stocked(store);
    let ids = store.create_orders(&[
        order(&a, 2, "pending", Person::Cpf(CPF)),
        order(&a, 1, "processing", Person::Cpf(CPF)),
    ]);
    let [boleto, sale] = <[String; 2]>::try_from(ids).unwrap();
    let first = rig.capture();
    assert_eq!(
        (
            count(&first.counts, "reserved"),
            count(&first.counts, "accepted")
        ),
        (1, 1),
        "{:?}",
        first.counts
    );
    // Not paid in time: WooCommerce cancels it; then the boleto is paid after all.
    store.put(&format!("/orders/{boleto}"), json!({"status": "cancelled"}));
    assert_eq!(count(&rig.capture().counts, "released"), 1);
    store.put(
        &format!("/orders/{boleto}"),
        json!({"status": "processing"}),
    );
    // The shopper's address is corrected in the store before the ERP took the sale.
    store.put(
        &format!("/orders/{sale}"),
        json!({"billing": {"address_1": "Rua Augusta", "postcode": "01305-000"}}),
    );
    let report = rig.capture();
    assert_eq!(
        (
            count(&report.counts, "revived"),
            count(&report.counts, "changed")
        ),
        (1, 1),
        "{:?}",
        report.counts
    );
    // The revived order is new to the ERP; the changed one it has already: the `changed` event
    // tells it, and the pending list holds the order as it is now.
    let new: Vec<&str> = report
        .pending
        .iter()
        .map(|p| p.store_order_id.as_str())
        .collect();
    assert_eq!(new, [boleto.as_str()]);
    assert_eq!(report.pending_total, 2);
    let pending = rig.ponte.orders_pending("loja", None, 0).unwrap();
    assert_eq!(pending.next, None);
    let changed = pending
        .orders
        .iter()
        .find(|p| p.store_order_id == sale)
        .unwrap();
    assert_eq!(
        changed.sales_order["customer"]["billing"]["street"],
        "Rua Augusta"
    );
    // What the store holds: the revived order marked received, the changed one left as it was.
    assert_eq!(store.order(&boleto)["status"], "received");
    assert_eq!(store.order(&sale)["status"], "received");
    let events = rig.ponte.order_events("loja").unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["changed"], "{events:?}");
}

// ---------------------------------------------------------------------------------------------
// The product page (categories, images, short description, sale dates, attributes), as
// tests/sandboxes/woocommerce_product_page.rs expects it of the sandbox.

/// What the sandbox's product page rests on, asked of the real store (10.0.2; 8.9.3 is not
/// checked). The images are served by the store itself (see `RealStore::serve_file`).
fn page_as_the_sandbox_keeps_it(store: &RealStore) {
    use ponte::platform::http::Method;
    if !store.is_modern() {
        return;
    }
    let tag = ponte::time::now_unix().to_string();
    let name = format!("Roupas {tag}");
    let roupas = store.post("/products/categories", json!({"name": name}));
    assert_eq!(roupas["slug"], format!("roupas-{tag}"));
    let duplicate = json!({"code": "term_exists",
        "message": "A term with the name provided already exists with this parent.",
        "data": {"status": 400, "resource_id": roupas["id"]}});
    let (status, answer) = store.answer(
        Method::Post,
        "/products/categories",
        Some(json!({"name": name.to_lowercase()})),
    );
    assert_eq!((status, &answer), (400, &duplicate));
    let batch = store.post(
        "/products/categories/batch",
        json!({"create": [{"name": name}, {"name": "Órfã", "parent": 999_999}]}),
    );
    assert_eq!(batch["create"][0], json!({"id": 0, "error": duplicate}));
    assert_eq!(batch["create"][1]["error"]["code"], "missing_parent");
    let uncategorized = store.get("/products/categories", &[("slug", "uncategorized".into())]);
    assert_eq!(uncategorized[0]["id"], 15);

    let png = |seed: u8| common::images::png(2, [seed, 255 - seed, 128]);
    let (a, b, c) = (
        store.serve_file(&format!("a{tag}.png"), &png(1)),
        store.serve_file(&format!("b{tag}.png"), &png(2)),
        store.serve_file(&format!("c{tag}.png"), &png(3)),
    );
    let before = store.post("/products", json!({"name": "Antes"}))["id"]
        .as_u64()
        .unwrap();
    let product = store.post(
        "/products",
        json!({"name": "Camiseta", "type": "variable", "sku": format!("PAGE-{tag}"),
               "short_description": "Camiseta de algodão & linho",
               "categories": [{"id": roupas["id"]}, {"id": 999_999}],
               "images": [{"src": a, "alt": "Frente", "name": "Camiseta frente"}, {"src": b}],
               "attributes": [
                   {"name": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]},
                   {"name": "Cor", "position": 0, "visible": true, "variation": true, "options": ["Azul", "Verde"]}]}),
    );
    let id = product["id"].as_u64().unwrap();
    assert_eq!(
        product["short_description"],
        "Camiseta de algodão &amp; linho"
    );
    let read = store.get(&format!("/products/{id}"), &[]);
    assert_eq!(
        read["short_description"],
        "<p>Camiseta de algodão &amp; linho</p>\n"
    );
    assert_eq!(
        read["categories"],
        json!([{"id": roupas["id"], "name": name, "slug": roupas["slug"]}])
    );
    assert_eq!(
        read["attributes"],
        json!([
            {"id": 0, "name": "Cor", "slug": "Cor", "position": 0, "visible": true, "variation": true, "options": ["Azul", "Verde"]},
            {"id": 0, "name": "Material", "slug": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]}
        ])
    );
    let images = read["images"].as_array().unwrap();
    let image_ids: Vec<u64> = images.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    // Other posts (WordPress's own) may take ids in between; the images come before.
    assert!(
        before < image_ids[0] && image_ids[0] < image_ids[1] && image_ids[1] < id,
        "{before} {image_ids:?} {id}"
    );
    let month =
        ponte::time::format_naive(ponte::time::now_unix() - 3 * 3600)[..7].replace('-', "/");
    let uploads = format!("{}/wp-content/uploads/{month}", store.base_url);
    assert_eq!(images[0]["src"], format!("{uploads}/a{tag}.png"));
    assert_eq!(images[0]["name"], "Camiseta frente");
    assert_eq!(images[0]["alt"], "Frente");
    assert_eq!(images[1]["name"], format!("b{tag}.png"));
    assert_eq!(images[1]["alt"], "");
    let gmt = ponte::time::parse(images[0]["date_created_gmt"].as_str().unwrap()).unwrap();
    let local = ponte::time::parse(images[0]["date_created"].as_str().unwrap()).unwrap();
    assert_eq!(gmt - local, 6 * 3600);

    let variation = store.post(
        &format!("/products/{id}/variations"),
        json!({"regular_price": "100.00", "sale_price": "80.00",
               "date_on_sale_from_gmt": "2099-12-20T03:00:00", "date_on_sale_to_gmt": "2099-12-31T02:59:59",
               "attributes": [{"name": "Cor", "option": "Azul"}, {"name": "Material", "option": "Algodão"}],
               "image": {"id": image_ids[1]}}),
    );
    let path = format!("/products/{id}/variations/{}", variation["id"]);
    let read = store.get(&path, &[]);
    assert_eq!(
        read["attributes"],
        json!([{"id": 0, "name": "Cor", "slug": "cor", "option": "Azul"}])
    );
    assert_eq!(read["date_on_sale_from"], "2099-12-20T00:00:00");
    assert_eq!(read["date_on_sale_to"], "2099-12-30T23:59:59");
    assert_eq!(read["on_sale"], false);
    assert_eq!(read["image"]["id"], image_ids[1]);
    store.put(&path, json!({"date_on_sale_from_gmt": null}));
    assert_eq!(
        store.get(&path, &[])["date_on_sale_from_gmt"],
        "2099-12-20T03:00:00"
    );
    store.put(
        &path,
        json!({"date_on_sale_from_gmt": "", "date_on_sale_to_gmt": ""}),
    );
    let read = store.get(&path, &[]);
    assert_eq!(read["date_on_sale_from_gmt"], Value::Null);
    assert_eq!(read["on_sale"], true);

    let updated = store.put(
        &format!("/products/{id}"),
        json!({"images": [{"id": image_ids[1]}, {"src": c}]}),
    );
    let kept: Vec<&Value> = updated["images"].as_array().unwrap().iter().collect();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0]["id"], image_ids[1]);
    assert_eq!(kept[1]["src"], format!("{uploads}/c{tag}.png"));

    let missing = format!(
        "{}/wp-content/uploads/ponte-src/missing-{tag}.png",
        store.base_url
    );
    let sku = format!("PAGE-MISSING-{tag}");
    let (status, failed) = store.answer(
        Method::Post,
        "/products",
        Some(json!({"name": "Sem foto", "sku": sku, "images": [{"src": missing}]})),
    );
    assert_eq!(status, 400);
    assert_eq!(
        failed,
        json!({"code": "woocommerce_product_image_upload_error",
               "message": format!("Error getting remote image {missing}. Error: Not Found"),
               "data": {"status": 400}})
    );
    assert!(store.products_with_sku(&sku).is_empty());
    let batch = store.post(
        "/products/batch",
        json!({"create": [{"name": "Sem foto", "sku": sku, "images": [{"src": missing}]},
                          {"name": "Id", "images": [{"id": 999_999}]}]}),
    );
    assert_eq!(
        batch["create"][0]["error"]["code"],
        "woocommerce_product_image_upload_error"
    );
    assert_eq!(
        batch["create"][1]["error"],
        json!({"code": "woocommerce_product_invalid_image_id", "message": "#999999 is an invalid image ID.", "data": {"status": 400}})
    );
    assert!(store.products_with_sku(&sku).is_empty());
}

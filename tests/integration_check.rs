//! The integration check and what follows from it, against the sandbox: sync and capture refuse a
//! key that cannot write and a status the store lacks; fields an older store cannot hold are
//! reported `not_supported_by_store` and never counted as pushed; a status the store did not keep
//! is a failed write-back; and units the store sold before a capture stay off sale. The same
//! behaviours are checked on a real WooCommerce in `tests/real_woocommerce.rs`.

mod common;

use common::capture::*;
use common::sync::*;
use ponte::capture::ReportFilter;
use ponte::check::ItemStatus;
use ponte::model::catalog::ProductKey;
use ponte::sandbox::{Permissions, WcVersion, WooOptions, WooSandbox};
use ponte::sync::SyncOptions;
use ponte::Error;

/// The check, after asserting each of its texts is wholly in its language (issue 10: one
/// message mixed Portuguese and English).
fn wholly(check: ponte::check::IntegrationCheck) -> ponte::check::IntegrationCheck {
    use ponte::model::config::Locale;
    use ponte::rules::language::assert_wholly;
    for item in &check.items {
        for text in std::iter::once(&item.message).chain(&item.action) {
            assert_wholly(Locale::PtBr, &text.pt_br);
            assert_wholly(Locale::En, &text.en);
        }
    }
    check
}

/// A capture rig on a sandbox playing WooCommerce `version`.
fn rig_on(version: WcVersion) -> Rig {
    let sandbox = WooSandbox::start_with(WooOptions {
        version,
        ..WooOptions::default()
    })
    .unwrap();
    let rig = Rig::on(sandbox, capture_settings);
    rig.sandbox.register_status("recebido");
    rig
}

#[test]
fn the_check_lists_the_store_and_every_status_the_config_names() {
    let mut rig = rig();
    let check = wholly(rig.ponte.integration_check("loja").unwrap());
    assert!(check.ok, "{:#?}", check.items);
    let items: Vec<(&str, ItemStatus)> = check.items.iter().map(|i| (i.item, i.status)).collect();
    assert_eq!(
        items,
        [
            ("address", ItemStatus::Ok),
            ("credentials", ItemStatus::Ok),
            ("write", ItemStatus::Ok),
            ("version", ItemStatus::Ok),
            ("brands", ItemStatus::Ok),
            ("ean", ItemStatus::Ok),
            ("batch", ItemStatus::Ok),
            ("currency", ItemStatus::Ok),
            ("status", ItemStatus::Ok),
            ("status", ItemStatus::Ok),
            ("status", ItemStatus::Ok),
            ("status", ItemStatus::Ok),
            ("status", ItemStatus::Ok),
        ]
    );
    let store = check.store.unwrap();
    assert_eq!(store.version.as_deref(), Some("10.0.2"));
    assert!(store
        .order_statuses
        .unwrap()
        .iter()
        .any(|s| s.slug == "recebido"));
    // Five reads and one empty batch, which changes nothing.
    assert_eq!(check.requests, 5);
    assert!(rig.sandbox.products().is_empty());
}

#[test]
fn a_status_the_store_lacks_stops_sync_and_capture_with_its_path() {
    let mut rig = Rig::with(capture_settings);
    // `recebido` is never registered in this store.
    let check = wholly(rig.ponte.integration_check("loja").unwrap());
    assert!(!check.ok);
    let problem = check
        .items
        .iter()
        .find(|i| i.status == ItemStatus::Problem)
        .unwrap();
    assert_eq!(
        problem.path.as_deref(),
        Some("order_capture.received_status")
    );
    assert!(
        problem
            .message
            .en
            .contains("\"recebido\" does not exist in the store"),
        "{problem:?}"
    );
    assert!(problem
        .action
        .as_ref()
        .unwrap()
        .pt_br
        .contains("Cadastre o status"));
    rig.put(&[product("1", "A", None, 1000, 5)]);
    let errors = [
        rig.ponte.capture_orders("loja").unwrap_err(),
        rig.ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(&err, Error::InvalidConfig(p) if p[0].path == "order_capture.received_status"),
            "{err:?}"
        );
    }
    assert!(rig.sandbox.products().is_empty(), "a refused sync wrote");
    // Once the merchant registers it, a new session checks again and runs.
    rig.sandbox.register_status("recebido");
    let mut again = another_handle(&rig);
    assert!(again.capture_orders("loja").is_ok());
}

#[test]
fn a_key_that_may_only_read_is_a_problem_and_stops_a_sync() {
    let mut rig = Rig::new();
    let key = rig.sandbox.add_key(Permissions::Read);
    let mut config = rig.sandbox.integration_config("loja");
    config.credentials = Some(ponte::model::config::Credentials {
        consumer_key: Some(ponte::model::config::Secret::new(key.consumer_key)),
        consumer_secret: Some(ponte::model::config::Secret::new(key.consumer_secret)),
        access_token: None,
        ..Default::default()
    });
    rig.ponte.integration_put(config).unwrap();
    let check = wholly(rig.ponte.integration_check("loja").unwrap());
    let write = check.items.iter().find(|i| i.item == "write").unwrap();
    assert_eq!(write.status, ItemStatus::Problem, "{write:?}");
    rig.put(&[product("1", "A", None, 1000, 5)]);
    let err = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(rig.sandbox.products().is_empty());
}

#[test]
fn a_store_that_cannot_be_reached_is_a_problem_line_not_an_error() {
    let mut rig = Rig::new();
    let mut config = rig.sandbox.integration_config("loja");
    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.base_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    config.http.max_retries = 0;
    rig.ponte.integration_put(config).unwrap();
    let check = wholly(rig.ponte.integration_check("loja").unwrap());
    assert!(!check.ok && check.store.is_none());
    assert_eq!(check.items.len(), 1);
    assert_eq!(
        (check.items[0].item, check.items[0].status),
        ("address", ItemStatus::Problem)
    );
    let err = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
}

#[test]
fn an_old_store_gets_neither_brand_nor_ean_and_every_plan_says_so() {
    let mut rig = rig_on(WcVersion::V8_9_3);
    rig.put(&[product("1", "A", Some("7891000100103"), 1000, 5)]);
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 1);
    let item = &report.items[0];
    let codes: Vec<&str> = item.not_supported.iter().map(|r| r.code).collect();
    assert_eq!(codes, ["not_supported_by_store", "not_supported_by_store"]);
    assert!(item.not_supported[1].message.contains("WooCommerce 8.9.3"));
    let held = &rig.store_items("A")[0];
    assert!(held.get("global_unique_id").is_none() && held.get("brands").is_none());
    // No brand term was asked for; no GTIN look-up was made.
    let counters = rig.sandbox.counters();
    assert!(!counters.contains_key("POST /wp-json/wc/v3/products/brands"));
    assert_eq!(
        rig.sandbox
            .counters()
            .keys()
            .filter(|k| k.contains("global_unique_id"))
            .count(),
        0
    );
    let status = rig
        .ponte
        .product_status("loja", &ProductKey::Sku("A".into()))
        .unwrap();
    assert_eq!(status.not_supported.len(), 2);
    assert_eq!(status.next_action, "unchanged");
    let pushed = status.last_pushed.unwrap();
    assert!(pushed.get("brand").is_none() && pushed["variants"]["A"].get("ean").is_none());
    let plan = rig.ponte.sync_plan("loja", SyncOptions::default()).unwrap();
    assert_eq!(plan.items[0].not_supported.len(), 2);
    assert_eq!(Rig::count(&rig.sync(), "unchanged"), 1);
}

#[test]
fn a_store_without_brands_still_gets_the_ean() {
    let mut rig = rig_on(WcVersion::V9_5_2);
    rig.put(&[product("1", "A", Some("7891000100103"), 1000, 5)]);
    let report = rig.sync();
    let codes: Vec<&str> = report.items[0]
        .not_supported
        .iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, ["not_supported_by_store"]);
    assert!(report.items[0].not_supported[0].message.contains("Brand"));
    assert_eq!(rig.store_items("A")[0]["global_unique_id"], "7891000100103");
}

#[test]
fn a_status_the_store_coerces_is_a_failed_write_back_never_done() {
    let mut rig = stocked();
    // Checked with `recebido` registered; then the status plugin loses it.
    assert!(wholly(rig.ponte.integration_check("loja").unwrap()).ok);
    rig.sandbox.unregister_status("recebido");
    let id = place(&rig, shopper("A", 1, "processing", CPF));
    let report = capture(&mut rig);
    assert_eq!(
        count(&report, "writebacks_failed"),
        1,
        "{:?}",
        report.counts
    );
    assert_eq!(count(&report, "writebacks_done"), 0);
    // The store answered 200 and kept the order in `pending`, as WooCommerce does.
    assert_eq!(store_status(&rig, &id), "pending");
    let rows = rig.ponte.report("loja", &ReportFilter::default()).unwrap();
    assert!(
        rows[0]
            .writeback
            .starts_with("received failed: the store left order"),
        "{}",
        rows[0].writeback
    );
    // Failed is final: the next capture does not send it again.
    rig.sandbox.reset_counters();
    let again = capture(&mut rig);
    assert_eq!(count(&again, "writebacks_waiting"), 0);
    assert!(!rig
        .sandbox
        .counters()
        .contains_key("POST /wp-json/wc/v3/orders/batch"));
}

#[test]
fn units_the_store_sold_before_a_capture_stay_off_sale() {
    let mut rig = rig();
    rig.put(&[product("1", "A", None, 1000, 10)]);
    rig.sync();
    place(&rig, shopper("A", 3, "processing", CPF));
    // The store took them off when the order was paid.
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 7);
    let report = rig.sync_with(SyncOptions {
        full_resync: true,
        ..SyncOptions::default()
    });
    assert_eq!(Rig::count(&report, "update"), 1);
    assert_eq!(
        rig.store_items("A")[0]["stock_quantity"],
        7,
        "the sold units went back on sale"
    );
    // With nothing new in the store, the look-out costs one listing.
    capture(&mut rig);
    rig.sandbox.reset_counters();
    rig.sync();
    assert_eq!(
        rig.sandbox.counters().get("GET /wp-json/wc/v3/orders"),
        Some(&1)
    );
    assert_eq!(rig.store_items("A")[0]["stock_quantity"], 7);
}

/// Every later request of this kind answered as WooCommerce answers a key that lost its write
/// permission.
fn revoke_writes(sandbox: &WooSandbox, path: &str) {
    sandbox.inject(ponte::sandbox::FaultRule {
        method: Some("POST".into()),
        path_contains: Some(path.into()),
        times: 1000,
        after: 0,
        fault: ponte::sandbox::Fault::Status {
            status: 401,
            body: r#"{"code":"woocommerce_rest_authentication_error","message":"The API key provided does not have write permissions.","data":{"status":401}}"#.into(),
        },
    });
}

#[test]
fn a_key_refused_in_the_middle_of_a_stock_only_sync_ends_it_as_an_auth_error() {
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 3);
    let products: Vec<String> = (0..450)
        .map(|n| product(&format!("P{n}"), &format!("S{n}"), None, 1000, 5))
        .collect();
    rig.put(&products);
    rig.sync();
    for n in 0..450 {
        let level = format!(r#"[{{"sku":"S{n}","quantity":9}}]"#);
        rig.ponte
            .catalog_put_stock(&ponte::model::catalog::parse_stock(&level).unwrap())
            .unwrap();
    }
    revoke_writes(&rig.sandbox, "/products/batch");
    rig.sandbox.reset_counters();
    let err = rig
        .ponte
        .sync_products(
            "loja",
            SyncOptions {
                stock_only: true,
                ..SyncOptions::default()
            },
            &mut |_| true,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(
        err.to_string().contains("does not have write permissions"),
        "{err}"
    );
    // It sent nothing after the first refusal: only the batches already in flight then (at most
    // 3 of the 5), and the run says so.
    let sent = rig.sandbox.counters()["POST /wp-json/wc/v3/products/batch"];
    assert!((1..=3).contains(&sent), "{sent} batches sent");
    let runs = rig.ponte.sync_runs("loja", 1).unwrap();
    assert_eq!(runs[0].status, "failed");
    // Nothing was recorded as pushed: the next run sends all 450 again.
    rig.sandbox.clear_faults();
    let report = rig.sync_with(SyncOptions {
        stock_only: true,
        ..SyncOptions::default()
    });
    assert_eq!(Rig::count(&report, "stock_only"), 450);
}

#[test]
fn a_key_refused_while_writing_back_ends_the_capture_as_an_auth_error() {
    let mut rig = stocked();
    place(&rig, shopper("A", 1, "processing", CPF));
    revoke_writes(&rig.sandbox, "/orders");
    let err = rig.ponte.capture_orders("loja").unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    // The order is journaled and handed out; its write-back waits for a working key.
    assert_eq!(pending_ids(&mut rig).len(), 1);
    rig.sandbox.clear_faults();
    let report = capture(&mut rig);
    assert_eq!(count(&report, "writebacks_done"), 1, "{:?}", report.counts);
}

#[test]
fn a_wrong_key_is_noticed_before_a_sync_with_nothing_to_send() {
    let mut rig = Rig::new();
    rig.put(&[product("1", "A", None, 1000, 5)]);
    rig.sync();
    let mut config = rig.sandbox.integration_config("loja");
    config.credentials = Some(ponte::model::config::Credentials {
        consumer_key: Some(ponte::model::config::Secret::new("ck_wrong".to_string())),
        consumer_secret: Some(ponte::model::config::Secret::new("cs_wrong".to_string())),
        access_token: None,
        ..Default::default()
    });
    rig.ponte.integration_put(config).unwrap();
    let err = rig
        .ponte
        .sync_products("loja", SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
}

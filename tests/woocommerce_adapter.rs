//! The WooCommerce adapter against the sandbox store over real HTTP: many pages, batches split at
//! 100, per-item errors, authentication failures, 429 then success, timeouts, unknown outcomes,
//! variations, order statuses and notes, and bad input from the store.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::woo::*;
use ponte::model::catalog::{parse_products, Product};
use ponte::model::config::{NewProductStatus, Visibility, ALL_SYNC_FIELDS};
use ponte::platform::{
    OrderQuery, OrderSort, Platform, ProductDraft, ProductWrite, RemoteKind, StatusUpdate,
    WriteOutcome,
};
use ponte::sandbox::{Fault, FaultRule, Permissions};
use ponte::Error;
use serde_json::json;

fn simple(n: usize) -> Product {
    let json = format!(
        r#"[{{"erp_id":"P{n}","name":"Produto {n}","show_in_store":true,"sync_stock":true,
             "variants":[{{"sku":"SKU-{n:05}","price_cents":{},"stock":{}}}]}}]"#,
        1000 + n,
        n % 7
    );
    parse_products(&json).unwrap().remove(0)
}

fn shirt() -> Product {
    parse_products(
        r#"[{"erp_id":"CAM","name":"Camiseta","show_in_store":true,"sync_stock":true,"variants":[
            {"sku":"CAM-AZ-M","ean":"7891000100110","price_cents":5990,"stock":3,"attributes":{"cor":"Azul","tamanho":"M"}},
            {"sku":"CAM-AZ-G","ean":"7891000100127","price_cents":6490,"stock":0,"attributes":{"cor":"Azul","tamanho":"G"}}]}]"#,
    )
    .unwrap()
    .remove(0)
}

fn draft(product: Product) -> ProductDraft {
    let stock = product
        .variants
        .iter()
        .map(|v| (v.sku.clone(), v.stock.unwrap_or(0)))
        .collect();
    ProductDraft {
        product,
        brand: None,
        fields: ALL_SYNC_FIELDS.into_iter().collect(),
        stock,
        status: NewProductStatus::Publish,
        visibility: Visibility::Visible,
        restore_visibility: false,
        retire_variants: Default::default(),
        restore_variants: Default::default(),
        categories: Vec::new(),
        images: Vec::new(),
        variant_images: Default::default(),
    }
}

fn done(outcome: &WriteOutcome) -> &ponte::platform::StoreRef {
    match outcome {
        WriteOutcome::Done {
            target,
            variant_failures,
        } if variant_failures.is_empty() => target,
        other => panic!("expected Done, got {other:?}"),
    }
}

fn batch_requests(s: &Store) -> u64 {
    s.sandbox
        .counters()
        .get("POST /wp-json/wc/v3/products/batch")
        .copied()
        .unwrap_or(0)
}

#[test]
fn two_hundred_fifty_creates_go_in_three_batches_and_are_found_by_sku() {
    let s = store();
    let writes: Vec<ProductWrite> = (0..250)
        .map(|n| ProductWrite::Create(draft(simple(n))))
        .collect();
    let outcomes = s.woo.push_products(&writes);
    assert_eq!(outcomes.len(), 250);
    for outcome in &outcomes {
        done(outcome);
    }
    assert_eq!(batch_requests(&s), 3);

    let skus: Vec<String> = (0..250).map(|n| format!("SKU-{n:05}")).collect();
    let found = s.woo.find_products_by_sku(&skus).unwrap();
    assert_eq!(found.len(), 250);
    let first = found
        .iter()
        .find(|p| p.sku.as_deref() == Some("SKU-00003"))
        .unwrap();
    assert_eq!(
        (first.price_cents, first.stock, first.kind),
        (Some(1003), Some(3), RemoteKind::Simple)
    );
    // 250 SKUs in groups of 100: three look-ups of one page each.
    assert_eq!(s.sandbox.counters()["GET /wp-json/wc/v3/products"], 3);
}

#[test]
fn a_variable_product_gets_a_parent_and_variations_found_by_sku() {
    let s = store();
    let outcomes = s.woo.push_products(&[ProductWrite::Create(draft(shirt()))]);
    let target = done(&outcomes[0]).clone();
    assert_eq!(target.variants.len(), 2);
    let found = s.woo.find_products_by_sku(&["CAM-AZ-G".into()]).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, RemoteKind::Variation);
    assert_eq!(
        found[0].parent_id.as_deref(),
        Some(target.product_id.as_str())
    );
    assert_eq!(found[0].ean.as_deref(), Some("7891000100127"));
    assert_eq!(found[0].stock, Some(0));

    // Stock of one variation, then the parent's price follows its cheapest variation.
    let stock = ProductWrite::Stock {
        target: target.clone(),
        quantities: BTreeMap::from([("CAM-AZ-G".to_string(), 9)]),
    };
    done(&s.woo.push_products(&[stock])[0]);
    let found = s.woo.find_products_by_sku(&["CAM-AZ-G".into()]).unwrap();
    assert_eq!(found[0].stock, Some(9));
    let parent = s
        .sandbox
        .products()
        .into_iter()
        .find(|p| p["id"].as_u64().unwrap().to_string() == target.product_id)
        .unwrap();
    assert_eq!(parent["price"], "59.90");
    assert_eq!(parent["attributes"][1]["options"], json!(["M", "G"]));
}

#[test]
fn a_duplicate_sku_is_an_item_error_and_the_rest_of_the_batch_goes_on() {
    let s = store();
    done(
        &s.woo
            .push_products(&[ProductWrite::Create(draft(simple(1)))])[0],
    );
    let existing_id = s.woo.find_products_by_sku(&["SKU-00001".into()]).unwrap()[0]
        .id
        .clone();
    let mut twin = simple(2);
    twin.variants[0].sku = "SKU-00001".into();
    let outcomes = s.woo.push_products(&[
        ProductWrite::Create(draft(twin)),
        ProductWrite::Create(draft(simple(3))),
    ]);
    match &outcomes[0] {
        WriteOutcome::Failed { error } => {
            assert_eq!(
                (error.code.as_str(), error.status),
                ("product_invalid_sku", 400)
            );
            assert_eq!(error.resource_id.as_deref(), Some(existing_id.as_str()));
        }
        other => panic!("{other:?}"),
    }
    done(&outcomes[1]);
}

#[test]
fn a_duplicate_ean_is_an_item_error_too() {
    let s = store();
    let mut a = simple(1);
    a.variants[0].ean = Some("7891000100103".into());
    let mut b = simple(2);
    b.variants[0].ean = Some("7891000100103".into());
    let outcomes = s.woo.push_products(&[
        ProductWrite::Create(draft(a)),
        ProductWrite::Create(draft(b)),
    ]);
    done(&outcomes[0]);
    assert!(
        matches!(&outcomes[1], WriteOutcome::Failed { error } if error.code == "product_invalid_global_unique_id")
    );
}

#[test]
fn an_answer_that_ignored_the_gtin_filter_is_never_taken_for_a_match() {
    let s = store();
    let mut wanted = simple(1);
    wanted.variants[0].ean = Some("7891000100103".into());
    let mut other = simple(2);
    other.variants[0].ean = Some("7891000100110".into());
    let created: Vec<String> = s
        .woo
        .push_products(&[
            ProductWrite::Create(draft(wanted)),
            ProductWrite::Create(draft(other)),
        ])
        .iter()
        .map(|outcome| done(outcome).product_id.clone())
        .collect();
    // The look-up is answered as a store that ignores `global_unique_id` answers it (WooCommerce
    // 8.9): with the other product only.
    let other_id: u64 = created[1].parse().unwrap();
    let other_product = s
        .sandbox
        .products()
        .into_iter()
        .find(|p| p["id"] == other_id);
    let unfiltered = json!([other_product.unwrap()]);
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/wp-json/wc/v3/products".into()),
        times: 1,
        after: 0,
        fault: Fault::Status {
            status: 200,
            body: unfiltered.to_string(),
        },
    });
    s.sandbox.reset_counters();
    let found = s
        .woo
        .find_products_by_gtin(&["7891000100103".into()])
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [created[0].as_str()],
        "the unfiltered answer was taken"
    );
    // Then the catalog was listed once and matched by Ponte.
    assert_eq!(s.sandbox.counters()["GET /wp-json/wc/v3/products"], 2);
}

#[test]
fn a_product_listing_that_never_ends_is_stopped() {
    let s = store();
    let created = done(
        &s.woo
            .push_products(&[ProductWrite::Create(draft(simple(1)))])[0],
    )
    .clone();
    let product = s.sandbox.products().into_iter().next().unwrap();
    assert_eq!(product["id"].to_string(), created.product_id);
    // The same product on every page of a million.
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/wp-json/wc/v3/products".into()),
        times: 1_000_000,
        after: 0,
        fault: Fault::Bytes {
            status: 200,
            headers: vec![("X-WP-TotalPages".into(), "1000000".into())],
            body: json!([product]).to_string().into_bytes(),
        },
    });
    s.sandbox.reset_counters();
    let err = s
        .woo
        .find_products_by_sku(&["SKU-00001".into()])
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse(m) if m.contains("page 2 repeats")),
        "{err:?}"
    );
    assert_eq!(s.sandbox.counters()["GET /wp-json/wc/v3/products"], 2);
}

#[test]
fn updating_a_product_that_is_gone_is_an_invalid_id_item_error() {
    let s = store();
    let target = ponte::platform::StoreRef {
        product_id: "99999".into(),
        variants: BTreeMap::from([("SKU-00001".into(), "99999".into())]),
        media: Default::default(),
    };
    let outcomes = s.woo.push_products(&[ProductWrite::Update {
        target,
        draft: draft(simple(1)),
    }]);
    assert!(
        matches!(&outcomes[0], WriteOutcome::Failed { error } if error.code == "woocommerce_rest_product_invalid_id" && error.status == 400),
        "{outcomes:?}"
    );
}

#[test]
fn a_wrong_secret_is_an_authentication_error_without_the_secret() {
    let s = store_with(|config| {
        let creds = config.credentials.as_mut().unwrap();
        creds.consumer_secret = Some(ponte::model::config::Secret::new("cs_CANARY-7f3a9c"));
    });
    let err = s.woo.find_products_by_sku(&["X".into()]).unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("Invalid signature - provided signature does not match."),
        "{text}"
    );
    assert!(!text.contains("CANARY"));
}

#[test]
fn a_read_only_key_can_list_but_not_write() {
    let s = store();
    let key = s.sandbox.add_key(Permissions::Read);
    let mut config = common::woo::config(&s.sandbox);
    config.credentials = Some(ponte::model::config::Credentials {
        consumer_key: Some(ponte::model::config::Secret::new(key.consumer_key)),
        consumer_secret: Some(ponte::model::config::Secret::new(key.consumer_secret)),
        access_token: None,
        ..Default::default()
    });
    let woo = ponte::platform::woocommerce::WooCommerce::connect(
        &config,
        config.credentials.as_ref(),
        s.clock.clone(),
    )
    .unwrap();
    assert!(woo.find_products_by_sku(&["X".into()]).is_ok());
    let outcomes = woo.push_products(&[ProductWrite::Create(draft(simple(1)))]);
    match &outcomes[0] {
        WriteOutcome::Failed { error } => {
            assert_eq!(error.code, "woocommerce_rest_authentication_error");
            assert_eq!(
                error.message,
                "The API key provided does not have write permissions."
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let s = store();
    s.sandbox.inject(FaultRule {
        method: None,
        path_contains: None,
        times: 2,
        after: 0,
        fault: Fault::TooManyRequests {
            retry_after_seconds: 2,
        },
    });
    assert!(s.woo.find_products_by_sku(&["X".into()]).is_ok());
    assert_eq!(
        *s.clock.waits.lock().unwrap(),
        vec![Duration::from_secs(2), Duration::from_secs(2)]
    );
    assert_eq!(s.woo.http_stats().throttled, 2);
}

#[test]
fn a_retry_after_longer_than_allowed_stops_as_throttled() {
    let s = store();
    s.sandbox.inject(FaultRule {
        method: None,
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::TooManyRequests {
            retry_after_seconds: 3600,
        },
    });
    let err = s.woo.find_products_by_sku(&["X".into()]).unwrap_err();
    assert!(matches!(err, Error::Throttled(_)), "{err:?}");
    assert!(s.clock.waits.lock().unwrap().is_empty(), "it waited anyway");
}

#[test]
fn a_5xx_on_a_read_is_retried_with_backoff() {
    let s = store();
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 2,
        after: 0,
        fault: Fault::Status {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
        },
    });
    assert!(s.woo.find_products_by_sku(&["X".into()]).is_ok());
    let waits = s.clock.waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    assert!(waits[1] >= Duration::from_millis(250), "{waits:?}");
}

#[test]
fn a_slow_read_times_out_and_is_retried() {
    // A second of patience for the retry, which a loaded machine answers well within; four for
    // the stall, which it cannot.
    let s = store_with(|config| config.http.read_timeout_ms = 1000);
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::Slow { delay_ms: 4000 },
    });
    assert!(s.woo.find_products_by_sku(&["X".into()]).is_ok());
    assert_eq!(s.woo.http_stats().retries, 1);
}

#[test]
fn a_create_whose_answer_is_lost_is_unknown_not_resent() {
    let s = store_with(|config| config.http.read_timeout_ms = 1000);
    s.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/products/batch".into()),
        times: 1,
        after: 0,
        fault: Fault::Slow { delay_ms: 4000 },
    });
    let outcomes = s
        .woo
        .push_products(&[ProductWrite::Create(draft(simple(1)))]);
    assert!(
        matches!(outcomes[0], WriteOutcome::Unknown { .. }),
        "{outcomes:?}"
    );
    assert_eq!(batch_requests(&s), 1, "a create was sent again blindly");
    // The store did apply it (before stalling): a look-up by SKU finds it, which is how sync
    // reconciles.
    assert_eq!(
        s.woo
            .find_products_by_sku(&["SKU-00001".into()])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_dropped_connection_after_apply_is_unknown_for_creates() {
    let s = store();
    s.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    let outcomes = s
        .woo
        .push_products(&[ProductWrite::Create(draft(simple(1)))]);
    assert!(
        matches!(outcomes[0], WriteOutcome::Unknown { .. }),
        "{outcomes:?}"
    );
    assert_eq!(s.sandbox.products().len(), 1);
}

#[test]
fn a_redirect_is_refused_and_never_followed() {
    let s = store();
    let elsewhere = ponte::sandbox::WooSandbox::start().unwrap();
    s.sandbox.inject(FaultRule {
        method: None,
        path_contains: None,
        times: 5,
        after: 0,
        fault: Fault::Redirect {
            location: format!("{}/steal", elsewhere.base_url()),
        },
    });
    let err = s.woo.find_products_by_sku(&["X".into()]).unwrap_err();
    assert!(matches!(err, Error::RedirectRefused(_)), "{err:?}");
    assert_eq!(elsewhere.total_requests(), 0);
}

#[test]
fn a_batch_limit_lower_than_100_is_met_by_halving() {
    let s = store();
    s.sandbox.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/products/batch".into()),
        times: 1, after: 0,
        fault: Fault::Status { status: 413, body: r#"{"code":"woocommerce_rest_request_entity_too_large","message":"Unable to accept more than 50 items for this request.","data":{"status":413}}"#.into() },
    });
    let writes: Vec<ProductWrite> = (0..100)
        .map(|n| ProductWrite::Create(draft(simple(n))))
        .collect();
    let outcomes = s.woo.push_products(&writes);
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, WriteOutcome::Done { .. })));
    assert_eq!(batch_requests(&s), 3);
    assert_eq!(s.sandbox.products().len(), 100);
}

fn place(s: &Store, sku: &str, status: &str) -> u64 {
    let order = s
        .sandbox
        .place_order(&json!({
            "status": status,
            "billing": {"first_name": "Maria", "last_name": "Silva", "address_1": "Rua das Flores", "number": "12",
                        "neighborhood": "Centro", "city": "Curitiba", "state": "PR", "postcode": "80010-000",
                        "country": "BR", "email": "maria@example.com.br", "phone": "(41) 3333-0000",
                        "persontype": "F", "cpf": "529.982.247-25"},
            "line_items": [{"sku": sku, "quantity": 2}],
            "shipping_lines": [{"method_id": "flat_rate", "method_title": "PAC", "total": "15.00"}],
            "payment_method_title": "Pix"
        }))
        .unwrap();
    order["id"].as_u64().unwrap()
}

#[test]
fn orders_are_read_across_pages_with_variations_and_brazilian_fields() {
    let s = store();
    done(&s.woo.push_products(&[ProductWrite::Create(draft(shirt()))])[0]);
    for _ in 0..230 {
        place(&s, "CAM-AZ-M", "processing");
    }
    place(&s, "CAM-AZ-G", "pending");
    s.sandbox.reset_counters();
    let query = OrderQuery {
        statuses: vec!["processing".into()],
        sort: OrderSort::Id,
        ..OrderQuery::default()
    };
    let mut seen = Vec::new();
    for page in 1.. {
        let page_of = s.woo.list_orders(&query, page).unwrap();
        assert!(page_of.failures.is_empty());
        assert_eq!(page_of.total, Some(230));
        seen.extend(page_of.items);
        if !page_of.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), 230);
    assert_eq!(s.sandbox.counters()["GET /wp-json/wc/v3/orders"], 3);
    let order = &seen[0];
    assert_eq!(order.lines[0].sku.as_deref(), Some("CAM-AZ-M"));
    assert!(order.lines[0].store_variation_id.is_some());
    assert_eq!(
        (order.lines[0].unit_price_cents, order.lines[0].total_cents),
        (5990, 11980)
    );
    assert_eq!((order.shipping_cents, order.total_cents), (1500, 13480));
    assert_eq!(order.customer.cpf.as_deref(), Some("52998224725"));
    assert_eq!(order.customer.billing.number, "12");
    assert_eq!(order.customer.billing.neighborhood, "Centro");
    assert!(order.created_at.ends_with('Z'));
}

#[test]
fn order_statuses_are_written_in_one_batch_and_notes_added() {
    let s = store();
    done(
        &s.woo
            .push_products(&[ProductWrite::Create(draft(simple(1)))])[0],
    );
    let ids: Vec<u64> = (0..3)
        .map(|_| place(&s, "SKU-00001", "processing"))
        .collect();
    s.sandbox.reset_counters();
    let mut updates: Vec<StatusUpdate> = ids
        .iter()
        .map(|id| StatusUpdate {
            store_order_id: id.to_string(),
            status: "on-hold".into(),
        })
        .collect();
    updates.push(StatusUpdate {
        store_order_id: "424242".into(),
        status: "on-hold".into(),
    });
    let results = s.woo.set_order_statuses(&updates);
    assert!(results[..3].iter().all(Result::is_ok));
    assert_eq!(
        results[3].as_ref().unwrap_err().code,
        "woocommerce_rest_shop_order_invalid_id"
    );
    assert_eq!(s.sandbox.counters()["POST /wp-json/wc/v3/orders/batch"], 1);
    assert_eq!(s.sandbox.order(ids[0]).unwrap()["status"], "on-hold");

    s.woo
        .add_order_note(&ids[0].to_string(), "Pedido rejeitado: CPF inválido", false)
        .unwrap();
    assert_eq!(
        s.sandbox.order_notes(ids[0])[0]["note"],
        "Pedido rejeitado: CPF inválido"
    );
    // An unregistered status in a batch is not refused: WooCommerce saves the order as
    // `pending`, silently (kit quirk 3, seen on 10.0.2 and 8.9.3).
    let results = s.woo.set_order_statuses(&[StatusUpdate {
        store_order_id: ids[1].to_string(),
        status: "recebido".into(),
    }]);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert_eq!(s.sandbox.order(ids[1]).unwrap()["status"], "pending");
}

#[test]
fn modified_after_returns_only_newer_orders() {
    let s = store();
    done(
        &s.woo
            .push_products(&[ProductWrite::Create(draft(simple(1)))])[0],
    );
    let old = place(&s, "SKU-00001", "processing");
    let new = place(&s, "SKU-00001", "processing");
    s.sandbox
        .update_order(old, &json!({"date_modified_gmt": "2020-01-01T00:00:00"}))
        .unwrap();
    let query = OrderQuery {
        statuses: vec!["processing".into()],
        modified_after: Some(ponte::time::parse("2024-01-01T00:00:00").unwrap()),
        ..OrderQuery::default()
    };
    let page = s.woo.list_orders(&query, 1).unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.store_order_id.clone())
            .collect::<Vec<_>>(),
        vec![new.to_string()]
    );
}

#[test]
fn one_bad_order_from_the_store_is_a_failure_and_the_others_go_on() {
    let s = store();
    let good = json!({"id": 1, "number": "1", "status": "processing", "currency": "BRL", "date_created_gmt": "2024-05-01T12:00:00",
                      "date_modified_gmt": "2024-05-01T12:00:00", "total": "10.00", "line_items": [{"sku": "A", "quantity": 1, "price": 10, "total": "10.00", "subtotal": "10.00", "product_id": 5}]});
    let bad_total = json!({"id": 2, "status": "processing", "date_created_gmt": "2024-05-01T12:00:00", "total": "abc"});
    let no_items = json!({"id": 3, "status": "processing", "date_created_gmt": "2024-05-01T12:00:00", "line_items": "none"});
    let body = json!([good, bad_total, no_items, "not an order"]).to_string();
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/orders".into()),
        times: 1,
        after: 0,
        fault: Fault::Status { status: 200, body },
    });
    let page = s.woo.list_orders(&OrderQuery::default(), 1).unwrap();
    assert_eq!(page.items.len(), 1);
    let failures: Vec<(String, String)> = page
        .failures
        .iter()
        .map(|f| (f.store_id.clone(), f.reason.clone()))
        .collect();
    assert_eq!(
        failures,
        vec![
            (
                "2".to_string(),
                r#"total: "abc" is not a decimal amount"#.to_string()
            ),
            (
                "3".to_string(),
                r#"line_items: expected an array, got "none""#.to_string()
            ),
            (
                "page 1 item 3".to_string(),
                "expected an order object".to_string()
            ),
        ]
    );
}

#[test]
fn a_body_that_is_not_json_or_too_large_is_a_clean_error() {
    let s = store_with(|config| config.http.max_response_bytes = 1024 * 1024);
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::Status {
            status: 200,
            body: "<html>maintenance</html>".into(),
        },
    });
    let err = s.woo.list_products(1).unwrap_err();
    assert!(matches!(err, Error::InvalidResponse(_)), "{err:?}");
    assert!(err.to_string().contains("maintenance"), "{err}");

    let huge = format!("[{}]", "\"x\",".repeat(600_000) + "\"x\"");
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::Status {
            status: 200,
            body: huge,
        },
    });
    let err = s.woo.list_products(1).unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge(_)), "{err:?}");

    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::Status {
            status: 200,
            body: deep,
        },
    });
    // An array of one item nested 100,000 deep: that item is unreadable, the page is not.
    let page = s.woo.list_products(1).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.failures.len(), 1);
    assert!(
        page.failures[0].reason.contains("recursion limit exceeded"),
        "{:?}",
        page.failures
    );
}

#[test]
fn a_store_that_is_down_is_a_network_error_after_the_retries() {
    let s = store();
    let mut config = common::woo::config(&s.sandbox);
    config.base_url = "http://127.0.0.1:9".into();
    let woo = ponte::platform::woocommerce::WooCommerce::connect(
        &config,
        config.credentials.as_ref(),
        s.clock.clone(),
    )
    .unwrap();
    let err = woo.list_products(1).unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(woo.http_stats().requests, 5);
    let outcomes = woo.push_products(&[ProductWrite::Create(draft(simple(1)))]);
    assert!(
        matches!(&outcomes[0], WriteOutcome::Failed { error } if error.code == "ponte_transport"),
        "{outcomes:?}"
    );
}

#[test]
fn brands_are_created_once_and_set_on_products() {
    let s = store();
    let brand = ponte::model::catalog::Brand {
        id: "HERING".into(),
        name: "Hering".into(),
        show_in_electronic_order: true,
    };
    let mut a = draft(simple(1));
    a.brand = Some(brand.clone());
    let mut b = draft(simple(2));
    b.brand = Some(brand);
    let outcomes = s
        .woo
        .push_products(&[ProductWrite::Create(a), ProductWrite::Create(b)]);
    done(&outcomes[0]);
    done(&outcomes[1]);
    assert_eq!(
        s.sandbox.counters()["POST /wp-json/wc/v3/products/brands"],
        1
    );
    let products = s.sandbox.products();
    assert!(
        products.iter().all(|p| p["brands"][0]["name"] == "Hering"),
        "{products:?}"
    );
}

#[test]
fn one_bad_product_from_the_store_is_a_failure_and_the_others_go_on() {
    let s = store();
    let good = json!({"id": 10, "type": "simple", "sku": "A", "name": "A", "price": "10.00", "status": "publish", "stock_quantity": 3});
    let bad_price = json!({"id": 11, "type": "simple", "sku": "B", "price": "dez reais"});
    let bad_sku = json!({"id": 12, "type": "simple", "sku": 42});
    let body = json!([good, bad_price, bad_sku, {"name": "no id"}]).to_string();
    s.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        times: 1,
        after: 0,
        fault: Fault::Status { status: 200, body },
    });
    let page = s.woo.list_products(1).unwrap();
    assert_eq!(page.items.len(), 1);
    let ids: Vec<&str> = page.failures.iter().map(|f| f.store_id.as_str()).collect();
    assert_eq!(ids, vec!["11", "12", "page 1 item 3"]);
    assert_eq!(
        page.failures[0].reason,
        r#"price: "dez reais" is not a decimal amount"#
    );
    assert_eq!(page.failures[1].reason, "sku: expected a string, got 42");
}

#[test]
fn the_request_rate_limit_spaces_requests() {
    let s = store_with(|config| config.http.max_requests_per_second = 2);
    for _ in 0..5 {
        s.woo.list_products(1).unwrap();
    }
    // On the test clock only the waits move time on: each request waits out the 500 ms since
    // the one before, whatever the requests themselves took.
    let waits = s.clock.waits.lock().unwrap().clone();
    assert_eq!(waits, vec![Duration::from_millis(500); 4]);
}

#[test]
fn https_to_a_server_without_tls_fails_before_any_request_is_read() {
    let s = store();
    let mut config = common::woo::config(&s.sandbox);
    config.base_url = s.sandbox.base_url().replace("http://", "https://");
    config.allow_http = false;
    config.http.connect_timeout_ms = 2000;
    let woo = ponte::platform::woocommerce::WooCommerce::connect(
        &config,
        config.credentials.as_ref(),
        s.clock.clone(),
    )
    .unwrap();
    let err = woo.list_products(1).unwrap_err();
    assert!(matches!(err, Error::Tls(_) | Error::Network(_)), "{err:?}");
    assert_eq!(s.sandbox.total_requests(), 0, "a request reached the store");
}

#[test]
fn missing_credentials_are_an_authentication_error_naming_the_integration() {
    let sandbox = ponte::sandbox::WooSandbox::start().unwrap();
    let config = common::woo::config(&sandbox);
    let err = ponte::platform::woocommerce::WooCommerce::connect(
        &config,
        None,
        std::sync::Arc::new(TestClock::default()),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("integration 'loja': no consumer_key and consumer_secret"),
        "{err}"
    );
}

#[test]
fn a_keep_alive_connection_the_store_closed_is_not_an_error_nor_an_unknown_create() {
    let s = store();
    s.sandbox.set_idle_timeout(Some(Duration::from_millis(100)));
    assert!(s.woo.list_products(1).is_ok());
    // The store closes the pooled connection while Ponte waits.
    std::thread::sleep(Duration::from_millis(700));
    assert!(s.woo.list_products(1).is_ok());
    std::thread::sleep(Duration::from_millis(700));
    let outcomes = s
        .woo
        .push_products(&[ProductWrite::Create(draft(simple(1)))]);
    done(&outcomes[0]);
    assert_eq!(s.sandbox.products().len(), 1);
    assert_eq!(s.woo.http_stats().retries, 0, "{:?}", s.woo.http_stats());
    assert_eq!(
        s.sandbox.connections(),
        3,
        "the store did not close the idle connections"
    );
}

//! Ponte against the Mercado Livre sandbox, through the Rust API: listings with the attributes
//! their category requires, variations and stock, Full and moderation, carts captured as one
//! ERP order with the buyer's documents, tagged orders, the hour-cut order search, notifications
//! and the marketplace's refusals. Assertions read what the marketplace then holds.

mod common;

use std::sync::Arc;

use ponte::model::catalog::{parse_brands, parse_products, ProductKey};
use ponte::model::config::{FlaggedOrderPolicy, IntegrationConfig, Locale};
use ponte::sandbox::{Fault, FaultRule, MlSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::{json, Value};

use common::woo::TestClock;

struct Rig {
    ponte: Ponte,
    market: MlSandbox,
    _dir: tempfile::TempDir,
}

fn rig(adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig {
    let market = MlSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
    ponte.set_clock(Arc::new(TestClock::default()));
    let mut config = market.integration_config("ml");
    config.http.max_requests_per_second = 0;
    config.locale = Locale::PtBr;
    config.product_sync.categories.default = Some("MLB1574".into());
    config.order_capture = serde_json::from_value(json!({
        "enabled": true, "fetch_statuses": ["paid"], "reservation_statuses": ["confirmed"],
        "default_payment_terms": "A VISTA", "default_payment_method": "MERCADO PAGO",
    }))
    .unwrap();
    adjust(&mut config);
    ponte.integration_put(config).unwrap();
    ponte
        .catalog_put_brands(
            &parse_brands(
                r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true},
                    {"id":"HERING","name":"Hering","show_in_electronic_order":true}]"#,
            )
            .unwrap(),
        )
        .unwrap();
    Rig {
        ponte,
        market,
        _dir: dir,
    }
}

impl Rig {
    fn put(&mut self, products: Value) {
        self.ponte
            .catalog_put_products(&parse_products(&products.to_string()).unwrap())
            .unwrap();
    }

    fn sync(&mut self) -> ponte::sync::RunReport {
        self.ponte
            .sync_products("ml", SyncOptions::default(), &mut |_| true)
            .unwrap()
    }

    fn capture(&mut self) -> ponte::capture::CaptureReport {
        self.ponte.capture_orders("ml").unwrap()
    }

    fn status(&mut self, erp_id: &str) -> ponte::sync::ProductStatus {
        self.ponte
            .product_status("ml", &ProductKey::ErpId(erp_id.into()))
            .unwrap()
    }

    /// Requests that wrote something since the counters were reset.
    fn writes(&self) -> u64 {
        self.market
            .counters()
            .iter()
            .filter(|(route, _)| !route.starts_with("GET "))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The listing holding `sku` in its own or a variation's `SELLER_SKU`.
fn listing(market: &MlSandbox, sku: &str) -> Option<Value> {
    let holds = |v: &Value| {
        v["attributes"].as_array().is_some_and(|a| {
            a.iter()
                .any(|a| a["id"] == "SELLER_SKU" && a["value_name"] == sku)
        })
    };
    market.items().into_iter().find(|item| {
        holds(item)
            || item["variations"]
                .as_array()
                .is_some_and(|vs| vs.iter().any(holds))
    })
}

fn attribute<'v>(holder: &'v Value, id: &str) -> &'v Value {
    holder["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == id))
        .map_or(&Value::Null, |a| &a["value_name"])
}

fn catalog() -> Value {
    json!([
        {"erp_id": "P1", "name": "Panela de Pressão 4,5 L", "description": "Alumínio.",
         "brand_id": "TRAMONTINA", "show_in_store": true, "sync_stock": true,
         "specifications": {"Modelo": "PP45", "Material": "Alumínio"},
         "variants": [{"sku": "PAN-1", "ean": "7891112223332", "price_cents": 18990, "stock": 7}]},
        {"erp_id": "C1", "name": "Camiseta Básica", "brand_id": "HERING", "show_in_store": true,
         "sync_stock": true,
         "variants": [
            {"sku": "CAM-P", "price_cents": 4990, "stock": 3, "attributes": {"tamanho": "P", "cor": "Azul"}},
            {"sku": "CAM-M", "price_cents": 4990, "stock": 5, "attributes": {"tamanho": "M", "cor": "Azul"}}]},
    ])
}

#[test]
fn listings_carry_their_category_attributes_and_variations_and_a_second_sync_writes_nothing() {
    let mut rig = rig(|_| {});
    rig.put(catalog());
    let report = rig.sync();
    assert_eq!(report.counts.get("create"), Some(&2), "{report:#?}");

    let pan = listing(&rig.market, "PAN-1").expect("the pan is listed");
    assert_eq!(pan["category_id"], "MLB1574");
    assert_eq!(pan["listing_type_id"], "gold_special");
    assert_eq!(pan["condition"], "new");
    assert_eq!(pan["title"], "Panela de Pressão 4,5 L");
    assert_eq!(pan["available_quantity"], 7);
    assert_eq!(attribute(&pan, "BRAND"), "Tramontina");
    assert_eq!(
        attribute(&pan, "MODEL"),
        "PP45",
        "from the specification Modelo"
    );
    assert_eq!(attribute(&pan, "GTIN"), "7891112223332");
    assert_eq!(
        ponte::model::money::parse_number_cents(pan["price"].as_number().unwrap()).unwrap(),
        18990
    );

    let shirt = listing(&rig.market, "CAM-M").expect("the shirt is listed");
    let variations = shirt["variations"].as_array().unwrap();
    assert_eq!(variations.len(), 2);
    let medium = variations
        .iter()
        .find(|v| attribute(v, "SELLER_SKU") == "CAM-M")
        .unwrap();
    assert_eq!(medium["available_quantity"], 5);
    let size = medium["attribute_combinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SIZE")
        .expect("tamanho is the category's SIZE");
    assert_eq!(size["value_name"], "M");
    // Linked by variation id, so an order line finds its SKU without one.
    let status = rig.status("C1");
    assert_eq!(
        status.store_variants.get("CAM-M").map(String::as_str),
        Some(medium["id"].to_string().as_str())
    );

    rig.market.reset_counters();
    let again = rig.sync();
    assert_eq!(rig.writes(), 0, "{again:#?} {:?}", rig.market.counters());

    // Stock of one variation: one PUT naming both, the other kept.
    let mut changed = catalog();
    changed[1]["variants"][0]["stock"] = json!(9);
    rig.put(changed);
    rig.market.reset_counters();
    rig.sync();
    assert_eq!(rig.writes(), 1, "{:?}", rig.market.counters());
    let shirt = listing(&rig.market, "CAM-P").unwrap();
    let stock: Vec<(Value, Value)> = shirt["variations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                attribute(v, "SELLER_SKU").clone(),
                v["available_quantity"].clone(),
            )
        })
        .collect();
    assert!(stock.contains(&(json!("CAM-P"), json!(9))), "{stock:?}");
    assert!(stock.contains(&(json!("CAM-M"), json!(5))), "{stock:?}");
}

#[test]
fn a_required_attribute_the_erp_does_not_give_is_named_and_nothing_is_listed() {
    // Camisetas (MLB31447) require MODEL as well as BRAND.
    let mut rig = rig(|config| {
        config
            .product_sync
            .categories
            .map
            .insert("CAMISETAS".into(), "MLB31447".into());
    });
    rig.ponte
        .catalog_put_categories(
            &ponte::model::catalog::parse_categories(r#"[{"id":"CAMISETAS","name":"Camisetas"}]"#)
                .unwrap(),
        )
        .unwrap();
    let mut products = catalog();
    products[1]["category_ids"] = json!(["CAMISETAS"]);
    rig.put(products.clone());
    rig.sync();
    assert!(listing(&rig.market, "CAM-P").is_none());
    let status = rig.status("C1");
    assert_eq!(status.state, "not_in_store", "{status:#?}");
    let error = status.last_error.expect("the refusal is kept");
    assert!(
        error.message.contains("Modelo (MODEL)")
            && error.message.starts_with("Anúncio não enviado"),
        "{error:?}"
    );

    products[1]["specifications"] = json!({"Modelo": "Básica"});
    rig.put(products);
    rig.sync();
    let shirt = listing(&rig.market, "CAM-P").expect("listed once the ERP gives the model");
    assert_eq!(shirt["category_id"], "MLB31447");
    assert_eq!(attribute(&shirt, "MODEL"), "Básica");
}

#[test]
fn a_category_mercado_livre_does_not_have_is_refused_in_its_words() {
    let mut rig = rig(|config| {
        config.product_sync.categories.default = Some("MLB999999".into());
    });
    rig.put(catalog());
    rig.sync();
    assert!(rig.market.items().is_empty());
    let error = rig.status("P1").last_error.unwrap();
    assert!(error.message.contains("MLB999999 não existe"), "{error:?}");
}

#[test]
fn a_listing_in_full_is_linked_and_never_given_stock() {
    let mut rig = rig(|_| {});
    rig.market
        .seed_item(
            json!({"id": "MLB0000000700", "title": "Panela (Full)", "category_id": "MLB1574",
            "price": 150, "available_quantity": 40, "shipping": {"logistic_type": "fulfillment"},
            "attributes": [{"id": "SELLER_SKU", "value_name": "PAN-1"},
                           {"id": "BRAND", "value_name": "Tramontina"}]}),
        )
        .unwrap();
    rig.put(json!([catalog()[0].clone()]));
    rig.sync();
    assert_eq!(
        rig.status("P1").store_product_id.as_deref(),
        Some("MLB0000000700")
    );
    let mut changed = json!([catalog()[0].clone()]);
    changed[0]["variants"][0]["stock"] = json!(2);
    rig.put(changed);
    let report = rig.sync();
    let full = rig.market.item("MLB0000000700").unwrap();
    assert_eq!(
        full["available_quantity"], 40,
        "Mercado Livre's warehouse counts it"
    );
    assert_eq!(report.counts.get("failed"), None, "{report:#?}");
    assert_eq!(rig.market.items().len(), 1, "linked, never duplicated");
}

#[test]
fn a_listing_under_review_refuses_changes_in_the_marketplaces_words_and_they_are_sent_later() {
    let mut rig = rig(|_| {});
    rig.put(json!([catalog()[0].clone()]));
    rig.sync();
    let id = rig.status("P1").store_product_id.unwrap();
    rig.market.set_item_status(&id, "under_review").unwrap();
    let mut changed = json!([catalog()[0].clone()]);
    changed[0]["variants"][0]["price_cents"] = json!(17990);
    rig.put(changed);
    let report = rig.sync();
    assert_eq!(report.counts.get("failed"), Some(&1), "{report:#?}");
    let error = rig.status("P1").last_error.unwrap();
    assert!(error.message.contains("under review"), "{error:?}");

    rig.market.set_item_status(&id, "active").unwrap();
    rig.sync();
    let price = rig.market.item(&id).unwrap()["price"].clone();
    assert_eq!(
        ponte::model::money::parse_number_cents(price.as_number().unwrap()).unwrap(),
        17990
    );
}

#[test]
fn a_403_is_reported_in_the_marketplaces_words_and_nothing_is_recorded_as_listed() {
    let mut rig = rig(|_| {});
    rig.market.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/items".into()),
        times: 1,
        after: 0,
        fault: Fault::Status {
            status: 403,
            body: r#"{"message":"User 9007199254740993 cannot list in category MLB1574","error":"forbidden","status":403,"cause":[]}"#.into(),
        },
    });
    rig.put(json!([catalog()[0].clone()]));
    rig.sync();
    let status = rig.status("P1");
    assert_eq!(status.state, "not_in_store");
    assert!(
        status
            .last_error
            .unwrap()
            .message
            .contains("cannot list in category"),
        "the marketplace's words"
    );
    rig.sync();
    assert!(
        listing(&rig.market, "PAN-1").is_some(),
        "sent again once allowed"
    );
}

#[test]
fn a_paused_listing_is_reactivated_when_the_erp_publishes_it_again() {
    let mut rig = rig(|_| {});
    rig.put(json!([catalog()[0].clone()]));
    rig.sync();
    let mut hidden = json!([catalog()[0].clone()]);
    hidden[0]["show_in_store"] = json!(false);
    rig.put(hidden);
    rig.sync();
    assert_eq!(listing(&rig.market, "PAN-1").unwrap()["status"], "paused");
    rig.put(json!([catalog()[0].clone()]));
    rig.sync();
    assert_eq!(listing(&rig.market, "PAN-1").unwrap()["status"], "active");
}

#[test]
fn a_cart_is_one_erp_order_with_the_buyers_cnpj_and_its_lines_by_listing() {
    let mut rig = rig(|_| {});
    rig.put(catalog());
    rig.sync();
    let cart = rig
        .market
        .place_cart(
            &json!({"lines": [{"sku": "PAN-1", "quantity": 1}, {"sku": "CAM-M", "quantity": 2}],
                            "paid": false, "buyer": "company"}),
        )
        .unwrap();
    let pack = cart["pack_id"].as_u64().expect("two listings make a pack");
    let orders: Vec<u64> = cart["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap())
        .collect();
    assert_eq!(orders.len(), 2);
    // Order ids pass 2^53: every digit must survive.
    assert!(orders.iter().all(|id| *id > 1 << 53), "{orders:?}");

    let first = rig.capture();
    assert!(first.pending.is_empty(), "{first:#?}");
    let held: Vec<(String, String)> = rig
        .ponte
        .reservations("ml")
        .unwrap()
        .into_iter()
        .map(|r| (r.store_order_id, r.sku))
        .collect();
    let cart_id = format!("pack:{pack}");
    assert_eq!(
        held,
        [
            (cart_id.clone(), "CAM-M".to_string()),
            (cart_id, "PAN-1".to_string())
        ],
        "the cart's units are held, one reservation"
    );
    rig.market
        .update_order(orders[0], &json!({"status": "paid"}))
        .unwrap();
    let half = rig.capture();
    assert!(
        half.pending.is_empty(),
        "paid only once both are: {half:#?}"
    );
    rig.market
        .update_order(orders[1], &json!({"status": "paid"}))
        .unwrap();
    let paid = rig.capture();
    assert_eq!(paid.pending.len(), 1, "{paid:#?}");
    let order = &paid.pending[0];
    assert_eq!(order.store_order_id, format!("pack:{pack}"));
    let sales = &order.sales_order;
    let skus: Vec<&str> = sales["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["PAN-1", "CAM-M"], "{sales:#}");
    let customer = &sales["customer"];
    assert!(
        customer["cnpj"].as_str().is_some_and(|c| !c.is_empty()),
        "{customer:#}"
    );
    assert!(!customer["billing"]["street"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    assert_eq!(customer["billing"]["state"].as_str().map(str::len), Some(2));
    assert!(
        !customer["shipping"]["postcode"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "the shipment's address: {customer:#}"
    );
    let again = rig.capture();
    assert!(again.pending.is_empty(), "captured once: {again:#?}");
}

#[test]
fn tagged_orders_are_held_rejected_or_accepted_as_the_config_says() {
    let mut rig = rig(|config| {
        let settings = config.mercadolivre.as_mut().unwrap();
        settings.fraud_risk = FlaggedOrderPolicy::Hold;
        settings.test_orders = FlaggedOrderPolicy::Reject;
    });
    rig.put(catalog());
    rig.sync();
    let place = |market: &MlSandbox, tags: Value| {
        market
            .place_cart(
                &json!({"lines": [{"sku": "PAN-1", "quantity": 1}], "paid": true,
                                "buyer": "person", "tags": tags}),
            )
            .unwrap()["orders"][0]
            .as_u64()
            .unwrap()
    };
    let fraud = place(&rig.market, json!(["fraud_risk_detected"]));
    let test = place(&rig.market, json!(["test_order"]));
    let good = place(&rig.market, json!([]));
    let report = rig.capture();
    let pending: Vec<&str> = report
        .pending
        .iter()
        .map(|o| o.store_order_id.as_str())
        .collect();
    assert_eq!(pending, [good.to_string()], "{report:#?}");
    let rejected: Vec<&str> = report
        .rejected
        .iter()
        .map(|o| o.store_order_id.as_str())
        .collect();
    assert_eq!(rejected, [test.to_string()]);
    assert!(
        rig.market
            .order_notes(test)
            .iter()
            .any(|n| n.contains("test_order")),
        "{:?}",
        rig.market.order_notes(test)
    );
    assert!(
        rig.market.order_notes(fraud).is_empty(),
        "held: nothing written"
    );

    // Fraud found after the order was handed over: the ERP hears it is off.
    rig.ponte
        .order_confirm("ml", &good.to_string(), "PV-1")
        .unwrap();
    rig.market
        .update_order(good, &json!({"tags_add": ["fraud_risk_detected"]}))
        .unwrap();
    rig.capture();
    let events = rig.ponte.order_events("ml").unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.store_order_id == good.to_string() && e.kind == "cancelled"),
        "{events:#?}"
    );
}

#[test]
fn orders_over_several_hours_are_each_captured_once_though_the_search_reads_only_hours() {
    let mut rig = rig(|_| {});
    rig.put(
        json!([{"erp_id": "P1", "name": "Panela", "brand_id": "TRAMONTINA",
        "show_in_store": true, "sync_stock": true,
        "variants": [{"sku": "PAN-1", "price_cents": 1000, "stock": 5000}]}]),
    );
    rig.sync();
    // 520 orders over the last six hours, more than a window holds: the search is narrowed.
    let now = ponte::time::now_unix();
    let mut placed = Vec::new();
    for n in 0..520i64 {
        rig.market.set_time(Some(now - 6 * 3600 + n * 40));
        let cart = rig
            .market
            .place_cart(&json!({"lines": [{"sku": "PAN-1", "quantity": 1}], "paid": true, "buyer": "person"}))
            .unwrap();
        placed.push(cart["orders"][0].to_string());
    }
    rig.market.set_time(None);
    let mut captured = Vec::new();
    for _ in 0..5 {
        let report = rig.capture();
        captured.extend(report.pending.iter().map(|o| o.store_order_id.clone()));
        if report.unfinished.is_none() {
            break;
        }
    }
    captured.sort();
    placed.sort();
    assert_eq!(captured.len(), 520);
    assert_eq!(captured, placed, "each once");
    rig.market.reset_counters();
    let quiet = rig.capture();
    assert!(quiet.pending.is_empty(), "{quiet:#?}");
    assert_eq!(rig.writes(), 0);
}

/// The ERP's notification endpoint: answers 200 at once and hands over each body it got.
fn erp_endpoint() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notificacoes", listener.local_addr().unwrap());
    let (sender, bodies) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if sender.send(body).is_err() {
                return;
            }
        }
    });
    (url, bodies)
}

#[test]
fn a_notification_is_recorded_and_its_order_read_by_the_next_capture() {
    let mut rig = rig(|_| {});
    rig.put(catalog());
    rig.sync();
    let (url, bodies) = erp_endpoint();
    rig.market.set_notification_url(Some(url));
    let order = rig
        .market
        .place_cart(
            &json!({"lines": [{"sku": "PAN-1", "quantity": 1}], "paid": true, "buyer": "person"}),
        )
        .unwrap()["orders"][0]
        .as_u64()
        .unwrap();
    // What Mercado Livre sent the ERP: `items` for the stock that moved, `orders_v2` for the order.
    let sent: Vec<Value> = bodies
        .try_iter()
        .map(|b| serde_json::from_slice(&b).unwrap())
        .collect();
    let body = sent
        .iter()
        .find(|n| n["topic"] == "orders_v2")
        .unwrap_or_else(|| panic!("{sent:#?}"))
        .to_string();
    assert!(body.contains(&format!("/orders/{order}")), "{body}");
    rig.market.reset_counters();
    let receipt = rig
        .ponte
        .webhook_ingest("ml", &[], body.as_bytes())
        .unwrap();
    assert_eq!(
        rig.market.total_requests(),
        0,
        "only recorded: nothing asked of the marketplace"
    );
    let items = sent
        .iter()
        .find(|n| n["topic"] == "items")
        .unwrap()
        .to_string();
    rig.ponte
        .webhook_ingest("ml", &[], items.as_bytes())
        .expect("a topic Ponte does not read is taken and left alone");
    let report = rig.capture();
    assert_eq!(
        report.pending[0].store_order_id,
        order.to_string(),
        "{receipt:?}"
    );

    // Another seller's notification is refused, naming why.
    let other = body.replace(&rig.market.seller_id().to_string(), "1234");
    let refused = rig
        .ponte
        .webhook_ingest("ml", &[], other.as_bytes())
        .unwrap_err();
    assert!(refused.to_string().contains("1234"), "{refused}");
}

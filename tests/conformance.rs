//! One suite of sync and capture behaviours, written once and run against every platform's
//! sandbox: the proof that the engines do not know which store they talk to. Each behaviour is a
//! function over `Store`, the little a test needs to stage and read a store (place an order, read
//! a SKU's price back); the `conformance!` list at the end runs each one on WooCommerce, Nuvemshop
//! and Mercado Livre. Where a marketplace moves its orders' states itself, the behaviour checks
//! what it writes instead (a note).
//!
//! Every assertion reads what the store then holds, never what Ponte says it did.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::model::config::{IntegrationConfig, Locale};
use ponte::sandbox::{Fault, FaultRule, MlSandbox, NuvemOptions, NuvemSandbox, WooSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::{json, Value};

use common::woo::TestClock;

/// A sandbox store as the suite sees it.
trait Store: Sized {
    fn start() -> Self;
    /// The connection to this store (address, credentials), without Ponte's settings.
    fn connection(&self) -> IntegrationConfig;
    /// This platform's words for a paid order, an unpaid one, and the statuses Ponte writes for
    /// a rejected and a shipped order (none on a marketplace, which moves its orders itself).
    fn statuses() -> Statuses;
    /// The request that creates products, and the one that writes a rejected order's status.
    fn create_route() -> (&'static str, &'static str);
    fn rejection_route() -> (&'static str, &'static str);
    /// The item holding `sku` as the store shows it.
    fn item(&self, sku: &str) -> Option<Item>;
    /// How many store products hold `sku`.
    fn holding(&self, sku: &str) -> usize;
    /// Whether a shopper can find and buy the product holding `sku`.
    fn on_sale(&self, sku: &str) -> bool;
    /// A product the merchant made in the store before Ponte came.
    fn seed(&self, id: u64, sku: &str, price: &str);
    /// A shopper's order of `quantity` of `sku`, paid or not; its id.
    fn place(&self, sku: &str, quantity: i64, paid: bool) -> String;
    /// The shopper pays an order placed unpaid.
    fn pay(&self, id: &str);
    /// The order's status, in Ponte's terms for this platform.
    fn status(&self, id: &str) -> String;
    /// Every note the order carries, as one text.
    fn notes(&self, id: &str) -> String;
    fn inject(&self, rule: FaultRule);
    fn counters(&self) -> BTreeMap<String, u64>;
    fn reset_counters(&self);
}

struct Statuses {
    paid: &'static str,
    unpaid: &'static str,
    rejected: Option<&'static str>,
    shipped: Option<&'static str>,
}

#[derive(Debug, PartialEq)]
struct Item {
    name: String,
    price: String,
    stock: Option<i64>,
}

struct Woo(WooSandbox);

impl Store for Woo {
    fn start() -> Self {
        Woo(WooSandbox::start().unwrap())
    }
    fn connection(&self) -> IntegrationConfig {
        self.0.integration_config("loja")
    }
    fn statuses() -> Statuses {
        Statuses {
            paid: "processing",
            unpaid: "pending",
            rejected: Some("cancelled"),
            shipped: Some("completed"),
        }
    }
    fn create_route() -> (&'static str, &'static str) {
        ("POST", "/products/batch")
    }
    fn rejection_route() -> (&'static str, &'static str) {
        ("POST", "/orders/batch")
    }
    fn item(&self, sku: &str) -> Option<Item> {
        let item = self.0.products().into_iter().find(|p| p["sku"] == sku)?;
        Some(Item {
            name: item["name"].as_str()?.to_string(),
            price: item["regular_price"].as_str()?.to_string(),
            stock: item["stock_quantity"].as_i64(),
        })
    }
    fn holding(&self, sku: &str) -> usize {
        self.0.products().iter().filter(|p| p["sku"] == sku).count()
    }
    fn on_sale(&self, sku: &str) -> bool {
        self.0
            .products()
            .iter()
            .find(|p| p["sku"] == sku)
            .is_some_and(|p| p["status"] == "publish" && p["catalog_visibility"] != "hidden")
    }
    fn seed(&self, id: u64, sku: &str, price: &str) {
        self.0
            .seed_product(
                json!({"id": id, "type": "simple", "name": "Da loja", "sku": sku,
                                 "price": price, "regular_price": price, "parent_id": 0}),
            )
            .unwrap();
    }
    fn place(&self, sku: &str, quantity: i64, paid: bool) -> String {
        let status = if paid { "processing" } else { "pending" };
        let order = common::capture::shopper(sku, quantity, status, common::capture::CPF);
        self.0.place_order(&order).unwrap()["id"].to_string()
    }
    fn pay(&self, id: &str) {
        self.0
            .update_order(id.parse().unwrap(), &json!({"status": "processing"}))
            .unwrap();
    }
    fn status(&self, id: &str) -> String {
        self.0.order(id.parse().unwrap()).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    }
    fn notes(&self, id: &str) -> String {
        let notes = self.0.order_notes(id.parse().unwrap());
        notes.iter().map(|n| n["note"].to_string()).collect()
    }
    fn inject(&self, rule: FaultRule) {
        self.0.inject(rule)
    }
    fn counters(&self) -> BTreeMap<String, u64> {
        self.0.counters()
    }
    fn reset_counters(&self) {
        self.0.reset_counters()
    }
}

struct Nuvem(NuvemSandbox);

impl Nuvem {
    fn variant(&self, sku: &str) -> Option<(Value, Value)> {
        self.0.products().into_iter().find_map(|p| {
            let variant = p["variants"]
                .as_array()?
                .iter()
                .find(|v| v["sku"] == sku)?
                .clone();
            Some((p, variant))
        })
    }
}

impl Store for Nuvem {
    fn start() -> Self {
        // The bucket is the benchmark's business; here each request answers at once.
        Nuvem(
            NuvemSandbox::start_with(NuvemOptions {
                rate_limit: None,
                ..NuvemOptions::default()
            })
            .unwrap(),
        )
    }
    fn connection(&self) -> IntegrationConfig {
        self.0.integration_config("loja")
    }
    fn statuses() -> Statuses {
        Statuses {
            paid: "paid",
            unpaid: "pending",
            rejected: Some("cancelled"),
            shipped: Some("fulfilled"),
        }
    }
    fn create_route() -> (&'static str, &'static str) {
        ("POST", "/products")
    }
    fn rejection_route() -> (&'static str, &'static str) {
        ("POST", "/cancel")
    }
    fn item(&self, sku: &str) -> Option<Item> {
        let (product, variant) = self.variant(sku)?;
        let values: Vec<String> = variant["values"]
            .as_array()?
            .iter()
            .map(|v| v["pt"].as_str().unwrap_or_default().to_string())
            .collect();
        let name = product["name"]["pt"].as_str()?.to_string();
        Some(Item {
            // Named as WooCommerce names a variation: the product, then its values.
            name: match values.is_empty() {
                true => name,
                false => format!("{name} - {}", values.join(", ")),
            },
            price: variant["price"].as_str()?.to_string(),
            stock: variant["stock"].as_i64(),
        })
    }
    fn holding(&self, sku: &str) -> usize {
        self.0
            .products()
            .iter()
            .filter(|p| {
                p["variants"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|v| v["sku"] == sku))
            })
            .count()
    }
    fn on_sale(&self, sku: &str) -> bool {
        self.variant(sku)
            .is_some_and(|(p, _)| p["published"] == true)
    }
    fn seed(&self, id: u64, sku: &str, price: &str) {
        self.0
            .seed_product(json!({"id": id, "name": "Da loja", "variants": [
                {"sku": sku, "price": price, "stock_management": true, "stock": 1}]}))
            .unwrap();
    }
    fn place(&self, sku: &str, quantity: i64, paid: bool) -> String {
        let order = json!({"products": [{"sku": sku, "quantity": quantity}],
            "payment_status": if paid { "paid" } else { "pending" },
            "customer": {"name": "Maria Silva", "email": "maria@example.com.br",
                         "identification": common::capture::CPF, "phone": "4133330000"},
            "billing_address": "Rua das Flores", "billing_number": "12", "billing_city": "Curitiba",
            "billing_province": "PR", "billing_zipcode": "80010000", "billing_country": "BR"});
        self.0.place_order(&order).unwrap()["id"].to_string()
    }
    fn pay(&self, id: &str) {
        self.0
            .update_order(id.parse().unwrap(), &json!({"payment_status": "paid"}))
            .unwrap();
    }
    fn status(&self, id: &str) -> String {
        let order = self.0.order(id.parse().unwrap()).unwrap();
        ponte::platform::nuvemshop::mapping::order_status(order.as_object().unwrap())
    }
    fn notes(&self, id: &str) -> String {
        self.0.order(id.parse().unwrap()).unwrap()["owner_note"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn inject(&self, rule: FaultRule) {
        self.0.inject(rule)
    }
    fn counters(&self) -> BTreeMap<String, u64> {
        self.0.counters()
    }
    fn reset_counters(&self) {
        self.0.reset_counters()
    }
}

struct Ml(MlSandbox);

impl Ml {
    /// The listing holding `sku` (its own `SELLER_SKU` or a variation's), and that variation.
    fn listing(&self, sku: &str) -> Option<(Value, Option<Value>)> {
        let holds = |v: &Value| {
            v["attributes"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["id"] == "SELLER_SKU" && a["value_name"] == sku)
            })
        };
        self.0.items().into_iter().find_map(|item| {
            if holds(&item) {
                return Some((item, None));
            }
            let variation = item["variations"]
                .as_array()?
                .iter()
                .find(|v| holds(v))?
                .clone();
            Some((item, Some(variation)))
        })
    }
}

/// A price as the sandbox keeps it (a number, or text), in the form the suite compares.
fn decimal(value: &Value) -> String {
    match value {
        Value::Number(n) => {
            ponte::model::money::format_cents(ponte::model::money::parse_number_cents(n).unwrap())
        }
        Value::String(s) => s.clone(),
        other => panic!("no price: {other}"),
    }
}

impl Store for Ml {
    fn start() -> Self {
        Ml(MlSandbox::start().unwrap())
    }
    fn connection(&self) -> IntegrationConfig {
        let mut config = self.0.integration_config("loja");
        // The suite's products have no category: all are listed under one.
        config.product_sync.categories.default = Some("MLB1574".into());
        config
    }
    fn statuses() -> Statuses {
        Statuses {
            paid: "paid",
            unpaid: "confirmed",
            rejected: None,
            shipped: None,
        }
    }
    fn create_route() -> (&'static str, &'static str) {
        ("POST", "/items")
    }
    fn rejection_route() -> (&'static str, &'static str) {
        ("POST", "/notes")
    }
    fn item(&self, sku: &str) -> Option<Item> {
        let (item, variation) = self.listing(sku)?;
        let holder = variation.as_ref().unwrap_or(&item);
        Some(Item {
            name: item["title"].as_str()?.to_string(),
            price: decimal(&holder["price"]),
            stock: holder["available_quantity"].as_i64(),
        })
    }
    fn holding(&self, sku: &str) -> usize {
        let skus = |v: &Value| {
            v["attributes"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["id"] == "SELLER_SKU" && a["value_name"] == sku)
            })
        };
        self.0
            .items()
            .iter()
            .filter(|item| {
                skus(item)
                    || item["variations"]
                        .as_array()
                        .is_some_and(|vs| vs.iter().any(skus))
            })
            .count()
    }
    fn on_sale(&self, sku: &str) -> bool {
        self.listing(sku)
            .is_some_and(|(item, _)| item["status"] == "active")
    }
    fn seed(&self, id: u64, sku: &str, price: &str) {
        self.0
            .seed_item(json!({"id": format!("MLB{id:010}"), "title": "Da loja",
                "category_id": "MLB1574", "price": price.parse::<f64>().unwrap(),
                "available_quantity": 1,
                "attributes": [{"id": "SELLER_SKU", "value_name": sku},
                               {"id": "BRAND", "value_name": "Da loja"}]}))
            .unwrap();
    }
    fn place(&self, sku: &str, quantity: i64, paid: bool) -> String {
        let cart = self
            .0
            .place_cart(&json!({"lines": [{"sku": sku, "quantity": quantity}],
                                "paid": paid, "buyer": "person"}))
            .unwrap();
        cart["orders"][0].to_string()
    }
    fn pay(&self, id: &str) {
        self.0
            .update_order(id.parse().unwrap(), &json!({"status": "paid"}))
            .unwrap();
    }
    fn status(&self, id: &str) -> String {
        self.0.order(id.parse().unwrap()).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    }
    fn notes(&self, id: &str) -> String {
        self.0.order_notes(id.parse().unwrap()).join("\n")
    }
    fn inject(&self, rule: FaultRule) {
        self.0.inject(rule)
    }
    fn counters(&self) -> BTreeMap<String, u64> {
        self.0.counters()
    }
    fn reset_counters(&self) {
        self.0.reset_counters()
    }
}

/// A state file, an integration on `S`'s sandbox, and the ERP's brands.
struct Rig<S: Store> {
    ponte: Ponte,
    store: S,
    _dir: tempfile::TempDir,
}

impl<S: Store> Rig<S> {
    fn new() -> Rig<S> {
        Rig::with(|_| {})
    }

    fn with(adjust: impl FnOnce(&mut IntegrationConfig)) -> Rig<S> {
        let store = S::start();
        let dir = tempfile::tempdir().unwrap();
        let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
        ponte.set_clock(Arc::new(TestClock::default()));
        let mut config = store.connection();
        config.http.max_requests_per_second = 0;
        config.locale = Locale::En;
        let statuses = S::statuses();
        config.order_capture = serde_json::from_value(json!({
            "enabled": true, "fetch_statuses": [statuses.paid],
            "reservation_statuses": [statuses.unpaid], "rejected_status": statuses.rejected,
            "shipped_status": statuses.shipped, "default_payment_terms": "A VISTA",
            "default_payment_method": "PIX",
        }))
        .unwrap();
        adjust(&mut config);
        ponte.integration_put(config).unwrap();
        ponte
            .catalog_put_brands(&parse_brands(common::sync::BRANDS).unwrap())
            .unwrap();
        Rig {
            ponte,
            store,
            _dir: dir,
        }
    }

    fn put(&mut self, products: Value) {
        self.ponte
            .catalog_put_products(&parse_products(&products.to_string()).unwrap())
            .unwrap();
    }

    fn sync(&mut self) -> ponte::sync::RunReport {
        self.ponte
            .sync_products("loja", SyncOptions::default(), &mut |_| true)
            .unwrap()
    }

    fn capture(&mut self) -> ponte::capture::CaptureReport {
        self.ponte.capture_orders("loja").unwrap()
    }

    /// Requests that wrote something since the counters were reset.
    fn writes(&self) -> u64 {
        self.store
            .counters()
            .iter()
            .filter(|(route, _)| !route.starts_with("GET "))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests to `route` (method, and a part of the path) since the counters were reset.
    fn requests_to(&self, (method, path): (&str, &str)) -> u64 {
        self.store
            .counters()
            .iter()
            .filter(|(route, _)| route.starts_with(method) && route.ends_with(path))
            .map(|(_, n)| n)
            .sum()
    }
}

fn simple(erp_id: &str, sku: &str, price: i64, stock: i64) -> Value {
    json!({"erp_id": erp_id, "name": format!("Produto {erp_id}"), "brand_id": "TRAMONTINA",
           "show_in_store": true, "sync_stock": true,
           "variants": [{"sku": sku, "price_cents": price, "stock": stock}]})
}

fn catalog() -> Value {
    json!([
        simple("1", "PAN-1", 18990, 7),
        {"erp_id": "2", "name": "Camiseta", "brand_id": "HERING", "show_in_store": true, "sync_stock": true,
         "variants": [
            {"sku": "CAM-P", "price_cents": 4990, "stock": 3, "attributes": {"Tamanho": "P"}},
            {"sku": "CAM-M", "price_cents": 5290, "stock": 0, "attributes": {"Tamanho": "M"}}]},
        // Held back by the ERP's rules: not published, and a brand not enabled.
        {"erp_id": "3", "name": "Rascunho", "brand_id": "TRAMONTINA", "show_in_store": false, "sync_stock": true,
         "variants": [{"sku": "OFF-1", "price_cents": 100, "stock": 1}]},
        {"erp_id": "4", "name": "Sem marca ativa", "brand_id": "GENERICA", "show_in_store": true, "sync_stock": true,
         "variants": [{"sku": "GEN-1", "price_cents": 100, "stock": 1}]},
    ])
}

fn a_catalog_reaches_the_store_once_and_the_rules_keep_out_what_the_erp_holds_back<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    let item = |sku| {
        rig.store
            .item(sku)
            .unwrap_or_else(|| panic!("{sku} is in the store"))
    };
    assert_eq!(
        item("PAN-1"),
        Item {
            name: "Produto 1".into(),
            price: "189.90".into(),
            stock: Some(7)
        }
    );
    assert_eq!(
        (item("CAM-P").price, item("CAM-P").stock),
        ("49.90".into(), Some(3))
    );
    assert_eq!(
        (item("CAM-M").price, item("CAM-M").stock),
        ("52.90".into(), Some(0))
    );
    assert_eq!(rig.store.holding("OFF-1"), 0, "not published");
    assert_eq!(rig.store.holding("GEN-1"), 0, "its brand is not enabled");

    rig.store.reset_counters();
    rig.sync();
    assert_eq!(rig.writes(), 0, "{:?}", rig.store.counters());
}

fn a_product_the_store_has_is_linked_by_sku_never_duplicated<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.store.seed(700, "PAN-1", "100.00");
    rig.put(json!([simple("1", "PAN-1", 18990, 7)]));
    rig.sync();
    assert_eq!(rig.store.holding("PAN-1"), 1);
    assert_eq!(rig.store.item("PAN-1").unwrap().price, "189.90");
}

fn a_stock_change_is_one_write_and_reads_back<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    let mut changed = catalog();
    changed[1]["variants"][1]["stock"] = json!(12);
    rig.put(changed);
    rig.store.reset_counters();
    rig.sync();
    assert_eq!(rig.store.item("CAM-M").unwrap().stock, Some(12));
    assert_eq!(rig.store.item("CAM-P").unwrap().stock, Some(3));
    assert_eq!(rig.writes(), 1, "{:?}", rig.store.counters());
}

fn a_create_whose_answer_was_lost_is_found_not_made_twice<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(json!([simple("1", "PAN-1", 18990, 7)]));
    let (method, path) = S::create_route();
    rig.store.inject(FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    rig.sync();
    assert_eq!(
        rig.store.holding("PAN-1"),
        1,
        "the store applied the lost create"
    );
    let report = rig.sync();
    assert_eq!(rig.store.holding("PAN-1"), 1, "{report:#?}");
    let key = ponte::model::catalog::ProductKey::ErpId("1".into());
    let status = rig.ponte.product_status("loja", &key).unwrap();
    assert_eq!(status.state, "in_store", "{status:#?}");
}

fn a_paid_order_is_handed_over_and_a_bad_one_rejected_once_with_its_reason<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    rig.store.seed(800, "FORA-1", "5.00");
    let good = rig.store.place("PAN-1", 2, true);
    let bad = rig.store.place("FORA-1", 1, true);
    let report = rig.capture();
    let pending: Vec<&str> = report
        .pending
        .iter()
        .map(|o| o.store_order_id.as_str())
        .collect();
    assert_eq!(pending, vec![good.as_str()], "{report:#?}");
    if let Some(rejected) = S::statuses().rejected {
        assert_eq!(rig.store.status(&bad), rejected);
    }
    assert!(
        rig.store.notes(&bad).contains("FORA-1"),
        "{}",
        rig.store.notes(&bad)
    );

    rig.store.reset_counters();
    let again = rig.capture();
    assert!(again.pending.is_empty(), "{again:#?}");
    assert_eq!(rig.writes(), 0, "{:?}", rig.store.counters());
}

fn a_status_whose_answer_was_lost_is_checked_in_the_store_not_sent_again<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    rig.store.seed(800, "FORA-1", "5.00");
    let bad = rig.store.place("FORA-1", 1, true);
    let (method, path) = S::rejection_route();
    rig.store.inject(FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times: 1,
        after: 0,
        fault: Fault::ApplyThenDrop,
    });
    rig.store.reset_counters();
    rig.capture();
    rig.capture();
    match S::statuses().rejected {
        Some(rejected) => assert_eq!(rig.store.status(&bad), rejected),
        None => assert!(rig.store.notes(&bad).contains("FORA-1")),
    }
    assert_eq!(
        rig.requests_to(S::rejection_route()),
        1,
        "{:?}",
        rig.store.counters()
    );
    let report = rig.ponte.report("loja", &Default::default()).unwrap();
    assert!(
        report.iter().any(|row| row.store_order_id == bad),
        "{report:#?}"
    );
}

fn a_reservation_holds_its_units_until_it_is_paid<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    let waiting = rig.store.place("CAM-P", 1, false);
    let first = rig.capture();
    assert!(first.pending.is_empty(), "{first:#?}");
    let held = rig.ponte.reservations("loja").unwrap();
    assert_eq!(held.len(), 1, "{held:#?}");
    rig.store.pay(&waiting);
    let paid = rig.capture();
    let pending: Vec<&str> = paid
        .pending
        .iter()
        .map(|o| o.store_order_id.as_str())
        .collect();
    assert_eq!(pending, vec![waiting.as_str()], "{paid:#?}");
}

fn a_confirmed_order_ships_with_the_shipped_status<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    let good = rig.store.place("PAN-1", 1, true);
    rig.capture();
    rig.ponte.order_confirm("loja", &good, "PV-1").unwrap();
    rig.ponte
        .order_fulfil(
            "loja",
            &good,
            serde_json::from_value(
                json!({"tracking": {"code": "AA123456789BR", "carrier": "Correios"}}),
            )
            .unwrap(),
        )
        .unwrap();
    rig.capture();
    match S::statuses().shipped {
        Some(shipped) => assert_eq!(rig.store.status(&good), shipped),
        // A marketplace ships through its own logistics: the code reaches the order as a note.
        None => assert!(
            rig.store.notes(&good).contains("AA123456789BR"),
            "{}",
            rig.store.notes(&good)
        ),
    }
}

fn a_product_the_erp_stops_publishing_is_taken_off_sale<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(catalog());
    rig.sync();
    assert!(rig.store.on_sale("PAN-1"));
    let mut changed = catalog();
    changed[0]["show_in_store"] = json!(false);
    rig.put(changed);
    rig.sync();
    assert!(!rig.store.on_sale("PAN-1"), "hidden from shoppers");
    assert_eq!(rig.store.holding("PAN-1"), 1, "hidden, not deleted");
    assert!(rig.store.on_sale("CAM-P"), "the others stay");
}

fn a_channel_price_table_sets_the_stores_prices<S: Store>() {
    let mut rig = Rig::<S>::with(|config| {
        config.product_sync.price_table = serde_json::from_value(
            json!({"percent_bp": 1000, "amount_cents": 0, "ending_cents": 90}),
        )
        .unwrap();
    });
    rig.put(catalog());
    rig.sync();
    // 189.90 + 10% = 208.89, rounded up to end in ,90.
    assert_eq!(rig.store.item("PAN-1").unwrap().price, "208.90");
    assert_eq!(rig.store.item("CAM-P").unwrap().price, "54.90");
}

fn a_store_failing_for_a_moment_is_retried_and_nothing_is_made_twice<S: Store>() {
    let mut rig = Rig::<S>::new();
    rig.put(json!([simple("1", "PAN-1", 18990, 7)]));
    let (method, path) = S::create_route();
    rig.store.inject(FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        times: 2,
        after: 0,
        fault: Fault::Status {
            status: 503,
            body: String::new(),
        },
    });
    let report = rig.sync();
    assert_eq!(rig.store.holding("PAN-1"), 1, "{report:#?}");
    assert_eq!(rig.store.item("PAN-1").unwrap().price, "189.90");
}

/// The suite, run on each platform.
macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod woocommerce {
            $(#[test] fn $behaviour() { super::$behaviour::<super::Woo>(); })*
        }
        mod nuvemshop {
            $(#[test] fn $behaviour() { super::$behaviour::<super::Nuvem>(); })*
        }
        mod mercadolivre {
            $(#[test] fn $behaviour() { super::$behaviour::<super::Ml>(); })*
        }
    };
}

conformance!(
    a_catalog_reaches_the_store_once_and_the_rules_keep_out_what_the_erp_holds_back,
    a_product_the_store_has_is_linked_by_sku_never_duplicated,
    a_stock_change_is_one_write_and_reads_back,
    a_create_whose_answer_was_lost_is_found_not_made_twice,
    a_paid_order_is_handed_over_and_a_bad_one_rejected_once_with_its_reason,
    a_status_whose_answer_was_lost_is_checked_in_the_store_not_sent_again,
    a_reservation_holds_its_units_until_it_is_paid,
    a_confirmed_order_ships_with_the_shipped_status,
    a_product_the_erp_stops_publishing_is_taken_off_sale,
    a_channel_price_table_sets_the_stores_prices,
    a_store_failing_for_a_moment_is_retried_and_nothing_is_made_twice,
);

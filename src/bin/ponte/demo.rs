//! The two commands that bring their own store: `ponte demo`, the main job end to end, and
//! `ponte sandbox`, a WooCommerce sandbox for rehearsal.

use std::path::PathBuf;

#[cfg(feature = "sandbox")]
use ponte::model::catalog::{self, ProductKey};
#[cfg(feature = "sandbox")]
use ponte::model::config::parse_config;
#[cfg(feature = "sandbox")]
use ponte::sync::SyncOptions;
#[cfg(feature = "sandbox")]
use ponte::Ponte;

#[cfg(feature = "sandbox")]
use crate::print::{
    counts_line, print_capture, print_plan, print_report, print_report_table, print_status,
    to_json, to_json_pretty,
};
#[cfg(feature = "sandbox")]
use crate::read;
use crate::Failure;

#[cfg(feature = "sandbox")]
const SAMPLE_INTEGRATION: &str = include_str!("../../../samples/integration.json");
#[cfg(feature = "sandbox")]
const SAMPLE_NUVEMSHOP: &str = include_str!("../../../samples/integration-nuvemshop.json");
#[cfg(feature = "sandbox")]
const SAMPLE_MERCADOLIVRE: &str = include_str!("../../../samples/integration-mercadolivre.json");
#[cfg(feature = "sandbox")]
const SAMPLE_CATEGORIES: &str = include_str!("../../../samples/categories.json");
#[cfg(feature = "sandbox")]
const SAMPLE_BRANDS: &str = include_str!("../../../samples/brands.json");
#[cfg(feature = "sandbox")]
const SAMPLE_PRODUCTS: &str = include_str!("../../../samples/products.json");
#[cfg(feature = "sandbox")]
const SAMPLE_STOCK: &str = include_str!("../../../samples/stock.json");

#[cfg(not(feature = "sandbox"))]
pub fn standalone_sandbox(_port: u16, _products: Option<PathBuf>) -> Result<(), Failure> {
    Err(Failure::Io(
        "this build of ponte has no sandbox store; build it with the `sandbox` feature".into(),
    ))
}

/// A sandbox store for rehearsal, until SIGINT or SIGTERM: prints the integration config to use
/// against it (its test keys included: they open nothing but this sandbox).
#[cfg(feature = "sandbox")]
pub fn standalone_sandbox(port: u16, products: Option<PathBuf>) -> Result<(), Failure> {
    use ponte::sandbox::WooSandbox;

    let store = WooSandbox::start_on(port)
        .map_err(|err| Failure::Io(format!("cannot start the sandbox store: {err}")))?;
    if let Some(path) = products {
        let value = ponte::model::json::parse_value(&read(&path)?, "products")?;
        let items = value.as_array().cloned().ok_or_else(|| {
            Failure::Usage(format!(
                "{}: expected a JSON array of WooCommerce products",
                path.display()
            ))
        })?;
        for (index, mut product) in items.into_iter().enumerate() {
            if product.get("id").is_none() {
                product["id"] = serde_json::json!(10_000 + index);
            }
            store.seed_product(product).map_err(|err| {
                Failure::Usage(format!("{}: product [{index}]: {err}", path.display()))
            })?;
        }
    }
    let key = store.key();
    let config = serde_json::json!({
        "id": "sandbox", "platform": "woocommerce", "base_url": store.base_url(), "allow_http": true,
        "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}
    });
    // Caught before the store is announced: a service manager may stop it as soon as it is up.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_signal = stop.clone();
    ctrlc::set_handler(move || on_signal.store(true, std::sync::atomic::Ordering::SeqCst))
        .map_err(|err| Failure::Io(format!("cannot catch SIGINT and SIGTERM: {err}")))?;
    println!("{}", to_json_pretty(&config));
    eprintln!(
        "ponte sandbox: a WooCommerce store at {} with {} products; Ctrl+C or SIGTERM to stop",
        store.base_url(),
        store.products().len()
    );
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!("ponte sandbox: stopped");
    Ok(())
}

#[cfg(not(feature = "sandbox"))]
pub fn demo(_state: Option<PathBuf>) -> Result<(), Failure> {
    Err(Failure::Io(
        "this build of ponte has no sandbox store; build it with the `sandbox` feature".into(),
    ))
}

/// The main job: a WooCommerce sandbox store, the sample catalog, a sync limited by the EAN test
/// filter, then a full sync, as the ERP's integration guide advises.
#[cfg(feature = "sandbox")]
pub fn demo(state: Option<PathBuf>) -> Result<(), Failure> {
    use ponte::sandbox::WooSandbox;

    let state = state.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ponte-demo-{}.db", std::process::id()))
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", state.display()));
    }
    let store = WooSandbox::start()
        .map_err(|err| Failure::Io(format!("cannot start the sandbox store: {err}")))?;
    println!("Ponte {} demo\n", ponte::VERSION);
    println!(
        "A WooCommerce sandbox store answers at {} (REST API v3, OAuth 1.0a over HTTP).",
        store.base_url()
    );
    // The merchant already sells one of the ERP's products, registered by hand in the store.
    store
        .seed_product(serde_json::json!({
            "id": 5000, "type": "simple", "name": "Jogo de Copos 6 pç", "sku": "TRA-JC-6", "status": "publish",
            "catalog_visibility": "visible", "regular_price": "49.90", "price": "49.90", "manage_stock": true,
            "stock_quantity": 3, "parent_id": 0, "global_unique_id": ""
        }))
        .map_err(Failure::Io)?;
    println!("The store already has product 5000 (SKU TRA-JC-6), which the ERP also has.\n");

    let mut ponte = Ponte::open(&state)?;
    let mut config = parse_config(SAMPLE_INTEGRATION)?;
    config.base_url = store.base_url();
    config.allow_http = true;
    config.credentials = Some(store.credentials());
    let filter = config.product_sync.only_eans.clone();
    ponte.integration_put(config.clone())?;
    let categories =
        ponte.catalog_put_categories(&catalog::parse_categories(SAMPLE_CATEGORIES)?)?;
    let brands = ponte.catalog_put_brands(&catalog::parse_brands(SAMPLE_BRANDS)?)?;
    let products = ponte.catalog_put_products(&catalog::parse_products(SAMPLE_PRODUCTS)?)?;
    let stock = ponte.catalog_put_stock(&catalog::parse_stock(SAMPLE_STOCK)?)?;
    println!("Catalog loaded into {}:", state.display());
    println!(
        "  categories {}, brands {}, products {}, stock {}\n",
        to_json(&categories),
        to_json(&brands),
        to_json(&products),
        to_json(&stock)
    );

    println!("1. First sync with the EAN test filter \"{filter}\" (only that product goes):\n");
    print_plan(&ponte.sync_plan(&config.id, SyncOptions::default())?);
    println!();
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);

    println!("\n2. The filter is cleared and everything eligible is synced:\n");
    config.product_sync.only_eans.clear();
    ponte.integration_put(config.clone())?;
    print_plan(&ponte.sync_plan(&config.id, SyncOptions::default())?);
    println!();
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);

    println!("\n3. Why is product 3001 not in the store?\n");
    print_status(&ponte.product_status(&config.id, &ProductKey::ErpId("3001".into()))?);

    println!(
        "\n4. A second sync right away has nothing to send (it only looks for orders the store"
    );
    println!("   sold since the last capture, whose units it must not put back on sale):\n");
    store.reset_counters();
    let again = ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?;
    let writes = store.write_requests();
    println!(
        "  {} (requests to the store: {} read, {writes} write)",
        counts_line(&again.counts),
        store.total_requests() - writes
    );

    println!("\n5. Shoppers place orders in the store:");
    store
        .seed_product(serde_json::json!({"id": 6000, "type": "simple", "name": "Brinde da loja", "sku": "LOJA-BRINDE",
            "status": "publish", "regular_price": "5.00", "price": "5.00", "parent_id": 0}))
        .map_err(Failure::Io)?;
    let shopper = |name: &str, cpf: &str, sku: &str, quantity: i64, status: &str| {
        serde_json::json!({
            "status": status, "payment_method_title": "Pix",
            "billing": {"first_name": name, "last_name": "Oliveira", "address_1": "Rua XV de Novembro", "number": "100",
                        "neighborhood": "Centro", "city": "Curitiba", "state": "PR", "postcode": "80020-310", "country": "BR",
                        "email": format!("{}@example.com.br", name.to_lowercase()), "phone": "(41) 99999-0000", "cpf": cpf},
            "line_items": [{"sku": sku, "quantity": quantity}],
            "shipping_lines": [{"method_id": "correios", "method_title": "PAC", "total": "18.90"}]
        })
    };
    let orders = [
        (
            "a valid order",
            shopper("Ana", "529.982.247-25", "TRA-PP-45", 1, "processing"),
        ),
        (
            "another valid order",
            shopper("Bruno", "111.444.777-35", "HER-CAM-AZ-G", 2, "processing"),
        ),
        (
            "a product the ERP does not have",
            shopper("Carla", "068.149.843-93", "LOJA-BRINDE", 1, "processing"),
        ),
        (
            "an invalid CPF",
            shopper("Diego", "123.456.789-00", "TRA-PP-45", 1, "processing"),
        ),
        (
            "awaiting payment: a reservation",
            shopper("Elisa", "390.533.447-05", "TRA-JC-6", 3, "pending"),
        ),
    ];
    for (what, order) in &orders {
        let placed = store.place_order(order).map_err(Failure::Io)?;
        let name = order["billing"]["first_name"].as_str().unwrap_or("");
        println!(
            "   order {} by {name}: {what}",
            placed["number"].as_str().unwrap_or("")
        );
    }

    println!("\n6. The ERP captures orders:\n");
    let captured = ponte.capture_orders(&config.id)?;
    print_capture(&captured);
    println!("\n   Stock held for the store's orders (product sync sends what is left):");
    for hold in ponte.reservations(&config.id)? {
        println!(
            "   {} x {} ({}, order {})",
            hold.quantity, hold.sku, hold.kind, hold.store_order_id
        );
    }

    println!("\n7. The ERP registers every customer, the rejected orders' too, with its own ids:");
    for (index, offer) in ponte.customers_pending(&config.id)?.iter().enumerate() {
        let erp_id = format!("CLI-{:04}", index + 1);
        ponte.customer_confirm(&config.id, &offer.customer_key, &erp_id)?;
        let customer = &offer.customer;
        println!(
            "   {} {:<18} CPF {} ({}), {} is customer {erp_id}",
            offer.kind,
            customer["name"].as_str().unwrap_or_default(),
            customer["cpf"].as_str().unwrap_or("-"),
            if customer["document_valid"] == true {
                "valid"
            } else {
                "invalid"
            },
            customer["billing"]["city"].as_str().unwrap_or_default(),
        );
    }

    println!("\n8. The ERP confirms the valid orders with its own sales-order numbers:");
    for (index, order) in captured.pending.iter().enumerate() {
        let number = format!("PV-{:04}", index + 1);
        ponte.order_confirm(&config.id, &order.store_order_id, &number)?;
        println!("   order {} is sales order {number}", order.number);
    }
    let again = ponte.capture_orders(&config.id)?;
    println!(
        "   the next capture writes the statuses back: {}",
        counts_line(&again.counts)
    );

    if let Some(first) = captured.pending.first() {
        println!(
            "\n9. The ERP invoices and ships order {} (NF-e and Correios tracking code):",
            first.number
        );
        store.register_status_labeled("enviado", "Enviado");
        let fulfilment = serde_json::from_value(serde_json::json!({
            "invoice": {"key": "35261208530528000184550010000154301000771560", "number": "15430", "series": "1",
                        "issued_at": "2026-12-01T12:00:00Z"},
            "tracking": {"code": "AA123456789BR", "carrier": "Correios"},
            "status": "enviado"
        }))
        .map_err(|err| Failure::Io(err.to_string()))?;
        let queued = ponte.order_fulfil(&config.id, &first.store_order_id, fulfilment)?;
        let sent = ponte.capture_orders(&config.id)?;
        println!(
            "   queued {}, sent by the next capture: {}",
            to_json(&queued.meta_keys),
            counts_line(&sent.counts)
        );
        let id: u64 = first.store_order_id.parse().unwrap_or(0);
        if let Some(order) = store.order(id) {
            let meta = |key: &str| {
                order["meta_data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| m["key"] == key)
                    .map(|m| m["value"].to_string())
                    .unwrap_or_default()
            };
            println!(
                "   the store now shows status {}, _correios_tracking_code {}, and the shopper got: {:?}",
                order["status"],
                meta("_correios_tracking_code"),
                store
                    .order_notes(id)
                    .iter()
                    .filter(|n| n["customer_note"] == true)
                    .filter_map(|n| n["note"].as_str())
                    .collect::<Vec<_>>()
            );
        }
    }

    if let Some(second) = captured.pending.get(1) {
        println!(
            "\n10. In the store, the merchant cancels order {} after the ERP confirmed it:",
            second.number
        );
        let id: u64 = second.store_order_id.parse().unwrap_or(0);
        store
            .update_order(id, &serde_json::json!({"status": "cancelled"}))
            .map_err(Failure::Io)?;
        let seen = ponte.capture_orders(&config.id)?;
        println!("   the next capture: {}", counts_line(&seen.counts));
        for event in ponte.order_events(&config.id)? {
            println!(
                "   event {}: order {} (ERP {}) {}, {}",
                event.event_id,
                event.store_order_id,
                event.erp_order_number.as_deref().unwrap_or("-"),
                event.kind,
                to_json(&event.detail)
            );
            ponte.order_event_ack(&config.id, event.event_id)?;
            println!("   the ERP acknowledges event {}", event.event_id);
        }
    }

    println!("\n11. Relatório de Integrações:\n");
    print_report_table(&ponte.report(&config.id, &ponte::capture::ReportFilter::default())?);

    println!(
        "\nThe store now has {} products and variations.",
        store.products().len()
    );
    second_store(&mut ponte)?;
    marketplace(&mut ponte)?;
    println!("\n20. Every integration in the one state file:");
    for view in ponte.integration_list()? {
        let pending = ponte.orders_pending(&view.config.id, None, 0)?;
        println!(
            "   {:<13} {:<13} orders waiting for the ERP: {}",
            view.config.id,
            view.config.platform.name(),
            pending.orders.len()
        );
    }
    println!("\nState file kept at {}.", state.display());
    Ok(())
}

/// The same catalog on a Nuvemshop store, a second integration in the same state file: its
/// own price table, its statuses in Nuvemshop's terms, its orders beside the first store's.
#[cfg(feature = "sandbox")]
fn second_store(ponte: &mut Ponte) -> Result<(), Failure> {
    use ponte::sandbox::{NuvemOptions, NuvemSandbox};

    // The real bucket (40 requests, 2 a second) would make the demo wait; the benchmark keeps it.
    let store = NuvemSandbox::start_with(NuvemOptions {
        rate_limit: None,
        ..NuvemOptions::default()
    })
    .map_err(|err| Failure::Io(format!("cannot start the Nuvemshop sandbox: {err}")))?;
    println!(
        "\n12. A second store, Nuvemshop, at {} (store {}), in the same state file:",
        store.base_url(),
        store.store_id()
    );
    let mut config = parse_config(SAMPLE_NUVEMSHOP)?;
    config.base_url = store.base_url();
    config.allow_http = true;
    config.nuvemshop = config.nuvemshop.map(|mut settings| {
        settings.store_id = store.store_id();
        settings
    });
    config.credentials = Some(store.credentials());
    config.http.max_requests_per_second = 0;
    ponte.integration_put(config.clone())?;
    println!(
        "   its price table: +5%, ending in ,90; fetch {}, reservation {}, rejected \"{}\", shipped \"{}\"\n",
        to_json(&config.order_capture.fetch_statuses),
        to_json(&config.order_capture.reservation_statuses),
        config.order_capture.rejected_status.as_deref().unwrap_or("-"),
        config.order_capture.shipped_status.as_deref().unwrap_or("-"),
    );
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);
    let shown = store.products().into_iter().find_map(|p| {
        let variant = p["variants"]
            .as_array()?
            .iter()
            .find(|v| v["sku"] == "TRA-PP-45")?
            .clone();
        Some((p["id"].clone(), variant["price"].clone()))
    });
    if let Some((id, price)) = shown {
        println!("   TRA-PP-45 is product {id} there, at {price} (the channel's price table)");
    }

    println!("\n13. Shoppers buy on Nuvemshop; the ERP captures both stores:");
    let shopper = |name: &str, cpf: &str, sku: &str, payment: &str| {
        serde_json::json!({
            "products": [{"sku": sku, "quantity": 1}], "payment_status": payment,
            "customer": {"name": format!("{name} Costa"), "email": format!("{}@example.com.br", name.to_lowercase()),
                         "identification": cpf, "phone": "41999990000"},
            "billing_address": "Rua XV de Novembro", "billing_number": "200", "billing_locality": "Centro",
            "billing_city": "Curitiba", "billing_province": "PR", "billing_zipcode": "80020310", "billing_country": "BR",
            "gateway": "pix", "shipping_option": "Correios PAC", "shipping_cost_customer": "18.90"
        })
    };
    for (what, order) in [
        ("paid", shopper("Fabio", "52998224725", "TRA-PP-45", "paid")),
        (
            "awaiting payment: a reservation",
            shopper("Gabi", "11144477735", "HER-CAM-AZ-G", "pending"),
        ),
    ] {
        let placed = store.place_order(&order).map_err(Failure::Io)?;
        println!(
            "   order {} by {}: {what}",
            placed["number"],
            order["customer"]["name"].as_str().unwrap_or("")
        );
    }
    let captured = ponte.capture_orders(&config.id)?;
    print_capture(&captured);
    for (index, order) in captured.pending.iter().enumerate() {
        let number = format!("PV-N{:03}", index + 1);
        ponte.order_confirm(&config.id, &order.store_order_id, &number)?;
        let fulfilment = serde_json::from_value(serde_json::json!({
            "tracking": {"code": "AB987654321BR", "carrier": "Correios"}
        }))
        .map_err(|err| Failure::Io(err.to_string()))?;
        ponte.order_fulfil(&config.id, &order.store_order_id, fulfilment)?;
        let sent = ponte.capture_orders(&config.id)?;
        let id: u64 = order.store_order_id.parse().unwrap_or(0);
        if let Some(shown) = store.order(id) {
            println!(
                "   order {} is sales order {number}; shipped: the store shows shipping_status {} with tracking {} ({})",
                order.number,
                shown["shipping_status"],
                shown["shipping_tracking_number"],
                counts_line(&sent.counts)
            );
        }
    }

    println!("\n14. Relatório de Integrações, Nuvemshop:\n");
    print_report_table(&ponte.report(&config.id, &ponte::capture::ReportFilter::default())?);
    Ok(())
}

/// The same catalog listed on Mercado Livre, a marketplace, as a third integration: listings in
/// the marketplace's categories with the attributes they require, its own price table, rotating
/// tokens the ERP saves before Ponte uses them, and a buyer's cart of two listings captured as
/// one ERP order.
#[cfg(feature = "sandbox")]
fn marketplace(ponte: &mut Ponte) -> Result<(), Failure> {
    use ponte::sandbox::MlSandbox;
    use std::sync::{Arc, Mutex};

    let market = MlSandbox::start()
        .map_err(|err| Failure::Io(format!("cannot start the Mercado Livre sandbox: {err}")))?;
    println!(
        "\n15. A marketplace, Mercado Livre, at {} (seller {}):",
        market.base_url(),
        market.seller_id()
    );
    let mut config = parse_config(SAMPLE_MERCADOLIVRE)?;
    config.base_url = market.base_url();
    config.allow_http = true;
    config.mercadolivre = config.mercadolivre.map(|mut settings| {
        settings.seller_id = market.seller_id().to_string();
        settings
    });
    config.credentials = Some(market.credentials());
    config.http.max_requests_per_second = 0;
    // The ERP keeps the credentials; Ponte hands it each new token pair before using it.
    let saved: Arc<Mutex<Vec<String>>> = Arc::default();
    let keeper = saved.clone();
    ponte.set_credentials_callback(Some(Arc::new(move |integration, pair| {
        let expires = pair
            .expires_at
            .map(ponte::time::format_rfc3339)
            .unwrap_or_default();
        keeper
            .lock()
            .map_err(|_| "poisoned".to_string())?
            .push(format!("{integration}: a new pair, valid until {expires}"));
        Ok(())
    })));
    ponte.integration_put(config.clone())?;
    println!(
        "   its price table: +12%, ending in ,90; Camisetas go to category MLB31447, the rest to MLB1574\n"
    );
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);
    for sku in ["TRA-PP-45", "TRA-JC-6"] {
        let listed = market.items().into_iter().find(|item| {
            item["attributes"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["id"] == "SELLER_SKU" && a["value_name"] == sku)
            })
        });
        if let Some(item) = listed {
            let price = match &item["price"] {
                serde_json::Value::Number(n) => ponte::model::money::parse_number_cents(n)
                    .map(ponte::model::money::format_cents)
                    .unwrap_or_default(),
                other => other.to_string(),
            };
            println!(
                "   {sku} is listing {} there, at {price} in category {}, {} units",
                item["id"], item["category_id"], item["available_quantity"]
            );
        }
    }

    println!(
        "\n16. Buyers buy on Mercado Livre: a cart of two listings, and an order not paid yet:"
    );
    let cart = market
        .place_cart(&serde_json::json!({
            "lines": [{"sku": "TRA-PP-45", "quantity": 1}, {"sku": "TRA-JC-6", "quantity": 2}],
            "paid": true, "buyer": "company"}))
        .map_err(Failure::Io)?;
    println!(
        "   cart {} holds orders {}",
        cart["pack_id"],
        to_json(&cart["orders"])
    );
    let waiting = market
        .place_cart(&serde_json::json!({
            "lines": [{"sku": "TRA-PP-45", "quantity": 1}], "paid": false, "buyer": "person"}))
        .map_err(Failure::Io)?;
    println!(
        "   order {} awaits payment: a reservation",
        waiting["orders"][0]
    );
    market.expire_access_token();
    println!("\n17. The access token has just expired. The ERP captures: Ponte refreshes the pair, and the ERP saves it before Ponte uses it:");
    let captured = ponte.capture_orders(&config.id)?;
    for line in saved.lock().map(|s| s.clone()).unwrap_or_default() {
        println!("   the ERP saved {line}");
    }
    print_capture(&captured);
    for order in &captured.pending {
        ponte.order_confirm(&config.id, &order.store_order_id, "PV-M001")?;
        let fulfilment = serde_json::from_value(serde_json::json!({
            "invoice": {"key": "41261212345678000195550010000012341000012347", "number": "1234",
                        "series": "1", "issued_at": "2026-12-02T15:00:00-03:00"}
        }))
        .map_err(|err| Failure::Io(err.to_string()))?;
        ponte.order_fulfil(&config.id, &order.store_order_id, fulfilment)?;
        let sent = ponte.capture_orders(&config.id)?;
        println!(
            "\n18. Cart {} is sales order PV-M001, one order for the ERP ({}); the marketplace moves its states, so the NF-e goes to it as a note:",
            order.store_order_id,
            counts_line(&sent.counts)
        );
        let first: u64 = cart["orders"][0].as_u64().unwrap_or(0);
        for note in market.order_notes(first) {
            println!("   note on order {first}: {note}");
        }
    }
    println!("\n19. Relatório de Integrações, Mercado Livre:\n");
    print_report_table(&ponte.report(&config.id, &ponte::capture::ReportFilter::default())?);
    Ok(())
}

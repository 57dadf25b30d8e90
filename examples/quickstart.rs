//! The Rust quick start: a sandbox store, an integration, a catalog, a sync, a shopper's order
//! captured and confirmed. Run: `cargo run --example quickstart [STATE_FILE]`.

use ponte::model::catalog::{parse_brands, parse_categories, parse_products, ProductKey};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ponte-quickstart.db".into());
    let store = WooSandbox::start()?; // a real HTTP store on 127.0.0.1
    let mut ponte = Ponte::open(&path)?;

    let mut config = store.integration_config("loja-virtual");
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    config.order_capture.require_document = false;
    ponte.integration_put(config)?;

    ponte.catalog_put_categories(&parse_categories(
        r#"[{"id": "CASA", "name": "Casa"}, {"id": "PANELAS", "name": "Panelas", "parent_id": "CASA"}]"#,
    )?)?;
    ponte.catalog_put_brands(&parse_brands(
        r#"[{"id": "TRAMONTINA", "name": "Tramontina", "show_in_electronic_order": true}]"#,
    )?)?;
    ponte.catalog_put_products(&parse_products(
        r#"[{"erp_id": "1001", "name": "Panela de Pressão 4,5 L", "brand_id": "TRAMONTINA",
             "show_in_store": true, "sync_stock": true,
             "variants": [{"sku": "TRA-PP-45", "ean": "7891000100103", "price_cents": 18990, "stock": 42}]}]"#,
    )?)?;
    let run = ponte.sync_products("loja-virtual", SyncOptions::default(), &mut |_| true)?;
    println!("sync: {} {:?}", run.status, run.counts);
    println!(
        "in the store as {:?}",
        ponte
            .product_status("loja-virtual", &ProductKey::Sku("TRA-PP-45".into()))?
            .store_product_id
    );

    store.place_order(&serde_json::json!({"status": "processing",
        "line_items": [{"sku": "TRA-PP-45", "quantity": 1}],
        "billing": {"first_name": "Ana", "address_1": "Rua XV", "city": "Curitiba", "state": "PR",
                    "postcode": "80020-310"}}))?;
    let report = ponte.capture_orders("loja-virtual")?;
    println!(
        "capture: {} new, {} waiting for the ERP",
        report.pending.len(),
        report.pending_total
    );
    // Every order waiting, a page at a time, until the ERP confirms or rejects it.
    let mut after: Option<String> = None;
    loop {
        let page = ponte.orders_pending("loja-virtual", after.as_deref(), 100)?;
        for order in page.orders {
            ponte.order_confirm("loja-virtual", &order.store_order_id, "PV-0001")?;
            println!("order {} is sales order PV-0001", order.number);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(())
}

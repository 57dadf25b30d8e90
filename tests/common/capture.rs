//! A state file capturing orders from a WooCommerce sandbox, and shoppers placing them.

use serde_json::{json, Value};

use super::sync::*;

/// Captures `processing` orders, reserves stock for `pending` ones, and writes back a custom
/// `recebido` status, `failed` and `completed`.
pub fn capture_settings(c: &mut ponte::model::config::IntegrationConfig) {
    c.order_capture.enabled = true;
    c.order_capture.fetch_statuses = vec!["processing".into()];
    c.order_capture.reservation_statuses = vec!["pending".into()];
    c.order_capture.received_status = Some("recebido".into());
    c.order_capture.rejected_status = Some("failed".into());
    c.order_capture.return_status = Some("completed".into());
    c.order_capture.default_payment_terms = "A VISTA".into();
    c.order_capture.default_payment_method = "PIX".into();
}

pub fn rig() -> Rig {
    let rig = Rig::with(capture_settings);
    rig.sandbox.register_status("recebido");
    rig
}

/// Another handle on the rig's state file, as a restarted ERP or a cron job opens it.
pub fn another_handle(rig: &Rig) -> ponte::Ponte {
    let mut other = ponte::Ponte::open(rig._dir.path().join("ponte.db")).unwrap();
    other.set_clock(rig.clock.clone());
    let mut config = rig.sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config.locale = ponte::model::config::Locale::En;
    capture_settings(&mut config);
    other.integration_put(config).unwrap();
    other
}

/// The catalog and store: A and B published and synced, OFF in the store but not published.
pub fn stocked() -> Rig {
    let mut rig = rig();
    rig.put(&[
        product("1", "A", None, 1000, 10),
        product("2", "B", None, 2500, 10),
    ]);
    rig.sync();
    rig.sandbox
        .seed_product(json!({"id": 990, "type": "simple", "name": "Loja", "sku": "LOJA-ONLY", "price": "5.00", "regular_price": "5.00", "parent_id": 0}))
        .unwrap();
    rig
}

pub fn shopper(sku: &str, quantity: i64, status: &str, cpf: &str) -> Value {
    json!({
        "status": status,
        "billing": {"first_name": "Maria", "last_name": "Silva", "address_1": "Rua das Flores", "number": "12",
                    "neighborhood": "Centro", "city": "Curitiba", "state": "PR", "postcode": "80010-000", "country": "BR",
                    "email": "Maria@Example.com.br", "phone": "(41) 3333-0000", "persontype": "F", "cpf": cpf},
        "shipping": {"first_name": "Maria", "last_name": "Silva", "address_1": "Rua das Flores", "number": "12",
                     "city": "Curitiba", "state": "PR", "postcode": "80010-000", "country": "BR"},
        "line_items": [{"sku": sku, "quantity": quantity}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "PAC", "total": "15.00"}],
        "payment_method_title": "Pix"
    })
}

pub const CPF: &str = "529.982.247-25";

pub fn place(rig: &Rig, order: Value) -> String {
    rig.sandbox.place_order(&order).unwrap()["id"]
        .as_u64()
        .unwrap()
        .to_string()
}

pub fn capture(rig: &mut Rig) -> ponte::capture::CaptureReport {
    rig.ponte.capture_orders("loja").unwrap()
}

pub fn store_status(rig: &Rig, id: &str) -> String {
    rig.sandbox.order(id.parse().unwrap()).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn count(report: &ponte::capture::CaptureReport, key: &str) -> u64 {
    report.counts.get(key).copied().unwrap_or(0)
}

/// Every order pending for the ERP in `integration`, read page by page `limit` at a time, as an
/// ERP reads the list.
pub fn all_pending(
    ponte: &mut ponte::Ponte,
    integration: &str,
    limit: u32,
) -> Vec<ponte::capture::PendingOrder> {
    let mut orders = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = ponte
            .orders_pending(integration, after.as_deref(), limit)
            .unwrap();
        assert!(
            limit == 0 || page.orders.len() <= limit as usize,
            "a page holds at most the limit"
        );
        orders.extend(page.orders);
        match page.next {
            Some(next) => after = Some(next),
            None => return orders,
        }
    }
}

/// The store order ids of every order pending in the rig's integration.
pub fn pending_ids(rig: &mut Rig) -> Vec<String> {
    all_pending(&mut rig.ponte, "loja", 0)
        .into_iter()
        .map(|p| p.store_order_id)
        .collect()
}

//! `orders/{id}/refunds` as WooCommerce 8.9 and 10.0 answer it (seen on the real stores): a
//! refund record with a positive `amount` and lines with negative quantities and totals, the
//! order's `refunds` list with negative totals, the order modified, `refunded` once refunds reach
//! its total, stock given back unless `api_restock` is false, a 500 without `api_refund: false`
//! when the order's gateway is not installed (none is here) and a 500 beyond what remains.

use serde_json::{json, Value};

use super::errors::WooError;
use super::orders::{move_stock, stock_holder};
use super::{links, ok, set_dates, Reply, State};
use crate::model::money::{format_cents, parse_cents};
use crate::time::now_unix;

fn cents(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::String(s) => parse_cents(s).ok(),
        Value::Number(n) => crate::model::money::parse_number_cents(n).ok(),
        _ => None,
    }
}

fn cannot(message: &str) -> WooError {
    WooError::new(500, "woocommerce_rest_cannot_create_order_refund", message)
}

/// What the order's refunds add up to already.
fn refunded(order: &Value) -> i64 {
    order["refunds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| cents(r.get("total")))
        .map(i64::abs)
        .sum()
}

pub(super) fn create(state: &mut State, home: &str, order_id: u64, body: &Value) -> Reply {
    let order = state
        .orders
        .get(&order_id)
        .cloned()
        .ok_or_else(|| WooError::invalid_id("order", 404))?;
    if body.get("api_refund") != Some(&json!(false)) {
        return Err(cannot("The payment gateway for this order does not exist."));
    }
    let mut lines = Vec::new();
    let mut restock = Vec::new();
    for item in body["line_items"].as_array().into_iter().flatten() {
        let line = order["line_items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["id"] == item["id"])
            .ok_or_else(|| cannot("Invalid refund line item."))?;
        let quantity = item["quantity"].as_i64().unwrap_or(0);
        let total = cents(item.get("refund_total")).unwrap_or(0);
        let product = line["variation_id"]
            .as_u64()
            .filter(|v| *v != 0)
            .or_else(|| line["product_id"].as_u64());
        if let Some(holder) = product
            .and_then(|id| state.products.get(&id))
            .and_then(|p| stock_holder(state, p))
        {
            restock.push((holder, quantity));
        }
        lines.push(json!({
            "id": state.take_id(), "name": line["name"], "product_id": line["product_id"],
            "variation_id": line["variation_id"], "quantity": -quantity, "tax_class": "",
            "subtotal": format_cents(-total), "subtotal_tax": "0.00", "total": format_cents(-total),
            "total_tax": "0.00", "taxes": [], "sku": line["sku"], "price": line["price"],
            "meta_data": [{"key": "_refunded_item_id", "value": line["id"].to_string()}],
        }));
    }
    let from_lines: i64 = lines
        .iter()
        .filter_map(|l| cents(l.get("total")))
        .map(i64::abs)
        .sum();
    let amount = cents(body.get("amount")).unwrap_or(from_lines);
    let total = cents(order.get("total")).unwrap_or(0);
    let already = refunded(&order);
    if amount <= 0 || already + amount > total {
        return Err(cannot("Invalid refund amount."));
    }
    if body.get("api_restock") != Some(&json!(false)) {
        for (holder, quantity) in restock {
            move_stock(state, holder, quantity);
        }
    }
    let id = state.take_id();
    let reason = body["reason"].as_str().unwrap_or_default().to_string();
    let mut refund = json!({
        "id": id, "amount": format_cents(amount), "reason": reason, "refunded_by": 1,
        "refunded_payment": false, "meta_data": [], "line_items": lines, "shipping_lines": [],
        "tax_lines": [], "fee_lines": [],
        "_links": links(home, &format!("/orders/{order_id}/refunds/{id}"), &format!("/orders/{order_id}/refunds"), Some(format!("/orders/{order_id}"))),
    });
    let now = now_unix();
    set_dates(&mut refund, "date_created", now);
    state
        .refunds
        .entry(order_id)
        .or_default()
        .push(refund.clone());
    let stored = state.orders.get_mut(&order_id).expect("read above");
    if let Some(list) = stored["refunds"].as_array_mut() {
        list.push(json!({"id": id, "reason": reason, "total": format_cents(-amount)}));
    }
    if already + amount == total {
        stored["status"] = json!("refunded");
    }
    set_dates(stored, "date_modified", now + 1);
    ok(201, refund, 1)
}

pub(super) fn list(state: &State, order_id: u64) -> Reply {
    if !state.orders.contains_key(&order_id) {
        return Err(WooError::invalid_id("order", 404));
    }
    let refunds = state.refunds.get(&order_id).cloned().unwrap_or_default();
    let total = refunds.len().to_string();
    Ok((
        200,
        json!(refunds.iter().rev().collect::<Vec<_>>()),
        vec![
            ("X-WP-Total".to_string(), total),
            ("X-WP-TotalPages".to_string(), "1".to_string()),
        ],
        0,
    ))
}

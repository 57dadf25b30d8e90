//! Orders (`/orders`, `/orders/{id}`), as WooCommerce keeps them: the order statuses, registered
//! and custom, line items priced from the catalog with their taxes, addresses and meta, the
//! stock an order takes and gives back as its status moves, and its notes
//! (`/orders/{id}/notes`). Refunds are in `refunds`; batches in `batch`.

use serde_json::{json, Map, Number, Value};

use super::super::server::HttpRequest;
use super::errors::{check_params, ParamError, WooError};
use super::listing::{self, ListQuery, Sort};
use super::products::set_stock_status;
use super::{brazil, links, ok, read, set_dates, taxes, Ctx, Reply, State, PREFIX};
use crate::model::money::{format_cents, parse_cents};
use crate::platform::oauth;
use crate::time::now_unix;

/// Statuses that take an order's stock (`wc_maybe_reduce_stock_levels`), once.
const STOCK_REDUCING_STATUSES: [&str; 3] = ["processing", "on-hold", "completed"];
/// Statuses that give taken stock back (`wc_maybe_increase_stock_levels`); `failed` does not.
const STOCK_RESTORING_STATUSES: [&str; 2] = ["cancelled", "pending"];
/// WooCommerce's own order statuses and labels, in `wc_get_order_statuses` order. Custom
/// statuses follow them, and the Blocks checkout's `checkout-draft` comes last.
pub(super) const CORE_STATUSES: [(&str, &str); 7] = [
    ("pending", "Pending payment"),
    ("processing", "Processing"),
    ("on-hold", "On hold"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
    ("refunded", "Refunded"),
    ("failed", "Failed"),
];
pub(super) const DRAFT_STATUS: (&str, &str) = ("checkout-draft", "Draft");

impl State {
    /// Every registered status with its label, in `wc_get_order_statuses` order.
    pub(super) fn statuses(&self) -> Vec<(String, String)> {
        CORE_STATUSES
            .iter()
            .map(|(slug, label)| (slug.to_string(), label.to_string()))
            .chain(self.custom_statuses.iter().cloned())
            .chain(std::iter::once((
                DRAFT_STATUS.0.to_string(),
                DRAFT_STATUS.1.to_string(),
            )))
            .collect()
    }

    pub(super) fn is_registered(&self, status: &str) -> bool {
        self.statuses().iter().any(|(slug, _)| slug == status)
    }

    /// The `status` enum of an order's schema: `auto-draft` and every registered status.
    pub(super) fn status_enum(&self) -> Vec<String> {
        std::iter::once("auto-draft".to_string())
            .chain(self.statuses().into_iter().map(|(slug, _)| slug))
            .collect()
    }
}

/// Where an order write comes from: the checks and translations differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// `POST orders`, `PUT orders/{id}`: the schema refuses an unregistered `status`.
    Rest,
    /// `orders/batch` items skip the schema, and `WC_Order::set_status` turns an unregistered
    /// status into `pending`, silently (seen on 10.0.2 and 8.9.3).
    Batch,
    /// A shopper at checkout (`place_order`), whose form fields become order meta.
    Checkout,
}

/// The `orderby` enum of `GET /orders` (10.0.2 and 8.9.3 list the same).
const ORDER_ORDERBY: [&str; 6] = ["date", "id", "include", "title", "slug", "modified"];

/// The status an order write asks for, checked or coerced as `origin` does it.
fn requested_status(
    state: &State,
    given: Option<&Value>,
    origin: Origin,
) -> Result<Option<String>, WooError> {
    let Some(given) = given else {
        return Ok(None);
    };
    let text = given.as_str().unwrap_or("");
    if origin == Origin::Batch {
        let slug = text.strip_prefix("wc-").unwrap_or(text);
        return Ok(Some(if state.is_registered(slug) {
            slug.to_string()
        } else {
            "pending".to_string()
        }));
    }
    let allowed = state.status_enum();
    if given.is_string() && allowed.iter().any(|s| s == text) {
        return Ok(Some(text.to_string()));
    }
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    Err(WooError::invalid_params(&[ParamError::not_in_enum(
        "status", "status", &allowed,
    )]))
}

fn money(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(s)) => parse_cents(s).unwrap_or(0),
        Some(Value::Number(n)) => crate::model::money::parse_number_cents(n).unwrap_or(0),
        _ => 0,
    }
}

/// WooCommerce's own address keys; anything else in `billing` or `shipping` has no setter and
/// is dropped (the Brazilian Market fields among them: see `brazil`).
const ADDRESS_KEYS: [&str; 9] = [
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
];

fn address(source: &Value, billing: bool) -> Value {
    let text = |key: &str| json!(source.get(key).and_then(Value::as_str).unwrap_or(""));
    let mut out = Map::new();
    for key in ADDRESS_KEYS {
        out.insert(key.to_string(), text(key));
    }
    if billing {
        out.insert("email".to_string(), text("email"));
    }
    out.insert("phone".to_string(), text("phone"));
    Value::Object(out)
}

/// Writes the core keys of `changes` into a stored address.
fn update_address(stored: &mut Value, changes: &Value, billing: bool) {
    let Some(changes) = changes.as_object() else {
        return;
    };
    for (key, value) in changes {
        let known =
            ADDRESS_KEYS.contains(&key.as_str()) || key == "phone" || (billing && key == "email");
        if known {
            stored[key.as_str()] = json!(value.as_str().unwrap_or(""));
        }
    }
}

/// Adds or replaces meta entries by key, giving new ones ids.
fn merge_meta(order_id: u64, meta: &mut Vec<Value>, entries: &[Value]) {
    for entry in entries {
        let key = entry.get("key").cloned().unwrap_or(Value::Null);
        let value = entry.get("value").cloned().unwrap_or(Value::Null);
        match meta.iter_mut().find(|m| m["key"] == key) {
            Some(existing) => existing["value"] = value,
            None => {
                let id = order_id * 1000 + meta.len() as u64;
                meta.push(json!({"id": id, "key": key, "value": value}));
            }
        }
    }
}

/// The fields WooCommerce derives from an order's status and total.
fn refresh_order_flags(order: &mut Value) {
    let status = order["status"].as_str().unwrap_or("").to_string();
    let total = money(order.get("total"));
    order["is_editable"] = json!(matches!(
        status.as_str(),
        "pending" | "on-hold" | "auto-draft" | "checkout-draft"
    ));
    order["needs_payment"] = json!(matches!(status.as_str(), "pending" | "failed") && total > 0);
    order["needs_processing"] = json!(true);
}

/// A line item being priced: its JSON, its tax class and where its stock comes from.
struct Line {
    json: Value,
    tax_class: String,
    taxable: bool,
    subtotal: i64,
    total: i64,
    stock: Option<(u64, i64)>,
}

/// Which product's stock a line moves: the product (or variation) that manages stock, else a
/// variation's parent that does, else none.
pub(super) fn stock_holder(state: &State, product: &Value) -> Option<u64> {
    if product["manage_stock"] == true {
        return product["id"].as_u64();
    }
    let parent = product["parent_id"].as_u64().filter(|p| *p != 0)?;
    state
        .products
        .get(&parent)
        .filter(|p| p["manage_stock"] == true)
        .map(|_| parent)
}

fn build_line(state: &State, order_id: u64, index: usize, item: &Value) -> Result<Line, WooError> {
    let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
    let by_sku = item
        .get("sku")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let wanted = item
        .get("variation_id")
        .and_then(Value::as_u64)
        .filter(|v| *v != 0)
        .or_else(|| item.get("product_id").and_then(Value::as_u64));
    let product = match (by_sku, wanted) {
        (Some(sku), _) => state.by_sku.get(sku).and_then(|id| state.products.get(id)),
        (None, Some(id)) => state.products.get(&id),
        (None, None) => {
            return Err(WooError::new(
                400,
                "woocommerce_rest_required_product_reference",
                "Product ID or SKU is required.",
            ))
        }
    };
    let Some(product) = product else {
        let what = by_sku
            .map(|s| format!("SKU {s}"))
            .unwrap_or_else(|| format!("product {}", wanted.unwrap_or(0)));
        return Err(WooError::new(
            400,
            "woocommerce_rest_invalid_product_id",
            format!("Invalid product: {what} (line_items[{index}])."),
        ));
    };
    let unit = match item.get("price").or(item.get("subtotal")) {
        Some(given) if item.get("price").is_some() => money(Some(given)),
        Some(given) => money(Some(given)) / quantity.max(1),
        None => parse_cents(product["price"].as_str().unwrap_or("0")).unwrap_or(0),
    };
    let subtotal = unit * quantity;
    let total = item
        .get("total")
        .map(|t| money(Some(t)))
        .unwrap_or(subtotal);
    let is_variation = product["type"] == "variation";
    let parent_id = product["parent_id"].as_u64().unwrap_or(0);
    let parent = state.products.get(&parent_id);
    let name = match (parent, is_variation) {
        (Some(parent), true) => {
            let options: Vec<&str> = product["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["option"].as_str())
                .collect();
            json!(format!(
                "{} - {}",
                parent["name"].as_str().unwrap_or(""),
                options.join(", ")
            ))
        }
        _ => product["name"].clone(),
    };
    // A variation's class "parent" is its parent's.
    let class = match product["tax_class"].as_str().unwrap_or("") {
        "parent" => parent
            .and_then(|p| p["tax_class"].as_str())
            .unwrap_or("")
            .to_string(),
        class => class.to_string(),
    };
    let price = if quantity == 0 {
        0.0
    } else {
        total as f64 / 100.0 / quantity as f64
    };
    let json = json!({
        "id": order_id * 100 + index as u64 + 1, "name": name,
        "product_id": if is_variation { parent_id } else { product["id"].as_u64().unwrap_or(0) },
        "variation_id": if is_variation { product["id"].as_u64().unwrap_or(0) } else { 0 },
        "quantity": quantity, "tax_class": class, "subtotal": format_cents(subtotal), "subtotal_tax": "0.00",
        "total": format_cents(total), "total_tax": "0.00", "taxes": [], "meta_data": [],
        "sku": product["sku"],
        "price": Number::from_f64(price).map(Value::Number).unwrap_or(json!(0)),
        "image": {"id": "", "src": ""},
        "parent_name": if is_variation { parent.map(|p| p["name"].clone()).unwrap_or(Value::Null) } else { Value::Null },
    });
    Ok(Line {
        json,
        tax_class: class,
        taxable: product["tax_status"].as_str().unwrap_or("taxable") == "taxable",
        subtotal,
        total,
        stock: stock_holder(state, product).map(|holder| (holder, quantity)),
    })
}

pub(super) fn create_order(
    state: &mut State,
    ctx: &Ctx,
    body: &Value,
    origin: Origin,
) -> Result<Value, WooError> {
    if body.get("id").is_some_and(|id| !id.is_null()) {
        return Err(WooError::new(
            400,
            "woocommerce_rest_shop_order_exists",
            "Cannot create existing order.",
        ));
    }
    let mut status = requested_status(state, body.get("status"), origin)?
        .unwrap_or_else(|| "pending".to_string());
    if body.get("set_paid") == Some(&json!(true)) && status == "pending" {
        status = "processing".into();
    }
    let id = state.next_id + 1;
    let mut lines = Vec::new();
    for (index, item) in body
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        lines.push(build_line(state, id, index, item)?);
    }
    if origin == Origin::Checkout && lines.is_empty() {
        return Err(WooError::new(
            400,
            "woocommerce_rest_required_product_reference",
            "An order needs at least one line item.",
        ));
    }
    let given_billing = body.get("billing").cloned().unwrap_or(json!({}));
    let given_shipping = body.get("shipping").cloned().unwrap_or(json!({}));
    let billing = address(&given_billing, true);
    let shipping = address(&given_shipping, false);

    // Taxes, as `calculate_totals` works them out: per line and per rate, each rounded to the
    // cent (half up), summed into the order's tax lines.
    let location = taxes::Location::of(&billing, &shipping);
    let rates = if state.calc_taxes {
        state.tax_rates.as_slice()
    } else {
        &[]
    };
    let mut ledger = taxes::Ledger::default();
    for line in &mut lines {
        if line.taxable {
            let applied = taxes::apply(
                taxes::matching(rates, &line.tax_class, &location, false),
                Some(line.subtotal),
                line.total,
            );
            taxes::write_line_taxes(&mut line.json, &applied, true);
            ledger.add_cart(&applied);
        }
    }
    let mut next_item = id * 100 + 40;
    let mut item_id = || {
        next_item += 1;
        next_item
    };
    let mut fee_lines = Vec::new();
    for fee in body
        .get("fee_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let class =
            taxes::product_class(fee.get("tax_class").and_then(Value::as_str).unwrap_or(""));
        let tax_status = fee
            .get("tax_status")
            .and_then(Value::as_str)
            .unwrap_or("taxable")
            .to_string();
        let total = money(fee.get("total"));
        let mut line = json!({"id": item_id(), "name": fee.get("name").cloned().unwrap_or(json!("")),
                              "tax_class": class, "tax_status": tax_status, "amount": "",
                              "total": format_cents(total), "total_tax": "0.00", "taxes": [], "meta_data": []});
        if tax_status == "taxable" {
            let applied = taxes::apply(
                taxes::matching(rates, &class, &location, false),
                None,
                total,
            );
            taxes::write_line_taxes(&mut line, &applied, false);
            ledger.add_cart(&applied);
        }
        fee_lines.push(line);
    }
    let line_classes: Vec<&str> = lines.iter().map(|l| l.tax_class.as_str()).collect();
    let shipping_class = taxes::shipping_class(&line_classes);
    let mut shipping_lines = Vec::new();
    for given in body
        .get("shipping_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let total = money(given.get("total"));
        let mut line = json!({"id": item_id(), "method_title": given.get("method_title").cloned().unwrap_or(json!("")),
                              "method_id": given.get("method_id").cloned().unwrap_or(json!("")), "instance_id": "",
                              "total": format_cents(total), "total_tax": "0.00", "taxes": [], "meta_data": []});
        if let Some(class) = &shipping_class {
            let applied = taxes::apply(taxes::matching(rates, class, &location, true), None, total);
            taxes::write_line_taxes(&mut line, &applied, false);
            ledger.add_shipping(&applied);
        }
        shipping_lines.push(line);
    }
    let coupon_lines: Vec<Value> = body
        .get("coupon_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| json!({"id": item_id(), "code": c.get("code").cloned().unwrap_or(json!("")),
                        "discount": format_cents(money(c.get("discount"))), "discount_tax": "0.00", "meta_data": []}))
        .collect();
    let tax_lines = ledger.tax_lines(rates, &mut item_id);
    let discount: i64 = coupon_lines.iter().map(|c| money(c.get("discount"))).sum();
    let shipping_total: i64 = shipping_lines.iter().map(|l| money(l.get("total"))).sum();
    let fees_total: i64 = fee_lines.iter().map(|l| money(l.get("total"))).sum();
    let items_total: i64 = lines.iter().map(|l| l.total).sum();
    let (cart_tax, shipping_tax) = (ledger.cart_total(), ledger.shipping_total());
    let total = items_total + fees_total + shipping_total + cart_tax + shipping_tax;

    let mut meta: Vec<Value> = Vec::new();
    let given_meta: Vec<Value> = body
        .get("meta_data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    merge_meta(id, &mut meta, &given_meta);
    if origin == Origin::Checkout {
        merge_meta(
            id,
            &mut meta,
            &brazil::checkout_meta(&given_billing, &given_shipping),
        );
    }
    let order_key = format!("wc_order_{}", &oauth::nonce()[..13]);
    let home = ctx.home.as_str();
    let mut order = json!({
        "id": id, "parent_id": 0, "status": status,
        "currency": body.get("currency").cloned().unwrap_or(json!("BRL")),
        "version": ctx.version.as_str(), "prices_include_tax": false,
        "discount_total": format_cents(discount), "discount_tax": "0.00",
        "shipping_total": format_cents(shipping_total), "shipping_tax": format_cents(shipping_tax),
        "cart_tax": format_cents(cart_tax), "total": format_cents(total),
        "total_tax": format_cents(cart_tax + shipping_tax),
        "customer_id": body.get("customer_id").cloned().unwrap_or(json!(0)), "order_key": order_key,
        "billing": billing, "shipping": shipping,
        "payment_method": body.get("payment_method").cloned().unwrap_or(json!("")),
        "payment_method_title": body.get("payment_method_title").cloned().unwrap_or(json!("")),
        "transaction_id": body.get("transaction_id").cloned().unwrap_or(json!("")), "customer_ip_address": "", "customer_user_agent": "",
        "created_via": if origin == Origin::Checkout { "checkout" } else { "rest-api" },
        "customer_note": body.get("customer_note").cloned().unwrap_or(json!("")),
        "date_completed": null, "date_paid": null, "cart_hash": "", "number": id.to_string(),
        "meta_data": meta, "line_items": lines.iter().map(|l| l.json.clone()).collect::<Vec<_>>(),
        "tax_lines": tax_lines, "shipping_lines": shipping_lines, "fee_lines": fee_lines,
        "coupon_lines": coupon_lines, "refunds": [],
        "payment_url": format!("{home}/checkout/order-pay/{id}/?pay_for_order=true&key={order_key}"),
        "date_completed_gmt": null, "date_paid_gmt": null, "currency_symbol": "R$",
        "_links": links(home, &format!("/orders/{id}"), "/orders", None),
    });
    if ctx.brazilian_market {
        brazil::show_fields(&mut order);
    }
    if let Some(customer) = order["customer_id"].as_u64().filter(|c| *c != 0) {
        order["_links"]["customer"] =
            json!([{"href": format!("{home}{PREFIX}/customers/{customer}")}]);
    }
    let now = now_unix();
    set_dates(&mut order, "date_created", now);
    set_dates(&mut order, "date_modified", now);
    if matches!(status.as_str(), "processing" | "completed") {
        set_dates(&mut order, "date_paid", now);
    }
    if status == "completed" {
        set_dates(&mut order, "date_completed", now);
    }
    refresh_order_flags(&mut order);
    state.take_id();
    state.orders.insert(id, order);
    if STOCK_REDUCING_STATUSES.contains(&status.as_str()) {
        let taken: Vec<(u64, i64)> = lines.iter().filter_map(|l| l.stock).collect();
        take_stock(state, id, taken);
    }
    Ok(state.orders[&id].clone())
}

/// Changes the managed stock of `product_id` by `delta`, as `wc_update_product_stock` does.
pub(super) fn move_stock(state: &mut State, product_id: u64, delta: i64) {
    let parent = state.products.get(&product_id).and_then(|p| {
        (p["type"] == "variation")
            .then(|| p["parent_id"].as_u64())
            .flatten()
    });
    if let Some(product) = state.products.get_mut(&product_id) {
        if product["manage_stock"] == true {
            let current = product["stock_quantity"].as_i64().unwrap_or(0);
            product["stock_quantity"] = json!(current + delta);
            set_stock_status(product);
            set_dates(product, "date_modified", now_unix());
        }
    }
    if let Some(parent) = parent {
        refresh_parent_stock(state, parent);
    }
}

/// A variable product is in stock while any of its variations is.
fn refresh_parent_stock(state: &mut State, parent: u64) {
    let in_stock = state
        .products
        .values()
        .filter(|p| p["parent_id"].as_u64() == Some(parent) && p["type"] == "variation")
        .any(|c| c["stock_status"] == "instock");
    if let Some(product) = state.products.get_mut(&parent) {
        if product["type"] == "variable" && product["manage_stock"] != true {
            product["stock_status"] = json!(if in_stock { "instock" } else { "outofstock" });
        }
    }
}

/// Takes an order's stock once (WooCommerce's `_order_stock_reduced`); a second call does
/// nothing until the stock is given back.
fn take_stock(state: &mut State, order_id: u64, lines: Vec<(u64, i64)>) {
    if state.stock_taken.contains_key(&order_id) {
        return;
    }
    for (product_id, quantity) in &lines {
        move_stock(state, *product_id, -quantity);
    }
    state.stock_taken.insert(order_id, lines);
}

/// Gives back what an order took, if it took anything.
fn give_back_stock(state: &mut State, order_id: u64) {
    if let Some(lines) = state.stock_taken.remove(&order_id) {
        for (product_id, quantity) in lines {
            move_stock(state, product_id, quantity);
        }
    }
}

/// What an order's lines would take from stock now.
fn order_stock_lines(state: &State, order: &Value) -> Vec<(u64, i64)> {
    order["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|line| {
            let id = line["variation_id"]
                .as_u64()
                .filter(|v| *v != 0)
                .or_else(|| line["product_id"].as_u64())?;
            let holder = stock_holder(state, state.products.get(&id)?)?;
            Some((holder, line["quantity"].as_i64().unwrap_or(0)))
        })
        .collect()
}

pub(super) fn update_order(
    state: &mut State,
    ctx: &Ctx,
    id: u64,
    body: &Value,
    origin: Origin,
) -> Result<Value, WooError> {
    // WordPress checks the body against the schema before the controller looks the order up.
    let mut new_status = requested_status(state, body.get("status"), origin)?;
    let Some(current) = state.orders.get(&id).map(|o| o["status"].clone()) else {
        return Err(WooError::invalid_id("order", 400));
    };
    // `set_paid` completes the payment of an order still waiting for it.
    let awaiting = matches!(
        current.as_str(),
        Some("pending" | "failed" | "on-hold" | "cancelled")
    );
    if new_status.is_none() && body.get("set_paid") == Some(&json!(true)) && awaiting {
        new_status = Some("processing".to_string());
    }
    let order = state
        .orders
        .get_mut(&id)
        .ok_or_else(|| WooError::invalid_id("order", 400))?;
    for field in [
        "customer_note",
        "payment_method",
        "payment_method_title",
        "transaction_id",
        "currency",
    ] {
        if let Some(value) = body.get(field) {
            order[field] = value.clone();
        }
    }
    for (part, billing) in [("billing", true), ("shipping", false)] {
        if let Some(changes) = body.get(part) {
            update_address(&mut order[part], changes, billing);
        }
    }
    if let Some(entries) = body.get("meta_data").and_then(Value::as_array) {
        let mut meta = order["meta_data"].as_array().cloned().unwrap_or_default();
        merge_meta(id, &mut meta, entries);
        order["meta_data"] = json!(meta);
    }
    if ctx.brazilian_market && (body.get("meta_data").is_some() || body.get("billing").is_some()) {
        brazil::show_fields(order);
    }
    let now = now_unix();
    let changed = new_status
        .as_ref()
        .filter(|status| current.as_str() != Some(status.as_str()))
        .cloned();
    // The status is applied after the other fields, so transitions see the new data.
    if let Some(status) = &new_status {
        if status == "completed" && order["date_completed"].is_null() {
            set_dates(order, "date_completed", now);
        }
        if matches!(status.as_str(), "processing" | "completed") && order["date_paid"].is_null() {
            set_dates(order, "date_paid", now);
        }
        order["status"] = json!(status);
    }
    refresh_order_flags(order);
    set_dates(order, "date_modified", now);
    if let Some(status) = changed {
        if STOCK_REDUCING_STATUSES.contains(&status.as_str()) {
            let lines = order_stock_lines(state, &state.orders[&id]);
            take_stock(state, id, lines);
        } else if STOCK_RESTORING_STATUSES.contains(&status.as_str()) {
            give_back_stock(state, id);
        }
    }
    Ok(state.orders[&id].clone())
}

pub(super) fn list_orders(state: &State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let mut errors = Vec::new();
    let query = listing::read_query(request, &ORDER_ORDERBY, "date", &mut errors);
    // `status` is an array: `status=a,b` or `status[]=a&status[]=b`. WordPress stops at the
    // first item outside the enum and names it by its index.
    let statuses = listing::list_param(request, "status");
    let allowed: Vec<String> = ["any".to_string(), "trash".to_string()]
        .into_iter()
        .chain(state.status_enum())
        .collect();
    if let Some((index, _)) = statuses
        .iter()
        .enumerate()
        .find(|(_, s)| !allowed.contains(s))
    {
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        errors.push(ParamError::not_in_enum(
            "status",
            &format!("status[{index}]"),
            &allowed,
        ));
    }
    check_params(errors)?;
    let customer = request
        .param("customer")
        .and_then(|c| c.parse::<u64>().ok());
    let mut items: Vec<&Value> = state
        .orders
        .values()
        .filter(|o| {
            statuses.is_empty()
                || statuses
                    .iter()
                    .any(|s| (s == "any" && o["status"] != "trash") || o["status"] == s.as_str())
        })
        .filter(|o| customer.is_none_or(|c| o["customer_id"].as_u64() == Some(c)))
        .filter(|o| query.admits(o))
        .collect();
    listing::sort(&mut items, &order_sort(&query), &query);
    listing::paged(&ctx.home, request, &query, items, Value::clone)
}

/// `GET /orders/{id}`.
pub(super) fn get(state: &State, id: u64) -> Reply {
    state
        .orders
        .get(&id)
        .cloned()
        .map(read)
        .ok_or_else(|| WooError::invalid_id("order", 404))
}

/// How the HPOS orders query orders rows, as a real 10.0.2 store showed with 94 orders sharing
/// one created and modified second, read 7, 10 and 25 per page: `modified` sorts on
/// `date_updated_gmt` alone, so ties move between pages (35 to 44 distinct ids of 94); `date` is
/// `date_created_gmt, id` (stable); `title` and `slug` are not columns and are dropped, leaving
/// no ORDER BY: ids ascending in either direction; `include` follows the list given.
fn order_sort(query: &ListQuery) -> Sort {
    match query.orderby.as_str() {
        "id" => Sort::Id,
        "date" => Sort::KeyThenId(listing::created_key),
        "modified" => Sort::KeyOnly(listing::modified_key),
        "include" if !query.include.is_empty() => Sort::Given(query.include.clone()),
        _ => Sort::Table,
    }
}

/// `GET /orders/{id}/notes`: the order's notes, oldest first.
pub(super) fn list_notes(state: &State, order_id: u64) -> Reply {
    if !state.orders.contains_key(&order_id) {
        return Err(WooError::invalid_id("order", 404));
    }
    ok(
        200,
        json!(state.notes.get(&order_id).cloned().unwrap_or_default()),
        0,
    )
}

/// `POST /orders/{id}/notes`.
pub(super) fn create_note(state: &mut State, home: &str, order_id: u64, body: &Value) -> Reply {
    if !state.orders.contains_key(&order_id) {
        return Err(WooError::invalid_id("order", 404));
    }
    let Some(note) = body
        .get("note")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(WooError::new(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): note",
        )
        .with("params", json!(["note"])));
    };
    let id = state.take_id();
    let by_user = body.get("added_by_user") == Some(&json!(true));
    let mut stored = json!({
        "id": id, "author": if by_user { "admin" } else { "system" }, "note": note,
        "customer_note": body.get("customer_note").cloned().unwrap_or(json!(false)),
        "_links": links(home, &format!("/orders/{order_id}/notes/{id}"), &format!("/orders/{order_id}/notes"), Some(format!("/orders/{order_id}"))),
    });
    set_dates(&mut stored, "date_created", now_unix());
    state
        .notes
        .entry(order_id)
        .or_default()
        .push(stored.clone());
    Ok((201, stored, Vec::new(), 1))
}

//! Orders [TN-ORDER]: the shopper's checkout (a control route), reads with their filters, the
//! merchant's `PUT`, and the actions `close`, `open`, `pack`, `fulfill`, `cancel`.
//!
//! An order has three statuses: `status` (open, closed, cancelled), `payment_status` (pending,
//! authorized, paid, abandoned, refunded, voided) and `shipping_status`. The docs list
//! `unpacked`, `unfulfilled` and `fulfilled` for the last one while their examples say
//! `unshipped`/`shipped`; the sandbox uses the listed values: `unpacked` when placed,
//! `unfulfilled` once packed ("packed, not shipped": inference), `fulfilled` once fulfilled.
//!
//! Its shape follows the single-order example (`shared/fixtures/nuvemshop-order.json`): flat
//! `billing_*` fields, a `shipping_address` object, a `customer` object with `identification`
//! (the CPF/CNPJ), `products[]` lines, money as strings, `number` from 100, dates with a
//! `+0000` offset. Both `total`/`total_usd` (the property table) and `price`/`price_usd` (the
//! examples) carry the total.
//!
//! Stock is taken from managed variants when the order is placed (inference: Nuvemshop reserves
//! stock at order creation) and given back by `cancel` with `restock` (true by default).

use serde_json::{json, Map, Value};

use super::errors::NuvemError;
use super::products::{find_sku, find_variant, move_stock, selling_cents};
use super::{format_cents, listing, money, ok, text, Ctx, Reply, State};
use crate::sandbox::server::HttpRequest;

const STATUSES: [&str; 3] = ["open", "closed", "cancelled"];
const PAYMENT_STATUSES: [&str; 6] = [
    "pending",
    "authorized",
    "paid",
    "abandoned",
    "refunded",
    "voided",
];
const SHIPPING_STATUSES: [&str; 3] = ["unpacked", "unfulfilled", "fulfilled"];
const CANCEL_REASONS: [&str; 4] = ["customer", "inventory", "fraud", "other"];

fn not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Order {id} not found"))
}

/// `GET /orders`: `status`, `payment_status`, `shipping_status` (each `any` by default),
/// `created_at_min/max`, `updated_at_min/max` (inclusive: sandbox's choice), `since_id`, `q`
/// (the order number, or the customer's name or e-mail), `customer_ids`, `fields`, paged.
///
/// Newest created first, by id descending: the docs give no order for this list, so the
/// sandbox picks one that is not the modification order (sandbox's choice), and a client
/// cannot come to rely on one.
///
/// Lines show `quantity` as a string here, as the docs' list example does, and as a number in
/// `GET /orders/{id}` (a documented type drift, reproduced).
pub fn list(state: &mut State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let choice = |name: &str, allowed: &[&str]| -> Result<Option<String>, NuvemError> {
        match request.param(name) {
            None | Some("") | Some("any") => Ok(None),
            Some(value) if allowed.contains(&value) => Ok(Some(value.to_string())),
            Some(_) => Err(NuvemError::field(name, "is invalid")),
        }
    };
    let status = choice("status", &STATUSES)?;
    let payment = choice("payment_status", &PAYMENT_STATUSES)?;
    let shipping = choice("shipping_status", &SHIPPING_STATUSES)?;
    let since = listing::since_id(request)?;
    let created = (
        listing::date_param(request, "created_at_min")?,
        listing::date_param(request, "created_at_max")?,
    );
    let updated = (
        listing::date_param(request, "updated_at_min")?,
        listing::date_param(request, "updated_at_max")?,
    );
    let q = request
        .param("q")
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty());
    let customers: Option<Vec<u64>> = request.param("customer_ids").map(|ids| {
        ids.split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect()
    });
    let is = |order: &Value, field: &str, want: &Option<String>| {
        want.as_deref()
            .is_none_or(|w| order[field].as_str() == Some(w))
    };
    let items = state
        .orders
        .iter()
        .rev()
        .filter(|(id, _)| since.is_none_or(|s| **id > s))
        .map(|(_, o)| o)
        .filter(|o| is(o, "status", &status))
        .filter(|o| is(o, "payment_status", &payment))
        .filter(|o| is(o, "shipping_status", &shipping))
        .filter(|o| listing::within(&o["created_at"], created.0, created.1))
        .filter(|o| listing::within(&o["updated_at"], updated.0, updated.1))
        .filter(|o| {
            customers.as_ref().is_none_or(|ids| {
                o["customer"]["id"]
                    .as_u64()
                    .is_some_and(|c| ids.contains(&c))
            })
        })
        .filter(|o| q.as_deref().is_none_or(|q| matches_query(o, q)))
        .map(listed)
        .collect();
    listing::page(request, items, &ctx.home, ctx.last_page_404)
}

fn matches_query(order: &Value, q: &str) -> bool {
    order["number"].as_u64().is_some_and(|n| n.to_string() == q)
        || ["name", "email"].iter().any(|field| {
            order["customer"][field]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains(q))
        })
}

/// An order as the list shows it: each line's `quantity` a string.
fn listed(order: &Value) -> Value {
    let mut order = order.clone();
    for line in order["products"].as_array_mut().into_iter().flatten() {
        let quantity = line["quantity"].to_string();
        line["quantity"] = json!(quantity);
    }
    order
}

pub fn get(state: &mut State, request: &HttpRequest, id: u64) -> Reply {
    let order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    ok(listing::select(order, listing::fields(request).as_deref()))
}

/// `PUT /orders/{id}`: `owner_note`, and `status`, loosely as documented: the docs' example sends
/// `"status": "paid"` and answers `payment_status: "paid"`, so a payment status sets
/// `payment_status`; `open` and `closed` set `status`; `cancelled` is refused (use `cancel`,
/// sandbox's choice). Fires `order/updated` (and `order/paid` when it becomes paid).
pub fn update(state: &mut State, id: u64, body: &Value) -> Reply {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let mut order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    let now = state.stamp();
    if let Some(note) = input.get("owner_note") {
        if !(note.is_string() || note.is_null()) {
            return Err(NuvemError::field("owner_note", "must be a string"));
        }
        order["owner_note"] = note.clone();
    }
    let mut paid = false;
    if let Some(status) = input.get("status") {
        match status.as_str() {
            Some(s) if PAYMENT_STATUSES.contains(&s) => {
                paid = set_payment(&mut order, s, &now);
            }
            Some("open") if order["status"] != "cancelled" => {
                order["status"] = json!("open");
                order["closed_at"] = Value::Null;
            }
            Some("closed") if order["status"] != "cancelled" => {
                order["status"] = json!("closed");
                order["closed_at"] = json!(now);
            }
            Some("open" | "closed") => {
                return Err(NuvemError::unprocessable(
                    "A cancelled order cannot be reopened or closed",
                ))
            }
            Some("cancelled") => {
                return Err(NuvemError::unprocessable(
                    "Cancel an order with POST /orders/{id}/cancel",
                ))
            }
            _ => return Err(NuvemError::field("status", "is invalid")),
        }
    }
    order["updated_at"] = json!(now);
    state.orders.insert(id, order.clone());
    if paid {
        state.event("order/paid", id);
    }
    state.event("order/updated", id);
    ok(order)
}

/// Sets `payment_status` (and `paid_at` when it becomes paid); whether it became paid.
fn set_payment(order: &mut Value, status: &str, now: &str) -> bool {
    let became_paid = status == "paid" && order["payment_status"] != "paid";
    order["payment_status"] = json!(status);
    if became_paid {
        order["paid_at"] = json!(now);
    }
    became_paid
}

/// The actions. Each answers the whole order, moves `updated_at` and fires its webhook
/// (`close` and `open` fire `order/updated`: there is no event of their own). One that makes
/// no sense for the order's state is a 422 `{code, message, description}` (sandbox's words).
pub fn act(state: &mut State, id: u64, action: &str, body: &Value) -> Reply {
    let input = body.as_object().cloned().unwrap_or_default();
    let mut order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    let now = state.stamp();
    let status = order["status"].as_str().unwrap_or("open").to_string();
    let shipping = order["shipping_status"]
        .as_str()
        .unwrap_or("unpacked")
        .to_string();
    let refuse = |why: &str| Err(NuvemError::unprocessable(why.to_string()));
    let event = match action {
        "close" => {
            match status.as_str() {
                "closed" => return refuse("The order is already closed"),
                "cancelled" => return refuse("A cancelled order cannot be closed"),
                _ => {}
            }
            order["status"] = json!("closed");
            order["closed_at"] = json!(now);
            "order/updated"
        }
        "open" => {
            match status.as_str() {
                "open" => return refuse("The order is already open"),
                "cancelled" => return refuse("A cancelled order cannot be reopened"),
                _ => {}
            }
            order["status"] = json!("open");
            order["closed_at"] = Value::Null;
            "order/updated"
        }
        "pack" => {
            if status == "cancelled" {
                return refuse("A cancelled order cannot be packed");
            }
            if shipping != "unpacked" {
                return refuse("The order is already packed");
            }
            order["shipping_status"] = json!("unfulfilled");
            "order/packed"
        }
        "fulfill" => {
            if status == "cancelled" {
                return refuse("A cancelled order cannot be fulfilled");
            }
            if shipping == "fulfilled" {
                return refuse("The order is already fulfilled");
            }
            for field in ["shipping_tracking_number", "shipping_tracking_url"] {
                match input.get(field) {
                    None => {}
                    Some(value) if value.is_string() || value.is_null() => {
                        order[field] = value.clone()
                    }
                    Some(_) => return Err(NuvemError::field(field, "must be a string")),
                }
            }
            if input
                .get("notify_customer")
                .is_some_and(|n| !n.is_boolean())
            {
                return Err(NuvemError::field(
                    "notify_customer",
                    "must be true or false",
                ));
            }
            order["shipping_status"] = json!("fulfilled");
            order["shipped_at"] = json!(now);
            "order/fulfilled"
        }
        _ => {
            if status == "cancelled" {
                return refuse("The order is already cancelled");
            }
            // `reason` is `other` when not given (sandbox's choice).
            let reason = match input.get("reason") {
                None | Some(Value::Null) => "other",
                Some(Value::String(r)) if CANCEL_REASONS.contains(&r.as_str()) => r.as_str(),
                Some(other) => {
                    return refuse(&format!(
                        "Invalid cancel reason {other}: use customer, inventory, fraud or other"
                    ))
                }
            };
            let flag = |name: &str| -> Result<bool, NuvemError> {
                match input.get(name) {
                    None | Some(Value::Null) => Ok(true),
                    Some(Value::Bool(b)) => Ok(*b),
                    Some(_) => Err(NuvemError::field(name, "must be true or false")),
                }
            };
            let (_email, restock) = (flag("email")?, flag("restock")?);
            order["status"] = json!("cancelled");
            order["cancel_reason"] = json!(reason);
            order["cancelled_at"] = json!(now);
            if restock {
                for (pid, vid, quantity) in state.stock_taken.remove(&id).unwrap_or_default() {
                    move_stock(state, pid, vid, quantity);
                }
            }
            "order/cancelled"
        }
    };
    order["updated_at"] = json!(now);
    state.orders.insert(id, order.clone());
    state.event(event, id);
    ok(order)
}

/// Places an order as a shopper would at checkout, through the storefront (the control route
/// `POST /__sandbox/orders`):
///
/// `{products: [{variant_id | sku, quantity, price?}], customer: {name, email, identification
/// (or document), phone}, payment_status? (pending), gateway?, billing_*?, shipping_address?,
/// shipping_cost_customer?, discount?, note?, shipping_option?}`.
///
/// Prices come from the catalog (the promotional price when there is one) unless given. Stock
/// is taken from managed variants, and an order asking for more than a managed variant has is
/// refused (sandbox's choice, as a storefront would). Fires `order/created`, and `order/paid`
/// when placed paid.
pub fn place(state: &mut State, body: &Value) -> Result<Value, NuvemError> {
    place_as(state, body, true, "store")
}

/// `POST /orders`, an order created by an app [TN-ORDER POST]: `products[{variant_id, quantity,
/// price?}]`, `customer` (with `document` for the CPF/CNPJ), `billing_address` and
/// `shipping_address` objects (`first_name`, `last_name`, `address`, `number`...), `gateway`,
/// `payment_status`, `inventory_behaviour`: `bypass` (the default: no stock claimed) or `claim`.
/// The docs' other required fields (`shipping_pickup_type`, `shipping`, `shipping_option`,
/// `shipping_cost_customer`) are read when given but not required (sandbox's choice).
/// Its `storefront` is `api`. Fires `order/created`.
pub fn create(state: &mut State, body: &Value) -> Reply {
    let mut input = body
        .as_object()
        .cloned()
        .ok_or_else(NuvemError::invalid_input)?;
    let claim = match input.get("inventory_behaviour").and_then(Value::as_str) {
        None | Some("bypass") => false,
        Some("claim") => true,
        Some(_) => return Err(NuvemError::field("inventory_behaviour", "is invalid")),
    };
    let full_name = |address: &Map<String, Value>| {
        let part = |k: &str| {
            address
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        format!("{} {}", part("first_name"), part("last_name"))
            .trim()
            .to_string()
    };
    if let Some(Value::Object(address)) = input.remove("billing_address") {
        let name = full_name(&address);
        for (key, value) in address {
            if !matches!(key.as_str(), "first_name" | "last_name") {
                input.insert(format!("billing_{key}"), value);
            }
        }
        input.insert("billing_name".into(), json!(name));
    }
    if let Some(Value::Object(mut address)) = input.remove("shipping_address") {
        let name = full_name(&address);
        address.remove("first_name");
        address.remove("last_name");
        address.insert("name".into(), json!(name));
        input.insert("shipping_address".into(), Value::Object(address));
    }
    let mut order = place_as(state, &Value::Object(input.clone()), claim, "api")?;
    let id = order["id"].as_u64().unwrap_or(0);
    for field in ["currency", "language"] {
        if let Some(value) = input.get(field).filter(|v| v.is_string()) {
            order[field] = value.clone();
        }
    }
    if let Some(status) = input.get("status").and_then(Value::as_str) {
        if STATUSES.contains(&status) && status != "cancelled" {
            order["status"] = json!(status);
        }
    }
    state.orders.insert(id, order.clone());
    Ok((201, order, Vec::new()))
}

fn place_as(
    state: &mut State,
    body: &Value,
    claim: bool,
    storefront: &str,
) -> Result<Value, NuvemError> {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let items = input
        .get("products")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| NuvemError::field("products", "can't be blank"))?;
    let mut lines = Vec::new();
    let mut takes = Vec::new();
    let (mut subtotal, mut weight) = (0i64, 0f64);
    for item in items {
        let found = match (
            item.get("variant_id"),
            item.get("sku").and_then(Value::as_str),
        ) {
            (Some(v), _) => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .and_then(|v| find_variant(state, v)),
            (None, Some(sku)) => find_sku(state, sku),
            (None, None) => None,
        };
        let (product, variant) =
            found.ok_or_else(|| NuvemError::field("products", "variant not found"))?;
        let quantity = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| *q >= 1)
            .ok_or_else(|| NuvemError::field("quantity", "must be a positive integer"))?;
        let price = match item.get("price") {
            Some(p) => money(p)
                .ok()
                .flatten()
                .ok_or_else(|| NuvemError::field("price", "must be a number"))?,
            None => selling_cents(variant),
        };
        let (pid, vid) = (
            product["id"].as_u64().unwrap_or(0),
            variant["id"].as_u64().unwrap_or(0),
        );
        if claim && variant["stock_management"] == json!(true) {
            let stock = variant["stock"].as_i64().unwrap_or(0);
            let already: i64 = takes
                .iter()
                .filter(|(_, v, _)| *v == vid)
                .map(|(_, _, q)| q)
                .sum();
            if stock < already + quantity {
                return Err(NuvemError::unprocessable(format!(
                    "Not enough stock for variant {vid}: {stock} left"
                )));
            }
            takes.push((pid, vid, quantity));
        }
        let values: Vec<String> = variant["values"]
            .as_array()
            .map(|v| v.iter().map(text).collect())
            .unwrap_or_default();
        let mut name = text(&product["name"]);
        if !values.is_empty() {
            name = format!("{name} ({})", values.join(", "));
        }
        subtotal += price * quantity;
        weight += variant["weight"]
            .as_str()
            .and_then(|w| w.parse::<f64>().ok())
            .unwrap_or(0.0)
            * quantity as f64;
        let image = product["images"]
            .as_array()
            .and_then(|i| i.first())
            .map(|i| json!({"id": i["id"], "src": i["src"], "position": i["position"], "product_id": pid}));
        lines.push(json!({
            "id": 0,
            "product_id": pid,
            "variant_id": vid,
            "name": name,
            "price": format_cents(price),
            "compare_at_price": variant["price"],
            "quantity": quantity,
            "sku": variant["sku"],
            "barcode": variant["barcode"],
            "variant_values": values,
            "weight": variant["weight"],
            "width": variant["width"],
            "height": variant["height"],
            "depth": variant["depth"],
            "free_shipping": product["free_shipping"],
            "image": image,
            "properties": [],
        }));
    }
    for line in &mut lines {
        line["id"] = json!(state.take_id());
    }
    let payment_status = match input.get("payment_status").and_then(Value::as_str) {
        None => "pending",
        Some(s) if PAYMENT_STATUSES.contains(&s) => s,
        Some(_) => return Err(NuvemError::field("payment_status", "is invalid")),
    };
    let cents = |field: &str| -> Result<i64, NuvemError> {
        match input.get(field) {
            None => Ok(0),
            Some(v) => money(v)
                .ok()
                .map(Option::unwrap_or_default)
                .ok_or_else(|| NuvemError::field(field, "must be a number")),
        }
    };
    let (shipping_cost, discount) = (cents("shipping_cost_customer")?, cents("discount")?);
    let total = subtotal - discount + shipping_cost;
    let now = state.stamp();
    let customer = customer(state, input.get("customer"), &now)?;
    let id = state.take_id();
    let number = state.next_number;
    state.next_number += 1;
    let given = |field: &str| input.get(field).cloned();
    let billing =
        |field: &str, default: Value| given(&format!("billing_{field}")).unwrap_or(default);
    let billing_name = billing("name", customer["name"].clone());
    let billing_phone = billing("phone", customer["phone"].clone());
    let mut shipping_address = json!({
        "name": billing_name,
        "address": billing("address", json!("Rua Augusta")),
        "number": billing("number", json!("1500")),
        "floor": billing("floor", Value::Null),
        "locality": billing("locality", json!("Consolação")),
        "city": billing("city", json!("São Paulo")),
        "province": billing("province", json!("São Paulo")),
        "zipcode": billing("zipcode", json!("01304001")),
        "country": billing("country", json!("BR")),
        "phone": billing_phone,
        "customs": null,
        "created_at": now,
        "updated_at": now,
        "default": true,
        "id": id,
    });
    if let Some(Value::Object(address)) = given("shipping_address") {
        for (key, value) in address {
            shipping_address[key] = value;
        }
    }
    let gateway = given("gateway").unwrap_or(json!("offline"));
    let token = crate::platform::oauth::nonce();
    let mut order = json!({
        "id": id,
        "token": format!("{token}{}", &token[..8]),
        "number": number,
        "name": format!("#{number}"),
        "contact_email": customer["email"],
        "contact_name": customer["name"],
        "contact_phone": customer["phone"],
        "contact_identification": customer["identification"],
        "shipping_min_days": 2,
        "shipping_max_days": 5,
        "billing_name": billing_name,
        "billing_phone": billing_phone,
        "billing_address": shipping_address["address"].clone(),
        "billing_number": shipping_address["number"].clone(),
        "billing_floor": billing("floor", Value::Null),
        "billing_locality": billing("locality", json!("Consolação")),
        "billing_zipcode": billing("zipcode", json!("01304001")),
        "billing_city": billing("city", json!("São Paulo")),
        "billing_province": billing("province", json!("São Paulo")),
        "billing_country": billing("country", json!("BR")),
        "billing_default": true,
        "shipping_cost_owner": format_cents(shipping_cost),
        "shipping_cost_customer": format_cents(shipping_cost),
        "coupon": given("coupon").unwrap_or(json!([])),
        "subtotal": format_cents(subtotal),
        "discount": format_cents(discount),
        "discount_coupon": "0.00",
        "discount_gateway": "0.00",
        "total": format_cents(total),
        "total_usd": format_cents(total * 100 / 500),
        "price": format_cents(total),
        "price_usd": format_cents(total * 100 / 500),
        "weight": format!("{weight:.3}"),
        "currency": "BRL",
        "language": super::LANGUAGE,
        "gateway": gateway,
        "gateway_id": given("gateway_id").unwrap_or(Value::Null),
        "gateway_name": given("gateway_name").unwrap_or(gateway_name(&gateway)),
        "payment_details": {"method": given("payment_method").unwrap_or(json!("pix")), "credit_card_company": null, "installments": "1"},
        "shipping": given("shipping").unwrap_or(json!("correios")),
        "shipping_option": given("shipping_option").unwrap_or(json!("Correios - PAC")),
        "shipping_option_code": "correios-pac",
        "shipping_option_reference": null,
        "shipping_pickup_type": "ship",
        "shipping_store_branch_name": null,
        "shipping_tracking_number": null,
        "shipping_tracking_url": null,
        "shipping_address": shipping_address,
        "extra": {},
        "storefront": storefront,
        "landing_site": "https://loja-sandbox.lojavirtualnuvem.com.br/",
        "location_id": null,
        "note": given("note").unwrap_or(Value::Null),
        "owner_note": null,
        "next_action": "noop",
        "status": "open",
        "payment_status": payment_status,
        "shipping_status": "unpacked",
        "cancel_reason": null,
        "created_at": now,
        "updated_at": now,
        "paid_at": if payment_status == "paid" { json!(now) } else { Value::Null },
        "closed_at": null,
        "cancelled_at": null,
        "shipped_at": null,
        "client_details": {"browser_ip": "127.0.0.1", "user_agent": "Mozilla/5.0 (sandbox)"},
        "app_id": null,
        "customer": customer,
        "products": lines,
    });
    if let Some(Value::Object(extra)) = given("extra") {
        order["extra"] = Value::Object(extra);
    }
    for (pid, vid, quantity) in &takes {
        move_stock(state, *pid, *vid, -quantity);
    }
    state.stock_taken.insert(id, takes);
    if let Some(stored) = state.customers.get_mut(&customer_id(&order)) {
        stored["last_order_id"] = json!(id);
    }
    order["customer"]["last_order_id"] = json!(id);
    state.orders.insert(id, order.clone());
    state.event("order/created", id);
    if payment_status == "paid" {
        state.event("order/paid", id);
    }
    Ok(order)
}

fn customer_id(order: &Value) -> u64 {
    order["customer"]["id"].as_u64().unwrap_or(0)
}

fn gateway_name(gateway: &Value) -> Value {
    match gateway.as_str() {
        Some("offline") => json!("Pagamento na entrega"),
        Some("pagseguro") => json!("PagSeguro"),
        Some("mercadopago") => json!("Mercado Pago"),
        Some(other) => json!(other),
        None => Value::Null,
    }
}

/// The order's customer: the store's customer with that e-mail, or a new one.
fn customer(state: &mut State, given: Option<&Value>, now: &str) -> Result<Value, NuvemError> {
    let given: Map<String, Value> = given
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let field = |name: &str| given.get(name).cloned().unwrap_or(Value::Null);
    let email = field("email");
    if email.as_str().is_none_or(|e| !e.contains('@')) {
        return Err(NuvemError::field("customer.email", "is invalid"));
    }
    let identification = given
        .get("identification")
        .or_else(|| given.get("document"))
        .cloned()
        .unwrap_or(Value::Null);
    let existing = state
        .customers
        .values()
        .find(|c| c["email"] == email)
        .and_then(|c| c["id"].as_u64());
    let id = existing.unwrap_or_else(|| state.take_id());
    let stored = state.customers.entry(id).or_insert_with(|| {
        json!({"id": id, "created_at": now, "total_spent": "0.00", "total_spent_currency": "BRL",
               "last_order_id": null, "note": null, "active": true, "accepts_marketing": false})
    });
    stored["name"] = field("name");
    stored["email"] = email;
    stored["identification"] = identification;
    stored["phone"] = field("phone");
    stored["updated_at"] = json!(now);
    Ok(stored.clone())
}

/// Changes an order as the shopper, the gateway or the merchant would (the control route
/// `PATCH /__sandbox/orders/{id}`): `payment_status`, `status`, `shipping_status`, `owner_note`,
/// `note`; and, to stage a test, `created_at` or `updated_at` as given (any ISO 8601). Moves
/// `updated_at` unless it is given; fires `order/paid` when it becomes paid, else
/// `order/updated`.
pub fn change(state: &mut State, id: u64, changes: &Value) -> Result<Value, NuvemError> {
    let input = changes.as_object().ok_or_else(NuvemError::invalid_input)?;
    let mut order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    let now = state.stamp();
    let mut paid = false;
    for (field, allowed) in [
        ("payment_status", &PAYMENT_STATUSES[..]),
        ("status", &STATUSES[..]),
        ("shipping_status", &SHIPPING_STATUSES[..]),
    ] {
        if let Some(value) = input.get(field) {
            let value = value
                .as_str()
                .filter(|v| allowed.contains(v))
                .ok_or_else(|| NuvemError::field(field, "is invalid"))?;
            if field == "payment_status" {
                paid = set_payment(&mut order, value, &now);
            } else {
                order[field] = json!(value);
            }
        }
    }
    for field in ["owner_note", "note"] {
        if let Some(value) = input.get(field) {
            order[field] = value.clone();
        }
    }
    order["updated_at"] = json!(now);
    for field in ["created_at", "updated_at"] {
        if let Some(value) = input.get(field) {
            let unix = value
                .as_str()
                .and_then(super::parse_time)
                .ok_or_else(|| NuvemError::field(field, "is not a date"))?;
            order[field] = json!(super::stamp(unix));
        }
    }
    state.orders.insert(id, order.clone());
    state.event(if paid { "order/paid" } else { "order/updated" }, id);
    Ok(order)
}

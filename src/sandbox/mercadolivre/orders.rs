//! Orders (`MERCADOLIVRE.md` §6): `GET /orders/{id}`, the seller's search `GET /orders/search`,
//! notes, and the changes a buyer, Mercado Pago or Mercado Livre make (a test control).
//!
//! An order is one item line; a cart of several is a pack of orders (`carts`). Its shape is the
//! docs' order (`derived/mercadolivre-order.json`) with the search result's extra keys, so one
//! shape serves both; search results also carry `date_last_updated`, the same instant as
//! `last_updated` written in UTC (sandbox choice: the docs' example shows two different times
//! and does not say how they differ).
//!
//! Notes: the docs name the resource (`/orders/{id}/notes`) but not its bodies; the shapes here
//! are the sandbox's choice.

use serde_json::{json, Value};

use super::carts::{add_tag, pay};
use super::errors::MlError;
use super::items;
use super::{local_time, numeric, ok, pack_time, parse_time, utc_time, MlOptions, Reply, State};
use crate::sandbox::server::HttpRequest;

/// The order statuses of §6.3.
pub const STATUSES: [&str; 9] = [
    "confirmed",
    "payment_required",
    "payment_in_process",
    "partially_paid",
    "paid",
    "partially_refunded",
    "pending_cancel",
    "cancelled",
    "invalid",
];
/// Shipment statuses of §6.6 that `change` may set.
const SHIPMENT_STATUSES: [&str; 8] = [
    "pending",
    "handling",
    "ready_to_ship",
    "shipped",
    "delivered",
    "not_delivered",
    "not_verified",
    "cancelled",
];
/// The search's page size: 50 by default, and at most (sandbox choice: the docs show 50 and no
/// bound).
const SEARCH_LIMIT_MAX: usize = 50;
/// The longest note (sandbox choice).
const NOTE_MAX_CHARS: usize = 3000;

fn not_found(id: u64) -> MlError {
    MlError::new(404, "order_not_found", format!("Order {id} not found"))
}

/// The order `segment` names, if it is this seller's: 400 `invalid_order_id` for an id that is
/// not a number, 404 `order_not_found`, 403 `not_owned_order` [ML-ORDERS-BR].
fn own_order(state: &State, ctx: &MlOptions, segment: &str) -> Result<(u64, Value), MlError> {
    let id = numeric(segment).ok_or_else(|| {
        MlError::new(
            400,
            "invalid_order_id",
            format!("Invalid order id {segment}"),
        )
    })?;
    let order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    if order["seller"]["id"].as_u64() != Some(ctx.seller_id) {
        return Err(MlError::new(
            403,
            "not_owned_order",
            format!(
                "The order {id} does not belong to the caller {}",
                ctx.seller_id
            ),
        ));
    }
    Ok((id, order))
}

pub fn get(state: &mut State, ctx: &MlOptions, id: &str) -> Reply {
    own_order(state, ctx, id).map(|(_, order)| (200, order))
}

/// A time filter's bound as the docs say the API reads it: "uses up to the hour and discards
/// the minutes, seconds and milliseconds" [ML-ORDERS-BR], in the offset it was written in.
/// `14:37:12.345-04:00` is `14:00:00.000-04:00`.
pub fn hour_floor(text: &str) -> Option<i64> {
    let instant = parse_time(text)?;
    let wall = crate::time::parse(text.trim().get(..19)?)?;
    Some(wall - wall.rem_euclid(3600) + (instant - wall))
}

/// The instant an order is sorted by: `date_closed`, or `date_created` while it has none.
fn sort_time(order: &Value) -> i64 {
    order["date_closed"]
        .as_str()
        .or_else(|| order["date_created"].as_str())
        .and_then(parse_time)
        .unwrap_or(0)
}

/// `GET /orders/search?seller=ID`: `order.status` (a comma list), `tags` (every one),
/// `tags.not`, `q` (an order or pack id), `order.date_last_updated.from|to`,
/// `order.date_created.from|to` and `order.date_closed.from|to` (bounds truncated to the hour,
/// both inclusive), `sort` `date_asc` (the default) or `date_desc` by `date_closed` (falling
/// back to `date_created`, then the id), `offset`, `limit` (50, at most 50). Full orders in
/// `results`, each with `date_last_updated` in UTC.
pub fn search(state: &mut State, ctx: &MlOptions, request: &HttpRequest) -> Reply {
    let seller = request
        .param("seller")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| MlError::bad_request("The parameter seller is required"))?;
    if seller != ctx.seller_id.to_string() {
        return Err(MlError::forbidden(format!(
            "The caller {} cannot search the orders of seller {seller}",
            ctx.seller_id
        )));
    }
    let number = |name: &str, default: usize| -> Result<usize, MlError> {
        match request.param(name) {
            None | Some("") => Ok(default),
            Some(text) => text.trim().parse().map_err(|_| {
                MlError::bad_request(format!("The parameter {name} must be a number: {text}"))
            }),
        }
    };
    let limit = number("limit", SEARCH_LIMIT_MAX)?;
    if limit > SEARCH_LIMIT_MAX {
        return Err(MlError::bad_request(format!(
            "The limit must be {SEARCH_LIMIT_MAX} or less"
        )));
    }
    let offset = number("offset", 0)?;
    let descending = match request.param("sort").unwrap_or("date_asc") {
        "date_asc" | "" => false,
        "date_desc" => true,
        other => return Err(MlError::bad_request(format!("Unknown sort {other}"))),
    };
    let mut windows = Vec::new();
    for (filter, field) in [
        ("order.date_last_updated", "last_updated"),
        ("order.date_created", "date_created"),
        ("order.date_closed", "date_closed"),
    ] {
        let bound = |end: &str| -> Result<Option<i64>, MlError> {
            let name = format!("{filter}.{end}");
            match request.param(&name).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => hour_floor(text).map(Some).ok_or_else(|| {
                    MlError::bad_request(format!("The parameter {name} is not a date: {text}"))
                }),
            }
        };
        let (from, to) = (bound("from")?, bound("to")?);
        if from.is_some() || to.is_some() {
            windows.push((field, from, to));
        }
    }
    let list = |name: &str| -> Vec<String> {
        request
            .param(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (statuses, tags, not_tags) = (list("order.status"), list("tags"), list("tags.not"));
    let query = request.param("q").filter(|q| !q.is_empty());
    let has_tag = |order: &Value, tag: &str| {
        order["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == tag))
    };
    let mut found: Vec<&Value> = state
        .orders
        .values()
        .filter(|o| o["seller"]["id"].as_u64() == Some(ctx.seller_id))
        .filter(|o| statuses.is_empty() || statuses.iter().any(|s| o["status"] == s.as_str()))
        .filter(|o| tags.iter().all(|t| has_tag(o, t)))
        .filter(|o| !not_tags.iter().any(|t| has_tag(o, t)))
        .filter(|o| {
            query.is_none_or(|q| {
                let is = |key: &str| o[key].as_u64().is_some_and(|n| n.to_string() == q);
                is("id") || is("pack_id")
            })
        })
        .filter(|o| {
            windows.iter().all(|(field, from, to)| {
                o[*field]
                    .as_str()
                    .and_then(parse_time)
                    .is_some_and(|t| from.is_none_or(|f| t >= f) && to.is_none_or(|end| t <= end))
            })
        })
        .collect();
    found.sort_by_key(|o| (sort_time(o), o["id"].as_u64().unwrap_or(0)));
    if descending {
        found.reverse();
    }
    let total = found.len();
    let results: Vec<Value> = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|order| {
            let mut order = order.clone();
            let updated = order["last_updated"].as_str().and_then(parse_time);
            order["date_last_updated"] = json!(updated.map(utc_time));
            order
        })
        .collect();
    let (asc, desc) = (
        json!({"id": "date_asc", "name": "Date ascending"}),
        json!({"id": "date_desc", "name": "Date descending"}),
    );
    let (sort, other) = if descending { (desc, asc) } else { (asc, desc) };
    ok(json!({
        "query": query,
        "results": results,
        "sort": sort,
        "available_sorts": [other],
        "filters": [],
        "paging": {"total": total, "offset": offset, "limit": limit},
        "display": "complete",
    }))
}

/// `GET /orders/{id}/notes` → `[{"order_id": id, "results": [{id, note, date_created,
/// date_last_updated}]}]`.
pub fn notes(state: &mut State, ctx: &MlOptions, id: &str) -> Reply {
    let (id, _) = own_order(state, ctx, id)?;
    let results = state.notes.get(&id).cloned().unwrap_or_default();
    ok(json!([{"order_id": id, "results": results}]))
}

/// `POST /orders/{id}/notes` `{"note": text}` (1 to 3000 characters) → 201
/// `{"note": {id, note, date_created}}`. Changes nothing else of the order.
pub fn add_note(state: &mut State, ctx: &MlOptions, id: &str, body: &Value) -> Reply {
    let (id, _) = own_order(state, ctx, id)?;
    let text = body["note"].as_str().unwrap_or_default();
    let length = text.chars().count();
    if text.trim().is_empty() || length > NOTE_MAX_CHARS {
        return Err(MlError::bad_request(format!(
            "The note must have from 1 to {NOTE_MAX_CHARS} characters, and has {length}"
        )));
    }
    let note_id = crate::platform::oauth::nonce()[..24].to_string();
    let now = local_time(state.now());
    state.notes.entry(id).or_default().push(json!({
        "id": note_id, "note": text, "date_created": now, "date_last_updated": now,
    }));
    Ok((
        201,
        json!({"note": {"id": note_id, "note": text, "date_created": now}}),
    ))
}

/// Changes an order as the buyer, Mercado Pago or Mercado Livre would:
/// - `status`: one of §6.3's. `paid` adds an approved payment, the `paid` tag and
///   `date_closed`; `cancelled` fills `cancel_detail`, refunds the payments and gives the stock
///   back. A cancelled order is final (sandbox choice).
/// - `status_detail`; `tags_add`, `tags_remove` (such as `fraud_risk_detected`);
/// - `shipment_status`: the cart's shipment (`shipped`, `delivered`...); `delivered` turns the
///   tag `not_delivered` into `delivered` on every order it carries.
///
/// Moves `last_updated` (and its pack's) and notifies `orders_v2`.
pub fn change(state: &mut State, id: u64, changes: &Value) -> Result<Value, String> {
    let input = changes.as_object().ok_or(
        "changes are an object: {status, status_detail, tags_add, tags_remove, shipment_status}",
    )?;
    let mut order = state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| format!("no order {id}"))?;
    // Everything is checked before anything changes.
    let status = match input.get("status") {
        None => None,
        Some(status) => Some(
            status
                .as_str()
                .filter(|s| STATUSES.contains(s))
                .ok_or_else(|| format!("status is one of {STATUSES:?}, not {status}"))?,
        ),
    };
    let shipment_status = match input.get("shipment_status") {
        None => None,
        Some(status) => Some(
            status
                .as_str()
                .filter(|s| SHIPMENT_STATUSES.contains(s))
                .ok_or_else(|| format!("shipment_status is one of {SHIPMENT_STATUSES:?}"))?,
        ),
    };
    let current = order["status"].as_str().unwrap_or_default().to_string();
    if current == "cancelled" && status.is_some_and(|s| s != "cancelled") {
        return Err(format!("order {id} is cancelled, which is final"));
    }
    let now = state.now();
    if let Some(status) = status {
        if status == "paid" && current != "paid" {
            pay(state, &mut order, now);
        }
        if status == "cancelled" && current != "cancelled" {
            cancel(state, &mut order, now);
        }
        order["status"] = json!(status);
    }
    if let Some(detail) = input.get("status_detail") {
        order["status_detail"] = detail.clone();
    }
    for tag in strings(input.get("tags_add")) {
        add_tag(&mut order, &tag);
    }
    let removed = strings(input.get("tags_remove"));
    if let Some(tags) = order["tags"].as_array_mut() {
        tags.retain(|t| !removed.iter().any(|r| t == r.as_str()));
    }
    let mut touched = vec![id];
    if let Some(status) = shipment_status {
        state.orders.insert(id, order.clone());
        touched = move_shipment(state, &order, status, now);
        order = state.orders.get(&id).cloned().unwrap_or(order);
    }
    state.orders.insert(id, order);
    for touched_id in touched {
        touch(state, touched_id, now);
    }
    state
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(|| format!("no order {id}"))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

/// Moves an order's `last_updated` and its pack's, and notifies `orders_v2`.
fn touch(state: &mut State, id: u64, now: i64) {
    let Some(order) = state.orders.get_mut(&id) else {
        return;
    };
    order["last_updated"] = json!(local_time(now));
    let seller = order["seller"]["id"].as_u64().unwrap_or(0);
    if let Some(pack) = order["pack_id"]
        .as_u64()
        .and_then(|p| state.packs.get_mut(&p))
    {
        pack["last_updated"] = json!(pack_time(now));
    }
    state.event("orders_v2", format!("/orders/{id}"), seller);
}

/// Cancels an order: `cancel_detail`, refunded payments, the stock given back, and its shipment
/// cancelled once every order on it is.
fn cancel(state: &mut State, order: &mut Value, now: i64) {
    order["cancel_detail"] = json!({
        "group": "buyer",
        "code": "buyer_cancel_order",
        "description": "The buyer cancelled the order",
        "requested_by": "buyer",
        "date": local_time(now),
        "application_id": null,
    });
    for payment in order["payments"].as_array_mut().into_iter().flatten() {
        if payment["status"] == "approved" {
            payment["status"] = json!("refunded");
            payment["status_detail"] = json!("refunded");
            payment["transaction_amount_refunded"] = payment["transaction_amount"].clone();
            payment["date_last_modified"] = json!(local_time(now));
        }
    }
    for line in order["order_items"].as_array().cloned().unwrap_or_default() {
        let quantity = line["quantity"].as_i64().unwrap_or(0);
        items::move_stock(
            state,
            line["item"]["id"].as_str().unwrap_or_default(),
            line["item"]["variation_id"].as_u64(),
            -quantity,
        );
    }
    let shipment_id = order["shipping"]["id"].as_u64();
    let order_id = order["id"].as_u64();
    let others_live = state.orders.values().any(|o| {
        o["shipping"]["id"].as_u64() == shipment_id
            && o["id"].as_u64() != order_id
            && o["status"] != "cancelled"
    });
    if let Some(shipment) = shipment_id.and_then(|s| state.shipments.get_mut(&s)) {
        if !others_live {
            shipment["status"] = json!("cancelled");
            shipment["substatus"] = Value::Null;
            shipment["status_history"]["date_cancelled"] = json!(local_time(now));
            shipment["last_updated"] = json!(local_time(now));
        }
    }
}

/// Sets the status of `order`'s shipment; the ids of the orders it carries.
fn move_shipment(state: &mut State, order: &Value, status: &str, now: i64) -> Vec<u64> {
    let Some(shipment_id) = order["shipping"]["id"].as_u64() else {
        return Vec::new();
    };
    if let Some(shipment) = state.shipments.get_mut(&shipment_id) {
        shipment["status"] = json!(status);
        shipment["substatus"] = Value::Null;
        shipment["last_updated"] = json!(local_time(now));
        let history = match status {
            "handling" => Some("date_handling"),
            "ready_to_ship" => Some("date_ready_to_ship"),
            "shipped" => Some("date_shipped"),
            "delivered" => Some("date_delivered"),
            "not_delivered" => Some("date_not_delivered"),
            "cancelled" => Some("date_cancelled"),
            _ => None,
        };
        if let Some(key) = history {
            shipment["status_history"][key] = json!(local_time(now));
        }
        if status == "shipped" && shipment["tracking_number"].is_null() {
            shipment["tracking_number"] = json!(format!("MEL{shipment_id}FMDOR01"));
            shipment["tracking_method"] = json!("MEL Distribution");
        }
    }
    let carried: Vec<u64> = state
        .orders
        .iter()
        .filter(|(_, o)| o["shipping"]["id"].as_u64() == Some(shipment_id))
        .map(|(id, _)| *id)
        .collect();
    if status == "delivered" {
        for id in &carried {
            if let Some(order) = state.orders.get_mut(id) {
                if let Some(tags) = order["tags"].as_array_mut() {
                    tags.retain(|t| t != "not_delivered");
                }
                add_tag(order, "delivered");
            }
        }
    }
    carried
}

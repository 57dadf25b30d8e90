//! A buyer's checkout and what it leaves behind (`MERCADOLIVRE.md` §§6.2–6.6): one order per
//! item line, a pack (`GET /packs/{id}`) when the cart has two lines or more, one shipment for
//! the cart (`GET /shipments/{id}`), and the buyer's billing info
//! (`GET /orders/billing-info/{site}/{id}`), a person with a CPF or a company with a CNPJ.
//!
//! Placing an order takes its quantity from the listing's (or variation's) stock and counts it
//! sold (sandbox choice: the docs do not say when stock moves); cancelling gives it back.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::errors::MlError;
use super::items::{self, line_item};
use super::{amount, cents, local_time, numeric, ok, pack_time, MlOptions, Reply, State};

/// The seller's fee per unit, in percent of the unit price, by listing type (sandbox choice:
/// roughly Clássico and Premium; the docs give no table).
fn fee_percent(listing_type: &str) -> i64 {
    match listing_type {
        "gold_special" | "gold" => 12,
        "gold_pro" | "gold_premium" => 17,
        _ => 0,
    }
}

/// `percent` of `cents`, rounded half up to the cent.
fn percent_of(cents: i64, percent: i64) -> i64 {
    (cents * percent + 50) / 100
}

/// One resolved cart line.
struct Line {
    item: Value,
    variation: Option<Value>,
    quantity: i64,
}

/// Places a cart: `{"lines": [{"sku", "quantity"} | {"item_id", "variation_id"?, "quantity"}],
/// "paid": bool (false), "buyer": "person" | "company" ("person"), "tags": [...]}`.
///
/// A line's `sku` is looked up by `SELLER_SKU`, then `seller_custom_field`, on items without
/// variations and on variations; the unit price is the listing's. Only active listings with
/// the stock asked sell, and one cart is one seller's (sandbox choices). One line is one order
/// with `pack_id: null`; more are one order each in a new pack. Answers
/// `{"pack_id": id | null, "orders": [ids]}`.
pub fn place(state: &mut State, ctx: &MlOptions, cart: &Value) -> Result<Value, String> {
    let spec = cart
        .as_object()
        .ok_or("a cart is {\"lines\": [...], \"paid\", \"buyer\", \"tags\"}")?;
    let given = spec
        .get("lines")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or("a cart needs lines: [{\"sku\" | \"item_id\", \"quantity\"}]")?;
    let paid = spec.get("paid").and_then(Value::as_bool).unwrap_or(false);
    let company = match spec
        .get("buyer")
        .and_then(Value::as_str)
        .unwrap_or("person")
    {
        "person" => false,
        "company" => true,
        other => return Err(format!("buyer is \"person\" or \"company\", not {other:?}")),
    };
    let extra_tags: Vec<String> = spec
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();

    let mut lines = Vec::new();
    let mut asked: HashMap<(String, Option<u64>), i64> = HashMap::new();
    for (index, line) in given.iter().enumerate() {
        let at = |why: String| format!("lines[{index}]: {why}");
        let quantity = line
            .get("quantity")
            .map_or(Some(1), Value::as_i64)
            .filter(|q| *q >= 1)
            .ok_or_else(|| at("quantity must be a whole number of 1 or more".into()))?;
        let (item_id, variation_id) = if let Some(sku) = line["sku"].as_str() {
            items::find_sku(state, sku).ok_or_else(|| at(format!("no listing has SKU {sku}")))?
        } else if let Some(id) = line["item_id"].as_str() {
            (id.to_string(), line["variation_id"].as_u64())
        } else {
            return Err(at("give \"sku\" or \"item_id\"".into()));
        };
        let item = state
            .items
            .get(&item_id)
            .cloned()
            .ok_or_else(|| at(format!("no item {item_id}")))?;
        if item["status"] != "active" {
            return Err(at(format!(
                "the item {item_id} is {}; only active listings sell",
                item["status"]
            )));
        }
        let variations = item["variations"].as_array().cloned().unwrap_or_default();
        let variation = match variation_id {
            Some(v) => Some(
                variations
                    .iter()
                    .find(|x| x["id"].as_u64() == Some(v))
                    .cloned()
                    .ok_or_else(|| at(format!("the item {item_id} has no variation {v}")))?,
            ),
            None if !variations.is_empty() => {
                return Err(at(format!(
                    "the item {item_id} has variations: name one with variation_id"
                )))
            }
            None => None,
        };
        let available = variation
            .as_ref()
            .unwrap_or(&item)
            .get("available_quantity")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let total = asked.entry((item_id.clone(), variation_id)).or_default();
        *total += quantity;
        if *total > available {
            return Err(at(format!(
                "{item_id} has {available} in stock, and the cart asks {total}"
            )));
        }
        lines.push(Line {
            item,
            variation,
            quantity,
        });
    }
    let seller = lines[0].item["seller_id"].as_u64().unwrap_or(0);
    if lines
        .iter()
        .any(|l| l.item["seller_id"].as_u64() != Some(seller))
    {
        return Err("a cart is one seller's: its lines are listings of several".into());
    }

    let now = state.now();
    let buyer_id = state.take_id();
    let billing_id = state.take_id();
    let shipment_id = state.take_id();
    let pack_id = (lines.len() > 1).then(|| state.take_id());
    let mut order_ids = Vec::new();
    let mut cart_cents = 0;
    for line in &lines {
        let id = state.take_id();
        order_ids.push(id);
        let source = line.variation.as_ref().unwrap_or(&line.item);
        let unit = cents(&source["price"]).unwrap_or(0);
        let listing_type = line.item["listing_type_id"].as_str().unwrap_or_default();
        let total = unit * line.quantity;
        cart_cents += total;
        let mut tags = vec!["not_delivered".to_string()];
        if pack_id.is_some() {
            tags.push("pack_order".into());
        }
        tags.extend(extra_tags.iter().cloned());
        let mut order = json!({
            "id": id,
            "date_created": local_time(now),
            "date_closed": null,
            "last_updated": local_time(now),
            "expiration_date": local_time(now + 28 * 86_400),
            "manufacturing_ending_date": null,
            "comment": null,
            "comments": null,
            "pack_id": pack_id,
            "pickup_id": null,
            "order_request": {"return": null, "change": null},
            "fulfilled": null,
            "hidden_for_seller": false,
            "buying_mode": "buy_equals_pay",
            "mediations": [],
            "total_amount": amount(total),
            "paid_amount": 0,
            "shipping_cost": 0,
            "coupon": {"id": null, "amount": 0},
            "order_items": [{
                "item": line_item(&line.item, line.variation.as_ref()),
                "quantity": line.quantity,
                "requested_quantity": {"value": line.quantity, "measure": "unit"},
                "picked_quantity": null,
                "unit_price": amount(unit),
                "full_unit_price": amount(unit),
                "currency_id": "BRL",
                "manufacturing_days": null,
                "differential_pricing_id": null,
                "base_currency_id": null,
                "base_exchange_rate": null,
                "sale_fee": amount(percent_of(unit, fee_percent(listing_type))),
                "listing_type_id": listing_type,
            }],
            "currency_id": "BRL",
            "payments": [],
            "shipping": {"id": shipment_id},
            "status": "confirmed",
            "status_detail": null,
            "tags": tags,
            "feedback": {"buyer": null, "seller": null},
            "context": {"channel": "marketplace", "site": ctx.site_id, "flows": []},
            "buyer": {"id": buyer_id, "billing_info": {"id": billing_id}},
            "seller": {"id": seller, "nickname": nickname(ctx, seller)},
            "taxes": {"amount": null, "currency_id": null, "id": null},
            "cancel_detail": null,
        });
        if paid {
            pay(state, &mut order, now);
        }
        items::move_stock(
            state,
            line.item["id"].as_str().unwrap_or_default(),
            line.variation.as_ref().and_then(|v| v["id"].as_u64()),
            line.quantity,
        );
        state.orders.insert(id, order);
        state.event("orders_v2", format!("/orders/{id}"), seller);
    }
    if let Some(pack_id) = pack_id {
        let orders: Vec<Value> = order_ids.iter().map(|id| json!({"id": id})).collect();
        state.packs.insert(
            pack_id,
            json!({
                "id": pack_id,
                // The docs' example shows `released`; what else a pack's status can be is not
                // documented (sandbox choice: always `released`).
                "status": "released",
                "status_detail": null,
                "date_created": pack_time(now),
                "last_updated": pack_time(now),
                "family_pack_id": null,
                "buyer": {"id": buyer_id},
                "shipment": {"id": shipment_id},
                "orders": orders,
            }),
        );
    }
    let receiver = if company {
        "Ferragens Exemplo Ltda"
    } else {
        "Maria Silva Santos"
    };
    let shipment = new_shipment(
        state,
        ctx,
        shipment_id,
        &lines,
        (order_ids[0], pack_id),
        (seller, buyer_id, receiver),
        cart_cents,
        paid,
    );
    state.shipments.insert(shipment_id, shipment);
    state
        .billing_infos
        .insert(billing_id, billing_info_of(ctx, seller, buyer_id, company));
    Ok(json!({"pack_id": pack_id, "orders": order_ids}))
}

fn nickname(ctx: &MlOptions, seller: u64) -> String {
    if seller == ctx.seller_id {
        "LOJA_DO_ERP".into()
    } else {
        format!("VENDEDOR_{seller}")
    }
}

/// Marks an order paid by one approved Mercado Pago payment of its total: the `paid` tag,
/// `paid_amount`, `date_closed` (sandbox choice: the moment it was paid), and its shipment
/// ready to ship.
pub fn pay(state: &mut State, order: &mut Value, now: i64) {
    let payment_id = state.take_id();
    let total = order["total_amount"].clone();
    let line = &order["order_items"][0];
    let fee = cents(&line["sale_fee"]).unwrap_or(0) * line["quantity"].as_i64().unwrap_or(1);
    let payment = json!({
        "id": payment_id,
        "order_id": order["id"],
        "payer_id": order["buyer"]["id"],
        "collector": {"id": order["seller"]["id"]},
        "card_id": null,
        "site_id": order["context"]["site"],
        "reason": line["item"]["title"],
        "payment_method_id": "account_money",
        "currency_id": "BRL",
        "installments": 1,
        "issuer_id": null,
        "atm_transfer_reference": {"company_id": null, "transaction_id": null},
        "coupon_id": null,
        "activation_uri": null,
        "operation_type": "regular_payment",
        "payment_type": "account_money",
        "available_actions": ["refund"],
        "status": "approved",
        "status_code": null,
        "status_detail": "accredited",
        "transaction_amount": total,
        "transaction_amount_refunded": 0,
        "taxes_amount": 0,
        "shipping_cost": 0,
        "coupon_amount": 0,
        "overpaid_amount": 0,
        "total_paid_amount": total,
        "installment_amount": total,
        "deferred_period": null,
        "date_approved": local_time(now),
        "authorization_code": null,
        "transaction_order_id": null,
        "date_created": local_time(now),
        "date_last_modified": local_time(now),
        "marketplace_fee": amount(fee),
    });
    if let Some(payments) = order["payments"].as_array_mut() {
        payments.push(payment);
    }
    order["paid_amount"] = total;
    order["status"] = json!("paid");
    if order["date_closed"].is_null() {
        order["date_closed"] = json!(local_time(now));
    }
    add_tag(order, "paid");
    if let Some(shipment) = order["shipping"]["id"]
        .as_u64()
        .and_then(|id| state.shipments.get_mut(&id))
    {
        if shipment["status"] == "pending" {
            shipment["status"] = json!("ready_to_ship");
            shipment["substatus"] = json!("ready_to_print");
            shipment["status_history"]["date_handling"] = json!(local_time(now));
            shipment["status_history"]["date_ready_to_ship"] = json!(local_time(now));
            shipment["last_updated"] = json!(local_time(now));
        }
    }
}

pub fn add_tag(order: &mut Value, tag: &str) {
    if let Some(tags) = order["tags"].as_array_mut() {
        if !tags.iter().any(|t| t == tag) {
            tags.push(json!(tag));
        }
    }
}

/// The cart's shipment: the shipments list's element (`mercadolivre-order-shipments-list.json`)
/// plus the classic `receiver_address`, given always (sandbox choice: the docs put the address
/// behind `?views=destination` and its name and phone behind `X-Api-Version: 2`).
#[allow(clippy::too_many_arguments)]
fn new_shipment(
    state: &mut State,
    ctx: &MlOptions,
    id: u64,
    lines: &[Line],
    (order_id, pack_id): (u64, Option<u64>),
    (seller, buyer, receiver): (u64, u64, &str),
    cart_cents: i64,
    paid: bool,
) -> Value {
    let now = state.now();
    let option_id = state.take_id();
    let address_id = state.take_id();
    let logistic_type = lines[0].item["shipping"]["logistic_type"].clone();
    let shipping_items: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "id": l.item["id"],
                "description": l.item["title"],
                "quantity": l.quantity,
                "dimensions": "10.0x10.0x10.0,500.0",
                "user_product_id": null,
                "sender_id": seller,
            })
        })
        .collect();
    let paid_at = if paid {
        json!(local_time(now))
    } else {
        Value::Null
    };
    json!({
        "id": id,
        "order_id": order_id,
        "pack_id": pack_id,
        "status": if paid { "ready_to_ship" } else { "pending" },
        "substatus": if paid { json!("ready_to_print") } else { Value::Null },
        "type": "forward",
        "mode": "me2",
        "logistic_type": logistic_type,
        "tracking_number": null,
        "tracking_method": null,
        "return_tracking_number": null,
        "service_id": null,
        "sender_id": seller,
        "receiver_id": buyer,
        "site_id": ctx.site_id,
        "market_place": "MELI",
        "order_cost": amount(cart_cents),
        "base_cost": 0,
        "date_created": local_time(now),
        "last_updated": local_time(now),
        "date_first_printed": null,
        "created_by": "receiver",
        "status_history": {
            "date_handling": paid_at.clone(),
            "date_ready_to_ship": paid_at,
            "date_shipped": null,
            "date_first_visit": null,
            "date_delivered": null,
            "date_not_delivered": null,
            "date_returned": null,
            "date_cancelled": null,
        },
        "shipping_items": shipping_items,
        "shipping_option": {
            "id": option_id,
            "name": "Normal",
            "shipping_method_id": 100_009,
            "cost": 0,
            "list_cost": 0,
            "currency_id": "BRL",
            "delivery_type": "estimated",
        },
        "tags": [],
        "receiver_address": {
            "id": address_id,
            "address_line": "Rua Nicolau de Marcos 05",
            "street_name": "Rua Nicolau de Marcos",
            "street_number": "05",
            "comment": "7b",
            "zip_code": "28660000",
            "city": {"id": "BR-RJ-03", "name": "Bom Jardim"},
            "state": {"id": "BR-RJ", "name": "Rio de Janeiro"},
            "country": {"id": "BR", "name": "Brasil"},
            "neighborhood": {"id": null, "name": "Jardim Ornelas"},
            "receiver_name": receiver,
            "receiver_phone": "21999990000",
        },
    })
}

/// The buyer's billing info, as the docs' MLB examples (`derived/mercadolivre-billing-info-mlb-*`):
/// a person (CPF, `cust_type` `CO`) or a company (CNPJ, state registration, `cust_type` `BU`).
/// The documents are valid ones (sandbox choice: the docs' examples are not).
fn billing_info_of(ctx: &MlOptions, seller: u64, buyer: u64, company: bool) -> Value {
    let address = json!({
        "street_name": "Rua Nicolau de Marcos",
        "street_number": "05",
        "city_name": "Bom Jardim",
        "comment": "7b",
        "neighborhood": "Jardim Ornelas",
        "state": {"name": "Rio de Janeiro"},
        "zip_code": "28660000",
        "country_id": "BR",
    });
    let billing_info = if company {
        json!({
            "name": "Ferragens Exemplo Ltda",
            "identification": {"type": "CNPJ", "number": "11222333000181"},
            "taxes": {
                "inscriptions": {"state_registration": "110042490114"},
                "taxpayer_type": {"description": "Contribuinte"},
            },
            "address": address,
            "attributes": {"is_normalized": true, "cust_type": "BU"},
        })
    } else {
        json!({
            "name": "Maria",
            "last_name": "Silva Santos",
            "identification": {"type": "CPF", "number": "52998224725"},
            "address": address,
            "attributes": {"is_normalized": true, "cust_type": "CO"},
        })
    };
    json!({
        "site_id": ctx.site_id,
        "buyer": {"cust_id": buyer, "billing_info": billing_info},
        "seller": {"cust_id": seller},
    })
}

/// `GET /orders/billing-info/{site}/{id}`: this seller's buyers' only.
pub fn billing_info(state: &mut State, ctx: &MlOptions, site: &str, id: &str) -> Reply {
    let missing = || MlError::not_found(format!("Billing info {id} not found"));
    let id_number = numeric(id).ok_or_else(missing)?;
    if site != ctx.site_id {
        return Err(missing());
    }
    let info = state
        .billing_infos
        .get(&id_number)
        .cloned()
        .ok_or_else(missing)?;
    if info["seller"]["cust_id"].as_u64() != Some(ctx.seller_id) {
        return Err(MlError::forbidden(format!(
            "The billing info {id} does not belong to seller: {}",
            ctx.seller_id
        )));
    }
    ok(info)
}

/// `GET /packs/{id}`: a pack of this seller's orders.
pub fn pack(state: &mut State, ctx: &MlOptions, id: &str) -> Reply {
    let missing = || MlError::not_found(format!("Pack {id} not found"));
    let pack = numeric(id)
        .and_then(|n| state.packs.get(&n))
        .cloned()
        .ok_or_else(missing)?;
    let seller = pack["orders"][0]["id"]
        .as_u64()
        .and_then(|o| state.orders.get(&o))
        .and_then(|o| o["seller"]["id"].as_u64());
    if seller != Some(ctx.seller_id) {
        return Err(MlError::forbidden(format!(
            "The pack {id} does not belong to seller: {}",
            ctx.seller_id
        )));
    }
    ok(pack)
}

/// `GET /shipments/{id}`: 403 in the docs' words when it is another seller's.
pub fn shipment(state: &mut State, ctx: &MlOptions, id: &str) -> Reply {
    let missing = || MlError::not_found(format!("Shipment {id} not found"));
    let shipment = numeric(id)
        .and_then(|n| state.shipments.get(&n))
        .cloned()
        .ok_or_else(missing)?;
    if shipment["sender_id"].as_u64() != Some(ctx.seller_id) {
        return Err(MlError::forbidden(format!(
            "The shipment {id} does not belong to merchant: {}",
            ctx.seller_id
        )));
    }
    ok(shipment)
}

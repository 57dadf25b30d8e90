//! Metafields [TN-METAFIELD]: key-value pairs an app hangs on a store resource; where invoices
//! (NF-e) go, as there is no invoice API: `{namespace: "nfe", key: "key" | "link", value,
//! owner_resource: "Order", owner_id}`.
//!
//! `POST /metafields`, `GET /metafields/{resources}?owner_id=&namespace=&key=` (`orders`,
//! `products`, `variants`, `categories`, `customers`, ...), `GET|PUT|DELETE /metafields/{id}`.

use serde_json::{json, Map, Value};

use super::errors::NuvemError;
use super::{listing, ok, Ctx, Reply, State};
use crate::sandbox::server::HttpRequest;

fn not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Metafield {id} not found"))
}

/// `orders` → `Order`, the `owner_resource` a listing path names.
fn resource_of(path: &str) -> Option<&'static str> {
    Some(match path {
        "orders" => "Order",
        "products" => "Product",
        "variants" => "Product_Variant",
        "categories" => "Category",
        "customers" => "Customer",
        "pages" => "Page",
        _ => return None,
    })
}

/// `POST /metafields`: `namespace`, `key`, `value`, `owner_resource`, `owner_id` are required
/// (a bare field map names the missing ones); `description` is optional. The owner of an
/// `Order` metafield must be an order of the store (sandbox's choice: 422 otherwise).
pub fn create(state: &mut State, body: &Value) -> Reply {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let mut missing = Map::new();
    for field in ["namespace", "key", "value", "owner_resource"] {
        if input
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            missing.insert(field.into(), json!(["can't be blank"]));
        }
    }
    let owner_id = input.get("owner_id").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    if owner_id.is_none() {
        missing.insert("owner_id".into(), json!(["can't be blank"]));
    }
    if !missing.is_empty() {
        return Err(NuvemError::Fields(missing));
    }
    let owner_id = owner_id.unwrap_or(0);
    let resource = input["owner_resource"].as_str().unwrap_or("");
    if resource == "Order" && !state.orders.contains_key(&owner_id) {
        return Err(NuvemError::field(
            "owner_id",
            "is not an order of this store",
        ));
    }
    if resource == "Product" && !state.products.contains_key(&owner_id) {
        return Err(NuvemError::field(
            "owner_id",
            "is not a product of this store",
        ));
    }
    let (id, now) = (state.take_id(), state.stamp());
    let metafield = json!({
        "id": id,
        "namespace": input["namespace"],
        "key": input["key"],
        "value": input["value"],
        "description": input.get("description").cloned().unwrap_or(Value::Null),
        "owner_resource": resource,
        "owner_id": owner_id,
        "created_at": now,
        "updated_at": now,
    });
    state.metafields.insert(id, metafield.clone());
    Ok((201, metafield, Vec::new()))
}

/// `GET /metafields/{resources}`: filtered by `owner_id`, `namespace`, `key`, paged; an unknown
/// resource is a 404. No match is `[]` with 200, not the lists' "Last page is 0" (sandbox's
/// choice: asking whether an order has an invoice yet is the common case, and not an error).
pub fn list(state: &mut State, ctx: &Ctx, request: &HttpRequest, resources: &str) -> Reply {
    let resource = resource_of(resources)
        .ok_or_else(|| NuvemError::not_found(format!("No metafields for resource {resources}")))?;
    let owner = request
        .param("owner_id")
        .and_then(|o| o.parse::<u64>().ok());
    let namespace = request.param("namespace");
    let key = request.param("key");
    let items = state
        .metafields
        .values()
        .filter(|m| m["owner_resource"] == resource)
        .filter(|m| owner.is_none_or(|o| m["owner_id"].as_u64() == Some(o)))
        .filter(|m| namespace.is_none_or(|n| m["namespace"] == n))
        .filter(|m| key.is_none_or(|k| m["key"] == k))
        .cloned()
        .collect();
    listing::page(request, items, &ctx.home, false)
}

pub fn get(state: &mut State, id: u64) -> Reply {
    state
        .metafields
        .get(&id)
        .cloned()
        .map_or_else(|| Err(not_found(id)), ok)
}

/// `PUT /metafields/{id}`: `value` and `description`.
pub fn update(state: &mut State, id: u64, body: &Value) -> Reply {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let now = state.stamp();
    let metafield = state.metafields.get_mut(&id).ok_or_else(|| not_found(id))?;
    if let Some(value) = input.get("value") {
        match value.as_str() {
            Some(v) if !v.trim().is_empty() => metafield["value"] = json!(v),
            _ => return Err(NuvemError::field("value", "can't be blank")),
        }
    }
    if let Some(description) = input.get("description") {
        metafield["description"] = description.clone();
    }
    metafield["updated_at"] = json!(now);
    ok(metafield.clone())
}

/// `DELETE /metafields/{id}` → `{}`.
pub fn delete(state: &mut State, id: u64) -> Reply {
    state.metafields.remove(&id).ok_or_else(|| not_found(id))?;
    ok(json!({}))
}

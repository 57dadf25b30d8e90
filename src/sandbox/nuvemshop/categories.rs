//! Categories [TN-CATEGORY, as products show them in TN-PRODUCT]: `name`, `description` and
//! `handle` keyed by language, `parent` (an id or null) and `subcategories` (the children's ids),
//! `google_shopping_category`, dates.

use serde_json::{json, Value};

use super::errors::NuvemError;
use super::{i18n, listing, ok, text, Ctx, Reply, State};
use crate::sandbox::server::HttpRequest;

/// A category as read: its stored fields and its `subcategories`, found from the parents.
pub fn render(state: &State, id: u64) -> Option<Value> {
    let mut category = state.categories.get(&id)?.clone();
    let children: Vec<u64> = state
        .categories
        .iter()
        .filter(|(_, c)| c["parent"].as_u64() == Some(id))
        .map(|(child, _)| *child)
        .collect();
    category["subcategories"] = json!(children);
    Some(category)
}

pub fn list(state: &mut State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let since = listing::since_id(request)?;
    let (min, max) = (
        listing::date_param(request, "updated_at_min")?,
        listing::date_param(request, "updated_at_max")?,
    );
    let parent = request
        .param("parent_id")
        .and_then(|p| p.parse::<u64>().ok());
    let items = state
        .categories
        .keys()
        .filter(|id| since.is_none_or(|s| **id > s))
        .filter_map(|id| render(state, *id))
        .filter(|c| listing::within(&c["updated_at"], min, max))
        .filter(|c| parent.is_none_or(|p| c["parent"].as_u64() == Some(p)))
        .collect();
    listing::page(request, items, &ctx.home, ctx.last_page_404)
}

pub fn get(state: &mut State, request: &HttpRequest, id: u64) -> Reply {
    let category = render(state, id).ok_or_else(|| not_found(id))?;
    ok(listing::select(
        category,
        listing::fields(request).as_deref(),
    ))
}

fn not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Category {id} not found"))
}

/// `POST /categories` `{name, parent?, description?, handle?}`; `seed` takes an `id` too.
pub fn create(state: &mut State, body: &Value, seed: bool) -> Reply {
    let name = body
        .get("name")
        .and_then(i18n)
        .filter(|n| !text(n).trim().is_empty())
        .ok_or_else(|| NuvemError::field("name", "can't be blank"))?;
    let parent = parent_of(state, body)?;
    let id = match body.get("id").and_then(Value::as_u64).filter(|_| seed) {
        Some(id) => {
            state.reserve_id(id);
            id
        }
        None => state.take_id(),
    };
    let now = state.stamp();
    let handle = body
        .get("handle")
        .and_then(i18n)
        .unwrap_or_else(|| super::handles(&name));
    let description = body
        .get("description")
        .and_then(i18n)
        .unwrap_or_else(|| json!({super::LANGUAGE: ""}));
    let category = json!({
        "id": id,
        "name": name,
        "description": description,
        "handle": handle,
        "parent": parent,
        "subcategories": [],
        "google_shopping_category": null,
        "created_at": now,
        "updated_at": now,
    });
    state.categories.insert(id, category);
    Ok((201, render(state, id).unwrap_or_default(), Vec::new()))
}

/// The `parent` of a body: null, absent or 0 for the top; otherwise a category that exists
/// (sandbox's choice: an unknown parent is a 422 field error).
fn parent_of(state: &State, body: &Value) -> Result<Value, NuvemError> {
    match body.get("parent") {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Value::Null),
        Some(parent) => match parent.as_u64() {
            Some(p) if state.categories.contains_key(&p) => Ok(json!(p)),
            _ => Err(NuvemError::field(
                "parent",
                "is not a category of this store",
            )),
        },
    }
}

/// `PUT /categories/{id}`: `name`, `description`, `handle`, `parent`, as given.
pub fn update(state: &mut State, id: u64, body: &Value) -> Reply {
    if !state.categories.contains_key(&id) {
        return Err(not_found(id));
    }
    let parent = match body.get("parent") {
        Some(_) => Some(parent_of(state, body)?),
        None => None,
    };
    if parent.as_ref().is_some_and(|p| p.as_u64() == Some(id)) {
        return Err(NuvemError::field("parent", "cannot be the category itself"));
    }
    let now = state.stamp();
    let category = state.categories.get_mut(&id).ok_or_else(|| not_found(id))?;
    for field in ["name", "description", "handle"] {
        if let Some(value) = body.get(field).and_then(i18n) {
            if field == "name" && text(&value).trim().is_empty() {
                return Err(NuvemError::field("name", "can't be blank"));
            }
            category[field] = value;
        }
    }
    if let Some(parent) = parent {
        category["parent"] = parent;
    }
    category["updated_at"] = json!(now);
    ok(render(state, id).unwrap_or_default())
}

/// `DELETE /categories/{id}` → `{}`; its children move to the top and products forget it
/// (sandbox's choice).
pub fn delete(state: &mut State, id: u64) -> Reply {
    state.categories.remove(&id).ok_or_else(|| not_found(id))?;
    for category in state.categories.values_mut() {
        if category["parent"].as_u64() == Some(id) {
            category["parent"] = Value::Null;
        }
    }
    for product in state.products.values_mut() {
        if let Some(ids) = product["categories"].as_array_mut() {
            ids.retain(|c| c.as_u64() != Some(id));
        }
    }
    ok(json!({}))
}

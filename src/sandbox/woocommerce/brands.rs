//! Product brands (`/products/brands`), on a store that has them (`WcVersion::has_brands`: 10.0.2
//! does, 9.5.2 and 8.9.3 have no such route). The sandbox lists, reads and creates them; changing
//! and deleting them is not implemented.

use serde_json::{json, Value};

use super::super::server::HttpRequest;
use super::errors::{check_params, WooError};
use super::{listing, read, slugify, Ctx, Reply, State};

/// `GET /products/brands`.
pub(super) fn list(state: &State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let mut errors = Vec::new();
    let query = listing::read_query(
        request,
        &[
            "id",
            "include",
            "name",
            "slug",
            "include_slugs",
            "term_group",
            "description",
            "count",
        ],
        "name",
        &mut errors,
    );
    check_params(errors)?;
    let items: Vec<&Value> = state.brands.values().collect();
    listing::paged(&ctx.home, request, &query, items, Value::clone)
}

/// `POST /products/brands`: a name taken (in any case) is `term_exists`.
pub(super) fn create(state: &mut State, body: &Value) -> Reply {
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(WooError::new(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): name",
        )
        .with("params", json!(["name"])));
    };
    if let Some(existing) = state.brands.values().find(|b| {
        b["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        let id = existing["id"].clone();
        return Err(WooError::new(
            400,
            "term_exists",
            "A term with the name provided already exists with this parent.",
        )
        .with("resource_id", id.clone())
        .with("term_id", id));
    }
    let id = state.take_id();
    let brand = json!({"id": id, "name": name, "slug": slugify(name), "parent": 0, "description": "",
                       "display": "default", "image": null, "menu_order": 0, "count": 0});
    state.brands.insert(id, brand.clone());
    Ok((201, brand, Vec::new(), 1))
}

/// `GET /products/brands/{id}`.
pub(super) fn get(state: &State, id: u64) -> Reply {
    state.brands.get(&id).cloned().map(read).ok_or_else(|| {
        WooError::new(
            404,
            "woocommerce_rest_term_invalid",
            "Resource doesn't exist.",
        )
    })
}

//! The batch endpoints (`products/batch`, `products/{id}/variations/batch`,
//! `products/categories/batch`, `products/brands/batch`, `orders/batch`): one machinery for all,
//! each item written as its own endpoint writes it.

use serde_json::{json, Map, Value};

use super::errors::WooError;
use super::orders::{self, Origin};
use super::{brands, media, products, terms, Ctx, Reply, State};

const BATCH_LIMIT: usize = 100;

/// What the sandbox does not do, said as the store's error shape.
fn not_in_sandbox(what: &str) -> WooError {
    WooError::new(
        501,
        "ponte_sandbox_not_implemented",
        format!("The sandbox does not implement {what}."),
    )
}

/// Which resource a batch endpoint writes.
pub(super) enum BatchKind {
    Products,
    Variations(u64),
    Orders,
    Brands,
    Categories,
}

/// `{create, update, delete}`, at most 100 items in all (else 413 and nothing done); each item
/// on its own, creates first, then updates, then deletes; failures are items, not a failed call.
pub(super) fn batch(
    state: &mut State,
    ctx: &Ctx,
    fetched: &media::Fetched,
    body: &Value,
    kind: BatchKind,
) -> Reply {
    let part = |key: &str| {
        body.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (creates, updates, deletes) = (part("create"), part("update"), part("delete"));
    if creates.len() + updates.len() + deletes.len() > BATCH_LIMIT {
        return Err(WooError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
        ));
    }
    let mut answer = Map::new();
    let mut written = 0u32;
    let item_error = |id: Value, error: WooError| json!({"id": id, "error": error.body()});
    if !creates.is_empty() {
        let results = creates
            .iter()
            .map(|item| {
                let result = match kind {
                    BatchKind::Products => {
                        products::create_product(state, ctx, fetched, item, None)
                    }
                    BatchKind::Variations(parent) => {
                        products::create_product(state, ctx, fetched, item, Some(parent))
                    }
                    BatchKind::Orders => orders::create_order(state, ctx, item, Origin::Batch),
                    BatchKind::Brands => brands::create(state, item).map(|reply| reply.1),
                    BatchKind::Categories => terms::create(state, ctx, item, true),
                };
                match result {
                    Ok(created) => {
                        written += 1;
                        created
                    }
                    Err(error) => item_error(json!(0), error),
                }
            })
            .collect();
        answer.insert("create".into(), Value::Array(results));
    }
    if !updates.is_empty() {
        let results = updates
            .iter()
            .map(|item| {
                let raw_id = item.get("id").cloned().unwrap_or(Value::Null);
                let id = raw_id
                    .as_u64()
                    .or_else(|| raw_id.as_str().and_then(|s| s.parse().ok()))
                    .unwrap_or(0);
                let result = match kind {
                    BatchKind::Products => {
                        products::update_product(state, ctx, fetched, id, item, None)
                    }
                    BatchKind::Variations(parent) => {
                        products::update_product(state, ctx, fetched, id, item, Some(parent))
                    }
                    BatchKind::Orders => orders::update_order(state, ctx, id, item, Origin::Batch),
                    BatchKind::Brands => Err(not_in_sandbox("updating brands")),
                    BatchKind::Categories => terms::update(state, ctx, id, item),
                };
                match result {
                    Ok(updated) => {
                        written += 1;
                        updated
                    }
                    Err(error) => item_error(raw_id, error),
                }
            })
            .collect();
        answer.insert("update".into(), Value::Array(results));
    }
    if !deletes.is_empty() {
        let results = deletes
            .iter()
            .filter(|id| id.as_u64() != Some(0))
            .map(|raw_id| {
                let id = raw_id.as_u64().unwrap_or(0);
                let result = match kind {
                    BatchKind::Products => products::delete_product(state, id, None).map(|r| r.1),
                    BatchKind::Variations(parent) => {
                        products::delete_product(state, id, Some(parent)).map(|r| r.1)
                    }
                    BatchKind::Orders => {
                        state.stock_taken.remove(&id);
                        state
                            .orders
                            .remove(&id)
                            .ok_or_else(|| WooError::invalid_id("order", 404))
                    }
                    BatchKind::Brands => Err(not_in_sandbox("deleting brands")),
                    // Batch deletions are forced (seen on 10.0.2).
                    BatchKind::Categories => terms::delete(state, ctx, id, true),
                };
                match result {
                    Ok(deleted) => {
                        written += 1;
                        deleted
                    }
                    Err(error) => item_error(raw_id.clone(), error),
                }
            })
            .collect();
        answer.insert("delete".into(), Value::Array(results));
    }
    // Only non-empty parts are answered, and with none the answer is an empty PHP array: `[]`
    // (seen on 10.0.2 for `{}`, `{"create": []}` and `{"update": []}`, and on 8.9.3 for `{}`).
    let answer = if answer.is_empty() {
        json!([])
    } else {
        Value::Object(answer)
    };
    Ok((200, answer, Vec::new(), written))
}

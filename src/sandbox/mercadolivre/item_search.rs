//! The seller's item search (`MERCADOLIVRE.md` §5.3): `GET /users/{id}/items/search`, ids only,
//! to be read with the multiget. Offset paging stops at 1000; beyond, a scan walks the results
//! with the `scroll_id` each answer gives.

use serde_json::{json, Value};

use super::errors::MlError;
use super::items::seller_sku;
use super::{ok, MlOptions, Reply, State};
use crate::sandbox::server::HttpRequest;

/// The search's `limit` and `offset` bounds (§5.3).
const SEARCH_LIMIT_MAX: usize = 100;
const SEARCH_OFFSET_MAX: usize = 1000;

/// `GET /users/{id}/items/search`: ids only, this seller's alone (another's is 403). Filters
/// `seller_sku` (the `SELLER_SKU` attribute of the item or of any variation), `sku`
/// (`seller_custom_field`, likewise), `status`, `logistic_type`; paging by `limit` (50, at most
/// 100) and `offset` (at most 1000); beyond, `search_type=scan` and the `scroll_id` each answer
/// gives. Results in id order, which is creation order (sandbox choice).
pub fn search(state: &mut State, ctx: &MlOptions, request: &HttpRequest, user: &str) -> Reply {
    if user != ctx.seller_id.to_string() {
        return Err(MlError::forbidden(format!(
            "The user {user} does not belong to the caller: {}",
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
    let limit = number("limit", 50)?;
    if limit > SEARCH_LIMIT_MAX {
        return Err(MlError::bad_request(format!(
            "The limit must be between 0 and {SEARCH_LIMIT_MAX}"
        )));
    }
    let offset = number("offset", 0)?;
    let scan = match request.param("search_type") {
        None | Some("") => false,
        Some("scan") => true,
        Some(other) => return Err(MlError::bad_request(format!("Unknown search_type {other}"))),
    };
    if !scan && offset > SEARCH_OFFSET_MAX {
        return Err(MlError::bad_request(format!(
            "The offset must be {SEARCH_OFFSET_MAX} or less; to go beyond it use \
             search_type=scan and the scroll_id of each answer"
        )));
    }
    let (results, offset_shown, total, scroll_id) = if scan {
        let (scroll_id, found) = match request.param("scroll_id").filter(|s| !s.is_empty()) {
            Some(scroll) => {
                let found =
                    state.scrolls.get(scroll).cloned().ok_or_else(|| {
                        MlError::bad_request(format!("Invalid scroll_id {scroll}"))
                    })?;
                (scroll.to_string(), found)
            }
            None => (
                crate::platform::oauth::nonce(),
                (matching(state, ctx, request), 0),
            ),
        };
        let (ids, given) = found;
        let page: Vec<String> = ids.iter().skip(given).take(limit).cloned().collect();
        let total = ids.len();
        state
            .scrolls
            .insert(scroll_id.clone(), (ids, given + page.len()));
        (page, given, total, Some(scroll_id))
    } else {
        let ids = matching(state, ctx, request);
        let page = ids.iter().skip(offset).take(limit).cloned().collect();
        (page, offset, ids.len(), None)
    };
    let order = |id: &str, name: &str| json!({"id": id, "name": name});
    let mut answer = json!({
        "seller_id": ctx.seller_id.to_string(),
        "results": results,
        "paging": {"limit": limit, "offset": offset_shown, "total": total},
        "query": request.param("q"),
        "orders": [order("stop_time_asc", "Order by stop time ascending")],
        "available_orders": [
            order("stop_time_asc", "Order by stop time ascending"),
            order("stop_time_desc", "Order by stop time descending"),
            order("start_time_asc", "Order by start time ascending"),
            order("start_time_desc", "Order by start time descending"),
            order("available_quantity_asc", "Order by available quantity ascending"),
        ],
    });
    if let Some(scroll_id) = scroll_id {
        answer["scroll_id"] = json!(scroll_id);
    }
    ok(answer)
}

/// The ids of this seller's items that pass the search's filters.
fn matching(state: &State, ctx: &MlOptions, request: &HttpRequest) -> Vec<String> {
    let wanted = |name: &str| request.param(name).filter(|v| !v.is_empty());
    let (sku_attribute, sku_field) = (wanted("seller_sku"), wanted("sku"));
    let (status, logistic) = (wanted("status"), wanted("logistic_type"));
    let any_variation = |item: &Value, test: &dyn Fn(&Value) -> bool| {
        test(item)
            || item["variations"]
                .as_array()
                .into_iter()
                .flatten()
                .any(test)
    };
    state
        .items
        .values()
        .filter(|item| item["seller_id"].as_u64() == Some(ctx.seller_id))
        .filter(|item| status.is_none_or(|s| item["status"] == s))
        .filter(|item| logistic.is_none_or(|l| item["shipping"]["logistic_type"] == l))
        .filter(|item| {
            sku_attribute.is_none_or(|sku| {
                any_variation(item, &|x| {
                    seller_sku(&x["attributes"]).as_deref() == Some(sku)
                })
            })
        })
        .filter(|item| {
            sku_field.is_none_or(|sku| any_variation(item, &|x| x["seller_custom_field"] == sku))
        })
        .filter_map(|item| item["id"].as_str().map(str::to_string))
        .collect()
}

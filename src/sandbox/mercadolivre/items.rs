//! Items, the seller's listings (`MERCADOLIVRE.md` §5): `POST /items`, `GET /items/{id}`, the
//! multiget `GET /items?ids=`, `PUT /items/{id}`, the description, and the seller's search
//! `GET /users/{id}/items/search`.
//!
//! - Prices and stocks are read as numbers or numeric strings (the SDK's example sends strings,
//!   §5.1) and written back as numbers.
//! - An item with variations has its stock on them; its `available_quantity` is their sum and
//!   its `price` the lowest of theirs (sandbox choice).
//! - Validation answers every cause found at once, except that the required attributes missing
//!   are one cause naming them all.
//! - `PUT` with `variations` updates the variations named by `id`, adds those without one, and
//!   deletes those left out (inference from the docs' "replace" examples, §5.4).
//! - The seller's search is in `item_search`.
//! - Items are public: anyone's can be read; only the seller's own can be changed (403).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::categories::MlCategory;
use super::errors::{cause, MlError};
use super::{amount, cents, local_time, ok, quantity, MlOptions, Reply, State};
use crate::sandbox::server::HttpRequest;

const LISTING_TYPES: [&str; 7] = [
    "free",
    "bronze",
    "silver",
    "gold",
    "gold_special",
    "gold_premium",
    "gold_pro",
];
const CONDITIONS: [&str; 3] = ["new", "used", "not_specified"];
const BUYING_MODES: [&str; 3] = ["buy_it_now", "classified", "auction"];
/// Statuses a `PUT` may set; `under_review` and `inactive` are Mercado Livre's to set (§5.1).
const SETTABLE_STATUSES: [&str; 3] = ["active", "paused", "closed"];
pub const STATUSES: [&str; 5] = ["active", "paused", "closed", "under_review", "inactive"];
/// Ids one multiget may ask for.
const MULTIGET_MAX: usize = 20;

pub fn not_found(id: &str) -> MlError {
    MlError::not_found(format!("Item with id {id} not found"))
}

fn invalid(code: &str, reference: &str, message: impl Into<String>) -> Value {
    cause(code, &[reference], message)
}

fn category<'a>(ctx: &'a MlOptions, id: &str) -> Option<&'a MlCategory> {
    ctx.categories.iter().find(|c| c.id == id)
}

/// An attribute's text value (`value_name`, or `value_id` when only that is given).
fn value_of(attribute: &Value) -> Option<&str> {
    attribute["value_name"]
        .as_str()
        .or_else(|| attribute["value_id"].as_str())
        .filter(|v| !v.trim().is_empty())
}

/// The `SELLER_SKU` among `attributes`.
pub fn seller_sku(attributes: &Value) -> Option<String> {
    attributes
        .as_array()?
        .iter()
        .find(|a| a["id"] == "SELLER_SKU")
        .and_then(value_of)
        .map(str::to_string)
}

/// `attributes` as stored, `{id, name, value_id, value_name}`, named from the category when it
/// knows the attribute. Ids the category does not list are kept (sandbox choice: real
/// categories have many more attributes than the sandbox seeds).
fn attributes(
    category: Option<&MlCategory>,
    given: &Value,
    causes: &mut Vec<Value>,
    reference: &str,
) -> Vec<Value> {
    let Some(list) = given.as_array() else {
        if !given.is_null() {
            causes.push(invalid(
                "item.attributes.invalid",
                reference,
                format!("{reference} must be a list"),
            ));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for attribute in list {
        let Some(id) = attribute["id"].as_str().filter(|id| !id.is_empty()) else {
            causes.push(invalid(
                "item.attributes.invalid",
                reference,
                format!("Every attribute in {reference} needs an id"),
            ));
            continue;
        };
        let name = category
            .and_then(|c| c.attribute(id))
            .map(|a| json!(a.name))
            .unwrap_or_else(|| attribute.get("name").cloned().unwrap_or(Value::Null));
        out.push(json!({
            "id": id,
            "name": name,
            "value_id": attribute.get("value_id").cloned().unwrap_or(Value::Null),
            "value_name": attribute.get("value_name").cloned().unwrap_or(Value::Null),
        }));
    }
    out
}

/// Merges `changes` into `attributes` by id.
fn merge_attributes(attributes: &mut Vec<Value>, changes: Vec<Value>) {
    for change in changes {
        match attributes.iter_mut().find(|a| a["id"] == change["id"]) {
            Some(existing) => *existing = change,
            None => attributes.push(change),
        }
    }
}

/// A variation's `attribute_combinations`, each named by `id` or `name` ("Tamanho" is `SIZE`)
/// and stored with both; only attributes the category allows for variations.
fn combinations(
    category: Option<&MlCategory>,
    given: &Value,
    causes: &mut Vec<Value>,
) -> Vec<Value> {
    let reference = "item.variations.attribute_combinations";
    let code = "item.variations.attribute_combinations.invalid";
    let list = given.as_array().map(Vec::as_slice).unwrap_or_default();
    if list.is_empty() {
        causes.push(invalid(
            code,
            reference,
            "Every variation needs attribute_combinations",
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for combination in list {
        let (id, name) = (combination["id"].as_str(), combination["name"].as_str());
        let named = id.or(name).unwrap_or("(unnamed)");
        let attribute = category.and_then(|c| c.attribute_named(id, name));
        let Some(attribute) = attribute.filter(|a| a.allow_variations) else {
            causes.push(invalid(
                code,
                reference,
                format!(
                    "The attribute {named} is not allowed in attribute_combinations of category {}",
                    category.map_or("", |c| c.id.as_str())
                ),
            ));
            continue;
        };
        if value_of(combination).is_none() {
            causes.push(invalid(
                code,
                reference,
                format!("The attribute {named} in attribute_combinations has no value"),
            ));
            continue;
        }
        out.push(json!({
            "id": attribute.id,
            "name": attribute.name,
            "value_id": combination.get("value_id").cloned().unwrap_or(Value::Null),
            "value_name": combination.get("value_name").cloned().unwrap_or(Value::Null),
        }));
    }
    out
}

/// Two variations with the same combination are refused.
fn check_unique(variations: &[Value], causes: &mut Vec<Value>) {
    let mut seen = BTreeSet::new();
    for variation in variations {
        let key: BTreeSet<(String, String)> = variation["attribute_combinations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let id = c["id"].as_str().unwrap_or_default().to_string();
                (id, value_of(c).unwrap_or_default().to_lowercase())
            })
            .collect();
        if !key.is_empty() && !seen.insert(key) {
            causes.push(invalid(
                "item.variations.attribute_combinations.invalid",
                "item.variations.attribute_combinations",
                "Two variations have the same attribute_combinations",
            ));
            return;
        }
    }
}

/// The category's required attributes that are neither on the item nor on every variation
/// (in its `attributes` or `attribute_combinations`).
fn missing_required(
    category: &MlCategory,
    attributes: &[Value],
    variations: &[Value],
) -> Vec<String> {
    let has = |list: &Value, id: &str| {
        list.as_array()
            .into_iter()
            .flatten()
            .any(|a| a["id"] == id && value_of(a).is_some())
    };
    category
        .attributes
        .iter()
        .filter(|a| a.required)
        .filter(|a| {
            let on_item = has(&json!(attributes), &a.id);
            let on_every_variation = !variations.is_empty()
                && variations.iter().all(|v| {
                    has(&v["attributes"], &a.id) || has(&v["attribute_combinations"], &a.id)
                });
            !on_item && !on_every_variation
        })
        .map(|a| a.id.clone())
        .collect()
}

/// `pictures: [{source} | {id}]` as stored, `{id, url, secure_url, source}`; a picture given by
/// an id the item already has is kept.
fn pictures(state: &mut State, existing: &[Value], given: &Value) -> Vec<Value> {
    given
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|picture| {
            if let Some(id) = picture["id"].as_str() {
                if let Some(kept) = existing.iter().find(|p| p["id"] == id) {
                    return Some(kept.clone());
                }
            }
            let source = picture["source"].as_str()?;
            if let Some(kept) = existing.iter().find(|p| p["source"] == source) {
                return Some(kept.clone());
            }
            state.next_picture += 1;
            let n = state.next_picture;
            let id = format!("{}-MLB{}_052026", 600_000 + n, 40_000_000_000 + n);
            Some(json!({
                "id": id,
                "url": format!("http://http2.mlstatic.com/D_{id}-O.jpg"),
                "secure_url": format!("https://http2.mlstatic.com/D_{id}-O.jpg"),
                "source": source,
            }))
        })
        .collect()
}

/// `picture_ids` of a variation: ids, or sources of the item's pictures, stored as ids.
fn picture_ids(given: &Value, pictures: &[Value]) -> Vec<Value> {
    given
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|p| {
            pictures
                .iter()
                .find(|picture| picture["source"] == p)
                .map_or_else(|| json!(p), |picture| picture["id"].clone())
        })
        .collect()
}

fn text_or_null(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(s)) => json!(s),
        _ => Value::Null,
    }
}

/// A price: a positive number or numeric string, in cents.
fn price(value: &Value, causes: &mut Vec<Value>, reference: &str) -> Option<i64> {
    match cents(value).filter(|c| *c > 0) {
        Some(c) => Some(c),
        None => {
            causes.push(invalid(
                "item.price.invalid",
                reference,
                format!("The price {value} is invalid: it must be a number greater than 0"),
            ));
            None
        }
    }
}

/// A stock: a whole number or numeric string, not negative.
fn stock(value: &Value, causes: &mut Vec<Value>, reference: &str) -> Option<i64> {
    match quantity(value).filter(|q| *q >= 0) {
        Some(q) => Some(q),
        None => {
            causes.push(invalid(
                "item.available_quantity.invalid",
                reference,
                format!("The available_quantity {value} is invalid: it must be 0 or more"),
            ));
            None
        }
    }
}

/// A new variation from what a client sent; `seed` keeps a given `id` and `sold_quantity`.
fn new_variation(
    state: &mut State,
    category: Option<&MlCategory>,
    given: &Value,
    item_price: Option<i64>,
    item_pictures: &[Value],
    causes: &mut Vec<Value>,
    seed: bool,
) -> Value {
    let id = match given["id"].as_u64() {
        Some(id) if seed => id,
        _ => state.take_id(),
    };
    let price_cents = match given.get("price") {
        Some(p) if !p.is_null() => price(p, causes, "item.variations.price"),
        _ => item_price,
    };
    if price_cents.is_none() && given.get("price").is_none_or(Value::is_null) {
        causes.push(invalid(
            "item.price.invalid",
            "item.variations.price",
            "A variation needs a price when the item has none",
        ));
    }
    let available = match given.get("available_quantity") {
        Some(q) => stock(q, causes, "item.variations.available_quantity").unwrap_or(0),
        None => 0,
    };
    json!({
        "id": id,
        "price": amount(price_cents.unwrap_or(0)),
        "available_quantity": available,
        "sold_quantity": if seed { quantity(&given["sold_quantity"]).unwrap_or(0) } else { 0 },
        "attribute_combinations": combinations(category, &given["attribute_combinations"], causes),
        "attributes": attributes(category, &given["attributes"], causes, "item.variations.attributes"),
        "seller_custom_field": text_or_null(given.get("seller_custom_field")),
        "picture_ids": picture_ids(&given["picture_ids"], item_pictures),
    })
}

/// Keeps an item's totals true to its variations: stock and sales are their sums, the price
/// their lowest.
fn settle(item: &mut Value) {
    let variations = item["variations"].as_array().cloned().unwrap_or_default();
    if variations.is_empty() {
        return;
    }
    let sum = |key: &str| -> i64 { variations.iter().filter_map(|v| v[key].as_i64()).sum() };
    item["available_quantity"] = json!(sum("available_quantity"));
    item["sold_quantity"] = json!(sum("sold_quantity"));
    if let Some(lowest) = variations.iter().filter_map(|v| cents(&v["price"])).min() {
        item["price"] = amount(lowest);
    }
}

/// `panela-de-pressao` for a permalink.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        let plain = match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if plain != '-' || !out.ends_with('-') {
            out.push(plain);
        }
    }
    out.trim_matches('-').to_string()
}

/// A description as sent: `{plain_text}` or, as the SDK's example has it, a bare string.
fn description_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("plain_text")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// An item from what a client sent, validated. `seed` (a listing made before Ponte) fills
/// defaults for what is missing, skips the required attributes, and keeps a given `id`,
/// `seller_id`, `status`, `sold_quantity`, `date_created` and `shipping`.
fn build(
    state: &mut State,
    ctx: &MlOptions,
    body: &Value,
    seed: bool,
) -> Result<(Value, Option<String>), MlError> {
    let input = body
        .as_object()
        .ok_or_else(|| MlError::bad_request("Invalid body"))?;
    let mut causes = Vec::new();
    let given = |key: &str| input.get(key).filter(|v| !v.is_null());

    let category_id = match (given("category_id").and_then(Value::as_str), seed) {
        (Some(id), _) => id.to_string(),
        (None, true) => ctx
            .categories
            .first()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
        (None, false) => String::new(),
    };
    let category = category(ctx, &category_id);
    if category.is_none() {
        causes.push(invalid(
            "item.category_id.invalid",
            "item.category_id",
            format!("Category {category_id} does not exist"),
        ));
    }

    let title = match given("title").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => t.to_string(),
        _ if seed => "Anúncio do vendedor".to_string(),
        _ => {
            causes.push(invalid(
                "item.title.invalid",
                "item.title",
                "The title is required",
            ));
            String::new()
        }
    };

    let variations_given = given("variations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let item_price = match given("price") {
        Some(p) => price(p, &mut causes, "item.price"),
        None if seed => Some(10_000),
        None if variations_given.is_empty() => {
            causes.push(invalid(
                "item.price.invalid",
                "item.price",
                "The price is required",
            ));
            None
        }
        None => None,
    };

    let listing_type = given("listing_type_id")
        .and_then(Value::as_str)
        .or(seed.then_some("gold_special"));
    let listing_type = match listing_type.filter(|l| LISTING_TYPES.contains(l)) {
        Some(l) => l.to_string(),
        None => {
            causes.push(invalid(
                "item.listing_type_id.invalid",
                "item.listing_type_id",
                format!(
                    "The listing_type_id {} is invalid",
                    given("listing_type_id").map_or("(none)".into(), Value::to_string)
                ),
            ));
            String::new()
        }
    };

    // Not named by the docs' cause list; refused with a code of the same pattern (sandbox
    // choice).
    let condition = given("condition").and_then(Value::as_str).unwrap_or("new");
    if !CONDITIONS.contains(&condition) {
        causes.push(invalid(
            "item.condition.invalid",
            "item.condition",
            format!("The condition {condition} is invalid"),
        ));
    }
    let buying_mode = given("buying_mode")
        .and_then(Value::as_str)
        .unwrap_or("buy_it_now");
    if !BUYING_MODES.contains(&buying_mode) {
        causes.push(invalid(
            "item.buying_mode.invalid",
            "item.buying_mode",
            format!("The buying_mode {buying_mode} is invalid"),
        ));
    }
    let currency = given("currency_id")
        .and_then(Value::as_str)
        .unwrap_or("BRL");
    if currency != "BRL" {
        causes.push(invalid(
            "item.currency_id.invalid",
            "item.currency_id",
            format!(
                "The currency_id {currency} is invalid for site {}",
                ctx.site_id
            ),
        ));
    }

    let available = match given("available_quantity") {
        Some(q) if variations_given.is_empty() => {
            stock(q, &mut causes, "item.available_quantity").unwrap_or(0)
        }
        None if variations_given.is_empty() && !seed => {
            causes.push(invalid(
                "item.available_quantity.invalid",
                "item.available_quantity",
                "The available_quantity is required",
            ));
            0
        }
        // With variations the stock is theirs (sandbox choice: a top-level one is ignored).
        _ if seed && variations_given.is_empty() => 1,
        _ => 0,
    };

    let item_pictures = pictures(state, &[], input.get("pictures").unwrap_or(&Value::Null));
    let item_attributes = attributes(
        category,
        input.get("attributes").unwrap_or(&Value::Null),
        &mut causes,
        "item.attributes",
    );
    let variations: Vec<Value> = variations_given
        .iter()
        .map(|v| {
            new_variation(
                state,
                category,
                v,
                item_price,
                &item_pictures,
                &mut causes,
                seed,
            )
        })
        .collect();
    check_unique(&variations, &mut causes);
    if let (Some(category), false) = (category, seed) {
        let missing = missing_required(category, &item_attributes, &variations);
        if !missing.is_empty() {
            causes.push(cause(
                "item.attributes.missing_required",
                &["item.attributes"],
                format!(
                    "The attributes [{}] are required for category {}. Check the attribute is \
                     present in the attributes list or in all variation's attributes_combination \
                     or attributes.",
                    missing.join(", "),
                    category.id
                ),
            ));
        }
    }
    if !causes.is_empty() {
        return Err(MlError::validation(causes));
    }

    let id = match given("id").and_then(Value::as_str) {
        Some(id) if seed => {
            let digits = id.strip_prefix(ctx.site_id.as_str()).unwrap_or("");
            match digits.parse::<u64>() {
                Ok(n) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                    if state.items.contains_key(id) {
                        return Err(MlError::bad_request(format!("Item {id} already exists")));
                    }
                    state.next_item = state.next_item.max(n + 1);
                    id.to_string()
                }
                _ => {
                    return Err(MlError::bad_request(format!(
                        "An item id is {} and digits, not {id}",
                        ctx.site_id
                    )))
                }
            }
        }
        _ => state.take_item_id(&ctx.site_id),
    };
    let status = match given("status").and_then(Value::as_str) {
        Some(s) if seed && STATUSES.contains(&s) => s.to_string(),
        Some(s) if seed => return Err(MlError::bad_request(format!("Unknown status {s}"))),
        _ => "active".to_string(),
    };
    let seller_id = match given("seller_id").and_then(Value::as_u64) {
        Some(seller) if seed => seller,
        _ => ctx.seller_id,
    };
    let now = local_time(state.now());
    let created = match given("date_created").and_then(Value::as_str) {
        Some(date) if seed => date.to_string(),
        _ => now.clone(),
    };
    let logistic_type = match input.get("shipping").map(|s| &s["logistic_type"]) {
        Some(Value::String(l)) if seed => l.clone(),
        _ => "cross_docking".to_string(),
    };
    let digits = id.trim_start_matches(ctx.site_id.as_str());
    let mut item = json!({
        "id": id,
        "site_id": ctx.site_id,
        "title": title,
        "seller_id": seller_id,
        "category_id": category_id,
        "price": amount(item_price.unwrap_or(0)),
        "currency_id": currency,
        "available_quantity": available,
        "sold_quantity": input.get("sold_quantity").filter(|_| seed).and_then(quantity).unwrap_or(0),
        "buying_mode": buying_mode,
        "listing_type_id": listing_type,
        "condition": condition,
        "permalink": format!(
            "https://produto.mercadolivre.com.br/{}-{digits}-{}-_JM",
            ctx.site_id, slug(&title)
        ),
        "status": status,
        "sub_status": [],
        "seller_custom_field": text_or_null(input.get("seller_custom_field")),
        "pictures": item_pictures,
        "attributes": item_attributes,
        "variations": variations,
        "shipping": {"mode": "me2", "logistic_type": logistic_type},
        "date_created": created,
        "last_updated": now,
    });
    settle(&mut item);
    let description = input.get("description").and_then(description_text);
    Ok((item, description))
}

fn store(state: &mut State, item: &Value, description: Option<String>) {
    let id = item["id"].as_str().unwrap_or_default().to_string();
    state
        .descriptions
        .insert(id.clone(), description.unwrap_or_default());
    state.items.insert(id, item.clone());
}

fn notify(state: &mut State, item: &Value) {
    let seller = item["seller_id"].as_u64().unwrap_or(0);
    let resource = format!("/items/{}", item["id"].as_str().unwrap_or_default());
    state.event("items", resource, seller);
}

/// `POST /items` → 201 with the item as `GET /items/{id}` shows it.
pub fn create(state: &mut State, ctx: &MlOptions, body: &Value) -> Reply {
    let (item, description) = build(state, ctx, body, false)?;
    store(state, &item, description);
    notify(state, &item);
    Ok((201, item))
}

/// A listing made before Ponte: see `build`. No notification.
pub fn seed(state: &mut State, ctx: &MlOptions, body: &Value) -> Result<Value, MlError> {
    let (item, description) = build(state, ctx, body, true)?;
    store(state, &item, description);
    Ok(item)
}

pub fn get(state: &mut State, id: &str) -> Reply {
    state
        .items
        .get(id)
        .cloned()
        .map_or_else(|| Err(not_found(id)), ok)
}

/// `GET /items?ids=A,B`: at most 20 ids, each answered `{code, body}` in the order asked.
pub fn multiget(state: &mut State, request: &HttpRequest) -> Reply {
    let ids: Vec<&str> = request
        .param("ids")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(MlError::bad_request("The parameter ids is required"));
    }
    if ids.len() > MULTIGET_MAX {
        return Err(MlError::bad_request(format!(
            "The parameter ids can have at most {MULTIGET_MAX} ids, and has {}",
            ids.len()
        )));
    }
    let answers: Vec<Value> = ids
        .iter()
        .map(|id| match state.items.get(*id) {
            Some(item) => json!({"code": 200, "body": item}),
            None => json!({"code": 404, "body": not_found(id).body()}),
        })
        .collect();
    ok(json!(answers))
}

/// The item `id` of this seller's, for a change: 404 when there is none, 403 when it is another
/// seller's, 400 when it is under review (sandbox choice: moderation blocks every change).
fn own_item(state: &State, ctx: &MlOptions, id: &str) -> Result<Value, MlError> {
    let item = state.items.get(id).cloned().ok_or_else(|| not_found(id))?;
    if item["seller_id"].as_u64() != Some(ctx.seller_id) {
        return Err(MlError::forbidden(format!(
            "The item {id} does not belong to seller: {}",
            ctx.seller_id
        )));
    }
    if item["status"] == "under_review" {
        return Err(MlError::validation(vec![invalid(
            "item.status.under_review",
            "item.status",
            format!("The item {id} is under review and cannot be modified"),
        )]));
    }
    Ok(item)
}

/// `PUT /items/{id}`: `title`, `price`, `available_quantity`, `status` (`active`, `paused`,
/// `closed`), `pictures` (replaced), `attributes` (merged by id), `seller_custom_field`,
/// `variations`; other fields are ignored (sandbox choice). Answers the whole item.
///
/// - A closed item is final: any change is refused (`item.status.invalid`), except closing it
///   again (inference: a closed listing is relisted under a new id, §5.4).
/// - An item in Full (`logistic_type` `fulfillment`) refuses any stock, its own or a
///   variation's: Mercado Livre manages it (sandbox choice, §5.6).
/// - An item with variations takes its stock per variation: a top-level `available_quantity`
///   is refused, and a top-level `price` is set on every variation (sandbox choice).
/// - The required attributes are checked on create only (sandbox choice: listings made before
///   a category's requirements changed stay editable).
pub fn update(state: &mut State, ctx: &MlOptions, id: &str, body: &Value) -> Reply {
    let mut item = own_item(state, ctx, id)?;
    let input = body
        .as_object()
        .ok_or_else(|| MlError::bad_request("Invalid body"))?;
    if item["status"] == "closed" {
        let only_closing = input.len() == 1 && input.get("status") == Some(&json!("closed"));
        if only_closing {
            return ok(item);
        }
        return Err(MlError::validation(vec![invalid(
            "item.status.invalid",
            "item.status",
            format!("The item {id} is closed and cannot be modified"),
        )]));
    }
    let given_variations = input.get("variations").filter(|v| !v.is_null());
    let stock_given = input.contains_key("available_quantity")
        || given_variations
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|v| v.get("available_quantity").is_some()));
    if item["shipping"]["logistic_type"] == "fulfillment" && stock_given {
        return Err(MlError::validation(vec![invalid(
            "item.available_quantity.fulfillment",
            "item.available_quantity",
            "Stock of items in fulfillment is managed by Mercado Livre",
        )]));
    }
    let category = category(ctx, item["category_id"].as_str().unwrap_or_default());
    let mut causes = Vec::new();

    if let Some(title) = input.get("title") {
        match title.as_str().filter(|t| !t.trim().is_empty()) {
            Some(t) => item["title"] = json!(t),
            None => causes.push(invalid(
                "item.title.invalid",
                "item.title",
                "The title cannot be empty",
            )),
        }
    }
    let had_variations = item["variations"].as_array().is_some_and(|v| !v.is_empty());
    if let Some(p) = input.get("price") {
        if let Some(c) = price(p, &mut causes, "item.price") {
            item["price"] = amount(c);
            for variation in item["variations"].as_array_mut().into_iter().flatten() {
                variation["price"] = amount(c);
            }
        }
    }
    if let Some(q) = input.get("available_quantity") {
        let will_have_variations = match given_variations.and_then(Value::as_array) {
            Some(list) => !list.is_empty(),
            None => had_variations,
        };
        if will_have_variations {
            causes.push(invalid(
                "item.available_quantity.invalid",
                "item.available_quantity",
                "The item has variations: set available_quantity on each variation",
            ));
        } else if let Some(q) = stock(q, &mut causes, "item.available_quantity") {
            item["available_quantity"] = json!(q);
        }
    }
    if let Some(status) = input.get("status") {
        match status.as_str().filter(|s| SETTABLE_STATUSES.contains(s)) {
            Some(s) => item["status"] = json!(s),
            None => causes.push(invalid(
                "item.status.invalid",
                "item.status",
                format!("The status {status} cannot be set"),
            )),
        }
    }
    if let Some(given) = input.get("pictures") {
        let existing = item["pictures"].as_array().cloned().unwrap_or_default();
        item["pictures"] = json!(pictures(state, &existing, given));
    }
    if let Some(given) = input.get("attributes") {
        let changes = attributes(category, given, &mut causes, "item.attributes");
        let mut list = item["attributes"].as_array().cloned().unwrap_or_default();
        merge_attributes(&mut list, changes);
        item["attributes"] = json!(list);
    }
    if let Some(field) = input.get("seller_custom_field") {
        item["seller_custom_field"] = text_or_null(Some(field));
    }
    if let Some(given) = given_variations {
        let list = given.as_array().cloned().unwrap_or_default();
        let old = item["variations"].as_array().cloned().unwrap_or_default();
        let item_pictures = item["pictures"].as_array().cloned().unwrap_or_default();
        let item_price = cents(&item["price"]);
        let mut kept = Vec::new();
        for entry in &list {
            let Some(variation_id) = entry.get("id").filter(|v| !v.is_null()) else {
                kept.push(new_variation(
                    state,
                    category,
                    entry,
                    item_price,
                    &item_pictures,
                    &mut causes,
                    false,
                ));
                continue;
            };
            let Some(mut variation) = old
                .iter()
                .find(|v| v["id"].as_u64().is_some() && v["id"] == *variation_id)
                .cloned()
            else {
                causes.push(invalid(
                    "item.variations.id.invalid",
                    "item.variations.id",
                    format!("The item {id} has no variation {variation_id}"),
                ));
                continue;
            };
            change_variation(&mut variation, entry, category, &item_pictures, &mut causes);
            kept.push(variation);
        }
        check_unique(&kept, &mut causes);
        item["variations"] = json!(kept);
    }
    if !causes.is_empty() {
        return Err(MlError::validation(causes));
    }
    settle(&mut item);
    item["last_updated"] = json!(local_time(state.now()));
    state.items.insert(id.to_string(), item.clone());
    notify(state, &item);
    ok(item)
}

/// Applies one `variations[]` entry with an `id` to that variation.
fn change_variation(
    variation: &mut Value,
    entry: &Value,
    category: Option<&MlCategory>,
    item_pictures: &[Value],
    causes: &mut Vec<Value>,
) {
    if let Some(p) = entry.get("price") {
        if let Some(c) = price(p, causes, "item.variations.price") {
            variation["price"] = amount(c);
        }
    }
    if let Some(q) = entry.get("available_quantity") {
        if let Some(q) = stock(q, causes, "item.variations.available_quantity") {
            variation["available_quantity"] = json!(q);
        }
    }
    if let Some(given) = entry.get("attribute_combinations") {
        variation["attribute_combinations"] = json!(combinations(category, given, causes));
    }
    if let Some(given) = entry.get("attributes") {
        let changes = attributes(category, given, causes, "item.variations.attributes");
        let mut list = variation["attributes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        merge_attributes(&mut list, changes);
        variation["attributes"] = json!(list);
    }
    if let Some(field) = entry.get("seller_custom_field") {
        variation["seller_custom_field"] = text_or_null(Some(field));
    }
    if let Some(given) = entry.get("picture_ids") {
        variation["picture_ids"] = json!(picture_ids(given, item_pictures));
    }
}

/// `GET /items/{id}/description` → `{plain_text}` (empty when none was given).
pub fn description(state: &mut State, id: &str) -> Reply {
    if !state.items.contains_key(id) {
        return Err(not_found(id));
    }
    let text = state.descriptions.get(id).cloned().unwrap_or_default();
    ok(json!({"plain_text": text}))
}

/// `PUT /items/{id}/description` `{plain_text}`: the same gates as a `PUT` of the item; moves
/// its `last_updated` and notifies `items` (sandbox choice).
pub fn set_description(state: &mut State, ctx: &MlOptions, id: &str, body: &Value) -> Reply {
    let mut item = own_item(state, ctx, id)?;
    if item["status"] == "closed" {
        return Err(MlError::validation(vec![invalid(
            "item.status.invalid",
            "item.status",
            format!("The item {id} is closed and cannot be modified"),
        )]));
    }
    let text = body["plain_text"]
        .as_str()
        .ok_or_else(|| MlError::bad_request("plain_text is required"))?
        .to_string();
    state.descriptions.insert(id.to_string(), text.clone());
    item["last_updated"] = json!(local_time(state.now()));
    state.items.insert(id.to_string(), item.clone());
    notify(state, &item);
    ok(json!({"plain_text": text}))
}

/// Sets `status` as moderation or the seller would, outside the API's rules (a test control).
pub fn set_status(state: &mut State, id: &str, status: &str) -> Result<Value, String> {
    if !STATUSES.contains(&status) {
        return Err(format!("unknown item status {status}; one of {STATUSES:?}"));
    }
    let now = local_time(state.now());
    let item = state
        .items
        .get_mut(id)
        .ok_or_else(|| format!("no item {id}"))?;
    item["status"] = json!(status);
    item["last_updated"] = json!(now);
    let item = item.clone();
    notify(state, &item);
    Ok(item)
}

/// Takes `quantity` from the stock of an item or of its variation, and counts it sold; a
/// negative quantity gives it back. Notifies `items`.
pub fn move_stock(state: &mut State, item_id: &str, variation: Option<u64>, quantity: i64) {
    let now = local_time(state.now());
    let Some(item) = state.items.get_mut(item_id) else {
        return;
    };
    let target = match variation {
        Some(v) => item["variations"]
            .as_array_mut()
            .and_then(|list| list.iter_mut().find(|x| x["id"].as_u64() == Some(v))),
        None => Some(&mut *item),
    };
    if let Some(target) = target {
        let available = target["available_quantity"].as_i64().unwrap_or(0);
        let sold = target["sold_quantity"].as_i64().unwrap_or(0);
        target["available_quantity"] = json!((available - quantity).max(0));
        target["sold_quantity"] = json!((sold + quantity).max(0));
    }
    settle(item);
    item["last_updated"] = json!(now);
    let item = item.clone();
    notify(state, &item);
}

/// The listing a buyer's SKU names: the `SELLER_SKU` attribute first, then
/// `seller_custom_field`, of an item without variations or of a variation; the lowest item id
/// wins.
pub fn find_sku(state: &State, sku: &str) -> Option<(String, Option<u64>)> {
    let by = |matches: &dyn Fn(&Value) -> bool| {
        state.items.values().find_map(|item| {
            let id = item["id"].as_str()?.to_string();
            let variations = item["variations"].as_array().cloned().unwrap_or_default();
            if variations.is_empty() {
                return matches(item).then_some((id, None));
            }
            variations
                .iter()
                .find(|v| matches(v))
                .map(|v| (id, v["id"].as_u64()))
        })
    };
    by(&|x: &Value| seller_sku(&x["attributes"]).as_deref() == Some(sku))
        .or_else(|| by(&|x: &Value| x["seller_custom_field"] == sku))
}

/// The stored item's fields an order line copies.
pub fn line_item(item: &Value, variation: Option<&Value>) -> Map<String, Value> {
    let source = variation.unwrap_or(item);
    let mut map = Map::new();
    map.insert("id".into(), item["id"].clone());
    map.insert("title".into(), item["title"].clone());
    map.insert("category_id".into(), item["category_id"].clone());
    map.insert(
        "variation_id".into(),
        variation.map_or(Value::Null, |v| v["id"].clone()),
    );
    map.insert(
        "seller_custom_field".into(),
        source["seller_custom_field"].clone(),
    );
    map.insert(
        "variation_attributes".into(),
        variation.map_or(json!([]), |v| v["attribute_combinations"].clone()),
    );
    map.insert("warranty".into(), json!("Sem garantia"));
    map.insert("condition".into(), item["condition"].clone());
    map.insert(
        "seller_sku".into(),
        seller_sku(&source["attributes"]).map_or(Value::Null, Value::String),
    );
    map.insert("global_price".into(), Value::Null);
    map.insert("net_weight".into(), Value::Null);
    map
}

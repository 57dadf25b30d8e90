//! Products, their variants and images [TN-PRODUCT; TN-VARIANT; TN-PRODUCT-IMAGE], and the SKU
//! look-up.
//!
//! - Texts (`name`, `description`, `handle`, `attributes`, variant `values`) are objects keyed by
//!   language; a plain string written is applied to every language.
//! - Prices are strings on read (`"25.00"`), numbers or strings on write; `stock` is null when
//!   `stock_management` is false (unlimited).
//! - A product created without variants gets one "virtual" variant (no values), which holds its
//!   price and stock [TN-PRODUCT note on PUT]. Its price is null ("contact" button) until set
//!   (inference, as the collection PUT example shows for a variant given no price).
//! - Variant SKUs are not unique: the docs call the SKU a unique identifier but show no error
//!   for a repeated one, and `GET /products/sku/{sku}` answers "the first Product found"
//!   (sandbox's choice: repeats are allowed, and the look-up answers the lowest product id).
//! - Every write moves the product's `updated_at` (variants and images included).
//! - Images keep their `src` as given: the sandbox downloads nothing (a real store fetches the
//!   picture and serves its own CDN copy).

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::errors::{NuvemError, Problems};
use super::{
    categories, cents_of, created, format_cents, i18n, listing, money, ok, text, Ctx, Reply, State,
    IMAGE_LIMIT, VARIANT_LIMIT,
};
use crate::sandbox::server::HttpRequest;

fn not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Product {id} not found"))
}

fn variant_not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Variant {id} not found"))
}

/// A product as read: categories as whole objects, images by position.
pub fn render(state: &State, product: &Value) -> Value {
    let mut product = product.clone();
    let categories: Vec<Value> = product["categories"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_u64().and_then(|id| categories::render(state, id)))
                .collect()
        })
        .unwrap_or_default();
    product["categories"] = json!(categories);
    if let Some(images) = product["images"].as_array_mut() {
        images.sort_by_key(|i| (i["position"].as_u64(), i["id"].as_u64()));
    }
    product
}

/// `GET /products`: `since_id`, `q` (names, descriptions and variant SKUs, any case), `handle`,
/// `category_id`, `published`, `created_at_min/max`, `updated_at_min/max` (inclusive),
/// `fields`, paged; by id ascending (sandbox's choice for the default `sort_by`).
pub fn list(state: &mut State, ctx: &Ctx, request: &HttpRequest) -> Reply {
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
    let published = listing::bool_param(request, "published");
    let handle = request.param("handle");
    let category = request
        .param("category_id")
        .and_then(|c| c.parse::<u64>().ok());
    let items = state
        .products
        .iter()
        .filter(|(id, _)| since.is_none_or(|s| **id > s))
        .map(|(_, p)| p)
        .filter(|p| listing::within(&p["created_at"], created.0, created.1))
        .filter(|p| listing::within(&p["updated_at"], updated.0, updated.1))
        .filter(|p| published.is_none_or(|want| p["published"].as_bool() == Some(want)))
        .filter(|p| handle.is_none_or(|h| texts(&p["handle"]).iter().any(|t| t == h)))
        .filter(|p| {
            category.is_none_or(|c| {
                p["categories"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i.as_u64() == Some(c)))
            })
        })
        .filter(|p| q.as_deref().is_none_or(|q| matches_query(p, q)))
        .map(|p| render(state, p))
        .collect();
    listing::page(request, items, &ctx.home, ctx.last_page_404)
}

/// Every language's text of an i18n object.
fn texts(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|m| {
            m.values()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn matches_query(product: &Value, q: &str) -> bool {
    let in_texts = |value: &Value| texts(value).iter().any(|t| t.to_lowercase().contains(q));
    in_texts(&product["name"])
        || in_texts(&product["description"])
        || variants(product).iter().any(|v| {
            v["sku"]
                .as_str()
                .is_some_and(|sku| sku.to_lowercase().contains(q))
        })
}

fn variants(product: &Value) -> &[Value] {
    product["variants"].as_array().map_or(&[], Vec::as_slice)
}

pub fn get(state: &mut State, request: &HttpRequest, id: u64) -> Reply {
    let product = state.products.get(&id).ok_or_else(|| not_found(id))?;
    ok(listing::select(
        render(state, product),
        listing::fields(request).as_deref(),
    ))
}

/// `GET /products/sku/{sku}`: the first product (lowest id) with a variant of exactly that SKU;
/// 404 when none (inference).
pub fn by_sku(state: &mut State, request: &HttpRequest, sku: &str) -> Reply {
    let product = state
        .products
        .values()
        .find(|p| variants(p).iter().any(|v| v["sku"].as_str() == Some(sku)))
        .ok_or_else(|| NuvemError::not_found(format!("No product has a variant with SKU {sku}")))?;
    ok(listing::select(
        render(state, product),
        listing::fields(request).as_deref(),
    ))
}

/// `POST /products`. `seed` (the Rust face's `seed_product`) also takes `id`, `created_at`,
/// `updated_at` and variant ids, and fires no webhook.
pub fn create(state: &mut State, ctx: &Ctx, body: &Value, seed: bool) -> Reply {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let name = input
        .get("name")
        .and_then(i18n)
        .filter(|n| !text(n).trim().is_empty())
        .ok_or_else(|| NuvemError::field("name", "can't be blank"))?;
    if state.products.len() >= ctx.product_limit {
        return Err(NuvemError::unprocessable(format!(
            "Store has reached maximum limit of {} allowed products",
            ctx.product_limit
        )));
    }
    let images_in = array(input, "images")?;
    if images_in.len() > IMAGE_LIMIT {
        return Err(NuvemError::unprocessable(format!(
            "Product has reached maximum limit of {IMAGE_LIMIT} allowed images"
        )));
    }
    let variants_in = array(input, "variants")?;
    if variants_in.len() > VARIANT_LIMIT {
        return Err(NuvemError::unprocessable(format!(
            "Product has reached maximum limit of {VARIANT_LIMIT} allowed variants"
        )));
    }
    let attributes = attributes(input.get("attributes"))?;
    let category_ids = category_ids(state, input.get("categories"))?;
    let attribute_count = attributes.len();
    let mut problems = Problems::default();
    let mut drafts = Vec::new();
    for given in variants_in {
        let given = given.as_object().ok_or_else(NuvemError::invalid_input)?;
        let mut variant = blank_variant();
        apply_variant(&mut variant, given, attribute_count, &mut problems);
        drafts.push((given.get("id").and_then(Value::as_u64), variant));
    }
    problems.into_result()?;
    no_repeated_values(drafts.iter().map(|(_, v)| v))?;

    let id = match input.get("id").and_then(Value::as_u64).filter(|_| seed) {
        Some(id) => {
            state.reserve_id(id);
            id
        }
        None => state.take_id(),
    };
    let now = state.stamp();
    let date = |field: &str| match input.get(field).and_then(Value::as_str) {
        Some(given) if seed => super::parse_time(given).map_or(now.clone(), super::stamp),
        _ => now.clone(),
    };
    let (created_at, updated_at) = (date("created_at"), date("updated_at"));
    if drafts.is_empty() {
        // The hidden "virtual" variant [TN-PRODUCT].
        drafts.push((None, blank_variant()));
    }
    let mut variants = Vec::new();
    for (position, (given_id, mut variant)) in drafts.into_iter().enumerate() {
        let variant_id = match given_id.filter(|_| seed) {
            Some(v) => {
                state.reserve_id(v);
                v
            }
            None => state.take_id(),
        };
        variant["id"] = json!(variant_id);
        variant["product_id"] = json!(id);
        variant["position"] = json!(position + 1);
        variant["created_at"] = json!(created_at);
        variant["updated_at"] = json!(updated_at);
        variants.push(variant);
    }
    let mut images = Vec::new();
    for (index, given) in images_in.iter().enumerate() {
        let given = given.as_object().ok_or_else(NuvemError::invalid_input)?;
        let image = new_image(state, id, given, index + 1)?;
        images.push(image);
    }
    let description = input
        .get("description")
        .and_then(i18n)
        .unwrap_or_else(|| json!({super::LANGUAGE: ""}));
    let handle = input
        .get("handle")
        .and_then(i18n)
        .unwrap_or_else(|| super::handles(&name));
    let seo_title = input
        .get("seo_title")
        .and_then(Value::as_str)
        .map_or_else(|| text(&name), str::to_string);
    let product = json!({
        "id": id,
        "name": name,
        "description": description,
        "handle": handle,
        "attributes": attributes,
        "published": input.get("published").and_then(Value::as_bool).unwrap_or(true),
        "free_shipping": input.get("free_shipping").and_then(Value::as_bool).unwrap_or(false),
        "requires_shipping": input.get("requires_shipping").and_then(Value::as_bool).unwrap_or(true),
        "canonical_url": format!("https://loja-sandbox.lojavirtualnuvem.com.br/produtos/{}/", super::slug(&text(&name))),
        "video_url": input.get("video_url").cloned().unwrap_or(Value::Null),
        "seo_title": seo_title,
        "seo_description": input.get("seo_description").and_then(Value::as_str).unwrap_or(""),
        "brand": input.get("brand").cloned().filter(Value::is_string).unwrap_or(Value::Null),
        "tags": input.get("tags").and_then(Value::as_str).unwrap_or(""),
        "created_at": created_at,
        "updated_at": updated_at,
        "variants": variants,
        "images": images,
        "categories": category_ids,
    });
    state.products.insert(id, product);
    if !seed {
        state.event("product/created", id);
    }
    Ok((201, render(state, &state.products[&id]), Vec::new()))
}

fn array<'a>(input: &'a Map<String, Value>, field: &str) -> Result<&'a [Value], NuvemError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(NuvemError::field(field, "must be an array")),
    }
}

/// `attributes`: one i18n object (or plain string) per attribute name.
fn attributes(given: Option<&Value>) -> Result<Vec<Value>, NuvemError> {
    match given {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| i18n(a).ok_or_else(|| NuvemError::field("attributes", "is invalid")))
            .collect(),
        Some(_) => Err(NuvemError::field("attributes", "must be an array")),
    }
}

/// `categories` on write: ids of categories that exist (sandbox's choice: an unknown id is a
/// 422 field error rather than ignored).
fn category_ids(state: &State, given: Option<&Value>) -> Result<Vec<u64>, NuvemError> {
    let items = match given {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(NuvemError::field("categories", "must be an array of ids")),
    };
    let mut ids = Vec::new();
    for item in items {
        let id = item
            .as_u64()
            .or_else(|| item.get("id").and_then(Value::as_u64))
            .ok_or_else(|| NuvemError::field("categories", "must be an array of ids"))?;
        if !state.categories.contains_key(&id) {
            return Err(NuvemError::field(
                "categories",
                &format!("category {id} does not exist"),
            ));
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A variant before anything is given: no price, stock not managed, the newer examples' zero
/// dimensions [TN-VARIANT PUT response].
fn blank_variant() -> Value {
    json!({
        "id": 0,
        "image_id": null,
        "product_id": 0,
        "position": 1,
        "price": null,
        "compare_at_price": null,
        "promotional_price": null,
        "stock_management": false,
        "stock": null,
        "weight": "0.000",
        "width": "0.00",
        "height": "0.00",
        "depth": "0.00",
        "sku": null,
        "values": [],
        "barcode": null,
        "mpn": null,
        "age_group": null,
        "gender": null,
        "cost": null,
        "created_at": null,
        "updated_at": null,
    })
}

/// Applies the fields `given` writes to `variant`, or notes its problems. `attributes` is the
/// product's attribute count, which `values` must match [TN-VARIANT].
fn apply_variant(
    variant: &mut Value,
    given: &Map<String, Value>,
    attributes: usize,
    problems: &mut Problems,
) {
    for (field, what) in [
        ("price", "price"),
        ("promotional_price", "promotional price"),
        ("compare_at_price", "compare at price"),
        ("cost", "cost"),
    ] {
        if let Some(value) = given.get(field) {
            match money(value) {
                Ok(Some(cents)) if cents < 0 => {
                    problems.add(field, &format!("The {what} must be at least 0."))
                }
                Ok(cents) => variant[field] = json!(cents.map(format_cents)),
                Err(()) => problems.add(field, &format!("The {what} must be a number.")),
            }
        }
    }
    for (field, decimals) in [("weight", 3), ("width", 2), ("height", 2), ("depth", 2)] {
        if let Some(value) = given.get(field) {
            match measure(value, decimals) {
                Ok(text) => variant[field] = json!(text),
                Err(()) => problems.add(field, &format!("The {field} must be a number.")),
            }
        }
    }
    let management = given.get("stock_management");
    if let Some(value) = management {
        match value.as_bool() {
            Some(on) => variant["stock_management"] = json!(on),
            None => problems.add(
                "stock_management",
                "The stock management must be a boolean.",
            ),
        }
    }
    match given.get("stock") {
        None => {}
        Some(Value::Null) if management.is_none() => {
            variant["stock_management"] = json!(false);
        }
        Some(Value::Null) => {}
        Some(value) => match value.as_i64() {
            Some(stock) => {
                variant["stock"] = json!(stock);
                if management.is_none() {
                    variant["stock_management"] = json!(true);
                }
            }
            None => problems.add("stock", "The stock must be an integer."),
        },
    }
    if variant["stock_management"] == json!(true) && variant["stock"].is_null() {
        variant["stock"] = json!(0);
    }
    if variant["stock_management"] != json!(true) {
        variant["stock"] = Value::Null;
    }
    for field in ["sku", "barcode", "mpn", "age_group", "gender"] {
        match given.get(field) {
            None => {}
            Some(Value::Null) => variant[field] = Value::Null,
            Some(Value::String(s)) => variant[field] = json!(s),
            Some(Value::Number(n)) => variant[field] = json!(n.to_string()),
            Some(_) => problems.add(field, &format!("The {field} must be a string.")),
        }
    }
    if let Some(image) = given.get("image_id") {
        variant["image_id"] = image.clone();
    }
    if let Some(values) = given.get("values") {
        match values.as_array() {
            Some(items) if items.iter().all(|v| i18n(v).is_some()) => {
                variant["values"] = json!(items.iter().filter_map(i18n).collect::<Vec<_>>());
            }
            _ => problems.add("values", "The values must be an array of texts."),
        }
    }
    let count = variant["values"].as_array().map_or(0, Vec::len);
    if count != attributes && !(count == 0 && given.get("values").is_none()) {
        problems.add(
            "values",
            &format!("The values must be as many as the product's attributes ({attributes})."),
        );
    }
}

/// A weight or dimension written as a number or string, shown with `decimals` decimals.
fn measure(value: &Value, decimals: usize) -> Result<Value, ()> {
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(()),
    };
    let number: f64 = text.parse().map_err(|_| ())?;
    if !number.is_finite() || number < 0.0 {
        return Err(());
    }
    Ok(json!(format!("{number:.decimals$}")))
}

/// What identifies a variant within its product: its values' texts.
fn values_key(variant: &Value) -> Vec<String> {
    variant["values"]
        .as_array()
        .map(|values| values.iter().map(text).collect())
        .unwrap_or_default()
}

/// Refuses two variants with the same values [TN-VARIANT: "values cannot repeat"].
fn no_repeated_values<'a>(variants: impl Iterator<Item = &'a Value>) -> Result<(), NuvemError> {
    let mut seen = HashSet::new();
    for variant in variants {
        if !seen.insert(values_key(variant)) {
            return Err(NuvemError::unprocessable("Variants cannot be repeated"));
        }
    }
    Ok(())
}

/// `PUT /products/{id}`: the product's own fields, partially; variants have their own
/// endpoints (a `variants` key here is ignored: sandbox's choice).
pub fn update(state: &mut State, _ctx: &Ctx, id: u64, body: &Value) -> Reply {
    let input = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    if !state.products.contains_key(&id) {
        return Err(not_found(id));
    }
    let category_ids = match input.get("categories") {
        Some(given) => Some(category_ids(state, Some(given))?),
        None => None,
    };
    let attributes = match input.get("attributes") {
        Some(given) => Some(attributes(Some(given))?),
        None => None,
    };
    let now = state.stamp();
    let product = state.products.get_mut(&id).ok_or_else(|| not_found(id))?;
    if let Some(attributes) = &attributes {
        if variants(product)
            .iter()
            .any(|v| !values_key(v).is_empty() && values_key(v).len() != attributes.len())
        {
            return Err(NuvemError::unprocessable(
                "The attributes must be as many as the variants' values",
            ));
        }
    }
    for field in ["name", "description", "handle"] {
        if let Some(value) = input.get(field) {
            let value = i18n(value).ok_or_else(|| NuvemError::field(field, "is invalid"))?;
            if field == "name" && text(&value).trim().is_empty() {
                return Err(NuvemError::field("name", "can't be blank"));
            }
            product[field] = value;
        }
    }
    for field in ["published", "free_shipping", "requires_shipping"] {
        if let Some(value) = input.get(field) {
            let on = value
                .as_bool()
                .ok_or_else(|| NuvemError::field(field, "must be true or false"))?;
            product[field] = json!(on);
        }
    }
    for field in ["brand", "seo_title", "seo_description", "tags", "video_url"] {
        if let Some(value) = input.get(field) {
            if !(value.is_string() || value.is_null()) {
                return Err(NuvemError::field(field, "must be a string"));
            }
            product[field] = value.clone();
        }
    }
    if let Some(ids) = category_ids {
        product["categories"] = json!(ids);
    }
    if let Some(attributes) = attributes {
        product["attributes"] = json!(attributes);
    }
    product["updated_at"] = json!(now);
    state.event("product/updated", id);
    ok(render(state, &state.products[&id]))
}

/// `DELETE /products/{id}` → `{}` [TN-PRODUCT].
pub fn delete(state: &mut State, id: u64) -> Reply {
    state.products.remove(&id).ok_or_else(|| not_found(id))?;
    state.event("product/deleted", id);
    ok(json!({}))
}

/// The product's attribute count, or 404.
fn product_mut(state: &mut State, id: u64) -> Result<&mut Value, NuvemError> {
    state.products.get_mut(&id).ok_or_else(|| not_found(id))
}

fn touch(state: &mut State, product_id: u64) {
    let now = state.stamp();
    if let Some(product) = state.products.get_mut(&product_id) {
        product["updated_at"] = json!(now);
    }
    state.event("product/updated", product_id);
}

// ---- Variants ----

pub fn list_variants(state: &mut State, ctx: &Ctx, request: &HttpRequest, pid: u64) -> Reply {
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    let since = listing::since_id(request)?;
    let (min, max) = (
        listing::date_param(request, "updated_at_min")?,
        listing::date_param(request, "updated_at_max")?,
    );
    let items = variants(product)
        .iter()
        .filter(|v| since.is_none_or(|s| v["id"].as_u64().is_some_and(|id| id > s)))
        .filter(|v| listing::within(&v["updated_at"], min, max))
        .cloned()
        .collect();
    listing::page(request, items, &ctx.home, ctx.last_page_404)
}

pub fn get_variant(state: &mut State, pid: u64, vid: u64) -> Reply {
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    variants(product)
        .iter()
        .find(|v| v["id"].as_u64() == Some(vid))
        .cloned()
        .map_or_else(|| Err(variant_not_found(vid)), ok)
}

/// `POST /products/{pid}/variants`.
pub fn create_variant(state: &mut State, pid: u64, body: &Value) -> Reply {
    let given = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    let attribute_count = product["attributes"].as_array().map_or(0, Vec::len);
    let count = variants(product).len();
    if count >= VARIANT_LIMIT {
        return Err(NuvemError::unprocessable(format!(
            "Product has reached maximum limit of {VARIANT_LIMIT} allowed variants"
        )));
    }
    let mut variant = blank_variant();
    let mut problems = Problems::default();
    apply_variant(&mut variant, given, attribute_count, &mut problems);
    problems.into_result()?;
    no_repeated_values(variants(product).iter().chain(std::iter::once(&variant)))?;
    let (id, now) = (state.take_id(), state.stamp());
    variant["id"] = json!(id);
    variant["product_id"] = json!(pid);
    variant["position"] = json!(count + 1);
    variant["created_at"] = json!(now);
    variant["updated_at"] = json!(now);
    let product = product_mut(state, pid)?;
    if let Some(list) = product["variants"].as_array_mut() {
        list.push(variant.clone());
    }
    touch(state, pid);
    created(variant)
}

/// `PUT /products/{pid}/variants/{id}`: the fields given.
pub fn update_variant(state: &mut State, pid: u64, vid: u64, body: &Value) -> Reply {
    let given = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let now = state.stamp();
    let product = product_mut(state, pid)?;
    let attribute_count = product["attributes"].as_array().map_or(0, Vec::len);
    let list = product["variants"]
        .as_array_mut()
        .ok_or_else(|| variant_not_found(vid))?;
    let index = list
        .iter()
        .position(|v| v["id"].as_u64() == Some(vid))
        .ok_or_else(|| variant_not_found(vid))?;
    let mut variant = list[index].clone();
    let mut problems = Problems::default();
    apply_variant(&mut variant, given, attribute_count, &mut problems);
    problems.into_result()?;
    variant["updated_at"] = json!(now);
    let mut after = list.clone();
    after[index] = variant.clone();
    no_repeated_values(after.iter())?;
    list[index] = variant.clone();
    touch(state, pid);
    ok(variant)
}

/// `DELETE /products/{pid}/variants/{id}` → `{}`. The last variant stays (inference: "there must
/// be at least one variant", as the collection PUT says).
pub fn delete_variant(state: &mut State, pid: u64, vid: u64) -> Reply {
    let product = product_mut(state, pid)?;
    let list = product["variants"]
        .as_array_mut()
        .ok_or_else(|| variant_not_found(vid))?;
    let index = list
        .iter()
        .position(|v| v["id"].as_u64() == Some(vid))
        .ok_or_else(|| variant_not_found(vid))?;
    if list.len() == 1 {
        return Err(NuvemError::unprocessable(
            "A product must have at least one variant",
        ));
    }
    list.remove(index);
    touch(state, pid);
    ok(json!({}))
}

/// `PUT /products/{pid}/variants`: the whole collection. Variants are matched by their values;
/// a match is updated with what is given, the others are created, and the product's variants
/// left out are deleted. At least one; values may not repeat [TN-VARIANT]. Answers the
/// collection.
pub fn replace_variants(state: &mut State, pid: u64, body: &Value) -> Reply {
    let items = body.as_array().ok_or_else(NuvemError::invalid_input)?;
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    if items.is_empty() {
        return Err(NuvemError::unprocessable(
            "A product must have at least one variant",
        ));
    }
    if items.len() > VARIANT_LIMIT {
        return Err(NuvemError::unprocessable(format!(
            "Product has reached maximum limit of {VARIANT_LIMIT} allowed variants"
        )));
    }
    let attribute_count = product["attributes"].as_array().map_or(0, Vec::len);
    let existing = variants(product).to_vec();
    let mut problems = Problems::default();
    let mut next = Vec::new();
    for given in items {
        let given = given.as_object().ok_or_else(NuvemError::invalid_input)?;
        let mut probe = blank_variant();
        apply_variant(&mut probe, given, attribute_count, &mut Problems::default());
        let key = values_key(&probe);
        let mut variant = existing
            .iter()
            .find(|v| values_key(v) == key)
            .cloned()
            .unwrap_or_else(blank_variant);
        apply_variant(&mut variant, given, attribute_count, &mut problems);
        next.push(variant);
    }
    problems.into_result()?;
    no_repeated_values(next.iter())?;
    let now = state.stamp();
    for (position, variant) in next.iter_mut().enumerate() {
        if variant["id"].as_u64().unwrap_or(0) == 0 {
            variant["id"] = json!(state.take_id());
            variant["product_id"] = json!(pid);
            variant["created_at"] = json!(now);
        }
        variant["position"] = json!(position + 1);
        variant["updated_at"] = json!(now);
    }
    product_mut(state, pid)?["variants"] = json!(next);
    touch(state, pid);
    ok(json!(next))
}

/// `PATCH /products/{pid}/variants`: a partial update of existing variants, each item naming its
/// `id`. All or nothing: an id repeated, or not a variant of this product, is a 422 with the
/// ids (`duplicate_variant_ids`, as [TN-VARIANT] shows; `not_found_variant_ids`, sandbox's
/// choice of key and words); a field refused is the 422 "Validation error". Answers the updated
/// variants, in the order given.
pub fn patch_variants(state: &mut State, pid: u64, body: &Value) -> Reply {
    let items = body.as_array().ok_or_else(NuvemError::invalid_input)?;
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    let attribute_count = product["attributes"].as_array().map_or(0, Vec::len);
    let mut seen = HashSet::new();
    let (mut repeated, mut unknown) = (Vec::new(), Vec::new());
    let mut ids = Vec::new();
    for item in items {
        let id = item
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(NuvemError::invalid_input)?;
        if !seen.insert(id) && !repeated.contains(&id) {
            repeated.push(id);
        }
        if !variants(product)
            .iter()
            .any(|v| v["id"].as_u64() == Some(id))
        {
            unknown.push(id);
        }
        ids.push(id);
    }
    if !repeated.is_empty() {
        return Err(NuvemError::unprocessable("Variants cannot be repeated")
            .with("duplicate_variant_ids", json!(repeated)));
    }
    if !unknown.is_empty() {
        return Err(
            NuvemError::unprocessable("Variants do not belong to the product")
                .with("not_found_variant_ids", json!(unknown)),
        );
    }
    let mut next = variants(product).to_vec();
    let mut problems = Problems::default();
    let now = state.stamp();
    for (item, id) in items.iter().zip(&ids) {
        let given = item.as_object().ok_or_else(NuvemError::invalid_input)?;
        if let Some(variant) = next.iter_mut().find(|v| v["id"].as_u64() == Some(*id)) {
            apply_variant(variant, given, attribute_count, &mut problems);
            variant["updated_at"] = json!(now);
        }
    }
    problems.into_result()?;
    no_repeated_values(next.iter())?;
    let answer: Vec<Value> = ids
        .iter()
        .filter_map(|id| next.iter().find(|v| v["id"].as_u64() == Some(*id)).cloned())
        .collect();
    product_mut(state, pid)?["variants"] = json!(next);
    touch(state, pid);
    ok(json!(answer))
}

/// Moves stock of a managed variant by `delta` (negative takes); `false` if it is not there.
pub fn move_stock(state: &mut State, pid: u64, vid: u64, delta: i64) -> bool {
    let now = state.stamp();
    let Some(product) = state.products.get_mut(&pid) else {
        return false;
    };
    let Some(variant) = product["variants"]
        .as_array_mut()
        .and_then(|l| l.iter_mut().find(|v| v["id"].as_u64() == Some(vid)))
    else {
        return false;
    };
    if variant["stock_management"] == json!(true) {
        let stock = variant["stock"].as_i64().unwrap_or(0);
        variant["stock"] = json!(stock + delta);
        variant["updated_at"] = json!(now);
        product["updated_at"] = json!(now);
    }
    true
}

/// The product and variant a variant id belongs to.
pub fn find_variant(state: &State, vid: u64) -> Option<(&Value, &Value)> {
    state.products.values().find_map(|p| {
        variants(p)
            .iter()
            .find(|v| v["id"].as_u64() == Some(vid))
            .map(|v| (p, v))
    })
}

/// The first variant with this SKU (lowest product id), as the SKU look-up finds it.
pub fn find_sku<'a>(state: &'a State, sku: &str) -> Option<(&'a Value, &'a Value)> {
    state.products.values().find_map(|p| {
        variants(p)
            .iter()
            .find(|v| v["sku"].as_str() == Some(sku))
            .map(|v| (p, v))
    })
}

/// A variant's price in cents: its promotional price when it has one.
pub fn selling_cents(variant: &Value) -> i64 {
    match &variant["promotional_price"] {
        Value::String(p) if !p.is_empty() => cents_of(&variant["promotional_price"]),
        _ => cents_of(&variant["price"]),
    }
}

// ---- Images ----

fn new_image(
    state: &mut State,
    pid: u64,
    given: &Map<String, Value>,
    default_position: usize,
) -> Result<Value, NuvemError> {
    let src = given
        .get("src")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
        .ok_or_else(|| NuvemError::field("src", "must be an http(s) URL"))?;
    let position = given
        .get("position")
        .and_then(Value::as_u64)
        .unwrap_or(default_position as u64);
    let alt = given.get("alt").cloned().unwrap_or(json!([]));
    let (id, now) = (state.take_id(), state.stamp());
    Ok(json!({
        "id": id,
        "product_id": pid,
        "src": src,
        "position": position,
        "alt": alt,
        "created_at": now,
        "updated_at": now,
    }))
}

fn images(product: &Value) -> Vec<Value> {
    let mut images = product["images"].as_array().cloned().unwrap_or_default();
    images.sort_by_key(|i| (i["position"].as_u64(), i["id"].as_u64()));
    images
}

fn image_not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Image {id} not found"))
}

pub fn list_images(state: &mut State, ctx: &Ctx, request: &HttpRequest, pid: u64) -> Reply {
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    let since = listing::since_id(request)?;
    let items = images(product)
        .into_iter()
        .filter(|i| since.is_none_or(|s| i["id"].as_u64().is_some_and(|id| id > s)))
        .collect();
    listing::page(request, items, &ctx.home, ctx.last_page_404)
}

pub fn get_image(state: &mut State, pid: u64, iid: u64) -> Reply {
    let product = state.products.get(&pid).ok_or_else(|| not_found(pid))?;
    images(product)
        .into_iter()
        .find(|i| i["id"].as_u64() == Some(iid))
        .map_or_else(|| Err(image_not_found(iid)), ok)
}

/// `POST /products/{pid}/images` `{src, position?, alt?}`.
pub fn create_image(state: &mut State, pid: u64, body: &Value) -> Reply {
    let given = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let count = state.products.get(&pid).ok_or_else(|| not_found(pid))?["images"]
        .as_array()
        .map_or(0, Vec::len);
    if count >= IMAGE_LIMIT {
        return Err(NuvemError::unprocessable(format!(
            "Product has reached maximum limit of {IMAGE_LIMIT} allowed images"
        )));
    }
    let image = new_image(state, pid, given, count + 1)?;
    if let Some(list) = product_mut(state, pid)?["images"].as_array_mut() {
        list.push(image.clone());
    }
    touch(state, pid);
    created(image)
}

/// `PUT /products/{pid}/images/{id}`: `src`, `position`, `alt`.
pub fn update_image(state: &mut State, pid: u64, iid: u64, body: &Value) -> Reply {
    let given = body.as_object().ok_or_else(NuvemError::invalid_input)?;
    let now = state.stamp();
    let product = product_mut(state, pid)?;
    let image = product["images"]
        .as_array_mut()
        .and_then(|l| l.iter_mut().find(|i| i["id"].as_u64() == Some(iid)))
        .ok_or_else(|| image_not_found(iid))?;
    if let Some(src) = given.get("src") {
        match src.as_str() {
            Some(s) if s.starts_with("http://") || s.starts_with("https://") => {
                image["src"] = json!(s)
            }
            _ => return Err(NuvemError::field("src", "must be an http(s) URL")),
        }
    }
    if let Some(position) = given.get("position") {
        image["position"] = json!(position
            .as_u64()
            .ok_or_else(|| NuvemError::field("position", "must be an integer"))?);
    }
    if let Some(alt) = given.get("alt") {
        image["alt"] = alt.clone();
    }
    image["updated_at"] = json!(now);
    let image = image.clone();
    touch(state, pid);
    ok(image)
}

/// `DELETE /products/{pid}/images/{id}` → `{}`.
pub fn delete_image(state: &mut State, pid: u64, iid: u64) -> Reply {
    let product = product_mut(state, pid)?;
    let list = product["images"]
        .as_array_mut()
        .ok_or_else(|| image_not_found(iid))?;
    let before = list.len();
    list.retain(|i| i["id"].as_u64() != Some(iid));
    if list.len() == before {
        return Err(image_not_found(iid));
    }
    for variant in product["variants"].as_array_mut().into_iter().flatten() {
        if variant["image_id"].as_u64() == Some(iid) {
            variant["image_id"] = Value::Null;
        }
    }
    touch(state, pid);
    ok(json!({}))
}

//! Products and their variations (`/products`, `/products/{id}`,
//! `/products/{id}/variations[/{id}]`): the product as `prepare_object_for_database` stores it
//! (unique SKU and GTIN, prices, stock, sale dates, attributes, images, categories, tags and
//! brands), a variation as its own endpoint shows it, what a variation changes on its parent,
//! and listings with the filters and sort orders a real store applies.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::super::server::HttpRequest;
use super::errors::{
    as_rest_boolean, as_rest_integer, check_enum, check_params, check_type, ParamError, WooError,
};
use super::html::{filter_post_kses, wpautop};
use super::listing::{self, Key, ListQuery, Sort};
use super::{
    links, media, read, set_dates, slugify, taxes, terms, Ctx, Reply, State, WcVersion,
    SITE_OFFSET_SECONDS,
};
use crate::model::money::{format_cents, parse_cents};
use crate::time::{format_naive, now_unix};

fn new_product(ctx: &Ctx, id: u64, parent: Option<u64>) -> Value {
    let home = ctx.home.as_str();
    let mut product = json!({
        "id": id, "name": "", "slug": "", "permalink": "", "type": "simple", "status": "publish", "featured": false,
        "catalog_visibility": "visible", "description": "", "short_description": "", "sku": "", "global_unique_id": "",
        "price": "", "regular_price": "", "sale_price": "", "date_on_sale_from": null, "date_on_sale_from_gmt": null,
        "date_on_sale_to": null, "date_on_sale_to_gmt": null, "price_html": "", "on_sale": false, "purchasable": false,
        "total_sales": 0, "virtual": false, "downloadable": false, "downloads": [], "download_limit": -1,
        "download_expiry": -1, "external_url": "", "button_text": "", "tax_status": "taxable", "tax_class": "",
        "manage_stock": false, "stock_quantity": null, "stock_status": "instock", "backorders": "no",
        "backorders_allowed": false, "backordered": false, "sold_individually": false, "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""}, "shipping_required": true, "shipping_taxable": true,
        "shipping_class": "", "shipping_class_id": 0, "reviews_allowed": true, "average_rating": "0.00",
        "rating_count": 0, "related_ids": [], "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0,
        "purchase_note": "", "categories": [], "tags": [], "brands": [], "images": [], "attributes": [],
        "default_attributes": [], "variations": [], "grouped_products": [], "menu_order": 0, "meta_data": [],
    });
    // Older stores have no such fields at all.
    if !ctx.version.has_global_unique_id() {
        product
            .as_object_mut()
            .map(|p| p.remove("global_unique_id"));
    }
    if !ctx.version.has_brands() {
        product.as_object_mut().map(|p| p.remove("brands"));
    }
    let now = now_unix();
    set_dates(&mut product, "date_created", now);
    set_dates(&mut product, "date_modified", now);
    if let Some(parent) = parent {
        product["type"] = json!("variation");
        product["parent_id"] = json!(parent);
        product["image"] = Value::Null;
    }
    product["_links"] = product_links(home, id, parent);
    product
}

fn product_links(home: &str, id: u64, parent: Option<u64>) -> Value {
    match parent {
        Some(parent) => links(
            home,
            &format!("/products/{parent}/variations/{id}"),
            &format!("/products/{parent}/variations"),
            Some(format!("/products/{parent}")),
        ),
        None => links(home, &format!("/products/{id}"), "/products", None),
    }
}

/// The fields a variation has in the API (the product fields it shares, plus its own).
const VARIATION_FIELDS: &[&str] = &[
    "id",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "description",
    "permalink",
    "sku",
    "global_unique_id",
    "price",
    "regular_price",
    "sale_price",
    "date_on_sale_from",
    "date_on_sale_from_gmt",
    "date_on_sale_to",
    "date_on_sale_to_gmt",
    "on_sale",
    "status",
    "purchasable",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "backorders_allowed",
    "backordered",
    "weight",
    "dimensions",
    "shipping_class",
    "shipping_class_id",
    "image",
    "attributes",
    "menu_order",
    "meta_data",
    "_links",
];

/// The product as `/products/{parent}/variations/{id}` shows a variation.
pub(super) fn variation_view(product: &Value) -> Value {
    let mut view = Map::new();
    for field in VARIATION_FIELDS {
        // A store without GTINs (8.9.3) has no such key at all.
        if *field == "global_unique_id" && product.get(*field).is_none() {
            continue;
        }
        view.insert(
            (*field).to_string(),
            product.get(*field).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(view)
}

pub(super) fn get_product(state: &State, id: u64, parent: Option<u64>) -> Result<Value, WooError> {
    let product = state.products.get(&id);
    match (product, parent) {
        (Some(p), None) if p["type"] != "variation" => Ok(p.clone()),
        (Some(_), None) => Err(WooError::new(
            404,
            "woocommerce_rest_invalid_product_id",
            "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.",
        )),
        (Some(p), Some(parent)) if p["parent_id"].as_u64() == Some(parent) => Ok(variation_view(p)),
        (_, Some(_)) => Err(WooError::invalid_id("variation", 404)),
        (None, None) => Err(WooError::invalid_id("product", 404)),
    }
}

/// `GET /products/{id}`, as a read shows it (`read_view`).
pub(super) fn get(state: &State, request: &HttpRequest, id: u64) -> Reply {
    get_product(state, id, None).map(|product| read(read_view(product, request)))
}

/// `DELETE /products/{id}`: for good with `force`; without it, WordPress moves it to the trash.
pub(super) fn delete(state: &mut State, request: &HttpRequest, id: u64) -> Reply {
    if matches!(request.param("force"), Some("true" | "1")) {
        delete_product(state, id, None)
    } else {
        trash_product(state, id)
    }
}

/// `GET /products/{id}/variations`: the parent must be a product.
pub(super) fn list_variations(
    state: &State,
    ctx: &Ctx,
    request: &HttpRequest,
    parent: u64,
) -> Reply {
    get_product(state, parent, None)?;
    list_products(state, ctx, request, Some(parent))
}

/// Checks a product body against the schema as WordPress does: every bad field is reported
/// together, in the schema's order.
fn check_product_body(ctx: &Ctx, body: &Value) -> Result<(), WooError> {
    let mut errors = Vec::new();
    let strings = |field: &str, errors: &mut Vec<ParamError>| {
        check_type(body, field, "string", Value::is_string, errors)
    };
    strings("name", &mut errors);
    check_enum(
        body,
        "type",
        &["simple", "grouped", "external", "variable"],
        &mut errors,
    );
    check_enum(
        body,
        "status",
        &[
            "draft",
            "pending",
            "private",
            "publish",
            "future",
            "auto-draft",
            "trash",
        ],
        &mut errors,
    );
    check_enum(
        body,
        "catalog_visibility",
        &["visible", "catalog", "search", "hidden"],
        &mut errors,
    );
    strings("description", &mut errors);
    strings("sku", &mut errors);
    if ctx.version.has_global_unique_id() {
        strings("global_unique_id", &mut errors);
    }
    strings("regular_price", &mut errors);
    strings("sale_price", &mut errors);
    strings("tax_class", &mut errors);
    check_type(
        body,
        "manage_stock",
        "boolean",
        |v| as_rest_boolean(v).is_some(),
        &mut errors,
    );
    check_type(
        body,
        "stock_quantity",
        "integer",
        |v| as_rest_integer(v).is_some(),
        &mut errors,
    );
    check_enum(
        body,
        "stock_status",
        &["instock", "outofstock", "onbackorder"],
        &mut errors,
    );
    check_enum(body, "backorders", &["no", "notify", "yes"], &mut errors);
    strings("weight", &mut errors);
    check_params(errors)
}

/// Applies a create or update body to a stored product or variation, as
/// `prepare_object_for_database` does, checking SKU and GTIN uniqueness across all items.
fn apply_product(
    state: &State,
    ctx: &Ctx,
    fetched: &media::Fetched,
    product: &mut Value,
    body: &Value,
    is_variation: bool,
) -> Result<Option<ImageChange>, WooError> {
    let Some(fields) = body.as_object() else {
        return Err(WooError::new(
            400,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        ));
    };
    check_product_body(ctx, body)?;
    let id = product["id"].as_u64().unwrap_or(0);

    if let Some(sku) = fields.get("sku").and_then(Value::as_str) {
        let sku = sku.trim();
        if !sku.is_empty() {
            if let Some(owner) = state
                .by_sku
                .get(sku)
                .filter(|owner| **owner != id)
                .and_then(|owner| state.products.get(owner))
            {
                if owner["status"] == "trash" && ctx.version != WcVersion::V8_9_3 {
                    // The product lookup table still has it (seen on 10.0.2; 8.9.3 lets a new
                    // product take the SKU of one in the trash).
                    return Err(WooError::new(
                        400,
                        "woocommerce_rest_product_not_created",
                        format!("The product with SKU ({sku}) you are trying to insert is already present in the lookup table"),
                    ));
                }
                return Err(WooError::new(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                )
                .with("resource_id", owner["id"].clone())
                .with("unique_sku", json!(format!("{sku}-1"))));
            }
        }
        product["sku"] = json!(sku);
    }
    // A store before 9.2 has no GTIN: the field is dropped, as WordPress drops unknown fields.
    let gtin_given = fields
        .get("global_unique_id")
        .and_then(Value::as_str)
        .filter(|_| ctx.version.has_global_unique_id());
    if let Some(gtin) = gtin_given {
        let gtin: String = gtin
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-'))
            .collect();
        if !gtin.is_empty() {
            if let Some(owner) = state
                .by_gtin
                .get(&gtin)
                .filter(|owner| **owner != id)
                .and_then(|owner| state.products.get(owner))
            {
                return Err(WooError::new(
                    400,
                    "product_invalid_global_unique_id",
                    "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                )
                .with("resource_id", owner["id"].clone()));
            }
        }
        product["global_unique_id"] = json!(gtin);
    }
    let mut images = None;
    for (field, value) in fields {
        match field.as_str() {
            "id" | "sku" | "global_unique_id" | "parent_id" | "variations" | "price"
            | "date_created" | "date_modified" | "_links" | "permalink" => {}
            // After the loop: they depend on the type.
            "date_on_sale_from"
            | "date_on_sale_from_gmt"
            | "date_on_sale_to"
            | "date_on_sale_to_gmt" => {}
            // Seen on 10.0.2: stored through `wp_filter_post_kses`, with no `<p>` added (reads
            // add them: `read_view`): "algodão & linho" is kept as `algodão &amp; linho`,
            // `<p>a</p><script>x</script><b>b</b>` as `<p>a</p>x<b>b</b>`, new lines as sent.
            "short_description" | "description" => {
                if let Some(text) = value.as_str() {
                    product[field] = json!(filter_post_kses(text));
                }
            }
            "regular_price" | "sale_price" => {
                product[field] = json!(format_decimal(value.as_str().unwrap_or("")));
            }
            "stock_quantity" => {
                product["stock_quantity"] = as_rest_integer(value).map_or(Value::Null, |n| json!(n))
            }
            "manage_stock" => product["manage_stock"] = json!(as_rest_boolean(value) == Some(true)),
            "tax_class" => {
                product["tax_class"] = json!(taxes::product_class(value.as_str().unwrap_or("")))
            }
            "inventory_delta" => {
                let current = product["stock_quantity"].as_i64().unwrap_or(0);
                product["stock_quantity"] = json!(current + value.as_i64().unwrap_or(0));
            }
            "brands" if !is_variation => {
                let terms: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b.as_u64().or_else(|| b.get("id").and_then(Value::as_u64)))
                    .filter_map(|id| state.brands.get(&id))
                    .map(|b| json!({"id": b["id"], "name": b["name"], "slug": b["slug"]}))
                    .collect();
                product["brands"] = json!(terms);
            }
            "categories" if !is_variation => {
                product["categories"] = terms::product_categories(state, value);
            }
            "tags" if !is_variation => {
                let terms: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        let id = t.get("id").and_then(Value::as_u64).unwrap_or(0);
                        let name = t
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or(format!("Term {id}"));
                        json!({"id": id, "name": name, "slug": slugify(&name)})
                    })
                    .collect();
                product[field.as_str()] = json!(terms);
            }
            "images" if !is_variation => {
                images = Some(plan_gallery(state, fetched, value)?);
            }
            // `null` is no change; `{}` (no id, no src) removes the image (seen on 10.0.2).
            "image" if is_variation && value.is_object() => {
                images = Some(ImageChange::Single(media::plan(
                    state,
                    fetched,
                    value,
                    media::Owner::Variation,
                )?));
            }
            "images" | "image" | "categories" | "tags" | "brands" => {}
            "attributes" if is_variation => {
                let parent = product["parent_id"].as_u64().unwrap_or(0);
                product["attributes"] = variation_attributes(state, parent, value);
            }
            "attributes" => product["attributes"] = product_attributes(value),
            "default_attributes" => {
                let defaults: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let name = a
                            .get("name")
                            .cloned()
                            .unwrap_or_else(|| json!(attribute_name(a.get("id"))));
                        json!({"id": a.get("id").cloned().unwrap_or(json!(0)), "name": name,
                               "option": a.get("option").cloned().unwrap_or(json!(""))})
                    })
                    .collect();
                product["default_attributes"] = json!(defaults);
            }
            "downloads" => {
                let downloads: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        // The docs' batch example answers a new download with `"id": 0`.
                        json!({"id": d.get("id").cloned().unwrap_or(json!(0)),
                               "name": d.get("name").cloned().unwrap_or(json!("")),
                               "file": d.get("file").cloned().unwrap_or(json!(""))})
                    })
                    .collect();
                product["downloads"] = json!(downloads);
            }
            "meta_data" => {
                let mut meta = product["meta_data"].as_array().cloned().unwrap_or_default();
                for entry in value.as_array().into_iter().flatten() {
                    let key = entry.get("key").cloned().unwrap_or(Value::Null);
                    match meta.iter_mut().find(|m| m["key"] == key) {
                        Some(existing) => existing["value"] = entry.get("value").cloned().unwrap_or(Value::Null),
                        None => meta.push(json!({"id": meta.len() as u64 + 1000 * id, "key": key, "value": entry.get("value").cloned().unwrap_or(Value::Null)})),
                    }
                }
                product["meta_data"] = json!(meta);
            }
            "dimensions" => {
                for axis in ["length", "width", "height"] {
                    if let Some(v) = value.get(axis) {
                        product["dimensions"][axis] = v.clone();
                    }
                }
            }
            other if product.get(other).is_some() => product[other] = value.clone(),
            // Unknown parameters are ignored, as WordPress ignores them.
            _ => {}
        }
    }
    apply_sale_dates(product, fields);
    finish_product(product);
    Ok(images)
}

/// A product as a read shows it. Seen on 10.0.2: reads answer in the `view` context, where
/// `description` and `short_description` go through `wpautop` (`"algodão &amp; linho"` reads
/// `"<p>algodão &amp; linho</p>\n"`), while the answers to POST, PUT and batches, and reads
/// with `context=edit`, give them as stored.
fn read_view(mut product: Value, request: &HttpRequest) -> Value {
    if request.param("context") != Some("edit") {
        for field in ["description", "short_description"] {
            if let Some(text) = product[field].as_str() {
                product[field] = json!(wpautop(text));
            }
        }
    }
    product
}

/// The images a request asked for, stored once the item is valid.
enum ImageChange {
    /// A product's `images`: the gallery, the first one featured.
    Gallery(Vec<media::Planned>),
    /// A variation's `image`: one, or none.
    Single(Option<media::Planned>),
}

/// A product's `images`. Seen on 10.0.2: the list order is the order shown, the first is the
/// featured image; `[]` (and `[{}]`, empty items being dropped) removes them all, the
/// attachments staying in the store; an item with neither `id` nor `src` is `#0 is an invalid
/// image ID.`; any failing image fails the whole item, which is then not created or not changed.
fn plan_gallery(
    state: &State,
    fetched: &media::Fetched,
    value: &Value,
) -> Result<ImageChange, WooError> {
    let mut planned = Vec::new();
    for image in value.as_array().into_iter().flatten() {
        if image.as_object().is_none_or(Map::is_empty) {
            continue;
        }
        match media::plan(state, fetched, image, media::Owner::Product)? {
            Some(image) => planned.push(image),
            None => {
                return Err(WooError::new(
                    400,
                    "woocommerce_product_invalid_image_id",
                    "#0 is an invalid image ID.",
                ))
            }
        }
    }
    Ok(ImageChange::Gallery(planned))
}

/// Stores the planned images and shows them on the product.
fn commit_images(state: &mut State, home: &str, product: &mut Value, change: Option<ImageChange>) {
    match change {
        None => {}
        Some(ImageChange::Gallery(planned)) => {
            let ids = media::store(state, home, planned);
            product["images"] = media::images_view(state, home, &ids);
        }
        Some(ImageChange::Single(None)) => product["image"] = Value::Null,
        Some(ImageChange::Single(Some(planned))) => {
            let ids = media::store(state, home, vec![planned]);
            product["image"] = media::images_view(state, home, &ids)[0].clone();
        }
    }
}

/// A sale date as `set_date_on_sale_*` reads it: a `_gmt` field (and a date with a zone) is an
/// instant, one without `_gmt` and zone is the site's local time; `""` or what `strtotime`
/// cannot read clears it (seen on 10.0.2: "amanhã" answered 201 with the date `null`).
fn sale_date(text: &str, gmt: bool) -> Option<i64> {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text}T00:00:00")
    } else {
        text.to_string()
    };
    let unix = crate::time::parse(&full)?;
    let zoned = full
        .get(19..)
        .is_some_and(|rest| rest.contains(['Z', 'z', '+', '-']));
    Some(if gmt || zoned {
        unix
    } else {
        unix - SITE_OFFSET_SECONDS
    })
}

/// `date_on_sale_from[_gmt]` and `date_on_sale_to[_gmt]`. Seen on 10.0.2 (São Paulo, UTC-3):
/// `"2026-12-01T03:00:00"` as `_gmt` reads back as `date_on_sale_from` `2026-12-01T00:00:00`
/// and `_gmt` as sent; the end is kept as sent (`…T15:00:00` stays, no move to 23:59:59); `""`
/// clears a date, while `null` leaves it as it was (`isset` is false for null); a variable or
/// grouped product has none.
fn apply_sale_dates(product: &mut Value, fields: &Map<String, Value>) {
    for (field, base, gmt) in [
        ("date_on_sale_from", "date_on_sale_from", false),
        ("date_on_sale_from_gmt", "date_on_sale_from", true),
        ("date_on_sale_to", "date_on_sale_to", false),
        ("date_on_sale_to_gmt", "date_on_sale_to", true),
    ] {
        let Some(value) = fields.get(field).filter(|v| !v.is_null()) else {
            continue;
        };
        let unix = value.as_str().and_then(|text| sale_date(text, gmt));
        set_sale_date(product, base, unix);
    }
    if matches!(product["type"].as_str(), Some("variable" | "grouped")) {
        set_sale_date(product, "date_on_sale_from", None);
        set_sale_date(product, "date_on_sale_to", None);
    }
}

fn set_sale_date(product: &mut Value, base: &str, unix: Option<i64>) {
    match unix {
        Some(unix) => set_dates(product, base, unix),
        None => {
            product[base] = Value::Null;
            product[format!("{base}_gmt")] = Value::Null;
        }
    }
}

/// A product's `attributes` (the custom ones, by name). Seen on 10.0.2, for
/// `[{"name":"Cor","position":0,"visible":true,"variation":true,"options":["Azul","Verde"]},
/// {"name":"Material","position":1,"visible":true,"variation":false,"options":["Algodão"]}]`:
/// each comes back as `{"id":0,"name":"Material","slug":"Material","position":1,
/// "visible":true,"variation":false,"options":["Algodão"]}`, the slug being the name as given
/// (case and accents kept); sorted by position, ties in the order sent; `visible` and
/// `variation` false and `position` 0 unless given; an item without `options` is dropped;
/// options are joined with " | " and split again (`["P | M","G"]` is `["P","M","G"]`, `"A | B"`
/// is `["A","B"]`, `[]` is `[""]`); a simple product keeps `variation: true` as sent.
fn product_attributes(value: &Value) -> Value {
    let mut attributes: Vec<(u64, Value)> = Vec::new();
    for a in value.as_array().into_iter().flatten() {
        let global = a
            .get("id")
            .and_then(as_rest_integer)
            .map_or(0, i64::unsigned_abs);
        let name = a
            .get("name")
            .and_then(Value::as_str)
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if global == 0 && name.is_empty() {
            continue;
        }
        let Some(options) = a.get("options").filter(|o| !o.is_null()) else {
            continue;
        };
        let joined = match options {
            Value::Array(items) => items
                .iter()
                .map(|o| match o {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" | "),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let options: Vec<String> = joined.split('|').map(|o| o.trim().to_string()).collect();
        let position = a
            .get("position")
            .and_then(as_rest_integer)
            .map_or(0, i64::unsigned_abs);
        let flag = |key: &str| a.get(key).and_then(as_rest_boolean).unwrap_or(false);
        let name = if name.is_empty() {
            attribute_name(Some(&json!(global)))
        } else {
            name
        };
        attributes.push((
            position,
            json!({"id": global, "name": name, "slug": name, "position": position,
                   "visible": flag("visible"), "variation": flag("variation"), "options": options}),
        ));
    }
    attributes.sort_by_key(|(position, _)| *position);
    Value::Array(attributes.into_iter().map(|(_, a)| a).collect())
}

/// A variation's `attributes`: only those its parent has with `variation: true`, matched by
/// slug. Seen on 10.0.2: `[{"name":"Cor","option":"Azul"},{"name":"Material",...}]` on a parent
/// whose Material is not for variations reads back as `[{"id":0,"name":"Cor","slug":"cor",
/// "option":"Azul"}]`.
fn variation_attributes(state: &State, parent: u64, value: &Value) -> Value {
    let parent_attributes: Vec<Value> = state
        .products
        .get(&parent)
        .and_then(|p| p["attributes"].as_array().cloned())
        .unwrap_or_default();
    let mut attributes = Vec::new();
    for a in value.as_array().into_iter().flatten() {
        let global = a.get("id").and_then(as_rest_integer).unwrap_or(0);
        let option = a.get("option").cloned().unwrap_or(json!(""));
        if global != 0 {
            attributes.push(
                json!({"id": global, "name": a.get("name").cloned().unwrap_or(json!("")),
                                   "option": option}),
            );
            continue;
        }
        let slug = terms::sanitize_title(a.get("name").and_then(Value::as_str).unwrap_or(""));
        if slug.is_empty() {
            continue;
        }
        let Some(own) = parent_attributes.iter().find(|p| {
            p["variation"] == true
                && terms::sanitize_title(p["name"].as_str().unwrap_or("")) == slug
        }) else {
            continue;
        };
        attributes.push(json!({"id": 0, "name": own["name"], "slug": slug, "option": option}));
    }
    Value::Array(attributes)
}

/// A global attribute's name by id, as `pa_` taxonomies are named in the docs' examples.
fn attribute_name(id: Option<&Value>) -> String {
    match id.and_then(Value::as_u64) {
        Some(6) => "Color".to_string(),
        Some(id) if id != 0 => format!("Attribute {id}"),
        _ => String::new(),
    }
}

/// `wc_format_decimal` on a price: the store's decimal comma read as a point, anything but
/// digits, `.` and `-` dropped, and what still is no number stored as `""` (a real store
/// answers `"regular_price": "abc"` with 201 and an empty price).
fn format_decimal(text: &str) -> String {
    let cleaned: String = text
        .trim()
        .replace(',', ".")
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    parse_cents(&cleaned).map(format_cents).unwrap_or_default()
}

/// Derived fields: the active price, stock status, permalink, slug.
fn finish_product(product: &mut Value) {
    let is_variable = product["type"] == "variable";
    if is_variable || product["type"] == "grouped" {
        product["regular_price"] = json!("");
        product["sale_price"] = json!("");
    }
    if !is_variable {
        let regular = product["regular_price"].as_str().unwrap_or("").to_string();
        let sale = product["sale_price"].as_str().unwrap_or("").to_string();
        // Seen on 10.0.2: a sale whose start is still to come, or whose end has passed (or a
        // start after the end), leaves `price` at the regular one and `on_sale` false, and
        // `sale_price` as sent; the daily `woocommerce_scheduled_sales` run (triggered by
        // hand there) then cleared only `date_on_sale_from` of an ended sale, keeping
        // `sale_price` and `date_on_sale_to`. The sandbox decides when a product is saved.
        let now = now_unix();
        let date = |field: &str| product[field].as_str().and_then(crate::time::parse);
        let out_of_schedule = date("date_on_sale_from_gmt").is_some_and(|from| from > now)
            || date("date_on_sale_to_gmt").is_some_and(|to| to < now);
        let active = if sale.is_empty() || out_of_schedule {
            regular.clone()
        } else {
            sale.clone()
        };
        product["on_sale"] = json!(
            !sale.is_empty()
                && !out_of_schedule
                && parse_cents(&sale).ok() < parse_cents(&regular).ok()
        );
        product["purchasable"] = json!(!active.is_empty());
        product["price_html"] = json!(if active.is_empty() {
            String::new()
        } else {
            format!("<span class=\"woocommerce-Price-amount amount\"><span class=\"woocommerce-Price-currencySymbol\">R$</span>{}</span>", active.replace('.', ","))
        });
        product["price"] = json!(active);
    }
    if product["manage_stock"] == true {
        if !product["stock_quantity"].is_i64() {
            product["stock_quantity"] = json!(0);
        }
        set_stock_status(product);
    } else {
        product["stock_quantity"] = Value::Null;
    }
    product["backorders_allowed"] = json!(product["backorders"] != "no");
    if product["type"] != "variation" {
        let name = product["name"].as_str().unwrap_or("").to_string();
        if product["slug"].as_str().is_none_or(str::is_empty) {
            product["slug"] = json!(slugify(&name));
        }
    }
    product["date_modified"] = json!(format_naive(now_unix() + SITE_OFFSET_SECONDS));
    product["date_modified_gmt"] = json!(format_naive(now_unix()));
}

/// The status of managed stock: in stock above zero, else on backorder when backorders are
/// allowed (a real store showed -2 as `onbackorder` with `backorders: "notify"`), else out.
pub(super) fn set_stock_status(product: &mut Value) {
    let quantity = product["stock_quantity"].as_i64().unwrap_or(0);
    let status = if quantity > 0 {
        "instock"
    } else if product["backorders"].as_str().is_some_and(|b| b != "no") {
        "onbackorder"
    } else {
        "outofstock"
    };
    product["stock_status"] = json!(status);
    product["backordered"] = json!(quantity < 0 && status == "onbackorder");
}

/// After a variation changes: the parent's price and stock status follow its children.
fn refresh_parent(state: &mut State, home: &str, parent: u64) {
    let children: Vec<&Value> = state
        .products
        .values()
        .filter(|p| p["parent_id"].as_u64() == Some(parent) && p["type"] == "variation")
        .collect();
    let ids: Vec<u64> = children.iter().filter_map(|c| c["id"].as_u64()).collect();
    let lowest = children
        .iter()
        .filter_map(|c| c["price"].as_str().and_then(|p| parse_cents(p).ok()))
        .min();
    let in_stock = children.iter().any(|c| c["stock_status"] == "instock");
    let on_sale = children.iter().any(|c| c["on_sale"] == true);
    if let Some(product) = state.products.get_mut(&parent) {
        product["variations"] = json!(ids);
        product["on_sale"] = json!(on_sale);
        product["price"] = json!(lowest.map(format_cents).unwrap_or_default());
        product["stock_status"] = json!(if in_stock || ids.is_empty() {
            "instock"
        } else {
            "outofstock"
        });
        product["permalink"] = json!(format!(
            "{home}/produto/{}/",
            product["slug"].as_str().unwrap_or("")
        ));
    }
}

pub(super) fn create_product(
    state: &mut State,
    ctx: &Ctx,
    fetched: &media::Fetched,
    body: &Value,
    parent: Option<u64>,
) -> Result<Value, WooError> {
    if body.get("id").is_some_and(|id| !id.is_null()) {
        return Err(WooError::new(
            400,
            "woocommerce_rest_product_exists",
            "Cannot create existing product.",
        ));
    }
    if let Some(parent) = parent {
        if !state
            .products
            .get(&parent)
            .is_some_and(|p| p["type"] != "variation")
        {
            return Err(WooError::new(
                404,
                "woocommerce_rest_product_variation_invalid_parent",
                "Invalid parent product.",
            ));
        }
    }
    let home = ctx.home.as_str();
    let provisional = state.next_id + 1;
    let mut product = new_product(ctx, provisional, parent);
    if parent.is_none() {
        // Seen on 10.0.2: a product created without categories is in "Uncategorized".
        product["categories"] = terms::product_categories(state, &json!([]));
    }
    let images = apply_product(state, ctx, fetched, &mut product, body, parent.is_some())?;
    // New images take their ids before the product does (seen on 10.0.2: attachments 19 and
    // 20, then product 21).
    commit_images(state, home, &mut product, images);
    let id = state.take_id();
    if id != provisional {
        product["id"] = json!(id);
        product["_links"] = product_links(home, id, parent);
        for (index, meta) in product["meta_data"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .enumerate()
        {
            meta["id"] = json!(index as u64 + 1000 * id);
        }
    }
    if parent.is_none() {
        product["permalink"] = json!(format!(
            "{home}/produto/{}/",
            product["slug"].as_str().unwrap_or("")
        ));
    }
    state.put_product(id, product.clone());
    match parent {
        Some(parent) => {
            refresh_parent(state, home, parent);
            Ok(variation_view(&product))
        }
        None => Ok(product),
    }
}

pub(super) fn update_product(
    state: &mut State,
    ctx: &Ctx,
    fetched: &media::Fetched,
    id: u64,
    body: &Value,
    parent: Option<u64>,
) -> Result<Value, WooError> {
    get_product(state, id, parent).map_err(|e| {
        if e.status == 404 && e.code.ends_with("invalid_id") {
            WooError { status: 400, ..e }
        } else {
            e
        }
    })?;
    let home = ctx.home.as_str();
    let mut product = state.products[&id].clone();
    let images = apply_product(state, ctx, fetched, &mut product, body, parent.is_some())?;
    commit_images(state, home, &mut product, images);
    state.put_product(id, product.clone());
    match parent {
        Some(parent) => {
            refresh_parent(state, home, parent);
            Ok(variation_view(&product))
        }
        None => {
            if product["type"] == "variable" {
                refresh_parent(state, home, id);
            }
            Ok(state.products[&id].clone())
        }
    }
}

pub(super) fn delete_product(state: &mut State, id: u64, parent: Option<u64>) -> Reply {
    let product = get_product(state, id, parent)?;
    state.remove_product(id);
    let children: Vec<u64> = state
        .products
        .iter()
        .filter(|(_, p)| p["parent_id"].as_u64() == Some(id) && p["type"] == "variation")
        .map(|(child, _)| *child)
        .collect();
    for child in children {
        state.remove_product(child);
    }
    Ok((200, product, Vec::new(), 1))
}

/// Moves a product to the trash, as the admin's "Move to Trash" does: it leaves every listing
/// (but `status=trash`), answers updates still, and keeps its SKU taken.
pub(super) fn trash_product(state: &mut State, id: u64) -> Reply {
    get_product(state, id, None)?;
    let product = state
        .products
        .get_mut(&id)
        .ok_or_else(|| WooError::invalid_id("product", 404))?;
    product["status"] = json!("trash");
    Ok((200, product.clone(), Vec::new(), 1))
}

pub(super) fn list_products(
    state: &State,
    ctx: &Ctx,
    request: &HttpRequest,
    parent: Option<u64>,
) -> Reply {
    let mut errors = Vec::new();
    let query = listing::read_query(request, ctx.version.product_orderby(), "date", &mut errors);
    check_params(errors)?;
    let skus = list_of(request.param("sku"));
    let whole_sku = request.param("sku").unwrap_or("").to_string();
    // A store without GTINs ignores the filter and answers the unfiltered list (8.9.3).
    let gtins = if ctx.version.has_global_unique_id() {
        list_of(request.param("global_unique_id"))
    } else {
        Vec::new()
    };
    let types = list_of(request.param("type"));
    let statuses = list_of(request.param("status"));
    let search = request.param("search").map(str::to_lowercase);
    // `sku=` and `global_unique_id=` also return variations, as product-shaped objects.
    let with_variations = parent.is_some() || !skus.is_empty() || !gtins.is_empty();
    // Exact SKU and GTIN filters go through the indexes, as the store's meta query does.
    let keyed: Option<BTreeSet<u64>> = (!skus.is_empty() || !gtins.is_empty()).then(|| {
        skus.iter()
            .chain(std::iter::once(&whole_sku).filter(|_| !skus.is_empty()))
            .filter_map(|sku| state.by_sku.get(sku))
            .chain(gtins.iter().filter_map(|gtin| state.by_gtin.get(gtin)))
            .copied()
            .collect()
    });
    let candidates: Box<dyn Iterator<Item = &Value>> = match &keyed {
        Some(ids) => Box::new(ids.iter().filter_map(|id| state.products.get(id))),
        None => Box::new(state.products.values()),
    };
    let mut items: Vec<&Value> = candidates
        .filter(|p| match parent {
            Some(parent) => p["parent_id"].as_u64() == Some(parent) && p["type"] == "variation",
            None => with_variations || p["type"] != "variation",
        })
        .filter(|p| {
            let sku = p["sku"].as_str().unwrap_or("");
            skus.is_empty()
                || (!sku.is_empty() && (skus.iter().any(|s| s == sku) || whole_sku == sku))
        })
        .filter(|p| gtins.is_empty() || gtins.iter().any(|g| p["global_unique_id"] == g.as_str()))
        .filter(|p| types.is_empty() || types.iter().any(|t| p["type"] == t.as_str()))
        .filter(|p| {
            // `any`, the default, is every status but the trash.
            let any = statuses.is_empty() || statuses.iter().any(|s| s == "any");
            (any && p["status"] != "trash") || statuses.iter().any(|s| p["status"] == s.as_str())
        })
        .filter(|p| {
            search
                .as_ref()
                .is_none_or(|q| p["name"].as_str().unwrap_or("").to_lowercase().contains(q))
        })
        .filter(|p| query.admits(p))
        .collect();
    listing::sort(&mut items, &product_sort(&query), &query);
    let view = |p: &Value| {
        if parent.is_some() {
            variation_view(p)
        } else if p["type"] == "variation" {
            p.clone()
        } else {
            read_view(p.clone(), request)
        }
    };
    listing::paged(&ctx.home, request, &query, items, view)
}

/// How WP_Query orders products, as a real 10.0.2 store showed with 74 products sharing one
/// date, modified time and title, read 10 and 7 per page: `date` and `modified` sort on the
/// date alone (the CRUD controller's `date ID` does not survive the catalog ordering), so ties
/// move between pages; `title` ties came back in id order; `slug` is unique; `price`,
/// `popularity` and `rating` end with the product id.
fn product_sort(query: &ListQuery) -> Sort {
    match query.orderby.as_str() {
        "id" => Sort::Id,
        "include" | "post__in" if !query.include.is_empty() => Sort::Given(query.include.clone()),
        "include" | "post__in" => Sort::Table,
        "date" => Sort::KeyOnly(listing::created_key),
        "modified" => Sort::KeyOnly(listing::modified_key),
        "title" => Sort::KeyThenTable(listing::name_key),
        "menu_order" => Sort::KeyThenTable(listing::menu_order_key),
        "slug" => Sort::KeyThenId(listing::slug_key),
        "price" => Sort::KeyThenId(listing::price_key),
        "popularity" | "sales" => Sort::KeyThenId(listing::sales_key),
        "rating" => Sort::KeyThenId(listing::rating_key),
        // `random`: every row ties.
        _ => Sort::KeyOnly(|_| Key::Number(0)),
    }
}

pub(super) fn list_of(param: Option<&str>) -> Vec<String> {
    param
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

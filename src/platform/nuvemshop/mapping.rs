//! Pure mapping of Nuvemshop's REST JSON into Ponte's model. No I/O. Nuvemshop keeps texts as
//! objects by language (`{"pt": "…", "es": "…"}`) even in a store of one language, every product
//! has variants (a product made without them has one "virtual" variant that holds its price and
//! stock), and its errors come in two shapes.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::model::catalog::Variant;
use crate::model::config::{NewProductStatus, SyncField};
use crate::model::money::{format_cents, format_scaled, parse_cents, parse_number_cents};
use crate::model::order::{
    Address, Customer, OrderLine, Payment, PersonType, ShippingLine, StoreOrder,
};
use crate::platform::{ItemError, ProductDraft, RemoteKind, RemoteProduct};
use crate::rules::documents;

/// The language Ponte reads a text in when the store keeps several.
pub const LANGUAGE: &str = "pt";

/// A text as the store gives it: an object by language (Portuguese, else the first language
/// that has one), or a plain string.
pub fn localized(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Object(by_language) => by_language
            .get(LANGUAGE)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .or_else(|| {
                by_language
                    .values()
                    .filter_map(Value::as_str)
                    .find(|t| !t.is_empty())
            })
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

/// The variation axes of a product, in order: every attribute name its variants use.
pub fn axes(draft: &ProductDraft) -> Vec<&str> {
    let names: BTreeSet<&str> = draft
        .product
        .variants
        .iter()
        .flat_map(|v| v.attributes.keys().map(String::as_str))
        .collect();
    names.into_iter().collect()
}

/// The body that creates a product with every variant in one request (`POST /products`), or
/// updates the product's own fields (`PUT /products/{id}`; its variants go apart). Only the
/// enabled fields are sent; texts go as plain strings, which the store applies to every
/// language; `published` only on creation, as the merchant owns it afterwards.
pub fn product_body(draft: &ProductDraft, creating: bool) -> Value {
    let product = &draft.product;
    let sends = |field| draft.fields.contains(&field);
    let mut body = Map::new();
    if creating || sends(SyncField::Name) {
        body.insert("name".into(), json!(product.name));
    }
    if sends(SyncField::Description) {
        body.insert("description".into(), json!(product.description));
    }
    if sends(SyncField::Brand) {
        body.insert("brand".into(), json!(draft.brand.as_ref().map(|b| &b.name)));
    }
    if sends(SyncField::Categories) {
        let ids: Vec<u64> = draft
            .categories
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect();
        body.insert("categories".into(), json!(ids));
    }
    if creating {
        body.insert(
            "published".into(),
            json!(draft.status == NewProductStatus::Publish),
        );
        let axes = axes(draft);
        if !axes.is_empty() {
            let names: Vec<Value> = axes.iter().map(|a| json!({ LANGUAGE: a })).collect();
            body.insert("attributes".into(), Value::Array(names));
        }
        if sends(SyncField::Images) {
            let images: Vec<Value> = draft
                .images
                .iter()
                .enumerate()
                .map(|(i, p)| json!({"src": p.src, "position": i + 1}))
                .collect();
            body.insert("images".into(), Value::Array(images));
        }
        let variants: Vec<Value> = product
            .variants
            .iter()
            .map(|v| variant_body(draft, v, true))
            .collect();
        body.insert("variants".into(), Value::Array(variants));
    }
    Value::Object(body)
}

/// One variant's body, inside a product's creation or alone (`PUT
/// /products/{id}/variants/{vid}`): its values follow the product's axes.
pub fn variant_body(draft: &ProductDraft, variant: &Variant, creating: bool) -> Value {
    let sends = |field| draft.fields.contains(&field);
    let mut body = Map::new();
    if creating {
        body.insert("sku".into(), json!(variant.sku));
    }
    if creating || sends(SyncField::Attributes) {
        let values: Vec<Value> = axes(draft)
            .iter()
            .map(|axis| json!({ LANGUAGE: variant.attributes.get(*axis).cloned().unwrap_or_default() }))
            .collect();
        if !values.is_empty() {
            body.insert("values".into(), Value::Array(values));
        }
    }
    if sends(SyncField::Price) {
        body.insert("price".into(), json!(variant.price_cents.map(format_cents)));
    }
    if sends(SyncField::PromoPrice) {
        body.insert(
            "promotional_price".into(),
            json!(variant.promo_price_cents.map(format_cents)),
        );
    }
    if sends(SyncField::Ean) {
        body.insert("barcode".into(), json!(variant.ean));
    }
    if sends(SyncField::Stock) {
        if let Some(quantity) = draft.stock.get(&variant.sku) {
            body.insert("stock_management".into(), json!(true));
            body.insert("stock".into(), json!((*quantity).max(0)));
        }
    }
    if sends(SyncField::Weight) {
        if let Some(grams) = variant.weight_grams {
            body.insert("weight".into(), json!(format_scaled(grams, 1000)));
        }
    }
    if sends(SyncField::Dimensions) {
        if let Some(d) = variant.dimensions_mm {
            body.insert("width".into(), json!(format_scaled(d.width, 10)));
            body.insert("height".into(), json!(format_scaled(d.height, 10)));
            body.insert("depth".into(), json!(format_scaled(d.length, 10)));
        }
    }
    Value::Object(body)
}

/// A product as `/products` returns it, and each of its variants: the product first (`simple`
/// when it has no attributes, its one variant being the "virtual" one), then its variants as
/// `variation`s of it, each with its own SKU, barcode (the EAN), price and stock.
pub fn remote_products(value: &Value) -> Result<Vec<RemoteProduct>, String> {
    let product = value.as_object().ok_or("expected a product object")?;
    let id = id_field(product, "id")?;
    let name = localized(product.get("name").unwrap_or(&Value::Null));
    let status = match product.get("published") {
        Some(Value::Bool(false)) => "draft",
        _ => "publish",
    };
    let attributes = product
        .get("attributes")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let variants = match product.get("variants") {
        Some(Value::Array(variants)) => variants.as_slice(),
        None | Some(Value::Null) => &[],
        Some(other) => return Err(format!("variants: expected an array, got {other}")),
    };
    let mut items = Vec::with_capacity(variants.len() + 1);
    let mut variation_ids = Vec::with_capacity(variants.len());
    for (index, variant) in variants.iter().enumerate() {
        let at = |e: String| format!("variants[{index}].{e}");
        let variant = variant
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        let variant_id = id_field(variant, "id").map_err(at)?;
        variation_ids.push(variant_id.clone());
        let managed = variant
            .get("stock_management")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let stock = match variant.get("stock") {
            _ if !managed => None,
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(
                n.as_i64()
                    .ok_or_else(|| at("stock: not an integer".into()))?,
            ),
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse()
                    .map_err(|_| at(format!("stock: {s:?} is not an integer")))?,
            ),
            Some(other) => return Err(at(format!("stock: expected a number, got {other}"))),
        };
        let values: Vec<String> = variant
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(localized)
            .filter(|v| !v.is_empty())
            .collect();
        let variant_name = match values.is_empty() {
            true => name.clone(),
            false => format!("{name} ({})", values.join(", ")),
        };
        items.push(RemoteProduct {
            id: variant_id,
            parent_id: Some(id.clone()),
            kind: RemoteKind::Variation,
            sku: text(variant, "sku").map_err(at)?,
            ean: text(variant, "barcode").map_err(at)?,
            name: variant_name,
            status: status.to_string(),
            visibility: None,
            price_cents: money(variant, "price").map_err(at)?,
            stock,
            variation_ids: Vec::new(),
        });
    }
    // A product without attributes is a simple product: its one variant holds price and stock.
    // Its SKU and barcode stay on the variant alone, so a look-up finds one item to link.
    let simple = attributes == 0 && variants.len() <= 1;
    let (sku, ean) = (None, None);
    let (price_cents, stock) = match (simple, items.first()) {
        (true, Some(only)) => (only.price_cents, only.stock),
        _ => (None, None),
    };
    items.insert(
        0,
        RemoteProduct {
            id,
            parent_id: None,
            kind: if simple {
                RemoteKind::Simple
            } else {
                RemoteKind::Variable
            },
            sku,
            ean,
            name,
            status: status.to_string(),
            visibility: None,
            price_cents,
            stock,
            variation_ids,
        },
    );
    Ok(items)
}

/// The one status Ponte reads an order in, from Nuvemshop's three (`status`, `payment_status`,
/// `shipping_status`): `cancelled` or `closed` when the order is; a shipped open order is
/// `fulfilled` (the docs list `fulfilled`, their examples say `shipped`); any other open order
/// is its payment's, `pending`, `authorized`, `paid`, `abandoned`, `refunded` or `voided`
/// (`config::NUVEMSHOP_READ_STATUSES`).
pub fn order_status(order: &Map<String, Value>) -> String {
    let text = |key: &str| order.get(key).and_then(Value::as_str).unwrap_or_default();
    match (text("status"), text("shipping_status")) {
        ("cancelled", _) => "cancelled".to_string(),
        ("closed", _) => "closed".to_string(),
        (_, "fulfilled" | "shipped") => "fulfilled".to_string(),
        _ => text("payment_status").to_string(),
    }
}

/// An order as `/orders` returns it. Its customer's CPF or CNPJ is `customer.identification`;
/// billing comes flat (`billing_*`), shipping as an object; quantities and ids come as numbers
/// or strings (the official examples have both); times carry their offset, `-03:00` or `+0000`.
pub fn store_order(value: &Value) -> Result<StoreOrder, String> {
    let order = value.as_object().ok_or("expected an order object")?;
    let id = id_field(order, "id")?;
    let number = match order.get("number") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => id.clone(),
    };
    let created_at = utc(order, "created_at")?.ok_or("created_at: missing")?;
    let modified_at = utc(order, "updated_at")?.unwrap_or_else(|| created_at.clone());

    let mut lines = Vec::new();
    for (index, item) in array(order, "products")?.iter().enumerate() {
        let at = |e: String| format!("products[{index}].{e}");
        let item = item
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        let quantity = integer(item, "quantity").map_err(at)?;
        let unit_price_cents = money(item, "price").map_err(at)?.unwrap_or(0);
        let total_cents = unit_price_cents
            .checked_mul(quantity)
            .ok_or_else(|| at("price × quantity overflows".into()))?;
        let sku = text(item, "sku").map_err(at)?;
        lines.push(OrderLine {
            sku: sku.clone(),
            store_sku: sku,
            matched_by: None,
            name: localized(item.get("name").unwrap_or(&Value::Null)),
            quantity,
            unit_price_cents,
            subtotal_cents: total_cents,
            total_cents,
            store_product_id: id_field(item, "product_id").map_err(at)?,
            store_variation_id: id_field(item, "variant_id").ok(),
        });
    }

    let customer = order
        .get("customer")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let identification = text(&customer, "identification")?
        .map(|d| documents::normalize(&d))
        .unwrap_or_default();
    let (cpf, cnpj, person_type) = match identification.len() {
        11 => (Some(identification), None, Some(PersonType::Individual)),
        14 => (None, Some(identification), Some(PersonType::Company)),
        _ => (None, None, None),
    };
    let flat = |key: &str| -> Result<String, String> {
        Ok(text(order, &format!("billing_{key}"))?.unwrap_or_default())
    };
    let billing = Address {
        name: flat("name")?,
        street: flat("address")?,
        number: flat("number")?,
        complement: flat("floor")?,
        neighborhood: flat("locality")?,
        city: flat("city")?,
        state: flat("province")?,
        postcode: flat("zipcode")?,
        country: flat("country")?,
        phone: flat("phone")?,
    };
    let shipping = match order.get("shipping_address") {
        Some(Value::Object(address)) => {
            let field = |key: &str| -> Result<String, String> {
                Ok(text(address, key)
                    .map_err(|e| format!("shipping_address.{e}"))?
                    .unwrap_or_default())
            };
            Some(Address {
                name: field("name")?,
                street: field("address")?,
                number: field("number")?,
                complement: field("floor")?,
                neighborhood: field("locality")?,
                city: field("city")?,
                state: field("province")?,
                postcode: field("zipcode")?,
                country: field("country")?,
                phone: field("phone")?,
            })
        }
        _ => None,
    };
    let name = text(&customer, "name")?
        .or_else(|| Some(billing.name.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_default();
    let email = text(&customer, "email")?
        .or(text(order, "contact_email")?)
        .unwrap_or_default();
    let phone = match billing.phone.is_empty() {
        true => text(&customer, "phone")?.unwrap_or_default(),
        false => billing.phone.clone(),
    };
    let shipping_cents = money(order, "shipping_cost_customer")?.unwrap_or(0);
    let shipping_lines = match text(order, "shipping_option")? {
        Some(method) => vec![ShippingLine {
            method,
            total_cents: shipping_cents,
        }],
        None => Vec::new(),
    };
    let coupons = array(order, "coupon")?
        .iter()
        .filter_map(|c| c.get("code").and_then(Value::as_str).map(str::to_string))
        .collect();
    // The property table says `total`; the single-order example says `price`.
    let total_cents = match money(order, "total")? {
        Some(total) => total,
        None => money(order, "price")?.unwrap_or(0),
    };
    Ok(StoreOrder {
        store_order_id: id,
        number,
        status: order_status(order),
        currency: text(order, "currency")?.unwrap_or_default(),
        created_at,
        modified_at,
        paid_at: utc(order, "paid_at")?,
        customer: Customer {
            store_customer_id: id_field(&customer, "id").ok(),
            name,
            company: String::new(),
            email,
            phone,
            cpf,
            cnpj,
            person_type,
            state_registration: String::new(),
            cellphone: String::new(),
            billing,
            shipping,
        },
        lines,
        shipping_lines,
        fees: Vec::new(),
        coupons,
        discount_cents: money(order, "discount")?.unwrap_or(0),
        shipping_cents,
        tax_cents: 0,
        total_cents,
        customer_note: text(order, "note")?.unwrap_or_default(),
        payment: Payment {
            method: text(order, "gateway")?.unwrap_or_default(),
            title: text(order, "gateway_name")?.unwrap_or_default(),
            transaction_id: text(order, "gateway_id")?.unwrap_or_default(),
        },
        refunds: Vec::new(),
        flags: Vec::new(),
    })
}

/// A time with its offset, as RFC 3339 UTC; `+0000` is read as `+00:00`.
fn utc(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    let Some(text) = text(object, key)? else {
        return Ok(None);
    };
    let zone_at = text.len().saturating_sub(5);
    let colonless = text.len() == 24
        && matches!(text.as_bytes()[zone_at], b'+' | b'-')
        && text[zone_at + 1..].bytes().all(|b| b.is_ascii_digit());
    let readable = match colonless {
        true => format!("{}:{}", &text[..zone_at + 3], &text[zone_at + 3..]),
        false => text.clone(),
    };
    crate::time::to_utc(&readable)
        .map(Some)
        .ok_or_else(|| format!("{key}: {text:?} is not a time"))
}

fn array<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match object.get(key) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Ok(&[]),
        Some(other) => Err(format!("{key}: expected an array, got {other}")),
    }
}

/// A count the store may give as a number or a string (`"quantity": "1"` in its examples).
fn integer(object: &Map<String, Value>, key: &str) -> Result<i64, String> {
    match object.get(key) {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| format!("{key}: {n} is not an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{key}: {s:?} is not an integer")),
        other => Err(format!(
            "{key}: expected an integer, got {}",
            other.unwrap_or(&Value::Null)
        )),
    }
}

/// A refusal in either of Nuvemshop's shapes: `{"code","message","description",<field>: [..]}`,
/// or a bare map of fields to their problems (`{"name": ["can't be blank"]}`), or
/// `{"error": "…"}`. The message is the store's words, fields named.
pub fn item_error(status: u16, body: &Value) -> ItemError {
    let Some(object) = body.as_object() else {
        return ItemError {
            code: format!("http_{status}"),
            message: format!("the store answered {status} without a readable body"),
            status,
            resource_id: None,
        };
    };
    let mut parts = Vec::new();
    if let Some(description) = object.get("description").and_then(Value::as_str) {
        parts.push(description.to_string());
    }
    if let Some(error) = object.get("error").and_then(Value::as_str) {
        parts.push(error.to_string());
    }
    for (field, problems) in object {
        if let Value::Array(problems) = problems {
            let texts: Vec<String> = problems
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            parts.push(format!("{field}: {}", texts.join(", ")));
        }
    }
    if parts.is_empty() {
        if let Some(message) = object.get("message").and_then(Value::as_str) {
            parts.push(message.to_string());
        }
    }
    let code = match object.get("message").and_then(Value::as_str) {
        Some(message) => message.to_lowercase().replace(' ', "_"),
        None if status == 422 => "unprocessable_entity".to_string(),
        None => format!("http_{status}"),
    };
    ItemError {
        code,
        message: parts.join("; "),
        status,
        resource_id: None,
    }
}

/// An id the store may give as a number or a string of digits (its examples do both).
fn id_field(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(s.clone())
        }
        other => Err(format!(
            "{key}: expected an id, got {}",
            other.unwrap_or(&Value::Null)
        )),
    }
}

fn text(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("{key}: expected text, got {other}")),
    }
}

/// A price as a decimal string (`"25.00"`) or a number; `null` is no price (Nuvemshop then
/// shows a "contact us" button instead of a checkout).
fn money(object: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => parse_cents(s).map(Some).map_err(|e| format!("{key}: {e}")),
        Some(Value::Number(n)) => parse_number_cents(n)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
        Some(other) => Err(format!("{key}: expected an amount, got {other}")),
    }
}

//! Pure mapping of Nuvemshop's REST JSON into Ponte's model. No I/O. Nuvemshop keeps texts as
//! objects by language (`{"pt": "…", "es": "…"}`) even in a store of one language, every product
//! has variants (a product made without them has one "virtual" variant that holds its price and
//! stock), and its errors come in two shapes.

use serde_json::{Map, Value};

use crate::model::money::{parse_cents, parse_number_cents};
use crate::platform::{ItemError, RemoteKind, RemoteProduct};

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
    let simple = attributes == 0 && variants.len() <= 1;
    let (sku, ean, price_cents, stock) = match (simple, items.first()) {
        (true, Some(only)) => (
            only.sku.clone(),
            only.ean.clone(),
            only.price_cents,
            only.stock,
        ),
        _ => (None, None, None, None),
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

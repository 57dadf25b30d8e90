//! Pure mapping between Ponte's model and WooCommerce REST v3 JSON, both ways. No I/O: every
//! function here is tested against the official payloads in `shared/fixtures`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::catalog::{Product, Variant};
use crate::model::config::{NewProductStatus, SyncField, Visibility};
use crate::model::money::{format_cents, format_scaled as scaled, parse_cents, parse_number_cents};
use crate::model::order::{
    Address, Customer, Fee, OrderLine, Payment, PersonType, Refund, RefundLine, RefundSummary,
    ShippingLine, StoreOrder,
};
use crate::platform::{Picture, ProductDraft, RemoteKind, RemoteProduct, Retirement};
use crate::rules::documents;

/// A product with one variant and no variation attributes is a WooCommerce `simple` product;
/// anything else is `variable`, with one variation per variant.
pub fn is_variable(product: &Product) -> bool {
    product.variants.len() > 1 || product.variants.iter().any(|v| !v.attributes.is_empty())
}

/// The body that creates (`creating`) or updates a simple product. Only the enabled fields are
/// sent; status and visibility only on creation, since the merchant owns them afterwards.
pub fn simple_product_body(draft: &ProductDraft, creating: bool, brand_term: Option<u64>) -> Value {
    let variant = &draft.product.variants[0];
    let mut body = parent_fields(draft, creating, brand_term);
    if creating {
        body.insert("type".into(), json!("simple"));
    }
    variant_fields(&mut body, draft, variant, creating);
    if creating || draft.fields.contains(&SyncField::Attributes) {
        body.insert(
            "attributes".into(),
            Value::Array(specification_attributes(draft, 0)),
        );
    }
    Value::Object(body)
}

/// The product's specification attributes (material, voltage): shown on its page, not axes
/// of its variations. Positions follow the variation axes.
fn specification_attributes(draft: &ProductDraft, first_position: usize) -> Vec<Value> {
    draft
        .product
        .specifications
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            json!({"name": name, "position": first_position + i, "visible": true, "variation": false, "options": [value]})
        })
        .collect()
}

/// The pictures a WooCommerce product shows: the product's, and for a simple product its one
/// variant's own after them (a simple product has no variation to hold it).
pub fn product_pictures(draft: &ProductDraft) -> Vec<Picture> {
    let mut pictures = draft.images.clone();
    if !is_variable(&draft.product) {
        for picture in draft.variant_images.values() {
            if !pictures.iter().any(|p| p.key == picture.key) {
                pictures.push(picture.clone());
            }
        }
    }
    pictures
}

/// The product's gallery: Ponte's pictures in order, each by the store's id when the store
/// already has it (`media`, by `Picture::key`) and by address otherwise, then the pictures the
/// merchant added in the store (`merchant`), which Ponte leaves where they are.
pub fn gallery(pictures: &[Picture], media: &BTreeMap<String, String>, merchant: &[u64]) -> Value {
    let mut images: Vec<Value> = pictures
        .iter()
        .map(|picture| picture_value(picture, media))
        .collect();
    images.extend(merchant.iter().map(|id| json!({"id": id})));
    Value::Array(images)
}

/// A variation's own picture, by the store's id when it has it.
pub fn variation_image(picture: &Picture, media: &BTreeMap<String, String>) -> Value {
    picture_value(picture, media)
}

fn picture_value(picture: &Picture, media: &BTreeMap<String, String>) -> Value {
    match media
        .get(&picture.key)
        .and_then(|id| id.parse::<u64>().ok())
    {
        Some(id) => json!({"id": id, "alt": picture.alt}),
        None => json!({"src": picture.src, "alt": picture.alt}),
    }
}

/// The body that creates or updates the parent of a variable product: its attributes list every
/// option its variations use.
pub fn variable_parent_body(
    draft: &ProductDraft,
    creating: bool,
    brand_term: Option<u64>,
) -> Value {
    let mut body = parent_fields(draft, creating, brand_term);
    if creating {
        body.insert("type".into(), json!("variable"));
    }
    if creating || draft.fields.contains(&SyncField::Attributes) {
        let mut options: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for variant in &draft.product.variants {
            for (name, value) in &variant.attributes {
                let values = options.entry(name).or_default();
                if !values.contains(&value.as_str()) {
                    values.push(value);
                }
            }
        }
        let mut attributes: Vec<Value> = options
            .into_iter()
            .enumerate()
            .map(|(position, (name, values))| {
                json!({"name": name, "position": position, "visible": true, "variation": true, "options": values})
            })
            .collect();
        attributes.extend(specification_attributes(draft, attributes.len()));
        body.insert("attributes".into(), Value::Array(attributes));
    }
    Value::Object(body)
}

/// The body that creates or updates one variation of a variable product.
pub fn variation_body(draft: &ProductDraft, variant: &Variant, creating: bool) -> Value {
    let mut body = Map::new();
    if creating {
        body.insert("sku".into(), json!(variant.sku));
    }
    variant_fields(&mut body, draft, variant, creating);
    if creating || draft.fields.contains(&SyncField::Attributes) {
        let attributes: Vec<Value> = variant
            .attributes
            .iter()
            .map(|(name, option)| json!({"name": name, "option": option}))
            .collect();
        body.insert("attributes".into(), Value::Array(attributes));
    }
    Value::Object(body)
}

/// The body that sets one item's absolute stock.
/// Takes a variation off sale: made private (no longer shown nor bought), or its stock zeroed.
pub fn retirement_body(retirement: Retirement) -> Value {
    match retirement {
        Retirement::Hide => json!({"status": "private"}),
        Retirement::ZeroStock => stock_body(0),
    }
}

pub fn stock_body(quantity: i64) -> Value {
    json!({"manage_stock": true, "stock_quantity": quantity.max(0)})
}

/// The body that hides a product from catalog and search.
pub fn hide_body() -> Value {
    json!({"catalog_visibility": "hidden"})
}

fn parent_fields(
    draft: &ProductDraft,
    creating: bool,
    brand_term: Option<u64>,
) -> Map<String, Value> {
    let product = &draft.product;
    let sends = |field| draft.fields.contains(&field);
    let mut body = Map::new();
    if creating || sends(SyncField::Name) {
        body.insert("name".into(), json!(product.name));
    }
    if sends(SyncField::Description) {
        body.insert("description".into(), json!(product.description));
    }
    if sends(SyncField::ShortDescription) {
        body.insert("short_description".into(), json!(product.short_description));
    }
    if sends(SyncField::Categories) {
        let ids: Vec<Value> = draft
            .categories
            .iter()
            .filter_map(|id| id.parse::<u64>().ok())
            .map(|id| json!({"id": id}))
            .collect();
        body.insert("categories".into(), Value::Array(ids));
    }
    if creating {
        body.insert("status".into(), json!(status_slug(draft.status)));
    }
    // Visibility is the merchant's once a product exists; Ponte sets it again only to undo its
    // own `hide` when the product is published again.
    if creating || draft.restore_visibility {
        body.insert(
            "catalog_visibility".into(),
            json!(visibility_slug(draft.visibility)),
        );
    }
    if sends(SyncField::Brand) {
        if let Some(term) = brand_term {
            body.insert("brands".into(), json!([term]));
        }
    }
    body
}

fn variant_fields(
    body: &mut Map<String, Value>,
    draft: &ProductDraft,
    variant: &Variant,
    creating: bool,
) {
    let sends = |field| draft.fields.contains(&field);
    if creating && !body.contains_key("sku") {
        body.insert("sku".into(), json!(variant.sku));
    }
    if sends(SyncField::Price) {
        let price = variant.price_cents.map(format_cents).unwrap_or_default();
        body.insert("regular_price".into(), json!(price));
    }
    if sends(SyncField::PromoPrice) {
        // An empty sale price clears a promotion that ended in the ERP.
        let promo = variant
            .promo_price_cents
            .map(format_cents)
            .unwrap_or_default();
        body.insert("sale_price".into(), json!(promo));
    }
    if sends(SyncField::SaleDates) {
        // The `_gmt` twins take UTC; an empty string clears a date.
        let (starts, ends) = variant.promo_dates();
        let naive = |t: Option<String>| {
            t.and_then(|t| crate::time::parse(&t))
                .map(crate::time::format_naive)
                .unwrap_or_default()
        };
        body.insert("date_on_sale_from_gmt".into(), json!(naive(starts)));
        body.insert("date_on_sale_to_gmt".into(), json!(naive(ends)));
    }
    if sends(SyncField::Ean) {
        body.insert(
            "global_unique_id".into(),
            json!(variant.ean.clone().unwrap_or_default()),
        );
    }
    if sends(SyncField::Stock) {
        if let Some(quantity) = draft.stock.get(&variant.sku) {
            body.insert("manage_stock".into(), json!(true));
            body.insert("stock_quantity".into(), json!((*quantity).max(0)));
        }
    }
    if sends(SyncField::Weight) {
        if let Some(grams) = variant.weight_grams {
            body.insert("weight".into(), json!(scaled(grams, 1000)));
        }
    }
    if sends(SyncField::Dimensions) {
        if let Some(d) = variant.dimensions_mm {
            body.insert(
                "dimensions".into(),
                json!({"length": scaled(d.length, 10), "width": scaled(d.width, 10), "height": scaled(d.height, 10)}),
            );
        }
    }
    if !creating && !draft.fields.contains(&SyncField::Attributes) {
        body.remove("attributes");
    }
}

fn status_slug(status: NewProductStatus) -> &'static str {
    match status {
        NewProductStatus::Publish => "publish",
        NewProductStatus::Draft => "draft",
        NewProductStatus::Pending => "pending",
        NewProductStatus::Private => "private",
    }
}

fn visibility_slug(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Visible => "visible",
        Visibility::Catalog => "catalog",
        Visibility::Search => "search",
        Visibility::Hidden => "hidden",
    }
}

/// Reads a product or variation as `/products` returns it.
pub fn remote_product(value: &Value) -> Result<RemoteProduct, String> {
    let object = value.as_object().ok_or("expected a product object")?;
    let id = id_field(object, "id")?;
    let kind = match text_field(object, "type")?.as_str() {
        "simple" => RemoteKind::Simple,
        "variable" => RemoteKind::Variable,
        "variation" => RemoteKind::Variation,
        // A variation read through /products/{id}/variations has no `type`.
        "" if object.contains_key("parent_id") && !object.contains_key("variations") => {
            RemoteKind::Variation
        }
        _ => RemoteKind::Other,
    };
    let parent_id = match object.get("parent_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(id_field(object, "parent_id")?).filter(|p| p != "0"),
    };
    let price = text_field(object, "price")?;
    let price_cents = if price.is_empty() {
        None
    } else {
        Some(parse_cents(&price).map_err(|e| format!("price: {e}"))?)
    };
    let stock = match object.get("stock_quantity") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .or_else(|| n.as_f64().map(|f| f.floor() as i64))
                .ok_or("stock_quantity: not a number")?,
        ),
        Some(other) => return Err(format!("stock_quantity: expected a number, got {other}")),
    };
    let variation_ids = match object.get("variations") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| {
                id.as_u64()
                    .map(|n| n.to_string())
                    .ok_or("variations: expected ids")
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let non_empty = |s: String| Some(s).filter(|s| !s.is_empty());
    Ok(RemoteProduct {
        id,
        parent_id,
        kind,
        sku: non_empty(text_field(object, "sku")?),
        ean: non_empty(text_field(object, "global_unique_id")?),
        name: text_field(object, "name")?,
        status: text_field(object, "status")?,
        visibility: non_empty(text_field(object, "catalog_visibility")?),
        price_cents,
        stock,
        variation_ids,
    })
}

/// Reads an order as `/orders` returns it, with the Brazilian Market plugin's fields when present.
/// Dates come from the `_gmt` twins, so they are UTC whatever the store's time zone.
pub fn store_order(value: &Value) -> Result<StoreOrder, String> {
    let order = value.as_object().ok_or("expected an order object")?;
    let id = id_field(order, "id")?;
    let billing = object_field(order, "billing")?;
    let shipping = object_field(order, "shipping")?;
    let meta = meta_map(order)?;

    let mut lines = Vec::new();
    for (index, item) in array_field(order, "line_items")?.iter().enumerate() {
        let at = |e: String| format!("line_items[{index}].{e}");
        let (item, line) = line_item(item).map_err(at)?;
        let total_cents = money_field(item, "total").map_err(at)?;
        let unit_price_cents = match item.get("price") {
            Some(Value::Number(n)) => {
                parse_number_cents(n).map_err(|e| at(format!("price: {e}")))?
            }
            Some(Value::String(s)) if !s.is_empty() => {
                parse_cents(s).map_err(|e| at(format!("price: {e}")))?
            }
            _ if line.quantity != 0 => total_cents
                .checked_div(line.quantity)
                .ok_or_else(|| at("price: cannot be derived from the total".into()))?,
            _ => 0,
        };
        lines.push(OrderLine {
            sku: line.sku.clone(),
            store_sku: line.sku,
            matched_by: None,
            name: line.name,
            quantity: line.quantity,
            unit_price_cents,
            subtotal_cents: money_field(item, "subtotal").map_err(at)?,
            total_cents,
            store_product_id: line.product_id,
            store_variation_id: line.variation_id,
        });
    }

    let mut shipping_lines = Vec::new();
    for (index, line) in array_field(order, "shipping_lines")?.iter().enumerate() {
        let at = |e: String| format!("shipping_lines[{index}].{e}");
        let line = line
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        shipping_lines.push(ShippingLine {
            method: decoded(text_field(line, "method_title").map_err(at)?),
            total_cents: money_field(line, "total").map_err(at)?,
        });
    }
    let mut fees = Vec::new();
    for (index, line) in array_field(order, "fee_lines")?.iter().enumerate() {
        let at = |e: String| format!("fee_lines[{index}].{e}");
        let line = line
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        fees.push(Fee {
            name: decoded(text_field(line, "name").map_err(at)?),
            total_cents: money_field(line, "total").map_err(at)?,
        });
    }
    let mut refunds = Vec::new();
    for (index, refund) in array_field(order, "refunds")?.iter().enumerate() {
        let at = |e: String| format!("refunds[{index}].{e}");
        let refund = refund
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        refunds.push(RefundSummary {
            id: id_field(refund, "id").map_err(at)?,
            // The order lists its refunds as negative totals.
            amount_cents: money_field(refund, "total").map_err(at)?.saturating_abs(),
            reason: text_field(refund, "reason").map_err(at)?,
        });
    }
    // The store lists them in no stable order.
    refunds.sort_by_key(|r| r.id.parse::<u64>().unwrap_or(u64::MAX));
    let mut coupons = Vec::new();
    for line in array_field(order, "coupon_lines")? {
        if let Some(code) = line.get("code").and_then(Value::as_str) {
            coupons.push(code.to_string());
        }
    }

    // The plugin adds its fields to `billing`; older setups only have them as meta.
    let br = |field: &str, meta_key: &str| -> Result<String, String> {
        let value = text_field(billing, field).map_err(|e| format!("billing.{e}"))?;
        Ok(if value.is_empty() {
            meta.get(meta_key).cloned().unwrap_or_default()
        } else {
            value
        })
    };
    // A CPF is digits; a CNPJ keeps its capitals too (the alphanumeric CNPJ of 2026).
    let digits = |s: String| -> Option<String> {
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        Some(d).filter(|d| !d.is_empty())
    };
    let cnpj = |s: String| Some(documents::normalize(&s)).filter(|d| !d.is_empty());
    let person_type = match br("persontype", "_billing_persontype")?.as_str() {
        "F" | "1" => Some(PersonType::Individual),
        "J" | "2" => Some(PersonType::Company),
        _ => None,
    };
    let billing_address = address(billing, &meta, "billing")?;
    let shipping_address = address(shipping, &meta, "shipping")?;
    let name = join_name(
        &text_field(billing, "first_name").map_err(|e| format!("billing.{e}"))?,
        &text_field(billing, "last_name").map_err(|e| format!("billing.{e}"))?,
    );
    let cellphone = br("cellphone", "_billing_cellphone")?;
    let phone = {
        let phone = text_field(billing, "phone").map_err(|e| format!("billing.{e}"))?;
        if phone.is_empty() {
            cellphone.clone()
        } else {
            phone
        }
    };
    let cellphone = if cellphone == phone {
        String::new()
    } else {
        cellphone
    };
    let customer_id = id_field(order, "customer_id")?;
    let customer = Customer {
        store_customer_id: Some(customer_id).filter(|c| c != "0"),
        name,
        company: text_field(billing, "company").map_err(|e| format!("billing.{e}"))?,
        email: text_field(billing, "email").map_err(|e| format!("billing.{e}"))?,
        phone,
        cpf: digits(br("cpf", "_billing_cpf")?),
        cnpj: cnpj(br("cnpj", "_billing_cnpj")?),
        person_type,
        state_registration: br("ie", "_billing_ie")?,
        cellphone,
        billing: billing_address,
        shipping: Some(shipping_address).filter(|a| !a.street.is_empty() || !a.postcode.is_empty()),
    };

    let utc = |key: &str| -> Result<Option<String>, String> {
        match order.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => crate::time::to_utc(s)
                .map(Some)
                .ok_or_else(|| format!("{key}: {s:?} is not a date")),
            Some(other) => Err(format!("{key}: expected a date string, got {other}")),
        }
    };
    let created_at = utc("date_created_gmt")?.ok_or("date_created_gmt: missing")?;
    let modified_at = utc("date_modified_gmt")?.unwrap_or_else(|| created_at.clone());

    Ok(StoreOrder {
        store_order_id: id,
        number: match order.get("number") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => id_field(order, "id")?,
        },
        status: text_field(order, "status")?,
        currency: text_field(order, "currency")?,
        created_at,
        modified_at,
        paid_at: utc("date_paid_gmt")?,
        customer,
        lines,
        shipping_lines,
        fees,
        coupons,
        discount_cents: money_field(order, "discount_total")?,
        shipping_cents: money_field(order, "shipping_total")?,
        tax_cents: money_field(order, "total_tax")?,
        total_cents: money_field(order, "total")?,
        customer_note: text_field(order, "customer_note")?,
        payment: Payment {
            method: text_field(order, "payment_method")?,
            title: decoded(text_field(order, "payment_method_title")?),
            transaction_id: text_field(order, "transaction_id")?,
        },
        refunds,
        flags: Vec::new(),
    })
}

/// Reads a refund as `/orders/{id}/refunds` returns it: a positive `amount`, lines with negative
/// quantities and totals.
pub fn refund(value: &Value) -> Result<Refund, String> {
    let refund = value.as_object().ok_or("expected a refund object")?;
    let mut lines = Vec::new();
    for (index, item) in array_field(refund, "line_items")?.iter().enumerate() {
        let at = |e: String| format!("line_items[{index}].{e}");
        let (item, line) = line_item(item).map_err(at)?;
        lines.push(RefundLine {
            store_sku: line.sku,
            name: line.name,
            quantity: line.quantity.saturating_abs(),
            amount_cents: money_field(item, "total").map_err(at)?.saturating_abs(),
            store_product_id: line.product_id,
            store_variation_id: line.variation_id,
        });
    }
    let created_at = match refund.get("date_created_gmt") {
        Some(Value::String(s)) if !s.is_empty() => Some(
            crate::time::to_utc(s)
                .ok_or_else(|| format!("date_created_gmt: {s:?} is not a date"))?,
        ),
        _ => None,
    };
    Ok(Refund {
        id: id_field(refund, "id")?,
        amount_cents: money_field(refund, "amount")?.saturating_abs(),
        reason: text_field(refund, "reason")?,
        created_at,
        lines,
    })
}

fn address(
    object: &Map<String, Value>,
    meta: &BTreeMap<String, String>,
    kind: &str,
) -> Result<Address, String> {
    let field = |name: &str| text_field(object, name).map_err(|e| format!("{kind}.{e}"));
    let or_meta = |value: String, key: &str| {
        if value.is_empty() {
            meta.get(&format!("_{kind}_{key}"))
                .cloned()
                .unwrap_or_default()
        } else {
            value
        }
    };
    Ok(Address {
        name: join_name(&field("first_name")?, &field("last_name")?),
        street: field("address_1")?,
        number: or_meta(field("number")?, "number"),
        complement: field("address_2")?,
        neighborhood: or_meta(field("neighborhood")?, "neighborhood"),
        city: field("city")?,
        state: field("state")?,
        postcode: field("postcode")?,
        country: field("country")?,
        phone: field("phone")?,
    })
}

/// What an order's line and a refund's line both say of the item.
struct LineItem {
    sku: Option<String>,
    name: String,
    quantity: i64,
    product_id: String,
    variation_id: Option<String>,
}

fn line_item(item: &Value) -> Result<(&Map<String, Value>, LineItem), String> {
    let item = item.as_object().ok_or("expected an object")?;
    let quantity = item
        .get("quantity")
        .and_then(Value::as_i64)
        .ok_or("quantity: expected a whole number")?;
    let variation = id_field(item, "variation_id")?;
    let line = LineItem {
        sku: Some(text_field(item, "sku")?).filter(|s| !s.is_empty()),
        name: decoded(text_field(item, "name")?),
        quantity,
        product_id: id_field(item, "product_id")?,
        variation_id: Some(variation).filter(|v| v != "0"),
    };
    Ok((item, line))
}

/// WordPress stores names with HTML entities (`Ship Your Idea &ndash; Color: Black`, `P&amp;B`);
/// the ERP wants the characters.
fn decoded(text: String) -> String {
    if text.contains('&') {
        html_escape::decode_html_entities(&text).into_owned()
    } else {
        text
    }
}

fn join_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

fn meta_map(order: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    let mut meta = BTreeMap::new();
    for entry in array_field(order, "meta_data")? {
        if let (Some(key), Some(value)) =
            (entry.get("key").and_then(Value::as_str), entry.get("value"))
        {
            if let Some(text) = value.as_str() {
                meta.insert(key.to_string(), text.to_string());
            }
        }
    }
    Ok(meta)
}

/// A string field; missing or `null` is empty.
fn text_field(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{key}: expected a string, got {other}")),
    }
}

/// An id, given as a number (or, by some plugins, a numeric string).
fn id_field(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(s.clone())
        }
        None | Some(Value::Null) if key != "id" => Ok("0".to_string()),
        Some(other) => Err(format!("{key}: expected an id, got {other}")),
        None => Err(format!("{key}: missing")),
    }
}

/// An amount given as a decimal string (or a number); missing, `null` or empty is zero.
fn money_field(object: &Map<String, Value>, key: &str) -> Result<i64, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) if s.is_empty() => Ok(0),
        Some(Value::String(s)) => parse_cents(s).map_err(|e| format!("{key}: {e}")),
        Some(Value::Number(n)) => parse_number_cents(n).map_err(|e| format!("{key}: {e}")),
        Some(other) => Err(format!("{key}: expected an amount, got {other}")),
    }
}

fn object_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a Map<String, Value>, String> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match object.get(key) {
        Some(Value::Object(inner)) => Ok(inner),
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(other) => Err(format!("{key}: expected an object, got {other}")),
    }
}

fn array_field<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match object.get(key) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Ok(&[]),
        Some(other) => Err(format!("{key}: expected an array, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::catalog::Dimensions;
    use crate::model::config::ALL_SYNC_FIELDS;

    fn draft(variants: Vec<Variant>) -> ProductDraft {
        let stock = variants.iter().map(|v| (v.sku.clone(), 7)).collect();
        ProductDraft {
            product: Product {
                erp_id: "1".into(),
                name: "Camiseta".into(),
                description: "Algodão".into(),
                brand_id: Some("HERING".into()),
                show_in_store: true,
                sync_stock: true,
                currency: "BRL".into(),
                short_description: "Camiseta básica".into(),
                category_ids: vec!["ROUPAS".into()],
                images: Vec::new(),
                specifications: [("Material".to_string(), "Algodão".to_string())].into(),
                variants,
            },
            brand: None,
            fields: ALL_SYNC_FIELDS.into_iter().collect(),
            stock,
            status: NewProductStatus::Draft,
            visibility: Visibility::Catalog,
            restore_visibility: false,
            retire_variants: Default::default(),
            restore_variants: Default::default(),
            categories: vec!["15".into()],
            images: Vec::new(),
            variant_images: Default::default(),
        }
    }

    fn variant(sku: &str, attributes: &[(&str, &str)]) -> Variant {
        Variant {
            sku: sku.into(),
            ean: Some("7891000100110".into()),
            barcode: None,
            price_cents: Some(5990),
            promo_price_cents: None,
            stock: None,
            stock_by_warehouse: None,
            weight_grams: Some(180),
            dimensions_mm: Some(Dimensions {
                length: 300,
                width: 245,
                height: 20,
            }),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            promo_starts_at: None,
            promo_ends_at: None,
            price_lists: Default::default(),
            images: Vec::new(),
        }
    }

    #[test]
    fn a_simple_product_is_created_with_exact_strings_and_the_configured_status() {
        let body = simple_product_body(&draft(vec![variant("CAM-1", &[])]), true, Some(12));
        assert_eq!(
            body,
            json!({"name": "Camiseta", "description": "Algodão", "short_description": "Camiseta básica",
                   "categories": [{"id": 15}], "status": "draft", "catalog_visibility": "catalog",
                   "brands": [12], "type": "simple", "sku": "CAM-1", "regular_price": "59.90", "sale_price": "",
                   "date_on_sale_from_gmt": "", "date_on_sale_to_gmt": "",
                   "global_unique_id": "7891000100110", "manage_stock": true, "stock_quantity": 7, "weight": "0.18",
                   "dimensions": {"length": "30", "width": "24.5", "height": "2"},
                   "attributes": [{"name": "Material", "position": 0, "visible": true, "variation": false, "options": ["Algodão"]}]})
        );
    }

    #[test]
    fn an_update_sends_only_enabled_fields_and_never_status_or_visibility() {
        let mut d = draft(vec![variant("CAM-1", &[])]);
        d.fields = BTreeSet::from([SyncField::Price]);
        assert_eq!(
            simple_product_body(&d, false, None),
            json!({"regular_price": "59.90"})
        );
    }

    #[test]
    fn visibility_is_sent_on_an_update_only_to_undo_a_hide() {
        let mut d = draft(vec![variant("CAM-1", &[])]);
        d.fields = BTreeSet::new();
        assert_eq!(simple_product_body(&d, false, None), json!({}));
        d.restore_visibility = true;
        assert_eq!(
            simple_product_body(&d, false, None),
            json!({"catalog_visibility": "catalog"})
        );
    }

    #[test]
    fn a_product_without_synced_stock_sends_no_stock_fields() {
        let mut d = draft(vec![variant("CAM-1", &[])]);
        d.stock.clear();
        let body = simple_product_body(&d, false, None);
        assert!(body.get("manage_stock").is_none() && body.get("stock_quantity").is_none());
    }

    #[test]
    fn variants_become_a_variable_parent_and_variations() {
        let d = draft(vec![
            variant("CAM-M", &[("cor", "Azul"), ("tamanho", "M")]),
            variant("CAM-G", &[("cor", "Azul"), ("tamanho", "G")]),
        ]);
        assert!(is_variable(&d.product));
        let parent = variable_parent_body(&d, true, None);
        assert_eq!(parent["type"], "variable");
        assert_eq!(
            parent["attributes"],
            json!([{"name": "cor", "position": 0, "visible": true, "variation": true, "options": ["Azul"]},
                   {"name": "tamanho", "position": 1, "visible": true, "variation": true, "options": ["M", "G"]},
                   {"name": "Material", "position": 2, "visible": true, "variation": false, "options": ["Algodão"]}])
        );
        let variation = variation_body(&d, &d.product.variants[1], true);
        assert_eq!(variation["sku"], "CAM-G");
        assert_eq!(
            variation["attributes"],
            json!([{"name": "cor", "option": "Azul"}, {"name": "tamanho", "option": "G"}])
        );
        assert_eq!(variation["stock_quantity"], 7);
    }

    #[test]
    fn negative_stock_is_sent_as_zero() {
        assert_eq!(
            stock_body(-3),
            json!({"manage_stock": true, "stock_quantity": 0})
        );
    }

    #[test]
    fn units_scale_exactly() {
        assert_eq!(scaled(180, 1000), "0.18");
        assert_eq!(scaled(2100, 1000), "2.1");
        assert_eq!(scaled(5, 1000), "0.005");
        assert_eq!(scaled(245, 10), "24.5");
        assert_eq!(scaled(0, 10), "0");
    }

    #[test]
    fn a_bad_field_in_an_order_is_named() {
        let err = store_order(
            &json!({"id": 7, "total": "abc", "date_created_gmt": "2024-01-01T00:00:00"}),
        )
        .unwrap_err();
        assert_eq!(err, r#"total: "abc" is not a decimal amount"#);
        let err = store_order(&json!({"id": 7, "line_items": [{"quantity": "2"}], "date_created_gmt": "2024-01-01T00:00:00"}))
            .unwrap_err();
        assert_eq!(err, "line_items[0].quantity: expected a whole number");
    }
}

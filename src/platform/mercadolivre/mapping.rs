//! Pure mapping of Mercado Livre's JSON into Ponte's model. No I/O. Ids are 64-bit and read as
//! integers or text, never through a float (new sellers' ids pass 2^53); amounts are numbers;
//! times carry their offset (`-04:00`, `-0400`). A cart ("pack") of several orders is one ERP
//! order; the buyer's CPF or CNPJ and address come from the billing info, apart from the order.

use serde_json::{Map, Value};

use crate::model::money::parse_number_cents;
use crate::model::order::{Address, Customer, OrderLine, Payment, PersonType, StoreOrder};
use crate::platform::{ItemError, RemoteKind, RemoteProduct};
use crate::rules::documents;

/// Mercado Livre's error body `{message, error, status, cause}`, its `cause` a list of
/// `{code, message}` objects (item validation) or of strings, or empty: the store's words, each
/// cause named.
pub fn item_error(status: u16, body: &Value) -> ItemError {
    let message = body["message"].as_str().unwrap_or_default();
    let code = body["error"]
        .as_str()
        .filter(|c| !c.is_empty())
        .map_or_else(|| format!("http_{status}"), str::to_string);
    let causes: Vec<String> = body["cause"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|cause| match cause {
            Value::String(text) => Some(text.clone()),
            Value::Object(cause) => {
                let text = cause
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Some(match cause.get("code").and_then(Value::as_str) {
                    Some(code) => format!("{code}: {text}"),
                    None => text.to_string(),
                })
            }
            _ => None,
        })
        .collect();
    let message = match (message.is_empty(), causes.is_empty()) {
        (_, true) => message.to_string(),
        (true, false) => causes.join("; "),
        (false, false) => format!("{message}: {}", causes.join("; ")),
    };
    ItemError {
        code,
        message,
        status: body["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(status),
        resource_id: None,
    }
}

/// A notification (`{resource, user_id, topic, ...}`): its topic and the id of the resource it
/// names (`/orders/2195160686` → `2195160686`). `user_id` comes as a number or as text.
pub fn notification(body: &Value) -> Result<(String, String, String), String> {
    let topic = body["topic"].as_str().ok_or("topic: missing")?.to_string();
    let resource = body["resource"].as_str().ok_or("resource: missing")?;
    let id = resource
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("resource: {resource:?} names no id"))?
        .to_string();
    let user = id_text(&body["user_id"]).ok_or("user_id: missing")?;
    Ok((topic, id, user))
}

/// The ERP order of one cart: `orders` are the pack's orders (one alone when it has no pack),
/// `billing` the buyer's billing info (`/orders/billing-info/{site}/{id}`). The id is
/// `pack:{pack_id}`, or the order's own; the status is `paid` once every order is paid,
/// `cancelled` once every one is off, and otherwise the first order's that is neither.
pub fn store_order(orders: &[Value], billing: Option<&Value>) -> Result<StoreOrder, String> {
    let first = orders.first().ok_or("a pack with no order")?;
    let first = first.as_object().ok_or("expected an order object")?;
    let (store_order_id, number) = match id_text(first.get("pack_id").unwrap_or(&Value::Null)) {
        Some(pack) => (format!("pack:{pack}"), pack),
        None => {
            let id = id_text(first.get("id").unwrap_or(&Value::Null)).ok_or("id: missing")?;
            (id.clone(), id)
        }
    };
    let mut lines = Vec::new();
    let (mut total_cents, mut shipping_cents) = (0i64, 0i64);
    let (mut created, mut modified, mut paid_at): (Option<i64>, Option<i64>, Option<i64>) =
        (None, None, None);
    let mut statuses = Vec::new();
    for (index, order) in orders.iter().enumerate() {
        let at = |e: String| format!("orders[{index}].{e}");
        let order = order
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        statuses.push(
            order
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let when = |key: &str| order.get(key).and_then(Value::as_str).and_then(parse_time);
        created = min(created, when("date_created"));
        modified = max(
            modified,
            when("date_last_updated").or_else(|| when("last_updated")),
        );
        paid_at = max(paid_at, when("date_closed"));
        total_cents += cents(order, "total_amount").map_err(at)?;
        for payment in order
            .get("payments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if payment["status"] == "approved" {
                if let Some(Value::Number(n)) = payment.get("shipping_cost") {
                    shipping_cents += parse_number_cents(n)
                        .map_err(|e| at(format!("payments.shipping_cost: {e}")))?;
                }
            }
        }
        let items = order.get("order_items").and_then(Value::as_array);
        for (position, line) in items.into_iter().flatten().enumerate() {
            let at = |e: String| at(format!("order_items[{position}].{e}"));
            let line = line
                .as_object()
                .ok_or_else(|| at("expected an object".into()))?;
            let item = line
                .get("item")
                .and_then(Value::as_object)
                .ok_or_else(|| at("item: missing".into()))?;
            let quantity = line
                .get("quantity")
                .and_then(Value::as_i64)
                .ok_or_else(|| at("quantity: expected an integer".into()))?;
            let unit_price_cents = cents(line, "unit_price").map_err(at)?;
            let total = unit_price_cents
                .checked_mul(quantity)
                .ok_or_else(|| at("unit_price × quantity overflows".into()))?;
            // The SELLER_SKU attribute's value, else the legacy field; both are often null.
            let sku = text(item, "seller_sku").or_else(|| text(item, "seller_custom_field"));
            lines.push(OrderLine {
                sku: sku.clone(),
                store_sku: sku,
                matched_by: None,
                name: text(item, "title").unwrap_or_default(),
                quantity,
                unit_price_cents,
                subtotal_cents: total,
                total_cents: total,
                store_product_id: item
                    .get("id")
                    .and_then(id_text)
                    .ok_or_else(|| at("item.id: missing".into()))?,
                store_variation_id: item.get("variation_id").and_then(id_text),
            });
        }
    }
    let status = if statuses.iter().all(|s| *s == "paid") {
        "paid"
    } else if statuses
        .iter()
        .all(|s| matches!(*s, "cancelled" | "invalid"))
    {
        "cancelled"
    } else {
        statuses
            .iter()
            .find(|s| !matches!(**s, "paid" | "cancelled" | "invalid"))
            .copied()
            .unwrap_or("cancelled")
    };
    let created_at = created.ok_or("date_created: missing")?;
    let customer = match billing {
        Some(billing) => customer(billing)?,
        None => Customer {
            store_customer_id: first.get("buyer").and_then(|b| id_text(&b["id"])),
            name: String::new(),
            company: String::new(),
            email: String::new(),
            phone: String::new(),
            cpf: None,
            cnpj: None,
            person_type: None,
            state_registration: String::new(),
            cellphone: String::new(),
            billing: Address::default(),
            shipping: None,
        },
    };
    let payment = first
        .get("payments")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .map(|p| Payment {
            method: p["payment_method_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            title: p["payment_type"].as_str().unwrap_or_default().to_string(),
            transaction_id: id_text(&p["id"]).unwrap_or_default(),
        })
        .unwrap_or_default();
    Ok(StoreOrder {
        store_order_id,
        number,
        status: status.to_string(),
        currency: text(first, "currency_id").unwrap_or_default(),
        created_at: crate::time::format_rfc3339(created_at),
        modified_at: crate::time::format_rfc3339(modified.unwrap_or(created_at)),
        paid_at: paid_at
            .filter(|_| status == "paid")
            .map(crate::time::format_rfc3339),
        customer,
        lines,
        shipping_lines: Vec::new(),
        fees: Vec::new(),
        coupons: Vec::new(),
        discount_cents: 0,
        shipping_cents,
        tax_cents: 0,
        total_cents,
        customer_note: String::new(),
        payment,
        refunds: Vec::new(),
        flags: Vec::new(),
    })
}

/// The buyer as the billing info shows them: a person (`cust_type` `CO`, a CPF) or a company
/// (`BU`, a CNPJ and its state registration), with the billing address.
fn customer(billing: &Value) -> Result<Customer, String> {
    let info = &billing["buyer"]["billing_info"];
    let object = info.as_object().ok_or("buyer.billing_info: missing")?;
    let name = [text(object, "name"), text(object, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let number = info["identification"]["number"]
        .as_str()
        .map(documents::normalize)
        .unwrap_or_default();
    let kind = info["identification"]["type"].as_str().unwrap_or_default();
    let company = info["attributes"]["cust_type"] == "BU" || kind == "CNPJ";
    let (cpf, cnpj) = match (kind, number.is_empty()) {
        (_, true) => (None, None),
        ("CNPJ", _) => (None, Some(number)),
        _ => (Some(number), None),
    };
    let address = &info["address"];
    let field = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let billing_address = Address {
        name: name.clone(),
        street: field(&address["street_name"]),
        number: field(&address["street_number"]),
        complement: field(&address["comment"]),
        neighborhood: field(&address["neighborhood"]),
        city: field(&address["city_name"]),
        state: state_code(address["state"]["name"].as_str().unwrap_or_default()),
        postcode: field(&address["zip_code"]),
        country: field(&address["country_id"]),
        phone: String::new(),
    };
    Ok(Customer {
        store_customer_id: id_text(&billing["buyer"]["cust_id"]),
        // A company's billing name is its legal name, which the ERP registers it by.
        name: name.clone(),
        company: if company { name } else { String::new() },
        email: String::new(),
        phone: String::new(),
        cpf,
        cnpj,
        person_type: Some(if company {
            PersonType::Company
        } else {
            PersonType::Individual
        }),
        state_registration: field(&info["taxes"]["inscriptions"]["state_registration"]),
        cellphone: String::new(),
        billing: billing_address,
        shipping: None,
    })
}

/// A Brazilian state as the ERP keeps it, its two letters, from the name the billing info gives
/// (`Rio de Janeiro` → `RJ`); a name not found is kept as it is.
fn state_code(name: &str) -> String {
    const STATES: [(&str, &str); 27] = [
        ("acre", "AC"),
        ("alagoas", "AL"),
        ("amapá", "AP"),
        ("amazonas", "AM"),
        ("bahia", "BA"),
        ("ceará", "CE"),
        ("distrito federal", "DF"),
        ("espírito santo", "ES"),
        ("goiás", "GO"),
        ("maranhão", "MA"),
        ("mato grosso", "MT"),
        ("mato grosso do sul", "MS"),
        ("minas gerais", "MG"),
        ("pará", "PA"),
        ("paraíba", "PB"),
        ("paraná", "PR"),
        ("pernambuco", "PE"),
        ("piauí", "PI"),
        ("rio de janeiro", "RJ"),
        ("rio grande do norte", "RN"),
        ("rio grande do sul", "RS"),
        ("rondônia", "RO"),
        ("roraima", "RR"),
        ("santa catarina", "SC"),
        ("são paulo", "SP"),
        ("sergipe", "SE"),
        ("tocantins", "TO"),
    ];
    let wanted = name.trim().to_lowercase();
    STATES
        .iter()
        .find(|(state, code)| *state == wanted || code.eq_ignore_ascii_case(&wanted))
        .map_or_else(|| name.trim().to_string(), |(_, code)| code.to_string())
}

/// An id given as an integer (64-bit, never through a float) or as text.
pub fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn cents(object: &Map<String, Value>, key: &str) -> Result<i64, String> {
    match object.get(key) {
        Some(Value::Number(n)) => parse_number_cents(n).map_err(|e| format!("{key}: {e}")),
        None | Some(Value::Null) => Ok(0),
        Some(other) => Err(format!("{key}: expected an amount, got {other}")),
    }
}

/// A time with its offset, `-04:00` or `-0400`, fractions of a second allowed.
pub fn parse_time(text: &str) -> Option<i64> {
    crate::time::parse(text).or_else(|| {
        let zone = text.len().checked_sub(5)?;
        let colonless = matches!(text.as_bytes()[zone], b'+' | b'-')
            && text[zone + 1..].bytes().all(|b| b.is_ascii_digit());
        colonless
            .then(|| format!("{}:{}", &text[..zone + 3], &text[zone + 3..]))
            .and_then(|fixed| crate::time::parse(&fixed))
    })
}

fn min(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A listing as Ponte sees it: the item, then each of its variations. The SKU is the
/// `SELLER_SKU` attribute, else the legacy `seller_custom_field`; the EAN is `GTIN`. A listing
/// in Full (`logistic_type` `fulfillment`) has no stock of the seller's: `stock` is `None`.
pub fn remote_products(item: &Value) -> Result<Vec<RemoteProduct>, String> {
    let object = item.as_object().ok_or("expected an item object")?;
    let id = text(object, "id").ok_or("id: missing")?;
    let name = text(object, "title").unwrap_or_default();
    let status = text(object, "status").unwrap_or_default();
    let full = in_full(item);
    let stock_of = |value: &Map<String, Value>| match value.get("available_quantity") {
        _ if full => Ok(None),
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("available_quantity: {n} is not an integer")),
        Some(other) => Err(format!(
            "available_quantity: expected a number, got {other}"
        )),
    };
    let variations = match object.get("variations") {
        Some(Value::Array(variations)) => variations.as_slice(),
        None | Some(Value::Null) => &[],
        Some(other) => return Err(format!("variations: expected an array, got {other}")),
    };
    let mut found = Vec::with_capacity(variations.len() + 1);
    found.push(RemoteProduct {
        id: id.clone(),
        parent_id: None,
        kind: match variations.is_empty() {
            true => RemoteKind::Simple,
            false => RemoteKind::Variable,
        },
        sku: seller_sku(object),
        ean: attribute(object, "GTIN"),
        name: name.clone(),
        status: status.clone(),
        visibility: None,
        price_cents: optional_cents(object, "price")?,
        stock: stock_of(object)?,
        variation_ids: Vec::new(),
    });
    for (index, variation) in variations.iter().enumerate() {
        let at = |e: String| format!("variations[{index}].{e}");
        let variation = variation
            .as_object()
            .ok_or_else(|| at("expected an object".into()))?;
        let variation_id = variation
            .get("id")
            .and_then(id_text)
            .ok_or_else(|| at("id: missing".into()))?;
        let values: Vec<String> = variation
            .get("attribute_combinations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c["value_name"].as_str().map(str::to_string))
            .collect();
        found[0].variation_ids.push(variation_id.clone());
        found.push(RemoteProduct {
            id: variation_id,
            parent_id: Some(id.clone()),
            kind: RemoteKind::Variation,
            sku: seller_sku(variation),
            ean: attribute(variation, "GTIN"),
            name: match values.is_empty() {
                true => name.clone(),
                false => format!("{name} ({})", values.join(", ")),
            },
            status: status.clone(),
            visibility: None,
            price_cents: optional_cents(variation, "price").map_err(at)?,
            stock: stock_of(variation).map_err(at)?,
            variation_ids: Vec::new(),
        });
    }
    Ok(found)
}

/// The listing is in Full: Mercado Livre's warehouse holds and counts its stock.
pub fn in_full(item: &Value) -> bool {
    item["shipping"]["logistic_type"] == "fulfillment"
}

/// The seller's SKU of an item or variation: the `SELLER_SKU` attribute, else
/// `seller_custom_field`.
pub fn seller_sku(object: &Map<String, Value>) -> Option<String> {
    attribute(object, "SELLER_SKU").or_else(|| text(object, "seller_custom_field"))
}

/// The value of one of the item's (or variation's) attributes, by id.
fn attribute(object: &Map<String, Value>, id: &str) -> Option<String> {
    object
        .get("attributes")
        .and_then(Value::as_array)?
        .iter()
        .find(|a| a["id"] == id)
        .and_then(|a| a["value_name"].as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn optional_cents(object: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => crate::model::money::parse_cents(s)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
        Some(_) => cents(object, key).map(Some),
    }
}

/// Where the shipment goes, from `/shipments/{id}`'s `receiver_address`; `None` when the
/// shipment does not say (an order without shipping, or a view without the address).
pub fn shipping_address(shipment: &Value) -> Option<Address> {
    let address = shipment.get("receiver_address")?.as_object()?;
    let field = |key: &str| {
        address
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let named = |key: &str| {
        address
            .get(key)
            .and_then(|v| v["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let state = address
        .get("state")
        .and_then(|s| s["id"].as_str())
        // `BR-PR` is Paraná: the ERP keeps the two letters.
        .and_then(|id| id.strip_prefix("BR-"))
        .map(str::to_string)
        .unwrap_or_else(|| named("state"));
    Some(Address {
        name: field("receiver_name"),
        street: field("street_name"),
        number: field("street_number"),
        complement: field("comment"),
        neighborhood: named("neighborhood"),
        city: named("city"),
        state,
        postcode: field("zip_code"),
        country: address
            .get("country")
            .and_then(|c| c["id"].as_str())
            .unwrap_or_default()
            .to_string(),
        phone: field("receiver_phone"),
    })
}

/// The tags of a cart's orders, each once.
pub fn tags(orders: &[Value]) -> Vec<String> {
    let mut tags: Vec<String> = orders
        .iter()
        .flat_map(|o| o["tags"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

//! The "Brazilian Market on WooCommerce" plugin (4.0.2), as a real store with it shows orders over
//! REST (kit quirk 4). Its fields live in order meta (`_billing_cpf`, `_billing_persontype`, ...);
//! the REST API only shows them, inside `billing` and `shipping`, and never writes them: a
//! `billing.cpf` in a POST or PUT is dropped with the other keys WooCommerce has no setter for.
//! The checkout, where a shopper types them, saves them as that meta.

use serde_json::{json, Value};

/// The keys the plugin adds to `billing`, in the order it adds them.
const BILLING_FIELDS: [&str; 10] = [
    "number",
    "neighborhood",
    "persontype",
    "cpf",
    "rg",
    "cnpj",
    "ie",
    "birthdate",
    "gender",
    "cellphone",
];

/// The keys it adds to `shipping`.
const SHIPPING_FIELDS: [&str; 2] = ["number", "neighborhood"];

fn meta<'a>(order: &'a Value, key: &str) -> &'a str {
    order["meta_data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["key"] == key)
        .and_then(|m| m["value"].as_str())
        .unwrap_or("")
}

/// PHP's `intval` on a string: optional spaces and sign, then the leading digits.
fn intval(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    sign * digits.parse::<i64>().unwrap_or(0)
}

/// The plugin's `format_number`: `.`, `-` and `/` removed, nothing else (a real store showed
/// meta `"abc.123"` as `"abc123"`).
fn format_number(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '.' | '-' | '/'))
        .collect()
}

/// `"01/02/1990"` becomes `"02-01-1990T00:00:00"`: the plugin swaps the first two parts of a
/// slash date; anything without a second part is `""`.
fn birthdate(text: &str) -> String {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [first, second, rest @ ..] if !second.is_empty() => format!(
            "{second}-{first}-{}T00:00:00",
            rest.first().copied().unwrap_or("")
        ),
        _ => String::new(),
    }
}

/// Writes the plugin's keys into `billing` and `shipping` from the order's meta. With both
/// person types on (the plugin's first-run setting), `persontype` is `"J"` for meta 2 and `"F"`
/// for anything else, even no meta at all.
pub(super) fn show_fields(order: &mut Value) {
    let value = |order: &Value, field: &str| -> String {
        let stored = meta(order, &format!("_billing_{field}"));
        match field {
            "persontype" => {
                if intval(stored) == 2 {
                    "J".to_string()
                } else {
                    "F".to_string()
                }
            }
            "cpf" | "rg" | "cnpj" | "ie" => format_number(stored),
            "birthdate" => birthdate(stored),
            "gender" => stored.chars().take(1).collect(),
            _ => stored.to_string(),
        }
    };
    let billing: Vec<(&str, String)> = BILLING_FIELDS
        .iter()
        .map(|field| (*field, value(order, field)))
        .collect();
    let shipping: Vec<(&str, String)> = SHIPPING_FIELDS
        .iter()
        .map(|field| {
            (
                *field,
                meta(order, &format!("_shipping_{field}")).to_string(),
            )
        })
        .collect();
    if !order["billing"].is_object() {
        order["billing"] = json!({});
    }
    if !order["shipping"].is_object() {
        order["shipping"] = json!({});
    }
    for (field, value) in billing {
        order["billing"][field] = json!(value);
    }
    for (field, value) in shipping {
        order["shipping"][field] = json!(value);
    }
}

/// The meta the plugin's checkout saves from the form a shopper filled in: `billing.cpf` as
/// `_billing_cpf` (as typed, mask included), `persontype` "F"/"J" as "1"/"2" (inferred from
/// which document was given when absent), and so on.
pub(super) fn checkout_meta(billing: &Value, shipping: &Value) -> Vec<Value> {
    let text = |source: &Value, key: &str| -> String {
        source
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut meta = Vec::new();
    let persontype = match text(billing, "persontype").as_str() {
        "F" | "f" | "1" => "1",
        "J" | "j" | "2" => "2",
        _ if !text(billing, "cnpj").is_empty() && text(billing, "cpf").is_empty() => "2",
        _ if !text(billing, "cpf").is_empty() => "1",
        _ => "",
    };
    if !persontype.is_empty() {
        meta.push(json!({"key": "_billing_persontype", "value": persontype}));
    }
    for field in BILLING_FIELDS.iter().filter(|f| **f != "persontype") {
        let value = text(billing, field);
        if !value.is_empty() {
            meta.push(json!({"key": format!("_billing_{field}"), "value": value}));
        }
    }
    for field in SHIPPING_FIELDS {
        let value = text(shipping, field);
        if !value.is_empty() {
            meta.push(json!({"key": format!("_shipping_{field}"), "value": value}));
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_as_the_plugin_formats_them() {
        let mut order = json!({"billing": {}, "shipping": {}, "meta_data": [
            {"key": "_billing_persontype", "value": "2"}, {"key": "_billing_cpf", "value": "529.982.247-25"},
            {"key": "_billing_cnpj", "value": "12.345.678/0001-95"}, {"key": "_billing_birthdate", "value": "01/02/1990"},
            {"key": "_billing_gender", "value": "female"}, {"key": "_billing_cellphone", "value": "(11) 99999-0000"},
            {"key": "_shipping_number", "value": "7"}]});
        show_fields(&mut order);
        assert_eq!(order["billing"]["persontype"], "J");
        assert_eq!(order["billing"]["cpf"], "52998224725");
        assert_eq!(order["billing"]["cnpj"], "12345678000195");
        assert_eq!(order["billing"]["birthdate"], "02-01-1990T00:00:00");
        assert_eq!(order["billing"]["gender"], "f");
        assert_eq!(order["billing"]["cellphone"], "(11) 99999-0000");
        assert_eq!(order["billing"]["number"], "");
        assert_eq!(order["shipping"]["number"], "7");
    }

    #[test]
    fn persontype_is_f_without_meta() {
        let mut order = json!({"billing": {}, "shipping": {}, "meta_data": []});
        show_fields(&mut order);
        assert_eq!(order["billing"]["persontype"], "F");
        assert_eq!(intval(" 2abc"), 2);
    }
}

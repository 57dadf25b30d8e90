//! WordPress's REST errors as WooCommerce answers them: the `{code, message, data}` envelope
//! (also a batch item's `error`), `rest_invalid_param` with every refused parameter, and the
//! schema checks and coercions (`rest_is_boolean`, `rest_is_integer`) that raise them.

use serde_json::{json, Map, Value};

use super::super::server::HttpResponse;
use super::listing;

const NO_ROUTE: &str = "No route was found matching the URL and request method.";

/// A WordPress REST error, as an envelope or as a batch item's `error`.
#[derive(Debug, Clone)]
pub(super) struct WooError {
    pub(super) status: u16,
    pub(super) code: &'static str,
    pub(super) message: String,
    pub(super) extra: Map<String, Value>,
    /// A `WP_Error` raised with no data: the envelope says `"data": null` (and the status is 500).
    pub(super) bare: bool,
}

/// One parameter WordPress's schema check refused, as `data.params` and `data.details` show it.
#[derive(Debug, Clone)]
pub(super) struct ParamError {
    param: String,
    code: &'static str,
    message: String,
    data: Value,
}

impl ParamError {
    /// `rest_not_in_enum`; `label` is how the message names the value (`status[1]` for the
    /// second item of an array parameter).
    pub(super) fn not_in_enum(param: &str, label: &str, allowed: &[&str]) -> ParamError {
        ParamError {
            param: param.to_string(),
            code: "rest_not_in_enum",
            message: format!("{label} is not one of {}.", listing::wp_list(allowed)),
            data: Value::Null,
        }
    }

    pub(super) fn invalid_type(param: &str, expected: &str) -> ParamError {
        ParamError {
            param: param.to_string(),
            code: "rest_invalid_type",
            message: format!("{param} is not of type {expected}."),
            data: json!({"param": param}),
        }
    }

    pub(super) fn out_of_bounds(param: &str, message: &str) -> ParamError {
        ParamError {
            param: param.to_string(),
            code: "rest_out_of_bounds",
            message: message.to_string(),
            data: Value::Null,
        }
    }

    pub(super) fn invalid_date(param: &str) -> ParamError {
        ParamError {
            param: param.to_string(),
            code: "rest_invalid_date",
            message: "Invalid date.".to_string(),
            data: Value::Null,
        }
    }
}

impl WooError {
    pub(super) fn new(status: u16, code: &'static str, message: impl Into<String>) -> WooError {
        WooError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
            bare: false,
        }
    }

    /// A WordPress core error passed through with no data (`"data": null`), which the REST
    /// server answers with 500.
    pub(super) fn bare(code: &'static str, message: impl Into<String>) -> WooError {
        WooError {
            bare: true,
            ..WooError::new(500, code, message)
        }
    }

    pub(super) fn with(mut self, key: &str, value: Value) -> WooError {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub(super) fn no_route() -> WooError {
        WooError::new(404, "rest_no_route", NO_ROUTE)
    }

    pub(super) fn body(&self) -> Value {
        if self.bare {
            return json!({"code": self.code, "message": self.message, "data": null});
        }
        let mut data = Map::new();
        data.insert("status".into(), json!(self.status));
        data.extend(self.extra.clone());
        json!({"code": self.code, "message": self.message, "data": data})
    }

    pub(super) fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::json(self.status, &self.body());
        if self.code == "woocommerce_rest_authentication_error"
            && self.message == "Consumer secret is invalid."
        {
            response.headers.push((
                "WWW-Authenticate".into(),
                "Basic realm=\"WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field.\"".into(),
            ));
        }
        response
    }

    /// WordPress's `rest_invalid_param`: every refused parameter named in the message, with its
    /// message in `data.params` and its code, message and data in `data.details`.
    pub(super) fn invalid_params(errors: &[ParamError]) -> WooError {
        let names: Vec<&str> = errors.iter().map(|e| e.param.as_str()).collect();
        let mut params = Map::new();
        let mut details = Map::new();
        for error in errors {
            params.insert(error.param.clone(), json!(error.message));
            details.insert(
                error.param.clone(),
                json!({"code": error.code, "message": error.message, "data": error.data}),
            );
        }
        WooError::new(
            400,
            "rest_invalid_param",
            format!("Invalid parameter(s): {}", names.join(", ")),
        )
        .with("params", Value::Object(params))
        .with("details", Value::Object(details))
    }

    pub(super) fn invalid_id(kind: &str, status: u16) -> WooError {
        let code = match kind {
            "order" => "woocommerce_rest_shop_order_invalid_id",
            "variation" => "woocommerce_rest_product_variation_invalid_id",
            _ => "woocommerce_rest_product_invalid_id",
        };
        WooError::new(status, code, "Invalid ID.")
    }
}

/// Fails with every parameter error found, or goes on.
pub(super) fn check_params(errors: Vec<ParamError>) -> Result<(), WooError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(WooError::invalid_params(&errors))
    }
}

pub(super) fn check_enum(
    body: &Value,
    field: &str,
    allowed: &[&str],
    errors: &mut Vec<ParamError>,
) {
    match body.get(field) {
        None => {}
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
        Some(_) => errors.push(ParamError::not_in_enum(field, field, allowed)),
    }
}

pub(super) fn check_type(
    body: &Value,
    field: &str,
    expected: &str,
    fits: fn(&Value) -> bool,
    errors: &mut Vec<ParamError>,
) {
    if body.get(field).is_some_and(|value| !fits(value)) {
        errors.push(ParamError::invalid_type(field, expected));
    }
}

/// `rest_is_boolean`: a boolean, `0`/`1`, or one of "0", "1", "false", "true".
pub(super) fn as_rest_boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// `rest_is_integer`: an integer, a whole float, or a string holding one.
pub(super) fn as_rest_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            crate::model::money::parse_number_cents(n)
                .ok()
                .filter(|cents| cents % 100 == 0)
                .map(|cents| cents / 100)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

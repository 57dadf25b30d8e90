//! Mercado Livre's error body, one shape for every resource: `{message, error, status, cause}`
//! (`shared/platforms/MERCADOLIVRE.md` §3). `cause` holds objects on item validation,
//! `{department, cause_id, type, code, references, message}` as integrations report them, and
//! is `[]` elsewhere.

use serde_json::{json, Value};

use crate::sandbox::server::HttpResponse;

/// A refusal as the API answers it.
#[derive(Debug, Clone)]
pub struct MlError {
    pub status: u16,
    pub error: String,
    pub message: String,
    pub cause: Vec<Value>,
}

impl MlError {
    pub fn new(status: u16, error: &str, message: impl Into<String>) -> MlError {
        MlError {
            status,
            error: error.to_string(),
            message: message.into(),
            cause: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> MlError {
        MlError::new(400, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> MlError {
        MlError::new(404, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> MlError {
        MlError::new(403, "forbidden", message)
    }

    /// 400 `validation_error` "Validation error" with its causes.
    pub fn validation(causes: Vec<Value>) -> MlError {
        MlError {
            cause: causes,
            ..MlError::new(400, "validation_error", "Validation error")
        }
    }

    /// The body `{message, error, status, cause}`.
    pub fn body(&self) -> Value {
        json!({
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": self.cause,
        })
    }

    pub fn response(&self) -> HttpResponse {
        HttpResponse::json(self.status, &self.body())
    }
}

/// One item validation cause. Only `item.attributes.missing_required`'s `cause_id` (147) was
/// seen in integrations; the other numbers are the sandbox's (sandbox choice).
pub fn cause(code: &str, references: &[&str], message: impl Into<String>) -> Value {
    let cause_id = match code {
        "item.attributes.missing_required" => 147,
        "item.category_id.invalid" => 101,
        "item.price.invalid" => 102,
        "item.listing_type_id.invalid" => 103,
        "item.available_quantity.invalid" => 104,
        "item.variations.attribute_combinations.invalid" => 105,
        "item.status.invalid" => 106,
        "item.status.under_review" => 107,
        "item.available_quantity.fulfillment" => 108,
        _ => 199,
    };
    json!({
        "department": "items",
        "cause_id": cause_id,
        "type": "error",
        "code": code,
        "references": references,
        "message": message.into(),
    })
}

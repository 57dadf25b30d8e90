//! Nuvemshop's two error shapes, which a client has to accept both of [TN-README "Client
//! errors"]: a bare map of fields to their problems (`{"name": ["can't be blank"]}`, 422), and
//! `{"code","message","description"}` with, sometimes, fields beside it (the variant validation's
//! `"price": [...]`, the duplicate variants' `duplicate_variant_ids`). Invalid JSON has a third,
//! `{"error": "Problems parsing JSON"}` (400).

use serde_json::{json, Map, Value};

use crate::sandbox::server::HttpResponse;

/// A refusal, in the shape the store answers it.
#[derive(Debug, Clone)]
pub enum NuvemError {
    /// `{"code", "message", "description", ...extra}`.
    Described {
        status: u16,
        description: String,
        extra: Map<String, Value>,
    },
    /// A bare field map, 422: `{"name": ["can't be blank"]}`.
    Fields(Map<String, Value>),
    /// 400 `{"error": "Problems parsing JSON"}`.
    InvalidJson,
}

/// The HTTP reason phrase Nuvemshop puts in `message`.
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

impl NuvemError {
    pub fn new(status: u16, description: impl Into<String>) -> NuvemError {
        NuvemError::Described {
            status,
            description: description.into(),
            extra: Map::new(),
        }
    }

    /// 404 `{"code":404,"message":"Not Found","description":...}`.
    pub fn not_found(description: impl Into<String>) -> NuvemError {
        NuvemError::new(404, description)
    }

    /// 422 with `{code, message, description}`: a business rule.
    pub fn unprocessable(description: impl Into<String>) -> NuvemError {
        NuvemError::new(422, description)
    }

    /// 422 with a bare field map of one field.
    pub fn field(name: &str, problem: &str) -> NuvemError {
        let mut map = Map::new();
        map.insert(name.to_string(), json!([problem]));
        NuvemError::Fields(map)
    }

    /// 400 `{"code":400,"message":"Bad Request","description":"Invalid input format"}`, as the
    /// variant endpoints answer a body of the wrong shape [TN-VARIANT PUT].
    pub fn invalid_input() -> NuvemError {
        NuvemError::new(400, "Invalid input format")
    }

    /// Adds a field beside `code`, `message` and `description`.
    pub fn with(mut self, key: &str, value: Value) -> NuvemError {
        if let NuvemError::Described { extra, .. } = &mut self {
            extra.insert(key.to_string(), value);
        }
        self
    }

    pub fn status(&self) -> u16 {
        match self {
            NuvemError::Described { status, .. } => *status,
            NuvemError::Fields(_) => 422,
            NuvemError::InvalidJson => 400,
        }
    }

    pub fn body(&self) -> Value {
        match self {
            NuvemError::Described {
                status,
                description,
                extra,
            } => {
                let mut body = Map::new();
                body.insert("code".into(), json!(status));
                body.insert("message".into(), json!(reason(*status)));
                body.insert("description".into(), json!(description));
                body.extend(extra.clone());
                Value::Object(body)
            }
            NuvemError::Fields(map) => Value::Object(map.clone()),
            NuvemError::InvalidJson => json!({"error": "Problems parsing JSON"}),
        }
    }

    pub fn response(&self) -> HttpResponse {
        HttpResponse::json(self.status(), &self.body())
    }
}

/// Problems found on a variant, gathered field by field before anything is written, then
/// answered as one 422 `{"code":422,...,"description":"Validation error","price":[...]}`
/// [TN-VARIANT PUT].
#[derive(Default)]
pub struct Problems(Map<String, Value>);

impl Problems {
    pub fn add(&mut self, field: &str, problem: &str) {
        let entry = self.0.entry(field.to_string()).or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            if !list.iter().any(|p| p == problem) {
                list.push(json!(problem));
            }
        }
    }

    pub fn into_result(self) -> Result<(), NuvemError> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(NuvemError::Described {
            status: 422,
            description: "Validation error".into(),
            extra: self.0,
        })
    }
}

//! Nuvemshop's webhooks: a body of ids only (`{"store_id","event","id"}`), signed in the
//! `X-Linkedstore-HMAC-SHA256` header with the hex HMAC-SHA256 of the raw body under the app's
//! secret. A body whose signature does not verify is refused before it is read.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The header that carries the signature. HTTP header names are case-insensitive.
pub const SIGNATURE_HEADER: &str = "X-Linkedstore-HMAC-SHA256";

/// What a verified webhook says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub store_id: String,
    /// Such as `order/paid` or `product/updated`.
    pub event: String,
    /// The id of the order or product it is about.
    pub id: String,
}

/// Why a webhook was refused. Never carries the secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoSignature,
    BadSignature,
    Unreadable(String),
}

/// The signature Nuvemshop sends for `body`: lowercase hex.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Verifies a webhook's signature (in constant time) and reads its event. `headers` are the
/// request's, by name in any case.
pub fn verify<'h>(
    secret: &[u8],
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    body: &[u8],
) -> Result<Event, Refusal> {
    let signature = headers
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER))
        .map(|(_, value)| value.trim())
        .ok_or(Refusal::NoSignature)?;
    let given = decode_hex(signature).ok_or(Refusal::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| Refusal::BadSignature)?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::Unreadable(format!("the body is not JSON: {e}")))?;
    let field = |key: &str| match value.get(key) {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(Refusal::Unreadable(format!("{key}: missing"))),
    };
    Ok(Event {
        store_id: field("store_id")?,
        event: field("event")?,
        id: field("id")?,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

//! Webhooks [TN-WEBHOOK]: subscriptions (`GET|POST /webhooks`, `GET|DELETE /webhooks/{id}`) and
//! deliveries. A delivery is a POST of ids only, `{"store_id":N,"event":"order/paid","id":ID}`,
//! signed in `X-Linkedstore-HMAC-SHA256` with the hex HMAC-SHA256 of the raw body under the app
//! secret, sent from a background thread with a short timeout, once (the real platform retries
//! for 48 hours; the sandbox does not).
//!
//! The real platform only accepts HTTPS URLs that are not localhost; the sandbox accepts
//! `http://` and loopback, so a test can listen on 127.0.0.1 (sandbox's choice).

use std::time::Duration;

use serde_json::{json, Value};

use super::errors::NuvemError;
use super::{listing, ok, Ctx, Reply, State};
use crate::platform::nuvemshop::webhook::{sign, SIGNATURE_HEADER};
use crate::sandbox::server::HttpRequest;

/// The events a store fires [TN-WEBHOOK]; the sandbox fires the order and product ones.
pub const EVENTS: [&str; 17] = [
    "app/uninstalled",
    "app/suspended",
    "app/resumed",
    "category/created",
    "category/updated",
    "category/deleted",
    "order/created",
    "order/updated",
    "order/paid",
    "order/packed",
    "order/fulfilled",
    "order/cancelled",
    "product/created",
    "product/updated",
    "product/deleted",
    "domain/updated",
    "theme/updated",
];

/// How long a delivery waits for the receiver (the platform waits 40 s; the sandbox less).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

fn not_found(id: u64) -> NuvemError {
    NuvemError::not_found(format!("Webhook {id} not found"))
}

pub fn list(state: &mut State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let items = state.webhooks.values().cloned().collect();
    listing::page(request, items, &ctx.home, false)
}

/// `POST /webhooks` `{event, url}`. An unknown event, a URL that is not http(s), or the same
/// event and URL twice are 422 field errors (sandbox's words).
pub fn create(state: &mut State, body: &Value) -> Reply {
    let event = body.get("event").and_then(Value::as_str).unwrap_or("");
    let url = body.get("url").and_then(Value::as_str).unwrap_or("");
    if !EVENTS.contains(&event) {
        return Err(NuvemError::field("event", "is not included in the list"));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(NuvemError::field("url", "is invalid"));
    }
    if state
        .webhooks
        .values()
        .any(|w| w["event"] == event && w["url"] == url)
    {
        return Err(NuvemError::field("event", "has already been taken"));
    }
    let (id, now) = (state.take_id(), state.stamp());
    let webhook =
        json!({"id": id, "event": event, "url": url, "created_at": now, "updated_at": now});
    state.webhooks.insert(id, webhook.clone());
    Ok((201, webhook, Vec::new()))
}

pub fn get(state: &mut State, id: u64) -> Reply {
    state
        .webhooks
        .get(&id)
        .cloned()
        .map_or_else(|| Err(not_found(id)), ok)
}

/// `DELETE /webhooks/{id}` → `{}`.
pub fn delete(state: &mut State, id: u64) -> Reply {
    state.webhooks.remove(&id).ok_or_else(|| not_found(id))?;
    ok(json!({}))
}

/// Who gets each event: `(url, event, id)` for every subscription to it.
pub fn targets(state: &State, events: &[(String, u64)]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .flat_map(|(event, id)| {
            state
                .webhooks
                .values()
                .filter(move |w| w["event"] == event.as_str())
                .filter_map(move |w| Some((w["url"].as_str()?.to_string(), event.clone(), *id)))
        })
        .collect()
}

/// The body of a delivery, keys in the docs' order.
pub fn body(store_id: u64, event: &str, id: u64) -> String {
    format!(
        "{{\"store_id\":{store_id},\"event\":{},\"id\":{id}}}",
        Value::String(event.to_string())
    )
}

/// Posts `body` to `url`, signed with `secret`; the receiver's status.
pub fn deliver(url: &str, body: &str, secret: &str) -> Result<u16, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(DELIVERY_TIMEOUT))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "Nuvemshop Webhooks (sandbox)")
        .header(SIGNATURE_HEADER, sign(secret.as_bytes(), body.as_bytes()))
        .send(body.as_bytes())
        .map(|response| response.status().as_u16())
        .map_err(|e| e.to_string())
}

//! Notifications (`MERCADOLIVRE.md` §8): a POST of
//! `{"_id","resource","user_id","topic","application_id","attempts","sent","received"}` to the
//! app's callback URL, carrying no state (the receiver reads the resource). The store sends
//! `orders_v2` for every order created or changed and `items` for every item changed.
//!
//! Sent once, with a short timeout, and recorded (sandbox choice: the real platform retries
//! for an hour and wants an answer within 500 ms). `user_id` and `application_id` are numbers,
//! as in the docs' examples.

use std::time::Duration;

use serde_json::{json, Value};

use super::utc_time;

/// How long a delivery waits for the receiver.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of one notification; `_id` is UUID-like and new each time.
pub fn body(topic: &str, resource: &str, seller_id: u64, client_id: &str, now: i64) -> Value {
    let hex = crate::platform::oauth::nonce();
    let hex = format!("{hex:0<32}");
    let id = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    let application: Value = client_id
        .parse::<u64>()
        .map_or_else(|_| json!(client_id), |n| json!(n));
    json!({
        "_id": id,
        "resource": resource,
        "user_id": seller_id,
        "topic": topic,
        "application_id": application,
        "attempts": 1,
        "sent": utc_time(now),
        "received": utc_time(now),
    })
}

/// Posts `body` to `url`; the receiver's status.
pub fn deliver(url: &str, body: &Value) -> Result<u16, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(DELIVERY_TIMEOUT))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .map(|response| response.status().as_u16())
        .map_err(|e| e.to_string())
}

//! A Mercado Livre seller in memory, the seller's side of the API as
//! `shared/platforms/MERCADOLIVRE.md` describes it (sections in § here):
//!
//! - the OAuth token endpoint with single-use refresh tokens (only the newest is valid; an older
//!   one answers `invalid_grant`), access tokens that expire after `expires_in`, the
//!   `Authorization: Bearer` header (a token in the query string is refused, as the current docs
//!   require) on every other request, and `GET /users/me` (§§1–2);
//! - the error body `{message, error, status, cause}` everywhere (§3, `errors`);
//! - categories and their attributes (§5.2, `categories`);
//! - listings with variations, their validation causes, the multiget and the description (§5,
//!   `items`), and the seller's item search by `seller_sku`/`sku` with offset paging and scan
//!   (§5.3, `item_search`);
//! - orders, one per item line, with carts as packs of orders, the order search with its
//!   hour-truncated date filters, notes, the buyer's billing info and the shipment (§6,
//!   `orders` and `carts`);
//! - notifications `orders_v2` and `items` posted to the app's callback URL (§8,
//!   `notifications`).
//!
//! This file is the store: its state, the test-facing methods, authentication, the routing table
//! and the control routes. Where the docs are silent the store makes a choice, marked
//! "(sandbox choice)" in the code, or follows what the docs imply, marked "(inference)".
//!
//! The store also keeps, in order, which token each request used and each refresh it answered,
//! so a test can tell that a new pair reached the host before it was first used.

mod carts;
mod categories;
mod errors;
mod item_search;
mod items;
mod notifications;
mod orders;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::server::{
    control_done, control_refused, percent_decode, Handled, Handler, HttpRequest, HttpResponse,
};
use crate::time::{format_naive, now_unix};
pub use categories::{MlAttribute, MlCategory};
use errors::MlError;

/// How a Mercado Livre sandbox starts.
#[derive(Debug, Clone)]
pub struct MlOptions {
    pub port: u16,
    pub seller_id: u64,
    pub site_id: String,
    /// Seconds an access token lives: 21600 (6 hours) as the docs say; their own example
    /// answers 10800.
    pub expires_in: i64,
    /// The categories items may be listed in, with their attributes; `MlCategory::defaults()`
    /// unless told otherwise.
    pub categories: Vec<MlCategory>,
}

impl Default for MlOptions {
    fn default() -> MlOptions {
        MlOptions {
            port: 0,
            // Beyond 2^53, as new sellers' ids are.
            seller_id: 9_007_199_254_740_993,
            site_id: "MLB".into(),
            expires_in: 21_600,
            categories: MlCategory::defaults(),
        }
    }
}

/// The token pair the seller's app holds now, as the store issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
}

/// The first numeric id the store gives (orders, packs, variations, shipments, payments,
/// billing infos, buyers): 16 digits and above 2^53, and every id odd (the sequence steps by 2),
/// so none is exactly representable as an f64 and a client that reads ids through a float
/// gets them wrong at once (sandbox choice; real order ids are 16 digits too, `2000003508897196`).
const FIRST_ID: u64 = 9_007_199_254_741_001;
/// Item ids are `MLB` and ten digits.
const FIRST_ITEM: u64 = 4_100_000_001;

struct State {
    issued: IssuedPair,
    /// Refresh tokens spent or replaced: answered `invalid_grant`.
    spent: Vec<String>,
    /// What happened, in order: `refresh` or `GET /users/me with <token>`.
    log: Vec<String>,
    counter: u64,
    /// The store's clock when a test pins it (Unix seconds).
    fixed_now: Option<i64>,
    next_id: u64,
    next_item: u64,
    next_picture: u64,
    /// Items by id, as `GET /items/{id}` shows them.
    items: BTreeMap<String, Value>,
    descriptions: BTreeMap<String, String>,
    /// Orders by id, as `GET /orders/{id}` shows them.
    orders: BTreeMap<u64, Value>,
    packs: BTreeMap<u64, Value>,
    shipments: BTreeMap<u64, Value>,
    billing_infos: BTreeMap<u64, Value>,
    /// Notes by order id, as `GET /orders/{id}/notes` lists them.
    notes: BTreeMap<u64, Vec<Value>>,
    /// Scans under way by `scroll_id`: the ids found when the scan began, and how many were
    /// given.
    scrolls: HashMap<String, (Vec<String>, usize)>,
    /// Notifications of the request being served, `(topic, resource, seller)`, posted once the
    /// state is unlocked.
    events: Vec<(&'static str, String, u64)>,
}

impl State {
    /// The next numeric id.
    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 2;
        id
    }

    fn take_item_id(&mut self, site: &str) -> String {
        let id = self.next_item;
        self.next_item += 1;
        format!("{site}{id}")
    }

    fn now(&self) -> i64 {
        self.fixed_now.unwrap_or_else(now_unix)
    }

    /// Notes a change of `resource` (`/items/MLB…`, `/orders/…`) of `seller`'s, once per request.
    fn event(&mut self, topic: &'static str, resource: String, seller: u64) {
        if !self
            .events
            .iter()
            .any(|(t, r, _)| *t == topic && *r == resource)
        {
            self.events.push((topic, resource, seller));
        }
    }
}

/// The seller's side of Mercado Livre.
pub struct MlStore {
    options: MlOptions,
    client_id: String,
    client_secret: String,
    state: Mutex<State>,
    /// The app's callback URL, where notifications go.
    notification_url: Mutex<Option<String>>,
    deliveries: Mutex<Vec<Value>>,
}

/// An API answer: status and body.
type Reply = Result<(u16, Value), MlError>;

fn ok(value: Value) -> Reply {
    Ok((200, value))
}

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    MlError::new(status, code, message).response()
}

/// The site's local time, `2022-04-08T17:01:30.000-04:00`, as orders, items and shipments write
/// their dates (the docs' examples all use `-04:00`).
pub fn local_time(unix: i64) -> String {
    format!("{}.000-04:00", format_naive(unix - 4 * 3600))
}

/// The same with a colonless offset, `2022-04-08T17:00:48.000-0400`, as packs write theirs.
pub fn pack_time(unix: i64) -> String {
    format!("{}.000-0400", format_naive(unix - 4 * 3600))
}

/// UTC with milliseconds, `2020-02-14T02:55:49.000Z`: the search's `date_last_updated` and the
/// notifications' `sent` and `received`.
pub fn utc_time(unix: i64) -> String {
    format!("{}.000Z", format_naive(unix))
}

/// Reads any time the store writes, or a client sends: ISO 8601 with `Z`, `±HH:MM` or `±HHMM`.
/// A `+` that a query decoded as a space is read as `+`.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let head = text.get(..19)?;
    let mut rest = text[19..].replace(' ', "+");
    let zone_at = rest.find(['+', '-', 'Z', 'z']).unwrap_or(rest.len());
    let zone = rest.split_off(zone_at);
    let zone = match zone.len() {
        5 if zone[1..].bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}:{}", &zone[..3], &zone[3..])
        }
        _ => zone,
    };
    crate::time::parse(&format!("{head}{rest}{zone}"))
}

/// An amount of cents as the API writes money: a JSON number, whole when it has no cents
/// (`50`, `129.95`).
pub fn amount(cents: i64) -> Value {
    if cents % 100 == 0 {
        json!(cents / 100)
    } else {
        json!(cents as f64 / 100.0)
    }
}

/// The cents of a money value as written: a number or a numeric string; `None` otherwise.
pub fn cents(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => crate::model::money::parse_number_cents(n).ok(),
        Value::String(s) => crate::model::money::parse_cents(s).ok(),
        _ => None,
    }
}

/// A whole quantity as written: a number or a numeric string; `None` otherwise.
pub fn quantity(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A numeric path segment, such as an order id.
fn numeric(segment: &str) -> Option<u64> {
    segment
        .parse()
        .ok()
        .filter(|_| segment.bytes().all(|b| b.is_ascii_digit()))
}

impl MlStore {
    pub fn new(options: MlOptions) -> MlStore {
        let now = now_unix();
        let seed = crate::platform::oauth::nonce();
        MlStore {
            client_id: "1234567890123456".into(),
            client_secret: format!("secret-{seed}"),
            state: Mutex::new(State {
                issued: IssuedPair {
                    access_token: format!("APP_USR-first-{seed}"),
                    refresh_token: format!("TG-first-{seed}"),
                    expires_at: now + options.expires_in,
                },
                spent: Vec::new(),
                log: Vec::new(),
                counter: 0,
                fixed_now: None,
                next_id: FIRST_ID,
                next_item: FIRST_ITEM,
                next_picture: 0,
                items: BTreeMap::new(),
                descriptions: BTreeMap::new(),
                orders: BTreeMap::new(),
                packs: BTreeMap::new(),
                shipments: BTreeMap::new(),
                billing_infos: BTreeMap::new(),
                notes: BTreeMap::new(),
                scrolls: HashMap::new(),
                events: Vec::new(),
            }),
            options,
            notification_url: Mutex::new(None),
            deliveries: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn seller_id(&self) -> u64 {
        self.options.seller_id
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    pub fn issued(&self) -> IssuedPair {
        self.lock().issued.clone()
    }

    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// The access token expires now, as after `expires_in`.
    pub fn expire_access_token(&self) {
        self.lock().issued.expires_at = now_unix() - 1;
    }

    /// The seller revokes the grant (or changes the password): every token is dead.
    pub fn revoke(&self) {
        let mut state = self.lock();
        let dead = state.issued.refresh_token.clone();
        state.spent.push(dead);
        state.issued.refresh_token = String::new();
        state.issued.expires_at = 0;
    }

    /// Every item as `GET /items/{id}` shows it, by id.
    pub fn items(&self) -> Vec<Value> {
        self.lock().items.values().cloned().collect()
    }

    pub fn item(&self, id: &str) -> Option<Value> {
        self.lock().items.get(id).cloned()
    }

    /// Puts a listing the seller made before Ponte; see `items::seed`. No notification.
    pub fn seed_item(&self, item: Value) -> Result<Value, String> {
        let mut state = self.lock();
        items::seed(&mut state, &self.options, &item).map_err(|e| e.body().to_string())
    }

    /// Sets an item's status as Mercado Livre's moderation or the seller would (`under_review`,
    /// `inactive`, `active`, `paused`, `closed`); notifies `items`.
    pub fn set_item_status(&self, id: &str, status: &str) -> Result<Value, String> {
        let changed = {
            let mut state = self.lock();
            items::set_status(&mut state, id, status)
        };
        self.deliver_events();
        changed
    }

    /// A buyer checks out a cart; see `carts::place`. Notifies `orders_v2` for each order and
    /// `items` for each listing whose stock moved.
    pub fn place_cart(&self, cart: &Value) -> Result<Value, String> {
        let placed = {
            let mut state = self.lock();
            carts::place(&mut state, &self.options, cart)
        };
        self.deliver_events();
        placed
    }

    /// Changes an order as the buyer, Mercado Pago or Mercado Livre would; see
    /// `orders::change`. Notifies `orders_v2`.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        let changed = {
            let mut state = self.lock();
            orders::change(&mut state, id, changes)
        };
        self.deliver_events();
        changed
    }

    /// Every order as `GET /orders/{id}` shows it, by id.
    pub fn orders(&self) -> Vec<Value> {
        self.lock().orders.values().cloned().collect()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.lock().orders.get(&id).cloned()
    }

    /// The texts of an order's notes, oldest first.
    pub fn order_notes(&self, id: u64) -> Vec<String> {
        self.lock()
            .notes
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|n| n["note"].as_str().map(str::to_string))
            .collect()
    }

    pub fn pack(&self, id: u64) -> Option<Value> {
        self.lock().packs.get(&id).cloned()
    }

    pub fn shipment(&self, id: u64) -> Option<Value> {
        self.lock().shipments.get(&id).cloned()
    }

    /// Pins the store's clock at `unix` seconds (`None`: the machine's) for the dates it writes.
    /// Tokens keep expiring on the machine's clock.
    pub fn set_time(&self, unix: Option<i64>) {
        self.lock().fixed_now = unix;
    }

    /// Where notifications go (the app's callback URL); `None` sends none.
    pub fn set_notification_url(&self, url: Option<String>) {
        *self
            .notification_url
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = url;
    }

    /// Notifications posted (or tried) so far, `{url, body, status | error}`, in order.
    pub fn notification_deliveries(&self) -> Vec<Value> {
        self.deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Posts the notifications of the last change, one after the other, before the change is
    /// answered (sandbox choice: so a test sees them as soon as its call returns).
    fn deliver_events(&self) {
        let (events, now) = {
            let mut state = self.lock();
            (std::mem::take(&mut state.events), state.now())
        };
        let url = self
            .notification_url
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(url) = url else { return };
        // Only this seller's changes reach this seller's app.
        let ours = events
            .into_iter()
            .filter(|(_, _, seller)| *seller == self.options.seller_id);
        for (topic, resource, _) in ours {
            let body = notifications::body(
                topic,
                &resource,
                self.options.seller_id,
                &self.client_id,
                now,
            );
            let mut record = json!({"url": url, "body": body});
            match notifications::deliver(&url, &body) {
                Ok(status) => record["status"] = json!(status),
                Err(error) => record["error"] = json!(error),
            }
            self.deliveries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(record);
        }
    }

    /// `POST /oauth/token`, form-encoded: the refresh grant rotates the pair.
    fn token(&self, request: &HttpRequest) -> HttpResponse {
        let form_type = request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return error(
                400,
                "invalid_request",
                "the body must be application/x-www-form-urlencoded",
            );
        }
        let text = String::from_utf8_lossy(&request.body).to_string();
        let field = |name: &str| {
            text.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (percent_decode(k, true) == name).then(|| percent_decode(v, true))
            })
        };
        if field("client_id").as_deref() != Some(&self.client_id)
            || field("client_secret").as_deref() != Some(&self.client_secret)
        {
            return error(401, "invalid_client", "invalid client_id or client_secret");
        }
        if field("grant_type").as_deref() != Some("refresh_token") {
            return error(
                400,
                "unsupported_grant_type",
                "only refresh_token is supported here",
            );
        }
        let mut state = self.lock();
        let given = field("refresh_token").unwrap_or_default();
        state.log.push("refresh".into());
        if given.is_empty() || given != state.issued.refresh_token {
            return error(400, "invalid_grant", "Error validating grant. Your authorization code or refresh token may be expired or it was already used");
        }
        state.counter += 1;
        let n = state.counter;
        let old = std::mem::take(&mut state.issued.refresh_token);
        state.spent.push(old);
        state.issued = IssuedPair {
            access_token: format!("APP_USR-{n}-{}", crate::platform::oauth::nonce()),
            refresh_token: format!("TG-{n}-{}", crate::platform::oauth::nonce()),
            expires_at: now_unix() + self.options.expires_in,
        };
        HttpResponse::json(
            200,
            &json!({
                "access_token": state.issued.access_token,
                "token_type": "bearer",
                "expires_in": self.options.expires_in,
                "scope": "offline_access read write",
                "user_id": self.options.seller_id,
                "refresh_token": state.issued.refresh_token,
            }),
        )
    }

    /// The bearer token of a request, when it is the live one.
    fn authorised(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        if request.query.iter().any(|(k, _)| k == "access_token") {
            return Err(error(
                401,
                "invalid_token",
                "the access token must go in the Authorization header",
            ));
        }
        let token = request
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .unwrap_or_default()
            .to_string();
        let mut state = self.lock();
        state
            .log
            .push(format!("{} {} with {token}", request.method, request.path));
        if token.is_empty() || token != state.issued.access_token {
            return Err(error(401, "invalid_token", "invalid access token"));
        }
        if state.issued.expires_at <= now_unix() {
            return Err(error(401, "invalid_token", "expired_token"));
        }
        Ok(())
    }

    /// The API's endpoints. Every one but the token endpoint needs the live bearer token.
    fn serve(&self, request: &HttpRequest) -> Reply {
        let method = request.method.as_str();
        let body = if matches!(method, "POST" | "PUT") {
            serde_json::from_slice::<Value>(&request.body)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| MlError::bad_request("Invalid body"))?
        } else {
            Value::Null
        };
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let mut state = self.lock();
        let state = &mut *state;
        let ctx = &self.options;
        match (method, segments.as_slice()) {
            ("GET", ["users", "me"]) => ok(json!({
                "id": ctx.seller_id, "nickname": "LOJA_DO_ERP", "site_id": ctx.site_id,
                "country_id": "BR", "user_type": "normal", "tags": ["normal"],
            })),

            // Categories
            ("GET", ["categories", id]) => categories::get(&ctx.categories, id),
            ("GET", ["categories", id, "attributes"]) => {
                categories::attributes(&ctx.categories, id)
            }

            // Items
            ("POST", ["items"]) => items::create(state, ctx, &body),
            ("GET", ["items"]) => items::multiget(state, request),
            ("GET", ["items", id]) => items::get(state, id),
            ("PUT", ["items", id]) => items::update(state, ctx, id, &body),
            ("GET", ["items", id, "description"]) => items::description(state, id),
            ("PUT", ["items", id, "description"]) => items::set_description(state, ctx, id, &body),
            ("GET", ["users", user, "items", "search"]) => {
                item_search::search(state, ctx, request, user)
            }

            // Orders
            ("GET", ["orders", "search"]) => orders::search(state, ctx, request),
            ("GET", ["orders", "billing-info", site, id]) => {
                carts::billing_info(state, ctx, site, id)
            }
            ("GET", ["orders", id]) => orders::get(state, ctx, id),
            ("GET", ["orders", id, "notes"]) => orders::notes(state, ctx, id),
            ("POST", ["orders", id, "notes"]) => orders::add_note(state, ctx, id, &body),
            ("GET", ["packs", id]) => carts::pack(state, ctx, id),
            ("GET", ["shipments", id]) => carts::shipment(state, ctx, id),

            _ => Err(MlError::not_found(format!(
                "Resource {} {} not found",
                request.method, request.path
            ))),
        }
    }
}

impl Handler for MlStore {
    fn handle(&self, request: &HttpRequest) -> Handled {
        let writing = matches!(request.method.as_str(), "POST" | "PUT" | "DELETE");
        let response = if request.method == "POST" && request.path == "/oauth/token" {
            self.token(request)
        } else {
            match self.authorised(request) {
                Err(refused) => refused,
                Ok(()) => match self.serve(request) {
                    Ok((status, value)) => HttpResponse::json(status, &value),
                    Err(error) => error.response(),
                },
            }
        };
        self.deliver_events();
        Handled {
            items_written: u32::from(writing && response.status < 300),
            response,
        }
    }

    /// The Mercado Livre staging routes: `info` (GET), `expire` (POST: the access token expires
    /// now), `revoke` (POST: every token dies), `items` (GET; POST one to seed),
    /// `items/{id}` (GET), `items/{id}/status` (PUT `{"status"}`), `orders` (GET; POST a cart,
    /// answered `{"pack_id", "orders"}`), `orders/{id}` (GET; PATCH changes), `orders/{id}/notes`
    /// (GET: the texts), `time` (PUT `{"unix": n | null}`), `notifications/url` (PUT
    /// `{"url": s | null}`), `notifications/deliveries` (GET).
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(json!({}));
        let path = request.path.trim_start_matches("/__sandbox/");
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let answer = |result: Result<Value, String>, status: u16| match result {
            Ok(value) => HttpResponse::json(status, &value),
            Err(message) => control_refused(message),
        };
        let found = |value: Option<Value>, what: &str| match value {
            Some(value) => HttpResponse::json(200, &value),
            None => HttpResponse::json(404, &json!({"error": format!("no {what}")})),
        };
        Some(match (segments.as_slice(), request.method.as_str()) {
            (["info"], "GET") => {
                let issued = self.issued();
                HttpResponse::json(
                    200,
                    &json!({"platform": "mercadolivre",
                            "seller_id": self.options.seller_id.to_string(),
                            "site_id": self.options.site_id,
                            "client_id": self.client_id, "client_secret": self.client_secret,
                            "access_token": issued.access_token,
                            "refresh_token": issued.refresh_token}),
                )
            }
            (["expire"], "POST") => {
                self.expire_access_token();
                control_done()
            }
            (["revoke"], "POST") => {
                self.revoke();
                control_done()
            }
            (["items"], "GET") => HttpResponse::json(200, &json!(self.items())),
            (["items"], "POST") => answer(self.seed_item(body), 201),
            (["items", id], "GET") => found(self.item(id), "such item"),
            (["items", id, "status"], "PUT") => match body["status"].as_str() {
                Some(status) => answer(self.set_item_status(id, status), 200),
                None => control_refused("expected {\"status\": \"...\"}".into()),
            },
            (["orders"], "GET") => HttpResponse::json(200, &json!(self.orders())),
            (["orders"], "POST") => answer(self.place_cart(&body), 201),
            (["orders", id], "GET") => match numeric(id) {
                Some(id) => found(self.order(id), "such order"),
                None => control_refused("expected /__sandbox/orders/{id}".into()),
            },
            (["orders", id], "PATCH") => match numeric(id) {
                Some(id) => answer(self.update_order(id, &body), 200),
                None => control_refused("expected /__sandbox/orders/{id}".into()),
            },
            (["orders", id, "notes"], "GET") => match numeric(id) {
                Some(id) => HttpResponse::json(200, &json!(self.order_notes(id))),
                None => control_refused("expected /__sandbox/orders/{id}/notes".into()),
            },
            (["time"], "PUT") => {
                self.set_time(body.get("unix").and_then(Value::as_i64));
                control_done()
            }
            (["notifications", "url"], "PUT") => {
                self.set_notification_url(body["url"].as_str().map(str::to_string));
                control_done()
            }
            (["notifications", "deliveries"], "GET") => {
                HttpResponse::json(200, &json!(self.notification_deliveries()))
            }
            _ => return None,
        })
    }

    fn too_many_requests(&self) -> HttpResponse {
        error(429, "local_rate_limited", "Too many requests")
    }

    fn unreadable(&self, status: u16) -> HttpResponse {
        error(status, "bad_request", "the request could not be read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_docs_examples_write_them() {
        let unix = crate::time::parse("2022-04-08T21:01:30Z").unwrap();
        assert_eq!(local_time(unix), "2022-04-08T17:01:30.000-04:00");
        assert_eq!(pack_time(unix), "2022-04-08T17:01:30.000-0400");
        assert_eq!(utc_time(unix), "2022-04-08T21:01:30.000Z");
        for written in [
            "2022-04-08T17:01:30.000-04:00",
            "2022-04-08T17:01:30.000-0400",
            "2022-04-08T21:01:30Z",
            "2022-04-09T02:31:30.5+05:30",
            "2022-04-09T02:31:30 05:30",
        ] {
            assert_eq!(parse_time(written), Some(unix), "{written}");
        }
        assert_eq!(parse_time("2022-04-08"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn search_bounds_keep_the_hour_in_the_offset_they_are_written_in() {
        let at = |t: &str| crate::time::parse(t).unwrap();
        assert_eq!(
            orders::hour_floor("2026-05-04T14:37:12.345-04:00"),
            Some(at("2026-05-04T14:00:00-04:00"))
        );
        assert_eq!(
            orders::hour_floor("2026-05-04T18:59:59Z"),
            Some(at("2026-05-04T18:00:00Z"))
        );
        assert_eq!(
            orders::hour_floor("2026-05-04T23:40:00+05:30"),
            Some(at("2026-05-04T23:00:00+05:30"))
        );
        assert_eq!(orders::hour_floor("2026-05-04"), None);
    }

    #[test]
    fn money_is_written_as_a_number_whole_when_it_can_be() {
        assert_eq!(amount(5000), json!(50));
        assert_eq!(amount(12995).to_string(), "129.95");
        assert_eq!(amount(9990).to_string(), "99.9");
        assert_eq!(cents(&json!("350")), Some(35000));
        assert_eq!(cents(&json!(129.95)), Some(12995));
        assert_eq!(cents(&json!("abc")), None);
        assert_eq!(quantity(&json!("12")), Some(12));
        assert_eq!(quantity(&json!(1.5)), None);
    }
}

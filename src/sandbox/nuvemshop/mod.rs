//! A Nuvemshop (Tiendanube) store in memory that answers the REST API as the official docs
//! describe it (`shared/platforms/NUVEMSHOP.md`, with its sources in brackets here): requests
//! under `/{version}/{store_id}/` (`v1` or a dated `2025-03`), `Authentication: bearer TOKEN`, a
//! required `User-Agent`, JSON only, the leaky bucket of 40 leaking 2/s with its `X-Rate-Limit-*`
//! headers, paging by `page`/`per_page` with `X-Total-Count` and `Link`, texts as objects keyed by
//! language, prices as strings, the "virtual" variant of a product created without variants,
//! the SKU look-up, the bulk variant endpoints, orders with their three statuses and their
//! actions, metafields (where invoices live), webhooks signed with the app secret, a store
//! suspended for payment (402), and both of the store's error shapes.
//!
//! This file is the store: its state, the merchant's and shopper's side (`NuvemStore`'s methods),
//! authentication, and the routing table, listed in the order of the API reference. Each
//! resource lives in its own file: `products` (products, their variants, the SKU look-up and
//! images), `categories`, `orders` (orders and their actions, the shopper's checkout),
//! `metafields`, `webhooks` (subscriptions and deliveries). Beside them: `errors` (the two error
//! shapes) and `listing` (paging, `fields`, date filters).
//!
//! Where the docs are silent the store makes a choice, marked "(sandbox's choice)" in the code,
//! or follows what the docs imply, marked "(inference)".

mod categories;
mod errors;
mod listing;
mod metafields;
mod orders;
mod products;
mod webhooks;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use super::server::{control_done, control_refused, Handled, Handler, HttpRequest, HttpResponse};
use crate::platform::nuvemshop::mapping::LANGUAGE;
use crate::time::{format_naive, now_unix};
use errors::NuvemError;

/// The store id a sandbox answers as unless told otherwise.
pub const DEFAULT_STORE_ID: u64 = 1_234_567;
/// Products a store may hold [TN-PRODUCT POST].
pub const PRODUCT_LIMIT: usize = 100_000;
/// Images and variants a product may have [TN-PRODUCT POST].
pub const IMAGE_LIMIT: usize = 250;
pub const VARIANT_LIMIT: usize = 1000;

/// How a Nuvemshop sandbox starts.
#[derive(Debug, Clone)]
pub struct NuvemOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub store_id: u64,
    /// The leaky bucket: `(size, leaked per second)`, `Some((40, 2))` as on a real store
    /// [TN-README "Rate limiting"]; `None` for no limit (and no `X-Rate-Limit-*` headers).
    pub rate_limit: Option<(u32, u32)>,
    /// Products the store may hold (100,000 on a real one); lower it to test the limit.
    pub product_limit: usize,
    /// Whether a page past the last one is a 404 "Last page is N" (the default, as the live
    /// API answers, by inference) or `[]`.
    pub last_page_404: bool,
    /// The access token and app secret; random when `None`.
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
}

impl Default for NuvemOptions {
    fn default() -> NuvemOptions {
        NuvemOptions {
            port: 0,
            store_id: DEFAULT_STORE_ID,
            rate_limit: Some((40, 2)),
            product_limit: PRODUCT_LIMIT,
            last_page_404: true,
            access_token: None,
            app_secret: None,
        }
    }
}

#[derive(Default)]
struct State {
    /// One id sequence for every resource (sandbox's choice: ids never collide, so a test mixing
    /// them up fails).
    next_id: u64,
    /// The next order `number`; numbers start at 100 [TN-ORDER].
    next_number: u64,
    /// Products as read, except `categories`, kept as ids and shown as objects.
    products: BTreeMap<u64, Value>,
    categories: BTreeMap<u64, Value>,
    orders: BTreeMap<u64, Value>,
    /// Customers by id, found again by e-mail.
    customers: BTreeMap<u64, Value>,
    /// The stock each order took and has not given back: (product, variant, quantity).
    stock_taken: HashMap<u64, Vec<(u64, u64, i64)>>,
    metafields: BTreeMap<u64, Value>,
    webhooks: BTreeMap<u64, Value>,
    token: String,
    token_revoked: bool,
    suspended: bool,
    /// The store's clock when a test fixes it (Unix seconds).
    fixed_now: Option<i64>,
    /// Events of the request being served, delivered once the state is unlocked.
    events: Vec<(String, u64)>,
}

impl State {
    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Keeps the sequence above an id given from outside (seeds).
    fn reserve_id(&mut self, id: u64) {
        self.next_id = self.next_id.max(id);
    }

    fn now(&self) -> i64 {
        self.fixed_now.unwrap_or_else(now_unix)
    }

    /// The store's time now, as it writes dates.
    fn stamp(&self) -> String {
        stamp(self.now())
    }

    fn event(&mut self, event: &str, id: u64) {
        self.events.push((event.to_string(), id));
    }
}

/// Who the store is.
struct Ctx {
    /// `http://127.0.0.1:PORT`.
    home: String,
    store_id: u64,
    app_secret: String,
    product_limit: usize,
    last_page_404: bool,
}

/// The in-memory Nuvemshop store.
pub struct NuvemStore {
    ctx: Ctx,
    state: Mutex<State>,
    deliveries: Arc<Mutex<Vec<Value>>>,
}

/// A REST answer: status, body, headers.
type Reply = Result<(u16, Value, Vec<(String, String)>), NuvemError>;

fn ok(value: Value) -> Reply {
    Ok((200, value, Vec::new()))
}

fn created(value: Value) -> Reply {
    Ok((201, value, Vec::new()))
}

/// `2026-12-02T11:00:00+0000`, the shape of the newer examples' dates [TN-VARIANT PUT].
pub fn stamp(unix: i64) -> String {
    format!("{}+0000", format_naive(unix))
}

/// Reads a date as the store's filters take it: ISO 8601 with `Z`, `±HH:MM` or `±HHMM`, or a
/// bare date (midnight UTC). A `+` decoded from a query as a space is read as `+`.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        return crate::time::parse(&format!("{text}T00:00:00"));
    }
    let text = match text.get(..19) {
        Some(head) => format!("{head}{}", text[19..].replace(' ', "+")),
        None => return None,
    };
    let zone_at = text.len().saturating_sub(5);
    let colonless = text.len() >= 24
        && matches!(text.as_bytes()[zone_at], b'+' | b'-')
        && text[zone_at + 1..].bytes().all(|b| b.is_ascii_digit());
    if colonless {
        return crate::time::parse(&format!(
            "{}:{}",
            &text[..zone_at + 3],
            &text[zone_at + 3..]
        ));
    }
    crate::time::parse(&text)
}

/// A text as the store keeps it, keyed by language [TN-README "Languages"]: a plain string is
/// applied to every language of the store (only `pt` here); an object is kept as given. `None`
/// for anything else.
pub fn i18n(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => {
            let mut map = Map::new();
            map.insert(LANGUAGE.to_string(), json!(text));
            Some(Value::Object(map))
        }
        Value::Object(map) => Some(Value::Object(
            map.iter()
                .map(|(language, text)| {
                    let text = match text {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (language.clone(), json!(text))
                })
                .collect(),
        )),
        _ => None,
    }
}

/// The text of an i18n object in the store's language (or the first one it has).
pub fn text(value: &Value) -> String {
    crate::platform::nuvemshop::mapping::localized(value)
}

/// A handle (slug) for each language of a name: "Panela de Pressão" is `panela-de-pressao`.
pub fn handles(name: &Value) -> Value {
    match name {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(language, text)| {
                    (language.clone(), json!(slug(text.as_str().unwrap_or(""))))
                })
                .collect(),
        ),
        _ => json!({}),
    }
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        let plain = match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if plain != '-' || !out.ends_with('-') {
            out.push(plain);
        }
    }
    out.trim_matches('-').to_string()
}

/// Cents of a decimal such as `"19.90"` or `10.5`, rounded half up to the cent; `None` if it is
/// not a plain decimal.
pub fn parse_cents(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 15
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut fraction = fraction.to_string();
    while fraction.len() < 3 {
        fraction.push('0');
    }
    let thousandths: i64 = fraction[..3].parse().ok()?;
    let cents = whole * 100 + (thousandths + 5) / 10;
    Some(if negative { -cents } else { cents })
}

/// `"19.90"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// A money value as written: `null` (`Ok(None)`), a number or a numeric string.
fn money(value: &Value) -> Result<Option<i64>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => parse_cents(&n.to_string()).map(Some).ok_or(()),
        Value::String(s) => parse_cents(s).map(Some).ok_or(()),
        _ => Err(()),
    }
}

/// The cents of a stored money string (`"25.00"`), 0 when absent.
pub fn cents_of(value: &Value) -> i64 {
    value.as_str().and_then(parse_cents).unwrap_or(0)
}

fn id(segment: &str) -> Option<u64> {
    segment
        .parse()
        .ok()
        .filter(|_| segment.bytes().all(|b| b.is_ascii_digit()))
}

impl NuvemStore {
    /// A store answering at `home` (`http://127.0.0.1:PORT`) as `options` say.
    pub fn new(home: &str, options: &NuvemOptions) -> NuvemStore {
        let token = options
            .access_token
            .clone()
            .unwrap_or_else(|| format!("{}{}", random_hex(), &random_hex()[..8]));
        let app_secret = options
            .app_secret
            .clone()
            .unwrap_or_else(|| format!("{}{}", random_hex(), random_hex()));
        NuvemStore {
            ctx: Ctx {
                home: home.trim_end_matches('/').to_string(),
                store_id: options.store_id,
                app_secret,
                product_limit: options.product_limit,
                last_page_404: options.last_page_404,
            },
            state: Mutex::new(State {
                next_id: 1000,
                next_number: 100,
                token,
                ..State::default()
            }),
            deliveries: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn store_id(&self) -> u64 {
        self.ctx.store_id
    }

    pub fn access_token(&self) -> String {
        self.lock().token.clone()
    }

    pub fn app_secret(&self) -> String {
        self.ctx.app_secret.clone()
    }

    /// Every product as `GET /products/{id}` shows it, by id.
    pub fn products(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .products
            .values()
            .map(|p| products::render(&state, p))
            .collect()
    }

    pub fn product(&self, id: u64) -> Option<Value> {
        let state = self.lock();
        state.products.get(&id).map(|p| products::render(&state, p))
    }

    pub fn categories(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .categories
            .keys()
            .filter_map(|id| categories::render(&state, *id))
            .collect()
    }

    /// Orders as `GET /orders/{id}` shows them, by id.
    pub fn orders(&self) -> Vec<Value> {
        self.lock().orders.values().cloned().collect()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.lock().orders.get(&id).cloned()
    }

    pub fn metafields(&self) -> Vec<Value> {
        self.lock().metafields.values().cloned().collect()
    }

    /// Creates a product as `POST /products` does (no webhook), except that `id`, `created_at`,
    /// `updated_at` and the variants' `id` may be given, for "already in the store" scenarios.
    pub fn seed_product(&self, product: Value) -> Result<u64, String> {
        let mut state = self.lock();
        products::create(&mut state, &self.ctx, &product, true)
            .map_err(|e| e.body().to_string())
            .and_then(|(_, value, _)| value["id"].as_u64().ok_or_else(|| "no id".into()))
    }

    /// Creates a category as `POST /categories` does, or with the `id` given.
    pub fn seed_category(&self, category: Value) -> Result<u64, String> {
        let mut state = self.lock();
        categories::create(&mut state, &category, true)
            .map_err(|e| e.body().to_string())
            .and_then(|(_, value, _)| value["id"].as_u64().ok_or_else(|| "no id".into()))
    }

    /// Places an order as a shopper would at checkout; see `orders::place`. Fires
    /// `order/created` (and `order/paid` when it is paid).
    pub fn place_order(&self, order: &Value) -> Result<Value, String> {
        let placed = {
            let mut state = self.lock();
            orders::place(&mut state, order).map_err(|e| e.body().to_string())
        };
        self.deliver_events();
        placed
    }

    /// Changes an order as the shopper, the gateway or the merchant would; see
    /// `orders::change`.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        let changed = {
            let mut state = self.lock();
            orders::change(&mut state, id, changes).map_err(|e| e.body().to_string())
        };
        self.deliver_events();
        changed
    }

    /// Suspends the store (every call answers 402, as for an unpaid subscription) or resumes it.
    pub fn suspend(&self, suspended: bool) {
        self.lock().suspended = suspended;
    }

    /// Revokes the access token, as uninstalling the app does: every call answers 401.
    pub fn revoke_token(&self) {
        self.lock().token_revoked = true;
    }

    /// Fixes the store's clock at `unix` seconds (`None`: the machine's), so that tests can
    /// give writes the times they need.
    pub fn set_time(&self, unix: Option<i64>) {
        self.lock().fixed_now = unix;
    }

    /// Posts one webhook to `url` now, signed, and answers the receiver's status.
    pub fn send_webhook(&self, url: &str, event: &str, id: u64) -> Result<u16, String> {
        webhooks::deliver(
            url,
            &webhooks::body(self.ctx.store_id, event, id),
            &self.ctx.app_secret,
        )
    }

    /// Webhooks delivered (or tried) so far: `{url, event, id, status | error}`.
    pub fn webhook_deliveries(&self) -> Vec<Value> {
        self.deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sends the events of the last request to their subscribers, each from a thread of its own.
    fn deliver_events(&self) {
        let targets = {
            let mut state = self.lock();
            let events = std::mem::take(&mut state.events);
            webhooks::targets(&state, &events)
        };
        for (url, event, id) in targets {
            let body = webhooks::body(self.ctx.store_id, &event, id);
            let secret = self.ctx.app_secret.clone();
            let deliveries = self.deliveries.clone();
            let _ = std::thread::Builder::new()
                .name("ponte-sandbox-webhook".into())
                .spawn(move || {
                    let outcome = webhooks::deliver(&url, &body, &secret);
                    let mut record = json!({"url": url, "event": event, "id": id});
                    match outcome {
                        Ok(status) => record["status"] = json!(status),
                        Err(error) => record["error"] = json!(error),
                    }
                    deliveries
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(record);
                });
        }
    }

    /// Checks what every request needs, in this order (sandbox's choice): a `User-Agent` (400),
    /// the token (401), a store in good standing (402), a known version and store (404), and
    /// for writes a JSON `Content-Type` (415) and a readable body (400).
    fn serve(&self, request: &HttpRequest) -> Reply {
        if request
            .header("user-agent")
            .is_none_or(|agent| agent.trim().is_empty())
        {
            return Err(NuvemError::new(
                400,
                "User-Agent header is required: name your app and a contact, as in \
                 'MyApp (name@example.com)'",
            ));
        }
        // The header really is `Authentication` [TN-README; ERP-ORDERS]; `Authorization` is not
        // read (sandbox's choice: strict, so a client sending the wrong one fails here first).
        let given = request.header("authentication").and_then(|header| {
            let (scheme, token) = header.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
        {
            let state = self.lock();
            if state.token_revoked || given.as_deref() != Some(state.token.as_str()) {
                return Err(NuvemError::new(401, "Invalid access token"));
            }
            if state.suspended {
                return Err(NuvemError::new(
                    402,
                    "Store suspended: its subscription or the app's fee is unpaid",
                ));
            }
        }
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let (version, store, route) = match segments.as_slice() {
            [version, store, route @ ..] => (*version, *store, route),
            _ => return Err(no_route(request)),
        };
        let dated = version.len() == 7
            && version.as_bytes()[4] == b'-'
            && version[..4].bytes().all(|b| b.is_ascii_digit())
            && version[5..].bytes().all(|b| b.is_ascii_digit());
        if version != "v1" && !dated {
            return Err(no_route(request));
        }
        if store != self.ctx.store_id.to_string() {
            return Err(NuvemError::not_found(format!("Store {store} not found")));
        }
        let writing = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH");
        let body = if writing {
            let json = request.header("content-type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            if !json {
                return Err(NuvemError::new(
                    415,
                    "Content-Type must be application/json",
                ));
            }
            if request.body.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                serde_json::from_slice(&request.body).map_err(|_| NuvemError::InvalidJson)?
            }
        } else {
            json!({})
        };
        self.route(request, route, &body)
    }

    /// The API's endpoints, in the order of the API reference. Ids are numeric path segments.
    fn route(&self, request: &HttpRequest, route: &[&str], body: &Value) -> Reply {
        let mut state = self.lock();
        let state = &mut *state;
        let ctx = &self.ctx;
        let method = request.method.as_str();
        let id = |s: &str| id(s);
        match (route, method) {
            // Store
            (["store"], "GET") => ok(store_view(ctx)),

            // Products
            (["products"], "GET") => products::list(state, ctx, request),
            (["products"], "POST") => products::create(state, ctx, body, false),
            (["products", "sku", sku], "GET") => products::by_sku(state, request, sku),
            (["products", p], "GET") if id(p).is_some() => {
                products::get(state, request, id(p).unwrap_or(0))
            }
            (["products", p], "PUT") if id(p).is_some() => {
                products::update(state, ctx, id(p).unwrap_or(0), body)
            }
            (["products", p], "DELETE") if id(p).is_some() => {
                products::delete(state, id(p).unwrap_or(0))
            }

            // Product variants
            (["products", p, "variants"], "GET") if id(p).is_some() => {
                products::list_variants(state, ctx, request, id(p).unwrap_or(0))
            }
            (["products", p, "variants"], "POST") if id(p).is_some() => {
                products::create_variant(state, id(p).unwrap_or(0), body)
            }
            (["products", p, "variants"], "PUT") if id(p).is_some() => {
                products::replace_variants(state, id(p).unwrap_or(0), body)
            }
            (["products", p, "variants"], "PATCH") if id(p).is_some() => {
                products::patch_variants(state, id(p).unwrap_or(0), body)
            }
            (["products", p, "variants", v], "GET") if id(p).is_some() && id(v).is_some() => {
                products::get_variant(state, id(p).unwrap_or(0), id(v).unwrap_or(0))
            }
            (["products", p, "variants", v], "PUT") if id(p).is_some() && id(v).is_some() => {
                products::update_variant(state, id(p).unwrap_or(0), id(v).unwrap_or(0), body)
            }
            (["products", p, "variants", v], "DELETE") if id(p).is_some() && id(v).is_some() => {
                products::delete_variant(state, id(p).unwrap_or(0), id(v).unwrap_or(0))
            }

            // Product images
            (["products", p, "images"], "GET") if id(p).is_some() => {
                products::list_images(state, ctx, request, id(p).unwrap_or(0))
            }
            (["products", p, "images"], "POST") if id(p).is_some() => {
                products::create_image(state, id(p).unwrap_or(0), body)
            }
            (["products", p, "images", i], "GET") if id(p).is_some() && id(i).is_some() => {
                products::get_image(state, id(p).unwrap_or(0), id(i).unwrap_or(0))
            }
            (["products", p, "images", i], "PUT") if id(p).is_some() && id(i).is_some() => {
                products::update_image(state, id(p).unwrap_or(0), id(i).unwrap_or(0), body)
            }
            (["products", p, "images", i], "DELETE") if id(p).is_some() && id(i).is_some() => {
                products::delete_image(state, id(p).unwrap_or(0), id(i).unwrap_or(0))
            }

            // Categories
            (["categories"], "GET") => categories::list(state, ctx, request),
            (["categories"], "POST") => categories::create(state, body, false),
            (["categories", c], "GET") if id(c).is_some() => {
                categories::get(state, request, id(c).unwrap_or(0))
            }
            (["categories", c], "PUT") if id(c).is_some() => {
                categories::update(state, id(c).unwrap_or(0), body)
            }
            (["categories", c], "DELETE") if id(c).is_some() => {
                categories::delete(state, id(c).unwrap_or(0))
            }

            // Orders
            (["orders"], "GET") => orders::list(state, ctx, request),
            (["orders"], "POST") => orders::create(state, body),
            (["orders", o], "GET") if id(o).is_some() => {
                orders::get(state, request, id(o).unwrap_or(0))
            }
            (["orders", o], "PUT") if id(o).is_some() => {
                orders::update(state, id(o).unwrap_or(0), body)
            }
            (["orders", o, action], "POST")
                if id(o).is_some()
                    && matches!(*action, "close" | "open" | "pack" | "fulfill" | "cancel") =>
            {
                orders::act(state, id(o).unwrap_or(0), action, body)
            }

            // Metafields
            (["metafields"], "POST") => metafields::create(state, body),
            (["metafields", m], "GET") if id(m).is_some() => {
                metafields::get(state, id(m).unwrap_or(0))
            }
            (["metafields", m], "PUT") if id(m).is_some() => {
                metafields::update(state, id(m).unwrap_or(0), body)
            }
            (["metafields", m], "DELETE") if id(m).is_some() => {
                metafields::delete(state, id(m).unwrap_or(0))
            }
            (["metafields", resource], "GET") => metafields::list(state, ctx, request, resource),

            // Webhooks
            (["webhooks"], "GET") => webhooks::list(state, ctx, request),
            (["webhooks"], "POST") => webhooks::create(state, body),
            (["webhooks", w], "GET") if id(w).is_some() => webhooks::get(state, id(w).unwrap_or(0)),
            (["webhooks", w], "DELETE") if id(w).is_some() => {
                webhooks::delete(state, id(w).unwrap_or(0))
            }

            _ => Err(no_route(request)),
        }
    }
}

/// 404 for a path (or a method on it) the API does not have (sandbox's choice: never 405).
fn no_route(request: &HttpRequest) -> NuvemError {
    NuvemError::not_found(format!("No route for {} {}", request.method, request.path))
}

/// `GET /store`: who the store is.
fn store_view(ctx: &Ctx) -> Value {
    json!({
        "id": ctx.store_id,
        "name": {LANGUAGE: "Loja Sandbox Ponte"},
        "description": {LANGUAGE: ""},
        "type": null,
        "email": "loja@sandbox.ponte.example",
        "logo": null,
        "contact_email": "loja@sandbox.ponte.example",
        "country": "BR",
        "main_currency": "BRL",
        "currencies": ["BRL"],
        "main_language": LANGUAGE,
        "languages": {LANGUAGE: {"currency": "BRL", "active": true, "main": true}},
        "original_domain": format!("loja-sandbox-{}.lojavirtualnuvem.com.br", ctx.store_id),
        "domains": [],
        "url_with_protocol": format!("https://loja-sandbox-{}.lojavirtualnuvem.com.br", ctx.store_id),
        "business_name": "Loja Sandbox Ponte Ltda",
        "business_id": "12345678000195",
        "plan_name": "evolution",
        "created_at": "2026-01-02T12:00:00+0000",
    })
}

fn random_hex() -> String {
    crate::platform::oauth::nonce()
}

impl Handler for NuvemStore {
    fn handle(&self, request: &HttpRequest) -> Handled {
        let writing = !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let (mut response, written) = match self.serve(request) {
            Ok((status, value, headers)) => {
                let mut response = HttpResponse::json(status, &value);
                response.headers.extend(headers);
                (response, u32::from(writing))
            }
            Err(error) => (error.response(), 0),
        };
        response
            .headers
            .push(("X-Main-Language".into(), LANGUAGE.into()));
        self.deliver_events();
        Handled {
            response,
            items_written: written,
        }
    }

    /// The Nuvemshop staging routes: `info`, `orders` (GET; POST a shopper's order; PATCH
    /// `orders/{id}`), `products` (GET; POST one as given), `categories` (POST one as given),
    /// `store` (PUT `{"suspended": bool}`), `token/revoke` (POST), `webhooks/send` (POST
    /// `{url, event, id}`), `webhooks/deliveries` (GET), `time` (PUT `{"unix": n | null}`).
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(json!({}));
        let path = request.path.trim_start_matches("/__sandbox/");
        Some(match (path, request.method.as_str()) {
            ("info", "GET") => HttpResponse::json(
                200,
                &json!({"platform": "nuvemshop", "base_url": self.ctx.home,
                        "store_id": self.ctx.store_id.to_string(),
                        "access_token": self.access_token(), "app_secret": self.ctx.app_secret}),
            ),
            ("orders", "POST") => match self.place_order(&body) {
                Ok(order) => HttpResponse::json(201, &order),
                Err(message) => control_refused(message),
            },
            ("orders", "GET") => HttpResponse::json(200, &json!(self.orders())),
            ("products", "GET") => HttpResponse::json(200, &json!(self.products())),
            ("products", "POST") => match self.seed_product(body) {
                Ok(id) => HttpResponse::json(201, &json!({"id": id})),
                Err(message) => control_refused(message),
            },
            ("categories", "POST") => match self.seed_category(body) {
                Ok(id) => HttpResponse::json(201, &json!({"id": id})),
                Err(message) => control_refused(message),
            },
            ("store", "PUT") => match body.get("suspended").and_then(Value::as_bool) {
                Some(suspended) => {
                    self.suspend(suspended);
                    control_done()
                }
                None => control_refused("expected {\"suspended\": true|false}".into()),
            },
            ("token/revoke", "POST") => {
                self.revoke_token();
                control_done()
            }
            ("time", "PUT") => {
                self.set_time(body.get("unix").and_then(Value::as_i64));
                control_done()
            }
            ("webhooks/send", "POST") => {
                let url = body.get("url").and_then(Value::as_str).unwrap_or("");
                let event = body.get("event").and_then(Value::as_str).unwrap_or("");
                let id = body.get("id").and_then(Value::as_u64).unwrap_or(0);
                match self.send_webhook(url, event, id) {
                    Ok(status) => HttpResponse::json(200, &json!({"status": status})),
                    Err(message) => control_refused(message),
                }
            }
            ("webhooks/deliveries", "GET") => {
                HttpResponse::json(200, &json!(self.webhook_deliveries()))
            }
            (order, "PATCH") if order.starts_with("orders/") => {
                match order["orders/".len()..].parse::<u64>() {
                    Ok(id) => match self.update_order(id, &body) {
                        Ok(order) => HttpResponse::json(200, &order),
                        Err(message) => control_refused(message),
                    },
                    Err(_) => control_refused("expected /__sandbox/orders/{id}".into()),
                }
            }
            _ => return None,
        })
    }

    fn too_many_requests(&self) -> HttpResponse {
        NuvemError::new(
            429,
            "Rate limit exceeded: the bucket is full; wait for it to leak",
        )
        .response()
    }

    fn unreadable(&self, status: u16) -> HttpResponse {
        NuvemError::new(status, "The request could not be read").response()
    }

    /// [TN-README "Rate limiting"; ERP-USAGE]: the bucket's size, the requests left before it is
    /// full, and the milliseconds until it is empty.
    fn rate_limit_headers(
        &self,
        limit: u32,
        remaining: u32,
        reset_ms: u64,
    ) -> Vec<(String, String)> {
        vec![
            ("X-Rate-Limit-Limit".into(), limit.to_string()),
            ("X-Rate-Limit-Remaining".into(), remaining.to_string()),
            ("X-Rate-Limit-Reset".into(), reset_ms.to_string()),
        ]
    }
}

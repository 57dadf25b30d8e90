//! A WooCommerce store in memory that answers the REST API v3 as the official docs and the
//! plugin's code describe it (`shared/platforms/WOOCOMMERCE.md`): OAuth 1.0a over plain HTTP with
//! the timestamp window and nonce store, key permissions, unique SKU and GTIN with the exact
//! duplicate errors, `sku=` look-ups that return variations, paging headers, 100-item batches,
//! order statuses and notes, and the Brazilian Market plugin's order fields.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde_json::{json, Map, Number, Value};

use super::server::{Controls, FaultRule, Handled, Handler, HttpRequest, HttpResponse, Latency};
use crate::model::money::{format_cents, parse_cents};
use crate::platform::oauth::{self, SignatureMethod};
use crate::time::{format_naive, now_unix};

const PREFIX: &str = "/wp-json/wc/v3";
const BATCH_LIMIT: usize = 100;
/// The OAuth timestamp window and nonce lifetime, as WooCommerce sets them.
const OAUTH_WINDOW_SECONDS: i64 = 15 * 60;
/// The sandbox store's local time zone (São Paulo, UTC-3), so `date_created` and
/// `date_created_gmt` differ as they do in a Brazilian store.
const SITE_OFFSET_SECONDS: i64 = -3 * 3600;
/// Statuses in which WooCommerce has reduced the stock of an order's items.
const STOCK_REDUCING_STATUSES: [&str; 3] = ["processing", "on-hold", "completed"];

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permissions {
    Read,
    Write,
    ReadWrite,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKey {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub permissions: Permissions,
}

/// A WordPress REST error, as an envelope or as a batch item's `error`.
#[derive(Debug, Clone)]
struct WooError {
    status: u16,
    code: &'static str,
    message: String,
    extra: Map<String, Value>,
}

impl WooError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> WooError {
        WooError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    fn with(mut self, key: &str, value: Value) -> WooError {
        self.extra.insert(key.to_string(), value);
        self
    }

    fn body(&self) -> Value {
        let mut data = Map::new();
        data.insert("status".into(), json!(self.status));
        data.extend(self.extra.clone());
        json!({"code": self.code, "message": self.message, "data": data})
    }

    fn response(&self) -> HttpResponse {
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

    fn invalid_param(param: &str, message: String) -> WooError {
        WooError::new(
            400,
            "rest_invalid_param",
            format!("Invalid parameter(s): {param}"),
        )
        .with("params", json!({param: message}))
    }

    fn invalid_id(kind: &str, status: u16) -> WooError {
        let code = match kind {
            "order" => "woocommerce_rest_shop_order_invalid_id",
            "variation" => "woocommerce_rest_product_variation_invalid_id",
            _ => "woocommerce_rest_product_invalid_id",
        };
        WooError::new(status, code, "Invalid ID.")
    }
}

#[derive(Default)]
struct State {
    next_id: u64,
    products: BTreeMap<u64, Value>,
    orders: BTreeMap<u64, Value>,
    notes: BTreeMap<u64, Vec<Value>>,
    brands: BTreeMap<u64, Value>,
    keys: Vec<ApiKey>,
    /// Used nonces per consumer key, by timestamp: WooCommerce keeps one nonce per timestamp.
    nonces: HashMap<String, BTreeMap<i64, String>>,
    custom_statuses: BTreeSet<String>,
    /// Product or variation id by SKU and by GTIN: both are unique across the store.
    by_sku: HashMap<String, u64>,
    by_gtin: HashMap<String, u64>,
}

impl State {
    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Stores a product, keeping the SKU and GTIN indexes (the store's unique keys) in step.
    fn put_product(&mut self, id: u64, product: Value) {
        self.forget_keys(id);
        for (index, field) in [
            (&mut self.by_sku, "sku"),
            (&mut self.by_gtin, "global_unique_id"),
        ] {
            if let Some(key) = product[field].as_str().filter(|k| !k.is_empty()) {
                index.insert(key.to_string(), id);
            }
        }
        self.products.insert(id, product);
    }

    fn remove_product(&mut self, id: u64) {
        self.forget_keys(id);
        self.products.remove(&id);
    }

    fn forget_keys(&mut self, id: u64) {
        if let Some(old) = self.products.get(&id) {
            for (index, field) in [
                (&mut self.by_sku, "sku"),
                (&mut self.by_gtin, "global_unique_id"),
            ] {
                if let Some(key) = old[field].as_str() {
                    if index.get(key) == Some(&id) {
                        index.remove(key);
                    }
                }
            }
        }
    }
}

/// The in-memory WooCommerce store.
pub struct WooStore {
    home_url: String,
    state: Mutex<State>,
}

type Reply = Result<(u16, Value, Vec<(String, String)>, u32), WooError>;

fn ok(status: u16, value: Value, written: u32) -> Reply {
    Ok((status, value, Vec::new(), written))
}

impl WooStore {
    /// A store answering at `home_url`, with one read/write API key.
    pub fn new(home_url: &str) -> WooStore {
        let store = WooStore {
            home_url: home_url.trim_end_matches('/').to_string(),
            state: Mutex::new(State {
                next_id: 100,
                ..State::default()
            }),
        };
        store.add_key(Permissions::ReadWrite);
        store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a new API key, as WooCommerce's key screen does.
    pub fn add_key(&self, permissions: Permissions) -> ApiKey {
        let key = ApiKey {
            consumer_key: format!("ck_{}{}", oauth::nonce(), &oauth::nonce()[..8]),
            consumer_secret: format!("cs_{}{}", oauth::nonce(), &oauth::nonce()[..8]),
            permissions,
        };
        self.lock().keys.push(key.clone());
        key
    }

    pub fn first_key(&self) -> ApiKey {
        self.lock().keys[0].clone()
    }

    /// Registers a custom order status, as a plugin does with `wc_order_statuses`.
    pub fn register_status(&self, slug: &str) {
        self.lock().custom_statuses.insert(slug.to_string());
    }

    /// Every product and variation, as the API would show them.
    pub fn products(&self) -> Vec<Value> {
        self.lock().products.values().cloned().collect()
    }

    pub fn orders(&self) -> Vec<Value> {
        self.lock().orders.values().cloned().collect()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.lock().orders.get(&id).cloned()
    }

    pub fn order_notes(&self, id: u64) -> Vec<Value> {
        self.lock().notes.get(&id).cloned().unwrap_or_default()
    }

    /// Puts a product exactly as given (with its `id`), for fixtures and "already in the store"
    /// scenarios. Ids given this way are reserved.
    pub fn seed_product(&self, product: Value) -> Result<u64, String> {
        let id = product
            .get("id")
            .and_then(Value::as_u64)
            .ok_or("a seeded product needs a numeric id")?;
        let mut state = self.lock();
        state.next_id = state.next_id.max(id);
        state.put_product(id, product);
        Ok(id)
    }

    /// Puts an order exactly as given (with its `id`), for fixtures and staged scenarios.
    pub fn seed_order(&self, order: Value) -> Result<u64, String> {
        let id = order
            .get("id")
            .and_then(Value::as_u64)
            .ok_or("a seeded order needs a numeric id")?;
        let mut state = self.lock();
        state.next_id = state.next_id.max(id);
        state.orders.insert(id, order);
        Ok(id)
    }

    /// Places an order as a shopper would at checkout: line items by `sku` (or `product_id`),
    /// prices from the catalog, totals computed, stock reduced for paid statuses.
    pub fn place_order(&self, order: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        create_order(&mut state, &self.home_url, order, true)
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    /// Changes an order as the merchant or a payment gateway would: its status, or (to stage a
    /// test) its modification time.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        let home = self.home_url.clone();
        let order = update_order(&mut state, &home, id, changes)
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        if let Some(gmt) = changes.get("date_modified_gmt").and_then(Value::as_str) {
            let unix = crate::time::parse(gmt).ok_or("date_modified_gmt: not a date")?;
            let stored = state.orders.get_mut(&id).ok_or("no such order")?;
            set_dates(stored, "date_modified", unix);
            return Ok(stored.clone());
        }
        Ok(order)
    }

    fn authenticate(&self, request: &HttpRequest) -> Result<Option<ApiKey>, WooError> {
        // Over plain HTTP WooCommerce only tries OAuth 1.0a; Basic auth and
        // `?consumer_key=` are for HTTPS and are ignored here, as on a real store.
        let mut params: BTreeMap<String, String> = request.query.iter().cloned().collect();
        if request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        {
            let form = String::from_utf8_lossy(&request.body).into_owned();
            params.extend(super::server::parse_query(&form));
        }
        if let Some(header) = request.header("authorization") {
            params.extend(parse_oauth_header(header));
        }
        const REQUIRED: [&str; 5] = [
            "oauth_consumer_key",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_signature",
            "oauth_signature_method",
        ];
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| params.get(*name).is_none_or(|v| v.is_empty()))
            .collect();
        if missing.len() == REQUIRED.len() {
            return Ok(None);
        }
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "parameter"
            } else {
                "parameters"
            };
            return Err(WooError::new(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                format!("Missing OAuth {noun} {}", missing.join(", ")),
            ));
        }
        let auth_error =
            |message: &str| WooError::new(401, "woocommerce_rest_authentication_error", message);
        let mut state = self.lock();
        let key = state
            .keys
            .iter()
            .find(|k| k.consumer_key == params["oauth_consumer_key"])
            .cloned()
            .ok_or_else(|| auth_error("Consumer key is invalid."))?;

        let given = params
            .remove("oauth_signature")
            .unwrap_or_default()
            .replace(' ', "+");
        let Some(method) = SignatureMethod::from_name(&params["oauth_signature_method"]) else {
            return Err(auth_error(
                "Invalid signature - signature method is invalid.",
            ));
        };
        let url = format!("{}{}", self.home_url, request.path);
        let pairs: Vec<(String, String)> =
            params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let expected = oauth::sign(
            method,
            &oauth::base_string(&request.method, &url, &pairs),
            &key.consumer_secret,
            "",
        );
        if !oauth::signatures_match(&expected, &given) {
            return Err(auth_error(
                "Invalid signature - provided signature does not match.",
            ));
        }

        let timestamp: i64 = params["oauth_timestamp"].parse().unwrap_or(0);
        let now = now_unix();
        if timestamp < now - OAUTH_WINDOW_SECONDS || timestamp > now + OAUTH_WINDOW_SECONDS {
            return Err(auth_error("Invalid timestamp."));
        }
        let nonce = params["oauth_nonce"].clone();
        let used = state.nonces.entry(key.consumer_key.clone()).or_default();
        if used.values().any(|n| *n == nonce) {
            return Err(auth_error("Invalid nonce - nonce has already been used."));
        }
        used.insert(timestamp, nonce);
        used.retain(|t, _| *t >= now - OAUTH_WINDOW_SECONDS);
        Ok(Some(key))
    }

    fn route(&self, request: &HttpRequest, body: &Value) -> Reply {
        let route = request.path.strip_prefix(PREFIX).unwrap_or("");
        let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.as_str();
        let editable = matches!(method, "POST" | "PUT" | "PATCH");
        let id = |s: &str| s.parse::<u64>().ok();
        let mut state = self.lock();
        let home = self.home_url.as_str();
        match (segments.as_slice(), method) {
            (["products"], "GET") => list_products(&state, home, request, None),
            (["products"], "POST") => {
                create_product(&mut state, home, body, None).map(|p| (201, p, Vec::new(), 1))
            }
            (["products", "batch"], _) if editable => {
                batch(&mut state, home, body, BatchKind::Products)
            }
            (["products", "brands"], "GET") => list_brands(&state, home, request),
            (["products", "brands"], "POST") => create_brand(&mut state, body),
            (["products", "brands", b], "GET") if id(b).is_some() => state
                .brands
                .get(&id(b).unwrap_or(0))
                .cloned()
                .map(|v| (200, v, Vec::new(), 0))
                .ok_or_else(|| {
                    WooError::new(
                        404,
                        "woocommerce_rest_term_invalid",
                        "Resource doesn't exist.",
                    )
                }),
            (["products", p], "GET") if id(p).is_some() => {
                get_product(&state, id(p).unwrap_or(0), None).map(|v| (200, v, Vec::new(), 0))
            }
            (["products", p], _) if editable && id(p).is_some() => {
                update_product(&mut state, home, id(p).unwrap_or(0), body, None)
                    .map(|v| (200, v, Vec::new(), 1))
            }
            (["products", p], "DELETE") if id(p).is_some() => {
                delete_product(&mut state, id(p).unwrap_or(0), None)
            }
            (["products", p, "variations"], "GET") if id(p).is_some() => {
                get_product(&state, id(p).unwrap_or(0), None)?;
                list_products(&state, home, request, id(p))
            }
            (["products", p, "variations"], "POST") if id(p).is_some() => {
                create_product(&mut state, home, body, id(p)).map(|v| (201, v, Vec::new(), 1))
            }
            (["products", p, "variations", "batch"], _) if editable && id(p).is_some() => {
                get_product(&state, id(p).unwrap_or(0), None)?;
                batch(
                    &mut state,
                    home,
                    body,
                    BatchKind::Variations(id(p).unwrap_or(0)),
                )
            }
            (["products", p, "variations", v], "GET") if id(p).is_some() && id(v).is_some() => {
                get_product(&state, id(v).unwrap_or(0), id(p)).map(|x| (200, x, Vec::new(), 0))
            }
            (["products", p, "variations", v], _)
                if editable && id(p).is_some() && id(v).is_some() =>
            {
                update_product(&mut state, home, id(v).unwrap_or(0), body, id(p))
                    .map(|x| (200, x, Vec::new(), 1))
            }
            (["products", p, "variations", v], "DELETE") if id(p).is_some() && id(v).is_some() => {
                delete_product(&mut state, id(v).unwrap_or(0), id(p))
            }
            (["orders"], "GET") => list_orders(&state, home, request),
            (["orders"], "POST") => {
                create_order(&mut state, home, body, false).map(|o| (201, o, Vec::new(), 1))
            }
            (["orders", "batch"], _) if editable => {
                batch(&mut state, home, body, BatchKind::Orders)
            }
            (["orders", o], "GET") if id(o).is_some() => state
                .orders
                .get(&id(o).unwrap_or(0))
                .cloned()
                .map(|v| (200, v, Vec::new(), 0))
                .ok_or_else(|| WooError::invalid_id("order", 404)),
            (["orders", o], _) if editable && id(o).is_some() => {
                update_order(&mut state, home, id(o).unwrap_or(0), body)
                    .map(|v| (200, v, Vec::new(), 1))
            }
            (["orders", o, "notes"], "GET") if id(o).is_some() => {
                let order_id = id(o).unwrap_or(0);
                if !state.orders.contains_key(&order_id) {
                    return Err(WooError::invalid_id("order", 404));
                }
                ok(
                    200,
                    json!(state.notes.get(&order_id).cloned().unwrap_or_default()),
                    0,
                )
            }
            (["orders", o, "notes"], "POST") if id(o).is_some() => {
                create_note(&mut state, home, id(o).unwrap_or(0), body)
            }
            _ => Err(WooError::new(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method",
            )),
        }
    }
}

impl Handler for WooStore {
    fn handle(&self, request: &HttpRequest) -> Handled {
        let reply = |response: HttpResponse, items_written: u32| Handled {
            response,
            items_written,
        };
        if !request.path.starts_with("/wp-json/") {
            let error = WooError::new(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method",
            );
            return reply(error.response(), 0);
        }
        let key = match self.authenticate(request) {
            Ok(key) => key,
            Err(error) => return reply(error.response(), 0),
        };
        let reading = matches!(request.method.as_str(), "GET" | "HEAD");
        match &key {
            Some(key) => {
                let allowed = match key.permissions {
                    Permissions::Read => reading,
                    Permissions::Write => !reading,
                    Permissions::ReadWrite => true,
                };
                if !allowed {
                    let which = if reading { "read" } else { "write" };
                    let error = WooError::new(
                        401,
                        "woocommerce_rest_authentication_error",
                        format!("The API key provided does not have {which} permissions."),
                    );
                    return reply(error.response(), 0);
                }
            }
            None => return reply(anonymous_refusal(request).response(), 0),
        }
        let body = if request.body.is_empty() || reading {
            json!({})
        } else {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(value) => value,
                Err(err) => {
                    let error =
                        WooError::new(400, "rest_invalid_json", "Invalid JSON body passed.")
                            .with("json_error_code", json!(4))
                            .with("json_error_message", json!(format!("Syntax error: {err}")));
                    return reply(error.response(), 0);
                }
            }
        };
        match self.route(request, &body) {
            Ok((status, value, headers, written)) => {
                let mut response = HttpResponse::json(status, &value);
                response.headers.extend(headers);
                reply(response, written)
            }
            Err(error) => reply(error.response(), 0),
        }
    }

    fn control(&self, request: &HttpRequest, controls: &Controls) -> HttpResponse {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(json!({}));
        let path = request.path.trim_start_matches("/__sandbox/");
        let bad = |message: String| HttpResponse::json(400, &json!({"error": message}));
        match (path, request.method.as_str()) {
            ("info", "GET") => {
                let key = self.first_key();
                HttpResponse::json(
                    200,
                    &json!({"platform": "woocommerce", "base_url": self.home_url,
                            "consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}),
                )
            }
            ("orders", "POST") => match self.place_order(&body) {
                Ok(order) => HttpResponse::json(201, &order),
                Err(message) => bad(message),
            },
            ("orders", "GET") => HttpResponse::json(200, &json!(self.orders())),
            ("products", "GET") => HttpResponse::json(200, &json!(self.products())),
            ("products", "POST") => match self.seed_product(body) {
                Ok(id) => HttpResponse::json(201, &json!({"id": id})),
                Err(message) => bad(message),
            },
            ("faults", "POST") => match serde_json::from_value::<FaultRule>(body) {
                Ok(rule) => {
                    controls.add_fault(rule);
                    HttpResponse::json(200, &json!({"ok": true}))
                }
                Err(err) => bad(err.to_string()),
            },
            ("faults", "DELETE") => {
                controls.clear_faults();
                HttpResponse::json(200, &json!({"ok": true}))
            }
            ("latency", "PUT") => match serde_json::from_value::<Latency>(body) {
                Ok(latency) => {
                    controls.set_latency(latency);
                    HttpResponse::json(200, &json!({"ok": true}))
                }
                Err(err) => bad(err.to_string()),
            },
            ("counters", "GET") => HttpResponse::json(200, &json!(controls.counters())),
            ("counters", "DELETE") => {
                controls.reset_counters();
                HttpResponse::json(200, &json!({"ok": true}))
            }
            ("keys", "POST") => match serde_json::from_value::<Permissions>(
                body.get("permissions")
                    .cloned()
                    .unwrap_or(json!("read_write")),
            ) {
                Ok(permissions) => HttpResponse::json(201, &json!(self.add_key(permissions))),
                Err(err) => bad(err.to_string()),
            },
            ("statuses", "POST") => match body.get("slug").and_then(Value::as_str) {
                Some(slug) => {
                    self.register_status(slug);
                    HttpResponse::json(200, &json!({"ok": true}))
                }
                None => bad("slug is required".into()),
            },
            (order, "PUT") if order.starts_with("orders/") => {
                match order["orders/".len()..].parse::<u64>() {
                    Ok(id) => match self.update_order(id, &body) {
                        Ok(order) => HttpResponse::json(200, &order),
                        Err(message) => bad(message),
                    },
                    Err(_) => bad("expected /__sandbox/orders/{id}".into()),
                }
            }
            _ => HttpResponse::json(
                404,
                &json!({"error": format!("no control route {} /__sandbox/{path}", request.method)}),
            ),
        }
    }
}

/// What WordPress answers a request with no credentials: the endpoint's permission check fails.
fn anonymous_refusal(request: &HttpRequest) -> WooError {
    let route = request.path.strip_prefix(PREFIX).unwrap_or("");
    let last = route.rsplit('/').next().unwrap_or("");
    let is_item = last.parse::<u64>().is_ok();
    let (code, message) = match request.method.as_str() {
        "GET" if is_item => (
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot view this resource.",
        ),
        "GET" => (
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
        "DELETE" => (
            "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.",
        ),
        _ if last == "batch" => (
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        ),
        _ if is_item => (
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ),
        _ => (
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ),
    };
    WooError::new(401, code, message)
}

/// The `Authorization: OAuth k="v", ...` parameters, URL-decoded as WooCommerce's parser does.
fn parse_oauth_header(header: &str) -> Vec<(String, String)> {
    let Some(rest) = header.strip_prefix("OAuth ") else {
        return Vec::new();
    };
    rest.split(',')
        .filter_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            if !key.starts_with("oauth_") {
                return None;
            }
            let value = value.trim_matches('"');
            Some((key.to_string(), super::server::percent_decode(value, true)))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Paging

fn paging(request: &HttpRequest) -> Result<(usize, usize), WooError> {
    let per_page = match request.param("per_page") {
        None => 10,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => n as usize,
            _ => {
                let message =
                    "per_page must be between 1 (inclusive) and 100 (inclusive)".to_string();
                return Err(WooError::invalid_param("per_page", message.clone()).with(
                    "details",
                    json!({"per_page": {"code": "rest_out_of_bounds", "message": message, "data": null}}),
                ));
            }
        },
    };
    let page = match request.param("page") {
        None => 1,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => n as usize,
            _ => {
                return Err(WooError::invalid_param(
                    "page",
                    "page must be greater than or equal to 1".into(),
                ))
            }
        },
    };
    Ok((page, per_page))
}

/// One page of `items` with `X-WP-Total`, `X-WP-TotalPages` and `Link` (prev and next only, each
/// keeping the original query with `page` swapped, as the CRUD controller sends them).
fn paged(
    home: &str,
    request: &HttpRequest,
    items: Vec<&Value>,
    view: impl Fn(&Value) -> Value,
) -> Reply {
    let (page, per_page) = paging(request)?;
    let total = items.len();
    let total_pages = total.div_ceil(per_page);
    let start = (page - 1).saturating_mul(per_page).min(total);
    // Only the page is copied: a store with many orders answers each page in little time.
    let slice: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(per_page)
        .map(view)
        .collect();
    let mut headers = vec![
        ("X-WP-Total".to_string(), total.to_string()),
        ("X-WP-TotalPages".to_string(), total_pages.to_string()),
    ];
    let link_to = |target: usize| {
        let mut query: Vec<String> = request
            .query
            .iter()
            .filter(|(k, _)| k != "page" && !k.starts_with("oauth_"))
            .map(|(k, v)| format!("{}={}", oauth::percent_encode(k), oauth::percent_encode(v)))
            .collect();
        query.push(format!("page={target}"));
        format!("<{home}{}?{}>", request.path, query.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!(
            "{}; rel=\"prev\"",
            link_to((page - 1).min(total_pages.max(1)))
        ));
    }
    if page < total_pages {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
    }
    if !links.is_empty() {
        headers.push(("Link".to_string(), links.join(", ")));
    }
    Ok((200, Value::Array(slice), headers, 0))
}

fn order_by(items: &mut [&Value], request: &HttpRequest, allowed: &[&str]) -> Result<(), WooError> {
    let orderby = request.param("orderby").unwrap_or("date");
    if !allowed.contains(&orderby) {
        return Err(WooError::invalid_param(
            "orderby",
            format!("orderby is not one of {}.", allowed.join(", ")),
        ));
    }
    let descending = match request.param("order").unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => {
            return Err(WooError::invalid_param(
                "order",
                "order is not one of asc and desc.".into(),
            ))
        }
    };
    let key = |v: &Value| -> (String, u64) {
        let id = v["id"].as_u64().unwrap_or(0);
        let text = match orderby {
            "date" => v["date_created_gmt"].as_str().unwrap_or("").to_string(),
            "modified" => v["date_modified_gmt"].as_str().unwrap_or("").to_string(),
            "title" => v["name"].as_str().unwrap_or("").to_string(),
            "slug" => v["slug"].as_str().unwrap_or("").to_string(),
            _ => String::new(),
        };
        // ID breaks ties, so pages stay stable.
        (text, id)
    };
    items.sort_by_cached_key(|item| key(item));
    if descending {
        items.reverse();
    }
    Ok(())
}

fn list_of(param: Option<&str>) -> Vec<String> {
    param
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Products

fn set_dates(object: &mut Value, field: &str, unix: i64) {
    object[field] = json!(format_naive(unix + SITE_OFFSET_SECONDS));
    object[format!("{field}_gmt")] = json!(format_naive(unix));
}

fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

fn links(home: &str, item: &str, collection: &str, up: Option<String>) -> Value {
    let mut links = json!({
        "self": [{"href": format!("{home}{PREFIX}{item}")}],
        "collection": [{"href": format!("{home}{PREFIX}{collection}")}],
    });
    if let Some(up) = up {
        links["up"] = json!([{"href": format!("{home}{PREFIX}{up}")}]);
    }
    links
}

fn new_product(id: u64, parent: Option<u64>, home: &str) -> Value {
    let mut product = json!({
        "id": id, "name": "", "slug": "", "permalink": "", "type": "simple", "status": "publish", "featured": false,
        "catalog_visibility": "visible", "description": "", "short_description": "", "sku": "", "global_unique_id": "",
        "price": "", "regular_price": "", "sale_price": "", "date_on_sale_from": null, "date_on_sale_from_gmt": null,
        "date_on_sale_to": null, "date_on_sale_to_gmt": null, "price_html": "", "on_sale": false, "purchasable": false,
        "total_sales": 0, "virtual": false, "downloadable": false, "downloads": [], "download_limit": -1,
        "download_expiry": -1, "external_url": "", "button_text": "", "tax_status": "taxable", "tax_class": "",
        "manage_stock": false, "stock_quantity": null, "stock_status": "instock", "backorders": "no",
        "backorders_allowed": false, "backordered": false, "sold_individually": false, "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""}, "shipping_required": true, "shipping_taxable": true,
        "shipping_class": "", "shipping_class_id": 0, "reviews_allowed": true, "average_rating": "0.00",
        "rating_count": 0, "related_ids": [], "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0,
        "purchase_note": "", "categories": [], "tags": [], "brands": [], "images": [], "attributes": [],
        "default_attributes": [], "variations": [], "grouped_products": [], "menu_order": 0, "meta_data": [],
    });
    let now = now_unix();
    set_dates(&mut product, "date_created", now);
    set_dates(&mut product, "date_modified", now);
    match parent {
        Some(parent) => {
            product["type"] = json!("variation");
            product["parent_id"] = json!(parent);
            product["image"] = Value::Null;
            product["_links"] = links(
                home,
                &format!("/products/{parent}/variations/{id}"),
                &format!("/products/{parent}/variations"),
                Some(format!("/products/{parent}")),
            );
        }
        None => product["_links"] = links(home, &format!("/products/{id}"), "/products", None),
    }
    product
}

/// The fields a variation has in the API (the product fields it shares, plus its own).
const VARIATION_FIELDS: &[&str] = &[
    "id",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "description",
    "permalink",
    "sku",
    "global_unique_id",
    "price",
    "regular_price",
    "sale_price",
    "date_on_sale_from",
    "date_on_sale_from_gmt",
    "date_on_sale_to",
    "date_on_sale_to_gmt",
    "on_sale",
    "status",
    "purchasable",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "backorders_allowed",
    "backordered",
    "weight",
    "dimensions",
    "shipping_class",
    "shipping_class_id",
    "image",
    "attributes",
    "menu_order",
    "meta_data",
    "_links",
];

/// The product as `/products/{parent}/variations/{id}` shows a variation.
fn variation_view(product: &Value) -> Value {
    let mut view = Map::new();
    for field in VARIATION_FIELDS {
        view.insert(
            (*field).to_string(),
            product.get(*field).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(view)
}

fn get_product(state: &State, id: u64, parent: Option<u64>) -> Result<Value, WooError> {
    let product = state.products.get(&id);
    match (product, parent) {
        (Some(p), None) if p["type"] != "variation" => Ok(p.clone()),
        (Some(_), None) => Err(WooError::new(
            404,
            "woocommerce_rest_invalid_product_id",
            "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.",
        )),
        (Some(p), Some(parent)) if p["parent_id"].as_u64() == Some(parent) => Ok(variation_view(p)),
        (_, Some(_)) => Err(WooError::invalid_id("variation", 404)),
        (None, None) => Err(WooError::invalid_id("product", 404)),
    }
}

fn check_enum(body: &Value, field: &str, allowed: &[&str]) -> Result<(), WooError> {
    match body.get(field) {
        None => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(_) => Err(WooError::invalid_param(
            field,
            format!("{field} is not one of {}.", allowed.join(", ")),
        )),
    }
}

fn check_type(
    body: &Value,
    field: &str,
    expected: &str,
    fits: fn(&Value) -> bool,
) -> Result<(), WooError> {
    match body.get(field) {
        Some(value) if !fits(value) => Err(WooError::invalid_param(
            field,
            format!("{field} is not of type {expected}."),
        )),
        _ => Ok(()),
    }
}

/// Applies a create or update body to a stored product or variation, as
/// `prepare_object_for_database` does, checking SKU and GTIN uniqueness across all items.
fn apply_product(
    state: &State,
    product: &mut Value,
    body: &Value,
    is_variation: bool,
) -> Result<(), WooError> {
    let Some(fields) = body.as_object() else {
        return Err(WooError::new(
            400,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        ));
    };
    check_enum(
        body,
        "status",
        &[
            "draft",
            "pending",
            "private",
            "publish",
            "future",
            "auto-draft",
            "trash",
        ],
    )?;
    check_enum(
        body,
        "catalog_visibility",
        &["visible", "catalog", "search", "hidden"],
    )?;
    check_enum(body, "type", &["simple", "grouped", "external", "variable"])?;
    check_enum(
        body,
        "stock_status",
        &["instock", "outofstock", "onbackorder"],
    )?;
    check_enum(body, "backorders", &["no", "notify", "yes"])?;
    check_type(body, "manage_stock", "boolean", Value::is_boolean)?;
    check_type(body, "stock_quantity", "integer", |v| {
        v.is_i64() || v.is_null()
    })?;
    for field in [
        "regular_price",
        "sale_price",
        "sku",
        "name",
        "global_unique_id",
        "weight",
        "description",
    ] {
        check_type(body, field, "string", Value::is_string)?;
    }
    let id = product["id"].as_u64().unwrap_or(0);

    if let Some(sku) = fields.get("sku").and_then(Value::as_str) {
        let sku = sku.trim();
        if !sku.is_empty() {
            if let Some(owner) = state
                .by_sku
                .get(sku)
                .filter(|owner| **owner != id)
                .and_then(|owner| state.products.get(owner))
            {
                return Err(WooError::new(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                )
                .with("resource_id", owner["id"].clone())
                .with("unique_sku", json!(format!("{sku}-1"))));
            }
        }
        product["sku"] = json!(sku);
    }
    if let Some(gtin) = fields.get("global_unique_id").and_then(Value::as_str) {
        let gtin: String = gtin
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-'))
            .collect();
        if !gtin.is_empty() {
            if let Some(owner) = state
                .by_gtin
                .get(&gtin)
                .filter(|owner| **owner != id)
                .and_then(|owner| state.products.get(owner))
            {
                return Err(WooError::new(
                    400,
                    "product_invalid_global_unique_id",
                    "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                )
                .with("resource_id", owner["id"].clone()));
            }
        }
        product["global_unique_id"] = json!(gtin);
    }
    for (field, value) in fields {
        match field.as_str() {
            "id" | "sku" | "global_unique_id" | "parent_id" | "variations" | "price"
            | "date_created" | "date_modified" | "_links" | "permalink" => {}
            "regular_price" | "sale_price" => {
                let text = value.as_str().unwrap_or("").trim();
                if !text.is_empty() && parse_cents(text).is_err() {
                    return Err(WooError::invalid_param(
                        field,
                        format!("{field} is not a valid price."),
                    ));
                }
                product[field] = json!(text
                    .parse::<f64>()
                    .map(|_| normalize_price(text))
                    .unwrap_or_default());
            }
            "stock_quantity" => product["stock_quantity"] = value.clone(),
            "inventory_delta" => {
                let current = product["stock_quantity"].as_i64().unwrap_or(0);
                product["stock_quantity"] = json!(current + value.as_i64().unwrap_or(0));
            }
            "brands" if !is_variation => {
                let terms: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b.as_u64().or_else(|| b.get("id").and_then(Value::as_u64)))
                    .filter_map(|id| state.brands.get(&id))
                    .map(|b| json!({"id": b["id"], "name": b["name"], "slug": b["slug"]}))
                    .collect();
                product["brands"] = json!(terms);
            }
            "categories" | "tags" if !is_variation => {
                let terms: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        let id = t.get("id").and_then(Value::as_u64).unwrap_or(0);
                        let name = t
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or(format!("Term {id}"));
                        json!({"id": id, "name": name, "slug": slugify(&name)})
                    })
                    .collect();
                product[field.as_str()] = json!(terms);
            }
            "images" if !is_variation => {
                let images: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|image| stored_image(product, image))
                    .collect();
                product["images"] = json!(images);
            }
            "image" if is_variation => product["image"] = stored_image(product, value),
            "attributes" => {
                let attributes: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(position, a)| {
                        if is_variation {
                            json!({"id": a.get("id").cloned().unwrap_or(json!(0)), "name": a.get("name").cloned().unwrap_or(json!("")),
                                   "option": a.get("option").cloned().unwrap_or(json!(""))})
                        } else {
                            json!({"id": a.get("id").cloned().unwrap_or(json!(0)), "name": a.get("name").cloned().unwrap_or(json!("")),
                                   "position": a.get("position").cloned().unwrap_or(json!(position)),
                                   "visible": a.get("visible").cloned().unwrap_or(json!(false)),
                                   "variation": a.get("variation").cloned().unwrap_or(json!(false)),
                                   "options": a.get("options").cloned().unwrap_or(json!([]))})
                        }
                    })
                    .collect();
                product["attributes"] = json!(attributes);
            }
            "default_attributes" => {
                let defaults: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let name = a
                            .get("name")
                            .cloned()
                            .unwrap_or_else(|| json!(attribute_name(a.get("id"))));
                        json!({"id": a.get("id").cloned().unwrap_or(json!(0)), "name": name,
                               "option": a.get("option").cloned().unwrap_or(json!(""))})
                    })
                    .collect();
                product["default_attributes"] = json!(defaults);
            }
            "downloads" => {
                let downloads: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        // The docs' batch example answers a new download with `"id": 0`.
                        json!({"id": d.get("id").cloned().unwrap_or(json!(0)),
                               "name": d.get("name").cloned().unwrap_or(json!("")),
                               "file": d.get("file").cloned().unwrap_or(json!(""))})
                    })
                    .collect();
                product["downloads"] = json!(downloads);
            }
            "meta_data" => {
                let mut meta = product["meta_data"].as_array().cloned().unwrap_or_default();
                for entry in value.as_array().into_iter().flatten() {
                    let key = entry.get("key").cloned().unwrap_or(Value::Null);
                    match meta.iter_mut().find(|m| m["key"] == key) {
                        Some(existing) => existing["value"] = entry.get("value").cloned().unwrap_or(Value::Null),
                        None => meta.push(json!({"id": meta.len() as u64 + 1000 * id, "key": key, "value": entry.get("value").cloned().unwrap_or(Value::Null)})),
                    }
                }
                product["meta_data"] = json!(meta);
            }
            "dimensions" => {
                for axis in ["length", "width", "height"] {
                    if let Some(v) = value.get(axis) {
                        product["dimensions"][axis] = v.clone();
                    }
                }
            }
            other if product.get(other).is_some() => product[other] = value.clone(),
            // Unknown parameters are ignored, as WordPress ignores them.
            _ => {}
        }
    }
    finish_product(product);
    Ok(())
}

/// A global attribute's name by id, as `pa_` taxonomies are named in the docs' examples.
fn attribute_name(id: Option<&Value>) -> String {
    match id.and_then(Value::as_u64) {
        Some(6) => "Color".to_string(),
        Some(id) if id != 0 => format!("Attribute {id}"),
        _ => String::new(),
    }
}

fn stored_image(product: &Value, image: &Value) -> Value {
    let id = image
        .get("id")
        .and_then(Value::as_u64)
        .unwrap_or(product["id"].as_u64().unwrap_or(0) * 10 + 1);
    let mut stored = json!({"id": id, "src": image.get("src").cloned().unwrap_or(json!("")),
                            "name": image.get("name").cloned().unwrap_or(json!("")),
                            "alt": image.get("alt").cloned().unwrap_or(json!(""))});
    let now = now_unix();
    set_dates(&mut stored, "date_created", now);
    set_dates(&mut stored, "date_modified", now);
    stored
}

/// `wc_format_decimal`: the price as given, without trailing noise ("24.540" stays a valid price).
fn normalize_price(text: &str) -> String {
    parse_cents(text)
        .map(format_cents)
        .unwrap_or_else(|_| text.to_string())
}

/// Derived fields: the active price, stock status, permalink, slug.
fn finish_product(product: &mut Value) {
    let is_variable = product["type"] == "variable";
    if is_variable || product["type"] == "grouped" {
        product["regular_price"] = json!("");
        product["sale_price"] = json!("");
    }
    if !is_variable {
        let regular = product["regular_price"].as_str().unwrap_or("").to_string();
        let sale = product["sale_price"].as_str().unwrap_or("").to_string();
        let active = if sale.is_empty() {
            regular.clone()
        } else {
            sale.clone()
        };
        product["on_sale"] =
            json!(!sale.is_empty() && parse_cents(&sale).ok() < parse_cents(&regular).ok());
        product["purchasable"] = json!(!active.is_empty());
        product["price_html"] = json!(if active.is_empty() {
            String::new()
        } else {
            format!("<span class=\"woocommerce-Price-amount amount\"><span class=\"woocommerce-Price-currencySymbol\">R$</span>{}</span>", active.replace('.', ","))
        });
        product["price"] = json!(active);
    }
    if product["manage_stock"] == true {
        if !product["stock_quantity"].is_i64() {
            product["stock_quantity"] = json!(0);
        }
        let quantity = product["stock_quantity"].as_i64().unwrap_or(0);
        product["stock_status"] = json!(if quantity > 0 {
            "instock"
        } else {
            "outofstock"
        });
    } else {
        product["stock_quantity"] = Value::Null;
    }
    product["backorders_allowed"] = json!(product["backorders"] != "no");
    if product["type"] != "variation" {
        let name = product["name"].as_str().unwrap_or("").to_string();
        if product["slug"].as_str().is_none_or(str::is_empty) {
            product["slug"] = json!(slugify(&name));
        }
    }
    product["date_modified"] = json!(format_naive(now_unix() + SITE_OFFSET_SECONDS));
    product["date_modified_gmt"] = json!(format_naive(now_unix()));
}

/// After a variation changes: the parent's price and stock status follow its children.
fn refresh_parent(state: &mut State, home: &str, parent: u64) {
    let children: Vec<&Value> = state
        .products
        .values()
        .filter(|p| p["parent_id"].as_u64() == Some(parent) && p["type"] == "variation")
        .collect();
    let ids: Vec<u64> = children.iter().filter_map(|c| c["id"].as_u64()).collect();
    let lowest = children
        .iter()
        .filter_map(|c| c["price"].as_str().and_then(|p| parse_cents(p).ok()))
        .min();
    let in_stock = children.iter().any(|c| c["stock_status"] == "instock");
    if let Some(product) = state.products.get_mut(&parent) {
        product["variations"] = json!(ids);
        product["price"] = json!(lowest.map(format_cents).unwrap_or_default());
        product["stock_status"] = json!(if in_stock || ids.is_empty() {
            "instock"
        } else {
            "outofstock"
        });
        product["permalink"] = json!(format!(
            "{home}/produto/{}/",
            product["slug"].as_str().unwrap_or("")
        ));
    }
}

fn create_product(
    state: &mut State,
    home: &str,
    body: &Value,
    parent: Option<u64>,
) -> Result<Value, WooError> {
    if body.get("id").is_some_and(|id| !id.is_null()) {
        return Err(WooError::new(
            400,
            "woocommerce_rest_product_exists",
            "Cannot create existing product.",
        ));
    }
    if let Some(parent) = parent {
        if !state
            .products
            .get(&parent)
            .is_some_and(|p| p["type"] != "variation")
        {
            return Err(WooError::new(
                404,
                "woocommerce_rest_product_variation_invalid_parent",
                "Invalid parent product.",
            ));
        }
    }
    let id = state.next_id + 1;
    let mut product = new_product(id, parent, home);
    apply_product(state, &mut product, body, parent.is_some())?;
    state.take_id();
    if parent.is_none() {
        product["permalink"] = json!(format!(
            "{home}/produto/{}/",
            product["slug"].as_str().unwrap_or("")
        ));
    }
    state.put_product(id, product.clone());
    match parent {
        Some(parent) => {
            refresh_parent(state, home, parent);
            Ok(variation_view(&product))
        }
        None => Ok(product),
    }
}

fn update_product(
    state: &mut State,
    home: &str,
    id: u64,
    body: &Value,
    parent: Option<u64>,
) -> Result<Value, WooError> {
    get_product(state, id, parent).map_err(|e| {
        if e.status == 404 && e.code.ends_with("invalid_id") {
            WooError { status: 400, ..e }
        } else {
            e
        }
    })?;
    let mut product = state.products[&id].clone();
    apply_product(state, &mut product, body, parent.is_some())?;
    state.put_product(id, product.clone());
    match parent {
        Some(parent) => {
            refresh_parent(state, home, parent);
            Ok(variation_view(&product))
        }
        None => {
            if product["type"] == "variable" {
                refresh_parent(state, home, id);
            }
            Ok(state.products[&id].clone())
        }
    }
}

fn delete_product(state: &mut State, id: u64, parent: Option<u64>) -> Reply {
    let product = get_product(state, id, parent)?;
    state.remove_product(id);
    let children: Vec<u64> = state
        .products
        .iter()
        .filter(|(_, p)| p["parent_id"].as_u64() == Some(id) && p["type"] == "variation")
        .map(|(child, _)| *child)
        .collect();
    for child in children {
        state.remove_product(child);
    }
    Ok((200, product, Vec::new(), 1))
}

fn list_products(state: &State, home: &str, request: &HttpRequest, parent: Option<u64>) -> Reply {
    let skus = list_of(request.param("sku"));
    let whole_sku = request.param("sku").unwrap_or("").to_string();
    let gtins = list_of(request.param("global_unique_id"));
    let types = list_of(request.param("type"));
    let statuses = list_of(request.param("status"));
    let search = request.param("search").map(str::to_lowercase);
    let include: Vec<u64> = list_of(request.param("include"))
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    // `sku=` and `global_unique_id=` also return variations, as product-shaped objects.
    let with_variations = parent.is_some() || !skus.is_empty() || !gtins.is_empty();
    // Exact SKU and GTIN filters go through the indexes, as the store's meta query does.
    let keyed: Option<BTreeSet<u64>> = (!skus.is_empty() || !gtins.is_empty()).then(|| {
        skus.iter()
            .chain(std::iter::once(&whole_sku).filter(|_| !skus.is_empty()))
            .filter_map(|sku| state.by_sku.get(sku))
            .chain(gtins.iter().filter_map(|gtin| state.by_gtin.get(gtin)))
            .copied()
            .collect()
    });
    let candidates: Box<dyn Iterator<Item = &Value>> = match &keyed {
        Some(ids) => Box::new(ids.iter().filter_map(|id| state.products.get(id))),
        None => Box::new(state.products.values()),
    };
    let mut items: Vec<&Value> = candidates
        .filter(|p| match parent {
            Some(parent) => p["parent_id"].as_u64() == Some(parent) && p["type"] == "variation",
            None => with_variations || p["type"] != "variation",
        })
        .filter(|p| {
            let sku = p["sku"].as_str().unwrap_or("");
            skus.is_empty()
                || (!sku.is_empty() && (skus.iter().any(|s| s == sku) || whole_sku == sku))
        })
        .filter(|p| gtins.is_empty() || gtins.iter().any(|g| p["global_unique_id"] == g.as_str()))
        .filter(|p| types.is_empty() || types.iter().any(|t| p["type"] == t.as_str()))
        .filter(|p| {
            statuses.is_empty()
                || statuses
                    .iter()
                    .any(|s| s == "any" || p["status"] == s.as_str())
        })
        .filter(|p| {
            search
                .as_ref()
                .is_none_or(|q| p["name"].as_str().unwrap_or("").to_lowercase().contains(q))
        })
        .filter(|p| include.is_empty() || p["id"].as_u64().is_some_and(|id| include.contains(&id)))
        .collect();
    order_by(
        &mut items,
        request,
        &[
            "date",
            "id",
            "include",
            "title",
            "slug",
            "modified",
            "price",
            "popularity",
            "rating",
            "menu_order",
        ],
    )?;
    let view = |p: &Value| {
        if parent.is_some() {
            variation_view(p)
        } else {
            p.clone()
        }
    };
    paged(home, request, items, view)
}

fn list_brands(state: &State, home: &str, request: &HttpRequest) -> Reply {
    let items: Vec<&Value> = state.brands.values().collect();
    paged(home, request, items, Value::clone)
}

fn create_brand(state: &mut State, body: &Value) -> Reply {
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(WooError::new(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): name",
        )
        .with("params", json!(["name"])));
    };
    if let Some(existing) = state.brands.values().find(|b| {
        b["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        let id = existing["id"].clone();
        return Err(WooError::new(
            400,
            "term_exists",
            "A term with the name provided already exists with this parent.",
        )
        .with("resource_id", id.clone())
        .with("term_id", id));
    }
    let id = state.take_id();
    let brand = json!({"id": id, "name": name, "slug": slugify(name), "parent": 0, "description": "",
                       "display": "default", "image": null, "menu_order": 0, "count": 0});
    state.brands.insert(id, brand.clone());
    Ok((201, brand, Vec::new(), 1))
}

// ---------------------------------------------------------------------------------------------
// Batches

enum BatchKind {
    Products,
    Variations(u64),
    Orders,
}

/// `{create, update, delete}`, at most 100 items in all (else 413 and nothing done); each item
/// on its own, creates first, then updates, then deletes; failures are items, not a failed call.
fn batch(state: &mut State, home: &str, body: &Value, kind: BatchKind) -> Reply {
    let part = |key: &str| {
        body.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (creates, updates, deletes) = (part("create"), part("update"), part("delete"));
    if creates.len() + updates.len() + deletes.len() > BATCH_LIMIT {
        return Err(WooError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
        ));
    }
    let mut answer = Map::new();
    let mut written = 0u32;
    let item_error = |id: Value, error: WooError| json!({"id": id, "error": error.body()});
    if body.get("create").is_some() {
        let results = creates
            .iter()
            .map(|item| {
                let result = match kind {
                    BatchKind::Products => create_product(state, home, item, None),
                    BatchKind::Variations(parent) => {
                        create_product(state, home, item, Some(parent))
                    }
                    BatchKind::Orders => create_order(state, home, item, false),
                };
                match result {
                    Ok(created) => {
                        written += 1;
                        created
                    }
                    Err(error) => item_error(json!(0), error),
                }
            })
            .collect();
        answer.insert("create".into(), Value::Array(results));
    }
    if body.get("update").is_some() {
        let results = updates
            .iter()
            .map(|item| {
                let raw_id = item.get("id").cloned().unwrap_or(Value::Null);
                let id = raw_id
                    .as_u64()
                    .or_else(|| raw_id.as_str().and_then(|s| s.parse().ok()))
                    .unwrap_or(0);
                let result = match kind {
                    BatchKind::Products => update_product(state, home, id, item, None),
                    BatchKind::Variations(parent) => {
                        update_product(state, home, id, item, Some(parent))
                    }
                    BatchKind::Orders => update_order(state, home, id, item),
                };
                match result {
                    Ok(updated) => {
                        written += 1;
                        updated
                    }
                    Err(error) => item_error(raw_id, error),
                }
            })
            .collect();
        answer.insert("update".into(), Value::Array(results));
    }
    if body.get("delete").is_some() {
        let results = deletes
            .iter()
            .filter(|id| id.as_u64() != Some(0))
            .map(|raw_id| {
                let id = raw_id.as_u64().unwrap_or(0);
                let result = match kind {
                    BatchKind::Products => delete_product(state, id, None).map(|r| r.1),
                    BatchKind::Variations(parent) => {
                        delete_product(state, id, Some(parent)).map(|r| r.1)
                    }
                    BatchKind::Orders => state
                        .orders
                        .remove(&id)
                        .ok_or_else(|| WooError::invalid_id("order", 404)),
                };
                match result {
                    Ok(deleted) => {
                        written += 1;
                        deleted
                    }
                    Err(error) => item_error(raw_id.clone(), error),
                }
            })
            .collect();
        answer.insert("delete".into(), Value::Array(results));
    }
    Ok((200, Value::Object(answer), Vec::new(), written))
}

// ---------------------------------------------------------------------------------------------
// Orders

fn registered_statuses(state: &State) -> Vec<String> {
    crate::platform::woocommerce::ORDER_STATUSES
        .iter()
        .map(|s| s.to_string())
        .chain(state.custom_statuses.iter().cloned())
        .collect()
}

fn check_status(state: &State, status: &str, param: &str) -> Result<(), WooError> {
    let statuses = registered_statuses(state);
    if statuses.iter().any(|s| s == status) {
        return Ok(());
    }
    Err(WooError::invalid_param(
        param,
        format!("{param} is not one of {}.", statuses.join(", ")),
    ))
}

fn money(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(s)) => parse_cents(s).unwrap_or(0),
        Some(Value::Number(n)) => crate::model::money::parse_number_cents(n).unwrap_or(0),
        _ => 0,
    }
}

fn create_order(
    state: &mut State,
    home: &str,
    body: &Value,
    as_shopper: bool,
) -> Result<Value, WooError> {
    if body.get("id").is_some_and(|id| !id.is_null()) {
        return Err(WooError::new(
            400,
            "woocommerce_rest_shop_order_exists",
            "Cannot create existing order.",
        ));
    }
    let mut status = body
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("pending")
        .to_string();
    check_status(state, &status, "status")?;
    if body.get("set_paid") == Some(&json!(true)) && status == "pending" {
        status = "processing".into();
    }
    let id = state.next_id + 1;
    let mut lines = Vec::new();
    let mut reductions = Vec::new();
    for (index, item) in body
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
        let by_sku = item
            .get("sku")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let wanted = item
            .get("variation_id")
            .and_then(Value::as_u64)
            .filter(|v| *v != 0)
            .or_else(|| item.get("product_id").and_then(Value::as_u64));
        let product = match (by_sku, wanted) {
            (Some(sku), _) => state
                .by_sku
                .get(sku)
                .and_then(|id| state.products.get(id))
                .cloned(),
            (None, Some(id)) => state.products.get(&id).cloned(),
            (None, None) => {
                return Err(WooError::new(
                    400,
                    "woocommerce_rest_required_product_reference",
                    "Product ID or SKU is required.",
                ))
            }
        };
        let Some(product) = product else {
            let what = by_sku
                .map(|s| format!("SKU {s}"))
                .unwrap_or_else(|| format!("product {}", wanted.unwrap_or(0)));
            return Err(WooError::new(
                400,
                "woocommerce_rest_invalid_product_id",
                format!("Invalid product: {what} (line_items[{index}])."),
            ));
        };
        let unit = match item.get("price").or(item.get("subtotal")) {
            Some(given) if item.get("price").is_some() => money(Some(given)),
            Some(given) => money(Some(given)) / quantity.max(1),
            None => parse_cents(product["price"].as_str().unwrap_or("0")).unwrap_or(0),
        };
        let subtotal = unit * quantity;
        let total = item
            .get("total")
            .map(|t| money(Some(t)))
            .unwrap_or(subtotal);
        let is_variation = product["type"] == "variation";
        let parent_id = product["parent_id"].as_u64().unwrap_or(0);
        let parent_name = state.products.get(&parent_id).map(|p| p["name"].clone());
        let name = match (&parent_name, is_variation) {
            (Some(parent), true) => {
                let options: Vec<&str> = product["attributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a["option"].as_str())
                    .collect();
                json!(format!(
                    "{} - {}",
                    parent.as_str().unwrap_or(""),
                    options.join(", ")
                ))
            }
            _ => product["name"].clone(),
        };
        let price = if quantity == 0 {
            0.0
        } else {
            total as f64 / 100.0 / quantity as f64
        };
        lines.push(json!({
            "id": id * 100 + index as u64 + 1, "name": name,
            "product_id": if is_variation { parent_id } else { product["id"].as_u64().unwrap_or(0) },
            "variation_id": if is_variation { product["id"].as_u64().unwrap_or(0) } else { 0 },
            "quantity": quantity, "tax_class": "", "subtotal": format_cents(subtotal), "subtotal_tax": "0.00",
            "total": format_cents(total), "total_tax": "0.00", "taxes": [], "meta_data": [],
            "sku": product["sku"], "global_unique_id": product["global_unique_id"],
            "price": Number::from_f64(price).map(Value::Number).unwrap_or(json!(0)),
            "image": {"id": "", "src": ""}, "parent_name": if is_variation { parent_name.unwrap_or(Value::Null) } else { Value::Null },
        }));
        reductions.push((product["id"].as_u64().unwrap_or(0), quantity));
    }
    if as_shopper && lines.is_empty() {
        return Err(WooError::new(
            400,
            "woocommerce_rest_required_product_reference",
            "An order needs at least one line item.",
        ));
    }
    let shipping_lines: Vec<Value> = body
        .get("shipping_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| json!({"id": id * 100 + 50 + i as u64, "method_title": s.get("method_title").cloned().unwrap_or(json!("")),
                             "method_id": s.get("method_id").cloned().unwrap_or(json!("")), "instance_id": "",
                             "total": format_cents(money(s.get("total"))), "total_tax": "0.00", "taxes": [], "meta_data": []}))
        .collect();
    let fee_lines: Vec<Value> = body
        .get("fee_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, f)| json!({"id": id * 100 + 70 + i as u64, "name": f.get("name").cloned().unwrap_or(json!("")), "tax_class": "",
                             "tax_status": "taxable", "total": format_cents(money(f.get("total"))), "total_tax": "0.00",
                             "taxes": [], "meta_data": []}))
        .collect();
    let coupon_lines: Vec<Value> = body
        .get("coupon_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| json!({"id": id * 100 + 90 + i as u64, "code": c.get("code").cloned().unwrap_or(json!("")),
                             "discount": format_cents(money(c.get("discount"))), "discount_tax": "0.00", "meta_data": []}))
        .collect();
    let sum = |lines: &[Value], key: &str| lines.iter().map(|l| money(l.get(key))).sum::<i64>();
    let discount = sum(&coupon_lines, "discount");
    let shipping_total = sum(&shipping_lines, "total");
    let total = sum(&lines, "total") + shipping_total + sum(&fee_lines, "total");

    // The Brazilian Market plugin keeps its fields as order meta and shows them, digits only,
    // inside `billing` and `shipping`.
    let billing = body.get("billing").cloned().unwrap_or(json!({}));
    let shipping = body.get("shipping").cloned().unwrap_or(json!({}));
    let mut meta: Vec<Value> = body
        .get("meta_data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (source, prefix, fields) in [
        (
            &billing,
            "_billing_",
            &[
                "persontype",
                "cpf",
                "rg",
                "cnpj",
                "ie",
                "birthdate",
                "gender",
                "number",
                "neighborhood",
                "cellphone",
            ][..],
        ),
        (&shipping, "_shipping_", &["number", "neighborhood"][..]),
    ] {
        for field in fields {
            if let Some(value) = source
                .get(*field)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
            {
                let stored = match (*field, value) {
                    ("persontype", "F") => "1",
                    ("persontype", "J") => "2",
                    _ => value,
                };
                meta.push(json!({"key": format!("{prefix}{field}"), "value": stored}));
            }
        }
    }
    for (index, entry) in meta.iter_mut().enumerate() {
        entry["id"] = json!(id * 1000 + index as u64);
    }
    let address = |source: &Value, billing: bool| {
        let text = |key: &str| {
            source
                .get(key)
                .cloned()
                .filter(|v| v.is_string())
                .unwrap_or(json!(""))
        };
        let mut out = json!({"first_name": text("first_name"), "last_name": text("last_name"), "company": text("company"),
            "address_1": text("address_1"), "address_2": text("address_2"), "city": text("city"), "state": text("state"),
            "postcode": text("postcode"), "country": text("country")});
        if billing {
            out["email"] = source.get("email").cloned().unwrap_or(Value::Null);
        }
        out["phone"] = text("phone");
        out["number"] = text("number");
        out["neighborhood"] = text("neighborhood");
        if billing {
            let digits = |key: &str| {
                json!(text(key)
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>())
            };
            out["persontype"] = text("persontype");
            out["cpf"] = digits("cpf");
            out["rg"] = digits("rg");
            out["cnpj"] = digits("cnpj");
            out["ie"] = digits("ie");
            out["birthdate"] = text("birthdate");
            out["gender"] = text("gender");
            out["cellphone"] = text("cellphone");
        }
        out
    };
    let mut order = json!({
        "id": id, "parent_id": 0, "number": id.to_string(), "order_key": format!("wc_order_{}", &oauth::nonce()[..13]),
        "created_via": if as_shopper { "checkout" } else { "rest-api" }, "version": "9.4.0", "status": status,
        "currency": body.get("currency").cloned().unwrap_or(json!("BRL")),
        "discount_total": format_cents(discount), "discount_tax": "0.00", "shipping_total": format_cents(shipping_total),
        "shipping_tax": "0.00", "cart_tax": "0.00", "total": format_cents(total), "total_tax": "0.00",
        "prices_include_tax": false, "customer_id": body.get("customer_id").cloned().unwrap_or(json!(0)),
        "customer_ip_address": "", "customer_user_agent": "",
        "customer_note": body.get("customer_note").cloned().unwrap_or(json!("")),
        "billing": address(&billing, true), "shipping": address(&shipping, false),
        "payment_method": body.get("payment_method").cloned().unwrap_or(json!("")),
        "payment_method_title": body.get("payment_method_title").cloned().unwrap_or(json!("")),
        "transaction_id": "", "date_paid": null, "date_paid_gmt": null, "date_completed": null, "date_completed_gmt": null,
        "cart_hash": "", "meta_data": meta, "line_items": lines, "tax_lines": [], "shipping_lines": shipping_lines,
        "fee_lines": fee_lines, "coupon_lines": coupon_lines, "refunds": [],
        "_links": links(home, &format!("/orders/{id}"), "/orders", None),
    });
    if let Some(customer) = order["customer_id"].as_u64().filter(|c| *c != 0) {
        order["_links"]["customer"] =
            json!([{"href": format!("{home}{PREFIX}/customers/{customer}")}]);
    }
    let now = now_unix();
    set_dates(&mut order, "date_created", now);
    set_dates(&mut order, "date_modified", now);
    if matches!(status.as_str(), "processing" | "completed") {
        set_dates(&mut order, "date_paid", now);
    }
    state.take_id();
    if STOCK_REDUCING_STATUSES.contains(&status.as_str()) {
        reduce_stock(state, &reductions);
    }
    state.orders.insert(id, order.clone());
    Ok(order)
}

fn reduce_stock(state: &mut State, reductions: &[(u64, i64)]) {
    for (product_id, quantity) in reductions {
        if let Some(product) = state.products.get_mut(product_id) {
            if product["manage_stock"] == true {
                let current = product["stock_quantity"].as_i64().unwrap_or(0);
                product["stock_quantity"] = json!(current - quantity);
                product["stock_status"] = json!(if current - quantity > 0 {
                    "instock"
                } else {
                    "outofstock"
                });
            }
        }
    }
}

fn update_order(state: &mut State, _home: &str, id: u64, body: &Value) -> Result<Value, WooError> {
    if !state.orders.contains_key(&id) {
        return Err(WooError::invalid_id("order", 400));
    }
    let new_status = body
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(status) = &new_status {
        check_status(state, status, "status")?;
    }
    let order = state
        .orders
        .get_mut(&id)
        .ok_or_else(|| WooError::invalid_id("order", 400))?;
    for field in [
        "customer_note",
        "payment_method",
        "payment_method_title",
        "transaction_id",
        "currency",
    ] {
        if let Some(value) = body.get(field) {
            order[field] = value.clone();
        }
    }
    for part in ["billing", "shipping"] {
        if let Some(Value::Object(changes)) = body.get(part) {
            for (key, value) in changes {
                order[part][key.as_str()] = value.clone();
            }
        }
    }
    if let Some(entries) = body.get("meta_data").and_then(Value::as_array) {
        let mut meta = order["meta_data"].as_array().cloned().unwrap_or_default();
        for entry in entries {
            let key = entry.get("key").cloned().unwrap_or(Value::Null);
            match meta.iter_mut().find(|m| m["key"] == key) {
                Some(existing) => existing["value"] = entry.get("value").cloned().unwrap_or(Value::Null),
                None => meta.push(json!({"id": id * 1000 + meta.len() as u64, "key": key, "value": entry.get("value").cloned().unwrap_or(Value::Null)})),
            }
        }
        order["meta_data"] = json!(meta);
    }
    // The status is applied after the other fields, so transitions see the new data.
    if let Some(status) = new_status {
        let now = now_unix();
        if status == "completed" && order["date_completed"].is_null() {
            set_dates(order, "date_completed", now);
        }
        if matches!(status.as_str(), "processing" | "completed") && order["date_paid"].is_null() {
            set_dates(order, "date_paid", now);
        }
        order["status"] = json!(status);
    }
    set_dates(order, "date_modified", now_unix());
    Ok(order.clone())
}

fn list_orders(state: &State, home: &str, request: &HttpRequest) -> Reply {
    // `status` is an array: `status=a,b` or `status[]=a&status[]=b`.
    let mut statuses = list_of(request.param("status"));
    statuses.extend(
        request
            .query
            .iter()
            .filter(|(k, _)| k == "status[]")
            .map(|(_, v)| v.clone()),
    );
    for (index, status) in statuses.iter().enumerate() {
        if status != "any" && status != "trash" {
            check_status(state, status, "status").map_err(|_| {
                let allowed: Vec<String> = ["any".to_string(), "trash".to_string()]
                    .into_iter()
                    .chain(registered_statuses(state))
                    .collect();
                WooError::invalid_param(
                    "status",
                    format!("status[{index}] is not one of {}.", allowed.join(", ")),
                )
            })?;
        }
    }
    let gmt = request
        .param("dates_are_gmt")
        .is_some_and(|v| matches!(v, "true" | "1"));
    let bound = |name: &str| -> Result<Option<i64>, WooError> {
        match request.param(name) {
            None | Some("") => Ok(None),
            Some(text) => crate::time::parse(text)
                .map(|t| Some(if gmt { t } else { t - SITE_OFFSET_SECONDS }))
                .ok_or_else(|| WooError::invalid_param(name, "Invalid date.".to_string())),
        }
    };
    let (modified_after, modified_before, after, before) = (
        bound("modified_after")?,
        bound("modified_before")?,
        bound("after")?,
        bound("before")?,
    );
    let time_of = |order: &Value, field: &str| {
        order[field]
            .as_str()
            .and_then(crate::time::parse)
            .unwrap_or(0)
    };
    let include: Vec<u64> = list_of(request.param("include"))
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let customer = request
        .param("customer")
        .and_then(|c| c.parse::<u64>().ok());
    let mut items: Vec<&Value> = state
        .orders
        .values()
        .filter(|o| {
            statuses.is_empty()
                || statuses
                    .iter()
                    .any(|s| s == "any" || o["status"] == s.as_str())
        })
        .filter(|o| modified_after.is_none_or(|t| time_of(o, "date_modified_gmt") > t))
        .filter(|o| modified_before.is_none_or(|t| time_of(o, "date_modified_gmt") < t))
        .filter(|o| after.is_none_or(|t| time_of(o, "date_created_gmt") > t))
        .filter(|o| before.is_none_or(|t| time_of(o, "date_created_gmt") < t))
        .filter(|o| include.is_empty() || o["id"].as_u64().is_some_and(|id| include.contains(&id)))
        .filter(|o| customer.is_none_or(|c| o["customer_id"].as_u64() == Some(c)))
        .collect();
    order_by(
        &mut items,
        request,
        &["date", "id", "include", "title", "slug", "modified"],
    )?;
    paged(home, request, items, Value::clone)
}

fn create_note(state: &mut State, home: &str, order_id: u64, body: &Value) -> Reply {
    if !state.orders.contains_key(&order_id) {
        return Err(WooError::invalid_id("order", 404));
    }
    let Some(note) = body
        .get("note")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(WooError::new(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): note",
        )
        .with("params", json!(["note"])));
    };
    let id = state.take_id();
    let by_user = body.get("added_by_user") == Some(&json!(true));
    let mut stored = json!({
        "id": id, "author": if by_user { "admin" } else { "system" }, "note": note,
        "customer_note": body.get("customer_note").cloned().unwrap_or(json!(false)),
        "_links": links(home, &format!("/orders/{order_id}/notes/{id}"), &format!("/orders/{order_id}/notes"), Some(format!("/orders/{order_id}"))),
    });
    set_dates(&mut stored, "date_created", now_unix());
    state
        .notes
        .entry(order_id)
        .or_default()
        .push(stored.clone());
    Ok((201, stored, Vec::new(), 1))
}

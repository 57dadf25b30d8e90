//! A WooCommerce store in memory that answers the REST API v3 as the official docs, the plugin's
//! code and a real store (`shared/realstores/woocommerce`) show it: OAuth 1.0a over plain HTTP
//! with the timestamp window and nonce store, key permissions, unique SKU and GTIN with the exact
//! duplicate errors, `sku=` look-ups that return variations, paging headers and MariaDB's unstable
//! ties, 100-item batches, order statuses (unregistered ones coerced in batches, refused
//! elsewhere), notes, stock moved by order statuses, taxes, the Brazilian Market plugin's order
//! fields, and the differences between WooCommerce versions.
//!
//! This file is the store itself: its state, the merchant's and shopper's side (`WooStore`'s
//! methods), authentication, and the routing table, which lists the endpoints in the order of the
//! REST API reference. Each resource lives in its own file, as the reference groups them:
//! `products` (products and variations), `terms` (product categories), `brands`, `orders`
//! (orders, their lines and stock, notes), `refunds`, `taxes` (rates, classes and the
//! `woocommerce_calc_taxes` setting), `info` (system status, the order totals report, the
//! products schema), and `batch` (the `{create, update, delete}` endpoints of them all). Beside
//! them: `errors` (WordPress's error envelope and schema checks), `listing` (collection reads),
//! `media` (sideloaded images), `html` (kses and wpautop), `brazil` (the Brazilian Market plugin)
//! and `profile` (the WooCommerce version played).

mod batch;
mod brands;
mod brazil;
mod errors;
mod html;
mod info;
mod listing;
mod media;
mod orders;
mod products;
pub mod profile;
mod refunds;
mod taxes;
mod terms;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::server::{control_done, control_refused, Handled, Handler, HttpRequest, HttpResponse};
use crate::platform::oauth::{self, SignatureMethod};
use crate::time::{format_naive, now_unix};
use batch::BatchKind;
use errors::WooError;
use orders::Origin;
pub use profile::{WcVersion, WooOptions};
use taxes::TaxRate;

const PREFIX: &str = "/wp-json/wc/v3";
/// The OAuth timestamp window and nonce lifetime, as WooCommerce sets them.
const OAUTH_WINDOW_SECONDS: i64 = 15 * 60;
/// The sandbox store's local time zone (São Paulo, UTC-3), so `date_created` and
/// `date_created_gmt` differ as they do in a Brazilian store.
const SITE_OFFSET_SECONDS: i64 = -3 * 3600;

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

#[derive(Default)]
struct State {
    next_id: u64,
    products: BTreeMap<u64, Value>,
    orders: BTreeMap<u64, Value>,
    notes: BTreeMap<u64, Vec<Value>>,
    /// Refund records by order id, oldest first.
    refunds: BTreeMap<u64, Vec<Value>>,
    brands: BTreeMap<u64, Value>,
    keys: Vec<ApiKey>,
    /// Used nonces per consumer key, by timestamp: WooCommerce keeps one nonce per timestamp.
    nonces: HashMap<String, BTreeMap<i64, String>>,
    /// Custom order statuses and their labels, in the order they were registered.
    custom_statuses: Vec<(String, String)>,
    /// Product or variation id by SKU and by GTIN: both are unique across the store.
    by_sku: HashMap<String, u64>,
    by_gtin: HashMap<String, u64>,
    /// The stock each order has taken and not given back, by order id: WooCommerce's
    /// `_order_stock_reduced` flag with each line's `_reduced_stock`.
    stock_taken: HashMap<u64, Vec<(u64, i64)>>,
    /// `woocommerce_calc_taxes`: off on a new store, as on the real one.
    calc_taxes: bool,
    tax_rates: Vec<TaxRate>,
    /// Product categories by term id; terms have their own sequence (`next_term_id`).
    categories: BTreeMap<u64, Value>,
    next_term_id: u64,
    /// Uploaded images by attachment id (a post id, from `next_id`).
    attachments: BTreeMap<u64, media::Attachment>,
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

/// Who the store is: where it answers, which WooCommerce it plays, which plugins it has.
struct Ctx {
    home: String,
    version: WcVersion,
    brazilian_market: bool,
}

/// The in-memory WooCommerce store.
pub struct WooStore {
    ctx: Ctx,
    state: Mutex<State>,
}

/// A REST answer: its status, body and headers, and how many items it wrote.
type Answer = (u16, Value, Vec<(String, String)>, u32);
type Reply = Result<Answer, WooError>;

fn ok(status: u16, value: Value, written: u32) -> Reply {
    Ok((status, value, Vec::new(), written))
}

/// `201` with the item created.
fn created(item: Value) -> Answer {
    (201, item, Vec::new(), 1)
}

/// `200` with the item changed or deleted.
fn changed(item: Value) -> Answer {
    (200, item, Vec::new(), 1)
}

/// `200` with what was read; nothing written.
fn read(value: Value) -> Answer {
    (200, value, Vec::new(), 0)
}

impl WooStore {
    /// A WooCommerce 10.0.2 store with the Brazilian Market plugin answering at `home_url`, with
    /// one read/write API key.
    pub fn new(home_url: &str) -> WooStore {
        WooStore::with_options(home_url, &WooOptions::default())
    }

    /// A store answering at `home_url` as `options` say (the port in them is not used here).
    pub fn with_options(home_url: &str, options: &WooOptions) -> WooStore {
        let store = WooStore {
            ctx: Ctx {
                home: home_url.trim_end_matches('/').to_string(),
                version: options.version,
                brazilian_market: options.brazilian_market,
            },
            state: Mutex::new(State {
                next_id: 100,
                ..State::default()
            }),
        };
        terms::seed(&mut store.lock());
        store.add_key(Permissions::ReadWrite);
        store
    }

    pub fn version(&self) -> WcVersion {
        self.ctx.version
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

    /// Registers a custom order status labelled with its own slug.
    pub fn register_status(&self, slug: &str) {
        self.register_status_labeled(slug, slug);
    }

    /// Registers a custom order status with its label, as a plugin does with
    /// `register_post_status` and `wc_order_statuses`. Registering a slug again changes its label.
    pub fn register_status_labeled(&self, slug: &str, label: &str) {
        let mut state = self.lock();
        match state.custom_statuses.iter_mut().find(|(s, _)| s == slug) {
            Some(existing) => existing.1 = label.to_string(),
            None => state
                .custom_statuses
                .push((slug.to_string(), label.to_string())),
        }
    }

    /// Moves a product to the trash, as the merchant does in the admin.
    pub fn trash_product(&self, id: u64) -> Result<(), String> {
        products::trash_product(&mut self.lock(), id)
            .map(|_| ())
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    /// Deletes a product for good (and its variations), as emptying the trash does.
    pub fn delete_product(&self, id: u64) -> Result<(), String> {
        products::delete_product(&mut self.lock(), id, None)
            .map(|_| ())
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    /// Forgets a custom order status, as when its plugin is reconfigured or turned off; orders
    /// already in it keep it.
    pub fn unregister_status(&self, slug: &str) {
        self.lock().custom_statuses.retain(|(s, _)| s != slug);
    }

    /// Sets the one tax rate of a tax class (`""` or `"standard"`, `"reduced-rate"`,
    /// `"zero-rate"`), in basis points (1000 is 10%), named `label`, applied to shipping or not,
    /// for Brazil (country BR, any state: the sandbox's orders and its base address); and turns
    /// taxes on (`woocommerce_calc_taxes`). Returns the rate's id.
    pub fn set_tax_rate(
        &self,
        class: &str,
        label: &str,
        basis_points: u32,
        shipping: bool,
    ) -> Result<u64, String> {
        let class = taxes::rate_class(class).ok_or_else(|| format!("no tax class {class:?}"))?;
        let mut state = self.lock();
        state.tax_rates.retain(|r| r.class != class);
        let mut rate = TaxRate::new(
            taxes::next_rate_id(&state.tax_rates),
            class,
            label,
            i64::from(basis_points) * 100,
            shipping,
        );
        rate.country = "BR".to_string();
        let id = rate.id;
        state.tax_rates.push(rate);
        state.calc_taxes = true;
        Ok(id)
    }

    /// Turns tax calculation on or off, as `woocommerce_calc_taxes` does.
    pub fn set_calc_taxes(&self, on: bool) {
        self.lock().calc_taxes = on;
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

    /// The product categories, as the store keeps them (`parent` 0 at the top).
    pub fn categories(&self) -> Vec<Value> {
        self.lock().categories.values().cloned().collect()
    }

    /// Creates a category as the merchant would in the admin; answers its id.
    pub fn seed_category(&self, name: &str, parent: Option<u64>) -> Result<u64, String> {
        let body = json!({"name": name, "parent": parent.unwrap_or(0)});
        let mut state = self.lock();
        let term = terms::create(&mut state, &self.ctx, &body, false).map_err(|e| e.message)?;
        term["id"].as_u64().ok_or_else(|| "no id".to_string())
    }

    /// Deletes a picture from the media library as the merchant would: products and variations
    /// stop showing it, and its id is no longer a picture.
    pub fn delete_attachment(&self, id: u64) {
        let mut state = self.lock();
        state.attachments.remove(&id);
        for product in state.products.values_mut() {
            if let Some(images) = product.get_mut("images").and_then(Value::as_array_mut) {
                images.retain(|i| i["id"] != id);
            }
            if product.get("image").is_some_and(|i| i["id"] == id) {
                product["image"] = Value::Null;
            }
        }
    }

    /// Changes a product as the merchant would in the admin (pictures given by `src` are
    /// downloaded first, as the REST route does).
    pub fn update_product(&self, id: u64, changes: &Value) -> Result<Value, String> {
        let fetched = media::prefetch(changes);
        let mut state = self.lock();
        products::update_product(&mut state, &self.ctx, &fetched, id, changes, None)
            .map_err(|e| e.message)
    }

    /// Puts an order exactly as given (with its `id`), for fixtures and staged scenarios. It has
    /// taken no stock.
    pub fn seed_order(&self, order: Value) -> Result<u64, String> {
        let id = order
            .get("id")
            .and_then(Value::as_u64)
            .ok_or("a seeded order needs a numeric id")?;
        let mut state = self.lock();
        state.next_id = state.next_id.max(id);
        state.stock_taken.remove(&id);
        state.orders.insert(id, order);
        Ok(id)
    }

    /// Places an order as a shopper would at checkout: line items by `sku` (or `product_id`),
    /// prices from the catalog, taxes and totals computed, stock taken for paid statuses. The
    /// checkout form's Brazilian fields (`billing.cpf`, `cnpj`, `persontype` "F"/"J", `number`,
    /// `neighborhood`, ...; `shipping.number`, `neighborhood`) are saved as the order meta the
    /// Brazilian Market plugin's checkout writes.
    pub fn place_order(&self, order: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        orders::create_order(&mut state, &self.ctx, order, Origin::Checkout)
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    /// Refunds an order as `POST orders/{id}/refunds` does: `amount`, `reason`, `line_items`
    /// (`id`, `quantity`, `refund_total`), `api_refund` (must be false here), `api_restock`.
    pub fn refund_order(&self, id: u64, refund: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        refunds::create(&mut state, &self.ctx.home, id, refund)
            .map(|(_, value, _, _)| value)
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    /// Changes an order as the merchant or a payment gateway would: its status (with the stock
    /// that moves), its fields, or (to stage a test) its modification time.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        let order = orders::update_order(&mut state, &self.ctx, id, changes, Origin::Rest)
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
        let url = format!("{}{}", self.ctx.home, request.path);
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

    /// The REST API's endpoints, in the order of the API reference. Ids are numeric path
    /// segments, so a word such as `batch` or `categories` never reads as an id.
    fn route(&self, request: &HttpRequest, body: &Value) -> Reply {
        let route = request.path.strip_prefix(PREFIX).unwrap_or("");
        let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.as_str();
        let editable = matches!(method, "POST" | "PUT" | "PATCH");
        let id = |s: &str| s.parse::<u64>().ok();
        // Image downloads happen before the lock: a `src` on the sandbox itself must not wait
        // for it, and other requests need not wait for a slow image server.
        let fetched = if editable && segments.first() == Some(&"products") {
            media::prefetch(body)
        } else {
            media::Fetched::new()
        };
        let fetched = &fetched;
        let mut state = self.lock();
        let state = &mut *state;
        let ctx = &self.ctx;
        let brands = ctx.version.has_brands();
        match (segments.as_slice(), method) {
            // Products
            (["products"], "GET") => products::list_products(state, ctx, request, None),
            (["products"], "POST") => {
                products::create_product(state, ctx, fetched, body, None).map(created)
            }
            (["products"], "OPTIONS") => info::products_options(ctx),
            (["products", p], "GET") if id(p).is_some() => {
                products::get(state, request, id(p).unwrap_or(0))
            }
            (["products", p], _) if editable && id(p).is_some() => {
                products::update_product(state, ctx, fetched, id(p).unwrap_or(0), body, None)
                    .map(changed)
            }
            (["products", p], "DELETE") if id(p).is_some() => {
                products::delete(state, request, id(p).unwrap_or(0))
            }
            (["products", "batch"], _) if editable => {
                batch::batch(state, ctx, fetched, body, BatchKind::Products)
            }

            // Product variations
            (["products", p, "variations"], "GET") if id(p).is_some() => {
                products::list_variations(state, ctx, request, id(p).unwrap_or(0))
            }
            (["products", p, "variations"], "POST") if id(p).is_some() => {
                products::create_product(state, ctx, fetched, body, id(p)).map(created)
            }
            (["products", p, "variations", v], "GET") if id(p).is_some() && id(v).is_some() => {
                products::get_product(state, id(v).unwrap_or(0), id(p)).map(read)
            }
            (["products", p, "variations", v], _)
                if editable && id(p).is_some() && id(v).is_some() =>
            {
                products::update_product(state, ctx, fetched, id(v).unwrap_or(0), body, id(p))
                    .map(changed)
            }
            (["products", p, "variations", v], "DELETE") if id(p).is_some() && id(v).is_some() => {
                products::delete_product(state, id(v).unwrap_or(0), id(p))
            }
            // A parent that is gone fails each item (`woocommerce_rest_product_variation_invalid_id`,
            // 404), not the request: seen on 10.0.2 after the parent was deleted for good.
            (["products", p, "variations", "batch"], _) if editable && id(p).is_some() => {
                let parent = id(p).unwrap_or(0);
                batch::batch(state, ctx, fetched, body, BatchKind::Variations(parent))
            }

            // Product categories
            (["products", "categories"], "GET") => terms::list(state, ctx, request),
            (["products", "categories"], "POST") => {
                terms::create(state, ctx, body, false).map(created)
            }
            (["products", "categories", c], "GET") if id(c).is_some() => {
                terms::get(state, ctx, id(c).unwrap_or(0)).map(read)
            }
            (["products", "categories", c], _) if editable && id(c).is_some() => {
                terms::update(state, ctx, id(c).unwrap_or(0), body).map(changed)
            }
            (["products", "categories", c], "DELETE") if id(c).is_some() => {
                let force = matches!(request.param("force"), Some("true" | "1"));
                terms::delete(state, ctx, id(c).unwrap_or(0), force).map(changed)
            }
            (["products", "categories", "batch"], _) if editable => {
                batch::batch(state, ctx, fetched, body, BatchKind::Categories)
            }

            // Product brands (10.0.2 only)
            (["products", "brands"], "GET") if brands => brands::list(state, ctx, request),
            (["products", "brands"], "POST") if brands => brands::create(state, body),
            (["products", "brands", b], "GET") if brands && id(b).is_some() => {
                brands::get(state, id(b).unwrap_or(0))
            }
            (["products", "brands", "batch"], _) if brands && editable => {
                batch::batch(state, ctx, fetched, body, BatchKind::Brands)
            }

            // Orders
            (["orders"], "GET") => orders::list_orders(state, ctx, request),
            (["orders"], "POST") => {
                orders::create_order(state, ctx, body, Origin::Rest).map(created)
            }
            (["orders", o], "GET") if id(o).is_some() => orders::get(state, id(o).unwrap_or(0)),
            (["orders", o], _) if editable && id(o).is_some() => {
                orders::update_order(state, ctx, id(o).unwrap_or(0), body, Origin::Rest)
                    .map(changed)
            }
            (["orders", "batch"], _) if editable => {
                batch::batch(state, ctx, fetched, body, BatchKind::Orders)
            }

            // Order notes
            (["orders", o, "notes"], "GET") if id(o).is_some() => {
                orders::list_notes(state, id(o).unwrap_or(0))
            }
            (["orders", o, "notes"], "POST") if id(o).is_some() => {
                orders::create_note(state, &ctx.home, id(o).unwrap_or(0), body)
            }

            // Order refunds
            (["orders", o, "refunds"], "GET") if id(o).is_some() => {
                refunds::list(state, id(o).unwrap_or(0))
            }
            (["orders", o, "refunds"], "POST") if editable && id(o).is_some() => {
                refunds::create(state, &ctx.home, id(o).unwrap_or(0), body)
            }

            // Reports
            (["reports", "orders", "totals"], "GET") => ok(200, info::order_totals(state), 0),

            // Taxes
            (["taxes"], "GET") => taxes::list(state, ctx),
            (["taxes"], "POST") => taxes::create(state, ctx, body),
            (["taxes", t], "GET") if id(t).is_some() => taxes::get(state, ctx, id(t).unwrap_or(0)),

            // Tax classes
            (["taxes", "classes"], "GET") => ok(200, taxes::classes_view(ctx), 0),

            // Settings
            (["settings", "general", "woocommerce_calc_taxes"], "GET") => {
                ok(200, taxes::calc_taxes_setting(ctx, state.calc_taxes), 0)
            }
            (["settings", "general", "woocommerce_calc_taxes"], _) if editable => {
                taxes::update_calc_taxes(state, ctx, body)
            }

            // System status
            (["system_status"], "GET") => ok(200, info::system_status(state, ctx), 0),

            _ => Err(WooError::no_route()),
        }
    }
}

/// The `Link` header WordPress sends with every REST answer that has no paging links.
fn api_link(home: &str) -> (String, String) {
    (
        "Link".to_string(),
        format!("<{home}/wp-json/>; rel=\"https://api.w.org/\""),
    )
}

impl Handler for WooStore {
    fn handle(&self, request: &HttpRequest) -> Handled {
        let home = self.ctx.home.as_str();
        let reply = |mut response: HttpResponse, items_written: u32| {
            if !response.headers.iter().any(|(name, _)| name == "Link") {
                response.headers.push(api_link(home));
            }
            Handled {
                response,
                items_written,
            }
        };
        if !request.path.starts_with("/wp-json/") {
            // The uploads folder is served as files, as the real store's web server serves it.
            if matches!(request.method.as_str(), "GET" | "HEAD") {
                if let Some((mime, bytes)) = media::serve(&self.lock(), &request.path) {
                    let response = HttpResponse {
                        status: 200,
                        headers: vec![("Content-Type".into(), mime.into())],
                        body: bytes,
                    };
                    return Handled {
                        response,
                        items_written: 0,
                    };
                }
            }
            return reply(WooError::no_route().response(), 0);
        }
        let key = match self.authenticate(request) {
            Ok(key) => key,
            Err(error) => return reply(error.response(), 0),
        };
        // WooCommerce checks a key's permissions for reads (GET, HEAD) and writes (POST, PUT,
        // PATCH, DELETE); OPTIONS is neither, and answers anyone (seen on 10.0.2 and 8.9.3).
        let method = request.method.as_str();
        let reading = matches!(method, "GET" | "HEAD");
        let describing = method == "OPTIONS";
        match &key {
            Some(key) if !describing => {
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
            Some(_) => {}
            None if describing => {}
            None => return reply(anonymous_refusal(request).response(), 0),
        }
        let body = if request.body.is_empty() || reading || describing {
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
            Ok((status, value, mut headers, written)) => {
                // `Allow` lists the methods the caller may use: none without credentials, so a
                // real store sends no such header then (10.0.2 and 8.9.3).
                if key.is_none() {
                    headers.retain(|(name, _)| name != "Allow");
                }
                let mut response = HttpResponse::json(status, &value);
                response.headers.extend(headers);
                reply(response, written)
            }
            Err(error) => reply(error.response(), 0),
        }
    }

    /// The WooCommerce staging routes: `info`, `orders` (GET, POST a shopper's order, PUT
    /// `orders/{id}`), `products` (GET, POST one as given), `keys`, `statuses`, `taxes`.
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(json!({}));
        let path = request.path.trim_start_matches("/__sandbox/");
        Some(match (path, request.method.as_str()) {
            ("info", "GET") => {
                let key = self.first_key();
                HttpResponse::json(
                    200,
                    &json!({"platform": "woocommerce", "base_url": self.ctx.home,
                            "wc_version": self.ctx.version.as_str(),
                            "brazilian_market": self.ctx.brazilian_market,
                            "consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}),
                )
            }
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
            ("keys", "POST") => match serde_json::from_value::<Permissions>(
                body.get("permissions")
                    .cloned()
                    .unwrap_or(json!("read_write")),
            ) {
                Ok(permissions) => HttpResponse::json(201, &json!(self.add_key(permissions))),
                Err(err) => control_refused(err.to_string()),
            },
            ("statuses", "POST") => match body.get("slug").and_then(Value::as_str) {
                Some(slug) => {
                    let label = body.get("label").and_then(Value::as_str).unwrap_or(slug);
                    self.register_status_labeled(slug, label);
                    control_done()
                }
                None => control_refused("slug is required".into()),
            },
            ("taxes", "POST") => {
                let class = body.get("class").and_then(Value::as_str).unwrap_or("");
                let label = body.get("label").and_then(Value::as_str).unwrap_or("");
                let basis_points = body.get("basis_points").and_then(Value::as_u64);
                let shipping = body
                    .get("shipping")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                match basis_points.and_then(|b| u32::try_from(b).ok()) {
                    Some(bp) => match self.set_tax_rate(class, label, bp, shipping) {
                        Ok(id) => HttpResponse::json(200, &json!({"id": id})),
                        Err(message) => control_refused(message),
                    },
                    None => control_refused("basis_points is required (1000 is 10%)".into()),
                }
            }
            (order, "PUT") if order.starts_with("orders/") => {
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
        HttpResponse::json(
            429,
            &json!({"code": "too_many_requests", "message": "Too Many Requests", "data": {"status": 429}}),
        )
    }

    fn unreadable(&self, status: u16) -> HttpResponse {
        HttpResponse::json(
            status,
            &json!({"code": "rest_invalid_request", "message": "The request could not be read.", "data": {"status": status}}),
        )
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

fn set_dates(object: &mut Value, field: &str, unix: i64) {
    object[field] = json!(format_naive(unix + SITE_OFFSET_SECONDS));
    object[format!("{field}_gmt")] = json!(format_naive(unix));
}

/// A post's or term's slug from its name (`sanitize_title`: "Panela de Pressão" is
/// `panela-de-pressao`).
fn slugify(name: &str) -> String {
    terms::sanitize_title(name)
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

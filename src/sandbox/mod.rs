//! Simulated stores that speak each platform's real API over real HTTP on 127.0.0.1: what the
//! tests, the benchmarks and the demo run against, and where integrators rehearse before they
//! touch a live store. State is in memory; a control surface under `/__sandbox/` (and the same
//! methods in Rust) places shopper orders, injects faults, sets latency and reads counters.
//!
//! Two platforms, over the one server (`server.rs`): WooCommerce (`WooSandbox`, the store in
//! `woocommerce/`) and Nuvemshop (`NuvemSandbox`, the store in `nuvemshop/`).

pub mod mercadolivre;
pub mod nuvemshop;
pub mod server;
pub mod woocommerce;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

pub use nuvemshop::NuvemOptions;
pub use server::{Fault, FaultRule, Latency};
pub use woocommerce::{ApiKey, Permissions, WcVersion, WooOptions};

use crate::model::config::{Credentials, IntegrationConfig, Secret};
use crate::platform::http::{Clock, SystemClock};
use nuvemshop::NuvemStore;
use server::Server;
use woocommerce::WooStore;

/// A running WooCommerce sandbox store. Dropping it stops the server.
pub struct WooSandbox {
    server: Server,
    store: Arc<WooStore>,
}

impl std::fmt::Debug for WooSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WooSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl WooSandbox {
    /// Starts a store on a free port of 127.0.0.1.
    pub fn start() -> std::io::Result<WooSandbox> {
        Self::start_on(0)
    }

    /// Starts a store on `port` of 127.0.0.1 (0 picks a free one).
    pub fn start_on(port: u16) -> std::io::Result<WooSandbox> {
        Self::start_with(WooOptions {
            port,
            ..WooOptions::default()
        })
    }

    /// Starts a store as `options` say: its port, the WooCommerce version it answers as (10.0.2
    /// by default; 9.5.2 and 8.9.3 lack brands, 8.9.3 also GTINs), and whether the Brazilian
    /// Market plugin is active (it is by default).
    pub fn start_with(options: WooOptions) -> std::io::Result<WooSandbox> {
        // The store signs its URLs with its own address, so bind first, then build the store.
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        let address = listener.local_addr()?;
        drop(listener);
        let store = Arc::new(WooStore::with_options(
            &format!("http://{address}"),
            &options,
        ));
        let server = Server::start(store.clone(), address.port())?;
        Ok(WooSandbox { server, store })
    }

    /// The WooCommerce version this store answers as.
    pub fn version(&self) -> WcVersion {
        self.store.version()
    }

    /// `http://127.0.0.1:PORT`, the site address an integration config uses.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.address())
    }

    /// The read/write key the store starts with.
    pub fn key(&self) -> ApiKey {
        self.store.first_key()
    }

    /// The starting key as Ponte credentials.
    pub fn credentials(&self) -> Credentials {
        let key = self.key();
        Credentials {
            consumer_key: Some(Secret::new(key.consumer_key)),
            consumer_secret: Some(Secret::new(key.consumer_secret)),
            access_token: None,
            ..Credentials::default()
        }
    }

    /// An integration config for this store: its URL, `allow_http`, and the starting key.
    pub fn integration_config(&self, id: &str) -> IntegrationConfig {
        let mut config: IntegrationConfig = serde_json::from_value(serde_json::json!({
            "id": id, "platform": "woocommerce", "base_url": self.base_url(), "allow_http": true,
        }))
        .expect("a literal config is valid");
        config.credentials = Some(self.credentials());
        config
    }

    /// Issues another API key with these permissions.
    pub fn add_key(&self, permissions: Permissions) -> ApiKey {
        self.store.add_key(permissions)
    }

    /// Registers a custom order status, labelled with its slug, as a plugin would.
    pub fn register_status(&self, slug: &str) {
        self.store.register_status(slug);
    }

    /// Registers a custom order status with its label (`"received"`, `"Recebido"`), as the kit's
    /// `--statuses received:Recebido` does; the label is the `name` in the order totals report.
    pub fn register_status_labeled(&self, slug: &str, label: &str) {
        self.store.register_status_labeled(slug, label);
    }

    /// Moves a product to the trash, as the merchant does in the admin.
    pub fn trash_product(&self, id: u64) -> Result<(), String> {
        self.store.trash_product(id)
    }

    /// Deletes a product and its variations for good, as emptying the trash does.
    pub fn delete_product(&self, id: u64) -> Result<(), String> {
        self.store.delete_product(id)
    }

    /// Forgets a custom order status, as a reconfigured status plugin does.
    pub fn unregister_status(&self, slug: &str) {
        self.store.unregister_status(slug);
    }

    /// Sets the one tax rate of a class (`""`/`"standard"`, `"reduced-rate"`, `"zero-rate"`):
    /// `basis_points` (1000 is 10%), its label, whether shipping pays it. Turns taxes on. Returns
    /// the rate's id.
    pub fn set_tax_rate(
        &self,
        class: &str,
        label: &str,
        basis_points: u32,
        shipping: bool,
    ) -> Result<u64, String> {
        self.store
            .set_tax_rate(class, label, basis_points, shipping)
    }

    /// Turns tax calculation on or off (`woocommerce_calc_taxes`; off on a new store).
    pub fn set_calc_taxes(&self, on: bool) {
        self.store.set_calc_taxes(on);
    }

    /// Places an order as a shopper would; see `WooStore::place_order`.
    pub fn place_order(&self, order: &Value) -> Result<Value, String> {
        self.store.place_order(order)
    }

    /// Changes an order's status or modification time, as the merchant or a gateway would.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        self.store.update_order(id, changes)
    }

    /// Refunds an order as the merchant would from the admin; see `WooStore::refund_order`.
    pub fn refund_order(&self, id: u64, refund: &Value) -> Result<Value, String> {
        self.store.refund_order(id, refund)
    }

    /// Puts a product exactly as given, `id` included.
    pub fn seed_product(&self, product: Value) -> Result<u64, String> {
        self.store.seed_product(product)
    }

    /// The product categories, as the store keeps them.
    pub fn categories(&self) -> Vec<Value> {
        self.store.categories()
    }

    /// Creates a category as the merchant would; answers its id.
    pub fn seed_category(&self, name: &str, parent: Option<u64>) -> Result<u64, String> {
        self.store.seed_category(name, parent)
    }

    /// Deletes a picture from the media library, as the merchant would.
    pub fn delete_attachment(&self, id: u64) {
        self.store.delete_attachment(id)
    }

    /// Changes a product as the merchant would in the admin.
    pub fn update_product(&self, id: u64, changes: &Value) -> Result<Value, String> {
        self.store.update_product(id, changes)
    }

    /// Puts an order exactly as given, `id` included.
    pub fn seed_order(&self, order: Value) -> Result<u64, String> {
        self.store.seed_order(order)
    }

    pub fn products(&self) -> Vec<Value> {
        self.store.products()
    }

    pub fn orders(&self) -> Vec<Value> {
        self.store.orders()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.store.order(id)
    }

    pub fn order_notes(&self, id: u64) -> Vec<Value> {
        self.store.order_notes(id)
    }

    /// Injects a fault into the next matching requests.
    pub fn inject(&self, rule: FaultRule) {
        self.server.controls().add_fault(rule);
    }

    /// Waits until a request is held by a `Fault::Hold` named `name` (false after two minutes
    /// without one).
    pub fn wait_held(&self, name: &str) -> bool {
        self.server.controls().wait_held(name)
    }

    /// Lets the request held under `name` go on.
    pub fn release(&self, name: &str) {
        self.server.controls().release(name);
    }

    pub fn clear_faults(&self) {
        self.server.controls().clear_faults();
    }

    /// Closes keep-alive connections left idle this long, as a web server does; `None`, the
    /// default, keeps them open.
    pub fn set_idle_timeout(&self, idle: Option<std::time::Duration>) {
        self.server.controls().set_idle_timeout(idle);
    }

    pub fn set_latency(&self, latency: Latency) {
        self.server.controls().set_latency(latency);
    }

    /// Requests served, by `METHOD /path` with ids as `{id}`.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.server.controls().counters()
    }

    /// Requests served that may write (anything but GET, OPTIONS and HEAD).
    pub fn write_requests(&self) -> u64 {
        self.counters()
            .iter()
            .filter(|(route, _)| {
                !["GET ", "OPTIONS ", "HEAD "]
                    .iter()
                    .any(|m| route.starts_with(m))
            })
            .map(|(_, count)| count)
            .sum()
    }

    pub fn total_requests(&self) -> u64 {
        self.counters().values().sum()
    }

    /// The simulated latency (`set_latency`) served since the counters were reset, in ms.
    pub fn latency_served_ms(&self) -> u64 {
        self.server.controls().latency_served_ms()
    }

    /// Throttles the API like a host or WAF: `capacity` requests at once, drained at
    /// `per_second`; above that, 429 with `Retry-After`. `None` lifts the limit.
    pub fn set_rate_limit(&self, limit: Option<(u32, u32)>) {
        self.set_rate_limit_on(limit, Arc::new(crate::platform::http::SystemClock));
    }

    /// The same, draining on `clock`'s time rather than the machine's: given the client's own
    /// clock, whether a request is throttled depends only on what the client sent and waited.
    pub fn set_rate_limit_on(
        &self,
        limit: Option<(u32, u32)>,
        clock: Arc<dyn crate::platform::http::Clock>,
    ) {
        self.server.controls().set_rate_limit(limit, clock);
    }

    /// Requests the rate limit answered with 429.
    pub fn throttled(&self) -> u64 {
        self.server.controls().throttled()
    }

    /// TCP connections accepted so far (keep-alive reuses one for many requests).
    pub fn connections(&self) -> u64 {
        self.server.controls().connections()
    }

    pub fn reset_counters(&self) {
        self.server.controls().reset_counters();
    }

    /// Stops the server (also done on drop).
    pub fn stop(mut self) {
        self.server.stop();
    }
}

/// A running Nuvemshop sandbox store. Dropping it stops the server.
///
/// The API answers at `{base_url}/{version}/{store_id}/...`, `version` being `v1` or a dated
/// one such as `2025-03`, with `Authentication: bearer {access_token}` and a `User-Agent`; see
/// `nuvemshop`'s module documentation for what it plays and where it chooses.
pub struct NuvemSandbox {
    server: Server,
    store: Arc<NuvemStore>,
}

impl std::fmt::Debug for NuvemSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NuvemSandbox")
            .field("base_url", &self.base_url())
            .field("store_id", &self.store_id())
            .finish()
    }
}

impl NuvemSandbox {
    /// Starts a store on a free port of 127.0.0.1, with the real store's rate limit (a bucket of
    /// 40 leaking 2 a second).
    pub fn start() -> std::io::Result<NuvemSandbox> {
        Self::start_with(NuvemOptions::default())
    }

    /// Starts a store as `options` say: port, store id, rate limit, product limit, credentials.
    pub fn start_with(options: NuvemOptions) -> std::io::Result<NuvemSandbox> {
        // Paging links carry the store's own address, so bind first, then build the store.
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        let address = listener.local_addr()?;
        drop(listener);
        let store = Arc::new(NuvemStore::new(&format!("http://{address}"), &options));
        let server = Server::start(store.clone(), address.port())?;
        server
            .controls()
            .set_rate_limit(options.rate_limit, Arc::new(SystemClock));
        Ok(NuvemSandbox { server, store })
    }

    /// `http://127.0.0.1:PORT`: the API host, without version or store id (the integration
    /// config's `base_url`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.address())
    }

    /// `{base_url}/v1/{store_id}`, the prefix of every API path.
    pub fn api_url(&self) -> String {
        format!("{}/v1/{}", self.base_url(), self.store_id())
    }

    pub fn store_id(&self) -> String {
        self.store.store_id().to_string()
    }

    pub fn access_token(&self) -> String {
        self.store.access_token()
    }

    /// The app's secret, which signs the webhooks.
    pub fn app_secret(&self) -> String {
        self.store.app_secret()
    }

    /// The access token and the app secret as Ponte credentials.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            access_token: Some(Secret::new(self.access_token())),
            app_secret: Some(Secret::new(self.app_secret())),
            ..Credentials::default()
        }
    }

    /// An integration config for this store: the API host, `allow_http`, the store id, a
    /// `User-Agent` with a contact, and the credentials.
    pub fn integration_config(&self, id: &str) -> IntegrationConfig {
        let mut config: IntegrationConfig = serde_json::from_value(serde_json::json!({
            "id": id, "platform": "nuvemshop", "base_url": self.base_url(), "allow_http": true,
            "nuvemshop": {"store_id": self.store_id(), "user_agent": "Ponte tests (ti@ponte.example)"},
        }))
        .expect("a literal config is valid");
        config.credentials = Some(self.credentials());
        config
    }

    /// Every product as `GET /products/{id}` shows it.
    pub fn products(&self) -> Vec<Value> {
        self.store.products()
    }

    pub fn product(&self, id: u64) -> Option<Value> {
        self.store.product(id)
    }

    pub fn categories(&self) -> Vec<Value> {
        self.store.categories()
    }

    /// Every order as `GET /orders/{id}` shows it.
    pub fn orders(&self) -> Vec<Value> {
        self.store.orders()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.store.order(id)
    }

    pub fn metafields(&self) -> Vec<Value> {
        self.store.metafields()
    }

    /// Places an order as a shopper would: `{products: [{variant_id | sku, quantity, price?}],
    /// customer: {name, email, identification, phone}, payment_status?, gateway?, billing_*?,
    /// shipping_address?, shipping_cost_customer?}`. Takes stock from managed variants. Answers
    /// the order as `GET /orders/{id}` shows it.
    pub fn place_order(&self, order: &Value) -> Result<Value, String> {
        self.store.place_order(order)
    }

    /// Changes an order as the shopper, gateway or merchant would: `payment_status`, `status`,
    /// `shipping_status`, notes, or (to stage a test) `created_at`/`updated_at`.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        self.store.update_order(id, changes)
    }

    /// Creates a product as `POST /products` does, without a webhook; `id`, dates and variant
    /// ids may be given.
    pub fn seed_product(&self, product: Value) -> Result<u64, String> {
        self.store.seed_product(product)
    }

    /// Creates a category as `POST /categories` does; `id` may be given.
    pub fn seed_category(&self, category: Value) -> Result<u64, String> {
        self.store.seed_category(category)
    }

    /// Posts one signed webhook `{"store_id","event","id"}` to `url` now; the receiver's status.
    pub fn send_webhook(&self, url: &str, event: &str, id: u64) -> Result<u16, String> {
        self.store.send_webhook(url, event, id)
    }

    /// Webhooks delivered (or tried) so far, `{url, event, id, status | error}`, in the order
    /// they ended.
    pub fn webhook_deliveries(&self) -> Vec<Value> {
        self.store.webhook_deliveries()
    }

    /// Suspends the store (every call answers 402) or resumes it.
    pub fn suspend(&self, suspended: bool) {
        self.store.suspend(suspended);
    }

    /// Revokes the access token, as uninstalling the app does: every call answers 401.
    pub fn revoke_token(&self) {
        self.store.revoke_token();
    }

    /// Fixes the store's clock (Unix seconds) for the dates it writes; `None`: the machine's.
    pub fn set_time(&self, unix: Option<i64>) {
        self.store.set_time(unix);
    }

    /// Injects a fault into the next matching requests.
    pub fn inject(&self, rule: FaultRule) {
        self.server.controls().add_fault(rule);
    }

    /// Waits until a request is held by a `Fault::Hold` named `name`.
    pub fn wait_held(&self, name: &str) -> bool {
        self.server.controls().wait_held(name)
    }

    pub fn release(&self, name: &str) {
        self.server.controls().release(name);
    }

    pub fn clear_faults(&self) {
        self.server.controls().clear_faults();
    }

    pub fn set_latency(&self, latency: Latency) {
        self.server.controls().set_latency(latency);
    }

    /// Requests served, by `METHOD /path` with ids (and the store id) as `{id}`.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.server.controls().counters()
    }

    pub fn total_requests(&self) -> u64 {
        self.counters().values().sum()
    }

    /// Sets the leaky bucket, `(size, leaked per second)`, on the machine's clock; `None` lifts
    /// it (and the `X-Rate-Limit-*` headers go).
    pub fn set_rate_limit(&self, limit: Option<(u32, u32)>) {
        self.set_rate_limit_on(limit, Arc::new(SystemClock));
    }

    /// The same, leaking on `clock`'s time.
    pub fn set_rate_limit_on(&self, limit: Option<(u32, u32)>, clock: Arc<dyn Clock>) {
        self.server.controls().set_rate_limit(limit, clock);
    }

    /// Requests the rate limit answered with 429.
    pub fn throttled(&self) -> u64 {
        self.server.controls().throttled()
    }

    pub fn reset_counters(&self) {
        self.server.controls().reset_counters();
    }

    /// Stops the server (also done on drop).
    pub fn stop(mut self) {
        self.server.stop();
    }
}

/// A running Mercado Livre sandbox seller: the OAuth token endpoint with single-use refresh
/// tokens, `GET /users/me`, categories, items with variations, the seller's item search, orders
/// with packs, shipments, billing infos and notes, and notifications; see `mercadolivre`'s
/// module documentation for what it plays and where it chooses. Dropping it stops the server.
pub struct MlSandbox {
    server: Server,
    store: Arc<mercadolivre::MlStore>,
}

impl std::fmt::Debug for MlSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl MlSandbox {
    pub fn start() -> std::io::Result<MlSandbox> {
        Self::start_with(mercadolivre::MlOptions::default())
    }

    pub fn start_with(options: mercadolivre::MlOptions) -> std::io::Result<MlSandbox> {
        let port = options.port;
        let store = Arc::new(mercadolivre::MlStore::new(options));
        let server = Server::start(store.clone(), port)?;
        Ok(MlSandbox { server, store })
    }

    /// `http://127.0.0.1:PORT`, the API host (the integration config's `base_url`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.address())
    }

    pub fn seller_id(&self) -> u64 {
        self.store.seller_id()
    }

    /// The token pair the seller's app holds now.
    pub fn issued(&self) -> mercadolivre::IssuedPair {
        self.store.issued()
    }

    /// The app's credentials with the seller's current pair.
    pub fn credentials(&self) -> Credentials {
        let pair = self.issued();
        Credentials {
            client_id: Some(Secret::new(self.store.client_id())),
            client_secret: Some(Secret::new(self.store.client_secret())),
            access_token: Some(Secret::new(pair.access_token)),
            refresh_token: Some(Secret::new(pair.refresh_token)),
            access_token_expires_at: Some(crate::time::format_rfc3339(pair.expires_at)),
            ..Credentials::default()
        }
    }

    /// An integration config for this seller, with the current pair.
    pub fn integration_config(&self, id: &str) -> IntegrationConfig {
        let mut config: IntegrationConfig = serde_json::from_value(serde_json::json!({
            "id": id, "platform": "mercadolivre", "base_url": self.base_url(), "allow_http": true,
            "mercadolivre": {"seller_id": self.seller_id().to_string()},
        }))
        .expect("a literal config is valid");
        config.credentials = Some(self.credentials());
        config
    }

    /// What happened, in order: `refresh`, or `GET /users/me with <token>`.
    pub fn log(&self) -> Vec<String> {
        self.store.log()
    }

    /// The access token expires now.
    pub fn expire_access_token(&self) {
        self.store.expire_access_token();
    }

    /// The seller revokes the app's grant: every token dies.
    pub fn revoke(&self) {
        self.store.revoke();
    }

    /// Every item as `GET /items/{id}` shows it, by id.
    pub fn items(&self) -> Vec<Value> {
        self.store.items()
    }

    pub fn item(&self, id: &str) -> Option<Value> {
        self.store.item(id)
    }

    /// Puts a listing the seller made before Ponte, without a notification: a partial item
    /// (`title`, `category_id`, `price`, `available_quantity`, `attributes`, `variations`...),
    /// the rest filled with defaults; it may give its `id`, `status`, `seller_id` (another
    /// seller's listing), `sold_quantity`, `date_created`, variation ids, and
    /// `shipping.logistic_type` (`"fulfillment"` for Full). Answers the item.
    pub fn seed_item(&self, item: Value) -> Result<Value, String> {
        self.store.seed_item(item)
    }

    /// Sets an item's status as moderation or the seller would: `active`, `paused`, `closed`,
    /// `under_review`, `inactive`. Answers the item.
    pub fn set_item_status(&self, id: &str, status: &str) -> Result<Value, String> {
        self.store.set_item_status(id, status)
    }

    /// A buyer checks out a cart: `{"lines": [{"sku", "quantity"} | {"item_id",
    /// "variation_id"?, "quantity"}], "paid": bool, "buyer": "person" | "company", "tags":
    /// [...]}`. One order per line; two lines or more share a new pack; one shipment and one
    /// billing info per cart; stock is taken. Answers `{"pack_id": id | null, "orders": [ids]}`.
    pub fn place_cart(&self, cart: &Value) -> Result<Value, String> {
        self.store.place_cart(cart)
    }

    /// Changes an order as the buyer, Mercado Pago or Mercado Livre would: `{"status"}` (`paid`
    /// adds an approved payment; `cancelled` gives the stock back), `{"status_detail"}`,
    /// `{"tags_add": [...]}`, `{"tags_remove": [...]}`, `{"shipment_status"}`. Moves
    /// `last_updated`; answers the order.
    pub fn update_order(&self, id: u64, changes: &Value) -> Result<Value, String> {
        self.store.update_order(id, changes)
    }

    /// Every order as `GET /orders/{id}` shows it, by id.
    pub fn orders(&self) -> Vec<Value> {
        self.store.orders()
    }

    pub fn order(&self, id: u64) -> Option<Value> {
        self.store.order(id)
    }

    /// The texts of an order's notes, oldest first.
    pub fn order_notes(&self, id: u64) -> Vec<String> {
        self.store.order_notes(id)
    }

    pub fn pack(&self, id: u64) -> Option<Value> {
        self.store.pack(id)
    }

    pub fn shipment(&self, id: u64) -> Option<Value> {
        self.store.shipment(id)
    }

    /// Pins the store's clock (Unix seconds, UTC) for the dates it writes; `None`: the machine's.
    pub fn set_time(&self, unix: Option<i64>) {
        self.store.set_time(unix);
    }

    /// The app's callback URL: every order created or changed posts an `orders_v2`
    /// notification there, every item changed an `items` one. `None` sends none.
    pub fn set_notification_url(&self, url: Option<String>) {
        self.store.set_notification_url(url);
    }

    /// Notifications posted (or tried) so far, `{url, body, status | error}`, in order.
    pub fn notification_deliveries(&self) -> Vec<Value> {
        self.store.notification_deliveries()
    }

    /// Injects a fault into the next matching requests.
    pub fn inject(&self, rule: FaultRule) {
        self.server.controls().add_fault(rule);
    }

    /// Waits until a request is held by a `Fault::Hold` named `name`.
    pub fn wait_held(&self, name: &str) -> bool {
        self.server.controls().wait_held(name)
    }

    pub fn release(&self, name: &str) {
        self.server.controls().release(name);
    }

    pub fn clear_faults(&self) {
        self.server.controls().clear_faults();
    }

    pub fn set_latency(&self, latency: Latency) {
        self.server.controls().set_latency(latency);
    }

    /// Requests served, by `METHOD /path` with numeric ids as `{id}`.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.server.controls().counters()
    }

    pub fn total_requests(&self) -> u64 {
        self.counters().values().sum()
    }

    pub fn reset_counters(&self) {
        self.server.controls().reset_counters();
    }

    /// Stops the server (also done on drop).
    pub fn stop(mut self) {
        self.server.stop();
    }
}

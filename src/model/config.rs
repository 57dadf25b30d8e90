//! The settings of one integration ("Integrações Externas – Configurações"), with validation that
//! lists every problem at once, each under its JSON path.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ConfigProblem, Error, Result};
use crate::model::json;

/// One configured connection to one store, hub or marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationConfig {
    /// The integration's id, chosen by the ERP ("Projeto").
    pub id: String,
    pub platform: PlatformKind,
    /// The store's address, such as `https://loja.example.com.br`.
    pub base_url: String,
    /// Allows a plain `http://` base URL: a sandbox or a store on the LAN. Off by default.
    #[serde(default)]
    pub allow_http: bool,
    /// Write-only: never serialized, never stored in the state file, never logged.
    #[serde(default, skip_serializing)]
    pub credentials: Option<Credentials>,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default)]
    pub product_sync: ProductSyncConfig,
    #[serde(default)]
    pub order_capture: OrderCaptureConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub http: HttpSettings,
    /// Where a Nuvemshop store is and who asks: required for `nuvemshop`, refused elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nuvemshop: Option<NuvemshopSettings>,
    /// The Mercado Livre seller: required for `mercadolivre`, refused elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mercadolivre: Option<MercadoLivreSettings>,
}

/// A Mercado Livre seller: `base_url` is the API host (`https://api.mercadolibre.com`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MercadoLivreSettings {
    /// The seller's user id, the `user_id` that came with the tokens (64-bit).
    pub seller_id: String,
    /// The site: `MLB` for Brazil.
    #[serde(default = "default_site")]
    pub site_id: String,
    /// The kind of listing: `gold_special` (Clássico) or `gold_pro` (Premium); `free` for test
    /// users, who may not list under gold.
    #[serde(default = "default_listing_type")]
    pub listing_type_id: String,
    /// `new`, `used` or `not_specified`.
    #[serde(default = "default_condition")]
    pub condition: String,
    /// What becomes of an order Mercado Livre tagged `fraud_risk_detected`: held (never handed
    /// to the ERP; one already handed over reads as cancelled), rejected with the reason, or
    /// accepted. Mercado Livre says such goods must not be shipped.
    #[serde(default = "default_fraud_policy")]
    pub fraud_risk: FlaggedOrderPolicy,
    /// What becomes of an order tagged `test_order` (between test users).
    #[serde(default = "default_test_policy")]
    pub test_orders: FlaggedOrderPolicy,
}

/// How capture treats an order the marketplace tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlaggedOrderPolicy {
    /// Read in the tag's name as its status (`fraud_risk_detected`, `test_order`), which capture
    /// does not fetch: the ERP never sees it.
    Hold,
    /// Rejected, with the tag named in the reason (a note on the order).
    Reject,
    /// Captured like any other.
    Accept,
}

fn default_site() -> String {
    "MLB".to_string()
}

fn default_listing_type() -> String {
    "gold_special".to_string()
}

fn default_condition() -> String {
    "new".to_string()
}

fn default_fraud_policy() -> FlaggedOrderPolicy {
    FlaggedOrderPolicy::Hold
}

fn default_test_policy() -> FlaggedOrderPolicy {
    FlaggedOrderPolicy::Accept
}

/// A Nuvemshop store's place in the API: `base_url` is the API host
/// (`https://api.nuvemshop.com.br`), and requests go to `{base_url}/{api_version}/{store_id}/…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NuvemshopSettings {
    /// The store's id: the `user_id` that came with the access token.
    pub store_id: String,
    /// `v1`, or a dated version such as `2025-03`.
    #[serde(default = "default_nuvemshop_version")]
    pub api_version: String,
    /// Who is calling, with a way to reach them, as Nuvemshop requires of every request:
    /// `"Loja do ERP (ti@loja.com.br)"`. Ponte adds its own name and version after it.
    pub user_agent: String,
}

fn default_nuvemshop_version() -> String {
    "v1".to_string()
}

/// How Ponte talks to the store: explicit timeouts (there are none by default in HTTP clients),
/// bounded retries, a request rate and a response size limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// TCP and TLS connection setup.
    pub connect_timeout_ms: u64,
    /// Waiting for the response headers, and then for the body.
    pub read_timeout_ms: u64,
    /// One whole request, body included.
    pub overall_timeout_ms: u64,
    /// Retries of a request that may be retried (reads, absolute writes, 429s).
    pub max_retries: u32,
    /// The longest wait a 429 `Retry-After` may ask for before the call gives up as throttled.
    pub max_retry_wait_ms: u64,
    /// Requests per second to this store; 0 means no limit.
    pub max_requests_per_second: u32,
    /// The most requests in flight at once to this store (sync's batches, status write-backs):
    /// 1 to 16. Sync sends fewer while the store answers 429 or 5xx or slows down, and more
    /// again, one at a time, while it keeps up.
    pub max_concurrent_requests: u32,
    /// The largest response body accepted, after decompression.
    pub max_response_bytes: u64,
    /// PEM certificates of a private certificate authority that signed the store's certificate
    /// (a store on the company's network). When set, these are the only roots trusted for this
    /// store, instead of the public ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_ca_pem: Option<String>,
    /// The proxy between Ponte and the store. Absent: none, whatever the environment says.
    /// `"env"`: the standard variables `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`.
    /// Or the proxy itself, `http://host:port` or `https://host:port`; a proxy that asks for a
    /// login gets `credentials.proxy_username` and `credentials.proxy_password`, never a URL's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The certificate authorities a store's certificate may chain to: `"bundled"`, the public
    /// roots built into Ponte, or `"system"`, the operating system's store, where an office whose
    /// proxy re-signs TLS installs its own root.
    pub tls_roots: TlsRoots,
}

/// Where the trusted certificate authorities come from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TlsRoots {
    #[default]
    Bundled,
    System,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout_ms: 10_000,
            read_timeout_ms: 60_000,
            overall_timeout_ms: 120_000,
            max_retries: 4,
            max_retry_wait_ms: 60_000,
            max_requests_per_second: 10,
            max_concurrent_requests: 3,
            max_response_bytes: 32 * 1024 * 1024,
            trusted_ca_pem: None,
            proxy: None,
            tls_roots: TlsRoots::Bundled,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    Woocommerce,
    Nuvemshop,
    Mercadolivre,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Locale {
    #[default]
    #[serde(rename = "pt-BR")]
    PtBr,
    #[serde(rename = "en")]
    En,
}

/// A store's API credentials. Which fields are needed depends on the platform.
#[derive(Clone, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// WooCommerce `ck_...`.
    #[serde(default)]
    pub consumer_key: Option<Secret>,
    /// WooCommerce `cs_...`.
    #[serde(default)]
    pub consumer_secret: Option<Secret>,
    /// Nuvemshop's bearer token.
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// Nuvemshop's app secret (the `client_secret`), which signs its webhooks; only needed to
    /// take webhooks in (`ponte_webhook_ingest`).
    #[serde(default)]
    pub app_secret: Option<Secret>,
    /// Mercado Livre's app id and secret, which refresh the seller's tokens.
    #[serde(default)]
    pub client_id: Option<Secret>,
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Mercado Livre's refresh token: single use, and only the newest one is valid. Each
    /// refresh hands the new pair to the host's credentials callback before it is used.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// When `access_token` expires (RFC 3339), as the last refresh said; unknown means it is
    /// refreshed before its first use.
    #[serde(default)]
    pub access_token_expires_at: Option<String>,
    /// The login of `http.proxy`, when the proxy asks for one.
    #[serde(default)]
    pub proxy_username: Option<Secret>,
    #[serde(default)]
    pub proxy_password: Option<Secret>,
}

/// A credential. It has no `Serialize` and its `Debug` is redacted, so it cannot reach JSON output,
/// a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that signs or sends a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("names", &self.names())
            .finish()
    }
}

impl Credentials {
    /// The names of the credentials given, never their values.
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("consumer_key", &self.consumer_key),
            ("consumer_secret", &self.consumer_secret),
            ("access_token", &self.access_token),
            ("app_secret", &self.app_secret),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("refresh_token", &self.refresh_token),
            ("proxy_username", &self.proxy_username),
            ("proxy_password", &self.proxy_password),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .map(|(name, _)| name)
        .collect()
    }
}

/// Which fields product sync sends to the store.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SyncField {
    Name,
    Description,
    Price,
    PromoPrice,
    Stock,
    Brand,
    Ean,
    Weight,
    Dimensions,
    /// Variation axes and specification attributes.
    Attributes,
    ShortDescription,
    /// The promotional price's start and end.
    SaleDates,
    Images,
    Categories,
}

/// Every field product sync can send, the default of `product_sync.fields`.
pub const ALL_SYNC_FIELDS: [SyncField; 14] = [
    SyncField::Name,
    SyncField::Description,
    SyncField::Price,
    SyncField::PromoPrice,
    SyncField::Stock,
    SyncField::Brand,
    SyncField::Ean,
    SyncField::Weight,
    SyncField::Dimensions,
    SyncField::Attributes,
    SyncField::ShortDescription,
    SyncField::SaleDates,
    SyncField::Images,
    SyncField::Categories,
];

/// Keys by which an existing store product is recognised as an ERP product.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    Sku,
    Ean,
    Barcode,
}

/// The store-side status a new product is created with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NewProductStatus {
    #[default]
    Publish,
    Draft,
    Pending,
    Private,
}

/// Where a new product shows: the merchant owns this afterwards, so it is set only on creation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Visible,
    Catalog,
    Search,
    Hidden,
}

/// What happens in the store to a product that stops being published in the ERP.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UnpublishedPolicy {
    /// Leave the store product as it is.
    Leave,
    /// Hide it from the catalog and search.
    #[default]
    Hide,
    /// Keep it visible with zero stock.
    ZeroStock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductSyncConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The fields sent; every other field of a store product is left alone.
    #[serde(default = "all_fields")]
    pub fields: BTreeSet<SyncField>,
    /// "Eans (separar por vírgula)": when set, only products with these EANs or SKUs sync.
    #[serde(default)]
    pub only_eans: String,
    /// The order in which keys are tried to recognise an existing store product.
    #[serde(default = "default_match_by")]
    pub match_by: Vec<MatchKey>,
    #[serde(default)]
    pub new_product_status: NewProductStatus,
    #[serde(default)]
    pub new_product_visibility: Visibility,
    #[serde(default)]
    pub unpublished_policy: UnpublishedPolicy,
    /// Warehouses whose stock counts for this store; empty means all.
    #[serde(default)]
    pub warehouses: Vec<String>,
    /// The prices this store sells at: the ERP's price list, a rule, or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_table: Option<PriceTable>,
    #[serde(default)]
    pub categories: CategorySettings,
    #[serde(default)]
    pub images: ImageSettings,
}

/// The prices of one sales channel ("tabela de preço"): a variant's price in the ERP's list
/// `list` (or its own price without one), moved by `percent_bp` and then `amount_cents`, and
/// rounded up to end in `ending_cents`. Applied to the promotional price too. Sync compares
/// the resulting prices, so a changed table re-prices every product once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PriceTable {
    /// The id of the ERP's price list (`variants[].price_lists`). A variant without a price in
    /// it is not sent, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Hundredths of a percent up (positive) or down: 1250 is +12.5 %, -1000 is -10 %.
    pub percent_bp: i64,
    /// Cents added (positive) or taken off, after the percentage.
    pub amount_cents: i64,
    /// Rounded up to the nearest price ending in these cents (90: 47,23 becomes 47,90); absent,
    /// not rounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_cents: Option<i64>,
}

/// Which store category each ERP category is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CategorySettings {
    /// ERP category id to the store's category id, chosen by the merchant; these win over the
    /// name path. Marketplaces need it, since their categories are their own.
    pub map: std::collections::BTreeMap<String, String>,
    /// On a marketplace, where every listing needs one of its categories: the category of a
    /// product none of whose ERP categories is mapped, such as Mercado Livre's `MLB1574`.
    /// Unused elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// An ERP category whose name path (`Roupas > Camisetas`) the store does not have is created
    /// there, with its parents. Off: the product goes without it, with its reason, or is not
    /// sent where the store requires a category.
    pub create_missing: bool,
}

impl Default for CategorySettings {
    fn default() -> Self {
        CategorySettings {
            map: Default::default(),
            default: None,
            create_missing: true,
        }
    }
}

/// Where the store fetches the pictures the ERP gives as files.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ImageSettings {
    /// The public address where the ERP publishes its picture folder, such as
    /// `https://fotos.loja.com.br/produtos/`: a file picture's address is this plus the file's
    /// name. Without it, a product with file pictures is not sent, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_base_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderCaptureConfig {
    #[serde(default)]
    pub enabled: bool,
    /// "Status de Busca de Pedido": store statuses of the orders to capture.
    #[serde(default)]
    pub fetch_statuses: Vec<String>,
    /// "Status para marcar Pedido como Recebido", written when an order is captured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_status: Option<String>,
    /// "Status para configurar pedido rejeitado".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_status: Option<String>,
    /// "Status para configurar reserva de estoque": these orders reserve stock, not sales yet.
    #[serde(default)]
    pub reservation_statuses: Vec<String>,
    /// "Status para Retorno de Pedido", written once the ERP has the sales order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_status: Option<String>,
    /// The status an order is given when the ERP fulfils it (invoiced and shipped), unless the
    /// fulfilment names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_status: Option<String>,
    /// "Condição de Pagamento padrão", given to every imported order.
    #[serde(default)]
    pub default_payment_terms: String,
    /// "Forma de Pagamento padrão"; the buyer's payment data is never imported.
    #[serde(default)]
    pub default_payment_method: String,
    /// Reject orders without a CPF or CNPJ (needed for the invoice in Brazil).
    #[serde(default = "yes")]
    pub require_document: bool,
    /// The currency orders must be in.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// How far behind the last capture each capture starts reading again, so an order that
    /// became visible late is not lost.
    #[serde(default = "default_overlap")]
    pub overlap_seconds: u32,
    /// Most listing requests (100 orders each) one capture makes. A capture that reaches it
    /// stops there and the next one goes on, so a store whose listing never ends cannot hold a
    /// capture, or its memory, without bound.
    #[serde(default = "default_max_listing_requests")]
    pub max_listing_requests: u32,
    /// Rejection notes sent to the store at once: each note is a request of its own.
    #[serde(default = "default_note_concurrency")]
    pub note_concurrency: u32,
    /// The largest quantity one order line may have; above it the order is rejected
    /// (`quantity_out_of_bounds`) rather than held against the stock.
    #[serde(default = "default_max_quantity")]
    pub max_quantity: i64,
    /// The largest amount, in cents, any total, price, shipping, fee or tax of an order may have
    /// (either sign); above it the order is rejected (`amount_out_of_bounds`).
    #[serde(default = "default_max_amount_cents")]
    pub max_amount_cents: i64,
    /// Store statuses that mean the shopper's order is off: a captured order that reaches one
    /// leaves the ERP's queue and releases its hold, and the ERP is told (an order event). Fetch
    /// and reservation statuses among them are ignored.
    #[serde(default = "default_cancelled_statuses")]
    pub cancelled_statuses: Vec<String>,
}

/// When `ponte_run_due` runs each job of the integration. "Agendar horário de menor movimento":
/// the full product sync (creates, field updates, hides) runs once a day inside the quiet window;
/// order capture and stock updates run all day at their own intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// `HH:MM` in `time_zone`: the quiet window opens.
    pub full_sync_start: String,
    /// `HH:MM` in `time_zone`; before the start means the window crosses midnight.
    pub full_sync_end: String,
    /// IANA time zone of the window, such as `America/Sao_Paulo`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Minutes between order captures.
    #[serde(default = "default_capture_every")]
    pub capture_every_minutes: u32,
    /// Minutes between stock updates of products already in the store.
    #[serde(default = "default_stock_every")]
    pub stock_every_minutes: u32,
    /// A job that fails waits its interval, doubled at each failure in a row, up to this.
    #[serde(default = "default_max_backoff")]
    pub max_backoff_minutes: u32,
}

fn utc() -> String {
    "UTC".to_string()
}

fn default_capture_every() -> u32 {
    5
}

fn default_stock_every() -> u32 {
    15
}

fn default_max_backoff() -> u32 {
    240
}

fn yes() -> bool {
    true
}

fn default_currency() -> String {
    "BRL".to_string()
}

/// The statuses of an order that is off on WooCommerce, Nuvemshop and Mercado Livre, so the
/// default fits them all.
fn default_cancelled_statuses() -> Vec<String> {
    // `fraud_risk_detected`: a Mercado Livre order held for fraud after it was handed over.
    [
        "cancelled",
        "refunded",
        "failed",
        "voided",
        "invalid",
        "fraud_risk_detected",
    ]
    .map(String::from)
    .to_vec()
}

fn default_overlap() -> u32 {
    600
}

fn default_max_listing_requests() -> u32 {
    1000
}

fn default_note_concurrency() -> u32 {
    4
}

fn default_max_quantity() -> i64 {
    100_000
}

/// R$ 100 million.
fn default_max_amount_cents() -> i64 {
    10_000_000_000
}

fn all_fields() -> BTreeSet<SyncField> {
    ALL_SYNC_FIELDS.into_iter().collect()
}

fn default_match_by() -> Vec<MatchKey> {
    vec![MatchKey::Sku, MatchKey::Ean, MatchKey::Barcode]
}

impl Default for ProductSyncConfig {
    fn default() -> Self {
        ProductSyncConfig {
            enabled: true,
            fields: all_fields(),
            only_eans: String::new(),
            match_by: default_match_by(),
            new_product_status: NewProductStatus::default(),
            new_product_visibility: Visibility::default(),
            unpublished_policy: UnpublishedPolicy::default(),
            warehouses: Vec::new(),
            price_table: None,
            categories: CategorySettings::default(),
            images: ImageSettings::default(),
        }
    }
}

impl Default for OrderCaptureConfig {
    fn default() -> Self {
        OrderCaptureConfig {
            enabled: false,
            fetch_statuses: Vec::new(),
            received_status: None,
            rejected_status: None,
            reservation_statuses: Vec::new(),
            return_status: None,
            shipped_status: None,
            default_payment_terms: String::new(),
            default_payment_method: String::new(),
            require_document: true,
            currency: default_currency(),
            overlap_seconds: default_overlap(),
            max_listing_requests: default_max_listing_requests(),
            note_concurrency: default_note_concurrency(),
            max_quantity: default_max_quantity(),
            max_amount_cents: default_max_amount_cents(),
            cancelled_statuses: default_cancelled_statuses(),
        }
    }
}

impl OrderCaptureConfig {
    /// Whether a store status means the order is off (a fetch or reservation status never does).
    pub fn is_cancellation(&self, status: &str) -> bool {
        self.cancelled_statuses.iter().any(|s| s == status)
            && !self.fetch_statuses.iter().any(|s| s == status)
            && !self.reservation_statuses.iter().any(|s| s == status)
    }
}

impl ProductSyncConfig {
    /// The `only_eans` filter as a list; empty means every product.
    pub fn only_eans_list(&self) -> Vec<&str> {
        self.only_eans
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Parses and validates an integration config.
pub fn parse_config(json_text: &str) -> Result<IntegrationConfig> {
    let value = json::parse_value(json_text, "config")?;
    let config: IntegrationConfig = json::from_value(value, "").map_err(redact_credentials)?;
    config.validate()?;
    Ok(config)
}

/// A shape error under `credentials` could quote the value it choked on; say only where.
fn redact_credentials(err: Error) -> Error {
    match err {
        Error::InvalidJson { path, .. } if path.starts_with("credentials") => Error::InvalidJson {
            path,
            message: "expected an object of strings such as {\"consumer_key\": \"ck_...\"} \
                      (the value given is not shown)"
                .to_string(),
        },
        other => other,
    }
}

impl IntegrationConfig {
    /// Checks every rule and reports all the problems found, not just the first.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        let mut problem = |path: &str, message: String| {
            problems.push(ConfigProblem {
                path: path.to_string(),
                message,
            })
        };

        if let Err(message) = check_id(&self.id) {
            problem("id", message);
        }
        if let Err(message) = check_base_url(&self.base_url, self.allow_http) {
            problem("base_url", message);
        }
        if let Some(Err(message)) = self.http.proxy.as_deref().map(check_proxy) {
            problem("http.proxy", message);
        }
        if self.http.trusted_ca_pem.is_some() && self.http.tls_roots == TlsRoots::System {
            problem(
                "http.tls_roots",
                "\"system\" and http.trusted_ca_pem both choose the roots; keep one".into(),
            );
        }
        if let Some(credentials) = &self.credentials {
            let needed: &[&str] = match self.platform {
                PlatformKind::Woocommerce => &["consumer_key", "consumer_secret"],
                PlatformKind::Nuvemshop => &["access_token"],
                PlatformKind::Mercadolivre => &["client_id", "client_secret", "refresh_token"],
            };
            let given = credentials.names();
            for name in needed {
                if !given.contains(name) {
                    problem(
                        &format!("credentials.{name}"),
                        format!("is required for {}", self.platform.name()),
                    );
                }
            }
            let optional: &[&str] = match self.platform {
                PlatformKind::Woocommerce => &[],
                PlatformKind::Nuvemshop => &["app_secret"],
                PlatformKind::Mercadolivre => &["access_token"],
            };
            let proxy_login = ["proxy_username", "proxy_password"];
            for name in proxy_login.iter().filter(|n| given.contains(n)) {
                if self.http.proxy.as_deref().is_none_or(|p| p == "env") {
                    problem(
                        &format!("credentials.{name}"),
                        "is the login of http.proxy, and no proxy URL is set".into(),
                    );
                }
            }
            if given.contains(&"proxy_password") && !given.contains(&"proxy_username") {
                problem(
                    "credentials.proxy_username",
                    "is needed with credentials.proxy_password".into(),
                );
            }
            for name in given.iter().filter(|n| {
                !needed.contains(n) && !optional.contains(n) && !proxy_login.contains(n)
            }) {
                problem(
                    &format!("credentials.{name}"),
                    format!("is not used by {}", self.platform.name()),
                );
            }
            for (name, secret) in [
                ("consumer_key", &credentials.consumer_key),
                ("consumer_secret", &credentials.consumer_secret),
                ("access_token", &credentials.access_token),
                ("app_secret", &credentials.app_secret),
                ("client_id", &credentials.client_id),
                ("client_secret", &credentials.client_secret),
                ("refresh_token", &credentials.refresh_token),
            ] {
                if secret
                    .as_ref()
                    .is_some_and(|s| s.expose().trim().is_empty())
                {
                    problem(&format!("credentials.{name}"), "must not be empty".into());
                }
            }
        }

        if let Some(at) = self
            .credentials
            .as_ref()
            .and_then(|c| c.access_token_expires_at.as_deref())
        {
            if crate::time::parse(at).is_none() {
                problem(
                    "credentials.access_token_expires_at",
                    format!("{at:?} is not an RFC 3339 time with its zone"),
                );
            }
        }
        match (&self.platform, &self.mercadolivre) {
            (PlatformKind::Mercadolivre, None) => problem(
                "mercadolivre",
                "is required for mercadolivre: {\"seller_id\"}".into(),
            ),
            (PlatformKind::Mercadolivre, Some(settings)) => {
                if settings.seller_id.is_empty() || settings.seller_id.parse::<u64>().is_err() {
                    problem(
                        "mercadolivre.seller_id",
                        "must be the seller's user id, the user_id given with the tokens".into(),
                    );
                }
                if settings.site_id.len() != 3
                    || !settings.site_id.bytes().all(|b| b.is_ascii_uppercase())
                {
                    problem(
                        "mercadolivre.site_id",
                        format!(
                            "{:?} is not a Mercado Livre site such as \"MLB\"",
                            settings.site_id
                        ),
                    );
                }
                if !matches!(
                    settings.listing_type_id.as_str(),
                    "free"
                        | "bronze"
                        | "silver"
                        | "gold"
                        | "gold_special"
                        | "gold_premium"
                        | "gold_pro"
                ) {
                    problem(
                        "mercadolivre.listing_type_id",
                        format!(
                            "{:?} is not a listing type; use gold_special (Clássico), gold_pro (Premium) or free",
                            settings.listing_type_id
                        ),
                    );
                }
                if !matches!(
                    settings.condition.as_str(),
                    "new" | "used" | "not_specified"
                ) {
                    problem(
                        "mercadolivre.condition",
                        format!(
                            "{:?} is not a condition; use new, used or not_specified",
                            settings.condition
                        ),
                    );
                }
            }
            (_, Some(_)) => problem(
                "mercadolivre",
                format!("is not used by {}", self.platform.name()),
            ),
            (_, None) => {}
        }
        match (&self.platform, &self.nuvemshop) {
            (PlatformKind::Nuvemshop, None) => problem(
                "nuvemshop",
                "is required for nuvemshop: {\"store_id\", \"user_agent\"}".into(),
            ),
            (PlatformKind::Nuvemshop, Some(settings)) => {
                for (path, message) in settings.problems() {
                    problem(&format!("nuvemshop.{path}"), message);
                }
            }
            (_, Some(_)) => problem(
                "nuvemshop",
                format!("is not used by {}", self.platform.name()),
            ),
            (_, None) => {}
        }

        let sync = &self.product_sync;
        let mut seen_keys = BTreeSet::new();
        if sync.match_by.is_empty() {
            problem("product_sync.match_by", "needs at least one key".into());
        }
        for (index, key) in sync.match_by.iter().enumerate() {
            if !seen_keys.insert(key) {
                problem(
                    &format!("product_sync.match_by[{index}]"),
                    "is listed twice".into(),
                );
            }
        }
        for (index, warehouse) in sync.warehouses.iter().enumerate() {
            if warehouse.trim().is_empty() {
                problem(
                    &format!("product_sync.warehouses[{index}]"),
                    "must not be empty".into(),
                );
            }
        }

        if let Some(table) = &sync.price_table {
            if table.list.as_deref().is_some_and(|l| l.trim().is_empty()) {
                problem("product_sync.price_table.list", "must not be empty".into());
            }
            if !(-9_999..=100_000).contains(&table.percent_bp) {
                problem(
                    "product_sync.price_table.percent_bp",
                    format!(
                        "{} is not between -9999 (-99.99 %) and 100000 (+1000 %)",
                        table.percent_bp
                    ),
                );
            }
            if table.amount_cents.abs() > crate::model::catalog::MAX_QUANTITY {
                problem(
                    "product_sync.price_table.amount_cents",
                    format!("{} is out of range", table.amount_cents),
                );
            }
            if table.ending_cents.is_some_and(|e| !(0..=99).contains(&e)) {
                problem(
                    "product_sync.price_table.ending_cents",
                    "must be between 0 and 99".into(),
                );
            }
        }
        if sync
            .categories
            .default
            .as_ref()
            .is_some_and(|d| d.trim().is_empty())
        {
            problem(
                "product_sync.categories.default",
                "must not be empty".into(),
            );
        }
        for (erp, store) in &sync.categories.map {
            if erp.trim().is_empty() || store.trim().is_empty() {
                problem(
                    "product_sync.categories.map",
                    "category ids must not be empty".into(),
                );
            }
        }
        if let Some(url) = &sync.images.public_base_url {
            if let Err(message) = check_base_url(url, self.allow_http) {
                problem("product_sync.images.public_base_url", message);
            }
        }

        let capture = &self.order_capture;
        let statuses = [
            ("order_capture.received_status", &capture.received_status),
            ("order_capture.rejected_status", &capture.rejected_status),
            ("order_capture.return_status", &capture.return_status),
            ("order_capture.shipped_status", &capture.shipped_status),
        ];
        // A platform whose orders move only through fixed states reads and writes only those.
        let read = |status: &str| {
            check_status(status).and_then(|()| self.platform.check_read_status(status))
        };
        let write = |status: &str| {
            check_status(status).and_then(|()| self.platform.check_write_status(status))
        };
        for (index, status) in capture.fetch_statuses.iter().enumerate() {
            if let Err(message) = read(status) {
                problem(&format!("order_capture.fetch_statuses[{index}]"), message);
            }
        }
        for (index, status) in capture.reservation_statuses.iter().enumerate() {
            let path = format!("order_capture.reservation_statuses[{index}]");
            if let Err(message) = read(status) {
                problem(&path, message);
            } else if capture.fetch_statuses.contains(status) {
                problem(
                    &path,
                    format!("{status:?} is also a fetch status; an order is either a sale or a reservation"),
                );
            }
        }
        let default_cancelled = capture.cancelled_statuses == default_cancelled_statuses();
        for (index, status) in capture.cancelled_statuses.iter().enumerate() {
            let checked = match default_cancelled {
                // The default names both platforms' statuses; each matches its own.
                true => check_status(status),
                false => read(status),
            };
            if let Err(message) = checked {
                problem(
                    &format!("order_capture.cancelled_statuses[{index}]"),
                    message,
                );
            }
        }
        for (path, status) in statuses {
            let Some(status) = status else { continue };
            if let Err(message) = write(status) {
                problem(path, message);
            } else if capture.fetch_statuses.contains(status) {
                // Written back, it would make the order be fetched again forever.
                problem(path, "must differ from every fetch status".into());
            } else if capture.reservation_statuses.contains(status) {
                problem(path, "must differ from every reservation status".into());
            }
        }
        if capture.max_listing_requests == 0 {
            problem(
                "order_capture.max_listing_requests",
                "must be at least 1".into(),
            );
        }
        use crate::model::catalog::MAX_QUANTITY;
        for (path, bound) in [
            ("order_capture.max_quantity", capture.max_quantity),
            ("order_capture.max_amount_cents", capture.max_amount_cents),
        ] {
            if !(1..=MAX_QUANTITY).contains(&bound) {
                problem(path, format!("{bound} is not between 1 and {MAX_QUANTITY}"));
            }
        }
        if !(1..=16).contains(&capture.note_concurrency) {
            problem(
                "order_capture.note_concurrency",
                format!("{} is not between 1 and 16", capture.note_concurrency),
            );
        }
        if capture.enabled {
            if capture.fetch_statuses.is_empty() {
                problem(
                    "order_capture.fetch_statuses",
                    "needs at least one status when order capture is enabled".into(),
                );
            }
            for (path, value) in [
                (
                    "order_capture.default_payment_terms",
                    &capture.default_payment_terms,
                ),
                (
                    "order_capture.default_payment_method",
                    &capture.default_payment_method,
                ),
            ] {
                if value.trim().is_empty() {
                    problem(path, "is required when order capture is enabled".into());
                }
            }
        }

        if let Some(schedule) = &self.schedule {
            for (path, time) in [
                ("schedule.full_sync_start", &schedule.full_sync_start),
                ("schedule.full_sync_end", &schedule.full_sync_end),
            ] {
                if !is_hh_mm(time) {
                    problem(path, format!("{time:?} is not a time as HH:MM"));
                }
            }
            if is_hh_mm(&schedule.full_sync_start)
                && schedule.full_sync_start == schedule.full_sync_end
            {
                problem(
                    "schedule.full_sync_end",
                    format!(
                        "the window {}–{} is empty; a window that crosses midnight ends before it starts (22:00–05:00)",
                        schedule.full_sync_start, schedule.full_sync_end
                    ),
                );
            }
            if jiff::tz::TimeZone::get(&schedule.time_zone).is_err() {
                problem(
                    "schedule.time_zone",
                    format!(
                        "{:?} is not a known time zone (an IANA name such as America/Sao_Paulo, or UTC)",
                        schedule.time_zone
                    ),
                );
            }
            for (path, minutes) in [
                (
                    "schedule.capture_every_minutes",
                    schedule.capture_every_minutes,
                ),
                ("schedule.stock_every_minutes", schedule.stock_every_minutes),
                ("schedule.max_backoff_minutes", schedule.max_backoff_minutes),
            ] {
                if !(1..=10_080).contains(&minutes) {
                    problem(
                        path,
                        format!("{minutes} is not between 1 and 10080 (a week)"),
                    );
                }
            }
        }

        let http = &self.http;
        for (path, value) in [
            ("http.connect_timeout_ms", http.connect_timeout_ms),
            ("http.read_timeout_ms", http.read_timeout_ms),
            ("http.overall_timeout_ms", http.overall_timeout_ms),
            ("http.max_response_bytes", http.max_response_bytes),
        ] {
            if value == 0 {
                problem(path, "must be greater than zero".into());
            }
        }
        if !(1..=16).contains(&http.max_concurrent_requests) {
            problem(
                "http.max_concurrent_requests",
                format!("{} is not between 1 and 16", http.max_concurrent_requests),
            );
        }

        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidConfig(problems))
        }
    }
}

impl NuvemshopSettings {
    /// What is wrong with these settings, by field.
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.store_id.is_empty() || !self.store_id.bytes().all(|b| b.is_ascii_digit()) {
            problems.push((
                "store_id",
                "must be the store's number (the user_id given with the token)".to_string(),
            ));
        }
        let version = self.api_version.as_bytes();
        let dated = version.len() == 7
            && version[4] == b'-'
            && version
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if self.api_version != "v1" && !dated {
            problems.push((
                "api_version",
                format!(
                    "'{}' is not a Nuvemshop API version: use \"v1\" or a dated one such as \"2025-03\"",
                    self.api_version
                ),
            ));
        }
        let agent = self.user_agent.trim();
        if agent.is_empty() || agent.chars().any(char::is_control) {
            problems.push((
                "user_agent",
                "must name the caller with a contact, such as \"Loja do ERP (ti@loja.com.br)\"; Nuvemshop refuses a request without one".to_string(),
            ));
        }
        problems
    }
}

/// The one status Ponte reads a Nuvemshop order in, from its three (`status`, `payment_status`,
/// `shipping_status`): `cancelled`, else `closed`, else `fulfilled` once shipped, else the open
/// order's payment.
pub const NUVEMSHOP_READ_STATUSES: [&str; 9] = [
    "pending",
    "authorized",
    "paid",
    "abandoned",
    "refunded",
    "voided",
    "fulfilled",
    "closed",
    "cancelled",
];

/// The statuses Ponte can give a Nuvemshop order, each through its action (`fulfill`, `close`,
/// `cancel`), and read back as it asked. Nuvemshop has no free statuses, so "received" or
/// "returned" cannot be written; `pack` is left out because a packed order reads back the same
/// as an unpacked one in the documented payloads, so Ponte could never confirm it.
pub const NUVEMSHOP_WRITE_STATUSES: [&str; 3] = ["fulfilled", "closed", "cancelled"];

/// A Mercado Livre order's states, which the marketplace alone moves, and the two Ponte reads
/// an order in when `mercadolivre.fraud_risk` or `test_orders` says to hold it: the tag's name.
pub const MERCADOLIVRE_STATUSES: [&str; 11] = [
    "confirmed",
    "payment_required",
    "payment_in_process",
    "partially_paid",
    "paid",
    "partially_refunded",
    "pending_cancel",
    "cancelled",
    "invalid",
    "fraud_risk_detected",
    "test_order",
];

impl PlatformKind {
    /// Whether orders of this platform can be read in `status`.
    fn check_read_status(self, status: &str) -> std::result::Result<(), String> {
        match self {
            PlatformKind::Woocommerce => Ok(()),
            PlatformKind::Mercadolivre if MERCADOLIVRE_STATUSES.contains(&status) => Ok(()),
            PlatformKind::Mercadolivre => Err(format!(
                "{status:?} is not a state a Mercado Livre order can be in; use one of {}",
                MERCADOLIVRE_STATUSES.join(", ")
            )),
            PlatformKind::Nuvemshop if NUVEMSHOP_READ_STATUSES.contains(&status) => Ok(()),
            PlatformKind::Nuvemshop => Err(format!(
                "{status:?} is not a state a Nuvemshop order can be in; use one of {}",
                NUVEMSHOP_READ_STATUSES.join(", ")
            )),
        }
    }

    /// Whether Ponte can give an order of this platform `status`.
    fn check_write_status(self, status: &str) -> std::result::Result<(), String> {
        match self {
            PlatformKind::Woocommerce => Ok(()),
            PlatformKind::Mercadolivre => Err(format!(
                "Mercado Livre owns its orders' states and a seller cannot set {status:?}; leave it unset (a rejection's reason goes to the order as a note)"
            )),
            PlatformKind::Nuvemshop if NUVEMSHOP_WRITE_STATUSES.contains(&status) => Ok(()),
            PlatformKind::Nuvemshop => Err(format!(
                "Nuvemshop cannot express {status:?}: its orders change only through the actions fulfill, close and cancel; use one of {} or leave it unset (the order stays open, which is what received means there)",
                NUVEMSHOP_WRITE_STATUSES.join(", ")
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PlatformKind::Woocommerce => "woocommerce",
            PlatformKind::Nuvemshop => "nuvemshop",
            PlatformKind::Mercadolivre => "mercadolivre",
        }
    }
}

/// Integration ids appear in file names, logs and reports: keep them plain.
fn check_id(id: &str) -> std::result::Result<(), String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || id.len() > 64 || !id.chars().all(plain) {
        return Err(format!(
            "{id:?} must be 1 to 64 characters of letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(())
}

fn check_base_url(url: &str, allow_http: bool) -> std::result::Result<(), String> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !allow_http {
            return Err(
                "plain http:// is refused: use https://, or set allow_http for a sandbox or a store on the LAN"
                    .into(),
            );
        }
        rest
    } else {
        return Err(format!("{url:?} must start with https://"));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err("has no host".into());
    }
    if authority.contains('@') {
        // user:password@host would put a credential in every log line that names the URL.
        return Err("must not contain a user name or password; use credentials".into());
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain a query, a fragment or spaces".into());
    }
    Ok(())
}

/// A proxy named by URL in `http.proxy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAddress {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

/// Reads `http.proxy` when it names a proxy (`"env"` does not). The value is never quoted back:
/// a user may have put a password in it.
pub fn parse_proxy(url: &str) -> std::result::Result<ProxyAddress, String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else {
        return Err("is \"env\" or a proxy URL starting with http:// or https://".into());
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains('@') {
        return Err("must not carry a user name or password; give them as \
                    credentials.proxy_username and credentials.proxy_password"
            .into());
    }
    if authority.contains(['/', '?', '#']) || authority.chars().any(|c| c.is_whitespace()) {
        return Err("is http://host:port, without a path, query or spaces".into());
    }
    // `[::1]:3128` keeps its brackets' colons out of the port.
    let port_at = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => Some(at),
        _ => None,
    };
    let (host, port) = match port_at {
        Some(at) => {
            let port = authority[at + 1..]
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("has a port that is not a number from 1 to 65535")?;
            (&authority[..at], port)
        }
        None => (authority, if tls { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err("has no host".into());
    }
    Ok(ProxyAddress {
        tls,
        host: host.to_string(),
        port,
    })
}

fn check_proxy(proxy: &str) -> std::result::Result<(), String> {
    if proxy == "env" {
        return Ok(());
    }
    parse_proxy(proxy).map(|_| ())
}

fn check_status(status: &str) -> std::result::Result<(), String> {
    let slug = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_');
    if status.is_empty() || status.len() > 64 || !status.chars().all(slug) {
        return Err(format!(
            "{status:?} is not a store status slug (lowercase letters, digits, '-', '_')"
        ));
    }
    Ok(())
}

fn is_hh_mm(time: &str) -> bool {
    let bytes = time.as_bytes();
    bytes.len() == 5
        && bytes[2] == b':'
        && time[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && time[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        r#"{"id":"loja","platform":"woocommerce","base_url":"https://loja.example.com.br"}"#;

    fn problems(json_text: &str) -> Vec<String> {
        match parse_config(json_text) {
            Err(Error::InvalidConfig(problems)) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn a_nuvemshop_store_is_placed_by_its_settings_and_only_there() {
        let good = r#"{"id":"nuvem","platform":"nuvemshop","base_url":"https://api.nuvemshop.com.br",
            "nuvemshop":{"store_id":"123456","user_agent":"Loja (ti@loja.com.br)"},
            "credentials":{"access_token":"t","app_secret":"s"}}"#;
        let config = parse_config(good).unwrap();
        assert_eq!(config.nuvemshop.unwrap().api_version, "v1");
        assert_eq!(
            problems(
                r#"{"id":"nuvem","platform":"nuvemshop","base_url":"https://api.nuvemshop.com.br"}"#
            ),
            vec![r#"nuvemshop: is required for nuvemshop: {"store_id", "user_agent"}"#]
        );
        assert_eq!(
            problems(
                r#"{"id":"nuvem","platform":"nuvemshop","base_url":"https://api.nuvemshop.com.br",
                "nuvemshop":{"store_id":"loja-1","api_version":"2025","user_agent":" "}}"#
            ),
            vec![
                "nuvemshop.store_id: must be the store's number (the user_id given with the token)",
                r#"nuvemshop.api_version: '2025' is not a Nuvemshop API version: use "v1" or a dated one such as "2025-03""#,
                r#"nuvemshop.user_agent: must name the caller with a contact, such as "Loja do ERP (ti@loja.com.br)"; Nuvemshop refuses a request without one"#,
            ]
        );
        // Order states only through Nuvemshop's own vocabulary.
        assert_eq!(
            problems(
                r#"{"id":"nuvem","platform":"nuvemshop","base_url":"https://api.nuvemshop.com.br",
                "nuvemshop":{"store_id":"1","user_agent":"a (a@b.c)"},
                "order_capture":{"fetch_statuses":["paid","processing"],
                  "reservation_statuses":["pending"],"received_status":"received",
                  "rejected_status":"cancelled","shipped_status":"fulfilled"}}"#
            ),
            vec![
                r#"order_capture.fetch_statuses[1]: "processing" is not a state a Nuvemshop order can be in; use one of pending, authorized, paid, abandoned, refunded, voided, fulfilled, closed, cancelled"#,
                r#"order_capture.received_status: Nuvemshop cannot express "received": its orders change only through the actions fulfill, close and cancel; use one of fulfilled, closed, cancelled or leave it unset (the order stays open, which is what received means there)"#,
            ]
        );
        assert_eq!(
            problems(
                r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "nuvemshop":{"store_id":"1","user_agent":"a"},
                "credentials":{"consumer_key":"k","consumer_secret":"s","app_secret":"x"}}"#
            ),
            vec![
                "credentials.app_secret: is not used by woocommerce",
                "nuvemshop: is not used by woocommerce",
            ]
        );
    }

    #[test]
    fn a_mercado_livre_seller_needs_its_app_and_refresh_token_and_sets_no_order_state() {
        let good = r#"{"id":"ml","platform":"mercadolivre","base_url":"https://api.mercadolibre.com",
            "mercadolivre":{"seller_id":"9007199254740993"},
            "credentials":{"client_id":"1","client_secret":"s","refresh_token":"TG-1",
                           "access_token":"APP_USR-1","access_token_expires_at":"2026-12-02T18:00:00Z"}}"#;
        let config = parse_config(good).unwrap();
        assert_eq!(config.mercadolivre.unwrap().site_id, "MLB");
        assert_eq!(
            problems(
                r#"{"id":"ml","platform":"mercadolivre","base_url":"https://api.mercadolibre.com",
                "mercadolivre":{"seller_id":"vendedor","site_id":"Brasil","listing_type_id":"ouro","condition":"novo"},
                "credentials":{"client_id":"1","client_secret":"s","access_token_expires_at":"amanhã"},
                "order_capture":{"fetch_statuses":["paid","processing"],"rejected_status":"cancelled"}}"#
            ),
            vec![
                "credentials.refresh_token: is required for mercadolivre",
                r#"credentials.access_token_expires_at: "amanhã" is not an RFC 3339 time with its zone"#,
                "mercadolivre.seller_id: must be the seller's user id, the user_id given with the tokens",
                r#"mercadolivre.site_id: "Brasil" is not a Mercado Livre site such as "MLB""#,
                r#"mercadolivre.listing_type_id: "ouro" is not a listing type; use gold_special (Clássico), gold_pro (Premium) or free"#,
                r#"mercadolivre.condition: "novo" is not a condition; use new, used or not_specified"#,
                r#"order_capture.fetch_statuses[1]: "processing" is not a state a Mercado Livre order can be in; use one of confirmed, payment_required, payment_in_process, partially_paid, paid, partially_refunded, pending_cancel, cancelled, invalid, fraud_risk_detected, test_order"#,
                r#"order_capture.rejected_status: Mercado Livre owns its orders' states and a seller cannot set "cancelled"; leave it unset (a rejection's reason goes to the order as a note)"#,
            ]
        );
    }

    #[test]
    fn a_minimal_config_gets_the_documented_defaults() {
        let config = parse_config(MINIMAL).unwrap();
        assert_eq!(config.locale, Locale::PtBr);
        assert!(config.product_sync.enabled);
        assert_eq!(config.product_sync.fields.len(), ALL_SYNC_FIELDS.len());
        assert_eq!(
            config.product_sync.unpublished_policy,
            UnpublishedPolicy::Hide
        );
        assert!(!config.order_capture.enabled);
        assert!(config.order_capture.require_document);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_path() {
        let found = problems(
            r#"{"id":"loja virtual","platform":"woocommerce","base_url":"http://loja",
                "order_capture":{"enabled":true,"fetch_statuses":["processing"],
                                 "received_status":"processing"}}"#,
        );
        assert_eq!(
            found,
            vec![
                r#"id: "loja virtual" must be 1 to 64 characters of letters, digits, '-', '_' or '.'"#,
                "base_url: plain http:// is refused: use https://, or set allow_http for a sandbox or a store on the LAN",
                "order_capture.received_status: must differ from every fetch status",
                "order_capture.default_payment_terms: is required when order capture is enabled",
                "order_capture.default_payment_method: is required when order capture is enabled",
            ]
        );
    }

    #[test]
    fn a_reservation_status_cannot_also_be_fetched() {
        let found = problems(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "order_capture":{"fetch_statuses":["processing"],"reservation_statuses":["processing"]}}"#,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("order_capture.reservation_statuses[0]:"));
    }

    #[test]
    fn credentials_must_match_the_platform_and_never_print() {
        let found = problems(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "credentials":{"consumer_key":"ck_CANARY","access_token":"CANARY"}}"#,
        );
        assert_eq!(
            found,
            vec![
                "credentials.consumer_secret: is required for woocommerce",
                "credentials.access_token: is not used by woocommerce",
            ]
        );
        let config = parse_config(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "credentials":{"consumer_key":"ck_CANARY","consumer_secret":"cs_CANARY"}}"#,
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("CANARY"));
        assert!(!serde_json::to_string(&config).unwrap().contains("CANARY"));
    }

    #[test]
    fn a_credential_of_the_wrong_shape_is_not_quoted_back() {
        let err = parse_config(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "credentials":"ck_CANARY:cs_CANARY"}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("credentials: expected an object"),
            "{err}"
        );
        assert!(!err.to_string().contains("CANARY"));
    }

    #[test]
    fn http_is_allowed_only_when_asked_and_never_with_a_password() {
        let lan = r#"{"id":"loja","platform":"woocommerce","base_url":"http://192.168.0.10/loja","allow_http":true}"#;
        assert!(parse_config(lan).is_ok());
        let found = problems(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://u:p@l.example"}"#,
        );
        assert_eq!(
            found,
            vec!["base_url: must not contain a user name or password; use credentials"]
        );
    }

    #[test]
    fn a_typo_in_a_setting_name_is_refused_with_its_path() {
        let err = parse_config(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "order_capture":{"fetch_status":["processing"]}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("order_capture.fetch_status: unknown field `fetch_status`"),
            "{err}"
        );
    }

    #[test]
    fn only_eans_is_a_comma_separated_list() {
        let mut config = parse_config(MINIMAL).unwrap();
        config.product_sync.only_eans = " 7891000100103, ,SKU-9 ".into();
        assert_eq!(
            config.product_sync.only_eans_list(),
            vec!["7891000100103", "SKU-9"]
        );
    }

    #[test]
    fn schedule_times_are_checked() {
        let found = problems(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "schedule":{"full_sync_start":"02:00","full_sync_end":"25:00"}}"#,
        );
        assert_eq!(
            found,
            vec![r#"schedule.full_sync_end: "25:00" is not a time as HH:MM"#]
        );
    }

    #[test]
    fn a_schedule_names_every_field_that_is_wrong() {
        let found = problems(
            r#"{"id":"loja","platform":"woocommerce","base_url":"https://l.example",
                "schedule":{"full_sync_start":"05:00","full_sync_end":"05:00","time_zone":"Mars/Olympus",
                            "capture_every_minutes":0,"stock_every_minutes":15}}"#,
        );
        assert_eq!(
            found,
            vec![
                "schedule.full_sync_end: the window 05:00–05:00 is empty; a window that crosses midnight ends before it starts (22:00–05:00)".to_string(),
                r#"schedule.time_zone: "Mars/Olympus" is not a known time zone (an IANA name such as America/Sao_Paulo, or UTC)"#.to_string(),
                "schedule.capture_every_minutes: 0 is not between 1 and 10080 (a week)".to_string(),
            ]
        );
    }
}

//! Store platforms behind one trait, so the sync and capture engines never know which store they
//! talk to. Each adapter maps Ponte's model to its platform's API and back, and declares what its
//! platform can do.

pub mod http;
pub mod in_flight;
pub mod json_scan;
pub mod mercadolivre;
pub mod nuvemshop;
pub mod oauth;
pub mod reading;
pub mod woocommerce;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;
use crate::model::catalog::{Brand, Product};
use crate::model::config::{NewProductStatus, SyncField, Visibility};
use serde_json::Value;

use crate::model::order::{Refund, StoreOrder};

/// The code of a write to a product the store no longer has (deleted by the merchant), on
/// platforms whose own answer is a bare 404.
pub const PRODUCT_GONE: &str = "ponte_product_gone";

/// What a platform can do; the engines adapt to it instead of asking which platform it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub platform: &'static str,
    /// Most items one write request may carry.
    pub max_batch: usize,
    /// Products carry a brand.
    pub brands: bool,
    /// Products and variants keep a GTIN (EAN, UPC) of their own, and can be found by it.
    pub gtin: bool,
    /// Products have a catalog visibility of their own.
    pub visibility: bool,
    /// Every product has variants, even a simple one (Nuvemshop).
    pub variants_always: bool,
    /// Every product must be in one of the marketplace's own categories, which sellers cannot
    /// make: only `product_sync.categories.map` and its default place a product. Elsewhere a
    /// product whose category the store lacks goes without it, or the category is created.
    pub categories_required: bool,
    /// How many pictures of its own a variant keeps.
    pub variant_images: usize,
    /// Order statuses may be any slug the store registered, not only the platform's own.
    pub free_form_statuses: bool,
    /// The order statuses every store of this platform has.
    pub order_statuses: &'static [&'static str],
    /// Most orders one listing request can read by id (WooCommerce's `include`); 1 where each
    /// order is a request of its own (Nuvemshop), so capture reads fewer again per run.
    pub order_ids_per_request: usize,
    /// Orders in these statuses have been taken off the store's own stock by the store.
    pub stock_reducing_statuses: &'static [&'static str],
    /// The answers to a write that mean the store refused the credentials themselves, which end
    /// a sync run: 401 and 403 where a 403 is a key without write permission; 401 alone where a
    /// 403 names one resource the seller may not touch (Mercado Livre).
    pub key_refused_statuses: &'static [u16],
}

/// What a store is and can do, as a check finds it without writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreProbe {
    /// The store's software, such as `WooCommerce`.
    pub software: &'static str,
    pub version: Option<String>,
    /// The currency the store sells in.
    pub currency: Option<String>,
    /// Why the key may not write, when a write that changes nothing was refused for it.
    pub write_refused: Option<String>,
    /// Why that write could not tell either way (the store failed it for another reason).
    pub write_unverified: Option<String>,
    pub capabilities: Capabilities,
    /// The order statuses the store has registered (slug and label), custom ones included;
    /// `None` when the store would not say.
    pub order_statuses: Option<Vec<OrderStatus>>,
}

/// An order status a store has registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct OrderStatus {
    pub slug: String,
    pub name: String,
}

/// A product or variation as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteProduct {
    pub id: String,
    /// For a variation, its product.
    pub parent_id: Option<String>,
    pub kind: RemoteKind,
    pub sku: Option<String>,
    /// EAN/GTIN as the store keeps it.
    pub ean: Option<String>,
    pub name: String,
    pub status: String,
    pub visibility: Option<String>,
    pub price_cents: Option<i64>,
    /// `None` when the store does not manage this item's stock.
    pub stock: Option<i64>,
    pub variation_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteKind {
    Simple,
    Variable,
    Variation,
    Other,
}

/// One page of a listing. Items the store sent in a shape Ponte cannot read are reported in
/// `failures` with the store's id, and never stop the other items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub failures: Vec<ItemFailure>,
    pub has_more: bool,
    /// The store's count of every matching item, when it says.
    pub total: Option<u64>,
}

/// An item of a listing that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ItemFailure {
    /// The store's id of the item, or its position when it has none.
    pub store_id: String,
    pub reason: String,
    /// When the store last modified it (RFC 3339 UTC), if that much could be read: a reader by
    /// modification time places the item without reading the rest.
    #[serde(skip)]
    pub modified_at: Option<String>,
}

/// A product category as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreCategory {
    pub id: String,
    /// As the store shows it (WooCommerce escapes `&` and the like as HTML).
    pub name: String,
    pub parent_id: Option<String>,
}

/// A category to create in the store, under a parent it already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub parent_id: Option<String>,
}

/// A picture as sync sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The address the store downloads it from.
    pub src: String,
    pub alt: String,
    /// What makes it this picture: its address and the digest of its content. The store's id
    /// for it is kept under this key (`StoreRef::media`), so an unchanged picture is never
    /// downloaded again.
    pub key: String,
}

/// What sync wants the store to have for one ERP product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub product: Product,
    pub brand: Option<Brand>,
    /// Only these fields are sent; everything else in the store is left alone.
    pub fields: BTreeSet<SyncField>,
    /// Sellable stock by SKU, for products whose stock is synced; a SKU not here keeps its stock.
    pub stock: BTreeMap<String, i64>,
    /// Used on creation only: the merchant owns these afterwards.
    pub status: NewProductStatus,
    pub visibility: Visibility,
    /// On an update, set `visibility` again: the product was hidden by Ponte's unpublished
    /// policy and is published again.
    pub restore_visibility: bool,
    /// Variants of the store product that the ERP product no longer has, by SKU, taken off sale
    /// as the unpublished policy says: a shopper must not buy what the ERP will not deliver.
    pub retire_variants: BTreeMap<String, Retirement>,
    /// Variants hidden that way before and back in the ERP now: put on sale again.
    pub restore_variants: BTreeSet<String>,
    /// The store's ids of the product's categories, main one first.
    pub categories: Vec<String>,
    /// The product's pictures, main one first.
    pub images: Vec<Picture>,
    /// Each variant's own picture, by SKU.
    pub variant_images: BTreeMap<String, Picture>,
}

/// How a variant the ERP no longer has is taken off sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Retirement {
    /// Hidden: the variation is made private, so it can no longer be bought.
    Hide,
    /// Its stock set to zero.
    ZeroStock,
}

/// Where an ERP product lives in a store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct StoreRef {
    pub product_id: String,
    /// Store id of each variant by SKU; for a simple product, its own id.
    pub variants: BTreeMap<String, String>,
    /// The store's id of each picture Ponte put there, by `Picture::key`: pictures not in here
    /// are the merchant's, and stay.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub media: BTreeMap<String, String>,
}

/// One write sync asks of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductWrite {
    Create(ProductDraft),
    Update {
        target: StoreRef,
        draft: ProductDraft,
    },
    /// Absolute stock of some variants.
    Stock {
        target: StoreRef,
        quantities: BTreeMap<String, i64>,
    },
    /// Hide from catalog and search (a product no longer published, under the `hide` policy).
    Hide {
        target: StoreRef,
    },
}

/// A store's per-item error, with the platform's own code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ItemError {
    pub code: String,
    pub message: String,
    pub status: u16,
    /// The store item the error points at, such as the product that already has this SKU.
    pub resource_id: Option<String>,
}

/// What became of one write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WriteOutcome {
    /// Applied. `target` holds the variants the store confirmed; the others failed.
    Done {
        target: StoreRef,
        variant_failures: BTreeMap<String, ItemError>,
    },
    Failed {
        error: ItemError,
    },
    /// The request may or may not have been applied (a timeout after it was sent): look the
    /// SKUs up before trying again, never create blindly.
    Unknown {
        reason: String,
    },
}

/// The order a listing of orders comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderSort {
    /// Oldest modification first. Orders modified in the same second come in no fixed order,
    /// not even from one page to the next.
    #[default]
    Modified,
    /// Lowest id first: the one order a store cannot shuffle.
    Id,
}

/// Which orders to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderQuery {
    /// Any of these statuses; every status when empty.
    pub statuses: Vec<String>,
    /// Only orders modified strictly after this second, Unix seconds UTC.
    pub modified_after: Option<i64>,
    /// Only orders modified strictly before this second, Unix seconds UTC.
    pub modified_before: Option<i64>,
    /// Leave these orders out (those of the cursor's second already read).
    pub exclude: Vec<String>,
    /// Only these orders (at most one page of them); all orders when empty.
    pub ids: Vec<String>,
    pub sort: OrderSort,
}

/// Set an order's status in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub store_order_id: String,
    pub status: String,
}

/// A store, as the engines see it. Methods are synchronous and each may make several requests.
pub trait Platform: Send + Sync {
    /// What this store can do: the platform's own, narrowed by what `probe` found.
    fn capabilities(&self) -> Capabilities;

    /// Finds out what the store is and can do, with reads and a write that changes nothing, and
    /// narrows `capabilities` to it. An error means the store could not be asked at all (its
    /// address, its credentials).
    fn probe(&self) -> Result<StoreProbe>;

    /// Products and variations with any of these SKUs (exact match).
    fn find_products_by_sku(&self, skus: &[String]) -> Result<Vec<RemoteProduct>>;

    /// Products and variations with any of these GTINs (EAN, UPC), exact match.
    fn find_products_by_gtin(&self, gtins: &[String]) -> Result<Vec<RemoteProduct>>;

    /// Which of these products (not variations) the store still has out of its trash, at most
    /// 100 ids a request.
    fn live_products(&self, ids: &[String]) -> Result<BTreeSet<String>>;

    /// One page (from 1) of the store's products, variations not included.
    fn list_products(&self, page: u32) -> Result<Page<RemoteProduct>>;

    /// Carries out the writes in as few requests as the platform allows. Returns one outcome per
    /// write, in order; an item the store refuses is an outcome, not an error.
    fn push_products(&self, writes: &[ProductWrite]) -> Vec<WriteOutcome>;

    /// Every product category the store has.
    fn list_categories(&self) -> Result<Vec<StoreCategory>>;

    /// Creates categories, each under a parent the store has; one outcome per category, in
    /// order: its new id, or the store's error (one that says the category exists carries its
    /// id in `resource_id`).
    fn create_categories(&self, categories: &[NewCategory]) -> Vec<Result<String, ItemError>>;

    /// One page (from 1) of the orders the query selects, in the query's order.
    fn list_orders(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>>;

    /// Sets order statuses; one outcome per update, in order: the status the store reports for
    /// the order afterwards, which the caller compares with the one asked for (a store may keep
    /// or coerce a status it does not know).
    fn set_order_statuses(&self, updates: &[StatusUpdate]) -> Vec<Result<String, ItemError>>;

    /// Adds a note to an order: private, or to the shopper (the store e-mails it to them).
    fn add_order_note(&self, store_order_id: &str, note: &str, to_customer: bool) -> Result<()>;

    /// Sets order meta, key by key (a key already there is replaced): where the platform keeps
    /// what plugins read, such as an invoice or a tracking code. Sending it again changes nothing.
    fn update_order_meta(&self, store_order_id: &str, meta: &[(String, Value)]) -> Result<()>;

    /// The texts of an order's notes, to check whether a note whose answer was lost arrived.
    fn order_notes(&self, store_order_id: &str) -> Result<Vec<String>>;

    /// An order's refunds, with their lines.
    fn order_refunds(&self, store_order_id: &str) -> Result<Vec<Refund>>;

    /// Requests made so far, with retries and throttling.
    fn http_stats(&self) -> http::HttpStats;
}

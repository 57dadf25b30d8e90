//! Product sync, ERP → store: a plan, then a push.
//!
//! The plan is computed for every catalog product from the catalog mirror, the integration's
//! config and what the store last confirmed: create, update (with the fields that changed), stock
//! only, link to a product already in the store, unchanged, skipped (with every reason), conflict,
//! or the unpublished policy's hide or zero stock. Products not yet linked are looked up in the
//! store first (by SKU, then EAN, then barcode), so nothing is created twice, even after a create
//! whose answer was lost. The push sends the writes in batches of the platform's maximum and
//! records links and pushed values only for what the store confirmed.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{ConfigProblem, Error, Result};
use crate::model::catalog::{Brand, Product, ProductKey};
use crate::model::config::{IntegrationConfig, Locale, SyncField, UnpublishedPolicy};
use crate::parallel::LogRelay;
use crate::platform::http::Clock;
use crate::platform::in_flight::{Answered, InFlightLimit};
use crate::platform::{
    ItemError, Picture, Platform, ProductDraft, ProductWrite, Retirement, StoreRef, WriteOutcome,
};
use crate::rules::eligibility::{self, CatalogIndex};
use crate::rules::matching::{self, Match};
use crate::rules::{prices, Reason};
use crate::store::lease::Lease;
use crate::store::sync::{self as history, Link, LinkState, Stamp};
use crate::store::Db;

mod page;
pub use page::CategoryPlan;

/// How a sync runs.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(default, deny_unknown_fields)]
pub struct SyncOptions {
    /// Compute and return the plan; write nothing, in the state file or in the store.
    pub dry_run: bool,
    /// Push only stock and prices that changed, for products already in the store: the frequent,
    /// cheap run. Creates, other fields and hides wait for a full run.
    pub stock_only: bool,
    /// Send every enabled field of every product again, whatever was pushed before.
    pub full_resync: bool,
    /// Stop at the first batch boundary after this many seconds: the run ends `partial` and the
    /// next run goes on where it stopped (a sync inside the ERP's quiet window, or its timer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_limit_seconds: Option<u64>,
}

/// What sync does with one product.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    StockOnly,
    Link,
    Unchanged,
    Skipped,
    Conflict,
    /// The unpublished policy `hide`: hidden from catalog and search.
    Hide,
    /// The unpublished policy `zero_stock`.
    ZeroStock,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::StockOnly => "stock_only",
            Action::Link => "link",
            Action::Unchanged => "unchanged",
            Action::Skipped => "skipped",
            Action::Conflict => "conflict",
            Action::Hide => "hide",
            Action::ZeroStock => "zero_stock",
        }
    }
}

/// The plan for one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PlanItem {
    pub erp_id: String,
    pub action: Action,
    /// For an update: the fields that changed; for a create or link: the fields sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
    /// Why the product is skipped or in conflict: every reason that applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_product_id: Option<String>,
    /// The store's refusal last time, when this is a retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<ItemError>,
    /// What of this product is not sent although the config sends it: fields the store cannot
    /// hold (`not_supported_by_store`), categories it lacks (`category_not_in_store`), pictures
    /// beyond those a variant keeps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_supported: Vec<Reason>,
    /// Variants the store still has and the ERP product no longer does, with what this sync does
    /// about them (`variant_removed`): the unpublished policy's hide or zero stock, or nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_variants: Vec<Reason>,
}

/// The plan for a whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Plan {
    pub integration: String,
    pub options: SyncOptions,
    /// Products per action.
    pub counts: BTreeMap<String, u64>,
    /// The ERP categories the products need that the store had not linked, and what the sync
    /// does about each: found by name path, created, or not in the store.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryPlan>,
    pub items: Vec<PlanItem>,
}

/// Progress of a run, reported after each batch is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SyncProgress {
    /// Products done: planned with nothing to send, or their write answered.
    pub done: u64,
    /// Products the run reads: those that moved since the store last held all of them.
    pub total: u64,
}

/// What one run did with one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RunItem {
    pub erp_id: String,
    pub action: Action,
    /// `ok`, `failed`, `unknown` (sent, answer lost: looked up before the next try), `skipped`,
    /// `conflict` or `cancelled`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_product_id: Option<String>,
    /// What of this product was not sent although the config sends it (as in `PlanItem`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_supported: Vec<Reason>,
    /// Variants the ERP product no longer has, and what was done about them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_variants: Vec<Reason>,
}

/// A run's report: counts per outcome and a line per product acted on, skipped or in conflict
/// (unchanged products are only counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RunReport {
    /// Absent for a dry run, which records nothing.
    pub run_id: Option<i64>,
    pub integration: String,
    /// `completed`, `partial` (stopped at its time limit; the next run goes on), `cancelled`
    /// or `dry_run`.
    pub status: &'static str,
    pub options: SyncOptions,
    /// Products per outcome: an action for what the store confirmed, `unchanged` (with the
    /// products not read because the store already holds all of them), `failed`, `unknown`,
    /// `skipped`, `conflict`, `cancelled` (planned, not sent) and `not_read` (a stopped run
    /// never reached them; the next run reads them).
    pub counts: BTreeMap<String, u64>,
    /// Requests made to the store, retries included.
    pub requests: u64,
    /// Categories found in the store by name path, created, or not in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryPlan>,
    pub items: Vec<RunItem>,
}

/// "Why is product X (not) in my store?"
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ProductStatus {
    pub erp_id: String,
    pub integration: String,
    /// `in_store`, `not_in_store` or `in_doubt` (a create whose outcome is being reconciled).
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_product_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub store_variants: BTreeMap<String, String>,
    /// The values the store last confirmed, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pushed: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pushed_at: Option<String>,
    /// What the next sync would do: `create_or_link` for a product not yet in the store (its SKU
    /// is looked up first), or a plan action.
    pub next_action: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_fields: Vec<&'static str>,
    /// Every reason the product is not sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<ItemError>,
    /// Fields of this product the store cannot hold, each `not_supported_by_store`: not sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_supported: Vec<Reason>,
    /// Variants the store has and the ERP product no longer does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_variants: Vec<Reason>,
}

/// Variants the store has and the ERP does not, and what a sync does about them.
#[derive(Default)]
struct VariantRemoval {
    /// One `variant_removed` line per such variant, for the plan.
    reasons: Vec<Reason>,
    /// What is recorded as pushed for each of them once done.
    markers: BTreeMap<String, Value>,
    /// What this run does about them.
    retire: BTreeMap<String, Retirement>,
    /// Variants hidden that way that are back in the ERP.
    restore: BTreeSet<String>,
}

/// One write to carry out, and what to remember once the store confirms it.
#[derive(Clone)]
struct Work {
    item: usize,
    write: ProductWrite,
    /// The pushed values to record on success.
    desired: Value,
    creates: bool,
    /// Not looked up in the store yet: the batch that carries it looks it up first, and links
    /// it instead of creating it when the store already has it.
    unmatched: bool,
    /// The stamp to settle the link with once the store confirms it all.
    settle: Option<Stamp>,
}

/// When products not linked yet are looked up in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookups {
    /// All of them, while planning: a plan shows what a sync would do.
    Now,
    /// In each batch that carries them, just before it is sent: a run's work, and its time
    /// limit, then cover the look-ups too.
    InBatches,
    /// Never: a plan made without the store.
    Never,
}

/// Everything the plan is computed from.
struct Context<'a> {
    config: &'a IntegrationConfig,
    /// The products read (`read_products`), each with whether the ERP retired it.
    products: Vec<(Product, bool)>,
    /// Their stock, by SKU and warehouse.
    stock: BTreeMap<String, BTreeMap<String, i64>>,
    /// Units held by store orders (reservations, orders the ERP has not confirmed), by SKU.
    held: BTreeMap<String, i64>,
    /// The links of the products read.
    links: BTreeMap<String, Link>,
    index: CatalogIndex,
    /// The fields sync sends: the config's, less those the store cannot hold.
    fields: BTreeSet<SyncField>,
    /// Fields the config sends that the store cannot hold (a brand before WooCommerce 9.6, an
    /// EAN before 9.2): never sent, never recorded as pushed, and said so in every plan.
    unsupported: BTreeSet<SyncField>,
    /// The store, as the check describes it, for messages.
    store: String,
    /// Units of orders the store has counted but Ponte has not captured yet, by SKU.
    uncaptured: BTreeMap<String, i64>,
    /// The products' stamps, for a run that records what it leaves settled.
    settling: Settling,
    /// Store products linked to an ERP product, by store id: read the first time a product read
    /// is not linked (it may be looked up), then kept as this run links more. Those a look-up
    /// found count before the store confirms, so two batches in flight never link one store
    /// product twice.
    claimed: RefCell<Option<BTreeMap<String, String>>>,
    /// Whether the store has no product at all, once asked: then nothing is looked up.
    store_empty: Cell<Option<bool>>,
    /// The ERP's categories and the store's id of each.
    categories: RefCell<page::Categories>,
    /// Every product must have a store category (marketplaces).
    categories_required: bool,
    /// How many pictures of its own a variant keeps in this store.
    variant_images: usize,
}

/// Which catalog products a plan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    /// All of them: a plan shown to a person, a full resync.
    All,
    /// Only those the store may not hold as sync would send them: whose stamp moved since the
    /// store last confirmed all of it, plus those with stock held by orders and those sharing a
    /// SKU or EAN with another product (rules that look beyond the product itself).
    Moved,
}

/// What a run knows of the products' stamps.
struct Settling {
    /// The stamp of each product read whose link does not have it, to settle the link with
    /// once the store holds everything sync would send.
    stamps: BTreeMap<String, Stamp>,
    /// Sync's context digest now: what every product's plan depends on besides itself.
    context: String,
    /// Catalog products not read: the store holds them as sync would send them.
    settled: u64,
    /// Whether this run records what it leaves settled: not a dry run, and not a stock-only run
    /// (which leaves other fields unsent).
    settles: bool,
}

fn sync_config_check(config: &IntegrationConfig) -> Result<()> {
    if config.product_sync.enabled {
        return Ok(());
    }
    Err(Error::InvalidConfig(vec![ConfigProblem {
        path: "product_sync.enabled".into(),
        message: format!("product sync is off for integration '{}'", config.id),
    }]))
}

/// Reads what a plan is made from, except the products: what the store can hold (from the
/// connected store, or, for a plan made without it, from the last check of it), the rules that
/// look across products, the products' stamps; and which products to read, in ERP id order.
/// `uncaptured` are the units of orders the store counted that no capture has read yet, by SKU.
/// `read_products` then reads them, a chunk at a time.
fn load<'a>(
    db: &mut Db,
    config: &'a IntegrationConfig,
    platform: Option<&dyn Platform>,
    selection: Selection,
    options: SyncOptions,
    uncaptured: BTreeMap<String, i64>,
) -> Result<(Context<'a>, Vec<String>)> {
    let (facts, brand_versions) = db.read(|tx| {
        Ok((
            crate::store::integrations::store_facts(tx, &config.id)?,
            crate::store::catalog::brand_versions(tx)?,
        ))
    })?;
    let (brands, gtin) = match (platform, &facts) {
        (Some(platform), _) => {
            let capabilities = platform.capabilities();
            (capabilities.brands, capabilities.gtin)
        }
        (None, Some(facts)) => (facts.brands, facts.gtin),
        (None, None) => (true, true),
    };
    let (categories_required, variant_images) = platform
        .map(|p| p.capabilities())
        .map_or((false, 1), |c| (c.categories_required, c.variant_images));
    let categories = page::Categories::load(db, config)?;
    let mut unsupported = BTreeSet::new();
    if !brands {
        unsupported.insert(SyncField::Brand);
    }
    if !gtin {
        unsupported.insert(SyncField::Ean);
    }
    let unsupported: BTreeSet<SyncField> = config
        .product_sync
        .fields
        .intersection(&unsupported)
        .copied()
        .collect();
    let fields: BTreeSet<SyncField> = config
        .product_sync
        .fields
        .difference(&unsupported)
        .copied()
        .collect();
    let store = match facts
        .as_ref()
        .and_then(|f| f.version.as_ref().map(|v| (f, v)))
    {
        Some((facts, version)) => format!("{} {version}", facts.software),
        None => config.platform.name().to_string(),
    };
    let integration = config.id.as_str();
    let context = context_digest(config, &fields, &unsupported, &store, brand_versions);
    let settles = platform.is_some() && !options.dry_run && !options.stock_only;
    let (to_read, index, settling, held) = db.read(|tx| {
        let moved = history::unsettled(tx, integration, &context)?;
        let shared = crate::store::catalog::shared_keys(tx)?;
        let held = crate::store::catalog::held(tx)?;
        let brands = crate::store::catalog::brands(tx)?;
        let (to_read, settled) = match selection {
            Selection::All => (crate::store::catalog::erp_ids(tx)?, 0),
            Selection::Moved => {
                let mut selected: BTreeSet<String> =
                    moved.iter().map(|(erp_id, _)| erp_id.clone()).collect();
                selected.extend(shared.products());
                selected.extend(crate::store::catalog::products_with_skus(
                    tx,
                    held.keys().chain(uncaptured.keys()),
                )?);
                let total = crate::store::catalog::product_count(tx)?;
                let settled = total.saturating_sub(selected.len() as u64);
                (selected.into_iter().collect(), settled)
            }
        };
        let index = CatalogIndex {
            brands: brands.into_iter().map(|b| (b.id.clone(), b)).collect(),
            skus: shared.skus,
            eans: shared.eans,
        };
        let settling = Settling {
            stamps: moved.into_iter().collect(),
            context: context.clone(),
            settled,
            settles,
        };
        Ok((to_read, index, settling, held))
    })?;
    let ctx = Context {
        config,
        products: Vec::new(),
        stock: BTreeMap::new(),
        held,
        links: BTreeMap::new(),
        index,
        fields,
        unsupported,
        store,
        uncaptured,
        settling,
        claimed: RefCell::new(None),
        store_empty: Cell::new(None),
        categories: RefCell::new(categories),
        categories_required,
        variant_images,
    };
    Ok((ctx, to_read))
}

/// How many products a run reads and plans at a time: its memory then stays flat in the size
/// of the catalog, and the batches of one chunk are sent while the next is read.
const PLAN_CHUNK: usize = 2000;

impl Context<'_> {
    /// Records that a store product is linked, or about to be, to an ERP product.
    fn claim(&self, store_id: &str, erp_id: &str) {
        if let Some(claimed) = self.claimed.borrow_mut().as_mut() {
            claimed.insert(store_id.to_string(), erp_id.to_string());
        }
    }

    /// Whether looking `unmatched` products up can be skipped because the store has no product
    /// at all (trash aside, as the look-ups by SKU and GTIN see it): the first page of its
    /// listing is empty and has nothing after it. Asked once a run, from `STORE_EMPTY_PROBE_FROM`
    /// products to look up; what a run creates is linked as it goes, so an empty store at its
    /// start has nothing for its later batches to find either.
    fn store_has_nothing_to_find(&self, platform: &dyn Platform, unmatched: usize) -> Result<bool> {
        if let Some(empty) = self.store_empty.get() {
            return Ok(empty);
        }
        if unmatched < STORE_EMPTY_PROBE_FROM {
            return Ok(false);
        }
        let page = platform.list_products(1)?;
        let empty = page.items.is_empty() && page.failures.is_empty() && !page.has_more;
        self.store_empty.set(Some(empty));
        Ok(empty)
    }

    /// Reads these products, with their stock and links, in place of those read before. The
    /// store products already linked are read once, the first time a product read is not linked
    /// (it may be looked up).
    fn read_products(&mut self, db: &mut Db, erp_ids: &[String]) -> Result<()> {
        let integration = self.config.id.as_str();
        let (products, stock, links) = db.read(|tx| {
            let (products, stock) = crate::store::catalog::products_with_stock(tx, erp_ids)?;
            Ok((
                products,
                stock,
                history::links_of(tx, integration, erp_ids)?,
            ))
        })?;
        let unlinked = products.iter().any(|(p, _)| {
            links
                .get(&p.erp_id)
                .is_none_or(|l: &Link| l.state != LinkState::Linked)
        });
        if unlinked && self.claimed.borrow().is_none() {
            let claimed = db.read(|tx| history::linked_store_ids_of(tx, integration))?;
            *self.claimed.borrow_mut() = Some(claimed);
        }
        self.products = products;
        self.stock = stock;
        self.links = links;
        Ok(())
    }
}

/// What every product's plan depends on besides the product, its stock and its link: the sync
/// settings, the fields the store can hold and every brand. A change to any of it plans the
/// whole catalog again. (The hasher's output may differ between Rust releases: then the first
/// sync after an upgrade plans everything once.)
fn context_digest(
    config: &IntegrationConfig,
    fields: &BTreeSet<SyncField>,
    unsupported: &BTreeSet<SyncField>,
    store: &str,
    brand_versions: (u64, i64),
) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(&config.product_sync)
        .unwrap_or_default()
        .hash(&mut hasher);
    serde_json::to_string(&(config.locale, fields, unsupported))
        .unwrap_or_default()
        .hash(&mut hasher);
    store.hash(&mut hasher);
    brand_versions.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Units the store has already taken off its own stock for orders Ponte has not journaled yet
/// (paid between two captures), by SKU. WooCommerce lowers its stock when an order is paid; a
/// push of ERP stock that did not hold these would put the sold units back on sale.
///
/// Ponte holds them for this push rather than capturing first: a sync then neither hands
/// orders to the ERP nor writes statuses back, and cannot be blocked by a capture running
/// elsewhere. The orders read are those modified since the capture watermark (less its overlap),
/// or since the integration was set up when capture has not run; with none, it costs one request.
fn uncaptured_holds(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
) -> Result<BTreeMap<String, i64>> {
    let capture = &config.order_capture;
    let sends_stock = config.product_sync.fields.contains(&SyncField::Stock);
    if !capture.enabled || !sends_stock {
        // Without capture the store's orders never reach the ERP through Ponte: nothing to hold.
        return Ok(BTreeMap::new());
    }
    let integration = config.id.as_str();
    let (watermark, created_at) = db.read(|tx| {
        Ok((
            crate::store::orders::watermark(tx, integration)?,
            crate::store::integrations::get(tx, integration)?.created_at,
        ))
    })?;
    let from = match watermark {
        Some(watermark) => watermark - i64::from(capture.overlap_seconds),
        None => crate::time::parse(&created_at).unwrap_or(0) - i64::from(capture.overlap_seconds),
    };
    let statuses: Vec<String> = platform
        .capabilities()
        .stock_reducing_statuses
        .iter()
        .map(|s| s.to_string())
        .chain(capture.fetch_statuses.iter().cloned())
        .chain(capture.reservation_statuses.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut held: BTreeMap<String, i64> = BTreeMap::new();
    let mut orders = 0u64;
    crate::capture::walk::walk(
        platform,
        &statuses,
        Some(from),
        capture.max_listing_requests,
        &mut || None,
        &mut |page| {
            db.read(|tx| {
                for order in &page.items {
                    if crate::store::orders::journal_get(tx, integration, &order.store_order_id)?
                        .is_some()
                    {
                        continue;
                    }
                    orders += 1;
                    for line in &order.lines {
                        if let Some(sku) = &line.sku {
                            *held.entry(sku.clone()).or_default() += line.quantity.max(0);
                        }
                    }
                }
                Ok(())
            })
        },
    )?;
    if orders > 0 {
        log::info!(target: "ponte::sync", "{orders} orders in the store not captured yet: their units are held for this push");
    }
    Ok(held)
}

impl Context<'_> {
    /// Every catalog product by ERP id.
    fn products_by_id(&self) -> BTreeMap<&str, &Product> {
        self.products
            .iter()
            .map(|(p, _)| (p.erp_id.as_str(), p))
            .collect()
    }

    /// The work for a product not linked yet, as its look-up in the store came out: create it,
    /// link it to what the store has, or nothing (a conflict, on `item`). `None` plans a create
    /// to be looked up in its batch.
    fn work_for_match(
        &self,
        product: &Product,
        item: &mut PlanItem,
        index: usize,
        found: Option<Match>,
    ) -> Option<Work> {
        let desired = self.desired(product);
        let draft = self.draft(product, self.fields.clone(), false);
        item.fields = changed_fields(&desired, None).into_iter().collect();
        match found {
            None | Some(Match::None) => {
                item.action = Action::Create;
                Some(Work {
                    item: index,
                    write: ProductWrite::Create(draft),
                    desired,
                    creates: true,
                    unmatched: found.is_none(),
                    settle: self.settle_stamp(product),
                })
            }
            Some(Match::Found(target)) => {
                item.action = Action::Link;
                item.store_product_id = Some(target.product_id.clone());
                Some(Work {
                    item: index,
                    write: ProductWrite::Update { target, draft },
                    desired,
                    creates: false,
                    unmatched: false,
                    settle: self.settle_stamp(product),
                })
            }
            Some(Match::Conflict(reason)) => {
                item.action = Action::Conflict;
                item.fields = Vec::new();
                item.reasons = vec![reason];
                None
            }
        }
    }

    /// The stamp to settle `product`'s link with once the store holds what this plan sends it:
    /// when this run settles, and nothing outside the product (stock held by orders) shaped it.
    fn settle_stamp(&self, product: &Product) -> Option<Stamp> {
        let settling = &self.settling;
        if !settling.settles {
            return None;
        }
        let held = product
            .variants
            .iter()
            .any(|v| self.held.contains_key(&v.sku) || self.uncaptured.contains_key(&v.sku));
        if held || !self.store_categories(product).1.is_empty() {
            return None;
        }
        settling.stamps.get(&product.erp_id).copied()
    }

    /// The fields of `product` that the config sends but the store cannot hold, with why.
    fn not_supported(&self, product: &Product) -> Vec<Reason> {
        let locale = self.config.locale;
        let store = &self.store;
        let mut reasons = Vec::new();
        if self.unsupported.contains(&SyncField::Brand) {
            if let Some(brand) = self.brand(product) {
                reasons.push(Reason::new(
                    "not_supported_by_store",
                    locale,
                    format!(
                        "Marca \"{}\" não enviada: a loja ({store}) não tem marcas de produto.",
                        brand.name
                    ),
                    format!(
                        "Brand \"{}\" not sent: the store ({store}) has no product brands.",
                        brand.name
                    ),
                ));
            }
        }
        if self.unsupported.contains(&SyncField::Ean)
            && product.variants.iter().any(|v| v.ean.is_some())
        {
            reasons.push(Reason::new(
                "not_supported_by_store",
                locale,
                format!("EAN não enviado: a loja ({store}) não guarda EAN (GTIN)."),
                format!("EAN not sent: the store ({store}) keeps no EAN (GTIN)."),
            ));
        }
        if !self.categories_required {
            let categories = self.categories.borrow();
            for erp_id in self.store_categories(product).1 {
                reasons.push(categories.missing_reason(&erp_id, locale, false));
            }
        }
        if self.fields.contains(&SyncField::Images) {
            let keeps = self.variant_images;
            for variant in product.variants.iter().filter(|v| v.images.len() > keeps) {
                let (sku, extra) = (&variant.sku, variant.images.len() - keeps);
                reasons.push(Reason::new(
                    "not_supported_by_store",
                    locale,
                    format!("SKU {sku}: {extra} imagem(ns) da variação não enviada(s): a loja ({store}) guarda {keeps} por variação."),
                    format!("SKU {sku}: {extra} variant picture(s) not sent: the store ({store}) keeps {keeps} per variant."),
                ));
            }
        }
        reasons
    }

    /// Finds or creates the store categories of the products read that may be sent.
    fn resolve_categories(
        &self,
        db: &mut Db,
        platform: &dyn Platform,
        dry_run: bool,
    ) -> Result<()> {
        if !self.fields.contains(&SyncField::Categories) {
            return Ok(());
        }
        // Only the categories of products this run may send: a skipped product creates none.
        let (sync, locale) = (&self.config.product_sync, self.config.locale);
        let needed: Vec<String> = self
            .products
            .iter()
            .filter(|(p, retired)| {
                // Most products have no category: no need to weigh their rules twice.
                !p.category_ids.is_empty()
                    && eligibility::reasons(p, *retired, &self.index, sync, locale).is_empty()
            })
            .flat_map(|(p, _)| p.category_ids.iter().cloned())
            .collect();
        self.categories
            .borrow_mut()
            .resolve(db, self.config, platform, needed, dry_run)
    }

    /// The store's ids of the product's categories, and the ERP categories it has none for.
    fn store_categories(&self, product: &Product) -> (Vec<String>, Vec<String>) {
        if !self.fields.contains(&SyncField::Categories) {
            return (Vec::new(), Vec::new());
        }
        let categories = self.categories.borrow();
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for erp_id in &product.category_ids {
            if categories.planned(erp_id) {
                // A plan's creation: the run creates it before it sends the product.
                continue;
            }
            match categories.store_id(erp_id) {
                Some(store_id) if !found.iter().any(|f| f == store_id) => {
                    found.push(store_id.to_string())
                }
                Some(_) => {}
                None => missing.push(erp_id.clone()),
            }
        }
        if found.is_empty() && self.categories_required {
            found.extend(self.config.product_sync.categories.default.iter().cloned());
        }
        (found, missing)
    }

    /// The product's pictures as the store gets them, and each variant's own, by SKU.
    fn pictures(&self, product: &Product) -> (Vec<Picture>, BTreeMap<String, Picture>) {
        if !self.fields.contains(&SyncField::Images) {
            return (Vec::new(), BTreeMap::new());
        }
        let base = self.config.product_sync.images.public_base_url.as_deref();
        let gallery = product
            .images
            .iter()
            .filter_map(|i| page::picture(i, base))
            .collect();
        let own = product
            .variants
            .iter()
            .filter(|_| self.variant_images > 0)
            .filter_map(|v| {
                let picture = page::picture(v.images.first()?, base)?;
                Some((v.sku.clone(), picture))
            })
            .collect();
        (gallery, own)
    }

    /// Why a product the catalog's rules let through still cannot go to this store as the
    /// config wants it: a price the channel's table cannot give, file pictures without a public
    /// address, a category the store requires and lacks.
    fn page_problems(&self, product: &Product) -> Vec<Reason> {
        let locale = self.config.locale;
        let mut reasons = Vec::new();
        let fields = &self.fields;
        if fields.contains(&SyncField::Price) || fields.contains(&SyncField::PromoPrice) {
            let table = self.config.product_sync.price_table.as_ref();
            for variant in &product.variants {
                if let Err(reason) = prices::channel_prices(variant, table, locale) {
                    reasons.push(reason);
                }
            }
        }
        if fields.contains(&SyncField::Images)
            && self.config.product_sync.images.public_base_url.is_none()
        {
            let variant_files = product.variants.iter().flat_map(|v| v.images.first());
            if let Some(file) = product
                .images
                .iter()
                .chain(variant_files)
                .find_map(|i| i.file.as_ref())
            {
                reasons.push(page::unpublished_files_reason(file, locale));
            }
        }
        if self.categories_required && fields.contains(&SyncField::Categories) {
            let (found, missing) = self.store_categories(product);
            let categories = self.categories.borrow();
            for erp_id in missing.iter().filter(|_| found.is_empty()) {
                reasons.push(categories.missing_reason(erp_id, locale, true));
            }
            if found.is_empty() && product.category_ids.is_empty() {
                reasons.push(Reason::new(
                    "category_required",
                    locale,
                    "A loja exige uma categoria, e o produto não tem nenhuma no ERP: defina product_sync.categories.default.".into(),
                    "The store requires a category, and the product has none in the ERP: set product_sync.categories.default.".into(),
                ));
            }
        }
        reasons
    }

    /// The product as this channel sells it: its prices under the integration's price table.
    fn priced<'p>(&self, product: &'p Product) -> std::borrow::Cow<'p, Product> {
        let Some(table) = self.config.product_sync.price_table.as_ref() else {
            return std::borrow::Cow::Borrowed(product);
        };
        let mut priced = product.clone();
        for variant in &mut priced.variants {
            let (price, promo) = prices::channel_prices(variant, Some(table), self.config.locale)
                .unwrap_or((None, None));
            variant.price_cents = price;
            variant.promo_price_cents = promo;
        }
        std::borrow::Cow::Owned(priced)
    }

    /// The variants the store product has and the ERP product no longer does, and what to do
    /// about them under the unpublished policy: hide them (variations made private) or zero
    /// their stock, once; and variants hidden that way that are back in the ERP.
    fn removed_variants(
        &self,
        product: &Product,
        link: &Link,
        target: &StoreRef,
        options: SyncOptions,
    ) -> VariantRemoval {
        let mut removal = VariantRemoval::default();
        let simple = target.variants.values().all(|id| *id == target.product_id);
        if simple {
            return removal;
        }
        let pushed = |sku: &str| {
            link.pushed
                .as_ref()
                .map(|p| p["variants"][sku].clone())
                .unwrap_or(Value::Null)
        };
        let in_erp = |sku: &str| product.variants.iter().any(|v| v.sku == sku);
        let policy = self.config.product_sync.unpublished_policy;
        let locale = self.config.locale;
        for (sku, id) in target.variants.iter().filter(|(sku, _)| !in_erp(sku)) {
            let done = pushed(sku)["removed"].as_str().map(str::to_string);
            let (how, pt, en) = match policy {
                UnpublishedPolicy::Hide => (
                    Some(Retirement::Hide),
                    "escondida da loja",
                    "hidden in the store",
                ),
                UnpublishedPolicy::ZeroStock => (
                    Some(Retirement::ZeroStock),
                    "com estoque zero na loja",
                    "given zero stock in the store",
                ),
                UnpublishedPolicy::Leave => (
                    None,
                    "deixada como está na loja",
                    "left as it is in the store",
                ),
            };
            removal.reasons.push(Reason::new(
                "variant_removed",
                locale,
                format!(
                    "A variação SKU {sku} (variação {id} da loja) não existe mais no ERP: {pt}."
                ),
                format!("Variant SKU {sku} (store variation {id}) is no longer in the ERP: {en}."),
            ));
            let Some(how) = how else { continue };
            let marker = match how {
                Retirement::Hide => "hide",
                Retirement::ZeroStock => "zero_stock",
            };
            removal
                .markers
                .insert(sku.clone(), json!({ "removed": marker }));
            let hide_waits = how == Retirement::Hide && options.stock_only;
            if done.as_deref() != Some(marker) && !hide_waits {
                removal.retire.insert(sku.clone(), how);
            }
        }
        for variant in &product.variants {
            if pushed(&variant.sku)["removed"] == "hide" && !options.stock_only {
                removal.restore.insert(variant.sku.clone());
            }
        }
        removal
    }

    fn brand(&self, product: &Product) -> Option<&Brand> {
        product
            .brand_id
            .as_ref()
            .and_then(|id| self.index.brands.get(id))
    }

    /// Stock a store may sell: the ERP's stock in the integration's warehouses, minus what store
    /// orders hold (reservations, orders the ERP has not confirmed yet, orders the store counted
    /// that no capture has read yet), never below zero.
    fn sellable(&self, sku: &str) -> i64 {
        let warehouses = &self.config.product_sync.warehouses;
        let on_hand = self
            .stock
            .get(sku)
            .into_iter()
            .flatten()
            .filter(|(warehouse, _)| warehouses.is_empty() || warehouses.contains(warehouse))
            .try_fold(0i64, |sum, (_, quantity)| sum.checked_add(*quantity));
        let held = [&self.held, &self.uncaptured]
            .iter()
            .try_fold(0i64, |sum, holds| {
                sum.checked_add(holds.get(sku).copied().unwrap_or(0))
            });
        // Catalog quantities and order lines are bounded, so this cannot overflow; if it ever
        // did, nothing is offered rather than a wrapped number.
        match on_hand
            .zip(held)
            .and_then(|(on_hand, held)| on_hand.checked_sub(held))
        {
            Some(sellable) => sellable.max(0),
            None => {
                log::error!(target: "ponte::sync", "stock of SKU {sku} overflows: 0 is sent");
                0
            }
        }
    }

    fn stock_of(&self, product: &Product) -> BTreeMap<String, i64> {
        if !product.sync_stock || !self.fields.contains(&SyncField::Stock) {
            return BTreeMap::new();
        }
        product
            .variants
            .iter()
            .map(|v| (v.sku.clone(), self.sellable(&v.sku)))
            .collect()
    }

    fn draft(
        &self,
        product: &Product,
        fields: BTreeSet<SyncField>,
        restore_visibility: bool,
    ) -> ProductDraft {
        let sync = &self.config.product_sync;
        let (images, variant_images) = self.pictures(product);
        ProductDraft {
            product: self.priced(product).into_owned(),
            brand: self.brand(product).cloned(),
            fields,
            stock: self.stock_of(product),
            status: sync.new_product_status,
            visibility: sync.new_product_visibility,
            restore_visibility,
            retire_variants: Default::default(),
            restore_variants: Default::default(),
            categories: self.store_categories(product).0,
            images,
            variant_images,
        }
    }

    /// The values a store should have for `product`, in the fields the config sends.
    fn desired(&self, product: &Product) -> Value {
        let fields = &self.fields;
        let stock = self.stock_of(product);
        let priced = self.priced(product);
        let product = priced.as_ref();
        let (images, variant_images) = self.pictures(product);
        let picture = |p: &Picture| json!({"key": p.key, "alt": p.alt});
        let mut state = Map::new();
        if fields.contains(&SyncField::Name) {
            state.insert("name".into(), json!(product.name));
        }
        if fields.contains(&SyncField::Description) {
            state.insert("description".into(), json!(product.description));
        }
        if fields.contains(&SyncField::ShortDescription) {
            state.insert("short_description".into(), json!(product.short_description));
        }
        if fields.contains(&SyncField::Categories) {
            state.insert("categories".into(), json!(self.store_categories(product).0));
        }
        if fields.contains(&SyncField::Images) {
            let gallery: Vec<Value> = images.iter().map(picture).collect();
            state.insert("images".into(), Value::Array(gallery));
        }
        if fields.contains(&SyncField::Attributes) {
            state.insert("specifications".into(), json!(product.specifications));
        }
        if fields.contains(&SyncField::Brand) {
            state.insert(
                "brand".into(),
                json!(self.brand(product).map(|b| b.name.clone())),
            );
        }
        let mut variants = Map::new();
        for variant in &product.variants {
            let mut values = Map::new();
            let mut put = |field, key: &str, value: Value| {
                if fields.contains(&field) {
                    values.insert(key.to_string(), value);
                }
            };
            put(SyncField::Price, "price", json!(variant.price_cents));
            put(
                SyncField::PromoPrice,
                "promo_price",
                json!(variant.promo_price_cents),
            );
            put(SyncField::Ean, "ean", json!(variant.ean));
            put(SyncField::Weight, "weight", json!(variant.weight_grams));
            put(
                SyncField::Dimensions,
                "dimensions",
                json!(variant.dimensions_mm.map(|d| [d.length, d.width, d.height])),
            );
            put(
                SyncField::Attributes,
                "attributes",
                json!(variant.attributes),
            );
            put(
                SyncField::SaleDates,
                "sale_dates",
                json!(variant.promo_dates()),
            );
            put(
                SyncField::Images,
                "image",
                json!(variant_images.get(&variant.sku).map(picture)),
            );
            if let Some(quantity) = stock.get(&variant.sku) {
                values.insert("stock".into(), json!(quantity));
            }
            variants.insert(variant.sku.clone(), Value::Object(values));
        }
        state.insert("variants".into(), Value::Object(variants));
        Value::Object(state)
    }
}

/// The names of the values `desired` records, as plans and reports list them: static, so a
/// report of 100,000 products does not hold a million small strings.
const FIELD_NAMES: [&str; 16] = [
    "name",
    "description",
    "short_description",
    "categories",
    "images",
    "sale_dates",
    "brand",
    "variants",
    "price",
    "promo_price",
    "ean",
    "weight",
    "dimensions",
    "attributes",
    "stock",
    "removed",
];

/// A recorded value's name. Every key `Context::desired` writes is in `FIELD_NAMES` or named
/// here; anything else could only be a variant's value, and is listed as `variants`.
fn field_name(key: &str) -> &'static str {
    match key {
        "specifications" => return "attributes",
        "image" => return "images",
        _ => {}
    }
    FIELD_NAMES
        .iter()
        .find(|name| **name == key)
        .copied()
        .unwrap_or("variants")
}

/// The field names whose values differ between what is wanted and what was pushed.
fn changed_fields(desired: &Value, pushed: Option<&Value>) -> BTreeSet<&'static str> {
    let mut changed = BTreeSet::new();
    let Some(pushed) = pushed else {
        collect_fields(desired, &mut changed);
        return changed;
    };
    for key in PRODUCT_VALUES {
        if desired.get(key).is_some() && desired.get(key) != pushed.get(key) {
            changed.insert(field_name(key));
        }
    }
    let empty = Map::new();
    let pushed_variants = pushed
        .get("variants")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (sku, values) in desired["variants"].as_object().unwrap_or(&empty) {
        match pushed_variants.get(sku) {
            None => {
                changed.insert("variants");
            }
            Some(before) => {
                for (field, value) in values.as_object().unwrap_or(&empty) {
                    if before.get(field) != Some(value) {
                        changed.insert(field_name(field));
                    }
                }
            }
        }
    }
    changed
}

/// The values `desired` records for the whole product, beside its variants.
const PRODUCT_VALUES: [&str; 7] = [
    "name",
    "description",
    "short_description",
    "brand",
    "categories",
    "images",
    "specifications",
];

fn collect_fields(desired: &Value, out: &mut BTreeSet<&'static str>) {
    for key in PRODUCT_VALUES {
        if desired.get(key).is_some() {
            out.insert(field_name(key));
        }
    }
    for values in desired["variants"]
        .as_object()
        .into_iter()
        .flat_map(|v| v.values())
    {
        out.extend(
            values
                .as_object()
                .into_iter()
                .flat_map(|v| v.keys().map(|k| field_name(k))),
        );
    }
}

fn sync_field(name: &str) -> Option<SyncField> {
    Some(match name {
        "name" => SyncField::Name,
        "description" => SyncField::Description,
        "brand" => SyncField::Brand,
        "price" => SyncField::Price,
        "promo_price" => SyncField::PromoPrice,
        "ean" => SyncField::Ean,
        "stock" => SyncField::Stock,
        "weight" => SyncField::Weight,
        "dimensions" => SyncField::Dimensions,
        "attributes" => SyncField::Attributes,
        "short_description" => SyncField::ShortDescription,
        "sale_dates" => SyncField::SaleDates,
        "images" => SyncField::Images,
        "categories" => SyncField::Categories,
        _ => return None,
    })
}

fn stock_only_reason(locale: Locale) -> Reason {
    Reason::new(
        "stock_only_run",
        locale,
        "Produto ainda não está na loja; será enviado na próxima sincronização completa.".into(),
        "Not in the store yet; a full sync will send it.".into(),
    )
}

/// Computes the plan. With a platform, products not yet linked are looked up in the store (reads
/// only); without one, they are planned as `create`.
fn plan_with(
    ctx: &Context<'_>,
    platform: Option<&dyn Platform>,
    lookups: Lookups,
    options: SyncOptions,
) -> Result<(Plan, Vec<Work>)> {
    let config = ctx.config;
    let locale = config.locale;
    let sync = &config.product_sync;
    let mut items = Vec::with_capacity(ctx.products.len());
    let mut work = Vec::new();
    let mut to_match: Vec<usize> = Vec::new();

    for (product, retired) in &ctx.products {
        let link = ctx.links.get(&product.erp_id);
        let linked = link
            .filter(|l| l.state == LinkState::Linked)
            .and_then(|l| l.target.clone().map(|t| (l, t)));
        let mut reasons = eligibility::reasons(product, *retired, &ctx.index, sync, locale);
        if reasons.is_empty() {
            reasons = ctx.page_problems(product);
        }
        let mut item = PlanItem {
            erp_id: product.erp_id.clone(),
            action: Action::Unchanged,
            fields: Vec::new(),
            reasons: Vec::new(),
            store_product_id: linked.as_ref().map(|(_, t)| t.product_id.clone()),
            last_error: link.and_then(|l| l.last_error.clone()),
            not_supported: Vec::new(),
            removed_variants: Vec::new(),
        };
        let index = items.len();
        if reasons.is_empty() {
            item.not_supported = ctx.not_supported(product);
        } else {
            let unpublished = reasons.iter().any(eligibility::unpublishes);
            match (&linked, unpublished, sync.unpublished_policy) {
                (Some((link, target)), true, UnpublishedPolicy::Hide) if !options.stock_only => {
                    let hidden = link.pushed.as_ref().is_some_and(|p| p["hidden"] == true);
                    if !hidden {
                        let mut desired = link
                            .pushed
                            .clone()
                            .unwrap_or_else(|| json!({"variants": {}}));
                        desired["hidden"] = json!(true);
                        item.action = Action::Hide;
                        work.push(Work {
                            item: index,
                            write: ProductWrite::Hide {
                                target: target.clone(),
                            },
                            desired,
                            creates: false,
                            unmatched: false,
                            settle: None,
                        });
                    } else {
                        item.action = Action::Skipped;
                    }
                }
                (Some((link, target)), true, UnpublishedPolicy::ZeroStock) => {
                    let mut desired = link
                        .pushed
                        .clone()
                        .unwrap_or_else(|| json!({"variants": {}}));
                    let mut quantities = BTreeMap::new();
                    for sku in target.variants.keys() {
                        if desired["variants"][sku]["stock"] != json!(0) {
                            quantities.insert(sku.clone(), 0);
                        }
                        desired["variants"][sku]["stock"] = json!(0);
                    }
                    if quantities.is_empty() {
                        item.action = Action::Skipped;
                    } else {
                        item.action = Action::ZeroStock;
                        work.push(Work {
                            item: index,
                            write: ProductWrite::Stock {
                                target: target.clone(),
                                quantities,
                            },
                            desired,
                            creates: false,
                            unmatched: false,
                            settle: None,
                        });
                    }
                }
                _ => item.action = Action::Skipped,
            }
            item.reasons = reasons;
            items.push(item);
            continue;
        }

        let mut desired = ctx.desired(product);
        match linked {
            Some((link, target)) => {
                let hidden = link.pushed.as_ref().is_some_and(|p| p["hidden"] == true);
                let removal = ctx.removed_variants(product, link, &target, options);
                item.removed_variants = removal.reasons;
                for (sku, marker) in &removal.markers {
                    desired["variants"][sku] = marker.clone();
                }
                let mut changed = if options.full_resync {
                    changed_fields(&desired, None)
                } else {
                    changed_fields(&desired, link.pushed.as_ref())
                };
                changed.remove("removed");
                let stock_changed = changed.contains("stock");
                let zeroed: BTreeMap<String, i64> = removal
                    .retire
                    .iter()
                    .filter(|(_, how)| **how == Retirement::ZeroStock)
                    .map(|(sku, _)| (sku.clone(), 0))
                    .collect();
                // Prices change in place like stock: the frequent run sends them too, alone.
                let price_fields: BTreeSet<SyncField> = ["price", "promo_price", "sale_dates"]
                    .into_iter()
                    .filter(|f| changed.contains(*f))
                    .filter_map(sync_field)
                    .collect();
                let prices_alone = !price_fields.is_empty()
                    && !hidden
                    && zeroed.is_empty()
                    && removal.retire.is_empty()
                    && removal.restore.is_empty();
                if options.stock_only && prices_alone {
                    let mut fields = price_fields;
                    if stock_changed {
                        fields.insert(SyncField::Stock);
                    }
                    let sent: Vec<&str> = ["price", "promo_price", "sale_dates", "stock"]
                        .into_iter()
                        .filter(|f| fields.contains(&sync_field(f).expect("a field")))
                        .collect();
                    // What the store will hold: what it had, with these fields as sent.
                    let mut new_state = link
                        .pushed
                        .clone()
                        .unwrap_or_else(|| json!({"variants": {}}));
                    let empty = Map::new();
                    for (sku, values) in desired["variants"].as_object().unwrap_or(&empty) {
                        for field in &sent {
                            if let Some(value) = values.get(*field) {
                                new_state["variants"][sku][*field] = value.clone();
                            }
                        }
                    }
                    item.action = Action::Update;
                    item.fields = sent;
                    work.push(Work {
                        item: index,
                        write: ProductWrite::Update {
                            target,
                            draft: ctx.draft(product, fields, false),
                        },
                        desired: new_state,
                        creates: false,
                        unmatched: false,
                        settle: None,
                    });
                } else if options.stock_only {
                    if stock_changed || !zeroed.is_empty() {
                        let quantities: BTreeMap<String, i64> = ctx
                            .stock_of(product)
                            .into_iter()
                            .filter(|(sku, q)| {
                                link.pushed
                                    .as_ref()
                                    .map(|p| p["variants"][sku]["stock"] != json!(q))
                                    .unwrap_or(true)
                            })
                            .collect();
                        let mut new_state = link
                            .pushed
                            .clone()
                            .unwrap_or_else(|| json!({"variants": {}}));
                        for (sku, quantity) in &quantities {
                            new_state["variants"][sku]["stock"] = json!(quantity);
                        }
                        for sku in zeroed.keys() {
                            new_state["variants"][sku] = removal.markers[sku].clone();
                        }
                        let mut quantities = quantities;
                        quantities.extend(zeroed);
                        item.action = Action::StockOnly;
                        item.fields = vec!["stock"];
                        work.push(Work {
                            item: index,
                            write: ProductWrite::Stock { target, quantities },
                            desired: new_state,
                            creates: false,
                            unmatched: false,
                            settle: None,
                        });
                    }
                } else if !changed.is_empty() || hidden || !removal.retire.is_empty() {
                    let hides = removal.retire.values().any(|how| *how == Retirement::Hide);
                    let only_stock = changed.iter().all(|f| *f == "stock")
                        && !hidden
                        && !hides
                        && removal.restore.is_empty();
                    if only_stock {
                        item.action = Action::StockOnly;
                        let mut quantities = if stock_changed {
                            ctx.stock_of(product)
                        } else {
                            BTreeMap::new()
                        };
                        quantities.extend(zeroed);
                        work.push(Work {
                            item: index,
                            write: ProductWrite::Stock { target, quantities },
                            desired,
                            creates: false,
                            unmatched: false,
                            settle: ctx.settle_stamp(product),
                        });
                    } else {
                        item.action = Action::Update;
                        let fields: BTreeSet<SyncField> =
                            changed.iter().filter_map(|f| sync_field(f)).collect();
                        let mut draft = ctx.draft(product, fields, hidden);
                        draft.retire_variants = removal.retire.clone();
                        draft.restore_variants = removal.restore.clone();
                        work.push(Work {
                            item: index,
                            write: ProductWrite::Update { target, draft },
                            desired,
                            creates: false,
                            unmatched: false,
                            settle: ctx.settle_stamp(product),
                        });
                    }
                    item.fields = changed.into_iter().collect();
                    if hidden {
                        item.fields.push("visibility");
                    }
                    if !removal.retire.is_empty() {
                        item.fields.push("removed_variants");
                    }
                }
            }
            None if options.stock_only => {
                item.action = Action::Skipped;
                item.reasons = vec![stock_only_reason(locale)];
            }
            None => {
                item.action = Action::Create;
                to_match.push(index);
            }
        }
        items.push(item);
    }

    // Products not linked yet: what the store already has is linked, never created again.
    let products = ctx.products_by_id();
    let candidates: Vec<&Product> = to_match
        .iter()
        .map(|i| products[items[*i].erp_id.as_str()])
        .collect();
    let matches = match (platform, lookups) {
        (Some(platform), Lookups::Now)
            if !candidates.is_empty()
                && !ctx.store_has_nothing_to_find(platform, candidates.len())? =>
        {
            let matches = {
                let claimed = ctx.claimed.borrow();
                let empty = BTreeMap::new();
                lookup(
                    platform,
                    &candidates,
                    ctx,
                    claimed.as_ref().unwrap_or(&empty),
                )?
            };
            // Later chunks of the plan see these as taken, as a run would.
            for (erp_id, found) in &matches {
                if let Match::Found(target) = found {
                    ctx.claim(&target.product_id, erp_id);
                }
            }
            matches
        }
        _ => BTreeMap::new(),
    };
    for index in to_match {
        let product = products[items[index].erp_id.as_str()];
        let found = match lookups {
            Lookups::InBatches => None,
            _ => Some(matches.get(&product.erp_id).cloned().unwrap_or(Match::None)),
        };
        work.extend(ctx.work_for_match(product, &mut items[index], index, found));
    }
    work.sort_by_key(|w| w.item);

    let mut counts = BTreeMap::new();
    for item in &items {
        *counts.entry(item.action.name().to_string()).or_insert(0) += 1;
    }
    Ok((
        Plan {
            integration: config.id.clone(),
            options,
            counts,
            categories: Vec::new(),
            items,
        },
        work,
    ))
}

/// From how many unlinked products a sync first asks whether the store has any product at all:
/// then the listing's one request costs at most a third more than the look-ups (by SKU, by GTIN
/// and by barcode, 100 values a request) when the store has products, and saves all of them when
/// it has none, as on a first sync into a new store.
const STORE_EMPTY_PROBE_FROM: usize = 100;

/// Looks the candidates up in the store by the configured keys, in their order and in batched
/// requests: each key only for the candidates the keys before it found nothing for (the match
/// takes the first key that finds something, so later keys could not change it), and only the
/// values they have, each value asked once. `claimed` holds the store products already linked
/// to an ERP product, by store id.
fn lookup(
    platform: &dyn Platform,
    candidates: &[&Product],
    ctx: &Context<'_>,
    claimed: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Match>> {
    use crate::model::config::MatchKey;
    let keys = &ctx.config.product_sync.match_by;
    let mut remote: Vec<crate::platform::RemoteProduct> = Vec::new();
    let mut asked_sku: BTreeSet<String> = BTreeSet::new();
    let mut asked_gtin: BTreeSet<String> = BTreeSet::new();
    let mut unresolved: Vec<&Product> = candidates.to_vec();
    for key in keys {
        if unresolved.is_empty() {
            break;
        }
        let values = |value: fn(&crate::model::catalog::Variant) -> Option<&String>| {
            unresolved
                .iter()
                .flat_map(|p| p.variants.iter().filter_map(value))
                .cloned()
                .collect::<BTreeSet<String>>()
        };
        let (by_sku, by_gtin) = match key {
            MatchKey::Sku => (values(|v| Some(&v.sku)), BTreeSet::new()),
            MatchKey::Ean => (BTreeSet::new(), values(|v| v.ean.as_ref())),
            // A barcode may be kept as the store's GTIN or as its SKU.
            MatchKey::Barcode => {
                let barcodes = values(|v| v.barcode.as_ref());
                (barcodes.clone(), barcodes)
            }
        };
        let by_sku: Vec<String> = by_sku.difference(&asked_sku).cloned().collect();
        let by_gtin: Vec<String> = by_gtin.difference(&asked_gtin).cloned().collect();
        let mut found = Vec::new();
        if !by_gtin.is_empty() {
            found.extend(platform.find_products_by_gtin(&by_gtin)?);
        }
        if !by_sku.is_empty() {
            found.extend(platform.find_products_by_sku(&by_sku)?);
        }
        asked_sku.extend(by_sku);
        asked_gtin.extend(by_gtin);
        for item in found {
            if !remote.iter().any(|r| r.id == item.id) {
                remote.push(item);
            }
        }
        let hit = |value: &String| {
            remote
                .iter()
                .any(|r| r.sku.as_ref() == Some(value) || r.ean.as_ref() == Some(value))
        };
        unresolved.retain(|product| {
            !product.variants.iter().any(|v| match key {
                MatchKey::Sku => remote.iter().any(|r| r.sku.as_ref() == Some(&v.sku)),
                MatchKey::Ean => v
                    .ean
                    .as_ref()
                    .is_some_and(|e| remote.iter().any(|r| r.ean.as_ref() == Some(e))),
                MatchKey::Barcode => v.barcode.as_ref().is_some_and(hit),
            })
        });
    }
    Ok(matching::match_products(
        candidates,
        &remote,
        keys,
        claimed,
        ctx.config.locale,
    ))
}

/// The plan, with look-ups in the store for products not linked yet; writes nothing.
pub(crate) fn plan(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
    options: SyncOptions,
) -> Result<Plan> {
    sync_config_check(config)?;
    let uncaptured = uncaptured_holds(db, config, platform)?;
    let (mut ctx, to_read) = load(
        db,
        config,
        Some(platform),
        Selection::All,
        options,
        uncaptured,
    )?;
    let mut whole = Plan {
        integration: config.id.clone(),
        options,
        counts: BTreeMap::new(),
        categories: Vec::new(),
        items: Vec::new(),
    };
    for chunk in to_read.chunks(PLAN_CHUNK) {
        ctx.read_products(db, chunk)?;
        ctx.resolve_categories(db, platform, true)?;
        let (plan, _) = plan_with(&ctx, Some(platform), Lookups::Now, options)?;
        for (action, count) in plan.counts {
            *whole.counts.entry(action).or_default() += count;
        }
        whole.items.extend(plan.items);
    }
    whole.categories = std::mem::take(&mut ctx.categories.borrow_mut().report);
    Ok(whole)
}

/// What a run tallies as it goes: counts per outcome and the report's lines.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<String, u64>,
    items: Vec<RunItem>,
}

impl Tally {
    fn count(&mut self, key: &str, n: u64) {
        if n > 0 {
            *self.counts.entry(key.to_string()).or_default() += n;
        }
    }
}

/// Runs a sync: plans, then pushes in batches, recording links, pushed values and the run.
/// The products that moved are read and planned a chunk at a time (`PLAN_CHUNK`), so memory
/// stays flat in the catalog's size. `progress` is called after each batch with the products
/// done (planned with nothing to send, or their write answered) of those read; returning
/// `false` stops sending, and the run is recorded as cancelled.
pub(crate) fn run(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
    options: SyncOptions,
    lease: Option<&Lease>,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(SyncProgress) -> bool,
) -> Result<RunReport> {
    let started = clock.now();
    sync_config_check(config)?;
    let requests_before = platform.http_stats().requests;
    if !options.dry_run {
        verify_links(db, config, platform)?;
    }
    let uncaptured = uncaptured_holds(db, config, platform)?;
    let selection = if options.full_resync {
        Selection::All
    } else {
        Selection::Moved
    };
    let (mut ctx, to_read) = load(db, config, Some(platform), selection, options, uncaptured)?;
    let mut tally = Tally::default();
    tally.count(Action::Unchanged.name(), ctx.settling.settled);

    if options.dry_run {
        for chunk in to_read.chunks(PLAN_CHUNK) {
            ctx.read_products(db, chunk)?;
            ctx.resolve_categories(db, platform, true)?;
            let (plan, _) = plan_with(&ctx, Some(platform), Lookups::Now, options)?;
            for (action, count) in &plan.counts {
                tally.count(action, *count);
            }
            tally.items.extend(
                plan.items
                    .iter()
                    .filter(|i| i.action != Action::Unchanged)
                    .map(|i| run_item(i, "planned", None)),
            );
        }
        return Ok(RunReport {
            run_id: None,
            integration: config.id.clone(),
            status: "dry_run",
            options,
            counts: tally.counts,
            requests: platform.http_stats().requests - requests_before,
            categories: std::mem::take(&mut ctx.categories.borrow_mut().report),
            items: tally.items,
        });
    }

    let integration = config.id.as_str();
    let options_json = serde_json::to_value(options).unwrap_or(Value::Null);
    let run_id = db.write(|tx| history::start_run(tx, integration, &options_json))?;
    log::info!(target: "ponte::sync", "sync run {run_id} of {integration}: {} products to read, {} settled", to_read.len(), ctx.settling.settled);
    let mut sending = Sending {
        total: to_read.len() as u64,
        done: 0,
        stopped: None,
        refused: None,
        limit: InFlightLimit::new(config.http.max_concurrent_requests),
        relay: LogRelay::new(),
        started,
        options,
        lease,
        clock,
        progress,
    };
    let mut not_read = 0u64;
    for chunk in to_read.chunks(PLAN_CHUNK) {
        if sending.stopped.is_some() {
            not_read += chunk.len() as u64;
            continue;
        }
        ctx.read_products(db, chunk)?;
        if !options.stock_only {
            ctx.resolve_categories(db, platform, false)?;
        }
        let (mut plan, work) = plan_with(&ctx, Some(platform), Lookups::InBatches, options)?;
        record_plan(db, &ctx, &plan, run_id)?;
        sending.done += (plan.items.len() - work.len()) as u64;
        let mut results = push_chunk(db, &ctx, platform, &mut plan, &work, run_id, &mut sending)?;
        for (index, item) in plan.items.iter().enumerate() {
            let result = match results.remove(&index) {
                Some(result) => result,
                None if item.action == Action::Unchanged => {
                    tally.count(Action::Unchanged.name(), 1);
                    continue;
                }
                None => run_item(
                    item,
                    if item.action == Action::Conflict {
                        "conflict"
                    } else {
                        "skipped"
                    },
                    None,
                ),
            };
            let key = match result.result {
                "ok" => item.action.name(),
                other => other,
            };
            tally.count(key, 1);
            tally.items.push(result);
        }
    }
    tally.count("not_read", not_read);
    let Tally { counts, items } = tally;
    let requests = platform.http_stats().requests - requests_before;
    if let Some(refusal) = sending.refused {
        let message = format!(
            "integration '{integration}': the store refused the key during the run: {} ({}); check the key and its read/write permission",
            refusal.message, refusal.code
        );
        db.write(|tx| {
            history::finish_run(tx, run_id, "failed", &counts, requests, Some(&message))
        })?;
        log::error!(target: "ponte::sync", "sync run {run_id} failed: {message}");
        return Err(Error::Auth(message));
    }
    let cancelled = counts.contains_key("cancelled") || not_read > 0;
    let status = match sending.stopped {
        Some(Stop::OutOfTime) if cancelled => "partial",
        Some(Stop::Cancelled) => "cancelled",
        _ => "completed",
    };
    db.write(|tx| history::finish_run(tx, run_id, status, &counts, requests, None))?;
    let categories = std::mem::take(&mut ctx.categories.borrow_mut().report);
    log::info!(target: "ponte::sync", "sync run {run_id} {status}: {counts:?}, {requests} requests");
    Ok(RunReport {
        run_id: Some(run_id),
        integration: config.id.clone(),
        status,
        options,
        counts,
        requests,
        categories,
        items,
    })
}

/// Records a chunk's plan before anything is sent: the products skipped or in conflict, and
/// those planned unchanged settled, so the next run does not read them again.
fn record_plan(db: &mut Db, ctx: &Context<'_>, plan: &Plan, run_id: i64) -> Result<()> {
    let integration = ctx.config.id.as_str();
    let products = ctx.products_by_id();
    let settle_now: Vec<(&str, Stamp)> = plan
        .items
        .iter()
        .filter(|i| i.action == Action::Unchanged)
        .filter_map(|i| {
            Some((
                i.erp_id.as_str(),
                ctx.settle_stamp(products.get(i.erp_id.as_str())?)?,
            ))
        })
        .collect();
    db.write(|tx| {
        for (erp_id, stamp) in &settle_now {
            history::settle(tx, integration, erp_id, &ctx.settling.context, *stamp)?;
        }
        for item in plan
            .items
            .iter()
            .filter(|i| matches!(i.action, Action::Skipped | Action::Conflict))
        {
            let result = if item.action == Action::Skipped {
                "skipped"
            } else {
                "conflict"
            };
            history::record_item(
                tx,
                run_id,
                &item.erp_id,
                item.action.name(),
                result,
                &json!({"reasons": item.reasons}),
            )?;
        }
        Ok(())
    })
}

/// The state of a run's sending, across its chunks.
struct Sending<'r> {
    /// Products read, and those done: planned with nothing to send, or their write answered.
    total: u64,
    done: u64,
    stopped: Option<Stop>,
    /// The store's refusal of the key, which stops the run.
    refused: Option<ItemError>,
    limit: InFlightLimit,
    relay: LogRelay,
    started: Instant,
    options: SyncOptions,
    lease: Option<&'r Lease>,
    clock: &'r dyn Clock,
    progress: &'r mut dyn FnMut(SyncProgress) -> bool,
}

/// Sends a chunk's writes in batches, up to the in-flight limit at once, each on a helper thread;
/// every look-up, intent, commit and progress call stays on this thread, in the order batches
/// are answered. Once a stop or a failure comes, nothing more is sent, and what was sent is still
/// committed: the store did it. Returns each write's result by plan item, those not sent
/// `cancelled`.
fn push_chunk(
    db: &mut Db,
    ctx: &Context<'_>,
    platform: &dyn Platform,
    plan: &mut Plan,
    work: &[Work],
    run_id: i64,
    sending: &mut Sending<'_>,
) -> Result<BTreeMap<usize, RunItem>> {
    let batch_size = platform.capabilities().max_batch.max(1);
    let unmatched = work.iter().filter(|w| w.unmatched).count();
    let mut push = Push {
        nothing_to_find: ctx.store_has_nothing_to_find(platform, unmatched)?,
        db,
        ctx,
        platform,
        plan,
        run_id,
        products: ctx.products_by_id(),
        results: BTreeMap::new(),
    };
    let mut batches = work.chunks(batch_size);
    let mut failure: Option<Error> = None;
    std::thread::scope(|scope| {
        let (answers, answered) = mpsc::channel::<(usize, Vec<WriteOutcome>, Duration)>();
        let mut in_flight: BTreeMap<usize, (Vec<Work>, usize)> = BTreeMap::new();
        let mut sent = 0usize;
        let mut stats = platform.http_stats();
        loop {
            while sending.stopped.is_none()
                && failure.is_none()
                && in_flight.len() < sending.limit.limit()
            {
                let Some(chunk) = batches.next() else { break };
                let batch = match push.prepare(chunk) {
                    Ok(batch) => batch,
                    Err(err) => {
                        failure = Some(err);
                        break;
                    }
                };
                crate::failpoint::reached("push.after_intent_before_http");
                let writes: Vec<ProductWrite> = batch.iter().map(|w| w.write.clone()).collect();
                let (answers, relay) = (answers.clone(), sending.relay.sender());
                let id = sent;
                sent += 1;
                let panics = crate::failpoint::take("push.on_helper");
                scope.spawn(move || {
                    crate::parallel::on_helper(relay, || {
                        let started = Instant::now();
                        // A panic here must still answer, or this thread would wait for ever:
                        // the batch's outcome is then unknown, and reconciled like a lost answer.
                        let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                            || {
                                if panics {
                                    panic!("failpoint push.on_helper fired");
                                }
                                platform.push_products(&writes)
                            },
                        ))
                        .unwrap_or_else(|_| {
                            log::error!(target: "ponte::sync", "sending a batch panicked; its outcome is unknown");
                            let reason = "sending the batch failed inside Ponte; its outcome is unknown".to_string();
                            writes
                                .iter()
                                .map(|_| WriteOutcome::Unknown {
                                    reason: reason.clone(),
                                })
                                .collect()
                        });
                        let _ = answers.send((id, outcomes, started.elapsed()));
                    })
                });
                in_flight.insert(id, (batch, chunk.len()));
            }
            if in_flight.is_empty() {
                break;
            }
            let Ok((id, outcomes, elapsed)) = answered.recv() else {
                break;
            };
            sending.relay.replay();
            crate::failpoint::reached("push.after_http_before_commit");
            let Some((batch, products)) = in_flight.remove(&id) else {
                continue;
            };
            let now = platform.http_stats();
            let trouble = now.throttled > stats.throttled
                || now.retries > stats.retries
                || outcomes.iter().any(|o| match o {
                    WriteOutcome::Unknown { .. } => true,
                    WriteOutcome::Failed { error } => error.status >= 500,
                    WriteOutcome::Done { .. } => false,
                });
            stats = now;
            sending.limit.answered(Answered {
                elapsed,
                units: products,
                trouble,
            });
            // The store refusing the key ends the run: every other write would be refused too.
            if sending.refused.is_none() {
                let refusing = platform.capabilities().key_refused_statuses;
                sending.refused = outcomes.iter().find_map(|o| auth_refusal(o, refusing));
            }
            if let Err(err) = push.commit(&batch, outcomes) {
                failure.get_or_insert(err);
            }
            sending.done += products as u64;
            if let Some(lease) = sending.lease {
                if let Err(err) = lease.renew(push.db) {
                    failure.get_or_insert(err);
                }
            }
            if sending.stopped.is_some() || failure.is_some() {
                continue;
            }
            let out_of_time = sending.options.time_limit_seconds.is_some_and(|limit| {
                sending
                    .clock
                    .now()
                    .duration_since(sending.started)
                    .as_secs()
                    >= limit
            });
            let (done, total) = (sending.done, sending.total);
            if sending.refused.is_some() {
                sending.stopped = Some(Stop::Refused);
            } else if out_of_time && done < total {
                sending.stopped = Some(Stop::OutOfTime);
            } else if !(sending.progress)(SyncProgress { done, total }) {
                sending.stopped = Some(Stop::Cancelled);
            }
        }
    });
    sending.relay.replay();
    if let Some(err) = failure {
        return Err(err);
    }
    let Push {
        db,
        plan,
        mut results,
        ..
    } = push;
    let unsent: Vec<&Work> = batches.flatten().collect();
    if !unsent.is_empty() {
        db.write(|tx| {
            for w in &unsent {
                let item = &plan.items[w.item];
                let result = run_item(item, "cancelled", None);
                history::record_item(
                    tx,
                    run_id,
                    &item.erp_id,
                    item.action.name(),
                    "cancelled",
                    &item_detail(&result),
                )?;
                results.insert(w.item, result);
            }
            Ok(())
        })?;
    }
    Ok(results)
}

/// Why a run stopped sending before its last batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Its time limit passed: `partial`, the next run goes on.
    OutOfTime,
    /// The progress callback asked to stop.
    Cancelled,
    /// The store refused the key: every other write would be refused too.
    Refused,
}

/// A run's push under way: what each batch needs before it is sent and after it is answered.
struct Push<'a, 'c> {
    db: &'a mut Db,
    ctx: &'a Context<'c>,
    platform: &'a dyn Platform,
    plan: &'a mut Plan,
    run_id: i64,
    products: BTreeMap<&'a str, &'a Product>,
    /// The store has no product at all: nothing to look up.
    nothing_to_find: bool,
    results: BTreeMap<usize, RunItem>,
}

impl Push<'_, '_> {
    /// Looks up the chunk's products not linked yet (linked if the store has them, in conflict
    /// if that is ambiguous, created otherwise) and records the intent of every write, so a
    /// create whose answer is lost is looked up, not sent again, and the values an update is
    /// about to send are no longer recorded as pushed until the store confirms them.
    fn prepare(&mut self, chunk: &[Work]) -> Result<Vec<Work>> {
        let unmatched: Vec<&Product> = chunk
            .iter()
            .filter(|w| w.unmatched)
            .map(|w| self.products[self.plan.items[w.item].erp_id.as_str()])
            .collect();
        let matches = if unmatched.is_empty() || self.nothing_to_find {
            BTreeMap::new()
        } else {
            let claimed = self.ctx.claimed.borrow();
            let empty = BTreeMap::new();
            lookup(
                self.platform,
                &unmatched,
                self.ctx,
                claimed.as_ref().unwrap_or(&empty),
            )?
        };
        let mut batch = Vec::with_capacity(chunk.len());
        let mut conflicts = Vec::new();
        for w in chunk {
            if !w.unmatched {
                batch.push(w.clone());
                continue;
            }
            let product = self.products[self.plan.items[w.item].erp_id.as_str()];
            let found = matches.get(&product.erp_id).cloned().unwrap_or(Match::None);
            let item = &mut self.plan.items[w.item];
            match self.ctx.work_for_match(product, item, w.item, Some(found)) {
                Some(work) => {
                    if let Some(id) = &item.store_product_id {
                        self.ctx.claim(id, &item.erp_id);
                    }
                    batch.push(work);
                }
                None => conflicts.push(w.item),
            }
        }
        let (integration, run_id, plan) = (self.ctx.config.id.as_str(), self.run_id, &self.plan);
        self.db.write(|tx| {
            for &index in &conflicts {
                let item = &plan.items[index];
                history::record_item(
                    tx,
                    run_id,
                    &item.erp_id,
                    item.action.name(),
                    "conflict",
                    &json!({"reasons": item.reasons}),
                )?;
            }
            for w in &batch {
                let erp_id = &plan.items[w.item].erp_id;
                if w.creates {
                    history::mark_in_doubt(tx, integration, erp_id)?;
                } else {
                    history::forget_pushed(tx, integration, erp_id, &written_keys(&w.write))?;
                }
            }
            Ok(())
        })?;
        for index in conflicts {
            let result = run_item(&self.plan.items[index], "conflict", None);
            self.results.insert(index, result);
        }
        Ok(batch)
    }

    /// Records what the store did with a batch: links and pushed values for what it confirmed,
    /// failures for the rest, unknown outcomes to be looked up next time.
    fn commit(&mut self, batch: &[Work], outcomes: Vec<WriteOutcome>) -> Result<()> {
        let (integration, run_id, plan) = (self.ctx.config.id.as_str(), self.run_id, &self.plan);
        let (ctx, results) = (self.ctx, &mut self.results);
        let context = ctx.settling.context.as_str();
        self.db.write(|tx| {
            for (w, outcome) in batch.iter().zip(outcomes) {
                let item = &plan.items[w.item];
                let mut result = run_item(item, "ok", None);
                match outcome {
                    WriteOutcome::Done {
                        target,
                        variant_failures,
                    } if parent_gone(&target, &variant_failures) => {
                        let error = variant_failures.into_values().next().unwrap_or_default();
                        let error = gone_error(&target.product_id, error);
                        history::mark_gone(tx, integration, &item.erp_id, &error)?;
                        result.result = "failed";
                        result.error = Some(error);
                    }
                    WriteOutcome::Done {
                        target,
                        variant_failures,
                    } => {
                        let mut desired = w.desired.clone();
                        // The store's ids of Ponte's pictures, so they are never sent again.
                        if !target.media.is_empty() {
                            desired["media"] = json!(target.media);
                        }
                        for sku in variant_failures.keys() {
                            if let Some(variants) =
                                desired.get_mut("variants").and_then(Value::as_object_mut)
                            {
                                variants.remove(sku);
                            }
                        }
                        history::confirm(tx, integration, &item.erp_id, &target, &desired)?;
                        if let (Some(stamp), true) = (w.settle, variant_failures.is_empty()) {
                            history::settle(tx, integration, &item.erp_id, context, stamp)?;
                        }
                        ctx.claim(&target.product_id, &item.erp_id);
                        if variant_failures.values().any(|e| e.code == VARIATION_GONE) {
                            // A variation, or its whole product, is gone: the next sync asks.
                            history::unverify(tx, integration, &item.erp_id)?;
                        }
                        result.store_product_id = Some(target.product_id.clone());
                        if let Some((sku, error)) = variant_failures.into_iter().next() {
                            result.result = "failed";
                            result.error = Some(ItemError {
                                message: format!("SKU {sku}: {}", error.message),
                                ..error
                            });
                        }
                    }
                    WriteOutcome::Failed { error } if !w.creates && is_gone(&error) => {
                        let target = item.store_product_id.clone().unwrap_or_default();
                        let error = gone_error(&target, error);
                        history::mark_gone(tx, integration, &item.erp_id, &error)?;
                        result.result = "failed";
                        result.error = Some(error);
                    }
                    WriteOutcome::Failed { error } => {
                        history::record_failure(tx, integration, &item.erp_id, &error, false)?;
                        result.result = "failed";
                        result.error = Some(error);
                    }
                    WriteOutcome::Unknown { reason } => {
                        let error = ItemError {
                            code: "ponte_outcome_unknown".into(),
                            message: reason,
                            status: 0,
                            resource_id: None,
                        };
                        history::record_failure(tx, integration, &item.erp_id, &error, w.creates)?;
                        result.result = "unknown";
                        result.error = Some(error);
                    }
                }
                history::record_item(
                    tx,
                    run_id,
                    &item.erp_id,
                    item.action.name(),
                    result.result,
                    &item_detail(&result),
                )?;
                results.insert(w.item, result);
            }
            Ok(())
        })
    }
}

/// How long a link stays checked: each sync asks the store, in turn, about up to
/// `VERIFY_PER_RUN` linked products it has not shown for longer, so a product the merchant
/// deleted in the store is noticed even when nothing is sent to it.
const VERIFY_EVERY_SECONDS: i64 = 24 * 3600;
const VERIFY_PER_RUN: u32 = 1000;

/// Asks the store whether the linked products due a check are still there; those it no longer
/// has are unlinked, to be created or linked again by this run's plan. Returns how many were gone.
fn verify_links(db: &mut Db, config: &IntegrationConfig, platform: &dyn Platform) -> Result<u64> {
    let integration = config.id.as_str();
    let before = crate::time::format_rfc3339(crate::time::now_unix() - VERIFY_EVERY_SECONDS);
    let due = db.read(|tx| history::links_to_verify(tx, integration, &before, VERIFY_PER_RUN))?;
    if due.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = due.iter().map(|(_, id)| id.clone()).collect();
    let live = platform.live_products(&ids)?;
    let (present, gone): (Vec<_>, Vec<_>) = due.into_iter().partition(|(_, id)| live.contains(id));
    db.write(|tx| {
        let present: Vec<String> = present.into_iter().map(|(erp_id, _)| erp_id).collect();
        history::set_verified(tx, integration, &present)?;
        for (erp_id, store_id) in &gone {
            let error = ItemError {
                code: "ponte_gone_from_store".into(),
                message: String::new(),
                status: 404,
                resource_id: Some(store_id.clone()),
            };
            history::mark_gone(tx, integration, erp_id, &gone_error(store_id, error))?;
        }
        Ok(())
    })?;
    if !gone.is_empty() {
        log::warn!(target: "ponte::sync", "{} linked products are gone from the store of {integration}: sent again", gone.len());
    }
    Ok(gone.len() as u64)
}

/// WooCommerce's code for a variation it does not have, whether the variation or its whole
/// product is gone.
const VARIATION_GONE: &str = "woocommerce_rest_product_variation_invalid_id";

/// A write's error that means the store no longer has the product (deleted for good, or in the
/// trash).
fn is_gone(error: &ItemError) -> bool {
    matches!(
        error.code.as_str(),
        "woocommerce_rest_product_invalid_id"
            | crate::platform::woocommerce::GONE_TO_TRASH
            | crate::platform::PRODUCT_GONE
    )
}

/// Every variation of a variable product failed because its parent is gone.
fn parent_gone(target: &StoreRef, failures: &BTreeMap<String, ItemError>) -> bool {
    !failures.is_empty()
        && target.variants.is_empty()
        && failures
            .values()
            .all(|e| e.code == VARIATION_GONE || is_gone(e))
}

/// The error kept on a link whose store product is gone, saying what happens next.
fn gone_error(store_id: &str, error: ItemError) -> ItemError {
    let cause = if error.message.is_empty() {
        String::new()
    } else {
        format!(" ({}: {})", error.code, error.message)
    };
    ItemError {
        message: format!(
            "the store no longer has product {store_id}, deleted or in its trash{cause}; the next sync creates or links it again"
        ),
        resource_id: Some(store_id.to_string()),
        ..error
    }
}

/// The recorded values a write changes in the store: (SKU, field) of a variant, (None, field) of
/// the product, as `Context::desired` names them.
fn written_keys(write: &ProductWrite) -> Vec<(Option<&str>, &'static str)> {
    match write {
        ProductWrite::Create(_) => Vec::new(),
        ProductWrite::Hide { .. } => vec![(None, "hidden")],
        ProductWrite::Stock { quantities, .. } => quantities
            .keys()
            .map(|sku| (Some(sku.as_str()), "stock"))
            .collect(),
        ProductWrite::Update { draft, .. } => {
            let sends = |field| draft.fields.contains(&field);
            let mut keys = Vec::new();
            for (field, key) in [
                (SyncField::Name, "name"),
                (SyncField::Description, "description"),
                (SyncField::Brand, "brand"),
            ] {
                if sends(field) {
                    keys.push((None, key));
                }
            }
            for variant in &draft.product.variants {
                let sku = Some(variant.sku.as_str());
                for (field, key) in [
                    (SyncField::Price, "price"),
                    (SyncField::PromoPrice, "promo_price"),
                    (SyncField::Ean, "ean"),
                    (SyncField::Weight, "weight"),
                    (SyncField::Dimensions, "dimensions"),
                    (SyncField::Attributes, "attributes"),
                ] {
                    if sends(field) {
                        keys.push((sku, key));
                    }
                }
                if sends(SyncField::Stock) && draft.stock.contains_key(&variant.sku) {
                    keys.push((sku, "stock"));
                }
            }
            for sku in draft.retire_variants.keys() {
                keys.push((Some(sku.as_str()), "removed"));
            }
            keys
        }
    }
}

/// The store's refusal of the key itself (an answer in `refusing`) in an outcome, as opposed to
/// a refusal of one product.
fn auth_refusal(outcome: &WriteOutcome, refusing: &[u16]) -> Option<ItemError> {
    let is_auth = |error: &ItemError| refusing.contains(&error.status);
    match outcome {
        WriteOutcome::Failed { error } if is_auth(error) => Some(error.clone()),
        WriteOutcome::Done {
            variant_failures, ..
        } => variant_failures.values().find(|e| is_auth(e)).cloned(),
        _ => None,
    }
}

fn run_item(item: &PlanItem, result: &'static str, error: Option<ItemError>) -> RunItem {
    RunItem {
        erp_id: item.erp_id.clone(),
        action: item.action,
        result,
        fields: item.fields.clone(),
        reasons: item.reasons.clone(),
        error,
        store_product_id: item.store_product_id.clone(),
        not_supported: item.not_supported.clone(),
        removed_variants: item.removed_variants.clone(),
    }
}

fn item_detail(item: &RunItem) -> Value {
    json!({"fields": item.fields, "reasons": item.reasons, "error": item.error, "store_product_id": item.store_product_id, "not_supported": item.not_supported, "removed_variants": item.removed_variants})
}

/// Why a product is or is not in a store, and what the next sync would do, without asking the
/// store anything.
pub(crate) fn status(
    db: &mut Db,
    config: &IntegrationConfig,
    key: &ProductKey,
) -> Result<ProductStatus> {
    let erp_id = db
        .read(|tx| crate::store::catalog::get_product(tx, key))?
        .product
        .erp_id;
    // Only this product is read: the rules that look across products come with the context.
    let (mut ctx, _) = load(
        db,
        config,
        None,
        Selection::Moved,
        SyncOptions::default(),
        BTreeMap::new(),
    )?;
    ctx.read_products(db, std::slice::from_ref(&erp_id))?;
    let (plan, _) = plan_with(&ctx, None, Lookups::Never, SyncOptions::default())?;
    let item = plan
        .items
        .into_iter()
        .find(|i| i.erp_id == erp_id)
        .ok_or_else(|| Error::NotFound(format!("no catalog product has erp_id {erp_id:?}")))?;
    let link = ctx.links.get(&erp_id);
    let state = match link.map(|l| &l.state) {
        Some(LinkState::Linked) => "in_store",
        Some(LinkState::InDoubt) => "in_doubt",
        _ => "not_in_store",
    };
    let next_action = match (item.action, state) {
        (Action::Create, "in_doubt" | "not_in_store") => "create_or_link",
        (action, _) => action.name(),
    };
    let target = link
        .and_then(|l| l.target.clone())
        .filter(|_| state == "in_store");
    Ok(ProductStatus {
        erp_id,
        integration: config.id.clone(),
        state,
        store_product_id: target.as_ref().map(|t| t.product_id.clone()),
        store_variants: target.map(|t| t.variants).unwrap_or_default(),
        last_pushed: link.and_then(|l| l.pushed.clone()),
        last_pushed_at: link.and_then(|l| l.pushed_at.clone()),
        next_action,
        pending_fields: if matches!(item.action, Action::Update | Action::StockOnly) {
            item.fields
        } else {
            Vec::new()
        },
        reasons: item.reasons,
        last_error: link.and_then(|l| l.last_error.clone()),
        not_supported: item.not_supported,
        removed_variants: item.removed_variants,
    })
}

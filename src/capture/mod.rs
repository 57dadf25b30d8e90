//! Order capture, store → ERP: every store order becomes an ERP sales order exactly once.
//!
//! Each order read is journaled under its (integration, store order id) before anything else, in
//! the same transaction that registers its customer, validates it and queues its write-backs.
//! Orders are read by key (`walk`), never by offset over a set that moves; the watermark moves
//! only after every page is committed and only as far as the read proved, and each capture
//! re-reads an overlap window, whose repeats the journal's key absorbs. A capture reports the
//! orders that became pending in it; the whole pending list, which holds each accepted order
//! until the ERP confirms or rejects it, is read page by page (`orders_pending`). Status
//! write-backs and notes wait in an outbox (`writeback`) until the store has them.

mod customers;
mod events;
mod fulfil;
mod report;
pub(crate) mod walk;
mod webhooks;
mod writeback;

pub(crate) use customers::{customer_confirm, customers_pending};
pub use customers::{CustomerOffer, CustomerState};
pub use events::OrderEvent;
pub(crate) use events::{order_event_ack, order_events};
pub(crate) use fulfil::fulfil;
pub use fulfil::{Fulfilment, FulfilmentQueued, Invoice, Tracking};
pub(crate) use report::report;
pub use report::{ReportFilter, ReportRow};
pub(crate) use webhooks::ingest as webhook_ingest;
pub use webhooks::WebhookReceipt;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{ConfigProblem, Error, Result};
use crate::model::config::{IntegrationConfig, Locale};
use crate::model::order::{Address, PersonType, StoreOrder};
use crate::platform::http::Clock;
use crate::platform::{ItemFailure, OrderQuery, OrderSort, Page, Platform};
use crate::rules::documents;
use crate::rules::eligibility::{self, CatalogIndex};
use crate::rules::orders::{self as order_rules, LineIndex, Rejection, SkuInfo};
use crate::store::lease::Lease;
use crate::store::orders::{self as journal, JournalRow};
use crate::store::sync::LinkState;
use crate::store::Db;

/// Pending orders read again by id per capture, besides those the listing showed: one request.
const PENDING_READ_PER_CAPTURE: usize = 100;

/// The same, where the store reads orders by id one request each (Nuvemshop): each pending
/// order is still read again in turn, at a tenth of the pace.
const PENDING_READ_ONE_BY_ONE: usize = 10;

/// An accepted order as the ERP receives it: a closed sales order with the integration's default
/// payment terms and method, items mapped to ERP products, and its customer.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PendingOrder {
    pub store_order_id: String,
    pub number: String,
    /// The customer's key among `ponte_customers_pending`, so the ERP can register the customer
    /// before the order.
    pub customer_key: Option<String>,
    /// The ERP's id of the customer, once it confirmed them (also in `sales_order`).
    pub erp_customer_id: Option<String>,
    pub sales_order: Value,
}

/// An order rejected at capture, with every reason and the customer, who is registered anyway.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RejectedOrder {
    pub store_order_id: String,
    pub number: String,
    pub reasons: Vec<Rejection>,
    pub customer: Value,
    /// The customer's key among `ponte_customers_pending`: registered whatever the outcome.
    pub customer_key: Option<String>,
}

/// What a capture did.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CaptureReport {
    pub integration: String,
    /// `captured` (new orders journaled), `accepted`, `rejected`, `reserved`, `became_sale`,
    /// `released`, `failed`, `seen_again`, `writebacks_done`, `writebacks_waiting`.
    pub counts: BTreeMap<String, u64>,
    /// Requests made to the store, retries included.
    pub requests: u64,
    /// Where the next capture starts reading (less the overlap): every order modified up to
    /// then has been read, UTC.
    pub watermark: Option<String>,
    /// Why this capture stopped reading before the end, if it did; the next one goes on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished: Option<String>,
    /// The orders that became pending in this capture, in the order of the pending list: sales
    /// captured for the first time (or read fine at last, or paid after a cancellation) and
    /// reservations that became sales, each one accepted. Not here: orders pending from earlier
    /// captures, pending orders the store changed (the ERP gets a `changed` event), and orders
    /// `ponte_order_retry` made pending. The whole list, all of those included, is read page by
    /// page with `ponte_orders_pending` until the ERP confirms or rejects each order.
    pub pending: Vec<PendingOrder>,
    /// How many orders wait for the ERP now, this capture's and earlier ones'.
    pub pending_total: u64,
    /// Orders rejected by this capture.
    pub rejected: Vec<RejectedOrder>,
    /// Orders the store sent in a shape Ponte cannot read: journaled as failed, read again next time.
    pub failures: Vec<ItemFailure>,
}

/// A stock hold: a reservation, or an order the ERP has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Reservation {
    pub store_order_id: String,
    pub sku: String,
    /// `reservation` or `unconfirmed`.
    pub kind: String,
    pub quantity: i64,
}

/// The state of one order after confirm, reject or retry.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OrderState {
    pub store_order_id: String,
    pub state: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Rejection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erp_order_number: Option<String>,
}

fn capture_config_check(config: &IntegrationConfig) -> Result<()> {
    if config.order_capture.enabled {
        return Ok(());
    }
    Err(Error::InvalidConfig(vec![ConfigProblem {
        path: "order_capture.enabled".into(),
        message: format!("order capture is off for integration '{}'", config.id),
    }]))
}

/// What resolving and validating orders needs from the catalog and the links.
struct Catalog {
    skus: BTreeMap<String, SkuInfo>,
    index: LineIndex,
}

fn load_catalog(db: &mut Db, config: &IntegrationConfig) -> Result<Catalog> {
    let snapshot = db.read(crate::store::catalog::snapshot)?;
    let live = snapshot
        .products
        .iter()
        .filter(|(_, retired)| !retired)
        .map(|(p, _)| p);
    let index = CatalogIndex::new(live, snapshot.brands.clone());
    let mut skus = BTreeMap::new();
    let mut eans: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (product, retired) in &snapshot.products {
        let reasons = eligibility::reasons(
            product,
            *retired,
            &index,
            &config.product_sync,
            config.locale,
        );
        let published = !reasons.iter().any(eligibility::unpublishes);
        for variant in &product.variants {
            skus.entry(variant.sku.clone()).or_insert(SkuInfo {
                erp_id: product.erp_id.clone(),
                published,
            });
            for code in variant.ean.iter().chain(&variant.barcode) {
                eans.entry(code.clone())
                    .or_default()
                    .insert(variant.sku.clone());
            }
        }
    }
    let mut index = LineIndex {
        // A code two SKUs share names neither.
        by_ean: eans
            .into_iter()
            .filter(|(_, skus)| skus.len() == 1)
            .filter_map(|(code, skus)| Some((code, skus.into_iter().next()?)))
            .collect(),
        ..LineIndex::default()
    };
    let links = db.read(|tx| crate::store::sync::links(tx, &config.id))?;
    for link in links.values().filter(|l| l.state == LinkState::Linked) {
        let Some(target) = &link.target else { continue };
        let simple = target.variants.values().all(|id| *id == target.product_id);
        match (simple, target.variants.len()) {
            (true, 1) => {
                let sku = target.variants.keys().next().expect("one variant").clone();
                index.by_product.insert(target.product_id.clone(), sku);
            }
            (true, _) => {}
            (false, _) => index.by_variation.extend(
                target
                    .variants
                    .iter()
                    .map(|(sku, id)| (id.clone(), sku.clone())),
            ),
        }
    }
    Ok(Catalog { skus, index })
}

/// How a capture may be bounded by its caller.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureOptions {
    /// Stop before the next request once this many seconds have passed: what was read is
    /// committed, and the next capture goes on from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_limit_seconds: Option<u64>,
}

/// How far a capture is, for a progress callback: asked before each request to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CaptureProgress {
    /// Orders read so far.
    pub orders_read: u64,
    /// Requests made so far.
    pub requests: u64,
}

/// Decides, before each request, whether a capture stops there: its time limit passed, or its
/// caller cancelled through the progress callback. Every stop is at a committed page.
struct Stopper<'a> {
    clock: &'a dyn Clock,
    started: Instant,
    limit: Option<Duration>,
    progress: &'a mut dyn FnMut(CaptureProgress) -> bool,
    reason: Option<String>,
}

impl Stopper<'_> {
    fn check(&mut self, orders_read: u64, requests: u64) -> Option<String> {
        if self.reason.is_none() {
            if let Some(limit) = self.limit {
                if self.clock.now().duration_since(self.started) >= limit {
                    self.reason = Some(format!(
                        "the time limit of {} s was reached; the next capture goes on from here",
                        limit.as_secs()
                    ));
                }
            }
        }
        if self.reason.is_none()
            && !(self.progress)(CaptureProgress {
                orders_read,
                requests,
            })
        {
            self.reason =
                Some("cancelled by the caller; the next capture goes on from here".into());
        }
        self.reason.clone()
    }
}

/// Reads new and changed orders, journals them, hands the accepted ones out and flushes the
/// write-back outbox; stops early, at a committed page, at the time limit or the caller's cancel.
pub(crate) fn capture(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
    lease: &Lease,
    options: CaptureOptions,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(CaptureProgress) -> bool,
) -> Result<CaptureReport> {
    capture_config_check(config)?;
    if options.time_limit_seconds == Some(0) {
        return Err(Error::invalid_data(
            "options.time_limit_seconds",
            "0 s leaves no time to capture anything; give at least 1, or none",
        ));
    }
    let integration = config.id.as_str();
    let capture = &config.order_capture;
    let requests_before = platform.http_stats().requests;
    let mut pages = Journaling::default();
    let mut stopper = Stopper {
        clock,
        started: clock.now(),
        limit: options.time_limit_seconds.map(Duration::from_secs),
        progress,
        reason: None,
    };
    let read = Cell::new(0u64);
    let requests = || platform.http_stats().requests - requests_before;

    let watermark = db.read(|tx| journal::watermark(tx, integration))?;
    // The first capture reads the orders to capture; later ones read every order modified since,
    // whatever its status now, so an order's life after capture (cancelled, refunded, paid late,
    // changed by the merchant) reaches the journal.
    let statuses: Vec<String> = if watermark.is_none() {
        capture
            .fetch_statuses
            .iter()
            .chain(&capture.reservation_statuses)
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    // After a capture cut short, go on from where it proved: reading the overlap window first
    // again could spend a short time limit entirely, and the next whole capture reads it anyway.
    let resume = db.read(|tx| journal::resume(tx, integration))?;
    let overlap = if resume {
        0
    } else {
        i64::from(capture.overlap_seconds)
    };
    let from = watermark.map(|w| w - overlap);
    // The write-backs a capture cut short could not send go first, or a short limit would starve
    // them behind the reads.
    let mut flushed = writeback::Flushed::default();
    if resume && stopper.check(read.get(), requests()).is_none() {
        flushed = writeback::flush_writebacks(db, config, platform)?;
    }
    let end = walk::walk(
        platform,
        &statuses,
        from,
        capture.max_listing_requests,
        &mut || stopper.check(read.get(), requests()),
        &mut |page| {
            read.set(read.get() + (page.items.len() + page.failures.len()) as u64);
            pages.journal(db, config, page)?;
            lease.renew(db)
        },
    )?;

    // Orders not final yet are followed by id, in any status, whether or not the listing showed
    // them: reserved ones may be paid or cancelled, pending ones cancelled or changed before the
    // ERP confirms them, unreadable ones may read now.
    // Orders a webhook named come first: the merchant's store said they changed.
    let webhook_named: Vec<String> =
        db.read(|tx| crate::store::webhooks::orders(tx, integration, PENDING_READ_PER_CAPTURE))?;
    let recheck: Vec<String> = db.read(|tx| {
        let mut ids = webhook_named.clone();
        for state in ["reserved", "failed"] {
            ids.extend(journal::journal_ids_in_state(tx, integration, state)?);
        }
        // Pending orders the listing did not show were not modified since: a batch of those read
        // longest ago is enough, so an ERP far behind costs one request a capture, not one per
        // hundred orders waiting, and each is still read again in turn.
        // A platform that reads orders by id one request each reads fewer a capture.
        let per_capture = match platform.capabilities().order_ids_per_request {
            1 => PENDING_READ_ONE_BY_ONE,
            _ => PENDING_READ_PER_CAPTURE,
        };
        ids.extend(journal::least_recently_read(
            tx,
            integration,
            "pending",
            per_capture,
        )?);
        Ok(ids)
    })?;
    let recheck: Vec<String> = recheck
        .into_iter()
        .filter(|id| !pages.seen.contains(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let per_request = platform.capabilities().order_ids_per_request.max(1);
    for ids in recheck.chunks(per_request) {
        if stopper.check(read.get(), requests()).is_some() {
            break;
        }
        let by_id = OrderQuery {
            ids: ids.to_vec(),
            sort: OrderSort::Id,
            ..OrderQuery::default()
        };
        let page = platform.list_orders(&by_id, 1)?;
        pages.journal(db, config, page)?;
        let read_now: Vec<String> = ids
            .iter()
            .filter(|id| webhook_named.contains(id))
            .cloned()
            .collect();
        db.write(|tx| crate::store::webhooks::forget(tx, integration, &read_now))?;
    }
    // Those the listing already showed are read too.
    let listed: Vec<String> = webhook_named
        .iter()
        .filter(|id| pages.seen.contains(*id))
        .cloned()
        .collect();
    db.write(|tx| crate::store::webhooks::forget(tx, integration, &listed))?;

    // Only now, with every page committed, does the watermark move, and only as far as the
    // walk proved every order read.
    if let Some(proven) = end.proven {
        db.write(|tx| journal::set_watermark(tx, integration, proven))?;
    }
    let watermark = db.read(|tx| journal::watermark(tx, integration))?;

    // Refund lines and write-backs wait for the next capture when this one must stop.
    if stopper.check(read.get(), requests()).is_none() {
        events::refund_lines(db, config, platform, &mut pages.catalog)?;
        flushed.add(writeback::flush_writebacks(db, config, platform)?);
    } else {
        flushed.waiting = db.read(|tx| journal::outbox(tx, integration))?.len() as u64;
    }
    let cut_short = end.unfinished.is_some() || stopper.reason.is_some();
    db.write(|tx| journal::set_resume(tx, integration, cut_short))?;
    let Journaling {
        mut counts,
        decided: Decided {
            rejected,
            newly_pending,
        },
        failures,
        ..
    } = pages;
    counts.insert("writebacks_done".into(), flushed.done);
    counts.insert("writebacks_waiting".into(), flushed.waiting);
    if flushed.failed > 0 {
        counts.insert("writebacks_failed".into(), flushed.failed);
    }
    if flushed.dropped > 0 {
        counts.insert("writebacks_dropped".into(), flushed.dropped);
    }
    let (pending, pending_total) = db.read(|tx| {
        let pending = still_pending(tx, integration, &newly_pending)?;
        Ok((
            pending,
            journal::count_in_state(tx, integration, "pending")?,
        ))
    })?;
    let requests = platform.http_stats().requests - requests_before;
    crate::failpoint::reached("capture.after_commit_before_return");
    log::info!(target: "ponte::capture", "capture of {integration}: {counts:?}, {} newly pending, {pending_total} pending, {requests} requests", pending.len());
    Ok(CaptureReport {
        integration: integration.to_string(),
        counts,
        requests,
        watermark: watermark.map(crate::time::format_rfc3339),
        unfinished: end.unfinished.or(stopper.reason),
        pending,
        pending_total,
        rejected,
        failures,
    })
}

/// The orders a capture's decisions hand to the ERP.
#[derive(Default)]
struct Decided {
    /// Orders this capture rejected.
    rejected: Vec<RejectedOrder>,
    /// Orders that became pending in this capture, in the order they did; one the store then
    /// changed or cancelled in the same capture may be listed and no longer pending.
    newly_pending: Vec<String>,
}

/// What a capture learns as it journals the pages it reads.
#[derive(Default)]
struct Journaling {
    /// Read when a page first has orders to validate: a capture with nothing new stays cheap.
    catalog: Option<Catalog>,
    counts: BTreeMap<String, u64>,
    decided: Decided,
    failures: Vec<ItemFailure>,
    /// Every order read.
    seen: BTreeSet<String>,
}

impl Journaling {
    /// Journals a page of orders in one transaction.
    fn journal(
        &mut self,
        db: &mut Db,
        config: &IntegrationConfig,
        page: Page<StoreOrder>,
    ) -> Result<()> {
        let no_catalog = Catalog {
            skus: BTreeMap::new(),
            index: LineIndex::default(),
        };
        let catalog = if page.items.is_empty() {
            &no_catalog
        } else {
            loaded(&mut self.catalog, db, config)?
        };
        let Journaling {
            counts,
            decided,
            seen,
            ..
        } = self;
        crate::failpoint::reached("capture.after_fetch_before_commit");
        db.write(|tx| {
            for order in &page.items {
                seen.insert(order.store_order_id.clone());
                let order = order_rules::resolve_lines(order, &catalog.skus, &catalog.index);
                process(tx, config, catalog, &order, counts, decided)?;
            }
            for failure in &page.failures {
                seen.insert(failure.store_id.clone());
                journal_failure(tx, &config.id, failure, counts)?;
            }
            Ok(())
        })?;
        self.failures.extend(page.failures);
        Ok(())
    }
}

/// The catalog, read the first time a page has orders to validate.
fn loaded<'a>(
    catalog: &'a mut Option<Catalog>,
    db: &mut Db,
    config: &IntegrationConfig,
) -> Result<&'a Catalog> {
    if catalog.is_none() {
        *catalog = Some(load_catalog(db, config)?);
    }
    Ok(catalog.as_ref().expect("set just above"))
}

fn bump(counts: &mut BTreeMap<String, u64>, key: &str) {
    *counts.entry(key.to_string()).or_default() += 1;
}

fn journal_failure(
    tx: &rusqlite::Transaction<'_>,
    integration: &str,
    failure: &ItemFailure,
    counts: &mut BTreeMap<String, u64>,
) -> Result<()> {
    let existing = journal::journal_get(tx, integration, &failure.store_id)?;
    if existing.as_ref().is_some_and(|row| row.state != "failed") {
        // Read fine before: keep what was captured.
        bump(counts, "seen_again");
        return Ok(());
    }
    let reason = Rejection {
        code: "unreadable_order".into(),
        message: failure.reason.clone(),
        fixable: false,
    };
    let row = JournalRow {
        store_order_id: failure.store_id.clone(),
        number: String::new(),
        state: "failed".into(),
        store_status: String::new(),
        created_at: None,
        modified_at: None,
        order: None,
        sales_order: None,
        customer_id: None,
        reasons: vec![reason],
        erp_order_number: None,
        captured_at: String::new(),
        updated_at: String::new(),
    };
    journal::journal_put(tx, integration, &row)?;
    bump(counts, "failed");
    Ok(())
}

/// Journals one order read from the store, in the caller's transaction.
fn process(
    tx: &rusqlite::Transaction<'_>,
    config: &IntegrationConfig,
    catalog: &Catalog,
    order: &StoreOrder,
    counts: &mut BTreeMap<String, u64>,
    decided: &mut Decided,
) -> Result<()> {
    let integration = config.id.as_str();
    let capture = &config.order_capture;
    let in_fetch = capture.fetch_statuses.contains(&order.status);
    let in_reservation = capture.reservation_statuses.contains(&order.status);
    let existing = journal::journal_get(tx, integration, &order.store_order_id)?;
    let previous_state = existing.as_ref().map(|r| r.state.as_str());
    // An order no real shopper places (a quantity of 9,223,372,036,854,775,807) is never held
    // against the stock, not even as a reservation: it is rejected like any invalid sale.
    let absurd = !order_rules::out_of_bounds(order, capture, config.locale).is_empty();
    // Whether the order's place in the journal changes: the store has moved its units itself
    // (taken them when it was paid, given them back when it was cancelled) while Ponte's record
    // of the stock it pushed still says otherwise.
    let cancellation = capture.is_cancellation(&order.status);
    let moves = match previous_state {
        None | Some("failed") | Some("cancelled") => in_fetch || in_reservation,
        Some("reserved") => !in_reservation,
        Some("pending") | Some("confirmed") => {
            cancellation
                && existing
                    .as_ref()
                    .is_some_and(|r| r.store_status != order.status)
        }
        _ => false,
    };
    if moves {
        let skus: Vec<String> = order.lines.iter().filter_map(|l| l.sku.clone()).collect();
        crate::store::sync::forget_pushed_stock(tx, integration, &skus)?;
    }
    let found = |previous: Option<&str>| match previous {
        None => "captured",
        Some("cancelled") => "revived",
        Some(_) => "recovered",
    };
    match previous_state {
        // A new sale, or one found again: an order read fine before, a cancelled order paid late
        // (a boleto, a Pix), or anything with numbers no real order has (rejected, never held).
        None | Some("failed") | Some("reserved") | Some("cancelled")
            if (absurd && (in_fetch || in_reservation))
                || (in_fetch && previous_state != Some("reserved")) =>
        {
            bump(counts, found(previous_state));
            decide(tx, config, catalog, order, counts, decided, Received::Queue)?;
        }
        None | Some("failed") | Some("cancelled") if in_reservation => {
            let customer_id = register(tx, integration, order)?;
            let mut row = new_row(order, "reserved", customer_id);
            row.reasons = Vec::new();
            journal::journal_put(tx, integration, &row)?;
            journal::hold(
                tx,
                integration,
                &order.store_order_id,
                "reservation",
                &lines_of(order)?,
            )?;
            bump(counts, found(previous_state));
            bump(counts, "reserved");
        }
        None => {}
        Some("failed") => {
            let mut row = new_row(order, "cancelled", None);
            row.reasons = Vec::new();
            journal::journal_put(tx, integration, &row)?;
            bump(counts, "recovered");
        }
        Some("reserved") if in_fetch => {
            bump(counts, "became_sale");
            decide(tx, config, catalog, order, counts, decided, Received::Queue)?;
        }
        Some("reserved") if in_reservation => {
            journal::hold(
                tx,
                integration,
                &order.store_order_id,
                "reservation",
                &lines_of(order)?,
            )?;
            journal::set_store_status(tx, integration, &order.store_order_id, &order.status)?;
            bump(counts, "seen_again");
        }
        Some("reserved") => {
            let mut row = existing.unwrap_or_else(|| new_row(order, "cancelled", None));
            row.state = "cancelled".into();
            row.store_status = order.status.clone();
            row.modified_at = Some(order.modified_at.clone());
            journal::journal_put(tx, integration, &row)?;
            journal::release(tx, integration, &order.store_order_id)?;
            bump(counts, "released");
        }
        Some("pending") | Some("confirmed") => {
            let row = existing.expect("matched a journaled state");
            follow(tx, config, catalog, row, order, counts, decided)?;
        }
        Some(_) => {
            journal::set_store_status(tx, integration, &order.store_order_id, &order.status)?;
            bump(counts, "seen_again");
        }
    }
    Ok(())
}

/// Follows an order the ERP has, or is about to have, as the store changes it: a cancellation
/// takes a pending order out of the ERP's queue (its hold released, its queued write-backs
/// dropped) and tells the ERP of a confirmed one; a status the merchant set, and a pending
/// order's changed customer or items, become events for the ERP.
fn follow(
    tx: &rusqlite::Transaction<'_>,
    config: &IntegrationConfig,
    catalog: &Catalog,
    mut row: JournalRow,
    order: &StoreOrder,
    counts: &mut BTreeMap<String, u64>,
    decided: &mut Decided,
) -> Result<()> {
    let integration = config.id.as_str();
    let id = order.store_order_id.as_str();
    let moved = row.store_status != order.status;
    let was = row.store_status.clone();
    let status_detail = || json!({"store_status": order.status, "previous_store_status": was, "modified_at": order.modified_at});
    // A refund is an event of its own, whatever else changed; its lines are read after the page
    // is committed (`events::refund_lines`), so `lines` is null until then.
    for refund in &order.refunds {
        let detail = json!({
            "refund_id": refund.id, "amount_cents": refund.amount_cents, "reason": refund.reason,
            "full": order.status == "refunded", "lines": null,
        });
        if journal::add_event(tx, integration, id, "refunded", &refund.id, &detail)? {
            bump(counts, "refunded");
        }
    }
    if moved && config.order_capture.is_cancellation(&order.status) {
        journal::add_event(
            tx,
            integration,
            id,
            "cancelled",
            &order.status,
            &status_detail(),
        )?;
        if row.state == "pending" {
            row.state = "cancelled".into();
            journal::release(tx, integration, id)?;
            let reason = format!(
                "dropped: the store's status became '{}' before it was sent",
                order.status
            );
            journal::drop_queued(tx, integration, id, &reason)?;
        }
        row.store_status = order.status.clone();
        row.modified_at = Some(order.modified_at.clone());
        journal::journal_put(tx, integration, &row)?;
        bump(counts, "cancelled_in_store");
        return Ok(());
    }
    // A status Ponte itself sets (a received status whose answer was lost, say) is no change the
    // merchant made: the journal follows it, the ERP is not told.
    if moved && !writeback::set_by_ponte(tx, config, id, &order.status)? {
        let key = format!("{}@{}", order.status, order.modified_at);
        journal::add_event(
            tx,
            integration,
            id,
            "status_changed",
            &key,
            &status_detail(),
        )?;
        bump(counts, "status_changed");
    }
    // Only a pending order is validated again as it changed: a confirmed one is the ERP's.
    let changes = match row.state.as_str() {
        "pending" => row
            .order
            .clone()
            .and_then(|doc| serde_json::from_value::<StoreOrder>(doc).ok())
            .map(|before| changed_parts(&before, order))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if !changes.is_empty() {
        journal::add_event(
            tx,
            integration,
            id,
            "changed",
            &order.modified_at,
            &json!({"changed": changes, "modified_at": order.modified_at}),
        )?;
        bump(counts, "changed");
        // Validated again, and in the pending list as it is now; the received status is not sent
        // twice.
        return decide(
            tx,
            config,
            catalog,
            order,
            counts,
            decided,
            Received::AlreadyQueued,
        );
    }
    // Only the store's status and modification time move; the row's documents are left as they
    // are, not written again (most orders a capture reads again changed nothing).
    journal::set_store_state(tx, integration, id, &order.status, &order.modified_at)?;
    if !moved {
        bump(counts, "seen_again");
    }
    Ok(())
}

/// What the ERP would see differently in a pending order read again.
fn changed_parts(before: &StoreOrder, now: &StoreOrder) -> Vec<&'static str> {
    let mut parts = Vec::new();
    let customer = |o: &StoreOrder| {
        let c = &o.customer;
        (
            c.name.clone(),
            c.email.clone(),
            c.phone.clone(),
            c.cpf.clone(),
            c.cnpj.clone(),
        )
    };
    if customer(before) != customer(now) {
        parts.push("customer");
    }
    if before.customer.billing != now.customer.billing {
        parts.push("billing_address");
    }
    if before.customer.shipping != now.customer.shipping {
        parts.push("shipping_address");
    }
    if before.lines != now.lines {
        parts.push("items");
    }
    if (
        before.total_cents,
        before.shipping_cents,
        &before.shipping_lines,
        &before.fees,
    ) != (
        now.total_cents,
        now.shipping_cents,
        &now.shipping_lines,
        &now.fees,
    ) {
        parts.push("totals");
    }
    parts
}

/// Whether deciding on an order queues its received status: the first time it is decided, yes
/// (and if accepted, it is new to the ERP, so the capture report lists it); a pending order the
/// store changed is decided again, its received status was queued already, and the ERP hears of
/// it through a `changed` event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Received {
    Queue,
    AlreadyQueued,
}

/// Validates an order that is a sale and records it as pending or rejected, with its holds and
/// write-backs.
fn decide(
    tx: &rusqlite::Transaction<'_>,
    config: &IntegrationConfig,
    catalog: &Catalog,
    order: &StoreOrder,
    counts: &mut BTreeMap<String, u64>,
    decided: &mut Decided,
    received: Received,
) -> Result<()> {
    let integration = config.id.as_str();
    let capture = &config.order_capture;
    let customer_id = register(tx, integration, order)?;
    let reasons = order_rules::validate(order, &catalog.skus, capture, config.locale);
    let mut row = new_row(order, "pending", customer_id);
    if reasons.is_empty() {
        row.sales_order = Some(sales_order(config, catalog, order, customer_id));
        journal::journal_put(tx, integration, &row)?;
        journal::hold(
            tx,
            integration,
            &order.store_order_id,
            "unconfirmed",
            &lines_of(order)?,
        )?;
        if let Some(status) = capture
            .received_status
            .as_ref()
            .filter(|_| received == Received::Queue)
        {
            journal::enqueue(
                tx,
                integration,
                &order.store_order_id,
                "received",
                status,
                &order.status,
            )?;
        }
        bump(counts, "accepted");
        if received == Received::Queue {
            decided.newly_pending.push(order.store_order_id.clone());
        }
    } else {
        row.state = "rejected".into();
        row.reasons = reasons.clone();
        journal::journal_put(tx, integration, &row)?;
        journal::release(tx, integration, &order.store_order_id)?;
        queue_rejection(tx, config, &order.store_order_id, &order.status, &reasons)?;
        decided.rejected.push(RejectedOrder {
            store_order_id: order.store_order_id.clone(),
            number: order.number.clone(),
            reasons,
            customer: customer_record(order).1,
            customer_key: customer_id.map(|id| id.to_string()),
        });
        bump(counts, "rejected");
    }
    Ok(())
}

fn queue_rejection(
    tx: &rusqlite::Transaction<'_>,
    config: &IntegrationConfig,
    store_order_id: &str,
    store_status: &str,
    reasons: &[Rejection],
) -> Result<()> {
    let integration = config.id.as_str();
    if let Some(status) = &config.order_capture.rejected_status {
        journal::enqueue(
            tx,
            integration,
            store_order_id,
            "rejected",
            status,
            store_status,
        )?;
    }
    let motives: Vec<&str> = reasons.iter().map(|r| r.message.as_str()).collect();
    let note = match config.locale {
        Locale::PtBr => format!(
            "Pedido não importado no ERP. Motivo de não atendimento: {}",
            motives.join(" ")
        ),
        Locale::En => format!(
            "Order not imported into the ERP. Reason: {}",
            motives.join(" ")
        ),
    };
    journal::enqueue(tx, integration, store_order_id, "note", &note, store_status)
}

fn new_row(order: &StoreOrder, state: &str, customer_id: Option<i64>) -> JournalRow {
    JournalRow {
        store_order_id: order.store_order_id.clone(),
        number: order.number.clone(),
        state: state.to_string(),
        store_status: order.status.clone(),
        created_at: Some(order.created_at.clone()),
        modified_at: Some(order.modified_at.clone()),
        order: serde_json::to_value(order).ok(),
        sales_order: None,
        customer_id,
        reasons: Vec::new(),
        erp_order_number: None,
        captured_at: String::new(),
        updated_at: String::new(),
    }
}

/// Quantities by SKU of an order's lines. Orders beyond `order_capture.max_quantity` are
/// rejected before they are held, so the sums are small; they are checked all the same.
fn lines_of(order: &StoreOrder) -> Result<Vec<(String, i64)>> {
    let mut by_sku: BTreeMap<String, i64> = BTreeMap::new();
    for line in &order.lines {
        if let Some(sku) = &line.sku {
            let held = by_sku.entry(sku.clone()).or_default();
            *held = held.checked_add(line.quantity.max(0)).ok_or_else(|| {
                Error::invalid_data(
                    format!("order {}", order.store_order_id),
                    format!("the quantities of SKU {sku} add up beyond any stock"),
                )
            })?;
        }
    }
    Ok(by_sku.into_iter().collect())
}

/// Registers the order's customer and offers them to the integration's ERP.
fn register(
    tx: &rusqlite::Transaction<'_>,
    integration: &str,
    order: &StoreOrder,
) -> Result<Option<i64>> {
    let (document, record) = customer_record(order);
    let email = order.customer.email.trim();
    let id = journal::register_customer(
        tx,
        document.as_deref(),
        Some(email).filter(|e| !e.is_empty()),
        &record,
    )?;
    journal::offer_customer(tx, integration, id)?;
    Ok(Some(id))
}

/// The customer as the ERP registers them, and the document that identifies them (a valid CPF
/// or CNPJ, normalized), if any.
fn customer_record(order: &StoreOrder) -> (Option<String>, Value) {
    let customer = &order.customer;
    let cpf = customer.cpf.as_deref().map(documents::normalize);
    let cnpj = customer.cnpj.as_deref().map(documents::normalize);
    let valid_cpf = cpf.as_deref().is_some_and(documents::is_valid_cpf);
    let valid_cnpj = cnpj.as_deref().is_some_and(documents::is_valid_cnpj);
    let person_type = customer.person_type.or(if cnpj.is_some() && cpf.is_none() {
        Some(PersonType::Company)
    } else if cpf.is_some() {
        Some(PersonType::Individual)
    } else {
        None
    });
    let document = if valid_cnpj && person_type == Some(PersonType::Company) {
        cnpj.clone()
    } else if valid_cpf {
        cpf.clone()
    } else if valid_cnpj {
        cnpj.clone()
    } else {
        None
    };
    let address = |a: &Address| {
        json!({
            "name": a.name, "street": a.street, "number": a.number, "complement": a.complement,
            "neighborhood": a.neighborhood, "city": a.city, "state": a.state,
            "postcode": order_rules::normalize_cep(&a.postcode).unwrap_or_else(|| a.postcode.clone()),
            "country": a.country, "phone": a.phone,
        })
    };
    let record = json!({
        "name": customer.name,
        "company": customer.company,
        "person_type": person_type,
        "cpf": cpf,
        "cnpj": cnpj,
        "document_valid": valid_cpf || valid_cnpj,
        "state_registration": customer.state_registration,
        "email": customer.email.to_lowercase(),
        "phone": customer.phone,
        "cellphone": customer.cellphone,
        "store_customer_id": customer.store_customer_id,
        "billing": address(&customer.billing),
        "shipping": customer.shipping.as_ref().map(address),
    });
    (document, record)
}

/// The ERP's sales order for an accepted order: status closed, the default payment terms and
/// method (the buyer's payment data is never imported), money in cents, times in UTC.
fn sales_order(
    config: &IntegrationConfig,
    catalog: &Catalog,
    order: &StoreOrder,
    customer_id: Option<i64>,
) -> Value {
    let capture = &config.order_capture;
    let items: Vec<Value> = order
        .lines
        .iter()
        .map(|line| {
            let sku = line.sku.clone().unwrap_or_default();
            json!({
                "erp_id": catalog.skus.get(&sku).map(|s| s.erp_id.clone()),
                "sku": sku,
                "store_sku": line.store_sku,
                "matched_by": line.matched_by,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "subtotal_cents": line.subtotal_cents,
                "total_cents": line.total_cents,
            })
        })
        .collect();
    json!({
        "integration": config.id,
        "store_order_id": order.store_order_id,
        "store_order_number": order.number,
        "status": "closed",
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "currency": order.currency,
        "payment_terms": capture.default_payment_terms,
        "payment_method": capture.default_payment_method,
        "customer_key": customer_id.map(|id| id.to_string()),
        "customer": customer_record(order).1,
        "store_payment": order.payment,
        "items": items,
        "shipping": order.shipping_lines.iter().map(|s| json!({"method": s.method, "total_cents": s.total_cents})).collect::<Vec<_>>(),
        "shipping_cents": order.shipping_cents,
        "fees": order.fees.iter().map(|f| json!({"name": f.name, "total_cents": f.total_cents})).collect::<Vec<_>>(),
        "discount_cents": order.discount_cents,
        "coupons": order.coupons,
        "tax_cents": order.tax_cents,
        "total_cents": order.total_cents,
        "customer_note": order.customer_note,
    })
}

/// How many pending orders a page holds when the caller asks for 0.
pub const PENDING_PAGE_DEFAULT: u32 = 100;
/// The most pending orders one page holds: a page is read and handed out whole.
pub const PENDING_PAGE_MAX: u32 = 1000;

/// One page of the orders waiting for the ERP.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PendingPage {
    /// At most the limit asked for, in the order they were first journaled.
    pub orders: Vec<PendingOrder>,
    /// The cursor to pass as `after` for the next page; null when this page is the last. Opaque:
    /// a string to hand back as it is, never to build or compare.
    pub next: Option<String>,
}

/// The cursor of the page after the order at `position` in journal order.
fn cursor(position: i64) -> String {
    format!("p{position}")
}

/// The position a cursor stands for; `argument` names it in the error.
fn position(after: Option<&str>, argument: &'static str) -> Result<i64> {
    let Some(after) = after else { return Ok(0) };
    after
        .strip_prefix('p')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<i64>().ok())
        .ok_or_else(|| {
            let shown: String = after.chars().take(40).collect();
            let more = if shown.len() < after.len() { "..." } else { "" };
            Error::InvalidArgument {
                argument,
                message: format!(
                    "is '{shown}{more}', not a cursor Ponte returned; pass the `next` of the \
                     previous page, or none to start from the first"
                ),
            }
        })
}

/// The page size for `limit`: 0 is the default; above the maximum, an error naming `argument`.
fn page_limit(limit: u32, argument: &'static str) -> Result<u32> {
    match limit {
        0 => Ok(PENDING_PAGE_DEFAULT),
        1..=PENDING_PAGE_MAX => Ok(limit),
        _ => Err(Error::InvalidArgument {
            argument,
            message: format!(
                "is {limit}; use 1 to {PENDING_PAGE_MAX}, or 0 for {PENDING_PAGE_DEFAULT}"
            ),
        }),
    }
}

/// The orders waiting for the ERP to confirm or reject them, one page at a time, in the order
/// they were first journaled: at most `limit` (0: `PENDING_PAGE_DEFAULT`) after the cursor
/// `after` (`None`: from the first). Only the page is read from the state file. An order
/// confirmed or rejected between two pages moves no other order across the cursor, so each order
/// still pending is handed out once per pass; one that became pending since the pass began
/// (captured, or retried) may come in this pass or the next.
pub(crate) fn orders_pending(
    db: &mut Db,
    integration: &str,
    after: Option<&str>,
    limit: u32,
) -> Result<PendingPage> {
    let limit = page_limit(limit, "limit")?;
    let after = position(after, "after")?;
    db.read(|tx| {
        // One row more than the page tells whether another page follows.
        let mut rows = journal::pending_page(tx, integration, after, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = rows.last().filter(|_| more).map(|row| cursor(row.position));
        let orders = rows.into_iter().map(pending_order).collect();
        Ok(PendingPage { orders, next })
    })
}

/// The orders among `ids` still pending, each once, in the order of the pending list.
fn still_pending(
    tx: &rusqlite::Transaction<'_>,
    integration: &str,
    ids: &[String],
) -> Result<Vec<PendingOrder>> {
    let mut listed = BTreeSet::new();
    let mut rows = Vec::new();
    for id in ids {
        if listed.insert(id.as_str()) {
            rows.extend(journal::pending_get(tx, integration, id)?);
        }
    }
    rows.sort_by_key(|row| row.position);
    Ok(rows.into_iter().map(pending_order).collect())
}

/// A pending order as the ERP receives it: its sales order names the customer's ERP id, once the
/// ERP confirmed them.
fn pending_order(row: journal::PendingRow) -> PendingOrder {
    let mut sales_order = row.sales_order.unwrap_or(Value::Null);
    if let Some(object) = sales_order.as_object_mut() {
        object.insert("erp_customer_id".into(), json!(row.erp_customer_id));
    }
    PendingOrder {
        store_order_id: row.store_order_id,
        number: row.number,
        customer_key: row.customer_id.map(|id| id.to_string()),
        erp_customer_id: row.erp_customer_id,
        sales_order,
    }
}

fn journal_row(
    tx: &rusqlite::Transaction<'_>,
    integration: &str,
    store_order_id: &str,
) -> Result<JournalRow> {
    journal::journal_get(tx, integration, store_order_id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "order {store_order_id} of integration '{integration}' was never captured"
        ))
    })
}

fn state_of(row: &JournalRow) -> OrderState {
    OrderState {
        store_order_id: row.store_order_id.clone(),
        state: row.state.clone(),
        reasons: row.reasons.clone(),
        erp_order_number: row.erp_order_number.clone(),
    }
}

/// The ERP has the order as its sales order `erp_order_number`. Confirming again with the same
/// number is fine; with another, a conflict.
pub(crate) fn confirm(
    db: &mut Db,
    config: &IntegrationConfig,
    store_order_id: &str,
    erp_order_number: &str,
) -> Result<OrderState> {
    let number = erp_order_number.trim();
    if number.is_empty() {
        return Err(Error::invalid_data("erp_order_number", "must not be empty"));
    }
    let integration = config.id.as_str();
    db.write(|tx| {
        let mut row = journal_row(tx, integration, store_order_id)?;
        match (row.state.as_str(), row.erp_order_number.as_deref()) {
            ("confirmed", Some(existing)) if existing == number => return Ok(state_of(&row)),
            ("confirmed", Some(existing)) => {
                return Err(Error::Conflict(format!(
                    "order {store_order_id} was already confirmed as ERP order {existing}, not {number}"
                )))
            }
            ("pending", _) => {}
            (state, _) => {
                return Err(Error::Conflict(format!("order {store_order_id} is {state}, not pending; only pending orders are confirmed")))
            }
        }
        row.state = "confirmed".into();
        row.erp_order_number = Some(number.to_string());
        journal::journal_put(tx, integration, &row)?;
        // The ERP's own stock now counts the sale.
        journal::release(tx, integration, store_order_id)?;
        if let Some(status) = &config.order_capture.return_status {
            journal::enqueue(tx, integration, store_order_id, "return", status, &row.store_status)?;
        }
        Ok(state_of(&row))
    })
}

/// The ERP refuses the order, with its reason for the user.
pub(crate) fn reject(
    db: &mut Db,
    config: &IntegrationConfig,
    store_order_id: &str,
    reason: &str,
) -> Result<OrderState> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid_data("reason", "must not be empty"));
    }
    let integration = config.id.as_str();
    db.write(|tx| {
        let mut row = journal_row(tx, integration, store_order_id)?;
        let by_erp = |row: &JournalRow| {
            row.reasons
                .iter()
                .any(|r| r.code == "rejected_by_erp" && r.message == reason)
        };
        match row.state.as_str() {
            "rejected" if by_erp(&row) => return Ok(state_of(&row)),
            "pending" => {}
            state => {
                return Err(Error::Conflict(format!(
                "order {store_order_id} is {state}, not pending; only pending orders are rejected"
            )))
            }
        }
        let rejection = Rejection {
            code: "rejected_by_erp".into(),
            message: reason.to_string(),
            fixable: true,
        };
        row.state = "rejected".into();
        row.reasons = vec![rejection];
        journal::journal_put(tx, integration, &row)?;
        journal::release(tx, integration, store_order_id)?;
        queue_rejection(tx, config, store_order_id, &row.store_status, &row.reasons)?;
        Ok(state_of(&row))
    })
}

/// Validates a rejected order again, after the user fixed the data; if it passes now, it is
/// pending again and listed by `orders_pending` at once (not in a capture report: see
/// `CaptureReport::pending`).
pub(crate) fn retry(
    db: &mut Db,
    config: &IntegrationConfig,
    store_order_id: &str,
) -> Result<OrderState> {
    let integration = config.id.as_str();
    let catalog = load_catalog(db, config)?;
    db.write(|tx| {
        let row = journal_row(tx, integration, store_order_id)?;
        match row.state.as_str() {
            "rejected" => {}
            "failed" => {
                return Err(Error::Conflict(format!(
                    "order {store_order_id} could not be read from the store; the next capture reads it again"
                )))
            }
            state => return Err(Error::Conflict(format!("order {store_order_id} is {state}; only rejected orders are retried"))),
        }
        let order: StoreOrder = row
            .order
            .clone()
            .and_then(|value| serde_json::from_value(value).ok())
            .ok_or_else(|| Error::Storage(format!("order {store_order_id} is unreadable in the journal")))?;
        // Links made since capture (an EAN match, a product linked by sync) may resolve it now.
        let order = order_rules::resolve_lines(&order, &catalog.skus, &catalog.index);
        let reasons = order_rules::validate(&order, &catalog.skus, &config.order_capture, config.locale);
        if !reasons.is_empty() {
            let mut row = row;
            row.order = serde_json::to_value(&order).ok();
            row.reasons = reasons;
            journal::journal_put(tx, integration, &row)?;
            return Ok(state_of(&row));
        }
        let mut row = row;
        row.state = "pending".into();
        row.reasons = Vec::new();
        row.order = serde_json::to_value(&order).ok();
        row.sales_order = Some(sales_order(config, &catalog, &order, row.customer_id));
        journal::journal_put(tx, integration, &row)?;
        journal::hold(tx, integration, store_order_id, "unconfirmed", &lines_of(&order)?)?;
        // The store shows the rejected status: mark the order received now.
        if let Some(status) = &config.order_capture.received_status {
            journal::enqueue(tx, integration, store_order_id, "received", status, &row.store_status)?;
        }
        Ok(state_of(&row))
    })
}

/// Stock held by an integration's orders.
pub(crate) fn reservations(db: &mut Db, integration: &str) -> Result<Vec<Reservation>> {
    let holds = db.read(|tx| journal::holds(tx, integration))?;
    Ok(holds
        .into_iter()
        .map(|(store_order_id, sku, kind, quantity)| Reservation {
            store_order_id,
            sku,
            kind,
            quantity,
        })
        .collect())
}

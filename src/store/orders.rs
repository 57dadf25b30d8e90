//! What order capture remembers: customers, the order journal, stock held by orders, the
//! write-back outbox and the capture watermark.

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

use super::NOW;
use crate::error::{Error, Result};
use crate::rules::orders::Rejection;

/// One journal row.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRow {
    pub store_order_id: String,
    pub number: String,
    pub state: String,
    pub store_status: String,
    pub created_at: Option<String>,
    pub modified_at: Option<String>,
    pub order: Option<Value>,
    pub sales_order: Option<Value>,
    pub customer_id: Option<i64>,
    pub reasons: Vec<Rejection>,
    pub erp_order_number: Option<String>,
    pub captured_at: String,
    pub updated_at: String,
}

fn json_text<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|err| Error::Storage(err.to_string()))
}

const JOURNAL_COLUMNS: &str =
    "store_order_id, number, state, store_status, created_at, modified_at, order_doc, \
     sales_order, customer_id, reasons, erp_order_number, captured_at, updated_at";

fn journal_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<JournalRow> {
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    Ok(JournalRow {
        store_order_id: row.get(0)?,
        number: row.get(1)?,
        state: row.get(2)?,
        store_status: row.get(3)?,
        created_at: row.get(4)?,
        modified_at: row.get(5)?,
        order: parse(row.get(6)?),
        sales_order: parse(row.get(7)?),
        customer_id: row.get(8)?,
        reasons: serde_json::from_str(&row.get::<_, String>(9)?).unwrap_or_default(),
        erp_order_number: row.get(10)?,
        captured_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

pub fn journal_get(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
) -> Result<Option<JournalRow>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {JOURNAL_COLUMNS} FROM order_journal WHERE integration_id = ?1 AND store_order_id = ?2"
        ))?
        .query_row([integration, store_order_id], journal_row)
        .optional()?)
}

/// Ids of an integration's orders in one state, oldest capture first: what a capture reads
/// again, without the documents it does not need.
pub fn journal_ids_in_state(
    tx: &Transaction<'_>,
    integration: &str,
    state: &str,
) -> Result<Vec<String>> {
    let mut statement = tx.prepare_cached(
        "SELECT store_order_id FROM order_journal WHERE integration_id = ?1 AND state = ?2
         ORDER BY captured_at, store_order_id",
    )?;
    let rows = statement.query_map([integration, state], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// How many of an integration's orders are in one state.
pub fn count_in_state(tx: &Transaction<'_>, integration: &str, state: &str) -> Result<u64> {
    let count: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM order_journal WHERE integration_id = ?1 AND state = ?2",
        )?
        .query_row([integration, state], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or_default())
}

/// A pending order as the ERP receives it, with its position in journal order.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    /// The row's `rowid`: SQLite gives each new row one above every other, and an update keeps
    /// it, so it orders the pending list for good.
    pub position: i64,
    pub store_order_id: String,
    pub number: String,
    pub sales_order: Option<Value>,
    pub customer_id: Option<i64>,
    /// The ERP's id of the customer, once it confirmed them.
    pub erp_customer_id: Option<String>,
}

/// Only what the ERP receives: the order as read (`order_doc`, the largest column) is left
/// unread.
const PENDING_SELECT: &str =
    "SELECT j.rowid, j.store_order_id, j.number, j.sales_order, j.customer_id, h.erp_customer_id
     FROM order_journal j LEFT JOIN customer_handoff h
         ON h.integration_id = j.integration_id AND h.customer_id = j.customer_id
     WHERE j.integration_id = ?1 AND j.state = 'pending'";

fn pending_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PendingRow> {
    Ok(PendingRow {
        position: row.get(0)?,
        store_order_id: row.get(1)?,
        number: row.get(2)?,
        sales_order: row
            .get::<_, Option<String>>(3)?
            .and_then(|t| serde_json::from_str(&t).ok()),
        customer_id: row.get(4)?,
        erp_customer_id: row.get(5)?,
    })
}

/// One page of an integration's pending orders in journal order: at most `limit` whose position
/// is past `after`. The index on (integration, state) holds the rowid, so only the page is read,
/// however long the list; and an order leaving the list between two pages moves no other one
/// across the cursor. (A `VACUUM` may renumber rowids: Ponte never runs one, and no migration
/// may rebuild `order_journal` without keeping them.)
pub fn pending_page(
    tx: &Transaction<'_>,
    integration: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<PendingRow>> {
    let mut statement = tx.prepare_cached(&format!(
        "{PENDING_SELECT} AND j.rowid > ?2 ORDER BY j.rowid LIMIT ?3"
    ))?;
    let rows = statement.query_map(params![integration, after, limit], pending_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// An order, if it is pending.
pub fn pending_get(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
) -> Result<Option<PendingRow>> {
    Ok(tx
        .prepare_cached(&format!("{PENDING_SELECT} AND j.store_order_id = ?2"))?
        .query_row([integration, store_order_id], pending_row)
        .optional()?)
}

/// Ids of an integration's orders in one state, those written longest ago first (every read of an
/// order writes its row), at most `limit`.
pub fn least_recently_read(
    tx: &Transaction<'_>,
    integration: &str,
    state: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let mut statement = tx.prepare_cached(
        "SELECT store_order_id FROM order_journal WHERE integration_id = ?1 AND state = ?2
         ORDER BY updated_at, store_order_id LIMIT ?3",
    )?;
    let rows = statement.query_map(params![integration, state, limit as i64], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// Every journal row of an integration, newest first.
pub fn journal_all(tx: &Transaction<'_>, integration: &str) -> Result<Vec<JournalRow>> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT {JOURNAL_COLUMNS} FROM order_journal WHERE integration_id = ?1
         ORDER BY created_at DESC, store_order_id DESC"
    ))?;
    let rows = statement.query_map([integration], journal_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Writes a journal row whole (insert or replace), keeping its first capture time.
pub fn journal_put(tx: &Transaction<'_>, integration: &str, row: &JournalRow) -> Result<()> {
    let text = |value: &Option<Value>| value.as_ref().map(json_text).transpose();
    tx.prepare_cached(&format!(
        "INSERT INTO order_journal (integration_id, store_order_id, number, state, store_status, created_at,
             modified_at, order_doc, sales_order, customer_id, reasons, erp_order_number, captured_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, {NOW}, {NOW})
         ON CONFLICT (integration_id, store_order_id) DO UPDATE SET
             number = excluded.number, state = excluded.state, store_status = excluded.store_status,
             created_at = excluded.created_at, modified_at = excluded.modified_at, order_doc = excluded.order_doc,
             sales_order = excluded.sales_order, customer_id = excluded.customer_id, reasons = excluded.reasons,
             erp_order_number = excluded.erp_order_number, updated_at = excluded.updated_at"
    ))?
    .execute(params![
        integration,
        row.store_order_id,
        row.number,
        row.state,
        row.store_status,
        row.created_at,
        row.modified_at,
        text(&row.order)?,
        text(&row.sales_order)?,
        row.customer_id,
        json_text(&row.reasons)?,
        row.erp_order_number,
    ])?;
    Ok(())
}

/// Replaces the stock an order holds.
pub fn hold(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    kind: &str,
    lines: &[(String, i64)],
) -> Result<()> {
    release(tx, integration, store_order_id)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO stock_hold (integration_id, store_order_id, sku, kind, quantity) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (integration_id, store_order_id, sku) DO UPDATE SET quantity = quantity + excluded.quantity",
    )?;
    for (sku, quantity) in lines.iter().filter(|(_, q)| *q > 0) {
        insert.execute(params![integration, store_order_id, sku, kind, quantity])?;
    }
    Ok(())
}

pub fn release(tx: &Transaction<'_>, integration: &str, store_order_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM stock_hold WHERE integration_id = ?1 AND store_order_id = ?2")?
        .execute([integration, store_order_id])?;
    Ok(())
}

/// Stock held by reservations and unconfirmed orders of an integration.
pub fn holds(
    tx: &Transaction<'_>,
    integration: &str,
) -> Result<Vec<(String, String, String, i64)>> {
    let mut statement = tx.prepare_cached(
        "SELECT store_order_id, sku, kind, quantity FROM stock_hold WHERE integration_id = ?1 ORDER BY sku, store_order_id",
    )?;
    let rows = statement.query_map([integration], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One queued change to write to a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writeback {
    pub id: i64,
    pub integration_id: String,
    pub store_order_id: String,
    pub kind: String,
    pub value: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The store status the order had when this was queued.
    pub over_status: Option<String>,
}

/// The write-backs that set the order's status in the store.
pub const STATUS_KINDS: [&str; 4] = ["received", "rejected", "return", "fulfil"];

/// Queues a write-back over the store status the order has now (`over_status`); the same kind
/// for the same order is replaced, so a retried order is written back again with its new value.
/// A status supersedes the order's other statuses not done yet: only the latest is sent, so two
/// statuses of one order are never in flight together and an earlier one is never sent again
/// after a later one.
pub fn enqueue(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    kind: &str,
    value: &str,
    over_status: &str,
) -> Result<()> {
    if STATUS_KINDS.contains(&kind) {
        tx.prepare_cached(
            "DELETE FROM writeback WHERE integration_id = ?1 AND store_order_id = ?2
                 AND kind IN ('received', 'rejected', 'return', 'fulfil') AND kind <> ?3 AND state <> 'done'",
        )?
        .execute(params![integration, store_order_id, kind])?;
    }
    tx.prepare_cached(&format!(
        "INSERT INTO writeback (integration_id, store_order_id, kind, value, state, created_at, updated_at, over_status)
         VALUES (?1, ?2, ?3, ?4, 'queued', {NOW}, {NOW}, ?5)
         ON CONFLICT (integration_id, store_order_id, kind) DO UPDATE SET
             value = excluded.value, state = 'queued', attempts = 0, last_error = NULL,
             updated_at = excluded.updated_at, over_status = excluded.over_status"
    ))?
    .execute(params![integration, store_order_id, kind, value, over_status])?;
    Ok(())
}

/// Drops an order's queued write-backs that are not sent yet, with the reason; returns how many.
/// One in flight is left to be checked: it may have reached the store.
pub fn drop_queued(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    reason: &str,
) -> Result<usize> {
    Ok(tx
        .prepare_cached(&format!(
            "UPDATE writeback SET state = 'dropped', last_error = ?3, updated_at = {NOW}
             WHERE integration_id = ?1 AND store_order_id = ?2 AND state = 'queued'"
        ))?
        .execute(params![integration, store_order_id, reason])?)
}

/// Drops one queued write-back, with the reason.
pub fn drop_queued_one(tx: &Transaction<'_>, id: i64, reason: &str) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE writeback SET state = 'dropped', last_error = ?2, updated_at = {NOW} WHERE id = ?1 AND state = 'queued'"
    ))?
    .execute(params![id, reason])?;
    Ok(())
}

/// Records the order's status in the store as last known, read or written.
pub fn set_store_status(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    status: &str,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE order_journal SET store_status = ?3, updated_at = {NOW}
         WHERE integration_id = ?1 AND store_order_id = ?2"
    ))?
    .execute(params![integration, store_order_id, status])?;
    Ok(())
}

/// Records the order's status and modification time in the store as last read, and that it was
/// read now (`updated_at`), leaving the rest of its row as it is.
pub fn set_store_state(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    status: &str,
    modified_at: &str,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE order_journal SET store_status = ?3, modified_at = ?4, updated_at = {NOW}
         WHERE integration_id = ?1 AND store_order_id = ?2"
    ))?
    .execute(params![integration, store_order_id, status, modified_at])?;
    Ok(())
}

fn writeback_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Writeback> {
    Ok(Writeback {
        id: row.get(0)?,
        store_order_id: row.get(1)?,
        kind: row.get(2)?,
        value: row.get(3)?,
        state: row.get(4)?,
        attempts: row.get(5)?,
        last_error: row.get(6)?,
        over_status: row.get(7)?,
        integration_id: row.get(8)?,
    })
}

/// Write-backs still to send or to check, oldest first; failed ones wait for a person.
pub fn outbox(tx: &Transaction<'_>, integration: &str) -> Result<Vec<Writeback>> {
    let mut statement = tx.prepare_cached(
        "SELECT id, store_order_id, kind, value, state, attempts, last_error, over_status, integration_id FROM writeback
         WHERE integration_id = ?1 AND state IN ('queued', 'in_flight') ORDER BY id",
    )?;
    let rows = statement.query_map([integration], writeback_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every write-back of an order.
pub fn writebacks_of(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
) -> Result<Vec<Writeback>> {
    let mut statement = tx.prepare_cached(
        "SELECT id, store_order_id, kind, value, state, attempts, last_error, over_status, integration_id FROM writeback
         WHERE integration_id = ?1 AND store_order_id = ?2 ORDER BY id",
    )?;
    let rows = statement.query_map([integration, store_order_id], writeback_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Moves a write-back to `state`; an attempt that ended (done or failed) is counted.
pub fn writeback_set(
    tx: &Transaction<'_>,
    id: i64,
    state: &str,
    error: Option<&str>,
    attempted: bool,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE writeback SET state = ?2, last_error = ?3, attempts = attempts + ?4, updated_at = {NOW} WHERE id = ?1"
    ))?
    .execute(params![id, state, error, i64::from(attempted)])?;
    Ok(())
}

pub fn watermark(tx: &Transaction<'_>, integration: &str) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT watermark FROM capture_state WHERE integration_id = ?1")?
        .query_row([integration], |row| row.get(0))
        .optional()?)
}

/// Whether the last capture stopped before the end of its listing.
pub fn resume(tx: &Transaction<'_>, integration: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT resume FROM capture_state WHERE integration_id = ?1")?
        .query_row([integration], |row| row.get::<_, i64>(0))
        .optional()?
        .is_some_and(|r| r != 0))
}

pub fn set_resume(tx: &Transaction<'_>, integration: &str, resume: bool) -> Result<()> {
    tx.prepare_cached("UPDATE capture_state SET resume = ?2 WHERE integration_id = ?1")?
        .execute(params![integration, i64::from(resume)])?;
    Ok(())
}

pub fn set_watermark(tx: &Transaction<'_>, integration: &str, watermark: i64) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO capture_state (integration_id, watermark, updated_at) VALUES (?1, ?2, {NOW})
         ON CONFLICT (integration_id) DO UPDATE SET watermark = MAX(watermark, excluded.watermark), updated_at = excluded.updated_at"
    ))?
    .execute(params![integration, watermark])?;
    Ok(())
}

/// Registers a customer: recognised by document, then by e-mail; returns their id. A change in
/// what is known of them (an address, a phone) raises their revision, so the ERP is offered the
/// update.
pub fn register_customer(
    tx: &Transaction<'_>,
    document: Option<&str>,
    email: Option<&str>,
    doc: &Value,
) -> Result<i64> {
    let email = email.map(str::to_lowercase).filter(|e| !e.is_empty());
    let by_document: Option<i64> = match document {
        Some(document) => tx
            .prepare_cached("SELECT id FROM customer WHERE document = ?1")?
            .query_row([document], |row| row.get(0))
            .optional()?,
        None => None,
    };
    let by_email: Option<i64> = match (&by_document, &email) {
        (None, Some(email)) => tx
            .prepare_cached("SELECT id FROM customer WHERE email = ?1 AND (document IS NULL OR ?2 IS NULL) ORDER BY id LIMIT 1")?
            .query_row(params![email, document], |row| row.get(0))
            .optional()?,
        _ => None,
    };
    let text = json_text(doc)?;
    match by_document.or(by_email) {
        Some(id) => {
            tx.prepare_cached(&format!(
                "UPDATE customer SET document = COALESCE(?2, document), email = COALESCE(?3, email),
                     revision = revision + (doc IS NOT ?4), doc = ?4, updated_at = {NOW}
                 WHERE id = ?1"
            ))?
            .execute(params![id, document, email, text])?;
            Ok(id)
        }
        None => {
            tx.prepare_cached(&format!(
                "INSERT INTO customer (document, email, doc, created_at, updated_at) VALUES (?1, ?2, ?3, {NOW}, {NOW})"
            ))?
            .execute(params![document, email, text])?;
            Ok(tx.last_insert_rowid())
        }
    }
}

/// Offers a customer to an integration's ERP (once; their later revisions are offered by the
/// revision itself).
pub fn offer_customer(tx: &Transaction<'_>, integration: &str, customer_id: i64) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO customer_handoff (integration_id, customer_id, offered_at) VALUES (?1, ?2, {NOW})
         ON CONFLICT (integration_id, customer_id) DO NOTHING"
    ))?
    .execute(params![integration, customer_id])?;
    Ok(())
}

/// A customer as handed to an integration's ERP.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffRow {
    pub customer_id: i64,
    pub revision: i64,
    pub doc: Value,
    pub erp_customer_id: Option<String>,
    pub confirmed_revision: Option<i64>,
}

const HANDOFF_SELECT: &str =
    "SELECT c.id, c.revision, c.doc, h.erp_customer_id, h.confirmed_revision
     FROM customer_handoff h JOIN customer c ON c.id = h.customer_id WHERE h.integration_id = ?1";

fn handoff_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<HandoffRow> {
    Ok(HandoffRow {
        customer_id: row.get(0)?,
        revision: row.get(1)?,
        doc: serde_json::from_str(&row.get::<_, String>(2)?).unwrap_or(Value::Null),
        erp_customer_id: row.get(3)?,
        confirmed_revision: row.get(4)?,
    })
}

/// Customers the integration's ERP does not have in their latest revision, oldest first.
pub fn customers_pending(tx: &Transaction<'_>, integration: &str) -> Result<Vec<HandoffRow>> {
    let mut statement = tx.prepare_cached(&format!(
        "{HANDOFF_SELECT} AND (h.confirmed_revision IS NULL OR h.confirmed_revision < c.revision)
         ORDER BY c.id"
    ))?;
    let rows = statement.query_map([integration], handoff_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn customer_handoff(
    tx: &Transaction<'_>,
    integration: &str,
    customer_id: i64,
) -> Result<Option<HandoffRow>> {
    Ok(tx
        .prepare_cached(&format!("{HANDOFF_SELECT} AND c.id = ?2"))?
        .query_row(params![integration, customer_id], handoff_row)
        .optional()?)
}

/// Records that the ERP has `revision` of the customer as `erp_customer_id`.
pub fn customer_confirmed(
    tx: &Transaction<'_>,
    integration: &str,
    customer_id: i64,
    erp_customer_id: &str,
    revision: i64,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE customer_handoff SET erp_customer_id = ?3, confirmed_revision = ?4, confirmed_at = {NOW}
         WHERE integration_id = ?1 AND customer_id = ?2"
    ))?
    .execute(params![integration, customer_id, erp_customer_id, revision])?;
    Ok(())
}

/// One event of an order's life after capture, as the ERP receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub store_order_id: String,
    pub kind: String,
    pub detail: Value,
    pub state: String,
    pub created_at: String,
}

/// Records an event once: the same (order, kind, key) again is ignored. True when recorded now.
pub fn add_event(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    kind: &str,
    key: &str,
    detail: &Value,
) -> Result<bool> {
    let added = tx
        .prepare_cached(&format!(
            "INSERT INTO order_event (integration_id, store_order_id, kind, key, detail, state, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', {NOW})
             ON CONFLICT (integration_id, store_order_id, kind, key) DO NOTHING"
        ))?
        .execute(params![integration, store_order_id, kind, key, json_text(detail)?])?;
    Ok(added > 0)
}

const EVENT_COLUMNS: &str = "id, store_order_id, kind, detail, state, created_at";

fn event_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: row.get(0)?,
        store_order_id: row.get(1)?,
        kind: row.get(2)?,
        detail: serde_json::from_str(&row.get::<_, String>(3)?).unwrap_or(Value::Null),
        state: row.get(4)?,
        created_at: row.get(5)?,
    })
}

/// Events the ERP has not acknowledged, oldest first.
pub fn events_pending(tx: &Transaction<'_>, integration: &str) -> Result<Vec<EventRow>> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM order_event WHERE integration_id = ?1 AND state = 'pending' ORDER BY id"
    ))?;
    let rows = statement.query_map([integration], event_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn event_get(tx: &Transaction<'_>, integration: &str, id: i64) -> Result<Option<EventRow>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM order_event WHERE integration_id = ?1 AND id = ?2"
        ))?
        .query_row(params![integration, id], event_row)
        .optional()?)
}

/// Refund events whose lines were not read yet.
pub fn refunds_without_lines(tx: &Transaction<'_>, integration: &str) -> Result<Vec<EventRow>> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM order_event WHERE integration_id = ?1 AND kind = 'refunded'
             AND json_type(detail, '$.lines') = 'null' ORDER BY id"
    ))?;
    let rows = statement.query_map([integration], event_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn set_event_detail(tx: &Transaction<'_>, id: i64, detail: &Value) -> Result<()> {
    tx.prepare_cached("UPDATE order_event SET detail = ?2 WHERE id = ?1")?
        .execute(params![id, json_text(detail)?])?;
    Ok(())
}

pub fn event_acknowledge(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE order_event SET state = 'acknowledged', acknowledged_at = {NOW} WHERE id = ?1"
    ))?
    .execute([id])?;
    Ok(())
}

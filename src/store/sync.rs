//! What product sync remembers: links between ERP products and store products, the values the
//! store last confirmed, and the history of runs.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::NOW;
use crate::error::{Error, Result};
use crate::platform::{ItemError, StoreRef};

/// Where an ERP product stands in one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Linked,
    /// A create was sent and its outcome is not known yet: look the SKUs up before anything else.
    InDoubt,
    /// Not in the store; the last attempt failed.
    Unlinked,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub erp_id: String,
    pub state: LinkState,
    pub target: Option<StoreRef>,
    /// The values the store last confirmed, as sync computes them.
    pub pushed: Option<Value>,
    pub pushed_at: Option<String>,
    pub last_error: Option<ItemError>,
}

fn state_name(state: &LinkState) -> &'static str {
    match state {
        LinkState::Linked => "linked",
        LinkState::InDoubt => "in_doubt",
        LinkState::Unlinked => "unlinked",
    }
}

fn decode_error(text: Option<String>) -> Option<ItemError> {
    let value: Value = serde_json::from_str(&text?).ok()?;
    Some(ItemError {
        code: value["code"].as_str().unwrap_or_default().to_string(),
        message: value["message"].as_str().unwrap_or_default().to_string(),
        status: value["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(0),
        resource_id: value["resource_id"].as_str().map(str::to_string),
    })
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|err| Error::Storage(err.to_string()))
}

const LINK_COLUMNS: &str =
    "erp_id, state, store_product_id, variants, pushed, pushed_at, last_error";

fn link_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Link> {
    let erp_id: String = row.get(0)?;
    let state = match row.get::<_, String>(1)?.as_str() {
        "linked" => LinkState::Linked,
        "in_doubt" => LinkState::InDoubt,
        _ => LinkState::Unlinked,
    };
    let variants: BTreeMap<String, String> =
        serde_json::from_str(&row.get::<_, String>(3)?).unwrap_or_default();
    let pushed: Option<serde_json::Value> = row
        .get::<_, Option<String>>(4)?
        .and_then(|p| serde_json::from_str(&p).ok());
    // The store's ids of the pictures Ponte put there are kept with what was pushed.
    let media: BTreeMap<String, String> = pushed
        .as_ref()
        .and_then(|p| serde_json::from_value(p["media"].clone()).ok())
        .unwrap_or_default();
    Ok(Link {
        erp_id,
        state,
        target: row.get::<_, Option<String>>(2)?.map(|product_id| StoreRef {
            product_id,
            variants,
            media,
        }),
        pushed,
        pushed_at: row.get(5)?,
        last_error: decode_error(row.get(6)?),
    })
}

/// Every link of an integration, by ERP id.
pub fn links(tx: &Transaction<'_>, integration: &str) -> Result<BTreeMap<String, Link>> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT {LINK_COLUMNS} FROM product_link WHERE integration_id = ?1"
    ))?;
    let rows = statement.query_map([integration], link_from_row)?;
    let mut links = BTreeMap::new();
    for link in rows {
        let link = link?;
        links.insert(link.erp_id.clone(), link);
    }
    Ok(links)
}

/// The links of these products, by ERP id.
pub fn links_of<'a>(
    tx: &Transaction<'_>,
    integration: &str,
    erp_ids: impl IntoIterator<Item = &'a String>,
) -> Result<BTreeMap<String, Link>> {
    let mut statement = tx.prepare_cached(&format!(
        "SELECT {LINK_COLUMNS} FROM product_link WHERE integration_id = ?1 AND erp_id = ?2"
    ))?;
    let mut links = BTreeMap::new();
    for erp_id in erp_ids {
        if let Some(link) = statement
            .query_row([integration, erp_id.as_str()], link_from_row)
            .optional()?
        {
            links.insert(link.erp_id.clone(), link);
        }
    }
    Ok(links)
}

/// Store product ids linked in this integration, to the ERP id each belongs to.
pub fn linked_store_ids_of(
    tx: &Transaction<'_>,
    integration: &str,
) -> Result<BTreeMap<String, String>> {
    let mut statement = tx.prepare_cached(
        "SELECT store_product_id, erp_id FROM product_link
         WHERE integration_id = ?1 AND state = 'linked' AND store_product_id IS NOT NULL",
    )?;
    let rows = statement.query_map([integration], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where a product stood when a plan read it: its version (which retirement moves too) and its
/// stock version. With sync's context digest, what a link is settled at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub version: i64,
    pub stock_version: i64,
}

/// The products whose stamp, or sync's `context`, moved since the store was last known to hold
/// everything sync would send them (or that never were), with their stamp now, in ERP id order.
pub fn unsettled(
    tx: &Transaction<'_>,
    integration: &str,
    context: &str,
) -> Result<Vec<(String, Stamp)>> {
    let mut statement = tx.prepare_cached(
        "SELECT p.erp_id, p.version, p.stock_version
         FROM product p LEFT JOIN product_link l ON l.integration_id = ?1 AND l.erp_id = p.erp_id
         WHERE l.settled IS NULL OR l.settled <> ?2
               OR l.settled_version <> p.version OR l.settled_stock <> p.stock_version
         ORDER BY p.erp_id",
    )?;
    let rows = statement.query_map(params![integration, context], |row| {
        Ok((
            row.get(0)?,
            Stamp {
                version: row.get(1)?,
                stock_version: row.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records that the store holds everything sync would send for a linked product, as of
/// `context` and `stamp`.
pub fn settle(
    tx: &Transaction<'_>,
    integration: &str,
    erp_id: &str,
    context: &str,
    stamp: Stamp,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE product_link SET settled = ?3, settled_version = ?4, settled_stock = ?5
         WHERE integration_id = ?1 AND erp_id = ?2 AND state = 'linked'",
    )?
    .execute(params![
        integration,
        erp_id,
        context,
        stamp.version,
        stamp.stock_version
    ])?;
    Ok(())
}

/// Records that a create is about to be sent, before it is sent.
pub fn mark_in_doubt(tx: &Transaction<'_>, integration: &str, erp_id: &str) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO product_link (integration_id, erp_id, state, store_product_id, variants, updated_at)
         VALUES (?1, ?2, 'in_doubt', NULL, '{{}}', {NOW})
         ON CONFLICT (integration_id, erp_id) DO UPDATE SET state = 'in_doubt', updated_at = excluded.updated_at,
             settled = NULL
         WHERE state <> 'linked'"
    ))?
    .execute([integration, erp_id])?;
    Ok(())
}

/// Records what the store confirmed: where the product is and the values it now has.
pub fn confirm(
    tx: &Transaction<'_>,
    integration: &str,
    erp_id: &str,
    target: &StoreRef,
    pushed: &Value,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO product_link (integration_id, erp_id, state, store_product_id, variants, pushed, pushed_at, last_error, updated_at, verified_at)
         VALUES (?1, ?2, 'linked', ?3, ?4, ?5, {NOW}, NULL, {NOW}, {NOW})
         ON CONFLICT (integration_id, erp_id) DO UPDATE SET
             state = 'linked', store_product_id = excluded.store_product_id, variants = excluded.variants,
             pushed = excluded.pushed, pushed_at = excluded.pushed_at, last_error = NULL,
             updated_at = excluded.updated_at, verified_at = excluded.verified_at, settled = NULL"
    ))?
    .execute(params![integration, erp_id, target.product_id, encode(&target.variants)?, encode(pushed)?])?;
    Ok(())
}

/// Records a failure, keeping what was confirmed before; a product never in the store becomes
/// `unlinked`, one whose outcome is unknown stays `in_doubt`.
pub fn record_failure(
    tx: &Transaction<'_>,
    integration: &str,
    erp_id: &str,
    error: &ItemError,
    in_doubt: bool,
) -> Result<()> {
    let error = encode(&serde_json::json!({
        "code": error.code, "message": error.message, "status": error.status, "resource_id": error.resource_id,
    }))?;
    let state = if in_doubt {
        LinkState::InDoubt
    } else {
        LinkState::Unlinked
    };
    tx.prepare_cached(&format!(
        "INSERT INTO product_link (integration_id, erp_id, state, store_product_id, variants, last_error, updated_at)
         VALUES (?1, ?2, ?3, NULL, '{{}}', ?4, {NOW})
         ON CONFLICT (integration_id, erp_id) DO UPDATE SET
             state = CASE WHEN state = 'linked' THEN 'linked' ELSE excluded.state END,
             last_error = excluded.last_error, updated_at = excluded.updated_at, settled = NULL"
    ))?
    .execute(params![integration, erp_id, state_name(&state), error])?;
    Ok(())
}

/// The store no longer has the product a link points to (deleted, or in the trash): the link is
/// undone, keeping why, so the next sync creates or links the product again under the usual
/// matching rules.
pub fn mark_gone(
    tx: &Transaction<'_>,
    integration: &str,
    erp_id: &str,
    error: &ItemError,
) -> Result<()> {
    let error = encode(&serde_json::json!({
        "code": error.code, "message": error.message, "status": error.status, "resource_id": error.resource_id,
    }))?;
    tx.prepare_cached(&format!(
        "UPDATE product_link SET state = 'unlinked', store_product_id = NULL, variants = '{{}}', pushed = NULL,
             pushed_at = NULL, last_error = ?3, verified_at = NULL, updated_at = {NOW}, settled = NULL
         WHERE integration_id = ?1 AND erp_id = ?2"
    ))?
    .execute(params![integration, erp_id, error])?;
    Ok(())
}

/// Linked products not seen in the store since `before` (RFC 3339), oldest check first: (ERP
/// id, store product id).
pub fn links_to_verify(
    tx: &Transaction<'_>,
    integration: &str,
    before: &str,
    limit: u32,
) -> Result<Vec<(String, String)>> {
    let mut statement = tx.prepare_cached(
        "SELECT erp_id, store_product_id FROM product_link
         WHERE integration_id = ?1 AND state = 'linked' AND store_product_id IS NOT NULL
               AND (verified_at IS NULL OR verified_at < ?2)
         ORDER BY verified_at IS NOT NULL, verified_at, erp_id LIMIT ?3",
    )?;
    let rows = statement.query_map(params![integration, before, limit], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The store showed these linked products still there.
pub fn set_verified(tx: &Transaction<'_>, integration: &str, erp_ids: &[String]) -> Result<()> {
    let mut statement = tx.prepare_cached(&format!(
        "UPDATE product_link SET verified_at = {NOW} WHERE integration_id = ?1 AND erp_id = ?2"
    ))?;
    for erp_id in erp_ids {
        statement.execute([integration, erp_id])?;
    }
    Ok(())
}

/// Forgets values recorded as pushed, so the next sync sends them again: `keys` are (SKU, field)
/// of a variant, or (None, field) of the product. Used before a write whose answer may be lost,
/// and when the store moved a value itself (stock taken for an order).
pub fn forget_pushed(
    tx: &Transaction<'_>,
    integration: &str,
    erp_id: &str,
    keys: &[(Option<&str>, &str)],
) -> Result<()> {
    let pushed: Option<Option<String>> = tx
        .prepare_cached(
            "SELECT pushed FROM product_link WHERE integration_id = ?1 AND erp_id = ?2",
        )?
        .query_row([integration, erp_id], |row| row.get(0))
        .optional()?;
    let Some(Some(pushed)) = pushed else {
        return Ok(());
    };
    let Ok(mut pushed) = serde_json::from_str::<Value>(&pushed) else {
        return Ok(());
    };
    for (sku, field) in keys {
        let holder = match sku {
            Some(sku) => pushed.pointer_mut(&format!("/variants/{}", pointer_token(sku))),
            None => Some(&mut pushed),
        };
        if let Some(Value::Object(values)) = holder {
            values.remove(*field);
        }
    }
    tx.prepare_cached(
        "UPDATE product_link SET pushed = ?3, settled = NULL WHERE integration_id = ?1 AND erp_id = ?2",
    )?
    .execute(params![integration, erp_id, encode(&pushed)?])?;
    Ok(())
}

/// Forgets the stock recorded as pushed for these SKUs in every product of the integration:
/// the store moved it itself (WooCommerce takes the units of a paid order, gives back those of a
/// cancelled one), so the next sync sends what the store should have.
pub fn forget_pushed_stock(tx: &Transaction<'_>, integration: &str, skus: &[String]) -> Result<()> {
    let mut owners = tx.prepare_cached(
        "SELECT DISTINCT l.erp_id FROM product_link l JOIN variant v ON v.product_erp_id = l.erp_id
         WHERE l.integration_id = ?1 AND v.sku = ?2 AND l.pushed IS NOT NULL",
    )?;
    let mut found: Vec<(String, String)> = Vec::new();
    for sku in skus {
        let rows = owners.query_map(params![integration, sku], |row| row.get::<_, String>(0))?;
        for erp_id in rows {
            found.push((erp_id?, sku.clone()));
        }
    }
    for (erp_id, sku) in found {
        forget_pushed(tx, integration, &erp_id, &[(Some(&sku), "stock")])?;
    }
    Ok(())
}

/// A SKU as one token of a JSON pointer (RFC 6901).
fn pointer_token(sku: &str) -> String {
    sku.replace('~', "~0").replace('/', "~1")
}

/// Has the next sync check that the store still has this link's product.
pub fn unverify(tx: &Transaction<'_>, integration: &str, erp_id: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE product_link SET verified_at = NULL WHERE integration_id = ?1 AND erp_id = ?2",
    )?
    .execute([integration, erp_id])?;
    Ok(())
}

/// Starts a run; a run still marked running from a process that died is marked interrupted.
pub fn start_run(tx: &Transaction<'_>, integration: &str, options: &Value) -> Result<i64> {
    tx.prepare_cached(&format!(
        "UPDATE sync_run SET status = 'interrupted', finished_at = {NOW} WHERE integration_id = ?1 AND status = 'running'"
    ))?
    .execute([integration])?;
    tx.prepare_cached(&format!(
        "INSERT INTO sync_run (integration_id, started_at, status, options, counts) VALUES (?1, {NOW}, 'running', ?2, '{{}}')"
    ))?
    .execute(params![integration, encode(options)?])?;
    Ok(tx.last_insert_rowid())
}

pub fn record_item(
    tx: &Transaction<'_>,
    run: i64,
    erp_id: &str,
    action: &str,
    result: &str,
    detail: &Value,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_item (run_id, erp_id, action, result, detail) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (run_id, erp_id) DO UPDATE SET action = excluded.action, result = excluded.result, detail = excluded.detail",
    )?
    .execute(params![run, erp_id, action, result, encode(detail)?])?;
    Ok(())
}

pub fn finish_run(
    tx: &Transaction<'_>,
    run: i64,
    status: &str,
    counts: &BTreeMap<String, u64>,
    requests: u64,
    error: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE sync_run SET status = ?2, counts = ?3, requests = ?4, error = ?5, finished_at = {NOW} WHERE id = ?1"
    ))?
    .execute(params![run, status, encode(counts)?, requests as i64, error])?;
    Ok(())
}

/// A run as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub integration: String,
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub options: Value,
    pub counts: BTreeMap<String, u64>,
    pub requests: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The latest runs of an integration, newest first.
pub fn runs(tx: &Transaction<'_>, integration: &str, limit: u32) -> Result<Vec<RunSummary>> {
    let mut statement = tx.prepare_cached(
        "SELECT id, integration_id, status, started_at, finished_at, options, counts, requests, error
         FROM sync_run WHERE integration_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![integration, limit], |row| {
        Ok(RunSummary {
            run_id: row.get(0)?,
            integration: row.get(1)?,
            status: row.get(2)?,
            started_at: row.get(3)?,
            finished_at: row.get(4)?,
            options: serde_json::from_str(&row.get::<_, String>(5)?).unwrap_or(Value::Null),
            counts: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
            requests: row.get::<_, i64>(7)? as u64,
            error: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

//! Orders a store's webhook named, waiting for the next capture to read them by id. A webhook
//! only hurries a capture: the listing with its watermark stays the source of truth, so a lost
//! webhook loses nothing and one received twice reads the order once.

use rusqlite::{params, Transaction};

use crate::error::Result;

/// Records that the store said `store_order_id` changed; a second word of it before the capture
/// keeps the first.
pub fn record_order(
    tx: &Transaction<'_>,
    integration: &str,
    store_order_id: &str,
    event: &str,
    received_at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO webhook_order (integration_id, store_order_id, event, received_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?
    .execute(params![integration, store_order_id, event, received_at])?;
    Ok(())
}

/// The orders webhooks named, oldest word first, at most `limit`.
pub fn orders(tx: &Transaction<'_>, integration: &str, limit: usize) -> Result<Vec<String>> {
    let mut statement = tx.prepare_cached(
        "SELECT store_order_id FROM webhook_order WHERE integration_id = ?1
         ORDER BY received_at, store_order_id LIMIT ?2",
    )?;
    let ids = statement
        .query_map(params![integration, limit as i64], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// Forgets the orders a capture has read.
pub fn forget(tx: &Transaction<'_>, integration: &str, ids: &[String]) -> Result<()> {
    let mut statement = tx.prepare_cached(
        "DELETE FROM webhook_order WHERE integration_id = ?1 AND store_order_id = ?2",
    )?;
    for id in ids {
        statement.execute(params![integration, id])?;
    }
    Ok(())
}

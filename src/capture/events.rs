//! Order events after capture, handed to the ERP until it acknowledges each: a cancellation, a
//! status the merchant set, a pending order's customer or items changed in the store. Each is
//! journaled once, by (order, kind, key).

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::orders::{self as journal, EventRow};
use crate::store::Db;

/// One event of an order's life in the store, for the ERP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderEvent {
    pub event_id: i64,
    pub store_order_id: String,
    /// `cancelled`, `status_changed` or `changed`.
    pub kind: String,
    /// The order's state in Ponte now: `pending`, `confirmed`, `cancelled`...
    pub order_state: String,
    /// The ERP's number of the order, once confirmed.
    pub erp_order_number: Option<String>,
    /// What happened: the store status and the one before, the parts that changed.
    pub detail: Value,
    /// When Ponte saw it, UTC.
    pub seen_at: String,
    pub acknowledged: bool,
}

fn event(tx: &rusqlite::Transaction<'_>, integration: &str, row: EventRow) -> Result<OrderEvent> {
    let order = journal::journal_get(tx, integration, &row.store_order_id)?;
    Ok(OrderEvent {
        event_id: row.id,
        store_order_id: row.store_order_id,
        kind: row.kind,
        order_state: order.as_ref().map(|o| o.state.clone()).unwrap_or_default(),
        erp_order_number: order.and_then(|o| o.erp_order_number),
        detail: row.detail,
        seen_at: row.created_at,
        acknowledged: row.state == "acknowledged",
    })
}

/// Events the ERP has not acknowledged, oldest first; no request to the store.
pub(crate) fn order_events(db: &mut Db, integration: &str) -> Result<Vec<OrderEvent>> {
    db.read(|tx| {
        journal::events_pending(tx, integration)?
            .into_iter()
            .map(|row| event(tx, integration, row))
            .collect()
    })
}

/// The ERP has acted on the event; acknowledging it again is fine.
pub(crate) fn order_event_ack(db: &mut Db, integration: &str, event_id: i64) -> Result<OrderEvent> {
    db.write(|tx| {
        let row = journal::event_get(tx, integration, event_id)?.ok_or_else(|| {
            Error::NotFound(format!(
                "event {event_id} of integration '{integration}' does not exist"
            ))
        })?;
        if row.state != "acknowledged" {
            journal::event_acknowledge(tx, event_id)?;
        }
        let row = journal::event_get(tx, integration, event_id)?.expect("read just above");
        event(tx, integration, row)
    })
}

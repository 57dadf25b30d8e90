//! Order events after capture, handed to the ERP until it acknowledges each: a cancellation, a
//! status the merchant set, a pending order's customer or items changed in the store. Each is
//! journaled once, by (order, kind, key).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::config::IntegrationConfig;
use crate::platform::Platform;
use crate::rules::orders as order_rules;
use crate::store::orders::{self as journal, EventRow};
use crate::store::Db;

/// One event of an order's life in the store, for the ERP.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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

/// Reads the lines of refunds journaled without them, one request per order, and records them
/// with the ERP's SKUs. The store may have put the units back on sale itself (WooCommerce
/// restocks a refund by default): the stock last pushed for those SKUs is forgotten, so the next
/// sync sends the ERP's stock again; only the ERP decides whether a returned unit is sellable.
/// A refund whose lines cannot be read now keeps `lines: null` and is read again next capture.
pub(crate) fn refund_lines(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
    catalog: &mut Option<super::Catalog>,
) -> Result<()> {
    let integration = config.id.as_str();
    let waiting = db.read(|tx| journal::refunds_without_lines(tx, integration))?;
    if waiting.is_empty() {
        return Ok(());
    }
    let super::Catalog { skus, index } = super::loaded(catalog, db, config)?;
    let orders: BTreeSet<&str> = waiting.iter().map(|e| e.store_order_id.as_str()).collect();
    for order in orders {
        let refunds = match platform.order_refunds(order) {
            Ok(refunds) => refunds,
            Err(error) => {
                log::warn!(target: "ponte::capture", "refunds of order {order} not read: {error}");
                continue;
            }
        };
        db.write(|tx| {
            for event in waiting.iter().filter(|e| e.store_order_id == order) {
                let id = event.detail["refund_id"].as_str().unwrap_or_default();
                let Some(refund) = refunds.iter().find(|r| r.id == id) else {
                    continue;
                };
                let mut returned = Vec::new();
                let lines: Vec<Value> = refund
                    .lines
                    .iter()
                    .map(|line| {
                        let sku = order_rules::resolve_item(
                            line.store_sku.as_deref(),
                            &line.store_product_id,
                            line.store_variation_id.as_deref(),
                            skus,
                            index,
                        )
                        .map(|(sku, _)| sku);
                        returned.extend(sku.clone());
                        json!({
                            "sku": sku, "store_sku": line.store_sku, "name": line.name,
                            "quantity": line.quantity, "amount_cents": line.amount_cents,
                        })
                    })
                    .collect();
                let mut detail = event.detail.clone();
                detail["lines"] = json!(lines);
                detail["created_at"] = json!(refund.created_at);
                journal::set_event_detail(tx, event.id, &detail)?;
                crate::store::sync::forget_pushed_stock(tx, integration, &returned)?;
            }
            Ok(())
        })?;
    }
    Ok(())
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

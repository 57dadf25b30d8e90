//! Customers handed to the ERP exactly once, like orders: every customer of a captured order
//! (accepted, rejected or reserved) is offered until the ERP confirms them with its own id, and
//! offered again, as an update, when what the store says of them changes.

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::orders::{self as journal, HandoffRow};
use crate::store::Db;

/// A customer the ERP does not have yet, or not as they are now.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CustomerOffer {
    /// Ponte's key of the customer, recognised across orders by CPF or CNPJ, then e-mail.
    pub customer_key: String,
    /// `new` until the ERP confirms them; `update` when their data changed since.
    pub kind: String,
    /// Moves each time their data changes; the ERP confirms the revision it registered.
    pub revision: i64,
    pub erp_customer_id: Option<String>,
    /// Name, person type, CPF or CNPJ with `document_valid`, company, state registration,
    /// e-mail, phones, billing and shipping addresses.
    pub customer: Value,
}

/// The customer's state after a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CustomerState {
    pub customer_key: String,
    pub erp_customer_id: String,
    pub revision: i64,
}

fn offer(row: HandoffRow) -> CustomerOffer {
    CustomerOffer {
        customer_key: row.customer_id.to_string(),
        kind: if row.erp_customer_id.is_some() {
            "update"
        } else {
            "new"
        }
        .into(),
        revision: row.revision,
        erp_customer_id: row.erp_customer_id,
        customer: row.doc,
    }
}

/// Customers waiting for the integration's ERP, oldest first; no request to the store.
pub(crate) fn customers_pending(db: &mut Db, integration: &str) -> Result<Vec<CustomerOffer>> {
    let rows = db.read(|tx| journal::customers_pending(tx, integration))?;
    Ok(rows.into_iter().map(offer).collect())
}

/// The ERP has the customer as `erp_customer_id`, in the revision it was offered last. Confirming
/// again with the same id is fine (an update is confirmed that way); with another, a conflict.
pub(crate) fn customer_confirm(
    db: &mut Db,
    integration: &str,
    customer_key: &str,
    erp_customer_id: &str,
) -> Result<CustomerState> {
    let erp_id = erp_customer_id.trim();
    if erp_id.is_empty() {
        return Err(Error::invalid_data("erp_customer_id", "must not be empty"));
    }
    let unknown = || {
        Error::NotFound(format!(
            "customer {customer_key:?} was never offered to integration '{integration}'"
        ))
    };
    let id: i64 = customer_key.trim().parse().map_err(|_| unknown())?;
    db.write(|tx| {
        let row = journal::customer_handoff(tx, integration, id)?.ok_or_else(unknown)?;
        if let Some(existing) = row.erp_customer_id.as_deref().filter(|e| *e != erp_id) {
            return Err(Error::Conflict(format!(
                "customer {customer_key} was already confirmed as ERP customer {existing}, not {erp_id}"
            )));
        }
        journal::customer_confirmed(tx, integration, id, erp_id, row.revision)?;
        Ok(CustomerState {
            customer_key: customer_key.trim().to_string(),
            erp_customer_id: erp_id.to_string(),
            revision: row.revision,
        })
    })
}

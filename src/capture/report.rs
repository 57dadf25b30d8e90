//! The integration report ("Relatório de Integrações"): every journaled order of an integration,
//! with its state, reasons, ERP number and write-backs, filtered as the ERP's screen asks.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rules::documents;
use crate::rules::orders::Rejection;
use crate::store::orders as journal;
use crate::store::Db;

/// Filters of the integration report; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReportFilter {
    /// Orders created at or after this time (RFC 3339, or a date `YYYY-MM-DD` or `DD/MM/YYYY`).
    pub from: Option<String>,
    /// Orders created before this time.
    pub to: Option<String>,
    /// `pending`, `confirmed`, `rejected`, `reserved`, `failed` or `cancelled`.
    pub state: Option<String>,
    /// Text found in the order number, customer, document, ERP number or reasons.
    pub text: Option<String>,
}

/// One line of the integration report ("Relatório de Integrações").
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportRow {
    pub store_order_id: String,
    pub number: String,
    pub created_at: Option<String>,
    pub customer: String,
    pub document: Option<String>,
    pub total_cents: i64,
    pub state: String,
    pub store_status: String,
    pub reasons: Vec<Rejection>,
    pub erp_order_number: Option<String>,
    /// `none`, `done`, or what is still waiting and why.
    pub writeback: String,
}

/// The integration report, newest first.
pub(crate) fn report(
    db: &mut Db,
    integration: &str,
    filter: &ReportFilter,
) -> Result<Vec<ReportRow>> {
    let bound = |text: &Option<String>, name: &str| -> Result<Option<i64>> {
        let Some(t) = text.as_deref() else {
            return Ok(None);
        };
        // 2026-12-01, 01/12/2026 (as a Brazilian user types it) or a full RFC 3339 time.
        let bytes = t.as_bytes();
        let full = match bytes.len() {
            10 if bytes[2] == b'/' && bytes[5] == b'/' => {
                format!("{}-{}-{}T00:00:00Z", &t[6..], &t[3..5], &t[..2])
            }
            10 => format!("{t}T00:00:00Z"),
            _ => t.to_string(),
        };
        crate::time::parse(&full).map(Some).ok_or_else(|| {
            Error::invalid_data(
                format!("filter.{name}"),
                format!("{t:?} is not a date: give 2026-12-01, 01/12/2026 or an RFC 3339 time"),
            )
        })
    };
    let (from, to) = (bound(&filter.from, "from")?, bound(&filter.to, "to")?);
    const STATES: [&str; 6] = [
        "pending",
        "confirmed",
        "rejected",
        "reserved",
        "failed",
        "cancelled",
    ];
    if let Some(state) = filter.state.as_deref().filter(|s| !STATES.contains(s)) {
        return Err(Error::invalid_data(
            "filter.state",
            format!("{state:?} is not one of {}", STATES.join(", ")),
        ));
    }
    let text = filter.text.as_deref().map(str::to_lowercase);
    db.read(|tx| {
        let mut rows = Vec::new();
        for row in journal::journal_all(tx, integration)? {
            let created = row.created_at.as_deref().and_then(crate::time::parse);
            if from.is_some_and(|f| created.is_none_or(|c| c < f))
                || to.is_some_and(|t| created.is_none_or(|c| c >= t))
            {
                continue;
            }
            if filter.state.as_deref().is_some_and(|s| s != row.state) {
                continue;
            }
            // The buyer as the order names them: a returning customer's record may have changed since.
            let buyer = row.order.as_ref().map(|o| &o["customer"]);
            let name = buyer
                .and_then(|c| c["name"].as_str())
                .unwrap_or_default()
                .to_string();
            let document = buyer
                .and_then(|c| c["cpf"].as_str().or(c["cnpj"].as_str()))
                .map(documents::normalize);
            let total_cents = row
                .order
                .as_ref()
                .and_then(|o| o["total_cents"].as_i64())
                .unwrap_or(0);
            let writebacks = journal::writebacks_of(tx, integration, &row.store_order_id)?;
            let writeback = if writebacks.is_empty() {
                "none".to_string()
            } else if writebacks.iter().all(|w| w.state == "done") {
                "done".to_string()
            } else {
                let waiting: Vec<String> = writebacks
                    .iter()
                    .filter(|w| w.state != "done")
                    .map(|w| match (w.state.as_str(), &w.last_error) {
                        ("failed", error) => {
                            format!("{} failed: {}", w.kind, error.as_deref().unwrap_or(""))
                        }
                        ("dropped", error) => {
                            format!("{} {}", w.kind, error.as_deref().unwrap_or("dropped"))
                        }
                        (_, Some(error)) => {
                            format!("{} waiting after {} attempts: {error}", w.kind, w.attempts)
                        }
                        (_, None) => format!("{} waiting", w.kind),
                    })
                    .collect();
                waiting.join("; ")
            };
            let report_row = ReportRow {
                store_order_id: row.store_order_id,
                number: row.number,
                created_at: row.created_at,
                customer: name,
                document,
                total_cents,
                state: row.state,
                store_status: row.store_status,
                reasons: row.reasons,
                erp_order_number: row.erp_order_number,
                writeback,
            };
            if let Some(text) = &text {
                let haystack = serde_json::to_string(&report_row)
                    .unwrap_or_default()
                    .to_lowercase();
                if !haystack.contains(text) {
                    continue;
                }
            }
            rows.push(report_row);
        }
        Ok(rows)
    })
}

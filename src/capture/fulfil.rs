//! Fulfilment out, ERP → store: the invoice (NF-e) and the tracking code of a confirmed order,
//! and its shipped status, through the same exactly-once outbox as the other write-backs.
//!
//! WooCommerce keeps them as order meta: Ponte's own `ponte_invoice` and `ponte_tracking`, and
//! the keys the Brazilian plugins read (`_correios_tracking_code` of Correios for WooCommerce,
//! `melhorenvio_tracking` and `melhorenvio_invoice_v2` of Melhor Envio), plus a note to the
//! shopper, which the store e-mails them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::config::{IntegrationConfig, Locale};
use crate::rules::documents;
use crate::store::orders as journal;
use crate::store::Db;

/// What the ERP sends once it invoiced and shipped an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fulfilment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Invoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
    /// The status to set; `order_capture.shipped_status` when absent, none when both are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The NF-e of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// The 44-digit access key, its check digit verified.
    pub key: String,
    pub number: String,
    pub series: String,
    /// RFC 3339; kept in UTC.
    pub issued_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub danfe_url: Option<String>,
}

/// How the order travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    pub code: String,
    pub carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What a fulfilment queued for the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FulfilmentQueued {
    pub store_order_id: String,
    /// The status that will be set, if any.
    pub status: Option<String>,
    /// The order meta keys that will be written.
    pub meta_keys: Vec<String>,
    /// The note the shopper will get.
    pub customer_note: String,
}

/// Every problem of a fulfilment, each at its JSON path; nothing is queued when there is one.
fn validate(fulfilment: &mut Fulfilment) -> Result<()> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |path: &str, message: String| problems.push((path.to_string(), message));
    if fulfilment.invoice.is_none() && fulfilment.tracking.is_none() {
        problem(
            "fulfilment",
            "needs an invoice, a tracking code or both".into(),
        );
    }
    if let Some(invoice) = &mut fulfilment.invoice {
        let key: String = invoice.key.chars().filter(|c| !c.is_whitespace()).collect();
        if !documents::is_valid_invoice_key(&key) {
            problem(
                "fulfilment.invoice.key",
                format!("{:?} is not an NF-e access key: 44 digits, the last one the check digit of the others", invoice.key),
            );
        }
        invoice.key = key;
        for (path, value) in [
            ("fulfilment.invoice.number", &invoice.number),
            ("fulfilment.invoice.series", &invoice.series),
        ] {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                problem(path, format!("{value:?} is not a number"));
            }
        }
        match crate::time::to_utc(&invoice.issued_at) {
            Some(utc) => invoice.issued_at = utc,
            None => problem(
                "fulfilment.invoice.issued_at",
                format!("{:?} is not an RFC 3339 time", invoice.issued_at),
            ),
        }
    }
    if let Some(tracking) = &fulfilment.tracking {
        for (path, value) in [
            ("fulfilment.tracking.code", &tracking.code),
            ("fulfilment.tracking.carrier", &tracking.carrier),
        ] {
            if value.trim().is_empty() {
                problem(path, "must not be empty".into());
            }
        }
    }
    if let Some(status) = &fulfilment.status {
        if status.trim().is_empty() {
            problem("fulfilment.status", "must not be empty".into());
        }
    }
    match problems.as_slice() {
        [] => Ok(()),
        [(path, message)] => Err(Error::invalid_data(path.clone(), message.clone())),
        [(path, _), ..] => {
            let all: Vec<String> = problems.iter().map(|(p, m)| format!("{p}: {m}")).collect();
            Err(Error::invalid_data(path.clone(), all.join("; ")))
        }
    }
}

/// The meta WooCommerce stores for a fulfilment, key by key.
fn meta(fulfilment: &Fulfilment) -> Vec<(String, Value)> {
    let mut meta = Vec::new();
    if let Some(invoice) = &fulfilment.invoice {
        meta.push(("ponte_invoice".to_string(), json!(invoice)));
        meta.push((
            "melhorenvio_invoice_v2".to_string(),
            json!({"key": invoice.key, "number": invoice.number}),
        ));
    }
    if let Some(tracking) = &fulfilment.tracking {
        meta.push(("ponte_tracking".to_string(), json!(tracking)));
        let carrier = tracking.carrier.to_lowercase();
        if carrier.contains("correios") {
            meta.push((
                "_correios_tracking_code".to_string(),
                json!(tracking.code.trim()),
            ));
        }
        if carrier.contains("melhor envio") {
            meta.push((
                "melhorenvio_tracking".to_string(),
                json!(tracking.code.trim()),
            ));
        }
    }
    meta
}

/// The note the shopper gets, in the integration's language.
fn customer_note(locale: Locale, fulfilment: &Fulfilment) -> String {
    let mut parts = Vec::new();
    if let Some(invoice) = &fulfilment.invoice {
        let danfe = invoice.danfe_url.as_deref().unwrap_or_default();
        parts.push(match locale {
            Locale::PtBr => format!(
                "Nota fiscal {} série {} emitida em {}. Chave de acesso: {}. {danfe}",
                invoice.number,
                invoice.series,
                &invoice.issued_at[..10],
                invoice.key
            ),
            Locale::En => format!(
                "Invoice {} series {} issued on {}. Access key: {}. {danfe}",
                invoice.number,
                invoice.series,
                &invoice.issued_at[..10],
                invoice.key
            ),
        });
    }
    if let Some(tracking) = &fulfilment.tracking {
        let url = tracking.url.as_deref().unwrap_or_default();
        parts.push(match locale {
            Locale::PtBr => format!(
                "Seu pedido foi enviado por {}, código de rastreio {}. {url}",
                tracking.carrier, tracking.code
            ),
            Locale::En => format!(
                "Your order was shipped by {}, tracking code {}. {url}",
                tracking.carrier, tracking.code
            ),
        });
    }
    parts
        .iter()
        .map(|p| p.trim())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Queues a confirmed order's fulfilment: its status, its meta and the shopper's note, each sent
/// by the next capture (or `ponte_capture_orders`) exactly once. A second fulfilment of the same
/// order replaces what the first queued and is sent again.
pub(crate) fn fulfil(
    db: &mut Db,
    config: &IntegrationConfig,
    store_order_id: &str,
    mut fulfilment: Fulfilment,
) -> Result<FulfilmentQueued> {
    validate(&mut fulfilment)?;
    let integration = config.id.as_str();
    let status = fulfilment
        .status
        .clone()
        .or_else(|| config.order_capture.shipped_status.clone());
    let meta = meta(&fulfilment);
    let note = customer_note(config.locale, &fulfilment);
    db.write(|tx| {
        let row = journal::journal_get(tx, integration, store_order_id)?.ok_or_else(|| {
            Error::NotFound(format!(
                "order {store_order_id} of integration '{integration}' was never captured"
            ))
        })?;
        if row.state != "confirmed" {
            return Err(Error::Conflict(format!(
                "order {store_order_id} is {}, not confirmed; only orders the ERP confirmed are fulfilled",
                row.state
            )));
        }
        if config.order_capture.is_cancellation(&row.store_status) {
            return Err(Error::Conflict(format!(
                "order {store_order_id} is '{}' in the store; a cancelled order is not fulfilled",
                row.store_status
            )));
        }
        let over = row.store_status.as_str();
        // The same fulfilment sent again queues nothing the store already has: the shopper gets
        // each note once.
        let sent = journal::writebacks_of(tx, integration, store_order_id)?;
        let already = |kind: &str, value: &str| {
            sent.iter()
                .any(|w| w.kind == kind && w.value == value && w.state == "done")
        };
        if let Some(status) = status.as_deref().filter(|s| !(already("fulfil", s) && over == *s)) {
            journal::enqueue(tx, integration, store_order_id, "fulfil", status, over)?;
        }
        let meta_json = serde_json::to_string(&meta).map_err(|e| Error::Storage(e.to_string()))?;
        if !already("fulfil_meta", &meta_json) {
            journal::enqueue(tx, integration, store_order_id, "fulfil_meta", &meta_json, over)?;
        }
        if !already("customer_note", &note) {
            journal::enqueue(tx, integration, store_order_id, "customer_note", &note, over)?;
        }
        Ok(())
    })?;
    Ok(FulfilmentQueued {
        store_order_id: store_order_id.to_string(),
        status,
        meta_keys: meta.into_iter().map(|(key, _)| key).collect(),
        customer_note: note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shoppers_note_is_wholly_in_the_integrations_language() {
        let mut fulfilment: Fulfilment = serde_json::from_value(json!({
            "invoice": {"key": "35261208530528000184550010000154301000771560", "number": "7",
                        "series": "1", "issued_at": "2026-12-01T12:00:00Z"},
            "tracking": {"code": "AA123456789BR", "carrier": "Correios"}
        }))
        .unwrap();
        validate(&mut fulfilment).unwrap();
        for locale in [Locale::PtBr, Locale::En] {
            let note = customer_note(locale, &fulfilment);
            crate::rules::language::assert_wholly(locale, &note);
            assert!(
                note.contains("AA123456789BR") && note.contains(" 7 "),
                "{note}"
            );
        }
    }
}

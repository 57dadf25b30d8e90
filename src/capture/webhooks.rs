//! A store's webhooks, taken in by the ERP's own HTTP endpoint (`ponte_webhook_ingest`) and only
//! recorded: the signature is verified, the order it names is kept for the next capture to read
//! by id first, and the capture job is made due at once. Nothing is asked of the store while the
//! platform waits for an answer (Nuvemshop gives 40 seconds). Polling by the watermark stays the
//! source of truth: a lost webhook loses nothing, a repeated one reads the order once.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::config::{IntegrationConfig, PlatformKind, Secret};
use crate::platform::nuvemshop::webhook::{self, Refusal};
use crate::store::{jobs, webhooks, Db};

/// What became of one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WebhookReceipt {
    /// The store's event, such as `order/paid`.
    pub event: String,
    /// The order it names, for an order event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_order_id: Option<String>,
    /// The next capture reads that order first, and the capture job is due now.
    pub capture_scheduled: bool,
}

/// Verifies a webhook for `config`'s store and records what it names.
pub(crate) fn ingest(
    db: &mut Db,
    config: &IntegrationConfig,
    secret: Option<&Secret>,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<WebhookReceipt> {
    let integration = config.id.as_str();
    let settings = match (config.platform, &config.nuvemshop) {
        (PlatformKind::Nuvemshop, Some(settings)) => settings,
        _ => {
            return Err(Error::InvalidArgument {
                argument: "integration",
                message: format!(
                    "integration '{integration}' is on {}, whose webhooks Ponte does not take; capture reads its orders by polling",
                    config.platform.name()
                ),
            })
        }
    };
    let secret = secret.ok_or_else(|| {
        Error::Auth(format!(
            "integration '{integration}': no app_secret in this session to verify webhooks with; put the config again with credentials.app_secret"
        ))
    })?;
    let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let event = webhook::verify(secret.expose().as_bytes(), pairs, body).map_err(|refusal| {
        match refusal {
            Refusal::NoSignature => Error::Auth(format!(
                "webhook refused: no {} header",
                webhook::SIGNATURE_HEADER
            )),
            Refusal::BadSignature => Error::Auth(format!(
                "webhook refused: its {} signature does not match the body under the app secret of integration '{integration}'",
                webhook::SIGNATURE_HEADER
            )),
            Refusal::Unreadable(why) => Error::invalid_data("body", why),
        }
    })?;
    if event.store_id != settings.store_id {
        return Err(Error::InvalidArgument {
            argument: "body",
            message: format!(
                "the webhook is for store {}, and integration '{integration}' is store {}",
                event.store_id, settings.store_id
            ),
        });
    }
    if !event.event.starts_with("order/") {
        log::info!(target: "ponte::webhook", "integration {integration}: {} for {} noted; product events change nothing Ponte keeps", event.event, event.id);
        return Ok(WebhookReceipt {
            event: event.event,
            store_order_id: None,
            capture_scheduled: false,
        });
    }
    let now = crate::time::now_unix();
    db.write(|tx| {
        webhooks::record_order(
            tx,
            integration,
            &event.id,
            &event.event,
            &crate::time::format_rfc3339(now),
        )?;
        let mut job = jobs::get(tx, integration, "capture")?;
        job.next_due = Some(job.next_due.map_or(now, |due| due.min(now)));
        jobs::put(tx, integration, "capture", &job)
    })?;
    log::info!(target: "ponte::webhook", "integration {integration}: {} for order {}; capture due now", event.event, event.id);
    Ok(WebhookReceipt {
        event: event.event,
        store_order_id: Some(event.id),
        capture_scheduled: true,
    })
}

//! A store's webhooks, taken in by the ERP's own HTTP endpoint (`ponte_webhook_ingest`) and only
//! recorded: the sender is verified (Nuvemshop's signature; Mercado Livre's seller and app), the
//! order it names is kept for the next capture to read by id first, and the capture job is made
//! due at once. Nothing is asked of the store while the platform waits for an answer (Nuvemshop
//! gives 40 seconds, Mercado Livre 500 ms). Polling by the watermark stays the source of truth: a
//! lost webhook loses nothing, a repeated one reads the order once.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::config::{Credentials, IntegrationConfig, PlatformKind};
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
    credentials: Option<&Credentials>,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<WebhookReceipt> {
    let integration = config.id.as_str();
    let event = match config.platform {
        PlatformKind::Nuvemshop => nuvemshop(config, credentials, headers, body)?,
        PlatformKind::Mercadolivre => mercadolivre(config, credentials, body)?,
        PlatformKind::Woocommerce => {
            return Err(Error::InvalidArgument {
                argument: "integration",
                message: format!(
                    "integration '{integration}' is on {}, whose webhooks Ponte does not take; capture reads its orders by polling",
                    config.platform.name()
                ),
            })
        }
    };
    let Some(order_id) = event.order_id else {
        log::info!(target: "ponte::webhook", "integration {integration}: {} noted; nothing to capture", event.event);
        return Ok(WebhookReceipt {
            event: event.event,
            store_order_id: None,
            capture_scheduled: false,
        });
    };
    let now = crate::time::now_unix();
    db.write(|tx| {
        webhooks::record_order(
            tx,
            integration,
            &order_id,
            &event.event,
            &crate::time::format_rfc3339(now),
        )?;
        let mut job = jobs::get(tx, integration, "capture")?;
        job.next_due = Some(job.next_due.map_or(now, |due| due.min(now)));
        jobs::put(tx, integration, "capture", &job)
    })?;
    log::info!(target: "ponte::webhook", "integration {integration}: {} for order {order_id}; capture due now", event.event);
    Ok(WebhookReceipt {
        event: event.event,
        store_order_id: Some(order_id),
        capture_scheduled: true,
    })
}

/// What a verified webhook is about.
struct Noted {
    event: String,
    /// The order it names, for an order event.
    order_id: Option<String>,
}

/// Nuvemshop: signed with the app secret (`X-Linkedstore-HMAC-SHA256`), for this store.
fn nuvemshop(
    config: &IntegrationConfig,
    credentials: Option<&Credentials>,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Noted> {
    let integration = config.id.as_str();
    let settings = config
        .nuvemshop
        .as_ref()
        .ok_or_else(|| Error::invalid_data("nuvemshop", "is required for nuvemshop"))?;
    let secret = credentials.and_then(|c| c.app_secret.as_ref()).ok_or_else(|| {
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
    let order_id = event.event.starts_with("order/").then_some(event.id);
    Ok(Noted {
        event: event.event,
        order_id,
    })
}

/// Mercado Livre: no signature is documented, so the body must name this seller and, when the
/// app's id is known, this app; `orders_v2` names an order, read by the next capture. The
/// marketplace wants an answer within 500 ms: nothing is asked of it here.
fn mercadolivre(
    config: &IntegrationConfig,
    credentials: Option<&Credentials>,
    body: &[u8],
) -> Result<Noted> {
    let integration = config.id.as_str();
    let settings = config
        .mercadolivre
        .as_ref()
        .ok_or_else(|| Error::invalid_data("mercadolivre", "is required for mercadolivre"))?;
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Error::invalid_data("body", format!("the notification is not JSON: {e}")))?;
    let (topic, id, seller) = crate::platform::mercadolivre::mapping::notification(&value)
        .map_err(|why| Error::invalid_data("body", why))?;
    if seller != settings.seller_id {
        return Err(Error::InvalidArgument {
            argument: "body",
            message: format!(
                "the notification is for seller {seller}, and integration '{integration}' is seller {}",
                settings.seller_id
            ),
        });
    }
    let app = crate::platform::mercadolivre::mapping::id_text(&value["application_id"]);
    let ours = credentials.and_then(|c| c.client_id.as_ref());
    if let (Some(app), Some(ours)) = (&app, ours) {
        if app != ours.expose() {
            return Err(Error::InvalidArgument {
                argument: "body",
                message: format!(
                    "the notification is for app {app}, not this integration's (credentials.client_id)"
                ),
            });
        }
    }
    let order_id = (topic == "orders_v2").then_some(id);
    Ok(Noted {
        event: topic,
        order_id,
    })
}

//! Mercado Livre (issue 17), begun: the connection with its rotating tokens (`crate::tokens`) and
//! the integration check (`GET /users/me`: the token, the seller, the site). Listings, orders and
//! notifications are not built yet: those calls refuse with `Error::Unsupported`, naming the
//! issue, and the check says so. Facts and sources: `shared/platforms/MERCADOLIVRE.md`.

pub mod mapping;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::config::{IntegrationConfig, MERCADOLIVRE_STATUSES};
use crate::model::order::{Refund, StoreOrder};
use crate::platform::http::{Auth, Clock, HttpClient, HttpStats, Request};
use crate::platform::reading::read_json;
use crate::platform::{
    Capabilities, ItemError, NewCategory, OrderQuery, OrderStatus, Page, Platform, ProductWrite,
    RemoteProduct, StatusUpdate, StoreCategory, StoreProbe, WriteOutcome,
};
use crate::tokens::Rotating;

/// What Mercado Livre can do, as far as Ponte speaks it so far.
pub const CAPABILITIES: Capabilities = Capabilities {
    platform: "mercadolivre",
    max_batch: 1,
    brands: true,
    gtin: true,
    visibility: false,
    variants_always: false,
    categories_required: true,
    variant_images: 6,
    free_form_statuses: false,
    order_ids_per_request: 1,
    order_statuses: &MERCADOLIVRE_STATUSES,
    stock_reducing_statuses: &["paid"],
};

/// A connection to one Mercado Livre seller.
#[derive(Debug)]
pub struct MercadoLivre {
    http: HttpClient,
    tokens: Arc<Rotating>,
    seller_id: String,
    site_id: String,
}

fn not_yet(what: &str) -> Error {
    Error::Unsupported(format!(
        "Mercado Livre {what} is not built yet (issue 17): this Ponte checks the seller's connection and keeps its tokens fresh"
    ))
}

impl MercadoLivre {
    /// A connection whose bearer token comes from `tokens`.
    pub fn connect(
        config: &IntegrationConfig,
        tokens: Arc<Rotating>,
        clock: Arc<dyn Clock>,
    ) -> Result<MercadoLivre> {
        let settings = config.mercadolivre.as_ref().ok_or_else(|| {
            Error::invalid_data(
                "mercadolivre",
                "is required for mercadolivre: {\"seller_id\"}",
            )
        })?;
        let http = HttpClient::new(
            &config.base_url,
            config.allow_http,
            Auth::None,
            config.http.clone(),
            None,
            clock,
        )?;
        Ok(MercadoLivre {
            http,
            tokens,
            seller_id: settings.seller_id.clone(),
            site_id: settings.site_id.clone(),
        })
    }

    /// A GET with the current bearer token; a 401 refreshes the pair once and tries again.
    fn get(&self, path: &str) -> Result<Value> {
        let mut token = self.tokens.bearer()?;
        for attempt in 0..2 {
            let request = Request::get(path, Vec::new());
            let bearer = format!("Bearer {}", token.expose());
            let response = self
                .http
                .send_with(&request, &[("Authorization", &bearer)])?;
            let value = read_json(&response, &request)?;
            match response.status {
                200..=299 => return Ok(value),
                401 if attempt == 0 => token = self.tokens.refused(&token)?,
                status => {
                    let message = value["message"].as_str().unwrap_or_default();
                    let code = value["error"].as_str().unwrap_or_default();
                    return Err(match status {
                        401 | 403 => Error::Auth(format!(
                            "{}: Mercado Livre refused the seller's token: {message} ({code})",
                            request.describe()
                        )),
                        _ => Error::Remote {
                            status,
                            code: code.to_string(),
                            message: format!("{message} ({})", request.describe()),
                        },
                    });
                }
            }
        }
        Err(Error::Auth(
            "Mercado Livre refused a freshly refreshed token".into(),
        ))
    }
}

impl Platform for MercadoLivre {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// `GET /users/me`: the token works, it is the configured seller's, on the configured site.
    fn probe(&self) -> Result<StoreProbe> {
        let me = self.get("/users/me")?;
        let id = match &me["id"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        if id != self.seller_id {
            return Err(Error::Auth(format!(
                "the tokens are seller {id}'s, and the integration is seller {}'s (mercadolivre.seller_id)",
                self.seller_id
            )));
        }
        let site = me["site_id"].as_str().unwrap_or_default();
        if site != self.site_id {
            return Err(Error::invalid_data(
                "mercadolivre.site_id",
                format!("the seller sells on {site}, not {}", self.site_id),
            ));
        }
        Ok(StoreProbe {
            software: "Mercado Livre",
            version: None,
            currency: Some("BRL".into()).filter(|_| site == "MLB"),
            write_refused: None,
            write_unverified: Some(
                "listings are not built yet (issue 17): no write was tried".into(),
            ),
            capabilities: CAPABILITIES,
            order_statuses: Some(
                MERCADOLIVRE_STATUSES
                    .iter()
                    .map(|s| OrderStatus {
                        slug: s.to_string(),
                        name: s.to_string(),
                    })
                    .collect(),
            ),
        })
    }

    fn find_products_by_sku(&self, _skus: &[String]) -> Result<Vec<RemoteProduct>> {
        Err(not_yet("listing search"))
    }

    fn find_products_by_gtin(&self, _gtins: &[String]) -> Result<Vec<RemoteProduct>> {
        Err(not_yet("listing search"))
    }

    fn live_products(&self, _ids: &[String]) -> Result<BTreeSet<String>> {
        Err(not_yet("listing search"))
    }

    fn list_products(&self, _page: u32) -> Result<Page<RemoteProduct>> {
        Err(not_yet("listing search"))
    }

    fn push_products(&self, writes: &[ProductWrite]) -> Vec<WriteOutcome> {
        let error = ItemError {
            code: "ponte_not_built".into(),
            message: not_yet("listing").to_string(),
            status: 0,
            resource_id: None,
        };
        writes
            .iter()
            .map(|_| WriteOutcome::Failed {
                error: error.clone(),
            })
            .collect()
    }

    fn list_categories(&self) -> Result<Vec<StoreCategory>> {
        Err(not_yet("category"))
    }

    fn create_categories(&self, categories: &[NewCategory]) -> Vec<Result<String, ItemError>> {
        categories
            .iter()
            .map(|_| {
                Err(ItemError {
                    code: "ponte_not_built".into(),
                    message:
                        "Mercado Livre's categories are the marketplace's; sellers create none"
                            .into(),
                    status: 0,
                    resource_id: None,
                })
            })
            .collect()
    }

    fn list_orders(&self, _query: &OrderQuery, _page: u32) -> Result<Page<StoreOrder>> {
        Err(not_yet("order capture"))
    }

    fn set_order_statuses(&self, updates: &[StatusUpdate]) -> Vec<Result<String, ItemError>> {
        updates
            .iter()
            .map(|_| {
                Err(ItemError {
                    code: "ponte_status_not_expressible".into(),
                    message: "Mercado Livre owns its orders' states".into(),
                    status: 0,
                    resource_id: None,
                })
            })
            .collect()
    }

    fn add_order_note(&self, _id: &str, _note: &str, _to_customer: bool) -> Result<()> {
        Err(not_yet("order notes"))
    }

    fn update_order_meta(&self, _id: &str, _meta: &[(String, Value)]) -> Result<()> {
        Err(not_yet("invoices"))
    }

    fn order_notes(&self, _id: &str) -> Result<Vec<String>> {
        Err(not_yet("order notes"))
    }

    fn order_refunds(&self, _id: &str) -> Result<Vec<Refund>> {
        Ok(Vec::new())
    }

    fn http_stats(&self) -> HttpStats {
        self.http.stats()
    }
}

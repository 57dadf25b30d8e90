//! Mercado Livre, the first marketplace (issue 17): the seller's listings ("anúncios") kept in
//! step with the ERP's products, carts captured as ERP orders, and what a seller may write back
//! to an order the marketplace owns (a note). The connection's bearer token rotates
//! (`crate::tokens`). Facts and sources: `shared/platforms/MERCADOLIVRE.md`.
//!
//! - `listings`: search by SKU, the listing's body from an ERP product and its category's
//!   required attributes, creates, updates, stock per variation, pause and reactivate.
//! - `orders`: the order search by `date_last_updated` (cut to the hour), packs, billing info
//!   and shipments, and notes.
//! - `mapping`: the pure JSON mapping both use.

mod listings;
pub mod mapping;
mod orders;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::config::{
    IntegrationConfig, Locale, MercadoLivreSettings, MERCADOLIVRE_STATUSES,
};
use crate::model::order::{Refund, StoreOrder};
use crate::platform::http::{Auth, Clock, HttpClient, HttpStats, Method, Request, SendError};
use crate::platform::reading::{read_json, transport_item_error};
use crate::platform::{
    Capabilities, ItemError, NewCategory, OrderQuery, OrderStatus, Page, Platform, ProductWrite,
    RemoteProduct, StatusUpdate, StoreCategory, StoreProbe, WriteOutcome,
};
use crate::tokens::Rotating;

/// What Mercado Livre can do, as Ponte speaks it.
pub const CAPABILITIES: Capabilities = Capabilities {
    platform: "mercadolivre",
    max_batch: 1,
    brands: true,
    gtin: true,
    visibility: false,
    variants_always: false,
    categories_required: true,
    // A variation points at the item's pictures; Ponte sends the product's gallery only.
    variant_images: 0,
    free_form_statuses: false,
    order_ids_per_request: 1,
    order_statuses: &MERCADOLIVRE_STATUSES,
    // The listing's stock drops when the order is placed, paid or not.
    stock_reducing_statuses: &[
        "confirmed",
        "payment_required",
        "payment_in_process",
        "partially_paid",
        "paid",
    ],
    key_refused_statuses: &[401],
};

/// A connection to one Mercado Livre seller.
#[derive(Debug)]
pub struct MercadoLivre {
    http: HttpClient,
    tokens: Arc<Rotating>,
    seller_id: String,
    settings: MercadoLivreSettings,
    locale: Locale,
    /// Each category's attributes, read once a connection (`/categories/{id}/attributes`).
    attributes: Mutex<BTreeMap<String, Arc<Vec<listings::CategoryAttribute>>>>,
    /// Carts read whole (billing info and shipment included), by id and last change.
    carts_read: Mutex<BTreeMap<(String, String), StoreOrder>>,
}

/// What became of a write: the marketplace's answer, its refusal, or no way to tell.
enum WriteError {
    Refused(ItemError),
    /// It may have been applied (the answer was lost): look before trying again.
    Unknown(String),
}

impl MercadoLivre {
    /// A connection whose bearer token comes from `tokens`.
    pub fn connect(
        config: &IntegrationConfig,
        tokens: Arc<Rotating>,
        clock: Arc<dyn Clock>,
    ) -> Result<MercadoLivre> {
        let settings = config.mercadolivre.clone().ok_or_else(|| {
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
            settings,
            locale: config.locale,
            attributes: Mutex::new(BTreeMap::new()),
            carts_read: Mutex::new(BTreeMap::new()),
        })
    }

    /// Sends a request with the current bearer token; a 401 refreshes the pair once and sends
    /// it again. The answer's status and JSON (`Null` when empty, or not JSON on an error).
    fn exchange(&self, request: &Request) -> std::result::Result<(u16, Value), SendError> {
        let refused = |error: Error| SendError {
            error,
            maybe_applied: false,
        };
        let mut token = self.tokens.bearer().map_err(refused)?;
        for attempt in 0..2 {
            let bearer = format!("Bearer {}", token.expose());
            let response = self
                .http
                .send_with(request, &[("Authorization", &bearer)])?;
            if response.status == 401 && attempt == 0 {
                token = self.tokens.refused(&token).map_err(refused)?;
                continue;
            }
            let value = match response.body.is_empty() {
                true => Value::Null,
                false => match read_json(&response, request) {
                    Ok(value) => value,
                    Err(error) if response.status < 300 => {
                        return Err(SendError {
                            error,
                            maybe_applied: true,
                        })
                    }
                    Err(_) => Value::Null,
                },
            };
            return Ok((response.status, value));
        }
        Err(refused(Error::Auth(
            "Mercado Livre refused a freshly refreshed token: authorise the app again".into(),
        )))
    }

    /// A read: the answer, or the marketplace's refusal as an error in its words.
    fn call(&self, request: &Request) -> Result<Value> {
        let (status, value) = self.exchange(request)?;
        match status {
            200..=299 => Ok(value),
            status => Err(store_error(status, &value, request)),
        }
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.call(&Request::get(path, query))
    }

    /// A write of one resource: the answer, or what became of it as an item error.
    fn write(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> std::result::Result<Value, WriteError> {
        let idempotent = method != Method::Post;
        let request = Request::json(method, path, body, idempotent);
        let (status, value) = match self.exchange(&request) {
            Ok(answer) => answer,
            Err(SendError {
                error: Error::Auth(message),
                ..
            }) => return Err(WriteError::Refused(auth_item_error(message))),
            Err(SendError {
                error,
                maybe_applied,
            }) => {
                return Err(match maybe_applied {
                    true => WriteError::Unknown(error.to_string()),
                    false => WriteError::Refused(transport_item_error(&error.to_string())),
                })
            }
        };
        match status {
            200..=299 => Ok(value),
            // A server error may come after a create was applied.
            500.. if !idempotent => Err(WriteError::Unknown(format!(
                "{} answered {status}: {}",
                request.describe(),
                mapping::item_error(status, &value).message
            ))),
            status => {
                let mut error = mapping::item_error(status, &value);
                // A 403 is about the resource (another seller's, a category the seller may not
                // list in): the item's own failure, in the marketplace's words. Only a token
                // refused after a refresh stops the run.
                if status == 401 {
                    error.code = "ponte_auth".into();
                }
                Err(WriteError::Refused(error))
            }
        }
    }
}

/// The marketplace's refusal of a read, in its words and naming the request.
fn store_error(status: u16, value: &Value, request: &Request) -> Error {
    let error = mapping::item_error(status, value);
    match status {
        401 | 403 => Error::Auth(format!(
            "{}: Mercado Livre refused the seller's token: {} ({})",
            request.describe(),
            error.message,
            error.code
        )),
        _ => Error::Remote {
            status,
            code: error.code,
            message: format!("{} ({})", error.message, request.describe()),
        },
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(text: &str) -> String {
    crate::platform::oauth::percent_encode(text)
}

fn auth_item_error(message: String) -> ItemError {
    ItemError {
        code: "ponte_auth".into(),
        message,
        status: 401,
        resource_id: None,
    }
}

impl Platform for MercadoLivre {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// `GET /users/me`: the token works, it is the configured seller's, on the configured site.
    /// No write is tried: a marketplace has no write that changes nothing.
    fn probe(&self) -> Result<StoreProbe> {
        let me = self.get("/users/me", &[])?;
        let id = mapping::id_text(&me["id"]).unwrap_or_default();
        if id != self.seller_id {
            return Err(Error::Auth(format!(
                "the tokens are seller {id}'s, and the integration is seller {}'s (mercadolivre.seller_id)",
                self.seller_id
            )));
        }
        let site = me["site_id"].as_str().unwrap_or_default();
        if site != self.settings.site_id {
            return Err(Error::invalid_data(
                "mercadolivre.site_id",
                format!("the seller sells on {site}, not {}", self.settings.site_id),
            ));
        }
        Ok(StoreProbe {
            software: "Mercado Livre",
            version: None,
            currency: Some("BRL".into()).filter(|_| site == "MLB"),
            write_refused: None,
            write_unverified: Some(
                "Mercado Livre has no write that changes nothing: the first sync shows whether the seller may list".into(),
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

    fn find_products_by_sku(&self, skus: &[String]) -> Result<Vec<RemoteProduct>> {
        self.listings_by_sku(skus)
    }

    fn find_products_by_gtin(&self, gtins: &[String]) -> Result<Vec<RemoteProduct>> {
        self.listings_by_gtin(gtins)
    }

    fn live_products(&self, ids: &[String]) -> Result<BTreeSet<String>> {
        self.live_listings(ids)
    }

    fn list_products(&self, page: u32) -> Result<Page<RemoteProduct>> {
        self.listing_page(page)
    }

    fn push_products(&self, writes: &[ProductWrite]) -> Vec<WriteOutcome> {
        writes.iter().map(|write| self.push(write)).collect()
    }

    /// None: the marketplace's categories are its own, placed through
    /// `product_sync.categories.map` and its default.
    fn list_categories(&self) -> Result<Vec<StoreCategory>> {
        Ok(Vec::new())
    }

    fn create_categories(&self, categories: &[NewCategory]) -> Vec<Result<String, ItemError>> {
        categories
            .iter()
            .map(|category| {
                Err(ItemError {
                    code: "ponte_marketplace_category".into(),
                    message: format!(
                        "Mercado Livre's categories are its own and a seller creates none: map \"{}\" to one in product_sync.categories.map",
                        category.name
                    ),
                    status: 0,
                    resource_id: None,
                })
            })
            .collect()
    }

    fn list_orders(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        self.orders_page(query, page)
    }

    /// None can be set: the marketplace moves its orders' states (the config refuses write-back
    /// statuses for Mercado Livre, so this is only reached by a config from before that check).
    fn set_order_statuses(&self, updates: &[StatusUpdate]) -> Vec<Result<String, ItemError>> {
        updates
            .iter()
            .map(|update| {
                Err(ItemError {
                    code: "ponte_status_not_expressible".into(),
                    message: format!(
                        "Mercado Livre owns its orders' states; a seller cannot set '{}'",
                        update.status
                    ),
                    status: 0,
                    resource_id: None,
                })
            })
            .collect()
    }

    fn add_order_note(&self, id: &str, note: &str, to_customer: bool) -> Result<()> {
        self.add_note(id, note, to_customer)
    }

    fn update_order_meta(&self, id: &str, meta: &[(String, Value)]) -> Result<()> {
        self.meta_as_notes(id, meta)
    }

    fn order_notes(&self, id: &str) -> Result<Vec<String>> {
        self.notes(id)
    }

    /// Refunds are Mercado Pago's and carry no lines here: a refunded order reads as
    /// `partially_refunded` or `cancelled`.
    fn order_refunds(&self, _id: &str) -> Result<Vec<Refund>> {
        Ok(Vec::new())
    }

    fn http_stats(&self) -> HttpStats {
        self.http.stats()
    }
}

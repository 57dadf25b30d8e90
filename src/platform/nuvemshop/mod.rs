//! The Nuvemshop (Tiendanube) adapter: `{base_url}/{api_version}/{store_id}/…` with the bearer
//! token in the `Authentication` header and a `User-Agent` naming the caller, paced by the leaky
//! bucket each answer announces (`pacing`). Facts and sources are in
//! `shared/platforms/NUVEMSHOP.md`; the payload mapping is in `mapping`.
//!
//! Where Nuvemshop differs from what the engines assume, the adapter bridges it here:
//! - No batch endpoint: each product is one request, with all its variants (`POST /products`);
//!   an update is the product's own fields (`PUT`), then every existing variant at once
//!   (`PATCH /products/{id}/variants`), then each new variant.
//! - Every product has variants: a simple product's SKU, price and stock live on its one variant.
//! - Orders have three states changed by actions: Ponte reads one status
//!   (`mapping::order_status`) and writes `fulfilled`, `closed` and `cancelled` through
//!   `fulfill`, `close` and `cancel`.
//! - No documented order of the order listing: the oldest modified orders are found by narrowing
//!   an `updated_at` window until the store counts no more than a page in it, and sorted here.
//! - Notes: an order has one private note (`owner_note`); Ponte's notes are paragraphs of it.

pub mod mapping;
pub mod pacing;
pub mod webhook;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::config::{
    Credentials, IntegrationConfig, Secret, SyncField, NUVEMSHOP_READ_STATUSES,
};
use crate::model::order::{Refund, StoreOrder};
use crate::platform::http::{
    Auth, Clock, HttpClient, HttpStats, Method, Request, Response, SendError,
};
use crate::platform::reading::{items, read_json, transport_item_error, PageGuard};
use crate::platform::{
    Capabilities, ItemError, NewCategory, OrderQuery, OrderSort, OrderStatus, Page, Platform,
    ProductDraft, ProductWrite, RemoteKind, RemoteProduct, StatusUpdate, StoreCategory, StoreProbe,
    StoreRef, WriteOutcome, PRODUCT_GONE,
};

/// What every Nuvemshop store can do.
pub const CAPABILITIES: Capabilities = Capabilities {
    platform: "nuvemshop",
    // No batch endpoint: this many products go to one `push_products`, one request each.
    max_batch: 20,
    brands: true,
    // Variants keep a `barcode`; the store cannot be asked by it, so a look-up reads the catalog.
    gtin: true,
    visibility: false,
    variants_always: true,
    categories_required: false,
    // A variant can point at one of its product's pictures (`image_id`); not sent yet.
    variant_images: 0,
    free_form_statuses: false,
    order_ids_per_request: 1,
    order_statuses: &NUVEMSHOP_READ_STATUSES,
    // Nuvemshop takes the units when the order is placed and gives them back when it is
    // cancelled with `restock` (inference from the docs' `restock` flag and `inventory_behaviour`).
    stock_reducing_statuses: &["pending", "authorized", "paid", "fulfilled", "closed"],
    key_refused_statuses: &[401, 403],
};

/// The most items a Nuvemshop listing gives in one page.
const PER_PAGE: usize = 200;

/// Orders of one page of an id-sorted read of a crowded second.
const ORDERS_PER_PAGE: usize = 200;

/// A connection to one Nuvemshop store.
#[derive(Debug)]
pub struct Nuvemshop {
    http: HttpClient,
    /// `/{api_version}/{store_id}`, before every path.
    prefix: String,
    store_id: String,
}

impl Nuvemshop {
    /// Connects with the integration's config and the access token given in this session.
    pub fn connect(
        config: &IntegrationConfig,
        credentials: Option<&Credentials>,
        clock: Arc<dyn Clock>,
    ) -> Result<Nuvemshop> {
        let settings = config.nuvemshop.as_ref().ok_or_else(|| {
            Error::invalid_data(
                "nuvemshop",
                "is required for nuvemshop: {\"store_id\", \"user_agent\"}",
            )
        })?;
        let token = credentials
            .and_then(|c| c.access_token.as_ref())
            .ok_or_else(|| {
                Error::Auth(format!(
                    "integration '{}': no access_token in this session; put the config again with its credentials",
                    config.id
                ))
            })?;
        let proxy_login = credentials.and_then(|c| {
            c.proxy_username
                .as_ref()
                .map(|user| (user, c.proxy_password.as_ref()))
        });
        let auth = Auth::Header {
            name: "Authentication",
            value: Secret::new(format!("bearer {}", token.expose())),
        };
        let http = HttpClient::new(
            &config.base_url,
            config.allow_http,
            auth,
            config.http.clone(),
            proxy_login,
            clock,
        )?
        .with_user_agent(&settings.user_agent)
        .with_pacer(Arc::new(pacing::BucketPacer::new()));
        Ok(Nuvemshop {
            http,
            prefix: format!("/{}/{}", settings.api_version, settings.store_id),
            store_id: settings.store_id.clone(),
        })
    }

    fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// Sends a request and reads a successful JSON answer; an error answer becomes an `Error`
    /// in the store's words.
    fn call(&self, request: &Request) -> Result<(Value, Response)> {
        let response = self.http.send(request)?;
        let value = match response.body.is_empty() {
            true => Value::Null,
            false => read_json(&response, request)?,
        };
        if (200..300).contains(&response.status) {
            Ok((value, response))
        } else {
            Err(store_error(&response, &value, request))
        }
    }

    fn get(&self, path: &str, query: Vec<(String, String)>) -> Result<(Value, Response)> {
        self.call(&Request::get(self.path(path), query))
    }

    /// One page of a listing, its body left for `reading::items` to read item by item (a whole
    /// parse here would fail the page on one bad item, and parse it twice). Nuvemshop answers a
    /// page past the end, an empty listing's first included, with 404 `Last page is N`: that is
    /// an empty page, not an error.
    fn list_page(&self, request: &Request) -> Result<Response> {
        let response = self.http.send(request)?;
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let value = match response.body.is_empty() {
            true => Value::Null,
            false => read_json(&response, request)?,
        };
        let past_the_end = response.status == 404
            && value["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Last page is"));
        match past_the_end {
            true => Ok(Response {
                body: b"[]".to_vec(),
                ..response
            }),
            false => Err(store_error(&response, &value, request)),
        }
    }

    /// A write of one item: the store's answer, or what became of it as an item error.
    fn write(&self, method: Method, path: &str, body: &Value) -> Result<Value, WriteError> {
        let idempotent = matches!(method, Method::Put | Method::Patch | Method::Delete);
        let request = Request::json(method, self.path(path), body, idempotent);
        let response = match self.http.send(&request) {
            Ok(response) => response,
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
        let value = match response.body.is_empty() {
            true => Value::Null,
            false => match read_json(&response, &request) {
                Ok(value) => value,
                Err(err) if response.status < 300 || response.status >= 500 => {
                    return Err(WriteError::Unknown(err.to_string()))
                }
                Err(_) => Value::Null,
            },
        };
        match response.status {
            200..=299 => Ok(value),
            // A server error may come after the write was applied.
            500.. if !idempotent => Err(WriteError::Unknown(format!(
                "{} answered {}: {}",
                request.describe(),
                response.status,
                mapping::item_error(response.status, &value).message
            ))),
            status => {
                let mut error = mapping::item_error(status, &value);
                if matches!(status, 401 | 403) {
                    error.code = "ponte_auth".into();
                }
                Err(WriteError::Refused(error))
            }
        }
    }

    /// Every product of the store with its variants, as `remote_products` reads them.
    fn catalog(&self) -> Result<Vec<RemoteProduct>> {
        let mut found = Vec::new();
        let mut guard = PageGuard::new("GET products");
        for page in 1.. {
            let request = Request::get(self.path("/products"), paging(page));
            let response = self.list_page(&request)?;
            let (products, failures) = items_of(&response, &request, page, |item| {
                mapping::remote_products(item)
            })?;
            let count = products.len() + failures.len();
            guard.admit(products.iter().flatten().map(|p| p.id.clone()))?;
            for failure in failures {
                log::warn!(target: "ponte::nuvemshop", "product {} unreadable: {}", failure.store_id, failure.reason);
            }
            found.extend(products.into_iter().flatten());
            if !has_next(&response, page, count) {
                break;
            }
        }
        Ok(found)
    }

    /// Every order the query selects in the `updated_at` window `[from, to]` (seconds, either
    /// end open), the store's count of the orders it answered with, and whether that count
    /// was whole (no page beyond the first).
    fn orders_in(
        &self,
        query: &OrderQuery,
        from: Option<i64>,
        to: Option<i64>,
        all_pages: bool,
    ) -> Result<(Vec<StoreOrder>, Vec<crate::platform::ItemFailure>, u64)> {
        let mut orders = Vec::new();
        let mut failures = Vec::new();
        let mut total = 0;
        let mut guard = PageGuard::new("GET orders");
        for page in 1.. {
            let mut params = paging(page);
            params.extend(status_filters(&query.statuses));
            // Both bounds are read as inclusive, as `_min` and `_max` say (the docs do not say
            // more); the orders are filtered here to the window all the same. A wider window
            // would count orders outside it, and the search below decides by those counts.
            if let Some(from) = from.filter(|from| *from > 0) {
                params.push(("updated_at_min".into(), crate::time::format_rfc3339(from)));
            }
            if let Some(to) = to {
                params.push(("updated_at_max".into(), crate::time::format_rfc3339(to)));
            }
            let request = Request::get(self.path("/orders"), params);
            let response = self.list_page(&request)?;
            let (page_orders, page_failures) =
                items_of(&response, &request, page, mapping::store_order)?;
            let count = page_orders.len() + page_failures.len();
            guard.admit(
                page_orders
                    .iter()
                    .map(|o| o.store_order_id.clone())
                    .chain(page_failures.iter().map(|f| f.store_id.clone())),
            )?;
            let more = has_next(&response, page, count);
            total = response
                .header("x-total-count")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(match more {
                    true => (PER_PAGE + 1).max(orders.len() + count) as u64,
                    false => (orders.len() + count) as u64,
                });
            orders.extend(page_orders);
            failures.extend(page_failures);
            if !all_pages || !more {
                break;
            }
        }
        let within = |modified: &str| {
            crate::time::parse(modified)
                .is_none_or(|at| from.is_none_or(|from| at >= from) && to.is_none_or(|to| at <= to))
        };
        orders.retain(|o| within(&o.modified_at) && selected(query, &o.status));
        failures.retain(|f| f.modified_at.as_deref().is_none_or(within));
        Ok((orders, failures, total))
    }

    /// The orders modified first after `query.modified_after`. The listing has no documented
    /// sort, so a window `[lo, hi]` (seconds) is searched until the store counts no more than a
    /// page in it, and that page is sorted here. `lo` stays a true lower bound (no order not yet
    /// read is older), so what comes back is the oldest: a window too full shrinks `hi` (to the
    /// oldest second its page showed, or by half, whichever is lower); an empty one moves `lo`
    /// past it. A second holding more than a page comes whole.
    fn oldest_modified(&self, query: &OrderQuery) -> Result<Page<StoreOrder>> {
        let end = query
            .modified_before
            .map(|before| before - 1)
            .unwrap_or_else(|| crate::time::now_unix() + 1);
        let mut lo = query.modified_after.map_or(0, |after| after + 1);
        let (mut hi, mut upper) = (end, end);
        loop {
            let from = Some(lo).filter(|lo| *lo > 0);
            let (mut orders, mut failures, total) = self.orders_in(query, from, Some(hi), false)?;
            if total as usize > PER_PAGE {
                if hi > lo {
                    upper = hi;
                    let seen = oldest_second(&orders).unwrap_or(hi).max(lo);
                    hi = (lo + (hi - lo) / 2).min(seen);
                    continue;
                }
                // One second holding more than a page: all of it, every page read.
                (orders, failures, _) = self.orders_in(query, Some(hi), Some(hi), true)?;
            }
            orders.retain(|o| !query.exclude.contains(&o.store_order_id));
            if orders.is_empty() && failures.is_empty() && hi < upper {
                // Nothing here: every order older than `hi` is read; look above it.
                (lo, hi) = (hi + 1, upper);
                continue;
            }
            orders.sort_by(|a, b| {
                (
                    crate::time::parse(&a.modified_at),
                    numeric(&a.store_order_id),
                )
                    .cmp(&(
                        crate::time::parse(&b.modified_at),
                        numeric(&b.store_order_id),
                    ))
            });
            return Ok(Page {
                items: orders,
                failures,
                // A window cut short leaves more behind it.
                has_more: hi < end,
                total: None,
            });
        }
    }

    /// Page `page` of the orders in the query's window, by id: every page of the window is read
    /// and sorted here, as the store sorts orders by no documented key.
    fn by_id(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        let from = query.modified_after.map(|after| after + 1);
        let to = query.modified_before.map(|before| before - 1);
        let (mut orders, failures, _) = self.orders_in(query, from, to, true)?;
        orders.retain(|o| !query.exclude.contains(&o.store_order_id));
        orders.sort_by_key(|o| numeric(&o.store_order_id));
        let total = orders.len() as u64;
        let start = (page.max(1) as usize - 1) * ORDERS_PER_PAGE;
        let items: Vec<StoreOrder> = orders
            .into_iter()
            .skip(start)
            .take(ORDERS_PER_PAGE)
            .collect();
        Ok(Page {
            has_more: start + items.len() < total as usize,
            items,
            failures: if page <= 1 { failures } else { Vec::new() },
            total: Some(total),
        })
    }

    /// These orders, one request each (the listing takes no ids); an order the store no longer
    /// has is left out.
    fn orders_by_id(&self, query: &OrderQuery) -> Result<Page<StoreOrder>> {
        let mut page = Page {
            items: Vec::new(),
            failures: Vec::new(),
            has_more: false,
            total: None,
        };
        for id in &query.ids {
            let request = Request::get(self.path(&format!("/orders/{}", segment(id))), Vec::new());
            let value = match self.call(&request) {
                Ok((value, _)) => value,
                Err(Error::Remote { status: 404, .. }) => continue,
                Err(err) => return Err(err),
            };
            match mapping::store_order(&value) {
                Ok(order) if selected(query, &order.status) => page.items.push(order),
                Ok(_) => {}
                Err(reason) => page.failures.push(crate::platform::ItemFailure {
                    store_id: id.clone(),
                    reason,
                    modified_at: None,
                }),
            }
        }
        Ok(page)
    }

    /// Creates a product with every variant and picture in one request.
    fn create(&self, draft: &ProductDraft) -> WriteOutcome {
        let body = mapping::product_body(draft, true);
        match self.write(Method::Post, "/products", &body) {
            Ok(product) => {
                let mut target = StoreRef {
                    product_id: id_text(&product["id"]).unwrap_or_default(),
                    ..StoreRef::default()
                };
                let created = variant_ids(&product);
                let mut variant_failures = BTreeMap::new();
                for variant in &draft.product.variants {
                    match created.get(&variant.sku) {
                        Some(id) => {
                            target.variants.insert(variant.sku.clone(), id.clone());
                        }
                        None => {
                            variant_failures.insert(
                                variant.sku.clone(),
                                ItemError {
                                    code: "ponte_variant_missing".into(),
                                    message: format!(
                                        "the store's answer has no variant with SKU {}",
                                        variant.sku
                                    ),
                                    status: 0,
                                    resource_id: None,
                                },
                            );
                        }
                    }
                }
                let shown = product["images"].as_array().cloned().unwrap_or_default();
                for (picture, image) in draft.images.iter().zip(shown) {
                    if let Some(id) = id_text(&image["id"]) {
                        target.media.insert(picture.key.clone(), id);
                    }
                }
                if target.product_id.is_empty() {
                    return WriteOutcome::Unknown {
                        reason: "the store's answer to POST /products has no id".into(),
                    };
                }
                WriteOutcome::Done {
                    target,
                    variant_failures,
                }
            }
            Err(WriteError::Refused(error)) => WriteOutcome::Failed { error },
            Err(WriteError::Unknown(reason)) => WriteOutcome::Unknown { reason },
        }
    }

    /// Updates a product: its own fields, its existing variants in one request, then each new
    /// variant, then its pictures.
    fn update(&self, target: &StoreRef, draft: &ProductDraft) -> WriteOutcome {
        let product_path = format!("/products/{}", segment(&target.product_id));
        let mut body = mapping::product_body(draft, false);
        if draft.restore_visibility {
            body["published"] = json!(true);
        }
        if body.as_object().is_some_and(|b| !b.is_empty()) {
            if let Err(error) = self.write(Method::Put, &product_path, &body) {
                return failed(error);
            }
        }
        let mut target = target.clone();
        let mut variant_failures = BTreeMap::new();
        let mut existing: Vec<(String, Value)> = Vec::new();
        let mut new = Vec::new();
        for variant in &draft.product.variants {
            match target.variants.get(&variant.sku) {
                Some(id) => {
                    let mut body = mapping::variant_body(draft, variant, false);
                    body["id"] = json!(numeric_or_text(id));
                    existing.push((variant.sku.clone(), body));
                }
                None => new.push(variant),
            }
        }
        // Variants the ERP no longer has: off sale by their stock, as Nuvemshop hides none.
        for sku in draft.retire_variants.keys() {
            if let Some(id) = target.variants.get(sku) {
                existing.push((
                    sku.clone(),
                    json!({"id": numeric_or_text(id), "stock_management": true, "stock": 0}),
                ));
            }
        }
        existing.retain(|(_, body)| body.as_object().is_some_and(|b| b.len() > 1));
        if !existing.is_empty() {
            let bodies: Vec<&Value> = existing.iter().map(|(_, b)| b).collect();
            match self.write(
                Method::Patch,
                &format!("{product_path}/variants"),
                &json!(bodies),
            ) {
                Ok(_) => {}
                Err(WriteError::Refused(error)) if error.status == 404 => {
                    return WriteOutcome::Failed {
                        error: gone(error, &target.product_id),
                    }
                }
                Err(error) => {
                    let error = item_of(error);
                    for (sku, _) in &existing {
                        target.variants.remove(sku);
                        variant_failures.insert(sku.clone(), error.clone());
                    }
                }
            }
        }
        for variant in new {
            let body = mapping::variant_body(draft, variant, true);
            match self.write(Method::Post, &format!("{product_path}/variants"), &body) {
                Ok(answer) => match id_text(&answer["id"]) {
                    Some(id) => {
                        target.variants.insert(variant.sku.clone(), id);
                    }
                    None => {
                        variant_failures.insert(
                            variant.sku.clone(),
                            transport_item_error("the store's answer has no variant id"),
                        );
                    }
                },
                Err(error) => {
                    variant_failures.insert(variant.sku.clone(), item_of(error));
                }
            }
        }
        if draft.fields.contains(&SyncField::Images) {
            if let Err(error) = self.sync_pictures(&product_path, draft, &mut target) {
                return failed(error);
            }
        }
        WriteOutcome::Done {
            target,
            variant_failures,
        }
    }

    /// Adds the pictures the store lacks and takes off Ponte's pictures the ERP dropped; the
    /// merchant's own pictures (not in `media`) stay.
    fn sync_pictures(
        &self,
        product_path: &str,
        draft: &ProductDraft,
        target: &mut StoreRef,
    ) -> Result<(), WriteError> {
        let wanted: BTreeSet<&str> = draft.images.iter().map(|p| p.key.as_str()).collect();
        let dropped: Vec<(String, String)> = target
            .media
            .iter()
            .filter(|(key, _)| !wanted.contains(key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, id) in dropped {
            let path = format!("{product_path}/images/{}", segment(&id));
            match self.write(Method::Delete, &path, &Value::Null) {
                Ok(_) => {}
                Err(WriteError::Refused(error)) if error.status == 404 => {}
                Err(error) => return Err(error),
            }
            target.media.remove(&key);
        }
        for (position, picture) in draft.images.iter().enumerate() {
            if target.media.contains_key(&picture.key) {
                continue;
            }
            let body = json!({"src": picture.src, "position": position + 1});
            let answer = self.write(Method::Post, &format!("{product_path}/images"), &body)?;
            if let Some(id) = id_text(&answer["id"]) {
                target.media.insert(picture.key.clone(), id);
            }
        }
        Ok(())
    }

    /// Sets absolute stock on some variants, all in one request.
    fn stock(&self, target: &StoreRef, quantities: &BTreeMap<String, i64>) -> WriteOutcome {
        let mut bodies = Vec::new();
        let mut sent = Vec::new();
        let mut variant_failures = BTreeMap::new();
        for (sku, quantity) in quantities {
            match target.variants.get(sku) {
                Some(id) => {
                    bodies.push(json!({"id": numeric_or_text(id), "stock_management": true, "stock": (*quantity).max(0)}));
                    sent.push(sku.clone());
                }
                None => {
                    variant_failures.insert(
                        sku.clone(),
                        ItemError {
                            code: "ponte_variant_unknown".into(),
                            message: format!("no variant of this product has SKU {sku}"),
                            status: 0,
                            resource_id: None,
                        },
                    );
                }
            }
        }
        let mut target = target.clone();
        if !bodies.is_empty() {
            let path = format!("/products/{}/variants", segment(&target.product_id));
            match self.write(Method::Patch, &path, &json!(bodies)) {
                Ok(_) => {}
                Err(WriteError::Refused(error)) if error.status == 404 => {
                    return WriteOutcome::Failed {
                        error: gone(error, &target.product_id),
                    }
                }
                Err(error) => return failed(error),
            }
        }
        target
            .variants
            .retain(|sku, _| !variant_failures.contains_key(sku));
        WriteOutcome::Done {
            target,
            variant_failures,
        }
    }

    fn hide(&self, target: &StoreRef) -> WriteOutcome {
        let path = format!("/products/{}", segment(&target.product_id));
        match self.write(Method::Put, &path, &json!({"published": false})) {
            Ok(_) => WriteOutcome::Done {
                target: target.clone(),
                variant_failures: BTreeMap::new(),
            },
            Err(WriteError::Refused(error)) if error.status == 404 => WriteOutcome::Failed {
                error: gone(error, &target.product_id),
            },
            Err(error) => failed(error),
        }
    }

    /// The tracking the ERP gave an order (its `ponte`/`ponte_tracking` metafield), which
    /// Nuvemshop's `fulfill` action carries to the shopper.
    fn tracking(&self, store_order_id: &str) -> Result<Option<Value>> {
        let query = vec![
            ("owner_id".to_string(), store_order_id.to_string()),
            ("namespace".to_string(), "ponte".to_string()),
            ("key".to_string(), "ponte_tracking".to_string()),
        ];
        let (found, _) = self.get("/metafields/orders", query)?;
        let value = found
            .as_array()
            .and_then(|f| f.first())
            .and_then(|m| m["value"].as_str())
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        Ok(value)
    }

    /// An order's private note, as the store keeps it.
    fn owner_note(&self, store_order_id: &str) -> Result<String> {
        let (value, _) = self.get(
            &format!("/orders/{}", segment(store_order_id)),
            vec![("fields".into(), "id,owner_note".into())],
        )?;
        Ok(value["owner_note"].as_str().unwrap_or_default().to_string())
    }
}

/// What became of a write that did not succeed.
enum WriteError {
    /// The store refused it, or it never left: nothing was applied.
    Refused(ItemError),
    /// It may have been applied: look before sending it again.
    Unknown(String),
}

fn failed(error: WriteError) -> WriteOutcome {
    match error {
        WriteError::Refused(error) => WriteOutcome::Failed { error },
        WriteError::Unknown(reason) => WriteOutcome::Unknown { reason },
    }
}

fn item_of(error: WriteError) -> ItemError {
    match error {
        WriteError::Refused(error) => error,
        WriteError::Unknown(reason) => transport_item_error(&reason),
    }
}

/// A 404 on a product's write: the merchant deleted the product.
fn gone(error: ItemError, product_id: &str) -> ItemError {
    ItemError {
        code: PRODUCT_GONE.into(),
        message: format!(
            "the store no longer has product {product_id} ({})",
            error.message
        ),
        ..error
    }
}

fn auth_item_error(message: String) -> ItemError {
    ItemError {
        code: "ponte_auth".into(),
        message,
        status: 401,
        resource_id: None,
    }
}

/// Nuvemshop's error answer as a Ponte error, in the store's words: 401 and 403 are the token,
/// 402 the store's unpaid subscription.
fn store_error(response: &Response, value: &Value, request: &Request) -> Error {
    let error = mapping::item_error(response.status, value);
    match response.status {
        401 | 403 => Error::Auth(format!(
            "{}: the store refused the access token: {} ({}); the token was revoked, replaced by a newer one or the app uninstalled: authorise the app again",
            request.describe(),
            error.message,
            response.status
        )),
        402 => Error::Auth(format!(
            "{}: the store's Nuvemshop subscription or the app's fee is unpaid, and Nuvemshop refuses every API call until it is paid (402): {}",
            request.describe(),
            error.message
        )),
        status => Error::Remote {
            status,
            code: error.code,
            message: format!("{} ({})", error.message, request.describe()),
        },
    }
}

/// The items of a listing answer, each read on its own.
fn items_of<T>(
    response: &Response,
    request: &Request,
    page: u32,
    parse: impl Fn(&Value) -> std::result::Result<T, String>,
) -> Result<(Vec<T>, Vec<crate::platform::ItemFailure>)> {
    items(response, request, page, "updated_at", parse)
}

fn paging(page: u32) -> Vec<(String, String)> {
    vec![
        ("page".into(), page.to_string()),
        ("per_page".into(), PER_PAGE.to_string()),
    ]
}

/// Whether a listing has a page after `page`: its `Link` header names a `next`, or, without
/// one, `X-Total-Count` counts more, or, without either, the page was full.
fn has_next(response: &Response, page: u32, count: usize) -> bool {
    if let Some(link) = response.header("link") {
        return link.split(',').any(|part| part.contains("rel=\"next\""));
    }
    match response
        .header("x-total-count")
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(total) => (page as usize) * PER_PAGE < total,
        None => count >= PER_PAGE,
    }
}

/// The listing filters that narrow the statuses asked for without losing any: an order in any
/// of Ponte's statuses but `closed` and `cancelled` is open; one payment status alone is asked
/// for as such. The rest is filtered here.
fn status_filters(statuses: &[String]) -> Vec<(String, String)> {
    let mut filters = Vec::new();
    if statuses.is_empty() {
        return filters;
    }
    if statuses.iter().all(|s| s != "closed" && s != "cancelled") {
        filters.push(("status".to_string(), "open".to_string()));
        if let [only] = statuses {
            if only != "fulfilled" {
                filters.push(("payment_status".to_string(), only.clone()));
            }
        }
    } else if let [only] = statuses {
        filters.push(("status".to_string(), only.clone()));
    }
    filters
}

fn selected(query: &OrderQuery, status: &str) -> bool {
    query.statuses.is_empty() || query.statuses.iter().any(|s| s == status)
}

fn oldest_second(orders: &[StoreOrder]) -> Option<i64> {
    orders
        .iter()
        .filter_map(|o| crate::time::parse(&o.modified_at))
        .min()
}

/// An id for sorting: numbers by value, anything else after them.
fn numeric(id: &str) -> (u64, String) {
    (id.parse().unwrap_or(u64::MAX), id.to_string())
}

/// An id as the store sends it back: a number when it is one.
fn numeric_or_text(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(text: &str) -> String {
    crate::platform::oauth::percent_encode(text)
}

/// The variant ids of a product answer, by SKU.
fn variant_ids(product: &Value) -> BTreeMap<String, String> {
    product["variants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v["sku"].as_str()?.to_string(), id_text(&v["id"])?)))
        .collect()
}

/// The write that carries out one of Ponte's statuses, and its body.
fn action(status: &str) -> Option<(&'static str, Value)> {
    match status {
        "fulfilled" => Some(("fulfill", json!({"notify_customer": true}))),
        "closed" => Some(("close", json!({}))),
        // The reason the ERP gives goes in the order's note; Nuvemshop takes only its four.
        "cancelled" => Some(("cancel", json!({"reason": "other", "restock": true}))),
        _ => None,
    }
}

/// Splits an order's private note into the paragraphs Ponte wrote, or the merchant.
fn paragraphs(note: &str) -> Vec<String> {
    note.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

impl Platform for Nuvemshop {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Two requests: `GET /store` (the address, the token, the currency) and `POST /products`
    /// with an empty body, which a token that may write products has refused as invalid (422)
    /// and one that may not as unauthorised; nothing is created either way.
    fn probe(&self) -> Result<StoreProbe> {
        let (store, response) = self.get("/store", Vec::new())?;
        let currency = store["main_currency"].as_str().map(str::to_string);
        let version = response
            .header("x-api-version")
            .map(str::to_string)
            .or_else(|| self.prefix.split('/').nth(1).map(str::to_string));
        let (write_refused, write_unverified) =
            match self.write(Method::Post, "/products", &json!({})) {
                Err(WriteError::Refused(error)) if error.status == 422 => (None, None),
                Err(WriteError::Refused(error)) if matches!(error.status, 401 | 403) => {
                    (Some(error.message), None)
                }
                Ok(_) => (
                    None,
                    Some("the store created a product from an empty body".to_string()),
                ),
                Err(error) => (None, Some(item_of(error).message)),
            };
        let labels = [
            ("pending", "Pagamento pendente"),
            ("authorized", "Pagamento autorizado"),
            ("paid", "Pago"),
            ("abandoned", "Pagamento abandonado"),
            ("refunded", "Reembolsado"),
            ("voided", "Pagamento anulado"),
            ("fulfilled", "Enviado"),
            ("closed", "Arquivado"),
            ("cancelled", "Cancelado"),
        ];
        Ok(StoreProbe {
            software: "Nuvemshop",
            version,
            currency,
            write_refused,
            write_unverified,
            capabilities: CAPABILITIES,
            order_statuses: Some(
                labels
                    .iter()
                    .map(|(slug, name)| OrderStatus {
                        slug: slug.to_string(),
                        name: name.to_string(),
                    })
                    .collect(),
            ),
        })
    }

    /// One `GET /products/sku/{sku}` per SKU: the product with a variant of that SKU.
    fn find_products_by_sku(&self, skus: &[String]) -> Result<Vec<RemoteProduct>> {
        let mut found: Vec<RemoteProduct> = Vec::new();
        let mut products = BTreeSet::new();
        for sku in skus {
            let request = Request::get(
                self.path(&format!("/products/sku/{}", segment(sku))),
                Vec::new(),
            );
            let value = match self.call(&request) {
                Ok((value, _)) => value,
                Err(Error::Remote { status: 404, .. }) => continue,
                Err(err) => return Err(err),
            };
            let items = mapping::remote_products(&value).map_err(|reason| {
                Error::InvalidResponse(format!("{}: {reason}", request.describe()))
            })?;
            if let Some(product) = items.first() {
                if products.insert(product.id.clone()) {
                    found.extend(items);
                }
            }
        }
        Ok(found)
    }

    /// The store cannot be asked by barcode: its catalog is read and matched here.
    fn find_products_by_gtin(&self, gtins: &[String]) -> Result<Vec<RemoteProduct>> {
        let wanted: BTreeSet<&str> = gtins.iter().map(String::as_str).collect();
        let catalog = self.catalog()?;
        let owners: BTreeSet<String> = catalog
            .iter()
            .filter(|item| item.ean.as_deref().is_some_and(|e| wanted.contains(e)))
            .map(|item| item.parent_id.clone().unwrap_or_else(|| item.id.clone()))
            .collect();
        Ok(catalog
            .into_iter()
            .filter(|item| owners.contains(item.parent_id.as_ref().unwrap_or(&item.id)))
            .collect())
    }

    /// One `GET /products/{id}?fields=id` per product: the listing takes no ids.
    fn live_products(&self, ids: &[String]) -> Result<BTreeSet<String>> {
        let mut live = BTreeSet::new();
        for id in ids {
            match self.get(
                &format!("/products/{}", segment(id)),
                vec![("fields".into(), "id".into())],
            ) {
                Ok(_) => {
                    live.insert(id.clone());
                }
                Err(Error::Remote { status: 404, .. }) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(live)
    }

    fn list_products(&self, page: u32) -> Result<Page<RemoteProduct>> {
        let request = Request::get(self.path("/products"), paging(page));
        let response = self.list_page(&request)?;
        let (products, failures) = items_of(&response, &request, page, |item| {
            mapping::remote_products(item)?
                .into_iter()
                .find(|p| p.kind != RemoteKind::Variation)
                .ok_or_else(|| "no product in the item".to_string())
        })?;
        let count = products.len() + failures.len();
        Ok(Page {
            items: products,
            failures,
            has_more: has_next(&response, page, count),
            total: response
                .header("x-total-count")
                .and_then(|v| v.trim().parse().ok()),
        })
    }

    fn push_products(&self, writes: &[ProductWrite]) -> Vec<WriteOutcome> {
        writes
            .iter()
            .map(|write| match write {
                ProductWrite::Create(draft) => self.create(draft),
                ProductWrite::Update { target, draft } => self.update(target, draft),
                ProductWrite::Stock { target, quantities } => self.stock(target, quantities),
                ProductWrite::Hide { target } => self.hide(target),
            })
            .collect()
    }

    fn list_categories(&self) -> Result<Vec<StoreCategory>> {
        let mut found = Vec::new();
        let mut guard = PageGuard::new("GET categories");
        for page in 1.. {
            let request = Request::get(self.path("/categories"), paging(page));
            let response = self.list_page(&request)?;
            let listed = match read_json(&response, &request)? {
                Value::Array(listed) => listed,
                _ => {
                    return Err(Error::InvalidResponse(format!(
                        "{} page {page}: expected a JSON array from the store",
                        request.describe()
                    )))
                }
            };
            guard.admit(listed.iter().filter_map(|c| id_text(&c["id"])))?;
            for category in &listed {
                let Some(id) = id_text(&category["id"]) else {
                    continue;
                };
                found.push(StoreCategory {
                    id,
                    name: mapping::localized(&category["name"]),
                    parent_id: id_text(&category["parent"]).filter(|p| p != "0"),
                });
            }
            if !has_next(&response, page, listed.len()) {
                break;
            }
        }
        Ok(found)
    }

    fn create_categories(&self, categories: &[NewCategory]) -> Vec<Result<String, ItemError>> {
        categories
            .iter()
            .map(|category| {
                let parent = category.parent_id.as_deref().map(numeric_or_text);
                let body = json!({"name": category.name, "parent": parent});
                match self.write(Method::Post, "/categories", &body) {
                    Ok(answer) => id_text(&answer["id"])
                        .ok_or_else(|| transport_item_error("the store's answer has no id")),
                    Err(error) => Err(item_of(error)),
                }
            })
            .collect()
    }

    fn list_orders(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        if !query.ids.is_empty() {
            return self.orders_by_id(query);
        }
        match query.sort {
            OrderSort::Modified => self.oldest_modified(query),
            OrderSort::Id => self.by_id(query, page),
        }
    }

    /// Each status through its action (`fulfill`, `close`, `cancel`), one request each; the
    /// status reported is the one the order is read in afterwards.
    fn set_order_statuses(&self, updates: &[StatusUpdate]) -> Vec<Result<String, ItemError>> {
        updates
            .iter()
            .map(|update| {
                let Some((verb, body)) = action(&update.status) else {
                    return Err(ItemError {
                        code: "ponte_status_not_expressible".into(),
                        message: format!(
                            "Nuvemshop cannot give an order the status '{}': its orders change only through fulfill, close and cancel",
                            update.status
                        ),
                        status: 0,
                        resource_id: None,
                    });
                };
                let mut body = body;
                if verb == "fulfill" {
                    match self.tracking(&update.store_order_id) {
                        Ok(Some(tracking)) => {
                            body["shipping_tracking_number"] = tracking["code"].clone();
                            if let Some(url) = tracking["url"].as_str() {
                                body["shipping_tracking_url"] = json!(url);
                            }
                        }
                        Ok(None) => {}
                        Err(error) => return Err(transport_item_error(&error.to_string())),
                    }
                }
                let path = format!("/orders/{}/{verb}", segment(&update.store_order_id));
                match self.write(Method::Post, &path, &body) {
                    Ok(order) => match order.as_object() {
                        Some(order) => Ok(mapping::order_status(order)),
                        None => Err(transport_item_error("the store's answer is not an order")),
                    },
                    Err(error) => Err(item_of(error)),
                }
            })
            .collect()
    }

    /// Appends the note to the order's private note (`owner_note`) as a paragraph of its own.
    /// Nuvemshop has no note to the shopper through the API: one meant for the shopper is kept
    /// there too, and a warning says so.
    fn add_order_note(&self, store_order_id: &str, note: &str, to_customer: bool) -> Result<()> {
        if to_customer {
            log::warn!(target: "ponte::nuvemshop", "order {store_order_id}: Nuvemshop cannot send a note to the shopper through its API; the note is kept in the order's private note");
        }
        let current = self.owner_note(store_order_id)?;
        let joined = match current.trim().is_empty() {
            true => note.to_string(),
            false => format!("{}\n\n{note}", current.trim_end()),
        };
        let path = format!("/orders/{}", segment(store_order_id));
        let request = Request::json(
            Method::Put,
            self.path(&path),
            &json!({"owner_note": joined}),
            true,
        );
        self.call(&request).map(|_| ())
    }

    /// Ponte's keys as metafields of the order (namespace `ponte`, the value as JSON text); the
    /// invoice's access key also as `nfe`/`key`, where Nuvemshop's apps look for it. Keys meant
    /// for WooCommerce plugins (Correios, Melhor Envio) are not sent.
    fn update_order_meta(&self, store_order_id: &str, meta: &[(String, Value)]) -> Result<()> {
        for (key, value) in meta.iter().filter(|(key, _)| key.starts_with("ponte_")) {
            let mut fields = vec![("ponte", key.clone(), value.to_string())];
            if key == "ponte_invoice" {
                if let Some(access_key) = value["key"].as_str() {
                    fields.push(("nfe", "key".to_string(), access_key.to_string()));
                }
            }
            for (namespace, key, value) in fields {
                let query = vec![
                    ("owner_id".to_string(), store_order_id.to_string()),
                    ("namespace".to_string(), namespace.to_string()),
                    ("key".to_string(), key.clone()),
                ];
                let (existing, _) = self.get("/metafields/orders", query)?;
                let request = match existing
                    .as_array()
                    .and_then(|found| found.first())
                    .and_then(|m| id_text(&m["id"]))
                {
                    Some(id) => Request::json(
                        Method::Put,
                        self.path(&format!("/metafields/{}", segment(&id))),
                        &json!({"value": value}),
                        true,
                    ),
                    None => Request::json(
                        Method::Post,
                        self.path("/metafields"),
                        &json!({
                            "namespace": namespace, "key": key, "value": value,
                            "owner_resource": "Order", "owner_id": numeric_or_text(store_order_id),
                        }),
                        false,
                    ),
                };
                self.call(&request)?;
            }
        }
        Ok(())
    }

    fn order_notes(&self, store_order_id: &str) -> Result<Vec<String>> {
        Ok(paragraphs(&self.owner_note(store_order_id)?))
    }

    /// Nuvemshop lists no refunds with lines: a refunded order shows as `refunded` only.
    fn order_refunds(&self, _store_order_id: &str) -> Result<Vec<Refund>> {
        Ok(Vec::new())
    }

    fn http_stats(&self) -> HttpStats {
        self.http.stats()
    }
}

impl Nuvemshop {
    /// The store id this connection speaks to.
    pub fn store_id(&self) -> &str {
        &self.store_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_asked_for_as_narrowly_as_the_listing_allows() {
        let asked = |statuses: &[&str]| {
            status_filters(&statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(asked(&[]), vec![]);
        assert_eq!(
            asked(&["paid"]),
            vec![pair("status", "open"), pair("payment_status", "paid")]
        );
        assert_eq!(asked(&["paid", "pending"]), vec![pair("status", "open")]);
        assert_eq!(asked(&["fulfilled"]), vec![pair("status", "open")]);
        assert_eq!(asked(&["cancelled"]), vec![pair("status", "cancelled")]);
        assert_eq!(asked(&["paid", "closed"]), vec![]);
    }

    #[test]
    fn only_the_three_expressible_statuses_have_an_action() {
        for status in crate::model::config::NUVEMSHOP_WRITE_STATUSES {
            assert!(action(status).is_some(), "{status}");
        }
        assert!(action("received").is_none());
        assert!(action("paid").is_none());
    }

    #[test]
    fn ponte_notes_are_paragraphs_of_the_private_note() {
        assert_eq!(
            paragraphs("Ligar antes.\n\nPedido não importado no ERP. Motivo: X\n\n"),
            vec!["Ligar antes.", "Pedido não importado no ERP. Motivo: X"]
        );
        assert!(paragraphs("  ").is_empty());
    }
}

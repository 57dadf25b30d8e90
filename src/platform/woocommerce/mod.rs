//! The WooCommerce REST API v3 adapter (`/wp-json/wc/v3`). Facts and sources are in
//! `shared/platforms/WOOCOMMERCE.md`; the payload mapping is in `mapping`.

pub mod mapping;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::catalog::Brand;
use crate::model::config::{Credentials, IntegrationConfig};
use crate::model::order::Refund;
use crate::platform::http::{
    Auth, Clock, HttpClient, HttpStats, Method, Request, Response, SendError,
};
use crate::platform::reading::{items, read_json, transport_item_error, PageGuard};
use crate::platform::{
    Capabilities, ItemError, NewCategory, OrderQuery, OrderSort, OrderStatus, Page, Platform,
    ProductWrite, RemoteProduct, StatusUpdate, StoreCategory, StoreProbe, StoreRef, WriteOutcome,
};

/// Where the REST routes live, below the site's address.
pub const API: &str = "/wp-json/wc/v3";

/// The order statuses of every WooCommerce store: the core ones and the Blocks checkout's draft.
pub const ORDER_STATUSES: [&str; 8] = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// What WooCommerce can do from 9.6 on; a probe narrows it for older stores.
pub const CAPABILITIES: Capabilities = Capabilities {
    platform: "woocommerce",
    max_batch: 100,
    brands: true,
    gtin: true,
    visibility: true,
    variants_always: false,
    categories_required: false,
    // A variation has one `image`.
    variant_images: 1,
    free_form_statuses: true,
    order_ids_per_request: 100,
    order_statuses: &ORDER_STATUSES,
    // `wc_maybe_reduce_stock_levels` runs when an order is paid or enters one of these; only
    // `cancelled` and `pending` give the units back (`failed` does not).
    stock_reducing_statuses: &["processing", "on-hold", "completed"],
    key_refused_statuses: &[401, 403],
};

/// The code of a write to a product the merchant moved to the trash.
pub const GONE_TO_TRASH: &str = "ponte_product_in_trash";

/// Most keys asked for in one `?sku=` or `?global_unique_id=` look-up: one page of 100.
const SKUS_PER_LOOKUP: usize = 100;

/// A product key the store filters its listing by.
#[derive(Debug, Clone, Copy)]
enum Key {
    Sku,
    Gtin,
}

impl Key {
    fn param(self) -> &'static str {
        match self {
            Key::Sku => "sku",
            Key::Gtin => "global_unique_id",
        }
    }
}

/// A connection to one WooCommerce store.
#[derive(Debug)]
pub struct WooCommerce {
    http: HttpClient,
    /// Narrowed by `probe` to what this store has.
    capabilities: Mutex<Capabilities>,
    /// Brand term ids by lower-case name, loaded on first use; `None` inside once the store is
    /// known to have no brands endpoint (WooCommerce before 9.6).
    brand_terms: Mutex<Option<Option<BTreeMap<String, u64>>>>,
}

/// Variation writes under one parent: creates and updates, each tagged with the index of the
/// write it belongs to and the variant's SKU.
type VariationBatch = (Vec<(usize, String, Value)>, Vec<(usize, String, Value)>);

/// One item's result inside a batch response.
enum ItemResult {
    Ok(Value),
    Err(ItemError),
    Unknown(String),
}

impl WooCommerce {
    /// Connects with the integration's config and the credentials given in this session: HTTP
    /// Basic over HTTPS, OAuth 1.0a signatures over plain HTTP (where WooCommerce ignores Basic).
    pub fn connect(
        config: &IntegrationConfig,
        credentials: Option<&Credentials>,
        clock: Arc<dyn Clock>,
    ) -> Result<WooCommerce> {
        let missing = || {
            Error::Auth(format!(
                "integration '{}': no consumer_key and consumer_secret in this session; put the config again with its credentials",
                config.id
            ))
        };
        let credentials = credentials.ok_or_else(missing)?;
        let (Some(key), Some(secret)) = (&credentials.consumer_key, &credentials.consumer_secret)
        else {
            return Err(missing());
        };
        let auth = if config.base_url.starts_with("https://") {
            Auth::Basic {
                user: key.clone(),
                password: secret.clone(),
            }
        } else {
            Auth::OAuth1 {
                consumer_key: key.clone(),
                consumer_secret: secret.clone(),
            }
        };
        let proxy_login = credentials
            .proxy_username
            .as_ref()
            .map(|user| (user, credentials.proxy_password.as_ref()));
        let http = HttpClient::new(
            &config.base_url,
            config.allow_http,
            auth,
            config.http.clone(),
            proxy_login,
            clock,
        )?;
        Ok(WooCommerce {
            http,
            capabilities: Mutex::new(CAPABILITIES),
            brand_terms: Mutex::new(None),
        })
    }

    /// Sends a request and reads a successful JSON answer; an error answer becomes an `Error`
    /// that keeps WooCommerce's code.
    fn call(&self, request: &Request) -> Result<(Value, Response)> {
        let response = self.http.send(request)?;
        let value = read_json(&response, request)?;
        if (200..300).contains(&response.status) {
            Ok((value, response))
        } else {
            Err(envelope_error(&response, &value, request))
        }
    }

    fn get(&self, path: &str, query: Vec<(String, String)>) -> Result<(Value, Response)> {
        self.call(&Request::get(format!("{API}{path}"), query))
    }

    /// One page of a listing, each item read on its own (see `parse_page`).
    fn list<T>(
        &self,
        path: &str,
        query: Vec<(String, String)>,
        page: u32,
        parse: impl Fn(&Value) -> std::result::Result<T, String>,
    ) -> Result<Page<T>> {
        let request = Request::get(format!("{API}{path}"), query);
        let response = self.http.send(&request)?;
        if !(200..300).contains(&response.status) {
            let value = read_json(&response, &request)?;
            return Err(envelope_error(&response, &value, &request));
        }
        parse_page(&response, &request, page, parse)
    }

    /// Brand term id for a brand, creating the term when the store lacks it.
    fn brand_term(&self, brand: &Brand) -> Result<Option<u64>> {
        let mut cache = self.brand_terms.lock().unwrap_or_else(|p| p.into_inner());
        if cache.is_none() {
            *cache = Some(self.load_brand_terms()?);
        }
        let Some(Some(terms)) = cache.as_mut() else {
            return Ok(None);
        };
        let key = brand.name.to_lowercase();
        if let Some(id) = terms.get(&key) {
            return Ok(Some(*id));
        }
        let request = Request::json(
            Method::Post,
            format!("{API}/products/brands"),
            &json!({"name": brand.name}),
            false,
        );
        let response = self.http.send(&request)?;
        let value = read_json(&response, &request)?;
        // WordPress answers an existing name with `term_exists` and the term's id.
        let id = value
            .get("id")
            .and_then(Value::as_u64)
            .or_else(|| value.pointer("/data/term_id").and_then(Value::as_u64))
            .or_else(|| value.pointer("/data/resource_id").and_then(Value::as_u64))
            .ok_or_else(|| envelope_error(&response, &value, &request))?;
        terms.insert(key, id);
        Ok(Some(id))
    }

    /// Creates, in `products/brands/batch` requests of up to 100, the brands of `drafts` the
    /// store lacks, so a first sync of a catalog with many brands spends one request on them
    /// rather than one each. A brand the batch could not create is left to `brand_term`, which
    /// tries it alone and fails only the products that carry it.
    fn create_missing_brands<'d>(
        &self,
        drafts: impl Iterator<Item = &'d crate::platform::ProductDraft>,
    ) {
        let wanted: BTreeMap<String, &Brand> = drafts
            .filter(|d| d.fields.contains(&crate::model::config::SyncField::Brand))
            .filter_map(|d| d.brand.as_ref())
            .map(|brand| (brand.name.to_lowercase(), brand))
            .collect();
        if wanted.len() < 2 {
            return;
        }
        let mut cache = self.brand_terms.lock().unwrap_or_else(|p| p.into_inner());
        if cache.is_none() {
            match self.load_brand_terms() {
                Ok(terms) => *cache = Some(terms),
                Err(_) => return,
            }
        }
        let Some(Some(terms)) = cache.as_mut() else {
            return;
        };
        let missing: Vec<(&String, &&Brand)> = wanted
            .iter()
            .filter(|(key, _)| !terms.contains_key(*key))
            .collect();
        for chunk in missing.chunks(100) {
            let body = json!({"create": chunk.iter().map(|(_, b)| json!({"name": b.name})).collect::<Vec<_>>()});
            let request = Request::json(
                Method::Post,
                format!("{API}/products/brands/batch"),
                &body,
                false,
            );
            let Ok(value) = self
                .http
                .send(&request)
                .map_err(|e| e.error)
                .and_then(|response| read_json(&response, &request))
            else {
                return;
            };
            let answers = value["create"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for ((key, _), answer) in chunk.iter().zip(answers) {
                // An existing name comes back as `term_exists` with the term's id.
                let id = answer["id"].as_u64().filter(|id| *id > 0).or_else(|| {
                    answer
                        .pointer("/error/data/resource_id")
                        .and_then(Value::as_u64)
                });
                if let Some(id) = id {
                    terms.insert((*key).clone(), id);
                }
            }
        }
    }

    /// The pictures each product the writes update with pictures shows now, by product id,
    /// 100 products a request.
    fn galleries(&self, writes: &[ProductWrite]) -> Result<BTreeMap<String, Vec<u64>>> {
        let ids: Vec<&str> = writes
            .iter()
            .filter(|w| sends_pictures(w))
            .filter_map(|w| match w {
                ProductWrite::Update { target, .. } => Some(target.product_id.as_str()),
                _ => None,
            })
            .collect();
        let mut galleries = BTreeMap::new();
        for chunk in ids.chunks(100) {
            let query = vec![
                ("include".to_string(), chunk.join(",")),
                ("per_page".to_string(), "100".to_string()),
                ("_fields".to_string(), "id,images".to_string()),
            ];
            let (value, _) = self.get("/products", query)?;
            for product in value.as_array().into_iter().flatten() {
                let Some(id) = product["id"].as_u64() else {
                    continue;
                };
                let images = product["images"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["id"].as_u64())
                    .collect();
                galleries.insert(id.to_string(), images);
            }
        }
        Ok(galleries)
    }

    fn load_brand_terms(&self) -> Result<Option<BTreeMap<String, u64>>> {
        let mut terms = BTreeMap::new();
        let mut guard = PageGuard::new("GET products/brands");
        for page in 1.. {
            let query = vec![
                ("per_page".to_string(), "100".to_string()),
                ("page".to_string(), page.to_string()),
            ];
            let (value, response) = match self.get("/products/brands", query) {
                Ok(answer) => answer,
                Err(Error::Remote { code, .. }) if code == "rest_no_route" => return Ok(None),
                Err(err) => return Err(err),
            };
            guard.admit(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|term| term["id"].to_string()),
            )?;
            for term in value.as_array().into_iter().flatten() {
                if let (Some(id), Some(name)) = (
                    term.get("id").and_then(Value::as_u64),
                    term.get("name").and_then(Value::as_str),
                ) {
                    terms.insert(name.to_lowercase(), id);
                }
            }
            if !has_more_pages(&response, page) {
                break;
            }
        }
        Ok(Some(terms))
    }

    /// Runs creates and updates through a `/batch` route in chunks of at most `max_batch`,
    /// halving a chunk the store answers with 413. Results come back in input order.
    /// `resend_updates` says whether an update may be sent again after its answer was lost: true
    /// for absolute product values, false for order statuses, whose change the store acts on.
    fn run_batch(
        &self,
        path: &str,
        creates: Vec<Value>,
        updates: Vec<Value>,
        resend_updates: bool,
    ) -> (Vec<ItemResult>, Vec<ItemResult>) {
        let mut create_results = Vec::with_capacity(creates.len());
        let mut update_results = Vec::with_capacity(updates.len());
        let tagged: Vec<(bool, Value)> = creates
            .into_iter()
            .map(|v| (true, v))
            .chain(updates.into_iter().map(|v| (false, v)))
            .collect();
        for chunk in tagged.chunks(self.capabilities().max_batch) {
            for (is_create, result) in self.send_chunk(path, chunk, resend_updates) {
                if is_create {
                    create_results.push(result);
                } else {
                    update_results.push(result);
                }
            }
        }
        (create_results, update_results)
    }

    fn send_chunk(
        &self,
        path: &str,
        chunk: &[(bool, Value)],
        resend_updates: bool,
    ) -> Vec<(bool, ItemResult)> {
        let creates: Vec<&Value> = chunk.iter().filter(|(c, _)| *c).map(|(_, v)| v).collect();
        let updates: Vec<&Value> = chunk.iter().filter(|(c, _)| !*c).map(|(_, v)| v).collect();
        let mut body = serde_json::Map::new();
        if !creates.is_empty() {
            body.insert("create".into(), json!(creates));
        }
        if !updates.is_empty() {
            body.insert("update".into(), json!(updates));
        }
        // A create is never resent blindly; product updates carry absolute values and may be.
        let request = Request::json(
            Method::Post,
            format!("{API}{path}"),
            &Value::Object(body),
            creates.is_empty() && resend_updates,
        );
        let failed_all =
            |make: &dyn Fn(bool) -> ItemResult| chunk.iter().map(|(c, _)| (*c, make(*c))).collect();
        let response = match self.http.send(&request) {
            Ok(response) => response,
            Err(SendError {
                error,
                maybe_applied,
            }) => {
                let reason = error.to_string();
                return failed_all(&|is_create| {
                    if maybe_applied && is_create {
                        ItemResult::Unknown(reason.clone())
                    } else {
                        ItemResult::Err(transport_item_error(&reason))
                    }
                });
            }
        };
        if response.status == 413 && chunk.len() > 1 {
            let (left, right) = chunk.split_at(chunk.len() / 2);
            let mut results = self.send_chunk(path, left, resend_updates);
            results.extend(self.send_chunk(path, right, resend_updates));
            return results;
        }
        let value = match read_json(&response, &request) {
            Ok(value) => value,
            Err(err) => {
                let reason = err.to_string();
                return failed_all(&|is_create| {
                    if is_create {
                        ItemResult::Unknown(reason.clone())
                    } else {
                        ItemResult::Err(transport_item_error(&reason))
                    }
                });
            }
        };
        if !(200..300).contains(&response.status) {
            let error = item_error(&value, response.status);
            let applied_maybe = response.status >= 500;
            return failed_all(&|is_create| {
                if applied_maybe && is_create {
                    ItemResult::Unknown(format!(
                        "{} {}: {}",
                        response.status, error.code, error.message
                    ))
                } else {
                    ItemResult::Err(error.clone())
                }
            });
        }
        let mut results = Vec::with_capacity(chunk.len());
        for (key, count, is_create) in [
            ("create", creates.len(), true),
            ("update", updates.len(), false),
        ] {
            let answers = value
                .get(key)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for index in 0..count {
                let result = match answers.get(index) {
                    Some(answer) if answer.get("error").is_some() => {
                        ItemResult::Err(item_error(&answer["error"], 400))
                    }
                    Some(answer) => ItemResult::Ok(answer.clone()),
                    None => ItemResult::Unknown(format!(
                        "the store's batch answer has no result for {key}[{index}]"
                    )),
                };
                results.push((is_create, result));
            }
        }
        results
    }

    /// Products and variations whose `field` is any of `keys`, asked for in groups. Only items
    /// whose own value is one of the keys are kept: a store that ignores the filter (WooCommerce
    /// 8.9 ignores `global_unique_id`) answers with its whole catalog, which is never taken for
    /// a match. Then the catalog is listed once, and matched here.
    fn find_by(&self, field: Key, keys: &[String]) -> Result<Vec<RemoteProduct>> {
        let wanted: std::collections::BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let value_of = |item: &RemoteProduct| match field {
            Key::Sku => item.sku.clone(),
            Key::Gtin => item.ean.clone(),
        };
        let mut found = Vec::new();
        // A key holding a comma would be split by the filter; it is asked for on its own.
        let (plain, with_comma): (Vec<&String>, Vec<&String>) =
            keys.iter().partition(|s| !s.contains(','));
        let groups = plain
            .chunks(SKUS_PER_LOOKUP)
            .map(|group| {
                group
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .chain(with_comma.into_iter().cloned());
        for group in groups {
            let mut guard = PageGuard::new("GET products by key");
            for page in 1.. {
                let query = vec![
                    (field.param().to_string(), group.clone()),
                    ("per_page".to_string(), "100".to_string()),
                    ("page".to_string(), page.to_string()),
                ];
                let page_of = self.list("/products", query, page, mapping::remote_product)?;
                guard.admit(page_of.items.iter().map(|p| p.id.clone()))?;
                for failure in &page_of.failures {
                    log::warn!(target: "ponte::woocommerce", "product {} unreadable: {}", failure.store_id, failure.reason);
                }
                // MySQL compares without case and trailing spaces: so does this check.
                let fold = |text: &str| text.trim_end().to_lowercase();
                let asked: std::collections::BTreeSet<String> =
                    group.split(',').map(fold).chain([fold(&group)]).collect();
                let filtered = page_of
                    .items
                    .iter()
                    .all(|item| value_of(item).is_some_and(|v| asked.contains(&fold(&v))));
                if !filtered {
                    log::warn!(target: "ponte::woocommerce", "the store ignores the {} filter; its catalog is listed instead", field.param());
                    return self.list_matching(|item| {
                        value_of(item).is_some_and(|v| wanted.contains(v.as_str()))
                    });
                }
                found.extend(page_of.items);
                if !page_of.has_more {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Every product of the store (variations not included) that `keep` keeps.
    fn list_matching(&self, keep: impl Fn(&RemoteProduct) -> bool) -> Result<Vec<RemoteProduct>> {
        let mut found = Vec::new();
        let mut guard = PageGuard::new("GET products");
        for page in 1.. {
            let page_of = self.list_products(page)?;
            guard.admit(page_of.items.iter().map(|p| p.id.clone()))?;
            found.extend(page_of.items.into_iter().filter(&keep));
            if !page_of.has_more {
                break;
            }
        }
        Ok(found)
    }

    fn brand_for(&self, draft: &crate::platform::ProductDraft) -> Result<Option<u64>, ItemError> {
        match &draft.brand {
            Some(brand)
                if draft
                    .fields
                    .contains(&crate::model::config::SyncField::Brand) =>
            {
                self.brand_term(brand).map_err(|err| match err {
                    // The key refused is the run's end, not this product's failure.
                    Error::Auth(message) => ItemError {
                        code: "ponte_auth".into(),
                        message,
                        status: 401,
                        resource_id: None,
                    },
                    other => transport_item_error(&other.to_string()),
                })
            }
            _ => Ok(None),
        }
    }
}

impl Platform for WooCommerce {
    fn capabilities(&self) -> Capabilities {
        self.capabilities
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Five requests: `system_status` (the address, the credentials, the version and currency),
    /// an empty `products/batch` (the key may write; an empty batch changes nothing), the brands
    /// route (404 before WooCommerce 9.4), the products schema (`global_unique_id` from 9.2),
    /// and `reports/orders/totals` (every registered order status, custom ones too).
    fn probe(&self) -> Result<StoreProbe> {
        let (status, _) = self.get("/system_status", Vec::new())?;
        let version = status
            .pointer("/environment/version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let currency = status
            .pointer("/settings/currency")
            .and_then(Value::as_str)
            .map(str::to_string);
        let write = Request::json(
            Method::Post,
            format!("{API}/products/batch"),
            &json!({}),
            true,
        );
        let (write_refused, write_unverified) = match self.call(&write) {
            Ok(_) => (None, None),
            Err(Error::Auth(message)) => (Some(message), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let brands = match self.get("/products/brands", vec![("per_page".into(), "1".into())]) {
            Ok(_) => true,
            Err(Error::Remote { code, .. }) if code == "rest_no_route" => false,
            Err(err) => return Err(err),
        };
        let schema = Request {
            method: Method::Options,
            ..Request::get(format!("{API}/products"), Vec::new())
        };
        let gtin = match self.call(&schema) {
            Ok((value, _)) => value
                .pointer("/schema/properties/global_unique_id")
                .is_some(),
            // Some hosts refuse OPTIONS: the field came with WooCommerce 9.2.
            Err(_) => version.as_deref().is_some_and(|v| at_least(v, (9, 2))),
        };
        let order_statuses = match self.get("/reports/orders/totals", Vec::new()) {
            Ok((value, _)) => Some(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| {
                        Some(OrderStatus {
                            slug: s.get("slug")?.as_str()?.to_string(),
                            name: s.get("name")?.as_str()?.to_string(),
                        })
                    })
                    .collect(),
            ),
            Err(err) => {
                log::warn!(target: "ponte::woocommerce", "order statuses not listed: {err}");
                None
            }
        };
        let capabilities = {
            let mut capabilities = self.capabilities.lock().unwrap_or_else(|p| p.into_inner());
            capabilities.brands = brands;
            capabilities.gtin = gtin;
            capabilities.clone()
        };
        if !brands {
            *self.brand_terms.lock().unwrap_or_else(|p| p.into_inner()) = Some(None);
        }
        Ok(StoreProbe {
            software: "WooCommerce",
            version,
            currency,
            write_refused,
            write_unverified,
            capabilities,
            order_statuses,
        })
    }

    fn find_products_by_sku(&self, skus: &[String]) -> Result<Vec<RemoteProduct>> {
        self.find_by(Key::Sku, skus)
    }

    fn find_products_by_gtin(&self, gtins: &[String]) -> Result<Vec<RemoteProduct>> {
        if !self.capabilities().gtin {
            // The store keeps no GTIN, so none of its products can be found by one.
            return Ok(Vec::new());
        }
        self.find_by(Key::Gtin, gtins)
    }

    fn live_products(&self, ids: &[String]) -> Result<std::collections::BTreeSet<String>> {
        let mut live = std::collections::BTreeSet::new();
        for chunk in ids.chunks(100) {
            let query = vec![
                ("include".to_string(), chunk.join(",")),
                ("per_page".to_string(), "100".to_string()),
                ("orderby".to_string(), "id".to_string()),
                ("order".to_string(), "asc".to_string()),
            ];
            // `status` defaults to `any`: every status but the trash.
            let page = self.list("/products", query, 1, mapping::remote_product)?;
            live.extend(page.items.into_iter().map(|p| p.id));
            live.extend(page.failures.into_iter().map(|f| f.store_id));
        }
        Ok(live)
    }

    fn list_categories(&self) -> Result<Vec<StoreCategory>> {
        let mut categories = Vec::new();
        let mut guard = PageGuard::new("GET products/categories");
        for page in 1.. {
            let query = vec![
                ("per_page".to_string(), "100".to_string()),
                ("page".to_string(), page.to_string()),
                ("orderby".to_string(), "id".to_string()),
            ];
            let (value, response) = self.get("/products/categories", query)?;
            let terms = value.as_array().map(Vec::as_slice).unwrap_or_default();
            guard.admit(terms.iter().map(|term| term["id"].to_string()))?;
            for term in terms {
                if let (Some(id), Some(name)) = (term["id"].as_u64(), term["name"].as_str()) {
                    categories.push(StoreCategory {
                        id: id.to_string(),
                        name: name.to_string(),
                        parent_id: term["parent"]
                            .as_u64()
                            .filter(|p| *p != 0)
                            .map(|p| p.to_string()),
                    });
                }
            }
            if !has_more_pages(&response, page) {
                break;
            }
        }
        Ok(categories)
    }

    fn create_categories(&self, categories: &[NewCategory]) -> Vec<Result<String, ItemError>> {
        let bodies: Vec<Value> = categories
            .iter()
            .map(|c| {
                let parent = c.parent_id.as_deref().and_then(|p| p.parse::<u64>().ok());
                json!({"name": c.name, "parent": parent.unwrap_or(0)})
            })
            .collect();
        let (results, _) = self.run_batch("/products/categories/batch", bodies, Vec::new(), false);
        results
            .into_iter()
            .map(|result| match result {
                ItemResult::Ok(value) => value["id"]
                    .as_u64()
                    .map(|id| id.to_string())
                    .ok_or_else(|| transport_item_error("the store's answer has no category id")),
                ItemResult::Err(error) => Err(error),
                ItemResult::Unknown(reason) => Err(ItemError {
                    code: "ponte_outcome_unknown".into(),
                    message: reason,
                    status: 0,
                    resource_id: None,
                }),
            })
            .collect()
    }

    fn list_products(&self, page: u32) -> Result<Page<RemoteProduct>> {
        let query = vec![
            ("per_page".to_string(), "100".to_string()),
            ("page".to_string(), page.to_string()),
            ("orderby".to_string(), "id".to_string()),
            ("order".to_string(), "asc".to_string()),
        ];
        self.list("/products", query, page, mapping::remote_product)
    }

    fn push_products(&self, writes: &[ProductWrite]) -> Vec<WriteOutcome> {
        self.create_missing_brands(writes.iter().filter_map(|write| match write {
            ProductWrite::Create(draft) | ProductWrite::Update { draft, .. } => Some(draft),
            _ => None,
        }));
        let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; writes.len()];
        // The store's ids of the pictures Ponte put there, by write: those the store still shows,
        // then those it answers for the pictures sent now.
        let mut media: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); writes.len()];
        let galleries = match self.galleries(writes) {
            Ok(galleries) => galleries,
            Err(err) => {
                // Without the galleries, the merchant's pictures could be dropped: those
                // updates wait for the next run.
                let error = transport_item_error(&format!(
                    "the products' pictures could not be read first: {err}"
                ));
                for (index, write) in writes.iter().enumerate() {
                    if sends_pictures(write) && matches!(write, ProductWrite::Update { .. }) {
                        outcomes[index] = Some(WriteOutcome::Failed {
                            error: error.clone(),
                        });
                    }
                }
                BTreeMap::new()
            }
        };
        // Stage 1: products (simple ones whole, variable ones their parent) in /products/batch.
        let mut creates = Vec::new(); // (write index, body)
        let mut updates = Vec::new();
        for (index, write) in writes.iter().enumerate() {
            if outcomes[index].is_some() {
                continue;
            }
            match write {
                ProductWrite::Create(draft) => match self.brand_for(draft) {
                    Ok(term) => {
                        let mut body = if mapping::is_variable(&draft.product) {
                            mapping::variable_parent_body(draft, true, term)
                        } else {
                            mapping::simple_product_body(draft, true, term)
                        };
                        if sends_pictures(write) {
                            let pictures = mapping::product_pictures(draft);
                            body["images"] = mapping::gallery(&pictures, &BTreeMap::new(), &[]);
                        }
                        creates.push((index, body));
                    }
                    Err(error) => outcomes[index] = Some(WriteOutcome::Failed { error }),
                },
                ProductWrite::Update { target, draft } => match self.brand_for(draft) {
                    Ok(term) => {
                        let mut body =
                            if mapping::is_variable(&draft.product) || !is_simple_ref(target) {
                                mapping::variable_parent_body(draft, false, term)
                            } else {
                                mapping::simple_product_body(draft, false, term)
                            };
                        media[index] = target.media.clone();
                        if sends_pictures(write) {
                            let shown = galleries
                                .get(&target.product_id)
                                .map(Vec::as_slice)
                                .unwrap_or_default();
                            let pictures = mapping::product_pictures(draft);
                            let variation_keys: BTreeSet<&String> =
                                if mapping::is_variable(&draft.product) {
                                    draft.variant_images.values().map(|p| &p.key).collect()
                                } else {
                                    BTreeSet::new()
                                };
                            // Pictures the ERP dropped are dropped; one the merchant took off the
                            // gallery is sent again.
                            media[index].retain(|key, id| {
                                key.starts_with(HELD_BY_VARIATION)
                                    || variation_keys.contains(key)
                                    || pictures.iter().any(|p| p.key == *key)
                                        && id.parse::<u64>().is_ok_and(|id| shown.contains(&id))
                            });
                            let merchant: Vec<u64> = shown
                                .iter()
                                .filter(|id| !target.media.values().any(|o| *o == id.to_string()))
                                .copied()
                                .collect();
                            body["images"] = mapping::gallery(&pictures, &media[index], &merchant);
                        }
                        if body.as_object().is_some_and(|o| !o.is_empty()) {
                            body["id"] = json!(target.product_id);
                            updates.push((index, body));
                        }
                    }
                    Err(error) => outcomes[index] = Some(WriteOutcome::Failed { error }),
                },
                ProductWrite::Stock { target, quantities } if is_simple_ref(target) => {
                    if let Some(quantity) = quantities.values().next() {
                        let mut body = mapping::stock_body(*quantity);
                        body["id"] = json!(target.product_id);
                        updates.push((index, body));
                    }
                }
                ProductWrite::Hide { target } => {
                    let mut body = mapping::hide_body();
                    body["id"] = json!(target.product_id);
                    updates.push((index, body));
                }
                ProductWrite::Stock { .. } => {}
            }
        }
        let (create_results, update_results) = self.run_batch(
            "/products/batch",
            creates.iter().map(|(_, b)| b.clone()).collect(),
            updates.iter().map(|(_, b)| b.clone()).collect(),
            true,
        );
        // The store id of each product-level write that succeeded.
        let mut parents: BTreeMap<usize, String> = BTreeMap::new();
        for ((index, _), result) in creates
            .iter()
            .zip(create_results)
            .chain(updates.iter().zip(update_results))
        {
            match result {
                ItemResult::Ok(value) if value["status"] == "trash" => {
                    // WooCommerce updates a product in the trash as if it were live.
                    outcomes[*index] = Some(WriteOutcome::Failed {
                        error: ItemError {
                            code: GONE_TO_TRASH.into(),
                            message: format!("the store has product {} in its trash", value["id"]),
                            status: 410,
                            resource_id: value.get("id").map(|id| id.to_string()),
                        },
                    });
                }
                ItemResult::Ok(value) => {
                    if let Some(id) = value.get("id").and_then(Value::as_u64) {
                        parents.insert(*index, id.to_string());
                        if let ProductWrite::Create(draft) | ProductWrite::Update { draft, .. } =
                            &writes[*index]
                        {
                            if sends_pictures(&writes[*index]) {
                                // The store answers the gallery in the order it was sent.
                                let pictures = mapping::product_pictures(draft);
                                let shown = value["images"].as_array().cloned().unwrap_or_default();
                                for (picture, image) in pictures.iter().zip(shown) {
                                    if let Some(id) = image["id"].as_u64() {
                                        media[*index].insert(picture.key.clone(), id.to_string());
                                    }
                                }
                            }
                        }
                    } else {
                        outcomes[*index] = Some(WriteOutcome::Unknown {
                            reason: "the store's answer has no product id".into(),
                        });
                    }
                }
                ItemResult::Err(error) => outcomes[*index] = Some(WriteOutcome::Failed { error }),
                ItemResult::Unknown(reason) => {
                    outcomes[*index] = Some(WriteOutcome::Unknown { reason })
                }
            }
        }

        // Stage 2: variations, per parent, in /products/{id}/variations/batch.
        let mut per_parent: BTreeMap<String, VariationBatch> = BTreeMap::new();
        for (index, write) in writes.iter().enumerate() {
            if outcomes[index].is_some() {
                continue;
            }
            match write {
                ProductWrite::Create(draft) | ProductWrite::Update { draft, .. }
                    if mapping::is_variable(&draft.product)
                        || matches!(write, ProductWrite::Update { target, .. } if !is_simple_ref(target)) =>
                {
                    let parent = match write {
                        ProductWrite::Update { target, .. } => target.product_id.clone(),
                        _ => match parents.get(&index) {
                            Some(id) => id.clone(),
                            None => continue,
                        },
                    };
                    let known = match write {
                        ProductWrite::Update { target, .. } => target.variants.clone(),
                        _ => BTreeMap::new(),
                    };
                    let entry = per_parent.entry(parent).or_default();
                    let picture_of = |sku: &str| {
                        draft
                            .variant_images
                            .get(sku)
                            .filter(|_| sends_pictures(write))
                            .map(|p| mapping::variation_image(p, &media[index]))
                    };
                    for variant in &draft.product.variants {
                        match known.get(&variant.sku) {
                            Some(id) => {
                                let mut body = mapping::variation_body(draft, variant, false);
                                if draft.restore_variants.contains(&variant.sku) {
                                    body["status"] = json!("publish");
                                }
                                match picture_of(&variant.sku) {
                                    Some(image) => body["image"] = image,
                                    // The ERP dropped the picture Ponte gave this variation.
                                    None if sends_pictures(write)
                                        && media[index].contains_key(&held_by(&variant.sku)) =>
                                    {
                                        body["image"] = json!({});
                                    }
                                    None => {}
                                }
                                if body.as_object().is_some_and(|o| !o.is_empty()) {
                                    body["id"] = json!(id);
                                    entry.1.push((index, variant.sku.clone(), body));
                                }
                            }
                            None => {
                                let mut body = mapping::variation_body(draft, variant, true);
                                if let Some(image) = picture_of(&variant.sku) {
                                    body["image"] = image;
                                }
                                entry.0.push((index, variant.sku.clone(), body));
                            }
                        }
                    }
                    for (sku, retirement) in &draft.retire_variants {
                        if let Some(id) = known.get(sku) {
                            let mut body = mapping::retirement_body(*retirement);
                            body["id"] = json!(id);
                            entry.1.push((index, sku.clone(), body));
                        }
                    }
                }
                ProductWrite::Stock { target, quantities } if !is_simple_ref(target) => {
                    let entry = per_parent.entry(target.product_id.clone()).or_default();
                    for (sku, quantity) in quantities {
                        if let Some(id) = target.variants.get(sku) {
                            let mut body = mapping::stock_body(*quantity);
                            body["id"] = json!(id);
                            entry.1.push((index, sku.clone(), body));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut variant_ids: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        let mut variant_failures: BTreeMap<usize, BTreeMap<String, ItemError>> = BTreeMap::new();
        let picture_for = |index: usize, sku: &str| match &writes[index] {
            ProductWrite::Create(draft) | ProductWrite::Update { draft, .. } => {
                draft.variant_images.get(sku)
            }
            _ => None,
        };
        for (parent, (mut creates, mut updates)) in per_parent {
            let path = format!("/products/{parent}/variations/batch");
            for attempt in 0..2 {
                let (create_results, update_results) = self.run_batch(
                    &path,
                    creates.iter().map(|(_, _, b)| b.clone()).collect(),
                    updates.iter().map(|(_, _, b)| b.clone()).collect(),
                    true,
                );
                let (mut retry_creates, mut retry_updates) = (Vec::new(), Vec::new());
                let results = creates
                    .iter()
                    .zip(create_results)
                    .map(|item| (item, true))
                    .chain(updates.iter().zip(update_results).map(|item| (item, false)));
                for (((index, sku, body), result), is_create) in results {
                    let picture = picture_for(*index, sku);
                    // A picture the merchant deleted from the media library: its id is gone, so
                    // the variation gets it again by address, once.
                    let stale = matches!(&result, ItemResult::Err(error)
                        if error.code == "woocommerce_variation_invalid_image_id")
                        && body.pointer("/image/id").is_some();
                    if let (true, 0, Some(picture)) = (stale, attempt, picture) {
                        media[*index].remove(&picture.key);
                        let mut body = body.clone();
                        body["image"] = json!({"src": picture.src, "alt": picture.alt});
                        let retry = (*index, sku.clone(), body);
                        if is_create {
                            retry_creates.push(retry);
                        } else {
                            retry_updates.push(retry);
                        }
                        continue;
                    }
                    let error = match result {
                        ItemResult::Ok(value) => {
                            if body.get("image") == Some(&json!({})) {
                                media[*index].remove(&held_by(sku));
                            }
                            if let (Some(picture), Some(image_id)) = (
                                picture.filter(|_| body.get("image").is_some()),
                                value.pointer("/image/id").and_then(Value::as_u64),
                            ) {
                                media[*index].insert(picture.key.clone(), image_id.to_string());
                                media[*index].insert(held_by(sku), image_id.to_string());
                            }
                            let id = value
                                .get("id")
                                .and_then(Value::as_u64)
                                .map(|id| id.to_string())
                                .or_else(|| {
                                    body.get("id").and_then(Value::as_str).map(str::to_string)
                                });
                            if let Some(id) = id {
                                variant_ids
                                    .entry(*index)
                                    .or_default()
                                    .insert(sku.clone(), id);
                            }
                            continue;
                        }
                        ItemResult::Err(error) => error,
                        ItemResult::Unknown(reason) => ItemError {
                            code: "ponte_outcome_unknown".into(),
                            message: reason,
                            status: 0,
                            resource_id: None,
                        },
                    };
                    variant_failures
                        .entry(*index)
                        .or_default()
                        .insert(sku.clone(), error);
                }
                if retry_creates.is_empty() && retry_updates.is_empty() {
                    break;
                }
                (creates, updates) = (retry_creates, retry_updates);
            }
        }

        writes
            .iter()
            .enumerate()
            .map(|(index, write)| {
                if let Some(outcome) = outcomes[index].take() {
                    return outcome;
                }
                let failures = variant_failures.remove(&index).unwrap_or_default();
                let confirmed = variant_ids.remove(&index).unwrap_or_default();
                let target = match write {
                    ProductWrite::Create(draft) => {
                        let product_id = parents.get(&index).cloned().unwrap_or_default();
                        let variants = if mapping::is_variable(&draft.product) {
                            confirmed
                        } else {
                            draft
                                .product
                                .variants
                                .iter()
                                .map(|v| (v.sku.clone(), product_id.clone()))
                                .collect()
                        };
                        StoreRef {
                            product_id,
                            variants,
                            media: std::mem::take(&mut media[index]),
                        }
                    }
                    ProductWrite::Update { target, .. } => {
                        let mut target = target.clone();
                        target.variants.extend(confirmed);
                        target.variants.retain(|sku, _| !failures.contains_key(sku));
                        target.media = std::mem::take(&mut media[index]);
                        target
                    }
                    ProductWrite::Stock { target, .. } | ProductWrite::Hide { target } => {
                        let mut target = target.clone();
                        target.variants.retain(|sku, _| !failures.contains_key(sku));
                        target
                    }
                };
                WriteOutcome::Done {
                    target,
                    variant_failures: failures,
                }
            })
            .collect()
    }

    fn list_orders(
        &self,
        query: &OrderQuery,
        page: u32,
    ) -> Result<Page<crate::model::order::StoreOrder>> {
        let orderby = match query.sort {
            OrderSort::Modified => "modified",
            OrderSort::Id => "id",
        };
        let mut params = vec![
            ("per_page".to_string(), "100".to_string()),
            ("page".to_string(), page.to_string()),
            ("orderby".to_string(), orderby.to_string()),
            ("order".to_string(), "asc".to_string()),
        ];
        if !query.statuses.is_empty() {
            params.push(("status".to_string(), query.statuses.join(",")));
        }
        if !query.ids.is_empty() {
            params.push(("include".to_string(), query.ids.join(",")));
        }
        if !query.exclude.is_empty() {
            params.push(("exclude".to_string(), query.exclude.join(",")));
        }
        // WooCommerce compares both bounds strictly, in whole seconds.
        let bounds = [
            ("modified_after", query.modified_after),
            ("modified_before", query.modified_before),
        ];
        for (name, bound) in bounds {
            if let Some(unix) = bound {
                params.push((name.to_string(), crate::time::format_naive(unix)));
            }
        }
        if query.modified_after.is_some() || query.modified_before.is_some() {
            params.push(("dates_are_gmt".to_string(), "true".to_string()));
        }
        self.list("/orders", params, page, mapping::store_order)
    }

    fn set_order_statuses(
        &self,
        updates: &[StatusUpdate],
    ) -> Vec<std::result::Result<String, ItemError>> {
        let bodies = updates
            .iter()
            .map(|u| match u.store_order_id.parse::<u64>() {
                Ok(id) => json!({"id": id, "status": u.status}),
                Err(_) => json!({"id": u.store_order_id, "status": u.status}),
            })
            .collect();
        let (_, results) = self.run_batch("/orders/batch", Vec::new(), bodies, false);
        results
            .into_iter()
            .map(|result| match result {
                // WooCommerce answers 200 even when it did not keep the status (an unregistered
                // one becomes `pending`): what counts is the status the item comes back with.
                ItemResult::Ok(order) => order
                    .get("status")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| ItemError {
                        code: "ponte_no_status".into(),
                        message: "the store's answer for the order has no status".into(),
                        status: 200,
                        resource_id: None,
                    }),
                ItemResult::Err(error) => Err(error),
                ItemResult::Unknown(reason) => Err(transport_item_error(&reason)),
            })
            .collect()
    }

    fn add_order_note(&self, store_order_id: &str, note: &str, to_customer: bool) -> Result<()> {
        let request = Request::json(
            Method::Post,
            format!("{API}/orders/{store_order_id}/notes"),
            &json!({"note": note, "customer_note": to_customer}),
            false,
        );
        self.call(&request).map(|_| ())
    }

    fn update_order_meta(&self, store_order_id: &str, meta: &[(String, Value)]) -> Result<()> {
        let meta_data: Vec<Value> = meta
            .iter()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect();
        // Setting the same values again is harmless: the request may be retried.
        let request = Request::json(
            Method::Put,
            format!("{API}/orders/{store_order_id}"),
            &json!({"meta_data": meta_data}),
            true,
        );
        self.call(&request).map(|_| ())
    }

    fn order_notes(&self, store_order_id: &str) -> Result<Vec<String>> {
        let query = vec![("type".to_string(), "any".to_string())];
        let (value, _) = self.get(&format!("/orders/{store_order_id}/notes"), query)?;
        Ok(value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|note| note.get("note").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    fn order_refunds(&self, store_order_id: &str) -> Result<Vec<Refund>> {
        let (value, _) = self.get(
            &format!("/orders/{store_order_id}/refunds"),
            vec![("per_page".to_string(), "100".to_string())],
        )?;
        let items = value.as_array().ok_or_else(|| {
            Error::invalid_data(
                format!("refunds of order {store_order_id}"),
                "expected a list",
            )
        })?;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                mapping::refund(item).map_err(|message| {
                    Error::invalid_data(
                        format!("refunds of order {store_order_id}[{index}]"),
                        message,
                    )
                })
            })
            .collect()
    }

    fn http_stats(&self) -> HttpStats {
        self.http.stats()
    }
}

/// The prefix of the `media` keys that say which variation holds a picture Ponte gave it, by
/// SKU, so the picture can be taken off when the ERP drops it.
const HELD_BY_VARIATION: &str = "variation:";

fn held_by(sku: &str) -> String {
    format!("{HELD_BY_VARIATION}{sku}")
}

/// Whether a write sends the product's pictures: when they are to be sent and there is any of
/// Ponte's to add, keep or take off. Pictures are otherwise the merchant's, and left alone.
fn sends_pictures(write: &ProductWrite) -> bool {
    let (draft, media) = match write {
        ProductWrite::Create(draft) => (draft, None),
        ProductWrite::Update { draft, target } => (draft, Some(&target.media)),
        _ => return false,
    };
    draft
        .fields
        .contains(&crate::model::config::SyncField::Images)
        && (!draft.images.is_empty()
            || !draft.variant_images.is_empty()
            || media.is_some_and(|m| !m.is_empty()))
}

/// Whether a version such as `9.5.2` is at least `major.minor`.
fn at_least(version: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}

/// A simple product's reference points every SKU at the product itself.
fn is_simple_ref(target: &StoreRef) -> bool {
    target.variants.values().all(|id| *id == target.product_id)
}

fn has_more_pages(response: &Response, page: u32) -> bool {
    response
        .header("x-wp-totalpages")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .is_some_and(|total| page < total)
}

/// WooCommerce's error envelope `{code, message, data: {status}}` as a Ponte error. 401 and 403
/// are authentication errors and say which permission was missing, in the store's words.
fn envelope_error(response: &Response, value: &Value, request: &Request) -> Error {
    let error = item_error(value, response.status);
    if matches!(response.status, 401 | 403) {
        return Error::Auth(format!(
            "{}: the store refused the credentials: {} ({}); check the key and its read/write permission",
            request.describe(),
            error.message,
            error.code
        ));
    }
    Error::Remote {
        status: response.status,
        code: error.code,
        message: format!("{} ({})", error.message, request.describe()),
    }
}

fn item_error(value: &Value, status: u16) -> ItemError {
    ItemError {
        code: value
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string(),
        message: value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        status: value
            .pointer("/data/status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(status),
        resource_id: value.pointer("/data/resource_id").and_then(|id| match id {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }),
    }
}

/// Reads a listing page, each item on its own (`reading::items`), with WooCommerce's paging
/// headers.
fn parse_page<T>(
    response: &Response,
    request: &Request,
    page: u32,
    parse: impl Fn(&Value) -> std::result::Result<T, String>,
) -> Result<Page<T>> {
    let (items, failures) = items(response, request, page, "date_modified_gmt", parse)?;
    Ok(Page {
        items,
        failures,
        has_more: has_more_pages(response, page),
        total: response
            .header("x-wp-total")
            .and_then(|v| v.trim().parse().ok()),
    })
}

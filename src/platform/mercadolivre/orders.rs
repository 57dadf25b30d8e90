//! Orders: a buyer's cart ("pack") of several orders is one ERP order, `pack:{id}`, read with
//! every order in it, the buyer's billing info (CPF or CNPJ, address) and the shipment's
//! address. The search filters by `order.date_last_updated`, which Mercado Livre cuts to the
//! hour, and sorts by when an order closed: a window of whole hours is read, every page of it,
//! filtered here to the exact seconds asked and sorted by last change. Orders the marketplace
//! tagged `fraud_risk_detected` or `test_order` are held, rejected or accepted as the config says.
//!
//! What a seller writes back is a note: the marketplace moves the order's states itself.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{mapping, segment, MercadoLivre};
use crate::error::{Error, Result};
use crate::model::config::{FlaggedOrderPolicy, Locale};
use crate::model::order::StoreOrder;
use crate::platform::http::{Method, Request};
use crate::platform::{ItemFailure, OrderQuery, OrderSort, Page};

/// Orders of one page of the search (its most).
const SEARCH_LIMIT: u64 = 50;
/// A window holding more orders than this is narrowed before it is read whole.
const WINDOW_CAP: u64 = 500;
/// Orders of one page of an id-sorted read.
const ORDERS_PER_PAGE: usize = 50;
const HOUR: i64 = 3600;
/// Carts kept read whole, by id and last change; the memory is cleared when it holds more.
const CARTS_KEPT: usize = 5_000;

/// The orders of a window: ERP orders, the carts that could not be read, and the search's count.
type Window = (Vec<StoreOrder>, Vec<ItemFailure>, u64);

impl MercadoLivre {
    pub(super) fn orders_page(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        if !query.ids.is_empty() {
            return self.orders_by_id(query);
        }
        match query.sort {
            OrderSort::Modified => self.oldest_modified(query),
            OrderSort::Id => self.by_id(query, page),
        }
    }

    /// The carts changed first after `query.modified_after`: the window `[lo, hi]` (seconds)
    /// is halved while the search counts more than `WINDOW_CAP` orders in it and it spans more
    /// than its hours; a window with nothing moves past itself. `lo` stays a true lower bound.
    fn oldest_modified(&self, query: &OrderQuery) -> Result<Page<StoreOrder>> {
        let end = query
            .modified_before
            .map(|before| before - 1)
            .unwrap_or_else(|| crate::time::now_unix() + 1);
        let mut lo = query.modified_after.map_or(0, |after| after + 1);
        let (mut hi, mut upper) = (end, end);
        loop {
            let narrowable = floor_hour(hi) > floor_hour(lo) + HOUR;
            let (mut orders, failures, total) = self.orders_in(query, lo, hi, narrowable)?;
            if total > WINDOW_CAP && narrowable {
                upper = hi;
                hi = lo + (hi - lo) / 2;
                continue;
            }
            orders.retain(|o| !query.exclude.contains(&o.store_order_id));
            if orders.is_empty() && failures.is_empty() && hi < upper {
                (lo, hi) = (hi + 1, upper);
                continue;
            }
            orders.sort_by_key(|o| {
                (
                    crate::time::parse(&o.modified_at),
                    numeric(&o.store_order_id),
                )
            });
            return Ok(Page {
                items: orders,
                failures,
                has_more: hi < end,
                total: None,
            });
        }
    }

    /// Page `page` of the window's carts by id: every page of the window is read and sorted here.
    fn by_id(&self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        let lo = query.modified_after.map_or(0, |after| after + 1);
        let hi = query
            .modified_before
            .map(|before| before - 1)
            .unwrap_or_else(|| crate::time::now_unix() + 1);
        let (mut orders, failures, _) = self.orders_in(query, lo, hi, false)?;
        orders.retain(|o| !query.exclude.contains(&o.store_order_id));
        orders.sort_by_key(|o| numeric(&o.store_order_id));
        let total = orders.len();
        let start = (page.max(1) as usize - 1) * ORDERS_PER_PAGE;
        let items: Vec<StoreOrder> = orders
            .into_iter()
            .skip(start)
            .take(ORDERS_PER_PAGE)
            .collect();
        Ok(Page {
            has_more: start + items.len() < total,
            items,
            failures: if page <= 1 { failures } else { Vec::new() },
            total: Some(total as u64),
        })
    }

    /// The carts last changed within `[lo, hi]` that the query selects. The search is asked for
    /// the whole hours around the window (it reads no finer) and answers in order of closing, so
    /// every page is read; with `stop_when_crowded`, reading stops after the first page when the
    /// search counts more than `WINDOW_CAP`, for the caller to narrow the window.
    fn orders_in(
        &self,
        query: &OrderQuery,
        lo: i64,
        hi: i64,
        stop_when_crowded: bool,
    ) -> Result<Window> {
        let mut found: Vec<Value> = Vec::new();
        let mut total;
        let mut offset = 0;
        loop {
            let mut params = vec![
                ("seller", self.seller_id.clone()),
                ("sort", "date_asc".to_string()),
                ("limit", SEARCH_LIMIT.to_string()),
                ("offset", offset.to_string()),
                // Cut to the hour by the marketplace: the next hour's start keeps `hi` inside.
                (
                    "order.date_last_updated.to",
                    crate::time::format_rfc3339(floor_hour(hi) + HOUR),
                ),
            ];
            if lo > 0 {
                params.push((
                    "order.date_last_updated.from",
                    crate::time::format_rfc3339(floor_hour(lo)),
                ));
            }
            let answer = self.get("/orders/search", &params)?;
            let page = answer["results"].as_array().cloned().unwrap_or_default();
            total = answer["paging"]["total"].as_u64().unwrap_or(0);
            offset += page.len() as u64;
            found.extend(page.iter().cloned());
            if stop_when_crowded && total > WINDOW_CAP {
                return Ok((Vec::new(), Vec::new(), total));
            }
            if page.is_empty() || offset >= total {
                break;
            }
        }
        let within = |at: Option<i64>| at.is_some_and(|at| at >= lo && at <= hi);
        let mut carts: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for order in found {
            if !within(last_updated(&order)) {
                continue;
            }
            let key = match mapping::id_text(&order["pack_id"]) {
                Some(pack) => format!("pack:{pack}"),
                None => mapping::id_text(&order["id"]).unwrap_or_default(),
            };
            carts.entry(key).or_default().push(order);
        }
        let mut orders = Vec::new();
        let mut failures = Vec::new();
        for (key, seen) in carts {
            let cart = match key.strip_prefix("pack:") {
                Some(pack) => self.pack_orders(pack, seen)?,
                None => seen,
            };
            // A cart changed after the window is read with the window that holds its last
            // change: placed here, it would carry the cursor past orders not yet read.
            if cart.iter().filter_map(last_updated).max() > Some(hi) {
                continue;
            }
            match self.cart(&cart, Some(query)) {
                Ok(Some(order)) => orders.push(order),
                Ok(None) => {}
                Err(reason) => failures.push(ItemFailure {
                    store_id: key,
                    reason,
                    modified_at: cart
                        .iter()
                        .filter_map(last_updated)
                        .max()
                        .map(crate::time::format_rfc3339),
                }),
            }
        }
        Ok((orders, failures, total))
    }

    /// Every order of a pack, those already read reused.
    fn pack_orders(&self, pack: &str, seen: Vec<Value>) -> Result<Vec<Value>> {
        let listed = self.get(&format!("/packs/{}", segment(pack)), &[])?;
        let mut by_id: BTreeMap<String, Value> = seen
            .into_iter()
            .filter_map(|o| Some((mapping::id_text(&o["id"])?, o)))
            .collect();
        let mut orders = Vec::new();
        for entry in listed["orders"].as_array().into_iter().flatten() {
            let Some(id) = mapping::id_text(&entry["id"]) else {
                continue;
            };
            match by_id.remove(&id) {
                Some(order) => orders.push(order),
                None => orders.push(self.get(&format!("/orders/{}", segment(&id)), &[])?),
            }
        }
        // Orders the pack did not list (it changed in between) are kept all the same.
        orders.extend(by_id.into_values());
        Ok(orders)
    }

    /// A cart as one ERP order, with the buyer's billing info and the shipment's address, and
    /// the config's policy for tagged orders; `None` when the query does not select its status
    /// (then nothing more is asked of the marketplace).
    fn cart(
        &self,
        cart: &[Value],
        query: Option<&OrderQuery>,
    ) -> std::result::Result<Option<StoreOrder>, String> {
        let mut order = mapping::store_order(cart, None)?;
        let tags = mapping::tags(cart);
        for (tag, policy) in [
            ("fraud_risk_detected", self.settings.fraud_risk),
            ("test_order", self.settings.test_orders),
        ] {
            if !tags.iter().any(|t| t == tag) {
                continue;
            }
            match policy {
                FlaggedOrderPolicy::Hold => order.status = tag.to_string(),
                FlaggedOrderPolicy::Reject => order.flags.push(tag.to_string()),
                FlaggedOrderPolicy::Accept => {}
            }
        }
        let selected =
            query.is_none_or(|q| q.statuses.is_empty() || q.statuses.contains(&order.status));
        if !selected {
            return Ok(None);
        }
        // A cart read again unchanged (capture's overlap reads the last minutes twice) is not
        // asked for its billing info and shipment again.
        let known = (order.store_order_id.clone(), order.modified_at.clone());
        if let Some(read) = self.carts_read().get(&known) {
            if (&read.status, &read.flags) == (&order.status, &order.flags) {
                return Ok(Some(read.clone()));
            }
        }
        let first = &cart[0];
        if let Some(billing) = mapping::id_text(&first["buyer"]["billing_info"]["id"]) {
            let path = format!(
                "/orders/billing-info/{}/{}",
                self.settings.site_id,
                segment(&billing)
            );
            let info = self.get(&path, &[]).map_err(|e| e.to_string())?;
            let flags = std::mem::take(&mut order.flags);
            let status = order.status.clone();
            order = mapping::store_order(cart, Some(&info))?;
            (order.flags, order.status) = (flags, status);
        }
        if let Some(shipment) = mapping::id_text(&first["shipping"]["id"]) {
            let path = format!("/shipments/{}", segment(&shipment));
            let shipment = self.get(&path, &[]).map_err(|e| e.to_string())?;
            order.customer.shipping = mapping::shipping_address(&shipment);
        }
        let mut read = self.carts_read();
        if read.len() >= CARTS_KEPT {
            read.clear();
        }
        read.insert(known, order.clone());
        Ok(Some(order))
    }

    fn carts_read(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), StoreOrder>> {
        self.carts_read.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// These carts or orders, a few requests each; one the marketplace no longer has is left out.
    fn orders_by_id(&self, query: &OrderQuery) -> Result<Page<StoreOrder>> {
        let mut page = Page {
            items: Vec::new(),
            failures: Vec::new(),
            has_more: false,
            total: None,
        };
        for id in &query.ids {
            let cart = match self.cart_orders(id) {
                Ok(cart) => cart,
                Err(Error::Remote { status: 404, .. }) => continue,
                Err(error) => return Err(error),
            };
            match self.cart(&cart, None) {
                Ok(Some(order)) => page.items.push(order),
                Ok(None) => {}
                Err(reason) => page.failures.push(ItemFailure {
                    store_id: id.clone(),
                    reason,
                    modified_at: None,
                }),
            }
        }
        Ok(page)
    }

    /// The orders of `pack:{id}`, or the one order of a plain id.
    fn cart_orders(&self, id: &str) -> Result<Vec<Value>> {
        match id.strip_prefix("pack:") {
            Some(pack) => self.pack_orders(pack, Vec::new()),
            None => Ok(vec![self.get(&format!("/orders/{}", segment(id)), &[])?]),
        }
    }

    /// The order a cart's notes go on: a pack's first, as the pack lists them.
    fn noted_order(&self, id: &str) -> Result<String> {
        match id.strip_prefix("pack:") {
            None => Ok(id.to_string()),
            Some(pack) => {
                let listed = self.get(&format!("/packs/{}", segment(pack)), &[])?;
                listed["orders"]
                    .as_array()
                    .and_then(|orders| orders.first())
                    .and_then(|o| mapping::id_text(&o["id"]))
                    .ok_or_else(|| {
                        Error::InvalidResponse(format!(
                            "GET /packs/{pack}: the pack lists no order"
                        ))
                    })
            }
        }
    }

    /// A note on the order. Mercado Livre's notes are the seller's own; one meant for the buyer
    /// is kept there too (messages to the buyer are not built), and the log says so.
    pub(super) fn add_note(&self, id: &str, note: &str, to_customer: bool) -> Result<()> {
        if to_customer {
            log::info!(target: "ponte::mercadolivre",
                "order {id}: a note for the buyer is kept as the seller's note (Ponte sends no messages to buyers)");
        }
        self.post_note(&self.noted_order(id)?, note)
    }

    pub(super) fn notes(&self, id: &str) -> Result<Vec<String>> {
        self.notes_of(&self.noted_order(id)?)
    }

    /// Meta (an invoice, a tracking code) as notes, one a key, each written once: Mercado Livre
    /// Brasil takes no invoice file from the seller's own NF-e system
    /// (`/packs/{id}/fiscal_documents` is for every site but MLB), and ships `me2` orders itself.
    pub(super) fn meta_as_notes(&self, id: &str, meta: &[(String, Value)]) -> Result<()> {
        // The pack is asked for its first order once, not once a note.
        let order = self.noted_order(id)?;
        let there = self.notes_of(&order)?;
        // The other keys are WooCommerce plugins' (Correios, Melhor Envio): nothing reads them here.
        for (key, value) in meta.iter().filter(|(key, _)| key.starts_with("ponte_")) {
            let note = meta_note(key, value, self.locale);
            if !there.contains(&note) {
                self.post_note(&order, &note)?;
            }
        }
        Ok(())
    }

    /// `POST /orders/{order}/notes`, on the order itself (not a pack).
    fn post_note(&self, order: &str, note: &str) -> Result<()> {
        let request = Request::json(
            Method::Post,
            format!("/orders/{}/notes", segment(order)),
            &json!({"note": note}),
            false,
        );
        self.call(&request).map(|_| ())
    }

    /// The texts of the order's notes (`GET /orders/{order}/notes`).
    fn notes_of(&self, order: &str) -> Result<Vec<String>> {
        let listed = self.get(&format!("/orders/{}/notes", segment(order)), &[])?;
        Ok(listed
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["results"].as_array().cloned().unwrap_or_default())
            .filter_map(|n| n["note"].as_str().map(str::to_string))
            .collect())
    }
}

/// A meta value as a note the seller reads: the NF-e and the tracking code in words, anything
/// else as its key and JSON.
fn meta_note(key: &str, value: &Value, locale: Locale) -> String {
    let text = |field: &str| value[field].as_str().unwrap_or_default();
    match (key, locale) {
        ("ponte_invoice", Locale::PtBr) => format!(
            "NF-e {} série {}, chave de acesso {}, emitida em {}",
            text("number"),
            text("series"),
            text("key"),
            text("issued_at")
        ),
        ("ponte_invoice", Locale::En) => format!(
            "NF-e {} series {}, access key {}, issued {}",
            text("number"),
            text("series"),
            text("key"),
            text("issued_at")
        ),
        ("ponte_tracking", Locale::PtBr) => {
            format!("Rastreio {}: {}", text("carrier"), text("code"))
        }
        ("ponte_tracking", Locale::En) => {
            format!("Tracking {}: {}", text("carrier"), text("code"))
        }
        _ => format!("{key}: {value}"),
    }
}

/// When an order last changed: the search's UTC `date_last_updated`, else `last_updated`.
fn last_updated(order: &Value) -> Option<i64> {
    ["date_last_updated", "last_updated"]
        .iter()
        .find_map(|key| order[key].as_str().and_then(mapping::parse_time))
}

fn floor_hour(at: i64) -> i64 {
    at - at.rem_euclid(HOUR)
}

/// An id for sorting: numbers by value (packs by theirs), anything else after them.
fn numeric(id: &str) -> (u64, String) {
    let digits = id.strip_prefix("pack:").unwrap_or(id);
    (digits.parse().unwrap_or(u64::MAX), id.to_string())
}

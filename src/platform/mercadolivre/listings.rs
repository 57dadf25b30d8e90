//! Listings ("anúncios"): an ERP product becomes an item in a marketplace category, with the
//! attributes the category requires (read once a connection from `/categories/{id}/attributes`),
//! its variations by attribute combination, each with its own `SELLER_SKU`, stock and price.
//! Existing listings are found by `seller_sku` (the attribute), then `sku` (the legacy
//! `seller_custom_field`), and linked. A listing in Full is never given stock: Mercado Livre's
//! warehouse counts it. Hiding a product pauses its listing; publishing it again reactivates it.
//!
//! A `PUT` carrying `variations` deletes the variations it leaves out (as the docs' replace
//! examples show), so every write touching variations first reads the item and names them all.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{json, Value};

use super::{mapping, segment, MercadoLivre, WriteError};
use crate::error::{Error, Result};
use crate::model::catalog::Variant;
use crate::model::config::{Locale, SyncField};
use crate::model::money::format_cents;
use crate::platform::{
    ItemError, Page, ProductDraft, ProductWrite, RemoteProduct, StoreRef, WriteOutcome,
    PRODUCT_GONE,
};

/// Most ids `GET /items?ids=` takes.
const MULTIGET: usize = 20;
/// Most ids a page of `/users/{id}/items/search` gives.
const SEARCH_LIMIT: usize = 100;
/// Listings of a `list_products` page.
const LIST_PAGE: usize = 50;

/// One attribute of a marketplace category, as a listing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryAttribute {
    pub id: String,
    pub name: String,
    /// A listing of the category must carry it.
    pub required: bool,
    /// Variations may differ by it (`Tamanho`, `Cor`).
    pub varies: bool,
}

impl MercadoLivre {
    /// The seller's listing ids a search finds, every page of it.
    fn search_ids(&self, filter: (&str, &str)) -> Result<Vec<String>> {
        let path = format!("/users/{}/items/search", self.seller_id);
        let mut ids = Vec::new();
        let mut offset = 0;
        loop {
            let answer = self.get(
                &path,
                &[
                    (filter.0, filter.1.to_string()),
                    ("limit", SEARCH_LIMIT.to_string()),
                    ("offset", offset.to_string()),
                ],
            )?;
            let page: Vec<String> = answer["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(mapping::id_text)
                .collect();
            let total = answer["paging"]["total"].as_u64().unwrap_or(0) as usize;
            offset += page.len();
            let done = page.is_empty() || offset >= total;
            ids.extend(page);
            // The search pages by offset up to 1,000; one SKU never has that many listings.
            if done || offset >= 1000 {
                return Ok(ids);
            }
        }
    }

    /// The listings with these ids, `MULTIGET` a request; those the marketplace no longer has
    /// are left out.
    fn items(&self, ids: &[String]) -> Result<Vec<Value>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MULTIGET) {
            let answer = self.get("/items", &[("ids", chunk.join(","))])?;
            let entries = answer.as_array().ok_or_else(|| {
                Error::InvalidResponse("GET /items: expected an array of {code, body}".into())
            })?;
            for entry in entries {
                if entry["code"] == 200 {
                    found.push(entry["body"].clone());
                }
            }
        }
        Ok(found)
    }

    fn item(&self, id: &str) -> std::result::Result<Value, WriteError> {
        let path = format!("/items/{}", segment(id));
        match self.get(&path, &[]) {
            Ok(item) => Ok(item),
            Err(Error::Remote { status: 404, .. }) => Err(WriteError::Refused(gone(id))),
            Err(Error::Auth(message)) => Err(WriteError::Refused(super::auth_item_error(message))),
            Err(error) => Err(WriteError::Refused(
                crate::platform::reading::transport_item_error(&error.to_string()),
            )),
        }
    }

    pub(super) fn listings_by_sku(&self, skus: &[String]) -> Result<Vec<RemoteProduct>> {
        let mut ids = BTreeSet::new();
        for sku in skus {
            let mut found = self.search_ids(("seller_sku", sku))?;
            if found.is_empty() {
                found = self.search_ids(("sku", sku))?;
            }
            ids.extend(found);
        }
        self.remote(&ids.into_iter().collect::<Vec<_>>())
    }

    /// Mercado Livre's search takes no barcode: every listing is read and its `GTIN` compared,
    /// 100 ids and then 20 listings a request.
    pub(super) fn listings_by_gtin(&self, gtins: &[String]) -> Result<Vec<RemoteProduct>> {
        let wanted: BTreeSet<&str> = gtins.iter().map(String::as_str).collect();
        let mut found = Vec::new();
        let mut scroll = None;
        loop {
            let (ids, next) = self.scan(scroll.as_deref())?;
            for item in self.items(&ids)? {
                let listing = mapping::remote_products(&item).unwrap_or_default();
                if listing
                    .iter()
                    .any(|p| p.ean.as_deref().is_some_and(|e| wanted.contains(e)))
                {
                    found.extend(listing);
                }
            }
            match next {
                Some(next) if !ids.is_empty() => scroll = Some(next),
                _ => return Ok(found),
            }
        }
    }

    /// One page of a scan of every listing: its ids and the scroll to the next.
    fn scan(&self, scroll: Option<&str>) -> Result<(Vec<String>, Option<String>)> {
        let path = format!("/users/{}/items/search", self.seller_id);
        let mut query = vec![
            ("search_type", "scan".to_string()),
            ("limit", SEARCH_LIMIT.to_string()),
        ];
        if let Some(scroll) = scroll {
            query.push(("scroll_id", scroll.to_string()));
        }
        let answer = self.get(&path, &query)?;
        let ids = answer["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(mapping::id_text)
            .collect();
        Ok((ids, answer["scroll_id"].as_str().map(str::to_string)))
    }

    fn remote(&self, ids: &[String]) -> Result<Vec<RemoteProduct>> {
        let mut found = Vec::new();
        for item in self.items(ids)? {
            // A closed listing cannot be opened again: it is no place for the ERP's product.
            if item["status"] == "closed" {
                continue;
            }
            match mapping::remote_products(&item) {
                Ok(listing) => found.extend(listing),
                Err(reason) => log::warn!(target: "ponte::mercadolivre",
                    "listing {} unreadable: {reason}", item["id"]),
            }
        }
        Ok(found)
    }

    pub(super) fn live_listings(&self, ids: &[String]) -> Result<BTreeSet<String>> {
        Ok(self
            .items(ids)?
            .iter()
            .filter(|item| item["status"] != "closed")
            .filter_map(|item| mapping::id_text(&item["id"]))
            .collect())
    }

    /// Page `page` of the seller's listings, by offset (the search stops at 1,000).
    pub(super) fn listing_page(&self, page: u32) -> Result<Page<RemoteProduct>> {
        let offset = (page.max(1) as usize - 1) * LIST_PAGE;
        if offset >= 1000 {
            return Err(Error::Unsupported(
                "Mercado Livre lists a seller's first 1,000 listings by page; Ponte reads further ones only by SKU".into(),
            ));
        }
        let path = format!("/users/{}/items/search", self.seller_id);
        let answer = self.get(
            &path,
            &[
                ("limit", LIST_PAGE.to_string()),
                ("offset", offset.to_string()),
            ],
        )?;
        let ids: Vec<String> = answer["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(mapping::id_text)
            .collect();
        let total = answer["paging"]["total"].as_u64();
        let mut page = Page {
            items: Vec::new(),
            failures: Vec::new(),
            has_more: total.is_some_and(|t| (offset + ids.len()) < t as usize) && !ids.is_empty(),
            total,
        };
        for item in self.items(&ids)? {
            match mapping::remote_products(&item) {
                Ok(listing) => page.items.extend(listing.into_iter().take(1)),
                Err(reason) => page.failures.push(crate::platform::ItemFailure {
                    store_id: mapping::id_text(&item["id"]).unwrap_or_default(),
                    reason,
                    modified_at: None,
                }),
            }
        }
        Ok(page)
    }

    pub(super) fn push(&self, write: &ProductWrite) -> WriteOutcome {
        let outcome = match write {
            ProductWrite::Create(draft) => self.create(draft),
            ProductWrite::Update { target, draft } => self.update(target, draft),
            ProductWrite::Stock { target, quantities } => self.stock(target, quantities),
            ProductWrite::Hide { target } => self.pause(target),
        };
        match outcome {
            Ok(outcome) => outcome,
            Err(WriteError::Refused(error)) => WriteOutcome::Failed { error },
            Err(WriteError::Unknown(reason)) => WriteOutcome::Unknown { reason },
        }
    }

    fn create(&self, draft: &ProductDraft) -> std::result::Result<WriteOutcome, WriteError> {
        let category = draft.categories.first().ok_or_else(|| {
            WriteError::Refused(self.refusal(
                "ponte_category_required",
                "Anúncio não enviado: o produto não tem categoria do Mercado Livre; mapeie a categoria do ERP em product_sync.categories.map ou defina product_sync.categories.default.".into(),
                "Listing not sent: the product has no Mercado Livre category; map its ERP category in product_sync.categories.map or set product_sync.categories.default.".into(),
            ))
        })?;
        let attributes = self.category_attributes(category)?;
        let listing = Listing::new(draft, &attributes, self.locale)?;
        let mut body = json!({
            "title": draft.product.name,
            "category_id": category,
            "currency_id": draft.product.currency,
            "buying_mode": "buy_it_now",
            "listing_type_id": self.settings.listing_type_id,
            "condition": self.settings.condition,
            "attributes": listing.attributes,
            "pictures": draft.images.iter().map(|p| json!({"source": p.src})).collect::<Vec<_>>(),
        });
        if !draft.product.description.is_empty() && draft.fields.contains(&SyncField::Description) {
            body["description"] = json!({"plain_text": draft.product.description});
        }
        match &listing.variations {
            None => {
                let variant = &draft.product.variants[0];
                body["price"] = json!(price(variant, self.locale)?);
                body["available_quantity"] =
                    json!(draft.stock.get(&variant.sku).copied().unwrap_or(0));
                body["seller_custom_field"] = json!(variant.sku);
            }
            Some(variations) => {
                let variations: Vec<Value> = variations
                    .iter()
                    .map(|v| {
                        let mut body = v.body.clone();
                        body["attribute_combinations"] = json!(v.combinations);
                        body["available_quantity"] =
                            json!(draft.stock.get(&v.sku).copied().unwrap_or(0));
                        body
                    })
                    .collect();
                body["variations"] = json!(variations);
            }
        }
        let item = self.write(crate::platform::http::Method::Post, "/items", &body)?;
        let mut target = StoreRef {
            product_id: mapping::id_text(&item["id"]).unwrap_or_default(),
            ..StoreRef::default()
        };
        if target.product_id.is_empty() {
            return Err(WriteError::Unknown(
                "Mercado Livre's answer to POST /items has no id".into(),
            ));
        }
        for (picture, shown) in draft.images.iter().zip(pictures(&item)) {
            target.media.insert(picture.key.clone(), shown.0);
        }
        Ok(linked(target, draft, &item))
    }

    fn update(
        &self,
        target: &StoreRef,
        draft: &ProductDraft,
    ) -> std::result::Result<WriteOutcome, WriteError> {
        let item = self.item(&target.product_id)?;
        if item["status"] == "closed" {
            return Err(WriteError::Refused(gone(&target.product_id)));
        }
        let category = item["category_id"].as_str().unwrap_or_default().to_string();
        let attributes = self.category_attributes(&category)?;
        let listing = Listing::new(draft, &attributes, self.locale)?;
        let full = mapping::in_full(&item);
        let fields = &draft.fields;
        let mut body = serde_json::Map::new();
        if fields.contains(&SyncField::Name) {
            body.insert("title".into(), json!(draft.product.name));
        }
        body.insert("attributes".into(), json!(listing.attributes));
        if draft.restore_visibility {
            body.insert("status".into(), json!("active"));
        }
        if fields.contains(&SyncField::Images) {
            body.insert("pictures".into(), json!(self.gallery(target, draft, &item)));
        }
        match &listing.variations {
            None => {
                let variant = &draft.product.variants[0];
                if fields.contains(&SyncField::Price) {
                    body.insert("price".into(), json!(price(variant, self.locale)?));
                }
                if let Some(quantity) = draft.stock.get(&variant.sku).filter(|_| !full) {
                    body.insert("available_quantity".into(), json!(quantity));
                }
            }
            Some(variations) => {
                let existing = variation_ids(&item);
                let mut sent = Vec::new();
                let mut named = BTreeSet::new();
                for variation in variations {
                    let known = target
                        .variants
                        .get(&variation.sku)
                        .filter(|id| existing.contains(*id));
                    let mut entry = variation.body.clone();
                    if !fields.contains(&SyncField::Price) && known.is_some() {
                        entry.as_object_mut().map(|e| e.remove("price"));
                    }
                    match known {
                        Some(id) => {
                            entry["id"] = numeric(id);
                            named.insert(id.clone());
                        }
                        None => entry["attribute_combinations"] = json!(variation.combinations),
                    }
                    if let Some(quantity) = draft.stock.get(&variation.sku).filter(|_| !full) {
                        entry["available_quantity"] = json!(quantity);
                    } else if known.is_none() && !full {
                        entry["available_quantity"] = json!(0);
                    }
                    sent.push(entry);
                }
                // A variant the ERP dropped cannot be hidden on its own: it sells nothing more.
                for sku in draft.retire_variants.keys() {
                    if let Some(id) = target.variants.get(sku).filter(|id| existing.contains(*id)) {
                        let mut entry = json!({"id": numeric(id)});
                        if !full {
                            entry["available_quantity"] = json!(0);
                        }
                        named.insert(id.clone());
                        sent.push(entry);
                    }
                }
                // The merchant's own variations stay: left out, they would be deleted.
                for id in existing.iter().filter(|id| !named.contains(*id)) {
                    sent.push(json!({"id": numeric(id)}));
                }
                body.insert("variations".into(), json!(sent));
            }
        }
        let path = format!("/items/{}", segment(&target.product_id));
        let answer = self.write_item(&path, &Value::Object(body), &target.product_id)?;
        if fields.contains(&SyncField::Description) && !draft.product.description.is_empty() {
            let description = json!({"plain_text": draft.product.description});
            self.write(
                crate::platform::http::Method::Put,
                &format!("{path}/description"),
                &description,
            )?;
        }
        let mut updated = target.clone();
        if fields.contains(&SyncField::Images) {
            updated.media = draft
                .images
                .iter()
                .filter_map(|p| {
                    pictures(&answer)
                        .into_iter()
                        .find(|(id, source)| {
                            target.media.get(&p.key) == Some(id) || *source == p.src
                        })
                        .map(|(id, _)| (p.key.clone(), id))
                })
                .collect();
        }
        Ok(linked(updated, draft, &answer))
    }

    /// The pictures to send: Ponte's, those already there by id, then the merchant's own.
    fn gallery(&self, target: &StoreRef, draft: &ProductDraft, item: &Value) -> Vec<Value> {
        let ours: BTreeSet<&String> = target.media.values().collect();
        let shown = pictures(item);
        let mut gallery: Vec<Value> = draft
            .images
            .iter()
            .map(|p| {
                match target
                    .media
                    .get(&p.key)
                    .filter(|id| shown.iter().any(|s| &s.0 == *id))
                {
                    Some(id) => json!({"id": id}),
                    None => json!({"source": p.src}),
                }
            })
            .collect();
        gallery.extend(
            shown
                .iter()
                .filter(|(id, _)| !ours.contains(id))
                .map(|(id, _)| json!({"id": id})),
        );
        gallery
    }

    /// Stock alone: one `PUT`, naming every variation (those left out would be deleted). A
    /// listing in Full is left to Mercado Livre's warehouse.
    fn stock(
        &self,
        target: &StoreRef,
        quantities: &BTreeMap<String, i64>,
    ) -> std::result::Result<WriteOutcome, WriteError> {
        let item = self.item(&target.product_id)?;
        if mapping::in_full(&item) {
            log::info!(target: "ponte::mercadolivre",
                "listing {} is in Full: its stock is Mercado Livre's to count, none sent", target.product_id);
            return Ok(WriteOutcome::Done {
                target: target.clone(),
                variant_failures: BTreeMap::new(),
            });
        }
        let existing = variation_ids(&item);
        let body = if existing.is_empty() {
            let Some(quantity) = quantities.values().next() else {
                return Ok(WriteOutcome::Done {
                    target: target.clone(),
                    variant_failures: BTreeMap::new(),
                });
            };
            json!({"available_quantity": quantity})
        } else {
            let by_id: BTreeMap<&String, i64> = quantities
                .iter()
                .filter_map(|(sku, q)| Some((target.variants.get(sku)?, *q)))
                .collect();
            let variations: Vec<Value> = existing
                .iter()
                .map(|id| match by_id.get(id) {
                    Some(quantity) => json!({"id": numeric(id), "available_quantity": quantity}),
                    None => json!({"id": numeric(id)}),
                })
                .collect();
            json!({"variations": variations})
        };
        let path = format!("/items/{}", segment(&target.product_id));
        self.write_item(&path, &body, &target.product_id)?;
        let mut variant_failures = BTreeMap::new();
        for sku in quantities.keys() {
            let known = target.variants.get(sku).is_some_and(|id| {
                existing.contains(id) || (existing.is_empty() && *id == target.product_id)
            });
            if !known {
                variant_failures.insert(sku.clone(), gone(sku));
            }
        }
        Ok(WriteOutcome::Done {
            target: target.clone(),
            variant_failures,
        })
    }

    /// A product no longer published: its listing is paused, never closed (closed is final).
    fn pause(&self, target: &StoreRef) -> std::result::Result<WriteOutcome, WriteError> {
        let path = format!("/items/{}", segment(&target.product_id));
        self.write_item(&path, &json!({"status": "paused"}), &target.product_id)?;
        Ok(WriteOutcome::Done {
            target: target.clone(),
            variant_failures: BTreeMap::new(),
        })
    }

    /// A `PUT` of a listing; a listing the marketplace no longer has is `PRODUCT_GONE`.
    fn write_item(
        &self,
        path: &str,
        body: &Value,
        id: &str,
    ) -> std::result::Result<Value, WriteError> {
        match self.write(crate::platform::http::Method::Put, path, body) {
            Err(WriteError::Refused(error)) if error.status == 404 => {
                Err(WriteError::Refused(gone(id)))
            }
            other => other,
        }
    }

    /// A category's attributes, read once a connection; a category the marketplace does not
    /// have refuses the listing in its words.
    fn category_attributes(
        &self,
        category: &str,
    ) -> std::result::Result<Arc<Vec<CategoryAttribute>>, WriteError> {
        if let Some(known) = self
            .attributes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(category)
        {
            return Ok(known.clone());
        }
        let path = format!("/categories/{}/attributes", segment(category));
        let listed = match self.get(&path, &[]) {
            Ok(listed) => listed,
            Err(Error::Remote { status: 404, .. }) => {
                return Err(WriteError::Refused(self.refusal(
                    "ponte_category_unknown",
                    format!("Anúncio não enviado: a categoria {category} não existe no Mercado Livre; corrija product_sync.categories."),
                    format!("Listing not sent: category {category} does not exist on Mercado Livre; correct product_sync.categories."),
                )))
            }
            Err(error) => {
                return Err(WriteError::Refused(
                    crate::platform::reading::transport_item_error(&error.to_string()),
                ))
            }
        };
        let attributes: Vec<CategoryAttribute> = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some(CategoryAttribute {
                    id: a["id"].as_str()?.to_string(),
                    name: a["name"].as_str().unwrap_or_default().to_string(),
                    required: a["tags"]["required"] == true,
                    varies: a["tags"]["allow_variations"] == true,
                })
            })
            .collect();
        let attributes = Arc::new(attributes);
        self.attributes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(category.to_string(), attributes.clone());
        Ok(attributes)
    }

    fn refusal(&self, code: &str, pt_br: String, en: String) -> ItemError {
        ItemError {
            code: code.to_string(),
            message: match self.locale {
                Locale::PtBr => pt_br,
                Locale::En => en,
            },
            status: 0,
            resource_id: None,
        }
    }
}

/// An ERP product as a listing: its attributes and, when it has variants, its variations.
struct Listing {
    attributes: Vec<Value>,
    variations: Option<Vec<Variation>>,
}

struct Variation {
    sku: String,
    /// Price and attributes (`SELLER_SKU`, `GTIN`): what every write of it sends.
    body: Value,
    /// What makes it this variation, sent when it is created.
    combinations: Vec<Value>,
}

impl Listing {
    /// The listing of `draft` in a category with `attributes`, or the first required attribute
    /// the ERP does not give, named in the integration's language.
    fn new(
        draft: &ProductDraft,
        attributes: &[CategoryAttribute],
        locale: Locale,
    ) -> std::result::Result<Listing, WriteError> {
        let product = &draft.product;
        let by_name = |name: &str| {
            let wanted = name.trim().to_lowercase();
            attributes
                .iter()
                .find(|a| a.id.to_lowercase() == wanted || a.name.to_lowercase() == wanted)
        };
        let mut item: BTreeMap<String, String> = BTreeMap::new();
        if let Some(brand) = draft.brand.as_ref() {
            item.insert("BRAND".into(), brand.name.clone());
        }
        for (name, value) in &product.specifications {
            if let Some(attribute) = by_name(name) {
                item.insert(attribute.id.clone(), value.clone());
            }
        }
        let simple = product.variants.len() == 1 && product.variants[0].attributes.is_empty();
        let variations = match simple {
            true => {
                let variant = &product.variants[0];
                item.insert("SELLER_SKU".into(), variant.sku.clone());
                if let Some(ean) = variant
                    .ean
                    .as_ref()
                    .filter(|_| draft.fields.contains(&SyncField::Ean))
                {
                    item.insert("GTIN".into(), ean.clone());
                }
                None
            }
            false => Some(
                product
                    .variants
                    .iter()
                    .map(|variant| {
                        let combinations = variant
                            .attributes
                            .iter()
                            .map(|(name, value)| match by_name(name).filter(|a| a.varies) {
                                Some(a) => json!({"id": a.id, "name": a.name, "value_name": value}),
                                None => json!({"name": name, "value_name": value}),
                            })
                            .collect();
                        let mut own = vec![json!({"id": "SELLER_SKU", "value_name": variant.sku})];
                        if let Some(ean) = variant
                            .ean
                            .as_ref()
                            .filter(|_| draft.fields.contains(&SyncField::Ean))
                        {
                            own.push(json!({"id": "GTIN", "value_name": ean}));
                        }
                        Ok(Variation {
                            sku: variant.sku.clone(),
                            body: json!({"price": price(variant, locale)?, "attributes": own,
                                         "seller_custom_field": variant.sku}),
                            combinations,
                        })
                    })
                    .collect::<std::result::Result<Vec<_>, WriteError>>()?,
            ),
        };
        for required in attributes.iter().filter(|a| a.required) {
            let in_variations = variations.as_ref().is_some_and(|vs| {
                vs.iter().all(|v| {
                    v.body["attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|a| a["id"] == required.id.as_str())
                        || v.combinations
                            .iter()
                            .any(|c| c["id"] == required.id.as_str())
                })
            });
            if !item.contains_key(&required.id) && !in_variations {
                let (id, name) = (&required.id, &required.name);
                let (pt_br, en) = match id.as_str() {
                    "BRAND" => (
                        format!("Anúncio não enviado: a categoria exige o atributo {name} ({id}); informe a marca do produto no ERP."),
                        format!("Listing not sent: the category requires the attribute {name} ({id}); give the product a brand in the ERP."),
                    ),
                    _ => (
                        format!("Anúncio não enviado: a categoria exige o atributo {name} ({id}); informe-o nas especificações do produto no ERP (\"{name}\": valor)."),
                        format!("Listing not sent: the category requires the attribute {name} ({id}); give it in the product's specifications in the ERP (\"{name}\": value)."),
                    ),
                };
                return Err(WriteError::Refused(ItemError {
                    code: "ponte_attribute_required".into(),
                    message: match locale {
                        Locale::PtBr => pt_br,
                        Locale::En => en,
                    },
                    status: 0,
                    resource_id: None,
                }));
            }
        }
        Ok(Listing {
            attributes: item
                .into_iter()
                .map(|(id, value)| json!({"id": id, "value_name": value}))
                .collect(),
            variations,
        })
    }
}

/// A variant's price as the marketplace takes it: a decimal text (the official example sends
/// prices as text), never through a float.
fn price(variant: &Variant, locale: Locale) -> std::result::Result<String, WriteError> {
    variant.price_cents.map(format_cents).ok_or_else(|| {
        WriteError::Refused(ItemError {
            code: "ponte_price_required".into(),
            message: match locale {
                Locale::PtBr => {
                    format!("Anúncio não enviado: o SKU {} não tem preço.", variant.sku)
                }
                Locale::En => format!("Listing not sent: SKU {} has no price.", variant.sku),
            },
            status: 0,
            resource_id: None,
        })
    })
}

/// The listing's link: its variations by SKU as the answer shows them, or its own id for a
/// listing without variations. A variant the answer lacks is a failure of its own.
fn linked(mut target: StoreRef, draft: &ProductDraft, item: &Value) -> WriteOutcome {
    let listing = mapping::remote_products(item).unwrap_or_default();
    let mut variant_failures = BTreeMap::new();
    let simple = listing.len() == 1;
    target.variants.clear();
    for variant in &draft.product.variants {
        let id = match simple {
            true => Some(target.product_id.clone()),
            false => listing
                .iter()
                .skip(1)
                .find(|p| p.sku.as_deref() == Some(&variant.sku))
                .map(|p| p.id.clone()),
        };
        match id {
            Some(id) => {
                target.variants.insert(variant.sku.clone(), id);
            }
            None if draft.retire_variants.contains_key(&variant.sku) => {}
            None => {
                variant_failures.insert(
                    variant.sku.clone(),
                    ItemError {
                        code: "ponte_variant_missing".into(),
                        message: format!(
                            "Mercado Livre's answer has no variation with SELLER_SKU {}",
                            variant.sku
                        ),
                        status: 0,
                        resource_id: None,
                    },
                );
            }
        }
    }
    WriteOutcome::Done {
        target,
        variant_failures,
    }
}

/// A listing (or variation) the marketplace no longer has.
fn gone(id: &str) -> ItemError {
    ItemError {
        code: PRODUCT_GONE.into(),
        message: format!("Mercado Livre no longer has listing {id} open (deleted or closed)"),
        status: 404,
        resource_id: None,
    }
}

/// The item's variation ids, in its order.
fn variation_ids(item: &Value) -> Vec<String> {
    item["variations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| mapping::id_text(&v["id"]))
        .collect()
}

/// The item's pictures: id and the address it was fetched from.
fn pictures(item: &Value) -> Vec<(String, String)> {
    item["pictures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                mapping::id_text(&p["id"])?,
                p["source"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// A variation id as the marketplace writes it: a 64-bit number.
fn numeric(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

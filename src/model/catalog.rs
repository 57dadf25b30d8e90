//! The ERP's catalog as Ponte mirrors it: products with variants, brands and stock.
//!
//! Rules that decide whether a product is *sent* (published flag, brand enabled, valid EAN,
//! duplicate SKU) belong to sync and are reported there; a product that breaks them is still a
//! valid catalog entry. What is refused here is data no store could ever take: a product without
//! variants, a variant without SKU, a negative price.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::json;
use crate::time;

/// The largest stock quantity, price (in cents), weight or dimension Ponte accepts from the ERP:
/// far above any real one, and low enough that sums over every warehouse and order cannot
/// overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// The warehouse that a plain `stock` number refers to.
pub const MAIN_WAREHOUSE: &str = "main";

/// Longest id, SKU, EAN or barcode accepted; store platforms cap theirs around here.
const MAX_KEY_CHARS: usize = 100;

/// One ERP product. A simple product has exactly one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The ERP's own product code; the key of the catalog.
    pub erp_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The short text shown beside the price ("Descrição curta").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_description: String,
    /// Every published product must have a brand; sync reports one without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    /// "Exibir o Produto no E-commerce": the product is published to stores at all.
    pub show_in_store: bool,
    /// "Sincronizar estoque no e-commerce": its stock is sent to stores.
    pub sync_stock: bool,
    /// ISO 4217 code of every price of the product.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The product's categories, by the ERP's category id (`catalog_put_categories`); the first
    /// is its main category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_ids: Vec<String>,
    /// Pictures in display order; the first is the main one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// Specification attributes, beside the variation axes: `{"Material": "Algodão"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub specifications: BTreeMap<String, String>,
    pub variants: Vec<Variant>,
}

/// A picture of a product or variant: a public address the store downloads, or a file the ERP
/// keeps, which Ponte reads (size and digest) and the store fetches where the integration's
/// `product_sync.images.public_base_url` publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// An `http://` or `https://` address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A file path on this computer, instead of `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The text read out instead of the picture.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alt: String,
    /// What the picture holds: for a file, the SHA-256 of its bytes, which Ponte computes (any
    /// value given is replaced); for a URL, any version the ERP gives, so a new picture behind
    /// the same address is sent again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A product category of the ERP's tree ("Grupo", "Departamento").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: String,
    /// The category above this one; absent at the top of the tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

/// A variant's prices in one of the ERP's price lists ("tabela de preço").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPrice {
    pub price_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_price_cents: Option<i64>,
}

/// One sellable item of a product, identified by its SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Price in cents of the product's currency; a product without a price is not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_price_cents: Option<i64>,
    /// When the promotional price starts, RFC 3339; absent: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_starts_at: Option<String>,
    /// When it ends, RFC 3339; absent: when the ERP clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_ends_at: Option<String>,
    /// Prices in the ERP's price lists by list id, for integrations that sell at a list's price
    /// (`product_sync.price_table.list`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub price_lists: BTreeMap<String, ListPrice>,
    /// Quantity in the main warehouse. Leave it out to keep the stock already recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    /// Quantity per warehouse, instead of `stock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_by_warehouse: Option<BTreeMap<String, i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_grams: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions_mm: Option<Dimensions>,
    /// Variation attributes such as `{"color": "Azul", "size": "M"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// The variant's own pictures (a colour's photos), in order; a store that keeps one picture
    /// per variant gets the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
}

/// Package dimensions in whole millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimensions {
    pub length: i64,
    pub width: i64,
    pub height: i64,
}

/// A brand ("Marca"). Products of a brand not shown in electronic orders are not published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub id: String,
    pub name: String,
    /// "Exibir no Pedido Eletrônico".
    pub show_in_electronic_order: bool,
}

/// One stock level, the unit of the fast stock path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLevel {
    pub sku: String,
    #[serde(default = "main_warehouse")]
    pub warehouse: String,
    /// May be negative: some ERPs sell ahead of stock. Sync never sends less than zero.
    pub quantity: i64,
}

/// How a product is looked up in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ProductKey {
    ErpId(String),
    Sku(String),
}

/// A product as the catalog mirror holds it, with bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CatalogProduct {
    #[serde(flatten)]
    pub product: Product,
    /// When the ERP retired the product, in UTC; absent while it is live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// When the product last changed in the mirror, in UTC.
    pub updated_at: String,
}

fn default_currency() -> String {
    "BRL".to_string()
}

fn main_warehouse() -> String {
    MAIN_WAREHOUSE.to_string()
}

impl Variant {
    /// The stock levels this variant sets, or `None` when it leaves stock as it is.
    pub fn stock_levels(&self) -> Option<Vec<(String, i64)>> {
        match (&self.stock, &self.stock_by_warehouse) {
            (Some(quantity), _) => Some(vec![(main_warehouse(), *quantity)]),
            (None, Some(by_warehouse)) => {
                Some(by_warehouse.iter().map(|(w, q)| (w.clone(), *q)).collect())
            }
            (None, None) => None,
        }
    }
}

/// Parses a JSON array of products; `validate_products` checks them.
pub fn parse_products(json_text: &str) -> Result<Vec<Product>> {
    json::parse_array(json_text, "products", |i, v| {
        json::item_label("products", i, v, "erp_id")
    })
}

/// Checks a batch of products, naming the first broken one and its field.
pub fn validate_products(products: &[Product]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (index, product) in products.iter().enumerate() {
        let label = format!("products[{index}] (erp_id {:?})", product.erp_id);
        product.validate(&label)?;
        if let Some(first) = seen.insert(product.erp_id.as_str(), index) {
            return Err(Error::invalid_data(
                label,
                format!("erp_id repeats products[{first}] in the same batch"),
            ));
        }
    }
    Ok(())
}

/// Parses a JSON array of brands; `validate_brands` checks them.
pub fn parse_brands(json_text: &str) -> Result<Vec<Brand>> {
    json::parse_array(json_text, "brands", |i, v| {
        json::item_label("brands", i, v, "id")
    })
}

/// Checks a batch of brands.
pub fn validate_brands(brands: &[Brand]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (index, brand) in brands.iter().enumerate() {
        let label = format!("brands[{index}] (id {:?})", brand.id);
        check_key(&label, "id", &brand.id)?;
        if brand.name.trim().is_empty() {
            return Err(Error::invalid_data(
                format!("{label}.name"),
                "must not be empty",
            ));
        }
        if let Some(first) = seen.insert(brand.id.as_str(), index) {
            return Err(Error::invalid_data(
                label,
                format!("id repeats brands[{first}] in the same batch"),
            ));
        }
    }
    Ok(())
}

/// Parses a JSON array of stock levels; `validate_stock` checks them.
pub fn parse_stock(json_text: &str) -> Result<Vec<StockLevel>> {
    json::parse_array(json_text, "stock", |i, v| {
        json::item_label("stock", i, v, "sku")
    })
}

/// Checks a batch of stock levels.
pub fn validate_stock(levels: &[StockLevel]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (index, level) in levels.iter().enumerate() {
        let label = format!("stock[{index}] (sku {:?})", level.sku);
        check_key(&label, "sku", &level.sku)?;
        check_key(&label, "warehouse", &level.warehouse)?;
        if level.quantity.abs() > MAX_QUANTITY {
            return Err(Error::invalid_data(
                format!("{label}.quantity"),
                format!("{} is beyond ±{MAX_QUANTITY}", level.quantity),
            ));
        }
        if let Some(first) = seen.insert((level.sku.as_str(), level.warehouse.as_str()), index) {
            return Err(Error::invalid_data(
                label,
                format!(
                    "warehouse {:?} of this SKU is already set by stock[{first}] in the same batch",
                    level.warehouse
                ),
            ));
        }
    }
    Ok(())
}

/// Parses a JSON array of ERP ids.
pub fn parse_erp_ids(json_text: &str) -> Result<Vec<String>> {
    json::parse_array(json_text, "erp_ids", |i, _| format!("erp_ids[{i}]"))
}

/// Checks a list of ERP ids.
pub fn validate_erp_ids(ids: &[String]) -> Result<()> {
    for (index, id) in ids.iter().enumerate() {
        check_key(&format!("erp_ids[{index}]"), "", id)?;
    }
    Ok(())
}

/// Parses `{"erp_id": "..."}` or `{"sku": "..."}`.
pub fn parse_product_key(json_text: &str) -> Result<ProductKey> {
    let value = json::parse_value(json_text, "key")?;
    let key: ProductKey = json::from_value(value, "key")?;
    key.validate()?;
    Ok(key)
}

impl ProductKey {
    pub fn validate(&self) -> Result<()> {
        match self {
            ProductKey::ErpId(id) => check_key("key", "erp_id", id),
            ProductKey::Sku(sku) => check_key("key", "sku", sku),
        }
    }
}

impl Product {
    /// Checks what no store could take. `label` prefixes the path of the problem.
    pub fn validate(&self, label: &str) -> Result<()> {
        check_key(label, "erp_id", &self.erp_id)?;
        if let Some(brand) = &self.brand_id {
            check_key(label, "brand_id", brand)?;
        }
        let currency_ok =
            self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase());
        if !currency_ok {
            return Err(Error::invalid_data(
                format!("{label}.currency"),
                format!(
                    "{:?} is not an ISO 4217 code such as \"BRL\"",
                    self.currency
                ),
            ));
        }
        if self.variants.is_empty() {
            return Err(Error::invalid_data(
                format!("{label}.variants"),
                "a product needs at least one variant (a simple product has exactly one)",
            ));
        }
        let mut categories = BTreeSet::new();
        for (index, category) in self.category_ids.iter().enumerate() {
            let at = format!("{label}.category_ids[{index}]");
            check_key(&at, "", category)?;
            if !categories.insert(category.as_str()) {
                return Err(Error::invalid_data(
                    at,
                    format!("category {category:?} is listed twice"),
                ));
            }
        }
        validate_images(&format!("{label}.images"), &self.images)?;
        for (name, value) in &self.specifications {
            if name.trim().is_empty() || value.trim().is_empty() {
                return Err(Error::invalid_data(
                    format!("{label}.specifications"),
                    "specification names and values must not be empty",
                ));
            }
        }
        let mut skus = BTreeSet::new();
        for (index, variant) in self.variants.iter().enumerate() {
            let at = format!("{label}.variants[{index}]");
            variant.validate(&at)?;
            if !skus.insert(variant.sku.as_str()) {
                return Err(Error::invalid_data(
                    format!("{at}.sku"),
                    format!("SKU {:?} appears twice in this product", variant.sku),
                ));
            }
        }
        Ok(())
    }
}

impl Variant {
    fn validate(&self, at: &str) -> Result<()> {
        check_key(at, "sku", &self.sku)?;
        for (field, value) in [("ean", &self.ean), ("barcode", &self.barcode)] {
            if let Some(value) = value {
                check_key(at, field, value)?;
            }
        }
        for (field, value) in [
            ("price_cents", self.price_cents),
            ("promo_price_cents", self.promo_price_cents),
            ("weight_grams", self.weight_grams),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(Error::invalid_data(
                    format!("{at}.{field}"),
                    "must not be negative",
                ));
            }
            if value.is_some_and(|v| v > MAX_QUANTITY) {
                return Err(Error::invalid_data(
                    format!("{at}.{field}"),
                    format!("is above {MAX_QUANTITY}"),
                ));
            }
        }
        if let (Some(promo), Some(price)) = (self.promo_price_cents, self.price_cents) {
            if promo > price {
                return Err(Error::invalid_data(
                    format!("{at}.promo_price_cents"),
                    format!("{promo} is above the price of {price}"),
                ));
            }
        }
        if let Some(d) = self.dimensions_mm {
            if [d.length, d.width, d.height]
                .iter()
                .any(|v| !(0..=MAX_QUANTITY).contains(v))
            {
                return Err(Error::invalid_data(
                    format!("{at}.dimensions_mm"),
                    format!("dimensions must be between 0 and {MAX_QUANTITY}"),
                ));
            }
        }
        let quantities = self.stock.iter().map(|q| ("stock".to_string(), *q)).chain(
            self.stock_by_warehouse
                .iter()
                .flatten()
                .map(|(w, q)| (format!("stock_by_warehouse.{w}"), *q)),
        );
        for (field, quantity) in quantities {
            if quantity.abs() > MAX_QUANTITY {
                return Err(Error::invalid_data(
                    format!("{at}.{field}"),
                    format!("{quantity} is beyond ±{MAX_QUANTITY}"),
                ));
            }
        }
        if self.stock.is_some() && self.stock_by_warehouse.is_some() {
            return Err(Error::invalid_data(
                at,
                "give either stock or stock_by_warehouse, not both",
            ));
        }
        for warehouse in self.stock_by_warehouse.iter().flat_map(BTreeMap::keys) {
            check_key(&format!("{at}.stock_by_warehouse"), "", warehouse)?;
        }
        for (name, value) in &self.attributes {
            if name.trim().is_empty() || value.trim().is_empty() {
                return Err(Error::invalid_data(
                    format!("{at}.attributes"),
                    "attribute names and values must not be empty",
                ));
            }
        }
        self.validate_promo_dates(at)?;
        for (list, prices) in &self.price_lists {
            let at = format!("{at}.price_lists");
            check_key(&at, "", list)?;
            let at = format!("{at}.{list}");
            check_price(&at, "price_cents", Some(prices.price_cents))?;
            check_price(&at, "promo_price_cents", prices.promo_price_cents)?;
            if prices
                .promo_price_cents
                .is_some_and(|p| p > prices.price_cents)
            {
                return Err(Error::invalid_data(
                    format!("{at}.promo_price_cents"),
                    format!("is above the list's price of {}", prices.price_cents),
                ));
            }
        }
        validate_images(&format!("{at}.images"), &self.images)
    }

    /// Sale dates carry their zone (an ERP in Brazil means -03:00, never UTC by default), and
    /// the end comes after the start.
    fn validate_promo_dates(&self, at: &str) -> Result<()> {
        let mut instants = [None, None];
        for (slot, (field, value)) in [
            ("promo_starts_at", &self.promo_starts_at),
            ("promo_ends_at", &self.promo_ends_at),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(text) = value else { continue };
            let zoned =
                text.ends_with('Z') || text.get(19..).is_some_and(|t| t.contains(['+', '-']));
            let Some(unix) = time::parse(text).filter(|_| zoned) else {
                return Err(Error::invalid_data(
                    format!("{at}.{field}"),
                    format!("{text:?} is not an RFC 3339 time with its zone, such as \"2026-12-01T00:00:00-03:00\""),
                ));
            };
            if self.promo_price_cents.is_none() {
                return Err(Error::invalid_data(
                    format!("{at}.{field}"),
                    "sale dates need a promo_price_cents",
                ));
            }
            instants[slot] = Some(unix);
        }
        if let [Some(start), Some(end)] = instants {
            if end <= start {
                return Err(Error::invalid_data(
                    format!("{at}.promo_ends_at"),
                    format!(
                        "{} is not after promo_starts_at {}",
                        time::format_rfc3339(end),
                        time::format_rfc3339(start)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The sale dates in UTC, as stores take them.
    pub fn promo_dates(&self) -> (Option<String>, Option<String>) {
        let utc = |t: &Option<String>| t.as_deref().and_then(time::to_utc);
        (utc(&self.promo_starts_at), utc(&self.promo_ends_at))
    }
}

/// The largest picture file Ponte reads: stores and marketplaces refuse larger ones (Mercado
/// Livre takes 10 MB).
pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;

fn validate_images(at: &str, images: &[Image]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (index, image) in images.iter().enumerate() {
        let at = format!("{at}[{index}]");
        match (&image.url, &image.file) {
            (Some(url), None) => {
                let scheme_ok = ["http://", "https://"].iter().any(|s| {
                    url.get(..s.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(s))
                });
                let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
                if !scheme_ok
                    || host.is_empty()
                    || url.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(Error::invalid_data(
                        format!("{at}.url"),
                        format!("{url:?} is not an http:// or https:// address"),
                    ));
                }
            }
            (None, Some(file)) => {
                if file.trim().is_empty() || file.chars().any(char::is_control) {
                    return Err(Error::invalid_data(
                        format!("{at}.file"),
                        "must be a file path",
                    ));
                }
            }
            _ => {
                return Err(Error::invalid_data(
                    at,
                    "give either url or file, exactly one",
                ))
            }
        }
        if image.alt.chars().any(char::is_control) {
            return Err(Error::invalid_data(
                format!("{at}.alt"),
                "must not contain control characters",
            ));
        }
        let source = image.url.as_ref().or(image.file.as_ref());
        if !seen.insert(source) {
            return Err(Error::invalid_data(
                at,
                "this picture is already in the list",
            ));
        }
    }
    Ok(())
}

fn check_price(at: &str, field: &str, cents: Option<i64>) -> Result<()> {
    match cents {
        Some(v) if v < 0 => Err(Error::invalid_data(
            format!("{at}.{field}"),
            "must not be negative",
        )),
        Some(v) if v > MAX_QUANTITY => Err(Error::invalid_data(
            format!("{at}.{field}"),
            format!("is above {MAX_QUANTITY}"),
        )),
        _ => Ok(()),
    }
}

/// Parses a JSON array of categories; `validate_categories` checks them.
pub fn parse_categories(json_text: &str) -> Result<Vec<Category>> {
    json::parse_array(json_text, "categories", |i, v| {
        json::item_label("categories", i, v, "id")
    })
}

/// Checks a batch of categories on their own; that each parent exists and the tree has no
/// cycle is checked against the whole tree (`check_tree`).
pub fn validate_categories(categories: &[Category]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (index, category) in categories.iter().enumerate() {
        let label = format!("categories[{index}] (id {:?})", category.id);
        check_key(&label, "id", &category.id)?;
        if category.name.trim().is_empty() || category.name.chars().any(char::is_control) {
            return Err(Error::invalid_data(
                format!("{label}.name"),
                "must be a name without control characters",
            ));
        }
        if let Some(parent) = &category.parent_id {
            check_key(&label, "parent_id", parent)?;
        }
        if let Some(first) = seen.insert(category.id.as_str(), index) {
            return Err(Error::invalid_data(
                label,
                format!("id repeats categories[{first}] in the same batch"),
            ));
        }
    }
    Ok(())
}

/// Checks the tree the catalog would hold: every parent exists, and going up from any category
/// never comes back to it. `tree` maps each id to its parent; `batch` lists the ids just given,
/// checked first so an error names one of them; `label` names a category by id.
pub fn check_tree(
    tree: &BTreeMap<String, Option<String>>,
    batch: &[&str],
    label: impl Fn(&str) -> String,
) -> Result<()> {
    let ids = batch.iter().copied().chain(tree.keys().map(String::as_str));
    for id in ids {
        let Some(parent) = tree.get(id) else { continue };
        if let Some(parent) = parent {
            if !tree.contains_key(parent) {
                return Err(Error::invalid_data(
                    format!("{}.parent_id", label(id)),
                    format!("category {parent:?} does not exist"),
                ));
            }
        }
        let mut path = vec![id];
        let mut at = parent.as_deref();
        while let Some(up) = at {
            if let Some(start) = path.iter().position(|seen| *seen == up) {
                // The cycle, named from the first of its categories met going up.
                let cycle = &path[start..];
                return Err(Error::invalid_data(
                    format!("{}.parent_id", label(up)),
                    format!(
                        "category {up:?} would be inside itself: {} > {up}",
                        cycle.join(" > ")
                    ),
                ));
            }
            path.push(up);
            at = tree.get(up).and_then(|p| p.as_deref());
        }
    }
    Ok(())
}

/// An identifier: not blank, no control characters, no surrounding spaces, not too long.
fn check_key(label: &str, field: &str, value: &str) -> Result<()> {
    let path = match (label.is_empty(), field.is_empty()) {
        (_, true) => label.to_string(),
        (true, false) => field.to_string(),
        (false, false) => format!("{label}.{field}"),
    };
    let problem = if value.is_empty() {
        Some("must not be empty".to_string())
    } else if value.trim() != value {
        Some(format!("{value:?} has leading or trailing spaces"))
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters".to_string())
    } else if value.chars().count() > MAX_KEY_CHARS {
        Some(format!("is longer than {MAX_KEY_CHARS} characters"))
    } else {
        None
    };
    match problem {
        Some(message) => Err(Error::invalid_data(path, message)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product_json(variant: &str) -> String {
        format!(
            r#"[{{"erp_id":"P-1","name":"Camiseta","show_in_store":true,"sync_stock":true,
                 "variants":[{variant}]}}]"#
        )
    }

    fn parse_products(json_text: &str) -> Result<Vec<Product>> {
        let products = super::parse_products(json_text)?;
        validate_products(&products)?;
        Ok(products)
    }

    fn parse_stock(json_text: &str) -> Result<Vec<StockLevel>> {
        let levels = super::parse_stock(json_text)?;
        validate_stock(&levels)?;
        Ok(levels)
    }

    #[test]
    fn a_minimal_product_gets_brl_and_no_stock_change() {
        let products =
            parse_products(&product_json(r#"{"sku":"CAM-1","price_cents":4990}"#)).unwrap();
        assert_eq!(products[0].currency, "BRL");
        assert_eq!(products[0].variants[0].stock_levels(), None);
    }

    #[test]
    fn a_negative_price_names_the_product_and_field() {
        let err = parse_products(&product_json(r#"{"sku":"CAM-1","price_cents":-1}"#)).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"products[0] (erp_id "P-1").variants[0].price_cents: must not be negative"#
        );
    }

    #[test]
    fn a_price_as_decimal_string_is_a_shape_error_with_path() {
        let err =
            parse_products(&product_json(r#"{"sku":"CAM-1","price_cents":"49.90"}"#)).unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }));
        assert!(
            err.to_string()
                .starts_with(r#"products[0] (erp_id "P-1").variants[0].price_cents: invalid type"#),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_rather_than_ignored() {
        let err = parse_products(&product_json(r#"{"sku":"CAM-1","prize_cents":10}"#)).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `prize_cents`"),
            "{err}"
        );
    }

    #[test]
    fn stock_and_stock_by_warehouse_together_are_refused() {
        let err = parse_products(&product_json(
            r#"{"sku":"CAM-1","stock":1,"stock_by_warehouse":{"CD":2}}"#,
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("either stock or stock_by_warehouse"),
            "{err}"
        );
    }

    #[test]
    fn promo_above_price_is_refused() {
        let err = parse_products(&product_json(
            r#"{"sku":"CAM-1","price_cents":100,"promo_price_cents":150}"#,
        ))
        .unwrap_err();
        assert!(err
            .to_string()
            .ends_with("promo_price_cents: 150 is above the price of 100"));
    }

    #[test]
    fn a_product_without_variants_is_refused() {
        let err = parse_products(
            r#"[{"erp_id":"P-1","show_in_store":true,"sync_stock":true,"variants":[]}]"#,
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains(".variants: a product needs at least one variant"));
    }

    #[test]
    fn a_repeated_sku_inside_one_product_is_refused_but_not_across_products() {
        let err = parse_products(&product_json(r#"{"sku":"A"},{"sku":"A"}"#)).unwrap_err();
        assert!(err.to_string().contains("variants[1].sku"), "{err}");
        let two = r#"[{"erp_id":"P-1","show_in_store":true,"sync_stock":true,"variants":[{"sku":"A"}]},
                      {"erp_id":"P-2","show_in_store":true,"sync_stock":true,"variants":[{"sku":"A"}]}]"#;
        assert_eq!(parse_products(two).unwrap().len(), 2);
    }

    #[test]
    fn keys_with_spaces_or_control_characters_are_refused() {
        for sku in [" A", "A ", "A\\u0000B", ""] {
            let err = parse_products(&product_json(&format!(r#"{{"sku":"{sku}"}}"#))).unwrap_err();
            assert!(err.to_string().contains("variants[0].sku"), "{sku}: {err}");
        }
    }

    #[test]
    fn stock_levels_default_to_the_main_warehouse_and_refuse_repeats() {
        let levels =
            parse_stock(r#"[{"sku":"A","quantity":3},{"sku":"A","warehouse":"CD","quantity":1}]"#)
                .unwrap();
        assert_eq!(levels[0].warehouse, MAIN_WAREHOUSE);
        let err =
            parse_stock(r#"[{"sku":"A","quantity":3},{"sku":"A","quantity":1}]"#).unwrap_err();
        assert!(
            err.to_string().starts_with(r#"stock[1] (sku "A")"#),
            "{err}"
        );
    }

    #[test]
    fn a_product_key_is_an_erp_id_or_a_sku() {
        assert_eq!(
            parse_product_key(r#"{"sku":"A"}"#).unwrap(),
            ProductKey::Sku("A".into())
        );
        assert_eq!(
            parse_product_key(r#"{"erp_id":"P"}"#).unwrap(),
            ProductKey::ErpId("P".into())
        );
        assert!(parse_product_key(r#"{"ean":"789"}"#).is_err());
    }
}

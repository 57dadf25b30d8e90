//! The catalog mirror: what the ERP last said about its products, brands and stock.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::NOW;
use crate::error::{Error, Result};
use crate::model::catalog::{
    Brand, CatalogProduct, Product, ProductKey, StockLevel, MAIN_WAREHOUSE,
};

/// What a batch of brands changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UpsertSummary {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What a batch of products changed; stock given inside the products is counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProductsSummary {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub stock_changed: u64,
    /// Picture files read: those new, or whose size or modification time moved since they were
    /// last read. The others keep the digest recorded then.
    pub pictures_read: u64,
}

/// What a batch of stock levels changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StockSummary {
    pub changed: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RetireSummary {
    pub retired: u64,
    pub already_retired: u64,
}

enum Change {
    Created,
    Updated,
    Unchanged,
}

pub fn put_brands(tx: &Transaction<'_>, brands: &[Brand]) -> Result<UpsertSummary> {
    let mut summary = UpsertSummary::default();
    let mut find =
        tx.prepare_cached("SELECT name, show_in_electronic_order FROM brand WHERE id = ?1")?;
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO brand (id, name, show_in_electronic_order, version, updated_at)
         VALUES (?1, ?2, ?3, 1, {NOW})
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name,
             show_in_electronic_order = excluded.show_in_electronic_order,
             version = version + 1,
             updated_at = excluded.updated_at"
    ))?;
    for brand in brands {
        let existing: Option<(String, bool)> = find
            .query_row([&brand.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let change = match existing {
            None => Change::Created,
            Some((name, shown))
                if name == brand.name && shown == brand.show_in_electronic_order =>
            {
                Change::Unchanged
            }
            Some(_) => Change::Updated,
        };
        match change {
            Change::Unchanged => summary.unchanged += 1,
            Change::Created => summary.created += 1,
            Change::Updated => summary.updated += 1,
        }
        if !matches!(change, Change::Unchanged) {
            upsert.execute(params![
                brand.id,
                brand.name,
                brand.show_in_electronic_order
            ])?;
        }
    }
    Ok(summary)
}

/// Upserts products. A product whose content did not change keeps its version, so sync can tell
/// what to send by versions alone; putting a retired product back makes it live again.
pub fn put_products(tx: &Transaction<'_>, products: &[Product]) -> Result<ProductsSummary> {
    let mut summary = ProductsSummary::default();
    let mut find = tx.prepare_cached("SELECT doc, retired_at FROM product WHERE erp_id = ?1")?;
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO product (erp_id, doc, version, retired_at, updated_at)
         VALUES (?1, ?2, 1, NULL, {NOW})
         ON CONFLICT (erp_id) DO UPDATE SET
             doc = excluded.doc,
             version = version + 1,
             retired_at = NULL,
             updated_at = excluded.updated_at"
    ))?;
    let mut clear_variants = tx.prepare_cached("DELETE FROM variant WHERE product_erp_id = ?1")?;
    let mut add_variant = tx.prepare_cached(
        "INSERT INTO variant (product_erp_id, sku, ean, barcode, position) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;

    for product in products {
        let doc = canonical_doc(product)?;
        let existing: Option<(String, Option<String>)> = find
            .query_row([&product.erp_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match existing {
            Some((old_doc, None)) if old_doc == doc => summary.unchanged += 1,
            existing => {
                if existing.is_some() {
                    summary.updated += 1;
                } else {
                    summary.created += 1;
                }
                upsert.execute(params![product.erp_id, doc])?;
                clear_variants.execute([&product.erp_id])?;
                for (position, variant) in product.variants.iter().enumerate() {
                    add_variant.execute(params![
                        product.erp_id,
                        variant.sku,
                        variant.ean,
                        variant.barcode,
                        position as i64
                    ])?;
                }
            }
        }
        for variant in &product.variants {
            if let Some(levels) = variant.stock_levels() {
                summary.stock_changed += replace_stock(tx, &variant.sku, &levels)?;
            }
        }
    }
    Ok(summary)
}

/// Sets stock levels by SKU and warehouse, the path the ERP calls most. Every SKU must belong to a
/// catalog product.
pub fn put_stock(tx: &Transaction<'_>, levels: &[StockLevel]) -> Result<StockSummary> {
    let mut summary = StockSummary::default();
    let mut known = tx.prepare_cached("SELECT 1 FROM variant WHERE sku = ?1 LIMIT 1")?;
    for (index, level) in levels.iter().enumerate() {
        if !known.exists([&level.sku])? {
            return Err(Error::NotFound(format!(
                "stock[{index}] (sku {:?}): no catalog product has this SKU; put the product first",
                level.sku
            )));
        }
        if set_stock(tx, &level.sku, &level.warehouse, level.quantity)? {
            summary.changed += 1;
        } else {
            summary.unchanged += 1;
        }
    }
    Ok(summary)
}

/// Marks products as retired by the ERP. What happens to them in a store is sync's decision.
pub fn retire_products(tx: &Transaction<'_>, erp_ids: &[String]) -> Result<RetireSummary> {
    let mut summary = RetireSummary::default();
    let mut find =
        tx.prepare_cached("SELECT retired_at IS NOT NULL FROM product WHERE erp_id = ?1")?;
    let mut retire = tx.prepare_cached(&format!(
        "UPDATE product SET retired_at = {NOW}, version = version + 1, updated_at = {NOW}
         WHERE erp_id = ?1"
    ))?;
    for (index, erp_id) in erp_ids.iter().enumerate() {
        let retired: Option<bool> = find.query_row([erp_id], |row| row.get(0)).optional()?;
        match retired {
            None => {
                return Err(Error::NotFound(format!(
                    "erp_ids[{index}]: no catalog product has erp_id {erp_id:?}"
                )))
            }
            Some(true) => summary.already_retired += 1,
            Some(false) => {
                retire.execute([erp_id])?;
                summary.retired += 1;
            }
        }
    }
    Ok(summary)
}

/// Reads a product, with its stock, by ERP id or SKU.
pub fn get_product(tx: &Transaction<'_>, key: &ProductKey) -> Result<CatalogProduct> {
    let erp_id = match key {
        ProductKey::ErpId(erp_id) => erp_id.clone(),
        ProductKey::Sku(sku) => {
            let mut owners = tx.prepare_cached(
                "SELECT DISTINCT product_erp_id FROM variant WHERE sku = ?1 ORDER BY product_erp_id",
            )?;
            let ids = owners
                .query_map([sku], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            match ids.as_slice() {
                [] => {
                    return Err(Error::NotFound(format!(
                        "no catalog product has SKU {sku:?}"
                    )))
                }
                [one] => one.clone(),
                many => {
                    return Err(Error::Conflict(format!(
                        "SKU {sku:?} belongs to {} products: {}; look them up by erp_id",
                        many.len(),
                        many.join(", ")
                    )))
                }
            }
        }
    };
    let row: Option<(String, Option<String>, String)> = tx
        .prepare_cached("SELECT doc, retired_at, updated_at FROM product WHERE erp_id = ?1")?
        .query_row([&erp_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    let Some((doc, retired_at, updated_at)) = row else {
        return Err(Error::NotFound(format!(
            "no catalog product has erp_id {erp_id:?}"
        )));
    };
    let mut product: Product = serde_json::from_str(&doc)
        .map_err(|err| Error::Storage(format!("product {erp_id:?} is unreadable: {err}")))?;
    let mut levels = tx.prepare_cached(
        "SELECT warehouse, quantity FROM stock WHERE sku = ?1 ORDER BY warehouse",
    )?;
    for variant in &mut product.variants {
        let stock: BTreeMap<String, i64> = levels
            .query_map([&variant.sku], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Shown in the shape it was most likely given in, so a read gives back what was put.
        match stock.get(MAIN_WAREHOUSE) {
            Some(quantity) if stock.len() == 1 => variant.stock = Some(*quantity),
            _ if stock.is_empty() => {}
            _ => variant.stock_by_warehouse = Some(stock),
        }
    }
    Ok(CatalogProduct {
        product,
        retired_at,
        updated_at,
    })
}

/// The product without its stock, serialized the same way every time.
fn canonical_doc(product: &Product) -> Result<String> {
    let mut bare = product.clone();
    for variant in &mut bare.variants {
        variant.stock = None;
        variant.stock_by_warehouse = None;
    }
    serde_json::to_string(&bare).map_err(|err| Error::Storage(err.to_string()))
}

/// Makes `levels` the whole stock picture of `sku`; returns how many rows changed.
fn replace_stock(tx: &Transaction<'_>, sku: &str, levels: &[(String, i64)]) -> Result<u64> {
    let mut changed = 0;
    let mut warehouses = tx.prepare_cached("SELECT warehouse FROM stock WHERE sku = ?1")?;
    let existing = warehouses
        .query_map([sku], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut remove = tx.prepare_cached("DELETE FROM stock WHERE sku = ?1 AND warehouse = ?2")?;
    for warehouse in existing {
        if !levels.iter().any(|(w, _)| *w == warehouse) {
            remove.execute([sku, &warehouse])?;
            stock_moved(tx, sku)?;
            changed += 1;
        }
    }
    for (warehouse, quantity) in levels {
        if set_stock(tx, sku, warehouse, *quantity)? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Sets one stock level; its version moves only when the quantity does.
fn set_stock(tx: &Transaction<'_>, sku: &str, warehouse: &str, quantity: i64) -> Result<bool> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO stock (sku, warehouse, quantity, version, updated_at)
         VALUES (?1, ?2, ?3, 1, {NOW})
         ON CONFLICT (sku, warehouse) DO UPDATE SET
             quantity = excluded.quantity,
             version = version + 1,
             updated_at = excluded.updated_at
         WHERE quantity <> excluded.quantity"
    ))?;
    let changed = upsert.execute(params![sku, warehouse, quantity])? > 0;
    if changed {
        stock_moved(tx, sku)?;
    }
    Ok(changed)
}

/// Moves the stock version of the products that have `sku`, so sync plans them again.
fn stock_moved(tx: &Transaction<'_>, sku: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE product SET stock_version = stock_version + 1
         WHERE erp_id IN (SELECT product_erp_id FROM variant WHERE sku = ?1)",
    )?
    .execute([sku])?;
    Ok(())
}

/// The whole catalog without stock, for resolving order lines.
pub struct CatalogSnapshot {
    /// Each product with whether the ERP retired it.
    pub products: Vec<(Product, bool)>,
    pub brands: Vec<Brand>,
}

pub fn snapshot(tx: &Transaction<'_>) -> Result<CatalogSnapshot> {
    let mut products = Vec::new();
    let mut statement = tx.prepare_cached(
        "SELECT erp_id, doc, retired_at IS NOT NULL FROM product ORDER BY erp_id",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        products.push(read_product(
            row.get(0)?,
            &row.get::<_, String>(1)?,
            row.get(2)?,
        )?);
    }
    Ok(CatalogSnapshot {
        products,
        brands: brands(tx)?,
    })
}

fn read_product(erp_id: String, doc: &str, retired: bool) -> Result<(Product, bool)> {
    let product: Product = serde_json::from_str(doc)
        .map_err(|err| Error::Storage(format!("product {erp_id:?} is unreadable: {err}")))?;
    Ok((product, retired))
}

/// These products (those that exist), in the order given, each with whether the ERP retired
/// it, and the stock of their SKUs by warehouse.
#[allow(clippy::type_complexity)]
pub fn products_with_stock(
    tx: &Transaction<'_>,
    erp_ids: &[String],
) -> Result<(
    Vec<(Product, bool)>,
    BTreeMap<String, BTreeMap<String, i64>>,
)> {
    let mut products = Vec::with_capacity(erp_ids.len());
    let mut statement =
        tx.prepare_cached("SELECT doc, retired_at IS NOT NULL FROM product WHERE erp_id = ?1")?;
    for erp_id in erp_ids {
        let row = statement
            .query_row([erp_id], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))
            .optional()?;
        if let Some((doc, retired)) = row {
            products.push(read_product(erp_id.clone(), &doc, retired)?);
        }
    }
    let mut stock = BTreeMap::new();
    let mut statement =
        tx.prepare_cached("SELECT warehouse, quantity FROM stock WHERE sku = ?1")?;
    for (product, _) in &products {
        for variant in &product.variants {
            let levels: BTreeMap<String, i64> = statement
                .query_map([&variant.sku], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            if !levels.is_empty() {
                stock.insert(variant.sku.clone(), levels);
            }
        }
    }
    Ok((products, stock))
}

/// Every brand, by id order.
pub fn brands(tx: &Transaction<'_>) -> Result<Vec<Brand>> {
    Ok(tx
        .prepare_cached("SELECT id, name, show_in_electronic_order FROM brand ORDER BY id")?
        .query_map([], |row| {
            Ok(Brand {
                id: row.get(0)?,
                name: row.get(1)?,
                show_in_electronic_order: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Quantities held by store orders (reservations, orders not confirmed by the ERP), by SKU, in
/// every integration.
pub fn held(tx: &Transaction<'_>) -> Result<BTreeMap<String, i64>> {
    Ok(tx
        .prepare_cached("SELECT sku, SUM(quantity) FROM stock_hold GROUP BY sku")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<BTreeMap<String, i64>>>()?)
}

/// Every product's ERP id, in order.
pub fn erp_ids(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut statement = tx.prepare_cached("SELECT erp_id FROM product ORDER BY erp_id")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The live products sharing a SKU or an EAN with another live product, with the ERP ids using
/// each such key: all sync's duplicate rules need, without reading the catalog.
pub struct SharedKeys {
    pub skus: BTreeMap<String, BTreeSet<String>>,
    pub eans: BTreeMap<String, BTreeSet<String>>,
}

impl SharedKeys {
    /// Every product that shares a key.
    pub fn products(&self) -> BTreeSet<String> {
        self.skus
            .values()
            .chain(self.eans.values())
            .flatten()
            .cloned()
            .collect()
    }
}

pub fn shared_keys(tx: &Transaction<'_>) -> Result<SharedKeys> {
    // Keys found twice come from the key's own index alone; only their few rows are then read,
    // and those of retired products left out.
    let shared = |column: &str| -> Result<BTreeMap<String, BTreeSet<String>>> {
        let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut statement = tx.prepare_cached(&format!(
            "SELECT v.{column}, v.product_erp_id FROM variant v
             JOIN product p ON p.erp_id = v.product_erp_id AND p.retired_at IS NULL
             WHERE v.{column} IN (
                 SELECT {column} FROM variant WHERE {column} IS NOT NULL
                 GROUP BY {column} HAVING COUNT(*) > 1)"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            keys.entry(row.get(0)?).or_default().insert(row.get(1)?);
        }
        keys.retain(|_, owners| owners.len() > 1);
        Ok(keys)
    };
    Ok(SharedKeys {
        skus: shared("sku")?,
        eans: shared("ean")?,
    })
}

/// The products that have any of `skus`.
pub fn products_with_skus(
    tx: &Transaction<'_>,
    skus: impl IntoIterator<Item = impl AsRef<str>>,
) -> Result<BTreeSet<String>> {
    let mut statement =
        tx.prepare_cached("SELECT DISTINCT product_erp_id FROM variant WHERE sku = ?1")?;
    let mut found = BTreeSet::new();
    for sku in skus {
        let ids = statement
            .query_map([sku.as_ref()], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        found.extend(ids);
    }
    Ok(found)
}

/// The brands' count and the sum of their versions: either moves when any brand changes.
pub fn brand_versions(tx: &Transaction<'_>) -> Result<(u64, i64)> {
    let (count, sum): (i64, i64) = tx.query_row(
        "SELECT COUNT(*), COALESCE(SUM(version), 0) FROM brand",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok((count.max(0) as u64, sum))
}

/// How many products the catalog holds.
pub fn product_count(tx: &Transaction<'_>) -> Result<u64> {
    let count: i64 = tx.query_row("SELECT COUNT(*) FROM product", [], |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

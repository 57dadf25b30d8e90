//! The ERP's category tree, and per integration the store category each ERP category became.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::catalog::UpsertSummary;
use super::NOW;
use crate::error::Result;
use crate::model::catalog::{check_tree, Category};

/// Upserts categories, after checking that the tree they make with the stored ones has every
/// parent and no cycle; `label` names a batch item by id for the error.
pub fn put(
    tx: &Transaction<'_>,
    categories: &[Category],
    label: impl Fn(&str) -> String,
) -> Result<UpsertSummary> {
    let mut tree: BTreeMap<String, Option<String>> =
        all(tx)?.into_iter().map(|c| (c.id, c.parent_id)).collect();
    for category in categories {
        tree.insert(category.id.clone(), category.parent_id.clone());
    }
    let batch: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
    check_tree(&tree, &batch, label)?;

    let mut summary = UpsertSummary::default();
    let mut find = tx.prepare_cached("SELECT name, parent_id FROM category WHERE id = ?1")?;
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO category (id, name, parent_id, version, updated_at)
         VALUES (?1, ?2, ?3, 1, {NOW})
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name,
             parent_id = excluded.parent_id,
             version = version + 1,
             updated_at = excluded.updated_at"
    ))?;
    for category in categories {
        let existing: Option<(String, Option<String>)> = find
            .query_row([&category.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match existing {
            Some((name, parent)) if name == category.name && parent == category.parent_id => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.created += 1,
        }
        upsert.execute(params![category.id, category.name, category.parent_id])?;
    }
    Ok(summary)
}

/// Every category, by id.
pub fn all(tx: &Transaction<'_>) -> Result<Vec<Category>> {
    Ok(tx
        .prepare_cached("SELECT id, name, parent_id FROM category ORDER BY id")?
        .query_map([], |row| {
            Ok(Category {
                id: row.get(0)?,
                name: row.get(1)?,
                parent_id: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The store category of each ERP category this integration has found or created.
pub fn links(tx: &Transaction<'_>, integration: &str) -> Result<BTreeMap<String, String>> {
    Ok(tx
        .prepare_cached(
            "SELECT erp_category_id, store_category_id FROM category_link WHERE integration_id = ?1",
        )?
        .query_map([integration], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<BTreeMap<_, _>>>()?)
}

/// Records that `erp_category` is `store_category` in this integration's store: found there by
/// its name path (`created` false), or created by Ponte.
pub fn link(
    tx: &Transaction<'_>,
    integration: &str,
    erp_category: &str,
    store_category: &str,
    created: bool,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO category_link (integration_id, erp_category_id, store_category_id, how, created_at)
         VALUES (?1, ?2, ?3, ?4, {NOW})
         ON CONFLICT (integration_id, erp_category_id) DO UPDATE SET
             store_category_id = excluded.store_category_id, how = excluded.how"
    ))?
    .execute(params![
        integration,
        erp_category,
        store_category,
        if created { "created" } else { "matched" }
    ])?;
    Ok(())
}

/// The digest of a picture file read before, if its size and modification time are the same.
pub fn known_picture(
    tx: &Transaction<'_>,
    path: &str,
    size: u64,
    modified_ns: i64,
) -> Result<Option<String>> {
    Ok(tx
        .prepare_cached(
            "SELECT digest FROM picture_file WHERE path = ?1 AND size = ?2 AND modified_ns = ?3",
        )?
        .query_row(params![path, size as i64, modified_ns], |row| row.get(0))
        .optional()?)
}

/// Records a picture file's digest at this size and modification time.
pub fn remember_picture(
    tx: &Transaction<'_>,
    path: &str,
    size: u64,
    modified_ns: i64,
    digest: &str,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO picture_file (path, size, modified_ns, digest, read_at)
         VALUES (?1, ?2, ?3, ?4, {NOW})
         ON CONFLICT (path) DO UPDATE SET
             size = excluded.size, modified_ns = excluded.modified_ns,
             digest = excluded.digest, read_at = excluded.read_at"
    ))?
    .execute(params![path, size as i64, modified_ns, digest])?;
    Ok(())
}

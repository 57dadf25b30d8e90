//! Integration configs as stored: everything but the credentials.

use rusqlite::{params, OptionalExtension, Transaction};

use super::NOW;
use crate::check::StoreFacts;
use crate::error::{Error, Result};
use crate::model::config::IntegrationConfig;

/// A config with the times it was first and last put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIntegration {
    pub config: IntegrationConfig,
    pub created_at: String,
    pub updated_at: String,
}

pub fn put(tx: &Transaction<'_>, config: &IntegrationConfig) -> Result<()> {
    // `credentials` is `skip_serializing`: this JSON never holds a secret.
    let json = serde_json::to_string(config).map_err(|err| Error::Storage(err.to_string()))?;
    tx.prepare_cached(&format!(
        "INSERT INTO integration (id, platform, config, created_at, updated_at)
         VALUES (?1, ?2, ?3, {NOW}, {NOW})
         ON CONFLICT (id) DO UPDATE SET
             platform = excluded.platform,
             config = excluded.config,
             updated_at = excluded.updated_at"
    ))?
    .execute(params![config.id, config.platform.name(), json])?;
    Ok(())
}

pub fn get(tx: &Transaction<'_>, id: &str) -> Result<StoredIntegration> {
    let row: Option<(String, String, String)> = tx
        .prepare_cached("SELECT config, created_at, updated_at FROM integration WHERE id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    let (json, created_at, updated_at) =
        row.ok_or_else(|| Error::IntegrationNotFound(id.to_string()))?;
    decode(id, &json, created_at, updated_at)
}

pub fn list(tx: &Transaction<'_>) -> Result<Vec<StoredIntegration>> {
    let mut statement = tx
        .prepare_cached("SELECT id, config, created_at, updated_at FROM integration ORDER BY id")?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, String, String, String)>>>()?;
    rows.into_iter()
        .map(|(id, json, created_at, updated_at)| decode(&id, &json, created_at, updated_at))
        .collect()
}

pub fn remove(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let removed = tx
        .prepare_cached("DELETE FROM integration WHERE id = ?1")?
        .execute([id])?;
    if removed == 0 {
        return Err(Error::IntegrationNotFound(id.to_string()));
    }
    Ok(())
}

fn decode(
    id: &str,
    json: &str,
    created_at: String,
    updated_at: String,
) -> Result<StoredIntegration> {
    let config = serde_json::from_str(json)
        .map_err(|err| Error::Storage(format!("integration {id:?} is unreadable: {err}")))?;
    Ok(StoredIntegration {
        config,
        created_at,
        updated_at,
    })
}

/// The facts the last check found about an integration's store.
pub fn store_facts(tx: &Transaction<'_>, id: &str) -> Result<Option<StoreFacts>> {
    let json: Option<String> = tx
        .prepare_cached("SELECT facts FROM store_facts WHERE integration_id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    json.map(|json| {
        serde_json::from_str(&json)
            .map_err(|err| Error::Storage(format!("store facts of {id:?} are unreadable: {err}")))
    })
    .transpose()
}

pub fn put_store_facts(tx: &Transaction<'_>, id: &str, facts: &StoreFacts) -> Result<()> {
    let json = serde_json::to_string(facts).map_err(|err| Error::Storage(err.to_string()))?;
    tx.prepare_cached(&format!(
        "INSERT INTO store_facts (integration_id, facts, updated_at) VALUES (?1, ?2, {NOW})
         ON CONFLICT (integration_id) DO UPDATE SET facts = excluded.facts, updated_at = excluded.updated_at"
    ))?
    .execute(params![id, json])?;
    Ok(())
}

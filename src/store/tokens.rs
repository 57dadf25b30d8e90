//! Where a rotating token pair stands, per integration: its generation (moved by every refresh),
//! and whether a refresh is under way, ended without the host saving the new pair, or left the
//! seller needing to authorise the app again. Never the tokens themselves: they live in the
//! host's keeping and in memory only.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::Result;

/// One integration's token state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    pub generation: i64,
    /// `ok`, `refreshing` (a refresh was sent and its end not recorded), `unsaved` (the new pair
    /// reached no host) or `reauthorize`.
    pub status: String,
    pub reason: Option<String>,
    pub changed_at: String,
}

pub fn get(tx: &Transaction<'_>, integration: &str) -> Result<TokenState> {
    Ok(tx
        .prepare_cached(
            "SELECT generation, status, reason, changed_at FROM token_state WHERE integration_id = ?1",
        )?
        .query_row([integration], |row| {
            Ok(TokenState {
                generation: row.get(0)?,
                status: row.get(1)?,
                reason: row.get(2)?,
                changed_at: row.get(3)?,
            })
        })
        .optional()?
        .unwrap_or(TokenState {
            generation: 0,
            status: "ok".into(),
            reason: None,
            changed_at: String::new(),
        }))
}

pub fn put(tx: &Transaction<'_>, integration: &str, state: &TokenState) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO token_state (integration_id, generation, status, reason, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (integration_id) DO UPDATE SET generation = excluded.generation,
             status = excluded.status, reason = excluded.reason, changed_at = excluded.changed_at",
    )?
    .execute(params![
        integration,
        state.generation,
        state.status,
        state.reason,
        state.changed_at
    ])?;
    Ok(())
}

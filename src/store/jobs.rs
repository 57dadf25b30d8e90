//! When each unattended job of an integration is next due, and how it last ended.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::Result;

/// One job's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobState {
    pub next_due: Option<i64>,
    pub last_started: Option<i64>,
    pub last_success: Option<i64>,
    pub last_failure: Option<i64>,
    pub last_error: Option<String>,
    pub failures: u32,
    pub last_summary: Option<String>,
}

pub fn get(tx: &Transaction<'_>, integration: &str, job: &str) -> Result<JobState> {
    Ok(tx
        .prepare_cached(
            "SELECT next_due, last_started, last_success, last_failure, last_error, failures, last_summary
             FROM job_state WHERE integration_id = ?1 AND job = ?2",
        )?
        .query_row([integration, job], |row| {
            Ok(JobState {
                next_due: row.get(0)?,
                last_started: row.get(1)?,
                last_success: row.get(2)?,
                last_failure: row.get(3)?,
                last_error: row.get(4)?,
                failures: row.get(5)?,
                last_summary: row.get(6)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

pub fn put(tx: &Transaction<'_>, integration: &str, job: &str, state: &JobState) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO job_state (integration_id, job, next_due, last_started, last_success, last_failure,
             last_error, failures, last_summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (integration_id, job) DO UPDATE SET
             next_due = excluded.next_due, last_started = excluded.last_started,
             last_success = excluded.last_success, last_failure = excluded.last_failure,
             last_error = excluded.last_error, failures = excluded.failures,
             last_summary = excluded.last_summary",
    )?
    .execute(params![
        integration,
        job,
        state.next_due,
        state.last_started,
        state.last_success,
        state.last_failure,
        state.last_error,
        state.failures,
        state.last_summary,
    ])?;
    Ok(())
}

/// What waits on an integration, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Backlog {
    /// Orders handed to the ERP, not confirmed or rejected yet.
    pub orders_pending: u64,
    /// Orders the store sent in a shape Ponte cannot read.
    pub orders_failed: u64,
    pub customers_pending: u64,
    pub events_pending: u64,
    /// Write-backs queued or in flight.
    pub writebacks_queued: u64,
    /// Write-backs the store answered but did not keep: they wait for a person.
    pub writebacks_failed: u64,
}

pub fn backlog(tx: &Transaction<'_>, integration: &str) -> Result<Backlog> {
    let count = |sql: &str| -> Result<u64> {
        Ok(tx
            .prepare_cached(sql)?
            .query_row([integration], |row| row.get::<_, i64>(0))? as u64)
    };
    Ok(Backlog {
        orders_pending: count(
            "SELECT count(*) FROM order_journal WHERE integration_id = ?1 AND state = 'pending'",
        )?,
        orders_failed: count(
            "SELECT count(*) FROM order_journal WHERE integration_id = ?1 AND state = 'failed'",
        )?,
        customers_pending: count(
            "SELECT count(*) FROM customer_handoff h JOIN customer c ON c.id = h.customer_id
             WHERE h.integration_id = ?1 AND (h.confirmed_revision IS NULL OR h.confirmed_revision < c.revision)",
        )?,
        events_pending: count(
            "SELECT count(*) FROM order_event WHERE integration_id = ?1 AND state = 'pending'",
        )?,
        writebacks_queued: count(
            "SELECT count(*) FROM writeback WHERE integration_id = ?1 AND state IN ('queued', 'in_flight')",
        )?,
        writebacks_failed: count(
            "SELECT count(*) FROM writeback WHERE integration_id = ?1 AND state = 'failed'",
        )?,
    })
}

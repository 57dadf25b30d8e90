//! Leases on sync and capture runs. A run takes its integration's lease before it talks to the
//! store and renews it as it goes; another handle, in this process or another, is refused while
//! the lease is held. A lease whose process has died (or is a zombie, or whose pid now names
//! another process), or that was not renewed in time, is taken over.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{process, Db};
use crate::error::{Error, Result};

/// How long a lease lasts without renewal; runs renew it after every page or batch.
pub const LEASE_SECONDS: i64 = 10 * 60;

/// Takes the lease `kind` on `integration` for `holder`, or says who has it.
pub fn acquire(db: &mut Db, integration: &str, kind: &str, holder: &str) -> Result<()> {
    let tx = db
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = crate::time::now_unix();
    let current: Option<(String, i64, Option<String>, i64)> = tx
        .prepare_cached(
            "SELECT holder, pid, pid_started, expires_at FROM run_lease WHERE integration_id = ?1 AND kind = ?2",
        )?
        .query_row([integration, kind], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    if let Some((other, pid, started, expires_at)) = current {
        if other != holder && expires_at > now && process::alive(pid, started.as_deref()) {
            return Err(Error::RunningElsewhere(format!(
                "a {kind} of integration '{integration}' is already running (process {pid}); try again when it ends"
            )));
        }
    }
    let me = i64::from(std::process::id());
    tx.prepare_cached(
        "INSERT INTO run_lease (integration_id, kind, holder, pid, pid_started, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (integration_id, kind) DO UPDATE SET holder = excluded.holder, pid = excluded.pid,
             pid_started = excluded.pid_started, expires_at = excluded.expires_at",
    )?
    .execute(params![integration, kind, holder, me, process::started(me), now + LEASE_SECONDS])?;
    tx.commit()?;
    Ok(())
}

/// Extends the lease, if `holder` still has it.
pub fn renew(db: &mut Db, integration: &str, kind: &str, holder: &str) -> Result<()> {
    db.write(|tx| {
        tx.prepare_cached("UPDATE run_lease SET expires_at = ?4 WHERE integration_id = ?1 AND kind = ?2 AND holder = ?3")?
            .execute(params![integration, kind, holder, crate::time::now_unix() + LEASE_SECONDS])?;
        Ok(())
    })
}

pub fn release(db: &mut Db, integration: &str, kind: &str, holder: &str) -> Result<()> {
    db.write(|tx| {
        tx.prepare_cached(
            "DELETE FROM run_lease WHERE integration_id = ?1 AND kind = ?2 AND holder = ?3",
        )?
        .execute(params![integration, kind, holder])?;
        Ok(())
    })
}

/// A run's lease, renewed by the engine as it goes.
#[derive(Debug, Clone)]
pub struct Lease {
    pub integration: String,
    pub kind: &'static str,
    pub holder: String,
}

impl Lease {
    /// Runs `work` holding the lease, and releases it whatever `work` returns.
    pub fn hold<T>(
        db: &mut Db,
        integration: &str,
        kind: &'static str,
        holder: &str,
        work: impl FnOnce(&mut Db, &Lease) -> Result<T>,
    ) -> Result<T> {
        acquire(db, integration, kind, holder)?;
        let lease = Lease {
            integration: integration.to_string(),
            kind,
            holder: holder.to_string(),
        };
        let result = work(db, &lease);
        // A lease left behind expires; the run's own result matters more than this cleanup.
        let _ = lease.release(db);
        result
    }

    pub fn renew(&self, db: &mut Db) -> Result<()> {
        renew(db, &self.integration, self.kind, &self.holder)
    }

    fn release(&self, db: &mut Db) -> Result<()> {
        release(db, &self.integration, self.kind, &self.holder)
    }
}

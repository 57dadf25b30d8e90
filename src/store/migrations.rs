//! Numbered schema migrations. Migration `n` takes `user_version` from `n - 1` to `n`; a shipped
//! migration is never edited, only followed by a new one.

use rusqlite::TransactionBehavior;

use super::{Db, APPLICATION_ID};
use crate::error::{Error, Result};

/// Tables for integrations, brands and the catalog mirror. Stock is keyed by SKU and warehouse
/// with a version per row, so a later sync can clear "dirty" with a compare-and-clear; products
/// carry a version for the same reason. Links, sync runs and the order journal come as later
/// migrations keyed by `integration.id`.
const V1: &str = "
CREATE TABLE integration (
    id          TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    config      TEXT NOT NULL,          -- JSON, never with credentials
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE brand (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    show_in_electronic_order  INTEGER NOT NULL CHECK (show_in_electronic_order IN (0, 1)),
    version                   INTEGER NOT NULL,
    updated_at                TEXT NOT NULL
) STRICT;

-- The product as the ERP sent it, without stock: `doc` is its canonical JSON, so an unchanged
-- product is recognised by comparing one column and its version does not move.
CREATE TABLE product (
    erp_id      TEXT PRIMARY KEY,
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    retired_at  TEXT,
    updated_at  TEXT NOT NULL
) STRICT;

-- The identity keys of each variant, for lookups by SKU, EAN and barcode.
CREATE TABLE variant (
    product_erp_id  TEXT NOT NULL REFERENCES product (erp_id) ON DELETE CASCADE,
    sku             TEXT NOT NULL,
    ean             TEXT,
    barcode         TEXT,
    position        INTEGER NOT NULL,
    PRIMARY KEY (product_erp_id, sku)
) STRICT;
CREATE INDEX variant_by_sku ON variant (sku);
CREATE INDEX variant_by_ean ON variant (ean) WHERE ean IS NOT NULL;
CREATE INDEX variant_by_barcode ON variant (barcode) WHERE barcode IS NOT NULL;

CREATE TABLE stock (
    sku         TEXT NOT NULL,
    warehouse   TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (sku, warehouse)
) STRICT;
";

/// Product sync: where each ERP product lives in each store and what was last pushed there, and
/// the history of sync runs. `state` is `in_doubt` between sending a create and learning its
/// outcome, and `unlinked` for a product whose create the store refused (its `last_error` says
/// why); a unique store id per integration makes a second link to one store product impossible.
const V2: &str = "
CREATE TABLE product_link (
    integration_id    TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    erp_id            TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('linked', 'in_doubt', 'unlinked')),
    store_product_id  TEXT,
    variants          TEXT NOT NULL,    -- JSON {sku: store id}
    pushed            TEXT,             -- JSON of the values last confirmed by the store
    pushed_at         TEXT,
    last_error        TEXT,             -- JSON {code, message} of the last failure, retried next run
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (integration_id, erp_id)
) STRICT;
CREATE UNIQUE INDEX product_link_by_store ON product_link (integration_id, store_product_id)
    WHERE store_product_id IS NOT NULL;

CREATE TABLE sync_run (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'interrupted')),
    options         TEXT NOT NULL,      -- JSON
    counts          TEXT NOT NULL,      -- JSON {outcome: count}
    requests        INTEGER NOT NULL DEFAULT 0,
    error           TEXT
) STRICT;
CREATE INDEX sync_run_by_integration ON sync_run (integration_id, id);

-- One row per product the run acted on or skipped; unchanged products are only counted.
CREATE TABLE sync_item (
    run_id   INTEGER NOT NULL REFERENCES sync_run (id) ON DELETE CASCADE,
    erp_id   TEXT NOT NULL,
    action   TEXT NOT NULL,
    result   TEXT NOT NULL,
    detail   TEXT NOT NULL,                -- JSON
    PRIMARY KEY (run_id, erp_id)
) STRICT;
";

/// Order capture: customers, the order journal (one row per store order, whatever happens), the
/// stock held by reservations and unconfirmed orders, the write-back outbox and the capture
/// watermark. The journal's primary key is what makes an order captured once.
const V3: &str = "
CREATE TABLE customer (
    id          INTEGER PRIMARY KEY,
    document    TEXT UNIQUE,                -- CPF or CNPJ, digits (and capitals) only
    email       TEXT,                       -- lower-case
    doc         TEXT NOT NULL,              -- JSON, as last seen
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX customer_by_email ON customer (email) WHERE email IS NOT NULL;

CREATE TABLE order_journal (
    integration_id    TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    store_order_id    TEXT NOT NULL,
    number            TEXT NOT NULL,
    state             TEXT NOT NULL
        CHECK (state IN ('pending', 'confirmed', 'rejected', 'reserved', 'failed', 'cancelled')),
    store_status      TEXT NOT NULL,
    created_at        TEXT,                 -- the store's, UTC
    modified_at       TEXT,                 -- the store's, UTC
    order_doc         TEXT,                 -- JSON of the order as read; NULL when unreadable
    sales_order       TEXT,                 -- JSON handed to the ERP
    customer_id       INTEGER REFERENCES customer (id),
    reasons           TEXT NOT NULL,        -- JSON list of rejections
    erp_order_number  TEXT,
    captured_at       TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (integration_id, store_order_id)
) STRICT;
CREATE INDEX order_journal_by_state ON order_journal (integration_id, state);

CREATE TABLE stock_hold (
    integration_id  TEXT NOT NULL,
    store_order_id  TEXT NOT NULL,
    sku             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('reservation', 'unconfirmed')),
    quantity        INTEGER NOT NULL,
    PRIMARY KEY (integration_id, store_order_id, sku),
    FOREIGN KEY (integration_id, store_order_id) REFERENCES order_journal ON DELETE CASCADE
) STRICT;
CREATE INDEX stock_hold_by_sku ON stock_hold (sku);

CREATE TABLE writeback (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL,
    store_order_id  TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('received', 'rejected', 'return', 'note')),
    value           TEXT NOT NULL,          -- the status, or the note's text
    state           TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'done')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (integration_id, store_order_id, kind),
    FOREIGN KEY (integration_id, store_order_id) REFERENCES order_journal ON DELETE CASCADE
) STRICT;

CREATE TABLE capture_state (
    integration_id  TEXT PRIMARY KEY REFERENCES integration (id) ON DELETE CASCADE,
    watermark       INTEGER NOT NULL,       -- Unix seconds of the newest modification captured
    updated_at      TEXT NOT NULL
) STRICT;
";

/// Leases, so that two processes never sync or capture the same integration at once: each would
/// otherwise write the same change back to the store twice.
const V4: &str = "
CREATE TABLE run_lease (
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('sync', 'capture')),
    holder          TEXT NOT NULL,          -- random id of the handle holding it
    pid             INTEGER NOT NULL,       -- its process, to recognise a holder that died
    expires_at      INTEGER NOT NULL,       -- Unix seconds
    PRIMARY KEY (integration_id, kind)
) STRICT;
";

/// A write-back can fail for good: the store answered but did not keep the status (WooCommerce
/// turns a status it does not know into `pending`). Such a write-back waits for a person, not
/// for the next capture. SQLite cannot change a CHECK, so the table is rebuilt.
const V5: &str = "
CREATE TABLE writeback_v5 (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL,
    store_order_id  TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('received', 'rejected', 'return', 'note')),
    value           TEXT NOT NULL,          -- the status, or the note's text
    state           TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (integration_id, store_order_id, kind),
    FOREIGN KEY (integration_id, store_order_id) REFERENCES order_journal ON DELETE CASCADE
) STRICT;
INSERT INTO writeback_v5 SELECT * FROM writeback;
DROP TABLE writeback;
ALTER TABLE writeback_v5 RENAME TO writeback;
";

/// What the last integration check found about each store (version, brands, GTIN, statuses),
/// so a plan made without the store still says which fields it cannot hold.
const V6: &str = "
CREATE TABLE store_facts (
    integration_id  TEXT PRIMARY KEY REFERENCES integration (id) ON DELETE CASCADE,
    facts           TEXT NOT NULL,          -- JSON
    updated_at      TEXT NOT NULL
) STRICT;
";

/// A lease records when its process started, so a pid reused by another process after the
/// holder died does not keep the lease.
const V7: &str = "
ALTER TABLE run_lease ADD COLUMN pid_started TEXT;  -- Linux: start time in ticks since boot
";

/// When the store last showed a linked product still there: links are checked again in turn,
/// so a product the merchant deleted in the store is noticed and sent again.
const V8: &str = "
ALTER TABLE product_link ADD COLUMN verified_at TEXT;
";

/// A sync run can end `partial`: it stopped at its time limit and the next run goes on. SQLite
/// cannot change a CHECK, so the table is rebuilt (foreign keys are off during migrations, so
/// the runs' items are kept, and checked before the commit).
const V9: &str = "
CREATE TABLE sync_run_v9 (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'partial', 'cancelled', 'failed', 'interrupted')),
    options         TEXT NOT NULL,      -- JSON
    counts          TEXT NOT NULL,      -- JSON {outcome: count}
    requests        INTEGER NOT NULL DEFAULT 0,
    error           TEXT
) STRICT;
INSERT INTO sync_run_v9 SELECT * FROM sync_run;
DROP TABLE sync_run;
ALTER TABLE sync_run_v9 RENAME TO sync_run;
CREATE INDEX sync_run_by_integration ON sync_run (integration_id, id);
";

/// The order's life after capture. Customers are handed to the ERP once per integration, and
/// again when their data changes (`revision`). Order events (cancellations, refunds, status
/// changes, changes before confirmation) wait for the ERP's acknowledgement. A write-back
/// remembers the store status it was queued over, so one the store moved past meanwhile is
/// `dropped`, never sent; fulfilment (status, invoice and tracking meta, the shopper's note) goes
/// through the same outbox. SQLite cannot change a CHECK, so `writeback` is rebuilt.
const V10: &str = "
ALTER TABLE customer ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

CREATE TABLE customer_handoff (
    integration_id      TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    customer_id         INTEGER NOT NULL REFERENCES customer (id),
    erp_customer_id     TEXT,               -- the ERP's id, once it confirmed
    confirmed_revision  INTEGER,            -- the customer's revision the ERP has
    offered_at          TEXT NOT NULL,
    confirmed_at        TEXT,
    PRIMARY KEY (integration_id, customer_id)
) STRICT;

CREATE TABLE order_event (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL,
    store_order_id  TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('cancelled', 'refunded', 'status_changed', 'changed')),
    key             TEXT NOT NULL,          -- what makes it once: the refund id, the new status
    detail          TEXT NOT NULL,          -- JSON
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged')),
    created_at      TEXT NOT NULL,
    acknowledged_at TEXT,
    UNIQUE (integration_id, store_order_id, kind, key),
    FOREIGN KEY (integration_id, store_order_id) REFERENCES order_journal ON DELETE CASCADE
) STRICT;
CREATE INDEX order_event_pending ON order_event (integration_id, state, id);

CREATE TABLE writeback_v10 (
    id              INTEGER PRIMARY KEY,
    integration_id  TEXT NOT NULL,
    store_order_id  TEXT NOT NULL,
    kind            TEXT NOT NULL
        CHECK (kind IN ('received', 'rejected', 'return', 'note', 'fulfil', 'fulfil_meta', 'customer_note')),
    value           TEXT NOT NULL,          -- the status, the note's text, or the meta as JSON
    state           TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'done', 'failed', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    over_status     TEXT,                   -- the store status when queued
    UNIQUE (integration_id, store_order_id, kind),
    FOREIGN KEY (integration_id, store_order_id) REFERENCES order_journal ON DELETE CASCADE
) STRICT;
INSERT INTO writeback_v10 (id, integration_id, store_order_id, kind, value, state, attempts, last_error,
    created_at, updated_at)
    SELECT id, integration_id, store_order_id, kind, value, state, attempts, last_error, created_at, updated_at
    FROM writeback;
DROP TABLE writeback;
ALTER TABLE writeback_v10 RENAME TO writeback;
";

/// Unattended runs: per integration and job, when it is next due, how it last ended, and how
/// many times in a row it failed (its backoff). A capture cut short by its caller's time limit
/// leaves `resume` set, so the next goes on from where it proved instead of reading the overlap
/// window again first, which a short limit would spend entirely.
const V11: &str = "
ALTER TABLE capture_state ADD COLUMN resume INTEGER NOT NULL DEFAULT 0;

CREATE TABLE job_state (
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    job             TEXT NOT NULL CHECK (job IN ('capture', 'stock', 'full_sync')),
    next_due        INTEGER,                -- Unix seconds; NULL: due now
    last_started    INTEGER,
    last_success    INTEGER,
    last_failure    INTEGER,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,  -- in a row
    last_summary    TEXT,                   -- what the last run did, in a line
    PRIMARY KEY (integration_id, job)
) STRICT;
";

/// Planning by versions: a product's `stock_version` moves when the stock of any of its SKUs
/// changes, and a link's `settled` (sync's context digest), `settled_version` and
/// `settled_stock` hold the stamp at which the store was known to hold everything sync would
/// send. A sync plans only products whose stamp moved; any change to a link clears `settled`.
const V12: &str = "
ALTER TABLE product ADD COLUMN stock_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE product_link ADD COLUMN settled TEXT;
ALTER TABLE product_link ADD COLUMN settled_version INTEGER;
ALTER TABLE product_link ADD COLUMN settled_stock INTEGER;
";

/// The whole product page: the ERP's category tree; per integration, the store category each
/// ERP category became (found by its name path, or created by Ponte); and the picture files
/// Ponte has read, so a file whose size and modification time did not move is never read again.
const V13: &str = "
CREATE TABLE category (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   TEXT,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE category_link (
    integration_id     TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    erp_category_id    TEXT NOT NULL,
    store_category_id  TEXT NOT NULL,
    how                TEXT NOT NULL CHECK (how IN ('matched', 'created')),
    created_at         TEXT NOT NULL,
    PRIMARY KEY (integration_id, erp_category_id)
) STRICT;

CREATE TABLE picture_file (
    path         TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    modified_ns  INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    read_at      TEXT NOT NULL
) STRICT;
";

const V14: &str = "
CREATE TABLE webhook_order (
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    store_order_id  TEXT NOT NULL,
    event           TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (integration_id, store_order_id)
) STRICT;
";

/// Rotating tokens (Mercado Livre): where each integration's pair stands, never the pair, and a
/// `token` lease so one refresh runs at a time. SQLite cannot change a CHECK, so the lease table
/// is rebuilt.
const V15: &str = "
CREATE TABLE run_lease_new (
    integration_id  TEXT NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('sync', 'capture', 'token')),
    holder          TEXT NOT NULL,
    pid             INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    pid_started     TEXT,
    PRIMARY KEY (integration_id, kind)
) STRICT;
INSERT INTO run_lease_new (integration_id, kind, holder, pid, expires_at, pid_started)
    SELECT integration_id, kind, holder, pid, expires_at, pid_started FROM run_lease;
DROP TABLE run_lease;
ALTER TABLE run_lease_new RENAME TO run_lease;

CREATE TABLE token_state (
    integration_id  TEXT PRIMARY KEY REFERENCES integration (id) ON DELETE CASCADE,
    generation      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'refreshing', 'unsaved', 'reauthorize')),
    reason          TEXT,
    changed_at      TEXT NOT NULL
) STRICT;
";

const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn refuse_newer(path: &str, found: i64) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(Error::StateFileTooNew {
            path: path.to_string(),
            found,
            supported: SCHEMA_VERSION,
            version: crate::VERSION,
        });
    }
    Ok(())
}

/// Applies the missing migrations in one `BEGIN IMMEDIATE` transaction. Two processes opening an
/// old file at once both wait for the lock; the second re-reads the version and finds nothing to do.
pub(super) fn migrate(db: &mut Db) -> Result<()> {
    let current: i64 = db
        .conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    // A table rebuilt by a migration would take its children with it (ON DELETE CASCADE) while
    // foreign keys are enforced; SQLite's procedure is to turn them off, outside the transaction,
    // and check them before the commit.
    db.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let migrated = (|| {
        let tx = db
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        refuse_newer(&db.path, current)?;
        for sql in MIGRATIONS.iter().skip(current as usize) {
            tx.execute_batch(sql)?;
        }
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if broken > 0 {
            return Err(Error::StateFileCorrupt {
                path: db.path.clone(),
                reason: format!("{broken} rows point at rows that are not there"),
            });
        }
        // PRAGMA takes no parameters; both values are constants of this file.
        tx.execute_batch(&format!(
            "PRAGMA user_version = {SCHEMA_VERSION}; PRAGMA application_id = {APPLICATION_ID};"
        ))?;
        tx.commit()?;
        Ok(current)
    })();
    db.conn.execute_batch("PRAGMA foreign_keys = ON")?;
    let current = migrated?;
    log::info!(target: "ponte::store", "state file migrated from schema {current} to {SCHEMA_VERSION}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state file of schema 8 with a sync run and its items, migrated to the current schema,
    /// keeps them all: rebuilding `sync_run` must not cascade into `sync_item`.
    #[test]
    fn rebuilding_a_table_keeps_the_rows_that_point_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..8] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(&format!(
                "PRAGMA user_version = 8; PRAGMA application_id = {APPLICATION_ID};
                 PRAGMA journal_mode = WAL;
                 INSERT INTO integration VALUES ('loja', 'woocommerce', '{{}}', 'x', 'x');
                 INSERT INTO sync_run (integration_id, started_at, status, options, counts)
                     VALUES ('loja', 'x', 'completed', '{{}}', '{{}}');
                 INSERT INTO sync_item VALUES (1, 'P1', 'create', 'ok', '{{}}');"
            ))
            .unwrap();
        }
        let db = Db::open(&path).unwrap();
        let items: i64 = db
            .conn
            .query_row("SELECT count(*) FROM sync_item", [], |r| r.get(0))
            .unwrap();
        let version: i64 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!((items, version), (1, SCHEMA_VERSION));
        let enforced: i64 = db
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(enforced, 1);
    }
}

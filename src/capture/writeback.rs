//! The write-back outbox: statuses and notes Ponte owes a store, sent until the store has them.
//!
//! A write-back is marked in flight before it is sent, so one whose answer is lost (a crash, a
//! dropped connection) is checked in the store before it is sent again: a status change or a note
//! reaches the store once. A status counts as written only when the store reports the order in
//! that status afterwards: WooCommerce answers 200 to a status it does not know and keeps the
//! order in `pending`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::model::config::{IntegrationConfig, Locale};
use crate::parallel::LogRelay;
use crate::platform::{ItemError, OrderQuery, OrderSort, Platform, StatusUpdate};
use crate::store::orders::{self as journal, Writeback};
use crate::store::Db;

/// Notes recorded per transaction: a crash leaves at most this many to check in the store.
const NOTES_PER_ROUND: usize = 100;

/// What a flush of the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flushed {
    pub done: u64,
    /// Statuses the store did not keep; they wait for a person, not for the next capture.
    pub failed: u64,
    /// Still to send, or to check.
    pub waiting: u64,
    /// Statuses not sent because the store's status moved on since they were queued.
    pub dropped: u64,
}

impl Flushed {
    /// Adds a later flush: its counts to these, its `waiting` instead of these.
    pub fn add(&mut self, later: Flushed) {
        self.done += later.done;
        self.failed += later.failed;
        self.dropped += later.dropped;
        self.waiting = later.waiting;
    }
}

/// Sends the queued write-backs: statuses in batches, notes a few at a time.
pub(super) fn flush_writebacks(
    db: &mut Db,
    config: &IntegrationConfig,
    platform: &dyn Platform,
) -> Result<Flushed> {
    let integration = config.id.as_str();
    let outbox = db.read(|tx| journal::outbox(tx, integration))?;
    let mut flushed = Flushed::default();
    if outbox.is_empty() {
        return Ok(flushed);
    }
    let settled = settle_in_flight(db, platform, &outbox)?;
    flushed.done += settled.len() as u64;
    let dropped = drop_overtaken(db, config, &outbox)?;
    flushed.dropped = dropped.len() as u64;

    let (notes, rest): (Vec<&Writeback>, Vec<&Writeback>) = outbox
        .iter()
        .filter(|w| !settled.contains(&w.id) && !dropped.contains(&w.id))
        .partition(|w| is_note(w));
    let (metas, statuses): (Vec<&Writeback>, Vec<&Writeback>) =
        rest.into_iter().partition(|w| w.kind == "fulfil_meta");
    // The invoice and tracking first: the shipped status may e-mail the shopper, and a store
    // whose shipping action carries the tracking code (Nuvemshop's `fulfill`) reads it then.
    for w in metas {
        flushed.done += send_meta(db, platform, w)?;
    }
    let batch = platform.capabilities().max_batch.max(1);
    let batches: Vec<&[&Writeback]> = statuses.chunks(batch).collect();
    let concurrency = config.http.max_concurrent_requests.max(1) as usize;
    for round in batches.chunks(concurrency) {
        send_statuses(db, platform, config, round, &mut flushed)?;
    }
    let concurrency = config.order_capture.note_concurrency.max(1) as usize;
    for round in notes.chunks(NOTES_PER_ROUND) {
        flushed.done += send_notes(db, platform, round, concurrency)?;
    }
    flushed.waiting = db.read(|tx| journal::outbox(tx, integration))?.len() as u64;
    Ok(flushed)
}

fn is_note(w: &Writeback) -> bool {
    w.kind == "note" || w.kind == "customer_note"
}

/// Writes a fulfilment's order meta. Writing it again changes nothing, so one whose answer was
/// lost is simply sent again. Returns 1 when the store took it.
fn send_meta(db: &mut Db, platform: &dyn Platform, w: &Writeback) -> Result<u64> {
    let meta: Vec<(String, serde_json::Value)> = serde_json::from_str(&w.value)
        .map_err(|e| Error::Storage(format!("order {} meta: {e}", w.store_order_id)))?;
    match platform.update_order_meta(&w.store_order_id, &meta) {
        Ok(()) => {
            db.write(|tx| journal::writeback_set(tx, w.id, "done", None, true))?;
            Ok(1)
        }
        Err(error @ Error::Auth(_)) => Err(error),
        Err(error) => {
            let text = error.to_string();
            db.write(|tx| journal::writeback_set(tx, w.id, "queued", Some(&text), true))?;
            Ok(0)
        }
    }
}

/// Status write-backs queued over a store status the order no longer has (the merchant cancelled
/// it, say): sending them would overwrite the merchant's change, so they are dropped with the
/// reason. The journal's store status is the last one read, and each capture reads every order
/// modified since the last before it flushes. Returns their ids.
fn drop_overtaken(
    db: &mut Db,
    config: &IntegrationConfig,
    outbox: &[Writeback],
) -> Result<BTreeSet<i64>> {
    let integration = config.id.as_str();
    db.write(|tx| {
        let mut dropped = BTreeSet::new();
        for w in outbox.iter().filter(|w| w.state == "queued") {
            if !journal::STATUS_KINDS.contains(&w.kind.as_str()) {
                continue;
            }
            let Some(over) = w.over_status.as_deref() else {
                continue;
            };
            let now = journal::journal_get(tx, integration, &w.store_order_id)?
                .map(|row| row.store_status)
                .unwrap_or_default();
            if now != over && !set_by_ponte(tx, config, &w.store_order_id, &now)? {
                let reason = overtaken(config.locale, &w.store_order_id, &w.value, over, &now);
                log::warn!(target: "ponte::capture", "{reason}");
                journal::drop_queued_one(tx, w.id, &reason)?;
                dropped.insert(w.id);
            }
        }
        Ok(dropped)
    })
}

/// Whether `status` is one Ponte sets on an order it has accepted (the received, return and
/// shipped statuses, or any status write-back of this order): the store showing it is Ponte's own
/// doing, perhaps a write whose answer was lost and which a later status superseded, never a
/// change the merchant made.
pub(super) fn set_by_ponte(
    tx: &rusqlite::Transaction<'_>,
    config: &IntegrationConfig,
    store_order_id: &str,
    status: &str,
) -> Result<bool> {
    let capture = &config.order_capture;
    let configured = [
        &capture.received_status,
        &capture.return_status,
        &capture.shipped_status,
    ]
    .into_iter()
    .flatten()
    .any(|s| s == status);
    Ok(configured
        || journal::writebacks_of(tx, &config.id, store_order_id)?
            .iter()
            .any(|w| journal::STATUS_KINDS.contains(&w.kind.as_str()) && w.value == status))
}

fn overtaken(locale: Locale, order: &str, status: &str, over: &str, now: &str) -> String {
    match locale {
        Locale::PtBr => format!(
            "descartado: o status '{status}' foi enfileirado sobre '{over}', mas a loja já mudou o pedido {order} para '{now}'"
        ),
        Locale::En => format!(
            "dropped: status '{status}' was queued over '{over}', but the store has since moved order {order} to '{now}'"
        ),
    }
}

/// Write-backs whose answer was lost last time: marked done when the store already has them.
/// Returns their ids.
fn settle_in_flight(
    db: &mut Db,
    platform: &dyn Platform,
    outbox: &[Writeback],
) -> Result<BTreeSet<i64>> {
    let doubtful: Vec<&Writeback> = outbox.iter().filter(|w| w.state == "in_flight").collect();
    let mut settled = BTreeSet::new();
    if doubtful.is_empty() {
        return Ok(settled);
    }
    let ids: Vec<String> = doubtful
        .iter()
        .filter(|w| journal::STATUS_KINDS.contains(&w.kind.as_str()))
        .map(|w| w.store_order_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let query = OrderQuery {
            ids: chunk.to_vec(),
            sort: OrderSort::Id,
            ..OrderQuery::default()
        };
        let page = platform.list_orders(&query, 1)?;
        current.extend(page.items.into_iter().map(|o| (o.store_order_id, o.status)));
    }
    for w in &doubtful {
        let arrived = if is_note(w) {
            platform.order_notes(&w.store_order_id)?.contains(&w.value)
        } else {
            // Meta is sent again whatever happened: the same values change nothing.
            current.get(&w.store_order_id) == Some(&w.value)
        };
        if arrived {
            settled.insert(w.id);
        }
    }
    db.write(|tx| {
        for w in doubtful.iter().filter(|w| settled.contains(&w.id)) {
            journal::writeback_set(tx, w.id, "done", None, true)?;
            if journal::STATUS_KINDS.contains(&w.kind.as_str()) {
                journal::set_store_status(tx, &w.integration_id, &w.store_order_id, &w.value)?;
            }
        }
        Ok(())
    })?;
    Ok(settled)
}

/// Sends a round of status batches, all at once (up to `http.max_concurrent_requests`), and
/// records what the store then reports for each order. All are marked in flight first, so one
/// whose answer was lost is checked in the store before it is sent again.
fn send_statuses(
    db: &mut Db,
    platform: &dyn Platform,
    config: &IntegrationConfig,
    round: &[&[&Writeback]],
    flushed: &mut Flushed,
) -> Result<()> {
    let (integration, locale) = (config.id.as_str(), config.locale);
    db.write(|tx| {
        for w in round.iter().copied().flatten() {
            journal::writeback_set(tx, w.id, "in_flight", w.last_error.as_deref(), false)?;
        }
        Ok(())
    })?;
    let relay = LogRelay::new();
    let answers: Vec<Vec<std::result::Result<String, ItemError>>> = std::thread::scope(|scope| {
        let sent: Vec<_> = round
            .iter()
            .map(|chunk| {
                let updates: Vec<StatusUpdate> = chunk
                    .iter()
                    .map(|w| StatusUpdate {
                        store_order_id: w.store_order_id.clone(),
                        status: w.value.clone(),
                    })
                    .collect();
                let relay = relay.sender();
                scope.spawn(move || {
                    crate::parallel::on_helper(relay, || platform.set_order_statuses(&updates))
                })
            })
            .collect();
        sent.into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    relay.replay();
    crate::failpoint::reached("writeback.after_http_before_commit");
    let refused = answers.iter().flatten().find_map(|result| match result {
        Err(error) if matches!(error.status, 401 | 403) => Some(error.clone()),
        _ => None,
    });
    db.write(|tx| {
        for (chunk, results) in round.iter().zip(answers) {
            for (w, result) in chunk.iter().zip(results) {
                match result {
                    Ok(reported) if reported == w.value => {
                        journal::writeback_set(tx, w.id, "done", None, true)?;
                        journal::set_store_status(tx, integration, &w.store_order_id, &reported)?;
                        flushed.done += 1;
                    }
                    Ok(reported) => {
                        let reason = not_kept(locale, &w.store_order_id, &w.value, &reported);
                        log::warn!(target: "ponte::capture", "{reason}");
                        journal::writeback_set(tx, w.id, "failed", Some(&reason), true)?;
                        flushed.failed += 1;
                    }
                    // The answer may be lost: stay in flight, to be checked before a resend.
                    Err(error) if error.code == "ponte_transport" => {
                        journal::writeback_set(tx, w.id, "in_flight", Some(&error.message), true)?;
                    }
                    Err(error) => {
                        let text = format!("{} ({})", error.message, error.code);
                        journal::writeback_set(tx, w.id, "queued", Some(&text), true)?;
                    }
                }
            }
        }
        Ok(())
    })?;
    match refused {
        // The key refused: every other write-back would be too. They wait for a working key.
        Some(error) => Err(Error::Auth(format!(
            "the store refused the key while writing order statuses back: {} ({}); check the key and its read/write permission",
            error.message, error.code
        ))),
        None => Ok(()),
    }
}

/// Why a status write-back failed although the store answered it.
fn not_kept(locale: Locale, order: &str, asked: &str, reported: &str) -> String {
    match locale {
        Locale::PtBr => format!(
            "a loja deixou o pedido {order} com o status '{reported}', não '{asked}': verifique se o status '{asked}' está cadastrado na loja"
        ),
        Locale::En => format!(
            "the store left order {order} in status '{reported}', not '{asked}': check that status '{asked}' is registered in the store"
        ),
    }
}

/// Sends a round of notes, `concurrency` at a time: each note is a request of its own. All are
/// marked in flight first, so a note whose answer was lost is looked for before it is sent again.
/// Returns how many the store took.
fn send_notes(
    db: &mut Db,
    platform: &dyn Platform,
    round: &[&Writeback],
    concurrency: usize,
) -> Result<u64> {
    db.write(|tx| {
        for w in round {
            journal::writeback_set(tx, w.id, "in_flight", w.last_error.as_deref(), false)?;
        }
        Ok(())
    })?;
    let next = Mutex::new(round.iter());
    let refused = AtomicBool::new(false);
    let outcomes: Mutex<Vec<(i64, Result<()>)>> = Mutex::new(Vec::with_capacity(round.len()));
    let relay = LogRelay::new();
    std::thread::scope(|scope| {
        for _ in 0..concurrency.min(round.len()) {
            let relay = relay.sender();
            scope.spawn(|| {
                crate::parallel::on_helper(relay, || loop {
                    if refused.load(Ordering::Relaxed) {
                        break;
                    }
                    let taken = next.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(w) = taken else { break };
                    let outcome = platform.add_order_note(
                        &w.store_order_id,
                        &w.value,
                        w.kind == "customer_note",
                    );
                    if matches!(outcome, Err(Error::Auth(_))) {
                        // The key was refused: the notes not sent yet stay queued.
                        refused.store(true, Ordering::Relaxed);
                    }
                    outcomes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((w.id, outcome));
                })
            });
        }
    });
    relay.replay();
    let outcomes = outcomes.into_inner().unwrap_or_else(|p| p.into_inner());
    crate::failpoint::reached("writeback.after_http_before_commit");
    let refused = outcomes.iter().find_map(|(_, outcome)| match outcome {
        Err(Error::Auth(message)) => Some(message.clone()),
        _ => None,
    });
    let mut done = 0;
    db.write(|tx| {
        for (id, outcome) in &outcomes {
            match outcome {
                Ok(()) => {
                    journal::writeback_set(tx, *id, "done", None, true)?;
                    done += 1;
                }
                Err(error @ (Error::Timeout(_) | Error::Network(_))) => {
                    journal::writeback_set(tx, *id, "in_flight", Some(&error.to_string()), true)?
                }
                Err(error) => {
                    journal::writeback_set(tx, *id, "queued", Some(&error.to_string()), true)?
                }
            }
        }
        // Notes never sent (the key was refused first) are not in doubt: back in the queue.
        for w in round
            .iter()
            .filter(|w| !outcomes.iter().any(|(id, _)| *id == w.id))
        {
            journal::writeback_set(tx, w.id, "queued", w.last_error.as_deref(), false)?;
        }
        Ok(())
    })?;
    match refused {
        Some(message) => Err(Error::Auth(message)),
        None => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_back_reasons_are_wholly_in_the_integrations_language() {
        for locale in [Locale::PtBr, Locale::En] {
            crate::rules::language::assert_wholly(
                locale,
                &not_kept(locale, "19", "recebido", "pending"),
            );
            crate::rules::language::assert_wholly(
                locale,
                &overtaken(locale, "19", "completed", "recebido", "cancelled"),
            );
        }
    }
}

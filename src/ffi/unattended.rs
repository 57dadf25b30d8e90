//! Running unattended: the timer's one call, the job list, health for monitoring.

use std::ffi::{c_char, c_void};

use super::boundary::{arg_out, reset_out, set_json};
use super::handle::{ponte, with_handle};
use super::sync::{go_on, ponte_progress_callback};

/// `now` as the exports take it: Unix seconds, or 0 for the machine's clock.
fn instant(now: i64) -> Option<i64> {
    (now != 0).then_some(now)
}

/// Runs every job that is due across all integrations: per integration order capture, then the
/// stock update, then the full product sync inside its quiet window (`schedule`), each under its
/// lease. A job already running in another handle or process is skipped, not waited for; one
/// that fails backs off (its interval doubled per failure in a row, up to
/// `schedule.max_backoff_minutes`) without delaying the others. Makes no request to a store and
/// only a few reads of the state file when nothing is due: call it every few seconds from a
/// timer. Blocks while jobs run: each at most its HTTP timeouts per request; a UI thread should
/// call it from a worker thread, or cancel through `progress`.
///
/// Parameters: `handle`; `now`, Unix seconds UTC, or 0 for the machine's clock; `progress`,
/// called as each job goes (`done`/`total`: writes of a sync, orders read and requests of a
/// capture), non-zero to stop the running job at its next safe boundary and skip the rest, or
/// NULL; `user_data`, passed to `progress` untouched; `report_out` receives `{"now", "ran",
/// "skipped", "jobs"}`: each run `{"integration", "job", "outcome", "detail", "millis"}` and each
/// job `{"integration", "job", "next_due", "due_now", "last_success", "last_failure",
/// "last_error", "failures", "last_summary"}`.
/// Schemas: `*report_out` is `include/schemas/run_due_report.json`.
/// Returns: `PONTE_OK` (a job's failure is in the report, not the status); `PONTE_E_NULL_ARGUMENT`,
/// storage errors.
/// Ownership: Caller owns `*report_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`; `progress` runs on the calling thread
/// and must not call Ponte on this handle.
///
/// # Safety
/// `handle` is NULL or open; `report_out` is NULL or valid for a write; `progress`, when not
/// NULL, is safe to call with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn ponte_run_due(
    handle: *mut ponte,
    now: i64,
    progress: ponte_progress_callback,
    user_data: *mut c_void,
    report_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(report_out) };
    with_handle("ponte_run_due", handle, |ponte| {
        let out = arg_out(report_out, "report_out")?;
        let mut on_step = |step: &crate::unattended::JobProgress| {
            // SAFETY: `progress` is safe to call with `user_data`, by this function's contract.
            unsafe { go_on(progress, user_data, step.done, step.total) }
        };
        set_json(out, &ponte.run_due(instant(now), &mut on_step)?)
    })
}

/// Lists every job of every integration with when it is next due and how it last ended, as in
/// `ponte_run_due`'s `jobs`, running nothing and asking no store.
///
/// Parameters: `handle`; `now`, Unix seconds UTC, or 0 for the machine's clock; `jobs_out`
/// receives the JSON array.
/// Schemas: `*jobs_out` is `include/schemas/jobs.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, storage errors.
/// Ownership: Caller owns `*jobs_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `jobs_out` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_jobs(
    handle: *mut ponte,
    now: i64,
    jobs_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(jobs_out) };
    with_handle("ponte_jobs", handle, |ponte| {
        let out = arg_out(jobs_out, "jobs_out")?;
        set_json(out, &ponte.jobs(instant(now))?)
    })
}

/// Health for monitoring: `{"verdict", "integrations"}`, the worst verdict (`ok`, `warning`,
/// `critical`) and per integration its verdict with the reasons, whether credentials were given
/// to this handle, each job's last success, last failure and failures in a row, and the backlog
/// (`orders_pending`, `orders_failed`, `customers_pending`, `events_pending`,
/// `writebacks_queued`, `writebacks_failed`). Critical: a job failed 3 times in a row. Asks no
/// store.
///
/// Parameters: `handle`; `now`, Unix seconds UTC, or 0 for the machine's clock; `health_out`
/// receives the JSON.
/// Schemas: `*health_out` is `include/schemas/health.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, storage errors.
/// Ownership: Caller owns `*health_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `health_out` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_health(
    handle: *mut ponte,
    now: i64,
    health_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(health_out) };
    with_handle("ponte_health", handle, |ponte| {
        let out = arg_out(health_out, "health_out")?;
        set_json(out, &ponte.health(instant(now))?)
    })
}

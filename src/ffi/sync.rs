//! Product sync: plan, push, explain, history.

use std::ffi::{c_char, c_void};

use super::boundary::{arg_out, arg_str, reset_out, set_json, Failure};
use super::handle::{ponte, with_handle};
use crate::model::{catalog, json};
use crate::sync::SyncOptions;

/// Called after each batch of a sync is answered, with how many of the products the run reads
/// are done (planned with nothing to send, or their write answered) of how many. Called on the
/// thread that called `ponte_sync_products`. Return 0 to go on, anything else to stop sending:
/// batches already sent are still recorded, and the run is recorded as cancelled. It must not
/// call Ponte on this handle.
#[allow(non_camel_case_types)]
pub type ponte_progress_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, done: i32, total: i32) -> i32>;

fn options(text: &str) -> Result<SyncOptions, Failure> {
    Ok(json::from_value(
        json::parse_value(text, "options")?,
        "options",
    )?)
}

/// Computes the sync plan: for every catalog product, what a sync would do (`create`, `update`
/// with the fields that changed, `stock_only`, `link`, `unchanged`, `skipped` with every reason,
/// `conflict`, `hide`, `zero_stock`). Products not in the store yet are looked up there (reads
/// only); nothing is written anywhere.
///
/// Parameters: `handle`; `integration`, its id; `options_json`, `{"stock_only", "full_resync"}`
/// (both false by default; `"{}"` for none); `plan_out` receives `{"integration", "options",
/// "counts", "items"}`.
/// Schemas: `options_json` is `include/schemas/sync_options.json`; `*plan_out` is
/// `include/schemas/plan.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, `PONTE_E_INVALID_CONFIG` (product sync off), `PONTE_E_AUTH`
/// (no credentials given in this session, or the store refused them), other network and store
/// errors (-3xx), storage errors.
/// Ownership: Caller owns `*plan_out`; release with `ponte_string_free`.
/// Blocking: the look-ups of products not in the store yet, each request at most its HTTP
/// timeouts and retries; a UI thread should call it from a worker thread.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `plan_out` is NULL or valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_sync_plan(
    handle: *mut ponte,
    integration: *const c_char,
    options_json: *const c_char,
    plan_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(plan_out) };
    with_handle("ponte_sync_plan", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        // SAFETY: as above.
        let options = options(unsafe { arg_str(options_json, "options_json") }?)?;
        let out = arg_out(plan_out, "plan_out")?;
        set_json(out, &ponte.sync_plan(integration, options)?)
    })
}

/// Syncs the catalog to the integration's store: plans, then pushes in batches of the platform's
/// maximum, recording links and pushed values only for what the store confirmed, and the run with
/// a result per product. A product the store refuses is reported and retried next run; it never
/// stops the others.
///
/// Parameters: `handle`; `integration`; `options_json`, `{"dry_run", "stock_only",
/// "full_resync"}` (`"{}"` for a normal run); `progress`, called after each batch, or NULL;
/// `user_data`, passed to `progress` untouched; `report_out` receives the run report
/// (`{"run_id", "status": "completed" | "cancelled" | "dry_run", "counts", "requests", "items"}`).
/// A cancelled run returns `PONTE_OK` with its report.
/// Schemas: `options_json` is `include/schemas/sync_options.json`; `*report_out` is
/// `include/schemas/run_report.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, `PONTE_E_INVALID_CONFIG`, `PONTE_E_CONFLICT` (a sync of this
/// integration is running on another handle or process), `PONTE_E_AUTH` (no credentials in this
/// session, or refused), other network and store errors (-3xx) when the store cannot be read at
/// all, storage errors.
/// Blocking: the calling thread waits for the whole run; with `time_limit_seconds`, for the reads
/// before the first batch, then until the first batch boundary past the limit (each request at
/// most its HTTP timeouts and retries). A UI thread should call it from a worker thread, or
/// cancel through `progress`.
/// Ownership: Caller owns `*report_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`; `progress` runs on the calling thread.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `report_out` is NULL or
/// valid for a write; `progress`, when not NULL, is safe to call with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn ponte_sync_products(
    handle: *mut ponte,
    integration: *const c_char,
    options_json: *const c_char,
    progress: ponte_progress_callback,
    user_data: *mut c_void,
    report_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(report_out) };
    with_handle("ponte_sync_products", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        // SAFETY: as above.
        let options = options(unsafe { arg_str(options_json, "options_json") }?)?;
        let out = arg_out(report_out, "report_out")?;
        let mut on_batch = |step: crate::sync::SyncProgress| {
            // SAFETY: `progress` is safe to call with `user_data`, by this function's contract.
            unsafe { go_on(progress, user_data, step.done, step.total) }
        };
        set_json(
            out,
            &ponte.sync_products(integration, options, &mut on_batch)?,
        )
    })
}

fn clamp(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Asks the caller's progress callback, if any, whether to go on.
///
/// # Safety
/// `progress`, when not NULL, is safe to call with `user_data`.
pub(super) unsafe fn go_on(
    progress: ponte_progress_callback,
    user_data: *mut c_void,
    done: u64,
    total: u64,
) -> bool {
    match progress {
        // SAFETY: the caller registered this function for exactly these arguments.
        Some(callback) => unsafe { callback(user_data, clamp(done), clamp(total)) == 0 },
        None => true,
    }
}

/// Explains a product: "why is it (not) in my store?" Its store id and variants, the values last
/// pushed and when, what the next sync would do and which fields are pending, every reason it is
/// not sent, and the store's last refusal. Asks the store nothing.
///
/// Parameters: `handle`; `integration`; `key_json`, `{"erp_id": "..."}` or `{"sku": "..."}`;
/// `status_out` receives the explanation.
/// Schemas: `key_json` is `include/schemas/product_key.json`; `*status_out` is
/// `include/schemas/product_status.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INVALID_DATA`, `PONTE_E_NOT_FOUND`, `PONTE_E_CONFLICT` (an SKU on two products),
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*status_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `status_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_product_status(
    handle: *mut ponte,
    integration: *const c_char,
    key_json: *const c_char,
    status_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(status_out) };
    with_handle("ponte_product_status", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        // SAFETY: as above.
        let key = catalog::parse_product_key(unsafe { arg_str(key_json, "key_json") }?)?;
        let out = arg_out(status_out, "status_out")?;
        set_json(out, &ponte.product_status(integration, &key)?)
    })
}

/// Lists the latest sync runs of an integration, newest first, each with its status, options,
/// counts per outcome and number of requests.
///
/// Parameters: `handle`; `integration`; `limit`, 1 to 1000; `runs_out` receives a JSON array.
/// Schemas: `*runs_out` is `include/schemas/sync_runs.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INVALID_ARGUMENT` (`limit` out of range), `PONTE_E_INTEGRATION_NOT_FOUND`, storage
/// errors.
/// Ownership: Caller owns `*runs_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `runs_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_sync_runs(
    handle: *mut ponte,
    integration: *const c_char,
    limit: i32,
    runs_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(runs_out) };
    with_handle("ponte_sync_runs", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let out = arg_out(runs_out, "runs_out")?;
        let limit = u32::try_from(limit)
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| {
                Failure::InvalidArgument(format!("argument `limit` is {limit}; use 1 to 1000"))
            })?;
        set_json(out, &ponte.sync_runs(integration, limit)?)
    })
}

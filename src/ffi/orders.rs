//! Order capture: capture, hand-off, confirm, reject, retry, reservations, report.

use std::ffi::{c_char, c_void};

use super::boundary::{
    arg_optional_str, arg_out, arg_str, reset_out, set_json, set_optional_json, Failure,
};
use super::handle::{ponte, with_handle};
use super::sync::{go_on, ponte_progress_callback};
use crate::capture::{
    CaptureOptions, CaptureProgress, ReportFilter, PENDING_PAGE_DEFAULT, PENDING_PAGE_MAX,
};
use crate::model::json;

/// Captures orders from the integration's store: orders in the fetch and reservation statuses
/// modified since the last capture (minus an overlap), each journaled once; customers registered;
/// orders validated; stock held for reservations and unconfirmed orders; queued write-backs sent.
///
/// Parameters: `handle`; `integration`; `report_out` receives `{"integration", "counts",
/// "requests", "watermark", "pending", "pending_total", "rejected", "failures"}`. `pending`
/// holds only the orders that became pending in this capture (new sales accepted, and
/// reservations that became sales); `pending_total` counts every order waiting for the ERP now,
/// earlier captures' and those `ponte_order_retry` made pending included. Read the whole list,
/// page by page, with `ponte_orders_pending`: an order the ERP missed is there until it is
/// confirmed or rejected, never in a later capture report.
/// Schemas: `*report_out` is `include/schemas/capture_report.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, `PONTE_E_INVALID_CONFIG` (capture off), `PONTE_E_CONFLICT`
/// (a capture of this integration is running on another handle or process), `PONTE_E_AUTH` (no
/// credentials given in this session, or the store refused them), other network and store
/// errors (-3xx; what was journaled before the failure is kept and handed out next time),
/// storage errors.
/// Blocking: the calling thread waits for the whole capture, bounded by
/// `order_capture.max_listing_requests` and each request's HTTP timeouts and retries; a UI
/// thread should call it from a worker thread, or use `ponte_capture_orders_with`.
/// Ownership: Caller owns `*report_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `report_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_capture_orders(
    handle: *mut ponte,
    integration: *const c_char,
    report_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(report_out) };
    with_handle("ponte_capture_orders", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let out = arg_out(report_out, "report_out")?;
        set_json(out, &ponte.capture_orders(integration)?)
    })
}

/// Captures orders as `ponte_capture_orders` does, bounded by its caller: a time limit, and a
/// progress callback asked before each request to the store (`done` is the orders read so far,
/// `total` the requests made) that cancels by returning non-zero. Either way the capture stops
/// at a committed page, says why in the report's `unfinished`, and the next capture goes on.
/// Blocks the calling thread for at most the time limit plus one request (its HTTP timeouts and
/// retries: `http.overall_timeout_ms`, `http.max_retries`); a UI thread should call it from a
/// worker thread.
///
/// Parameters: `handle`; `integration`; `options_json`, `{"time_limit_seconds"}` (`"{}"` for
/// none); `progress`, or NULL; `user_data`, passed to `progress` untouched; `report_out` as for
/// `ponte_capture_orders`.
/// Schemas: `options_json` is `include/schemas/capture_options.json`; `*report_out` is
/// `include/schemas/capture_report.json`.
/// Returns: as `ponte_capture_orders`; `PONTE_E_INVALID_JSON` for unknown options.
/// Ownership: Caller owns `*report_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`; `progress` runs on the calling thread
/// and must not call Ponte on this handle.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `report_out` is NULL or
/// valid for a write; `progress`, when not NULL, is safe to call with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn ponte_capture_orders_with(
    handle: *mut ponte,
    integration: *const c_char,
    options_json: *const c_char,
    progress: ponte_progress_callback,
    user_data: *mut c_void,
    report_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(report_out) };
    with_handle("ponte_capture_orders_with", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, options) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(options_json, "options_json")?,
            )
        };
        let options: CaptureOptions =
            json::from_value(json::parse_value(options, "options")?, "options")?;
        let out = arg_out(report_out, "report_out")?;
        let mut on_request = |step: CaptureProgress| {
            // SAFETY: `progress` is safe to call with `user_data`, by this function's contract.
            unsafe { go_on(progress, user_data, step.orders_read, step.requests) }
        };
        set_json(
            out,
            &ponte.capture_orders_with(integration, options, &mut on_request)?,
        )
    })
}

/// Lists one page of the orders waiting for the ERP to confirm or reject them, in the order they
/// were first journaled, without asking the store. Only the page is read from the state file, so
/// memory stays flat however long the backlog. To read the whole list, start with `after` NULL
/// and pass each page's `next` until it is null. An order confirmed or rejected between two
/// pages makes no other one skipped or repeated; an order that became pending since the first
/// page (captured, or retried) may come in this pass or the next.
///
/// Parameters: `handle`; `integration`; `after`, the `next` cursor of the previous page, as it
/// came (opaque: never build one), or NULL to start from the first; `limit`, the most orders on
/// the page, 1 to 1000, or 0 for 100; `orders_out` receives `{"orders": [{"store_order_id",
/// "number", "customer_key", "erp_customer_id", "sales_order"}], "next"}`, `next` being the
/// cursor of the following page, or null after the last.
/// Schemas: `*orders_out` is `include/schemas/pending_orders.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INVALID_ARGUMENT` (`limit` negative or above 1000, or `after` not a cursor Ponte
/// returned; the message names the argument), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*orders_out`; release with `ponte_string_free`. `after` is borrowed
/// for the call only.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` and `after` are NULL or NUL-terminated; `orders_out`
/// is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_orders_pending(
    handle: *mut ponte,
    integration: *const c_char,
    after: *const c_char,
    limit: i32,
    orders_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(orders_out) };
    with_handle("ponte_orders_pending", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, after) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_optional_str(after, "after")?,
            )
        };
        let out = arg_out(orders_out, "orders_out")?;
        let limit = u32::try_from(limit).map_err(|_| {
            Failure::InvalidArgument(format!(
                "argument `limit` is {limit}; use 1 to {PENDING_PAGE_MAX}, or 0 for {PENDING_PAGE_DEFAULT}"
            ))
        })?;
        set_json(out, &ponte.orders_pending(integration, after, limit)?)
    })
}

/// Records that the ERP has a pending order as its sales order `erp_order_number`; the return
/// status is written to the store at the next capture. Confirming again with the same number is
/// fine; with another, `PONTE_E_CONFLICT`.
///
/// Parameters: `handle`; `integration`; `store_order_id`; `erp_order_number`; `state_out`
/// receives `{"store_order_id", "state", "erp_order_number"}`, or may be NULL.
/// Schemas: `*state_out` is `include/schemas/order_state.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_DATA`
/// (an empty number), `PONTE_E_NOT_FOUND` (never captured), `PONTE_E_CONFLICT` (another number,
/// or the order is not pending), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*state_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `state_out` is NULL or valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_confirm(
    handle: *mut ponte,
    integration: *const c_char,
    store_order_id: *const c_char,
    erp_order_number: *const c_char,
    state_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(state_out) };
    with_handle("ponte_order_confirm", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, order, number) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(store_order_id, "store_order_id")?,
                arg_str(erp_order_number, "erp_order_number")?,
            )
        };
        let state = ponte.order_confirm(integration, order, number)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(state_out, &state) }
    })
}

/// Records that the ERP refuses a pending order, with the reason the user will see; the rejected
/// status and a note with the reason are written to the store at the next capture.
///
/// Parameters: `handle`; `integration`; `store_order_id`; `reason`, not empty; `state_out`
/// receives the order's state, or may be NULL.
/// Schemas: `*state_out` is `include/schemas/order_state.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_DATA`,
/// `PONTE_E_NOT_FOUND`, `PONTE_E_CONFLICT` (not pending), `PONTE_E_INTEGRATION_NOT_FOUND`,
/// storage errors.
/// Ownership: Caller owns `*state_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `state_out` is NULL or valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_reject(
    handle: *mut ponte,
    integration: *const c_char,
    store_order_id: *const c_char,
    reason: *const c_char,
    state_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(state_out) };
    with_handle("ponte_order_reject", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, order, reason) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(store_order_id, "store_order_id")?,
                arg_str(reason, "reason")?,
            )
        };
        let state = ponte.order_reject(integration, order, reason)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(state_out, &state) }
    })
}

/// Validates a rejected order again, after the user fixed the data (published the product,
/// linked the SKU). If it passes now it is pending again and handed to the ERP.
///
/// Parameters: `handle`; `integration`; `store_order_id`; `state_out` receives `{"state",
/// "reasons"}`: `pending`, or `rejected` with the reasons that still apply.
/// Schemas: `*state_out` is `include/schemas/order_state.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_NOT_FOUND`,
/// `PONTE_E_CONFLICT` (not rejected), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*state_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `state_out` is NULL or valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_retry(
    handle: *mut ponte,
    integration: *const c_char,
    store_order_id: *const c_char,
    state_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(state_out) };
    with_handle("ponte_order_retry", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, order) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(store_order_id, "store_order_id")?,
            )
        };
        let out = arg_out(state_out, "state_out")?;
        set_json(out, &ponte.order_retry(integration, order)?)
    })
}

/// Lists the stock held by the integration's orders, by SKU: `reservation` for orders in a
/// reservation status, `unconfirmed` for orders the ERP has not confirmed yet. Product sync
/// subtracts both from the stock it sends.
///
/// Schemas: `*reservations_out` is `include/schemas/reservations.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*reservations_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `reservations_out` is NULL
/// or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_reservations(
    handle: *mut ponte,
    integration: *const c_char,
    reservations_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(reservations_out) };
    with_handle("ponte_reservations", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let out = arg_out(reservations_out, "reservations_out")?;
        set_json(out, &ponte.reservations(integration)?)
    })
}

/// The integration report ("Relatório de Integrações"): a JSON array, newest first, of
/// `{"store_order_id", "number", "created_at", "customer", "document", "total_cents", "state",
/// "store_status", "reasons", "erp_order_number", "writeback"}`.
///
/// Parameters: `handle`; `integration`; `filter_json`, `{"from", "to", "state", "text"}`, each
/// optional (`"{}"` for everything); `report_out` receives the rows.
/// Schemas: `filter_json` is `include/schemas/report_filter.json`; `*report_out` is
/// `include/schemas/report.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INVALID_DATA` (a bad date or state), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*report_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `report_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_report(
    handle: *mut ponte,
    integration: *const c_char,
    filter_json: *const c_char,
    report_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(report_out) };
    with_handle("ponte_report", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, filter) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(filter_json, "filter_json")?,
            )
        };
        let filter: ReportFilter =
            json::from_value(json::parse_value(filter, "filter")?, "filter")?;
        let out = arg_out(report_out, "report_out")?;
        set_json(out, &ponte.report(integration, &filter)?)
    })
}

/// Takes in a webhook a Nuvemshop store sent to the ERP's own HTTP endpoint, and only records
/// it: the signature (`X-Linkedstore-HMAC-SHA256`) is verified with the integration's
/// `credentials.app_secret`; an order event (`order/paid`, `order/cancelled`...) has the next
/// capture read that order by id first, and makes the capture job due now for
/// `ponte_run_due`. Nothing is asked of the store, so the endpoint answers well within the
/// platform's 40 seconds. Optional: an ERP without an endpoint never needs it, since capture
/// polls by its watermark and a lost webhook loses nothing.
///
/// Parameters: `handle`; `integration`; `headers_json`, the request's headers as a JSON object
/// of strings (`{"X-Linkedstore-HMAC-SHA256": "…", "Content-Type": "application/json"}`, names
/// in any case); `body`, the raw body as received, NUL-terminated; `receipt_out` receives
/// `{"event", "store_order_id", "capture_scheduled"}`, or may be NULL.
/// Schemas: `*receipt_out` is `include/schemas/webhook_receipt.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`
/// (`headers_json`), `PONTE_E_AUTH` (no signature, a signature that does not verify, or no
/// app secret in this session), `PONTE_E_INVALID_DATA` (a verified body without its fields),
/// `PONTE_E_INVALID_ARGUMENT` (another store's webhook, or an integration on a platform whose
/// webhooks Ponte does not take), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*receipt_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `receipt_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_webhook_ingest(
    handle: *mut ponte,
    integration: *const c_char,
    headers_json: *const c_char,
    body: *const c_char,
    receipt_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(receipt_out) };
    with_handle("ponte_webhook_ingest", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, headers, body) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(headers_json, "headers_json")?,
                arg_str(body, "body")?,
            )
        };
        let headers: std::collections::BTreeMap<String, String> =
            json::from_value(json::parse_value(headers, "headers")?, "headers")?;
        let headers: Vec<(String, String)> = headers.into_iter().collect();
        let receipt = ponte.webhook_ingest(integration, &headers, body.as_bytes())?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(receipt_out, &receipt) }
    })
}

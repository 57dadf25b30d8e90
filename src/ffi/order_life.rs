//! The order's life after capture: customers handed to the ERP, order events, fulfilment.

use std::ffi::c_char;

use super::boundary::{arg_out, arg_str, reset_out, set_json, set_optional_json};
use super::handle::{ponte, with_handle};
use crate::capture::Fulfilment;
use crate::model::json;

/// Lists the customers of captured orders (accepted, rejected or reserved) that the ERP does not
/// have yet, or not as they are now, without asking the store: a JSON array of
/// `{"customer_key", "kind" ("new" or "update"), "revision", "erp_customer_id", "customer"}`,
/// where `customer` has the name, person type, CPF or CNPJ with `document_valid`, company, state
/// registration, e-mail, phones and the billing and shipping addresses. Each stays listed until
/// `ponte_customer_confirm`.
///
/// Schemas: `*customers_out` is `include/schemas/customers.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*customers_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `customers_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_customers_pending(
    handle: *mut ponte,
    integration: *const c_char,
    customers_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(customers_out) };
    with_handle("ponte_customers_pending", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let out = arg_out(customers_out, "customers_out")?;
        set_json(out, &ponte.customers_pending(integration)?)
    })
}

/// Records that the ERP registered the customer `customer_key` as `erp_customer_id`, in the
/// revision last listed. Confirming again with the same id is fine (that is how an update is
/// confirmed); with another, `PONTE_E_CONFLICT`.
///
/// Parameters: `handle`; `integration`; `customer_key`; `erp_customer_id`, not empty;
/// `state_out` receives `{"customer_key", "erp_customer_id", "revision"}`, or may be NULL.
/// Schemas: `*state_out` is `include/schemas/customer_state.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_DATA`
/// (an empty id), `PONTE_E_NOT_FOUND` (never offered to this integration), `PONTE_E_CONFLICT`
/// (confirmed before with another id), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*state_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `state_out` is NULL or valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_customer_confirm(
    handle: *mut ponte,
    integration: *const c_char,
    customer_key: *const c_char,
    erp_customer_id: *const c_char,
    state_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(state_out) };
    with_handle("ponte_customer_confirm", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, key, erp_id) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(customer_key, "customer_key")?,
                arg_str(erp_customer_id, "erp_customer_id")?,
            )
        };
        let state = ponte.customer_confirm(integration, key, erp_id)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(state_out, &state) }
    })
}

/// Lists what happened in the store to captured orders since (each once, until acknowledged),
/// without asking the store: a JSON array, oldest first, of `{"event_id", "store_order_id",
/// "kind", "order_state", "erp_order_number", "detail", "seen_at", "acknowledged"}`. `kind` is
/// `cancelled` (a pending order leaves the ERP's queue and its hold), `refunded` (`detail` has
/// `amount_cents`, `reason`, `full` and `lines` with the ERP's SKUs, null until read),
/// `status_changed` (a status the merchant set) or `changed` (a pending order's customer or items:
/// validated again, and in `ponte_orders_pending` as they are now).
///
/// Schemas: `*events_out` is `include/schemas/order_events.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*events_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `events_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_events(
    handle: *mut ponte,
    integration: *const c_char,
    events_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(events_out) };
    with_handle("ponte_order_events", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let out = arg_out(events_out, "events_out")?;
        set_json(out, &ponte.order_events(integration)?)
    })
}

/// Records that the ERP acted on an event; it is no longer listed. Acknowledging it again is fine.
///
/// Parameters: `handle`; `integration`; `event_id` from `ponte_order_events`; `event_out`
/// receives the event, or may be NULL.
/// Schemas: `*event_out` is `include/schemas/order_event.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_NOT_FOUND` (no
/// such event in this integration), `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*event_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `integration` is NULL or NUL-terminated; `event_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_event_ack(
    handle: *mut ponte,
    integration: *const c_char,
    event_id: i64,
    event_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(event_out) };
    with_handle("ponte_order_event_ack", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let integration = unsafe { arg_str(integration, "integration") }?;
        let event = ponte.order_event_ack(integration, event_id)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(event_out, &event) }
    })
}

/// Queues a confirmed order's fulfilment for the store: the shipped status, the invoice and the
/// tracking code as order meta (WooCommerce: `ponte_invoice`, `ponte_tracking`, and the keys of
/// Correios and Melhor Envio), and a note e-mailed to the shopper. The next capture sends each
/// exactly once; the same fulfilment again sends nothing twice.
///
/// Parameters: `handle`; `integration`; `store_order_id`; `fulfilment_json`, `{"invoice": {"key"
/// (44 digits, check digit verified), "number", "series", "issued_at" (RFC 3339), "danfe_url"?},
/// "tracking": {"code", "carrier", "url"?}, "status"?}` with an invoice, a tracking code or both;
/// `status` defaults to `order_capture.shipped_status`; `queued_out` receives `{"store_order_id",
/// "status", "meta_keys", "customer_note"}`, or may be NULL.
/// Schemas: `fulfilment_json` is `include/schemas/fulfilment.json`; `*queued_out` is
/// `include/schemas/fulfilment_queued.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INVALID_DATA` (names the field: a wrong check digit, a date that is not one),
/// `PONTE_E_NOT_FOUND` (never captured), `PONTE_E_CONFLICT` (not confirmed),
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors. Nothing is queued unless `PONTE_OK`.
/// Ownership: Caller owns `*queued_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; the strings are NULL or NUL-terminated; `queued_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_order_fulfil(
    handle: *mut ponte,
    integration: *const c_char,
    store_order_id: *const c_char,
    fulfilment_json: *const c_char,
    queued_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(queued_out) };
    with_handle("ponte_order_fulfil", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let (integration, order, fulfilment) = unsafe {
            (
                arg_str(integration, "integration")?,
                arg_str(store_order_id, "store_order_id")?,
                arg_str(fulfilment_json, "fulfilment_json")?,
            )
        };
        let fulfilment: Fulfilment =
            json::from_value(json::parse_value(fulfilment, "fulfilment")?, "fulfilment")?;
        let queued = ponte.order_fulfil(integration, order, fulfilment)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(queued_out, &queued) }
    })
}

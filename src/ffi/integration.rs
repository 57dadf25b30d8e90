//! Integration configs: put, get, list, remove.

use std::ffi::c_char;

use super::boundary::{arg_out, arg_str, reset_out, set_json};
use super::handle::{ponte, with_handle};
use crate::model::config::parse_config;

/// Adds or replaces an integration from its JSON config (see the README for every setting).
///
/// Parameters: `handle`; `config_json`, the config. Its `credentials` are kept in this handle's
/// memory only, never in the state file; without `credentials`, those given before are kept.
/// Behind an office's proxy: `http.proxy` (`"http://host:port"`, or `"env"` for the standard
/// variables; none by default, whatever the environment says), its login only as
/// `credentials.proxy_username` and `proxy_password`; a proxy that re-signs TLS needs
/// `http.tls_roots: "system"`, the operating system's certificate store.
/// Schemas: `config_json` is `include/schemas/integration_config.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INPUT_TOO_LARGE`,
/// `PONTE_E_INVALID_JSON` (with the JSON path), `PONTE_E_INVALID_CONFIG` (every problem, each with
/// its JSON path), storage errors.
/// Ownership: `config_json` is borrowed for the call.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `config_json` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ponte_integration_put(
    handle: *mut ponte,
    config_json: *const c_char,
) -> i32 {
    with_handle("ponte_integration_put", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let config = parse_config(unsafe { arg_str(config_json, "config_json") }?)?;
        ponte.integration_put(config)?;
        Ok(())
    })
}

/// Reads an integration's config back as JSON, with `credentials_set` listing the names of the
/// credentials held in this session, never their values.
///
/// Parameters: `handle`; `id`, the integration id; `config_out` receives the JSON.
/// Schemas: `*config_out` is `include/schemas/integration.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Ownership: Caller owns `*config_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `id` is NULL or a NUL-terminated string; `config_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_integration_get(
    handle: *mut ponte,
    id: *const c_char,
    config_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(config_out) };
    with_handle("ponte_integration_get", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let id = unsafe { arg_str(id, "id") }?;
        let out = arg_out(config_out, "config_out")?;
        set_json(out, &ponte.integration_get(id)?)
    })
}

/// Lists every integration as a JSON array of configs, ordered by id.
///
/// Parameters: `handle`; `list_out` receives the JSON array.
/// Schemas: `*list_out` is `include/schemas/integrations.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, storage errors.
/// Ownership: Caller owns `*list_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `list_out` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_integration_list(
    handle: *mut ponte,
    list_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(list_out) };
    with_handle("ponte_integration_list", handle, |ponte| {
        let out = arg_out(list_out, "list_out")?;
        set_json(out, &ponte.integration_list()?)
    })
}

/// Removes an integration and forgets its credentials.
///
/// Parameters: `handle`; `id`, the integration id.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, storage errors.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `id` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ponte_integration_remove(handle: *mut ponte, id: *const c_char) -> i32 {
    with_handle("ponte_integration_remove", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let id = unsafe { arg_str(id, "id") }?;
        ponte.integration_remove(id)?;
        Ok(())
    })
}

/// Checks an integration against its store before anything is written: the address answers, the
/// key is accepted and may write (tried with a write that changes nothing), the store's version
/// and what it can hold (brands, EAN/GTIN, batch size), its currency, and that every order status
/// the config names exists in the store. Sync and capture run the same check once per handle and
/// integration, and refuse to start on a key that cannot write (`PONTE_E_AUTH`) or a status the
/// store lacks (`PONTE_E_INVALID_CONFIG`).
///
/// Parameters: `handle`; `id`, the integration id; `check_out` receives `{"integration", "ok",
/// "store": {"software", "version", "currency", "brands", "gtin", "max_batch", "order_statuses",
/// "checked_at"}, "items": [{"item", "path", "status": "ok"|"warning"|"problem", "message":
/// {"pt_br", "en"}, "action": {"pt_br", "en"}}], "requests"}`. A store that cannot be reached or
/// refuses the key is a `problem` item, not an error.
/// Schemas: `*check_out` is `include/schemas/integration_check.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INTEGRATION_NOT_FOUND`, `PONTE_E_AUTH` (no credentials given in this session),
/// `PONTE_E_INVALID_CONFIG`, storage errors.
/// Ownership: Caller owns `*check_out`; release with `ponte_string_free`.
/// Blocking: a few requests to the store (5 on WooCommerce), each at most its HTTP timeouts and
/// retries; a UI thread should call it from a worker thread.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `id` is NULL or a NUL-terminated string; `check_out` is NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_integration_check(
    handle: *mut ponte,
    id: *const c_char,
    check_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(check_out) };
    with_handle("ponte_integration_check", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let id = unsafe { arg_str(id, "id") }?;
        let out = arg_out(check_out, "check_out")?;
        set_json(out, &ponte.integration_check(id)?)
    })
}

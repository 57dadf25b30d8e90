//! The catalog mirror: products, brands, stock, retirement and look-up.

use std::ffi::c_char;

use super::boundary::{arg_out, arg_str, reset_out, set_json, set_optional_json};
use super::handle::{ponte, with_handle};
use crate::model::catalog;

/// Upserts a batch of products (a JSON array) in one transaction: if one product is invalid,
/// nothing changes and the message names that product and field.
///
/// Parameters: `handle`; `products_json`, an array of products (README, "Product");
/// `summary_out` receives `{"created","updated","unchanged","stock_changed"}`, or may be NULL.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INPUT_TOO_LARGE`, `PONTE_E_INVALID_JSON`, `PONTE_E_INVALID_DATA`, storage errors.
/// Ownership: Caller owns `*summary_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `products_json` is NULL or a NUL-terminated string; `summary_out` is
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_put_products(
    handle: *mut ponte,
    products_json: *const c_char,
    summary_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(summary_out) };
    with_handle("ponte_catalog_put_products", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let products =
            catalog::parse_products(unsafe { arg_str(products_json, "products_json") }?)?;
        let summary = ponte.catalog_put_products(&products)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(summary_out, &summary) }
    })
}

/// Upserts a batch of brands (a JSON array) in one transaction.
///
/// Parameters: `handle`; `brands_json`, an array of brands (README, "Brand"); `summary_out`
/// receives `{"created","updated","unchanged"}`, or may be NULL.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INPUT_TOO_LARGE`, `PONTE_E_INVALID_JSON`, `PONTE_E_INVALID_DATA`, storage errors.
/// Ownership: Caller owns `*summary_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `brands_json` is NULL or a NUL-terminated string; `summary_out` is
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_put_brands(
    handle: *mut ponte,
    brands_json: *const c_char,
    summary_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(summary_out) };
    with_handle("ponte_catalog_put_brands", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let brands = catalog::parse_brands(unsafe { arg_str(brands_json, "brands_json") }?)?;
        let summary = ponte.catalog_put_brands(&brands)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(summary_out, &summary) }
    })
}

/// Sets stock levels by SKU and warehouse (a JSON array of `{"sku","warehouse","quantity"}`;
/// `warehouse` defaults to `"main"`) in one transaction. The fast path for frequent updates.
///
/// Parameters: `handle`; `stock_json`; `summary_out` receives `{"changed","unchanged"}`, or may
/// be NULL.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INPUT_TOO_LARGE`, `PONTE_E_INVALID_JSON`, `PONTE_E_INVALID_DATA`,
/// `PONTE_E_NOT_FOUND` (an SKU no catalog product has; nothing changed), storage errors.
/// Ownership: Caller owns `*summary_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `stock_json` is NULL or a NUL-terminated string; `summary_out` is
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_put_stock(
    handle: *mut ponte,
    stock_json: *const c_char,
    summary_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(summary_out) };
    with_handle("ponte_catalog_put_stock", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let levels = catalog::parse_stock(unsafe { arg_str(stock_json, "stock_json") }?)?;
        let summary = ponte.catalog_put_stock(&levels)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(summary_out, &summary) }
    })
}

/// Marks products as retired by the ERP (a JSON array of ERP ids) in one transaction. Putting a
/// retired product again makes it live.
///
/// Parameters: `handle`; `erp_ids_json`; `summary_out` receives `{"retired","already_retired"}`,
/// or may be NULL.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INPUT_TOO_LARGE`, `PONTE_E_INVALID_JSON`, `PONTE_E_INVALID_DATA`,
/// `PONTE_E_NOT_FOUND` (nothing changed), storage errors.
/// Ownership: Caller owns `*summary_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `erp_ids_json` is NULL or a NUL-terminated string; `summary_out` is
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_retire_products(
    handle: *mut ponte,
    erp_ids_json: *const c_char,
    summary_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(summary_out) };
    with_handle("ponte_catalog_retire_products", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let ids = catalog::parse_erp_ids(unsafe { arg_str(erp_ids_json, "erp_ids_json") }?)?;
        let summary = ponte.catalog_retire_products(&ids)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(summary_out, &summary) }
    })
}

/// Reads one product, with its stock, by `{"erp_id": "..."}` or `{"sku": "..."}`.
///
/// Parameters: `handle`; `key_json`; `product_out` receives the product in the shape it is put
/// in, plus `updated_at` and, once retired, `retired_at`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INVALID_DATA`, `PONTE_E_NOT_FOUND`, `PONTE_E_CONFLICT` (an SKU on two products),
/// storage errors.
/// Ownership: Caller owns `*product_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `key_json` is NULL or a NUL-terminated string; `product_out` is NULL
/// or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_get(
    handle: *mut ponte,
    key_json: *const c_char,
    product_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(product_out) };
    with_handle("ponte_catalog_get", handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let key = catalog::parse_product_key(unsafe { arg_str(key_json, "key_json") }?)?;
        let out = arg_out(product_out, "product_out")?;
        set_json(out, &ponte.catalog_get(&key)?)
    })
}

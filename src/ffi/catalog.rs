//! The catalog mirror: products, brands, categories, stock, retirement and look-up.

use std::ffi::c_char;

use serde::Serialize;

use super::boundary::{arg_out, arg_str, reset_out, set_json, set_optional_json};
use super::handle::{ponte, with_handle};
use crate::error::Result;
use crate::model::catalog;
use crate::Ponte;

/// The shape every catalog write shares: parse a JSON array, apply it in one transaction, and
/// hand back the summary if the caller wants it.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `summary_out` is NULL or valid for a write.
unsafe fn put_batch<T, S: Serialize>(
    name: &'static str,
    handle: *mut ponte,
    json: *const c_char,
    argument: &'static str,
    summary_out: *mut *mut c_char,
    parse: fn(&str) -> Result<Vec<T>>,
    apply: fn(&mut Ponte, &[T]) -> Result<S>,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(summary_out) };
    with_handle(name, handle, |ponte| {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let items = parse(unsafe { arg_str(json, argument) }?)?;
        let summary = apply(ponte, &items)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { set_optional_json(summary_out, &summary) }
    })
}

/// Upserts a batch of products (a JSON array) in one transaction: if one product is invalid,
/// nothing changes and the message names that product and field. Picture files
/// (`images[].file`) are read during the call, at most 10 MiB each, and their SHA-256 kept, so a
/// store gets a picture again only when its bytes change; a file that is missing, empty or too
/// large is `PONTE_E_INVALID_DATA` naming the product and picture.
///
/// Parameters: `handle`; `products_json`, an array of products (README, "Product");
/// `summary_out` receives `{"created","updated","unchanged","stock_changed","pictures_read"}`,
/// or may be NULL.
/// Schemas: `products_json` is `include/schemas/products.json`; `*summary_out` is
/// `include/schemas/products_summary.json`.
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
    // SAFETY: forwarded under this function's contract.
    unsafe {
        put_batch(
            "ponte_catalog_put_products",
            handle,
            products_json,
            "products_json",
            summary_out,
            catalog::parse_products,
            Ponte::catalog_put_products,
        )
    }
}

/// Upserts a batch of brands (a JSON array) in one transaction.
///
/// Parameters: `handle`; `brands_json`, an array of brands (README, "Brand"); `summary_out`
/// receives `{"created","updated","unchanged"}`, or may be NULL.
/// Schemas: `brands_json` is `include/schemas/brands.json`; `*summary_out` is
/// `include/schemas/brands_summary.json`.
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
    // SAFETY: forwarded under this function's contract.
    unsafe {
        put_batch(
            "ponte_catalog_put_brands",
            handle,
            brands_json,
            "brands_json",
            summary_out,
            catalog::parse_brands,
            Ponte::catalog_put_brands,
        )
    }
}

/// Upserts a batch of categories (a JSON array) in one transaction. A parent may be in the same
/// batch or already in the catalog; the whole tree is checked before anything is written, so a
/// missing parent or a cycle changes nothing and the message names the category
/// (`categories[1] (id "PANELAS").parent_id: ...`).
///
/// Parameters: `handle`; `categories_json`, an array of categories (README, "Category");
/// `summary_out` receives `{"created","updated","unchanged"}`, or may be NULL.
/// Schemas: `categories_json` is `include/schemas/categories.json`; `*summary_out` is
/// `include/schemas/categories_summary.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`,
/// `PONTE_E_INPUT_TOO_LARGE`, `PONTE_E_INVALID_JSON`, `PONTE_E_INVALID_DATA` (a missing parent
/// or a cycle among them), storage errors.
/// Ownership: Caller owns `*summary_out`; release with `ponte_string_free`.
/// Thread safety: serialized with other calls on `handle`.
///
/// # Safety
/// `handle` is NULL or open; `categories_json` is NULL or a NUL-terminated string; `summary_out`
/// is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_catalog_put_categories(
    handle: *mut ponte,
    categories_json: *const c_char,
    summary_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded under this function's contract.
    unsafe {
        put_batch(
            "ponte_catalog_put_categories",
            handle,
            categories_json,
            "categories_json",
            summary_out,
            catalog::parse_categories,
            Ponte::catalog_put_categories,
        )
    }
}

/// Sets stock levels by SKU and warehouse (a JSON array of `{"sku","warehouse","quantity"}`;
/// `warehouse` defaults to `"main"`) in one transaction. The fast path for frequent updates.
///
/// Parameters: `handle`; `stock_json`; `summary_out` receives `{"changed","unchanged"}`, or may
/// be NULL.
/// Schemas: `stock_json` is `include/schemas/stock.json`; `*summary_out` is
/// `include/schemas/stock_summary.json`.
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
    // SAFETY: forwarded under this function's contract.
    unsafe {
        put_batch(
            "ponte_catalog_put_stock",
            handle,
            stock_json,
            "stock_json",
            summary_out,
            catalog::parse_stock,
            Ponte::catalog_put_stock,
        )
    }
}

/// Marks products as retired by the ERP (a JSON array of ERP ids) in one transaction. Putting a
/// retired product again makes it live.
///
/// Parameters: `handle`; `erp_ids_json`; `summary_out` receives `{"retired","already_retired"}`,
/// or may be NULL.
/// Schemas: `erp_ids_json` is `include/schemas/erp_ids.json`; `*summary_out` is
/// `include/schemas/retire_summary.json`.
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
    // SAFETY: forwarded under this function's contract.
    unsafe {
        put_batch(
            "ponte_catalog_retire_products",
            handle,
            erp_ids_json,
            "erp_ids_json",
            summary_out,
            catalog::parse_erp_ids,
            Ponte::catalog_retire_products,
        )
    }
}

/// Reads one product, with its stock, by `{"erp_id": "..."}` or `{"sku": "..."}`.
///
/// Parameters: `handle`; `key_json`; `product_out` receives the product in the shape it is put
/// in, plus `updated_at` and, once retired, `retired_at`.
/// Schemas: `key_json` is `include/schemas/product_key.json`; `*product_out` is
/// `include/schemas/catalog_product.json`.
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

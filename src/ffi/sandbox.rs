//! Sandbox stores through the C ABI, so C, C# and Python callers can rehearse an integration
//! without a live store. The store's control surface is plain HTTP under `/__sandbox/`.

use std::ffi::c_char;

use serde::{Deserialize, Serialize};

use super::boundary::{arg_out, arg_str, reset_out, run, set_json, Failure};
use crate::model::json;

/// A running sandbox store. Opaque to C: created by `ponte_sandbox_start`, released by
/// `ponte_sandbox_stop`.
#[allow(non_camel_case_types)]
pub struct ponte_sandbox {
    /// The store; `ponte_sandbox_stop` drops it, which stops the server.
    #[cfg(feature = "sandbox")]
    store: Store,
}

/// The store a sandbox runs, by platform.
#[cfg(feature = "sandbox")]
enum Store {
    Woo(crate::sandbox::WooSandbox),
    Nuvem(crate::sandbox::NuvemSandbox),
    Ml(crate::sandbox::MlSandbox),
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
pub(crate) struct Options {
    platform: Platform,
    #[serde(default)]
    port: u16,
    #[cfg(feature = "sandbox")]
    #[serde(default)]
    latency: crate::sandbox::Latency,
    #[serde(default)]
    wc_version: WcVersion,
    #[serde(default = "on")]
    brazilian_market: bool,
    /// Nuvemshop only: the real store's leaky bucket (40 requests, 2 a second). On by default.
    #[serde(default = "on")]
    rate_limit: bool,
}

fn on() -> bool {
    true
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Platform {
    Woocommerce,
    Nuvemshop,
    Mercadolivre,
}

/// The WooCommerce release a sandbox answers as; an unknown one is refused by name.
#[derive(Deserialize, Default, Clone, Copy, schemars::JsonSchema)]
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
enum WcVersion {
    #[default]
    #[serde(rename = "10.0.2")]
    V10_0_2,
    #[serde(rename = "9.5.2")]
    V9_5_2,
    #[serde(rename = "8.9.3")]
    V8_9_3,
}

#[cfg(feature = "sandbox")]
impl From<WcVersion> for crate::sandbox::WcVersion {
    fn from(version: WcVersion) -> Self {
        match version {
            WcVersion::V10_0_2 => crate::sandbox::WcVersion::V10_0_2,
            WcVersion::V9_5_2 => crate::sandbox::WcVersion::V9_5_2,
            WcVersion::V8_9_3 => crate::sandbox::WcVersion::V8_9_3,
        }
    }
}

#[derive(Serialize, Default, schemars::JsonSchema)]
pub(crate) struct Info {
    platform: &'static str,
    /// WooCommerce: the release the store answers as.
    #[serde(skip_serializing_if = "Option::is_none")]
    wc_version: Option<&'static str>,
    /// The integration config's `base_url` (for Nuvemshop, the API host).
    base_url: String,
    /// WooCommerce's test key.
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_secret: Option<String>,
    /// Nuvemshop: the store id, its access token, and the app secret that signs its webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_secret: Option<String>,
    /// Mercado Livre: the seller, the app, and the seller's current token pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    seller_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token_expires_at: Option<String>,
    control_url: String,
}

/// Starts a sandbox store on 127.0.0.1 that speaks the platform's real API.
///
/// Parameters: `options_json`, such as `{"platform": "woocommerce"}`, `{"platform":
/// "nuvemshop"}` or `{"platform": "mercadolivre"}`, with optional `port` (0,
/// the default, picks a free one), `latency` (`{"per_request_ms", "per_item_written_ms",
/// "workers"}`: `workers` requests served at once, 0 for any number), `wc_version` (the
/// WooCommerce release the store answers as: `"10.0.2"`, the default, with brands and GTINs; `"9.5.2"`, without the brands route; `"8.9.3"`, without brands, and dropping
/// and ignoring `global_unique_id`) and `brazilian_market` (true, the default: orders show the
/// Brazilian Market plugin's CPF, CNPJ, number and neighbourhood fields), and for Nuvemshop
/// `rate_limit` (true, the default: the real store's bucket of 40 requests leaking 2 a second);
/// `sandbox_out` receives the store; `info_out` receives `{"platform", "base_url",
/// "control_url"}` and the sandbox's own test credentials: `"wc_version", "consumer_key",
/// "consumer_secret"` for WooCommerce, `"store_id", "access_token", "app_secret"` for Nuvemshop,
/// `"seller_id", "site_id", "client_id", "client_secret", "access_token", "refresh_token",
/// "access_token_expires_at"` for Mercado Livre.
/// Schemas: `options_json` is `include/schemas/sandbox_options.json`; `*info_out` is
/// `include/schemas/sandbox_info.json`.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_NETWORK` (the port is taken), `PONTE_E_UNSUPPORTED` (built without the sandbox).
/// Ownership: Caller owns `*sandbox_out`; release with `ponte_sandbox_stop`. Caller owns
/// `*info_out`; release with `ponte_string_free`.
/// Thread safety: any thread; the store serves requests on threads of its own.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `sandbox_out` and `info_out` are NULL or
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_sandbox_start(
    options_json: *const c_char,
    sandbox_out: *mut *mut ponte_sandbox,
    info_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe {
        reset_out(sandbox_out);
        reset_out(info_out);
    }
    run("ponte_sandbox_start", || {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let text = unsafe { arg_str(options_json, "options_json") }?;
        let sandbox_slot = arg_out(sandbox_out, "sandbox_out")?;
        let info_slot = arg_out(info_out, "info_out")?;
        let options: Options = json::from_value(json::parse_value(text, "options")?, "options")?;
        let (sandbox, info) = start(options)?;
        set_json(info_slot, &info)?;
        *sandbox_slot = Box::into_raw(Box::new(sandbox));
        Ok(())
    })
}

#[cfg(feature = "sandbox")]
fn start(options: Options) -> Result<(ponte_sandbox, Info), Failure> {
    let refused = |err: std::io::Error| {
        Failure::Core(crate::Error::Network(format!(
            "cannot start the sandbox: {err}"
        )))
    };
    match options.platform {
        Platform::Woocommerce => {
            let store = crate::sandbox::WooSandbox::start_with(crate::sandbox::WooOptions {
                port: options.port,
                version: options.wc_version.into(),
                brazilian_market: options.brazilian_market,
            })
            .map_err(refused)?;
            store.set_latency(options.latency);
            let key = store.key();
            let info = Info {
                platform: "woocommerce",
                wc_version: Some(store.version().as_str()),
                base_url: store.base_url(),
                consumer_key: Some(key.consumer_key),
                consumer_secret: Some(key.consumer_secret),
                control_url: format!("{}/__sandbox", store.base_url()),
                ..Info::default()
            };
            Ok((
                ponte_sandbox {
                    store: Store::Woo(store),
                },
                info,
            ))
        }
        Platform::Nuvemshop => {
            let defaults = crate::sandbox::NuvemOptions::default();
            let store = crate::sandbox::NuvemSandbox::start_with(crate::sandbox::NuvemOptions {
                port: options.port,
                rate_limit: defaults.rate_limit.filter(|_| options.rate_limit),
                ..defaults
            })
            .map_err(refused)?;
            store.set_latency(options.latency);
            let info = Info {
                platform: "nuvemshop",
                base_url: store.base_url(),
                store_id: Some(store.store_id()),
                access_token: Some(store.access_token()),
                app_secret: Some(store.app_secret()),
                control_url: format!("{}/__sandbox", store.base_url()),
                ..Info::default()
            };
            Ok((
                ponte_sandbox {
                    store: Store::Nuvem(store),
                },
                info,
            ))
        }
        Platform::Mercadolivre => {
            let store =
                crate::sandbox::MlSandbox::start_with(crate::sandbox::mercadolivre::MlOptions {
                    port: options.port,
                    ..Default::default()
                })
                .map_err(refused)?;
            let credentials = store.credentials();
            let exposed = |s: &Option<crate::model::config::Secret>| {
                s.as_ref().map(|s| s.expose().to_string())
            };
            let info = Info {
                platform: "mercadolivre",
                base_url: store.base_url(),
                access_token: exposed(&credentials.access_token),
                seller_id: Some(store.seller_id().to_string()),
                client_id: exposed(&credentials.client_id),
                client_secret: exposed(&credentials.client_secret),
                refresh_token: exposed(&credentials.refresh_token),
                access_token_expires_at: credentials.access_token_expires_at.clone(),
                control_url: format!("{}/__sandbox", store.base_url()),
                ..Info::default()
            };
            Ok((
                ponte_sandbox {
                    store: Store::Ml(store),
                },
                info,
            ))
        }
    }
}

#[cfg(not(feature = "sandbox"))]
fn start(_options: Options) -> Result<(ponte_sandbox, Info), Failure> {
    Err(Failure::Unsupported(
        "this build of Ponte has no sandbox; build it with the `sandbox` feature".to_string(),
    ))
}

/// Places an order in a sandbox store as a shopper would at checkout, so a caller without an HTTP
/// client can rehearse order capture. The same as `POST <control_url>/orders`.
///
/// Parameters: `sandbox`; `order_json` in the platform's shape, such as for WooCommerce
/// `{"status": "processing", "line_items": [{"sku": "TRA-PP-45", "quantity": 1}], "billing":
/// {"first_name": "Ana", "cpf": "529.982.247-25", ...}}`, for Nuvemshop `{"payment_status":
/// "paid", "products": [{"sku": "TRA-PP-45", "quantity": 1}], "customer": {"name": "Ana",
/// "identification": "52998224725", ...}}`, for Mercado Livre a buyer's cart `{"lines": [{"sku":
/// "TRA-PP-45", "quantity": 1}, ...], "paid": true, "buyer": "person" | "company", "tags": []}`
/// (two lines or more make a pack of one order each);
/// `order_out` receives the order as the store's API shows it (Mercado Livre: `{"pack_id",
/// "orders"}`), or may be NULL.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8`, `PONTE_E_INVALID_JSON`,
/// `PONTE_E_INVALID_DATA` (the store refused it: an unknown SKU, say), `PONTE_E_UNSUPPORTED`.
/// Ownership: Caller owns `*order_out`; release with `ponte_string_free`.
/// Thread safety: any thread.
///
/// # Safety
/// `sandbox` is NULL or from `ponte_sandbox_start`; `order_json` is NULL or NUL-terminated;
/// `order_out` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_sandbox_place_order(
    sandbox: *mut ponte_sandbox,
    order_json: *const c_char,
    order_out: *mut *mut c_char,
) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(order_out) };
    run("ponte_sandbox_place_order", || {
        // SAFETY: NULL or a live sandbox, by this function's contract.
        let sandbox = unsafe { sandbox.as_ref() }.ok_or(Failure::NullArgument("sandbox"))?;
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let order = json::parse_value(unsafe { arg_str(order_json, "order_json") }?, "order")?;
        let placed = place(sandbox, &order)?;
        // SAFETY: NULL or valid for a write, by this function's contract.
        unsafe { super::boundary::set_optional_json(order_out, &placed) }
    })
}

#[cfg(feature = "sandbox")]
fn place(sandbox: &ponte_sandbox, order: &serde_json::Value) -> Result<serde_json::Value, Failure> {
    match &sandbox.store {
        Store::Woo(store) => store.place_order(order),
        Store::Nuvem(store) => store.place_order(order),
        Store::Ml(store) => store.place_cart(order),
    }
    .map_err(|reason| Failure::Core(crate::Error::invalid_data("order", reason)))
}

#[cfg(not(feature = "sandbox"))]
fn place(
    _sandbox: &ponte_sandbox,
    _order: &serde_json::Value,
) -> Result<serde_json::Value, Failure> {
    Err(Failure::Unsupported(
        "this build of Ponte has no sandbox".to_string(),
    ))
}

/// Stops a sandbox store and frees it; its data is gone.
///
/// Ownership: takes `sandbox`. Calling with NULL is fine.
/// Thread safety: any thread. Leaves the last error alone.
///
/// # Safety
/// `sandbox` is NULL or from `ponte_sandbox_start` and not stopped yet.
#[no_mangle]
pub unsafe extern "C" fn ponte_sandbox_stop(sandbox: *mut ponte_sandbox) {
    if sandbox.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: from `ponte_sandbox_start` via `Box::into_raw`, not stopped yet, by contract.
        drop(unsafe { Box::from_raw(sandbox) });
    }));
}

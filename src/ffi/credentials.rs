//! Credentials that change while Ponte runs: Mercado Livre's tokens rotate at every refresh, and
//! the host must keep the new pair, since Ponte never writes credentials to the state file.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use super::handle::{ponte, with_handle};

/// Receives an integration's refreshed credentials, before Ponte uses them: `integration` and
/// `credentials_json` (`{"access_token", "refresh_token", "access_token_expires_at"}`), both
/// UTF-8 and borrowed for the call only. The host saves them where it keeps the integration's
/// credentials and returns 0; any other value means they could not be saved, and Ponte does
/// not use them (it offers them again at the next call that needs a token). The refresh token
/// is single use: the one saved before is dead from this moment. Called on the thread of the
/// Ponte call that refreshed; it must return normally and must not call Ponte on that handle.
#[allow(non_camel_case_types)]
pub type ponte_credentials_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        integration: *const c_char,
        credentials_json: *const c_char,
    ) -> i32,
>;

/// Sets where `handle` hands an integration's refreshed credentials (Mercado Livre's token pair)
/// before using them; NULL removes it, and then Ponte refuses to refresh rather than lose a pair.
///
/// Parameters: `handle`; `callback`, or NULL; `user_data`, passed to `callback` untouched.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT` (handle).
/// Thread safety: serialized with other calls on `handle`. The callback is this handle's.
///
/// # Safety
/// `handle` is NULL or open; `callback`, when set, stays callable with `user_data` until it is
/// replaced or the handle is closed.
#[no_mangle]
pub unsafe extern "C" fn ponte_set_credentials_callback(
    handle: *mut ponte,
    callback: ponte_credentials_callback,
    user_data: *mut c_void,
) -> i32 {
    // The host's pointer, kept as a number: Ponte never dereferences it.
    let user_data = user_data as usize;
    with_handle("ponte_set_credentials_callback", handle, |ponte| {
        let save: Option<crate::tokens::SaveCredentials> = callback.map(|callback| {
            let save: crate::tokens::SaveCredentials =
                Arc::new(move |integration: &str, pair: &crate::tokens::TokenPair| {
                    let text = |s: String| CString::new(s).map_err(|_| "a NUL byte".to_string());
                    let integration = text(integration.to_string())?;
                    let json = text(pair.to_credentials_json().to_string())?;
                    // SAFETY: the host's callback and pointer, callable by this function's
                    // contract; the strings live through the call.
                    let status = unsafe {
                        callback(
                            user_data as *mut c_void,
                            integration.as_ptr(),
                            json.as_ptr(),
                        )
                    };
                    match status {
                        0 => Ok(()),
                        other => Err(format!("the credentials callback returned {other}")),
                    }
                });
            save
        });
        ponte.set_credentials_callback(save);
        Ok(())
    })
}

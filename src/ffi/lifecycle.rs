//! Opening and closing, versions, the last error and string release.

use std::ffi::{c_char, CString};

use super::boundary::{self, arg_out, arg_str, reset_out, run, Failure};
use super::handle::ponte;
use crate::Ponte;

/// Major version of this header; `ponte_version_number()` tells the library's.
pub const PONTE_VERSION_MAJOR: i32 = 0;
/// Minor version of this header.
pub const PONTE_VERSION_MINOR: i32 = 1;
/// Patch version of this header.
pub const PONTE_VERSION_PATCH: i32 = 0;
/// `MAJOR * 1000000 + MINOR * 1000 + PATCH`, as `ponte_version_number()` returns it.
pub const PONTE_VERSION_NUMBER: i32 = 1000;

/// Opens the state file at `path`, creating it and its schema if it does not exist.
///
/// Parameters: `path`, a UTF-8 file path on a local disk (its directory must exist);
/// `handle_out` receives the handle.
/// Returns: `PONTE_OK`; `PONTE_E_NULL_ARGUMENT`, `PONTE_E_INVALID_UTF8` (on Windows, a path in
/// the ANSI code page: convert it to UTF-8 first), `PONTE_E_INVALID_ARGUMENT` (an empty path),
/// `PONTE_E_STORAGE_UNAVAILABLE` (no such directory, a directory, a network share such as
/// `\\server\share\ponte.db`), `PONTE_E_STORAGE_READ_ONLY`,
/// `PONTE_E_STORAGE_CORRUPT`, `PONTE_E_NOT_A_STATE_FILE`, `PONTE_E_STORAGE_TOO_NEW` (the file is
/// left untouched), `PONTE_E_STORAGE_BUSY`, `PONTE_E_STORAGE`.
/// Ownership: Caller owns `*handle_out`; release with `ponte_close`.
/// Thread safety: any thread. Each handle is one connection; open one per thread for parallel work.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `handle_out` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ponte_open(path: *const c_char, handle_out: *mut *mut ponte) -> i32 {
    // SAFETY: NULL or valid for a write, by this function's contract.
    unsafe { reset_out(handle_out) };
    run("ponte_open", || {
        // SAFETY: NULL or NUL-terminated, by this function's contract.
        let path = unsafe { arg_str(path, "path") }?;
        let out = arg_out(handle_out, "handle_out")?;
        if path.trim().is_empty() {
            return Err(Failure::InvalidArgument(
                "argument `path` is empty: give the state file's path".into(),
            ));
        }
        let inner = Ponte::open(path)?;
        *out = Box::into_raw(Box::new(ponte::new(inner)));
        Ok(())
    })
}

/// Closes a handle and releases everything it holds, including credentials given to it.
///
/// Parameters: `handle`, from `ponte_open`; no call on it may be running on another thread.
/// Ownership: takes `handle`. Calling with NULL is fine.
/// Thread safety: any thread, including one other than the opener. Leaves the last error alone.
///
/// # Safety
/// `handle` is NULL or a handle from `ponte_open` that was not closed yet.
#[no_mangle]
pub unsafe extern "C" fn ponte_close(handle: *mut ponte) {
    if handle.is_null() {
        return;
    }
    // Dropping closes the SQLite connection; a panic there must not reach the host either.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: from `ponte_open` via `Box::into_raw`, not closed yet, by contract.
        drop(unsafe { Box::from_raw(handle) });
    }));
}

/// Returns the status of the last failed call on this thread, or `PONTE_OK`.
///
/// Thread safety: per thread. Leaves the last error alone.
#[no_mangle]
pub extern "C" fn ponte_last_error_code() -> i32 {
    boundary::last_error_code()
}

/// Returns the message of the last failed call on this thread: what was wrong and where. Never
/// NULL; an empty string after a successful call. Never holds a credential.
///
/// Ownership: Borrowed; valid until the next ponte call on this thread.
/// Thread safety: per thread. Leaves the last error alone.
#[no_mangle]
pub extern "C" fn ponte_last_error_message() -> *const c_char {
    boundary::last_error_message()
}

/// Releases a string returned by Ponte.
///
/// Ownership: takes `s`, which must come from a Ponte `_out` parameter. Calling with NULL is fine.
/// Thread safety: any thread. Leaves the last error alone.
///
/// # Safety
/// `s` is NULL or a string returned by Ponte and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ponte_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: allocated by `CString::into_raw` in Ponte and not yet freed, by contract.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Returns the library's version as text, such as `"0.1.0"`.
///
/// Ownership: Static; do not free.
/// Thread safety: any thread. Leaves the last error alone.
#[no_mangle]
pub extern "C" fn ponte_version() -> *const c_char {
    const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(version) => version,
        Err(_) => panic!("the crate version has a NUL byte"),
    };
    VERSION.as_ptr()
}

/// Returns the library's version as `MAJOR * 1000000 + MINOR * 1000 + PATCH`. Compare it with
/// `PONTE_VERSION_NUMBER` to check that the library matches the header.
///
/// Thread safety: any thread. Leaves the last error alone.
#[no_mangle]
pub extern "C" fn ponte_version_number() -> i32 {
    PONTE_VERSION_MAJOR * 1_000_000 + PONTE_VERSION_MINOR * 1_000 + PONTE_VERSION_PATCH
}

//! The boundary every export goes through: the per-thread last error, panics caught and turned
//! into `PONTE_E_PANIC`, and the checked conversions of C arguments.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::Once;

use serde::Serialize;

use super::status::{status_of, PONTE_OK};
use crate::error::Error;
use crate::failpoint;

/// Why an export failed: a core error, or something only the C boundary can see.
#[derive(Debug)]
pub(crate) enum Failure {
    Core(Error),
    NullArgument(&'static str),
    InvalidUtf8 {
        argument: &'static str,
        valid_up_to: usize,
    },
    InvalidArgument(String),
    #[cfg_attr(feature = "sandbox", allow(dead_code))]
    Unsupported(String),
    Panic(String),
    Poisoned,
    Internal(String),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Core(err)
    }
}

impl Failure {
    fn message(&self) -> String {
        match self {
            Failure::Core(err) => err.to_string(),
            Failure::NullArgument(argument) => format!("argument `{argument}` is NULL"),
            Failure::InvalidUtf8 {
                argument,
                valid_up_to,
            } => format!(
                "argument `{argument}` is not valid UTF-8 (first bad byte at offset {valid_up_to}); \
                 convert the string to UTF-8 before the call"
            ),
            Failure::InvalidArgument(message) | Failure::Unsupported(message) | Failure::Internal(message) => {
                message.clone()
            }
            Failure::Panic(message) => format!("internal error (a bug in Ponte): {message}"),
            Failure::Poisoned => {
                "the handle was poisoned by an earlier internal error; close it and open the state file again"
                    .to_string()
            }
        }
    }
}

struct LastError {
    code: i32,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError { code: PONTE_OK, message: CString::default() });
    /// Non-zero while this thread runs inside an export, so the panic hook stays quiet there.
    static INSIDE_EXPORT: Cell<u32> = const { Cell::new(0) };
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub(crate) fn last_error_code() -> i32 {
    LAST_ERROR.with(|last| last.borrow().code)
}

/// Borrowed: valid until the next call that records an error on this thread.
pub(crate) fn last_error_message() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().message.as_ptr())
}

fn set_last_error(code: i32, message: String) {
    // An interior NUL cannot come from Ponte's own messages, but input echoed back might hold one.
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = LastError { code, message });
}

fn record(failure: Failure) -> i32 {
    let code = status_of(&failure);
    let message = failure.message();
    log::debug!(target: "ponte::ffi", "call failed with {code}: {message}");
    set_last_error(code, message);
    code
}

/// Runs an export's body: clears the last error, catches any panic, records any failure and
/// returns the status. No panic crosses this function.
pub(crate) fn run(name: &'static str, body: impl FnOnce() -> Result<(), Failure>) -> i32 {
    guarded(|| {
        failpoint::check(name);
        body()
    })
}

pub(crate) fn guarded(body: impl FnOnce() -> Result<(), Failure>) -> i32 {
    install_panic_hook();
    set_last_error(PONTE_OK, String::new());
    INSIDE_EXPORT.with(|depth| depth.set(depth.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    INSIDE_EXPORT.with(|depth| depth.set(depth.get() - 1));
    match outcome {
        Ok(Ok(())) => PONTE_OK,
        Ok(Err(failure)) => record(failure),
        Err(payload) => record(Failure::Panic(panic_text(payload))),
    }
}

/// Catches a panic in `body` and returns it as a `Failure`, for callers that must react to it
/// (the handle poisons itself) before the outer boundary records it.
pub(crate) fn catch<T>(body: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Failure::Panic(panic_text(payload))))
}

fn panic_text(payload: Box<dyn Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_string());
    match PANIC_LOCATION.with(|location| location.borrow_mut().take()) {
        Some(location) => format!("{text} (at {location})"),
        None => text,
    }
}

/// Inside an export, a panic's text goes to the last error instead of stderr: a GUI ERP has no
/// console, and writing to a closed stderr would itself panic. Outside, the previous hook runs.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if INSIDE_EXPORT.with(Cell::get) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Sets an output pointer to NULL on entry, so that it is NULL on every failure.
///
/// # Safety
/// `out` is NULL or valid for a write.
pub(crate) unsafe fn reset_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        // SAFETY: non-NULL and valid for a write, as the caller promised.
        unsafe { *out = ptr::null_mut() };
    }
}

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn arg_str<'a>(
    value: *const c_char,
    argument: &'static str,
) -> Result<&'a str, Failure> {
    if value.is_null() {
        return Err(Failure::NullArgument(argument));
    }
    // SAFETY: non-NULL and NUL-terminated, as the caller promised.
    let bytes = unsafe { CStr::from_ptr(value) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|err| Failure::InvalidUtf8 {
        argument,
        valid_up_to: err.valid_up_to(),
    })
}

/// Borrows a C string argument that may be NULL (for "none") as UTF-8.
///
/// # Safety
/// `value` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn arg_optional_str<'a>(
    value: *const c_char,
    argument: &'static str,
) -> Result<Option<&'a str>, Failure> {
    if value.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated, as the caller promised.
    unsafe { arg_str(value, argument) }.map(Some)
}

/// Checks that an output argument is not NULL.
pub(crate) fn arg_out<'a, T>(
    out: *mut *mut T,
    argument: &'static str,
) -> Result<&'a mut *mut T, Failure> {
    // SAFETY: a non-NULL output pointer is valid for writes by the contract of every export.
    unsafe { out.as_mut() }.ok_or(Failure::NullArgument(argument))
}

/// Serializes `value` into a new string that the caller frees with `ponte_string_free`.
pub(crate) fn set_json<T: Serialize + ?Sized>(
    out: &mut *mut c_char,
    value: &T,
) -> Result<(), Failure> {
    let json = serde_json::to_string(value).map_err(|err| Failure::Internal(err.to_string()))?;
    // serde_json escapes NUL inside strings, so the text has no interior NUL.
    let text = CString::new(json).map_err(|err| Failure::Internal(err.to_string()))?;
    *out = text.into_raw();
    Ok(())
}

/// Writes `value` as JSON to an optional output: NULL means the caller does not want it.
///
/// # Safety
/// `out` is NULL or valid for a write.
pub(crate) unsafe fn set_optional_json<T: Serialize>(
    out: *mut *mut c_char,
    value: &T,
) -> Result<(), Failure> {
    // SAFETY: NULL or valid for a write, as the caller promised.
    match unsafe { out.as_mut() } {
        Some(out) => set_json(out, value),
        None => Ok(()),
    }
}

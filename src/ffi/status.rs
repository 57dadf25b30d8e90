//! Status codes: the numbers C callers and bindings branch on. Grouped by hundreds, never
//! renumbered; new codes are appended.

use std::ffi::{c_char, CStr};

use super::boundary::Failure;
use crate::error::Error;

/// Success.
pub const PONTE_OK: i32 = 0;

/// A pointer argument was NULL.
pub const PONTE_E_NULL_ARGUMENT: i32 = -100;
/// A string argument was not valid UTF-8.
pub const PONTE_E_INVALID_UTF8: i32 = -101;
/// A JSON argument was not JSON, or not of the expected shape; the message gives the JSON path.
pub const PONTE_E_INVALID_JSON: i32 = -102;
/// An argument was larger than Ponte accepts in one call.
pub const PONTE_E_INPUT_TOO_LARGE: i32 = -103;
/// Well-formed input whose values break a rule; the message names the item and field.
pub const PONTE_E_INVALID_DATA: i32 = -104;
/// The product, SKU or other thing asked for does not exist.
pub const PONTE_E_NOT_FOUND: i32 = -105;
/// The request contradicts what is already recorded.
pub const PONTE_E_CONFLICT: i32 = -106;
/// An argument was out of range (a number, a page size), or a paging cursor Ponte never
/// returned; the message names the argument.
pub const PONTE_E_INVALID_ARGUMENT: i32 = -107;
/// This build of Ponte lacks the feature asked for (a sandbox in a build without it).
pub const PONTE_E_UNSUPPORTED: i32 = -108;

/// The integration config breaks one or more rules; the message lists every problem.
pub const PONTE_E_INVALID_CONFIG: i32 = -200;
/// No integration with this id is configured.
pub const PONTE_E_INTEGRATION_NOT_FOUND: i32 = -201;

/// The store could not be reached (refused, reset, unknown host).
pub const PONTE_E_NETWORK: i32 = -300;
/// The store did not answer in time.
pub const PONTE_E_TIMEOUT: i32 = -301;
/// The store refused the credentials or their permissions.
pub const PONTE_E_AUTH: i32 = -302;
/// The store answered with an error; the message keeps the platform's own code.
pub const PONTE_E_REMOTE: i32 = -303;
/// The store kept answering 429, or asked to wait longer than allowed.
pub const PONTE_E_THROTTLED: i32 = -304;
/// The store answered with a redirect, which is never followed.
pub const PONTE_E_REDIRECT_REFUSED: i32 = -305;
/// The store's response was larger than the limit.
pub const PONTE_E_RESPONSE_TOO_LARGE: i32 = -306;
/// TLS failed: a certificate that does not verify, or plain HTTP where HTTPS is required.
pub const PONTE_E_TLS: i32 = -307;
/// The store's response could not be understood.
pub const PONTE_E_INVALID_RESPONSE: i32 = -308;

/// The state file could not be opened or created (missing directory, network share).
pub const PONTE_E_STORAGE_UNAVAILABLE: i32 = -400;
/// The state file or its directory cannot be written.
pub const PONTE_E_STORAGE_READ_ONLY: i32 = -401;
/// The state file is damaged.
pub const PONTE_E_STORAGE_CORRUPT: i32 = -402;
/// The file is another program's database, not a Ponte state file.
pub const PONTE_E_NOT_A_STATE_FILE: i32 = -403;
/// The state file was written by a newer Ponte; it was not changed.
pub const PONTE_E_STORAGE_TOO_NEW: i32 = -404;
/// Another process held the state file's lock for longer than the busy timeout.
pub const PONTE_E_STORAGE_BUSY: i32 = -405;
/// The disk is full.
pub const PONTE_E_STORAGE_FULL: i32 = -406;
/// Any other state file failure.
pub const PONTE_E_STORAGE: i32 = -407;
/// The open state file was deleted or replaced; nothing more was written. Open it again.
pub const PONTE_E_STORAGE_GONE: i32 = -408;

/// A bug in Ponte: a panic was caught at the boundary. The handle is poisoned.
pub const PONTE_E_PANIC: i32 = -500;
/// The handle was poisoned by an earlier panic; close it and open a new one.
pub const PONTE_E_HANDLE_POISONED: i32 = -501;
/// An internal failure that is not a panic.
pub const PONTE_E_INTERNAL: i32 = -502;

/// Every status with its name, for `ponte_status_name` and the tests.
pub(crate) const STATUSES: &[(i32, &CStr)] = &[
    (PONTE_OK, c"PONTE_OK"),
    (PONTE_E_NULL_ARGUMENT, c"PONTE_E_NULL_ARGUMENT"),
    (PONTE_E_INVALID_UTF8, c"PONTE_E_INVALID_UTF8"),
    (PONTE_E_INVALID_JSON, c"PONTE_E_INVALID_JSON"),
    (PONTE_E_INPUT_TOO_LARGE, c"PONTE_E_INPUT_TOO_LARGE"),
    (PONTE_E_INVALID_DATA, c"PONTE_E_INVALID_DATA"),
    (PONTE_E_NOT_FOUND, c"PONTE_E_NOT_FOUND"),
    (PONTE_E_CONFLICT, c"PONTE_E_CONFLICT"),
    (PONTE_E_INVALID_ARGUMENT, c"PONTE_E_INVALID_ARGUMENT"),
    (PONTE_E_UNSUPPORTED, c"PONTE_E_UNSUPPORTED"),
    (PONTE_E_INVALID_CONFIG, c"PONTE_E_INVALID_CONFIG"),
    (
        PONTE_E_INTEGRATION_NOT_FOUND,
        c"PONTE_E_INTEGRATION_NOT_FOUND",
    ),
    (PONTE_E_NETWORK, c"PONTE_E_NETWORK"),
    (PONTE_E_TIMEOUT, c"PONTE_E_TIMEOUT"),
    (PONTE_E_AUTH, c"PONTE_E_AUTH"),
    (PONTE_E_REMOTE, c"PONTE_E_REMOTE"),
    (PONTE_E_THROTTLED, c"PONTE_E_THROTTLED"),
    (PONTE_E_REDIRECT_REFUSED, c"PONTE_E_REDIRECT_REFUSED"),
    (PONTE_E_RESPONSE_TOO_LARGE, c"PONTE_E_RESPONSE_TOO_LARGE"),
    (PONTE_E_TLS, c"PONTE_E_TLS"),
    (PONTE_E_INVALID_RESPONSE, c"PONTE_E_INVALID_RESPONSE"),
    (PONTE_E_STORAGE_UNAVAILABLE, c"PONTE_E_STORAGE_UNAVAILABLE"),
    (PONTE_E_STORAGE_READ_ONLY, c"PONTE_E_STORAGE_READ_ONLY"),
    (PONTE_E_STORAGE_CORRUPT, c"PONTE_E_STORAGE_CORRUPT"),
    (PONTE_E_NOT_A_STATE_FILE, c"PONTE_E_NOT_A_STATE_FILE"),
    (PONTE_E_STORAGE_TOO_NEW, c"PONTE_E_STORAGE_TOO_NEW"),
    (PONTE_E_STORAGE_BUSY, c"PONTE_E_STORAGE_BUSY"),
    (PONTE_E_STORAGE_FULL, c"PONTE_E_STORAGE_FULL"),
    (PONTE_E_STORAGE, c"PONTE_E_STORAGE"),
    (PONTE_E_STORAGE_GONE, c"PONTE_E_STORAGE_GONE"),
    (PONTE_E_PANIC, c"PONTE_E_PANIC"),
    (PONTE_E_HANDLE_POISONED, c"PONTE_E_HANDLE_POISONED"),
    (PONTE_E_INTERNAL, c"PONTE_E_INTERNAL"),
];

pub(crate) fn status_of(failure: &Failure) -> i32 {
    match failure {
        Failure::NullArgument(_) => PONTE_E_NULL_ARGUMENT,
        Failure::InvalidUtf8 { .. } => PONTE_E_INVALID_UTF8,
        Failure::InvalidArgument(_) => PONTE_E_INVALID_ARGUMENT,
        Failure::Unsupported(_) => PONTE_E_UNSUPPORTED,
        Failure::Panic(_) => PONTE_E_PANIC,
        Failure::Poisoned => PONTE_E_HANDLE_POISONED,
        Failure::Internal(_) => PONTE_E_INTERNAL,
        Failure::Core(err) => match err {
            Error::InvalidJson { .. } => PONTE_E_INVALID_JSON,
            Error::InputTooLarge { .. } => PONTE_E_INPUT_TOO_LARGE,
            Error::InvalidData { .. } => PONTE_E_INVALID_DATA,
            Error::InvalidArgument { .. } => PONTE_E_INVALID_ARGUMENT,
            Error::NotFound(_) => PONTE_E_NOT_FOUND,
            Error::Conflict(_) | Error::RunningElsewhere(_) => PONTE_E_CONFLICT,
            Error::InvalidConfig(_) => PONTE_E_INVALID_CONFIG,
            Error::IntegrationNotFound(_) => PONTE_E_INTEGRATION_NOT_FOUND,
            Error::StateFileUnavailable { .. } => PONTE_E_STORAGE_UNAVAILABLE,
            Error::StateFileReadOnly { .. } => PONTE_E_STORAGE_READ_ONLY,
            Error::StateFileCorrupt { .. } => PONTE_E_STORAGE_CORRUPT,
            Error::NotAStateFile { .. } => PONTE_E_NOT_A_STATE_FILE,
            Error::StateFileTooNew { .. } => PONTE_E_STORAGE_TOO_NEW,
            Error::StorageBusy(_) => PONTE_E_STORAGE_BUSY,
            Error::StorageFull(_) => PONTE_E_STORAGE_FULL,
            Error::Storage(_) => PONTE_E_STORAGE,
            Error::StateFileGone { .. } => PONTE_E_STORAGE_GONE,
            Error::Network(_) => PONTE_E_NETWORK,
            Error::Timeout(_) => PONTE_E_TIMEOUT,
            Error::Auth(_) => PONTE_E_AUTH,
            Error::Unsupported(_) => PONTE_E_UNSUPPORTED,
            Error::Remote { .. } => PONTE_E_REMOTE,
            Error::Throttled(_) => PONTE_E_THROTTLED,
            Error::RedirectRefused(_) => PONTE_E_REDIRECT_REFUSED,
            Error::ResponseTooLarge(_) => PONTE_E_RESPONSE_TOO_LARGE,
            Error::Tls(_) => PONTE_E_TLS,
            Error::InvalidResponse(_) => PONTE_E_INVALID_RESPONSE,
        },
    }
}

/// Returns the name of a status code, such as `"PONTE_E_NOT_FOUND"`, or `"PONTE_E_UNKNOWN"`
/// for a number Ponte does not define.
///
/// Ownership: Static; do not free.
/// Thread safety: callable from any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn ponte_status_name(status: i32) -> *const c_char {
    STATUSES
        .iter()
        .find(|(code, _)| *code == status)
        .map_or(c"PONTE_E_UNKNOWN", |(_, name)| name)
        .as_ptr()
}

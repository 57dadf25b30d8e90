//! The opaque handle C callers hold: one `Ponte` behind a mutex, so calls on a handle are
//! serialized and a handle may move between threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::boundary::{catch, guarded, Failure};
use crate::failpoint;
use crate::Ponte;

/// An open state file. Opaque to C: created by `ponte_open`, released by `ponte_close`.
#[allow(non_camel_case_types)]
pub struct ponte {
    inner: Mutex<Ponte>,
    /// Set when a panic escaped a call on this handle: its state can no longer be trusted.
    poisoned: AtomicBool,
}

impl ponte {
    pub(crate) fn new(inner: Ponte) -> ponte {
        ponte {
            inner: Mutex::new(inner),
            poisoned: AtomicBool::new(false),
        }
    }
}

/// Runs an export's body on the handle: NULL and poisoned handles are refused, calls are
/// serialized, and a panic poisons the handle before the boundary records it.
pub(crate) fn with_handle(
    name: &'static str,
    handle: *mut ponte,
    body: impl FnOnce(&mut Ponte) -> Result<(), Failure>,
) -> i32 {
    guarded(|| {
        // SAFETY: a non-NULL handle came from `ponte_open` and is not yet closed, by contract.
        let handle = unsafe { handle.as_ref() }.ok_or(Failure::NullArgument("handle"))?;
        if handle.poisoned.load(Ordering::Acquire) {
            return Err(Failure::Poisoned);
        }
        // A panic while locked is caught below and poisons the handle, so the mutex's own
        // poison flag adds nothing.
        let mut inner = handle
            .inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let outcome = catch(|| {
            failpoint::check(name);
            body(&mut inner)
        });
        if matches!(outcome, Err(Failure::Panic(_))) {
            handle.poisoned.store(true, Ordering::Release);
        }
        outcome
    })
}

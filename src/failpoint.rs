//! Test-only failure injection. Reachable from Rust only, never from the C ABI, so no caller of
//! the shared library can arm it; a disarmed check costs one thread-local read.

use std::cell::RefCell;
use std::sync::Mutex;

thread_local! {
    static ARMED_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Arms a one-shot panic at the failpoint `name` (an export such as `ponte_catalog_get`) on the
/// calling thread.
pub fn arm_panic(name: &str) {
    ARMED_PANIC.with(|armed| *armed.borrow_mut() = Some(name.to_string()));
}

/// Panics if `name` was armed on this thread, and disarms it.
pub(crate) fn check(name: &str) {
    if take(name) {
        panic!("failpoint {name} fired");
    }
}

/// Whether `name` was armed on this thread, disarming it: for a panic to be raised elsewhere,
/// such as on a helper thread working for this one.
pub(crate) fn take(name: &str) -> bool {
    ARMED_PANIC.with(|armed| {
        let mut armed = armed.borrow_mut();
        if armed.as_deref() == Some(name) {
            *armed = None;
            true
        } else {
            false
        }
    })
}

/// The named step at which this process aborts, if armed.
static ARMED_ABORT: Mutex<Option<String>> = Mutex::new(None);

/// Arms an abort of the whole process at the named step of a run, as a power cut or a kill -9
/// there would end it: `capture.after_fetch_before_commit`, `capture.after_commit_before_return`,
/// `push.after_intent_before_http`, `push.after_http_before_commit`,
/// `writeback.after_http_before_commit`, `tokens.refresh_sent`, `tokens.answer_read`. For crash
/// tests' child processes only.
#[doc(hidden)]
pub fn arm_abort(name: &str) {
    *ARMED_ABORT.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.to_string());
}

/// Aborts the process here if `name` is armed.
pub(crate) fn reached(name: &str) {
    let armed = ARMED_ABORT.lock().unwrap_or_else(|p| p.into_inner());
    if armed.as_deref() == Some(name) {
        std::process::abort();
    }
}

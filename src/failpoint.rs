//! Test-only failure injection. Reachable from Rust only, never from the C ABI, so no caller of
//! the shared library can arm it; a disarmed check costs one thread-local read.

use std::cell::RefCell;

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
    let hit = ARMED_PANIC.with(|armed| {
        let mut armed = armed.borrow_mut();
        if armed.as_deref() == Some(name) {
            *armed = None;
            true
        } else {
            false
        }
    });
    if hit {
        panic!("failpoint {name} fired");
    }
}

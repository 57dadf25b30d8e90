//! Log records reach the host's callback on the thread that made the Ponte call, as the header
//! promises, even when a sync sends batches on helper threads: what those threads log is handed
//! back to the calling thread.
//!
//! Its own test binary: the log callback is process-wide.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;
use std::thread::ThreadId;

use common::sync::{product, Rig};
use ponte::ffi::{ponte_log_set_callback, PONTE_LOG_DEBUG};

static RECORDS: Mutex<Vec<(ThreadId, String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(
    _user_data: *mut c_void,
    _level: i32,
    target: *const c_char,
    message: *const c_char,
) {
    // SAFETY: Ponte passes NUL-terminated UTF-8 strings valid for the call.
    let (target, message) = unsafe {
        (
            CStr::from_ptr(target).to_string_lossy().into_owned(),
            CStr::from_ptr(message).to_string_lossy().into_owned(),
        )
    };
    let thread = std::thread::current().id();
    RECORDS.lock().unwrap().push((thread, target, message));
}

#[test]
fn records_from_batches_sent_in_parallel_arrive_on_the_calling_thread() {
    let status = ponte_log_set_callback(Some(collect), std::ptr::null_mut(), PONTE_LOG_DEBUG);
    assert_eq!(status, 0);
    let mut rig = Rig::with(|c| c.http.max_concurrent_requests = 3);
    let products: Vec<String> = (0..300)
        .map(|n| product(&format!("P{n:03}"), &format!("SKU-{n:03}"), None, 1000, 1))
        .collect();
    rig.put(&products);
    // One request at a time: the batches sent together are throttled and retried, and the
    // retries are logged on the threads that send them.
    rig.sandbox
        .set_rate_limit_on(Some((1, 2)), rig.clock.clone());
    let report = rig.sync();
    assert_eq!(Rig::count(&report, "create"), 300, "{:?}", report.counts);
    assert!(rig.sandbox.throttled() > 0, "nothing was throttled");

    let caller = std::thread::current().id();
    let records = RECORDS.lock().unwrap();
    let retries: Vec<_> = records
        .iter()
        .filter(|(_, target, message)| target == "ponte::http" && message.contains("retry"))
        .collect();
    assert!(
        !retries.is_empty(),
        "no retry logged: {:?}",
        records.iter().map(|r| &r.2).collect::<Vec<_>>()
    );
    let elsewhere: Vec<_> = records.iter().filter(|(t, _, _)| *t != caller).collect();
    assert!(
        elsewhere.is_empty(),
        "records on another thread: {elsewhere:?}"
    );
}

//! Sync options and report filters as the C ABI takes them: the bytes (up to the first NUL, as a C
//! string ends there) go to `ponte_sync_plan`'s `options_json` and to `ponte_report`'s
//! `filter_json`, on a handle over a scratch state file. `ponte_report` runs on a configured
//! integration, so the filter's dates and state are checked too; `ponte_sync_plan` runs on an
//! integration that does not exist, so it parses its options and stops before any network.
//!
//! Properties: no panic (`PONTE_E_PANIC`) and no poisoned handle; only the documented status codes;
//! the C ABI accepts exactly the options the Rust parser accepts.

#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ponte::ffi;
use ponte::model::json;
use ponte::sync::SyncOptions;

/// The C ABI's opaque handle (`ponte` in C, which would shadow the crate's name here).
type RawHandle = ffi::ponte;

struct Handle(*mut RawHandle);
// The handle is documented as usable from any thread; libFuzzer calls from one thread anyway.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

const CONFIG: &str =
    r#"{"id":"fuzz","platform":"woocommerce","base_url":"https://loja.example.com.br"}"#;

fn handle() -> *mut RawHandle {
    static HANDLE: OnceLock<Handle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // run.sh points TMPDIR inside fuzz/target.
            let dir = std::env::temp_dir().join(format!("ponte-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("a scratch directory");
            let path = CString::new(dir.join("state.db").to_str().unwrap()).unwrap();
            let config = CString::new(CONFIG).unwrap();
            let mut handle = ptr::null_mut();
            unsafe {
                assert_eq!(ffi::ponte_open(path.as_ptr(), &mut handle), ffi::PONTE_OK);
                assert_eq!(
                    ffi::ponte_integration_put(handle, config.as_ptr()),
                    ffi::PONTE_OK
                );
            }
            Handle(handle)
        })
        .0
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(ffi::ponte_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fuzz_target!(|data: &[u8]| {
    let handle = handle();
    let bytes = data.split(|b| *b == 0).next().unwrap_or_default();
    let input = CString::new(bytes).unwrap();
    let absent = c"absent";
    let fuzz = c"fuzz";

    let mut out: *mut c_char = ptr::null_mut();
    let status = unsafe { ffi::ponte_sync_plan(handle, absent.as_ptr(), input.as_ptr(), &mut out) };
    let message = last_error();
    assert!(
        matches!(
            status,
            ffi::PONTE_E_INTEGRATION_NOT_FOUND
                | ffi::PONTE_E_INVALID_JSON
                | ffi::PONTE_E_INVALID_UTF8
                | ffi::PONTE_E_INPUT_TOO_LARGE
        ),
        "ponte_sync_plan returned {status}: {message}"
    );
    assert!(out.is_null());
    if let Ok(text) = std::str::from_utf8(bytes) {
        let parsed = json::parse_value(text, "options")
            .and_then(|value| json::from_value::<SyncOptions>(value, "options"));
        assert_eq!(
            parsed.is_ok(),
            status == ffi::PONTE_E_INTEGRATION_NOT_FOUND,
            "the C ABI and the Rust parser disagree: {status}: {message}"
        );
    }

    let status = unsafe { ffi::ponte_report(handle, fuzz.as_ptr(), input.as_ptr(), &mut out) };
    let message = last_error();
    assert!(
        matches!(
            status,
            ffi::PONTE_OK
                | ffi::PONTE_E_INVALID_JSON
                | ffi::PONTE_E_INVALID_DATA
                | ffi::PONTE_E_INVALID_UTF8
                | ffi::PONTE_E_INPUT_TOO_LARGE
        ),
        "ponte_report returned {status}: {message}"
    );
    if status == ffi::PONTE_OK {
        assert!(!out.is_null());
        unsafe { ffi::ponte_string_free(out) };
    } else {
        assert!(out.is_null());
        assert!(!message.is_empty());
    }
});

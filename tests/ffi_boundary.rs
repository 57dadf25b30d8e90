//! Drives every export as a C caller would (STYLE.md 22, RELIABILITY.md scenario 25): NULL for
//! each pointer, invalid UTF-8, malformed and wrong-shape JSON, `_out` reset on failure, free of
//! NULL, a forced panic per export, and errors preserved by the accessors.

mod common;

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::sync::Mutex;

use ::ponte::ffi::*;
use common::*;

type StrOutFn = unsafe extern "C" fn(*mut ponte, *const c_char, *mut *mut c_char) -> i32;
type StrFn = unsafe extern "C" fn(*mut ponte, *const c_char) -> i32;
type OutFn = unsafe extern "C" fn(*mut ponte, *mut *mut c_char) -> i32;

#[derive(Clone, Copy)]
enum Call {
    StrOut(StrOutFn),
    Str(StrFn),
    Out(OutFn),
}

/// A string argument: its name, a value that succeeds, and whether it is JSON (with a value of
/// the wrong shape and the path the error must name).
#[derive(Clone, Copy)]
struct Input {
    name: &'static str,
    valid: &'static str,
    wrong_shape: Option<(&'static str, &'static str)>,
}

#[derive(Clone, Copy)]
struct HandleExport {
    name: &'static str,
    call: Call,
    input: Option<Input>,
    out: Option<&'static str>,
    out_optional: bool,
}

const HANDLE_EXPORTS: &[HandleExport] = &[
    HandleExport {
        name: "ponte_integration_put",
        call: Call::Str(ponte_integration_put),
        input: Some(Input {
            name: "config_json",
            valid: CONFIG,
            wrong_shape: Some((r#"{"id":5}"#, "id")),
        }),
        out: None,
        out_optional: false,
    },
    HandleExport {
        name: "ponte_integration_get",
        call: Call::StrOut(ponte_integration_get),
        input: Some(Input {
            name: "id",
            valid: "loja",
            wrong_shape: None,
        }),
        out: Some("config_out"),
        out_optional: false,
    },
    HandleExport {
        name: "ponte_integration_check",
        call: Call::StrOut(ponte_integration_check),
        input: Some(Input {
            name: "id",
            valid: "loja",
            wrong_shape: None,
        }),
        out: Some("check_out"),
        out_optional: false,
    },
    HandleExport {
        name: "ponte_integration_list",
        call: Call::Out(ponte_integration_list),
        input: None,
        out: Some("list_out"),
        out_optional: false,
    },
    HandleExport {
        name: "ponte_integration_remove",
        call: Call::Str(ponte_integration_remove),
        input: Some(Input {
            name: "id",
            valid: "loja",
            wrong_shape: None,
        }),
        out: None,
        out_optional: false,
    },
    HandleExport {
        name: "ponte_catalog_put_products",
        call: Call::StrOut(ponte_catalog_put_products),
        input: Some(Input {
            name: "products_json",
            valid: PRODUCTS,
            wrong_shape: Some((
                r#"[{"erp_id":"1","show_in_store":"yes"}]"#,
                r#"products[0] (erp_id "1").show_in_store"#,
            )),
        }),
        out: Some("summary_out"),
        out_optional: true,
    },
    HandleExport {
        name: "ponte_catalog_put_brands",
        call: Call::StrOut(ponte_catalog_put_brands),
        input: Some(Input {
            name: "brands_json",
            valid: BRANDS,
            wrong_shape: Some((
                r#"[{"id":"X","name":"X","show_in_electronic_order":1}]"#,
                r#"brands[0] (id "X").show_in_electronic_order"#,
            )),
        }),
        out: Some("summary_out"),
        out_optional: true,
    },
    HandleExport {
        name: "ponte_catalog_put_categories",
        call: Call::StrOut(ponte_catalog_put_categories),
        input: Some(Input {
            name: "categories_json",
            valid: CATEGORIES,
            wrong_shape: Some((
                r#"[{"id":"X","name":"X","parent_id":7}]"#,
                r#"categories[0] (id "X").parent_id"#,
            )),
        }),
        out: Some("summary_out"),
        out_optional: true,
    },
    HandleExport {
        name: "ponte_catalog_put_stock",
        call: Call::StrOut(ponte_catalog_put_stock),
        input: Some(Input {
            name: "stock_json",
            valid: r#"[{"sku":"TRA-PP-45","quantity":7}]"#,
            wrong_shape: Some((
                r#"[{"sku":"TRA-PP-45","quantity":"7"}]"#,
                r#"stock[0] (sku "TRA-PP-45").quantity"#,
            )),
        }),
        out: Some("summary_out"),
        out_optional: true,
    },
    HandleExport {
        name: "ponte_catalog_retire_products",
        call: Call::StrOut(ponte_catalog_retire_products),
        input: Some(Input {
            name: "erp_ids_json",
            valid: r#"["1002"]"#,
            wrong_shape: Some((r#"[1002]"#, "erp_ids[0]")),
        }),
        out: Some("summary_out"),
        out_optional: true,
    },
    HandleExport {
        name: "ponte_catalog_get",
        call: Call::StrOut(ponte_catalog_get),
        input: Some(Input {
            name: "key_json",
            valid: r#"{"sku":"TRA-PP-45"}"#,
            wrong_shape: Some((r#"{"sku":45}"#, "key.sku")),
        }),
        out: Some("product_out"),
        out_optional: false,
    },
];

/// A category tree: Casa > Cozinha > Panelas.
const CATEGORIES: &str = r#"[{"id":"CASA","name":"Casa"},{"id":"COZINHA","name":"Cozinha","parent_id":"CASA"},
    {"id":"PANELAS","name":"Panelas","parent_id":"COZINHA"}]"#;

/// Exports tested one by one below, because their signatures are their own.
const OTHER_EXPORTS: &[&str] = &[
    "ponte_open",
    "ponte_close",
    "ponte_last_error_code",
    "ponte_last_error_message",
    "ponte_status_name",
    "ponte_string_free",
    "ponte_version",
    "ponte_version_number",
    "ponte_log_set_callback",
    "ponte_sandbox_start",
    "ponte_sandbox_stop",
    "ponte_sandbox_place_order",
    "ponte_sync_plan",
    "ponte_sync_products",
    "ponte_product_status",
    "ponte_sync_runs",
    "ponte_capture_orders",
    "ponte_orders_pending",
    "ponte_order_confirm",
    "ponte_order_reject",
    "ponte_order_retry",
    "ponte_reservations",
    "ponte_report",
    "ponte_customers_pending",
    "ponte_customer_confirm",
    "ponte_webhook_ingest",
    "ponte_set_credentials_callback",
    "ponte_order_events",
    "ponte_order_event_ack",
    "ponte_order_fulfil",
    "ponte_capture_orders_with",
    "ponte_run_due",
    "ponte_jobs",
    "ponte_health",
];

/// A non-NULL pointer that no successful or failed call may leave in an `_out` parameter.
const SENTINEL: *mut c_char = ptr::dangling_mut::<c_char>();

fn invoke(
    export: &HandleExport,
    handle: *mut ponte,
    input: *const c_char,
    out: *mut *mut c_char,
) -> i32 {
    // SAFETY: every pointer is NULL, a live C string, a live out slot or a live handle.
    unsafe {
        match export.call {
            Call::StrOut(f) => f(handle, input, out),
            Call::Str(f) => f(handle, input),
            Call::Out(f) => f(handle, out),
        }
    }
}

fn last_message() -> String {
    // SAFETY: never NULL, valid until the next call on this thread.
    unsafe { CStr::from_ptr(ponte_last_error_message()) }
        .to_str()
        .expect("messages are UTF-8")
        .to_string()
}

fn free(s: *mut c_char) {
    // SAFETY: from a Ponte `_out`, or NULL.
    unsafe { ponte_string_free(s) }
}

/// An open handle on a fresh state file with an integration and the test catalog.
struct Fixture {
    handle: *mut ponte,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = CString::new(dir.path().join("state.db").to_str().unwrap()).unwrap();
        let mut handle = ptr::null_mut();
        // SAFETY: valid C string and out slot.
        assert_eq!(
            unsafe { ponte_open(path.as_ptr(), &mut handle) },
            PONTE_OK,
            "{}",
            last_message()
        );
        let fixture = Fixture { handle, _dir: dir };
        for (f, json) in [
            (ponte_catalog_put_brands as StrOutFn, BRANDS),
            (ponte_catalog_put_products, PRODUCTS),
        ] {
            let json = CString::new(json).unwrap();
            // SAFETY: live handle, C string; summary not wanted.
            assert_eq!(
                unsafe { f(handle, json.as_ptr(), ptr::null_mut()) },
                PONTE_OK,
                "{}",
                last_message()
            );
        }
        let config = CString::new(CONFIG).unwrap();
        // SAFETY: live handle and C string.
        assert_eq!(
            unsafe { ponte_integration_put(handle, config.as_ptr()) },
            PONTE_OK,
            "{}",
            last_message()
        );
        fixture
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // SAFETY: opened in `new`, closed once here.
        unsafe { ponte_close(self.handle) }
    }
}

#[test]
fn every_header_function_is_covered_by_these_tests() {
    let mut covered: Vec<String> = HANDLE_EXPORTS
        .iter()
        .map(|e| e.name.to_string())
        .chain(OTHER_EXPORTS.iter().map(|n| n.to_string()))
        .collect();
    covered.sort();
    assert_eq!(
        header_functions(),
        covered,
        "a new export needs its row in this file"
    );
}

#[test]
fn each_handle_export_succeeds_with_valid_arguments_and_fills_its_output() {
    for export in HANDLE_EXPORTS {
        let fixture = Fixture::new();
        let input = export.input.map(|i| CString::new(i.valid).unwrap());
        let mut out = SENTINEL;
        let status = invoke(
            export,
            fixture.handle,
            input.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut out,
        );
        assert_eq!(status, PONTE_OK, "{}: {}", export.name, last_message());
        assert_eq!(ponte_last_error_code(), PONTE_OK);
        assert_eq!(last_message(), "");
        if export.out.is_some() {
            assert!(
                !out.is_null() && out != SENTINEL,
                "{}: output not filled",
                export.name
            );
            // SAFETY: a string Ponte just returned.
            let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
            serde_json::from_str::<serde_json::Value>(&text).expect("outputs are JSON");
            assert!(
                !text.contains(CANARY),
                "{}: a credential came back",
                export.name
            );
            free(out);
        }
    }
}

#[test]
fn a_null_handle_is_refused_and_outputs_are_reset() {
    for export in HANDLE_EXPORTS {
        let input = export.input.map(|i| CString::new(i.valid).unwrap());
        let mut out = SENTINEL;
        let status = invoke(
            export,
            ptr::null_mut(),
            input.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut out,
        );
        assert_eq!(status, PONTE_E_NULL_ARGUMENT, "{}", export.name);
        assert_eq!(last_message(), "argument `handle` is NULL");
        if export.out.is_some() {
            assert!(out.is_null(), "{}: out not reset", export.name);
        }
    }
}

#[test]
fn a_null_input_string_is_refused_by_name() {
    let fixture = Fixture::new();
    for export in HANDLE_EXPORTS {
        let Some(input) = export.input else { continue };
        let mut out = SENTINEL;
        let status = invoke(export, fixture.handle, ptr::null(), &mut out);
        assert_eq!(status, PONTE_E_NULL_ARGUMENT, "{}", export.name);
        assert_eq!(last_message(), format!("argument `{}` is NULL", input.name));
        if export.out.is_some() {
            assert!(out.is_null(), "{}: out not reset", export.name);
        }
    }
}

#[test]
fn a_null_output_is_refused_unless_it_is_optional() {
    for export in HANDLE_EXPORTS {
        let Some(out_name) = export.out else { continue };
        let fixture = Fixture::new();
        let input = export.input.map(|i| CString::new(i.valid).unwrap());
        let status = invoke(
            export,
            fixture.handle,
            input.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            ptr::null_mut(),
        );
        if export.out_optional {
            assert_eq!(status, PONTE_OK, "{}: {}", export.name, last_message());
        } else {
            assert_eq!(status, PONTE_E_NULL_ARGUMENT, "{}", export.name);
            assert_eq!(last_message(), format!("argument `{out_name}` is NULL"));
        }
    }
}

#[test]
fn invalid_utf8_is_refused_with_the_argument_and_offset() {
    let fixture = Fixture::new();
    // "Müller" as Windows-1252 sends it, the default of C#'s ANSI marshalling.
    let cp1252 = CString::new(b"M\xfcller".to_vec()).unwrap();
    for export in HANDLE_EXPORTS {
        let Some(input) = export.input else { continue };
        let mut out = SENTINEL;
        let status = invoke(export, fixture.handle, cp1252.as_ptr(), &mut out);
        assert_eq!(status, PONTE_E_INVALID_UTF8, "{}", export.name);
        let message = last_message();
        assert!(
            message.starts_with(&format!("argument `{}` is not valid UTF-8", input.name)),
            "{message}"
        );
        assert!(message.contains("offset 1"), "{message}");
        if export.out.is_some() {
            assert!(out.is_null());
        }
    }
}

#[test]
fn malformed_json_is_refused_with_its_position() {
    let fixture = Fixture::new();
    let broken = CString::new(r#"[{"erp_id": "1",}"#).unwrap();
    for export in HANDLE_EXPORTS {
        let Some(Input {
            wrong_shape: Some(_),
            ..
        }) = export.input
        else {
            continue;
        };
        let mut out = SENTINEL;
        let status = invoke(export, fixture.handle, broken.as_ptr(), &mut out);
        assert_eq!(status, PONTE_E_INVALID_JSON, "{}", export.name);
        assert!(
            last_message().contains("not valid JSON"),
            "{}",
            last_message()
        );
        assert!(
            last_message().contains("line 1 column"),
            "{}",
            last_message()
        );
        if export.out.is_some() {
            assert!(out.is_null());
        }
    }
}

#[test]
fn wrong_shape_json_is_refused_with_its_path() {
    let fixture = Fixture::new();
    for export in HANDLE_EXPORTS {
        let Some(Input {
            wrong_shape: Some((json, path)),
            ..
        }) = export.input
        else {
            continue;
        };
        let json = CString::new(json).unwrap();
        let mut out = SENTINEL;
        let status = invoke(export, fixture.handle, json.as_ptr(), &mut out);
        assert_eq!(
            status,
            PONTE_E_INVALID_JSON,
            "{}: {}",
            export.name,
            last_message()
        );
        assert!(
            last_message().starts_with(&format!("{path}: ")),
            "{}: {}",
            export.name,
            last_message()
        );
        if export.out.is_some() {
            assert!(out.is_null());
        }
    }
}

#[test]
fn a_category_tree_with_a_cycle_or_a_missing_parent_is_refused_naming_the_category() {
    let fixture = Fixture::new();
    let put = |json: &str| {
        let json = CString::new(json).unwrap();
        let mut out = SENTINEL;
        // SAFETY: a live handle, a C string and an out slot.
        let status =
            unsafe { ponte_catalog_put_categories(fixture.handle, json.as_ptr(), &mut out) };
        let text = (status == PONTE_OK).then(|| {
            // SAFETY: a string Ponte just returned; freed once, here.
            let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
            free(out);
            text
        });
        if status != PONTE_OK {
            assert!(out.is_null(), "summary_out not reset: {}", last_message());
        }
        (status, text)
    };
    assert_eq!(
        put(CATEGORIES),
        (
            PONTE_OK,
            Some(r#"{"created":3,"updated":0,"unchanged":0}"#.to_string())
        )
    );
    for (json, message) in [
        // A cycle inside the batch.
        (
            r#"[{"id":"Z","name":"Z"},{"id":"M","name":"M","parent_id":"M"}]"#,
            r#"categories[1] (id "M").parent_id: category "M" would be inside itself"#,
        ),
        (
            r#"[{"id":"A","name":"A","parent_id":"B"},{"id":"B","name":"B","parent_id":"A"}]"#,
            r#"categories[0] (id "A").parent_id: category "A" would be inside itself"#,
        ),
        // A cycle through the categories already in the catalog.
        (
            r#"[{"id":"CASA","name":"Casa","parent_id":"PANELAS"}]"#,
            r#"categories[0] (id "CASA").parent_id: category "CASA" would be inside itself"#,
        ),
        // A parent neither in the batch nor in the catalog.
        (
            r#"[{"id":"ROUPAS","name":"Roupas"},{"id":"CAMISETAS","name":"Camisetas","parent_id":"VESTUARIO"}]"#,
            r#"categories[1] (id "CAMISETAS").parent_id: category "VESTUARIO" does not exist"#,
        ),
    ] {
        assert_eq!(put(json), (PONTE_E_INVALID_DATA, None), "{json}");
        assert_eq!(ponte_last_error_code(), PONTE_E_INVALID_DATA);
        assert!(
            last_message().starts_with(message),
            "{json}: {}",
            last_message()
        );
    }
    // Nothing of the refused batches was written.
    assert_eq!(
        put(CATEGORIES),
        (
            PONTE_OK,
            Some(r#"{"created":0,"updated":0,"unchanged":3}"#.to_string())
        )
    );
}

#[test]
fn a_forced_panic_returns_panic_and_poisons_the_handle() {
    for export in HANDLE_EXPORTS {
        let fixture = Fixture::new();
        let input = export.input.map(|i| CString::new(i.valid).unwrap());
        let input = input.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        ::ponte::failpoint::arm_panic(export.name);
        let mut out = SENTINEL;
        assert_eq!(
            invoke(export, fixture.handle, input, &mut out),
            PONTE_E_PANIC,
            "{}",
            export.name
        );
        assert!(
            last_message().contains(&format!("failpoint {} fired", export.name)),
            "{}",
            last_message()
        );
        if export.out.is_some() {
            assert!(out.is_null());
        }
        // Every later call on the handle is refused until it is closed.
        let mut out = SENTINEL;
        assert_eq!(
            invoke(export, fixture.handle, input, &mut out),
            PONTE_E_HANDLE_POISONED,
            "{}",
            export.name
        );
        let list = HANDLE_EXPORTS
            .iter()
            .find(|e| e.name == "ponte_integration_list")
            .unwrap();
        assert_eq!(
            invoke(list, fixture.handle, ptr::null(), &mut out),
            PONTE_E_HANDLE_POISONED
        );
    }
}

#[test]
fn a_panic_in_a_handle_less_export_is_caught_too() {
    ::ponte::failpoint::arm_panic("ponte_open");
    let mut handle = SENTINEL as *mut ponte;
    // SAFETY: valid C string and out slot.
    let status = unsafe { ponte_open(c"/tmp/never-opened.db".as_ptr(), &mut handle) };
    assert_eq!(status, PONTE_E_PANIC);
    assert!(handle.is_null());
    ::ponte::failpoint::arm_panic("ponte_log_set_callback");
    assert_eq!(
        ponte_log_set_callback(None, ptr::null_mut(), PONTE_LOG_OFF),
        PONTE_E_PANIC
    );
}

#[test]
fn open_refuses_null_and_bad_arguments() {
    let mut handle = SENTINEL as *mut ponte;
    // SAFETY: NULL and valid pointers only.
    unsafe {
        assert_eq!(ponte_open(ptr::null(), &mut handle), PONTE_E_NULL_ARGUMENT);
        assert_eq!(last_message(), "argument `path` is NULL");
        assert!(handle.is_null());
        assert_eq!(
            ponte_open(c"/tmp/x.db".as_ptr(), ptr::null_mut()),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `handle_out` is NULL");
        let cp1252 = CString::new(b"/tmp/M\xfcller.db".to_vec()).unwrap();
        handle = SENTINEL as *mut ponte;
        assert_eq!(
            ponte_open(cp1252.as_ptr(), &mut handle),
            PONTE_E_INVALID_UTF8
        );
        assert!(handle.is_null());
        assert_eq!(
            ponte_open(c"/no/such/dir/ponte.db".as_ptr(), &mut handle),
            PONTE_E_STORAGE_UNAVAILABLE
        );
        assert!(
            last_message().contains("directory '/no/such/dir' does not exist"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_open(c"".as_ptr(), &mut handle),
            PONTE_E_INVALID_ARGUMENT
        );
        assert!(
            last_message().contains("`path` is empty"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_open(c"/tmp".as_ptr(), &mut handle),
            PONTE_E_STORAGE_UNAVAILABLE
        );
        assert!(
            last_message().contains("it is a directory"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_open(c"//servidor/compartilhado/ponte.db".as_ptr(), &mut handle),
            PONTE_E_STORAGE_UNAVAILABLE
        );
        assert!(
            last_message().contains("network share"),
            "{}",
            last_message()
        );
        assert!(handle.is_null());
    }
}

#[test]
fn destructors_accept_null_and_leave_the_last_error_alone() {
    // SAFETY: NULL is documented as fine.
    unsafe { ponte_open(ptr::null(), ptr::null_mut()) };
    let code = ponte_last_error_code();
    let message = last_message();
    assert_eq!(code, PONTE_E_NULL_ARGUMENT);
    // SAFETY: NULL is documented as fine for both.
    unsafe {
        ponte_close(ptr::null_mut());
        ponte_string_free(ptr::null_mut());
    }
    ponte_status_name(code);
    ponte_version();
    ponte_version_number();
    ponte_last_error_code();
    assert_eq!(ponte_last_error_code(), code);
    assert_eq!(last_message(), message);
}

#[test]
fn every_call_clears_the_last_error_first() {
    let fixture = Fixture::new();
    let list = HANDLE_EXPORTS
        .iter()
        .find(|e| e.name == "ponte_integration_list")
        .unwrap();
    assert_eq!(
        invoke(list, fixture.handle, ptr::null(), ptr::null_mut()),
        PONTE_E_NULL_ARGUMENT
    );
    let mut out = ptr::null_mut();
    assert_eq!(
        invoke(list, fixture.handle, ptr::null(), &mut out),
        PONTE_OK
    );
    free(out);
    assert_eq!(ponte_last_error_code(), PONTE_OK);
    assert_eq!(last_message(), "");
}

#[test]
fn the_last_error_is_per_thread() {
    // SAFETY: NULL arguments are refused, not dereferenced.
    unsafe { ponte_open(ptr::null(), ptr::null_mut()) };
    let other = std::thread::spawn(|| (ponte_last_error_code(), last_message()))
        .join()
        .unwrap();
    assert_eq!(other, (PONTE_OK, String::new()));
    assert_eq!(ponte_last_error_code(), PONTE_E_NULL_ARGUMENT);
}

#[test]
fn status_names_are_stable_and_unknown_numbers_are_named_so() {
    let name = |code| {
        // SAFETY: static strings.
        unsafe { CStr::from_ptr(ponte_status_name(code)) }
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(name(PONTE_OK), "PONTE_OK");
    assert_eq!(name(-105), "PONTE_E_NOT_FOUND");
    assert_eq!(name(PONTE_E_PANIC), "PONTE_E_PANIC");
    assert_eq!(name(i32::MIN), "PONTE_E_UNKNOWN");
    assert_eq!(name(1), "PONTE_E_UNKNOWN");
    // Every status the header defines has its own name.
    let header = std::fs::read_to_string(repo_root().join("include/ponte.h")).unwrap();
    for line in header
        .lines()
        .filter(|l| l.starts_with("#define PONTE_E_") || l.starts_with("#define PONTE_OK"))
    {
        let mut parts = line.split_whitespace().skip(1);
        let (macro_name, value) = (
            parts.next().unwrap(),
            parts.next().unwrap().parse::<i32>().unwrap(),
        );
        assert_eq!(name(value), macro_name);
    }
}

#[test]
fn the_version_matches_cargo_toml_everywhere() {
    // SAFETY: a static string.
    let text = unsafe { CStr::from_ptr(ponte_version()) }.to_str().unwrap();
    assert_eq!(text, env!("CARGO_PKG_VERSION"));
    let major: i32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: i32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: i32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    assert_eq!(
        (
            PONTE_VERSION_MAJOR,
            PONTE_VERSION_MINOR,
            PONTE_VERSION_PATCH
        ),
        (major, minor, patch)
    );
    assert_eq!(
        ponte_version_number(),
        major * 1_000_000 + minor * 1_000 + patch
    );
    assert_eq!(PONTE_VERSION_NUMBER, ponte_version_number());
    let header = std::fs::read_to_string(repo_root().join("include/ponte.h")).unwrap();
    assert!(header.contains(&format!("#define PONTE_VERSION \"{text}\"")));
}

/// Records gathered by the log callback; the test owns the only callback in this binary.
static RECORDS: Mutex<Vec<(i32, String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(
    user_data: *mut c_void,
    level: i32,
    target: *const c_char,
    message: *const c_char,
) {
    assert_eq!(user_data as usize, 0xC0FFEE);
    // SAFETY: Ponte passes NUL-terminated UTF-8 strings valid for the call.
    let (target, message) = unsafe { (CStr::from_ptr(target), CStr::from_ptr(message)) };
    RECORDS.lock().unwrap().push((
        level,
        target.to_str().unwrap().into(),
        message.to_str().unwrap().into(),
    ));
}

#[test]
fn log_records_reach_the_callback_and_never_carry_credentials() {
    assert_eq!(
        ponte_log_set_callback(Some(collect), 0xC0FFEE as *mut c_void, 9),
        PONTE_E_INVALID_ARGUMENT
    );
    assert!(last_message().contains("`max_level` is 9"));
    assert_eq!(
        ponte_log_set_callback(Some(collect), 0xC0FFEE as *mut c_void, PONTE_LOG_DEBUG),
        PONTE_OK
    );
    {
        let _fixture = Fixture::new();
    }
    assert_eq!(
        ponte_log_set_callback(None, ptr::null_mut(), PONTE_LOG_DEBUG),
        PONTE_OK
    );
    let records = RECORDS.lock().unwrap().clone();
    assert!(
        records
            .iter()
            .any(|(level, target, message)| *level == PONTE_LOG_INFO
                && target == "ponte::config"
                && message.contains("integration loja put")),
        "{records:?}"
    );
    assert!(records
        .iter()
        .all(|(_, _, message)| !message.contains(CANARY)));
}

#[test]
fn an_oversized_document_is_refused_before_it_is_parsed() {
    let fixture = Fixture::new();
    // 65 MiB of a JSON array: over the 64 MiB limit, well-formed all the same.
    let mut huge = String::with_capacity(65 * 1024 * 1024 + 2);
    huge.push('[');
    huge.push_str(&"0,".repeat(65 * 1024 * 1024 / 2));
    huge.push('0');
    huge.push(']');
    let huge = CString::new(huge).unwrap();
    for export in HANDLE_EXPORTS {
        let Some(Input {
            wrong_shape: Some(_),
            name,
            ..
        }) = export.input
        else {
            continue;
        };
        let mut out = SENTINEL;
        let status = invoke(export, fixture.handle, huge.as_ptr(), &mut out);
        assert_eq!(status, PONTE_E_INPUT_TOO_LARGE, "{name}");
        assert!(
            last_message().contains("the limit is 67108864 bytes"),
            "{}",
            last_message()
        );
        if export.out.is_some() {
            assert!(out.is_null());
        }
    }
}

#[test]
fn a_handle_opened_on_one_thread_is_used_and_closed_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = CString::new(dir.path().join("state.db").to_str().unwrap()).unwrap();
    let mut handle = ptr::null_mut();
    // SAFETY: valid C string and out slot.
    assert_eq!(unsafe { ponte_open(path.as_ptr(), &mut handle) }, PONTE_OK);
    let handle = handle as usize;
    let worker = std::thread::spawn(move || {
        let handle = handle as *mut ponte;
        let mut out = ptr::null_mut();
        // SAFETY: a live handle, moved to this thread and closed once, here.
        unsafe {
            let status = ponte_integration_list(handle, &mut out);
            ponte_string_free(out);
            ponte_close(handle);
            status
        }
    });
    assert_eq!(worker.join().unwrap(), PONTE_OK);
}

#[test]
fn a_sandbox_starts_answers_and_stops_through_the_c_abi() {
    let mut sandbox = ptr::null_mut();
    let mut info = ptr::null_mut();
    // SAFETY: valid C string and out slots.
    let status = unsafe {
        ponte_sandbox_start(
            c"{\"platform\":\"woocommerce\"}".as_ptr(),
            &mut sandbox,
            &mut info,
        )
    };
    assert_eq!(status, PONTE_OK, "{}", last_message());
    // SAFETY: a string Ponte just returned.
    let text = unsafe { CStr::from_ptr(info) }
        .to_str()
        .unwrap()
        .to_string();
    free(info);
    let info: serde_json::Value = serde_json::from_str(&text).unwrap();
    let base_url = info["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    assert!(info["consumer_key"].as_str().unwrap().starts_with("ck_"));
    let answer = ureq::get(&format!("{}/info", info["control_url"].as_str().unwrap()))
        .call()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    // SAFETY: started above, stopped once.
    unsafe { ponte_sandbox_stop(sandbox) };
    assert!(
        ureq::get(&format!("{base_url}/__sandbox/info"))
            .call()
            .is_err(),
        "still serving after stop"
    );
}

#[test]
fn sandbox_start_refuses_bad_arguments() {
    let mut sandbox = SENTINEL as *mut ponte_sandbox;
    let mut info = SENTINEL;
    // SAFETY: NULL, valid C strings and valid out slots only.
    unsafe {
        assert_eq!(
            ponte_sandbox_start(ptr::null(), &mut sandbox, &mut info),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `options_json` is NULL");
        assert!(sandbox.is_null() && info.is_null());
        assert_eq!(
            ponte_sandbox_start(c"{}".as_ptr(), ptr::null_mut(), &mut info),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(
            ponte_sandbox_start(c"{}".as_ptr(), &mut sandbox, ptr::null_mut()),
            PONTE_E_NULL_ARGUMENT
        );
        let cp1252 = CString::new(b"{\"platform\":\"M\xfcller\"}".to_vec()).unwrap();
        assert_eq!(
            ponte_sandbox_start(cp1252.as_ptr(), &mut sandbox, &mut info),
            PONTE_E_INVALID_UTF8
        );
        assert_eq!(
            ponte_sandbox_start(c"{".as_ptr(), &mut sandbox, &mut info),
            PONTE_E_INVALID_JSON
        );
        assert_eq!(
            ponte_sandbox_start(
                c"{\"platform\":\"magento\"}".as_ptr(),
                &mut sandbox,
                &mut info
            ),
            PONTE_E_INVALID_JSON
        );
        assert!(
            last_message().starts_with("options.platform: unknown variant `magento`"),
            "{}",
            last_message()
        );
        assert!(sandbox.is_null() && info.is_null());
        ::ponte::failpoint::arm_panic("ponte_sandbox_start");
        assert_eq!(
            ponte_sandbox_start(
                c"{\"platform\":\"woocommerce\"}".as_ptr(),
                &mut sandbox,
                &mut info
            ),
            PONTE_E_PANIC
        );
        assert!(sandbox.is_null() && info.is_null());
        ponte_sandbox_stop(ptr::null_mut());
    }
}

/// A handle whose integration `loja` points at a running sandbox, with the test catalog.
struct SyncFixture {
    fixture: Fixture,
    _sandbox: ::ponte::sandbox::WooSandbox,
}

impl SyncFixture {
    fn new() -> SyncFixture {
        let fixture = Fixture::new();
        let sandbox = ::ponte::sandbox::WooSandbox::start().unwrap();
        let key = sandbox.key();
        let config = CString::new(
            json!({"id": "loja", "platform": "woocommerce", "base_url": sandbox.base_url(), "allow_http": true,
                   "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}})
            .to_string(),
        )
        .unwrap();
        // SAFETY: live handle and C string.
        assert_eq!(
            unsafe { ponte_integration_put(fixture.handle, config.as_ptr()) },
            PONTE_OK,
            "{}",
            last_message()
        );
        SyncFixture {
            fixture,
            _sandbox: sandbox,
        }
    }
}

fn take(out: *mut c_char) -> serde_json::Value {
    // SAFETY: a string Ponte just returned.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    free(out);
    serde_json::from_str(&text).unwrap()
}

unsafe extern "C" fn count_batches(user_data: *mut c_void, done: i32, total: i32) -> i32 {
    // SAFETY: the test passes a live `Vec<(i32, i32)>`.
    let calls = unsafe { &mut *(user_data as *mut Vec<(i32, i32)>) };
    calls.push((done, total));
    0
}

unsafe extern "C" fn cancel_at_once(_user_data: *mut c_void, _done: i32, _total: i32) -> i32 {
    1
}

use serde_json::json;

#[test]
fn sync_products_pushes_reports_progress_and_can_be_cancelled() {
    let rig = SyncFixture::new();
    let h = rig.fixture.handle;
    let mut calls: Vec<(i32, i32)> = Vec::new();
    let mut out = SENTINEL;
    // SAFETY: live handle, C strings, a callback with its user data, an out slot.
    let status = unsafe {
        ponte_sync_products(
            h,
            c"loja".as_ptr(),
            c"{}".as_ptr(),
            Some(count_batches),
            &mut calls as *mut _ as *mut c_void,
            &mut out,
        )
    };
    assert_eq!(status, PONTE_OK, "{}", last_message());
    let report = take(out);
    assert_eq!(
        (
            report["status"].as_str(),
            report["counts"]["create"].as_u64()
        ),
        (Some("completed"), Some(2))
    );
    assert_eq!(calls, vec![(2, 2)]);

    // A change, then a run cancelled by its callback: recorded as cancelled, reported with OK.
    let stock = c"[{\"sku\":\"TRA-PP-45\",\"quantity\":1}]";
    // SAFETY: live handle and C strings.
    unsafe { ponte_catalog_put_stock(h, stock.as_ptr(), ptr::null_mut()) };
    let mut out = ptr::null_mut();
    // SAFETY: as above; no user data needed.
    let status = unsafe {
        ponte_sync_products(
            h,
            c"loja".as_ptr(),
            c"{}".as_ptr(),
            Some(cancel_at_once),
            ptr::null_mut(),
            &mut out,
        )
    };
    assert_eq!(status, PONTE_OK);
    assert_eq!(take(out)["status"], "cancelled");
    let mut out = ptr::null_mut();
    // SAFETY: as above.
    assert_eq!(
        unsafe { ponte_sync_runs(h, c"loja".as_ptr(), 10, &mut out) },
        PONTE_OK
    );
    let runs = take(out);
    assert_eq!(
        (runs[0]["status"].as_str(), runs[1]["status"].as_str()),
        (Some("cancelled"), Some("completed"))
    );

    let mut out = ptr::null_mut();
    // SAFETY: as above.
    assert_eq!(
        unsafe {
            ponte_product_status(
                h,
                c"loja".as_ptr(),
                c"{\"sku\":\"TRA-PP-45\"}".as_ptr(),
                &mut out,
            )
        },
        PONTE_OK
    );
    assert_eq!(take(out)["state"], "in_store");
    let stock = c"[{\"sku\":\"TRA-PP-45\",\"quantity\":9}]";
    // SAFETY: live handle and C strings.
    unsafe { ponte_catalog_put_stock(h, stock.as_ptr(), ptr::null_mut()) };
    let mut out = ptr::null_mut();
    // SAFETY: as above.
    assert_eq!(
        unsafe {
            ponte_sync_plan(
                h,
                c"loja".as_ptr(),
                c"{\"stock_only\":true}".as_ptr(),
                &mut out,
            )
        },
        PONTE_OK
    );
    assert_eq!(take(out)["counts"]["stock_only"], 1);
}

#[test]
fn the_sync_exports_refuse_bad_arguments_by_name() {
    let rig = SyncFixture::new();
    let h = rig.fixture.handle;
    let cp1252 = CString::new(b"M\xfcller".to_vec()).unwrap();
    let mut out = SENTINEL;
    // SAFETY: NULL, live handle, C strings and out slots only.
    unsafe {
        let expect_null = |status: i32, message: &str, out: *mut c_char| {
            assert_eq!(
                (status, last_message().as_str()),
                (PONTE_E_NULL_ARGUMENT, message)
            );
            assert!(out.is_null(), "{message}: out not reset");
        };
        expect_null(
            ponte_sync_products(
                ptr::null_mut(),
                c"loja".as_ptr(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut out,
            ),
            "argument `handle` is NULL",
            out,
        );
        expect_null(
            ponte_sync_products(
                h,
                ptr::null(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut out,
            ),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_sync_products(
                h,
                c"loja".as_ptr(),
                ptr::null(),
                None,
                ptr::null_mut(),
                &mut out,
            ),
            "argument `options_json` is NULL",
            out,
        );
        expect_null(
            ponte_sync_products(
                h,
                c"loja".as_ptr(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            ),
            "argument `report_out` is NULL",
            out,
        );
        expect_null(
            ponte_sync_plan(h, ptr::null(), c"{}".as_ptr(), &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_sync_plan(h, c"loja".as_ptr(), ptr::null(), &mut out),
            "argument `options_json` is NULL",
            out,
        );
        expect_null(
            ponte_sync_plan(h, c"loja".as_ptr(), c"{}".as_ptr(), ptr::null_mut()),
            "argument `plan_out` is NULL",
            out,
        );
        expect_null(
            ponte_product_status(h, ptr::null(), c"{}".as_ptr(), &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_product_status(h, c"loja".as_ptr(), ptr::null(), &mut out),
            "argument `key_json` is NULL",
            out,
        );
        expect_null(
            ponte_product_status(
                h,
                c"loja".as_ptr(),
                c"{\"sku\":\"A\"}".as_ptr(),
                ptr::null_mut(),
            ),
            "argument `status_out` is NULL",
            out,
        );
        expect_null(
            ponte_sync_runs(h, ptr::null(), 5, &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_sync_runs(h, c"loja".as_ptr(), 5, ptr::null_mut()),
            "argument `runs_out` is NULL",
            out,
        );
        assert_eq!(
            ponte_sync_runs(h, c"loja".as_ptr(), 5, ptr::null_mut()),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `runs_out` is NULL");
        assert_eq!(
            ponte_sync_products(
                h,
                cp1252.as_ptr(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut out
            ),
            PONTE_E_INVALID_UTF8
        );
        assert_eq!(
            ponte_sync_plan(h, c"loja".as_ptr(), c"{\"dry_rn\":true}".as_ptr(), &mut out),
            PONTE_E_INVALID_JSON
        );
        assert!(
            last_message().starts_with("options.dry_rn: unknown field `dry_rn`"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_product_status(h, c"loja".as_ptr(), c"{\"sku\":7}".as_ptr(), &mut out),
            PONTE_E_INVALID_JSON
        );
        assert_eq!(
            ponte_sync_products(
                h,
                c"nenhuma".as_ptr(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut out
            ),
            PONTE_E_INTEGRATION_NOT_FOUND
        );
        assert_eq!(
            ponte_sync_runs(h, c"loja".as_ptr(), 0, &mut out),
            PONTE_E_INVALID_ARGUMENT
        );
        assert!(last_message().contains("`limit` is 0"));
        assert!(out.is_null());
        for name in [
            "ponte_sync_plan",
            "ponte_sync_products",
            "ponte_product_status",
            "ponte_sync_runs",
        ] {
            let other = SyncFixture::new();
            let h = other.fixture.handle;
            ::ponte::failpoint::arm_panic(name);
            let status = match name {
                "ponte_sync_plan" => ponte_sync_plan(h, c"loja".as_ptr(), c"{}".as_ptr(), &mut out),
                "ponte_sync_products" => ponte_sync_products(
                    h,
                    c"loja".as_ptr(),
                    c"{}".as_ptr(),
                    None,
                    ptr::null_mut(),
                    &mut out,
                ),
                "ponte_product_status" => ponte_product_status(
                    h,
                    c"loja".as_ptr(),
                    c"{\"sku\":\"TRA-PP-45\"}".as_ptr(),
                    &mut out,
                ),
                _ => ponte_sync_runs(h, c"loja".as_ptr(), 5, &mut out),
            };
            assert_eq!(status, PONTE_E_PANIC, "{name}");
            assert_eq!(
                ponte_sync_runs(h, c"loja".as_ptr(), 5, &mut out),
                PONTE_E_HANDLE_POISONED,
                "{name}"
            );
        }
    }
}

/// A handle capturing `processing` orders from a sandbox that has one order for TRA-PP-45.
fn capture_fixture() -> (SyncFixture, String) {
    let rig = SyncFixture::new();
    let sandbox = &rig._sandbox;
    let key = sandbox.key();
    let config = CString::new(
        json!({"id": "loja", "platform": "woocommerce", "base_url": sandbox.base_url(), "allow_http": true, "locale": "en",
               "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
               "order_capture": {"enabled": true, "fetch_statuses": ["processing"], "rejected_status": "failed",
                                 "default_payment_terms": "A VISTA", "default_payment_method": "PIX", "require_document": false}})
        .to_string(),
    )
    .unwrap();
    // SAFETY: live handle and C strings.
    unsafe {
        assert_eq!(
            ponte_integration_put(rig.fixture.handle, config.as_ptr()),
            PONTE_OK,
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_sync_products(
                rig.fixture.handle,
                c"loja".as_ptr(),
                c"{}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut ptr::null_mut()
            ),
            PONTE_OK
        );
    }
    let order = sandbox
        .place_order(&json!({"status": "processing", "line_items": [{"sku": "TRA-PP-45", "quantity": 1}],
            "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
        .unwrap();
    let id = order["id"].as_u64().unwrap().to_string();
    (rig, id)
}

#[test]
fn orders_are_captured_confirmed_and_reported_through_the_c_abi() {
    let (rig, id) = capture_fixture();
    let h = rig.fixture.handle;
    let order_id = CString::new(id.clone()).unwrap();
    let mut out = SENTINEL;
    // SAFETY: live handle, C strings and out slots.
    unsafe {
        assert_eq!(
            ponte_capture_orders(h, c"loja".as_ptr(), &mut out),
            PONTE_OK,
            "{}",
            last_message()
        );
        let report = take(out);
        assert_eq!(report["pending"][0]["sales_order"]["status"], "closed");
        assert_eq!(report["pending_total"], 1);
        out = ptr::null_mut();
        assert_eq!(
            ponte_orders_pending(h, c"loja".as_ptr(), ptr::null(), 0, &mut out),
            PONTE_OK
        );
        let page = take(out);
        assert_eq!(page["orders"].as_array().unwrap().len(), 1);
        assert_eq!(page["next"], serde_json::Value::Null);
        out = ptr::null_mut();
        assert_eq!(ponte_reservations(h, c"loja".as_ptr(), &mut out), PONTE_OK);
        assert_eq!(take(out)[0]["kind"], "unconfirmed");
        out = ptr::null_mut();
        assert_eq!(
            ponte_order_confirm(
                h,
                c"loja".as_ptr(),
                order_id.as_ptr(),
                c"PV-1".as_ptr(),
                &mut out
            ),
            PONTE_OK
        );
        assert_eq!(take(out)["state"], "confirmed");
        assert_eq!(
            ponte_order_confirm(
                h,
                c"loja".as_ptr(),
                order_id.as_ptr(),
                c"PV-1".as_ptr(),
                ptr::null_mut()
            ),
            PONTE_OK
        );
        assert_eq!(
            ponte_order_confirm(
                h,
                c"loja".as_ptr(),
                order_id.as_ptr(),
                c"PV-2".as_ptr(),
                ptr::null_mut()
            ),
            PONTE_E_CONFLICT
        );
        assert!(last_message().contains("already confirmed as ERP order PV-1"));
        assert_eq!(
            ponte_order_reject(
                h,
                c"loja".as_ptr(),
                order_id.as_ptr(),
                c"sem estoque".as_ptr(),
                ptr::null_mut()
            ),
            PONTE_E_CONFLICT
        );
        out = ptr::null_mut();
        assert_eq!(
            ponte_order_retry(h, c"loja".as_ptr(), order_id.as_ptr(), &mut out),
            PONTE_E_CONFLICT
        );
        assert!(out.is_null());
        assert_eq!(
            ponte_order_confirm(
                h,
                c"loja".as_ptr(),
                c"424242".as_ptr(),
                c"PV-3".as_ptr(),
                ptr::null_mut()
            ),
            PONTE_E_NOT_FOUND
        );
        assert_eq!(
            ponte_order_reject(
                h,
                c"loja".as_ptr(),
                order_id.as_ptr(),
                c" ".as_ptr(),
                ptr::null_mut()
            ),
            PONTE_E_INVALID_DATA
        );
        out = ptr::null_mut();
        assert_eq!(
            ponte_report(
                h,
                c"loja".as_ptr(),
                c"{\"state\":\"confirmed\"}".as_ptr(),
                &mut out
            ),
            PONTE_OK
        );
        assert_eq!(take(out)[0]["erp_order_number"], "PV-1");
        assert_eq!(
            ponte_report(
                h,
                c"loja".as_ptr(),
                c"{\"states\":\"x\"}".as_ptr(),
                &mut out
            ),
            PONTE_E_INVALID_JSON
        );
        assert!(
            last_message().starts_with("filter.states: unknown field"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_report(
                h,
                c"loja".as_ptr(),
                c"{\"from\":\"ontem\"}".as_ptr(),
                &mut out
            ),
            PONTE_E_INVALID_DATA
        );
        assert!(out.is_null());
    }
}

#[test]
fn the_pending_list_is_read_page_by_page_through_the_c_abi_and_bad_pages_are_named() {
    let (rig, first) = capture_fixture();
    let h = rig.fixture.handle;
    let l = c"loja".as_ptr();
    let mut ids = vec![first];
    for _ in 0..4 {
        let order = rig._sandbox
            .place_order(&json!({"status": "processing", "line_items": [{"sku": "TRA-PP-45", "quantity": 1}],
                "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
            .unwrap();
        ids.push(order["id"].as_u64().unwrap().to_string());
    }
    let mut out = SENTINEL;
    // SAFETY: a live handle, C strings and out slots only.
    unsafe {
        assert_eq!(
            ponte_capture_orders(h, l, &mut out),
            PONTE_OK,
            "{}",
            last_message()
        );
        assert_eq!(take(out)["pending_total"], 5);
        // The list's order, read whole: the journal's, in which the store listed them.
        out = SENTINEL;
        assert_eq!(
            ponte_orders_pending(h, l, ptr::null(), 0, &mut out),
            PONTE_OK
        );
        let whole: Vec<String> = take(out)["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["store_order_id"].as_str().unwrap().to_string())
            .collect();
        let (mut sorted, mut placed) = (whole.clone(), ids.clone());
        sorted.sort();
        placed.sort();
        assert_eq!(sorted, placed);
        // Two at a time; the first order of the second page is confirmed before it is read.
        let mut handed = Vec::new();
        let mut after: Option<CString> = None;
        loop {
            out = SENTINEL;
            let cursor = after.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            assert_eq!(
                ponte_orders_pending(h, l, cursor, 2, &mut out),
                PONTE_OK,
                "{}",
                last_message()
            );
            let page = take(out);
            let orders = page["orders"].as_array().unwrap();
            assert!(orders.len() <= 2);
            handed.extend(
                orders
                    .iter()
                    .map(|o| o["store_order_id"].as_str().unwrap().to_string()),
            );
            if handed.len() == 2 {
                let id = CString::new(whole[2].clone()).unwrap();
                let status =
                    ponte_order_confirm(h, l, id.as_ptr(), c"PV-3".as_ptr(), ptr::null_mut());
                assert_eq!(status, PONTE_OK, "{}", last_message());
            }
            match page["next"].as_str() {
                Some(next) => after = Some(CString::new(next).unwrap()),
                None => break,
            }
        }
        let mut expected = whole.clone();
        expected.remove(2);
        assert_eq!(
            handed, expected,
            "each order still pending once, none skipped"
        );

        let expect_invalid = |status: i32, argument: &str, out: *mut c_char| {
            assert_eq!(status, PONTE_E_INVALID_ARGUMENT, "{argument}");
            assert_eq!(ponte_last_error_code(), PONTE_E_INVALID_ARGUMENT);
            let message = last_message();
            assert!(
                message.starts_with(&format!("argument `{argument}` ")),
                "{message}"
            );
            assert!(out.is_null(), "{argument}: out not reset");
        };
        for limit in [-1, 1001, i32::MIN, i32::MAX] {
            out = SENTINEL;
            let status = ponte_orders_pending(h, l, ptr::null(), limit, &mut out);
            expect_invalid(status, "limit", out);
            assert!(
                last_message().contains(&limit.to_string()),
                "{}",
                last_message()
            );
        }
        for cursor in [
            c"",
            c"p",
            c"12",
            c"p-1",
            c"p99999999999999999999",
            c"next page",
        ] {
            out = SENTINEL;
            let status = ponte_orders_pending(h, l, cursor.as_ptr(), 0, &mut out);
            expect_invalid(status, "after", out);
        }
        let cp1252 = CString::new(b"p1\xe9".to_vec()).unwrap();
        out = SENTINEL;
        assert_eq!(
            ponte_orders_pending(h, l, cp1252.as_ptr(), 0, &mut out),
            PONTE_E_INVALID_UTF8
        );
        assert!(out.is_null());
        assert!(last_message().starts_with("argument `after` is not valid UTF-8"));
        // The limits themselves are fine, and a cursor past the end gives an empty last page.
        for limit in [1, 1000] {
            out = SENTINEL;
            assert_eq!(
                ponte_orders_pending(h, l, ptr::null(), limit, &mut out),
                PONTE_OK
            );
            free(out);
        }
        out = SENTINEL;
        assert_eq!(
            ponte_orders_pending(h, l, c"p9223372036854775807".as_ptr(), 0, &mut out),
            PONTE_OK
        );
        assert_eq!(take(out), json!({"orders": [], "next": null}));
    }
}

#[test]
fn the_order_exports_refuse_null_arguments_by_name_and_survive_panics() {
    let (rig, _) = capture_fixture();
    let h = rig.fixture.handle;
    let mut out = SENTINEL;
    let expect_null = |status: i32, message: &str, out: *mut c_char| {
        assert_eq!(
            (status, last_message().as_str()),
            (PONTE_E_NULL_ARGUMENT, message)
        );
        assert!(out.is_null(), "{message}: out not reset");
    };
    let l = c"loja".as_ptr();
    let o = c"1".as_ptr();
    // SAFETY: NULL, a live handle, C strings and out slots only.
    unsafe {
        expect_null(
            ponte_capture_orders(h, ptr::null(), &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_capture_orders(h, l, ptr::null_mut()),
            "argument `report_out` is NULL",
            out,
        );
        expect_null(
            ponte_orders_pending(ptr::null_mut(), l, ptr::null(), 0, &mut out),
            "argument `handle` is NULL",
            out,
        );
        expect_null(
            ponte_orders_pending(h, ptr::null(), ptr::null(), 0, &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_orders_pending(h, l, ptr::null(), 0, ptr::null_mut()),
            "argument `orders_out` is NULL",
            out,
        );
        expect_null(
            ponte_order_confirm(h, l, ptr::null(), c"PV".as_ptr(), &mut out),
            "argument `store_order_id` is NULL",
            out,
        );
        expect_null(
            ponte_order_confirm(h, l, o, ptr::null(), &mut out),
            "argument `erp_order_number` is NULL",
            out,
        );
        expect_null(
            ponte_order_reject(h, l, o, ptr::null(), &mut out),
            "argument `reason` is NULL",
            out,
        );
        expect_null(
            ponte_order_retry(h, l, o, ptr::null_mut()),
            "argument `state_out` is NULL",
            out,
        );
        expect_null(
            ponte_reservations(h, ptr::null(), &mut out),
            "argument `integration` is NULL",
            out,
        );
        expect_null(
            ponte_report(h, l, ptr::null(), &mut out),
            "argument `filter_json` is NULL",
            out,
        );
        let cp1252 = CString::new(b"M\xfcller".to_vec()).unwrap();
        assert_eq!(
            ponte_order_reject(h, l, o, cp1252.as_ptr(), &mut out),
            PONTE_E_INVALID_UTF8
        );
        assert!(last_message().starts_with("argument `reason` is not valid UTF-8"));
        for name in [
            "ponte_capture_orders",
            "ponte_orders_pending",
            "ponte_order_confirm",
            "ponte_order_reject",
            "ponte_order_retry",
            "ponte_reservations",
            "ponte_report",
        ] {
            let (other, _) = capture_fixture();
            let h = other.fixture.handle;
            ::ponte::failpoint::arm_panic(name);
            let status = match name {
                "ponte_capture_orders" => ponte_capture_orders(h, l, &mut out),
                "ponte_orders_pending" => ponte_orders_pending(h, l, ptr::null(), 0, &mut out),
                "ponte_order_confirm" => ponte_order_confirm(h, l, o, c"PV".as_ptr(), &mut out),
                "ponte_order_reject" => ponte_order_reject(h, l, o, c"x".as_ptr(), &mut out),
                "ponte_order_retry" => ponte_order_retry(h, l, o, &mut out),
                "ponte_reservations" => ponte_reservations(h, l, &mut out),
                _ => ponte_report(h, l, c"{}".as_ptr(), &mut out),
            };
            assert_eq!(status, PONTE_E_PANIC, "{name}");
            assert_eq!(
                ponte_orders_pending(h, l, ptr::null(), 0, &mut out),
                PONTE_E_HANDLE_POISONED,
                "{name}"
            );
        }
    }
}

const INVOICE_KEY: &str = "35261208530528000184550010000154301000771560";

unsafe extern "C" fn count_and_cancel(calls: *mut c_void, _read: i32, _requests: i32) -> i32 {
    // SAFETY: the test passes a live `i32` as the user data.
    unsafe { *calls.cast::<i32>() += 1 };
    1
}

#[test]
fn run_due_jobs_and_health_go_through_the_c_abi() {
    let (rig, _) = capture_fixture();
    let h = rig.fixture.handle;
    let mut out = SENTINEL;
    let noon = 1_796_126_400i64;
    // SAFETY: a live handle and out slots.
    unsafe {
        assert_eq!(ponte_jobs(h, noon, &mut out), PONTE_OK);
        let jobs = take(out);
        let names: Vec<&str> = jobs
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["capture", "stock", "full_sync"]);
        assert!(jobs[0]["due_now"].as_bool().unwrap());
        out = SENTINEL;
        assert_eq!(
            ponte_run_due(h, noon, None, ptr::null_mut(), &mut out),
            PONTE_OK,
            "{}",
            last_message()
        );
        let report = take(out);
        let ran: Vec<(&str, &str)> = report["ran"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["job"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
            .collect();
        assert_eq!(
            ran,
            [
                ("capture", "succeeded"),
                ("stock", "succeeded"),
                ("full_sync", "succeeded")
            ]
        );
        out = SENTINEL;
        assert_eq!(
            ponte_run_due(h, noon + 1, None, ptr::null_mut(), &mut out),
            PONTE_OK
        );
        assert_eq!(take(out)["ran"], serde_json::json!([]));
        out = SENTINEL;
        assert_eq!(ponte_health(h, noon, &mut out), PONTE_OK);
        let health = take(out);
        assert_eq!(health["verdict"], "ok", "{health}");
        assert_eq!(health["integrations"][0]["backlog"]["orders_pending"], 1);
        assert_eq!(ponte_health(h, 0, ptr::null_mut()), PONTE_E_NULL_ARGUMENT);
        assert_eq!(last_message(), "argument `health_out` is NULL");
        assert_eq!(
            ponte_jobs(ptr::null_mut(), 0, &mut out),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(
            ponte_run_due(h, 0, None, ptr::null_mut(), ptr::null_mut()),
            PONTE_E_NULL_ARGUMENT
        );
        for name in ["ponte_run_due", "ponte_jobs", "ponte_health"] {
            let (other, _) = capture_fixture();
            let h = other.fixture.handle;
            ::ponte::failpoint::arm_panic(name);
            let status = match name {
                "ponte_run_due" => ponte_run_due(h, noon, None, ptr::null_mut(), &mut out),
                "ponte_jobs" => ponte_jobs(h, noon, &mut out),
                _ => ponte_health(h, noon, &mut out),
            };
            assert_eq!(status, PONTE_E_PANIC, "{name}");
            assert!(out.is_null(), "{name}");
        }
    }
}

#[test]
fn a_capture_with_options_is_cancelled_by_its_callback_and_bad_options_are_named() {
    let (rig, _) = capture_fixture();
    let h = rig.fixture.handle;
    let l = c"loja".as_ptr();
    let mut out = SENTINEL;
    let mut calls = 0i32;
    // SAFETY: a live handle, C strings, out slots and a callback with its live user data.
    unsafe {
        assert_eq!(
            ponte_capture_orders_with(
                h,
                l,
                c"{\"time_limit_seconds\": 60}".as_ptr(),
                Some(count_and_cancel),
                (&mut calls as *mut i32).cast(),
                &mut out
            ),
            PONTE_OK,
            "{}",
            last_message()
        );
        let report = take(out);
        assert_eq!(calls, 1);
        assert!(report["unfinished"]
            .as_str()
            .unwrap()
            .starts_with("cancelled by the caller"));
        assert_eq!(report["counts"]["captured"], serde_json::Value::Null);
        out = SENTINEL;
        assert_eq!(
            ponte_capture_orders_with(
                h,
                l,
                c"{\"deadline\": 1}".as_ptr(),
                None,
                ptr::null_mut(),
                &mut out
            ),
            PONTE_E_INVALID_JSON
        );
        assert!(out.is_null());
        assert!(
            last_message().starts_with("options.deadline: unknown field `deadline`"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_capture_orders_with(h, l, ptr::null(), None, ptr::null_mut(), &mut out),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `options_json` is NULL");
        out = SENTINEL;
        assert_eq!(
            ponte_capture_orders_with(h, l, c"{}".as_ptr(), None, ptr::null_mut(), &mut out),
            PONTE_OK
        );
        assert_eq!(take(out)["counts"]["captured"], 1);
        ::ponte::failpoint::arm_panic("ponte_capture_orders_with");
        assert_eq!(
            ponte_capture_orders_with(h, l, c"{}".as_ptr(), None, ptr::null_mut(), &mut out),
            PONTE_E_PANIC
        );
        assert!(out.is_null());
    }
}

#[test]
fn customers_events_and_fulfilment_go_through_the_c_abi_and_bad_calls_are_named() {
    let (rig, order_id) = capture_fixture();
    let h = rig.fixture.handle;
    let l = c"loja".as_ptr();
    let order = CString::new(order_id.clone()).unwrap();
    let o = order.as_ptr();
    let fulfilment = |key: &str| {
        CString::new(
            json!({"invoice": {"key": key, "number": "1", "series": "1", "issued_at": "2026-12-01T10:00:00Z"},
                   "tracking": {"code": "AA123456789BR", "carrier": "Correios"}, "status": "completed"})
            .to_string(),
        )
        .unwrap()
    };
    let mut out = SENTINEL;
    // SAFETY: a live handle, C strings and out slots only.
    unsafe {
        assert_eq!(ponte_capture_orders(h, l, &mut out), PONTE_OK);
        free(out);
        out = SENTINEL;
        assert_eq!(ponte_customers_pending(h, l, &mut out), PONTE_OK);
        let offers = take(out);
        assert_eq!(offers.as_array().unwrap().len(), 1, "{offers}");
        assert_eq!(offers[0]["kind"], "new");
        let key = CString::new(offers[0]["customer_key"].as_str().unwrap()).unwrap();
        out = SENTINEL;
        assert_eq!(
            ponte_customer_confirm(h, l, key.as_ptr(), c"CLI-1".as_ptr(), &mut out),
            PONTE_OK
        );
        assert_eq!(take(out)["erp_customer_id"], "CLI-1");
        assert_eq!(
            ponte_customer_confirm(h, l, key.as_ptr(), c"CLI-2".as_ptr(), ptr::null_mut()),
            PONTE_E_CONFLICT
        );
        assert!(last_message().contains("CLI-1"), "{}", last_message());
        assert_eq!(
            ponte_customer_confirm(h, l, c"99999".as_ptr(), c"CLI-3".as_ptr(), ptr::null_mut()),
            PONTE_E_NOT_FOUND
        );
        out = SENTINEL;
        assert_eq!(ponte_order_events(h, l, &mut out), PONTE_OK);
        assert_eq!(take(out), json!([]));
        out = SENTINEL;
        assert_eq!(ponte_order_event_ack(h, l, 77, &mut out), PONTE_E_NOT_FOUND);
        assert!(out.is_null());
        assert!(last_message().contains("event 77"), "{}", last_message());
        let good = fulfilment(INVOICE_KEY);
        out = SENTINEL;
        assert_eq!(
            ponte_order_fulfil(h, l, o, good.as_ptr(), &mut out),
            PONTE_E_CONFLICT
        );
        assert!(out.is_null());
        assert!(last_message().contains(&order_id), "{}", last_message());
        assert_eq!(
            ponte_order_confirm(h, l, o, c"PV-1".as_ptr(), ptr::null_mut()),
            PONTE_OK
        );
        let mut wrong = INVOICE_KEY.to_string();
        wrong.replace_range(43.., "3");
        let bad = fulfilment(&wrong);
        assert_eq!(
            ponte_order_fulfil(h, l, o, bad.as_ptr(), &mut out),
            PONTE_E_INVALID_DATA
        );
        assert!(
            last_message().starts_with("fulfilment.invoice.key"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_order_fulfil(h, l, o, c"{\"invoce\":{}}".as_ptr(), &mut out),
            PONTE_E_INVALID_JSON
        );
        assert!(out.is_null());
        assert_eq!(
            ponte_order_fulfil(h, l, o, good.as_ptr(), &mut out),
            PONTE_OK
        );
        assert_eq!(take(out)["status"], "completed");

        let expect_null = |status: i32, message: &str| {
            assert_eq!(
                (status, last_message().as_str()),
                (PONTE_E_NULL_ARGUMENT, message)
            );
        };
        expect_null(
            ponte_customers_pending(h, l, ptr::null_mut()),
            "argument `customers_out` is NULL",
        );
        expect_null(
            ponte_customer_confirm(h, l, ptr::null(), c"C".as_ptr(), ptr::null_mut()),
            "argument `customer_key` is NULL",
        );
        expect_null(
            ponte_customer_confirm(h, l, key.as_ptr(), ptr::null(), ptr::null_mut()),
            "argument `erp_customer_id` is NULL",
        );
        expect_null(
            ponte_order_events(h, ptr::null(), &mut out),
            "argument `integration` is NULL",
        );
        expect_null(
            ponte_order_event_ack(ptr::null_mut(), l, 1, &mut out),
            "argument `handle` is NULL",
        );
        expect_null(
            ponte_order_fulfil(h, l, o, ptr::null(), &mut out),
            "argument `fulfilment_json` is NULL",
        );
        for name in [
            "ponte_customers_pending",
            "ponte_customer_confirm",
            "ponte_order_events",
            "ponte_order_event_ack",
            "ponte_order_fulfil",
        ] {
            let (other, _) = capture_fixture();
            let h = other.fixture.handle;
            ::ponte::failpoint::arm_panic(name);
            let status = match name {
                "ponte_customers_pending" => ponte_customers_pending(h, l, &mut out),
                "ponte_customer_confirm" => {
                    ponte_customer_confirm(h, l, key.as_ptr(), c"C".as_ptr(), &mut out)
                }
                "ponte_order_events" => ponte_order_events(h, l, &mut out),
                "ponte_order_event_ack" => ponte_order_event_ack(h, l, 1, &mut out),
                _ => ponte_order_fulfil(h, l, o, good.as_ptr(), &mut out),
            };
            assert_eq!(status, PONTE_E_PANIC, "{name}");
            assert!(out.is_null(), "{name}");
            assert_eq!(
                ponte_orders_pending(h, l, ptr::null(), 0, &mut out),
                PONTE_E_HANDLE_POISONED,
                "{name}"
            );
        }
    }
}

#[test]
fn a_shopper_order_is_placed_through_the_c_abi_and_bad_ones_are_refused() {
    let mut sandbox = ptr::null_mut();
    let mut info = ptr::null_mut();
    // SAFETY: valid C strings and out slots; the sandbox is stopped once at the end.
    unsafe {
        assert_eq!(
            ponte_sandbox_start(
                c"{\"platform\":\"woocommerce\"}".as_ptr(),
                &mut sandbox,
                &mut info
            ),
            PONTE_OK
        );
        free(info);
        let mut out = SENTINEL;
        assert_eq!(
            ponte_sandbox_place_order(ptr::null_mut(), c"{}".as_ptr(), &mut out),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `sandbox` is NULL");
        assert!(out.is_null());
        assert_eq!(
            ponte_sandbox_place_order(sandbox, ptr::null(), &mut out),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `order_json` is NULL");
        assert_eq!(
            ponte_sandbox_place_order(sandbox, c"{".as_ptr(), &mut out),
            PONTE_E_INVALID_JSON
        );
        let unknown =
            c"{\"status\":\"processing\",\"line_items\":[{\"sku\":\"NOPE\",\"quantity\":1}]}";
        assert_eq!(
            ponte_sandbox_place_order(sandbox, unknown.as_ptr(), &mut out),
            PONTE_E_INVALID_DATA
        );
        assert!(last_message().contains("SKU NOPE"), "{}", last_message());
        let empty = c"{\"status\":\"processing\",\"line_items\":[]}";
        assert_eq!(
            ponte_sandbox_place_order(sandbox, empty.as_ptr(), ptr::null_mut()),
            PONTE_E_INVALID_DATA
        );
        ::ponte::failpoint::arm_panic("ponte_sandbox_place_order");
        assert_eq!(
            ponte_sandbox_place_order(sandbox, empty.as_ptr(), &mut out),
            PONTE_E_PANIC
        );
        assert!(out.is_null());
        ponte_sandbox_stop(sandbox);
    }
}

#[test]
fn a_webhook_is_taken_only_with_its_signature_and_refused_by_name_otherwise() {
    let fixture = Fixture::new();
    let h = fixture.handle;
    let config = CString::new(
        json!({"id": "nuvem", "platform": "nuvemshop", "base_url": "http://127.0.0.1:9",
               "allow_http": true, "nuvemshop": {"store_id": "42", "user_agent": "T (t@t.t)"},
               "credentials": {"access_token": "t", "app_secret": "segredo"}})
        .to_string(),
    )
    .unwrap();
    let body = r#"{"store_id":42,"event":"order/paid","id":9}"#;
    let signed = |secret: &[u8], body: &str| {
        CString::new(
            json!({"x-linkedstore-hmac-sha256":
                   ::ponte::platform::nuvemshop::webhook::sign(secret, body.as_bytes())})
            .to_string(),
        )
        .unwrap()
    };
    let n = c"nuvem".as_ptr();
    let mut out = SENTINEL;
    // SAFETY: a live handle, C strings and out slots only.
    unsafe {
        assert_eq!(ponte_integration_put(h, config.as_ptr()), PONTE_OK);
        let good = signed(b"segredo", body);
        let c_body = CString::new(body).unwrap();
        assert_eq!(
            ponte_webhook_ingest(h, n, good.as_ptr(), c_body.as_ptr(), &mut out),
            PONTE_OK,
            "{}",
            last_message()
        );
        let receipt = take(out);
        assert_eq!(receipt["store_order_id"], "9");
        assert_eq!(receipt["capture_scheduled"], true);
        // Signed with another secret, unsigned, or for another store: refused, nothing written.
        let forged = signed(b"outro", body);
        out = SENTINEL;
        assert_eq!(
            ponte_webhook_ingest(h, n, forged.as_ptr(), c_body.as_ptr(), &mut out),
            PONTE_E_AUTH
        );
        assert!(out.is_null());
        assert!(
            last_message().contains("signature does not match"),
            "{}",
            last_message()
        );
        assert_eq!(
            ponte_webhook_ingest(h, n, c"{}".as_ptr(), c_body.as_ptr(), &mut out),
            PONTE_E_AUTH
        );
        let other = r#"{"store_id":7,"event":"order/paid","id":9}"#;
        let other_signed = signed(b"segredo", other);
        let other = CString::new(other).unwrap();
        assert_eq!(
            ponte_webhook_ingest(h, n, other_signed.as_ptr(), other.as_ptr(), &mut out),
            PONTE_E_INVALID_ARGUMENT
        );
        assert!(last_message().contains("store 7"), "{}", last_message());
        assert_eq!(
            ponte_webhook_ingest(h, n, c"[1]".as_ptr(), c_body.as_ptr(), &mut out),
            PONTE_E_INVALID_JSON
        );
        assert_eq!(
            ponte_webhook_ingest(h, n, ptr::null(), c_body.as_ptr(), &mut out),
            PONTE_E_NULL_ARGUMENT
        );
        assert_eq!(last_message(), "argument `headers_json` is NULL");
        // A WooCommerce integration takes no webhooks.
        assert_eq!(
            ponte_webhook_ingest(
                h,
                c"loja".as_ptr(),
                good.as_ptr(),
                c_body.as_ptr(),
                &mut out
            ),
            PONTE_E_INVALID_ARGUMENT
        );
        // The receipt is optional.
        assert_eq!(
            ponte_webhook_ingest(h, n, good.as_ptr(), c_body.as_ptr(), ptr::null_mut()),
            PONTE_OK
        );
    }
}

static SAVED_CREDENTIALS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn save_credentials(
    user_data: *mut c_void,
    integration: *const c_char,
    credentials_json: *const c_char,
) -> i32 {
    // SAFETY: Ponte passes NUL-terminated strings, live for the call.
    let (integration, json) = unsafe {
        (
            CStr::from_ptr(integration).to_string_lossy().into_owned(),
            CStr::from_ptr(credentials_json)
                .to_string_lossy()
                .into_owned(),
        )
    };
    SAVED_CREDENTIALS.lock().unwrap().push((integration, json));
    // The test's user data says what to answer: 0 saved, else not.
    user_data as usize as i32
}

#[test]
fn refreshed_credentials_reach_the_host_through_its_callback_before_use() {
    let store = ::ponte::sandbox::MlSandbox::start().unwrap();
    let fixture = Fixture::new();
    let h = fixture.handle;
    let mut config = serde_json::to_value(store.integration_config("ml")).unwrap();
    let credentials = store.credentials();
    let secret =
        |s: &Option<::ponte::model::config::Secret>| s.as_ref().unwrap().expose().to_string();
    config["credentials"] = json!({
        "client_id": secret(&credentials.client_id), "client_secret": secret(&credentials.client_secret),
        "access_token": secret(&credentials.access_token), "refresh_token": secret(&credentials.refresh_token),
        "access_token_expires_at": "2026-01-01T00:00:00Z"});
    let config = CString::new(config.to_string()).unwrap();
    let mut out = SENTINEL;
    // SAFETY: NULL, a live handle, C strings, the callback above and out slots only.
    unsafe {
        assert_eq!(
            ponte_set_credentials_callback(
                ptr::null_mut(),
                Some(save_credentials),
                ptr::null_mut()
            ),
            PONTE_E_NULL_ARGUMENT
        );
        // The host cannot save: the pair is not used, and the check says why.
        assert_eq!(
            ponte_set_credentials_callback(
                h,
                Some(save_credentials),
                ptr::without_provenance_mut(1)
            ),
            PONTE_OK
        );
        assert_eq!(ponte_integration_put(h, config.as_ptr()), PONTE_OK);
        assert_eq!(
            ponte_integration_check(h, c"ml".as_ptr(), &mut out),
            PONTE_OK
        );
        let check = take(out);
        assert_eq!(check["ok"], false, "{check}");
        assert!(check.to_string().contains("did not save"), "{check}");
        // Now it can: the same pair is offered again and used.
        assert_eq!(
            ponte_set_credentials_callback(h, Some(save_credentials), ptr::null_mut()),
            PONTE_OK
        );
        out = SENTINEL;
        assert_eq!(
            ponte_integration_check(h, c"ml".as_ptr(), &mut out),
            PONTE_OK
        );
        let check = take(out);
        assert_eq!(check["ok"], true, "{check}");
    }
    let saved = SAVED_CREDENTIALS.lock().unwrap().clone();
    let issued = store.issued();
    let last: serde_json::Value = serde_json::from_str(&saved.last().unwrap().1).unwrap();
    assert_eq!(saved.last().unwrap().0, "ml");
    assert_eq!(last["refresh_token"], issued.refresh_token);
    assert_eq!(last["access_token"], issued.access_token);
    assert!(last["access_token_expires_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

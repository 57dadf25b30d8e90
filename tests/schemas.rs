//! The JSON Schemas under `include/schemas/` are the types' own, the header names them, and what
//! really crosses the C interface fits them: every output of a whole sync-and-capture flow against
//! the sandbox store, every sample input, and for each input a wrong shape that Ponte refuses and
//! the schema refuses too.
//!
//! A stale schema fails here; `PONTE_UPDATE_SCHEMAS=1 cargo test --test schemas` rewrites them.

mod common;

use std::collections::BTreeSet;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

use ::ponte::ffi::*;
use ::ponte::schemas::{self, Direction};
use serde_json::{json, Value};

fn schema_dir() -> std::path::PathBuf {
    common::repo_root().join("include/schemas")
}

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_dir().join(file))
        .unwrap_or_else(|err| panic!("include/schemas/{file}: {err}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|err| panic!("{file} is no schema: {err}"))
}

/// Panics with every place `document` breaks the schema in `file`.
fn assert_fits(file: &str, document: &Value) {
    let validator = validator(file);
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{file} refuses a real document:\n{}\n{document:#}",
        errors.join("\n")
    );
}

#[test]
fn each_schema_file_is_what_the_types_generate() {
    let update = std::env::var_os("PONTE_UPDATE_SCHEMAS").is_some_and(|v| v == "1");
    std::fs::create_dir_all(schema_dir()).unwrap();
    let mut stale = Vec::new();
    for doc in schemas::ALL {
        let path = schema_dir().join(doc.file);
        let fresh = doc.render();
        if std::fs::read_to_string(&path).ok().as_deref() == Some(&fresh) {
            continue;
        }
        if update {
            std::fs::write(&path, fresh).unwrap();
        } else {
            stale.push(doc.file);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the Rust types; regenerate with \
         `PONTE_UPDATE_SCHEMAS=1 cargo test --test schemas` and commit them"
    );
    let known: BTreeSet<&str> = schemas::ALL.iter().map(|d| d.file).collect();
    for entry in std::fs::read_dir(schema_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            known.contains(name.as_str()),
            "include/schemas/{name} describes no type: remove it"
        );
    }
}

/// The doc comment of each `ponte_*` function in the header, by name.
fn header_docs() -> Vec<(String, String)> {
    let header = std::fs::read_to_string(common::repo_root().join("include/ponte.h")).unwrap();
    let mut docs = Vec::new();
    let mut comment = String::new();
    for line in header.lines() {
        if line.starts_with("/**") {
            comment.clear();
        }
        comment.push_str(line);
        comment.push('\n');
        if let Some(rest) = line.strip_prefix("PONTE_API ") {
            let name = rest.split('(').next().unwrap().rsplit([' ', '*']).next();
            docs.push((name.unwrap().to_string(), comment.clone()));
        }
    }
    docs
}

#[test]
fn the_header_names_the_schema_of_every_json_argument_and_output() {
    let docs = header_docs();
    for doc in schemas::ALL {
        for export in doc
            .used_by
            .split([',', ' '])
            .filter(|w| w.starts_with("ponte_"))
        {
            let (_, comment) = docs
                .iter()
                .find(|(name, _)| name == export)
                .unwrap_or_else(|| panic!("{}: no export {export} in the header", doc.file));
            assert!(
                comment.contains(&format!("schemas/{}", doc.file)),
                "the header's {export} does not name schemas/{}",
                doc.file
            );
        }
    }
    // And no export takes or gives JSON without a schema, but the sandbox's shopper order, which
    // is WooCommerce's own order shape.
    let header = std::fs::read_to_string(common::repo_root().join("include/ponte.h")).unwrap();
    for (name, comment) in docs {
        let declaration = header
            .lines()
            .find(|l| l.starts_with("PONTE_API") && l.contains(&format!("{name}(")))
            .unwrap();
        let takes_json = declaration.contains("_json") || declaration.contains("char **");
        if takes_json && name != "ponte_sandbox_place_order" {
            assert!(
                comment.contains("schemas/"),
                "{name} passes JSON but its comment names no schema"
            );
        }
    }
}

#[test]
fn the_sample_inputs_fit_their_schemas() {
    let samples = common::repo_root().join("samples");
    for (sample, file) in [
        ("products.json", "products.json"),
        ("brands.json", "brands.json"),
        ("categories.json", "categories.json"),
        ("stock.json", "stock.json"),
        ("integration.json", "integration_config.json"),
    ] {
        let text = std::fs::read_to_string(samples.join(sample)).unwrap();
        assert_fits(file, &serde_json::from_str(&text).unwrap());
    }
    assert_fits(
        "products.json",
        &serde_json::from_str(common::PRODUCTS).unwrap(),
    );
    assert_fits(
        "brands.json",
        &serde_json::from_str(common::BRANDS).unwrap(),
    );
    assert_fits(
        "integration_config.json",
        &serde_json::from_str(common::CONFIG).unwrap(),
    );
    for (file, document) in [
        ("erp_ids.json", json!(["1001"])),
        ("product_key.json", json!({"erp_id": "1001"})),
        ("product_key.json", json!({"sku": "TRA-PP-45"})),
        ("sync_options.json", json!({})),
        (
            "sync_options.json",
            json!({"stock_only": true, "time_limit_seconds": 20}),
        ),
        ("capture_options.json", json!({"time_limit_seconds": 30})),
        (
            "report_filter.json",
            json!({"from": "2026-12-01", "state": "rejected"}),
        ),
        (
            "fulfilment.json",
            json!({"tracking": {"code": "AA123456789BR", "carrier": "Correios"}}),
        ),
        (
            "sandbox_options.json",
            json!({"platform": "woocommerce", "wc_version": "8.9.3"}),
        ),
    ] {
        assert_fits(file, &document);
    }
}

/// Documents of the wrong shape: Ponte refuses each with `PONTE_E_INVALID_JSON`, and the schema
/// must refuse it too, or a caller validating against it would be told a lie.
#[test]
fn what_ponte_refuses_as_the_wrong_shape_the_schema_refuses_too() {
    let fixture = Handle::open();
    let cases: &[(&str, Value, StrOutFn)] = &[
        (
            "products.json",
            json!([{"erp_id": "1", "name": "X", "variants": [{"sku": "A", "price_cents": "10"}]}]),
            ponte_catalog_put_products,
        ),
        (
            "products.json",
            json!([{"name": "X", "variants": []}]),
            ponte_catalog_put_products,
        ),
        (
            "brands.json",
            json!({"id": "B", "name": "B"}),
            ponte_catalog_put_brands,
        ),
        (
            "categories.json",
            json!([{"id": "CASA", "name": "Casa", "parent_id": 7}]),
            ponte_catalog_put_categories,
        ),
        (
            "categories.json",
            json!([{"id": "CASA", "name": "Casa", "parent": "RAIZ"}]),
            ponte_catalog_put_categories,
        ),
        (
            "stock.json",
            json!([{"sku": "A", "warehouse": "1", "quantity": 1.5}]),
            ponte_catalog_put_stock,
        ),
        ("erp_ids.json", json!([1001]), ponte_catalog_retire_products),
        (
            "product_key.json",
            json!({"ean": "7891000100103"}),
            ponte_catalog_get,
        ),
    ];
    for (file, document, export) in cases {
        let text = CString::new(document.to_string()).unwrap();
        let mut out = ptr::null_mut();
        // SAFETY: a live handle, a C string and an out slot.
        let status = unsafe { export(fixture.handle, text.as_ptr(), &mut out) };
        assert_eq!(
            status, PONTE_E_INVALID_JSON,
            "{file}: Ponte took {document}"
        );
        assert!(
            !validator(file).is_valid(document),
            "{file} accepts {document}, which Ponte refuses: {}",
            last_message()
        );
    }
    for (file, document) in [
        (
            "integration_config.json",
            json!({"id": "loja", "platform": "shopify"}),
        ),
        (
            "integration_config.json",
            json!({"id": "loja", "platform": "woocommerce", "base_url": 7}),
        ),
    ] {
        let text = CString::new(document.to_string()).unwrap();
        // SAFETY: a live handle and a C string.
        let status = unsafe { ponte_integration_put(fixture.handle, text.as_ptr()) };
        assert_eq!(
            status, PONTE_E_INVALID_JSON,
            "{file}: Ponte took {document}"
        );
        assert!(
            !validator(file).is_valid(&document),
            "{file} accepts {document}"
        );
    }
}

type StrOutFn = unsafe extern "C" fn(*mut ponte, *const c_char, *mut *mut c_char) -> i32;

fn last_message() -> String {
    // SAFETY: never NULL, valid until the next call on this thread.
    unsafe { CStr::from_ptr(ponte_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

struct Handle {
    handle: *mut ponte,
    _dir: tempfile::TempDir,
}

impl Handle {
    fn open() -> Handle {
        let dir = tempfile::tempdir().unwrap();
        let path = CString::new(dir.path().join("ponte.db").to_str().unwrap()).unwrap();
        let mut handle = ptr::null_mut();
        // SAFETY: a C string and an out slot.
        assert_eq!(unsafe { ponte_open(path.as_ptr(), &mut handle) }, PONTE_OK);
        Handle { handle, _dir: dir }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: opened in `open`, closed once here.
        unsafe { ponte_close(self.handle) }
    }
}

/// Calls an export that fills one `char **` output, checks it succeeded and the output fits
/// `schema`, and returns it; `validated` records which schemas a real output met.
fn output(
    validated: &mut BTreeSet<&'static str>,
    schema: &'static str,
    call: impl FnOnce(*mut *mut c_char) -> i32,
) -> Value {
    let mut out = ptr::null_mut();
    let status = call(&mut out);
    assert_eq!(status, PONTE_OK, "{schema}: {}", last_message());
    // SAFETY: a string Ponte just returned; freed once, here.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    unsafe { ponte_string_free(out) };
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_fits(schema, &document);
    validated.insert(schema);
    document
}

/// A valid NF-e access key (44 digits, the last its check digit).
const INVOICE_KEY: &str = "35261214200166000187550010000000011000000010";

#[test]
fn every_output_of_a_whole_flow_fits_its_schema() {
    let mut seen = BTreeSet::new();
    let seen = &mut seen;
    // SAFETY (whole test): every pointer passed is a live handle, sandbox, C string or out slot.
    unsafe {
        let mut sandbox = ptr::null_mut();
        let info = output(seen, "sandbox_info.json", |out| {
            ponte_sandbox_start(
                c"{\"platform\":\"woocommerce\"}".as_ptr(),
                &mut sandbox,
                out,
            )
        });
        assert!(info["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        ponte_sandbox_stop(sandbox);
        // The flow's store, from Rust, where a merchant's change in the store can be made too.
        let store = ::ponte::sandbox::WooSandbox::start().unwrap();
        let store_key = store.key();
        let fixture = Handle::open();
        let h = fixture.handle;
        let l = c"loja".as_ptr();
        let config = CString::new(
            json!({"id": "loja", "platform": "woocommerce", "base_url": store.base_url(), "allow_http": true,
                   "credentials": {"consumer_key": store_key.consumer_key, "consumer_secret": store_key.consumer_secret},
                   "order_capture": {"enabled": true, "fetch_statuses": ["processing"], "reservation_statuses": ["pending"],
                                     "rejected_status": "failed", "default_payment_terms": "A VISTA",
                                     "default_payment_method": "PIX", "require_document": false}})
            .to_string(),
        )
        .unwrap();
        assert_eq!(
            ponte_integration_put(h, config.as_ptr()),
            PONTE_OK,
            "{}",
            last_message()
        );
        let brands = CString::new(common::BRANDS).unwrap();
        let products = CString::new(common::PRODUCTS).unwrap();
        output(seen, "brands_summary.json", |out| {
            ponte_catalog_put_brands(h, brands.as_ptr(), out)
        });
        let categories = CString::new(
            r#"[{"id":"CASA","name":"Casa"},{"id":"COZINHA","name":"Cozinha","parent_id":"CASA"}]"#,
        )
        .unwrap();
        output(seen, "categories_summary.json", |out| {
            ponte_catalog_put_categories(h, categories.as_ptr(), out)
        });
        output(seen, "products_summary.json", |out| {
            ponte_catalog_put_products(h, products.as_ptr(), out)
        });
        let stock = CString::new(r#"[{"sku":"TRA-FR-24","warehouse":"1","quantity":3}]"#).unwrap();
        output(seen, "stock_summary.json", |out| {
            ponte_catalog_put_stock(h, stock.as_ptr(), out)
        });
        let key = c"{\"sku\":\"TRA-PP-45\"}".as_ptr();
        output(seen, "catalog_product.json", |out| {
            ponte_catalog_get(h, key, out)
        });
        output(seen, "integration.json", |out| {
            ponte_integration_get(h, l, out)
        });
        output(seen, "integrations.json", |out| {
            ponte_integration_list(h, out)
        });
        output(seen, "integration_check.json", |out| {
            ponte_integration_check(h, l, out)
        });
        output(seen, "plan.json", |out| {
            ponte_sync_plan(h, l, c"{}".as_ptr(), out)
        });
        output(seen, "run_report.json", |out| {
            ponte_sync_products(h, l, c"{}".as_ptr(), None, ptr::null_mut(), out)
        });
        output(seen, "product_status.json", |out| {
            ponte_product_status(h, l, key, out)
        });
        output(seen, "sync_runs.json", |out| ponte_sync_runs(h, l, 10, out));

        let mut ids = Vec::new();
        for status in ["processing", "processing", "pending"] {
            let placed = store
                .place_order(
                    &json!({"status": status, "line_items": [{"sku": "TRA-PP-45", "quantity": 1}],
                       "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Curitiba",
                                   "state": "PR", "postcode": "80010-000"}}),
                )
                .unwrap();
            ids.push(CString::new(placed["id"].to_string()).unwrap());
        }
        let report = output(seen, "capture_report.json", |out| {
            ponte_capture_orders_with(h, l, c"{}".as_ptr(), None, ptr::null_mut(), out)
        });
        assert_eq!(
            (
                report["pending"].as_array().map(Vec::len),
                &report["pending_total"]
            ),
            (Some(2), &json!(2)),
            "{report}"
        );
        // A page with a cursor to the next, then the last page, whose `next` is null.
        let first = output(seen, "pending_orders.json", |out| {
            ponte_orders_pending(h, l, ptr::null(), 1, out)
        });
        assert_eq!(first["orders"].as_array().map(Vec::len), Some(1));
        let next = CString::new(first["next"].as_str().expect("a next page")).unwrap();
        let last = output(seen, "pending_orders.json", |out| {
            ponte_orders_pending(h, l, next.as_ptr(), 1, out)
        });
        assert_eq!(last["orders"].as_array().map(Vec::len), Some(1));
        assert_eq!(last["next"], Value::Null);
        let reservations = output(seen, "reservations.json", |out| {
            ponte_reservations(h, l, out)
        });
        assert!(!reservations.as_array().unwrap().is_empty());
        let customers = output(seen, "customers.json", |out| {
            ponte_customers_pending(h, l, out)
        });
        let customer = CString::new(customers[0]["customer_key"].as_str().unwrap()).unwrap();
        output(seen, "customer_state.json", |out| {
            ponte_customer_confirm(h, l, customer.as_ptr(), c"CLI-1".as_ptr(), out)
        });
        output(seen, "order_state.json", |out| {
            ponte_order_confirm(h, l, ids[0].as_ptr(), c"PV-1".as_ptr(), out)
        });
        output(seen, "order_state.json", |out| {
            ponte_order_reject(h, l, ids[1].as_ptr(), c"Sem estoque".as_ptr(), out)
        });
        output(seen, "order_state.json", |out| {
            ponte_order_retry(h, l, ids[1].as_ptr(), out)
        });
        let fulfilment = CString::new(
            json!({"invoice": {"key": INVOICE_KEY, "number": "1", "series": "1",
                               "issued_at": "2026-12-01T10:00:00Z"},
                   "tracking": {"code": "AA123456789BR", "carrier": "Correios"}, "status": "completed"})
            .to_string(),
        )
        .unwrap();
        output(seen, "fulfilment_queued.json", |out| {
            ponte_order_fulfil(h, l, ids[0].as_ptr(), fulfilment.as_ptr(), out)
        });
        output(seen, "capture_report.json", |out| {
            ponte_capture_orders(h, l, out)
        });

        // A merchant cancels the confirmed order in the store: an event for the ERP.
        let id: u64 = ids[0].to_str().unwrap().parse().unwrap();
        store
            .update_order(id, &json!({"status": "cancelled"}))
            .unwrap();
        output(seen, "capture_report.json", |out| {
            ponte_capture_orders(h, l, out)
        });
        let events = output(seen, "order_events.json", |out| {
            ponte_order_events(h, l, out)
        });
        let event = events[0]["event_id"].as_i64().expect("an event");
        output(seen, "order_event.json", |out| {
            ponte_order_event_ack(h, l, event, out)
        });
        output(seen, "report.json", |out| {
            ponte_report(h, l, c"{}".as_ptr(), out)
        });
        output(seen, "run_due_report.json", |out| {
            ponte_run_due(h, 0, None, ptr::null_mut(), out)
        });
        output(seen, "jobs.json", |out| ponte_jobs(h, 0, out));
        output(seen, "health.json", |out| ponte_health(h, 0, out));
        // A Nuvemshop integration takes a signed webhook in (no request to its store).
        let nuvem = CString::new(
            json!({"id": "nuvem", "platform": "nuvemshop", "base_url": "http://127.0.0.1:9",
                   "allow_http": true, "nuvemshop": {"store_id": "42", "user_agent": "T (t@t.t)"},
                   "credentials": {"access_token": "t", "app_secret": "s"}})
            .to_string(),
        )
        .unwrap();
        assert_eq!(ponte_integration_put(h, nuvem.as_ptr()), 0);
        let body = r#"{"store_id":42,"event":"order/paid","id":9}"#;
        let headers = CString::new(
            json!({"X-Linkedstore-HMAC-SHA256":
                   ::ponte::platform::nuvemshop::webhook::sign(b"s", body.as_bytes())})
            .to_string(),
        )
        .unwrap();
        let body = CString::new(body).unwrap();
        output(seen, "webhook_receipt.json", |out| {
            ponte_webhook_ingest(h, c"nuvem".as_ptr(), headers.as_ptr(), body.as_ptr(), out)
        });
        let retired = c"[\"1002\"]".as_ptr();
        output(seen, "retire_summary.json", |out| {
            ponte_catalog_retire_products(h, retired, out)
        });
    }
    let outputs: BTreeSet<&str> = schemas::ALL
        .iter()
        .filter(|d| d.direction == Direction::Out)
        .map(|d| d.file)
        .collect();
    let missed: Vec<_> = outputs.difference(seen).collect();
    assert!(
        missed.is_empty(),
        "no real output checked against {missed:?}"
    );
}

//! Compiles the C examples with every warning an error, the header as C++ too, and runs them
//! against the library cargo just built (`valgrind.rs` runs them under valgrind).

mod common;

use std::process::Command;

use common::c::{compile, run, state_file, C_FLAGS};

#[test]
fn the_quickstart_compiles_runs_and_reads_the_product_back() {
    let exe = compile("cc", C_FLAGS, "quickstart.c", "");
    let (_dir, path) = state_file("quickstart.db");
    let output = run(Command::new(&exe).arg(&path));
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(r#"products: {"created":1,"updated":0,"unchanged":0,"stock_changed":1,"pictures_read":0}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""sku":"TRA-PP-45""#) && stdout.contains(r#""stock":40"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""category_ids":["PANELAS"]"#), "{stdout}");
    assert!(
        stdout.contains("expected error: PONTE_E_NOT_FOUND: stock[0] (sku \"NAO-EXISTE\")"),
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "the library wrote to stderr");
}

#[test]
fn the_error_example_gets_a_status_for_every_wrong_call() {
    let exe = compile("cc", C_FLAGS, "errors.c", "");
    let (_dir, path) = state_file("errors.db");
    let output = run(Command::new(&exe).arg(&path));
    assert!(
        output.status.success(),
        "some wrong call was not reported as documented"
    );
    assert!(output.stderr.is_empty(), "the library wrote to stderr");
}

#[test]
fn the_sync_example_syncs_to_a_sandbox_from_c() {
    let exe = compile("cc", C_FLAGS, "sync.c", "");
    let (_dir, path) = state_file("sync.db");
    let output = run(Command::new(&exe).arg(&path));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("progress: 2/2"),
        "products done of those read: {stdout}"
    );
    assert!(
        stdout.contains(r#""counts":{"create":1,"skipped":1}"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""code":"not_published""#), "{stdout}");
    assert!(stdout.contains(r#""status":"closed""#), "{stdout}");
    assert!(
        stdout.contains(r#"customers: [{"customer_key":"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#"health: {"verdict":"#), "{stdout}");
    assert!(
        stdout.contains(r#""erp_order_number":"PV-0001""#),
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "the library wrote to stderr");
}

#[test]
fn the_header_compiles_as_cpp_and_twice() {
    let exe = compile(
        "c++",
        &["-std=c++11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"],
        "header_check.cpp",
        "",
    );
    assert!(run(&mut Command::new(&exe)).status.success());
}

//! Compiles the C examples with every warning an error, the header as C++ too, runs them against
//! the library cargo just built, and runs them under valgrind with no errors and no leaks.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

fn compile(compiler: &str, flags: &[&str], source: &str) -> PathBuf {
    let root = common::repo_root();
    let lib_dir = common::target_dir();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(Path::new(source).file_stem().unwrap());
    let output = Command::new(compiler)
        .args(flags)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("bindings/c").join(source))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&lib_dir)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lponte")
        .output()
        .unwrap_or_else(|err| panic!("{compiler} runs: {err}"));
    assert!(
        output.status.success(),
        "{source} does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the example runs");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    println!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn state_file(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

#[test]
fn the_quickstart_compiles_runs_and_reads_the_product_back() {
    let exe = compile("cc", C_FLAGS, "quickstart.c");
    let (_dir, path) = state_file("quickstart.db");
    let output = run(Command::new(&exe).arg(&path));
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(r#"products: {"created":1,"updated":0,"unchanged":0,"stock_changed":1}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""sku":"TRA-PP-45""#) && stdout.contains(r#""stock":40"#),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected error: PONTE_E_NOT_FOUND: stock[0] (sku \"NAO-EXISTE\")"),
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "the library wrote to stderr");
}

#[test]
fn the_error_example_gets_a_status_for_every_wrong_call() {
    let exe = compile("cc", C_FLAGS, "errors.c");
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
    let exe = compile("cc", C_FLAGS, "sync.c");
    let (_dir, path) = state_file("sync.db");
    let output = run(Command::new(&exe).arg(&path));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("progress: 1/1"), "{stdout}");
    assert!(
        stdout.contains(r#""counts":{"create":1,"skipped":1}"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""code":"not_published""#), "{stdout}");
    assert!(stdout.contains(r#""status":"closed""#), "{stdout}");
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
    );
    assert!(run(&mut Command::new(&exe)).status.success());
}

#[test]
fn the_examples_run_clean_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "valgrind is missing on CI; .ci/run installs it"
        );
        eprintln!("valgrind is not installed; skipped here (CI installs it)");
        return;
    }
    for source in ["quickstart.c", "errors.c", "sync.c"] {
        let exe = compile("cc", C_FLAGS, source);
        let (_dir, path) = state_file("valgrind.db");
        let output = run(Command::new("valgrind")
            .args([
                "--error-exitcode=99",
                "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible",
            ])
            .arg(format!(
                "--suppressions={}",
                common::repo_root()
                    .join("bindings/c/valgrind.supp")
                    .display()
            ))
            .arg(&exe)
            .arg(&path));
        let report = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{source} under valgrind:\n{report}"
        );
        assert!(report.contains("ERROR SUMMARY: 0 errors"), "{report}");
    }
}

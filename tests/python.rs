//! Runs the Python binding's tests against the library cargo just built, so `cargo test` covers
//! Rust, C and Python alike.

mod common;

use std::process::Command;

#[test]
fn the_python_binding_passes_its_tests() {
    let library = common::shared_library();
    assert!(library.exists(), "{} was not built", library.display());
    let root = common::repo_root();
    let output = Command::new("python3")
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(root.join("bindings/python/tests"))
        .env("PONTE_LIBRARY", &library)
        .env("PYTHONPATH", root.join("bindings/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs (CPython 3.8 or later is needed for the binding's tests)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stderr}");
    assert!(
        output.status.success(),
        "the Python tests failed:\n{stderr}"
    );
    assert!(stderr.contains("\nOK"), "no unittest summary:\n{stderr}");
}

//! The Pascal unit (`bindings/pascal/Ponte.pas`, Delphi mode) and its example, compiled with
//! Free Pascal and run against the library this `cargo test` built and a sandbox store. Its own
//! harness: `skipped` where fpc is missing, a failure in CI (`.ci/run` installs it).

mod common;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let missing = Command::new("fpc")
        .arg("-iV")
        .output()
        .is_err()
        .then(|| "Free Pascal (fpc) is not installed".to_string());
    common::tool::run_or_skip(
        "the_pascal_example_syncs_and_captures_against_the_sandbox",
        missing,
        pascal_example_runs,
    )
}

fn pascal_example_runs() {
    let root = common::repo_root();
    let libs = common::target_dir();
    let out = tempfile::tempdir().unwrap();
    let exe = out.path().join("example");
    let built = Command::new("fpc")
        .arg("-Mdelphi")
        .arg("-vew")
        .arg(format!("-Fu{}", root.join("bindings/pascal").display()))
        // Debian's RTL units, should the machine's fpc.cfg not name them (a minimal install).
        .arg("-Fu/usr/lib/$fpctarget-gnu/fpc/$fpcversion/units/$fpctarget/*")
        .arg(format!("-Fl{}", libs.display()))
        .arg(format!("-FU{}", out.path().display()))
        .arg(format!("-o{}", exe.display()))
        .arg(root.join("bindings/pascal/example.pas"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "fpc:\n{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new(&exe)
        .arg(out.path().join("ponte.db"))
        .env("LD_LIBRARY_PATH", &libs)
        .output()
        .unwrap();
    common::assert_binding_example_ran(
        ran.status.success(),
        &String::from_utf8_lossy(&ran.stdout),
        &String::from_utf8_lossy(&ran.stderr),
    );
}

//! The C examples under valgrind: no errors, no leaks. Its own harness, so a machine without
//! valgrind shows `skipped` in the summary (CI installs it and fails without it).

mod common;

use std::process::{Command, ExitCode};

use common::c::{compile, state_file, C_FLAGS};

fn main() -> ExitCode {
    let missing = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_err()
        .then(|| "valgrind is not installed (.ci/run installs it)".to_string());
    common::tool::run_or_skip(
        "the_examples_run_clean_under_valgrind",
        missing,
        examples_run_clean,
    )
}

fn examples_run_clean() {
    for source in ["quickstart.c", "errors.c", "sync.c"] {
        let exe = compile("cc", C_FLAGS, source, "valgrind-");
        let (_dir, path) = state_file("valgrind.db");
        let output = (Command::new("valgrind")
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
            .arg(&path))
        .output()
        .expect("valgrind runs");
        let report = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{source} under valgrind:\n{report}"
        );
        assert!(report.contains("ERROR SUMMARY: 0 errors"), "{report}");
    }
}

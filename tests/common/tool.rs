//! For tests that need a tool the machine may lack (valgrind, the official JavaScript client):
//! their own harness (`harness = false`), so a test that cannot run says `skipped` in the
//! runner's summary instead of passing silently, and fails where the tool must be (CI).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

/// Runs `check` unless `missing` names what is missing; prints a line and a summary as libtest
/// does. Without the tool: skipped, or a failure when `CI` is set.
pub fn run_or_skip(name: &str, missing: Option<String>, check: impl FnOnce()) -> ExitCode {
    println!("\nrunning 1 test");
    if let Some(why) = missing {
        if std::env::var_os("CI").is_some() {
            println!("test {name} ... FAILED: {why}, and CI must have it");
            println!("\ntest result: FAILED. 0 passed; 1 failed; 0 skipped");
            return ExitCode::FAILURE;
        }
        println!("test {name} ... skipped: {why}");
        println!("\ntest result: ok. 0 passed; 0 failed; 1 skipped");
        return ExitCode::SUCCESS;
    }
    match catch_unwind(AssertUnwindSafe(check)) {
        Ok(()) => {
            println!("test {name} ... ok");
            println!("\ntest result: ok. 1 passed; 0 failed; 0 skipped");
            ExitCode::SUCCESS
        }
        Err(_) => {
            println!("test {name} ... FAILED");
            println!("\ntest result: FAILED. 0 passed; 1 failed; 0 skipped");
            ExitCode::FAILURE
        }
    }
}

/// Runs several checks that need the same tools, each on its own line as libtest prints them,
/// then one summary: all skipped (or failed under `CI`) when `missing` says what is missing.
pub fn run_all_or_skip(missing: Option<String>, checks: &[(&str, &dyn Fn())]) -> ExitCode {
    println!("\nrunning {} tests", checks.len());
    let in_ci = std::env::var_os("CI").is_some();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (name, check) in checks {
        if let Some(why) = &missing {
            if in_ci {
                println!("test {name} ... FAILED: {why}, and CI must have it");
                failed += 1;
            } else {
                println!("test {name} ... skipped: {why}");
                skipped += 1;
            }
            continue;
        }
        match catch_unwind(AssertUnwindSafe(check)) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!("\ntest result: {verdict}. {passed} passed; {failed} failed; {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

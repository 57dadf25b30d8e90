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

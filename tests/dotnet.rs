//! The C# binding (`bindings/dotnet/Ponte.cs`) and its example, compiled with Mono's mcs and run
//! under mono against the library this `cargo test` built and a sandbox store. Its own harness:
//! `skipped` where Mono is missing, a failure in CI (`.ci/run` installs it).

mod common;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let missing = ["mcs", "mono"]
        .into_iter()
        .find(|tool| Command::new(tool).arg("--version").output().is_err())
        .map(|tool| format!("Mono's {tool} is not installed"));
    common::tool::run_or_skip(
        "the_csharp_example_syncs_and_captures_against_the_sandbox",
        missing,
        csharp_example_runs,
    )
}

fn csharp_example_runs() {
    let root = common::repo_root().join("bindings/dotnet");
    let out = tempfile::tempdir().unwrap();
    let exe = out.path().join("example.exe");
    let built = Command::new("mcs")
        .arg(format!("-out:{}", exe.display()))
        .arg(root.join("Ponte.cs"))
        .arg(root.join("Example.cs"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "mcs:\n{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new("mono")
        .arg(&exe)
        .arg(out.path().join("ponte.db"))
        .env("LD_LIBRARY_PATH", common::target_dir())
        .output()
        .unwrap();
    // UTF-8 both ways: the name went in from C# and came back the same.
    common::assert_binding_example_ran(
        ran.status.success(),
        &String::from_utf8_lossy(&ran.stdout),
        &String::from_utf8_lossy(&ran.stderr),
    );
}

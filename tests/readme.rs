//! The README's quick starts cannot rot: each code block is the file a test compiles and runs.
//! The C one is `bindings/c/quickstart.c` (compiled and run by `c_examples.rs`), the Pascal one
//! `bindings/pascal/example.pas` (by `pascal.rs`), the Python one
//! `bindings/python/examples/quickstart.py` and the Rust one `examples/quickstart.rs` (built by
//! `cargo test`), both run here against the sandbox store.

mod common;

use std::process::Command;

/// The code blocks of a language in the README's quick start, in order.
fn quick_start_blocks(language: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme.find("## Quick start").expect("a quick start");
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |e| start + e);
    let section = &readme[start..end];
    let fence = format!("```{language}\n");
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find(&fence) {
        let body = &rest[open + fence.len()..];
        let close = body.find("\n```").expect("a closed block");
        blocks.push(format!("{}\n", &body[..close]));
        rest = &body[close..];
    }
    blocks
}

fn file(path: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(path)).unwrap()
}

#[test]
fn the_c_quick_start_is_the_example_the_c_tests_build_and_run() {
    assert_eq!(quick_start_blocks("c"), [file("bindings/c/quickstart.c")]);
}

#[test]
fn the_python_quick_start_runs_against_the_sandbox() {
    assert_eq!(
        quick_start_blocks("python"),
        [file("bindings/python/examples/quickstart.py")]
    );
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("python3")
        .arg(common::repo_root().join("bindings/python/examples/quickstart.py"))
        .arg(dir.path().join("ponte.db"))
        .env("PYTHONPATH", common::repo_root().join("bindings/python"))
        .env("PONTE_LIBRARY", common::shared_library())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("sync: completed {'create': 1}"), "{stdout}");
    assert!(stdout.contains("is sales order PV-0001"), "{stdout}");
    assert!(stdout.contains("expected error: -105"), "{stdout}");
}

#[test]
fn the_pascal_quick_start_is_the_example_the_pascal_test_builds_and_runs() {
    assert_eq!(
        quick_start_blocks("pascal"),
        [file("bindings/pascal/example.pas")]
    );
}

#[test]
fn the_csharp_example_in_the_readme_is_the_one_the_dotnet_test_builds_and_runs() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let example = file("bindings/dotnet/Example.cs");
    assert!(
        readme.contains(&format!("```csharp\n{example}```")),
        "README's C# block differs from bindings/dotnet/Example.cs"
    );
}

#[test]
fn the_rust_quick_start_builds_as_an_example_and_runs() {
    assert_eq!(quick_start_blocks("rust"), [file("examples/quickstart.rs")]);
    let example = common::target_dir()
        .parent()
        .unwrap()
        .join("examples")
        .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(&example)
        .arg(dir.path().join("ponte.db"))
        .output()
        .unwrap_or_else(|err| panic!("{}: {err} (cargo test builds it)", example.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("sync: completed {\"create\": 1}"),
        "{stdout}"
    );
    assert!(stdout.contains("is sales order PV-0001"), "{stdout}");
}

//! Building and running the C examples in `bindings/c` against the library `cargo test` built.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/// Compiles `bindings/c/<source>` against the library this `cargo test` built, into an
/// executable named `<prefix><stem>` (test binaries run at once must not share one).
pub fn compile(compiler: &str, flags: &[&str], source: &str, prefix: &str) -> PathBuf {
    let root = super::repo_root();
    let lib_dir = super::target_dir();
    let stem = Path::new(source).file_stem().unwrap().to_string_lossy();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}{stem}"));
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

pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the example runs");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    println!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

pub fn state_file(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

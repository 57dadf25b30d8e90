//! What an ERP developer downloads (`scripts/dist.sh`): each platform's archive unpacks to the
//! library, the header, the schemas, the Pascal unit, the C# file, the README and the licences,
//! and the C quick start links against what is inside and runs: on Linux with the shared
//! library, on Windows (under Wine) against the MSVC import library `ponte.lib`.
//!
//! Its own harness: `skipped` where mingw-w64, Wine, llvm-dlltool or the Rust targets are
//! missing, a failure under `CI` (`.ci/run` installs them). Built in the debug profile, as the
//! other tests are; `scripts/dist.sh` alone builds release.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use common::wine::{put_prng_shim, windows_target_dir, wine};

fn main() -> ExitCode {
    let checks: [(&str, &dyn Fn()); 3] = [
        ("the_linux_archive_links_and_runs_the_quick_start", &linux),
        (
            "the_windows_x64_archive_links_ponte_lib_and_runs_under_wine",
            &|| windows("x64", "x86_64-w64-mingw32"),
        ),
        (
            "the_windows_x86_archive_links_ponte_lib_and_runs_under_wine",
            &|| windows("x86", "i686-w64-mingw32"),
        ),
    ];
    common::tool::run_all_or_skip(missing_tools(), &checks)
}

fn missing_tools() -> Option<String> {
    // Found and started is enough: llvm-dlltool answers even -h with exit status 1.
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    for tool in [
        "x86_64-w64-mingw32-gcc",
        "i686-w64-mingw32-gcc",
        "wine",
        "llvm-dlltool",
    ] {
        if !runs(tool) {
            return Some(format!("{tool} is not installed"));
        }
    }
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    ["x86_64-pc-windows-gnu", "i686-pc-windows-gnu"]
        .into_iter()
        .find(|t| !targets.contains(t))
        .map(|t| format!("the Rust target {t} is not installed"))
}

/// Runs `scripts/dist.sh` for one platform into a fresh folder and unpacks what it made.
fn unpacked(platform: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut dist = Command::new("bash");
    dist.arg(common::repo_root().join("scripts/dist.sh"))
        .args(["--profile", "debug", "--out"])
        .arg(dir.path())
        .arg(platform);
    if platform.starts_with("windows") {
        // The same build as tests/windows.rs, so nothing is built twice.
        dist.env("CARGO_TARGET_DIR", windows_target_dir())
            .env("CARGO_PROFILE_DEV_DEBUG", "false");
    }
    let made = dist.output().unwrap();
    assert!(
        made.status.success(),
        "dist.sh {platform}:\n{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let archive = PathBuf::from(String::from_utf8_lossy(&made.stdout).trim());
    let name = archive
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_end_matches(".tar.gz")
        .trim_end_matches(".zip")
        .to_string();
    assert_eq!(
        name,
        format!("ponte-{}-{platform}", env!("CARGO_PKG_VERSION"))
    );
    let unpacked = if archive.extension().is_some_and(|e| e == "zip") {
        Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&archive)
            .arg(dir.path())
            .status()
    } else {
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(dir.path())
            .status()
    };
    assert!(
        unpacked.unwrap().success(),
        "{} does not unpack",
        archive.display()
    );
    let root = dir.path().join(name);
    (dir, root)
}

fn assert_has(root: &Path, files: &[&str]) {
    for file in files.iter().chain(&[
        "include/ponte.h",
        "include/schemas/products.json",
        "include/schemas/capture_report.json",
        "bindings/pascal/Ponte.pas",
        "bindings/dotnet/Ponte.cs",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ]) {
        assert!(root.join(file).is_file(), "the archive has no {file}");
    }
}

fn quick_start_output_is_right(stdout: &str) {
    assert!(
        stdout.contains(r#"products: {"created":1,"updated":0,"unchanged":0,"stock_changed":1,"pictures_read":0}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected error: PONTE_E_NOT_FOUND: stock[0] (sku \"NAO-EXISTE\")"),
        "{stdout}"
    );
}

fn linux() {
    let (_dir, root) = unpacked("linux-x64");
    assert_has(&root, &["lib/libponte.so", "lib/libponte.a", "bin/ponte"]);
    let exe = root.join("quickstart");
    let built = Command::new("cc")
        .arg("-I")
        .arg(root.join("include"))
        .arg(common::repo_root().join("bindings/c/quickstart.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(root.join("lib"))
        .arg(format!("-Wl,-rpath,{}", root.join("lib").display()))
        .arg("-lponte")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new(&exe).current_dir(&root).output().unwrap();
    assert!(ran.status.success());
    quick_start_output_is_right(&String::from_utf8_lossy(&ran.stdout));
    let version = Command::new(root.join("bin/ponte"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}

fn windows(arch: &str, prefix: &str) {
    let (_dir, root) = unpacked(&format!("windows-{arch}"));
    assert_has(
        &root,
        &[
            "lib/ponte.dll",
            "lib/libponte.dll.a",
            "lib/ponte.lib",
            "lib/ponte.def",
        ],
    );
    let def = std::fs::read_to_string(root.join("lib/ponte.def")).unwrap();
    for function in common::header_functions() {
        assert!(
            def.contains(&format!("    {function}\n")),
            "ponte.def lacks {function}"
        );
    }
    // A program linked against the MSVC import library alone, run beside the archive's DLL.
    let run = root.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::copy(root.join("lib/ponte.dll"), run.join("ponte.dll")).unwrap();
    put_prng_shim(&format!("{prefix}-gcc"), &run);
    let exe = run.join("quickstart.exe");
    let built = Command::new(format!("{prefix}-gcc"))
        .args(["-std=c99", "-Wall", "-Werror", "-I"])
        .arg(root.join("include"))
        .arg(common::repo_root().join("bindings/c/quickstart.c"))
        .arg(root.join("lib/ponte.lib"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "linking against ponte.lib:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = wine(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout).replace("\r\n", "\n");
    assert!(ran.status.success(), "{arch}: {stdout}");
    quick_start_output_is_right(&stdout);
}

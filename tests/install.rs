//! `scripts/install.sh` puts the libraries, the header, `ponte.pc` and the command line under a
//! prefix, and a C program builds with nothing but `pkg-config`: against the shared library and
//! against the static one.

mod common;

use std::path::Path;
use std::process::Command;

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let output = Command::new("pkg-config")
        .args(args)
        .arg("ponte")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("pkg-config runs (.ci/run installs it)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn an_installed_ponte_builds_a_c_program_through_pkg_config_shared_and_static() {
    let prefix = tempfile::tempdir().unwrap();
    // `cargo test` built the debug libraries and the binary already.
    let profile = common::profile();
    let installed = Command::new("bash")
        .arg(common::repo_root().join("scripts/install.sh"))
        .args(["--prefix", prefix.path().to_str().unwrap()])
        .args(["--profile", &profile, "--no-build"])
        .env(
            "CARGO_TARGET_DIR",
            common::target_dir().parent().unwrap().parent().unwrap(),
        )
        .output()
        .unwrap();
    assert!(installed.status.success(), "{installed:?}");
    for file in [
        "lib/libponte.so",
        "lib/libponte.a",
        "include/ponte.h",
        "bin/ponte",
        "share/ponte/schemas/products.json",
        "share/ponte/schemas/capture_report.json",
    ] {
        assert!(prefix.path().join(file).exists(), "{file} not installed");
    }
    let source = common::repo_root().join("bindings/c/quickstart.c");
    let cflags = pkg_config(prefix.path(), &["--cflags"]);
    for (name, libs) in [
        ("shared", pkg_config(prefix.path(), &["--libs"])),
        ("static", {
            // The static archive alone, as a static link names it, then its private libraries.
            let mut libs = vec![prefix.path().join("lib/libponte.a").display().to_string()];
            libs.extend(
                pkg_config(prefix.path(), &["--static", "--libs"])
                    .into_iter()
                    .filter(|f| f != "-lponte"),
            );
            libs
        }),
    ] {
        let exe = prefix.path().join(format!("quickstart-{name}"));
        let built = Command::new("cc")
            .arg("-std=c99")
            .args(&cflags)
            .arg(&source)
            .args(&libs)
            .arg("-o")
            .arg(&exe)
            .output()
            .unwrap();
        assert!(built.status.success(), "{name}: {built:?}");
        let ran = Command::new(&exe)
            .arg(prefix.path().join(format!("{name}.db")))
            .env("LD_LIBRARY_PATH", prefix.path().join("lib"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&ran.stdout);
        assert!(ran.status.success(), "{name}: {ran:?}");
        assert!(stdout.contains("product: {"), "{name}: {stdout}");
    }
    let version = Command::new(prefix.path().join("bin/ponte"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("Usage: ponte <COMMAND>"),
        "{version:?}"
    );
}

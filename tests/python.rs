//! The Python binding as a user gets it: `pip install ./bindings/python` into a fresh virtual
//! environment (setuptools-rust builds the library and ships it inside the package), then the
//! binding's tests run with that environment's python, from a directory outside the checkout,
//! with neither `PYTHONPATH` nor `PONTE_LIBRARY`. So `cargo test` covers Rust, C and the
//! installed Python package alike.
//!
//! Its own harness: a machine without `python3 -m venv` or the build backend (setuptools-rust and
//! wheel, which `.ci/run` installs) shows `skipped`; under `CI` that is a failure.
//!
//! The Rust part builds in release into the checkout's `target/`, so the dependencies it compiles
//! serve the release demo CI runs next (a nested cargo does not wait for the `cargo test` that
//! runs it: cargo releases its lock before running the test binaries). Its features differ
//! (`sandbox` only, no `cli`), so the `ponte` crate itself is built again when they alternate.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

fn main() -> ExitCode {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let venv = dir.path().join("venv");
    let missing = make_venv(&venv).err();
    common::tool::run_or_skip(
        "the_installed_python_package_passes_its_tests",
        missing,
        || installed_package_passes(dir.path(), &venv),
    )
}

/// `python3 -m venv --system-site-packages`: the build backend and the `woocommerce` client the
/// tests use come from the system's site-packages, so nothing is downloaded. `Err` says what is
/// missing.
fn make_venv(venv: &Path) -> Result<(), String> {
    let made = Command::new("python3")
        .args(["-m", "venv", "--system-site-packages"])
        .arg(venv)
        .output()
        .map_err(|_| "python3 is not installed (.ci/run installs it)".to_string())?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv fails (Debian's python3 needs python3-venv): {}",
            last_line(&made)
        ));
    }
    // setuptools-rust, and wheel for a setuptools older than 70.1 (the venv's own, on 3.11).
    let probe = Command::new(python(venv))
        .args(["-c", BACKEND_PROBE])
        .output()
        .expect("the venv's python runs");
    if !probe.status.success() {
        return Err(format!(
            "the build backend is missing ({}); .ci/run installs it: \
             python3 -m pip install setuptools-rust wheel",
            last_line(&probe)
        ));
    }
    Ok(())
}

const BACKEND_PROBE: &str = "\
import setuptools_rust
try:
    import setuptools.command.bdist_wheel
except ImportError:
    import wheel.bdist_wheel
";

fn installed_package_passes(work: &Path, venv: &Path) {
    let root = common::repo_root();
    let install = isolated(Command::new(python(venv)), work)
        .args(["-m", "pip", "install", "--no-build-isolation", "--no-index"])
        .args(["--no-cache-dir", "--disable-pip-version-check"])
        .arg(root.join("bindings/python"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .expect("pip runs");
    assert!(
        install.status.success(),
        "pip install ./bindings/python failed:\n{}{}",
        String::from_utf8_lossy(&install.stdout),
        String::from_utf8_lossy(&install.stderr)
    );

    // The package and the library it loaded are the installed ones, not the checkout's.
    let located = isolated(Command::new(python(venv)), work)
        .args([
            "-c",
            "import ponte; print(ponte.__file__); print(ponte.library_path())",
        ])
        .output()
        .expect("the venv's python runs");
    let stdout = String::from_utf8_lossy(&located.stdout);
    assert!(
        located.status.success(),
        "import ponte failed:\n{stdout}{}",
        String::from_utf8_lossy(&located.stderr)
    );
    let venv = venv.canonicalize().expect("the venv exists");
    let paths: Vec<PathBuf> = stdout
        .lines()
        .map(|line| Path::new(line).canonicalize().expect("the path exists"))
        .collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    for path in &paths {
        assert!(
            path.starts_with(&venv),
            "{} is not in the venv",
            path.display()
        );
    }
    println!("ponte from {}", paths[0].display());
    println!("library from {}", paths[1].display());

    let tests = isolated(Command::new(python(&venv)), work)
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(root.join("bindings/python/tests"))
        // Keeps __pycache__ out of the checkout's tests directory.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("the venv's python runs");
    let stderr = String::from_utf8_lossy(&tests.stderr);
    println!("{stderr}");
    assert!(tests.status.success(), "the Python tests failed:\n{stderr}");
    assert!(stderr.contains("\nOK"), "no unittest summary:\n{stderr}");
}

/// Runs in `work`, outside the checkout, with nothing pointing at the checkout's package or
/// library: what Python finds is the installed package.
fn isolated(mut command: Command, work: &Path) -> Command {
    command
        .current_dir(work)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .env_remove("PONTE_LIBRARY")
        .env_remove("CARGO_TARGET_DIR");
    command
}

fn python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn last_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.trim().lines().last().unwrap_or("").to_string()
}

//! Running Windows programs under Wine for the Windows tests: one Wine prefix for all of them
//! under target/windows, Wine's own chatter off, and the test-only `ProcessPrng` shim that Wine 8
//! lacks (tests/windows/prng_shim.c; Windows has the real one, and it is never shipped).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the Windows builds, the Wine prefix and the programs under test live.
pub fn windows_target_dir() -> PathBuf {
    super::repo_root().join("target/windows")
}

/// A command that runs `exe` under Wine, in its folder.
pub fn wine(exe: &Path) -> Command {
    let mut command = Command::new("wine");
    command
        .arg(exe)
        .env("WINEPREFIX", windows_target_dir().join("wineprefix"))
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env_remove("DISPLAY");
    if let Some(dir) = exe.parent().filter(|d| !d.as_os_str().is_empty()) {
        command.current_dir(dir);
    }
    command
}

/// A Linux path as a Windows program under Wine sees it (drive Z: is the root).
pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// Builds the `bcryptprimitives.dll` shim with `gcc` (a mingw-w64 compiler) into `dir`.
pub fn put_prng_shim(gcc: &str, dir: &Path) {
    let shim = Command::new(gcc)
        .arg("-shared")
        .arg(super::repo_root().join("tests/windows/prng_shim.c"))
        .arg("-o")
        .arg(dir.join("bcryptprimitives.dll"))
        .args(["-ladvapi32", "-Wl,--kill-at"])
        .output()
        .expect("the mingw compiler runs");
    assert!(
        shim.status.success(),
        "{}",
        String::from_utf8_lossy(&shim.stderr)
    );
}

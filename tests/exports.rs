//! What the shared library exports: exactly the header's functions, and none of the bundled
//! SQLite's symbols, so a host that carries its own SQLite never binds to ours (RELIABILITY.md
//! scenario 27).

mod common;

use std::process::Command;

#[test]
fn the_shared_library_exports_the_header_functions_and_no_sqlite() {
    let library = common::shared_library();
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&library)
        .output()
        .expect("nm runs (binutils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let symbols: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().last().map(str::to_string))
        .collect();
    let sqlite: Vec<&String> = symbols
        .iter()
        .filter(|s| s.starts_with("sqlite3"))
        .collect();
    assert!(sqlite.is_empty(), "SQLite symbols are exported: {sqlite:?}");
    let mut ponte: Vec<String> = symbols
        .into_iter()
        .filter(|s| s.starts_with("ponte_"))
        .collect();
    ponte.sort();
    assert_eq!(ponte, common::header_functions());
}

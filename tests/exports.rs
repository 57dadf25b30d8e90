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

/// The same on 32 and 64 bits, for every caller: each integer in a declaration is a fixed-width
/// `int32_t` or `int64_t` (no `int`, `long`, `size_t` or `bool`, whose size or existence varies by
/// compiler and platform), and the calling convention is the C one, said in the header.
#[test]
fn the_header_declares_only_fixed_width_integers_and_says_cdecl() {
    let header = std::fs::read_to_string(common::repo_root().join("include/ponte.h")).unwrap();
    let code: String = header
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("/*") || line.starts_with('*') || line.starts_with("//"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    for word in code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        assert!(
            !matches!(
                word,
                "int" | "long" | "short" | "size_t" | "bool" | "unsigned" | "_Bool"
            ),
            "include/ponte.h declares a `{word}`"
        );
    }
    assert!(
        header.contains("cdecl"),
        "the header does not name its calling convention"
    );
}

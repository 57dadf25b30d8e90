//! Generates the C header with cbindgen and checks it against the committed `include/ponte.h`.
//! A stale header fails the build; `PONTE_UPDATE_HEADER=1 cargo build` rewrites it.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/ponte.h");
    println!("cargo:rerun-if-env-changed=PONTE_UPDATE_HEADER");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    let generated = out_dir.join("ponte.h");
    // Only src/ffi is read: the header shows the C layer, never a core type or constant.
    cbindgen::Builder::new()
        .with_src(crate_dir.join("src").join("ffi").join("mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen can parse the crate")
        .write_to_file(&generated);

    let fresh = fs::read_to_string(&generated).expect("the generated header is readable");
    let committed_path = crate_dir.join("include").join("ponte.h");
    let committed = fs::read_to_string(&committed_path).unwrap_or_default();
    if fresh == committed {
        return;
    }
    if env::var_os("PONTE_UPDATE_HEADER").is_some_and(|v| v == "1") {
        fs::write(&committed_path, fresh).expect("include/ponte.h is writable");
        return;
    }
    panic!(
        "include/ponte.h does not match the exported API; regenerate it with \
         `PONTE_UPDATE_HEADER=1 cargo build` and commit it"
    );
}

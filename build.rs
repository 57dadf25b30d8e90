//! Generates the C header with cbindgen and checks it against the committed `include/ponte.h`
//! (a stale header fails the build; `PONTE_UPDATE_HEADER=1 cargo build` rewrites it), and on
//! Windows gives `ponte.dll` a version resource, which Explorer and installers read.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=include/ponte.h");
    println!("cargo:rerun-if-env-changed=PONTE_UPDATE_HEADER");
    check_header(&crate_dir, &out_dir);
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        version_resource(&out_dir);
    }
}

fn check_header(crate_dir: &Path, out_dir: &Path) {
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

/// Compiles a VERSIONINFO with Ponte's version using the GNU toolchain's `windres` and links it
/// into the DLL. Without a `windres` (an MSVC build, say) the DLL is built without one, and the
/// build says so.
fn version_resource(out_dir: &Path) {
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let numbers: Vec<u32> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    let (major, minor, patch) = (numbers[0], numbers[1], numbers[2]);
    let rc = out_dir.join("ponte.rc");
    fs::write(
        &rc,
        format!(
            r#"1 VERSIONINFO
FILEVERSION {major},{minor},{patch},0
PRODUCTVERSION {major},{minor},{patch},0
FILEOS 0x40004
FILETYPE 0x2
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "Ponte"
      VALUE "FileDescription", "Ponte: the integration core an ERP embeds for its online stores"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "ponte"
      VALUE "OriginalFilename", "ponte.dll"
      VALUE "ProductName", "Ponte"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#
        ),
    )
    .expect("OUT_DIR is writable");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let prefix = match target.split('-').next() {
        Some("x86_64") => "x86_64-w64-mingw32-",
        Some("i686") => "i686-w64-mingw32-",
        Some("aarch64") => "aarch64-w64-mingw32-",
        _ => "",
    };
    let object = out_dir.join("ponte-version.o");
    let compiled = [format!("{prefix}windres"), "windres".to_string()]
        .iter()
        .any(|windres| {
            Command::new(windres)
                .arg(&rc)
                .args(["-O", "coff", "-o"])
                .arg(&object)
                .status()
                .is_ok_and(|status| status.success())
        });
    if compiled {
        println!("cargo:rustc-link-arg-cdylib={}", object.display());
    } else {
        println!("cargo:warning=no windres found: ponte.dll is built without a version resource");
    }
}

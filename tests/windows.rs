//! Ponte on Windows, where the ERPs live: `ponte.dll` built here for 64 and 32 bits with
//! mingw-w64, and C programs compiled against its import library run under Wine as a Windows ERP
//! would run them. The C examples must print what they print on Linux; the DLL exports exactly
//! the header's functions; state-file paths, leases between processes, unloading the DLL and a
//! GUI host behave as Windows callers need; the Pascal example, compiled by Free Pascal for Win64
//! and Win32, runs against the DLL too.
//!
//! Wine 8 lacks `ProcessPrng` (bcryptprimitives.dll), which Rust's standard library calls for
//! random bytes: a test-only shim (`tests/windows/prng_shim.c`) sits beside the programs. Windows
//! has the real one; the shim is never shipped.
//!
//! Its own harness: every check is reported `skipped` where mingw-w64, Wine or the Rust targets
//! are missing, and fails under `CI` (`.ci/run` installs them).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Output, Stdio};
use std::sync::OnceLock;

use common::wine::{put_prng_shim, windows_path, windows_target_dir, wine};

struct Arch {
    name: &'static str,
    triple: &'static str,
    prefix: &'static str,
    /// Free Pascal's names for the target, and where its compiler for that CPU is.
    fpc_os: &'static str,
    fpc_cpu: &'static str,
    ppc: &'static str,
}

const X64: Arch = Arch {
    name: "x64",
    triple: "x86_64-pc-windows-gnu",
    prefix: "x86_64-w64-mingw32",
    fpc_os: "win64",
    fpc_cpu: "x86_64",
    ppc: "/usr/bin/ppcx64",
};
/// Debian's i386 compiler, unpacked beside the amd64 one by `.ci/run` (installing it would
/// remove the amd64 compiler): a static binary that runs here.
const X86: Arch = Arch {
    name: "x86",
    triple: "i686-pc-windows-gnu",
    prefix: "i686-w64-mingw32",
    fpc_os: "win32",
    fpc_cpu: "i386",
    ppc: "/opt/fpc-i386/usr/lib/i386-linux-gnu/fpc/3.2.2/ppc386",
};

/// Debian's Free Pascal sources, from which the Windows RTL units are built.
const FPC_SOURCE: &str = "/usr/share/fpcsrc/3.2.2/rtl";

fn main() -> ExitCode {
    let checks: Vec<(String, Box<dyn Fn()>)> = [&X64, &X86]
        .into_iter()
        .flat_map(|arch| {
            let named = |what: &str, check: fn(&'static Arch)| {
                (
                    format!("windows_{}_{what}", arch.name),
                    Box::new(move || check(arch)) as Box<dyn Fn()>,
                )
            };
            [
                named("dll_exports_exactly_the_header", exports_match_the_header),
                named("dll_carries_its_version", version_resource),
                named("c_examples_run_under_wine", c_examples_run),
                named("state_file_paths", state_file_paths),
                named("dead_lease_holder_is_known_at_once", leases),
                named("unloading_the_dll_leaves_no_thread", unload),
                named("gui_host_sees_no_output", gui_host),
                named("pascal_example_runs_under_wine", pascal_example),
            ]
        })
        .collect();
    let mut checks: Vec<(&str, &dyn Fn())> = checks
        .iter()
        .map(|(name, check)| (name.as_str(), check.as_ref()))
        .collect();
    checks.push((
        "the_header_compiles_for_32_bit_linux",
        &header_compiles_with_m32,
    ));
    common::tool::run_all_or_skip(missing_tools(), &checks)
}

/// The header and the C examples compile for 32-bit Linux as well (`cc -m32`, gcc-multilib):
/// nothing in the interface changes size with the platform's word.
fn header_compiles_with_m32() {
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("m32.c");
    std::fs::write(
        &probe,
        "#include \"ponte.h\"\n\
         _Static_assert(sizeof(void *) == 4, \"a 32-bit build\");\n\
         int32_t (*open_fn)(const char *, ponte **) = ponte_open;\n",
    )
    .unwrap();
    for source in [
        probe,
        example("quickstart.c"),
        example("sync.c"),
        example("errors.c"),
    ] {
        let output = Command::new("cc")
            .args([
                "-m32",
                "-std=c11",
                "-Wall",
                "-Wextra",
                "-Wpedantic",
                "-Werror",
                "-c",
            ])
            .arg("-I")
            .arg(common::repo_root().join("include"))
            .arg(&source)
            .arg("-o")
            .arg(dir.path().join("out.o"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{} with -m32:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// What this machine lacks to build for Windows and run the result, if anything.
fn missing_tools() -> Option<String> {
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    for arch in [&X64, &X86] {
        let gcc = format!("{}-gcc", arch.prefix);
        if !runs(&gcc, "--version") {
            return Some(format!("{gcc} (mingw-w64) is not installed"));
        }
        let installed = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(arch.triple));
        if !installed {
            return Some(format!("the Rust target {} is not installed", arch.triple));
        }
    }
    if !runs("wine", "--version") {
        return Some("Wine is not installed".into());
    }
    let m32 = Command::new("cc")
        .args(["-m32", "-x", "c", "-c", "-o", "/dev/null", "-"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !m32 {
        return Some("cc -m32 does not work (gcc-multilib is not installed)".into());
    }
    for (path, what) in [
        (X64.ppc, "Free Pascal (fp-compiler-3.2.2)"),
        (X86.ppc, "Free Pascal's i386 compiler (unpacked by .ci/run)"),
        (FPC_SOURCE, "Free Pascal's sources (fpc-source-3.2.2)"),
    ] {
        if !Path::new(path).exists() {
            return Some(format!("{what} is not installed"));
        }
    }
    if !runs("fpcmake", "-h") && !runs("fpcmake", "-V") {
        return Some("fpcmake (fp-utils-3.2.2) is not installed".into());
    }
    None
}

/// The DLL for `arch`, built once, with the shim in a folder of its own where the programs go.
fn built(arch: &'static Arch) -> &'static Path {
    static X64_DIR: OnceLock<PathBuf> = OnceLock::new();
    static X86_DIR: OnceLock<PathBuf> = OnceLock::new();
    let cell = if arch.name == "x64" {
        &X64_DIR
    } else {
        &X86_DIR
    };
    cell.get_or_init(|| build(arch))
}

fn build(arch: &Arch) -> PathBuf {
    let target_dir = windows_target_dir();
    // The library alone, with the sandbox store the examples use; debug, without debug info.
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--lib",
            "--no-default-features",
            "--features",
            "sandbox",
        ])
        .args(["--target", arch.triple])
        .current_dir(common::repo_root())
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build --target {}:\n{}",
        arch.triple,
        String::from_utf8_lossy(&output.stderr)
    );
    let built = target_dir.join(arch.triple).join("debug");
    let run = target_dir.join(format!("run-{}", arch.name));
    std::fs::create_dir_all(&run).unwrap();
    for file in ["ponte.dll", "libponte.dll.a"] {
        std::fs::copy(built.join(file), run.join(file)).unwrap();
    }
    put_prng_shim(&format!("{}-gcc", arch.prefix), &run);
    run
}

/// Compiles a C program (`bindings/c/NAME` or `tests/windows/NAME`) for `arch` against the DLL.
fn compile(arch: &'static Arch, source: &Path, extra: &[&str]) -> PathBuf {
    let dir = built(arch);
    let exe = dir.join(source.with_extension("exe").file_name().unwrap());
    let output = Command::new(format!("{}-gcc", arch.prefix))
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(common::repo_root().join("include"))
        .arg(source)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(dir)
        .arg("-lponte")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} does not compile for {}:\n{}",
        source.display(),
        arch.name,
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

fn example(name: &str) -> PathBuf {
    common::repo_root().join("bindings/c").join(name)
}

fn windows_test(name: &str) -> PathBuf {
    common::repo_root().join("tests/windows").join(name)
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("wine runs");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n")
}

fn exports_match_the_header(arch: &'static Arch) {
    let dll = built(arch).join("ponte.dll");
    let output = Command::new(format!("{}-objdump", arch.prefix))
        .arg("-p")
        .arg(&dll)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let table = text
        .split("[Ordinal/Name Pointer] Table")
        .nth(1)
        .expect("an export table");
    let mut exports: Vec<String> = table
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split(']').nth(1).map(|name| name.trim().to_string()))
        .collect();
    exports.sort();
    assert_eq!(
        exports,
        common::header_functions(),
        "{}: the DLL's exports differ from include/ponte.h",
        arch.name
    );
}

fn version_resource(arch: &'static Arch) {
    let exe = compile(arch, &windows_test("version.c"), &["-lversion"]);
    let output = run(&mut wine(&exe));
    let text = stdout(&output);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!(
            "version: resource {version}, library {version}, product Ponte"
        )),
        "{}: {text}",
        arch.name
    );
    assert!(output.status.success());
}

fn c_examples_run(arch: &'static Arch) {
    let dir = tempfile::tempdir().unwrap();
    let quickstart = compile(arch, &example("quickstart.c"), &[]);
    let output = run(wine(&quickstart).arg(windows_path(&dir.path().join("q.db"))));
    let text = stdout(&output);
    assert!(output.status.success(), "{}: {text}", arch.name);
    assert!(
        text.contains(r#"products: {"created":1,"updated":0,"unchanged":0,"stock_changed":1,"pictures_read":0}"#),
        "{text}"
    );
    assert!(text.contains(r#""stock":40"#), "{text}");
    assert!(
        text.contains("expected error: PONTE_E_NOT_FOUND: stock[0] (sku \"NAO-EXISTE\")"),
        "{text}"
    );

    let errors = compile(arch, &example("errors.c"), &[]);
    let output = run(wine(&errors).arg(windows_path(&dir.path().join("e.db"))));
    assert!(
        output.status.success(),
        "{}: {}",
        arch.name,
        stdout(&output)
    );

    let sync = compile(arch, &example("sync.c"), &[]);
    let output = run(wine(&sync).arg(windows_path(&dir.path().join("s.db"))));
    let text = stdout(&output);
    assert!(output.status.success(), "{}: {text}", arch.name);
    for expected in [
        "progress: 2/2",
        r#""counts":{"create":1,"skipped":1}"#,
        r#""code":"not_published""#,
        r#""status":"closed""#,
        r#"customers: [{"customer_key":"#,
        r#"health: {"verdict":"#,
        r#""erp_order_number":"PV-0001""#,
    ] {
        assert!(
            text.contains(expected),
            "{}: no {expected} in\n{text}",
            arch.name
        );
    }
    assert!(output.stderr.is_empty(), "the library wrote to stderr");
}

/// Maps drive Y: to a folder and tells Wine it is a network share, as a mapped drive would be.
fn map_network_drive() {
    static MAPPED: OnceLock<()> = OnceLock::new();
    MAPPED.get_or_init(|| {
        let prefix = windows_target_dir().join("wineprefix");
        let status = wine(Path::new("reg"))
            .current_dir(windows_target_dir())
            .args([
                "add",
                r"HKLM\Software\Wine\Drives",
                "/v",
                "y:",
                "/t",
                "REG_SZ",
            ])
            .args(["/d", "network", "/f", "/reg:64"])
            .output()
            .unwrap()
            .status;
        assert!(status.success(), "wine reg add");
        let share = windows_target_dir().join("network-share");
        std::fs::create_dir_all(&share).unwrap();
        let link = prefix.join("dosdevices/y:");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&share, &link).unwrap();
        // Wine reads its drives when its server starts.
        Command::new("wineserver")
            .arg("-k")
            .env("WINEPREFIX", &prefix)
            .status()
            .unwrap();
    });
}

fn state_file_paths(arch: &'static Arch) {
    map_network_drive();
    let exe = compile(arch, &windows_test("paths.c"), &[]);
    let output = run(&mut wine(&exe));
    let text = stdout(&output);
    assert!(text.contains("paths: ok"), "{}: {text}", arch.name);
    assert!(output.status.success());
    let created = windows_target_dir().join("wineprefix/drive_c/Usuários/José/ponte.db");
    assert!(created.exists(), "{} is not there", created.display());
}

fn leases(arch: &'static Arch) {
    let exe = compile(arch, &windows_test("lease.c"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let state = windows_path(&dir.path().join("lease.db"));
    let ready = dir.path().join("ready");
    let release = dir.path().join("release");
    let wait_for = |path: &Path, child: &mut Child| {
        common::wait_until("the holder to reach its first batch", || {
            path.exists() || child.try_wait().unwrap().is_some()
        });
        assert!(path.exists(), "the holder ended before its first batch");
    };

    // A live holder: the second process is refused.
    let mut holder = wine(&exe)
        .args(["hold", &state])
        .arg(windows_path(&ready))
        .arg(windows_path(&release))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&ready, &mut holder);
    let taken = stdout(&run(wine(&exe).args(["take", &state])));
    assert!(
        taken.contains("take: PONTE_E_CONFLICT"),
        "{}: {taken}",
        arch.name
    );
    std::fs::write(&release, "").unwrap();
    let held = stdout(&holder.wait_with_output().unwrap());
    assert!(held.contains("hold: PONTE_OK"), "{}: {held}", arch.name);

    // A holder whose process ended mid-sync: taken over at once, not after ten minutes.
    std::fs::remove_file(&ready).unwrap();
    let mut dying = wine(&exe)
        .args(["die", &state])
        .arg(windows_path(&ready))
        .spawn()
        .unwrap();
    wait_for(&ready, &mut dying);
    let status = dying.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(7),
        "the holder did not end at its batch"
    );
    let taken = stdout(&run(wine(&exe).args(["take", &state])));
    assert!(taken.contains("take: PONTE_OK"), "{}: {taken}", arch.name);
}

fn unload(arch: &'static Arch) {
    let exe = compile(arch, &windows_test("unload.c"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let output = run(wine(&exe).arg(windows_path(&dir.path().join("u.db"))));
    let text = stdout(&output);
    assert!(text.contains("unloaded: ok"), "{}: {text}", arch.name);
    assert!(output.status.success(), "{}: {text}", arch.name);
}

fn gui_host(arch: &'static Arch) {
    let exe = compile(arch, &windows_test("gui.c"), &["-mwindows"]);
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("result.txt");
    let output = run(wine(&exe)
        .arg(windows_path(&dir.path().join("g.db")))
        .arg(windows_path(&result)));
    assert!(output.status.success(), "{}", arch.name);
    let written = std::fs::read_to_string(&result).unwrap_or_default();
    assert!(written.contains("gui: ok"), "{}: {written:?}", arch.name);
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{}: a GUI host got output: {:?} {:?}",
        arch.name,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Free Pascal's RTL for `arch`'s Windows target, built once from Debian's sources with the
/// compiler's own assembler and linker (no mingw binutils). Debian's source package lacks the
/// generated Makefiles and the two-line `makefile.cpu` files; they are made here.
fn pascal_rtl(arch: &'static Arch) -> PathBuf {
    let rtl = windows_target_dir().join("fpc-rtl");
    let units = rtl
        .join(arch.fpc_os)
        .join(format!("units/{}-{}", arch.fpc_cpu, arch.fpc_os));
    if units.join("system.ppu").exists() {
        return units;
    }
    if !rtl.join("inc").exists() {
        let copied = Command::new("cp")
            .args(["-r", FPC_SOURCE])
            .arg(&rtl)
            .status()
            .unwrap();
        assert!(copied.success());
    }
    for (cpu, names) in [
        ("x86_64", "x86_64"),
        ("i386", "i386 math set setjump setjumph"),
    ] {
        std::fs::write(
            rtl.join(cpu).join("makefile.cpu"),
            format!("CPUNAMES={names}\nCPUINCNAMES=$(addsuffix .inc,$(CPUNAMES))\n"),
        )
        .unwrap();
    }
    let os_dir = rtl.join(arch.fpc_os);
    let made = Command::new("fpcmake")
        .args(["-Tall", "-q", "-w"])
        .current_dir(&os_dir)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "fpcmake: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let built = Command::new("make")
        .arg(format!("FPC={}", arch.ppc))
        .arg(format!("OS_TARGET={}", arch.fpc_os))
        .arg(format!("CPU_TARGET={}", arch.fpc_cpu))
        .arg("all")
        .current_dir(&os_dir)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "the {} RTL:\n{}",
        arch.fpc_os,
        String::from_utf8_lossy(&built.stdout)
    );
    units
}

fn pascal_example(arch: &'static Arch) {
    let units = pascal_rtl(arch);
    let pascal = common::repo_root().join("bindings/pascal");
    let out = built(arch).join(format!("pascal-{}", arch.fpc_os));
    std::fs::create_dir_all(&out).unwrap();
    let compiled = Command::new(arch.ppc)
        .arg(format!("-T{}", arch.fpc_os))
        .args(["-Mdelphi", "-vew"])
        .arg(format!("-Fu{}", units.display()))
        .arg(format!("-Fu{}", pascal.display()))
        .arg(format!("-FU{}", out.display()))
        .arg(format!("-FE{}", built(arch).display()))
        .arg("-oexample.exe")
        .arg(pascal.join("example.pas"))
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{}: {}",
        arch.name,
        String::from_utf8_lossy(&compiled.stdout)
    );
    let dir = tempfile::tempdir().unwrap();
    let output =
        run(wine(&built(arch).join("example.exe")).arg(windows_path(&dir.path().join("p.db"))));
    common::assert_binding_example_ran(
        output.status.success(),
        &stdout(&output),
        &String::from_utf8_lossy(&output.stderr),
    );
}

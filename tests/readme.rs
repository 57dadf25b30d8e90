//! The README's quick starts cannot rot: each code block is the file a test compiles and runs;
//! nor can its shell blocks: every line of them is run or checked (see "The README's shell
//! blocks" below).
//! The C one is `bindings/c/quickstart.c` (compiled and run by `c_examples.rs`), the Pascal one
//! `bindings/pascal/example.pas` (by `pascal.rs`), the Python one
//! `bindings/python/examples/quickstart.py` and the Rust one `examples/quickstart.rs` (built by
//! `cargo test`), both run here against the sandbox store.

mod common;

use std::process::Command;

/// The code blocks of a language in the README's quick start, in order.
fn quick_start_blocks(language: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme.find("## Quick start").expect("a quick start");
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |e| start + e);
    let section = &readme[start..end];
    let fence = format!("```{language}\n");
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find(&fence) {
        let body = &rest[open + fence.len()..];
        let close = body.find("\n```").expect("a closed block");
        blocks.push(format!("{}\n", &body[..close]));
        rest = &body[close..];
    }
    blocks
}

fn file(path: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(path)).unwrap()
}

#[test]
fn the_c_quick_start_is_the_example_the_c_tests_build_and_run() {
    assert_eq!(quick_start_blocks("c"), [file("bindings/c/quickstart.c")]);
}

#[test]
fn the_python_quick_start_runs_against_the_sandbox() {
    assert_eq!(
        quick_start_blocks("python"),
        [file("bindings/python/examples/quickstart.py")]
    );
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("python3")
        .arg(common::repo_root().join("bindings/python/examples/quickstart.py"))
        .arg(dir.path().join("ponte.db"))
        .env("PYTHONPATH", common::repo_root().join("bindings/python"))
        .env("PONTE_LIBRARY", common::shared_library())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("sync: completed {'create': 1}"), "{stdout}");
    assert!(stdout.contains("is sales order PV-0001"), "{stdout}");
    assert!(stdout.contains("expected error: -105"), "{stdout}");
}

#[test]
fn the_pascal_quick_start_is_the_example_the_pascal_test_builds_and_runs() {
    assert_eq!(
        quick_start_blocks("pascal"),
        [file("bindings/pascal/example.pas")]
    );
}

#[test]
fn the_csharp_example_in_the_readme_is_the_one_the_dotnet_test_builds_and_runs() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let example = file("bindings/dotnet/Example.cs");
    assert!(
        readme.contains(&format!("```csharp\n{example}```")),
        "README's C# block differs from bindings/dotnet/Example.cs"
    );
}

#[test]
fn the_rust_quick_start_builds_as_an_example_and_runs() {
    assert_eq!(quick_start_blocks("rust"), [file("examples/quickstart.rs")]);
    let example = common::target_dir()
        .parent()
        .unwrap()
        .join("examples")
        .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(&example)
        .arg(dir.path().join("ponte.db"))
        .output()
        .unwrap_or_else(|err| panic!("{}: {err} (cargo test builds it)", example.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("sync: completed {\"create\": 1}"),
        "{stdout}"
    );
    assert!(stdout.contains("is sales order PV-0001"), "{stdout}");
}

// The README's shell blocks. Each line of every ```sh block falls under one check (`check_for`),
// and a line no check covers fails `every_shell_line_of_the_readme_is_checked`:
// - `ponte ...` in "Command line": run for real, in order, as one day's work against sandbox
//   stores (`the_command_line_blocks_run_as_a_day_against_sandbox_stores`);
// - `ponte ...` elsewhere (the service's absolute paths, a cron schedule): parsed by the real
//   binary, `--help` appended (`the_other_ponte_lines_of_the_readme_parse`);
// - `cargo ...`: exactly a command `.ci/run` runs (`the_readme_cargo_commands_are_the_ones_ci_runs`);
// - the C build lines (quick start, installing): run for real, `target/release` standing for the
//   profile cargo test built and a temporary prefix for `/usr/local`
//   (`the_c_build_lines_of_the_readme_build_and_run`).

/// A ```sh block of the README: the heading it is under and its command lines (comments and
/// blank lines left out).
struct ShellBlock {
    section: String,
    lines: Vec<String>,
}

fn shell_blocks() -> Vec<ShellBlock> {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut section = String::new();
    let mut open: Option<ShellBlock> = None;
    let mut fenced = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            if let Some(block) = open.take() {
                blocks.push(block);
            } else if line == "```sh" {
                open = Some(ShellBlock {
                    section: section.clone(),
                    lines: Vec::new(),
                });
            }
            fenced = !fenced;
            continue;
        }
        match &mut open {
            Some(block) => {
                let text = line.trim();
                if !text.is_empty() && !text.starts_with('#') {
                    block.lines.push(text.to_string());
                }
            }
            None if !fenced && line.starts_with('#') => {
                section = line.trim_start_matches('#').trim().to_string();
            }
            None => {}
        }
    }
    assert!(!fenced, "README.md ends inside a code block");
    blocks
}

/// The command a shell line runs: without a cron schedule (five fields first) and without the
/// `NAME=value` assignments before it.
fn command_of(line: &str) -> String {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let cron_field = |w: &&str| w.chars().all(|c| c.is_ascii_digit() || "*/,-".contains(c));
    if words.len() > 5 && words[..5].iter().all(cron_field) {
        words.drain(..5);
    }
    let assignment = |w: &&str| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        })
    };
    while words.first().is_some_and(assignment) {
        words.remove(0);
    }
    words.join(" ")
}

#[derive(Debug, PartialEq)]
enum Check {
    Day,
    Parse,
    Ci,
    CBuild,
    Dist,
}

fn check_for(block: &ShellBlock, line: &str) -> Option<Check> {
    let command = command_of(line);
    if command.starts_with("ponte ") {
        Some(if block.section == "Command line" {
            Check::Day
        } else {
            Check::Parse
        })
    } else if command.starts_with("cargo ") {
        Some(Check::Ci)
    } else if command.starts_with("scripts/dist.sh") {
        Some(Check::Dist)
    } else if ["C", "Installing the library"].contains(&block.section.as_str()) {
        Some(Check::CBuild)
    } else {
        None
    }
}

/// The lines of every block under `check`, with their section.
fn lines_under(check: Check) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for block in shell_blocks() {
        for line in &block.lines {
            if check_for(&block, line).as_ref() == Some(&check) {
                lines.push((block.section.clone(), line.clone()));
            }
        }
    }
    lines
}

/// Runs a line with bash, `set -o pipefail`, with the `ponte` cargo built first on the PATH.
fn bash(line: &str, dir: &std::path::Path) -> Command {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_ponte"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut command = Command::new("bash");
    command
        .args(["-o", "pipefail", "-c", line])
        .current_dir(dir)
        .env("PATH", path);
    command
}

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// No shell line goes unchecked: every line of every ```sh block falls under one of the checks
/// below (a new kind of line fails here until a check covers it), and the "Command line"
/// blocks hold `ponte` commands only, each runnable as written.
#[test]
fn every_shell_line_of_the_readme_is_checked() {
    let blocks = shell_blocks();
    assert!(blocks.len() >= 7, "{} ```sh blocks", blocks.len());
    for block in &blocks {
        assert!(
            !block.lines.is_empty(),
            "an empty block in {}",
            block.section
        );
        for line in &block.lines {
            assert!(
                check_for(block, line).is_some(),
                "README.md, {}: no test checks `{line}`",
                block.section
            );
        }
    }
    // The command line's blocks are commands only: each runs as written.
    let day = lines_under(Check::Day);
    assert!(day.len() >= 25, "{day:?}");
    for (_, line) in &day {
        assert!(line.starts_with("ponte "), "{line}");
    }
}

/// The "Command line" blocks, line by line in order, as one day against two sandbox stores,
/// from a folder holding what the README's prose says: `loja.json` (`samples/integration.json`
/// pointed at the first store, with its keys, `chmod 600`), `outra.json` (a second integration,
/// on the second store), the `samples/` catalog, `fulfilment.json`, `store-products.json`, and a
/// Nuvemshop webhook as an ERP's endpoint saved it (`nuvemshop.json`, `headers.json`,
/// `body.json`).
/// What the prose says happens in the store happens between the lines: before the first
/// capture shoppers place orders 6001 to 6004 (6003 with an invalid CPF), and before the second
/// the merchant cancels 6004. Every line must exit 0; `watch` and `sandbox`, which serve until
/// stopped, must start (sandbox: print its config) and then exit 0 on SIGTERM. A `sandbox
/// --port` already taken on this machine is only parsed. At the end the state file says what
/// the day did.
#[test]
fn the_command_line_blocks_run_as_a_day_against_sandbox_stores() {
    use ponte::sandbox::WooSandbox;

    let lines = lines_under(Check::Day);
    let store = WooSandbox::start().unwrap();
    let other = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    let sample = |name: &str| file(&format!("samples/{name}"));
    let config = |id: &str, store: &WooSandbox| {
        let mut config: serde_json::Value =
            serde_json::from_str(&sample("integration.json")).unwrap();
        let key = store.key();
        config["id"] = id.into();
        config["base_url"] = store.base_url().into();
        config["allow_http"] = true.into();
        config["credentials"] = serde_json::json!({"consumer_key": key.consumer_key,
                                                   "consumer_secret": key.consumer_secret});
        config.to_string()
    };
    let write = |name: &str, text: &str| {
        std::fs::write(folder.join(name), text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder.join(name), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
    };
    write("loja.json", &config("loja-virtual", &store));
    write("outra.json", &config("outra-loja", &other));
    for name in [
        "categories.json",
        "brands.json",
        "products.json",
        "stock.json",
    ] {
        write(name, &sample(name));
    }
    write(
        "fulfilment.json",
        &serde_json::json!({
            "invoice": {"key": "35261208530528000184550010000154301000771560", "number": "15430",
                        "series": "1", "issued_at": "2026-12-01T12:00:00Z"},
            "tracking": {"code": "AA123456789BR", "carrier": "Correios"}})
        .to_string(),
    );
    // A Nuvemshop store's webhook, as an ERP's endpoint saved it (the sample's app secret).
    write("nuvemshop.json", &sample("integration-nuvemshop.json"));
    let body = r#"{"store_id":1234567,"event":"order/paid","id":5001}"#;
    write("body.json", body);
    write(
        "headers.json",
        &serde_json::json!({"X-Linkedstore-HMAC-SHA256":
            ponte::platform::nuvemshop::webhook::sign(b"0123456789abcdef", body.as_bytes())})
        .to_string(),
    );
    write(
        "store-products.json",
        r#"[{"type": "simple", "name": "Caneca", "sku": "LOJA-1", "regular_price": "9.90", "price": "9.90", "parent_id": 0}]"#,
    );

    let shopper = |name: &str, cpf: &str| {
        serde_json::json!({
            "status": "processing", "payment_method_title": "Pix",
            "billing": {"first_name": name, "last_name": "Silva", "address_1": "Rua XV de Novembro",
                        "number": "100", "neighborhood": "Centro", "city": "Curitiba", "state": "PR",
                        "postcode": "80020-310", "country": "BR", "cpf": cpf,
                        "email": format!("{}@example.com.br", name.to_lowercase())},
            "line_items": [{"sku": "TRA-PP-45", "quantity": 1}]
        })
    };
    let mut captures = 0;
    for (_, line) in &lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[1] {
            "capture" => {
                captures += 1;
                if captures == 1 {
                    // The store's own product 6000 puts the orders' numbers where the README says.
                    store
                        .seed_product(serde_json::json!({"id": 6000, "type": "simple", "name": "Brinde",
                            "sku": "LOJA-BRINDE", "status": "publish", "regular_price": "5.00", "price": "5.00",
                            "parent_id": 0}))
                        .unwrap();
                    for (number, (name, cpf)) in (6001..).zip([
                        ("Ana", "529.982.247-25"),
                        ("Bruno", "111.444.777-35"),
                        ("Diego", "123.456.789-00"),
                        ("Elisa", "390.533.447-05"),
                    ]) {
                        let placed = store.place_order(&shopper(name, cpf)).unwrap();
                        assert_eq!(placed["id"], number);
                    }
                } else if captures == 2 {
                    store
                        .update_order(6004, &serde_json::json!({"status": "cancelled"}))
                        .unwrap();
                }
            }
            "watch" | "sandbox" => {
                serve_until_stopped(line, folder);
                continue;
            }
            _ => {}
        }
        let output = bash(line, folder).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "README.md: `{line}`:\n{}",
            output_text(&output)
        );
    }
    assert_eq!(captures, 2, "the README's day captures twice");

    // What the day did, as the state file tells it.
    let report = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args([
            "report",
            "--state",
            "ponte.db",
            "--integration",
            "loja-virtual",
            "--json",
        ])
        .current_dir(folder)
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let state = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["store_order_id"] == id)
            .map(|row| (row["state"].clone(), row["erp_order_number"].clone()))
    };
    assert_eq!(state("6001"), Some(("confirmed".into(), "PV-0001".into())));
    assert_eq!(state("6002").map(|s| s.0), Some("rejected".into()));
    assert_eq!(state("6003").map(|s| s.0), Some("rejected".into()));
    assert_eq!(state("6004").map(|s| s.0), Some("cancelled".into()));
    let csv = std::fs::read_to_string(folder.join("relatorio.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}store_order_id;number;"), "{csv}");
    let tracking = store.order(6001).unwrap()["meta_data"].to_string();
    assert!(tracking.contains("AA123456789BR"), "{tracking}");
}

/// Starts a README line that serves until stopped, waits until it is up, stops it with SIGTERM
/// as a service manager does, and expects exit 0.
fn serve_until_stopped(line: &str, folder: &std::path::Path) {
    use std::io::{BufRead, Read};
    let words: Vec<&str> = line.split_whitespace().collect();
    let port = words
        .iter()
        .position(|w| *w == "--port")
        .map(|at| words[at + 1].parse::<u16>().unwrap());
    if port
        .is_some_and(|port| port != 0 && std::net::TcpListener::bind(("127.0.0.1", port)).is_err())
    {
        eprintln!("port {port:?} is taken here: `{line}` is only parsed");
        return parses(line);
    }
    let mut child = bash(&format!("exec {line}"), folder)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    if words[1] == "sandbox" {
        // Its config first, on stdout.
        let mut config = String::new();
        while !config.ends_with("}\n") {
            let mut next = String::new();
            assert!(
                stdout.read_line(&mut next).unwrap() > 0,
                "`{line}`: {config}"
            );
            config.push_str(&next);
        }
        let config: serde_json::Value = serde_json::from_str(&config).unwrap();
        assert_eq!(config["platform"], "woocommerce", "{config}");
    }
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.starts_with(&format!("ponte {}:", words[1])),
        "`{line}`: {first}"
    );
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "`{line}`: {status:?} {first}{rest}");
    assert!(rest.contains("stopped"), "`{line}`: {rest}");
}

/// The real binary reads the line's command and options: `--help` appended, it prints that
/// command's help and exits 0 (an unknown option or a wrong value would exit 2 first).
fn parses(line: &str) {
    let command = command_of(line);
    let subcommand = command.split_whitespace().nth(1).unwrap();
    let output = bash(&format!("{command} --help"), &std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "README.md: `{line}`:\n{}",
        output_text(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("Usage: ponte {subcommand} ")),
        "README.md: `{line}`:\n{}",
        output_text(&output)
    );
}

/// The `ponte` lines outside "Command line" (a service's absolute paths, a cron schedule and
/// its environment) name a real command with options and values the binary accepts: run with
/// `--help` appended, past the cron fields and variable assignments.
#[test]
fn the_other_ponte_lines_of_the_readme_parse() {
    let lines = lines_under(Check::Parse);
    assert!(!lines.is_empty());
    for (_, line) in &lines {
        parses(line);
    }
}

/// The `scripts/dist.sh` lines name platforms the script knows: run with `--list`, which prints
/// the archives it would make without building them (`tests/dist.rs` makes and unpacks them).
#[test]
fn the_dist_lines_of_the_readme_name_real_platforms() {
    let lines = lines_under(Check::Dist);
    assert!(!lines.is_empty());
    for (section, line) in &lines {
        let output = Command::new("bash")
            .args(["-c", &format!("{line} --list")])
            .current_dir(common::repo_root())
            .output()
            .unwrap();
        let listed = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success()
                && listed.lines().count() == line.split_whitespace().count() - 1,
            "README.md, {section}: `{line}`: {listed}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The `cargo` lines ("The two commands") are, word for word, commands `.ci/run` runs (its
/// variable assignments aside), so CI runs what the README tells a newcomer to run.
#[test]
fn the_readme_cargo_commands_are_the_ones_ci_runs() {
    let ci = file(".ci/run");
    let commands: Vec<String> = ci
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .map(command_of)
        .filter(|command| command.starts_with("cargo "))
        .collect();
    let readme = lines_under(Check::Ci);
    assert!(!readme.is_empty());
    for (section, line) in &readme {
        assert!(
            commands.contains(line),
            "README.md, {section}: `{line}` is not what .ci/run runs: {commands:?}"
        );
    }
    // The two commands are the test and the demo, both run by CI.
    for command in ["cargo test", "cargo run --release -- demo"] {
        assert!(readme.iter().any(|(_, line)| line == command), "{command}");
    }
}

/// The C quick start's build and run lines, and the installation's, in a temporary folder:
/// `include` and `bindings` are the repository's, `target/release` the profile directory cargo
/// test built the library in, `/usr/local` a temporary prefix that `scripts/install.sh` fills
/// from that build (`--profile` and `--no-build` added: cargo test built it already), and
/// `app.c` the C quick start.
#[test]
fn the_c_build_lines_of_the_readme_build_and_run() {
    let lines = lines_under(Check::CBuild);
    assert!(lines.len() >= 5, "{lines:?}");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    let prefix = folder.join("prefix");
    let root = common::repo_root();
    let libraries = common::target_dir();
    let profile = common::profile();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(root.join("include"), folder.join("include")).unwrap();
        symlink(root.join("bindings"), folder.join("bindings")).unwrap();
        // install.sh reads the version in the Cargo.toml beside its folder.
        symlink(root.join("scripts"), folder.join("scripts")).unwrap();
        symlink(root.join("Cargo.toml"), folder.join("Cargo.toml")).unwrap();
        std::fs::create_dir(folder.join("target")).unwrap();
        symlink(&libraries, folder.join("target/release")).unwrap();
    }
    std::fs::copy(root.join("bindings/c/quickstart.c"), folder.join("app.c")).unwrap();
    for (section, line) in &lines {
        let mut line = line.replace("/usr/local", prefix.to_str().unwrap());
        if line.starts_with("scripts/install.sh ") {
            let (command, comment) = line.split_once(" #").unwrap_or((&line, ""));
            line = format!("{command} --profile {profile} --no-build #{comment}");
        }
        let output = bash(&line, folder)
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
            .env(
                "CARGO_TARGET_DIR",
                libraries.parent().unwrap().parent().unwrap(),
            )
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "README.md, {section}: `{line}`:\n{}",
            output_text(&output)
        );
    }
    assert!(folder.join("quickstart.db").exists(), "the quick start ran");
}

//! The `ponte` command line as a cron job or a person runs it: the demo, plan, sync, status and
//! runs against a sandbox store, with exit codes a script can test.

mod common;

use std::process::{Command, Output};

use ponte::sandbox::WooSandbox;

fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .output()
        .expect("the ponte binary runs")
}

/// Sends SIGTERM as a service manager does, through the shell's own `kill` (a fresh machine may
/// have no `kill` program).
fn terminate(pid: u32) -> bool {
    Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .is_ok_and(|s| s.success())
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_demo_runs_the_main_job_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("demo.db");
    let output = ponte(&["demo", "--state", state.to_str().unwrap()]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(
        out.contains("1. First sync with the EAN test filter"),
        "{out}"
    );
    // The same catalog on a Nuvemshop store, a second integration in the same state file.
    assert!(out.contains("Sync run 4 of nuvemshop: completed"), "{out}");
    assert!(
        out.contains("TRA-PP-45 is product") && out.contains("at \"199.90\""),
        "{out}"
    );
    assert!(
        out.contains("shipping_status \"fulfilled\" with tracking \"AB987654321BR\""),
        "{out}"
    );
    assert!(
        out.contains("loja-virtual  woocommerce") && out.contains("nuvemshop     nuvemshop"),
        "{out}"
    );
    assert!(
        out.contains("Plan for loja-virtual: create 1, skipped 6"),
        "{out}"
    );
    assert!(
        out.contains("link        5001     ok        store product 5000"),
        "{out}"
    );
    assert!(
        out.contains("[brand_not_enabled]")
            && out.contains("[duplicate_sku]")
            && out.contains("[not_published]"),
        "{out}"
    );
    assert!(
        out.contains("(requests to the store: 1 read, 0 write)"),
        "{out}"
    );
    assert!(out.contains("6. The ERP captures orders"), "{out}");
    assert!(
        out.contains("[unknown_sku]") && out.contains("[document_invalid]"),
        "{out}"
    );
    assert!(out.contains("3 x TRA-JC-6 (reservation"), "{out}");
    assert!(out.contains("confirmed  PV-0001"), "{out}");
    // The rejected order's customer is registered too; an invoice and tracking code reach the
    // store; a cancellation after confirmation reaches the ERP.
    assert!(
        out.contains("new Diego Oliveira     CPF 12345678900 (invalid)"),
        "{out}"
    );
    assert!(
        out.contains(
            r#"the store now shows status "enviado", _correios_tracking_code "AA123456789BR""#
        ),
        "{out}"
    );
    assert!(out.contains("(ERP PV-0002) cancelled"), "{out}");
}

/// A sandbox store, and a folder with a capture config, the brands and product A at `price` cents,
/// synced through the command line into `ponte.db`.
struct Shop {
    store: WooSandbox,
    dir: tempfile::TempDir,
}

impl Shop {
    fn synced(price: i64) -> Shop {
        let shop = Shop {
            store: WooSandbox::start().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        };
        let key = shop.store.key();
        let config = serde_json::json!({"id": "loja", "platform": "woocommerce", "base_url": shop.store.base_url(),
            "allow_http": true, "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
            "order_capture": {"enabled": true, "fetch_statuses": ["processing"], "default_payment_terms": "A VISTA",
                              "default_payment_method": "PIX", "require_document": false}});
        std::fs::write(shop.path("config.json"), config.to_string()).unwrap();
        std::fs::write(shop.path("brands.json"), common::sync::BRANDS).unwrap();
        std::fs::write(
            shop.path("products.json"),
            format!("[{}]", common::sync::product("1", "A", None, price, 5)),
        )
        .unwrap();
        let synced = ponte(&[
            "sync",
            "--state",
            &shop.path("ponte.db"),
            "--config",
            &shop.path("config.json"),
            "--brands",
            &shop.path("brands.json"),
            "--products",
            &shop.path("products.json"),
        ]);
        assert!(synced.status.success(), "{}", text(&synced));
        shop
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

#[test]
fn capture_confirm_and_the_report_as_csv_from_the_command_line() {
    let shop = Shop::synced(1000);
    let (store, path) = (&shop.store, |name: &str| shop.path(name));
    let (state, config_path) = (path("ponte.db"), path("config.json"));
    let base = ["--state", state.as_str(), "--config", config_path.as_str()];
    let order = store
        .place_order(&serde_json::json!({"status": "processing", "line_items": [{"sku": "A", "quantity": 2}],
            "billing": {"first_name": "Ana, a \"Aninha\"", "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
        .unwrap();
    let id = order["id"].as_u64().unwrap().to_string();

    let captured = ponte(&[&["capture"][..], &base, &["--json"]].concat());
    assert!(captured.status.success(), "{}", text(&captured));
    let report: serde_json::Value = serde_json::from_slice(&captured.stdout).unwrap();
    assert_eq!(report["pending"][0]["store_order_id"], id.as_str());
    let confirmed = ponte(
        &[
            &["confirm"][..],
            &base,
            &["--order", &id, "--erp-number", "PV-9"],
        ]
        .concat(),
    );
    assert_eq!(
        String::from_utf8_lossy(&confirmed.stdout),
        format!("order {id}: confirmed, ERP order PV-9\n"),
        "{}",
        text(&confirmed)
    );
    let conflict = ponte(
        &[
            &["confirm"][..],
            &base,
            &["--order", &id, "--erp-number", "PV-10", "--json"],
        ]
        .concat(),
    );
    assert_eq!(conflict.status.code(), Some(1));
    assert!(conflict.stdout.is_empty(), "{}", text(&conflict));
    // The same confirmation again is no conflict; --json gives the state as the library does.
    let again = ponte(
        &[
            &["confirm"][..],
            &base,
            &["--order", &id, "--erp-number", "PV-9", "--json"],
        ]
        .concat(),
    );
    let state: serde_json::Value = serde_json::from_slice(&again.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", text(&again)));
    assert_eq!(
        state,
        serde_json::json!({"store_order_id": id, "state": "confirmed", "erp_order_number": "PV-9"})
    );

    let csv = ponte(&[&["report"][..], &base, &["--csv"]].concat());
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some("store_order_id,number,created_at,customer,document,total,state,store_status,erp_order_number,writeback,reasons"));
    let row = lines.next().unwrap();
    assert!(row.starts_with(&format!("{id},{id},")), "{row}");
    assert!(row.contains(r#","Ana, a ""Aninha""","#), "{row}");
    assert!(row.contains(",20.00,confirmed,processing,PV-9,"), "{row}");
    let table = ponte(&[&["report"][..], &base, &["--only", "confirmed"]].concat());
    assert!(text(&table).contains("PV-9"), "{}", text(&table));

    // The customer, handed over and confirmed.
    let customers = ponte(&[&["customers"][..], &base, &["--json"]].concat());
    let offers: serde_json::Value = serde_json::from_slice(&customers.stdout).unwrap();
    let key = offers[0]["customer_key"].as_str().unwrap().to_string();
    let confirmed = ponte(
        &[
            &["customer-confirm"][..],
            &base,
            &["--customer", &key, "--erp-id", "CLI-5", "--json"],
        ]
        .concat(),
    );
    let state: serde_json::Value = serde_json::from_slice(&confirmed.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", text(&confirmed)));
    assert_eq!(state["erp_customer_id"], "CLI-5");
    // Once more, as a person reads it.
    let confirmed = ponte(
        &[
            &["customer-confirm"][..],
            &base,
            &["--customer", &key, "--erp-id", "CLI-5"],
        ]
        .concat(),
    );
    assert!(
        String::from_utf8_lossy(&confirmed.stdout)
            .starts_with(&format!("customer {key} is ERP customer CLI-5 (revision ")),
        "{}",
        text(&confirmed)
    );
    let none = ponte(&[&["customers"][..], &base].concat());
    assert!(
        text(&none).contains("0 customers waiting"),
        "{}",
        text(&none)
    );

    // The invoice and tracking code go out; a wrong access key is named.
    let fulfilment = |key: &str| {
        serde_json::json!({"invoice": {"key": key, "number": "9", "series": "1", "issued_at": "2026-12-01T12:00:00Z"},
                           "tracking": {"code": "AA123456789BR", "carrier": "Correios"}, "status": "completed"})
        .to_string()
    };
    std::fs::write(path("bad.json"), fulfilment(&"1".repeat(44))).unwrap();
    let bad = ponte(&[&["fulfil"][..], &base, &["--order", &id, &path("bad.json")]].concat());
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("fulfilment.invoice.key"),
        "{}",
        text(&bad)
    );
    std::fs::write(
        path("good.json"),
        fulfilment("35261208530528000184550010000154301000771560"),
    )
    .unwrap();
    let good = ponte(
        &[
            &["fulfil"][..],
            &base,
            &["--order", &id, &path("good.json")],
        ]
        .concat(),
    );
    assert!(good.status.success(), "{}", text(&good));
    assert!(
        String::from_utf8_lossy(&good.stdout).starts_with(&format!(
            "order {id}: queued for the next capture\n  status       completed\n"
        )),
        "{}",
        text(&good)
    );
    ponte(&[&["capture"][..], &base].concat());
    assert_eq!(
        store.order(id.parse().unwrap()).unwrap()["status"],
        "completed"
    );

    // The merchant refunds it: the event waits for the ERP until acknowledged.
    store
        .refund_order(
            id.parse().unwrap(),
            &serde_json::json!({"amount": "20.00", "api_refund": false}),
        )
        .unwrap();
    ponte(&[&["capture"][..], &base].concat());
    let events = ponte(&[&["events"][..], &base, &["--json"]].concat());
    let events: serde_json::Value = serde_json::from_slice(&events.stdout).unwrap();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["refunded", "cancelled"]);
    for event in events.as_array().unwrap() {
        let event_id = event["event_id"].to_string();
        let acked = ponte(&[&["event-ack"][..], &base, &["--event", &event_id]].concat());
        assert_eq!(
            String::from_utf8_lossy(&acked.stdout),
            format!(
                "event {event_id} acknowledged: order {id} {}\n",
                event["kind"].as_str().unwrap()
            ),
            "{}",
            text(&acked)
        );
    }
    let none = ponte(&[&["events"][..], &base].concat());
    assert!(text(&none).contains("0 events waiting"), "{}", text(&none));
}

#[test]
fn plan_sync_status_and_runs_work_from_files_with_script_friendly_exit_codes() {
    let store = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let key = store.key();
    let config = serde_json::json!({"id": "loja", "platform": "woocommerce", "base_url": store.base_url(), "allow_http": true,
        "locale": "en", "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}});
    std::fs::write(path("config.json"), config.to_string()).unwrap();
    std::fs::write(path("brands.json"), common::sync::BRANDS).unwrap();
    let products = format!(
        "[{},{}]",
        common::sync::product("1", "A", None, 1000, 5),
        common::sync::product("2", "B", None, 0, 5)
    );
    std::fs::write(path("products.json"), products).unwrap();
    let (state, config_path, brands_path, products_path) = (
        path("ponte.db"),
        path("config.json"),
        path("brands.json"),
        path("products.json"),
    );
    let base = ["--state", state.as_str(), "--config", config_path.as_str()];

    let plan = ponte(
        &[
            &["plan"][..],
            &base,
            &[
                "--brands",
                &brands_path,
                "--products",
                &products_path,
                "--json",
            ],
        ]
        .concat(),
    );
    assert!(plan.status.success(), "{}", text(&plan));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(
        plan["counts"],
        serde_json::json!({"create": 1, "skipped": 1})
    );
    // The check's probe of the key (an empty batch) is its one POST, and it changes nothing.
    assert_eq!(store.products().len(), 0, "plan wrote to the store");
    assert_eq!(store.write_requests(), 1, "{:?}", store.counters());
    assert_eq!(
        store.counters().get("POST /wp-json/wc/v3/products/batch"),
        Some(&1)
    );

    let sync = ponte(&[&["sync"][..], &base].concat());
    assert_eq!(sync.status.code(), Some(0), "{}", text(&sync));
    assert!(
        text(&sync).contains("create      1        ok"),
        "{}",
        text(&sync)
    );

    let status = ponte(&[&["status"][..], &base, &["--sku", "B"]].concat());
    assert!(
        text(&status).contains("SKU B has no price. [no_price]"),
        "{}",
        text(&status)
    );

    // A store-side failure on one product: exit code 3, the report names it. (The first batch
    // of a session is the check's empty one.)
    store.inject(ponte::sandbox::FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/products/batch".into()),
        times: 1, after: 1,
        fault: ponte::sandbox::Fault::Status { status: 400, body: r#"{"code":"rest_invalid_json","message":"Invalid JSON body passed.","data":{"status":400}}"#.into() },
    });
    let products = format!("[{}]", common::sync::product("1", "A", None, 1200, 5));
    std::fs::write(path("products.json"), products).unwrap();
    let failed = ponte(&[&["sync"][..], &base, &["--products", &products_path]].concat());
    assert_eq!(failed.status.code(), Some(3), "{}", text(&failed));
    assert!(
        text(&failed).contains("Invalid JSON body passed. [rest_invalid_json]"),
        "{}",
        text(&failed)
    );

    let runs = ponte(&[&["runs"][..], &base, &["--json"]].concat());
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2);

    assert_eq!(ponte(&["sync"]).status.code(), Some(2));
    assert_eq!(
        ponte(&["sync", "--state", state.as_str()]).status.code(),
        Some(2),
        "no --config"
    );
    let missing = ponte(&[
        "sync",
        "--state",
        state.as_str(),
        "--config",
        "/no/such/config.json",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("cannot read /no/such/config.json"));
}

#[test]
fn run_jobs_health_and_watch_serve_cron_monitoring_and_a_service_manager() {
    let store = WooSandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let key = store.key();
    // Credentials from the environment, not the file.
    let config = serde_json::json!({"id": "loja-1", "platform": "woocommerce", "base_url": store.base_url(), "allow_http": true,
        "order_capture": {"enabled": true, "fetch_statuses": ["processing"], "default_payment_terms": "A VISTA",
                          "default_payment_method": "PIX", "require_document": false},
        "schedule": {"full_sync_start": "00:00", "full_sync_end": "23:59"}});
    std::fs::write(path("config.json"), config.to_string()).unwrap();
    let state = path("ponte.db");
    let base = ["--state", state.as_str(), "--config", &path("config.json")];
    let with_env = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(args)
            .env("PONTE_LOJA_1_CONSUMER_KEY", &key.consumer_key)
            .env("PONTE_LOJA_1_CONSUMER_SECRET", &key.consumer_secret)
            .output()
            .unwrap()
    };
    let run = with_env(&[&["run"][..], &base, &["--json"]].concat());
    assert!(run.status.success(), "{}", text(&run));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["ran"][0]["job"], "capture");
    assert_eq!(report["ran"][0]["outcome"], "succeeded", "{report}");
    // Run again at once: nothing is due.
    let again = with_env(&[&["run"][..], &base].concat());
    assert!(text(&again).contains("nothing due"), "{}", text(&again));
    let jobs = with_env(&[&["jobs"][..], &base].concat());
    assert!(
        text(&jobs).contains("loja-1     capture"),
        "{}",
        text(&jobs)
    );
    let health = with_env(&[&["health"][..], &base].concat());
    assert_eq!(health.status.code(), Some(0), "{}", text(&health));
    // Without credentials nothing can run: a warning, exit 1.
    let bare = ponte(&[&["health"][..], &base].concat());
    assert_eq!(bare.status.code(), Some(1), "{}", text(&bare));
    assert!(text(&bare).contains("no credentials"), "{}", text(&bare));

    // The foreground service stops on SIGTERM, after its current job, exit 0.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args([&["watch"][..], &base, &["--every", "1"]].concat())
        .env("PONTE_LOJA_1_CONSUMER_KEY", &key.consumer_key)
        .env("PONTE_LOJA_1_CONSUMER_SECRET", &key.consumer_secret)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = watch.stderr.take().unwrap();
    let mut first = [0u8; 12];
    std::io::Read::read_exact(&mut stderr, &mut first).unwrap();
    assert_eq!(&first, b"ponte watch:");
    assert!(terminate(watch.id()));
    let status = watch.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{status:?} {rest}");
    assert!(rest.contains("ponte watch: stopped"), "{rest}");
}

#[test]
fn a_standalone_sandbox_prints_its_config_serves_the_erp_and_stops_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(
        path("products.json"),
        r#"[{"type": "simple", "name": "Caneca", "sku": "LOJA-1", "regular_price": "9.90", "price": "9.90", "parent_id": 0}]"#,
    )
    .unwrap();
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["sandbox", "--products", &path("products.json")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(sandbox.stdout.take().unwrap());
    let mut printed = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "no config printed"
        );
        printed.push_str(&line);
        if line == "}\n" {
            break;
        }
    }
    let config: serde_json::Value = serde_json::from_str(&printed).unwrap();
    std::fs::write(path("config.json"), config.to_string()).unwrap();
    let state = path("ponte.db");
    let checked = ponte(&["check", "--state", &state, "--config", &path("config.json")]);
    let out = text(&checked);
    assert!(checked.status.success(), "{out}");
    let status = ponte(&[
        "catalog-put",
        "--state",
        &state,
        "--products",
        &path("products.json"),
    ]);
    assert!(
        !status.status.success(),
        "WooCommerce products are not ERP products"
    );
    assert!(terminate(sandbox.id()));
    let exit = sandbox.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut sandbox.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "{exit:?} {stderr}");
    assert!(
        stderr.contains("with 1 products") && stderr.contains("ponte sandbox: stopped"),
        "{stderr}"
    );
}

#[test]
fn catalog_put_takes_categories_and_names_the_category_of_a_broken_tree() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let sample = |name: &str| {
        common::repo_root()
            .join("samples")
            .join(name)
            .to_str()
            .unwrap()
            .to_string()
    };
    let state = path("ponte.db");
    let put = ponte(&[
        "catalog-put",
        "--state",
        &state,
        "--products",
        &sample("products.json"),
        "--categories",
        &sample("categories.json"),
        "--brands",
        &sample("brands.json"),
        "--json",
    ]);
    assert!(put.status.success(), "{}", text(&put));
    let summaries: serde_json::Value = serde_json::from_slice(&put.stdout).unwrap();
    assert_eq!(
        summaries["categories"],
        serde_json::json!({"created": 7, "updated": 0, "unchanged": 0})
    );
    let got = ponte(&[
        "catalog-get",
        "--state",
        &state,
        "--sku",
        "TRA-PP-45",
        "--json",
    ]);
    assert!(got.status.success(), "{}", text(&got));
    let product: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(product["category_ids"], serde_json::json!(["PANELAS"]));

    // A category whose parent is its own child: nothing is put, and the message names it.
    std::fs::write(
        path("cycle.json"),
        r#"[{"id": "CASA", "name": "Casa", "parent_id": "PANELAS"}]"#,
    )
    .unwrap();
    let refused = ponte(&[
        "catalog-put",
        "--state",
        &state,
        "--categories",
        &path("cycle.json"),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains(
            r#"categories[0] (id "CASA").parent_id: category "CASA" would be inside itself"#
        ),
        "{}",
        text(&refused)
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let output = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; {} demo --state \"$1\" | head -1",
                env!("CARGO_BIN_EXE_ponte")
            ),
            "bash",
        ])
        .arg(tempfile::tempdir().unwrap().path().join("demo.db"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(!text(&output).contains("panicked"), "{}", text(&output));
}

#[test]
fn the_pending_list_is_printed_a_page_at_a_time_with_the_next_cursor() {
    let shop = Shop::synced(1000);
    let (store, path) = (&shop.store, |name: &str| shop.path(name));
    let state = path("ponte.db");
    for name in ["Ana", "Bia", "Caio"] {
        store
            .place_order(&serde_json::json!({"status": "processing", "line_items": [{"sku": "A", "quantity": 1}],
                "billing": {"first_name": name, "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
            .unwrap();
    }
    let captured = ponte(&[
        "capture",
        "--state",
        &state,
        "--config",
        &path("config.json"),
    ]);
    assert!(captured.status.success(), "{}", text(&captured));
    assert!(
        text(&captured).contains("3 new for the ERP; 3 waiting for it in all"),
        "{}",
        text(&captured)
    );
    let named = ["--state", state.as_str(), "--integration", "loja"];

    let first = ponte(&[&["pending"][..], &named, &["--limit", "2"]].concat());
    assert!(first.status.success(), "{}", text(&first));
    let shown = text(&first);
    assert!(
        shown.contains("Ana") && shown.contains("Bia") && !shown.contains("Caio"),
        "{shown}"
    );
    let cursor = shown
        .lines()
        .last()
        .and_then(|line| line.split("--after ").nth(1))
        .expect("the last line gives the next page's cursor")
        .to_string();
    let last = ponte(
        &[
            &["pending"][..],
            &named,
            &["--limit", "2", "--after", &cursor],
        ]
        .concat(),
    );
    assert!(
        text(&last).contains("Caio")
            && text(&last).contains("1 orders waiting for the ERP on this page, the last"),
        "{}",
        text(&last)
    );

    let json = ponte(&[&["pending"][..], &named, &["--limit", "2", "--json"]].concat());
    let page: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 2);
    assert_eq!(page["next"], cursor.as_str());

    for (args, argument) in [
        (["--limit", "1001"], "limit"),
        (["--after", "page-2"], "after"),
    ] {
        let refused = ponte(&[&["pending"][..], &named, &args].concat());
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        assert!(
            text(&refused).contains(&format!("argument `{argument}`")),
            "{}",
            text(&refused)
        );
    }
}

#[test]
fn reading_commands_name_an_integration_put_before_and_the_report_suits_a_brazilian_excel() {
    let shop = Shop::synced(1050);
    let (store, path) = (&shop.store, |name: &str| shop.path(name));
    let state = path("ponte.db");
    store
        .place_order(&serde_json::json!({"status": "processing", "line_items": [{"sku": "A", "quantity": 1}],
            "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
        .unwrap();
    assert!(ponte(&[
        "capture",
        "--state",
        &state,
        "--config",
        &path("config.json")
    ])
    .status
    .success());

    // No credentials needed to read: the integration is named.
    let named = ["--state", state.as_str(), "--integration", "loja"];
    let pending = ponte(&[&["pending"][..], &named].concat());
    assert!(
        text(&pending).contains("1 orders waiting for the ERP"),
        "{}",
        text(&pending)
    );
    let holds = ponte(&[&["reservations"][..], &named].concat());
    assert!(text(&holds).contains("1 x A"), "{}", text(&holds));
    let list = ponte(&["integrations", "--state", &state]);
    assert!(text(&list).starts_with("loja "), "{}", text(&list));

    let csv = ponte(&[&["report"][..], &named, &["--csv-dialect", "excel-br"]].concat());
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM first");
    let mut lines = csv.trim_start_matches('\u{feff}').split("\r\n");
    assert!(lines
        .next()
        .unwrap()
        .starts_with("store_order_id;number;created_at;"));
    let row = lines.next().unwrap();
    assert!(row.contains(";10,50;pending;"), "{row}");

    let dated = ponte(&[&["report"][..], &named, &["--from", "01/12/2020", "--json"]].concat());
    let rows: serde_json::Value = serde_json::from_slice(&dated.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let dated = ponte(&[&["report"][..], &named, &["--to", "2020-12-01", "--json"]].concat());
    let rows: serde_json::Value = serde_json::from_slice(&dated.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 0, "no order before 2020");
}

#[test]
fn a_wrong_date_is_wrong_usage_and_the_error_names_the_formats() {
    // Checked before the state file is opened: no state file needed to be told.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("ponte.db");
    for (option, date) in [
        ("--from", "2020/12/01"),
        ("--to", "31/02/2026"),
        ("--from", "ontem"),
        ("--to", "2026-12-01 08:00"),
    ] {
        let wrong = ponte(&[
            "report",
            "--state",
            state.to_str().unwrap(),
            "--integration",
            "loja",
            option,
            date,
        ]);
        assert_eq!(wrong.status.code(), Some(2), "{date}: {}", text(&wrong));
        let out = text(&wrong);
        assert!(
            out.contains(&format!("'{date}'")) && out.contains(option),
            "{date}: {out}"
        );
        assert!(
            out.contains("give 2026-12-01, 01/12/2026 or an RFC 3339 time"),
            "{date}: {out}"
        );
    }
    assert!(!state.exists(), "a usage error opened the state file");
}

#[test]
fn commands_that_never_call_the_store_need_no_credentials() {
    let shop = Shop::synced(1000);
    let (store, path) = (&shop.store, |name: &str| shop.path(name));
    let order = store
        .place_order(&serde_json::json!({"status": "processing", "line_items": [{"sku": "A", "quantity": 1}],
            "billing": {"first_name": "Ana", "address_1": "Rua A", "city": "Curitiba", "state": "PR", "postcode": "80010-000"}}))
        .unwrap();
    let id = order["id"].as_u64().unwrap().to_string();
    let state = path("ponte.db");
    let capture = ponte(&[
        "capture",
        "--state",
        &state,
        "--config",
        &path("config.json"),
    ]);
    assert!(capture.status.success(), "{}", text(&capture));
    // The same integration in a file without its credentials, and none in the environment.
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("config.json")).unwrap()).unwrap();
    config.as_object_mut().unwrap().remove("credentials");
    std::fs::write(path("bare.json"), config.to_string()).unwrap();
    for source in [["--config", &path("bare.json")], ["--integration", "loja"]] {
        let base = [&["--state", state.as_str()][..], &source].concat();
        for args in [
            &["status", "--sku", "A"][..],
            &["runs"],
            &["pending"],
            &["reservations"],
            &["customers"],
            &["events"],
            &["report", "--only", "pending"],
        ] {
            let output = ponte(&[&args[..1], &base, &args[1..]].concat());
            assert!(
                output.status.success(),
                "{args:?} {source:?}: {}",
                text(&output)
            );
        }
    }
    let named = ["--state", state.as_str(), "--integration", "loja"];
    let confirmed = ponte(
        &[
            &["confirm"][..],
            &named,
            &["--order", &id, "--erp-number", "PV-1"],
        ]
        .concat(),
    );
    assert!(confirmed.status.success(), "{}", text(&confirmed));
    // Capture calls the store: without credentials it says so.
    let bare = ponte(&["capture", "--state", &state, "--config", &path("bare.json")]);
    assert_eq!(bare.status.code(), Some(1), "{}", text(&bare));
}

/// Every command and its long options: the command line's contract, as the README gives it.
const COMMANDS: &[(&str, &[&str])] = &[
    ("demo", &["--state"]),
    ("check", &["--state", "--config", "--integration", "--json"]),
    (
        "plan",
        &[
            "--state",
            "--config",
            "--integration",
            "--categories",
            "--brands",
            "--products",
            "--stock",
            "--stock-only",
            "--full",
            "--json",
        ],
    ),
    (
        "sync",
        &[
            "--state",
            "--config",
            "--integration",
            "--categories",
            "--brands",
            "--products",
            "--stock",
            "--stock-only",
            "--full",
            "--dry-run",
            "--time-limit",
            "--json",
        ],
    ),
    (
        "status",
        &[
            "--state",
            "--config",
            "--integration",
            "--erp-id",
            "--sku",
            "--json",
        ],
    ),
    (
        "runs",
        &["--state", "--config", "--integration", "--limit", "--json"],
    ),
    (
        "capture",
        &[
            "--state",
            "--config",
            "--integration",
            "--time-limit",
            "--json",
        ],
    ),
    (
        "report",
        &[
            "--state",
            "--config",
            "--integration",
            "--from",
            "--to",
            "--only",
            "--text",
            "--csv",
            "--csv-dialect",
            "--json",
        ],
    ),
    (
        "confirm",
        &[
            "--state",
            "--config",
            "--integration",
            "--order",
            "--erp-number",
            "--json",
        ],
    ),
    (
        "reject",
        &[
            "--state",
            "--config",
            "--integration",
            "--order",
            "--reason",
            "--json",
        ],
    ),
    (
        "retry",
        &["--state", "--config", "--integration", "--order", "--json"],
    ),
    (
        "pending",
        &[
            "--state",
            "--config",
            "--integration",
            "--limit",
            "--after",
            "--json",
        ],
    ),
    (
        "reservations",
        &["--state", "--config", "--integration", "--json"],
    ),
    ("integrations", &["--state", "--json"]),
    (
        "customers",
        &["--state", "--config", "--integration", "--json"],
    ),
    (
        "customer-confirm",
        &[
            "--state",
            "--config",
            "--integration",
            "--customer",
            "--erp-id",
            "--json",
        ],
    ),
    (
        "events",
        &["--state", "--config", "--integration", "--json"],
    ),
    (
        "event-ack",
        &["--state", "--config", "--integration", "--event", "--json"],
    ),
    (
        "fulfil",
        &["--state", "--config", "--integration", "--order", "--json"],
    ),
    (
        "webhook",
        &[
            "--state",
            "--config",
            "--integration",
            "--headers",
            "--body",
            "--json",
        ],
    ),
    ("run", &["--state", "--config", "--json"]),
    ("watch", &["--state", "--config", "--every", "--json"]),
    ("jobs", &["--state", "--config", "--json"]),
    ("health", &["--state", "--config", "--json"]),
    ("sandbox", &["--port", "--products"]),
    ("integration-put", &["--state", "--json"]),
    (
        "catalog-put",
        &[
            "--state",
            "--categories",
            "--brands",
            "--products",
            "--stock",
            "--json",
        ],
    ),
    ("catalog-get", &["--state", "--erp-id", "--sku", "--json"]),
];

/// The long options a help text lists, each with whether a description goes with it: on the
/// option's own line after its value name, or on the lines below it (clap's long help).
fn options_in_help(help: &str) -> Vec<(String, bool)> {
    let lines: Vec<&str> = help.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let Some(start) = trimmed
            .find("--")
            .filter(|&at| at == 0 || trimmed.starts_with('-'))
        else {
            continue;
        };
        if !(1..=8).contains(&indent) {
            continue;
        }
        let spec = &trimmed[start..];
        let name: String = spec
            .chars()
            .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
            .collect();
        // After `--name <VALUE>`, two spaces and words, or the next line indented further.
        let after = spec[name.len()..].trim_start();
        let after = match after.strip_prefix('<') {
            Some(rest) => rest.split_once('>').map_or("", |(_, tail)| tail),
            None => after,
        };
        // Clap's own notes (`[default: 20]`) are no description.
        let words = |text: &str| !text.is_empty() && !text.starts_with('[');
        let described = words(after.trim())
            || lines.get(index + 1).is_some_and(|next| {
                let next_trimmed = next.trim_start();
                next.len() - next_trimmed.len() > indent
                    && !next_trimmed.starts_with('-')
                    && words(next_trimmed)
            });
        found.push((name, described));
    }
    found
}

#[test]
fn ponte_help_lists_every_command_and_each_help_describes_every_option() {
    let listed = ponte(&["help"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let listed = String::from_utf8(listed.stdout).unwrap();
    let commands: Vec<&str> = listed
        .split_once("Commands:\n")
        .expect("a Commands: section")
        .1
        .lines()
        .take_while(|line| !line.is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .map(|line| line.split_whitespace().next().unwrap())
        .filter(|name| *name != "help")
        .collect();
    let expected: Vec<&str> = COMMANDS.iter().map(|(name, _)| *name).collect();
    assert_eq!(commands, expected, "ponte help lists other commands");
    assert!(
        listed.contains("Exit codes: 0 success; 1 the operation failed")
            && listed.contains("`ponte health` exits 0 OK, 1 WARNING, 2 CRITICAL"),
        "{listed}"
    );

    for (command, options) in COMMANDS {
        let output = ponte(&[command, "--help"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            text(&output)
        );
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(
            help.contains(&format!("Usage: ponte {command} ")),
            "{command}: {help}"
        );
        // A description of the command comes first.
        assert!(
            help.lines().next().is_some_and(|line| line.len() > 20),
            "{command}: {help}"
        );
        let found = options_in_help(&help);
        for option in options.iter().chain(&["--help"]) {
            assert!(
                found.iter().any(|(name, _)| name == option),
                "ponte {command} --help does not mention {option}: {help}"
            );
        }
        for (name, described) in &found {
            assert!(
                options.contains(&name.as_str()) || name == "--help",
                "ponte {command} has {name}, which COMMANDS does not list"
            );
            assert!(
                described,
                "ponte {command} --help: {name} has no description: {help}"
            );
        }
        // `ponte help COMMAND` says the same.
        let via_help = ponte(&["help", command]);
        assert_eq!(String::from_utf8_lossy(&via_help.stdout), help, "{command}");
    }
}

#[test]
fn the_help_names_the_formats_a_person_has_to_type() {
    // Words as a person reads them, whatever the wrapping.
    let help = |command: &str| {
        let help = String::from_utf8(ponte(&[command, "--help"]).stdout).unwrap();
        help.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let report = help("report");
    for expected in [
        "2026-12-01, 01/12/2026 or an RFC 3339 time",
        "excel-br: `;` between fields, a decimal comma and a UTF-8 BOM",
        "[possible values: pending, confirmed, rejected, reserved, failed, cancelled]",
        "no credentials needed",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    let sync = help("sync");
    for expected in [
        "PONTE_<ID>_CONSUMER_KEY",
        "PONTE_<ID>_CONSUMER_SECRET",
        "Catalog files (put before the command runs):",
        "samples/products.json",
    ] {
        assert!(sync.contains(expected), "{expected}: {sync}");
    }
    assert!(help("run").contains("repeat it, once per integration"));
    assert!(help("health").contains("Exits 0 OK, 1 WARNING, 2 CRITICAL"));
    assert!(help("fulfil").contains("FULFILMENT.json"));
    assert!(help("watch").contains("SIGINT or SIGTERM"));
}

#[test]
fn wrong_usage_exits_2_and_says_what_is_wrong() {
    for (args, expect) in [
        (&[][..], "Usage: ponte <COMMAND>"),
        (&["nope"][..], "unrecognized subcommand 'nope'"),
        (&["nope", "--help"][..], "unrecognized subcommand 'nope'"),
        (
            &["sync", "--state", "x.db", "--config", "c.json", "--bogus"][..],
            "unexpected argument '--bogus'",
        ),
        (
            &[
                "report",
                "--state",
                "x.db",
                "--config",
                "c.json",
                "--integration",
                "loja",
            ][..],
            "cannot be used with",
        ),
        (
            &[
                "report",
                "--state",
                "x.db",
                "--integration",
                "loja",
                "--csv",
                "--json",
            ][..],
            "cannot be used with",
        ),
        (
            &["status", "--state", "x.db", "--integration", "loja"][..],
            "--erp-id",
        ),
        (&["run", "--state", "x.db"][..], "--config <CONFIG.json>"),
        (
            &[
                "watch", "--state", "x.db", "--config", "c.json", "--every", "0",
            ][..],
            "give a whole number of seconds, 1 or more",
        ),
        (
            &["sandbox", "--port", "http"][..],
            "invalid value 'http' for '--port <N>'",
        ),
        (
            &[
                "event-ack",
                "--state",
                "x.db",
                "--integration",
                "loja",
                "--event",
                "um",
            ][..],
            "invalid value 'um' for '--event <ID>'",
        ),
    ] {
        let output = ponte(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains(expect),
            "{args:?}: {}",
            text(&output)
        );
    }
    let version = ponte(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("ponte {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_webhook_the_erps_endpoint_saved_is_taken_in_only_with_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let config = file(
        "nuvem.json",
        r#"{"id":"nuvem","platform":"nuvemshop","base_url":"http://127.0.0.1:9","allow_http":true,
            "nuvemshop":{"store_id":"42","user_agent":"ERP (ti@loja.example)"},
            "credentials":{"access_token":"t","app_secret":"segredo"}}"#,
    );
    let body = r#"{"store_id":42,"event":"order/paid","id":77}"#;
    let body_file = file("body.json", body);
    let signature = ponte::platform::nuvemshop::webhook::sign(b"segredo", body.as_bytes());
    let headers = file(
        "headers.json",
        &format!(r#"{{"X-Linkedstore-HMAC-SHA256":"{signature}"}}"#),
    );
    let state = dir.path().join("ponte.db");
    let state = state.to_str().unwrap();
    let args = |headers: &str| {
        vec![
            "webhook",
            "--state",
            state,
            "--config",
            &config,
            "--headers",
            headers,
            "--body",
            &body_file,
            "--json",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| ponte(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let taken = run(args(&headers));
    assert!(taken.status.success(), "{}", text(&taken));
    let receipt: serde_json::Value = serde_json::from_slice(&taken.stdout).unwrap();
    assert_eq!(receipt["store_order_id"], "77");
    assert_eq!(receipt["capture_scheduled"], true);
    let forged = file("forged.json", r#"{"X-Linkedstore-HMAC-SHA256":"00"}"#);
    let refused = run(args(&forged));
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("signature does not match"),
        "{}",
        text(&refused)
    );
}

//! `ponte`: the command line, for cron jobs and for trying Ponte by hand.
//!
//! Exit codes: 0 success; 1 the operation failed (the message says why); 2 wrong usage; 3 the
//! sync ran but some products failed, are in doubt or in conflict (the report lists them).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use ponte::model::catalog::{self, ProductKey};
use ponte::model::config::parse_config;
use ponte::sync::{Plan, ProductStatus, RunReport, SyncOptions};
use ponte::Ponte;

const USAGE: &str = "\
usage:
  ponte demo [--state FILE]
      the main job: a WooCommerce sandbox store, a sample Brazilian catalog, a sync with the EAN
      test filter on one product, then a full sync; prints the plans, reports and a status
  ponte check  --state FILE --config CONFIG.json [--json]
      checks the integration against its store, writing nothing: the address, the key (read and
      write), the store's version and what it can hold, and every order status the config names
  ponte plan   --state FILE --config CONFIG.json [CATALOG] [--stock-only] [--full] [--json]
  ponte sync   --state FILE --config CONFIG.json [CATALOG] [--dry-run] [--stock-only] [--full] [--time-limit SECONDS] [--json]
  ponte status --state FILE --config CONFIG.json (--erp-id ID | --sku SKU) [--json]
  ponte runs   --state FILE --config CONFIG.json [--limit N] [--json]
  ponte capture --state FILE --config CONFIG.json [--time-limit SECONDS] [--json]
  ponte report  --state FILE --config CONFIG.json [--from DATE] [--to DATE] [--only STATE] [--text TEXT] [--csv [--csv-dialect excel-br] | --json]
  ponte confirm --state FILE --config CONFIG.json --order ID --erp-number NUMBER
  ponte reject  --state FILE --config CONFIG.json --order ID --reason TEXT
  ponte retry   --state FILE --config CONFIG.json --order ID
  ponte pending --state FILE --integration ID [--json]
  ponte reservations --state FILE --integration ID [--json]
  ponte integrations --state FILE [--json]
  ponte customers --state FILE --config CONFIG.json [--json]
      the customers of captured orders the ERP does not have yet, or not as they are now
  ponte customer-confirm --state FILE --config CONFIG.json --customer KEY --erp-id ID
  ponte events  --state FILE --config CONFIG.json [--json]
      cancellations, refunds, statuses the merchant set and changes, until acknowledged
  ponte event-ack --state FILE --config CONFIG.json --event ID
  ponte fulfil  --state FILE --config CONFIG.json --order ID FULFILMENT.json
      queues a confirmed order's invoice, tracking code and shipped status for the store
  ponte run     --state FILE --config CONFIG.json [--config ...] [--json]
      runs what is due once (for cron or the Windows Task Scheduler); exit 3 if a job failed
  ponte watch   --state FILE --config CONFIG.json [--config ...] [--every SECONDS]
      runs what is due every SECONDS (30) until SIGINT or SIGTERM, which finish the current job
  ponte jobs    --state FILE --config CONFIG.json [--config ...] [--json]
  ponte health  --state FILE --config CONFIG.json [--config ...] [--json]
      exits 0 OK, 1 WARNING, 2 CRITICAL, as monitoring plugins do
  ponte sandbox [--port N] [--products FILE]
      a WooCommerce sandbox store for rehearsal until stopped; prints the integration config
      (FILE: a JSON array of WooCommerce products the store starts with)
  ponte integration-put --state FILE CONFIG.json
  ponte catalog-put --state FILE [CATALOG]
  ponte catalog-get --state FILE (--erp-id ID | --sku SKU)

CATALOG is any of --brands FILE, --products FILE, --stock FILE, loaded before the command runs.
--config puts the integration (credentials included: they are never stored) before the command;
--integration ID names one put before instead (credentials, where the store is called, from
PONTE_<ID>_CONSUMER_KEY and PONTE_<ID>_CONSUMER_SECRET). DATE is 2026-12-01, 01/12/2026 or RFC 3339.
Every file is JSON in the shapes the README describes.
Exit codes: 0 success, 1 the operation failed, 2 wrong usage, 3 some products failed or conflict
(for check: the checklist has a problem).";

#[cfg(feature = "sandbox")]
const SAMPLE_INTEGRATION: &str = include_str!("../../samples/integration.json");
#[cfg(feature = "sandbox")]
const SAMPLE_BRANDS: &str = include_str!("../../samples/brands.json");
#[cfg(feature = "sandbox")]
const SAMPLE_PRODUCTS: &str = include_str!("../../samples/products.json");
#[cfg(feature = "sandbox")]
const SAMPLE_STOCK: &str = include_str!("../../samples/stock.json");

enum Failure {
    Usage(String),
    Ponte(ponte::Error),
    Io(String),
}

impl From<ponte::Error> for Failure {
    fn from(err: ponte::Error) -> Self {
        Failure::Ponte(err)
    }
}

fn main() -> ExitCode {
    // `ponte report | head -1`: a reader that went away ends the output, quietly, as for any
    // command-line tool; every other panic is reported as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(message)) => {
            eprintln!("ponte: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Ponte(err)) => {
            eprintln!("ponte: {err}");
            ExitCode::from(1)
        }
        Err(Failure::Io(message)) => {
            eprintln!("ponte: {message}");
            ExitCode::from(1)
        }
    }
}

const FLAGS: [&str; 6] = [
    "--json",
    "--csv",
    "--dry-run",
    "--stock-only",
    "--full",
    "--help",
];

fn run(args: &[String]) -> Result<u8, Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage("no command given".into()));
    };
    let mut options = Options::parse(rest)?;
    if options.flag("--help") && command != "help" {
        return command_help(command);
    }
    let json = options.flag("--json");
    match command.as_str() {
        "demo" => demo(options.take("--state").map(PathBuf::from)).map(|()| 0),
        "sandbox" => {
            let port = match options.take("--port") {
                Some(text) => text
                    .parse::<u16>()
                    .map_err(|_| Failure::Usage(format!("--port {text:?} is not a port")))?,
                None => 0,
            };
            let products = options.take("--products");
            options.positional::<0>()?;
            standalone_sandbox(port, products).map(|()| 0)
        }
        "plan" | "sync" => {
            let time_limit_seconds = match options.take("--time-limit") {
                Some(text) => Some(text.parse().map_err(|_| {
                    Failure::Usage(format!("--time-limit {text:?} is not a number of seconds"))
                })?),
                None => None,
            };
            let sync_options = SyncOptions {
                dry_run: options.flag("--dry-run"),
                stock_only: options.flag("--stock-only"),
                full_resync: options.flag("--full"),
                time_limit_seconds,
            };
            let (mut ponte, integration) = open_with_config(&mut options)?;
            load_catalog(&mut ponte, &mut options, false)?;
            options.positional::<0>()?;
            if command == "plan" {
                let plan = ponte.sync_plan(&integration, sync_options)?;
                if json {
                    println!("{}", to_json_pretty(&plan));
                } else {
                    print_plan(&plan);
                }
                return Ok(0);
            }
            let report = ponte.sync_products(&integration, sync_options, &mut progress_bar())?;
            if json {
                println!("{}", to_json_pretty(&report));
            } else {
                print_report(&report);
            }
            let troubled = report
                .items
                .iter()
                .any(|i| matches!(i.result, "failed" | "unknown" | "conflict"));
            Ok(if troubled { 3 } else { 0 })
        }
        "check" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            options.positional::<0>()?;
            let check = ponte.integration_check(&integration)?;
            if json {
                println!("{}", to_json_pretty(&check));
            } else {
                print_check(&check);
            }
            Ok(if check.ok { 0 } else { 3 })
        }
        "status" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let key = product_key(&mut options)?;
            options.positional::<0>()?;
            let status = ponte.product_status(&integration, &key)?;
            if json {
                println!("{}", to_json_pretty(&status));
            } else {
                print_status(&status);
            }
            Ok(0)
        }
        "runs" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let limit = match options.take("--limit") {
                Some(text) => text
                    .parse()
                    .map_err(|_| Failure::Usage(format!("--limit {text:?} is not a number")))?,
                None => 20,
            };
            options.positional::<0>()?;
            let runs = ponte.sync_runs(&integration, limit)?;
            if json {
                println!("{}", to_json_pretty(&runs));
            } else {
                for run in runs {
                    println!(
                        "run {:>4}  {:<10} {}  {} requests  {}",
                        run.run_id,
                        run.status,
                        run.started_at,
                        run.requests,
                        counts_line(&run.counts)
                    );
                }
            }
            Ok(0)
        }
        "capture" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let limits = ponte::capture::CaptureOptions {
                time_limit_seconds: match options.take("--time-limit") {
                    Some(text) => Some(text.parse().map_err(|_| {
                        Failure::Usage(format!("--time-limit {text:?} is not a number of seconds"))
                    })?),
                    None => None,
                },
            };
            options.positional::<0>()?;
            let report = ponte.capture_orders_with(&integration, limits, &mut |_| true)?;
            if json {
                println!("{}", to_json_pretty(&report));
            } else {
                print_capture(&report);
            }
            Ok(if report.failures.is_empty() { 0 } else { 3 })
        }
        "report" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let filter = ponte::capture::ReportFilter {
                from: options.take("--from"),
                to: options.take("--to"),
                state: options.take("--only"),
                text: options.take("--text"),
            };
            let csv = options.flag("--csv");
            let excel_br = match options.take("--csv-dialect").as_deref() {
                None | Some("rfc4180") => false,
                Some("excel-br") => true,
                Some(other) => {
                    return Err(Failure::Usage(format!(
                        "--csv-dialect {other:?}: rfc4180 (the default) or excel-br"
                    )))
                }
            };
            options.positional::<0>()?;
            let rows = ponte.report(&integration, &filter)?;
            if json {
                println!("{}", to_json_pretty(&rows));
            } else if csv || excel_br {
                print!("{}", report_csv(&rows, excel_br));
            } else {
                print_report_table(&rows);
            }
            Ok(0)
        }
        "confirm" | "reject" | "retry" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let order = options
                .take("--order")
                .ok_or_else(|| Failure::Usage("--order ID is required".into()))?;
            let state = match command.as_str() {
                "confirm" => {
                    let number = options
                        .take("--erp-number")
                        .ok_or_else(|| Failure::Usage("--erp-number NUMBER is required".into()))?;
                    options.positional::<0>()?;
                    ponte.order_confirm(&integration, &order, &number)?
                }
                "reject" => {
                    let reason = options
                        .take("--reason")
                        .ok_or_else(|| Failure::Usage("--reason TEXT is required".into()))?;
                    options.positional::<0>()?;
                    ponte.order_reject(&integration, &order, &reason)?
                }
                _ => {
                    options.positional::<0>()?;
                    ponte.order_retry(&integration, &order)?
                }
            };
            println!("{}", to_json(&state));
            Ok(0)
        }
        "pending" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            options.positional::<0>()?;
            let pending = ponte.orders_pending(&integration)?;
            if json {
                println!("{}", to_json_pretty(&pending));
            } else {
                for order in &pending {
                    let sales = &order.sales_order;
                    println!(
                        "order {:<8} {:<28} {:>10}  customer {}",
                        order.number,
                        sales["customer"]["name"].as_str().unwrap_or_default(),
                        money(sales["total_cents"].as_i64().unwrap_or(0)),
                        order.customer_key.as_deref().unwrap_or("-")
                    );
                }
                println!("{} orders waiting for the ERP", pending.len());
            }
            Ok(0)
        }
        "reservations" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            options.positional::<0>()?;
            let holds = ponte.reservations(&integration)?;
            if json {
                println!("{}", to_json_pretty(&holds));
            } else {
                for hold in &holds {
                    println!(
                        "{:>6} x {:<20} {:<12} order {}",
                        hold.quantity, hold.sku, hold.kind, hold.store_order_id
                    );
                }
                println!("{} holds", holds.len());
            }
            Ok(0)
        }
        "integrations" => {
            let mut ponte = Ponte::open(options.state()?)?;
            options.positional::<0>()?;
            let all = ponte.integration_list()?;
            if json {
                println!("{}", to_json_pretty(&all));
            } else {
                for view in &all {
                    println!(
                        "{:<16} {:<12} {}",
                        view.config.id,
                        serde_json::to_value(view.config.platform)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        view.config.base_url
                    );
                }
            }
            Ok(0)
        }
        "customers" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            options.positional::<0>()?;
            let offers = ponte.customers_pending(&integration)?;
            if json {
                println!("{}", to_json_pretty(&offers));
            } else {
                for offer in &offers {
                    let c = &offer.customer;
                    let document = c["cnpj"].as_str().or(c["cpf"].as_str()).unwrap_or("-");
                    println!(
                        "{:<6} {:<6} {:<28} {:<15} {}",
                        offer.customer_key,
                        offer.kind,
                        c["name"].as_str().unwrap_or_default(),
                        document,
                        c["billing"]["city"].as_str().unwrap_or_default()
                    );
                }
                println!("{} customers waiting for the ERP", offers.len());
            }
            Ok(0)
        }
        "customer-confirm" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let key = options
                .take("--customer")
                .ok_or_else(|| Failure::Usage("--customer KEY is required".into()))?;
            let erp_id = options
                .take("--erp-id")
                .ok_or_else(|| Failure::Usage("--erp-id ID is required".into()))?;
            options.positional::<0>()?;
            println!(
                "{}",
                to_json(&ponte.customer_confirm(&integration, &key, &erp_id)?)
            );
            Ok(0)
        }
        "events" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            options.positional::<0>()?;
            let events = ponte.order_events(&integration)?;
            if json {
                println!("{}", to_json_pretty(&events));
            } else {
                for event in &events {
                    println!(
                        "{:<6} order {:<8} {:<15} {:<10} {}",
                        event.event_id,
                        event.store_order_id,
                        event.kind,
                        event.order_state,
                        to_json(&event.detail)
                    );
                }
                println!("{} events waiting for the ERP", events.len());
            }
            Ok(0)
        }
        "event-ack" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let event = options
                .take("--event")
                .ok_or_else(|| Failure::Usage("--event ID is required".into()))?;
            let id: i64 = event
                .parse()
                .map_err(|_| Failure::Usage(format!("--event {event:?} is not a number")))?;
            options.positional::<0>()?;
            println!("{}", to_json(&ponte.order_event_ack(&integration, id)?));
            Ok(0)
        }
        "fulfil" => {
            let (mut ponte, integration) = open_with_config(&mut options)?;
            let order = options
                .take("--order")
                .ok_or_else(|| Failure::Usage("--order ID is required".into()))?;
            let [path] = options.positional::<1>()?;
            let value = ponte::model::json::parse_value(&read(&path)?, "fulfilment")?;
            let fulfilment = ponte::model::json::from_value(value, "fulfilment")?;
            println!(
                "{}",
                to_json(&ponte.order_fulfil(&integration, &order, fulfilment)?)
            );
            Ok(0)
        }
        "run" => {
            let mut ponte = open_with_configs(&mut options)?;
            options.positional::<0>()?;
            let report = ponte.run_due(None, &mut |_| true)?;
            if json {
                println!("{}", to_json_pretty(&report));
            } else {
                print_run_due(&report);
            }
            Ok(if report.ran.iter().any(|r| r.outcome == "failed") {
                3
            } else {
                0
            })
        }
        "jobs" => {
            let mut ponte = open_with_configs(&mut options)?;
            options.positional::<0>()?;
            let jobs = ponte.jobs(None)?;
            if json {
                println!("{}", to_json_pretty(&jobs));
            } else {
                print_jobs(&jobs);
            }
            Ok(0)
        }
        "health" => {
            let mut ponte = open_with_configs(&mut options)?;
            options.positional::<0>()?;
            let health = ponte.health(None)?;
            if json {
                println!("{}", to_json_pretty(&health));
            } else {
                for integration in &health.integrations {
                    println!(
                        "{}: {}",
                        integration.integration,
                        integration.verdict.to_uppercase()
                    );
                    for reason in &integration.reasons {
                        println!("  - {reason}");
                    }
                    println!("  backlog: {}", to_json(&integration.backlog));
                }
                println!("{}", health.verdict.to_uppercase());
            }
            // As monitoring plugins exit: 0 OK, 1 WARNING, 2 CRITICAL.
            Ok(match health.verdict {
                "ok" => 0,
                "warning" => 1,
                _ => 2,
            })
        }
        "watch" => {
            let mut ponte = open_with_configs(&mut options)?;
            let every = match options.take("--every") {
                Some(text) => text.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    Failure::Usage(format!("--every {text:?} is not a number of seconds"))
                })?,
                None => 30,
            };
            options.positional::<0>()?;
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let on_signal = stop.clone();
            ctrlc::set_handler(move || on_signal.store(true, std::sync::atomic::Ordering::SeqCst))
                .map_err(|err| Failure::Io(format!("cannot catch SIGINT and SIGTERM: {err}")))?;
            let stopping = || stop.load(std::sync::atomic::Ordering::SeqCst);
            eprintln!(
                "ponte watch: running what is due every {every} s; Ctrl+C or SIGTERM to stop"
            );
            while !stopping() {
                // A signal stops the running job at its next safe boundary; its lease is released.
                let report = ponte.run_due(None, &mut |_| !stopping())?;
                if !(report.ran.is_empty() && report.skipped.is_empty()) {
                    print_run_due(&report);
                }
                let mut waited = 0;
                while waited < every * 10 && !stopping() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    waited += 1;
                }
            }
            eprintln!("ponte watch: stopped");
            Ok(0)
        }
        "integration-put" => {
            let mut ponte = Ponte::open(options.state()?)?;
            let [config_path] = options.positional::<1>()?;
            ponte.integration_put(parse_config(&read(&config_path)?)?)?;
            println!("integration put");
            Ok(0)
        }
        "catalog-put" => {
            let mut ponte = Ponte::open(options.state()?)?;
            load_catalog(&mut ponte, &mut options, true)?;
            options.positional::<0>()?;
            Ok(0)
        }
        "catalog-get" => {
            let mut ponte = Ponte::open(options.state()?)?;
            let key = product_key(&mut options)?;
            options.positional::<0>()?;
            println!("{}", to_json_pretty(&ponte.catalog_get(&key)?));
            Ok(0)
        }
        "help" | "--help" | "-h" => match options.positional::<1>() {
            Ok([topic]) => command_help(&topic),
            Err(_) => {
                println!("{USAGE}");
                Ok(0)
            }
        },
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    }
}

/// `ponte COMMAND --help` and `ponte help COMMAND`: the command's lines of the usage, and the
/// notes every command shares.
fn command_help(command: &str) -> Result<u8, Failure> {
    let prefix = format!("  ponte {command} ");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in USAGE.lines() {
        if line.starts_with("  ponte ") {
            inside = line.starts_with(&prefix) || line.trim_end() == prefix.trim_end();
        } else if !line.starts_with("      ") {
            inside = false;
        }
        if inside {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        return Err(Failure::Usage(format!("unknown command {command:?}")));
    }
    println!("usage:\n{}", lines.join("\n"));
    let notes = USAGE
        .split_once("\n\n")
        .map(|(_, notes)| notes)
        .unwrap_or_default();
    println!("\n{notes}");
    Ok(0)
}

/// Opens the state file and names the integration: `--config FILE` puts it first (credentials
/// from the file, else the environment); `--integration ID` names one put before, with
/// credentials from the environment (`PONTE_<ID>_CONSUMER_KEY`...) when the command calls the
/// store, and none needed when it does not (report, confirm, pending...).
fn open_with_config(options: &mut Options) -> Result<(Ponte, String), Failure> {
    let mut ponte = Ponte::open(options.state()?)?;
    if let Some(id) = options.take("--integration") {
        let mut config = ponte.integration_get(&id)?.config;
        if let Some(credentials) = credentials_from_env(&id) {
            config.credentials = Some(credentials);
            ponte.integration_put(config)?;
        }
        return Ok((ponte, id));
    }
    let path = options.take("--config").ok_or_else(|| {
        Failure::Usage("--config CONFIG.json or --integration ID is required".into())
    })?;
    let id = put_config_file(&mut ponte, &path)?;
    Ok((ponte, id))
}

/// Puts the integration a config file describes, its credentials from the file (named on
/// stderr when others may read it) or else the environment; returns its id.
fn put_config_file(ponte: &mut Ponte, path: &str) -> Result<String, Failure> {
    let mut config = parse_config(&read(path)?)?;
    if config.credentials.is_some() {
        warn_if_readable_by_others(path);
    } else {
        config.credentials = credentials_from_env(&config.id);
    }
    let id = config.id.clone();
    ponte.integration_put(config)?;
    Ok(id)
}

/// Opens the state file and puts every `--config` given (one per integration). Credentials come
/// from the file, or else from the environment: `PONTE_<ID>_CONSUMER_KEY`, `_CONSUMER_SECRET` or
/// `_ACCESS_TOKEN`, the id in capitals with anything else than letters and digits as `_`. A file
/// holding credentials that others may read is named on stderr.
fn open_with_configs(options: &mut Options) -> Result<Ponte, Failure> {
    let mut ponte = Ponte::open(options.state()?)?;
    let paths = options.take_all("--config");
    if paths.is_empty() {
        return Err(Failure::Usage(
            "--config CONFIG.json is required (once per integration)".into(),
        ));
    }
    for path in paths {
        put_config_file(&mut ponte, &path)?;
    }
    Ok(ponte)
}

fn credentials_from_env(id: &str) -> Option<ponte::model::config::Credentials> {
    use ponte::model::config::{Credentials, Secret};
    let prefix: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let var = |name: &str| {
        std::env::var(format!("PONTE_{prefix}_{name}"))
            .ok()
            .map(Secret::new)
    };
    let credentials = Credentials {
        consumer_key: var("CONSUMER_KEY"),
        consumer_secret: var("CONSUMER_SECRET"),
        access_token: var("ACCESS_TOKEN"),
    };
    (credentials.consumer_key.is_some() || credentials.access_token.is_some())
        .then_some(credentials)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!("warning: {path} holds credentials and others may read it; chmod 600 {path}");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &str) {}

fn print_run_due(report: &ponte::unattended::RunDueReport) {
    for run in report.ran.iter().chain(&report.skipped) {
        println!(
            "{:<10} {:<10} {:<9} {:>6} ms  {}",
            run.integration,
            run.job.name(),
            run.outcome,
            run.millis,
            run.detail
        );
    }
    if report.ran.is_empty() && report.skipped.is_empty() {
        println!("nothing due at {}", report.now);
    }
}

fn print_jobs(jobs: &[ponte::unattended::JobView]) {
    for job in jobs {
        println!(
            "{:<10} {:<10} next {:<21} {:<8} failures {}  {}",
            job.integration,
            job.job.name(),
            job.next_due.as_deref().unwrap_or("now"),
            if job.due_now { "due" } else { "" },
            job.failures,
            job.last_error
                .as_deref()
                .or(job.last_summary.as_deref())
                .unwrap_or("")
        );
    }
}

fn load_catalog(ponte: &mut Ponte, options: &mut Options, verbose: bool) -> Result<(), Failure> {
    if let Some(path) = options.take("--brands") {
        let summary = ponte.catalog_put_brands(&catalog::parse_brands(&read(&path)?)?)?;
        if verbose {
            println!("brands: {}", to_json(&summary));
        }
    }
    if let Some(path) = options.take("--products") {
        let summary = ponte.catalog_put_products(&catalog::parse_products(&read(&path)?)?)?;
        if verbose {
            println!("products: {}", to_json(&summary));
        }
    }
    if let Some(path) = options.take("--stock") {
        let summary = ponte.catalog_put_stock(&catalog::parse_stock(&read(&path)?)?)?;
        if verbose {
            println!("stock: {}", to_json(&summary));
        }
    }
    Ok(())
}

fn product_key(options: &mut Options) -> Result<ProductKey, Failure> {
    match (options.take("--erp-id"), options.take("--sku")) {
        (Some(id), None) => Ok(ProductKey::ErpId(id)),
        (None, Some(sku)) => Ok(ProductKey::Sku(sku)),
        _ => Err(Failure::Usage(
            "give exactly one of --erp-id and --sku".into(),
        )),
    }
}

/// A progress bar on stderr when it is a terminal; silent under cron.
fn progress_bar() -> impl FnMut(ponte::sync::SyncProgress) -> bool {
    let terminal = std::io::stderr().is_terminal();
    move |progress| {
        if terminal && progress.total > 0 {
            let width = 30;
            let filled = (progress.done * width / progress.total) as usize;
            let mut stderr = std::io::stderr();
            let _ = write!(
                stderr,
                "\r[{}{}] {}/{}",
                "#".repeat(filled),
                " ".repeat(width as usize - filled),
                progress.done,
                progress.total
            );
            if progress.done == progress.total {
                let _ = writeln!(stderr);
            }
        }
        true
    }
}

fn counts_line(counts: &std::collections::BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_plan(plan: &Plan) {
    println!(
        "Plan for {}: {}",
        plan.integration,
        counts_line(&plan.counts)
    );
    for item in plan
        .items
        .iter()
        .filter(|i| i.action != ponte::sync::Action::Unchanged)
    {
        let mut line = format!("  {:<11} {:<8}", item.action.name(), item.erp_id);
        // A create or link sends every enabled field; an update names what changed.
        if !item.fields.is_empty()
            && matches!(
                item.action,
                ponte::sync::Action::Update | ponte::sync::Action::StockOnly
            )
        {
            line.push_str(&format!(" fields: {}", item.fields.join(", ")));
        }
        if let Some(id) = &item.store_product_id {
            line.push_str(&format!(" (store product {id})"));
        }
        println!("{line}");
        for reason in item
            .reasons
            .iter()
            .chain(&item.not_supported)
            .chain(&item.removed_variants)
        {
            println!("              - {} [{}]", reason.message, reason.code);
        }
    }
}

fn print_check(check: &ponte::check::IntegrationCheck) {
    println!(
        "Check of {}: {} ({} requests)",
        check.integration,
        if check.ok { "ok" } else { "problems found" },
        check.requests
    );
    for item in &check.items {
        let mark = match item.status {
            ponte::check::ItemStatus::Ok => "ok     ",
            ponte::check::ItemStatus::Warning => "warning",
            ponte::check::ItemStatus::Problem => "PROBLEM",
        };
        println!("  {mark} {:<11} {}", item.item, item.message.en);
        println!("                      {}", item.message.pt_br);
        if let Some(action) = &item.action {
            println!("          what to do: {}", action.en);
            println!("          o que fazer: {}", action.pt_br);
        }
    }
}

fn print_report(report: &RunReport) {
    match report.run_id {
        Some(id) => println!(
            "Sync run {id} of {}: {}, {} requests",
            report.integration, report.status, report.requests
        ),
        None => println!(
            "Dry run of {}: nothing was written, {} requests",
            report.integration, report.requests
        ),
    }
    println!("  {}", counts_line(&report.counts));
    for item in &report.items {
        let mut line = format!(
            "  {:<11} {:<8} {:<9}",
            item.action.name(),
            item.erp_id,
            item.result
        );
        if let Some(id) = &item.store_product_id {
            line.push_str(&format!(" store product {id}"));
        }
        let changed = matches!(
            item.action,
            ponte::sync::Action::Update | ponte::sync::Action::StockOnly
        );
        if changed && !item.fields.is_empty() && item.result == "ok" {
            line.push_str(&format!(" fields: {}", item.fields.join(", ")));
        }
        println!("{line}");
        for reason in item
            .reasons
            .iter()
            .chain(&item.not_supported)
            .chain(&item.removed_variants)
        {
            println!("              - {} [{}]", reason.message, reason.code);
        }
        if let Some(error) = &item.error {
            println!("              ! {} [{}]", error.message, error.code);
        }
    }
}

fn print_status(status: &ProductStatus) {
    println!(
        "Product {} in {}: {}",
        status.erp_id,
        status.integration,
        status.state.replace('_', " ")
    );
    if let Some(id) = &status.store_product_id {
        println!(
            "  store product {id}, variants {}",
            to_json(&status.store_variants)
        );
    }
    if let (Some(values), Some(at)) = (&status.last_pushed, &status.last_pushed_at) {
        println!("  last pushed at {at}: {}", to_json(values));
    }
    println!("  next sync: {}", status.next_action.replace('_', " "));
    if !status.pending_fields.is_empty() {
        println!("  pending changes: {}", status.pending_fields.join(", "));
    }
    if !status.reasons.is_empty() {
        println!("  not sent because:");
        for reason in &status.reasons {
            println!("    - {} [{}]", reason.message, reason.code);
        }
    }
    for reason in status.not_supported.iter().chain(&status.removed_variants) {
        println!("  {} [{}]", reason.message, reason.code);
    }
    if let Some(error) = &status.last_error {
        println!(
            "  the store refused it last time: {} [{}]",
            error.message, error.code
        );
    }
}

fn money(cents: i64) -> String {
    ponte::model::money::format_cents(cents)
}

fn print_capture(report: &ponte::capture::CaptureReport) {
    println!(
        "Capture from {}: {}, {} requests",
        report.integration,
        counts_line(&report.counts),
        report.requests
    );
    for order in &report.pending {
        let sales = &order.sales_order;
        let items: Vec<String> = sales["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| format!("{} x {}", i["quantity"], i["sku"].as_str().unwrap_or("")))
            .collect();
        println!(
            "  pending   order {:<6} {:<24} {:>10}  {}",
            order.number,
            sales["customer"]["name"].as_str().unwrap_or(""),
            money(sales["total_cents"].as_i64().unwrap_or(0)),
            items.join(", ")
        );
    }
    for order in &report.rejected {
        println!(
            "  rejected  order {:<6} {}",
            order.number,
            order.customer["name"].as_str().unwrap_or("")
        );
        for reason in &order.reasons {
            println!("              - {} [{}]", reason.message, reason.code);
        }
    }
    for failure in &report.failures {
        println!(
            "  unreadable order {}: {}",
            failure.store_id, failure.reason
        );
    }
}

fn print_report_table(rows: &[ponte::capture::ReportRow]) {
    println!(
        "{:<8} {:<20} {:<22} {:>10} {:<10} {:<10} {:<10} reasons",
        "order", "created (UTC)", "customer", "total", "state", "ERP order", "write-back"
    );
    for row in rows {
        let reasons: Vec<&str> = row.reasons.iter().map(|r| r.code.as_str()).collect();
        println!(
            "{:<8} {:<20} {:<22} {:>10} {:<10} {:<10} {:<10} {}",
            row.number,
            row.created_at
                .as_deref()
                .unwrap_or("")
                .trim_end_matches('Z')
                .replace('T', " "),
            row.customer.chars().take(22).collect::<String>(),
            money(row.total_cents),
            row.state,
            row.erp_order_number.as_deref().unwrap_or("-"),
            row.writeback.chars().take(10).collect::<String>(),
            reasons.join(", ")
        );
    }
}

/// The report as CSV (RFC 4180), for a spreadsheet.
/// The report as CSV: RFC 4180 (`,`, a decimal point), or `excel-br` for a Brazilian Excel,
/// which splits on `;`, reads a decimal comma and needs a BOM to take the file as UTF-8.
fn report_csv(rows: &[ponte::capture::ReportRow], excel_br: bool) -> String {
    let separator = if excel_br { ";" } else { "," };
    let field = |text: &str| {
        if text.contains(separator) || text.contains(['"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let header = "store_order_id,number,created_at,customer,document,total,state,store_status,erp_order_number,writeback,reasons";
    let mut out = String::new();
    if excel_br {
        out.push('\u{feff}');
    }
    out.push_str(&header.replace(',', separator));
    out.push_str("\r\n");
    for row in rows {
        let reasons: Vec<&str> = row.reasons.iter().map(|r| r.message.as_str()).collect();
        let cells = [
            row.store_order_id.clone(),
            row.number.clone(),
            row.created_at.clone().unwrap_or_default(),
            row.customer.clone(),
            row.document.clone().unwrap_or_default(),
            if excel_br {
                money(row.total_cents).replace('.', ",")
            } else {
                money(row.total_cents)
            },
            row.state.clone(),
            row.store_status.clone(),
            row.erp_order_number.clone().unwrap_or_default(),
            row.writeback.clone(),
            reasons.join(" "),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| field(c))
                .collect::<Vec<_>>()
                .join(separator),
        );
        out.push_str("\r\n");
    }
    out
}

#[cfg(not(feature = "sandbox"))]
fn standalone_sandbox(_port: u16, _products: Option<String>) -> Result<(), Failure> {
    Err(Failure::Io(
        "this build of ponte has no sandbox store; build it with the `sandbox` feature".into(),
    ))
}

/// A sandbox store for rehearsal, until SIGINT or SIGTERM: prints the integration config to use
/// against it (its test keys included: they open nothing but this sandbox).
#[cfg(feature = "sandbox")]
fn standalone_sandbox(port: u16, products: Option<String>) -> Result<(), Failure> {
    use ponte::sandbox::WooSandbox;

    let store = WooSandbox::start_on(port)
        .map_err(|err| Failure::Io(format!("cannot start the sandbox store: {err}")))?;
    if let Some(path) = products {
        let value = ponte::model::json::parse_value(&read(&path)?, "products")?;
        let items = value.as_array().cloned().ok_or_else(|| {
            Failure::Usage(format!(
                "{path}: expected a JSON array of WooCommerce products"
            ))
        })?;
        for (index, mut product) in items.into_iter().enumerate() {
            if product.get("id").is_none() {
                product["id"] = serde_json::json!(10_000 + index);
            }
            store
                .seed_product(product)
                .map_err(|err| Failure::Usage(format!("{path}: product [{index}]: {err}")))?;
        }
    }
    let key = store.key();
    let config = serde_json::json!({
        "id": "sandbox", "platform": "woocommerce", "base_url": store.base_url(), "allow_http": true,
        "credentials": {"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret}
    });
    println!("{}", to_json_pretty(&config));
    eprintln!(
        "ponte sandbox: a WooCommerce store at {} with {} products; Ctrl+C or SIGTERM to stop",
        store.base_url(),
        store.products().len()
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_signal = stop.clone();
    ctrlc::set_handler(move || on_signal.store(true, std::sync::atomic::Ordering::SeqCst))
        .map_err(|err| Failure::Io(format!("cannot catch SIGINT and SIGTERM: {err}")))?;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!("ponte sandbox: stopped");
    Ok(())
}

#[cfg(not(feature = "sandbox"))]
fn demo(_state: Option<PathBuf>) -> Result<(), Failure> {
    Err(Failure::Io(
        "this build of ponte has no sandbox store; build it with the `sandbox` feature".into(),
    ))
}

/// The main job: a WooCommerce sandbox store, the sample catalog, a sync limited by the EAN test
/// filter, then a full sync, as the ERP's integration guide advises.
#[cfg(feature = "sandbox")]
fn demo(state: Option<PathBuf>) -> Result<(), Failure> {
    use ponte::sandbox::WooSandbox;

    let state = state.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ponte-demo-{}.db", std::process::id()))
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", state.display()));
    }
    let store = WooSandbox::start()
        .map_err(|err| Failure::Io(format!("cannot start the sandbox store: {err}")))?;
    println!("Ponte {} demo\n", ponte::VERSION);
    println!(
        "A WooCommerce sandbox store answers at {} (REST API v3, OAuth 1.0a over HTTP).",
        store.base_url()
    );
    // The merchant already sells one of the ERP's products, registered by hand in the store.
    store
        .seed_product(serde_json::json!({
            "id": 5000, "type": "simple", "name": "Jogo de Copos 6 pç", "sku": "TRA-JC-6", "status": "publish",
            "catalog_visibility": "visible", "regular_price": "49.90", "price": "49.90", "manage_stock": true,
            "stock_quantity": 3, "parent_id": 0, "global_unique_id": ""
        }))
        .map_err(Failure::Io)?;
    println!("The store already has product 5000 (SKU TRA-JC-6), which the ERP also has.\n");

    let mut ponte = Ponte::open(&state)?;
    let mut config = parse_config(SAMPLE_INTEGRATION)?;
    config.base_url = store.base_url();
    config.allow_http = true;
    config.credentials = Some(store.credentials());
    let filter = config.product_sync.only_eans.clone();
    ponte.integration_put(config.clone())?;
    let brands = ponte.catalog_put_brands(&catalog::parse_brands(SAMPLE_BRANDS)?)?;
    let products = ponte.catalog_put_products(&catalog::parse_products(SAMPLE_PRODUCTS)?)?;
    let stock = ponte.catalog_put_stock(&catalog::parse_stock(SAMPLE_STOCK)?)?;
    println!("Catalog loaded into {}:", state.display());
    println!(
        "  brands {}, products {}, stock {}\n",
        to_json(&brands),
        to_json(&products),
        to_json(&stock)
    );

    println!("1. First sync with the EAN test filter \"{filter}\" (only that product goes):\n");
    print_plan(&ponte.sync_plan(&config.id, SyncOptions::default())?);
    println!();
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);

    println!("\n2. The filter is cleared and everything eligible is synced:\n");
    config.product_sync.only_eans.clear();
    ponte.integration_put(config.clone())?;
    print_plan(&ponte.sync_plan(&config.id, SyncOptions::default())?);
    println!();
    print_report(&ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?);

    println!("\n3. Why is product 3001 not in the store?\n");
    print_status(&ponte.product_status(&config.id, &ProductKey::ErpId("3001".into()))?);

    println!(
        "\n4. A second sync right away has nothing to send (it only looks for orders the store"
    );
    println!("   sold since the last capture, whose units it must not put back on sale):\n");
    store.reset_counters();
    let again = ponte.sync_products(&config.id, SyncOptions::default(), &mut |_| true)?;
    let writes = store.write_requests();
    println!(
        "  {} (requests to the store: {} read, {writes} write)",
        counts_line(&again.counts),
        store.total_requests() - writes
    );

    println!("\n5. Shoppers place orders in the store:");
    store
        .seed_product(serde_json::json!({"id": 6000, "type": "simple", "name": "Brinde da loja", "sku": "LOJA-BRINDE",
            "status": "publish", "regular_price": "5.00", "price": "5.00", "parent_id": 0}))
        .map_err(Failure::Io)?;
    let shopper = |name: &str, cpf: &str, sku: &str, quantity: i64, status: &str| {
        serde_json::json!({
            "status": status, "payment_method_title": "Pix",
            "billing": {"first_name": name, "last_name": "Oliveira", "address_1": "Rua XV de Novembro", "number": "100",
                        "neighborhood": "Centro", "city": "Curitiba", "state": "PR", "postcode": "80020-310", "country": "BR",
                        "email": format!("{}@example.com.br", name.to_lowercase()), "phone": "(41) 99999-0000", "cpf": cpf},
            "line_items": [{"sku": sku, "quantity": quantity}],
            "shipping_lines": [{"method_id": "correios", "method_title": "PAC", "total": "18.90"}]
        })
    };
    let orders = [
        (
            "a valid order",
            shopper("Ana", "529.982.247-25", "TRA-PP-45", 1, "processing"),
        ),
        (
            "another valid order",
            shopper("Bruno", "111.444.777-35", "HER-CAM-AZ-G", 2, "processing"),
        ),
        (
            "a product the ERP does not have",
            shopper("Carla", "068.149.843-93", "LOJA-BRINDE", 1, "processing"),
        ),
        (
            "an invalid CPF",
            shopper("Diego", "123.456.789-00", "TRA-PP-45", 1, "processing"),
        ),
        (
            "awaiting payment: a reservation",
            shopper("Elisa", "390.533.447-05", "TRA-JC-6", 3, "pending"),
        ),
    ];
    for (what, order) in &orders {
        let placed = store.place_order(order).map_err(Failure::Io)?;
        let name = order["billing"]["first_name"].as_str().unwrap_or("");
        println!(
            "   order {} by {name}: {what}",
            placed["number"].as_str().unwrap_or("")
        );
    }

    println!("\n6. The ERP captures orders:\n");
    let captured = ponte.capture_orders(&config.id)?;
    print_capture(&captured);
    println!("\n   Stock held for the store's orders (product sync sends what is left):");
    for hold in ponte.reservations(&config.id)? {
        println!(
            "   {} x {} ({}, order {})",
            hold.quantity, hold.sku, hold.kind, hold.store_order_id
        );
    }

    println!("\n7. The ERP registers every customer, the rejected orders' too, with its own ids:");
    for (index, offer) in ponte.customers_pending(&config.id)?.iter().enumerate() {
        let erp_id = format!("CLI-{:04}", index + 1);
        ponte.customer_confirm(&config.id, &offer.customer_key, &erp_id)?;
        let customer = &offer.customer;
        println!(
            "   {} {:<18} CPF {} ({}), {} is customer {erp_id}",
            offer.kind,
            customer["name"].as_str().unwrap_or_default(),
            customer["cpf"].as_str().unwrap_or("-"),
            if customer["document_valid"] == true {
                "valid"
            } else {
                "invalid"
            },
            customer["billing"]["city"].as_str().unwrap_or_default(),
        );
    }

    println!("\n8. The ERP confirms the valid orders with its own sales-order numbers:");
    for (index, order) in captured.pending.iter().enumerate() {
        let number = format!("PV-{:04}", index + 1);
        ponte.order_confirm(&config.id, &order.store_order_id, &number)?;
        println!("   order {} is sales order {number}", order.number);
    }
    let again = ponte.capture_orders(&config.id)?;
    println!(
        "   the next capture writes the statuses back: {}",
        counts_line(&again.counts)
    );

    if let Some(first) = captured.pending.first() {
        println!(
            "\n9. The ERP invoices and ships order {} (NF-e and Correios tracking code):",
            first.number
        );
        store.register_status_labeled("enviado", "Enviado");
        let fulfilment = serde_json::from_value(serde_json::json!({
            "invoice": {"key": "35261208530528000184550010000154301000771560", "number": "15430", "series": "1",
                        "issued_at": "2026-12-01T12:00:00Z"},
            "tracking": {"code": "AA123456789BR", "carrier": "Correios"},
            "status": "enviado"
        }))
        .map_err(|err| Failure::Io(err.to_string()))?;
        let queued = ponte.order_fulfil(&config.id, &first.store_order_id, fulfilment)?;
        let sent = ponte.capture_orders(&config.id)?;
        println!(
            "   queued {}, sent by the next capture: {}",
            to_json(&queued.meta_keys),
            counts_line(&sent.counts)
        );
        let id: u64 = first.store_order_id.parse().unwrap_or(0);
        if let Some(order) = store.order(id) {
            let meta = |key: &str| {
                order["meta_data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| m["key"] == key)
                    .map(|m| m["value"].to_string())
                    .unwrap_or_default()
            };
            println!(
                "   the store now shows status {}, _correios_tracking_code {}, and the shopper got: {:?}",
                order["status"],
                meta("_correios_tracking_code"),
                store
                    .order_notes(id)
                    .iter()
                    .filter(|n| n["customer_note"] == true)
                    .filter_map(|n| n["note"].as_str())
                    .collect::<Vec<_>>()
            );
        }
    }

    if let Some(second) = captured.pending.get(1) {
        println!(
            "\n10. In the store, the merchant cancels order {} after the ERP confirmed it:",
            second.number
        );
        let id: u64 = second.store_order_id.parse().unwrap_or(0);
        store
            .update_order(id, &serde_json::json!({"status": "cancelled"}))
            .map_err(Failure::Io)?;
        let seen = ponte.capture_orders(&config.id)?;
        println!("   the next capture: {}", counts_line(&seen.counts));
        for event in ponte.order_events(&config.id)? {
            println!(
                "   event {}: order {} (ERP {}) {}, {}",
                event.event_id,
                event.store_order_id,
                event.erp_order_number.as_deref().unwrap_or("-"),
                event.kind,
                to_json(&event.detail)
            );
            ponte.order_event_ack(&config.id, event.event_id)?;
            println!("   the ERP acknowledges event {}", event.event_id);
        }
    }

    println!("\n11. Relatório de Integrações:\n");
    print_report_table(&ponte.report(&config.id, &ponte::capture::ReportFilter::default())?);

    println!(
        "\nThe store now has {} products and variations. State file kept at {}.",
        store.products().len(),
        state.display()
    );
    Ok(())
}

struct Options {
    named: Vec<(String, String)>,
    flags: Vec<String>,
    positional: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, Failure> {
        let mut named = Vec::new();
        let mut flags = Vec::new();
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if FLAGS.contains(&arg.as_str()) {
                flags.push(arg.clone());
            } else if arg.starts_with("--") {
                let value = iter
                    .next()
                    .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))?;
                named.push((arg.clone(), value.clone()));
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Options {
            named,
            flags,
            positional,
        })
    }

    /// Every value given for a repeatable option, in order.
    fn take_all(&mut self, name: &str) -> Vec<String> {
        let mut values = Vec::new();
        while let Some(value) = self.take(name) {
            values.push(value);
        }
        values
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.named.iter().position(|(n, _)| n == name)?;
        Some(self.named.remove(index).1)
    }

    fn flag(&mut self, name: &str) -> bool {
        let before = self.flags.len();
        self.flags.retain(|f| f != name);
        self.flags.len() != before
    }

    fn state(&mut self) -> Result<PathBuf, Failure> {
        self.take("--state")
            .map(PathBuf::from)
            .ok_or_else(|| Failure::Usage("--state FILE is required".into()))
    }

    /// The positional arguments, exactly `N` of them, once every option has been taken.
    fn positional<const N: usize>(&mut self) -> Result<[String; N], Failure> {
        if let Some((name, _)) = self.named.first() {
            return Err(Failure::Usage(format!("unknown option {name}")));
        }
        if let Some(flag) = self.flags.first() {
            return Err(Failure::Usage(format!("{flag} does not apply here")));
        }
        std::mem::take(&mut self.positional)
            .try_into()
            .map_err(|given: Vec<String>| {
                Failure::Usage(format!(
                    "expected {N} file argument(s), got {}",
                    given.len()
                ))
            })
    }
}

fn read(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|err| Failure::Io(format!("cannot read {path}: {err}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|err| format!("<unprintable: {err}>"))
}

fn to_json_pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("<unprintable: {err}>"))
}

//! `ponte`: the command line, for cron jobs, service managers and trying Ponte by hand.
//!
//! `args.rs` holds the grammar and every help text (clap), `print.rs` the tables and the CSV,
//! `demo.rs` the two commands that bring their own sandbox store. Exit codes: 0 success; 1 the
//! operation failed (the message says why); 2 wrong usage (clap's own exit for a usage error);
//! 3 the command ran but found trouble (products failed, a problem in the check, an unreadable
//! order, a failed job); `health` exits 0/1/2 as monitoring plugins do.

mod args;
mod demo;
mod print;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use ponte::model::catalog;
use ponte::model::config::parse_config;
use ponte::sync::SyncOptions;
use ponte::Ponte;

use args::{Cli, Command, CsvDialect};
use print::*;

pub enum Failure {
    /// Wrong usage that only shows once the arguments are read (a file of the wrong shape for
    /// `ponte sandbox`): exit 2, as clap's own usage errors.
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
    // A usage error exits 2 here, `--help` and `--version` 0, as clap does.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(message)) => {
            eprintln!("ponte: {message}");
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

/// Prints `value` as JSON when asked, else as `human` prints it.
fn show<T: serde::Serialize>(json: bool, value: &T, human: impl FnOnce(&T)) {
    if json {
        println!("{}", to_json_pretty(value));
    } else {
        human(value);
    }
}

fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Demo { state } => demo::demo(state).map(|()| 0),
        Command::Sandbox { port, products } => demo::standalone_sandbox(port, products).map(|()| 0),
        Command::Check { target, output } => {
            let (mut ponte, integration) = open_store(&target)?;
            let check = ponte.integration_check(&integration)?;
            show(output.json, &check, print_check);
            Ok(if check.ok { 0 } else { 3 })
        }
        Command::Plan {
            target,
            catalog,
            sync,
            output,
        } => {
            let (mut ponte, integration) = open_store(&target)?;
            load_catalog(&mut ponte, &catalog)?;
            let options = SyncOptions {
                stock_only: sync.stock_only,
                full_resync: sync.full,
                ..SyncOptions::default()
            };
            let plan = ponte.sync_plan(&integration, options)?;
            show(output.json, &plan, print_plan);
            Ok(0)
        }
        Command::Sync {
            target,
            catalog,
            sync,
            dry_run,
            time_limit,
            output,
        } => {
            let (mut ponte, integration) = open_store(&target)?;
            load_catalog(&mut ponte, &catalog)?;
            let options = SyncOptions {
                dry_run,
                stock_only: sync.stock_only,
                full_resync: sync.full,
                time_limit_seconds: time_limit,
            };
            let report = ponte.sync_products(&integration, options, &mut progress_bar())?;
            show(output.json, &report, print_report);
            let troubled = report
                .items
                .iter()
                .any(|i| matches!(i.result, "failed" | "unknown" | "conflict"));
            Ok(if troubled { 3 } else { 0 })
        }
        Command::Status {
            target,
            product,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let status = ponte.product_status(&integration, &product_key(product))?;
            show(output.json, &status, print_status);
            Ok(0)
        }
        Command::Runs {
            target,
            limit,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let runs = ponte.sync_runs(&integration, limit)?;
            // `RunSummary` has no public path to name it by; its fields are public.
            show(output.json, &runs, |runs| {
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
                println!("{} runs", runs.len());
            });
            Ok(0)
        }
        Command::Capture {
            target,
            time_limit,
            output,
        } => {
            let (mut ponte, integration) = open_store(&target)?;
            let limits = ponte::capture::CaptureOptions {
                time_limit_seconds: time_limit,
            };
            let report = ponte.capture_orders_with(&integration, limits, &mut |_| true)?;
            show(output.json, &report, print_capture);
            Ok(if report.failures.is_empty() { 0 } else { 3 })
        }
        Command::Report {
            target,
            from,
            to,
            only,
            text,
            csv,
            csv_dialect,
            json,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let filter = ponte::capture::ReportFilter {
                from,
                to,
                state: only,
                text,
            };
            let rows = ponte.report(&integration, &filter)?;
            if json {
                println!("{}", to_json_pretty(&rows));
            } else if csv || csv_dialect.is_some() {
                print!(
                    "{}",
                    report_csv(&rows, csv_dialect == Some(CsvDialect::ExcelBr))
                );
            } else {
                print_report_table(&rows);
            }
            Ok(0)
        }
        Command::Confirm {
            target,
            order,
            erp_number,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let state = ponte.order_confirm(&integration, &order.order, &erp_number)?;
            show(output.json, &state, print_order_state);
            Ok(0)
        }
        Command::Reject {
            target,
            order,
            reason,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let state = ponte.order_reject(&integration, &order.order, &reason)?;
            show(output.json, &state, print_order_state);
            Ok(0)
        }
        Command::Retry {
            target,
            order,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let state = ponte.order_retry(&integration, &order.order)?;
            show(output.json, &state, print_order_state);
            Ok(0)
        }
        Command::Pending {
            target,
            limit,
            after,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let page = ponte.orders_pending(&integration, after.as_deref(), limit)?;
            show(output.json, &page, |p| print_pending(p, after.is_none()));
            Ok(0)
        }
        Command::Reservations { target, output } => {
            let (mut ponte, integration) = open_local(&target)?;
            let holds = ponte.reservations(&integration)?;
            show(output.json, &holds, |h| print_reservations(h));
            Ok(0)
        }
        Command::Integrations { state, output } => {
            let mut ponte = Ponte::open(&state.state)?;
            let all = ponte.integration_list()?;
            show(output.json, &all, |all| print_integrations(all));
            Ok(0)
        }
        Command::Customers { target, output } => {
            let (mut ponte, integration) = open_local(&target)?;
            let offers = ponte.customers_pending(&integration)?;
            show(output.json, &offers, |o| print_customers(o));
            Ok(0)
        }
        Command::CustomerConfirm {
            target,
            customer,
            erp_id,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let state = ponte.customer_confirm(&integration, &customer, &erp_id)?;
            show(output.json, &state, print_customer_state);
            Ok(0)
        }
        Command::Events { target, output } => {
            let (mut ponte, integration) = open_local(&target)?;
            let events = ponte.order_events(&integration)?;
            show(output.json, &events, |e| print_events(e));
            Ok(0)
        }
        Command::EventAck {
            target,
            event,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let acked = ponte.order_event_ack(&integration, event)?;
            show(output.json, &acked, print_event_acked);
            Ok(0)
        }
        Command::Fulfil {
            target,
            order,
            file,
            output,
        } => {
            let (mut ponte, integration) = open_local(&target)?;
            let value = ponte::model::json::parse_value(&read(&file)?, "fulfilment")?;
            let fulfilment = ponte::model::json::from_value(value, "fulfilment")?;
            let queued = ponte.order_fulfil(&integration, &order.order, fulfilment)?;
            show(output.json, &queued, print_fulfilment);
            Ok(0)
        }
        Command::Webhook {
            target,
            headers,
            body,
            output,
        } => {
            let (mut ponte, integration) = open_store(&target)?;
            let value = ponte::model::json::parse_value(&read(&headers)?, "headers")?;
            let headers: std::collections::BTreeMap<String, String> =
                ponte::model::json::from_value(value, "headers")?;
            let headers: Vec<(String, String)> = headers.into_iter().collect();
            let body = std::fs::read(&body)
                .map_err(|err| Failure::Io(format!("{}: {err}", body.display())))?;
            let receipt = ponte.webhook_ingest(&integration, &headers, &body)?;
            show(output.json, &receipt, |r| match &r.store_order_id {
                Some(id) => println!("{}: order {id}; the next capture reads it first", r.event),
                None => println!("{}: noted; nothing to capture", r.event),
            });
            Ok(0)
        }
        Command::Run { services, output } => {
            let mut ponte = open_services(&services)?;
            let report = ponte.run_due(None, &mut |_| true)?;
            show(output.json, &report, print_run_due);
            let failed = report.ran.iter().any(|r| r.outcome == "failed");
            Ok(if failed { 3 } else { 0 })
        }
        Command::Watch {
            services,
            every,
            json,
        } => watch(&services, every, json).map(|()| 0),
        Command::Jobs { services, output } => {
            let mut ponte = open_services(&services)?;
            let jobs = ponte.jobs(None)?;
            show(output.json, &jobs, |jobs| print_jobs(jobs));
            Ok(0)
        }
        Command::Health { services, output } => {
            let mut ponte = open_services(&services)?;
            let health = ponte.health(None)?;
            show(output.json, &health, print_health);
            // As monitoring plugins exit: 0 OK, 1 WARNING, 2 CRITICAL.
            Ok(match health.verdict {
                "ok" => 0,
                "warning" => 1,
                _ => 2,
            })
        }
        Command::IntegrationPut {
            state,
            config,
            output,
        } => {
            let mut ponte = Ponte::open(&state.state)?;
            let config = parse_config(&read(&config)?)?;
            let id = config.id.clone();
            ponte.integration_put(config)?;
            let view = ponte.integration_get(&id)?;
            show(output.json, &view, |view| {
                println!(
                    "integration {} put: {} at {}",
                    view.config.id,
                    view.config.platform.name(),
                    view.config.base_url
                )
            });
            Ok(0)
        }
        Command::CatalogPut {
            state,
            catalog,
            output,
        } => {
            let mut ponte = Ponte::open(&state.state)?;
            let summaries = load_catalog(&mut ponte, &catalog)?;
            if output.json {
                let object: serde_json::Map<String, serde_json::Value> = summaries
                    .iter()
                    .map(|(name, json)| {
                        let value = serde_json::from_str(json).unwrap_or_default();
                        (name.to_string(), value)
                    })
                    .collect();
                println!("{}", to_json_pretty(&object));
            } else {
                for (name, json) in &summaries {
                    println!("{name}: {}", json_line(json));
                }
            }
            Ok(0)
        }
        Command::CatalogGet {
            state,
            product,
            output,
        } => {
            let mut ponte = Ponte::open(&state.state)?;
            let found = ponte.catalog_get(&product_key(product))?;
            show(output.json, &found, print_catalog_product);
            Ok(0)
        }
    }
}

/// Runs what is due every `every` seconds until SIGINT or SIGTERM, which stop the running job
/// at its next safe boundary (its lease released) and then the loop.
fn watch(services: &args::Services, every: u64, json: bool) -> Result<(), Failure> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut ponte = open_services(services)?;
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    ctrlc::set_handler(move || on_signal.store(true, Ordering::SeqCst))
        .map_err(|err| Failure::Io(format!("cannot catch SIGINT and SIGTERM: {err}")))?;
    let stopping = || stop.load(Ordering::SeqCst);
    eprintln!("ponte watch: running what is due every {every} s; Ctrl+C or SIGTERM to stop");
    while !stopping() {
        let report = ponte.run_due(None, &mut |_| !stopping())?;
        if !(report.ran.is_empty() && report.skipped.is_empty()) {
            if json {
                println!("{}", to_json(&report));
            } else {
                print_run_due(&report);
            }
        }
        let mut waited = 0;
        while waited < every * 10 && !stopping() {
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        }
    }
    eprintln!("ponte watch: stopped");
    Ok(())
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|err| Failure::Io(format!("cannot read {}: {err}", path.display())))
}

/// Opens the state file and names the integration of a command that calls the store:
/// `--config FILE` puts it first (credentials from the file, else the environment);
/// `--integration ID` names one put before, credentials from the environment.
fn open_store(target: &args::StoreTarget) -> Result<(Ponte, String), Failure> {
    let source = &target.integration;
    open_integration(
        &target.state.state,
        source.config.as_deref(),
        source.integration.as_deref(),
    )
}

/// As `open_store`, for a command that never calls the store (report, confirm, pending...):
/// whatever credentials there are go unused, and none are needed.
fn open_local(target: &args::LocalTarget) -> Result<(Ponte, String), Failure> {
    let source = &target.integration;
    open_integration(
        &target.state.state,
        source.config.as_deref(),
        source.integration.as_deref(),
    )
}

fn open_integration(
    state: &Path,
    config: Option<&Path>,
    id: Option<&str>,
) -> Result<(Ponte, String), Failure> {
    let mut ponte = Ponte::open(state)?;
    let id = match (config, id) {
        (Some(path), _) => {
            let (id, in_file) = put_config_file(&mut ponte, path)?;
            if in_file {
                save_tokens_in(&mut ponte, [(id.clone(), path.to_path_buf())].into());
            }
            id
        }
        (None, Some(id)) => {
            let mut config = ponte.integration_get(id)?.config;
            if let Some(credentials) = credentials_from_env(id) {
                config.credentials = Some(credentials);
                ponte.integration_put(config)?;
            }
            id.to_string()
        }
        // clap's group requires one of the two.
        (None, None) => unreachable!("--config or --integration is required"),
    };
    Ok((ponte, id))
}

/// Puts the integration a config file describes, its credentials from the file (named on
/// stderr when others may read it) or else the environment; returns its id, and whether the
/// credentials came in the file.
fn put_config_file(ponte: &mut Ponte, path: &Path) -> Result<(String, bool), Failure> {
    let mut config = parse_config(&read(path)?)?;
    let in_file = config.credentials.is_some();
    if in_file {
        warn_if_readable_by_others(path);
    } else {
        config.credentials = credentials_from_env(&config.id);
    }
    let id = config.id.clone();
    ponte.integration_put(config)?;
    Ok((id, in_file))
}

/// Opens the state file and puts every `--config` given (one per integration).
fn open_services(services: &args::Services) -> Result<Ponte, Failure> {
    let mut ponte = Ponte::open(&services.state.state)?;
    let mut files = std::collections::BTreeMap::new();
    for path in &services.configs {
        if let (id, true) = put_config_file(&mut ponte, path)? {
            files.insert(id, path.clone());
        }
    }
    if !files.is_empty() {
        save_tokens_in(&mut ponte, files);
    }
    Ok(ponte)
}

/// Rotating tokens (Mercado Livre) are saved in the config file they came in, before Ponte uses
/// them: the file is rewritten whole beside itself, readable by its owner only, and renamed over
/// the old one, so a crash leaves the old pair or the new one, never half of each. Tokens given
/// in the environment have nowhere to be saved, so they are not refreshed (`ponte check` says).
fn save_tokens_in(
    ponte: &mut Ponte,
    files: std::collections::BTreeMap<String, std::path::PathBuf>,
) {
    let save = move |integration: &str, pair: &ponte::tokens::TokenPair| {
        let path = files
            .get(integration)
            .ok_or_else(|| format!("integration '{integration}' came from no config file"))?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut config: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(credentials) = config["credentials"].as_object_mut() else {
            return Err(format!(
                "{}: holds no credentials to replace",
                path.display()
            ));
        };
        if let serde_json::Value::Object(pair) = pair.to_credentials_json() {
            credentials.extend(pair);
        }
        let text = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
        let fresh = path.with_extension("json.new");
        write_private(&fresh, text.as_bytes())
            .and_then(|()| std::fs::rename(&fresh, path))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    ponte.set_credentials_callback(Some(std::sync::Arc::new(save)));
}

/// Writes a file only its owner may read, and waits for it to reach the disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// `PONTE_<ID>_CONSUMER_KEY`, `_CONSUMER_SECRET` or `_ACCESS_TOKEN` (and `_PROXY_USERNAME`,
/// `_PROXY_PASSWORD` for a proxy that asks for a login), the id in capitals with
/// anything else than letters and digits as `_`.
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
        app_secret: var("APP_SECRET"),
        client_id: var("CLIENT_ID"),
        client_secret: var("CLIENT_SECRET"),
        refresh_token: var("REFRESH_TOKEN"),
        access_token_expires_at: std::env::var(format!("PONTE_{prefix}_ACCESS_TOKEN_EXPIRES_AT"))
            .ok(),
        proxy_username: var("PROXY_USERNAME"),
        proxy_password: var("PROXY_PASSWORD"),
    };
    (credentials.consumer_key.is_some()
        || credentials.access_token.is_some()
        || credentials.refresh_token.is_some())
    .then_some(credentials)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            let path = path.display();
            eprintln!("warning: {path} holds credentials and others may read it; chmod 600 {path}");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Puts the catalog files given, categories first, then brands, products and stock; returns what
/// each changed, by name, as compact JSON (`("brands", r#"{"created":3,...}"#)`).
fn load_catalog(
    ponte: &mut Ponte,
    files: &args::Catalog,
) -> Result<Vec<(&'static str, String)>, Failure> {
    let mut summaries = Vec::new();
    if let Some(path) = &files.categories {
        let summary = ponte.catalog_put_categories(&catalog::parse_categories(&read(path)?)?)?;
        summaries.push(("categories", to_json(&summary)));
    }
    if let Some(path) = &files.brands {
        let summary = ponte.catalog_put_brands(&catalog::parse_brands(&read(path)?)?)?;
        summaries.push(("brands", to_json(&summary)));
    }
    if let Some(path) = &files.products {
        let summary = ponte.catalog_put_products(&catalog::parse_products(&read(path)?)?)?;
        summaries.push(("products", to_json(&summary)));
    }
    if let Some(path) = &files.stock {
        let summary = ponte.catalog_put_stock(&catalog::parse_stock(&read(path)?)?)?;
        summaries.push(("stock", to_json(&summary)));
    }
    Ok(summaries)
}

fn product_key(key: args::ProductKey) -> catalog::ProductKey {
    match (key.erp_id, key.sku) {
        (Some(id), _) => catalog::ProductKey::ErpId(id),
        (None, Some(sku)) => catalog::ProductKey::Sku(sku),
        // clap's group requires exactly one of the two.
        (None, None) => unreachable!("--erp-id or --sku is required"),
    }
}

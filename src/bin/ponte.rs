//! `ponte`: the command line, for cron jobs and for trying Ponte by hand.
//!
//! Exit codes: 0 success, 1 the operation failed (the message says why), 2 wrong usage.

use std::path::PathBuf;
use std::process::ExitCode;

use ponte::model::catalog::{self, ProductKey};
use ponte::model::config::parse_config;
use ponte::Ponte;

const USAGE: &str = "\
usage:
  ponte demo [--state FILE]
      load the sample integration and catalog into a state file and read them back
  ponte integration-put --state FILE CONFIG.json
  ponte catalog-put --state FILE [--brands FILE] [--products FILE] [--stock FILE]
  ponte catalog-get --state FILE (--erp-id ID | --sku SKU)

Every file is JSON in the shapes the README describes. Output of catalog-get is JSON.
Exit codes: 0 success, 1 the operation failed, 2 wrong usage.";

const SAMPLE_INTEGRATION: &str = include_str!("../../samples/integration.json");
const SAMPLE_BRANDS: &str = include_str!("../../samples/brands.json");
const SAMPLE_PRODUCTS: &str = include_str!("../../samples/products.json");
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
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

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage("no command given".into()));
    };
    let mut options = Options::parse(rest)?;
    match command.as_str() {
        "demo" => demo(options.take("--state").map(PathBuf::from)),
        "integration-put" => {
            let mut ponte = Ponte::open(options.state()?)?;
            let [config_path] = options.positional::<1>()?;
            ponte.integration_put(parse_config(&read(&config_path)?)?)?;
            println!("integration put");
            Ok(())
        }
        "catalog-put" => {
            let mut ponte = Ponte::open(options.state()?)?;
            if let Some(path) = options.take("--brands") {
                let summary = ponte.catalog_put_brands(&catalog::parse_brands(&read(&path)?)?)?;
                println!("brands: {}", to_json(&summary));
            }
            if let Some(path) = options.take("--products") {
                let summary =
                    ponte.catalog_put_products(&catalog::parse_products(&read(&path)?)?)?;
                println!("products: {}", to_json(&summary));
            }
            if let Some(path) = options.take("--stock") {
                let summary = ponte.catalog_put_stock(&catalog::parse_stock(&read(&path)?)?)?;
                println!("stock: {}", to_json(&summary));
            }
            options.positional::<0>()?;
            Ok(())
        }
        "catalog-get" => {
            let mut ponte = Ponte::open(options.state()?)?;
            let key = match (options.take("--erp-id"), options.take("--sku")) {
                (Some(id), None) => ProductKey::ErpId(id),
                (None, Some(sku)) => ProductKey::Sku(sku),
                _ => {
                    return Err(Failure::Usage(
                        "give exactly one of --erp-id and --sku".into(),
                    ))
                }
            };
            options.positional::<0>()?;
            println!("{}", to_json_pretty(&ponte.catalog_get(&key)?));
            Ok(())
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    }
}

/// The main job until product sync exists: a catalog round trip through a real state file.
fn demo(state: Option<PathBuf>) -> Result<(), Failure> {
    let state = state.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ponte-demo-{}.db", std::process::id()))
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", state.display()));
    }
    println!(
        "Ponte {} demo: a catalog round trip through {}\n",
        ponte::VERSION,
        state.display()
    );
    let mut ponte = Ponte::open(&state)?;

    ponte.integration_put(parse_config(SAMPLE_INTEGRATION)?)?;
    let view = ponte.integration_get("loja-virtual")?;
    println!(
        "1. Integration {:?} ({}) at {}: credentials held in memory only: {:?}",
        view.config.id,
        view.config.platform.name(),
        view.config.base_url,
        view.credentials_set
    );
    println!(
        "   order capture fetches {:?}, marks received as {:?}; EAN test filter {:?}",
        view.config.order_capture.fetch_statuses,
        view.config
            .order_capture
            .received_status
            .as_deref()
            .unwrap_or("-"),
        view.config.product_sync.only_eans
    );

    let brands = ponte.catalog_put_brands(&catalog::parse_brands(SAMPLE_BRANDS)?)?;
    let products = ponte.catalog_put_products(&catalog::parse_products(SAMPLE_PRODUCTS)?)?;
    println!(
        "2. Catalog loaded: brands {}, products {}",
        to_json(&brands),
        to_json(&products)
    );
    let again = ponte.catalog_put_products(&catalog::parse_products(SAMPLE_PRODUCTS)?)?;
    println!(
        "   the same products again change nothing: {}",
        to_json(&again)
    );

    let stock = ponte.catalog_put_stock(&catalog::parse_stock(SAMPLE_STOCK)?)?;
    println!("3. Stock fast path: {}", to_json(&stock));

    let bad = r#"[{"erp_id":"9001","name":"Chaleira","show_in_store":true,"sync_stock":true,
                  "variants":[{"sku":"CHA-01","price_cents":-500}]}]"#;
    let refused = catalog::parse_products(bad).and_then(|p| ponte.catalog_put_products(&p));
    if let Err(err) = refused {
        println!("4. A bad batch is refused whole, naming product and field:\n   {err}");
    }

    let retired = ponte.catalog_retire_products(&["3002".to_string()])?;
    println!("5. Product 3002 retired: {}", to_json(&retired));

    let shirt = ponte.catalog_get(&ProductKey::Sku("HER-CAM-AZ-M".into()))?;
    println!(
        "6. Read back by SKU HER-CAM-AZ-M:\n{}",
        to_json_pretty(&shirt)
    );
    println!(
        "\nState file kept at {} for a look with `ponte catalog-get --state ...`.",
        state.display()
    );
    Ok(())
}

struct Options {
    named: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, Failure> {
        let mut named = Vec::new();
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg.starts_with("--") {
                let value = iter
                    .next()
                    .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))?;
                named.push((arg.clone(), value.clone()));
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Options { named, positional })
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.named.iter().position(|(n, _)| n == name)?;
        Some(self.named.remove(index).1)
    }

    fn state(&mut self) -> Result<PathBuf, Failure> {
        self.take("--state")
            .map(PathBuf::from)
            .ok_or_else(|| Failure::Usage("--state FILE is required".into()))
    }

    /// The positional arguments, exactly `N` of them, once every named option has been taken.
    fn positional<const N: usize>(&mut self) -> Result<[String; N], Failure> {
        if let Some((name, _)) = self.named.first() {
            return Err(Failure::Usage(format!("unknown option {name}")));
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

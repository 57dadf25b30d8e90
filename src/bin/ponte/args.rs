//! The command line's grammar: every command, option and help text, as clap's derive API reads
//! them. `ponte help`, `ponte --help` and `ponte COMMAND --help` print what is written here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The paragraph after the top-level help: what a script can test.
const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 the operation failed (the message says why); 2 wrong usage; 3 the
command ran but found trouble: some products failed, are in doubt or in conflict (sync), the
checklist has a problem (check), an order could not be read (capture), a job failed (run).
`ponte health` exits 0 OK, 1 WARNING, 2 CRITICAL, as monitoring plugins do.

Every file is JSON in the shapes the README describes (samples/ holds working examples). Dates
are 2026-12-01, 01/12/2026 or RFC 3339 (2026-12-01T08:00:00-03:00). `ponte COMMAND --help`
tells more about each command.";

/// Ponte: keeps an ERP's catalog in step with its online stores and brings their orders back,
/// from cron, a service manager or by hand.
#[derive(Parser)]
#[command(
    name = "ponte",
    version,
    arg_required_else_help = true,
    max_term_width = 100,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs the main job against a sandbox store, to see Ponte work
    ///
    /// A WooCommerce sandbox store, the sample Brazilian catalog, a sync limited by the EAN test
    /// filter, then a full sync and the status of a skipped product; then shoppers' orders are
    /// captured, their customers registered, the orders confirmed, one invoiced and shipped, one
    /// cancelled by the merchant, and the integration report printed.
    Demo {
        /// The state file the demo fills and keeps [default: a new file in the temporary
        /// directory]
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },

    /// Checks an integration against its store, writing nothing
    ///
    /// The address answers, the key reads and writes, the store's version and what it can hold,
    /// and every order status the config names exists. Exits 3 when the checklist has a
    /// problem.
    Check {
        #[command(flatten)]
        target: StoreTarget,
        #[command(flatten)]
        output: Json,
    },

    /// Shows what a sync would do to each product, and why, writing nothing
    ///
    /// Reads the store to find products not linked yet; sends nothing.
    Plan {
        #[command(flatten)]
        target: StoreTarget,
        #[command(flatten)]
        sync: SyncFlags,
        #[command(flatten)]
        output: Json,
        #[command(flatten)]
        catalog: Catalog,
    },

    /// Syncs the catalog's products, prices and stock to the store
    ///
    /// Shows a progress bar on a terminal and nothing extra under cron. Exits 3 when some
    /// products failed, are in doubt or in conflict (the report lists them).
    Sync {
        #[command(flatten)]
        target: StoreTarget,
        #[command(flatten)]
        sync: SyncFlags,
        /// Compute and show the report without writing anything, to the store or the state file
        #[arg(long)]
        dry_run: bool,
        /// Stop at the first batch boundary after SECONDS; the run ends `partial` and the next
        /// one goes on where it stopped
        #[arg(long, value_name = "SECONDS", value_parser = seconds)]
        time_limit: Option<u64>,
        #[command(flatten)]
        output: Json,
        #[command(flatten)]
        catalog: Catalog,
    },

    /// Tells why a product is (not) in the store and what the next sync would do
    Status {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        product: ProductKey,
        #[command(flatten)]
        output: Json,
    },

    /// Lists the latest sync runs, newest first, with their counts
    Runs {
        #[command(flatten)]
        target: LocalTarget,
        /// How many runs to list
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        output: Json,
    },

    /// Captures the store's new and changed orders, and sends queued write-backs
    ///
    /// Each order is journaled once, its customer registered, the order validated and left
    /// pending for the ERP or rejected with its reasons; statuses, notes, invoices and tracking
    /// codes the ERP queued go out. Exits 3 when an order could not be read.
    Capture {
        #[command(flatten)]
        target: StoreTarget,
        /// Stop before the next request to the store once SECONDS have passed; what was read is
        /// kept and the next capture goes on from there
        #[arg(long, value_name = "SECONDS", value_parser = seconds)]
        time_limit: Option<u64>,
        #[command(flatten)]
        output: Json,
    },

    /// Prints the integration report ("Relatório de Integrações"), newest order first
    ///
    /// A table by default, CSV for a spreadsheet, or JSON.
    Report {
        #[command(flatten)]
        target: LocalTarget,
        /// Orders created on or after DATE: 2026-12-01, 01/12/2026 or an RFC 3339 time such as
        /// 2026-12-01T08:00:00-03:00 (a date alone is midnight UTC)
        #[arg(long, value_name = "DATE", value_parser = date)]
        from: Option<String>,
        /// Orders created before DATE, in the same formats as --from
        #[arg(long, value_name = "DATE", value_parser = date)]
        to: Option<String>,
        /// Only the orders in this state
        #[arg(long, value_name = "STATE", value_parser = [
            "pending", "confirmed", "rejected", "reserved", "failed", "cancelled",
        ])]
        only: Option<String>,
        /// Only the orders whose number, customer, document, ERP number or reasons contain TEXT
        /// (any case)
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        /// Print CSV (RFC 4180: `,` and a decimal point) instead of a table
        #[arg(long)]
        csv: bool,
        /// The CSV's dialect; implies --csv
        #[arg(long, value_name = "DIALECT", value_enum)]
        csv_dialect: Option<CsvDialect>,
        /// Print JSON instead of a table
        #[arg(long, conflicts_with_all = ["csv", "csv_dialect"])]
        json: bool,
    },

    /// Confirms an order as the ERP's sales order
    ///
    /// The ERP has the order as its sales order NUMBER; the return status is queued and the next
    /// capture writes it to the store.
    Confirm {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        order: Order,
        /// The ERP's number of the sales order
        #[arg(long, value_name = "NUMBER")]
        erp_number: String,
        #[command(flatten)]
        output: Json,
    },

    /// Rejects an order, with the reason the merchant reads
    ///
    /// The rejected status and a note with the reason are queued; the next capture writes them
    /// to the store.
    Reject {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        order: Order,
        /// Why, in words the merchant reads in the store's order notes
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        output: Json,
    },

    /// Validates a rejected order again, after its data was fixed
    ///
    /// The order is pending again if it passes, and still rejected, with its reasons, if not.
    Retry {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        order: Order,
        #[command(flatten)]
        output: Json,
    },

    /// Lists the orders waiting for the ERP to confirm or reject them, a page at a time
    ///
    /// Oldest first. When more orders wait than the page holds, the last line gives the cursor
    /// of the next page (with --json: `next`, null after the last page).
    Pending {
        #[command(flatten)]
        target: LocalTarget,
        /// How many orders to list, 1 to 1000 (0: 100)
        #[arg(long, value_name = "N", default_value_t = 0)]
        limit: u32,
        /// Start after this cursor, as the previous page printed it [default: the first order]
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
        #[command(flatten)]
        output: Json,
    },

    /// Lists the stock held for reservations and unconfirmed orders
    ///
    /// Product sync sends the stock left after these holds.
    Reservations {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        output: Json,
    },

    /// Lists the integrations the state file holds
    Integrations {
        #[command(flatten)]
        state: StateFile,
        #[command(flatten)]
        output: Json,
    },

    /// Lists the customers the ERP does not have yet, or not as they are now
    ///
    /// The customers of captured orders, accepted, rejected or reserved: register each, then
    /// `ponte customer-confirm`.
    Customers {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        output: Json,
    },

    /// Records the ERP's id of a customer it registered
    CustomerConfirm {
        #[command(flatten)]
        target: LocalTarget,
        /// Ponte's key of the customer, as `ponte customers` lists it
        #[arg(long, value_name = "KEY")]
        customer: String,
        /// The ERP's id of the customer
        #[arg(long, value_name = "ID")]
        erp_id: String,
        #[command(flatten)]
        output: Json,
    },

    /// Lists what happened to captured orders in the store, until acknowledged
    ///
    /// Cancellations, refunds, statuses the merchant set and changes made before confirmation;
    /// each stays listed until `ponte event-ack`.
    Events {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        output: Json,
    },

    /// Acknowledges an event the ERP has acted on; it is no longer listed
    EventAck {
        #[command(flatten)]
        target: LocalTarget,
        /// The event's id, as `ponte events` lists it
        #[arg(long, value_name = "ID")]
        event: i64,
        #[command(flatten)]
        output: Json,
    },

    /// Queues an order's invoice, tracking code and shipped status for the store
    ///
    /// The order must be confirmed; the next capture sends them, exactly once.
    Fulfil {
        #[command(flatten)]
        target: LocalTarget,
        #[command(flatten)]
        order: Order,
        /// The fulfilment: {"invoice": {"key": the NF-e's 44 digits, "number", "series",
        /// "issued_at": RFC 3339}, "tracking": {"code", "carrier"}, "status": the store status to
        /// set}; an invoice, a tracking code or both
        #[arg(value_name = "FULFILMENT.json")]
        file: PathBuf,
        #[command(flatten)]
        output: Json,
    },

    /// Takes in a webhook the store sent to the ERP's web endpoint, and only records it
    ///
    /// Nuvemshop: the signature is verified with the app secret (PONTE_<ID>_APP_SECRET, or the
    /// config's credentials.app_secret); an order event has the next capture read that order
    /// first, and makes the capture due now for `ponte run`. Exits 1 when the signature does
    /// not verify. Polling loses nothing without it.
    Webhook {
        #[command(flatten)]
        target: StoreTarget,
        /// The request's headers, a JSON object of strings, as the endpoint received them
        #[arg(long, value_name = "HEADERS.json")]
        headers: PathBuf,
        /// The request's body, byte for byte as received
        #[arg(long, value_name = "BODY")]
        body: PathBuf,
        #[command(flatten)]
        output: Json,
    },

    /// Runs what is due once, for cron or the Windows Task Scheduler
    ///
    /// Per integration: capture, then stock, then the full sync inside its daily window. Exits 3
    /// when a job failed.
    Run {
        #[command(flatten)]
        services: Services,
        #[command(flatten)]
        output: Json,
    },

    /// Runs what is due every few seconds, as a foreground service
    ///
    /// Runs until SIGINT or SIGTERM, which finish the current job at its next safe boundary and
    /// release its lease; then exits 0.
    Watch {
        #[command(flatten)]
        services: Services,
        /// Seconds between two rounds
        #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = seconds)]
        every: u64,
        /// Print each round that did something as one line of JSON
        #[arg(long)]
        json: bool,
    },

    /// Lists every job of every integration and when it is next due, running nothing
    Jobs {
        #[command(flatten)]
        services: Services,
        #[command(flatten)]
        output: Json,
    },

    /// Tells whether the integrations are healthy, for monitoring
    ///
    /// Per integration: the last success and failure of each job, the backlog and a verdict.
    /// Exits 0 OK, 1 WARNING, 2 CRITICAL, as monitoring plugins (Nagios, Zabbix) expect.
    Health {
        #[command(flatten)]
        services: Services,
        #[command(flatten)]
        output: Json,
    },

    /// Serves a WooCommerce sandbox store for rehearsal, until SIGINT or SIGTERM
    ///
    /// Prints the integration config to use against it on stdout (its test keys open nothing but
    /// this sandbox).
    Sandbox {
        /// The port on 127.0.0.1; 0 picks a free one
        #[arg(long, value_name = "N", default_value_t = 0)]
        port: u16,
        /// WooCommerce products the store starts with: a JSON array in the store's own shape
        /// (`ponte` gives an id to those without)
        #[arg(long, value_name = "FILE")]
        products: Option<PathBuf>,
    },

    /// Adds or replaces an integration in the state file
    ///
    /// Credentials are never stored: commands that call the store take them from --config or
    /// the environment.
    IntegrationPut {
        #[command(flatten)]
        state: StateFile,
        /// The integration's config (samples/integration.json)
        #[arg(value_name = "CONFIG.json")]
        config: PathBuf,
        #[command(flatten)]
        output: Json,
    },

    /// Puts categories, brands, products and stock levels in the catalog
    CatalogPut {
        #[command(flatten)]
        state: StateFile,
        #[command(flatten)]
        output: Json,
        #[command(flatten)]
        catalog: Catalog,
    },

    /// Shows one catalog product with its variants and stock
    CatalogGet {
        #[command(flatten)]
        state: StateFile,
        #[command(flatten)]
        product: ProductKey,
        #[command(flatten)]
        output: Json,
    },
}

/// The state file.
#[derive(Args)]
pub struct StateFile {
    /// The state file (SQLite), created if missing; one per ERP installation, beside its data
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
}

/// The state file and an integration of a command that calls the store.
#[derive(Args)]
pub struct StoreTarget {
    #[command(flatten)]
    pub state: StateFile,
    #[command(flatten)]
    pub integration: StoreIntegration,
}

/// The integration, for a command that calls the store: it needs credentials.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct StoreIntegration {
    /// Put the integration this file describes first, then use it. Credentials come from the
    /// file (keep it chmod 600) or else from PONTE_<ID>_CONSUMER_KEY and
    /// PONTE_<ID>_CONSUMER_SECRET (Nuvemshop: PONTE_<ID>_ACCESS_TOKEN and _APP_SECRET); they are never stored
    #[arg(long, value_name = "CONFIG.json")]
    pub config: Option<PathBuf>,
    /// Use an integration put before, by its id. Credentials come from
    /// PONTE_<ID>_CONSUMER_KEY and PONTE_<ID>_CONSUMER_SECRET (Nuvemshop:
    /// PONTE_<ID>_ACCESS_TOKEN and _APP_SECRET), <ID> in capitals with other characters as `_`
    #[arg(long, value_name = "ID")]
    pub integration: Option<String>,
}

/// The state file and an integration of a command that only reads or writes the state file.
#[derive(Args)]
pub struct LocalTarget {
    #[command(flatten)]
    pub state: StateFile,
    #[command(flatten)]
    pub integration: LocalIntegration,
}

/// The integration, for a command that never calls the store: no credentials needed.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct LocalIntegration {
    /// Put the integration this file describes first, then use it (credentials are not needed
    /// here: this command never calls the store)
    #[arg(long, value_name = "CONFIG.json")]
    pub config: Option<PathBuf>,
    /// Use an integration put before, by its id; no credentials needed, as this command never
    /// calls the store
    #[arg(long, value_name = "ID")]
    pub integration: Option<String>,
}

/// The state file and the integrations of the unattended commands.
#[derive(Args)]
pub struct Services {
    #[command(flatten)]
    pub state: StateFile,
    /// Put the integration this file describes first; repeat it, once per integration.
    /// Credentials come from the file (keep it chmod 600) or else from PONTE_<ID>_CONSUMER_KEY
    /// and PONTE_<ID>_CONSUMER_SECRET (Nuvemshop: PONTE_<ID>_ACCESS_TOKEN and _APP_SECRET); they are never stored
    #[arg(long = "config", value_name = "CONFIG.json", required = true)]
    pub configs: Vec<PathBuf>,
}

/// Catalog files put in the catalog before the command runs, in this order.
#[derive(Args)]
#[command(next_help_heading = "Catalog files (put before the command runs)")]
pub struct Catalog {
    /// Put these categories first: a JSON array of {"id", "name", "parent_id"}, a tree
    /// (samples/categories.json)
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// Put these brands first: a JSON array of {"id", "name", "show_in_electronic_order"}
    /// (samples/brands.json)
    #[arg(long, value_name = "FILE")]
    pub brands: Option<PathBuf>,
    /// Put these products first: a JSON array of products with their variants
    /// (samples/products.json)
    #[arg(long, value_name = "FILE")]
    pub products: Option<PathBuf>,
    /// Put these stock levels first: a JSON array of {"sku", "warehouse", "quantity"}
    /// (samples/stock.json)
    #[arg(long, value_name = "FILE")]
    pub stock: Option<PathBuf>,
}

/// What a plan or a sync covers.
#[derive(Args)]
pub struct SyncFlags {
    /// Only stock and prices that changed, for products already in the store: the frequent,
    /// cheap run (creates, other fields and hides wait for a full run)
    #[arg(long)]
    pub stock_only: bool,
    /// Send every enabled field of every product again, whatever was sent before
    #[arg(long)]
    pub full: bool,
}

/// One catalog product, by either key.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct ProductKey {
    /// The product's id in the ERP
    #[arg(long, value_name = "ID")]
    pub erp_id: Option<String>,
    /// The SKU of one of the product's variants
    #[arg(long, value_name = "SKU")]
    pub sku: Option<String>,
}

/// One captured order.
#[derive(Args)]
pub struct Order {
    /// The store's id of the order, as `ponte pending` and `ponte report` list it
    #[arg(long, value_name = "ID")]
    pub order: String,
}

/// JSON instead of the human table.
#[derive(Args)]
pub struct Json {
    /// Print JSON (the shapes of the README) instead of a table
    #[arg(long)]
    pub json: bool,
}

/// The CSV dialects of `ponte report`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvDialect {
    /// `,` between fields and a decimal point (RFC 4180)
    Rfc4180,
    /// `;` between fields, a decimal comma and a UTF-8 BOM, as a Brazilian Excel opens it
    ExcelBr,
}

/// A number of seconds, at least one (none leaves no time to do anything).
fn seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(seconds),
        _ => Err("give a whole number of seconds, 1 or more".into()),
    }
}

/// A report bound as the user types it: `2026-12-01`, `01/12/2026` or RFC 3339. Checked here so
/// that a wrong one is wrong usage that names the formats; the library reads the same forms.
fn date(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let full = match bytes.len() {
        10 if bytes[2] == b'/' && bytes[5] == b'/' => {
            format!("{}-{}-{}T00:00:00Z", &text[6..], &text[3..5], &text[..2])
        }
        10 => format!("{text}T00:00:00Z"),
        _ => text.to_string(),
    };
    match ponte::time::parse(&full) {
        Some(_) => Ok(text.to_string()),
        None => Err(
            "not a date: give 2026-12-01, 01/12/2026 or an RFC 3339 time such as \
             2026-12-01T08:00:00-03:00"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

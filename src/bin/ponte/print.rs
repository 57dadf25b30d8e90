//! What the commands print for people: tables and lines, and the report as CSV. `--json` prints
//! the library's own values instead (`to_json_pretty`).

use std::io::{IsTerminal, Write};

use ponte::sync::{Plan, ProductStatus, RunReport};

/// The width of the integration column: the longest id, and at least 10.
fn id_width<'a>(ids: impl Iterator<Item = &'a str>) -> usize {
    ids.map(|id| id.chars().count()).max().unwrap_or(0).max(10)
}

pub fn print_run_due(report: &ponte::unattended::RunDueReport) {
    let runs = || report.ran.iter().chain(&report.skipped);
    let width = id_width(runs().map(|run| run.integration.as_str()));
    for run in runs() {
        println!(
            "{:<width$} {:<10} {:<9} {:>6} ms  {}",
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

pub fn print_jobs(jobs: &[ponte::unattended::JobView]) {
    let width = id_width(jobs.iter().map(|job| job.integration.as_str()));
    for job in jobs {
        println!(
            "{:<width$} {:<10} next {:<21} {:<8} failures {}  {}",
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

/// A progress bar on stderr when it is a terminal; silent under cron.
pub fn progress_bar() -> impl FnMut(ponte::sync::SyncProgress) -> bool {
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

pub fn counts_line(counts: &std::collections::BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn print_plan(plan: &Plan) {
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
        print_reasons([&item.reasons, &item.not_supported, &item.removed_variants]);
    }
    print_categories(&plan.categories);
}

/// The ERP categories a plan or run had to find in the store, create, or go without.
fn print_categories(categories: &[ponte::sync::CategoryPlan]) {
    for category in categories {
        let mut line = format!("  category    {:<12} {}", category.action, category.path);
        if let Some(id) = &category.store_category_id {
            line.push_str(&format!(" (store category {id})"));
        }
        println!("{line}");
        if let Some(error) = &category.error {
            println!("              ! {error}");
        }
    }
}

pub fn print_check(check: &ponte::check::IntegrationCheck) {
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

pub fn print_report(report: &RunReport) {
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
        print_reasons([&item.reasons, &item.not_supported, &item.removed_variants]);
        if let Some(error) = &item.error {
            println!("              ! {} [{}]", error.message, error.code);
        }
    }
    print_categories(&report.categories);
}

pub fn print_status(status: &ProductStatus) {
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

pub fn money(cents: i64) -> String {
    ponte::model::money::format_cents(cents)
}

pub fn print_capture(report: &ponte::capture::CaptureReport) {
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
    println!(
        "{} new for the ERP; {} waiting for it in all (`ponte pending` lists them)",
        report.pending.len(),
        report.pending_total
    );
}

pub fn print_report_table(rows: &[ponte::capture::ReportRow]) {
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

/// The report as CSV: RFC 4180 (`,`, a decimal point), or `excel-br` for a Brazilian Excel,
/// which splits on `;`, reads a decimal comma and needs a BOM to take the file as UTF-8.
pub fn report_csv(rows: &[ponte::capture::ReportRow], excel_br: bool) -> String {
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

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|err| format!("<unprintable: {err}>"))
}

pub fn to_json_pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("<unprintable: {err}>"))
}

/// A summary's numbers in words, in the order of its fields: `created 1, updated 0,
/// unchanged 3`. Anything but a flat object of numbers stays JSON.
pub fn summary_line<T: serde::Serialize>(summary: &T) -> String {
    // The compact JSON keeps the fields' order, which a `serde_json::Value` would sort.
    json_line(&to_json(summary))
}

/// `summary_line` of a summary already written as compact JSON.
pub fn json_line(json: &str) -> String {
    let pairs: Option<Vec<(&str, &str)>> = json
        .strip_prefix('{')
        .and_then(|inner| inner.strip_suffix('}'))
        .filter(|inner| !inner.is_empty())
        .and_then(|inner| {
            inner
                .split(',')
                .map(|pair| {
                    let (name, value) = pair.split_once(':')?;
                    let name = name.strip_prefix('"')?.strip_suffix('"')?;
                    value.parse::<f64>().is_ok().then_some((name, value))
                })
                .collect()
        });
    match pairs {
        Some(pairs) => pairs
            .iter()
            .map(|(name, value)| format!("{} {value}", name.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", "),
        None => json.to_string(),
    }
}

/// One page of the pending list; `first` when it is the first page.
pub fn print_pending(page: &ponte::capture::PendingPage, first: bool) {
    let pending = &page.orders;
    for order in pending {
        let sales = &order.sales_order;
        println!(
            "order {:<8} {:<28} {:>10}  customer {}",
            order.number,
            sales["customer"]["name"].as_str().unwrap_or_default(),
            money(sales["total_cents"].as_i64().unwrap_or(0)),
            order.customer_key.as_deref().unwrap_or("-")
        );
    }
    match (&page.next, first) {
        (Some(next), _) => println!(
            "{} orders waiting for the ERP on this page; the next page: --after {next}",
            pending.len()
        ),
        (None, true) => println!("{} orders waiting for the ERP", pending.len()),
        (None, false) => println!(
            "{} orders waiting for the ERP on this page, the last",
            pending.len()
        ),
    }
}

pub fn print_reservations(holds: &[ponte::capture::Reservation]) {
    for hold in holds {
        println!(
            "{:>6} x {:<20} {:<12} order {}",
            hold.quantity, hold.sku, hold.kind, hold.store_order_id
        );
    }
    println!("{} holds", holds.len());
}

pub fn print_integrations(all: &[ponte::IntegrationView]) {
    for view in all {
        println!(
            "{:<16} {:<12} {}",
            view.config.id,
            view.config.platform.name(),
            view.config.base_url
        );
    }
}

pub fn print_customers(offers: &[ponte::capture::CustomerOffer]) {
    for offer in offers {
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

pub fn print_events(events: &[ponte::capture::OrderEvent]) {
    for event in events {
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

pub fn print_health(health: &ponte::unattended::Health) {
    for integration in &health.integrations {
        println!(
            "{}: {}",
            integration.integration,
            integration.verdict.to_uppercase()
        );
        for reason in &integration.reasons {
            println!("  - {reason}");
        }
        println!("  backlog: {}", summary_line(&integration.backlog));
    }
    println!("{}", health.verdict.to_uppercase());
}

/// An order after confirm, reject or retry.
pub fn print_order_state(state: &ponte::capture::OrderState) {
    let mut line = format!("order {}: {}", state.store_order_id, state.state);
    if let Some(number) = &state.erp_order_number {
        line.push_str(&format!(", ERP order {number}"));
    }
    println!("{line}");
    for reason in &state.reasons {
        println!("  - {} [{}]", reason.message, reason.code);
    }
}

pub fn print_customer_state(state: &ponte::capture::CustomerState) {
    println!(
        "customer {} is ERP customer {} (revision {})",
        state.customer_key, state.erp_customer_id, state.revision
    );
}

pub fn print_event_acked(event: &ponte::capture::OrderEvent) {
    println!(
        "event {} acknowledged: order {} {}",
        event.event_id, event.store_order_id, event.kind
    );
}

pub fn print_fulfilment(queued: &ponte::capture::FulfilmentQueued) {
    println!(
        "order {}: queued for the next capture",
        queued.store_order_id
    );
    if let Some(status) = &queued.status {
        println!("  status       {status}");
    }
    println!("  order meta   {}", queued.meta_keys.join(", "));
    println!("  shopper note {}", queued.customer_note);
}

pub fn print_catalog_product(found: &ponte::model::catalog::CatalogProduct) {
    let product = &found.product;
    println!("product {} {}", product.erp_id, product.name);
    println!(
        "  brand {}, shown in the store: {}, stock synced: {}, {}",
        product.brand_id.as_deref().unwrap_or("-"),
        if product.show_in_store { "yes" } else { "no" },
        if product.sync_stock { "yes" } else { "no" },
        product.currency
    );
    println!(
        "  updated {}{}",
        found.updated_at,
        found
            .retired_at
            .as_deref()
            .map(|at| format!(", retired {at}"))
            .unwrap_or_default()
    );
    println!(
        "  {:<16} {:<14} {:>10} {:>10}  stock",
        "SKU", "EAN", "price", "promo"
    );
    for variant in &product.variants {
        let price = |cents: Option<i64>| cents.map(money).unwrap_or_else(|| "-".into());
        let stock = match variant.stock_levels() {
            Some(levels) => levels
                .iter()
                .map(|(warehouse, quantity)| format!("{warehouse} {quantity}"))
                .collect::<Vec<_>>()
                .join(", "),
            None => "-".into(),
        };
        println!(
            "  {:<16} {:<14} {:>10} {:>10}  {stock}",
            variant.sku,
            variant.ean.as_deref().unwrap_or("-"),
            price(variant.price_cents),
            price(variant.promo_price_cents)
        );
    }
}

/// Why an item was skipped, what the store could not take and which variants went, one a line.
fn print_reasons(lists: [&[ponte::rules::Reason]; 3]) {
    for reason in lists.into_iter().flatten() {
        println!("              - {} [{}]", reason.message, reason.code);
    }
}

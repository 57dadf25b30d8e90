//! The JSON Schemas of every document that crosses the C interface, generated from the Rust types
//! that read and write them, so a schema cannot say one thing while the code does another.
//!
//! `include/schemas/` holds them as files for callers; `tests/schemas.rs` fails when a file
//! differs from what this table generates (`PONTE_UPDATE_SCHEMAS=1 cargo test --test schemas`
//! rewrites them) and validates real inputs and outputs against them. A schema gives a document's
//! shape; the rules beyond it (an EAN's check digit, a config's combinations) are Ponte's own and
//! come back as `PONTE_E_INVALID_DATA` or `PONTE_E_INVALID_CONFIG` with the JSON path.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::capture::{
    CaptureOptions, CaptureReport, CustomerOffer, CustomerState, Fulfilment, FulfilmentQueued,
    OrderEvent, OrderState, PendingPage, ReportFilter, ReportRow, Reservation,
};
use crate::check::IntegrationCheck;
use crate::model::catalog::{Brand, CatalogProduct, Category, Product, ProductKey, StockLevel};
use crate::model::config::IntegrationConfig;
use crate::store::catalog::{ProductsSummary, RetireSummary, StockSummary, UpsertSummary};
use crate::store::sync::RunSummary;
use crate::sync::{Plan, ProductStatus, RunReport, SyncOptions};
use crate::unattended::{Health, JobView, RunDueReport};
use crate::IntegrationView;

/// Whether a document goes into Ponte or comes out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// One schema: its file under `include/schemas/`, what it describes and where it is used.
pub struct SchemaDoc {
    /// The file name, such as `products.json`.
    pub file: &'static str,
    pub direction: Direction,
    /// The exports whose argument or output this is, as the header names them.
    pub used_by: &'static str,
    pub description: &'static str,
    generate: fn(&mut SchemaGenerator) -> Schema,
}

impl SchemaDoc {
    /// The schema as its file holds it: pretty JSON with a final newline.
    pub fn render(&self) -> String {
        // An input's schema says what Ponte reads (defaults make a field optional); an output's
        // says what it writes (a field skipped when empty is optional).
        let settings = SchemaSettings::draft2020_12();
        let settings = match self.direction {
            Direction::In => settings.for_deserialize(),
            Direction::Out => settings.for_serialize(),
        };
        let mut generator = settings.into_generator();
        let mut schema = (self.generate)(&mut generator);
        let object = schema.ensure_object();
        object.insert("title".into(), self.file.trim_end_matches(".json").into());
        object.insert(
            "description".into(),
            format!("{} Used by {}.", self.description, self.used_by).into(),
        );
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
        text.push('\n');
        text
    }
}

const fn doc<T: JsonSchema>(
    file: &'static str,
    direction: Direction,
    used_by: &'static str,
    description: &'static str,
) -> SchemaDoc {
    SchemaDoc {
        file,
        direction,
        used_by,
        description,
        generate: |generator| generator.root_schema_for::<T>(),
    }
}

use Direction::{In, Out};

/// Every schema, inputs first, in the order of the header.
pub const ALL: &[SchemaDoc] = &[
    doc::<Vec<Product>>(
        "products.json",
        In,
        "ponte_catalog_put_products",
        "A batch of the ERP's products with their variants, prices in cents and stock.",
    ),
    doc::<Vec<Brand>>(
        "brands.json",
        In,
        "ponte_catalog_put_brands",
        "A batch of the ERP's brands.",
    ),
    doc::<Vec<Category>>(
        "categories.json",
        In,
        "ponte_catalog_put_categories",
        "A batch of the ERP's product categories, a tree by parent_id.",
    ),
    doc::<Vec<StockLevel>>(
        "stock.json",
        In,
        "ponte_catalog_put_stock",
        "Stock levels by SKU and warehouse: the fast path.",
    ),
    doc::<Vec<String>>(
        "erp_ids.json",
        In,
        "ponte_catalog_retire_products",
        "The ERP ids of the products the ERP retired.",
    ),
    doc::<ProductKey>(
        "product_key.json",
        In,
        "ponte_catalog_get and ponte_product_status",
        "One product, by ERP id or by SKU.",
    ),
    doc::<IntegrationConfig>(
        "integration_config.json",
        In,
        "ponte_integration_put",
        "An integration: its store, credentials (never stored), rules, statuses and schedule.",
    ),
    doc::<SyncOptions>(
        "sync_options.json",
        In,
        "ponte_sync_plan and ponte_sync_products",
        "How a sync runs; {} for the defaults.",
    ),
    doc::<CaptureOptions>(
        "capture_options.json",
        In,
        "ponte_capture_orders_with",
        "How a capture runs; {} for the defaults.",
    ),
    doc::<Fulfilment>(
        "fulfilment.json",
        In,
        "ponte_order_fulfil",
        "A confirmed order's invoice, tracking and shipped status, for the store.",
    ),
    doc::<ReportFilter>(
        "report_filter.json",
        In,
        "ponte_report",
        "Which orders the integration report lists; {} for all.",
    ),
    doc::<crate::ffi::sandbox::Options>(
        "sandbox_options.json",
        In,
        "ponte_sandbox_start",
        "The sandbox store to start.",
    ),
    doc::<ProductsSummary>(
        "products_summary.json",
        Out,
        "ponte_catalog_put_products",
        "What a batch of products changed in the catalog.",
    ),
    doc::<UpsertSummary>(
        "brands_summary.json",
        Out,
        "ponte_catalog_put_brands",
        "What a batch of brands changed in the catalog.",
    ),
    doc::<UpsertSummary>(
        "categories_summary.json",
        Out,
        "ponte_catalog_put_categories",
        "What a batch of categories changed in the catalog.",
    ),
    doc::<StockSummary>(
        "stock_summary.json",
        Out,
        "ponte_catalog_put_stock",
        "What a batch of stock levels changed.",
    ),
    doc::<RetireSummary>(
        "retire_summary.json",
        Out,
        "ponte_catalog_retire_products",
        "What retiring products changed.",
    ),
    doc::<CatalogProduct>(
        "catalog_product.json",
        Out,
        "ponte_catalog_get",
        "A product as Ponte's catalog holds it.",
    ),
    doc::<IntegrationView>(
        "integration.json",
        Out,
        "ponte_integration_get",
        "An integration's config as stored, with the names of the credentials set.",
    ),
    doc::<Vec<IntegrationView>>(
        "integrations.json",
        Out,
        "ponte_integration_list",
        "Every integration, ordered by id.",
    ),
    doc::<IntegrationCheck>(
        "integration_check.json",
        Out,
        "ponte_integration_check",
        "The checklist of an integration against its store.",
    ),
    doc::<Plan>(
        "plan.json",
        Out,
        "ponte_sync_plan",
        "What a sync would do to each product.",
    ),
    doc::<RunReport>(
        "run_report.json",
        Out,
        "ponte_sync_products",
        "What a sync did to each product.",
    ),
    doc::<ProductStatus>(
        "product_status.json",
        Out,
        "ponte_product_status",
        "Why a product is (not) in the store, and what the next sync would do.",
    ),
    doc::<Vec<RunSummary>>(
        "sync_runs.json",
        Out,
        "ponte_sync_runs",
        "The latest sync runs, newest first.",
    ),
    doc::<CaptureReport>(
        "capture_report.json",
        Out,
        "ponte_capture_orders and ponte_capture_orders_with",
        "What a capture read, wrote back and handed to the ERP.",
    ),
    doc::<crate::capture::WebhookReceipt>(
        "webhook_receipt.json",
        Out,
        "ponte_webhook_ingest",
        "What became of a webhook: its event, the order it names, and whether a capture is due.",
    ),
    doc::<PendingPage>(
        "pending_orders.json",
        Out,
        "ponte_orders_pending",
        "One page of the orders waiting for the ERP, and the cursor of the next.",
    ),
    doc::<OrderState>(
        "order_state.json",
        Out,
        "ponte_order_confirm, ponte_order_reject and ponte_order_retry",
        "An order's state in Ponte after the ERP's answer.",
    ),
    doc::<Vec<CustomerOffer>>(
        "customers.json",
        Out,
        "ponte_customers_pending",
        "The customers of captured orders the ERP does not have yet, or not as they are now.",
    ),
    doc::<CustomerState>(
        "customer_state.json",
        Out,
        "ponte_customer_confirm",
        "A customer after the ERP registered it.",
    ),
    doc::<Vec<OrderEvent>>(
        "order_events.json",
        Out,
        "ponte_order_events",
        "What happened to captured orders in the store, oldest first, until acknowledged.",
    ),
    doc::<OrderEvent>(
        "order_event.json",
        Out,
        "ponte_order_event_ack",
        "One acknowledged event.",
    ),
    doc::<FulfilmentQueued>(
        "fulfilment_queued.json",
        Out,
        "ponte_order_fulfil",
        "What a fulfilment queued for the store.",
    ),
    doc::<Vec<Reservation>>(
        "reservations.json",
        Out,
        "ponte_reservations",
        "The stock reservations of orders awaiting payment.",
    ),
    doc::<Vec<ReportRow>>(
        "report.json",
        Out,
        "ponte_report",
        "The integration report, newest first.",
    ),
    doc::<RunDueReport>(
        "run_due_report.json",
        Out,
        "ponte_run_due",
        "The jobs that were due and what each did.",
    ),
    doc::<Vec<JobView>>(
        "jobs.json",
        Out,
        "ponte_jobs",
        "Every integration's jobs: when each last ran and when it is due.",
    ),
    doc::<Health>(
        "health.json",
        Out,
        "ponte_health",
        "OK, WARNING or CRITICAL, with the reasons.",
    ),
    doc::<crate::ffi::sandbox::Info>(
        "sandbox_info.json",
        Out,
        "ponte_sandbox_start",
        "Where the sandbox store listens and its keys.",
    ),
];

/// The schema of `file`, if there is one.
pub fn find(file: &str) -> Option<&'static SchemaDoc> {
    ALL.iter().find(|doc| doc.file == file)
}

//! A state file with a catalog and an integration pointing at a WooCommerce sandbox.

use std::sync::Arc;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::{RunReport, SyncOptions};
use ponte::Ponte;

use super::woo::TestClock;

pub struct Rig {
    pub ponte: Ponte,
    pub sandbox: WooSandbox,
    pub clock: Arc<TestClock>,
    pub _dir: tempfile::TempDir,
}

pub const BRANDS: &str = r#"[
  {"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true},
  {"id":"HERING","name":"Hering","show_in_electronic_order":true},
  {"id":"GENERICA","name":"Marca Genérica","show_in_electronic_order":false}
]"#;

pub fn product(erp_id: &str, sku: &str, ean: Option<&str>, price: i64, stock: i64) -> String {
    let ean = ean.map(|e| format!(r#","ean":"{e}""#)).unwrap_or_default();
    format!(
        r#"{{"erp_id":"{erp_id}","name":"Produto {erp_id}","brand_id":"TRAMONTINA","show_in_store":true,"sync_stock":true,
             "variants":[{{"sku":"{sku}"{ean},"price_cents":{price},"stock":{stock}}}]}}"#
    )
}

impl Rig {
    pub fn new() -> Rig {
        Rig::with(|_| {})
    }

    pub fn with(adjust: impl FnOnce(&mut ponte::model::config::IntegrationConfig)) -> Rig {
        Rig::on(WooSandbox::start().unwrap(), adjust)
    }

    /// A rig on a sandbox started some other way (another WooCommerce version, say).
    pub fn on(
        sandbox: WooSandbox,
        adjust: impl FnOnce(&mut ponte::model::config::IntegrationConfig),
    ) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let mut ponte = Ponte::open(dir.path().join("ponte.db")).unwrap();
        let clock = Arc::new(TestClock::default());
        ponte.set_clock(clock.clone());
        let mut config = sandbox.integration_config("loja");
        config.http.max_requests_per_second = 0;
        config.locale = ponte::model::config::Locale::En;
        adjust(&mut config);
        ponte.integration_put(config).unwrap();
        ponte
            .catalog_put_brands(&parse_brands(BRANDS).unwrap())
            .unwrap();
        Rig {
            ponte,
            sandbox,
            clock,
            _dir: dir,
        }
    }

    /// Checks the integration, as the first sync of a session would, and zeroes the store's
    /// counters: what a test counts next is the run's own requests.
    pub fn checked(&mut self) {
        let check = self.ponte.integration_check("loja").unwrap();
        assert!(check.ok, "{:#?}", check.items);
        self.sandbox.reset_counters();
    }

    pub fn put(&mut self, products: &[String]) {
        let json = format!("[{}]", products.join(","));
        self.ponte
            .catalog_put_products(&parse_products(&json).unwrap())
            .unwrap();
    }

    /// Puts products and returns the error, if the put failed.
    pub fn put_err(&mut self, products: &[String]) -> Option<ponte::Error> {
        let json = format!("[{}]", products.join(","));
        self.ponte
            .catalog_put_products(&parse_products(&json).unwrap())
            .err()
    }

    pub fn sync(&mut self) -> RunReport {
        self.sync_with(SyncOptions::default())
    }

    pub fn sync_with(&mut self, options: SyncOptions) -> RunReport {
        self.ponte
            .sync_products("loja", options, &mut |_| true)
            .unwrap()
    }

    pub fn count(report: &RunReport, key: &str) -> u64 {
        report.counts.get(key).copied().unwrap_or(0)
    }

    /// The store's products with this SKU (variations included).
    pub fn store_items(&self, sku: &str) -> Vec<serde_json::Value> {
        self.sandbox
            .products()
            .into_iter()
            .filter(|p| p["sku"] == sku)
            .collect()
    }
}

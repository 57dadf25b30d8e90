//! `Ponte`: the Rust API over one state file. The C ABI and the command line are thin layers
//! over these methods.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::model::catalog::{self, Brand, CatalogProduct, Product, ProductKey, StockLevel};
use crate::model::config::{Credentials, IntegrationConfig};
use crate::store::{self, Db, ProductsSummary, RetireSummary, StockSummary, UpsertSummary};

/// One open state file and the credentials given to it in this session.
///
/// Not `Sync`: one thread at a time. The C layer serializes calls on a handle with a mutex.
#[derive(Debug)]
pub struct Ponte {
    db: Db,
    /// Credentials live only in memory, by integration id: they are never written to the state
    /// file, so a copied file or a support ticket cannot leak them.
    credentials: HashMap<String, Credentials>,
}

/// An integration config as read back: the settings, the names of the credentials held in this
/// session (never their values) and when it was put.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationView {
    #[serde(flatten)]
    pub config: IntegrationConfig,
    pub credentials_set: Vec<&'static str>,
    pub created_at: String,
    pub updated_at: String,
}

impl Ponte {
    /// Opens the state file at `path`, creating it and its schema if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Ponte> {
        let db = Db::open(path.as_ref())?;
        log::info!(target: "ponte", "opened state file {}", db.path());
        Ok(Ponte {
            db,
            credentials: HashMap::new(),
        })
    }

    /// The path of the state file.
    pub fn path(&self) -> &str {
        self.db.path()
    }

    /// Adds or replaces an integration. Without `credentials`, the ones already given in this
    /// session are kept if the platform is the same.
    pub fn integration_put(&mut self, mut config: IntegrationConfig) -> Result<()> {
        config.validate()?;
        let credentials = config.credentials.take();
        let previous_platform = self
            .db
            .read(|tx| store::integrations::get(tx, &config.id))
            .ok()
            .map(|stored| stored.config.platform);
        self.db.write(|tx| store::integrations::put(tx, &config))?;
        match credentials {
            Some(credentials) => {
                self.credentials.insert(config.id.clone(), credentials);
            }
            None if previous_platform != Some(config.platform) => {
                self.credentials.remove(&config.id);
            }
            None => {}
        }
        log::info!(target: "ponte::config", "integration {} put ({})", config.id, config.platform.name());
        Ok(())
    }

    /// Reads an integration's settings back, without credential values.
    pub fn integration_get(&mut self, id: &str) -> Result<IntegrationView> {
        let stored = self.db.read(|tx| store::integrations::get(tx, id))?;
        Ok(self.view(stored))
    }

    /// Every integration, by id.
    pub fn integration_list(&mut self) -> Result<Vec<IntegrationView>> {
        let all = self.db.read(store::integrations::list)?;
        Ok(all.into_iter().map(|stored| self.view(stored)).collect())
    }

    /// Removes an integration and forgets its credentials.
    pub fn integration_remove(&mut self, id: &str) -> Result<()> {
        self.db.write(|tx| store::integrations::remove(tx, id))?;
        self.credentials.remove(id);
        log::info!(target: "ponte::config", "integration {id} removed");
        Ok(())
    }

    /// The credentials given for an integration in this session.
    pub fn credentials(&self, id: &str) -> Option<&Credentials> {
        self.credentials.get(id)
    }

    /// Upserts a batch of products in one transaction: one invalid product changes nothing.
    pub fn catalog_put_products(&mut self, products: &[Product]) -> Result<ProductsSummary> {
        catalog::validate_products(products)?;
        let summary = self
            .db
            .write(|tx| store::catalog::put_products(tx, products))?;
        log::debug!(target: "ponte::catalog", "products put: {summary:?}");
        Ok(summary)
    }

    /// Upserts a batch of brands in one transaction.
    pub fn catalog_put_brands(&mut self, brands: &[Brand]) -> Result<UpsertSummary> {
        catalog::validate_brands(brands)?;
        let summary = self.db.write(|tx| store::catalog::put_brands(tx, brands))?;
        log::debug!(target: "ponte::catalog", "brands put: {summary:?}");
        Ok(summary)
    }

    /// Sets a batch of stock levels in one transaction; every SKU must be in the catalog.
    pub fn catalog_put_stock(&mut self, levels: &[StockLevel]) -> Result<StockSummary> {
        catalog::validate_stock(levels)?;
        let summary = self.db.write(|tx| store::catalog::put_stock(tx, levels))?;
        log::debug!(target: "ponte::catalog", "stock put: {summary:?}");
        Ok(summary)
    }

    /// Marks products as retired by the ERP, in one transaction.
    pub fn catalog_retire_products(&mut self, erp_ids: &[String]) -> Result<RetireSummary> {
        catalog::validate_erp_ids(erp_ids)?;
        let summary = self
            .db
            .write(|tx| store::catalog::retire_products(tx, erp_ids))?;
        log::debug!(target: "ponte::catalog", "products retired: {summary:?}");
        Ok(summary)
    }

    /// Reads one product with its stock, by ERP id or SKU.
    pub fn catalog_get(&mut self, key: &ProductKey) -> Result<CatalogProduct> {
        key.validate()?;
        self.db.read(|tx| store::catalog::get_product(tx, key))
    }

    fn view(&self, stored: store::StoredIntegration) -> IntegrationView {
        let credentials_set = self
            .credentials
            .get(&stored.config.id)
            .map(Credentials::names)
            .unwrap_or_default();
        IntegrationView {
            config: stored.config,
            credentials_set,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

//! `Ponte`: the Rust API over one state file. The C ABI and the command line are thin layers
//! over these methods.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::capture::{
    CaptureOptions, CaptureProgress, CaptureReport, CustomerOffer, CustomerState, Fulfilment,
    FulfilmentQueued, OrderEvent, OrderState, PendingPage, ReportFilter, ReportRow, Reservation,
    WebhookReceipt,
};
use crate::check::IntegrationCheck;
use crate::error::{Error, Result};
use crate::model::catalog::{
    self, Brand, CatalogProduct, Category, Product, ProductKey, StockLevel,
};
use crate::model::config::{Credentials, IntegrationConfig, PlatformKind};
use crate::platform::http::{Clock, SystemClock};
use crate::platform::mercadolivre::MercadoLivre;
use crate::platform::nuvemshop::Nuvemshop;
use crate::platform::woocommerce::WooCommerce;
use crate::platform::Platform;
use crate::store::lease::Lease;
use crate::store::sync::RunSummary;
use crate::store::{self, Db, ProductsSummary, RetireSummary, StockSummary, UpsertSummary};
use crate::sync::{Plan, ProductStatus, RunReport, SyncOptions, SyncProgress};

/// One open state file and the credentials given to it in this session.
///
/// Not `Sync`: one thread at a time. The C layer serializes calls on a handle with a mutex.
pub struct Ponte {
    db: Db,
    /// Credentials live only in memory, by integration id: they are never written to the state
    /// file, so a copied file or a support ticket cannot leak them.
    credentials: HashMap<String, Credentials>,
    /// Connected stores by integration id, kept so their connection pools serve the next call;
    /// dropped whenever the integration's config changes.
    platforms: HashMap<String, Box<dyn Platform>>,
    /// The check each connected store passed in this session; dropped with the connection.
    checks: HashMap<String, IntegrationCheck>,
    clock: Arc<dyn Clock>,
    /// This handle's id in run leases.
    holder: String,
    /// Where a refreshed token pair goes before it is used (the host's keeping).
    save_credentials: Option<crate::tokens::SaveCredentials>,
    /// The token generation each integration's rotating pair was put at.
    token_generations: HashMap<String, i64>,
}

impl std::fmt::Debug for Ponte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ponte")
            .field("db", &self.db)
            .field(
                "integrations_with_credentials",
                &self.credentials.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// An integration config as read back: the settings, the names of the credentials held in this
/// session (never their values) and when it was put.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
            platforms: HashMap::new(),
            checks: HashMap::new(),
            clock: Arc::new(SystemClock),
            holder: crate::platform::oauth::nonce(),
            save_credentials: None,
            token_generations: HashMap::new(),
        })
    }

    /// Sets where a refreshed token pair (Mercado Livre's rotate at every refresh) is handed
    /// before Ponte uses it: the host saves it where it keeps credentials, and returns an error
    /// when it could not. Without one, Ponte cannot refresh, and says so.
    pub fn set_credentials_callback(&mut self, save: Option<crate::tokens::SaveCredentials>) {
        self.save_credentials = save;
        self.platforms.clear();
        self.checks.clear();
    }

    /// The path of the state file.
    pub fn path(&self) -> &str {
        self.db.path()
    }

    /// Adds or replaces an integration. Without `credentials`, the ones already given in this
    /// session are kept if the platform is the same.
    pub fn integration_put(&mut self, mut config: IntegrationConfig) -> Result<()> {
        config.validate()?;
        if let Some(pem) = &config.http.trusted_ca_pem {
            crate::platform::http::trusted_roots(pem)?;
        }
        let credentials = config.credentials.take();
        let previous_platform = self
            .db
            .read(|tx| store::integrations::get(tx, &config.id))
            .ok()
            .map(|stored| stored.config.platform);
        self.db.write(|tx| store::integrations::put(tx, &config))?;
        self.disconnect(&config.id);
        match credentials {
            Some(credentials) => {
                if config.platform == PlatformKind::Mercadolivre {
                    let generation = crate::tokens::credentials_put(&mut self.db, &config.id)?;
                    self.token_generations.insert(config.id.clone(), generation);
                }
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
        self.disconnect(id);
        log::info!(target: "ponte::config", "integration {id} removed");
        Ok(())
    }

    /// The credentials given for an integration in this session.
    pub fn credentials(&self, id: &str) -> Option<&Credentials> {
        self.credentials.get(id)
    }

    /// Checks an integration against its store, writing nothing: the address answers, the key
    /// reads and writes, what the store can hold, and every status the config names exists.
    /// Store problems are lines of the checklist, not errors.
    pub fn integration_check(&mut self, integration: &str) -> Result<IntegrationCheck> {
        let config = self.integration_config(integration)?;
        self.connect(&config)?;
        let (check, _) = self.run_check(&config)?;
        Ok(check)
    }

    /// Upserts a batch of products in one transaction: one invalid product changes nothing.
    /// Picture files are read (size-checked, their SHA-256 recorded) before the transaction.
    pub fn catalog_put_products(&mut self, products: &[Product]) -> Result<ProductsSummary> {
        catalog::validate_products(products)?;
        let has_files = products.iter().any(|p| {
            p.images
                .iter()
                .chain(p.variants.iter().flat_map(|v| &v.images))
                .any(|i| i.file.is_some())
        });
        let mut with_digests;
        let (products, reads) = if has_files {
            with_digests = products.to_vec();
            let reads = crate::pictures::fill_digests(&mut self.db, &mut with_digests)?;
            (&with_digests[..], reads)
        } else {
            (products, Vec::new())
        };
        let mut summary = self.db.write(|tx| {
            crate::pictures::remember(tx, &reads)?;
            store::catalog::put_products(tx, products)
        })?;
        summary.pictures_read = reads.len() as u64;
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

    /// Upserts a batch of categories in one transaction. Each parent must be in the batch or
    /// the catalog already, and no category may end up inside itself.
    pub fn catalog_put_categories(&mut self, categories: &[Category]) -> Result<UpsertSummary> {
        catalog::validate_categories(categories)?;
        let label = |id: &str| {
            let index = categories.iter().position(|c| c.id == id);
            match index {
                Some(i) => format!("categories[{i}] (id {id:?})"),
                None => format!("the catalog's category {id:?}"),
            }
        };
        let summary = self
            .db
            .write(|tx| store::categories::put(tx, categories, label))?;
        log::debug!(target: "ponte::catalog", "categories put: {summary:?}");
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

    /// The plan of a product sync: for every catalog product, what a sync would do and why.
    /// Looks products not yet linked up in the store (reads only); writes nothing.
    pub fn sync_plan(&mut self, integration: &str, options: SyncOptions) -> Result<Plan> {
        self.with_store(integration, |db, config, platform, _| {
            crate::sync::plan(db, config, platform, options)
        })
    }

    /// Syncs products to the integration's store. `progress` is called after each batch with
    /// how many writes are done; returning `false` cancels at that batch boundary.
    pub fn sync_products(
        &mut self,
        integration: &str,
        options: SyncOptions,
        progress: &mut dyn FnMut(SyncProgress) -> bool,
    ) -> Result<RunReport> {
        if options.time_limit_seconds == Some(0) {
            return Err(Error::invalid_data(
                "options.time_limit_seconds",
                "0 s leaves no time to sync anything; give at least 1, or none",
            ));
        }
        let clock = self.clock.clone();
        self.with_store(integration, |db, config, platform, holder| {
            let clock = clock.as_ref();
            if options.dry_run {
                return crate::sync::run(db, config, platform, options, None, clock, progress);
            }
            // Two runs at once would push the same writes twice; the second is refused.
            Lease::hold(db, integration, "sync", holder, |db, lease| {
                crate::sync::run(db, config, platform, options, Some(lease), clock, progress)
            })
        })
    }

    /// Why a product is (not) in the integration's store, and what the next sync would do.
    pub fn product_status(&mut self, integration: &str, key: &ProductKey) -> Result<ProductStatus> {
        key.validate()?;
        let config = self.integration_config(integration)?;
        crate::sync::status(&mut self.db, &config, key)
    }

    /// The latest sync runs of an integration, newest first, with counts per outcome.
    pub fn sync_runs(&mut self, integration: &str, limit: u32) -> Result<Vec<RunSummary>> {
        self.integration_config(integration)?;
        self.db.read(|tx| store::sync::runs(tx, integration, limit))
    }

    /// Captures orders from the integration's store: journals each once, registers its customer,
    /// validates it, holds stock for reservations and unconfirmed orders, flushes queued
    /// write-backs, and returns the orders that became pending in this capture with the count of
    /// every order pending (the list itself: `orders_pending`).
    pub fn capture_orders(&mut self, integration: &str) -> Result<CaptureReport> {
        self.capture_orders_with(integration, CaptureOptions::default(), &mut |_| true)
    }

    /// Captures orders as `capture_orders` does, within a time limit, with a progress callback
    /// asked before each request to the store: returning `false` cancels there. Either way the
    /// capture stops at a committed page, says why in `unfinished`, and the next one goes on.
    pub fn capture_orders_with(
        &mut self,
        integration: &str,
        options: CaptureOptions,
        progress: &mut dyn FnMut(CaptureProgress) -> bool,
    ) -> Result<CaptureReport> {
        let clock = self.clock.clone();
        self.with_store(integration, |db, config, platform, holder| {
            // Two captures at once would write the same statuses and notes back twice.
            Lease::hold(db, integration, "capture", holder, |db, lease| {
                crate::capture::capture(
                    db,
                    config,
                    platform,
                    lease,
                    options,
                    clock.as_ref(),
                    progress,
                )
            })
        })
    }

    /// Takes in a webhook the store sent to the ERP's own endpoint: `headers` as received (names
    /// in any case), `body` the raw bytes. The signature is verified with the integration's
    /// `credentials.app_secret`; an order event records the order for the next capture to read
    /// by id first and makes the capture job due now. Nothing is asked of the store, so the
    /// endpoint can answer within the platform's deadline. Optional: polling alone loses nothing.
    pub fn webhook_ingest(
        &mut self,
        integration: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<WebhookReceipt> {
        let config = self.integration_config(integration)?;
        let credentials = self.credentials.get(integration);
        crate::capture::webhook_ingest(&mut self.db, &config, credentials, headers, body)
    }

    /// One page of the orders waiting for the ERP to confirm or reject them, in the order they
    /// were first journaled; no request to the store. `after` is the `next` cursor of the
    /// previous page (`None`: from the first); `limit` is the page size, 1 to
    /// `PENDING_PAGE_MAX` (1000), or 0 for `PENDING_PAGE_DEFAULT` (100). Only the page is read,
    /// however many orders wait. Orders confirmed or rejected between two pages make no other
    /// one skipped or repeated. A bad `limit` or `after` is `Error::InvalidArgument` naming it.
    pub fn orders_pending(
        &mut self,
        integration: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<PendingPage> {
        self.integration_config(integration)?;
        crate::capture::orders_pending(&mut self.db, integration, after, limit)
    }

    /// The ERP has the order as its sales order `erp_order_number`; the return status is queued.
    pub fn order_confirm(
        &mut self,
        integration: &str,
        store_order_id: &str,
        erp_order_number: &str,
    ) -> Result<OrderState> {
        let config = self.integration_config(integration)?;
        crate::capture::confirm(&mut self.db, &config, store_order_id, erp_order_number)
    }

    /// The ERP refuses the order; the rejected status and a note with `reason` are queued.
    pub fn order_reject(
        &mut self,
        integration: &str,
        store_order_id: &str,
        reason: &str,
    ) -> Result<OrderState> {
        let config = self.integration_config(integration)?;
        crate::capture::reject(&mut self.db, &config, store_order_id, reason)
    }

    /// Validates a rejected order again after the data was fixed; pending again if it passes.
    pub fn order_retry(&mut self, integration: &str, store_order_id: &str) -> Result<OrderState> {
        let config = self.integration_config(integration)?;
        crate::capture::retry(&mut self.db, &config, store_order_id)
    }

    /// The customers of captured orders (accepted, rejected or reserved) the ERP does not have
    /// yet, or not as they are now; no request to the store.
    pub fn customers_pending(&mut self, integration: &str) -> Result<Vec<CustomerOffer>> {
        self.integration_config(integration)?;
        crate::capture::customers_pending(&mut self.db, integration)
    }

    /// The ERP registered the customer `customer_key` as `erp_customer_id`.
    pub fn customer_confirm(
        &mut self,
        integration: &str,
        customer_key: &str,
        erp_customer_id: &str,
    ) -> Result<CustomerState> {
        self.integration_config(integration)?;
        crate::capture::customer_confirm(&mut self.db, integration, customer_key, erp_customer_id)
    }

    /// What happened to captured orders in the store since (cancellations, statuses the merchant
    /// set, changes before confirmation), until the ERP acknowledges each; no request to the store.
    pub fn order_events(&mut self, integration: &str) -> Result<Vec<OrderEvent>> {
        self.integration_config(integration)?;
        crate::capture::order_events(&mut self.db, integration)
    }

    /// The ERP has acted on the event.
    pub fn order_event_ack(&mut self, integration: &str, event_id: i64) -> Result<OrderEvent> {
        self.integration_config(integration)?;
        crate::capture::order_event_ack(&mut self.db, integration, event_id)
    }

    /// The ERP invoiced and shipped a confirmed order: its shipped status, invoice and tracking
    /// code are queued for the store, and sent by the next capture exactly once.
    pub fn order_fulfil(
        &mut self,
        integration: &str,
        store_order_id: &str,
        fulfilment: Fulfilment,
    ) -> Result<FulfilmentQueued> {
        let config = self.integration_config(integration)?;
        crate::capture::fulfil(&mut self.db, &config, store_order_id, fulfilment)
    }

    /// Stock held by the integration's reservations and unconfirmed orders.
    pub fn reservations(&mut self, integration: &str) -> Result<Vec<Reservation>> {
        self.integration_config(integration)?;
        crate::capture::reservations(&mut self.db, integration)
    }

    /// The integration report ("Relatório de Integrações"), newest first.
    pub fn report(&mut self, integration: &str, filter: &ReportFilter) -> Result<Vec<ReportRow>> {
        self.integration_config(integration)?;
        crate::capture::report(&mut self.db, integration, filter)
    }

    /// Caps the state file's size as a full disk would (`None` lifts the cap). For tests.
    #[doc(hidden)]
    pub fn limit_state_file_pages(&mut self, pages: Option<u32>) -> Result<()> {
        self.db.limit_pages(pages)
    }

    /// Replaces how retries and rate limits wait; tests record the waits instead of sleeping.
    #[doc(hidden)]
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
        self.platforms.clear();
        self.checks.clear();
    }

    /// The state file, for the other rooms that add methods to `Ponte` (`unattended`).
    pub(crate) fn db_mut(&mut self) -> &mut Db {
        &mut self.db
    }

    fn integration_config(&mut self, id: &str) -> Result<IntegrationConfig> {
        Ok(self.db.read(|tx| store::integrations::get(tx, id))?.config)
    }

    /// Runs `work` with the state file, the integration's config, its connected store and this
    /// handle's lease id. The store is checked first, once per session: a run does not start on
    /// a key that cannot write or a status the store does not have.
    fn with_store<T>(
        &mut self,
        integration: &str,
        work: impl FnOnce(&mut Db, &IntegrationConfig, &dyn Platform, &str) -> Result<T>,
    ) -> Result<T> {
        let config = self.integration_config(integration)?;
        // A state file deleted or replaced under this handle: nothing is sent to the store.
        self.db.verify()?;
        self.connect(&config)?;
        if !self.checks.contains_key(integration) {
            let (_, asked) = self.run_check(&config)?;
            asked?;
        }
        if let Some(refusal) = self
            .checks
            .get(integration)
            .and_then(IntegrationCheck::refusal)
        {
            return Err(refusal);
        }
        let platform = self
            .platforms
            .get(integration)
            .map(Box::as_ref)
            .ok_or_else(|| Error::IntegrationNotFound(integration.into()))?;
        work(&mut self.db, &config, platform, &self.holder)
    }

    /// Checks a connected integration's store. When the store could be asked, the check is
    /// kept for this session and what it found is written to the state file; otherwise the
    /// store's error comes back beside the checklist.
    fn run_check(&mut self, config: &IntegrationConfig) -> Result<(IntegrationCheck, Result<()>)> {
        let platform = self
            .platforms
            .get(&config.id)
            .map(Box::as_ref)
            .ok_or_else(|| Error::IntegrationNotFound(config.id.clone()))?;
        let (check, facts) = crate::check::check(config, platform);
        let asked = match facts {
            Ok(facts) => {
                self.db
                    .write(|tx| store::integrations::put_store_facts(tx, &config.id, &facts))?;
                self.checks.insert(config.id.clone(), check.clone());
                Ok(())
            }
            Err(error) => {
                self.checks.remove(&config.id);
                Err(error)
            }
        };
        Ok((check, asked))
    }

    /// Forgets the connection to an integration's store and the check it passed.
    fn disconnect(&mut self, integration: &str) {
        self.platforms.remove(integration);
        self.checks.remove(integration);
    }

    /// Connects to the integration's store once; later calls reuse the connection.
    fn connect(&mut self, config: &IntegrationConfig) -> Result<()> {
        if self.platforms.contains_key(&config.id) {
            return Ok(());
        }
        let credentials = self.credentials.get(&config.id);
        let platform: Box<dyn Platform> = match config.platform {
            PlatformKind::Woocommerce => Box::new(WooCommerce::connect(
                config,
                credentials,
                self.clock.clone(),
            )?),
            PlatformKind::Nuvemshop => {
                Box::new(Nuvemshop::connect(config, credentials, self.clock.clone())?)
            }
            PlatformKind::Mercadolivre => {
                let tokens = self.rotating(config)?;
                Box::new(MercadoLivre::connect(
                    config,
                    Arc::new(tokens),
                    self.clock.clone(),
                )?)
            }
        };
        self.platforms.insert(config.id.clone(), platform);
        Ok(())
    }

    /// The rotating tokens of a Mercado Livre integration, from the credentials of this session.
    fn rotating(&mut self, config: &IntegrationConfig) -> Result<crate::tokens::Rotating> {
        let missing = || {
            Error::Auth(format!(
                "integration '{}': no client_id, client_secret and refresh_token in this session; put the config again with its credentials",
                config.id
            ))
        };
        let credentials = self.credentials.get(&config.id).ok_or_else(missing)?;
        let (Some(client_id), Some(client_secret), Some(refresh_token)) = (
            &credentials.client_id,
            &credentials.client_secret,
            &credentials.refresh_token,
        ) else {
            return Err(missing());
        };
        let proxy_login = credentials
            .proxy_username
            .as_ref()
            .map(|user| (user, credentials.proxy_password.as_ref()));
        let http = crate::platform::http::HttpClient::new(
            &config.base_url,
            config.allow_http,
            crate::platform::http::Auth::None,
            config.http.clone(),
            proxy_login,
            self.clock.clone(),
        )?;
        let pair = crate::tokens::TokenPair {
            access_token: credentials.access_token.clone(),
            refresh_token: refresh_token.clone(),
            expires_at: credentials
                .access_token_expires_at
                .as_deref()
                .and_then(crate::time::parse),
        };
        let (client_id, client_secret) = (client_id.clone(), client_secret.clone());
        let generation = match self.token_generations.get(&config.id) {
            Some(generation) => *generation,
            None => crate::tokens::credentials_put(&mut self.db, &config.id)?,
        };
        Ok(crate::tokens::Rotating::new(crate::tokens::RotatingSetup {
            integration: config.id.clone(),
            state_path: std::path::PathBuf::from(self.db.path()),
            holder: self.holder.clone(),
            http,
            client_id,
            client_secret,
            pair,
            generation,
            save: self.save_credentials.clone(),
            clock: self.clock.clone(),
        }))
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

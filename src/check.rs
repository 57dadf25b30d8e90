//! The integration check: before anything is written, is the store there, does the key work,
//! what can the store hold, and does every status the integration names exist in it?
//!
//! The ERP's guide tells the merchant to compare the statuses with the store's admin by hand;
//! a status the store does not know makes WooCommerce coerce a write-back to `pending` and
//! refuse every listing. Ponte asks the store instead. Sync and capture run the check once per
//! session and integration and refuse to start on what would go wrong; what the store cannot
//! hold (a brand before WooCommerce 9.6, an EAN before 9.2) is kept so every plan can say so.

use serde::{Deserialize, Serialize};

use crate::error::{ConfigProblem, Error, Result};
use crate::model::config::{IntegrationConfig, SyncField};
use crate::platform::{Capabilities, OrderStatus, Platform, StoreProbe};

/// What a check found out about a store, kept in the state file for plans made without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoreFacts {
    pub software: String,
    pub version: Option<String>,
    pub currency: Option<String>,
    /// The store keeps a brand on products.
    pub brands: bool,
    /// The store keeps an EAN/GTIN on products and finds them by it.
    pub gtin: bool,
    /// Most items Ponte sends in one write request (halved when the store refuses as many).
    pub max_batch: usize,
    /// Every order status the store has registered; `None` when it would not say.
    pub order_statuses: Option<Vec<OrderStatus>>,
    /// When the check ran, UTC.
    pub checked_at: String,
}

impl StoreFacts {
    fn new(probe: &StoreProbe) -> StoreFacts {
        StoreFacts {
            software: probe.software.to_string(),
            version: probe.version.clone(),
            currency: probe.currency.clone(),
            brands: probe.capabilities.brands,
            gtin: probe.capabilities.gtin,
            max_batch: probe.capabilities.max_batch,
            order_statuses: probe.order_statuses.clone(),
            checked_at: crate::time::format_rfc3339(crate::time::now_unix()),
        }
    }

    /// `WooCommerce 10.0.2`, or the software alone.
    fn describe(&self) -> String {
        match &self.version {
            Some(version) => format!("{} {version}", self.software),
            None => self.software.clone(),
        }
    }

    /// Narrows a platform's capabilities to these facts.
    pub fn narrow(&self, capabilities: &mut Capabilities) {
        capabilities.brands &= self.brands;
        capabilities.gtin &= self.gtin;
    }
}

/// A text in both of Ponte's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Text {
    pub pt_br: String,
    pub en: String,
}

fn text(pt_br: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        pt_br: pt_br.into(),
        en: en.into(),
    }
}

/// How one item of the checklist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Ok,
    /// Works, but something will not be done (a field the store cannot hold).
    Warning,
    /// Something will go wrong until it is fixed.
    Problem,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CheckItem {
    /// `address`, `credentials`, `write`, `version`, `brands`, `ean`, `batch`, `currency` or
    /// `status`.
    pub item: &'static str,
    /// The setting the item is about, such as `order_capture.fetch_statuses[0]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub status: ItemStatus,
    pub message: Text,
    /// What to do about it, for a warning or a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Text>,
}

/// The checklist of an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IntegrationCheck {
    pub integration: String,
    /// No item is a problem.
    pub ok: bool,
    /// What the store is and can do; absent when it could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreFacts>,
    pub items: Vec<CheckItem>,
    /// Requests made to the store.
    pub requests: u64,
}

impl IntegrationCheck {
    /// Why a sync or capture must not start, if it must not: a key that cannot write, or a
    /// status the store does not have.
    pub fn refusal(&self) -> Option<Error> {
        if let Some(write) = self
            .items
            .iter()
            .find(|i| i.item == "write" && i.status == ItemStatus::Problem)
        {
            return Some(Error::Auth(format!(
                "integration '{}': {}",
                self.integration, write.message.en
            )));
        }
        let missing: Vec<ConfigProblem> = self
            .items
            .iter()
            .filter(|i| i.item == "status" && i.status == ItemStatus::Problem)
            .map(|i| ConfigProblem {
                path: i.path.clone().unwrap_or_default(),
                message: i.message.en.clone(),
            })
            .collect();
        (!missing.is_empty()).then_some(Error::InvalidConfig(missing))
    }
}

/// Runs the check. A store that cannot be asked at all (its address, its credentials) is a
/// problem in the checklist; the error it gave comes back beside it, for a run to stop with.
pub(crate) fn check(
    config: &IntegrationConfig,
    platform: &dyn Platform,
) -> (IntegrationCheck, Result<StoreFacts>) {
    let requests_before = platform.http_stats().requests;
    let (items, facts) = match platform.probe() {
        Ok(probe) => {
            let facts = StoreFacts::new(&probe);
            (store_items(config, &probe, &facts), Ok(facts))
        }
        Err(error) => (vec![unreachable(config, &error)], Err(error)),
    };
    let ok = items.iter().all(|i| i.status != ItemStatus::Problem);
    let check = IntegrationCheck {
        integration: config.id.clone(),
        ok,
        store: facts.as_ref().ok().cloned(),
        items,
        requests: platform.http_stats().requests - requests_before,
    };
    log::info!(target: "ponte::check", "integration {} checked: {}", config.id, if ok { "ok" } else { "problems found" });
    (check, facts)
}

fn ok(item: &'static str, message: Text) -> CheckItem {
    CheckItem {
        item,
        path: None,
        status: ItemStatus::Ok,
        message,
        action: None,
    }
}

fn flagged(item: &'static str, status: ItemStatus, message: Text, action: Text) -> CheckItem {
    CheckItem {
        item,
        path: None,
        status,
        message,
        action: Some(action),
    }
}

/// The one line of a store that could not be asked: which line depends on what failed.
fn unreachable(config: &IntegrationConfig, error: &Error) -> CheckItem {
    use crate::model::config::PlatformKind;
    let url = config.base_url.as_str();
    let key_action = match config.platform {
        PlatformKind::Woocommerce => text(
            "Gere uma chave em WooCommerce > Configurações > Avançado > API REST, com permissão Leitura/Gravação, e informe-a na integração.",
            "Create a key in WooCommerce > Settings > Advanced > REST API with Read/Write permission, and give it to the integration.",
        ),
        PlatformKind::Nuvemshop => text(
            "Peça ao lojista que instale (ou autorize de novo) o aplicativo na Nuvemshop, e informe o novo access_token na integração.",
            "Have the merchant install (or authorise again) the app in Nuvemshop, and give the new access_token to the integration.",
        ),
        PlatformKind::Mercadolivre => text(
            "Peça ao vendedor que autorize de novo o aplicativo no Mercado Livre, e informe o novo par de tokens na integração.",
            "Have the seller authorise the app again in Mercado Livre, and give the new token pair to the integration.",
        ),
    };
    match error {
        Error::Auth(message) => flagged(
            "credentials",
            ItemStatus::Problem,
            text(
                format!("A loja recusou as credenciais: \"{message}\""),
                format!("The store refused the credentials: \"{message}\""),
            ),
            key_action,
        ),
        Error::Remote { code, .. } if code == "rest_no_route" => flagged(
            "address",
            ItemStatus::Problem,
            text(
                format!("{url} responde, mas não tem a API REST do WooCommerce."),
                format!("{url} answers, but has no WooCommerce REST API."),
            ),
            text(
                "Confira o endereço (base_url), se o WooCommerce está ativo e se os links permanentes do WordPress não estão em \"Simples\".",
                "Check the address (base_url), that WooCommerce is active, and that WordPress permalinks are not \"Plain\".",
            ),
        ),
        other => flagged(
            "address",
            ItemStatus::Problem,
            text(
                format!("A loja não responde em {url}: \"{other}\""),
                format!("The store does not answer at {url}: \"{other}\""),
            ),
            text(
                "Confira o endereço da loja (base_url) e se ela está no ar.",
                "Check the store's address (base_url) and that it is online.",
            ),
        ),
    }
}

fn store_items(
    config: &IntegrationConfig,
    probe: &StoreProbe,
    facts: &StoreFacts,
) -> Vec<CheckItem> {
    let store = facts.describe();
    let sync = &config.product_sync;
    let mut items = vec![
        ok(
            "address",
            text(
                format!("A loja responde em {} ({store}).", config.base_url),
                format!("The store answers at {} ({store}).", config.base_url),
            ),
        ),
        ok(
            "credentials",
            text(
                "A chave de API foi aceita e pode ler.",
                "The API key is accepted and can read.",
            ),
        ),
    ];
    items.push(match (&probe.write_refused, &probe.write_unverified) {
        (None, None) => ok("write", text("A chave de API pode gravar.", "The API key can write.")),
        (None, Some(why)) => flagged(
            "write",
            ItemStatus::Warning,
            text(
                format!("Não foi possível confirmar que a chave pode gravar: \"{why}\""),
                format!("Could not confirm that the API key can write: \"{why}\""),
            ),
            text(
                "Confira em WooCommerce > Configurações > Avançado > API REST se a chave tem a permissão Leitura/Gravação.",
                "Check in WooCommerce > Settings > Advanced > REST API that the key has Read/Write permission.",
            ),
        ),
        (Some(why), _) => flagged(
            "write",
            ItemStatus::Problem,
            text(
                format!("A chave de API só pode ler: \"{why}\""),
                format!("The API key can only read: \"{why}\""),
            ),
            text(
                "Em WooCommerce > Configurações > Avançado > API REST, dê à chave a permissão Leitura/Gravação.",
                "In WooCommerce > Settings > Advanced > REST API, give the key Read/Write permission.",
            ),
        ),
    });
    items.push(ok(
        "version",
        text(format!("Versão: {store}."), format!("Version: {store}.")),
    ));
    let sends_brand = sync.enabled && sync.fields.contains(&SyncField::Brand);
    items.push(match (facts.brands, sends_brand) {
        (true, _) => ok("brands", text("A loja tem marcas de produto.", "The store has product brands.")),
        (false, sends) => flagged(
            "brands",
            if sends { ItemStatus::Warning } else { ItemStatus::Ok },
            text(
                format!("A loja não tem marcas de produto ({store}; marcas vêm com o WooCommerce 9.6): a marca não é enviada."),
                format!("The store has no product brands ({store}; brands came with WooCommerce 9.6): brands are not sent."),
            ),
            text(
                "Atualize o WooCommerce para 9.6 ou mais novo para enviar marcas.",
                "Update WooCommerce to 9.6 or newer to send brands.",
            ),
        ),
    });
    let sends_ean = sync.enabled && sync.fields.contains(&SyncField::Ean);
    items.push(match (facts.gtin, sends_ean) {
        (true, _) => ok(
            "ean",
            text(
                "A loja guarda EAN (GTIN) e encontra produtos por ele.",
                "The store keeps EANs (GTIN) and finds products by them.",
            ),
        ),
        (false, sends) => flagged(
            "ean",
            if sends { ItemStatus::Warning } else { ItemStatus::Ok },
            text(
                format!("A loja não guarda EAN ({store}; o campo GTIN vem com o WooCommerce 9.2): o EAN não é enviado nem usado para encontrar produtos já cadastrados."),
                format!("The store keeps no EAN ({store}; the GTIN field came with WooCommerce 9.2): EANs are not sent nor used to find products already in the store."),
            ),
            text(
                "Atualize o WooCommerce para 9.2 ou mais novo; até lá, produtos já cadastrados são encontrados pelo SKU.",
                "Update WooCommerce to 9.2 or newer; until then, products already in the store are found by SKU.",
            ),
        ),
    });
    items.push(ok(
        "batch",
        text(
            format!(
                "Até {} itens por requisição de gravação (metade, se a loja recusar).",
                facts.max_batch
            ),
            format!(
                "Up to {} items per write request (half as many if the store refuses).",
                facts.max_batch
            ),
        ),
    ));
    let capture = &config.order_capture;
    if capture.enabled {
        if let Some(currency) = &facts.currency {
            items.push(if currency.eq_ignore_ascii_case(&capture.currency) {
                ok(
                    "currency",
                    text(format!("A loja vende em {currency}."), format!("The store sells in {currency}.")),
                )
            } else {
                flagged(
                    "currency",
                    ItemStatus::Problem,
                    text(
                        format!("A loja vende em {currency}, mas a integração espera {}: os pedidos serão rejeitados.", capture.currency),
                        format!("The store sells in {currency} but the integration expects {}: orders will be rejected.", capture.currency),
                    ),
                    text(
                        "Ajuste order_capture.currency na integração ou a moeda da loja.",
                        "Set order_capture.currency in the integration, or the store's currency.",
                    ),
                )
            });
        }
        items.extend(status_items(config, facts));
    }
    items
}

/// One line per status the integration names; only when order capture is on.
fn status_items(config: &IntegrationConfig, facts: &StoreFacts) -> Vec<CheckItem> {
    let capture = &config.order_capture;
    let mut named: Vec<(String, &String)> = Vec::new();
    for (index, status) in capture.fetch_statuses.iter().enumerate() {
        named.push((format!("order_capture.fetch_statuses[{index}]"), status));
    }
    for (index, status) in capture.reservation_statuses.iter().enumerate() {
        named.push((
            format!("order_capture.reservation_statuses[{index}]"),
            status,
        ));
    }
    for (path, status) in [
        ("order_capture.received_status", &capture.received_status),
        ("order_capture.rejected_status", &capture.rejected_status),
        ("order_capture.return_status", &capture.return_status),
        ("order_capture.shipped_status", &capture.shipped_status),
    ] {
        if let Some(status) = status {
            named.push((path.to_string(), status));
        }
    }
    let Some(registered) = &facts.order_statuses else {
        return vec![flagged(
            "status",
            ItemStatus::Warning,
            text(
                "A loja não listou os status de pedido; os status da integração não foram conferidos.",
                "The store did not list its order statuses; the integration's statuses were not checked.",
            ),
            text(
                "Confira os status no painel da loja (WooCommerce > Pedidos).",
                "Check the statuses in the store's admin (WooCommerce > Orders).",
            ),
        )];
    };
    let slugs: Vec<&str> = registered.iter().map(|s| s.slug.as_str()).collect();
    named
        .into_iter()
        .map(|(path, status)| {
            // WooCommerce statuses are stored as `wc-<slug>`; the REST API speaks the slug.
            let slug = status.strip_prefix("wc-").unwrap_or(status);
            let mut item = match registered.iter().find(|s| s.slug == slug) {
                Some(found) => ok(
                    "status",
                    text(
                        format!("O status \"{slug}\" ({}) existe na loja.", found.name),
                        format!("Status \"{slug}\" ({}) exists in the store.", found.name),
                    ),
                ),
                None => flagged(
                    "status",
                    ItemStatus::Problem,
                    text(
                        format!("O status \"{slug}\" não existe na loja (ela tem: {}).", slugs.join(", ")),
                        format!("status \"{slug}\" does not exist in the store (it has: {})", slugs.join(", ")),
                    ),
                    text(
                        format!("Cadastre o status \"{slug}\" na loja (um plugin de status de pedido) ou corrija {path} na integração."),
                        format!("Register status \"{slug}\" in the store (an order status plugin) or correct {path} in the integration."),
                    ),
                ),
            };
            item.path = Some(path);
            item
        })
        .collect()
}

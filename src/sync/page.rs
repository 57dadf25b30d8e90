//! The product page beyond names and prices: which store category each ERP category is (found
//! by its name path, created, or mapped by the merchant), and the address and identity of each
//! picture.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;
use crate::model::catalog::{Category, Image};
use crate::model::config::{IntegrationConfig, Locale};
use crate::platform::{NewCategory, Picture, Platform, StoreCategory};
use crate::rules::Reason;
use crate::store::{categories as links, Db};

/// What a plan or run did about one ERP category the store did not have linked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CategoryPlan {
    pub erp_category_id: String,
    /// Its name path in the ERP, `Roupas > Camisetas`.
    pub path: String,
    /// `found` (the store has this name path), `create` (a plan: the run will create it),
    /// `created`, `not_in_store` (not created: `product_sync.categories.create_missing` is
    /// off), or `failed` (the store refused it; `error` says why).
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The ERP's category tree and what each category is in this integration's store.
pub(super) struct Categories {
    tree: BTreeMap<String, Category>,
    /// Store category id by ERP category id: the merchant's map over what was found or created.
    store_ids: BTreeMap<String, String>,
    /// The store's categories, read once a run, the first time a category is not linked.
    listing: Option<Vec<StoreCategory>>,
    /// ERP categories already resolved or given up on this run, so each is tried once.
    tried: BTreeSet<String>,
    /// ERP categories a dry run found it would create.
    planned: BTreeSet<String>,
    /// What this run did about categories that were not linked.
    pub(super) report: Vec<CategoryPlan>,
}

impl Categories {
    pub(super) fn load(db: &mut Db, config: &IntegrationConfig) -> Result<Categories> {
        let (tree, mut store_ids) =
            db.read(|tx| Ok((links::all(tx)?, links::links(tx, &config.id)?)))?;
        store_ids.extend(config.product_sync.categories.map.clone());
        Ok(Categories {
            tree: tree.into_iter().map(|c| (c.id.clone(), c)).collect(),
            store_ids,
            listing: None,
            tried: BTreeSet::new(),
            planned: BTreeSet::new(),
            report: Vec::new(),
        })
    }

    /// The store's id of an ERP category, when it has one.
    pub(super) fn store_id(&self, erp_id: &str) -> Option<&str> {
        self.store_ids.get(erp_id).map(String::as_str)
    }

    /// Whether a dry run found it would create this category.
    pub(super) fn planned(&self, erp_id: &str) -> bool {
        self.planned.contains(erp_id)
    }

    /// The category's name path from the top of the tree, or `None` when the ERP has no such
    /// category.
    fn path(&self, erp_id: &str) -> Option<Vec<&Category>> {
        let mut path = Vec::new();
        let mut at = Some(erp_id);
        while let Some(id) = at {
            let category = self.tree.get(id)?;
            path.push(category);
            // The catalog refuses cycles; the bound only guards a state file edited by hand.
            if path.len() > self.tree.len() {
                return None;
            }
            at = category.parent_id.as_deref();
        }
        path.reverse();
        Some(path)
    }

    fn path_text(&self, erp_id: &str) -> String {
        match self.path(erp_id) {
            Some(path) => path
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(" > "),
            None => erp_id.to_string(),
        }
    }

    /// Finds a store category for each of `needed` that has none: by name path in the store's
    /// listing, else, when the config allows and this is no dry run, by creating it with the
    /// parents it lacks. Links found or created are recorded. A dry run reports what it would
    /// create.
    pub(super) fn resolve(
        &mut self,
        db: &mut Db,
        config: &IntegrationConfig,
        platform: &dyn Platform,
        needed: impl IntoIterator<Item = String>,
        dry_run: bool,
    ) -> Result<()> {
        if platform.capabilities().categories_required {
            // A marketplace's categories are its own and sellers make none: only
            // `product_sync.categories.map` (and its default) places a product there.
            return Ok(());
        }
        let mut pending: Vec<String> = needed
            .into_iter()
            .filter(|id| !self.store_ids.contains_key(id) && !self.tried.contains(id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        self.tried.extend(pending.iter().cloned());
        // Parents first, so a child is looked for under what its parent became.
        let mut with_parents = BTreeSet::new();
        for id in &pending {
            for category in self.path(id).unwrap_or_default() {
                if !self.store_ids.contains_key(&category.id) {
                    with_parents.insert(category.id.clone());
                }
            }
        }
        pending = with_parents.into_iter().collect();
        pending.sort_by_key(|id| self.path(id).map_or(0, |p| p.len()));
        if self.listing.is_none() {
            self.listing = Some(platform.list_categories()?);
        }
        let create = config.product_sync.categories.create_missing;
        let mut found = Vec::new();
        let mut created_now = Vec::new();
        // Depth by depth: every category of one depth found, or created in one request.
        let mut depth_start = 0;
        while depth_start < pending.len() {
            let depth = self.path(&pending[depth_start]).map_or(0, |p| p.len());
            let depth_end = pending[depth_start..]
                .iter()
                .position(|id| self.path(id).map_or(0, |p| p.len()) != depth)
                .map_or(pending.len(), |n| depth_start + n);
            let mut to_create = Vec::new();
            for id in &pending[depth_start..depth_end] {
                let Some(category) = self.tree.get(id) else {
                    continue;
                };
                let parent = match &category.parent_id {
                    None => None,
                    Some(parent) => match self.store_ids.get(parent) {
                        Some(store) => Some(store.clone()),
                        // Its parent could not be had: neither can it.
                        None => {
                            let error = format!("parent category {parent} is not in the store");
                            self.report
                                .push(self.entry(id, "not_in_store", None, Some(error)));
                            continue;
                        }
                    },
                };
                let listing = self.listing.as_deref().unwrap_or_default();
                let wanted = normalized(&category.name);
                let existing = listing
                    .iter()
                    .find(|c| c.parent_id == parent && normalized(&c.name) == wanted);
                if let Some(existing) = existing {
                    self.store_ids.insert(id.clone(), existing.id.clone());
                    found.push((id.clone(), existing.id.clone()));
                    self.report
                        .push(self.entry(id, "found", Some(&existing.id), None));
                } else if !create {
                    self.report.push(self.entry(id, "not_in_store", None, None));
                } else if dry_run {
                    // Pretend, so its children are planned for creation too.
                    self.store_ids.insert(id.clone(), String::new());
                    self.planned.insert(id.clone());
                    self.report.push(self.entry(id, "create", None, None));
                } else {
                    to_create.push((
                        id.clone(),
                        NewCategory {
                            name: category.name.clone(),
                            parent_id: parent,
                        },
                    ));
                }
            }
            if !to_create.is_empty() {
                let new: Vec<NewCategory> = to_create.iter().map(|(_, n)| n.clone()).collect();
                let outcomes = platform.create_categories(&new);
                for ((id, new), outcome) in to_create.into_iter().zip(outcomes) {
                    match outcome {
                        Ok(store_id) => {
                            self.listing
                                .get_or_insert_with(Vec::new)
                                .push(StoreCategory {
                                    id: store_id.clone(),
                                    name: new.name,
                                    parent_id: new.parent_id,
                                });
                            self.store_ids.insert(id.clone(), store_id.clone());
                            created_now.push((id.clone(), store_id.clone()));
                            self.report
                                .push(self.entry(&id, "created", Some(&store_id), None));
                        }
                        // Made by an earlier run whose answer was lost, or by the merchant
                        // since the listing: it is the one.
                        Err(error) if error.resource_id.is_some() => {
                            let store_id = error.resource_id.unwrap_or_default();
                            self.store_ids.insert(id.clone(), store_id.clone());
                            found.push((id.clone(), store_id.clone()));
                            self.report
                                .push(self.entry(&id, "found", Some(&store_id), None));
                        }
                        Err(error) => {
                            let message = format!("{} ({})", error.message, error.code);
                            log::warn!(target: "ponte::sync", "category {id} not created: {message}");
                            self.report
                                .push(self.entry(&id, "failed", None, Some(message)));
                        }
                    }
                }
            }
            depth_start = depth_end;
        }
        if dry_run {
            self.store_ids.retain(|_, store| !store.is_empty());
            return Ok(());
        }
        let integration = config.id.as_str();
        db.write(|tx| {
            for (erp, store) in &found {
                links::link(tx, integration, erp, store, false)?;
            }
            for (erp, store) in &created_now {
                links::link(tx, integration, erp, store, true)?;
            }
            Ok(())
        })
    }

    fn entry(
        &self,
        erp_id: &str,
        action: &'static str,
        store_id: Option<&String>,
        error: Option<String>,
    ) -> CategoryPlan {
        CategoryPlan {
            erp_category_id: erp_id.to_string(),
            path: self.path_text(erp_id),
            action,
            store_category_id: store_id.cloned(),
            error,
        }
    }

    /// Why a product goes without one of its categories.
    pub(super) fn missing_reason(&self, erp_id: &str, locale: Locale, required: bool) -> Reason {
        let path = self.path_text(erp_id);
        let known = self.tree.contains_key(erp_id);
        let (pt, en) = match (known, required) {
            (false, _) => (
                format!("A categoria {erp_id} não existe no catálogo do ERP."),
                format!("Category {erp_id} is not in the ERP's catalog."),
            ),
            (true, true) => (
                format!("A categoria \"{path}\" não tem categoria correspondente na loja, que exige uma: mapeie-a em product_sync.categories.map ou defina product_sync.categories.default."),
                format!("Category \"{path}\" has no match in the store, which requires one: map it in product_sync.categories.map or set product_sync.categories.default."),
            ),
            (true, false) => (
                format!("Categoria \"{path}\" não enviada: a loja não a tem e criar categorias está desligado (product_sync.categories.create_missing)."),
                format!("Category \"{path}\" not sent: the store does not have it and creating categories is off (product_sync.categories.create_missing)."),
            ),
        };
        Reason::new("category_not_in_store", locale, pt, en)
    }
}

/// A category name as two spellings of it compare: the store's HTML entities decoded, spaces
/// trimmed, case ignored.
fn normalized(name: &str) -> String {
    html_escape::decode_html_entities(name)
        .trim()
        .to_lowercase()
}

/// The picture a store is given for `image`: its address, or the file's name under the
/// integration's public base address; `None` for a file when there is no such address.
pub(super) fn picture(image: &Image, public_base_url: Option<&str>) -> Option<Picture> {
    let src = match (&image.url, &image.file) {
        (Some(url), _) => url.clone(),
        (None, Some(file)) => {
            let base = public_base_url?;
            let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
            let separator = if base.ends_with('/') { "" } else { "/" };
            format!("{base}{separator}{}", percent_encoded(name))
        }
        (None, None) => return None,
    };
    let key = match &image.digest {
        Some(digest) => format!("{src}#{digest}"),
        None => src.clone(),
    };
    Some(Picture {
        src,
        alt: image.alt.clone(),
        key,
    })
}

/// A file name as one segment of a URL path.
fn percent_encoded(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Why a product with file pictures is not sent: no public address for them.
pub(super) fn unpublished_files_reason(file: &str, locale: Locale) -> Reason {
    Reason::new(
        "images_not_public",
        locale,
        format!("A imagem {file:?} é um arquivo, e a loja só baixa imagens por endereço: configure product_sync.images.public_base_url, onde o ERP publica a pasta das imagens."),
        format!("Picture {file:?} is a file, and the store only downloads pictures by address: set product_sync.images.public_base_url, where the ERP publishes its picture folder."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(url: Option<&str>, file: Option<&str>, digest: Option<&str>) -> Image {
        Image {
            url: url.map(str::to_string),
            file: file.map(str::to_string),
            alt: "Frente".into(),
            digest: digest.map(str::to_string),
        }
    }

    #[test]
    fn a_file_picture_is_its_name_under_the_public_address() {
        let p = picture(
            &image(None, Some(r"C:\Fotos\camiseta azul.png"), Some("ab12")),
            Some("https://fotos.example.com.br/produtos"),
        )
        .unwrap();
        assert_eq!(
            p.src,
            "https://fotos.example.com.br/produtos/camiseta%20azul.png"
        );
        assert_eq!(p.key, format!("{}#ab12", p.src));
        assert_eq!(picture(&image(None, Some("/a/b.png"), None), None), None);
    }

    #[test]
    fn an_address_picture_is_keyed_by_its_address_and_any_version() {
        let p = picture(&image(Some("https://x.example/a.jpg"), None, None), None).unwrap();
        assert_eq!(
            (p.src.as_str(), p.key.as_str()),
            ("https://x.example/a.jpg", "https://x.example/a.jpg")
        );
        let versioned = picture(
            &image(Some("https://x.example/a.jpg"), None, Some("v2")),
            None,
        )
        .unwrap();
        assert_ne!(versioned.key, p.key);
    }

    #[test]
    fn names_compare_without_entities_case_or_spaces() {
        assert_eq!(normalized(" Cama &amp; Banho "), normalized("cama & banho"));
    }
}

//! Whether an ERP product is sent to a store, and every reason it is not, as the ERP's
//! integration guide states them: published, a brand that is enabled, inside the EAN test
//! filter, valid EANs, no SKU or EAN shared with another product, a price and a name.

use std::collections::{BTreeMap, BTreeSet};

use super::{gtin, Reason};
use crate::model::catalog::{Brand, Product};
use crate::model::config::{Locale, ProductSyncConfig};

/// What the rules need to know about the whole catalog.
#[derive(Debug, Default)]
pub struct CatalogIndex {
    pub brands: BTreeMap<String, Brand>,
    /// ERP ids of the live products that use each SKU and each EAN.
    pub skus: BTreeMap<String, BTreeSet<String>>,
    pub eans: BTreeMap<String, BTreeSet<String>>,
}

impl CatalogIndex {
    pub fn new<'a>(
        products: impl IntoIterator<Item = &'a Product>,
        brands: impl IntoIterator<Item = Brand>,
    ) -> CatalogIndex {
        let mut index = CatalogIndex {
            brands: brands.into_iter().map(|b| (b.id.clone(), b)).collect(),
            ..CatalogIndex::default()
        };
        for product in products {
            for variant in &product.variants {
                index
                    .skus
                    .entry(variant.sku.clone())
                    .or_default()
                    .insert(product.erp_id.clone());
                if let Some(ean) = &variant.ean {
                    index
                        .eans
                        .entry(ean.clone())
                        .or_default()
                        .insert(product.erp_id.clone());
                }
            }
        }
        index
    }
}

/// Every reason `product` is not sent; empty means it is sent. `retired` is the ERP's retirement.
pub fn reasons(
    product: &Product,
    retired: bool,
    index: &CatalogIndex,
    config: &ProductSyncConfig,
    locale: Locale,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let mut add = |code, pt: String, en: String| reasons.push(Reason::new(code, locale, pt, en));
    if retired {
        add(
            "retired",
            "Produto inativado no ERP.".into(),
            "The product was retired in the ERP.".into(),
        );
    }
    if !product.show_in_store {
        add(
            "not_published",
            "Produto não marcado em \"Exibir o Produto no E-commerce\".".into(),
            "The product is not marked to show in the store (show_in_store is off).".into(),
        );
    }
    match product
        .brand_id
        .as_deref()
        .map(|id| (id, index.brands.get(id)))
    {
        None => add(
            "no_brand",
            "Produto sem marca: todo produto publicado precisa de marca (aba Organização).".into(),
            "The product has no brand; every published product needs one.".into(),
        ),
        Some((id, None)) => add(
            "brand_unknown",
            format!("A marca {id} não está cadastrada."),
            format!("Brand {id} is not in the catalog."),
        ),
        Some((_, Some(brand))) if !brand.show_in_electronic_order => add(
            "brand_not_enabled",
            format!(
                "A marca {} não está marcada em \"Exibir no Pedido Eletrônico\".",
                brand.name
            ),
            format!(
                "Brand {} is not enabled for stores (show_in_electronic_order is off).",
                brand.name
            ),
        ),
        Some(_) => {}
    }
    let filter = config.only_eans_list();
    if !filter.is_empty() {
        let inside = product.variants.iter().any(|v| {
            filter.contains(&v.sku.as_str())
                || v.ean.as_deref().is_some_and(|e| filter.contains(&e))
        });
        if !inside {
            add(
                "outside_ean_filter",
                "Fora do filtro de teste \"Eans (separar por vírgula)\" da integração.".into(),
                "Outside the integration's EAN test filter (only_eans).".into(),
            );
        }
    }
    if product.name.trim().is_empty() {
        add(
            "no_name",
            "Produto sem nome.".into(),
            "The product has no name.".into(),
        );
    }
    for variant in &product.variants {
        let sku = &variant.sku;
        if let Some(ean) = &variant.ean {
            if !gtin::is_valid(ean) {
                add(
                    "invalid_ean",
                    format!("O EAN {ean} do SKU {sku} tem dígito verificador inválido."),
                    format!("EAN {ean} of SKU {sku} has an invalid check digit."),
                );
            }
            if let Some(others) = shared_with(&index.eans, ean, &product.erp_id) {
                add(
                    "duplicate_ean",
                    format!("O EAN {ean} também está no produto {others}."),
                    format!("EAN {ean} is also on product {others}."),
                );
            }
        }
        if let Some(others) = shared_with(&index.skus, sku, &product.erp_id) {
            add(
                "duplicate_sku",
                format!("O SKU {sku} também está no produto {others}."),
                format!("SKU {sku} is also on product {others}."),
            );
        }
        if variant.price_cents.is_none_or(|p| p == 0) {
            add(
                "no_price",
                format!("O SKU {sku} está sem preço."),
                format!("SKU {sku} has no price."),
            );
        }
    }
    reasons
}

/// True for the reasons that mean the product is no longer published, which the
/// `unpublished_policy` handles for a product already in a store.
pub fn unpublishes(reason: &Reason) -> bool {
    matches!(
        reason.code,
        "retired" | "not_published" | "no_brand" | "brand_unknown" | "brand_not_enabled"
    )
}

fn shared_with(
    index: &BTreeMap<String, BTreeSet<String>>,
    key: &str,
    erp_id: &str,
) -> Option<String> {
    let others: Vec<&str> = index
        .get(key)?
        .iter()
        .map(String::as_str)
        .filter(|id| *id != erp_id)
        .collect();
    (!others.is_empty()).then(|| others.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::parse_products;

    fn product(json: &str) -> Product {
        parse_products(&format!("[{json}]")).unwrap().remove(0)
    }

    fn brands() -> Vec<Brand> {
        vec![
            Brand {
                id: "B".into(),
                name: "Boa".into(),
                show_in_electronic_order: true,
            },
            Brand {
                id: "OFF".into(),
                name: "Desligada".into(),
                show_in_electronic_order: false,
            },
        ]
    }

    const GOOD: &str = r#"{"erp_id":"1","name":"Panela","brand_id":"B","show_in_store":true,"sync_stock":true,
        "variants":[{"sku":"S1","ean":"7891000100103","price_cents":100}]}"#;

    fn codes(
        products: &[Product],
        which: usize,
        config: &ProductSyncConfig,
        locale: Locale,
    ) -> Vec<&'static str> {
        let index = CatalogIndex::new(products, brands());
        reasons(&products[which], false, &index, config, locale)
            .iter()
            .map(|r| r.code)
            .collect()
    }

    #[test]
    fn a_complete_product_has_no_reason() {
        assert!(codes(
            &[product(GOOD)],
            0,
            &ProductSyncConfig::default(),
            Locale::En
        )
        .is_empty());
    }

    #[test]
    fn every_reason_that_applies_is_listed() {
        let bad = product(
            r#"{"erp_id":"2","name":" ","brand_id":"OFF","show_in_store":false,"sync_stock":true,
                "variants":[{"sku":"S1","ean":"7891000100104"}]}"#,
        );
        let found = codes(
            &[product(GOOD), bad],
            1,
            &ProductSyncConfig::default(),
            Locale::En,
        );
        assert_eq!(
            found,
            vec![
                "not_published",
                "brand_not_enabled",
                "no_name",
                "invalid_ean",
                "duplicate_sku",
                "no_price"
            ]
        );
    }

    #[test]
    fn no_brand_and_an_unknown_brand_are_told_apart() {
        let none = product(
            r#"{"erp_id":"3","name":"X","show_in_store":true,"sync_stock":true,"variants":[{"sku":"A","price_cents":1}]}"#,
        );
        let unknown = product(
            r#"{"erp_id":"4","name":"X","brand_id":"ZZ","show_in_store":true,"sync_stock":true,"variants":[{"sku":"B","price_cents":1}]}"#,
        );
        let config = ProductSyncConfig::default();
        assert_eq!(
            codes(&[none.clone(), unknown.clone()], 0, &config, Locale::En),
            vec!["no_brand"]
        );
        assert_eq!(
            codes(&[none, unknown], 1, &config, Locale::En),
            vec!["brand_unknown"]
        );
    }

    #[test]
    fn the_ean_filter_takes_eans_or_skus() {
        let mut config = ProductSyncConfig {
            only_eans: "7891000100103".into(),
            ..ProductSyncConfig::default()
        };
        let other = product(
            r#"{"erp_id":"5","name":"Y","brand_id":"B","show_in_store":true,"sync_stock":true,"variants":[{"sku":"S5","price_cents":1}]}"#,
        );
        let products = [product(GOOD), other];
        assert!(codes(&products, 0, &config, Locale::En).is_empty());
        assert_eq!(
            codes(&products, 1, &config, Locale::En),
            vec!["outside_ean_filter"]
        );
        config.only_eans = "S5, 123".into();
        assert!(codes(&products, 1, &config, Locale::En).is_empty());
    }

    #[test]
    fn a_shared_ean_names_the_other_product() {
        let twin = product(
            r#"{"erp_id":"9","name":"Z","brand_id":"B","show_in_store":true,"sync_stock":true,"variants":[{"sku":"S9","ean":"7891000100103","price_cents":1}]}"#,
        );
        let products = [product(GOOD), twin];
        let index = CatalogIndex::new(&products, brands());
        let found = reasons(
            &products[0],
            false,
            &index,
            &ProductSyncConfig::default(),
            Locale::En,
        );
        assert_eq!(found[0].message, "EAN 7891000100103 is also on product 9.");
    }

    #[test]
    fn messages_follow_the_locale() {
        let off = product(
            r#"{"erp_id":"6","name":"W","brand_id":"B","show_in_store":false,"sync_stock":true,"variants":[{"sku":"S6","price_cents":1}]}"#,
        );
        let index = CatalogIndex::new([&off], brands());
        let pt = reasons(
            &off,
            false,
            &index,
            &ProductSyncConfig::default(),
            Locale::PtBr,
        );
        assert_eq!(
            pt[0].message,
            "Produto não marcado em \"Exibir o Produto no E-commerce\"."
        );
        let retired = reasons(
            &product(GOOD),
            true,
            &CatalogIndex::new([&off], brands()),
            &ProductSyncConfig::default(),
            Locale::En,
        );
        assert_eq!(retired[0].code, "retired");
        assert!(unpublishes(&retired[0]));
    }

    /// Every reason a product is not sent, in both languages: each message wholly in its own.
    #[test]
    fn every_reason_message_is_wholly_in_its_language() {
        let bad = product(
            r#"{"erp_id":"2","name":" ","brand_id":"OFF","show_in_store":false,"sync_stock":true,
                "variants":[{"sku":"S1","ean":"7891000100104"}]}"#,
        );
        let twin = product(
            r#"{"erp_id":"9","name":"Z","brand_id":"NOPE","show_in_store":true,"sync_stock":true,"variants":[{"sku":"S9","ean":"7891000100103","price_cents":1}]}"#,
        );
        let unbranded = product(
            r#"{"erp_id":"3","name":"X","show_in_store":true,"sync_stock":true,"variants":[{"sku":"S3","price_cents":1}]}"#,
        );
        let products = [product(GOOD), bad, twin, unbranded];
        let index = CatalogIndex::new(&products, brands());
        let config = ProductSyncConfig {
            only_eans: "123".into(),
            ..ProductSyncConfig::default()
        };
        let mut codes = std::collections::BTreeSet::new();
        for locale in [Locale::PtBr, Locale::En] {
            for item in &products {
                for reason in reasons(item, true, &index, &config, locale) {
                    crate::rules::language::assert_wholly(locale, &reason.message);
                    codes.insert(reason.code);
                }
            }
        }
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            [
                "brand_not_enabled",
                "brand_unknown",
                "duplicate_ean",
                "duplicate_sku",
                "invalid_ean",
                "no_brand",
                "no_name",
                "no_price",
                "not_published",
                "outside_ean_filter",
                "retired",
            ]
        );
    }
}

//! Recognising ERP products that already exist in a store, by SKU, then EAN, then barcode (the
//! order is configurable), so they are linked instead of created again. A match that is not one
//! to one is a conflict, reported and never pushed.

use std::collections::{BTreeMap, BTreeSet};

use super::Reason;
use crate::model::catalog::Product;
use crate::model::config::{Locale, MatchKey};
use crate::platform::{RemoteProduct, StoreRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Nothing in the store: the product can be created.
    None,
    Found(StoreRef),
    Conflict(Reason),
}

/// Matches each product against the store items found for its keys. `linked` holds the store
/// products already linked to some ERP product, which cannot be claimed again.
pub fn match_products(
    products: &[&Product],
    remote: &[RemoteProduct],
    keys: &[MatchKey],
    linked: &BTreeMap<String, String>,
    locale: Locale,
) -> BTreeMap<String, Match> {
    let mut by_sku: BTreeMap<&str, Vec<&RemoteProduct>> = BTreeMap::new();
    let mut by_ean: BTreeMap<&str, Vec<&RemoteProduct>> = BTreeMap::new();
    for item in remote {
        if let Some(sku) = item.sku.as_deref() {
            by_sku.entry(sku).or_default().push(item);
        }
        if let Some(ean) = item.ean.as_deref() {
            by_ean.entry(ean).or_default().push(item);
        }
    }
    let store_product =
        |item: &RemoteProduct| item.parent_id.clone().unwrap_or_else(|| item.id.clone());

    let mut found: BTreeMap<String, Match> = BTreeMap::new();
    let mut claims: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for product in products {
        let mut outcome = Match::None;
        for key in keys {
            // Store items matched by this key, by the SKU of the ERP variant they match.
            let mut hits: Vec<(&str, &RemoteProduct)> = Vec::new();
            for variant in &product.variants {
                let keyed: Vec<&RemoteProduct> = match key {
                    MatchKey::Sku => by_sku
                        .get(variant.sku.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    MatchKey::Ean => variant
                        .ean
                        .as_deref()
                        .and_then(|e| by_ean.get(e))
                        .cloned()
                        .unwrap_or_default(),
                    MatchKey::Barcode => variant
                        .barcode
                        .as_deref()
                        .map(|b| {
                            by_ean
                                .get(b)
                                .into_iter()
                                .chain(by_sku.get(b))
                                .flatten()
                                .copied()
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                hits.extend(keyed.into_iter().map(|item| (variant.sku.as_str(), item)));
            }
            if hits.is_empty() {
                continue;
            }
            let owners: BTreeSet<String> =
                hits.iter().map(|(_, item)| store_product(item)).collect();
            outcome = if owners.len() > 1 {
                let ids: Vec<&str> = owners.iter().map(String::as_str).collect();
                Match::Conflict(Reason::new(
                    "ambiguous_match",
                    locale,
                    format!(
                        "Mais de um produto da loja corresponde a este produto: {}.",
                        ids.join(", ")
                    ),
                    format!(
                        "More than one store product matches this product: {}.",
                        ids.join(", ")
                    ),
                ))
            } else {
                let product_id = owners.into_iter().next().unwrap_or_default();
                let variants = hits
                    .iter()
                    .map(|(sku, item)| (sku.to_string(), item.id.clone()))
                    .collect();
                claims
                    .entry(product_id.clone())
                    .or_default()
                    .insert(product.erp_id.clone());
                Match::Found(StoreRef {
                    media: Default::default(),
                    product_id,
                    variants,
                })
            };
            break;
        }
        found.insert(product.erp_id.clone(), outcome);
    }

    // One store product for two ERP products, or one already linked elsewhere: both conflict.
    for (store_id, erp_ids) in &claims {
        let mut owners: BTreeSet<String> = erp_ids.clone();
        if let Some(existing) = linked.get(store_id) {
            owners.insert(existing.clone());
        }
        if owners.len() < 2 {
            continue;
        }
        for erp_id in erp_ids {
            let others: Vec<&str> = owners
                .iter()
                .map(String::as_str)
                .filter(|o| o != erp_id)
                .collect();
            found.insert(
                erp_id.clone(),
                Match::Conflict(Reason::new(
                    "store_product_claimed",
                    locale,
                    format!(
                        "O produto {store_id} da loja também corresponde ao produto {}.",
                        others.join(", ")
                    ),
                    format!(
                        "Store product {store_id} also matches ERP product {}.",
                        others.join(", ")
                    ),
                )),
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::parse_products;
    use crate::platform::RemoteKind;

    fn remote(
        id: &str,
        parent: Option<&str>,
        sku: Option<&str>,
        ean: Option<&str>,
    ) -> RemoteProduct {
        RemoteProduct {
            id: id.into(),
            parent_id: parent.map(Into::into),
            kind: if parent.is_some() {
                RemoteKind::Variation
            } else {
                RemoteKind::Simple
            },
            sku: sku.map(Into::into),
            ean: ean.map(Into::into),
            name: String::new(),
            status: "publish".into(),
            visibility: None,
            price_cents: None,
            stock: None,
            variation_ids: Vec::new(),
        }
    }

    fn products() -> Vec<Product> {
        parse_products(
            r#"[{"erp_id":"1","show_in_store":true,"sync_stock":true,"variants":[{"sku":"A","ean":"7891000100103","barcode":"BC-1"}]},
                {"erp_id":"2","show_in_store":true,"sync_stock":true,"variants":[{"sku":"M"},{"sku":"G"}]},
                {"erp_id":"3","show_in_store":true,"sync_stock":true,"variants":[{"sku":"Z"}]}]"#,
        )
        .unwrap()
    }

    fn run(
        remote: &[RemoteProduct],
        keys: &[MatchKey],
        linked: &BTreeMap<String, String>,
    ) -> BTreeMap<String, Match> {
        let products = products();
        let refs: Vec<&Product> = products.iter().collect();
        match_products(&refs, remote, keys, linked, Locale::En)
    }

    const ALL: [MatchKey; 3] = [MatchKey::Sku, MatchKey::Ean, MatchKey::Barcode];

    #[test]
    fn skus_link_simple_products_and_variations_to_their_parent() {
        let store = [
            remote("10", None, Some("A"), None),
            remote("21", Some("20"), Some("M"), None),
            remote("22", Some("20"), Some("G"), None),
        ];
        let found = run(&store, &ALL, &BTreeMap::new());
        assert_eq!(
            found["1"],
            Match::Found(StoreRef {
                product_id: "10".into(),
                variants: [("A".into(), "10".into())].into(),
                media: Default::default(),
            })
        );
        assert_eq!(
            found["2"],
            Match::Found(StoreRef {
                product_id: "20".into(),
                variants: [("M".into(), "21".into()), ("G".into(), "22".into())].into(),
                media: Default::default(),
            })
        );
        assert_eq!(found["3"], Match::None);
    }

    #[test]
    fn ean_then_barcode_are_tried_when_the_sku_differs() {
        let by_ean = [remote("10", None, Some("OTHER"), Some("7891000100103"))];
        assert!(
            matches!(&run(&by_ean, &ALL, &BTreeMap::new())["1"], Match::Found(r) if r.product_id == "10")
        );
        let by_barcode = [remote("11", None, Some("BC-1"), None)];
        assert!(
            matches!(&run(&by_barcode, &ALL, &BTreeMap::new())["1"], Match::Found(r) if r.product_id == "11")
        );
        // Only the keys configured are used.
        assert_eq!(
            run(&by_barcode, &[MatchKey::Sku], &BTreeMap::new())["1"],
            Match::None
        );
    }

    #[test]
    fn two_store_products_for_one_erp_product_is_a_conflict() {
        let store = [
            remote("30", None, Some("M"), None),
            remote("31", None, Some("G"), None),
        ];
        match &run(&store, &ALL, &BTreeMap::new())["2"] {
            Match::Conflict(reason) => {
                assert_eq!(reason.code, "ambiguous_match");
                assert_eq!(
                    reason.message,
                    "More than one store product matches this product: 30, 31."
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_store_product_for_two_erp_products_is_a_conflict_for_both() {
        let store = [
            remote("40", None, Some("A"), Some("7891000100103")),
            remote("41", None, Some("Z"), None),
        ];
        let products = parse_products(
            r#"[{"erp_id":"1","show_in_store":true,"sync_stock":true,"variants":[{"sku":"A"}]},
                {"erp_id":"9","show_in_store":true,"sync_stock":true,"variants":[{"sku":"Q","ean":"7891000100103"}]}]"#,
        )
        .unwrap();
        let refs: Vec<&Product> = products.iter().collect();
        let found = match_products(&refs, &store, &ALL, &BTreeMap::new(), Locale::En);
        assert!(matches!(&found["1"], Match::Conflict(r) if r.code == "store_product_claimed"));
        assert!(
            matches!(&found["9"], Match::Conflict(r) if r.message == "Store product 40 also matches ERP product 1.")
        );
        // A store product already linked to another ERP product cannot be claimed either.
        let linked = BTreeMap::from([("41".to_string(), "7".to_string())]);
        assert!(
            matches!(&run(&store, &ALL, &linked)["3"], Match::Conflict(r) if r.code == "store_product_claimed")
        );
    }
}

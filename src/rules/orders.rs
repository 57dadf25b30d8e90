//! Whether a store order can become an ERP sales order, and every reason it cannot ("motivo de
//! não atendimento"), each tagged as data the user can fix or as an internal problem.

use std::collections::BTreeMap;

use serde::Serialize;

use super::documents;
use crate::model::config::{Locale, OrderCaptureConfig};
use crate::model::order::StoreOrder;

/// Why an order is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Rejection {
    pub code: String,
    pub message: String,
    /// True when the user can fix it (publish the product, correct the CPF); false for problems
    /// in the order itself.
    pub fixable: bool,
}

impl Rejection {
    pub(crate) fn new(
        code: &str,
        fixable: bool,
        locale: Locale,
        pt_br: String,
        en: String,
    ) -> Rejection {
        Rejection {
            code: code.to_string(),
            message: match locale {
                Locale::PtBr => pt_br,
                Locale::En => en,
            },
            fixable,
        }
    }
}

/// What capture knows about an SKU of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuInfo {
    pub erp_id: String,
    /// The product is sent to this integration's store.
    pub published: bool,
}

/// How an order line finds its ERP product besides its SKU: the links sync recorded (store
/// variation id, store product id of a simple product) and the catalog's EANs and barcodes. Each
/// map holds only keys that name one SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Store variation id → ERP SKU.
    pub by_variation: BTreeMap<String, String>,
    /// Store product id of a simple product → ERP SKU.
    pub by_product: BTreeMap<String, String>,
    /// EAN or barcode → ERP SKU.
    pub by_ean: BTreeMap<String, String>,
}

/// Each line's ERP SKU: through the store variation id, then the store product id (links), then
/// the store's SKU as an ERP SKU, then as an EAN or barcode. A line that resolves nowhere keeps
/// the store's SKU, for validation to name. The store's SKU stays in `store_sku`; resolving a
/// resolved order again gives the same order.
pub fn resolve_lines(
    order: &StoreOrder,
    skus: &BTreeMap<String, SkuInfo>,
    index: &LineIndex,
) -> StoreOrder {
    let mut resolved = order.clone();
    for line in &mut resolved.lines {
        // A line never resolved (read just now, or journaled before `store_sku` existed) holds
        // the store's SKU in `sku`; once resolved, `store_sku` is the store's, even when `None`.
        let store_sku = if line.matched_by.is_some() {
            line.store_sku.clone()
        } else {
            line.store_sku.clone().or_else(|| line.sku.clone())
        };
        let found = resolve_item(
            store_sku.as_deref(),
            &line.store_product_id,
            line.store_variation_id.as_deref(),
            skus,
            index,
        );
        match found {
            Some((sku, how)) => {
                line.sku = Some(sku);
                line.matched_by = Some(how.to_string());
            }
            None => {
                line.sku = store_sku.clone();
                line.matched_by = None;
            }
        }
        line.store_sku = store_sku;
    }
    resolved
}

/// The ERP's SKU of one item of a store order (a line, a refunded line), and how it was found.
pub fn resolve_item(
    store_sku: Option<&str>,
    store_product_id: &str,
    store_variation_id: Option<&str>,
    skus: &BTreeMap<String, SkuInfo>,
    index: &LineIndex,
) -> Option<(String, &'static str)> {
    let by_link = match store_variation_id {
        Some(variation) => index
            .by_variation
            .get(variation)
            .map(|s| (s.clone(), "variation")),
        None => index
            .by_product
            .get(store_product_id)
            .map(|s| (s.clone(), "product")),
    };
    by_link.or_else(|| {
        let sku = store_sku?;
        if skus.contains_key(sku) {
            Some((sku.to_string(), "sku"))
        } else {
            index.by_ean.get(sku).map(|s| (s.clone(), "ean"))
        }
    })
}

/// Why an order's quantities or amounts are beyond what any real order has
/// (`order_capture.max_quantity`, `max_amount_cents`): such an order is rejected before anything
/// is held against the stock or summed. Empty when they are within bounds.
pub fn out_of_bounds(
    order: &StoreOrder,
    config: &OrderCaptureConfig,
    locale: Locale,
) -> Vec<Rejection> {
    let mut reasons = Vec::new();
    for (index, line) in order.lines.iter().enumerate() {
        if line.quantity > config.max_quantity {
            let position = index + 1;
            reasons.push(Rejection::new(
                "quantity_out_of_bounds",
                false,
                locale,
                format!(
                    "O item {position} tem quantidade {}, acima do limite de {} da integração.",
                    line.quantity, config.max_quantity
                ),
                format!(
                    "Item {position} has quantity {}, above the integration's limit of {}.",
                    line.quantity, config.max_quantity
                ),
            ));
        }
    }
    // Each amount named in both languages, for the message's own.
    let mut amounts: Vec<((String, String), i64)> = vec![
        (("total".into(), "total".into()), order.total_cents),
        (("frete".into(), "shipping".into()), order.shipping_cents),
        (("impostos".into(), "tax".into()), order.tax_cents),
        (("desconto".into(), "discount".into()), order.discount_cents),
    ];
    for (index, line) in order.lines.iter().enumerate() {
        let item = index + 1;
        amounts.push((
            (
                format!("preço unitário do item {item}"),
                format!("item {item} unit price"),
            ),
            line.unit_price_cents,
        ));
        amounts.push((
            (
                format!("subtotal do item {item}"),
                format!("item {item} subtotal"),
            ),
            line.subtotal_cents,
        ));
        amounts.push((
            (
                format!("total do item {item}"),
                format!("item {item} total"),
            ),
            line.total_cents,
        ));
    }
    amounts.extend(order.shipping_lines.iter().map(|s| {
        (
            (
                format!("frete {}", s.method),
                format!("shipping {}", s.method),
            ),
            s.total_cents,
        )
    }));
    amounts.extend(order.fees.iter().map(|f| {
        (
            (format!("taxa {}", f.name), format!("fee {}", f.name)),
            f.total_cents,
        )
    }));
    let beyond: Vec<(String, String)> = amounts
        .into_iter()
        .filter(|(_, cents)| cents.unsigned_abs() > config.max_amount_cents.unsigned_abs())
        .map(|((pt, en), cents)| {
            (
                format!("{pt} {}", money(cents)),
                format!("{en} {}", money(cents)),
            )
        })
        .collect();
    if !beyond.is_empty() {
        reasons.push(Rejection::new(
            "amount_out_of_bounds",
            false,
            locale,
            format!(
                "Valores acima do limite de {} da integração: {}.",
                money(config.max_amount_cents),
                beyond
                    .iter()
                    .map(|(pt, _)| pt.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "Amounts above the integration's limit of {}: {}.",
                money(config.max_amount_cents),
                beyond
                    .iter()
                    .map(|(_, en)| en.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    reasons
}

/// Every reason `order` cannot be accepted; empty means it can.
pub fn validate(
    order: &StoreOrder,
    skus: &BTreeMap<String, SkuInfo>,
    config: &OrderCaptureConfig,
    locale: Locale,
) -> Vec<Rejection> {
    let bounds = out_of_bounds(order, config, locale);
    if !bounds.is_empty() {
        // Nothing else is checked on numbers no real order has: the sums could overflow.
        return bounds;
    }
    let mut reasons = Vec::new();
    let mut add = |code, fixable, pt: String, en: String| {
        reasons.push(Rejection::new(code, fixable, locale, pt, en))
    };
    for flag in &order.flags {
        add(
            "flagged_by_store",
            false,
            format!(
                "O marketplace marcou o pedido como {flag}, e a integração recusa pedidos assim."
            ),
            format!(
                "The marketplace tagged the order {flag}, and the integration refuses such orders."
            ),
        );
    }
    if order.lines.is_empty() {
        add(
            "no_items",
            false,
            "Pedido sem itens.".into(),
            "The order has no items.".into(),
        );
    }
    for (index, line) in order.lines.iter().enumerate() {
        let position = index + 1;
        match line.sku.as_deref().map(|sku| (sku, skus.get(sku))) {
            None => add(
                "unknown_sku",
                true,
                format!("O item {position} ({}) não tem SKU na loja.", line.name),
                format!("Item {position} ({}) has no SKU in the store.", line.name),
            ),
            Some((sku, None)) => add(
                "unknown_sku",
                true,
                format!("O SKU {sku} do item {position} não está cadastrado no ERP."),
                format!("SKU {sku} of item {position} is not in the ERP's catalog."),
            ),
            Some((sku, Some(info))) if !info.published => add(
                "product_not_published",
                true,
                format!(
                    "O produto {} (SKU {sku}) não está publicado para esta integração.",
                    info.erp_id
                ),
                format!(
                    "Product {} (SKU {sku}) is not published to this integration.",
                    info.erp_id
                ),
            ),
            Some(_) => {}
        }
        if line.quantity <= 0 {
            add(
                "quantity_not_positive",
                false,
                format!("O item {position} tem quantidade {}.", line.quantity),
                format!("Item {position} has quantity {}.", line.quantity),
            );
        }
    }
    let mut parts = order
        .lines
        .iter()
        .map(|l| l.total_cents)
        .chain(order.fees.iter().map(|f| f.total_cents))
        .chain([order.shipping_cents, order.tax_cents]);
    // Within the bounds checked above the sum cannot overflow; checked all the same.
    let expected = parts.try_fold(0i64, i64::checked_add).unwrap_or(i64::MAX);
    if expected != order.total_cents {
        add(
            "totals_mismatch",
            false,
            format!(
                "O total do pedido ({}) não confere com itens, frete, taxas e impostos ({}).",
                money(order.total_cents),
                money(expected)
            ),
            format!(
                "The order total ({}) does not match items, shipping, fees and taxes ({}).",
                money(order.total_cents),
                money(expected)
            ),
        );
    }
    let customer = &order.customer;
    match (&customer.cpf, &customer.cnpj) {
        (None, None) if config.require_document => add(
            "document_missing",
            true,
            "Cliente sem CPF ou CNPJ.".into(),
            "The customer has no CPF or CNPJ.".into(),
        ),
        (cpf, cnpj) => {
            if let Some(cpf) = cpf.as_deref().filter(|c| !documents::is_valid_cpf(c)) {
                add(
                    "document_invalid",
                    true,
                    format!("O CPF {cpf} é inválido."),
                    format!("CPF {cpf} is invalid."),
                );
            }
            if let Some(cnpj) = cnpj.as_deref().filter(|c| !documents::is_valid_cnpj(c)) {
                add(
                    "document_invalid",
                    true,
                    format!("O CNPJ {cnpj} é inválido."),
                    format!("CNPJ {cnpj} is invalid."),
                );
            }
        }
    }
    let billing = &customer.billing;
    // Each part named in the message's own language.
    let mut missing: Vec<(&str, &str)> = [
        (("rua", "street"), &billing.street),
        (("cidade", "city"), &billing.city),
        (("estado", "state"), &billing.state),
        (("CEP", "postcode"), &billing.postcode),
    ]
    .into_iter()
    .filter(|(_, value)| value.trim().is_empty())
    .map(|(names, _)| names)
    .collect();
    let brazilian = billing.country.is_empty() || billing.country == "BR";
    if brazilian
        && !billing.postcode.trim().is_empty()
        && normalize_cep(&billing.postcode).is_none()
    {
        missing.push(("CEP com 8 dígitos", "postcode (a CEP has 8 digits)"));
    }
    if !missing.is_empty() {
        let pt: Vec<&str> = missing.iter().map(|(pt, _)| *pt).collect();
        let en: Vec<&str> = missing.iter().map(|(_, en)| *en).collect();
        add(
            "address_incomplete",
            true,
            format!("Endereço de cobrança incompleto: {}.", pt.join(", ")),
            format!("The billing address is incomplete: {}.", en.join(", ")),
        );
    }
    if !order.currency.eq_ignore_ascii_case(&config.currency) {
        add(
            "currency_mismatch",
            false,
            format!(
                "O pedido está em {}, e a integração em {}.",
                order.currency, config.currency
            ),
            format!(
                "The order is in {}; the integration is in {}.",
                order.currency, config.currency
            ),
        );
    }
    reasons
}

/// A CEP as its 8 digits, or `None` when it does not have 8.
pub fn normalize_cep(cep: &str) -> Option<String> {
    let digits: String = cep.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8).then_some(digits)
}

fn money(cents: i64) -> String {
    format!(
        "R$ {}",
        crate::model::money::format_cents(cents).replace('.', ",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::order::{Address, Customer, Fee, OrderLine, ShippingLine};

    fn order() -> StoreOrder {
        StoreOrder {
            store_order_id: "1".into(),
            number: "1".into(),
            status: "processing".into(),
            currency: "BRL".into(),
            created_at: "2026-11-28T01:00:00Z".into(),
            modified_at: "2026-11-28T01:00:00Z".into(),
            paid_at: None,
            customer: Customer {
                name: "Maria Silva".into(),
                cpf: Some("52998224725".into()),
                billing: Address {
                    street: "Rua das Flores".into(),
                    number: "12".into(),
                    city: "Curitiba".into(),
                    state: "PR".into(),
                    postcode: "80010-000".into(),
                    country: "BR".into(),
                    ..Address::default()
                },
                ..Customer::default()
            },
            lines: vec![OrderLine {
                sku: Some("A".into()),
                store_sku: Some("A".into()),
                matched_by: None,
                name: "Panela".into(),
                quantity: 2,
                unit_price_cents: 1000,
                subtotal_cents: 2000,
                total_cents: 2000,
                store_product_id: "10".into(),
                store_variation_id: None,
            }],
            shipping_lines: Vec::new(),
            fees: vec![Fee {
                name: "Embalagem".into(),
                total_cents: 300,
            }],
            coupons: Vec::new(),
            discount_cents: 0,
            shipping_cents: 1500,
            tax_cents: 0,
            total_cents: 3800,
            customer_note: String::new(),
            payment: Default::default(),
            refunds: Vec::new(),
            flags: Vec::new(),
        }
    }

    fn skus() -> BTreeMap<String, SkuInfo> {
        BTreeMap::from([
            (
                "A".to_string(),
                SkuInfo {
                    erp_id: "1001".into(),
                    published: true,
                },
            ),
            (
                "OFF".to_string(),
                SkuInfo {
                    erp_id: "3002".into(),
                    published: false,
                },
            ),
        ])
    }

    fn codes(order: &StoreOrder) -> Vec<String> {
        validate(order, &skus(), &OrderCaptureConfig::default(), Locale::En)
            .into_iter()
            .map(|r| r.code)
            .collect()
    }

    #[test]
    fn a_good_order_has_no_reason() {
        assert!(codes(&order()).is_empty());
    }

    #[test]
    fn every_reason_that_applies_is_listed_and_tagged() {
        let mut bad = order();
        bad.lines[0].sku = Some("NOPE".into());
        bad.lines.push(OrderLine {
            sku: Some("OFF".into()),
            quantity: 0,
            ..bad.lines[0].clone()
        });
        bad.total_cents = 1;
        bad.customer.cpf = Some("52998224724".into());
        bad.customer.billing.city.clear();
        bad.currency = "USD".into();
        let reasons = validate(&bad, &skus(), &OrderCaptureConfig::default(), Locale::En);
        let found: Vec<(&str, bool)> = reasons
            .iter()
            .map(|r| (r.code.as_str(), r.fixable))
            .collect();
        assert_eq!(
            found,
            vec![
                ("unknown_sku", true),
                ("product_not_published", true),
                ("quantity_not_positive", false),
                ("totals_mismatch", false),
                ("document_invalid", true),
                ("address_incomplete", true),
                ("currency_mismatch", false),
            ]
        );
        assert_eq!(
            reasons[0].message,
            "SKU NOPE of item 1 is not in the ERP's catalog."
        );
        assert_eq!(
            reasons[3].message,
            "The order total (R$ 0,01) does not match items, shipping, fees and taxes (R$ 58,00)."
        );
    }

    #[test]
    fn a_line_resolves_by_variation_then_product_then_sku_then_ean() {
        let index = LineIndex {
            by_variation: BTreeMap::from([("71".to_string(), "A".to_string())]),
            by_product: BTreeMap::from([("80".to_string(), "OFF".to_string())]),
            by_ean: BTreeMap::from([("7891000100103".to_string(), "A".to_string())]),
        };
        let line = |sku: Option<&str>, product: &str, variation: Option<&str>| OrderLine {
            sku: sku.map(str::to_string),
            store_sku: sku.map(str::to_string),
            store_product_id: product.into(),
            store_variation_id: variation.map(str::to_string),
            matched_by: None,
            ..order().lines[0].clone()
        };
        let mut store = order();
        store.lines = vec![
            // The variation's link wins over a SKU the store changed.
            line(Some("LOJA-AZUL"), "70", Some("71")),
            // A simple product's link; its product was deleted in the store, so no SKU.
            line(None, "80", None),
            // No link: the store's SKU is the ERP's.
            line(Some("A"), "90", None),
            // No link, an unknown SKU that is an EAN of the catalog.
            line(Some("7891000100103"), "91", None),
            // Nothing matches: the store's SKU stays, for validation to name.
            line(Some("NOPE"), "92", None),
            // A variation with no link is not taken for its parent product's link.
            line(Some("X"), "80", Some("99")),
        ];
        let resolved = resolve_lines(&store, &skus(), &index);
        let pairs: Vec<(Option<&str>, Option<&str>)> = resolved
            .lines
            .iter()
            .map(|l| (l.sku.as_deref(), l.store_sku.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                (Some("A"), Some("LOJA-AZUL")),
                (Some("OFF"), None),
                (Some("A"), Some("A")),
                (Some("A"), Some("7891000100103")),
                (Some("NOPE"), Some("NOPE")),
                (Some("X"), Some("X")),
            ]
        );
        assert_eq!(resolve_lines(&resolved, &skus(), &index), resolved);
    }

    /// Every rejection an order can get, in both languages: each message wholly in its own.
    #[test]
    fn every_rejection_message_is_wholly_in_its_language() {
        let mut bad = order();
        bad.lines[0].sku = Some("NOPE".into());
        bad.lines.push(OrderLine {
            sku: None,
            quantity: 0,
            ..bad.lines[0].clone()
        });
        bad.lines.push(OrderLine {
            sku: Some("OFF".into()),
            ..bad.lines[0].clone()
        });
        bad.total_cents = 1;
        bad.customer.cpf = Some("52998224724".into());
        bad.customer.cnpj = Some("11222333000182".into());
        bad.customer.billing = Address {
            postcode: "8001".into(),
            ..Address::default()
        };
        bad.currency = "USD".into();
        let mut empty = order();
        empty.lines.clear();
        empty.customer.cpf = None;
        let mut absurd = order();
        absurd.lines[0].quantity = i64::MAX;
        absurd.lines[0].unit_price_cents = i64::MAX;
        absurd.shipping_lines.push(ShippingLine {
            method: "PAC".into(),
            total_cents: i64::MAX,
        });
        absurd.fees[0].total_cents = i64::MIN;
        absurd.discount_cents = i64::MAX;
        let config = OrderCaptureConfig::default();
        let mut codes = std::collections::BTreeSet::new();
        for locale in [Locale::PtBr, Locale::En] {
            for order in [&bad, &empty, &absurd] {
                for reason in validate(order, &skus(), &config, locale) {
                    crate::rules::language::assert_wholly(locale, &reason.message);
                    codes.insert(reason.code);
                }
            }
        }
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            [
                "address_incomplete",
                "amount_out_of_bounds",
                "currency_mismatch",
                "document_invalid",
                "document_missing",
                "no_items",
                "product_not_published",
                "quantity_not_positive",
                "quantity_out_of_bounds",
                "totals_mismatch",
                "unknown_sku",
            ]
        );
    }

    #[test]
    fn a_missing_document_counts_only_when_required() {
        let mut no_document = order();
        no_document.customer.cpf = None;
        assert_eq!(codes(&no_document), vec!["document_missing"]);
        let relaxed = OrderCaptureConfig {
            require_document: false,
            ..OrderCaptureConfig::default()
        };
        assert!(validate(&no_document, &skus(), &relaxed, Locale::En).is_empty());
    }

    #[test]
    fn a_cep_needs_eight_digits() {
        assert_eq!(normalize_cep("80010-000").as_deref(), Some("80010000"));
        assert_eq!(normalize_cep("8001"), None);
        let mut short = order();
        short.customer.billing.postcode = "8001".into();
        let reasons = validate(
            &short,
            &skus(),
            &OrderCaptureConfig::default(),
            Locale::PtBr,
        );
        assert_eq!(
            reasons[0].message,
            "Endereço de cobrança incompleto: CEP com 8 dígitos."
        );
    }
}

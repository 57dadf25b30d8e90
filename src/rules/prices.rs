//! A sales channel's prices ("tabela de preço"): the ERP's price list or the variant's own price,
//! moved by a percentage and an amount, rounded up to a price ending. Integer cents throughout.

use crate::model::catalog::Variant;
use crate::model::config::{Locale, PriceTable};
use crate::model::money::format_cents;
use crate::rules::Reason;

/// A variant's price and promotional price in this channel. Without a table they are the
/// variant's own. A promotional price that the table brings up to the price (or above) is not
/// a promotion any more and is left out.
pub fn channel_prices(
    variant: &Variant,
    table: Option<&PriceTable>,
    locale: Locale,
) -> Result<(Option<i64>, Option<i64>), Reason> {
    let Some(table) = table else {
        return Ok((variant.price_cents, variant.promo_price_cents));
    };
    let sku = &variant.sku;
    let (price, promo) = match &table.list {
        Some(list) => match variant.price_lists.get(list) {
            Some(prices) => (Some(prices.price_cents), prices.promo_price_cents),
            None => {
                return Err(Reason::new(
                    "price_list_missing",
                    locale,
                    format!(
                        "SKU {sku} não tem preço na tabela de preço \"{list}\" desta integração."
                    ),
                    format!("SKU {sku} has no price in this integration's price list \"{list}\"."),
                ))
            }
        },
        None => (variant.price_cents, variant.promo_price_cents),
    };
    let price = price
        .map(|p| adjusted(sku, "price_cents", p, table, locale))
        .transpose()?;
    let promo = promo
        .map(|p| adjusted(sku, "promo_price_cents", p, table, locale))
        .transpose()?;
    let promo = promo.filter(|p| price.is_none_or(|price| *p < price));
    Ok((price, promo))
}

/// `cents` under the table's rule, or why the rule gives no price a store could sell at.
fn adjusted(
    sku: &str,
    field: &str,
    cents: i64,
    table: &PriceTable,
    locale: Locale,
) -> Result<i64, Reason> {
    // Half a cent rounds up; i128 keeps the product of two large values exact.
    let scaled = (cents as i128 * (10_000 + table.percent_bp as i128) + 5_000).div_euclid(10_000);
    let mut result = scaled + table.amount_cents as i128;
    if let Some(ending) = table.ending_cents {
        let ending = ending as i128;
        let rounded = result.div_euclid(100) * 100 + ending;
        result = if rounded < result {
            rounded + 100
        } else {
            rounded
        };
    }
    match i64::try_from(result) {
        Ok(price) if price > 0 && price <= crate::model::catalog::MAX_QUANTITY => Ok(price),
        _ => {
            let shown = i64::try_from(result)
                .map(format_cents)
                .unwrap_or_else(|_| result.to_string());
            Err(Reason::new(
                "price_rule_not_positive",
                locale,
                format!("SKU {sku}: a tabela de preço desta integração transforma {field} {} em {shown}, que não é um preço válido.", format_cents(cents)),
                format!("SKU {sku}: this integration's price table turns {field} {} into {shown}, which is no valid price.", format_cents(cents)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(price: i64, promo: Option<i64>) -> Variant {
        serde_json::from_value(serde_json::json!({
            "sku": "A-1", "price_cents": price, "promo_price_cents": promo,
            "price_lists": {"ml": {"price_cents": 5_000}}
        }))
        .unwrap()
    }

    fn table(percent_bp: i64, amount_cents: i64, ending: Option<i64>) -> PriceTable {
        PriceTable {
            list: None,
            percent_bp,
            amount_cents,
            ending_cents: ending,
        }
    }

    #[test]
    fn without_a_table_the_variant_keeps_its_prices() {
        let v = variant(4_990, Some(3_990));
        assert_eq!(
            channel_prices(&v, None, Locale::En),
            Ok((Some(4_990), Some(3_990)))
        );
    }

    #[test]
    fn a_percentage_rounds_half_a_cent_up_and_then_to_the_ending() {
        // 49,90 + 12,5 % = 56,1375 → 56,14 → ,90 ending: 56,90.
        let v = variant(4_990, None);
        assert_eq!(
            channel_prices(&v, Some(&table(1_250, 0, None)), Locale::En),
            Ok((Some(5_614), None))
        );
        assert_eq!(
            channel_prices(&v, Some(&table(1_250, 0, Some(90))), Locale::En),
            Ok((Some(5_690), None))
        );
        // Already on the ending: kept.
        assert_eq!(
            channel_prices(
                &variant(5_690, None),
                Some(&table(0, 0, Some(90))),
                Locale::En
            ),
            Ok((Some(5_690), None))
        );
        // Past the ending in its real: the next one up.
        assert_eq!(
            channel_prices(
                &variant(5_695, None),
                Some(&table(0, 0, Some(90))),
                Locale::En
            ),
            Ok((Some(5_790), None))
        );
    }

    #[test]
    fn an_amount_down_and_a_list_price() {
        let v = variant(4_990, Some(3_990));
        assert_eq!(
            channel_prices(&v, Some(&table(-1_000, -100, None)), Locale::En),
            Ok((Some(4_391), Some(3_491)))
        );
        let listed = PriceTable {
            list: Some("ml".into()),
            ..table(0, 0, None)
        };
        assert_eq!(
            channel_prices(&v, Some(&listed), Locale::En),
            Ok((Some(5_000), None))
        );
    }

    #[test]
    fn a_promotion_the_rounding_brings_to_the_price_is_left_out() {
        let v = variant(4_750, Some(4_723));
        assert_eq!(
            channel_prices(&v, Some(&table(0, 0, Some(90))), Locale::En),
            Ok((Some(4_790), None))
        );
    }

    #[test]
    fn a_rule_that_gives_no_price_names_the_sku_and_field() {
        let v = variant(500, None);
        let reason = channel_prices(&v, Some(&table(0, -600, None)), Locale::En).unwrap_err();
        assert_eq!(reason.code, "price_rule_not_positive");
        assert!(reason.message.contains("SKU A-1"), "{}", reason.message);
        assert!(
            reason.message.contains("price_cents 5.00 into -1.00"),
            "{}",
            reason.message
        );
        let missing = PriceTable {
            list: Some("atacado".into()),
            ..table(0, 0, None)
        };
        let reason = channel_prices(&v, Some(&missing), Locale::PtBr).unwrap_err();
        assert_eq!(reason.code, "price_list_missing");
        assert!(reason.message.contains("\"atacado\""), "{}", reason.message);
    }
}

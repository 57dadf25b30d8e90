//! Tax classes, rates and the taxes of an order, as WooCommerce works them out with
//! `woocommerce_calc_taxes` on and prices entered without tax. Seen on a real 10.0.2 store: each
//! line's tax per rate is rounded to the cent, half up (3 × R$9.99 at 17% is 5.09; R$0.50 at 17%
//! is 0.09; two R$0.03 lines at 17% make 0.01 + 0.01), and the order's taxes are the sums of its
//! lines'. Amounts are integer cents; rates are kept in ten-thousandths of a percent, as the
//! store keeps four decimals ("17.0000").

use std::collections::HashMap;

use serde_json::{json, Number, Value};

use super::errors::{ParamError, WooError};
use super::{ok, Ctx, Reply, State, PREFIX};
use crate::model::money::format_cents;

/// The core tax classes, slug and name, in the store's order. Standard's slug is `""` on
/// products and lines, `"standard"` in the taxes API.
const CLASSES: [(&str, &str); 3] = [
    ("standard", "Standard rate"),
    ("reduced-rate", "Reduced rate"),
    ("zero-rate", "Zero rate"),
];

/// A rate's class as stored (`""` for standard), from what a caller names it; `None` when no
/// such class exists.
pub(super) fn rate_class(given: &str) -> Option<String> {
    match given.trim().to_ascii_lowercase().as_str() {
        "" | "standard" => Some(String::new()),
        other => CLASSES
            .iter()
            .any(|(slug, _)| *slug == other)
            .then(|| other.to_string()),
    }
}

/// A product's or line's tax class as `set_tax_class` keeps it: an unknown class is `""`.
pub(super) fn product_class(given: &str) -> String {
    rate_class(given).unwrap_or_default()
}

/// `woocommerce_tax_rates`: one rate.
#[derive(Debug, Clone)]
pub(super) struct TaxRate {
    pub id: u64,
    pub country: String,
    pub state: String,
    /// Percent in ten-thousandths: 100000 is 10%.
    pub rate: i64,
    pub name: String,
    pub priority: u32,
    pub compound: bool,
    pub shipping: bool,
    pub order: u32,
    /// `""` for standard.
    pub class: String,
}

pub(super) fn next_rate_id(rates: &[TaxRate]) -> u64 {
    rates.iter().map(|r| r.id).max().unwrap_or(0) + 1
}

/// `"17"`, `"7.5"`, `"10.0000"` as ten-thousandths of a percent; at most four decimals.
fn parse_rate(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 4
        || whole.len() > 6
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<4}").parse().ok()?;
    Some(whole * 10_000 + fraction)
}

/// Ten-thousandths of a percent as the store prints them: `"10.0000"`.
fn rate_text(rate: i64) -> String {
    format!("{}.{:04}", rate / 10_000, rate % 10_000)
}

impl TaxRate {
    pub fn new(id: u64, class: String, name: &str, rate: i64, shipping: bool) -> TaxRate {
        TaxRate {
            id,
            country: String::new(),
            state: String::new(),
            rate,
            name: name.to_string(),
            priority: 1,
            compound: false,
            shipping,
            order: 0,
            class,
        }
    }

    /// `WC_Tax::get_rate_code`: country, state, name (or "TAX") and priority, upper case, the
    /// empty ones left out: `BR-ICMS-1`.
    fn code(&self) -> String {
        let name = if self.name.is_empty() {
            "TAX".to_string()
        } else {
            self.name.clone()
        };
        [
            self.country.clone(),
            self.state.clone(),
            name,
            self.priority.to_string(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_uppercase()
    }

    /// `rate_percent` of a tax line: a JSON number, whole when it is (10, 7.5).
    fn percent(&self) -> Value {
        let text = rate_text(self.rate);
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        serde_json::from_str::<Number>(trimmed)
            .map(Value::Number)
            .unwrap_or(json!(0))
    }

    /// The tax on `cents`, rounded to the cent half away from zero.
    fn tax_on(&self, cents: i64) -> i64 {
        let numerator = i128::from(cents) * i128::from(self.rate);
        let denominator: i128 = 100 * 10_000;
        let quotient = numerator / denominator;
        let remainder = numerator % denominator;
        let rounded = if 2 * remainder.abs() >= denominator {
            quotient + numerator.signum()
        } else {
            quotient
        };
        i64::try_from(rounded).unwrap_or(i64::MAX)
    }

    /// The rate as `GET /taxes` shows it.
    pub fn view(&self, ctx: &Ctx) -> Value {
        let home = &ctx.home;
        json!({
            "id": self.id, "country": self.country, "state": self.state, "postcode": "", "city": "",
            "rate": rate_text(self.rate), "name": self.name, "priority": self.priority,
            "compound": self.compound, "shipping": self.shipping, "order": self.order,
            "class": if self.class.is_empty() { "standard" } else { self.class.as_str() },
            "postcodes": [], "cities": [],
            "_links": {"self": [{"href": format!("{home}{PREFIX}/taxes/{}", self.id)}],
                       "collection": [{"href": format!("{home}{PREFIX}/taxes")}]},
        })
    }
}

/// `POST /taxes`.
pub(super) fn create_rate(rates: &[TaxRate], body: &Value) -> Result<TaxRate, WooError> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or("");
    let rate = match body.get("rate") {
        None => 0,
        Some(Value::String(s)) => parse_rate(s).ok_or_else(|| invalid_rate(s))?,
        Some(other) => return Err(invalid_rate(&other.to_string())),
    };
    let class = rate_class(text("class")).ok_or_else(|| {
        let names: Vec<&str> = CLASSES.iter().map(|(slug, _)| *slug).collect();
        WooError::invalid_params(&[ParamError::not_in_enum("class", "class", &names)])
    })?;
    let mut created = TaxRate::new(next_rate_id(rates), class, text("name"), rate, true);
    created.country = text("country").to_uppercase();
    created.state = text("state").to_uppercase();
    created.priority = body
        .get("priority")
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .unwrap_or(1);
    created.compound = body.get("compound") == Some(&json!(true));
    created.shipping = body.get("shipping") != Some(&json!(false));
    created.order = body
        .get("order")
        .and_then(Value::as_u64)
        .and_then(|o| u32::try_from(o).ok())
        .unwrap_or(0);
    Ok(created)
}

fn invalid_rate(given: &str) -> WooError {
    WooError::new(
        400,
        "woocommerce_rest_invalid_tax_rate",
        format!("Invalid tax rate: {given}."),
    )
}

/// `GET /taxes/classes`.
pub(super) fn classes_view(ctx: &Ctx) -> Value {
    let collection = format!("{}{PREFIX}/taxes/classes", ctx.home);
    json!(CLASSES
        .iter()
        .map(|(slug, name)| json!({"slug": slug, "name": name,
                                   "_links": {"collection": [{"href": collection}]}}))
        .collect::<Vec<_>>())
}

/// `GET /settings/general/woocommerce_calc_taxes`.
pub(super) fn calc_taxes_setting(ctx: &Ctx, on: bool) -> Value {
    json!({"id": "woocommerce_calc_taxes", "label": "Enable taxes",
           "description": "Enable tax rates and calculations", "type": "checkbox", "default": "no",
           "value": if on { "yes" } else { "no" }, "group_id": "general",
           "_links": {"self": [{"href": format!("{}{PREFIX}/settings/general/woocommerce_calc_taxes", ctx.home)}]}})
}

/// `GET /taxes`: every rate, on one page.
pub(super) fn list(state: &State, ctx: &Ctx) -> Reply {
    let rates: Vec<Value> = state.tax_rates.iter().map(|r| r.view(ctx)).collect();
    let total = rates.len().to_string();
    let pages = if rates.is_empty() { "0" } else { "1" };
    Ok((
        200,
        json!(rates),
        vec![
            ("X-WP-Total".to_string(), total),
            ("X-WP-TotalPages".to_string(), pages.to_string()),
        ],
        0,
    ))
}

/// `POST /taxes`.
pub(super) fn create(state: &mut State, ctx: &Ctx, body: &Value) -> Reply {
    let rate = create_rate(&state.tax_rates, body)?;
    let view = rate.view(ctx);
    state.tax_rates.push(rate);
    ok(201, view, 1)
}

/// `GET /taxes/{id}`.
pub(super) fn get(state: &State, ctx: &Ctx, id: u64) -> Reply {
    state
        .tax_rates
        .iter()
        .find(|r| r.id == id)
        .map(|r| (200, r.view(ctx), Vec::new(), 0))
        .ok_or_else(|| WooError::new(404, "woocommerce_rest_invalid_id", "Invalid resource ID."))
}

/// `PUT /settings/general/woocommerce_calc_taxes`: `"yes"` or `"no"`.
pub(super) fn update_calc_taxes(state: &mut State, ctx: &Ctx, body: &Value) -> Reply {
    match body.get("value").and_then(Value::as_str) {
        Some("yes") => state.calc_taxes = true,
        Some("no") => state.calc_taxes = false,
        _ => {
            return Err(WooError::new(
                400,
                "rest_setting_value_invalid",
                "An invalid setting value was passed.",
            ))
        }
    }
    ok(200, calc_taxes_setting(ctx, state.calc_taxes), 1)
}

/// Where an order is taxed: its shipping address, else its billing address, else the store's
/// base (BR, SP).
pub(super) struct Location {
    country: String,
    state: String,
}

impl Location {
    pub fn of(billing: &Value, shipping: &Value) -> Location {
        let from = |address: &Value| {
            let country = address["country"].as_str().unwrap_or("").to_uppercase();
            (!country.is_empty()).then(|| Location {
                country,
                state: address["state"].as_str().unwrap_or("").to_uppercase(),
            })
        };
        from(shipping)
            .or_else(|| from(billing))
            .unwrap_or(Location {
                country: "BR".to_string(),
                state: "SP".to_string(),
            })
    }
}

/// The rates of `class` that apply at `location`: one per priority, the first matching in the
/// rates' order; for shipping, only rates marked for shipping.
pub(super) fn matching<'a>(
    rates: &'a [TaxRate],
    class: &str,
    location: &Location,
    for_shipping: bool,
) -> Vec<&'a TaxRate> {
    let mut candidates: Vec<&TaxRate> = rates
        .iter()
        .filter(|r| r.class == class)
        .filter(|r| r.country.is_empty() || r.country == location.country)
        .filter(|r| r.state.is_empty() || r.state == location.state)
        .collect();
    candidates.sort_by_key(|r| (r.priority, r.order, r.id));
    let mut chosen: Vec<&TaxRate> = Vec::new();
    for rate in candidates {
        if !chosen.iter().any(|c| c.priority == rate.priority) {
            chosen.push(rate);
        }
    }
    chosen.retain(|r| !for_shipping || r.shipping);
    chosen
}

/// One rate's tax on one line.
pub(super) struct Applied {
    rate_id: u64,
    subtotal: Option<i64>,
    total: i64,
}

pub(super) fn apply(rates: Vec<&TaxRate>, subtotal: Option<i64>, total: i64) -> Vec<Applied> {
    rates
        .into_iter()
        .map(|rate| Applied {
            rate_id: rate.id,
            subtotal: subtotal.map(|s| rate.tax_on(s)),
            total: rate.tax_on(total),
        })
        .collect()
}

/// Writes a line's `taxes` (`[{id, total, subtotal}]`; fees and shipping have `subtotal: ""`),
/// `total_tax` and, for products, `subtotal_tax`.
pub(super) fn write_line_taxes(line: &mut Value, applied: &[Applied], with_subtotal: bool) {
    line["taxes"] = json!(applied
        .iter()
        .map(|a| json!({"id": a.rate_id, "total": format_cents(a.total),
                        "subtotal": a.subtotal.map(format_cents).unwrap_or_default()}))
        .collect::<Vec<_>>());
    line["total_tax"] = json!(format_cents(applied.iter().map(|a| a.total).sum()));
    if with_subtotal {
        line["subtotal_tax"] = json!(format_cents(
            applied.iter().filter_map(|a| a.subtotal).sum()
        ));
    }
}

/// The class shipping is taxed in with `woocommerce_shipping_tax_class` "inherit" (the
/// default): the first of standard, reduced-rate, zero-rate that a line has; none without lines.
pub(super) fn shipping_class(line_classes: &[&str]) -> Option<String> {
    ["", "reduced-rate", "zero-rate"]
        .into_iter()
        .find(|class| line_classes.contains(class))
        .map(str::to_string)
}

/// The order's taxes by rate: cart (lines and fees) and shipping, each rate in the order it
/// first appears.
#[derive(Default)]
pub(super) struct Ledger {
    seen: Vec<u64>,
    cart: HashMap<u64, i64>,
    shipping: HashMap<u64, i64>,
}

impl Ledger {
    fn note(&mut self, rate_id: u64) {
        if !self.seen.contains(&rate_id) {
            self.seen.push(rate_id);
        }
    }

    pub fn add_cart(&mut self, applied: &[Applied]) {
        for a in applied {
            self.note(a.rate_id);
            *self.cart.entry(a.rate_id).or_default() += a.total;
        }
    }

    pub fn add_shipping(&mut self, applied: &[Applied]) {
        for a in applied {
            self.note(a.rate_id);
            *self.shipping.entry(a.rate_id).or_default() += a.total;
        }
    }

    pub fn cart_total(&self) -> i64 {
        self.cart.values().sum()
    }

    pub fn shipping_total(&self) -> i64 {
        self.shipping.values().sum()
    }

    /// `tax_lines`: cart rates first, in the order the lines met them, then shipping-only ones.
    pub fn tax_lines(&self, rates: &[TaxRate], next_id: &mut impl FnMut() -> u64) -> Vec<Value> {
        let mut order: Vec<u64> = self
            .seen
            .iter()
            .copied()
            .filter(|id| self.cart.contains_key(id))
            .collect();
        order.extend(
            self.seen
                .iter()
                .copied()
                .filter(|id| !self.cart.contains_key(id)),
        );
        order
            .into_iter()
            .filter_map(|id| rates.iter().find(|r| r.id == id))
            .map(|rate| {
                json!({
                    "id": next_id(), "rate_code": rate.code(), "rate_id": rate.id, "label": rate.name,
                    "compound": rate.compound,
                    "tax_total": format_cents(self.cart.get(&rate.id).copied().unwrap_or(0)),
                    "shipping_tax_total": format_cents(self.shipping.get(&rate.id).copied().unwrap_or(0)),
                    "rate_percent": rate.percent(), "meta_data": [],
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(percent: &str) -> TaxRate {
        TaxRate::new(1, String::new(), "ICMS", parse_rate(percent).unwrap(), true)
    }

    #[test]
    fn taxes_round_half_up_per_line() {
        assert_eq!(rate("17").tax_on(2997), 509);
        assert_eq!(rate("17").tax_on(50), 9);
        assert_eq!(rate("17").tax_on(150), 26);
        assert_eq!(rate("17").tax_on(3), 1);
        assert_eq!(rate("17").tax_on(999), 170);
        assert_eq!(rate("10").tax_on(-50), -5);
    }

    #[test]
    fn rates_read_and_print_like_the_store() {
        assert_eq!(rate_text(parse_rate("7.5").unwrap()), "7.5000");
        assert_eq!(rate("7.5").percent(), json!(7.5));
        assert_eq!(rate("10.0000").percent(), json!(10));
        assert_eq!(parse_rate("abc"), None);
        let mut r = rate("5");
        r.country = "BR".into();
        r.name = "IPI reduzido".into();
        assert_eq!(r.code(), "BR-IPI REDUZIDO-1");
    }
}

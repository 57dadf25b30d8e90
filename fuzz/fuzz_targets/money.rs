//! Money: `money::parse_cents` (decimal strings, as stores send prices), `parse_number_cents` (JSON
//! numbers, as WooCommerce sends `line_items[].price`) and `format_cents`.
//!
//! Properties: no panic; any cents formatted parse back to the same cents; cents parsed from text
//! format and parse back to the same cents and agree with the decimal value of the text; a JSON
//! number with at most two decimals gives the same cents as the same text read as a string; a JSON
//! number gives its value in cents, rounded to the nearest cent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte::model::money;
use serde_json::{Number, Value};

fuzz_target!(|data: &[u8]| {
    if let Some(raw) = data.get(..8) {
        let cents = i64::from_le_bytes(raw.try_into().unwrap());
        let text = money::format_cents(cents);
        assert!(
            money::parse_cents(&text) == Ok(cents),
            "format_cents({cents}) = {text:?} does not parse back: {:?}",
            money::parse_cents(&text)
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        decimal_text(text);
    }
    if let Ok(Value::Number(number)) = serde_json::from_slice::<Value>(data) {
        json_number(&number);
    }
});

fn decimal_text(text: &str) {
    let Ok(cents) = money::parse_cents(text) else {
        return;
    };
    assert_eq!(money::parse_cents(&money::format_cents(cents)), Ok(cents));
    let value: f64 = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} gave {cents} cents but is not a number"));
    let error = (value * 100.0 - cents as f64).abs();
    assert!(
        error <= 1e-9 * (cents as f64).abs().max(1.0),
        "{text:?} gave {cents} cents"
    );
    // The same amount as a JSON number, when it is one with at most two decimals and few enough
    // digits for a double to hold it exactly.
    if let Ok(Value::Number(number)) = serde_json::from_str::<Value>(text) {
        let plain = text.trim();
        let (whole, fraction) = plain.split_once('.').unwrap_or((plain, ""));
        let small = whole.trim_start_matches('-').len() <= 13 && fraction.len() <= 2;
        if small && !plain.contains(['e', 'E']) {
            assert_eq!(
                money::parse_number_cents(&number),
                Ok(cents),
                "{text:?} as a number and as a string differ"
            );
        }
    }
}

fn json_number(number: &Number) {
    let Ok(cents) = money::parse_number_cents(number) else {
        return;
    };
    if let Some(integer) = number.as_i64() {
        assert_eq!(Some(cents), integer.checked_mul(100), "{number}");
    } else if let Some(value) = number.as_f64() {
        let error = (value * 100.0 - cents as f64).abs();
        assert!(
            error <= 0.5 + 1e-9 * (cents as f64).abs().max(1.0),
            "{number} gave {cents} cents"
        );
    }
}

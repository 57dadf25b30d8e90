//! Money as integer cents. Stores send decimal strings ("19.90"); they are parsed digit by digit,
//! never through floating point.

/// Parses a decimal amount such as `"19.90"`, `"19.9"`, `"19"` or `"-0.05"` into cents. More than
/// two decimals are accepted only when the extra digits are zeros: a store that keeps fractions of
/// a cent would otherwise lose them silently.
pub fn parse_cents(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("{text:?} is not a decimal amount"));
    }
    if fraction.len() > 2 && fraction[2..].bytes().any(|b| b != b'0') {
        return Err(format!("{text:?} has fractions of a cent"));
    }
    // Built with its sign from the first digit, so the most negative amount fits too.
    let sign = if negative { -1 } else { 1 };
    let mut cents: i64 = 0;
    let fraction_digits = fraction.bytes().chain(std::iter::repeat(b'0')).take(2);
    for digit in whole.bytes().chain(fraction_digits) {
        cents = cents
            .checked_mul(10)
            .and_then(|c| c.checked_add(sign * i64::from(digit - b'0')))
            .ok_or_else(|| format!("{text:?} is too large"))?;
    }
    Ok(cents)
}

/// Parses a JSON number given as money (WooCommerce's `line_items[].price`, which is
/// `total / quantity` and may carry many decimals), rounding half away from zero to the cent.
/// The number's shortest decimal text is used, so `9.99` is exactly 999.
pub fn parse_number_cents(number: &serde_json::Number) -> Result<i64, String> {
    if let Some(integer) = number.as_i64() {
        return integer
            .checked_mul(100)
            .ok_or_else(|| format!("{number} is too large"));
    }
    let text = number.to_string();
    if text.contains(['e', 'E']) {
        return Err(format!("{text} is not a plain decimal amount"));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let kept = &fraction[..fraction.len().min(2)];
    let mut cents = parse_cents(&format!("{whole}.{kept}"))?;
    if fraction.as_bytes().get(2).is_some_and(|d| *d >= b'5') {
        let away_from_zero = if text.starts_with('-') { -1 } else { 1 };
        cents = cents
            .checked_add(away_from_zero)
            .ok_or_else(|| format!("{text} is too large"))?;
    }
    Ok(cents)
}

/// Formats cents as the decimal string stores expect: 1990 → `"19.90"`, -5 → `"-0.05"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let magnitude = cents.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// `value / divisor` as an exact decimal string, for a power-of-ten `divisor`: grams to kg
/// (180 / 1000 → "0.18"), mm to cm (245 / 10 → "24.5").
pub fn format_scaled(value: i64, divisor: i64) -> String {
    let whole = value / divisor;
    let rest = (value % divisor).abs();
    if rest == 0 {
        return whole.to_string();
    }
    let width = divisor.to_string().len() - 1;
    let fraction = format!("{rest:0width$}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_become_exact_cents() {
        for (text, cents) in [
            ("19.90", 1990),
            ("19.9", 1990),
            ("19", 1900),
            ("0.05", 5),
            ("-5.00", -500),
            (".5", 50),
            ("24.54", 2454),
            ("1.100", 110),
            ("  3.00 ", 300),
            ("0", 0),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
    }

    #[test]
    fn what_is_not_money_is_refused() {
        for text in [
            "",
            "-",
            "abc",
            "1,90",
            "1.2.3",
            "1e3",
            "19.999",
            "+1",
            "99999999999999999999",
        ] {
            assert!(parse_cents(text).is_err(), "{text}");
        }
    }

    #[test]
    fn cents_format_back_to_the_same_string() {
        for cents in [
            0,
            5,
            99,
            100,
            1990,
            -5,
            -1990,
            i64::MAX,
            i64::MIN + 1,
            i64::MIN,
        ] {
            assert_eq!(parse_cents(&format_cents(cents)), Ok(cents));
        }
        assert_eq!(format_cents(1990), "19.90");
        assert_eq!(format_cents(-5), "-0.05");
    }

    #[test]
    fn json_numbers_are_read_from_their_text() {
        let n = |v: serde_json::Value| parse_number_cents(v.as_number().unwrap());
        assert_eq!(n(serde_json::json!(3)), Ok(300));
        assert_eq!(n(serde_json::json!(9.99)), Ok(999));
        assert_eq!(n(serde_json::json!(12.345)), Ok(1235));
        assert_eq!(n(serde_json::json!(3.3333333)), Ok(333));
        assert!(n(serde_json::json!(1e300)).is_err());
    }
}

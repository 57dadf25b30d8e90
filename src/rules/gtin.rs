//! GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) check digits.

/// True when `code` is 8, 12, 13 or 14 digits whose last digit is the GS1 mod-10 check digit.
pub fn is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    if !matches!(bytes.len(), 8 | 12 | 13 | 14) || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (body, check) = bytes.split_at(bytes.len() - 1);
    // Weights 3, 1, 3, ... from the digit next to the check digit.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check[0] - b'0')
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn real_codes_pass() {
        for code in [
            "7891000100103",
            "7891000315507",
            "96385074",
            "036000291452",
            "10036000291459",
        ] {
            assert!(is_valid(code), "{code}");
        }
    }

    #[test]
    fn a_wrong_check_digit_or_shape_fails() {
        for code in [
            "7891000100104",
            "789100010010",
            "78910001001O3",
            "",
            "1234567",
            "123456789012345",
            " 7891000100103",
        ] {
            assert!(!is_valid(code), "{code}");
        }
    }
}

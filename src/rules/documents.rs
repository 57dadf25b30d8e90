//! Brazilian taxpayer documents: CPF (individuals, 11 digits) and CNPJ (companies, 14
//! characters), with their check digits. CNPJ may be alphanumeric since July 2026: the first 12
//! characters are digits or capital letters, each worth its ASCII code minus 48.

/// Digits (and, for a CNPJ, capital letters) of a document as typed, without dots, dashes,
/// slashes or spaces.
pub fn normalize(document: &str) -> String {
    document
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True for a CPF with valid check digits (and not a run of one digit, which passes the
/// arithmetic but is never issued).
pub fn is_valid_cpf(document: &str) -> bool {
    let cpf = normalize(document);
    let digits: Vec<u32> = cpf.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 11 || cpf.len() != 11 || digits.iter().all(|d| *d == digits[0]) {
        return false;
    }
    let check = |len: usize| {
        let sum: u32 = digits[..len]
            .iter()
            .enumerate()
            .map(|(i, d)| d * (len as u32 + 1 - i as u32))
            .sum();
        let rest = (sum * 10) % 11;
        if rest == 10 {
            0
        } else {
            rest
        }
    };
    check(9) == digits[9] && check(10) == digits[10]
}

/// True for a CNPJ, numeric or alphanumeric, with valid check digits.
pub fn is_valid_cnpj(document: &str) -> bool {
    let cnpj = normalize(document);
    let bytes = cnpj.as_bytes();
    if bytes.len() != 14
        || !bytes[12..].iter().all(u8::is_ascii_digit)
        || bytes.iter().all(|b| *b == bytes[0])
    {
        return false;
    }
    let values: Vec<u32> = bytes.iter().map(|b| u32::from(*b) - 48).collect();
    let check = |len: usize| {
        // Weights 2..9 from the right, repeating.
        let sum: u32 = values[..len]
            .iter()
            .rev()
            .enumerate()
            .map(|(i, v)| v * (2 + (i as u32 % 8)))
            .sum();
        let rest = sum % 11;
        if rest < 2 {
            0
        } else {
            11 - rest
        }
    };
    check(12) == values[12] && check(13) == values[13]
}

/// True for an NF-e access key ("chave de acesso"): 44 digits whose last is the modulo-11 check
/// digit of the other 43 (weights 2 to 9 from the right, repeating; a remainder of 0 or 1 gives 0).
pub fn is_valid_invoice_key(key: &str) -> bool {
    let digits: Vec<u32> = key.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 44 || key.len() != 44 {
        return false;
    }
    let sum: u32 = digits[..43]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| d * (2 + (i as u32 % 8)))
        .sum();
    let rest = sum % 11;
    let check = if rest < 2 { 0 } else { 11 - rest };
    check == digits[43]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_cpfs_pass_formatted_or_not() {
        for cpf in [
            "529.982.247-25",
            "52998224725",
            "111.444.777-35",
            "068.149.843-93",
        ] {
            assert!(is_valid_cpf(cpf), "{cpf}");
        }
    }

    #[test]
    fn invalid_cpfs_fail() {
        for cpf in [
            "529.982.247-24",
            "111.111.111-11",
            "5299822472",
            "529982247250",
            "",
            "52998224A25",
        ] {
            assert!(!is_valid_cpf(cpf), "{cpf}");
        }
    }

    #[test]
    fn valid_cnpjs_pass_numeric_and_alphanumeric() {
        for cnpj in ["11.222.333/0001-81", "11222333000181", "12.ABC.345/01DE-35"] {
            assert!(is_valid_cnpj(cnpj), "{cnpj}");
        }
    }

    #[test]
    fn invalid_cnpjs_fail() {
        for cnpj in [
            "11.222.333/0001-82",
            "00.000.000/0000-00",
            "1122233300018",
            "12.ABC.345/01DE-3A",
        ] {
            assert!(!is_valid_cnpj(cnpj), "{cnpj}");
        }
    }

    #[test]
    fn normalize_keeps_only_digits_and_capital_letters() {
        assert_eq!(normalize("529.982.247-25"), "52998224725");
        assert_eq!(normalize("12.abc.345/01de-35"), "12ABC34501DE35");
    }

    #[test]
    fn an_invoice_key_needs_44_digits_and_its_check_digit() {
        // São Paulo (35), June 2017, the issuer's CNPJ, model 55, series 0, number 15430, then
        // the code and its check digit, 9.
        let key = "35170608530528000184550000000154301000771569";
        assert!(is_valid_invoice_key(key));
        let mut wrong = key.to_string();
        wrong.replace_range(43.., "2");
        assert!(!is_valid_invoice_key(&wrong));
        assert!(!is_valid_invoice_key(&key[..43]));
        assert!(!is_valid_invoice_key(
            "3517 0608 5305 2800 0184 5500 0000 0154 3010 0077 1569"
        ));
    }
}

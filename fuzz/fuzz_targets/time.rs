//! Time: `time::parse`, `to_utc`, `format_rfc3339` and `format_naive`, and the HTTP `Retry-After`
//! parser (`platform::http::parse_retry_after`), whose input comes off the network.
//!
//! Properties: no panic; any instant of the years 0000 to 9999 formats to text that parses back to
//! it; text that parses is RFC 3339 (with the documented liberties: a space for `T`, no zone for
//! UTC); `to_utc` of it is the instant's RFC 3339 UTC text, which parses back to the same instant.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte::platform::http::parse_retry_after;
use ponte::time;

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the instants four-digit years can write.
const FIRST: i64 = -62_167_219_200;
const LAST: i64 = 253_402_300_799;

fuzz_target!(|data: &[u8]| {
    if let Some(raw) = data.get(..8) {
        let raw = i64::from_le_bytes(raw.try_into().unwrap());
        let _ = time::format_naive(raw);
        let _ = time::format_rfc3339(raw);
        let unix = FIRST + raw.rem_euclid(LAST - FIRST + 1);
        let text = time::format_rfc3339(unix);
        assert_eq!(time::parse(&text), Some(unix), "{text}");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_retry_after(text);
    match time::parse(text) {
        Some(unix) => {
            assert!(rfc3339(text), "{text:?} is not RFC 3339 but parsed");
            let utc = time::to_utc(text).expect("to_utc accepts what parse accepts");
            assert_eq!(utc, time::format_rfc3339(unix));
            assert_eq!(
                time::parse(&utc),
                Some(unix),
                "{text:?} became {utc:?}, which does not parse back"
            );
        }
        None => assert_eq!(time::to_utc(text), None),
    }
});

/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z | ±HH:MM]`, offsets within RFC 3339's 00-23 and 00-59.
fn rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if b.len() < 19
        || !(digits(0..4) && digits(5..7) && digits(8..10))
        || !(digits(11..13) && digits(14..16) && digits(17..19))
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    let two = |hi: u8, lo: u8| {
        (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| (hi - b'0') * 10 + (lo - b'0'))
    };
    match rest {
        [] | [b'Z'] | [b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!((two(*h1, *h2), two(*m1, *m2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}

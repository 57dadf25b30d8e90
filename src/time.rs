//! UTC time as Ponte stores and shows it: RFC 3339 with `Z`. Store-local and offset times are
//! converted at the edge, here. Plain integer arithmetic on the proleptic Gregorian calendar.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => elapsed.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

/// `2026-11-28T01:13:03Z`.
pub fn format_rfc3339(unix: i64) -> String {
    format!("{}Z", format_naive(unix))
}

/// `2026-11-28T01:13:03`, the shape WooCommerce gives its dates (no zone; `_gmt` fields are UTC).
pub fn format_naive(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS`, optionally with fractional seconds and a `Z` or `±HH:MM`
/// offset; without a zone the time is taken as UTC. Returns Unix seconds.
pub fn parse(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b' ')
    {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            // `HH:MM`, two digits each, as RFC 3339 has it: no sign inside, no 80 minutes.
            let zone = &rest.as_bytes()[1..];
            let digits = |a: u8, b: u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let [h1, h2, b':', m1, m2] = zone else {
                return None;
            };
            let (hours, minutes) = (digits(*h1, *h2)?, digits(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let unix = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    // An offset may move an instant out of the years 0000-9999 that the text form can show.
    (FIRST_INSTANT..=LAST_INSTANT)
        .contains(&unix)
        .then_some(unix)
}

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the instants the text form can show.
const FIRST_INSTANT: i64 = -62_167_219_200;
const LAST_INSTANT: i64 = 253_402_300_799;

/// Normalizes any accepted time to RFC 3339 UTC.
pub fn to_utc(text: &str) -> Option<String> {
    parse(text).map(format_rfc3339)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_and_parse_both_ways() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse("2017-03-22T16:28:02"), Some(1_490_200_082));
        assert_eq!(format_rfc3339(1_490_200_082), "2017-03-22T16:28:02Z");
        for unix in [-86_400 * 365 * 3 + 7, 0, 1_490_200_082, 4_102_444_799] {
            assert_eq!(parse(&format_rfc3339(unix)), Some(unix));
        }
    }

    #[test]
    fn the_first_and_last_instants_are_where_the_text_form_ends() {
        assert_eq!(format_rfc3339(FIRST_INSTANT), "0000-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(LAST_INSTANT), "9999-12-31T23:59:59Z");
        // An offset that moves an instant out of them is refused, not turned into a year -1.
        assert_eq!(parse("0000-01-01T00:30:00+01:00"), None);
        assert_eq!(parse("9999-12-31T23:30:00-01:00"), None);
    }

    #[test]
    fn an_offset_is_two_digits_colon_two_digits_within_a_day() {
        for text in [
            "2022-04-08T17:01:33-04:80",
            "2017-03-22T16:28:02+24:00",
            "2017-03-22T16:28:02+-1:00",
            "2017-03-22T16:28:02-+1:00",
            "2017-03-22T16:28:02+0100",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(
            to_utc("2017-03-22T13:28:02-03:00").as_deref(),
            Some("2017-03-22T16:28:02Z")
        );
        assert_eq!(
            to_utc("2017-03-22T16:28:02.123Z").as_deref(),
            Some("2017-03-22T16:28:02Z")
        );
        assert_eq!(
            to_utc("2017-03-23T01:28:02+09:00").as_deref(),
            Some("2017-03-22T16:28:02Z")
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in [
            "",
            "2017-03-22",
            "2017-02-30T00:00:00",
            "2017-13-01T00:00:00",
            "2017-03-22T24:00:00",
            "2017-03-22T16:28:02+0300",
            "2017-03-22T16:28:02.Z",
            "２017-03-22T16:28:02",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

//! Numbers no type holds, in every position of a store's order and product (RELIABILITY.md
//! scenario 19): `1e400`, `-1e400`, `1e-400`, `-0`, `2^64`, and below `i64::MIN`, put in turn
//! where the official example payloads (`../shared/fixtures`) have a number or a numeric string.
//! Each time the listing around it still reads, the item is read or refused on its own, and
//! nothing panics. Then a listing near the size limit is read and its peak memory measured.
//!
//! Its own test binary, so the process's peak memory is this test's.

mod common;

use ponte::platform::{OrderQuery, OrderSort, Platform};
use ponte::sandbox::{Fault, FaultRule};
use serde_json::Value;

const TOKENS: [&str; 6] = [
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "18446744073709551616",
    "-9223372036854775809",
];

fn fixture(name: &str) -> Value {
    let path = common::repo_root().join("../shared/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// JSON pointers of every number, and every string that reads as one, in `value`.
fn numeric_places(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Number(_) => out.push(at),
        Value::String(s) if !s.is_empty() && s.parse::<f64>().is_ok() => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numeric_places(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let key = key.replace('~', "~0").replace('/', "~1");
                numeric_places(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// `item` with the value at `place` replaced by the raw `token`, as bytes of JSON.
fn with_token(item: &Value, place: &str, token: &str) -> Vec<u8> {
    const MARK: &str = "\u{1}PLACE\u{1}";
    let mut marked = item.clone();
    *marked.pointer_mut(place).unwrap() = Value::String(MARK.into());
    let text = marked.to_string();
    text.replacen(&format!("\"{}\"", "\\u0001PLACE\\u0001"), token, 1)
        .into_bytes()
}

fn answer_with(sandbox: &ponte::sandbox::WooSandbox, path: &str, body: Vec<u8>) {
    sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some(path.into()),
        times: 1,
        after: 0,
        fault: Fault::Bytes {
            status: 200,
            headers: vec![("X-WP-TotalPages".into(), "1".into())],
            body,
        },
    });
}

#[test]
fn a_number_no_type_holds_anywhere_in_an_order_or_product_fails_only_that_item() {
    let s = common::woo::store();
    for (name, path) in [
        ("woocommerce-order.json", "/wp-json/wc/v3/orders"),
        ("woocommerce-product.json", "/wp-json/wc/v3/products"),
    ] {
        let item = fixture(name);
        let good = item.to_string();
        let mut places = Vec::new();
        numeric_places(&item, String::new(), &mut places);
        assert!(places.len() >= 10, "{name}: {} places", places.len());
        let mut read = 0;
        let mut refused = 0;
        for place in &places {
            for token in TOKENS {
                let bad = with_token(&item, place, token);
                assert!(
                    String::from_utf8_lossy(&bad).contains(token),
                    "{place} {token}"
                );
                let mut body = format!("[{good},").into_bytes();
                body.extend(bad);
                body.push(b']');
                answer_with(&s.sandbox, path, body);
                let (items, failures) = if name.contains("order") {
                    let query = OrderQuery {
                        sort: OrderSort::Id,
                        ..OrderQuery::default()
                    };
                    let page = s.woo.list_orders(&query, 1).unwrap();
                    (page.items.len(), page.failures.len())
                } else {
                    let page = s.woo.list_products(1).unwrap();
                    (page.items.len(), page.failures.len())
                };
                assert_eq!(items + failures, 2, "{name} {place} = {token}");
                assert!(
                    items >= 1,
                    "{name} {place} = {token}: the good item was lost"
                );
                read += items - 1;
                refused += failures;
            }
        }
        eprintln!(
            "{name}: {} places x {} numbers: {read} read, {refused} refused",
            places.len(),
            TOKENS.len()
        );
        assert!(refused > 0, "{name}: no number was refused");
    }
}

/// The process's peak resident memory, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
#[cfg(target_os = "linux")]
fn a_listing_near_the_size_limit_is_read_within_bounded_memory() {
    let s = common::woo::store();
    let order = fixture("woocommerce-order.json");
    // About 30 MB: 1,000 orders with a 30 KB note each, and hostile numbers in every tenth.
    let mut body = Vec::with_capacity(31 * 1024 * 1024);
    body.push(b'[');
    for n in 0..1000 {
        let mut order = order.clone();
        order["id"] = Value::from(10_000 + n);
        order["customer_note"] = Value::String("x".repeat(30 * 1024));
        let mut text = order.to_string().into_bytes();
        if n % 10 == 0 {
            text = with_token(&order, "/total", "1e400");
        }
        if n > 0 {
            body.push(b',');
        }
        body.extend(text);
    }
    body.push(b']');
    let size_mib = body.len() / (1024 * 1024);
    let before = peak_kib();
    answer_with(&s.sandbox, "/wp-json/wc/v3/orders", body);
    let query = OrderQuery {
        sort: OrderSort::Id,
        ..OrderQuery::default()
    };
    let page = s.woo.list_orders(&query, 1).unwrap();
    assert_eq!((page.items.len(), page.failures.len()), (900, 100));
    if let (Some(before), Some(after)) = (before, peak_kib()) {
        let grew = after.saturating_sub(before) / 1024;
        eprintln!(
            "a {size_mib} MiB page raised the peak by {grew} MiB (from {} MiB)",
            before / 1024
        );
        assert!(grew < 400, "a {size_mib} MiB page took {grew} MiB");
    }
}

//! Splitting a store's JSON answer into its items without reading them, so one bad item (a
//! number too large for any type, bytes that are not UTF-8, nesting too deep) is that item's
//! problem and never fails the page around it. A byte scanner that only tracks strings and
//! brackets: no recursion, nothing allocated per level.

/// The byte slices of the items of a top-level JSON array, whitespace trimmed; `None` when the
/// text is not one array (an HTML error page, a truncated body).
pub fn array_items(body: &[u8]) -> Option<Vec<&[u8]>> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[start] != b'[' {
        return None;
    }
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut item_start = start + 1;
    let mut in_string = false;
    let mut escaped = false;
    for (at, &byte) in body.iter().enumerate().skip(start) {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let last = trim(&body[item_start..at]);
                    if !last.is_empty() {
                        items.push(last);
                    } else if !items.is_empty() {
                        return None; // `[1,]`
                    }
                    let rest = &body[at + 1..];
                    return rest.iter().all(u8::is_ascii_whitespace).then_some(items);
                }
            }
            b',' if depth == 1 => {
                let item = trim(&body[item_start..at]);
                if item.is_empty() {
                    return None;
                }
                items.push(item);
                item_start = at + 1;
            }
            _ => {}
        }
    }
    None
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &bytes[start..end.max(start)]
}

/// The raw value of a key of a top-level JSON object, such as `42` or `"2026-12-01T10:00:00"`
/// for `id` or `date_modified_gmt`, found without reading the rest of the object.
pub fn top_level_value<'a>(object: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let wanted = format!("\"{key}\"");
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    for (at, &byte) in object.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    let string = &object[string_start..=at];
                    if depth == 1 && string == wanted.as_bytes() {
                        let rest = trim(&object[at + 1..]);
                        let value = trim(rest.strip_prefix(b":")?);
                        return Some(&value[..value_end(value)?]);
                    }
                }
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                string_start = at;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.checked_sub(1)?,
            _ => {}
        }
    }
    None
}

/// Where a scalar value at the start of `bytes` ends: after its closing quote, or at the next
/// `,` or `}`.
fn value_end(bytes: &[u8]) -> Option<usize> {
    if bytes.first() == Some(&b'"') {
        let mut escaped = false;
        for (at, &byte) in bytes.iter().enumerate().skip(1) {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => return Some(at + 1),
                _ => {}
            }
        }
        return None;
    }
    let end = bytes
        .iter()
        .position(|b| matches!(b, b',' | b'}' | b']'))
        .unwrap_or(bytes.len());
    Some(trim(&bytes[..end]).len())
}

/// Up to `width` characters of `bytes` around `at`, lossy, for a message.
pub fn excerpt(bytes: &[u8], at: usize, width: usize) -> String {
    let start = at.saturating_sub(width / 2).min(bytes.len());
    let end = (start + width).min(bytes.len());
    let text = String::from_utf8_lossy(&bytes[start..end]);
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    format!(
        "{}{text}{}",
        if start > 0 { "…" } else { "" },
        if end < bytes.len() { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &[u8]) -> Option<Vec<String>> {
        array_items(text).map(|items| {
            items
                .into_iter()
                .map(|i| String::from_utf8_lossy(i).into_owned())
                .collect()
        })
    }

    #[test]
    fn items_are_split_whatever_they_hold() {
        assert_eq!(items(b" [ ] "), Some(vec![]));
        assert_eq!(
            items(br#"[{"a":[1,2],"b":"x,]}\""}, 1e400 ,"s"]"#),
            Some(vec![
                r#"{"a":[1,2],"b":"x,]}\""}"#.to_string(),
                "1e400".into(),
                r#""s""#.into()
            ])
        );
        let deep = format!("[{}{}, 2]", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(items(deep.as_bytes()).map(|i| i.len()), Some(2));
        assert_eq!(items(b"[{\"name\":\"\xff\"},{}]").map(|i| i.len()), Some(2));
    }

    #[test]
    fn what_is_not_one_array_is_refused() {
        for text in [
            &b"<html>"[..],
            b"{}",
            b"[1,2",
            b"[1,,2]",
            b"[1,]",
            b"[1] x",
            b"]",
            b"",
        ] {
            assert_eq!(items(text), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn a_top_level_value_is_found_without_reading_the_rest() {
        let order =
            br#"{"meta":{"id":7},"total":1e400,"id":42,"date_modified_gmt":"2026-12-01T10:00:00"}"#;
        assert_eq!(top_level_value(order, "id"), Some(&b"42"[..]));
        assert_eq!(
            top_level_value(order, "date_modified_gmt"),
            Some(&br#""2026-12-01T10:00:00""#[..])
        );
        assert_eq!(top_level_value(order, "missing"), None);
    }
}

//! JSON in with errors that say where: every parse failure carries the JSON path of the problem,
//! prefixed by what the caller sent (`products[2] (erp_id "P-100").variants[0].price_cents`).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// The largest JSON document accepted in one call. An ERP loading a catalog sends it in batches;
/// a bigger document is a mistake, and parsing it could exhaust the host's memory.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Parses `json` into a tree, with a size cap and the line and column of a syntax error.
pub fn parse_value(json: &str, what: &'static str) -> Result<Value> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(Error::InputTooLarge {
            what,
            size: json.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    serde_json::from_str(json).map_err(|err| Error::InvalidJson {
        path: what.to_string(),
        message: format!("not valid JSON: {err}"),
    })
}

/// Converts a tree into `T`, naming the path of the first field that does not fit.
pub fn from_value<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = join_path(prefix, err.path());
        Error::InvalidJson {
            path,
            message: err.into_inner().to_string(),
        }
    })
}

/// Parses a JSON array whose items each become a `T`. `label` names an item for error messages,
/// so a caller learns which product broke, not only its index.
pub fn parse_array<T: DeserializeOwned>(
    json: &str,
    what: &'static str,
    label: impl Fn(usize, &Value) -> String,
) -> Result<Vec<T>> {
    let Value::Array(items) = parse_value(json, what)? else {
        return Err(Error::InvalidJson {
            path: what.to_string(),
            message: "expected a JSON array".to_string(),
        });
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let prefix = label(index, &item);
            from_value(item, &prefix)
        })
        .collect()
}

/// `what[index]`, plus the item's key when it has one: `products[2] (erp_id "P-100")`.
pub fn item_label(what: &str, index: usize, item: &Value, key: &str) -> String {
    match item.get(key).and_then(Value::as_str) {
        Some(id) => format!("{what}[{index}] ({key} {id:?})"),
        None => format!("{what}[{index}]"),
    }
}

fn join_path(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = prefix.to_string();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        sizes: Vec<u32>,
    }

    #[test]
    fn a_wrong_type_is_reported_with_its_item_and_path() {
        let err = parse_array::<Item>(
            r#"[{"id":"a","sizes":[1]},{"id":"b","sizes":[1,"x"]}]"#,
            "items",
            |i, v| item_label("items", i, v, "id"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(r#"items[1] (id "b").sizes[1]: invalid type"#),
            "{text}"
        );
    }

    #[test]
    fn a_syntax_error_names_the_input_and_position() {
        let err = parse_value("[1,", "items").unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }));
        assert!(err.to_string().contains("line 1 column 3"), "{err}");
    }

    #[test]
    fn an_object_where_an_array_belongs_is_refused() {
        let err = parse_array::<Item>(r#"{"id":"a"}"#, "items", |i, v| {
            item_label("items", i, v, "id")
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "items: expected a JSON array");
    }
}

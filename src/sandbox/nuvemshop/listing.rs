//! Collection reads, as [TN-README "Pagination"] describes them: `page` from 1, `per_page` up
//! to 200 (30 by default), `X-Total-Count`, and a `Link` header with the full URLs of the
//! `first`, `prev`, `next` and `last` pages, the other query parameters kept. `fields` (a comma
//! list) keeps only those fields of each item.

use serde_json::Value;

use super::errors::NuvemError;
use super::Reply;
use crate::sandbox::server::HttpRequest;

pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 200;

/// A page of `items` (already filtered and sorted), with its headers. `home` is
/// `http://127.0.0.1:PORT`.
///
/// - `per_page` above 200 (or 0, or not a number) is refused with 422 rather than clamped
///   (sandbox's choice: a client that asks for more than the documented maximum learns it here,
///   not by silently missing items).
/// - A page past the last one, page 1 of an empty result included, is a 404
///   `{"code":404,"message":"Not Found","description":"Last page is N"}` (inference: what the
///   live API answers, as integrators report it; the docs say nothing). With
///   `last_page_404 == false` it is `[]` with 200 instead.
pub fn page(request: &HttpRequest, items: Vec<Value>, home: &str, last_page_404: bool) -> Reply {
    let number = |name: &str, default: usize| -> Result<usize, NuvemError> {
        match request.param(name) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    NuvemError::unprocessable(format!("{name} must be a positive integer"))
                }),
        }
    };
    let page = number("page", 1)?;
    let per_page = number("per_page", DEFAULT_PER_PAGE)?;
    if per_page > MAX_PER_PAGE {
        return Err(NuvemError::unprocessable(format!(
            "per_page must be at most {MAX_PER_PAGE}"
        )));
    }
    let total = items.len();
    let last = total.div_ceil(per_page);
    if page > last && last_page_404 {
        return Err(NuvemError::not_found(format!("Last page is {last}")));
    }
    let fields = fields(request);
    let shown: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|item| select(item, fields.as_deref()))
        .collect();
    let mut headers = vec![("X-Total-Count".to_string(), total.to_string())];
    let url = |n: usize| page_url(request, home, n, per_page);
    let mut links = Vec::new();
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", url(last)));
    }
    if page > 1 && last > 0 {
        links.push(format!("<{}>; rel=\"first\"", url(1)));
        links.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(last))));
    }
    if !links.is_empty() {
        headers.push(("Link".to_string(), links.join(", ")));
    }
    Ok((200, Value::Array(shown), headers))
}

/// The full URL of page `n`: this request's, `page` and `per_page` replaced.
fn page_url(request: &HttpRequest, home: &str, n: usize, per_page: usize) -> String {
    let mut pairs: Vec<String> = request
        .raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            key != "page" && key != "per_page"
        })
        .map(str::to_string)
        .collect();
    pairs.push(format!("page={n}"));
    pairs.push(format!("per_page={per_page}"));
    format!("{home}{}?{}", request.path, pairs.join("&"))
}

/// The `fields` parameter: which fields to keep, or `None` for all.
pub fn fields(request: &HttpRequest) -> Option<Vec<String>> {
    let text = request.param("fields")?.trim();
    if text.is_empty() {
        return None;
    }
    Some(
        text.split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
    )
}

/// `item` with only `fields` (all of it when `None`).
pub fn select(item: Value, fields: Option<&[String]>) -> Value {
    match (fields, item) {
        (Some(fields), Value::Object(map)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.iter().any(|f| f == k))
                .collect(),
        ),
        (_, item) => item,
    }
}

/// `Some(unix)` of a date filter (`updated_at_min`...), an error naming it if unreadable.
pub fn date_param(request: &HttpRequest, name: &str) -> Result<Option<i64>, NuvemError> {
    match request.param(name) {
        None | Some("") => Ok(None),
        Some(text) => super::parse_time(text).map(Some).ok_or_else(|| {
            NuvemError::unprocessable(format!("{name} is not a valid ISO 8601 date: {text}"))
        }),
    }
}

/// Whether `time` (a stored date) is within `[min, max]`, both inclusive (sandbox's choice: the
/// docs do not say; inclusive bounds never lose the item changed at the very instant a client
/// asks from).
pub fn within(time: &Value, min: Option<i64>, max: Option<i64>) -> bool {
    let Some(unix) = time.as_str().and_then(super::parse_time) else {
        return min.is_none() && max.is_none();
    };
    min.is_none_or(|m| unix >= m) && max.is_none_or(|m| unix <= m)
}

/// `since_id`: items with a greater id only.
pub fn since_id(request: &HttpRequest) -> Result<Option<u64>, NuvemError> {
    match request.param("since_id") {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<u64>()
            .map(Some)
            .map_err(|_| NuvemError::unprocessable("since_id must be an integer")),
    }
}

/// A filter's value as a boolean (`published=true`).
pub fn bool_param(request: &HttpRequest, name: &str) -> Option<bool> {
    match request.param(name)? {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

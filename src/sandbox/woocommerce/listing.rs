//! Collection reads as WordPress and MariaDB answer them: the shared query parameters with their
//! validation errors, strict date bounds, `include`/`exclude`, the sort orders each endpoint really
//! applies (ties included), paging headers and `Link`.

use serde_json::Value;

use super::super::server::HttpRequest;
use super::errors::ParamError;
use super::{Reply, SITE_OFFSET_SECONDS};
use crate::platform::oauth;

/// A collection read, parsed and checked.
pub(super) struct ListQuery {
    pub page: usize,
    pub per_page: usize,
    /// First row of the page: `offset` when given, else `(page - 1) * per_page`.
    pub start: usize,
    pub include: Vec<u64>,
    pub exclude: Vec<u64>,
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub modified_after: Option<i64>,
    pub modified_before: Option<i64>,
    pub orderby: String,
    pub descending: bool,
}

impl ListQuery {
    /// Whether an item passes `include`, `exclude` and the four date bounds. WordPress compares
    /// `>` and `<`: an item at exactly the bound is left out on both sides (seen on 10.0.2).
    pub fn admits(&self, item: &Value) -> bool {
        let id = item["id"].as_u64().unwrap_or(0);
        let time = |field: &str| {
            item[field]
                .as_str()
                .and_then(crate::time::parse)
                .unwrap_or(0)
        };
        (self.include.is_empty() || self.include.contains(&id))
            && !self.exclude.contains(&id)
            && self.after.is_none_or(|t| time("date_created_gmt") > t)
            && self.before.is_none_or(|t| time("date_created_gmt") < t)
            && self
                .modified_after
                .is_none_or(|t| time("date_modified_gmt") > t)
            && self
                .modified_before
                .is_none_or(|t| time("date_modified_gmt") < t)
    }
}

/// WordPress's `%l` list: "a", "a and b", "a, b, and c".
pub(super) fn wp_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first, second] => format!("{first} and {second}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// A comma (or space) separated list, empty parts dropped, as `wp_parse_list` reads it. The
/// array form `name[]=a&name[]=b` is read too.
pub(super) fn list_param(request: &HttpRequest, name: &str) -> Vec<String> {
    let array_name = format!("{name}[]");
    let mut items: Vec<String> = request
        .param(name)
        .map(|p| {
            p.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    items.extend(
        request
            .query
            .iter()
            .filter(|(k, _)| *k == array_name)
            .map(|(_, v)| v.clone()),
    );
    items
}

/// A list of ids as WordPress sanitises it (`absint`): what is not a number counts as 0.
fn id_list(request: &HttpRequest, name: &str) -> Vec<u64> {
    list_param(request, name)
        .iter()
        .map(|s| s.parse::<i64>().map(i64::unsigned_abs).unwrap_or(0))
        .collect()
}

fn integer_param(request: &HttpRequest, name: &str, errors: &mut Vec<ParamError>) -> Option<i64> {
    let text = request.param(name)?;
    match text.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(ParamError::invalid_type(name, "integer"));
            None
        }
    }
}

/// `rest_sanitize_boolean`, with the type error for anything else.
pub(super) fn boolean_param(
    request: &HttpRequest,
    name: &str,
    errors: &mut Vec<ParamError>,
) -> Option<bool> {
    match request.param(name)?.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => {
            errors.push(ParamError::invalid_type(name, "boolean"));
            None
        }
    }
}

/// Whether a date parameter names its zone (`Z` or `±HH:MM` after the seconds and fraction).
fn has_zone(text: &str) -> bool {
    let rest = text.get(19..).unwrap_or("");
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    !rest.is_empty()
}

/// Reads the parameters every collection shares, checking them in the order of the route's
/// arguments so a request with several bad ones lists them as WordPress does. `orderby_allowed`
/// is the endpoint's enum, `default_orderby` its default. Errors are added to `errors`; the
/// caller adds its own (the order `status`, say) and fails if there are any.
pub(super) fn read_query(
    request: &HttpRequest,
    orderby_allowed: &[&str],
    default_orderby: &str,
    errors: &mut Vec<ParamError>,
) -> ListQuery {
    let page = match integer_param(request, "page", errors) {
        Some(n) if n < 1 => {
            errors.push(ParamError::out_of_bounds(
                "page",
                "page must be greater than or equal to 1",
            ));
            1
        }
        Some(n) => n as usize,
        None => 1,
    };
    let per_page = match integer_param(request, "per_page", errors) {
        Some(n) if !(1..=100).contains(&n) => {
            errors.push(ParamError::out_of_bounds(
                "per_page",
                "per_page must be between 1 (inclusive) and 100 (inclusive)",
            ));
            10
        }
        Some(n) => n as usize,
        None => 10,
    };
    let mut dates = Vec::new();
    for name in ["after", "before", "modified_after", "modified_before"] {
        let value = match request.param(name) {
            None => None,
            Some(text) => match crate::time::parse(text) {
                Some(unix) => Some((unix, has_zone(text))),
                None => {
                    errors.push(ParamError::invalid_date(name));
                    None
                }
            },
        };
        dates.push(value);
    }
    let gmt = boolean_param(request, "dates_are_gmt", errors).unwrap_or(false);
    // A date with a zone is an instant; one without is the site's local time, or GMT with
    // `dates_are_gmt`.
    let instant = |value: Option<(i64, bool)>| {
        value.map(|(unix, zoned)| {
            if zoned || gmt {
                unix
            } else {
                unix - SITE_OFFSET_SECONDS
            }
        })
    };
    let exclude = id_list(request, "exclude");
    let include = id_list(request, "include");
    // The schema sets no minimum: a real store answers `offset=-1` as if none was given.
    let offset = integer_param(request, "offset", errors)
        .filter(|n| *n >= 0)
        .map(|n| n as usize);
    let descending = match request.param("order") {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            errors.push(ParamError::not_in_enum("order", "order", &["asc", "desc"]));
            true
        }
    };
    let orderby = request.param("orderby").unwrap_or(default_orderby);
    if !orderby_allowed.contains(&orderby) {
        errors.push(ParamError::not_in_enum(
            "orderby",
            "orderby",
            orderby_allowed,
        ));
    }
    ListQuery {
        page,
        per_page,
        start: offset.unwrap_or_else(|| (page - 1).saturating_mul(per_page)),
        include,
        exclude,
        after: instant(dates[0]),
        before: instant(dates[1]),
        modified_after: instant(dates[2]),
        modified_before: instant(dates[3]),
        orderby: orderby.to_string(),
        descending,
    }
}

/// A sort key: text (dates as `YYYY-MM-DDTHH:MM:SS`, names), a number (cents, counts), or both.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Number(i64),
    Text(String),
    NumberThenText(i64, String),
}

fn text(item: &Value, field: &str) -> String {
    item[field].as_str().unwrap_or("").to_string()
}

fn cents(item: &Value, field: &str) -> i64 {
    item[field]
        .as_str()
        .and_then(|s| crate::model::money::parse_cents(s).ok())
        .unwrap_or(0)
}

pub(super) fn created_key(item: &Value) -> Key {
    Key::Text(text(item, "date_created_gmt"))
}

pub(super) fn modified_key(item: &Value) -> Key {
    Key::Text(text(item, "date_modified_gmt"))
}

pub(super) fn name_key(item: &Value) -> Key {
    Key::Text(text(item, "name"))
}

pub(super) fn slug_key(item: &Value) -> Key {
    Key::Text(text(item, "slug"))
}

pub(super) fn menu_order_key(item: &Value) -> Key {
    Key::NumberThenText(item["menu_order"].as_i64().unwrap_or(0), text(item, "name"))
}

pub(super) fn price_key(item: &Value) -> Key {
    Key::Number(cents(item, "price"))
}

pub(super) fn sales_key(item: &Value) -> Key {
    Key::Number(item["total_sales"].as_i64().unwrap_or(0))
}

pub(super) fn rating_key(item: &Value) -> Key {
    Key::Number(cents(item, "average_rating"))
}

pub(super) type KeyFn = fn(&Value) -> Key;

/// The `ORDER BY` a query really runs, and so how its ties come out.
pub(super) enum Sort {
    /// `ORDER BY key, id`: stable.
    KeyThenId(KeyFn),
    /// `ORDER BY key` alone on a short key: MariaDB sorts with a priority queue for the LIMIT,
    /// so rows sharing the key come back in an order that changes with the page asked for.
    KeyOnly(KeyFn),
    /// `ORDER BY key` alone on a long text key: MariaDB sorts the whole set and ties keep table
    /// order (ids ascending), whatever the direction.
    KeyThenTable(KeyFn),
    /// `ORDER BY id`.
    Id,
    /// `ORDER BY FIELD(id, …)`: the order of `include`, whatever the direction.
    Given(Vec<u64>),
    /// No `ORDER BY` at all: table order, ids ascending, whatever the direction.
    Table,
}

/// A permutation of ties that depends on the page asked for, as MariaDB's LIMIT sort gives
/// (the same page asked twice comes back the same; another page reorders the ties).
fn shuffle(id: u64, start: usize, per_page: usize) -> u64 {
    let mut x = id
        ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (per_page as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    // splitmix64's finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(super) fn sort(items: &mut Vec<&Value>, sort: &Sort, query: &ListQuery) {
    use std::cmp::Ordering;
    let id = |v: &Value| v["id"].as_u64().unwrap_or(0);
    let directed = |o: Ordering| if query.descending { o.reverse() } else { o };
    let mut keyed: Vec<(Key, u64, &Value)> = items
        .drain(..)
        .map(|item| {
            let key = match sort {
                Sort::KeyThenId(f) | Sort::KeyOnly(f) | Sort::KeyThenTable(f) => f(item),
                Sort::Given(ids) => Key::Number(
                    ids.iter()
                        .position(|given| *given == id(item))
                        .unwrap_or(usize::MAX) as i64,
                ),
                Sort::Id | Sort::Table => Key::Number(0),
            };
            let tie = match sort {
                Sort::KeyOnly(_) => shuffle(id(item), query.start, query.per_page),
                _ => id(item),
            };
            (key, tie, item)
        })
        .collect();
    keyed.sort_by(|a, b| match sort {
        Sort::KeyThenId(_) | Sort::Id => directed(a.0.cmp(&b.0).then(a.1.cmp(&b.1))),
        Sort::KeyOnly(_) => directed(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)),
        Sort::KeyThenTable(_) => directed(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)),
        Sort::Given(_) | Sort::Table => a.0.cmp(&b.0).then(a.1.cmp(&b.1)),
    });
    items.extend(keyed.into_iter().map(|(_, _, item)| item));
}

/// One page of sorted `items` with `X-WP-Total`, `X-WP-TotalPages` and, when there is a page
/// before or after, `Link` (prev and next only, as the CRUD controller sends them).
pub(super) fn paged(
    home: &str,
    request: &HttpRequest,
    query: &ListQuery,
    items: Vec<&Value>,
    view: impl Fn(&Value) -> Value,
) -> Reply {
    let total = items.len();
    let total_pages = total.div_ceil(query.per_page);
    let start = query.start.min(total);
    // Only the page is copied: a store with many orders answers each page in little time.
    let slice: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(query.per_page)
        .map(view)
        .collect();
    let mut headers = vec![
        ("X-WP-Total".to_string(), total.to_string()),
        ("X-WP-TotalPages".to_string(), total_pages.to_string()),
    ];
    let page = query.page;
    let mut links = Vec::new();
    if page > 1 {
        let target = (page - 1).min(total_pages.max(1));
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_link(home, request, target)
        ));
    }
    if page < total_pages {
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_link(home, request, page + 1)
        ));
    }
    if !links.is_empty() {
        headers.push(("Link".to_string(), links.join(", ")));
    }
    Ok((200, Value::Array(slice), headers, 0))
}

/// The request's own URL with `page` swapped. Every parameter is kept in its place, the
/// `oauth_*` ones (signature included) too, as WordPress repeats them (kit quirk 10).
fn page_link(home: &str, request: &HttpRequest, target: usize) -> String {
    let mut replaced = false;
    let mut query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| {
            if k == "page" {
                replaced = true;
                format!("page={target}")
            } else {
                format!("{}={}", oauth::percent_encode(k), oauth::percent_encode(v))
            }
        })
        .collect();
    if !replaced {
        query.push(format!("page={target}"));
    }
    format!("{home}{}?{}", request.path, query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_lists_read_like_prose() {
        assert_eq!(wp_list(&["asc", "desc"]), "asc and desc");
        assert_eq!(wp_list(&["a", "b", "c"]), "a, b, and c");
        assert_eq!(wp_list(&["a"]), "a");
    }

    #[test]
    fn a_zone_is_seen_after_the_seconds() {
        assert!(!has_zone("2024-01-01T10:00:00"));
        assert!(!has_zone("2024-01-01T10:00:00.123"));
        assert!(has_zone("2024-01-01T10:00:00Z"));
        assert!(has_zone("2024-01-01T10:00:00-03:00"));
    }
}

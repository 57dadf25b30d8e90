//! Reading stores' answers the same way on every platform: JSON bodies with the request named in
//! the error, listings split into items read one by one (a bad item is a failure with its id,
//! never a failed page), and paged reads kept finite.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::platform::http::{Request, Response};
use crate::platform::json_scan;
use crate::platform::{ItemError, ItemFailure};

/// Most pages Ponte reads of one listing: a million items at 100 a page.
const MAX_PAGES: u32 = 10_000;

/// Keeps a paged read finite: a store whose pages repeat, or that claims more pages than any
/// catalog has, is stopped with an error instead of being read, and held in memory, forever.
pub struct PageGuard {
    what: &'static str,
    seen: std::collections::BTreeSet<String>,
    pages: u32,
}

impl PageGuard {
    pub fn new(what: &'static str) -> PageGuard {
        PageGuard {
            what,
            seen: std::collections::BTreeSet::new(),
            pages: 0,
        }
    }

    /// Takes one page's ids: an error when it brought none not read before, or one page too many.
    pub fn admit(&mut self, ids: impl IntoIterator<Item = String>) -> Result<()> {
        self.pages += 1;
        let before = self.seen.len();
        let mut any = false;
        for id in ids {
            any = true;
            self.seen.insert(id);
        }
        if any && self.seen.len() == before {
            return Err(Error::InvalidResponse(format!(
                "{}: page {} repeats what was read before; the store's paging looks wrong",
                self.what, self.pages
            )));
        }
        if self.pages > MAX_PAGES {
            return Err(Error::InvalidResponse(format!(
                "{}: more than {MAX_PAGES} pages; the store's paging looks wrong",
                self.what
            )));
        }
        Ok(())
    }
}

/// The items of a listing's JSON array, each read on its own by `parse`: one bad item (a number
/// like `1e400`, bytes that are not UTF-8, nesting too deep, a field of the wrong type) is a
/// failure with its id, an excerpt, and its `modified_key` time when that much is readable.
pub fn items<T>(
    response: &Response,
    request: &Request,
    page: u32,
    modified_key: &str,
    parse: impl Fn(&Value) -> std::result::Result<T, String>,
) -> Result<(Vec<T>, Vec<ItemFailure>)> {
    let raw_items = json_scan::array_items(&response.body).ok_or_else(|| {
        Error::InvalidResponse(format!(
            "{} page {page}: expected a JSON array from the store, got {:?}",
            request.describe(),
            json_scan::excerpt(&response.body, 0, 80)
        ))
    })?;
    let mut items = Vec::with_capacity(raw_items.len());
    let mut failures = Vec::new();
    for (position, raw) in raw_items.into_iter().enumerate() {
        let parsed = serde_json::from_slice::<Value>(raw)
            .map_err(|err| unreadable(raw, &err))
            .and_then(|item| parse(&item));
        match parsed {
            Ok(parsed) => items.push(parsed),
            Err(reason) => failures.push(ItemFailure {
                store_id: json_scan::top_level_value(raw, "id")
                    .map(|id| String::from_utf8_lossy(id).trim_matches('"').to_string())
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| format!("page {page} item {position}")),
                reason,
                modified_at: json_scan::top_level_value(raw, modified_key)
                    .and_then(|text| std::str::from_utf8(text).ok())
                    .and_then(|text| crate::time::parse(text.trim_matches('"')))
                    .map(crate::time::format_rfc3339),
            }),
        }
    }
    Ok((items, failures))
}

/// Why an item is not readable JSON, with the text around the problem.
fn unreadable(raw: &[u8], err: &serde_json::Error) -> String {
    let (cause, at) = match std::str::from_utf8(raw) {
        Err(utf8) => ("bytes that are not UTF-8".to_string(), utf8.valid_up_to()),
        Ok(_) => {
            // The item is one line as stores send it; the column is then its byte offset.
            let at = raw
                .split(|b| *b == b'\n')
                .take(err.line().saturating_sub(1))
                .map(|line| line.len() + 1)
                .sum::<usize>()
                + err.column().saturating_sub(1);
            (err.to_string(), at)
        }
    };
    format!(
        "not readable as JSON ({cause}) near {:?}",
        json_scan::excerpt(raw, at, 60)
    )
}

/// A JSON answer, or an error naming the request and quoting the start of what came instead.
pub fn read_json(response: &Response, request: &Request) -> Result<Value> {
    serde_json::from_slice(&response.body).map_err(|err| {
        let preview: String = String::from_utf8_lossy(&response.body)
            .chars()
            .take(120)
            .collect();
        Error::InvalidResponse(format!(
            "{}: the store answered {} with a body that is not JSON ({err}): {preview:?}",
            request.describe(),
            response.status
        ))
    })
}

/// A write that failed on the way (no answer, or one that could not be read): the engines keep
/// it to try again, and check the store first where it may have been applied.
pub fn transport_item_error(reason: &str) -> ItemError {
    ItemError {
        code: "ponte_transport".into(),
        message: reason.to_string(),
        status: 0,
        resource_id: None,
    }
}

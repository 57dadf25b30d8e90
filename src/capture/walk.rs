//! Reading a store's orders by key, so that no order falls between two pages.
//!
//! Offset pages over a set that changes while it is read lose orders. When the merchant
//! completes an order of page 1, every later order moves up one place and one of them is on no
//! page at all. And a store sorting by modification time gives the orders of one second in no
//! fixed order, not even from one page to the next (MySQL), so pages 1 and 2 may both hold some
//! of them and neither hold others.
//!
//! The walk reads by key instead. Each request asks for the first page of the orders modified at
//! or after the newest second read so far, leaving out the orders of that second already read.
//! An order modified meanwhile only moves ahead of the cursor, where the walk meets it again; an
//! order leaving the statuses moves nothing. A second holding more orders than a page is read on
//! its own, by id, until one pass shows every order the store counts in it.

use std::collections::BTreeSet;

use crate::error::Result;
use crate::model::order::StoreOrder;
use crate::platform::{ItemFailure, OrderQuery, OrderSort, Page, Platform};

/// Passes over one crowded second before the walk gives up on it for this capture.
const MAX_PASSES: u32 = 4;

const LOOKS_WRONG: &str = "the store answered with orders already read, as if it ignored the cursor or repeated a page: its listing of orders looks wrong; the next capture reads them again";

fn request_limit(requests: u32) -> String {
    format!(
        "{requests} listing requests made, the most one capture makes (order_capture.max_listing_requests); the next capture goes on from here"
    )
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WalkEnd {
    /// Every order modified up to this second (Unix, UTC) has been read; `None` when the walk
    /// proved nothing past where it started.
    pub proven: Option<i64>,
    /// Requests made.
    pub requests: u32,
    /// Why the walk stopped before the end: the watermark then moves only to `proven`.
    pub unfinished: Option<String>,
}

/// Reads every order in `statuses` modified at or after `from` (every order, without it), and
/// hands each page to `on_page` as it comes. An order already read in this walk is left out
/// unless it changed since, so a page may come empty. Makes at most `max_requests` requests, and
/// none once `stop` gives a reason (a deadline, a caller's cancel): asked before each request.
pub(crate) fn walk(
    platform: &dyn Platform,
    statuses: &[String],
    from: Option<i64>,
    max_requests: u32,
    stop: &mut dyn FnMut() -> Option<String>,
    on_page: &mut dyn FnMut(Page<StoreOrder>) -> Result<()>,
) -> Result<WalkEnd> {
    let mut walk = Walk {
        platform,
        statuses,
        seen: BTreeSet::new(),
        requests: 0,
        max_requests,
    };
    // The cursor: every order modified before `from` is read, and so are these of second `from`.
    let mut from = from;
    let mut read_at_from: BTreeSet<String> = BTreeSet::new();
    let mut newest: Option<i64> = None;
    let unfinished = |proven: Option<i64>, requests: u32, why: String| {
        log::warn!(target: "ponte::capture", "order listing stopped early: {why}");
        Ok(WalkEnd {
            proven,
            requests,
            unfinished: Some(why),
        })
    };
    loop {
        let before_cursor = from.map(|f| f - 1);
        if walk.requests >= walk.max_requests {
            return unfinished(before_cursor, walk.requests, request_limit(walk.requests));
        }
        if let Some(why) = stop() {
            return unfinished(before_cursor, walk.requests, why);
        }
        let query = OrderQuery {
            statuses: statuses.to_vec(),
            modified_after: before_cursor,
            exclude: read_at_from.iter().cloned().collect(),
            sort: OrderSort::Modified,
            ..OrderQuery::default()
        };
        let page = walk.list(&query, 1)?;
        let stamps = stamps(&page);
        if stamps.is_empty() {
            break;
        }
        if stamps.iter().all(|stamp| walk.seen.contains(stamp)) {
            return unfinished(before_cursor, walk.requests, LOOKS_WRONG.to_string());
        }
        let has_more = page.has_more;
        let times = stamps.iter().filter_map(|(_, t)| *t);
        let (oldest, latest) = (times.clone().min(), times.max());
        walk.hand_over(page, on_page)?;
        let Some(latest) = latest else {
            // Nothing on the page says when it changed: leave the orders out and go on.
            read_at_from.extend(stamps.into_iter().map(|(id, _)| id));
            if !has_more {
                break;
            }
            continue;
        };
        newest = newest.max(Some(latest));
        if has_more && oldest == Some(latest) {
            // A whole page of one second, and more behind it: read that second whole, by id.
            let at = crate::time::format_rfc3339(latest);
            let why = match walk.read_second(latest, stop, on_page)? {
                SecondRead::Whole => None,
                SecondRead::Unsteady => Some(format!(
                    "the orders modified at {at} kept changing while they were read ({MAX_PASSES} passes); the next capture reads them again"
                )),
                SecondRead::RequestLimit => Some(request_limit(walk.requests)),
                SecondRead::LooksWrong => Some(LOOKS_WRONG.to_string()),
                SecondRead::Stopped(why) => Some(why),
            };
            if let Some(why) = why {
                return unfinished(Some(latest - 1), walk.requests, why);
            }
            from = Some(latest + 1);
            read_at_from.clear();
            continue;
        }
        if from.is_none_or(|f| latest > f) {
            from = Some(latest);
            read_at_from.clear();
        }
        read_at_from.extend(
            stamps
                .into_iter()
                .filter(|(_, t)| *t == Some(latest))
                .map(|(id, _)| id),
        );
        if !has_more {
            break;
        }
    }
    Ok(WalkEnd {
        proven: newest,
        requests: walk.requests,
        unfinished: None,
    })
}

struct Walk<'a> {
    platform: &'a dyn Platform,
    statuses: &'a [String],
    /// Every order read in this walk, with the second it was modified in when read.
    seen: BTreeSet<Stamp>,
    requests: u32,
    max_requests: u32,
}

impl Walk<'_> {
    fn list(&mut self, query: &OrderQuery, page: u32) -> Result<Page<StoreOrder>> {
        self.requests += 1;
        self.platform.list_orders(query, page)
    }

    /// Hands the orders not read before in this walk, or changed since, to `on_page`.
    fn hand_over(
        &mut self,
        mut page: Page<StoreOrder>,
        on_page: &mut dyn FnMut(Page<StoreOrder>) -> Result<()>,
    ) -> Result<()> {
        let seen = &mut self.seen;
        page.items.retain(|order| seen.insert(order_stamp(order)));
        page.failures
            .retain(|failure| seen.insert(failure_stamp(failure)));
        on_page(page)
    }

    /// Reads every order modified in second `second`, by id, until one pass sees as many orders
    /// as the store counts in it with the count unchanged from page to page. Orders can only
    /// leave a past second (a change moves them to a later one, where the walk meets them), so
    /// such a pass missed none.
    fn read_second(
        &mut self,
        second: i64,
        stop: &mut dyn FnMut() -> Option<String>,
        on_page: &mut dyn FnMut(Page<StoreOrder>) -> Result<()>,
    ) -> Result<SecondRead> {
        let query = OrderQuery {
            statuses: self.statuses.to_vec(),
            modified_after: Some(second - 1),
            modified_before: Some(second + 1),
            sort: OrderSort::Id,
            ..OrderQuery::default()
        };
        for _ in 0..MAX_PASSES {
            let mut in_pass: BTreeSet<String> = BTreeSet::new();
            let mut totals: BTreeSet<Option<u64>> = BTreeSet::new();
            for number in 1.. {
                if self.requests >= self.max_requests {
                    return Ok(SecondRead::RequestLimit);
                }
                if let Some(why) = stop() {
                    return Ok(SecondRead::Stopped(why));
                }
                let page = self.list(&query, number)?;
                totals.insert(page.total);
                let ids = stamps(&page).into_iter().map(|(id, _)| id);
                let before = in_pass.len();
                in_pass.extend(ids);
                if in_pass.len() == before && page.has_more {
                    // A page of ids already read in this pass, ordered by id: not a listing.
                    return Ok(SecondRead::LooksWrong);
                }
                let has_more = page.has_more;
                self.hand_over(page, on_page)?;
                if !has_more {
                    break;
                }
            }
            let steady_count =
                totals.len() == 1 && totals.first() == Some(&Some(in_pass.len() as u64));
            if steady_count {
                return Ok(SecondRead::Whole);
            }
        }
        Ok(SecondRead::Unsteady)
    }
}

/// How reading one crowded second ended.
enum SecondRead {
    Whole,
    /// No pass saw the store's count unchanged.
    Unsteady,
    RequestLimit,
    /// A page brought nothing new, though the store said more would come.
    LooksWrong,
    /// The caller's time limit or cancel, with its reason.
    Stopped(String),
}

/// An order's id and the second it was last modified in, when that could be read.
type Stamp = (String, Option<i64>);

fn order_stamp(order: &StoreOrder) -> Stamp {
    (
        order.store_order_id.clone(),
        crate::time::parse(&order.modified_at),
    )
}

fn failure_stamp(failure: &ItemFailure) -> Stamp {
    (
        failure.store_id.clone(),
        failure.modified_at.as_deref().and_then(crate::time::parse),
    )
}

/// Each order of a page, readable or not.
fn stamps(page: &Page<StoreOrder>) -> Vec<Stamp> {
    page.items
        .iter()
        .map(order_stamp)
        .chain(page.failures.iter().map(failure_stamp))
        .collect()
}

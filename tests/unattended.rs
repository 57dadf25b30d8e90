//! Running unattended: captures bounded by a time limit and a caller's cancel, each stopping at
//! a committed page so the next goes on without losing or repeating an order.

mod common;

use std::collections::BTreeSet;

use common::capture::*;
use common::sync::*;
use ponte::capture::{CaptureOptions, ReportFilter};
use ponte::sandbox::Latency;

fn journaled(rig: &mut Rig) -> BTreeSet<String> {
    rig.ponte
        .report("loja", &ReportFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.store_order_id)
        .collect()
}

#[test]
fn a_capture_cancelled_by_its_caller_stops_at_a_committed_page_and_the_next_goes_on() {
    let mut rig = stocked();
    let ids: BTreeSet<String> = (0..250)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    let mut asked = 0;
    let first = rig
        .ponte
        .capture_orders_with("loja", CaptureOptions::default(), &mut |progress| {
            asked += 1;
            // The first page is read; the second request is refused.
            progress.requests < 1
        })
        .unwrap();
    assert!(asked >= 2);
    assert_eq!(count(&first, "captured"), 100);
    assert!(
        first
            .unfinished
            .as_deref()
            .is_some_and(|why| why.starts_with("cancelled by the caller")),
        "{:?}",
        first.unfinished
    );
    // Nothing was written back after the cancel: the received statuses wait.
    assert_eq!(count(&first, "writebacks_done"), 0);
    assert_eq!(count(&first, "writebacks_waiting"), 100);
    assert_eq!(journaled(&mut rig).len(), 100);

    let second = capture(&mut rig);
    assert_eq!(second.unfinished, None);
    assert_eq!(count(&second, "captured"), 150);
    assert_eq!(journaled(&mut rig), ids);
    assert_eq!(count(&second, "writebacks_done"), 250);
}

#[test]
fn a_capture_with_a_time_limit_against_a_slow_store_returns_early_and_loses_nothing() {
    let mut rig = stocked();
    let ids: BTreeSet<String> = (0..250)
        .map(|_| place(&rig, shopper("A", 1, "processing", CPF)))
        .collect();
    // A real clock: the store answers each request a second late, three pages take three.
    let mut ponte = ponte::Ponte::open(rig._dir.path().join("ponte.db")).unwrap();
    let mut config = rig.sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    capture_settings(&mut config);
    ponte.integration_put(config).unwrap();
    rig.sandbox.set_latency(Latency {
        per_request_ms: 1000,
        per_item_written_ms: 0,
    });
    let limited = CaptureOptions {
        time_limit_seconds: Some(2),
    };
    let first = ponte
        .capture_orders_with("loja", limited, &mut |_| true)
        .unwrap();
    assert!(
        first
            .unfinished
            .as_deref()
            .is_some_and(|why| why.contains("time limit of 2 s")),
        "{:?}",
        first.unfinished
    );
    let mut captured = count(&first, "captured");
    assert!(captured < 250, "{captured}");
    rig.sandbox.set_latency(Latency::default());
    for _ in 0..3 {
        let next = ponte
            .capture_orders_with("loja", limited, &mut |_| true)
            .unwrap();
        captured += count(&next, "captured");
        if next.unfinished.is_none() {
            break;
        }
    }
    assert_eq!(captured, 250);
    rig.ponte = ponte;
    assert_eq!(journaled(&mut rig), ids);
}

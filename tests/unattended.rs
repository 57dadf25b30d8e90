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
        workers: 0,
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

/// 2026-12-01T00:00:00Z, a Tuesday.
const DAY_START: i64 = 1_796_083_200;

fn scheduled(rig: &mut Rig, schedule: serde_json::Value) {
    let mut config = rig.sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config.locale = ponte::model::config::Locale::En;
    capture_settings(&mut config);
    config.schedule = Some(serde_json::from_value(schedule).unwrap());
    rig.ponte.integration_put(config).unwrap();
}

fn runs_of(report: &ponte::unattended::RunDueReport, job: &str) -> Vec<&'static str> {
    report
        .ran
        .iter()
        .filter(|r| serde_json::to_value(r.job).unwrap() == job)
        .map(|r| r.outcome)
        .collect()
}

#[test]
fn a_simulated_day_runs_each_job_at_its_interval_the_full_sync_once_in_its_window_and_backs_off() {
    let mut rig = stocked();
    scheduled(
        &mut rig,
        serde_json::json!({"full_sync_start": "05:00", "full_sync_end": "07:00", "time_zone": "America/Sao_Paulo",
                           "capture_every_minutes": 5, "stock_every_minutes": 15, "max_backoff_minutes": 60}),
    );
    let mut ran: std::collections::BTreeMap<(&str, &str), u32> = Default::default();
    let mut full_sync_at = Vec::new();
    let mut failing_captures = Vec::new();
    // Every minute of the day, as a timer would call it; the store refuses every request from
    // 12:00 to 13:00 UTC.
    for minute in 0..(24 * 60) {
        let now = DAY_START + minute * 60;
        if minute == 12 * 60 {
            rig.sandbox.inject(ponte::sandbox::FaultRule {
                method: None,
                path_contains: Some("/wp-json/".into()),
                times: u32::MAX,
                after: 0,
                fault: ponte::sandbox::Fault::Status {
                    status: 500,
                    body: "{}".into(),
                },
            });
        }
        if minute == 13 * 60 {
            rig.sandbox.clear_faults();
        }
        let report = rig.ponte.run_due(Some(now), &mut |_| true).unwrap();
        for run in &report.ran {
            let job = match serde_json::to_value(run.job).unwrap().as_str().unwrap() {
                "capture" => "capture",
                "stock" => "stock",
                _ => "full_sync",
            };
            *ran.entry((job, run.outcome)).or_default() += 1;
            if job == "full_sync" {
                full_sync_at.push(minute);
            }
            if job == "capture" && run.outcome == "failed" {
                failing_captures.push(minute);
            }
        }
    }
    eprintln!(
        "{ran:?}\nfull sync at minute {full_sync_at:?}\ncapture failed at {failing_captures:?}"
    );
    // The full sync ran once, when the window opened: 05:00 in São Paulo is 08:00 UTC.
    assert_eq!(full_sync_at, [8 * 60]);
    // Capture failed during the outage with its wait doubling: 5, 10, 20, 40 minutes.
    assert_eq!(failing_captures, [720, 725, 735, 755]);
    assert_eq!(ran[&("capture", "failed")], 4);
    // Outside the outage, every 5 minutes: 288 a day less the hour's 12, plus the first after it.
    let captures = ran[&("capture", "succeeded")];
    assert!((270..=277).contains(&captures), "{captures}");
    let stocks = ran[&("stock", "succeeded")];
    assert!((88..=93).contains(&stocks), "{stocks}");
    // After the outage every job is healthy again.
    let health = rig.ponte.health(Some(DAY_START + 24 * 3600)).unwrap();
    assert_eq!(health.verdict, "ok", "{health:?}");
}

#[test]
fn nothing_runs_when_nothing_is_due_and_a_clock_going_back_neither_repeats_nor_stalls() {
    let mut rig = stocked();
    scheduled(
        &mut rig,
        serde_json::json!({"full_sync_start": "05:00", "full_sync_end": "07:00",
                           "capture_every_minutes": 5, "stock_every_minutes": 15, "max_backoff_minutes": 60}),
    );
    let noon = DAY_START + 12 * 3600;
    let first = rig.ponte.run_due(Some(noon), &mut |_| true).unwrap();
    assert_eq!(runs_of(&first, "capture"), ["succeeded"]);
    assert_eq!(runs_of(&first, "stock"), ["succeeded"]);
    assert!(
        runs_of(&first, "full_sync").is_empty(),
        "outside its window"
    );
    rig.sandbox.reset_counters();
    let again = rig.ponte.run_due(Some(noon + 60), &mut |_| true).unwrap();
    assert!(again.ran.is_empty() && again.skipped.is_empty());
    assert_eq!(
        rig.sandbox.total_requests(),
        0,
        "no request when nothing is due"
    );
    // The clock goes back three hours: nothing runs again at once...
    let back = noon - 3 * 3600;
    assert!(rig
        .ponte
        .run_due(Some(back), &mut |_| true)
        .unwrap()
        .ran
        .is_empty());
    // ...and capture is due again at most the backoff cap (an hour) later, not three hours.
    let later = rig.ponte.run_due(Some(back + 3600), &mut |_| true).unwrap();
    assert_eq!(runs_of(&later, "capture"), ["succeeded"]);
    let jobs = rig.ponte.jobs(Some(back + 3600)).unwrap();
    let capture = jobs
        .iter()
        .find(|j| serde_json::to_value(j.job).unwrap() == "capture")
        .unwrap();
    assert_eq!(
        capture.next_due.as_deref(),
        Some(ponte::time::format_rfc3339(back + 3600 + 300).as_str())
    );
}

#[test]
fn a_job_running_elsewhere_is_skipped_not_waited_for_and_stays_due() {
    let mut rig = stocked();
    scheduled(
        &mut rig,
        serde_json::json!({"full_sync_start": "05:00", "full_sync_end": "07:00"}),
    );
    place(&rig, shopper("A", 1, "processing", CPF));
    let mut other = another_handle(&rig);
    let noon = DAY_START + 12 * 3600;
    let mut seen = None;
    // While the other handle's capture holds its lease, this one's timer fires.
    other
        .capture_orders_with("loja", CaptureOptions::default(), &mut |_| {
            if seen.is_none() {
                seen = Some(rig.ponte.run_due(Some(noon), &mut |_| true).unwrap());
            }
            true
        })
        .unwrap();
    let report = seen.unwrap();
    let skipped: Vec<&str> = report.skipped.iter().map(|s| s.detail.as_str()).collect();
    assert_eq!(skipped.len(), 1, "{report:?}");
    assert!(skipped[0].contains("is already running"), "{skipped:?}");
    assert_eq!(
        runs_of(&report, "stock"),
        ["succeeded"],
        "the other job still ran"
    );
    // Still due: the next call runs it.
    let next = rig.ponte.run_due(Some(noon + 1), &mut |_| true).unwrap();
    assert_eq!(runs_of(&next, "capture"), ["succeeded"]);
}

#[test]
fn health_turns_critical_after_three_failures_in_a_row_and_names_why() {
    let mut rig = stocked();
    scheduled(
        &mut rig,
        serde_json::json!({"full_sync_start": "05:00", "full_sync_end": "07:00", "capture_every_minutes": 5}),
    );
    rig.sandbox.inject(ponte::sandbox::FaultRule {
        method: None,
        path_contains: Some("/orders".into()),
        times: u32::MAX,
        after: 0,
        fault: ponte::sandbox::Fault::Status {
            status: 500,
            body: "{}".into(),
        },
    });
    let noon = DAY_START + 12 * 3600;
    let mut verdicts = Vec::new();
    for minutes in [0, 5, 15] {
        rig.ponte
            .run_due(Some(noon + minutes * 60), &mut |_| true)
            .unwrap();
        verdicts.push(rig.ponte.health(Some(noon + minutes * 60)).unwrap().verdict);
    }
    assert_eq!(verdicts, ["warning", "warning", "critical"]);
    let health = rig.ponte.health(Some(noon + 15 * 60)).unwrap();
    let loja = &health.integrations[0];
    assert!(
        loja.reasons[0].starts_with("capture failed 3 time(s) in a row"),
        "{:?}",
        loja.reasons
    );
    assert!(loja.credentials_given);
    assert_eq!(loja.backlog.orders_pending, 0);
    // A handle without credentials can run nothing, and says so.
    let mut bare = ponte::Ponte::open(rig._dir.path().join("ponte.db")).unwrap();
    let health = bare.health(Some(noon)).unwrap();
    assert!(!health.integrations[0].credentials_given);
    let report = bare.run_due(Some(noon + 3600), &mut |_| true).unwrap();
    assert!(report.ran.is_empty());
    assert!(report
        .skipped
        .iter()
        .all(|s| s.detail.starts_with("no credentials")));
}

#[test]
fn write_backs_a_cut_capture_could_not_send_go_first_in_the_next_so_a_short_limit_never_starves_them(
) {
    let mut rig = stocked();
    (0..150).for_each(|_| {
        place(&rig, shopper("A", 1, "processing", CPF));
    });
    let first = rig
        .ponte
        .capture_orders_with("loja", CaptureOptions::default(), &mut |p| p.requests < 1)
        .unwrap();
    assert_eq!(count(&first, "captured"), 100);
    assert_eq!(count(&first, "writebacks_waiting"), 100);
    // The next capture is cut short too, at its first request to read orders: what the first
    // queued is sent before it.
    let mut checks = 0;
    let second = rig
        .ponte
        .capture_orders_with("loja", CaptureOptions::default(), &mut |_| {
            checks += 1;
            checks < 2
        })
        .unwrap();
    assert_eq!(
        count(&second, "writebacks_done"),
        100,
        "{:?}",
        second.counts
    );
    assert_eq!(count(&second, "captured"), 0);
    assert!(second.unfinished.is_some());
    // And a whole capture then finishes the rest.
    let third = capture(&mut rig);
    assert_eq!(count(&third, "captured"), 50);
    assert_eq!(third.unfinished, None);
}

#[test]
fn a_time_limit_of_nothing_is_refused_naming_the_option() {
    let mut rig = stocked();
    for error in [
        rig.ponte
            .capture_orders_with(
                "loja",
                CaptureOptions {
                    time_limit_seconds: Some(0),
                },
                &mut |_| true,
            )
            .unwrap_err(),
        rig.ponte
            .sync_products(
                "loja",
                ponte::sync::SyncOptions {
                    time_limit_seconds: Some(0),
                    ..Default::default()
                },
                &mut |_| true,
            )
            .unwrap_err(),
    ] {
        match error {
            ponte::Error::InvalidData { path, .. } => {
                assert_eq!(path, "options.time_limit_seconds")
            }
            other => panic!("{other:?}"),
        }
    }
}

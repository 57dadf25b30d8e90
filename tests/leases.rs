//! Run leases across processes (RELIABILITY.md scenario 2): while another process captures, a
//! capture is refused; once that process is dead, even as an unreaped zombie, its lease is taken
//! over; a lease whose pid now names another process (a reused pid) is taken over too.

mod common;

use std::process::{Child, Command, Stdio};

use common::capture::*;
use common::sync::*;
use ponte::sandbox::{Fault, FaultRule};
use ponte::Error;

/// The child: captures once against the parent's sandbox. Run only by the tests below.
#[test]
#[ignore = "the child of the lease tests, run by them"]
fn lease_child() {
    let (Ok(db), Ok(url), Ok(key), Ok(secret)) = (
        std::env::var("PONTE_LEASE_DB"),
        std::env::var("PONTE_LEASE_URL"),
        std::env::var("PONTE_LEASE_KEY"),
        std::env::var("PONTE_LEASE_SECRET"),
    ) else {
        panic!("run by the lease tests only");
    };
    let mut ponte = ponte::Ponte::open(&db).unwrap();
    let mut config: ponte::model::config::IntegrationConfig =
        serde_json::from_value(serde_json::json!({
            "id": "loja", "platform": "woocommerce", "base_url": url, "allow_http": true,
            "credentials": {"consumer_key": key, "consumer_secret": secret}
        }))
        .unwrap();
    capture_settings(&mut config);
    ponte.integration_put(config).unwrap();
    let _ = ponte.capture_orders("loja");
}

/// A child process that captures and is held, lease in hand, at its first order listing.
fn child_holding_the_capture_lease(rig: &Rig) -> Child {
    rig.sandbox.reset_counters();
    rig.sandbox.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/wp-json/wc/v3/orders".into()),
        times: 1,
        after: 0,
        fault: Fault::Hold {
            name: "child".into(),
        },
    });
    let key = rig.sandbox.key();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "lease_child", "--test-threads=1"])
        .env("PONTE_LEASE_DB", rig._dir.path().join("ponte.db"))
        .env("PONTE_LEASE_URL", rig.sandbox.base_url())
        .env("PONTE_LEASE_KEY", &key.consumer_key)
        .env("PONTE_LEASE_SECRET", &key.consumer_secret)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        rig.sandbox.wait_held("child"),
        "the child never listed orders"
    );
    child
}

#[test]
#[cfg(target_os = "linux")]
fn a_capture_in_another_process_refuses_ours_until_it_dies_even_as_a_zombie() {
    let mut rig = stocked();
    place(&rig, shopper("A", 1, "processing", CPF));
    let mut child = child_holding_the_capture_lease(&rig);
    let err = rig.ponte.capture_orders("loja").unwrap_err();
    assert!(matches!(err, Error::RunningElsewhere(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("already running (process {})", child.id())),
        "{err}"
    );
    // Killed and not reaped: a zombie keeps its pid, but holds nothing.
    child.kill().unwrap();
    common::wait_until("the child is a zombie", || {
        std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
            .map(|s| s[s.rfind(')').unwrap() + 2..].starts_with('Z'))
            .unwrap_or(false)
    });
    let report = rig.ponte.capture_orders("loja").unwrap();
    assert_eq!(count(&report, "captured"), 1, "{:?}", report.counts);
    rig.sandbox.release("child");
    child.wait().unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn a_lease_whose_pid_now_names_another_process_is_taken_over() {
    let mut rig = stocked();
    place(&rig, shopper("A", 1, "processing", CPF));
    // A process that is alive, but is not the one that took the lease: its start time differs.
    let mut other = Command::new("sleep").arg("60").spawn().unwrap();
    let conn = rusqlite::Connection::open(rig._dir.path().join("ponte.db")).unwrap();
    let far = ponte::time::now_unix() + 600;
    let set_lease = |started: &str| {
        conn.execute(
            "INSERT OR REPLACE INTO run_lease (integration_id, kind, holder, pid, pid_started, expires_at)
             VALUES ('loja', 'capture', 'another handle', ?1, ?2, ?3)",
            rusqlite::params![other.id(), started, far],
        )
        .unwrap();
    };
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", other.id())).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    let started = fields[19].to_string();
    // Taken by that very process: refused.
    set_lease(&started);
    let err = rig.ponte.capture_orders("loja").unwrap_err();
    assert!(matches!(err, Error::RunningElsewhere(_)), "{err:?}");
    // Taken by an earlier process that had the same pid: taken over.
    set_lease("1");
    let report = rig.ponte.capture_orders("loja").unwrap();
    assert_eq!(count(&report, "captured"), 1);
    other.kill().unwrap();
    other.wait().unwrap();
}

//! `ponte_run_due` as a timer calls it every few seconds: 20 integrations, nothing due. It must
//! cost next to nothing: no request to any store, a few reads of the state file. Run:
//! `cargo bench --bench run_due`.

use std::time::Instant;

use ponte::model::config::parse_config;
use ponte::Ponte;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    // Stores that would refuse any connection: a request would show as a failed job.
    for n in 0..20 {
        let config = serde_json::json!({
            "id": format!("loja-{n:02}"), "platform": "woocommerce", "base_url": "http://127.0.0.1:9",
            "allow_http": true, "credentials": {"consumer_key": "ck_bench", "consumer_secret": "cs_bench"},
            "http": {"max_retries": 0},
            "order_capture": {"enabled": true, "fetch_statuses": ["processing"],
                              "default_payment_terms": "A VISTA", "default_payment_method": "PIX"}
        });
        ponte
            .integration_put(parse_config(&config.to_string()).expect("config"))
            .expect("config");
    }
    // Every job just ran: mark them so by one call at a time when they are all due, against
    // closed ports (each fails and backs off), then measure calls while nothing is due.
    let start = 1_796_126_400;
    ponte
        .run_due(Some(start), &mut |_| true)
        .expect("first run");
    let calls: u32 = 10_000;
    let began = Instant::now();
    for i in 0..calls {
        let report = ponte
            .run_due(Some(start + 1 + i64::from(i % 60)), &mut |_| true)
            .expect("run");
        assert!(report.ran.is_empty(), "a job ran: {:?}", report.ran);
    }
    let per_call = began.elapsed().as_secs_f64() / f64::from(calls);
    println!(
        "run_due, 20 integrations (60 jobs), nothing due: {:.1} µs a call over {calls} calls",
        per_call * 1e6
    );
}

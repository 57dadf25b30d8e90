//! 1,000 products into the Nuvemshop sandbox with its leaky bucket enforced (40 requests,
//! leaking 2 a second), against the bucket's floor: no client can make N requests in less than
//! (N − 40) / 2 seconds. Three runs: the first sync (one `POST /products` per product, its
//! variants inside), a stock change on every product (one `PATCH …/variants` each), and a sync
//! with nothing changed. The store's bucket and Ponte's waits run on one virtual clock, which
//! moves only when someone waits, so the figures are the store's time, not the machine's, and
//! the bench takes seconds; `PONTE_BENCH_REAL=1` waits for real instead (about 17 minutes).
//! Run: `cargo bench --bench nuvemshop`; `PONTE_BENCH_PRODUCTS` changes the size.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ponte::model::catalog::{parse_brands, parse_products, parse_stock};
use ponte::platform::http::{Clock, SystemClock};
use ponte::sandbox::{NuvemOptions, NuvemSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;

use common::{env_number, products};

/// Time that passes only by waiting: each wait moves it on, and returns at once.
struct VirtualClock {
    start: Instant,
    waited: Mutex<Duration>,
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + *self.waited.lock().unwrap()
    }

    fn sleep(&self, duration: Duration) {
        *self.waited.lock().unwrap() += duration;
    }
}

fn main() {
    let count = env_number("PONTE_BENCH_PRODUCTS", 1_000);
    let real = std::env::var("PONTE_BENCH_REAL").is_ok_and(|v| v == "1");
    let clock: Arc<dyn Clock> = match real {
        true => Arc::new(SystemClock),
        false => Arc::new(VirtualClock {
            start: Instant::now(),
            waited: Mutex::new(Duration::ZERO),
        }),
    };
    let store = NuvemSandbox::start_with(NuvemOptions {
        rate_limit: None,
        ..NuvemOptions::default()
    })
    .expect("sandbox");
    store.set_rate_limit_on(Some((40, 2)), clock.clone());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    ponte.set_clock(clock.clone());
    let mut config = store.integration_config("nuvem");
    // The bucket is the only pace: no spacing of Ponte's own, one request at a time.
    config.http.max_requests_per_second = 0;
    config.http.max_concurrent_requests = 1;
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"T","name":"Tramontina","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    ponte
        .catalog_put_products(&parse_products(&products(count, 5)).unwrap())
        .unwrap();
    println!(
        "Nuvemshop sandbox, bucket 40 leaking 2/s, {count} products ({} variants), {} clock",
        count + count / 5 * 2,
        if real { "real" } else { "virtual" }
    );
    println!("run            requests  429s  store time  floor     ratio  machine time");

    let run = |name: &str, ponte: &mut Ponte| {
        // Each run starts on an empty bucket, as the floor assumes: 20 s empty it.
        clock.sleep(Duration::from_secs(20));
        store.reset_counters();
        let throttled_before = store.throttled();
        let (virtual_start, wall) = (clock.now(), Instant::now());
        let report = ponte
            .sync_products("nuvem", SyncOptions::default(), &mut |_| true)
            .expect("sync");
        let store_time = clock.now().duration_since(virtual_start).as_secs_f64();
        let requests = store.total_requests();
        let floor = requests.saturating_sub(40) as f64 / 2.0;
        let ratio = if floor > 0.0 {
            format!("{:.3}", store_time / floor)
        } else {
            "-".to_string()
        };
        println!(
            "{name:<14} {requests:>8}  {:>4}  {store_time:>9.1}s  {floor:>7.1}s  {ratio:>5}  {:>10.2}s   ({})",
            store.throttled() - throttled_before,
            wall.elapsed().as_secs_f64(),
            report
                .counts
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    run("first sync", &mut ponte);
    ponte
        .catalog_put_stock(
            &parse_stock(&{
                let levels: Vec<String> = (0..count)
                    .flat_map(|n| match n % 5 {
                        0 => vec![format!("C{n}-P"), format!("C{n}-M"), format!("C{n}-G")],
                        _ => vec![format!("P{n}")],
                    })
                    .map(|sku| format!(r#"{{"sku":"{sku}","quantity":9}}"#))
                    .collect();
                format!("[{}]", levels.join(","))
            })
            .unwrap(),
        )
        .unwrap();
    run("stock change", &mut ponte);
    run("nothing new", &mut ponte);
}

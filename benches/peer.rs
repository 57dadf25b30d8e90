//! Ponte beside a batching peer, on two sandbox stores with the same latency: the peer is what a
//! merchant's own script would do with WooCommerce's batch endpoint and no change tracking (list
//! the store's products for their ids and its brands, then create or update every product, 100
//! a request). Three phases: the first sync, a sync with nothing changed, and a sync with 1% of
//! the products changed (half prices, half stock).
//!
//! Each Ponte sync runs in a process of its own with no sandbox in it (as under cron), so its
//! peak memory is the sync's alone; the catalog is put by another process before it.
//!
//! Run: `cargo bench --bench peer`. `PONTE_BENCH_SIZES` (default `1000,10000`) lists catalog
//! sizes; `PONTE_BENCH_LATENCY_MS` (default 20), `PONTE_BENCH_ITEM_MS` (default 0) and
//! `PONTE_BENCH_WORKERS` (default 0: any number) model the store; `PONTE_BENCH_PHASES` (1 to 3)
//! runs only the first phases; `PONTE_BENCH_KEEP` keeps Ponte's state files in a directory;
//! `PONTE_BENCH_PEER=0` runs Ponte alone (the peer's listing of a 100,000-product sandbox takes
//! minutes); `PONTE_BENCH_CONCURRENCY`
//! sets Ponte's requests at once (default Ponte's default), `PONTE_BENCH_PEER_CONCURRENCY` the
//! peer's (default 1: a script sends one request after the other).

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products, parse_stock};
use ponte::model::config::{Credentials, IntegrationConfig, Secret};
use ponte::sandbox::{Latency, WooSandbox};
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::{json, Value};

const PHASES: [&str; 3] = ["first sync", "nothing changed", "1% changed"];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn concurrency() -> usize {
    env_number(
        "PONTE_BENCH_CONCURRENCY",
        u64::from(ponte::model::config::HttpSettings::default().max_concurrent_requests),
    )
    .max(1) as usize
}

fn phase_count() -> usize {
    (env_number("PONTE_BENCH_PHASES", PHASES.len() as u64) as usize).clamp(1, PHASES.len())
}

fn peer_concurrency() -> usize {
    env_number("PONTE_BENCH_PEER_CONCURRENCY", 1).max(1) as usize
}

fn price(n: u64, phase: usize, count: u64) -> u64 {
    // In the last phase, the first half of the 1% changes price.
    let changed = (count / 100).max(1);
    if phase == 2 && n < changed / 2 {
        5000 + n
    } else {
        1000 + n
    }
}

fn stock(n: u64, phase: usize, count: u64) -> u64 {
    let changed = (count / 100).max(1);
    if phase == 2 && (changed / 2..changed).contains(&n) {
        999
    } else {
        n % 50
    }
}

fn main() {
    match std::env::var("PONTE_BENCH_CHILD").as_deref() {
        Ok("put") => return ponte_put(),
        Ok("sync") => return ponte_sync(),
        _ => {}
    }
    let sizes: Vec<u64> = std::env::var("PONTE_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let latency = Latency {
        per_request_ms: env_number("PONTE_BENCH_LATENCY_MS", 20),
        per_item_written_ms: env_number("PONTE_BENCH_ITEM_MS", 0),
        workers: env_number("PONTE_BENCH_WORKERS", 0) as u32,
    };
    println!(
        "store: {} ms per request, {} ms per item written, {} workers; requests at once: Ponte {}, peer {}",
        latency.per_request_ms,
        latency.per_item_written_ms,
        latency.workers,
        concurrency(),
        peer_concurrency()
    );
    for count in sizes {
        let ponte_store = WooSandbox::start().expect("sandbox");
        let peer_store = WooSandbox::start().expect("sandbox");
        ponte_store.set_latency(latency);
        peer_store.set_latency(latency);
        let ponte_phases = run_ponte_child(&ponte_store, count);
        for (phase, name) in PHASES.iter().enumerate().take(phase_count()) {
            let ours = &ponte_phases[phase];
            if env_number("PONTE_BENCH_PEER", 1) == 0 {
                println!(
                    "{count} products, {name}: Ponte {:.2} s, {} requests, peak {:.0} MiB",
                    ours.0, ours.1, ours.2
                );
                continue;
            }
            peer_store.reset_counters();
            let started = Instant::now();
            peer_sync(&peer_store, count, phase);
            let peer_seconds = started.elapsed().as_secs_f64();
            let peer_requests = peer_store.total_requests();
            println!(
                "{count} products, {name}: Ponte {:.2} s, {} requests, peak {:.0} MiB | peer {peer_seconds:.2} s, {peer_requests} requests | Ponte/peer time {:.2}, requests {:.2}",
                ours.0,
                ours.1,
                ours.2,
                ours.0 / peer_seconds.max(f64::EPSILON),
                ours.1 as f64 / peer_requests.max(1) as f64,
            );
        }
        assert_eq!(
            ponte_store.products().len() as u64,
            count,
            "Ponte's store holds the catalog"
        );
    }
}

/// Runs the three phases, each sync in a process of its own; (seconds, requests, peak MiB) per
/// phase.
fn run_ponte_child(store: &WooSandbox, count: u64) -> Vec<(f64, u64, f64)> {
    let dir = tempfile::tempdir().expect("temp dir");
    // `PONTE_BENCH_KEEP` keeps the state file there, to look into.
    let state = match std::env::var("PONTE_BENCH_KEEP") {
        Ok(keep) => std::path::PathBuf::from(keep).join(format!("ponte-{count}.db")),
        Err(_) => dir.path().join("bench.db"),
    };
    let key = store.key();
    let child = |role: &str, phase: usize| {
        let output = Command::new(std::env::current_exe().expect("this bench"))
            .env("PONTE_BENCH_CHILD", role)
            .env("PONTE_BENCH_PHASE", phase.to_string())
            .env("PONTE_BENCH_STORE", store.base_url())
            .env("PONTE_BENCH_KEY", &key.consumer_key)
            .env("PONTE_BENCH_SECRET", &key.consumer_secret)
            .env("PONTE_BENCH_STATE", &state)
            .env("PONTE_BENCH_COUNT", count.to_string())
            .stderr(Stdio::inherit())
            .output()
            .expect("child");
        assert!(output.status.success(), "the Ponte {role} failed");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let mut phases = Vec::new();
    for phase in 0..phase_count() {
        if phase != 1 {
            child("put", phase);
        }
        let value: Value = serde_json::from_str(child("sync", phase).trim()).expect("JSON");
        phases.push((
            value["seconds"].as_f64().unwrap_or_default(),
            value["requests"].as_u64().unwrap_or_default(),
            value["peak_mib"].as_f64().unwrap_or_default(),
        ));
    }
    phases
}

fn product_json(n: u64, phase: usize, count: u64) -> String {
    format!(
        r#"{{"erp_id":"P{n:06}","name":"Produto de teste {n}","description":"Descrição do produto {n}","brand_id":"TRAMONTINA",
             "show_in_store":true,"sync_stock":true,"variants":[{{"sku":"SKU-{n:06}","price_cents":{},"stock":{},"weight_grams":500}}]}}"#,
        price(n, phase, count),
        stock(n, phase, count)
    )
}

fn var(name: &str) -> String {
    std::env::var(name).expect(name)
}

/// The Ponte side's catalog: the integration, the brand and every product (phase 0), or the 1%
/// that changes (phase 2).
fn ponte_put() {
    let count: u64 = var("PONTE_BENCH_COUNT").parse().expect("count");
    let phase: usize = var("PONTE_BENCH_PHASE").parse().expect("phase");
    let mut ponte = Ponte::open(var("PONTE_BENCH_STATE")).expect("state file");
    let put = |ponte: &mut Ponte, numbers: &mut dyn Iterator<Item = u64>| {
        let all: Vec<String> = numbers.map(|n| product_json(n, phase, count)).collect();
        for chunk in all.chunks(1000) {
            ponte
                .catalog_put_products(&parse_products(&format!("[{}]", chunk.join(","))).unwrap())
                .unwrap();
        }
    };
    if phase == 0 {
        ponte
            .catalog_put_brands(
                &parse_brands(
                    r#"[{"id":"TRAMONTINA","name":"Tramontina","show_in_electronic_order":true}]"#,
                )
                .unwrap(),
            )
            .unwrap();
        put(&mut ponte, &mut (0..count));
        return;
    }
    let changed = (count / 100).max(1);
    put(&mut ponte, &mut (0..changed / 2));
    let levels: Vec<String> = (changed / 2..changed)
        .map(|n| {
            format!(
                r#"{{"sku":"SKU-{n:06}","quantity":{}}}"#,
                stock(n, 2, count)
            )
        })
        .collect();
    ponte
        .catalog_put_stock(&parse_stock(&format!("[{}]", levels.join(","))).unwrap())
        .unwrap();
}

/// One Ponte sync, alone in its process, as cron would run it.
fn ponte_sync() {
    let mut ponte = Ponte::open(var("PONTE_BENCH_STATE")).expect("state file");
    let mut config: IntegrationConfig = serde_json::from_value(json!({
        "id": "bench", "platform": "woocommerce", "base_url": var("PONTE_BENCH_STORE"), "allow_http": true,
    }))
    .expect("a literal config is valid");
    config.credentials = Some(Credentials {
        consumer_key: Some(Secret::new(var("PONTE_BENCH_KEY"))),
        consumer_secret: Some(Secret::new(var("PONTE_BENCH_SECRET"))),
        ..Default::default()
    });
    config.http.max_requests_per_second = 0;
    config.http.max_concurrent_requests = concurrency() as u32;
    ponte.integration_put(config).expect("config");
    let started = Instant::now();
    let report = ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"seconds": seconds, "requests": report.requests, "peak_mib": common::peak_memory_mib(), "counts": report.counts})
    );
}

/// The peer: a merchant's script with the batch endpoint and no change tracking.
fn peer_sync(store: &WooSandbox, count: u64, phase: usize) {
    let key = store.key();
    let client = Peer {
        agent: ureq::Agent::new_with_defaults(),
        base: format!("{}/wp-json/wc/v3", store.base_url()),
        key: key.consumer_key,
        secret: key.consumer_secret,
    };
    // Ids of what the store has, by SKU.
    let mut ids = std::collections::BTreeMap::new();
    for page in 1.. {
        let items = client.get(
            "/products",
            &[("per_page", "100"), ("page", &page.to_string())],
        );
        let items = items.as_array().cloned().unwrap_or_default();
        for item in &items {
            if let (Some(sku), Some(id)) = (item["sku"].as_str(), item["id"].as_u64()) {
                ids.insert(sku.to_string(), id);
            }
        }
        if items.len() < 100 {
            break;
        }
    }
    let brands = client.get("/products/brands", &[("per_page", "100")]);
    let brand = match brands
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["name"] == "Tramontina")
    {
        Some(brand) => brand["id"].clone(),
        None => client.post("/products/brands", &json!({"name": "Tramontina"}))["id"].clone(),
    };
    let bodies: Vec<Value> = (0..count)
        .map(|n| {
            let sku = format!("SKU-{n:06}");
            let mut body = json!({
                "name": format!("Produto de teste {n}"), "description": format!("Descrição do produto {n}"),
                "type": "simple", "sku": sku, "regular_price": format!("{}.{:02}", price(n, phase, count) / 100, price(n, phase, count) % 100),
                "manage_stock": true, "stock_quantity": stock(n, phase, count), "weight": "0.5",
                "brands": [brand],
            });
            if let Some(id) = ids.get(&sku) {
                body["id"] = json!(id);
            }
            body
        })
        .collect();
    let batches: Vec<&[Value]> = bodies.chunks(100).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..peer_concurrency() {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(index) else {
                    break;
                };
                let (updates, creates): (Vec<&Value>, Vec<&Value>) =
                    batch.iter().partition(|b| b.get("id").is_some());
                client.post(
                    "/products/batch",
                    &json!({"create": creates, "update": updates}),
                );
            });
        }
    });
}

struct Peer {
    agent: ureq::Agent,
    base: String,
    key: String,
    secret: String,
}

impl Peer {
    fn authorization(&self, method: &str, url: &str, query: &[(String, String)]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        ponte::platform::oauth::authorization_header(
            method,
            url,
            query,
            &self.key,
            &self.secret,
            now,
            &ponte::platform::oauth::nonce(),
        )
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let url = format!("{}{path}", self.base);
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut request = self
            .agent
            .get(&url)
            .header("Authorization", self.authorization("GET", &url, &pairs));
        for (k, v) in query {
            request = request.query(*k, *v);
        }
        let text = request
            .call()
            .expect("peer GET")
            .body_mut()
            .read_to_string()
            .expect("peer answer");
        serde_json::from_str(&text).expect("peer JSON")
    }

    fn post(&self, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.base);
        let text = self
            .agent
            .post(&url)
            .header("Authorization", self.authorization("POST", &url, &[]))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .expect("peer POST")
            .body_mut()
            .read_to_string()
            .expect("peer answer");
        serde_json::from_str(&text).expect("peer JSON")
    }
}

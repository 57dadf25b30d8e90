//! Order capture against the WooCommerce sandbox: 10,000 new orders, then captures with nothing
//! new while the ERP has confirmed none, then the pending list read page by page. Reports
//! wall time, requests by route, the orders new in each capture and pending in all, and memory:
//! the peak during each phase (Linux resets the process's peak before each one) and the resident
//! memory when it began, so one phase's peak is not another's. Run: `cargo bench --bench
//! capture`; `PONTE_BENCH_ORDERS` changes the count.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ponte::model::catalog::{parse_brands, parse_products};
use ponte::sandbox::WooSandbox;
use ponte::sync::SyncOptions;
use ponte::Ponte;
use serde_json::json;

fn main() {
    let count: u64 = std::env::var("PONTE_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = WooSandbox::start().expect("sandbox");
    store.register_status("recebido");
    let mut ponte = Ponte::open(dir.path().join("bench.db")).expect("state file");
    let mut config = store.integration_config("bench");
    config.http.max_requests_per_second = 0;
    config.order_capture.enabled = true;
    config.order_capture.fetch_statuses = vec!["processing".into()];
    config.order_capture.received_status = Some("recebido".into());
    config.order_capture.default_payment_terms = "A VISTA".into();
    config.order_capture.default_payment_method = "PIX".into();
    ponte.integration_put(config).expect("config");
    ponte
        .catalog_put_brands(
            &parse_brands(r#"[{"id":"B","name":"Marca","show_in_electronic_order":true}]"#)
                .unwrap(),
        )
        .unwrap();
    let products: Vec<String> = (0..100)
        .map(|n| format!(r#"{{"erp_id":"P{n}","name":"Produto {n}","brand_id":"B","show_in_store":true,"sync_stock":true,"variants":[{{"sku":"SKU-{n}","price_cents":1990,"stock":100000}}]}}"#))
        .collect();
    ponte
        .catalog_put_products(&parse_products(&format!("[{}]", products.join(","))).unwrap())
        .unwrap();
    ponte
        .sync_products("bench", SyncOptions::default(), &mut |_| true)
        .expect("sync");
    for n in 0..count {
        store
            .place_order(&json!({"status": "processing", "line_items": [{"sku": format!("SKU-{}", n % 100), "quantity": 1 + n % 3}],
                "billing": {"first_name": "Cliente", "last_name": format!("{n}"), "address_1": "Rua A", "number": "1",
                            "city": "Curitiba", "state": "PR", "postcode": "80010-000", "country": "BR",
                            "email": format!("cliente{}@example.com.br", n % 2000), "cpf": "529.982.247-25"},
                "shipping_lines": [{"method_title": "PAC", "total": "15.00"}]}))
            .expect("order");
    }

    let phase = |name: &str, ponte: &mut Ponte| {
        store.reset_counters();
        let memory = Memory::start();
        let started = Instant::now();
        let report = ponte.capture_orders("bench").expect("capture");
        println!(
            "{name}: {:.3} s, {} requests {:?}, counts {:?}, {} new pending, {} pending in all, {}",
            started.elapsed().as_secs_f64(),
            store.total_requests(),
            store.counters(),
            report.counts,
            report.pending.len(),
            report.pending_total,
            memory.end()
        );
    };
    phase(&format!("capture of {count} new orders"), &mut ponte);
    // The received statuses written back modified every order: this capture reads them again.
    phase("capture with nothing new", &mut ponte);
    // Steady state with the ERP behind, the overlap window past (here: set to none): only a
    // hundred of the pending orders are read again by id.
    let mut later = store.integration_config("bench");
    later.http.max_requests_per_second = 0;
    later.order_capture = ponte
        .integration_get("bench")
        .expect("config")
        .config
        .order_capture;
    later.order_capture.overlap_seconds = 0;
    ponte.integration_put(later).expect("config");
    phase(
        &format!("capture with nothing new, {count} orders still pending"),
        &mut ponte,
    );
    // The same again, without the integration check the changed config asked for. Each capture
    // reads again the second its watermark stands at, which Ponte's own write-backs crowded.
    phase(
        &format!("capture with nothing new, {count} orders still pending, again"),
        &mut ponte,
    );
    // A quiet store: its latest change is an order the ERP does not take (on hold), so the
    // watermark's second holds that one order; then nothing new but the hundred read by id.
    store
        .place_order(&json!({"status": "on-hold", "line_items": [{"sku": "SKU-1", "quantity": 1}],
            "billing": {"first_name": "Cliente", "address_1": "Rua A", "city": "Curitiba", "state": "PR",
                        "postcode": "80010-000", "country": "BR", "email": "outro@example.com.br"}}))
        .expect("order");
    ponte.capture_orders("bench").expect("capture");
    phase(
        &format!("capture with nothing new, {count} orders still pending, a quiet store"),
        &mut ponte,
    );

    // The ERP reads the whole pending list, a page at a time.
    for limit in [100, 1000] {
        let memory = Memory::start();
        let started = Instant::now();
        let (mut orders, mut pages) = (0usize, 0u32);
        let mut after: Option<String> = None;
        loop {
            let page = ponte
                .orders_pending("bench", after.as_deref(), limit)
                .expect("pending");
            orders += page.orders.len();
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        println!(
            "pending list, {limit} a page: {orders} orders in {pages} pages, {:.3} s, {}",
            started.elapsed().as_secs_f64(),
            memory.end()
        );
    }
}

/// The memory of one phase: the most it held on the heap above what was held when it began,
/// and the process's resident peak during it and resident memory when it began.
struct Memory {
    held_at_start: usize,
    resident_at_start: f64,
}

impl Memory {
    fn start() -> Memory {
        // Linux: "5" resets the peak resident memory (VmHWM) to the current one.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let held_at_start = HELD.load(Ordering::Relaxed);
        PEAK.store(held_at_start, Ordering::Relaxed);
        Memory {
            held_at_start,
            resident_at_start: resident_memory_mib(),
        }
    }

    fn end(&self) -> String {
        format!(
            "heap peak {:.1} MiB above its start; resident peak {:.0} MiB (resident at its start {:.0} MiB)",
            mib(PEAK.load(Ordering::Relaxed) - self.held_at_start),
            common::peak_memory_mib(),
            self.resident_at_start
        )
    }
}

/// The process's resident memory now, in MiB (Linux; 0 elsewhere).
fn resident_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Counts the bytes the process holds on the heap, and their peak since the last reset: the
/// memory a phase needs, apart from what the allocator keeps resident after earlier phases and
/// from the sandbox's store, which lives in this process too (its answers are counted, as a
/// real store's would be read into memory).
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = HELD.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call goes to the system allocator with the caller's arguments unchanged; the
// counters are only arithmetic on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with `layout`, as the caller promised.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller promised for `ptr`, `layout` and `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

//! Shared by the benchmarks.

// Each bench compiles this module whole and uses part of it.
#![allow(dead_code)]

/// The process's peak resident memory so far, in MiB (Linux; 0 elsewhere).
pub fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A number from the environment (a bench's size), or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `count` products as the ERP sends them, one in five a shirt in three sizes (one request to
/// create, one to restock), the rest simple, each with `stock` units.
pub fn products(count: u64, stock: i64) -> String {
    let items: Vec<String> = (0..count)
        .map(|n| {
            if n % 5 == 0 {
                // One in five has three sizes: still one request to create, one to restock.
                format!(
                    r#"{{"erp_id":"{n}","name":"Camiseta {n}","brand_id":"T","show_in_store":true,"sync_stock":true,
                       "variants":[{{"sku":"C{n}-P","price_cents":4990,"stock":{stock},"attributes":{{"Tamanho":"P"}}}},
                                   {{"sku":"C{n}-M","price_cents":4990,"stock":{stock},"attributes":{{"Tamanho":"M"}}}},
                                   {{"sku":"C{n}-G","price_cents":4990,"stock":{stock},"attributes":{{"Tamanho":"G"}}}}]}}"#
                )
            } else {
                format!(
                    r#"{{"erp_id":"{n}","name":"Produto {n}","brand_id":"T","show_in_store":true,"sync_stock":true,
                       "variants":[{{"sku":"P{n}","price_cents":{},"stock":{stock}}}]}}"#,
                    1000 + n
                )
            }
        })
        .collect();
    format!("[{}]", items.join(","))
}

//! The Nuvemshop sandbox over real HTTP: what every request needs (token, User-Agent, JSON), the
//! leaky bucket and its headers, paging, products with variants and images, categories, orders
//! and their actions, metafields, signed webhooks, and fidelity to Nuvemshop's own examples
//! (`../shared/fixtures/nuvemshop-*`, read in place).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ponte::platform::http::Clock;
use ponte::platform::nuvemshop::webhook;
use ponte::sandbox::{NuvemOptions, NuvemSandbox};
use serde_json::{json, Value};

const UA: &str = "Ponte tests (ti@ponte.example)";

fn fixture(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/");
    let text =
        std::fs::read_to_string(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request with exactly these headers (no automatic User-Agent).
fn raw(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(ureq::config::AutoHeaderValue::None)
        .proxy(None)
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(body.unwrap_or("").as_bytes().to_vec())
        .unwrap();
    let mut response = agent.run(request).expect("the sandbox answers");
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

/// A well-formed API call to `path` under `/v1/{store_id}`.
fn call(sandbox: &NuvemSandbox, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let token = format!("bearer {}", sandbox.access_token());
    let text = body.map(Value::to_string);
    let mut headers = vec![("Authentication", token.as_str()), ("User-Agent", UA)];
    if text.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    raw(
        method,
        &format!("{}{path}", sandbox.api_url()),
        &headers,
        text.as_deref(),
    )
}

fn ok(sandbox: &NuvemSandbox, method: &str, path: &str, body: Option<&Value>) -> Value {
    let answer = call(sandbox, method, path, body);
    assert!(
        (200..300).contains(&answer.status),
        "{method} {path}: {} {}",
        answer.status,
        answer.text
    );
    answer.body
}

/// A sandbox without a rate limit, for tests that are not about it.
fn unlimited() -> NuvemSandbox {
    NuvemSandbox::start_with(NuvemOptions {
        rate_limit: None,
        ..NuvemOptions::default()
    })
    .unwrap()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The sandbox's answer has every top-level key of Nuvemshop's example, of the same JSON type
/// where both are non-null, and no key but those and the `extras` named here.
fn assert_like(what: &str, example: &Value, answer: &Value, extras: &[&str]) {
    let (expected, got) = (keys(example), keys(answer));
    let missing: Vec<_> = expected.difference(&got).collect();
    assert!(missing.is_empty(), "{what}: missing {missing:?}");
    let unexpected: Vec<_> = got
        .difference(&expected)
        .filter(|k| !extras.contains(&k.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "{what}: unexpected {unexpected:?}");
    for key in &expected {
        let (e, g) = (&example[key], &answer[key]);
        if !e.is_null() && !g.is_null() {
            assert_eq!(kind(e), kind(g), "{what}.{key}: {e} vs {g}");
        }
    }
}

/// A clock a test moves by hand.
#[derive(Default)]
struct HandClock {
    moved: Mutex<Duration>,
    start: Option<Instant>,
}

impl HandClock {
    fn new() -> HandClock {
        HandClock {
            moved: Mutex::new(Duration::ZERO),
            start: Some(Instant::now()),
        }
    }
    fn advance(&self, by: Duration) {
        *self.moved.lock().unwrap() += by;
    }
}

impl Clock for HandClock {
    fn now(&self) -> Instant {
        self.start.unwrap() + *self.moved.lock().unwrap()
    }
    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

fn simple_product(sandbox: &NuvemSandbox, name: &str, sku: &str, stock: i64) -> (u64, u64) {
    let product = ok(
        sandbox,
        "POST",
        "/products",
        Some(&json!({"name": name, "variants": [{"price": "50.00", "stock": stock, "sku": sku}]})),
    );
    (
        product["id"].as_u64().unwrap(),
        product["variants"][0]["id"].as_u64().unwrap(),
    )
}

fn shopper_order(sandbox: &NuvemSandbox, sku: &str, quantity: i64, paid: bool) -> Value {
    sandbox
        .place_order(&json!({
            "products": [{"sku": sku, "quantity": quantity}],
            "customer": {"name": "Maria Souza", "email": "maria@example.com.br",
                         "identification": "39053344705", "phone": "+55 11 98888-7777"},
            "payment_status": if paid { "paid" } else { "pending" },
        }))
        .unwrap()
}

#[test]
fn every_request_needs_a_token_a_user_agent_and_json() {
    let sandbox = unlimited();
    let url = format!("{}/products", sandbox.api_url());
    let token = format!("bearer {}", sandbox.access_token());

    let none = raw("GET", &url, &[("User-Agent", UA)], None);
    assert_eq!(none.status, 401, "{}", none.text);
    assert_eq!(
        none.body,
        json!({"code": 401, "message": "Unauthorized", "description": "Invalid access token"})
    );
    let wrong = raw(
        "GET",
        &url,
        &[("User-Agent", UA), ("Authentication", "bearer nope")],
        None,
    );
    assert_eq!(wrong.status, 401);
    let authorization = raw(
        "GET",
        &url,
        &[("User-Agent", UA), ("Authorization", token.as_str())],
        None,
    );
    assert_eq!(authorization.status, 401, "the header is Authentication");
    let shouting = format!("BEARER {}", sandbox.access_token());
    let good = raw(
        "GET",
        &format!("{}/store", sandbox.api_url()),
        &[("User-Agent", UA), ("Authentication", shouting.as_str())],
        None,
    );
    assert_eq!(good.status, 200, "{}", good.text);
    assert_eq!(good.header("X-Main-Language"), Some("pt"));

    let anonymous = raw("GET", &url, &[("Authentication", token.as_str())], None);
    assert_eq!(anonymous.status, 400);
    assert_eq!(anonymous.body["code"], 400);
    assert_eq!(anonymous.body["message"], "Bad Request");

    let untyped = raw(
        "POST",
        &url,
        &[("User-Agent", UA), ("Authentication", token.as_str())],
        Some(r#"{"name":"x"}"#),
    );
    assert_eq!(untyped.status, 415, "{}", untyped.text);
    assert_eq!(untyped.body["code"], 415);

    let broken = raw(
        "POST",
        &url,
        &[
            ("User-Agent", UA),
            ("Authentication", token.as_str()),
            ("Content-Type", "application/json"),
        ],
        Some("{\"name\": "),
    );
    assert_eq!(broken.status, 400);
    assert_eq!(
        broken.body,
        fixture("nuvemshop-error-400-invalid-json.json")
    );

    let dated = raw(
        "GET",
        &format!(
            "{}/2025-03/{}/store",
            sandbox.base_url(),
            sandbox.store_id()
        ),
        &[("User-Agent", UA), ("Authentication", token.as_str())],
        None,
    );
    assert_eq!(dated.status, 200);
    assert_eq!(dated.body["main_currency"], "BRL");
    assert_eq!(dated.body["main_language"], "pt");
    assert_eq!(dated.body["country"], "BR");
    assert!(dated.body["name"]["pt"].is_string());

    let elsewhere = raw(
        "GET",
        &format!("{}/v1/999/products", sandbox.base_url()),
        &[("User-Agent", UA), ("Authentication", token.as_str())],
        None,
    );
    assert_eq!(elsewhere.status, 404);
    let nowhere = call(&sandbox, "GET", "/nothing-here", None);
    assert_eq!(nowhere.status, 404);
    assert_eq!(
        keys(&nowhere.body),
        keys(&json!({"code":0,"message":0,"description":0}))
    );
    assert_eq!(nowhere.body["message"], "Not Found");

    sandbox.suspend(true);
    let suspended = call(&sandbox, "GET", "/products", None);
    assert_eq!(suspended.status, 402);
    assert_eq!(suspended.body["message"], "Payment Required");
    sandbox.suspend(false);
    assert_eq!(call(&sandbox, "GET", "/store", None).status, 200);

    sandbox.revoke_token();
    let revoked = call(&sandbox, "GET", "/products", None);
    assert_eq!(revoked.status, 401);
}

#[test]
fn the_leaky_bucket_counts_down_in_its_headers_and_answers_429_when_full() {
    let sandbox = NuvemSandbox::start().unwrap();
    let first = call(&sandbox, "GET", "/store", None);
    assert_eq!(first.header("X-Rate-Limit-Limit"), Some("40"));
    assert_eq!(first.header("X-Rate-Limit-Remaining"), Some("39"));

    let clock = Arc::new(HandClock::new());
    sandbox.set_rate_limit_on(Some((3, 1)), clock.clone());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let answer = call(&sandbox, "GET", "/store", None);
        assert_eq!(answer.status, 200);
        seen.push((
            answer.header("X-Rate-Limit-Remaining").unwrap().to_string(),
            answer.header("X-Rate-Limit-Reset").unwrap().to_string(),
        ));
    }
    assert_eq!(
        seen,
        [("2", "1000"), ("1", "2000"), ("0", "3000")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let throttled = call(&sandbox, "GET", "/store", None);
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.body["code"], 429);
    assert_eq!(throttled.body["message"], "Too Many Requests");
    assert_eq!(throttled.header("X-Rate-Limit-Limit"), Some("3"));
    assert_eq!(throttled.header("X-Rate-Limit-Remaining"), Some("0"));
    assert_eq!(sandbox.throttled(), 1);

    clock.advance(Duration::from_secs(2));
    let after = call(&sandbox, "GET", "/store", None);
    assert_eq!(after.status, 200);
    assert_eq!(after.header("X-Rate-Limit-Remaining"), Some("1"));

    sandbox.set_rate_limit(None);
    assert!(call(&sandbox, "GET", "/store", None)
        .header("X-Rate-Limit-Limit")
        .is_none());
}

#[test]
fn lists_are_paged_with_links_and_a_total() {
    let sandbox = unlimited();
    for n in 0..45 {
        sandbox
            .seed_product(json!({"name": format!("Produto {n}"), "published": n % 3 != 0}))
            .unwrap();
    }
    let page = call(
        &sandbox,
        "GET",
        "/products?q=produto&per_page=20&page=2",
        None,
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.body.as_array().unwrap().len(), 20);
    assert_eq!(page.header("X-Total-Count"), Some("45"));
    let link = page.header("Link").unwrap();
    let api = sandbox.api_url();
    for (rel, n) in [("next", 3), ("last", 3), ("first", 1), ("prev", 1)] {
        let expected = format!("<{api}/products?q=produto&page={n}&per_page=20>; rel=\"{rel}\"");
        assert!(link.contains(&expected), "{rel}: {link}");
    }
    let everything = call(&sandbox, "GET", "/products?per_page=200", None);
    assert_eq!(everything.body.as_array().unwrap().len(), 45);
    assert!(everything.header("Link").is_none());
    let published = call(
        &sandbox,
        "GET",
        "/products?published=false&per_page=200",
        None,
    );
    assert_eq!(published.header("X-Total-Count"), Some("15"));
    let fields = ok(&sandbox, "GET", "/products?fields=id,name&per_page=1", None);
    assert_eq!(keys(&fields[0]), keys(&json!({"id": 1, "name": 1})));

    assert_eq!(
        call(&sandbox, "GET", "/products?per_page=201", None).status,
        422
    );
    let past = call(&sandbox, "GET", "/products?per_page=20&page=4", None);
    assert_eq!(past.status, 404);
    assert_eq!(past.body["description"], "Last page is 3");
    let empty = call(&sandbox, "GET", "/orders", None);
    assert_eq!(
        (empty.status, &empty.body["description"]),
        (404, &json!("Last page is 0"))
    );
}

#[test]
fn updated_at_filters_are_inclusive_and_every_write_moves_updated_at() {
    let sandbox = unlimited();
    let t1 = 1_796_212_800; // 2026-12-02T12:00:00Z
    sandbox.set_time(Some(t1));
    let (a, _) = simple_product(&sandbox, "Antiga", "A-1", 5);
    sandbox.set_time(Some(t1 + 3600));
    let (b, _) = simple_product(&sandbox, "Nova", "B-1", 5);
    let product = ok(&sandbox, "GET", &format!("/products/{b}"), None);
    assert_eq!(product["updated_at"], "2026-12-02T13:00:00+0000");

    let ids = |query: &str| -> Vec<u64> {
        ok(&sandbox, "GET", &format!("/products?{query}"), None)
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(ids("updated_at_min=2026-12-02T13:00:00%2B00:00"), [b]);
    assert_eq!(ids("updated_at_max=2026-12-02T12:00:00Z"), [a]);
    assert_eq!(ids("updated_at_min=2026-12-02T10:00:00-03:00"), [b]);

    sandbox.set_time(Some(t1 + 7200));
    ok(
        &sandbox,
        "PUT",
        &format!("/products/{a}"),
        Some(&json!({"brand": "Tramontina"})),
    );
    assert_eq!(ids("updated_at_min=2026-12-02T14:00:00Z"), [a]);

    let order = shopper_order(&sandbox, "B-1", 1, false);
    let id = order["id"].as_u64().unwrap();
    sandbox
        .update_order(id, &json!({"updated_at": "2026-11-01T00:00:00Z"}))
        .unwrap();
    let none = call(
        &sandbox,
        "GET",
        "/orders?updated_at_min=2026-11-02T00:00:00Z",
        None,
    );
    assert_eq!(none.status, 404);
    let found = ok(&sandbox, "GET", "/orders?updated_at_max=2026-11-01", None);
    assert_eq!(found[0]["id"], id);
}

#[test]
fn a_product_is_created_with_variants_and_read_back_in_languages() {
    let sandbox = unlimited();
    let created = call(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({
            "name": "Camiseta Básica", "description": "<p>Algodão</p>", "brand": "Hering",
            "attributes": ["Tamanho"],
            "variants": [
                {"price": 49.9, "promotional_price": "39.90", "stock": 10, "sku": "CAM-P",
                 "barcode": "7891000100103", "weight": 0.3, "values": ["P"]},
                {"price": "59.90", "sku": "CAM-M", "stock_management": false, "stock": 4, "values": [{"pt": "M"}]}
            ],
            "images": [{"src": "https://img.example/camiseta.jpg", "alt": ["Frente"]}],
        })),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_u64().unwrap();
    let product = ok(&sandbox, "GET", &format!("/products/{id}"), None);
    assert_eq!(product["name"], json!({"pt": "Camiseta Básica"}));
    assert_eq!(product["description"], json!({"pt": "<p>Algodão</p>"}));
    assert_eq!(product["handle"], json!({"pt": "camiseta-basica"}));
    assert_eq!(product["attributes"], json!([{"pt": "Tamanho"}]));
    assert_eq!(product["brand"], "Hering");
    assert_eq!(product["published"], true);
    let small = &product["variants"][0];
    assert_eq!(small["price"], "49.90");
    assert_eq!(small["promotional_price"], "39.90");
    assert_eq!(
        (small["stock_management"].clone(), small["stock"].clone()),
        (json!(true), json!(10))
    );
    assert_eq!(small["values"], json!([{"pt": "P"}]));
    assert_eq!(small["weight"], "0.300");
    assert_eq!(small["barcode"], "7891000100103");
    let medium = &product["variants"][1];
    assert_eq!(medium["stock"], Value::Null, "not managed: unlimited");
    assert_eq!(
        product["images"][0]["src"],
        "https://img.example/camiseta.jpg"
    );
    assert_eq!(product["images"][0]["position"], 1);

    let wrong_values = call(
        &sandbox,
        "POST",
        &format!("/products/{id}/variants"),
        Some(&json!({"price": 1, "values": ["G", "Azul"]})),
    );
    assert_eq!(wrong_values.status, 422);

    let blank = call(&sandbox, "POST", "/products", Some(&json!({"name": " "})));
    assert_eq!(blank.status, 422);
    assert_eq!(
        blank.body,
        fixture("nuvemshop-error-422-field-validation.json")
    );

    let gone = ok(&sandbox, "DELETE", &format!("/products/{id}"), None);
    assert_eq!(gone, json!({}));
    assert_eq!(
        call(&sandbox, "GET", &format!("/products/{id}"), None).status,
        404
    );
    assert_eq!(
        call(
            &sandbox,
            "PUT",
            &format!("/products/{id}"),
            Some(&json!({"name": "x"}))
        )
        .status,
        404
    );
}

#[test]
fn the_store_refuses_products_beyond_its_limit() {
    let sandbox = NuvemSandbox::start_with(NuvemOptions {
        rate_limit: None,
        product_limit: 1,
        ..NuvemOptions::default()
    })
    .unwrap();
    simple_product(&sandbox, "Uma", "U-1", 1);
    let refused = call(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({"name": "Duas"})),
    );
    assert_eq!(refused.status, 422);
    let example = fixture("nuvemshop-error-422-product-limit.json");
    assert_eq!(keys(&refused.body), keys(&example));
    assert_eq!(
        refused.body["description"],
        example["description"]
            .as_str()
            .unwrap()
            .replace("100000", "1")
    );
}

#[test]
fn a_product_without_variants_has_one_virtual_variant_that_holds_price_and_stock() {
    let sandbox = unlimited();
    let product = ok(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({"name": "Panela"})),
    );
    let variants = product["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0]["values"], json!([]));
    assert_eq!(variants[0]["price"], Value::Null);
    let (pid, vid) = (
        product["id"].as_u64().unwrap(),
        variants[0]["id"].as_u64().unwrap(),
    );
    let changed = ok(
        &sandbox,
        "PUT",
        &format!("/products/{pid}/variants/{vid}"),
        Some(&json!({"price": 25, "stock": 3, "sku": "PAN-1"})),
    );
    assert_eq!(
        (changed["price"].clone(), changed["stock"].clone()),
        (json!("25.00"), json!(3))
    );
    assert_eq!(sandbox.product(pid).unwrap()["variants"][0]["sku"], "PAN-1");
}

#[test]
fn a_product_is_found_by_a_variant_sku() {
    let sandbox = unlimited();
    let (pid, _) = simple_product(&sandbox, "Frigideira", "FRI-24", 2);
    let found = call(&sandbox, "GET", "/products/sku/FRI-24", None);
    assert_eq!(found.status, 200);
    assert_eq!(found.body["id"], pid);
    let missing = call(&sandbox, "GET", "/products/sku/NADA", None);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["code"], 404);
    let by_q = ok(&sandbox, "GET", "/products?q=fri-2", None);
    assert_eq!(by_q[0]["id"], pid);
}

#[test]
fn variants_are_patched_in_bulk_all_or_nothing() {
    let sandbox = unlimited();
    let product = ok(
        &sandbox,
        "POST",
        "/products",
        Some(
            &json!({"name": "Toalha", "attributes": ["Cor"], "variants": [
            {"price": 30, "stock": 5, "sku": "T-A", "values": ["Azul"]},
            {"price": 30, "stock": 5, "sku": "T-V", "values": ["Verde"]}]}),
        ),
    );
    let pid = product["id"].as_u64().unwrap();
    let (a, v) = (
        product["variants"][0]["id"].as_u64().unwrap(),
        product["variants"][1]["id"].as_u64().unwrap(),
    );
    let path = format!("/products/{pid}/variants");
    let patched = ok(
        &sandbox,
        "PATCH",
        &path,
        Some(&json!([{"id": v, "stock": 9}, {"id": a, "price": "31.50"}])),
    );
    assert_eq!(patched.as_array().unwrap().len(), 2);
    assert_eq!(
        (patched[0]["id"].clone(), patched[0]["stock"].clone()),
        (json!(v), json!(9))
    );
    assert_eq!(patched[1]["price"], "31.50");

    let repeated = call(
        &sandbox,
        "PATCH",
        &path,
        Some(&json!([{"id": a, "stock": 1}, {"id": a, "stock": 2}])),
    );
    assert_eq!(repeated.status, 422);
    assert_eq!(
        keys(&repeated.body),
        keys(&fixture("nuvemshop-error-422-duplicate-variants.json"))
    );
    assert_eq!(repeated.body["duplicate_variant_ids"], json!([a]));
    let unknown = call(
        &sandbox,
        "PATCH",
        &path,
        Some(&json!([{"id": a, "stock": 1}, {"id": 1, "stock": 2}])),
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["not_found_variant_ids"], json!([1]));
    let invalid = call(
        &sandbox,
        "PATCH",
        &path,
        Some(&json!([{"id": a, "price": -1}, {"id": v, "stock": 1.5}])),
    );
    assert_eq!(invalid.status, 422);
    assert_eq!(
        invalid.body,
        fixture("nuvemshop-error-422-variant-validation.json")
    );
    let shapeless = call(&sandbox, "PATCH", &path, Some(&json!({"id": a})));
    assert_eq!(shapeless.status, 400);
    assert_eq!(
        shapeless.body,
        fixture("nuvemshop-error-400-bad-request.json")
    );

    let after = sandbox.product(pid).unwrap();
    assert_eq!(
        after["variants"][0]["price"], "31.50",
        "refused patches change nothing"
    );
    assert_eq!(after["variants"][0]["stock"], 5);
    assert_eq!(
        call(&sandbox, "PATCH", "/products/1/variants", Some(&json!([]))).status,
        404
    );
}

#[test]
fn categories_nest() {
    let sandbox = unlimited();
    let top = call(
        &sandbox,
        "POST",
        "/categories",
        Some(&json!({"name": "Cozinha"})),
    );
    assert_eq!(top.status, 201);
    assert_eq!(top.body["name"], json!({"pt": "Cozinha"}));
    assert_eq!(top.body["parent"], Value::Null);
    let top_id = top.body["id"].as_u64().unwrap();
    let child = ok(
        &sandbox,
        "POST",
        "/categories",
        Some(&json!({"name": {"pt": "Panelas"}, "parent": top_id})),
    );
    assert_eq!(child["parent"], top_id);
    let read = ok(&sandbox, "GET", &format!("/categories/{top_id}"), None);
    assert_eq!(read["subcategories"], json!([child["id"]]));
    let list = call(&sandbox, "GET", "/categories", None);
    assert_eq!(list.header("X-Total-Count"), Some("2"));
    let blank = call(
        &sandbox,
        "POST",
        "/categories",
        Some(&json!({"parent": top_id})),
    );
    assert_eq!(
        (blank.status, blank.body.clone()),
        (422, json!({"name": ["can't be blank"]}))
    );

    let product = ok(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({"name": "Caçarola", "categories": [child["id"]]})),
    );
    assert_eq!(product["categories"][0]["name"], json!({"pt": "Panelas"}));
    let unknown = call(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({"name": "X", "categories": [1]})),
    );
    assert_eq!(unknown.status, 422);
}

#[test]
fn orders_move_through_their_actions_and_give_stock_back_on_cancel() {
    let sandbox = unlimited();
    let (pid, vid) = simple_product(&sandbox, "Panela", "PAN-45", 10);
    let first = shopper_order(&sandbox, "PAN-45", 2, true);
    let stock = |s: &NuvemSandbox| s.product(pid).unwrap()["variants"][0]["stock"].clone();
    assert_eq!(stock(&sandbox), 8);
    assert_eq!(first["number"], 100);
    assert_eq!(first["currency"], "BRL");
    assert_eq!(first["status"], "open");
    assert_eq!(first["payment_status"], "paid");
    assert_eq!(first["shipping_status"], "unpacked");
    assert_eq!(first["total"], "100.00");
    assert_eq!(first["customer"]["identification"], "39053344705");
    assert!(first["created_at"].as_str().unwrap().ends_with("+0000"));
    let line = &first["products"][0];
    assert_eq!(
        (line["variant_id"].clone(), line["product_id"].clone()),
        (json!(vid), json!(pid))
    );
    assert_eq!(
        (line["price"].clone(), line["sku"].clone()),
        (json!("50.00"), json!("PAN-45"))
    );
    let second = shopper_order(&sandbox, "PAN-45", 1, false);
    assert_eq!(second["number"], 101);
    let id = first["id"].as_u64().unwrap();

    let listed = ok(&sandbox, "GET", "/orders", None);
    assert_eq!(listed[0]["id"], second["id"], "newest first");
    assert_eq!(
        listed[1]["products"][0]["quantity"], "2",
        "a string in lists"
    );
    let single = ok(&sandbox, "GET", &format!("/orders/{id}"), None);
    assert_eq!(single["products"][0]["quantity"], 2, "a number alone");
    let paid = ok(
        &sandbox,
        "GET",
        "/orders?payment_status=paid&status=open",
        None,
    );
    assert_eq!(paid.as_array().unwrap().len(), 1);
    assert_eq!(
        call(&sandbox, "GET", "/orders?status=bogus", None).status,
        422
    );

    let act = |action: &str, body: Value| {
        call(
            &sandbox,
            "POST",
            &format!("/orders/{id}/{action}"),
            Some(&body),
        )
    };
    let packed = act("pack", json!({}));
    assert_eq!(
        (packed.status, packed.body["shipping_status"].clone()),
        (200, json!("unfulfilled"))
    );
    let fulfilled = act("fulfill", fixture("nuvemshop-order-fulfill-request.json"));
    assert_eq!(fulfilled.status, 200);
    assert_eq!(fulfilled.body["shipping_status"], "fulfilled");
    assert_eq!(fulfilled.body["shipping_tracking_number"], "ABC1234");
    assert!(fulfilled.body["shipped_at"].is_string());
    assert_eq!(act("fulfill", json!({})).status, 422);
    let closed = act("close", json!({}));
    assert_eq!(
        (
            closed.body["status"].clone(),
            closed.body["closed_at"].is_string()
        ),
        (json!("closed"), true)
    );
    let again = act("close", json!({}));
    assert_eq!(again.status, 422);
    assert_eq!(again.body["code"], 422);
    assert_eq!(act("open", json!({})).body["status"], "open");
    assert_eq!(act("cancel", json!({"reason": "bored"})).status, 422);
    let cancelled = act("cancel", json!({"reason": "inventory", "email": false}));
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancel_reason"], "inventory");
    assert!(cancelled.body["cancelled_at"].is_string());
    assert_eq!(stock(&sandbox), 9, "restocked: 10 - 2 - 1 + 2");
    assert_eq!(act("cancel", json!({})).status, 422);
    assert_eq!(act("close", json!({})).status, 422);

    let other = second["id"].as_u64().unwrap();
    let kept = call(
        &sandbox,
        "POST",
        &format!("/orders/{other}/cancel"),
        Some(&json!({"restock": false})),
    );
    assert_eq!(kept.body["cancel_reason"], "other");
    assert_eq!(stock(&sandbox), 9, "no restock");

    let third = shopper_order(&sandbox, "PAN-45", 1, false);
    let third_id = third["id"].as_u64().unwrap();
    let updated = ok(
        &sandbox,
        "PUT",
        &format!("/orders/{third_id}"),
        Some(&fixture("nuvemshop-order-update-request.json")),
    );
    assert_eq!(updated["owner_note"], "Need to gift wrap this order");
    assert_eq!(updated["payment_status"], "paid");
    assert_eq!(updated["status"], "open");
    let changed = sandbox
        .update_order(third_id, &json!({"payment_status": "refunded"}))
        .unwrap();
    assert_eq!(changed["payment_status"], "refunded");
    assert_eq!(call(&sandbox, "GET", "/orders/1", None).status, 404);
    assert!(sandbox
        .place_order(&json!({"products": [{"sku": "PAN-45", "quantity": 99}], "customer": {"email": "a@b.c"}}))
        .is_err(), "more than the stock");
}

#[test]
fn invoices_live_in_order_metafields() {
    let sandbox = unlimited();
    simple_product(&sandbox, "Panela", "PAN-1", 5);
    let order = shopper_order(&sandbox, "PAN-1", 1, true);
    let id = order["id"].as_u64().unwrap();
    let created = call(
        &sandbox,
        "POST",
        "/metafields",
        Some(
            &json!({"namespace": "nfe", "key": "key", "value": "35261212345678000195550010000001231000001234",
                     "owner_resource": "Order", "owner_id": id}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let mid = created.body["id"].as_u64().unwrap();
    let found = ok(
        &sandbox,
        "GET",
        &format!("/metafields/orders?owner_id={id}&namespace=nfe&key=key"),
        None,
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["owner_id"], id);
    let none = ok(
        &sandbox,
        "GET",
        &format!("/metafields/orders?owner_id={id}&namespace=nfe&key=link"),
        None,
    );
    assert_eq!(none, json!([]));
    let updated = ok(
        &sandbox,
        "PUT",
        &format!("/metafields/{mid}"),
        Some(&json!({"value": "outra"})),
    );
    assert_eq!(updated["value"], "outra");
    assert_eq!(sandbox.metafields().len(), 1);
    let missing = call(
        &sandbox,
        "POST",
        "/metafields",
        Some(&json!({"namespace": "nfe"})),
    );
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["key"], json!(["can't be blank"]));
}

/// Takes one HTTP request on `listener`, answers 200, and gives its headers and body.
fn receive(listener: &TcpListener) -> (Vec<(String, String)>, Vec<u8>) {
    let (stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("POST /hook"), "{line}");
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').unwrap();
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    (headers, body)
}

#[test]
fn webhooks_are_signed_with_the_app_secret() {
    let sandbox = unlimited();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let subscribed = call(
        &sandbox,
        "POST",
        "/webhooks",
        Some(&json!({"event": "order/paid", "url": url})),
    );
    assert_eq!(subscribed.status, 201, "{}", subscribed.text);
    assert_eq!(
        call(
            &sandbox,
            "POST",
            "/webhooks",
            Some(&json!({"event": "order/nope", "url": url}))
        )
        .status,
        422
    );
    assert_eq!(
        ok(&sandbox, "GET", "/webhooks", None)
            .as_array()
            .unwrap()
            .len(),
        1
    );

    simple_product(&sandbox, "Panela", "PAN-1", 5);
    let order = shopper_order(&sandbox, "PAN-1", 1, true);
    let (headers, body) = receive(&listener);
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert!(pairs
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && *v == "application/json"));
    let event = webhook::verify(sandbox.app_secret().as_bytes(), pairs.clone(), &body).unwrap();
    assert_eq!(event.event, "order/paid");
    assert_eq!(event.id, order["id"].to_string());
    assert_eq!(event.store_id, sandbox.store_id());
    assert!(webhook::verify(b"another secret", pairs, &body).is_err());

    let sender = std::thread::spawn(move || receive(&listener));
    let status = sandbox.send_webhook(&url, "product/updated", 42).unwrap();
    assert_eq!(status, 200);
    let (headers, body) = sender.join().unwrap();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let event = webhook::verify(sandbox.app_secret().as_bytes(), pairs, &body).unwrap();
    assert_eq!(
        (event.event.as_str(), event.id.as_str()),
        ("product/updated", "42")
    );

    let id = subscribed.body["id"].as_u64().unwrap();
    assert_eq!(
        ok(&sandbox, "DELETE", &format!("/webhooks/{id}"), None),
        json!({})
    );
}

const ORDER_EXTRAS: &[&str] = &[
    "contact_email",
    "contact_name",
    "contact_phone",
    "contact_identification",
    "billing_name",
    "discount_coupon",
    "discount_gateway",
    "total",
    "total_usd",
    "payment_details",
    "next_action",
    "paid_at",
    "closed_at",
    "cancelled_at",
    "client_details",
    "app_id",
];

#[test]
fn answers_have_the_shape_of_nuvemshops_examples() {
    let sandbox = unlimited();
    for id in [11654304, 11654305] {
        sandbox
            .seed_category(json!({"id": id, "name": format!("Categoria {id}")}))
            .unwrap();
    }
    // Request examples are accepted as they are.
    let created = call(
        &sandbox,
        "POST",
        "/products",
        Some(&fixture("nuvemshop-product-create-request.json")),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let product_extras = ["requires_shipping", "tags", "canonical_url", "updated_at"];
    assert_like(
        "product create",
        &fixture("nuvemshop-product-create-response.json"),
        &created.body,
        &product_extras,
    );
    let pid = created.body["id"].as_u64().unwrap();
    let product = ok(&sandbox, "GET", &format!("/products/{pid}"), None);
    assert_like(
        "product",
        &fixture("nuvemshop-product.json"),
        &product,
        &product_extras,
    );
    assert_like(
        "category",
        &fixture("nuvemshop-product.json")["categories"][0],
        &product["categories"][0],
        &[],
    );

    let variant_keys: Vec<String> = [
        "nuvemshop-product-variant.json",
        "nuvemshop-product-variants-put-response.json",
    ]
    .iter()
    .flat_map(|f| {
        let value = fixture(f);
        let one = if value.is_array() {
            value[0].clone()
        } else {
            value
        };
        keys(&one)
    })
    .chain(["compare_at_price".to_string()])
    .collect();
    let variant_extras: Vec<&str> = variant_keys.iter().map(String::as_str).collect();
    let vid = product["variants"][0]["id"].as_u64().unwrap();
    let variant = ok(
        &sandbox,
        "GET",
        &format!("/products/{pid}/variants/{vid}"),
        None,
    );
    assert_like(
        "variant",
        &fixture("nuvemshop-product-variant.json"),
        &variant,
        &variant_extras,
    );
    let variants = ok(&sandbox, "GET", &format!("/products/{pid}/variants"), None);
    assert_like(
        "variant list",
        &fixture("nuvemshop-product-variant-list.json")[0],
        &variants[0],
        &variant_extras,
    );

    let sized = ok(
        &sandbox,
        "POST",
        "/products",
        Some(&json!({"name": "Bola", "attributes": [{"es": "Size"}],
        "variants": [{"values": [{"es": "Large"}], "price": 9}, {"values": [{"es": "Small"}], "price": 9}]})),
    );
    let sized_id = sized["id"].as_u64().unwrap();
    let large = sized["variants"][0]["id"].clone();
    let replaced = call(
        &sandbox,
        "PUT",
        &format!("/products/{sized_id}/variants"),
        Some(&fixture("nuvemshop-product-variants-put-request.json")),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    let example = fixture("nuvemshop-product-variants-put-response.json");
    assert_eq!(replaced.body.as_array().unwrap().len(), 2);
    for (example, answer) in example
        .as_array()
        .unwrap()
        .iter()
        .zip(replaced.body.as_array().unwrap())
    {
        assert_like("variants put", example, answer, &variant_extras);
        assert_eq!(answer["price"], example["price"]);
        assert_eq!(answer["stock"], example["stock"]);
        assert_eq!(answer["stock_management"], example["stock_management"]);
    }
    assert_eq!(replaced.body[0]["id"], large, "matched by values");

    // Orders, through every action whose answer the docs show.
    let variant_101 = 101;
    sandbox
        .seed_product(json!({"id": 1234, "name": "Master Ball", "variants": [{"id": variant_101, "price": "19.00", "stock": 50, "sku": "MB-1"}]}))
        .unwrap();
    let api_order = call(
        &sandbox,
        "POST",
        "/orders",
        Some(&fixture("nuvemshop-order-create-request.json")),
    );
    assert_eq!(api_order.status, 201, "{}", api_order.text);
    assert_eq!(api_order.body["customer"]["identification"], "12345678901");
    assert_eq!(api_order.body["billing_name"], "John Doe");
    assert_eq!(
        sandbox.product(1234).unwrap()["variants"][0]["stock"],
        50,
        "bypass claims no stock"
    );

    let order_example = fixture("nuvemshop-order.json");
    let allowed: Vec<&str> = ORDER_EXTRAS
        .iter()
        .copied()
        .chain(
            order_example
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str),
        )
        .collect();
    let order = shopper_order(&sandbox, "MB-1", 2, false);
    let id = order["id"].as_u64().unwrap();
    let read = ok(&sandbox, "GET", &format!("/orders/{id}"), None);
    assert_like("order", &order_example, &read, ORDER_EXTRAS);
    assert_like(
        "order customer",
        &json!({"id":1,"name":"","email":"","identification":"","phone":""}),
        &read["customer"],
        &[
            "created_at",
            "updated_at",
            "total_spent",
            "total_spent_currency",
            "last_order_id",
            "note",
            "active",
            "accepts_marketing",
        ],
    );
    for key in [
        "id",
        "product_id",
        "variant_id",
        "name",
        "price",
        "quantity",
        "sku",
        "barcode",
    ] {
        assert!(read["products"][0].get(key).is_some(), "line {key}");
    }
    for key in keys(&order_example["shipping_address"]) {
        if key != "customs" {
            assert!(
                read["shipping_address"].get(&key).is_some(),
                "shipping_address.{key}"
            );
        }
    }
    let updated = ok(
        &sandbox,
        "PUT",
        &format!("/orders/{id}"),
        Some(&fixture("nuvemshop-order-update-request.json")),
    );
    assert_like(
        "order update",
        &fixture("nuvemshop-order-update-response.json"),
        &updated,
        &allowed,
    );
    let closed = ok(
        &sandbox,
        "POST",
        &format!("/orders/{id}/close"),
        Some(&json!({})),
    );
    assert_like(
        "order close",
        &fixture("nuvemshop-order-close-response.json"),
        &closed,
        &allowed,
    );
    let opened = ok(
        &sandbox,
        "POST",
        &format!("/orders/{id}/open"),
        Some(&json!({})),
    );
    assert_like(
        "order open",
        &fixture("nuvemshop-order-open-response.json"),
        &opened,
        &allowed,
    );
    let cancelled = ok(
        &sandbox,
        "POST",
        &format!("/orders/{id}/cancel"),
        Some(&json!({"reason": "customer"})),
    );
    assert_like(
        "order cancel",
        &fixture("nuvemshop-order-cancel-response.json"),
        &cancelled,
        &allowed,
    );
    let listed = ok(&sandbox, "GET", "/orders", None);
    assert_like("order in a list", &order_example, &listed[0], ORDER_EXTRAS);
}

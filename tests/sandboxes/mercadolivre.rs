//! The Mercado Livre sandbox over real HTTP: categories, items with variations and each
//! validation cause, the seller's item search and the multiget, stock per variation, Full,
//! moderation and closed items, orders with packs, shipments, billing infos and notes, the order
//! search's hour-truncated bounds, 64-bit ids, notifications, the control routes, and fidelity to
//! the docs' payloads (`../shared/fixtures/mercadolivre-*` and `derived/`, read in place).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ponte::sandbox::mercadolivre::MlOptions;
use ponte::sandbox::MlSandbox;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/");
    let text =
        std::fs::read_to_string(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

struct Answer {
    status: u16,
    body: Value,
    text: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

fn raw(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("Content-Type", "application/json");
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let mut response = agent()
        .run(request.body(bytes).unwrap())
        .expect("the sandbox answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, body, text }
}

/// An API call with the seller's live token.
fn call(sandbox: &MlSandbox, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let token = sandbox.issued().access_token;
    raw(
        method,
        &format!("{}{path}", sandbox.base_url()),
        Some(&token),
        body,
    )
}

fn ok(sandbox: &MlSandbox, method: &str, path: &str, body: Option<&Value>) -> Value {
    let answer = call(sandbox, method, path, body);
    assert!(
        (200..300).contains(&answer.status),
        "{method} {path}: {} {}",
        answer.status,
        answer.text
    );
    answer.body
}

/// A control call under `/__sandbox/`.
fn control(sandbox: &MlSandbox, method: &str, path: &str, body: Option<&Value>) -> Answer {
    raw(
        method,
        &format!("{}/__sandbox/{path}", sandbox.base_url()),
        None,
        body,
    )
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

/// The sandbox's answer has every key of the docs' example, of the same JSON type where both
/// are non-null; objects are compared the same way all the way down (arrays by their first
/// element).
fn assert_like(what: &str, example: &Value, answer: &Value) {
    match (example, answer) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let got = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{what}: missing {key} in {answer}"));
                assert_like(&format!("{what}.{key}"), value, got);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e), Some(a)) = (e.first(), a.first()) {
                assert_like(&format!("{what}[0]"), e, a);
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (e, a) => assert_eq!(kind(e), kind(a), "{what}: {e} vs {a}"),
    }
}

/// Unix seconds of a time written with its offset.
fn at(text: &str) -> i64 {
    ponte::time::parse(text).unwrap_or_else(|| panic!("{text}"))
}

/// A T-shirt in `MLB31447` with two variations, SKUs in the variations' `SELLER_SKU`.
fn shirt(sandbox: &MlSandbox) -> Value {
    let created = call(
        sandbox,
        "POST",
        "/items",
        Some(&json!({
            "title": "Camiseta Básica", "category_id": "MLB31447", "price": 50,
            "currency_id": "BRL", "buying_mode": "buy_it_now", "listing_type_id": "gold_special",
            "condition": "new", "pictures": [{"source": "https://example.com/cam.jpg"}],
            "attributes": [{"id": "BRAND", "value_name": "Ponte"}, {"id": "MODEL", "value_name": "Básica"}],
            "variations": [
                {"price": 50, "available_quantity": 3,
                 "attribute_combinations": [{"name": "Tamanho", "value_name": "M"}, {"id": "COLOR", "value_name": "Preto"}],
                 "attributes": [{"id": "SELLER_SKU", "value_name": "CAM-PRETA-M"}],
                 "picture_ids": ["https://example.com/cam.jpg"]},
                {"price": 55, "available_quantity": 4,
                 "attribute_combinations": [{"name": "Tamanho", "value_name": "G"}, {"id": "COLOR", "value_name": "Preto"}],
                 "attributes": [{"id": "SELLER_SKU", "value_name": "CAM-PRETA-G"}],
                 "seller_custom_field": "LEGADO-G"},
            ],
            "description": {"plain_text": "Algodão."},
        })),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

/// A pan in `MLB1574` without variations, its SKU in `seller_custom_field`.
fn pan(sandbox: &MlSandbox, sku: &str, stock: i64) -> Value {
    ok(
        sandbox,
        "POST",
        "/items",
        Some(&json!({
            "title": "Panela de Pressão", "category_id": "MLB1574", "price": "129.95",
            "currency_id": "BRL", "available_quantity": stock.to_string(),
            "buying_mode": "buy_it_now", "listing_type_id": "gold_pro", "condition": "new",
            "attributes": [{"id": "BRAND", "value_name": "Ponte"}],
            "seller_custom_field": sku,
        })),
    )
}

fn id_of(item: &Value) -> String {
    item["id"].as_str().unwrap().to_string()
}

fn codes(answer: &Answer) -> Vec<String> {
    answer.body["cause"]
        .as_array()
        .unwrap_or_else(|| panic!("no cause: {}", answer.text))
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_call_needs_the_bearer_token_and_errors_have_one_shape() {
    let sandbox = MlSandbox::start().unwrap();
    let url = format!("{}/items/MLB1", sandbox.base_url());
    assert_eq!(raw("GET", &url, None, None).status, 401);
    assert_eq!(raw("GET", &url, Some("APP_USR-wrong"), None).status, 401);
    let token = sandbox.issued().access_token;
    let in_query = format!("{url}?access_token={token}");
    assert_eq!(raw("GET", &in_query, None, None).status, 401);

    let missing = call(&sandbox, "GET", "/items/MLB1", None);
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        json!({"message": "Item with id MLB1 not found", "error": "not_found", "status": 404,
               "cause": []})
    );
    let bad = raw(
        "POST",
        &format!("{}/items", sandbox.base_url()),
        Some(&token),
        None,
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        keys(&bad.body),
        keys(&fixture("mercadolivre-error-400-bad-request.json"))
    );
    assert_eq!(bad.body["message"], "Invalid body");
}

#[test]
fn categories_list_their_attributes_and_tags() {
    let sandbox = MlSandbox::start().unwrap();
    let category = ok(&sandbox, "GET", "/categories/MLB31447", None);
    assert_eq!(
        category,
        json!({"id": "MLB31447", "name": "Camisetas",
               "path_from_root": [{"id": "MLB31447", "name": "Camisetas"}]})
    );
    let attributes = ok(&sandbox, "GET", "/categories/MLB1574/attributes", None);
    let by_id = |id: &str| {
        attributes
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("BRAND")["tags"], json!({"required": true}));
    assert_eq!(by_id("MODEL")["tags"], json!({}));
    assert_eq!(by_id("SIZE")["tags"], json!({"allow_variations": true}));
    assert_eq!(by_id("COLOR")["name"], "Cor");
    assert_eq!(
        keys(&by_id("GTIN")),
        keys(&json!({"id": 0, "name": 0, "tags": 0, "value_type": 0, "values": 0}))
    );
    let shirts = ok(&sandbox, "GET", "/categories/MLB31447/attributes", None);
    let required: Vec<&str> = shirts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["tags"]["required"] == true)
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(required, ["BRAND", "MODEL"]);

    let unknown = call(&sandbox, "GET", "/categories/MLB999", None);
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body,
        json!({"message": "Category not found", "error": "not_found", "status": 404, "cause": []})
    );
}

#[test]
fn an_item_is_created_without_variations_from_numbers_as_strings() {
    let sandbox = MlSandbox::start().unwrap();
    let item = pan(&sandbox, "PAN-1", 12);
    let id = id_of(&item);
    assert!(id.starts_with("MLB") && id.len() == 13 && id[3..].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(item["price"], json!(129.95));
    assert_eq!(item["available_quantity"], 12);
    assert_eq!(item["sold_quantity"], 0);
    assert_eq!(item["status"], "active");
    assert_eq!(item["sub_status"], json!([]));
    assert_eq!(item["seller_id"], sandbox.seller_id());
    assert_eq!(item["site_id"], "MLB");
    assert_eq!(item["seller_custom_field"], "PAN-1");
    assert_eq!(item["variations"], json!([]));
    assert_eq!(
        item["shipping"],
        json!({"mode": "me2", "logistic_type": "cross_docking"})
    );
    assert!(item["permalink"]
        .as_str()
        .unwrap()
        .contains("panela-de-pressao"));
    assert!(item["date_created"].as_str().unwrap().ends_with("-04:00"));
    assert_eq!(
        item["attributes"][0],
        json!({"id": "BRAND", "name": "Marca", "value_id": null, "value_name": "Ponte"})
    );
    assert_eq!(ok(&sandbox, "GET", &format!("/items/{id}"), None), item);
    assert_eq!(sandbox.item(&id), Some(item));
}

#[test]
fn an_item_is_created_with_variations_named_by_id_or_name() {
    let sandbox = MlSandbox::start().unwrap();
    let item = shirt(&sandbox);
    let id = id_of(&item);
    assert_eq!(item["available_quantity"], 7, "the sum of the variations");
    assert_eq!(item["price"], 50);
    let variations = item["variations"].as_array().unwrap();
    assert_eq!(variations.len(), 2);
    let first = &variations[0];
    assert!(first["id"].as_u64().unwrap() > 1 << 53);
    assert_eq!(
        first["attribute_combinations"],
        json!([
            {"id": "SIZE", "name": "Tamanho", "value_id": null, "value_name": "M"},
            {"id": "COLOR", "name": "Cor", "value_id": null, "value_name": "Preto"},
        ])
    );
    assert_eq!(
        first["attributes"],
        json!([{"id": "SELLER_SKU", "name": "SKU", "value_id": null, "value_name": "CAM-PRETA-M"}])
    );
    let picture = &item["pictures"][0];
    assert_eq!(
        keys(picture),
        keys(&json!({"id": 0, "url": 0, "secure_url": 0, "source": 0}))
    );
    assert_eq!(first["picture_ids"], json!([picture["id"]]));
    assert_eq!(variations[1]["seller_custom_field"], "LEGADO-G");
    assert_eq!(variations[1]["sold_quantity"], 0);
    assert_eq!(
        ok(&sandbox, "GET", &format!("/items/{id}/description"), None),
        json!({"plain_text": "Algodão."})
    );
    ok(
        &sandbox,
        "PUT",
        &format!("/items/{id}/description"),
        Some(&json!({"plain_text": "Algodão penteado."})),
    );
    assert_eq!(
        ok(&sandbox, "GET", &format!("/items/{id}/description"), None)["plain_text"],
        "Algodão penteado."
    );

    // The SDK's own example, in a category the sandbox knows and with the brand it requires.
    let mut example = fixture("mercadolivre-item-create-request.json");
    example["category_id"] = json!("MLB1574");
    example["currency_id"] = json!("BRL");
    example["attributes"] = json!([{"id": "BRAND", "value_name": "Genérica"}]);
    example["variations"][0]["attribute_combinations"][0]["name"] = json!("Cor");
    let created = call(&sandbox, "POST", "/items", Some(&example));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.body["variations"][0]["attribute_combinations"][0]["id"],
        "COLOR"
    );
    assert_eq!(
        ok(
            &sandbox,
            "GET",
            &format!("/items/{}/description", id_of(&created.body)),
            None
        ),
        json!({"plain_text": "Item de Teste. Mercado Livre SDK"})
    );
}

#[test]
fn every_validation_cause_is_answered() {
    let sandbox = MlSandbox::start().unwrap();
    let base = json!({
        "title": "Camiseta", "category_id": "MLB31447", "price": 50, "currency_id": "BRL",
        "available_quantity": 5, "buying_mode": "buy_it_now", "listing_type_id": "gold_special",
        "condition": "new",
        "attributes": [{"id": "BRAND", "value_name": "Ponte"}, {"id": "MODEL", "value_name": "X"}],
    });
    let with = |changes: Value| {
        let mut body = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        call(&sandbox, "POST", "/items", Some(&body))
    };
    assert_eq!(with(json!({})).status, 201);

    let unknown = with(json!({"category_id": "MLB0"}));
    assert_eq!(
        (unknown.status, codes(&unknown)),
        (400, vec!["item.category_id.invalid".to_string()])
    );
    assert_eq!(unknown.body["error"], "validation_error");
    assert_eq!(unknown.body["message"], "Validation error");
    assert_eq!(
        keys(&unknown.body),
        keys(&fixture(
            "mercadolivre-error-validation-missing-required.json"
        ))
    );
    assert_eq!(
        keys(&unknown.body["cause"][0]),
        keys(
            &json!({"department": 0, "cause_id": 0, "type": 0, "code": 0, "references": 0,
                     "message": 0})
        )
    );
    assert_eq!(unknown.body["cause"][0]["department"], "items");
    assert_eq!(unknown.body["cause"][0]["type"], "error");

    let missing = with(json!({"attributes": []}));
    assert_eq!(missing.status, 400);
    assert_eq!(
        codes(&missing),
        ["item.attributes.missing_required"],
        "one cause for both"
    );
    assert_eq!(missing.body["cause"][0]["cause_id"], 147);
    assert_eq!(
        missing.body["cause"][0]["message"],
        "The attributes [BRAND, MODEL] are required for category MLB31447. Check the attribute \
         is present in the attributes list or in all variation's attributes_combination or \
         attributes."
    );
    // Required attributes may be on every variation instead.
    let variation = |size: &str, attributes: Value| {
        json!({"price": 50, "available_quantity": 1, "attributes": attributes,
               "attribute_combinations": [{"id": "SIZE", "value_name": size}]})
    };
    let brand_model =
        json!([{"id": "BRAND", "value_name": "P"}, {"id": "MODEL", "value_name": "M"}]);
    let on_every = with(json!({"attributes": [], "variations": [
        variation("P", brand_model.clone()), variation("M", brand_model.clone())]}));
    assert_eq!(on_every.status, 201, "{}", on_every.text);
    let on_one = with(json!({"attributes": [], "variations": [
        variation("P", brand_model.clone()), variation("M", json!([]))]}));
    assert_eq!(codes(&on_one), ["item.attributes.missing_required"]);
    assert!(on_one.body["cause"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("The attributes [BRAND, MODEL] are required"));

    for price in [json!(0), json!(-3), json!("abc"), json!(null)] {
        let refused = with(json!({"price": price}));
        assert_eq!(codes(&refused), ["item.price.invalid"], "{price}");
    }
    let listing = with(json!({"listing_type_id": "diamond"}));
    assert_eq!(codes(&listing), ["item.listing_type_id.invalid"]);
    let stock = with(json!({"available_quantity": -1}));
    assert_eq!(codes(&stock), ["item.available_quantity.invalid"]);
    let variation_stock = with(json!({"variations": [
        {"price": 50, "available_quantity": -2, "attribute_combinations": [{"id": "SIZE", "value_name": "P"}]}]}));
    assert_eq!(codes(&variation_stock), ["item.available_quantity.invalid"]);

    let not_for_variations = with(json!({"variations": [
        {"price": 50, "available_quantity": 1, "attribute_combinations": [{"id": "BRAND", "value_name": "P"}]}]}));
    assert_eq!(
        codes(&not_for_variations),
        ["item.variations.attribute_combinations.invalid"]
    );
    let unknown_name = with(json!({"variations": [
        {"price": 50, "available_quantity": 1, "attribute_combinations": [{"name": "Sabor", "value_name": "Uva"}]}]}));
    assert_eq!(
        codes(&unknown_name),
        ["item.variations.attribute_combinations.invalid"]
    );
    let twice = with(json!({"variations": [
        {"price": 50, "available_quantity": 1, "attribute_combinations": [{"id": "SIZE", "value_name": "P"}]},
        {"price": 50, "available_quantity": 2, "attribute_combinations": [{"name": "Tamanho", "value_name": "p"}]}]}));
    assert_eq!(
        codes(&twice),
        ["item.variations.attribute_combinations.invalid"]
    );

    // Several problems at once: every cause is answered.
    let many = with(json!({"price": 0, "listing_type_id": "x", "available_quantity": -1}));
    assert_eq!(
        codes(&many),
        [
            "item.price.invalid",
            "item.listing_type_id.invalid",
            "item.available_quantity.invalid"
        ]
    );
    assert_eq!(sandbox.items().len(), 2, "only the valid ones were created");
}

#[test]
fn the_seller_search_finds_by_seller_sku_and_sku() {
    let sandbox = MlSandbox::start().unwrap();
    let shirt = id_of(&shirt(&sandbox));
    let pan = id_of(&pan(&sandbox, "PAN-1", 3));
    let full = sandbox
        .seed_item(
            json!({"title": "Panela Full", "seller_custom_field": "PAN-FULL",
                          "shipping": {"logistic_type": "fulfillment"}}),
        )
        .unwrap();
    let full = id_of(&full);
    let other = sandbox
        .seed_item(json!({"title": "Alheio", "seller_id": 42, "seller_custom_field": "PAN-1"}))
        .unwrap();
    let seller = sandbox.seller_id();
    let search = |query: &str| {
        ok(
            &sandbox,
            "GET",
            &format!("/users/{seller}/items/search?{query}"),
            None,
        )
    };
    let results = |query: &str| search(query)["results"].clone();

    let by_variation_sku = search("seller_sku=CAM-PRETA-G");
    assert_eq!(by_variation_sku["results"], json!([shirt]));
    assert_eq!(by_variation_sku["seller_id"], json!(seller.to_string()));
    assert_eq!(
        keys(&by_variation_sku),
        keys(&fixture("mercadolivre-items-search-response.json"))
    );
    assert_like(
        "items search",
        &fixture("mercadolivre-items-search-response.json"),
        &by_variation_sku,
    );
    assert_eq!(
        results("seller_sku=PAN-1"),
        json!([]),
        "PAN-1 is a seller_custom_field"
    );
    assert_eq!(
        results("sku=PAN-1"),
        json!([pan]),
        "another seller's is not listed"
    );
    assert_eq!(
        results("sku=LEGADO-G"),
        json!([shirt]),
        "a variation's field"
    );
    assert_eq!(results("logistic_type=fulfillment"), json!([full]));
    sandbox.set_item_status(&pan, "paused").unwrap();
    assert_eq!(results("status=paused"), json!([pan]));
    assert_eq!(results("status=active"), json!([shirt, full]));
    assert_eq!(
        search("")["paging"],
        json!({"limit": 50, "offset": 0, "total": 3})
    );

    let forbidden = call(&sandbox, "GET", "/users/42/items/search", None);
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.body["error"], "forbidden");
    assert!(sandbox.item(&id_of(&other)).is_some());
}

#[test]
fn the_seller_search_pages_by_offset_to_1000_then_by_scan() {
    let sandbox = MlSandbox::start().unwrap();
    let ids: Vec<String> = (0..5)
        .map(|n| {
            id_of(
                &sandbox
                    .seed_item(json!({"title": format!("Item {n}")}))
                    .unwrap(),
            )
        })
        .collect();
    let seller = sandbox.seller_id();
    let path = |query: &str| format!("/users/{seller}/items/search?{query}");
    let page = ok(&sandbox, "GET", &path("limit=2&offset=2"), None);
    assert_eq!(page["results"], json!(ids[2..4]));
    assert_eq!(page["paging"], json!({"limit": 2, "offset": 2, "total": 5}));
    assert_eq!(
        ok(&sandbox, "GET", &path("limit=100"), None)["paging"]["limit"],
        100
    );
    assert_eq!(
        ok(&sandbox, "GET", &path("offset=1000"), None)["results"],
        json!([])
    );

    let too_many = call(&sandbox, "GET", &path("limit=101"), None);
    assert_eq!(
        (too_many.status, too_many.body["error"].as_str()),
        (400, Some("bad_request"))
    );
    let too_far = call(&sandbox, "GET", &path("offset=1001"), None);
    assert_eq!(too_far.status, 400);
    assert!(too_far.body["message"]
        .as_str()
        .unwrap()
        .contains("search_type=scan"));

    let first = ok(&sandbox, "GET", &path("search_type=scan&limit=2"), None);
    let scroll = first["scroll_id"].as_str().unwrap().to_string();
    assert_eq!(first["results"], json!(ids[0..2]));
    let mut seen: Vec<Value> = first["results"].as_array().unwrap().clone();
    loop {
        let next = ok(
            &sandbox,
            "GET",
            &path(&format!("search_type=scan&limit=2&scroll_id={scroll}")),
            None,
        );
        assert_eq!(next["scroll_id"], json!(scroll));
        let batch = next["results"].as_array().unwrap();
        if batch.is_empty() {
            break;
        }
        seen.extend(batch.iter().cloned());
    }
    assert_eq!(json!(seen), json!(ids));
    let lost = call(
        &sandbox,
        "GET",
        &path("search_type=scan&scroll_id=nope"),
        None,
    );
    assert_eq!(lost.status, 400);
}

#[test]
fn the_multiget_answers_each_id_in_the_order_asked() {
    let sandbox = MlSandbox::start().unwrap();
    let a = id_of(&pan(&sandbox, "A", 1));
    let b = id_of(&pan(&sandbox, "B", 1));
    let answer = ok(&sandbox, "GET", &format!("/items?ids={b},MLB404,{a}"), None);
    let answers = answer.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(
        (answers[0]["code"].as_u64(), &answers[0]["body"]["id"]),
        (Some(200), &json!(b))
    );
    assert_eq!(
        answers[1],
        json!({"code": 404, "body": {"message": "Item with id MLB404 not found",
                                      "error": "not_found", "status": 404, "cause": []}})
    );
    assert_eq!(answers[2]["body"], sandbox.item(&a).unwrap());

    let twenty: Vec<String> = (0..20).map(|n| format!("MLB{n}")).collect();
    assert_eq!(
        ok(
            &sandbox,
            "GET",
            &format!("/items?ids={}", twenty.join(",")),
            None
        )
        .as_array()
        .unwrap()
        .len(),
        20
    );
    let more = call(
        &sandbox,
        "GET",
        &format!("/items?ids={},MLB21", twenty.join(",")),
        None,
    );
    assert_eq!(
        (more.status, more.body["error"].as_str()),
        (400, Some("bad_request"))
    );
}

#[test]
fn stock_is_put_per_variation_and_variations_left_out_are_deleted() {
    let sandbox = MlSandbox::start().unwrap();
    sandbox.set_time(Some(at("2026-05-04T10:00:00-04:00")));
    let item = shirt(&sandbox);
    let id = id_of(&item);
    let (m, g) = (
        item["variations"][0]["id"].as_u64().unwrap(),
        item["variations"][1]["id"].as_u64().unwrap(),
    );
    sandbox.set_time(Some(at("2026-05-04T11:30:00-04:00")));

    // The docs' request shape, with this item's variation ids.
    let mut request = fixture("mercadolivre-item-variations-stock-update-request.json");
    request["variations"][0]["id"] = json!(m);
    request["variations"][1]["id"] = json!(g);
    let updated = ok(&sandbox, "PUT", &format!("/items/{id}"), Some(&request));
    assert_eq!(updated["variations"][0]["available_quantity"], 100);
    assert_eq!(updated["variations"][1]["available_quantity"], 150);
    assert_eq!(updated["available_quantity"], 250);
    assert_eq!(
        updated["variations"][1]["price"], 55,
        "untouched fields stay"
    );
    assert_eq!(updated["last_updated"], "2026-05-04T11:30:00.000-04:00");
    assert_eq!(updated["date_created"], "2026-05-04T10:00:00.000-04:00");

    // Only M named, and a new size: G is deleted, P is added.
    let replaced = ok(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"variations": [
            {"id": m, "available_quantity": 9, "price": 60},
            {"price": 52, "available_quantity": 2,
             "attribute_combinations": [{"id": "SIZE", "value_name": "P"}, {"id": "COLOR", "value_name": "Preto"}],
             "attributes": [{"id": "SELLER_SKU", "value_name": "CAM-PRETA-P"}]},
        ]})),
    );
    let variations = replaced["variations"].as_array().unwrap();
    assert_eq!(variations.len(), 2);
    assert_eq!(variations[0]["id"], m);
    assert_eq!(variations[0]["price"], 60);
    assert!(variations.iter().all(|v| v["id"] != g));
    assert!(variations[1]["id"].as_u64().is_some());
    assert_eq!(replaced["available_quantity"], 11);
    assert_eq!(replaced["price"], 52, "the lowest variation price");

    // Stock of an item with variations goes on the variations.
    let top_level = call(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"available_quantity": 5})),
    );
    assert_eq!(codes(&top_level), ["item.available_quantity.invalid"]);
    let unknown = call(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"variations": [{"id": g, "available_quantity": 1}]})),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    let duplicate = call(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(
            &json!({"variations": [{"id": m}, {"price": 50, "available_quantity": 1,
            "attribute_combinations": [{"id": "SIZE", "value_name": "M"}, {"id": "COLOR", "value_name": "Preto"}]}]}),
        ),
    );
    assert_eq!(
        codes(&duplicate),
        ["item.variations.attribute_combinations.invalid"]
    );
    assert_eq!(
        sandbox.item(&id).unwrap(),
        replaced,
        "refused writes change nothing"
    );

    // An item without variations takes stock, price (as a string too), title, attributes.
    let pan = id_of(&pan(&sandbox, "PAN-1", 3));
    let changed = ok(
        &sandbox,
        "PUT",
        &format!("/items/{pan}"),
        Some(
            &json!({"available_quantity": "7", "price": "99.9", "title": "Panela 6L",
                     "attributes": [{"id": "GTIN", "value_name": "7891234567895"}],
                     "pictures": [{"source": "https://example.com/p.jpg"}]}),
        ),
    );
    assert_eq!(
        (
            &changed["available_quantity"],
            &changed["price"],
            &changed["title"]
        ),
        (&json!(7), &json!(99.9), &json!("Panela 6L"))
    );
    assert_eq!(
        changed["attributes"].as_array().unwrap().len(),
        2,
        "merged by id"
    );
    assert_eq!(changed["pictures"].as_array().unwrap().len(), 1);
}

#[test]
fn full_items_refuse_stock() {
    let sandbox = MlSandbox::start().unwrap();
    let plain = id_of(
        &sandbox
            .seed_item(
                json!({"title": "Panela Full", "shipping": {"logistic_type": "fulfillment"},
                              "available_quantity": 8}),
            )
            .unwrap(),
    );
    let with_variations = sandbox
        .seed_item(json!({
            "title": "Camiseta Full", "category_id": "MLB31447",
            "shipping": {"logistic_type": "fulfillment"},
            "variations": [{"id": 77, "price": 10, "available_quantity": 4,
                            "attribute_combinations": [{"id": "SIZE", "value_name": "M"}]}],
        }))
        .unwrap();
    assert_eq!(
        with_variations["variations"][0]["id"], 77,
        "a seed keeps its ids"
    );
    let varied = id_of(&with_variations);
    for (id, body) in [
        (&plain, json!({"available_quantity": 3})),
        (
            &varied,
            json!({"variations": [{"id": 77, "available_quantity": 3}]}),
        ),
    ] {
        let refused = call(&sandbox, "PUT", &format!("/items/{id}"), Some(&body));
        assert_eq!(refused.status, 400);
        assert_eq!(codes(&refused), ["item.available_quantity.fulfillment"]);
        assert_eq!(
            refused.body["cause"][0]["message"],
            "Stock of items in fulfillment is managed by Mercado Livre"
        );
    }
    let priced = ok(
        &sandbox,
        "PUT",
        &format!("/items/{plain}"),
        Some(&json!({"price": 80})),
    );
    assert_eq!(
        (
            priced["price"].as_i64(),
            priced["available_quantity"].as_i64()
        ),
        (Some(80), Some(8))
    );
}

#[test]
fn items_under_review_refuse_every_change() {
    let sandbox = MlSandbox::start().unwrap();
    let id = id_of(&pan(&sandbox, "PAN-1", 3));
    sandbox.set_item_status(&id, "under_review").unwrap();
    assert_eq!(
        ok(&sandbox, "GET", &format!("/items/{id}"), None)["status"],
        "under_review"
    );
    for (path, body) in [
        (format!("/items/{id}"), json!({"price": 10})),
        (format!("/items/{id}"), json!({"status": "active"})),
        (
            format!("/items/{id}/description"),
            json!({"plain_text": "x"}),
        ),
    ] {
        let refused = call(&sandbox, "PUT", &path, Some(&body));
        assert_eq!(refused.status, 400);
        assert_eq!(refused.body["error"], "validation_error");
        assert_eq!(codes(&refused), ["item.status.under_review"]);
        assert_eq!(
            refused.body["cause"][0]["message"],
            format!("The item {id} is under review and cannot be modified")
        );
    }
    sandbox.set_item_status(&id, "active").unwrap();
    ok(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"price": 10})),
    );
}

#[test]
fn a_closed_item_is_final() {
    let sandbox = MlSandbox::start().unwrap();
    let id = id_of(&pan(&sandbox, "PAN-1", 3));
    let paused = ok(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"status": "paused"})),
    );
    assert_eq!(paused["status"], "paused");
    let unknown = call(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"status": "under_review"})),
    );
    assert_eq!(codes(&unknown), ["item.status.invalid"]);
    let closed = ok(
        &sandbox,
        "PUT",
        &format!("/items/{id}"),
        Some(&json!({"status": "closed"})),
    );
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        ok(
            &sandbox,
            "PUT",
            &format!("/items/{id}"),
            Some(&json!({"status": "closed"}))
        )["status"],
        "closed",
        "closing again is harmless"
    );
    for body in [
        json!({"status": "active"}),
        json!({"status": "paused"}),
        json!({"price": 3}),
    ] {
        let refused = call(&sandbox, "PUT", &format!("/items/{id}"), Some(&body));
        assert_eq!(
            (refused.status, codes(&refused)),
            (400, vec!["item.status.invalid".to_string()]),
            "{body}"
        );
    }
    assert_eq!(sandbox.item(&id).unwrap()["status"], "closed");
}

#[test]
fn another_sellers_item_is_read_but_not_changed() {
    let sandbox = MlSandbox::start().unwrap();
    let theirs = id_of(
        &sandbox
            .seed_item(json!({"seller_id": 42, "title": "Alheio"}))
            .unwrap(),
    );
    assert_eq!(
        ok(&sandbox, "GET", &format!("/items/{theirs}"), None)["seller_id"],
        42
    );
    let refused = call(
        &sandbox,
        "PUT",
        &format!("/items/{theirs}"),
        Some(&json!({"price": 1})),
    );
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(refused.body["cause"], json!([]));
}

/// Orders placed at pinned times, for the search's tests.
fn order_at(sandbox: &MlSandbox, when: &str, sku: &str, paid: bool) -> u64 {
    sandbox.set_time(Some(at(when)));
    let placed = sandbox
        .place_cart(&json!({"lines": [{"sku": sku, "quantity": 1}], "paid": paid}))
        .unwrap();
    placed["orders"][0].as_u64().unwrap()
}

#[test]
fn order_search_bounds_keep_only_the_hour() {
    let sandbox = MlSandbox::start().unwrap();
    pan(&sandbox, "PAN-1", 10);
    // A: last updated at 14:10 (-04:00); B: at 14:00:00 sharp; C: at 15:00:30.
    let a = order_at(&sandbox, "2026-05-04T14:10:00-04:00", "PAN-1", true);
    let b = order_at(&sandbox, "2026-05-04T14:00:00-04:00", "PAN-1", true);
    let c = order_at(&sandbox, "2026-05-04T15:00:30-04:00", "PAN-1", true);
    let seller = sandbox.seller_id();
    let found = |bounds: &str| -> Vec<u64> {
        let answer = ok(
            &sandbox,
            "GET",
            &format!("/orders/search?seller={seller}&{bounds}"),
            None,
        );
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_u64().unwrap())
            .collect()
    };
    let from = "order.date_last_updated.from";
    let to = "order.date_last_updated.to";
    // from=14:50 reads as 14:00: A (14:10) and B (14:00) are found though they are earlier.
    assert_eq!(
        found(&format!("{from}=2026-05-04T14:50:00.000-04:00")),
        [b, a, c]
    );
    // to=13:59 reads as 13:00: nothing of 14:xx.
    assert_eq!(
        found(&format!("{to}=2026-05-04T13:59:59.999-04:00")),
        [] as [u64; 0]
    );
    // to=14:59 reads as 14:00:00.000: B (exactly then, inclusive) but not A (14:10).
    assert_eq!(found(&format!("{to}=2026-05-04T14:59:00.000-04:00")), [b]);
    // from=15:20 reads as 15:00: C (15:00:30) only; to=15:20 reads as 15:00: C is out.
    assert_eq!(found(&format!("{from}=2026-05-04T15:20:00-04:00")), [c]);
    assert_eq!(found(&format!("{to}=2026-05-04T15:20:00-04:00")), [b, a]);
    // The same instants written in UTC: 18:55Z reads as 18:00Z (14:00-04:00), 19:05Z as 19:00Z.
    assert_eq!(
        found(&format!(
            "{from}=2026-05-04T18:55:00.000Z&{to}=2026-05-04T19:05:00Z"
        )),
        [b, a]
    );
    // A half-hour offset is truncated where it was written: 23:40+05:30 is 23:00+05:30, 13:30-04:00.
    assert_eq!(
        found(&format!("{from}=2026-05-04T23:40:00%2B05:30")),
        [b, a, c]
    );
    assert_eq!(found(&format!("{from}=2026-05-05T00:40:00%2B05:30")), [c]);

    // Updating an order moves it into a later window.
    sandbox.set_time(Some(at("2026-05-04T16:45:00-04:00")));
    sandbox
        .update_order(b, &json!({"tags_add": ["fraud_risk_detected"]}))
        .unwrap();
    assert_eq!(found(&format!("{from}=2026-05-04T16:59:00-04:00")), [b]);
    let moved = ok(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={seller}&{from}=2026-05-04T16:00:00-04:00"),
        None,
    );
    assert_eq!(
        moved["results"][0]["last_updated"],
        "2026-05-04T16:45:00.000-04:00"
    );
    assert_eq!(
        moved["results"][0]["date_last_updated"],
        "2026-05-04T20:45:00.000Z"
    );

    let bad = call(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={seller}&{from}=yesterday"),
        None,
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn order_search_sorts_by_date_closed_filters_and_pages() {
    let sandbox = MlSandbox::start().unwrap();
    pan(&sandbox, "PAN-1", 10);
    let first = order_at(&sandbox, "2026-05-04T09:00:00-04:00", "PAN-1", false);
    let second = order_at(&sandbox, "2026-05-04T10:00:00-04:00", "PAN-1", true);
    let third = order_at(&sandbox, "2026-05-04T11:00:00-04:00", "PAN-1", true);
    let seller = sandbox.seller_id();
    let ids = |query: &str| -> Vec<u64> {
        ok(
            &sandbox,
            "GET",
            &format!("/orders/search?seller={seller}{query}"),
            None,
        )["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_u64().unwrap())
            .collect()
    };
    // The unpaid one sorts by its creation until it is paid, then by its date_closed.
    assert_eq!(ids(""), [first, second, third]);
    sandbox.set_time(Some(at("2026-05-04T12:00:00-04:00")));
    sandbox
        .update_order(first, &json!({"status": "paid"}))
        .unwrap();
    assert_eq!(ids(""), [second, third, first]);
    assert_eq!(ids("&sort=date_asc"), [second, third, first]);
    assert_eq!(ids("&sort=date_desc"), [first, third, second]);

    let page = ok(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={seller}&limit=2&offset=1"),
        None,
    );
    assert_eq!(page["paging"], json!({"total": 3, "offset": 1, "limit": 2}));
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["sort"],
        json!({"id": "date_asc", "name": "Date ascending"})
    );
    assert_eq!(
        page["available_sorts"],
        json!([{"id": "date_desc", "name": "Date descending"}])
    );
    let desc = ok(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={seller}&sort=date_desc"),
        None,
    );
    assert_eq!(desc["available_sorts"][0]["id"], "date_asc");
    assert_eq!(
        ok(
            &sandbox,
            "GET",
            &format!("/orders/search?seller={seller}&limit=50"),
            None
        )["paging"]["limit"],
        50
    );
    let too_many = call(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={seller}&limit=51"),
        None,
    );
    assert_eq!(too_many.status, 400);

    sandbox
        .update_order(third, &json!({"status": "cancelled"}))
        .unwrap();
    assert_eq!(ids("&order.status=cancelled"), [third]);
    assert_eq!(ids("&order.status=paid,cancelled"), [second, third, first]);
    assert_eq!(ids("&order.status=confirmed"), [] as [u64; 0]);
    assert_eq!(ids(&format!("&q={second}")), [second]);

    let theirs = call(&sandbox, "GET", "/orders/search?seller=42", None);
    assert_eq!(
        (theirs.status, theirs.body["error"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(call(&sandbox, "GET", "/orders/search", None).status, 400);
}

#[test]
fn a_cart_is_a_pack_of_orders_with_one_shipment_and_a_billing_info() {
    let sandbox = MlSandbox::start().unwrap();
    let shirt = shirt(&sandbox);
    let pan = pan(&sandbox, "PAN-1", 5);
    sandbox.set_time(Some(at("2022-04-08T17:01:30-04:00")));
    let placed = sandbox
        .place_cart(&json!({
            "lines": [{"sku": "CAM-PRETA-M", "quantity": 2}, {"sku": "PAN-1", "quantity": 1}],
            "paid": true, "buyer": "company", "tags": ["test_order"],
        }))
        .unwrap();
    let pack_id = placed["pack_id"].as_u64().unwrap();
    let orders: Vec<u64> = placed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap())
        .collect();
    assert_eq!(orders.len(), 2);

    let first = ok(&sandbox, "GET", &format!("/orders/{}", orders[0]), None);
    let line = &first["order_items"][0];
    assert_eq!(line["item"]["id"], shirt["id"]);
    assert_eq!(line["item"]["variation_id"], shirt["variations"][0]["id"]);
    assert_eq!(line["item"]["seller_sku"], "CAM-PRETA-M");
    assert_eq!(
        line["item"]["variation_attributes"],
        shirt["variations"][0]["attribute_combinations"]
    );
    assert_eq!(
        (line["quantity"].as_i64(), &line["unit_price"]),
        (Some(2), &json!(50))
    );
    assert_eq!(first["total_amount"], 100);
    assert_eq!(first["pack_id"], pack_id);
    assert_eq!(first["status"], "paid");
    assert_eq!(first["date_created"], "2022-04-08T17:01:30.000-04:00");
    for tag in ["pack_order", "paid", "test_order", "not_delivered"] {
        assert!(
            first["tags"].as_array().unwrap().iter().any(|t| t == tag),
            "{tag}"
        );
    }
    let second = sandbox.order(orders[1]).unwrap();
    assert_eq!(
        second["order_items"][0]["item"]["seller_custom_field"],
        "PAN-1"
    );
    assert_eq!(
        second["order_items"][0]["item"]["variation_id"],
        Value::Null
    );
    assert_eq!(second["total_amount"], json!(129.95));
    assert_eq!(
        first["shipping"], second["shipping"],
        "one shipment for the cart"
    );

    let pack = ok(&sandbox, "GET", &format!("/packs/{pack_id}"), None);
    assert_eq!(keys(&pack), keys(&fixture("mercadolivre-pack.json")));
    assert_like("pack", &fixture("mercadolivre-pack.json"), &pack);
    assert_eq!(
        pack["orders"],
        json!([{"id": orders[0]}, {"id": orders[1]}])
    );
    assert_eq!(pack["shipment"], first["shipping"]);
    assert_eq!(pack["buyer"]["id"], first["buyer"]["id"]);
    assert_eq!(pack["date_created"], "2022-04-08T17:01:30.000-0400");

    let shipment_id = first["shipping"]["id"].as_u64().unwrap();
    let shipment = ok(&sandbox, "GET", &format!("/shipments/{shipment_id}"), None);
    assert_like(
        "shipment",
        &fixture("mercadolivre-order-shipments-list.json")[0],
        &shipment,
    );
    assert_eq!(shipment["pack_id"], pack_id);
    assert_eq!(shipment["status"], "ready_to_ship");
    assert_eq!(shipment["shipping_items"].as_array().unwrap().len(), 2);
    assert_eq!(
        keys(&shipment["receiver_address"]),
        keys(
            &json!({"id": 0, "address_line": 0, "street_name": 0, "street_number": 0,
                     "comment": 0, "zip_code": 0, "city": 0, "state": 0, "country": 0,
                     "neighborhood": 0, "receiver_name": 0, "receiver_phone": 0})
        )
    );
    assert_eq!(shipment["receiver_address"]["state"]["id"], "BR-RJ");

    let billing_id = first["buyer"]["billing_info"]["id"].as_u64().unwrap();
    let company = ok(
        &sandbox,
        "GET",
        &format!("/orders/billing-info/MLB/{billing_id}"),
        None,
    );
    assert_like(
        "billing info",
        &fixture("derived/mercadolivre-billing-info-mlb-pj.json"),
        &company,
    );
    let info = &company["buyer"]["billing_info"];
    assert_eq!(info["identification"]["type"], "CNPJ");
    assert!(ponte::rules::documents::is_valid_cnpj(
        info["identification"]["number"].as_str().unwrap()
    ));
    assert_eq!(info["attributes"]["cust_type"], "BU");
    assert!(info["taxes"]["inscriptions"]["state_registration"].is_string());
    assert_eq!(company["buyer"]["cust_id"], first["buyer"]["id"]);
    assert_eq!(company["seller"]["cust_id"], sandbox.seller_id());

    // One line: one order, no pack, a person.
    let alone = sandbox
        .place_cart(&json!({"lines": [{"item_id": pan["id"], "quantity": 1}], "paid": false}))
        .unwrap();
    assert_eq!(alone["pack_id"], Value::Null);
    let order = sandbox.order(alone["orders"][0].as_u64().unwrap()).unwrap();
    assert_eq!(order["pack_id"], Value::Null);
    assert_eq!(order["status"], "confirmed");
    assert_eq!(order["payments"], json!([]));
    assert!(!order["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "pack_order"));
    let billing_id = order["buyer"]["billing_info"]["id"].as_u64().unwrap();
    let person = ok(
        &sandbox,
        "GET",
        &format!("/orders/billing-info/MLB/{billing_id}"),
        None,
    );
    assert_like(
        "billing info",
        &fixture("derived/mercadolivre-billing-info-mlb-pf.json"),
        &person,
    );
    let info = &person["buyer"]["billing_info"];
    assert_eq!(
        (
            info["identification"]["type"].as_str(),
            info["attributes"]["cust_type"].as_str()
        ),
        (Some("CPF"), Some("CO"))
    );
    assert!(ponte::rules::documents::is_valid_cpf(
        info["identification"]["number"].as_str().unwrap()
    ));
    let shipment = sandbox
        .shipment(order["shipping"]["id"].as_u64().unwrap())
        .unwrap();
    assert_eq!(
        (shipment["status"].as_str(), &shipment["pack_id"]),
        (Some("pending"), &Value::Null)
    );

    assert_eq!(call(&sandbox, "GET", "/packs/123", None).status, 404);
    assert_eq!(call(&sandbox, "GET", "/shipments/123", None).status, 404);
    assert_eq!(
        call(&sandbox, "GET", "/orders/billing-info/MLB/123", None).status,
        404
    );
    assert_eq!(
        call(
            &sandbox,
            "GET",
            &format!("/orders/billing-info/MLA/{billing_id}"),
            None
        )
        .status,
        404
    );
}

#[test]
fn carts_are_refused_when_they_cannot_be_bought() {
    let sandbox = MlSandbox::start().unwrap();
    let shirt = shirt(&sandbox);
    pan(&sandbox, "PAN-1", 1);
    let refused = |cart: Value| sandbox.place_cart(&cart).unwrap_err();
    assert!(refused(json!({"lines": []})).contains("lines"));
    assert!(refused(json!({"lines": [{"sku": "NOPE"}]})).contains("NOPE"));
    assert!(refused(json!({"lines": [{"sku": "PAN-1", "quantity": 2}]})).contains("stock"));
    assert!(refused(json!({"lines": [{"sku": "PAN-1"}, {"sku": "PAN-1"}]})).contains("stock"));
    assert!(refused(json!({"lines": [{"item_id": shirt["id"]}]})).contains("variation"));
    assert!(refused(json!({"lines": [{"sku": "PAN-1"}], "buyer": "robot"})).contains("buyer"));
    sandbox
        .set_item_status(shirt["id"].as_str().unwrap(), "paused")
        .unwrap();
    assert!(refused(json!({"lines": [{"sku": "CAM-PRETA-M"}]})).contains("paused"));
    assert!(sandbox.orders().is_empty());
}

#[test]
fn orders_have_the_docs_shape_and_are_the_sellers_own() {
    let sandbox = MlSandbox::start().unwrap();
    shirt(&sandbox);
    sandbox
        .seed_item(json!({"seller_id": 42, "seller_custom_field": "ALHEIO", "price": 20}))
        .unwrap();
    let mine = sandbox
        .place_cart(
            &json!({"lines": [{"sku": "CAM-PRETA-G", "quantity": 1}], "paid": true,
                            "tags": ["test_order"]}),
        )
        .unwrap()["orders"][0]
        .as_u64()
        .unwrap();
    let order = ok(&sandbox, "GET", &format!("/orders/{mine}"), None);
    assert_like("order", &fixture("derived/mercadolivre-order.json"), &order);
    let mut searched = ok(
        &sandbox,
        "GET",
        &format!("/orders/search?seller={}", sandbox.seller_id()),
        None,
    );
    let example = fixture("mercadolivre-orders-search-response.json");
    assert_eq!(keys(&searched), keys(&example));
    // The search example's seller is one of its era; feedback took its newer keys since.
    let mut example_order = example["results"][0].clone();
    example_order["feedback"] = json!({});
    assert_like("search", &json!({"results": [example_order]}), &searched);
    let found = searched["results"][0].take();
    assert!(found["date_last_updated"].as_str().unwrap().ends_with('Z'));
    assert_eq!(order["payments"][0]["status"], "approved");
    assert_eq!(order["payments"][0]["transaction_amount"], 55);
    assert_eq!(order["paid_amount"], 55);
    assert_eq!(order["seller"]["id"], sandbox.seller_id());
    assert!(order["date_closed"].is_string());

    let theirs = sandbox
        .place_cart(&json!({"lines": [{"sku": "ALHEIO"}], "paid": true}))
        .unwrap()["orders"][0]
        .as_u64()
        .unwrap();
    let not_owned = call(&sandbox, "GET", &format!("/orders/{theirs}"), None);
    assert_eq!(
        (not_owned.status, not_owned.body["error"].as_str()),
        (403, Some("not_owned_order"))
    );
    let pack_less_shipment = sandbox.order(theirs).unwrap()["shipping"]["id"]
        .as_u64()
        .unwrap();
    let forbidden = call(
        &sandbox,
        "GET",
        &format!("/shipments/{pack_less_shipment}"),
        None,
    );
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        keys(&forbidden.body),
        keys(&fixture("mercadolivre-error-403-forbidden.json"))
    );
    assert!(forbidden.body["message"]
        .as_str()
        .unwrap()
        .contains("does not belong to merchant"));
    let missing = call(&sandbox, "GET", "/orders/2000012345678901", None);
    assert_eq!(
        missing.body,
        json!({"message": "Order 2000012345678901 not found", "error": "order_not_found",
               "status": 404, "cause": []})
    );
    assert_eq!(
        call(&sandbox, "GET", "/orders/abc", None).body["error"],
        "invalid_order_id"
    );
}

#[test]
fn stock_moves_with_orders_and_comes_back_on_cancel() {
    let sandbox = MlSandbox::start().unwrap();
    let shirt = id_of(&shirt(&sandbox));
    let stock = |variation: usize| {
        let item = sandbox.item(&shirt).unwrap();
        (
            item["variations"][variation]["available_quantity"]
                .as_i64()
                .unwrap(),
            item["variations"][variation]["sold_quantity"]
                .as_i64()
                .unwrap(),
            item["available_quantity"].as_i64().unwrap(),
        )
    };
    assert_eq!(stock(0), (3, 0, 7));
    let order = sandbox
        .place_cart(&json!({"lines": [{"sku": "CAM-PRETA-M", "quantity": 2}], "paid": true}))
        .unwrap()["orders"][0]
        .as_u64()
        .unwrap();
    assert_eq!(stock(0), (1, 2, 5));
    let fraud = sandbox
        .update_order(order, &json!({"tags_add": ["fraud_risk_detected"]}))
        .unwrap();
    assert!(fraud["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "fraud_risk_detected"));
    let cancelled = sandbox
        .update_order(order, &json!({"status": "cancelled"}))
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["payments"][0]["status"], "refunded");
    assert!(cancelled["cancel_detail"].is_object());
    assert_eq!(stock(0), (3, 0, 7));
    // A cancelled order is final, and cancelling twice gives nothing back twice.
    sandbox
        .update_order(order, &json!({"status": "cancelled"}))
        .unwrap();
    assert_eq!(stock(0), (3, 0, 7));
    assert!(sandbox
        .update_order(order, &json!({"status": "paid"}))
        .is_err());
    let shipment = sandbox
        .shipment(cancelled["shipping"]["id"].as_u64().unwrap())
        .unwrap();
    assert_eq!(shipment["status"], "cancelled");

    // Shipping moves the cart's shipment; delivering tags its orders.
    let other = sandbox
        .place_cart(&json!({"lines": [{"sku": "CAM-PRETA-G"}], "paid": true}))
        .unwrap()["orders"][0]
        .as_u64()
        .unwrap();
    sandbox
        .update_order(other, &json!({"shipment_status": "shipped"}))
        .unwrap();
    let delivered = sandbox
        .update_order(other, &json!({"shipment_status": "delivered"}))
        .unwrap();
    let tags = delivered["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t == "delivered") && !tags.iter().any(|t| t == "not_delivered"));
    let shipment = sandbox
        .shipment(delivered["shipping"]["id"].as_u64().unwrap())
        .unwrap();
    assert_eq!(shipment["status"], "delivered");
    assert!(shipment["tracking_number"].is_string());
}

#[test]
fn notes_are_added_and_listed_and_change_nothing_else() {
    let sandbox = MlSandbox::start().unwrap();
    pan(&sandbox, "PAN-1", 3);
    let order = order_at(&sandbox, "2026-05-04T14:10:00-04:00", "PAN-1", true);
    let before = sandbox.order(order).unwrap();
    sandbox.set_time(Some(at("2026-05-04T15:00:00-04:00")));
    let added = call(
        &sandbox,
        "POST",
        &format!("/orders/{order}/notes"),
        Some(&json!({"note": "NF-e 1234 emitida"})),
    );
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(keys(&added.body), keys(&json!({"note": 0})));
    assert_eq!(
        keys(&added.body["note"]),
        keys(&json!({"id": 0, "note": 0, "date_created": 0}))
    );
    assert_eq!(added.body["note"]["note"], "NF-e 1234 emitida");
    assert!(added.body["note"]["id"].is_string());
    ok(
        &sandbox,
        "POST",
        &format!("/orders/{order}/notes"),
        Some(&json!({"note": "Segunda"})),
    );
    let listed = ok(&sandbox, "GET", &format!("/orders/{order}/notes"), None);
    assert_eq!(listed[0]["order_id"], order);
    let results = listed[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        keys(&results[0]),
        keys(&json!({"id": 0, "note": 0, "date_created": 0, "date_last_updated": 0}))
    );
    assert_eq!(results[0]["date_created"], "2026-05-04T15:00:00.000-04:00");
    assert_eq!(sandbox.order_notes(order), ["NF-e 1234 emitida", "Segunda"]);
    assert_eq!(
        sandbox.order(order).unwrap(),
        before,
        "a note moves nothing"
    );

    for note in [String::new(), "  ".into(), "x".repeat(3001)] {
        let refused = call(
            &sandbox,
            "POST",
            &format!("/orders/{order}/notes"),
            Some(&json!({"note": note})),
        );
        assert_eq!(refused.status, 400);
    }
    ok(
        &sandbox,
        "POST",
        &format!("/orders/{order}/notes"),
        Some(&json!({"note": "é".repeat(3000)})),
    );
    assert_eq!(call(&sandbox, "GET", "/orders/123/notes", None).status, 404);
}

#[test]
fn ids_beyond_2_pow_53_round_trip_as_integers() {
    let sandbox = MlSandbox::start().unwrap();
    let shirt = shirt(&sandbox);
    pan(&sandbox, "PAN-1", 3);
    let placed = sandbox
        .place_cart(&json!({"lines": [{"sku": "CAM-PRETA-M"}, {"sku": "PAN-1"}], "paid": true}))
        .unwrap();
    let order_id = placed["orders"][0].as_u64().unwrap();
    let answer = call(&sandbox, "GET", &format!("/orders/{order_id}"), None);
    let order = &answer.body;
    let ids = [
        order["id"].as_u64().unwrap(),
        order["pack_id"].as_u64().unwrap(),
        order["shipping"]["id"].as_u64().unwrap(),
        order["buyer"]["id"].as_u64().unwrap(),
        order["buyer"]["billing_info"]["id"].as_u64().unwrap(),
        order["payments"][0]["id"].as_u64().unwrap(),
        order["order_items"][0]["item"]["variation_id"]
            .as_u64()
            .unwrap(),
        order["seller"]["id"].as_u64().unwrap(),
    ];
    for id in ids {
        assert!(id > 1 << 53, "{id}");
        assert_eq!(id.to_string().len(), 16, "{id}");
        // Written as a bare integer, and not one an f64 holds.
        assert!(
            answer.text.contains(&format!(":{id}")),
            "{id} in {}",
            answer.text
        );
        assert_ne!(id as f64 as u64, id, "{id}");
    }
    assert_eq!(
        order["order_items"][0]["item"]["variation_id"],
        shirt["variations"][0]["id"]
    );
    // The ids read back exactly on every route that takes them.
    let pack = ok(&sandbox, "GET", &format!("/packs/{}", ids[1]), None);
    assert_eq!(pack["id"].as_u64(), Some(ids[1]));
    assert_eq!(
        ok(&sandbox, "GET", &format!("/shipments/{}", ids[2]), None)["id"].as_u64(),
        Some(ids[2])
    );
    let m = shirt["variations"][0]["id"].as_u64().unwrap();
    let put = ok(
        &sandbox,
        "PUT",
        &format!("/items/{}", id_of(&shirt)),
        Some(&json!({"variations": [{"id": m, "available_quantity": 1}]})),
    );
    assert_eq!(put["variations"][0]["id"].as_u64(), Some(m));
}

/// A callback URL on 127.0.0.1 that answers 200 and keeps every body posted to it.
fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notifications", listener.local_addr().unwrap());
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut length = 0;
            reader.read_line(&mut line).unwrap();
            assert!(line.starts_with("POST /notifications"), "{line}");
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                if let Some((name, value)) = trimmed.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            let mut stream = stream;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, received)
}

#[test]
fn notifications_reach_the_callback_url() {
    let sandbox = MlSandbox::start().unwrap();
    let seeded = id_of(
        &sandbox
            .seed_item(json!({"seller_custom_field": "PAN-OLD"}))
            .unwrap(),
    );
    let (url, received) = receiver();
    sandbox.set_notification_url(Some(url.clone()));
    sandbox.set_time(Some(at("2026-05-04T14:10:00-04:00")));

    let item = id_of(&pan(&sandbox, "PAN-1", 5));
    let placed = sandbox
        .place_cart(&json!({"lines": [{"sku": "PAN-1"}, {"sku": "PAN-OLD"}], "paid": true}))
        .unwrap();
    let orders: Vec<u64> = placed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap())
        .collect();
    sandbox
        .update_order(orders[0], &json!({"status": "cancelled"}))
        .unwrap();
    ok(
        &sandbox,
        "PUT",
        &format!("/items/{item}"),
        Some(&json!({"price": 100})),
    );
    // Another seller's changes do not reach this seller's app.
    let theirs = id_of(&sandbox.seed_item(json!({"seller_id": 42})).unwrap());
    sandbox.set_item_status(&theirs, "paused").unwrap();

    let resources: Vec<(String, String)> = received
        .lock()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["topic"].as_str().unwrap().to_string(),
                n["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (o0, o1) = (
        format!("/orders/{}", orders[0]),
        format!("/orders/{}", orders[1]),
    );
    let (i0, i1) = (format!("/items/{item}"), format!("/items/{seeded}"));
    let expected: Vec<(String, String)> = [
        ("items", &i0), // created
        ("items", &i0), // stock taken by the cart
        ("orders_v2", &o0),
        ("items", &i1),
        ("orders_v2", &o1),
        ("items", &i0),     // stock given back
        ("orders_v2", &o0), // cancelled
        ("items", &i0),     // price
    ]
    .iter()
    .map(|(t, r)| (t.to_string(), r.to_string()))
    .collect();
    assert_eq!(resources, expected);

    let first = received.lock().unwrap()[2].clone();
    assert_eq!(
        keys(&first),
        keys(&fixture("mercadolivre-notification-orders-v2.json"))
    );
    assert_like(
        "notification",
        &fixture("mercadolivre-notification-orders-v2.json"),
        &first,
    );
    assert_eq!(first["user_id"].as_u64(), Some(sandbox.seller_id()));
    let client_id = sandbox.credentials().client_id.unwrap();
    assert_eq!(first["application_id"].to_string(), client_id.expose());
    assert_eq!(first["attempts"], 1);
    assert_eq!(first["sent"], "2026-05-04T18:10:00.000Z");
    let items = received.lock().unwrap()[0].clone();
    assert_eq!(
        keys(&items),
        keys(&fixture("mercadolivre-notification-items.json"))
    );

    let deliveries = sandbox.notification_deliveries();
    assert_eq!(deliveries.len(), 8);
    assert!(deliveries
        .iter()
        .all(|d| d["status"] == 200 && d["url"] == url.as_str()));
    assert_eq!(deliveries[2]["body"], first);

    // A receiver that is gone is recorded, and the change still happens.
    sandbox.set_notification_url(Some("http://127.0.0.1:9/gone".into()));
    sandbox
        .update_order(orders[1], &json!({"tags_add": ["delivered"]}))
        .unwrap();
    assert!(sandbox.notification_deliveries().last().unwrap()["error"].is_string());
    sandbox.set_notification_url(None);
    sandbox
        .update_order(orders[1], &json!({"tags_add": ["x"]}))
        .unwrap();
    assert_eq!(sandbox.notification_deliveries().len(), 9);
}

#[test]
fn the_control_routes_stage_what_the_rust_methods_do() {
    let sandbox = MlSandbox::start_with(MlOptions::default()).unwrap();
    let seeded = control(
        &sandbox,
        "POST",
        "items",
        Some(&json!({"title": "Caneca", "seller_custom_field": "CAN-1", "available_quantity": 4})),
    );
    assert_eq!(seeded.status, 201, "{}", seeded.text);
    let id = id_of(&seeded.body);
    assert_eq!(
        control(&sandbox, "GET", &format!("items/{id}"), None).body,
        sandbox.item(&id).unwrap()
    );
    assert_eq!(
        control(&sandbox, "GET", "items", None)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let placed = control(
        &sandbox,
        "POST",
        "orders",
        Some(&json!({"lines": [{"sku": "CAN-1", "quantity": 1}]})),
    );
    assert_eq!(placed.status, 201, "{}", placed.text);
    let order = placed.body["orders"][0].as_u64().unwrap();
    assert!(
        placed.text.contains(&order.to_string()),
        "the id is written whole"
    );
    let paid = control(
        &sandbox,
        "PATCH",
        &format!("orders/{order}"),
        Some(&json!({"status": "paid"})),
    );
    assert_eq!(paid.body["status"], "paid");
    assert_eq!(
        control(&sandbox, "GET", &format!("orders/{order}"), None).body["status"],
        "paid"
    );
    assert_eq!(
        control(&sandbox, "GET", "orders", None)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ok(
        &sandbox,
        "POST",
        &format!("/orders/{order}/notes"),
        Some(&json!({"note": "ok"})),
    );
    assert_eq!(
        control(&sandbox, "GET", &format!("orders/{order}/notes"), None).body,
        json!(["ok"])
    );

    let status = control(
        &sandbox,
        "PUT",
        &format!("items/{id}/status"),
        Some(&json!({"status": "under_review"})),
    );
    assert_eq!(status.body["status"], "under_review");
    assert_eq!(
        control(
            &sandbox,
            "PUT",
            "time",
            Some(&json!({"unix": at("2026-01-02T03:00:00Z")}))
        )
        .status,
        200
    );
    let later = control(
        &sandbox,
        "PATCH",
        &format!("orders/{order}"),
        Some(&json!({"tags_add": ["x"]})),
    );
    assert_eq!(later.body["last_updated"], "2026-01-01T23:00:00.000-04:00");
    assert_eq!(
        control(
            &sandbox,
            "PUT",
            "notifications/url",
            Some(&json!({"url": null}))
        )
        .status,
        200
    );
    assert_eq!(
        control(&sandbox, "GET", "notifications/deliveries", None).body,
        json!([])
    );
    let info = control(&sandbox, "GET", "info", None).body;
    assert_eq!(info["seller_id"], sandbox.seller_id().to_string());
    assert_eq!(info["access_token"], sandbox.issued().access_token);
    assert_eq!(
        control(
            &sandbox,
            "POST",
            "orders",
            Some(&json!({"lines": [{"sku": "NOPE"}]}))
        )
        .status,
        400
    );
    assert_eq!(control(&sandbox, "GET", "nothing", None).status, 404);

    let counters = sandbox.counters();
    assert_eq!(counters.get("POST /orders/{id}/notes"), Some(&1));
}

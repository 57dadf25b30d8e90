//! The product page in the WooCommerce sandbox, as a real WooCommerce 10.0.2 keeps it:
//! categories, images, short description, sale dates and attributes. What the real store
//! answered to the same requests (`shared/realstores/woocommerce`, São Paulo time zone) is noted
//! at each test and in `src/sandbox/woocommerce/{terms,media}.rs`. The tests talk HTTP to the
//! sandbox, signed with OAuth 1.0a, and read back what it then holds; images come from a
//! loopback server of their own, as they would from an ERP's image host.

use crate::common;

use std::sync::Arc;

use common::images::ImageServer;
use ponte::model::config::{HttpSettings, Secret};
use ponte::platform::http::{Auth, HttpClient, Method, Request, Response, SystemClock};
use ponte::sandbox::WooSandbox;
use serde_json::{json, Value};

struct Store {
    sandbox: WooSandbox,
    http: HttpClient,
    images: ImageServer,
}

impl Store {
    fn start() -> Store {
        let sandbox = WooSandbox::start().unwrap();
        let key = sandbox.key();
        let auth = Auth::OAuth1 {
            consumer_key: Secret::new(key.consumer_key),
            consumer_secret: Secret::new(key.consumer_secret),
        };
        let http = HttpClient::new(
            &sandbox.base_url(),
            true,
            auth,
            // Each answer is read as it comes: a 500 is the store's word, not a reason to retry.
            HttpSettings {
                max_retries: 0,
                max_requests_per_second: 0,
                ..HttpSettings::default()
            },
            None,
            Arc::new(SystemClock),
        )
        .unwrap();
        Store {
            sandbox,
            http,
            images: ImageServer::start(),
        }
    }

    /// `path` may carry a query (`/products?orderby=id`); it is signed with the rest.
    fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let query: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let path = format!("/wp-json/wc/v3{path}");
        let request = match body {
            Some(body) => Request {
                query,
                ..Request::json(method, path, body, false)
            },
            None => Request {
                method,
                ..Request::get(path, query)
            },
        };
        let response = self.http.send(&request).unwrap();
        let body = serde_json::from_slice(&response.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&response.body)));
        (response.status, body)
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::Get, path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    fn list(&self, path: &str, query: &[(&str, &str)]) -> Response {
        let query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.http
            .send(&Request::get(format!("/wp-json/wc/v3{path}"), query))
            .unwrap()
    }

    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(Method::Post, path, Some(&body))
    }

    fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(Method::Put, path, Some(&body))
    }

    fn created(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body);
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer
    }

    fn image(&self, name: &str) -> String {
        self.images.url(&format!("/erp/fotos/{name}"))
    }
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item["id"].as_u64().unwrap())
        .collect()
}

fn body_of(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

/// The uploads folder of this month in the store's time zone (UTC-3), as the real store names it.
fn uploads_month() -> String {
    let local = ponte::time::format_naive(ponte::time::now_unix() - 3 * 3600);
    local[..7].replace('-', "/")
}

// Seen on 10.0.2: a fresh store lists one category, `{"id":15,"name":"Uncategorized","slug":
// "uncategorized","parent":0,"description":"","display":"default","image":null,"menu_order":0,
// "count":0,"_links":{"self":[{"href":…/products/categories/15,"targetHints":{"allow":["GET",
// "POST","PUT","PATCH","DELETE"]}}],"collection":[…]}}`; `POST products/categories
// {"name":"Roupas"}` answered 201 with id 16; "Camisetas Básicas" under it got slug
// `camisetas-basicas` and an `up` link; "Cama, Mesa & Banho" reads back as `Cama, Mesa &amp;
// Banho`, slug `cama-mesa-banho`.
#[test]
fn categories_are_terms_with_their_own_ids_beside_the_default_one() {
    let store = Store::start();
    let listed = store.get("/products/categories");
    assert_eq!(
        listed,
        json!([{"id": 15, "name": "Uncategorized", "slug": "uncategorized", "parent": 0,
                "description": "", "display": "default", "image": null, "menu_order": 0, "count": 0,
                "_links": {
                    "self": [{"href": format!("{}/wp-json/wc/v3/products/categories/15", store.sandbox.base_url()),
                              "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]}}],
                    "collection": [{"href": format!("{}/wp-json/wc/v3/products/categories", store.sandbox.base_url())}]}}])
    );
    // A product takes a post id first: terms do not move the products' sequence.
    let product = store.created("/products", json!({"name": "Antes"}));
    let roupas = store.created("/products/categories", json!({"name": "Roupas"}));
    assert_eq!(roupas["id"], 16);
    assert_eq!(roupas["slug"], "roupas");
    let child = store.created(
        "/products/categories",
        json!({"name": "Camisetas Básicas", "parent": 16, "description": "<b>desc</b>", "menu_order": 3}),
    );
    assert_eq!(child["id"], 17);
    assert_eq!(child["slug"], "camisetas-basicas");
    assert_eq!(child["parent"], 16);
    assert_eq!(child["menu_order"], 3);
    assert_eq!(child["description"], "<b>desc</b>");
    assert!(child["_links"]["up"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with("/products/categories/16"));
    let cama = store.created(
        "/products/categories",
        json!({"name": "Cama, Mesa & Banho"}),
    );
    assert_eq!(cama["name"], "Cama, Mesa &amp; Banho");
    assert_eq!(cama["slug"], "cama-mesa-banho");
    let next = store.created("/products", json!({"name": "Depois"}));
    assert_eq!(
        next["id"].as_u64().unwrap(),
        product["id"].as_u64().unwrap() + 1
    );

    // Renaming keeps the slug; a rename to a sibling's name is allowed.
    let (status, renamed) = store.put(
        "/products/categories/17",
        json!({"name": "Roupas", "description": "d2"}),
    );
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["slug"], "camisetas-basicas");
    let read = store.get("/products/categories/17");
    assert_eq!(read["name"], "Roupas");
    assert_eq!(read["description"], "d2");
    let (status, missing) = store.send(Method::Get, "/products/categories/999999", None);
    assert_eq!(status, 404);
    assert_eq!(
        missing,
        json!({"code": "woocommerce_rest_term_invalid", "message": "Resource does not exist.", "data": {"status": 404}})
    );
}

// Seen on 10.0.2, single route and batch alike: `{"name":"Roupas"}` again, and `{"name":
// "roupas"}`, answered 400 `{"code":"term_exists","message":"A term with the name provided
// already exists with this parent.","data":{"status":400,"resource_id":16}}`; the same name
// under another parent was created with slug `roupas-roupas`; a parent 999999 gave 400
// `missing_parent` "Parent term does not exist."; `""` gave 400 `empty_term_name`, and so did a
// batch item with no name; a batch update without an id answered `{"id":null,"error":{"code":
// "invalid_taxonomy","message":"Invalid taxonomy.","data":null}}`.
#[test]
fn a_duplicate_category_is_refused_as_the_real_store_refuses_it() {
    let store = Store::start();
    let roupas = store.created("/products/categories", json!({"name": "Roupas"}));
    let duplicate = json!({"code": "term_exists",
        "message": "A term with the name provided already exists with this parent.",
        "data": {"status": 400, "resource_id": roupas["id"]}});
    for name in ["Roupas", "roupas", "  Roupas "] {
        let (status, answer) = store.post("/products/categories", json!({"name": name}));
        assert_eq!((status, &answer), (400, &duplicate), "{name}");
    }
    let nested = store.created(
        "/products/categories",
        json!({"name": "Roupas", "parent": roupas["id"]}),
    );
    assert_eq!(nested["slug"], "roupas-roupas");
    // A given slug that differs from the existing term's makes a second term.
    let second = store.created(
        "/products/categories",
        json!({"name": "Roupas", "slug": "roupas-outras"}),
    );
    assert_eq!(second["slug"], "roupas-outras");
    let (status, orphan) = store.post(
        "/products/categories",
        json!({"name": "Órfã", "parent": 999_999}),
    );
    assert_eq!(status, 400);
    assert_eq!(orphan["code"], "missing_parent");
    assert_eq!(orphan["message"], "Parent term does not exist.");
    let (status, empty) = store.post("/products/categories", json!({"name": ""}));
    assert_eq!(
        (status, empty["code"].as_str()),
        (400, Some("empty_term_name"))
    );
    let (status, nameless) = store.post("/products/categories", json!({"slug": "x"}));
    assert_eq!(
        (status, nameless["code"].as_str()),
        (400, Some("rest_missing_callback_param"))
    );

    let (status, answer) = store.post(
        "/products/categories/batch",
        json!({"create": [{"name": "Calçados"}, {"name": "Roupas"}, {"name": "Filho", "parent": 999_999},
                          {"slug": "sem-nome"}, {"name": "Calçados"}],
               "update": [{"name": "sem id"}, {"id": 999_999, "name": "x"}],
               "delete": [999_999]}),
    );
    assert_eq!(status, 200, "{answer}");
    let created = &answer["create"];
    assert_eq!(created[0]["name"], "Calçados");
    assert_eq!(created[0]["slug"], "calcados");
    assert_eq!(created[1], json!({"id": 0, "error": duplicate}));
    assert_eq!(created[2]["error"]["code"], "missing_parent");
    assert_eq!(created[3]["error"]["code"], "empty_term_name");
    assert_eq!(created[4]["error"]["code"], "term_exists");
    assert_eq!(created[4]["error"]["data"]["resource_id"], created[0]["id"]);
    assert_eq!(
        answer["update"][0],
        json!({"id": null, "error": {"code": "invalid_taxonomy", "message": "Invalid taxonomy.", "data": null}})
    );
    assert_eq!(
        answer["update"][1]["error"]["code"],
        "woocommerce_rest_term_invalid"
    );
    assert_eq!(answer["delete"][0]["id"], 999_999);
    // What the store now holds: one "Calçados", the default, three "Roupas".
    let names: Vec<String> = store
        .get("/products/categories?per_page=100&orderby=id")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["Uncategorized", "Roupas", "Roupas", "Roupas", "Calçados"]
    );
    let (status, too_many) = store.post(
        "/products/categories/batch",
        json!({"create": (0..101).map(|i| json!({"name": format!("c{i}")})).collect::<Vec<_>>()}),
    );
    assert_eq!(status, 413);
    assert_eq!(
        too_many["code"],
        "woocommerce_rest_request_entity_too_large"
    );
}

// Seen on 10.0.2 with 6 categories, `per_page=2`: `X-WP-Total: 6`, `X-WP-TotalPages: 3`, a
// `Link` with `rel="next"` (and `prev` from page 2), page 4 empty with a `prev` to page 3;
// `per_page=101` is 400 `rest_invalid_param`; the default order is by name, ascending;
// `orderby=id&order=desc` reverses; `parent=16` lists its children, `parent=0` the top level;
// `include=19,16&orderby=include` keeps that order; `search=roup` matches case-insensitively;
// `orderby=bogus` lists the enum "id, include, name, slug, term_group, description, and count".
#[test]
fn categories_list_by_pages() {
    let store = Store::start();
    let top = store.created("/products/categories", json!({"name": "Zeta"}));
    let mut made = vec![15, top["id"].as_u64().unwrap()];
    for i in 0..23 {
        let term = store.created(
            "/products/categories",
            json!({"name": format!("Categoria {i:02}"), "parent": if i % 2 == 0 { top["id"].as_u64().unwrap() } else { 0 }}),
        );
        made.push(term["id"].as_u64().unwrap());
    }
    let first = store.list("/products/categories", &[("per_page", "10")]);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("X-WP-Total"), Some("25"));
    assert_eq!(first.header("X-WP-TotalPages"), Some("3"));
    let link = first.header("Link").unwrap();
    assert!(
        link.contains("page=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    // By name, ascending: "Categoria 00", … then "Uncategorized", "Zeta".
    assert_eq!(body_of(&first)[0]["name"], "Categoria 00");
    let mut walked = Vec::new();
    for page in 1..=3 {
        let response = store.list(
            "/products/categories",
            &[
                ("per_page", "10"),
                ("page", &page.to_string()),
                ("orderby", "id"),
            ],
        );
        walked.extend(ids(&body_of(&response)));
    }
    assert_eq!(walked, made);
    let beyond = store.list("/products/categories", &[("per_page", "10"), ("page", "9")]);
    assert_eq!(body_of(&beyond), json!([]));
    assert!(beyond.header("Link").unwrap().contains("page=3"));
    let descending = store.list(
        "/products/categories",
        &[("per_page", "100"), ("orderby", "id"), ("order", "desc")],
    );
    assert_eq!(
        ids(&body_of(&descending)),
        made.iter().rev().copied().collect::<Vec<_>>()
    );
    let too_many = store.list("/products/categories", &[("per_page", "101")]);
    assert_eq!(too_many.status, 400);
    assert_eq!(body_of(&too_many)["code"], "rest_invalid_param");
    let bogus = store.list("/products/categories", &[("orderby", "bogus")]);
    assert_eq!(
        body_of(&bogus)["data"]["params"]["orderby"],
        "orderby is not one of id, include, name, slug, term_group, description, and count."
    );
    let children = store.list(
        "/products/categories",
        &[("parent", &top["id"].to_string()), ("per_page", "100")],
    );
    assert_eq!(children.header("X-WP-Total"), Some("12"));
    let top_level = store.list(
        "/products/categories",
        &[("parent", "0"), ("per_page", "100")],
    );
    assert_eq!(top_level.header("X-WP-Total"), Some("13"));
    let given = store.list(
        "/products/categories",
        &[
            ("include", &format!("{},{}", made[5], made[2])),
            ("orderby", "include"),
        ],
    );
    assert_eq!(ids(&body_of(&given)), [made[5], made[2]]);
    let found = store.list("/products/categories", &[("search", "ZET")]);
    assert_eq!(ids(&body_of(&found)), [made[1]]);
}

// Seen on 10.0.2: `DELETE products/categories/18` without `force` is 501
// `woocommerce_rest_trash_not_supported`; the default category is 500
// `woocommerce_rest_cannot_delete` "Default product category cannot be deleted."; a forced
// delete answers the term as it was (`count` 1 with a product in it); that product then has
// `categories: []` (no default given back); `count` follows published products only (a draft
// left it at 0, a trashed product took 1 off); a product created without categories, with `[]`,
// or with only ids that name none is in Uncategorized; a product's categories come back by
// name: `[{id:20,"Cama e Mesa"},{id:16,"Roupas"}]` for `[{"id":16},{"id":20}]`.
#[test]
fn products_join_categories_and_counts_follow() {
    let store = Store::start();
    let roupas = store.created("/products/categories", json!({"name": "Roupas"}))["id"].clone();
    let cama = store.created("/products/categories", json!({"name": "Cama e Mesa"}))["id"].clone();
    let child = store.created(
        "/products/categories",
        json!({"name": "Infantil", "parent": roupas}),
    )["id"]
        .clone();
    let uncategorized = json!([{"id": 15, "name": "Uncategorized", "slug": "uncategorized"}]);
    for body in [
        json!({"name": "Sem"}),
        json!({"name": "Vazia", "categories": []}),
        json!({"name": "Desconhecida", "categories": [{"id": 999_999}]}),
        json!({"name": "Só nome", "categories": [{"name": "Roupas"}]}),
    ] {
        let product = store.created("/products", body.clone());
        assert_eq!(product["categories"], uncategorized, "{body}");
    }
    let both = store.created(
        "/products",
        json!({"name": "Duas", "categories": [{"id": roupas}, {"id": 999_999}, {"id": cama}]}),
    );
    assert_eq!(
        both["categories"],
        json!([{"id": cama, "name": "Cama e Mesa", "slug": "cama-e-mesa"},
               {"id": roupas, "name": "Roupas", "slug": "roupas"}])
    );
    store.created(
        "/products",
        json!({"name": "Rascunho", "status": "draft", "categories": [{"id": roupas}]}),
    );
    assert_eq!(
        store.get(&format!("/products/categories/{roupas}"))["count"],
        1
    );
    assert_eq!(store.get("/products/categories/15")["count"], 4);
    let (status, _) = store.put(
        &format!("/products/{}", both["id"]),
        json!({"categories": [{"id": child}]}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        store.get(&format!("/products/categories/{roupas}"))["count"],
        0
    );
    // The trash takes the product out of the count.
    let trashed = store.created(
        "/products",
        json!({"name": "Lixo", "categories": [{"id": cama}]}),
    );
    assert_eq!(
        store.get(&format!("/products/categories/{cama}"))["count"],
        1
    );
    store.send(
        Method::Delete,
        &format!("/products/{}", trashed["id"]),
        None,
    );
    assert_eq!(
        store.get(&format!("/products/categories/{cama}"))["count"],
        0
    );

    let (status, refused) = store.send(
        Method::Delete,
        &format!("/products/categories/{child}"),
        None,
    );
    assert_eq!(status, 501);
    assert_eq!(refused["code"], "woocommerce_rest_trash_not_supported");
    let (status, refused) = store.send(Method::Delete, "/products/categories/15?force=true", None);
    assert_eq!(status, 500);
    assert_eq!(
        refused,
        json!({"code": "woocommerce_rest_cannot_delete", "message": "Default product category cannot be deleted.", "data": {"status": 500}})
    );
    let (status, deleted) = store.send(
        Method::Delete,
        &format!("/products/categories/{child}?force=true"),
        None,
    );
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["count"], 1);
    assert!(deleted["_links"]["self"][0].get("targetHints").is_none());
    assert_eq!(
        store.get(&format!("/products/{}", both["id"]))["categories"],
        json!([])
    );
    // A renamed category is shown renamed on its products.
    store.put(
        &format!("/products/categories/{roupas}"),
        json!({"name": "Vestuário"}),
    );
    let dressed = store.created(
        "/products",
        json!({"name": "Blusa", "categories": [{"id": roupas}]}),
    );
    store.put(
        &format!("/products/categories/{roupas}"),
        json!({"name": "Moda"}),
    );
    assert_eq!(
        store.get(&format!("/products/{}", dressed["id"]))["categories"][0]["name"],
        "Moda"
    );
}

// Seen on 10.0.2 for `POST products {"images":[{"src":…/a.png,"alt":"Alt A","name":"Nome A"},
// {"src":…/b.png}]}` right after product 18: images 19 and 20, product 21; `"src":
// "http://127.0.0.1:PORT/wp-content/uploads/2026/12/a.png"` (the store's own uploads, the
// month in São Paulo time); names "Nome A" and "b.png"; alts "Alt A" and ""; `date_created`
// three hours before the site's local time (01:55:40 beside a GMT of 07:55:40). A short
// description came back in the POST's answer as sent but with `&` as `&amp;`, and in a GET
// wrapped by `wpautop`: `"<p>Camiseta de algodão &amp; linho</p>\n"`. The variable
// product's attributes came back sorted by position, each with `"id":0` and `"slug"` equal to
// the name as sent; a variation's with `"slug":"cor"`; the variation's sale, from 2026-12-20T03:00:00
// GMT, read `date_on_sale_from` `2026-12-20T00:00:00`, `price` the regular one, `on_sale` false.
#[test]
fn a_full_product_page_reads_back_as_the_real_store_answers_it() {
    let store = Store::start();
    let roupas = store.created("/products/categories", json!({"name": "Roupas"}))["id"].clone();
    let before = store.created("/products", json!({"name": "Antes"}))["id"]
        .as_u64()
        .unwrap();
    let product = store.created(
        "/products",
        json!({
            "name": "Camiseta Básica", "type": "variable", "sku": "CAM-1",
            "short_description": "Camiseta de algodão & linho",
            "categories": [{"id": roupas}],
            "images": [{"src": store.image("frente.png"), "alt": "Frente", "name": "Camiseta frente"},
                       {"src": store.image("costas.png?v=2")}],
            "attributes": [
                {"name": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]},
                {"name": "Cor", "position": 0, "visible": true, "variation": true, "options": ["Azul", "Verde"]}
            ]
        }),
    );
    let id = product["id"].as_u64().unwrap();
    // Two attachments first, then the product.
    assert_eq!(id, before + 3);
    // The write's answer is in the `edit` context, a read in the `view` one.
    assert_eq!(
        product["short_description"],
        "Camiseta de algodão &amp; linho"
    );
    let read = store.get(&format!("/products/{id}"));
    assert_eq!(
        read["short_description"],
        "<p>Camiseta de algodão &amp; linho</p>\n"
    );
    assert_eq!(
        store.get(&format!("/products/{id}?context=edit"))["short_description"],
        "Camiseta de algodão &amp; linho"
    );
    assert_eq!(
        read["categories"],
        json!([{"id": roupas, "name": "Roupas", "slug": "roupas"}])
    );
    assert_eq!(
        read["attributes"],
        json!([
            {"id": 0, "name": "Cor", "slug": "Cor", "position": 0, "visible": true, "variation": true, "options": ["Azul", "Verde"]},
            {"id": 0, "name": "Material", "slug": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]}
        ])
    );
    let images = read["images"].as_array().unwrap();
    assert_eq!(ids(&read["images"]), [before + 1, before + 2]);
    let month = uploads_month();
    let uploads = format!("{}/wp-content/uploads/{month}", store.sandbox.base_url());
    assert_eq!(images[0]["src"], format!("{uploads}/frente.png"));
    assert_eq!(images[0]["name"], "Camiseta frente");
    assert_eq!(images[0]["alt"], "Frente");
    assert_eq!(images[1]["src"], format!("{uploads}/costas.png"));
    assert_eq!(images[1]["name"], "costas.png");
    assert_eq!(images[1]["alt"], "");
    let gmt = ponte::time::parse(images[0]["date_created_gmt"].as_str().unwrap()).unwrap();
    let local = ponte::time::parse(images[0]["date_created"].as_str().unwrap()).unwrap();
    assert_eq!(gmt - local, 6 * 3600);
    // The store serves what it stored, byte for byte.
    let served = ureq::get(images[0]["src"].as_str().unwrap())
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    let original = ureq::get(&store.image("frente.png"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    assert_eq!(served, original);

    let variation = store.created(
        &format!("/products/{id}/variations"),
        json!({"regular_price": "100.00", "sale_price": "80.00",
               "date_on_sale_from_gmt": "2099-12-20T03:00:00", "date_on_sale_to_gmt": "2099-12-31T02:59:59",
               "attributes": [{"name": "Cor", "option": "Azul"}, {"name": "Material", "option": "Algodão"}],
               "image": {"src": store.image("azul.png"), "alt": "Azul"}}),
    );
    let read = store.get(&format!("/products/{id}/variations/{}", variation["id"]));
    assert_eq!(
        read["attributes"],
        json!([{"id": 0, "name": "Cor", "slug": "cor", "option": "Azul"}])
    );
    assert_eq!(read["date_on_sale_from"], "2099-12-20T00:00:00");
    assert_eq!(read["date_on_sale_from_gmt"], "2099-12-20T03:00:00");
    assert_eq!(read["date_on_sale_to"], "2099-12-30T23:59:59");
    assert_eq!(read["date_on_sale_to_gmt"], "2099-12-31T02:59:59");
    assert_eq!(read["price"], "100.00");
    assert_eq!(read["on_sale"], false);
    assert_eq!(read["image"]["src"], format!("{uploads}/azul.png"));
    assert_eq!(read["image"]["alt"], "Azul");
    assert_eq!(
        read["image"]["id"].as_u64().unwrap() + 1,
        variation["id"].as_u64().unwrap()
    );
    // The same file name again is stored beside the first.
    let again = store.created(
        "/products",
        json!({"name": "De novo", "images": [{"src": store.image("frente.png")}]}),
    );
    assert_eq!(again["images"][0]["src"], format!("{uploads}/frente-1.png"));
    assert_eq!(again["images"][0]["name"], "frente-1.png");
}

// Seen on 10.0.2 (now 2026-12-02 07:55 GMT): a sale from 12-20 read `price` "100", `on_sale`
// false; one from 12-01 to 12-10T15:00:00 read `price` "80", `on_sale` true, the end kept at
// 12:00:00 local (no move to 23:59:59); one from 11-01 to 11-30 read `price` "100", `on_sale`
// false and kept `sale_price` "80"; only a `to` in the future is on sale; `""` cleared both
// dates, while `null` left them as they were; a `Z` on the date changed nothing; "amanhã" was
// taken as no date (201, `null`); a simple product keeps only what it was sent of attributes.
#[test]
fn sale_dates_follow_the_schedule_and_clear_with_empty_strings() {
    let store = Store::start();
    let now = ponte::time::now_unix();
    let at = |days: i64| ponte::time::format_naive(now + days * 86_400);
    let sale = |from: Option<String>, to: Option<String>| {
        let mut body = json!({"name": "Promo", "regular_price": "100.00", "sale_price": "80.00",
                              "attributes": [{"name": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]}]});
        if let Some(from) = from {
            body["date_on_sale_from_gmt"] = json!(from);
        }
        if let Some(to) = to {
            body["date_on_sale_to_gmt"] = json!(to);
        }
        store.created("/products", body)
    };
    let future = sale(Some(at(18)), Some(at(29)));
    assert_eq!(
        (future["price"].as_str(), future["on_sale"].as_bool()),
        (Some("100.00"), Some(false))
    );
    let current = sale(Some(at(-1)), Some(at(8)));
    assert_eq!(
        (current["price"].as_str(), current["on_sale"].as_bool()),
        (Some("80.00"), Some(true))
    );
    assert_eq!(current["date_on_sale_to_gmt"], at(8));
    let ended = sale(Some(at(-31)), Some(at(-2)));
    assert_eq!(
        (ended["price"].as_str(), ended["on_sale"].as_bool()),
        (Some("100.00"), Some(false))
    );
    assert_eq!(ended["sale_price"], "80.00");
    let until = sale(None, Some(at(8)));
    assert_eq!(until["on_sale"], true);
    assert_eq!(
        future["attributes"],
        json!([{"id": 0, "name": "Material", "slug": "Material", "position": 1, "visible": true, "variation": false, "options": ["Algodão"]}])
    );

    let path = format!("/products/{}", future["id"]);
    let (status, _) = store.put(
        &path,
        json!({"date_on_sale_from_gmt": null, "date_on_sale_to_gmt": null}),
    );
    assert_eq!(status, 200);
    let kept = store.get(&path);
    assert_eq!(kept["date_on_sale_from_gmt"], at(18));
    assert_eq!(kept["on_sale"], false);
    store.put(
        &path,
        json!({"date_on_sale_from_gmt": "", "date_on_sale_to_gmt": ""}),
    );
    let cleared = store.get(&path);
    for field in [
        "date_on_sale_from",
        "date_on_sale_from_gmt",
        "date_on_sale_to",
        "date_on_sale_to_gmt",
    ] {
        assert_eq!(cleared[field], Value::Null, "{field}");
    }
    assert_eq!(
        (cleared["price"].as_str(), cleared["on_sale"].as_bool()),
        (Some("80.00"), Some(true))
    );
    let zoned = store.created(
        "/products",
        json!({"name": "Z", "regular_price": "100.00", "sale_price": "80.00", "date_on_sale_from_gmt": "2099-12-20T03:00:00Z"}),
    );
    assert_eq!(zoned["date_on_sale_from"], "2099-12-20T00:00:00");
    let unreadable = store.created(
        "/products",
        json!({"name": "?", "regular_price": "100.00", "sale_price": "80.00", "date_on_sale_from_gmt": "amanhã"}),
    );
    assert_eq!(unreadable["date_on_sale_from_gmt"], Value::Null);
    assert_eq!(unreadable["on_sale"], true);
}

// Seen on 10.0.2 on product 21 with images [19 a.png, 20 b.png]: `PUT {"images":[{"id":20},
// {"src":…/d.png,"alt":"D"}]}` answered [20, 29 d.png alt "D"]; `[]` removed them all, and 19
// could be set again afterwards; `{"id":19,"alt":"Novo alt","name":"Novo nome"}` on another
// product changed 19 on product 21 too; `{"id":20,"src":…missing.png}` kept 20 (the id wins);
// an empty `alt` with an id changed nothing.
#[test]
fn an_update_keeps_adds_and_drops_images() {
    let store = Store::start();
    let product = store.created(
        "/products",
        json!({"name": "Fotos", "images": [{"src": store.image("a.png"), "alt": "A"}, {"src": store.image("b.png")}]}),
    );
    let path = format!("/products/{}", product["id"]);
    let (a, b) = (
        product["images"][0]["id"].clone(),
        product["images"][1]["id"].clone(),
    );
    let (status, updated) = store.put(
        &path,
        json!({"images": [{"id": b}, {"src": store.image("c.png"), "alt": "C"}]}),
    );
    assert_eq!(status, 200, "{updated}");
    let read = store.get(&path);
    let kept = read["images"].as_array().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0]["id"], b);
    assert_eq!(kept[1]["alt"], "C");
    assert!(kept[1]["src"].as_str().unwrap().ends_with("/c.png"));
    assert!(kept[1]["id"].as_u64().unwrap() > product["id"].as_u64().unwrap());

    // An attachment given by id, with alt and name, changes wherever it is shown.
    let other = store.created(
        "/products",
        json!({"name": "Outra", "images": [{"id": b, "alt": "Novo alt", "name": "Novo nome"}]}),
    );
    assert_eq!(other["images"][0]["alt"], "Novo alt");
    let read = store.get(&path);
    assert_eq!(read["images"][0]["alt"], "Novo alt");
    assert_eq!(read["images"][0]["name"], "Novo nome");
    store.put(&path, json!({"images": [{"id": b, "alt": ""}]}));
    assert_eq!(store.get(&path)["images"][0]["alt"], "Novo alt");

    // The id wins over a src given with it.
    store.put(
        &path,
        json!({"images": [{"id": b, "src": store.image("missing.png")}]}),
    );
    assert_eq!(ids(&store.get(&path)["images"]), [b.as_u64().unwrap()]);

    for empty in [json!([]), json!([{}])] {
        store.put(&path, json!({"images": [{"id": a}]}));
        let (status, _) = store.put(&path, json!({"images": empty}));
        assert_eq!(status, 200);
        assert_eq!(store.get(&path)["images"], json!([]), "{empty}");
    }
    // Removed images stay in the store, and can be set again.
    store.put(&path, json!({"images": [{"id": a}]}));
    assert_eq!(store.get(&path)["images"][0]["alt"], "A");
}

// Seen on 10.0.2: a `src` that answers 404 fails the product with 400 `{"code":
// "woocommerce_product_image_upload_error","message":"Error getting remote image URL. Error:
// Not Found"}`, and no product is made (images already uploaded for it are deleted again); a
// file that is not an image (or has no image extension) with "Invalid image: Sorry, you are not
// allowed to upload this file type."; an unknown id with `woocommerce_product_invalid_image_id`
// "#999999 is an invalid image ID."; in `products/batch` each such item is its own error (`id`
// 0 for a create) and the others are created; a failed update leaves the product as it was;
// variations answer `woocommerce_variation_image_upload_error` and
// `woocommerce_variation_invalid_image_id`, and `"image":{}` removes a variation's image.
#[test]
fn a_missing_image_fails_the_item_with_the_real_stores_error() {
    let store = Store::start();
    let missing = store.image("missing.png");
    let (status, answer) = store.post(
        "/products",
        json!({"name": "Sem foto", "images": [{"src": store.image("ok.png")}, {"src": missing}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        answer,
        json!({"code": "woocommerce_product_image_upload_error",
               "message": format!("Error getting remote image {missing}. Error: Not Found"),
               "data": {"status": 400}})
    );
    assert!(store.get("/products").as_array().unwrap().is_empty());
    let (_, not_image) = store.post(
        "/products",
        json!({"name": "Texto", "images": [{"src": store.image("notimage.png")}]}),
    );
    assert_eq!(
        not_image["message"],
        "Invalid image: Sorry, you are not allowed to upload this file type."
    );
    let (_, no_extension) = store.post(
        "/products",
        json!({"name": "Sem extensão", "images": [{"src": store.image("foto")}]}),
    );
    assert_eq!(
        no_extension["code"],
        "woocommerce_product_image_upload_error"
    );
    let (status, unknown) = store.post(
        "/products",
        json!({"name": "Id", "images": [{"id": 999_999}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        unknown,
        json!({"code": "woocommerce_product_invalid_image_id", "message": "#999999 is an invalid image ID.", "data": {"status": 400}})
    );
    let (_, refused) = store.post(
        "/products",
        json!({"name": "Conexão", "images": [{"src": "http://127.0.0.1:1/a.png"}]}),
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .ends_with("Error: cURL error 7: Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server"),
        "{refused}"
    );
    assert!(store.get("/products").as_array().unwrap().is_empty());

    let (status, batch) = store.post(
        "/products/batch",
        json!({"create": [{"name": "B1", "images": [{"src": store.image("b1.png")}]},
                          {"name": "B2", "images": [{"src": missing}]},
                          {"name": "B3", "images": [{"id": 999_999}]},
                          {"name": "B4"}]}),
    );
    assert_eq!(status, 200);
    let created = batch["create"].as_array().unwrap();
    assert_eq!(created[0]["name"], "B1");
    assert_eq!(
        created[1],
        json!({"id": 0, "error": {"code": "woocommerce_product_image_upload_error",
               "message": format!("Error getting remote image {missing}. Error: Not Found"),
               "data": {"status": 400}}})
    );
    assert_eq!(
        created[2]["error"]["code"],
        "woocommerce_product_invalid_image_id"
    );
    assert_eq!(created[3]["name"], "B4");
    let names: Vec<String> = store
        .get("/products?orderby=id&order=asc")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["B1", "B4"]);

    let b1 = created[0]["id"].clone();
    let (status, batch) = store.post(
        "/products/batch",
        json!({"update": [{"id": b1, "name": "Renomeado", "images": [{"src": missing}]}]}),
    );
    assert_eq!(status, 200);
    assert_eq!(batch["update"][0]["id"], b1);
    assert_eq!(
        batch["update"][0]["error"]["code"],
        "woocommerce_product_image_upload_error"
    );
    let read = store.get(&format!("/products/{b1}"));
    assert_eq!(read["name"], "B1");
    assert_eq!(read["images"], created[0]["images"]);

    let parent = store.created(
        "/products",
        json!({"name": "Variável", "type": "variable",
               "attributes": [{"name": "Cor", "variation": true, "options": ["Azul"]}]}),
    );
    let variations = format!("/products/{}/variations", parent["id"]);
    let (status, failed) = store.post(
        &variations,
        json!({"regular_price": "10", "image": {"src": missing}}),
    );
    assert_eq!(status, 400);
    assert_eq!(failed["code"], "woocommerce_variation_image_upload_error");
    let (_, failed) = store.post(
        &variations,
        json!({"regular_price": "10", "image": {"id": 999_999}}),
    );
    assert_eq!(failed["code"], "woocommerce_variation_invalid_image_id");
    assert_eq!(failed["message"], "#999999 is an invalid image ID.");
    let variation = store.created(
        &variations,
        json!({"regular_price": "10", "image": {"id": b1.as_u64().unwrap() - 1}}),
    );
    assert_eq!(variation["image"]["id"], b1.as_u64().unwrap() - 1);
    let path = format!("{variations}/{}", variation["id"]);
    store.put(&path, json!({"image": null}));
    assert!(store.get(&path)["image"].is_object());
    store.put(&path, json!({"image": {}}));
    assert_eq!(store.get(&path)["image"], Value::Null);
}

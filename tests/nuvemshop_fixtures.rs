//! Nuvemshop's official examples (`../shared/fixtures/nuvemshop-*`, read in place) in Ponte's
//! terms: products with their variants, and both shapes of the store's errors.

mod common;

use ponte::platform::nuvemshop::mapping::{item_error, localized, remote_products};
use ponte::platform::RemoteKind;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = common::repo_root().join("../shared/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_product_with_variants_is_a_variable_parent_and_its_variations() {
    let items = remote_products(&fixture("nuvemshop-product.json")).unwrap();
    let parent = &items[0];
    assert_eq!(
        (parent.id.as_str(), parent.kind),
        ("1234", RemoteKind::Variable)
    );
    assert_eq!(parent.name, "Master Ball");
    assert_eq!(parent.status, "publish");
    let variants = &items[1..];
    assert_eq!(parent.variation_ids.len(), variants.len());
    let first = &variants[0];
    assert_eq!(first.kind, RemoteKind::Variation);
    assert_eq!(first.parent_id.as_deref(), Some("1234"));
    assert_eq!(first.sku.as_deref(), Some("BSG1234A"));
    assert_eq!((first.price_cents, first.stock), (Some(2500), Some(5)));
    assert!(first.name.starts_with("Master Ball ("), "{}", first.name);
}

#[test]
fn a_product_without_attributes_is_simple_and_its_variant_holds_price_and_stock() {
    let product = json!({"id": 7, "name": {"es": "Pelota", "pt": "Bola"}, "attributes": [], "published": false,
        "variants": [{"id": "70", "price": "10.5", "stock_management": false, "stock": 3,
                      "sku": " BOLA-1 ", "barcode": "7891000100103", "values": []}]});
    let items = remote_products(&product).unwrap();
    assert_eq!(items[0].kind, RemoteKind::Simple);
    assert_eq!(items[0].name, "Bola");
    assert_eq!(items[0].status, "draft");
    // The SKU and barcode are the variant's alone, so a look-up links one item, the variant.
    assert_eq!(
        (items[0].sku.as_deref(), items[0].ean.as_deref()),
        (None, None)
    );
    assert_eq!(items[1].sku.as_deref(), Some("BOLA-1"));
    assert_eq!(items[1].ean.as_deref(), Some("7891000100103"));
    assert_eq!(items[0].price_cents, Some(1050));
    assert_eq!(items[0].stock, None, "stock not managed: unlimited");
    assert_eq!(items[1].id, "70");
}

#[test]
fn a_broken_variant_names_itself() {
    let product = json!({"id": 7, "variants": [{"id": 70, "price": "abc"}]});
    let err = remote_products(&product).unwrap_err();
    assert!(err.starts_with("variants[0].price"), "{err}");
}

#[test]
fn texts_are_read_in_portuguese_or_the_first_language_that_has_one() {
    assert_eq!(
        localized(&json!({"en": "Size", "pt": "Tamanho"})),
        "Tamanho"
    );
    assert_eq!(localized(&json!({"en": "Size", "pt": ""})), "Size");
    assert_eq!(localized(&json!("Cor")), "Cor");
    assert_eq!(localized(&Value::Null), "");
}

#[test]
fn both_error_shapes_keep_the_stores_words_and_fields() {
    let cases = [
        ("nuvemshop-error-400-invalid-json.json", 400, "http_400", "Problems parsing JSON"),
        ("nuvemshop-error-400-bad-request.json", 400, "bad_request", "Invalid input format"),
        ("nuvemshop-error-422-field-validation.json", 422, "unprocessable_entity", "name: can't be blank"),
        (
            "nuvemshop-error-422-product-limit.json",
            422,
            "unprocessable_entity",
            "Store has reached maximum limit of 100000 allowed products",
        ),
        (
            "nuvemshop-error-422-variant-validation.json",
            422,
            "unprocessable_entity",
            "Validation error; price: The price must be at least 0.; stock: The stock must be an integer.",
        ),
    ];
    for (name, status, code, message) in cases {
        let error = item_error(status, &fixture(name));
        assert_eq!(
            (error.code.as_str(), error.message.as_str(), error.status),
            (code, message, status),
            "{name}"
        );
    }
    let duplicates = item_error(422, &fixture("nuvemshop-error-422-duplicate-variants.json"));
    assert!(
        duplicates
            .message
            .starts_with("Variants cannot be repeated; duplicate_variant_ids: 33745216"),
        "{}",
        duplicates.message
    );
}

#[test]
fn the_official_order_reads_with_its_lines_customer_and_totals() {
    let order =
        ponte::platform::nuvemshop::mapping::store_order(&fixture("nuvemshop-order.json")).unwrap();
    assert_eq!(order.store_order_id, "450789469");
    // The example repeats `number`; the last one is the order's.
    assert_eq!(order.number, "101");
    assert_eq!(order.status, "pending", "open, waiting for payment");
    assert_eq!(order.created_at, "2008-01-10T16:00:00Z");
    assert_eq!(order.currency, "USD");
    let line = &order.lines[0];
    assert_eq!(
        (line.quantity, line.unit_price_cents, line.total_cents),
        (2, 1900, 3800)
    );
    assert_eq!(
        (
            line.store_product_id.as_str(),
            line.store_variation_id.as_deref()
        ),
        ("1234", Some("101"))
    );
    assert_eq!(order.customer.name, "John Doe");
    assert_eq!(order.customer.email, "john.doe@example.com");
    assert_eq!(order.customer.billing.street, "Evergreen Terrace");
    assert_eq!(order.customer.billing.number, "742");
    assert_eq!(order.customer.shipping.as_ref().unwrap().postcode, "97475");
    assert_eq!((order.shipping_cents, order.total_cents), (2000, 5800));
    assert_eq!(order.coupons, ["SUPERDISCOUNT"]);
    assert_eq!(order.payment.title, "PayPal");
}

#[test]
fn a_brazilian_order_with_the_examples_type_drift_reads_its_cpf_or_cnpj() {
    let mut order = fixture("nuvemshop-order.json");
    order["status"] = json!("open");
    order["payment_status"] = json!("paid");
    order["created_at"] = json!("2026-12-01T12:00:00+0000");
    order["updated_at"] = json!("2026-12-01T09:30:00-03:00");
    order["paid_at"] = json!("2026-12-01T12:31:00+0000");
    order["products"][0]["quantity"] = json!("3");
    order["products"][0]["variant_id"] = json!("101");
    order["products"][0]["sku"] = json!("BSG1234A");
    order["customer"]["identification"] = json!("123.456.789-09");
    let read = ponte::platform::nuvemshop::mapping::store_order(&order).unwrap();
    assert_eq!(read.status, "paid");
    assert_eq!(
        (read.created_at.as_str(), read.modified_at.as_str()),
        ("2026-12-01T12:00:00Z", "2026-12-01T12:30:00Z")
    );
    assert_eq!(read.paid_at.as_deref(), Some("2026-12-01T12:31:00Z"));
    assert_eq!(read.lines[0].quantity, 3);
    assert_eq!(read.lines[0].sku.as_deref(), Some("BSG1234A"));
    assert_eq!(read.customer.cpf.as_deref(), Some("12345678909"));
    order["customer"]["identification"] = json!("12.345.678/0001-95");
    order["status"] = json!("cancelled");
    let company = ponte::platform::nuvemshop::mapping::store_order(&order).unwrap();
    assert_eq!(company.customer.cnpj.as_deref(), Some("12345678000195"));
    assert_eq!(company.status, "cancelled");
    order["products"][0]["quantity"] = json!("dois");
    let err = ponte::platform::nuvemshop::mapping::store_order(&order).unwrap_err();
    assert!(err.starts_with("products[0].quantity"), "{err}");
}

fn draft(product: Value) -> ponte::platform::ProductDraft {
    let product = ponte::model::catalog::parse_products(&json!([product]).to_string())
        .unwrap()
        .remove(0);
    let stock = product
        .variants
        .iter()
        .map(|v| (v.sku.clone(), 12))
        .collect();
    ponte::platform::ProductDraft {
        product,
        brand: None,
        fields: ponte::model::config::ALL_SYNC_FIELDS.into_iter().collect(),
        stock,
        status: ponte::model::config::NewProductStatus::Publish,
        visibility: ponte::model::config::Visibility::Visible,
        restore_visibility: false,
        retire_variants: Default::default(),
        restore_variants: Default::default(),
        categories: vec!["11654304".into(), "11654305".into()],
        images: vec![ponte::platform::Picture {
            src: "https://fotos.example/ultra.png".into(),
            alt: String::new(),
            key: "k".into(),
        }],
        variant_images: Default::default(),
    }
}

#[test]
fn a_product_is_created_with_its_variants_in_the_shape_of_the_official_request() {
    use ponte::platform::nuvemshop::mapping::product_body;
    let simple = draft(
        json!({"erp_id": "U1", "name": "Ultra Ball", "show_in_store": true, "sync_stock": true,
        "variants": [{"sku": "UB-1", "price_cents": 1000, "weight_grams": 2000}]}),
    );
    let body = product_body(&simple, true);
    let official = fixture("nuvemshop-product-create-request.json");
    // The keys the official request has, that Ponte has values for, and their shapes.
    assert_eq!(body["categories"], official["categories"]);
    assert_eq!(
        body["variants"][0]["price"],
        official["variants"][0]["price"]
    );
    assert_eq!(
        body["variants"][0]["stock_management"],
        official["variants"][0]["stock_management"]
    );
    assert_eq!(
        body["variants"][0]["stock"],
        official["variants"][0]["stock"]
    );
    assert_eq!(body["variants"][0]["weight"], "2");
    assert_eq!(body["images"][0]["src"], "https://fotos.example/ultra.png");
    assert_eq!(body["name"], "Ultra Ball");
    assert!(body.get("attributes").is_none() && body["variants"][0].get("values").is_none());

    let shirt = draft(
        json!({"erp_id": "C1", "name": "Camiseta", "show_in_store": true, "sync_stock": true,
        "variants": [{"sku": "C1-P-AZ", "price_cents": 4990, "attributes": {"Tamanho": "P", "Cor": "Azul"}},
                     {"sku": "C1-M-AZ", "price_cents": 4990, "promo_price_cents": 3990,
                      "attributes": {"Tamanho": "M", "Cor": "Azul"}}]}),
    );
    let body = product_body(&shirt, true);
    assert_eq!(
        body["attributes"],
        json!([{"pt": "Cor"}, {"pt": "Tamanho"}])
    );
    assert_eq!(
        body["variants"][1]["values"],
        json!([{"pt": "Azul"}, {"pt": "M"}])
    );
    assert_eq!(body["variants"][1]["promotional_price"], "39.90");
    assert_eq!(
        body["variants"][0]["promotional_price"],
        Value::Null,
        "no promotion clears one"
    );
    let update = product_body(&shirt, false);
    assert!(
        update.get("variants").is_none() && update.get("published").is_none(),
        "{update}"
    );
}

#[test]
fn a_webhook_is_read_only_when_its_signature_verifies() {
    use ponte::platform::nuvemshop::webhook::{sign, verify, Refusal};
    // RFC 4231, test case 2: the signature is plain HMAC-SHA256 in hex.
    assert_eq!(
        sign(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let path =
        common::repo_root().join("../shared/fixtures/derived/nuvemshop-webhook-order-paid.json");
    let body = std::fs::read(path).unwrap();
    let signature = sign(b"app-secret", &body);
    let event = verify(
        b"app-secret",
        [("x-linkedstore-hmac-sha256", signature.as_str())],
        &body,
    )
    .unwrap();
    assert_eq!(
        (
            event.store_id.as_str(),
            event.event.as_str(),
            event.id.as_str()
        ),
        ("123", "order/paid", "1948209")
    );
    assert_eq!(
        verify(
            b"another-secret",
            [("X-Linkedstore-HMAC-SHA256", signature.as_str())],
            &body
        ),
        Err(Refusal::BadSignature)
    );
    let mut tampered = body.clone();
    tampered[body.len() - 3] ^= 1;
    assert_eq!(
        verify(
            b"app-secret",
            [("X-Linkedstore-HMAC-SHA256", signature.as_str())],
            &tampered
        ),
        Err(Refusal::BadSignature)
    );
    assert_eq!(
        verify(b"app-secret", [("Content-Type", "application/json")], &body),
        Err(Refusal::NoSignature)
    );
    assert_eq!(
        verify(b"app-secret", [("X-Linkedstore-HMAC-SHA256", "zz")], &body),
        Err(Refusal::BadSignature)
    );
}

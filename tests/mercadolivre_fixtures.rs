//! Mercado Livre's payloads from the official docs (`../shared/fixtures/mercadolivre-*`, and the
//! repaired copies in `derived/`) read into Ponte's model: an order of a cart, a cart of two
//! orders as one ERP order, the buyer's billing info as a person and as a company, both shapes
//! of the error body's `cause`, and a notification.

use ponte::model::order::PersonType;
use ponte::platform::mercadolivre::mapping::{item_error, notification, store_order};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../shared/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

#[test]
fn an_order_of_a_cart_reads_with_its_64_bit_ids_lines_and_times_in_utc() {
    let order = fixture("derived/mercadolivre-order.json");
    let read = store_order(std::slice::from_ref(&order), None).unwrap();
    assert_eq!(read.store_order_id, "pack:2000003508553677");
    assert_eq!(read.number, "2000003508553677");
    assert_eq!(read.status, "paid");
    assert_eq!(read.currency, "BRL");
    assert_eq!(read.created_at, "2022-04-08T21:01:30Z");
    assert_eq!(read.modified_at, "2022-04-08T21:03:32Z");
    assert_eq!(read.total_cents, 5000);
    let line = &read.lines[0];
    assert_eq!(line.store_product_id, "MLB2608564035");
    assert_eq!(line.store_variation_id.as_deref(), Some("174390848694"));
    assert_eq!((line.quantity, line.unit_price_cents), (1, 5000));
    // Both SKU fields are null in the docs' order: the line is matched by its item and variation.
    assert_eq!(line.sku, None);
    assert_eq!(
        read.customer.store_customer_id.as_deref(),
        Some("266272126")
    );
}

#[test]
fn a_cart_of_two_orders_is_one_erp_order_paid_only_once_both_are() {
    let first = fixture("derived/mercadolivre-order.json");
    let mut second = first.clone();
    second["id"] = json!(2_000_003_508_911_076u64);
    second["order_items"][0]["item"]["id"] = json!("MLB2608564099");
    second["order_items"][0]["item"]["seller_sku"] = json!("CAM-PRETA-M");
    second["order_items"][0]["quantity"] = json!(2);
    second["order_items"][0]["unit_price"] = json!(49.95);
    second["total_amount"] = json!(99.9);
    second["last_updated"] = json!("2022-04-08T17:05:00.000-04:00");
    second["status"] = json!("payment_required");
    let cart = [first.clone(), second.clone()];
    let waiting = store_order(&cart, None).unwrap();
    assert_eq!(waiting.status, "payment_required");
    second["status"] = json!("paid");
    let paid = store_order(&[first, second], None).unwrap();
    assert_eq!(paid.status, "paid");
    assert_eq!(paid.lines.len(), 2);
    assert_eq!(paid.lines[1].sku.as_deref(), Some("CAM-PRETA-M"));
    assert_eq!(paid.lines[1].total_cents, 2 * 4995);
    assert_eq!(paid.total_cents, 5000 + 9990);
    assert_eq!(
        paid.modified_at, "2022-04-08T21:05:00Z",
        "the cart changed when its last order did"
    );
    // The pack's own document lists the two orders.
    let pack = fixture("mercadolivre-pack.json");
    assert_eq!(pack["orders"].as_array().unwrap().len(), 2);
}

#[test]
fn the_buyer_comes_from_the_billing_info_as_a_person_or_a_company() {
    let order = fixture("derived/mercadolivre-order.json");
    let person = fixture("derived/mercadolivre-billing-info-mlb-pf.json");
    let read = store_order(std::slice::from_ref(&order), Some(&person)).unwrap();
    let customer = &read.customer;
    assert_eq!(customer.name, "María Lupita Gomez Blanco");
    assert_eq!(customer.person_type, Some(PersonType::Individual));
    // The docs' CPF has 8 digits: read as given, for the rules to judge, never dropped here.
    assert_eq!(customer.cpf.as_deref(), Some("32659430"));
    assert_eq!(customer.billing.city, "Bom Jardim");
    assert_eq!(customer.billing.state, "Rio de Janeiro");
    assert_eq!(customer.billing.postcode, "28660000");
    let company = fixture("derived/mercadolivre-billing-info-mlb-pj.json");
    let read = store_order(&[order], Some(&company)).unwrap();
    assert_eq!(read.customer.person_type, Some(PersonType::Company));
    assert_eq!(read.customer.company, "Apple Brasil");
    assert_eq!(read.customer.cnpj.as_deref(), Some("326594309119203"));
    assert_eq!(read.customer.state_registration, "30703088534");
}

#[test]
fn ids_beyond_2_to_the_53_keep_every_digit() {
    let mut order = fixture("derived/mercadolivre-order.json");
    order["pack_id"] = Value::Null;
    order["id"] = serde_json::from_str("9007199254740993").unwrap();
    order["order_items"][0]["item"]["variation_id"] =
        serde_json::from_str("9007199254740995").unwrap();
    let read = store_order(&[order], None).unwrap();
    assert_eq!(read.store_order_id, "9007199254740993");
    assert_eq!(
        read.lines[0].store_variation_id.as_deref(),
        Some("9007199254740995")
    );
}

#[test]
fn both_shapes_of_cause_are_named_in_the_marketplaces_words() {
    let validation = item_error(
        400,
        &fixture("mercadolivre-error-validation-missing-required.json"),
    );
    assert_eq!(validation.code, "validation_error");
    assert!(
        validation.message.starts_with(
            "Validation error: item.attributes.missing_required: One or more required attributes"
        ),
        "{}",
        validation.message
    );
    let forbidden = item_error(403, &fixture("mercadolivre-error-403-forbidden.json"));
    assert_eq!(
        (forbidden.code.as_str(), forbidden.status),
        ("forbidden", 403)
    );
    assert_eq!(
        forbidden.message,
        "The shipment 4397100000 does not belong to merchant: 1350000000"
    );
    let strings = item_error(
        400,
        &json!({"message": "Invalid body", "error": "bad_request", "status": 400,
                                          "cause": ["price must be positive"]}),
    );
    assert_eq!(strings.message, "Invalid body: price must be positive");
    let bad = item_error(400, &fixture("mercadolivre-error-400-bad-request.json"));
    assert_eq!(bad.code, "bad_request");
}

#[test]
fn a_notification_names_its_topic_resource_and_seller_in_either_type() {
    let body = fixture("mercadolivre-notification-orders-v2.json");
    assert_eq!(
        notification(&body).unwrap(),
        (
            "orders_v2".to_string(),
            "2195160686".to_string(),
            "468424240".to_string()
        )
    );
    let mut as_text = body.clone();
    as_text["user_id"] = json!("468424240");
    assert_eq!(notification(&as_text).unwrap().2, "468424240");
    let items = fixture("mercadolivre-notification-items.json");
    let (topic, id, _) = notification(&items).unwrap();
    assert_eq!(topic, "items");
    // The docs' example is an Argentinian item (MLA).
    assert!(id.starts_with("ML") && id.len() > 3, "{id}");
}

//! Orders as a store hands them over, in Ponte's own terms: money in cents, times in UTC, the
//! buyer's payment data left out. Each platform adapter maps its payload into these types.

use serde::{Deserialize, Serialize};

/// One store order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOrder {
    /// The store's id of the order, the key of capture.
    pub store_order_id: String,
    /// The number the shopper sees; plugins may make it differ from the id.
    pub number: String,
    pub status: String,
    pub currency: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC; capture's cursor.
    pub modified_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    pub customer: Customer,
    pub lines: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_lines: Vec<ShippingLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<Fee>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<String>,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub customer_note: String,
    /// How the shopper paid, as a title ("Pix", "Cartão de crédito"); never card or bank data.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub payment_method_title: String,
}

/// The buyer, as the ERP registers them ("Entidade").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Customer {
    /// The store's customer id; absent for a guest checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_customer_id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub company: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// CPF or CNPJ as the store gave it (digits only after normalization by capture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpf: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnpj: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_type: Option<PersonType>,
    pub billing: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Address>,
}

/// Pessoa Física (an individual, CPF) or Jurídica (a company, CNPJ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonType {
    Individual,
    Company,
}

/// A postal address, with the Brazilian number and neighborhood ("bairro") apart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub street: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub complement: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub neighborhood: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub city: String,
    /// State code, such as "SP".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// CEP as the store gave it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub postcode: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

/// One item bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The SKU the store reports now; `None` when the product was deleted in the store.
    pub sku: Option<String>,
    pub name: String,
    pub quantity: i64,
    /// Price of one unit after line discounts.
    pub unit_price_cents: i64,
    /// Before discounts, for the quantity.
    pub subtotal_cents: i64,
    /// After discounts, for the quantity.
    pub total_cents: i64,
    pub store_product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_variation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingLine {
    pub method: String,
    pub total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    pub total_cents: i64,
}

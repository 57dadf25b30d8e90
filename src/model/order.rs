//! Orders as a store hands them over, in Ponte's own terms: money in cents, times in UTC, the
//! buyer's payment data left out. Each platform adapter maps its payload into these types.

use serde::{Deserialize, Serialize};

/// One store order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// How the shopper paid, as the store names it ("Pix", "Cartão de crédito"): information for
    /// the ERP, never card or bank data. The sales order keeps the integration's defaults.
    #[serde(default, skip_serializing_if = "Payment::is_empty")]
    pub payment: Payment,
    /// Refunds made in the store, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<RefundSummary>,
    /// Marks the marketplace put on the order that the integration says to refuse it for, such
    /// as Mercado Livre's `fraud_risk_detected`: capture rejects the order, naming each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

/// The payment the shopper chose, as information: the gateway, its title and the gateway's
/// transaction id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Payment {
    /// The gateway's id in the store (`pix`, `bacs`, `stripe`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub method: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub transaction_id: String,
}

impl Payment {
    pub fn is_empty(&self) -> bool {
        self.method.is_empty() && self.title.is_empty() && self.transaction_id.is_empty()
    }
}

/// The buyer, as the ERP registers them ("Entidade").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// CPF (digits) and CNPJ (digits, or the capitals and digits of an alphanumeric CNPJ), with
    /// the punctuation removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpf: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnpj: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_type: Option<PersonType>,
    /// Inscrição estadual, when the store collects it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state_registration: String,
    /// A second phone, when the store collects it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cellphone: String,
    pub billing: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Address>,
}

/// Pessoa Física (an individual, CPF) or Jurídica (a company, CNPJ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonType {
    Individual,
    Company,
}

/// A postal address, with the Brazilian number and neighborhood ("bairro") apart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderLine {
    /// The ERP's SKU once capture resolved the line (through the links sync recorded, then the
    /// store's SKU, then the EAN); before that, the store's SKU. `None` when neither is known.
    pub sku: Option<String>,
    /// The SKU the store reports for the line, kept as read; `None` when the store has none (the
    /// product was deleted in the store, or never had one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_sku: Option<String>,
    /// How capture found the ERP's product: `variation`, `product` (the links), `sku` or `ean`;
    /// `None` until resolved, or when nothing matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShippingLine {
    pub method: String,
    pub total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fee {
    pub name: String,
    pub total_cents: i64,
}

/// A refund as the order lists it: enough to notice it and tell the ERP how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RefundSummary {
    pub id: String,
    /// Positive.
    pub amount_cents: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// A refund with its lines, as the store's refund record has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refund {
    pub id: String,
    /// Positive.
    pub amount_cents: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub lines: Vec<RefundLine>,
}

/// Units of one order line given back, and the money for them (both positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RefundLine {
    /// The store's SKU of the line; `None` when the store has none.
    pub store_sku: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub amount_cents: i64,
    pub store_product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_variation_id: Option<String>,
}

//! The domain: what the ERP sends and what the stores hold, as plain data.

pub mod catalog;
pub mod config;
pub mod json;
pub mod money;
pub mod order;

pub use catalog::{Brand, CatalogProduct, Dimensions, Product, ProductKey, StockLevel, Variant};
pub use config::{Credentials, IntegrationConfig, PlatformKind, Secret};

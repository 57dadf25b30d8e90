//! The sandbox stores held to their platforms: WooCommerce's to the real store's answers (quoted
//! from `../shared/realstores/woocommerce`), Nuvemshop's and Mercado Livre's to their docs and
//! payloads. One test binary, a module a store.

#[path = "../common/mod.rs"]
mod common;

mod mercadolivre;
mod nuvemshop;
mod woocommerce;
mod woocommerce_product_page;

//! Ponte is the integration core an ERP embeds to keep its online sales channels in step with it:
//! products, brands, prices and stock go out to stores; orders and customers come in.
//!
//! It is a synchronous library with three faces over one core:
//! - Rust: [`Ponte`], the handle over one state file, and the [`model`] types;
//! - C: `include/ponte.h`, implemented in [`ffi`], for ERPs in Delphi, C#, C or anything that
//!   calls C;
//! - Python: the ctypes package in `bindings/python`.
//!
//! Its state is one SQLite file of its own (see [`store`]); credentials are held in memory only.
//! Money is integer cents, times are UTC, and every error says what was wrong and where.

// The sandbox builds whole WooCommerce payloads with `json!`, deeper than the default limit.
#![recursion_limit = "256"]

mod api;
pub mod capture;
pub mod check;
pub mod error;
#[doc(hidden)]
pub mod failpoint;
pub mod ffi;
pub mod model;
mod parallel;
mod pictures;
pub mod platform;
pub mod rules;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod schedule;
pub mod schemas;
pub mod store;
pub mod sync;
pub mod time;
pub mod tokens;
pub mod unattended;

pub use api::{IntegrationView, Ponte};
pub use error::{ConfigProblem, Error, Result};

/// This library's version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

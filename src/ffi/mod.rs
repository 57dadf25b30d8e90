//! The C ABI. Every `extern "C"` function lives here; the core knows nothing of it.
//!
//! Each export resets its outputs, runs its body inside the boundary (`boundary::run` or
//! `handle::with_handle`) so no panic crosses into the host, converts C arguments with checks,
//! calls the Rust API, and returns a status from `status`. JSON strings go in and out.

mod boundary;
mod catalog;
mod credentials;
mod handle;
mod integration;
mod lifecycle;
mod log_hook;
mod order_life;
mod orders;
pub(crate) mod sandbox;
mod status;
mod sync;
mod unattended;

pub use catalog::*;
pub use credentials::*;
pub use handle::ponte;
pub use integration::*;
pub use lifecycle::*;
pub use log_hook::*;
pub use order_life::*;
pub use orders::*;
pub use sandbox::*;
pub use status::*;
pub use sync::*;
pub use unattended::*;

//! Nuvemshop (Tiendanube), the second platform (issue 16). So far only the mapping of its
//! payloads into Ponte's terms, held to the official examples in `shared/fixtures/nuvemshop-*`;
//! the adapter behind `Platform`, its sandbox and its pacing come next.

pub mod mapping;
pub mod pacing;
pub mod webhook;

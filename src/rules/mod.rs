//! Pure rules, unit-tested without a database or a network: which products are sent and why not,
//! how an ERP product is recognised in a store, and GTIN check digits.

pub mod documents;
pub mod eligibility;
pub mod gtin;
pub mod matching;
pub mod orders;

use serde::Serialize;

use crate::model::config::Locale;

/// Why something is not done: a stable code for machines and a message for people, in the
/// integration's language. `fixable` tells data the user can correct from an internal problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub message: String,
}

impl Reason {
    pub(crate) fn new(code: &'static str, locale: Locale, pt_br: String, en: String) -> Reason {
        Reason {
            code,
            message: match locale {
                Locale::PtBr => pt_br,
                Locale::En => en,
            },
        }
    }
}

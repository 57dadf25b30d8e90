//! Pure rules, unit-tested without a database or a network: which products are sent and why not,
//! how an ERP product is recognised in a store, and GTIN check digits.

pub mod documents;
pub mod eligibility;
pub mod gtin;
pub mod matching;
pub mod orders;
pub mod prices;

use serde::Serialize;

use crate::model::config::Locale;

/// Why something is not done: a stable code for machines and a message for people, in the
/// integration's language. `fixable` tells data the user can correct from an internal problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

/// Whether a message is wholly in its language: no word only the other language uses. The tests
/// scan every message Ponte writes with it.
pub mod language {
    use crate::model::config::Locale;

    const ENGLISH_ONLY: &[&str] = &[
        "the",
        "is",
        "of",
        "has",
        "and",
        "not",
        "order",
        "product",
        "products",
        "street",
        "city",
        "state",
        "postcode",
        "above",
        "amounts",
        "price",
        "unit",
        "subtotal",
        "shipping",
        "fee",
        "tax",
        "discount",
        "name",
        "with",
        "without",
        "invalid",
        "also",
        "quantity",
        "brand",
        "customer",
        "address",
        "billing",
        "incomplete",
        "items",
        "digits",
        "reason",
        "left",
    ];
    const PORTUGUESE_ONLY: &[&str] = &[
        "não",
        "é",
        "está",
        "do",
        "da",
        "dos",
        "das",
        "pedido",
        "produto",
        "marca",
        "cliente",
        "sem",
        "com",
        "endereço",
        "cobrança",
        "rua",
        "cidade",
        "estado",
        "acima",
        "limite",
        "valores",
        "também",
        "inválido",
        "cadastrado",
        "cadastrada",
        "quantidade",
        "preço",
        "nome",
        "tem",
        "na",
        "em",
        "ou",
        "frete",
        "taxa",
        "imposto",
        "desconto",
        "unitário",
        "dígitos",
        "itens",
        "motivo",
    ];

    /// The message's own words: a quotation (what the store or the network said, between double
    /// quotes) and names of settings, paths and codes (`order_capture.received_status`,
    /// `/wp-json/wc/v3`) are not the message's language.
    fn words(text: &str) -> impl Iterator<Item = String> + '_ {
        text.split('"')
            .step_by(2)
            .flat_map(str::split_whitespace)
            .map(|token| token.trim_end_matches(['.', ',', ';', ':', ')', '!', '?']))
            .filter(|token| !token.contains(['_', '/', '.', '>', '=']))
            .flat_map(|token| token.split(|c: char| !c.is_alphabetic()))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
    }

    /// The first word of `text` that only the other language uses.
    pub fn foreign_word(locale: Locale, text: &str) -> Option<String> {
        let foreign = match locale {
            Locale::PtBr => ENGLISH_ONLY,
            Locale::En => PORTUGUESE_ONLY,
        };
        words(text).find(|w| foreign.contains(&w.as_str()))
    }

    /// Panics, naming the word, when `text` holds a word of the other language.
    pub fn assert_wholly(locale: Locale, text: &str) {
        if let Some(word) = foreign_word(locale, text) {
            panic!("{locale:?} message has the foreign word {word:?}: {text}");
        }
    }
}

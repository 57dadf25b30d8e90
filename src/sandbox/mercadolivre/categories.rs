//! Categories and their attributes (`MERCADOLIVRE.md` §5.2): `GET /categories/{id}` and
//! `GET /categories/{id}/attributes`. The sandbox knows only the categories its options seed,
//! each with a handful of attributes and the two tags that drive validation: `required` and
//! `allow_variations`.

use serde_json::{json, Value};

use super::errors::MlError;
use super::{ok, Reply};

/// A category the sandbox knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlCategory {
    pub id: String,
    pub name: String,
    pub attributes: Vec<MlAttribute>,
}

/// One of a category's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlAttribute {
    pub id: String,
    pub name: String,
    /// Tagged `required`: an item of the category must have it.
    pub required: bool,
    /// Tagged `allow_variations`: it may tell variations apart in `attribute_combinations`.
    pub allow_variations: bool,
}

impl MlAttribute {
    fn new(id: &str, name: &str, required: bool, allow_variations: bool) -> MlAttribute {
        MlAttribute {
            id: id.into(),
            name: name.into(),
            required,
            allow_variations,
        }
    }
}

impl MlCategory {
    /// `MLB1574` "Casa, Móveis e Decoração" (BRAND required) and `MLB31447` "Camisetas" (BRAND
    /// and MODEL required); both with MODEL, GTIN, SELLER_SKU, and SIZE and COLOR for
    /// variations.
    pub fn defaults() -> Vec<MlCategory> {
        let attributes = |model_required: bool| {
            vec![
                MlAttribute::new("BRAND", "Marca", true, false),
                MlAttribute::new("MODEL", "Modelo", model_required, false),
                MlAttribute::new("GTIN", "Código universal de produto", false, false),
                MlAttribute::new("SELLER_SKU", "SKU", false, false),
                MlAttribute::new("SIZE", "Tamanho", false, true),
                MlAttribute::new("COLOR", "Cor", false, true),
            ]
        };
        vec![
            MlCategory {
                id: "MLB1574".into(),
                name: "Casa, Móveis e Decoração".into(),
                attributes: attributes(false),
            },
            MlCategory {
                id: "MLB31447".into(),
                name: "Camisetas".into(),
                attributes: attributes(true),
            },
        ]
    }

    pub fn attribute(&self, id: &str) -> Option<&MlAttribute> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The attribute a combination names by `id` or, failing that, by `name` ("Tamanho").
    pub fn attribute_named(&self, id: Option<&str>, name: Option<&str>) -> Option<&MlAttribute> {
        match id {
            Some(id) => self.attribute(id),
            None => {
                let name = name?;
                self.attributes
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
            }
        }
    }
}

fn not_found() -> MlError {
    MlError::not_found("Category not found")
}

fn find<'a>(categories: &'a [MlCategory], id: &str) -> Result<&'a MlCategory, MlError> {
    categories.iter().find(|c| c.id == id).ok_or_else(not_found)
}

/// `{id, name, path_from_root}`; every seeded category is a root's child only in name: the path
/// is the category alone (sandbox choice).
pub fn get(categories: &[MlCategory], id: &str) -> Reply {
    let category = find(categories, id)?;
    ok(json!({
        "id": category.id,
        "name": category.name,
        "path_from_root": [{"id": category.id, "name": category.name}],
    }))
}

/// `[{id, name, tags, value_type, values}]`; every attribute is a free `string` (sandbox
/// choice: no value lists).
pub fn attributes(categories: &[MlCategory], id: &str) -> Reply {
    let category = find(categories, id)?;
    let list: Vec<Value> = category
        .attributes
        .iter()
        .map(|a| {
            let mut tags = serde_json::Map::new();
            if a.required {
                tags.insert("required".into(), json!(true));
            }
            if a.allow_variations {
                tags.insert("allow_variations".into(), json!(true));
            }
            json!({"id": a.id, "name": a.name, "tags": tags, "value_type": "string",
                   "values": []})
        })
        .collect();
    ok(json!(list))
}

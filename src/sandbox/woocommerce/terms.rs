//! Product categories (`product_cat` terms) as WooCommerce 10.0.2 on WordPress 6.8.3 keeps them:
//! their own id sequence (terms are not posts), the default "Uncategorized", WordPress's
//! duplicate-name and slug rules, counts of published products, and the routes
//! `/products/categories[/{id}|/batch]`. Each fact was seen on a real store
//! (`shared/realstores/woocommerce`) and is noted where it is kept.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::super::server::HttpRequest;
use super::errors::{as_rest_integer, check_params, ParamError, WooError};
use super::html::filter_post_kses;
use super::listing::{self, Key, Sort};
use super::{Ctx, Reply, State, PREFIX};

/// A new store's only category, and its id: WordPress's default terms take 1 (the post
/// category), then WooCommerce's product types, visibilities and so on, and "Uncategorized" is
/// 15 (seen on a fresh 10.0.2; the next category created is 16).
pub(super) const DEFAULT_CATEGORY_ID: u64 = 15;

const DISPLAY: [&str; 4] = ["default", "products", "subcategories", "both"];
const ORDERBY: [&str; 7] = [
    "id",
    "include",
    "name",
    "slug",
    "term_group",
    "description",
    "count",
];

/// The default category, as a fresh store has it.
pub(super) fn seed(state: &mut State) {
    state.categories.insert(
        DEFAULT_CATEGORY_ID,
        json!({"id": DEFAULT_CATEGORY_ID, "name": "Uncategorized", "slug": "uncategorized", "parent": 0,
               "description": "", "display": "default", "menu_order": 0}),
    );
    state.next_term_id = DEFAULT_CATEGORY_ID;
}

/// `remove_accents` for the letters a Brazilian catalogue uses (and their Latin-1 neighbours).
pub(super) fn remove_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let plain = match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'Á' | 'À' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'Í' | 'Ì' | 'Î' | 'Ï' => "I",
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'Ú' | 'Ù' | 'Û' | 'Ü' => "U",
            'ç' => "c",
            'Ç' => "C",
            'ñ' => "n",
            'Ñ' => "N",
            'ý' | 'ÿ' => "y",
            'Ý' => "Y",
            'ß' => "ss",
            'æ' => "ae",
            'Æ' => "AE",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// `sanitize_title`: accents removed, lower case, tags and entities dropped, spaces and dashes
/// one dash, other punctuation gone ("Camisetas Básicas" is `camisetas-basicas`, "Cama, Mesa
/// & Banho" is `cama-mesa-banho`, seen on 10.0.2).
pub(super) fn sanitize_title(text: &str) -> String {
    let text = strip_tags(&remove_accents(text)).to_lowercase();
    let text = drop_entities(&text);
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '.' || c == '/') && !slug.ends_with('-') {
            slug.push('-');
        } else if c.is_alphanumeric() {
            // What remove_accents does not know stays, percent-encoded in WordPress; kept
            // as the letter here.
            slug.push(c);
        }
    }
    slug.trim_matches('-').to_string()
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn drop_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match tail.find(';').filter(|end| {
            *end > 1
                && tail[1..*end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '#')
        }) {
            Some(end) => rest = &tail[end + 1..],
            None => {
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `&` as `&amp;` unless it already starts an entity, as `wp_filter_kses` leaves text.
pub(super) fn escape_ampersands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '&' {
            let tail = &text[i..];
            let entity = tail.find(';').is_some_and(|end| {
                end > 1
                    && end < 12
                    && tail[1..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#')
            });
            out.push_str(if entity { "&" } else { "&amp;" });
        } else {
            out.push(c);
        }
    }
    out
}

/// A term name as WordPress stores it: `sanitize_text_field` (tags gone, whitespace one space,
/// trimmed), then `&` escaped ("Cama, Mesa & Banho" reads back as `Cama, Mesa &amp; Banho`,
/// seen on 10.0.2).
fn term_name(raw: &str) -> String {
    let text = strip_tags(raw);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    escape_ampersands(&text)
}

fn hinted_link(home: &str, path: &str) -> Value {
    json!({"href": format!("{home}{PREFIX}{path}"),
           "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]}})
}

/// How many published products are in each category (variations, drafts and the trash are not
/// counted: seen on 10.0.2, a draft left `count` at 0, a trashed product took 1 off).
fn counts(state: &State) -> HashMap<u64, u64> {
    let mut counts = HashMap::new();
    for product in state.products.values() {
        if product["status"] != "publish" || product["type"] == "variation" {
            continue;
        }
        for term in product["categories"].as_array().into_iter().flatten() {
            if let Some(id) = term["id"].as_u64() {
                *counts.entry(id).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// A category as the API shows it. `targetHints` follows `self` except in a deletion's answer
/// (seen on 10.0.2).
fn view(ctx: &Ctx, term: &Value, count: u64, hints: bool) -> Value {
    let id = term["id"].as_u64().unwrap_or(0);
    let item = format!("/products/categories/{id}");
    let mut links = json!({
        "self": [if hints { hinted_link(&ctx.home, &item) } else { json!({"href": format!("{}{PREFIX}{item}", ctx.home)}) }],
        "collection": [{"href": format!("{}{PREFIX}/products/categories", ctx.home)}],
    });
    let parent = term["parent"].as_u64().unwrap_or(0);
    if parent != 0 {
        links["up"] =
            json!([{"href": format!("{}{PREFIX}/products/categories/{parent}", ctx.home)}]);
    }
    json!({"id": id, "name": term["name"], "slug": term["slug"], "parent": parent,
           "description": term["description"], "display": term["display"], "image": null,
           "menu_order": term["menu_order"], "count": count, "_links": links})
}

fn not_found() -> WooError {
    WooError::new(
        404,
        "woocommerce_rest_term_invalid",
        "Resource does not exist.",
    )
}

pub(super) fn get(state: &State, ctx: &Ctx, id: u64) -> Result<Value, WooError> {
    let term = state.categories.get(&id).ok_or_else(not_found)?;
    let count = counts(state).get(&id).copied().unwrap_or(0);
    Ok(view(ctx, term, count, true))
}

/// `GET /products/categories`. Seen on 10.0.2: `orderby` defaults to `name` and `order` to
/// `asc`; names that tie come back in an order that changes with the page asked for (four
/// "Roupas" read as 19,16,17,18, then 16,17,18,19, then 18,19,16,17), `count` and
/// `description` ties in id order; `per_page` over 100 is refused as for products; paging
/// headers and `Link` are those of the products listing.
pub(super) fn list(state: &State, ctx: &Ctx, request: &HttpRequest) -> Reply {
    let mut errors = Vec::new();
    let mut query = listing::read_query(request, &ORDERBY, "name", &mut errors);
    let hide_empty = listing::boolean_param(request, "hide_empty", &mut errors).unwrap_or(false);
    let parent = match request.param("parent") {
        None => None,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(ParamError::invalid_type("parent", "integer"));
                None
            }
        },
    };
    check_params(errors)?;
    query.descending = request.param("order") == Some("desc");
    let search = request.param("search").map(str::to_lowercase);
    let slugs = listing::list_param(request, "slug");
    let counts = counts(state);
    let count_of = |term: &Value| {
        counts
            .get(&term["id"].as_u64().unwrap_or(0))
            .copied()
            .unwrap_or(0)
    };
    // The listing's sort reads `count` from the item itself.
    let with_counts: Vec<Value> = state
        .categories
        .values()
        .map(|term| {
            let mut term = term.clone();
            term["count"] = json!(count_of(&term));
            term
        })
        .collect();
    let items: Vec<&Value> = with_counts
        .iter()
        .filter(|t| parent.is_none_or(|p| t["parent"].as_u64() == Some(p)))
        .filter(|t| !hide_empty || t["count"].as_u64().unwrap_or(0) > 0)
        .filter(|t| slugs.is_empty() || slugs.iter().any(|s| t["slug"] == s.as_str()))
        .filter(|t| {
            search.as_ref().is_none_or(|q| {
                t["name"].as_str().unwrap_or("").to_lowercase().contains(q)
                    || t["slug"].as_str().unwrap_or("").contains(q)
            })
        })
        .filter(|t| query.admits(t))
        .collect();
    let sort = match query.orderby.as_str() {
        "id" => Sort::Id,
        "include" if !query.include.is_empty() => Sort::Given(query.include.clone()),
        "include" => Sort::Table,
        "slug" => Sort::KeyThenId(listing::slug_key),
        "count" => Sort::KeyThenTable(|t| Key::Number(t["count"].as_i64().unwrap_or(0))),
        "description" => Sort::KeyThenTable(|t| Key::Text(text(t, "description"))),
        "term_group" => Sort::KeyThenTable(|_| Key::Number(0)),
        _ => Sort::KeyOnly(listing::name_key),
    };
    let mut items = items;
    listing::sort(&mut items, &sort, &query);
    listing::paged(&ctx.home, request, &query, items, |t| {
        view(ctx, t, t["count"].as_u64().unwrap_or(0), true)
    })
}

fn text(item: &Value, field: &str) -> String {
    item[field].as_str().unwrap_or("").to_string()
}

fn check_body(body: &Value) -> Result<(), WooError> {
    let mut errors = Vec::new();
    if let Some(display) = body.get("display") {
        if !display.as_str().is_some_and(|d| DISPLAY.contains(&d)) {
            errors.push(ParamError::not_in_enum("display", "display", &DISPLAY));
        }
    }
    check_params(errors)
}

fn slug_taken(state: &State, slug: &str, except: u64) -> bool {
    state
        .categories
        .values()
        .any(|t| t["slug"] == slug && t["id"].as_u64() != Some(except))
}

/// `wp_unique_term_slug`: a taken slug gets its parents' slugs appended, nearest first
/// (`roupas` under "Roupas" is `roupas-roupas`), then `-2`, `-3` (`roupas-2`, seen on 10.0.2).
fn unique_slug(state: &State, slug: &str, parent: u64) -> String {
    if !slug_taken(state, slug, 0) {
        return slug.to_string();
    }
    let mut slug = slug.to_string();
    let mut up = parent;
    while let Some(term) = state.categories.get(&up) {
        slug = format!("{slug}-{}", term["slug"].as_str().unwrap_or(""));
        if !slug_taken(state, &slug, 0) {
            return slug;
        }
        up = term["parent"].as_u64().unwrap_or(0);
    }
    (2..)
        .map(|n| format!("{slug}-{n}"))
        .find(|candidate| !slug_taken(state, candidate, 0))
        .unwrap_or(slug)
}

/// `wp_insert_term`'s duplicate rule, as it behaves on 10.0.2: a sibling whose name equals the
/// new one in ASCII case ("roupas" beside "Roupas" is refused; "CALÇADOS" and "Calcados" beside
/// "Calçados" are created, PHP's `strtolower` leaving `Ç` alone) is the existing term when no
/// slug was given or it has that slug, or when a sibling has the slug; a name repeated under
/// another parent is fine.
fn existing_term(
    state: &State,
    name: &str,
    slug: &str,
    slug_given: bool,
    parent: u64,
) -> Option<u64> {
    let siblings: Vec<&Value> = state
        .categories
        .values()
        .filter(|t| t["parent"].as_u64() == Some(parent))
        .collect();
    let name_match = siblings.iter().find(|t| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })?;
    let slug_match = state.categories.values().find(|t| t["slug"] == slug);
    if slug_given && name_match["slug"] != slug && slug_match.is_none() {
        return None;
    }
    if (!slug_given || name_match["slug"] == slug) && siblings.iter().any(|t| t["name"] == name) {
        return name_match["id"].as_u64();
    }
    slug_match
        .filter(|m| siblings.iter().any(|t| t["slug"] == m["slug"]))
        .and_then(|m| m["id"].as_u64())
}

/// `POST /products/categories` (and a batch's `create`). Seen on 10.0.2: a duplicate is 400
/// `term_exists` with `data.resource_id` naming the existing term, in both routes; a parent
/// that does not exist is 400 `missing_parent`; an empty name is 400 `empty_term_name`, and so
/// is a batch item with no name, where the single route says `rest_missing_callback_param`.
pub(super) fn create(
    state: &mut State,
    ctx: &Ctx,
    body: &Value,
    in_batch: bool,
) -> Result<Value, WooError> {
    let Some(raw_name) = body.get("name").and_then(Value::as_str) else {
        if in_batch {
            return Err(empty_name());
        }
        return Err(WooError::new(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): name",
        )
        .with("params", json!(["name"])));
    };
    check_body(body)?;
    let name = term_name(raw_name);
    if name.is_empty() {
        return Err(empty_name());
    }
    let parent = body.get("parent").and_then(Value::as_u64).unwrap_or(0);
    if parent != 0 && !state.categories.contains_key(&parent) {
        return Err(WooError::new(
            400,
            "missing_parent",
            "Parent term does not exist.",
        ));
    }
    let given_slug = body
        .get("slug")
        .and_then(Value::as_str)
        .map(sanitize_title)
        .filter(|s| !s.is_empty());
    let slug = given_slug.clone().unwrap_or_else(|| sanitize_title(&name));
    if let Some(existing) = existing_term(state, &name, &slug, given_slug.is_some(), parent) {
        return Err(WooError::new(
            400,
            "term_exists",
            "A term with the name provided already exists with this parent.",
        )
        .with("resource_id", json!(existing)));
    }
    let slug = unique_slug(state, &slug, parent);
    state.next_term_id += 1;
    let id = state.next_term_id;
    let mut term = json!({"id": id, "name": name, "slug": slug, "parent": parent, "description": "",
                          "display": "default", "menu_order": 0});
    apply_fields(&mut term, body);
    state.categories.insert(id, term.clone());
    Ok(view(ctx, &term, 0, true))
}

fn empty_name() -> WooError {
    WooError::new(400, "empty_term_name", "A name is required for this term.")
}

/// `description` (through `wp_filter_post_kses`), `display` and `menu_order`.
fn apply_fields(term: &mut Value, body: &Value) {
    if let Some(description) = body.get("description").and_then(Value::as_str) {
        term["description"] = json!(filter_post_kses(description));
    }
    if let Some(display) = body.get("display").and_then(Value::as_str) {
        term["display"] = json!(display);
    }
    if let Some(order) = body.get("menu_order").and_then(as_rest_integer) {
        term["menu_order"] = json!(order);
    }
}

/// `PUT /products/categories/{id}`. Seen on 10.0.2: renaming to a sibling's name is allowed
/// (only `wp_insert_term` checks names); a slug another term has is 500 `duplicate_term_slug`
/// and a parent that does not exist 500 `missing_parent`, both with `data: null`; an unknown id
/// is 404 `woocommerce_rest_term_invalid`; a batch update without `id` answers `invalid_taxonomy`.
pub(super) fn update(
    state: &mut State,
    ctx: &Ctx,
    id: u64,
    body: &Value,
) -> Result<Value, WooError> {
    if id == 0 {
        return Err(WooError::bare("invalid_taxonomy", "Invalid taxonomy."));
    }
    let mut term = state.categories.get(&id).cloned().ok_or_else(not_found)?;
    check_body(body)?;
    if let Some(parent) = body.get("parent").and_then(Value::as_u64) {
        if parent != 0 && !state.categories.contains_key(&parent) {
            return Err(WooError::bare(
                "missing_parent",
                "Parent term does not exist.",
            ));
        }
        term["parent"] = json!(parent);
    }
    if let Some(slug) = body
        .get("slug")
        .and_then(Value::as_str)
        .map(sanitize_title)
        .filter(|s| !s.is_empty())
    {
        if slug_taken(state, &slug, id) {
            return Err(WooError::bare(
                "duplicate_term_slug",
                format!("The slug &#8220;{slug}&#8221; is already in use by another term."),
            ));
        }
        term["slug"] = json!(slug);
    }
    if let Some(name) = body.get("name").and_then(Value::as_str).map(term_name) {
        if name.is_empty() {
            return Err(empty_name());
        }
        term["name"] = json!(name);
    }
    apply_fields(&mut term, body);
    state.categories.insert(id, term.clone());
    refresh_products(state);
    let count = counts(state).get(&id).copied().unwrap_or(0);
    Ok(view(ctx, &term, count, true))
}

/// `DELETE /products/categories/{id}`. Seen on 10.0.2: without `force` it is 501
/// `woocommerce_rest_trash_not_supported`; the default category is 500
/// `woocommerce_rest_cannot_delete`; the answer is the term as it was, `count` included; its
/// products lose it and are not given the default category (`categories: []`); children move
/// to its parent, as `wp_delete_term` does. Batch deletions are forced.
pub(super) fn delete(
    state: &mut State,
    ctx: &Ctx,
    id: u64,
    force: bool,
) -> Result<Value, WooError> {
    let term = state.categories.get(&id).cloned().ok_or_else(not_found)?;
    if !force {
        return Err(WooError::new(
            501,
            "woocommerce_rest_trash_not_supported",
            "Resource does not support trashing.",
        ));
    }
    if id == DEFAULT_CATEGORY_ID {
        return Err(WooError::new(
            500,
            "woocommerce_rest_cannot_delete",
            "Default product category cannot be deleted.",
        ));
    }
    let count = counts(state).get(&id).copied().unwrap_or(0);
    let answer = view(ctx, &term, count, false);
    state.categories.remove(&id);
    let parent = term["parent"].clone();
    for child in state.categories.values_mut() {
        if child["parent"].as_u64() == Some(id) {
            child["parent"] = parent.clone();
        }
    }
    for product in state.products.values_mut() {
        if let Some(terms) = product.get_mut("categories").and_then(Value::as_array_mut) {
            terms.retain(|t| t["id"].as_u64() != Some(id));
        }
    }
    Ok(answer)
}

/// A product's `categories` from a request's `[{"id": N}, ...]`. Seen on 10.0.2: ids that name
/// no category are dropped silently, so are items with only a `name`; when none is left (or
/// the list is empty) the product gets the default category, on creation and on update alike;
/// the answer lists them by name (`[{id,name,slug}]`).
pub(super) fn product_categories(state: &State, given: &Value) -> Value {
    let mut ids: Vec<u64> = given
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("id").and_then(as_rest_integer))
        .filter_map(|id| u64::try_from(id).ok())
        .filter(|id| state.categories.contains_key(id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        ids.push(DEFAULT_CATEGORY_ID);
    }
    shown(state, &ids)
}

/// The `[{id,name,slug}]` of categories by id, by name then id.
fn shown(state: &State, ids: &[u64]) -> Value {
    let mut terms: Vec<&Value> = ids
        .iter()
        .filter_map(|id| state.categories.get(id))
        .collect();
    terms.sort_by(|a, b| {
        text(a, "name")
            .cmp(&text(b, "name"))
            .then(a["id"].as_u64().cmp(&b["id"].as_u64()))
    });
    Value::Array(
        terms
            .into_iter()
            .map(|t| json!({"id": t["id"], "name": t["name"], "slug": t["slug"]}))
            .collect(),
    )
}

/// After a category changed: every product shows its new name and slug.
fn refresh_products(state: &mut State) {
    let updated: Vec<(u64, Value)> = state
        .products
        .iter()
        .filter_map(|(id, p)| {
            let ids: Vec<u64> = p["categories"]
                .as_array()?
                .iter()
                .filter_map(|t| t["id"].as_u64())
                .collect();
            let fresh = shown(state, &ids);
            (fresh != p["categories"]).then_some((*id, fresh))
        })
        .collect();
    for (id, categories) in updated {
        if let Some(product) = state.products.get_mut(&id) {
            product["categories"] = categories;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_lose_accents_and_punctuation() {
        assert_eq!(sanitize_title("Camisetas Básicas"), "camisetas-basicas");
        assert_eq!(sanitize_title("Cama, Mesa & Banho"), "cama-mesa-banho");
        assert_eq!(sanitize_title("Calçados"), "calcados");
        assert_eq!(
            sanitize_title("Panela de Pressão 4,5 L"),
            "panela-de-pressao-45-l"
        );
    }

    #[test]
    fn names_keep_case_and_escape_ampersands() {
        assert_eq!(
            term_name("  Cama,  Mesa & Banho "),
            "Cama, Mesa &amp; Banho"
        );
        assert_eq!(term_name("A &amp; B"), "A &amp; B");
        assert_eq!(term_name("<b>Negrito</b>"), "Negrito");
    }
}

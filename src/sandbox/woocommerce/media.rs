//! Product images as WooCommerce 10.0.2 keeps them: each `src` is downloaded (sideloaded) and
//! becomes an attachment, a post whose id comes from the products' sequence, stored under the
//! store's own `wp-content/uploads/YYYY/MM/`; `{"id": N}` reuses one. What the sandbox answers
//! was seen on a real 10.0.2 store (`shared/realstores/woocommerce`), each fact noted where it
//! is kept.
//!
//! Downloads happen before the store's lock is taken (`prefetch`), so a `src` that points back
//! at the sandbox itself cannot deadlock it; applying a product then only reads what was fetched.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::errors::WooError;
use super::{State, SITE_OFFSET_SECONDS};
use crate::time::{format_naive, now_unix};

/// How long one image download may take in all.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest image the sandbox keeps in memory.
const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
/// `wc_rest_allowed_image_mime_types`: the extensions a sideload may have.
const IMAGE_EXTENSIONS: [&str; 11] = [
    "jpg", "jpeg", "jpe", "gif", "png", "bmp", "tiff", "tif", "ico", "webp", "avif",
];

/// A stored attachment (an uploaded image).
#[derive(Debug, Clone)]
pub(super) struct Attachment {
    pub id: u64,
    /// `2026/12/a.png`, relative to `wp-content/uploads/`.
    pub file: String,
    pub title: String,
    pub alt: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub created: i64,
    pub modified: i64,
}

/// What a download gave: the bytes, or the message after "Error: " in the store's error.
pub(super) type Fetched = HashMap<String, Result<Vec<u8>, String>>;

/// Which route an image came through: the error codes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Product,
    Variation,
}

impl Owner {
    fn upload_error(self, message: String) -> WooError {
        let code = match self {
            Owner::Product => "woocommerce_product_image_upload_error",
            Owner::Variation => "woocommerce_variation_image_upload_error",
        };
        WooError::new(400, code, message)
    }

    fn invalid_id(self, id: u64) -> WooError {
        let code = match self {
            Owner::Product => "woocommerce_product_invalid_image_id",
            Owner::Variation => "woocommerce_variation_invalid_image_id",
        };
        WooError::new(400, code, format!("#{id} is an invalid image ID."))
    }
}

/// One image of a request, checked and ready to be stored once the whole item is valid, so a
/// failed item leaves no attachment behind (a real store deletes the ones it uploaded).
#[derive(Debug, Clone)]
pub(super) enum Planned {
    Existing {
        id: u64,
        alt: Option<String>,
        name: Option<String>,
    },
    New {
        file_name: String,
        mime: &'static str,
        bytes: Vec<u8>,
        alt: Option<String>,
        name: Option<String>,
    },
}

/// Downloads every image `src` of a product, variation or batch body that has no `id`.
pub(super) fn prefetch(body: &Value) -> Fetched {
    let mut urls = Vec::new();
    collect(body, &mut urls);
    for part in ["create", "update"] {
        for item in body
            .get(part)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(item, &mut urls);
        }
    }
    let mut fetched = Fetched::new();
    for url in urls {
        if let std::collections::hash_map::Entry::Vacant(entry) = fetched.entry(url) {
            let result = download(entry.key());
            entry.insert(result);
        }
    }
    fetched
}

fn collect(item: &Value, urls: &mut Vec<String>) {
    let images = item
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(item.get("image").filter(|i| i.is_object()));
    for image in images {
        if image_id(image) == 0 {
            if let Some(src) = image.get("src").and_then(Value::as_str) {
                urls.push(esc_url(src));
            }
        }
    }
}

fn image_id(image: &Value) -> u64 {
    // `absint`: a negative id counts as its absolute value, anything else as 0.
    match image.get("id") {
        Some(Value::Number(n)) => n.as_i64().map_or(0, i64::unsigned_abs),
        Some(Value::String(s)) => s.trim().parse::<i64>().map_or(0, i64::unsigned_abs),
        _ => 0,
    }
}

/// `esc_url_raw` as far as the messages show it: a URL with no scheme gets `http://`, spaces
/// become `%20` (seen on 10.0.2: `"not a url"` is named `http://not%20a%20url`).
fn esc_url(src: &str) -> String {
    let src = src.trim().replace(' ', "%20");
    if src.contains("://") {
        src
    } else {
        format!("http://{src}")
    }
}

/// Fetches one image. The messages are those of WordPress's `download_url` (seen on 10.0.2):
/// the reason phrase of a non-200 answer ("Not Found"), cURL's text for a refused connection,
/// "A valid URL was not provided." for what is not an http(s) URL with a host.
///
/// A real store also refuses hosts other than its own and ports other than its own, 80, 443 and
/// 8080 (`wp_http_validate_url`) with "A valid URL was not provided."; the sandbox fetches any
/// http URL, since its tests serve images from a loopback server of their own.
fn download(url: &str) -> Result<Vec<u8>, String> {
    const INVALID: &str = "A valid URL was not provided.";
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| INVALID.to_string())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('%') {
        return Err(INVALID.to_string());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(DOWNLOAD_TIMEOUT))
        .build()
        .into();
    let mut response = match agent.get(url).call() {
        Ok(response) => response,
        Err(ureq::Error::ConnectionFailed | ureq::Error::Io(_)) => {
            let (host, port) = host_port(authority, lower.starts_with("https://"));
            return Err(format!(
                "cURL error 7: Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"
            ));
        }
        Err(ureq::Error::Timeout(_)) => {
            return Err("cURL error 28: Operation timed out".to_string());
        }
        // A host that does not resolve fails `wp_http_validate_url` (its `gethostbyname`
        // check) before any request: the same "A valid URL was not provided." (seen on 10.0.2,
        // offline, for `http://example.com/a.png`).
        Err(_) => return Err(INVALID.to_string()),
    };
    let status = response.status();
    if status != 200 {
        return Err(status.canonical_reason().unwrap_or("").to_string());
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_IMAGE_BYTES)
        .read_to_vec()
        .map_err(|err| err.to_string())
}

fn host_port(authority: &str, https: bool) -> (String, String) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            (host.to_string(), port.to_string())
        }
        _ => (
            authority.to_string(),
            if https { "443" } else { "80" }.to_string(),
        ),
    }
}

/// The image type the bytes really are, as `getimagesize` sees them, with the extension
/// WordPress gives that type.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else if bytes.starts_with(b"BM") {
        Some(("image/bmp", "bmp"))
    } else {
        None
    }
}

/// The file name a sideload starts from: the URL's last segment without its query
/// (`a.png?v=1` is stored as `a.png`, seen on 10.0.2), reduced to what `sanitize_file_name`
/// keeps.
fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let decoded = super::super::server::percent_decode(last, false);
    let mut name = String::new();
    for c in decoded.chars() {
        if c.is_whitespace() {
            if !name.ends_with('-') {
                name.push('-');
            }
        } else if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
            name.push(c);
        }
    }
    name.trim_matches(['.', '-', '_']).to_string()
}

fn nonempty(image: &Value, key: &str) -> Option<String> {
    image
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Checks one image of a request and says what storing it will do.
///
/// Seen on 10.0.2: an `id` wins over a `src` given with it; an `id` that is not an image
/// attachment (unknown, or a product's) fails with `#N is an invalid image ID.`; a `src` that
/// does not download fails with `Error getting remote image URL. Error: Not Found`; one that is
/// not an image, or has no image extension, with `Invalid image: Sorry, you are not allowed to
/// upload this file type.`; a PNG named `.jpg` is stored as `.png`. All are 400.
pub(super) fn plan(
    state: &State,
    fetched: &Fetched,
    image: &Value,
    owner: Owner,
) -> Result<Option<Planned>, WooError> {
    let alt = nonempty(image, "alt");
    let name = nonempty(image, "name");
    let id = image_id(image);
    if id != 0 {
        if !state.attachments.contains_key(&id) {
            return Err(owner.invalid_id(id));
        }
        return Ok(Some(Planned::Existing { id, alt, name }));
    }
    let Some(src) = image.get("src").and_then(Value::as_str) else {
        return Ok(None);
    };
    let url = esc_url(src);
    let bytes = match fetched.get(&url) {
        Some(Ok(bytes)) => bytes.clone(),
        Some(Err(message)) => {
            return Err(owner.upload_error(format!(
                "Error getting remote image {url}. Error: {message}"
            )))
        }
        None => {
            return Err(owner.upload_error(format!(
                "Error getting remote image {url}. Error: A valid URL was not provided."
            )))
        }
    };
    let not_allowed = || {
        owner.upload_error(
            "Invalid image: Sorry, you are not allowed to upload this file type.".to_string(),
        )
    };
    let file_name = file_name_of(&url);
    let (stem, extension) = match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), ext.to_ascii_lowercase()),
        _ => return Err(not_allowed()),
    };
    if !IMAGE_EXTENSIONS.contains(&extension.as_str()) {
        return Err(not_allowed());
    }
    let (mime, real_extension) = sniff(&bytes).ok_or_else(not_allowed)?;
    let same_type = match real_extension {
        "jpg" => matches!(extension.as_str(), "jpg" | "jpeg" | "jpe"),
        other => other == extension,
    };
    let file_name = if same_type {
        format!("{stem}.{extension}")
    } else {
        format!("{stem}.{real_extension}")
    };
    Ok(Some(Planned::New {
        file_name,
        mime,
        bytes,
        alt,
        name,
    }))
}

/// Stores what `plan` checked and answers the attachment ids, in order. New uploads take ids
/// from the products' sequence (seen on 10.0.2: images 19 and 20, then their product 21).
pub(super) fn store(state: &mut State, home: &str, planned: Vec<Planned>) -> Vec<u64> {
    let now = now_unix();
    planned
        .into_iter()
        .map(|image| match image {
            Planned::Existing { id, alt, name } => {
                // Seen on 10.0.2: `alt` and `name` given with an `id` change that attachment
                // everywhere it is shown; empty ones leave it as it was.
                if let Some(attachment) = state.attachments.get_mut(&id) {
                    if let Some(alt) = alt {
                        attachment.alt = alt;
                    }
                    if let Some(name) = name {
                        attachment.title = name;
                        attachment.modified = now;
                    }
                }
                refresh_products(state, home, id);
                id
            }
            Planned::New {
                file_name,
                mime,
                bytes,
                alt,
                name,
            } => {
                let id = state.take_id();
                let file = unique_file(state, now, &file_name);
                // The title is the stored file's name (`b.png`, `a-1.png`) unless `name` is
                // given; `alt` is empty unless given (seen on 10.0.2).
                let title = name.unwrap_or_else(|| file.rsplit('/').next().unwrap_or("").into());
                state.attachments.insert(
                    id,
                    Attachment {
                        id,
                        file,
                        title,
                        alt: alt.unwrap_or_default(),
                        mime,
                        bytes,
                        created: now,
                        modified: now,
                    },
                );
                id
            }
        })
        .collect()
}

/// `uploads/YYYY/MM/` of the site's local time, and `wp_unique_filename`: `a.png`, then
/// `a-1.png`, `a-2.png` (seen on 10.0.2).
fn unique_file(state: &State, now: i64, file_name: &str) -> String {
    let month = format_naive(now + SITE_OFFSET_SECONDS)[..7].replace('-', "/");
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, ""));
    let taken = |candidate: &str| state.attachments.values().any(|a| a.file == candidate);
    let mut candidate = format!("{month}/{file_name}");
    let mut n = 1;
    while taken(&candidate) {
        candidate = format!("{month}/{stem}-{n}.{extension}");
        n += 1;
    }
    candidate
}

/// An image as a product shows it. Seen on 10.0.2: `src` is the store's own uploads URL, and
/// `date_created`/`date_modified` are the local time shifted by the site's offset once more
/// (the attachment's local `post_date` read as GMT): 01:55:40 beside a GMT of 07:55:40 in São
/// Paulo, where the product itself says 04:55:28.
pub(super) fn image_view(home: &str, attachment: &Attachment) -> Value {
    let shifted = |unix: i64| format_naive(unix + 2 * SITE_OFFSET_SECONDS);
    json!({
        "id": attachment.id,
        "date_created": shifted(attachment.created),
        "date_created_gmt": format_naive(attachment.created),
        "date_modified": shifted(attachment.modified),
        "date_modified_gmt": format_naive(attachment.modified),
        "src": format!("{home}/wp-content/uploads/{}", attachment.file),
        "name": attachment.title,
        "alt": attachment.alt,
    })
}

/// The images of a product, the first being the featured one.
pub(super) fn images_view(state: &State, home: &str, ids: &[u64]) -> Value {
    Value::Array(
        ids.iter()
            .filter_map(|id| state.attachments.get(id))
            .map(|a| image_view(home, a))
            .collect(),
    )
}

/// After an attachment changed, every product and variation showing it shows the change.
fn refresh_products(state: &mut State, home: &str, id: u64) {
    let Some(attachment) = state.attachments.get(&id) else {
        return;
    };
    let view = image_view(home, attachment);
    for product in state.products.values_mut() {
        if let Some(images) = product.get_mut("images").and_then(Value::as_array_mut) {
            for image in images.iter_mut().filter(|i| i["id"] == id) {
                *image = view.clone();
            }
        }
        if product.get("image").is_some_and(|i| i["id"] == id) {
            product["image"] = view.clone();
        }
    }
}

/// A file under `/wp-content/uploads/`, as the real store's web server serves it.
pub(super) fn serve(state: &State, path: &str) -> Option<(&'static str, Vec<u8>)> {
    let file = path.strip_prefix("/wp-content/uploads/")?;
    state
        .attachments
        .values()
        .find(|a| a.file == file)
        .map(|a| (a.mime, a.bytes.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_the_query_and_odd_characters() {
        assert_eq!(file_name_of("http://h/x/a.png?v=1"), "a.png");
        assert_eq!(
            file_name_of("http://h/x/foto%20grande.JPG"),
            "foto-grande.JPG"
        );
        assert_eq!(file_name_of("http://h/x/noext"), "noext");
    }

    #[test]
    fn urls_are_escaped_as_the_messages_show() {
        assert_eq!(esc_url("not a url"), "http://not%20a%20url");
        assert_eq!(esc_url("http://h/a.png"), "http://h/a.png");
    }

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(("image/png", "png")));
        assert_eq!(sniff(b"hello"), None);
    }
}

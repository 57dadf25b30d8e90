//! OAuth 1.0a "one-legged" signatures, as WooCommerce requires over plain HTTP: no token, the
//! signing key is `consumer_secret&`, HMAC-SHA1 or HMAC-SHA256, and the body is not signed.
//! The sandbox verifies with the same base string, so both sides are checked against the official
//! client libraries in the tests.

use base64::Engine;
use hmac::{Hmac, Mac};

/// The signature methods WooCommerce accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    HmacSha1,
    HmacSha256,
}

impl SignatureMethod {
    pub fn name(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
        }
    }

    pub fn from_name(name: &str) -> Option<SignatureMethod> {
        match name {
            "HMAC-SHA1" => Some(SignatureMethod::HmacSha1),
            "HMAC-SHA256" => Some(SignatureMethod::HmacSha256),
            _ => None,
        }
    }
}

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` (PHP's `rawurlencode`).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The signature base string: `METHOD&enc(url)&enc(k1=v1&k2=v2...)` with the parameters
/// (decoded, without `oauth_signature`) sorted by key and then value.
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    let joined: Vec<String> = encoded
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(url),
        percent_encode(&joined.join("&"))
    )
}

/// The base64 HMAC of `base` with the key `consumer_secret&token_secret`.
pub fn sign(
    method: SignatureMethod,
    base: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    );
    let digest = match method {
        SignatureMethod::HmacSha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes())
                .expect("HMAC takes any key length");
            mac.update(base.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
                .expect("HMAC takes any key length");
            mac.update(base.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Compares two signatures in constant time, as PHP's `hash_equals` does.
pub fn signatures_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `Authorization: OAuth ...` header for one request. `query` holds the request's own query
/// parameters, which are signed with the OAuth ones.
pub fn authorization_header(
    method: &str,
    url: &str,
    query: &[(String, String)],
    consumer_key: &str,
    consumer_secret: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    let signature_method = SignatureMethod::HmacSha256;
    let oauth = [
        ("oauth_consumer_key", consumer_key.to_string()),
        ("oauth_nonce", nonce.to_string()),
        (
            "oauth_signature_method",
            signature_method.name().to_string(),
        ),
        ("oauth_timestamp", timestamp.to_string()),
    ];
    let mut params: Vec<(String, String)> = query.to_vec();
    params.extend(oauth.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let signature = sign(
        signature_method,
        &base_string(method, url, &params),
        consumer_secret,
        "",
    );
    let mut fields: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", percent_encode(v)))
        .collect();
    fields.push(format!(
        "oauth_signature=\"{}\"",
        percent_encode(&signature)
    ));
    format!("OAuth {}", fields.join(", "))
}

/// A fresh nonce: 16 random bytes in hex.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: time and a counter still never repeat within this process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        return format!("{t:x}{n:x}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The worked example of the OAuth 1.0 specification (section A.5), which has a token.
    #[test]
    fn the_specification_example_signs_to_its_published_signature() {
        let params = pairs(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
        ]);
        let base = base_string("GET", "http://photos.example.net/photos", &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        );
        assert_eq!(
            sign(
                SignatureMethod::HmacSha1,
                &base,
                "kd94hf93k423kf44",
                "pfkkdhi9sl3r4s00"
            ),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    #[test]
    fn encoding_leaves_only_unreserved_characters() {
        assert_eq!(percent_encode("a b+c/ã~"), "a%20b%2Bc%2F%C3%A3~");
    }

    #[test]
    fn the_header_carries_every_oauth_parameter_and_no_secret() {
        let header = authorization_header(
            "GET",
            "http://127.0.0.1:8080/wp-json/wc/v3/products",
            &pairs(&[("sku", "A,B")]),
            "ck_key",
            "cs_SECRET",
            1_700_000_000,
            "abc",
        );
        assert!(header.starts_with("OAuth oauth_consumer_key=\"ck_key\", oauth_nonce=\"abc\""));
        assert!(header.contains("oauth_signature_method=\"HMAC-SHA256\""));
        assert!(header.contains("oauth_signature=\""));
        assert!(!header.contains("SECRET"));
    }

    #[test]
    fn signatures_compare_exactly() {
        assert!(signatures_match("abc=", "abc="));
        assert!(!signatures_match("abc=", "abd="));
        assert!(!signatures_match("abc", "abc="));
    }
}

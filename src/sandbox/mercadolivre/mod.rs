//! A Mercado Livre seller in memory, begun (issue 17): the OAuth token endpoint with single-use
//! refresh tokens (only the newest is valid; an older one answers `invalid_grant`), access
//! tokens that expire after `expires_in`, the `Authorization: Bearer` header (a token in the
//! query string is refused, as the current docs require), `GET /users/me`, and the error body
//! `{message, error, status, cause}` (`shared/platforms/MERCADOLIVRE.md` §§1–3). Listings, orders
//! and notifications come with the adapter's.
//!
//! The store also keeps, in order, which token each request used and each refresh it answered,
//! so a test can tell that a new pair reached the host before it was first used.

use std::sync::Mutex;

use serde_json::json;

use super::server::{control_done, control_refused, Handled, Handler, HttpRequest, HttpResponse};
use crate::time::now_unix;

/// How a Mercado Livre sandbox starts.
#[derive(Debug, Clone)]
pub struct MlOptions {
    pub port: u16,
    pub seller_id: u64,
    pub site_id: String,
    /// Seconds an access token lives: 21600 (6 hours) as the docs say; their own example
    /// answers 10800.
    pub expires_in: i64,
}

impl Default for MlOptions {
    fn default() -> MlOptions {
        MlOptions {
            port: 0,
            // Beyond 2^53, as new sellers' ids are.
            seller_id: 9_007_199_254_740_993,
            site_id: "MLB".into(),
            expires_in: 21_600,
        }
    }
}

/// The token pair the seller's app holds now, as the store issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
}

struct State {
    issued: IssuedPair,
    /// Refresh tokens spent or replaced: answered `invalid_grant`.
    spent: Vec<String>,
    /// What happened, in order: `refresh` or `GET /users/me with <token>`.
    log: Vec<String>,
    counter: u64,
}

/// The seller's side of Mercado Livre.
pub struct MlStore {
    options: MlOptions,
    client_id: String,
    client_secret: String,
    state: Mutex<State>,
}

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"message": message, "error": code, "status": status, "cause": []}),
    )
}

impl MlStore {
    pub fn new(options: MlOptions) -> MlStore {
        let now = now_unix();
        let seed = crate::platform::oauth::nonce();
        MlStore {
            client_id: "1234567890123456".into(),
            client_secret: format!("secret-{seed}"),
            state: Mutex::new(State {
                issued: IssuedPair {
                    access_token: format!("APP_USR-first-{seed}"),
                    refresh_token: format!("TG-first-{seed}"),
                    expires_at: now + options.expires_in,
                },
                spent: Vec::new(),
                log: Vec::new(),
                counter: 0,
            }),
            options,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn seller_id(&self) -> u64 {
        self.options.seller_id
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    pub fn issued(&self) -> IssuedPair {
        self.lock().issued.clone()
    }

    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// The access token expires now, as after `expires_in`.
    pub fn expire_access_token(&self) {
        self.lock().issued.expires_at = now_unix() - 1;
    }

    /// The seller revokes the grant (or changes the password): every token is dead.
    pub fn revoke(&self) {
        let mut state = self.lock();
        let dead = state.issued.refresh_token.clone();
        state.spent.push(dead);
        state.issued.refresh_token = String::new();
        state.issued.expires_at = 0;
    }

    /// `POST /oauth/token`, form-encoded: the refresh grant rotates the pair.
    fn token(&self, request: &HttpRequest) -> HttpResponse {
        let form_type = request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return error(
                400,
                "invalid_request",
                "the body must be application/x-www-form-urlencoded",
            );
        }
        let text = String::from_utf8_lossy(&request.body).to_string();
        let field = |name: &str| {
            text.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (percent_decode(k) == name).then(|| percent_decode(v))
            })
        };
        if field("client_id").as_deref() != Some(&self.client_id)
            || field("client_secret").as_deref() != Some(&self.client_secret)
        {
            return error(401, "invalid_client", "invalid client_id or client_secret");
        }
        if field("grant_type").as_deref() != Some("refresh_token") {
            return error(
                400,
                "unsupported_grant_type",
                "only refresh_token is supported here",
            );
        }
        let mut state = self.lock();
        let given = field("refresh_token").unwrap_or_default();
        state.log.push("refresh".into());
        if given.is_empty() || given != state.issued.refresh_token {
            return error(400, "invalid_grant", "Error validating grant. Your authorization code or refresh token may be expired or it was already used");
        }
        state.counter += 1;
        let n = state.counter;
        let old = std::mem::take(&mut state.issued.refresh_token);
        state.spent.push(old);
        state.issued = IssuedPair {
            access_token: format!("APP_USR-{n}-{}", crate::platform::oauth::nonce()),
            refresh_token: format!("TG-{n}-{}", crate::platform::oauth::nonce()),
            expires_at: now_unix() + self.options.expires_in,
        };
        HttpResponse::json(
            200,
            &json!({
                "access_token": state.issued.access_token,
                "token_type": "bearer",
                "expires_in": self.options.expires_in,
                "scope": "offline_access read write",
                "user_id": self.options.seller_id,
                "refresh_token": state.issued.refresh_token,
            }),
        )
    }

    /// The bearer token of a request, when it is the live one.
    fn authorised(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        if request.query.iter().any(|(k, _)| k == "access_token") {
            return Err(error(
                401,
                "invalid_token",
                "the access token must go in the Authorization header",
            ));
        }
        let token = request
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .unwrap_or_default()
            .to_string();
        let mut state = self.lock();
        state
            .log
            .push(format!("{} {} with {token}", request.method, request.path));
        if token.is_empty() || token != state.issued.access_token {
            return Err(error(401, "invalid_token", "invalid access token"));
        }
        if state.issued.expires_at <= now_unix() {
            return Err(error(401, "invalid_token", "expired_token"));
        }
        Ok(())
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Handler for MlStore {
    fn handle(&self, request: &HttpRequest) -> Handled {
        let response = match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/oauth/token") => self.token(request),
            ("GET", "/users/me") => match self.authorised(request) {
                Ok(()) => HttpResponse::json(
                    200,
                    &json!({"id": self.options.seller_id, "nickname": "LOJA_DO_ERP",
                            "site_id": self.options.site_id, "country_id": "BR",
                            "user_type": "normal", "tags": ["normal"]}),
                ),
                Err(refused) => refused,
            },
            _ => error(404, "not_found", "resource not found"),
        };
        Handled {
            response,
            items_written: 0,
        }
    }

    /// `expire` (POST: the access token expires now), `revoke` (POST: every token dies).
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let path = request.path.trim_start_matches("/__sandbox/");
        Some(match (path, request.method.as_str()) {
            ("expire", "POST") => {
                self.expire_access_token();
                control_done()
            }
            ("revoke", "POST") => {
                self.revoke();
                control_done()
            }
            _ => control_refused(format!("no control route {} {path}", request.method)),
        })
    }

    fn too_many_requests(&self) -> HttpResponse {
        error(429, "local_rate_limited", "Too many requests")
    }

    fn unreadable(&self, status: u16) -> HttpResponse {
        error(status, "bad_request", "the request could not be read")
    }
}

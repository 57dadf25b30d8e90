//! HTTP to a store, on ureq 3 configured the way an ERP integration needs: explicit timeouts,
//! no redirects (a redirect would carry credentials to another host), status codes read rather
//! than raised (so `Retry-After` on a 429 can be honoured), a response size limit, a request rate
//! limit, and retries with exponential backoff and jitter only where a retry cannot duplicate an
//! effect.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::model::config::{parse_proxy, HttpSettings, Secret, TlsRoots};
use crate::platform::oauth;

/// How requests prove who they are.
#[derive(Clone)]
pub enum Auth {
    None,
    /// HTTP Basic: WooCommerce over HTTPS.
    Basic {
        user: Secret,
        password: Secret,
    },
    /// OAuth 1.0a one-legged: WooCommerce over plain HTTP.
    OAuth1 {
        consumer_key: Secret,
        consumer_secret: Secret,
    },
    /// A token in a named header: Nuvemshop's `Authentication: bearer ...`.
    Header {
        name: &'static str,
        value: Secret,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Basic { .. } => "Auth::Basic([redacted])",
            Auth::OAuth1 { .. } => "Auth::OAuth1([redacted])",
            Auth::Header { .. } => "Auth::Header([redacted])",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// One request, relative to the store's base URL.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Such as `/wp-json/wc/v3/products`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// The body's media type: JSON, or a form (an OAuth token endpoint).
    pub content_type: &'static str,
    /// True when sending it twice has the effect of sending it once (reads, absolute updates):
    /// only then is a request retried after it may have reached the store.
    pub idempotent: bool,
}

impl Request {
    pub fn get(path: impl Into<String>, query: Vec<(String, String)>) -> Request {
        Request {
            method: Method::Get,
            path: path.into(),
            query,
            body: None,
            content_type: JSON,
            idempotent: true,
        }
    }

    pub fn json(
        method: Method,
        path: impl Into<String>,
        body: &serde_json::Value,
        idempotent: bool,
    ) -> Request {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(body.to_string().into_bytes()),
            content_type: JSON,
            idempotent,
        }
    }

    /// A form-encoded POST (`application/x-www-form-urlencoded`), as OAuth token endpoints take.
    /// Never retried once it may have arrived: a token grant is spent by its first use.
    pub fn form(path: impl Into<String>, fields: &[(&str, &str)]) -> Request {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", oauth::percent_encode(k), oauth::percent_encode(v)))
            .collect();
        Request {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body.join("&").into_bytes()),
            content_type: FORM,
            idempotent: false,
        }
    }

    /// `METHOD /path`, for messages; never the query, which some stores put keys in.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request failed, and whether it may have reached the store before failing.
#[derive(Debug)]
pub struct SendError {
    pub error: Error,
    /// True when the store may have applied the request (a timeout after sending, a reset while
    /// reading): a create must then be reconciled, never sent again blindly.
    pub maybe_applied: bool,
}

impl From<SendError> for Error {
    fn from(err: SendError) -> Self {
        err.error
    }
}

/// Waits; tests substitute one that records the waits and returns at once.
/// The time the client spaces its requests by, and how it waits. Tests give a clock that skips
/// the waits and moves its own time on by them, so that what a test asserts never depends on
/// the machine's speed; the sandbox's rate limit can read the same clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration);
}

/// The machine's clock: real time, real waits.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Paces requests by what the store's answers announce (a leaky bucket's headers): asked how
/// long to wait before each request, and shown each answer.
pub trait Pacer: Send + Sync {
    /// How long to wait before sending the next request; counts it as sent.
    fn before_request(&self, now: Instant) -> Duration;
    /// What an answer said about the store's limit.
    fn observe(&self, response: &Response, now: Instant);
}

/// What the client did, for run reports and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
}

/// A client for one store.
pub struct HttpClient {
    agent: ureq::Agent,
    base_url: String,
    auth: Auth,
    settings: HttpSettings,
    clock: Arc<dyn Clock>,
    next_slot: Mutex<Instant>,
    stats: Mutex<HttpStats>,
    /// Sent as `User-Agent` instead of `Ponte/VERSION` alone (Nuvemshop wants a contact).
    user_agent: Option<String>,
    pacer: Option<Arc<dyn Pacer>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .finish()
    }
}

impl HttpClient {
    /// A client for `base_url` (no trailing slash needed). Plain `http://` only with `allow_http`.
    /// `proxy_login` is the user and password of `settings.proxy`, if it asks for one.
    pub fn new(
        base_url: &str,
        allow_http: bool,
        auth: Auth,
        settings: HttpSettings,
        proxy_login: Option<(&Secret, Option<&Secret>)>,
        clock: Arc<dyn Clock>,
    ) -> Result<HttpClient, Error> {
        if base_url.starts_with("http://") && !allow_http {
            return Err(Error::Tls(format!(
                "{base_url} is plain HTTP; use https:// or set allow_http in the integration config"
            )));
        }
        let millis = Duration::from_millis;
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = &settings.trusted_ca_pem {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&trusted_roots(pem)?));
        } else if settings.tls_roots == TlsRoots::System {
            tls = tls.root_certs(ureq::tls::RootCerts::PlatformVerifier);
        }
        let config = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .proxy(proxy(settings.proxy.as_deref(), proxy_login)?)
            .https_only(!allow_http)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(millis(settings.connect_timeout_ms)))
            .timeout_recv_response(Some(millis(settings.read_timeout_ms)))
            .timeout_recv_body(Some(millis(settings.read_timeout_ms)))
            .timeout_global(Some(millis(settings.overall_timeout_ms)))
            .user_agent(format!("Ponte/{}", crate::VERSION))
            .build();
        Ok(HttpClient {
            agent: config.into(),
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            settings,
            next_slot: Mutex::new(clock.now()),
            clock,
            stats: Mutex::new(HttpStats::default()),
            user_agent: None,
            pacer: None,
        })
    }

    /// Sends `caller` first in the `User-Agent`, before Ponte's own name and version.
    pub fn with_user_agent(mut self, caller: &str) -> HttpClient {
        self.user_agent = Some(format!("{caller} Ponte/{}", crate::VERSION));
        self
    }

    /// Paces requests by the store's own announcements as well as `max_requests_per_second`.
    pub fn with_pacer(mut self, pacer: Arc<dyn Pacer>) -> HttpClient {
        self.pacer = Some(pacer);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn stats(&self) -> HttpStats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request, retrying where that is safe: 429 and 503 (the store did not process the
    /// request), and for idempotent requests also other 5xx, timeouts and broken connections.
    /// A final 4xx or 5xx is returned as a response for the caller to read its envelope.
    pub fn send(&self, request: &Request) -> Result<Response, SendError> {
        self.send_with(request, &[])
    }

    /// `send`, with headers of the caller's own on every try (a bearer token that rotates).
    pub fn send_with(
        &self,
        request: &Request,
        headers: &[(&str, &str)],
    ) -> Result<Response, SendError> {
        let mut attempt = 0;
        loop {
            self.wait_for_rate_limit();
            self.count(|s| s.requests += 1);
            let outcome = self.send_once(request, headers);
            let retry_wait = match &outcome {
                Ok(response) if matches!(response.status, 429 | 503) => {
                    self.count(|s| s.throttled += 1);
                    let asked = response.header("retry-after").and_then(parse_retry_after);
                    if let Some(wait) = asked {
                        if wait > Duration::from_millis(self.settings.max_retry_wait_ms) {
                            return Err(SendError {
                                error: Error::Throttled(format!(
                                    "{}: the store asks to wait {} s, more than the {} s allowed; try again later",
                                    request.describe(),
                                    wait.as_secs(),
                                    self.settings.max_retry_wait_ms / 1000
                                )),
                                maybe_applied: false,
                            });
                        }
                    }
                    // A store that announces its bucket is waited for by the pacer, which has
                    // just read this answer's headers.
                    let paced = self.pacer.as_ref().map(|_| Duration::ZERO);
                    Some(asked.or(paced).unwrap_or_else(|| backoff(attempt)))
                }
                Ok(response) if response.status >= 500 && request.idempotent => {
                    Some(backoff(attempt))
                }
                Ok(_) => None,
                // Only a passing failure is worth a retry: a too-large body or a TLS error would
                // come back the same.
                Err(err) if !matches!(err.error, Error::Network(_) | Error::Timeout(_)) => None,
                Err(err) if request.idempotent || !err.maybe_applied => Some(backoff(attempt)),
                Err(_) => None,
            };
            match retry_wait {
                Some(wait) if attempt < self.settings.max_retries => {
                    attempt += 1;
                    self.count(|s| s.retries += 1);
                    log::debug!(target: "ponte::http", "{} retry {attempt} in {} ms", request.describe(), wait.as_millis());
                    self.clock.sleep(wait);
                }
                _ => {
                    return match outcome {
                        Ok(response) if response.status == 429 => Err(SendError {
                            error: Error::Throttled(format!(
                                "{}: the store kept answering 429 after {attempt} retries",
                                request.describe()
                            )),
                            maybe_applied: false,
                        }),
                        other => other,
                    }
                }
            }
        }
    }

    fn send_once(
        &self,
        request: &Request,
        headers: &[(&str, &str)],
    ) -> Result<Response, SendError> {
        let url = format!("{}{}", self.base_url, request.path);
        let full_url = if request.query.is_empty() {
            url.clone()
        } else {
            let query: Vec<String> = request
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", oauth::percent_encode(k), oauth::percent_encode(v)))
                .collect();
            format!("{url}?{}", query.join("&"))
        };
        let authorization = match &self.auth {
            Auth::None => None,
            Auth::Basic { user, password } => {
                use base64::Engine;
                let pair = format!("{}:{}", user.expose(), password.expose());
                Some((
                    "Authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair)
                    ),
                ))
            }
            Auth::OAuth1 {
                consumer_key,
                consumer_secret,
            } => Some((
                "Authorization",
                oauth::authorization_header(
                    request.method.as_str(),
                    &url,
                    &request.query,
                    consumer_key.expose(),
                    consumer_secret.expose(),
                    crate::time::now_unix(),
                    &oauth::nonce(),
                ),
            )),
            Auth::Header { name, value } => Some((*name, value.expose().to_string())),
        };

        let result = match request.method {
            Method::Get | Method::Delete | Method::Options => {
                let builder = match request.method {
                    Method::Delete => self.agent.delete(&full_url),
                    Method::Options => self.agent.options(&full_url),
                    _ => self.agent.get(&full_url),
                };
                let mut builder = builder.header("Accept", "application/json");
                if let Some(agent) = &self.user_agent {
                    builder = builder.header("User-Agent", agent);
                }
                for (name, value) in headers {
                    builder = builder.header(*name, *value);
                }
                if let Some((name, value)) = &authorization {
                    builder = builder.header(*name, value);
                }
                builder.call()
            }
            Method::Post | Method::Put | Method::Patch => {
                let mut builder = match request.method {
                    Method::Post => self.agent.post(&full_url),
                    Method::Patch => self.agent.patch(&full_url),
                    _ => self.agent.put(&full_url),
                };
                if let Some(agent) = &self.user_agent {
                    builder = builder.header("User-Agent", agent);
                }
                for (name, value) in headers {
                    builder = builder.header(*name, *value);
                }
                builder = builder
                    .header("Accept", "application/json")
                    .header("Content-Type", request.content_type);
                if let Some((name, value)) = &authorization {
                    builder = builder.header(*name, value);
                }
                builder.send(request.body.as_deref().unwrap_or_default())
            }
        };
        let mut response = result.map_err(|err| self.transport_error(request, err))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            // Following it would send the credentials to wherever the store points; a write
            // answered with a redirect may have been applied first.
            return Err(SendError {
                error: Error::RedirectRefused(format!(
                    "{}: the store answered {status} with a redirect, which Ponte never follows; check base_url",
                    request.describe()
                )),
                maybe_applied: !request.idempotent,
            });
        }
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.settings.max_response_bytes)
            .read_to_vec()
            .map_err(|err| self.transport_error(request, err))?;
        let response = Response {
            status,
            headers,
            body,
        };
        if let Some(pacer) = &self.pacer {
            pacer.observe(&response, self.clock.now());
        }
        Ok(response)
    }

    fn transport_error(&self, request: &Request, err: ureq::Error) -> SendError {
        use ureq::Error as E;
        use ureq::Timeout as T;
        let what = request.describe();
        let (error, maybe_applied) = match err {
            E::Timeout(phase @ (T::Connect | T::Resolve)) => {
                (Error::Timeout(format!("{what}: timed out connecting to the store ({phase:?})")), false)
            }
            E::Timeout(phase) => (
                Error::Timeout(format!("{what}: the store did not answer in time ({phase:?})")),
                true,
            ),
            E::HostNotFound => (Error::Network(format!("{what}: the store's host name is not found")), false),
            E::ConnectionFailed => (Error::Network(format!("{what}: cannot connect to the store")), false),
            E::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                (Error::Network(format!("{what}: the store refused the connection")), false)
            }
            // rustls reports a certificate it does not trust through the I/O error.
            E::Io(io) if io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) => {
                (Error::Tls(format!("{what}: TLS failed: {io}")), false)
            }
            E::Io(io) => (Error::Network(format!("{what}: connection failed: {io}")), true),
            E::TooManyRedirects | E::RedirectFailed => (
                Error::RedirectRefused(format!(
                    "{what}: the store answered with a redirect, which Ponte never follows; check base_url"
                )),
                false,
            ),
            E::BodyExceedsLimit(limit) => (
                Error::ResponseTooLarge(format!("{what}: the response is larger than {limit} bytes")),
                true,
            ),
            E::RequireHttpsOnly(_) => (
                Error::Tls(format!("{what}: plain HTTP is refused; use https:// or set allow_http")),
                false,
            ),
            E::Tls(message) => (Error::Tls(format!("{what}: TLS failed: {message}")), false),
            E::Rustls(tls) => (Error::Tls(format!("{what}: TLS failed: {tls}")), false),
            other => (Error::Network(format!("{what}: {other}")), true),
        };
        SendError {
            error,
            maybe_applied,
        }
    }

    /// Spaces requests at least `1 / max_requests_per_second` apart.
    fn wait_for_rate_limit(&self) {
        if let Some(pacer) = &self.pacer {
            let wait = pacer.before_request(self.clock.now());
            if !wait.is_zero() {
                log::debug!(target: "ponte::http", "waiting {} ms for the store's rate limit", wait.as_millis());
                self.clock.sleep(wait);
            }
        }
        if self.settings.max_requests_per_second == 0 {
            return;
        }
        let interval = Duration::from_secs(1) / self.settings.max_requests_per_second;
        let wait = {
            let mut next = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = self.clock.now();
            let start = (*next).max(now);
            *next = start + interval;
            start - now
        };
        if !wait.is_zero() {
            self.clock.sleep(wait);
        }
    }

    fn count(&self, update: impl FnOnce(&mut HttpStats)) {
        update(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// The proxy of `http.proxy`. ureq would read the environment's by default; here it is read only
/// when the config says `"env"`, so a variable set for another program cannot reroute a store.
fn proxy(
    setting: Option<&str>,
    login: Option<(&Secret, Option<&Secret>)>,
) -> Result<Option<ureq::Proxy>, Error> {
    let Some(setting) = setting else {
        return Ok(None);
    };
    if setting == "env" {
        return Ok(ureq::Proxy::try_from_env());
    }
    let address =
        parse_proxy(setting).map_err(|message| Error::invalid_data("http.proxy", message))?;
    let protocol = if address.tls {
        ureq::ProxyProtocol::Https
    } else {
        ureq::ProxyProtocol::Http
    };
    let mut builder = ureq::Proxy::builder(protocol)
        .host(&address.host)
        .port(address.port);
    if let Some((user, password)) = login {
        builder = builder.username(user.expose());
        if let Some(password) = password {
            builder = builder.password(password.expose());
        }
    }
    // ureq's own error would not quote the login, but say only which setting is wrong anyway.
    builder
        .build()
        .map(Some)
        .map_err(|_| Error::invalid_data("http.proxy", "is not a proxy address ureq can use"))
}

/// The certificates of `http.trusted_ca_pem`; an error names the setting when none is there.
pub fn trusted_roots(pem: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut roots = Vec::new();
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(certificate)) => roots.push(certificate),
            Ok(_) => {}
            Err(err) => {
                return Err(Error::invalid_data(
                    "http.trusted_ca_pem",
                    format!("is not PEM: {err}"),
                ))
            }
        }
    }
    if roots.is_empty() {
        return Err(Error::invalid_data(
            "http.trusted_ca_pem",
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(roots)
}

/// Exponential backoff from 250 ms, capped at 30 s, with jitter so that many clients do not retry
/// in step: a random wait between half and all of the step.
fn backoff(attempt: u32) -> Duration {
    let step = 250u64.saturating_mul(1 << attempt.min(7)).min(30_000);
    let mut random = [0u8; 2];
    let fraction = if getrandom::fill(&mut random).is_ok() {
        f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX)
    } else {
        0.5
    };
    Duration::from_millis(step / 2 + (step as f64 / 2.0 * fraction) as u64)
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let wait = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 0..20 {
            let wait = backoff(attempt);
            let step = 250u64.saturating_mul(1 << attempt.min(7)).min(30_000);
            assert!(
                wait >= Duration::from_millis(step / 2) && wait <= Duration::from_millis(step),
                "{attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn plain_http_needs_permission() {
        let err = HttpClient::new(
            "http://loja.example",
            false,
            Auth::None,
            HttpSettings::default(),
            None,
            Arc::new(SystemClock),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Tls(_)), "{err:?}");
    }

    #[test]
    fn credentials_do_not_show_in_debug_output() {
        let auth = Auth::OAuth1 {
            consumer_key: Secret::new("ck_CANARY"),
            consumer_secret: Secret::new("cs_CANARY"),
        };
        let client = HttpClient::new(
            "http://127.0.0.1:1",
            true,
            auth,
            HttpSettings::default(),
            None,
            Arc::new(SystemClock),
        )
        .unwrap();
        assert!(!format!("{client:?}").contains("CANARY"));
    }
}

//! A small HTTP/1.1 server on 127.0.0.1 for the sandbox stores: one thread per connection,
//! keep-alive, `Content-Length` and chunked bodies, and, around the store's handler, the knobs
//! tests and benchmarks need: injected faults, latency, and request counters.
//!
//! # The seam between the server and a platform
//!
//! The server knows no platform. A platform's sandbox is its store, a type implementing
//! [`Handler`], served by [`Server::start`]; WooCommerce's is `woocommerce::WooStore`, and a
//! second platform plugs in the same way, in a module of its own, without a server of its own.
//!
//! What the server does for every platform, before and after the store's `handle`: reading
//! requests (a head or body it cannot read is answered with the store's `unreadable`), counting
//! them by route, the rate limit (its 429 is the store's `too_many_requests`, with
//! `Retry-After`), injected faults, simulated latency and workers, and the control routes every
//! sandbox shares: `/__sandbox/faults` (POST a `FaultRule`, DELETE all), `/__sandbox/latency`
//! (PUT a `Latency`) and `/__sandbox/counters` (GET, DELETE). Any other `/__sandbox/` request
//! goes to the store's `control`, for what only that platform stages (orders placed by a
//! shopper, keys, statuses...). In Rust, the same knobs are `Server::controls`.
//!
//! What the store does: authentication, routing, the platform's resources and its error
//! shapes, all inside `handle`; and, if the platform tells clients the rate limit's state on
//! every answer (Nuvemshop's `X-Rate-Limit-*`), the headers that say it (`rate_limit_headers`,
//! which the server calls with the bucket's state while a limit is set).

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::platform::http::Clock;

/// Largest request head and body the server reads; a bigger body gets 413.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// How long a faulted "slow" or "hang" response may stall at most, so no test can hang forever.
const MAX_STALL: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    /// Decoded query parameters in order, `+` read as a space (as PHP's `$_GET` does).
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The last value of a query parameter, as PHP keeps it.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn json(status: u16, value: &serde_json::Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=UTF-8".into(),
            )],
            body: value.to_string().into_bytes(),
        }
    }
}

/// A store's answer to one request, and how many items it wrote (for the per-item latency).
pub struct Handled {
    pub response: HttpResponse,
    pub items_written: u32,
}

/// A platform's store, as the server sees it: what a platform implements to be served (see the
/// module's documentation).
pub trait Handler: Send + Sync + 'static {
    /// Answers one API request (any path outside `/__sandbox/`), once the server has counted it
    /// and let it through the rate limit, the faults and the workers; says how many items it
    /// wrote, for `Latency::per_item_written_ms`.
    fn handle(&self, request: &HttpRequest) -> Handled;

    /// Answers a control request under `/__sandbox/` that is not one of the server's own
    /// (`faults`, `latency`, `counters`): the platform's staging. `None` when the platform has
    /// no such route. Control requests are never faulted, delayed or counted.
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse>;

    /// The platform's answer to a throttled request (the rate limit, or a `TooManyRequests`
    /// fault), in its own error shape; the server adds `Retry-After`.
    fn too_many_requests(&self) -> HttpResponse;

    /// The platform's answer to a request the server cannot read (`status` 400, 408, 413 or
    /// 431), in its own error shape; the connection is closed after it.
    fn unreadable(&self, status: u16) -> HttpResponse;

    /// Headers telling the client the rate limit's state, added to every API answer (429s and
    /// faults included) while a rate limit is set: the bucket's size, the requests left before
    /// it is full, and the milliseconds until it is empty. None by default (WooCommerce sends
    /// none); Nuvemshop sends its `X-Rate-Limit-*`.
    fn rate_limit_headers(
        &self,
        limit: u32,
        remaining: u32,
        reset_ms: u64,
    ) -> Vec<(String, String)> {
        let _ = (limit, remaining, reset_ms);
        Vec::new()
    }
}

/// A control request refused: 400 with `{"error": message}`.
pub fn control_refused(message: String) -> HttpResponse {
    HttpResponse::json(400, &serde_json::json!({"error": message}))
}

/// A control request done: 200 with `{"ok": true}`.
pub fn control_done() -> HttpResponse {
    HttpResponse::json(200, &serde_json::json!({"ok": true}))
}

/// A fault to inject into the next matching requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and body instead of handling the request.
    Status { status: u16, body: String },
    /// Answer with these exact bytes (not always UTF-8) and headers, such as a listing that
    /// claims a million pages.
    Bytes {
        status: u16,
        #[serde(default)]
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Answer 429 with `Retry-After: seconds`.
    TooManyRequests { retry_after_seconds: u64 },
    /// Close the connection without an answer, before handling the request.
    Drop,
    /// Handle the request, then close the connection without an answer: the write happened but
    /// the client cannot know.
    ApplyThenDrop,
    /// Handle the request and answer after this long.
    Slow { delay_ms: u64 },
    /// Answer a redirect to this location.
    Redirect { location: String },
    /// Hold the request, before the store reads it, until `release` is called with this name:
    /// a test changes the store between two requests of one run, at exactly that point.
    Hold { name: String },
    /// Handle the request, send the head of the answer, then stall this long before the body.
    StallAfterHeaders { delay_ms: u64 },
    /// Handle the request and send the answer a byte at a time, this long between bytes.
    Drip { ms_per_byte: u64 },
    /// Handle the request, then send only the first `bytes` of the body its `Content-Length`
    /// announces, and close: a connection reset in the middle of the body.
    ShortBody { bytes: usize },
    /// Handle the request, answer in chunked encoding, and close before the last chunk.
    TruncatedChunked,
}

/// Which requests a fault applies to, and how many times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// `GET`, `POST`...; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Matches when the path contains this text; any path when absent.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests get the fault.
    pub times: u32,
    /// How many matching requests to let through first.
    #[serde(default)]
    pub after: u32,
    pub fault: Fault,
}

/// Simulated store latency, to model a real store in benchmarks.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Latency {
    #[serde(default)]
    pub per_request_ms: u64,
    #[serde(default)]
    pub per_item_written_ms: u64,
    /// Requests the store serves at once, as a PHP-FPM pool's workers; the others wait their
    /// turn. 0: as many as there are connections.
    #[serde(default)]
    pub workers: u32,
}

/// A leaky bucket, as hosts and WAFs throttle a store's API: `capacity` requests at once, drained
/// at `per_second`; a request that does not fit gets 429 with `Retry-After`. It drains on its
/// clock's time: a test gives the client's own clock, so the bucket fills or not by what the
/// client sends and waits, never by how fast the machine is.
struct Bucket {
    capacity: f64,
    per_second: f64,
    level: f64,
    last: Instant,
    clock: Arc<dyn Clock>,
}

impl Bucket {
    /// Admits a request, or says how many seconds to wait.
    fn admit(&mut self) -> Result<(), u64> {
        let now = self.clock.now();
        self.level =
            (self.level - now.duration_since(self.last).as_secs_f64() * self.per_second).max(0.0);
        self.last = now;
        if self.level + 1.0 > self.capacity {
            return Err(((self.level + 1.0 - self.capacity) / self.per_second)
                .ceil()
                .max(1.0) as u64);
        }
        self.level += 1.0;
        Ok(())
    }

    /// The bucket's size, the requests left before it is full, and the milliseconds until it
    /// has drained empty, now.
    fn state(&self) -> (u32, u32, u64) {
        let now = self.clock.now();
        let level =
            (self.level - now.duration_since(self.last).as_secs_f64() * self.per_second).max(0.0);
        let remaining = (self.capacity - level).floor().max(0.0) as u32;
        let reset_ms = (level / self.per_second * 1000.0).ceil() as u64;
        (self.capacity as u32, remaining, reset_ms)
    }
}

/// One of the store's workers, busy serving a request.
struct Worker<'a> {
    controls: &'a Controls,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        *lock(&self.controls.busy) -= 1;
        self.controls.worker_freed.notify_one();
    }
}

/// The knobs shared by the server and its control surface.
#[derive(Default)]
pub struct Controls {
    faults: Mutex<Vec<FaultRule>>,
    idle_timeout: Mutex<Option<Duration>>,
    connections: std::sync::atomic::AtomicU64,
    bucket: Mutex<Option<Bucket>>,
    throttled: std::sync::atomic::AtomicU64,
    latency: Mutex<Latency>,
    /// Requests being served, for `Latency::workers`.
    busy: Mutex<u32>,
    /// The simulated latency served since the counters were reset, in ms: divided by the
    /// workers, the least time any client could have taken for the same requests.
    latency_served_ms: std::sync::atomic::AtomicU64,
    worker_freed: std::sync::Condvar,
    counters: Mutex<BTreeMap<String, u64>>,
    /// Held requests by name: `true` once a request is held, removed when released.
    holds: Mutex<BTreeMap<String, bool>>,
    hold_changed: std::sync::Condvar,
}

impl Controls {
    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Throttles API requests with a leaky bucket that drains on `clock`'s time; `None` lifts
    /// the limit.
    pub fn set_rate_limit(&self, limit: Option<(u32, u32)>, clock: Arc<dyn Clock>) {
        *lock(&self.bucket) = limit.map(|(capacity, per_second)| Bucket {
            capacity: f64::from(capacity.max(1)),
            per_second: f64::from(per_second.max(1)),
            level: 0.0,
            last: clock.now(),
            clock,
        });
    }

    /// The rate limit's state (size, requests left before full, ms until empty); `None` when
    /// there is no limit.
    pub fn rate_limit_state(&self) -> Option<(u32, u32, u64)> {
        lock(&self.bucket).as_ref().map(Bucket::state)
    }

    /// Requests the rate limit answered with 429.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Closes keep-alive connections left idle this long; `None` keeps them open.
    pub fn set_idle_timeout(&self, idle: Option<Duration>) {
        *lock(&self.idle_timeout) = idle;
    }

    pub fn set_latency(&self, latency: Latency) {
        *lock(&self.latency) = latency;
    }

    /// Waits for one of `Latency::workers` to be free and holds it until the guard drops.
    fn worker(&self) -> Worker<'_> {
        let mut busy = lock(&self.busy);
        loop {
            let workers = lock(&self.latency).workers;
            if workers == 0 || *busy < workers {
                break;
            }
            busy = self
                .worker_freed
                .wait(busy)
                .unwrap_or_else(|p| p.into_inner());
        }
        *busy += 1;
        Worker { controls: self }
    }

    /// Requests served, by `METHOD /path` with numeric ids shown as `{id}`.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        lock(&self.counters).clone()
    }

    pub fn reset_counters(&self) {
        lock(&self.counters).clear();
        self.latency_served_ms.store(0, Ordering::Relaxed);
    }

    /// The simulated latency served since the counters were reset, in ms.
    pub fn latency_served_ms(&self) -> u64 {
        self.latency_served_ms.load(Ordering::Relaxed)
    }

    /// Waits, at most `MAX_STALL`, until a request is held under `name`; false if none came.
    pub fn wait_held(&self, name: &str) -> bool {
        let deadline = Instant::now() + MAX_STALL;
        let mut holds = lock(&self.holds);
        while holds.get(name) != Some(&true) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            holds = self
                .hold_changed
                .wait_timeout(holds, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    /// Lets the request held under `name` go on (or the next one, if none is held yet).
    pub fn release(&self, name: &str) {
        lock(&self.holds).insert(name.to_string(), false);
        self.hold_changed.notify_all();
    }

    /// Holds this request until released, at most `MAX_STALL`.
    fn hold(&self, name: &str) {
        let deadline = Instant::now() + MAX_STALL;
        let mut holds = lock(&self.holds);
        if holds.get(name) == Some(&false) {
            // Released before it came.
            holds.remove(name);
            return;
        }
        holds.insert(name.to_string(), true);
        self.hold_changed.notify_all();
        while holds.get(name) == Some(&true) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            holds = self
                .hold_changed
                .wait_timeout(holds, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        holds.remove(name);
    }

    /// The control routes every sandbox shares; `None` for any other.
    fn control(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let body: serde_json::Value =
            serde_json::from_slice(&request.body).unwrap_or(serde_json::json!({}));
        let path = request.path.trim_start_matches("/__sandbox/");
        Some(match (path, request.method.as_str()) {
            ("faults", "POST") => match serde_json::from_value::<FaultRule>(body) {
                Ok(rule) => {
                    self.add_fault(rule);
                    control_done()
                }
                Err(err) => control_refused(err.to_string()),
            },
            ("faults", "DELETE") => {
                self.clear_faults();
                control_done()
            }
            ("latency", "PUT") => match serde_json::from_value::<Latency>(body) {
                Ok(latency) => {
                    self.set_latency(latency);
                    control_done()
                }
                Err(err) => control_refused(err.to_string()),
            },
            ("counters", "GET") => HttpResponse::json(200, &serde_json::json!(self.counters())),
            ("counters", "DELETE") => {
                self.reset_counters();
                control_done()
            }
            _ => return None,
        })
    }

    fn take_fault(&self, request: &HttpRequest) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|rule| {
            rule.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&request.method))
                && rule
                    .path_contains
                    .as_deref()
                    .is_none_or(|p| request.path.contains(p))
        })?;
        if faults[index].after > 0 {
            faults[index].after -= 1;
            return None;
        }
        let fault = faults[index].fault.clone();
        faults[index].times -= 1;
        if faults[index].times == 0 {
            faults.remove(index);
        }
        Some(fault)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running server. Dropping it stops it.
pub struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    controls: Arc<Controls>,
    acceptor: Option<JoinHandle<()>>,
    /// Connection threads, joined on stop so none outlives the server.
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Server {
    /// Starts serving `handler` on `127.0.0.1:port` (0 picks a free port).
    pub fn start(handler: Arc<dyn Handler>, port: u16) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let controls = Arc::new(Controls::default());
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = {
            let (stop, controls, connections) =
                (stop.clone(), controls.clone(), connections.clone());
            std::thread::Builder::new()
                .name("ponte-sandbox-accept".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        controls.connections.fetch_add(1, Ordering::Relaxed);
                        let (handler, stop, controls) =
                            (handler.clone(), stop.clone(), controls.clone());
                        let spawned = std::thread::Builder::new()
                            .name("ponte-sandbox-conn".into())
                            .spawn(move || serve_connection(stream, &*handler, &stop, &controls));
                        if let Ok(connection) = spawned {
                            let mut connections = lock(&connections);
                            connections.retain(|c| !c.is_finished());
                            connections.push(connection);
                        }
                    }
                })?
        };
        Ok(Server {
            address,
            stop,
            controls,
            acceptor: Some(acceptor),
            connections,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn controls(&self) -> &Controls {
        &self.controls
    }

    /// Stops accepting connections and waits for open ones to end (within a quarter second,
    /// unless a `slow` fault holds one).
    pub fn stop(&mut self) {
        if self.stop.swap(true, Ordering::AcqRel) {
            return;
        }
        // Wake the acceptor blocked in accept().
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Each connection notices the stop at its next read timeout (a quarter second).
        for connection in std::mem::take(&mut *lock(&self.connections)) {
            let _ = connection.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: &dyn Handler,
    stop: &AtomicBool,
    controls: &Controls,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let idle = *lock(&controls.idle_timeout);
        let request = match read_request(&mut reader, stop, idle) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(status) => {
                let _ = write_response(&mut writer, &handler.unreadable(status), false);
                return;
            }
        };
        let keep_alive = !request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));

        if request.path.starts_with("/__sandbox/") {
            let response = controls
                .control(&request)
                .or_else(|| handler.control(&request))
                .unwrap_or_else(|| {
                    let path = request.path.trim_start_matches("/__sandbox/");
                    let message = format!("no control route {} /__sandbox/{path}", request.method);
                    HttpResponse::json(404, &serde_json::json!({"error": message}))
                });
            if write_response(&mut writer, &response, keep_alive).is_err() || !keep_alive {
                return;
            }
            continue;
        }

        *lock(&controls.counters)
            .entry(format!(
                "{} {}",
                request.method,
                normalize_path(&request.path)
            ))
            .or_default() += 1;
        let throttled = lock(&controls.bucket)
            .as_mut()
            .and_then(|bucket| bucket.admit().err());
        let fault = match throttled {
            Some(seconds) => {
                controls.throttled.fetch_add(1, Ordering::Relaxed);
                Some(Fault::TooManyRequests {
                    retry_after_seconds: seconds,
                })
            }
            None => controls.take_fault(&request),
        };
        let mut delay = Duration::ZERO;
        let mut worker = None;
        let mut response = match &fault {
            Some(Fault::Drop) => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Some(Fault::Status { status, body }) => HttpResponse {
                status: *status,
                headers: vec![(
                    "Content-Type".into(),
                    "application/json; charset=UTF-8".into(),
                )],
                body: body.clone().into_bytes(),
            },
            Some(Fault::Bytes {
                status,
                headers,
                body,
            }) => HttpResponse {
                status: *status,
                headers: std::iter::once((
                    "Content-Type".to_string(),
                    "application/json; charset=UTF-8".to_string(),
                ))
                .chain(headers.iter().cloned())
                .collect(),
                body: body.clone(),
            },
            Some(Fault::TooManyRequests {
                retry_after_seconds,
            }) => {
                let mut response = handler.too_many_requests();
                response
                    .headers
                    .push(("Retry-After".into(), retry_after_seconds.to_string()));
                response
            }
            Some(Fault::Redirect { location }) => HttpResponse {
                status: 302,
                headers: vec![("Location".into(), location.clone())],
                body: Vec::new(),
            },
            None
            | Some(Fault::ApplyThenDrop)
            | Some(Fault::Slow { .. })
            | Some(Fault::Hold { .. })
            | Some(Fault::StallAfterHeaders { .. })
            | Some(Fault::Drip { .. })
            | Some(Fault::ShortBody { .. })
            | Some(Fault::TruncatedChunked) => {
                if let Some(Fault::Hold { name }) = &fault {
                    controls.hold(name);
                }
                worker = Some(controls.worker());
                let handled = handler.handle(&request);
                let latency = *lock(&controls.latency);
                delay = Duration::from_millis(
                    latency.per_request_ms
                        + latency.per_item_written_ms * u64::from(handled.items_written),
                );
                if let Some(Fault::Slow { delay_ms }) = fault {
                    delay += Duration::from_millis(delay_ms);
                }
                handled.response
            }
        };
        if let Some((limit, remaining, reset_ms)) = controls.rate_limit_state() {
            response
                .headers
                .extend(handler.rate_limit_headers(limit, remaining, reset_ms));
        }
        if matches!(fault, Some(Fault::ApplyThenDrop)) {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if let Some(
            broken @ (Fault::StallAfterHeaders { .. }
            | Fault::Drip { .. }
            | Fault::ShortBody { .. }
            | Fault::TruncatedChunked),
        ) = &fault
        {
            // A broken answer, then the connection is closed.
            let _ = write_broken(&mut writer, &response, broken);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if !delay.is_zero() {
            let delay = delay.min(MAX_STALL);
            controls
                .latency_served_ms
                .fetch_add(delay.as_millis() as u64, Ordering::Relaxed);
            std::thread::sleep(delay);
        }
        drop(worker);
        if write_response(&mut writer, &response, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}

/// `Ok(None)` when the client closed the connection or the server is stopping; `Err(status)`
/// for a request that cannot be read.
/// `idle` closes a keep-alive connection that waited that long for its next request, as a web
/// server's keep-alive timeout does.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    stop: &AtomicBool,
    idle: Option<Duration>,
) -> Result<Option<HttpRequest>, u16> {
    let mut head = Vec::new();
    let started = Instant::now();
    loop {
        if stop.load(Ordering::Acquire) {
            return Ok(None);
        }
        // A request starts with a method name; anything else (a TLS handshake, say) is refused
        // at once rather than waited on.
        if head.is_empty() {
            match reader.fill_buf() {
                Ok([]) => return Ok(None),
                Ok([first, ..]) if !first.is_ascii_uppercase() && *first != b'\r' => {
                    return Err(400)
                }
                Ok(_) => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if idle.is_some_and(|idle| started.elapsed() >= idle) {
                        return Ok(None);
                    }
                    continue;
                }
                Err(_) => return Ok(None),
            }
        }
        let before = head.len();
        match reader.read_until(b'\n', &mut head) {
            Ok(0) => return Ok(None),
            Ok(_) => {
                if head.ends_with(b"\r\n\r\n") || head == b"\r\n" && before == 0 {
                    if head == b"\r\n" {
                        head.clear();
                        continue;
                    }
                    break;
                }
                if head.len() > MAX_HEAD_BYTES {
                    return Err(431);
                }
            }
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                // Idle keep-alive connections wait; a half-sent head gets a minute.
                if !head.is_empty() && started.elapsed() > Duration::from_secs(60) {
                    return Ok(None);
                }
            }
            Err(_) => return Ok(None),
        }
    }
    let text = String::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(400u16)?;
    let mut parts = request_line.split(' ');
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) if !m.is_empty() && t.starts_with('/') => (m.to_string(), t.to_string()),
        _ => return Err(400),
    };
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(400u16)?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(reader)?
    } else {
        let length: usize =
            header("content-length").map_or(Ok(0), |v| v.parse().map_err(|_| 400u16))?;
        if length > MAX_BODY_BYTES {
            return Err(413);
        }
        let mut body = vec![0; length];
        read_exact_patiently(reader, &mut body)?;
        body
    };
    let (path, raw_query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target, String::new()),
    };
    Ok(Some(HttpRequest {
        method,
        path: percent_decode(&path, false),
        query: parse_query(&raw_query),
        raw_query,
        headers,
        body,
    }))
}

fn read_exact_patiently(reader: &mut BufReader<TcpStream>, buffer: &mut [u8]) -> Result<(), u16> {
    let started = Instant::now();
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => return Err(400),
            Ok(n) => filled += n,
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if started.elapsed() > Duration::from_secs(60) {
                    return Err(408);
                }
            }
            Err(_) => return Err(400),
        }
    }
    Ok(())
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, u16> {
    let mut body = Vec::new();
    loop {
        let mut line = Vec::new();
        loop {
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => return Err(400),
                Ok(_) if line.ends_with(b"\n") => break,
                Ok(_) => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return Err(400),
            }
        }
        let size_text = String::from_utf8_lossy(&line);
        let size_text = size_text.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| 400u16)?;
        if body.len() + size > MAX_BODY_BYTES {
            return Err(413);
        }
        let mut chunk = vec![0; size + 2];
        read_exact_patiently(reader, &mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn write_response(
    writer: &mut TcpStream,
    response: &HttpResponse,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    writer.write_all(head.as_bytes())?;
    writer.write_all(&response.body)?;
    writer.flush()
}

/// Writes `response` broken the way `fault` says.
fn write_broken(writer: &mut TcpStream, response: &HttpResponse, fault: &Fault) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if matches!(fault, Fault::TruncatedChunked) {
        head.push_str("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    } else {
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            response.body.len()
        ));
    }
    writer.write_all(head.as_bytes())?;
    writer.flush()?;
    let body = &response.body;
    match fault {
        Fault::StallAfterHeaders { delay_ms } => {
            std::thread::sleep(Duration::from_millis(*delay_ms).min(MAX_STALL));
            writer.write_all(body)
        }
        Fault::Drip { ms_per_byte } => {
            let started = Instant::now();
            for byte in body {
                if started.elapsed() > MAX_STALL {
                    break;
                }
                writer.write_all(std::slice::from_ref(byte))?;
                writer.flush()?;
                std::thread::sleep(Duration::from_millis(*ms_per_byte));
            }
            Ok(())
        }
        Fault::ShortBody { bytes } => writer.write_all(&body[..(*bytes).min(body.len())]),
        _ => {
            // One chunk with half the body, and no terminating chunk.
            let half = &body[..body.len() / 2];
            writer.write_all(format!("{:x}\r\n", half.len()).as_bytes())?;
            writer.write_all(half)?;
            writer.write_all(b"\r\n")
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// `/wp-json/wc/v3/products/794/variations` → `/wp-json/wc/v3/products/{id}/variations`.
pub fn normalize_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Decodes `%XX` (and `+` as a space when `plus_is_space`); invalid escapes stay as they are.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_as_php_does() {
        assert_eq!(
            parse_query("sku=A%2CB&name=a+b&x=%ZZ&flag"),
            vec![
                ("sku".into(), "A,B".into()),
                ("name".into(), "a b".into()),
                ("x".into(), "%ZZ".into()),
                ("flag".into(), String::new())
            ]
        );
        assert_eq!(percent_decode("%2", false), "%2");
    }

    #[test]
    fn numeric_segments_are_grouped_in_counters() {
        assert_eq!(
            normalize_path("/wp-json/wc/v3/products/794/variations/batch"),
            "/wp-json/wc/v3/products/{id}/variations/batch"
        );
    }
}

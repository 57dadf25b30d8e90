//! Nuvemshop's leaky bucket (40 requests, leaking 2 a second; ten times that on some plans), as
//! each answer announces it: `X-Rate-Limit-Limit` (the bucket's size), `X-Rate-Limit-Remaining`
//! (requests left before it is full) and `X-Rate-Limit-Reset` (milliseconds until it is empty).
//! Ponte paces itself from these, so a 429 never comes in normal running.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::platform::http::{Pacer, Response};

/// How long Nuvemshop's bucket takes to empty from full, whatever its size (40 leaking 2 a
/// second; 400 leaking 20): the pace assumed until an answer shows one.
const DRAIN_MS: u64 = 20_000;

/// The bucket as the last answer described it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub limit: u32,
    pub remaining: u32,
    pub reset_ms: u64,
}

impl Bucket {
    /// Reads the three headers, by name in any case; `None` unless all three are numbers.
    pub fn from_headers<'h>(
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    ) -> Option<Bucket> {
        let (mut limit, mut remaining, mut reset) = (None, None, None);
        for (name, value) in headers {
            let slot = match name.to_ascii_lowercase().as_str() {
                "x-rate-limit-limit" => &mut limit,
                "x-rate-limit-remaining" => &mut remaining,
                "x-rate-limit-reset" => &mut reset,
                _ => continue,
            };
            *slot = value.trim().parse::<u64>().ok();
        }
        Some(Bucket {
            limit: u32::try_from(limit?).ok()?,
            remaining: u32::try_from(remaining?).ok()?,
            reset_ms: reset?,
        })
    }
}

/// Paces a client by the bucket its answers announce. Between answers it counts its own
/// requests into the bucket, so requests sent at once from several threads do not all count on
/// the same free room; each answer then corrects the count with the store's own.
#[derive(Debug)]
pub struct BucketPacer {
    /// Requests kept free for the merchant's other apps, which share the bucket.
    reserve_tenths: u32,
    state: Mutex<Option<Level>>,
}

/// The bucket as last known: requests held, at an instant, and how fast it leaks.
#[derive(Debug, Clone, Copy)]
struct Level {
    limit: f64,
    held: f64,
    at: Instant,
    leak_per_ms: f64,
}

impl Level {
    fn held_at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64() * 1000.0;
        (self.held - elapsed * self.leak_per_ms).max(0.0)
    }
}

impl BucketPacer {
    /// A pacer that keeps a tenth of the bucket free (4 of Nuvemshop's 40).
    pub fn new() -> BucketPacer {
        BucketPacer {
            reserve_tenths: 1,
            state: Mutex::new(None),
        }
    }
}

impl Default for BucketPacer {
    fn default() -> Self {
        BucketPacer::new()
    }
}

impl Pacer for BucketPacer {
    fn before_request(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(level) = state.as_mut() else {
            // Nothing known yet: the first answer tells.
            return Duration::ZERO;
        };
        let reserve = (level.limit * f64::from(self.reserve_tenths) / 10.0).floor();
        let held = level.held_at(now);
        // Room for this request and the reserve, or wait until enough has leaked.
        let excess = held + 1.0 + reserve - level.limit;
        let wait_ms = if excess > 0.0 {
            (excess / level.leak_per_ms).ceil()
        } else {
            0.0
        };
        let wait = Duration::from_millis(wait_ms as u64);
        let sent_at = now + wait;
        *level = Level {
            held: level.held_at(sent_at) + 1.0,
            at: sent_at,
            ..*level
        };
        wait
    }

    fn observe(&self, response: &Response, now: Instant) {
        let headers = response
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match Bucket::from_headers(headers) {
            Some(bucket) if bucket.limit > 0 => {
                let limit = f64::from(bucket.limit);
                let held = f64::from(bucket.limit.saturating_sub(bucket.remaining));
                let leak_per_ms = if held > 0.0 && bucket.reset_ms > 0 {
                    held / bucket.reset_ms as f64
                } else {
                    limit / DRAIN_MS as f64
                };
                *state = Some(Level {
                    limit,
                    held,
                    at: now,
                    leak_per_ms,
                });
            }
            // A 429 without the headers: the bucket is full, at the pace last known.
            _ if response.status == 429 => {
                let mut level = state.unwrap_or(Level {
                    limit: 40.0,
                    held: 0.0,
                    at: now,
                    leak_per_ms: 40.0 / DRAIN_MS as f64,
                });
                level.held = level.limit;
                level.at = now;
                *state = Some(level);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(limit: u32, remaining: u32, reset_ms: u64) -> Bucket {
        Bucket {
            limit,
            remaining,
            reset_ms,
        }
    }

    #[test]
    fn the_headers_are_read_in_any_case_and_only_whole() {
        let headers = [
            ("x-rate-limit-limit", "40"),
            ("X-Rate-Limit-Remaining", " 39"),
            ("X-RATE-LIMIT-RESET", "500"),
            ("Content-Type", "application/json"),
        ];
        assert_eq!(Bucket::from_headers(headers), Some(bucket(40, 39, 500)));
        assert_eq!(
            Bucket::from_headers([
                ("X-Rate-Limit-Limit", "40"),
                ("X-Rate-Limit-Remaining", "3")
            ]),
            None
        );
        assert_eq!(
            Bucket::from_headers([
                ("X-Rate-Limit-Limit", "forty"),
                ("X-Rate-Limit-Remaining", "3"),
                ("X-Rate-Limit-Reset", "1")
            ]),
            None
        );
    }

    fn answer(status: u16, limit: u32, remaining: u32, reset_ms: u64) -> Response {
        Response {
            status,
            headers: vec![
                ("X-Rate-Limit-Limit".into(), limit.to_string()),
                ("X-Rate-Limit-Remaining".into(), remaining.to_string()),
                ("X-Rate-Limit-Reset".into(), reset_ms.to_string()),
            ],
            body: Vec::new(),
        }
    }

    #[test]
    fn the_pacer_counts_its_own_requests_and_waits_for_the_leak() {
        let pacer = BucketPacer::new();
        let start = Instant::now();
        assert_eq!(pacer.before_request(start), Duration::ZERO);
        // 33 held of 40: room for 3 more before the reserve of 4.
        pacer.observe(&answer(200, 40, 7, 16_500), start);
        for _ in 0..3 {
            assert_eq!(pacer.before_request(start), Duration::ZERO);
        }
        // The fourth must wait for one request to leak: 500 ms at 2 a second.
        assert_eq!(pacer.before_request(start), Duration::from_millis(500));
        // A 429 without headers fills the bucket: the next waits for 5 to leak (reserve + 1).
        let later = start + Duration::from_secs(1);
        pacer.observe(
            &Response {
                status: 429,
                headers: Vec::new(),
                body: Vec::new(),
            },
            later,
        );
        assert_eq!(pacer.before_request(later), Duration::from_millis(2_500));
    }
}

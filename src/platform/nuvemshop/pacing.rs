//! Nuvemshop's leaky bucket (40 requests, leaking 2 a second; ten times that on some plans), as
//! each answer announces it: `X-Rate-Limit-Limit` (the bucket's size), `X-Rate-Limit-Remaining`
//! (requests left before it is full) and `X-Rate-Limit-Reset` (milliseconds until it is empty).
//! Ponte paces itself from these, so a 429 never comes in normal running.

use std::time::Duration;

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

    /// How long to wait before the next request so that `reserve` requests stay free in the
    /// bucket (for the merchant's other apps sharing it): nothing while more than `reserve` are
    /// left, else the time the bucket takes to leak the difference, at the pace the answer
    /// implies (what it holds, drained in `reset_ms`).
    pub fn wait_before_next(&self, reserve: u32) -> Duration {
        if self.remaining > reserve {
            return Duration::ZERO;
        }
        let held = u64::from(self.limit.saturating_sub(self.remaining));
        if held == 0 || self.reset_ms == 0 {
            return Duration::ZERO;
        }
        let to_leak = u64::from(reserve - self.remaining + 1);
        // Rounded up: a wait a millisecond short is a 429.
        Duration::from_millis((self.reset_ms * to_leak).div_ceil(held))
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

    #[test]
    fn a_bucket_with_room_is_not_waited_for() {
        assert_eq!(bucket(40, 10, 15_000).wait_before_next(2), Duration::ZERO);
        assert_eq!(bucket(40, 40, 0).wait_before_next(2), Duration::ZERO);
    }

    #[test]
    fn a_full_bucket_waits_for_what_must_leak_at_its_pace() {
        // Full: 40 held, empty in 20 s, so one request leaks every 500 ms.
        assert_eq!(
            bucket(40, 0, 20_000).wait_before_next(0),
            Duration::from_millis(500)
        );
        // Keeping 2 free with 1 left: 2 must leak first.
        assert_eq!(
            bucket(40, 1, 19_500).wait_before_next(2),
            Duration::from_millis(1_000)
        );
        // A plan ten times larger leaks ten times faster.
        assert_eq!(
            bucket(400, 0, 20_000).wait_before_next(0),
            Duration::from_millis(50)
        );
        // Rounded up, never short.
        assert_eq!(
            bucket(3, 0, 1_000).wait_before_next(0),
            Duration::from_millis(334)
        );
    }
}

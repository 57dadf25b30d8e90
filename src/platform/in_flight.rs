//! How many requests may be in flight to one store at once: up to the integration's
//! `http.max_concurrent_requests`, fewer while the store struggles.
//!
//! Additive increase, multiplicative decrease, as TCP's congestion control does it: a request the
//! store throttled (429), failed (5xx, a lost answer) or answered much slower than its best halves
//! the limit; a run of requests answered well raises it by one, back to the setting. A store that
//! tolerates three requests at once gets three; one that queues the fourth shows it by slowing
//! down, and gets fewer.

use std::time::Duration;

/// Slower than this many times the best time per unit of work seen counts as the store
/// queueing requests: a worker pool's queue doubles the time, a slow request alone rarely does.
const SLOWDOWN: f64 = 2.0;

/// The adaptive limit of one run.
#[derive(Debug, Clone)]
pub struct InFlightLimit {
    max: usize,
    limit: usize,
    /// Requests answered well in a row since the limit last moved.
    good_in_a_row: usize,
    /// The best time per unit of work seen, in seconds, among requests of comparable size.
    best: Option<f64>,
    /// The most units one request carried: a request's fixed cost weighs more per unit in a
    /// small one, so only those at least half this size are compared for time.
    largest: usize,
}

/// How one request went, for the limit.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub elapsed: Duration,
    /// Units of work it carried (a batch's items), to compare requests of different sizes.
    pub units: usize,
    /// Throttled (429), a server error (5xx) or an answer lost on the way.
    pub trouble: bool,
}

impl InFlightLimit {
    /// Starts at `max`: the setting is what the merchant's store is known to take.
    pub fn new(max: u32) -> InFlightLimit {
        let max = (max as usize).max(1);
        InFlightLimit {
            max,
            limit: max,
            good_in_a_row: 0,
            best: None,
            largest: 0,
        }
    }

    /// Requests that may be in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes one answered request into account.
    pub fn answered(&mut self, answer: Answered) {
        let units = answer.units.max(1);
        if units > self.largest * 2 {
            // Much larger than anything before: earlier times are not comparable.
            self.best = None;
        }
        self.largest = self.largest.max(units);
        let per_unit = answer.elapsed.as_secs_f64() / units as f64;
        let comparable = units * 2 >= self.largest;
        let slow = comparable && self.best.is_some_and(|best| per_unit > best * SLOWDOWN);
        if comparable {
            self.best = Some(self.best.map_or(per_unit, |best| best.min(per_unit)));
        }
        if answer.trouble || slow {
            let before = self.limit;
            self.limit = (self.limit / 2).max(1);
            self.good_in_a_row = 0;
            if self.limit < before {
                log::info!(target: "ponte::http", "store {}: {} requests at once instead of {before}",
                    if answer.trouble { "throttled or failing" } else { "slowing down" }, self.limit);
            }
            return;
        }
        self.good_in_a_row += 1;
        if self.limit < self.max && self.good_in_a_row >= self.limit * 2 {
            self.limit += 1;
            self.good_in_a_row = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(ms: u64, trouble: bool) -> Answered {
        Answered {
            elapsed: Duration::from_millis(ms),
            units: 1,
            trouble,
        }
    }

    #[test]
    fn halves_on_trouble_and_grows_back_one_at_a_time() {
        let mut limit = InFlightLimit::new(4);
        assert_eq!(limit.limit(), 4);
        limit.answered(answer(100, true));
        assert_eq!(limit.limit(), 2);
        limit.answered(answer(100, true));
        assert_eq!(limit.limit(), 1);
        limit.answered(answer(100, true));
        assert_eq!(limit.limit(), 1, "never below one");
        let mut seen = vec![limit.limit()];
        for _ in 0..40 {
            limit.answered(answer(100, false));
            if seen.last() != Some(&limit.limit()) {
                seen.push(limit.limit());
            }
        }
        assert_eq!(
            seen,
            [1, 2, 3, 4],
            "back by one at a time, never past the setting"
        );
    }

    #[test]
    fn a_store_that_slows_down_gets_fewer_requests() {
        let mut limit = InFlightLimit::new(8);
        limit.answered(answer(100, false));
        limit.answered(answer(150, false));
        assert_eq!(limit.limit(), 8, "a little slower is not queueing");
        limit.answered(answer(250, false));
        assert_eq!(limit.limit(), 4);
    }

    #[test]
    fn time_is_compared_per_unit_of_work() {
        let mut limit = InFlightLimit::new(4);
        limit.answered(Answered {
            elapsed: Duration::from_millis(1000),
            units: 100,
            trouble: false,
        });
        limit.answered(Answered {
            elapsed: Duration::from_millis(400),
            units: 30,
            trouble: false,
        });
        assert_eq!(
            limit.limit(),
            4,
            "a smaller batch answered in proportion is no slowdown"
        );
        limit.answered(Answered {
            elapsed: Duration::from_millis(300),
            units: 5,
            trouble: false,
        });
        assert_eq!(
            limit.limit(),
            4,
            "a batch's fixed cost weighs more in a small one"
        );
    }
}

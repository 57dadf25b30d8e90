//! When each job of an integration is due: pure arithmetic on Unix seconds and the schedule, no
//! I/O, so a day can be simulated with an injected clock.
//!
//! Order capture and stock updates run at their own intervals all day; the full product sync
//! (creates, field updates, hides) runs once a day inside the quiet window, in the window's time
//! zone. A job that fails waits its interval doubled at each failure in a row, up to
//! `max_backoff_minutes`, without delaying any other job. A clock that jumps backwards never
//! makes a job run twice, and delays it by one interval at most.

use serde::Serialize;

use crate::model::config::{IntegrationConfig, Schedule};

/// A job `ponte_run_due` runs, in the order it runs them on one integration: orders are
/// captured before stock is pushed, so units sold since are held back, not sold twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    Capture,
    Stock,
    FullSync,
}

impl Job {
    pub const ALL: [Job; 3] = [Job::Capture, Job::Stock, Job::FullSync];

    pub fn name(self) -> &'static str {
        match self {
            Job::Capture => "capture",
            Job::Stock => "stock",
            Job::FullSync => "full_sync",
        }
    }

    pub fn from_name(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name)
    }
}

/// The jobs an integration has: capture when order capture is on, stock and the full sync when
/// product sync is.
pub fn jobs_of(config: &IntegrationConfig) -> Vec<Job> {
    Job::ALL
        .into_iter()
        .filter(|job| match job {
            Job::Capture => config.order_capture.enabled,
            Job::Stock | Job::FullSync => config.product_sync.enabled,
        })
        .collect()
}

const MINUTE: i64 = 60;
const DAY: i64 = 24 * 60 * MINUTE;

/// The schedule's settings, or the defaults for an integration without one: capture every 5
/// minutes, stock every 15, the full sync once a day at any hour, backoff up to 4 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub capture_every: i64,
    pub stock_every: i64,
    pub max_backoff: i64,
    /// The quiet window as minutes of the local day and its time zone; `None`: any hour.
    pub window: Option<Window>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start_minute: i64,
    pub end_minute: i64,
    pub time_zone: jiff::tz::TimeZone,
}

fn minutes_of(hh_mm: &str) -> i64 {
    let hours: i64 = hh_mm[..2].parse().unwrap_or(0);
    let minutes: i64 = hh_mm[3..].parse().unwrap_or(0);
    hours * 60 + minutes
}

impl Timing {
    /// From a validated config (its time zone known, its times `HH:MM`).
    pub fn of(schedule: Option<&Schedule>) -> Timing {
        match schedule {
            None => Timing {
                capture_every: 5 * MINUTE,
                stock_every: 15 * MINUTE,
                max_backoff: 240 * MINUTE,
                window: None,
            },
            Some(s) => Timing {
                capture_every: i64::from(s.capture_every_minutes) * MINUTE,
                stock_every: i64::from(s.stock_every_minutes) * MINUTE,
                max_backoff: i64::from(s.max_backoff_minutes) * MINUTE,
                window: Some(Window {
                    start_minute: minutes_of(&s.full_sync_start),
                    end_minute: minutes_of(&s.full_sync_end),
                    time_zone: jiff::tz::TimeZone::get(&s.time_zone)
                        .unwrap_or(jiff::tz::TimeZone::UTC),
                }),
            },
        }
    }

    fn interval(&self, job: Job) -> i64 {
        match job {
            Job::Capture => self.capture_every,
            Job::Stock => self.stock_every,
            Job::FullSync => DAY,
        }
    }

    /// Whether `now` is inside the quiet window.
    pub fn in_window(&self, now: i64) -> bool {
        let Some(window) = &self.window else {
            return true;
        };
        let minute = local_minute(now, &window.time_zone);
        if window.start_minute < window.end_minute {
            (window.start_minute..window.end_minute).contains(&minute)
        } else {
            minute >= window.start_minute || minute < window.end_minute
        }
    }

    /// The first second after `now` at which the window opens (`now` itself without a window).
    pub fn next_window_start(&self, now: i64) -> i64 {
        let Some(window) = &self.window else {
            return now;
        };
        // Minute by minute would do; the window opens at a whole minute, so step to the next
        // whole minute, then by minutes until the local time is the start (a day at most, and
        // across a daylight-saving change the local minute still comes round).
        let mut at = now - now.rem_euclid(MINUTE) + MINUTE;
        for _ in 0..(2 * 24 * 60) {
            if local_minute(at, &window.time_zone) == window.start_minute {
                return at;
            }
            at += MINUTE;
        }
        now + DAY
    }

    /// When a job is next due after it succeeded at `now`.
    pub fn after_success(&self, job: Job, now: i64) -> i64 {
        match (job, &self.window) {
            (Job::FullSync, Some(_)) => self.next_window_start(now).max(now + MINUTE),
            // Without a window: once a day, at any hour.
            (Job::FullSync, None) => now + DAY,
            _ => now + self.interval(job),
        }
    }

    /// When a job is next due after its `failures`-th failure in a row at `now`: its interval
    /// doubled at each one, up to the backoff cap (a full sync: within its window, or at the
    /// next one).
    pub fn after_failure(&self, job: Job, failures: u32, now: i64) -> i64 {
        let base = match job {
            Job::FullSync => self.capture_every.max(5 * MINUTE),
            _ => self.interval(job),
        };
        let doubled = base.saturating_mul(1i64 << failures.saturating_sub(1).min(20));
        let wait = doubled.min(self.max_backoff.max(base));
        let retry = now + wait;
        match job {
            Job::FullSync if !self.in_window(retry) => self.next_window_start(now),
            _ => retry,
        }
    }

    /// Whether a job whose next run was set for `next_due` runs at `now`. A `next_due` further
    /// ahead than the job could ever have set (the clock went back) counts from `now` instead, so
    /// the job waits one interval at most, and never runs twice for one jump.
    pub fn is_due(&self, job: Job, next_due: Option<i64>, now: i64) -> bool {
        if job == Job::FullSync && !self.in_window(now) {
            return false;
        }
        match next_due {
            None => true,
            Some(due) => now >= self.effective_due(job, due, now),
        }
    }

    /// `next_due`, unless the clock went back past it: then the longest this job ever waits (the
    /// backoff cap; a day for the full sync) from `now`. `run_due` stores the corrected time, so
    /// the wait stays bounded as the clock goes on.
    pub fn effective_due(&self, job: Job, next_due: i64, now: i64) -> i64 {
        let longest = match job {
            Job::FullSync => DAY,
            _ => self.max_backoff.max(self.interval(job)),
        };
        next_due.min(now + longest)
    }
}

/// Minutes since local midnight of a Unix second in a time zone.
fn local_minute(unix: i64, time_zone: &jiff::tz::TimeZone) -> i64 {
    let Ok(timestamp) = jiff::Timestamp::from_second(unix) else {
        return 0;
    };
    let local = timestamp.to_zoned(time_zone.clone());
    i64::from(local.hour()) * 60 + i64::from(local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(start: &str, end: &str, zone: &str) -> Timing {
        Timing::of(Some(&Schedule {
            full_sync_start: start.into(),
            full_sync_end: end.into(),
            time_zone: zone.into(),
            capture_every_minutes: 5,
            stock_every_minutes: 15,
            max_backoff_minutes: 60,
        }))
    }

    /// 2026-12-01T00:00:00Z.
    const MIDNIGHT_UTC: i64 = 1_796_083_200;

    #[test]
    fn the_window_is_read_in_its_time_zone_and_may_cross_midnight() {
        // 05:00–07:00 in São Paulo (UTC−3) is 08:00–10:00 UTC.
        let quiet = timing("05:00", "07:00", "America/Sao_Paulo");
        assert!(!quiet.in_window(MIDNIGHT_UTC + 7 * 3600 + 59 * 60));
        assert!(quiet.in_window(MIDNIGHT_UTC + 8 * 3600));
        assert!(!quiet.in_window(MIDNIGHT_UTC + 10 * 3600));
        assert_eq!(
            quiet.next_window_start(MIDNIGHT_UTC),
            MIDNIGHT_UTC + 8 * 3600
        );
        let night = timing("22:00", "02:00", "UTC");
        assert!(night.in_window(MIDNIGHT_UTC + 3600));
        assert!(night.in_window(MIDNIGHT_UTC - 3600));
        assert!(!night.in_window(MIDNIGHT_UTC + 12 * 3600));
    }

    #[test]
    fn failures_back_off_doubling_up_to_the_cap() {
        let t = timing("05:00", "07:00", "UTC");
        let waits: Vec<i64> = (1..=6)
            .map(|n| t.after_failure(Job::Capture, n, 0) / 60)
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(t.after_success(Job::Stock, 0), 15 * 60);
    }

    #[test]
    fn a_full_sync_runs_once_a_day_inside_its_window() {
        let t = timing("05:00", "07:00", "UTC");
        let opens = MIDNIGHT_UTC + 5 * 3600;
        assert!(!t.is_due(Job::FullSync, None, MIDNIGHT_UTC));
        assert!(t.is_due(Job::FullSync, None, opens));
        let next = t.after_success(Job::FullSync, opens + 600);
        assert_eq!(next, opens + DAY);
        assert!(!t.is_due(Job::FullSync, Some(next), opens + 1200));
        // A failure late in the window waits for tomorrow's.
        assert_eq!(
            t.after_failure(Job::FullSync, 1, opens + 2 * 3600 - 60),
            opens + DAY
        );
    }

    #[test]
    fn without_a_schedule_the_full_sync_runs_once_a_day_at_any_hour() {
        let t = Timing::of(None);
        assert!(t.is_due(Job::FullSync, None, MIDNIGHT_UTC + 3 * 3600));
        let next = t.after_success(Job::FullSync, MIDNIGHT_UTC + 3 * 3600);
        assert_eq!(next, MIDNIGHT_UTC + 27 * 3600);
        assert!(!t.is_due(Job::FullSync, Some(next), MIDNIGHT_UTC + 4 * 3600));
    }

    #[test]
    fn a_clock_that_goes_back_neither_repeats_a_job_nor_stalls_it() {
        let t = timing("05:00", "07:00", "UTC");
        let ran_at = MIDNIGHT_UTC + 12 * 3600;
        let next = t.after_success(Job::Capture, ran_at);
        // Back two hours: not due again at once...
        let back = ran_at - 2 * 3600;
        assert!(!t.is_due(Job::Capture, Some(next), back));
        // ...and, with the due time corrected as `run_due` stores it, due the backoff cap later
        // (an hour), not two hours and five minutes later.
        let corrected = t.effective_due(Job::Capture, next, back);
        assert_eq!(corrected, back + 3600);
        assert!(!t.is_due(Job::Capture, Some(corrected), back + 3599));
        assert!(t.is_due(Job::Capture, Some(corrected), back + 3600));
    }
}

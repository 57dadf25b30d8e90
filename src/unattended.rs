//! Running unattended: `Ponte::run_due`, the one call an ERP puts on its timer, runs every job
//! that is due across all integrations, each under its lease; `jobs` lists when each is due
//! without running anything; `health` says, per integration, what last worked, what failed and
//! what waits.
//!
//! A job's outcome never stops the others: a failure backs that job off and the loop goes on. A
//! job whose lease another handle or process holds is skipped, not waited for, and stays due.

use std::time::Instant;

use serde::Serialize;

use crate::api::Ponte;
use crate::capture::CaptureOptions;
use crate::error::{Error, Result};
use crate::model::config::IntegrationConfig;
use crate::schedule::{jobs_of, Job, Timing};
use crate::store::jobs::{self as job_store, Backlog, JobState};
use crate::sync::SyncOptions;
use crate::time::format_rfc3339;

/// A job `run_due` ran or skipped.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct JobRun {
    pub integration: String,
    pub job: Job,
    /// `succeeded`, `failed` or `skipped`.
    pub outcome: &'static str,
    /// What it did, in a line (`accepted 3, captured 3, 4 requests`), or why it failed or was
    /// skipped.
    pub detail: String,
    /// Wall time it took.
    pub millis: u64,
}

/// When a job is next due, and how it last ended.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct JobView {
    pub integration: String,
    pub job: Job,
    /// UTC; `None`: due at the next call.
    pub next_due: Option<String>,
    pub due_now: bool,
    pub last_success: Option<String>,
    pub last_failure: Option<String>,
    pub last_error: Option<String>,
    /// Failures in a row: the job's backoff.
    pub failures: u32,
    pub last_summary: Option<String>,
}

/// What one `run_due` did.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RunDueReport {
    /// The instant the call went by, UTC.
    pub now: String,
    pub ran: Vec<JobRun>,
    pub skipped: Vec<JobRun>,
    /// Every job, with when it is next due.
    pub jobs: Vec<JobView>,
}

/// How far `run_due` is, for its progress callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JobProgress {
    pub integration: String,
    pub job: Job,
    /// For a sync, writes done of `total`; for a capture, orders read and requests made.
    pub done: u64,
    pub total: u64,
}

/// One integration's health, for monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IntegrationHealth {
    pub integration: String,
    /// `ok`, `warning` or `critical`.
    pub verdict: &'static str,
    pub reasons: Vec<String>,
    /// Whether credentials were given to this handle: without them no job runs.
    pub credentials_given: bool,
    pub jobs: Vec<JobView>,
    pub backlog: Backlog,
}

/// Every integration's health, and the worst verdict among them.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Health {
    pub verdict: &'static str,
    pub integrations: Vec<IntegrationHealth>,
}

/// Failures in a row after which a job is critical, not a warning.
const CRITICAL_FAILURES: u32 = 3;

fn at(unix: Option<i64>) -> Option<String> {
    unix.map(format_rfc3339)
}

fn view(config: &IntegrationConfig, job: Job, state: &JobState, now: i64) -> JobView {
    let timing = Timing::of(config.schedule.as_ref());
    let next_due = match (job, state.next_due) {
        (Job::FullSync, due) if !timing.in_window(now) => {
            Some(due.unwrap_or(0).max(timing.next_window_start(now)))
        }
        (_, due) => due,
    };
    JobView {
        integration: config.id.clone(),
        job,
        next_due: at(next_due),
        due_now: timing.is_due(job, state.next_due, now),
        last_success: at(state.last_success),
        last_failure: at(state.last_failure),
        last_error: state.last_error.clone(),
        failures: state.failures,
        last_summary: state.last_summary.clone(),
    }
}

fn counts_line(counts: &std::collections::BTreeMap<String, u64>, requests: u64) -> String {
    let mut parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    parts.push(format!("{requests} requests"));
    parts.join(", ")
}

impl Ponte {
    /// Runs every job that is due at `now` (Unix seconds; the machine's clock when `None`),
    /// across all integrations: per integration capture, then stock, then the full sync in its
    /// window. `progress` is called as each job goes; returning `false` stops the running job at
    /// its next safe boundary and skips the rest. Makes no request to a store when nothing is due.
    pub fn run_due(
        &mut self,
        now: Option<i64>,
        progress: &mut dyn FnMut(&JobProgress) -> bool,
    ) -> Result<RunDueReport> {
        let now = now.unwrap_or_else(crate::time::now_unix);
        let mut ran = Vec::new();
        let mut skipped = Vec::new();
        let mut cancelled = false;
        for integration in self.integration_list()? {
            let config = integration.config;
            let timing = Timing::of(config.schedule.as_ref());
            for job in jobs_of(&config) {
                let mut state = self
                    .db_mut()
                    .read(|tx| job_store::get(tx, &config.id, job.name()))?;
                if let Some(due) = state.next_due {
                    // The clock went back: the wait is bounded from now, and stays so.
                    let bounded = timing.effective_due(job, due, now);
                    if bounded < due {
                        state.next_due = Some(bounded);
                        self.db_mut()
                            .write(|tx| job_store::put(tx, &config.id, job.name(), &state))?;
                    }
                }
                if !timing.is_due(job, state.next_due, now) {
                    continue;
                }
                let skip = |detail: &str| JobRun {
                    integration: config.id.clone(),
                    job,
                    outcome: "skipped",
                    detail: detail.to_string(),
                    millis: 0,
                };
                if cancelled {
                    skipped.push(skip("cancelled by the caller"));
                    continue;
                }
                if self.credentials(&config.id).is_none() {
                    skipped.push(skip(
                        "no credentials were given to this handle (ponte_integration_put with credentials)",
                    ));
                    continue;
                }
                let started = Instant::now();
                let outcome = self.run_job(&config.id, job, &mut cancelled, progress);
                let millis = started.elapsed().as_millis() as u64;
                let mut run = JobRun {
                    integration: config.id.clone(),
                    job,
                    outcome: "succeeded",
                    detail: String::new(),
                    millis,
                };
                state.last_started = Some(now);
                match outcome {
                    Ok(summary) => {
                        state.last_success = Some(now);
                        state.failures = 0;
                        state.next_due = Some(timing.after_success(job, now));
                        state.last_summary = Some(summary.clone());
                        run.detail = summary;
                    }
                    Err(error @ Error::RunningElsewhere(_)) => {
                        // Stays due: the next call tries again.
                        run.outcome = "skipped";
                        run.detail = error.to_string();
                        skipped.push(run);
                        continue;
                    }
                    Err(error) => {
                        state.failures = state.failures.saturating_add(1);
                        state.last_failure = Some(now);
                        state.last_error = Some(error.to_string());
                        state.next_due = Some(timing.after_failure(job, state.failures, now));
                        run.outcome = "failed";
                        run.detail = error.to_string();
                        log::warn!(target: "ponte::jobs", "{} of {} failed ({} in a row): {error}", job.name(), config.id, state.failures);
                    }
                }
                self.db_mut()
                    .write(|tx| job_store::put(tx, &config.id, job.name(), &state))?;
                ran.push(run);
            }
        }
        Ok(RunDueReport {
            now: format_rfc3339(now),
            ran,
            skipped,
            jobs: self.jobs(Some(now))?,
        })
    }

    fn run_job(
        &mut self,
        integration: &str,
        job: Job,
        cancelled: &mut bool,
        progress: &mut dyn FnMut(&JobProgress) -> bool,
    ) -> Result<String> {
        let mut report = |done: u64, total: u64| {
            let go = progress(&JobProgress {
                integration: integration.to_string(),
                job,
                done,
                total,
            });
            if !go {
                *cancelled = true;
            }
            go
        };
        match job {
            Job::Capture => {
                let done =
                    self.capture_orders_with(integration, CaptureOptions::default(), &mut |p| {
                        report(p.orders_read, p.requests)
                    })?;
                let mut line = counts_line(&done.counts, done.requests);
                if let Some(why) = done.unfinished {
                    line.push_str(&format!("; unfinished: {why}"));
                }
                Ok(line)
            }
            Job::Stock | Job::FullSync => {
                let options = SyncOptions {
                    stock_only: job == Job::Stock,
                    ..SyncOptions::default()
                };
                let done =
                    self.sync_products(integration, options, &mut |p| report(p.done, p.total))?;
                Ok(format!(
                    "{}: {}",
                    done.status,
                    counts_line(&done.counts, done.requests)
                ))
            }
        }
    }

    /// When every job of every integration is next due, and how each last ended; runs nothing.
    pub fn jobs(&mut self, now: Option<i64>) -> Result<Vec<JobView>> {
        let now = now.unwrap_or_else(crate::time::now_unix);
        let mut views = Vec::new();
        for integration in self.integration_list()? {
            let config = integration.config;
            for job in jobs_of(&config) {
                let state = self
                    .db_mut()
                    .read(|tx| job_store::get(tx, &config.id, job.name()))?;
                views.push(view(&config, job, &state, now));
            }
        }
        Ok(views)
    }

    /// Per integration: the last success and failure of each job, the backlog, whether
    /// credentials were given, and a verdict with its reasons; the worst verdict overall.
    pub fn health(&mut self, now: Option<i64>) -> Result<Health> {
        let now = now.unwrap_or_else(crate::time::now_unix);
        let all_jobs = self.jobs(Some(now))?;
        let mut integrations = Vec::new();
        for integration in self.integration_list()? {
            let id = integration.config.id;
            let backlog = self.db_mut().read(|tx| job_store::backlog(tx, &id))?;
            let jobs: Vec<JobView> = all_jobs
                .iter()
                .filter(|j| j.integration == id)
                .cloned()
                .collect();
            let credentials_given = self.credentials(&id).is_some();
            let mut reasons = Vec::new();
            let mut critical = false;
            for job in &jobs {
                if job.failures >= CRITICAL_FAILURES {
                    critical = true;
                }
                if job.failures > 0 {
                    reasons.push(format!(
                        "{} failed {} time(s) in a row: {}",
                        job.job.name(),
                        job.failures,
                        job.last_error.as_deref().unwrap_or("")
                    ));
                }
            }
            if !credentials_given {
                reasons.push("no credentials were given to this handle: no job can run".into());
            }
            if backlog.writebacks_failed > 0 {
                reasons.push(format!(
                    "{} write-back(s) failed and wait for a person (see the report)",
                    backlog.writebacks_failed
                ));
            }
            if backlog.orders_failed > 0 {
                reasons.push(format!(
                    "{} order(s) could not be read from the store",
                    backlog.orders_failed
                ));
            }
            let verdict = if critical {
                "critical"
            } else if reasons.is_empty() {
                "ok"
            } else {
                "warning"
            };
            integrations.push(IntegrationHealth {
                integration: id,
                verdict,
                reasons,
                credentials_given,
                jobs,
                backlog,
            });
        }
        let verdict = ["critical", "warning"]
            .into_iter()
            .find(|v| integrations.iter().any(|i| i.verdict == *v))
            .unwrap_or("ok");
        Ok(Health {
            verdict,
            integrations,
        })
    }
}

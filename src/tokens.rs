//! Rotating OAuth tokens (Mercado Livre). An access token lives a few hours (`expires_in`, trusted,
//! never a constant); it is refreshed with a refresh token that is single use, and only the
//! newest one is valid. So:
//!
//! - One refresh at a time per integration, across handles and processes: the `token` lease.
//! - The new pair goes to the host (`Ponte::set_credentials_callback`) before it is used, since
//!   credentials are never written to the state file. Until the host has saved it, it is not
//!   used; a pair no host saved is lost with the process, and says so.
//! - Every refresh moves the integration's token generation in the state file. A handle whose
//!   pair is older than the state's (another handle or process refreshed since) takes the newer
//!   pair from this process when one of its handles made it, or else asks for the credentials
//!   the host saved, instead of spending a dead refresh token.
//! - A refresh whose answer was lost (or whose process died before recording its end) may have
//!   rotated the token already: the integration then needs the merchant to authorise the app
//!   again. It is never retried into `invalid_grant`.
//!
//! No token value is ever logged, stored or put in an error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::config::Secret;
use crate::platform::http::{Clock, HttpClient, Request, SendError};
use crate::store::tokens::{self as token_store, TokenState};
use crate::store::{lease, Db};

/// A pair is refreshed when it has less than this left.
const REFRESH_MARGIN_SECONDS: i64 = 5 * 60;

/// How long a handle waits for another one's refresh to end.
const WAIT_FOR_OTHER_REFRESH: Duration = Duration::from_secs(30);

/// An access token with the refresh token that replaces it.
#[derive(Clone)]
pub struct TokenPair {
    pub access_token: Option<Secret>,
    pub refresh_token: Secret,
    /// Unix seconds; `None` when not known, which refreshes before first use.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl TokenPair {
    /// The pair as the host saves it and gives back in `credentials`.
    pub fn to_credentials_json(&self) -> Value {
        serde_json::json!({
            "access_token": self.access_token.as_ref().map(Secret::expose),
            "refresh_token": self.refresh_token.expose(),
            "access_token_expires_at": self.expires_at.map(crate::time::format_rfc3339),
        })
    }
}

/// Saves a new pair for an integration where the host keeps credentials; an error keeps Ponte
/// from using the pair.
pub type SaveCredentials =
    Arc<dyn Fn(&str, &TokenPair) -> std::result::Result<(), String> + Send + Sync>;

/// The newest pair each integration's handles made in this process, by state file and
/// integration, with its generation: memory only.
static MADE_HERE: Mutex<BTreeMap<(String, String), (i64, TokenPair)>> = Mutex::new(BTreeMap::new());

/// Refreshed pairs no host has saved yet, by state file and integration: never used, offered
/// to the host again by the next handle of this process that needs a token. Memory only.
static UNSAVED: Mutex<BTreeMap<(String, String), TokenPair>> = Mutex::new(BTreeMap::new());

/// Where a connection's bearer token comes from.
pub struct Rotating {
    integration: String,
    state_path: PathBuf,
    holder: String,
    /// The API host, for `POST /oauth/token`.
    http: HttpClient,
    client_id: Secret,
    client_secret: Secret,
    save: Option<SaveCredentials>,
    clock: Arc<dyn Clock>,
    held: Mutex<Held>,
}

struct Held {
    pair: TokenPair,
    /// The token generation the pair belongs to.
    generation: i64,
}

impl std::fmt::Debug for Rotating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rotating")
            .field("integration", &self.integration)
            .finish_non_exhaustive()
    }
}

/// What a connection needs to refresh its tokens.
pub struct RotatingSetup {
    pub integration: String,
    pub state_path: PathBuf,
    pub holder: String,
    pub http: HttpClient,
    pub client_id: Secret,
    pub client_secret: Secret,
    pub pair: TokenPair,
    /// The generation the host's pair belongs to, as recorded when it was put.
    pub generation: i64,
    pub save: Option<SaveCredentials>,
    pub clock: Arc<dyn Clock>,
}

impl Rotating {
    pub fn new(setup: RotatingSetup) -> Rotating {
        Rotating {
            integration: setup.integration,
            state_path: setup.state_path,
            holder: setup.holder,
            http: setup.http,
            client_id: setup.client_id,
            client_secret: setup.client_secret,
            save: setup.save,
            clock: setup.clock,
            held: Mutex::new(Held {
                pair: setup.pair,
                generation: setup.generation,
            }),
        }
    }

    /// The access token to send now, refreshed first when it is about to expire.
    pub fn bearer(&self) -> Result<Secret> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let now = crate::time::now_unix();
        match (&held.pair.access_token, held.pair.expires_at) {
            (Some(token), Some(at)) if at - REFRESH_MARGIN_SECONDS > now => Ok(token.clone()),
            _ => {
                self.refresh(&mut held)?;
                held.pair
                    .access_token
                    .clone()
                    .ok_or_else(|| Error::Auth(self.says("the refresh gave no access token")))
            }
        }
    }

    /// The store refused `used` (401): refreshed once, unless a newer token is already held.
    pub fn refused(&self, used: &Secret) -> Result<Secret> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.pair.access_token.as_ref() != Some(used) {
            return held
                .pair
                .access_token
                .clone()
                .ok_or_else(|| Error::Auth(self.says("no access token")));
        }
        held.pair.expires_at = Some(0);
        self.refresh(&mut held)?;
        held.pair
            .access_token
            .clone()
            .ok_or_else(|| Error::Auth(self.says("the refresh gave no access token")))
    }

    /// This integration's key in the process's memory of pairs.
    fn key(&self) -> (String, String) {
        (
            self.state_path.display().to_string(),
            self.integration.clone(),
        )
    }

    fn says(&self, what: &str) -> String {
        format!("integration '{}': {what}", self.integration)
    }

    /// Refreshes the held pair, holding the integration's `token` lease.
    fn refresh(&self, held: &mut Held) -> Result<()> {
        let mut db = Db::open(&self.state_path)?;
        self.take_lease(&mut db)?;
        let result = self.refresh_leased(&mut db, held);
        let _ = lease::release(&mut db, &self.integration, "token", &self.holder);
        result
    }

    fn take_lease(&self, db: &mut Db) -> Result<()> {
        let started = self.clock.now();
        loop {
            match lease::acquire(db, &self.integration, "token", &self.holder) {
                Err(Error::RunningElsewhere(_))
                    if self.clock.now().duration_since(started) < WAIT_FOR_OTHER_REFRESH =>
                {
                    self.clock.sleep(Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    fn refresh_leased(&self, db: &mut Db, held: &mut Held) -> Result<()> {
        let state = db.read(|tx| token_store::get(tx, &self.integration))?;
        if state.status == "unsaved" {
            let unsaved = UNSAVED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&self.key());
            if let Some(fresh) = unsaved {
                return self.keep(db, held, &state, fresh);
            }
        }
        match state.status.as_str() {
            "reauthorize" => {
                return Err(Error::Auth(self.says(&format!(
                    "the seller must authorise the app again ({}); then put the integration with the new tokens",
                    state.reason.as_deref().unwrap_or("the tokens were lost")
                ))))
            }
            // The lease is ours, so whoever sent that refresh is gone without recording its end.
            "refreshing" | "unsaved" => {
                let reason = match state.status.as_str() {
                    "refreshing" => "a token refresh was sent and its process stopped before its answer was recorded: Mercado Livre may have rotated the refresh token already",
                    _ => "a refreshed token pair reached no host before its process stopped",
                };
                self.mark(db, state.generation, "reauthorize", Some(reason))?;
                return Err(Error::Auth(self.says(&format!(
                    "the seller must authorise the app again: {reason}"
                ))));
            }
            _ => {}
        }
        if state.generation > held.generation {
            // Another handle refreshed since this pair was given: its refresh token is spent.
            let key = (
                self.state_path.display().to_string(),
                self.integration.clone(),
            );
            let made_here = MADE_HERE
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            match made_here {
                Some((generation, pair)) if generation == state.generation => {
                    held.pair = pair;
                    held.generation = generation;
                    if held.pair.expires_at.is_some_and(|at| at - REFRESH_MARGIN_SECONDS > crate::time::now_unix()) {
                        return Ok(());
                    }
                }
                _ => {
                    return Err(Error::Auth(self.says(&format!(
                        "its Mercado Livre tokens were refreshed at {} by another process, which handed the new pair to its credentials callback; put the integration again with that pair (this one's refresh token is spent)",
                        state.changed_at
                    ))))
                }
            }
        }
        if self.save.is_none() {
            // A pair no host can keep would be lost with the process, and the old one is spent.
            return Err(Error::Auth(self.says(
                "its access token must be refreshed, and no credentials callback is set to keep the new pair (ponte_set_credentials_callback); nothing was sent",
            )));
        }
        self.mark(db, held.generation, "refreshing", None)?;
        crate::failpoint::reached("tokens.refresh_sent");
        let request = Request::form(
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", self.client_id.expose()),
                ("client_secret", self.client_secret.expose()),
                ("refresh_token", held.pair.refresh_token.expose()),
            ],
        );
        let answer = self.http.send(&request);
        let response = match answer {
            Ok(response) => response,
            Err(SendError {
                maybe_applied: false,
                error,
            }) => {
                self.mark(db, held.generation, "ok", None)?;
                return Err(error);
            }
            Err(SendError { error, .. }) => {
                let reason = format!(
                    "the answer to a token refresh was lost ({error}): Mercado Livre may have rotated the refresh token already, and a second try would be refused"
                );
                self.mark(db, held.generation, "reauthorize", Some(&reason))?;
                return Err(Error::Auth(self.says(&format!(
                    "the seller must authorise the app again: {reason}"
                ))));
            }
        };
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if !(200..300).contains(&response.status) {
            let code = body["error"].as_str().unwrap_or_default().to_string();
            let message = body["message"].as_str().unwrap_or_default().to_string();
            // Not processed: the refresh token is still good.
            if matches!(response.status, 429 | 503) {
                self.mark(db, held.generation, "ok", None)?;
                return Err(Error::Throttled(self.says(&format!(
                    "Mercado Livre answered {} to a token refresh; try again later",
                    response.status
                ))));
            }
            let reason = match (response.status, code.as_str()) {
                (400, "invalid_grant") => format!(
                    "Mercado Livre refused the refresh token (invalid_grant: {message}): it was used already, revoked, or the seller changed the password"
                ),
                (400 | 401 | 403, "invalid_client" | "unauthorized_client") => format!(
                    "Mercado Livre refused the app's client_id and client_secret ({code}: {message})"
                ),
                (status, _) => format!(
                    "Mercado Livre answered {status} {code} to a token refresh ({message}); whether it rotated the token cannot be known"
                ),
            };
            self.mark(db, held.generation, "reauthorize", Some(&reason))?;
            return Err(Error::Auth(self.says(&format!(
                "the seller must authorise the app again: {reason}"
            ))));
        }
        let fresh = match (
            body["access_token"].as_str(),
            body["refresh_token"].as_str(),
        ) {
            (Some(access), Some(refresh)) => TokenPair {
                access_token: Some(Secret::new(access)),
                refresh_token: Secret::new(refresh),
                expires_at: body["expires_in"]
                    .as_i64()
                    .map(|seconds| crate::time::now_unix() + seconds),
            },
            _ => {
                let reason = "Mercado Livre's answer to a token refresh had no token pair";
                self.mark(db, held.generation, "reauthorize", Some(reason))?;
                return Err(Error::Auth(self.says(reason)));
            }
        };
        crate::failpoint::reached("tokens.answer_read");
        self.keep(db, held, &state, fresh)
    }

    /// Hands a refreshed pair to the host, and uses it only once the host has saved it.
    fn keep(
        &self,
        db: &mut Db,
        held: &mut Held,
        state: &TokenState,
        fresh: TokenPair,
    ) -> Result<()> {
        let saved = match &self.save {
            Some(save) => save(&self.integration, &fresh),
            None => Err("no credentials callback is set, so the new pair could not be kept".into()),
        };
        if let Err(why) = saved {
            let reason = format!("the host did not save the refreshed tokens: {why}");
            self.mark(db, held.generation, "unsaved", Some(&reason))?;
            UNSAVED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(self.key(), fresh);
            return Err(Error::Auth(self.says(&format!(
                "{reason}; the new pair is held in this process only, unused, and offered to the callback again at the next call that needs a token"
            ))));
        }
        let generation = held.generation.max(state.generation) + 1;
        self.mark(db, generation, "ok", None)?;
        MADE_HERE.lock().unwrap_or_else(|p| p.into_inner()).insert(
            (
                self.state_path.display().to_string(),
                self.integration.clone(),
            ),
            (generation, fresh.clone()),
        );
        held.pair = fresh;
        held.generation = generation;
        log::info!(target: "ponte::tokens", "integration {}: tokens refreshed (generation {generation}), saved by the host", self.integration);
        Ok(())
    }

    fn mark(&self, db: &mut Db, generation: i64, status: &str, reason: Option<&str>) -> Result<()> {
        db.write(|tx| {
            token_store::put(
                tx,
                &self.integration,
                &TokenState {
                    generation,
                    status: status.into(),
                    reason: reason.map(str::to_string),
                    changed_at: crate::time::format_rfc3339(crate::time::now_unix()),
                },
            )
        })
    }
}

/// The generation a pair put now belongs to; a put of credentials also ends a `reauthorize`
/// (the merchant authorised again) and a stale `unsaved` or `refreshing`.
pub(crate) fn credentials_put(db: &mut Db, integration: &str) -> Result<i64> {
    db.write(|tx| {
        let mut state = token_store::get(tx, integration)?;
        if state.status != "ok" {
            state.status = "ok".into();
            state.reason = None;
            state.changed_at = crate::time::format_rfc3339(crate::time::now_unix());
            token_store::put(tx, integration, &state)?;
        }
        Ok(state.generation)
    })
}

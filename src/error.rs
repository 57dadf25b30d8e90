//! The one error type of the core. Each variant is something a caller can act on; the C layer
//! maps each to a stable status code (`src/ffi/status.rs`).

use std::fmt;

/// Everything that can go wrong in a Ponte call.
///
/// Messages name what was wrong and where (a JSON path, an SKU, a file) and never carry a
/// credential.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not JSON, or JSON of the wrong shape; `path` locates the problem.
    #[error("{}", at(path, message))]
    InvalidJson { path: String, message: String },

    /// The input is larger than Ponte accepts in one call.
    #[error("{what} is {size} bytes; the limit is {limit} bytes")]
    InputTooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },

    /// Well-formed input whose values break a rule (a negative price, a product without variants).
    #[error("{}", at(path, message))]
    InvalidData { path: String, message: String },

    /// An argument that is no JSON document is out of range or not one Ponte gave: a page size
    /// above the maximum, a paging cursor Ponte never returned. `argument` is its name.
    #[error("argument `{argument}` {message}")]
    InvalidArgument {
        argument: &'static str,
        message: String,
    },

    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),

    /// The request contradicts what is already recorded (an SKU shared by two products).
    #[error("{0}")]
    Conflict(String),

    /// A sync or capture of this integration runs in another handle or process (it holds the
    /// lease): try again when it ends. The C status is `PONTE_E_CONFLICT`.
    #[error("{0}")]
    RunningElsewhere(String),

    /// The integration config breaks one or more rules; every problem is listed.
    #[error("invalid integration config: {}", join_problems(.0))]
    InvalidConfig(Vec<ConfigProblem>),

    /// No integration with this id is configured in the state file.
    #[error("integration '{0}' is not configured")]
    IntegrationNotFound(String),

    /// The state file could not be opened or created at all.
    #[error("cannot open state file '{path}': {reason}")]
    StateFileUnavailable { path: String, reason: String },

    /// The state file, or its directory, cannot be written.
    #[error("{} is read-only: {reason}", file_label(path))]
    StateFileReadOnly { path: String, reason: String },

    /// The state file is damaged.
    #[error("{} is corrupt: {reason}", file_label(path))]
    StateFileCorrupt { path: String, reason: String },

    /// The open state file was deleted or replaced by another file; nothing more is written
    /// anywhere, the store included, until it is opened again.
    #[error(
        "{} {reason}; close the handle and open the state file again",
        file_label(path)
    )]
    StateFileGone { path: String, reason: String },

    /// The file is a database, but not a Ponte state file (the ERP's own database, say).
    #[error("'{path}' is not a Ponte state file: {reason}")]
    NotAStateFile { path: String, reason: String },

    /// The state file was written by a newer Ponte; it is left untouched.
    #[error(
        "state file '{path}' has schema version {found}, newer than the {supported} this Ponte \
         {version} understands; upgrade Ponte, the file was not changed"
    )]
    StateFileTooNew {
        path: String,
        found: i64,
        supported: i64,
        version: &'static str,
    },

    /// Another process held the state file's write lock for longer than the busy timeout.
    #[error("state file is busy: another process held its lock for too long ({0})")]
    StorageBusy(String),

    /// The disk, or the state file's size limit, is full.
    #[error("state file is full: {0}")]
    StorageFull(String),

    /// Any other SQLite failure.
    #[error("state file error: {0}")]
    Storage(String),

    /// The store could not be reached (refused, reset, unknown host), after the retries allowed.
    #[error("{0}")]
    Network(String),

    /// The store did not answer in time, after the retries allowed.
    #[error("{0}")]
    Timeout(String),

    /// The store refused the credentials or their permissions; never carries the secret.
    #[error("{0}")]
    Auth(String),

    /// Something this Ponte does not do yet, or not on this platform.
    #[error("{0}")]
    Unsupported(String),

    /// The store answered with its error envelope; `code` is the platform's own.
    #[error("store answered {status} {code}: {message}")]
    Remote {
        status: u16,
        code: String,
        message: String,
    },

    /// The store kept answering 429 (or asked to wait longer than allowed).
    #[error("{0}")]
    Throttled(String),

    /// The store answered with a redirect, which Ponte never follows (credentials would go along).
    #[error("{0}")]
    RedirectRefused(String),

    /// The store's response was larger than the configured limit.
    #[error("{0}")]
    ResponseTooLarge(String),

    /// TLS failed: a certificate that does not verify, or no TLS where it is required.
    #[error("{0}")]
    Tls(String),

    /// The store's response could not be understood (not JSON, or a field of the wrong type).
    #[error("{0}")]
    InvalidResponse(String),
}

/// One broken rule in an integration config.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigProblem {
    /// JSON path of the offending setting, such as `order_capture.received_status`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&at(&self.path, &self.message))
    }
}

fn at(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

/// Names the state file in a message; mid-operation SQLite errors do not know the path.
fn file_label(path: &str) -> String {
    if path.is_empty() {
        "the state file".to_string()
    } else {
        format!("state file '{path}'")
    }
}

fn join_problems(problems: &[ConfigProblem]) -> String {
    let parts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid_data(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidData {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// SQLite failures in the middle of an operation; opening the file has its own, more specific
/// mapping in `store::open`.
impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as Code;
        let text = err.to_string();
        match err.sqlite_error_code() {
            Some(Code::DatabaseBusy | Code::DatabaseLocked) => Error::StorageBusy(text),
            Some(Code::DiskFull) => Error::StorageFull(text),
            Some(Code::ReadOnly) => Error::StateFileReadOnly {
                path: String::new(),
                reason: text,
            },
            Some(Code::DatabaseCorrupt | Code::NotADatabase) => Error::StateFileCorrupt {
                path: String::new(),
                reason: text,
            },
            _ => Error::Storage(text),
        }
    }
}

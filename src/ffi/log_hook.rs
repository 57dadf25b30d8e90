//! Log records to the host: the library never writes to stdout or stderr itself. Ponte logs
//! through the `log` facade; a C host receives the records through one callback.

use std::ffi::{c_char, c_void, CString};
use std::sync::RwLock;

use super::boundary::{run, Failure};

/// Log levels, as passed to the callback and to `ponte_log_set_callback`'s `max_level`.
pub const PONTE_LOG_OFF: i32 = 0;
pub const PONTE_LOG_ERROR: i32 = 1;
pub const PONTE_LOG_WARN: i32 = 2;
pub const PONTE_LOG_INFO: i32 = 3;
pub const PONTE_LOG_DEBUG: i32 = 4;
pub const PONTE_LOG_TRACE: i32 = 5;

/// Receives one log record: its level (`PONTE_LOG_ERROR` .. `PONTE_LOG_TRACE`), its target (the
/// part of Ponte, such as `"ponte::catalog"`) and its message, both UTF-8 and borrowed for the
/// call only. Called on the thread that made the Ponte call. It must return normally (no C++
/// exception, no longjmp) and must not call Ponte on the handle whose call is logging.
#[allow(non_camel_case_types)]
pub type ponte_log_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: i32,
        target: *const c_char,
        message: *const c_char,
    ),
>;

struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, i32, *const c_char, *const c_char),
    /// The host's pointer, kept as a number: Ponte never dereferences it.
    user_data: usize,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

struct HostLogger;

/// Whether a record may reach the host: Ponte's own at any level; its dependencies' only at
/// `info` and above. At `debug` and `trace` the HTTP and TLS crates log raw request bytes, which
/// hold the `Authorization` header; no byte of a credential may reach the host's log.
fn forwarded(metadata: &log::Metadata<'_>) -> bool {
    let ours = metadata.target() == "ponte" || metadata.target().starts_with("ponte::");
    metadata.level() <= log::max_level() && (ours || metadata.level() <= log::Level::Info)
}

impl log::Log for HostLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        forwarded(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) || crate::parallel::relayed(record) {
            return;
        }
        let sink = SINK.read().unwrap_or_else(|poison| poison.into_inner());
        let Some(sink) = sink.as_ref() else { return };
        let text = |s: String| CString::new(s.replace('\0', "\\0")).unwrap_or_default();
        let target = text(record.target().to_string());
        let message = text(record.args().to_string());
        let level = record.level() as i32;
        // SAFETY: the host registered this function for exactly these arguments.
        unsafe {
            (sink.callback)(
                sink.user_data as *mut c_void,
                level,
                target.as_ptr(),
                message.as_ptr(),
            )
        };
    }

    fn flush(&self) {}
}

static LOGGER: HostLogger = HostLogger;

/// Sends Ponte's log records at or above `max_level` to `callback`, process-wide, replacing any
/// callback set before. Records of the libraries Ponte uses come only at `PONTE_LOG_INFO` and
/// above: below it they carry raw request bytes, credentials included.
///
/// Parameters: `callback`, or NULL to stop logging; `user_data`, passed back to each call
/// untouched; `max_level`, `PONTE_LOG_OFF` .. `PONTE_LOG_TRACE`.
/// Returns: `PONTE_OK`; `PONTE_E_INVALID_ARGUMENT` (a level outside 0..5); `PONTE_E_INTERNAL`
/// (a Rust host already installed another `log` logger).
/// Ownership: `user_data` stays the caller's; it must stay valid until the callback is replaced.
/// Thread safety: any thread; records then arrive on the threads that make Ponte calls.
#[no_mangle]
pub extern "C" fn ponte_log_set_callback(
    callback: ponte_log_callback,
    user_data: *mut c_void,
    max_level: i32,
) -> i32 {
    run("ponte_log_set_callback", || {
        let filter = match max_level {
            PONTE_LOG_OFF => log::LevelFilter::Off,
            PONTE_LOG_ERROR => log::LevelFilter::Error,
            PONTE_LOG_WARN => log::LevelFilter::Warn,
            PONTE_LOG_INFO => log::LevelFilter::Info,
            PONTE_LOG_DEBUG => log::LevelFilter::Debug,
            PONTE_LOG_TRACE => log::LevelFilter::Trace,
            other => {
                return Err(Failure::InvalidArgument(format!(
                    "argument `max_level` is {other}; use PONTE_LOG_OFF (0) to PONTE_LOG_TRACE (5)"
                )))
            }
        };
        install_logger()?;
        let mut sink = SINK.write().unwrap_or_else(|poison| poison.into_inner());
        *sink = callback.map(|callback| Sink {
            callback,
            user_data: user_data as usize,
        });
        log::set_max_level(if sink.is_some() {
            filter
        } else {
            log::LevelFilter::Off
        });
        Ok(())
    })
}

fn install_logger() -> Result<(), Failure> {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ours = *INSTALLED.get_or_init(|| log::set_logger(&LOGGER).is_ok());
    if ours {
        Ok(())
    } else {
        Err(Failure::Internal(
            "another `log` logger is installed in this process; Rust hosts receive Ponte's records through it"
                .to_string(),
        ))
    }
}

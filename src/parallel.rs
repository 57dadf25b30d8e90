//! Requests sent on helper threads during one call, whose log records still reach the host on
//! the thread that made the call, as the C ABI promises its log callback.

use std::cell::RefCell;
use std::sync::mpsc::{channel, Receiver, Sender};

/// A log record made on a helper thread, waiting for the calling thread.
pub(crate) struct Relayed {
    level: log::Level,
    target: String,
    message: String,
}

thread_local! {
    /// Set on a helper thread while it works for a call: where its log records go.
    static RELAY: RefCell<Option<Sender<Relayed>>> = const { RefCell::new(None) };
}

/// The calling thread's end: helpers' records wait here until `replay`.
pub(crate) struct LogRelay {
    sender: Sender<Relayed>,
    records: Receiver<Relayed>,
}

impl LogRelay {
    pub(crate) fn new() -> LogRelay {
        let (sender, records) = channel();
        LogRelay { sender, records }
    }

    /// Where a helper thread sends its records; give it to `on_helper`.
    pub(crate) fn sender(&self) -> Sender<Relayed> {
        self.sender.clone()
    }

    /// Logs, on this thread, what the helpers logged so far.
    pub(crate) fn replay(&self) {
        for record in self.records.try_iter() {
            log::logger().log(
                &log::Record::builder()
                    .level(record.level)
                    .target(&record.target)
                    .args(format_args!("{}", record.message))
                    .build(),
            );
        }
    }
}

/// Runs `work` on this helper thread with its log records relayed to the calling thread.
pub(crate) fn on_helper<T>(relay: Sender<Relayed>, work: impl FnOnce() -> T) -> T {
    RELAY.with(|slot| *slot.borrow_mut() = Some(relay));
    let result = work();
    RELAY.with(|slot| *slot.borrow_mut() = None);
    result
}

/// For a logger that must log on the calling thread: takes the record when this is a helper
/// thread (it is logged later by `LogRelay::replay`), and says so.
pub(crate) fn relayed(record: &log::Record<'_>) -> bool {
    RELAY.with(|slot| match slot.borrow().as_ref() {
        Some(sender) => {
            let _ = sender.send(Relayed {
                level: record.level(),
                target: record.target().to_string(),
                message: record.args().to_string(),
            });
            true
        }
        None => false,
    })
}

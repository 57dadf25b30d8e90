//! The state file: one SQLite database per handle, owned by Ponte and never by the ERP.
//!
//! WAL with `synchronous=FULL`, so a committed row survives a power cut; every write transaction
//! starts with `BEGIN IMMEDIATE`, so two processes never deadlock upgrading a read lock; the
//! schema moves forward through numbered migrations recorded in `user_version`.

pub(crate) mod catalog;
pub(crate) mod categories;
pub(crate) mod integrations;
pub(crate) mod jobs;
pub(crate) mod lease;
mod migrations;
pub(crate) mod orders;
mod process;
pub(crate) mod sync;
pub(crate) mod tokens;
pub(crate) mod webhooks;

use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

pub use catalog::{ProductsSummary, RetireSummary, StockSummary, UpsertSummary};
pub use integrations::StoredIntegration;
pub use migrations::SCHEMA_VERSION;

/// Marks a database as a Ponte state file (`PRAGMA application_id`, "PNTE").
const APPLICATION_ID: i32 = 0x504E_5445;

/// How long a write waits for another process to release the file before `StorageBusy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The current time in UTC as RFC 3339 with milliseconds, computed by SQLite.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// An open state file.
pub struct Db {
    conn: Connection,
    path: String,
    /// Which file the path named when it was opened: if the path later names another file, or
    /// none, this handle's file was deleted or replaced.
    identity: Option<FileIdentity>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

/// A file as the file system knows it, whatever its name: device and inode on Unix. Elsewhere
/// an open file cannot be deleted or replaced, so its existence is what is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(metadata: &std::fs::Metadata) -> Option<FileIdentity> {
        use std::os::unix::fs::MetadataExt;
        Some(FileIdentity {
            device: metadata.dev(),
            inode: metadata.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of(_metadata: &std::fs::Metadata) -> Option<FileIdentity> {
        None
    }
}

impl Db {
    /// Opens the state file at `path`, creating it if it does not exist, and brings its schema
    /// up to date. A file from a newer Ponte, or another program's database, is left untouched.
    /// A new file is built beside the path and moved into place whole, so a half-created file
    /// never sits there; an empty file at the path is refused, not taken for a new one.
    pub fn open(path: &Path) -> Result<Db> {
        let shown = path.display().to_string();
        let unavailable = |reason: String| Error::StateFileUnavailable {
            path: shown.clone(),
            reason,
        };
        if is_network_path(&shown) {
            return Err(unavailable(
                "a network share cannot hold a state file: SQLite's WAL needs a local disk".into(),
            ));
        }
        if path.is_dir() {
            return Err(unavailable("it is a directory".into()));
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(unavailable(format!(
                "directory '{}' does not exist",
                dir.display()
            )));
        }
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.len() == 0 => {
                return Err(Error::NotAStateFile {
                    path: shown,
                    reason: "the file is empty (a state file is never empty: Ponte creates it \
                              whole); remove it to start a new state file, or give the right path"
                        .into(),
                })
            }
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => create(path, dir, &shown)?,
            Err(err) => return Err(unavailable(err.to_string())),
        }
        let mut db = Db::connect(path, &shown)?;
        db.identity = std::fs::metadata(path)
            .ok()
            .as_ref()
            .and_then(FileIdentity::of);
        Ok(db)
    }

    /// Opens an existing file (or the temporary one `create` builds) and prepares it.
    fn connect(path: &Path, shown: &str) -> Result<Db> {
        // Opening for writing first tells a read-only file apart from other failures, which
        // SQLite reports alike as "unable to open database file".
        if let Err(err) = OpenOptions::new().append(true).open(path) {
            return Err(match err.kind() {
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                    Error::StateFileReadOnly {
                        path: shown.to_string(),
                        reason: err.to_string(),
                    }
                }
                _ => Error::StateFileUnavailable {
                    path: shown.to_string(),
                    reason: err.to_string(),
                },
            });
        }
        // No URI flag: a path like "file:x?mode=ro" is a file name, not instructions.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|err| opening_error(shown, err))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|err| opening_error(shown, err))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(Error::StateFileReadOnly {
                path: shown.to_string(),
                reason: "the file cannot be written".into(),
            });
        }

        let mut db = Db {
            conn,
            path: shown.to_string(),
            identity: None,
        };
        // Switching a new file to WAL takes an exclusive lock that SQLite does not wait for, so
        // two processes creating the same file at once retry here instead of failing.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            match db.prepare() {
                Err(Error::StorageBusy(_)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                outcome => return outcome.map(|()| db),
            }
        }
    }

    /// Checks the file is ours, sets the connection up and migrates the schema.
    fn prepare(&mut self) -> Result<()> {
        self.check_identity()?;
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA trusted_schema = OFF;",
            )
            .map_err(|err| opening_error(&self.path, err))?;
        migrations::migrate(self)
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Refuses a database that is not ours, or that a newer Ponte wrote, before changing a byte.
    fn check_identity(&self) -> Result<()> {
        // One statement, so the three values come from one snapshot even while another
        // process is creating the schema.
        let (application_id, version, objects): (i64, i64, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id),
                        (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_schema)",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .map_err(|err| opening_error(&self.path, err))?;
        if application_id != i64::from(APPLICATION_ID) && (objects > 0 || version > 0) {
            return Err(Error::NotAStateFile {
                path: self.path.clone(),
                reason: format!(
                    "it is a SQLite database of another program (application_id {application_id}); \
                     give Ponte a file of its own"
                ),
            });
        }
        migrations::refuse_newer(&self.path, version)
    }

    /// Fails with `StateFileGone` when the path no longer names the file this handle opened
    /// (deleted, or replaced by another file): writes would go to a file no one will open again,
    /// and a store would be sent changes whose record is lost.
    pub fn verify(&self) -> Result<()> {
        let gone = |reason: &str| {
            Err(Error::StateFileGone {
                path: self.path.clone(),
                reason: reason.to_string(),
            })
        };
        match std::fs::metadata(&self.path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                gone("was deleted while it was open")
            }
            Ok(metadata)
                if self.identity.is_some() && FileIdentity::of(&metadata) != self.identity =>
            {
                gone("was replaced by another file while it was open")
            }
            _ => Ok(()),
        }
    }

    /// Runs `work` in one write transaction, begun with `BEGIN IMMEDIATE` so that it either takes
    /// the write lock up front or waits for it; an error rolls everything back. Refused when the
    /// file was deleted or replaced (`verify`).
    pub fn write<T>(&mut self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.verify()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Caps the file at `pages` pages of SQLite's (or lifts the cap): writes beyond it fail as
    /// a full disk does. For tests of a full disk.
    #[doc(hidden)]
    pub fn limit_pages(&mut self, pages: Option<u32>) -> Result<()> {
        let pages = pages.map_or(u32::MAX as u64 * 2, u64::from);
        // PRAGMA takes no parameters; the number is formatted from an integer.
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// Runs `work` against a consistent snapshot.
    pub fn read<T>(&mut self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        work(&tx)
    }
}

/// Builds a new state file beside `path` and moves it into place whole. If another process
/// created the file meanwhile, its file is kept.
fn create(path: &Path, dir: &Path, shown: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ponte.db".into());
    let building = dir.join(format!(
        ".{name}.creating-{}",
        crate::platform::oauth::nonce()
    ));
    let created = (|| {
        if let Err(err) = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&building)
        {
            return Err(match err.kind() {
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                    Error::StateFileReadOnly {
                        path: shown.to_string(),
                        reason: err.to_string(),
                    }
                }
                _ => Error::StateFileUnavailable {
                    path: shown.to_string(),
                    reason: err.to_string(),
                },
            });
        }
        // Closing the connection checkpoints the WAL into the file and removes it.
        drop(Db::connect(&building, shown)?);
        // A hard link never replaces a file another process put at the path first.
        match std::fs::hard_link(&building, path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) if !path.exists() => {
                std::fs::rename(&building, path).map_err(|err| Error::StateFileUnavailable {
                    path: shown.to_string(),
                    reason: err.to_string(),
                })
            }
            Err(_) => Ok(()),
        }
    })();
    for leftover in ["", "-wal", "-shm", "-journal"] {
        let mut name = building.clone().into_os_string();
        name.push(leftover);
        let _ = std::fs::remove_file(name);
    }
    created
}

/// Maps SQLite's errors while opening to ones that say what to do.
fn opening_error(path: &str, err: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as Code;
    let reason = err.to_string();
    let path = path.to_string();
    match err.sqlite_error_code() {
        Some(Code::NotADatabase | Code::DatabaseCorrupt) => Error::StateFileCorrupt {
            path,
            reason: format!("{reason} (a damaged state file, or not a state file at all)"),
        },
        Some(Code::ReadOnly) => Error::StateFileReadOnly { path, reason },
        Some(Code::DatabaseBusy | Code::DatabaseLocked) => Error::StorageBusy(reason),
        Some(Code::CannotOpen) => Error::StateFileUnavailable { path, reason },
        _ => Error::Storage(format!("'{path}': {reason}")),
    }
}

/// WAL corrupts on network file systems. A UNC path (`\\server\share\...`,
/// `//server/share/...`, `\\?\UNC\server\...`) names a network share, and so does a drive letter
/// mapped to one; `\\?\C:\...` and `\\.\C:\...` are local paths in Windows' long forms.
fn is_network_path(path: &str) -> bool {
    let long_form = path.starts_with(r"\\?\") || path.starts_with(r"\\.\");
    if long_form {
        let rest = &path[4..];
        return rest
            .get(..4)
            .is_some_and(|unc| unc.eq_ignore_ascii_case(r"UNC\"))
            || is_network_drive(rest);
    }
    path.starts_with(r"\\") || path.starts_with("//") || is_network_drive(path)
}

/// A drive letter mapped to a network share (`Z:` for `\\server\share`), as Windows knows it.
#[cfg(windows)]
fn is_network_drive(path: &str) -> bool {
    use windows_sys::Win32::Storage::FileSystem::GetDriveTypeW;
    const DRIVE_REMOTE: u32 = 4;
    let bytes = path.as_bytes();
    if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphabetic() {
        return false;
    }
    let root = [u16::from(bytes[0]), u16::from(b':'), u16::from(b'\\'), 0];
    // SAFETY: `root` is a NUL-terminated UTF-16 string that outlives the call.
    unsafe { GetDriveTypeW(root.as_ptr()) == DRIVE_REMOTE }
}

#[cfg(not(windows))]
fn is_network_drive(_path: &str) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_shares_are_recognised() {
        assert!(is_network_path(r"\\srv\share\ponte.db"));
        assert!(is_network_path("//srv/share/ponte.db"));
        assert!(!is_network_path("/var/lib/ponte.db"));
        assert!(!is_network_path(r"C:\ERP\ponte.db"));
        assert!(is_network_path(r"\\?\UNC\srv\share\ponte.db"));
        assert!(is_network_path(r"\\?\unc\srv\share\ponte.db"));
        assert!(!is_network_path(r"\\?\C:\ERP\ponte.db"));
        assert!(!is_network_path(r"\\.\C:\ERP\ponte.db"));
    }
}

//! The state file: created on first open, WAL, numbered migrations, and clean errors for every
//! way the file or its location can be wrong (RELIABILITY.md scenarios 23 and 24).

mod common;

use std::path::Path;

use common::sync::Rig;
use ponte::{Error, Ponte};

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_new_file_is_created_in_wal_mode_with_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    drop(Ponte::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(version, ponte::store::SCHEMA_VERSION);
    assert_eq!(integrity, "ok");
}

#[test]
fn data_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    {
        let mut ponte = Ponte::open(&path).unwrap();
        ponte
            .integration_put(ponte::model::config::parse_config(common::CONFIG).unwrap())
            .unwrap();
    }
    let mut ponte = Ponte::open(&path).unwrap();
    let view = ponte.integration_get("loja").unwrap();
    assert_eq!(view.config.base_url, "https://loja.example.com.br");
    // Credentials were never written down: a new session must give them again.
    assert!(view.credentials_set.is_empty());
}

#[test]
fn a_file_from_a_newer_ponte_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    drop(Ponte::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = bytes(&path);
    let err = Ponte::open(&path).unwrap_err();
    assert!(
        matches!(err, Error::StateFileTooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("schema version 99"), "{err}");
    assert_eq!(bytes(&path), before, "the file changed");
    assert!(
        !dir.path().join("ponte.db-wal").exists(),
        "WAL was switched on"
    );
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erp.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE clientes (id INTEGER PRIMARY KEY, nome TEXT);")
            .unwrap();
    }
    let before = bytes(&path);
    let err = Ponte::open(&path).unwrap_err();
    assert!(matches!(err, Error::NotAStateFile { .. }), "{err:?}");
    assert_eq!(bytes(&path), before);
}

#[test]
fn a_missing_directory_is_named_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("ponte.db");
    let err = Ponte::open(&path).unwrap_err();
    assert!(matches!(err, Error::StateFileUnavailable { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no-such-dir' does not exist"),
        "{err}"
    );
    assert!(!dir.path().join("no-such-dir").exists());
}

#[test]
fn a_read_only_location_gives_a_read_only_error() {
    // sysfs refuses new files even to root, which chmod cannot do.
    if !Path::new("/sys/kernel").is_dir() {
        eprintln!("no sysfs on this machine; nothing to test");
        return;
    }
    let err = Ponte::open("/sys/ponte.db").unwrap_err();
    assert!(matches!(err, Error::StateFileReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("/sys/ponte.db"), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    std::fs::write(
        &path,
        "Este arquivo é uma planilha, não um banco de dados.\n".repeat(200),
    )
    .unwrap();
    let err = Ponte::open(&path).unwrap_err();
    assert!(matches!(err, Error::StateFileCorrupt { .. }), "{err:?}");
}

#[test]
fn a_damaged_header_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    {
        let mut ponte = Ponte::open(&path).unwrap();
        ponte
            .catalog_put_products(&ponte::model::catalog::parse_products(common::PRODUCTS).unwrap())
            .unwrap();
    }
    let mut file = bytes(&path);
    for byte in &mut file[0..16] {
        *byte ^= 0xA5;
    }
    std::fs::write(&path, file).unwrap();
    let err = Ponte::open(&path).unwrap_err();
    assert!(matches!(err, Error::StateFileCorrupt { .. }), "{err:?}");
}

#[test]
fn a_directory_or_a_network_share_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Ponte::open(dir.path()).unwrap_err(),
        Error::StateFileUnavailable { .. }
    ));
    let err = Ponte::open(r"\\servidor\erp\ponte.db").unwrap_err();
    assert!(err.to_string().contains("network share"), "{err}");
}

#[test]
fn opening_a_new_file_from_many_threads_at_once_creates_its_schema_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                barrier.wait();
                Ponte::open(&path).unwrap();
            });
        }
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'product'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn a_writer_held_lock_gives_busy_after_the_timeout_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    let mut ponte = Ponte::open(&path).unwrap();
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let brands = ponte::model::catalog::parse_brands(common::BRANDS).unwrap();
    let err = ponte.catalog_put_brands(&brands).unwrap_err();
    assert!(matches!(err, Error::StorageBusy(_)), "{err:?}");
    blocker.execute_batch("ROLLBACK").unwrap();
    ponte.catalog_put_brands(&brands).unwrap();
}

#[test]
fn the_bundled_sqlite_has_the_wal_reset_fix() {
    // 3.7.0 to 3.51.2 can corrupt a WAL database on reset; 3.51.3 fixed it.
    assert!(
        rusqlite::version_number() >= 3_051_003,
        "bundled SQLite is {}",
        rusqlite::version()
    );
}

/// A rig whose state file is then taken away under its open handle by `take_away`.
fn taken_away(take_away: impl FnOnce(&Path)) -> (common::sync::Rig, ponte::Error) {
    let mut rig = common::sync::Rig::new();
    rig.put(&[common::sync::product("1", "A", None, 1000, 5)]);
    rig.sync();
    let path = rig._dir.path().join("ponte.db");
    take_away(&path);
    rig.put_err(&[common::sync::product("2", "B", None, 1000, 5)])
        .map(|err| (rig, err))
        .expect("a write to a state file that is gone must fail")
}

#[test]
fn a_state_file_deleted_while_open_takes_no_write_and_nothing_goes_to_the_store() {
    let (mut rig, err) = taken_away(|path| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    });
    assert!(
        matches!(&err, Error::StateFileGone { reason, .. } if reason == "was deleted while it was open"),
        "{err:?}"
    );
    rig.sandbox.reset_counters();
    let err = rig
        .ponte
        .sync_products("loja", ponte::sync::SyncOptions::default(), &mut |_| true)
        .unwrap_err();
    assert!(matches!(err, Error::StateFileGone { .. }), "{err:?}");
    assert!(
        err.to_string().ends_with(
            "was deleted while it was open; close the handle and open the state file again"
        ),
        "{err}"
    );
    assert_eq!(
        rig.sandbox.total_requests(),
        0,
        "the store was sent something"
    );
    assert!(rig.ponte.capture_orders("loja").is_err());
    assert_eq!(rig.sandbox.total_requests(), 0);
}

#[test]
fn a_state_file_replaced_while_open_takes_no_write() {
    let (_rig, err) = taken_away(|path| {
        let other = path.with_file_name("other.db");
        drop(Ponte::open(&other).unwrap());
        std::fs::rename(&other, path).unwrap();
    });
    assert!(
        matches!(&err, Error::StateFileGone { reason, .. } if reason.contains("replaced")),
        "{err:?}"
    );
}

#[test]
fn an_empty_file_is_refused_by_name_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    std::fs::write(&path, b"").unwrap();
    let err = Ponte::open(&path).unwrap_err();
    assert!(matches!(err, Error::NotAStateFile { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "'{}' is not a Ponte state file: the file is empty",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}

#[test]
fn a_new_state_file_appears_whole_and_leaves_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ponte.db");
    drop(Ponte::open(&path).unwrap());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("ponte.db"))
        .collect();
    assert!(names.is_empty(), "left beside the file: {names:?}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, ponte::store::SCHEMA_VERSION);
}

#[test]
fn a_full_disk_is_a_storage_full_error_with_nothing_half_written_and_it_recovers() {
    let mut rig = common::sync::Rig::new();
    rig.put(&[common::sync::product("1", "A", None, 1000, 5)]);
    let used: u32 = rusqlite::Connection::open(rig._dir.path().join("ponte.db"))
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    rig.ponte.limit_state_file_pages(Some(used)).unwrap();
    let many: Vec<String> = (0..500)
        .map(|n| common::sync::product(&format!("B{n}"), &format!("B{n}"), None, 1000, 5))
        .collect();
    let err = rig.put_err(&many).expect("the disk is full");
    assert!(matches!(err, Error::StorageFull(_)), "{err:?}");
    // All or nothing: not one of the 500 is in the catalog.
    let missing = rig
        .ponte
        .catalog_get(&ponte::model::catalog::ProductKey::ErpId("B0".into()))
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    rig.ponte.limit_state_file_pages(None).unwrap();
    assert!(rig.put_err(&many).is_none());
    assert_eq!(Rig::count(&rig.sync(), "create"), 501);
}

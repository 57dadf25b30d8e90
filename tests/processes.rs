//! Many processes on one state file at once (RELIABILITY.md scenarios 22 and 24): writers that
//! each commit hundreds of small transactions while a reader reads, and processes that all
//! create the same new file at the same moment. Every write commits or fails cleanly as busy;
//! the schema is created once; the file stays intact.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use ponte::model::catalog::{parse_products, parse_stock};
use ponte::Ponte;

const WRITERS: usize = 4;
const WRITES: usize = 300;

/// A child: waits for the start file, then does its part. Run only by the tests below.
#[test]
#[ignore = "the child of the many-process tests, run by them"]
fn process_child() {
    let var = |name: &str| std::env::var(name).expect("run by the many-process tests only");
    let (db, start, role) = (
        var("PONTE_PROC_DB"),
        var("PONTE_PROC_START"),
        var("PONTE_PROC_ROLE"),
    );
    common::wait_until("the start signal", || Path::new(&start).exists());
    let mut ponte = Ponte::open(&db).unwrap();
    if let Some(writer) = role.strip_prefix("writer-") {
        let (mut committed, mut busy, mut last) = (0, 0, 0);
        for n in 0..WRITES {
            let level = format!(r#"[{{"sku":"W{writer}","quantity":{n}}}]"#);
            match ponte.catalog_put_stock(&parse_stock(&level).unwrap()) {
                Ok(_) => (committed, last) = (committed + 1, n),
                Err(ponte::Error::StorageBusy(_)) => busy += 1,
                Err(other) => panic!("writer {writer}: {other}"),
            }
        }
        println!("committed {committed} busy {busy} last {last}");
    } else if role == "reader" {
        for _ in 0..WRITES {
            for writer in 0..WRITERS {
                let key = ponte::model::catalog::ProductKey::Sku(format!("W{writer}"));
                ponte.catalog_get(&key).unwrap();
            }
        }
        println!("read");
    } else {
        println!("opened");
    }
}

fn child(db: &Path, start: &Path, role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "process_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PONTE_PROC_DB", db)
        .env("PONTE_PROC_START", start)
        .env("PONTE_PROC_ROLE", role)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn output(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn integrity(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn writers_in_four_processes_and_a_reader_all_commit_or_are_told_busy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ponte.db");
    let start = dir.path().join("start");
    {
        let mut ponte = Ponte::open(&db).unwrap();
        let products: Vec<String> = (0..WRITERS)
            .map(|w| common::sync::product(&format!("P{w}"), &format!("W{w}"), None, 1000, 0))
            .collect();
        ponte
            .catalog_put_products(&parse_products(&format!("[{}]", products.join(","))).unwrap())
            .unwrap();
    }
    let mut children: Vec<Child> = (0..WRITERS)
        .map(|w| child(&db, &start, &format!("writer-{w}")))
        .collect();
    children.push(child(&db, &start, "reader"));
    std::fs::write(&start, b"go").unwrap();
    // Each writer's count of commits and busy answers, and the last quantity it committed.
    let mut writers = Vec::new();
    for child in children {
        let text = output(child);
        // libtest may print the test's name on the same line first.
        if let Some(at) = text.find("committed ") {
            let line = text[at..].lines().next().unwrap_or_default();
            let numbers: Vec<usize> = line
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            assert_eq!(numbers[0] + numbers[1], WRITES, "{line}");
            assert!(numbers[0] > 0, "a writer never committed: {line}");
            writers.push((numbers[0], numbers[2]));
        }
    }
    assert_eq!(writers.len(), WRITERS);
    // Small transactions with a five-second busy timeout nearly always all commit; on a loaded
    // machine one may be told busy, which is an answer, not a loss: what is stored is each
    // writer's last committed level.
    assert_eq!(integrity(&db), "ok");
    let mut ponte = Ponte::open(&db).unwrap();
    for (w, (_, last)) in writers.iter().enumerate() {
        let product = ponte
            .catalog_get(&ponte::model::catalog::ProductKey::Sku(format!("W{w}")))
            .unwrap();
        let json = serde_json::to_value(&product).unwrap();
        assert_eq!(json["variants"][0]["stock"], *last as i64, "{json}");
    }
}

#[test]
fn processes_creating_one_new_state_file_at_once_make_one_schema() {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ponte.db");
        let start = dir.path().join("start");
        let children: Vec<Child> = (0..6).map(|_| child(&db, &start, "opener")).collect();
        std::fs::write(&start, b"go").unwrap();
        for child in children {
            assert!(output(child).contains("opened"));
        }
        assert_eq!(integrity(&db), "ok");
        let version: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, ponte::store::SCHEMA_VERSION);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("creating"))
            .collect();
        assert!(names.is_empty(), "left behind: {names:?}");
    }
}

//! Migrations: a file written at an older schema version is brought up to date in
//! place with its data intact, each step recorded in `schema_migrations`; a file from
//! a newer version is refused, never downgraded.

mod common;

use cartographus_store::{Filter, OpenError, Store, StoreConfig, SCHEMA_VERSION};
use common::Play;

fn versions(path: &std::path::Path) -> Vec<(i32, String)> {
    let conn = duckdb::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn an_older_file_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    let events: Vec<_> = (0..20)
        .map(|i| Play::new(format!("s{i}"), "1", "10", i * 400).build())
        .collect();
    {
        let mut old = Store::open(StoreConfig::file(&path).with_stop_at_schema_version(1)).unwrap();
        assert_eq!(old.schema_version(), 1);
        assert_eq!(old.append(&events).unwrap().inserted, 20);
    }
    assert_eq!(versions(&path), vec![(1, "core".to_owned())]);

    let store = Store::open(StoreConfig::file(&path)).unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 20);
    assert_eq!(
        store
            .reads()
            .playback(events[3].event_id())
            .unwrap()
            .unwrap(),
        events[3]
    );
    // The tables of migration 2 are there and work.
    assert!(store.reads().trust_scores().unwrap().is_empty());
    drop(store);
    let v = versions(&path);
    assert_eq!(v.len(), SCHEMA_VERSION as usize);
    assert_eq!(v[1], (2, "detection".to_owned()));

    // Opening an up-to-date file again migrates nothing.
    let store = Store::open(StoreConfig::file(&path)).unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    drop(store);
    assert_eq!(versions(&path).len(), SCHEMA_VERSION as usize);
}

#[test]
fn a_file_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.duckdb");
    drop(Store::open(StoreConfig::file(&path)).unwrap());
    {
        // What a future build would have written.
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'future')", [])
            .unwrap();
    }
    match Store::open(StoreConfig::file(&path)) {
        Err(OpenError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (99, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let msg = Store::open(StoreConfig::file(&path))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("99") && msg.contains("upgrade"), "{msg}");
}

#[test]
fn in_memory_stores_start_at_the_newest_version() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(store.file_size(), 0);
}

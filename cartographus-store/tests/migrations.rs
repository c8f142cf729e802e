//! Migrations: a file written at an older schema version is brought up to date in
//! place with its data intact, each step recorded in `schema_migrations`; a file from
//! a newer version is refused, never downgraded.

mod common;

use cartographus_store::{Filter, IngestError, OpenError, Store, StoreConfig, SCHEMA_VERSION};
use common::Play;

fn versions(path: &std::path::Path) -> Vec<(i32, String)> {
    let conn = duckdb::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// A file as version 1 left it: its schema (with the primary key on `event_id`, the
/// UNIQUE `correlation_hash` and the cross-source index) holding `events`, which are
/// copied in from a current store by name.
fn write_version_1(path: &std::path::Path, events: &[cartographus_core::PlaybackEvent]) {
    let dir = path.parent().unwrap();
    let current = dir.join("current.duckdb");
    {
        let mut store = Store::open(StoreConfig::file(&current)).unwrap();
        assert_eq!(store.append(events).unwrap().inserted, events.len() as u64);
    }
    {
        let old = Store::open(StoreConfig::file(path).with_stop_at_schema_version(1)).unwrap();
        assert_eq!(old.schema_version(), 1);
    }
    let conn = duckdb::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "ATTACH '{}' AS cur (READ_ONLY);
         INSERT INTO playback_events BY NAME
            SELECT * REPLACE (source::VARCHAR AS source, state::VARCHAR AS state,
                              network_location::VARCHAR AS network_location,
                              media_type::VARCHAR AS media_type,
                              transcode_decision::VARCHAR AS transcode_decision,
                              video_decision::VARCHAR AS video_decision,
                              audio_decision::VARCHAR AS audio_decision,
                              subtitle_decision::VARCHAR AS subtitle_decision,
                              geo_source::VARCHAR AS geo_source),
                   md5_number(correlation_key) AS correlation_hash
            FROM cur.playback_events;
         INSERT INTO users SELECT * FROM cur.users;
         INSERT INTO servers SELECT * FROM cur.servers;
         DETACH cur;",
        current.display()
    ))
    .unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM playback_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, events.len() as i64);
}

#[test]
fn a_store_left_at_an_older_version_refuses_to_write_plays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    let mut old = Store::open(StoreConfig::file(&path).with_stop_at_schema_version(1)).unwrap();
    let play = Play::new("s", "1", "10", 0).build();
    match old.append(std::slice::from_ref(&play)) {
        Err(IngestError::OutdatedSchema { found, needed }) => {
            assert_eq!((found, needed), (1, SCHEMA_VERSION));
        }
        other => panic!("expected OutdatedSchema, got {other:?}"),
    }
}

#[test]
fn an_older_file_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    let events: Vec<_> = (0..20)
        .map(|i| Play::new(format!("s{i}"), "1", "10", i * 400).build())
        .collect();
    write_version_1(&path, &events);
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
    // After migration 3 the same plays are recognised as duplicates, and new ones go in.
    let mut store = store;
    let again = store.append(&events).unwrap();
    assert_eq!((again.inserted, again.duplicates.event_id), (0, 20));
    let new = Play::new("new", "1", "10", 20 * 400).build();
    assert_eq!(store.append(&[new]).unwrap().inserted, 1);
    drop(store);
    let v = versions(&path);
    assert_eq!(v.len(), SCHEMA_VERSION as usize);
    assert_eq!(v[1], (2, "detection".to_owned()));
    assert_eq!(v[2], (3, "lean_plays".to_owned()));
    // Migration 3 dropped the ART indexes and the hash column.
    let conn = duckdb::Connection::open(&path).unwrap();
    let (indexes, constraints, hash): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'playback_events'),
                    (SELECT count(*) FROM duckdb_constraints()
                      WHERE table_name = 'playback_events'
                        AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')),
                    (SELECT count(*) FROM duckdb_columns()
                      WHERE table_name = 'playback_events' AND column_name = 'correlation_hash')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((indexes, constraints, hash), (0, 0, 0));
    drop(conn);

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

//! A file that is not a healthy Cartographus store gives a clear, typed error: not a
//! database, damaged, or another program's database. Nothing is overwritten.

mod common;

use cartographus_store::{MemoryLimit, OpenError, Store, StoreConfig};
use common::Play;

#[test]
fn random_bytes_are_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.duckdb");
    let junk: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(StoreConfig::file(&path)).unwrap_err();
    assert!(matches!(err, OpenError::NotADatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("junk.duckdb"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        junk,
        "the file is left alone"
    );
}

#[test]
fn a_truncated_store_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.duckdb");
    {
        let mut store = Store::open(StoreConfig::file(&path)).unwrap();
        let events: Vec<_> = (0..200)
            .map(|i| Play::new(format!("s{i}"), "1", "10", i * 400).build())
            .collect();
        store.append(&events).unwrap();
        store.checkpoint().unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..9000]).unwrap();
    let err = Store::open(StoreConfig::file(&path)).unwrap_err();
    assert!(matches!(err, OpenError::Corrupt { .. }), "{err:?}");
}

#[test]
fn another_programs_database_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.duckdb");
    {
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER)")
            .unwrap();
    }
    let err = Store::open(StoreConfig::file(&path)).unwrap_err();
    assert!(matches!(err, OpenError::ForeignDatabase { .. }), "{err:?}");
}

#[test]
fn engine_settings_are_applied() {
    let config = StoreConfig::in_memory()
        .with_max_memory("256MiB".parse::<MemoryLimit>().unwrap())
        .with_threads(1);
    let mut store = Store::open(config).unwrap();
    let s = store.engine_settings().unwrap();
    assert_eq!(s.threads, 1);
    assert!(
        s.max_memory.contains("MiB") || s.max_memory.contains("MB"),
        "{}",
        s.max_memory
    );
    assert!(!s.autoload_extensions && !s.autoinstall_extensions);
    store
        .append(&[Play::new("a", "1", "10", 0).build()])
        .unwrap();
}

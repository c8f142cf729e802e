//! The store writer with its write-ahead log, on a real DuckDB file and a real redb
//! file: stored plays are confirmed; plays a store refuses wait in the WAL and land
//! after a restart, exactly once; plays that keep failing past the TTL become dead
//! letters in `failed_events`, and a retry stores them; `/api/v1/wal/status` and
//! `/api/v1/dlq` report them and refuse bad parameters.
#![cfg(feature = "wal")]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cartographus_server::metrics::Metrics;
use cartographus_server::pipeline::{Journal, WriteOp, Writer};
use cartographus_server::wal::{Wal, WalConfig};
use cartographus_store::{Filter, Store, StoreConfig};
use chrono::Utc;

mod support;

use support::event;

/// A store at schema version 1: it opens, but refuses to write plays.
fn refusing_store(path: &Path) -> Store {
    Store::open(StoreConfig::file(path).with_stop_at_schema_version(1)).unwrap()
}

fn plays(store: &Store) -> u64 {
    store
        .new_reader()
        .unwrap()
        .count_playbacks(&Filter::default())
        .unwrap()
}

/// Sends `n` new plays and waits until the writer has applied them.
async fn send(store: Store, journal: Journal, n: u64) -> Store {
    let (writer, task) = Writer::spawn(store, journal, Arc::new(Metrics::new()), 64);
    for i in 0..n {
        assert!(writer.send(WriteOp::Append(event(i)), "test").await);
    }
    assert!(writer.flush().await);
    drop(writer);
    task.await.unwrap()
}

#[tokio::test]
async fn refused_plays_wait_in_the_wal_and_land_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (db, wal_path) = (dir.path().join("c.duckdb"), dir.path().join("c.wal"));
    let wal = Wal::open(&wal_path, WalConfig::default()).unwrap();

    let store = send(refusing_store(&db), Journal::wal(wal.clone()), 10).await;
    assert_eq!(plays(&store), 0);
    let status = wal.status(Utc::now()).unwrap();
    assert_eq!((status.pending, status.failed), (10, 10), "{status:?}");
    drop(store);

    // The upgraded store takes them at the writer's start, before any new batch.
    let store = Store::open(StoreConfig::file(&db)).unwrap();
    let (writer, task) = Writer::spawn(
        store,
        Journal::wal(wal.clone()),
        Arc::new(Metrics::new()),
        64,
    );
    assert!(writer.flush().await);
    assert_eq!(wal.status(Utc::now()).unwrap().pending, 0);
    // Replaying again (and sending the same plays again) changes nothing.
    let again = writer.upkeep().await.unwrap();
    assert_eq!((again.replayed, again.still_failing), (0, 0));
    for i in 0..10 {
        assert!(writer.send(WriteOp::Append(event(i)), "test").await);
    }
    assert!(writer.flush().await);
    drop(writer);
    let store = task.await.unwrap();
    assert_eq!(plays(&store), 10);
    let status = wal.status(Utc::now()).unwrap();
    assert_eq!((status.pending, status.next_seq), (0, 20), "{status:?}");
}

#[tokio::test]
async fn plays_failing_past_the_ttl_become_dead_letters_a_retry_stores() {
    let dir = tempfile::tempdir().unwrap();
    let (db, wal_path) = (dir.path().join("c.duckdb"), dir.path().join("c.wal"));
    let mut config = WalConfig::default();
    config.ttl = Duration::ZERO;
    config.compact_interval = Duration::ZERO;
    let wal = Wal::open(&wal_path, config).unwrap();

    let store = refusing_store(&db);
    let (writer, task) = Writer::spawn(
        store,
        Journal::wal(wal.clone()),
        Arc::new(Metrics::new()),
        64,
    );
    for i in 0..3 {
        assert!(writer.send(WriteOp::Append(event(i)), "test").await);
    }
    assert!(writer.flush().await);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let upkeep = writer.upkeep().await.unwrap();
    assert_eq!(upkeep.still_failing, 3, "{upkeep:?}");
    assert_eq!(upkeep.dead_lettered, 3, "{upkeep:?}");
    drop(writer);
    let store = task.await.unwrap();
    let status = wal.status(Utc::now()).unwrap();
    assert_eq!((status.pending, status.dead_letters), (0, 0), "{status:?}");
    let letters = store
        .new_reader()
        .unwrap()
        .failed_events(true, 0, 10)
        .unwrap();
    assert_eq!(letters.len(), 3);
    assert!(letters.iter().all(|l| l.stage == "wal"));
    assert!(
        letters[0].error.contains("schema"),
        "the store's refusal is kept: {}",
        letters[0].error
    );
    drop(store);

    let mut store = Store::open(StoreConfig::file(&db)).unwrap();
    let id = letters[0].failed_id;
    let report = store.retry_failed(id, Utc::now()).unwrap().unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(plays(&store), 1);
    let open = store
        .new_reader()
        .unwrap()
        .failed_events(true, 0, 10)
        .unwrap();
    assert_eq!(open.len(), 2, "the retried letter is resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_and_dead_letter_routes() {
    use cartographus_server::app;
    use cartographus_server::http::router;
    use cartographus_server::pipeline::Input;
    use support::{eventually, get, local_config, serve};

    let dir = tempfile::tempdir().unwrap();
    let config = local_config(dir.path(), &[]);
    let running = app::start(config, Vec::new()).await.unwrap();
    let base = serve(router(running.state.clone())).await;
    let (status, body) = get(&base, "/api/v1/wal/status").await;
    assert_eq!(status, 200);
    assert_eq!(body["enabled"], true);
    assert_eq!(body["pending"], 0);

    // Imported plays go through the WAL and are confirmed once stored.
    let history: Vec<_> = (0..25).map(event).collect();
    running
        .pipeline
        .send(Input::Imported(history), "test")
        .await;
    assert!(
        eventually(|| async {
            let (_, s) = get(&base, "/api/v1/wal/status").await;
            s["next_seq"] == 25 && s["pending"] == 0
        })
        .await,
        "the imported plays were not journaled and confirmed"
    );
    let (_, page) = get(&base, "/api/v1/playbacks?limit=100").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 25);

    let (status, body) = get(&base, "/api/v1/dlq").await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], serde_json::json!([]));
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("after=-1", "after"),
        ("unresolved=maybe", "unresolved"),
        ("bogus=1", "bogus"),
    ] {
        let (status, body) = get(&base, &format!("/api/v1/dlq?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["parameter"], parameter, "{query}");
    }
    let client = reqwest::Client::new();
    let retry = |id: &str| client.post(format!("{base}/api/v1/dlq/{id}/retry")).send();
    assert_eq!(retry("999").await.unwrap().status(), 404);
    assert_eq!(retry("abc").await.unwrap().status(), 400);
}

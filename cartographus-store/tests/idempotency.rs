//! Idempotent ingest: the same events twice change nothing; each dedup layer is
//! recognised and audited with its payload; plays near a correlation bucket boundary
//! are recognised through the neighbouring bucket; and, for random histories split
//! into random batches, the store keeps exactly the plays core's `Deduplicator` keeps.

mod common;

use cartographus_core::{DedupConfig, DedupLayer, Deduplicator, PlaybackEvent, Source, Verdict};
use cartographus_store::{Filter, Store, StoreConfig};
use common::{t, Play};
use proptest::prelude::*;

fn count(store: &Store) -> u64 {
    store.reads().count_playbacks(&Filter::all()).unwrap()
}

#[test]
fn reingesting_a_file_twice_leaves_counts_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.duckdb");
    let events: Vec<PlaybackEvent> = (0..500)
        .map(|i| {
            Play::new(
                format!("s{i}"),
                ["1", "2", "3", "4"][i % 4],
                "10",
                i as i64 * 400,
            )
            .build()
        })
        .collect();
    let mut store = Store::open(StoreConfig::file(&path)).unwrap();
    let first = store.append(&events).unwrap();
    assert_eq!(first.inserted, 500);
    assert_eq!(first.duplicates.total(), 0);
    drop(store);
    let mut store = Store::open(StoreConfig::file(&path)).unwrap();
    let second = store.append(&events).unwrap();
    assert_eq!(second.inserted, 0);
    assert_eq!(second.duplicates.event_id, 500);
    assert_eq!(count(&store), 500);
    assert_eq!(store.reads().users().unwrap().len(), 4);
    // Every dropped event is audited with its full payload.
    let audit = store.reads().dedupe_audit(None, 0, 10_000).unwrap();
    assert_eq!(audit.len(), 500);
    assert!(audit.iter().all(|a| a.layer == DedupLayer::EventId));
    assert_eq!(audit[0].event, events[0]);
}

#[test]
fn each_layer_is_recognised() {
    let mut store = Store::open_in_memory().unwrap();
    let original = Play::new("a", "1", "10", 1000).build();
    assert_eq!(
        store
            .append(std::slice::from_ref(&original))
            .unwrap()
            .inserted,
        1
    );

    // Same source, another session key (a webhook and a poll), 40 s later.
    let same_source = Play::new("b", "1", "10", 1040).build();
    // The Tautulli import of the same play, 90 s off.
    let cross = Play::new("c", "1", "10", 910)
        .source(Source::Tautulli)
        .build();
    // Same user and item but 5 minutes later: a new play.
    let later = Play::new("d", "1", "10", 1300).build();
    // Another device at the same time: a new play.
    let other_device = Play::new("e", "1", "10", 1000)
        .device(Some("dev-2"))
        .build();
    let r = store
        .append(&[same_source.clone(), cross.clone(), later, other_device])
        .unwrap();
    assert_eq!(r.inserted, 2);
    assert_eq!(r.duplicates.correlation_key, 1);
    assert_eq!(r.duplicates.cross_source, 1);
    assert_eq!(r.duplicates.event_id, 0);
    let by_id = |id| r.dropped.iter().find(|d| d.event_id == id).unwrap();
    assert_eq!(by_id(same_source.event_id()).original, original.event_id());
    assert_eq!(by_id(cross.event_id()).layer, DedupLayer::CrossSource);
    let audit = store
        .reads()
        .dedupe_audit(Some(DedupLayer::CrossSource), 0, 10)
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].event, cross);
    assert_eq!(audit[0].original, Some(original.event_id()));
}

#[test]
fn reports_straddling_a_bucket_boundary_are_recognised() {
    let mut store = Store::open_in_memory().unwrap();
    // 2026-03-01 00:00:00 is a multiple of 300 s: 299 s and 301 s are in two buckets.
    let live = Play::new("live", "1", "10", 299).build();
    let imported = Play::new("42", "1", "10", 301)
        .source(Source::Tautulli)
        .build();
    assert_ne!(
        live.identity.cross_source_key.bucket(),
        imported.identity.cross_source_key.bucket()
    );
    store.append(std::slice::from_ref(&imported)).unwrap();
    let r = store.append(std::slice::from_ref(&live)).unwrap();
    assert_eq!(r.duplicates.cross_source, 1);
    assert_eq!(count(&store), 1);
    // Exactly 300 s apart is not the same play.
    let apart = Play::new("x", "1", "10", 601)
        .source(Source::Tautulli)
        .build();
    assert_eq!(store.append(&[apart]).unwrap().inserted, 1);
}

#[test]
fn duplicates_inside_one_batch() {
    let mut store = Store::open_in_memory().unwrap();
    let a = Play::new("a", "1", "10", 0).build();
    let b = Play::new("b", "1", "10", 30).build();
    let r = store.append(&[a.clone(), a.clone(), b]).unwrap();
    assert_eq!(r.inserted, 1);
    assert_eq!(
        (r.duplicates.event_id, r.duplicates.correlation_key),
        (1, 1)
    );
}

#[test]
fn invalid_events_are_kept_as_dead_letters() {
    let mut store = Store::open_in_memory().unwrap();
    let mut bad = Play::new("a", "1", "10", 100).build();
    bad.timing.stopped_at = Some(t(50));
    let good = Play::new("b", "2", "10", 100).build();
    let r = store.append(&[bad.clone(), good]).unwrap();
    assert_eq!(r.inserted, 1);
    assert_eq!(r.failed.len(), 1);
    let letters = store.reads().failed_events(true, 0, 10).unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, Some(bad.event_id()));
    assert_eq!(letters[0].stage, "ingest");
    // Fixed and retried, it is stored and the letter resolved.
    assert!(store
        .retry_failed(letters[0].failed_id, t(1000))
        .unwrap()
        .is_some());
    assert_eq!(
        store.reads().failed_events(true, 0, 10).unwrap().len(),
        1,
        "still invalid"
    );
    let id = store
        .record_failed(
            "wal",
            "store unavailable",
            None,
            Some("plex"),
            &serde_json::to_value(Play::new("c", "3", "10", 0).build()).unwrap(),
        )
        .unwrap();
    let r = store.retry_failed(id, t(2000)).unwrap().unwrap();
    assert_eq!(r.inserted, 1);
    let resolved = store.reads().failed_events(false, 0, 10).unwrap();
    assert!(resolved
        .iter()
        .any(|f| f.failed_id == id && f.resolved_at == Some(t(2000))));
}

#[test]
fn a_duplicate_can_be_restored_by_an_operator() {
    let mut store = Store::open_in_memory().unwrap();
    let a = Play::new("a", "1", "10", 0).build();
    let b = Play::new("b", "1", "10", 400).build();
    // b's correlation key is in another bucket; make a near-twin that is a duplicate.
    let twin = Play::new("t", "1", "10", 100)
        .source(Source::Jellyfin)
        .build();
    store.append(&[a, b]).unwrap();
    let r = store.append(std::slice::from_ref(&twin)).unwrap();
    assert_eq!(r.duplicates.cross_source, 1);
    let entry = &store.reads().dedupe_audit(None, 0, 10).unwrap()[0];
    use cartographus_store::RestoreOutcome;
    assert_eq!(
        store.restore_duplicate(entry.audit_id, t(5000)).unwrap(),
        RestoreOutcome::Restored
    );
    assert_eq!(
        store.restore_duplicate(entry.audit_id, t(5000)).unwrap(),
        RestoreOutcome::AlreadyRestored
    );
    assert_eq!(
        store.restore_duplicate(9999, t(5000)).unwrap(),
        RestoreOutcome::NotFound
    );
    assert_eq!(count(&store), 3);
    assert!(store.reads().playback(twin.event_id()).unwrap().is_some());
}

fn arb_event() -> impl Strategy<Value = PlaybackEvent> {
    (
        0usize..3,
        0usize..2,
        0usize..2,
        0usize..3,
        0i64..2400,
        0usize..6,
    )
        .prop_map(|(src, user, media, dev, start, session)| {
            let sources = [Source::Plex, Source::Tautulli, Source::Jellyfin];
            let users = ["1", "2"];
            let media_keys = ["10", "11"];
            let devices = [Some("d1"), Some("d2"), None];
            Play::new(format!("k{session}"), users[user], media_keys[media], start)
                .source(sources[src])
                .device(devices[dev])
                .build()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// The store keeps exactly what core's deduplicator (the naive model, told
    /// everything, forgetting nothing) calls new, with the same layer for each
    /// duplicate, however the history is cut into batches.
    #[test]
    fn store_agrees_with_core_deduplicator(
        events in proptest::collection::vec(arb_event(), 1..40),
        cuts in proptest::collection::vec(1usize..8, 1..8),
    ) {
        let mut model = Deduplicator::new(DedupConfig::new(u64::MAX / 4, 10_000));
        let mut expected = [0u64; 4];
        for e in &events {
            match model.check(e, t(0)) {
                Verdict::New => expected[0] += 1,
                Verdict::Duplicate { layer: DedupLayer::EventId, .. } => expected[1] += 1,
                Verdict::Duplicate { layer: DedupLayer::CorrelationKey, .. } => expected[2] += 1,
                Verdict::Duplicate { layer: DedupLayer::CrossSource, .. } => expected[3] += 1,
            }
        }
        let mut store = Store::open_in_memory().unwrap();
        let mut got = [0u64; 4];
        let mut rest: &[PlaybackEvent] = &events;
        let mut cut = cuts.iter().cycle();
        while !rest.is_empty() {
            let n = (*cut.next().unwrap()).min(rest.len());
            let r = store.append(&rest[..n]).unwrap();
            got[0] += r.inserted;
            got[1] += r.duplicates.event_id;
            got[2] += r.duplicates.correlation_key;
            got[3] += r.duplicates.cross_source;
            rest = &rest[n..];
        }
        prop_assert_eq!(got, expected);
        prop_assert_eq!(count(&store), expected[0]);
    }
}

#[test]
fn a_stored_id_with_another_start_time_is_still_a_duplicate() {
    let mut store = Store::open_in_memory().unwrap();
    let a = Play::new("a", "1", "10", 0).build();
    store.append(std::slice::from_ref(&a)).unwrap();
    // The same event id, reported with a start an hour later (the fast path only looks
    // at stored plays near the batch's start times; the thorough pass finds it).
    let mut moved = Play::new("a", "1", "10", 3600).build();
    moved.identity.event_id = a.event_id();
    let r = store.append(std::slice::from_ref(&moved)).unwrap();
    assert_eq!((r.inserted, r.duplicates.event_id), (0, 1));
    assert_eq!(count(&store), 1);
}

//! Unit tests of the WAL.

use std::path::PathBuf;
use std::time::Duration;

use cartographus_core::{
    derive_user_id, Account, ContentInfo, EventParts, ExternalUserId, MediaKey, MediaType,
    PlaybackEvent, ServerId, SessionKey, Source, Timing,
};
use chrono::{DateTime, TimeZone, Utc};

use super::*;

pub(super) fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_000_000 + s, 0).unwrap()
}

/// A distinct, valid event for every `n`.
pub(super) fn event(n: u64) -> PlaybackEvent {
    let server = ServerId::new("srv-1").unwrap();
    let ext = ExternalUserId::new(format!("u{}", n % 7)).unwrap();
    let uid = derive_user_id(Source::Plex.platform(), &server, &ext);
    PlaybackEvent::assemble(EventParts::new(
        Source::Plex,
        server,
        SessionKey::new(format!("s{n}")).unwrap(),
        Timing::started(t(n as i64 * 60)),
        Account::new(ext, format!("user {n}")).to_user_info(uid),
        ContentInfo::new(
            MediaType::Movie,
            MediaKey::new(format!("m{n}")).unwrap(),
            format!("Film «{n}»"),
        ),
    ))
}

pub(super) fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn open(path: &std::path::Path) -> Wal {
    Wal::open(path, WalConfig::default()).unwrap()
}

pub(super) fn replay_all(wal: &Wal, now: DateTime<Utc>) -> Vec<WalEntry> {
    let lease = wal
        .acquire_lease(&LeaseOwner::new("test").unwrap(), now)
        .unwrap();
    let out = wal
        .replay(&lease, now)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    wal.release_lease(lease).unwrap();
    out
}

#[test]
fn append_confirm_replay_in_order() {
    let d = dir();
    let wal = open(&d.path().join("w"));
    assert!(wal.append(&[], t(0)).unwrap().is_empty());
    let events: Vec<_> = (0..5).map(event).collect();
    let seqs = wal.append(&events, t(0)).unwrap();
    assert_eq!(
        seqs.iter().map(|s| s.get()).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    let more = wal.append(&[event(5)], t(1)).unwrap();
    assert_eq!(more, [WalSeq::from(5)]);
    assert_eq!(
        wal.confirm(&[seqs[1], seqs[3], seqs[3], WalSeq::from(99)])
            .unwrap(),
        2
    );
    let replayed = replay_all(&wal, t(2));
    assert_eq!(
        replayed.iter().map(|e| e.seq.get()).collect::<Vec<_>>(),
        [0, 2, 4, 5]
    );
    assert_eq!(replayed[1].event, events[2]);
    assert_eq!(replayed[3].appended_at, t(1));
    assert_eq!(replayed[0].attempts, 0);
    wal.flush().unwrap();
}

#[test]
fn small_replay_batches_walk_everything_once() {
    let d = dir();
    let config = WalConfig {
        replay_batch: 2,
        ..WalConfig::default()
    };
    let wal = Wal::open(d.path().join("w"), config).unwrap();
    let seqs = wal
        .append(&(0..7).map(event).collect::<Vec<_>>(), t(0))
        .unwrap();
    wal.confirm(&[seqs[0], seqs[4]]).unwrap();
    let got: Vec<u64> = replay_all(&wal, t(0)).iter().map(|e| e.seq.get()).collect();
    assert_eq!(got, [1, 2, 3, 5, 6]);
}

#[test]
fn pending_entries_survive_reopen_and_seqs_are_never_reused() {
    let d = dir();
    let path = d.path().join("w");
    {
        let wal = open(&path);
        let seqs = wal.append(&[event(0), event(1), event(2)], t(0)).unwrap();
        wal.confirm(&seqs[..2]).unwrap();
        wal.compact(t(10)).unwrap();
    }
    let wal = open(&path);
    let replayed = replay_all(&wal, t(20));
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].event, event(2));
    wal.confirm(&[replayed[0].seq]).unwrap();
    wal.compact(t(30)).unwrap();
    drop(wal);
    let wal = open(&path);
    assert_eq!(wal.append(&[event(3)], t(40)).unwrap(), [WalSeq::from(3)]);
}

#[test]
fn failures_are_counted_and_cleared_by_confirmation() {
    let d = dir();
    let wal = open(&d.path().join("w"));
    let seqs = wal.append(&[event(0), event(1)], t(0)).unwrap();
    let err = std::io::Error::other("store is read-only");
    assert_eq!(wal.record_failure(seqs[0], &err, t(5)).unwrap(), Some(1));
    assert_eq!(wal.record_failure(seqs[0], &err, t(6)).unwrap(), Some(2));
    assert_eq!(
        wal.record_failure(WalSeq::from(42), &err, t(6)).unwrap(),
        None
    );
    let status = wal.status(t(100)).unwrap();
    assert_eq!((status.pending, status.failed, status.confirmed), (2, 1, 0));
    assert_eq!(status.oldest_pending_age_s, Some(100));
    assert_eq!(replay_all(&wal, t(7))[0].attempts, 2);
    wal.confirm(&[seqs[0]]).unwrap();
    assert_eq!(wal.record_failure(seqs[0], &err, t(8)).unwrap(), None);
    let status = wal.status(t(100)).unwrap();
    assert_eq!((status.pending, status.failed, status.confirmed), (1, 0, 1));
    assert_eq!(status.next_seq, 2);
    assert!(status.file_bytes > 0);
}

#[test]
fn compaction_drops_confirmed_and_dead_letters_old_failures() {
    let d = dir();
    let path = d.path().join("w");
    let config = WalConfig {
        ttl: Duration::from_secs(3600),
        ..WalConfig::default()
    };
    let wal = Wal::open(&path, config.clone()).unwrap();
    assert!(wal.compaction_due(t(0)).unwrap());
    let seqs = wal
        .append(&(0..4).map(event).collect::<Vec<_>>(), t(0))
        .unwrap();
    let late = wal.append(&[event(4)], t(3000)).unwrap();
    wal.confirm(&[seqs[0]]).unwrap();
    let err = std::io::Error::other("constraint violated");
    wal.record_failure(seqs[1], &err, t(60)).unwrap();
    wal.record_failure(late[0], &err, t(3060)).unwrap();
    // Before the TTL nothing is dead.
    let report = wal.compact(t(3599)).unwrap();
    // The first batch still has pending entries, so nothing is dropped yet.
    assert_eq!(report.dropped_entries, 0);
    assert!(report.dead_letters.is_empty());
    assert!(!wal.compaction_due(t(3600)).unwrap());
    // After it, only the old failing entry (seq 1) goes; seq 2 never failed, seq 4 is young.
    let report = wal.compact(t(3600)).unwrap();
    assert_eq!(report.dead_letters.len(), 1);
    let letter = &report.dead_letters[0];
    assert_eq!(letter.seq, seqs[1]);
    assert_eq!(letter.event().unwrap(), event(1));
    assert_eq!(letter.event_id, Some(event(1).event_id()));
    assert_eq!(letter.source, Some(Source::Plex));
    assert_eq!(
        (letter.attempts, letter.error.as_str()),
        (1, "constraint violated")
    );
    assert_eq!((letter.appended_at, letter.dead_at), (t(0), t(3600)));
    let pending: Vec<u64> = replay_all(&wal, t(3600))
        .iter()
        .map(|e| e.seq.get())
        .collect();
    assert_eq!(pending, [2, 3, 4]);
    drop(wal);
    // Dead letters outlive a restart until released.
    let wal = Wal::open(&path, config).unwrap();
    assert_eq!(wal.dead_letters().unwrap(), report.dead_letters);
    assert_eq!(wal.status(t(3600)).unwrap().dead_letters, 1);
    assert_eq!(wal.release_dead_letters(&[seqs[1], seqs[2]]).unwrap(), 1);
    assert!(wal.dead_letters().unwrap().is_empty());
    assert!(wal.confirm(&[seqs[1]]).unwrap() == 0);
    // With every entry confirmed or released, the batches go.
    wal.confirm(&[seqs[2], seqs[3], late[0]]).unwrap();
    assert_eq!(wal.compact(t(3700)).unwrap().dropped_entries, 5);
    assert_eq!(wal.status(t(3700)).unwrap().pending, 0);
}

#[test]
fn large_appends_are_split_into_batches_that_drop_independently() {
    let d = dir();
    let wal = open(&d.path().join("w"));
    let events: Vec<_> = (0..5000).map(event).collect();
    let seqs = wal.append(&events, t(0)).unwrap();
    assert_eq!(seqs.len(), 5000);
    // Everything but seq 7 (in the first 4,096-entry batch).
    let rest: Vec<_> = seqs.iter().copied().filter(|s| s.get() != 7).collect();
    assert_eq!(wal.confirm(&rest).unwrap(), 4999);
    assert_eq!(wal.status(t(0)).unwrap().confirmed, 4999);
    assert_eq!(wal.compact(t(1)).unwrap().dropped_entries, 904);
    assert_eq!(wal.status(t(1)).unwrap().confirmed, 0);
    let left = replay_all(&wal, t(2));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].event, events[7]);
    wal.confirm(&[seqs[7]]).unwrap();
    assert_eq!(wal.compact(t(3)).unwrap().dropped_entries, 4096);
}

#[test]
fn compaction_is_due_by_interval_or_confirmed_backlog() {
    let d = dir();
    let config = WalConfig {
        compact_confirmed: 3,
        ..WalConfig::default()
    };
    let wal = Wal::open(d.path().join("w"), config).unwrap();
    wal.compact(t(0)).unwrap();
    assert!(!wal.compaction_due(t(3599)).unwrap());
    assert!(wal.compaction_due(t(3600)).unwrap());
    let seqs = wal
        .append(&(0..3).map(event).collect::<Vec<_>>(), t(1))
        .unwrap();
    wal.confirm(&seqs[..2]).unwrap();
    assert!(!wal.compaction_due(t(2)).unwrap());
    wal.confirm(&seqs[2..]).unwrap();
    assert!(wal.compaction_due(t(2)).unwrap());
}

#[test]
fn oversized_file_is_shrunk() {
    let d = dir();
    let path = d.path().join("w");
    let config = WalConfig {
        max_file_bytes: 64 * 1024,
        ..WalConfig::default()
    };
    let wal = Wal::open(&path, config).unwrap();
    for chunk in 0..20u64 {
        let batch: Vec<_> = (chunk * 100..chunk * 100 + 100).map(event).collect();
        let seqs = wal.append(&batch, t(0)).unwrap();
        wal.confirm(&seqs).unwrap();
    }
    let report = wal.compact(t(1)).unwrap();
    assert_eq!(report.dropped_entries, 2000);
    assert!(report.file_compacted);
    assert!(report.file_bytes_after < report.file_bytes_before);
    // Still usable afterwards.
    assert_eq!(wal.append(&[event(9)], t(2)).unwrap(), [WalSeq::from(2000)]);
}

#[test]
fn lease_keeps_a_second_replayer_out() {
    let d = dir();
    let wal = open(&d.path().join("w"));
    let a = LeaseOwner::new("host-a:1").unwrap();
    let b = LeaseOwner::new("host-b:2").unwrap();
    let lease = wal.acquire_lease(&a, t(0)).unwrap();
    assert_eq!(lease.expires_at(), t(60));
    match wal.acquire_lease(&b, t(30)) {
        Err(WalError::LeaseHeld { holder, until }) => {
            assert_eq!((holder.as_str(), until), ("host-a:1", t(60)));
        }
        other => panic!("expected LeaseHeld, got {other:?}"),
    }
    assert_eq!(
        wal.status(t(30)).unwrap().lease_holder.as_deref(),
        Some("host-a:1")
    );
    // The holder may take it again (a renewal) and renew it.
    let lease = wal.acquire_lease(&a, t(40)).unwrap();
    let lease = wal.renew_lease(&lease, t(90)).unwrap();
    assert_eq!(lease.expires_at(), t(150));
    assert!(wal.acquire_lease(&b, t(149)).is_err());
    // Once it runs out, B takes it; A's renewal and replay then fail.
    let lease_b = wal.acquire_lease(&b, t(150)).unwrap();
    assert!(matches!(
        wal.renew_lease(&lease, t(151)),
        Err(WalError::LeaseLost { .. })
    ));
    assert!(matches!(
        wal.replay(&lease, t(151)),
        Err(WalError::LeaseLost { .. })
    ));
    assert!(wal.replay(&lease_b, t(151)).is_ok());
    assert!(matches!(
        wal.replay(&lease_b, t(210)),
        Err(WalError::LeaseLost { .. })
    ));
    // Releasing someone else's lease does nothing; releasing one's own frees it.
    wal.release_lease(lease).unwrap();
    assert!(wal.acquire_lease(&a, t(160)).is_err());
    wal.release_lease(lease_b).unwrap();
    assert!(wal.acquire_lease(&a, t(160)).is_ok());
}

#[test]
fn lease_owner_ids_are_validated() {
    assert!(LeaseOwner::new("").is_err());
    assert!(LeaseOwner::new(" ").is_err());
    assert!(LeaseOwner::new("a\nb").is_err());
    assert!(LeaseOwner::new("x".repeat(257)).is_err());
    assert_eq!(LeaseOwner::new("h:1").unwrap().to_string(), "h:1");
}

fn open_err(path: &std::path::Path) -> WalError {
    Wal::open(path, WalConfig::default()).unwrap_err()
}

#[test]
fn unusable_files_give_clear_errors() {
    let d = dir();
    // Missing directory.
    let e = open_err(&d.path().join("nope").join("w"));
    assert!(matches!(e, WalError::Open { .. }), "{e:?}");
    assert!(e.to_string().contains("nope"));
    // A directory in the file's place.
    assert!(matches!(open_err(d.path()), WalError::Open { .. }));
    // Not a redb file.
    let garbage = d.path().join("garbage");
    std::fs::write(
        &garbage,
        b"this is not a database, just some text".repeat(200),
    )
    .unwrap();
    let e = open_err(&garbage);
    assert!(matches!(e, WalError::NotAWal { .. }), "{e:?}");
    assert!(e.to_string().contains("garbage"));
    // A redb database of something else.
    let foreign = d.path().join("foreign");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(TableDefinition::<u64, u64>::new("other"))
            .unwrap()
            .insert(1, 2)
            .unwrap();
        txn.commit().unwrap();
    }
    assert!(matches!(
        open_err(&foreign),
        WalError::ForeignDatabase { .. }
    ));
    // A WAL of a newer format.
    let newer = d.path().join("newer");
    drop(open(&newer));
    {
        let db = redb::Database::create(&newer).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(STATE)
            .unwrap()
            .insert(FORMAT_KEY, 2)
            .unwrap();
        txn.commit().unwrap();
    }
    assert!(matches!(
        open_err(&newer),
        WalError::NewerFormat {
            found: 2,
            supported: 1,
            ..
        }
    ));
    // Open twice.
    let path = d.path().join("w");
    let wal = open(&path);
    assert!(matches!(open_err(&path), WalError::Locked { .. }));
    drop(wal);
    assert!(Wal::open(&path, WalConfig::default()).is_ok());
    // An empty file becomes a new WAL.
    let empty = d.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert!(Wal::open(&empty, WalConfig::default()).is_ok());
}

/// A WAL with some entries, its bytes.
pub(super) fn written_wal(d: &tempfile::TempDir) -> (PathBuf, Vec<u8>) {
    let path = d.path().join("src");
    {
        let wal = open(&path);
        let seqs = wal
            .append(&(0..50).map(event).collect::<Vec<_>>(), t(0))
            .unwrap();
        wal.confirm(&seqs[..10]).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

#[test]
fn damaged_files_are_reported_not_trusted() {
    let d = dir();
    let (_, bytes) = written_wal(&d);
    let target = d.path().join("damaged");
    // Truncations.
    for cut in [10, 512, 4096, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&target, &bytes[..cut]).unwrap();
        match Wal::open(&target, WalConfig::default()) {
            Err(WalError::NotAWal { .. } | WalError::Corrupt { .. }) => {}
            // redb may repair a file cut inside unused space; it must then still be usable.
            Ok(wal) => {
                let lease = wal
                    .acquire_lease(&LeaseOwner::new("x").unwrap(), t(0))
                    .unwrap();
                for entry in wal.replay(&lease, t(0)).unwrap() {
                    let _ = entry;
                }
            }
            Err(other) => panic!("cut at {cut}: unexpected {other:?}"),
        }
    }
    // Bytes flipped inside the data pages.
    let mut flipped = bytes.clone();
    for i in (8192..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5a;
    }
    std::fs::write(&target, &flipped).unwrap();
    let e = Wal::open(&target, WalConfig::default()).unwrap_err();
    assert!(
        matches!(e, WalError::Corrupt { .. } | WalError::NotAWal { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("damaged"));
}

//! Fuzz target bodies. Each function takes arbitrary bytes and panics only when it finds
//! a bug: a parser that panics, a deduplicator that disagrees with a naive model, or a
//! session tracker that breaks an invariant. The cargo-fuzz targets in `fuzz/` call
//! them, and `tests/fuzz_corpus.rs` runs them on stable over the checked-in seeds.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};

use crate::correlation::{CorrelationKey, CrossSourceKey};
use crate::dedup::{DedupConfig, Deduplicator, Verdict};
use crate::event::{Account, ContentInfo, EventParts, PlaybackEvent, Timing};
use crate::identity::derive_user_id;
use crate::ids::{DeviceId, EventId, ExternalUserId, MediaKey, ServerId, SessionKey};
use crate::kinds::{MediaType, PlaybackState, Source};
use crate::snapshot::{SessionNotification, SessionSnapshot};
use crate::tracker::{SessionTracker, SessionUpdate, TrackerConfig};

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz/fuzz_targets/<name>.rs` file and the
/// `fuzz/corpus/<name>/` folder) and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("core_correlation_key", correlation_key),
    ("core_dedup_model", dedup_model),
    ("core_session_tracker", session_tracker),
];

/// Parses the bytes as both key kinds; a key that parses must print back as itself.
pub fn correlation_key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = text.parse::<CorrelationKey>() {
        assert_eq!(k.as_str(), text);
        let p = k.parts();
        assert_eq!(p.bucket, k.bucket());
        let _ = k.neighbours();
    }
    if let Ok(k) = text.parse::<CrossSourceKey>() {
        assert_eq!(k.as_str(), text);
        let _ = k.parts();
    }
}

fn epoch(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_000_000 + s, 0)
        .single()
        .unwrap_or_default()
}

fn play(source: Source, session: u32, user: u8, item: u8, device: u8, start: i64) -> PlaybackEvent {
    let server = ServerId::new("srv").unwrap_or_else(|_| unreachable!());
    let ext = ExternalUserId::new(format!("u{user}")).unwrap_or_else(|_| unreachable!());
    let uid = derive_user_id(source.platform(), &server, &ext);
    let mut parts = EventParts::new(
        source,
        server,
        SessionKey::new(format!("s{session}")).unwrap_or_else(|_| unreachable!()),
        Timing::started(epoch(start)),
        Account::new(ext, "u").to_user_info(uid),
        ContentInfo::new(
            MediaType::Movie,
            MediaKey::new(format!("m{item}")).unwrap_or_else(|_| unreachable!()),
            "x",
        ),
    );
    parts.device.device_id =
        Some(DeviceId::new(format!("d{device}")).unwrap_or_else(|_| unreachable!()));
    PlaybackEvent::assemble(parts)
}

/// Random event sequences (6 bytes each) through the deduplicator, checked against a
/// naive model: a duplicate exactly when an accepted play has the same event id, or the
/// same identity and a start less than 300 s away.
pub fn dedup_model(data: &[u8]) {
    let mut dedup = Deduplicator::new(DedupConfig::new(u64::MAX / 4, usize::MAX));
    let mut accepted: Vec<PlaybackEvent> = Vec::new();
    for chunk in data.chunks_exact(6) {
        let source = [Source::Plex, Source::Tautulli, Source::Jellyfin][usize::from(chunk[0] % 3)];
        let start = i64::from(u16::from_le_bytes([chunk[4], chunk[5]])) * 7;
        let e = play(
            source,
            u32::from(chunk[1]),
            chunk[2] % 4,
            chunk[3] % 4,
            chunk[2] / 64,
            start,
        );
        let expected = accepted.iter().any(|a| {
            a.event_id() == e.event_id()
                || (a.user.external_id == e.user.external_id
                    && a.content.media_key == e.content.media_key
                    && a.device.device_id == e.device.device_id
                    && (a.timing.started_at - e.timing.started_at)
                        .num_seconds()
                        .abs()
                        < 300)
        });
        let verdict = dedup.check(&e, epoch(0));
        assert_eq!(
            !verdict.is_new(),
            expected,
            "dedup disagrees with the model"
        );
        if verdict == Verdict::New {
            accepted.push(e);
        }
    }
}

/// Random sequences of snapshots, notifications and timeouts (4 bytes per session or
/// command) through the tracker: no negative durations, played + paused within the
/// wall time, every play started once and stopped at most once, and all stopped in the
/// end.
pub fn session_tracker(data: &[u8]) {
    let config = TrackerConfig::default();
    let mut tr = SessionTracker::new(
        Source::Jellyfin,
        ServerId::new("s").unwrap_or_else(|_| unreachable!()),
        config,
    );
    let mut now = 0i64;
    let mut open: HashMap<EventId, ()> = HashMap::new();
    let state = |b: u8| {
        [
            PlaybackState::Playing,
            PlaybackState::Paused,
            PlaybackState::Buffering,
            PlaybackState::Stopped,
        ][usize::from(b % 4)]
    };
    let snapshot = |b: &[u8]| {
        let mut s = SessionSnapshot::new(
            SessionKey::new(format!("k{}", b[0] % 5)).unwrap_or_else(|_| unreachable!()),
            state(b[1]),
        );
        if !b[2].is_multiple_of(17) {
            s.user = Some(Account::new(
                ExternalUserId::new(format!("u{}", b[2] % 3)).unwrap_or_else(|_| unreachable!()),
                "u",
            ));
        }
        if !b[3].is_multiple_of(19) {
            s.content = Some(ContentInfo::new(
                MediaType::Episode,
                MediaKey::new(format!("m{}", b[3] % 3)).unwrap_or_else(|_| unreachable!()),
                "x",
            ));
        }
        s.view_offset_ms = Some(u64::from(b[1]) * 10_000);
        s.media_duration_ms = Some(1_000_000);
        s
    };
    let mut check = |tr: &mut SessionTracker| {
        while let Some(u) = tr.poll_update() {
            let t = &u.event().timing;
            let end = t.stopped_at.unwrap_or(t.updated_at);
            let wall = (end - t.started_at).num_seconds();
            assert!(wall >= 0, "negative wall time");
            assert!(
                (t.play_duration_s + t.paused_s) as i64 <= wall,
                "played + paused > wall"
            );
            match &u {
                SessionUpdate::Started(e) => assert!(open.insert(e.event_id(), ()).is_none()),
                SessionUpdate::Stopped(s) => assert!(open.remove(&s.event.event_id()).is_some()),
                other => assert!(open.contains_key(&other.event().event_id())),
            }
        }
    };
    let mut chunks = data.chunks_exact(4);
    while let Some(cmd) = chunks.next() {
        now += i64::from(cmd[0] % 64) * 7;
        match cmd[1] % 4 {
            0 | 1 => {
                let n = usize::from(cmd[2] % 4);
                let snaps: Vec<SessionSnapshot> = chunks.by_ref().take(n).map(snapshot).collect();
                tr.handle_snapshot(&snaps, epoch(now));
            }
            2 => {
                let s = snapshot(cmd);
                let mut n = SessionNotification::new(s.session_key.clone(), s.state);
                n.view_offset_ms = s.view_offset_ms;
                if cmd[3].is_multiple_of(2) {
                    n.snapshot = Some(s);
                }
                let _ = tr.handle_notification(&n, epoch(now));
            }
            _ => tr.handle_timeout(epoch(now)),
        }
        check(&mut tr);
    }
    tr.handle_snapshot(&[], epoch(now + 100_000));
    tr.handle_timeout(epoch(now + 200_000));
    check(&mut tr);
    assert!(open.is_empty(), "a play never stopped");
}

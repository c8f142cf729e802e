use chrono::TimeZone;

use super::*;
use crate::event::{Account, ContentInfo, EventParts, Timing};
use crate::identity::derive_user_id;
use crate::ids::{DeviceId, ExternalUserId, MediaKey, ServerId, SessionKey};
use crate::kinds::MediaType;

fn event(source: Source, session: &str, user: &str, item: &str, start_s: i64) -> PlaybackEvent {
    let server = ServerId::new("srv").unwrap();
    let ext = ExternalUserId::new(user).unwrap();
    let uid = derive_user_id(source.platform(), &server, &ext);
    let mut parts = EventParts::new(
        source,
        server,
        SessionKey::new(session).unwrap(),
        Timing::started(Utc.timestamp_opt(start_s, 0).unwrap()),
        Account::new(ext, user).to_user_info(uid),
        ContentInfo::new(MediaType::Movie, MediaKey::new(item).unwrap(), "x"),
    );
    parts.device.device_id = Some(DeviceId::new("d").unwrap());
    PlaybackEvent::assemble(parts)
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_000_000, 0).unwrap()
}

#[test]
fn layers_in_order() {
    let mut d = Deduplicator::new(DedupConfig::default());
    let a = event(Source::Plex, "1", "u", "m", 999_000);
    assert_eq!(d.check(&a, now()), Verdict::New);
    assert_eq!(
        d.check(&a, now()),
        Verdict::Duplicate {
            layer: DedupLayer::EventId,
            original: a.event_id()
        }
    );
    let webhook = event(Source::Plex, "wh", "u", "m", 999_010);
    assert_eq!(
        d.check(&webhook, now()),
        Verdict::Duplicate {
            layer: DedupLayer::CorrelationKey,
            original: a.event_id()
        }
    );
    let import = event(Source::Tautulli, "t1", "u", "m", 998_950);
    assert_eq!(
        d.check(&import, now()),
        Verdict::Duplicate {
            layer: DedupLayer::CrossSource,
            original: a.event_id()
        }
    );
    let other_user = event(Source::Plex, "2", "v", "m", 999_000);
    assert!(d.check(&other_user, now()).is_new());
    let later = event(Source::Plex, "3", "u", "m", 999_300);
    assert!(
        d.check(&later, now()).is_new(),
        "five minutes later is another play"
    );
}

#[test]
fn straddling_a_bucket_boundary_is_still_a_duplicate() {
    let mut d = Deduplicator::new(DedupConfig::default());
    // 299 is the last second of bucket 0; 301 is in bucket 1.
    let a = event(Source::Plex, "1", "u", "m", 299);
    let b = event(Source::Tautulli, "x", "u", "m", 301);
    assert_ne!(
        a.identity.cross_source_key.bucket(),
        b.identity.cross_source_key.bucket()
    );
    assert!(d.check(&a, now()).is_new());
    assert!(matches!(
        d.check(&b, now()),
        Verdict::Duplicate {
            layer: DedupLayer::CrossSource,
            ..
        }
    ));
}

#[test]
fn memory_is_bounded() {
    let mut d = Deduplicator::new(DedupConfig::new(60, 3));
    for i in 0..10 {
        d.check(
            &event(Source::Plex, &i.to_string(), "u", &format!("m{i}"), 0),
            now(),
        );
    }
    assert_eq!(d.len(), 3);
    d.evict(now() + chrono::Duration::seconds(61));
    assert!(d.is_empty());
    // Forgotten plays are new again (the store's unique keys catch them later).
    assert!(d
        .check(&event(Source::Plex, "0", "u", "m0", 0), now())
        .is_new());
}

#[test]
fn identity_digest_reads_every_byte() {
    let digest = |b: &[u8]| {
        let mut l = Lanes(K2, K1);
        l.bytes(b);
        (l.0, l.1)
    };
    let mut seen = std::collections::HashSet::new();
    for n in 0..=19u8 {
        let base: Vec<u8> = (0..n).map(|i| b'a' + i).collect();
        assert!(seen.insert(digest(&base)), "length {n}");
        for i in 0..usize::from(n) {
            let mut other = base.clone();
            other[i] = b'Z';
            assert!(seen.insert(digest(&other)), "length {n}, byte {i}");
        }
    }
}

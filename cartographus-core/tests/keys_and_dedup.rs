//! Property tests of correlation keys and the deduplicator against a naive model.

mod common;

use std::collections::HashSet;

use cartographus_core::{
    CorrelationKey, CrossSourceKey, DedupConfig, DedupLayer, Deduplicator, PlaybackEvent, Source,
    Verdict,
};
use common::{event, t};
use proptest::prelude::*;

fn source(i: u8) -> Source {
    [Source::Plex, Source::Tautulli, Source::PlexHistory][usize::from(i % 3)]
}

prop_compose! {
    fn arb_event()(src in 0u8..3, user in 0u8..3, item in 0u8..3, dev in 0u8..2,
                   start in 0i64..3_000, session in 0u32..1_000) -> PlaybackEvent {
        event(source(src), &format!("s{session}"), &format!("u{user}"), &format!("m{item}"),
              &format!("d{dev}"), start)
    }
}

proptest! {
    #[test]
    fn keys_are_deterministic_and_parse_back(e in arb_event()) {
        let again = event(e.identity.source, e.identity.session_key.as_str(),
            e.user.external_id.as_str(), e.content.media_key.as_str(),
            e.device.device_id.as_ref().unwrap().as_str(),
            e.timing.started_at.timestamp() - common::EPOCH);
        prop_assert_eq!(&again.identity.correlation_key, &e.identity.correlation_key);
        prop_assert_eq!(again.event_id(), e.event_id());
        let k = &e.identity.correlation_key;
        prop_assert_eq!(&k.as_str().parse::<CorrelationKey>().unwrap(), k);
        let x = &e.identity.cross_source_key;
        prop_assert_eq!(&x.as_str().parse::<CrossSourceKey>().unwrap(), x);
        prop_assert_eq!(k.parts().bucket, x.bucket());
    }

    #[test]
    fn key_parser_never_panics(s in ".{0,80}") {
        let _ = s.parse::<CorrelationKey>();
        let _ = s.parse::<CrossSourceKey>();
    }

    /// The deduplicator agrees with a naive model: a play is a duplicate exactly when an
    /// earlier accepted play has the same event id, or the same server/user/item/device
    /// and a start less than 300 s away.
    #[test]
    fn dedup_matches_naive_model(events in proptest::collection::vec(arb_event(), 1..60)) {
        let mut d = Deduplicator::new(DedupConfig::default());
        let mut accepted: Vec<PlaybackEvent> = Vec::new();
        for e in &events {
            let same_play = |a: &PlaybackEvent| {
                a.user.external_id == e.user.external_id
                    && a.content.media_key == e.content.media_key
                    && a.device.device_id == e.device.device_id
                    && (a.timing.started_at - e.timing.started_at).num_seconds().abs() < 300
            };
            let expect_dup = accepted.iter().any(|a| a.event_id() == e.event_id() || same_play(a));
            let v = d.check(e, t(5_000));
            prop_assert_eq!(!v.is_new(), expect_dup, "{:?}", v);
            if let Verdict::Duplicate { layer, original } = v {
                let orig = accepted.iter().find(|a| a.event_id() == original).unwrap();
                match layer {
                    DedupLayer::EventId => prop_assert_eq!(orig.event_id(), e.event_id()),
                    DedupLayer::CorrelationKey => prop_assert_eq!(orig.identity.source, e.identity.source),
                    DedupLayer::CrossSource => prop_assert_ne!(orig.identity.source, e.identity.source),
                }
            } else {
                accepted.push(e.clone());
            }
        }
    }

    /// Exact re-delivery is always dropped, in any order; distinct plays (different
    /// identity, or starts ≥ 300 s apart) are never dropped.
    #[test]
    fn redelivery_dropped_distinct_kept(
        starts in proptest::collection::btree_set(0i64..100, 1..20),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 1..80),
    ) {
        // Plays of one identity, each 300 s (one bucket) or more apart; offsets straddle
        // bucket boundaries.
        let plays: Vec<PlaybackEvent> = starts.iter()
            .map(|s| event(Source::Plex, &format!("s{s}"), "u", "m", "d", s * 300 + 150))
            .collect();
        let mut d = Deduplicator::new(DedupConfig::default());
        let mut seen = HashSet::new();
        for idx in order {
            let e = idx.get(&plays);
            let v = d.check(e, t(0));
            prop_assert_eq!(v.is_new(), seen.insert(e.event_id()));
        }
    }
}

//! Property tests of the session tracker over random snapshot sequences.

mod common;

use std::collections::HashMap;

use cartographus_core::{
    EventId, PlaybackState, ServerId, SessionSnapshot, SessionTracker, SessionUpdate, Source,
    TrackerConfig,
};
use common::{snap, t};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Step {
    dt: i64,
    sessions: Vec<(u8, u8, u8, u8, u64)>, // key, user, item, state, offset
}

fn arb_step() -> impl Strategy<Value = Step> {
    (
        0i64..400,
        proptest::collection::vec((0u8..4, 0u8..3, 0u8..3, 0u8..3, 0u64..2_000), 0..4),
    )
        .prop_map(|(dt, sessions)| Step { dt, sessions })
}

fn state(i: u8) -> PlaybackState {
    [
        PlaybackState::Playing,
        PlaybackState::Paused,
        PlaybackState::Buffering,
    ][usize::from(i % 3)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn tracker_invariants(steps in proptest::collection::vec(arb_step(), 1..40)) {
        let mut tr = SessionTracker::new(Source::Jellyfin, ServerId::new("s").unwrap(), TrackerConfig::default());
        let mut now = 0i64;
        let mut open: HashMap<EventId, ()> = HashMap::new();
        let mut stopped: HashMap<EventId, ()> = HashMap::new();
        let mut check = |tr: &mut SessionTracker| -> Result<(), TestCaseError> {
            while let Some(u) = tr.poll_update() {
                let e = u.event();
                let timing = &e.timing;
                let wall_end = timing.stopped_at.unwrap_or(timing.updated_at);
                let wall = (wall_end - timing.started_at).num_seconds();
                prop_assert!(wall >= 0, "negative wall time");
                prop_assert!((timing.play_duration_s + timing.paused_s) as i64 <= wall,
                    "played {} + paused {} > wall {}", timing.play_duration_s, timing.paused_s, wall);
                prop_assert!((0.0..=100.0).contains(&timing.percent_complete));
                match &u {
                    SessionUpdate::Started(e) => {
                        prop_assert!(open.insert(e.event_id(), ()).is_none(), "started twice");
                    }
                    SessionUpdate::Stopped(s) => {
                        prop_assert!(open.remove(&s.event.event_id()).is_some(), "stop without start");
                        prop_assert!(stopped.insert(s.event.event_id(), ()).is_none(), "stopped twice");
                    }
                    other => prop_assert!(open.contains_key(&other.event().event_id()), "update of a closed play"),
                }
            }
            Ok(())
        };
        for step in &steps {
            now += step.dt;
            let snaps: Vec<SessionSnapshot> = step.sessions.iter()
                .map(|(k, u, i, s, o)| snap(&format!("k{k}"), &format!("u{u}"), &format!("m{i}"), state(*s), *o))
                .collect();
            tr.handle_snapshot(&snaps, t(now));
            check(&mut tr)?;
        }
        // Far in the future every play has ended exactly once.
        tr.handle_snapshot(&[], t(now + 10_000));
        tr.handle_timeout(t(now + 20_000));
        check(&mut tr)?;
        prop_assert!(open.is_empty(), "{} plays never stopped", open.len());
        prop_assert!(tr.is_empty());
    }
}

//! A scenario on a fake clock: two users, pause/resume, a network blip, a resume within
//! the window, and a 30-second preview that does not count.

mod common;

use cartographus_core::{
    PlaybackState::{Paused, Playing},
    ServerId, SessionTracker, SessionUpdate, Source, StopReason, TrackerConfig,
};
use common::{snap, t};

#[test]
fn evening_of_two_viewers() {
    let mut tr = SessionTracker::new(
        Source::Plex,
        ServerId::new("home").unwrap(),
        TrackerConfig::default(),
    );
    let mut updates: Vec<SessionUpdate> = Vec::new();
    fn feed(tr: &mut SessionTracker, at: i64, s: Vec<cartographus_core::SessionSnapshot>) {
        assert!(tr.handle_snapshot(&s, t(at)).is_empty());
    }
    // Polls every 10 s. Alice watches an episode, pauses 10 minutes, resumes.
    // Bob watches a 30-second preview of something, then an episode.
    feed(
        &mut tr,
        0,
        vec![
            snap("a1", "alice", "ep1", Playing, 0),
            snap("b1", "bob", "trailer", Playing, 0),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        30,
        vec![
            snap("a1", "alice", "ep1", Playing, 30),
            snap("b1", "bob", "trailer", Playing, 30),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        40,
        vec![
            snap("a1", "alice", "ep1", Playing, 40),
            snap("b2", "bob", "ep9", Playing, 0),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        600,
        vec![
            snap("a1", "alice", "ep1", Paused, 600),
            snap("b2", "bob", "ep9", Playing, 560),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    // Network blip: the server's list comes back empty once.
    feed(&mut tr, 610, vec![]);
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        1200,
        vec![
            snap("a1", "alice", "ep1", Playing, 600),
            snap("b2", "bob", "ep9", Playing, 1160),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    // Alice's app crashes; she restarts the same episode on the same device 10 minutes later.
    feed(&mut tr, 1210, vec![snap("b2", "bob", "ep9", Playing, 1170)]);
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    tr.handle_timeout(t(1300));
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        1800,
        vec![
            snap("a2", "alice", "ep1", Playing, 900),
            snap("b2", "bob", "ep9", Playing, 1760),
        ],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(
        &mut tr,
        2700,
        vec![snap("a2", "alice", "ep1", Playing, 1790)],
    );
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    feed(&mut tr, 2800, vec![]);
    updates.extend(std::iter::from_fn(|| tr.poll_update()));
    tr.handle_timeout(t(3000));
    updates.extend(std::iter::from_fn(|| tr.poll_update()));

    let stops: Vec<_> = updates
        .iter()
        .filter_map(|u| match u {
            SessionUpdate::Stopped(s) => Some(s),
            _ => None,
        })
        .collect();
    let starts: Vec<_> = updates
        .iter()
        .filter_map(|u| match u {
            SessionUpdate::Started(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 4, "a1, b1, b2, a2");
    assert_eq!(stops.len(), 4);
    // The blip stopped nothing: a1 and b2 each have exactly one stop.
    let trailer = stops
        .iter()
        .find(|s| s.event.content.media_key.as_str() == "trailer")
        .unwrap();
    assert!(trailer.below_minimum, "a 30-second preview is not a play");
    assert_eq!(trailer.event.timing.play_duration_s, 30);
    let a1 = stops
        .iter()
        .find(|s| s.event.identity.session_key.as_str() == "a1")
        .unwrap();
    assert_eq!(a1.reason, StopReason::Ended);
    assert_eq!(a1.event.timing.stopped_at, Some(t(1200)));
    assert_eq!(a1.event.timing.paused_s, 600, "paused from 600 to 1200");
    assert_eq!(a1.event.timing.play_duration_s, 600);
    let a2_start = starts
        .iter()
        .find(|e| e.identity.session_key.as_str() == "a2")
        .unwrap();
    assert_eq!(
        a2_start.identity.reference_id,
        Some(a1.event.event_id()),
        "resumed within 15 min"
    );
    let b2 = stops
        .iter()
        .find(|s| s.event.identity.session_key.as_str() == "b2")
        .unwrap();
    assert_eq!(
        b2.event.timing.play_duration_s, 1760,
        "played from 40 through the blip to 1800"
    );
    assert_eq!(b2.event.timing.paused_s, 0);
    assert!(!b2.below_minimum);
    let pauses = updates
        .iter()
        .filter(|u| matches!(u, SessionUpdate::Paused(_)))
        .count();
    let resumes = updates
        .iter()
        .filter(|u| matches!(u, SessionUpdate::Resumed(_)))
        .count();
    assert_eq!((pauses, resumes), (1, 1));
}

//! Decoded pushes and polls driven through the core's session tracker: a Plex play
//! reported by webhooks goes start → pause → resume → stop, and a poll of
//! `/status/sessions` in between is recognised as the same play (not a second one).

use cartographus_core::{
    PlaybackState, ServerId, SessionTracker, SessionUpdate, Source, TrackerConfig,
};
use cartographus_sources::{plex, RemoteSession};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn payload(event: &str, offset_ms: u64) -> Vec<u8> {
    serde_json::json!({
        "event": event,
        "Account": {"id": 1, "title": "elan"},
        "Server": {"title": "Office", "uuid": "54664a3d8acc39983675640ec9ce00b70af9cc36"},
        "Player": {"local": true, "publicAddress": "200.200.200.200", "title": "Plex Web", "uuid": "r6yfkdnfggbh2bdnvkffwbms"},
        "Metadata": {"ratingKey": "1936545", "type": "track", "title": "Love The One You're With",
                     "grandparentTitle": "Stephen Stills", "viewOffset": offset_ms, "duration": 180000}
    })
    .to_string()
    .into_bytes()
}

fn push(
    tracker: &mut SessionTracker,
    event: &str,
    offset_ms: u64,
    at: DateTime<Utc>,
) -> Vec<SessionUpdate> {
    let ev = plex::decode_webhook_payload(&payload(event, offset_ms)).unwrap();
    tracker
        .handle_notification(ev.notification.as_ref().unwrap(), at)
        .unwrap();
    std::iter::from_fn(|| tracker.poll_update()).collect()
}

#[test]
fn webhook_play_pause_resume_stop_with_a_poll_in_between() {
    let server = ServerId::new("54664a3d8acc39983675640ec9ce00b70af9cc36").unwrap();
    let mut config = TrackerConfig::default();
    config.min_play_s = 0;
    let mut tracker = SessionTracker::new(Source::Plex, server, config);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();

    let u = push(&mut tracker, "media.play", 0, t0);
    assert!(matches!(u.as_slice(), [SessionUpdate::Started(_)]));

    // The poll sees the same play under Plex's sessionKey: adopted, not restarted.
    let poll = serde_json::json!({"MediaContainer": {"Metadata": [{
        "sessionKey": "84", "ratingKey": "1936545", "type": "track", "title": "Love The One You're With",
        "viewOffset": 30000, "duration": 180000,
        "User": {"id": "1", "title": "elan"},
        "Player": {"address": "192.168.1.5", "machineIdentifier": "r6yfkdnfggbh2bdnvkffwbms", "state": "playing", "local": true}
    }]}});
    let sessions = plex::decode_sessions(poll.to_string().as_bytes()).unwrap();
    let errors = tracker.handle_snapshot(
        &RemoteSession::snapshots(&sessions),
        t0 + Duration::seconds(30),
    );
    assert!(errors.is_empty());
    let u: Vec<_> = std::iter::from_fn(|| tracker.poll_update()).collect();
    assert!(
        u.iter().all(|u| !matches!(u, SessionUpdate::Started(_))),
        "{u:?}"
    );
    assert_eq!(tracker.len(), 1);

    let u = push(
        &mut tracker,
        "media.pause",
        60_000,
        t0 + Duration::seconds(60),
    );
    assert!(matches!(u.as_slice(), [SessionUpdate::Paused(_)]), "{u:?}");
    let u = push(
        &mut tracker,
        "media.resume",
        60_000,
        t0 + Duration::seconds(90),
    );
    assert!(matches!(u.as_slice(), [SessionUpdate::Resumed(_)]), "{u:?}");
    let u = push(
        &mut tracker,
        "media.stop",
        120_000,
        t0 + Duration::seconds(150),
    );
    let [SessionUpdate::Stopped(stop)] = u.as_slice() else {
        panic!("expected one stop, got {u:?}");
    };
    assert_eq!(stop.event.timing.state, PlaybackState::Stopped);
    assert_eq!(stop.event.timing.play_duration_s, 120);
    assert_eq!(stop.event.timing.paused_s, 30);
    assert_eq!(stop.event.network.ip, Some("192.168.1.5".parse().unwrap()));
    assert!(tracker.is_empty());
}

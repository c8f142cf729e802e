use chrono::TimeZone;

use super::*;
use crate::event::{Account, ContentInfo};
use crate::ids::ExternalUserId;
use crate::kinds::MediaType;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_000_000 + s, 0).unwrap()
}

fn snap(key: &str, user: &str, item: &str, state: PlaybackState, offset_s: u64) -> SessionSnapshot {
    let mut s = SessionSnapshot::new(SessionKey::new(key).unwrap(), state);
    s.user = Some(Account::new(ExternalUserId::new(user).unwrap(), user));
    s.content = Some(ContentInfo::new(
        MediaType::Movie,
        MediaKey::new(item).unwrap(),
        "Heat",
    ));
    s.view_offset_ms = Some(offset_s * 1000);
    s.media_duration_ms = Some(1000 * 1000);
    s.device.device_id = Some(DeviceId::new(format!("dev-{user}")).unwrap());
    s
}

fn tracker() -> SessionTracker {
    SessionTracker::new(
        Source::Plex,
        ServerId::new("srv").unwrap(),
        TrackerConfig::default(),
    )
}

fn drain(tr: &mut SessionTracker) -> Vec<SessionUpdate> {
    std::iter::from_fn(|| tr.poll_update()).collect()
}

#[test]
fn start_pause_resume_stop_accounts_time() {
    let mut tr = tracker();
    let p = PlaybackState::Playing;
    assert!(tr
        .handle_snapshot(&[snap("1", "a", "m", p, 0)], t(0))
        .is_empty());
    tr.handle_snapshot(&[snap("1", "a", "m", p, 100)], t(100));
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Paused, 100)], t(110));
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Paused, 100)], t(170));
    tr.handle_snapshot(&[snap("1", "a", "m", p, 100)], t(200));
    tr.handle_snapshot(&[snap("1", "a", "m", p, 400)], t(500));
    tr.handle_snapshot(&[], t(510));
    tr.handle_timeout(t(600));
    let kinds: Vec<_> = drain(&mut tr).iter().map(|u| u.kind()).collect();
    assert_eq!(
        kinds,
        ["started", "progress", "paused", "resumed", "progress", "stopped"]
    );
    let mut tr2 = tracker();
    tr2.handle_snapshot(&[snap("1", "a", "m", p, 0)], t(0));
    tr2.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Paused, 100)], t(110));
    tr2.handle_snapshot(&[snap("1", "a", "m", p, 100)], t(200));
    tr2.handle_snapshot(&[snap("1", "a", "m", p, 900)], t(500));
    tr2.handle_snapshot(&[], t(510));
    tr2.handle_timeout(t(541));
    let stop = match drain(&mut tr2).pop() {
        Some(SessionUpdate::Stopped(s)) => s,
        other => panic!("{other:?}"),
    };
    // Played 0..110 and 200..500; paused 110..200; stopped at last seen (500).
    assert_eq!(stop.event.timing.play_duration_s, 410);
    assert_eq!(stop.event.timing.paused_s, 90);
    assert_eq!(stop.event.timing.stopped_at, Some(t(500)));
    assert_eq!(stop.reason, StopReason::Ended);
    assert!(!stop.below_minimum);
    assert!(
        stop.event.timing.watched,
        "90% of the item is past the 85% threshold"
    );
}

#[test]
fn blip_within_grace_continues() {
    let mut tr = tracker();
    let p = PlaybackState::Playing;
    tr.handle_snapshot(&[snap("1", "a", "m", p, 0)], t(0));
    tr.handle_snapshot(&[], t(10));
    tr.handle_snapshot(&[snap("1", "a", "m", p, 20)], t(20));
    let ups = drain(&mut tr);
    assert_eq!(ups.len(), 2, "{ups:?}");
    assert_eq!(tr.len(), 1);
    assert_eq!(tr.live().next().unwrap().timing.play_duration_s, 20);
}

#[test]
fn short_play_is_below_minimum_and_stale_sessions_are_forced() {
    let mut tr = tracker();
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 0)], t(0));
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 30)], t(30));
    // No more input for six minutes: the session is a ghost.
    assert_eq!(tr.poll_timeout(), Some(t(30 + 300)));
    tr.handle_timeout(t(400));
    let stop = match drain(&mut tr).pop() {
        Some(SessionUpdate::Stopped(s)) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(stop.reason, StopReason::Stale);
    assert_eq!(stop.event.timing.stopped_at, Some(t(30)));
    assert!(stop.below_minimum);
    assert!(tr.is_empty());
}

#[test]
fn resume_within_window_references_first_play() {
    let mut tr = tracker();
    let p = PlaybackState::Playing;
    tr.handle_snapshot(&[snap("1", "a", "m", p, 0)], t(0));
    tr.handle_snapshot(&[snap("1", "a", "m", p, 100)], t(100));
    tr.handle_snapshot(&[], t(110));
    tr.handle_timeout(t(200));
    let first = drain(&mut tr)
        .into_iter()
        .find_map(|u| match u {
            SessionUpdate::Stopped(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert!(
        first.below_minimum,
        "100 s alone is below the 120 s minimum"
    );
    tr.handle_snapshot(&[snap("2", "a", "m", p, 100)], t(400));
    let started = match drain(&mut tr).pop() {
        Some(SessionUpdate::Started(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(started.identity.reference_id, Some(first.event.event_id()));
    tr.handle_snapshot(&[snap("2", "a", "m", p, 160)], t(460));
    tr.handle_snapshot(&[], t(470));
    tr.handle_timeout(t(600));
    let second = match drain(&mut tr).pop() {
        Some(SessionUpdate::Stopped(s)) => s,
        other => panic!("{other:?}"),
    };
    assert!(!second.below_minimum, "the group played 160 s in all");
    // Past the window, the same item is a new play.
    tr.handle_snapshot(&[snap("3", "a", "m", p, 0)], t(600 + 2000));
    match drain(&mut tr).pop() {
        Some(SessionUpdate::Started(e)) => assert_eq!(e.identity.reference_id, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_sessions_are_errors_and_others_are_tracked() {
    let mut tr = tracker();
    let mut no_user = snap("1", "a", "m", PlaybackState::Playing, 0);
    no_user.user = None;
    let mut no_item = snap("2", "b", "m", PlaybackState::Playing, 0);
    no_item.content = None;
    let good = snap("3", "c", "m", PlaybackState::Playing, 0);
    let errors = tr.handle_snapshot(&[no_user, no_item, good], t(0));
    assert_eq!(errors.len(), 2);
    assert!(matches!(errors[0], SessionError::MissingUser { .. }));
    assert!(matches!(errors[1], SessionError::MissingItem { .. }));
    assert_eq!(tr.len(), 1);
}

#[test]
fn item_change_under_same_key_splits_plays() {
    let mut tr = tracker();
    let p = PlaybackState::Playing;
    tr.handle_snapshot(&[snap("1", "a", "ep1", p, 0)], t(0));
    tr.handle_snapshot(&[snap("1", "a", "ep2", p, 0)], t(1500));
    let kinds: Vec<_> = drain(&mut tr).iter().map(|u| u.kind()).collect();
    assert_eq!(kinds, ["started", "stopped", "started"]);
}

#[test]
fn notifications_update_and_stop_known_sessions() {
    let mut tr = tracker();
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 0)], t(0));
    let key = SessionKey::new("1").unwrap();
    let mut n = SessionNotification::new(key.clone(), PlaybackState::Paused);
    n.view_offset_ms = Some(60_000);
    tr.handle_notification(&n, t(60)).unwrap();
    let stop = SessionNotification::new(key, PlaybackState::Stopped);
    tr.handle_notification(&stop, t(90)).unwrap();
    let ups = drain(&mut tr);
    let kinds: Vec<_> = ups.iter().map(|u| u.kind()).collect();
    assert_eq!(kinds, ["started", "paused", "stopped"]);
    let ev = ups[2].event();
    assert_eq!(ev.timing.play_duration_s, 60);
    assert_eq!(ev.timing.paused_s, 30);
    let unknown = SessionNotification::new(SessionKey::new("9").unwrap(), PlaybackState::Playing);
    assert!(matches!(
        tr.handle_notification(&unknown, t(100)),
        Err(SessionError::UnknownSession { .. })
    ));
}

#[test]
fn webhook_session_is_adopted_by_the_next_snapshot() {
    let mut tr = tracker();
    // A webhook knows no session key; the source makes one up.
    let mut n = SessionNotification::new(
        SessionKey::new("wh-dev-a-m").unwrap(),
        PlaybackState::Playing,
    );
    n.snapshot = Some(snap("wh-dev-a-m", "a", "m", PlaybackState::Playing, 0));
    tr.handle_notification(&n, t(0)).unwrap();
    tr.handle_snapshot(&[snap("17", "a", "m", PlaybackState::Playing, 10)], t(10));
    let ups = drain(&mut tr);
    let kinds: Vec<_> = ups.iter().map(|u| u.kind()).collect();
    assert_eq!(kinds, ["started", "progress"]);
    assert_eq!(tr.len(), 1);
    assert_eq!(
        tr.live().next().unwrap().identity.session_key.as_str(),
        "17"
    );
}

#[test]
fn restored_play_continues() {
    let mut tr = tracker();
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 0)], t(0));
    tr.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 50)], t(50));
    let open = tr.live().next().unwrap().clone();
    let mut fresh = tracker();
    fresh.handle_restore(open.clone(), t(60));
    fresh.handle_snapshot(&[snap("1", "a", "m", PlaybackState::Playing, 70)], t(70));
    let ups = drain(&mut fresh);
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].kind(), "progress");
    assert_eq!(ups[0].event().event_id(), open.event_id());
    assert_eq!(ups[0].event().timing.play_duration_s, 70);
}

#[test]
fn config_validation() {
    let mut c = TrackerConfig::default();
    assert!(c.validate().is_ok());
    c.watched_percent = 101.0;
    assert!(c.validate().is_err());
    c.watched_percent = 50.0;
    c.stale_after_s = 0;
    assert!(c.validate().is_err());
}

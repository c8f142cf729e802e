//! Cooldowns, trust, exemptions, trusted networks and actions, on a fake clock, plus
//! the engine driven by the real session tracker.

mod common;

use cartographus_core::{
    Account, ContentInfo, ExternalUserId, MediaKey, MediaType, NetworkInfo, PlaybackState,
    ServerId, SessionKey, SessionSnapshot, SessionTracker, Source, TrackerConfig,
};
use cartographus_detect::{Action, ActionKind, RawDetectConfig, RuleKind, TrustReason};
use chrono::Duration;
use common::*;

/// Paris, then `city` ten minutes later: impossible travel (and nothing else).
fn hop(w: &mut World, user: u64, start: f64, far: Spot, ip: &str) {
    let (tv, phone) = (format!("tv{user}"), format!("phone{user}"));
    w.feed(
        &play(user, &tv, "81.2.69.160")
            .in_(PARIS)
            .at(start)
            .until(start + 5.0),
    );
    w.feed(
        &play(user, &phone, ip)
            .in_(far)
            .at(start + 10.0)
            .until(start + 15.0),
    );
}

#[test]
fn one_alert_per_rule_per_user_per_cooldown() {
    let mut w = World::new();
    hop(&mut w, 1, 0.0, NEW_YORK, "89.160.20.112");
    hop(&mut w, 1, 20.0, TOKYO, "175.16.199.1");
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
    assert!(w.engine.stats().suppressed_by_cooldown >= 1);
    // Another user is not held back by the first one's cooldown.
    hop(&mut w, 2, 20.0, TOKYO, "175.16.199.2");
    assert_eq!(w.alerts.len(), 2);
    // An hour of playback time later, the rule may fire again.
    hop(&mut w, 1, 61.0, TOKYO, "175.16.199.1");
    assert_eq!(w.of(RuleKind::ImpossibleTravel).len(), 3);
    assert_eq!(w.engine.stats().alerts(), 3);
}

#[test]
fn trust_falls_with_findings_and_recovers_a_point_a_day() {
    let mut w = World::new();
    for i in 0..3 {
        hop(&mut w, 1, f64::from(i) * 120.0, NEW_YORK, "89.160.20.112");
    }
    assert_eq!(w.alerts.len(), 3);
    let a = &w.alerts[0];
    assert_eq!(a.trust.len(), 1);
    assert_eq!((a.trust[0].before, a.trust[0].after), (100, 80));
    assert!(matches!(
        a.trust[0].reason,
        TrustReason::Finding {
            rule: RuleKind::ImpossibleTravel,
            ..
        }
    ));
    let now = at(255.0);
    let s = w.engine.trust(uid(1), now);
    assert_eq!((s.score, s.restricted), (40, true));
    assert_eq!(w.engine.trust(uid(1), now + Duration::days(9)).score, 49);
    let s = w.engine.trust(uid(1), now + Duration::days(10));
    assert_eq!((s.score, s.restricted), (50, false));
    assert_eq!(w.engine.trust_ledger(uid(1)).count(), 3);
    // Manual adjust and reset are recorded in the ledger.
    let c = w.engine.adjust_trust(uid(1), 15, now);
    assert_eq!(c.last().unwrap().after, 55);
    let c = w.engine.reset_trust(uid(1), now);
    assert_eq!(c.last().unwrap().reason, TrustReason::Reset);
    assert_eq!(w.engine.trust(uid(1), now).score, 100);
    assert_eq!(w.engine.trust_ledger(uid(1)).count(), 5);
    // Stored scores come back after a restart.
    w.engine.restore_trust(uid(9), 30, now, false).unwrap();
    assert!(w.engine.trust(uid(9), now).restricted);
}

#[test]
fn penalties_follow_the_configuration() {
    let mut raw = RawDetectConfig::default();
    raw.trust.critical_penalty = 35;
    let mut w = World::with(raw);
    hop(&mut w, 1, 0.0, NEW_YORK, "89.160.20.112");
    assert_eq!(w.engine.trust(uid(1), at(20.0)).score, 65);
}

#[test]
fn exempt_users_and_trusted_networks_raise_nothing() {
    let mut w = World::new();
    w.engine.set_exempt(uid(1), true, at(0.0));
    hop(&mut w, 1, 0.0, NEW_YORK, "89.160.20.112");
    w.assert_quiet();
    assert_eq!(w.engine.stats().exempt, 2);
    w.engine.set_exempt(uid(1), false, at(0.0));
    hop(&mut w, 1, 100.0, NEW_YORK, "89.160.20.112");
    assert_eq!(w.alerts.len(), 1);

    // Grandma's home in Lyon is trusted for user 2: visiting it is not travel.
    let mut w = World::new();
    w.engine
        .trust_network(Some(uid(2)), "90.12.0.0/16".parse().unwrap());
    w.feed(&play(2, "tv", "81.2.69.160").in_(PARIS).until(5.0));
    w.feed(&play(2, "phone", "90.12.1.9").in_(LYON).at(10.0).until(15.0));
    w.assert_quiet();
    // …but only for user 2.
    w.feed(&play(3, "tv3", "81.2.69.161").in_(PARIS).until(5.0));
    w.feed(
        &play(3, "phone3", "90.12.1.10")
            .in_(LYON)
            .at(10.0)
            .until(15.0),
    );
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
    assert!(w
        .engine
        .untrust_network(Some(uid(2)), "90.12.0.0/16".parse().unwrap()));
    assert!(w.engine.trusted_networks(Some(uid(2))).is_empty());

    // Trusted users from the configuration.
    let mut raw = RawDetectConfig::default();
    raw.trusted_users = vec![uid(4)];
    let mut w = World::with(raw);
    hop(&mut w, 4, 0.0, NEW_YORK, "89.160.20.112");
    w.assert_quiet();
}

#[test]
fn actions_terminate_streams_when_configured() {
    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.action = ActionKind::Terminate;
    raw.rules.impossible_travel.terminate_message = Some("Sharing is not allowed.".into());
    let mut w = World::with(raw);
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).until(5.0));
    w.feed(
        &play(1, "phone", "89.160.20.112")
            .in_(NEW_YORK)
            .at(10.0)
            .session("s-42"),
    );
    let Action::Terminate {
        server,
        session_key,
        message,
    } = &w.alerts[0].action
    else {
        panic!("{:?}", w.alerts[0].action);
    };
    assert_eq!((server.as_str(), session_key.as_str()), ("srv", "s-42"));
    assert_eq!(message, "Sharing is not allowed.");

    // Terminate only when restricted: the first two findings notify, the third (which
    // brings the score under 50) terminates.
    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.action = ActionKind::TerminateIfRestricted;
    let mut w = World::with(raw);
    for i in 0..3 {
        // One trip a day; the stream from New York is still playing when it is found.
        let s = f64::from(i) * 1_440.0;
        let session = format!("ny-{i}");
        w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).at(s).until(s + 5.0));
        let ny = play(1, "phone", "89.160.20.112")
            .in_(NEW_YORK)
            .at(s + 10.0)
            .session(&session);
        w.feed(&ny);
        w.feed(&ny.until(s + 15.0));
    }
    let kinds: Vec<bool> = w
        .alerts
        .iter()
        .map(|a| matches!(a.action, Action::Terminate { .. }))
        .collect();
    assert_eq!(kinds, [false, false, true]);
    assert!(w.alerts[2].trust.last().unwrap().restricted);

    // Default: notify only.
    let mut w = World::new();
    hop(&mut w, 1, 0.0, NEW_YORK, "89.160.20.112");
    assert_eq!(w.alerts[0].action, Action::Notify);
}

fn snapshot(key: &str, user: &str, ip: &str) -> SessionSnapshot {
    let mut s = SessionSnapshot::new(SessionKey::new(key).unwrap(), PlaybackState::Playing);
    s.user = Some(Account::new(ExternalUserId::new(user).unwrap(), user));
    s.content = Some(ContentInfo::new(
        MediaType::Movie,
        MediaKey::new(key).unwrap(),
        "Heat",
    ));
    s.device.device_id = Some(format!("dev-{key}").parse().unwrap());
    let mut net = NetworkInfo::default();
    net.ip = Some(ip.parse().unwrap());
    s.network = net;
    s
}

#[test]
fn driven_by_the_session_tracker_ghosts_do_not_count() {
    let mut tracker = SessionTracker::new(
        Source::Plex,
        ServerId::new("srv").unwrap(),
        TrackerConfig::default(),
    );
    let mut w = World::new();
    let pump = |tracker: &mut SessionTracker, w: &mut World, now| {
        while let Some(u) = tracker.poll_update() {
            w.engine.handle_update(&u, now);
        }
        while let Some(a) = w.engine.poll_alert() {
            w.alerts.push(a);
        }
    };
    let ips = ["81.2.69.160", "90.12.1.9", "90.80.2.7", "89.160.20.112"];
    let three: Vec<_> = (0..3)
        .map(|i| snapshot(&format!("k{i}"), "7", ips[i]))
        .collect();
    tracker.handle_snapshot(&three, at(0.0));
    pump(&mut tracker, &mut w, at(0.0));
    // The three sessions vanish from the server; the tracker stops them after its grace.
    tracker.handle_snapshot(&[], at(1.0));
    tracker.handle_timeout(at(2.0));
    pump(&mut tracker, &mut w, at(2.0));
    // A fourth stream later is the only one playing.
    tracker.handle_snapshot(&[snapshot("k3", "7", ips[3])], at(3.0));
    pump(&mut tracker, &mut w, at(3.0));
    w.assert_quiet();
    // Four at once do fire.
    let four: Vec<_> = (0..4)
        .map(|i| snapshot(&format!("n{i}"), "7", ips[i]))
        .collect();
    tracker.handle_snapshot(&four, at(200.0));
    pump(&mut tracker, &mut w, at(200.0));
    assert_eq!(w.rules(), [RuleKind::ConcurrentStreams]);
}

#[test]
fn config_can_be_read_back_and_replaced() {
    let mut w = World::new();
    let mut raw = w.engine.config().to_raw();
    assert!(raw.rules.impossible_travel.enabled);
    raw.rules.impossible_travel.enabled = false;
    w.engine.set_config(raw.validate().unwrap());
    assert!(!w.engine.config().rule_enabled(RuleKind::ImpossibleTravel));
    hop(&mut w, 1, 0.0, NEW_YORK, "89.160.20.112");
    w.assert_quiet();
    let json = serde_json::to_string(&w.engine.config().to_raw()).unwrap();
    assert!(
        json.contains("\"impossible_travel\":{\"enabled\":false"),
        "{json}"
    );
}

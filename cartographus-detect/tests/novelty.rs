//! New device and new country on a fake clock: reported (as info, costing no trust)
//! for users with enough history, never for newcomers or while warming up.

mod common;

use cartographus_detect::{Evidence, RuleKind, Severity};
use common::*;

fn routine(user: u64, n: usize) -> Vec<Play> {
    (0..n)
        .map(|i| {
            let start = i as f64 * 1_440.0;
            play(user, "tv", "81.2.69.160")
                .in_(PARIS)
                .at(start)
                .until(start + 90.0)
        })
        .collect()
}

#[test]
fn a_new_device_after_ten_plays_is_info() {
    let mut w = World::new();
    w.feed_all(&routine(1, 10));
    w.assert_quiet();
    w.feed(
        &play(1, "new-phone", "81.2.69.160")
            .in_(PARIS)
            .platform("iOS")
            .at(15_000.0),
    );
    assert_eq!(w.rules(), [RuleKind::NewDevice]);
    let a = &w.alerts[0];
    assert_eq!(a.finding.severity, Severity::Info);
    let Evidence::NewDevice(e) = &a.finding.evidence else {
        panic!();
    };
    assert_eq!((e.known_devices, e.plays_seen), (1, 10));
    assert_eq!(e.platform.as_deref(), Some("iOS"));
    assert!(a.trust.is_empty(), "info costs no trust");
    assert_eq!(w.engine.trust(uid(1), at(15_000.0)).score, 100);
    // The device is known from now on.
    w.feed(&play(1, "new-phone", "81.2.69.160").in_(PARIS).at(20_000.0));
    assert_eq!(w.alerts.len(), 1);
}

#[test]
fn a_new_country_after_ten_plays_is_info() {
    let mut w = World::new();
    w.feed_all(&routine(1, 12));
    w.feed(&play(1, "tv", "89.160.20.112").in_(BERLIN).at(20_000.0));
    assert_eq!(w.rules(), [RuleKind::NewCountry]);
    let Evidence::NewCountry(e) = &w.alerts[0].finding.evidence else {
        panic!();
    };
    assert_eq!(e.country.as_str(), "DE");
    assert_eq!(e.known.len(), 1);
    assert_eq!(e.known[0].as_str(), "FR");
}

#[test]
fn newcomers_are_not_reported() {
    let mut w = World::new();
    w.feed_all(&routine(1, 3));
    w.feed(&play(1, "phone", "89.160.20.112").in_(BERLIN).at(20_000.0));
    w.assert_quiet();
}

#[test]
fn history_counts_but_never_alerts() {
    let mut w = World::new();
    for (i, p) in routine(1, 10).iter().enumerate() {
        let e = p.event();
        w.engine.handle_history(&e, at(15_000.0));
        // Even devices and countries new in history do not alert.
        if i == 5 {
            let odd = play(1, "odd", "89.160.20.112")
                .in_(BERLIN)
                .at(7_300.0)
                .until(7_400.0);
            w.engine.handle_history(&odd.event(), at(15_000.0));
        }
    }
    assert!(w.engine.poll_alert().is_none());
    assert_eq!(w.engine.stats().history_events, 11);
    w.feed(&play(1, "odd", "89.160.20.112").in_(BERLIN).at(15_000.0));
    w.assert_quiet();
    w.feed(&play(1, "tablet", "81.2.69.160").in_(PARIS).at(16_000.0));
    assert_eq!(w.rules(), [RuleKind::NewDevice]);
}

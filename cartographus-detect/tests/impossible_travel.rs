//! Impossible travel on a fake clock: it fires for journeys no one can make, with no
//! blind spot for plays minutes apart, and stays quiet for plausible trips, accuracy
//! radii, local addresses and unknown places.

mod common;

use cartographus_detect::{Evidence, RawDetectConfig, RuleKind, Severity};
use common::*;

#[test]
fn paris_then_tokyo_an_hour_later_fires_with_typed_evidence() {
    let mut w = World::new();
    w.feed(
        &play(1, "phone", "81.2.69.160")
            .in_(PARIS)
            .city("Paris")
            .until(10.0),
    );
    w.feed(
        &play(1, "tv", "175.16.199.1")
            .at(60.0)
            .in_(TOKYO)
            .city("Tokyo"),
    );
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
    let a = &w.alerts[0];
    assert_eq!(a.finding.severity, Severity::Critical);
    assert_eq!(a.finding.user, uid(1));
    assert_eq!(a.finding.at, at(60.0));
    let Evidence::ImpossibleTravel(e) = &a.finding.evidence else {
        panic!("wrong evidence {:?}", a.finding.evidence);
    };
    assert!((e.distance_km - 9_713.0).abs() < 50.0, "{}", e.distance_km);
    assert_eq!(e.effective_km, e.distance_km);
    assert!((e.hours - 1.0).abs() < 1e-9);
    assert!((e.km_per_h - e.distance_km).abs() < 1e-6);
    assert_eq!(e.from.city.as_deref(), Some("Paris"));
    assert_eq!(e.to.country.unwrap().as_str(), "JP");
    // Every play involved, with its place, time and address.
    let plays = &a.finding.plays;
    assert_eq!(plays.len(), 2);
    assert_eq!(plays[0].started_at, at(0.0));
    assert_eq!(plays[0].stopped_at, Some(at(10.0)));
    assert_eq!(plays[0].place.ip, Some("81.2.69.160".parse().unwrap()));
    assert_eq!(plays[1].device.as_ref().unwrap().as_str(), "tv#1");
    assert!(
        a.finding.message.contains("Paris, FR (81.2.69.160)"),
        "{}",
        a.finding.message
    );
    assert!(
        a.finding.message.contains("Tokyo, JP"),
        "{}",
        a.finding.message
    );
}

#[test]
fn no_blind_spot_for_plays_a_minute_apart() {
    let mut w = World::new();
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(0.5));
    w.feed(&play(1, "tv", "89.160.20.112").at(1.0).in_(NEW_YORK));
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
}

#[test]
fn plausible_trips_are_quiet() {
    let mut w = World::new();
    // Paris to Lyon (about 390 km) in six hours, then to Lille by train a day later.
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(30.0));
    w.feed(
        &play(1, "tablet", "90.12.1.9")
            .at(360.0)
            .in_(LYON)
            .until(400.0),
    );
    w.feed(
        &play(1, "laptop", "90.80.2.7")
            .at(1_800.0)
            .in_(LILLE)
            .until(1_900.0),
    );
    // Paris to Versailles (17 km) a minute later: under the 100 km minimum.
    w.feed(&play(2, "phone", "81.2.69.161").in_(PARIS).until(0.5));
    w.feed(&play(2, "tv", "90.1.1.1").at(1.0).in_(VERSAILLES));
    w.assert_quiet();
}

#[test]
fn accuracy_radii_are_subtracted_before_the_speed() {
    // Paris to Lyon in ten minutes is 2,300 km/h…
    let mut w = World::new();
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(5.0));
    w.feed(&play(1, "tv", "90.12.1.9").at(10.0).in_(LYON));
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
    // …unless GeoIP says each answer is only good to 200 km.
    let mut w = World::new();
    w.feed(
        &play(1, "phone", "81.2.69.160")
            .in_(PARIS)
            .accuracy(200.0)
            .until(5.0),
    );
    w.feed(
        &play(1, "tv", "90.12.1.9")
            .at(10.0)
            .in_(LYON)
            .accuracy(200.0),
    );
    w.assert_quiet();
}

#[test]
fn local_cgnat_and_unknown_places_are_skipped() {
    let mut w = World::new();
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(5.0));
    // A LAN address placed at the server's location, far away.
    w.feed(
        &play(1, "tv", "192.168.1.20")
            .at(10.0)
            .in_(TOKYO)
            .local_source()
            .until(12.0),
    );
    // A CGNAT address that some database put in New York.
    w.feed(
        &play(1, "tablet", "100.72.1.2")
            .at(14.0)
            .in_(NEW_YORK)
            .until(15.0),
    );
    // A public address with no known place.
    w.feed(&play(1, "laptop", "90.1.1.1").at(16.0));
    w.assert_quiet();
}

#[test]
fn ignored_asns_and_switching_the_rule_off() {
    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.ignored_asns = vec![9009];
    let mut w = World::with(raw);
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(5.0));
    w.feed(
        &play(1, "tv", "89.160.20.112")
            .at(10.0)
            .in_(NEW_YORK)
            .asn(9009)
            .until(12.0),
    );
    w.assert_quiet();

    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.enabled = false;
    let mut w = World::with(raw);
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(5.0));
    w.feed(
        &play(1, "tv", "89.160.20.112")
            .at(10.0)
            .in_(NEW_YORK)
            .until(12.0),
    );
    w.assert_quiet();
}

#[test]
fn a_tighter_speed_limit_catches_a_fast_train() {
    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.max_speed_kmh = 300.0;
    let mut w = World::with(raw);
    // Paris to Lyon (390 km) in one hour.
    w.feed(&play(1, "phone", "81.2.69.160").in_(PARIS).until(30.0));
    w.feed(&play(1, "tablet", "90.12.1.9").at(60.0).in_(LYON));
    assert_eq!(w.rules(), [RuleKind::ImpossibleTravel]);
}

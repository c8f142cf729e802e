//! The classic false positives of sharing detection, played on a fake clock with the
//! default configuration: none of them may raise an alert.

mod common;

use cartographus_detect::{RawDetectConfig, RuleKind, Severity};
use chrono::{Duration, TimeZone, Utc};
use common::*;

#[test]
fn family_of_four_at_home_on_one_ipv6_64() {
    // One account, four devices, privacy addresses rotating inside one /64, GeoIP
    // wobbling between Paris and Versailles.
    let mut w = World::new();
    for round in 0..3 {
        for (i, dev) in ["tv", "tablet", "phone", "laptop"].iter().enumerate() {
            let ip = format!("2a02:8071:1:2:{:x}::{:x}", 0xa0 + i, round + 1);
            let spot = if (i + round) % 2 == 0 {
                PARIS
            } else {
                VERSAILLES
            };
            let start = round as f64 * 180.0 + i as f64;
            w.feed(
                &play(1, dev, &ip)
                    .in_(spot)
                    .accuracy(20.0)
                    .at(start)
                    .until(start + 150.0),
            );
        }
    }
    w.assert_quiet();
    // Four accounts, one per family member, on the same /64.
    let mut w = World::new();
    for (i, dev) in ["tv", "tablet", "phone", "laptop"].iter().enumerate() {
        let ip = format!("2a02:8071:1:2:{:x}::1", 0xa0 + i);
        w.feed(&play(10 + i as u64, dev, &ip).in_(PARIS).at(i as f64));
    }
    w.assert_quiet();
}

#[test]
fn commuter_on_a_cgnat_mobile_network() {
    let mut w = World::new();
    let mut t = 0.0;
    let mut step = |mins: f64| {
        t += mins;
        t
    };
    // Breakfast at home.
    let s = step(0.0);
    w.feed(
        &play(1, "phone", "81.2.69.160")
            .in_(PARIS)
            .asn(3215)
            .at(s)
            .until(s + 20.0),
    );
    // On the train: CGNAT addresses the server sees directly…
    for i in 0..4 {
        let s = step(6.0);
        let ip = format!("100.72.{i}.9");
        w.feed(&play(1, "phone", &ip).in_(LILLE).at(s).until(s + 5.0));
    }
    // …and the carrier's public gateways, which GeoIP places all over the north of
    // France with a wide radius, changing every few minutes.
    for (i, spot) in [LILLE, PARIS, LYON, LILLE, PARIS].iter().enumerate() {
        let s = step(2.0);
        let ip = format!("80.215.{i}.77");
        w.feed(
            &play(1, "phone", &ip)
                .in_(*spot)
                .accuracy(300.0)
                .asn(51207)
                .at(s)
                .until(s + 1.5),
        );
    }
    // At the office.
    let s = step(30.0);
    w.feed(
        &play(1, "phone", "90.80.2.7")
            .in_(PARIS)
            .asn(12322)
            .at(s)
            .until(s + 60.0),
    );
    w.assert_quiet();
}

#[test]
fn geoip_drift_on_an_unchanged_ip() {
    // The same address, placed in Paris by last week's database and in New York by
    // today's: never travel, never two places at once.
    let mut w = World::new();
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).until(30.0));
    w.feed(
        &play(1, "tv", "81.2.69.160")
            .in_(NEW_YORK)
            .at(40.0)
            .until(70.0),
    );
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).at(80.0));
    w.feed(&play(1, "phone", "81.2.69.160").in_(TOKYO).at(85.0));
    w.assert_quiet();
}

#[test]
fn vpn_switch_on_the_same_device() {
    // A laptop at home in Paris switches its VPN on (exit in New York), then off.
    let mut w = World::new();
    let home = "81.2.69.160";
    let exit = "185.65.134.10";
    w.feed(&play(1, "laptop", home).in_(PARIS).asn(3215).until(20.0));
    w.feed(
        &play(1, "laptop", exit)
            .in_(NEW_YORK)
            .asn(39351)
            .at(25.0)
            .until(50.0),
    );
    w.feed(
        &play(1, "laptop", home)
            .in_(PARIS)
            .asn(3215)
            .at(55.0)
            .until(70.0),
    );
    // And mid-play: the stream's address moves to the VPN exit.
    let s = play(1, "laptop", home)
        .in_(PARIS)
        .asn(3215)
        .at(100.0)
        .session("mid");
    w.feed(&s);
    w.feed(
        &play(1, "laptop", exit)
            .in_(NEW_YORK)
            .asn(39351)
            .at(100.0)
            .seen(103.0)
            .session("mid"),
    );
    w.assert_quiet();

    // What keeps it quiet is the same-device rule: without it the hop is travel.
    let mut raw = RawDetectConfig::default();
    raw.rules.impossible_travel.ignore_same_device = false;
    let mut strict = World::with(raw);
    strict.feed(&play(1, "laptop", home).in_(PARIS).asn(3215).until(20.0));
    strict.feed(
        &play(1, "laptop", exit)
            .in_(NEW_YORK)
            .asn(39351)
            .at(25.0)
            .until(50.0),
    );
    assert_eq!(strict.rules(), [RuleKind::ImpossibleTravel]);

    // A user with a long history: the VPN's new country is worth an info note, but
    // nothing that costs trust or stops a stream.
    let mut w = World::new();
    for day in 0..12 {
        let s = day as f64 * 1_440.0;
        w.feed(
            &play(2, "laptop", home)
                .in_(PARIS)
                .asn(3215)
                .at(s)
                .until(s + 60.0),
        );
    }
    let s = 12.0 * 1_440.0;
    w.feed(
        &play(2, "laptop", home)
            .in_(PARIS)
            .asn(3215)
            .at(s)
            .until(s + 20.0),
    );
    w.feed(
        &play(2, "laptop", exit)
            .in_(NEW_YORK)
            .asn(39351)
            .at(s + 25.0),
    );
    assert_eq!(w.rules(), [RuleKind::NewCountry]);
    assert!(w
        .alerts
        .iter()
        .all(|a| a.finding.severity == Severity::Info && a.trust.is_empty()));
}

/// A year-old history with every pattern the rules look for.
fn last_year() -> Vec<cartographus_core::PlaybackEvent> {
    let base = Utc.with_ymd_and_hms(2025, 3, 1, 20, 0, 0).unwrap();
    let mut events = Vec::new();
    for day in 0..30 {
        let d = base + Duration::days(day);
        let m = |x: i64| d + Duration::minutes(x);
        events.push(
            play(1, "tv", "81.2.69.160")
                .in_(PARIS)
                .at_time(m(0))
                .until_time(m(30))
                .event(),
        );
        events.push(
            play(1, "phone", "175.16.199.1")
                .in_(TOKYO)
                .at_time(m(40))
                .until_time(m(90))
                .event(),
        );
        for (i, spot) in [LYON, LILLE, BERLIN, LONDON].iter().enumerate() {
            let ip = format!("89.160.{day}.{i}");
            let dev = format!("dev{i}");
            events.push(
                play(2, &dev, &ip)
                    .in_(*spot)
                    .at_time(m(i as i64))
                    .until_time(m(120))
                    .event(),
            );
        }
        events.push(
            play(3, "tv", "95.24.1.1")
                .in_(MOSCOW)
                .at_time(m(0))
                .product("curl/8")
                .event(),
        );
    }
    events
}

#[test]
fn tautulli_import_replaying_last_years_plays() {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap();
    let mut raw = RawDetectConfig::default();
    raw.rules.geo_restriction.blocked_countries = vec!["RU".into()];
    // Imported through the live path, as an import that forgot to say so would.
    let mut w = World::with(raw.clone());
    for e in last_year() {
        w.feed_at(&e, now);
    }
    w.assert_quiet();
    assert_eq!(w.engine.stats().too_old, w.engine.stats().events);
    assert!(w.engine.trust_scores(now).is_empty(), "no score moved");

    // Unless asked: an audit over history sees everything.
    raw.alert_old_events = true;
    let mut w = World::with(raw);
    for e in last_year() {
        w.feed_at(&e, now);
    }
    for rule in [
        RuleKind::ImpossibleTravel,
        RuleKind::ConcurrentStreams,
        RuleKind::GeoRestriction,
        RuleKind::SuspiciousClient,
    ] {
        assert!(
            !w.of(rule).is_empty(),
            "{rule} should fire over the old plays"
        );
    }
    // One alert per rule per user per cooldown window, never a storm: at most one per
    // rule, user and evening over the thirty evenings.
    let mut keys: Vec<_> = w
        .alerts
        .iter()
        .map(|a| (a.finding.rule, a.finding.user, a.finding.at.date_naive()))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

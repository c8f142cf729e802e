//! Geo restriction on a fake clock: ISO codes on both sides, blocklist or allowlist,
//! and unknown or local places never blocked.

mod common;

use cartographus_detect::{Evidence, GeoPolicy, RawDetectConfig, RuleKind};
use common::*;

fn blocking(countries: &[&str]) -> RawDetectConfig {
    let mut raw = RawDetectConfig::default();
    raw.rules.geo_restriction.blocked_countries = countries.iter().map(|c| c.to_string()).collect();
    raw
}

#[test]
fn a_blocked_country_fires() {
    let mut w = World::with(blocking(&["ru", "KP"]));
    w.feed(&play(1, "tv", "95.24.1.1").in_(MOSCOW).city("Moscow"));
    assert_eq!(w.rules(), [RuleKind::GeoRestriction]);
    let Evidence::GeoRestriction(e) = &w.alerts[0].finding.evidence else {
        panic!();
    };
    assert_eq!(e.country.as_str(), "RU");
    assert_eq!(e.policy, GeoPolicy::Blocked);
    assert!(w.alerts[0].finding.message.contains("Moscow, RU"));
}

#[test]
fn an_allowlist_blocks_everything_else() {
    let mut raw = RawDetectConfig::default();
    raw.rules.geo_restriction.allowed_countries = vec!["FR".into(), "DE".into()];
    let mut w = World::with(raw);
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).until(10.0));
    w.feed(&play(2, "tv", "89.160.20.112").in_(BERLIN).until(10.0));
    w.assert_quiet();
    w.feed(&play(3, "tv", "90.1.1.1").in_(NEW_YORK));
    assert_eq!(w.rules(), [RuleKind::GeoRestriction]);
    let Evidence::GeoRestriction(e) = &w.alerts[0].finding.evidence else {
        panic!();
    };
    assert_eq!(e.policy, GeoPolicy::NotAllowed);
}

#[test]
fn unknown_and_local_places_are_never_blocked() {
    let mut raw = RawDetectConfig::default();
    raw.rules.geo_restriction.allowed_countries = vec!["DE".into()];
    let mut w = World::with(raw);
    // Unknown place.
    w.feed(&play(1, "tv", "81.2.69.160"));
    // A LAN play placed at the server's (French) location.
    w.feed(&play(2, "tv", "192.168.1.4").in_(PARIS).local_source());
    // CGNAT.
    w.feed(&play(3, "tv", "100.64.3.3").in_(PARIS));
    w.assert_quiet();
}

#[test]
fn country_names_and_both_lists_are_refused() {
    assert!(blocking(&["Russia"]).validate().is_err());
    let mut raw = blocking(&["RU"]);
    raw.rules.geo_restriction.allowed_countries = vec!["FR".into()];
    let e = raw.validate().unwrap_err().to_string();
    assert!(e.contains("cannot both be set"), "{e}");
}

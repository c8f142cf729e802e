//! Simultaneous locations on a fake clock: two active plays of one user far apart from
//! different devices fire; one device, one network, stopped plays and near places do
//! not.

mod common;

use cartographus_detect::{Evidence, RuleKind};
use common::*;

#[test]
fn tv_in_paris_and_phone_in_berlin_at_once_fires() {
    let mut w = World::new();
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS).city("Paris"));
    // Two hours later (not impossible travel: 440 km/h) while the TV still plays.
    w.feed(
        &play(1, "phone", "89.160.20.112")
            .in_(BERLIN)
            .at(120.0)
            .seen(120.0),
    );
    let mut w2 = World::new();
    let tv = play(1, "tv", "81.2.69.160").in_(PARIS).session("tv");
    w2.feed(&tv);
    w2.feed(&tv.clone().seen(119.0));
    w2.feed(&play(1, "phone", "89.160.20.112").in_(BERLIN).at(120.0));
    assert_eq!(w2.rules(), [RuleKind::SimultaneousLocations]);
    let f = &w2.alerts[0].finding;
    let Evidence::SimultaneousLocations(e) = &f.evidence else {
        panic!();
    };
    assert!((e.distance_km - 878.0).abs() < 10.0, "{}", e.distance_km);
    assert_eq!(f.plays.len(), 2);
    assert_eq!(f.plays[0].device.as_ref().unwrap().as_str(), "tv#1");
    assert_eq!(f.plays[0].stopped_at, None);
    // In the first world, the TV's play had no update for two hours but is open:
    // it still counts (the tracker would have stopped it if it had ended).
    assert_eq!(w.rules(), [RuleKind::SimultaneousLocations]);
}

#[test]
fn same_device_same_network_stopped_or_near_is_quiet() {
    let mut w = World::new();
    // The same device reappearing elsewhere is a VPN switch.
    w.feed(&play(1, "tv", "81.2.69.160").in_(PARIS));
    w.feed(&play(1, "tv", "89.160.20.112").in_(BERLIN).at(120.0));
    // Two devices on one IPv6 /64 that GeoIP places apart.
    w.feed(&play(2, "tv", "2a02:8071:1:2::10").in_(PARIS));
    w.feed(&play(2, "phone", "2a02:8071:1:2::99").in_(LYON).at(3.0));
    // The first play stopped before the second started.
    w.feed(&play(3, "tv", "81.2.69.161").in_(PARIS).until(100.0));
    w.feed(&play(3, "phone", "89.160.20.113").in_(BERLIN).at(120.0));
    // Paris and Versailles.
    w.feed(&play(4, "tv", "81.2.69.162").in_(PARIS));
    w.feed(&play(4, "phone", "90.1.1.1").in_(VERSAILLES).at(3.0));
    w.assert_quiet();
}

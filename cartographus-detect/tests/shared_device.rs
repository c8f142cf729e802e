//! Shared devices and networks across accounts on a fake clock: unlinked accounts on
//! one device, or more than a household on one network, are reported; linked accounts,
//! households, LAN and CGNAT are not.

mod common;

use cartographus_detect::{Evidence, RawDetectConfig, RuleKind, Severity, Shared};
use common::*;

#[test]
fn two_unlinked_accounts_on_one_device_are_reported() {
    let mut w = World::new();
    w.feed(
        &shared(1, "living-room", "81.2.69.160")
            .in_(PARIS)
            .until(60.0),
    );
    w.feed(
        &shared(2, "living-room", "90.12.1.9")
            .in_(LYON)
            .at(2_000.0)
            .until(2_100.0),
    );
    assert_eq!(w.rules(), [RuleKind::SharedDevice]);
    let f = &w.alerts[0].finding;
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.user, uid(2));
    let Evidence::SharedDevice(e) = &f.evidence else {
        panic!();
    };
    assert_eq!(e.shared, Shared::Device("living-room".parse().unwrap()));
    assert_eq!(e.accounts, vec![uid(1), uid(2)]);
    assert_eq!(f.plays.len(), 2, "the other account's play is listed");
    assert_eq!(f.plays[0].user, uid(1));
}

#[test]
fn linked_accounts_and_old_sightings_are_quiet() {
    let mut w = World::new();
    w.engine.link_users([uid(1), uid(2)]);
    w.feed(&shared(1, "living-room", "81.2.69.160").until(60.0));
    w.feed(
        &shared(2, "living-room", "81.2.69.160")
            .at(120.0)
            .until(180.0),
    );
    // Seen eight days apart: outside the seven-day window.
    w.feed(&shared(3, "den", "90.1.1.1").until(60.0));
    w.feed(&shared(4, "den", "90.1.1.2").at(8.0 * 1_440.0));
    w.assert_quiet();
    assert_eq!(w.engine.person_of(uid(2)), vec![uid(1), uid(2)]);
    w.engine.unlink_user(uid(2));
    w.feed(&shared(2, "living-room", "81.2.69.160").at(300.0));
    assert_eq!(w.rules(), [RuleKind::SharedDevice]);
}

#[test]
fn more_accounts_than_a_household_on_one_network() {
    let mut w = World::new();
    for u in 1..=4 {
        w.feed(&play(u, &format!("d{u}"), "81.2.69.160").at(u as f64 * 10.0));
    }
    w.assert_quiet();
    w.feed(&play(5, "d5", "81.2.69.160").at(60.0));
    assert_eq!(w.rules(), [RuleKind::SharedDevice]);
    let Evidence::SharedDevice(e) = &w.alerts[0].finding.evidence else {
        panic!();
    };
    assert_eq!(e.shared, Shared::Network("81.2.69.160/32".parse().unwrap()));
    assert_eq!(e.people, 5);
}

#[test]
fn lan_and_cgnat_networks_are_never_shared() {
    let mut w = World::new();
    for u in 1..=8 {
        w.feed(&play(u, &format!("d{u}"), "192.168.1.10").at(u as f64));
        w.feed(&play(u + 100, &format!("m{u}"), "100.64.0.1").at(u as f64));
    }
    w.assert_quiet();
}

#[test]
fn network_checks_can_be_switched_off() {
    let mut raw = RawDetectConfig::default();
    raw.rules.shared_device.check_networks = false;
    let mut w = World::with(raw);
    for u in 1..=8 {
        w.feed(&play(u, &format!("d{u}"), "81.2.69.160").at(u as f64));
    }
    w.assert_quiet();
}

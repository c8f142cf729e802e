//! Device velocity on a fake clock: one device on many networks within minutes fires;
//! slow changes, a carrier's address pool and a VPN switch do not.

mod common;

use cartographus_detect::{Evidence, NetworkKey, RawDetectConfig, RuleKind};
use common::*;

#[test]
fn four_networks_in_four_minutes_fires() {
    let mut w = World::new();
    let hops = [
        ("81.2.69.160", 3215),
        ("90.12.1.9", 12322),
        ("89.160.20.112", 3320),
        ("31.10.0.5", 5410),
    ];
    for (i, (ip, asn)) in hops.iter().enumerate() {
        w.feed(
            &play(1, "stick", ip)
                .at(i as f64)
                .asn(*asn)
                .until(i as f64 + 0.5),
        );
    }
    assert_eq!(w.rules(), [RuleKind::DeviceVelocity]);
    let f = &w.alerts[0].finding;
    let Evidence::DeviceVelocity(e) = &f.evidence else {
        panic!("{:?}", f.evidence);
    };
    assert_eq!(e.device.as_str(), "stick#1");
    assert_eq!(e.networks.len(), 4);
    assert_eq!(e.networks[0], NetworkKey::Asn(3215));
    assert_eq!(
        f.plays.len(),
        4,
        "the device's plays within the window are listed"
    );
}

#[test]
fn moving_mid_play_counts_too() {
    let mut w = World::new();
    let ips = ["81.2.69.160", "90.12.1.9", "89.160.20.112", "31.10.0.5"];
    for (i, ip) in ips.iter().enumerate() {
        let p = play(1, "stick", ip).session("one").seen(i as f64);
        w.feed(&p);
    }
    assert_eq!(w.rules(), [RuleKind::DeviceVelocity]);
}

#[test]
fn slow_changes_a_carrier_pool_and_a_vpn_switch_are_quiet() {
    let mut w = World::new();
    // Four networks over twenty minutes.
    for (i, ip) in ["81.2.69.160", "90.12.1.9", "89.160.20.112", "31.10.0.5"]
        .iter()
        .enumerate()
    {
        w.feed(
            &play(1, "stick", ip)
                .at(i as f64 * 7.0)
                .until(i as f64 * 7.0 + 1.0),
        );
    }
    // A phone handed between six gateways of one mobile carrier within a minute.
    for i in 0..6 {
        let ip = format!("80.215.{i}.10");
        let s = f64::from(i) * 0.2;
        w.feed(&play(2, "phone", &ip).at(s).asn(51207).until(s + 0.1));
    }
    // Home, VPN, home again.
    w.feed(&play(3, "laptop", "81.2.69.161").asn(3215).until(1.0));
    w.feed(
        &play(3, "laptop", "185.65.134.1")
            .asn(39351)
            .at(1.5)
            .until(2.0),
    );
    w.feed(&play(3, "laptop", "81.2.69.161").asn(3215).at(2.5));
    w.assert_quiet();
}

#[test]
fn grouping_by_asn_can_be_switched_off() {
    let mut raw = RawDetectConfig::default();
    raw.rules.device_velocity.group_by_asn = false;
    let mut w = World::with(raw);
    for i in 0..6 {
        let ip = format!("80.215.{i}.10");
        let s = f64::from(i) * 0.2;
        w.feed(&play(2, "phone", &ip).at(s).asn(51207).until(s + 0.1));
    }
    assert_eq!(w.rules(), [RuleKind::DeviceVelocity]);
}

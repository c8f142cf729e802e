//! Suspicious clients on a fake clock: scripted clients and platform switches fire;
//! ordinary apps do not.

mod common;

use cartographus_detect::{ClientField, Evidence, RawDetectConfig, RuleKind, SuspiciousClient};
use common::*;

#[test]
fn a_scripted_client_fires() {
    let mut w = World::new();
    w.feed(
        &play(1, "x", "81.2.69.160")
            .product("python-requests/2.31")
            .platform("Linux"),
    );
    assert_eq!(w.rules(), [RuleKind::SuspiciousClient]);
    let Evidence::SuspiciousClient(SuspiciousClient::Pattern {
        field,
        value,
        pattern,
    }) = &w.alerts[0].finding.evidence
    else {
        panic!("{:?}", w.alerts[0].finding.evidence);
    };
    assert_eq!(*field, ClientField::Product);
    assert_eq!(value, "python-requests/2.31");
    assert_eq!(pattern, "python");
}

#[test]
fn a_platform_switch_on_one_device_fires() {
    let mut w = World::new();
    w.feed(
        &play(1, "dev", "81.2.69.160")
            .platform("Android")
            .until(10.0),
    );
    w.feed(
        &play(1, "dev", "81.2.69.160")
            .platform("Android")
            .at(100.0)
            .until(110.0),
    );
    w.assert_quiet();
    w.feed(&play(1, "dev", "81.2.69.160").platform("Windows").at(200.0));
    assert_eq!(w.rules(), [RuleKind::SuspiciousClient]);
    let Evidence::SuspiciousClient(SuspiciousClient::PlatformSwitch { from, to, .. }) =
        &w.alerts[0].finding.evidence
    else {
        panic!();
    };
    assert_eq!((from.as_str(), to.as_str()), ("Android", "Windows"));
}

#[test]
fn ordinary_apps_are_quiet_and_patterns_are_configurable() {
    let mut w = World::new();
    for (i, (product, platform)) in [
        ("Plex for Android (TV)", "Android"),
        ("Plex Web", "Chrome"),
        ("Jellyfin Web", "Firefox"),
        ("Infuse-Direct", "tvOS"),
    ]
    .iter()
    .enumerate()
    {
        let device = format!("d{i}");
        w.feed(
            &play(i as u64, &device, "81.2.69.160")
                .product(product)
                .platform(platform),
        );
    }
    w.assert_quiet();

    let mut raw = RawDetectConfig::default();
    raw.rules.suspicious_client.patterns = vec!["INFUSE".into()];
    let mut w = World::with(raw);
    w.feed(&play(1, "d", "81.2.69.160").product("Infuse-Direct"));
    w.feed(&play(2, "e", "81.2.69.160").product("python-requests"));
    assert_eq!(w.rules(), [RuleKind::SuspiciousClient]);
    assert_eq!(w.alerts[0].finding.user, uid(1));
    let mut raw = RawDetectConfig::default();
    raw.rules.suspicious_client.patterns = vec![" ".into()];
    assert!(
        raw.validate().is_err(),
        "empty patterns would match everything"
    );
}

//! Concurrent streams on a fake clock: active plays only, households counted once,
//! per-user limits, linked accounts.

mod common;

use cartographus_detect::{Evidence, RawDetectConfig, RuleKind};
use common::*;

fn four_cities(user: u64) -> Vec<Play> {
    vec![
        play(user, "a", "81.2.69.160").in_(PARIS).at(0.0),
        play(user, "b", "90.12.1.9").in_(LYON).at(5.0),
        play(user, "c", "90.80.2.7").in_(LILLE).at(10.0),
        play(user, "d", "89.160.20.112").in_(BERLIN).at(15.0),
    ]
}

fn only_concurrency() -> RawDetectConfig {
    let mut raw = RawDetectConfig::default();
    for r in [
        &mut raw.rules.simultaneous_locations.enabled,
        &mut raw.rules.impossible_travel.enabled,
    ] {
        *r = false;
    }
    raw
}

#[test]
fn a_fourth_stream_from_elsewhere_fires() {
    let mut w = World::with(only_concurrency());
    w.feed_all(&four_cities(1));
    assert_eq!(w.rules(), [RuleKind::ConcurrentStreams]);
    let f = &w.alerts[0].finding;
    let Evidence::ConcurrentStreams(e) = &f.evidence else {
        panic!("{:?}", f.evidence);
    };
    assert_eq!((e.streams, e.plays, e.limit), (4, 4, 3));
    assert_eq!(f.plays.len(), 4, "all active plays are listed");
    assert_eq!(f.plays[3].device.as_ref().unwrap().as_str(), "d#1");
}

#[test]
fn stopped_plays_do_not_count() {
    let mut w = World::with(only_concurrency());
    let mut plays = four_cities(1);
    plays[0] = plays[0].clone().until(4.0);
    w.feed_all(&plays);
    w.assert_quiet();
    // A stop that arrives later (from the session tracker) counts from then on.
    let mut w = World::with(only_concurrency());
    let first = play(1, "a", "81.2.69.160").in_(PARIS).session("s1");
    w.feed(&first);
    w.feed(&first.clone().until(4.0));
    w.feed_all(&four_cities(1)[1..]);
    w.assert_quiet();
}

#[test]
fn open_plays_without_updates_for_hours_are_taken_as_stopped() {
    let mut w = World::with(only_concurrency());
    w.feed(&play(1, "ghost", "81.2.69.160").in_(PARIS).at(-600.0));
    let mut rest = four_cities(1);
    rest.remove(0);
    w.feed_all(&rest);
    w.assert_quiet();
}

#[test]
fn per_user_limits_override_the_default() {
    let mut raw = only_concurrency();
    raw.rules.concurrent_streams.per_user.insert("1".into(), 5);
    let mut w = World::with(raw);
    w.feed_all(&four_cities(1));
    w.feed_all(&four_cities(2));
    assert_eq!(w.alerts.len(), 1);
    assert_eq!(w.alerts[0].finding.user, uid(2));
}

#[test]
fn linked_accounts_count_together_when_asked() {
    let mut raw = only_concurrency();
    raw.rules.concurrent_streams.count_linked_users = true;
    let mut w = World::with(raw.clone());
    w.engine.link_users([uid(1), uid(2)]);
    let plays = four_cities(1);
    w.feed(&plays[0]).feed(&plays[1]);
    let mut other = four_cities(2);
    w.feed(&other.remove(2)).feed(&other.remove(2));
    assert_eq!(w.rules(), [RuleKind::ConcurrentStreams]);
    let Evidence::ConcurrentStreams(e) = &w.alerts[0].finding.evidence else {
        panic!();
    };
    assert_eq!(e.users, vec![uid(1), uid(2)]);

    // Unlinked, each account has two streams.
    let mut w = World::with(raw);
    let plays = four_cities(1);
    w.feed(&plays[0]).feed(&plays[1]);
    let mut other = four_cities(2);
    w.feed(&other.remove(2)).feed(&other.remove(2));
    w.assert_quiet();
}

#[test]
fn households_count_once_unless_configured_otherwise() {
    let family: Vec<Play> = (0..5)
        .map(|i| {
            play(
                1,
                &format!("dev{i}"),
                &format!("2a02:8071:1:2::{:x}", 0x100 + i),
            )
            .in_(PARIS)
            .at(f64::from(i))
        })
        .collect();
    let mut w = World::with(only_concurrency());
    w.feed_all(&family);
    w.assert_quiet();

    let mut raw = only_concurrency();
    raw.rules.concurrent_streams.household_as_one = false;
    let mut w = World::with(raw);
    w.feed_all(&family);
    assert_eq!(w.rules(), [RuleKind::ConcurrentStreams]);
}

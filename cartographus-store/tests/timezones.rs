//! Answers in a caller's time zone, without DuckDB's ICU extension: hour of day across
//! New York's spring-forward day (2026-03-08, 02:00 EST → 03:00 EDT at 07:00 UTC),
//! calendar days that differ from UTC's, and zone names.

mod fixture;

use cartographus_store::{Filter, Interval, Zone};
use fixture::{at, user_id};

fn ny() -> Zone {
    "America/New_York".parse().unwrap()
}

#[test]
fn spring_forward_day_uses_each_instants_own_offset() {
    let store = fixture::store();
    // Dave played at 06:30 UTC (01:30 EST) and 07:30 UTC (03:30 EDT): a fixed −5 h
    // would put the second play at 02:30, an hour that did not exist that night.
    let dave = fixture::with(Filter::all(), |f| f.users = vec![user_id("dave")]);
    let hours = store.reads().plays_by_hour(&dave, ny()).unwrap();
    let busy: Vec<(u8, u64)> = hours
        .iter()
        .filter(|h| h.plays > 0)
        .map(|h| (h.hour, h.plays))
        .collect();
    assert_eq!(busy, [(1, 1), (3, 1)]);
    let utc = store.reads().plays_by_hour(&dave, Zone::UTC).unwrap();
    assert_eq!(
        utc.iter()
            .filter(|h| h.plays > 0)
            .map(|h| h.hour)
            .collect::<Vec<_>>(),
        [6, 7]
    );
    // The same day in the hour trend: buckets carry their own offsets.
    let day = dave
        .clone()
        .between(at("2026-03-08T05:00:00Z"), at("2026-03-08T09:00:00Z"));
    let t = store.reads().trends(&day, ny(), None).unwrap();
    assert_eq!(t.interval, Interval::Hour);
    let starts: Vec<String> = t.points.iter().map(|p| p.start.to_rfc3339()).collect();
    assert_eq!(
        starts,
        ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]
    );
}

#[test]
fn evening_peak_lands_on_the_local_evening() {
    let store = fixture::store();
    // Alice and Bob's watch party started at 19:00/19:05 UTC: 14:00 in New York
    // (EST) and 20:00 in Paris (CET).
    let party = Filter::all().between(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"));
    let peak = |zone: Zone| {
        let h = store.reads().plays_by_hour(&party, zone).unwrap();
        h.iter().max_by_key(|h| h.plays).map(|h| h.hour).unwrap()
    };
    assert_eq!(peak(Zone::UTC), 19);
    assert_eq!(peak(ny()), 14);
    assert_eq!(peak("Europe/Paris".parse().unwrap()), 20);
    // A half-hour zone moves the party to the next day.
    let heat = store
        .reads()
        .heatmap(&party, "Asia/Kolkata".parse().unwrap())
        .unwrap();
    let cell = heat.iter().find(|c| c.plays == 2).unwrap();
    assert_eq!(
        (cell.weekday, cell.hour),
        (2, 0),
        "00:30 IST on Tuesday (UTC+05:30)"
    );
}

#[test]
fn calendar_and_weekday_follow_the_local_date() {
    let store = fixture::store();
    // Bob resumed at 01:00 UTC on 03-03, which is 20:00 on 03-02 in New York.
    let bob = fixture::with(Filter::all(), |f| f.users = vec![user_id("bob")]);
    let utc = store.reads().calendar(&bob, Zone::UTC, 2026).unwrap();
    let days: Vec<(String, u64)> = utc.iter().map(|d| (d.date.to_string(), d.plays)).collect();
    // In UTC the resumed segment falls on 03-03: watch time that day, but the play
    // counts on the day it started.
    assert_eq!(
        days,
        [("2026-03-02".to_owned(), 1), ("2026-03-03".to_owned(), 0)]
    );
    assert!((utc[1].watch_hours - 3000.0 / 3600.0).abs() < 1e-9);
    let local = store.reads().calendar(&bob, ny(), 2026).unwrap();
    let days: Vec<(String, u64)> = local
        .iter()
        .map(|d| (d.date.to_string(), d.plays))
        .collect();
    assert_eq!(
        days,
        [("2026-03-02".to_owned(), 1)],
        "both segments of one play on one local day"
    );
    assert!((local[0].watch_hours - 6600.0 / 3600.0).abs() < 1e-9);
    assert!(store.reads().calendar(&bob, ny(), 2025).unwrap().is_empty());
    let wd = store.reads().plays_by_weekday(&bob, ny()).unwrap();
    assert_eq!(
        wd.iter().map(|d| d.plays).collect::<Vec<_>>(),
        [1, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn zone_names_parse_and_print() {
    assert_eq!(ny().to_string(), "America/New_York");
    assert!("Not/AZone".parse::<Zone>().is_err());
    assert_eq!(Zone::default(), Zone::UTC);
    let json = serde_json::to_string(&ny()).unwrap();
    assert_eq!(json, "\"America/New_York\"");
    assert_eq!(serde_json::from_str::<Zone>(&json).unwrap(), ny());
    assert!(serde_json::from_str::<Zone>("\"Mars/Base\"").is_err());
    assert_eq!(
        ny().offset_at(at("2026-07-01T00:00:00Z")).local_minus_utc(),
        -4 * 3600
    );
}

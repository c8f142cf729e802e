//! The analytics rollups answer exactly like the plays: every dashboard query, over
//! filters that cover whole months, cut months at both ends, stay inside the open
//! month or restrict other dimensions, gives the same answer before and after
//! `refresh_analytics`; a change to a sealed month is noticed and the plays answer
//! until the next refresh rebuilds.

#[path = "../examples/support/synth.rs"]
mod synth;

use std::collections::HashMap;

use cartographus_core::{EventParts, GeoPoint, H3Resolution, MediaType, PlaybackEvent};
use cartographus_store::{
    Accuracy, BoundingBox, BreakdownBy, Filter, Interval, Radius, RankBy, Store, StoreConfig,
    TopKind, Zone,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// 3,000 plays over two years (2024–2025), one in twenty a resumed segment of the
/// user's previous play.
fn history() -> Vec<PlaybackEvent> {
    let mut generator = synth::Generator::new(11, 3_000);
    let mut events = generator.batch(3_000);
    let mut rng = synth::Rng::new(5);
    let mut last: HashMap<u64, (cartographus_core::EventId, PlaybackEvent)> = HashMap::new();
    for e in &mut events {
        let uid = e.user.user_id.get();
        if rng.below(20) == 0 {
            if let Some((root, prev)) = last.get(&uid) {
                if prev
                    .timing
                    .stopped_at
                    .is_some_and(|s| s <= e.timing.started_at)
                {
                    let id = &e.identity;
                    let mut parts = EventParts::new(
                        id.source,
                        id.server_id.clone(),
                        id.session_key.clone(),
                        e.timing.clone(),
                        e.user.clone(),
                        prev.content.clone(),
                    );
                    parts.device = prev.device.clone();
                    parts.network = e.network.clone();
                    parts.quality = e.quality.clone();
                    let mut resumed = PlaybackEvent::assemble(parts);
                    resumed.identity.reference_id = Some(*root);
                    *e = resumed;
                }
            }
        }
        let root = e.identity.reference_id.unwrap_or(e.event_id());
        last.insert(uid, (root, e.clone()));
    }
    synth::resolver().enrich(&mut events);
    events
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The filters compared: whole history, last 30 days, months cut at both ends, inside
/// one month, and another dimension (plays only).
fn filters(newest: DateTime<Utc>) -> Vec<(&'static str, Filter)> {
    let mut movies = Filter::all();
    movies.media_types = vec![MediaType::Movie];
    vec![
        ("all", Filter::all()),
        ("last 30 days", Filter::all().last_days(30, newest)),
        (
            "cut months",
            Filter::all().between(at("2024-03-15T13:30:00Z"), at("2025-02-10T08:00:00Z")),
        ),
        (
            "one month",
            Filter::all().between(at("2024-06-03T00:00:00Z"), at("2024-06-20T00:00:00Z")),
        ),
        ("from a date", {
            let mut f = Filter::all();
            f.start = Some(at("2025-05-01T10:00:00Z"));
            f
        }),
        ("movies", movies),
    ]
}

/// Every dashboard answer for `f`, as JSON.
fn answers(store: &Store, f: &Filter) -> Vec<(String, Value)> {
    let r = store.reads();
    let ny: Zone = "America/New_York".parse().unwrap();
    let kolkata: Zone = "Asia/Kolkata".parse().unwrap();
    let paris = GeoPoint::new(48.85, 2.35).unwrap();
    let j = |v: serde_json::Result<Value>| v.unwrap();
    let mut out = vec![
        (
            "overview".into(),
            j(serde_json::to_value(
                r.overview(f, Accuracy::Exact).unwrap(),
            )),
        ),
        (
            "trends ny".into(),
            j(serde_json::to_value(r.trends(f, ny, None).unwrap())),
        ),
        (
            "trends utc week".into(),
            j(serde_json::to_value(
                r.trends(f, Zone::UTC, Some(Interval::Week)).unwrap(),
            )),
        ),
        (
            "trends kolkata day".into(),
            j(serde_json::to_value(
                r.trends(f, kolkata, Some(Interval::Day)).unwrap(),
            )),
        ),
        (
            "hours ny".into(),
            j(serde_json::to_value(r.plays_by_hour(f, ny).unwrap())),
        ),
        (
            "hours kolkata".into(),
            j(serde_json::to_value(r.plays_by_hour(f, kolkata).unwrap())),
        ),
        (
            "weekdays".into(),
            j(serde_json::to_value(r.plays_by_weekday(f, ny).unwrap())),
        ),
        (
            "heatmap".into(),
            j(serde_json::to_value(r.heatmap(f, Zone::UTC).unwrap())),
        ),
        (
            "calendar".into(),
            j(serde_json::to_value(r.calendar(f, ny, 2025).unwrap())),
        ),
        (
            "locations".into(),
            j(serde_json::to_value(r.locations(f, 1000).unwrap())),
        ),
        (
            "hexagons".into(),
            j(serde_json::to_value(
                r.hexagons(f, H3Resolution::R7, 1000).unwrap(),
            )),
        ),
        (
            "viewport".into(),
            j(serde_json::to_value(
                r.viewport(
                    f,
                    &BoundingBox::new(150.0, -60.0, -150.0, 60.0).unwrap(),
                    100,
                )
                .unwrap(),
            )),
        ),
        (
            "nearby".into(),
            j(serde_json::to_value(
                r.nearby(f, paris, Radius::km(3000.0).unwrap(), 50).unwrap(),
            )),
        ),
        (
            "arcs".into(),
            j(serde_json::to_value(r.arcs(f, paris, 50).unwrap())),
        ),
    ];
    for by in [
        BreakdownBy::Library,
        BreakdownBy::MediaType,
        BreakdownBy::Country,
        BreakdownBy::Platform,
        BreakdownBy::Genre,
    ] {
        let v = r.breakdown(f, by, 50).unwrap();
        out.push((format!("breakdown by {by:?}"), j(serde_json::to_value(v))));
    }
    for kind in [
        TopKind::Movies,
        TopKind::Shows,
        TopKind::Episodes,
        TopKind::Artists,
        TopKind::Users,
        TopKind::Platforms,
        TopKind::Players,
        TopKind::Libraries,
    ] {
        for by in [RankBy::Plays, RankBy::WatchTime, RankBy::Users] {
            let v = r.top(f, kind, by, 10).unwrap();
            out.push((
                format!("top {kind:?} by {by:?}"),
                j(serde_json::to_value(v)),
            ));
        }
    }
    out
}

/// Equal JSON, numbers within a relative 1e-9 (averages sum in another order).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Every answer of `store` equals the plain store's (no rollups ever made).
fn assert_same(plain: &Store, store: &Store, when: &str) {
    let newest = newest(plain);
    for (name, f) in filters(newest) {
        for ((query, want), (_, got)) in answers(plain, &f).iter().zip(answers(store, &f)) {
            assert!(
                same(want, &got),
                "{when}: {name}: {query}\nplays: {want}\nrollups: {got}"
            );
        }
    }
}

fn newest(store: &Store) -> DateTime<Utc> {
    store.reads().time_span(&Filter::all()).unwrap().unwrap().1 + Duration::seconds(1)
}

fn store_of(events: &[PlaybackEvent]) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.append(events).unwrap();
    store
}

#[test]
fn rollups_answer_exactly_like_the_plays() {
    let events = history();
    let plain = store_of(&events);
    let mut store = store_of(&events);
    let overview = store
        .reads()
        .overview(&Filter::all(), Accuracy::Exact)
        .unwrap();
    assert!(overview.plays > 2_500, "{overview:?}");

    let refresh = store.refresh_analytics().unwrap();
    assert!(refresh.rebuilt && refresh.changed);
    // Everything before the day holding (newest play − 2 days) is sealed.
    let day = (newest(&store) - Duration::seconds(1) - Duration::days(2)).date_naive();
    assert_eq!(
        refresh.sealed_until,
        Some(day.and_hms_opt(0, 0, 0).unwrap().and_utc())
    );
    assert!(refresh.sealed_rows > 2_900, "{refresh:?}");
    assert_same(&plain, &store, "after the refresh");

    let again = store.refresh_analytics().unwrap();
    assert!(!again.changed && !again.rebuilt, "nothing new to seal");
}

#[test]
fn newer_plays_extend_the_rollups() {
    let events = history();
    let plain = store_of(&events);
    // The first 80 % (they are in time order), summarised; then the rest arrives.
    let cut = events.len() * 4 / 5;
    let mut store = store_of(&events[..cut]);
    store.refresh_analytics().unwrap();
    store.append(&events[cut..]).unwrap();
    assert_same(&plain, &store, "newer plays not summarised yet");
    let refresh = store.refresh_analytics().unwrap();
    assert!(refresh.changed && !refresh.rebuilt, "{refresh:?}");
    assert_same(&plain, &store, "after the incremental refresh");
}

#[test]
fn a_changed_sealed_month_is_noticed() {
    let events = history();
    let plain = store_of(&events);
    // One old play arrives after the refresh, as an import of old history would bring it.
    let mut early = events.clone();
    let late = early.remove(100);
    let mut store = store_of(&early);
    store.refresh_analytics().unwrap();
    store.append(std::slice::from_ref(&late)).unwrap();
    // Stale rollups are not read: the answers already count the late play.
    assert_same(&plain, &store, "a sealed play added");
    let refresh = store.refresh_analytics().unwrap();
    assert!(refresh.rebuilt, "{refresh:?}");
    assert_same(&plain, &store, "after the rebuild");
}

#[test]
fn the_answers_come_from_the_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plays.duckdb");
    let events = history();
    let total = {
        let mut store = Store::open(StoreConfig::file(&path)).unwrap();
        store.append(&events).unwrap();
        store.refresh_analytics().unwrap();
        store
            .reads()
            .overview(&Filter::all(), Accuracy::Exact)
            .unwrap()
            .plays
    };
    // Zero the rollups' play counts behind the store's back: what is left is the plays
    // of the days not sealed yet, read directly.
    {
        let db = duckdb::Connection::open(&path).unwrap();
        for t in [
            "analytics_hours",
            "analytics_places_all",
            "analytics_devices_all",
            "analytics_items_all",
        ] {
            db.execute_batch(&format!("UPDATE {t} SET plays = 0"))
                .unwrap();
        }
    }
    let store = Store::open(StoreConfig::file(&path)).unwrap();
    let r = store.reads();
    let all = Filter::all();
    let tail = r.overview(&all, Accuracy::Exact).unwrap().plays;
    assert!(tail > 0 && tail < total / 20, "{tail} of {total}");
    let by_hour: u64 = r
        .plays_by_hour(&all, Zone::UTC)
        .unwrap()
        .iter()
        .map(|h| h.plays)
        .sum();
    assert_eq!(by_hour, tail);
    let platforms: u64 = r
        .top(&all, TopKind::Platforms, RankBy::Plays, 100)
        .unwrap()
        .iter()
        .map(|e| e.plays)
        .sum();
    assert_eq!(platforms, tail);
    let movies = r.top(&all, TopKind::Movies, RankBy::Plays, 1).unwrap();
    assert!(movies[0].plays < 10, "{movies:?}");
    // Another dimension reads the plays: the full count is back.
    let mut plex = Filter::all();
    plex.sources = vec![cartographus_core::Source::Plex];
    assert_eq!(r.overview(&plex, Accuracy::Exact).unwrap().plays, total);
}

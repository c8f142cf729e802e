//! Every analytics query against hand-computed answers on the fixed history of
//! `fixture/mod.rs` (see its table).

mod fixture;

use std::collections::BTreeSet;

use cartographus_core::TranscodeDecision;
use cartographus_store::{
    Accuracy, BingeRules, BreakdownBy, Filter, Interval, PartyRules, RankBy, SearchKind,
    SearchRequest, SharedVia, TopKind, Zone,
};
use fixture::{at, user_id};

fn march() -> Filter {
    Filter::all().between(at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"))
}

#[test]
fn overview_counts_plays_once_per_resumed_group() {
    let store = fixture::store();
    let o = store
        .reads()
        .overview(&Filter::all(), Accuracy::Exact)
        .unwrap();
    assert_eq!(o.streams, 13);
    assert_eq!(o.plays, 12, "row 3 resumes row 2");
    assert_eq!(o.watch_time_s, 45_680);
    assert_eq!(o.users, 6);
    assert_eq!(o.locations, 4);
    assert_eq!(o.countries, 3);
    assert_eq!(o.last_activity, Some(at("2026-03-20T10:00:00Z")));
    let top: Vec<(&str, u64)> = o
        .top_countries
        .iter()
        .map(|c| (c.country_code.as_str(), c.plays))
        .collect();
    assert_eq!(top, [("FJ", 6), ("FR", 2), ("US", 2)]);
    assert_eq!(o.top_countries[0].country_name.as_deref(), Some("Fiji"));
    // HyperLogLog is exact at this size.
    let a = store
        .reads()
        .overview(&Filter::all(), Accuracy::Approximate)
        .unwrap();
    assert_eq!((a.plays, a.users, a.countries), (12, 6, 3));
}

#[test]
fn trends_fill_empty_days_and_count_watch_hours() {
    let store = fixture::store();
    let t = store.reads().trends(&march(), Zone::UTC, None).unwrap();
    assert_eq!(t.interval, Interval::Day, "a 31-day range reads by day");
    // From the first play (03-02) to the last (03-20), empty days included.
    assert_eq!(t.points.len(), 19);
    assert_eq!(t.points[0].start, at("2026-03-02T00:00:00Z"));
    assert_eq!((t.points[0].plays, t.points[0].users), (2, 2));
    assert!((t.points[0].watch_hours - 3.0).abs() < 1e-9);
    // 03-03 only holds row 3, which resumes row 2: watch time, but no play.
    assert_eq!(t.points[1].plays, 0);
    assert!((t.points[1].watch_hours - 3000.0 / 3600.0).abs() < 1e-9);
    assert_eq!(t.points[2].plays, 0, "03-04 had no play");
    assert_eq!(
        t.points.iter().map(|p| p.plays).sum::<u64>(),
        12,
        "each play counts once, on the day it started"
    );
    let w = store
        .reads()
        .trends(&march(), Zone::UTC, Some(Interval::Week))
        .unwrap();
    let weeks: Vec<u64> = w.points.iter().map(|p| p.plays).collect();
    // Weeks from Monday 03-02 (rows 1-10, group 2+3 once), 03-09 (11, 12), 03-16 (13).
    assert_eq!(weeks, [9, 2, 1]);
    assert_eq!(
        Interval::for_span(chrono::Duration::days(2)),
        Interval::Hour
    );
    assert_eq!(
        Interval::for_span(chrono::Duration::days(400)),
        Interval::Week
    );
    assert_eq!(
        Interval::for_span(chrono::Duration::days(1000)),
        Interval::Month
    );
}

#[test]
fn weekday_hour_and_heatmap_in_utc() {
    let store = fixture::store();
    let r = store.reads();
    let days: Vec<u64> = r
        .plays_by_weekday(&Filter::all(), Zone::UTC)
        .unwrap()
        .iter()
        .map(|d| d.plays)
        .collect();
    // Mon: 1, 2, 11, 12; Tue: 3 (a resumed segment: no play); Thu: 4-7; Fri: 13;
    // Sun: 8, 9, 10.
    assert_eq!(days, [4, 0, 0, 4, 1, 0, 3]);
    let hours = r.plays_by_hour(&Filter::all(), Zone::UTC).unwrap();
    assert_eq!(hours.len(), 24);
    let busy: Vec<(u8, u64)> = hours
        .iter()
        .filter(|h| h.plays > 0)
        .map(|h| (h.hour, h.plays))
        .collect();
    assert_eq!(
        busy,
        [
            (6, 1),
            (7, 1),
            (8, 1),
            (9, 1),
            (10, 2),
            (12, 1),
            (19, 2),
            (20, 1),
            (21, 2)
        ]
    );
    let heat = r.heatmap(&Filter::all(), Zone::UTC).unwrap();
    assert_eq!(heat.len(), 168);
    let monday_19 = heat
        .iter()
        .find(|c| c.weekday == 1 && c.hour == 19)
        .unwrap();
    assert_eq!(monday_19.plays, 2);
    assert_eq!(heat.iter().map(|c| c.plays).sum::<u64>(), 12);
}

#[test]
fn top_lists_rank_by_plays_time_and_users() {
    let store = fixture::store();
    let r = store.reads();
    let movies = r
        .top(&Filter::all(), TopKind::Movies, RankBy::Plays, 10)
        .unwrap();
    let got: Vec<(&str, u64, u64, u64)> = movies
        .iter()
        .map(|m| (m.label.as_str(), m.plays, m.users, m.watch_time_s))
        .collect();
    assert_eq!(
        got,
        [
            ("Heat (1995)", 3, 3, 18_000),
            ("Interstellar (2014)", 2, 2, 13_800)
        ]
    );
    let shows = r
        .top(&Filter::all(), TopKind::Shows, RankBy::Users, 10)
        .unwrap();
    assert_eq!(
        (shows[0].label.as_str(), shows[0].plays, shows[0].users),
        ("Severance", 5, 2)
    );
    let users = r
        .top(&Filter::all(), TopKind::Users, RankBy::WatchTime, 3)
        .unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.label.as_str()).collect();
    assert_eq!(names[..2], ["carol", "alice"], "18000 s, then 8700 s");
    assert!(
        ["bob", "John Frank"].contains(&names[2]),
        "bob and john tie at 6600 s"
    );
    assert_eq!(users[0].key, user_id("carol").to_string());
    let platforms = r
        .top(&Filter::all(), TopKind::Platforms, RankBy::Plays, 10)
        .unwrap();
    let got: Vec<(&str, u64)> = platforms
        .iter()
        .map(|p| (p.key.as_str(), p.plays))
        .collect();
    assert_eq!(
        got,
        [("Android", 5), ("Chrome", 3), ("Roku", 2), ("iOS", 2)]
    );
    let artists = r
        .top(&Filter::all(), TopKind::Artists, RankBy::Plays, 10)
        .unwrap();
    assert_eq!((artists[0].label.as_str(), artists[0].plays), ("Band", 2));
    let libraries = r
        .top(&Filter::all(), TopKind::Libraries, RankBy::Plays, 10)
        .unwrap();
    assert_eq!(libraries.len(), 3);
    let recent = r.recent_plays(&Filter::all(), 2).unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(
        (recent[0].user.as_str(), recent[0].title.as_str()),
        ("John Frank", "Heat")
    );
    assert_eq!(recent[1].started_at, at("2026-03-09T21:10:00Z"));
}

#[test]
fn users_devices_ips_and_places() {
    let store = fixture::store();
    let r = store.reads();
    let stats = r.user_stats(&Filter::all(), 100).unwrap();
    assert_eq!(stats.len(), 6);
    assert_eq!(stats[0].username, "carol");
    assert_eq!(
        (stats[0].plays, stats[0].watch_time_s, stats[0].locations),
        (5, 18_000, 2)
    );
    let alice = r
        .user_detail(&Filter::all(), user_id("alice"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (alice.stats.plays, alice.stats.devices, alice.stats.ips),
        (2, 1, 2)
    );
    assert_eq!(alice.devices[0].device, "dev-alice-1");
    assert_eq!(alice.devices[0].plays, 2);
    assert_eq!(alice.ips[0].ip, "24.5.6.7", "most recent address first");
    assert_eq!(alice.ips[0].last_seen, Some(at("2026-03-08T12:00:00Z")));
    assert_eq!(alice.ips[1].first_seen, Some(at("2026-03-02T19:00:00Z")));
    let places: BTreeSet<&str> = alice
        .locations
        .iter()
        .filter_map(|l| l.city.as_deref())
        .collect();
    assert_eq!(places, BTreeSet::from(["New York", "Paris"]));
    let bob_only = fixture::with(Filter::all(), |f| f.users = vec![user_id("bob")]);
    assert!(r
        .user_detail(&bob_only, user_id("alice"))
        .unwrap()
        .is_none());
}

#[test]
fn engagement_uses_the_furthest_segment_of_each_play() {
    let store = fixture::store();
    let e = store.reads().engagement(&Filter::all(), 100).unwrap();
    assert_eq!((e.plays, e.fully_watched, e.abandoned), (12, 9, 3));
    assert!((e.completion_rate - 0.75).abs() < 1e-9);
    let bands: Vec<(u8, u64)> = e
        .abandon_histogram
        .iter()
        .filter(|b| b.plays > 0)
        .map(|b| (b.from_percent, b.plays))
        .collect();
    assert_eq!(
        bands,
        [(50, 1), (60, 1), (70, 1)],
        "alice 50 %, eve 60 %, carol 70 %"
    );
    let bob = e.users.iter().find(|u| u.username == "bob").unwrap();
    assert_eq!(
        (bob.plays, bob.fully_watched),
        (1, 1),
        "40 % then resumed to 92 %"
    );
    let carol = e.users.iter().find(|u| u.username == "carol").unwrap();
    assert_eq!((carol.plays, carol.fully_watched), (5, 4));
    assert_eq!(carol.avg_abandon_percent, Some(70.0));
}

#[test]
fn binge_sessions_and_watch_parties() {
    let store = fixture::store();
    let r = store.reads();
    let b = r
        .binge_sessions(&Filter::all(), BingeRules::default(), 10)
        .unwrap();
    assert_eq!(b.total, 1);
    let s = &b.sessions[0];
    assert_eq!(
        (
            s.username.as_str(),
            s.show.as_str(),
            s.episodes,
            s.watch_time_s
        ),
        ("carol", "Severance", 3, 9000)
    );
    assert_eq!(
        (s.started_at, s.ended_at),
        (at("2026-03-05T08:00:00Z"), at("2026-03-05T10:50:00Z"))
    );
    // With a 10 h gap allowed, E4 (9 h 10 min after E3 ended) joins the run.
    let mut loose = BingeRules::default();
    loose.max_gap = chrono::Duration::hours(10);
    assert_eq!(
        r.binge_sessions(&Filter::all(), loose, 10)
            .unwrap()
            .sessions[0]
            .episodes,
        4
    );

    let p = r
        .watch_parties(&Filter::all(), PartyRules::default(), 10)
        .unwrap();
    assert_eq!(p.total, 2);
    assert_eq!(p.parties[0].title, "Heat");
    assert_eq!(p.parties[0].usernames, ["carol", "eve"]);
    assert_eq!(p.parties[0].user_ids, [user_id("carol"), user_id("eve")]);
    assert_eq!(p.parties[1].usernames, ["alice", "bob"]);
    assert_eq!(p.parties[1].last_start, at("2026-03-02T19:05:00Z"));
    let mut tight = PartyRules::default();
    tight.window = chrono::Duration::minutes(4);
    assert_eq!(r.watch_parties(&Filter::all(), tight, 10).unwrap().total, 0);
}

#[test]
fn quality_breakdowns() {
    let store = fixture::store();
    let q = store
        .reads()
        .quality(&Filter::all(), Accuracy::Exact)
        .unwrap();
    assert_eq!(q.streams, 13);
    let d: Vec<(&str, u64)> = q
        .decisions
        .iter()
        .map(|s| (s.key.as_str(), s.streams))
        .collect();
    assert_eq!(d, [("direct_play", 7), ("copy", 3), ("transcode", 3)]);
    assert!((q.hardware_transcode_share - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(q.downgrades, 2);
    assert_eq!(
        (
            q.resolution_changes[0].from.as_str(),
            q.resolution_changes[0].to.as_str()
        ),
        ("4k", "1080")
    );
    let roku = q.by_platform.iter().find(|p| p.platform == "Roku").unwrap();
    assert_eq!((roku.direct_play, roku.copy, roku.transcode), (1, 0, 2));
    let net: Vec<(&str, u64)> = q
        .network_locations
        .iter()
        .map(|s| (s.key.as_str(), s.streams))
        .collect();
    assert_eq!(net, [("wan", 11), ("lan", 2)]);
    assert_eq!(q.video_codecs[0].key, "h264");
    assert_eq!(
        q.dynamic_ranges
            .iter()
            .find(|s| s.key == "HDR10")
            .unwrap()
            .streams,
        2
    );
    // Bandwidth is 1000 × row number: median 7000, p95 between 12000 and 13000.
    assert_eq!(q.bandwidth_kbps.p50, Some(7000.0));
    assert!((q.bandwidth_kbps.p95.unwrap() - 12_400.0).abs() < 1e-6);
    let trend = store
        .reads()
        .quality_trend(&march(), Zone::UTC, Some(Interval::Week))
        .unwrap();
    assert_eq!(
        trend.iter().map(|t| t.transcode).collect::<Vec<_>>(),
        [2, 1, 0]
    );
}

#[test]
fn concurrency_peaks_from_intervals() {
    let store = fixture::store();
    let c = store
        .reads()
        .concurrency(&march(), Zone::UTC, Some(Interval::Day))
        .unwrap();
    let peak = c.peak.unwrap();
    assert_eq!((peak.streams, peak.at), (2, at("2026-03-02T19:05:00Z")));
    assert_eq!((peak.direct_play, peak.transcode, peak.copy), (1, 1, 0));
    let busy: Vec<(String, u32)> = c
        .buckets
        .iter()
        .filter(|b| b.peak > 1)
        .map(|b| (b.start.date_naive().to_string(), b.peak))
        .collect();
    assert_eq!(
        busy,
        [("2026-03-02".to_owned(), 2), ("2026-03-09".to_owned(), 2)]
    );
    let heat_night = c
        .buckets
        .iter()
        .find(|b| b.start.date_naive().to_string() == "2026-03-09")
        .unwrap();
    assert_eq!(
        (
            heat_night.peak_copy,
            heat_night.peak_transcode,
            heat_night.peak_direct_play
        ),
        (1, 1, 0)
    );
    // Every day from the first start to the last end is listed.
    assert_eq!(c.buckets.len(), 19);
    assert_eq!(c.top.len(), 6, "one moment per day with streams");
    assert_eq!(c.top[0].streams, 2);
    let transcodes = fixture::with(march(), |f| {
        f.transcode_decisions = vec![TranscodeDecision::Transcode]
    });
    let t = store
        .reads()
        .concurrency(&transcodes, Zone::UTC, None)
        .unwrap();
    assert_eq!(t.peak.unwrap().streams, 1, "bob and eve never overlap");
}

#[test]
fn breakdowns_by_library_genre_year_and_rating() {
    let store = fixture::store();
    let r = store.reads();
    let lib: Vec<(String, u64)> = r
        .breakdown(&Filter::all(), BreakdownBy::Library, 10)
        .unwrap()
        .into_iter()
        .map(|g| (g.key, g.plays))
        .collect();
    assert_eq!(
        lib,
        [
            ("Movies".to_owned(), 5),
            ("TV Shows".to_owned(), 5),
            ("Music".to_owned(), 2)
        ]
    );
    let genres: Vec<(String, u64)> = r
        .breakdown(&Filter::all(), BreakdownBy::Genre, 10)
        .unwrap()
        .into_iter()
        .map(|g| (g.key, g.plays))
        .collect();
    assert_eq!(
        genres[0],
        ("Drama".to_owned(), 10),
        "every movie and episode"
    );
    let years = r.breakdown(&Filter::all(), BreakdownBy::Year, 10).unwrap();
    assert_eq!(years.iter().find(|g| g.key == "2022").unwrap().users, 2);
    let ratings = r
        .breakdown(&Filter::all(), BreakdownBy::ContentRating, 10)
        .unwrap();
    assert_eq!(
        ratings.iter().find(|g| g.key == "unknown").unwrap().plays,
        2,
        "music has no rating"
    );
    let types = r
        .breakdown(&Filter::all(), BreakdownBy::MediaType, 10)
        .unwrap();
    assert_eq!(
        types
            .iter()
            .find(|g| g.key == "movie")
            .unwrap()
            .watch_time_s,
        31_800
    );
}

#[test]
fn weekly_cohorts_and_retention() {
    let store = fixture::store();
    let c = store
        .reads()
        .cohorts(&Filter::all(), Zone::UTC)
        .unwrap()
        .cohorts;
    let got: Vec<(String, u64, u64)> = c
        .iter()
        .map(|c| (c.week.to_string(), c.users, c.week_1))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-03-02".to_owned(), 4, 1),
            ("2026-03-09".to_owned(), 1, 0),
            ("2026-03-16".to_owned(), 1, 0)
        ]
    );
    assert_eq!(
        c[0].retention_1,
        Some(0.25),
        "carol came back the week after"
    );
    assert_eq!(
        c[0].retention_4, None,
        "four weeks later is after the last play"
    );
    assert_eq!(c[1].retention_1, Some(0.0));
    assert_eq!(c[2].retention_1, None);
}

#[test]
fn shared_networks_link_public_networks_and_devices_only() {
    let store = fixture::store();
    let g = store.reads().shared_networks(&Filter::all(), 100).unwrap();
    let pair = |a: &str, b: &str| {
        let (x, y) = (user_id(a), user_id(b));
        g.links
            .iter()
            .find(|l| (l.a, l.b) == (x.min(y), x.max(y)))
            .map(|l| l.via.clone())
    };
    assert_eq!(g.links.len(), 3);
    let ac = pair("alice", "carol").unwrap();
    assert!(ac.contains(&SharedVia::Network("81.2.69.142/32".into())));
    assert!(ac.contains(&SharedVia::Device("dev-alice-1".into())));
    assert_eq!(
        pair("alice", "bob").unwrap(),
        [SharedVia::Network("24.5.6.7/32".into())]
    );
    assert_eq!(
        pair("eve", "john").unwrap(),
        [SharedVia::Network("2001:4860:1:2::/64".into())]
    );
    assert!(
        g.nodes.iter().all(|n| n.name != "dave"),
        "a private address links nobody"
    );
    assert_eq!(g.nodes.len(), 5);
    assert_eq!(g.links[0].via.len(), 2, "the most shared pair first");
}

#[test]
fn search_tolerates_typos_and_names_the_field() {
    let store = fixture::store();
    let r = store.reads();
    let hits = r
        .search(&Filter::all(), &SearchRequest::new("interstelar"))
        .unwrap();
    assert_eq!(
        (hits[0].value.as_str(), hits[0].field, hits[0].kind),
        ("Interstellar", "title", SearchKind::Title)
    );
    assert_eq!(hits[0].key, "m-interstellar");
    let users = r
        .search(
            &Filter::all(),
            &SearchRequest::new("jon").kind(SearchKind::User),
        )
        .unwrap();
    assert_eq!(
        (users[0].value.as_str(), users[0].field),
        ("john", "username")
    );
    assert_eq!(users[0].key, user_id("john").to_string());
    let shows = r
        .search(&Filter::all(), &SearchRequest::new("severence"))
        .unwrap();
    assert_eq!(
        (shows[0].value.as_str(), shows[0].field),
        ("Severance", "show")
    );
    let devices = r
        .search(
            &Filter::all(),
            &SearchRequest::new("living rom").kind(SearchKind::Device),
        )
        .unwrap();
    assert_eq!(
        (devices[0].value.as_str(), devices[0].field),
        ("Living Room", "player")
    );
    assert!(r
        .search(&Filter::all(), &SearchRequest::new("zzzzqx"))
        .unwrap()
        .is_empty());
    assert!(r
        .search(&Filter::all(), &SearchRequest::new("  "))
        .unwrap()
        .is_empty());
    // The filter applies: bob never played Heat.
    let bob = fixture::with(Filter::all(), |f| f.users = vec![user_id("bob")]);
    assert!(r
        .search(&bob, &SearchRequest::new("heat").kind(SearchKind::Title))
        .unwrap()
        .is_empty());
}

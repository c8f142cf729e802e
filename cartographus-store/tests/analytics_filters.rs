//! Every filter dimension filters every family of analytics query (overview, quality,
//! heatmap, users, breakdowns, places, engagement), checked against hand-counted rows
//! of the fixed history of `fixture/mod.rs`.

mod fixture;

use cartographus_core::{MediaType, NetworkLocation, ServerId, Source, TranscodeDecision};
use cartographus_store::{Accuracy, BreakdownBy, Filter, Zone};
use fixture::{at, user_id};

/// Each filter dimension, the rows it keeps, and that queries of every family honour it.
#[test]
fn every_filter_dimension_filters() {
    let store = fixture::store();
    let r = store.reads();
    let cases: Vec<(&str, Filter, u64)> = vec![
        (
            "dates",
            Filter::all().between(at("2026-03-05T00:00:00Z"), at("2026-03-09T00:00:00Z")),
            7,
        ),
        (
            "users",
            fixture::with(Filter::all(), |f| f.users = vec![user_id("alice")]),
            2,
        ),
        (
            "media types",
            fixture::with(Filter::all(), |f| f.media_types = vec![MediaType::Episode]),
            5,
        ),
        (
            "platforms",
            fixture::with(Filter::all(), |f| f.platforms = vec!["Roku".into()]),
            3,
        ),
        (
            "players",
            fixture::with(Filter::all(), |f| f.players = vec!["Living Room".into()]),
            2,
        ),
        (
            "decisions",
            fixture::with(Filter::all(), |f| {
                f.transcode_decisions = vec![TranscodeDecision::Copy]
            }),
            3,
        ),
        (
            "resolutions",
            fixture::with(Filter::all(), |f| f.video_resolutions = vec!["4k".into()]),
            2,
        ),
        (
            "video codecs",
            fixture::with(Filter::all(), |f| f.video_codecs = vec!["hevc".into()]),
            2,
        ),
        (
            "audio codecs",
            fixture::with(Filter::all(), |f| f.audio_codecs = vec!["eac3".into()]),
            2,
        ),
        (
            "libraries",
            fixture::with(Filter::all(), |f| f.libraries = vec!["Music".into()]),
            2,
        ),
        (
            "ratings",
            fixture::with(Filter::all(), |f| f.content_ratings = vec!["R".into()]),
            3,
        ),
        (
            "years",
            fixture::with(Filter::all(), |f| f.years = vec![2022]),
            5,
        ),
        (
            "lan/wan",
            fixture::with(Filter::all(), |f| {
                f.network_location = Some(NetworkLocation::Lan)
            }),
            2,
        ),
        (
            "servers",
            fixture::with(Filter::all(), |f| {
                f.servers = vec![ServerId::new("jelly-1").unwrap()]
            }),
            1,
        ),
        (
            "countries",
            fixture::with(Filter::all(), |f| f.countries = vec!["fj".into()]),
            6,
        ),
        (
            "sources",
            fixture::with(Filter::all(), |f| f.sources = vec![Source::Jellyfin]),
            1,
        ),
    ];
    for (name, filter, rows) in cases {
        let o = r.overview(&filter, Accuracy::Exact).unwrap();
        assert_eq!(o.streams, rows, "{name}: overview");
        let q = r.quality(&filter, Accuracy::Exact).unwrap();
        assert_eq!(q.streams, rows, "{name}: quality");
        let hours: u64 = r
            .heatmap(&filter, Zone::UTC)
            .unwrap()
            .iter()
            .map(|c| c.plays)
            .sum();
        assert!(hours <= rows && hours >= o.plays, "{name}: heatmap");
        let by_user: u64 = r
            .user_stats(&filter, 100)
            .unwrap()
            .iter()
            .map(|u| u.plays)
            .sum();
        assert_eq!(by_user, o.plays, "{name}: users");
        let by_type: u64 = r
            .breakdown(&filter, BreakdownBy::MediaType, 10)
            .unwrap()
            .iter()
            .map(|g| g.plays)
            .sum();
        assert_eq!(by_type, o.plays, "{name}: breakdown");
        let located: u64 = r
            .locations(&filter, 100)
            .unwrap()
            .iter()
            .map(|l| l.plays)
            .sum();
        assert!(located <= o.plays, "{name}: locations");
        let engaged = r.engagement(&filter, 10).unwrap();
        assert_eq!(engaged.plays, o.plays, "{name}: engagement");
        assert!(o.streams < 13, "{name}: the filter must restrict");
    }
}

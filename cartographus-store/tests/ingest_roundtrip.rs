//! Ingest and read back: every field of a play survives a store file being closed and
//! reopened; pagination visits every play once, even while plays are being added;
//! every filter dimension filters; updates of a play apply in order.

mod common;

use std::collections::HashSet;

use cartographus_core::{
    GeoPoint, GeoSource, Geolocation, MediaType, NetworkLocation, PlaybackState, ServerId, Source,
    StreamDecision, TranscodeDecision,
};
use cartographus_store::{
    Cursor, Dimension, Filter, GeoConfig, GeoResolver, Order, PageRequest, Store, StoreConfig,
    TableLocator,
};
use common::{stopped, t, Play};

fn resolver() -> GeoResolver {
    let mut london = Geolocation::at(GeoPoint::new(51.5142, -0.0931).unwrap(), GeoSource::Mmdb);
    london.city = Some("London".into());
    london.country_code = Some("GB".into());
    london.country_name = Some("United Kingdom".into());
    london.asn = Some(2856);
    london.accuracy_km = Some(10.0);
    let mut paris = Geolocation::at(GeoPoint::new(48.8566, 2.3522).unwrap(), GeoSource::Mmdb);
    paris.city = Some("Paris".into());
    paris.country_code = Some("FR".into());
    let table = TableLocator::new()
        .with("81.2.69.0/24".parse().unwrap(), london)
        .with("2.3.4.0/24".parse().unwrap(), paris);
    GeoResolver::new(Some(Box::new(table)), GeoConfig::default())
}

/// A filter with one change.
fn f(set: impl FnOnce(&mut Filter)) -> Filter {
    let mut f = Filter::all();
    set(&mut f);
    f
}

fn rich_event() -> cartographus_core::PlaybackEvent {
    let mut e = Play::new("s-rich", "7", "4242", 3600).build();
    e.content.media_type = MediaType::Episode;
    e.content.grandparent_title = Some("Show: with a colon".into());
    e.content.parent_title = Some("Season 2".into());
    e.content.season = Some(2);
    e.content.episode = Some(5);
    e.content.parent_media_key = Some("4200".parse().unwrap());
    e.content.grandparent_media_key = Some("4100".parse().unwrap());
    e.content.guid = Some("plex://episode/abc".into());
    e.content.external_ids.tvdb = Some("81189".into());
    e.content.library_id = Some("2".into());
    e.content.genres = vec!["Sci-Fi".into(), "Drama, Crime".into()];
    e.user.friendly_name = Some("Seven".into());
    e.user.thumb = Some("https://example.invalid/a.png".into());
    e.network.public_ip = Some("81.2.69.200".parse().unwrap());
    e.network.secure = Some(true);
    e.network.relayed = Some(false);
    e.network.bandwidth_kbps = Some(12_000);
    e.device.platform_version = Some("12.1".into());
    e.device.product_version = Some("8.0".into());
    let q = &mut e.quality;
    q.transcode_decision = Some(TranscodeDecision::Transcode);
    q.video_decision = Some(StreamDecision::Transcode);
    q.audio_decision = Some(StreamDecision::Copy);
    q.subtitle_decision = Some(StreamDecision::Burn);
    q.stream_video_resolution = Some("720".into());
    q.stream_video_codec = Some("h264".into());
    q.stream_audio_codec = Some("aac".into());
    q.stream_audio_channels = Some(2);
    q.bitrate_kbps = Some(20_000);
    q.stream_bitrate_kbps = Some(4_000);
    q.container = Some("mkv".into());
    q.stream_container = Some("mpegts".into());
    q.dynamic_range = Some("HDR10".into());
    q.subtitle_codec = Some("srt".into());
    q.hw_decode = Some(true);
    q.hw_encode = Some(false);
    e.live = false;
    e.identity.reference_id = Some(cartographus_core::EventId::derive(b"root"));
    stopped(&e, 1800, 120)
}

#[test]
fn every_field_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let mut events = vec![
        rich_event(),
        Play::new("s2", "8", "5", 10).ip(Some("2.3.4.5")).build(),
    ];
    resolver().enrich(&mut events);
    {
        let mut store = Store::open(StoreConfig::file(&path)).unwrap();
        let r = store.append(&events).unwrap();
        assert_eq!(r.inserted, 2);
        store.checkpoint().unwrap();
    }
    let store = Store::open(StoreConfig::file(&path)).unwrap();
    for e in &events {
        let back = store
            .reads()
            .playback(e.event_id())
            .unwrap()
            .expect("stored");
        assert_eq!(&back, e);
    }
    let g = store
        .reads()
        .playback(events[0].event_id())
        .unwrap()
        .unwrap()
        .geo
        .unwrap();
    assert_eq!(g.city.as_deref(), Some("London"));
    assert_eq!(g.asn, Some(2856));
    assert!(store
        .reads()
        .playback(cartographus_core::EventId::derive(b"nope"))
        .unwrap()
        .is_none());
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 2);
}

fn many(n: usize) -> Vec<cartographus_core::PlaybackEvent> {
    (0..n)
        .map(|i| {
            let users = ["1", "2", "3"];
            let media = ["10", "11", "12", "13"];
            // Several plays share a start time, so the cursor's id tiebreak matters.
            Play::new(
                format!("s{i}"),
                users[i % 3],
                media[i % 4],
                (i / 3) as i64 * 600,
            )
            .build()
        })
        .collect()
}

#[test]
fn keyset_pages_visit_every_play_once_even_while_plays_arrive() {
    let mut store = Store::open_in_memory().unwrap();
    let events = many(95);
    assert_eq!(store.append(&events[..60]).unwrap().inserted, 60);
    for order in [Order::NewestFirst, Order::OldestFirst] {
        let mut seen = HashSet::new();
        let mut cursor: Option<Cursor> = None;
        let mut last: Option<(chrono::DateTime<chrono::Utc>, String)> = None;
        let mut pages = 0;
        loop {
            let mut req = PageRequest::new(Filter::all(), 7).after(cursor);
            req.order = order;
            let page = store.reads().playbacks(&req).unwrap();
            for e in &page.items {
                assert!(seen.insert(e.event_id()), "a play was repeated");
                let key = (e.timing.started_at, e.event_id().to_string());
                if let Some(prev) = &last {
                    match order {
                        Order::NewestFirst => assert!(key < *prev),
                        Order::OldestFirst => assert!(key > *prev),
                    }
                }
                last = Some(key);
            }
            pages += 1;
            if pages == 2 && order == Order::NewestFirst {
                // Newer plays arriving mid-way do not shift the pages being read.
                store.append(&events[60..]).unwrap();
            }
            match page.next {
                Some(c) => {
                    // Cursors survive a trip through text (the API's query string).
                    cursor = Some(c.to_string().parse().unwrap());
                }
                None => break,
            }
        }
        let expected = if order == Order::NewestFirst { 60 } else { 95 };
        assert_eq!(seen.len(), expected, "{order:?}");
    }
    assert!("garbage".parse::<Cursor>().is_err());
}

#[test]
fn every_filter_dimension_filters() {
    let mut store = Store::open_in_memory().unwrap();
    let mut events = many(24);
    // Give each event distinct values in every dimension, by index parity/thirds.
    for (i, e) in events.iter_mut().enumerate() {
        let odd = i % 2 == 1;
        e.content.media_type = if odd {
            MediaType::Episode
        } else {
            MediaType::Movie
        };
        e.device.platform = Some(if odd { "iOS" } else { "Roku" }.into());
        e.device.player = Some(if odd { "Phone" } else { "TV" }.into());
        e.quality.transcode_decision = Some(if odd {
            TranscodeDecision::Transcode
        } else {
            TranscodeDecision::DirectPlay
        });
        e.quality.video_resolution = Some(if odd { "4k" } else { "1080" }.into());
        e.quality.video_codec = Some(if odd { "hevc" } else { "h264" }.into());
        e.quality.audio_codec = Some(if odd { "eac3" } else { "aac" }.into());
        e.content.library_name = Some(if odd { "TV Shows" } else { "Movies" }.into());
        e.content.content_rating = Some(if odd { "TV-MA" } else { "PG-13" }.into());
        e.content.year = Some(if odd { 2020 } else { 1999 });
        e.network.location = Some(if odd {
            NetworkLocation::Lan
        } else {
            NetworkLocation::Wan
        });
        let mut g = Geolocation::unknown();
        g.source = Some(GeoSource::Mmdb);
        g.country_code = Some(if odd { "FR" } else { "GB" }.into());
        e.geo = Some(g);
    }
    // Server and source vary independently of parity: a second server for i % 3 == 0.
    for (i, e) in events.iter_mut().enumerate() {
        if i % 3 == 0 {
            let mut p = Play::new(format!("x{i}"), "9", "99", i as i64 * 700);
            p.server = "jelly-1";
            let mut x = p.source(Source::Jellyfin).build();
            x.content = e.content.clone();
            x.device = e.device.clone();
            x.quality = e.quality.clone();
            x.network = e.network.clone();
            x.geo = e.geo.clone();
            *e = x;
        }
    }
    assert_eq!(store.append(&events).unwrap().inserted, 24);
    let r = store.reads();
    let count = |f: Filter| r.count_playbacks(&f).unwrap();
    let half = 12;
    let checks: Vec<(&str, Filter)> = vec![
        (
            "media_types",
            f(|f| f.media_types = vec![MediaType::Episode]),
        ),
        ("platforms", f(|f| f.platforms = vec!["iOS".into()])),
        ("players", f(|f| f.players = vec!["Phone".into()])),
        (
            "transcode",
            f(|f| f.transcode_decisions = vec![TranscodeDecision::Transcode]),
        ),
        (
            "resolutions",
            f(|f| f.video_resolutions = vec!["4k".into()]),
        ),
        ("video_codecs", f(|f| f.video_codecs = vec!["hevc".into()])),
        ("audio_codecs", f(|f| f.audio_codecs = vec!["eac3".into()])),
        ("libraries", f(|f| f.libraries = vec!["TV Shows".into()])),
        ("ratings", f(|f| f.content_ratings = vec!["TV-MA".into()])),
        ("years", f(|f| f.years = vec![2020])),
        (
            "lan",
            f(|f| f.network_location = Some(NetworkLocation::Lan)),
        ),
        ("countries", f(|f| f.countries = vec!["fr".into()])),
    ];
    for (name, f) in checks {
        assert_eq!(count(f), half, "{name}");
    }
    assert_eq!(
        count(f(|f| f.servers = vec![ServerId::new("jelly-1").unwrap()])),
        8
    );
    assert_eq!(count(f(|f| f.sources = vec![Source::Jellyfin])), 8);
    assert_eq!(
        count(f(|f| f.sources = vec![Source::Jellyfin, Source::Plex])),
        24
    );
    let u = events[1].user.user_id;
    let expected_user = events.iter().filter(|e| e.user.user_id == u).count() as u64;
    assert_eq!(count(f(|f| f.users = vec![u])), expected_user);
    // Dates: [start, end).
    let (lo, hi) = r.time_span(&Filter::all()).unwrap().unwrap();
    assert_eq!(count(Filter::all().between(lo, hi)), 23);
    assert_eq!(count(Filter::all().last_days(1, t(0))), 0);
    // Dimensions combine with AND.
    let both = f(|f| {
        f.platforms = vec!["iOS".into()];
        f.sources = vec![Source::Jellyfin];
    });
    assert_eq!(count(both), 4);
    // A value that looks like SQL is just a value.
    assert_eq!(count(f(|f| f.platforms = vec!["x' OR '1'='1".into()])), 0);

    let platforms = r
        .distinct_values(Dimension::Platforms, &Filter::all(), 10)
        .unwrap();
    assert_eq!(platforms.len(), 2);
    assert_eq!(platforms.iter().map(|v| v.plays).sum::<u64>(), 24);
    let countries = r
        .distinct_values(Dimension::Countries, &Filter::all(), 10)
        .unwrap();
    assert!(countries.iter().any(|v| v.value == "FR"));
    for d in Dimension::ALL {
        r.distinct_values(*d, &Filter::all(), 5).unwrap();
    }
    let users = r
        .distinct_values(Dimension::Users, &Filter::all(), 10)
        .unwrap();
    assert!(users
        .iter()
        .all(|u| u.label.as_deref().is_some_and(|l| l.starts_with("user-"))));
}

#[test]
fn updates_apply_in_order_and_never_roll_back() {
    let mut store = Store::open_in_memory().unwrap();
    let start = Play::new("s1", "1", "10", 0).build();
    store.append(std::slice::from_ref(&start)).unwrap();
    let mut progress = start.clone();
    progress.timing.updated_at = start.timing.started_at + chrono::Duration::seconds(60);
    progress.timing.state = PlaybackState::Paused;
    progress.timing.play_duration_s = 60;
    let stop = stopped(&start, 600, 30);
    let r = store.upsert_plays(&[progress.clone()]).unwrap();
    assert_eq!((r.updated, r.stale), (1, 0));
    let r = store.upsert_stop(&stop).unwrap();
    assert_eq!(r.updated, 1);
    // A late replay of the progress update is ignored.
    let r = store.upsert_plays(&[progress]).unwrap();
    assert_eq!((r.updated, r.stale), (0, 1));
    let back = store.reads().playback(start.event_id()).unwrap().unwrap();
    assert_eq!(back.timing.state, PlaybackState::Stopped);
    assert_eq!(back.timing.play_duration_s, 570);
    assert_eq!(back.timing.paused_s, 30);
    assert_eq!(back.timing.stopped_at, stop.timing.stopped_at);
    // A stop for a play whose start was lost is stored as a new play.
    let lost = stopped(&Play::new("s2", "2", "11", 50).build(), 300, 0);
    let r = store.upsert_stop(&lost).unwrap();
    assert_eq!((r.updated, r.ingested.inserted), (0, 1));
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 2);
}

#[test]
fn side_tables_follow_ingest() {
    let mut store = Store::open_in_memory().unwrap();
    let mut events = many(6);
    resolver().enrich(&mut events);
    store.append(&events).unwrap();
    let users = store.reads().users().unwrap();
    assert_eq!(users.len(), 3);
    assert!(users
        .iter()
        .all(|u| u.first_seen_at.is_some() && u.email.is_some()));
    let servers = store.reads().servers().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].first_seen_at, Some(t(0)));
    let id = events[0].content.external_ids.content_id().unwrap();
    let maps = store.reads().content_mappings(&id).unwrap();
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0].media_key, events[0].content.media_key);
}

#[test]
fn upserting_users_merges_repeated_records_in_order() {
    use cartographus_core::{derive_user_id, ExternalUserId, Platform};
    use cartographus_store::UserRecord;
    let mut store = Store::open_in_memory().unwrap();
    let server = ServerId::new("srv").unwrap();
    let ext = ExternalUserId::new("42").unwrap();
    let id = derive_user_id(Platform::Plex, &server, &ext);
    let record =
        |name: &str| UserRecord::new(id, Platform::Plex, server.clone(), ext.clone(), name);
    let mut first = record("alice");
    first.email = Some("a@example.org".into());
    first.is_admin = Some(true);
    let mut second = record("alice2");
    second.thumb = Some("thumb.png".into());
    store.upsert_users(&[first, second]).unwrap();
    // Again later: the stored values are kept where the new record has none.
    store.upsert_users(&[record("alice3")]).unwrap();
    let users = store.reads().users().unwrap();
    assert_eq!(users.len(), 1);
    let u = &users[0];
    assert_eq!(u.username, "alice3");
    assert_eq!(u.email.as_deref(), Some("a@example.org"));
    assert_eq!(u.thumb.as_deref(), Some("thumb.png"));
    assert_eq!(u.is_admin, Some(true));
}

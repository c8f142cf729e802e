//! Tautulli import on databases built here from the documented schema (current and an
//! old version lacking newer columns): counts, durations (stopped − started − paused),
//! reference grouping, users, progress, resume, dry run, and no double counting with
//! live Plex ingestion of the same plays.

mod common;

use std::ops::ControlFlow;
use std::path::Path;

use cartographus_core::{
    GeoPoint, GeoSource, Geolocation, MediaType, PlaybackEvent, ServerId, Source, TranscodeDecision,
};
use cartographus_store::{
    Filter, GeoConfig, GeoResolver, ImportError, ImportProgress, Order, PageRequest, Store,
    TableLocator, TautulliImport,
};
use chrono::DateTime;
use rusqlite::Connection;

const T0: i64 = 1_767_225_600; // 2026-01-01 00:00:00 UTC

const SESSION_HISTORY: &str = "CREATE TABLE session_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference_id INTEGER, started INTEGER, stopped INTEGER, rating_key INTEGER, user_id INTEGER,
    user TEXT, ip_address TEXT, paused_counter INTEGER DEFAULT 0, player TEXT, product TEXT,
    product_version TEXT, platform TEXT, platform_version TEXT, profile TEXT, machine_id TEXT,
    bandwidth INTEGER, location TEXT, quality_profile TEXT, secure INTEGER, relayed INTEGER,
    parent_rating_key INTEGER, grandparent_rating_key INTEGER, media_type TEXT,
    section_id INTEGER, view_offset INTEGER DEFAULT 0)";

const METADATA: &str = "CREATE TABLE session_history_metadata (id INTEGER PRIMARY KEY,
    rating_key INTEGER, parent_rating_key INTEGER, grandparent_rating_key INTEGER, title TEXT,
    parent_title TEXT, grandparent_title TEXT, original_title TEXT, full_title TEXT,
    media_index INTEGER, parent_media_index INTEGER, thumb TEXT, parent_thumb TEXT,
    grandparent_thumb TEXT, art TEXT, media_type TEXT, year INTEGER,
    originally_available_at TEXT, added_at INTEGER, updated_at INTEGER, last_viewed_at INTEGER,
    content_rating TEXT, summary TEXT, tagline TEXT, rating TEXT, duration INTEGER, guid TEXT,
    directors TEXT, writers TEXT, actors TEXT, genres TEXT, studio TEXT, labels TEXT,
    live INTEGER, channel_call_sign TEXT, channel_id TEXT, channel_identifier TEXT,
    channel_title TEXT, channel_thumb TEXT, channel_vcn TEXT,
    marker_credits_first INTEGER DEFAULT NULL, marker_credits_final INTEGER DEFAULT NULL)";

const MEDIA_INFO: &str = "CREATE TABLE session_history_media_info (id INTEGER PRIMARY KEY,
    rating_key INTEGER, video_decision TEXT, audio_decision TEXT, transcode_decision TEXT,
    duration INTEGER DEFAULT 0, container TEXT, bitrate INTEGER, width INTEGER, height INTEGER,
    video_bitrate INTEGER, video_bit_depth INTEGER, video_codec TEXT, video_codec_level TEXT,
    video_width INTEGER, video_height INTEGER, video_resolution TEXT, video_framerate TEXT,
    video_scan_type TEXT, video_full_resolution TEXT, video_dynamic_range TEXT,
    aspect_ratio TEXT, audio_bitrate INTEGER, audio_codec TEXT, audio_channels INTEGER,
    audio_language TEXT, audio_language_code TEXT, subtitles INTEGER, subtitle_codec TEXT,
    subtitle_forced, subtitle_language TEXT, transcode_protocol TEXT, transcode_container TEXT,
    transcode_video_codec TEXT, transcode_audio_codec TEXT, transcode_audio_channels INTEGER,
    transcode_width INTEGER, transcode_height INTEGER, transcode_hw_requested INTEGER,
    transcode_hw_full_pipeline INTEGER, transcode_hw_decode TEXT, transcode_hw_decode_title TEXT,
    transcode_hw_decoding INTEGER, transcode_hw_encode TEXT, transcode_hw_encode_title TEXT,
    transcode_hw_encoding INTEGER, stream_container TEXT, stream_container_decision TEXT,
    stream_bitrate INTEGER, stream_video_decision TEXT, stream_video_bitrate INTEGER,
    stream_video_codec TEXT, stream_video_codec_level TEXT, stream_video_bit_depth INTEGER,
    stream_video_height INTEGER, stream_video_width INTEGER, stream_video_resolution TEXT,
    stream_video_framerate TEXT, stream_video_scan_type TEXT, stream_video_full_resolution TEXT,
    stream_video_dynamic_range TEXT, stream_audio_decision TEXT, stream_audio_codec TEXT,
    stream_audio_bitrate INTEGER, stream_audio_channels INTEGER, stream_audio_language TEXT,
    stream_audio_language_code TEXT, stream_subtitle_decision TEXT, stream_subtitle_codec TEXT,
    stream_subtitle_container TEXT, stream_subtitle_forced INTEGER,
    stream_subtitle_language TEXT, synced_version INTEGER, synced_version_profile TEXT,
    optimized_version INTEGER, optimized_version_profile TEXT, optimized_version_title TEXT)";

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER DEFAULT NULL UNIQUE, username TEXT NOT NULL, friendly_name TEXT,
    thumb TEXT, custom_avatar_url TEXT, title TEXT, email TEXT, is_active INTEGER DEFAULT 1,
    is_admin INTEGER DEFAULT 0, is_home_user INTEGER DEFAULT NULL,
    is_allow_sync INTEGER DEFAULT NULL, is_restricted INTEGER DEFAULT NULL,
    do_notify INTEGER DEFAULT 1, keep_history INTEGER DEFAULT 1, deleted_user INTEGER DEFAULT 0,
    allow_guest INTEGER DEFAULT 0, user_token TEXT, server_token TEXT, shared_libraries TEXT,
    filter_all TEXT, filter_movies TEXT, filter_tv TEXT, filter_music TEXT, filter_photos TEXT)";

/// An old Tautulli: no secure/relayed/bandwidth/location, no live/guid, no HDR or
/// hardware-transcode or stream columns, no users.email.
const OLD_SCHEMA: &str = "
CREATE TABLE session_history (id INTEGER PRIMARY KEY AUTOINCREMENT, reference_id INTEGER,
    started INTEGER, stopped INTEGER, rating_key INTEGER, user_id INTEGER, user TEXT,
    ip_address TEXT, paused_counter INTEGER DEFAULT 0, player TEXT, product TEXT,
    product_version TEXT, platform TEXT, platform_version TEXT, profile TEXT, machine_id TEXT,
    parent_rating_key INTEGER, grandparent_rating_key INTEGER, media_type TEXT,
    view_offset INTEGER DEFAULT 0);
CREATE TABLE session_history_metadata (id INTEGER PRIMARY KEY, rating_key INTEGER,
    title TEXT, parent_title TEXT, grandparent_title TEXT, full_title TEXT, media_index INTEGER,
    parent_media_index INTEGER, media_type TEXT, year INTEGER, content_rating TEXT,
    duration INTEGER, genres TEXT);
CREATE TABLE session_history_media_info (id INTEGER PRIMARY KEY, rating_key INTEGER,
    video_decision TEXT, audio_decision TEXT, transcode_decision TEXT, duration INTEGER,
    container TEXT, bitrate INTEGER, video_codec TEXT, video_resolution TEXT, audio_codec TEXT,
    audio_channels INTEGER);
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER UNIQUE,
    username TEXT NOT NULL, friendly_name TEXT, thumb TEXT, is_admin INTEGER DEFAULT 0);
";

struct Row {
    id: i64,
    reference: i64,
    started: i64,
    stopped: i64,
    paused: i64,
    rating_key: Option<i64>,
    user: (i64, &'static str),
    ip: &'static str,
    machine: &'static str,
}

fn rows() -> Vec<Row> {
    let mut v = vec![
        Row {
            id: 1,
            reference: 1,
            started: T0,
            stopped: T0 + 3600,
            paused: 600,
            rating_key: Some(500),
            user: (1001, "alice"),
            ip: "81.2.69.142",
            machine: "m-alice",
        },
        Row {
            id: 2,
            reference: 2,
            started: T0 + 7200,
            stopped: T0 + 8400,
            paused: 0,
            rating_key: Some(601),
            user: (1002, "bob"),
            ip: "192.168.1.20",
            machine: "m-bob",
        },
        // Bob resumes the same episode: a second segment of the same play.
        Row {
            id: 3,
            reference: 2,
            started: T0 + 9000,
            stopped: T0 + 9600,
            paused: 60,
            rating_key: Some(601),
            user: (1002, "bob"),
            ip: "192.168.1.20",
            machine: "m-bob",
        },
        // A row without an item is skipped.
        Row {
            id: 4,
            reference: 4,
            started: T0 + 9700,
            stopped: T0 + 9800,
            paused: 0,
            rating_key: None,
            user: (1001, "alice"),
            ip: "81.2.69.142",
            machine: "m-alice",
        },
    ];
    for i in 5..=30 {
        v.push(Row {
            id: i,
            reference: i,
            started: T0 + 86_400 + i * 3600,
            stopped: T0 + 86_400 + i * 3600 + 1800,
            paused: i,
            rating_key: Some(700 + i % 5),
            user: if i % 2 == 0 {
                (1001, "alice")
            } else {
                (1002, "bob")
            },
            ip: if i % 2 == 0 {
                "81.2.69.142"
            } else {
                "192.168.1.20"
            },
            machine: if i % 2 == 0 { "m-alice" } else { "m-bob" },
        });
    }
    v
}

fn build_db(path: &Path, old: bool) {
    let conn = Connection::open(path).unwrap();
    if old {
        conn.execute_batch(OLD_SCHEMA).unwrap();
    } else {
        for ddl in [SESSION_HISTORY, METADATA, MEDIA_INFO, USERS] {
            conn.execute_batch(ddl).unwrap();
        }
        conn.execute_batch(
            "CREATE TABLE library_sections (id INTEGER PRIMARY KEY, section_id INTEGER, section_name TEXT);
             INSERT INTO library_sections (section_id, section_name) VALUES (1, 'Films'), (2, 'Series');",
        )
        .unwrap();
    }
    for r in rows() {
        let episode = r.id == 2 || r.id == 3;
        let media_type = if episode { "episode" } else { "movie" };
        if old {
            conn.execute(
                "INSERT INTO session_history (id, reference_id, started, stopped, rating_key, user_id,
                    user, ip_address, paused_counter, player, platform, machine_id, media_type, view_offset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'TV', 'Roku', ?10, ?11, 1800000)",
                rusqlite::params![r.id, r.reference, r.started, r.stopped, r.rating_key, r.user.0, r.user.1, r.ip, r.paused, r.machine, media_type],
            )
            .unwrap();
        } else {
            conn.execute(
                "INSERT INTO session_history (id, reference_id, started, stopped, rating_key, user_id,
                    user, ip_address, paused_counter, player, product, platform, machine_id,
                    bandwidth, location, secure, relayed, media_type, section_id, view_offset,
                    parent_rating_key, grandparent_rating_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'TV', 'Plex for Roku', 'Roku', ?10,
                    8000, ?11, 1, 0, ?12, ?13, 1800000, ?14, ?15)",
                rusqlite::params![
                    r.id, r.reference, r.started, r.stopped, r.rating_key, r.user.0, r.user.1, r.ip,
                    r.paused, r.machine, if r.ip.starts_with("192.") { "lan" } else { "wan" },
                    media_type, if episode { 2 } else { 1 },
                    if episode { Some(600) } else { None }, if episode { Some(599) } else { None },
                ],
            )
            .unwrap();
        }
        let title = if episode { "Pilot" } else { "Heat" };
        if old {
            conn.execute(
                "INSERT INTO session_history_metadata (id, rating_key, title, media_type, year, duration, genres)
                 VALUES (?1, ?2, ?3, ?4, 1995, 3600000, 'Crime;Drama')",
                rusqlite::params![r.id, r.rating_key, title, media_type],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO session_history_media_info (id, rating_key, transcode_decision, video_resolution, video_codec)
                 VALUES (?1, ?2, 'direct play', '1080', 'h264')",
                rusqlite::params![r.id, r.rating_key],
            )
            .unwrap();
        } else {
            conn.execute(
                "INSERT INTO session_history_metadata (id, rating_key, title, grandparent_title,
                    full_title, media_index, parent_media_index, media_type, year, duration, guid,
                    genres, content_rating, live)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1995, 3600000, 'imdb://tt0113277', 'Crime;Drama', 'R', 0)",
                rusqlite::params![
                    r.id, r.rating_key, title, if episode { Some("Show") } else { None }, title,
                    if episode { Some(1) } else { None }, if episode { Some(1) } else { None }, media_type
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO session_history_media_info (id, rating_key, video_decision,
                    audio_decision, transcode_decision, duration, container, bitrate, video_codec,
                    video_resolution, video_dynamic_range, audio_codec, audio_channels,
                    transcode_hw_decoding, transcode_hw_encoding, stream_video_resolution,
                    stream_bitrate, subtitle_forced)
                 VALUES (?1, ?2, 'transcode', 'copy', 'transcode', 3600000, 'mkv', 20000, 'hevc',
                    '4k', 'HDR10', 'eac3', 6, 1, 1, '1080', 8000, 0)",
                rusqlite::params![r.id, r.rating_key],
            )
            .unwrap();
        }
    }
    if old {
        conn.execute_batch(
            "INSERT INTO users (user_id, username, friendly_name) VALUES (1001, 'alice', 'Alice'), (1002, 'bob', NULL);",
        )
        .unwrap();
    } else {
        conn.execute_batch(
            "INSERT INTO users (user_id, username, friendly_name, email, is_admin, is_home_user, user_token)
             VALUES (1001, 'alice', 'Alice', 'alice@example.com', 1, 0, 'SECRET-TOKEN'),
                    (1002, 'bob', NULL, NULL, 0, 1, 'SECRET-TOKEN-2');",
        )
        .unwrap();
    }
}

fn server() -> ServerId {
    ServerId::new("plex-machine-id").unwrap()
}

fn resolver() -> GeoResolver {
    let table = TableLocator::new().with(
        "81.2.69.0/24".parse().unwrap(),
        Geolocation::at(GeoPoint::new(51.5142, -0.0931).unwrap(), GeoSource::Mmdb),
    );
    GeoResolver::new(Some(Box::new(table)), GeoConfig::default())
}

fn all(store: &Store) -> Vec<PlaybackEvent> {
    let mut req = PageRequest::new(Filter::all(), 1000);
    req.order = Order::OldestFirst;
    store.reads().playbacks(&req).unwrap().items
}

fn by_row(events: &[PlaybackEvent], row: &str) -> PlaybackEvent {
    events
        .iter()
        .find(|e| e.identity.session_key.as_str() == row)
        .unwrap()
        .clone()
}

fn no_progress() -> impl FnMut(&ImportProgress) -> ControlFlow<()> {
    |_| ControlFlow::Continue(())
}

#[test]
fn current_schema_imports_with_counts_durations_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tautulli.db");
    build_db(&db, false);
    let mut store = Store::open_in_memory().unwrap();
    let mut geo = resolver();
    let mut seen: Vec<ImportProgress> = Vec::new();
    let job = TautulliImport::new(&db, server()).with_batch_size(7);
    let report = store
        .import_tautulli(&job, Some(&mut geo), &mut |p| {
            seen.push(p.clone());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(report.rows_read, 30);
    assert_eq!(report.skipped, 1);
    assert_eq!(report.inserted, 29);
    assert_eq!(report.last_row_id, 30);
    assert_eq!(seen.len(), 5, "one progress report per batch of 7");
    assert!(seen.iter().all(|p| p.total_rows == 30));
    assert_eq!(seen.last().unwrap().rows_read, 30);

    let events = all(&store);
    assert_eq!(events.len(), 29);
    let heat = by_row(&events, "1");
    assert_eq!(heat.identity.source, Source::Tautulli);
    assert_eq!(
        heat.timing.play_duration_s, 3000,
        "3600 s minus 600 s paused"
    );
    assert_eq!(heat.timing.paused_s, 600);
    assert_eq!(
        heat.timing.started_at,
        DateTime::from_timestamp(T0, 0).unwrap()
    );
    assert_eq!(heat.timing.percent_complete, 50.0);
    assert!(!heat.timing.watched);
    assert_eq!(heat.user.username, "alice");
    assert_eq!(heat.user.friendly_name.as_deref(), Some("Alice"));
    assert_eq!(heat.content.title, "Heat");
    assert_eq!(heat.content.library_name.as_deref(), Some("Films"));
    assert_eq!(heat.content.external_ids.imdb.as_deref(), Some("tt0113277"));
    assert_eq!(
        heat.content.genres,
        vec!["Crime".to_owned(), "Drama".to_owned()]
    );
    assert_eq!(
        heat.quality.transcode_decision,
        Some(TranscodeDecision::Transcode)
    );
    assert_eq!(heat.quality.dynamic_range.as_deref(), Some("HDR10"));
    assert_eq!(heat.quality.hw_decode, Some(true));
    assert_eq!(heat.network.secure, Some(true));
    assert_eq!(heat.geo.as_ref().unwrap().point.unwrap().lat(), 51.5142);

    let part1 = by_row(&events, "2");
    let part2 = by_row(&events, "3");
    assert_eq!(part1.content.media_type, MediaType::Episode);
    assert_eq!(part1.content.grandparent_title.as_deref(), Some("Show"));
    assert_eq!(part2.timing.play_duration_s, 540);
    assert_eq!(part1.identity.reference_id, None);
    assert_eq!(part2.identity.reference_id, Some(part1.event_id()));
    assert_eq!(part2.group_id(), part1.group_id());
    assert_eq!(part2.geo.as_ref().unwrap().source, Some(GeoSource::Private));

    let users = store.reads().users().unwrap();
    let alice = users.iter().find(|u| u.username == "alice").unwrap();
    assert_eq!(
        (alice.is_admin, alice.email.as_deref()),
        (Some(true), Some("alice@example.com"))
    );
    let bob = users.iter().find(|u| u.username == "bob").unwrap();
    assert_eq!(bob.is_home_user, Some(true));
    assert_eq!(store.import_checkpoint(&server()).unwrap(), 30);
}

#[test]
fn an_old_database_without_newer_columns_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plexpy.db");
    build_db(&db, true);
    let mut store = Store::open_in_memory().unwrap();
    let report = store
        .import_tautulli(
            &TautulliImport::new(&db, server()),
            None,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!((report.inserted, report.skipped), (29, 1));
    let events = all(&store);
    let heat = by_row(&events, "1");
    assert_eq!(heat.timing.play_duration_s, 3000);
    assert_eq!(heat.network.secure, None, "missing columns read as NULL");
    assert_eq!(heat.network.location, None);
    assert_eq!(heat.quality.dynamic_range, None);
    assert_eq!(
        heat.quality.transcode_decision,
        Some(TranscodeDecision::DirectPlay)
    );
    assert_eq!(heat.content.library_id, None);
    assert_eq!(heat.user.friendly_name.as_deref(), Some("Alice"));
    assert_eq!(
        by_row(&events, "3").identity.reference_id,
        Some(by_row(&events, "2").event_id())
    );
}

#[test]
fn resume_after_a_stop_and_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tautulli.db");
    build_db(&db, false);

    // A dry run reports and stores nothing.
    let mut store = Store::open_in_memory().unwrap();
    let dry = store
        .import_tautulli(
            &TautulliImport::new(&db, server()).with_dry_run(true),
            None,
            &mut no_progress(),
        )
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.inserted, 29);
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 0);
    assert_eq!(store.import_checkpoint(&server()).unwrap(), 0);
    assert!(store.reads().users().unwrap().is_empty());

    // Stop after two batches, then resume: every row exactly once.
    let job = TautulliImport::new(&db, server()).with_batch_size(10);
    let mut batches = 0;
    let err = store
        .import_tautulli(&job, None, &mut |_| {
            batches += 1;
            if batches == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert!(
        matches!(err, ImportError::Cancelled { imported: 19 }),
        "{err:?}"
    );
    assert_eq!(store.import_checkpoint(&server()).unwrap(), 20);
    let rest = store
        .import_tautulli(&job, None, &mut no_progress())
        .unwrap();
    assert_eq!(rest.resumed_after, 20);
    assert_eq!(rest.rows_read, 10);
    assert_eq!(rest.duplicates.total(), 0);
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 29);

    // Importing everything again from the start changes nothing.
    let again = store
        .import_tautulli(&job.clone().from_start(), None, &mut no_progress())
        .unwrap();
    assert_eq!((again.inserted, again.duplicates.event_id), (0, 29));
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 29);
}

#[test]
fn no_double_counting_with_live_plex_ingestion() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tautulli.db");
    build_db(&db, false);
    let mut store = Store::open_in_memory().unwrap();
    store
        .import_tautulli(
            &TautulliImport::new(&db, server()),
            None,
            &mut no_progress(),
        )
        .unwrap();
    // Live Plex saw the same plays (same account, item, player), its own clock a few
    // seconds off, and under its own session keys.
    let live: Vec<PlaybackEvent> = all(&store)
        .into_iter()
        .map(|e| {
            let mut p = common::Play::new(format!("live-{}", e.identity.session_key), "x", "y", 0);
            p.server = "plex-machine-id";
            let mut l = p.build();
            l.user = e.user.clone();
            l.content = e.content.clone();
            l.device = e.device.clone();
            l.timing.started_at = e.timing.started_at + chrono::Duration::seconds(7);
            l.timing.updated_at = l.timing.started_at;
            rebuild_keys(l)
        })
        .collect();
    let r = store.append(&live).unwrap();
    assert_eq!(r.inserted, 0);
    assert_eq!(r.duplicates.cross_source, 29);
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 29);

    // And the other way round: live first, then the import.
    let mut store = Store::open_in_memory().unwrap();
    store.append(&live).unwrap();
    let report = store
        .import_tautulli(
            &TautulliImport::new(&db, server()),
            None,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!((report.inserted, report.duplicates.cross_source), (0, 29));
}

/// Rebuilds an event's keys from its parts, as a source would have built them.
fn rebuild_keys(e: PlaybackEvent) -> PlaybackEvent {
    let mut parts = cartographus_core::EventParts::new(
        Source::Plex,
        e.identity.server_id.clone(),
        e.identity.session_key.clone(),
        e.timing.clone(),
        e.user.clone(),
        e.content.clone(),
    );
    parts.device = e.device.clone();
    parts.network = e.network.clone();
    PlaybackEvent::assemble(parts)
}

#[test]
fn a_file_that_is_not_tautulli_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE x (y INTEGER)")
        .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let err = store
        .import_tautulli(
            &TautulliImport::new(&db, server()),
            None,
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::MissingTable {
                table: "session_history"
            }
        ),
        "{err:?}"
    );
}

//! Plex decoders on real-format fixtures: sessions (transcode, music, paused live TV
//! with numbers as strings, an unclaimed server's user-less IPv6 session), history,
//! identity, every WebSocket frame type and multipart webhooks.

use std::net::IpAddr;

use cartographus_core::{
    MediaType, NetworkLocation, Platform, PlaybackState, ServerId, Source, StreamDecision,
    TranscodeDecision,
};
use cartographus_sources::plex::{self, ActivityPhase, PlexNotification};
use cartographus_sources::{DecodeError, MultipartError, WebhookKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/plex/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn sessions_full_field_set() {
    let sessions = plex::decode_sessions(&fixture("sessions.json")).unwrap();
    assert_eq!(sessions.len(), 4);

    // A 4K HDR movie transcoded to 1080p H.264 over the internet, audio copied,
    // subtitles burned in, on the GPU.
    let movie = &sessions[0];
    assert_eq!(
        movie.remote_id.as_ref().unwrap().as_str(),
        "93h7e00ncblxncqw9lkfaoxi"
    );
    let s = &movie.snapshot;
    assert_eq!(s.session_key.as_str(), "41");
    assert_eq!(s.state, PlaybackState::Playing);
    let user = s.user.as_ref().unwrap();
    assert_eq!(user.external_id.as_str(), "8008135");
    assert_eq!(user.username, "DanyKhaleesi69");
    assert!(user
        .thumb
        .as_deref()
        .unwrap()
        .starts_with("https://plex.tv/users/"));
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Movie);
    assert_eq!(c.media_key.as_str(), "48213");
    assert_eq!(c.title, "Heat");
    assert_eq!(c.year, Some(1995));
    assert_eq!(c.content_rating.as_deref(), Some("R"));
    assert_eq!(c.library_id.as_deref(), Some("1"));
    assert_eq!(c.library_name.as_deref(), Some("Movies"));
    assert_eq!(c.genres, vec!["Crime".to_owned(), "Thriller".to_owned()]);
    assert_eq!(c.external_ids.imdb.as_deref(), Some("tt0113277"));
    assert_eq!(c.external_ids.tmdb.as_deref(), Some("949"));
    assert_eq!(c.external_ids.tvdb.as_deref(), Some("1043"));
    assert_eq!(s.view_offset_ms, Some(3_512_000));
    assert_eq!(s.media_duration_ms, Some(8_880_000));
    assert_eq!(s.device.platform.as_deref(), Some("Android"));
    assert_eq!(s.device.platform_version.as_deref(), Some("12"));
    assert_eq!(s.device.product.as_deref(), Some("Plex for Android (TV)"));
    assert_eq!(s.device.product_version.as_deref(), Some("10.12.1.335"));
    assert_eq!(s.device.player.as_deref(), Some("Living Room TV"));
    assert_eq!(
        s.device.device_id.as_ref().unwrap().as_str(),
        "lmd93nkn12k29j2lnm"
    );
    assert_eq!(s.network.ip, Some(ip("203.0.113.77")));
    assert_eq!(s.network.public_ip, Some(ip("203.0.113.77")));
    assert_eq!(s.network.location, Some(NetworkLocation::Wan));
    assert_eq!(s.network.secure, Some(true));
    assert_eq!(s.network.relayed, Some(false));
    assert_eq!(s.network.bandwidth_kbps, Some(21_000));
    let q = &s.quality;
    assert_eq!(q.transcode_decision, Some(TranscodeDecision::Transcode));
    assert_eq!(q.video_decision, Some(StreamDecision::Transcode));
    assert_eq!(q.audio_decision, Some(StreamDecision::Copy));
    assert_eq!(q.subtitle_decision, Some(StreamDecision::Burn));
    assert_eq!(q.video_resolution.as_deref(), Some("4k"));
    assert_eq!(q.stream_video_resolution.as_deref(), Some("1080"));
    assert_eq!(q.video_codec.as_deref(), Some("hevc"));
    assert_eq!(q.stream_video_codec.as_deref(), Some("h264"));
    assert_eq!(q.audio_codec.as_deref(), Some("eac3"));
    assert_eq!(q.stream_audio_codec.as_deref(), Some("eac3"));
    assert_eq!(q.audio_channels, Some(6));
    assert_eq!(q.bitrate_kbps, Some(24_743));
    assert_eq!(q.container.as_deref(), Some("mkv"));
    assert_eq!(q.stream_container.as_deref(), Some("mp4"));
    assert_eq!(q.dynamic_range.as_deref(), Some("Dolby Vision"));
    assert_eq!(q.subtitle_codec.as_deref(), Some("pgs"));
    assert_eq!(q.hw_decode, Some(true));
    assert_eq!(q.hw_encode, Some(true));
    assert!(!s.live);

    // A FLAC track played directly on the LAN.
    let track = &sessions[1].snapshot;
    let c = track.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Track);
    assert_eq!(c.grandparent_title.as_deref(), Some("Green Day"));
    assert_eq!(c.parent_title.as_deref(), Some("Saviors"));
    assert_eq!(c.parent_media_key.as_ref().unwrap().as_str(), "67084");
    assert_eq!(c.grandparent_media_key.as_ref().unwrap().as_str(), "39904");
    assert_eq!(c.episode, Some(1));
    assert_eq!(
        c.full_title(),
        "Green Day - The American Dream Is Killing Me"
    );
    assert_eq!(track.network.ip, Some(ip("10.10.10.171")));
    assert_eq!(track.network.public_ip, Some(ip("68.248.140.20")));
    assert_eq!(track.network.location, Some(NetworkLocation::Lan));
    assert_eq!(
        track.quality.transcode_decision,
        Some(TranscodeDecision::DirectPlay)
    );
    assert_eq!(
        track.quality.audio_decision,
        Some(StreamDecision::DirectPlay)
    );
    assert_eq!(track.quality.video_decision, None);
    assert_eq!(track.quality.stream_audio_codec.as_deref(), Some("flac"));

    // Paused live TV, every number sent as text.
    let live = &sessions[2].snapshot;
    assert_eq!(live.state, PlaybackState::Paused);
    assert!(live.live);
    let c = live.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Live);
    assert_eq!(c.year, Some(2024));
    assert_eq!(c.episode, None);
    assert_eq!(c.library_id, None);
    assert_eq!(live.view_offset_ms, Some(655_000));
    assert_eq!(live.media_duration_ms, Some(1_800_000));
    assert_eq!(live.network.location, Some(NetworkLocation::Lan));
    assert_eq!(live.network.secure, Some(false));
    assert_eq!(live.network.bandwidth_kbps, Some(8200));
    assert_eq!(live.quality.audio_channels, Some(2));
    assert_eq!(live.quality.bitrate_kbps, Some(8000));

    // An unclaimed server: no user; an IPv6 client; buffering; legacy TVDB guid.
    let anon = &sessions[3];
    assert!(anon.remote_id.is_none());
    let s = &anon.snapshot;
    assert!(s.user.is_none());
    assert_eq!(s.state, PlaybackState::Buffering);
    assert_eq!(s.network.ip, Some(ip("2001:db8:85a3::8a2e:370:7334")));
    assert_eq!(s.network.location, Some(NetworkLocation::Wan));
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.external_ids.tvdb.as_deref(), Some("330100"));
    assert_eq!(c.season, Some(13));
    assert_eq!(c.library_id.as_deref(), Some("2"));
    assert_eq!(s.quality.video_resolution.as_deref(), Some("720"));
    assert_eq!(s.quality.dynamic_range.as_deref(), Some("SDR"));
}

#[test]
fn empty_session_list() {
    assert!(plex::decode_sessions(&fixture("sessions-empty.json"))
        .unwrap()
        .is_empty());
}

#[test]
fn a_session_without_key_names_its_path() {
    let body = br#"{"MediaContainer":{"Metadata":[{"sessionKey":"1"},{"ratingKey":"2"}]}}"#;
    let err = plex::decode_sessions(body).unwrap_err();
    assert_eq!(
        err.path().unwrap().as_str(),
        "MediaContainer.Metadata[1].sessionKey"
    );
    let body =
        br#"{"MediaContainer":{"Metadata":[{"sessionKey":"1","Player":{"local":"perhaps"}}]}}"#;
    let err = plex::decode_sessions(body).unwrap_err();
    assert!(matches!(err, DecodeError::Shape { .. }));
    assert_eq!(
        err.path().unwrap().as_str(),
        "MediaContainer.Metadata[0].Player.local"
    );
}

#[test]
fn identity() {
    let id = plex::decode_identity(&fixture("identity.json")).unwrap();
    assert_eq!(id.platform, Platform::Plex);
    assert_eq!(
        id.server_id.as_str(),
        "96f2fe7a78c9dc1f16a16bedbe90f98149be16b4"
    );
    assert_eq!(id.version.as_deref(), Some("1.31.3.6868-28fc46b27"));
    assert_eq!(id.claimed, Some(true));
    let err = plex::decode_identity(br#"{"MediaContainer":{"size":0}}"#).unwrap_err();
    assert_eq!(err.path().unwrap().as_str(), "MediaContainer");
}

#[test]
fn history_rows_become_events() {
    let page = plex::decode_history(&fixture("history.json")).unwrap();
    assert_eq!(page.total, Some(10_855));
    assert_eq!(page.offset, Some(0));
    assert_eq!(
        page.entries.len(),
        2,
        "the row without an account is skipped"
    );
    let server = ServerId::new("96f2fe7a78c9dc1f16a16bedbe90f98149be16b4").unwrap();

    let ep = &page.entries[0];
    assert_eq!(ep.session_key.as_str(), "/status/sessions/history/1");
    assert_eq!(ep.account_id.as_str(), "1");
    assert_eq!(ep.device_id.as_ref().unwrap().as_str(), "5");
    assert_eq!(ep.viewed_at.timestamp(), 1_654_139_223);
    assert_eq!(ep.content.season, Some(13));
    let ev = ep.to_event(&server, Some("elan"));
    assert_eq!(ev.identity.source, Source::PlexHistory);
    assert_eq!(ev.user.username, "elan");
    assert_eq!(ev.timing.stopped_at, Some(ep.viewed_at));
    assert!(ev.timing.watched);

    let movie = &page.entries[1];
    assert_eq!(movie.account_id.as_str(), "8008135");
    let ev = movie.to_event(&server, None);
    assert_eq!(ev.user.username, "8008135");
    assert_eq!(ev.timing.play_duration_s, 10_200);
    assert_eq!(ev.timing.started_at.timestamp(), 1_654_200_000 - 10_200);
    assert_eq!(ev.timing.percent_complete, 100.0);
    // Deterministic: decoding twice gives the same event id.
    let again = plex::decode_history(&fixture("history.json")).unwrap();
    assert_eq!(
        again.entries[1].to_event(&server, None).event_id(),
        ev.event_id()
    );
}

#[test]
fn websocket_frames_of_every_type() {
    let PlexNotification::Playing(p) =
        plex::decode_notification(&fixture("ws-playing.json")).unwrap()
    else {
        panic!("not a playing frame");
    };
    assert_eq!(p.len(), 1);
    let n = p[0].notification();
    assert_eq!(n.session_key.as_str(), "84");
    assert_eq!(n.state, PlaybackState::Paused);
    assert_eq!(n.view_offset_ms, Some(244_000));
    assert_eq!(n.media_key.as_ref().unwrap().as_str(), "65787");
    assert!(n.snapshot.is_none());
    assert_eq!(
        p[0].transcode_session.as_deref(),
        Some("4avh8p7h64n4e9a16xsqvr9e")
    );

    let PlexNotification::Playing(p) =
        plex::decode_notification(&fixture("ws-playing-multi.json")).unwrap()
    else {
        panic!("not a playing frame");
    };
    assert_eq!(p[0].view_offset_ms, Some(3_600_000));
    assert_eq!(p[1].state, PlaybackState::Stopped);

    let PlexNotification::Timeline(t) =
        plex::decode_notification(&fixture("ws-timeline.json")).unwrap()
    else {
        panic!("not a timeline frame");
    };
    assert_eq!(t[0].item_id.as_ref().unwrap().as_str(), "123");
    assert!(t[0].is_ready());
    assert!(!t[0].is_deleted());
    assert_eq!(t[0].item_type, Some(4));

    let PlexNotification::Activity(a) =
        plex::decode_notification(&fixture("ws-activity.json")).unwrap()
    else {
        panic!("not an activity frame");
    };
    assert_eq!(a[0].phase, ActivityPhase::Updated);
    assert_eq!(a[0].kind.as_deref(), Some("library.refresh.items"));
    assert_eq!(a[0].progress, Some(50.0));

    let PlexNotification::TranscodeUpdate(t) =
        plex::decode_notification(&fixture("ws-transcode-update.json")).unwrap()
    else {
        panic!("not a transcode frame");
    };
    assert_eq!(t[0].video_decision, Some(StreamDecision::Transcode));
    assert_eq!(t[0].audio_decision, Some(StreamDecision::Copy));
    assert_eq!(t[0].hw_requested, Some(true));
    assert!(matches!(
        plex::decode_notification(&fixture("ws-transcode-end.json")).unwrap(),
        PlexNotification::TranscodeEnd(t) if t[0].complete == Some(true)
    ));
    assert!(matches!(
        plex::decode_notification(&fixture("ws-status.json")).unwrap(),
        PlexNotification::Status(s) if s[0].notification_name.as_deref() == Some("LIBRARY_UPDATE")
    ));
    assert_eq!(
        plex::decode_notification(&fixture("ws-reachability.json")).unwrap(),
        PlexNotification::Reachability(Some(true))
    );
    assert_eq!(
        plex::decode_notification(&fixture("ws-unknown-type.json")).unwrap(),
        PlexNotification::Ignored {
            kind: "backgroundProcessingQueue".to_owned()
        }
    );
}

#[test]
fn malformed_frames_are_typed_errors() {
    let err = plex::decode_notification(b"{not json").unwrap_err();
    assert!(matches!(err, DecodeError::Syntax { .. }));
    let frame = br#"{"NotificationContainer":{"type":"playing","PlaySessionStateNotification":[{"viewOffset":"soon"}]}}"#;
    let err = plex::decode_notification(frame).unwrap_err();
    assert_eq!(
        err.path().unwrap().as_str(),
        "NotificationContainer.PlaySessionStateNotification[0].viewOffset"
    );
    // A bare container, as some proxies forward it, is accepted.
    let bare = br#"{"type":"playing","PlaySessionStateNotification":[{"sessionKey":"1","state":"playing"}]}"#;
    assert!(
        matches!(plex::decode_notification(bare).unwrap(), PlexNotification::Playing(p) if p.len() == 1)
    );
}

#[test]
fn multipart_webhook_with_thumb() {
    let ct = String::from_utf8(fixture("webhook-media.play.content-type")).unwrap();
    let ev = plex::decode_webhook(ct.trim(), &fixture("webhook-media.play.multipart")).unwrap();
    assert_eq!(ev.platform, Platform::Plex);
    assert_eq!(ev.kind, WebhookKind::PlaybackStart);
    assert_eq!(
        ev.server_id.as_ref().unwrap().as_str(),
        "54664a3d8acc39983675640ec9ce00b70af9cc36"
    );
    assert_eq!(ev.server_name.as_deref(), Some("Office"));
    let thumb = ev.thumb.as_ref().unwrap();
    assert_eq!(thumb.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(&thumb.bytes[..3], &[0xff, 0xd8, 0xff]);
    let n = ev.notification.as_ref().unwrap();
    assert_eq!(n.session_key.as_str(), "webhook:r6yfkdnfggbh2bdnvkffwbms");
    assert_eq!(n.state, PlaybackState::Playing);
    let snap = n.snapshot.as_ref().unwrap();
    assert_eq!(snap.user.as_ref().unwrap().username, "elan");
    assert_eq!(
        snap.device.device_id.as_ref().unwrap().as_str(),
        "r6yfkdnfggbh2bdnvkffwbms"
    );
    assert_eq!(snap.network.public_ip, Some(ip("200.200.200.200")));
    assert_eq!(snap.network.location, Some(NetworkLocation::Lan));
    let c = snap.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Track);
    assert_eq!(c.library_id.as_deref(), Some("1224"));
    assert_eq!(c.grandparent_title.as_deref(), Some("Stephen Stills"));
}

#[test]
fn webhook_payloads() {
    let ev = plex::decode_webhook_payload(&fixture("webhook-media.pause.json")).unwrap();
    assert_eq!(ev.kind, WebhookKind::PlaybackPause);
    let n = ev.notification.unwrap();
    assert_eq!(n.state, PlaybackState::Paused);
    assert_eq!(n.view_offset_ms, Some(342_000));
    let c = n.snapshot.unwrap().content.unwrap();
    assert_eq!(c.external_ids.imdb.as_deref(), Some("tt16329612"));
    assert_eq!((c.season, c.episode), (Some(3), Some(15)));

    let ev = plex::decode_webhook_payload(&fixture("webhook-library.new.json")).unwrap();
    assert_eq!(ev.kind, WebhookKind::LibraryNew);
    assert!(ev.notification.is_none());
    assert!(!ev.kind.is_playback());

    let ev = plex::decode_webhook_payload(br#"{"event":"media.transmogrify"}"#).unwrap();
    assert_eq!(ev.kind, WebhookKind::Other("media.transmogrify".to_owned()));
}

#[test]
fn webhook_errors_are_typed() {
    let err = plex::decode_webhook("application/json", b"{}").unwrap_err();
    assert!(matches!(
        err,
        DecodeError::Multipart(MultipartError::NotMultipart)
    ));
    let body = b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n";
    let err = plex::decode_webhook("multipart/form-data; boundary=b", body).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::Multipart(MultipartError::MissingPart { name: "payload" })
    ));
    let body = b"--b\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n{\"event\": 5, \"Account\": \"x\"}\r\n--b--\r\n";
    let err = plex::decode_webhook("multipart/form-data; boundary=b", body).unwrap_err();
    assert_eq!(err.path().unwrap().as_str(), "Account");
}

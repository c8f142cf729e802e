//! Jellyfin decoders on fixtures built from the 10.11 OpenAPI schemas: `/Sessions`
//! (idle client, direct play, HDR transcode from an IPv6 client, paused live TV, music
//! with numbers as strings), `/Users`, `/System/Info`, every socket message the monitor
//! reads, and the Webhook plugin's JSON.

use std::net::IpAddr;

use cartographus_core::{
    MediaType, NetworkLocation, Platform, PlaybackState, StreamDecision, TranscodeDecision,
};
use cartographus_sources::jellyfin::{self, SocketMessage};
use cartographus_sources::{DecodeError, WebhookKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/jellyfin/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn sessions_full_field_set() {
    let sessions = jellyfin::decode_sessions(&fixture("sessions.json")).unwrap();
    assert_eq!(
        sessions.len(),
        4,
        "the idle client is not a playback session"
    );

    let ep = &sessions[0];
    assert_eq!(
        ep.remote_id.as_ref().unwrap().as_str(),
        "c0ffee00c0ffee00c0ffee00c0ffee01"
    );
    let s = &ep.snapshot;
    assert_eq!(s.session_key.as_str(), "c0ffee00c0ffee00c0ffee00c0ffee01");
    assert_eq!(s.state, PlaybackState::Playing);
    let user = s.user.as_ref().unwrap();
    assert_eq!(
        user.external_id.as_str(),
        "4b1e2c3d4e5f60718293a4b5c6d7e8f9"
    );
    assert_eq!(user.username, "alice");
    assert_eq!(
        user.thumb.as_deref(),
        Some("/Users/4b1e2c3d4e5f60718293a4b5c6d7e8f9/Images/Primary?tag=9f8e7d6c5b4a")
    );
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Episode);
    assert_eq!(c.media_key.as_str(), "a3c5e7f9b1d34f6a8c0e2b4d6f8a0c1e");
    assert_eq!(c.full_title(), "Breaking Bad - Pilot");
    assert_eq!(c.parent_title.as_deref(), Some("Season 1"));
    assert_eq!(
        (c.season, c.episode, c.year),
        (Some(1), Some(1), Some(2008))
    );
    assert_eq!(
        c.grandparent_media_key.as_ref().unwrap().as_str(),
        "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"
    );
    assert_eq!(c.content_rating.as_deref(), Some("TV-14"));
    assert_eq!(c.genres, vec!["Drama".to_owned(), "Crime".to_owned()]);
    assert_eq!(c.external_ids.imdb.as_deref(), Some("tt0959621"));
    assert_eq!(c.external_ids.tvdb.as_deref(), Some("349232"));
    assert_eq!(s.view_offset_ms, Some(1_234_567), "ticks are 100 ns");
    assert_eq!(s.media_duration_ms, Some(3_473_000));
    assert_eq!(
        s.network.ip,
        Some(ip("192.168.1.61")),
        "the port is dropped"
    );
    assert_eq!(s.network.location, Some(NetworkLocation::Lan));
    assert_eq!(s.device.product.as_deref(), Some("Jellyfin Android TV"));
    assert_eq!(s.device.product_version.as_deref(), Some("0.18.11"));
    assert_eq!(s.device.player.as_deref(), Some("Shield"));
    assert_eq!(s.device.platform.as_deref(), Some("Tv"));
    assert_eq!(
        s.device.device_id.as_ref().unwrap().as_str(),
        "e1f2a3b4c5d6e7f8"
    );
    let q = &s.quality;
    assert_eq!(q.transcode_decision, Some(TranscodeDecision::DirectPlay));
    assert_eq!(q.video_decision, Some(StreamDecision::DirectPlay));
    assert_eq!(q.audio_decision, Some(StreamDecision::DirectPlay));
    assert_eq!(
        q.subtitle_decision, None,
        "SubtitleStreamIndex -1 means none"
    );
    assert_eq!(q.video_resolution.as_deref(), Some("1080"));
    assert_eq!(
        q.audio_codec.as_deref(),
        Some("eac3"),
        "AudioStreamIndex picks the stream"
    );
    assert_eq!(q.audio_channels, Some(6));
    assert_eq!(q.dynamic_range.as_deref(), Some("SDR"));
    assert_eq!(q.container.as_deref(), Some("mkv"));

    // 4K Dolby Vision transcoded to 1080p H.264 for an IPv6 phone, subtitles burned in.
    let s = &sessions[1].snapshot;
    assert_eq!(
        s.network.ip,
        Some(ip("2a02:8071:1:2:aaaa::1")),
        "bracketed IPv6 with port"
    );
    assert_eq!(s.network.location, Some(NetworkLocation::Wan));
    assert_eq!(
        s.device.device_id.as_ref().unwrap().as_str(),
        "8F3C1A2B-4D5E-6F70-8192-A3B4C5D6E7F8"
    );
    let q = &s.quality;
    assert_eq!(q.transcode_decision, Some(TranscodeDecision::Transcode));
    assert_eq!(q.video_decision, Some(StreamDecision::Transcode));
    assert_eq!(q.audio_decision, Some(StreamDecision::Transcode));
    assert_eq!(q.subtitle_decision, Some(StreamDecision::Burn));
    assert_eq!(q.subtitle_codec.as_deref(), Some("PGSSUB"));
    assert_eq!(q.video_resolution.as_deref(), Some("4k"));
    assert_eq!(q.stream_video_resolution.as_deref(), Some("1080"));
    assert_eq!(q.stream_video_codec.as_deref(), Some("h264"));
    assert_eq!(q.stream_audio_codec.as_deref(), Some("aac"));
    assert_eq!(q.stream_audio_channels, Some(2));
    assert_eq!(q.stream_container.as_deref(), Some("ts"));
    assert_eq!(q.bitrate_kbps, Some(62_000));
    assert_eq!(q.stream_bitrate_kbps, Some(8_000));
    assert_eq!(q.dynamic_range.as_deref(), Some("Dolby Vision"));
    assert_eq!((q.hw_decode, q.hw_encode), (Some(true), Some(true)));

    // Paused live TV from a CGNAT address: the programme is the title.
    let s = &sessions[2].snapshot;
    assert_eq!(s.state, PlaybackState::Paused);
    assert!(s.live);
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Live);
    assert_eq!(c.title, "BBC News at Six");
    assert_eq!(c.grandparent_title.as_deref(), Some("BBC One HD"));
    assert_eq!(s.view_offset_ms, None);
    assert_eq!(s.network.location, Some(NetworkLocation::Wan));
    assert_eq!(s.quality.transcode_decision, Some(TranscodeDecision::Copy));

    // Music, with numbers as strings and a dashed GUID user id folded to Jellyfin's form.
    let s = &sessions[3].snapshot;
    assert_eq!(
        s.user.as_ref().unwrap().external_id.as_str(),
        "d2f7e0c61b2a4c3d8e9f0a1b2c3d4e5f"
    );
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Track);
    assert_eq!(c.full_title(), "Radiohead - Paranoid Android");
    assert_eq!(c.parent_title.as_deref(), Some("OK Computer"));
    assert_eq!(
        (c.season, c.episode, c.year),
        (Some(1), Some(2), Some(1997))
    );
    assert_eq!(s.view_offset_ms, Some(123_456));
    assert_eq!(s.media_duration_ms, Some(383_000));
    assert_eq!(
        s.network.ip,
        Some(ip("81.2.69.142")),
        "IPv4-mapped IPv6 is unwrapped"
    );
    assert_eq!(s.quality.audio_decision, Some(StreamDecision::Copy));
    assert_eq!(s.quality.video_decision, None);
}

#[test]
fn empty_and_broken_session_lists() {
    assert!(jellyfin::decode_sessions(&fixture("sessions-empty.json"))
        .unwrap()
        .is_empty());
    let err =
        jellyfin::decode_sessions(br#"[{"Id":"a"},{"NowPlayingItem":{"Id":"x"}}]"#).unwrap_err();
    assert_eq!(err.path().unwrap().as_str(), "[1].Id");
    let err = jellyfin::decode_sessions(br#"[{"Id":"a","PlayState":{"PositionTicks":"far"}}]"#)
        .unwrap_err();
    assert!(matches!(err, DecodeError::Shape { .. }));
    assert_eq!(err.path().unwrap().as_str(), "[0].PlayState.PositionTicks");
    let err = jellyfin::decode_sessions(b"{}").unwrap_err();
    assert!(matches!(err, DecodeError::Shape { .. }));
}

#[test]
fn users_and_system_info() {
    let users = jellyfin::decode_users(&fixture("users.json")).unwrap();
    assert_eq!(users.len(), 2, "the empty GUID is no user");
    assert_eq!(users[0].account.username, "alice");
    assert_eq!(users[0].is_admin, Some(true));
    assert_eq!(users[0].is_disabled, Some(false));
    assert!(users[0].last_activity.is_some());
    assert_eq!(users[1].is_disabled, Some(true));
    assert_eq!(users[1].last_activity, None);

    let id = jellyfin::decode_system_info(&fixture("system-info.json")).unwrap();
    assert_eq!(id.platform, Platform::Jellyfin);
    assert_eq!(id.server_id.as_str(), "f2a6c1b9e8d74c3ba1f0e9d8c7b6a5f4");
    assert_eq!(id.name.as_deref(), Some("jellyfin-nas"));
    assert_eq!(id.version.as_deref(), Some("10.11.0"));
}

#[test]
fn socket_messages() {
    let SocketMessage::Sessions(s) =
        jellyfin::decode_message(&fixture("ws-sessions.json")).unwrap()
    else {
        panic!("not a Sessions message");
    };
    assert_eq!(s.len(), 1);
    assert_eq!(
        s[0].snapshot.session_key.as_str(),
        "c0ffee00c0ffee00c0ffee00c0ffee01"
    );

    let SocketMessage::Playstate(p) =
        jellyfin::decode_message(&fixture("ws-playstate.json")).unwrap()
    else {
        panic!("not a Playstate message");
    };
    assert_eq!(p.command.as_deref(), Some("Seek"));
    assert_eq!(p.seek_position_ms, Some(60_000));

    let SocketMessage::UserDataChanged(u) =
        jellyfin::decode_message(&fixture("ws-userdatachanged.json")).unwrap()
    else {
        panic!("not a UserDataChanged message");
    };
    assert_eq!(
        u.user_id.as_ref().unwrap().as_str(),
        "4b1e2c3d4e5f60718293a4b5c6d7e8f9"
    );
    assert_eq!(u.items[0].position_ms, Some(1_234_567));
    assert_eq!(u.items[0].play_count, Some(3));
    assert_eq!(u.items[0].played, Some(false));

    assert_eq!(
        jellyfin::decode_message(&fixture("ws-forcekeepalive.json")).unwrap(),
        SocketMessage::ForceKeepAlive {
            timeout_s: Some(60)
        }
    );
    assert_eq!(
        jellyfin::decode_message(&fixture("ws-keepalive.json")).unwrap(),
        SocketMessage::KeepAlive
    );
    assert_eq!(
        jellyfin::decode_message(&fixture("ws-unknown-type.json")).unwrap(),
        SocketMessage::Ignored {
            kind: "LibraryChanged".to_owned()
        }
    );
    let err = jellyfin::decode_message(
        br#"{"MessageType":"Sessions","Data":[{"Id":"a","NowPlayingItem":{"RunTimeTicks":{}}}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.path().unwrap().as_str(),
        "Data[0].NowPlayingItem.RunTimeTicks"
    );
    assert!(matches!(
        jellyfin::decode_message(b"\x00\xff").unwrap_err(),
        DecodeError::Syntax { .. }
    ));
}

#[test]
fn webhook_plugin_events() {
    let ev = jellyfin::decode_webhook(&fixture("webhook-playback-start.json")).unwrap();
    assert_eq!(ev.platform, Platform::Jellyfin);
    assert_eq!(ev.kind, WebhookKind::PlaybackStart);
    assert_eq!(
        ev.server_id.as_ref().unwrap().as_str(),
        "f2a6c1b9e8d74c3ba1f0e9d8c7b6a5f4",
        "the plugin's dashed GUID matches /System/Info"
    );
    let n = ev.notification.as_ref().unwrap();
    assert_eq!(n.session_key.as_str(), "webhook:e1f2a3b4c5d6e7f8");
    assert_eq!(n.state, PlaybackState::Playing);
    assert_eq!(
        n.media_key.as_ref().unwrap().as_str(),
        "a3c5e7f9b1d34f6a8c0e2b4d6f8a0c1e"
    );
    let snap = n.snapshot.as_ref().unwrap();
    assert_eq!(
        snap.user.as_ref().unwrap().external_id.as_str(),
        "4b1e2c3d4e5f60718293a4b5c6d7e8f9"
    );
    assert_eq!(snap.user.as_ref().unwrap().username, "alice");
    assert_eq!(
        snap.device.device_id.as_ref().unwrap().as_str(),
        "e1f2a3b4c5d6e7f8"
    );
    assert_eq!(
        snap.quality.transcode_decision,
        Some(TranscodeDecision::DirectPlay)
    );
    let c = snap.content.as_ref().unwrap();
    assert_eq!(c.full_title(), "Breaking Bad - Pilot");
    assert_eq!(c.genres, vec!["Drama".to_owned(), "Crime".to_owned()]);
    assert_eq!(c.external_ids.imdb.as_deref(), Some("tt0959621"));

    let ev = jellyfin::decode_webhook(&fixture("webhook-playback-progress.json")).unwrap();
    assert_eq!(ev.kind, WebhookKind::PlaybackProgress);
    let n = ev.notification.unwrap();
    assert_eq!(n.state, PlaybackState::Paused, "\"True\" as text");
    assert_eq!(n.view_offset_ms, Some(600_000));
    assert_eq!(n.snapshot.unwrap().network.ip, Some(ip("192.168.1.61")));

    let ev = jellyfin::decode_webhook(&fixture("webhook-playback-stop.json")).unwrap();
    assert_eq!(ev.kind, WebhookKind::PlaybackStop);
    assert_eq!(ev.played_to_completion, Some(true));
    let n = ev.notification.unwrap();
    assert_eq!(n.state, PlaybackState::Stopped);
    assert_eq!(n.snapshot.unwrap().user.unwrap().username, "alice");

    let ev = jellyfin::decode_webhook(&fixture("webhook-item-added.json")).unwrap();
    assert_eq!(ev.kind, WebhookKind::LibraryNew);
    assert!(ev.notification.is_none());
}

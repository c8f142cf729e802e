//! Emby decoders on fixtures built from the 4.8 OpenAPI schemas and Emby's webhook
//! JSON: `/Sessions` (hardware transcode, paused episode with numbers as strings, idle
//! client), `/Users`, `/System/Info`, socket messages, and webhooks as JSON and as the
//! multipart body older versions post.

use std::net::IpAddr;

use cartographus_core::{
    MediaType, NetworkLocation, Platform, PlaybackState, StreamDecision, TranscodeDecision,
};
use cartographus_sources::emby::{self, SocketMessage};
use cartographus_sources::WebhookKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/emby/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn sessions_full_field_set() {
    let sessions = emby::decode_sessions(&fixture("sessions.json")).unwrap();
    assert_eq!(
        sessions.len(),
        2,
        "the idle client is not a playback session"
    );

    let s = &sessions[0].snapshot;
    assert_eq!(
        sessions[0].remote_id.as_ref().unwrap().as_str(),
        "c336b028b893558b333d1a49238b7db1"
    );
    assert_eq!(s.state, PlaybackState::Playing);
    assert_eq!(s.user.as_ref().unwrap().username, "admin");
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.media_type, MediaType::Movie);
    assert_eq!(
        c.media_key.as_str(),
        "240100",
        "Emby item ids are numbers as text"
    );
    assert_eq!(c.external_ids.imdb.as_deref(), Some("tt15398776"));
    assert_eq!(s.view_offset_ms, Some(1_743_179));
    assert_eq!(s.media_duration_ms, Some(10_806_000));
    assert_eq!(s.network.ip, Some(ip("81.2.69.160")));
    assert_eq!(s.network.location, Some(NetworkLocation::Wan));
    assert_eq!(s.device.product.as_deref(), Some("Emby Web"));
    assert_eq!(s.device.platform, None, "an empty DeviceType is unknown");
    let q = &s.quality;
    assert_eq!(q.transcode_decision, Some(TranscodeDecision::Transcode));
    assert_eq!(q.video_decision, Some(StreamDecision::Transcode));
    assert_eq!(q.audio_decision, Some(StreamDecision::Transcode));
    assert_eq!(q.subtitle_decision, None);
    assert_eq!(q.video_resolution.as_deref(), Some("4k"));
    assert_eq!(q.stream_video_resolution.as_deref(), Some("1080"));
    assert_eq!(
        q.bitrate_kbps,
        Some(45_000),
        "Emby's item Bitrate, without MediaSources"
    );
    assert_eq!(q.stream_bitrate_kbps, Some(10_616));
    assert_eq!(q.dynamic_range.as_deref(), Some("HDR10"));
    assert_eq!((q.hw_decode, q.hw_encode), (Some(true), Some(true)));

    let s = &sessions[1].snapshot;
    assert_eq!(s.state, PlaybackState::Paused);
    assert_eq!(s.view_offset_ms, Some(900_000));
    let c = s.content.as_ref().unwrap();
    assert_eq!(c.full_title(), "Bluey - Episode 11");
    assert_eq!(c.external_ids.imdb, None, "an empty provider id is no id");
    assert_eq!(c.external_ids.tvdb.as_deref(), Some("6772514"));
    assert_eq!(s.network.location, Some(NetworkLocation::Lan));
    assert_eq!(
        s.quality.subtitle_decision,
        Some(StreamDecision::DirectPlay)
    );
    assert_eq!(s.quality.subtitle_codec.as_deref(), Some("subrip"));
    assert_eq!(s.quality.bitrate_kbps, Some(2_018));
}

#[test]
fn users_and_system_info() {
    let users = emby::decode_users(&fixture("users.json")).unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].is_admin, Some(true));
    assert_eq!(users[1].account.username, "kid");
    let id = emby::decode_system_info(&fixture("system-info.json")).unwrap();
    assert_eq!(id.platform, Platform::Emby);
    assert_eq!(id.server_id.as_str(), "f40a5bd0c6b64051bdbed00580fa1118");
    assert_eq!(id.version.as_deref(), Some("4.8.11.0"));
}

#[test]
fn socket_messages() {
    let SocketMessage::Sessions(s) = emby::decode_message(&fixture("ws-sessions.json")).unwrap()
    else {
        panic!("not a Sessions message");
    };
    assert_eq!(s.len(), 1);
    let SocketMessage::UserDataChanged(u) =
        emby::decode_message(&fixture("ws-userdatachanged.json")).unwrap()
    else {
        panic!("not a UserDataChanged message");
    };
    assert_eq!(u.items[0].item_id.as_ref().unwrap().as_str(), "240100");
    assert_eq!(
        emby::decode_message(&fixture("ws-unknown-type.json")).unwrap(),
        SocketMessage::Ignored {
            kind: "ServerRestarting".to_owned()
        }
    );
}

#[test]
fn webhooks_start_pause_unpause_stop() {
    let expected = [
        (
            "webhook-playback.start.json",
            WebhookKind::PlaybackStart,
            PlaybackState::Playing,
        ),
        (
            "webhook-playback.pause.json",
            WebhookKind::PlaybackPause,
            PlaybackState::Paused,
        ),
        (
            "webhook-playback.unpause.json",
            WebhookKind::PlaybackResume,
            PlaybackState::Playing,
        ),
        (
            "webhook-playback.stop.json",
            WebhookKind::PlaybackStop,
            PlaybackState::Stopped,
        ),
    ];
    for (file, kind, state) in expected {
        let ev = emby::decode_webhook(Some("application/json"), &fixture(file)).unwrap();
        assert_eq!(ev.platform, Platform::Emby);
        assert_eq!(ev.kind, kind, "{file}");
        assert_eq!(
            ev.server_id.as_ref().unwrap().as_str(),
            "f40a5bd0c6b64051bdbed00580fa1118"
        );
        assert_eq!(ev.server_name.as_deref(), Some("PN41"));
        let n = ev.notification.unwrap();
        assert_eq!(n.state, state, "{file}");
        assert_eq!(
            n.session_key.as_str(),
            "c336b028b893558b333d1a49238b7db1",
            "same key as /Sessions"
        );
        let snap = n.snapshot.unwrap();
        assert_eq!(snap.state, state);
        assert_eq!(
            snap.user.unwrap().external_id.as_str(),
            "e6a9dd89fd954d689870e7e0e3e72947"
        );
        assert_eq!(snap.network.ip, Some(ip("10.10.10.253")));
        assert_eq!(
            snap.device.device_id.unwrap().as_str(),
            "30239450-1748-4855-9799-de3544fc2744"
        );
        assert_eq!(snap.content.unwrap().full_title(), "Bluey - Episode 11");
    }
    let stop = emby::decode_webhook(None, &fixture("webhook-playback.stop.json")).unwrap();
    assert_eq!(stop.played_to_completion, Some(true));
    assert_eq!(stop.notification.unwrap().view_offset_ms, Some(2_800_000));
}

#[test]
fn multipart_webhook_of_older_versions() {
    let ct = String::from_utf8(fixture("webhook-playback.start.content-type")).unwrap();
    let ev = emby::decode_webhook(
        Some(ct.trim()),
        &fixture("webhook-playback.start.multipart"),
    )
    .unwrap();
    assert_eq!(ev.kind, WebhookKind::PlaybackStart);
    assert!(ev.notification.is_some());
    let err =
        emby::decode_webhook(Some("multipart/form-data; boundary=zz"), b"garbage").unwrap_err();
    assert!(err.path().is_none());
}

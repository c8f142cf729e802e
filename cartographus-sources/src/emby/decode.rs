//! Emby's answers, decoded: `/Sessions` (also served as `/emby/Sessions`), `/Users`,
//! `/System/Info`, the `/embywebsocket` messages and Emby's webhooks.
//!
//! Emby's sessions have no `IsActive`; like Jellyfin, only sessions with a
//! `NowPlayingItem` are playback sessions. Hardware transcoding is read per stage
//! (`VideoDecoderIsHardware`, `VideoEncoderIsHardware`).

use cartographus_core::{Platform, PlaybackState, SessionKey, SessionNotification};

use super::wire;
use crate::error::{missing, DecodeError, MultipartError};
use crate::json;
use crate::mediabrowser::map::{session_of, SessionView, Transcoding};
use crate::mediabrowser::{self, SocketMessage};
use crate::multipart;
use crate::remote::RemoteSession;
use crate::server::{ServerIdentity, ServerUser};
use crate::units::ticks_to_ms;
use crate::webhook::{WebhookEvent, WebhookKind};

/// Decodes `/Sessions` (a `Session.SessionInfo[]`): the sessions playing something.
/// A playing session without an `Id` fails the answer, with its JSON path.
pub fn decode_sessions(bytes: &[u8]) -> Result<Vec<RemoteSession>, DecodeError> {
    let list: Vec<wire::SessionInfo> = json::from_slice(bytes)?;
    sessions_of(list, "")
}

/// Decodes `/Users` (a `UserDto[]`).
pub fn decode_users(bytes: &[u8]) -> Result<Vec<ServerUser>, DecodeError> {
    mediabrowser::decode_users(bytes)
}

/// Decodes `/System/Info` or `/System/Info/Public`: the server id, name and version.
pub fn decode_system_info(bytes: &[u8]) -> Result<ServerIdentity, DecodeError> {
    mediabrowser::decode_system_info(Platform::Emby, bytes)
}

/// Decodes one `/embywebsocket` text frame.
pub fn decode_message(bytes: &[u8]) -> Result<SocketMessage, DecodeError> {
    crate::mediabrowser::socket::decode(bytes, |list| sessions_of(list, "Data"))
}

fn sessions_of(
    list: Vec<wire::SessionInfo>,
    prefix: &str,
) -> Result<Vec<RemoteSession>, DecodeError> {
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let Some(item) = s.now_playing_item.as_ref() else {
            continue;
        };
        let key =
            s.id.as_deref()
                .and_then(|id| SessionKey::new(id).ok())
                .ok_or_else(|| missing(format!("{prefix}[{i}].Id"), "Id"))?;
        let transcoding = s.transcoding_info.as_ref().map(transcoding_of);
        out.push(session_of(SessionView {
            key,
            user_id: s.user_id.as_ref(),
            user_name: s.user_name.as_deref(),
            user_image_tag: s.user_primary_image_tag.as_deref(),
            client: s.client.as_deref(),
            application_version: s.application_version.as_deref(),
            device_id: s.device_id.as_ref(),
            device_name: s.device_name.as_deref(),
            device_type: s.device_type.as_deref(),
            remote_end_point: s.remote_end_point.as_deref(),
            item,
            play_state: s.play_state.as_ref(),
            transcoding,
        }));
    }
    Ok(out)
}

fn transcoding_of(t: &wire::TranscodingInfo) -> Transcoding<'_> {
    Transcoding {
        video_codec: t.video_codec.as_deref(),
        audio_codec: t.audio_codec.as_deref(),
        container: t.container.as_deref(),
        is_video_direct: t.is_video_direct,
        is_audio_direct: t.is_audio_direct,
        bitrate_bps: t.bitrate,
        width: t.width,
        height: t.height,
        audio_channels: t.audio_channels,
        burns_subtitles: t.transcode_reasons.iter().any(
            |r| matches!(r, crate::loose::Scalar::Text(s) if s == "SubtitleCodecNotSupported"),
        ),
        hw_decode: t.video_decoder_is_hardware,
        hw_encode: t.video_encoder_is_hardware,
    }
}

/// Decodes an Emby webhook call. Emby 4.9 posts `application/json`; older versions
/// post `multipart/form-data` with the JSON in a `data` part. Pass the request's
/// `Content-Type` if there is one.
pub fn decode_webhook(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<WebhookEvent, DecodeError> {
    let is_multipart = content_type.is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
    });
    let p: wire::WebhookPayload = match content_type {
        Some(ct) if is_multipart => {
            let parts = multipart::parse(ct, body)?;
            let part = multipart::part_named(&parts, "data")
                .or_else(|| parts.first())
                .ok_or(MultipartError::MissingPart { name: "data" })?;
            json::from_slice(part.body)?
        }
        _ => json::from_slice(body)?,
    };
    let kind = match p.event.as_deref().unwrap_or_default() {
        "playback.start" => WebhookKind::PlaybackStart,
        "playback.pause" => WebhookKind::PlaybackPause,
        "playback.unpause" => WebhookKind::PlaybackResume,
        "playback.stop" => WebhookKind::PlaybackStop,
        "library.new" => WebhookKind::LibraryNew,
        other => WebhookKind::Other(other.to_owned()),
    };
    let mut event = WebhookEvent::new(Platform::Emby, kind);
    if let Some(server) = &p.server {
        event.server_id = server.id.clone();
        event.server_name = server.name.clone();
    }
    event.played_to_completion = p
        .playback_info
        .as_ref()
        .and_then(|i| i.played_to_completion);
    event.notification = webhook_notification(&event.kind, &p);
    Ok(event)
}

fn webhook_notification(
    kind: &WebhookKind,
    p: &wire::WebhookPayload,
) -> Option<SessionNotification> {
    let state = match kind {
        WebhookKind::PlaybackStart | WebhookKind::PlaybackResume => PlaybackState::Playing,
        WebhookKind::PlaybackPause => PlaybackState::Paused,
        WebhookKind::PlaybackStop => PlaybackState::Stopped,
        _ => return None,
    };
    let session = p.session.as_ref()?;
    let key_text = match (&session.id, &session.device_id) {
        (Some(id), _) => id.clone(),
        (None, Some(device)) => format!("webhook:{device}"),
        (None, None) => return None,
    };
    let key = SessionKey::new(key_text).ok()?;
    let item = p.item.as_ref()?;
    let user = p.user.as_ref();
    let position = p.playback_info.as_ref().and_then(|i| i.position_ticks);
    let play_state = crate::mediabrowser::wire::PlayState {
        position_ticks: position,
        is_paused: Some(state == PlaybackState::Paused),
        media_source_id: p
            .playback_info
            .as_ref()
            .and_then(|i| i.media_source_id.clone()),
        ..Default::default()
    };
    let remote = session_of(SessionView {
        key: key.clone(),
        user_id: user.and_then(|u| u.id.as_ref()),
        user_name: user.and_then(|u| u.name.as_deref()),
        user_image_tag: None,
        client: session.client.as_deref(),
        application_version: session.application_version.as_deref(),
        device_id: session.device_id.as_ref(),
        device_name: session.device_name.as_deref(),
        device_type: None,
        remote_end_point: session.remote_end_point.as_deref(),
        item,
        play_state: Some(&play_state),
        transcoding: None,
    });
    let mut snap = remote.snapshot;
    snap.state = state;
    let mut n = SessionNotification::new(key, state);
    n.view_offset_ms = position.and_then(ticks_to_ms);
    n.media_key = snap.content.as_ref().map(|c| c.media_key.clone());
    n.snapshot = Some(snap);
    Some(n)
}

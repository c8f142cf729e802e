//! Jellyfin's answers, decoded: `GET /Sessions`, `/Users`, `/System/Info`, the
//! `/socket` messages and the Webhook plugin's JSON.
//!
//! `/Sessions` lists every connected client; only those with a `NowPlayingItem` are
//! playback sessions, and only those are returned. The session `Id` is both the
//! tracker's session key and the id `/Sessions/{id}/Playing/Stop` takes.

use cartographus_core::{
    Account, ContentInfo, ExternalIds, MediaType, Platform, PlaybackState, SessionKey,
    SessionNotification, SessionSnapshot, TranscodeDecision,
};

use super::wire;
use crate::error::{missing, DecodeError};
use crate::json;
use crate::mediabrowser::map::{network_of, session_of, SessionView, Transcoding};
use crate::mediabrowser::{self, SocketMessage};
use crate::remote::RemoteSession;
use crate::server::{ServerIdentity, ServerUser};
use crate::units::ticks_to_ms;
use crate::webhook::{WebhookEvent, WebhookKind};

/// Decodes `GET /Sessions` (a `SessionInfoDto[]`): the sessions playing something.
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
    mediabrowser::decode_system_info(Platform::Jellyfin, bytes)
}

/// Decodes one `/socket` text frame.
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
    // Jellyfin names one acceleration for the whole pipeline: `none` or absent means
    // software, anything else means both decoding and encoding on the GPU.
    let hw = t
        .hardware_acceleration_type
        .as_deref()
        .map(|h| !h.eq_ignore_ascii_case("none"));
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
        hw_decode: hw,
        hw_encode: hw,
    }
}

/// Decodes a call of the Jellyfin Webhook plugin (a "Generic" destination whose
/// template renders the plugin's variables as JSON under their own names).
///
/// The plugin's playback events carry no session id unless the template adds the
/// session's `{{Id}}`; without it the notification's key is `webhook:<DeviceId>` and
/// the session tracker matches it to the polled session by user, item and device.
pub fn decode_webhook(bytes: &[u8]) -> Result<WebhookEvent, DecodeError> {
    let p: wire::WebhookPayload = json::from_slice(bytes)?;
    let kind = match p.notification_type.as_deref().unwrap_or_default() {
        "PlaybackStart" => WebhookKind::PlaybackStart,
        "PlaybackProgress" => WebhookKind::PlaybackProgress,
        "PlaybackStop" => WebhookKind::PlaybackStop,
        "ItemAdded" => WebhookKind::LibraryNew,
        other => WebhookKind::Other(other.to_owned()),
    };
    let mut event = WebhookEvent::new(Platform::Jellyfin, kind);
    event.server_id = p.server_id.clone();
    event.server_name = p.server_name.clone();
    event.played_to_completion = p.played_to_completion;
    event.notification = webhook_notification(&event.kind, &p);
    Ok(event)
}

fn webhook_notification(
    kind: &WebhookKind,
    p: &wire::WebhookPayload,
) -> Option<SessionNotification> {
    let paused = p.is_paused == Some(true);
    let state = match kind {
        WebhookKind::PlaybackStop => PlaybackState::Stopped,
        WebhookKind::PlaybackStart | WebhookKind::PlaybackProgress if paused => {
            PlaybackState::Paused
        }
        WebhookKind::PlaybackStart | WebhookKind::PlaybackProgress => PlaybackState::Playing,
        _ => return None,
    };
    let key_text = match (&p.session_id, &p.device_id) {
        (Some(id), _) => id.clone(),
        (None, Some(device)) => format!("webhook:{device}"),
        (None, None) => return None,
    };
    let key = SessionKey::new(key_text).ok()?;
    let media_key = p.item_id.clone()?;
    let media_type = MediaType::from_wire(p.item_type.as_deref().unwrap_or_default());
    let mut c = ContentInfo::new(
        media_type,
        media_key.clone(),
        p.name.clone().unwrap_or_default(),
    );
    if media_type == MediaType::Track {
        c.parent_title = p.album.clone();
        c.grandparent_title = p.artist.clone();
    } else {
        c.grandparent_title = p.series_name.clone();
        c.grandparent_media_key = p.series_id.clone();
        c.parent_media_key = p.season_id.clone();
    }
    c.season = p.season_number;
    c.episode = p.episode_number;
    c.year = p.year;
    c.genres = p
        .genres
        .as_deref()
        .map(|g| {
            g.split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut ids = ExternalIds::default();
    let providers = [
        ("Imdb", p.provider_imdb.as_deref()),
        ("Tmdb", p.provider_tmdb.as_deref()),
        ("Tvdb", p.provider_tvdb.as_deref()),
    ];
    ids.add_provider_ids(providers.into_iter().filter_map(|(k, v)| Some((k, v?))));
    c.external_ids = ids;

    let mut snap = SessionSnapshot::new(key.clone(), state);
    let username = p.notification_username.as_deref().or(p.username.as_deref());
    snap.user = p
        .user_id
        .clone()
        .map(|id| Account::new(id, username.unwrap_or_default()));
    snap.view_offset_ms = p.playback_position_ticks.and_then(ticks_to_ms);
    snap.media_duration_ms = p.run_time_ticks.and_then(ticks_to_ms).filter(|d| *d > 0);
    snap.device.device_id = p.device_id.clone();
    snap.device.player = p.device_name.clone();
    snap.device.product = p.client_name.clone().or_else(|| p.client.clone());
    snap.network = network_of(p.remote_end_point.as_deref());
    snap.quality.transcode_decision = p
        .play_method
        .as_deref()
        .and_then(TranscodeDecision::from_wire);
    snap.content = Some(c);

    let mut n = SessionNotification::new(key, state);
    n.view_offset_ms = snap.view_offset_ms;
    n.media_key = Some(media_key);
    n.snapshot = Some(snap);
    Some(n)
}

//! Plex webhooks as Plex really sends them: a `multipart/form-data` POST with a
//! `payload` part holding JSON (`event`, `Account`, `Server`, `Player`, `Metadata`) and,
//! for some events, a `thumb` JPEG part.
//!
//! Webhooks carry no `sessionKey`, so a playback event's notification uses
//! `webhook:<Player.uuid>` as its key. The session tracker routes it to the session it
//! already follows for the same user, item and device (the player's uuid is its
//! `machineIdentifier`), or starts one from the notification's snapshot.

use cartographus_core::{
    Platform, PlaybackState, SessionKey, SessionNotification, SessionSnapshot,
};

use super::decode::{account_of, content_of, device_of, network_of};
use super::wire;
use crate::error::{DecodeError, MultipartError};
use crate::json;
use crate::multipart;
use crate::webhook::{Thumbnail, WebhookEvent, WebhookKind};

/// Decodes a webhook call from its `Content-Type` header value and body.
pub fn decode_webhook(content_type: &str, body: &[u8]) -> Result<WebhookEvent, DecodeError> {
    let parts = multipart::parse(content_type, body)?;
    let payload = multipart::part_named(&parts, "payload")
        .ok_or(MultipartError::MissingPart { name: "payload" })?;
    let mut event = decode_webhook_payload(payload.body)?;
    event.thumb = multipart::part_named(&parts, "thumb").map(|p| Thumbnail {
        content_type: p.content_type.clone(),
        bytes: p.body.to_vec(),
    });
    Ok(event)
}

/// Decodes the JSON of a webhook's `payload` part.
pub fn decode_webhook_payload(json: &[u8]) -> Result<WebhookEvent, DecodeError> {
    let p: wire::WebhookPayload = json::from_slice(json)?;
    let kind = kind_of(p.event.as_deref().unwrap_or_default());
    let mut event = WebhookEvent::new(Platform::Plex, kind);
    if let Some(server) = &p.server {
        event.server_id = server.uuid.clone();
        event.server_name = server.title.clone();
    }
    event.notification = notification_of(&event.kind, &p);
    Ok(event)
}

fn kind_of(name: &str) -> WebhookKind {
    match name {
        "media.play" => WebhookKind::PlaybackStart,
        "media.pause" => WebhookKind::PlaybackPause,
        "media.resume" => WebhookKind::PlaybackResume,
        "media.stop" => WebhookKind::PlaybackStop,
        "media.scrobble" => WebhookKind::Scrobble,
        "media.rate" => WebhookKind::Rate,
        "library.new" => WebhookKind::LibraryNew,
        "library.on.deck" => WebhookKind::LibraryOnDeck,
        "admin.database.backup" => WebhookKind::DatabaseBackup,
        "admin.database.corrupted" => WebhookKind::DatabaseCorrupted,
        "device.new" => WebhookKind::DeviceNew,
        "playback.started" => WebhookKind::SharedPlaybackStarted,
        other => WebhookKind::Other(other.to_owned()),
    }
}

fn notification_of(kind: &WebhookKind, p: &wire::WebhookPayload) -> Option<SessionNotification> {
    let state = match kind {
        WebhookKind::PlaybackStart
        | WebhookKind::PlaybackResume
        | WebhookKind::SharedPlaybackStarted => PlaybackState::Playing,
        WebhookKind::PlaybackPause => PlaybackState::Paused,
        WebhookKind::PlaybackStop => PlaybackState::Stopped,
        _ => return None,
    };
    let player = p.player.as_ref()?;
    let device = device_of(player);
    let device_id = device.device_id.clone()?;
    let key = SessionKey::new(format!("webhook:{device_id}")).ok()?;
    let meta = p.metadata.as_ref()?;
    let content = content_of(meta)?;

    let mut snap = SessionSnapshot::new(key.clone(), state);
    snap.user = p.account.as_ref().and_then(account_of);
    snap.view_offset_ms = meta.view_offset;
    snap.media_duration_ms = meta.duration;
    snap.live = meta.live == Some(true);
    snap.device = device;
    snap.network = network_of(Some(player), None);
    let mut n = SessionNotification::new(key, state);
    n.view_offset_ms = meta.view_offset;
    n.media_key = Some(content.media_key.clone());
    snap.content = Some(content);
    n.snapshot = Some(snap);
    Some(n)
}

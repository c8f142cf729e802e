//! What every webhook decoder returns: a [`WebhookEvent`] naming the event, the server
//! it came from and, for playback events, the [`SessionNotification`] to hand to the
//! session tracker.

use cartographus_core::{Platform, ServerId, SessionNotification};
use serde::{Deserialize, Serialize};

/// What a webhook announces, across Plex (`media.play` …), Jellyfin's Webhook plugin
/// (`PlaybackStart` …) and Emby (`playback.start` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WebhookKind {
    /// Playback began (Plex `media.play`, Jellyfin `PlaybackStart`, Emby `playback.start`).
    PlaybackStart,
    /// Playback paused (Plex `media.pause`, Emby `playback.pause`).
    PlaybackPause,
    /// Playback resumed (Plex `media.resume`, Emby `playback.unpause`).
    PlaybackResume,
    /// A periodic progress report (Jellyfin `PlaybackProgress`).
    PlaybackProgress,
    /// Playback stopped (Plex `media.stop`, Jellyfin `PlaybackStop`, Emby `playback.stop`).
    PlaybackStop,
    /// The item passed the watched threshold (Plex `media.scrobble`).
    Scrobble,
    /// The item was rated (Plex `media.rate`).
    Rate,
    /// A new item was added (Plex `library.new`).
    LibraryNew,
    /// An item arrived on deck (Plex `library.on.deck`).
    LibraryOnDeck,
    /// The database was backed up (Plex `admin.database.backup`).
    DatabaseBackup,
    /// The database is corrupted (Plex `admin.database.corrupted`).
    DatabaseCorrupted,
    /// A new device connected (Plex `device.new`).
    DeviceNew,
    /// A shared user started playing (Plex `playback.started`, sent to the owner).
    SharedPlaybackStarted,
    /// Any other event name, kept as sent.
    Other(String),
}

impl WebhookKind {
    /// Whether the event is about a playback session.
    pub fn is_playback(&self) -> bool {
        matches!(
            self,
            WebhookKind::PlaybackStart
                | WebhookKind::PlaybackPause
                | WebhookKind::PlaybackResume
                | WebhookKind::PlaybackProgress
                | WebhookKind::PlaybackStop
                | WebhookKind::SharedPlaybackStarted
        )
    }
}

/// An image sent along with a webhook (Plex's `thumb` part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Thumbnail {
    /// The part's content type (`image/jpeg`), if given.
    pub content_type: Option<String>,
    /// The image bytes.
    pub bytes: Vec<u8>,
}

/// One decoded webhook call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The server software that sent it.
    pub platform: Platform,
    /// The event.
    pub kind: WebhookKind,
    /// The sending server's id (Plex `Server.uuid`, Jellyfin `ServerId`, Emby
    /// `Server.Id`), to route the event to the right tracker.
    pub server_id: Option<ServerId>,
    /// The sending server's name.
    pub server_name: Option<String>,
    /// For playback events with a user and an item: the state change for the session
    /// tracker, carrying a full snapshot so the tracker can start a session it has not
    /// seen in a poll.
    pub notification: Option<SessionNotification>,
    /// Whether the server considered the item finished (Jellyfin/Emby stop events).
    pub played_to_completion: Option<bool>,
    /// An attached image (Plex only).
    pub thumb: Option<Thumbnail>,
}

impl WebhookEvent {
    /// An event with nothing but its platform and kind.
    pub fn new(platform: Platform, kind: WebhookKind) -> Self {
        Self {
            platform,
            kind,
            server_id: None,
            server_name: None,
            notification: None,
            played_to_completion: None,
            thumb: None,
        }
    }
}

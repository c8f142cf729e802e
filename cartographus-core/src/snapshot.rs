//! What sources hand to the session tracker: the full list of sessions a server reports
//! at one moment ([`SessionSnapshot`]), or one session's state change pushed by a
//! webhook or WebSocket ([`SessionNotification`]). Every source can produce these shapes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Account, ContentInfo, DeviceInfo, NetworkInfo, QualityInfo};
use crate::ids::{MediaKey, SessionKey};
use crate::kinds::PlaybackState;

/// One session as a server reports it right now.
///
/// `user` and `content` are optional because real servers sometimes omit them (an
/// unclaimed Plex server has no user; a session between items has no item): the
/// tracker reports such a session as a typed error and keeps tracking the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionSnapshot {
    /// The server's session key.
    pub session_key: SessionKey,
    /// Playing, paused or buffering (stopped sessions are simply absent).
    pub state: PlaybackState,
    /// The viewer.
    pub user: Option<Account>,
    /// The item.
    pub content: Option<ContentInfo>,
    /// The position, in ms.
    pub view_offset_ms: Option<u64>,
    /// The item's length, in ms.
    pub media_duration_ms: Option<u64>,
    /// The device.
    pub device: DeviceInfo,
    /// The network.
    pub network: NetworkInfo,
    /// The quality.
    pub quality: QualityInfo,
    /// Live TV.
    pub live: bool,
    /// When the play began, if the server says (most do not; the tracker then uses the
    /// time it first saw the session).
    pub started_at: Option<DateTime<Utc>>,
}

impl SessionSnapshot {
    /// A snapshot with a key and state and nothing else known.
    pub fn new(session_key: SessionKey, state: PlaybackState) -> Self {
        Self {
            session_key,
            state,
            user: None,
            content: None,
            view_offset_ms: None,
            media_duration_ms: None,
            device: DeviceInfo::default(),
            network: NetworkInfo::default(),
            quality: QualityInfo::default(),
            live: false,
            started_at: None,
        }
    }
}

/// One session's state change, pushed by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionNotification {
    /// The session it is about.
    pub session_key: SessionKey,
    /// The new state; `Stopped` ends the session.
    pub state: PlaybackState,
    /// The position, in ms, if reported.
    pub view_offset_ms: Option<u64>,
    /// The item, if reported (a different item under the same key ends the old play).
    pub media_key: Option<MediaKey>,
    /// The session's full description, when the push carries one (webhooks do, Plex's
    /// `playing` WebSocket frames do not). Lets the tracker start a session it has not
    /// seen in a snapshot.
    pub snapshot: Option<SessionSnapshot>,
}

impl SessionNotification {
    /// A bare state change.
    pub fn new(session_key: SessionKey, state: PlaybackState) -> Self {
        Self {
            session_key,
            state,
            view_offset_ms: None,
            media_key: None,
            snapshot: None,
        }
    }
}

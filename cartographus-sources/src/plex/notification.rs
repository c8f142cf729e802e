//! Plex's WebSocket (`/:/websockets/notifications`) frames, decoded. Every frame is
//! `{"NotificationContainer": {"type": …, "size": …, <ArrayName>: […]}}` (a bare
//! container is accepted too). The types Cartographus uses are decoded in full; any
//! other type becomes [`PlexNotification::Ignored`], never an error.

use cartographus_core::{
    DeviceId, ExternalUserId, MediaKey, PlaybackState, SessionKey, SessionNotification,
    StreamDecision,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::decode::state_of;
use super::wire;
use crate::error::DecodeError;
use crate::json;

/// One WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PlexNotification {
    /// `playing`: sessions changed state or position. The trigger to re-poll
    /// `/status/sessions` for anything the tracker does not know yet.
    Playing(Vec<PlayingState>),
    /// `timeline`: library items were added, changed or deleted.
    Timeline(Vec<TimelineEntry>),
    /// `activity`: server activities (scans, refreshes) started, moved or ended.
    Activity(Vec<ActivityEvent>),
    /// `transcodeSession.update`: a transcoder's progress.
    TranscodeUpdate(Vec<TranscodeProgress>),
    /// `transcodeSession.end`: a transcoder finished.
    TranscodeEnd(Vec<TranscodeProgress>),
    /// `status`: a server status message (e.g. a finished library scan).
    Status(Vec<StatusMessage>),
    /// `reachability`: whether the server is reachable from plex.tv.
    Reachability(Option<bool>),
    /// Any other type (`progress`, `backgroundProcessingQueue`, `update.statechange`,
    /// or a future one), with its name.
    Ignored {
        /// The frame's `type`.
        kind: String,
    },
}

/// A `PlaySessionStateNotification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlayingState {
    /// The session (same key as `/status/sessions`).
    pub session_key: SessionKey,
    /// The new state.
    pub state: PlaybackState,
    /// The position, in ms.
    pub view_offset_ms: Option<u64>,
    /// The item.
    pub media_key: Option<MediaKey>,
    /// The player's machine identifier.
    pub client_identifier: Option<DeviceId>,
    /// The transcoder session's key, if transcoding.
    pub transcode_session: Option<String>,
}

impl PlayingState {
    /// The state change for the session tracker. It carries no snapshot: the tracker
    /// answers `UnknownSession` for a session it has not seen, which means "poll".
    pub fn notification(&self) -> SessionNotification {
        let mut n = SessionNotification::new(self.session_key.clone(), self.state);
        n.view_offset_ms = self.view_offset_ms;
        n.media_key = self.media_key.clone();
        n
    }
}

/// A `TimelineEntry`: a library item's processing state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimelineEntry {
    /// The provider (`com.plexapp.plugins.library`).
    pub identifier: Option<String>,
    /// The library section.
    pub section_id: Option<String>,
    /// The item.
    pub item_id: Option<MediaKey>,
    /// Its parent (season, album).
    pub parent_item_id: Option<MediaKey>,
    /// Its root (show, artist).
    pub root_item_id: Option<MediaKey>,
    /// Plex's numeric item type (1 movie, 2 show, 3 season, 4 episode, 10 track…).
    pub item_type: Option<u32>,
    /// The item's title.
    pub title: Option<String>,
    /// The processing state, 0–9 (5 = done, 9 = deleted).
    pub state: Option<u8>,
    /// `created`, `deleted`…
    pub metadata_state: Option<String>,
    /// `analyzing`, `thumbnailing`…
    pub media_state: Option<String>,
    /// When the item changed.
    pub updated_at: Option<DateTime<Utc>>,
}

impl TimelineEntry {
    /// Whether the entry says the item was deleted (state 9).
    pub fn is_deleted(&self) -> bool {
        self.state == Some(9)
    }

    /// Whether the entry says the item finished processing (state 5).
    pub fn is_ready(&self) -> bool {
        self.state == Some(5)
    }
}

/// The phase of a server activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityPhase {
    /// `started`.
    Started,
    /// `updated`.
    Updated,
    /// `ended`.
    Ended,
    /// Anything else.
    Other,
}

/// An `ActivityNotification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActivityEvent {
    /// Started, updated or ended.
    pub phase: ActivityPhase,
    /// The activity's id.
    pub uuid: Option<String>,
    /// Its type (`library.refresh.items`…).
    pub kind: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// Its subtitle.
    pub subtitle: Option<String>,
    /// Progress, 0–100.
    pub progress: Option<f64>,
    /// The account that started it.
    pub user_id: Option<ExternalUserId>,
}

/// A transcoder's state (`TranscodeSession` in `transcodeSession.*` frames).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TranscodeProgress {
    /// `/transcode/sessions/<id>`.
    pub key: Option<String>,
    /// Progress, 0–100.
    pub progress: Option<f64>,
    /// Speed relative to real time.
    pub speed: Option<f64>,
    /// Whether the transcoder is throttled (ahead of the player).
    pub throttled: Option<bool>,
    /// Whether it is done.
    pub complete: Option<bool>,
    /// What happens to the video.
    pub video_decision: Option<StreamDecision>,
    /// What happens to the audio.
    pub audio_decision: Option<StreamDecision>,
    /// The output container.
    pub container: Option<String>,
    /// The output video codec.
    pub video_codec: Option<String>,
    /// The output audio codec.
    pub audio_codec: Option<String>,
    /// Whether hardware transcoding was requested.
    pub hw_requested: Option<bool>,
}

/// A `StatusNotification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusMessage {
    /// Short title.
    pub title: Option<String>,
    /// Longer text.
    pub description: Option<String>,
    /// Machine name (`LIBRARY_UPDATE`…).
    pub notification_name: Option<String>,
}

/// Decodes one WebSocket text frame.
pub fn decode_notification(bytes: &[u8]) -> Result<PlexNotification, DecodeError> {
    let mut frame: Map<String, Value> = json::from_slice(bytes)?;
    let (mut container, prefix) = match frame.remove("NotificationContainer") {
        Some(Value::Object(c)) => (c, "NotificationContainer."),
        Some(other) => {
            // Re-run through serde so the error carries the path.
            json::from_value::<Map<String, Value>>(other, "NotificationContainer")?;
            return Ok(PlexNotification::Ignored {
                kind: String::new(),
            });
        }
        None => (frame, ""),
    };
    let kind = match container.get("type") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Ok(PlexNotification::Ignored {
                kind: String::new(),
            })
        }
    };
    let mut list = |name: &str| -> Value { container.remove(name).unwrap_or(Value::Null) };
    let path = |name: &str| format!("{prefix}{name}");
    Ok(match kind.as_str() {
        "playing" => {
            let name = "PlaySessionStateNotification";
            let raw: Vec<wire::PlaySessionState> = seq(list(name), &path(name))?;
            PlexNotification::Playing(raw.into_iter().filter_map(playing_of).collect())
        }
        "timeline" => {
            let name = "TimelineEntry";
            let raw: Vec<wire::TimelineEntry> = seq(list(name), &path(name))?;
            PlexNotification::Timeline(raw.into_iter().map(timeline_of).collect())
        }
        "activity" => {
            let name = "ActivityNotification";
            let raw: Vec<wire::ActivityNotification> = seq(list(name), &path(name))?;
            PlexNotification::Activity(raw.into_iter().map(activity_of).collect())
        }
        "transcodeSession.update" | "transcodeSession.end" => {
            let name = "TranscodeSession";
            let raw: Vec<wire::TranscodeSession> = seq(list(name), &path(name))?;
            let items = raw.into_iter().map(transcode_of).collect();
            if kind == "transcodeSession.end" {
                PlexNotification::TranscodeEnd(items)
            } else {
                PlexNotification::TranscodeUpdate(items)
            }
        }
        "status" => {
            let name = "StatusNotification";
            let raw: Vec<wire::StatusNotification> = seq(list(name), &path(name))?;
            PlexNotification::Status(
                raw.into_iter()
                    .map(|s| StatusMessage {
                        title: s.title,
                        description: s.description,
                        notification_name: s.notification_name,
                    })
                    .collect(),
            )
        }
        "reachability" => {
            let name = "ReachabilityNotification";
            let raw: Vec<wire::Reachability> = seq(list(name), &path(name))?;
            PlexNotification::Reachability(raw.into_iter().find_map(|r| r.reachability))
        }
        _ => PlexNotification::Ignored { kind },
    })
}

fn seq<T: serde::de::DeserializeOwned>(value: Value, path: &str) -> Result<Vec<T>, DecodeError> {
    match value {
        Value::Null => Ok(Vec::new()),
        v => json::from_value(v, path),
    }
}

fn playing_of(p: wire::PlaySessionState) -> Option<PlayingState> {
    Some(PlayingState {
        session_key: p.session_key?,
        state: state_of(p.state.as_deref()),
        view_offset_ms: p.view_offset,
        media_key: p.rating_key,
        client_identifier: p.client_identifier,
        transcode_session: p.transcode_session,
    })
}

fn timeline_of(t: wire::TimelineEntry) -> TimelineEntry {
    TimelineEntry {
        identifier: t.identifier,
        section_id: t.section_id,
        item_id: t.item_id,
        parent_item_id: t.parent_item_id,
        root_item_id: t.root_item_id,
        item_type: t.kind,
        title: t.title,
        state: t.state,
        metadata_state: t.metadata_state,
        media_state: t.media_state,
        updated_at: t.updated_at,
    }
}

fn activity_of(a: wire::ActivityNotification) -> ActivityEvent {
    let phase = match a.event.as_deref() {
        Some("started") => ActivityPhase::Started,
        Some("updated") => ActivityPhase::Updated,
        Some("ended") => ActivityPhase::Ended,
        _ => ActivityPhase::Other,
    };
    let act = a.activity.unwrap_or_default();
    ActivityEvent {
        phase,
        uuid: a.uuid,
        kind: act.kind,
        title: act.title,
        subtitle: act.subtitle,
        progress: act.progress,
        user_id: act.user_id,
    }
}

fn transcode_of(t: wire::TranscodeSession) -> TranscodeProgress {
    TranscodeProgress {
        key: t.key,
        progress: t.progress,
        speed: t.speed,
        throttled: t.throttled,
        complete: t.complete,
        video_decision: t
            .video_decision
            .as_deref()
            .and_then(StreamDecision::from_wire),
        audio_decision: t
            .audio_decision
            .as_deref()
            .and_then(StreamDecision::from_wire),
        container: t.container,
        video_codec: t.video_codec,
        audio_codec: t.audio_codec,
        hw_requested: t.transcode_hw_requested,
    }
}

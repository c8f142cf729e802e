//! Private serde mirrors of Plex Media Server's JSON (`Accept: application/json`):
//! the `MediaContainer` of `/status/sessions`, `/status/sessions/history/all` and
//! `/identity`, the `Metadata` item with its `Media`/`Part`/`Stream`, `User`, `Player`,
//! `Session` and `TranscodeSession` children, the WebSocket `NotificationContainer`
//! entries and the webhook payload. Field names follow the community OpenAPI spec
//! (1.1.1 and the 0.0.3 examples) and Plex's webhook documentation; every field is
//! optional and loosely typed (see `loose`), because real servers omit and re-type
//! them freely.

use cartographus_core::{DeviceId, ExternalUserId, MediaKey, ServerId, SessionKey};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::loose;

/// `{"MediaContainer": …}`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    #[serde(rename = "MediaContainer")]
    pub(super) media_container: T,
}

/// The container of `/status/sessions` and `/status/sessions/history/all`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MetadataContainer {
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) size: Option<u64>,
    #[serde(rename = "totalSize", deserialize_with = "loose::opt_num")]
    pub(super) total_size: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) offset: Option<u64>,
    #[serde(rename = "Metadata", deserialize_with = "loose::seq")]
    pub(super) metadata: Vec<Metadata>,
}

/// The container of `/identity`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Identity {
    #[serde(deserialize_with = "loose::id")]
    pub(super) machine_identifier: ServerId,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(super) version: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_bool")]
    pub(super) claimed: Option<bool>,
}

/// A `{"tag": …}` or `{"id": …}` child (`Genre`, `Guid`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Tag {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) tag: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) id: Option<String>,
}

/// A metadata item: a session, a history row or a webhook's `Metadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Metadata {
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) session_key: Option<SessionKey>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) key: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) guid: Option<String>,
    #[serde(rename = "type", deserialize_with = "loose::opt_text")]
    pub(super) kind: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) parent_title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) grandparent_title: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) parent_rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) grandparent_rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) index: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) parent_index: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) year: Option<u16>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) content_rating: Option<String>,
    #[serde(rename = "librarySectionID", deserialize_with = "loose::opt_text")]
    pub(super) library_section_id: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) library_section_title: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) duration: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) view_offset: Option<u64>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) live: Option<bool>,
    #[serde(rename = "Guid", deserialize_with = "loose::seq")]
    pub(super) guids: Vec<Tag>,
    #[serde(rename = "Genre", deserialize_with = "loose::seq")]
    pub(super) genres: Vec<Tag>,
    #[serde(rename = "Media", deserialize_with = "loose::seq")]
    pub(super) media: Vec<Media>,
    #[serde(rename = "User")]
    pub(super) user: Option<User>,
    #[serde(rename = "Player")]
    pub(super) player: Option<Player>,
    #[serde(rename = "Session")]
    pub(super) session: Option<Session>,
    #[serde(rename = "TranscodeSession")]
    pub(super) transcode_session: Option<TranscodeSession>,
    // History rows.
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) history_key: Option<String>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) viewed_at: Option<DateTime<Utc>>,
    #[serde(rename = "accountID", deserialize_with = "loose::opt_id")]
    pub(super) account_id: Option<ExternalUserId>,
    #[serde(rename = "deviceID", deserialize_with = "loose::opt_id")]
    pub(super) device_id: Option<DeviceId>,
}

/// One version of an item.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Media {
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) duration: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) bitrate: Option<u32>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) container: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) video_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) audio_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) audio_channels: Option<u8>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) video_resolution: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) width: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) height: Option<u32>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) selected: Option<bool>,
    #[serde(rename = "Part", deserialize_with = "loose::seq")]
    pub(super) parts: Vec<Part>,
}

/// One file of a version.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Part {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) selected: Option<bool>,
    #[serde(rename = "Stream", deserialize_with = "loose::seq")]
    pub(super) streams: Vec<Stream>,
}

/// A video (1), audio (2) or subtitle (3) stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Stream {
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) stream_type: Option<u8>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) selected: Option<bool>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) channels: Option<u8>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) color_trc: Option<String>,
    #[serde(rename = "DOVIPresent", deserialize_with = "loose::opt_bool")]
    pub(super) dovi_present: Option<bool>,
}

/// The viewer of a session.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct User {
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) id: Option<ExternalUserId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) thumb: Option<String>,
}

/// The playing client, as in sessions (`machineIdentifier`, `remotePublicAddress`) and
/// in webhooks (`uuid`, `publicAddress`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Player {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) address: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) remote_public_address: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) public_address: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) local: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) relayed: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) secure: Option<bool>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) machine_identifier: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) uuid: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) platform: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) platform_version: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) product: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) version: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) state: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
}

/// The playback session (`id` is what `/status/sessions/terminate` takes).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Session {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) id: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) bandwidth: Option<u32>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) location: Option<String>,
}

/// A transcoder session, in `/status/sessions` and in `transcodeSession.*` frames.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct TranscodeSession {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) key: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) throttled: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) complete: Option<bool>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) progress: Option<f64>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) speed: Option<f64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) video_decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) audio_decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) subtitle_decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) container: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) video_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) audio_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) audio_channels: Option<u8>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) width: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) height: Option<u32>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) transcode_hw_requested: Option<bool>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) transcode_hw_decoding: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) transcode_hw_encoding: Option<String>,
}

/// A `playing` frame entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct PlaySessionState {
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) session_key: Option<SessionKey>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) client_identifier: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) key: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) view_offset: Option<u64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) state: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) transcode_session: Option<String>,
}

/// A `timeline` frame entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct TimelineEntry {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) identifier: Option<String>,
    #[serde(rename = "sectionID", deserialize_with = "loose::opt_text")]
    pub(super) section_id: Option<String>,
    #[serde(rename = "itemID", deserialize_with = "loose::opt_id")]
    pub(super) item_id: Option<MediaKey>,
    #[serde(rename = "parentItemID", deserialize_with = "loose::opt_id")]
    pub(super) parent_item_id: Option<MediaKey>,
    #[serde(rename = "rootItemID", deserialize_with = "loose::opt_id")]
    pub(super) root_item_id: Option<MediaKey>,
    #[serde(rename = "type", deserialize_with = "loose::opt_num")]
    pub(super) kind: Option<u32>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) state: Option<u8>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) metadata_state: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) media_state: Option<String>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) updated_at: Option<DateTime<Utc>>,
}

/// An `activity` frame entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ActivityNotification {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) event: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) uuid: Option<String>,
    #[serde(rename = "Activity")]
    pub(super) activity: Option<Activity>,
}

/// The `Activity` of an activity entry (same fields as `/activities`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Activity {
    #[serde(rename = "type", deserialize_with = "loose::opt_text")]
    pub(super) kind: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) subtitle: Option<String>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) progress: Option<f64>,
    #[serde(rename = "userID", deserialize_with = "loose::opt_id")]
    pub(super) user_id: Option<ExternalUserId>,
}

/// A `status` frame entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct StatusNotification {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) description: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) notification_name: Option<String>,
}

/// A `reachability` frame entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Reachability {
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) reachability: Option<bool>,
}

/// The JSON part of a webhook call.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WebhookPayload {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) event: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) user: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) owner: Option<bool>,
    #[serde(rename = "Account")]
    pub(super) account: Option<User>,
    #[serde(rename = "Server")]
    pub(super) server: Option<WebhookServer>,
    #[serde(rename = "Player")]
    pub(super) player: Option<Player>,
    #[serde(rename = "Metadata")]
    pub(super) metadata: Option<Metadata>,
}

/// A webhook's `Server`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WebhookServer {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) uuid: Option<ServerId>,
}

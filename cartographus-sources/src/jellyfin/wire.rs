//! Private serde mirrors of Jellyfin's own shapes (10.11 and 12 OpenAPI): the
//! `SessionInfoDto` (with `IsActive`, `LastPlaybackCheckIn`, `LastPausedDate`, which
//! Emby lacks), its `TranscodingInfo` (`HardwareAccelerationType`), and the flat JSON
//! the Webhook plugin renders from its template variables (`NotificationType`,
//! `ItemId`, `PlaybackPositionTicks`, `Provider_imdb` …).

use cartographus_core::{DeviceId, ExternalUserId, MediaKey, ServerId};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::loose::{self, Scalar};
use crate::mediabrowser::wire::{opt_guid, Item, PlayState};

/// A `SessionInfoDto`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct SessionInfo {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) id: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(super) user_id: Option<ExternalUserId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) user_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) user_primary_image_tag: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) client: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) application_version: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) device_id: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) device_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) device_type: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) remote_end_point: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_active: Option<bool>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) last_activity_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) last_playback_check_in: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) last_paused_date: Option<DateTime<Utc>>,
    pub(super) now_playing_item: Option<Item>,
    pub(super) play_state: Option<PlayState>,
    pub(super) transcoding_info: Option<TranscodingInfo>,
}

/// Jellyfin's `TranscodingInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct TranscodingInfo {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) audio_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) video_codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) container: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_video_direct: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_audio_direct: Option<bool>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) bitrate: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) width: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) height: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) audio_channels: Option<u8>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) hardware_acceleration_type: Option<String>,
    #[serde(deserialize_with = "loose::seq")]
    pub(super) transcode_reasons: Vec<Scalar>,
}

/// The Webhook plugin's JSON, as its documented template variables name the fields.
/// Templates often quote every value, so everything is read loosely.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WebhookPayload {
    #[serde(rename = "NotificationType", deserialize_with = "loose::opt_text")]
    pub(super) notification_type: Option<String>,
    #[serde(rename = "ServerId", deserialize_with = "opt_guid")]
    pub(super) server_id: Option<ServerId>,
    #[serde(rename = "ServerName", deserialize_with = "loose::opt_text")]
    pub(super) server_name: Option<String>,
    #[serde(rename = "Id", deserialize_with = "loose::opt_text")]
    pub(super) session_id: Option<String>,
    #[serde(rename = "UserId", deserialize_with = "opt_guid")]
    pub(super) user_id: Option<ExternalUserId>,
    #[serde(rename = "NotificationUsername", deserialize_with = "loose::opt_text")]
    pub(super) notification_username: Option<String>,
    #[serde(rename = "Username", deserialize_with = "loose::opt_text")]
    pub(super) username: Option<String>,
    #[serde(rename = "ItemId", deserialize_with = "opt_guid")]
    pub(super) item_id: Option<MediaKey>,
    #[serde(rename = "ItemType", deserialize_with = "loose::opt_text")]
    pub(super) item_type: Option<String>,
    #[serde(rename = "Name", deserialize_with = "loose::opt_text")]
    pub(super) name: Option<String>,
    #[serde(rename = "SeriesName", deserialize_with = "loose::opt_text")]
    pub(super) series_name: Option<String>,
    #[serde(rename = "SeriesId", deserialize_with = "opt_guid")]
    pub(super) series_id: Option<MediaKey>,
    #[serde(rename = "SeasonId", deserialize_with = "opt_guid")]
    pub(super) season_id: Option<MediaKey>,
    #[serde(rename = "SeasonNumber", deserialize_with = "loose::opt_num")]
    pub(super) season_number: Option<u32>,
    #[serde(rename = "EpisodeNumber", deserialize_with = "loose::opt_num")]
    pub(super) episode_number: Option<u32>,
    #[serde(rename = "Album", deserialize_with = "loose::opt_text")]
    pub(super) album: Option<String>,
    #[serde(rename = "Artist", deserialize_with = "loose::opt_text")]
    pub(super) artist: Option<String>,
    #[serde(rename = "Year", deserialize_with = "loose::opt_num")]
    pub(super) year: Option<u16>,
    #[serde(rename = "Genres", deserialize_with = "loose::opt_text")]
    pub(super) genres: Option<String>,
    #[serde(rename = "Provider_imdb", deserialize_with = "loose::opt_text")]
    pub(super) provider_imdb: Option<String>,
    #[serde(rename = "Provider_tmdb", deserialize_with = "loose::opt_text")]
    pub(super) provider_tmdb: Option<String>,
    #[serde(rename = "Provider_tvdb", deserialize_with = "loose::opt_text")]
    pub(super) provider_tvdb: Option<String>,
    #[serde(rename = "RunTimeTicks", deserialize_with = "loose::opt_i64")]
    pub(super) run_time_ticks: Option<i64>,
    #[serde(rename = "PlaybackPositionTicks", deserialize_with = "loose::opt_i64")]
    pub(super) playback_position_ticks: Option<i64>,
    #[serde(rename = "IsPaused", deserialize_with = "loose::opt_bool")]
    pub(super) is_paused: Option<bool>,
    #[serde(rename = "PlayedToCompletion", deserialize_with = "loose::opt_bool")]
    pub(super) played_to_completion: Option<bool>,
    #[serde(rename = "PlayMethod", deserialize_with = "loose::opt_text")]
    pub(super) play_method: Option<String>,
    #[serde(rename = "DeviceId", deserialize_with = "loose::opt_id")]
    pub(super) device_id: Option<DeviceId>,
    #[serde(rename = "DeviceName", deserialize_with = "loose::opt_text")]
    pub(super) device_name: Option<String>,
    #[serde(rename = "ClientName", deserialize_with = "loose::opt_text")]
    pub(super) client_name: Option<String>,
    #[serde(rename = "Client", deserialize_with = "loose::opt_text")]
    pub(super) client: Option<String>,
    #[serde(rename = "RemoteEndPoint", deserialize_with = "loose::opt_text")]
    pub(super) remote_end_point: Option<String>,
}

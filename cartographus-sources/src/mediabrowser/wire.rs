//! Private serde mirrors of the parts of the MediaBrowser API that Jellyfin (10.11, 12)
//! and Emby (4.8) still share field for field: `BaseItemDto` (the subset we read),
//! `MediaStream`, `MediaSourceInfo`, `PlayerStateInfo` (common fields), `UserDto`,
//! `SystemInfo`, and the WebSocket envelope and payloads. Session and transcoding
//! structs differ between the two and live in `jellyfin::wire` / `emby::wire`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::loose::{self, Scalar};

/// A GUID written as Jellyfin's JSON (`"N"`, 32 hex digits) and the webhook plugin
/// (`"D"`, dashed) write it, folded to the `"N"` form so both name one user, item or
/// server. Other text (Emby's numeric item ids) is kept as it is; the all-zero GUID
/// (`Guid.Empty`) means "none".
pub(crate) fn fold_guid(s: &str) -> Option<String> {
    let s = s.trim();
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let looks_like_guid = hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (s.len() == 32 || (s.len() == 36 && s.matches('-').count() == 4));
    if !looks_like_guid {
        return Some(s.to_owned()).filter(|s| !s.is_empty());
    }
    if hex.chars().all(|c| c == '0') {
        return None;
    }
    Some(hex.to_ascii_lowercase())
}

/// An optional id that may be a GUID in either form (see [`fold_guid`]).
pub(crate) fn opt_guid<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<String>,
    T::Error: fmt::Display,
{
    let text = loose::opt_text(d)?;
    text.as_deref()
        .and_then(fold_guid)
        .map(|t| T::try_from(t).map_err(serde::de::Error::custom))
        .transpose()
}

/// The `BaseItemDto` fields Cartographus reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct Item {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) id: Option<cartographus_core::MediaKey>,
    #[serde(rename = "Type", deserialize_with = "loose::opt_text")]
    pub(crate) kind: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) series_name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) series_id: Option<cartographus_core::MediaKey>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) season_name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) season_id: Option<cartographus_core::MediaKey>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) parent_index_number: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) index_number: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) production_year: Option<u16>,
    #[serde(deserialize_with = "loose::nullable")]
    pub(crate) provider_ids: BTreeMap<String, Scalar>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) run_time_ticks: Option<i64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) official_rating: Option<String>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) genres: Vec<Scalar>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) album: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) album_id: Option<cartographus_core::MediaKey>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) album_artist: Option<String>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) artists: Vec<Scalar>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) channel_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) is_live: Option<bool>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) container: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) width: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) height: Option<u32>,
    /// Emby only: the item's bitrate in bit/s.
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) bitrate: Option<u64>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) media_streams: Vec<MediaStream>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) media_sources: Vec<MediaSource>,
    pub(crate) current_program: Option<Box<Item>>,
}

/// A `MediaStream`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct MediaStream {
    #[serde(rename = "Type", deserialize_with = "loose::opt_text")]
    pub(crate) kind: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) codec: Option<String>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) index: Option<i64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) channels: Option<u8>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) width: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) height: Option<u32>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) video_range: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) video_range_type: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) is_default: Option<bool>,
}

/// A `MediaSourceInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct MediaSource {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) id: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) container: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) bitrate: Option<u64>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) media_streams: Vec<MediaStream>,
}

/// The `PlayerStateInfo` fields both servers send.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct PlayState {
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) position_ticks: Option<i64>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) is_paused: Option<bool>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) play_method: Option<String>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) audio_stream_index: Option<i64>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) subtitle_stream_index: Option<i64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) media_source_id: Option<String>,
}

/// A `UserDto` (`/Users`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct User {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) id: Option<cartographus_core::ExternalUserId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) primary_image_tag: Option<String>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(crate) last_activity_date: Option<DateTime<Utc>>,
    pub(crate) policy: Option<UserPolicy>,
}

/// The `UserPolicy` flags we read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct UserPolicy {
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) is_administrator: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) is_disabled: Option<bool>,
}

/// `SystemInfo` / `PublicSystemInfo`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SystemInfo {
    #[serde(deserialize_with = "required_guid")]
    pub(crate) id: cartographus_core::ServerId,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(crate) server_name: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(crate) version: Option<String>,
}

fn required_guid<'de, D: Deserializer<'de>>(d: D) -> Result<cartographus_core::ServerId, D::Error> {
    opt_guid(d)?.ok_or_else(|| serde::de::Error::custom("expected a server id"))
}

/// The WebSocket envelope `{MessageType, Data, MessageId}` (the id is not needed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Envelope {
    #[serde(deserialize_with = "loose::opt_text", default)]
    pub(crate) message_type: Option<String>,
    #[serde(default)]
    pub(crate) data: serde_json::Value,
}

/// A `PlaystateRequest` (a remote-control command for a client).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct PlaystateRequest {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(crate) command: Option<String>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) seek_position_ticks: Option<i64>,
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) controlling_user_id: Option<cartographus_core::ExternalUserId>,
}

/// A `UserDataChangeInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct UserDataChangeInfo {
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) user_id: Option<cartographus_core::ExternalUserId>,
    #[serde(deserialize_with = "loose::seq")]
    pub(crate) user_data_list: Vec<UserItemData>,
}

/// A `UserItemDataDto`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct UserItemData {
    #[serde(deserialize_with = "opt_guid")]
    pub(crate) item_id: Option<cartographus_core::MediaKey>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(crate) playback_position_ticks: Option<i64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(crate) play_count: Option<u32>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(crate) played: Option<bool>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(crate) played_percentage: Option<f64>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(crate) last_played_date: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_fold() {
        assert_eq!(
            fold_guid("D2F7E0C6-1B2A-4C3D-8E9F-0A1B2C3D4E5F").as_deref(),
            Some("d2f7e0c61b2a4c3d8e9f0a1b2c3d4e5f")
        );
        assert_eq!(
            fold_guid("d2f7e0c61b2a4c3d8e9f0a1b2c3d4e5f").as_deref(),
            Some("d2f7e0c61b2a4c3d8e9f0a1b2c3d4e5f")
        );
        assert_eq!(fold_guid("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(fold_guid("240252").as_deref(), Some("240252"));
        assert_eq!(fold_guid(" "), None);
    }
}

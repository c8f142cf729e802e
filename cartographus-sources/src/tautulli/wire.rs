//! Private serde mirrors of Tautulli's API v2 answers: the envelope
//! `{"response": {"result", "message", "data"}}`, the `get_history` page and row, the
//! `get_users` entry and `get_server_info`. Tautulli mixes numbers, numeric strings
//! and empty strings freely, so every field is read loosely.

use cartographus_core::{DeviceId, ExternalUserId, MediaKey, ServerId};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::loose;

/// `{"response": …}`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    pub(super) response: Response,
}

/// The response: `result` is `success` or `error`.
#[derive(Debug, Deserialize)]
pub(super) struct Response {
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(super) result: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(super) message: Option<String>,
    #[serde(default)]
    pub(super) data: serde_json::Value,
}

/// The `data` of `get_history`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct HistoryData {
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) draw: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) records_total: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) records_filtered: Option<u64>,
    #[serde(deserialize_with = "loose::seq")]
    pub(super) data: Vec<HistoryRow>,
}

/// One `get_history` row.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct HistoryRow {
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) row_id: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) id: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) reference_id: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) group_count: Option<u32>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) started: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) stopped: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) paused_counter: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) play_duration: Option<u64>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) duration: Option<u64>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) percent_complete: Option<f64>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) watched_status: Option<f64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) state: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) user_id: Option<ExternalUserId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) user: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) friendly_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) ip_address: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) location: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) secure: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) relayed: Option<bool>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) platform: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) product: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) player: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) machine_id: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) media_type: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) parent_rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) grandparent_rating_key: Option<MediaKey>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) parent_title: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) grandparent_title: Option<String>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) media_index: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) parent_media_index: Option<u32>,
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) year: Option<u16>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) guid: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) section_id: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) transcode_decision: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) live: Option<bool>,
}

/// One `get_users` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct User {
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) user_id: Option<ExternalUserId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) username: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) friendly_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) email: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) thumb: Option<String>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_active: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_admin: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) is_home_user: Option<bool>,
}

/// The `data` of `get_server_info`.
#[derive(Debug, Deserialize)]
pub(super) struct ServerInfo {
    #[serde(deserialize_with = "loose::id")]
    pub(super) pms_identifier: ServerId,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(super) pms_name: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub(super) pms_version: Option<String>,
}

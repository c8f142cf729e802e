//! Private serde mirrors of Emby's own shapes (4.8 OpenAPI): `Session.SessionInfo`
//! (no `IsActive` or `LastPlaybackCheckIn`, but `InternalDeviceId` and `Protocol`), its
//! `TranscodingInfo` (per-stage hardware flags `VideoDecoderIsHardware`,
//! `VideoEncoderIsHardware`, and CPU usage), and Emby's webhook JSON
//! (`Event`, `User`, `Item`, `Server`, `Session`, `PlaybackInfo`).

use cartographus_core::{DeviceId, ExternalUserId, ServerId};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::loose::{self, Scalar};
use crate::mediabrowser::wire::{opt_guid, Item, PlayState};

/// A `Session.SessionInfo`.
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
    #[serde(deserialize_with = "loose::opt_num")]
    pub(super) internal_device_id: Option<u64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) device_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) device_type: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) remote_end_point: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) protocol: Option<String>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) last_activity_date: Option<DateTime<Utc>>,
    pub(super) now_playing_item: Option<Item>,
    pub(super) play_state: Option<PlayState>,
    pub(super) transcoding_info: Option<TranscodingInfo>,
}

/// Emby's `TranscodingInfo`.
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
    #[serde(deserialize_with = "loose::seq")]
    pub(super) transcode_reasons: Vec<Scalar>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) video_decoder_is_hardware: Option<bool>,
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) video_encoder_is_hardware: Option<bool>,
    #[serde(deserialize_with = "loose::opt_f64")]
    pub(super) current_cpu_usage: Option<f64>,
}

/// Emby's webhook body.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct WebhookPayload {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) event: Option<String>,
    #[serde(deserialize_with = "loose::opt_time")]
    pub(super) date: Option<DateTime<Utc>>,
    pub(super) user: Option<WebhookUser>,
    pub(super) item: Option<Item>,
    pub(super) server: Option<WebhookServer>,
    pub(super) session: Option<WebhookSession>,
    pub(super) playback_info: Option<PlaybackInfo>,
}

/// A webhook's `User`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct WebhookUser {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(super) id: Option<ExternalUserId>,
}

/// A webhook's `Server`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct WebhookServer {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) name: Option<String>,
    #[serde(deserialize_with = "opt_guid")]
    pub(super) id: Option<ServerId>,
}

/// A webhook's `Session`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct WebhookSession {
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) id: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) remote_end_point: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) client: Option<String>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) device_name: Option<String>,
    #[serde(deserialize_with = "loose::opt_id")]
    pub(super) device_id: Option<DeviceId>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) application_version: Option<String>,
}

/// A webhook's `PlaybackInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(super) struct PlaybackInfo {
    #[serde(deserialize_with = "loose::opt_bool")]
    pub(super) played_to_completion: Option<bool>,
    #[serde(deserialize_with = "loose::opt_i64")]
    pub(super) position_ticks: Option<i64>,
    #[serde(deserialize_with = "loose::opt_text")]
    pub(super) media_source_id: Option<String>,
}

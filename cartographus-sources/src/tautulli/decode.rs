//! Tautulli API v2 answers, decoded: the envelope (an `error` result becomes a typed
//! [`TautulliApiError`]), `get_history` pages into playback events, `get_users` and
//! `get_server_info`.
//!
//! A history row becomes a stopped [`PlaybackEvent`] of [`Source::Tautulli`]: its
//! session key is the row id (`session_history.id`), so the same row imported over the
//! API or from the SQLite file gets the same event id; its user id is derived from the
//! Plex account id, so it agrees with live Plex ingestion of the same server.

use cartographus_core::{
    derive_user_id, parse_endpoint, Account, ContentInfo, EventParts, ExternalIds, MediaType,
    Platform, PlaybackEvent, PlaybackState, ServerId, SessionKey, Source, Timing,
    TranscodeDecision,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire;
use crate::error::DecodeError;
use crate::json;
use crate::server::{ServerIdentity, ServerUser};

/// What Tautulli said when a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TautulliApiError {
    /// The API is switched off in Tautulli's settings.
    #[error("the Tautulli API is not enabled")]
    ApiDisabled,
    /// Tautulli has no (valid) API key configured.
    #[error("Tautulli has no API key generated")]
    ApiKeyNotGenerated,
    /// The key was missing or wrong.
    #[error("invalid Tautulli API key")]
    InvalidApiKey,
    /// The command does not exist (an old Tautulli, or a typo).
    #[error("Tautulli does not know the command")]
    UnknownCommand,
    /// Any other failure, with Tautulli's message if it gave one.
    #[error("Tautulli reported an error: {}", message.as_deref().unwrap_or("(no message)"))]
    Failed {
        /// The `message` of the response.
        message: Option<String>,
    },
}

impl TautulliApiError {
    fn classify(message: Option<String>) -> Self {
        let lower = message.as_deref().unwrap_or_default().to_ascii_lowercase();
        if lower.starts_with("api not enabled") {
            TautulliApiError::ApiDisabled
        } else if lower.starts_with("api key not generated") {
            TautulliApiError::ApiKeyNotGenerated
        } else if lower.starts_with("invalid apikey")
            || lower.starts_with("parameter apikey is required")
        {
            TautulliApiError::InvalidApiKey
        } else if lower.starts_with("unknown command") {
            TautulliApiError::UnknownCommand
        } else {
            TautulliApiError::Failed { message }
        }
    }
}

/// Why a Tautulli answer could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TautulliError {
    /// Tautulli answered with an error envelope.
    #[error(transparent)]
    Api(#[from] TautulliApiError),
    /// The answer is not Tautulli's format.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// One row of `get_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryRow {
    /// The row id (`session_history.id`).
    pub row_id: u64,
    /// The first row of the group of resumed plays this row belongs to.
    pub reference_id: Option<u64>,
    /// With `grouping=1`: how many rows the group has.
    pub group_count: Option<u32>,
    /// The play.
    pub event: PlaybackEvent,
}

/// A page of `get_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryPage {
    /// Tautulli's `draw` echo.
    pub draw: Option<u64>,
    /// Rows in the whole history.
    pub records_total: Option<u64>,
    /// Rows matching the query's filters (the total to page through).
    pub records_filtered: Option<u64>,
    /// The rows that could be turned into plays.
    pub rows: Vec<HistoryRow>,
    /// Rows skipped for lack of a row id, user, item or start time.
    pub skipped: usize,
}

/// Unwraps the envelope: the `data` of a success, or the typed error of a failure.
fn data_of<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, TautulliError> {
    let env: wire::Envelope = json::from_slice(bytes)?;
    let r = env.response;
    if r.result.as_deref() != Some("success") {
        return Err(TautulliApiError::classify(r.message).into());
    }
    Ok(json::from_value(r.data, "response.data")?)
}

/// Decodes a `get_history` answer for the Plex server `server` (the
/// `pms_identifier` of [`decode_server_info`]).
pub fn decode_history(bytes: &[u8], server: &ServerId) -> Result<HistoryPage, TautulliError> {
    let data: wire::HistoryData = data_of(bytes)?;
    let total = data.data.len();
    let rows: Vec<HistoryRow> = data
        .data
        .into_iter()
        .filter_map(|row| row_of(row, server))
        .collect();
    Ok(HistoryPage {
        draw: data.draw,
        records_total: data.records_total,
        records_filtered: data.records_filtered,
        skipped: total - rows.len(),
        rows,
    })
}

/// Decodes a `get_users` answer; users without a `user_id` are skipped.
pub fn decode_users(bytes: &[u8]) -> Result<Vec<ServerUser>, TautulliError> {
    let users: Vec<wire::User> = data_of(bytes)?;
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let mut account = Account::new(u.user_id?, u.username.unwrap_or_default());
            account.friendly_name = u.friendly_name;
            account.email = u.email;
            account.thumb = u.thumb;
            let mut user = ServerUser::new(account);
            user.is_admin = u.is_admin;
            user.is_disabled = u.is_active.map(|a| !a);
            user.is_home_user = u.is_home_user;
            Some(user)
        })
        .collect())
}

/// Decodes a `get_server_info` answer: the Plex server behind Tautulli.
pub fn decode_server_info(bytes: &[u8]) -> Result<ServerIdentity, TautulliError> {
    let info: wire::ServerInfo = data_of(bytes)?;
    let mut id = ServerIdentity::new(Platform::Plex, info.pms_identifier);
    id.name = info.pms_name;
    id.version = info.pms_version;
    Ok(id)
}

fn row_of(row: wire::HistoryRow, server: &ServerId) -> Option<HistoryRow> {
    let row_id = row.row_id.or(row.id)?;
    let started_at = row.started.or(row.date)?;
    let external = row.user_id.clone()?;
    let media_key = row.rating_key.clone()?;
    let session_key = SessionKey::new(row_id.to_string()).ok()?;

    let live = row.live == Some(true) || row.media_type.as_deref() == Some("live");
    let media_type = if live {
        MediaType::Live
    } else {
        MediaType::from_wire(row.media_type.as_deref().unwrap_or_default())
    };
    let mut content =
        ContentInfo::new(media_type, media_key, row.title.clone().unwrap_or_default());
    content.parent_title = row.parent_title.clone();
    content.grandparent_title = row.grandparent_title.clone();
    content.parent_media_key = row.parent_rating_key.clone();
    content.grandparent_media_key = row.grandparent_rating_key.clone();
    content.season = row.parent_media_index;
    content.episode = row.media_index;
    content.year = row.year;
    content.library_id = row.section_id.clone();
    content.guid = row.guid.clone();
    let mut ids = ExternalIds::default();
    if let Some(g) = &row.guid {
        ids.add_plex_guid(g);
    }
    content.external_ids = ids;

    let stopped_at = row.stopped.filter(|s| *s >= started_at);
    let paused_s = row.paused_counter.unwrap_or(0);
    let wall_s = stopped_at
        .map(|s| u64::try_from((s - started_at).num_seconds()).unwrap_or(0))
        .unwrap_or(0);
    let mut timing = Timing::started(started_at);
    timing.stopped_at = stopped_at;
    timing.updated_at = stopped_at.unwrap_or(started_at);
    timing.paused_s = paused_s;
    timing.play_duration_s = row
        .play_duration
        .or(row.duration)
        .unwrap_or_else(|| wall_s.saturating_sub(paused_s));
    timing.percent_complete = row.percent_complete.unwrap_or(0.0).clamp(0.0, 100.0);
    timing.watched = row.watched_status.is_some_and(|w| w >= 1.0);
    timing.state = match (stopped_at, row.state.as_deref()) {
        (Some(_), _) => PlaybackState::Stopped,
        (None, Some(s)) => s.parse().unwrap_or(PlaybackState::Playing),
        (None, None) => PlaybackState::Stopped,
    };

    let mut account = Account::new(external.clone(), row.user.clone().unwrap_or_default());
    account.friendly_name = row.friendly_name.clone();
    let user_id = derive_user_id(Platform::Plex, server, &external);
    let mut parts = EventParts::new(
        Source::Tautulli,
        server.clone(),
        session_key,
        timing,
        account.to_user_info(user_id),
        content,
    );
    parts.network.ip = row.ip_address.as_deref().and_then(parse_endpoint);
    parts.network.location = row.location.as_deref().and_then(|l| l.parse().ok());
    parts.network.secure = row.secure;
    parts.network.relayed = row.relayed;
    parts.device.platform = row.platform.clone();
    parts.device.product = row.product.clone();
    parts.device.player = row.player.clone();
    parts.device.device_id = row.machine_id.clone();
    parts.quality.transcode_decision = row
        .transcode_decision
        .as_deref()
        .and_then(TranscodeDecision::from_wire);
    parts.live = live;
    Some(HistoryRow {
        row_id,
        reference_id: row.reference_id,
        group_count: row.group_count,
        event: PlaybackEvent::assemble(parts),
    })
}

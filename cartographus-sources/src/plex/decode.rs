//! Plex's REST answers, decoded: `/status/sessions` into [`RemoteSession`]s,
//! `/status/sessions/history/all` into [`PlexHistoryEntry`]s, `/identity` into a
//! [`ServerIdentity`]; plus the item, device, network and quality mappings the
//! WebSocket and webhook decoders share.
//!
//! Decisions follow Tautulli's reading of a session: without a `TranscodeSession` the
//! stream is played directly; with one, the video and audio decisions come from it
//! (`transcode`, `copy`, absent = direct play), and the overall decision is the worst
//! of the two (`transcode` > `copy` > `direct play`).

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, DeviceInfo, EventParts, ExternalIds,
    ExternalUserId, MediaKey, MediaType, NetworkInfo, NetworkLocation, Platform, PlaybackEvent,
    PlaybackState, QualityInfo, ServerId, SessionKey, SessionSnapshot, Source, StreamDecision,
    Timing, TranscodeDecision,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::wire;
use crate::error::{missing, DecodeError};
use crate::json;
use crate::remote::{RemoteSession, RemoteSessionId};
use crate::server::ServerIdentity;
use crate::units::resolution_label;

/// Decodes `/status/sessions`: every session the server is playing now.
///
/// Sessions without a user (an unclaimed server) or without a recognisable item are
/// kept, with `user`/`content` set to `None`; the session tracker reports them. A
/// session without a `sessionKey` fails the whole answer, with its JSON path.
pub fn decode_sessions(bytes: &[u8]) -> Result<Vec<RemoteSession>, DecodeError> {
    let env: wire::Envelope<wire::MetadataContainer> = json::from_slice(bytes)?;
    env.media_container
        .metadata
        .into_iter()
        .enumerate()
        .map(|(i, meta)| {
            let path = format!("MediaContainer.Metadata[{i}].sessionKey");
            let key = meta
                .session_key
                .clone()
                .ok_or_else(|| missing(path, "sessionKey"))?;
            Ok(session_of(key, &meta))
        })
        .collect()
}

/// Decodes `/identity`: the server's `machineIdentifier`, version and claim state.
pub fn decode_identity(bytes: &[u8]) -> Result<ServerIdentity, DecodeError> {
    let env: wire::Envelope<wire::Identity> = json::from_slice(bytes)?;
    let c = env.media_container;
    let mut id = ServerIdentity::new(Platform::Plex, c.machine_identifier);
    id.version = c.version;
    id.claimed = c.claimed;
    Ok(id)
}

/// One row of Plex's own play history (`/status/sessions/history/all`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlexHistoryEntry {
    /// The row's key: its `historyKey` (`/status/sessions/history/1`), or
    /// `history:{ratingKey}:{viewedAt}` when the row has none.
    pub session_key: SessionKey,
    /// The account that watched.
    pub account_id: ExternalUserId,
    /// The device, as Plex's numeric device id.
    pub device_id: Option<DeviceId>,
    /// When the item was marked watched.
    pub viewed_at: DateTime<Utc>,
    /// The item.
    pub content: ContentInfo,
    /// The item's length, in ms, if the row carries it.
    pub media_duration_ms: Option<u64>,
}

/// A page of Plex history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlexHistoryPage {
    /// The rows, in the server's order.
    pub entries: Vec<PlexHistoryEntry>,
    /// The number of rows on the server (`totalSize`), when paged.
    pub total: Option<u64>,
    /// The page's first row (`offset`), when paged.
    pub offset: Option<u64>,
}

/// Decodes `/status/sessions/history/all`. Rows without an account, a time or an item
/// carry nothing to record and are skipped.
pub fn decode_history(bytes: &[u8]) -> Result<PlexHistoryPage, DecodeError> {
    let env: wire::Envelope<wire::MetadataContainer> = json::from_slice(bytes)?;
    let c = env.media_container;
    let entries = c
        .metadata
        .into_iter()
        .filter_map(|meta| {
            let content = content_of(&meta)?;
            let viewed_at = meta.viewed_at?;
            let session_key = meta
                .history_key
                .as_deref()
                .and_then(|k| SessionKey::new(k).ok())
                .or_else(|| {
                    let k = format!("history:{}:{}", content.media_key, viewed_at.timestamp());
                    SessionKey::new(k).ok()
                })?;
            Some(PlexHistoryEntry {
                session_key,
                account_id: meta.account_id.clone()?,
                device_id: meta.device_id.clone(),
                viewed_at,
                media_duration_ms: meta.duration,
                content,
            })
        })
        .collect();
    Ok(PlexHistoryPage {
        entries,
        total: c.total_size.or(c.size),
        offset: c.offset,
    })
}

impl PlexHistoryEntry {
    /// The entry as a stopped play of [`Source::PlexHistory`]. Plex records only when an
    /// item was watched, so the play is taken to have run for the item's whole length
    /// and ended at `viewed_at`, watched. `username` is the account's name if the
    /// caller knows it (history rows carry only the account id), else the id is used.
    pub fn to_event(&self, server: &ServerId, username: Option<&str>) -> PlaybackEvent {
        let played_ms = self.media_duration_ms.unwrap_or(0);
        let played = Duration::milliseconds(i64::try_from(played_ms).unwrap_or(0));
        let started_at = self
            .viewed_at
            .checked_sub_signed(played)
            .unwrap_or(self.viewed_at);
        let mut timing = Timing::started(started_at);
        timing.updated_at = self.viewed_at;
        timing.stopped_at = Some(self.viewed_at);
        timing.play_duration_s = played_ms / 1000;
        timing.media_duration_ms = self.media_duration_ms;
        timing.view_offset_ms = self.media_duration_ms;
        timing.percent_complete = if self.media_duration_ms.is_some() {
            100.0
        } else {
            0.0
        };
        timing.state = PlaybackState::Stopped;
        timing.watched = true;
        let account = Account::new(
            self.account_id.clone(),
            username.unwrap_or(self.account_id.as_str()),
        );
        let user_id = derive_user_id(Platform::Plex, server, &self.account_id);
        let mut parts = EventParts::new(
            Source::PlexHistory,
            server.clone(),
            self.session_key.clone(),
            timing,
            account.to_user_info(user_id),
            self.content.clone(),
        );
        parts.device.device_id = self.device_id.clone();
        parts.live = self.content.media_type == MediaType::Live;
        PlaybackEvent::assemble(parts)
    }
}

/// A session list entry from a metadata item.
pub(super) fn session_of(key: SessionKey, meta: &wire::Metadata) -> RemoteSession {
    let player = meta.player.as_ref();
    let state = state_of(player.and_then(|p| p.state.as_deref()));
    let mut snap = SessionSnapshot::new(key, state);
    snap.user = meta.user.as_ref().and_then(account_of);
    snap.content = content_of(meta);
    snap.view_offset_ms = meta.view_offset;
    snap.media_duration_ms = meta
        .duration
        .or_else(|| meta.media.first().and_then(|m| m.duration));
    snap.device = player.map(device_of).unwrap_or_default();
    snap.network = network_of(player, meta.session.as_ref());
    snap.quality = quality_of(meta);
    snap.live = meta.live == Some(true);
    let remote_id = meta
        .session
        .as_ref()
        .and_then(|s| s.id.as_deref())
        .and_then(|id| RemoteSessionId::new(id).ok());
    RemoteSession::new(snap, remote_id)
}

/// Plex player states; anything unknown is taken as playing.
pub(super) fn state_of(state: Option<&str>) -> PlaybackState {
    match state.map(str::to_ascii_lowercase).as_deref() {
        Some("paused") => PlaybackState::Paused,
        Some("buffering") => PlaybackState::Buffering,
        Some("stopped") => PlaybackState::Stopped,
        _ => PlaybackState::Playing,
    }
}

pub(super) fn account_of(user: &wire::User) -> Option<Account> {
    let mut account = Account::new(user.id.clone()?, user.title.clone().unwrap_or_default());
    account.thumb = user.thumb.clone();
    Some(account)
}

/// The item of a metadata entry; `None` without any key to name it by.
pub(super) fn content_of(meta: &wire::Metadata) -> Option<ContentInfo> {
    let media_key = meta
        .rating_key
        .clone()
        .or_else(|| meta.guid.as_deref().and_then(|g| MediaKey::new(g).ok()))
        .or_else(|| meta.key.as_deref().and_then(|k| MediaKey::new(k).ok()))?;
    let media_type = if meta.live == Some(true) {
        MediaType::Live
    } else {
        meta.kind
            .as_deref()
            .map_or(MediaType::Other, MediaType::from_wire)
    };
    let mut c = ContentInfo::new(
        media_type,
        media_key,
        meta.title.clone().unwrap_or_default(),
    );
    c.parent_title = meta.parent_title.clone();
    c.grandparent_title = meta.grandparent_title.clone();
    c.parent_media_key = meta.parent_rating_key.clone();
    c.grandparent_media_key = meta.grandparent_rating_key.clone();
    c.season = meta.parent_index;
    c.episode = meta.index;
    c.year = meta.year;
    c.guid = meta.guid.clone();
    c.external_ids = external_ids(meta);
    c.library_id = meta.library_section_id.clone();
    c.library_name = meta.library_section_title.clone();
    c.content_rating = meta.content_rating.clone();
    c.genres = meta.genres.iter().filter_map(|g| g.tag.clone()).collect();
    Some(c)
}

fn external_ids(meta: &wire::Metadata) -> ExternalIds {
    let mut ids = ExternalIds::default();
    if let Some(g) = &meta.guid {
        ids.add_plex_guid(g);
    }
    for g in &meta.guids {
        if let Some(id) = &g.id {
            ids.add_plex_guid(id);
        }
    }
    ids
}

pub(super) fn device_of(player: &wire::Player) -> DeviceInfo {
    let mut d = DeviceInfo::default();
    d.platform = player.platform.clone();
    d.platform_version = player.platform_version.clone();
    d.product = player.product.clone();
    d.product_version = player.version.clone();
    d.player = player.title.clone();
    d.device_id = player
        .machine_identifier
        .clone()
        .or_else(|| player.uuid.clone());
    d
}

pub(super) fn network_of(
    player: Option<&wire::Player>,
    session: Option<&wire::Session>,
) -> NetworkInfo {
    let mut n = NetworkInfo::default();
    if let Some(p) = player {
        n.ip = p
            .address
            .as_deref()
            .and_then(cartographus_core::parse_endpoint);
        n.public_ip = p
            .remote_public_address
            .as_deref()
            .or(p.public_address.as_deref())
            .and_then(cartographus_core::parse_endpoint);
        n.secure = p.secure;
        n.relayed = p.relayed;
        n.location = p.local.map(|local| {
            if local {
                NetworkLocation::Lan
            } else {
                NetworkLocation::Wan
            }
        });
    }
    if let Some(s) = session {
        n.bandwidth_kbps = s.bandwidth;
        if let Some(loc) = s.location.as_deref().and_then(|l| l.parse().ok()) {
            n.location = Some(loc);
        }
    }
    n
}

/// The chosen version, part and streams of an item.
fn selected(meta: &wire::Metadata) -> (Option<&wire::Media>, Option<&wire::Part>) {
    let media = meta
        .media
        .iter()
        .find(|m| m.selected == Some(true))
        .or_else(|| meta.media.first());
    let part = media.and_then(|m| {
        m.parts
            .iter()
            .find(|p| p.selected == Some(true))
            .or_else(|| m.parts.first())
    });
    (media, part)
}

fn stream_of(part: Option<&wire::Part>, stream_type: u8) -> Option<&wire::Stream> {
    let mut of_type = part?
        .streams
        .iter()
        .filter(|s| s.stream_type == Some(stream_type));
    let first = of_type.clone().next();
    of_type
        .find(|s| s.selected == Some(true))
        .or(if stream_type == 3 { None } else { first })
}

pub(super) fn quality_of(meta: &wire::Metadata) -> QualityInfo {
    let (media, part) = selected(meta);
    let video = stream_of(part, 1);
    let audio = stream_of(part, 2);
    let subtitle = stream_of(part, 3);
    let ts = meta.transcode_session.as_ref();
    let mut q = QualityInfo::default();

    q.video_resolution = media.and_then(|m| {
        m.video_resolution
            .clone()
            .or_else(|| resolution_label(m.width, m.height))
    });
    q.video_codec = media
        .and_then(|m| m.video_codec.clone())
        .or_else(|| video.and_then(|s| s.codec.clone()));
    q.audio_codec = media
        .and_then(|m| m.audio_codec.clone())
        .or_else(|| audio.and_then(|s| s.codec.clone()));
    q.audio_channels = media
        .and_then(|m| m.audio_channels)
        .or_else(|| audio.and_then(|s| s.channels));
    q.bitrate_kbps = media.and_then(|m| m.bitrate);
    q.container = media.and_then(|m| m.container.clone());
    q.dynamic_range = video.map(dynamic_range_of);
    q.subtitle_codec = subtitle.and_then(|s| s.codec.clone());

    let has_video = video.is_some() || q.video_codec.is_some();
    let has_audio = audio.is_some() || q.audio_codec.is_some();
    let direct = StreamDecision::DirectPlay;
    match ts {
        Some(ts) => {
            let decision =
                |d: Option<&str>| d.and_then(StreamDecision::from_wire).unwrap_or(direct);
            q.video_decision = has_video.then(|| decision(ts.video_decision.as_deref()));
            q.audio_decision = has_audio.then(|| decision(ts.audio_decision.as_deref()));
            q.subtitle_decision = subtitle.map(|s| {
                ts.subtitle_decision
                    .as_deref()
                    .or(s.decision.as_deref())
                    .and_then(StreamDecision::from_wire)
                    .unwrap_or(direct)
            });
            q.stream_container = ts.container.clone().or_else(|| q.container.clone());
            q.stream_video_codec = ts.video_codec.clone().or_else(|| q.video_codec.clone());
            q.stream_audio_codec = ts.audio_codec.clone().or_else(|| q.audio_codec.clone());
            q.stream_audio_channels = ts.audio_channels.or(q.audio_channels);
            q.stream_video_resolution =
                resolution_label(ts.width, ts.height).or_else(|| q.video_resolution.clone());
            q.hw_decode = Some(ts.transcode_hw_decoding.is_some());
            q.hw_encode = Some(ts.transcode_hw_encoding.is_some());
        }
        None => {
            let decision = |s: Option<&wire::Stream>| {
                s.and_then(|s| s.decision.as_deref())
                    .and_then(StreamDecision::from_wire)
                    .unwrap_or(direct)
            };
            q.video_decision = has_video.then(|| decision(video));
            q.audio_decision = has_audio.then(|| decision(audio));
            q.subtitle_decision = subtitle.map(|s| decision(Some(s)));
            q.stream_container = q.container.clone();
            q.stream_video_codec = q.video_codec.clone();
            q.stream_audio_codec = q.audio_codec.clone();
            q.stream_audio_channels = q.audio_channels;
            q.stream_video_resolution = q.video_resolution.clone();
            q.stream_bitrate_kbps = q.bitrate_kbps;
        }
    }
    q.transcode_decision = overall(q.video_decision, q.audio_decision).or_else(|| {
        part.and_then(|p| p.decision.as_deref())
            .and_then(TranscodeDecision::from_wire)
    });
    q
}

/// The stream as a whole: transcode if any stream is transcoded, else copy if any is
/// copied, else direct play.
fn overall(
    video: Option<StreamDecision>,
    audio: Option<StreamDecision>,
) -> Option<TranscodeDecision> {
    if video.is_none() && audio.is_none() {
        return None;
    }
    let any = |d: StreamDecision| video == Some(d) || audio == Some(d);
    Some(
        if any(StreamDecision::Transcode) || any(StreamDecision::Burn) {
            TranscodeDecision::Transcode
        } else if any(StreamDecision::Copy) {
            TranscodeDecision::Copy
        } else {
            TranscodeDecision::DirectPlay
        },
    )
}

fn dynamic_range_of(video: &wire::Stream) -> String {
    if video.dovi_present == Some(true) {
        return "Dolby Vision".to_owned();
    }
    match video.color_trc.as_deref() {
        Some("smpte2084") => "HDR10",
        Some("arib-std-b67") => "HLG",
        _ => "SDR",
    }
    .to_owned()
}

//! The mapping Jellyfin and Emby share: a playing session (seen through
//! [`SessionView`], which each platform fills from its own `SessionInfo`) into a
//! [`SessionSnapshot`]; a `BaseItemDto` into a [`ContentInfo`]; `PlayMethod` and the
//! transcoding info into decisions; `/Users` and `/System/Info` into server types.
//!
//! Decisions: `PlayMethod` gives the overall decision (`DirectPlay`, `DirectStream` =
//! copy, `Transcode`). While transcoding, a stream the server marks direct
//! (`IsVideoDirect`/`IsAudioDirect`) is copied, the other is transcoded. Subtitles are
//! burned in when the transcode reasons name the subtitle codec.

use cartographus_core::{
    parse_endpoint, Account, ContentInfo, DeviceId, DeviceInfo, ExternalIds, ExternalUserId,
    MediaType, NetworkInfo, Platform, PlaybackState, QualityInfo, SessionKey, SessionSnapshot,
    StreamDecision, TranscodeDecision,
};

use super::wire::{Item, MediaStream, PlayState, SystemInfo, User};
use crate::remote::{RemoteSession, RemoteSessionId};
use crate::server::{ServerIdentity, ServerUser};
use crate::units::{dynamic_range, location_of, resolution_label, ticks_to_ms};

/// What a transcoding session says, in the fields both servers share, plus the
/// hardware flags each derives its own way.
#[derive(Debug, Default)]
pub(crate) struct Transcoding<'a> {
    pub(crate) video_codec: Option<&'a str>,
    pub(crate) audio_codec: Option<&'a str>,
    pub(crate) container: Option<&'a str>,
    pub(crate) is_video_direct: Option<bool>,
    pub(crate) is_audio_direct: Option<bool>,
    pub(crate) bitrate_bps: Option<u64>,
    pub(crate) width: Option<u32>,
    pub(crate) height: Option<u32>,
    pub(crate) audio_channels: Option<u8>,
    pub(crate) burns_subtitles: bool,
    pub(crate) hw_decode: Option<bool>,
    pub(crate) hw_encode: Option<bool>,
}

/// One playing session, in the fields both servers share.
#[derive(Debug)]
pub(crate) struct SessionView<'a> {
    pub(crate) key: SessionKey,
    pub(crate) user_id: Option<&'a ExternalUserId>,
    pub(crate) user_name: Option<&'a str>,
    pub(crate) user_image_tag: Option<&'a str>,
    pub(crate) client: Option<&'a str>,
    pub(crate) application_version: Option<&'a str>,
    pub(crate) device_id: Option<&'a DeviceId>,
    pub(crate) device_name: Option<&'a str>,
    pub(crate) device_type: Option<&'a str>,
    pub(crate) remote_end_point: Option<&'a str>,
    pub(crate) item: &'a Item,
    pub(crate) play_state: Option<&'a PlayState>,
    pub(crate) transcoding: Option<Transcoding<'a>>,
}

/// The session list entry of a playing session.
pub(crate) fn session_of(v: SessionView<'_>) -> RemoteSession {
    let remote_id = RemoteSessionId::new(v.key.as_str()).ok();
    let paused = v.play_state.and_then(|p| p.is_paused) == Some(true);
    let state = if paused {
        PlaybackState::Paused
    } else {
        PlaybackState::Playing
    };
    let mut snap = SessionSnapshot::new(v.key.clone(), state);
    snap.user = v.user_id.map(|id| {
        let mut a = Account::new(id.clone(), v.user_name.unwrap_or_default());
        a.thumb = v
            .user_image_tag
            .map(|tag| format!("/Users/{id}/Images/Primary?tag={tag}"));
        a
    });
    snap.content = content_of(v.item);
    snap.view_offset_ms = v
        .play_state
        .and_then(|p| p.position_ticks)
        .and_then(ticks_to_ms);
    snap.media_duration_ms = v.item.run_time_ticks.and_then(ticks_to_ms);
    snap.live = is_live(v.item);
    snap.device = device_of(&v);
    snap.network = network_of(v.remote_end_point);
    snap.quality = quality_of(v.item, v.play_state, v.transcoding.as_ref());
    RemoteSession::new(snap, remote_id)
}

pub(crate) fn device_of(v: &SessionView<'_>) -> DeviceInfo {
    let mut d = DeviceInfo::default();
    d.platform = v.device_type.map(str::to_owned);
    d.product = v.client.map(str::to_owned);
    d.product_version = v.application_version.map(str::to_owned);
    d.player = v.device_name.map(str::to_owned);
    d.device_id = v.device_id.cloned();
    d
}

/// The address of a `RemoteEndPoint` (`1.2.3.4`, `1.2.3.4:5678`, `[v6]:port`), with
/// LAN/WAN judged from the address class (these servers do not say).
pub(crate) fn network_of(remote_end_point: Option<&str>) -> NetworkInfo {
    let mut n = NetworkInfo::default();
    n.ip = remote_end_point.and_then(parse_endpoint);
    n.location = n.ip.and_then(location_of);
    n
}

const LIVE_TYPES: [&str; 6] = [
    "tvchannel",
    "livetvchannel",
    "program",
    "tvprogram",
    "livetvprogram",
    "channel",
];

pub(crate) fn is_live(item: &Item) -> bool {
    item.is_live == Some(true)
        || item
            .kind
            .as_deref()
            .is_some_and(|k| LIVE_TYPES.contains(&k.to_ascii_lowercase().as_str()))
}

/// The item of a `BaseItemDto`; `None` without an `Id`.
pub(crate) fn content_of(item: &Item) -> Option<ContentInfo> {
    let media_key = item.id.clone()?;
    let kind = item.kind.as_deref().unwrap_or_default();
    let media_type = if is_live(item) {
        MediaType::Live
    } else {
        MediaType::from_wire(kind)
    };
    let name = item.name.clone().unwrap_or_default();
    let program = item.current_program.as_deref().and_then(|p| p.name.clone());
    let mut c = match (media_type, program) {
        // A live channel: the programme is the title, the channel its "show".
        (MediaType::Live, Some(program)) => {
            let mut c = ContentInfo::new(media_type, media_key, program);
            c.grandparent_title = item.channel_name.clone().or(Some(name));
            c
        }
        _ => ContentInfo::new(media_type, media_key, name),
    };
    if media_type == MediaType::Track {
        c.parent_title = item.album.clone();
        c.parent_media_key = item.album_id.clone();
        c.grandparent_title = item
            .album_artist
            .clone()
            .or_else(|| item.artists.first().cloned().and_then(|a| a.into_text()));
    } else if media_type != MediaType::Live {
        c.parent_title = item.season_name.clone();
        c.parent_media_key = item.season_id.clone();
        c.grandparent_title = item.series_name.clone();
        c.grandparent_media_key = item.series_id.clone();
    }
    c.season = item.parent_index_number;
    c.episode = item.index_number;
    c.year = item.production_year;
    c.content_rating = item.official_rating.clone();
    c.genres = item
        .genres
        .iter()
        .cloned()
        .filter_map(|g| g.into_text())
        .collect();
    let mut ids = ExternalIds::default();
    let texts: Vec<(&str, String)> = item
        .provider_ids
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.clone().into_text()?)))
        .collect();
    ids.add_provider_ids(texts.iter().map(|(k, v)| (*k, v.as_str())));
    c.external_ids = ids;
    Some(c)
}

fn streams<'a>(
    item: &'a Item,
    play_state: Option<&PlayState>,
) -> (&'a [MediaStream], Option<&'a super::wire::MediaSource>) {
    let wanted = play_state.and_then(|p| p.media_source_id.as_deref());
    let source = item
        .media_sources
        .iter()
        .find(|s| wanted.is_some() && s.id.as_deref() == wanted)
        .or_else(|| item.media_sources.first());
    match source {
        Some(s) if !s.media_streams.is_empty() => (&s.media_streams, Some(s)),
        _ => (&item.media_streams, source),
    }
}

fn of_kind<'a>(
    streams: &'a [MediaStream],
    kind: &str,
) -> impl Iterator<Item = &'a MediaStream> + Clone {
    let kind = kind.to_owned();
    streams.iter().filter(move |s| {
        s.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(&kind))
    })
}

pub(crate) fn quality_of(
    item: &Item,
    play_state: Option<&PlayState>,
    t: Option<&Transcoding<'_>>,
) -> QualityInfo {
    let (streams, source) = streams(item, play_state);
    let video = of_kind(streams, "Video").next();
    let audio_index = play_state.and_then(|p| p.audio_stream_index);
    let audios = of_kind(streams, "Audio");
    let audio = audios
        .clone()
        .find(|s| audio_index.is_some() && s.index == audio_index)
        .or_else(|| audios.clone().find(|s| s.is_default == Some(true)))
        .or_else(|| audios.clone().next());
    let sub_index = play_state
        .and_then(|p| p.subtitle_stream_index)
        .filter(|i| *i >= 0);
    let subtitle =
        of_kind(streams, "Subtitle").find(|s| sub_index.is_some() && s.index == sub_index);

    let mut q = QualityInfo::default();
    q.video_resolution = video
        .and_then(|v| resolution_label(v.width, v.height))
        .or_else(|| resolution_label(item.width, item.height));
    q.video_codec = video.and_then(|v| v.codec.clone());
    q.audio_codec = audio.and_then(|a| a.codec.clone());
    q.audio_channels = audio.and_then(|a| a.channels);
    q.container = source
        .and_then(|s| s.container.clone())
        .or_else(|| item.container.clone());
    q.bitrate_kbps = source
        .and_then(|s| s.bitrate)
        .or(item.bitrate)
        .and_then(|b| u32::try_from(b / 1000).ok());
    q.dynamic_range = video
        .and_then(|v| v.video_range_type.as_deref().or(v.video_range.as_deref()))
        .map(dynamic_range);
    q.subtitle_codec = subtitle.and_then(|s| s.codec.clone());

    let method = play_state
        .and_then(|p| p.play_method.as_deref())
        .and_then(TranscodeDecision::from_wire)
        .or(t.map(|_| TranscodeDecision::Transcode));
    q.transcode_decision = method;
    let per_stream = |direct: Option<bool>| match method {
        Some(TranscodeDecision::DirectPlay) => StreamDecision::DirectPlay,
        Some(TranscodeDecision::Copy) => StreamDecision::Copy,
        _ if direct == Some(true) => StreamDecision::Copy,
        _ => StreamDecision::Transcode,
    };
    if method.is_some() {
        let has_video = video.is_some() || t.is_some_and(|t| t.video_codec.is_some());
        let has_audio = audio.is_some() || t.is_some_and(|t| t.audio_codec.is_some());
        q.video_decision = has_video.then(|| per_stream(t.and_then(|t| t.is_video_direct)));
        q.audio_decision = has_audio.then(|| per_stream(t.and_then(|t| t.is_audio_direct)));
        q.subtitle_decision = subtitle.map(|_| match method {
            Some(TranscodeDecision::DirectPlay) => StreamDecision::DirectPlay,
            Some(TranscodeDecision::Transcode) if t.is_some_and(|t| t.burns_subtitles) => {
                StreamDecision::Burn
            }
            _ => StreamDecision::Copy,
        });
    }
    match t.filter(|_| {
        method == Some(TranscodeDecision::Transcode) || method == Some(TranscodeDecision::Copy)
    }) {
        Some(t) => {
            q.stream_video_codec = t
                .video_codec
                .map(str::to_owned)
                .or_else(|| q.video_codec.clone());
            q.stream_audio_codec = t
                .audio_codec
                .map(str::to_owned)
                .or_else(|| q.audio_codec.clone());
            q.stream_container = t
                .container
                .map(str::to_owned)
                .or_else(|| q.container.clone());
            q.stream_audio_channels = t.audio_channels.or(q.audio_channels);
            q.stream_video_resolution =
                resolution_label(t.width, t.height).or_else(|| q.video_resolution.clone());
            q.stream_bitrate_kbps = t.bitrate_bps.and_then(|b| u32::try_from(b / 1000).ok());
            q.hw_decode = t.hw_decode;
            q.hw_encode = t.hw_encode;
        }
        None => {
            q.stream_video_codec = q.video_codec.clone();
            q.stream_audio_codec = q.audio_codec.clone();
            q.stream_container = q.container.clone();
            q.stream_audio_channels = q.audio_channels;
            q.stream_video_resolution = q.video_resolution.clone();
            q.stream_bitrate_kbps = q.bitrate_kbps;
        }
    }
    q
}

/// `/Users` entries; users without an id are skipped.
pub(crate) fn users_of(users: Vec<User>) -> Vec<ServerUser> {
    users
        .into_iter()
        .filter_map(|u| {
            let id = u.id?;
            let mut account = Account::new(id.clone(), u.name.unwrap_or_default());
            account.thumb = u
                .primary_image_tag
                .map(|tag| format!("/Users/{id}/Images/Primary?tag={tag}"));
            let mut user = ServerUser::new(account);
            user.is_admin = u.policy.as_ref().and_then(|p| p.is_administrator);
            user.is_disabled = u.policy.as_ref().and_then(|p| p.is_disabled);
            user.last_activity = u.last_activity_date;
            Some(user)
        })
        .collect()
}

/// `/System/Info` (or `/System/Info/Public`).
pub(crate) fn identity_of(platform: Platform, info: SystemInfo) -> ServerIdentity {
    let mut id = ServerIdentity::new(platform, info.id);
    id.name = info.server_name;
    id.version = info.version;
    id
}

//! The playback event: the wide record a stored play is made of, grouped into
//! sub-structs the way Tautulli users think of a play (who, what, where from, on what,
//! how well). Sources fill the parts they know; the session tracker fills identity and
//! timing; the store's GeoIP resolver fills `geo`.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::correlation::{CorrelationKey, CrossSourceKey};
use crate::geo::Geolocation;
use crate::identity::ExternalIds;
use crate::ids::{DeviceId, EventId, ExternalUserId, MediaKey, ServerId, SessionKey, UserId};
use crate::kinds::{
    MediaType, NetworkLocation, PlaybackState, Source, StreamDecision, TranscodeDecision,
};

/// One play: a row of playback history and the payload of every live update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlaybackEvent {
    /// Ids and keys.
    pub identity: EventIdentity,
    /// When and how long.
    pub timing: Timing,
    /// Who.
    pub user: UserInfo,
    /// From which address.
    pub network: NetworkInfo,
    /// What.
    pub content: ContentInfo,
    /// On which device.
    pub device: DeviceInfo,
    /// How well.
    pub quality: QualityInfo,
    /// Whether this is live TV.
    pub live: bool,
    /// Where the client address is on Earth, once resolved.
    pub geo: Option<Geolocation>,
}

/// Ids and keys of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventIdentity {
    /// The event's unique id.
    pub event_id: EventId,
    /// Where the event came from.
    pub source: Source,
    /// The media server that played it.
    pub server_id: ServerId,
    /// The server's session key.
    pub session_key: SessionKey,
    /// The dedup key (per source).
    pub correlation_key: CorrelationKey,
    /// The dedup key across sources of one server.
    pub cross_source_key: CrossSourceKey,
    /// For a resumed play: the first event of the group (Tautulli's `reference_id`).
    pub reference_id: Option<EventId>,
}

/// Timing of an event. All durations exclude nothing but what their names say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Timing {
    /// When the play started.
    pub started_at: DateTime<Utc>,
    /// When the play was last seen or updated.
    pub updated_at: DateTime<Utc>,
    /// When it stopped; `None` while it is going on.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Seconds actually played (pauses excluded).
    pub play_duration_s: u64,
    /// Seconds spent paused.
    pub paused_s: u64,
    /// How far through the item, 0–100.
    pub percent_complete: f64,
    /// The position in the item, in ms.
    pub view_offset_ms: Option<u64>,
    /// The item's length, in ms.
    pub media_duration_ms: Option<u64>,
    /// The state when last seen.
    pub state: PlaybackState,
    /// Whether the play passed the watched threshold.
    pub watched: bool,
}

/// The viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The internal, stable id.
    pub user_id: UserId,
    /// The id on the media server.
    pub external_id: ExternalUserId,
    /// The account name.
    pub username: String,
    /// A display name, if set.
    pub friendly_name: Option<String>,
    /// The e-mail address, if the server reports it.
    pub email: Option<String>,
    /// Avatar URL.
    pub thumb: Option<String>,
}

/// The viewer as a source reports them, before an internal id is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The id on the media server.
    pub external_id: ExternalUserId,
    /// The account name.
    pub username: String,
    /// A display name, if set.
    pub friendly_name: Option<String>,
    /// The e-mail address, if known.
    pub email: Option<String>,
    /// Avatar URL.
    pub thumb: Option<String>,
}

impl Account {
    /// An account with only an id and a name.
    pub fn new(external_id: ExternalUserId, username: impl Into<String>) -> Self {
        Self {
            external_id,
            username: username.into(),
            friendly_name: None,
            email: None,
            thumb: None,
        }
    }

    /// The user info for this account under `user_id`.
    pub fn to_user_info(&self, user_id: UserId) -> UserInfo {
        UserInfo {
            user_id,
            external_id: self.external_id.clone(),
            username: self.username.clone(),
            friendly_name: self.friendly_name.clone(),
            email: self.email.clone(),
            thumb: self.thumb.clone(),
        }
    }
}

/// Where the client connected from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetworkInfo {
    /// The client address as the server saw it (no port).
    pub ip: Option<IpAddr>,
    /// The client's public address, when the server reports one separately (Plex).
    pub public_ip: Option<IpAddr>,
    /// LAN or WAN, as the server judged it.
    pub location: Option<NetworkLocation>,
    /// Whether the connection was encrypted.
    pub secure: Option<bool>,
    /// Whether the connection went through a relay.
    pub relayed: Option<bool>,
    /// Bandwidth in kbit/s.
    pub bandwidth_kbps: Option<u32>,
}

impl NetworkInfo {
    /// The address that says most about where the viewer is: the public address if the
    /// server reported one, else the connection address.
    pub fn geo_ip(&self) -> Option<IpAddr> {
        self.public_ip.or(self.ip)
    }
}

/// The item played.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContentInfo {
    /// Movie, episode, track…
    pub media_type: MediaType,
    /// The item's key on its server (Plex ratingKey, Jellyfin/Emby item id).
    pub media_key: MediaKey,
    /// Title of the item.
    pub title: String,
    /// Season or album title.
    pub parent_title: Option<String>,
    /// Show or artist title.
    pub grandparent_title: Option<String>,
    /// Season or album key.
    pub parent_media_key: Option<MediaKey>,
    /// Show or artist key.
    pub grandparent_media_key: Option<MediaKey>,
    /// Season number (Plex parentIndex).
    pub season: Option<u32>,
    /// Episode or track number (Plex index).
    pub episode: Option<u32>,
    /// Release year.
    pub year: Option<u16>,
    /// The server's guid of the item.
    pub guid: Option<String>,
    /// IMDb / TMDb / TVDb ids.
    pub external_ids: ExternalIds,
    /// Library (section) id.
    pub library_id: Option<String>,
    /// Library name.
    pub library_name: Option<String>,
    /// Content rating (PG-13, TV-MA…).
    pub content_rating: Option<String>,
    /// Genres.
    pub genres: Vec<String>,
}

impl ContentInfo {
    /// An item with a type, key and title and nothing else.
    pub fn new(media_type: MediaType, media_key: MediaKey, title: impl Into<String>) -> Self {
        Self {
            media_type,
            media_key,
            title: title.into(),
            parent_title: None,
            grandparent_title: None,
            parent_media_key: None,
            grandparent_media_key: None,
            season: None,
            episode: None,
            year: None,
            guid: None,
            external_ids: ExternalIds::default(),
            library_id: None,
            library_name: None,
            content_rating: None,
            genres: Vec::new(),
        }
    }

    /// The title people recognise: "Show – Episode" for episodes, "Artist – Track" for
    /// music, the title otherwise.
    pub fn full_title(&self) -> String {
        match (&self.grandparent_title, self.media_type) {
            (Some(gp), MediaType::Episode | MediaType::Track) => format!("{gp} - {}", self.title),
            _ => self.title.clone(),
        }
    }
}

/// The playing device.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// Platform (Android, iOS, Windows, Roku…).
    pub platform: Option<String>,
    /// Platform version.
    pub platform_version: Option<String>,
    /// The client application (Plex for Android, Jellyfin Web…).
    pub product: Option<String>,
    /// The client application's version.
    pub product_version: Option<String>,
    /// The device's name (Living Room TV).
    pub player: Option<String>,
    /// The device's id (Plex machineIdentifier, Jellyfin/Emby DeviceId).
    pub device_id: Option<DeviceId>,
}

/// Stream quality and how it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualityInfo {
    /// Direct play, copy (direct stream) or transcode.
    pub transcode_decision: Option<TranscodeDecision>,
    /// What happened to the video stream.
    pub video_decision: Option<StreamDecision>,
    /// What happened to the audio stream.
    pub audio_decision: Option<StreamDecision>,
    /// What happened to subtitles (`None` when there were none).
    pub subtitle_decision: Option<StreamDecision>,
    /// The source's video resolution (`1080`, `4k`, `sd`…).
    pub video_resolution: Option<String>,
    /// The delivered video resolution.
    pub stream_video_resolution: Option<String>,
    /// The source's video codec.
    pub video_codec: Option<String>,
    /// The delivered video codec.
    pub stream_video_codec: Option<String>,
    /// The source's audio codec.
    pub audio_codec: Option<String>,
    /// The delivered audio codec.
    pub stream_audio_codec: Option<String>,
    /// The source's audio channel count.
    pub audio_channels: Option<u8>,
    /// The delivered audio channel count.
    pub stream_audio_channels: Option<u8>,
    /// The source's bitrate in kbit/s.
    pub bitrate_kbps: Option<u32>,
    /// The delivered bitrate in kbit/s.
    pub stream_bitrate_kbps: Option<u32>,
    /// The source's container (mkv, mp4…).
    pub container: Option<String>,
    /// The delivered container.
    pub stream_container: Option<String>,
    /// SDR, HDR10, Dolby Vision…
    pub dynamic_range: Option<String>,
    /// The subtitle codec, if subtitles were shown.
    pub subtitle_codec: Option<String>,
    /// Hardware decoding was used.
    pub hw_decode: Option<bool>,
    /// Hardware encoding was used.
    pub hw_encode: Option<bool>,
}

impl PlaybackEvent {
    /// Assembles an event and computes its keys and (deterministic) event id from
    /// source, server, session key, item and start time. `reference_id` is left empty.
    pub fn assemble(parts: EventParts) -> Self {
        let EventParts {
            source,
            server_id,
            session_key,
            timing,
            user,
            network,
            content,
            device,
            quality,
            live,
        } = parts;
        let key_parts = crate::correlation::KeyParts {
            source,
            server: &server_id,
            user: &user.external_id,
            media: &content.media_key,
            device: device.device_id.as_ref(),
            started_at: timing.started_at,
        };
        let correlation_key = CorrelationKey::from_parts(&key_parts);
        let cross_source_key = CrossSourceKey::from_parts(&key_parts);
        let event_id = EventId::derive(
            format!(
                "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}",
                source,
                server_id,
                session_key,
                content.media_key,
                timing.started_at.timestamp_millis()
            )
            .as_bytes(),
        );
        Self {
            identity: EventIdentity {
                event_id,
                source,
                server_id,
                session_key,
                correlation_key,
                cross_source_key,
                reference_id: None,
            },
            timing,
            user,
            network,
            content,
            device,
            quality,
            live,
            geo: None,
        }
    }

    /// The event's id.
    pub fn event_id(&self) -> EventId {
        self.identity.event_id
    }

    /// The id that groups resumed plays: the reference id if there is one, else the
    /// event's own id. Counting distinct group ids counts plays as Tautulli does.
    pub fn group_id(&self) -> EventId {
        self.identity.reference_id.unwrap_or(self.identity.event_id)
    }
}

/// Everything [`PlaybackEvent::assemble`] needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EventParts {
    /// Where the event came from.
    pub source: Source,
    /// The media server.
    pub server_id: ServerId,
    /// The session key.
    pub session_key: SessionKey,
    /// Timing.
    pub timing: Timing,
    /// The viewer.
    pub user: UserInfo,
    /// The network.
    pub network: NetworkInfo,
    /// The item.
    pub content: ContentInfo,
    /// The device.
    pub device: DeviceInfo,
    /// The quality.
    pub quality: QualityInfo,
    /// Live TV.
    pub live: bool,
}

impl EventParts {
    /// Parts with the required fields; the optional sub-structs start empty.
    pub fn new(
        source: Source,
        server_id: ServerId,
        session_key: SessionKey,
        timing: Timing,
        user: UserInfo,
        content: ContentInfo,
    ) -> Self {
        Self {
            source,
            server_id,
            session_key,
            timing,
            user,
            network: NetworkInfo::default(),
            content,
            device: DeviceInfo::default(),
            quality: QualityInfo::default(),
            live: false,
        }
    }
}

impl Timing {
    /// Timing of a play that started at `started_at` and has not been updated since.
    pub fn started(started_at: DateTime<Utc>) -> Self {
        Self {
            started_at,
            updated_at: started_at,
            stopped_at: None,
            play_duration_s: 0,
            paused_s: 0,
            percent_complete: 0.0,
            view_offset_ms: None,
            media_duration_ms: None,
            state: PlaybackState::Playing,
            watched: false,
        }
    }

    /// Percent complete from an offset and a duration, clamped to 0–100; 0 when the
    /// duration is unknown or zero.
    pub fn percent(view_offset_ms: Option<u64>, media_duration_ms: Option<u64>) -> f64 {
        match (view_offset_ms, media_duration_ms) {
            (Some(o), Some(d)) if d > 0 => ((o as f64 / d as f64) * 100.0).clamp(0.0, 100.0),
            _ => 0.0,
        }
    }
}

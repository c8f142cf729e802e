//! One session of a fake server, in the terms every platform shares: who plays what,
//! where in it, from which address and device, and how it is delivered. The fake
//! servers render it in each platform's real wire shape; [`sessions_body`] gives the
//! same bytes without a server, for sans-IO tests.

use std::net::IpAddr;

use cartographus_core::{MediaType, Platform};

use super::render;

/// How an item's file is encoded (the source side of a stream).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FakeMedia {
    /// The container (`mkv`, `mp4`, `flac`, `mpegts`…).
    pub container: String,
    /// The video codec (`h264`, `hevc`…); `None` for music.
    pub video_codec: Option<String>,
    /// The picture width in pixels (0 for music).
    pub width: u32,
    /// The picture height in pixels (0 for music).
    pub height: u32,
    /// `HDR10`, `DOVI`, or `None` for SDR.
    pub hdr: Option<String>,
    /// The audio codec (`aac`, `eac3`, `truehd`, `flac`…).
    pub audio_codec: String,
    /// The audio channel count.
    pub audio_channels: u8,
    /// The file's bitrate, in kbit/s.
    pub bitrate_kbps: u32,
}

impl Default for FakeMedia {
    /// A 1080p H.264 / stereo AAC Matroska file at 8 Mbit/s.
    fn default() -> Self {
        Self {
            container: "mkv".to_owned(),
            video_codec: Some("h264".to_owned()),
            width: 1920,
            height: 1080,
            hdr: None,
            audio_codec: "aac".to_owned(),
            audio_channels: 2,
            bitrate_kbps: 8_000,
        }
    }
}

/// What the server does to a stream it does not play directly. With neither video
/// nor audio re-encoded it is a remux (Plex `copy`, Jellyfin/Emby `DirectStream`);
/// otherwise a transcode.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FakeTranscode {
    /// The video is re-encoded (false: copied).
    pub video_transcoded: bool,
    /// The audio is re-encoded (false: copied).
    pub audio_transcoded: bool,
    /// The delivered container (`mpegts`, `ts`, `mp4`…).
    pub container: String,
    /// The delivered video codec; `None` for music.
    pub video_codec: Option<String>,
    /// The delivered width in pixels.
    pub width: u32,
    /// The delivered height in pixels.
    pub height: u32,
    /// The delivered audio codec.
    pub audio_codec: String,
    /// The delivered audio channel count.
    pub audio_channels: u8,
    /// The delivered bitrate, in kbit/s.
    pub bitrate_kbps: u32,
    /// Hardware decoding and encoding are used.
    pub hardware: bool,
}

impl Default for FakeTranscode {
    /// Video transcoded to 720p H.264 at 4 Mbit/s, stereo AAC copied, in MPEG-TS, in
    /// software.
    fn default() -> Self {
        Self {
            video_transcoded: true,
            audio_transcoded: false,
            container: "mpegts".to_owned(),
            video_codec: Some("h264".to_owned()),
            width: 1280,
            height: 720,
            audio_codec: "aac".to_owned(),
            audio_channels: 2,
            bitrate_kbps: 4_000,
            hardware: false,
        }
    }
}

impl FakeTranscode {
    /// Whether this is a remux only (nothing re-encoded).
    pub fn is_copy(&self) -> bool {
        !self.video_transcoded && !self.audio_transcoded
    }
}

/// One session of the fake world.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FakeSession {
    /// The session id (Plex `sessionKey` and `Session.id`; Jellyfin/Emby `Id`).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// The user's name.
    pub user_name: String,
    /// The item's id (Plex `ratingKey`, Jellyfin/Emby item `Id`).
    pub item_id: String,
    /// The item's title (for live TV, the programme).
    pub title: String,
    /// Movie, episode, track or live TV.
    pub media_type: MediaType,
    /// The season or album.
    pub parent_title: Option<String>,
    /// The season's or album's id.
    pub parent_id: Option<String>,
    /// The show, artist or live TV channel.
    pub grandparent_title: Option<String>,
    /// The show's or artist's id.
    pub grandparent_id: Option<String>,
    /// The season (or disc) number.
    pub parent_index: Option<u32>,
    /// The episode or track number.
    pub index: Option<u32>,
    /// The release year.
    pub year: Option<u16>,
    /// The Plex guid (`plex://movie/…`).
    pub guid: Option<String>,
    /// The library section's id and name.
    pub library: Option<(String, String)>,
    /// The position, in ms.
    pub position_ms: u64,
    /// The item's length, in ms.
    pub duration_ms: u64,
    /// Whether the viewer paused.
    pub paused: bool,
    /// The client's address.
    pub ip: IpAddr,
    /// Whether the client is on the server's LAN (Plex `Player.local`).
    pub local: bool,
    /// The device's id.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// The client application (`Plex for Android (TV)`, `Jellyfin Web`…).
    pub product: String,
    /// The client's version.
    pub product_version: String,
    /// The platform (`Android`, `iOS`, `Roku`, `Chrome`…).
    pub platform: String,
    /// The file's encoding.
    pub media: FakeMedia,
    /// How the stream is transcoded or remuxed; `None` for direct play.
    pub transcode: Option<FakeTranscode>,
}

impl FakeSession {
    /// A playing, directly played 1080p movie session of one hour from a
    /// documentation address on an Android TV; set the public fields to vary it.
    pub fn new(id: &str, user_id: &str, user_name: &str, item_id: &str, title: &str) -> Self {
        Self {
            id: id.to_owned(),
            user_id: user_id.to_owned(),
            user_name: user_name.to_owned(),
            item_id: item_id.to_owned(),
            title: title.to_owned(),
            media_type: MediaType::Movie,
            parent_title: None,
            parent_id: None,
            grandparent_title: None,
            grandparent_id: None,
            parent_index: None,
            index: None,
            year: None,
            guid: None,
            library: None,
            position_ms: 0,
            duration_ms: 3_600_000,
            paused: false,
            ip: IpAddr::from([203, 0, 113, 10]),
            local: false,
            device_id: format!("device-{id}"),
            device_name: "Living Room TV".to_owned(),
            product: "Plex for Android (TV)".to_owned(),
            product_version: "10.0".to_owned(),
            platform: "Android".to_owned(),
            media: FakeMedia::default(),
            transcode: None,
        }
    }
}

/// The body a fake `platform` server answers its session list with (Plex
/// `/status/sessions`, Jellyfin/Emby `/Sessions`) for `sessions`: feed it to the
/// platform's `decode_sessions` to test without sockets.
pub fn sessions_body(platform: Platform, sessions: &[FakeSession]) -> String {
    match platform {
        Platform::Plex => render::plex_sessions(sessions),
        Platform::Jellyfin | Platform::Emby => render::mb_sessions(platform, sessions).to_string(),
    }
}

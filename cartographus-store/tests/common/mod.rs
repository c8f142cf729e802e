//! Shared helpers of the store's integration tests: a small builder of realistic
//! playback events.
#![allow(dead_code, unreachable_pub)]

pub mod mmdb;

use std::net::IpAddr;

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, EventParts, ExternalUserId, MediaKey,
    MediaType, NetworkLocation, Platform, PlaybackEvent, PlaybackState, ServerId, SessionKey,
    Source, Timing, TranscodeDecision,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// 2026-03-01 00:00:00 UTC plus `secs`.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::seconds(secs)
}

/// What a test play is made of.
#[derive(Debug, Clone)]
pub struct Play {
    pub source: Source,
    pub server: &'static str,
    pub session: String,
    pub user: &'static str,
    pub media: &'static str,
    pub device: Option<&'static str>,
    pub started: DateTime<Utc>,
    pub ip: Option<&'static str>,
}

impl Play {
    pub fn new(
        session: impl Into<String>,
        user: &'static str,
        media: &'static str,
        started: i64,
    ) -> Self {
        Self {
            source: Source::Plex,
            server: "plex-1",
            session: session.into(),
            user,
            media,
            device: Some("dev-1"),
            started: t(started),
            ip: Some("81.2.69.142"),
        }
    }

    pub fn source(mut self, s: Source) -> Self {
        self.source = s;
        self
    }

    pub fn device(mut self, d: Option<&'static str>) -> Self {
        self.device = d;
        self
    }

    pub fn ip(mut self, ip: Option<&'static str>) -> Self {
        self.ip = ip;
        self
    }

    pub fn build(&self) -> PlaybackEvent {
        let server = ServerId::new(self.server).unwrap();
        let ext = ExternalUserId::new(self.user).unwrap();
        let mut account = Account::new(ext.clone(), format!("user-{}", self.user));
        account.email = Some(format!("{}@example.com", self.user));
        let user = account.to_user_info(derive_user_id(Platform::Plex, &server, &ext));
        let mut content = ContentInfo::new(
            MediaType::Movie,
            MediaKey::new(self.media).unwrap(),
            format!("Film {}", self.media),
        );
        content.year = Some(1999);
        content.library_name = Some("Movies".into());
        content.content_rating = Some("PG-13".into());
        content.genres = vec!["Drama".into(), "Crime".into()];
        content.external_ids.imdb = Some(format!(
            "tt{:07}",
            self.media.len() * 1000 + self.media.bytes().map(usize::from).sum::<usize>()
        ));
        let mut timing = Timing::started(self.started);
        timing.updated_at = self.started;
        timing.media_duration_ms = Some(7_200_000);
        let mut parts = EventParts::new(
            self.source,
            server,
            SessionKey::new(&self.session).unwrap(),
            timing,
            user,
            content,
        );
        parts.device.device_id = self.device.map(|d| DeviceId::new(d).unwrap());
        parts.device.platform = Some("Roku".into());
        parts.device.player = Some("Living Room".into());
        parts.device.product = Some("Plex for Roku".into());
        parts.network.ip = self.ip.map(|s| s.parse::<IpAddr>().unwrap());
        parts.network.location = Some(NetworkLocation::Wan);
        parts.quality.transcode_decision = Some(TranscodeDecision::DirectPlay);
        parts.quality.video_resolution = Some("1080".into());
        parts.quality.video_codec = Some("h264".into());
        parts.quality.audio_codec = Some("aac".into());
        parts.quality.audio_channels = Some(6);
        PlaybackEvent::assemble(parts)
    }
}

/// `e` stopped `secs` after it started, with `paused` seconds of pause.
pub fn stopped(e: &PlaybackEvent, secs: i64, paused: u64) -> PlaybackEvent {
    let mut s = e.clone();
    let at = e.timing.started_at + Duration::seconds(secs);
    s.timing.stopped_at = Some(at);
    s.timing.updated_at = at;
    s.timing.paused_s = paused;
    s.timing.play_duration_s = (secs as u64).saturating_sub(paused);
    s.timing.state = PlaybackState::Stopped;
    s.timing.view_offset_ms = Some(secs as u64 * 1000);
    s.timing.percent_complete =
        Timing::percent(s.timing.view_offset_ms, s.timing.media_duration_ms);
    s
}

//! Plays seen from outside: the [`FakeSession`] a server lists at a moment, the
//! Tautulli history event of a finished play (exactly the fields a Tautulli row
//! carries, as the Tautulli decoder builds them), and the native event of a finished
//! play as live ingestion would have stored it (its last session snapshot decoded by
//! the platform's own decoder, with the play's real timing).

use cartographus_core::{
    derive_user_id, Account, ContentInfo, EventParts, ExternalIds, ExternalUserId, MediaKey,
    MediaType, NetworkLocation, Platform, PlaybackEvent, PlaybackState, SessionKey, Source, Timing,
};
use chrono::{DateTime, Utc};

use super::catalogue::Kind;
use super::people::NetKind;
use super::rng::hash;
use super::schedule::Play;
use super::World;
use crate::fake::session::{sessions_body, FakeMedia, FakeSession};
use crate::{emby, jellyfin, plex};

pub(crate) fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn media_type(kind: Kind) -> MediaType {
    match kind {
        Kind::Movie => MediaType::Movie,
        Kind::Episode => MediaType::Episode,
        Kind::Track => MediaType::Track,
        Kind::Live => MediaType::Live,
    }
}

/// Percent complete at the end of a play, in whole percent (as Tautulli stores it).
fn percent(play: &Play, duration_ms: u64) -> f64 {
    let pos = play.position_at(play.end, duration_ms);
    Timing::percent(Some(pos), Some(duration_ms)).round()
}

impl World {
    /// The session `play` shows on its server at `t`.
    pub(crate) fn session_at(&self, play: &Play, t: i64) -> FakeSession {
        let p = &self.population.people[play.person];
        let platform = self.servers[p.server].platform;
        let plex = platform == Platform::Plex;
        let d = &p.devices[play.device];
        let item = &self.catalogue.items[play.item];
        let key = |rating_key: u32, uid: &str| {
            if plex {
                rating_key.to_string()
            } else {
                uid.to_owned()
            }
        };
        let id = if plex {
            (play.row % 1_000_000).to_string()
        } else {
            format!(
                "{:016x}{:016x}",
                hash(self.seed, &[0x5E55, play.session]),
                hash(self.seed, &[0x5E56, play.session])
            )
        };
        let mut s = FakeSession::new(
            &id,
            &p.external_id,
            &p.username,
            &key(item.rating_key, &item.uid),
            play.programme.unwrap_or(&item.title),
        );
        s.media_type = media_type(item.kind);
        if item.kind == Kind::Live {
            s.grandparent_title = Some(item.title.clone());
        } else {
            s.parent_title = item.parent.as_ref().map(|x| x.title.clone());
            s.parent_id = item.parent.as_ref().map(|x| key(x.rating_key, &x.uid));
            s.parent_index = item.parent.as_ref().and_then(|x| x.index);
            s.grandparent_title = item.grandparent.as_ref().map(|x| x.title.clone());
            s.grandparent_id = item.grandparent.as_ref().map(|x| key(x.rating_key, &x.uid));
            s.index = item.index;
            s.year = item.year;
        }
        s.guid = Some(item.guid.clone());
        s.library = Some((item.library.id().to_owned(), item.library.name().to_owned()));
        s.duration_ms = item.duration_ms;
        s.position_ms = play.position_at(t, item.duration_ms);
        s.paused = play.paused_at(t);
        s.ip = play.ip;
        s.local = self.population.networks[play.network].kind == NetKind::Lan;
        s.device_id = d.id.clone();
        s.device_name = d.name.clone();
        s.product = d.product.to_owned();
        s.product_version = d.version.to_owned();
        s.platform = d.platform.to_owned();
        let e = &item.encoding;
        let video = e.video.as_ref();
        s.media = FakeMedia {
            container: e.container.to_owned(),
            video_codec: video.map(|v| v.codec.to_owned()),
            width: video.map_or(0, |v| v.width),
            height: video.map_or(0, |v| v.height),
            hdr: video.and_then(|v| v.hdr).map(str::to_owned),
            audio_codec: e.audio_codec.to_owned(),
            audio_channels: e.audio_channels,
            bitrate_kbps: e.bitrate_kbps,
        };
        s.transcode = play.transcode.clone();
        s
    }

    /// The Tautulli history event of a finished play on the Plex server `server`,
    /// field for field what `tautulli::decode_history` makes of its row.
    pub(crate) fn tautulli_event(&self, play: &Play) -> Option<PlaybackEvent> {
        let p = &self.population.people[play.person];
        let server = &self.servers[p.server].server_id;
        let item = &self.catalogue.items[play.item];
        let d = &p.devices[play.device];
        let live = item.kind == Kind::Live;
        let mut content = ContentInfo::new(
            media_type(item.kind),
            MediaKey::new(item.rating_key.to_string()).ok()?,
            play.programme.unwrap_or(&item.title),
        );
        if live {
            content.grandparent_title = Some(item.title.clone());
        } else {
            content.parent_title = item.parent.as_ref().map(|x| x.title.clone());
            content.grandparent_title = item.grandparent.as_ref().map(|x| x.title.clone());
            content.parent_media_key = item
                .parent
                .as_ref()
                .and_then(|x| MediaKey::new(x.rating_key.to_string()).ok());
            content.grandparent_media_key = item
                .grandparent
                .as_ref()
                .and_then(|x| MediaKey::new(x.rating_key.to_string()).ok());
            content.season = item.parent.as_ref().and_then(|x| x.index);
            content.episode = item.index;
            content.year = item.year;
        }
        content.library_id = Some(item.library.id().to_owned());
        content.guid = Some(item.guid.clone());
        let mut ids = ExternalIds::default();
        ids.add_plex_guid(&item.guid);
        content.external_ids = ids;

        let started = time(play.start);
        let stopped = time(play.end);
        let paused_s = (play.paused_ms(play.end) / 1000) as u64;
        let mut timing = Timing::started(started);
        timing.stopped_at = Some(stopped);
        timing.updated_at = stopped;
        timing.paused_s = paused_s;
        timing.play_duration_s = ((play.end - play.start) / 1000) as u64 - paused_s;
        timing.percent_complete = percent(play, item.duration_ms);
        timing.watched = timing.percent_complete >= 85.0;
        timing.state = PlaybackState::Stopped;

        let external = ExternalUserId::new(&p.external_id).ok()?;
        let mut account = Account::new(external.clone(), p.username.clone());
        account.friendly_name = Some(p.friendly.clone());
        let user_id = derive_user_id(Platform::Plex, server, &external);
        let mut parts = EventParts::new(
            Source::Tautulli,
            server.clone(),
            SessionKey::new(play.row.to_string()).ok()?,
            timing,
            account.to_user_info(user_id),
            content,
        );
        let lan = self.population.networks[play.network].kind == NetKind::Lan;
        parts.network.ip = Some(play.ip);
        parts.network.location = Some(if lan {
            NetworkLocation::Lan
        } else {
            NetworkLocation::Wan
        });
        parts.network.secure = Some(true);
        parts.network.relayed = Some(false);
        parts.device.platform = Some(d.platform.to_owned());
        parts.device.product = Some(d.product.to_owned());
        parts.device.player = Some(d.name.clone());
        parts.device.device_id = cartographus_core::DeviceId::new(&d.id).ok();
        parts.quality.transcode_decision = Some(decision(play));
        parts.live = live;
        Some(PlaybackEvent::assemble(parts))
    }

    /// The event live ingestion would have stored for a finished play: its last
    /// session snapshot, decoded by the platform's decoder, with the play's timing.
    pub(crate) fn native_event(&self, play: &Play) -> Option<PlaybackEvent> {
        let p = &self.population.people[play.person];
        let server = &self.servers[p.server];
        let last = self.session_at(play, play.end - 1);
        let body = sessions_body(server.platform, std::slice::from_ref(&last));
        let decoded = match server.platform {
            Platform::Plex => plex::decode_sessions(body.as_bytes()),
            Platform::Jellyfin => jellyfin::decode_sessions(body.as_bytes()),
            Platform::Emby => emby::decode_sessions(body.as_bytes()),
        }
        .ok()?
        .pop()?
        .snapshot;
        let account = decoded.user?;
        let content = decoded.content?;
        let item = &self.catalogue.items[play.item];
        let paused_s = (play.paused_ms(play.end) / 1000) as u64;
        let mut timing = Timing::started(time(play.start));
        timing.stopped_at = Some(time(play.end));
        timing.updated_at = time(play.end);
        timing.paused_s = paused_s;
        timing.play_duration_s = ((play.end - play.start) / 1000) as u64 - paused_s;
        timing.view_offset_ms = Some(play.position_at(play.end, item.duration_ms));
        timing.media_duration_ms = Some(item.duration_ms);
        timing.percent_complete = Timing::percent(timing.view_offset_ms, timing.media_duration_ms);
        timing.watched = timing.percent_complete >= 85.0;
        timing.state = PlaybackState::Stopped;
        let source = match server.platform {
            Platform::Plex => Source::Plex,
            Platform::Jellyfin => Source::Jellyfin,
            Platform::Emby => Source::Emby,
        };
        let user_id = derive_user_id(server.platform, &server.server_id, &account.external_id);
        let mut parts = EventParts::new(
            source,
            server.server_id.clone(),
            decoded.session_key,
            timing,
            account.to_user_info(user_id),
            content,
        );
        parts.device = decoded.device;
        parts.network = decoded.network;
        parts.quality = decoded.quality;
        parts.live = decoded.live;
        Some(PlaybackEvent::assemble(parts))
    }
}

fn decision(play: &Play) -> cartographus_core::TranscodeDecision {
    use cartographus_core::TranscodeDecision as D;
    match &play.transcode {
        None => D::DirectPlay,
        Some(t) if t.is_copy() => D::Copy,
        Some(_) => D::Transcode,
    }
}

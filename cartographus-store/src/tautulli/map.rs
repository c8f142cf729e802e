//! One Tautulli history row → one [`PlaybackEvent`] of source `tautulli` on the Plex
//! server the caller names. Keys are built exactly as live Plex ingestion builds them
//! (Plex account id, ratingKey, player machineIdentifier, start time), so the
//! cross-source key recognises a play that arrives by both paths. Event ids derive from
//! the server and the history row id, so a re-import produces the same ids.

use std::collections::HashMap;
use std::sync::OnceLock;

use cartographus_core::{
    derive_user_id, parse_endpoint, Account, ContentInfo, DeviceId, EventId, EventParts,
    ExternalUserId, MediaKey, MediaType, NetworkLocation, Platform, PlaybackEvent, PlaybackState,
    ServerId, SessionKey, Source, StreamDecision, Timing, TranscodeDecision,
};
use chrono::DateTime;

use crate::tautulli::source::{TUser, MEDIA, META, SH, V};

/// Why a row could not become an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    Start,
    User,
    Item,
}

struct Row<'a> {
    values: &'a mut [V],
    /// What a column the row lacks reads as.
    null: V,
}

fn pos(list: &'static [&'static str], name: &str) -> usize {
    type Index = HashMap<&'static str, usize>;
    static INDEXES: OnceLock<[Index; 3]> = OnceLock::new();
    let idx = INDEXES.get_or_init(|| {
        let index =
            |l: &'static [&'static str]| l.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        [index(SH), index(META), index(MEDIA)]
    });
    let which = if std::ptr::eq(list, SH) {
        0
    } else if std::ptr::eq(list, META) {
        1
    } else {
        2
    };
    idx[which].get(name).copied().unwrap_or(usize::MAX)
}

impl Row<'_> {
    fn get(&mut self, off: usize, list: &'static [&'static str], name: &str) -> &mut V {
        match self.values.get_mut(off.saturating_add(pos(list, name))) {
            Some(v) => v,
            None => {
                self.null = V::Null;
                &mut self.null
            }
        }
    }
    fn sh(&mut self, name: &str) -> &mut V {
        self.get(0, SH, name)
    }
    fn meta(&mut self, name: &str) -> &mut V {
        self.get(SH.len(), META, name)
    }
    fn media(&mut self, name: &str) -> &mut V {
        self.get(SH.len() + META.len(), MEDIA, name)
    }
}

/// The event id of Tautulli history row `row_id` of `server`.
pub(crate) fn event_id_of(server: &ServerId, row_id: i64) -> EventId {
    EventId::derive(format!("tautulli\u{1}{server}\u{1}{row_id}").as_bytes())
}

fn uint<T: TryFrom<i64>>(v: &V) -> Option<T> {
    v.int().and_then(|i| T::try_from(i).ok())
}

pub(crate) struct Mapper<'a> {
    pub(crate) server: &'a ServerId,
    pub(crate) users: &'a HashMap<i64, TUser>,
    pub(crate) libraries: &'a HashMap<i64, String>,
    pub(crate) watched_percent: f64,
}

impl Mapper<'_> {
    /// The row's id and its event, or why it was skipped.
    /// Text values move out of `values` into the event.
    pub(crate) fn map(&self, values: &mut [V]) -> (i64, Result<PlaybackEvent, Skip>) {
        let mut r = Row {
            values,
            null: V::Null,
        };
        let id = r.sh("id").int().unwrap_or(0);
        (id, self.event(&mut r, id))
    }

    fn event(&self, r: &mut Row<'_>, id: i64) -> Result<PlaybackEvent, Skip> {
        let started_s = r
            .sh("started")
            .int()
            .filter(|s| *s > 0)
            .ok_or(Skip::Start)?;
        let started_at = DateTime::from_timestamp(started_s, 0).ok_or(Skip::Start)?;
        let stopped_at = r
            .sh("stopped")
            .int()
            .filter(|s| *s >= started_s)
            .and_then(|s| DateTime::from_timestamp(s, 0));
        let paused = r.sh("paused_counter").int().unwrap_or(0).max(0);
        let user_num = r.sh("user_id").int().ok_or(Skip::User)?;
        let external = ExternalUserId::new(user_num.to_string()).map_err(|_| Skip::User)?;
        let media_key = r
            .sh("rating_key")
            .take_text()
            .and_then(|k| MediaKey::new(k).ok())
            .ok_or(Skip::Item)?;

        let mut timing = Timing::started(started_at);
        timing.stopped_at = stopped_at;
        timing.updated_at = stopped_at.unwrap_or(started_at);
        timing.paused_s = paused as u64;
        timing.play_duration_s = stopped_at
            .map(|s| (s.timestamp() - started_s - paused).max(0) as u64)
            .unwrap_or(0);
        timing.view_offset_ms = uint(r.sh("view_offset"));
        timing.media_duration_ms = uint::<u64>(r.meta("duration"))
            .or_else(|| uint(r.media("duration")))
            .filter(|d| *d > 0);
        timing.percent_complete = Timing::percent(timing.view_offset_ms, timing.media_duration_ms);
        timing.state = if stopped_at.is_some() {
            PlaybackState::Stopped
        } else {
            PlaybackState::Playing
        };
        timing.watched = timing.percent_complete >= self.watched_percent;

        let tuser = self.users.get(&user_num);
        let username = tuser
            .and_then(|u| u.username.clone())
            .or_else(|| r.sh("user").take_text())
            .unwrap_or_else(|| user_num.to_string());
        let mut account = Account::new(external.clone(), username);
        if let Some(u) = tuser {
            account.friendly_name = u.friendly_name.clone();
            account.email = u.email.clone();
            account.thumb = u.thumb.clone();
        }
        let user = account.to_user_info(derive_user_id(Platform::Plex, self.server, &external));

        let media_type = r
            .meta("media_type")
            .take_text()
            .or_else(|| r.sh("media_type").take_text())
            .map(|t| MediaType::from_wire(&t))
            .unwrap_or(MediaType::Other);
        let title = r
            .meta("title")
            .take_text()
            .or_else(|| r.meta("full_title").take_text())
            .unwrap_or_else(|| "Unknown".to_owned());
        let mut content = ContentInfo::new(media_type, media_key, title);
        content.parent_title = r.meta("parent_title").take_text();
        content.grandparent_title = r.meta("grandparent_title").take_text();
        content.parent_media_key = r
            .sh("parent_rating_key")
            .take_text()
            .and_then(|k| MediaKey::new(k).ok());
        content.grandparent_media_key = r
            .sh("grandparent_rating_key")
            .take_text()
            .and_then(|k| MediaKey::new(k).ok());
        content.season = uint(r.meta("parent_media_index"));
        content.episode = uint(r.meta("media_index"));
        content.year = uint::<u16>(r.meta("year")).filter(|y| *y > 0);
        content.guid = r.meta("guid").take_text();
        if let Some(g) = &content.guid {
            content.external_ids.add_plex_guid(g);
        }
        let section = r.sh("section_id").int();
        content.library_id = section.map(|s| s.to_string());
        content.library_name = section.and_then(|s| self.libraries.get(&s).cloned());
        content.content_rating = r.meta("content_rating").take_text();
        content.genres = r
            .meta("genres")
            .take_text()
            .map(|g| {
                g.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();

        let session_key = SessionKey::new(id.to_string()).map_err(|_| Skip::Start)?;
        let mut parts = EventParts::new(
            Source::Tautulli,
            self.server.clone(),
            session_key,
            timing,
            user,
            content,
        );
        parts.live = r.meta("live").flag().unwrap_or(false);
        let n = &mut parts.network;
        n.ip = r
            .sh("ip_address")
            .take_text()
            .and_then(|s| parse_endpoint(&s));
        n.location = r.sh("location").take_text().and_then(|l| {
            match l.trim().to_ascii_lowercase().as_str() {
                "lan" => Some(NetworkLocation::Lan),
                "wan" => Some(NetworkLocation::Wan),
                _ => None,
            }
        });
        n.secure = r.sh("secure").flag();
        n.relayed = r.sh("relayed").flag();
        n.bandwidth_kbps = uint(r.sh("bandwidth"));
        let d = &mut parts.device;
        d.platform = r.sh("platform").take_text();
        d.platform_version = r.sh("platform_version").take_text();
        d.product = r.sh("product").take_text();
        d.product_version = r.sh("product_version").take_text();
        d.player = r.sh("player").take_text();
        d.device_id = r
            .sh("machine_id")
            .take_text()
            .and_then(|m| DeviceId::new(m).ok());
        let q = &mut parts.quality;
        let decision = |v: &mut V| v.take_text().and_then(|s| StreamDecision::from_wire(&s));
        q.transcode_decision = r
            .media("transcode_decision")
            .take_text()
            .and_then(|s| TranscodeDecision::from_wire(&s));
        q.video_decision = decision(r.media("video_decision"));
        q.audio_decision = decision(r.media("audio_decision"));
        q.subtitle_decision = decision(r.media("stream_subtitle_decision"));
        q.video_resolution = r.media("video_resolution").take_text();
        q.stream_video_resolution = r.media("stream_video_resolution").take_text();
        q.video_codec = r.media("video_codec").take_text();
        q.stream_video_codec = r.media("stream_video_codec").take_text();
        q.audio_codec = r.media("audio_codec").take_text();
        q.stream_audio_codec = r.media("stream_audio_codec").take_text();
        q.audio_channels = uint(r.media("audio_channels"));
        q.stream_audio_channels = uint(r.media("stream_audio_channels"));
        q.bitrate_kbps = uint(r.media("bitrate"));
        q.stream_bitrate_kbps = uint(r.media("stream_bitrate"));
        q.container = r.media("container").take_text();
        q.stream_container = r.media("stream_container").take_text();
        q.dynamic_range = r.media("video_dynamic_range").take_text();
        q.subtitle_codec = r.media("subtitle_codec").take_text();
        q.hw_decode = r.media("transcode_hw_decoding").flag();
        q.hw_encode = r.media("transcode_hw_encoding").flag();

        let mut event = PlaybackEvent::assemble(parts);
        event.identity.event_id = event_id_of(self.server, id);
        event.identity.reference_id = r
            .sh("reference_id")
            .int()
            .filter(|rid| *rid != id && *rid > 0)
            .map(|rid| event_id_of(self.server, rid));
        Ok(event)
    }
}

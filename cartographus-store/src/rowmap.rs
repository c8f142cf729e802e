//! Turning a stored `playback_events` row back into a [`PlaybackEvent`]. The select
//! list casts engine-specific types (UUID, ENUM, TIMESTAMP, lists) to text and epoch
//! microseconds, so decoding depends on plain values only.

use std::net::IpAddr;
use std::str::FromStr;

use cartographus_core::{
    Account, ContentInfo, CorrelationKey, CrossSourceKey, DeviceId, EventId, EventParts,
    ExternalUserId, GeoPoint, GeoSource, Geolocation, MediaKey, PlaybackEvent, ServerId,
    SessionKey, Source, Timing, UserId,
};
use chrono::{DateTime, Utc};
use duckdb::Row;

use crate::error::QueryError;
use crate::stage::GENRE_SEP;

/// The select list matching [`decode`], for `playback_events` aliased `p`.
pub(crate) const PLAYBACK_SELECT: &str = "p.event_id::VARCHAR, p.source::VARCHAR, p.server_id,
 p.session_key, p.correlation_key, p.cross_source_key, p.reference_id::VARCHAR,
 epoch_us(p.started_at), epoch_us(p.updated_at), epoch_us(p.stopped_at), p.play_duration_s,
 p.paused_s, p.percent_complete::DOUBLE, p.view_offset_ms, p.media_duration_ms,
 p.state::VARCHAR, p.watched, p.user_id, p.external_user_id, p.username, p.friendly_name,
 u.email, u.thumb, p.ip, p.public_ip, p.network_location::VARCHAR, p.secure, p.relayed,
 p.bandwidth_kbps, p.media_type::VARCHAR, p.media_key, p.title, p.parent_title,
 p.grandparent_title, p.parent_media_key, p.grandparent_media_key, p.season, p.episode,
 p.year, p.guid, p.imdb_id, p.tmdb_id, p.tvdb_id, p.library_id, p.library_name,
 p.content_rating, array_to_string(p.genres, chr(31)), p.platform, p.platform_version,
 p.product, p.product_version, p.player, p.device_id, p.transcode_decision::VARCHAR,
 p.video_decision::VARCHAR, p.audio_decision::VARCHAR, p.subtitle_decision::VARCHAR,
 p.video_resolution, p.stream_video_resolution, p.video_codec, p.stream_video_codec,
 p.audio_codec, p.stream_audio_codec, p.audio_channels, p.stream_audio_channels,
 p.bitrate_kbps, p.stream_bitrate_kbps, p.container, p.stream_container, p.dynamic_range,
 p.subtitle_codec, p.hw_decode, p.hw_encode, p.live, p.latitude, p.longitude,
 p.geo_accuracy_km::DOUBLE, p.country_code, p.country_name, p.region, p.city,
 p.postal_code, p.time_zone, p.asn, p.as_org, p.location_label, p.geo_source::VARCHAR";

/// The `FROM` clause matching [`PLAYBACK_SELECT`].
pub(crate) const PLAYBACK_FROM: &str =
    "playback_events p LEFT JOIN users u ON u.user_id = p.user_id";

struct Cols<'r, 's> {
    row: &'r Row<'s>,
    i: usize,
}

fn bad(column: &'static str, detail: impl ToString) -> QueryError {
    QueryError::Decode {
        column,
        detail: detail.to_string(),
    }
}

impl Cols<'_, '_> {
    fn next<T: duckdb::types::FromSql>(&mut self) -> Result<T, QueryError> {
        let v = self.row.get::<_, T>(self.i)?;
        self.i += 1;
        Ok(v)
    }
    fn text(&mut self) -> Result<Option<String>, QueryError> {
        self.next::<Option<String>>()
    }
    fn req(&mut self, column: &'static str) -> Result<String, QueryError> {
        self.text()?.ok_or_else(|| bad(column, "NULL"))
    }
    fn parse<T: FromStr>(&mut self, column: &'static str) -> Result<Option<T>, QueryError>
    where
        T::Err: std::fmt::Display,
    {
        match self.text()? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|e| bad(column, e)),
        }
    }
    fn req_parse<T: FromStr>(&mut self, column: &'static str) -> Result<T, QueryError>
    where
        T::Err: std::fmt::Display,
    {
        self.parse(column)?.ok_or_else(|| bad(column, "NULL"))
    }
    fn int(&mut self) -> Result<Option<i64>, QueryError> {
        self.next::<Option<i64>>()
    }
    fn time(&mut self, column: &'static str) -> Result<Option<DateTime<Utc>>, QueryError> {
        match self.int()? {
            None => Ok(None),
            Some(us) => DateTime::from_timestamp_micros(us)
                .map(Some)
                .ok_or_else(|| bad(column, "out of range")),
        }
    }
    fn u<T: TryFrom<i64>>(&mut self) -> Result<Option<T>, QueryError> {
        Ok(self.int()?.and_then(|v| T::try_from(v).ok()))
    }
    fn boolean(&mut self) -> Result<Option<bool>, QueryError> {
        self.next::<Option<bool>>()
    }
    fn float(&mut self) -> Result<Option<f64>, QueryError> {
        self.next::<Option<f64>>()
    }
}

/// Decodes one row selected with [`PLAYBACK_SELECT`].
pub(crate) fn decode(row: &Row<'_>) -> Result<PlaybackEvent, QueryError> {
    let mut c = Cols { row, i: 0 };
    let event_id: EventId = c.req_parse("event_id")?;
    let source: Source = c.req_parse("source")?;
    let server_id: ServerId = c.req_parse("server_id")?;
    let session_key: SessionKey = c.req_parse("session_key")?;
    let correlation_key: CorrelationKey = c.req_parse("correlation_key")?;
    let cross_source_key: CrossSourceKey = c.req_parse("cross_source_key")?;
    let reference_id: Option<EventId> = c.parse("reference_id")?;
    let started_at = c
        .time("started_at")?
        .ok_or_else(|| bad("started_at", "NULL"))?;
    let mut timing = Timing::started(started_at);
    timing.updated_at = c.time("updated_at")?.unwrap_or(started_at);
    timing.stopped_at = c.time("stopped_at")?;
    timing.play_duration_s = c.u::<u64>()?.unwrap_or(0);
    timing.paused_s = c.u::<u64>()?.unwrap_or(0);
    timing.percent_complete = c.float()?.unwrap_or(0.0);
    timing.view_offset_ms = c.u::<u64>()?;
    timing.media_duration_ms = c.u::<u64>()?;
    timing.state = c.req_parse("state")?;
    timing.watched = c.boolean()?.unwrap_or(false);

    let user_id = UserId::try_from(c.int()?.unwrap_or(-1)).map_err(|e| bad("user_id", e))?;
    let external: ExternalUserId = c.req_parse("external_user_id")?;
    let mut account = Account::new(external, c.req("username")?);
    account.friendly_name = c.text()?;
    account.email = c.text()?;
    account.thumb = c.text()?;
    let user = account.to_user_info(user_id);

    let ip: Option<IpAddr> = c.parse("ip")?;
    let public_ip: Option<IpAddr> = c.parse("public_ip")?;
    let location = c.parse("network_location")?;
    let secure = c.boolean()?;
    let relayed = c.boolean()?;
    let bandwidth = c.u::<u32>()?;

    let media_type = c.req_parse("media_type")?;
    let media_key: MediaKey = c.req_parse("media_key")?;
    let mut content = ContentInfo::new(media_type, media_key, c.req("title")?);
    content.parent_title = c.text()?;
    content.grandparent_title = c.text()?;
    content.parent_media_key = c.parse("parent_media_key")?;
    content.grandparent_media_key = c.parse("grandparent_media_key")?;
    content.season = c.u::<u32>()?;
    content.episode = c.u::<u32>()?;
    content.year = c.u::<u16>()?;
    content.guid = c.text()?;
    content.external_ids.imdb = c.text()?;
    content.external_ids.tmdb = c.text()?;
    content.external_ids.tvdb = c.text()?;
    content.library_id = c.text()?;
    content.library_name = c.text()?;
    content.content_rating = c.text()?;
    content.genres = c
        .text()?
        .filter(|g| !g.is_empty())
        .map(|g| g.split(GENRE_SEP).map(str::to_owned).collect())
        .unwrap_or_default();

    let mut parts = EventParts::new(source, server_id, session_key, timing, user, content);
    let d = &mut parts.device;
    d.platform = c.text()?;
    d.platform_version = c.text()?;
    d.product = c.text()?;
    d.product_version = c.text()?;
    d.player = c.text()?;
    d.device_id = c.parse::<DeviceId>("device_id")?;
    let q = &mut parts.quality;
    q.transcode_decision = c.parse("transcode_decision")?;
    q.video_decision = c.parse("video_decision")?;
    q.audio_decision = c.parse("audio_decision")?;
    q.subtitle_decision = c.parse("subtitle_decision")?;
    q.video_resolution = c.text()?;
    q.stream_video_resolution = c.text()?;
    q.video_codec = c.text()?;
    q.stream_video_codec = c.text()?;
    q.audio_codec = c.text()?;
    q.stream_audio_codec = c.text()?;
    q.audio_channels = c.u::<u8>()?;
    q.stream_audio_channels = c.u::<u8>()?;
    q.bitrate_kbps = c.u::<u32>()?;
    q.stream_bitrate_kbps = c.u::<u32>()?;
    q.container = c.text()?;
    q.stream_container = c.text()?;
    q.dynamic_range = c.text()?;
    q.subtitle_codec = c.text()?;
    q.hw_decode = c.boolean()?;
    q.hw_encode = c.boolean()?;
    parts.live = c.boolean()?.unwrap_or(false);
    let n = &mut parts.network;
    n.ip = ip;
    n.public_ip = public_ip;
    n.location = location;
    n.secure = secure;
    n.relayed = relayed;
    n.bandwidth_kbps = bandwidth;

    let lat = c.float()?;
    let lon = c.float()?;
    let mut geo = Geolocation::default();
    geo.point = match (lat, lon) {
        (Some(la), Some(lo)) => GeoPoint::new(la, lo).ok(),
        _ => None,
    };
    geo.accuracy_km = c.float()?;
    geo.country_code = c.text()?;
    geo.country_name = c.text()?;
    geo.region = c.text()?;
    geo.city = c.text()?;
    geo.postal_code = c.text()?;
    geo.time_zone = c.text()?;
    geo.asn = c.u::<u32>()?;
    geo.as_org = c.text()?;
    geo.label = c.text()?;
    geo.source = c.text()?.and_then(|s| match s.as_str() {
        "mmdb" => Some(GeoSource::Mmdb),
        "override" => Some(GeoSource::Override),
        "private" => Some(GeoSource::Private),
        "unknown" => Some(GeoSource::Unknown),
        _ => None,
    });

    let mut event = PlaybackEvent::assemble(parts);
    event.identity.event_id = event_id;
    event.identity.correlation_key = correlation_key;
    event.identity.cross_source_key = cross_source_key;
    event.identity.reference_id = reference_id;
    event.geo = geo.source.map(|_| geo);
    Ok(event)
}

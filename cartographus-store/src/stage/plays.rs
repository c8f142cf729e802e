//! The layouts of plays: [`PLAY_COLUMNS`] is `playback_events` itself (new plays are
//! copied into it once, straight from the batch), [`KEY_COLUMNS`] the few columns the
//! dedup query needs; and the writers of one event as a row of each.

use std::collections::HashMap;
use std::fmt::Write as _;

use cartographus_core::{EventId, H3Cells, PlaybackEvent};

use super::{fnv1a64, Columns, Kind, Layout};

use Kind::{Bool, Enum, Str, StrList, Ts, Uuid, F64, I64, U16, U32, U64, U8};

/// The columns of `playback_events` (schema version 3), in table order.
pub(crate) const PLAY_COLUMNS: Layout = &[
    ("event_id", Uuid),
    ("source", Enum("source_t")),
    ("server_id", Str),
    ("session_key", Str),
    ("correlation_key", Str),
    ("cross_source_key", Str),
    ("xs_identity", I64),
    ("reference_id", Uuid),
    ("started_at", Ts),
    ("updated_at", Ts),
    ("stopped_at", Ts),
    ("play_duration_s", U32),
    ("paused_s", U32),
    ("percent_complete", F64),
    ("view_offset_ms", U64),
    ("media_duration_ms", U64),
    ("state", Enum("play_state_t")),
    ("watched", Bool),
    ("user_id", I64),
    ("external_user_id", Str),
    ("username", Str),
    ("friendly_name", Str),
    ("ip", Str),
    ("public_ip", Str),
    ("network_location", Enum("net_location_t")),
    ("secure", Bool),
    ("relayed", Bool),
    ("bandwidth_kbps", U32),
    ("media_type", Enum("media_type_t")),
    ("media_key", Str),
    ("title", Str),
    ("parent_title", Str),
    ("grandparent_title", Str),
    ("parent_media_key", Str),
    ("grandparent_media_key", Str),
    ("season", U32),
    ("episode", U32),
    ("year", U16),
    ("guid", Str),
    ("imdb_id", Str),
    ("tmdb_id", Str),
    ("tvdb_id", Str),
    ("library_id", Str),
    ("library_name", Str),
    ("content_rating", Str),
    ("genres", StrList),
    ("platform", Str),
    ("platform_version", Str),
    ("product", Str),
    ("product_version", Str),
    ("player", Str),
    ("device_id", Str),
    ("transcode_decision", Enum("transcode_t")),
    ("video_decision", Enum("stream_decision_t")),
    ("audio_decision", Enum("stream_decision_t")),
    ("subtitle_decision", Enum("stream_decision_t")),
    ("video_resolution", Str),
    ("stream_video_resolution", Str),
    ("video_codec", Str),
    ("stream_video_codec", Str),
    ("audio_codec", Str),
    ("stream_audio_codec", Str),
    ("audio_channels", U8),
    ("stream_audio_channels", U8),
    ("bitrate_kbps", U32),
    ("stream_bitrate_kbps", U32),
    ("container", Str),
    ("stream_container", Str),
    ("dynamic_range", Str),
    ("subtitle_codec", Str),
    ("hw_decode", Bool),
    ("hw_encode", Bool),
    ("live", Bool),
    ("latitude", F64),
    ("longitude", F64),
    ("geo_accuracy_km", F64),
    ("country_code", Str),
    ("country_name", Str),
    ("region", Str),
    ("city", Str),
    ("postal_code", Str),
    ("time_zone", Str),
    ("asn", U32),
    ("as_org", Str),
    ("location_label", Str),
    ("geo_source", Enum("geo_source_t")),
    ("h3_r6", U64),
    ("h3_r7", U64),
    ("h3_r8", U64),
];

/// What the dedup query needs of each new event (`seq` is its index in the batch).
pub(crate) const KEY_COLUMNS: Layout = &[
    ("seq", I64),
    ("event_id", Uuid),
    ("source", Str),
    ("xs_identity", I64),
    ("xs_ident", Str),
    ("started_us", I64),
];

/// H3 cells of the points seen in one batch: plays from one place share them, and
/// computing three cells costs more than everything else a row needs.
#[derive(Debug, Default)]
pub(crate) struct CellCache(HashMap<(u64, u64), H3Cells>);

impl CellCache {
    pub(crate) fn cells(&mut self, p: cartographus_core::GeoPoint) -> H3Cells {
        *self
            .0
            .entry((p.lat().to_bits(), p.lon().to_bits()))
            .or_insert_with(|| p.h3_cells())
    }
}

/// Writes one event as a row of [`KEY_COLUMNS`].
pub(crate) fn push_key(cols: &mut Columns, seq: usize, e: &PlaybackEvent) {
    let id = &e.identity;
    let ident = id.cross_source_key.identity();
    cols.int(Some(seq as i64));
    cols.uuid(Some(id.event_id.as_uuid()));
    cols.str(Some(id.source.as_str()));
    cols.int(Some(fnv1a64(ident)));
    cols.str(Some(ident));
    cols.int(Some(e.timing.started_at.timestamp_micros()));
}

/// Writes one event as a row of [`PLAY_COLUMNS`]. `scratch` is reused for addresses.
pub(crate) fn push_play(
    cols: &mut Columns,
    cells: &mut CellCache,
    scratch: &mut String,
    e: &PlaybackEvent,
) {
    let id = &e.identity;
    cols.uuid(Some(id.event_id.as_uuid()));
    cols.str(Some(id.source.as_str()));
    cols.str(Some(id.server_id.as_str()));
    cols.str(Some(id.session_key.as_str()));
    cols.str(Some(id.correlation_key.as_str()));
    cols.str(Some(id.cross_source_key.as_str()));
    cols.int(Some(fnv1a64(id.cross_source_key.identity())));
    cols.uuid(id.reference_id.as_ref().map(EventId::as_uuid));
    let t = &e.timing;
    cols.ts(Some(t.started_at));
    cols.ts(Some(t.updated_at));
    cols.ts(t.stopped_at);
    cols.uint(Some(t.play_duration_s));
    cols.uint(Some(t.paused_s));
    cols.float(Some(if t.percent_complete.is_finite() {
        t.percent_complete.clamp(0.0, 100.0)
    } else {
        0.0
    }));
    // UBIGINT columns, read back as i64: keep them in i64's range.
    cols.uint(t.view_offset_ms.map(|v| v.min(i64::MAX as u64)));
    cols.uint(t.media_duration_ms.map(|v| v.min(i64::MAX as u64)));
    cols.str(Some(t.state.as_str()));
    cols.bool(Some(t.watched));
    let u = &e.user;
    cols.int(Some(i64::from(u.user_id)));
    cols.str(Some(u.external_id.as_str()));
    cols.str(Some(&u.username));
    cols.str(u.friendly_name.as_deref());
    let n = &e.network;
    scratch.clear();
    if let Some(ip) = n.ip {
        let _ = write!(scratch, "{ip}");
    }
    let ip_end = scratch.len();
    if let Some(ip) = n.public_ip {
        let _ = write!(scratch, "{ip}");
    }
    cols.str(n.ip.map(|_| &scratch[..ip_end]));
    cols.str(n.public_ip.map(|_| &scratch[ip_end..]));
    cols.str(n.location.map(|l| l.as_str()));
    cols.bool(n.secure);
    cols.bool(n.relayed);
    cols.int(n.bandwidth_kbps.map(i64::from));
    let c = &e.content;
    cols.str(Some(c.media_type.as_str()));
    cols.str(Some(c.media_key.as_str()));
    cols.str(Some(&c.title));
    cols.str(c.parent_title.as_deref());
    cols.str(c.grandparent_title.as_deref());
    cols.str(c.parent_media_key.as_ref().map(|k| k.as_str()));
    cols.str(c.grandparent_media_key.as_ref().map(|k| k.as_str()));
    cols.int(c.season.map(i64::from));
    cols.int(c.episode.map(i64::from));
    cols.int(c.year.map(i64::from));
    cols.str(c.guid.as_deref());
    cols.str(c.external_ids.imdb.as_deref());
    cols.str(c.external_ids.tmdb.as_deref());
    cols.str(c.external_ids.tvdb.as_deref());
    cols.str(c.library_id.as_deref());
    cols.str(c.library_name.as_deref());
    cols.str(c.content_rating.as_deref());
    cols.str_list(&c.genres);
    let d = &e.device;
    cols.str(d.platform.as_deref());
    cols.str(d.platform_version.as_deref());
    cols.str(d.product.as_deref());
    cols.str(d.product_version.as_deref());
    cols.str(d.player.as_deref());
    cols.str(d.device_id.as_ref().map(|x| x.as_str()));
    let q = &e.quality;
    cols.str(q.transcode_decision.map(|x| x.as_str()));
    cols.str(q.video_decision.map(|x| x.as_str()));
    cols.str(q.audio_decision.map(|x| x.as_str()));
    cols.str(q.subtitle_decision.map(|x| x.as_str()));
    cols.str(q.video_resolution.as_deref());
    cols.str(q.stream_video_resolution.as_deref());
    cols.str(q.video_codec.as_deref());
    cols.str(q.stream_video_codec.as_deref());
    cols.str(q.audio_codec.as_deref());
    cols.str(q.stream_audio_codec.as_deref());
    cols.int(q.audio_channels.map(i64::from));
    cols.int(q.stream_audio_channels.map(i64::from));
    cols.int(q.bitrate_kbps.map(i64::from));
    cols.int(q.stream_bitrate_kbps.map(i64::from));
    cols.str(q.container.as_deref());
    cols.str(q.stream_container.as_deref());
    cols.str(q.dynamic_range.as_deref());
    cols.str(q.subtitle_codec.as_deref());
    cols.bool(q.hw_decode);
    cols.bool(q.hw_encode);
    cols.bool(Some(e.live));
    let g = e.geo.as_ref();
    let point = g.and_then(|g| g.point);
    cols.float(point.map(|p| p.lat()));
    cols.float(point.map(|p| p.lon()));
    cols.float(g.and_then(|g| g.accuracy_km).filter(|a| a.is_finite()));
    cols.str(g.and_then(|g| g.country_code.as_deref()));
    cols.str(g.and_then(|g| g.country_name.as_deref()));
    cols.str(g.and_then(|g| g.region.as_deref()));
    cols.str(g.and_then(|g| g.city.as_deref()));
    cols.str(g.and_then(|g| g.postal_code.as_deref()));
    cols.str(g.and_then(|g| g.time_zone.as_deref()));
    cols.int(g.and_then(|g| g.asn).map(i64::from));
    cols.str(g.and_then(|g| g.as_org.as_deref()));
    cols.str(g.and_then(|g| g.label.as_deref()));
    cols.str(g.map(|g| {
        g.source
            .unwrap_or(cartographus_core::GeoSource::Unknown)
            .as_str()
    }));
    let h3 = point.map(|p| cells.cells(p));
    cols.uint(h3.map(|c| c.r6.get()));
    cols.uint(h3.map(|c| c.r7.get()));
    cols.uint(h3.map(|c| c.r8.get()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_columns_are_the_tables_columns_in_order() {
        let store = crate::Store::open_in_memory().unwrap();
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT column_name FROM duckdb_columns()
                 WHERE table_name = 'playback_events' AND database_name <> 'temp'
                 ORDER BY column_index",
            )
            .unwrap();
        let names: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let ours: Vec<&str> = PLAY_COLUMNS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ours);
    }
}

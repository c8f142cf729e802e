//! The staging layout: one Arrow column per field of a [`PlaybackEvent`], appended to the
//! temporary `ingest_stage` table column-wise (the fast path of DuckDB's appender). The
//! column list here is the single source of truth for the staging table's DDL and for
//! the order in which [`StageBatch::push`] writes a row.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use cartographus_core::{EventId, H3Cells, PlaybackEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Int,
    Float,
    Bool,
}

use Kind::{Bool, Float, Int, Str};

/// Staging columns, in order. Names equal the `playback_events` column they feed,
/// except the `*_us` epoch-microsecond times and `seq`/`xs_ident`.
pub(crate) const STAGE_COLUMNS: &[(&str, Kind)] = &[
    ("seq", Int),
    ("event_id", Str),
    ("source", Str),
    ("server_id", Str),
    ("session_key", Str),
    ("correlation_key", Str),
    ("cross_source_key", Str),
    ("xs_ident", Str),
    ("xs_identity", Int),
    ("reference_id", Str),
    ("started_us", Int),
    ("updated_us", Int),
    ("stopped_us", Int),
    ("play_duration_s", Int),
    ("paused_s", Int),
    ("percent_complete", Float),
    ("view_offset_ms", Int),
    ("media_duration_ms", Int),
    ("state", Str),
    ("watched", Bool),
    ("user_id", Int),
    ("external_user_id", Str),
    ("username", Str),
    ("friendly_name", Str),
    ("email", Str),
    ("thumb", Str),
    ("ip", Str),
    ("public_ip", Str),
    ("network_location", Str),
    ("secure", Bool),
    ("relayed", Bool),
    ("bandwidth_kbps", Int),
    ("media_type", Str),
    ("media_key", Str),
    ("title", Str),
    ("parent_title", Str),
    ("grandparent_title", Str),
    ("parent_media_key", Str),
    ("grandparent_media_key", Str),
    ("season", Int),
    ("episode", Int),
    ("year", Int),
    ("guid", Str),
    ("imdb_id", Str),
    ("tmdb_id", Str),
    ("tvdb_id", Str),
    ("library_id", Str),
    ("library_name", Str),
    ("content_rating", Str),
    ("genres", Str),
    ("platform", Str),
    ("platform_version", Str),
    ("product", Str),
    ("product_version", Str),
    ("player", Str),
    ("device_id", Str),
    ("transcode_decision", Str),
    ("video_decision", Str),
    ("audio_decision", Str),
    ("subtitle_decision", Str),
    ("video_resolution", Str),
    ("stream_video_resolution", Str),
    ("video_codec", Str),
    ("stream_video_codec", Str),
    ("audio_codec", Str),
    ("stream_audio_codec", Str),
    ("audio_channels", Int),
    ("stream_audio_channels", Int),
    ("bitrate_kbps", Int),
    ("stream_bitrate_kbps", Int),
    ("container", Str),
    ("stream_container", Str),
    ("dynamic_range", Str),
    ("subtitle_codec", Str),
    ("hw_decode", Bool),
    ("hw_encode", Bool),
    ("live", Bool),
    ("latitude", Float),
    ("longitude", Float),
    ("geo_accuracy_km", Float),
    ("country_code", Str),
    ("country_name", Str),
    ("region", Str),
    ("city", Str),
    ("postal_code", Str),
    ("time_zone", Str),
    ("asn", Int),
    ("as_org", Str),
    ("location_label", Str),
    ("geo_source", Str),
    ("h3_r6", Int),
    ("h3_r7", Int),
    ("h3_r8", Int),
];

/// The separator of genre lists in the staging table (ASCII unit separator).
pub(crate) const GENRE_SEP: char = '\u{1f}';

/// The DDL of the temporary staging table.
pub(crate) fn create_stage_sql() -> String {
    let mut sql = String::from("CREATE OR REPLACE TEMP TABLE ingest_stage (");
    for (i, (name, kind)) in STAGE_COLUMNS.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let ty = match kind {
            Str => "VARCHAR",
            Int => "BIGINT",
            Float => "DOUBLE",
            Bool => "BOOLEAN",
        };
        let _ = write!(sql, "{name} {ty}");
    }
    sql.push(')');
    sql
}

enum Col {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
}

/// A batch of staged rows being built.
pub(crate) struct StageBatch {
    cols: Vec<Col>,
    scratch: String,
    /// H3 cells of the points seen in this batch: plays from one place share them,
    /// and computing three cells costs more than everything else a row needs.
    cells: HashMap<(u64, u64), H3Cells>,
}

impl std::fmt::Debug for StageBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageBatch")
            .field("columns", &self.cols.len())
            .finish()
    }
}

/// 64-bit FNV-1a: a stable hash (its value is stored, so it must never change).
pub(crate) fn fnv1a64(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

fn micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

struct RowWriter<'a> {
    cols: &'a mut [Col],
    i: usize,
}

impl RowWriter<'_> {
    fn str(&mut self, v: Option<&str>) {
        if let Col::Str(b) = &mut self.cols[self.i] {
            b.append_option(v);
        } else {
            debug_assert!(false, "column {} is not text", STAGE_COLUMNS[self.i].0);
        }
        self.i += 1;
    }
    fn int(&mut self, v: Option<i64>) {
        if let Col::Int(b) = &mut self.cols[self.i] {
            b.append_option(v);
        } else {
            debug_assert!(
                false,
                "column {} is not an integer",
                STAGE_COLUMNS[self.i].0
            );
        }
        self.i += 1;
    }
    fn float(&mut self, v: Option<f64>) {
        if let Col::Float(b) = &mut self.cols[self.i] {
            b.append_option(v);
        } else {
            debug_assert!(false, "column {} is not a float", STAGE_COLUMNS[self.i].0);
        }
        self.i += 1;
    }
    fn bool(&mut self, v: Option<bool>) {
        if let Col::Bool(b) = &mut self.cols[self.i] {
            b.append_option(v);
        } else {
            debug_assert!(false, "column {} is not a boolean", STAGE_COLUMNS[self.i].0);
        }
        self.i += 1;
    }
}

fn uuid_text<'a>(id: &EventId, buf: &'a mut [u8; 36]) -> &'a str {
    id.as_uuid().hyphenated().encode_lower(buf)
}

impl StageBatch {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        let cols = STAGE_COLUMNS
            .iter()
            .map(|(_, k)| match k {
                Str => Col::Str(StringBuilder::with_capacity(rows, rows * 16)),
                Int => Col::Int(Int64Builder::with_capacity(rows)),
                Float => Col::Float(Float64Builder::with_capacity(rows)),
                Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
            })
            .collect();
        Self {
            cols,
            scratch: String::with_capacity(64),
            cells: HashMap::new(),
        }
    }

    /// Appends one event as row `seq`.
    pub(crate) fn push(&mut self, seq: usize, e: &PlaybackEvent) {
        let scratch = &mut self.scratch;
        let cell_cache = &mut self.cells;
        let mut w = RowWriter {
            cols: &mut self.cols,
            i: 0,
        };
        let id = &e.identity;
        let mut buf = [0u8; 36];
        w.int(Some(seq as i64));
        w.str(Some(uuid_text(&id.event_id, &mut buf)));
        w.str(Some(id.source.as_str()));
        w.str(Some(id.server_id.as_str()));
        w.str(Some(id.session_key.as_str()));
        w.str(Some(id.correlation_key.as_str()));
        w.str(Some(id.cross_source_key.as_str()));
        let ident = id.cross_source_key.identity();
        w.str(Some(ident));
        w.int(Some(fnv1a64(ident)));
        // Few plays have a reference id: formatting it is not on the hot path.
        let reference = id.reference_id.map(|r| r.to_string());
        w.str(reference.as_deref());
        let t = &e.timing;
        w.int(Some(micros(t.started_at)));
        w.int(Some(micros(t.updated_at)));
        w.int(t.stopped_at.map(micros));
        w.int(Some(clamp_u64(t.play_duration_s, u32::MAX as u64)));
        w.int(Some(clamp_u64(t.paused_s, u32::MAX as u64)));
        w.float(Some(if t.percent_complete.is_finite() {
            t.percent_complete.clamp(0.0, 100.0)
        } else {
            0.0
        }));
        w.int(t.view_offset_ms.map(|v| clamp_u64(v, i64::MAX as u64)));
        w.int(t.media_duration_ms.map(|v| clamp_u64(v, i64::MAX as u64)));
        w.str(Some(t.state.as_str()));
        w.bool(Some(t.watched));
        let u = &e.user;
        w.int(Some(i64::from(u.user_id)));
        w.str(Some(u.external_id.as_str()));
        w.str(Some(&u.username));
        w.str(u.friendly_name.as_deref());
        w.str(u.email.as_deref());
        w.str(u.thumb.as_deref());
        let n = &e.network;
        scratch.clear();
        if let Some(ip) = n.ip {
            let _ = write!(scratch, "{ip}");
        }
        let ip_end = scratch.len();
        if let Some(ip) = n.public_ip {
            let _ = write!(scratch, "{ip}");
        }
        w.str(n.ip.map(|_| &scratch[..ip_end]));
        w.str(n.public_ip.map(|_| &scratch[ip_end..]));
        w.str(n.location.map(|l| l.as_str()));
        w.bool(n.secure);
        w.bool(n.relayed);
        w.int(n.bandwidth_kbps.map(i64::from));
        let c = &e.content;
        w.str(Some(c.media_type.as_str()));
        w.str(Some(c.media_key.as_str()));
        w.str(Some(&c.title));
        w.str(c.parent_title.as_deref());
        w.str(c.grandparent_title.as_deref());
        w.str(c.parent_media_key.as_ref().map(|k| k.as_str()));
        w.str(c.grandparent_media_key.as_ref().map(|k| k.as_str()));
        w.int(c.season.map(i64::from));
        w.int(c.episode.map(i64::from));
        w.int(c.year.map(i64::from));
        w.str(c.guid.as_deref());
        w.str(c.external_ids.imdb.as_deref());
        w.str(c.external_ids.tmdb.as_deref());
        w.str(c.external_ids.tvdb.as_deref());
        w.str(c.library_id.as_deref());
        w.str(c.library_name.as_deref());
        w.str(c.content_rating.as_deref());
        if c.genres.is_empty() {
            w.str(None);
        } else {
            let mut g = String::new();
            for (i, genre) in c.genres.iter().enumerate() {
                if i > 0 {
                    g.push(GENRE_SEP);
                }
                g.extend(genre.chars().filter(|ch| *ch != GENRE_SEP));
            }
            w.str(Some(&g));
        }
        let d = &e.device;
        w.str(d.platform.as_deref());
        w.str(d.platform_version.as_deref());
        w.str(d.product.as_deref());
        w.str(d.product_version.as_deref());
        w.str(d.player.as_deref());
        w.str(d.device_id.as_ref().map(|x| x.as_str()));
        let q = &e.quality;
        w.str(q.transcode_decision.map(|x| x.as_str()));
        w.str(q.video_decision.map(|x| x.as_str()));
        w.str(q.audio_decision.map(|x| x.as_str()));
        w.str(q.subtitle_decision.map(|x| x.as_str()));
        w.str(q.video_resolution.as_deref());
        w.str(q.stream_video_resolution.as_deref());
        w.str(q.video_codec.as_deref());
        w.str(q.stream_video_codec.as_deref());
        w.str(q.audio_codec.as_deref());
        w.str(q.stream_audio_codec.as_deref());
        w.int(q.audio_channels.map(i64::from));
        w.int(q.stream_audio_channels.map(i64::from));
        w.int(q.bitrate_kbps.map(i64::from));
        w.int(q.stream_bitrate_kbps.map(i64::from));
        w.str(q.container.as_deref());
        w.str(q.stream_container.as_deref());
        w.str(q.dynamic_range.as_deref());
        w.str(q.subtitle_codec.as_deref());
        w.bool(q.hw_decode);
        w.bool(q.hw_encode);
        w.bool(Some(e.live));
        let g = e.geo.as_ref();
        let point = g.and_then(|g| g.point);
        w.float(point.map(|p| p.lat()));
        w.float(point.map(|p| p.lon()));
        w.float(g.and_then(|g| g.accuracy_km).filter(|a| a.is_finite()));
        w.str(g.and_then(|g| g.country_code.as_deref()));
        w.str(g.and_then(|g| g.country_name.as_deref()));
        w.str(g.and_then(|g| g.region.as_deref()));
        w.str(g.and_then(|g| g.city.as_deref()));
        w.str(g.and_then(|g| g.postal_code.as_deref()));
        w.str(g.and_then(|g| g.time_zone.as_deref()));
        w.int(g.and_then(|g| g.asn).map(i64::from));
        w.str(g.and_then(|g| g.as_org.as_deref()));
        w.str(g.and_then(|g| g.label.as_deref()));
        w.str(g.map(|g| {
            g.source
                .unwrap_or(cartographus_core::GeoSource::Unknown)
                .as_str()
        }));
        let cells = point.map(|p| {
            *cell_cache
                .entry((p.lat().to_bits(), p.lon().to_bits()))
                .or_insert_with(|| p.h3_cells())
        });
        w.int(cells.map(|c| c.r6.get() as i64));
        w.int(cells.map(|c| c.r7.get() as i64));
        w.int(cells.map(|c| c.r8.get() as i64));
        debug_assert_eq!(w.i, STAGE_COLUMNS.len());
    }

    /// Finishes the batch into an Arrow record batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let fields: Vec<Field> = STAGE_COLUMNS
            .iter()
            .map(|(name, kind)| {
                let ty = match kind {
                    Str => DataType::Utf8,
                    Int => DataType::Int64,
                    Float => DataType::Float64,
                    Bool => DataType::Boolean,
                };
                Field::new(*name, ty, true)
            })
            .collect();
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Str(b) => Arc::new(b.finish()),
                    Col::Int(b) => Arc::new(b.finish()),
                    Col::Float(b) => Arc::new(b.finish()),
                    Col::Bool(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }
}

fn clamp_u64(v: u64, max: u64) -> i64 {
    v.min(max) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_stable() {
        // Stored values depend on this hash: it must never change.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }

    #[test]
    fn stage_ddl_lists_every_column() {
        let sql = create_stage_sql();
        for (name, _) in STAGE_COLUMNS {
            assert!(sql.contains(&format!("{name} ")), "{name}");
        }
    }
}

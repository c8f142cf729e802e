//! Column-wise batches for DuckDB's appender.
//!
//! A [`Columns`] builds one Arrow column per entry of a layout (a static list of names
//! and [`Kind`]s), row by row, and hands DuckDB a record batch whose types are the
//! target table's own (UUID, TIMESTAMP, the narrow unsigned integers, lists), so the
//! appender copies values without casting; only ENUM columns travel as text and are
//! cast by the engine. [`PLAY_COLUMNS`] is the layout of `playback_events` itself
//! (new plays are appended straight into it, once), [`KEY_COLUMNS`] the few columns
//! the dedup query needs.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, FixedSizeBinaryBuilder, Float64Builder, Int64Builder, ListBuilder,
    StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder, UInt64Builder,
    UInt8Builder,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use cartographus_core::{EventId, H3Cells, PlaybackEvent};

/// The storage type of one staged column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `UUID` (Arrow: 16-byte fixed binary tagged `arrow.uuid`).
    Uuid,
    /// `VARCHAR`.
    Str,
    /// A DuckDB `ENUM` type of the schema, staged as text and cast by the engine.
    Enum(&'static str),
    /// `BIGINT`.
    I64,
    /// `UTINYINT`.
    U8,
    /// `USMALLINT`.
    U16,
    /// `UINTEGER`.
    U32,
    /// `UBIGINT`.
    U64,
    /// `DOUBLE`.
    F64,
    /// `BOOLEAN`.
    Bool,
    /// `TIMESTAMP` (UTC, microseconds).
    Ts,
    /// `VARCHAR[]`.
    StrList,
}

impl Kind {
    /// The column type of a staging table (ENUMs stay text there).
    fn sql(self) -> &'static str {
        match self {
            Kind::Uuid => "UUID",
            Kind::Str | Kind::Enum(_) => "VARCHAR",
            Kind::I64 => "BIGINT",
            Kind::U8 => "UTINYINT",
            Kind::U16 => "USMALLINT",
            Kind::U32 => "UINTEGER",
            Kind::U64 => "UBIGINT",
            Kind::F64 => "DOUBLE",
            Kind::Bool => "BOOLEAN",
            Kind::Ts => "TIMESTAMP",
            Kind::StrList => "VARCHAR[]",
        }
    }

    fn field(self, name: &str) -> Field {
        let ty = match self {
            Kind::Uuid => DataType::FixedSizeBinary(16),
            Kind::Str | Kind::Enum(_) => DataType::Utf8,
            Kind::I64 => DataType::Int64,
            Kind::U8 => DataType::UInt8,
            Kind::U16 => DataType::UInt16,
            Kind::U32 => DataType::UInt32,
            Kind::U64 => DataType::UInt64,
            Kind::F64 => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Ts => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::StrList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        };
        let field = Field::new(name, ty, true);
        if self == Kind::Uuid {
            // duckdb-rs maps this extension type to UUID.
            field.with_metadata(HashMap::from([(
                "ARROW:extension:name".to_owned(),
                "arrow.uuid".to_owned(),
            )]))
        } else {
            field
        }
    }
}

/// The separator of list values read back as one string (ASCII unit separator).
pub(crate) const GENRE_SEP: char = '\u{1f}';

/// A staging layout: column names and kinds, in order.
pub(crate) type Layout = &'static [(&'static str, Kind)];

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

/// `CREATE OR REPLACE TEMP TABLE {name}` with `layout`'s columns.
pub(crate) fn temp_table_sql(name: &str, layout: Layout) -> String {
    let mut sql = format!("CREATE OR REPLACE TEMP TABLE {name} (");
    for (i, (col, kind)) in layout.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "{col} {}", kind.sql());
    }
    sql.push(')');
    sql
}

enum Col {
    Uuid(FixedSizeBinaryBuilder),
    Str(StringBuilder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMicrosecondBuilder),
    StrList(ListBuilder<StringBuilder>),
}

impl Col {
    fn new(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Uuid => Col::Uuid(FixedSizeBinaryBuilder::with_capacity(rows, 16)),
            Kind::Str | Kind::Enum(_) => Col::Str(StringBuilder::with_capacity(rows, rows * 12)),
            Kind::I64 => Col::I64(Int64Builder::with_capacity(rows)),
            Kind::U8 => Col::U8(UInt8Builder::with_capacity(rows)),
            Kind::U16 => Col::U16(UInt16Builder::with_capacity(rows)),
            Kind::U32 => Col::U32(UInt32Builder::with_capacity(rows)),
            Kind::U64 => Col::U64(UInt64Builder::with_capacity(rows)),
            Kind::F64 => Col::F64(Float64Builder::with_capacity(rows)),
            Kind::Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Ts => Col::Ts(TimestampMicrosecondBuilder::with_capacity(rows)),
            Kind::StrList => Col::StrList(ListBuilder::with_capacity(
                StringBuilder::with_capacity(rows, rows * 8),
                rows,
            )),
        }
    }

    fn append_null(&mut self) {
        match self {
            Col::Uuid(b) => b.append_null(),
            Col::Str(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::U8(b) => b.append_null(),
            Col::U16(b) => b.append_null(),
            Col::U32(b) => b.append_null(),
            Col::U64(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Ts(b) => b.append_null(),
            Col::StrList(b) => b.append(false),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Uuid(b) => Arc::new(b.finish()),
            Col::Str(b) => Arc::new(b.finish()),
            Col::I64(b) => Arc::new(b.finish()),
            Col::U8(b) => Arc::new(b.finish()),
            Col::U16(b) => Arc::new(b.finish()),
            Col::U32(b) => Arc::new(b.finish()),
            Col::U64(b) => Arc::new(b.finish()),
            Col::F64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Ts(b) => Arc::new(b.finish()),
            Col::StrList(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows being built for one layout. Each row writes every column of the layout in
/// order, through the typed writers below; a writer called on a column of another kind
/// stores NULL there (and trips a debug assertion), so a mistake can never shift
/// columns.
pub(crate) struct Columns {
    layout: Layout,
    cols: Vec<Col>,
    i: usize,
    rows: usize,
}

impl std::fmt::Debug for Columns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columns")
            .field("columns", &self.cols.len())
            .field("rows", &self.rows)
            .finish()
    }
}

impl Columns {
    pub(crate) fn new(layout: Layout, rows: usize) -> Self {
        Self {
            layout,
            cols: layout.iter().map(|(_, k)| Col::new(*k, rows)).collect(),
            i: 0,
            rows: 0,
        }
    }

    /// Rows completed so far.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    fn next(&mut self) -> &mut Col {
        let i = self.i;
        self.i += 1;
        if self.i == self.cols.len() {
            self.i = 0;
            self.rows += 1;
        }
        &mut self.cols[i]
    }

    fn mismatch(&self, wanted: &str) {
        let at = self.i.checked_sub(1).unwrap_or(self.cols.len() - 1);
        debug_assert!(false, "column {} is not {wanted}", self.layout[at].0);
    }

    pub(crate) fn uuid(&mut self, v: Option<&uuid::Uuid>) {
        match (self.next(), v) {
            (Col::Uuid(b), Some(u)) => {
                // Cannot fail: the value is exactly 16 bytes.
                let _ = b.append_value(u.as_bytes());
            }
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a UUID");
            }
        }
    }

    pub(crate) fn str(&mut self, v: Option<&str>) {
        match (self.next(), v) {
            (Col::Str(b), Some(s)) => b.append_value(s),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("text");
            }
        }
    }

    /// A list of text values (never NULL: no values is an empty list). Values lose any
    /// [`GENRE_SEP`], which separates them when a list is read back as one string.
    pub(crate) fn str_list(&mut self, values: &[String]) {
        match self.next() {
            Col::StrList(b) => {
                for v in values {
                    if v.contains(GENRE_SEP) {
                        b.values().append_value(v.replace(GENRE_SEP, ""));
                    } else {
                        b.values().append_value(v);
                    }
                }
                b.append(true);
            }
            c => {
                c.append_null();
                self.mismatch("a list");
            }
        }
    }

    /// An integer into any integer column, saturating at the column's range.
    pub(crate) fn int(&mut self, v: Option<i64>) {
        fn sat<T: TryFrom<i64> + Copy>(v: i64, min: T, max: T) -> T {
            T::try_from(v).unwrap_or(if v < 0 { min } else { max })
        }
        let Some(v) = v else {
            self.next().append_null();
            return;
        };
        match self.next() {
            Col::I64(b) => b.append_value(v),
            Col::U8(b) => b.append_value(sat(v, 0, u8::MAX)),
            Col::U16(b) => b.append_value(sat(v, 0, u16::MAX)),
            Col::U32(b) => b.append_value(sat(v, 0, u32::MAX)),
            Col::U64(b) => b.append_value(sat(v, 0, u64::MAX)),
            Col::Ts(b) => b.append_value(v),
            c => {
                c.append_null();
                self.mismatch("an integer");
            }
        }
    }

    /// An unsigned integer into any integer column, saturating at the column's range.
    pub(crate) fn uint(&mut self, v: Option<u64>) {
        match (self.next(), v) {
            (Col::U64(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (_, Some(v)) => {
                // Undo the advance and take the signed path (every other integer column
                // is narrower than i64::MAX anyway).
                self.back();
                self.int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
            }
        }
    }

    fn back(&mut self) {
        if self.i == 0 {
            self.i = self.cols.len() - 1;
            self.rows -= 1;
        } else {
            self.i -= 1;
        }
    }

    pub(crate) fn float(&mut self, v: Option<f64>) {
        match (self.next(), v) {
            (Col::F64(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a float");
            }
        }
    }

    pub(crate) fn bool(&mut self, v: Option<bool>) {
        match (self.next(), v) {
            (Col::Bool(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a boolean");
            }
        }
    }

    /// A timestamp (UTC).
    pub(crate) fn ts(&mut self, v: Option<chrono::DateTime<chrono::Utc>>) {
        match (self.next(), v) {
            (Col::Ts(b), Some(t)) => b.append_value(t.timestamp_micros()),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a timestamp");
            }
        }
    }

    /// The finished record batch (an error only if rows were left incomplete).
    pub(crate) fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        if self.i != 0 {
            return Err(ArrowError::InvalidArgumentError(format!(
                "a staged row stopped at column {} of {}",
                self.i,
                self.cols.len()
            )));
        }
        let fields: Vec<Field> = self.layout.iter().map(|(n, k)| k.field(n)).collect();
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(Col::finish).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }
}

/// Where a staged batch goes: a table of the store's database or a temporary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A table of the database (schema `main`).
    Store,
    /// A temporary table of this connection.
    Temp,
}

/// Appends `batch` to `table` through DuckDB's appender, by column name.
pub(crate) fn append_batch(
    conn: &duckdb::Connection,
    target: Target,
    table: &str,
    layout: Layout,
    batch: RecordBatch,
) -> Result<(), crate::error::IngestError> {
    if batch.num_rows() == 0 {
        return Ok(());
    }
    let names: Vec<&str> = layout.iter().map(|(n, _)| *n).collect();
    let mut app = match target {
        // The database's catalog is named after its file ("memory" in memory): leave it
        // to the connection's default.
        Target::Store => conn.appender_with_columns_to_db(table, "main", &names)?,
        Target::Temp => {
            conn.appender_with_columns_to_catalog_and_db(table, "temp", "main", &names)?
        }
    };
    app.append_record_batch(batch)?;
    app.flush()?;
    Ok(())
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
    fn fnv_is_stable() {
        // Stored values depend on this hash: it must never change.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }

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

    #[test]
    fn temp_table_ddl_lists_every_column() {
        let sql = temp_table_sql("t", PLAY_COLUMNS);
        for (name, _) in PLAY_COLUMNS {
            assert!(sql.contains(&format!("{name} ")), "{name}");
        }
        assert!(sql.contains("source VARCHAR"), "ENUMs are staged as text");
    }

    #[test]
    fn a_kind_mismatch_never_shifts_columns() {
        const L: Layout = &[("a", I64), ("b", Str)];
        let mut c = Columns::new(L, 2);
        c.int(Some(1));
        c.str(Some("x"));
        c.int(None);
        c.str(None);
        assert_eq!(c.rows(), 2);
        let b = c.finish().unwrap();
        assert_eq!((b.num_rows(), b.num_columns()), (2, 2));
        let mut c = Columns::new(L, 1);
        c.int(Some(1));
        assert!(c.finish().is_err(), "an incomplete row is an error");
    }

    #[test]
    fn unsigned_values_saturate_at_the_column_range() {
        const L: Layout = &[("a", U8), ("b", U64), ("c", U32)];
        let mut c = Columns::new(L, 1);
        c.uint(Some(300));
        c.uint(Some(u64::MAX));
        c.int(Some(-5));
        let b = c.finish().unwrap();
        use arrow::array::AsArray;
        use arrow::datatypes::{UInt32Type, UInt64Type, UInt8Type};
        assert_eq!(b.column(0).as_primitive::<UInt8Type>().value(0), 255);
        assert_eq!(b.column(1).as_primitive::<UInt64Type>().value(0), u64::MAX);
        assert_eq!(b.column(2).as_primitive::<UInt32Type>().value(0), 0);
    }
}

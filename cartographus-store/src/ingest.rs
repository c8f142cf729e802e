//! Idempotent batch ingest.
//!
//! A batch goes in as one transaction: the events are checked; their keys alone (id,
//! source, identity hash, start) are classified against the stored plays by one SQL
//! query (same event id; or same
//! identity — server, user, item, device — started less than 300 s apart, which looks
//! into the neighbouring correlation buckets); the batch is deduplicated among itself
//! with core's [`Deduplicator`] (so the store and the live pipeline agree on what a
//! duplicate is); and only the new plays are built column-wise (Arrow) and copied,
//! once, straight into `playback_events` by one `INSERT … SELECT` over the batch,
//! sorted by start time. The side tables (servers,
//! users, places, content) are merged from per-batch summaries. Every dropped event
//! lands in `dedupe_audit` with its payload and layer; every invalid one in
//! `failed_events`. A failure anywhere rolls the whole batch back.
//!
//! `playback_events` has no index: a single writer (the [`Store`]) classifies every
//! batch against the table before appending, which keeps event ids and correlation
//! keys unique without the cost of DuckDB's ART indexes (half the file and a quarter of
//! the insert time, measured).

pub(crate) mod side;

use std::collections::{HashMap, HashSet};

use cartographus_core::{
    DedupConfig, DedupLayer, Deduplicator, EventId, PlaybackEvent, Verdict, BUCKET_SECONDS,
};
use serde::Serialize;

use crate::error::IngestError;
use crate::stage::{
    push_key, push_play, select_sql, CellCache, Columns, KEY_COLUMNS, PLAY_COLUMNS, SCAN_FUNCTION,
};
use crate::store::Store;

/// Duplicates found in a batch, by the layer that recognised them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DuplicateCounts {
    /// The same event id (a retry or replay).
    pub event_id: u64,
    /// The same play from the same source under another id.
    pub correlation_key: u64,
    /// The same play from another source of the same server.
    pub cross_source: u64,
}

impl DuplicateCounts {
    /// All duplicates.
    pub fn total(&self) -> u64 {
        self.event_id + self.correlation_key + self.cross_source
    }

    /// The count of one layer.
    pub fn get(&self, layer: DedupLayer) -> u64 {
        match layer {
            DedupLayer::EventId => self.event_id,
            DedupLayer::CorrelationKey => self.correlation_key,
            DedupLayer::CrossSource => self.cross_source,
        }
    }

    fn add(&mut self, layer: DedupLayer) {
        match layer {
            DedupLayer::EventId => self.event_id += 1,
            DedupLayer::CorrelationKey => self.correlation_key += 1,
            DedupLayer::CrossSource => self.cross_source += 1,
        }
    }
}

/// Why an event was refused (it is kept in `failed_events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// `stopped_at` is before `started_at`.
    #[error("the play stopped before it started")]
    StoppedBeforeStarted,
    /// `started_at` is before 2000 or after 9999.
    #[error("the start time is not plausible")]
    ImplausibleStart,
}

impl RejectReason {
    fn as_str(self) -> &'static str {
        match self {
            RejectReason::StoppedBeforeStarted => "stopped_before_started",
            RejectReason::ImplausibleStart => "implausible_start",
        }
    }
}

/// An event that was not stored because it is a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Dropped {
    /// The dropped event.
    pub event_id: EventId,
    /// The layer that matched.
    pub layer: DedupLayer,
    /// The stored (or earlier in the batch) event it duplicates.
    pub original: EventId,
}

/// An event that was refused as invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Rejected {
    /// The event.
    pub event_id: EventId,
    /// Why.
    pub reason: RejectReason,
}

/// What [`Store::append`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IngestReport {
    /// New plays stored.
    pub inserted: u64,
    /// Duplicates dropped (and audited), by layer.
    pub duplicates: DuplicateCounts,
    /// Each dropped duplicate.
    pub dropped: Vec<Dropped>,
    /// Invalid events refused (and kept in `failed_events`).
    pub failed: Vec<Rejected>,
}

impl IngestReport {
    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: IngestReport) {
        self.inserted += other.inserted;
        self.duplicates.event_id += other.duplicates.event_id;
        self.duplicates.correlation_key += other.duplicates.correlation_key;
        self.duplicates.cross_source += other.duplicates.cross_source;
        self.dropped.extend(other.dropped);
        self.failed.extend(other.failed);
    }
}

pub(crate) fn validate(e: &PlaybackEvent) -> Result<(), RejectReason> {
    use chrono::Datelike;
    let year = e.timing.started_at.year();
    if !(2000..=9999).contains(&year) {
        return Err(RejectReason::ImplausibleStart);
    }
    if e.timing.stopped_at.is_some_and(|s| s < e.timing.started_at) {
        return Err(RejectReason::StoppedBeforeStarted);
    }
    Ok(())
}

/// For each staged event (`s`, the batch's keys), the stored plays it duplicates: the
/// same event id anywhere in the table, or the same cross-source identity (64-bit hash
/// probe, then the exact identity) started less than 300 whole seconds apart. The outer
/// time range (the batch's span widened by the window) lets DuckDB skip row groups by
/// their min/max `started_at`. There is no index: both are hash joins with the batch as
/// build side. Parameters: the keys' scan, then that time range.
fn classify_sql() -> String {
    format!(
        "
WITH s AS MATERIALIZED (SELECT * FROM {SCAN_FUNCTION}(?)),
cand AS (
    SELECT s.seq, p.event_id AS orig,
           p.event_id = s.event_id AS same_id,
           p.source::VARCHAR = s.source AS same_source,
           abs(epoch_us(p.started_at) - s.started_us) AS dt
    FROM s
    JOIN playback_events p
      ON p.xs_identity = s.xs_identity
     AND p.started_at > make_timestamp(s.started_us - 301000000)
     AND p.started_at < make_timestamp(s.started_us + 301000000)
    WHERE p.started_at > make_timestamp(?::BIGINT) AND p.started_at < make_timestamp(?::BIGINT)
      AND abs(epoch_us(p.started_at) // 1000000 - s.started_us // 1000000) < 300
      AND regexp_replace(p.cross_source_key, ':[^:]*$', '') = s.xs_ident
    UNION ALL
    SELECT s.seq, p.event_id, true, p.source::VARCHAR = s.source, 0
    FROM s JOIN playback_events p ON p.event_id = s.event_id
)
SELECT seq,
       CASE WHEN bool_or(same_id) THEN 0 WHEN bool_or(same_source) THEN 1 ELSE 2 END AS layer,
       arg_min(orig, (CASE WHEN same_id THEN 0 WHEN same_source THEN 1 ELSE 2 END)
                     * 1000000000000 + dt)::VARCHAR
FROM cand GROUP BY seq"
    )
}

/// Appends `events` (valid, not duplicates, in storage order) to `playback_events`;
/// returns how many.
pub(crate) fn insert_plays<'a>(
    conn: &duckdb::Connection,
    events: impl ExactSizeIterator<Item = &'a PlaybackEvent>,
    cells: &mut CellCache,
) -> Result<u64, IngestError> {
    let mut cols = Columns::new(PLAY_COLUMNS, events.len());
    let mut scratch = String::with_capacity(64);
    for e in events {
        push_play(&mut cols, cells, &mut scratch, e);
    }
    let n = cols.rows() as u64;
    if n > 0 {
        let scan = cols.into_scan()?;
        let sql = format!(
            "INSERT INTO playback_events BY NAME {}",
            select_sql(PLAY_COLUMNS)
        );
        conn.execute(&sql, [scan.param()])?;
    }
    Ok(n)
}

/// Layers by precedence (core checks the event id first, then the source).
fn rank(layer: DedupLayer) -> u8 {
    match layer {
        DedupLayer::EventId => 0,
        DedupLayer::CorrelationKey => 1,
        DedupLayer::CrossSource => 2,
    }
}

fn layer_of(code: i64) -> DedupLayer {
    match code {
        0 => DedupLayer::EventId,
        1 => DedupLayer::CorrelationKey,
        _ => DedupLayer::CrossSource,
    }
}

fn json(e: &PlaybackEvent) -> String {
    // Serialising a PlaybackEvent cannot fail: every field is plain data.
    serde_json::to_string(e).unwrap_or_else(|_| "{}".to_owned())
}

impl Store {
    /// Stores a batch of new plays, skipping duplicates, in one transaction.
    ///
    /// Feed it new plays (the tracker's `Started` updates, imported rows); later updates
    /// of a stored play go through [`Store::upsert_plays`]. Events should be
    /// geolocated first ([`crate::GeoResolver::enrich`]); an event without `geo` is
    /// stored without a place. Bulk loads are fastest in batches of at least 122,880
    /// plays (one DuckDB row group: full row groups are written to the file directly
    /// instead of through the write-ahead log).
    ///
    /// # Errors
    /// [`IngestError::Db`] when the engine fails; nothing of the batch is stored then.
    pub fn append(&mut self, events: &[PlaybackEvent]) -> Result<IngestReport, IngestError> {
        if events.is_empty() {
            return Ok(IngestReport::default());
        }
        self.check_writable()?;
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let report = append_in_tx(conn, events)?;
        tx.commit()?;
        Ok(report)
    }
}

/// Which staged events duplicate stored plays: index → (layer, original).
fn classify(
    conn: &duckdb::Connection,
    events: &[PlaybackEvent],
    order: &[usize],
) -> Result<HashMap<usize, (DedupLayer, EventId)>, IngestError> {
    let mut keys = Columns::new(KEY_COLUMNS, order.len());
    for &i in order {
        push_key(&mut keys, i, &events[i]);
    }
    let keys = keys.into_scan()?;
    let (lo, hi) = order.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &i| {
        let t = events[i].timing.started_at.timestamp_micros();
        (lo.min(t), hi.max(t))
    });
    let window = (BUCKET_SECONDS + 1) * 1_000_000;
    let mut stored = HashMap::new();
    let mut stmt = conn.prepare(&classify_sql())?;
    let mut rows = stmt.query(duckdb::params![
        keys.param(),
        lo.saturating_sub(window),
        hi.saturating_add(window)
    ])?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let layer = layer_of(r.get(1)?);
        let orig: String = r.get(2)?;
        let Some(i) = usize::try_from(seq).ok().filter(|i| *i < events.len()) else {
            continue;
        };
        let original = orig.parse().unwrap_or_else(|_| events[i].event_id());
        stored.insert(i, (layer, original));
    }
    Ok(stored)
}

/// The body of [`Store::append`], inside a transaction the caller owns.
pub(crate) fn append_in_tx(
    conn: &duckdb::Connection,
    events: &[PlaybackEvent],
) -> Result<IngestReport, IngestError> {
    let mut report = IngestReport::default();
    if events.is_empty() {
        return Ok(report);
    }
    let mut staged: Vec<usize> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        match validate(e) {
            Ok(()) => staged.push(i),
            Err(reason) => report.failed.push(Rejected {
                event_id: e.event_id(),
                reason,
            }),
        }
    }
    let mut audit: Vec<(usize, Dropped)> = Vec::new();
    if !staged.is_empty() {
        // Stored in start-time order: DuckDB keeps insertion order, and sorted row
        // groups let its min/max zonemaps prune time-range queries. Dedup below still
        // walks the batch in the order it was given, as core would.
        let mut order = staged.clone();
        order.sort_by_key(|&i| (events[i].timing.started_at, events[i].event_id()));
        // Against the stored plays, in SQL.
        let stored = classify(conn, events, &order)?;
        // Against the earlier new plays of this batch, in core's own terms: together the
        // two give what core's deduplicator says when fed the plays one by one.
        let mut dedup = Deduplicator::new(DedupConfig::new(u64::MAX / 4, staged.len() + 1));
        let now = events[staged[0]].timing.started_at;
        let mut dropped: HashSet<usize> = HashSet::new();
        for &i in &staged {
            let e = &events[i];
            let in_batch = match dedup.peek(e) {
                Verdict::New => None,
                Verdict::Duplicate { layer, original } => Some((layer, original)),
            };
            let verdict = match (stored.get(&i).copied(), in_batch) {
                (None, None) => None,
                (Some(a), None) | (None, Some(a)) => Some(a),
                (Some(a), Some(b)) => Some(if rank(b.0) < rank(a.0) { b } else { a }),
            };
            match verdict {
                None => {
                    dedup.check(e, now);
                }
                Some((layer, original)) => {
                    dropped.insert(i);
                    audit.push((
                        i,
                        Dropped {
                            event_id: e.event_id(),
                            layer,
                            original,
                        },
                    ));
                }
            }
        }
        let mut cells = CellCache::default();
        let new: Vec<&PlaybackEvent> = order
            .iter()
            .filter(|i| !dropped.contains(i))
            .map(|&i| &events[i])
            .collect();
        report.inserted = insert_plays(conn, new.into_iter(), &mut cells)?;
        side::merge(conn, events, &staged, &mut cells)?;
    }
    if !audit.is_empty() {
        audit.sort_by_key(|(i, _)| *i);
        conn.execute_batch("DELETE FROM audit_stage")?;
        let mut app = conn.appender_to_catalog_and_db("audit_stage", "temp", "main")?;
        for (i, d) in &audit {
            let e = &events[*i];
            app.append_row(duckdb::params![
                d.event_id.to_string(),
                d.layer.as_str(),
                d.original.to_string(),
                e.identity.source.as_str(),
                e.identity.server_id.as_str(),
                e.identity.correlation_key.as_str(),
                e.timing.started_at.timestamp_micros(),
                json(e),
            ])?;
            report.duplicates.add(d.layer);
        }
        app.flush()?;
        drop(app);
        conn.execute_batch(
            "INSERT INTO dedupe_audit (event_id, layer, original_event_id, source, server_id,
                    correlation_key, started_at, payload)
                 SELECT event_id::UUID, layer::dedup_layer_t, original::UUID, source::source_t,
                    server_id, correlation_key, make_timestamp(started_us), payload::JSON
                 FROM audit_stage",
        )?;
        report.dropped = audit.into_iter().map(|(_, d)| d).collect();
    }
    if !report.failed.is_empty() {
        let by_id: HashMap<EventId, &PlaybackEvent> =
            events.iter().map(|e| (e.event_id(), e)).collect();
        let mut stmt = conn.prepare_cached(
            "INSERT INTO failed_events (event_id, source, stage, error, payload)
                 VALUES (?::UUID, ?, 'ingest', ?, ?)",
        )?;
        for f in &report.failed {
            let e = by_id[&f.event_id];
            stmt.execute(duckdb::params![
                f.event_id.to_string(),
                e.identity.source.as_str(),
                f.reason.as_str(),
                json(e),
            ])?;
        }
    }
    Ok(report)
}

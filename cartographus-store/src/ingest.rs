//! Idempotent batch ingest.
//!
//! A batch goes in as one transaction: the events are checked, deduplicated among
//! themselves with core's [`Deduplicator`] (so the store and the live pipeline agree on
//! what a duplicate is), appended column-wise to the temporary `ingest_stage` table,
//! classified against the stored plays by one SQL query (same event id; or same
//! identity — server, user, item, device — started less than 300 s apart, which looks
//! into the neighbouring correlation buckets), and the rest is copied into
//! `playback_events` by one set-based `INSERT … SELECT`, sorted by start time. Every
//! dropped event lands in `dedupe_audit` with its payload and layer; every invalid one
//! in `failed_events`. A failure anywhere rolls the whole batch back.

use std::collections::HashMap;

use cartographus_core::{
    DedupConfig, DedupLayer, Deduplicator, EventId, PlaybackEvent, Verdict, BUCKET_SECONDS,
};
use serde::Serialize;

use crate::error::IngestError;
use crate::stage::StageBatch;
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

const CLASSIFY_SQL: &str = "
WITH cand AS (
    SELECT s.seq, p.event_id::VARCHAR AS orig,
           p.event_id = s.event_id::UUID AS same_id,
           p.source::VARCHAR = s.source AS same_source,
           abs(epoch_us(p.started_at) - s.started_us) AS dt
    FROM ingest_stage s
    JOIN playback_events p
      ON p.xs_identity = s.xs_identity
     AND p.started_at > make_timestamp(s.started_us - 301000000)
     AND p.started_at < make_timestamp(s.started_us + 301000000)
    WHERE p.started_at > make_timestamp(?::BIGINT) AND p.started_at < make_timestamp(?::BIGINT)
      AND abs(epoch_us(p.started_at) // 1000000 - s.started_us // 1000000) < 300
      AND regexp_replace(p.cross_source_key, ':[^:]*$', '') = s.xs_ident
    UNION ALL
    SELECT s.seq, p.event_id::VARCHAR, true, p.source::VARCHAR = s.source, 0
    FROM ingest_stage s JOIN playback_events p ON p.event_id = s.event_id::UUID
    WHERE ?::BOOLEAN
       OR (p.started_at > make_timestamp(?::BIGINT) AND p.started_at < make_timestamp(?::BIGINT))
)
SELECT seq,
       CASE WHEN bool_or(same_id) THEN 0 WHEN bool_or(same_source) THEN 1 ELSE 2 END AS layer,
       arg_min(orig, (CASE WHEN same_id THEN 0 WHEN same_source THEN 1 ELSE 2 END) * 1000000000000 + dt)
FROM cand GROUP BY seq";

pub(crate) const INSERT_SQL: &str = "
INSERT INTO playback_events
SELECT event_id::UUID, source::source_t, server_id, session_key, correlation_key,
       md5_number(correlation_key), cross_source_key, xs_identity, reference_id::UUID, make_timestamp(started_us),
       make_timestamp(updated_us), make_timestamp(stopped_us), play_duration_s, paused_s,
       percent_complete, view_offset_ms, media_duration_ms, state::play_state_t, watched,
       user_id, external_user_id, username, friendly_name, ip, public_ip,
       network_location::net_location_t, secure, relayed, bandwidth_kbps,
       media_type::media_type_t, media_key, title, parent_title, grandparent_title,
       parent_media_key, grandparent_media_key, season, episode, year, guid, imdb_id,
       tmdb_id, tvdb_id, library_id, library_name, content_rating,
       CASE WHEN genres IS NULL THEN []::VARCHAR[] ELSE string_split(genres, chr(31)) END,
       platform, platform_version, product, product_version, player, device_id,
       transcode_decision::transcode_t, video_decision::stream_decision_t,
       audio_decision::stream_decision_t, subtitle_decision::stream_decision_t,
       video_resolution, stream_video_resolution, video_codec, stream_video_codec,
       audio_codec, stream_audio_codec, audio_channels, stream_audio_channels,
       bitrate_kbps, stream_bitrate_kbps, container, stream_container, dynamic_range,
       subtitle_codec, hw_decode, hw_encode, live, latitude, longitude, geo_accuracy_km,
       country_code, country_name, region, city, postal_code, time_zone, asn, as_org,
       location_label, geo_source::geo_source_t, h3_r6, h3_r7, h3_r8
FROM ingest_stage
WHERE seq NOT IN (SELECT seq FROM ingest_drop)";

const PLATFORM_SQL: &str =
    "CASE source WHEN 'jellyfin' THEN 'jellyfin' WHEN 'emby' THEN 'emby' ELSE 'plex' END";

fn side_tables_sql() -> [String; 4] {
    [
        format!(
            "INSERT INTO servers (server_id, platform, first_seen_at, last_seen_at)
             SELECT server_id, any_value({PLATFORM_SQL}), make_timestamp(min(started_us)),
                    make_timestamp(max(started_us))
             FROM ingest_stage GROUP BY server_id
             ON CONFLICT (server_id) DO UPDATE SET
                first_seen_at = least(servers.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(servers.last_seen_at, excluded.last_seen_at)"
        ),
        format!(
            "INSERT INTO users (user_id, platform, server_id, external_user_id, username,
                                friendly_name, email, thumb, first_seen_at, last_seen_at)
             SELECT user_id, any_value({PLATFORM_SQL}), any_value(server_id),
                    any_value(external_user_id), arg_max(username, started_us),
                    arg_max(friendly_name, started_us), arg_max(email, started_us),
                    arg_max(thumb, started_us), make_timestamp(min(started_us)),
                    make_timestamp(max(started_us))
             FROM ingest_stage GROUP BY user_id
             ON CONFLICT (user_id) DO UPDATE SET
                username = excluded.username,
                friendly_name = coalesce(excluded.friendly_name, users.friendly_name),
                email = coalesce(excluded.email, users.email),
                thumb = coalesce(excluded.thumb, users.thumb),
                first_seen_at = least(users.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(users.last_seen_at, excluded.last_seen_at)"
        ),
        "INSERT OR REPLACE INTO geolocations (ip, latitude, longitude, accuracy_km, city, region,
                country_code, country_name, postal_code, time_zone, asn, as_org, label,
                h3_r6, h3_r7, h3_r8, source)
         SELECT coalesce(public_ip, ip), arg_max(latitude, started_us),
                arg_max(longitude, started_us), arg_max(geo_accuracy_km, started_us),
                arg_max(city, started_us), arg_max(region, started_us),
                arg_max(country_code, started_us), arg_max(country_name, started_us),
                arg_max(postal_code, started_us), arg_max(time_zone, started_us),
                arg_max(asn, started_us), arg_max(as_org, started_us),
                arg_max(location_label, started_us), arg_max(h3_r6, started_us),
                arg_max(h3_r7, started_us), arg_max(h3_r8, started_us),
                arg_max(geo_source, started_us)::geo_source_t
         FROM ingest_stage
         WHERE geo_source IS NOT NULL AND coalesce(public_ip, ip) IS NOT NULL
         GROUP BY coalesce(public_ip, ip)"
            .to_owned(),
        // Items already mapped are skipped: a mapping changes when an item is re-matched,
        // which is rare, and replacing rows costs more than all other side tables.
        format!(
            "INSERT INTO content_mappings (server_id, media_key, platform, media_type,
                title, content_id, imdb_id, tmdb_id, tvdb_id)
             SELECT s.server_id, s.media_key, any_value({PLATFORM_SQL}),
                    arg_max(s.media_type, s.started_us)::media_type_t,
                    arg_max(s.title, s.started_us),
                    arg_max(coalesce('imdb:' || s.imdb_id, 'tmdb:' || s.tmdb_id, 'tvdb:' || s.tvdb_id), s.started_us),
                    arg_max(s.imdb_id, s.started_us), arg_max(s.tmdb_id, s.started_us),
                    arg_max(s.tvdb_id, s.started_us)
             FROM ingest_stage s
             ANTI JOIN content_mappings c ON c.server_id = s.server_id AND c.media_key = s.media_key
             WHERE coalesce(s.imdb_id, s.tmdb_id, s.tvdb_id) IS NOT NULL
             GROUP BY s.server_id, s.media_key"
        ),
    ]
}

/// Whether the engine refused a write because of a PRIMARY KEY or UNIQUE constraint.
pub(crate) fn is_constraint_violation(e: &crate::error::DbError) -> bool {
    let m = e.to_string();
    m.contains("Constraint Error")
        || m.contains("violates primary key")
        || m.contains("violates unique")
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
    /// stored without a place.
    ///
    /// # Errors
    /// [`IngestError::Db`] when the engine fails; nothing of the batch is stored then.
    pub fn append(&mut self, events: &[PlaybackEvent]) -> Result<IngestReport, IngestError> {
        if events.is_empty() {
            return Ok(IngestReport::default());
        }
        let conn = self.conn();
        let attempt = |thorough: bool| -> Result<IngestReport, IngestError> {
            let tx = conn.unchecked_transaction()?;
            let report = append_in_tx(conn, events, thorough)?;
            tx.commit()?;
            Ok(report)
        };
        // The fast path looks for repeated event ids among stored plays that started
        // near the batch (ids derive from the start time); an id stored with another
        // start time makes the insert break the primary key, and the batch is then
        // classified again against every stored id.
        match attempt(false) {
            Err(IngestError::Db(e)) if is_constraint_violation(&e) => attempt(true),
            other => other,
        }
    }
}

/// The body of [`Store::append`], inside a transaction the caller owns.
pub(crate) fn append_in_tx(
    conn: &duckdb::Connection,
    events: &[PlaybackEvent],
    thorough: bool,
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
    conn.execute_batch("DELETE FROM ingest_stage; DELETE FROM ingest_drop;")?;
    if !staged.is_empty() {
        // Staged (and so stored) in start-time order: DuckDB keeps insertion order, and
        // sorted row groups let its min/max zonemaps prune time-range queries. Dedup
        // below still walks the batch in the order it was given, as core would.
        let mut order = staged.clone();
        order.sort_by_key(|&i| (events[i].timing.started_at, events[i].event_id()));
        let mut batch = StageBatch::with_capacity(order.len());
        for &i in &order {
            batch.push(i, &events[i]);
        }
        let mut app = conn.appender_to_catalog_and_db("ingest_stage", "temp", "main")?;
        app.append_record_batch(batch.finish()?)?;
        app.flush()?;
        drop(app);

        // Against the stored plays, in SQL.
        let (lo, hi) = staged.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &i| {
            let t = events[i].timing.started_at.timestamp_micros();
            (lo.min(t), hi.max(t))
        });
        let window = (BUCKET_SECONDS + 1) * 1_000_000;
        let mut stored: HashMap<usize, (DedupLayer, EventId)> = HashMap::new();
        {
            let mut stmt = conn.prepare_cached(CLASSIFY_SQL)?;
            let mut rows = stmt.query(duckdb::params![
                lo - window,
                hi + window,
                thorough,
                lo - window,
                hi + window
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
        }
        // Against the earlier new plays of this batch, in core's own terms: together the
        // two give what core's deduplicator says when fed the plays one by one.
        let mut dedup = Deduplicator::new(DedupConfig::new(u64::MAX / 4, staged.len() + 1));
        let now = events[staged[0]].timing.started_at;
        let mut drops: Vec<i64> = Vec::new();
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
                    drops.push(i as i64);
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
        if !drops.is_empty() {
            let mut app = conn.appender_to_catalog_and_db("ingest_drop", "temp", "main")?;
            for s in &drops {
                app.append_row([*s])?;
            }
            app.flush()?;
        }
        report.inserted = conn.execute(INSERT_SQL, [])? as u64;
        for sql in side_tables_sql() {
            conn.execute_batch(&sql)?;
        }
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

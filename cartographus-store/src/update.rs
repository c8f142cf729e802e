//! Updates of stored plays: the session tracker's `Progress`, `Paused`, `Resumed` and
//! `Stopped` updates carry the event id of the play they continue. They overwrite the
//! play's moving parts (times, durations, state, position, quality) when they are not
//! older than what is stored; a play that is not stored yet (its start was lost) is
//! inserted through the normal, deduplicating ingest path.

use std::collections::HashMap;

use cartographus_core::{EventId, PlaybackEvent};
use serde::Serialize;

use crate::error::IngestError;
use crate::ingest::{append_in_tx, validate, IngestReport};
use crate::stage::{push_play, CellCache, Columns, PLAY_COLUMNS};
use crate::store::Store;

/// What [`Store::upsert_plays`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UpsertReport {
    /// Stored plays brought up to date.
    pub updated: u64,
    /// Updates older than what is stored, ignored.
    pub stale: u64,
    /// Plays that were not stored yet, sent through ingest (inserted, duplicate or
    /// failed).
    pub ingested: IngestReport,
}

const UPDATE_SQL: &str = "
UPDATE playback_events AS p SET
    updated_at = s.updated_at,
    stopped_at = coalesce(s.stopped_at, p.stopped_at),
    play_duration_s = s.play_duration_s,
    paused_s = s.paused_s,
    percent_complete = s.percent_complete,
    view_offset_ms = coalesce(s.view_offset_ms, p.view_offset_ms),
    media_duration_ms = coalesce(s.media_duration_ms, p.media_duration_ms),
    state = s.state::play_state_t,
    watched = s.watched,
    reference_id = coalesce(s.reference_id, p.reference_id),
    bandwidth_kbps = coalesce(s.bandwidth_kbps, p.bandwidth_kbps),
    transcode_decision = coalesce(s.transcode_decision::transcode_t, p.transcode_decision),
    video_decision = coalesce(s.video_decision::stream_decision_t, p.video_decision),
    audio_decision = coalesce(s.audio_decision::stream_decision_t, p.audio_decision),
    subtitle_decision = coalesce(s.subtitle_decision::stream_decision_t, p.subtitle_decision),
    stream_video_resolution = coalesce(s.stream_video_resolution, p.stream_video_resolution),
    stream_video_codec = coalesce(s.stream_video_codec, p.stream_video_codec),
    stream_audio_codec = coalesce(s.stream_audio_codec, p.stream_audio_codec),
    stream_audio_channels = coalesce(s.stream_audio_channels, p.stream_audio_channels),
    stream_bitrate_kbps = coalesce(s.stream_bitrate_kbps, p.stream_bitrate_kbps),
    stream_container = coalesce(s.stream_container, p.stream_container),
    subtitle_codec = coalesce(s.subtitle_codec, p.subtitle_codec),
    hw_decode = coalesce(s.hw_decode, p.hw_decode),
    hw_encode = coalesce(s.hw_encode, p.hw_encode),
    latitude = CASE WHEN p.geo_source IS NULL THEN s.latitude ELSE p.latitude END,
    longitude = CASE WHEN p.geo_source IS NULL THEN s.longitude ELSE p.longitude END,
    geo_accuracy_km = CASE WHEN p.geo_source IS NULL THEN s.geo_accuracy_km ELSE p.geo_accuracy_km END,
    country_code = CASE WHEN p.geo_source IS NULL THEN s.country_code ELSE p.country_code END,
    country_name = CASE WHEN p.geo_source IS NULL THEN s.country_name ELSE p.country_name END,
    region = CASE WHEN p.geo_source IS NULL THEN s.region ELSE p.region END,
    city = CASE WHEN p.geo_source IS NULL THEN s.city ELSE p.city END,
    postal_code = CASE WHEN p.geo_source IS NULL THEN s.postal_code ELSE p.postal_code END,
    time_zone = CASE WHEN p.geo_source IS NULL THEN s.time_zone ELSE p.time_zone END,
    asn = CASE WHEN p.geo_source IS NULL THEN s.asn ELSE p.asn END,
    as_org = CASE WHEN p.geo_source IS NULL THEN s.as_org ELSE p.as_org END,
    location_label = CASE WHEN p.geo_source IS NULL THEN s.location_label ELSE p.location_label END,
    h3_r6 = CASE WHEN p.geo_source IS NULL THEN s.h3_r6 ELSE p.h3_r6 END,
    h3_r7 = CASE WHEN p.geo_source IS NULL THEN s.h3_r7 ELSE p.h3_r7 END,
    h3_r8 = CASE WHEN p.geo_source IS NULL THEN s.h3_r8 ELSE p.h3_r8 END,
    geo_source = coalesce(p.geo_source, s.geo_source::geo_source_t)
FROM cg_arrow(?) AS s
WHERE p.event_id = s.event_id AND s.updated_at >= p.updated_at";

const MISSING_SQL: &str = "
SELECT s.event_id::VARCHAR, EXISTS (SELECT 1 FROM playback_events p WHERE p.event_id = s.event_id)
FROM cg_arrow(?) s";

impl Store {
    /// Applies the tracker's `Stopped` update of one play (see [`Store::upsert_plays`]).
    pub fn upsert_stop(&mut self, event: &PlaybackEvent) -> Result<UpsertReport, IngestError> {
        self.upsert_plays(std::slice::from_ref(event))
    }

    /// Brings stored plays up to date with later updates of them (progress, pause,
    /// resume, stop), matched by event id, in one transaction. An update older than
    /// the stored `updated_at` is ignored, so replays never roll a play back. A play
    /// that is not stored is ingested as new (deduplicated as [`Store::append`] does).
    pub fn upsert_plays(&mut self, events: &[PlaybackEvent]) -> Result<UpsertReport, IngestError> {
        let mut report = UpsertReport::default();
        if events.is_empty() {
            return Ok(report);
        }
        // Keep the latest update of each play.
        let mut latest: HashMap<EventId, usize> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            if validate(e).is_err() {
                continue;
            }
            latest
                .entry(e.event_id())
                .and_modify(|j| {
                    if events[*j].timing.updated_at <= e.timing.updated_at {
                        *j = i;
                    }
                })
                .or_insert(i);
        }
        let mut chosen: Vec<usize> = latest.into_values().collect();
        chosen.sort_unstable();

        self.check_writable()?;
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let mut cols = Columns::new(PLAY_COLUMNS, chosen.len());
        let (mut cells, mut scratch) = (CellCache::default(), String::new());
        for &i in &chosen {
            push_play(&mut cols, &mut cells, &mut scratch, &events[i]);
        }
        let scan = cols.into_scan()?;
        let by_id: HashMap<EventId, usize> =
            chosen.iter().map(|&i| (events[i].event_id(), i)).collect();

        let mut missing: Vec<PlaybackEvent> = Vec::new();
        let mut existing = 0u64;
        {
            let mut stmt = conn.prepare(MISSING_SQL)?;
            let mut rows = stmt.query([scan.param()])?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let exists: bool = r.get(1)?;
                if exists {
                    existing += 1;
                } else if let Some(&i) = id.parse().ok().and_then(|id| by_id.get(&id)) {
                    missing.push(events[i].clone());
                }
            }
        }
        report.updated = conn.execute(UPDATE_SQL, [scan.param()])? as u64;
        report.stale = existing.saturating_sub(report.updated);
        // Invalid updates go through ingest too, so they are recorded as failed.
        let invalid = events.iter().filter(|e| validate(e).is_err()).cloned();
        missing.extend(invalid);
        if !missing.is_empty() {
            report.ingested = append_in_tx(conn, &missing)?;
        }
        tx.commit()?;
        Ok(report)
    }
}

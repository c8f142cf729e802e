//! Nothing is silently lost: the dedup audit (every event ingest dropped as a
//! duplicate, with its payload and layer, restorable) and the dead-letter table
//! `failed_events` (events that could not be stored, with their error, retryable —
//! written by ingest for invalid events and by the server's write-ahead log for
//! entries that kept failing).

use cartographus_core::{DedupLayer, EventId, PlaybackEvent};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{IngestError, QueryError};
use crate::ingest::{append_in_tx, insert_plays, validate, IngestReport, Rejected};
use crate::stage::CellCache;
use crate::store::{Reader, Store};

/// A dropped duplicate, as audited.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditEntry {
    /// The entry's number.
    pub audit_id: i64,
    /// Which layer matched.
    pub layer: DedupLayer,
    /// The event it duplicated.
    pub original: Option<EventId>,
    /// The dropped event, complete.
    pub event: PlaybackEvent,
    /// When it was restored into the history, if it was.
    pub restored_at: Option<DateTime<Utc>>,
}

/// A dead letter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FailedEvent {
    /// The entry's number.
    pub failed_id: i64,
    /// The event's id, when known.
    pub event_id: Option<EventId>,
    /// Its source, when known.
    pub source: Option<String>,
    /// Where it failed (`ingest`, `wal`, `nats`…).
    pub stage: String,
    /// The error.
    pub error: String,
    /// The payload as received (a `PlaybackEvent` in JSON for events).
    pub payload: serde_json::Value,
    /// How many times it was tried.
    pub attempts: u32,
    /// When it was resolved (stored on retry), if it was.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What restoring an audited duplicate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RestoreOutcome {
    /// The event is now in the history.
    Restored,
    /// It was restored before.
    AlreadyRestored,
    /// Its event id or correlation key is already in the history: it cannot be stored
    /// beside the play it duplicates.
    Conflict,
    /// No audit entry has this number.
    NotFound,
}

fn bad(column: &'static str, detail: impl ToString) -> QueryError {
    QueryError::Decode {
        column,
        detail: detail.to_string(),
    }
}

fn layer(s: &str) -> Option<DedupLayer> {
    match s {
        "event_id" => Some(DedupLayer::EventId),
        "correlation_key" => Some(DedupLayer::CorrelationKey),
        "cross_source" => Some(DedupLayer::CrossSource),
        _ => None,
    }
}

impl Store {
    /// Puts an audited duplicate into the history after all (an operator decided it
    /// is a play of its own); `now` is recorded as the restore time.
    pub fn restore_duplicate(
        &mut self,
        audit_id: i64,
        now: DateTime<Utc>,
    ) -> Result<RestoreOutcome, IngestError> {
        let entry = self.reads().audit_entry(audit_id)?;
        let Some(entry) = entry else {
            return Ok(RestoreOutcome::NotFound);
        };
        if entry.restored_at.is_some() {
            return Ok(RestoreOutcome::AlreadyRestored);
        }
        self.check_writable()?;
        let conn = self.conn();
        let clash: i64 = conn.query_row(
            "SELECT count(*) FROM playback_events
             WHERE event_id = ?::UUID OR correlation_key = ?",
            duckdb::params![
                entry.event.event_id().to_string(),
                entry.event.identity.correlation_key.as_str()
            ],
            |r| r.get(0),
        )?;
        if clash > 0 {
            return Ok(RestoreOutcome::Conflict);
        }
        let tx = conn.unchecked_transaction()?;
        insert_plays(
            conn,
            std::iter::once(&entry.event),
            &mut CellCache::default(),
        )?;
        conn.execute(
            "UPDATE dedupe_audit SET restored_at = make_timestamp(?::BIGINT) WHERE audit_id = ?",
            duckdb::params![now.timestamp_micros(), audit_id],
        )?;
        tx.commit()?;
        Ok(RestoreOutcome::Restored)
    }

    /// Adds a dead letter (for the server's write-ahead log and queue consumers);
    /// returns its number.
    pub fn record_failed(
        &mut self,
        stage: &str,
        error: &str,
        event_id: Option<EventId>,
        source: Option<&str>,
        payload: &serde_json::Value,
    ) -> Result<i64, IngestError> {
        let id: i64 = self.conn().query_row(
            "INSERT INTO failed_events (event_id, source, stage, error, payload)
             VALUES (?::UUID, ?, ?, ?, ?::JSON) RETURNING failed_id",
            duckdb::params![
                event_id.map(|e| e.to_string()),
                source,
                stage,
                error,
                payload.to_string()
            ],
            |r| r.get(0),
        )?;
        Ok(id)
    }

    /// Tries a dead letter again: its payload is ingested as a play. When that stores
    /// it (or finds it already stored), the letter is resolved at `now`; otherwise its
    /// attempt count grows. `None` when there is no such letter or its payload is not
    /// a play.
    pub fn retry_failed(
        &mut self,
        failed_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<IngestReport>, IngestError> {
        self.check_writable()?;
        let conn = self.conn();
        let payload: Option<String> = match conn.query_row(
            "SELECT payload::VARCHAR FROM failed_events WHERE failed_id = ? AND resolved_at IS NULL",
            [failed_id],
            |r| r.get(0),
        ) {
            Ok(p) => Some(p),
            Err(duckdb::Error::QueryReturnedNoRows) => None,
            Err(e) => return Err(e.into()),
        };
        let Some(event) = payload.and_then(|p| serde_json::from_str::<PlaybackEvent>(&p).ok())
        else {
            return Ok(None);
        };
        if let Err(reason) = validate(&event) {
            conn.execute(
                "UPDATE failed_events SET attempts = attempts + 1 WHERE failed_id = ?",
                [failed_id],
            )?;
            let mut report = IngestReport::default();
            report.failed.push(Rejected {
                event_id: event.event_id(),
                reason,
            });
            return Ok(Some(report));
        }
        let tx = conn.unchecked_transaction()?;
        let report = append_in_tx(conn, std::slice::from_ref(&event))?;
        conn.execute(
            "UPDATE failed_events SET resolved_at = make_timestamp(?::BIGINT),
                    attempts = attempts + 1 WHERE failed_id = ?",
            duckdb::params![now.timestamp_micros(), failed_id],
        )?;
        tx.commit()?;
        Ok(Some(report))
    }
}

const AUDIT_SELECT: &str = "SELECT audit_id, layer::VARCHAR, original_event_id::VARCHAR,
    payload::VARCHAR, epoch_us(restored_at) FROM dedupe_audit";

fn decode_audit(r: &duckdb::Row<'_>) -> Result<AuditEntry, QueryError> {
    let l: String = r.get(1)?;
    let payload: String = r.get(3)?;
    Ok(AuditEntry {
        audit_id: r.get(0)?,
        layer: layer(&l).ok_or_else(|| bad("layer", l))?,
        original: r
            .get::<_, Option<String>>(2)?
            .map(|s| s.parse::<EventId>())
            .transpose()
            .map_err(|e| bad("original_event_id", e))?,
        event: serde_json::from_str(&payload).map_err(|e| bad("payload", e))?,
        restored_at: r
            .get::<_, Option<i64>>(4)?
            .and_then(DateTime::from_timestamp_micros),
    })
}

impl Reader {
    /// Audit entries after number `after_id`, oldest first, at most `limit`;
    /// optionally of one layer only.
    pub fn dedupe_audit(
        &self,
        layer: Option<DedupLayer>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, QueryError> {
        let mut stmt = self.conn.prepare(&format!(
            "{AUDIT_SELECT} WHERE audit_id > ? AND (? IS NULL OR layer::VARCHAR = ?)
             ORDER BY audit_id LIMIT ?"
        ))?;
        let l = layer.map(|l| l.as_str());
        let mut rows = stmt.query(duckdb::params![
            after_id,
            l,
            l,
            i64::from(limit.clamp(1, 10_000))
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(decode_audit(r)?);
        }
        Ok(out)
    }

    /// One audit entry.
    pub fn audit_entry(&self, audit_id: i64) -> Result<Option<AuditEntry>, QueryError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{AUDIT_SELECT} WHERE audit_id = ?"))?;
        let mut rows = stmt.query([audit_id])?;
        rows.next()?.map(decode_audit).transpose()
    }

    /// Dead letters after number `after_id`, oldest first, at most `limit`;
    /// `unresolved_only` hides those already stored by a retry.
    pub fn failed_events(
        &self,
        unresolved_only: bool,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<FailedEvent>, QueryError> {
        let mut stmt = self.conn.prepare(
            "SELECT failed_id, event_id::VARCHAR, source, stage, error, payload::VARCHAR, attempts,
                    epoch_us(resolved_at)
             FROM failed_events WHERE failed_id > ? AND (NOT ? OR resolved_at IS NULL)
             ORDER BY failed_id LIMIT ?",
        )?;
        let mut rows = stmt.query(duckdb::params![
            after_id,
            unresolved_only,
            i64::from(limit.clamp(1, 10_000))
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let payload: String = r.get(5)?;
            out.push(FailedEvent {
                failed_id: r.get(0)?,
                event_id: r
                    .get::<_, Option<String>>(1)?
                    .map(|s| s.parse::<EventId>())
                    .transpose()
                    .map_err(|e| bad("event_id", e))?,
                source: r.get(2)?,
                stage: r.get(3)?,
                error: r.get(4)?,
                payload: serde_json::from_str(&payload).map_err(|e| bad("payload", e))?,
                attempts: r.get::<_, i32>(6)?.max(0) as u32,
                resolved_at: r
                    .get::<_, Option<i64>>(7)?
                    .and_then(DateTime::from_timestamp_micros),
            });
        }
        Ok(out)
    }
}

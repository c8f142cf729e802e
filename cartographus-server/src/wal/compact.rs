//! Compaction and dead letters: batches whose entries are all confirmed are dropped, entries older than the TTL
//! that keep failing are moved out as dead letters (kept until released, so a crash
//! between moving them out and storing them elsewhere loses nothing), and an oversized file
//! is shrunk.

use cartographus_core::{EventId, PlaybackEvent, Source};
use chrono::{DateTime, Utc};
use redb::{ReadableDatabase, ReadableTable};
use serde::Serialize;

use super::codec::{self, DeadRecord, Meta};
use super::{
    read_state, Commit, Live, Payloads, Released, Wal, WalError, WalSeq, BATCHES, COMPACTED_KEY,
    CONFIRMED_KEY, DEAD, FAILURES, LIVE, PENDING, STATE,
};

/// What one compaction did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CompactReport {
    /// Entries dropped: those of batches whose every entry was confirmed or released.
    pub dropped_entries: u64,
    /// Entries moved out as dead letters by this compaction (store them, then
    /// [`Wal::release_dead_letters`]).
    pub dead_letters: Vec<DeadLetter>,
    /// Whether the file was shrunk.
    pub file_compacted: bool,
    /// File size before, in bytes.
    pub file_bytes_before: u64,
    /// File size after, in bytes.
    pub file_bytes_after: u64,
}

/// An entry that kept failing past the TTL, moved out of the replay set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DeadLetter {
    /// Its position in the WAL; release it with this.
    pub seq: WalSeq,
    /// The event's id, when the payload could be read.
    pub event_id: Option<EventId>,
    /// The event's source, when the payload could be read.
    pub source: Option<Source>,
    /// The event as JSON (the WAL's stored bytes; lossy only if they were damaged).
    pub payload_json: String,
    /// Failed attempts.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it was appended.
    pub appended_at: DateTime<Utc>,
    /// When it was moved out.
    pub dead_at: DateTime<Utc>,
}

impl DeadLetter {
    /// The event, decoded from the payload.
    pub fn event(&self) -> Result<PlaybackEvent, serde_json::Error> {
        serde_json::from_str(&self.payload_json)
    }

    fn build(seq: WalSeq, record: &DeadRecord, payload: Option<&[u8]>) -> Result<Self, WalError> {
        let decode = |source| WalError::Decode { seq, source };
        let event = payload.and_then(|j| serde_json::from_slice::<PlaybackEvent>(j).ok());
        let payload_json = match payload {
            Some(j) => String::from_utf8_lossy(j).into_owned(),
            None => "null".to_owned(),
        };
        Ok(Self {
            seq,
            event_id: event.as_ref().map(PlaybackEvent::event_id),
            source: event.as_ref().map(|e| e.identity.source),
            payload_json,
            attempts: record.meta.attempts,
            error: record.error.clone(),
            appended_at: codec::from_ms(record.meta.appended_ms, "dead letter").map_err(decode)?,
            dead_at: codec::from_ms(record.dead_ms, "dead letter").map_err(decode)?,
        })
    }
}

impl Wal {
    /// Whether compaction is due at `now`: never compacted, [`compact_interval`] passed
    /// since the last one, or [`compact_confirmed`] confirmed entries waiting.
    ///
    /// [`compact_interval`]: super::WalConfig::compact_interval
    /// [`compact_confirmed`]: super::WalConfig::compact_confirmed
    pub fn compaction_due(&self, now: DateTime<Utc>) -> Result<bool, WalError> {
        let db = self.db();
        let txn = db.begin_read()?;
        let Some(last) = read_state(&txn.open_table(STATE)?, COMPACTED_KEY)? else {
            return Ok(true);
        };
        let interval_ms =
            i64::try_from(self.inner.config.compact_interval.as_millis()).unwrap_or(i64::MAX);
        if codec::to_ms(now).saturating_sub(last) >= interval_ms {
            return Ok(true);
        }
        let confirmed = read_state(&txn.open_table(STATE)?, CONFIRMED_KEY)?.unwrap_or(0);
        Ok(confirmed.max(0) as u64 >= self.inner.config.compact_confirmed)
    }

    /// Drops confirmed entries, moves pending entries appended at least the TTL before
    /// `now` that failed at least once to the dead letters (returned, and kept until
    /// released), all in one commit; then, when the file is larger than
    /// [`max_file_bytes`], shrinks it.
    ///
    /// [`max_file_bytes`]: super::WalConfig::max_file_bytes
    pub fn compact(&self, now: DateTime<Utc>) -> Result<CompactReport, WalError> {
        let file_bytes_before = self.file_bytes();
        let ttl_ms = i64::try_from(self.inner.config.ttl.as_millis()).unwrap_or(i64::MAX);
        let now_ms = codec::to_ms(now);
        let mut dead_letters = Vec::new();
        let mut dropped_entries = 0u64;
        {
            let db = self.db();
            let txn = self.begin_write(&db, Commit::Durable)?;
            {
                // Batches nothing needs any more.
                let mut live = txn.open_table(LIVE)?;
                let mut batches = txn.open_table(BATCHES)?;
                let mut done = Vec::new();
                for item in live.iter()? {
                    let (k, v) = item?;
                    let seq = WalSeq(k.value());
                    let record = Live::decode(v.value())
                        .map_err(|source| WalError::Decode { seq, source })?;
                    if record.live == 0 {
                        done.push((seq.0, record.count));
                    }
                }
                for (first, count) in done {
                    live.remove(first)?;
                    batches.remove(first)?;
                    dropped_entries += u64::from(count);
                }
                // Old entries that keep failing.
                let mut failures = txn.open_table(FAILURES)?;
                let mut pending = txn.open_table(PENDING)?;
                let mut expired = Vec::new();
                for item in failures.iter()? {
                    let (k, v) = item?;
                    let seq = WalSeq(k.value());
                    let Some(raw) = pending.get(seq.0)? else {
                        continue;
                    };
                    let meta = Meta::decode(raw.value())
                        .map_err(|source| WalError::Decode { seq, source })?;
                    if meta.attempts > 0 && now_ms.saturating_sub(meta.appended_ms) >= ttl_ms {
                        expired.push((seq, meta, v.value().to_owned()));
                    }
                }
                let mut dead = txn.open_table(DEAD)?;
                let mut payloads = Payloads::new(&live, &batches);
                for (seq, meta, error) in expired {
                    let record = DeadRecord {
                        meta,
                        dead_ms: now_ms,
                        error,
                    };
                    dead.insert(seq.0, record.encode().as_slice())?;
                    pending.remove(seq.0)?;
                    failures.remove(seq.0)?;
                    let payload = payloads.get(seq).ok();
                    dead_letters.push(DeadLetter::build(seq, &record, payload)?);
                }
                let mut state = txn.open_table(STATE)?;
                state.insert(COMPACTED_KEY, now_ms)?;
                state.insert(CONFIRMED_KEY, 0)?;
            }
            txn.commit()?;
        }
        let file_compacted = if file_bytes_before > self.inner.config.max_file_bytes {
            let mut db = self.db_mut();
            // Shrinking needs an fsynced last commit; an empty durable one provides it.
            let txn = db.begin_write()?;
            txn.commit()?;
            db.compact()?
        } else {
            false
        };
        Ok(CompactReport {
            dropped_entries,
            dead_letters,
            file_compacted,
            file_bytes_before,
            file_bytes_after: self.file_bytes(),
        })
    }

    /// The dead letters not yet released, in sequence order (after a restart, the ones a
    /// crash kept from being stored elsewhere).
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, WalError> {
        let db = self.db();
        let txn = db.begin_read()?;
        let dead = txn.open_table(DEAD)?;
        let live = txn.open_table(LIVE)?;
        let batches = txn.open_table(BATCHES)?;
        let mut payloads = Payloads::new(&live, &batches);
        let mut out = Vec::new();
        for item in dead.iter()? {
            let (k, v) = item?;
            let seq = WalSeq(k.value());
            let record =
                DeadRecord::decode(v.value()).map_err(|source| WalError::Decode { seq, source })?;
            let payload = payloads.get(seq).ok();
            out.push(DeadLetter::build(seq, &record, payload)?);
        }
        Ok(out)
    }

    /// Forgets dead letters (and their payloads) once they are stored elsewhere; returns
    /// how many were released. Unknown sequence numbers are skipped.
    pub fn release_dead_letters(&self, seqs: &[WalSeq]) -> Result<usize, WalError> {
        if seqs.is_empty() {
            return Ok(0);
        }
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Durable)?;
        let mut released = 0;
        {
            let mut dead = txn.open_table(DEAD)?;
            let mut live = txn.open_table(LIVE)?;
            let mut done = Released::default();
            for &seq in seqs {
                if dead.remove(seq.0)?.is_some() {
                    done.add(&live, seq)?;
                    released += 1;
                }
            }
            done.apply(&mut live)?;
        }
        txn.commit()?;
        Ok(released)
    }
}

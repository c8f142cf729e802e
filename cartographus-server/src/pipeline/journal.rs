//! The write-ahead side of ingestion: with the `wal` feature and `WAL_ENABLED`, the plays
//! the pipeline accepts from one input (a snapshot, a push, an import chunk) are written
//! to the redb WAL in one fsynced commit before they are published or queued for the
//! store, and confirmed once the store committed them (the writer journals any play
//! that reaches it unjournaled the same way, per batch). Entries the store
//! refused stay pending with their error; [`Journal::recover`] hands them to the store
//! again (at start, before any source runs, and at every maintenance), and
//! [`Journal::maintain`] compacts the WAL and moves entries that kept failing past the
//! TTL into the store's `failed_events` (the dead-letter queue of `/api/v1/dlq`).
//!
//! Everything here runs on the writer's blocking thread, between batches, so a pending
//! entry is never one a batch in flight is about to confirm. Without the feature (or
//! with the WAL switched off) a [`Journal`] does nothing.

use cartographus_core::PlaybackEvent;
use cartographus_store::Store;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The WAL positions of journaled plays, one per play in order (empty without a WAL, or
/// when the WAL refused them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Receipt {
    seqs: Vec<u64>,
}

impl Receipt {
    /// The positions, one per play; `None` when the plays were not journaled.
    pub fn seqs(&self, plays: usize) -> Option<&[u64]> {
        (self.seqs.len() == plays && plays > 0).then_some(self.seqs.as_slice())
    }

    /// One position per play, `None` for every play when they were not journaled (the
    /// form [`Journal::settle`] takes).
    pub fn per_play(&self, plays: usize) -> Vec<Option<u64>> {
        match self.seqs(plays) {
            Some(s) => s.iter().copied().map(Some).collect(),
            None => vec![None; plays],
        }
    }
}

/// What [`Journal::recover`] and [`Journal::maintain`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Upkeep {
    /// Pending entries the store now holds.
    pub replayed: u64,
    /// Pending entries the store refused again.
    pub still_failing: u64,
    /// Confirmed entries compaction dropped.
    pub compacted: u64,
    /// Entries moved into `failed_events`.
    pub dead_lettered: u64,
}

/// The WAL in front of the store, or nothing. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    #[cfg(feature = "wal")]
    wal: Option<crate::wal::Wal>,
}

impl Journal {
    /// No write-ahead log: batches go straight to the store.
    pub fn none() -> Self {
        Self::default()
    }

    /// Batches go through `wal` first.
    #[cfg(feature = "wal")]
    pub fn wal(wal: crate::wal::Wal) -> Self {
        Self { wal: Some(wal) }
    }

    /// Whether plays are journaled.
    pub fn is_on(&self) -> bool {
        #[cfg(feature = "wal")]
        return self.wal.is_some();
        #[cfg(not(feature = "wal"))]
        false
    }

    /// The WAL, when there is one.
    #[cfg(feature = "wal")]
    pub fn handle(&self) -> Option<&crate::wal::Wal> {
        self.wal.as_ref()
    }

    /// Writes `plays` durably before the store sees them. A WAL that fails is reported
    /// and skipped: the store still gets the batch.
    #[cfg_attr(not(feature = "wal"), allow(unused_variables))]
    pub fn record(&self, plays: &[PlaybackEvent], now: DateTime<Utc>) -> Receipt {
        #[cfg(feature = "wal")]
        if let Some(wal) = &self.wal {
            match wal.append(plays, now) {
                Ok(seqs) => {
                    return Receipt {
                        seqs: seqs.into_iter().map(crate::wal::WalSeq::get).collect(),
                    }
                }
                Err(e) => tracing::error!(error = %e, "the write-ahead log refused a batch"),
            }
        }
        Receipt::default()
    }

    /// Settles a batch: `seqs[i]` (the WAL position of the batch's play `i`, if it has
    /// one) is confirmed unless a range in `failed` holds `i`; those keep their error
    /// and stay pending for the next recovery.
    #[cfg_attr(not(feature = "wal"), allow(unused_variables))]
    pub fn settle(
        &self,
        seqs: &[Option<u64>],
        failed: &[(std::ops::Range<usize>, String)],
        now: DateTime<Utc>,
    ) {
        #[cfg(feature = "wal")]
        if let Some(wal) = &self.wal {
            use crate::wal::WalSeq;
            let refused = |i: usize| failed.iter().find(|(r, _)| r.contains(&i));
            let mut done = Vec::with_capacity(seqs.len());
            for (i, seq) in seqs.iter().enumerate() {
                let Some(seq) = seq.map(WalSeq::from) else {
                    continue;
                };
                match refused(i) {
                    None => done.push(seq),
                    Some((_, error)) => {
                        if let Err(e) = wal.record_failure(seq, error, now) {
                            tracing::error!(error = %e, %seq, "could not record a WAL failure");
                        }
                    }
                }
            }
            if let Err(e) = wal.confirm(&done) {
                tracing::error!(error = %e, "could not confirm WAL entries");
            }
        }
    }

    /// Hands every pending entry to the store again, in order (`upsert_plays`: new plays
    /// are stored, later states update them, plays already stored are left alone), and
    /// confirms what it took. Idempotent.
    #[cfg_attr(not(feature = "wal"), allow(unused_variables))]
    pub fn recover(&self, store: &mut Store, now: DateTime<Utc>) -> Upkeep {
        #[allow(unused_mut)]
        let mut upkeep = Upkeep::default();
        #[cfg(feature = "wal")]
        if let Some(wal) = &self.wal {
            if let Err(e) = recover(wal, store, now, &mut upkeep) {
                tracing::error!(error = %e, "replaying the write-ahead log failed");
            }
        }
        upkeep
    }

    /// Recovery, then compaction when it is due; dead letters go to `failed_events`.
    pub fn maintain(&self, store: &mut Store, now: DateTime<Utc>) -> Upkeep {
        let mut upkeep = self.recover(store, now);
        let compacted = self.compact(store, now);
        upkeep.compacted = compacted.compacted;
        upkeep.dead_lettered = compacted.dead_lettered;
        upkeep
    }

    /// Compaction when it is due; dead letters go to `failed_events` (when NATS, not the
    /// store, is where pending plays go, this is all the writer does with the WAL).
    #[cfg_attr(not(feature = "wal"), allow(unused_variables))]
    pub fn compact(&self, store: &mut Store, now: DateTime<Utc>) -> Upkeep {
        #[allow(unused_mut)]
        let mut upkeep = Upkeep::default();
        #[cfg(feature = "wal")]
        if let Some(wal) = &self.wal {
            if let Err(e) = compact(wal, store, now, &mut upkeep) {
                tracing::error!(error = %e, "compacting the write-ahead log failed");
            }
        }
        upkeep
    }

    /// Up to `limit` pending entries, oldest first, with their positions (to publish them
    /// again). Unreadable entries are marked failed and skipped.
    #[cfg_attr(not(feature = "wal"), allow(unused_variables))]
    pub fn pending(&self, limit: usize, now: DateTime<Utc>) -> Vec<(u64, PlaybackEvent)> {
        #[cfg(feature = "wal")]
        if let Some(wal) = &self.wal {
            match pending(wal, limit, now) {
                Ok(p) => return p,
                Err(e) => tracing::error!(error = %e, "reading the write-ahead log failed"),
            }
        }
        Vec::new()
    }
}

/// The replay lease's owner: the instance, not the process. Only one process can have
/// the redb file open, so a lease left by a killed process is this instance's own and
/// is taken over at once instead of waiting for it to run out.
#[cfg(feature = "wal")]
fn owner(wal: &crate::wal::Wal) -> Result<crate::wal::LeaseOwner, crate::wal::WalError> {
    crate::wal::LeaseOwner::new(format!("cartographus:{}", wal.path().display()))
}

#[cfg(feature = "wal")]
fn recover(
    wal: &crate::wal::Wal,
    store: &mut Store,
    now: DateTime<Utc>,
    upkeep: &mut Upkeep,
) -> Result<(), crate::wal::WalError> {
    let lease = wal.acquire_lease(&owner(wal)?, now)?;
    let step = wal.config().replay_batch.max(1);
    let mut entries = wal.replay(&lease, now)?;
    loop {
        let mut seqs = Vec::with_capacity(step);
        let mut plays = Vec::with_capacity(step);
        for entry in entries.by_ref().take(step) {
            match entry {
                Ok(e) => {
                    seqs.push(e.seq);
                    plays.push(e.event);
                }
                Err(crate::wal::WalError::Decode { seq, source }) => {
                    // Unreadable: it can never be stored; compaction dead-letters it.
                    wal.record_failure(seq, &source, now)?;
                    upkeep.still_failing += 1;
                }
                Err(e) => return Err(e),
            }
        }
        if seqs.is_empty() {
            break;
        }
        match store.upsert_plays(&plays) {
            Ok(_) => {
                upkeep.replayed += wal.confirm(&seqs)? as u64;
            }
            Err(error) => {
                for seq in seqs {
                    wal.record_failure(seq, &error, now)?;
                    upkeep.still_failing += 1;
                }
            }
        }
        wal.renew_lease(&lease, now)?;
    }
    wal.release_lease(lease)?;
    wal.flush()
}

#[cfg(feature = "wal")]
fn pending(
    wal: &crate::wal::Wal,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Vec<(u64, PlaybackEvent)>, crate::wal::WalError> {
    let lease = wal.acquire_lease(&owner(wal)?, now)?;
    let mut out = Vec::new();
    for entry in wal.replay(&lease, now)?.take(limit) {
        match entry {
            Ok(e) => out.push((e.seq.get(), e.event)),
            Err(crate::wal::WalError::Decode { seq, source }) => {
                wal.record_failure(seq, &source, now)?;
            }
            Err(e) => return Err(e),
        }
    }
    wal.release_lease(lease)?;
    Ok(out)
}

#[cfg(feature = "wal")]
fn compact(
    wal: &crate::wal::Wal,
    store: &mut Store,
    now: DateTime<Utc>,
    upkeep: &mut Upkeep,
) -> Result<(), crate::wal::WalError> {
    // Letters moved out earlier but not stored (the store failed, or a crash came
    // between) are stored first.
    let mut letters = wal.dead_letters()?;
    if wal.compaction_due(now)? {
        let report = wal.compact(now)?;
        upkeep.compacted = report.dropped_entries;
        letters.extend(report.dead_letters);
    }
    letters.sort_by_key(|l| l.seq);
    letters.dedup_by_key(|l| l.seq);
    let mut stored = Vec::new();
    for letter in &letters {
        let error = format!("{} (after {} attempts)", letter.error, letter.attempts);
        match record_dead_letter(
            store,
            "wal",
            &error,
            letter.event_id,
            letter.source,
            &letter.payload_json,
        ) {
            Ok(_) => stored.push(letter.seq),
            Err(e) => {
                tracing::error!(error = %e, seq = %letter.seq, "could not store a dead letter")
            }
        }
    }
    upkeep.dead_lettered = stored.len() as u64;
    wal.release_dead_letters(&stored)?;
    Ok(())
}

/// Stores a dead letter in `failed_events` under `stage`: its payload as JSON when it
/// is JSON, else as a JSON string of the raw text.
#[cfg(any(feature = "wal", feature = "nats"))]
pub(super) fn record_dead_letter(
    store: &mut Store,
    stage: &str,
    error: &str,
    event_id: Option<cartographus_core::EventId>,
    source: Option<cartographus_core::Source>,
    payload_json: &str,
) -> Result<i64, cartographus_store::IngestError> {
    let payload = serde_json::from_str(payload_json)
        .unwrap_or_else(|_| serde_json::Value::String(payload_json.to_owned()));
    store.record_failed(stage, error, event_id, source.map(|s| s.as_str()), &payload)
}

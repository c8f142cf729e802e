//! The write-ahead log (feature `wal`): every event accepted from a source is written to a
//! redb file, fsynced, before it is handed on, and confirmed once the store (or JetStream)
//! has it. What is not confirmed is replayed after a restart.
//!
//! ## Life of an entry
//! 1. [`Wal::append`] writes a batch in one fsynced commit (group commit) and returns one
//!    [`WalSeq`] per event, in order.
//! 2. [`Wal::confirm`] marks entries done; [`Wal::record_failure`] counts a failed attempt
//!    and keeps its error. Both commit without fsync (the next append's fsync, or
//!    [`Wal::flush`], or closing, makes them durable): a crash can only cause an entry to be
//!    replayed once more, which the idempotent store absorbs.
//! 3. On start, a replayer takes the lease ([`Wal::acquire_lease`]) and walks the
//!    unconfirmed entries in order with [`Wal::replay`]; the lease keeps a second replayer
//!    out until it is released or runs out.
//! 4. [`Wal::compact`] (hourly, or when [`Wal::compaction_due`] says so) drops confirmed
//!    entries, moves entries older than the TTL that keep failing out as
//!    [`DeadLetter`]s, and shrinks an oversized file. Dead letters stay in the WAL until
//!    [`Wal::release_dead_letters`] says they were stored elsewhere.
//!
//! ## Time
//! No clock is read here: every operation that depends on time takes `now`.
//!
//! ## Threads
//! [`Wal`] is a cheap handle (`Clone`, `Send`, `Sync`); all methods block on disk I/O, so
//! async callers run them with `spawn_blocking`. Writers are serialised by redb.
//!
//! ## Example
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use cartographus_server::wal::{LeaseOwner, Wal, WalConfig};
//! let dir = std::env::temp_dir().join(format!("wal-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let now = chrono::Utc::now();
//! let wal = Wal::open(dir.join("events.wal"), WalConfig::default())?;
//! let seqs = wal.append(&[], now)?; // events from a source
//! wal.confirm(&seqs)?;
//! let lease = wal.acquire_lease(&LeaseOwner::new("doc")?, now)?;
//! assert_eq!(wal.replay(&lease, now)?.count(), 0);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```

mod batch;
mod codec;
mod compact;
mod config;
mod error;
mod lease;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cartographus_core::PlaybackEvent;
use chrono::{DateTime, Utc};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};

pub use compact::{CompactReport, DeadLetter};
pub use config::{LeaseOwner, WalConfig};
pub use error::{DecodeError, WalError};
pub use lease::{Lease, Replay, WalEntry};

use batch::{Payloads, Released};
use codec::{Live, Meta};

/// One blob per appended batch (or per 4,096 events of it), keyed by its first sequence
/// number; see `codec::encode_batch`.
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
/// Per batch: its entry count and how many of them are still pending or dead-lettered
/// (`codec::Live`). A batch with none left is dropped by compaction.
const LIVE: TableDefinition<u64, &[u8]> = TableDefinition::new("batch_live");
/// Unconfirmed entries and their bookkeeping ([`Meta`]).
const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("pending");
/// The last error of every pending entry that failed at least once.
const FAILURES: TableDefinition<u64, &str> = TableDefinition::new("failures");
/// Dead letters not yet released.
const DEAD: TableDefinition<u64, &[u8]> = TableDefinition::new("dead_letters");
/// The replay lease.
const LEASE: TableDefinition<&str, &[u8]> = TableDefinition::new("lease");
/// Format, next sequence number, confirmations since the last compaction, last
/// compaction.
const STATE: TableDefinition<&str, i64> = TableDefinition::new(STATE_NAME);
const STATE_NAME: &str = "wal_state";

const FORMAT_KEY: &str = "format";
const NEXT_SEQ_KEY: &str = "next_seq";
const COMPACTED_KEY: &str = "last_compacted_ms";
const CONFIRMED_KEY: &str = "confirmed_since_compaction";
const LEASE_KEY: &str = "replay";
/// The file format this build writes and reads.
const FORMAT: i64 = 1;
/// The most entries one batch blob holds; larger appends are split (in the same commit).
const MAX_BATCH_ENTRIES: usize = 4096;
/// Stored error messages are cut to this many bytes.
const MAX_ERROR_LEN: usize = 4096;

/// The position of an entry in the WAL: strictly increasing, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WalSeq(u64);

impl WalSeq {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for WalSeq {
    fn from(n: u64) -> Self {
        Self(n)
    }
}

impl fmt::Display for WalSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What `/api/v1/wal/status` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WalStatus {
    /// Unconfirmed entries.
    pub pending: u64,
    /// Entries confirmed since the last compaction.
    pub confirmed: u64,
    /// Pending entries that failed at least once.
    pub failed: u64,
    /// Dead letters moved out but not yet released.
    pub dead_letters: u64,
    /// Size of the file, in bytes.
    pub file_bytes: u64,
    /// Age of the oldest unconfirmed entry, in seconds (0 when it is from the future).
    pub oldest_pending_age_s: Option<u64>,
    /// The sequence number the next append gets.
    pub next_seq: u64,
    /// When the WAL was last compacted.
    pub last_compacted_at: Option<DateTime<Utc>>,
    /// The current lease holder, if its lease has not run out.
    pub lease_holder: Option<String>,
}

/// The write-ahead log. See the [module docs](self).
#[derive(Clone)]
pub struct Wal {
    inner: Arc<Inner>,
}

struct Inner {
    /// Normal operations share the database; file compaction takes it exclusively.
    db: RwLock<Database>,
    path: PathBuf,
    config: WalConfig,
}

impl fmt::Debug for Wal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wal")
            .field("path", &self.inner.path)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Wal {
    /// Opens the WAL at `path`, creating it if it does not exist (its directory must).
    ///
    /// A file that is not a redb database, is damaged, belongs to something else, was
    /// written by a newer build or is open in another process gives the matching
    /// [`WalError`] variant naming the file.
    pub fn open(path: impl AsRef<Path>, config: WalConfig) -> Result<Self, WalError> {
        let path = path.as_ref().to_path_buf();
        let mut builder = Database::builder();
        builder
            .set_cache_size(config.cache_bytes)
            .set_check_integrity_on_open(config.check_integrity_on_open);
        let db = builder
            .create(&path)
            .map_err(|e| error::open_error(&path, e))?;
        init_schema(&db, &path)?;
        Ok(Self {
            inner: Arc::new(Inner {
                db: RwLock::new(db),
                path,
                config,
            }),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The settings it was opened with.
    pub fn config(&self) -> &WalConfig {
        &self.inner.config
    }

    /// Writes `events` in one commit, fsynced unless [`WalConfig::fsync`] is off, and
    /// returns their sequence numbers in order. Nothing is written when any event fails to
    /// serialise. An empty batch writes nothing.
    pub fn append(
        &self,
        events: &[PlaybackEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<WalSeq>, WalError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let payloads = events
            .iter()
            .enumerate()
            .map(|(index, e)| {
                codec::encode_event(e).map_err(|source| WalError::Encode { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let meta = Meta::new(codec::to_ms(now)).encode();
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Durable)?;
        let seqs = {
            let mut state = txn.open_table(STATE)?;
            let first = read_state(&state, NEXT_SEQ_KEY)?.unwrap_or(0) as u64;
            let end = first
                .checked_add(payloads.len() as u64)
                .filter(|&e| i64::try_from(e).is_ok())
                .ok_or(WalError::SeqExhausted)?;
            let mut batches = txn.open_table(BATCHES)?;
            let mut live = txn.open_table(LIVE)?;
            let mut pending = txn.open_table(PENDING)?;
            let mut seq = first;
            for chunk in payloads.chunks(MAX_BATCH_ENTRIES) {
                let count = chunk.len() as u32;
                batches.insert(seq, codec::encode_batch(chunk).as_slice())?;
                live.insert(seq, Live { count, live: count }.encode().as_slice())?;
                for _ in chunk {
                    pending.insert(seq, meta.as_slice())?;
                    seq += 1;
                }
            }
            state.insert(NEXT_SEQ_KEY, end as i64)?;
            (first..end).map(WalSeq).collect()
        };
        txn.commit()?;
        Ok(seqs)
    }

    /// Marks entries as done (stored, or acknowledged by JetStream) in one commit. Entries
    /// that are unknown, already confirmed or dead-lettered are skipped; returns how many
    /// were newly confirmed.
    ///
    /// The commit is not fsynced: the next append (or [`Wal::flush`], or closing the WAL)
    /// makes it durable. A crash can only lose recent confirmations, whose entries are then
    /// replayed once more — harmless, since the store ignores plays it already holds.
    pub fn confirm(&self, seqs: &[WalSeq]) -> Result<usize, WalError> {
        if seqs.is_empty() {
            return Ok(0);
        }
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Lazy)?;
        let mut done = 0;
        {
            let mut pending = txn.open_table(PENDING)?;
            let mut failures = txn.open_table(FAILURES)?;
            let any_failures = !failures.is_empty()?;
            let mut live = txn.open_table(LIVE)?;
            let mut released = Released::default();
            for &seq in seqs {
                if pending.remove(seq.0)?.is_some() {
                    if any_failures {
                        failures.remove(seq.0)?;
                    }
                    released.add(&live, seq)?;
                    done += 1;
                }
            }
            released.apply(&mut live)?;
            let mut state = txn.open_table(STATE)?;
            let before = read_state(&state, CONFIRMED_KEY)?.unwrap_or(0);
            state.insert(CONFIRMED_KEY, before.saturating_add(done as i64))?;
        }
        txn.commit()?;
        Ok(done)
    }

    /// Counts a failed attempt to hand entry `seq` on and keeps `error` (cut to 4 KiB) as
    /// its last error. Returns the attempts so far, or `None` when the entry is not
    /// pending. Like [`Wal::confirm`], the commit is made durable by the next fsync.
    pub fn record_failure(
        &self,
        seq: WalSeq,
        error: &dyn fmt::Display,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>, WalError> {
        let message = error.to_string();
        let message = codec::truncate(&message, MAX_ERROR_LEN);
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Lazy)?;
        let attempts = {
            let mut pending = txn.open_table(PENDING)?;
            let meta = match pending.get(seq.0)? {
                None => None,
                Some(raw) => Some(
                    Meta::decode(raw.value()).map_err(|source| WalError::Decode { seq, source })?,
                ),
            };
            match meta {
                None => None,
                Some(mut meta) => {
                    meta.attempts = meta.attempts.saturating_add(1);
                    meta.last_failed_ms = codec::to_ms(now);
                    pending.insert(seq.0, meta.encode().as_slice())?;
                    txn.open_table(FAILURES)?.insert(seq.0, message)?;
                    Some(meta.attempts)
                }
            }
        };
        txn.commit()?;
        Ok(attempts)
    }

    /// Counts, file size and the age of the oldest unconfirmed entry at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> Result<WalStatus, WalError> {
        let db = self.db();
        let txn = db.begin_read()?;
        let pending = txn.open_table(PENDING)?;
        let oldest_pending_age_s = match pending.first()? {
            None => None,
            Some((seq, raw)) => {
                let meta = Meta::decode(raw.value()).map_err(|source| WalError::Decode {
                    seq: WalSeq(seq.value()),
                    source,
                })?;
                let age_ms = codec::to_ms(now).saturating_sub(meta.appended_ms).max(0);
                Some((age_ms / 1000) as u64)
            }
        };
        let state = txn.open_table(STATE)?;
        let last_compacted_at = match read_state(&state, COMPACTED_KEY)? {
            None => None,
            Some(ms) => Some(codec::from_ms(ms, "state").map_err(WalError::BadRecord)?),
        };
        let lease_holder = lease::current(&txn.open_table(LEASE)?, now)?.map(|r| r.owner);
        Ok(WalStatus {
            pending: pending.len()?,
            confirmed: read_state(&state, CONFIRMED_KEY)?.unwrap_or(0).max(0) as u64,
            failed: txn.open_table(FAILURES)?.len()?,
            dead_letters: txn.open_table(DEAD)?.len()?,
            file_bytes: self.file_bytes(),
            oldest_pending_age_s,
            next_seq: read_state(&state, NEXT_SEQ_KEY)?.unwrap_or(0) as u64,
            last_compacted_at,
            lease_holder,
        })
    }

    /// The size of the file, or 0 when it cannot be read.
    fn file_bytes(&self) -> u64 {
        std::fs::metadata(&self.inner.path).map_or(0, |m| m.len())
    }

    /// Shared access to the database. A panic in another thread cannot leave it
    /// inconsistent (every change is a transaction), so a poisoned lock is taken over.
    fn db(&self) -> RwLockReadGuard<'_, Database> {
        self.inner
            .db
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Exclusive access, for file compaction.
    fn db_mut(&self) -> RwLockWriteGuard<'_, Database> {
        self.inner
            .db
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A write transaction: fsynced at commit when `commit` is [`Commit::Durable`] and
    /// [`WalConfig::fsync`] is on.
    fn begin_write(
        &self,
        db: &Database,
        commit: Commit,
    ) -> Result<redb::WriteTransaction, WalError> {
        let mut txn = db.begin_write()?;
        let durable = commit == Commit::Durable && self.inner.config.fsync;
        txn.set_durability(if durable {
            Durability::Immediate
        } else {
            Durability::None
        })?;
        Ok(txn)
    }

    /// Makes confirmations and failure counts committed since the last fsync durable (an
    /// empty fsynced commit). Closing the WAL does the same.
    pub fn flush(&self) -> Result<(), WalError> {
        let db = self.db();
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        txn.commit()?;
        Ok(())
    }
}

/// Whether a commit must be on disk when it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Commit {
    /// fsynced (unless [`WalConfig::fsync`] is off).
    Durable,
    /// Made durable by the next durable commit or by closing; a crash may lose it.
    Lazy,
}

/// Reads a state value.
fn read_state(
    table: &impl ReadableTable<&'static str, i64>,
    key: &str,
) -> Result<Option<i64>, WalError> {
    Ok(table.get(key)?.map(|v| v.value()))
}

/// Creates the tables of a new WAL, or checks that an existing file is one this build
/// reads.
fn init_schema(db: &Database, path: &Path) -> Result<(), WalError> {
    let txn = db.begin_write()?;
    let names: Vec<String> = {
        use redb::TableHandle;
        txn.list_tables()?.map(|t| t.name().to_owned()).collect()
    };
    if !names.is_empty() && !names.iter().any(|n| n == STATE_NAME) {
        txn.abort()?;
        return Err(WalError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }
    {
        let mut state = txn.open_table(STATE)?;
        match read_state(&state, FORMAT_KEY)? {
            Some(found) if found > FORMAT => {
                drop(state);
                txn.abort()?;
                return Err(WalError::NewerFormat {
                    path: path.to_path_buf(),
                    found: found as u64,
                    supported: FORMAT as u64,
                });
            }
            Some(_) => {}
            None if names.is_empty() => {
                state.insert(FORMAT_KEY, FORMAT)?;
                state.insert(NEXT_SEQ_KEY, 0)?;
            }
            None => {
                drop(state);
                txn.abort()?;
                return Err(WalError::ForeignDatabase {
                    path: path.to_path_buf(),
                });
            }
        }
    }
    txn.open_table(BATCHES)?;
    txn.open_table(LIVE)?;
    txn.open_table(PENDING)?;
    txn.open_table(FAILURES)?;
    txn.open_table(DEAD)?;
    txn.open_table(LEASE)?;
    txn.commit()?;
    Ok(())
}

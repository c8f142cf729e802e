//! The replay lease and the replay iterator. The lease is a record in the WAL (owner id and
//! expiry), so two replayers — tasks or processes — never walk the same entries at once;
//! it is taken, renewed and released with `now` passed in.

use std::collections::VecDeque;

use cartographus_core::PlaybackEvent;
use chrono::{DateTime, Utc};
use redb::{ReadableDatabase, ReadableTable};

use super::codec::{self, LeaseRecord, Meta};
use super::{
    Commit, LeaseOwner, Payloads, Wal, WalError, WalSeq, BATCHES, LEASE, LEASE_KEY, LIVE, PENDING,
};

/// A held replay lease: who holds it and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    owner: LeaseOwner,
    expires_at: DateTime<Utc>,
}

impl Lease {
    /// The holder.
    pub fn owner(&self) -> &LeaseOwner {
        &self.owner
    }

    /// When it runs out unless renewed.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
}

/// One unconfirmed entry, as replay yields it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WalEntry {
    /// Its position; confirm it with this.
    pub seq: WalSeq,
    /// The event.
    pub event: PlaybackEvent,
    /// When it was appended.
    pub appended_at: DateTime<Utc>,
    /// Failed attempts recorded so far.
    pub attempts: u32,
}

/// The lease record if it exists and has not run out at `now`.
pub(super) fn current(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    now: DateTime<Utc>,
) -> Result<Option<LeaseRecord>, WalError> {
    let Some(raw) = table.get(LEASE_KEY)? else {
        return Ok(None);
    };
    let record = LeaseRecord::decode(raw.value()).map_err(WalError::BadRecord)?;
    Ok((record.expires_ms > codec::to_ms(now)).then_some(record))
}

impl Wal {
    /// Takes the replay lease for `owner` until `now` + [`lease_duration`]. Succeeds when
    /// nobody holds it, when the holder's lease ran out, or when `owner` already holds it
    /// (which renews it); otherwise [`WalError::LeaseHeld`].
    ///
    /// [`lease_duration`]: super::WalConfig::lease_duration
    pub fn acquire_lease(&self, owner: &LeaseOwner, now: DateTime<Utc>) -> Result<Lease, WalError> {
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Durable)?;
        let lease = {
            let mut table = txn.open_table(LEASE)?;
            if let Some(held) = current(&table, now)? {
                if held.owner != owner.as_str() {
                    let until =
                        codec::from_ms(held.expires_ms, "lease").map_err(WalError::BadRecord)?;
                    return Err(WalError::LeaseHeld {
                        holder: held.owner,
                        until,
                    });
                }
            }
            self.write_lease(&mut table, owner, now)?
        };
        txn.commit()?;
        Ok(lease)
    }

    /// Extends a held lease to `now` + the lease duration. [`WalError::LeaseLost`] when the
    /// record no longer names its owner (it ran out and was taken, or was released).
    pub fn renew_lease(&self, lease: &Lease, now: DateTime<Utc>) -> Result<Lease, WalError> {
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Durable)?;
        let renewed = {
            let mut table = txn.open_table(LEASE)?;
            let holder = match table.get(LEASE_KEY)? {
                None => None,
                Some(raw) => Some(LeaseRecord::decode(raw.value()).map_err(WalError::BadRecord)?),
            };
            match holder {
                Some(h) if h.owner == lease.owner.as_str() => {
                    self.write_lease(&mut table, &lease.owner, now)?
                }
                _ => {
                    return Err(WalError::LeaseLost {
                        owner: lease.owner.to_string(),
                    })
                }
            }
        };
        txn.commit()?;
        Ok(renewed)
    }

    /// Gives the lease up so another replayer can take it at once. Releasing a lease that
    /// was already lost does nothing.
    pub fn release_lease(&self, lease: Lease) -> Result<(), WalError> {
        let db = self.db();
        let txn = self.begin_write(&db, Commit::Durable)?;
        {
            let mut table = txn.open_table(LEASE)?;
            let ours = match table.get(LEASE_KEY)? {
                None => false,
                Some(raw) => LeaseRecord::decode(raw.value())
                    .map(|h| h.owner == lease.owner.as_str())
                    .unwrap_or(true),
            };
            if ours {
                table.remove(LEASE_KEY)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn write_lease(
        &self,
        table: &mut redb::Table<'_, &'static str, &'static [u8]>,
        owner: &LeaseOwner,
        now: DateTime<Utc>,
    ) -> Result<Lease, WalError> {
        let duration = chrono::TimeDelta::from_std(self.inner.config.lease_duration)
            .unwrap_or(chrono::TimeDelta::MAX);
        let expires_at = now
            .checked_add_signed(duration)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let record = LeaseRecord {
            expires_ms: codec::to_ms(expires_at),
            owner: owner.as_str().to_owned(),
        };
        table.insert(LEASE_KEY, record.encode().as_slice())?;
        Ok(Lease {
            owner: owner.clone(),
            expires_at,
        })
    }

    /// Walks the unconfirmed entries in sequence order, [`WalConfig::replay_batch`] at a
    /// time (each batch is a fresh snapshot, so entries confirmed meanwhile are skipped and
    /// no transaction is held between steps). Requires `lease` to be held at `now`;
    /// renew it during long replays.
    ///
    /// An entry whose payload cannot be decoded is yielded as [`WalError::Decode`] naming
    /// it, and the walk goes on.
    ///
    /// [`WalConfig::replay_batch`]: super::WalConfig::replay_batch
    pub fn replay(&self, lease: &Lease, now: DateTime<Utc>) -> Result<Replay, WalError> {
        {
            let db = self.db();
            let txn = db.begin_read()?;
            let held = current(&txn.open_table(LEASE)?, now)?;
            if held.is_none_or(|h| h.owner != lease.owner.as_str()) {
                return Err(WalError::LeaseLost {
                    owner: lease.owner.to_string(),
                });
            }
        }
        Ok(Replay {
            wal: self.clone(),
            next: 0,
            buffer: VecDeque::new(),
            done: false,
        })
    }

    /// Up to `limit` unconfirmed entries from `from` on, and the sequence number after the
    /// last one read (`None` at the end).
    fn pending_batch(&self, from: u64, limit: usize) -> Result<Batch, WalError> {
        let db = self.db();
        let txn = db.begin_read()?;
        let pending = txn.open_table(PENDING)?;
        let live = txn.open_table(LIVE)?;
        let batches = txn.open_table(BATCHES)?;
        let mut payloads = Payloads::new(&live, &batches);
        let mut out = Vec::new();
        let mut last = None;
        for item in pending.range(from..)?.take(limit.max(1)) {
            let (k, v) = item?;
            let seq = WalSeq(k.value());
            last = Some(seq.0);
            out.push(read_entry(seq, v.value(), &mut payloads));
        }
        let next = match last {
            Some(l) if out.len() >= limit.max(1) => l.checked_add(1),
            _ => None,
        };
        Ok((out, next))
    }
}

/// Entries read in one replay step, and where the next step starts.
type Batch = (Vec<Result<WalEntry, WalError>>, Option<u64>);

fn read_entry<L, B>(
    seq: WalSeq,
    meta: &[u8],
    payloads: &mut Payloads<'_, L, B>,
) -> Result<WalEntry, WalError>
where
    L: ReadableTable<u64, &'static [u8]>,
    B: ReadableTable<u64, &'static [u8]>,
{
    let decode = |source| WalError::Decode { seq, source };
    let meta = Meta::decode(meta).map_err(decode)?;
    let event = codec::decode_event(payloads.get(seq)?).map_err(decode)?;
    Ok(WalEntry {
        seq,
        event,
        appended_at: codec::from_ms(meta.appended_ms, "entry").map_err(decode)?,
        attempts: meta.attempts,
    })
}

/// The replay walk: an iterator of unconfirmed entries in order. Yields
/// [`WalError::Decode`] for an unreadable entry and goes on; a storage error ends the walk
/// after it is yielded.
#[derive(Debug)]
pub struct Replay {
    wal: Wal,
    next: u64,
    buffer: VecDeque<Result<WalEntry, WalError>>,
    done: bool,
}

impl Iterator for Replay {
    type Item = Result<WalEntry, WalError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() && !self.done {
            match self
                .wal
                .pending_batch(self.next, self.wal.inner.config.replay_batch)
            {
                Ok((batch, next)) => {
                    self.buffer.extend(batch);
                    match next {
                        Some(n) => self.next = n,
                        None => self.done = true,
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        self.buffer.pop_front()
    }
}

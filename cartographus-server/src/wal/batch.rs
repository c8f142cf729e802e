//! Per-batch bookkeeping: which batch blob holds an entry, reading payloads through a
//! one-blob cache, and lowering a batch's live count when its entries are confirmed or
//! released.

use redb::ReadableTable;

use super::codec::{self, Live};
use super::{DecodeError, WalError, WalSeq};

/// Entries that no longer need their batch blob, counted per batch and written back
/// once per batch.
#[derive(Default)]
pub(super) struct Released {
    /// Per batch (first sequence number): its live record and how many were released.
    batches: std::collections::BTreeMap<u64, (Live, u32)>,
}

impl Released {
    /// Counts `seq` against the batch that holds it.
    pub(super) fn add(
        &mut self,
        live: &impl ReadableTable<u64, &'static [u8]>,
        seq: WalSeq,
    ) -> Result<(), WalError> {
        if let Some((&first, (record, n))) = self.batches.range_mut(..=seq.0).next_back() {
            if seq.0 - first < u64::from(record.count) {
                *n += 1;
                return Ok(());
            }
        }
        let missing = || WalError::Decode {
            seq,
            source: DecodeError::Missing { part: "batch" },
        };
        let (first, raw) = live.range(..=seq.0)?.next_back().ok_or_else(missing)??;
        let record =
            Live::decode(raw.value()).map_err(|source| WalError::Decode { seq, source })?;
        if seq.0 - first.value() >= u64::from(record.count) {
            return Err(missing());
        }
        self.batches.insert(first.value(), (record, 1));
        Ok(())
    }

    /// Writes the lowered live counts.
    pub(super) fn apply(
        self,
        live: &mut redb::Table<'_, u64, &'static [u8]>,
    ) -> Result<(), WalError> {
        for (first, (record, n)) in self.batches {
            let lowered = Live {
                count: record.count,
                live: record.live.saturating_sub(n),
            };
            live.insert(first, lowered.encode().as_slice())?;
        }
        Ok(())
    }
}

/// Reads payloads by sequence number, keeping the batch blob read last (replay and dead
/// letters walk entries in order, so most reads hit it).
pub(super) struct Payloads<'t, L, B>
where
    L: ReadableTable<u64, &'static [u8]>,
    B: ReadableTable<u64, &'static [u8]>,
{
    live: &'t L,
    batches: &'t B,
    current: Option<(u64, u32, redb::AccessGuard<'t, &'static [u8]>)>,
}

impl<'t, L, B> Payloads<'t, L, B>
where
    L: ReadableTable<u64, &'static [u8]>,
    B: ReadableTable<u64, &'static [u8]>,
{
    pub(super) fn new(live: &'t L, batches: &'t B) -> Self {
        Self {
            live,
            batches,
            current: None,
        }
    }

    /// The stored JSON of entry `seq`.
    pub(super) fn get(&mut self, seq: WalSeq) -> Result<&[u8], WalError> {
        let decode = |source| WalError::Decode { seq, source };
        let missing = || decode(DecodeError::Missing { part: "payload" });
        let hit = matches!(&self.current, Some((first, count, _))
            if seq.0 >= *first && seq.0 - first < u64::from(*count));
        if !hit {
            let (first, raw) = self
                .live
                .range(..=seq.0)?
                .next_back()
                .ok_or_else(missing)??;
            let record = Live::decode(raw.value()).map_err(decode)?;
            let first = first.value();
            if seq.0 - first >= u64::from(record.count) {
                return Err(missing());
            }
            let blob = self.batches.get(first)?.ok_or_else(missing)?;
            self.current = Some((first, record.count, blob));
        }
        let Some((first, _, blob)) = &self.current else {
            return Err(missing());
        };
        codec::batch_entry(blob.value(), (seq.0 - first) as u32).map_err(decode)
    }
}

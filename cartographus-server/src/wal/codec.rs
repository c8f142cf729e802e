//! The byte layouts of what the WAL stores: the batch blob (the JSON of every event of one
//! append) and its live count, the fixed-size bookkeeping record of a pending entry, the dead-letter
//! record and the lease record. All integers are little-endian.

use cartographus_core::PlaybackEvent;
use chrono::{DateTime, Utc};

use super::DecodeError;

/// Tag of a batch blob holding events as JSON.
const BATCH_JSON_V1: u8 = 1;
/// Tag + entry count.
const BATCH_HEADER: usize = 1 + 4;

/// Serialises an event as the JSON stored for it.
pub(super) fn encode_event(event: &PlaybackEvent) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(event)
}

/// Reads an event back from its stored JSON.
pub(super) fn decode_event(json: &[u8]) -> Result<PlaybackEvent, DecodeError> {
    serde_json::from_slice(json).map_err(DecodeError::Json)
}

/// Packs the payloads of one appended batch into one blob: a tag, the entry count, the
/// end offset of every payload (u64) and the payloads one after another. One large value
/// per commit costs redb a fraction of what one value per event does.
pub(super) fn encode_batch(payloads: &[Vec<u8>]) -> Vec<u8> {
    let body: usize = payloads.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(BATCH_HEADER + 8 * payloads.len() + body);
    out.push(BATCH_JSON_V1);
    out.extend_from_slice(&(payloads.len() as u32).to_le_bytes());
    let mut end = 0u64;
    for p in payloads {
        end += p.len() as u64;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for p in payloads {
        out.extend_from_slice(p);
    }
    out
}

/// The payload of entry `index` of a batch blob.
pub(super) fn batch_entry(blob: &[u8], index: u32) -> Result<&[u8], DecodeError> {
    const BAD: DecodeError = DecodeError::Record { record: "batch" };
    match blob.first() {
        None => return Err(DecodeError::Missing { part: "payload" }),
        Some(&BATCH_JSON_V1) => {}
        Some(&tag) => return Err(DecodeError::UnknownFormat(tag)),
    }
    if blob.len() < BATCH_HEADER {
        return Err(BAD);
    }
    let count = u32_at(blob, 1);
    if index >= count {
        return Err(BAD);
    }
    let body_at = (count as usize)
        .checked_mul(8)
        .and_then(|n| n.checked_add(BATCH_HEADER))
        .filter(|&n| n <= blob.len())
        .ok_or(BAD)?;
    let offset = |i: u32| i64_at(blob, BATCH_HEADER + 8 * i as usize) as u64;
    let start = if index == 0 { 0 } else { offset(index - 1) };
    let end = offset(index);
    let body = &blob[body_at..];
    if start > end || end > body.len() as u64 {
        return Err(BAD);
    }
    Ok(&body[start as usize..end as usize])
}

/// How many entries of a batch still need its blob (pending or dead-lettered), out of
/// how many it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Live {
    pub(super) count: u32,
    pub(super) live: u32,
}

impl Live {
    pub(super) fn encode(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out[0..4].copy_from_slice(&self.count.to_le_bytes());
        out[4..8].copy_from_slice(&self.live.to_le_bytes());
        out
    }

    pub(super) fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        if b.len() != 8 {
            return Err(DecodeError::Record { record: "batch" });
        }
        Ok(Self {
            count: u32_at(b, 0),
            live: u32_at(b, 4),
        })
    }
}

/// Milliseconds since the epoch.
pub(super) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A time from milliseconds since the epoch.
pub(super) fn from_ms(ms: i64, record: &'static str) -> Result<DateTime<Utc>, DecodeError> {
    DateTime::from_timestamp_millis(ms).ok_or(DecodeError::Record { record })
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// The bookkeeping of a pending entry: when it was appended, how often it failed and when
/// it last did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Meta {
    /// Append time, ms since the epoch.
    pub(super) appended_ms: i64,
    /// Failures recorded.
    pub(super) attempts: u32,
    /// Time of the last failure, ms since the epoch; `i64::MIN` when none.
    pub(super) last_failed_ms: i64,
}

impl Meta {
    /// Encoded length.
    pub(super) const LEN: usize = 20;

    /// A fresh entry appended at `appended_ms`.
    pub(super) fn new(appended_ms: i64) -> Self {
        Self {
            appended_ms,
            attempts: 0,
            last_failed_ms: i64::MIN,
        }
    }

    pub(super) fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[0..8].copy_from_slice(&self.appended_ms.to_le_bytes());
        out[8..12].copy_from_slice(&self.attempts.to_le_bytes());
        out[12..20].copy_from_slice(&self.last_failed_ms.to_le_bytes());
        out
    }

    pub(super) fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        if b.len() != Self::LEN {
            return Err(DecodeError::Record { record: "entry" });
        }
        Ok(Self {
            appended_ms: i64_at(b, 0),
            attempts: u32_at(b, 8),
            last_failed_ms: i64_at(b, 12),
        })
    }
}

/// A dead letter's record: the entry's bookkeeping, when it was moved out and its last
/// error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DeadRecord {
    pub(super) meta: Meta,
    pub(super) dead_ms: i64,
    pub(super) error: String,
}

impl DeadRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Meta::LEN + 8 + self.error.len());
        out.extend_from_slice(&self.meta.encode());
        out.extend_from_slice(&self.dead_ms.to_le_bytes());
        out.extend_from_slice(self.error.as_bytes());
        out
    }

    pub(super) fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        const BAD: DecodeError = DecodeError::Record {
            record: "dead letter",
        };
        if b.len() < Meta::LEN + 8 {
            return Err(BAD);
        }
        let meta = Meta::decode(&b[..Meta::LEN])?;
        let dead_ms = i64_at(b, Meta::LEN);
        let error = std::str::from_utf8(&b[Meta::LEN + 8..])
            .map_err(|_| BAD)?
            .to_owned();
        Ok(Self {
            meta,
            dead_ms,
            error,
        })
    }
}

/// The lease record: its holder and when it runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LeaseRecord {
    pub(super) expires_ms: i64,
    pub(super) owner: String,
}

impl LeaseRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.owner.len());
        out.extend_from_slice(&self.expires_ms.to_le_bytes());
        out.extend_from_slice(self.owner.as_bytes());
        out
    }

    pub(super) fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        const BAD: DecodeError = DecodeError::Record { record: "lease" };
        if b.len() < 8 {
            return Err(BAD);
        }
        let owner = std::str::from_utf8(&b[8..]).map_err(|_| BAD)?.to_owned();
        Ok(Self {
            expires_ms: i64_at(b, 0),
            owner,
        })
    }
}

/// Cuts an error message to at most `max` bytes on a character boundary.
pub(super) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_bad_lengths() {
        let m = Meta {
            appended_ms: -5,
            attempts: 7,
            last_failed_ms: 1_700_000_000_000,
        };
        assert_eq!(Meta::decode(&m.encode()).unwrap(), m);
        assert!(Meta::decode(&m.encode()[..19]).is_err());
        let d = DeadRecord {
            meta: m,
            dead_ms: 9,
            error: "störe down".into(),
        };
        assert_eq!(DeadRecord::decode(&d.encode()).unwrap(), d);
        assert!(DeadRecord::decode(&d.encode()[..27]).is_err());
        let l = LeaseRecord {
            expires_ms: 42,
            owner: "host:1".into(),
        };
        assert_eq!(LeaseRecord::decode(&l.encode()).unwrap(), l);
        assert!(LeaseRecord::decode(&[1, 2, 3]).is_err());
        let mut bad = l.encode();
        bad.push(0xff);
        assert!(LeaseRecord::decode(&bad).is_err());
    }

    #[test]
    fn batches_round_trip_and_reject_damage() {
        let payloads = vec![b"{}".to_vec(), Vec::new(), b"[1,2]".to_vec()];
        let blob = encode_batch(&payloads);
        for (i, p) in payloads.iter().enumerate() {
            assert_eq!(batch_entry(&blob, i as u32).unwrap(), p.as_slice());
        }
        assert!(batch_entry(&blob, 3).is_err());
        assert!(matches!(
            batch_entry(&[], 0),
            Err(DecodeError::Missing { .. })
        ));
        assert!(matches!(
            batch_entry(&[9, 1, 0, 0, 0], 0),
            Err(DecodeError::UnknownFormat(9))
        ));
        assert!(batch_entry(&blob[..blob.len() - 1], 2).is_err());
        assert!(batch_entry(&blob[..12], 0).is_err());
        let mut huge = blob.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(batch_entry(&huge, 7).is_err());
        assert!(matches!(decode_event(b"{"), Err(DecodeError::Json(_))));
        let l = Live { count: 9, live: 3 };
        assert_eq!(Live::decode(&l.encode()).unwrap(), l);
        assert!(Live::decode(&[0; 7]).is_err());
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("aéb", 2), "a");
        assert_eq!(truncate("aéb", 3), "aé");
    }
}

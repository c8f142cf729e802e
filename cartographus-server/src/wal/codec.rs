//! The byte layouts of what the WAL stores: the event payload (a format tag and the
//! event's JSON), the fixed-size bookkeeping record of a pending entry, the dead-letter
//! record and the lease record. All integers are little-endian.

use cartographus_core::PlaybackEvent;
use chrono::{DateTime, Utc};

use super::DecodeError;

/// Tag of a payload holding a `PlaybackEvent` as JSON.
const PAYLOAD_JSON_V1: u8 = 1;

/// Serialises an event into a payload.
pub(super) fn encode_event(event: &PlaybackEvent) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1024);
    out.push(PAYLOAD_JSON_V1);
    serde_json::to_writer(&mut out, event)?;
    Ok(out)
}

/// The JSON part of a payload.
pub(super) fn payload_json(payload: &[u8]) -> Result<&[u8], DecodeError> {
    match payload.split_first() {
        None => Err(DecodeError::Missing { part: "payload" }),
        Some((&PAYLOAD_JSON_V1, json)) => Ok(json),
        Some((&tag, _)) => Err(DecodeError::UnknownFormat(tag)),
    }
}

/// Reads an event back from a payload.
pub(super) fn decode_event(payload: &[u8]) -> Result<PlaybackEvent, DecodeError> {
    serde_json::from_slice(payload_json(payload)?).map_err(DecodeError::Json)
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
    fn payloads_are_tagged() {
        assert!(matches!(
            payload_json(&[]),
            Err(DecodeError::Missing { .. })
        ));
        assert!(matches!(
            payload_json(&[9, b'{']),
            Err(DecodeError::UnknownFormat(9))
        ));
        assert!(matches!(
            decode_event(&[PAYLOAD_JSON_V1, b'{']),
            Err(DecodeError::Json(_))
        ));
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("aéb", 2), "a");
        assert_eq!(truncate("aéb", 3), "aé");
    }
}

//! The deduplicator: recognises a play reported more than once, with bounded memory.
//!
//! Layers, applied in order, each named in the [`Verdict`]:
//! 1. **event id** — the exact same event delivered again (a retry, a WAL replay);
//! 2. **correlation key** — the same play from the same source under another event id
//!    (a webhook and a poll of one Plex server);
//! 3. **cross-source key** — the same play from another source of the same server (a
//!    Tautulli import and live Plex ingestion).
//!
//! Layers 2 and 3 compare the play's identity (server, user, item, device) and accept a
//! match only when the two starts are less than one bucket (5 minutes) apart. Comparing
//! start times directly is the same as looking in the event's own bucket and both
//! neighbours, so two reports that straddle a bucket boundary are still recognised, and
//! two plays 5 minutes or more apart never are. The
//! store's unique constraints are the last layer behind this one.
//!
//! Memory is bounded two ways: entries are forgotten `retention` after they were
//! recorded (measured on the `now` passed in), and the oldest are forgotten first when
//! `max_entries` is reached.
//!
//! Feed it new plays only (`Started` updates and imported rows); later updates of an
//! accepted play (`Progress`, `Stopped`) carry the same event id and are not new plays.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::correlation::BUCKET_SECONDS;
use crate::event::PlaybackEvent;
use crate::ids::EventId;
use crate::kinds::Source;

/// Which dedup layer recognised a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupLayer {
    /// The same event id.
    EventId,
    /// The same correlation key (same source).
    CorrelationKey,
    /// The same cross-source key (another source of the same server).
    CrossSource,
}

impl DedupLayer {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DedupLayer::EventId => "event_id",
            DedupLayer::CorrelationKey => "correlation_key",
            DedupLayer::CrossSource => "cross_source",
        }
    }
}

/// The deduplicator's answer for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// A play not seen before; it is now recorded.
    New,
    /// A play already seen.
    Duplicate {
        /// Which layer matched.
        layer: DedupLayer,
        /// The event it duplicates.
        original: EventId,
    },
}

impl Verdict {
    /// Whether the event is new.
    pub fn is_new(&self) -> bool {
        matches!(self, Verdict::New)
    }
}

/// Settings of a [`Deduplicator`].
///
/// ## Defaults
/// - `retention_s`: 21,600 (6 hours after an event was recorded).
/// - `max_entries`: 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DedupConfig {
    /// Seconds an entry is remembered after it was recorded.
    pub retention_s: u64,
    /// The most entries remembered at once.
    pub max_entries: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            retention_s: 6 * 3600,
            max_entries: 1_000_000,
        }
    }
}

impl DedupConfig {
    /// Settings with the given retention and capacity (capacity at least 1).
    pub fn new(retention_s: u64, max_entries: usize) -> Self {
        Self {
            retention_s,
            max_entries: max_entries.max(1),
        }
    }
}

/// A 128-bit digest of a play's identity (server, user, item, device), built without
/// allocating: two independent 64-bit multiply-rotate lanes over the length-prefixed
/// parts, each finished with a full avalanche. Not cryptographic; two different
/// identities collide with probability ~2⁻¹²⁸ for non-adversarial ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Identity(u64, u64);

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

#[derive(Debug, Clone, Copy)]
struct Lanes(u64, u64);

impl Lanes {
    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K1);
        self.1 = (self.1 ^ w).wrapping_mul(K2).rotate_left(31);
    }

    /// A length word, then words covering every byte (the last word may overlap the
    /// one before it; with the length known the encoding stays injective).
    fn bytes(&mut self, b: &[u8]) {
        let n = b.len();
        self.word(n as u64);
        if n >= 8 {
            let mut chunks = b.chunks_exact(8);
            for c in &mut chunks {
                self.word(le64(c));
            }
            if !chunks.remainder().is_empty() {
                self.word(le64(&b[n - 8..]));
            }
        } else if let (Some(head), Some(tail)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            self.word(
                u64::from(u32::from_le_bytes(*head)) << 32 | u64::from(u32::from_le_bytes(*tail)),
            );
        } else if let (Some(&first), Some(&last)) = (b.first(), b.last()) {
            // One to three bytes: the first, middle and last cover them all.
            self.word(u64::from(first) << 16 | u64::from(b[n / 2]) << 8 | u64::from(last));
        }
    }
}

/// The first eight bytes of `c` as a little-endian word (0 if it is shorter).
fn le64(c: &[u8]) -> u64 {
    c.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w))
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    k ^= k >> 33;
    k = k.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    k ^ (k >> 33)
}

fn identity_of(e: &PlaybackEvent) -> Identity {
    let mut l = Lanes(K2, K1);
    l.bytes(e.identity.server_id.as_str().as_bytes());
    l.bytes(e.user.external_id.as_str().as_bytes());
    l.bytes(e.content.media_key.as_str().as_bytes());
    match &e.device.device_id {
        Some(d) => l.bytes(d.as_str().as_bytes()),
        None => l.word(u64::MAX),
    }
    Identity(fmix64(l.0), fmix64(l.1 ^ K1))
}

/// A cheap hasher for keys that are already well mixed (digests, UUIDs).
#[derive(Debug, Default, Clone, Copy)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        fmix64(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut l = Lanes(self.0, 0);
        l.bytes(bytes);
        self.0 = l.0;
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K1);
    }

    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
}

type Mix = BuildHasherDefault<MixHasher>;

/// An event id as two words, which [`MixHasher`] hashes in two steps (a UUID would be
/// hashed as a length-prefixed byte slice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IdKey(u64, u64);

impl IdKey {
    fn of(id: EventId) -> Self {
        let (hi, lo) = id.as_uuid().as_u64_pair();
        Self(hi, lo)
    }
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    event_id: EventId,
    source: Source,
    started_s: i64,
}

impl Seen {
    fn of(event: &PlaybackEvent) -> Self {
        Self {
            event_id: event.event_id(),
            source: event.identity.source,
            started_s: event.timing.started_at.timestamp(),
        }
    }
}

/// Layers 2 and 3 for a play whose event id is new, given the plays of its identity.
/// One identity's plays are few; comparing start times directly covers the play's own
/// bucket and both neighbours.
fn judge(plays: &[Seen], new: &Seen) -> Verdict {
    let mut cross: Option<EventId> = None;
    for s in plays {
        if (s.started_s - new.started_s).abs() >= BUCKET_SECONDS {
            continue;
        }
        if s.source == new.source {
            return Verdict::Duplicate {
                layer: DedupLayer::CorrelationKey,
                original: s.event_id,
            };
        }
        cross.get_or_insert(s.event_id);
    }
    match cross {
        Some(original) => Verdict::Duplicate {
            layer: DedupLayer::CrossSource,
            original,
        },
        None => Verdict::New,
    }
}

/// The remembered plays of one identity; almost always exactly one, kept inline.
#[derive(Debug, Clone)]
enum Slot {
    One(Seen),
    Many(Vec<Seen>),
}

impl Slot {
    fn as_slice(&self) -> &[Seen] {
        match self {
            Slot::One(s) => std::slice::from_ref(s),
            Slot::Many(v) => v,
        }
    }

    fn push(&mut self, seen: Seen) {
        match self {
            Slot::One(first) => *self = Slot::Many(vec![*first, seen]),
            Slot::Many(v) => v.push(seen),
        }
    }

    /// Removes a play; returns whether the slot is now empty.
    fn remove(&mut self, id: EventId) -> bool {
        match self {
            Slot::One(s) => s.event_id == id,
            Slot::Many(v) => {
                v.retain(|s| s.event_id != id);
                v.is_empty()
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Recorded {
    at_s: i64,
    identity: Identity,
    event_id: EventId,
}

/// The bounded, sans-IO deduplicator. Call [`Deduplicator::check`] with each new play and
/// the current time; it records new plays and says which layer matched for duplicates.
#[derive(Debug, Clone)]
pub struct Deduplicator {
    config: DedupConfig,
    ids: HashSet<IdKey, Mix>,
    plays: HashMap<Identity, Slot, Mix>,
    order: VecDeque<Recorded>,
}

impl Deduplicator {
    /// An empty deduplicator.
    pub fn new(config: DedupConfig) -> Self {
        // Room for a busy window up front: growing a large table rehashes every entry.
        let initial = config.max_entries.clamp(1, 1 << 16);
        Self {
            config: DedupConfig::new(config.retention_s, config.max_entries),
            ids: HashSet::with_capacity_and_hasher(initial, Mix::default()),
            plays: HashMap::with_capacity_and_hasher(initial, Mix::default()),
            order: VecDeque::with_capacity(initial),
        }
    }

    /// How many plays are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Judges `event` at time `now`; a new play is recorded.
    pub fn check(&mut self, event: &PlaybackEvent, now: DateTime<Utc>) -> Verdict {
        let now_s = now.timestamp();
        let verdict = self.check_at(event, now_s);
        self.evict_at(now_s);
        verdict
    }

    /// [`Deduplicator::check`] before eviction: a new play is filed where the probe
    /// of its identity ended.
    fn check_at(&mut self, event: &PlaybackEvent, now_s: i64) -> Verdict {
        let id = event.event_id();
        let key = IdKey::of(id);
        if self.ids.contains(&key) {
            return Verdict::Duplicate {
                layer: DedupLayer::EventId,
                original: id,
            };
        }
        let identity = identity_of(event);
        let seen = Seen::of(event);
        let verdict = match self.plays.entry(identity) {
            Entry::Vacant(v) => {
                v.insert(Slot::One(seen));
                Verdict::New
            }
            Entry::Occupied(mut o) => {
                let verdict = judge(o.get().as_slice(), &seen);
                if verdict.is_new() {
                    o.get_mut().push(seen);
                }
                verdict
            }
        };
        if verdict.is_new() {
            self.ids.insert(key);
            self.order.push_back(Recorded {
                at_s: now_s,
                identity,
                event_id: id,
            });
        }
        verdict
    }

    /// Judges `event` without recording it or evicting anything.
    pub fn peek(&self, event: &PlaybackEvent) -> Verdict {
        let id = event.event_id();
        if self.ids.contains(&IdKey::of(id)) {
            return Verdict::Duplicate {
                layer: DedupLayer::EventId,
                original: id,
            };
        }
        match self.plays.get(&identity_of(event)) {
            Some(slot) => judge(slot.as_slice(), &Seen::of(event)),
            None => Verdict::New,
        }
    }

    /// Forgets everything recorded more than `retention` before `now`.
    pub fn evict(&mut self, now: DateTime<Utc>) {
        self.evict_at(now.timestamp());
    }

    fn evict_at(&mut self, now_s: i64) {
        let horizon = now_s.saturating_sub(self.config.retention_s as i64);
        while let Some(front) = self.order.front() {
            if front.at_s >= horizon && self.order.len() <= self.config.max_entries {
                break;
            }
            if let Some(r) = self.order.pop_front() {
                self.forget(r);
            }
        }
    }

    fn forget(&mut self, r: Recorded) {
        self.ids.remove(&IdKey::of(r.event_id));
        let key = r.identity;
        if self
            .plays
            .get_mut(&key)
            .is_some_and(|slot| slot.remove(r.event_id))
        {
            self.plays.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests;

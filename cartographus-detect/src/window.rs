//! The engine's memory: a compact, copyable record of each play ([`Play`]), the bounded
//! per-user window of recent plays with the user's cooldowns and novelty sets
//! ([`UserState`]). Strings (servers, devices, cities, clients) are interned by
//! `crate::intern`.
//!
//! Times are kept as milliseconds since the Unix epoch (`Ms`): they are compared on
//! every event, and an `i64` is smaller and faster than a `DateTime`.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use cartographus_core::{EventId, GeoPoint, IpClass, NetworkId, UserId};
use chrono::{DateTime, Utc};

use crate::ids::CountryCode;
use crate::inline::SpillVec;
use crate::rules::RuleKind;

/// Milliseconds since the Unix epoch.
pub(crate) type Ms = i64;

/// "No value" for an interned index.
pub(crate) const NONE: u32 = u32::MAX;

/// A play still going on has this `stopped` time.
pub(crate) const OPEN: Ms = i64::MAX;

/// The deterministic hasher of every map in the engine (seeded from the config).
pub(crate) type Hasher = ahash::RandomState;

/// A hash map with the engine's hasher.
pub(crate) type Map<K, V> = HashMap<K, V, Hasher>;

/// Milliseconds of a time.
pub(crate) fn ms(t: DateTime<Utc>) -> Ms {
    t.timestamp_millis()
}

/// The time of some milliseconds (clamped into chrono's range).
pub(crate) fn time(ms: Ms) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One play as the rules see it. `Copy`, so windows never allocate per play.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Play {
    pub(crate) event: EventId,
    pub(crate) user: UserId,
    pub(crate) started: Ms,
    pub(crate) updated: Ms,
    /// [`OPEN`] while the play goes on.
    pub(crate) stopped: Ms,
    pub(crate) server: u32,
    pub(crate) device: u32,
    pub(crate) city: u32,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) net: Option<NetworkId>,
    pub(crate) class: Option<IpClass>,
    pub(crate) point: Option<GeoPoint>,
    pub(crate) accuracy_km: f32,
    pub(crate) country: Option<CountryCode>,
    pub(crate) asn: Option<u32>,
    /// The play comes from a trusted network (of everyone or of this user).
    pub(crate) trusted: bool,
}

impl Play {
    /// Whether the play can be placed on Earth for the location rules: a public
    /// address with a known point, not from a trusted network.
    pub(crate) fn located(&self) -> Option<GeoPoint> {
        if self.trusted || self.class != Some(IpClass::Public) {
            return None;
        }
        self.point
    }

    /// Whether the play is going on at `t`. An open play whose last update is older
    /// than `assume_stopped` is taken as stopped (a lost stop event).
    pub(crate) fn active_at(&self, t: Ms, assume_stopped: Ms) -> bool {
        if self.started > t {
            return false;
        }
        if self.stopped != OPEN {
            return t < self.stopped;
        }
        t < self.updated.saturating_add(assume_stopped)
    }

    /// Whether both plays come from one network (same address, or same grouped
    /// network such as one IPv6 /64).
    pub(crate) fn same_network(&self, other: &Play) -> bool {
        match (self.ip, other.ip) {
            (Some(a), Some(b)) if a == b => true,
            _ => self.net.is_some() && self.net == other.net,
        }
    }

    /// The distance between two located plays with both accuracy radii subtracted
    /// (never below zero), and the raw distance.
    pub(crate) fn effective_distance(a: (&Play, GeoPoint), b: (&Play, GeoPoint)) -> (f64, f64) {
        let raw = a.1.distance_km(&b.1);
        let slack = f64::from(a.0.accuracy_km) + f64::from(b.0.accuracy_km);
        (raw, (raw - slack).max(0.0))
    }
}

/// Everything the engine remembers about one user.
///
/// Laid out in the order a new play reads it (`repr(C)`): the window, the play count
/// and the first known devices and countries (kept inline: most users have a few)
/// come first; the cooldowns, read only when a rule fires, last.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct UserState {
    /// Recent plays, sorted by start time (a deque: new plays arrive at the back, old
    /// ones leave at the front).
    pub(crate) plays: VecDeque<Play>,
    /// How many plays of this user the engine has seen, history included.
    pub(crate) plays_seen: u32,
    /// Devices this user has played on (interned), oldest first, bounded.
    pub(crate) known_devices: SpillVec<u32, KNOWN_INLINE>,
    /// Countries this user has played from, oldest first, bounded.
    pub(crate) known_countries: SpillVec<CountryCode, KNOWN_INLINE>,
    /// When each rule last alerted for this user (playback time), `None` if never.
    pub(crate) last_alert: [Option<Ms>; RuleKind::COUNT],
}

/// Known devices and countries kept inline per user before the rest spill to the heap.
const KNOWN_INLINE: usize = 6;

/// The most devices remembered per user for the new-device rule.
pub(crate) const MAX_KNOWN_DEVICES: usize = 64;
/// The most countries remembered per user for the new-country rule.
pub(crate) const MAX_KNOWN_COUNTRIES: usize = 32;

/// Where a play sits in a user's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spot {
    /// The window holds it at this position.
    Found(usize),
    /// The window does not hold it; it would be inserted at this position.
    Vacant(usize),
}

/// What an upsert did to a user's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// A play the window did not hold.
    New,
    /// A known play moved to another network.
    Moved,
    /// A known play was updated in place (progress, pause, stop).
    Updated,
}

impl UserState {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            plays: VecDeque::with_capacity(capacity.min(8)),
            plays_seen: 0,
            known_devices: SpillVec::new(NONE),
            known_countries: SpillVec::new(CountryCode::FILLER),
            last_alert: [None; RuleKind::COUNT],
        }
    }

    /// The fast path for a known play whose address did not change: moves its times
    /// forward. Otherwise (the play is unknown, or moved) returns where the play is or
    /// would go, for [`UserState::upsert_at`].
    pub(crate) fn touch(
        &mut self,
        event: EventId,
        started: Ms,
        ip: Option<IpAddr>,
        updated: Ms,
        stopped: Ms,
    ) -> Result<(), Spot> {
        let spot = self.locate(event, started);
        let Spot::Found(i) = spot else {
            return Err(spot);
        };
        let slot = &mut self.plays[i];
        if ip.is_some() && ip != slot.ip {
            return Err(spot);
        }
        slot.updated = slot.updated.max(updated);
        if stopped != OPEN {
            slot.stopped = stopped.max(slot.started);
        }
        Ok(())
    }

    /// Where a play is, or where it would be inserted (after the plays that started
    /// no later). An event's id is derived from its start time, so only the plays that
    /// started at the same moment are compared: one binary search in the sorted
    /// window, not a scan. A play that started after every other (most new plays)
    /// goes at the end, which reading the last play shows without the search.
    fn locate(&self, event: EventId, started: Ms) -> Spot {
        if self.plays.back().is_none_or(|p| p.started < started) {
            return Spot::Vacant(self.plays.len());
        }
        let mut i = self.plays.partition_point(|p| p.started < started);
        while let Some(p) = self.plays.get(i).filter(|p| p.started == started) {
            if p.event == event {
                return Spot::Found(i);
            }
            i += 1;
        }
        Spot::Vacant(i)
    }

    /// [`UserState::upsert_at`], finding the spot first.
    #[cfg(test)]
    pub(crate) fn upsert(&mut self, play: &mut Play, max: usize, keep: Ms) -> Change {
        let spot = self.locate(play.event, play.started);
        self.upsert_at(play, spot, max, keep)
    }

    /// Adds a play or updates the one with the same event id, at `spot`, which must
    /// come from [`UserState::touch`] on this window, unchanged since. Keeps at most
    /// `max` plays: stopped plays that ended more than `keep` before the newest start
    /// are dropped first, then the oldest stopped play, then the oldest play. On
    /// return, `play` is the window's copy.
    pub(crate) fn upsert_at(
        &mut self,
        play: &mut Play,
        spot: Spot,
        max: usize,
        keep: Ms,
    ) -> Change {
        let at = match spot {
            Spot::Vacant(at) => at,
            Spot::Found(i) => return self.update(i, play),
        };
        if at == self.plays.len() {
            self.plays.push_back(*play);
        } else {
            self.plays.insert(at, *play);
        }
        self.evict(max, keep);
        Change::New
    }

    /// Merges `play` into the window's play at `i`, then copies the result back.
    fn update(&mut self, i: usize, play: &mut Play) -> Change {
        let slot = &mut self.plays[i];
        let moved = play.ip.is_some() && !slot.same_network(play);
        slot.updated = slot.updated.max(play.updated);
        if play.stopped != OPEN {
            slot.stopped = play.stopped;
        }
        if play.ip.is_some() {
            slot.ip = play.ip;
            slot.net = play.net;
            slot.class = play.class;
            slot.trusted = play.trusted;
        }
        if play.point.is_some() {
            slot.point = play.point;
            slot.accuracy_km = play.accuracy_km;
            slot.city = play.city;
            slot.country = play.country;
            slot.asn = play.asn;
        }
        *play = *slot;
        if moved {
            Change::Moved
        } else {
            Change::Updated
        }
    }

    fn evict(&mut self, max: usize, keep: Ms) {
        let newest = self.plays.back().map_or(i64::MIN, |p| p.started);
        let horizon = newest.saturating_sub(keep);
        // Sorted by start, so the plays that ended long ago are mostly at the front:
        // popping them is O(1). Stragglers deeper in go at the next prune.
        while self
            .plays
            .front()
            .is_some_and(|p| p.stopped != OPEN && p.stopped < horizon)
        {
            self.plays.pop_front();
        }
        while self.plays.len() > max.max(1) {
            let victim = self
                .plays
                .iter()
                .position(|p| p.stopped != OPEN)
                .unwrap_or(0);
            self.plays.remove(victim);
        }
    }

    /// The most recent play that started before `play` (excluding it), if any.
    pub(crate) fn previous(&self, play: &Play) -> impl Iterator<Item = &Play> {
        let (event, started) = (play.event, play.started);
        self.plays
            .iter()
            .rev()
            .filter(move |p| p.event != event && p.started <= started)
    }

    /// Drops plays that ended before `horizon`; returns whether the window is empty.
    pub(crate) fn prune(&mut self, horizon: Ms, assume_stopped: Ms) -> bool {
        let ended = |p: &Play| {
            let end = if p.stopped == OPEN {
                p.updated.saturating_add(assume_stopped)
            } else {
                p.stopped
            };
            end < horizon
        };
        // Sorted by start, the plays that ended are mostly at the front: pop them, and
        // filter the rest only if one that ended is left further in.
        while self.plays.front().is_some_and(ended) {
            self.plays.pop_front();
        }
        if self.plays.iter().any(ended) {
            self.plays.retain(|p| !ended(p));
        }
        self.plays.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(n: u8, started: Ms, stopped: Ms) -> Play {
        Play {
            event: EventId::derive(&[n]),
            user: UserId::new(1).unwrap(),
            started,
            updated: started,
            stopped,
            server: 0,
            device: NONE,
            city: NONE,
            ip: None,
            net: None,
            class: None,
            point: None,
            accuracy_km: 0.0,
            country: None,
            asn: None,
            trusted: false,
        }
    }

    #[test]
    fn window_stays_sorted_and_bounded() {
        let mut w = UserState::new(4);
        for (n, t) in [(1, 50), (2, 10), (3, 30), (4, 20)] {
            assert_eq!(w.upsert(&mut play(n, t, t + 5), 4, 1_000), Change::New);
        }
        let starts: Vec<_> = w.plays.iter().map(|p| p.started).collect();
        assert_eq!(starts, [10, 20, 30, 50]);
        w.upsert(&mut play(5, 60, OPEN), 4, 1_000);
        assert_eq!(w.plays.len(), 4);
        assert_eq!(w.plays[0].started, 20, "the oldest stopped play goes first");
        let mut p = play(5, 60, 90);
        let change = w.upsert(&mut p, 4, 1_000);
        assert_eq!(change, Change::Updated);
        assert_eq!(p.stopped, 90);
        w.upsert(&mut play(6, 5_000, OPEN), 4, 1_000);
        assert_eq!(w.plays.len(), 1, "plays that ended long before are dropped");
    }

    #[test]
    fn prune_drops_every_play_that_ended_wherever_it_is() {
        let mut w = UserState::new(8);
        // Ends: 15, 500 (long), 35, OPEN updated at 40, 55.
        for (n, t, stop) in [
            (1, 10, 15),
            (2, 20, 500),
            (3, 30, 35),
            (4, 40, OPEN),
            (5, 50, 55),
        ] {
            w.upsert(&mut play(n, t, stop), 8, 1_000);
        }
        assert!(!w.prune(45, 1_000));
        let starts: Vec<_> = w.plays.iter().map(|p| p.started).collect();
        assert_eq!(
            starts,
            [20, 40, 50],
            "the front and a straggler deeper in go"
        );
        assert!(w.prune(2_000, 1_000));
    }

    #[test]
    fn activity_respects_stops_and_lost_stops() {
        let p = play(1, 100, 200);
        assert!(!p.active_at(99, 1_000));
        assert!(p.active_at(150, 1_000));
        assert!(!p.active_at(200, 1_000));
        let open = play(2, 100, OPEN);
        assert!(open.active_at(1_099, 1_000));
        assert!(!open.active_at(1_100, 1_000));
    }
}

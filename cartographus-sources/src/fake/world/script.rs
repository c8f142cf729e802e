//! The scripted bad actors. From the world's epoch on, every script period (two hours
//! by default), each replays its story; before the epoch they live like everyone else,
//! so their history is clean.
//!
//! - The **traveller** plays on their phone at home in London for half a minute, and
//!   two and a half minutes later the account plays on a television in Sydney:
//!   about 17,000 km in minutes (impossible travel). The London play has left the
//!   session list well before Sydney starts, so it is travel, not two places at once.
//! - The **sharer**'s account streams from home in Berlin and from friends' homes in
//!   Madrid, Toronto, São Paulo and Mumbai, all started within 40 seconds and each
//!   running for half an hour or more: five streams at once from five places
//!   (concurrent streams, simultaneous locations, impossible travel).
//! - The **hopper**'s television is seen on five VPN exits in five countries within
//!   five minutes, one short play each (device velocity). One device changing place
//!   is not travel, and its plays never overlap, so only the device rule fires.

use super::catalogue::Kind;
use super::devices::DeviceKind;
use super::people::Person;
use super::rng::Rng;
use super::schedule::{pauses, row_base, slot_of, Play, PLAYS_PER_BLOCK};
use super::{World, WorldRole};

/// How far back a script's plays can reach.
const SCRIPT_SPAN_MS: i64 = 3_600_000;

impl World {
    /// Adds the scripted plays overlapping `[from, to)`.
    pub(crate) fn script_plays(&self, from: i64, to: i64, out: &mut Vec<Play>) {
        if !self.bad_actors || to <= self.epoch_ms {
            return;
        }
        let period = self.period_ms;
        let first = (from - SCRIPT_SPAN_MS - self.epoch_ms)
            .div_euclid(period)
            .max(0);
        let last = (to - self.epoch_ms).div_euclid(period);
        for cycle in first..=last {
            let at = self.epoch_ms + cycle * period;
            for (person, p) in self.population.people.iter().enumerate() {
                let mut s = Script {
                    world: self,
                    person,
                    p,
                    rng: Rng::keyed(self.seed, &[0x5C21, person as u64, cycle as u64]),
                    base: row_base(slot_of(at), person) + PLAYS_PER_BLOCK,
                    n: 0,
                    out: &mut *out,
                };
                match p.role {
                    WorldRole::Traveller => s.traveller(at),
                    WorldRole::Sharer => s.sharer(at),
                    WorldRole::Hopper => s.hopper(at),
                    WorldRole::Regular => {}
                }
            }
        }
    }
}

struct Script<'a> {
    world: &'a World,
    person: usize,
    p: &'a Person,
    rng: Rng,
    base: u64,
    n: u64,
    out: &'a mut Vec<Play>,
}

impl Script<'_> {
    fn device(&self, kind: DeviceKind) -> usize {
        self.p
            .devices
            .iter()
            .position(|d| d.kind == kind && !d.scripted)
            .unwrap_or(0)
    }

    fn scripted_devices(&self) -> Vec<usize> {
        (0..self.p.devices.len())
            .filter(|i| self.p.devices[*i].scripted)
            .collect()
    }

    fn movie(&mut self) -> usize {
        let cat = &self.world.catalogue;
        cat.movies[self.rng.zipf(cat.movies.len())]
    }

    /// Adds a play of `item` from `start` for `watch_ms` (pauses excluded).
    #[allow(clippy::too_many_arguments)]
    fn play(
        &mut self,
        device: usize,
        network: usize,
        item: usize,
        start: i64,
        watch_ms: i64,
        offset_ms: u64,
        pause_odds: f64,
    ) {
        let session = self.rng.next_u64();
        let pauses = pauses(&mut self.rng, start, watch_ms, pause_odds);
        let paused: i64 = pauses.iter().map(|(a, b)| b - a).sum();
        let transcode = self
            .world
            .delivery(self.p, device, network, item, &mut self.rng);
        self.out.push(Play {
            person: self.person,
            device,
            network,
            ip: self.world.address(self.p, device, network, session),
            item,
            programme: None,
            row: self.base + self.n,
            session,
            start,
            end: start + watch_ms + paused,
            offset_ms,
            pauses,
            transcode,
            group: None,
        });
        self.n += 1;
    }

    fn traveller(&mut self, at: i64) {
        let (Some(&sydney), Some(&tv)) = (self.p.away.first(), self.scripted_devices().first())
        else {
            return;
        };
        let phone = self.device(DeviceKind::Mobile);
        let item = self.movie();
        let len = self.world.catalogue.items[item].duration_ms;
        let offset = len * self.rng.range(10, 40) as u64 / 100;
        self.play(phone, self.p.home, item, at + 5_000, 35_000, offset, 0.0);
        let item = self.movie();
        let watch = self.rng.range(20, 30) * 60_000;
        self.play(tv, sydney, item, at + 150_000, watch, 0, 0.5);
    }

    fn sharer(&mut self, at: i64) {
        let home_tv = self.device(DeviceKind::Tv);
        let mut places = vec![(home_tv, self.p.home)];
        places.extend(self.scripted_devices().into_iter().zip(self.p.away.clone()));
        for (i, (device, network)) in places.into_iter().enumerate() {
            let item = if self.rng.chance(0.5) {
                self.movie()
            } else {
                let cat = &self.world.catalogue;
                let show = &cat.shows[self.rng.zipf(cat.shows.len())];
                show.episodes[self.rng.index(show.episodes.len())]
            };
            let watch = self.rng.range(25, 45) * 60_000;
            let start = at + 8_000 * (i as i64 + 1);
            self.play(device, network, item, start, watch, 0, 0.4);
        }
    }

    fn hopper(&mut self, at: i64) {
        let tv = self.device(DeviceKind::Tv);
        let cat = &self.world.catalogue;
        let show = &cat.shows[self.rng.zipf(cat.shows.len())];
        let first = self.rng.index(show.episodes.len());
        let episodes: Vec<usize> = (0..5)
            .map(|i| show.episodes[(first + i) % show.episodes.len()])
            .collect();
        debug_assert!(episodes.iter().all(|e| cat.items[*e].kind == Kind::Episode));
        for (i, (item, network)) in episodes.into_iter().zip(self.p.away.clone()).enumerate() {
            let start = at + 20_000 + 60_000 * i as i64;
            self.play(tv, network, item, start, 40_000, 0, 0.0);
        }
    }
}

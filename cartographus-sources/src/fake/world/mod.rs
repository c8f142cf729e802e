//! A simulated world to drive the fake servers with: dozens of accounts across the
//! continents, households sharing a home network (one of them on IPv6 with changing
//! addresses, one on the server's own LAN), commuters on mobile carriers, offices, real
//! client names, a library of films, series, music and live TV with Zipf-like
//! popularity, evening peaks in every viewer's local time, pauses, resumes, binges,
//! transcodes — and three scripted bad actors whose plays a detector should flag: a
//! traveller (London, then Sydney minutes later), a sharer (five places at once) and a
//! device hopping networks. See [`World`].
//!
//! The world is sans-IO and deterministic: it reads no clock (`now` is always an
//! argument), and everything it does follows from its seed, so the same
//! [`WorldConfig`] gives the same people, sessions and history. It is also
//! memory-less: the sessions at any moment and the history before it are computed
//! from the seed alone, in any order, and agree with each other.

mod catalogue;
mod cities;
mod devices;
mod events;
mod people;
mod rng;
mod schedule;
mod script;

use std::net::IpAddr;

use cartographus_core::{
    derive_user_id, ExternalUserId, GeoPoint, NetworkId, Platform, PlaybackEvent, ServerId, UserId,
};
use chrono::{DateTime, Duration, Utc};

use self::catalogue::Catalogue;
use self::cities::CITIES;
use self::people::{Addr, Population};
use self::rng::Rng;
use crate::fake::session::FakeSession;

/// The most accounts a world can have.
pub const MAX_USERS: usize = 99;

/// What a world is made of.
///
/// ## Defaults
/// - `servers`: a Plex, a Jellyfin and an Emby server.
/// - `users`: 40 accounts.
/// - `bad_actors`: true — the traveller, the sharer and the hopper (worlds of at
///   least 12 accounts).
/// - `script_period`: 2 hours — the bad actors replay their scripts at the epoch and
///   every period after it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorldConfig {
    /// The seed everything follows from.
    pub seed: u64,
    /// When the bad actors' scripts begin (a demo passes its start time).
    pub epoch: DateTime<Utc>,
    /// The media servers: platform and display name.
    pub servers: Vec<(Platform, String)>,
    /// How many accounts.
    pub users: usize,
    /// Whether the scripted bad actors take part.
    pub bad_actors: bool,
    /// How often the scripts replay.
    pub script_period: Duration,
}

impl WorldConfig {
    /// The default world of `seed` whose scripts begin at `epoch`.
    pub fn new(seed: u64, epoch: DateTime<Utc>) -> Self {
        Self {
            seed,
            epoch,
            servers: vec![
                (Platform::Plex, "Plex (demo)".to_owned()),
                (Platform::Jellyfin, "Jellyfin (demo)".to_owned()),
                (Platform::Emby, "Emby (demo)".to_owned()),
            ],
            users: 40,
            bad_actors: true,
            script_period: Duration::hours(2),
        }
    }
}

/// Why a world could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// No server was configured.
    #[error("a world needs at least one server")]
    NoServers,
    /// The number of accounts is out of range.
    #[error("a world has 1 to {max} accounts, not {requested}")]
    Users {
        /// The number asked for.
        requested: usize,
        /// The most allowed.
        max: usize,
    },
    /// The script period is shorter than a script (one hour).
    #[error("the script period must be at least one hour")]
    ScriptPeriod,
}

/// A media server of the world.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorldServer {
    /// Plex, Jellyfin or Emby.
    pub platform: Platform,
    /// Its display name.
    pub name: String,
    /// Its id (Plex `machineIdentifier`, Jellyfin/Emby `Id`): start the fake server
    /// with it ([`super::FakeServer::start_as`]) so user ids agree.
    pub server_id: ServerId,
}

/// What part an account plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorldRole {
    /// An everyday viewer: detection should stay quiet.
    Regular,
    /// Plays in London, then minutes later in Sydney.
    Traveller,
    /// Streams from five places at once.
    Sharer,
    /// One device on five networks within five minutes.
    Hopper,
}

/// An account of the world.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorldUser {
    /// The server it is on (an index into [`World::servers`]).
    pub server: usize,
    /// The id on that server.
    pub external_id: ExternalUserId,
    /// The internal id Cartographus derives for it.
    pub user_id: UserId,
    /// The account name.
    pub username: String,
    /// The display name.
    pub friendly_name: String,
    /// Its part.
    pub role: WorldRole,
    /// The household (people sharing a home network share this number).
    pub household: usize,
    /// The home city.
    pub city: String,
    /// The home country (ISO 3166-1 alpha-2).
    pub country_code: String,
}

/// A network of the world and where it is, for a GeoIP location override.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorldLocation {
    /// The network: one IPv4 address (`/32`) or an IPv6 `/64`.
    pub network: NetworkId,
    /// Where it is.
    pub point: GeoPoint,
    /// The city.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// IANA time zone.
    pub time_zone: String,
    /// What kind of line it is ("residential broadband", "VPN exit node"…).
    pub label: String,
}

/// The simulated world. Build it with [`World::new`], then ask it, for any `now`:
/// [`World::step`] for the sessions each server lists, [`World::history`] for a
/// Tautulli history, [`World::past_plays`] for every server's past plays, and
/// [`World::locations`] for the places of its networks.
#[derive(Debug, Clone)]
pub struct World {
    seed: u64,
    epoch_ms: i64,
    period_ms: i64,
    bad_actors: bool,
    servers: Vec<WorldServer>,
    population: Population,
    catalogue: Catalogue,
}

impl World {
    /// Builds the world of `config`.
    pub fn new(config: WorldConfig) -> Result<Self, WorldError> {
        if config.servers.is_empty() {
            return Err(WorldError::NoServers);
        }
        if config.users == 0 || config.users > MAX_USERS {
            return Err(WorldError::Users {
                requested: config.users,
                max: MAX_USERS,
            });
        }
        if config.script_period < Duration::hours(1) {
            return Err(WorldError::ScriptPeriod);
        }
        let seed = config.seed;
        let mut rng = Rng::keyed(seed, &[0x5E4F]);
        let servers = config
            .servers
            .iter()
            .map(|(platform, name)| {
                let id = match platform {
                    Platform::Plex => rng.hex(40),
                    _ => rng.hex(32),
                };
                WorldServer {
                    platform: *platform,
                    name: name.clone(),
                    server_id: ServerId::new(id).unwrap_or_else(|_| unreachable_id()),
                }
            })
            .collect();
        let platforms: Vec<Platform> = config.servers.iter().map(|s| s.0).collect();
        Ok(Self {
            seed,
            epoch_ms: config.epoch.timestamp_millis(),
            period_ms: config.script_period.num_milliseconds(),
            bad_actors: config.bad_actors && config.users >= 12,
            servers,
            population: Population::new(seed, &platforms, config.users, config.bad_actors),
            catalogue: Catalogue::new(seed),
        })
    }

    /// The servers, in configuration order.
    pub fn servers(&self) -> &[WorldServer] {
        &self.servers
    }

    /// When the scripts begin.
    pub fn epoch(&self) -> DateTime<Utc> {
        events::time(self.epoch_ms)
    }

    /// Every account.
    pub fn users(&self) -> Vec<WorldUser> {
        self.population
            .people
            .iter()
            .filter_map(|p| {
                let server = &self.servers[p.server];
                let external_id = ExternalUserId::new(&p.external_id).ok()?;
                let city = &CITIES[p.city];
                Some(WorldUser {
                    server: p.server,
                    user_id: derive_user_id(server.platform, &server.server_id, &external_id),
                    external_id,
                    username: p.username.clone(),
                    friendly_name: p.friendly.clone(),
                    role: p.role,
                    household: p.household,
                    city: city.name.to_owned(),
                    country_code: city.country.to_owned(),
                })
            })
            .collect()
    }

    /// Every public network the world uses and where it is: turn them into GeoIP
    /// location overrides and the world geolocates without a database. The server's
    /// LAN (`192.168.1.0/24`, see [`World::server_location`]) and the mobile
    /// carrier's shared addresses (`100.64.0.0/10`) are not listed: they have no
    /// place of their own.
    pub fn locations(&self) -> Vec<WorldLocation> {
        self.population
            .networks
            .iter()
            .filter_map(|n| {
                let network = match n.addr {
                    Addr::V4(ip) => format!("{ip}/32"),
                    Addr::V6(prefix) => format!("{}/64", std::net::Ipv6Addr::from(prefix)),
                    Addr::Lan | Addr::Cgnat => return None,
                }
                .parse()
                .ok()?;
                let city = &CITIES[n.city];
                Some(WorldLocation {
                    network,
                    point: GeoPoint::new(n.lat, n.lon).ok()?,
                    city: city.name.to_owned(),
                    country_code: city.country.to_owned(),
                    time_zone: city.tz.to_owned(),
                    label: n.label.to_owned(),
                })
            })
            .collect()
    }

    /// The location of the network holding `ip`, if it is one of
    /// [`World::locations`].
    pub fn location_of(&self, ip: IpAddr) -> Option<WorldLocation> {
        self.locations()
            .into_iter()
            .find(|l| l.network.contains(ip))
    }

    /// Where the servers are: the home of the household on their LAN (for
    /// `SERVER_LATITUDE`/`SERVER_LONGITUDE`).
    pub fn server_location(&self) -> GeoPoint {
        let n = &self.population.networks[self.population.lan];
        GeoPoint::new(n.lat, n.lon).unwrap_or_else(|_| unreachable_point())
    }

    /// The sessions each server lists at `now`: one entry per server, in
    /// configuration order, sessions by start time. Hand each list to the server's
    /// [`super::FakeServer::set_sessions`].
    pub fn step(&self, now: DateTime<Utc>) -> Vec<(usize, Vec<FakeSession>)> {
        let t = now.timestamp_millis();
        let mut out: Vec<(usize, Vec<FakeSession>)> =
            (0..self.servers.len()).map(|i| (i, Vec::new())).collect();
        for play in self.plays_between(t, t + 1) {
            let server = self.population.people[play.person].server;
            out[server].1.push(self.session_at(&play, t));
        }
        out
    }

    /// The Tautulli history of the world's first Plex server: every play on it that
    /// started in the `days` before `now` and had ended by `now`, oldest first, as
    /// Tautulli's `get_history` rows decode ([`crate::tautulli::decode_history`]):
    /// source [`cartographus_core::Source::Tautulli`], session key = row id, the
    /// first play of a resumed group as `reference_id`. Empty without a Plex server.
    pub fn history(&self, now: DateTime<Utc>, days: u32) -> Vec<PlaybackEvent> {
        let Some(plex) = self
            .servers
            .iter()
            .position(|s| s.platform == Platform::Plex)
        else {
            return Vec::new();
        };
        let plays = self.finished(now, days, Some(plex));
        let mut events: Vec<(u64, Option<u64>, PlaybackEvent)> = plays
            .iter()
            .filter_map(|p| Some((p.row, p.group, self.tautulli_event(p)?)))
            .collect();
        let ids: std::collections::HashMap<u64, cartographus_core::EventId> = events
            .iter()
            .map(|(row, _, e)| (*row, e.event_id()))
            .collect();
        for (_, group, e) in &mut events {
            e.identity.reference_id = group.and_then(|g| ids.get(&g).copied());
        }
        events.into_iter().map(|(_, _, e)| e).collect()
    }

    /// Every server's plays that started in the `days` before `now` and had ended
    /// by `now`, oldest first, as live ingestion would have stored them (source
    /// Plex, Jellyfin or Emby; the full field set of the session list). Store them,
    /// or warm a detector with them, so the world has a past.
    pub fn past_plays(&self, now: DateTime<Utc>, days: u32) -> Vec<PlaybackEvent> {
        self.finished(now, days, None)
            .iter()
            .filter_map(|p| self.native_event(p))
            .collect()
    }

    fn finished(
        &self,
        now: DateTime<Utc>,
        days: u32,
        server: Option<usize>,
    ) -> Vec<schedule::Play> {
        let to = now.timestamp_millis();
        let from = to - i64::from(days) * 86_400_000;
        let mut plays = self.plays_between(from, to);
        plays.retain(|p| {
            p.start >= from
                && p.end <= to
                && server.is_none_or(|s| self.population.people[p.person].server == s)
        });
        plays
    }
}

/// Hex ids always make valid server ids; this is never reached.
fn unreachable_id() -> ServerId {
    ServerId::new("world").unwrap_or_else(|_| unreachable!("a literal id is valid"))
}

/// City points are validated by a test; this is never reached.
fn unreachable_point() -> GeoPoint {
    GeoPoint::new(0.0, 0.0).unwrap_or_else(|_| unreachable!("0,0 is a point"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn config_errors_are_typed() {
        let epoch = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut c = WorldConfig::new(1, epoch);
        c.servers.clear();
        assert_eq!(World::new(c).unwrap_err(), WorldError::NoServers);
        let mut c = WorldConfig::new(1, epoch);
        c.users = 100;
        assert!(matches!(
            World::new(c),
            Err(WorldError::Users { requested: 100, .. })
        ));
        let mut c = WorldConfig::new(1, epoch);
        c.script_period = Duration::minutes(30);
        assert_eq!(World::new(c).unwrap_err(), WorldError::ScriptPeriod);
    }

    #[test]
    fn plays_are_ordered_and_bounded() {
        let epoch = Utc.with_ymd_and_hms(2026, 3, 4, 18, 0, 0).unwrap();
        let w = World::new(WorldConfig::new(3, epoch)).unwrap();
        let t = epoch.timestamp_millis();
        let plays = w.plays_between(t - 86_400_000, t);
        assert!(plays.len() > 50, "{}", plays.len());
        for p in &plays {
            assert!(p.start < p.end);
            assert!(p
                .pauses
                .iter()
                .all(|(a, b)| p.start <= *a && a < b && *b <= p.end));
            assert_eq!(p.start % 1000, 0);
        }
        let rows: std::collections::HashSet<u64> = plays.iter().map(|p| p.row).collect();
        assert_eq!(rows.len(), plays.len(), "row ids are unique");
    }
}

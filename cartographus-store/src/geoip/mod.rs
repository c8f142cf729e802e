//! GeoIP enrichment: where on Earth a client address is.
//!
//! [`GeoResolver::resolve`] answers in this order:
//! 1. a user **location override** whose network holds the address (longest prefix
//!    wins): a fixed place with a label ("home", "grandma's");
//! 2. a **local** address (private, loopback, link-local, ULA) is "local network",
//!    placed at the server's configured location if there is one; a CGNAT address is
//!    "local network" too but has no place (it is a carrier's NAT, not the LAN);
//!    documentation and reserved addresses are unknown — none of these is looked up;
//! 3. the bounded **cache**;
//! 4. the [`IpLocator`] (MaxMind DB files, or an in-memory table in tests).
//!
//! An address nobody knows is [`GeoSource::Unknown`] with no point, never (0, 0).

mod cache;
mod mmdb;

use std::net::IpAddr;

use cartographus_core::{
    canonical, classify, GeoPoint, GeoSource, Geolocation, IpClass, NetworkId, PlaybackEvent,
};
use serde::{Deserialize, Serialize};

use crate::error::GeoIpError;

pub use mmdb::MmdbLocator;

/// A source of geolocation answers for public addresses. Two implementations exist:
/// [`MmdbLocator`] (MaxMind-format files) and [`TableLocator`] (an in-memory table).
pub trait IpLocator: Send + Sync + std::fmt::Debug {
    /// What is known of `ip`; `Ok(None)` when nothing is.
    ///
    /// # Errors
    /// [`GeoIpError::Decode`] when the record exists but cannot be read.
    fn locate(&self, ip: IpAddr) -> Result<Option<Geolocation>, GeoIpError>;
}

/// An in-memory locator: networks mapped to answers, longest prefix first. For tests,
/// demos and small fixed setups.
#[derive(Debug, Clone, Default)]
pub struct TableLocator {
    entries: Vec<(NetworkId, Geolocation)>,
}

impl TableLocator {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a network and its answer (its `source` is set to `mmdb`, as if a database
    /// had said it).
    pub fn insert(&mut self, network: NetworkId, mut answer: Geolocation) {
        answer.source = Some(GeoSource::Mmdb);
        self.entries.push((network, answer));
        self.entries
            .sort_by_key(|e| std::cmp::Reverse(e.0.prefix()));
    }

    /// The table with one more entry.
    pub fn with(mut self, network: NetworkId, answer: Geolocation) -> Self {
        self.insert(network, answer);
        self
    }
}

impl IpLocator for TableLocator {
    fn locate(&self, ip: IpAddr) -> Result<Option<Geolocation>, GeoIpError> {
        Ok(self
            .entries
            .iter()
            .find(|(n, _)| n.contains(ip))
            .map(|(_, g)| g.clone()))
    }
}

/// A user's fixed location for a network ("home", "office", "grandma's").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocationOverride {
    /// The network (CIDR; a bare address is one address).
    pub network: NetworkId,
    /// Where it is.
    pub point: GeoPoint,
    /// The name shown for it.
    pub label: String,
    /// City, if the user gave one.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, if the user gave one.
    pub country_code: Option<String>,
}

impl LocationOverride {
    /// An override of `network` to `point`, named `label`.
    pub fn new(network: NetworkId, point: GeoPoint, label: impl Into<String>) -> Self {
        Self {
            network,
            point,
            label: label.into(),
            city: None,
            country_code: None,
        }
    }

    fn answer(&self) -> Geolocation {
        let mut g = Geolocation::at(self.point, GeoSource::Override);
        g.accuracy_km = Some(0.0);
        g.city = self.city.clone();
        g.country_code = self.country_code.as_ref().map(|c| c.to_ascii_uppercase());
        g.label = Some(self.label.clone());
        g
    }
}

/// Settings of a [`GeoResolver`].
///
/// ## Defaults
/// - `overrides`: none.
/// - `server_location`: `None` — local plays have no place.
/// - `cache_capacity`: 65,536 addresses.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GeoConfig {
    /// Location overrides, checked before anything else.
    pub overrides: Vec<LocationOverride>,
    /// Where the media server is (`SERVER_LATITUDE`/`SERVER_LONGITUDE`): local-network
    /// plays are placed here.
    pub server_location: Option<GeoPoint>,
    /// How many answers the cache keeps (at least 2).
    pub cache_capacity: usize,
}

impl Default for GeoConfig {
    fn default() -> Self {
        Self {
            overrides: Vec::new(),
            server_location: None,
            cache_capacity: 65_536,
        }
    }
}

fn local_answer(point: Option<GeoPoint>, label: &str) -> Geolocation {
    let mut g = Geolocation::unknown();
    g.point = point;
    g.label = Some(label.to_owned());
    g.source = Some(GeoSource::Private);
    g
}

impl GeoConfig {
    /// Sets the location overrides.
    pub fn with_overrides(mut self, overrides: Vec<LocationOverride>) -> Self {
        self.overrides = overrides;
        self
    }

    /// Sets the server's location (where local-network plays are placed).
    pub fn with_server_location(mut self, point: GeoPoint) -> Self {
        self.server_location = Some(point);
        self
    }

    /// Sets the cache capacity (at least 2).
    pub fn with_cache_capacity(mut self, entries: usize) -> Self {
        self.cache_capacity = entries.max(2);
        self
    }
}

/// Counters of a resolver's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GeoStats {
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// Lookups in the locator.
    pub lookups: u64,
    /// Lookups that failed to decode (answered as unknown).
    pub errors: u64,
}

/// Resolves client addresses to places: overrides, local addresses, cache, locator.
#[derive(Debug)]
pub struct GeoResolver {
    locator: Option<Box<dyn IpLocator>>,
    overrides: Vec<LocationOverride>,
    server_location: Option<GeoPoint>,
    cache: cache::Cache,
    stats: GeoStats,
}

impl GeoResolver {
    /// A resolver over `locator` (`None`: overrides and local addresses only).
    pub fn new(locator: Option<Box<dyn IpLocator>>, config: GeoConfig) -> Self {
        let mut overrides = config.overrides;
        overrides.sort_by_key(|o| std::cmp::Reverse(o.network.prefix()));
        Self {
            locator,
            overrides,
            server_location: config.server_location,
            cache: cache::Cache::new(config.cache_capacity),
            stats: GeoStats::default(),
        }
    }

    /// Swaps the locator (a new database file) and empties the cache.
    pub fn set_locator(&mut self, locator: Option<Box<dyn IpLocator>>) {
        self.locator = locator;
        self.cache.clear();
    }

    /// Counters so far.
    pub fn stats(&self) -> GeoStats {
        self.stats
    }

    /// Where `ip` is. Never fails: what cannot be known is [`GeoSource::Unknown`].
    pub fn resolve(&mut self, ip: IpAddr) -> Geolocation {
        let ip = canonical(ip);
        if let Some(o) = self.overrides.iter().find(|o| o.network.contains(ip)) {
            return o.answer();
        }
        match classify(ip) {
            IpClass::Public => {}
            class if class.is_local() => {
                return local_answer(self.server_location, "local network");
            }
            IpClass::Cgnat => return local_answer(None, "carrier-grade NAT"),
            _ => return Geolocation::unknown(),
        }
        if let Some(hit) = self.cache.get(ip) {
            self.stats.cache_hits += 1;
            return hit;
        }
        self.stats.lookups += 1;
        let answer = match self.locator.as_ref().map(|l| l.locate(ip)) {
            Some(Ok(Some(g))) => g,
            Some(Err(_)) => {
                self.stats.errors += 1;
                Geolocation::unknown()
            }
            Some(Ok(None)) | None => Geolocation::unknown(),
        };
        self.cache.put(ip, answer.clone());
        answer
    }

    /// Sets `geo` of every event from its address ([`cartographus_core::NetworkInfo::geo_ip`]);
    /// events without an address get an unknown answer. Events that already have a
    /// place are left alone.
    pub fn enrich(&mut self, events: &mut [PlaybackEvent]) {
        for e in events {
            if e.geo.as_ref().is_some_and(|g| g.point.is_some()) {
                continue;
            }
            e.geo = Some(match e.network.geo_ip() {
                Some(ip) => self.resolve(ip),
                None => Geolocation::unknown(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn order_of_answers() {
        let home = LocationOverride::new(
            "192.168.1.0/24".parse().unwrap(),
            GeoPoint::new(50.0, 8.0).unwrap(),
            "home",
        );
        let table = TableLocator::new().with(
            "8.8.8.0/24".parse().unwrap(),
            Geolocation::at(GeoPoint::new(37.0, -122.0).unwrap(), GeoSource::Mmdb),
        );
        let config = GeoConfig::default()
            .with_overrides(vec![home])
            .with_server_location(GeoPoint::new(1.0, 2.0).unwrap())
            .with_cache_capacity(4);
        let mut r = GeoResolver::new(Some(Box::new(table)), config);
        let g = r.resolve(ip("192.168.1.7"));
        assert_eq!(g.label.as_deref(), Some("home"));
        assert_eq!(g.source, Some(GeoSource::Override));
        let g = r.resolve(ip("10.0.0.1"));
        assert_eq!(g.source, Some(GeoSource::Private));
        assert_eq!(g.point.unwrap().lat(), 1.0);
        let g = r.resolve(ip("100.64.1.1"));
        assert_eq!((g.source, g.point), (Some(GeoSource::Private), None));
        assert_eq!(r.resolve(ip("8.8.8.8")).point.unwrap().lat(), 37.0);
        assert_eq!(r.resolve(ip("8.8.8.8")).source, Some(GeoSource::Mmdb));
        assert_eq!(r.stats().cache_hits, 1);
        let g = r.resolve(ip("9.9.9.9"));
        assert_eq!((g.source, g.point), (Some(GeoSource::Unknown), None));
        assert_eq!(r.resolve(ip("192.0.2.1")).source, Some(GeoSource::Unknown));
    }
}

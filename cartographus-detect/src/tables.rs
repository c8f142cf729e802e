//! Engine-wide tables shared by the rules: interned servers, cities, platforms and
//! client names; one record per device (where it was seen, on which platform, by
//! which accounts); and per network the accounts that played from it. The rules read
//! them; the engine updates them for every play, whether or not it may alert.

use cartographus_core::{DeviceId, NetworkId, ServerId, UserId};

use crate::finding::{Place, PlayRef};
use crate::inline::SmallVec;
use crate::intern::Interner;
use crate::rules::device_velocity::NetworkKey;
use crate::window::{time, Hasher, Map, Ms, Play, NONE, OPEN};

/// The most sightings remembered per device.
pub(crate) const MAX_SIGHTINGS: usize = 8;
/// The most accounts remembered per device or network.
pub(crate) const MAX_ACCOUNTS: usize = 16;
/// Accounts kept inline per device or network (a household); more go to the heap.
const ACCOUNTS_INLINE: usize = 3;
/// Sightings kept inline per device; more go to the heap.
const SIGHTINGS_INLINE: usize = 2;

/// Accounts seen on a device or network, with the last playback time of each.
#[derive(Debug, Clone)]
pub(crate) struct Accounts {
    pub(crate) seen: SmallVec<(UserId, Ms), ACCOUNTS_INLINE>,
}

impl Accounts {
    /// An empty list (`filler` only fills unused slots).
    pub(crate) fn new(filler: UserId) -> Self {
        Self {
            seen: SmallVec::new((filler, 0)),
        }
    }
}

impl Accounts {
    /// Records `user` at `t`; forgets accounts not seen since `horizon`.
    pub(crate) fn note(&mut self, user: UserId, t: Ms, horizon: Ms) {
        self.seen.retain(|(_, last)| *last >= horizon);
        match self.seen.iter_mut().find(|(u, _)| *u == user) {
            Some(entry) => entry.1 = entry.1.max(t),
            None => {
                if self.seen.len() >= MAX_ACCOUNTS {
                    if let Some(oldest) = (0..self.seen.len()).min_by_key(|&i| self.seen[i].1) {
                        self.seen.remove(oldest);
                    }
                }
                self.seen.push((user, t));
            }
        }
    }

    pub(crate) fn last_seen(&self) -> Ms {
        self.seen.iter().map(|(_, t)| *t).max().unwrap_or(i64::MIN)
    }
}

/// A network as a hash key. `NetworkId`'s derived hash feeds the hasher field by field
/// (the address family, each octet, the prefix); this one feeds it the address bits
/// and the prefix in two steps. Equality is the network's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NetKey(pub(crate) NetworkId);

impl std::hash::Hash for NetKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let bits = match self.0.addr() {
            // IPv4 networks sit where no IPv6 network does (an unassigned prefix).
            std::net::IpAddr::V4(a) => u128::from(u32::from(a)) | 1 << 100,
            std::net::IpAddr::V6(a) => u128::from(a),
        };
        state.write_u128(bits);
        state.write_u8(self.0.prefix());
    }
}

/// Everything known about one device.
///
/// Laid out in the order a play reads it (`repr(C)`): the cached names, then the
/// sightings and accounts (inline for almost every device, so a device is 168 bytes
/// and a play reads two or three of its cache lines), and last the id, read only for
/// findings.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct DeviceState {
    /// The platform last reported (an index into `Tables::clients`), or [`NONE`].
    pub(crate) platform: u32,
    /// The product last reported (an index into `Tables::clients`), or [`NONE`]: a
    /// cache that spares a hash lookup when it has not changed.
    pub(crate) product: u32,
    /// The city of the device's last play (an index into `Tables::cities`), or
    /// [`NONE`]: the same kind of cache.
    pub(crate) city: u32,
    /// Recent (time, network) sightings.
    pub(crate) sightings: SmallVec<(Ms, NetworkKey), SIGHTINGS_INLINE>,
    pub(crate) accounts: Accounts,
    pub(crate) id: DeviceId,
}

/// The engine's shared tables.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) servers: Interner<ServerId>,
    pub(crate) devices: Interner<DeviceState>,
    pub(crate) cities: Interner<Box<str>>,
    /// Client names (products and platforms) with the index of the suspicious pattern
    /// they match, or [`NONE`]. A device's platform is an index here too.
    pub(crate) clients: Interner<(Box<str>, u32)>,
    pub(crate) networks: Map<NetKey, Accounts>,
    /// The server of the last event (most deployments have one or a few).
    pub(crate) last_server: u32,
}

impl Tables {
    pub(crate) fn new(hasher: &Hasher) -> Self {
        Self {
            servers: Interner::new(hasher.clone()),
            devices: Interner::new(hasher.clone()),
            cities: Interner::new(hasher.clone()),
            clients: Interner::new(hasher.clone()),
            networks: Map::with_hasher(hasher.clone()),
            last_server: NONE,
        }
    }

    pub(crate) fn device(&self, i: u32) -> Option<&DeviceState> {
        if i == NONE {
            return None;
        }
        self.devices.get(i)
    }

    pub(crate) fn device_id(&self, i: u32) -> Option<DeviceId> {
        self.device(i).map(|d| d.id.clone())
    }

    /// The index of a client name, reusing `cached` when it names the same text.
    pub(crate) fn client(
        &mut self,
        name: &str,
        cached: u32,
        classify: impl FnOnce(&str) -> u32,
    ) -> u32 {
        if name.is_empty() {
            return NONE;
        }
        if self.clients.get(cached).is_some_and(|(c, _)| **c == *name) {
            return cached;
        }
        self.clients.intern(name, || (name.into(), classify(name)))
    }

    /// The index of a city, reusing `cached` when it names the same city.
    pub(crate) fn city(&mut self, name: &str, cached: u32) -> u32 {
        if name.is_empty() {
            return NONE;
        }
        if self.cities.get(cached).is_some_and(|c| **c == *name) {
            return cached;
        }
        self.cities.intern(name, || name.into())
    }

    /// The index of a server, reusing the last one when it is the same.
    pub(crate) fn server(&mut self, id: &ServerId) -> u32 {
        if self.servers.get(self.last_server) == Some(id) {
            return self.last_server;
        }
        self.last_server = self.servers.intern(id.as_str(), || id.clone());
        self.last_server
    }

    pub(crate) fn platform(&self, i: u32) -> Option<&str> {
        if i == NONE {
            return None;
        }
        self.clients.get(i).map(|(s, _)| &**s)
    }

    /// Where a play came from, for evidence and play lists.
    pub(crate) fn place(&self, p: &Play) -> Place {
        Place {
            ip: p.ip,
            network: p.net,
            point: p.point,
            accuracy_km: (p.accuracy_km > 0.0).then_some(f64::from(p.accuracy_km)),
            city: (p.city != NONE)
                .then(|| self.cities.get(p.city).map(|c| c.to_string()))
                .flatten(),
            country: p.country,
            asn: p.asn,
        }
    }

    /// A play as findings list it.
    pub(crate) fn play_ref(&self, p: &Play, fallback_server: &ServerId) -> PlayRef {
        PlayRef {
            event_id: p.event,
            user: p.user,
            server: self
                .servers
                .get(p.server)
                .cloned()
                .unwrap_or_else(|| fallback_server.clone()),
            device: self.device_id(p.device),
            started_at: time(p.started),
            stopped_at: (p.stopped != OPEN).then(|| time(p.stopped)),
            place: self.place(p),
        }
    }

    /// Forgets devices' sightings and accounts, and networks, not seen since `horizon`.
    pub(crate) fn prune(&mut self, horizon: Ms) {
        self.networks.retain(|_, a| a.last_seen() >= horizon);
        for i in 0..self.devices.len() {
            if let Some(d) = self.devices.get_mut(i as u32) {
                d.sightings.retain(|(t, _)| *t >= horizon);
                d.accounts.seen.retain(|(_, t)| *t >= horizon);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_forget_and_stay_bounded() {
        let mut a = Accounts::new(UserId::new(1).unwrap());
        let u = |n| UserId::new(n).unwrap();
        a.note(u(1), 10, 0);
        a.note(u(1), 5, 0);
        assert_eq!(&*a.seen, &[(u(1), 10)]);
        a.note(u(2), 100, 50);
        assert_eq!(
            &*a.seen,
            &[(u(2), 100)],
            "user 1 was last seen before the horizon"
        );
        for n in 10..40 {
            a.note(u(n), 200 + n as i64, 0);
        }
        assert_eq!(a.seen.len(), MAX_ACCOUNTS);
        assert_eq!(a.last_seen(), 239);
    }
}

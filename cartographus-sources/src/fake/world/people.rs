//! The world's people: accounts spread over the configured servers, grouped in
//! households that share one home network (a single IPv4 address, or an IPv6 /64
//! whose addresses change with every viewing), the server owner's household on the
//! server's own LAN, offices and mobile carriers (CGNAT) for commuters, devices with
//! real Plex/Jellyfin/Emby client names, and the scripted bad actors with the places
//! their scripts use.
//!
//! What keeps the regular people quiet under the default detection rules is decided
//! here: nobody leaves their city, households have at most four accounts (the shared
//! network limit), every device belongs to one account, a device keeps its platform,
//! and no client name looks like a script.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use cartographus_core::Platform;

use super::cities::{city_address, city_named, Region, CITIES};
use super::devices::{models, Device, DeviceKind, Model, TV_ROOMS};
use super::rng::{hash, Rng};
use super::WorldRole;
use DeviceKind::{Desktop, Mobile, Music, Tablet, Tv, Web};

/// What a network is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetKind {
    Home,
    Lan,
    Office,
    Cgnat,
    Away,
}

/// How a network's addresses are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Addr {
    /// One public IPv4 address.
    V4(Ipv4Addr),
    /// A public IPv6 /64 (the prefix, low 64 bits zero); each viewing gets a new
    /// privacy address in it.
    V6(u128),
    /// The server's LAN, `192.168.1.0/24`; each device has its own address.
    Lan,
    /// A mobile carrier's shared address space, `100.64.0.0/10`.
    Cgnat,
}

/// One network of the world.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Network {
    pub(crate) kind: NetKind,
    pub(crate) addr: Addr,
    pub(crate) city: usize,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) label: &'static str,
}

/// One account and the person behind it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Person {
    pub(crate) username: String,
    pub(crate) friendly: String,
    pub(crate) external_id: String,
    pub(crate) server: usize,
    pub(crate) household: usize,
    pub(crate) home: usize,
    pub(crate) city: usize,
    pub(crate) devices: Vec<Device>,
    /// How much they watch (1.0 = average).
    pub(crate) activity: f64,
    /// Appetite for movies, episodes, music and live TV.
    pub(crate) taste: [f64; 4],
    pub(crate) office: Option<usize>,
    pub(crate) commuter: bool,
    pub(crate) role: WorldRole,
    /// The networks a bad actor's script uses, in script order.
    pub(crate) away: Vec<usize>,
}

/// People sharing one home network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Household {
    pub(crate) network: usize,
    pub(crate) members: Vec<usize>,
}

/// Everyone, their households and every network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Population {
    pub(crate) people: Vec<Person>,
    pub(crate) households: Vec<Household>,
    pub(crate) networks: Vec<Network>,
    /// The network of the server's LAN.
    pub(crate) lan: usize,
}

#[rustfmt::skip]
const NAMES: &[(Region, &[&str])] = &[
    (Region::Europe, &["maria", "jonas", "sophie", "luca", "emma", "lars", "ines", "tomasz", "aoife", "mathieu", "elena", "pieter", "anna", "niklas", "chiara", "freya", "mateo", "lea", "henrik", "zofia", "hugo", "clara", "finn", "greta"]),
    (Region::NorthAmerica, &["jake", "ashley", "tyler", "megan", "marcus", "olivia", "dylan", "hannah", "carlos", "brianna", "evan", "kayla", "noah", "madison"]),
    (Region::LatinAmerica, &["joao", "camila", "diego", "valentina", "mateus", "lucia", "rafael", "gabriela"]),
    (Region::AsiaPacific, &["haruto", "yui", "minjun", "jiwoo", "wei", "mei", "arjun", "priya", "rizal", "anh", "kenji", "siti"]),
    (Region::Oceania, &["liam", "chloe", "jack", "mia", "cooper", "ruby", "nikau", "aria"]),
    (Region::AfricaMiddleEast, &["thabo", "amara", "kofi", "zanele", "omar", "layla", "yosef", "noa"]),
];

const REGION_WEIGHTS: &[(Region, f64)] = &[
    (Region::Europe, 0.38),
    (Region::NorthAmerica, 0.30),
    (Region::AsiaPacific, 0.11),
    (Region::Oceania, 0.07),
    (Region::LatinAmerica, 0.08),
    (Region::AfricaMiddleEast, 0.06),
];

/// A member to be placed: how they are set up before devices are made.
struct Spec {
    role: WorldRole,
    username: Option<&'static str>,
}

struct Builder {
    seed: u64,
    rng: Rng,
    platforms: Vec<Platform>,
    people: Vec<Person>,
    households: Vec<Household>,
    networks: Vec<Network>,
    hosts: HashMap<usize, u8>,
    usernames: HashSet<String>,
    first_names: HashSet<&'static str>,
    lan_hosts: u8,
}

impl Builder {
    fn network(&mut self, kind: NetKind, addr: Addr, city: usize, label: &'static str) -> usize {
        let c = &CITIES[city];
        // Spread networks over the city (about ±5 km) so the map shows neighbourhoods.
        let (dlat, dlon) = match kind {
            NetKind::Office => (self.rng.unit() - 0.5, self.rng.unit() - 0.5),
            _ => ((self.rng.unit() - 0.5) * 2.0, (self.rng.unit() - 0.5) * 2.0),
        };
        self.networks.push(Network {
            kind,
            addr,
            city,
            lat: c.lat + dlat * 0.04,
            lon: c.lon + dlon * 0.06,
            label,
        });
        self.networks.len() - 1
    }

    /// A fresh public IPv4 network in `city`.
    fn public_v4(&mut self, kind: NetKind, city: usize, label: &'static str) -> usize {
        let start = 10 + (hash(self.seed, &[city as u64, 0x4057]) % 60) as u8;
        let host = self.hosts.entry(city).or_insert(start);
        *host = host.saturating_add(1 + self.rng.below(5) as u8).min(254);
        let ip = city_address(city, *host);
        self.network(kind, Addr::V4(ip), city, label)
    }

    fn public_v6(&mut self, city: usize) -> usize {
        let first = *self.rng.pick(CITIES[city].region.v6_first_groups());
        let prefix = (u128::from(first) << 112)
            | (u128::from(self.rng.next_u64() & 0x0000_FFFF_FFFF_FFFF) << 64);
        self.network(
            NetKind::Home,
            Addr::V6(prefix),
            city,
            "residential broadband",
        )
    }

    fn city_in(&mut self, region: Region) -> usize {
        let options: Vec<usize> = (0..CITIES.len())
            .filter(|&i| CITIES[i].region == region)
            .collect();
        *self.rng.pick(&options)
    }

    fn random_city(&mut self) -> usize {
        let weights: Vec<f64> = REGION_WEIGHTS.iter().map(|r| r.1).collect();
        let region = REGION_WEIGHTS[self.rng.weighted(&weights)].0;
        self.city_in(region)
    }

    fn username(&mut self, city: usize, fixed: Option<&'static str>) -> (String, String) {
        if let Some(name) = fixed {
            self.usernames.insert(name.to_owned());
            let first = name.split(['.', '_']).next().unwrap_or(name);
            return (name.to_owned(), capitalised(first));
        }
        let region = CITIES[city].region;
        let pool = NAMES
            .iter()
            .find(|(r, _)| *r == region)
            .map_or(NAMES[0].1, |(_, p)| p);
        loop {
            // Prefer a first name nobody has yet.
            let mut first = *self.rng.pick(pool);
            for _ in 0..pool.len() {
                if !self.first_names.contains(first) {
                    break;
                }
                first = *self.rng.pick(pool);
            }
            self.first_names.insert(first);
            let initial = (b'a' + self.rng.below(26) as u8) as char;
            let name = match self.rng.index(4) {
                0 => first.to_owned(),
                1 => format!("{first}{}", self.rng.range(10, 99)),
                2 => format!("{first}.{initial}"),
                _ => format!("{first}_{initial}"),
            };
            if self.usernames.insert(name.clone()) {
                let friendly = format!("{} {}.", capitalised(first), initial.to_ascii_uppercase());
                return (name, friendly);
            }
        }
    }

    fn device(&mut self, platform: Platform, model: &Model, owner: &str) -> Device {
        let id = match platform {
            Platform::Plex => self.rng.alnum(24),
            _ => self.rng.hex(32),
        };
        let name = match model.kind {
            Tv => (*self.rng.pick(TV_ROOMS)).to_owned(),
            Mobile | Tablet | Music => format!("{owner}'s {}", model.name),
            Web => model.name.to_owned(),
            Desktop => model.name.to_owned(),
        };
        Device {
            id,
            name,
            product: model.product,
            platform: model.platform,
            version: model.version,
            kind: model.kind,
            lan_ip: None,
            scripted: false,
        }
    }

    fn model_of(&mut self, platform: Platform, kinds: &[DeviceKind]) -> Option<&'static Model> {
        let options: Vec<&'static Model> = models(platform)
            .iter()
            .filter(|m| kinds.contains(&m.kind))
            .collect();
        (!options.is_empty()).then(|| *self.rng.pick(&options))
    }

    fn devices(&mut self, platform: Platform, owner: &str, role: WorldRole) -> Vec<Device> {
        let mut out = Vec::new();
        let wants = [
            (0.9, &[Tv][..]),
            (0.8, &[Mobile, Mobile, Tablet][..]),
            (0.35, &[Web, Desktop][..]),
            (0.3, &[Music][..]),
        ];
        for (p, kinds) in wants {
            if self.rng.chance(p) {
                if let Some(model) = self.model_of(platform, kinds) {
                    out.push(self.device(platform, model, owner));
                }
            }
        }
        // Every script needs a television and a phone; everyone needs something.
        let needs: &[DeviceKind] = match role {
            WorldRole::Regular => &[],
            _ => &[Tv, Mobile],
        };
        for kind in needs {
            if !out.iter().any(|d| d.kind == *kind) {
                if let Some(model) = self.model_of(platform, &[*kind]) {
                    out.push(self.device(platform, model, owner));
                }
            }
        }
        if out.is_empty() {
            if let Some(model) = self.model_of(platform, &[Tv]) {
                out.push(self.device(platform, model, owner));
            }
        }
        out
    }

    /// Adds a household of `specs` in `city` on `server`, homed on `home`.
    fn household(&mut self, specs: &[Spec], city: usize, server: usize, home: usize) {
        let index = self.households.len();
        let lan = self.networks[home].kind == NetKind::Lan;
        let platform = self.platforms[server];
        let mut members = Vec::new();
        for spec in specs {
            let (username, friendly) = self.username(city, spec.username);
            let owner = friendly.split(' ').next().unwrap_or_default().to_owned();
            let mut devices = self.devices(platform, &owner, spec.role);
            if lan {
                for d in &mut devices {
                    self.lan_hosts = self.lan_hosts.saturating_add(1).min(254);
                    d.lan_ip = Some(Ipv4Addr::new(192, 168, 1, self.lan_hosts));
                }
            }
            let has_mobile = devices.iter().any(|d| matches!(d.kind, Mobile | Music));
            let commuter = spec.role == WorldRole::Regular && has_mobile && self.rng.chance(0.35);
            let office = (spec.role == WorldRole::Regular && self.rng.chance(0.25))
                .then(|| self.public_v4(NetKind::Office, city, "business fibre"));
            let external_id = match platform {
                Platform::Plex => (1_000_000 + self.rng.below(90_000_000)).to_string(),
                _ => self.rng.hex(32),
            };
            let taste = [
                0.2 + self.rng.unit() * 0.8,
                0.3 + self.rng.unit() * 0.9,
                self.rng.unit() * 0.7,
                self.rng.unit() * 0.15,
            ];
            members.push(self.people.len());
            self.people.push(Person {
                username,
                friendly,
                external_id,
                server,
                household: index,
                home,
                city,
                devices,
                activity: 0.5 + self.rng.unit(),
                taste,
                office,
                commuter,
                role: spec.role,
                away: Vec::new(),
            });
        }
        self.households.push(Household {
            network: home,
            members,
        });
    }

    fn pick_server(&mut self) -> usize {
        let weights: Vec<f64> = self
            .platforms
            .iter()
            .map(|p| match p {
                Platform::Plex => 3.0,
                Platform::Jellyfin => 2.0,
                Platform::Emby => 1.5,
            })
            .collect();
        self.rng.weighted(&weights)
    }

    fn first_of(&self, platform: Platform, fallback: usize) -> usize {
        self.platforms
            .iter()
            .position(|p| *p == platform)
            .unwrap_or(fallback)
    }

    /// Gives the bad actor `person` its script devices and away networks.
    fn script(&mut self, person: usize, places: &[(&str, &'static str)], devices: usize) {
        let platform = self.platforms[self.people[person].server];
        for (city, label) in places {
            let net = self.public_v4(NetKind::Away, city_named(city), label);
            self.people[person].away.push(net);
        }
        for _ in 0..devices {
            if let Some(model) = self.model_of(platform, &[Tv]) {
                let mut d = self.device(platform, model, "");
                d.scripted = true;
                self.people[person].devices.push(d);
            }
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const LAN_CITIES: &[&str] = &[
    "Lyon",
    "Manchester",
    "Hamburg",
    "Portland",
    "Toronto",
    "Melbourne",
];
const V6_CITIES: &[&str] = &[
    "Amsterdam",
    "Stockholm",
    "Zurich",
    "Seattle",
    "Tokyo",
    "Munich",
];

impl Population {
    /// The people of the world `seed` on servers of `platforms`: `users` accounts,
    /// three of them bad actors when `bad_actors` is set (and there are at least 12).
    pub(crate) fn new(seed: u64, platforms: &[Platform], users: usize, bad_actors: bool) -> Self {
        let mut b = Builder {
            seed,
            rng: Rng::keyed(seed, &[0x9E09]),
            platforms: platforms.to_vec(),
            people: Vec::new(),
            households: Vec::new(),
            networks: Vec::new(),
            hosts: HashMap::new(),
            usernames: HashSet::new(),
            first_names: HashSet::new(),
            lan_hosts: 19,
        };
        let regular = || Spec {
            role: WorldRole::Regular,
            username: None,
        };
        let big = users >= 12;

        // The owner's household, at home on the server's LAN, one account per server.
        let lan_name = *b.rng.pick::<&str>(LAN_CITIES);
        let lan_city = city_named(lan_name);
        let lan = b.network(NetKind::Lan, Addr::Lan, lan_city, "server LAN");
        let owners = if big { 3 } else { 1 };
        for i in 0..owners {
            b.household(&[regular()], lan_city, i % platforms.len(), lan);
        }
        // Households on the LAN are one: merge them.
        let merged: Vec<usize> = b.households.drain(..).flat_map(|h| h.members).collect();
        for p in &merged {
            b.people[*p].household = 0;
        }
        b.households.push(Household {
            network: lan,
            members: merged,
        });

        if bad_actors && big {
            let actors: [(WorldRole, &str, &'static str, Platform, usize); 3] = [
                (
                    WorldRole::Traveller,
                    "London",
                    "oliver.h",
                    Platform::Plex,
                    0,
                ),
                (WorldRole::Sharer, "Berlin", "kai_w", Platform::Jellyfin, 0),
                (
                    WorldRole::Hopper,
                    "Paris",
                    "theo.m",
                    Platform::Emby,
                    platforms.len() - 1,
                ),
            ];
            for (role, city, name, platform, fallback) in actors {
                let city = city_named(city);
                let home = b.public_v4(NetKind::Home, city, "residential broadband");
                let server = b.first_of(platform, fallback);
                b.household(
                    &[Spec {
                        role,
                        username: Some(name),
                    }],
                    city,
                    server,
                    home,
                );
                let person = b.people.len() - 1;
                match role {
                    WorldRole::Traveller => {
                        b.script(person, &[("Sydney", "residential broadband")], 1);
                    }
                    WorldRole::Sharer => {
                        let friends = [
                            ("Madrid", "residential broadband"),
                            ("Toronto", "residential broadband"),
                            ("São Paulo", "residential broadband"),
                            ("Mumbai", "residential broadband"),
                        ];
                        b.script(person, &friends, friends.len());
                    }
                    _ => {
                        let exits = [
                            ("Amsterdam", "VPN exit node"),
                            ("Frankfurt", "VPN exit node"),
                            ("Zurich", "VPN exit node"),
                            ("Stockholm", "VPN exit node"),
                            ("Milan", "VPN exit node"),
                        ];
                        b.script(person, &exits, 0);
                    }
                }
            }
        }

        // A household on IPv6 whose addresses change with every viewing.
        if big {
            let name = *b.rng.pick::<&str>(V6_CITIES);
            let city = city_named(name);
            let home = b.public_v6(city);
            let server = b.first_of(Platform::Jellyfin, 0);
            b.household(&[regular(), regular(), regular()], city, server, home);
        }

        // Everyone else: households of one to four accounts, all over the world.
        while b.people.len() < users {
            let left = users - b.people.len();
            let size = (1 + b.rng.weighted(&[0.5, 0.3, 0.15, 0.05])).min(left);
            let city = b.random_city();
            let home = b.public_v4(NetKind::Home, city, "residential broadband");
            let server = b.pick_server();
            let specs: Vec<Spec> = (0..size).map(|_| regular()).collect();
            b.household(&specs, city, server, home);
        }

        // One carrier network for every commuter's phone.
        if b.people.iter().any(|p| p.commuter) {
            b.network(
                NetKind::Cgnat,
                Addr::Cgnat,
                lan_city,
                "mobile carrier (CGNAT)",
            );
        }
        Population {
            people: b.people,
            households: b.households,
            networks: b.networks,
            lan,
        }
    }

    /// The carrier network, if anyone commutes.
    pub(crate) fn cgnat(&self) -> Option<usize> {
        self.networks.iter().position(|n| n.kind == NetKind::Cgnat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> [Platform; 3] {
        [Platform::Plex, Platform::Jellyfin, Platform::Emby]
    }

    #[test]
    fn households_are_small_and_devices_personal() {
        let pop = Population::new(7, &all(), 40, true);
        assert_eq!(pop.people.len(), 40);
        for h in &pop.households {
            assert!(!h.members.is_empty() && h.members.len() <= 4);
        }
        let mut ids = HashSet::new();
        for p in &pop.people {
            assert!(!p.devices.is_empty(), "{}", p.username);
            for d in &p.devices {
                assert!(ids.insert(d.id.clone()), "device {} shared", d.id);
            }
        }
        let roles: Vec<WorldRole> = pop.people.iter().map(|p| p.role).collect();
        for r in [WorldRole::Traveller, WorldRole::Sharer, WorldRole::Hopper] {
            assert_eq!(roles.iter().filter(|x| **x == r).count(), 1);
        }
        assert!(pop.networks.iter().any(|n| matches!(n.addr, Addr::V6(_))));
        assert_eq!(Population::new(7, &all(), 40, true), pop);
    }

    #[test]
    fn a_single_server_world_works() {
        let pop = Population::new(1, &[Platform::Emby], 5, true);
        assert_eq!(pop.people.len(), 5);
        assert!(pop.people.iter().all(|p| p.server == 0));
        assert!(pop.people.iter().all(|p| p.role == WorldRole::Regular));
    }
}

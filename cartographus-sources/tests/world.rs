//! The simulated world through the real pipeline, sans IO on a fake clock: its
//! sessions rendered as each platform would and decoded by the platform's decoder,
//! tracked by the core's `SessionTracker`, geolocated through the world's own
//! location overrides and judged by `cartographus-detect` with its default rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cartographus_core::{
    GeoSource, Geolocation, Platform, PlaybackEvent, SessionTracker, SessionUpdate, Source,
    TrackerConfig, UserId,
};
use cartographus_detect::{Alert, DetectConfig, Engine, RuleKind};
use cartographus_sources::fake::{sessions_body, World, WorldConfig, WorldRole};
use cartographus_sources::{emby, jellyfin, plex, RemoteSession};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 19, 30, 0).unwrap()
}

fn world(seed: u64) -> World {
    World::new(WorldConfig::new(seed, epoch())).unwrap()
}

/// The world, its trackers and a detector, advanced together.
struct Sim {
    world: World,
    trackers: Vec<SessionTracker>,
    engine: Engine,
    updates: Vec<SessionUpdate>,
    alerts: Vec<Alert>,
}

fn geolocate(world: &World, e: &mut PlaybackEvent) {
    let Some(ip) = e.network.geo_ip() else {
        return;
    };
    e.geo = world.location_of(ip).map(|l| {
        let mut g = Geolocation::at(l.point, GeoSource::Override);
        g.city = Some(l.city);
        g.country_code = Some(l.country_code);
        g.time_zone = Some(l.time_zone);
        g.label = Some(l.label);
        g
    });
}

fn event_mut(u: &mut SessionUpdate) -> &mut PlaybackEvent {
    match u {
        SessionUpdate::Started(e)
        | SessionUpdate::Paused(e)
        | SessionUpdate::Resumed(e)
        | SessionUpdate::Progress(e) => e,
        SessionUpdate::Stopped(s) => &mut s.event,
    }
}

impl Sim {
    fn new(world: World, warm_days: u32) -> Self {
        let trackers = world
            .servers()
            .iter()
            .map(|s| {
                let source = match s.platform {
                    Platform::Plex => Source::Plex,
                    Platform::Jellyfin => Source::Jellyfin,
                    Platform::Emby => Source::Emby,
                };
                SessionTracker::new(source, s.server_id.clone(), TrackerConfig::default())
            })
            .collect();
        let mut engine = Engine::new(DetectConfig::default());
        let start = world.epoch() - Duration::minutes(1);
        for mut e in world.past_plays(start, warm_days) {
            geolocate(&world, &mut e);
            engine.handle_history(&e, start);
        }
        Self {
            world,
            trackers,
            engine,
            updates: Vec::new(),
            alerts: Vec::new(),
        }
    }

    fn tick(&mut self, now: DateTime<Utc>) {
        for (i, sessions) in self.world.step(now) {
            let platform = self.world.servers()[i].platform;
            let body = sessions_body(platform, &sessions);
            let decoded: Vec<RemoteSession> = match platform {
                Platform::Plex => plex::decode_sessions(body.as_bytes()),
                Platform::Jellyfin => jellyfin::decode_sessions(body.as_bytes()),
                Platform::Emby => emby::decode_sessions(body.as_bytes()),
            }
            .expect("the fake's answers decode");
            assert_eq!(decoded.len(), sessions.len());
            let tracker = &mut self.trackers[i];
            let errors = tracker.handle_snapshot(&RemoteSession::snapshots(&decoded), now);
            assert!(errors.is_empty(), "{errors:?}");
            while let Some(mut u) = tracker.poll_update() {
                geolocate(&self.world, event_mut(&mut u));
                self.engine.handle_update(&u, now);
                self.updates.push(u);
            }
        }
        while let Some(a) = self.engine.poll_alert() {
            self.alerts.push(a);
        }
    }

    fn run(&mut self, from: DateTime<Utc>, seconds: i64, step_s: i64) {
        let mut t = 0;
        while t <= seconds {
            self.tick(from + Duration::seconds(t));
            t += step_s;
        }
    }

    fn roles(&self) -> HashMap<UserId, (WorldRole, String)> {
        self.world
            .users()
            .into_iter()
            .map(|u| (u.user_id, (u.role, u.username)))
            .collect()
    }
}

fn started_by(sim: &Sim, role: WorldRole) -> Vec<PlaybackEvent> {
    let roles = sim.roles();
    sim.updates
        .iter()
        .filter_map(|u| match u {
            SessionUpdate::Started(e) if roles[&e.user.user_id].0 == role => Some(e.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_same_seed_makes_the_same_world() {
    let (a, b, c) = (world(42), world(42), world(43));
    assert_eq!(a.users(), b.users());
    assert_eq!(a.locations(), b.locations());
    assert_eq!(a.servers(), b.servers());
    assert_ne!(a.users(), c.users());
    for minutes in [0, 7, 95, 600] {
        let t = epoch() + Duration::minutes(minutes);
        assert_eq!(a.step(t), b.step(t));
    }
    assert_eq!(a.history(epoch(), 3), b.history(epoch(), 3));
    assert_eq!(a.past_plays(epoch(), 2), b.past_plays(epoch(), 2));
    // The world has no memory: asking out of order changes nothing.
    let t = epoch() + Duration::hours(5);
    let later_first = a.step(t);
    let _ = a.step(epoch() - Duration::days(3));
    assert_eq!(a.step(t), later_first);
}

#[test]
fn the_world_is_large_and_spread() {
    let w = world(7);
    let users = w.users();
    assert_eq!(users.len(), 40);
    let countries: BTreeSet<&str> = users.iter().map(|u| u.country_code.as_str()).collect();
    let cities: BTreeSet<&str> = users.iter().map(|u| u.city.as_str()).collect();
    assert!(countries.len() >= 10, "{countries:?}");
    assert!(cities.len() >= 15, "{cities:?}");
    for server in 0..w.servers().len() {
        assert!(
            users.iter().any(|u| u.server == server),
            "server {server} has users"
        );
    }
    let ids: BTreeSet<UserId> = users.iter().map(|u| u.user_id).collect();
    assert_eq!(ids.len(), users.len());
    let locations = w.locations();
    assert!(locations.iter().any(|l| l.network.prefix() == 64));
    for l in &locations {
        assert!(
            cartographus_core::classify(l.network.addr()).is_public(),
            "{}",
            l.network
        );
    }
    assert_eq!(
        users
            .iter()
            .filter(|u| u.role != WorldRole::Regular)
            .count(),
        3
    );
}

#[test]
fn sessions_have_users_and_items_and_move_forward() {
    let w = world(5);
    let mut last: HashMap<(usize, String, String), (u64, bool)> = HashMap::new();
    let mut paused_seen = false;
    let mut kinds = BTreeSet::new();
    for step in 0..=(3 * 3600 / 10) {
        let now = epoch() + Duration::seconds(step * 10);
        let mut current = HashMap::new();
        for (server, sessions) in w.step(now) {
            let ids: BTreeSet<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(
                ids.len(),
                sessions.len(),
                "session ids are unique per server"
            );
            for s in &sessions {
                assert!(!s.user_id.is_empty() && !s.user_name.is_empty());
                assert!(!s.item_id.is_empty() && !s.title.is_empty());
                assert!(s.duration_ms > 0 && s.position_ms <= s.duration_ms);
                kinds.insert(s.media_type);
                paused_seen |= s.paused;
                let key = (server, s.id.clone(), s.item_id.clone());
                if let Some((pos, paused)) = last.get(&key) {
                    assert!(s.position_ms >= *pos, "{} went backwards", s.title);
                    if *paused && s.paused {
                        assert_eq!(s.position_ms, *pos, "a paused play does not move");
                    }
                }
                current.insert(key, (s.position_ms, s.paused));
            }
        }
        last = current;
    }
    assert!(paused_seen);
    assert!(kinds.len() >= 3, "{kinds:?}");
}

#[test]
fn households_share_their_network() {
    let w = world(9);
    let users = w.users();
    let plays = w.past_plays(epoch(), 14);
    let mut networks: HashMap<UserId, BTreeSet<String>> = HashMap::new();
    let mut v6: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &plays {
        let ip = e.network.ip.unwrap();
        let net = match w.location_of(ip) {
            Some(l) => l.network.to_string(),
            None if cartographus_core::classify(ip).is_local() => "lan".to_owned(),
            None => continue,
        };
        if ip.is_ipv6() {
            v6.entry(net.clone()).or_default().insert(ip.to_string());
        }
        networks.entry(e.user.user_id).or_default().insert(net);
    }
    let mut households: BTreeMap<usize, Vec<UserId>> = BTreeMap::new();
    for u in users.iter().filter(|u| u.role == WorldRole::Regular) {
        households.entry(u.household).or_default().push(u.user_id);
    }
    let mut shared = 0;
    for members in households.values().filter(|m| m.len() > 1) {
        assert!(members.len() <= 4);
        let seen: Vec<&BTreeSet<String>> = members.iter().filter_map(|m| networks.get(m)).collect();
        let common = seen.iter().skip(1).fold(seen[0].clone(), |acc, s| {
            acc.intersection(s).cloned().collect()
        });
        assert!(
            !common.is_empty(),
            "household {members:?} shares no network"
        );
        shared += 1;
    }
    assert!(shared >= 3, "{shared} households of several accounts");
    // The IPv6 household keeps its /64 while its addresses change.
    assert!(v6.values().any(|addrs| addrs.len() >= 5), "{v6:?}");
    // Someone plays on the server's LAN.
    assert!(networks.values().any(|n| n.contains("lan")));
}

#[test]
fn an_hour_through_the_session_tracker() {
    let mut sim = Sim::new(world(3), 0);
    let start = epoch() + Duration::hours(1);
    sim.run(start, 3600, 10);
    let count = |kind: &str| sim.updates.iter().filter(|u| u.kind() == kind).count();
    assert!(count("started") >= 10, "{}", count("started"));
    assert!(count("paused") >= 1 && count("resumed") >= 1);
    assert!(count("stopped") >= 5);
    for u in &sim.updates {
        if let SessionUpdate::Stopped(s) = u {
            let t = &s.event.timing;
            let wall = (t.stopped_at.unwrap() - t.started_at).num_seconds() as u64;
            assert!(t.play_duration_s + t.paused_s <= wall + 1, "{t:?}");
        }
    }
    let paused_plays = sim
        .updates
        .iter()
        .filter(|u| matches!(u, SessionUpdate::Stopped(s) if s.event.timing.paused_s > 0))
        .count();
    assert!(paused_plays >= 1);
}

#[test]
fn the_bad_actors_are_where_their_scripts_say() {
    let mut sim = Sim::new(world(7), 0);
    let mut most_sharer_places = 0;
    let sharer: BTreeSet<String> = sim
        .world
        .users()
        .into_iter()
        .filter(|u| u.role == WorldRole::Sharer)
        .map(|u| u.external_id.to_string())
        .collect();
    for s in 0..=(10 * 60 / 5) {
        let now = epoch() + Duration::seconds(s * 5);
        let places: BTreeSet<String> = sim
            .world
            .step(now)
            .into_iter()
            .flat_map(|(_, sessions)| sessions)
            .filter(|x| sharer.contains(&x.user_id))
            .filter_map(|x| sim.world.location_of(x.ip).map(|l| l.city))
            .collect();
        most_sharer_places = most_sharer_places.max(places.len());
        sim.tick(now);
    }
    assert!(
        most_sharer_places >= 5,
        "the sharer was in {most_sharer_places} places at once"
    );

    // The traveller: London, then Sydney minutes later.
    let travels = started_by(&sim, WorldRole::Traveller);
    let [london, sydney] = &travels[..2] else {
        panic!("{travels:?}");
    };
    let (a, b) = (london.geo.as_ref().unwrap(), sydney.geo.as_ref().unwrap());
    assert_eq!(
        (a.city.as_deref(), b.city.as_deref()),
        (Some("London"), Some("Sydney"))
    );
    let km = a.point.unwrap().distance_km(&b.point.unwrap());
    let hours = (sydney.timing.started_at - london.timing.started_at).num_seconds() as f64 / 3600.0;
    assert!(km > 16_000.0 && hours < 0.1, "{km} km in {hours} h");
    assert!(km / hours > 900.0);
    assert_ne!(london.device.device_id, sydney.device.device_id);

    // The hopper: one device on more than three networks within five minutes.
    let hops = started_by(&sim, WorldRole::Hopper);
    let device = hops[0].device.device_id.clone();
    let networks: BTreeSet<String> = hops
        .iter()
        .filter(|e| e.device.device_id == device)
        .filter(|e| e.timing.started_at - hops[0].timing.started_at <= Duration::minutes(5))
        .map(|e| e.network.ip.unwrap().to_string())
        .collect();
    assert!(networks.len() > 3, "{networks:?}");
}

/// The point of the demo: the default rules find the three bad actors, quickly, and
/// nobody else.
#[test]
fn default_rules_flag_the_bad_actors_and_nobody_else() {
    for seed in [7, 11] {
        let mut sim = Sim::new(world(seed), 14);
        let mut first_alert = None;
        let mut t = 0;
        while t <= 24 * 3600 {
            let now = epoch() + Duration::seconds(t);
            sim.tick(now);
            if first_alert.is_none() && !sim.alerts.is_empty() {
                first_alert = Some(t);
            }
            t += 10;
        }
        assert!(
            first_alert.is_some_and(|t| t <= 60),
            "seed {seed}: first alert at {first_alert:?} s"
        );
        let roles = sim.roles();
        let mut rules: HashMap<WorldRole, BTreeSet<RuleKind>> = HashMap::new();
        for a in &sim.alerts {
            let (role, name) = &roles[&a.finding.user];
            assert_ne!(
                *role,
                WorldRole::Regular,
                "seed {seed}: {name} flagged by {}",
                a.finding.rule
            );
            rules.entry(*role).or_default().insert(a.finding.rule);
        }
        let has =
            |role: WorldRole, rule: RuleKind| rules.get(&role).is_some_and(|r| r.contains(&rule));
        assert!(
            has(WorldRole::Traveller, RuleKind::ImpossibleTravel),
            "seed {seed}: {rules:?}"
        );
        assert!(
            !has(WorldRole::Traveller, RuleKind::SimultaneousLocations),
            "travel, not two places at once"
        );
        assert!(
            has(WorldRole::Sharer, RuleKind::ConcurrentStreams),
            "seed {seed}: {rules:?}"
        );
        assert!(
            has(WorldRole::Sharer, RuleKind::SimultaneousLocations),
            "seed {seed}: {rules:?}"
        );
        assert!(
            has(WorldRole::Hopper, RuleKind::DeviceVelocity),
            "seed {seed}: {rules:?}"
        );
        assert!(
            !has(WorldRole::Hopper, RuleKind::ImpossibleTravel),
            "one device moving is not travel"
        );
    }
}

#[test]
fn history_agrees_with_the_live_world() {
    let w = world(13);
    let now = epoch();
    let history = w.history(now, 7);
    let plex = w
        .servers()
        .iter()
        .find(|s| s.platform == Platform::Plex)
        .unwrap();
    let plex_users: BTreeSet<String> = w
        .users()
        .into_iter()
        .filter(|u| w.servers()[u.server].platform == Platform::Plex)
        .map(|u| u.external_id.to_string())
        .collect();
    assert!(history.len() > 50, "{}", history.len());
    let keys: BTreeSet<&str> = history
        .iter()
        .map(|e| e.identity.session_key.as_str())
        .collect();
    assert_eq!(keys.len(), history.len());
    assert!(history
        .windows(2)
        .all(|p| p[0].timing.started_at <= p[1].timing.started_at));
    assert!(
        history.iter().any(|e| e.identity.reference_id.is_some()),
        "some plays were resumed"
    );
    for e in &history {
        assert_eq!(e.identity.source, Source::Tautulli);
        assert_eq!(e.identity.server_id, plex.server_id);
        assert!(e.identity.session_key.as_str().parse::<u64>().is_ok());
        assert!(plex_users.contains(e.user.external_id.as_str()));
        let stopped = e.timing.stopped_at.unwrap();
        assert!(e.timing.started_at < stopped && stopped <= now);
        assert!(now - e.timing.started_at <= Duration::days(7));
    }
    // The same plays, seen natively, on the same server.
    let native: Vec<PlaybackEvent> = w
        .past_plays(now, 7)
        .into_iter()
        .filter(|e| e.identity.server_id == plex.server_id)
        .collect();
    assert_eq!(native.len(), history.len());
    for (n, h) in native.iter().zip(&history) {
        assert_eq!(n.timing.started_at, h.timing.started_at);
        assert_eq!(n.content.media_key, h.content.media_key);
        assert_eq!(n.device.device_id, h.device.device_id);
        assert_eq!(n.user.user_id, h.user.user_id);
    }
    // And each was on the session list while it played.
    for h in history.iter().step_by(17) {
        let at = h.timing.started_at + Duration::seconds(1);
        let plex_index = w
            .servers()
            .iter()
            .position(|s| s.server_id == plex.server_id)
            .unwrap();
        let (_, sessions) = &w.step(at)[plex_index];
        assert!(
            sessions
                .iter()
                .any(|s| s.user_id == h.user.external_id.as_str()
                    && s.item_id == h.content.media_key.as_str()),
            "{} was not playing at {at}",
            h.content.full_title()
        );
    }
}

#[test]
fn smaller_worlds() {
    let mut c = WorldConfig::new(1, epoch());
    c.servers = vec![(Platform::Emby, "Emby".to_owned())];
    c.users = 6;
    let w = World::new(c).unwrap();
    assert_eq!(w.users().len(), 6);
    assert!(w
        .users()
        .iter()
        .all(|u| u.role == WorldRole::Regular && u.server == 0));
    assert!(
        w.history(epoch(), 7).is_empty(),
        "no Plex server, no Tautulli"
    );
    assert!(!w.past_plays(epoch(), 7).is_empty());

    let mut c = WorldConfig::new(1, epoch());
    c.bad_actors = false;
    let w = World::new(c).unwrap();
    assert!(w.users().iter().all(|u| u.role == WorldRole::Regular));
}

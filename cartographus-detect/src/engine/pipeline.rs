//! The per-event pipeline of the engine: turn an event into a compact play, update the
//! windows and shared tables (always), run the rules (only for live, recent events of
//! users who are not exempt), and turn hits into alerts under each rule's cooldown.

use std::net::IpAddr;

use cartographus_core::{canonical, classify, network_of, NetworkId, PlaybackEvent, UserId};
use chrono::{DateTime, Utc};

use crate::config::DetectConfig;
use crate::finding::{Action, Alert, Finding};
use crate::ids::{AlertId, CountryCode};
use crate::inline::SmallVec;
use crate::rules::device_velocity::NetworkKey;
use crate::rules::suspicious_client::ClientNames;
use crate::rules::{
    concurrent_streams, device_velocity, geo_restriction, impossible_travel, new_country,
    new_device, shared_device, simultaneous_locations, suspicious_client, ActionKind, Hit,
};
use crate::tables::{Accounts, DeviceState, NetKey, Tables};
use crate::window::{ms, time, Change, Map, Ms, Play, UserState, NONE, OPEN};

use super::Engine;

/// An event's times in milliseconds, converted from `DateTime` once per event.
#[derive(Debug, Clone, Copy)]
struct Times {
    started: Ms,
    updated: Ms,
    /// [`OPEN`] when the event has no stop.
    stopped: Ms,
}

impl Times {
    fn of(ev: &PlaybackEvent) -> Self {
        Self {
            started: ms(ev.timing.started_at),
            updated: ms(ev.timing.updated_at),
            stopped: ev.timing.stopped_at.map_or(OPEN, ms),
        }
    }
}

/// Builds the compact play of an event (from `ip`, its canonical address, and its
/// times), interning its strings. A free function over the engine's parts, so that the
/// caller can keep the user's window borrowed meanwhile. Inlined: the play it returns
/// is large, and its one caller would copy it.
#[inline(always)]
fn play_of(
    t: &mut Tables,
    config: &DetectConfig,
    user_networks: &Map<UserId, Vec<NetworkId>>,
    ev: &PlaybackEvent,
    ip: Option<IpAddr>,
    at: Times,
) -> (Play, ClientNames) {
    let started = at.started;
    let updated = at.updated.max(started);
    let stopped = match at.stopped {
        OPEN => OPEN,
        s => s.max(started),
    };
    let net = ip.map(|ip| network_of(ip, config.engine.grouping));
    // The network's accounts are updated once the play is built. Probing for them
    // now, before the device is interned, lets the two cache misses overlap
    // instead of following one another; the result itself is not needed.
    if let Some(net) = net {
        std::hint::black_box(t.networks.contains_key(&NetKey(net)));
    }
    let server = t.server(&ev.identity.server_id);
    let device = ev.device.device_id.as_ref().map_or(NONE, |d| {
        t.devices.intern(d.as_str(), || DeviceState {
            id: d.clone(),
            sightings: SmallVec::new((0, NetworkKey::Local)),
            platform: NONE,
            product: NONE,
            city: NONE,
            accounts: Accounts::new(ev.user.user_id),
        })
    });
    let (cached_product, cached_platform, cached_city) = t
        .device(device)
        .map_or((NONE, NONE, NONE), |d| (d.product, d.platform, d.city));
    let sc = &config.rules.suspicious_client;
    let product = ev.device.product.as_deref().unwrap_or("");
    let platform = ev.device.platform.as_deref().unwrap_or("");
    let names = ClientNames {
        product: t.client(product, cached_product, |s| sc.classify(s)),
        platform: t.client(platform, cached_platform, |s| sc.classify(s)),
        previous_platform: NONE,
    };
    let user = ev.user.user_id;
    let mut play = Play {
        event: ev.event_id(),
        user,
        started,
        updated,
        stopped,
        server,
        device,
        city: NONE,
        ip,
        net,
        class: ip.map(classify),
        point: None,
        accuracy_km: 0.0,
        country: None,
        asn: None,
        trusted: false,
    };
    if let Some(geo) = &ev.geo {
        play.point = geo.point;
        play.accuracy_km = geo
            .accuracy_km
            .filter(|a| a.is_finite() && *a > 0.0)
            .map_or(0.0, |a| a.min(20_000.0) as f32);
        play.country = geo
            .country_code
            .as_deref()
            .and_then(|c| CountryCode::new(c).ok());
        play.asn = geo.asn;
        play.city = t.city(geo.city.as_deref().unwrap_or(""), cached_city);
    }
    play.trusted = trusted(config, user_networks, &play);
    (play, names)
}

/// Whether a play comes from a network trusted for everyone or for its user.
#[inline]
fn trusted(
    config: &DetectConfig,
    user_networks: &Map<UserId, Vec<NetworkId>>,
    play: &Play,
) -> bool {
    let Some(ip) = play.ip else {
        return false;
    };
    config
        .engine
        .trusted_networks
        .iter()
        .any(|n| n.contains(ip))
        || user_networks
            .get(&play.user)
            .is_some_and(|l| l.iter().any(|n| n.contains(ip)))
}

impl Engine {
    fn is_trusted(&self, play: &Play) -> bool {
        trusted(&self.config, &self.user_networks, play)
    }

    /// Re-evaluates the trusted flag of the plays in memory (of one user, or all).
    pub(super) fn refresh_trusted(&mut self, user: Option<UserId>) {
        let mut users = std::mem::take(&mut self.users);
        for (u, state) in users.iter_mut() {
            if user.is_some_and(|x| x != *u) {
                continue;
            }
            for p in state.plays.iter_mut() {
                p.trusted = self.is_trusted(p);
            }
        }
        self.users = users;
    }

    /// The pipeline of one event. `live` is false for warm-up history.
    pub(super) fn ingest(&mut self, ev: &PlaybackEvent, now: DateTime<Utc>, live: bool) {
        let ip = ev.network.geo_ip().map(canonical);
        let at = Times::of(ev);
        let spans = self.spans;
        let max = self.config.engine.window_plays;
        // One lookup of the user (a new user's empty window takes the play at 0).
        let state = self
            .users
            .entry(ev.user.user_id)
            .or_insert_with(|| UserState::new(max));
        // Fast path: progress, pauses and stops of a known play that did not move.
        let spot = match state.touch(ev.event_id(), at.started, ip, at.updated, at.stopped) {
            Ok(()) => return,
            Err(s) => s,
        };
        let (mut play, mut names) = play_of(
            &mut self.tables,
            &self.config,
            &self.user_networks,
            ev,
            ip,
            at,
        );
        // Building the play touched no window, so the spot still holds.
        let change = state.upsert_at(&mut play, spot, max, spans.window);
        if change == Change::Updated {
            return;
        }
        let t = if change == Change::New {
            play.started
        } else {
            play.updated
        };

        // Phase 1: shared tables, whatever happens next.
        let r = &self.config.rules;
        if let Some(dev) = self.tables.devices.get_mut(play.device) {
            dev.product = names.product;
            if play.city != NONE {
                dev.city = play.city;
            }
            if let Some(key) = r.device_velocity.key_of(&play) {
                device_velocity::observe(dev, t, key, spans.device_velocity);
            }
            if names.platform != NONE {
                names.previous_platform = dev.platform;
                dev.platform = names.platform;
            }
        }
        let seen = shared_device::observe(
            &r.shared_device,
            spans.shared_device,
            &mut self.tables,
            &play,
            t,
        );

        // Phase 2: the rules, for live and recent events only.
        // Hits are rare: the vector allocates only when a rule fires.
        let hits = match self.may_alert(&play, t, now, live) {
            true => self.check(&play, change, names, seen, t, spans.assume_stopped),
            false => Vec::new(),
        };

        // Phase 3: what the user is now known for, then the alerts.
        if let Some(state) = self.users.get_mut(&play.user) {
            if change == Change::New {
                state.plays_seen = state.plays_seen.saturating_add(1);
                new_device::observe(state, &play);
            }
            new_country::observe(state, &play);
        }
        for hit in hits {
            self.emit(hit, ev, &play, t, now);
        }
    }

    fn may_alert(&mut self, play: &Play, t: Ms, now: DateTime<Utc>, live: bool) -> bool {
        let e = &self.config.engine;
        if !live || !e.enabled {
            return false;
        }
        if !e.alert_old_events && ms(now).saturating_sub(t) > self.spans.max_event_age {
            self.stats.too_old += 1;
            return false;
        }
        if self.is_exempt(play.user) {
            self.stats.exempt += 1;
            return false;
        }
        true
    }

    fn check(
        &self,
        play: &Play,
        change: Change,
        names: ClientNames,
        seen: shared_device::Seen,
        t: Ms,
        assume: Ms,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        let Some(state) = self.users.get(&play.user) else {
            return hits;
        };
        let r = &self.config.rules;
        let tables = &self.tables;
        let new = change == Change::New;
        // Hits are large and rare: move one only when a rule fired. The rules run in
        // `RuleKind::ALL` order, written out rather than looped over and matched.
        let mut found = |hit: Option<Hit>| {
            if let Some(hit) = hit {
                hits.push(hit);
            }
        };
        if new && r.impossible_travel.common.enabled {
            found(impossible_travel::check(
                &r.impossible_travel,
                state,
                play,
                tables,
            ));
        }
        if new && r.concurrent_streams.common.enabled {
            let cs = &r.concurrent_streams;
            let group = match cs.count_linked_users {
                true => self
                    .people
                    .get(&play.user)
                    .and_then(|p| self.members.get(p)),
                false => None,
            };
            found(match group {
                Some(group) => {
                    let members = group.iter().filter_map(|u| self.users.get(u));
                    concurrent_streams::check(cs, play, members, t, assume)
                }
                // An unlinked account: only the user's own window, at hand.
                None => concurrent_streams::check(cs, play, std::iter::once(state), t, assume),
            });
        }
        if r.device_velocity.common.enabled {
            found(
                tables.device(play.device).and_then(|dev| {
                    device_velocity::check(&r.device_velocity, dev, state, play, t)
                }),
            );
        }
        if r.geo_restriction.common.enabled {
            found(geo_restriction::check(&r.geo_restriction, play, tables));
        }
        if r.simultaneous_locations.common.enabled {
            found(simultaneous_locations::check(
                &r.simultaneous_locations,
                state,
                play,
                t,
                assume,
                tables,
            ));
        }
        if new && r.new_device.common.enabled {
            found(new_device::check(&r.new_device, state, play, tables));
        }
        if r.new_country.common.enabled {
            found(new_country::check(&r.new_country, state, play, tables));
        }
        if r.shared_device.common.enabled {
            let linked = !self.people.is_empty();
            found(shared_device::check(
                &r.shared_device,
                play,
                seen,
                tables,
                &self.users,
                linked,
                |u| self.person(u),
            ));
        }
        if new && r.suspicious_client.common.enabled {
            found(suspicious_client::check(
                &r.suspicious_client,
                play,
                names,
                tables,
            ));
        }
        hits
    }

    /// Turns a hit into an alert, unless its rule alerted for the user within the
    /// cooldown (in playback time).
    fn emit(&mut self, hit: Hit, ev: &PlaybackEvent, play: &Play, t: Ms, now: DateTime<Utc>) {
        let rule = hit.evidence.rule();
        let common = self.config.rules.common(rule);
        let cooldown = common
            .cooldown
            .unwrap_or(self.config.engine.cooldown)
            .num_milliseconds();
        let Some(state) = self.users.get_mut(&play.user) else {
            return;
        };
        let last = &mut state.last_alert[rule.index()];
        if last.is_some_and(|l| (t - l).abs() < cooldown) {
            self.stats.suppressed_by_cooldown += 1;
            return;
        }
        *last = Some(last.map_or(t, |l| l.max(t)));
        let at = time(t);
        let user = play.user;
        let id = AlertId::derive(rule, user, play.event, at);
        let severity = common.severity;
        let server = &ev.identity.server_id;
        let plays = hit
            .plays
            .iter()
            .map(|p| self.tables.play_ref(p, server))
            .collect();
        let username = ev.user.username.clone();
        let message = hit.evidence.sentence(&username);
        let action = match common.action {
            ActionKind::Notify => false,
            ActionKind::Terminate => true,
            ActionKind::TerminateIfRestricted => false,
        };
        let terminate_if_restricted = common.action == ActionKind::TerminateIfRestricted;
        let trust = self.trust.penalize(user, id, rule, severity, now);
        let restricted = self.trust.score(user, now).restricted;
        let terminate = (action || (terminate_if_restricted && restricted)) && play.stopped == OPEN;
        let action = match terminate {
            true => Action::Terminate {
                server: server.clone(),
                session_key: ev.identity.session_key.clone(),
                message: common.terminate_message.clone(),
            },
            false => Action::Notify,
        };
        self.stats.alerts_by_rule[rule.index()] += 1;
        self.alerts.push_back(Alert {
            finding: Finding {
                id,
                rule,
                severity,
                user,
                username,
                server: server.clone(),
                at,
                detected_at: now,
                plays,
                evidence: hit.evidence,
                message,
            },
            action,
            trust,
        });
    }
}

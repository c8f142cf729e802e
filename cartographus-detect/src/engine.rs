//! The detection engine: a sans-IO state machine that takes playback events and `now`,
//! keeps a bounded window of recent plays per user, runs the rules and emits alerts.
//!
//! # Order of calls
//!
//! 1. Build the engine with [`Engine::new`] from a validated [`DetectConfig`].
//! 2. Warm it from stored history, oldest first, with [`Engine::handle_history`]: it
//!    fills windows, known devices and countries, but never alerts. Restore stored
//!    trust scores with [`Engine::restore_trust`], links between accounts with
//!    [`Engine::link_users`] and per-user trusted networks with
//!    [`Engine::trust_network`].
//! 3. Feed every live event as it arrives with [`Engine::handle_update`] (a session
//!    tracker update) or [`Engine::handle_event`] (any event: a play's start, progress
//!    or stop), in any order and in batches of any size with
//!    [`Engine::handle_events`]. Time is always the playback's own time
//!    (`started_at`, `updated_at`, `stopped_at`); `now` only decides whether an event
//!    is too old to alert (`max_event_age_s`) and when trust recovers.
//! 4. After each `handle_*` call, drain [`Engine::poll_alert`] until `None`, store each
//!    alert and its trust changes, notify, and carry out its [`crate::Action`].
//! 5. When [`Engine::poll_timeout`] passes, call [`Engine::handle_timeout`] so old
//!    plays, devices and networks are forgotten and memory stays bounded.
//!
//! Operator calls (trust adjustments, exemptions, links, config changes) may come at
//! any time between those calls; the ones that change a score return the changes.
//! Outputs depend only on the inputs and their order, never on timing or hash seeds.

use std::collections::VecDeque;

use cartographus_core::{NetworkId, PlaybackEvent, SessionUpdate, UserId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::DetectConfig;
use crate::finding::Alert;
use crate::rules::RuleKind;
use crate::tables::Tables;
use crate::trust::{RestoreTrustError, TrustBook, TrustChange, TrustScore};
use crate::window::{ms, time, Hasher, Map, Ms, UserState};

mod pipeline;

/// How often [`Engine::handle_timeout`] is worth calling.
const PRUNE_EVERY: Duration = Duration::seconds(60);

/// Counters for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EngineStats {
    /// Live events handled.
    pub events: u64,
    /// History events handled (warm-up).
    pub history_events: u64,
    /// Alerts emitted, by rule ([`RuleKind::index`]).
    pub alerts_by_rule: [u64; RuleKind::COUNT],
    /// Findings not emitted because their rule had alerted for the user within its
    /// cooldown.
    pub suppressed_by_cooldown: u64,
    /// Events not checked because they were older than `max_event_age_s`.
    pub too_old: u64,
    /// Events of exempt users, not checked.
    pub exempt: u64,
}

impl EngineStats {
    /// All alerts emitted.
    pub fn alerts(&self) -> u64 {
        self.alerts_by_rule.iter().sum()
    }
}

/// The detection engine. See the module docs for the order of calls.
#[derive(Debug, Clone)]
pub struct Engine {
    config: DetectConfig,
    users: Map<UserId, UserState>,
    tables: Tables,
    /// User → the smallest id of their person (only for linked users).
    people: Map<UserId, UserId>,
    /// Person (smallest id) → every account, sorted.
    members: Map<UserId, Vec<UserId>>,
    /// Per-user trusted networks.
    user_networks: Map<UserId, Vec<NetworkId>>,
    trust: TrustBook,
    alerts: VecDeque<Alert>,
    stats: EngineStats,
    last_prune: Option<Ms>,
    /// The configuration's durations that every play reads, in milliseconds.
    spans: Spans,
}

/// Durations of the configuration in milliseconds, converted once per configuration
/// rather than on every play.
#[derive(Debug, Clone, Copy)]
struct Spans {
    /// `window_s`: how long stopped plays stay in a user's window.
    window: Ms,
    assume_stopped: Ms,
    max_event_age: Ms,
    /// The device-velocity rule's window.
    device_velocity: Ms,
    /// The shared-device rule's window.
    shared_device: Ms,
}

impl Spans {
    fn of(config: &DetectConfig) -> Self {
        let (e, r) = (&config.engine, &config.rules);
        Self {
            window: e.window.num_milliseconds(),
            assume_stopped: e.assume_stopped_after.num_milliseconds(),
            max_event_age: e.max_event_age.num_milliseconds(),
            device_velocity: r.device_velocity.window.num_milliseconds(),
            shared_device: r.shared_device.window.num_milliseconds(),
        }
    }
}

impl Engine {
    /// An engine with no history.
    pub fn new(config: DetectConfig) -> Self {
        let s = config.engine.hash_seed;
        let hasher = Hasher::with_seeds(
            s,
            s ^ 0x5851_f42d_4c95_7f2d,
            0x1405_7b7e_f767_814f,
            0x2545_f491_4f6c_dd1d,
        );
        Self {
            users: Map::with_hasher(hasher.clone()),
            tables: Tables::new(&hasher),
            people: Map::with_hasher(hasher.clone()),
            members: Map::with_hasher(hasher.clone()),
            user_networks: Map::with_hasher(hasher.clone()),
            trust: TrustBook::new(config.trust.clone(), hasher),
            alerts: VecDeque::new(),
            stats: EngineStats::default(),
            last_prune: None,
            spans: Spans::of(&config),
            config,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &DetectConfig {
        &self.config
    }

    /// Replaces the configuration. Windows, trust and cooldowns are kept; client names
    /// and trusted networks are re-evaluated. The hash seed only takes effect in a new
    /// engine.
    pub fn set_config(&mut self, config: DetectConfig) {
        self.trust.set_config(config.trust.clone());
        self.spans = Spans::of(&config);
        self.config = config;
        let sc = &self.config.rules.suspicious_client;
        for (name, matched) in self.tables.clients.values_mut() {
            *matched = sc.classify(name);
        }
        self.refresh_trusted(None);
    }

    /// Counters since the engine was built.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// How many users the engine holds state for.
    pub fn users(&self) -> usize {
        self.users.len()
    }

    /// How many plays the windows hold.
    pub fn plays_in_memory(&self) -> usize {
        self.users.values().map(|u| u.plays.len()).sum()
    }

    /// Takes a live event (a play's start, progress or stop): updates the windows and
    /// runs the rules. Alerts are queued for [`Engine::poll_alert`].
    pub fn handle_event(&mut self, event: &PlaybackEvent, now: DateTime<Utc>) {
        self.stats.events += 1;
        self.ingest(event, now, true);
    }

    /// Takes a session tracker update (same as [`Engine::handle_event`] on its event).
    pub fn handle_update(&mut self, update: &SessionUpdate, now: DateTime<Utc>) {
        self.handle_event(update.event(), now);
    }

    /// Takes a batch of live events, in order. The result is the same as handing them
    /// one by one, whatever the batch boundaries.
    pub fn handle_events<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a PlaybackEvent>,
        now: DateTime<Utc>,
    ) {
        for e in events {
            self.handle_event(e, now);
        }
    }

    /// Takes a stored event to warm the engine up: windows, devices, networks and
    /// known countries are updated, no rule alerts. Hand history oldest first.
    pub fn handle_history(&mut self, event: &PlaybackEvent, now: DateTime<Utc>) {
        self.stats.history_events += 1;
        self.ingest(event, now, false);
    }

    /// The next alert, if any.
    pub fn poll_alert(&mut self) -> Option<Alert> {
        self.alerts.pop_front()
    }

    /// When [`Engine::handle_timeout`] should next be called; `None` while the engine
    /// holds nothing.
    pub fn poll_timeout(&self) -> Option<DateTime<Utc>> {
        if self.users.is_empty() {
            return None;
        }
        Some(match self.last_prune {
            Some(t) => time(t) + PRUNE_EVERY,
            None => DateTime::<Utc>::MIN_UTC,
        })
    }

    /// Forgets plays that ended more than `window_s` before `now`, and devices' and
    /// networks' sightings older than the rules look back.
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        let e = &self.config.engine;
        let now_ms = ms(now);
        let assume = e.assume_stopped_after.num_milliseconds();
        let horizon = now_ms.saturating_sub(e.window.num_milliseconds());
        for u in self.users.values_mut() {
            u.prune(horizon, assume);
        }
        let r = &self.config.rules;
        let look_back = r.shared_device.window.max(r.device_velocity.window);
        self.tables
            .prune(now_ms.saturating_sub(look_back.num_milliseconds()));
        self.last_prune = Some(now_ms);
    }

    /// Declares accounts to be one person (merging with the people they already
    /// belong to). Linked accounts never count as sharing a device or network, and
    /// count together for concurrent streams when that rule says so.
    pub fn link_users(&mut self, accounts: impl IntoIterator<Item = UserId>) {
        let mut group: Vec<UserId> = Vec::new();
        for u in accounts {
            match self.people.get(&u).and_then(|p| self.members.get(p)) {
                Some(m) => group.extend_from_slice(m),
                None => group.push(u),
            }
        }
        group.sort_unstable();
        group.dedup();
        if group.len() < 2 {
            return;
        }
        for u in &group {
            if let Some(old) = self.people.get(u).copied() {
                self.members.remove(&old);
            }
        }
        let person = group[0];
        for u in &group {
            self.people.insert(*u, person);
        }
        self.members.insert(person, group);
    }

    /// Takes an account out of its person.
    pub fn unlink_user(&mut self, user: UserId) {
        let Some(person) = self.people.remove(&user) else {
            return;
        };
        let Some(mut group) = self.members.remove(&person) else {
            return;
        };
        group.retain(|u| *u != user);
        for u in &group {
            self.people.remove(u);
        }
        self.link_users(group);
    }

    /// The accounts of `user`'s person (just `user` if unlinked), sorted.
    pub fn person_of(&self, user: UserId) -> Vec<UserId> {
        self.people
            .get(&user)
            .and_then(|p| self.members.get(p))
            .cloned()
            .unwrap_or_else(|| vec![user])
    }

    pub(crate) fn person(&self, user: UserId) -> UserId {
        self.people.get(&user).copied().unwrap_or(user)
    }

    /// Trusts a network for one user (`Some`) or for everyone (`None`): its plays are
    /// ignored by the location and network rules (a family member's home). Networks
    /// trusted for everyone are part of the configuration (`trusted_networks`): they
    /// show in [`DetectConfig::to_raw`] and a later [`Engine::set_config`] replaces
    /// them. Per-user networks are kept across config changes; the server persists both.
    pub fn trust_network(&mut self, user: Option<UserId>, network: NetworkId) {
        match user {
            Some(u) => {
                let list = self.user_networks.entry(u).or_default();
                if !list.contains(&network) {
                    list.push(network);
                }
            }
            None => {
                let list = &mut self.config.engine.trusted_networks;
                if !list.contains(&network) {
                    list.push(network);
                }
            }
        }
        self.refresh_trusted(user);
    }

    /// Stops trusting a network; returns whether it was trusted.
    pub fn untrust_network(&mut self, user: Option<UserId>, network: NetworkId) -> bool {
        let list = match user {
            Some(u) => self.user_networks.entry(u).or_default(),
            None => &mut self.config.engine.trusted_networks,
        };
        let before = list.len();
        list.retain(|n| *n != network);
        let removed = list.len() != before;
        self.refresh_trusted(user);
        removed
    }

    /// The networks trusted for `user` (`None`: for everyone).
    pub fn trusted_networks(&self, user: Option<UserId>) -> Vec<NetworkId> {
        match user {
            Some(u) => self.user_networks.get(&u).cloned().unwrap_or_default(),
            None => self.config.engine.trusted_networks.clone(),
        }
    }

    /// A user's trust score at `now`.
    pub fn trust(&self, user: UserId, now: DateTime<Utc>) -> TrustScore {
        let mut s = self.trust.score(user, now);
        s.exempt = self.is_exempt(user);
        s
    }

    /// The scores of every user with a trust record, by user id.
    pub fn trust_scores(&self, now: DateTime<Utc>) -> Vec<TrustScore> {
        let mut scores = self.trust.scores(now);
        for s in &mut scores {
            s.exempt = self.is_exempt(s.user);
        }
        scores
    }

    /// The recent ledger of a user's trust, oldest first.
    pub fn trust_ledger(&self, user: UserId) -> impl Iterator<Item = &TrustChange> {
        self.trust.ledger(user)
    }

    /// Adjusts a score by `delta` points (clamped to 0–100).
    pub fn adjust_trust(
        &mut self,
        user: UserId,
        delta: i16,
        now: DateTime<Utc>,
    ) -> Vec<TrustChange> {
        self.trust.adjust(user, delta, now)
    }

    /// Resets a score to 100.
    pub fn reset_trust(&mut self, user: UserId, now: DateTime<Utc>) -> Vec<TrustChange> {
        self.trust.reset(user, now)
    }

    /// Exempts a user from detection (a trusted user), or lifts the exemption.
    pub fn set_exempt(
        &mut self,
        user: UserId,
        exempt: bool,
        now: DateTime<Utc>,
    ) -> Vec<TrustChange> {
        self.trust.set_exempt(user, exempt, now)
    }

    /// Restores a stored score: `score` as of `since` (the last change), recovering
    /// from there.
    pub fn restore_trust(
        &mut self,
        user: UserId,
        score: u8,
        since: DateTime<Utc>,
        exempt: bool,
    ) -> Result<(), RestoreTrustError> {
        self.trust.restore(user, score, since, exempt)
    }

    fn is_exempt(&self, user: UserId) -> bool {
        self.trust.is_exempt(user) || self.config.engine.trusted_users.contains(&user)
    }
}

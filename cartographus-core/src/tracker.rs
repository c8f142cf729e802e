//! The session tracker: a sans-IO state machine per media server that turns what the
//! server reports (full snapshots, pushed notifications) into playback updates with
//! correct pause accounting, stops, resumes and force-stops.
//!
//! # Order of calls
//!
//! 1. Create one [`SessionTracker`] per server with [`SessionTracker::new`]. After a
//!    restart, hand back the plays the store still holds as open with
//!    [`SessionTracker::handle_restore`] so they continue instead of starting again.
//! 2. Feed inputs as they arrive, each with the time they describe:
//!    [`SessionTracker::handle_snapshot`] with every session the server reports now, or
//!    [`SessionTracker::handle_notification`] for one pushed change.
//! 3. When no input has arrived by [`SessionTracker::poll_timeout`], call
//!    [`SessionTracker::handle_timeout`] (sessions that vanished or went silent are
//!    stopped there).
//! 4. After each `handle_*` call, drain [`SessionTracker::poll_update`] until `None`.
//!
//! `now` must not go backwards by much: a `now` earlier than a session's last update is
//! treated as no time passing, so durations are never negative.
//!
//! # Rules
//! - Play time counts while playing or buffering, pause time while paused; their sum
//!   never exceeds the wall time of the play.
//! - A session absent from snapshots for [`TrackerConfig::disappear_grace_s`] is stopped
//!   at the time it was last seen. If it comes back within the grace (a network blip),
//!   it simply continues.
//! - A session with no update for [`TrackerConfig::stale_after_s`] is force-stopped at
//!   its last update.
//! - A stop at or past [`TrackerConfig::watched_percent`] marks the play watched.
//! - A play whose (resume-group) play time is below [`TrackerConfig::min_play_s`] is
//!   stopped with `below_minimum = true`: the live view and detection saw it, history
//!   does not count it.
//! - A new session of the same user, item and device within
//!   [`TrackerConfig::resume_window_s`] of a stop continues that play: its event carries
//!   `reference_id` = the first play of the group.
//! - A new session key whose user, item and device match a tracked session that the
//!   same snapshot no longer shows (a webhook-started session, a key that changed) is
//!   adopted under the new key rather than started twice.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventParts, PlaybackEvent, QualityInfo, Timing};
use crate::identity::derive_user_id;
use crate::ids::{DeviceId, EventId, MediaKey, ServerId, SessionKey, UserId};
use crate::kinds::{PlaybackState, Source};
use crate::snapshot::{SessionNotification, SessionSnapshot};

/// Settings of a [`SessionTracker`].
///
/// ## Defaults
/// - `disappear_grace_s`: 30 — a session missing from one 10 s poll is not stopped.
/// - `stale_after_s`: 300 — force-stop after 5 minutes without any update.
/// - `min_play_s`: 120 — shorter plays are not counted in history (0 counts all).
/// - `watched_percent`: 85.
/// - `resume_window_s`: 900 — a restart within 15 minutes continues the play.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TrackerConfig {
    /// Seconds a session may be missing from snapshots before it is stopped.
    pub disappear_grace_s: u64,
    /// Seconds without any update before a session is force-stopped.
    pub stale_after_s: u64,
    /// Minimum play seconds for a play to count in history.
    pub min_play_s: u64,
    /// Percent complete at which a play counts as watched.
    pub watched_percent: f64,
    /// Seconds after a stop within which a new session continues the play.
    pub resume_window_s: u64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            disappear_grace_s: 30,
            stale_after_s: 300,
            min_play_s: 120,
            watched_percent: 85.0,
            resume_window_s: 900,
        }
    }
}

/// An invalid tracker setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerConfigError {
    /// `watched_percent` is not within 0–100.
    #[error("watched_percent must be within 0..=100, got {0}")]
    WatchedPercent(f64),
    /// `stale_after_s` is zero.
    #[error("stale_after_s must be at least 1")]
    StaleAfter,
}

impl TrackerConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), TrackerConfigError> {
        if !(0.0..=100.0).contains(&self.watched_percent) {
            return Err(TrackerConfigError::WatchedPercent(self.watched_percent));
        }
        if self.stale_after_s == 0 {
            return Err(TrackerConfigError::StaleAfter);
        }
        Ok(())
    }
}

/// Why a play stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It vanished from the server's session list.
    Ended,
    /// The server reported the stop.
    Reported,
    /// No update arrived for too long (force-stopped ghost).
    Stale,
    /// The session moved on to another item.
    ItemChanged,
}

/// A finished play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoppedPlay {
    /// The play, with `stopped_at` set.
    pub event: PlaybackEvent,
    /// Why it stopped.
    pub reason: StopReason,
    /// Its resume group played less than the minimum: not counted in history.
    pub below_minimum: bool,
}

/// What the tracker says happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum SessionUpdate {
    /// A play began (or continued an earlier one: see `reference_id`).
    Started(PlaybackEvent),
    /// The viewer paused.
    Paused(PlaybackEvent),
    /// The viewer resumed.
    Resumed(PlaybackEvent),
    /// The play moved on (position, buffering, quality).
    Progress(PlaybackEvent),
    /// The play ended.
    Stopped(StoppedPlay),
}

impl SessionUpdate {
    /// The event the update carries.
    pub fn event(&self) -> &PlaybackEvent {
        match self {
            SessionUpdate::Started(e)
            | SessionUpdate::Paused(e)
            | SessionUpdate::Resumed(e)
            | SessionUpdate::Progress(e) => e,
            SessionUpdate::Stopped(s) => &s.event,
        }
    }

    /// The update's name (`started`, `paused`, `resumed`, `progress`, `stopped`).
    pub fn kind(&self) -> &'static str {
        match self {
            SessionUpdate::Started(_) => "started",
            SessionUpdate::Paused(_) => "paused",
            SessionUpdate::Resumed(_) => "resumed",
            SessionUpdate::Progress(_) => "progress",
            SessionUpdate::Stopped(_) => "stopped",
        }
    }
}

/// A session that could not be tracked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session has no user.
    #[error("session {session_key} has no user")]
    MissingUser {
        /// The session.
        session_key: SessionKey,
    },
    /// The session has no item.
    #[error("session {session_key} has no item")]
    MissingItem {
        /// The session.
        session_key: SessionKey,
    },
    /// The snapshot listed the session key more than once; the first entry was used.
    #[error("session {session_key} appears more than once in the snapshot")]
    DuplicateKey {
        /// The session.
        session_key: SessionKey,
    },
    /// A notification named a session the tracker does not know and carried no
    /// description to start it from: fetch a snapshot.
    #[error("session {session_key} is not known; a snapshot is needed")]
    UnknownSession {
        /// The session.
        session_key: SessionKey,
    },
}

#[derive(Debug, Clone)]
struct Tracked {
    event: PlaybackEvent,
    last_seen: DateTime<Utc>,
    missing_since: Option<DateTime<Utc>>,
    play_ms: i64,
    paused_ms: i64,
    group_play_s_before: u64,
}

#[derive(Debug, Clone)]
struct RecentStop {
    user: UserId,
    media: MediaKey,
    device: Option<DeviceId>,
    stopped_at: DateTime<Utc>,
    root: EventId,
    group_play_s: u64,
}

/// The per-server session state machine. See the module docs for the order of calls.
#[derive(Debug, Clone)]
pub struct SessionTracker {
    source: Source,
    server: ServerId,
    config: TrackerConfig,
    sessions: BTreeMap<SessionKey, Tracked>,
    recent: Vec<RecentStop>,
    updates: VecDeque<SessionUpdate>,
}

impl SessionTracker {
    /// A tracker for one server.
    pub fn new(source: Source, server: ServerId, config: TrackerConfig) -> Self {
        Self {
            source,
            server,
            config,
            sessions: BTreeMap::new(),
            recent: Vec::new(),
            updates: VecDeque::new(),
        }
    }

    /// The server this tracker follows.
    pub fn server(&self) -> &ServerId {
        &self.server
    }

    /// The plays going on now, by session key.
    pub fn live(&self) -> impl Iterator<Item = &PlaybackEvent> {
        self.sessions.values().map(|t| &t.event)
    }

    /// How many sessions are being tracked.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is being tracked.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The next update, if any.
    pub fn poll_update(&mut self) -> Option<SessionUpdate> {
        self.updates.pop_front()
    }

    /// When [`SessionTracker::handle_timeout`] should next be called, if ever.
    pub fn poll_timeout(&self) -> Option<DateTime<Utc>> {
        let grace = secs(self.config.disappear_grace_s);
        let stale = secs(self.config.stale_after_s);
        self.sessions
            .values()
            .map(|t| match t.missing_since {
                Some(m) => (m + grace).min(t.last_seen + stale),
                None => t.last_seen + stale,
            })
            .chain(
                self.recent
                    .iter()
                    .map(|r| r.stopped_at + secs(self.config.resume_window_s)),
            )
            .min()
    }

    /// Re-adopts a play that was open when the process stopped (no update is emitted).
    /// It continues if the next snapshot still shows its session key; otherwise it is
    /// stopped by the usual rules. Plays of another server or already stopped are
    /// ignored.
    pub fn handle_restore(&mut self, event: PlaybackEvent, now: DateTime<Utc>) {
        if event.identity.server_id != self.server || event.timing.stopped_at.is_some() {
            return;
        }
        let last_seen = event.timing.updated_at.min(now);
        let tracked = Tracked {
            play_ms: (event.timing.play_duration_s as i64) * 1000,
            paused_ms: (event.timing.paused_s as i64) * 1000,
            event,
            last_seen,
            missing_since: Some(now),
            group_play_s_before: 0,
        };
        self.sessions
            .insert(tracked.event.identity.session_key.clone(), tracked);
    }

    /// Takes the full list of sessions the server reports at `now`. Sessions that cannot
    /// be tracked are returned as errors; the others are tracked regardless.
    pub fn handle_snapshot(
        &mut self,
        sessions: &[SessionSnapshot],
        now: DateTime<Utc>,
    ) -> Vec<SessionError> {
        let mut errors = Vec::new();
        let mut present: HashSet<&SessionKey> = HashSet::with_capacity(sessions.len());
        let mut unique: Vec<&SessionSnapshot> = Vec::with_capacity(sessions.len());
        for snap in sessions {
            if !present.insert(&snap.session_key) {
                errors.push(SessionError::DuplicateKey {
                    session_key: snap.session_key.clone(),
                });
                continue;
            }
            unique.push(snap);
        }
        // Tracked sessions this snapshot no longer shows, by what they play: a new key
        // that matches one of them adopts it instead of starting a second play.
        let mut orphans: HashMap<MatchKey, SessionKey> = HashMap::new();
        if unique
            .iter()
            .any(|s| !self.sessions.contains_key(&s.session_key))
        {
            for (key, t) in &self.sessions {
                if !present.contains(key) {
                    orphans.insert(match_key_of(&t.event), key.clone());
                }
            }
        }
        for snap in unique {
            if let Err(e) = self.apply(snap, now, &mut orphans) {
                errors.push(e);
            }
        }
        // Sessions absent from this snapshot start (or keep) their grace period.
        for (key, t) in self.sessions.iter_mut() {
            if present.contains(key) {
                t.missing_since = None;
            } else if t.missing_since.is_none() {
                t.missing_since = Some(now);
            }
        }
        self.sweep(now);
        errors
    }

    /// Takes one pushed state change at `now`.
    pub fn handle_notification(
        &mut self,
        n: &SessionNotification,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        let key = match self.sessions.contains_key(&n.session_key) {
            true => Some(n.session_key.clone()),
            false => n.snapshot.as_ref().and_then(|s| self.find_match(s)),
        };
        let result = match key {
            Some(key) => {
                self.notify_known(&key, n, now);
                Ok(())
            }
            None => match (&n.snapshot, n.state) {
                // A stop for a play we never saw has nothing to end.
                (_, PlaybackState::Stopped) => Ok(()),
                (Some(snap), _) => {
                    let mut snap = snap.clone();
                    snap.state = n.state;
                    if n.view_offset_ms.is_some() {
                        snap.view_offset_ms = n.view_offset_ms;
                    }
                    self.start(&snap, now).map(|_| ())
                }
                (None, _) => Err(SessionError::UnknownSession {
                    session_key: n.session_key.clone(),
                }),
            },
        };
        self.sweep(now);
        result
    }

    /// Stops sessions that vanished or went silent, and forgets old stops.
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        self.sweep(now);
    }

    fn notify_known(&mut self, key: &SessionKey, n: &SessionNotification, now: DateTime<Utc>) {
        let item_changed = {
            let t = &self.sessions[key];
            n.media_key
                .as_ref()
                .is_some_and(|m| *m != t.event.content.media_key)
        };
        if item_changed {
            self.stop(key, now, StopReason::ItemChanged);
            if let Some(snap) = &n.snapshot {
                let mut snap = snap.clone();
                snap.state = n.state;
                let _ = self.start(&snap, now);
            }
            return;
        }
        if n.state == PlaybackState::Stopped {
            if let Some(t) = self.sessions.get_mut(key) {
                advance(t, now);
                if n.view_offset_ms.is_some() {
                    t.event.timing.view_offset_ms = n.view_offset_ms;
                }
            }
            self.stop(key, now, StopReason::Reported);
            return;
        }
        let watched = self.config.watched_percent;
        let Some(t) = self.sessions.get_mut(key) else {
            return;
        };
        advance(t, now);
        t.missing_since = None;
        if let Some(off) = n.view_offset_ms {
            t.event.timing.view_offset_ms = Some(off);
        }
        refresh_percent(&mut t.event, watched);
        let update = transition(t.event.timing.state, n.state, &mut t.event);
        self.updates.push_back(update);
    }

    fn apply(
        &mut self,
        snap: &SessionSnapshot,
        now: DateTime<Utc>,
        orphans: &mut HashMap<MatchKey, SessionKey>,
    ) -> Result<(), SessionError> {
        if !self.sessions.contains_key(&snap.session_key) {
            let old_key = self
                .snapshot_match_key(snap)
                .and_then(|k| orphans.remove(&k));
            if let Some(mut t) = old_key.and_then(|k| self.sessions.remove(&k)) {
                t.event.identity.session_key = snap.session_key.clone();
                self.sessions.insert(snap.session_key.clone(), t);
            }
        }
        let Some(t) = self.sessions.get(&snap.session_key) else {
            return self.start(snap, now).map(|_| ());
        };
        // A known session moved on to another item: end the old play, start a new one.
        if let Some(content) = &snap.content {
            if content.media_key != t.event.content.media_key {
                self.stop(&snap.session_key, now, StopReason::ItemChanged);
                return self.start(snap, now).map(|_| ());
            }
        }
        let watched = self.config.watched_percent;
        let Some(t) = self.sessions.get_mut(&snap.session_key) else {
            return Ok(());
        };
        advance(t, now);
        let ev = &mut t.event;
        let mut moved = false;
        if snap.view_offset_ms.is_some() && snap.view_offset_ms != ev.timing.view_offset_ms {
            ev.timing.view_offset_ms = snap.view_offset_ms;
            moved = true;
        }
        if snap.media_duration_ms.is_some() {
            ev.timing.media_duration_ms = snap.media_duration_ms;
        }
        if snap.network.ip.is_some() && snap.network != ev.network {
            ev.network = snap.network.clone();
            moved = true;
        }
        if snap.quality != QualityInfo::default() && snap.quality != ev.quality {
            ev.quality = snap.quality.clone();
            moved = true;
        }
        refresh_percent(ev, watched);
        if ev.timing.state != snap.state || moved {
            let update = transition(ev.timing.state, snap.state, ev);
            self.updates.push_back(update);
        }
        Ok(())
    }

    fn snapshot_match_key(&self, snap: &SessionSnapshot) -> Option<MatchKey> {
        let user = snap.user.as_ref()?;
        let content = snap.content.as_ref()?;
        let uid = derive_user_id(self.source.platform(), &self.server, &user.external_id);
        Some((
            uid,
            content.media_key.clone(),
            snap.device.device_id.clone(),
        ))
    }

    fn find_match(&self, snap: &SessionSnapshot) -> Option<SessionKey> {
        let wanted = self.snapshot_match_key(snap)?;
        self.sessions
            .iter()
            .find(|(_, t)| match_key_of(&t.event) == wanted)
            .map(|(k, _)| k.clone())
    }

    fn start(
        &mut self,
        snap: &SessionSnapshot,
        now: DateTime<Utc>,
    ) -> Result<EventId, SessionError> {
        let account = snap
            .user
            .as_ref()
            .ok_or_else(|| SessionError::MissingUser {
                session_key: snap.session_key.clone(),
            })?;
        let content = snap
            .content
            .clone()
            .ok_or_else(|| SessionError::MissingItem {
                session_key: snap.session_key.clone(),
            })?;
        let user_id = derive_user_id(self.source.platform(), &self.server, &account.external_id);
        let started_at = snap.started_at.filter(|s| *s <= now).unwrap_or(now);
        let mut timing = Timing::started(started_at);
        timing.updated_at = now;
        timing.state = match snap.state {
            PlaybackState::Stopped => PlaybackState::Playing,
            s => s,
        };
        timing.view_offset_ms = snap.view_offset_ms;
        timing.media_duration_ms = snap.media_duration_ms;
        let mut parts = EventParts::new(
            self.source,
            self.server.clone(),
            snap.session_key.clone(),
            timing,
            account.to_user_info(user_id),
            content,
        );
        parts.network = snap.network.clone();
        parts.device = snap.device.clone();
        parts.quality = snap.quality.clone();
        parts.live = snap.live;
        let mut event = PlaybackEvent::assemble(parts);
        refresh_percent(&mut event, self.config.watched_percent);

        // Continue an earlier play of the same user, item and device?
        let window = secs(self.config.resume_window_s);
        let resumed = self
            .recent
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.user == user_id
                    && r.media == event.content.media_key
                    && r.device == event.device.device_id
                    && r.stopped_at <= now
                    && now - r.stopped_at <= window
            })
            .max_by_key(|(_, r)| r.stopped_at)
            .map(|(i, _)| i);
        let mut group_before = 0;
        if let Some(i) = resumed {
            let r = self.recent.swap_remove(i);
            event.identity.reference_id = Some(r.root);
            group_before = r.group_play_s;
        }
        let id = event.event_id();
        self.updates
            .push_back(SessionUpdate::Started(event.clone()));
        let tracked = Tracked {
            event,
            last_seen: now,
            missing_since: None,
            play_ms: 0,
            paused_ms: 0,
            group_play_s_before: group_before,
        };
        if snap.state == PlaybackState::Stopped {
            self.sessions.insert(snap.session_key.clone(), tracked);
            self.stop(&snap.session_key, now, StopReason::Reported);
        } else {
            self.sessions.insert(snap.session_key.clone(), tracked);
        }
        Ok(id)
    }

    /// Stops a session, accounting time up to `at` (never before its last update).
    fn stop(&mut self, key: &SessionKey, at: DateTime<Utc>, reason: StopReason) {
        let Some(mut t) = self.sessions.remove(key) else {
            return;
        };
        advance(&mut t, at);
        let end = t.last_seen;
        let watched = self.config.watched_percent;
        let ev = &mut t.event;
        ev.timing.stopped_at = Some(end);
        ev.timing.updated_at = end;
        ev.timing.state = PlaybackState::Stopped;
        refresh_percent(ev, watched);
        let group_play_s = t.group_play_s_before + ev.timing.play_duration_s;
        let below_minimum = group_play_s < self.config.min_play_s;
        self.recent.push(RecentStop {
            user: ev.user.user_id,
            media: ev.content.media_key.clone(),
            device: ev.device.device_id.clone(),
            stopped_at: end,
            root: ev.group_id(),
            group_play_s,
        });
        self.updates.push_back(SessionUpdate::Stopped(StoppedPlay {
            event: t.event,
            reason,
            below_minimum,
        }));
    }

    fn sweep(&mut self, now: DateTime<Utc>) {
        let grace = secs(self.config.disappear_grace_s);
        let stale = secs(self.config.stale_after_s);
        let mut to_stop: Vec<(SessionKey, DateTime<Utc>, StopReason)> = Vec::new();
        for (key, t) in &self.sessions {
            if let Some(m) = t.missing_since {
                if now - m >= grace {
                    to_stop.push((key.clone(), t.last_seen, StopReason::Ended));
                    continue;
                }
            }
            if now - t.last_seen >= stale {
                to_stop.push((key.clone(), t.last_seen, StopReason::Stale));
            }
        }
        for (key, at, reason) in to_stop {
            self.stop(&key, at, reason);
        }
        let window = secs(self.config.resume_window_s);
        self.recent.retain(|r| now - r.stopped_at <= window);
    }
}

/// What a play is, apart from its session key: user, item and device.
type MatchKey = (UserId, MediaKey, Option<DeviceId>);

fn match_key_of(ev: &PlaybackEvent) -> MatchKey {
    (
        ev.user.user_id,
        ev.content.media_key.clone(),
        ev.device.device_id.clone(),
    )
}

fn secs(s: u64) -> Duration {
    Duration::seconds(
        i64::try_from(s)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    )
}

/// Moves a session's clock to `now`, charging the elapsed time to its current state.
fn advance(t: &mut Tracked, now: DateTime<Utc>) {
    let dt = (now - t.last_seen).num_milliseconds().max(0);
    if dt > 0 {
        match t.event.timing.state {
            PlaybackState::Paused => t.paused_ms += dt,
            PlaybackState::Playing | PlaybackState::Buffering => t.play_ms += dt,
            PlaybackState::Stopped => {}
        }
        t.last_seen = now;
    }
    t.event.timing.updated_at = t.last_seen;
    t.event.timing.play_duration_s = (t.play_ms / 1000) as u64;
    t.event.timing.paused_s = (t.paused_ms / 1000) as u64;
}

fn refresh_percent(ev: &mut PlaybackEvent, watched_percent: f64) {
    let p = Timing::percent(ev.timing.view_offset_ms, ev.timing.media_duration_ms);
    ev.timing.percent_complete = p;
    if p >= watched_percent && ev.timing.media_duration_ms.is_some() {
        ev.timing.watched = true;
    }
}

/// Applies a state change and says which update it is.
fn transition(from: PlaybackState, to: PlaybackState, ev: &mut PlaybackEvent) -> SessionUpdate {
    let to = match to {
        PlaybackState::Stopped => from,
        s => s,
    };
    ev.timing.state = to;
    match (from, to) {
        (PlaybackState::Playing | PlaybackState::Buffering, PlaybackState::Paused) => {
            SessionUpdate::Paused(ev.clone())
        }
        (PlaybackState::Paused, PlaybackState::Playing | PlaybackState::Buffering) => {
            SessionUpdate::Resumed(ev.clone())
        }
        _ => SessionUpdate::Progress(ev.clone()),
    }
}

#[cfg(test)]
mod tests;

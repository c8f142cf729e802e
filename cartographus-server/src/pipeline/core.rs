//! The pipeline's decisions, without I/O: what each source input means for the store,
//! the live hub, detection and the media servers. It owns one session tracker per media
//! server, the deduplicator, the GeoIP resolver and the detection engine; the async shell
//! (`pipeline::run`) feeds it inputs with the current time and carries out its
//! [`Effect`]s in order.
//!
//! Order of calls: `handle_snapshot` / `handle_notification` / `handle_timeout` with
//! `now`, then drain `poll_effect` until `None`; call `handle_timeout` by
//! `poll_timeout` at the latest.

use std::collections::{HashMap, HashSet, VecDeque};

use cartographus_core::{
    DedupConfig, DedupLayer, Deduplicator, EventId, PlaybackEvent, ServerId, SessionError,
    SessionKey, SessionNotification, SessionSnapshot, SessionTracker, SessionUpdate, Source,
    TrackerConfig, Verdict,
};
use cartographus_detect::{Action, Alert, Engine};
use cartographus_store::GeoResolver;
use chrono::{DateTime, Utc};

/// What the shell must do, in the order given.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Store a new play.
    Append(PlaybackEvent),
    /// Bring a stored play up to date (progress, pause, resume, stop).
    Update(PlaybackEvent),
    /// Forget a play that stopped below the minimum play time.
    Discard(EventId),
    /// Record a dropped duplicate in the dedup audit.
    Duplicate {
        /// The duplicate.
        event: PlaybackEvent,
        /// Which layer matched.
        layer: DedupLayer,
        /// The play it duplicates.
        original: EventId,
    },
    /// Tell live clients.
    Live(LiveUpdate),
    /// A detection alert to store, notify and publish.
    Alert(Box<Alert>),
    /// Stop a stream on its media server.
    Terminate {
        /// The server.
        server: ServerId,
        /// The session.
        session_key: SessionKey,
        /// The message to the viewer.
        message: String,
    },
    /// A session could not be tracked (logged and counted).
    Rejected {
        /// The server.
        server: ServerId,
        /// Why.
        error: SessionError,
    },
}

/// A playback update for the live hub.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LiveUpdate {
    /// `started`, `paused`, `resumed`, `progress` or `stopped`.
    pub action: &'static str,
    /// The configured server name.
    pub server_name: String,
    /// The play.
    pub event: PlaybackEvent,
}

struct ServerState {
    name: String,
    tracker: SessionTracker,
}

/// The pipeline state machine.
pub struct PipelineCore {
    servers: HashMap<ServerId, ServerState>,
    tracker_config: TrackerConfig,
    dedup: Deduplicator,
    geo: GeoResolver,
    engine: Option<Engine>,
    /// Plays recognised as duplicates: their later updates are not stored.
    suppressed: HashSet<EventId>,
    effects: VecDeque<Effect>,
}

impl std::fmt::Debug for PipelineCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineCore")
            .field("servers", &self.servers.len())
            .field("detection", &self.engine.is_some())
            .finish_non_exhaustive()
    }
}

impl PipelineCore {
    /// A pipeline with no servers yet.
    pub fn new(tracker_config: TrackerConfig, geo: GeoResolver, engine: Option<Engine>) -> Self {
        Self {
            servers: HashMap::new(),
            tracker_config,
            dedup: Deduplicator::new(DedupConfig::default()),
            geo,
            engine,
            suppressed: HashSet::new(),
            effects: VecDeque::new(),
        }
    }

    /// Registers a media server (its id is what the server reports as its identity).
    pub fn add_server(&mut self, source: Source, server: ServerId, name: String) {
        let tracker = SessionTracker::new(source, server.clone(), self.tracker_config);
        self.servers
            .entry(server)
            .or_insert(ServerState { name, tracker });
    }

    /// The detection engine, if detection runs.
    pub fn engine(&mut self) -> Option<&mut Engine> {
        self.engine.as_mut()
    }

    /// The GeoIP resolver.
    pub fn geo(&mut self) -> &mut GeoResolver {
        &mut self.geo
    }

    /// Warms detection with stored history (no alerts for it) and re-adopts plays the
    /// store still holds as open.
    pub fn warm(&mut self, history: &[PlaybackEvent], now: DateTime<Utc>) {
        for e in history {
            if let Some(engine) = self.engine.as_mut() {
                engine.handle_history(e, now);
            }
            if e.timing.stopped_at.is_none() {
                if let Some(s) = self.servers.get_mut(&e.identity.server_id) {
                    s.tracker.handle_restore(e.clone(), now);
                }
            }
        }
    }

    /// What is playing now on every server.
    pub fn live(&self) -> Vec<(String, PlaybackEvent)> {
        self.servers
            .values()
            .flat_map(|s| s.tracker.live().map(|e| (s.name.clone(), e.clone())))
            .collect()
    }

    /// A server's full session list at `now`.
    pub fn handle_snapshot(
        &mut self,
        server: &ServerId,
        sessions: &[SessionSnapshot],
        now: DateTime<Utc>,
    ) {
        let Some(state) = self.servers.get_mut(server) else {
            return;
        };
        for error in state.tracker.handle_snapshot(sessions, now) {
            self.effects.push_back(Effect::Rejected {
                server: server.clone(),
                error,
            });
        }
        self.drain_tracker(server, now);
    }

    /// One pushed change at `now`. Returns the tracker's error when the session is
    /// unknown (the shell then asks the server for a snapshot).
    pub fn handle_notification(
        &mut self,
        server: &ServerId,
        n: &SessionNotification,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        let Some(state) = self.servers.get_mut(server) else {
            return Ok(());
        };
        let result = state.tracker.handle_notification(n, now);
        self.drain_tracker(server, now);
        result
    }

    /// Stops vanished sessions and lets detection expire its windows.
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        let ids: Vec<ServerId> = self.servers.keys().cloned().collect();
        for id in ids {
            if let Some(s) = self.servers.get_mut(&id) {
                s.tracker.handle_timeout(now);
            }
            self.drain_tracker(&id, now);
        }
        if let Some(engine) = self.engine.as_mut() {
            engine.handle_timeout(now);
        }
        self.drain_alerts();
        self.dedup.evict(now);
    }

    /// The earliest time `handle_timeout` is due.
    pub fn poll_timeout(&self) -> Option<DateTime<Utc>> {
        let trackers = self
            .servers
            .values()
            .filter_map(|s| s.tracker.poll_timeout());
        let engine = self.engine.as_ref().and_then(Engine::poll_timeout);
        trackers.chain(engine).min()
    }

    /// The next effect.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// Imported history (Tautulli, Plex history): deduplicated, geolocated, stored and
    /// shown to detection as history (alerts only for recent plays, as the engine's
    /// age limit decides).
    pub fn handle_imported(&mut self, mut events: Vec<PlaybackEvent>, now: DateTime<Utc>) {
        self.geo.enrich(&mut events);
        for e in events {
            match self.dedup.check(&e, now) {
                Verdict::New => {
                    if let Some(engine) = self.engine.as_mut() {
                        engine.handle_event(&e, now);
                    }
                    self.effects.push_back(Effect::Append(e));
                }
                Verdict::Duplicate { layer, original } => {
                    self.effects.push_back(Effect::Duplicate {
                        event: e,
                        layer,
                        original,
                    });
                }
            }
        }
        self.drain_alerts();
    }

    fn drain_tracker(&mut self, server: &ServerId, now: DateTime<Utc>) {
        let Some(state) = self.servers.get_mut(server) else {
            return;
        };
        let name = state.name.clone();
        let mut updates = Vec::new();
        while let Some(u) = state.tracker.poll_update() {
            updates.push(u);
        }
        for update in updates {
            self.handle_update(&name, update, now);
        }
        self.drain_alerts();
    }

    fn handle_update(&mut self, server_name: &str, update: SessionUpdate, now: DateTime<Utc>) {
        let mut update = update;
        let id = update.event().event_id();
        if let SessionUpdate::Started(e) = &mut update {
            if let Some(ip) = e.network.geo_ip() {
                e.geo = Some(self.geo.resolve(ip));
            }
            match self.dedup.check(e, now) {
                Verdict::New => self.effects.push_back(Effect::Append(e.clone())),
                Verdict::Duplicate { layer, original } => {
                    self.suppressed.insert(id);
                    self.effects.push_back(Effect::Duplicate {
                        event: e.clone(),
                        layer,
                        original,
                    });
                    return;
                }
            }
        } else if self.suppressed.contains(&id) {
            if matches!(update, SessionUpdate::Stopped(_)) {
                self.suppressed.remove(&id);
            }
            return;
        } else {
            self.carry_geo(&mut update);
            match &update {
                SessionUpdate::Stopped(s) if s.below_minimum => {
                    self.effects.push_back(Effect::Discard(id));
                }
                other => self
                    .effects
                    .push_back(Effect::Update(other.event().clone())),
            }
        }
        if let Some(engine) = self.engine.as_mut() {
            engine.handle_update(&update, now);
        }
        self.effects.push_back(Effect::Live(LiveUpdate {
            action: update.kind(),
            server_name: server_name.to_owned(),
            event: update.event().clone(),
        }));
    }

    /// Later updates carry the tracker's copy of the event, which has no geolocation:
    /// resolve it again (a cache hit) so detection and live views see the place.
    fn carry_geo(&mut self, update: &mut SessionUpdate) {
        let event = match update {
            SessionUpdate::Started(e)
            | SessionUpdate::Paused(e)
            | SessionUpdate::Resumed(e)
            | SessionUpdate::Progress(e) => e,
            SessionUpdate::Stopped(s) => &mut s.event,
        };
        if event.geo.is_none() {
            if let Some(ip) = event.network.geo_ip() {
                event.geo = Some(self.geo.resolve(ip));
            }
        }
    }

    fn drain_alerts(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        while let Some(alert) = engine.poll_alert() {
            if let Action::Terminate {
                server,
                session_key,
                message,
            } = &alert.action
            {
                self.effects.push_back(Effect::Terminate {
                    server: server.clone(),
                    session_key: session_key.clone(),
                    message: message.clone(),
                });
            }
            self.effects.push_back(Effect::Alert(Box::new(alert)));
        }
    }
}

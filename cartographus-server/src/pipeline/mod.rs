//! The ingestion pipeline: one task per media server (its client's watch loop), one
//! pipeline task owning the [`PipelineCore`] state machine, and the store [`Writer`].
//! Sources send inputs over a bounded channel (they wait when it is full: nothing is
//! dropped silently, and the wait is counted); the pipeline task applies them with the
//! current time and carries out the effects: store writes, live-hub messages, alert
//! notifications and stream terminations.

mod convert;
mod core;
mod journal;
#[cfg(feature = "nats")]
pub mod nats_bridge;
mod writer;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cartographus_core::{
    PlaybackEvent, ServerId, SessionKey, SessionNotification, SessionSnapshot, Source,
};
use cartographus_sources::client::{
    watch_media_browser, watch_plex, ClientConfig, ClientError, MediaBrowserClient, PlexClient,
    Secret as ClientSecret, SourceEvent,
};
use cartographus_sources::{RemoteSession, RemoteSessionId};
use chrono::Utc;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

pub use self::convert::{alert_record, trust_change};
pub use self::core::{Effect, LiveUpdate, PipelineCore};
pub use self::journal::{Journal, Receipt, Upkeep};
pub use self::writer::{apply, BatchOutcome, Journaled, WriteOp, Writer, BATCH_MAX, BATCH_WINDOW};

use crate::hub::{Hub, MessageType};
use crate::metrics::{Metrics, ServerLabels};
use crate::notify::Notifier;

/// A client able to act on one media server's sessions.
#[derive(Debug, Clone)]
pub enum ServerClient {
    /// Plex.
    Plex(Arc<PlexClient>),
    /// Jellyfin or Emby.
    MediaBrowser(Arc<MediaBrowserClient>),
}

impl ServerClient {
    async fn terminate(&self, session: &RemoteSessionId, message: &str) -> Result<(), ClientError> {
        match self {
            ServerClient::Plex(c) => c.terminate(session, message).await,
            ServerClient::MediaBrowser(c) => c.terminate(session, message).await,
        }
    }
}

/// What sources and the API send the pipeline task.
#[derive(Debug)]
pub enum Input {
    /// A media server came up: track it.
    Register {
        /// Plex, Jellyfin or Emby.
        source: Source,
        /// Its id.
        server: ServerId,
        /// The configured name.
        name: String,
        /// Its client, for terminations.
        client: ServerClient,
    },
    /// Every session a server reports now.
    Snapshot {
        /// The server.
        server: ServerId,
        /// Its sessions.
        sessions: Vec<RemoteSession>,
    },
    /// One pushed change.
    Notification {
        /// The server.
        server: ServerId,
        /// The change.
        notification: Box<SessionNotification>,
    },
    /// Imported history.
    Imported(Vec<PlaybackEvent>),
    /// What is playing now.
    Live(oneshot::Sender<Vec<LiveSession>>),
    /// Stop a stream on its server.
    Terminate {
        /// The server.
        server: ServerId,
        /// The session.
        session_key: SessionKey,
        /// The message to the viewer.
        message: String,
        /// The outcome.
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// An operator's call on the detection engine (read or change rules, adjust
    /// trust). The trust changes it returns are stored and published like the
    /// engine's own; `None` is passed when detection is off.
    Detection {
        /// The call; it answers through a channel it captured.
        op: DetectionOp,
        /// Who made the change (kept in the trust ledger).
        actor: Option<String>,
    },
}

/// A call on the detection engine run inside the pipeline task.
pub struct DetectionOp(
    #[allow(clippy::type_complexity)]
    Box<
        dyn FnOnce(
                Option<&mut cartographus_detect::Engine>,
                chrono::DateTime<Utc>,
            ) -> Vec<cartographus_detect::TrustChange>
            + Send,
    >,
);

impl std::fmt::Debug for DetectionOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DetectionOp")
    }
}

/// A live session, as `/api/v1/sessions/live` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSession {
    /// The configured server name.
    pub server_name: String,
    /// The play.
    pub event: PlaybackEvent,
}

/// The pipeline's handles.
#[derive(Debug, Clone)]
pub struct PipelineHandle {
    tx: mpsc::Sender<Input>,
    metrics: Arc<Metrics>,
}

impl PipelineHandle {
    /// Sends an input, waiting while the pipeline is busy (counted as back-pressure).
    pub async fn send(&self, input: Input, source: &str) -> bool {
        match self.tx.try_send(input) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(input)) => {
                self.metrics
                    .events_backpressured
                    .get_or_create(&crate::metrics::SourceLabels {
                        source: source.to_owned(),
                    })
                    .inc();
                self.tx.send(input).await.is_ok()
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// What is playing now on every server.
    pub async fn live(&self) -> Vec<LiveSession> {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Input::Live(tx)).await.is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Runs `f` on the detection engine inside the pipeline task and returns its
    /// answer (`None` when the pipeline is not running). Trust changes `f` returns are
    /// stored in the ledger (with `actor`) and published on the hub.
    pub async fn detection<T: Send + 'static>(
        &self,
        actor: Option<String>,
        f: impl FnOnce(
                Option<&mut cartographus_detect::Engine>,
                chrono::DateTime<Utc>,
            ) -> (T, Vec<cartographus_detect::TrustChange>)
            + Send
            + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        let op = DetectionOp(Box::new(move |engine, now| {
            let (answer, changes) = f(engine, now);
            let _ = tx.send(answer);
            changes
        }));
        self.tx.send(Input::Detection { op, actor }).await.ok()?;
        rx.await.ok()
    }

    /// Stops a stream with a message to the viewer.
    pub async fn terminate(
        &self,
        server: ServerId,
        session_key: SessionKey,
        message: String,
    ) -> Result<(), String> {
        let (reply, rx) = oneshot::channel();
        let input = Input::Terminate {
            server,
            session_key,
            message,
            reply,
        };
        if self.tx.send(input).await.is_err() {
            return Err("the pipeline is not running".into());
        }
        rx.await
            .unwrap_or_else(|_| Err("the pipeline stopped".into()))
    }
}

/// The longest time between two looks at whether the WAL needs compacting.
pub const UPKEEP_MAX: Duration = Duration::from_secs(60);

/// Plays on their way to another store path (NATS JetStream), each with its WAL
/// position when it has one.
#[derive(Debug)]
pub struct Forward {
    /// The plays.
    pub plays: Vec<PlaybackEvent>,
    /// Their WAL positions (same length), `None` when not journaled.
    pub seqs: Vec<Option<u64>>,
}

/// Where the pipeline sends plays instead of the writer (the NATS publisher).
pub type Forwarder = mpsc::Sender<Forward>;

/// Everything the pipeline task needs besides its core.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The store writer.
    pub writer: Writer,
    /// The write-ahead log accepted plays go to first.
    pub journal: Journal,
    /// With NATS: plays go there (and reach the store through its consumer).
    pub forward: Option<Forwarder>,
    /// The live hub.
    pub hub: Hub,
    /// Alert notifications.
    pub notifier: Notifier,
    /// Metrics.
    pub metrics: Arc<Metrics>,
}

/// Starts the pipeline task; returns its handle.
pub fn spawn(
    core: PipelineCore,
    outputs: Outputs,
) -> (PipelineHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(4_096);
    let handle = PipelineHandle {
        tx,
        metrics: outputs.metrics.clone(),
    };
    let task = tokio::spawn(run(core, rx, outputs));
    (handle, task)
}

struct Runtime {
    core: PipelineCore,
    outputs: Outputs,
    clients: HashMap<ServerId, ServerClient>,
    remote_ids: HashMap<(ServerId, SessionKey), RemoteSessionId>,
}

async fn run(core: PipelineCore, mut rx: mpsc::Receiver<Input>, outputs: Outputs) {
    let mut rt = Runtime {
        core,
        outputs,
        clients: HashMap::new(),
        remote_ids: HashMap::new(),
    };
    loop {
        let wait = rt
            .core
            .poll_timeout()
            .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::from_secs(30))
            .min(Duration::from_secs(30));
        let input = tokio::select! {
            input = rx.recv() => match input {
                Some(i) => Some(i),
                None => break,
            },
            _ = tokio::time::sleep(wait) => None,
        };
        let now = Utc::now();
        match input {
            Some(i) => rt.handle_input(i, now).await,
            None => rt.core.handle_timeout(now),
        }
        rt.execute().await;
    }
    rt.outputs.writer.flush().await;
}

impl Runtime {
    async fn handle_input(&mut self, input: Input, now: chrono::DateTime<Utc>) {
        match input {
            Input::Register {
                source,
                server,
                name,
                client,
            } => {
                self.core.add_server(source, server.clone(), name);
                self.clients.insert(server, client);
            }
            Input::Snapshot { server, sessions } => {
                let mut snaps: Vec<SessionSnapshot> = Vec::with_capacity(sessions.len());
                for s in sessions {
                    if let Some(id) = s.remote_id {
                        self.remote_ids
                            .insert((server.clone(), s.snapshot.session_key.clone()), id);
                    }
                    snaps.push(s.snapshot);
                }
                self.core.handle_snapshot(&server, &snaps, now);
            }
            Input::Notification {
                server,
                notification,
            } => {
                if let Err(e) = self.core.handle_notification(&server, &notification, now) {
                    tracing::debug!(%server, error = %e, "notification for an unknown session");
                }
            }
            Input::Imported(events) => self.core.handle_imported(events, now),
            Input::Live(reply) => {
                let live = self
                    .core
                    .live()
                    .into_iter()
                    .map(|(server_name, event)| LiveSession { server_name, event })
                    .collect();
                let _ = reply.send(live);
            }
            Input::Terminate {
                server,
                session_key,
                message,
                reply,
            } => {
                let _ = reply.send(self.terminate(&server, &session_key, &message).await);
            }
            Input::Detection { op, actor } => {
                let changes = (op.0)(self.core.engine(), now);
                for change in &changes {
                    let mut stored = trust_change(change);
                    stored.actor = actor.clone();
                    self.outputs
                        .writer
                        .send(WriteOp::Trust(stored), "operator")
                        .await;
                    self.outputs.hub.publish(MessageType::TrustChanged, change);
                }
            }
        }
    }

    /// Takes the plays out of `effects`, journals them and queues them for the store (or
    /// hands them to NATS); returns the rest.
    async fn journal_plays(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let (mut appends, mut updates, mut rest) = (Vec::new(), Vec::new(), Vec::new());
        for effect in effects {
            match effect {
                Effect::Append(e) | Effect::Duplicate { event: e, .. } => appends.push(e),
                Effect::Update(e) => updates.push(e),
                other => rest.push(other),
            }
        }
        if appends.is_empty() && updates.is_empty() {
            return rest;
        }
        let split = appends.len();
        let source = appends
            .first()
            .or(updates.first())
            .map_or("pipeline", |e| e.identity.source.as_str());
        appends.append(&mut updates);
        let journal = self.outputs.journal.clone();
        let now = Utc::now();
        let (mut plays, receipt) = match tokio::task::spawn_blocking(move || {
            let receipt = journal.record(&appends, now);
            (appends, receipt)
        })
        .await
        {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(error = %e, "journaling plays panicked");
                std::process::abort();
            }
        };
        if let Some(forward) = &self.outputs.forward {
            let seqs = receipt.per_play(plays.len());
            if forward.send(Forward { plays, seqs }).await.is_err() {
                tracing::error!("the NATS publisher stopped; the WAL keeps the plays");
            }
            return rest;
        }
        let updates = plays.split_off(split);
        let op = WriteOp::Journaled(Box::new(Journaled {
            appends: plays,
            updates,
            receipt,
        }));
        self.outputs.writer.send(op, source).await;
        rest
    }

    async fn terminate(
        &self,
        server: &ServerId,
        key: &SessionKey,
        message: &str,
    ) -> Result<(), String> {
        let client = self
            .clients
            .get(server)
            .ok_or_else(|| format!("no client for server {server}"))?;
        let remote = self
            .remote_ids
            .get(&(server.clone(), key.clone()))
            .cloned()
            .or_else(|| RemoteSessionId::new(key.as_str()).ok())
            .ok_or_else(|| "no session id".to_owned())?;
        client
            .terminate(&remote, message)
            .await
            .map_err(|e| e.to_string())
    }

    /// Carries out the core's effects. With a write-ahead log, the plays among them are
    /// journaled first, in one fsynced commit, and queued for the store as one op: only
    /// then are they published.
    async fn execute(&mut self) {
        let mut effects = Vec::new();
        while let Some(effect) = self.core.poll_effect() {
            effects.push(effect);
        }
        if self.outputs.journal.is_on() || self.outputs.forward.is_some() {
            effects = self.journal_plays(effects).await;
        }
        for effect in effects {
            let o = &self.outputs;
            match effect {
                Effect::Append(e) | Effect::Duplicate { event: e, .. } => {
                    let source = e.identity.source.as_str();
                    o.writer.send(WriteOp::Append(e), source).await;
                }
                Effect::Update(e) => {
                    let source = e.identity.source.as_str();
                    o.writer.send(WriteOp::Update(e), source).await;
                }
                Effect::Discard(id) => {
                    o.writer.send(WriteOp::Discard(id), "pipeline").await;
                }
                Effect::Live(update) => o.hub.publish(MessageType::Playback, &update),
                Effect::Alert(alert) => {
                    let now = Utc::now();
                    o.writer
                        .send(WriteOp::Alert(alert_record(&alert, now)), "detection")
                        .await;
                    for change in &alert.trust {
                        o.writer
                            .send(WriteOp::Trust(trust_change(change)), "detection")
                            .await;
                        o.hub.publish(MessageType::TrustChanged, change);
                    }
                    o.metrics
                        .findings
                        .get_or_create(&crate::metrics::RuleLabels {
                            rule: alert.finding.rule.as_str().to_owned(),
                        })
                        .inc();
                    o.hub.publish(MessageType::DetectionAlert, &*alert);
                    o.notifier.notify(Arc::new(*alert));
                }
                Effect::Terminate {
                    server,
                    session_key,
                    message,
                } => {
                    if let Err(e) = self.terminate(&server, &session_key, &message).await {
                        tracing::warn!(%server, %session_key, error = %e, "terminate failed");
                    }
                }
                Effect::Rejected { server, error } => {
                    tracing::debug!(%server, %error, "session not tracked");
                }
            }
        }
    }
}

/// How to reach one configured media server.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Plex, Jellyfin or Emby.
    pub platform: cartographus_core::Platform,
    /// The configured name.
    pub name: String,
    /// Base URL.
    pub url: String,
    /// Token / API key.
    pub token: String,
    /// Poll interval.
    pub poll_interval: Duration,
}

/// Runs one media server's watch loop until it ends; returns an error to be restarted
/// by the supervisor.
pub async fn run_source(
    spec: SourceSpec,
    pipeline: PipelineHandle,
    hub: Hub,
    metrics: Arc<Metrics>,
) -> Result<(), ClientError> {
    let mut config = ClientConfig::new(spec.url.clone(), ClientSecret::new(spec.token.clone()));
    config.poll_interval = spec.poll_interval;
    let labels = ServerLabels {
        server: spec.name.clone(),
    };
    let (source, identity, client, mut watch) = match spec.platform {
        cartographus_core::Platform::Plex => {
            // The watch loop owns one client; commands (terminate) use another, so a
            // failing watch never opens the circuit breaker of an operator's command.
            let c = PlexClient::new(config.clone())?;
            let id = c.identity().await?;
            let w = watch_plex(PlexClient::new(config)?);
            (Source::Plex, id, ServerClient::Plex(Arc::new(c)), w)
        }
        cartographus_core::Platform::Jellyfin | cartographus_core::Platform::Emby => {
            let make = |config: ClientConfig| {
                if spec.platform == cartographus_core::Platform::Jellyfin {
                    MediaBrowserClient::jellyfin(config)
                } else {
                    MediaBrowserClient::emby(config)
                }
            };
            let source = if spec.platform == cartographus_core::Platform::Jellyfin {
                Source::Jellyfin
            } else {
                Source::Emby
            };
            let c = make(config.clone())?;
            let id = c.identity().await?;
            let w = watch_media_browser(make(config)?);
            (source, id, ServerClient::MediaBrowser(Arc::new(c)), w)
        }
    };
    let server = identity.server_id.clone();
    pipeline
        .send(
            Input::Register {
                source,
                server: server.clone(),
                name: spec.name.clone(),
                client,
            },
            source.as_str(),
        )
        .await;
    while let Some(event) = watch.next().await {
        match event {
            SourceEvent::Snapshot(sessions) => {
                let input = Input::Snapshot {
                    server: server.clone(),
                    sessions,
                };
                if !pipeline.send(input, source.as_str()).await {
                    return Ok(());
                }
            }
            SourceEvent::Notification(n) => {
                let input = Input::Notification {
                    server: server.clone(),
                    notification: n,
                };
                if !pipeline.send(input, source.as_str()).await {
                    return Ok(());
                }
            }
            SourceEvent::Connected { websocket } => {
                metrics.source_connected.get_or_create(&labels).set(1);
                hub.publish(
                    MessageType::SourceStatus,
                    &serde_json::json!({ "server": spec.name, "connected": true, "websocket": websocket }),
                );
            }
            SourceEvent::Disconnected { error, retry_in } => {
                metrics.source_connected.get_or_create(&labels).set(0);
                hub.publish(
                    MessageType::SourceStatus,
                    &serde_json::json!({
                        "server": spec.name,
                        "connected": false,
                        "error": error.to_string(),
                        "retry_in_s": retry_in.as_secs(),
                    }),
                );
            }
            SourceEvent::Skipped(e) => {
                tracing::debug!(server = %spec.name, error = %e, "skipped a frame");
            }
            other => {
                tracing::debug!(server = %spec.name, event = ?other, "unhandled source event");
            }
        }
    }
    Ok(())
}

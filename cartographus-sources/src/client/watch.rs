//! The live loop of one server: a [`Watch`] is a `Stream` of [`SourceEvent`]s —
//! session lists (to hand to `SessionTracker::handle_snapshot`) and pushed changes (to
//! `handle_notification`) — fed by the WebSocket when it is up and by polling when it
//! is not, with a reconciliation poll while it is up, reconnects with jittered
//! exponential backoff (1 s → 60 s) and `Retry-After` honoured.
//!
//! Cancel safety: [`Watch`] is a stream over a channel, so `next()` is cancel-safe:
//! dropping a pending `next()` loses nothing. Dropping the `Watch` stops its task.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use cartographus_core::{Platform, SessionKey, SessionNotification};
use futures_util::{SinkExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::api::{MediaBrowserClient, PlexClient};
use super::config::{ClientConfig, TlsTrust};
use super::error::ClientError;
use crate::backoff::Backoff;
use crate::error::DecodeError;
use crate::mediabrowser::{keep_alive, sessions_start, SocketMessage};
use crate::plex::PlexNotification;
use crate::remote::RemoteSession;
use crate::{emby, jellyfin, plex};

/// What a watched server reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceEvent {
    /// Every session playing now: a snapshot for the tracker.
    Snapshot(Vec<RemoteSession>),
    /// One pushed change.
    Notification(Box<SessionNotification>),
    /// The server answered again (after the start or a failure); `websocket` says
    /// whether pushes arrive or the loop polls.
    Connected {
        /// Whether the WebSocket is up.
        websocket: bool,
    },
    /// A request or the socket failed; the loop retries after `retry_in`.
    Disconnected {
        /// What failed.
        error: ClientError,
        /// When the loop tries again.
        retry_in: Duration,
    },
    /// A frame could not be decoded and was skipped.
    Skipped(DecodeError),
}

/// A running watch loop (see the module docs).
#[derive(Debug)]
pub struct Watch {
    rx: mpsc::Receiver<SourceEvent>,
    task: JoinHandle<()>,
}

impl Stream for Watch {
    type Item = SourceEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The client a watch loop drives.
#[derive(Debug)]
enum Live {
    Plex(PlexClient),
    MediaBrowser(MediaBrowserClient),
}

impl Live {
    fn config(&self) -> &ClientConfig {
        match self {
            Live::Plex(c) => c.config(),
            Live::MediaBrowser(c) => c.config(),
        }
    }

    async fn sessions(&self) -> Result<Vec<RemoteSession>, ClientError> {
        match self {
            Live::Plex(c) => c.sessions().await,
            Live::MediaBrowser(c) => c.sessions().await,
        }
    }

    fn socket_url(&self) -> Option<String> {
        let cfg = self.config();
        if !cfg.use_websocket || cfg.tls != TlsTrust::WebPki {
            return None;
        }
        let base = if let Some(rest) = cfg.base_url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = cfg.base_url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            return None;
        };
        let token = encode_query(cfg.token.expose());
        let device = encode_query(&cfg.client_id);
        Some(match self {
            Live::Plex(_) => format!("{base}/:/websockets/notifications?X-Plex-Token={token}"),
            Live::MediaBrowser(c) if c.platform() == Platform::Emby => {
                format!("{base}/embywebsocket?api_key={token}&deviceId={device}")
            }
            Live::MediaBrowser(_) => format!("{base}/socket?api_key={token}&deviceId={device}"),
        })
    }
}

/// Watches a Plex server.
pub fn watch_plex(client: PlexClient) -> Watch {
    spawn(Live::Plex(client))
}

/// Watches a Jellyfin or Emby server.
pub fn watch_media_browser(client: MediaBrowserClient) -> Watch {
    spawn(Live::MediaBrowser(client))
}

fn spawn(live: Live) -> Watch {
    let (tx, rx) = mpsc::channel(256);
    let task = tokio::spawn(run(live, tx));
    Watch { rx, task }
}

/// Why the socket loop ended.
enum SocketEnd {
    Closed(ClientError),
    ReceiverGone,
}

async fn run(live: Live, tx: mpsc::Sender<SourceEvent>) {
    let seed = live
        .config()
        .base_url
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60), seed);
    let mut connected = false;
    loop {
        match live.sessions().await {
            Ok(s) => {
                backoff.reset();
                if tx.send(SourceEvent::Snapshot(s)).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                connected = false;
                let retry_in = retry_delay(&error, &mut backoff);
                if tx
                    .send(SourceEvent::Disconnected { error, retry_in })
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(retry_in).await;
                continue;
            }
        }
        let socket = match live.socket_url() {
            Some(url) => tokio_tungstenite::connect_async(url.as_str()).await.ok(),
            None => None,
        };
        let Some((ws, _)) = socket else {
            if !connected {
                connected = true;
                if tx
                    .send(SourceEvent::Connected { websocket: false })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            tokio::time::sleep(live.config().poll_interval).await;
            continue;
        };
        if tx
            .send(SourceEvent::Connected { websocket: true })
            .await
            .is_err()
        {
            return;
        }
        match socket_loop(&live, ws, &tx).await {
            SocketEnd::ReceiverGone => return,
            SocketEnd::Closed(error) => {
                connected = false;
                let retry_in = backoff.next_delay();
                if tx
                    .send(SourceEvent::Disconnected { error, retry_in })
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(retry_in).await;
            }
        }
    }
}

fn retry_delay(error: &ClientError, backoff: &mut Backoff) -> Duration {
    let step = backoff.next_delay();
    match error {
        ClientError::RetryLater {
            retry_after: Some(after),
            ..
        } => step.max(*after),
        _ => step,
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket_loop(live: &Live, mut ws: Socket, tx: &mpsc::Sender<SourceEvent>) -> SocketEnd {
    let cfg = live.config();
    if let Live::MediaBrowser(_) = live {
        if let Err(e) = ws.send(Message::text(sessions_start(0, 1500))).await {
            return SocketEnd::Closed(ClientError::WebSocket(Box::new(e)));
        }
    }
    // The first tick is immediate: a poll right after subscribing catches whatever
    // started between the loop's last poll and the subscription (no push announces it).
    let mut reconcile = tokio::time::interval(cfg.reconcile_interval);
    let mut keep_alive_every = Duration::from_secs(30);
    let mut keep_alive_timer = tokio::time::interval(keep_alive_every);
    keep_alive_timer.tick().await;
    let mut known: BTreeSet<SessionKey> = BTreeSet::new();
    loop {
        tokio::select! {
            _ = reconcile.tick() => {
                match live.sessions().await {
                    Ok(s) => {
                        known = s.iter().map(|s| s.snapshot.session_key.clone()).collect();
                        if tx.send(SourceEvent::Snapshot(s)).await.is_err() {
                            return SocketEnd::ReceiverGone;
                        }
                    }
                    Err(e) => return SocketEnd::Closed(e),
                }
            }
            _ = keep_alive_timer.tick() => {
                let msg = match live {
                    Live::Plex(_) => Message::Ping(Vec::new().into()),
                    Live::MediaBrowser(_) => Message::text(keep_alive()),
                };
                if let Err(e) = ws.send(msg).await {
                    return SocketEnd::Closed(ClientError::WebSocket(Box::new(e)));
                }
            }
            frame = ws.next() => {
                let text = match frame {
                    None => return SocketEnd::Closed(ClientError::WebSocket("the server closed the socket".into())),
                    Some(Err(e)) => return SocketEnd::Closed(ClientError::WebSocket(Box::new(e))),
                    Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(b))) => b.to_vec(),
                    Some(Ok(Message::Close(_))) => {
                        return SocketEnd::Closed(ClientError::WebSocket("the server closed the socket".into()))
                    }
                    Some(Ok(_)) => continue,
                };
                let events = match live {
                    Live::Plex(_) => plex_frame(live, &text, &mut known).await,
                    Live::MediaBrowser(c) => {
                        let decoded = match c.platform() {
                            Platform::Emby => emby::decode_message(&text),
                            _ => jellyfin::decode_message(&text),
                        };
                        match decoded {
                            Ok(SocketMessage::Sessions(s)) => vec![SourceEvent::Snapshot(s)],
                            Ok(SocketMessage::ForceKeepAlive { timeout_s: Some(t) }) if t > 1 => {
                                keep_alive_every = Duration::from_secs(u64::from(t / 2));
                                keep_alive_timer = tokio::time::interval(keep_alive_every);
                                keep_alive_timer.tick().await;
                                Vec::new()
                            }
                            Ok(_) => Vec::new(),
                            Err(e) => vec![SourceEvent::Skipped(e)],
                        }
                    }
                };
                for ev in events {
                    if tx.send(ev).await.is_err() {
                        return SocketEnd::ReceiverGone;
                    }
                }
            }
        }
    }
}

/// A Plex frame: `playing` entries become notifications; one naming a session the last
/// poll did not show triggers a poll, so the tracker gets its full description.
async fn plex_frame(
    live: &Live,
    text: &[u8],
    known: &mut BTreeSet<SessionKey>,
) -> Vec<SourceEvent> {
    let list = match plex::decode_notification(text) {
        Ok(PlexNotification::Playing(list)) => list,
        Ok(_) => return Vec::new(),
        Err(e) => return vec![SourceEvent::Skipped(e)],
    };
    let mut out = Vec::new();
    let unknown = list.iter().any(|p| !known.contains(&p.session_key));
    if unknown {
        if let Ok(s) = live.sessions().await {
            *known = s.iter().map(|s| s.snapshot.session_key.clone()).collect();
            out.push(SourceEvent::Snapshot(s));
        }
    }
    out.extend(
        list.iter()
            .map(|p| SourceEvent::Notification(Box::new(p.notification()))),
    );
    out
}

fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

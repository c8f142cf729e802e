//! The live hub behind `/ws`: one broadcast channel of pre-serialised envelopes
//! `{"type": …, "data": …}`. Publishing never waits: a client that falls more than the
//! channel's capacity behind is dropped (it reconnects and reloads), so a slow browser
//! can never hold up the pipeline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

/// How many messages a client may fall behind before it is dropped.
pub const CLIENT_BACKLOG: usize = 1024;

/// The message types the hub sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// A play started, paused, resumed, progressed or stopped.
    Playback,
    /// The full list of live sessions of one server.
    SessionSnapshot,
    /// A detection finding became an alert.
    DetectionAlert,
    /// A user's trust score changed.
    TrustChanged,
    /// A history import advanced.
    ImportProgress,
    /// A media server connected or disconnected.
    SourceStatus,
    /// Keep-alive from the server.
    Ping,
    /// Answer to a client's ping.
    Pong,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: MessageType,
    data: &'a T,
}

/// Serialises one envelope.
pub fn envelope<T: Serialize>(kind: MessageType, data: &T) -> String {
    serde_json::to_string(&Envelope { kind, data })
        .unwrap_or_else(|_| format!("{{\"type\":{},\"data\":null}}", serde_json::json!(kind)))
}

/// The hub. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<str>>,
    dropped: Arc<AtomicU64>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(CLIENT_BACKLOG)
    }
}

impl Hub {
    /// A hub whose clients may fall `backlog` messages behind.
    pub fn new(backlog: usize) -> Self {
        let (tx, _) = broadcast::channel(backlog.max(1));
        Self {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sends a message to every connected client; never waits.
    pub fn publish<T: Serialize>(&self, kind: MessageType, data: &T) {
        let _ = self.tx.send(envelope(kind, data).into());
    }

    /// A new client's feed.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.tx.subscribe(),
            dropped: self.dropped.clone(),
        }
    }

    /// Connected clients.
    pub fn clients(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Clients dropped for being too slow, since start.
    pub fn dropped_clients(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// One client's feed.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Arc<str>>,
    dropped: Arc<AtomicU64>,
}

impl Subscription {
    /// The next message, or `None` when the client fell too far behind (drop it) or the
    /// hub is gone. Cancel-safe.
    pub async fn next(&mut self) -> Option<Arc<str>> {
        match self.rx.recv().await {
            Ok(m) => Some(m),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_clients_are_dropped_not_waited_for() {
        let hub = Hub::new(4);
        let mut fast = hub.subscribe();
        let mut slow = hub.subscribe();
        for i in 0..3 {
            hub.publish(MessageType::Ping, &i);
            assert_eq!(
                &*fast.next().await.unwrap(),
                format!("{{\"type\":\"ping\",\"data\":{i}}}")
            );
        }
        for i in 3..20 {
            hub.publish(MessageType::Playback, &serde_json::json!({ "n": i }));
        }
        assert!(slow.next().await.is_none(), "the slow client lagged");
        assert_eq!(hub.dropped_clients(), 1);
        assert_eq!(hub.clients(), 2);
    }
}

//! Alert notifications: Discord (webhook embed) and a generic JSON webhook (optionally
//! HMAC-signed). The notifier runs as its own task fed by a bounded queue that detection
//! never waits on: when the queue is full the alert is counted as dropped (it is still
//! stored and shown in the UI). Each sink is rate-limited (one message per second at most)
//! and retried with exponential backoff on network errors, 5xx and 429 (honouring
//! `Retry-After`).

mod payload;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cartographus_detect::Alert;
use tokio::sync::mpsc;

pub use payload::{
    discord, generic, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_SCHEMA_VERSION,
};

use crate::config::Secret;

/// Where alerts go.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Sink {
    /// A Discord webhook URL.
    Discord {
        /// The URL (a secret: it grants posting rights).
        url: Secret,
    },
    /// A generic JSON webhook.
    Webhook {
        /// The URL.
        url: Secret,
        /// HMAC key for the signature header.
        secret: Option<Secret>,
    },
}

/// Retry and pacing settings.
///
/// ## Defaults
/// - `attempts`: 5, with backoff from `initial_backoff` 1 s doubling
/// - `min_interval`: 1 s between messages to one sink
/// - `timeout`: 10 s per request
/// - `queue`: 256 alerts
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct NotifyConfig {
    /// Tries per message.
    pub attempts: u32,
    /// First retry delay.
    pub initial_backoff: Duration,
    /// Least time between two messages to one sink.
    pub min_interval: Duration,
    /// Request timeout.
    pub timeout: Duration,
    /// Queue length.
    pub queue: usize,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            attempts: 5,
            initial_backoff: Duration::from_secs(1),
            min_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            queue: 256,
        }
    }
}

/// Counters of the notifier.
#[derive(Debug, Default)]
pub struct NotifyStats {
    /// Messages delivered.
    pub sent: AtomicU64,
    /// Messages given up on after every retry.
    pub failed: AtomicU64,
    /// Alerts dropped because the queue was full.
    pub dropped: AtomicU64,
}

/// The sending side, held by the pipeline. Never blocks.
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: Option<mpsc::Sender<Arc<Alert>>>,
    stats: Arc<NotifyStats>,
}

impl Notifier {
    /// A notifier that sends nowhere (no sink configured).
    pub fn disabled() -> Self {
        Self {
            tx: None,
            stats: Arc::default(),
        }
    }

    /// Starts the notifier task for `sinks`; returns the handle to feed it.
    pub fn spawn(sinks: Vec<Sink>, config: NotifyConfig) -> Self {
        if sinks.is_empty() {
            return Self::disabled();
        }
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let stats = Arc::new(NotifyStats::default());
        tokio::spawn(run(sinks, config, rx, stats.clone()));
        Self {
            tx: Some(tx),
            stats,
        }
    }

    /// Queues an alert; drops it (counted) if the queue is full.
    pub fn notify(&self, alert: Arc<Alert>) {
        if let Some(tx) = &self.tx {
            if tx.try_send(alert).is_err() {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The counters.
    pub fn stats(&self) -> &NotifyStats {
        &self.stats
    }
}

async fn run(
    sinks: Vec<Sink>,
    config: NotifyConfig,
    mut rx: mpsc::Receiver<Arc<Alert>>,
    stats: Arc<NotifyStats>,
) {
    let client = match reqwest::Client::builder().timeout(config.timeout).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the notification HTTP client");
            return;
        }
    };
    let mut last_sent: Vec<Option<tokio::time::Instant>> = vec![None; sinks.len()];
    while let Some(alert) = rx.recv().await {
        for (i, sink) in sinks.iter().enumerate() {
            if let Some(t) = last_sent[i] {
                tokio::time::sleep_until(t + config.min_interval).await;
            }
            let ok = deliver(&client, sink, &alert, &config).await;
            last_sent[i] = Some(tokio::time::Instant::now());
            let counter = if ok { &stats.sent } else { &stats.failed };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends one alert to one sink with retries; returns whether it was delivered.
async fn deliver(
    client: &reqwest::Client,
    sink: &Sink,
    alert: &Alert,
    config: &NotifyConfig,
) -> bool {
    let (url, body, secret) = match sink {
        Sink::Discord { url } => (url, discord(alert), None),
        Sink::Webhook { url, secret } => (url, generic(alert), secret.as_ref()),
    };
    let body = match serde_json::to_vec(&body) {
        Ok(b) => b,
        Err(_) => return false,
    };
    let mut backoff = config.initial_backoff;
    for attempt in 1..=config.attempts.max(1) {
        let timestamp = chrono::Utc::now().timestamp();
        let mut req = client
            .post(url.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        if let Some(key) = secret {
            req = req.header(TIMESTAMP_HEADER, timestamp.to_string()).header(
                SIGNATURE_HEADER,
                sign(key.expose().as_bytes(), timestamp, &body),
            );
        }
        let wait = match req.send().await {
            Ok(resp) if resp.status().is_success() => return true,
            Ok(resp) => {
                let status = resp.status();
                if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                    tracing::warn!(%status, "notification refused; not retrying");
                    return false;
                }
                retry_after(&resp).unwrap_or(backoff)
            }
            // The URL is a secret: log the kind of error only.
            Err(e) => {
                tracing::warn!(
                    attempt,
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "notification failed"
                );
                backoff
            }
        };
        if attempt < config.attempts {
            tokio::time::sleep(wait.min(Duration::from_secs(300))).await;
            backoff *= 2;
        }
    }
    false
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

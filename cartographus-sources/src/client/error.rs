//! What can go wrong talking to a media server.

use std::time::Duration;

use crate::error::DecodeError;
use crate::tautulli::TautulliApiError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL or a path could not be turned into a URL.
    #[error("invalid URL {url:?}")]
    InvalidUrl {
        /// The URL as built (without the token).
        url: String,
    },
    /// The TLS settings could not be applied (e.g. an unreadable CA).
    #[error("TLS setup failed")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The server did not answer within the timeout.
    #[error("request timed out")]
    Timeout,
    /// The connection failed (refused, reset, DNS, TLS handshake).
    #[error("connection failed")]
    Connect(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The token was refused (HTTP 401 or 403).
    #[error("the server refused the token (HTTP {status})")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },
    /// The server is overloaded and asked to wait (HTTP 429 or 503).
    #[error("the server asked to retry later (HTTP {status})")]
    RetryLater {
        /// 429 or 503.
        status: u16,
        /// Its `Retry-After`, if given in seconds.
        retry_after: Option<Duration>,
    },
    /// Any other unexpected status.
    #[error("unexpected HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The circuit breaker of this server is open.
    #[error("circuit open: too many recent failures")]
    CircuitOpen,
    /// The answer is not the expected format.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Tautulli answered with an error envelope.
    #[error(transparent)]
    Tautulli(#[from] TautulliApiError),
    /// A WebSocket could not be opened or broke.
    #[error("WebSocket failed")]
    WebSocket(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ClientError {
    /// Whether retrying later may help (everything but a refused token, a bad URL or
    /// bad TLS settings).
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            ClientError::InvalidUrl { .. } | ClientError::Tls(_) | ClientError::Unauthorized { .. }
        )
    }
}

//! How to reach one media server: its address, its token (never printed), timeouts,
//! the polling cadence and the TLS trust to use.

use std::fmt;
use std::time::Duration;

/// A secret (token, API key) that never appears in `Debug` output or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for building a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which certificates a client trusts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsTrust {
    /// The public web PKI (webpki roots).
    #[default]
    WebPki,
    /// The web PKI plus one extra CA (PEM), for a home server's own CA.
    CustomCa {
        /// The CA certificate, PEM-encoded.
        pem: Vec<u8>,
    },
    /// No verification at all: only for a self-signed home server, chosen explicitly.
    /// WebSockets are not opened in this mode; the client polls instead.
    DangerSkipVerify,
}

/// How to reach one server.
///
/// ## Defaults
/// - `timeout`: 10 s for every request.
/// - `poll_interval`: 10 s while no WebSocket is up.
/// - `reconcile_interval`: 60 s — a full poll while the WebSocket is up, so a missed
///   push is corrected within a minute.
/// - `tls`: the web PKI.
/// - `use_websocket`: true.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The server's base URL (`http://192.168.1.10:32400`, `https://jf.example.org`),
    /// without a trailing slash; for Emby, `/emby` may be part of it.
    pub base_url: String,
    /// The Plex token, Jellyfin/Emby API key or Tautulli API key.
    pub token: Secret,
    /// The timeout of every request.
    pub timeout: Duration,
    /// The polling interval while no WebSocket is up.
    pub poll_interval: Duration,
    /// The full-poll interval while the WebSocket is up.
    pub reconcile_interval: Duration,
    /// TLS trust.
    pub tls: TlsTrust,
    /// Whether to subscribe over the WebSocket at all.
    pub use_websocket: bool,
    /// The client identifier sent to Plex (`X-Plex-Client-Identifier`) and as the
    /// Jellyfin/Emby device id.
    pub client_id: String,
}

impl ClientConfig {
    /// A configuration with the defaults.
    pub fn new(base_url: impl Into<String>, token: Secret) -> Self {
        let base_url: String = base_url.into();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(10),
            reconcile_interval: Duration::from_secs(60),
            tls: TlsTrust::WebPki,
            use_websocket: true,
            client_id: "cartographus".to_owned(),
        }
    }
}

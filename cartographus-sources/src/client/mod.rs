//! Live clients (feature `client`): `reqwest` with rustls for requests,
//! `tokio-tungstenite` for the WebSocket subscriptions, and the [`Watch`] loop that
//! turns one server into a stream of snapshots and notifications.
//!
//! Per server: auth headers (Plex `X-Plex-Token` + `X-Plex-Client-Identifier` +
//! `Accept: application/json`; Jellyfin `Authorization: MediaBrowser … Token="…"`;
//! Emby `X-Emby-Token`; Tautulli `apikey`), a timeout on every request, a circuit
//! breaker, `Retry-After` honoured on 429/503, reconnects with jittered exponential
//! backoff, TLS with the web PKI, an extra CA, or (explicitly) no verification.

mod api;
mod config;
mod error;
mod http;
mod watch;

pub use api::{ImportProgress, MediaBrowserClient, PlexClient, TautulliClient};
pub use config::{ClientConfig, Secret, TlsTrust};
pub use error::ClientError;
pub use watch::{watch_media_browser, watch_plex, SourceEvent, Watch};

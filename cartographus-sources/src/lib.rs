//! # cartographus-sources
//!
//! Turns what Plex, Jellyfin, Emby and Tautulli say into the types of
//! [`cartographus_core`]: live session lists become [`SessionSnapshot`]s for the
//! session tracker, pushed changes (WebSocket frames, webhooks) become
//! [`SessionNotification`]s, and play history (Plex's own, Tautulli's) becomes
//! [`PlaybackEvent`]s, with the full field set: who, what, from which address (no
//! port, IPv6 unbracketed), on which device, and how it was delivered (direct play,
//! copy or transcode, per stream).
//!
//! Every decoder is a pure function from bytes to typed values. A failure is a
//! [`DecodeError`] that names the JSON path of the value that broke it
//! (`MediaContainer.Metadata[2].sessionKey`). Real servers type loosely — numbers as
//! strings, `0`/`1`/`"True"` booleans, empty strings for "none", GUIDs with and
//! without dashes — and the decoders accept all of it. Unknown message types are
//! ignored, never errors. Every decoder is fuzzed (see [`fuzzing`]).
//!
//! One public module per platform: [`plex`], [`jellyfin`], [`emby`], [`tautulli`];
//! the types they share are re-exported here.
//!
//! ## What this crate does not do
//! - The decoders perform no I/O and read no clock: they never open a socket, spawn a
//!   task or call `now()`. Timing (when a session started, how long it played) is the
//!   session tracker's job in `cartographus-core`.
//! - It does not track sessions, deduplicate, geolocate, store or judge plays.
//! - It does not read XML: ask Plex for JSON (`Accept: application/json`).
//! - It does not read Tautulli's SQLite database (`cartographus-store` imports that).
//!
//! ## Example
//! ```
//! use cartographus_core::{PlaybackState, ServerId, SessionTracker, Source, TrackerConfig};
//! use cartographus_sources::{plex, RemoteSession};
//! use chrono::{TimeZone, Utc};
//!
//! let body = br#"{"MediaContainer": {"size": 1, "Metadata": [{
//!     "sessionKey": "41", "ratingKey": "48213", "type": "movie", "title": "Heat",
//!     "viewOffset": "3512000", "duration": 8880000,
//!     "User": {"id": "8008135", "title": "dany"},
//!     "Player": {"address": "203.0.113.77", "machineIdentifier": "tv-1",
//!                "state": "paused", "local": false},
//!     "Session": {"id": "93h7e00ncblxncqw9lkfaoxi", "bandwidth": 21000, "location": "wan"}
//! }]}}"#;
//! let sessions = plex::decode_sessions(body)?;
//! let s = &sessions[0].snapshot;
//! assert_eq!(s.state, PlaybackState::Paused);
//! assert_eq!(s.view_offset_ms, Some(3_512_000));
//! assert_eq!(s.network.ip, Some("203.0.113.77".parse()?));
//! // The id `/status/sessions/terminate?sessionId=` takes.
//! assert_eq!(sessions[0].remote_id.as_ref().unwrap().as_str(), "93h7e00ncblxncqw9lkfaoxi");
//!
//! let mut tracker = SessionTracker::new(Source::Plex, "my-plex".parse::<ServerId>()?, TrackerConfig::default());
//! let now = Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap();
//! assert!(tracker.handle_snapshot(&RemoteSession::snapshots(&sessions), now).is_empty());
//! assert!(tracker.poll_update().is_some());
//!
//! // A malformed answer names the value that broke it.
//! let err = plex::decode_sessions(br#"{"MediaContainer": {"Metadata": [{"sessionKey": "1", "viewOffset": "soon"}]}}"#)
//!     .unwrap_err();
//! assert_eq!(err.path().unwrap().as_str(), "MediaContainer.Metadata[0].viewOffset");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Crate features
//! None by default: the decoders need only `serde`, `serde_json` and `chrono`, and
//! pull in no async runtime, HTTP or TLS stack.
//! - `client`: live clients for every platform (`reqwest` with rustls, `tokio`,
//!   `tokio-tungstenite`) and the `client::Watch` stream of one server.
//! - `fake`: in-process fake Plex, Jellyfin, Emby and Tautulli servers (`axum`) on
//!   `127.0.0.1:0`, with scripted sessions and fault injection; a deterministic
//!   simulated world (`fake::World`: dozens of users around the globe, households,
//!   a library, evening peaks and three scripted bad actors) and `fake::drive`,
//!   which keeps the fake servers in step with it on any clock.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backoff;
mod error;
mod json;
mod loose;
mod mediabrowser;
mod multipart;
mod remote;
mod server;
mod units;
mod webhook;

#[cfg(feature = "client")]
pub mod client;
pub mod emby;
#[cfg(feature = "fake")]
pub mod fake;
pub mod fuzzing;
pub mod jellyfin;
pub mod plex;
pub mod tautulli;

pub use backoff::{Backoff, BreakerState, CircuitBreaker};
pub use error::{DecodeError, JsonPath, MultipartError};
pub use remote::{RemoteSession, RemoteSessionId};
pub use server::{ServerIdentity, ServerUser};
pub use webhook::{Thumbnail, WebhookEvent, WebhookKind};

#[cfg(doc)]
use cartographus_core::{PlaybackEvent, SessionNotification, SessionSnapshot};

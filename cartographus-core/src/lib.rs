//! # cartographus-core
//!
//! The sans-IO domain core of Cartographus: the playback event every other crate speaks,
//! the session tracker that turns what a media server reports into plays with correct
//! pause accounting, the correlation keys and deduplicator that recognise one play
//! reported twice, user and content identities, and the geo maths of the map and of
//! sharing detection.
//!
//! ## What this crate does not do
//! It performs no I/O of any kind: no sockets, no files, no threads, no clock reads, no
//! randomness. Every time-dependent call takes `now`. It does not decode any media
//! server's wire format (that is `cartographus-sources`), store anything
//! (`cartographus-store`) or judge plays (`cartographus-detect`). Its dependency tree
//! has no tokio, hyper, reqwest or DuckDB, and CI checks that.
//!
//! ## Example
//! ```
//! use cartographus_core::{
//!     Account, ContentInfo, ExternalUserId, MediaKey, MediaType, PlaybackState, ServerId,
//!     SessionKey, SessionSnapshot, SessionTracker, SessionUpdate, Source, TrackerConfig,
//! };
//! use chrono::{Duration, TimeZone, Utc};
//!
//! let server: ServerId = "my-plex".parse()?;
//! let mut tracker = SessionTracker::new(Source::Plex, server, TrackerConfig::default());
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap();
//!
//! let mut snap = SessionSnapshot::new(SessionKey::new("1")?, PlaybackState::Playing);
//! snap.user = Some(Account::new(ExternalUserId::new("42")?, "alice"));
//! snap.content = Some(ContentInfo::new(MediaType::Movie, MediaKey::new("100")?, "Heat"));
//! assert!(tracker.handle_snapshot(&[snap], t0).is_empty());
//! assert!(matches!(tracker.poll_update(), Some(SessionUpdate::Started(_))));
//!
//! // The session vanishes; after the grace period it is stopped when last seen.
//! tracker.handle_snapshot(&[], t0 + Duration::seconds(300));
//! tracker.handle_timeout(t0 + Duration::seconds(400));
//! match tracker.poll_update() {
//!     Some(SessionUpdate::Stopped(stop)) => {
//!         assert_eq!(stop.event.timing.play_duration_s, 0);
//!         assert!(stop.below_minimum);
//!     }
//!     other => panic!("expected a stop, got {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Crate features
//! None: the crate is always built without optional dependencies
//! (`--no-default-features` builds the same crate).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod correlation;
mod dedup;
mod event;
pub mod fuzzing;
mod geo;
mod identity;
mod ids;
mod kinds;
mod net;
mod snapshot;
mod tracker;

pub use correlation::{
    bucket_of, CorrelationKey, CrossSourceKey, KeyParseError, KeyParts, ParsedKey, BUCKET_SECONDS,
    KEY_VERSION,
};
pub use dedup::{DedupConfig, DedupLayer, Deduplicator, Verdict};
pub use event::{
    Account, ContentInfo, DeviceInfo, EventIdentity, EventParts, NetworkInfo, PlaybackEvent,
    QualityInfo, Timing, UserInfo,
};
pub use geo::{GeoPoint, GeoPointError, GeoSource, Geolocation, H3Cell, H3Cells, H3Resolution};
pub use identity::{
    derive_user_id, DirectoryConfig, ExternalIds, LinkKind, Platform, UserDirectory, UserLink,
};
pub use ids::{
    DeviceId, EventId, ExternalUserId, IdError, MediaKey, ServerId, SessionKey, UserId, MAX_ID_LEN,
};
pub use kinds::{
    MediaType, NetworkLocation, PlaybackState, Source, StreamDecision, TranscodeDecision,
    UnknownVariant,
};
pub use net::{
    canonical, classify, network_of, parse_endpoint, IpClass, NetworkGrouping, NetworkId,
    NetworkParseError,
};
pub use snapshot::{SessionNotification, SessionSnapshot};
pub use tracker::{
    SessionError, SessionTracker, SessionUpdate, StopReason, StoppedPlay, TrackerConfig,
    TrackerConfigError,
};

/// The UUID namespace of every id Cartographus derives (UUID v5).
pub const CARTOGRAPHUS_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6361_7274_6f67_7261_7068_7573_0000_0001);

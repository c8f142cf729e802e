//! # cartographus-detect
//!
//! Account-sharing detection for Plex, Jellyfin and Emby, as a sans-IO state machine:
//! playback events (with their geolocation, ASN and network) and `now` go in; typed
//! alerts — a finding with every play involved and rule-specific evidence, the trust
//! changes it caused and the action the server should carry out — come out.
//!
//! Nine rules, each with its own validated config and on/off switch: impossible travel,
//! concurrent streams, device velocity, geo restriction, simultaneous locations, new
//! device, new country, shared device across accounts and suspicious client. Each user
//! has a trust score (0–100) with a ledger, recovering a point per day without
//! findings. See [`Engine`] for the order of calls.
//!
//! ## What this crate does not do
//! No I/O of any kind: no sockets, files, threads, clock reads or randomness. It does
//! not load history (the server reads it from the store and hands it in with
//! [`Engine::handle_history`]), look up GeoIP (events arrive with `geo` filled in by
//! the store's resolver), persist alerts or trust (each [`Alert`] carries what to
//! store), send notifications or stop streams (an [`Action`] says what to stop; the
//! server's source client does it). It never reads processing time: every rule uses the
//! playback's own times.
//!
//! ## Example
//! ```
//! use cartographus_core::{
//!     ContentInfo, EventParts, ExternalUserId, GeoPoint, GeoSource, Geolocation, MediaKey,
//!     MediaType, PlaybackEvent, ServerId, SessionKey, Source, Timing, UserId, UserInfo,
//!     Account,
//! };
//! use cartographus_detect::{DetectConfig, Engine, Evidence, RuleKind};
//! use chrono::{Duration, TimeZone, Utc};
//!
//! fn play(session: &str, ip: &str, lat: f64, lon: f64, at: chrono::DateTime<Utc>) -> PlaybackEvent {
//!     let user = Account::new(ExternalUserId::new("42").unwrap(), "alice")
//!         .to_user_info(UserId::new(42).unwrap());
//!     let content = ContentInfo::new(MediaType::Movie, MediaKey::new("100").unwrap(), "Heat");
//!     let mut parts = EventParts::new(
//!         Source::Plex,
//!         ServerId::new("my-plex").unwrap(),
//!         SessionKey::new(session).unwrap(),
//!         Timing::started(at),
//!         user,
//!         content,
//!     );
//!     parts.network.ip = Some(ip.parse().unwrap());
//!     let mut event = PlaybackEvent::assemble(parts);
//!     event.geo = Some(Geolocation::at(GeoPoint::new(lat, lon).unwrap(), GeoSource::Mmdb));
//!     event
//! }
//!
//! let mut engine = Engine::new(DetectConfig::default());
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap();
//! engine.handle_event(&play("1", "81.2.69.160", 48.86, 2.35, t0), t0); // Paris
//! let later = t0 + Duration::minutes(30);
//! engine.handle_event(&play("2", "175.16.199.1", 35.68, 139.69, later), later); // Tokyo
//!
//! let alert = engine.poll_alert().expect("Paris to Tokyo in 30 minutes");
//! assert_eq!(alert.finding.rule, RuleKind::ImpossibleTravel);
//! assert!(matches!(alert.finding.evidence, Evidence::ImpossibleTravel(ref e) if e.km_per_h > 10_000.0));
//! assert_eq!(alert.finding.plays.len(), 2);
//! // Neither play has stopped, so alice is also in two places at once.
//! let alert = engine.poll_alert().expect("both plays are going on");
//! assert_eq!(alert.finding.rule, RuleKind::SimultaneousLocations);
//! assert!(engine.poll_alert().is_none());
//! // A critical finding costs 20 points, a warning 10.
//! assert_eq!(engine.trust(UserId::new(42).unwrap(), later).score, 70);
//! ```
//!
//! ## Crate features
//! None: the crate has no optional dependencies (`--no-default-features` builds the
//! same crate). It depends on `cartographus-core`, `chrono`, `serde`, `thiserror`,
//! `uuid` and `ahash`, and never on tokio, hyper or DuckDB.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod engine;
mod finding;
mod ids;
mod inline;
mod intern;
mod rules;
mod tables;
mod trust;
mod window;

pub use config::{ConfigError, DetectConfig, RawDetectConfig, RawRulesConfig, MAX_SECONDS};
pub use engine::{Engine, EngineStats};
pub use finding::{Action, Alert, Evidence, Finding, Place, PlayRef};
pub use ids::{AlertId, AlertIdError, CountryCode, CountryCodeError};
pub use rules::concurrent_streams::{ConcurrentStreams, RawConcurrentStreamsConfig};
pub use rules::device_velocity::{DeviceVelocity, NetworkKey, RawDeviceVelocityConfig};
pub use rules::geo_restriction::{GeoPolicy, GeoRestriction, RawGeoRestrictionConfig};
pub use rules::impossible_travel::{ImpossibleTravel, RawImpossibleTravelConfig};
pub use rules::new_country::{NewCountry, RawNewCountryConfig};
pub use rules::new_device::{NewDevice, RawNewDeviceConfig};
pub use rules::shared_device::{RawSharedDeviceConfig, Shared, SharedDevice};
pub use rules::simultaneous_locations::{RawSimultaneousLocationsConfig, SimultaneousLocations};
pub use rules::suspicious_client::{ClientField, RawSuspiciousClientConfig, SuspiciousClient};
pub use rules::{ActionKind, RuleKind, Severity, UnknownRule, DEFAULT_TERMINATE_MESSAGE};
pub use trust::{
    RawTrustConfig, RestoreTrustError, TrustChange, TrustConfig, TrustReason, TrustScore, MAX_TRUST,
};

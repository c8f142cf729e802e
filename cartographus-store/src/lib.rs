//! # cartographus-store
//!
//! The embedded analytics database of Cartographus, on DuckDB with its bundled engine:
//! the schema and its numbered migrations, idempotent batch ingest of
//! [`PlaybackEvent`](cartographus_core::PlaybackEvent)s, GeoIP enrichment, typed
//! filters and keyset-paginated reads, the detection engine's alerts and trust ledger,
//! the dedup audit and dead letters, and the import of a Tautulli database.
//!
//! ## What this crate does not do
//! - It has a synchronous API and starts no threads or runtimes of its own; the server
//!   calls it from a dedicated writer thread (or `spawn_blocking`).
//! - It never downloads anything: DuckDB's extension auto-install and auto-load are
//!   switched off when a store opens (JSON and Parquet are linked in), so a query that
//!   needs a missing extension fails at once instead of stalling on a network timeout.
//! - It does not read the clock: every time it records comes from the events or from
//!   a `now` argument (only audit columns such as `dedupe_audit.recorded_at` use
//!   DuckDB's `current_timestamp` default).
//! - It does not detect anything, decode any media server's format, or serve HTTP.
//!
//! ## Single writer
//! One [`Store`] per database file per process does every write, from one thread at a
//! time (its writing methods take `&mut self`); DuckDB itself lets only one process open
//! the file. Readers on other threads use their own [`Reader`] from
//! [`Store::new_reader`]; each query sees the data committed when it started. Every
//! write call is one transaction: a crash stores all of a batch or none of it.
//!
//! ## Example
//! ```
//! use cartographus_core::{
//!     Account, ContentInfo, EventParts, ExternalUserId, MediaKey, MediaType,
//!     PlaybackEvent, ServerId, SessionKey, Source, Timing, UserId,
//! };
//! use cartographus_store::{Filter, GeoConfig, GeoResolver, PageRequest, Store};
//! use chrono::{TimeZone, Utc};
//!
//! let mut store = Store::open_in_memory()?;
//! let server: ServerId = "plex-1".parse()?;
//! let user = Account::new(ExternalUserId::new("42")?, "alice").to_user_info(UserId::new(1)?);
//! let content = ContentInfo::new(MediaType::Movie, MediaKey::new("100")?, "Heat");
//! let started = Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap();
//! let parts = EventParts::new(
//!     Source::Plex, server, SessionKey::new("s1")?, Timing::started(started), user, content,
//! );
//! let mut events = vec![PlaybackEvent::assemble(parts)];
//!
//! let mut geo = GeoResolver::new(None, GeoConfig::default());
//! geo.enrich(&mut events);
//! assert_eq!(store.append(&events)?.inserted, 1);
//! assert_eq!(store.append(&events)?.duplicates.event_id, 1); // idempotent
//!
//! let page = store.reads().playbacks(&PageRequest::new(Filter::all(), 50))?;
//! assert_eq!(page.items[0].content.title, "Heat");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Crate features
//! None. The crate always links DuckDB's engine (bundled, with JSON and Parquet),
//! SQLite (bundled, for the Tautulli reader) and the MaxMind DB reader.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alerts;
mod analytics;
mod audit;
mod backup;
mod config;
mod discard;
mod entities;
mod error;
mod export;
mod filter;
mod geoip;
mod ingest;
mod reads;
mod rowmap;
mod schema;
mod spatial;
mod stage;
mod store;
mod tautulli;
mod trust;
mod update;

pub use alerts::{
    AlertCursor, AlertId, AlertPage, AlertQuery, AlertRecord, RuleName, RuleNameError, Severity,
};
pub use analytics::{
    AbandonBucket, Accuracy, BingeReport, BingeRules, BingeSession, BreakdownBy, CalendarDay,
    Cohort, CohortReport, ConcurrencyBucket, ConcurrencyPeak, ConcurrencyReport, CountryCount,
    Distribution, Engagement, GroupStats, HeatCell, HourCount, Interval, Overview, PartyReport,
    PartyRules, PlatformDecisions, QualityReport, QualityTrendPoint, RankBy, RecentPlay,
    ResolutionChange, RollupRefresh, SearchHit, SearchKind, SearchRequest, ShareOf, SharedLink,
    SharedNetworkGraph, SharedNode, SharedVia, TopEntry, TopKind, TrendPoint, Trends, UserDetail,
    UserDevice, UserEngagement, UserIp, UserLocation, UserStats, WatchParty, WeekdayCount, Zone,
    ZoneError,
};
pub use audit::{AuditEntry, FailedEvent, RestoreOutcome};
pub use backup::{
    apply_retention, list_backups, plan_retention, restore_backup, validate_backup, BackupError,
    BackupInfo, BackupManifest, FileEntry, RestoreReport, RetentionPlan, RetentionPolicy,
    TableEntry,
};
pub use config::{Location, MemoryLimit, MemoryLimitError, StoreConfig};
pub use entities::{ContentMapping, ServerRecord, UserRecord};
pub use error::{DbError, Error, GeoIpError, ImportError, IngestError, OpenError, QueryError};
pub use export::{ExportError, ExportSummary, ParquetOptions};
pub use filter::Filter;
pub use geoip::{
    GeoConfig, GeoResolver, GeoStats, IpLocator, LocationOverride, MmdbLocator, TableLocator,
};
pub use ingest::{Dropped, DuplicateCounts, IngestReport, RejectReason, Rejected};
pub use reads::{Cursor, Dimension, FilterValue, Order, Page, PageRequest};
pub use schema::SCHEMA_VERSION;
pub use spatial::{
    Arc, ArcEnd, AreaError, BoundingBox, Feature, FeatureCollection, Hexagon, LocationStats,
    NearbyLocation, PlayProperties, Point, Radius,
};
pub use store::{EngineSettings, Reader, Store};
pub use tautulli::{ImportProgress, ImportReport, TautulliImport};
pub use trust::{LedgerEntry, TrustChange, TrustReason, TrustScore};
pub use update::UpsertReport;

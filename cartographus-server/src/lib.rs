//! # cartographus-server
//!
//! The shell around the Cartographus libraries: configuration, the ingestion pipeline
//! (sources → session tracker → dedup → GeoIP → store → detection), the HTTP API, the
//! live WebSocket hub, authentication, metrics and the demo world. It is the only crate
//! that reads the clock, environment variables and sockets. The `cartographus` binary is
//! a thin `main` over this library, and other programs can mount its API in their own
//! axum/hyper application.
//!
//! ## What this crate does not do
//! It holds no domain logic of its own: session tracking and dedup live in
//! `cartographus-core`, wire formats in `cartographus-sources`, rules in
//! `cartographus-detect`, and storage and analytics in `cartographus-store`.
//!
//! ## Example
//! ```
//! use cartographus_server::config::{apply_env, parse_toml, Config};
//! use std::path::Path;
//!
//! let mut raw = parse_toml("[http]\nport = 8080\n[auth]\nmode = \"none\"", Path::new("x.toml"))?;
//! apply_env(&mut raw, &|name| (name == "HTTP_PORT").then(|| "9090".to_owned()))?;
//! let config = Config::from_raw(&raw, None)?;
//! assert_eq!(config.listen.port(), 9090);
//! # Ok::<(), cartographus_server::config::ConfigError>(())
//! ```
//!
//! ## Crate features
//! - `wal` (default): the redb write-ahead log (module `wal`).
//! - `nats` (default): NATS JetStream publishing and consuming (module `nats`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod geoip_update;
pub mod http;
pub mod hub;
pub mod metrics;
#[cfg(feature = "nats")]
pub mod nats;
pub mod notify;
pub mod pipeline;
pub mod ratelimit;
pub mod rules_file;
pub mod supervise;
#[cfg(feature = "wal")]
pub mod wal;

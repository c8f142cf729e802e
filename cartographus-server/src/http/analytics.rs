//! Analytics and map routes: `/stats`, `/analytics/*`, `/users`, `/search`,
//! `/locations` and `/spatial/*`. Each handler validates its parameters (every error
//! names the parameter), then runs one typed query of `cartographus-store` on a pooled
//! reader on a blocking thread and returns its answer as JSON.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use cartographus_core::{GeoPoint, H3Resolution, UserId};
use cartographus_store::{
    Accuracy, BingeRules, BoundingBox, BreakdownBy, Filter, Interval, PartyRules, QueryError,
    Radius, RankBy, Reader, SearchKind, SearchRequest, TopKind, Zone,
};
use chrono::{Datelike, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::params;
use super::AppState;

type Params = Query<BTreeMap<String, String>>;

/// Runs a store query on a pooled reader and turns its answer into JSON.
pub(super) async fn read<T: Serialize + Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Reader) -> Result<T, QueryError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    super::with_reader(state, f)
        .await?
        .map(Json)
        .map_err(ApiError::internal)
}

/// A snake_case enum parameter (`kind=movies`), through the type's serde names.
fn choice<T: DeserializeOwned>(
    p: &BTreeMap<String, String>,
    name: &str,
    default: T,
    allowed: &str,
) -> Result<T, ApiError> {
    match p.get(name) {
        None => Ok(default),
        Some(v) => serde_json::from_value(Value::String(v.trim().to_owned()))
            .map_err(|_| ApiError::param(name, format!("expected one of {allowed}"))),
    }
}

/// The filter plus the route's own parameters (`extra`), validated together so an
/// unknown parameter is refused.
/// `tz` is accepted (and ignored) by routes without a time axis, so a client can
/// send one set of parameters everywhere.
fn filter(p: &BTreeMap<String, String>, extra: &[&str]) -> Result<Filter, ApiError> {
    let mut allowed = extra.to_vec();
    if !allowed.contains(&"tz") {
        allowed.push("tz");
    }
    params::filter(p, &allowed, Utc::now())
}

/// `tz=` (an IANA zone), else the configured zone.
fn zone(state: &AppState, p: &BTreeMap<String, String>) -> Result<Zone, ApiError> {
    match p.get("tz") {
        Some(z) => z
            .trim()
            .parse::<Zone>()
            .map_err(|_| ApiError::param("tz", "not an IANA time zone such as Europe/Paris")),
        None => state
            .config
            .timezone
            .parse::<Zone>()
            .map_err(|_| ApiError::internal("the configured time zone is invalid")),
    }
}

fn interval(p: &BTreeMap<String, String>) -> Result<Option<Interval>, ApiError> {
    match p.get("interval").map(|s| s.trim()) {
        None | Some("") | Some("auto") => Ok(None),
        Some(_) => choice(p, "interval", Interval::Day, "auto, hour, day, week, month").map(Some),
    }
}

fn accuracy(p: &BTreeMap<String, String>) -> Result<Accuracy, ApiError> {
    choice(p, "accuracy", Accuracy::Exact, "exact, approximate")
}

fn limit(p: &BTreeMap<String, String>, default: u32, max: u32) -> Result<u32, ApiError> {
    params::int(p, "limit", default, 1, max)
}

fn float(p: &BTreeMap<String, String>, name: &str) -> Result<f64, ApiError> {
    p.get(name)
        .ok_or_else(|| ApiError::param(name, "is required"))?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ApiError::param(name, "is not a number"))
}

/// `GET /api/v1/stats`: the overview cards (`accuracy=approximate` for huge histories).
pub(super) async fn stats(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let f = filter(&p, &["accuracy"])?;
    let acc = accuracy(&p)?;
    let Json((overview, bytes)) = read(&state, move |r| {
        Ok((r.overview(&f, acc)?, r.database_bytes()?))
    })
    .await?;
    // DuckDB reports the allocated blocks; the file (and its WAL) may hold more.
    let on_disk = state.readers.as_ref().map_or(0, |p| p.store_size());
    let bytes = bytes.max(on_disk);
    let mut v = json!(overview);
    if let Some(o) = v.as_object_mut() {
        o.insert("database_bytes".into(), json!(bytes));
    }
    Ok(Json(v))
}

/// `GET /api/v1/analytics/trends?interval=&tz=`: plays and watch time over time.
pub(super) async fn trends(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::Trends>, ApiError> {
    let f = filter(&p, &["tz", "interval"])?;
    let (z, i) = (zone(&state, &p)?, interval(&p)?);
    read(&state, move |r| r.trends(&f, z, i)).await
}

/// `GET /api/v1/analytics/weekdays?tz=`.
pub(super) async fn weekdays(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::WeekdayCount>>, ApiError> {
    let f = filter(&p, &["tz"])?;
    let z = zone(&state, &p)?;
    read(&state, move |r| r.plays_by_weekday(&f, z)).await
}

/// `GET /api/v1/analytics/hours?tz=`.
pub(super) async fn hours(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::HourCount>>, ApiError> {
    let f = filter(&p, &["tz"])?;
    let z = zone(&state, &p)?;
    read(&state, move |r| r.plays_by_hour(&f, z)).await
}

/// `GET /api/v1/analytics/heatmap?tz=`: day of week × hour of day.
pub(super) async fn heatmap(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::HeatCell>>, ApiError> {
    let f = filter(&p, &["tz"])?;
    let z = zone(&state, &p)?;
    read(&state, move |r| r.heatmap(&f, z)).await
}

/// `GET /api/v1/analytics/calendar?year=&tz=`: plays per day of one year.
pub(super) async fn calendar(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::CalendarDay>>, ApiError> {
    let f = filter(&p, &["tz", "year"])?;
    let z = zone(&state, &p)?;
    let year = params::int(&p, "year", Utc::now().year(), 1900, 2200)?;
    read(&state, move |r| r.calendar(&f, z, year)).await
}

/// `GET /api/v1/analytics/top?kind=&by=&limit=`: Tautulli's home cards.
pub(super) async fn top(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::TopEntry>>, ApiError> {
    let f = filter(&p, &["kind", "by", "limit"])?;
    let kind = choice(
        &p,
        "kind",
        TopKind::Movies,
        "movies, shows, episodes, artists, users, platforms, players, libraries",
    )?;
    let by = choice(&p, "by", RankBy::Plays, "plays, watch_time, users")?;
    let n = limit(&p, 10, 100)?;
    read(&state, move |r| r.top(&f, kind, by, n)).await
}

/// `GET /api/v1/analytics/recent?limit=`: the last plays.
pub(super) async fn recent(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::RecentPlay>>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 20, 200)?;
    read(&state, move |r| r.recent_plays(&f, n)).await
}

/// `GET /api/v1/analytics/engagement?limit=`: completion and abandonment.
pub(super) async fn engagement(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::Engagement>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 50, 1_000)?;
    read(&state, move |r| r.engagement(&f, n)).await
}

/// `GET /api/v1/analytics/binge?limit=`: ≥ 3 episodes of one show, gaps ≤ 6 h.
pub(super) async fn binge(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::BingeReport>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 50, 1_000)?;
    read(&state, move |r| {
        r.binge_sessions(&f, BingeRules::default(), n)
    })
    .await
}

/// `GET /api/v1/analytics/watch-parties?limit=`: ≥ 2 users starting one item within
/// 15 minutes.
pub(super) async fn watch_parties(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::PartyReport>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 50, 1_000)?;
    read(&state, move |r| {
        r.watch_parties(&f, PartyRules::default(), n)
    })
    .await
}

/// `GET /api/v1/analytics/quality`: decisions, codecs, resolutions, bandwidth.
pub(super) async fn quality(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::QualityReport>, ApiError> {
    let f = filter(&p, &["accuracy"])?;
    let acc = accuracy(&p)?;
    read(&state, move |r| r.quality(&f, acc)).await
}

/// `GET /api/v1/analytics/quality/trend?interval=&tz=`: decisions over time.
pub(super) async fn quality_trend(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::QualityTrendPoint>>, ApiError> {
    let f = filter(&p, &["tz", "interval"])?;
    let (z, i) = (zone(&state, &p)?, interval(&p)?);
    read(&state, move |r| r.quality_trend(&f, z, i)).await
}

/// `GET /api/v1/analytics/concurrency?interval=&tz=`: peak concurrent streams.
pub(super) async fn concurrency(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::ConcurrencyReport>, ApiError> {
    let f = filter(&p, &["tz", "interval"])?;
    let (z, i) = (zone(&state, &p)?, interval(&p)?);
    read(&state, move |r| r.concurrency(&f, z, i)).await
}

/// `GET /api/v1/analytics/breakdown?by=&limit=`: plays and watch time per group.
pub(super) async fn breakdown(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::GroupStats>>, ApiError> {
    let f = filter(&p, &["by", "limit"])?;
    let by = choice(
        &p,
        "by",
        BreakdownBy::Library,
        "library, media_type, content_rating, year, genre, platform, country, server, source",
    )?;
    let n = limit(&p, 50, 1_000)?;
    read(&state, move |r| r.breakdown(&f, by, n)).await
}

/// `GET /api/v1/analytics/cohorts?tz=`: weekly first-play cohorts and retention.
pub(super) async fn cohorts(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::CohortReport>, ApiError> {
    let f = filter(&p, &["tz"])?;
    let z = zone(&state, &p)?;
    read(&state, move |r| r.cohorts(&f, z)).await
}

/// `GET /api/v1/analytics/shared-networks?limit=`: users sharing networks or devices.
pub(super) async fn shared_networks(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<cartographus_store::SharedNetworkGraph>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 500, 10_000)?;
    read(&state, move |r| r.shared_networks(&f, n)).await
}

/// `GET /api/v1/users?limit=`: per-user totals.
pub(super) async fn users(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::UserStats>>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 100, 10_000)?;
    read(&state, move |r| r.user_stats(&f, n)).await
}

/// `GET /api/v1/users/{id}`: totals, devices, IPs, places, trust score and ledger.
pub(super) async fn user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let user: UserId = id
        .parse()
        .map_err(|_| ApiError::param("id", "not a user id"))?;
    let f = filter(&p, &[])?;
    let Json((detail, record, score, ledger)) = read(&state, move |r| {
        Ok((
            r.user_detail(&f, user)?,
            r.user(user)?,
            r.trust_score(user)?,
            r.trust_ledger(user, 100)?,
        ))
    })
    .await?;
    if detail.is_none() && record.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(Json(json!({
        "user": record,
        "detail": detail,
        "trust": score,
        "ledger": ledger,
    })))
}

/// `GET /api/v1/servers`: the media servers seen.
pub(super) async fn servers(
    State(state): State<AppState>,
) -> Result<Json<Vec<cartographus_store::ServerRecord>>, ApiError> {
    read(&state, |r| r.servers()).await
}

/// `GET /api/v1/search?q=&kind=title|user|device&limit=`: typo-tolerant search.
pub(super) async fn search(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::SearchHit>>, ApiError> {
    let f = filter(&p, &["q", "kind", "limit"])?;
    let q = p.get("q").map(|q| q.trim()).unwrap_or_default();
    if q.is_empty() || q.chars().count() > 200 {
        return Err(ApiError::param("q", "expected 1 to 200 characters"));
    }
    let mut request = SearchRequest::new(q);
    if p.contains_key("kind") {
        let kind = choice(&p, "kind", SearchKind::Title, "title, user, device")?;
        request = request.kind(kind);
    }
    let n = limit(&p, 20, 100)?;
    request.limit = n;
    read(&state, move |r| r.search(&f, &request)).await
}

/// `GET /api/v1/locations?limit=`: one row per place.
pub(super) async fn locations(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::LocationStats>>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 1_000, 50_000)?;
    read(&state, move |r| r.locations(&f, n)).await
}

/// `GET /api/v1/spatial/locations?limit=`: places as a GeoJSON FeatureCollection.
pub(super) async fn locations_geojson(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 1_000, 50_000)?;
    let Json(fc) = read(&state, move |r| r.locations_geojson(&f, n)).await?;
    Ok(Json(json!(fc)))
}

/// `GET /api/v1/spatial/plays.geojson?limit=`: plays as GeoJSON points.
pub(super) async fn plays_geojson(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 1_000, 50_000)?;
    let Json(fc) = read(&state, move |r| r.plays_geojson(&f, n)).await?;
    Ok(Json(json!(fc)))
}

/// `GET /api/v1/spatial/hexagons?resolution=6|7|8&limit=`.
pub(super) async fn hexagons(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::Hexagon>>, ApiError> {
    let f = filter(&p, &["resolution", "limit"])?;
    let res = params::int(&p, "resolution", 7u8, 6, 8)?;
    let res = H3Resolution::from_number(res)
        .ok_or_else(|| ApiError::param("resolution", "expected 6, 7 or 8"))?;
    let n = limit(&p, 5_000, 50_000)?;
    read(&state, move |r| r.hexagons(&f, res, n)).await
}

/// `GET /api/v1/spatial/arcs?limit=`: viewer places → the configured server location.
pub(super) async fn arcs(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::Arc>>, ApiError> {
    let f = filter(&p, &["limit"])?;
    let n = limit(&p, 500, 10_000)?;
    let Some(server) = state.config.server_location else {
        return Ok(Json(Vec::new()));
    };
    read(&state, move |r| r.arcs(&f, server, n)).await
}

/// `GET /api/v1/spatial/viewport?west=&south=&east=&north=&limit=` (antimeridian-safe:
/// `west > east` crosses it).
pub(super) async fn viewport(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::LocationStats>>, ApiError> {
    let f = filter(&p, &["west", "south", "east", "north", "limit"])?;
    let (w, s, e, n) = (
        float(&p, "west")?,
        float(&p, "south")?,
        float(&p, "east")?,
        float(&p, "north")?,
    );
    let bbox =
        BoundingBox::new(w, s, e, n).map_err(|err| ApiError::param("west", err.to_string()))?;
    let lim = limit(&p, 2_000, 50_000)?;
    read(&state, move |r| r.viewport(&f, &bbox, lim)).await
}

/// `GET /api/v1/spatial/nearby?lat=&lon=&radius_km=&limit=`.
pub(super) async fn nearby(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Vec<cartographus_store::NearbyLocation>>, ApiError> {
    let f = filter(&p, &["lat", "lon", "radius_km", "limit"])?;
    let center = GeoPoint::new(float(&p, "lat")?, float(&p, "lon")?)
        .map_err(|e| ApiError::param("lat", e.to_string()))?;
    let radius = Radius::km(float(&p, "radius_km")?)
        .map_err(|e| ApiError::param("radius_km", e.to_string()))?;
    let n = limit(&p, 500, 10_000)?;
    read(&state, move |r| r.nearby(&f, center, radius, n)).await
}

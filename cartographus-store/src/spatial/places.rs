//! Places, hexagons, arcs, viewport and radius search. Rows are grouped by their
//! stored coordinates (one row per place), so the heavy work is one hash aggregation;
//! radius filtering and distances happen in Rust on the aggregated places.

use cartographus_core::{GeoPoint, H3Cell, H3Resolution};
use chrono::{DateTime, Utc};
use duckdb::types::Value;
use serde::Serialize;

use super::area::{BoundingBox, Radius};
use crate::analytics::{clamp_limit, count, instant, query_rows, Grain, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// One place on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LocationStats {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// City.
    pub city: Option<String>,
    /// Region (state, province).
    pub region: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// Country name.
    pub country_name: Option<String>,
    /// Plays.
    pub plays: u64,
    /// Distinct users.
    pub users: u64,
    /// Seconds watched.
    pub watch_time_s: u64,
    /// First play.
    pub first_seen: Option<DateTime<Utc>>,
    /// Last play.
    pub last_seen: Option<DateTime<Utc>>,
    /// Average percent complete, 0–100.
    pub avg_completion: f64,
}

/// A place within a radius, with its distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NearbyLocation {
    /// The place.
    #[serde(flatten)]
    pub location: LocationStats,
    /// Great-circle distance from the centre, km.
    pub distance_km: f64,
}

/// One H3 cell's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Hexagon {
    /// The cell index as 15 hex digits (JSON numbers cannot hold 64-bit ids).
    pub cell: String,
    /// The resolution (6, 7 or 8).
    pub resolution: u8,
    /// The cell's centre latitude.
    pub latitude: f64,
    /// The cell's centre longitude.
    pub longitude: f64,
    /// Plays.
    pub plays: u64,
    /// Distinct users.
    pub users: u64,
    /// Average percent complete, 0–100.
    pub avg_completion: f64,
    /// Minutes watched.
    pub watch_minutes: f64,
}

/// One end of an arc.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ArcEnd {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// City, when known.
    pub city: Option<String>,
    /// Country code, when known.
    pub country_code: Option<String>,
}

/// An arc from viewers' place to the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Arc {
    /// Where the viewers were.
    pub from: ArcEnd,
    /// The server.
    pub to: ArcEnd,
    /// Great-circle distance, km.
    pub distance_km: f64,
    /// Plays.
    pub plays: u64,
    /// Distinct users.
    pub users: u64,
}

impl Reader {
    /// Located places grouped by coordinates, with an extra condition and its
    /// parameters; most plays first.
    fn places(
        &self,
        filter: &Filter,
        cond: &str,
        extra: Vec<Value>,
        limit: u32,
    ) -> Result<Vec<LocationStats>, QueryError> {
        let rollup = format!(
            "SELECT p.latitude AS lat, p.longitude AS lon, p.user_id AS u, p.city AS city,
                    p.region AS region, p.country_code AS cc, p.country_name AS cn, p.plays AS n,
                    p.watch_s AS w, p.first_us AS first, p.last_us AS last, p.pct_sum AS pct,
                    p.streams AS streams
             FROM {{table}} p
             WHERE {{cover}} AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL AND {cond}"
        );
        let raw = format!(
            "SELECT p.latitude AS lat, p.longitude AS lon, p.user_id AS u,
                    any_value(p.city) AS city, any_value(p.region) AS region,
                    any_value(p.country_code) AS cc, any_value(p.country_name) AS cn,
                    {PLAYS} AS n, {WATCH_S} AS w, epoch_us(min(p.started_at)) AS first,
                    epoch_us(max(p.started_at)) AS last, sum(p.percent_complete) AS pct,
                    count(*) AS streams
             FROM playback_events p
             WHERE {{w}} AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL AND {cond}
             GROUP BY lat, lon, u"
        );
        self.snapshot(|| {
            let parts = self.parts(filter, Grain::PeriodByMedia)?;
            let (union, params) = parts.union("analytics_places", &rollup, &raw, &extra);
            let sql = format!(
                "SELECT lat, lon, any_value(city), any_value(region), any_value(cc), any_value(cn),
                        sum(n)::BIGINT AS plays, count(DISTINCT u), sum(w)::BIGINT, min(first),
                        max(last), coalesce(sum(pct) / sum(streams), 0)
                 FROM ({union}) GROUP BY lat, lon
                 ORDER BY plays DESC, lat, lon LIMIT {limit}",
                limit = clamp_limit(limit, 100_000)
            );
            self.place_rows(&sql, &params)
        })
    }

    fn place_rows(&self, sql: &str, params: &[Value]) -> Result<Vec<LocationStats>, QueryError> {
        query_rows(&self.conn, sql, params, |r| {
            Ok(LocationStats {
                latitude: r.get(0)?,
                longitude: r.get(1)?,
                city: r.get(2)?,
                region: r.get(3)?,
                country_code: r.get(4)?,
                country_name: r.get(5)?,
                plays: count(r, 6)?,
                users: count(r, 7)?,
                watch_time_s: count(r, 8)?,
                first_seen: instant(r, 9)?,
                last_seen: instant(r, 10)?,
                avg_completion: r.get(11)?,
            })
        })
    }

    /// One row per place, most plays first (at most `limit`, 1–100,000).
    pub fn locations(&self, filter: &Filter, limit: u32) -> Result<Vec<LocationStats>, QueryError> {
        self.places(filter, "TRUE", Vec::new(), limit)
    }

    /// The places inside `bbox` (which may cross the antimeridian), most plays first.
    pub fn viewport(
        &self,
        filter: &Filter,
        bbox: &BoundingBox,
        limit: u32,
    ) -> Result<Vec<LocationStats>, QueryError> {
        let lon = if bbox.crosses_antimeridian() {
            "(p.longitude >= ? OR p.longitude <= ?)"
        } else {
            "p.longitude BETWEEN ? AND ?"
        };
        let cond = format!("p.latitude BETWEEN ? AND ? AND {lon}");
        let params = vec![
            Value::Double(bbox.south()),
            Value::Double(bbox.north()),
            Value::Double(bbox.west()),
            Value::Double(bbox.east()),
        ];
        self.places(filter, &cond, params, limit)
    }

    /// The places within `radius` of `center` (haversine), nearest first.
    pub fn nearby(
        &self,
        filter: &Filter,
        center: GeoPoint,
        radius: Radius,
        limit: u32,
    ) -> Result<Vec<NearbyLocation>, QueryError> {
        // A latitude band first (1° of latitude is ~111.2 km everywhere), then the exact
        // great-circle distance on the aggregated places.
        let band = radius.get() / 111.19 + 0.01;
        let cond = "p.latitude BETWEEN ? AND ?";
        let params = vec![
            Value::Double(center.lat() - band),
            Value::Double(center.lat() + band),
        ];
        let mut out: Vec<NearbyLocation> = self
            .places(filter, cond, params, 100_000)?
            .into_iter()
            .filter_map(|l| {
                let p = GeoPoint::new(l.latitude, l.longitude).ok()?;
                let d = center.distance_km(&p);
                (d <= radius.get()).then_some(NearbyLocation {
                    location: l,
                    distance_km: d,
                })
            })
            .collect();
        out.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
        out.truncate(clamp_limit(limit, 100_000) as usize);
        Ok(out)
    }

    /// Plays aggregated by H3 cell at `resolution` (the cells precomputed at ingest),
    /// most plays first (at most `limit`, 1–100,000).
    pub fn hexagons(
        &self,
        filter: &Filter,
        resolution: H3Resolution,
        limit: u32,
    ) -> Result<Vec<Hexagon>, QueryError> {
        let column = match resolution {
            H3Resolution::R6 => "p.h3_r6",
            H3Resolution::R7 => "p.h3_r7",
            H3Resolution::R8 => "p.h3_r8",
        };
        let rollup = format!(
            "SELECT {column} AS c, p.user_id AS u, p.plays AS n, p.pct_sum AS pct,
                    p.streams AS streams, p.watch_s AS w
             FROM {{table}} p WHERE {{cover}} AND {column} IS NOT NULL AND {column} <> 0"
        );
        let raw = format!(
            "SELECT {column} AS c, p.user_id AS u, {PLAYS} AS n, sum(p.percent_complete) AS pct,
                    count(*) AS streams, {WATCH_S} AS w
             FROM playback_events p WHERE {{w}} AND {column} IS NOT NULL AND {column} <> 0
             GROUP BY c, u"
        );
        let rows = self.snapshot(|| {
            let parts = self.parts(filter, Grain::PeriodByMedia)?;
            let (union, params) = parts.union("analytics_places", &rollup, &raw, &[]);
            let sql = format!(
                "SELECT c, sum(n)::BIGINT AS plays, count(DISTINCT u),
                        coalesce(sum(pct) / sum(streams), 0), sum(w)::BIGINT
                 FROM ({union}) GROUP BY c ORDER BY plays DESC, c LIMIT {limit}",
                limit = clamp_limit(limit, 100_000)
            );
            query_rows(&self.conn, &sql, &params, |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    count(r, 1)?,
                    count(r, 2)?,
                    r.get::<_, f64>(3)?,
                    count(r, 4)?,
                ))
            })
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(raw, plays, users, avg_completion, watch)| {
                let cell = H3Cell::from_raw(raw)?;
                let center = cell.center()?;
                Some(Hexagon {
                    cell: cell.to_string(),
                    resolution: resolution.number(),
                    latitude: center.lat(),
                    longitude: center.lon(),
                    plays,
                    users,
                    avg_completion,
                    watch_minutes: watch as f64 / 60.0,
                })
            })
            .collect())
    }

    /// Arcs from each place to the server at `server` (from configuration), most
    /// plays first (at most `limit`, 1–100,000).
    pub fn arcs(
        &self,
        filter: &Filter,
        server: GeoPoint,
        limit: u32,
    ) -> Result<Vec<Arc>, QueryError> {
        let to = ArcEnd {
            latitude: server.lat(),
            longitude: server.lon(),
            city: None,
            country_code: None,
        };
        Ok(self
            .locations(filter, limit)?
            .into_iter()
            .filter_map(|l| {
                let from = GeoPoint::new(l.latitude, l.longitude).ok()?;
                Some(Arc {
                    distance_km: from.distance_km(&server),
                    from: ArcEnd {
                        latitude: l.latitude,
                        longitude: l.longitude,
                        city: l.city,
                        country_code: l.country_code,
                    },
                    to: to.clone(),
                    plays: l.plays,
                    users: l.users,
                })
            })
            .collect())
    }
}

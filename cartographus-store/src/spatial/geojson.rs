//! GeoJSON (RFC 7946) for places and plays: a `FeatureCollection` of `Point`
//! features whose coordinates are `[longitude, latitude]` — in that order.

use cartographus_core::{EventId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::places::LocationStats;
use crate::analytics::users_row_id as user_id;
use crate::analytics::{clamp_limit, instant, query_rows, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// A GeoJSON point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `[longitude, latitude]` in degrees (RFC 7946 §3.1.1).
    pub coordinates: [f64; 2],
}

impl Point {
    /// The point at `latitude`, `longitude` (stored as `[longitude, latitude]`).
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Self {
            kind: "Point",
            coordinates: [longitude, latitude],
        }
    }
}

/// A GeoJSON feature with typed properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feature<P> {
    #[serde(rename = "type")]
    kind: &'static str,
    /// Where.
    pub geometry: Point,
    /// What.
    pub properties: P,
}

impl<P> Feature<P> {
    /// A point feature.
    pub fn new(geometry: Point, properties: P) -> Self {
        Self {
            kind: "Feature",
            geometry,
            properties,
        }
    }
}

/// A GeoJSON feature collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureCollection<P> {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The features.
    pub features: Vec<Feature<P>>,
}

impl<P> FeatureCollection<P> {
    /// A collection of `features`.
    pub fn new(features: Vec<Feature<P>>) -> Self {
        Self {
            kind: "FeatureCollection",
            features,
        }
    }
}

/// The properties of one play on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlayProperties {
    /// The play.
    pub event_id: EventId,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Who.
    pub user_id: UserId,
    /// Their display name.
    pub user: String,
    /// What.
    pub title: String,
    /// The city.
    pub city: Option<String>,
    /// The country code.
    pub country_code: Option<String>,
    /// The platform.
    pub platform: Option<String>,
}

impl Reader {
    /// The places of [`Reader::locations`] as GeoJSON.
    pub fn locations_geojson(
        &self,
        filter: &Filter,
        limit: u32,
    ) -> Result<FeatureCollection<LocationStats>, QueryError> {
        let features = self
            .locations(filter, limit)?
            .into_iter()
            .map(|l| Feature::new(Point::new(l.latitude, l.longitude), l))
            .collect();
        Ok(FeatureCollection::new(features))
    }

    /// The most recent `limit` (1–100,000) located plays as GeoJSON points.
    pub fn plays_geojson(
        &self,
        filter: &Filter,
        limit: u32,
    ) -> Result<FeatureCollection<PlayProperties>, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT p.latitude, p.longitude, p.event_id::VARCHAR, epoch_us(p.started_at), p.user_id,
                    coalesce(p.friendly_name, p.username),
                    CASE WHEN p.media_type IN ('episode', 'track') AND p.grandparent_title IS NOT NULL
                         THEN p.grandparent_title || ' - ' || p.title ELSE p.title END,
                    p.city, p.country_code, p.platform
             FROM playback_events p
             WHERE {w} AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL
             ORDER BY p.started_at DESC, p.event_id LIMIT {limit}",
            w = s.sql,
            limit = clamp_limit(limit, 100_000)
        );
        let features = query_rows(&self.conn, &sql, &s.params, |r| {
            let id: String = r.get(2)?;
            let event_id = id.parse().map_err(|e| {
                duckdb::Error::FromSqlConversionFailure(2, duckdb::types::Type::Text, Box::new(e))
            })?;
            Ok(Feature::new(
                Point::new(r.get(0)?, r.get(1)?),
                PlayProperties {
                    event_id,
                    started_at: instant(r, 3)?.unwrap_or_default(),
                    user_id: user_id(r, 4)?,
                    user: r.get(5)?,
                    title: r.get(6)?,
                    city: r.get(7)?,
                    country_code: r.get(8)?,
                    platform: r.get(9)?,
                },
            ))
        })?;
        Ok(FeatureCollection::new(features))
    }
}

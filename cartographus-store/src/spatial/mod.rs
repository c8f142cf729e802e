//! Spatial aggregation for the map (`/api/v1/spatial/*`, `/api/v1/locations`): places
//! with their plays, H3 hexagons at resolution 6, 7 or 8, arcs from viewers to the
//! server, a viewport (antimeridian-safe) and a radius search, and GeoJSON (RFC 7946:
//! longitude before latitude) for places and plays.
//!
//! Every query reads the geolocation columns copied into `playback_events` at ingest
//! (latitude, longitude, city, country, `h3_r6/7/8`), so no join is needed; plays
//! without a location are left out. Distances are great-circle (haversine) distances
//! computed with `cartographus-core`'s
//! [`GeoPoint::distance_km`](cartographus_core::GeoPoint::distance_km).

mod area;
mod geojson;
mod places;

pub use area::{AreaError, BoundingBox, Radius};
pub use geojson::{Feature, FeatureCollection, PlayProperties, Point};
pub use places::{Arc, ArcEnd, Hexagon, LocationStats, NearbyLocation};

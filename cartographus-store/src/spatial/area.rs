//! Validated areas: a bounding box that may cross the antimeridian, and a search
//! radius. A value that exists is one the queries can use.

use cartographus_core::GeoPoint;
use serde::{Deserialize, Serialize};

/// Why an area is not usable.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AreaError {
    /// A latitude was not finite or outside −90..=90.
    #[error("latitude {0} is not within -90..=90")]
    Latitude(f64),
    /// A longitude was not finite or outside −180..=180.
    #[error("longitude {0} is not within -180..=180")]
    Longitude(f64),
    /// The southern edge is north of the northern edge.
    #[error("south edge {south} is north of north edge {north}")]
    Inverted {
        /// The southern edge.
        south: f64,
        /// The northern edge.
        north: f64,
    },
    /// A radius was not a finite number of kilometres within 0–20,038 (half the
    /// Earth's circumference).
    #[error("radius {0} km is not within 0..=20038")]
    Radius(f64),
}

fn lat(v: f64) -> Result<f64, AreaError> {
    if v.is_finite() && (-90.0..=90.0).contains(&v) {
        Ok(v)
    } else {
        Err(AreaError::Latitude(v))
    }
}

fn lon(v: f64) -> Result<f64, AreaError> {
    if v.is_finite() && (-180.0..=180.0).contains(&v) {
        Ok(v)
    } else {
        Err(AreaError::Longitude(v))
    }
}

/// A map viewport: west, south, east, north edges in degrees. When `west > east` the
/// box crosses the antimeridian (e.g. west 170, east −170 covers Fiji).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl BoundingBox {
    /// A box from its edges, checking ranges and that south ≤ north.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Result<Self, AreaError> {
        let (west, east) = (lon(west)?, lon(east)?);
        let (south, north) = (lat(south)?, lat(north)?);
        if south > north {
            return Err(AreaError::Inverted { south, north });
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    /// The western edge.
    pub fn west(&self) -> f64 {
        self.west
    }

    /// The southern edge.
    pub fn south(&self) -> f64 {
        self.south
    }

    /// The eastern edge.
    pub fn east(&self) -> f64 {
        self.east
    }

    /// The northern edge.
    pub fn north(&self) -> f64 {
        self.north
    }

    /// Whether the box crosses the antimeridian.
    pub fn crosses_antimeridian(&self) -> bool {
        self.west > self.east
    }

    /// Whether `p` lies in the box (edges included).
    pub fn contains(&self, p: GeoPoint) -> bool {
        let in_lat = (self.south..=self.north).contains(&p.lat());
        let in_lon = if self.crosses_antimeridian() {
            p.lon() >= self.west || p.lon() <= self.east
        } else {
            (self.west..=self.east).contains(&p.lon())
        };
        in_lat && in_lon
    }
}

impl<'de> Deserialize<'de> for BoundingBox {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            west: f64,
            south: f64,
            east: f64,
            north: f64,
        }
        let r = Raw::deserialize(d)?;
        BoundingBox::new(r.west, r.south, r.east, r.north).map_err(serde::de::Error::custom)
    }
}

/// A search radius in kilometres (0–20,038).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Radius(f64);

impl Radius {
    /// A radius of `km` kilometres.
    pub fn km(km: f64) -> Result<Self, AreaError> {
        if km.is_finite() && (0.0..=20_038.0).contains(&km) {
            Ok(Self(km))
        } else {
            Err(AreaError::Radius(km))
        }
    }

    /// The radius in kilometres.
    pub fn get(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn antimeridian_box_contains_both_sides() {
        let fiji = BoundingBox::new(170.0, -25.0, -170.0, -10.0).unwrap();
        assert!(fiji.crosses_antimeridian());
        assert!(fiji.contains(GeoPoint::new(-18.0, 178.4).unwrap()));
        assert!(fiji.contains(GeoPoint::new(-18.0, -179.0).unwrap()));
        assert!(!fiji.contains(GeoPoint::new(-18.0, 0.0).unwrap()));
        assert!(matches!(
            BoundingBox::new(0.0, 10.0, 1.0, 5.0),
            Err(AreaError::Inverted { .. })
        ));
        assert!(Radius::km(-1.0).is_err() && Radius::km(f64::NAN).is_err());
    }
}

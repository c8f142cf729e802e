//! Geo maths: validated points, great-circle distance (haversine, via `geo`), H3 cells at
//! the three resolutions the map uses (via `h3o`), and the geolocation record an event
//! carries once the store's resolver has looked its address up.

use std::fmt;

use geo::{Distance, Haversine, Point};
use h3o::{LatLng, Resolution};
use serde::{Deserialize, Serialize};

/// Why a coordinate pair is not a point on Earth.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoPointError {
    /// Latitude was NaN, infinite or outside −90..=90.
    #[error("latitude {0} is not within -90..=90")]
    Latitude(f64),
    /// Longitude was NaN, infinite or outside −180..=180.
    #[error("longitude {0} is not within -180..=180")]
    Longitude(f64),
}

/// A point on Earth in degrees (WGS 84). Built only from finite, in-range coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

impl GeoPoint {
    /// Builds a point, refusing NaN, infinities and out-of-range values.
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoPointError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(GeoPointError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(GeoPointError::Longitude(lon));
        }
        Ok(Self { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance to `other` in kilometres (haversine, mean Earth radius).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let a = Point::new(self.lon, self.lat);
        let b = Point::new(other.lon, other.lat);
        Haversine.distance(a, b) / 1000.0
    }

    /// The H3 cell holding this point at `resolution`.
    pub fn h3(&self, resolution: H3Resolution) -> H3Cell {
        // A GeoPoint is always finite and in range, which is all LatLng checks.
        match LatLng::new(self.lat, self.lon) {
            Ok(ll) => H3Cell(u64::from(ll.to_cell(resolution.to_h3o()))),
            Err(_) => H3Cell(0),
        }
    }

    /// The cells at resolutions 6, 7 and 8 (the map's zoom levels).
    pub fn h3_cells(&self) -> H3Cells {
        H3Cells {
            r6: self.h3(H3Resolution::R6),
            r7: self.h3(H3Resolution::R7),
            r8: self.h3(H3Resolution::R8),
        }
    }
}

impl<'de> Deserialize<'de> for GeoPoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            lat: f64,
            lon: f64,
        }
        let raw = Raw::deserialize(d)?;
        GeoPoint::new(raw.lat, raw.lon).map_err(serde::de::Error::custom)
    }
}

/// The H3 resolutions the map aggregates at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum H3Resolution {
    /// Resolution 6 (~36 km² cells): country/region zoom.
    R6,
    /// Resolution 7 (~5 km² cells): city zoom.
    R7,
    /// Resolution 8 (~0.7 km² cells): neighbourhood zoom.
    R8,
}

impl H3Resolution {
    fn to_h3o(self) -> Resolution {
        match self {
            H3Resolution::R6 => Resolution::Six,
            H3Resolution::R7 => Resolution::Seven,
            H3Resolution::R8 => Resolution::Eight,
        }
    }

    /// The numeric resolution.
    pub fn number(self) -> u8 {
        match self {
            H3Resolution::R6 => 6,
            H3Resolution::R7 => 7,
            H3Resolution::R8 => 8,
        }
    }

    /// From a numeric resolution (6, 7 or 8).
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            6 => Some(H3Resolution::R6),
            7 => Some(H3Resolution::R7),
            8 => Some(H3Resolution::R8),
            _ => None,
        }
    }
}

/// An H3 cell index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct H3Cell(u64);

impl H3Cell {
    /// The raw 64-bit index.
    pub fn get(self) -> u64 {
        self.0
    }

    /// Builds a cell from a raw index, checking it is a valid H3 cell.
    pub fn from_raw(raw: u64) -> Option<Self> {
        h3o::CellIndex::try_from(raw)
            .ok()
            .map(|c| H3Cell(u64::from(c)))
    }

    /// The cell's centre.
    pub fn center(self) -> Option<GeoPoint> {
        let cell = h3o::CellIndex::try_from(self.0).ok()?;
        let ll = LatLng::from(cell);
        GeoPoint::new(ll.lat(), ll.lng()).ok()
    }

    /// The cell's boundary as (lat, lon) vertices.
    pub fn boundary(self) -> Vec<GeoPoint> {
        let Ok(cell) = h3o::CellIndex::try_from(self.0) else {
            return Vec::new();
        };
        cell.boundary()
            .iter()
            .filter_map(|ll| GeoPoint::new(ll.lat(), ll.lng()).ok())
            .collect()
    }
}

impl fmt::Display for H3Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// A point's cells at resolutions 6, 7 and 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct H3Cells {
    /// Resolution 6.
    pub r6: H3Cell,
    /// Resolution 7.
    pub r7: H3Cell,
    /// Resolution 8.
    pub r8: H3Cell,
}

/// Where a geolocation answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeoSource {
    /// A MaxMind-format database lookup.
    Mmdb,
    /// A user-configured location override (CIDR → place).
    Override,
    /// A private/local address, placed at the server's configured location if any.
    Private,
    /// Nothing is known.
    Unknown,
}

impl GeoSource {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            GeoSource::Mmdb => "mmdb",
            GeoSource::Override => "override",
            GeoSource::Private => "private",
            GeoSource::Unknown => "unknown",
        }
    }
}

/// What is known of an address's place. An unknown place has `point: None`, never (0, 0).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Geolocation {
    /// The location, if known.
    pub point: Option<GeoPoint>,
    /// The answer's accuracy radius in km, if the database gives one.
    pub accuracy_km: Option<f64>,
    /// City name.
    pub city: Option<String>,
    /// Region / first subdivision name or code.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code (upper case).
    pub country_code: Option<String>,
    /// Country name (English).
    pub country_name: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    pub as_org: Option<String>,
    /// A user label from a location override ("home", "grandma's").
    pub label: Option<String>,
    /// Where the answer came from (`None` reads as unknown).
    pub source: Option<GeoSource>,
}

impl Geolocation {
    /// An answer that knows nothing.
    pub fn unknown() -> Self {
        Self {
            source: Some(GeoSource::Unknown),
            ..Self::default()
        }
    }

    /// An answer at a point, from `source`.
    pub fn at(point: GeoPoint, source: GeoSource) -> Self {
        Self {
            point: Some(point),
            source: Some(source),
            ..Self::default()
        }
    }

    /// The H3 cells of the point, if there is one.
    pub fn h3_cells(&self) -> Option<H3Cells> {
        self.point.map(|p| p.h3_cells())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_coordinates() {
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert!(GeoPoint::new(0.0, f64::INFINITY).is_err());
        assert!(GeoPoint::new(90.1, 0.0).is_err());
        assert!(GeoPoint::new(0.0, -180.5).is_err());
        assert!(GeoPoint::new(-90.0, 180.0).is_ok());
        assert!(serde_json::from_str::<GeoPoint>(r#"{"lat":91,"lon":0}"#).is_err());
    }

    #[test]
    fn haversine_london_new_york() {
        let london = GeoPoint::new(51.5074, -0.1278).unwrap();
        let nyc = GeoPoint::new(40.7128, -74.0060).unwrap();
        let d = london.distance_km(&nyc);
        assert!((d - 5570.0).abs() < 15.0, "{d}");
        assert_eq!(london.distance_km(&london), 0.0);
    }

    #[test]
    fn h3_cells_nest() {
        let p = GeoPoint::new(48.8566, 2.3522).unwrap();
        let cells = p.h3_cells();
        let r8 = h3o::CellIndex::try_from(cells.r8.get()).unwrap();
        assert_eq!(
            u64::from(r8.parent(Resolution::Six).unwrap()),
            cells.r6.get()
        );
        assert_eq!(
            u64::from(r8.parent(Resolution::Seven).unwrap()),
            cells.r7.get()
        );
        let c = cells.r7.center().unwrap();
        assert!(c.distance_km(&p) < 3.0);
        assert_eq!(cells.r6.boundary().len(), 6);
        assert!(H3Cell::from_raw(12345).is_none());
    }
}

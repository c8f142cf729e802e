//! The MaxMind DB (`.mmdb`) locator. It reads two record layouts:
//!
//! - **GeoIP2 / GeoLite2 / DB-IP** (`city.names.en`, `country.iso_code`,
//!   `location.latitude`, `subdivisions[0]`, `postal.code`…), City or Country
//!   databases;
//! - **ip-location-db flat** (`country_code`, `state1`, `city`, `postcode`, `latitude`,
//!   `longitude`, `timezone`), the licence-key-free builds published as separate IPv4
//!   and IPv6 files.
//!
//! The layout is decided per record (a `city` that is a string is the flat layout), so
//! one locator can hold databases of both kinds. ASN databases (GeoLite2-ASN or the
//! ip-location-db ASN builds: `autonomous_system_number`,
//! `autonomous_system_organization`) are optional and add the network's operator.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use cartographus_core::{GeoPoint, GeoSource, Geolocation};
use maxminddb::Reader;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::GeoIpError;
use crate::geoip::IpLocator;

struct Db {
    path: PathBuf,
    ipv6: bool,
    reader: Reader<Vec<u8>>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl Db {
    fn open(path: &Path) -> Result<Self, GeoIpError> {
        let bytes = std::fs::read(path).map_err(|source| GeoIpError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, GeoIpError> {
        let reader = Reader::from_source(bytes).map_err(|e| GeoIpError::Invalid {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            ipv6: reader.metadata().ip_version == 6,
            reader,
        })
    }

    fn decode<'a, T: Deserialize<'a>>(&'a self, ip: IpAddr) -> Result<Option<T>, GeoIpError> {
        if ip.is_ipv6() && !self.ipv6 {
            return Ok(None);
        }
        let err = |e: maxminddb::MaxMindDbError| GeoIpError::Decode {
            ip,
            detail: e.to_string(),
        };
        self.reader
            .lookup(ip)
            .map_err(err)?
            .decode::<T>()
            .map_err(err)
    }
}

/// A locator over MaxMind-format databases: City (GeoIP2, GeoLite2, DB-IP or the
/// ip-location-db flat builds, any number, asked in order) and optional ASN databases.
#[derive(Debug)]
pub struct MmdbLocator {
    city: Vec<Db>,
    asn: Vec<Db>,
}

impl MmdbLocator {
    /// Opens the given City and ASN database files (for the ip-location-db builds,
    /// pass the IPv4 and the IPv6 file both).
    ///
    /// # Errors
    /// [`GeoIpError::Io`] when a file cannot be read, [`GeoIpError::Invalid`] when it
    /// is not a MaxMind DB.
    pub fn open<P: AsRef<Path>>(city: &[P], asn: &[P]) -> Result<Self, GeoIpError> {
        Ok(Self {
            city: city
                .iter()
                .map(|p| Db::open(p.as_ref()))
                .collect::<Result<_, _>>()?,
            asn: asn
                .iter()
                .map(|p| Db::open(p.as_ref()))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A locator over one City database held in memory (`name` labels errors).
    pub fn from_city_bytes(name: &str, bytes: Vec<u8>) -> Result<Self, GeoIpError> {
        Ok(Self {
            city: vec![Db::from_bytes(Path::new(name), bytes)?],
            asn: Vec::new(),
        })
    }

    /// The database types loaded (e.g. `GeoIP2-City`, `GeoLite2-ASN`).
    pub fn database_types(&self) -> Vec<String> {
        self.city
            .iter()
            .chain(&self.asn)
            .map(|d| d.reader.metadata().database_type.clone())
            .collect()
    }
}

impl IpLocator for MmdbLocator {
    fn locate(&self, ip: IpAddr) -> Result<Option<Geolocation>, GeoIpError> {
        let mut found: Option<Geolocation> = None;
        for db in &self.city {
            if let Some(rec) = db.decode::<Record<'_>>(ip)? {
                let g = rec.into_geolocation();
                if g.point.is_some() || g.country_code.is_some() {
                    found = Some(g);
                    break;
                }
            }
        }
        let mut asn: Option<(u32, Option<String>)> = None;
        for db in &self.asn {
            if let Some(rec) = db.decode::<AsnRecord<'_>>(ip)? {
                if let Some(n) = rec.autonomous_system_number {
                    asn = Some((n, rec.autonomous_system_organization.map(Cow::into_owned)));
                    break;
                }
            }
        }
        match (found, asn) {
            (None, None) => Ok(None),
            (g, a) => {
                let mut g = g.unwrap_or_else(|| {
                    let mut g = Geolocation::default();
                    g.source = Some(GeoSource::Mmdb);
                    g
                });
                if let Some((n, org)) = a {
                    g.asn = Some(n);
                    g.as_org = org;
                }
                Ok(Some(g))
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct Names<'a> {
    #[serde(borrow, default)]
    en: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct CountryRec<'a> {
    #[serde(borrow, default)]
    iso_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    names: Names<'a>,
}

#[derive(Deserialize, Default)]
struct LocationRec<'a> {
    #[serde(default)]
    latitude: Option<Num>,
    #[serde(default)]
    longitude: Option<Num>,
    #[serde(default)]
    accuracy_radius: Option<Num>,
    #[serde(borrow, default)]
    time_zone: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct PostalRec<'a> {
    #[serde(borrow, default)]
    code: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct SubdivisionRec<'a> {
    #[serde(borrow, default)]
    iso_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    names: Names<'a>,
}

/// Both layouts in one record; absent fields stay `None`.
#[derive(Deserialize, Default)]
struct Record<'a> {
    #[serde(borrow, default)]
    city: Option<CityField<'a>>,
    #[serde(borrow, default)]
    country: Option<CountryRec<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<CountryRec<'a>>,
    #[serde(borrow, default)]
    location: Option<LocationRec<'a>>,
    #[serde(borrow, default)]
    postal: Option<PostalRec<'a>>,
    #[serde(borrow, default)]
    subdivisions: Option<Vec<SubdivisionRec<'a>>>,
    #[serde(borrow, default)]
    country_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    state1: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    postcode: Option<Cow<'a, str>>,
    #[serde(default)]
    latitude: Option<Num>,
    #[serde(default)]
    longitude: Option<Num>,
    #[serde(borrow, default)]
    timezone: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct AsnRecord<'a> {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<Cow<'a, str>>,
}

fn own(c: Option<Cow<'_, str>>) -> Option<String> {
    c.map(Cow::into_owned).filter(|s| !s.trim().is_empty())
}

impl Record<'_> {
    fn into_geolocation(self) -> Geolocation {
        let loc = self.location.unwrap_or_default();
        let lat = loc.latitude.or(self.latitude).map(|n| n.0);
        let lon = loc.longitude.or(self.longitude).map(|n| n.0);
        let point = match (lat, lon) {
            // (0, 0) is how some databases say "unknown"; never store it as a place.
            (Some(la), Some(lo)) if !(la == 0.0 && lo == 0.0) => GeoPoint::new(la, lo).ok(),
            _ => None,
        };
        let country = self.country.or(self.registered_country).unwrap_or_default();
        let country_code = own(country.iso_code)
            .or_else(|| own(self.country_code))
            .map(|c| c.to_ascii_uppercase());
        let sub = self.subdivisions.and_then(|s| s.into_iter().next());
        let region = sub
            .and_then(|s| own(s.names.en).or_else(|| own(s.iso_code)))
            .or_else(|| own(self.state1));
        let mut g = Geolocation::default();
        g.point = point;
        g.accuracy_km = loc.accuracy_radius.map(|n| n.0);
        g.city = self.city.and_then(|c| own(Some(c.0)));
        g.region = region;
        g.country_code = country_code;
        g.country_name = own(country.names.en);
        g.postal_code = own(self.postal.and_then(|p| p.code)).or_else(|| own(self.postcode));
        g.time_zone = own(loc.time_zone).or_else(|| own(self.timezone));
        g.source = Some(GeoSource::Mmdb);
        g
    }
}

/// A city given as a plain string (flat layout) or as `{names: {en: …}}` (GeoIP2).
struct CityField<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CityField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CityField<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a city name or a GeoIP2 city record")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CityField(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CityField(Cow::Owned(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name: Option<Cow<'de, str>> = None;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "names" {
                        let names: Names<'de> = map.next_value()?;
                        name = names.en;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(CityField(name.unwrap_or(Cow::Borrowed(""))))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number stored as a double, float, integer or numeric string.
#[derive(Clone, Copy)]
struct Num(f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_f32<E: de::Error>(self, v: f32) -> Result<Num, E> {
                // Through the shortest decimal text, so 51.5142f32 reads as 51.5142.
                Ok(Num(v.to_string().parse().unwrap_or(f64::from(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                v.trim().parse().map(Num).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

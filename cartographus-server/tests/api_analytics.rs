//! Every analytics and map route answers over a simulated month of history, with
//! answers consistent with each other, and refuses bad parameters with a 400 that
//! names the parameter.

mod support;

use cartographus_server::app;
use cartographus_server::demo::world_overrides;
use cartographus_server::http::router;
use cartographus_server::pipeline::Input;
use cartographus_sources::fake::{World, WorldConfig};
use chrono::{TimeZone, Utc};
use support::{get, local_config, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_routes_answer_and_validate() {
    let now = Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap();
    let world = World::new(WorldConfig::new(11, now)).unwrap();
    let plays = world.past_plays(now, 30);
    assert!(plays.len() > 100, "the world should have played a lot");
    let dir = tempfile::tempdir().unwrap();
    let config = local_config(
        dir.path(),
        &[
            ("WAL_ENABLED", "false".into()),
            ("SERVER_LATITUDE", "45.5".into()),
            ("SERVER_LONGITUDE", "-122.7".into()),
        ],
    );
    let running = app::start(config, world_overrides(&world)).await.unwrap();
    let base = serve(router(running.state.clone())).await;
    running
        .pipeline
        .send(Input::Imported(plays.clone()), "test")
        .await;
    // Stored once the count stops moving (the writer flushes every second); the
    // pipeline's dedup may fold a simulated play that repeats another's identity.
    let mut last = 0;
    let mut settled = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
        let now = get(&base, "/api/v1/stats").await.1["plays"]
            .as_u64()
            .unwrap_or(0);
        if now > 0 && now == last {
            settled = true;
            break;
        }
        last = now;
    }
    let (_, stats) = get(&base, "/api/v1/stats").await;
    assert!(settled, "{stats}");
    assert!(
        stats["plays"].as_u64().unwrap() * 100 >= plays.len() as u64 * 99,
        "fewer than 99% of {} plays stored: {stats}",
        plays.len()
    );
    let (status, stats) = get(&base, "/api/v1/stats").await;
    assert_eq!(status, 200);
    let total = stats["plays"].as_u64().unwrap();
    assert!(stats["countries"].as_u64().unwrap() > 1);

    // Plays by hour, by weekday and the heatmap all add up to the total.
    for (path, key) in [
        ("/api/v1/analytics/hours?tz=America/New_York", "plays"),
        ("/api/v1/analytics/weekdays?tz=Europe/Paris", "plays"),
        ("/api/v1/analytics/heatmap", "plays"),
    ] {
        let (status, body) = get(&base, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let sum: u64 = body
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].as_u64().unwrap())
            .sum();
        assert_eq!(sum, total, "{path}");
    }
    // The time zone moves plays between hours but keeps the total.
    let (_, utc_hours) = get(&base, "/api/v1/analytics/hours?tz=UTC").await;
    let (_, ny_hours) = get(&base, "/api/v1/analytics/hours?tz=America/New_York").await;
    assert_ne!(utc_hours, ny_hours);

    // A filter narrows every answer.
    let user = plays[0].user.user_id.to_string();
    let (_, one) = get(&base, &format!("/api/v1/stats?users={user}")).await;
    let mine = plays
        .iter()
        .filter(|p| p.user.user_id == plays[0].user.user_id)
        .count();
    assert_eq!(one["plays"].as_u64(), Some(mine as u64));

    // Every route answers 200 with JSON.
    for path in [
        "/api/v1/analytics/trends",
        "/api/v1/analytics/trends?interval=week&tz=Asia/Tokyo",
        "/api/v1/analytics/calendar?year=2026",
        "/api/v1/analytics/top?kind=shows&by=watch_time&limit=3",
        "/api/v1/analytics/top?kind=users",
        "/api/v1/analytics/recent?limit=5",
        "/api/v1/analytics/engagement",
        "/api/v1/analytics/binge",
        "/api/v1/analytics/watch-parties",
        "/api/v1/analytics/quality",
        "/api/v1/analytics/quality/trend",
        "/api/v1/analytics/concurrency?days=7",
        "/api/v1/analytics/breakdown?by=platform",
        "/api/v1/analytics/cohorts",
        "/api/v1/analytics/shared-networks",
        "/api/v1/users",
        &format!("/api/v1/users/{user}"),
        "/api/v1/servers",
        "/api/v1/search?q=meridan",
        "/api/v1/locations",
        "/api/v1/spatial/locations",
        "/api/v1/spatial/plays.geojson?limit=10",
        "/api/v1/spatial/hexagons?resolution=6",
        "/api/v1/spatial/arcs",
        "/api/v1/spatial/viewport?west=170&south=-60&east=-170&north=60",
        "/api/v1/spatial/nearby?lat=51.5&lon=-0.1&radius_km=800",
    ] {
        let (status, body) = get(&base, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(!body.is_null(), "{path}");
    }
    let (_, top) = get(
        &base,
        "/api/v1/analytics/top?kind=shows&by=watch_time&limit=3",
    )
    .await;
    assert!(top.as_array().unwrap().len() <= 3);
    let (_, hexes) = get(&base, "/api/v1/spatial/hexagons?resolution=6").await;
    let hex_plays: u64 = hexes
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["plays"].as_u64().unwrap())
        .sum();
    assert!(hex_plays > 0 && hex_plays <= total);
    let (_, geo) = get(&base, "/api/v1/spatial/locations").await;
    assert_eq!(geo["type"], "FeatureCollection");
    let (_, arcs) = get(&base, "/api/v1/spatial/arcs").await;
    assert!(
        !arcs.as_array().unwrap().is_empty(),
        "arcs to the configured server"
    );
    let (_, hits) = get(&base, "/api/v1/search?q=meridan&kind=title").await;
    assert!(
        hits[0]["value"].as_str().unwrap().contains("Meridian"),
        "{hits}"
    );

    // Bad parameters: 400 naming the parameter.
    for (path, param) in [
        ("/api/v1/analytics/top?kind=films", "kind"),
        ("/api/v1/analytics/top?limit=0", "limit"),
        ("/api/v1/analytics/hours?tz=Mars/Olympus", "tz"),
        ("/api/v1/analytics/trends?interval=fortnight", "interval"),
        ("/api/v1/analytics/calendar?year=twenty", "year"),
        ("/api/v1/analytics/breakdown?by=mood", "by"),
        ("/api/v1/spatial/hexagons?resolution=9", "resolution"),
        (
            "/api/v1/spatial/viewport?west=x&south=0&east=1&north=1",
            "west",
        ),
        ("/api/v1/spatial/nearby?lat=95&lon=0&radius_km=5", "lat"),
        (
            "/api/v1/spatial/nearby?lat=0&lon=0&radius_km=-5",
            "radius_km",
        ),
        ("/api/v1/search?q=", "q"),
        ("/api/v1/stats?users=bob", "users"),
        ("/api/v1/stats?start=yesterday", "start"),
        ("/api/v1/stats?colour=blue", "colour"),
        ("/api/v1/users/not-a-number", "id"),
    ] {
        let (status, body) = get(&base, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["parameter"], param, "{path}: {body}");
    }
    let (status, _) = get(&base, "/api/v1/users/12345").await;
    assert_eq!(status, 404);
    let _ = running.shutdown.send(true);
}

//! End to end through the real pipeline: a fake Plex server's play appears in
//! `/api/v1/playbacks` and on `/ws`; an impossible-travel scenario produces one alert, a
//! Discord-format POST to a local receiver and a trust change; a short preview is not
//! kept in history.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use cartographus_core::{GeoPoint, NetworkId, Platform};
use cartographus_server::app;
use cartographus_server::config::{apply_env, Config, RawConfig};
use cartographus_server::http::router;
use cartographus_sources::fake::{FakeServer, FakeSession};
use cartographus_store::LocationOverride;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

mod support;

use support::{eventually, get, serve};

type Posts = Arc<Mutex<Vec<String>>>;

async fn discord_receiver() -> (String, Posts) {
    let posts: Posts = Arc::default();
    let p = posts.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: String| {
            let p = p.clone();
            async move {
                p.lock().unwrap().push(body);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), posts)
}

fn config(dir: &std::path::Path, plex_url: &str, discord: &str) -> Config {
    let mut raw = RawConfig::default();
    let db = dir.join("c.duckdb").display().to_string();
    let vars = [
        ("AUTH_MODE", "none"),
        ("DUCKDB_PATH", db.as_str()),
        ("ENABLE_PLEX_SYNC", "true"),
        ("PLEX_URL", plex_url),
        ("PLEX_TOKEN", "tok"),
        ("DISCORD_WEBHOOK_URL", discord),
        ("WAL_ENABLED", "false"),
    ];
    apply_env(&mut raw, &|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    raw.plex[0].poll_interval_s = Some(1);
    Config::from_raw(&raw, None).unwrap()
}

fn session(id: &str, user: &str, item: &str, ip: &str, device: &str) -> FakeSession {
    let mut s = FakeSession::new(id, user, &format!("user{user}"), item, "Heat");
    s.ip = ip.parse().unwrap();
    s.device_id = device.into();
    s.duration_ms = 7_200_000;
    s
}

fn place(cidr: &str, lat: f64, lon: f64, city: &str, cc: &str) -> LocationOverride {
    let mut o = LocationOverride::new(
        cidr.parse::<NetworkId>().unwrap(),
        GeoPoint::new(lat, lon).unwrap(),
        city,
    );
    o.city = Some(city.into());
    o.country_code = Some(cc.into());
    o
}

async fn get_json(base: &str, path: &str) -> serde_json::Value {
    get(base, path).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plays_flow_to_the_api_the_hub_and_detection() {
    let plex = FakeServer::start(Platform::Plex, "tok").await.unwrap();
    let (discord, posts) = discord_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let overrides = vec![
        place("81.2.69.0/24", 51.51, -0.09, "London", "GB"),
        place("1.128.0.0/16", -33.87, 151.21, "Sydney", "AU"),
    ];
    let running = app::start(config(dir.path(), &plex.base_url(), &discord), overrides)
        .await
        .unwrap();
    let base = serve(router(running.state.clone())).await;
    let ws_url = base.replacen("http://", "ws://", 1) + "/ws";
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();

    // A play in London appears in the API and on the hub.
    plex.set_sessions(vec![session("1", "7", "100", "81.2.69.142", "dev-a")]);
    assert!(
        eventually(|| async {
            get_json(&base, "/api/v1/playbacks").await["items"]
                .as_array()
                .is_some_and(|a| a.len() == 1)
        })
        .await,
        "the play never reached /api/v1/playbacks"
    );
    let page = get_json(&base, "/api/v1/playbacks").await;
    let play = &page["items"][0];
    assert_eq!(play["geo"]["city"], "London");
    let mut saw_playback = false;
    for _ in 0..20 {
        let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        else {
            break;
        };
        if t.contains("\"type\":\"playback\"") && t.contains("\"started\"") {
            saw_playback = true;
            break;
        }
    }
    assert!(saw_playback, "no playback message on /ws");
    let live = get_json(&base, "/api/v1/sessions/live").await;
    assert_eq!(live["sessions"].as_array().unwrap().len(), 1);

    // Minutes later the same account plays from Sydney on another device: impossible.
    plex.set_sessions(vec![
        session("1", "7", "100", "81.2.69.142", "dev-a"),
        session("2", "7", "200", "1.128.0.9", "dev-b"),
    ]);
    assert!(
        eventually(|| async {
            get_json(&base, "/api/v1/detection/alerts").await["items"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["rule"] == "impossible_travel"))
        })
        .await,
        "no impossible-travel alert"
    );
    assert!(
        eventually(|| async { !posts.lock().unwrap().is_empty() }).await,
        "no Discord POST"
    );
    let body: serde_json::Value = serde_json::from_str(&posts.lock().unwrap()[0]).unwrap();
    assert!(body["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("impossible_travel"));
    let alerts = get_json(&base, "/api/v1/detection/alerts").await;
    let travel: Vec<_> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "impossible_travel")
        .collect();
    assert_eq!(travel.len(), 1, "one alert, not one per event");

    // Malformed parameters are 400s naming the parameter.
    let resp = reqwest::get(format!("{base}/api/v1/playbacks?days=banana"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["parameter"], "days");
    let _ = running.shutdown.send(true);
}

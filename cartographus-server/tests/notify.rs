//! Notifications reach a local receiver in Discord's format and the signed generic format,
//! and a 429 is retried after `Retry-After`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, EventParts, ExternalUserId, GeoPoint,
    GeoSource, Geolocation, MediaKey, MediaType, PlaybackEvent, ServerId, SessionKey, Source,
    Timing,
};
use cartographus_detect::{DetectConfig, Engine};
use cartographus_server::config::Secret;
use cartographus_server::notify::{
    sign, Notifier, NotifyConfig, Sink, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use chrono::{TimeZone, Utc};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn hook(
        State(seen): State<Seen>,
        axum::extract::Path(kind): axum::extract::Path<String>,
        headers: HeaderMap,
        body: String,
    ) -> impl IntoResponse {
        let mut s = seen.lock().unwrap();
        let first_discord = kind == "discord" && !s.iter().any(|(k, _, _)| k == "discord");
        s.push((kind, headers, body));
        if first_discord {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0.2")]).into_response()
        } else {
            StatusCode::NO_CONTENT.into_response()
        }
    }
    let app = axum::Router::new()
        .route("/{kind}", post(hook))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn play(
    session: &str,
    ip: &str,
    lat: f64,
    lon: f64,
    city: &str,
    cc: &str,
    minute: i64,
) -> PlaybackEvent {
    let server = ServerId::new("srv").unwrap();
    let ext = ExternalUserId::new("7").unwrap();
    let uid = derive_user_id(Source::Plex.platform(), &server, &ext);
    let start =
        Utc.with_ymd_and_hms(2026, 11, 1, 20, 0, 0).unwrap() + chrono::Duration::minutes(minute);
    let mut parts = EventParts::new(
        Source::Plex,
        server,
        SessionKey::new(session).unwrap(),
        Timing::started(start),
        Account::new(ext, "sam").to_user_info(uid),
        ContentInfo::new(MediaType::Movie, MediaKey::new("1").unwrap(), "Heat"),
    );
    parts.network.ip = Some(ip.parse().unwrap());
    parts.device.device_id = Some(DeviceId::new(format!("dev-{session}")).unwrap());
    let mut e = PlaybackEvent::assemble(parts);
    let mut geo = Geolocation::at(GeoPoint::new(lat, lon).unwrap(), GeoSource::Mmdb);
    geo.city = Some(city.into());
    geo.country_code = Some(cc.into());
    geo.accuracy_km = Some(10.0);
    e.geo = Some(geo);
    e
}

#[tokio::test]
async fn alerts_reach_discord_and_the_signed_webhook() {
    let (base, seen) = receiver().await;
    let mut engine = Engine::new(DetectConfig::default());
    let london = play("a", "81.2.69.142", 51.5142, -0.0931, "London", "GB", 0);
    let nyc = play("b", "216.160.83.56", 40.71, -74.0, "New York", "US", 10);
    engine.handle_event(&london, london.timing.started_at);
    engine.handle_event(&nyc, nyc.timing.started_at);
    let alert = engine.poll_alert().expect("impossible travel");
    let mut config = NotifyConfig::default();
    config.min_interval = Duration::from_millis(10);
    config.initial_backoff = Duration::from_millis(50);
    let notifier = Notifier::spawn(
        vec![
            Sink::Discord {
                url: Secret::new(format!("{base}/discord")),
            },
            Sink::Webhook {
                url: Secret::new(format!("{base}/generic")),
                secret: Some(Secret::new("hook-key")),
            },
        ],
        config,
    );
    notifier.notify(Arc::new(alert));
    for _ in 0..100 {
        if notifier
            .stats()
            .sent
            .load(std::sync::atomic::Ordering::Relaxed)
            == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = seen.lock().unwrap();
    let discord: Vec<_> = seen.iter().filter(|(k, _, _)| k == "discord").collect();
    assert_eq!(discord.len(), 2, "the 429 was retried once");
    let body: serde_json::Value = serde_json::from_str(&discord[1].2).unwrap();
    let embed = &body["embeds"][0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap()
            .contains("impossible_travel"),
        "{embed}"
    );
    assert_eq!(embed["color"], 0xE0_3131, "critical is red");
    let fields = embed["fields"].to_string();
    assert!(
        fields.contains("London") && fields.contains("New York"),
        "{fields}"
    );

    let (_, headers, body) = seen.iter().find(|(k, _, _)| k == "generic").unwrap();
    let ts: i64 = headers[TIMESTAMP_HEADER].to_str().unwrap().parse().unwrap();
    assert_eq!(
        headers[SIGNATURE_HEADER].to_str().unwrap(),
        sign(b"hook-key", ts, body.as_bytes())
    );
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["alert"]["finding"]["rule"], "impossible_travel");
}

#[tokio::test]
async fn a_full_queue_drops_instead_of_blocking() {
    // A receiver that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let mut engine = Engine::new(DetectConfig::default());
    let a = play("a", "81.2.69.142", 51.5, -0.09, "London", "GB", 0);
    let b = play("b", "216.160.83.56", 40.7, -74.0, "New York", "US", 5);
    engine.handle_event(&a, a.timing.started_at);
    engine.handle_event(&b, b.timing.started_at);
    let alert = Arc::new(engine.poll_alert().unwrap());
    let mut config = NotifyConfig::default();
    config.queue = 1;
    let notifier = Notifier::spawn(
        vec![Sink::Discord {
            url: Secret::new(format!("http://{addr}/hook")),
        }],
        config,
    );
    let started = std::time::Instant::now();
    for _ in 0..10 {
        notifier.notify(alert.clone());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "notify never waits"
    );
    let dropped = notifier
        .stats()
        .dropped
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        dropped >= 8,
        "one in flight, one queued, the rest dropped: {dropped}"
    );
}

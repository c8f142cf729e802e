//! Shared pieces of the server's integration tests: serving a router on a free
//! loopback port, JSON requests, and waiting for a condition.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use cartographus_core::{
    derive_user_id, Account, ContentInfo, EventParts, ExternalUserId, MediaKey, MediaType,
    PlaybackEvent, ServerId, SessionKey, Source, Timing,
};
use cartographus_server::config::{apply_env, Config, RawConfig};
use chrono::{TimeZone, Utc};

/// Serves `app` on 127.0.0.1 and returns its base URL (`http://127.0.0.1:port`).
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    format!("http://{addr}")
}

/// A validated config from environment-style settings (`RawConfig` defaults otherwise).
pub fn config_from(vars: &[(&str, String)]) -> Config {
    let mut raw = RawConfig::default();
    apply_env(&mut raw, &|k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })
    .unwrap();
    Config::from_raw(&raw, None).unwrap()
}

/// A server's config in `dir` for tests: no authentication, the store at `dir/c.duckdb`,
/// the WAL at `dir/c.wal`; `extra` settings come on top (and win).
pub fn local_config(dir: &std::path::Path, extra: &[(&str, String)]) -> Config {
    let mut vars: Vec<(&str, String)> = extra.to_vec();
    vars.push(("AUTH_MODE", "none".into()));
    vars.push(("DUCKDB_PATH", dir.join("c.duckdb").display().to_string()));
    vars.push(("WAL_PATH", dir.join("c.wal").display().to_string()));
    config_from(&vars)
}

/// `GET base+path`: the status and the JSON body (`Null` when not JSON); status 0 when
/// nothing answers (a server still starting).
pub async fn get(base: &str, path: &str) -> (u16, serde_json::Value) {
    let Ok(resp) = reqwest::get(format!("{base}{path}")).await else {
        return (0, serde_json::Value::Null);
    };
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Polls `f` every 200 ms for up to 20 s.
pub async fn eventually<F: FnMut() -> Fut, Fut: std::future::Future<Output = bool>>(
    mut f: F,
) -> bool {
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// A distinct, valid play for every `n` (sources, media types and five users in turn,
/// a minute apart from 2025-12-29).
pub fn event(n: u64) -> PlaybackEvent {
    let source = [Source::Plex, Source::Jellyfin, Source::Emby][(n % 3) as usize];
    let media = [MediaType::Movie, MediaType::Episode, MediaType::Track][(n % 4 % 3) as usize];
    let server = ServerId::new("srv-1").unwrap();
    let ext = ExternalUserId::new(format!("u{}", n % 5)).unwrap();
    let uid = derive_user_id(source.platform(), &server, &ext);
    PlaybackEvent::assemble(EventParts::new(
        source,
        server,
        SessionKey::new(format!("s{n}")).unwrap(),
        Timing::started(Utc.timestamp_opt(1_767_000_000 + n as i64 * 60, 0).unwrap()),
        Account::new(ext, format!("user{n}")).to_user_info(uid),
        ContentInfo::new(
            media,
            MediaKey::new(format!("m{n}")).unwrap(),
            format!("Title {n}"),
        ),
    ))
}

/// A free loopback port (for a server started in another process).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Play `i` on a fake Plex server: session `i`, user `10 + i`, item `100 + i` ("Heat",
/// two hours), device `dev-i`, from 81.2.69.(10 + i).
pub fn fake_play(i: usize) -> cartographus_sources::fake::FakeSession {
    let mut s = cartographus_sources::fake::FakeSession::new(
        &i.to_string(),
        &(10 + i).to_string(),
        &format!("user{i}"),
        &(100 + i).to_string(),
        "Heat",
    );
    s.ip = format!("81.2.69.{}", 10 + i).parse().unwrap();
    s.device_id = format!("dev-{i}");
    s.duration_ms = 7_200_000;
    s
}

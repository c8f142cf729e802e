//! The real binary, stopped with SIGTERM right after it accepted plays, flushes them:
//! reopening the store finds every play the API had already shown as live.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use cartographus_core::Platform;
use cartographus_sources::fake::{FakeServer, FakeSession};
use cartographus_store::{Filter, Store, StoreConfig};
use support::{eventually, fake_play, free_port, get};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_flushes_every_accepted_play() {
    let plex = FakeServer::start(Platform::Plex, "tok").await.unwrap();
    let sessions: Vec<FakeSession> = (0..5).map(fake_play).collect();
    plex.set_sessions(sessions);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.duckdb");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cartographus"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTH_MODE", "none")
        .env("HTTP_PORT", port.to_string())
        .env("DUCKDB_PATH", &db)
        .env("WAL_ENABLED", "false")
        .env("NATS_ENABLED", "false")
        .env("ENABLE_PLEX_SYNC", "true")
        .env("PLEX_URL", plex.base_url())
        .env("PLEX_TOKEN", "tok")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let live = eventually(|| async {
        let (status, body) = get(&base, "/api/v1/sessions/live").await;
        status == 200 && body["sessions"].as_array().is_some_and(|s| s.len() == 5)
    })
    .await;
    assert!(live, "the five plays never showed as live");
    // Acknowledged: now stop at once, before the writer's one-second batch is due.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut exited = None;
    for _ in 0..150 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = exited else {
        let _ = child.kill();
        panic!("the server did not stop within 15 s of SIGTERM");
    };
    assert!(status.success(), "exit status {status}");
    let store = Store::open(StoreConfig::file(&db)).unwrap();
    assert_eq!(store.reads().count_playbacks(&Filter::all()).unwrap(), 5);
}

//! The real binary with its write-ahead log, killed with SIGKILL at random points: a fake
//! Plex server plays 20 known plays in five waves of four; each wave starts, the server
//! is killed after a random delay (while it polls, journals, writes a batch or compacts
//! the WAL — compaction runs every second here) and started again, and the test moves
//! on as soon as the wave shows as live. A wave's plays are gone from the fake server
//! before the next kill, so only what the server acknowledged can bring them back. At
//! the end the store holds every play exactly once.
#![cfg(feature = "wal")]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cartographus_core::Platform;
use cartographus_sources::fake::FakeServer;
use cartographus_store::{Filter, Store, StoreConfig};
use support::{eventually, fake_play, free_port, get};

const WAVES: usize = 5;
const PER_WAVE: usize = 4;

fn start(dir: &Path, port: u16, plex: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cartographus"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTH_MODE", "none")
        .env("HTTP_PORT", port.to_string())
        .env("DUCKDB_PATH", dir.join("c.duckdb"))
        .env("WAL_ENABLED", "true")
        .env("WAL_PATH", dir.join("c.wal"))
        .env("WAL_COMPACT_INTERVAL_S", "1")
        .env("NATS_ENABLED", "false")
        .env("ENABLE_PLEX_SYNC", "true")
        .env("PLEX_URL", plex)
        .env("PLEX_TOKEN", "tok")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The media keys of the stored plays, with how often each is stored.
async fn stored(base: &str) -> Option<BTreeMap<String, usize>> {
    let (status, body) = get(base, "/api/v1/playbacks?limit=1000").await;
    if status != 200 {
        return None;
    }
    let mut seen = BTreeMap::new();
    for item in body["items"].as_array()? {
        let key = item["content"]["media_key"].as_str()?.to_owned();
        *seen.entry(key).or_insert(0) += 1;
    }
    Some(seen)
}

/// A small deterministic generator (xorshift), seeded per run and printed on failure.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let plex = FakeServer::start(Platform::Plex, "tok").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port, &plex.base_url());
    for wave in 0..WAVES {
        let ids: Vec<usize> = (wave * PER_WAVE..(wave + 1) * PER_WAVE).collect();
        let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
        plex.set_sessions(ids.iter().map(|&i| fake_play(i)).collect());
        tokio::time::sleep(Duration::from_millis(rng.below(1_500))).await;
        child.kill().unwrap();
        child.wait().unwrap();
        child = start(dir.path(), port, &plex.base_url());
        let live = eventually(|| async {
            let (status, body) = get(&base, "/api/v1/sessions/live").await;
            status == 200
                && body["sessions"].as_array().is_some_and(|s| {
                    keys.iter().all(|k| {
                        s.iter()
                            .any(|x| x["event"]["identity"]["session_key"].as_str() == Some(k))
                    })
                })
        })
        .await;
        assert!(live, "wave {wave} never showed as live (seed {seed})");
    }
    // One more kill right after the last wave was acknowledged.
    tokio::time::sleep(Duration::from_millis(rng.below(300))).await;
    child.kill().unwrap();
    child.wait().unwrap();
    plex.set_sessions(Vec::new());
    let mut child = start(dir.path(), port, &plex.base_url());
    let all = eventually(|| async {
        stored(&base)
            .await
            .is_some_and(|s| s.len() == WAVES * PER_WAVE)
    })
    .await;
    let seen = stored(&base).await.unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(all, "plays are missing (seed {seed}): {seen:?}");
    let expected: BTreeMap<String, usize> = (0..WAVES * PER_WAVE)
        .map(|i| ((100 + i).to_string(), 1))
        .collect();
    assert_eq!(seen, expected, "every play exactly once (seed {seed})");
    let store = Store::open(StoreConfig::file(dir.path().join("c.duckdb"))).unwrap();
    assert_eq!(
        store.reads().count_playbacks(&Filter::all()).unwrap(),
        (WAVES * PER_WAVE) as u64
    );
}

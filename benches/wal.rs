//! Benchmarks of the redb write-ahead log: append + confirm of a batch (the append's
//! commit fsynced, the confirmation's riding on the next fsync), for batches of 1, 100 and
//! 1,000 events, and the same without fsync for comparison; then a replay of 10,000
//! unconfirmed entries; then the store writer's batch of 1,000 new plays with and without
//! the WAL in front (journal, DuckDB append, confirm), the cost of the WAL as a ratio;
//! then the NATS path: batches of 1,000 journaled, published to JetStream, confirmed,
//! pulled by the durable consumer, upserted into the store and acknowledged. That group
//! starts its own `nats-server -js` (the Debian package; `NATS_SERVER_BIN` or `PATH`).
//! Run with `benches/run.sh wal` (or `cargo bench --profile release -p cartographus-server
//! --bench wal`; the release profile shares the bundled DuckDB build). The file lives in
//! `WAL_BENCH_DIR` (default: the system temp directory), which must be on a real disk for
//! the fsync figures to mean anything.

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, EventParts, ExternalUserId, MediaKey,
    MediaType, PlaybackEvent, ServerId, SessionKey, Source, StreamDecision, Timing,
    TranscodeDecision,
};
use cartographus_server::wal::{LeaseOwner, Wal, WalConfig};
use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_000_000 + s, 0).unwrap()
}

/// A play with the fields a Plex session usually fills (about 1.3 KB of JSON).
fn event(i: u64) -> PlaybackEvent {
    let server = ServerId::new("5d9a1f0c2e").unwrap();
    let ext = ExternalUserId::new(format!("{}", i % 5_000)).unwrap();
    let uid = derive_user_id(Source::Plex.platform(), &server, &ext);
    let mut content = ContentInfo::new(
        MediaType::Episode,
        MediaKey::new(format!("{}", 10_000 + i % 20_000)).unwrap(),
        "The One Where Everything Is Benchmarked",
    );
    content.grandparent_title = Some("A Long-Running Show".into());
    content.parent_title = Some("Season 4".into());
    content.season = Some(4);
    content.episode = Some((i % 24) as u32);
    content.library_name = Some("TV Shows".into());
    content.genres = vec!["Comedy".into(), "Drama".into()];
    let mut parts = EventParts::new(
        Source::Plex,
        server,
        SessionKey::new(format!("{i}")).unwrap(),
        Timing::started(t(i as i64 * 7)),
        Account::new(ext, format!("viewer{}", i % 5_000)).to_user_info(uid),
        content,
    );
    parts.network.ip = Some(std::net::IpAddr::from([203, 0, 113, (i % 250) as u8]));
    parts.device.device_id = Some(DeviceId::new(format!("device-{}", i % 9_000)).unwrap());
    parts.device.platform = Some("Android".into());
    parts.device.product = Some("Plex for Android (TV)".into());
    parts.device.player = Some("Living Room TV".into());
    parts.quality.transcode_decision = Some(TranscodeDecision::Transcode);
    parts.quality.video_decision = Some(StreamDecision::Transcode);
    parts.quality.audio_decision = Some(StreamDecision::Copy);
    parts.quality.video_resolution = Some("1080".into());
    parts.quality.stream_video_resolution = Some("720".into());
    parts.quality.video_codec = Some("hevc".into());
    parts.quality.stream_video_codec = Some("h264".into());
    parts.quality.bitrate_kbps = Some(12_000);
    parts.quality.stream_bitrate_kbps = Some(4_000);
    PlaybackEvent::assemble(parts)
}

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("WAL_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

fn config(fsync: bool) -> WalConfig {
    let mut c = WalConfig::default();
    c.fsync = fsync;
    c
}

fn append_confirm(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    for (fsync, sizes) in [(true, &[1usize, 100, 1000][..]), (false, &[1000][..])] {
        for &size in sizes {
            let dir = bench_dir();
            let wal = Wal::open(dir.path().join("bench.wal"), config(fsync)).unwrap();
            let batch: Vec<PlaybackEvent> = (0..size as u64).map(event).collect();
            let name = format!(
                "append_confirm/{}/{size}",
                if fsync { "fsync" } else { "no_fsync" }
            );
            g.throughput(Throughput::Elements(size as u64));
            let mut n = 0u64;
            g.bench_function(&name, |b| {
                b.iter(|| {
                    let seqs = wal.append(black_box(&batch), t(0)).unwrap();
                    wal.confirm(&seqs).unwrap();
                    n += 1;
                    // Keep the file small, as the hourly compaction would.
                    if n.is_multiple_of(200) {
                        wal.compact(t(0)).unwrap();
                    }
                })
            });
        }
    }
    g.finish();
}

fn replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let dir = bench_dir();
    let wal = Wal::open(dir.path().join("replay.wal"), config(true)).unwrap();
    let batch: Vec<PlaybackEvent> = (0..1000).map(event).collect();
    for _ in 0..10 {
        wal.append(&batch, t(0)).unwrap();
    }
    let owner = LeaseOwner::new("bench").unwrap();
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("replay/10000", |b| {
        b.iter_batched(
            || wal.acquire_lease(&owner, t(0)).unwrap(),
            |lease| {
                let n = wal
                    .replay(&lease, t(0))
                    .unwrap()
                    .filter(Result::is_ok)
                    .count();
                assert_eq!(n, 10_000);
                lease
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Batches of new plays through the store writer's `apply`, into a file store, with the
/// WAL (fsync on) and without: plays/s through WAL → store, and the WAL's cost; 1,000
/// is the writer's batch, 10,000 shows what a larger group commit would buy.
fn wal_to_store(c: &mut Criterion) {
    use cartographus_server::pipeline::{apply, Journal, WriteOp};
    use cartographus_store::{Store, StoreConfig};
    let mut g = c.benchmark_group("writer");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for (size, with_wal) in [(1_000u64, true), (1_000, false), (10_000, true)] {
        g.throughput(Throughput::Elements(size));
        let dir = bench_dir();
        let mut store = Store::open(StoreConfig::file(dir.path().join("bench.duckdb"))).unwrap();
        let journal = if with_wal {
            Journal::wal(Wal::open(dir.path().join("bench.wal"), config(true)).unwrap())
        } else {
            Journal::none()
        };
        let mut next = 0u64;
        let name = format!("batch_{size}/{}", if with_wal { "wal" } else { "no_wal" });
        g.bench_function(&name, |b| {
            b.iter_batched(
                || {
                    let batch: Vec<WriteOp> = (next..next + size)
                        .map(|i| WriteOp::Append(event(i)))
                        .collect();
                    next += size;
                    batch
                },
                |batch| {
                    let out = apply(&mut store, &journal, batch);
                    assert!(out.errors.is_empty(), "{:?}", out.errors);
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// A `nats-server -js` on a free loopback port, killed on drop.
struct NatsServer(std::process::Child, u16);

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nats_server(dir: &std::path::Path) -> NatsServer {
    let bin = std::env::var_os("NATS_SERVER_BIN")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .chain(["/usr/sbin".into(), "/usr/bin".into()])
                .map(|d| d.join("nats-server"))
                .find(|p| p.is_file())
        })
        .expect("nats-server is not installed: run scripts/install-deps.sh");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.join("js"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    NatsServer(child, port)
}

/// Batches of 1,000 new plays: WAL (fsync on) → JetStream (publish, ack) → WAL confirm →
/// durable consumer → store upsert → message acks.
fn wal_nats_store(c: &mut Criterion) {
    use cartographus_server::nats::{Nats, NatsConfig};
    use cartographus_server::pipeline::Journal;
    use cartographus_store::{Store, StoreConfig};
    let dir = bench_dir();
    let server = nats_server(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("nats://127.0.0.1:{}", server.1);
    let nc = NatsConfig::from_env(&|k| (k == "NATS_URL").then(|| url.clone())).unwrap();
    let nats = rt.block_on(async {
        for _ in 0..100 {
            if let Ok(n) = Nats::connect(&nc).await {
                if n.ensure_stream_and_consumer().await.is_ok() {
                    return n;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nats-server did not start");
    });
    let publisher = nats.publisher();
    let mut consumer = rt.block_on(nats.consumer()).unwrap();
    let journal = Journal::wal(Wal::open(dir.path().join("bench.wal"), config(true)).unwrap());
    let mut store = Store::open(StoreConfig::file(dir.path().join("bench.duckdb"))).unwrap();
    let mut g = c.benchmark_group("nats");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(1_000));
    let mut next = 1_000_000u64;
    g.bench_function("wal_publish_consume_store/1000", |b| {
        b.iter_batched(
            || {
                let batch: Vec<PlaybackEvent> = (next..next + 1_000).map(event).collect();
                next += 1_000;
                batch
            },
            |plays| {
                let now = Utc::now();
                let receipt = journal.record(&plays, now);
                let seqs = receipt.per_play(plays.len());
                assert!(seqs.iter().all(Option::is_some), "journaled");
                let deliveries = rt.block_on(async {
                    let published = publisher.publish_all(&plays).await;
                    assert!(published.iter().all(Result::is_ok));
                    journal.settle(&seqs, &[], now);
                    let mut got = Vec::with_capacity(plays.len());
                    while got.len() < plays.len() {
                        got.push(consumer.next().await.unwrap().unwrap());
                    }
                    got
                });
                let events: Vec<PlaybackEvent> = deliveries
                    .iter()
                    .filter_map(|d| d.event().cloned())
                    .collect();
                store.upsert_plays(&events).unwrap();
                rt.block_on(async {
                    for d in deliveries {
                        d.ack().await.unwrap();
                    }
                });
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    drop(server);
}

criterion_group!(
    benches,
    append_confirm,
    replay,
    wal_to_store,
    wal_nats_store
);
criterion_main!(benches);

//! Benchmarks of the sans-IO core: correlation keys, dedup verdicts and session snapshots.
//! Run with `cargo bench -p cartographus-core --bench core`.

use cartographus_core::{
    derive_user_id, Account, ContentInfo, CorrelationKey, DedupConfig, Deduplicator, DeviceId,
    EventParts, ExternalUserId, KeyParts, MediaKey, MediaType, PlaybackEvent, PlaybackState,
    ServerId, SessionKey, SessionSnapshot, SessionTracker, Source, Timing, TrackerConfig,
};
use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_000_000 + s, 0).unwrap()
}

/// The `n`-th verdict of a stream in which every fourth report is a play seen before,
/// re-reported by Tautulli 20 s later (150,000 plays, 50,000 duplicates per 200,000).
fn event(n: u64) -> PlaybackEvent {
    let (i, dup) = if n % 4 == 3 {
        (n - 1, true)
    } else {
        (n, false)
    };
    let server = ServerId::new("5d9a1f0c2e").unwrap();
    let ext = ExternalUserId::new(format!("{}", i % 5_000)).unwrap();
    let uid = derive_user_id(Source::Plex.platform(), &server, &ext);
    let (source, session, start) = if dup {
        (Source::Tautulli, format!("t{i}"), (i as i64) * 7 + 20)
    } else {
        (Source::Plex, format!("{i}"), (i as i64) * 7)
    };
    let mut parts = EventParts::new(
        source,
        server,
        SessionKey::new(session).unwrap(),
        Timing::started(t(start)),
        Account::new(ext, "user").to_user_info(uid),
        ContentInfo::new(
            MediaType::Episode,
            MediaKey::new(format!("{}", 10_000 + i % 20_000)).unwrap(),
            "x",
        ),
    );
    parts.device.device_id = Some(DeviceId::new(format!("device-{}", i % 9_000)).unwrap());
    PlaybackEvent::assemble(parts)
}

fn snapshot(i: usize, offset: u64) -> SessionSnapshot {
    let mut s = SessionSnapshot::new(
        SessionKey::new(format!("{i}")).unwrap(),
        PlaybackState::Playing,
    );
    s.user = Some(Account::new(
        ExternalUserId::new(format!("{}", i % 700)).unwrap(),
        "user",
    ));
    s.content = Some(ContentInfo::new(
        MediaType::Movie,
        MediaKey::new(format!("{}", 5_000 + i)).unwrap(),
        "Heat",
    ));
    s.view_offset_ms = Some(offset);
    s.media_duration_ms = Some(7_200_000);
    s.device.device_id = Some(DeviceId::new(format!("dev-{i}")).unwrap());
    s
}

fn bench(c: &mut Criterion) {
    let server = ServerId::new("5d9a1f0c2e").unwrap();
    let user = ExternalUserId::new("123456").unwrap();
    let media = MediaKey::new("98765").unwrap();
    let device = DeviceId::new("abcdef0123456789").unwrap();
    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(1));
    g.bench_function("correlation_key", |b| {
        let mut s = 0i64;
        b.iter(|| {
            s += 1;
            let p = KeyParts {
                source: Source::Plex,
                server: &server,
                user: &user,
                media: &media,
                device: Some(&device),
                started_at: t(s),
            };
            black_box(CorrelationKey::from_parts(black_box(&p)))
        })
    });

    // Dedup: a stream where a third of the plays are re-reported by a second source.
    let events: Vec<PlaybackEvent> = (0..200_000).map(event).collect();
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("dedup_200k_verdicts", |b| {
        b.iter_batched(
            || Deduplicator::new(DedupConfig::default()),
            |mut d| {
                let now = t(2_000_000);
                let mut dups = 0u32;
                for e in &events {
                    dups += u32::from(!d.check(e, now).is_new());
                }
                black_box(dups)
            },
            BatchSize::LargeInput,
        )
    });

    // Session tracking: 1,000 concurrent sessions, one snapshot every 10 s.
    let snaps: Vec<Vec<SessionSnapshot>> = (0..10)
        .map(|k| (0..1_000).map(|i| snapshot(i, k * 10_000)).collect())
        .collect();
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("snapshot_1000_sessions", |b| {
        let mut tr = SessionTracker::new(Source::Plex, server.clone(), TrackerConfig::default());
        let mut k = 0usize;
        let mut now = 0i64;
        b.iter(|| {
            now += 10;
            k += 1;
            let errs = tr.handle_snapshot(&snaps[k % snaps.len()], t(now));
            let mut n = 0;
            while let Some(u) = tr.poll_update() {
                n += 1;
                black_box(u);
            }
            black_box((errs, n))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Throughput of the detection engine: events per second through all rules with
//! 10,000 users' windows in memory.
//!
//! `new_plays` feeds plays the engine has not seen (every rule runs); `updates` feeds
//! progress updates of plays it knows (the cheap path most live traffic takes);
//! `warm_up` feeds history (windows only, no rules).
#![allow(missing_docs)]

use std::time::{Duration as StdDuration, Instant};

use cartographus_core::{
    Account, ContentInfo, DeviceId, EventId, EventParts, ExternalUserId, GeoPoint, GeoSource,
    Geolocation, MediaKey, MediaType, PlaybackEvent, ServerId, SessionKey, Source, Timing, UserId,
};
use cartographus_detect::{DetectConfig, Engine};
use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const USERS: u64 = 10_000;
/// Plays per user per simulated day.
const PER_DAY: usize = 4;
const POOL: usize = USERS as usize * PER_DAY;

const CITIES: [(f64, f64, &str); 12] = [
    (48.8566, 2.3522, "FR"),
    (45.7640, 4.8357, "FR"),
    (52.5200, 13.4050, "DE"),
    (51.5074, -0.1278, "GB"),
    (40.7128, -74.0060, "US"),
    (34.0522, -118.2437, "US"),
    (35.6762, 139.6503, "JP"),
    (-33.8688, 151.2093, "AU"),
    (19.4326, -99.1332, "MX"),
    (-23.5505, -46.6333, "BR"),
    (41.9028, 12.4964, "IT"),
    (59.3293, 18.0686, "SE"),
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// One day of plays: each user plays four times from home on one of their devices;
/// one in fifty plays comes from somewhere else (a traveller or a sharer).
fn day(rng: &mut Rng, day: i64) -> Vec<PlaybackEvent> {
    let server = ServerId::new("bench").unwrap();
    let content = ContentInfo::new(MediaType::Episode, MediaKey::new("1").unwrap(), "Ep");
    (0..POOL)
        .map(|i| {
            let u = (i as u64) % USERS;
            let user = UserId::new(u + 1).unwrap();
            let ext = ExternalUserId::new((u + 1).to_string()).unwrap();
            let info = Account::new(ext, format!("user{u}")).to_user_info(user);
            let minute = (i as i64 / USERS as i64) * 300 + rng.below(60) as i64;
            let start = t0() + Duration::days(day) + Duration::minutes(minute);
            let mut timing = Timing::started(start);
            let stop = start + Duration::minutes(20 + rng.below(100) as i64);
            timing.stopped_at = Some(stop);
            timing.updated_at = stop;
            let away = rng.below(50) == 0;
            let home = (u % CITIES.len() as u64) as usize;
            let city = if away {
                rng.below(CITIES.len() as u64) as usize
            } else {
                home
            };
            let session = SessionKey::new(format!("{u}-{i}")).unwrap();
            let mut parts = EventParts::new(
                Source::Plex,
                server.clone(),
                session,
                timing,
                info,
                content.clone(),
            );
            let ip = if away {
                format!(
                    "{}.{}.{}.{}",
                    20 + rng.below(150),
                    rng.below(256),
                    rng.below(256),
                    1 + rng.below(250)
                )
            } else {
                format!(
                    "{}.{}.{}.{}",
                    20 + (u >> 16) % 150,
                    (u >> 8) & 255,
                    u & 255,
                    7
                )
            };
            parts.network.ip = Some(ip.parse().unwrap());
            let device = format!("dev-{u}-{}", rng.below(3));
            parts.device.device_id = Some(DeviceId::new(device).unwrap());
            parts.device.product =
                Some(["Plex Web", "Plex for Android", "Plex for Roku"][(u % 3) as usize].into());
            parts.device.platform = Some(["Chrome", "Android", "Roku"][(u % 3) as usize].into());
            let mut e = PlaybackEvent::assemble(parts);
            let (lat, lon, cc) = CITIES[city];
            let mut g = Geolocation::at(GeoPoint::new(lat, lon).unwrap(), GeoSource::Mmdb);
            g.country_code = Some(cc.into());
            g.accuracy_km = Some(20.0);
            g.asn = Some(1_000 + (u % 40) as u32);
            g.city = Some(format!("city{city}"));
            e.geo = Some(g);
            e
        })
        .collect()
}

/// An engine holding a week of history for 10,000 users.
fn warmed(rng: &mut Rng) -> Engine {
    let mut engine = Engine::new(DetectConfig::default());
    let now = t0() + Duration::days(7);
    for d in 0..7 {
        for e in day(rng, d) {
            engine.handle_history(&e, now);
        }
    }
    engine
}

/// Events fed between two pool renewals: small enough that the events are in cache
/// when fed, as a freshly decoded event is in the server.
const CHUNK: usize = 2_000;

/// Feeds the first `n` events of the next simulated day as the server would: alerts
/// drained after each event, the timeout handled once per day (a server does it once
/// a minute, which at these rates is far rarer). Only the feeding is timed; `engine_cpu`
/// grows by the thread's CPU time (ns) spent in the engine's calls, without the
/// renewal of the pool.
fn next_day(
    engine: &mut Engine,
    pool: &mut [PlaybackEvent],
    pass: u64,
    n: usize,
    engine_cpu: &mut u64,
) -> StdDuration {
    let mut total = StdDuration::ZERO;
    let now = pool[n - 1].timing.updated_at + Duration::days(1);
    let mut from = 0;
    while from < pool.len() {
        let to = (from + CHUNK).min(pool.len());
        // Every event moves a day, fed or not, so the pool stays in order.
        renew_range(pool, from, to, pass);
        if from < n {
            let end = to.min(n);
            let cpu = thread_cpu_ns();
            let start = Instant::now();
            for e in &pool[from..end] {
                engine.handle_event(e, now);
                while engine.poll_alert().is_some() {}
            }
            total += start.elapsed();
            *engine_cpu += cpu_since(cpu);
        }
        from = to;
    }
    let cpu = thread_cpu_ns();
    let start = Instant::now();
    engine.handle_timeout(now);
    let elapsed = start.elapsed();
    *engine_cpu += cpu_since(cpu);
    total + elapsed
}

/// CPU nanoseconds of this thread since `from` (0 where the count is not available).
fn cpu_since(from: Option<u64>) -> u64 {
    match (from, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    }
}

fn renew_range(pool: &mut [PlaybackEvent], from: usize, to: usize, pass: u64) {
    for (i, e) in pool[from..to].iter_mut().enumerate() {
        let id = (u128::from(pass) << 64) | (from + i) as u128;
        e.identity.event_id = EventId::from_uuid(uuid::Uuid::from_u128(id));
        let shift = Duration::days(1);
        e.timing.started_at += shift;
        e.timing.updated_at += shift;
        e.timing.stopped_at = e.timing.stopped_at.map(|s| s + shift);
    }
}

/// Feeds events already in the engine (progress updates), alerts drained after each.
fn feed(engine: &mut Engine, pool: &[PlaybackEvent], now: DateTime<Utc>) -> StdDuration {
    let start = Instant::now();
    for e in pool {
        engine.handle_event(e, now);
        while engine.poll_alert().is_some() {}
    }
    start.elapsed()
}

/// Nanoseconds this thread has run on a CPU (from `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));

    let mut engine = warmed(&mut rng);
    let mut pool = day(&mut rng, 6);
    let mut pass = 1u64;
    group.bench_function("new_plays_10k_users", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            let mut left = iters as usize;
            while left > 0 {
                let n = left.min(pool.len());
                pass += 1;
                total += next_day(&mut engine, &mut pool, pass, n, &mut 0);
                left -= n;
            }
            total
        })
    });
    // The machine may be shared: also report throughput per second of this thread's
    // CPU time (Linux only; skipped elsewhere).
    if let Some(cpu0) = thread_cpu_ns() {
        let mut events = 0u64;
        let wall = Instant::now();
        let mut fed = StdDuration::ZERO;
        let mut engine_cpu = 0u64;
        for _ in 0..10 {
            pass += 1;
            let n = pool.len();
            fed += next_day(&mut engine, &mut pool, pass, n, &mut engine_cpu);
            events += pool.len() as u64;
        }
        if let Some(cpu1) = thread_cpu_ns() {
            let cpu = (cpu1 - cpu0) as f64 / 1e9;
            let engine_cpu = engine_cpu as f64 / 1e9;
            eprintln!(
                "new plays: {events} events, {:.2} s wall ({:.2} s feeding), {cpu:.2} s CPU incl. renewing the pool: {:.0} events per CPU-second; {engine_cpu:.2} s CPU in the engine's calls alone: {:.0} events per CPU-second; {:.0} per wall-second of feeding",
                wall.elapsed().as_secs_f64(),
                fed.as_secs_f64(),
                events as f64 / cpu,
                events as f64 / engine_cpu,
                events as f64 / fed.as_secs_f64()
            );
        }
    }
    let st = engine.stats();
    eprintln!(
        "engine after new_plays: {} users, {} plays in memory, {} live events, {} alerts, {} suppressed by cooldown",
        engine.users(),
        engine.plays_in_memory(),
        st.events,
        st.alerts(),
        st.suppressed_by_cooldown
    );

    group.bench_function("updates_10k_users", |b| {
        let now = pool[pool.len() - 1].timing.updated_at;
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            let mut left = iters as usize;
            while left > 0 {
                let n = left.min(pool.len());
                total += feed(&mut engine, &pool[..n], now);
                left -= n;
            }
            total
        })
    });

    group.bench_function("warm_up_history", |b| {
        b.iter_custom(|iters| {
            let mut total = StdDuration::ZERO;
            let mut left = iters as usize;
            while left > 0 {
                let n = left.min(pool.len());
                pass += 1;
                let now = pool[n - 1].timing.updated_at + Duration::days(1);
                for from in (0..pool.len()).step_by(CHUNK) {
                    let to = (from + CHUNK).min(pool.len());
                    renew_range(&mut pool, from, to, pass);
                    let start = Instant::now();
                    for e in &pool[from..to.min(n.max(from))] {
                        engine.handle_history(e, now);
                    }
                    total += start.elapsed();
                }
                left -= n;
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

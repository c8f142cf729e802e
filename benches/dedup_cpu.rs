//! Dedup verdicts per CPU-second of the measuring thread, which stays meaningful on a
//! shared machine where wall-clock rates swing with load:
//! `cargo bench -p cartographus-core --bench dedup_cpu`.

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DedupConfig, Deduplicator, DeviceId, EventParts,
    ExternalUserId, MediaKey, MediaType, PlaybackEvent, ServerId, SessionKey, Source, Timing,
};
use chrono::{TimeZone, Utc};

fn thread_cpu_ns() -> u64 {
    // The first field of /proc/thread-self/schedstat is the time spent on a CPU, in ns.
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let t = |s: i64| Utc.timestamp_opt(1_767_000_000 + s, 0).unwrap();
    let server = ServerId::new("5d9a1f0c2e").unwrap();
    // Every fourth report is a play seen before, re-reported by Tautulli 20 s later:
    // 150,000 plays and 50,000 duplicates.
    let events: Vec<PlaybackEvent> = (0..200_000u64)
        .map(|n| {
            let (i, dup) = if n % 4 == 3 {
                (n - 1, true)
            } else {
                (n, false)
            };
            let ext = ExternalUserId::new(format!("{}", i % 5_000)).unwrap();
            let uid = derive_user_id(Source::Plex.platform(), &server, &ext);
            let (source, session, start) = if dup {
                (Source::Tautulli, format!("t{i}"), (i as i64) * 7 + 20)
            } else {
                (Source::Plex, format!("{i}"), (i as i64) * 7)
            };
            let mut parts = EventParts::new(
                source,
                server.clone(),
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
        })
        .collect();
    let mut best = 0.0f64;
    for _ in 0..7 {
        let mut d = Deduplicator::new(DedupConfig::default());
        let c0 = thread_cpu_ns();
        let mut dups = 0u32;
        for e in &events {
            dups += u32::from(!d.check(e, t(2_000_000)).is_new());
        }
        let cpu = (thread_cpu_ns() - c0) as f64 / 1e9;
        let rate = events.len() as f64 / cpu;
        best = best.max(rate);
        println!(
            "{} verdicts, {dups} duplicates, {cpu:.3} CPU-s: {:.2} M verdicts per CPU-second",
            events.len(),
            rate / 1e6
        );
    }
    println!("best: {:.2} M verdicts per CPU-second", best / 1e6);
}

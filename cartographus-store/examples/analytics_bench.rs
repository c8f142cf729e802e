//! Dashboard query latency on a realistic history: brings the analytics rollups up to
//! date (`Store::refresh_analytics`, timed), then runs each dashboard query (overview,
//! trends, top lists, spatial) `--runs` times (default 50) after one warm-up, and the
//! other analytics queries `--other-runs` times (default 3), and prints p50/p95 in
//! milliseconds as Markdown tables. No result cache is involved: every run executes
//! the SQL.
//!
//! ```text
//! # generate (once) a 1M-play history, then measure:
//! cargo run --release -p cartographus-store --example analytics_bench -- \
//!     --db /tmp/cartographus-1m.duckdb --generate 1000000 [--runs 50] [--other-runs 3] \
//!     [--threads 2] [--no-refresh] [--only SUBSTRING]
//! ```
//!
//! `--no-refresh` leaves the rollups alone (on a database never refreshed, every query
//! reads the plays: the figures without pre-aggregation).
//!
//! The history comes from the shared synthetic generator (`support/synth.rs`: Zipf
//! users and titles, 300 cities, households with several devices, pauses, transcodes,
//! two years of plays) with 5 % of plays turned into resumed segments of their user's
//! previous play, so play counting (`reference_id` groups) is exercised.

#[path = "support/synth.rs"]
mod synth;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use cartographus_core::{EventParts, GeoPoint, H3Resolution, MediaType, PlaybackEvent};
use cartographus_store::{
    Accuracy, BingeRules, BoundingBox, BreakdownBy, Filter, PartyRules, Radius, RankBy,
    SearchRequest, Store, StoreConfig, TopKind, Zone,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

struct Args {
    db: PathBuf,
    generate: Option<u64>,
    runs: usize,
    other_runs: usize,
    threads: Option<u16>,
    only: Option<String>,
    refresh: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        db: PathBuf::from("analytics-bench.duckdb"),
        generate: None,
        runs: 50,
        other_runs: 3,
        threads: None,
        only: None,
        refresh: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => a.db = val()?.into(),
            "--generate" => a.generate = Some(val()?.parse()?),
            "--runs" => a.runs = val()?.parse()?,
            "--threads" => a.threads = Some(val()?.parse()?),
            "--only" => a.only = Some(val()?),
            "--other-runs" => a.other_runs = val()?.parse()?,
            "--no-refresh" => a.refresh = false,
            "--bench" => {}
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(a)
}

/// `e` turned into a resumed segment of `prev` (same item and device): reassembled, so
/// its keys and event id are the ones a real resumed play gets.
fn resumed(
    e: &PlaybackEvent,
    prev: &PlaybackEvent,
    root: cartographus_core::EventId,
) -> PlaybackEvent {
    let id = &e.identity;
    let mut parts = EventParts::new(
        id.source,
        id.server_id.clone(),
        id.session_key.clone(),
        e.timing.clone(),
        e.user.clone(),
        prev.content.clone(),
    );
    parts.device = prev.device.clone();
    parts.network = e.network.clone();
    parts.quality = e.quality.clone();
    let mut out = PlaybackEvent::assemble(parts);
    out.identity.reference_id = Some(root);
    out
}

/// Generates `n` plays into a new file at `path`.
fn generate(path: &PathBuf, n: u64) -> Result<()> {
    for p in [path.clone(), path.with_extension("duckdb.wal")] {
        let _ = std::fs::remove_file(p);
    }
    let mut store = Store::open(StoreConfig::file(path))?;
    let mut generator = synth::Generator::new(7, n);
    let mut geo = synth::resolver();
    let mut rng = synth::Rng::new(99);
    let mut last: HashMap<u64, (cartographus_core::EventId, PlaybackEvent)> = HashMap::new();
    let t0 = Instant::now();
    let mut done = 0u64;
    while done < n {
        let k = (n - done).min(50_000) as usize;
        let mut events = generator.batch(k);
        for e in &mut events {
            let uid = e.user.user_id.get();
            // 5 % of plays resume the user's previous play (same item and device, a
            // later segment), when that play had ended.
            if rng.below(100) < 5 {
                if let Some((root, prev)) = last.get(&uid) {
                    if prev
                        .timing
                        .stopped_at
                        .is_some_and(|s| s <= e.timing.started_at)
                    {
                        *e = resumed(e, prev, *root);
                    }
                }
            }
            let root = e.identity.reference_id.unwrap_or(e.event_id());
            last.insert(uid, (root, e.clone()));
        }
        geo.enrich(&mut events);
        store.append(&events)?;
        done += k as u64;
        if done.is_multiple_of(1_000_000) {
            eprintln!("  {done} plays ({:.0} s)", t0.elapsed().as_secs_f64());
        }
    }
    store.checkpoint()?;
    eprintln!(
        "generated {n} plays in {:.1} s; file {:.0} MB",
        t0.elapsed().as_secs_f64(),
        store.file_size() as f64 / 1e6
    );
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<()> {
    let a = args()?;
    if let Some(n) = a.generate {
        if !a.db.exists() {
            generate(&a.db, n)?;
        }
    }
    let mut config = StoreConfig::file(&a.db);
    if let Some(t) = a.threads {
        config = config.with_threads(t);
    }
    let mut store = Store::open(config)?;
    if a.refresh {
        let t = Instant::now();
        let refresh = store.refresh_analytics()?;
        println!(
            "refresh_analytics: {:.2} s ({refresh:?})\n",
            t.elapsed().as_secs_f64()
        );
    }
    let r = store.reads();
    let rows = r.count_playbacks(&Filter::all())?;
    let (lo, hi) = r.time_span(&Filter::all())?.ok_or("empty store")?;
    let ny: Zone = "America/New_York".parse()?;
    let all = Filter::all();
    let last30 = Filter::all().last_days(30, hi);
    let year = hi.format("%Y").to_string().parse::<i32>()?;
    let server = GeoPoint::new(48.85, 2.35)?;
    let europe = BoundingBox::new(-10.0, 35.0, 30.0, 60.0)?;
    let pacific = BoundingBox::new(150.0, -50.0, -150.0, 10.0)?;
    let movies = {
        let mut f = Filter::all();
        f.media_types = vec![MediaType::Movie];
        f
    };
    println!(
        "# {} plays ({rows} rows), {} – {}, {} threads, load average {}\n",
        r.overview(&all, Accuracy::Exact)?.plays,
        lo.date_naive(),
        hi.date_naive(),
        store.engine_settings()?.threads,
        load_average()
    );
    type Query<'a> = Box<dyn Fn() -> std::result::Result<usize, Box<dyn std::error::Error>> + 'a>;
    macro_rules! q {
        ($e:expr) => {
            Box::new(|| -> std::result::Result<usize, Box<dyn std::error::Error>> {
                let v = $e?;
                Ok(serde_json::to_vec(&v)?.len())
            }) as Query
        };
    }
    let dashboard: Vec<(&str, Query)> = vec![
        ("overview", q!(r.overview(&all, Accuracy::Exact))),
        (
            "overview, last 30 days",
            q!(r.overview(&last30, Accuracy::Exact)),
        ),
        ("trends (auto: month), NY", q!(r.trends(&all, ny, None))),
        (
            "trends, last 30 days (day), NY",
            q!(r.trends(&last30, ny, None)),
        ),
        ("plays by hour, NY", q!(r.plays_by_hour(&all, ny))),
        ("plays by weekday, NY", q!(r.plays_by_weekday(&all, ny))),
        ("heatmap day×hour, NY", q!(r.heatmap(&all, ny))),
        ("calendar (last year), NY", q!(r.calendar(&all, ny, year))),
        (
            "top movies by plays",
            q!(r.top(&all, TopKind::Movies, RankBy::Plays, 10)),
        ),
        (
            "top shows by watch time",
            q!(r.top(&all, TopKind::Shows, RankBy::WatchTime, 10)),
        ),
        (
            "top artists by users",
            q!(r.top(&all, TopKind::Artists, RankBy::Users, 10)),
        ),
        (
            "top episodes by plays",
            q!(r.top(&all, TopKind::Episodes, RankBy::Plays, 10)),
        ),
        (
            "top users",
            q!(r.top(&all, TopKind::Users, RankBy::Plays, 10)),
        ),
        (
            "top platforms",
            q!(r.top(&all, TopKind::Platforms, RankBy::Plays, 10)),
        ),
        (
            "top players by users",
            q!(r.top(&all, TopKind::Players, RankBy::Users, 10)),
        ),
        (
            "top libraries",
            q!(r.top(&all, TopKind::Libraries, RankBy::Plays, 10)),
        ),
        (
            "top movies, last 30 days",
            q!(r.top(&last30, TopKind::Movies, RankBy::Plays, 10)),
        ),
        ("recent plays", q!(r.recent_plays(&all, 20))),
        (
            "most concurrent (last 30 days)",
            q!(r.concurrency(&last30, ny, None)),
        ),
        ("locations", q!(r.locations(&all, 1000))),
        ("locations, last 30 days", q!(r.locations(&last30, 1000))),
        ("hexagons r6", q!(r.hexagons(&all, H3Resolution::R6, 5000))),
        ("hexagons r7", q!(r.hexagons(&all, H3Resolution::R7, 5000))),
        ("hexagons r8", q!(r.hexagons(&all, H3Resolution::R8, 5000))),
        ("arcs", q!(r.arcs(&all, server, 1000))),
        ("viewport (Europe)", q!(r.viewport(&all, &europe, 1000))),
        (
            "viewport (Pacific, antimeridian)",
            q!(r.viewport(&all, &pacific, 1000)),
        ),
        (
            "nearby 500 km",
            q!(r.nearby(&all, server, Radius::km(500.0)?, 100)),
        ),
        ("locations GeoJSON", q!(r.locations_geojson(&all, 1000))),
        ("locations, movies only", q!(r.locations(&movies, 1000))),
    ];
    let other: Vec<(&str, Query)> = vec![
        ("quality", q!(r.quality(&all, Accuracy::Approximate))),
        ("user stats", q!(r.user_stats(&all, 100))),
        (
            "libraries breakdown",
            q!(r.breakdown(&all, BreakdownBy::Library, 50)),
        ),
        (
            "genres breakdown",
            q!(r.breakdown(&all, BreakdownBy::Genre, 50)),
        ),
        ("engagement", q!(r.engagement(&all, 100))),
        (
            "binge sessions",
            q!(r.binge_sessions(&all, BingeRules::default(), 50)),
        ),
        (
            "watch parties",
            q!(r.watch_parties(&all, PartyRules::default(), 50)),
        ),
        ("cohorts, NY", q!(r.cohorts(&all, ny))),
        ("shared networks", q!(r.shared_networks(&all, 500))),
        (
            "search \"titel 12\"",
            q!(r.search(&all, &SearchRequest::new("titel 12"))),
        ),
    ];
    for (title, queries, runs) in [
        ("Dashboard", &dashboard, a.runs),
        ("Other analytics", &other, a.other_runs),
    ] {
        if runs == 0 {
            continue;
        }
        println!("## {title} ({runs} runs each)\n");
        println!("| query | p50 ms | p95 ms | max ms | answer bytes |");
        println!("|---|---:|---:|---:|---:|");
        for (name, f) in queries {
            if a.only.as_deref().is_some_and(|o| !name.contains(o)) {
                continue;
            }
            let bytes = f()?;
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                f()?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {name} | {:.1} | {:.1} | {:.1} | {bytes} |",
                percentile(&times, 0.5),
                percentile(&times, 0.95),
                times[times.len() - 1]
            );
        }
        println!();
    }
    println!("load average at the end: {}", load_average());
    Ok(())
}

/// The machine's 1-, 5- and 15-minute load averages (Linux), or "?".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".to_owned())
}

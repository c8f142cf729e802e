//! Generates a synthetic play history and measures the store on it.
//!
//! ```text
//! cargo run --release -p cartographus-store --example generate -- \
//!     --plays 1000000 --out /tmp/plays.duckdb [--batch 50000] [--tautulli /tmp/tautulli.db] \
//!     [--threads N]
//! ```
//!
//! It ingests `--plays` plays (GeoIP included, through a resolver whose cache warms
//! up as it goes) in batches, prints events per second and the file size after a
//! checkpoint. With `--tautulli FILE` it also writes the same number of rows as a
//! Tautulli database and times importing it into a second, fresh store.

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/synth.rs"]
mod synth;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use anyhow_lite::{bail, Result};
use cartographus_store::{Store, StoreConfig, TautulliImport};

/// Just enough of `anyhow` for an example (the crate takes no such dependency).
mod anyhow_lite {
    pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
    macro_rules! bail {
        ($($t:tt)*) => { return Err(format!($($t)*).into()) };
    }
    pub(crate) use bail;
}

struct Args {
    plays: u64,
    batch: usize,
    out: PathBuf,
    tautulli: Option<PathBuf>,
    threads: Option<u16>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        plays: 100_000,
        batch: 50_000,
        out: PathBuf::from("synthetic.duckdb"),
        tautulli: None,
        threads: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--plays" => a.plays = val()?.parse()?,
            "--batch" => a.batch = val()?.parse()?,
            "--out" => a.out = val()?.into(),
            "--tautulli" => a.tautulli = Some(val()?.into()),
            "--threads" => a.threads = Some(val()?.parse()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

fn main() -> Result<()> {
    let a = args()?;
    for p in [a.out.clone(), a.out.with_extension("duckdb.wal")] {
        let _ = std::fs::remove_file(p);
    }
    let config = |path: &std::path::Path| match a.threads {
        Some(n) => StoreConfig::file(path).with_threads(n),
        None => StoreConfig::file(path),
    };
    let mut store = Store::open(config(&a.out))?;
    let mut generator = synth::Generator::new(7, a.plays);
    let mut geo = synth::resolver();
    let mut done = 0u64;
    let mut ingest_secs = 0.0;
    let mut ingest_cpu = 0.0;
    let mut gen_secs = 0.0;
    while done < a.plays {
        let n = (a.plays - done).min(a.batch as u64) as usize;
        let t0 = Instant::now();
        let mut events = generator.batch(n);
        gen_secs += t0.elapsed().as_secs_f64();
        let watch = cpu::Watch::start();
        geo.enrich(&mut events);
        let r = store.append(&events)?;
        let (wall, cpu) = watch.elapsed();
        ingest_secs += wall.as_secs_f64();
        ingest_cpu += cpu.as_secs_f64();
        if r.inserted != n as u64 {
            eprintln!(
                "batch at {done}: {} inserted, {:?}",
                r.inserted, r.duplicates
            );
        }
        done += n as u64;
    }
    let t2 = Instant::now();
    store.checkpoint()?;
    let checkpoint_secs = t2.elapsed().as_secs_f64();
    println!(
        "ingested {done} plays in {ingest_secs:.2} s (GeoIP + append): {:.0} events/s; \
         {ingest_cpu:.2} s CPU: {:.0} events per CPU-second \
         (generation {gen_secs:.2} s, checkpoint {checkpoint_secs:.2} s)",
        done as f64 / ingest_secs,
        done as f64 / ingest_cpu.max(1e-9)
    );
    println!(
        "store file: {:.1} MB ({} bytes); GeoIP {:?}",
        store.file_size() as f64 / 1e6,
        store.file_size(),
        geo.stats()
    );

    if let Some(path) = a.tautulli {
        let _ = std::fs::remove_file(&path);
        let t0 = Instant::now();
        let mut generator = synth::Generator::new(7, a.plays);
        write_tautulli(&path, &mut generator, a.plays)?;
        println!(
            "wrote {} Tautulli rows in {:.1} s",
            a.plays,
            t0.elapsed().as_secs_f64()
        );
        let target = a.out.with_extension("tautulli.duckdb");
        for p in [target.clone(), target.with_extension("duckdb.wal")] {
            let _ = std::fs::remove_file(p);
        }
        let mut store = Store::open(config(&target))?;
        let mut geo = synth::resolver();
        let watch = cpu::Watch::start();
        let job = TautulliImport::new(&path, generator.server().clone());
        let report =
            store.import_tautulli(&job, Some(&mut geo), &mut |_| ControlFlow::Continue(()))?;
        let (wall, cpu) = watch.elapsed();
        let (secs, cpu) = (wall.as_secs_f64(), cpu.as_secs_f64());
        store.checkpoint()?;
        println!(
            "imported {} Tautulli rows in {secs:.2} s ({:.0} rows/s; {cpu:.2} s CPU, {:.0} rows per CPU-second): \
             {} inserted, {} skipped; file {:.1} MB",
            report.rows_read,
            report.rows_read as f64 / secs,
            report.rows_read as f64 / cpu.max(1e-9),
            report.inserted,
            report.skipped,
            store.file_size() as f64 / 1e6
        );
    }
    Ok(())
}

/// Writes plays as a Tautulli database (the three history tables and users).
fn write_tautulli(path: &std::path::Path, g: &mut synth::Generator, n: u64) -> Result<()> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE session_history (id INTEGER PRIMARY KEY AUTOINCREMENT, reference_id INTEGER,
            started INTEGER, stopped INTEGER, rating_key INTEGER, user_id INTEGER, user TEXT,
            ip_address TEXT, paused_counter INTEGER DEFAULT 0, player TEXT, product TEXT,
            product_version TEXT, platform TEXT, platform_version TEXT, profile TEXT,
            machine_id TEXT, bandwidth INTEGER, location TEXT, quality_profile TEXT,
            secure INTEGER, relayed INTEGER, parent_rating_key INTEGER,
            grandparent_rating_key INTEGER, media_type TEXT, section_id INTEGER,
            view_offset INTEGER DEFAULT 0);
         CREATE TABLE session_history_metadata (id INTEGER PRIMARY KEY, rating_key INTEGER,
            title TEXT, parent_title TEXT, grandparent_title TEXT, full_title TEXT,
            media_index INTEGER, parent_media_index INTEGER, media_type TEXT, year INTEGER,
            content_rating TEXT, duration INTEGER, guid TEXT, genres TEXT, live INTEGER);
         CREATE TABLE session_history_media_info (id INTEGER PRIMARY KEY, rating_key INTEGER,
            video_decision TEXT, audio_decision TEXT, transcode_decision TEXT, duration INTEGER,
            container TEXT, bitrate INTEGER, video_codec TEXT, video_resolution TEXT,
            video_dynamic_range TEXT, audio_codec TEXT, audio_channels INTEGER,
            stream_video_resolution TEXT, stream_bitrate INTEGER);
         CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER UNIQUE,
            username TEXT NOT NULL, friendly_name TEXT, email TEXT, is_admin INTEGER DEFAULT 0);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut sh = tx.prepare(
            "INSERT INTO session_history (id, reference_id, started, stopped, rating_key, user_id,
                user, ip_address, paused_counter, player, product, platform, machine_id,
                bandwidth, location, secure, relayed, media_type, section_id, view_offset)
             VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, 0, ?15, ?16, ?17)",
        )?;
        let mut meta = tx.prepare(
            "INSERT INTO session_history_metadata (id, rating_key, title, grandparent_title,
                media_index, parent_media_index, media_type, year, content_rating, duration, genres, live)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0)",
        )?;
        let mut mi = tx.prepare(
            "INSERT INTO session_history_media_info (id, rating_key, video_decision,
                transcode_decision, duration, container, bitrate, video_codec, video_resolution,
                video_dynamic_range, audio_codec, audio_channels, stream_video_resolution)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut users = std::collections::BTreeMap::new();
        for id in 1..=n as i64 {
            let e = g.next_event();
            let rk: i64 = e.content.media_key.as_str()[1..].parse::<i64>()? * 10
                + i64::from(e.content.media_type as u8);
            let uid: i64 = e.user.external_id.as_str().parse()?;
            users.insert(uid, e.user.username.clone());
            let wire = |d: Option<cartographus_core::TranscodeDecision>| {
                d.map(|d| match d {
                    cartographus_core::TranscodeDecision::DirectPlay => "direct play",
                    cartographus_core::TranscodeDecision::Copy => "copy",
                    cartographus_core::TranscodeDecision::Transcode => "transcode",
                })
            };
            sh.execute(rusqlite::params![
                id,
                e.timing.started_at.timestamp(),
                e.timing.stopped_at.map(|s| s.timestamp()),
                rk,
                uid,
                e.user.username,
                e.network.ip.map(|i| i.to_string()),
                e.timing.paused_s as i64,
                e.device.player,
                e.device.product,
                e.device.platform,
                e.device.device_id.as_ref().map(|d| d.as_str().to_owned()),
                e.network.bandwidth_kbps,
                e.network.location.map(|l| l.as_str()),
                e.content.media_type.as_str(),
                e.content
                    .library_id
                    .as_deref()
                    .map(|s| s.parse::<i64>().unwrap_or(1)),
                e.timing.view_offset_ms.map(|v| v as i64),
            ])?;
            meta.execute(rusqlite::params![
                id,
                rk,
                e.content.title,
                e.content.grandparent_title,
                e.content.episode,
                e.content.season,
                e.content.media_type.as_str(),
                e.content.year,
                e.content.content_rating,
                e.timing.media_duration_ms.map(|v| v as i64),
                e.content.genres.join(";"),
            ])?;
            mi.execute(rusqlite::params![
                id,
                rk,
                wire(e.quality.transcode_decision),
                wire(e.quality.transcode_decision),
                e.timing.media_duration_ms.map(|v| v as i64),
                e.quality.container,
                e.quality.bitrate_kbps,
                e.quality.video_codec,
                e.quality.video_resolution,
                e.quality.dynamic_range,
                e.quality.audio_codec,
                e.quality.audio_channels,
                e.quality.stream_video_resolution,
            ])?;
        }
        let mut u = tx.prepare("INSERT INTO users (user_id, username) VALUES (?1, ?2)")?;
        for (id, name) in users {
            u.execute(rusqlite::params![id, name])?;
        }
    }
    tx.commit()?;
    Ok(())
}

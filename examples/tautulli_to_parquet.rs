//! `tautulli_to_parquet`: a Tautulli history into a Cartographus store, then out again as
//! a Parquet file of plays and a GeoJSON map of where they were watched.
//!
//! ```text
//! cargo run --release -p cartographus-store --example tautulli_to_parquet -- \
//!     [--tautulli tautulli.db --server-id MACHINE_ID] [--store cartographus.duckdb] \
//!     [--geoip-city GeoLite2-City.mmdb] [--geoparquet] [--out DIR]
//! ```
//!
//! - `--tautulli`: Tautulli's SQLite database (a consistent copy: see docs/MIGRATING.md),
//!   with `--server-id`, the Plex server's `machineIdentifier`. Without them the
//!   example builds a small Tautulli database of its own (four viewers in London, Paris,
//!   Tokyo and New York, and one on the server's LAN) and geolocates its addresses
//!   from an in-memory table.
//! - `--store`: the store file to import into (default: an in-memory store). Importing
//!   the same database again stores nothing new; an interrupted import resumes.
//! - `--geoip-city`: a MaxMind-format City database for real addresses.
//! - `--geoparquet`: add a WKB point column and GeoParquet metadata.
//! - `--out`: the folder for `plays.parquet` and `locations.geojson` (default
//!   `./tautulli-export`; existing files are never overwritten).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cartographus_core::{GeoPoint, GeoSource, Geolocation, ServerId};
use cartographus_store::{
    Filter, GeoConfig, GeoResolver, ImportReport, MmdbLocator, ParquetOptions, Store, StoreConfig,
    TableLocator, TautulliImport,
};

/// The command line, checked.
#[derive(Debug, Clone, PartialEq)]
struct Args {
    /// A Tautulli database and the Plex server it belongs to; `None` for the sample.
    tautulli: Option<(PathBuf, ServerId)>,
    store: Option<PathBuf>,
    geoip_city: Option<PathBuf>,
    geoparquet: bool,
    out: PathBuf,
}

/// A command line that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum UsageError {
    #[error("{0} needs a value")]
    MissingValue(&'static str),
    #[error("unknown argument {0:?}")]
    Unknown(String),
    #[error("--tautulli needs --server-id (the Plex server's machineIdentifier), and the other way round")]
    HalfSource,
    #[error("--server-id {0:?} is not a valid server id")]
    ServerId(String),
}

const USAGE: &str = "usage: tautulli_to_parquet [--tautulli tautulli.db --server-id MACHINE_ID] \
[--store FILE] [--geoip-city MMDB] [--geoparquet] [--out DIR]";

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, UsageError> {
    let mut tautulli = None;
    let mut server = None;
    let mut store = None;
    let mut geoip_city = None;
    let mut geoparquet = false;
    let mut out = PathBuf::from("tautulli-export");
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag| args.next().ok_or(UsageError::MissingValue(flag));
        match arg.as_str() {
            "--tautulli" => tautulli = Some(PathBuf::from(value("--tautulli")?)),
            "--server-id" => {
                let v = value("--server-id")?;
                server = Some(v.parse::<ServerId>().map_err(|_| UsageError::ServerId(v))?);
            }
            "--store" => store = Some(PathBuf::from(value("--store")?)),
            "--geoip-city" => geoip_city = Some(PathBuf::from(value("--geoip-city")?)),
            "--geoparquet" => geoparquet = true,
            "--out" => out = PathBuf::from(value("--out")?),
            _ => return Err(UsageError::Unknown(arg)),
        }
    }
    let tautulli = match (tautulli, server) {
        (Some(path), Some(id)) => Some((path, id)),
        (None, None) => None,
        _ => return Err(UsageError::HalfSource),
    };
    Ok(Args {
        tautulli,
        store,
        geoip_city,
        geoparquet,
        out,
    })
}

/// The sample's Plex server.
const SAMPLE_SERVER: &str = "c0ffee00d15ea5e0000000000000000000000001";

/// Where an address of the sample is: latitude, longitude, city, country.
type Place = (f64, f64, &'static str, &'static str);

/// One viewer of the sample.
struct Viewer {
    /// Tautulli's (Plex's) user id.
    id: i64,
    name: &'static str,
    ip: &'static str,
    device: &'static str,
    /// `None`: the server's LAN.
    place: Option<Place>,
}

const VIEWERS: [Viewer; 5] = [
    Viewer {
        id: 1001,
        name: "alice",
        ip: "81.2.69.142",
        device: "tv-alice",
        place: Some((51.5142, -0.0931, "London", "GB")),
    },
    Viewer {
        id: 1002,
        name: "bruno",
        ip: "89.160.20.112",
        device: "phone-bruno",
        place: Some((48.8566, 2.3522, "Paris", "FR")),
    },
    Viewer {
        id: 1003,
        name: "chiyo",
        ip: "175.16.199.7",
        device: "tablet-chiyo",
        place: Some((35.6762, 139.6503, "Tokyo", "JP")),
    },
    Viewer {
        id: 1004,
        name: "dana",
        ip: "216.160.83.56",
        device: "roku-dana",
        place: Some((40.7128, -74.006, "New York", "US")),
    },
    Viewer {
        id: 1005,
        name: "emil",
        ip: "192.168.1.20",
        device: "shield-emil",
        place: None,
    },
];

/// Builds a Tautulli database with the tables and columns the importer reads (a
/// subset of Tautulli's schema; the importer copes with missing columns the way it
/// does with old Tautulli versions): 21 rows over five evenings, two of them one
/// resumed play.
fn build_sample(path: &Path) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "CREATE TABLE session_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference_id INTEGER, started INTEGER, stopped INTEGER, rating_key INTEGER,
            user_id INTEGER, user TEXT, ip_address TEXT, paused_counter INTEGER DEFAULT 0,
            player TEXT, product TEXT, platform TEXT, machine_id TEXT, location TEXT,
            media_type TEXT, section_id INTEGER, view_offset INTEGER DEFAULT 0);
         CREATE TABLE session_history_metadata (id INTEGER PRIMARY KEY, rating_key INTEGER,
            title TEXT, full_title TEXT, media_type TEXT, year INTEGER, duration INTEGER,
            genres TEXT);
         CREATE TABLE session_history_media_info (id INTEGER PRIMARY KEY, rating_key INTEGER,
            video_decision TEXT, audio_decision TEXT, transcode_decision TEXT,
            duration INTEGER, container TEXT, video_codec TEXT, video_resolution TEXT,
            audio_codec TEXT, audio_channels INTEGER);
         CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER UNIQUE,
            username TEXT NOT NULL, friendly_name TEXT, thumb TEXT, email TEXT,
            is_admin INTEGER DEFAULT 0, is_home_user INTEGER);
         CREATE TABLE library_sections (id INTEGER PRIMARY KEY, section_id INTEGER,
            section_name TEXT);
         INSERT INTO library_sections (section_id, section_name) VALUES (1, 'Films');",
    )?;
    for v in &VIEWERS {
        conn.execute(
            "INSERT INTO users (user_id, username, friendly_name, is_admin) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![v.id, v.name, v.name, i64::from(v.id == 1001)],
        )?;
    }
    let films = [
        (500, "Heat", 1995),
        (501, "Alien", 1979),
        (502, "Ran", 1985),
    ];
    let insert = |row: i64, reference: i64, started: i64, v: usize, rating_key: i64| {
        let Viewer {
            id: user_id,
            name,
            ip,
            device,
            place,
        } = &VIEWERS[v];
        let (_, title, year) = films
            .iter()
            .find(|f| f.0 == rating_key)
            .copied()
            .unwrap_or(films[0]);
        conn.execute(
            "INSERT INTO session_history (id, reference_id, started, stopped, rating_key,
                user_id, user, ip_address, paused_counter, player, product, platform,
                machine_id, location, media_type, section_id, view_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 300, 'Living Room', 'Plex for Roku',
                'Roku', ?9, ?10, 'movie', 1, 5100000)",
            rusqlite::params![
                row,
                reference,
                started,
                started + 2_700,
                rating_key,
                user_id,
                name,
                ip,
                device,
                if place.is_some() { "wan" } else { "lan" }
            ],
        )?;
        conn.execute(
            "INSERT INTO session_history_metadata (id, rating_key, title, full_title,
                media_type, year, duration, genres)
             VALUES (?1, ?2, ?3, ?3, 'movie', ?4, 5400000, 'Drama')",
            rusqlite::params![row, rating_key, title, year],
        )?;
        conn.execute(
            "INSERT INTO session_history_media_info (id, rating_key, video_decision,
                audio_decision, transcode_decision, duration, container, video_codec,
                video_resolution, audio_codec, audio_channels)
             VALUES (?1, ?2, ?3, 'direct play', ?3, 5400000, 'mkv', 'hevc', '1080', 'eac3', 6)",
            rusqlite::params![
                row,
                rating_key,
                if place.is_some() {
                    "transcode"
                } else {
                    "direct play"
                }
            ],
        )?;
        Ok::<(), rusqlite::Error>(())
    };
    // 2026-01-12 20:00 UTC, then one evening after another.
    let evening = 1_768_248_000_i64;
    let mut row = 0i64;
    for day in 0..5i64 {
        for v in 0..VIEWERS.len() {
            if (day + v as i64) % 5 == 4 {
                continue; // everyone skips an evening
            }
            row += 1;
            let rating_key = films[(day as usize + v) % films.len()].0;
            let started = evening + day * 86_400 + v as i64 * 600;
            insert(row, row, started, v, rating_key)?;
            if day == 0 && v == 1 {
                // Bruno stops half-way and resumes after a break: one play, two rows.
                let first = row;
                row += 1;
                insert(row, first, started + 3_600, v, rating_key)?;
            }
        }
    }
    Ok(())
}

/// The sample's addresses, as a GeoIP table; the LAN is placed at the server (London).
fn sample_geo() -> Result<GeoResolver, Box<dyn std::error::Error>> {
    let mut table = TableLocator::new();
    for Viewer { ip, place, .. } in &VIEWERS {
        if let Some((lat, lon, city, country)) = *place {
            let mut answer = Geolocation::at(GeoPoint::new(lat, lon)?, GeoSource::Mmdb);
            answer.city = Some(city.to_owned());
            answer.country_code = Some(country.to_owned());
            table.insert(format!("{ip}/32").parse()?, answer);
        }
    }
    let config = GeoConfig::default().with_server_location(GeoPoint::new(51.5072, -0.1276)?);
    Ok(GeoResolver::new(Some(Box::new(table)), config))
}

/// What one run did.
#[derive(Debug)]
struct Outcome {
    report: ImportReport,
    total_rows: u64,
    plays: u64,
    locations: u64,
}

fn run(args: &Args) -> Result<Outcome, Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let (db, server) = match &args.tautulli {
        Some((path, id)) => (path.clone(), id.clone()),
        None => {
            let path = scratch.path().join("tautulli.db");
            build_sample(&path)?;
            println!("built a sample Tautulli database at {}", path.display());
            (path, SAMPLE_SERVER.parse()?)
        }
    };
    let mut geo = match (&args.geoip_city, &args.tautulli) {
        (Some(city), _) => GeoResolver::new(
            Some(Box::new(MmdbLocator::open(
                &[city.as_path()],
                &[] as &[&Path],
            )?)),
            GeoConfig::default(),
        ),
        (None, None) => sample_geo()?,
        (None, Some(_)) => {
            eprintln!("no --geoip-city: plays are stored without places, and the map is empty");
            GeoResolver::new(None, GeoConfig::default())
        }
    };
    let mut store = match &args.store {
        Some(path) => Store::open(StoreConfig::file(path))?,
        None => Store::open_in_memory()?,
    };

    let job = TautulliImport::new(&db, server);
    let mut total_rows = 0;
    let report = store.import_tautulli(&job, Some(&mut geo), &mut |p| {
        total_rows = p.total_rows;
        eprintln!("  {} of {} rows read", p.rows_read, p.total_rows);
        ControlFlow::Continue(())
    })?;
    println!(
        "imported {} of {} Tautulli rows: {} new plays, {} already stored, {} skipped, {} refused",
        report.rows_read,
        total_rows.max(report.rows_read),
        report.inserted,
        report.duplicates.total(),
        report.skipped,
        report.failed
    );

    std::fs::create_dir_all(&args.out)?;
    let parquet = args.out.join("plays.parquet");
    let options = if args.geoparquet {
        ParquetOptions::geoparquet()
    } else {
        ParquetOptions::default()
    };
    let reader = store.reads();
    let written = reader.export_parquet(&Filter::all(), &parquet, options)?;
    println!(
        "wrote {} plays to {} ({} bytes)",
        written.rows,
        parquet.display(),
        written.bytes
    );
    let geojson = args.out.join("locations.geojson");
    let file = std::fs::File::create_new(&geojson)
        .map_err(|e| format!("cannot create {}: {e}", geojson.display()))?;
    let map = reader.write_locations_geojson(&Filter::all(), file)?;
    println!(
        "wrote {} locations to {} ({} bytes)",
        map.rows,
        geojson.display(),
        map.bytes
    );
    Ok(Outcome {
        report,
        total_rows,
        plays: written.rows,
        locations: map.rows,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(o) => {
            if o.locations == 0 && o.plays > 0 {
                eprintln!("no play has a place: give a City database with --geoip-city");
            }
            println!(
                "done: {} of {} rows read, {} new plays; exported {} plays and {} places",
                o.report.rows_read, o.total_rows, o.report.inserted, o.plays, o.locations
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut message = format!("tautulli_to_parquet: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                // Most errors here already name their cause; add only what is new.
                let text = cause.to_string();
                if !message.contains(&text) {
                    message.push_str(&format!(": {text}"));
                }
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, UsageError> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.tautulli, None);
        assert_eq!(a.out, PathBuf::from("tautulli-export"));
        let a = parse(&[
            "--tautulli",
            "t.db",
            "--server-id",
            SAMPLE_SERVER,
            "--geoparquet",
        ])
        .unwrap();
        assert_eq!(a.tautulli.unwrap().0, PathBuf::from("t.db"));
        assert!(a.geoparquet);
        assert_eq!(parse(&["--tautulli", "t.db"]), Err(UsageError::HalfSource));
        assert_eq!(parse(&["--out"]), Err(UsageError::MissingValue("--out")));
        assert_eq!(parse(&["-x"]), Err(UsageError::Unknown("-x".to_owned())));
    }

    #[test]
    fn the_sample_imports_and_exports() {
        let dir = tempfile::tempdir().unwrap();
        let args = Args {
            tautulli: None,
            store: None,
            geoip_city: None,
            geoparquet: true,
            out: dir.path().join("out"),
        };
        let outcome = run(&args).unwrap();
        // Five evenings, each viewer skips one, and one play resumed: 21 rows.
        assert_eq!(outcome.total_rows, 21);
        assert_eq!(outcome.report.rows_read, 21);
        assert_eq!(outcome.report.inserted, 21);
        assert_eq!(outcome.plays, 21);
        // Four cities and the LAN, placed at the server.
        assert_eq!(outcome.locations, 5);
        let parquet = std::fs::read(args.out.join("plays.parquet")).unwrap();
        assert_eq!(&parquet[..4], b"PAR1");
        let map: serde_json::Value =
            serde_json::from_slice(&std::fs::read(args.out.join("locations.geojson")).unwrap())
                .unwrap();
        assert_eq!(map["type"], "FeatureCollection");
        assert_eq!(map["features"].as_array().unwrap().len(), 5);
        // Exports never overwrite.
        assert!(run(&args).is_err());
    }
}

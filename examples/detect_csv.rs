//! `detect_csv`: what would the detection rules have said about past plays?
//!
//! ```text
//! cargo run --release --example detect_csv -- plays.csv [--config detect.toml]
//! ```
//!
//! Reads a CSV of plays (RFC 4180; header row; any column order; extra columns are
//! ignored) with the columns
//! `user,device,ip,started_at,stopped_at,latitude,longitude,country,accuracy_km,asn`:
//! times in RFC 3339, an empty `stopped_at` for a play still going on, empty
//! coordinates for an unknown place, `country` an ISO 3166-1 alpha-2 code or empty,
//! `accuracy_km` and `asn` optional. Only `user`, `ip` and `started_at` are required.
//!
//! Runs every rule over the plays in order of start, with the default configuration
//! or the TOML file given with `--config` (the `[rules.*]` sections of the server's
//! detection config), and alerting on old plays (an audit is about the past). Prints
//! one JSON object per finding on stdout, with `rule`, `user`, `severity`, `message`,
//! `evidence` and `plays` (each with its CSV `line`, `started_at`, `ip` and `device`).
//! A malformed row is reported on stderr with its line number and skipped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::{bail, Context};
use cartographus_core::{
    derive_user_id, parse_endpoint, Account, ContentInfo, DeviceId, EventId, EventParts,
    ExternalUserId, GeoPoint, GeoSource, Geolocation, MediaKey, MediaType, Platform, PlaybackEvent,
    ServerId, SessionKey, Source, Timing,
};
use cartographus_detect::{Alert, CountryCode, Engine, RawDetectConfig};
use chrono::{DateTime, Utc};
use serde::Serialize;

const REQUIRED: [&str; 3] = ["user", "ip", "started_at"];
const OPTIONAL: [&str; 7] = [
    "device",
    "stopped_at",
    "latitude",
    "longitude",
    "country",
    "accuracy_km",
    "asn",
];

/// Why a row was skipped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum RowError {
    #[error("the row is not valid CSV: {0}")]
    Csv(String),
    #[error("column {0} is empty")]
    Missing(&'static str),
    #[error("column {column} is not an RFC 3339 time: {value:?}")]
    Time { column: &'static str, value: String },
    #[error("stopped_at is before started_at")]
    StopBeforeStart,
    #[error("column ip is not an IP address: {0:?}")]
    Ip(String),
    #[error("column {column} is not a number: {value:?}")]
    Number { column: &'static str, value: String },
    #[error("latitude and longitude must both be given or both be empty")]
    HalfAPlace,
    #[error("{0}")]
    Place(#[from] cartographus_core::GeoPointError),
    #[error("{0}")]
    Country(#[from] cartographus_detect::CountryCodeError),
    #[error("{0}")]
    Id(#[from] cartographus_core::IdError),
}

/// One play read from the file.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    user: String,
    device: Option<String>,
    ip: IpAddr,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    point: Option<GeoPoint>,
    country: Option<CountryCode>,
    accuracy_km: Option<f64>,
    asn: Option<u32>,
}

/// What an audit found.
#[derive(Debug, Default)]
struct Audit {
    findings: Vec<Output>,
    skipped: Skipped,
    plays: usize,
}

#[derive(Debug, Clone, Serialize)]
struct OutputPlay {
    line: Option<u64>,
    user: Option<String>,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    ip: Option<IpAddr>,
    device: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Output {
    rule: String,
    user: String,
    severity: String,
    at: DateTime<Utc>,
    message: String,
    plays: Vec<OutputPlay>,
    evidence: serde_json::Value,
}

fn field<'a>(rec: &'a csv::StringRecord, cols: &HashMap<String, usize>, name: &str) -> &'a str {
    cols.get(name)
        .and_then(|&i| rec.get(i))
        .unwrap_or("")
        .trim()
}

fn time(column: &'static str, value: &str) -> Result<DateTime<Utc>, RowError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| RowError::Time {
            column,
            value: value.chars().take(64).collect(),
        })
}

fn number<T: std::str::FromStr>(column: &'static str, value: &str) -> Result<Option<T>, RowError> {
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| RowError::Number {
        column,
        value: value.chars().take(64).collect(),
    })
}

fn row(line: u64, rec: &csv::StringRecord, cols: &HashMap<String, usize>) -> Result<Row, RowError> {
    let get = |name| field(rec, cols, name);
    let user = get("user");
    if user.is_empty() {
        return Err(RowError::Missing("user"));
    }
    let ip = match get("ip") {
        "" => return Err(RowError::Missing("ip")),
        s => parse_endpoint(s).ok_or_else(|| RowError::Ip(s.chars().take(64).collect()))?,
    };
    let started_at = match get("started_at") {
        "" => return Err(RowError::Missing("started_at")),
        s => time("started_at", s)?,
    };
    let stopped_at = match get("stopped_at") {
        "" => None,
        s => Some(time("stopped_at", s)?),
    };
    if stopped_at.is_some_and(|s| s < started_at) {
        return Err(RowError::StopBeforeStart);
    }
    let lat: Option<f64> = number("latitude", get("latitude"))?;
    let lon: Option<f64> = number("longitude", get("longitude"))?;
    let point = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)?),
        (None, None) => None,
        _ => return Err(RowError::HalfAPlace),
    };
    let country = match get("country") {
        "" => None,
        c => Some(CountryCode::new(c)?),
    };
    let asn = get("asn");
    let asn = asn
        .strip_prefix("AS")
        .or_else(|| asn.strip_prefix("as"))
        .unwrap_or(asn);
    let device = Some(get("device"))
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if let Some(d) = &device {
        DeviceId::new(d)?;
    }
    ExternalUserId::new(user)?;
    Ok(Row {
        line,
        user: user.to_owned(),
        device,
        ip,
        started_at,
        stopped_at,
        point,
        country,
        accuracy_km: number("accuracy_km", get("accuracy_km"))?,
        asn: number("asn", asn)?,
    })
}

/// Rows skipped, with their line numbers.
type Skipped = Vec<(u64, RowError)>;

/// Reads every row; malformed rows are returned with their line numbers.
fn parse(bytes: &[u8]) -> anyhow::Result<(Vec<Row>, Skipped)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let cols: HashMap<String, usize> = reader
        .headers()
        .context("reading the header row")?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase(),
                i,
            )
        })
        .collect();
    for name in REQUIRED {
        if !cols.contains_key(name) {
            bail!("the header has no {name:?} column (expected {REQUIRED:?} and optionally {OPTIONAL:?})");
        }
    }
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        match rec {
            Ok(rec) => {
                let line = rec.position().map_or(n as u64 + 2, |p| p.line());
                match row(line, &rec, &cols) {
                    Ok(r) => rows.push(r),
                    Err(e) => skipped.push((line, e)),
                }
            }
            Err(e) => {
                let line = e.position().map_or(n as u64 + 2, |p| p.line());
                skipped.push((line, RowError::Csv(e.to_string())));
            }
        }
    }
    Ok((rows, skipped))
}

fn event(row: &Row, now: DateTime<Utc>) -> Result<PlaybackEvent, RowError> {
    let server = ServerId::new("csv")?;
    let ext = ExternalUserId::new(&row.user)?;
    let user = Account::new(ext.clone(), row.user.clone()).to_user_info(derive_user_id(
        Platform::Plex,
        &server,
        &ext,
    ));
    let content = ContentInfo::new(MediaType::Other, MediaKey::new("csv")?, "");
    let mut timing = Timing::started(row.started_at);
    timing.stopped_at = row.stopped_at;
    // A play still going on was last seen when the file was written.
    timing.updated_at = row.stopped_at.unwrap_or(now.max(row.started_at));
    let session = SessionKey::new(format!("line-{}", row.line))?;
    let mut parts = EventParts::new(Source::Tautulli, server, session, timing, user, content);
    parts.network.ip = Some(row.ip);
    parts.device.device_id = row.device.as_deref().map(DeviceId::new).transpose()?;
    let mut e = PlaybackEvent::assemble(parts);
    let mut geo = match row.point {
        Some(p) => Geolocation::at(p, GeoSource::Mmdb),
        None => Geolocation::unknown(),
    };
    geo.country_code = row.country.map(|c| c.to_string());
    geo.accuracy_km = row.accuracy_km;
    geo.asn = row.asn;
    e.geo = Some(geo);
    Ok(e)
}

/// Runs the rules over a CSV file's bytes.
fn audit(bytes: &[u8], mut raw: RawDetectConfig) -> anyhow::Result<Audit> {
    raw.alert_old_events = true;
    let config = raw.validate().context("invalid detection config")?;
    let (mut rows, mut skipped) = parse(bytes)?;
    rows.sort_by_key(|r| (r.started_at, r.line));
    let now = rows
        .iter()
        .map(|r| r.stopped_at.unwrap_or(r.started_at))
        .max()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut engine = Engine::new(config);
    let mut by_event: HashMap<EventId, &Row> = HashMap::new();
    let mut alerts: Vec<Alert> = Vec::new();
    let mut plays = 0;
    for r in &rows {
        match event(r, now) {
            Ok(e) => {
                by_event.insert(e.event_id(), r);
                engine.handle_event(&e, now);
                plays += 1;
                alerts.extend(std::iter::from_fn(|| engine.poll_alert()));
            }
            Err(err) => skipped.push((r.line, err)),
        }
    }
    skipped.sort_by_key(|(line, _)| *line);
    let findings = alerts
        .into_iter()
        .map(|a| {
            let f = a.finding;
            Output {
                rule: f.rule.to_string(),
                user: f.username,
                severity: f.severity.to_string(),
                at: f.at,
                message: f.message,
                plays: f
                    .plays
                    .iter()
                    .map(|p| {
                        let row = by_event.get(&p.event_id);
                        OutputPlay {
                            line: row.map(|r| r.line),
                            user: row.map(|r| r.user.clone()),
                            started_at: p.started_at,
                            stopped_at: p.stopped_at,
                            ip: p.place.ip,
                            device: p.device.as_ref().map(|d| d.to_string()),
                        }
                    })
                    .collect(),
                evidence: serde_json::to_value(&f.evidence).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Audit {
        findings,
        skipped,
        plays,
    })
}

fn run() -> anyhow::Result<Audit> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut config = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = Some(args.next().context("--config needs a file")?),
            "-h" | "--help" => {
                println!("usage: detect_csv PLAYS.csv [--config DETECT.toml]");
                std::process::exit(0);
            }
            _ if path.is_none() => path = Some(a),
            _ => bail!("unexpected argument {a:?}"),
        }
    }
    let path = path.context("usage: detect_csv PLAYS.csv [--config DETECT.toml]")?;
    let raw = match config {
        Some(c) => {
            let text = std::fs::read_to_string(&c).with_context(|| format!("reading {c}"))?;
            toml::from_str(&text).with_context(|| format!("parsing {c}"))?
        }
        None => RawDetectConfig::default(),
    };
    let bytes = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
    audit(&bytes, raw)
}

fn main() -> ExitCode {
    match run() {
        Ok(a) => {
            for (line, e) in &a.skipped {
                eprintln!("line {line}: skipped: {e}");
            }
            for f in &a.findings {
                match serde_json::to_string(f) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("cannot print a finding: {e}"),
                }
            }
            eprintln!(
                "{} plays checked, {} findings, {} rows skipped",
                a.plays,
                a.findings.len(),
                a.skipped.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("detect_csv: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAYS: &str = "\
extra,started_at,user,device,ip,stopped_at,latitude,longitude,country,accuracy_km,asn
x,2025-05-01T20:00:00Z,alice,tv,81.2.69.160,2025-05-01T20:30:00Z,48.8566,2.3522,FR,5,AS3215
x,2025-05-01T20:40:00Z,alice,phone,175.16.199.1,2025-05-01T21:40:00Z,35.6762,139.6503,jp,,
x,yesterday,alice,tv,81.2.69.160,,,,,,
x,2025-05-02T20:00:00Z,bob,tv,81.2.69.161,,48.8566,,FR,,
x,2025-05-02T20:00:00Z,carol,tv,not-an-ip,,,,,,
x,2025-05-03T20:00:00Z,dave,,\"[2a02:8071::1]:32400\",,52.52,13.405,DE,,
";

    #[test]
    fn finds_travel_and_reports_bad_rows_with_line_numbers() {
        let a = audit(PLAYS.as_bytes(), RawDetectConfig::default()).unwrap();
        assert_eq!(a.plays, 3);
        let lines: Vec<u64> = a.skipped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [4, 5, 6]);
        assert!(matches!(
            a.skipped[0].1,
            RowError::Time {
                column: "started_at",
                ..
            }
        ));
        assert_eq!(a.skipped[1].1, RowError::HalfAPlace);
        assert!(matches!(a.skipped[2].1, RowError::Ip(_)));
        assert_eq!(a.findings.len(), 1, "{:#?}", a.findings);
        let f = &a.findings[0];
        assert_eq!(
            (f.rule.as_str(), f.user.as_str(), f.severity.as_str()),
            ("impossible_travel", "alice", "critical")
        );
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(json["plays"][0]["line"], 2);
        assert_eq!(json["plays"][0]["ip"], "81.2.69.160");
        assert_eq!(json["plays"][0]["device"], "tv");
        assert_eq!(json["plays"][1]["started_at"], "2025-05-01T20:40:00Z");
        assert_eq!(json["evidence"]["rule"], "impossible_travel");
        assert!(json["evidence"]["data"]["km_per_h"].as_f64().unwrap() > 900.0);
    }

    #[test]
    fn config_files_switch_rules_off() {
        let raw: RawDetectConfig = toml::from_str(
            "[rules.impossible_travel]\nenabled = false\n[rules.simultaneous_locations]\nmin_distance_km = 50.0\n",
        )
        .unwrap();
        let a = audit(PLAYS.as_bytes(), raw).unwrap();
        assert!(a.findings.is_empty(), "{:#?}", a.findings);
        assert!(
            toml::from_str::<RawDetectConfig>("[rules.impossible_travel]\nspeed = 3\n").is_err()
        );
    }

    #[test]
    fn a_header_without_required_columns_is_an_error() {
        let e = audit(
            b"user,started_at\nalice,2025-01-01T00:00:00Z\n",
            RawDetectConfig::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"ip\""), "{e}");
        let a = audit(b"user,ip,started_at\n", RawDetectConfig::default()).unwrap();
        assert_eq!((a.plays, a.findings.len()), (0, 0));
        // A byte-order mark and CRLF line ends, as spreadsheets write them.
        let csv = "\u{feff}User,IP,Started_At\r\nalice,81.2.69.160,2025-01-01T00:00:00Z\r\n";
        let a = audit(csv.as_bytes(), RawDetectConfig::default()).unwrap();
        assert_eq!((a.plays, a.skipped.len()), (1, 0));
    }
}

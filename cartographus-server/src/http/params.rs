//! Query parameters → the store's typed `Filter`. Lists are comma-separated; dates are
//! RFC 3339 or `YYYY-MM-DD` (midnight UTC); `days=N` means the last N days. Every error
//! names its parameter, and unknown parameters are refused so a typo never silently
//! widens a query. The parser is pure, so it is fuzzed (`fuzz/`) like the decoders.

use std::collections::BTreeMap;
use std::str::FromStr;

use cartographus_core::{MediaType, NetworkLocation, ServerId, Source, TranscodeDecision, UserId};
use cartographus_store::Filter;
use chrono::{DateTime, NaiveDate, Utc};

use super::error::ApiError;

/// The filter parameters every listing and analytics route accepts.
pub const FILTER_PARAMS: &[&str] = &[
    "start",
    "end",
    "days",
    "users",
    "media_types",
    "platforms",
    "players",
    "transcode_decisions",
    "video_resolutions",
    "video_codecs",
    "audio_codecs",
    "libraries",
    "content_ratings",
    "years",
    "location",
    "servers",
    "countries",
    "sources",
];

/// The most values one list parameter may hold.
pub const MAX_LIST: usize = 200;

fn list(name: &str, v: &str) -> Result<Vec<String>, ApiError> {
    let items: Vec<String> = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if items.len() > MAX_LIST {
        return Err(ApiError::param(name, format!("at most {MAX_LIST} values")));
    }
    if let Some(long) = items.iter().find(|s| s.len() > 256) {
        return Err(ApiError::param(
            name,
            format!("value of {} bytes is too long", long.len()),
        ));
    }
    Ok(items)
}

fn parsed<T: FromStr>(name: &str, v: &str) -> Result<Vec<T>, ApiError> {
    list(name, v)?
        .iter()
        .map(|s| {
            s.parse::<T>()
                .map_err(|_| ApiError::param(name, format!("{s:?} is not valid")))
        })
        .collect()
}

/// Parses a date parameter: RFC 3339, or `YYYY-MM-DD` as midnight UTC.
pub fn date(name: &str, v: &str) -> Result<DateTime<Utc>, ApiError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| ApiError::param(name, "expected an RFC 3339 time or YYYY-MM-DD"))
}

/// Builds a filter from query parameters; `extra` names the route's own parameters
/// (left for the caller), anything else unknown is an error.
pub fn filter(
    params: &BTreeMap<String, String>,
    extra: &[&str],
    now: DateTime<Utc>,
) -> Result<Filter, ApiError> {
    let mut f = Filter::all();
    for (k, v) in params {
        match k.as_str() {
            "start" => f.start = Some(date(k, v)?),
            "end" => f.end = Some(date(k, v)?),
            "days" => {
                let days: u32 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|d| (1..=36_500).contains(d))
                    .ok_or_else(|| ApiError::param(k, "expected a number of days, 1-36500"))?;
                f = f.last_days(days, now);
            }
            "users" => f.users = parsed::<UserId>(k, v)?,
            "media_types" => f.media_types = parsed::<MediaType>(k, v)?,
            "platforms" => f.platforms = list(k, v)?,
            "players" => f.players = list(k, v)?,
            "transcode_decisions" => f.transcode_decisions = parsed::<TranscodeDecision>(k, v)?,
            "video_resolutions" => f.video_resolutions = list(k, v)?,
            "video_codecs" => f.video_codecs = list(k, v)?,
            "audio_codecs" => f.audio_codecs = list(k, v)?,
            "libraries" => f.libraries = list(k, v)?,
            "content_ratings" => f.content_ratings = list(k, v)?,
            "years" => {
                f.years = parsed::<u16>(k, v)?;
                if let Some(y) = f.years.iter().find(|y| !(1800..=2200).contains(*y)) {
                    return Err(ApiError::param(
                        k,
                        format!("{y} is not a year between 1800 and 2200"),
                    ));
                }
            }
            "location" => {
                f.network_location = match v.trim() {
                    "" => None,
                    s => Some(
                        s.parse::<NetworkLocation>()
                            .map_err(|_| ApiError::param(k, "expected lan or wan"))?,
                    ),
                }
            }
            "servers" => f.servers = parsed::<ServerId>(k, v)?,
            "countries" => {
                let c = list(k, v)?;
                if let Some(bad) = c
                    .iter()
                    .find(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
                {
                    return Err(ApiError::param(
                        k,
                        format!("{bad:?} is not an ISO 3166-1 alpha-2 code"),
                    ));
                }
                f.countries = c.into_iter().map(|c| c.to_ascii_uppercase()).collect();
            }
            "sources" => f.sources = parsed::<Source>(k, v)?,
            other if extra.contains(&other) => {}
            other => return Err(ApiError::param(other, "unknown parameter")),
        }
    }
    if let (Some(s), Some(e)) = (f.start, f.end) {
        if s > e {
            return Err(ApiError::param("start", "is after end"));
        }
    }
    Ok(f)
}

/// Parses a bounded integer parameter with a default.
pub fn int<T: FromStr + PartialOrd + Copy>(
    params: &BTreeMap<String, String>,
    name: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<T>()
            .ok()
            .filter(|n| *n >= min && *n <= max)
            .ok_or_else(|| ApiError::param(name, "is not a number in range")),
    }
}

/// The fuzz target body: any query string parses to a filter or an error, never a panic.
pub fn fuzz_query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let params: BTreeMap<String, String> = text
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = filter(&params, &["limit", "cursor"], DateTime::<Utc>::UNIX_EPOCH);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> BTreeMap<String, String> {
        s.split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn err(s: &str) -> String {
        match filter(&q(s), &[], Utc::now()).unwrap_err() {
            ApiError::BadParameter { parameter, .. } => parameter,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_dimension_parses() {
        let f = filter(
            &q("start=2026-01-01&end=2026-02-01T00:00:00Z&users=1,2&media_types=movie,episode&platforms=Roku&players=TV&transcode_decisions=transcode&video_resolutions=1080,4k&video_codecs=hevc&audio_codecs=eac3&libraries=Movies&content_ratings=PG-13&years=1999,2024&location=wan&servers=abc&countries=gb,US&sources=plex,tautulli"),
            &[],
            Utc::now(),
        )
        .unwrap();
        assert_eq!(f.users.len(), 2);
        assert_eq!(f.media_types, vec![MediaType::Movie, MediaType::Episode]);
        assert_eq!(f.countries, vec!["GB", "US"]);
        assert_eq!(f.years, vec![1999, 2024]);
        assert_eq!(f.network_location, Some(NetworkLocation::Wan));
        assert_eq!(f.sources, vec![Source::Plex, Source::Tautulli]);
        assert!(f.start.unwrap() < f.end.unwrap());
    }

    #[test]
    fn errors_name_the_parameter() {
        assert_eq!(err("start=yesterday"), "start");
        assert_eq!(err("days=0"), "days");
        assert_eq!(err("users=abc"), "users");
        assert_eq!(err("media_types=vhs"), "media_types");
        assert_eq!(err("location=moon"), "location");
        assert_eq!(err("countries=GBR"), "countries");
        assert_eq!(err("years=20000"), "years");
        assert_eq!(err("colour=red"), "colour");
        assert_eq!(err("start=2026-02-01&end=2026-01-01"), "start");
    }

    #[test]
    fn route_parameters_pass_through() {
        let p = q("limit=50&days=7");
        assert!(filter(&p, &["limit"], Utc::now()).is_ok());
        assert_eq!(int(&p, "limit", 100u32, 1, 1000).unwrap(), 50);
        assert!(int(&q("limit=0"), "limit", 100u32, 1, 1000).is_err());
        fuzz_query(b"days=%%&users=,,,&start=");
    }
}

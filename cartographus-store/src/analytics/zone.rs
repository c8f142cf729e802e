//! Time zones without DuckDB's ICU extension (which cannot be downloaded offline).
//!
//! Every stored time is UTC. For an answer "in" an IANA zone, the UTC offsets the
//! zone uses over the query's time range are computed in Rust with `chrono-tz` (a
//! short list of spans `[utc_start, utc_end) → offset`), and the SQL receives an
//! expression that adds the right offset to each row: a balanced tree of nested
//! `CASE WHEN started_at < boundary` (depth log₂ of the number of spans), so the cost
//! per row stays a handful of comparisons even over decades of history. The local
//! time is then a plain `TIMESTAMP`, on which `hour()`, `isodow()`, `CAST(… AS DATE)`
//! and `date_trunc()` need no time-zone support.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// An IANA time zone (`Europe/Paris`, `America/New_York`, `UTC`…), in which every
/// hour-of-day, day-of-week, calendar and per-day answer is computed. Built only by
/// parsing a known zone name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone(chrono_tz::Tz);

/// Why a text is not a time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneError {
    /// The name is not in the IANA time zone database.
    #[error("{0:?} is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)")]
    Unknown(String),
}

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    /// The zone's IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The UTC offset in force at `at`.
    pub fn offset_at(self, at: DateTime<Utc>) -> FixedOffset {
        self.0.offset_from_utc_datetime(&at.naive_utc()).fix()
    }

    /// The instant a local wall-clock time stands for. In a gap (spring forward) the
    /// time is read with the offset in force just before; when it is ambiguous (fall
    /// back) the earlier instant is taken.
    pub fn from_local(self, local: NaiveDateTime) -> DateTime<FixedOffset> {
        match self.0.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.fixed_offset(),
            chrono::LocalResult::Ambiguous(a, _) => a.fixed_offset(),
            chrono::LocalResult::None => {
                let before = self
                    .0
                    .offset_from_utc_datetime(&(local - Duration::days(1)))
                    .fix();
                let utc = local - Duration::seconds(i64::from(before.local_minus_utc()));
                utc.and_utc().with_timezone(&before)
            }
        }
    }

    /// Whether the local wall-clock time exists (it does not in a spring-forward gap).
    pub(crate) fn exists(self, local: NaiveDateTime) -> bool {
        !matches!(
            self.0.from_local_datetime(&local),
            chrono::LocalResult::None
        )
    }

    /// The offset spans covering `[from, to]`, in order; the first starts at
    /// `i64::MIN` and the last ends at `i64::MAX`, so every instant has an offset.
    pub(crate) fn spans(self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Span> {
        let off = |t: i64| -> i32 {
            let Some(at) = DateTime::from_timestamp(t, 0) else {
                return 0;
            };
            self.offset_at(at).local_minus_utc()
        };
        let (lo, hi) = (from.timestamp(), to.timestamp().max(from.timestamp()));
        let mut spans = Vec::new();
        let mut start = i64::MIN;
        let mut current = off(lo);
        // Transitions are months apart; stepping by half a day and bisecting each change
        // to the second finds every one of them.
        const STEP: i64 = 12 * 3600;
        let mut t = lo;
        while t < hi {
            let next = (t + STEP).min(hi);
            let o = off(next);
            if o != current {
                let (mut a, mut b) = (t, next);
                while b - a > 1 {
                    let m = a + (b - a) / 2;
                    if off(m) == current {
                        a = m;
                    } else {
                        b = m;
                    }
                }
                spans.push(Span {
                    start,
                    end: b,
                    offset_s: current,
                });
                start = b;
                current = o;
            }
            t = next;
        }
        spans.push(Span {
            start,
            end: i64::MAX,
            offset_s: current,
        });
        spans
    }

    /// Whether every offset the zone uses over `[from, to]` is a whole number of hours
    /// (then local hours are UTC hours shifted).
    pub(crate) fn whole_hours(self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.spans(from, to).iter().all(|s| s.offset_s % 3600 == 0)
    }

    /// A SQL expression giving the local wall-clock time (a `TIMESTAMP`) of the UTC
    /// `TIMESTAMP` column `column`, correct for every instant in `[from, to]`. Only
    /// integers computed here are written into the text.
    pub(crate) fn local_sql(self, column: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let spans = self.spans(from, to);
        let micros = format!("epoch_us({column})");
        let offset_us = case_tree(&micros, &spans);
        if offset_us == "0" {
            return column.to_owned();
        }
        // Offsets are written in microseconds (BIGINT literals): seconds times 10⁶ in
        // SQL would overflow DuckDB's INT32 arithmetic on the literal.
        format!("make_timestamp({micros} + ({offset_us}))")
    }
}

/// A stretch of time with one UTC offset: `[start, end)` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) offset_s: i32,
}

/// A balanced tree of `CASE WHEN micros < boundary` choosing each span's offset, in
/// microseconds.
fn case_tree(micros: &str, spans: &[Span]) -> String {
    match spans {
        [] => "0".to_owned(),
        [one] => (i64::from(one.offset_s) * 1_000_000).to_string(),
        _ => {
            let mid = spans.len() / 2;
            let boundary_us = spans[mid].start.saturating_mul(1_000_000);
            format!(
                "CASE WHEN {micros} < {boundary_us} THEN {} ELSE {} END",
                case_tree(micros, &spans[..mid]),
                case_tree(micros, &spans[mid..])
            )
        }
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl FromStr for Zone {
    type Err = ZoneError;
    fn from_str(s: &str) -> Result<Self, ZoneError> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(Zone)
            .map_err(|_| ZoneError::Unknown(s.chars().take(64).collect()))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn new_york_2026_has_two_transitions_at_the_right_instants() {
        let z: Zone = "America/New_York".parse().unwrap();
        let spans = z.spans(utc("2026-01-01T00:00:00Z"), utc("2026-12-31T00:00:00Z"));
        assert_eq!(spans.len(), 3);
        // 2026-03-08 02:00 EST = 07:00 UTC; 2026-11-01 02:00 EDT = 06:00 UTC.
        assert_eq!(spans[0].end, utc("2026-03-08T07:00:00Z").timestamp());
        assert_eq!(spans[1].end, utc("2026-11-01T06:00:00Z").timestamp());
        assert_eq!(
            spans.iter().map(|s| s.offset_s).collect::<Vec<_>>(),
            [-5 * 3600, -4 * 3600, -5 * 3600]
        );
    }

    #[test]
    fn utc_needs_no_case() {
        let sql = Zone::UTC.local_sql(
            "p.started_at",
            utc("2020-01-01T00:00:00Z"),
            utc("2030-01-01T00:00:00Z"),
        );
        assert_eq!(sql, "p.started_at");
        assert!("Mars/Olympus".parse::<Zone>().is_err());
    }

    #[test]
    fn gap_and_fold_resolve() {
        let z: Zone = "Europe/Paris".parse().unwrap();
        let gap =
            NaiveDateTime::parse_from_str("2026-03-29 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(z.from_local(gap).offset().local_minus_utc(), 3600);
        let fold =
            NaiveDateTime::parse_from_str("2026-10-25 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(z.from_local(fold).offset().local_minus_utc(), 7200);
    }
}

//! Plays over time: a trend with an automatic interval, plays by day of week, by hour
//! of day, the day × hour heatmap and the calendar (plays per day of a year), all in
//! the caller's [`Zone`].

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{count, query_rows, Zone};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// The width of a trend's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// One hour.
    Hour,
    /// One local day.
    Day,
    /// One local week, starting on Monday.
    Week,
    /// One local calendar month.
    Month,
}

impl Interval {
    /// The interval a chart of `span` reads best at: hours up to 3 days, days up to 90
    /// days, weeks up to two years, months beyond.
    pub fn for_span(span: Duration) -> Self {
        if span <= Duration::days(3) {
            Interval::Hour
        } else if span <= Duration::days(90) {
            Interval::Day
        } else if span <= Duration::days(731) {
            Interval::Week
        } else {
            Interval::Month
        }
    }

    pub(crate) fn unit(self) -> &'static str {
        match self {
            Interval::Hour => "hour",
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    fn next(self, t: NaiveDateTime) -> NaiveDateTime {
        match self {
            Interval::Hour => t + Duration::hours(1),
            Interval::Day => t + Duration::days(1),
            Interval::Week => t + Duration::days(7),
            Interval::Month => t
                .checked_add_months(Months::new(1))
                .unwrap_or(t + Duration::days(31)),
        }
    }
}

/// One bucket of a trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TrendPoint {
    /// The bucket's start, as a local time with its UTC offset.
    pub start: DateTime<FixedOffset>,
    /// Plays that started in the bucket.
    pub plays: u64,
    /// Hours watched by those plays' segments.
    pub watch_hours: f64,
    /// Distinct users.
    pub users: u64,
}

/// Plays and watch hours over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Trends {
    /// The bucket width used.
    pub interval: Interval,
    /// The zone the buckets are cut in.
    pub zone: Zone,
    /// Every bucket from the first to the last play, empty ones included.
    pub points: Vec<TrendPoint>,
}

/// Plays on one day of the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WeekdayCount {
    /// ISO day of week: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Plays.
    pub plays: u64,
    /// Hours watched.
    pub watch_hours: f64,
}

/// Plays in one hour of the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct HourCount {
    /// Local hour, 0–23.
    pub hour: u8,
    /// Plays.
    pub plays: u64,
    /// Hours watched.
    pub watch_hours: f64,
}

/// One cell of the day × hour heatmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct HeatCell {
    /// ISO day of week: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Local hour, 0–23.
    pub hour: u8,
    /// Plays.
    pub plays: u64,
}

/// Plays on one local date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CalendarDay {
    /// The local date.
    pub date: NaiveDate,
    /// Plays.
    pub plays: u64,
    /// Hours watched.
    pub watch_hours: f64,
}

fn hours(secs: u64) -> f64 {
    secs as f64 / 3600.0
}

fn small(row: &duckdb::Row<'_>, i: usize) -> Result<u8, duckdb::Error> {
    Ok(row.get::<_, i64>(i)?.clamp(0, 255) as u8)
}

impl Reader {
    /// Plays, watch hours and users per bucket of `interval` (chosen from the range
    /// when `None`, see [`Interval::for_span`]), cut in `zone`.
    pub fn trends(
        &self,
        filter: &Filter,
        zone: Zone,
        interval: Option<Interval>,
    ) -> Result<Trends, QueryError> {
        let (lo, hi) = self.zone_range(filter)?;
        let interval = interval.unwrap_or_else(|| Interval::for_span(hi - lo));
        let rows = self.trend_buckets(filter, zone, interval.unit())?;
        let mut points = Vec::with_capacity(rows.len());
        let mut expected: Option<NaiveDateTime> = None;
        for (b, plays, watch, users) in rows {
            let Some(start) = DateTime::from_timestamp_micros(b).map(|t| t.naive_utc()) else {
                continue;
            };
            // Empty buckets between two busy ones are listed with zeros, except local
            // hours a spring-forward skipped.
            while let Some(e) = expected.filter(|e| *e < start) {
                if zone.exists(e) {
                    points.push(TrendPoint {
                        start: zone.from_local(e),
                        plays: 0,
                        watch_hours: 0.0,
                        users: 0,
                    });
                }
                expected = Some(interval.next(e));
            }
            points.push(TrendPoint {
                start: zone.from_local(start),
                plays,
                watch_hours: hours(watch),
                users,
            });
            expected = Some(interval.next(start));
        }
        Ok(Trends {
            interval,
            zone,
            points,
        })
    }

    /// Plays per ISO day of week (Monday first, all seven listed), in `zone`.
    pub fn plays_by_weekday(
        &self,
        filter: &Filter,
        zone: Zone,
    ) -> Result<Vec<WeekdayCount>, QueryError> {
        let rows = self.snapshot(|| {
            let (union, params) = self.local_rows(filter, zone)?;
            let sql = format!(
                "SELECT isodow(l) AS d, sum(n)::BIGINT, sum(w)::BIGINT FROM ({union}) GROUP BY d"
            );
            query_rows(&self.conn, &sql, &params, |r| {
                Ok((small(r, 0)?, count(r, 1)?, count(r, 2)?))
            })
        })?;
        let mut out: Vec<WeekdayCount> = (1..=7)
            .map(|weekday| WeekdayCount {
                weekday,
                plays: 0,
                watch_hours: 0.0,
            })
            .collect();
        for (d, plays, watch) in rows {
            if let Some(slot) = out.get_mut(usize::from(d).wrapping_sub(1)) {
                slot.plays = plays;
                slot.watch_hours = hours(watch);
            }
        }
        Ok(out)
    }

    /// Plays per local hour of the day (all 24 listed), in `zone`.
    pub fn plays_by_hour(&self, filter: &Filter, zone: Zone) -> Result<Vec<HourCount>, QueryError> {
        let rows = self.snapshot(|| {
            let (union, params) = self.local_rows(filter, zone)?;
            let sql = format!(
                "SELECT hour(l) AS h, sum(n)::BIGINT, sum(w)::BIGINT FROM ({union}) GROUP BY h"
            );
            query_rows(&self.conn, &sql, &params, |r| {
                Ok((small(r, 0)?, count(r, 1)?, count(r, 2)?))
            })
        })?;
        let mut out: Vec<HourCount> = (0..24)
            .map(|hour| HourCount {
                hour,
                plays: 0,
                watch_hours: 0.0,
            })
            .collect();
        for (h, plays, watch) in rows {
            if let Some(slot) = out.get_mut(usize::from(h)) {
                slot.plays = plays;
                slot.watch_hours = hours(watch);
            }
        }
        Ok(out)
    }

    /// Plays per (day of week, hour): 168 cells, Monday 00:00 first, in `zone`.
    pub fn heatmap(&self, filter: &Filter, zone: Zone) -> Result<Vec<HeatCell>, QueryError> {
        let rows = self.snapshot(|| {
            let (union, params) = self.local_rows(filter, zone)?;
            let sql = format!(
                "SELECT isodow(l) AS d, hour(l) AS h, sum(n)::BIGINT FROM ({union}) GROUP BY d, h"
            );
            query_rows(&self.conn, &sql, &params, |r| {
                Ok((small(r, 0)?, small(r, 1)?, count(r, 2)?))
            })
        })?;
        let mut out: Vec<HeatCell> = (1..=7u8)
            .flat_map(|weekday| {
                (0..24u8).map(move |hour| HeatCell {
                    weekday,
                    hour,
                    plays: 0,
                })
            })
            .collect();
        for (d, h, plays) in rows {
            if (1..=7).contains(&d) && h < 24 {
                out[usize::from(d - 1) * 24 + usize::from(h)].plays = plays;
            }
        }
        Ok(out)
    }

    /// Plays per local date of `year` (only days with plays are listed), in `zone`.
    pub fn calendar(
        &self,
        filter: &Filter,
        zone: Zone,
        year: i32,
    ) -> Result<Vec<CalendarDay>, QueryError> {
        let (Some(first), Some(next)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year + 1, 1, 1),
        ) else {
            return Ok(Vec::new());
        };
        let from = zone
            .from_local(first.and_time(chrono::NaiveTime::MIN))
            .with_timezone(&Utc);
        let to = zone
            .from_local(next.and_time(chrono::NaiveTime::MIN))
            .with_timezone(&Utc);
        let mut f = filter.clone();
        f.start = Some(f.start.map_or(from, |s| s.max(from)));
        f.end = Some(f.end.map_or(to, |e| e.min(to)));
        if f.start >= f.end {
            return Ok(Vec::new());
        }
        let rows = self.snapshot(|| {
            let (union, params) = self.local_rows(&f, zone)?;
            let sql = format!(
                "SELECT epoch_us(CAST(l AS DATE)::TIMESTAMP) AS d, sum(n)::BIGINT, sum(w)::BIGINT
                 FROM ({union}) GROUP BY d ORDER BY d"
            );
            query_rows(&self.conn, &sql, &params, |r| {
                Ok((r.get::<_, i64>(0)?, count(r, 1)?, count(r, 2)?))
            })
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(d, plays, watch)| {
                let date = DateTime::from_timestamp_micros(d)?.date_naive();
                (date.year() == year).then(|| CalendarDay {
                    date,
                    plays,
                    watch_hours: hours(watch),
                })
            })
            .collect())
    }
}

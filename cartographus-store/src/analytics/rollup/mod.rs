//! Pre-aggregated history ("rollups"): what makes a dashboard query over millions of
//! plays cost about as much as a few days of plays.
//!
//! ## What is stored
//! Days of history that are over ("sealed": the newest play started at least
//! [`SEAL_MARGIN_DAYS`] days after the day ended, so none of its plays is still being
//! updated) are summarised into small tables by
//! [`Store::refresh_analytics`](crate::Store::refresh_analytics). The period tables
//! hold one row per *month* for months that are over and one row per *day* for the
//! sealed days of the current month (merged into a month row once it ends):
//!
//! | table | one row per | used by |
//! |---|---|---|
//! | `analytics_hours` | UTC hour | trends, hour of day, weekday, heatmap, calendar (with a bitmap of the hour's users for trend user counts) |
//! | `analytics_places` | period × media type × user × place | overview, top countries, top users, locations, viewport, nearby, arcs, hexagons; media type and country breakdowns |
//! | `analytics_devices` | period × user × platform × player × library | top platforms, players, libraries; library and platform breakdowns |
//! | `analytics_items` | period × item (with its users' ids) | top movies, shows, episodes, artists |
//!
//! and `analytics_places_all`, `analytics_devices_all`, `analytics_items_all`, the
//! same summed over every sealed period (what "all time" reads). Places and devices
//! keep the user in their grain, so their distinct user counts stay exact; items keep
//! the list of their distinct users instead (one row per item, period and user would
//! be as many rows as plays), which a top list unions for the entries it returns.
//! Measures are additive: plays (segments that start a play), streams, watch seconds,
//! completion sums, first and last start.
//!
//! ## How a query reads them
//! A query whose filter restricts nothing but time reads the rollup rows of the whole
//! periods (or hours) inside its range, and the plays for the rest: the last days not
//! sealed yet and the partial periods at the range's ends, found through DuckDB's zone
//! maps because plays are stored in start order. Both parts are brought to the same
//! grain and summed together, so the answer is the one the plays alone give. A filter
//! on media types is answered by `analytics_places` (the map, the overview, top
//! users); any other filter dimension reads the plays only.
//!
//! ## Staying right
//! The rollups carry the number of sealed plays they were made from; every query
//! compares it with the number stored now (two counts DuckDB answers from its
//! statistics and zone maps) inside the same snapshot, and reads the plays alone when
//! they differ (a sealed play was imported or discarded since the last refresh).
//! Sealed plays are not updated in place: the session tracker's updates concern plays
//! in progress. `Store::refresh_analytics` rebuilds everything when the counts
//! disagree and otherwise only adds newly sealed days. No answer is cached.

mod hours;
mod refresh;

pub use refresh::RollupRefresh;

use cartographus_core::MediaType;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use duckdb::types::Value;

use super::{query_one, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// A day is sealed once the newest play started this many days after its end.
pub(crate) const SEAL_MARGIN_DAYS: i64 = 2;

/// The layout version of the rollup tables; another version is dropped and rebuilt.
const VERSION: i64 = 6;

/// The tables (created by the first refresh; queries read the plays until then).
/// `period_us` is the start of a UTC month or day; `month_us` in the state is where
/// day rows begin.
const DDL: &str = "
CREATE TABLE IF NOT EXISTS analytics_state (
    id INTEGER PRIMARY KEY, version BIGINT NOT NULL, month_us BIGINT NOT NULL,
    sealed_us BIGINT NOT NULL, sealed_rows BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_user_index (user_id BIGINT NOT NULL, idx INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_hours (
    hour TIMESTAMP NOT NULL, plays BIGINT NOT NULL, streams BIGINT NOT NULL,
    watch_s BIGINT NOT NULL, users BLOB);
CREATE TABLE IF NOT EXISTS analytics_places (
    period_us BIGINT NOT NULL, media_type VARCHAR NOT NULL, user_id BIGINT NOT NULL,
    username VARCHAR, friendly_name VARCHAR, latitude DOUBLE, longitude DOUBLE, city VARCHAR, region VARCHAR, country_code VARCHAR,
    country_name VARCHAR, h3_r6 UBIGINT, h3_r7 UBIGINT, h3_r8 UBIGINT,
    plays BIGINT NOT NULL, streams BIGINT NOT NULL, watch_s BIGINT NOT NULL,
    pct_sum DOUBLE NOT NULL, first_us BIGINT NOT NULL, last_us BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_devices (
    period_us BIGINT NOT NULL, user_id BIGINT NOT NULL, platform VARCHAR, player VARCHAR,
    library_name VARCHAR, plays BIGINT NOT NULL, streams BIGINT NOT NULL,
    watch_s BIGINT NOT NULL, pct_sum DOUBLE NOT NULL, last_us BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_items (
    period_us BIGINT NOT NULL, media_type VARCHAR NOT NULL, title VARCHAR, year USMALLINT,
    grandparent_title VARCHAR, season UINTEGER, episode UINTEGER, media_key VARCHAR,
    plays BIGINT NOT NULL, streams BIGINT NOT NULL, watch_s BIGINT NOT NULL,
    last_us BIGINT NOT NULL, user_count BIGINT NOT NULL, users BIGINT[] NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_places_all AS SELECT * EXCLUDE (period_us) FROM analytics_places LIMIT 0;
CREATE TABLE IF NOT EXISTS analytics_devices_all AS SELECT * EXCLUDE (period_us) FROM analytics_devices LIMIT 0;
CREATE TABLE IF NOT EXISTS analytics_items_all AS SELECT * EXCLUDE (period_us) FROM analytics_items LIMIT 0;
";

/// The grain of a rollup table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    /// `analytics_hours` (column `hour`).
    Hour,
    /// The period tables (column `period_us`: months, then days).
    Period,
    /// `analytics_places`, which also keeps the media type: filters on media types
    /// are answered too.
    PeriodByMedia,
}

/// The sealed rollup rows a query reads: `[from_us, to_us)`, which no row of the
/// grain straddles; `all` when that is every sealed row (the `_all` tables answer it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cover {
    pub(crate) grain: Grain,
    pub(crate) all: bool,
    pub(crate) from_us: i64,
    pub(crate) to_us: i64,
    /// Media types the rows must have (none: any).
    pub(crate) media: Vec<MediaType>,
}

impl Cover {
    /// The condition selecting the covered rows of a table aliased `p`, with its
    /// parameters.
    pub(crate) fn cond(&self) -> (String, Vec<Value>) {
        let mut parts = Vec::new();
        let mut params = Vec::new();
        if !self.all {
            let (lower, upper) = match self.grain {
                Grain::Hour => (
                    "p.hour >= make_timestamp(?::BIGINT)",
                    "p.hour < make_timestamp(?::BIGINT)",
                ),
                Grain::Period | Grain::PeriodByMedia => ("p.period_us >= ?", "p.period_us < ?"),
            };
            if self.from_us > i64::MIN {
                parts.push(lower.to_owned());
                params.push(Value::BigInt(self.from_us));
            }
            parts.push(upper.to_owned());
            params.push(Value::BigInt(self.to_us));
        }
        if !self.media.is_empty() {
            let marks = vec!["?"; self.media.len()].join(", ");
            parts.push(format!("p.media_type IN ({marks})"));
            params.extend(
                self.media
                    .iter()
                    .map(|m| Value::Text(m.as_str().to_owned())),
            );
        }
        if parts.is_empty() {
            return ("TRUE".to_owned(), params);
        }
        (parts.join(" AND "), params)
    }

    /// `table` (a period table), or its `_all` variant when that answers.
    pub(crate) fn table(&self, table: &'static str) -> String {
        if self.all && self.grain != Grain::Hour {
            format!("{table}_all")
        } else {
            table.to_owned()
        }
    }
}

/// Where one query's rows come from: covered rollup rows, and the plays of the rest of
/// the filter's range (one scope per contiguous stretch).
#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub(crate) cover: Option<Cover>,
    pub(crate) raw: Vec<Scope>,
}

impl Parts {
    /// The plays only.
    pub(crate) fn raw_only(filter: &Filter) -> Self {
        Self {
            cover: None,
            raw: vec![Scope::of(filter)],
        }
    }

    /// `UNION ALL` of `rollup` (a `SELECT` over the covered rows, whose condition
    /// replaces `{cover}`) and `raw` (a `SELECT` over the plays, whose `WHERE` text
    /// replaces `{w}`) for each raw stretch, with every parameter in text order.
    /// `extra` follows each branch's own parameters (for conditions written after
    /// `{cover}` / `{w}`). The rollup `SELECT` names its table `{table}`, replaced by
    /// `table` or its `_all` variant.
    pub(crate) fn union(
        &self,
        table: &'static str,
        rollup: &str,
        raw: &str,
        extra: &[Value],
    ) -> (String, Vec<Value>) {
        let mut branches = Vec::new();
        let mut params = Vec::new();
        if let Some(c) = &self.cover {
            let (cond, p) = c.cond();
            branches.push(
                rollup
                    .replace("{cover}", &cond)
                    .replace("{table}", &c.table(table)),
            );
            params.extend(p);
            params.extend(extra.iter().cloned());
        }
        for s in &self.raw {
            branches.push(raw.replace("{w}", &s.sql));
            params.extend(s.params.iter().cloned());
            params.extend(extra.iter().cloned());
        }
        (branches.join("\nUNION ALL\n"), params)
    }
}

/// The start of the UTC month holding `us` (epoch microseconds).
pub(crate) fn month_start(us: i64) -> i64 {
    let Some(t) = DateTime::<Utc>::from_timestamp_micros(us) else {
        return us;
    };
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
        .map(|d| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros()
        })
        .unwrap_or(us)
}

/// The start of the UTC month after the one starting at `us`.
pub(crate) fn next_month(us: i64) -> i64 {
    let Some(t) = DateTime::<Utc>::from_timestamp_micros(us) else {
        return us;
    };
    t.checked_add_months(chrono::Months::new(1))
        .map_or(i64::MAX, |t| month_start(t.timestamp_micros()))
}

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// `us` rounded down to a multiple of `step`, or up when `up`.
fn align(us: i64, step: i64, up: bool) -> i64 {
    let down = us.div_euclid(step) * step;
    if up && down < us {
        down.saturating_add(step)
    } else {
        down
    }
}

/// `us` rounded down to a month start, or up when `up`.
fn align_month(us: i64, up: bool) -> i64 {
    let down = month_start(us);
    if up && down < us {
        next_month(down)
    } else {
        down
    }
}

/// The rollup state: day rows start at `month_us`, plays before `sealed_us` are
/// summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sealed {
    pub(crate) month_us: i64,
    pub(crate) sealed_us: i64,
}

impl Sealed {
    /// The covered stretch of `[start, end)` at `grain` (`None` bounds are open):
    /// whole hours before `sealed_us`; or whole months before `month_us`, then whole
    /// days before `sealed_us`.
    fn cover(self, start: Option<i64>, end: Option<i64>, grain: Grain) -> Option<Cover> {
        let end_c = end.map_or(self.sealed_us, |e| e.min(self.sealed_us));
        let (from, to) = match grain {
            Grain::Hour => (
                start.map_or(i64::MIN, |s| align(s, HOUR_US, true)),
                align(end_c, HOUR_US, false),
            ),
            Grain::Period | Grain::PeriodByMedia => (
                start.map_or(i64::MIN, |s| {
                    if s < self.month_us {
                        align_month(s, true)
                    } else {
                        align(s, DAY_US, true)
                    }
                }),
                if end_c <= self.month_us {
                    align_month(end_c, false)
                } else {
                    align(end_c, DAY_US, false)
                },
            ),
        };
        (from < to).then_some(Cover {
            grain,
            all: start.is_none() && end.is_none_or(|e| e >= self.sealed_us),
            from_us: from,
            to_us: to,
            media: Vec::new(),
        })
    }
}

/// Whether the filter restricts nothing but time (what the rollups can answer).
fn time_only(filter: &Filter) -> bool {
    let mut f = filter.clone();
    f.start = None;
    f.end = None;
    f == Filter::all()
}

/// Whether the filter restricts nothing but time and media types.
fn time_and_media_only(filter: &Filter) -> bool {
    let mut f = filter.clone();
    f.media_types.clear();
    time_only(&f)
}

impl Reader {
    /// The state of valid rollups, `None` when there are none or they no longer match
    /// the plays. Call inside the query's snapshot.
    fn sealed(&self) -> Result<Option<Sealed>, QueryError> {
        if layout_version(&self.conn)? != Some(VERSION) {
            return Ok(None);
        }
        let state = super::query_rows(
            &self.conn,
            "SELECT version, month_us, sealed_us, sealed_rows FROM analytics_state WHERE id = 1",
            &[],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )?;
        let Some((version, month_us, sealed_us, sealed_rows)) = state.first().copied() else {
            return Ok(None);
        };
        if version != VERSION || sealed_rows == 0 {
            return Ok(None);
        }
        let now = sealed_count(&self.conn, sealed_us)?;
        Ok((now == sealed_rows).then_some(Sealed {
            month_us,
            sealed_us,
        }))
    }

    /// How `filter` is answered at `grain`: which rollup rows, which plays. Call inside
    /// the query's snapshot (see [`Reader::snapshot`]).
    pub(crate) fn parts(&self, filter: &Filter, grain: Grain) -> Result<Parts, QueryError> {
        let answerable = match grain {
            Grain::PeriodByMedia => time_and_media_only(filter),
            Grain::Hour | Grain::Period => time_only(filter),
        };
        if !answerable {
            return Ok(Parts::raw_only(filter));
        }
        let Some(sealed) = self.sealed()? else {
            return Ok(Parts::raw_only(filter));
        };
        let start = filter.start.map(|t| t.timestamp_micros());
        let end = filter.end.map(|t| t.timestamp_micros());
        let Some(mut cover) = sealed.cover(start, end, grain) else {
            return Ok(Parts::raw_only(filter));
        };
        cover.media = filter.media_types.clone();
        let at = |us: i64| DateTime::<Utc>::from_timestamp_micros(us);
        let mut raw = Vec::new();
        if let (Some(s), Some(from)) = (filter.start, at(cover.from_us)) {
            if s < from {
                let mut f = filter.clone();
                f.end = Some(from);
                raw.push(Scope::of(&f));
            }
        }
        if end.is_none_or(|e| e > cover.to_us) {
            let mut f = filter.clone();
            f.start = at(cover.to_us);
            raw.push(Scope::of(&f));
        }
        Ok(Parts {
            cover: Some(cover),
            raw,
        })
    }

    /// Runs `f` inside one read transaction, so the rollup check and the query see the
    /// same snapshot.
    pub(crate) fn snapshot<T>(
        &self,
        f: impl FnOnce() -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f()?;
        tx.commit()?;
        Ok(out)
    }
}

/// The layout version the rollup tables were made with, `None` when there are none.
fn layout_version(conn: &duckdb::Connection) -> Result<Option<i64>, QueryError> {
    let exists = query_one(
        conn,
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'analytics_state'
         AND database_name = current_database() AND schema_name = current_schema()",
        &[],
        |r| r.get::<_, i64>(0),
    )?;
    if exists == 0 {
        return Ok(None);
    }
    let v = super::query_rows(
        conn,
        "SELECT version FROM analytics_state WHERE id = 1",
        &[],
        |r| r.get::<_, i64>(0),
    )?;
    Ok(Some(v.first().copied().unwrap_or(0)))
}

/// The plays that started before `sealed_us`: all of them minus the (few, zone-mapped)
/// newer ones.
fn sealed_count(conn: &duckdb::Connection, sealed_us: i64) -> Result<i64, QueryError> {
    query_one(
        conn,
        "SELECT (SELECT count(*) FROM playback_events)
              - (SELECT count(*) FROM playback_events WHERE started_at >= make_timestamp(?::BIGINT))",
        &[Value::BigInt(sealed_us)],
        |r| r.get::<_, i64>(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(s: &str) -> i64 {
        s.parse::<DateTime<Utc>>().unwrap().timestamp_micros()
    }

    #[test]
    fn months_days_and_hours_align() {
        assert_eq!(
            month_start(us("2026-03-08T07:30:00Z")),
            us("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            next_month(us("2026-12-01T00:00:00Z")),
            us("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            align_month(us("2026-03-08T07:30:00Z"), true),
            us("2026-04-01T00:00:00Z")
        );
        assert_eq!(
            align_month(us("2026-03-01T00:00:00Z"), true),
            us("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            align(us("2026-03-08T07:30:00Z"), HOUR_US, true),
            us("2026-03-08T08:00:00Z")
        );
        assert_eq!(
            align(us("2026-03-08T07:30:00Z"), DAY_US, false),
            us("2026-03-08T00:00:00Z")
        );
        assert_eq!(align(-1, HOUR_US, false), -HOUR_US);
    }

    #[test]
    fn covers_never_cut_a_period() {
        // Months before March are month rows; March 1-9 are day rows.
        let sealed = Sealed {
            month_us: us("2026-03-01T00:00:00Z"),
            sealed_us: us("2026-03-10T00:00:00Z"),
        };
        let c = |s: &str, e: &str, g| sealed.cover(Some(us(s)), Some(us(e)), g);
        // Cut months at both ends: whole months only.
        let cut = c(
            "2025-11-15T10:00:00Z",
            "2026-02-10T00:00:00Z",
            Grain::Period,
        )
        .unwrap();
        assert_eq!(
            (cut.from_us, cut.to_us),
            (us("2025-12-01T00:00:00Z"), us("2026-02-01T00:00:00Z"))
        );
        // Into the day rows: whole days up to the sealed end.
        let into = c(
            "2025-11-15T10:00:00Z",
            "2026-03-05T12:00:00Z",
            Grain::Period,
        )
        .unwrap();
        assert_eq!(into.to_us, us("2026-03-05T00:00:00Z"));
        let days = c(
            "2026-03-02T06:00:00Z",
            "2026-04-01T00:00:00Z",
            Grain::Period,
        )
        .unwrap();
        assert_eq!(
            (days.from_us, days.to_us),
            (us("2026-03-03T00:00:00Z"), us("2026-03-10T00:00:00Z"))
        );
        assert!(!days.all);
        // Inside one unsealed stretch: nothing to cover.
        assert_eq!(
            c(
                "2026-03-11T00:00:00Z",
                "2026-03-20T00:00:00Z",
                Grain::Period
            ),
            None
        );
        let all = sealed.cover(None, None, Grain::Period).unwrap();
        assert!(all.all);
        assert_eq!(all.cond(), ("TRUE".to_owned(), Vec::new()));
        assert_eq!(all.table("analytics_places"), "analytics_places_all");
        let hours = c("2026-03-02T06:30:00Z", "2026-03-12T00:00:00Z", Grain::Hour).unwrap();
        assert_eq!(
            (hours.from_us, hours.to_us),
            (us("2026-03-02T07:00:00Z"), us("2026-03-10T00:00:00Z"))
        );
    }

    #[test]
    fn only_time_bounded_filters_use_rollups() {
        let now = "2026-03-08T07:30:00Z".parse().unwrap();
        assert!(time_only(&Filter::all()));
        assert!(time_only(&Filter::all().last_days(30, now)));
        let mut f = Filter::all();
        f.platforms = vec!["Roku".into()];
        assert!(!time_only(&f));
    }
}

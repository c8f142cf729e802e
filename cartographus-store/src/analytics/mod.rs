//! Analytics: the questions people run Cartographus to answer, as typed queries on a
//! [`Reader`](crate::Reader). Every query takes the shared [`Filter`](crate::Filter)
//! (rendered as bound parameters, never spliced into SQL) and returns a
//! serde-serialisable struct the server hands out under `/api/v1/analytics/*`.
//!
//! ## Counting
//! - A **play** is a group of resumed segments (rows sharing `reference_id`), counted
//!   once, as in Tautulli, and counted **where it started**: its first segment (the
//!   row without `reference_id`) gives the play's time bucket, place, platform,
//!   decision… and must match the filter. Resumed segments add streams and watch time
//!   but no play. This makes play counts additive (`count(*) FILTER (WHERE
//!   reference_id IS NULL)`: a day's plays plus the next day's are the two days'
//!   plays), and cheap: no distinct count over every event id. A resumed segment
//!   whose first segment is not stored (discarded, or rejected on import) adds no play.
//! - A **stream** is one row (one segment); quality breakdowns count streams, since a
//!   resumed segment may be delivered differently.
//! - **Watch time** is the sum of `play_duration_s` (pauses excluded) of every segment.
//! - With [`Accuracy::Approximate`] distinct counts use DuckDB's HyperLogLog
//!   (`approx_count_distinct`) and percentiles its t-digest (`approx_quantile`).
//!
//! ## Time zones
//! Every hour-of-day, day-of-week, calendar and per-day answer is computed in a
//! [`Zone`] chosen by the caller (see `zone.rs`): DST-correct, without DuckDB's ICU
//! extension.

mod cohorts;
mod concurrency;
mod content;
mod networks;
mod overview;
mod quality;
mod rollup;
mod search;
mod sessions;
mod top;
mod trends;
mod users;
mod zone;

pub use cohorts::{Cohort, CohortReport};
pub use concurrency::{ConcurrencyBucket, ConcurrencyPeak, ConcurrencyReport};
pub use content::{BreakdownBy, GroupStats};
pub use networks::{SharedLink, SharedNetworkGraph, SharedNode, SharedVia};
pub use overview::{Accuracy, CountryCount, Overview};
pub use quality::{
    Distribution, PlatformDecisions, QualityReport, QualityTrendPoint, ResolutionChange, ShareOf,
};
pub(crate) use rollup::Grain;
pub use rollup::RollupRefresh;
pub use search::{SearchHit, SearchKind, SearchRequest};
pub use sessions::{BingeReport, BingeRules, BingeSession, PartyReport, PartyRules, WatchParty};
pub use top::{RankBy, RecentPlay, TopEntry, TopKind};
pub use trends::{CalendarDay, HeatCell, HourCount, Interval, TrendPoint, Trends, WeekdayCount};
pub(crate) use users::user_id as users_row_id;
pub use users::{
    AbandonBucket, Engagement, UserDetail, UserDevice, UserEngagement, UserIp, UserLocation,
    UserStats,
};
pub use zone::{Zone, ZoneError};

use chrono::{DateTime, Utc};
use duckdb::types::Value;
use duckdb::{Connection, Row};

use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// The number of plays among the rows of `p`: the segments that start one.
pub(crate) const PLAYS: &str = "count(*) FILTER (WHERE p.reference_id IS NULL)";

/// Watch time in seconds as a `BIGINT`.
pub(crate) const WATCH_S: &str = "coalesce(sum(p.play_duration_s), 0)::BIGINT";

/// A filter rendered for `playback_events p`: the `WHERE` text and its parameters.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub(crate) sql: String,
    pub(crate) params: Vec<Value>,
}

impl Scope {
    pub(crate) fn of(filter: &Filter) -> Self {
        let w = filter.to_sql("p.");
        Self {
            sql: w.sql(),
            params: w.params,
        }
    }

    /// The parameters followed by `extra`.
    pub(crate) fn with(&self, extra: impl IntoIterator<Item = Value>) -> Vec<Value> {
        let mut p = self.params.clone();
        p.extend(extra);
        p
    }
}

/// Runs `sql` with `params` and maps every row.
pub(crate) fn query_rows<T>(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    mut f: impl FnMut(&Row<'_>) -> Result<T, duckdb::Error>,
) -> Result<Vec<T>, QueryError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(duckdb::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(f(r)?);
    }
    Ok(out)
}

/// Runs `sql` with `params` and maps its single row.
pub(crate) fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    f: impl FnMut(&Row<'_>) -> Result<T, duckdb::Error>,
) -> Result<T, QueryError> {
    let mut stmt = conn.prepare_cached(sql)?;
    Ok(stmt.query_row(duckdb::params_from_iter(params.iter()), f)?)
}

/// A non-negative count read as `i64`.
pub(crate) fn count(row: &Row<'_>, i: usize) -> Result<u64, duckdb::Error> {
    Ok(row.get::<_, Option<i64>>(i)?.unwrap_or(0).max(0) as u64)
}

/// An instant read as epoch microseconds.
pub(crate) fn instant(row: &Row<'_>, i: usize) -> Result<Option<DateTime<Utc>>, duckdb::Error> {
    Ok(row
        .get::<_, Option<i64>>(i)?
        .and_then(DateTime::from_timestamp_micros))
}

/// A limit clamped to `1..=max`.
pub(crate) fn clamp_limit(limit: u32, max: u32) -> u32 {
    limit.clamp(1, max)
}

impl Reader {
    /// The time range a zone conversion must cover for `filter`: its own bounds where
    /// set, else the first and last stored play.
    pub(crate) fn zone_range(
        &self,
        filter: &Filter,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), QueryError> {
        if let (Some(a), Some(b)) = (filter.start, filter.end) {
            return Ok((a, b));
        }
        let (lo, hi) = query_one(
            &self.conn,
            "SELECT epoch_us(min(started_at)), epoch_us(max(started_at)) FROM playback_events",
            &[],
            |r| Ok((instant(r, 0)?, instant(r, 1)?)),
        )?;
        let lo = filter.start.or(lo).unwrap_or(DateTime::UNIX_EPOCH);
        let hi = filter.end.or(hi).unwrap_or(lo);
        Ok((lo, hi.max(lo)))
    }

    /// The SQL for the local wall-clock time of `p.started_at` in `zone`, valid over
    /// every play `filter` can match.
    pub(crate) fn local_started(&self, filter: &Filter, zone: Zone) -> Result<String, QueryError> {
        if zone == Zone::UTC {
            return Ok("p.started_at".to_owned());
        }
        let (lo, hi) = self.zone_range(filter)?;
        Ok(zone.local_sql("p.started_at", lo, hi))
    }
}

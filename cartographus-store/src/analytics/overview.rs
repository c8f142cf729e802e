//! The overview card (`/api/v1/stats`): totals, distinct users, places and countries,
//! the top countries, the last activity and the database size.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{count, instant, query_one, query_rows, Scope, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// Exact or approximate distinct counts and percentiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accuracy {
    /// Exact answers (hash-based distinct counts, exact quantiles).
    #[default]
    Exact,
    /// DuckDB's `approx_count_distinct` (HyperLogLog, ~2 % error) and
    /// `approx_quantile` (t-digest): for very large histories.
    Approximate,
}

impl Accuracy {
    /// `count(DISTINCT expr)` or its HyperLogLog estimate.
    pub(crate) fn distinct(self, expr: &str) -> String {
        match self {
            Accuracy::Exact => format!("count(DISTINCT {expr})"),
            Accuracy::Approximate => format!("approx_count_distinct({expr})"),
        }
    }

    /// The `q` quantile of `expr` (exact: `quantile_cont`).
    pub(crate) fn quantile(self, expr: &str, q: &str) -> String {
        match self {
            Accuracy::Exact => format!("quantile_cont({expr}, {q})::DOUBLE"),
            Accuracy::Approximate => format!("approx_quantile({expr}, {q})::DOUBLE"),
        }
    }

    /// The play count expression.
    pub(crate) fn plays(self) -> String {
        match self {
            Accuracy::Exact => PLAYS.to_owned(),
            Accuracy::Approximate => {
                "approx_count_distinct(coalesce(p.reference_id, p.event_id))".to_owned()
            }
        }
    }
}

/// Plays from one country.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CountryCount {
    /// ISO 3166-1 alpha-2 code.
    pub country_code: String,
    /// The country's name, when known.
    pub country_name: Option<String>,
    /// Plays.
    pub plays: u64,
    /// Distinct users.
    pub users: u64,
}

/// The overview of the plays a filter matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Overview {
    /// Plays (resumed segments counted once).
    pub plays: u64,
    /// Stored rows (segments).
    pub streams: u64,
    /// Seconds watched (pauses excluded).
    pub watch_time_s: u64,
    /// Distinct users.
    pub users: u64,
    /// Distinct places (latitude/longitude pairs).
    pub locations: u64,
    /// Distinct countries.
    pub countries: u64,
    /// The ten countries with most plays.
    pub top_countries: Vec<CountryCount>,
    /// The start of the most recent play.
    pub last_activity: Option<DateTime<Utc>>,
    /// The database size in bytes (blocks in use × block size; 0 in memory).
    pub database_bytes: u64,
    /// Whether the distinct counts are estimates.
    pub accuracy: Accuracy,
}

impl Reader {
    /// The overview card for `filter`.
    pub fn overview(&self, filter: &Filter, accuracy: Accuracy) -> Result<Overview, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT {plays}, count(*), {WATCH_S}, {users}, {places}, {countries},
                    epoch_us(max(p.started_at))
             FROM playback_events p WHERE {w}",
            plays = accuracy.plays(),
            users = accuracy.distinct("p.user_id"),
            places = accuracy.distinct(
                "CASE WHEN p.latitude IS NOT NULL THEN hash(p.latitude, p.longitude) END"
            ),
            countries = accuracy.distinct("p.country_code"),
            w = s.sql
        );
        let mut o = query_one(&self.conn, &sql, &s.params, |r| {
            Ok(Overview {
                plays: count(r, 0)?,
                streams: count(r, 1)?,
                watch_time_s: count(r, 2)?,
                users: count(r, 3)?,
                locations: count(r, 4)?,
                countries: count(r, 5)?,
                top_countries: Vec::new(),
                last_activity: instant(r, 6)?,
                database_bytes: 0,
                accuracy,
            })
        })?;
        o.top_countries = self.top_countries(&s, accuracy, 10)?;
        o.database_bytes = self.database_bytes()?;
        Ok(o)
    }

    fn top_countries(
        &self,
        s: &Scope,
        accuracy: Accuracy,
        limit: u32,
    ) -> Result<Vec<CountryCount>, QueryError> {
        let sql = format!(
            "SELECT p.country_code, any_value(p.country_name), {plays} AS n, {users}
             FROM playback_events p WHERE {w} AND p.country_code IS NOT NULL
             GROUP BY p.country_code ORDER BY n DESC, p.country_code LIMIT {limit}",
            plays = accuracy.plays(),
            users = accuracy.distinct("p.user_id"),
            w = s.sql
        );
        query_rows(&self.conn, &sql, &s.params, |r| {
            Ok(CountryCount {
                country_code: r.get(0)?,
                country_name: r.get(1)?,
                plays: count(r, 2)?,
                users: count(r, 3)?,
            })
        })
    }

    /// The database's size in bytes (0 for an in-memory store).
    pub fn database_bytes(&self) -> Result<u64, QueryError> {
        query_one(
            &self.conn,
            "SELECT coalesce(sum(used_blocks * block_size), 0)::BIGINT FROM pragma_database_size()
             WHERE database_name = current_database()",
            &[],
            |r| count(r, 0),
        )
    }
}

//! The overview card (`/api/v1/stats`): totals, distinct users, places and countries,
//! the top countries, the last activity and the database size.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{count, instant, query_one, query_rows, Grain, PLAYS, WATCH_S};
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

/// A row of the overview query: the totals, or one country.
enum OverviewRow {
    Totals(Overview),
    Country(CountryCount),
}

impl Reader {
    /// The overview card for `filter`.
    pub fn overview(&self, filter: &Filter, accuracy: Accuracy) -> Result<Overview, QueryError> {
        // One pass at (user, place, country) grain, from the rollups where they cover
        // the range and from the plays elsewhere; totals and the country list are
        // then two small aggregations over those groups.
        let rollup = "SELECT p.user_id AS u, p.latitude AS lat, p.longitude AS lon,
                             p.country_code AS cc, p.country_name AS cn, p.plays AS n,
                             p.streams AS streams, p.watch_s AS w, p.last_us AS last
                      FROM {table} p WHERE {cover}";
        let raw = format!(
            "SELECT p.user_id AS u, p.latitude AS lat, p.longitude AS lon, p.country_code AS cc,
                    any_value(p.country_name) AS cn, {PLAYS} AS n, count(*) AS streams,
                    {WATCH_S} AS w, epoch_us(max(p.started_at)) AS last
             FROM playback_events p WHERE {{w}} GROUP BY u, lat, lon, cc"
        );
        let (mut o, top_countries) = self.snapshot(|| {
            let parts = self.parts(filter, Grain::PeriodByMedia)?;
            let (union, params) = parts.union("analytics_places", rollup, &raw, &[]);
            let sql = format!(
                "WITH x AS ({union})
                 SELECT 0 AS kind, NULL AS cc, NULL AS cn, sum(n)::BIGINT AS n,
                        sum(streams)::BIGINT, sum(w)::BIGINT, {users}, {places}, {countries},
                        max(last)
                 FROM x
                 UNION ALL
                 SELECT 1, cc, any_value(cn), sum(n)::BIGINT, 0, 0, {users}, 0, 0, NULL
                 FROM x WHERE cc IS NOT NULL GROUP BY cc",
                users = accuracy.distinct("u"),
                places = accuracy.distinct("CASE WHEN lat IS NOT NULL THEN hash(lat, lon) END"),
                countries = accuracy.distinct("cc"),
            );
            let mut overview = None;
            let mut countries = Vec::new();
            for row in query_rows(&self.conn, &sql, &params, |r| {
                let kind: i32 = r.get(0)?;
                if kind == 0 {
                    return Ok(OverviewRow::Totals(Overview {
                        plays: count(r, 3)?,
                        streams: count(r, 4)?,
                        watch_time_s: count(r, 5)?,
                        users: count(r, 6)?,
                        locations: count(r, 7)?,
                        countries: count(r, 8)?,
                        top_countries: Vec::new(),
                        last_activity: instant(r, 9)?,
                        database_bytes: 0,
                        accuracy,
                    }));
                }
                Ok(OverviewRow::Country(CountryCount {
                    country_code: r.get(1)?,
                    country_name: r.get(2)?,
                    plays: count(r, 3)?,
                    users: count(r, 6)?,
                }))
            })? {
                match row {
                    OverviewRow::Totals(o) => overview = Some(o),
                    OverviewRow::Country(c) => countries.push(c),
                }
            }
            let o = overview.ok_or(QueryError::Decode {
                column: "overview",
                detail: "the totals row is missing".into(),
            })?;
            Ok((o, countries))
        })?;
        let mut top_countries = top_countries;
        top_countries.sort_by(|a, b| {
            b.plays
                .cmp(&a.plays)
                .then_with(|| a.country_code.cmp(&b.country_code))
        });
        top_countries.truncate(10);
        o.top_countries = top_countries;
        o.database_bytes = self.database_bytes()?;
        Ok(o)
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

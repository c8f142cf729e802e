//! Libraries and content: plays, watch time and users per library, media type, content
//! rating, release year or genre (and the other low-cardinality columns the charts
//! slice by).

use serde::{Deserialize, Serialize};

use duckdb::types::Value;

use super::rollup::Parts;
use super::{clamp_limit, count, query_rows, Grain, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// The dimension a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BreakdownBy {
    /// Library name.
    Library,
    /// Movie, episode, track…
    MediaType,
    /// PG-13, TV-MA…
    ContentRating,
    /// Release year.
    Year,
    /// Genre (a play with several genres counts in each).
    Genre,
    /// Platform.
    Platform,
    /// Country code.
    Country,
    /// Media server.
    Server,
    /// Where the plays came from (plex, jellyfin, tautulli…).
    Source,
}

impl BreakdownBy {
    /// The grouping expression over `playback_events p`.
    fn key(self) -> &'static str {
        match self {
            BreakdownBy::Library => "p.library_name",
            BreakdownBy::MediaType => "p.media_type::VARCHAR",
            BreakdownBy::ContentRating => "p.content_rating",
            BreakdownBy::Year => "p.year::VARCHAR",
            BreakdownBy::Genre => "unnest(p.genres)",
            BreakdownBy::Platform => "p.platform",
            BreakdownBy::Country => "p.country_code",
            BreakdownBy::Server => "p.server_id",
            BreakdownBy::Source => "p.source::VARCHAR",
        }
    }

    /// The rollup table (and its grain) holding this dimension per user, if any; the
    /// key expression reads the same column names there.
    fn rollup(self) -> Option<(&'static str, Grain)> {
        match self {
            BreakdownBy::Library | BreakdownBy::Platform => {
                Some(("analytics_devices", Grain::Period))
            }
            BreakdownBy::MediaType | BreakdownBy::Country => {
                Some(("analytics_places", Grain::PeriodByMedia))
            }
            _ => None,
        }
    }
}

/// Totals of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GroupStats {
    /// The group's value (`unknown` when not reported).
    pub key: String,
    /// Plays.
    pub plays: u64,
    /// Seconds watched.
    pub watch_time_s: u64,
    /// Distinct users.
    pub users: u64,
    /// Average percent complete of the segments, 0–100.
    pub avg_completion: f64,
}

impl Reader {
    /// Plays, watch time and users per value of `by`, most plays first (at most
    /// `limit`, 1–10,000).
    pub fn breakdown(
        &self,
        filter: &Filter,
        by: BreakdownBy,
        limit: u32,
    ) -> Result<Vec<GroupStats>, QueryError> {
        let key = by.key();
        let raw = format!(
            "SELECT k, p.user_id AS u, {PLAYS} AS n, {WATCH_S} AS w,
                    sum(p.percent_complete) AS pct, count(*) AS streams
             FROM (SELECT {key} AS k, p.reference_id, p.user_id, p.play_duration_s,
                          p.percent_complete
                   FROM playback_events p WHERE {{w}}) p
             GROUP BY k, u"
        );
        let rollup = format!(
            "SELECT {key} AS k, p.user_id AS u, p.plays AS n, p.watch_s AS w, p.pct_sum AS pct,
                    p.streams AS streams
             FROM {{table}} p WHERE {{cover}}"
        );
        self.snapshot(|| {
            let (parts, table) = match by.rollup() {
                Some((table, grain)) => (self.parts(filter, grain)?, table),
                None => (Parts::raw_only(filter), "analytics_places"),
            };
            let (union, params) = parts.union(table, &rollup, &raw, &[]);
            let sql = format!(
                "SELECT coalesce(k, 'unknown') AS k, sum(n)::BIGINT AS plays, sum(w)::BIGINT,
                        count(DISTINCT u), coalesce(sum(pct) / sum(streams), 0)
                 FROM ({union}) GROUP BY ALL ORDER BY plays DESC, k LIMIT {limit}",
                limit = clamp_limit(limit, 10_000)
            );
            self.group_rows(&sql, &params)
        })
    }

    fn group_rows(&self, sql: &str, params: &[Value]) -> Result<Vec<GroupStats>, QueryError> {
        query_rows(&self.conn, sql, params, |r| {
            Ok(GroupStats {
                key: r.get(0)?,
                plays: count(r, 1)?,
                watch_time_s: count(r, 2)?,
                users: count(r, 3)?,
                avg_completion: r.get(4)?,
            })
        })
    }
}

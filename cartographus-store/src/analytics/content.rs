//! Libraries and content: plays, watch time and users per library, media type, content
//! rating, release year or genre (and the other low-cardinality columns the charts
//! slice by).

use serde::{Deserialize, Serialize};

use super::{clamp_limit, count, query_rows, Scope, PLAYS, WATCH_S};
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
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT coalesce(k, 'unknown') AS k, sum(n)::BIGINT AS plays, sum(w)::BIGINT, count(*),
                    coalesce(sum(pct) / sum(streams), 0)
             FROM (SELECT k, p.user_id AS u, {PLAYS} AS n, {WATCH_S} AS w,
                          sum(p.percent_complete) AS pct, count(*) AS streams
                   FROM (SELECT {key} AS k, p.reference_id, p.user_id, p.play_duration_s,
                                p.percent_complete
                         FROM playback_events p WHERE {w}) p
                   GROUP BY k, u)
             GROUP BY ALL ORDER BY plays DESC, k LIMIT {limit}",
            key = by.key(),
            w = s.sql,
            limit = clamp_limit(limit, 10_000)
        );
        query_rows(&self.conn, &sql, &s.params, |r| {
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

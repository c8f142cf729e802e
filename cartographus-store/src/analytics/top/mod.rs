//! Top lists — Tautulli's home cards: most watched (by plays or by time) and most
//! popular (by distinct users) movies, shows, episodes, artists, users, platforms,
//! players and libraries, and the most recent plays.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod query;

use super::{clamp_limit, instant, query_rows, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// What a top list ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TopKind {
    /// Movies (by title and year).
    Movies,
    /// TV shows (episodes grouped by show).
    Shows,
    /// Single episodes.
    Episodes,
    /// Music artists (tracks grouped by artist).
    Artists,
    /// Users.
    Users,
    /// Platforms (Roku, Android…).
    Platforms,
    /// Players (device names).
    Players,
    /// Libraries.
    Libraries,
}

/// How a top list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Most plays ("most watched").
    #[default]
    Plays,
    /// Most time watched.
    WatchTime,
    /// Most distinct users ("most popular").
    Users,
}

impl RankBy {
    pub(crate) fn column(self) -> &'static str {
        match self {
            RankBy::Plays => "plays",
            RankBy::WatchTime => "watch",
            RankBy::Users => "users",
        }
    }
}

/// One entry of a top list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TopEntry {
    /// A stable key (title, user id, platform…), usable in a filter where it maps to one.
    pub key: String,
    /// What to show.
    pub label: String,
    /// Plays.
    pub plays: u64,
    /// Seconds watched.
    pub watch_time_s: u64,
    /// Distinct users.
    pub users: u64,
    /// When it was last played.
    pub last_played: Option<DateTime<Utc>>,
}

/// One recent play.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecentPlay {
    /// The play's event id.
    pub event_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The user's internal id.
    pub user_id: cartographus_core::UserId,
    /// The user's display name.
    pub user: String,
    /// "Show - Episode" or the title.
    pub title: String,
    /// Movie, episode, track…
    pub media_type: String,
    /// The platform.
    pub platform: Option<String>,
    /// The player.
    pub player: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// The country code.
    pub country_code: Option<String>,
    /// Percent complete, 0–100.
    pub percent_complete: f64,
}

impl Reader {
    /// The `limit` (1–1,000) first entries of `kind` ordered by `by`.
    pub fn top(
        &self,
        filter: &Filter,
        kind: TopKind,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<TopEntry>, QueryError> {
        let limit = clamp_limit(limit, 1000);
        self.snapshot(|| self.top_entries(filter, kind, by, limit))
    }

    /// The `limit` (1–1,000) most recent plays, newest first.
    pub fn recent_plays(&self, filter: &Filter, limit: u32) -> Result<Vec<RecentPlay>, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT p.event_id::VARCHAR, epoch_us(p.started_at), p.user_id,
                    coalesce(p.friendly_name, p.username),
                    CASE WHEN p.media_type IN ('episode', 'track') AND p.grandparent_title IS NOT NULL
                         THEN p.grandparent_title || ' - ' || p.title ELSE p.title END,
                    p.media_type::VARCHAR, p.platform, p.player, p.city, p.country_code,
                    p.percent_complete
             FROM playback_events p WHERE {w}
             ORDER BY p.started_at DESC, p.event_id DESC LIMIT {limit}",
            w = s.sql,
            limit = clamp_limit(limit, 1000)
        );
        query_rows(&self.conn, &sql, &s.params, |r| {
            Ok(RecentPlay {
                event_id: r.get(0)?,
                started_at: instant(r, 1)?.unwrap_or_default(),
                user_id: super::users::user_id(r, 2)?,
                user: r.get(3)?,
                title: r.get(4)?,
                media_type: r.get(5)?,
                platform: r.get(6)?,
                player: r.get(7)?,
                city: r.get(8)?,
                country_code: r.get(9)?,
                percent_complete: r.get(10)?,
            })
        })
    }
}

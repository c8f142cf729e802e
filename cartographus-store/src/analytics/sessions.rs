//! Viewing sessions found with window functions: binge sessions (one user, one show,
//! at least 3 distinct episodes with at most 6 h between the end of one and the start
//! of the next) and watch parties (at least 2 users starting the same item, each
//! start within 15 min of the previous one).

use cartographus_core::{MediaKey, ServerId, UserId};
use chrono::{DateTime, Duration, Utc};
use duckdb::types::Value;
use serde::Serialize;

use super::users::user_id;
use super::{clamp_limit, count, instant, query_rows, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// What makes a binge session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BingeRules {
    /// Distinct episodes of one show, at least (default 3).
    pub min_episodes: u32,
    /// The longest gap between the end of one episode and the start of the next
    /// (default 6 h).
    pub max_gap: Duration,
}

impl Default for BingeRules {
    fn default() -> Self {
        Self {
            min_episodes: 3,
            max_gap: Duration::hours(6),
        }
    }
}

/// What makes a watch party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartyRules {
    /// Distinct users, at least (default 2).
    pub min_users: u32,
    /// The longest time between consecutive starts of the item (default 15 min).
    pub window: Duration,
}

impl Default for PartyRules {
    fn default() -> Self {
        Self {
            min_users: 2,
            window: Duration::minutes(15),
        }
    }
}

/// One binge session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BingeSession {
    /// The viewer.
    pub user_id: UserId,
    /// Their name.
    pub username: String,
    /// The show.
    pub show: String,
    /// Distinct episodes watched.
    pub episodes: u64,
    /// Start of the first episode.
    pub started_at: DateTime<Utc>,
    /// End of the last episode.
    pub ended_at: DateTime<Utc>,
    /// Seconds watched.
    pub watch_time_s: u64,
}

/// Binge sessions found, most recent first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BingeReport {
    /// Every session found (the list may be cut at the limit).
    pub total: u64,
    /// The sessions, most recent first.
    pub sessions: Vec<BingeSession>,
}

/// One watch party.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WatchParty {
    /// The server the item lives on.
    pub server_id: ServerId,
    /// The item's key on that server.
    pub media_key: MediaKey,
    /// What was watched.
    pub title: String,
    /// The first start.
    pub started_at: DateTime<Utc>,
    /// The last start.
    pub last_start: DateTime<Utc>,
    /// The participants, in order of their first start.
    pub user_ids: Vec<UserId>,
    /// Their names, in the same order.
    pub usernames: Vec<String>,
}

/// Watch parties found, most recent first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PartyReport {
    /// Every party found (the list may be cut at the limit).
    pub total: u64,
    /// The parties, most recent first.
    pub parties: Vec<WatchParty>,
}

fn micros(d: Duration) -> Value {
    Value::BigInt(d.num_microseconds().unwrap_or(i64::MAX))
}

fn conversion(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> duckdb::Error {
    duckdb::Error::FromSqlConversionFailure(i, duckdb::types::Type::Text, Box::new(e))
}

impl Reader {
    /// Binge sessions among the episodes `filter` matches (at most `limit`, 1–1,000).
    pub fn binge_sessions(
        &self,
        filter: &Filter,
        rules: BingeRules,
        limit: u32,
    ) -> Result<BingeReport, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "WITH e AS (
                SELECT p.user_id, p.username, p.grandparent_title AS show_title, p.media_key,
                       epoch_us(p.started_at) AS s_us,
                       coalesce(epoch_us(p.stopped_at),
                                epoch_us(p.started_at) + (p.play_duration_s + p.paused_s) * 1000000) AS e_us,
                       p.play_duration_s
                FROM playback_events p
                WHERE {w} AND p.media_type = 'episode' AND p.grandparent_title IS NOT NULL),
             m AS (
                SELECT *, CASE WHEN s_us - max(e_us) OVER (PARTITION BY user_id, show_title ORDER BY s_us, media_key
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) <= ? THEN 0 ELSE 1 END AS brk
                FROM e),
             r AS (
                SELECT *, sum(brk) OVER (PARTITION BY user_id, show_title ORDER BY s_us, media_key
                          ROWS UNBOUNDED PRECEDING) AS run
                FROM m)
             SELECT user_id, any_value(username), show_title, count(DISTINCT media_key) AS eps, min(s_us) AS first,
                    max(e_us), sum(play_duration_s)::BIGINT, count(*) OVER () AS total
             FROM r GROUP BY user_id, show_title, run HAVING count(DISTINCT media_key) >= ?
             ORDER BY first DESC, user_id LIMIT {limit}",
            w = s.sql,
            limit = clamp_limit(limit, 1000)
        );
        let params = s.with([
            micros(rules.max_gap),
            Value::BigInt(i64::from(rules.min_episodes)),
        ]);
        let mut total = 0;
        let sessions = query_rows(&self.conn, &sql, &params, |r| {
            total = count(r, 7)?;
            Ok(BingeSession {
                user_id: user_id(r, 0)?,
                username: r.get(1)?,
                show: r.get(2)?,
                episodes: count(r, 3)?,
                started_at: instant(r, 4)?.unwrap_or_default(),
                ended_at: instant(r, 5)?.unwrap_or_default(),
                watch_time_s: count(r, 6)?,
            })
        })?;
        Ok(BingeReport { total, sessions })
    }

    /// Watch parties among the plays `filter` matches (at most `limit`, 1–1,000).
    /// Only the first segment of a resumed play counts as a start.
    pub fn watch_parties(
        &self,
        filter: &Filter,
        rules: PartyRules,
        limit: u32,
    ) -> Result<PartyReport, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "WITH e AS (
                SELECT p.server_id, p.media_key, p.user_id, p.username,
                       CASE WHEN p.media_type IN ('episode', 'track') AND p.grandparent_title IS NOT NULL
                            THEN p.grandparent_title || ' - ' || p.title ELSE p.title END AS title,
                       epoch_us(p.started_at) AS s_us
                FROM playback_events p WHERE {w} AND p.reference_id IS NULL),
             m AS (
                SELECT *, CASE WHEN s_us - lag(s_us) OVER (PARTITION BY server_id, media_key ORDER BY s_us, user_id)
                          <= ? THEN 0 ELSE 1 END AS brk
                FROM e),
             r AS (
                SELECT *, sum(brk) OVER (PARTITION BY server_id, media_key ORDER BY s_us, user_id
                          ROWS UNBOUNDED PRECEDING) AS party
                FROM m),
             u AS (
                SELECT server_id, media_key, party, user_id, any_value(username) AS username,
                       any_value(title) AS title, min(s_us) AS first_us, max(s_us) AS last_us
                FROM r GROUP BY server_id, media_key, party, user_id)
             SELECT server_id, media_key, any_value(title), min(first_us) AS first, max(last_us),
                    string_agg(user_id::VARCHAR, ',' ORDER BY first_us, user_id),
                    string_agg(username, chr(31) ORDER BY first_us, user_id),
                    count(*) OVER () AS total
             FROM u GROUP BY server_id, media_key, party HAVING count(*) >= ?
             ORDER BY first DESC, server_id, media_key LIMIT {limit}",
            w = s.sql,
            limit = clamp_limit(limit, 1000)
        );
        let params = s.with([
            micros(rules.window),
            Value::BigInt(i64::from(rules.min_users)),
        ]);
        let mut total = 0;
        let parties = query_rows(&self.conn, &sql, &params, |r| {
            total = count(r, 7)?;
            let ids: String = r.get(5)?;
            let names: String = r.get(6)?;
            Ok(WatchParty {
                server_id: r
                    .get::<_, String>(0)?
                    .parse()
                    .map_err(|e| conversion(0, e))?,
                media_key: r
                    .get::<_, String>(1)?
                    .parse()
                    .map_err(|e| conversion(1, e))?,
                title: r.get(2)?,
                started_at: instant(r, 3)?.unwrap_or_default(),
                last_start: instant(r, 4)?.unwrap_or_default(),
                user_ids: ids
                    .split(',')
                    .map(|id| id.parse::<UserId>().map_err(|e| conversion(5, e)))
                    .collect::<Result<_, _>>()?,
                usernames: names.split('\u{1f}').map(str::to_owned).collect(),
            })
        })?;
        Ok(PartyReport { total, parties })
    }
}

//! Users: per-user watch time, plays, last seen and how many devices, addresses and
//! places; one user's devices, IPs (first/last seen, play count) and places; and
//! engagement — completion rate (a play reaching 90 % is fully watched) and where the
//! others were abandoned.

use cartographus_core::UserId;
use chrono::{DateTime, Utc};
use duckdb::types::Value;
use serde::Serialize;

use super::{clamp_limit, count, instant, query_rows, Scope, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// A play at or above this percentage is fully watched.
pub(crate) const WATCHED_PERCENT: f64 = 90.0;

/// One user's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserStats {
    /// The internal id.
    pub user_id: UserId,
    /// The account name.
    pub username: String,
    /// The display name, if set.
    pub friendly_name: Option<String>,
    /// Plays.
    pub plays: u64,
    /// Seconds watched.
    pub watch_time_s: u64,
    /// The first play's start.
    pub first_seen: Option<DateTime<Utc>>,
    /// The last play's start.
    pub last_seen: Option<DateTime<Utc>>,
    /// Distinct devices (device id, else player name).
    pub devices: u64,
    /// Distinct client addresses.
    pub ips: u64,
    /// Distinct places (city and country).
    pub locations: u64,
    /// Average percent complete of the segments, 0–100.
    pub avg_completion: f64,
}

/// A device a user played on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserDevice {
    /// The device id, else the player name.
    pub device: String,
    /// The player's name.
    pub player: Option<String>,
    /// The platform.
    pub platform: Option<String>,
    /// The client application.
    pub product: Option<String>,
    /// Plays.
    pub plays: u64,
    /// First play.
    pub first_seen: Option<DateTime<Utc>>,
    /// Last play.
    pub last_seen: Option<DateTime<Utc>>,
}

/// An address a user played from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserIp {
    /// The address (public address when the server reported one).
    pub ip: String,
    /// Plays.
    pub plays: u64,
    /// First play.
    pub first_seen: Option<DateTime<Utc>>,
    /// Last play.
    pub last_seen: Option<DateTime<Utc>>,
    /// The city it resolved to.
    pub city: Option<String>,
    /// The country code it resolved to.
    pub country_code: Option<String>,
    /// LAN or WAN.
    pub network_location: Option<String>,
}

/// A place a user played from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserLocation {
    /// The city.
    pub city: Option<String>,
    /// The country code.
    pub country_code: Option<String>,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Plays.
    pub plays: u64,
    /// First play.
    pub first_seen: Option<DateTime<Utc>>,
    /// Last play.
    pub last_seen: Option<DateTime<Utc>>,
}

/// One user's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserDetail {
    /// Totals.
    pub stats: UserStats,
    /// Devices, most played first.
    pub devices: Vec<UserDevice>,
    /// Addresses, most recent first.
    pub ips: Vec<UserIp>,
    /// Places, most played first.
    pub locations: Vec<UserLocation>,
}

/// Plays abandoned within a band of completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AbandonBucket {
    /// Lower bound, percent (inclusive).
    pub from_percent: u8,
    /// Upper bound, percent (exclusive).
    pub to_percent: u8,
    /// Plays that stopped in this band.
    pub plays: u64,
}

/// One user's engagement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserEngagement {
    /// The user.
    pub user_id: UserId,
    /// Their name.
    pub username: String,
    /// Plays with a known duration.
    pub plays: u64,
    /// Plays that reached 90 %.
    pub fully_watched: u64,
    /// `fully_watched / plays`, 0–1.
    pub completion_rate: f64,
    /// Average completion of the abandoned plays, 0–100.
    pub avg_abandon_percent: Option<f64>,
}

/// Engagement over the plays a filter matches. A play's completion is the furthest
/// any of its resumed segments got.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Engagement {
    /// Plays with a known duration.
    pub plays: u64,
    /// Plays that reached 90 %.
    pub fully_watched: u64,
    /// Plays that stopped before 90 %.
    pub abandoned: u64,
    /// `fully_watched / plays`, 0–1.
    pub completion_rate: f64,
    /// Where abandoned plays stopped, in bands of 10 % (0–10 … 80–90).
    pub abandon_histogram: Vec<AbandonBucket>,
    /// Per user, most plays first.
    pub users: Vec<UserEngagement>,
}

pub(crate) fn user_id(row: &duckdb::Row<'_>, i: usize) -> Result<UserId, duckdb::Error> {
    let v: i64 = row.get(i)?;
    UserId::try_from(v).map_err(|e| {
        duckdb::Error::FromSqlConversionFailure(i, duckdb::types::Type::BigInt, Box::new(e))
    })
}

const USER_STATS: &str = "p.user_id, any_value(p.username), any_value(p.friendly_name)";

fn stats_columns() -> String {
    format!(
        "{USER_STATS}, {PLAYS}, {WATCH_S}, epoch_us(min(p.started_at)), epoch_us(max(p.started_at)),
         count(DISTINCT coalesce(p.device_id, p.player)), count(DISTINCT coalesce(p.public_ip, p.ip)),
         count(DISTINCT CASE WHEN p.city IS NOT NULL OR p.country_code IS NOT NULL THEN hash(p.city, p.country_code) END), coalesce(avg(p.percent_complete), 0)"
    )
}

fn stats_row(r: &duckdb::Row<'_>) -> Result<UserStats, duckdb::Error> {
    Ok(UserStats {
        user_id: user_id(r, 0)?,
        username: r.get(1)?,
        friendly_name: r.get(2)?,
        plays: count(r, 3)?,
        watch_time_s: count(r, 4)?,
        first_seen: instant(r, 5)?,
        last_seen: instant(r, 6)?,
        devices: count(r, 7)?,
        ips: count(r, 8)?,
        locations: count(r, 9)?,
        avg_completion: r.get(10)?,
    })
}

impl Reader {
    /// Per-user totals, most watch time first (at most `limit`, 1–10,000).
    pub fn user_stats(&self, filter: &Filter, limit: u32) -> Result<Vec<UserStats>, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT {cols} FROM playback_events p WHERE {w} GROUP BY p.user_id
             ORDER BY 5 DESC, 4 DESC, p.user_id LIMIT {limit}",
            cols = stats_columns(),
            w = s.sql,
            limit = clamp_limit(limit, 10_000)
        );
        query_rows(&self.conn, &sql, &s.params, stats_row)
    }

    /// One user's totals, devices, addresses and places among the plays `filter`
    /// matches; `None` when the user has none.
    pub fn user_detail(
        &self,
        filter: &Filter,
        user: UserId,
    ) -> Result<Option<UserDetail>, QueryError> {
        let s = Scope::of(filter);
        let uid = [Value::BigInt(i64::from(user))];
        let cond = format!("{} AND p.user_id = ?", s.sql);
        let sql = format!(
            "SELECT {cols} FROM playback_events p WHERE {cond} GROUP BY p.user_id",
            cols = stats_columns()
        );
        let Some(stats) = query_rows(&self.conn, &sql, &s.with(uid.clone()), stats_row)?.pop()
        else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT coalesce(p.device_id, p.player) AS d, any_value(p.player), any_value(p.platform),
                    any_value(p.product), {PLAYS} AS n, epoch_us(min(p.started_at)), epoch_us(max(p.started_at))
             FROM playback_events p WHERE {cond} AND d IS NOT NULL GROUP BY d ORDER BY n DESC, d LIMIT 1000"
        );
        let devices = query_rows(&self.conn, &sql, &s.with(uid.clone()), |r| {
            Ok(UserDevice {
                device: r.get(0)?,
                player: r.get(1)?,
                platform: r.get(2)?,
                product: r.get(3)?,
                plays: count(r, 4)?,
                first_seen: instant(r, 5)?,
                last_seen: instant(r, 6)?,
            })
        })?;
        let sql = format!(
            "SELECT coalesce(p.public_ip, p.ip) AS a, {PLAYS}, epoch_us(min(p.started_at)),
                    epoch_us(max(p.started_at)) AS last, any_value(p.city), any_value(p.country_code),
                    any_value(p.network_location::VARCHAR)
             FROM playback_events p WHERE {cond} AND a IS NOT NULL GROUP BY a ORDER BY last DESC, a LIMIT 1000"
        );
        let ips = query_rows(&self.conn, &sql, &s.with(uid.clone()), |r| {
            Ok(UserIp {
                ip: r.get(0)?,
                plays: count(r, 1)?,
                first_seen: instant(r, 2)?,
                last_seen: instant(r, 3)?,
                city: r.get(4)?,
                country_code: r.get(5)?,
                network_location: r.get(6)?,
            })
        })?;
        let sql = format!(
            "SELECT p.city, p.country_code, p.latitude, p.longitude, {PLAYS} AS n,
                    epoch_us(min(p.started_at)), epoch_us(max(p.started_at))
             FROM playback_events p WHERE {cond} AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL
             GROUP BY p.city, p.country_code, p.latitude, p.longitude ORDER BY n DESC, p.city LIMIT 1000"
        );
        let locations = query_rows(&self.conn, &sql, &s.with(uid), |r| {
            Ok(UserLocation {
                city: r.get(0)?,
                country_code: r.get(1)?,
                latitude: r.get(2)?,
                longitude: r.get(3)?,
                plays: count(r, 4)?,
                first_seen: instant(r, 5)?,
                last_seen: instant(r, 6)?,
            })
        })?;
        Ok(Some(UserDetail {
            stats,
            devices,
            ips,
            locations,
        }))
    }

    /// Completion and abandonment over plays with a known duration; per-user rows
    /// for at most `limit` (1–10,000) users.
    pub fn engagement(&self, filter: &Filter, limit: u32) -> Result<Engagement, QueryError> {
        let s = Scope::of(filter);
        let resumed = filter.to_sql("q.");
        // One row per play (its first segment), at the furthest point any of its
        // segments reached: resumed segments are few, so they are grouped by the play
        // they resume and joined to the first segments.
        let groups = format!(
            "SELECT p.user_id, p.username, greatest(p.percent_complete, coalesce(x.m, 0)) AS pct
             FROM playback_events p
             LEFT JOIN (SELECT q.reference_id AS id, max(q.percent_complete) AS m
                        FROM playback_events q
                        WHERE {wq} AND q.reference_id IS NOT NULL AND q.media_duration_ms > 0
                        GROUP BY id) x ON x.id = p.event_id
             WHERE {w} AND p.reference_id IS NULL AND p.media_duration_ms > 0",
            wq = resumed.sql(),
            w = s.sql
        );
        let params: Vec<Value> = resumed.params.into_iter().chain(s.params).collect();
        let sql = format!(
            "WITH g AS ({groups})
             SELECT 0 AS kind, NULL::BIGINT AS k, NULL::VARCHAR AS name, count(*) AS n,
                    count(*) FILTER (WHERE pct >= {WATCHED_PERCENT}) AS done, NULL::DOUBLE AS a
             FROM g
             UNION ALL
             SELECT 1, least(floor(pct / 10), 8)::BIGINT AS b, NULL, count(*), 0, NULL
             FROM g WHERE pct < {WATCHED_PERCENT} GROUP BY b
             UNION ALL
             (SELECT 2, user_id, any_value(username), count(*) AS n,
                     count(*) FILTER (WHERE pct >= {WATCHED_PERCENT}),
                     avg(pct) FILTER (WHERE pct < {WATCHED_PERCENT})
              FROM g GROUP BY user_id ORDER BY n DESC, user_id LIMIT {limit})",
            limit = clamp_limit(limit, 10_000)
        );
        let mut out = Engagement {
            plays: 0,
            fully_watched: 0,
            abandoned: 0,
            completion_rate: 0.0,
            abandon_histogram: (0..9u8)
                .map(|b| AbandonBucket {
                    from_percent: b * 10,
                    to_percent: b * 10 + 10,
                    plays: 0,
                })
                .collect(),
            users: Vec::new(),
        };
        let rate = |done: u64, n: u64| if n == 0 { 0.0 } else { done as f64 / n as f64 };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            let kind: i32 = r.get(0)?;
            let (n, done) = (count(r, 3)?, count(r, 4)?);
            match kind {
                0 => {
                    out.plays = n;
                    out.fully_watched = done;
                    out.abandoned = n - done.min(n);
                    out.completion_rate = rate(done, n);
                }
                1 => {
                    let band = r.get::<_, i64>(1)?.clamp(0, 8) as usize;
                    out.abandon_histogram[band].plays = n;
                }
                _ => out.users.push(UserEngagement {
                    user_id: user_id(r, 1)?,
                    username: r.get(2)?,
                    plays: n,
                    fully_watched: done,
                    completion_rate: rate(done, n),
                    avg_abandon_percent: r.get(5)?,
                }),
            }
        }
        Ok(out)
    }
}

//! Making the rollups match the plays: [`Store::refresh_analytics`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use duckdb::types::Value;
use duckdb::Connection;
use serde::Serialize;

use super::{
    align, layout_version, month_start, sealed_count, DAY_US, DDL, SEAL_MARGIN_DAYS, VERSION,
};
use crate::analytics::{query_one, query_rows, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::store::Store;

/// What [`Store::refresh_analytics`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RollupRefresh {
    /// Everything was recomputed: the first refresh, a new rollup layout, or sealed
    /// plays that changed since the last refresh (an import of old history, a
    /// discard).
    pub rebuilt: bool,
    /// Whether anything changed (`false`: the rollups were already up to date).
    pub changed: bool,
    /// The rollups now summarise the plays that started before this instant (`None`
    /// while no month is sealed).
    pub sealed_until: Option<DateTime<Utc>>,
    /// How many plays (rows) that is.
    pub sealed_rows: u64,
}

/// The period tables and how each is computed from the plays of one range (`{r}`),
/// one row per `{period}` (`month` or `day`).
const PERIODS: &[(&str, &str)] = &[
    (
        "analytics_places",
        "SELECT epoch_us(date_trunc('{period}', p.started_at)) AS period_us,
                p.media_type::VARCHAR AS media_type, p.user_id,
                any_value(p.username), any_value(p.friendly_name), p.latitude, p.longitude,
                p.city, p.region, p.country_code, any_value(p.country_name), any_value(p.h3_r6),
                any_value(p.h3_r7), any_value(p.h3_r8), {PLAYS}, count(*), {WATCH_S},
                coalesce(sum(p.percent_complete), 0), epoch_us(min(p.started_at)),
                epoch_us(max(p.started_at))
         FROM playback_events p WHERE {r}
         GROUP BY period_us, p.media_type, p.user_id, p.latitude, p.longitude, p.city, p.region,
                  p.country_code
         ORDER BY period_us",
    ),
    (
        "analytics_devices",
        "SELECT epoch_us(date_trunc('{period}', p.started_at)) AS period_us, p.user_id, p.platform,
                p.player, p.library_name, {PLAYS}, count(*), {WATCH_S},
                coalesce(sum(p.percent_complete), 0), epoch_us(max(p.started_at))
         FROM playback_events p WHERE {r}
         GROUP BY period_us, p.user_id, p.platform, p.player, p.library_name ORDER BY period_us",
    ),
    (
        "analytics_items",
        "SELECT epoch_us(date_trunc('{period}', p.started_at)) AS period_us, p.media_type::VARCHAR,
                p.title, p.year, p.grandparent_title, p.season, p.episode, any_value(p.media_key),
                {PLAYS}, count(*), {WATCH_S}, epoch_us(max(p.started_at)),
                count(DISTINCT p.user_id), list_sort(list(DISTINCT p.user_id))
         FROM playback_events p WHERE {r}
         GROUP BY period_us, p.media_type, p.title, p.year, p.grandparent_title, p.season,
                  p.episode
         ORDER BY period_us",
    ),
];

/// Each `_all` table from its period table.
const ALL_TIME: &[(&str, &str)] = &[
    (
        "analytics_places_all",
        "SELECT media_type, user_id, any_value(username), any_value(friendly_name), latitude,
                longitude, city, region, country_code, any_value(country_name), any_value(h3_r6),
                any_value(h3_r7), any_value(h3_r8), sum(plays), sum(streams), sum(watch_s),
                sum(pct_sum), min(first_us), max(last_us)
         FROM analytics_places
         GROUP BY media_type, user_id, latitude, longitude, city, region, country_code",
    ),
    (
        "analytics_devices_all",
        "SELECT user_id, platform, player, library_name, sum(plays), sum(streams),
                sum(watch_s), sum(pct_sum), max(last_us)
         FROM analytics_devices GROUP BY user_id, platform, player, library_name",
    ),
    (
        "analytics_items_all",
        "SELECT media_type, title, year, grandparent_title, season, episode, mk, n, streams, w,
                last, len(u), u
         FROM (SELECT media_type, title, year, grandparent_title, season, episode,
                      any_value(media_key) AS mk, sum(plays) AS n, sum(streams) AS streams,
                      sum(watch_s) AS w, max(last_us) AS last,
                      list_sort(list_distinct(flatten(list(users)))) AS u
               FROM analytics_items
               GROUP BY media_type, title, year, grandparent_title, season, episode)",
    ),
];

const TABLES: &[&str] = &[
    "analytics_user_index",
    "analytics_hours",
    "analytics_places",
    "analytics_devices",
    "analytics_items",
    "analytics_places_all",
    "analytics_devices_all",
    "analytics_items_all",
];

/// `started_at` in `[from_us, to_us)` (no lower bound for `i64::MIN`).
fn range(from_us: i64, to_us: i64) -> (String, Vec<Value>) {
    if from_us == i64::MIN {
        (
            "p.started_at < make_timestamp(?::BIGINT)".to_owned(),
            vec![Value::BigInt(to_us)],
        )
    } else {
        (
            "p.started_at >= make_timestamp(?::BIGINT) AND p.started_at < make_timestamp(?::BIGINT)"
                .to_owned(),
            vec![Value::BigInt(from_us), Value::BigInt(to_us)],
        )
    }
}

/// The rollup state stored by the last refresh.
#[derive(Debug, Clone, Copy)]
struct State {
    version: i64,
    month_us: i64,
    sealed_us: i64,
    rows: i64,
}

impl Store {
    /// Brings the analytics rollups up to date (see `docs/ARCHITECTURE.md`,
    /// "Analytics rollups"): summarises the days that became sealed since the last
    /// call, turns a finished month's day rows into one month row, and rebuilds
    /// everything when sealed plays changed. Queries stay correct without it (they
    /// read the plays for whatever the rollups do not cover), only slower: call it at
    /// start-up, after an import, and periodically (hourly is plenty; it costs two
    /// counts when there is nothing to do).
    pub fn refresh_analytics(&mut self) -> Result<RollupRefresh, QueryError> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        if layout_version(conn)?.is_some_and(|v| v != VERSION) {
            // Tables of another layout are dropped and made again.
            for t in TABLES.iter().chain(["analytics_state"].iter()) {
                conn.execute_batch(&format!("DROP TABLE IF EXISTS {t}"))?;
            }
        }
        conn.execute_batch(DDL)?;
        let state = read_state(conn)?;
        let newest = query_one(
            conn,
            "SELECT epoch_us(max(started_at)) FROM playback_events",
            &[],
            |r| r.get::<_, Option<i64>>(0),
        )?;
        // Days before the one holding (newest − margin) are over; day rows begin at
        // the start of that day's month.
        let sealed = newest.map_or(0, |n| {
            align(n.saturating_sub(SEAL_MARGIN_DAYS * DAY_US), DAY_US, false)
        });
        let month = month_start(sealed);
        let kept = match state {
            Some(s) if s.version == VERSION && sealed >= s.sealed_us => {
                (sealed_count(conn, s.sealed_us)? == s.rows).then_some(s)
            }
            _ => None,
        };
        let rebuilt = kept.is_none();
        let changed = kept.is_none_or(|s| sealed > s.sealed_us);
        if rebuilt {
            for t in TABLES {
                conn.execute_batch(&format!("DELETE FROM {t}"))?;
            }
        }
        if changed && newest.is_some() {
            let (from, day_from) = match kept {
                // A new month began: the old month's day rows become one month row.
                Some(s) if month > s.month_us => {
                    for t in ["analytics_places", "analytics_devices", "analytics_items"] {
                        conn.execute(
                            &format!("DELETE FROM {t} WHERE period_us >= ?"),
                            [s.month_us],
                        )?;
                    }
                    (s.month_us, month)
                }
                Some(s) => (s.sealed_us, s.sealed_us),
                None => (i64::MIN, month),
            };
            let hours_from = kept.map_or(i64::MIN, |s| s.sealed_us);
            summarise(conn, from, month, day_from, sealed, hours_from)?;
        }
        let rows = if newest.is_some() {
            sealed_count(conn, sealed)?
        } else {
            0
        };
        conn.execute(
            "INSERT OR REPLACE INTO analytics_state VALUES (1, ?, ?, ?, ?)",
            duckdb::params![VERSION, month, sealed, rows],
        )?;
        tx.commit()?;
        Ok(RollupRefresh {
            rebuilt,
            changed,
            sealed_until: (rows > 0)
                .then(|| DateTime::from_timestamp_micros(sealed))
                .flatten(),
            sealed_rows: rows.max(0) as u64,
        })
    }
}

fn read_state(conn: &Connection) -> Result<Option<State>, QueryError> {
    let state = query_rows(
        conn,
        "SELECT version, month_us, sealed_us, sealed_rows FROM analytics_state WHERE id = 1",
        &[],
        |r| {
            Ok(State {
                version: r.get(0)?,
                month_us: r.get(1)?,
                sealed_us: r.get(2)?,
                rows: r.get(3)?,
            })
        },
    )?;
    Ok(state.first().copied())
}

/// Adds to the rollups: month rows for the plays in `[from_us, month_us)`, day rows
/// for `[day_from_us, sealed_us)`, hour rows for `[hours_from_us, sealed_us)`.
fn summarise(
    conn: &Connection,
    from_us: i64,
    month_us: i64,
    day_from_us: i64,
    sealed_us: i64,
    hours_from_us: i64,
) -> Result<(), QueryError> {
    let (r, params) = range(hours_from_us, sealed_us);
    conn.execute(
        &format!(
            "INSERT INTO analytics_user_index
             SELECT user_id, (SELECT coalesce(max(idx), -1) FROM analytics_user_index)
                             + row_number() OVER (ORDER BY user_id)
             FROM (SELECT DISTINCT p.user_id FROM playback_events p WHERE {r}) n
             WHERE user_id NOT IN (SELECT user_id FROM analytics_user_index)"
        ),
        duckdb::params_from_iter(params.iter()),
    )?;
    hours(conn, &r, &params)?;
    for (period, lo, hi) in [
        ("month", from_us, month_us),
        ("day", day_from_us, sealed_us),
    ] {
        if lo >= hi {
            continue;
        }
        let (r, params) = range(lo, hi);
        for (table, select) in PERIODS {
            let sql = select
                .replace("{PLAYS}", PLAYS)
                .replace("{WATCH_S}", WATCH_S)
                .replace("{period}", period)
                .replace("{r}", &r);
            conn.execute(
                &format!("INSERT INTO {table} {sql}"),
                duckdb::params_from_iter(params.iter()),
            )?;
        }
    }
    for (table, select) in ALL_TIME {
        conn.execute_batch(&format!(
            "DELETE FROM {table}; INSERT INTO {table} {select};"
        ))?;
    }
    Ok(())
}

/// One row per UTC hour of the range: plays, streams, watch time and a bitmap of the
/// hour's users (bit `idx` of `analytics_user_index`).
fn hours(conn: &Connection, r: &str, params: &[Value]) -> Result<(), QueryError> {
    let sums = query_rows(
        conn,
        &format!(
            "SELECT epoch_us(date_trunc('hour', p.started_at)) AS h, {PLAYS}, count(*), {WATCH_S}
             FROM playback_events p WHERE {r} GROUP BY h ORDER BY h"
        ),
        params,
        |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut bitmaps: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT epoch_us(date_trunc('hour', p.started_at)), i.idx
         FROM playback_events p JOIN analytics_user_index i ON i.user_id = p.user_id WHERE {r}"
    ))?;
    let mut rows = stmt.query(duckdb::params_from_iter(params.iter()))?;
    while let Some(row) = rows.next()? {
        let (h, idx) = (row.get::<_, i64>(0)?, row.get::<_, i32>(1)?);
        let Ok(idx) = usize::try_from(idx) else {
            continue;
        };
        set_bit(bitmaps.entry(h).or_default(), idx);
    }
    let mut insert =
        conn.prepare("INSERT INTO analytics_hours VALUES (make_timestamp(?::BIGINT), ?, ?, ?, ?)")?;
    for (h, plays, streams, watch) in sums {
        let users = bitmaps.remove(&h).unwrap_or_default();
        insert.execute(duckdb::params![h, plays, streams, watch, users])?;
    }
    Ok(())
}

/// Sets bit `i` (least significant first within each byte).
pub(crate) fn set_bit(bits: &mut Vec<u8>, i: usize) {
    let byte = i / 8;
    if bits.len() <= byte {
        bits.resize(byte + 1, 0);
    }
    bits[byte] |= 1 << (i % 8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_grow_as_needed() {
        let mut b = Vec::new();
        set_bit(&mut b, 0);
        set_bit(&mut b, 9);
        assert_eq!(b, [1, 2]);
    }
}

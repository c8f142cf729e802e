//! Viewing sessions: binge sessions (one user, one show, at least 3 distinct episodes
//! with at most 6 h between the end of one and the start of the next) and watch
//! parties (at least 2 users starting the same item, each start within 15 min of the
//! previous one).
//!
//! Both are runs in time order within a group (user and show; item). SQL streams the
//! few columns needed as Arrow batches (a hash of the group, times, the user, the
//! row id); Rust groups them, sorts each group by time and cuts the runs in one pass;
//! the names of the runs returned are then read for their row ids only, in the same
//! snapshot. This replaces window functions over every play, whose sort on text keys
//! took seconds at a million plays.

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, Int64Array, UInt64Array};
use cartographus_core::{MediaKey, ServerId, UserId};
use chrono::{DateTime, Duration, Utc};
use duckdb::types::Value;
use serde::Serialize;

use super::{clamp_limit, query_rows, Scope};
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

/// One row of a run: start and end (µs), user, row id, and an item key or duration.
#[derive(Debug, Clone, Copy)]
struct Row {
    start: i64,
    end: i64,
    user: i64,
    rowid: i64,
    item: u64,
    watch_s: i64,
}

/// Streams `sql` (columns: group UBIGINT, start, end, user, rowid BIGINT, item
/// UBIGINT, watch BIGINT) and returns its rows grouped by the first column.
fn grouped(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[Value],
) -> Result<HashMap<u64, Vec<Row>>, QueryError> {
    let mut groups: HashMap<u64, Vec<Row>> = HashMap::new();
    let mut stmt = conn.prepare_cached(sql)?;
    for batch in stmt.stream_arrow(duckdb::params_from_iter(params.iter()))? {
        let batch = batch?;
        let u64s = |i: usize| batch.column(i).as_any().downcast_ref::<UInt64Array>();
        let i64s = |i: usize| batch.column(i).as_any().downcast_ref::<Int64Array>();
        let (Some(g), Some(st), Some(en), Some(us), Some(rid), Some(item), Some(w)) = (
            u64s(0),
            i64s(1),
            i64s(2),
            i64s(3),
            i64s(4),
            u64s(5),
            i64s(6),
        ) else {
            return Err(QueryError::Decode {
                column: "started_at",
                detail: "unexpected Arrow column type".into(),
            });
        };
        for i in 0..g.len() {
            groups.entry(g.value(i)).or_default().push(Row {
                start: st.value(i),
                end: en.value(i),
                user: us.value(i),
                rowid: rid.value(i),
                item: item.value(i),
                watch_s: w.value(i),
            });
        }
    }
    Ok(groups)
}

/// A run found: its rows in time order.
type Run = Vec<Row>;

/// Cuts `rows` (sorted by start) into runs: a row starts a new run when
/// `breaks(row)` says so (it sees every row once, in order, and may keep state).
fn runs(rows: &[Row], mut breaks: impl FnMut(&Row) -> bool) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut current: Run = Vec::new();
    for r in rows {
        if breaks(r) && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(*r);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The row ids' values of `columns` (SQL over `playback_events p`), keyed by row id.
fn by_rowid(
    conn: &duckdb::Connection,
    columns: &[&str],
    rowids: &[i64],
) -> Result<HashMap<i64, Vec<Option<String>>>, QueryError> {
    let mut out = HashMap::new();
    let n = columns.len();
    let columns = columns.join(", ");
    for chunk in rowids.chunks(2_000) {
        // Row ids are integers this query produced, not caller input.
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT p.rowid, {columns} FROM playback_events p WHERE p.rowid IN ({})",
            list.join(", ")
        );
        for (id, values) in query_rows(conn, &sql, &[], |r| {
            let values = (1..=n)
                .map(|i| r.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((r.get::<_, i64>(0)?, values))
        })? {
            out.insert(id, values);
        }
    }
    Ok(out)
}

fn micros(d: Duration) -> i64 {
    d.num_microseconds().unwrap_or(i64::MAX)
}

fn text(values: Option<&Vec<Option<String>>>, i: usize) -> String {
    values
        .and_then(|v| v.get(i).cloned().flatten())
        .unwrap_or_default()
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
            "SELECT hash(p.user_id, p.grandparent_title), epoch_us(p.started_at),
                    coalesce(epoch_us(p.stopped_at),
                             epoch_us(p.started_at) + (p.play_duration_s + p.paused_s) * 1000000),
                    p.user_id, p.rowid, hash(p.media_key), p.play_duration_s::BIGINT
             FROM playback_events p
             WHERE {w} AND p.media_type = 'episode' AND p.grandparent_title IS NOT NULL",
            w = s.sql
        );
        let gap = micros(rules.max_gap);
        self.snapshot(|| {
            let mut found: Vec<Run> = Vec::new();
            for (_, mut rows) in grouped(&self.conn, &sql, &s.params)? {
                rows.sort_unstable_by_key(|r| (r.start, r.item));
                // A run continues while a start is at most `gap` after the latest end
                // so far.
                let mut latest: Option<i64> = None;
                for run in runs(&rows, |r| {
                    let cut = latest.is_none_or(|l| r.start.saturating_sub(l) > gap);
                    latest = Some(if cut {
                        r.end
                    } else {
                        latest.unwrap_or(r.end).max(r.end)
                    });
                    cut
                }) {
                    let episodes: HashSet<u64> = run.iter().map(|r| r.item).collect();
                    if episodes.len() >= rules.min_episodes as usize {
                        found.push(run);
                    }
                }
            }
            found.sort_by_key(|run| (std::cmp::Reverse(run[0].start), run[0].user));
            let total = found.len() as u64;
            found.truncate(clamp_limit(limit, 1000) as usize);
            let ids: Vec<i64> = found.iter().map(|run| run[0].rowid).collect();
            let names = by_rowid(&self.conn, &["p.username", "p.grandparent_title"], &ids)?;
            let sessions = found
                .iter()
                .map(|run| {
                    let first = run[0];
                    let values = names.get(&first.rowid);
                    let micros = |us: i64| DateTime::from_timestamp_micros(us).unwrap_or_default();
                    Ok(BingeSession {
                        user_id: UserId::try_from(first.user).map_err(|e| QueryError::Decode {
                            column: "user_id",
                            detail: e.to_string(),
                        })?,
                        username: text(values, 0),
                        show: text(values, 1),
                        episodes: run.iter().map(|r| r.item).collect::<HashSet<_>>().len() as u64,
                        started_at: micros(first.start),
                        ended_at: micros(run.iter().map(|r| r.end).max().unwrap_or(first.end)),
                        watch_time_s: run.iter().map(|r| r.watch_s.max(0) as u64).sum(),
                    })
                })
                .collect::<Result<_, QueryError>>()?;
            Ok(BingeReport { total, sessions })
        })
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
            "SELECT hash(p.server_id, p.media_key), epoch_us(p.started_at), 0::BIGINT,
                    p.user_id, p.rowid, 0::UBIGINT, 0::BIGINT
             FROM playback_events p WHERE {w} AND p.reference_id IS NULL",
            w = s.sql
        );
        let window = micros(rules.window);
        self.snapshot(|| {
            // A party: its rows, and its users in order of their first start.
            let mut found: Vec<(Run, Vec<Row>)> = Vec::new();
            for (_, mut rows) in grouped(&self.conn, &sql, &s.params)? {
                if rows.len() < 2 {
                    continue;
                }
                rows.sort_unstable_by_key(|r| (r.start, r.user));
                let mut previous: Option<i64> = None;
                for run in runs(&rows, |r| {
                    let cut = previous.is_none_or(|p| r.start.saturating_sub(p) > window);
                    previous = Some(r.start);
                    cut
                }) {
                    let mut seen = HashSet::new();
                    let firsts: Vec<Row> = run
                        .iter()
                        .filter(|r| seen.insert(r.user))
                        .copied()
                        .collect();
                    if firsts.len() >= rules.min_users as usize {
                        found.push((run, firsts));
                    }
                }
            }
            let total = found.len() as u64;
            let columns = [
                "p.server_id",
                "p.media_key",
                "CASE WHEN p.media_type IN ('episode', 'track') AND p.grandparent_title IS NOT NULL
                      THEN p.grandparent_title || ' - ' || p.title ELSE p.title END",
                "p.username",
            ];
            // Names are needed to order ties, so read them for the most recent parties
            // first, enough to fill the page.
            found.sort_by_key(|(run, _)| std::cmp::Reverse(run[0].start));
            let page = clamp_limit(limit, 1000) as usize;
            let cut = found
                .get(page.saturating_sub(1))
                .map_or(found.len(), |(last, _)| {
                    found.partition_point(|(run, _)| run[0].start >= last[0].start)
                });
            found.truncate(cut);
            let ids: Vec<i64> = found
                .iter()
                .flat_map(|(_, firsts)| firsts.iter().map(|r| r.rowid))
                .collect();
            let names = by_rowid(&self.conn, &columns, &ids)?;
            let mut parties = found
                .iter()
                .map(|(run, firsts)| {
                    let first = names.get(&firsts[0].rowid);
                    let micros = |us: i64| DateTime::from_timestamp_micros(us).unwrap_or_default();
                    Ok(WatchParty {
                        server_id: text(first, 0).parse().map_err(
                            |e: cartographus_core::IdError| QueryError::Decode {
                                column: "server_id",
                                detail: e.to_string(),
                            },
                        )?,
                        media_key: text(first, 1).parse().map_err(
                            |e: cartographus_core::IdError| QueryError::Decode {
                                column: "media_key",
                                detail: e.to_string(),
                            },
                        )?,
                        title: text(first, 2),
                        started_at: micros(run[0].start),
                        last_start: micros(run[run.len() - 1].start),
                        user_ids: firsts
                            .iter()
                            .map(|r| UserId::try_from(r.user))
                            .collect::<Result<_, _>>()
                            .map_err(|e| QueryError::Decode {
                                column: "user_id",
                                detail: e.to_string(),
                            })?,
                        usernames: firsts
                            .iter()
                            .map(|r| text(names.get(&r.rowid), 3))
                            .collect(),
                    })
                })
                .collect::<Result<Vec<_>, QueryError>>()?;
            parties.sort_by(|a, b| {
                b.started_at
                    .cmp(&a.started_at)
                    .then_with(|| a.server_id.cmp(&b.server_id))
                    .then_with(|| a.media_key.cmp(&b.media_key))
            });
            parties.truncate(page);
            Ok(PartyReport { total, parties })
        })
    }
}

//! How each top list is computed. Lists grouped by something the rollups keep per user
//! (users, platforms, players, libraries) sum (group, user) rows from the rollups and
//! the plays, so distinct users stay exact. Lists of items (movies, shows, episodes,
//! artists) rank from the item rollups and the plays, then count the distinct users of
//! the entries returned (see `top_items`).

use duckdb::types::Value;

use super::{RankBy, TopEntry, TopKind};
use crate::analytics::rollup::{Grain, Parts};
use crate::analytics::{count, instant, query_rows, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// A grouping column: expression over `p` (the plays or a rollup, which share column
/// names), alias, SQL type.
type Group = (&'static str, &'static str, &'static str);

/// A per-group value: aggregate over the plays, expression over a rollup row, alias.
type Extra = (&'static str, &'static str, &'static str);

/// How a top list is grouped: the rows it considers, the grouping columns, extra
/// per-group values, the key and label computed from the aliases after grouping, and
/// the rollup table that holds its grain.
struct TopSql {
    cond: &'static str,
    groups: &'static [Group],
    extras: &'static [Extra],
    key: &'static str,
    label: &'static str,
    table: &'static str,
    per_user: bool,
}

/// The grouping aliases and the select lists over the plays and over the rollup.
struct Columns {
    aliases: String,
    raw_cols: Vec<String>,
    rollup_cols: Vec<String>,
}

impl TopSql {
    fn columns(&self) -> Columns {
        let aliases: Vec<&str> = self.groups.iter().map(|g| g.1).collect();
        let groups = self.groups.iter().map(|(e, a, _)| format!("{e} AS {a}"));
        let raw_cols = groups
            .clone()
            .chain(self.extras.iter().map(|(e, _, a)| format!("{e} AS {a}")))
            .collect();
        let rollup_cols = groups
            .chain(self.extras.iter().map(|(_, e, a)| format!("{e} AS {a}")))
            .collect();
        Columns {
            aliases: aliases.join(", "),
            raw_cols,
            rollup_cols,
        }
    }
}

impl TopKind {
    fn sql(self) -> TopSql {
        const MOVIE: &str = "t || coalesce(' (' || y::VARCHAR || ')', '')";
        let one = |cond, group, table| TopSql {
            cond,
            groups: group,
            extras: &[],
            key: "x",
            label: "x",
            table,
            per_user: table != "analytics_items",
        };
        match self {
            TopKind::Movies => TopSql {
                cond: "p.media_type = 'movie'",
                groups: &[("p.title", "t", "VARCHAR"), ("p.year", "y", "USMALLINT")],
                key: MOVIE,
                label: MOVIE,
                ..one("", &[], "analytics_items")
            },
            TopKind::Shows => one(
                "p.media_type = 'episode' AND p.grandparent_title IS NOT NULL",
                &[("p.grandparent_title", "x", "VARCHAR")],
                "analytics_items",
            ),
            TopKind::Episodes => TopSql {
                cond: "p.media_type = 'episode'",
                groups: &[
                    ("p.grandparent_title", "g", "VARCHAR"),
                    ("p.season", "s", "UINTEGER"),
                    ("p.episode", "e", "UINTEGER"),
                    ("p.title", "t", "VARCHAR"),
                ],
                extras: &[("any_value(p.media_key)", "p.media_key", "mk")],
                key: "any_value(mk)",
                label: "coalesce(g || ' - ', '') || coalesce('S' || s::VARCHAR || 'E' || e::VARCHAR || ' - ', '') || t",
                ..one("", &[], "analytics_items")
            },
            TopKind::Artists => one(
                "p.media_type = 'track'",
                &[("coalesce(p.grandparent_title, p.title)", "x", "VARCHAR")],
                "analytics_items",
            ),
            TopKind::Users => TopSql {
                cond: "TRUE",
                groups: &[("p.user_id", "x", "BIGINT")],
                extras: &[(
                    "any_value(coalesce(p.friendly_name, p.username))",
                    "coalesce(p.friendly_name, p.username)",
                    "nm",
                )],
                key: "x::VARCHAR",
                label: "any_value(nm)",
                ..one("", &[], "analytics_places")
            },
            TopKind::Platforms => one(
                "p.platform IS NOT NULL",
                &[("p.platform", "x", "VARCHAR")],
                "analytics_devices",
            ),
            TopKind::Players => one(
                "p.player IS NOT NULL",
                &[("p.player", "x", "VARCHAR")],
                "analytics_devices",
            ),
            TopKind::Libraries => one(
                "p.library_name IS NOT NULL",
                &[("p.library_name", "x", "VARCHAR")],
                "analytics_devices",
            ),
        }
    }
}

fn entry(r: &duckdb::Row<'_>) -> Result<TopEntry, duckdb::Error> {
    Ok(TopEntry {
        key: r.get(0)?,
        label: r.get(1)?,
        plays: count(r, 2)?,
        watch_time_s: count(r, 3)?,
        users: count(r, 4)?,
        last_played: instant(r, 5)?,
    })
}

impl Reader {
    /// The entries of a top list; call inside a snapshot.
    pub(super) fn top_entries(
        &self,
        filter: &Filter,
        kind: TopKind,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<TopEntry>, QueryError> {
        let t = kind.sql();
        let grain = if t.table == "analytics_places" {
            Grain::PeriodByMedia
        } else {
            Grain::Period
        };
        let parts = self.parts(filter, grain)?;
        if t.per_user || parts.cover.is_none() {
            self.top_per_user(&t, &parts, by, limit)
        } else {
            self.top_items(&t, &parts, filter, by, limit)
        }
    }

    /// (group, user) rows from the rollups and the plays, summed per (group, user),
    /// then per group: distinct users is a plain count.
    fn top_per_user(
        &self,
        t: &TopSql,
        parts: &Parts,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<TopEntry>, QueryError> {
        let Columns {
            aliases,
            raw_cols,
            rollup_cols,
        } = t.columns();
        let extras: String = t
            .extras
            .iter()
            .map(|(_, _, a)| format!(", any_value({a}) AS {a}"))
            .collect();
        let rollup = format!(
            "SELECT {cols}, p.user_id AS u, p.plays AS n, p.watch_s AS w, p.last_us AS last
             FROM {{table}} p WHERE {{cover}} AND {cond}",
            cols = rollup_cols.join(", "),
            cond = t.cond
        );
        let raw = format!(
            "SELECT {cols}, p.user_id AS u, {PLAYS} AS n, {WATCH_S} AS w,
                    epoch_us(max(p.started_at)) AS last
             FROM playback_events p WHERE {{w}} AND {cond} GROUP BY {aliases}, u",
            cols = raw_cols.join(", "),
            cond = t.cond
        );
        let (union, params) = parts.union(t.table, &rollup, &raw, &[]);
        let sql = format!(
            "SELECT {key} AS k, {label} AS l, sum(n)::BIGINT AS plays, sum(w)::BIGINT AS watch,
                    count(*) AS users, max(last)
             FROM (SELECT {aliases}, u{extras}, sum(n) AS n, sum(w) AS w, max(last) AS last
                   FROM ({union}) GROUP BY {aliases}, u)
             GROUP BY {aliases} ORDER BY {rank} DESC, plays DESC, k LIMIT {limit}",
            key = t.key,
            label = t.label,
            rank = by.column(),
        );
        query_rows(&self.conn, &sql, &params, entry)
    }

    /// Items from the item rollups and the plays. Ranked by plays or watch time, the
    /// first `limit` are exact at once and their distinct users are counted next.
    /// Ranked by users, the sum of each part's distinct users bounds an item's users
    /// from above: the exact count of the best candidates by that bound is taken until
    /// the `limit`-th exact count beats the next candidate's bound.
    fn top_items(
        &self,
        t: &TopSql,
        parts: &Parts,
        filter: &Filter,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<TopEntry>, QueryError> {
        let want = limit as usize;
        let mut take = if by == RankBy::Users {
            (want * 4).max(50)
        } else {
            want
        };
        loop {
            if take > 4096 {
                // Too many near-ties for the bound to settle: count on the plays.
                return self.top_per_user(t, &Parts::raw_only(filter), by, limit);
            }
            let (mut entries, keys) = self.item_candidates(t, parts, by, take + 1)?;
            let more = entries.len() > take;
            let next_bound = if more { entries[take].users } else { 0 };
            entries.truncate(take);
            let users = self.item_users(t, parts, &keys[..entries.len()])?;
            for (e, u) in entries.iter_mut().zip(users) {
                e.users = u;
            }
            if by != RankBy::Users {
                entries.truncate(want);
                return Ok(entries);
            }
            entries.sort_by(|a, b| {
                b.users
                    .cmp(&a.users)
                    .then(b.plays.cmp(&a.plays))
                    .then_with(|| a.key.cmp(&b.key))
            });
            let settled = entries
                .get(want.saturating_sub(1))
                .is_none_or(|e| e.users > next_bound);
            if !more || settled {
                entries.truncate(want);
                return Ok(entries);
            }
            take *= 4;
        }
    }

    /// The first `take` items by `by` (by users: by their upper bound, returned in
    /// `users`), with their group values.
    fn item_candidates(
        &self,
        t: &TopSql,
        parts: &Parts,
        by: RankBy,
        take: usize,
    ) -> Result<(Vec<TopEntry>, Vec<Vec<Value>>), QueryError> {
        let Columns {
            aliases,
            raw_cols,
            rollup_cols,
        } = t.columns();
        let rollup = format!(
            "SELECT {cols}, p.plays AS n, p.watch_s AS w, p.user_count AS ub, p.last_us AS last
             FROM {{table}} p WHERE {{cover}} AND {cond}",
            cols = rollup_cols.join(", "),
            cond = t.cond
        );
        let raw = format!(
            "SELECT {cols}, {PLAYS} AS n, {WATCH_S} AS w, count(DISTINCT p.user_id) AS ub,
                    epoch_us(max(p.started_at)) AS last
             FROM playback_events p WHERE {{w}} AND {cond} GROUP BY {aliases}",
            cols = raw_cols.join(", "),
            cond = t.cond
        );
        let (union, params) = parts.union(t.table, &rollup, &raw, &[]);
        let sql = format!(
            "SELECT {key} AS k, {label} AS l, sum(n)::BIGINT AS plays, sum(w)::BIGINT AS watch,
                    sum(ub)::BIGINT AS users, max(last), {aliases}
             FROM ({union}) GROUP BY {aliases}
             ORDER BY {rank} DESC, plays DESC, k LIMIT {take}",
            key = t.key,
            label = t.label,
            rank = by.column(),
        );
        let n = t.groups.len();
        let mut keys: Vec<Vec<Value>> = Vec::new();
        let entries = query_rows(&self.conn, &sql, &params, |r| {
            keys.push(
                (0..n)
                    .map(|i| r.get::<_, Value>(6 + i))
                    .collect::<Result<_, _>>()?,
            );
            entry(r)
        })?;
        Ok((entries, keys))
    }

    /// The exact distinct users of the items with group values `keys`, in order: the
    /// union of their rollup user lists and the users of their plays.
    fn item_users(
        &self,
        t: &TopSql,
        parts: &Parts,
        keys: &[Vec<Value>],
    ) -> Result<Vec<u64>, QueryError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let row = |i: usize| {
            let cols: Vec<String> = t
                .groups
                .iter()
                .map(|(_, _, ty)| format!("?::{ty}"))
                .collect();
            format!("({i}, {})", cols.join(", "))
        };
        let values: Vec<String> = (0..keys.len()).map(row).collect();
        let names: Vec<String> = (0..t.groups.len()).map(|i| format!("a{i}")).collect();
        let on: Vec<String> = t
            .groups
            .iter()
            .enumerate()
            .map(|(i, (e, _, _))| format!("{e} IS NOT DISTINCT FROM v.a{i}"))
            .collect();
        let on = on.join(" AND ");
        let rollup = format!(
            "SELECT v.i, unnest(p.users) AS u FROM {{table}} p JOIN v ON {on}
             WHERE {{cover}} AND {cond}",
            cond = t.cond
        );
        let raw = format!(
            "SELECT v.i, p.user_id AS u FROM playback_events p JOIN v ON {on}
             WHERE {{w}} AND {cond}",
            cond = t.cond
        );
        let (union, union_params) = parts.union(t.table, &rollup, &raw, &[]);
        let sql = format!(
            "WITH v(i, {names}) AS (VALUES {values})
             SELECT i, count(DISTINCT u) FROM ({union}) GROUP BY i",
            names = names.join(", "),
            values = values.join(", "),
        );
        let mut params: Vec<Value> = keys.iter().flatten().cloned().collect();
        params.extend(union_params);
        let mut users = vec![0; keys.len()];
        for (i, n) in query_rows(&self.conn, &sql, &params, |r| {
            Ok((r.get::<_, i64>(0)?, count(r, 1)?))
        })? {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| users.get_mut(i)) {
                *slot = n;
            }
        }
        Ok(users)
    }
}

//! Weekly new-user cohorts: users grouped by the local week (Monday first) of their
//! first play among the plays a filter matches, and the share of each cohort that
//! played again 1, 4 and 12 weeks later.

use chrono::{DateTime, NaiveDate};
use serde::Serialize;

use super::{count, query_rows, Scope, Zone};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// One weekly cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Cohort {
    /// The Monday the cohort's week starts on (local date).
    pub week: NaiveDate,
    /// Users whose first play was in that week.
    pub users: u64,
    /// Of them, users who played in the week after.
    pub week_1: u64,
    /// Of them, users who played 4 weeks later.
    pub week_4: u64,
    /// Of them, users who played 12 weeks later.
    pub week_12: u64,
    /// `week_1 / users`; `None` when that week is after the last play.
    pub retention_1: Option<f64>,
    /// `week_4 / users`; `None` when that week is after the last play.
    pub retention_4: Option<f64>,
    /// `week_12 / users`; `None` when that week is after the last play.
    pub retention_12: Option<f64>,
}

/// Cohorts, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CohortReport {
    /// The zone weeks are cut in.
    pub zone: Zone,
    /// The cohorts.
    pub cohorts: Vec<Cohort>,
}

impl Reader {
    /// Weekly new-user cohorts and their retention at weeks 1, 4 and 12, in `zone`.
    pub fn cohorts(&self, filter: &Filter, zone: Zone) -> Result<CohortReport, QueryError> {
        let local = self.local_started(filter, zone)?;
        let s = Scope::of(filter);
        let sql = format!(
            "WITH uw AS (
                SELECT DISTINCT p.user_id,
                       epoch_us(date_trunc('week', {local})::TIMESTAMP) // 86400000000 AS wk
                FROM playback_events p WHERE {w}),
             f AS (SELECT user_id, min(wk) AS cohort FROM uw GROUP BY user_id),
             last AS (SELECT max(wk) AS wk FROM uw)
             SELECT f.cohort, count(DISTINCT f.user_id),
                    count(DISTINCT uw.user_id) FILTER (WHERE uw.wk = f.cohort + 7),
                    count(DISTINCT uw.user_id) FILTER (WHERE uw.wk = f.cohort + 28),
                    count(DISTINCT uw.user_id) FILTER (WHERE uw.wk = f.cohort + 84),
                    any_value(last.wk)
             FROM f JOIN uw USING (user_id) CROSS JOIN last
             GROUP BY f.cohort ORDER BY f.cohort",
            w = s.sql
        );
        let rows = query_rows(&self.conn, &sql, &s.params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                count(r, 1)?,
                count(r, 2)?,
                count(r, 3)?,
                count(r, 4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let cohorts = rows
            .into_iter()
            .filter_map(|(wk, users, w1, w4, w12, last)| {
                // `wk` is the day number (since 1970-01-01) of the cohort's Monday.
                let week = DateTime::from_timestamp(wk * 86_400, 0)?.date_naive();
                let rate = |n: u64, k: i64| {
                    (wk + 7 * k <= last && users > 0).then(|| n as f64 / users as f64)
                };
                Some(Cohort {
                    week,
                    users,
                    week_1: w1,
                    week_4: w4,
                    week_12: w12,
                    retention_1: rate(w1, 1),
                    retention_4: rate(w4, 4),
                    retention_12: rate(w12, 12),
                })
            })
            .collect();
        Ok(CohortReport { zone, cohorts })
    }
}

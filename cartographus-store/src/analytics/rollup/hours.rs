//! Reading `analytics_hours`: rows in a zone's local time for the time-of-day
//! charts, and trend buckets whose distinct users are exact (each covered hour's user
//! bitmap OR-ed into its bucket, plus the users of the plays read directly).

use std::collections::{BTreeMap, HashSet};

use duckdb::types::Value;

use super::{Grain, Parts};
use crate::analytics::{count, Zone, PLAYS, WATCH_S};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// Bucket start (local, epoch µs), plays, watch seconds, distinct users.
pub(crate) type Bucket = (i64, u64, u64, u64);

impl Reader {
    /// Where `filter` is answered at hour grain in `zone`. The hours rollup is cut at
    /// UTC hours, so it serves only zones whose offsets over the range are whole
    /// hours (not India's +05:30, for instance).
    fn hour_parts(
        &self,
        filter: &Filter,
        zone: Zone,
    ) -> Result<(Parts, String, String), QueryError> {
        let (lo, hi) = self.zone_range(filter)?;
        let local = |column: &str| {
            if zone == Zone::UTC {
                column.to_owned()
            } else {
                zone.local_sql(column, lo, hi)
            }
        };
        let parts = if zone.whole_hours(lo, hi) {
            self.parts(filter, Grain::Hour)?
        } else {
            Parts::raw_only(filter)
        };
        Ok((parts, local("p.hour"), local("p.started_at")))
    }

    /// A `UNION ALL` of rows with `l` (local wall-clock `TIMESTAMP`), `n` (plays) and
    /// `w` (watch seconds) covering `filter`, with its parameters. Call inside a
    /// snapshot.
    pub(crate) fn local_rows(
        &self,
        filter: &Filter,
        zone: Zone,
    ) -> Result<(String, Vec<Value>), QueryError> {
        let (parts, local_hour, local_play) = self.hour_parts(filter, zone)?;
        let rollup = format!(
            "SELECT {local_hour} AS l, p.plays AS n, p.watch_s AS w
             FROM analytics_hours p WHERE {{cover}}"
        );
        let raw = format!(
            "SELECT {local_play} AS l, (p.reference_id IS NULL)::BIGINT AS n,
                    p.play_duration_s::BIGINT AS w
             FROM playback_events p WHERE {{w}}"
        );
        Ok(parts.union("analytics_hours", &rollup, &raw, &[]))
    }

    /// Plays, watch seconds and distinct users per `date_trunc(unit, local time)`
    /// bucket, in bucket order.
    pub(crate) fn trend_buckets(
        &self,
        filter: &Filter,
        zone: Zone,
        unit: &str,
    ) -> Result<Vec<Bucket>, QueryError> {
        self.snapshot(|| {
            let (parts, local_hour, local_play) = self.hour_parts(filter, zone)?;
            let mut acc: BTreeMap<i64, (u64, u64, Vec<u8>, HashSet<i64>)> = BTreeMap::new();
            if let Some(cover) = &parts.cover {
                let (cond, params) = cover.cond();
                let sql = format!(
                    "SELECT epoch_us(date_trunc('{unit}', {local_hour})::TIMESTAMP), p.plays,
                            p.watch_s, p.users
                     FROM analytics_hours p WHERE {cond}"
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let mut rows = stmt.query(duckdb::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    let b = acc.entry(r.get::<_, i64>(0)?).or_default();
                    b.0 += count(r, 1)?;
                    b.1 += count(r, 2)?;
                    let bits: Option<Vec<u8>> = r.get(3)?;
                    or_into(&mut b.2, bits.as_deref().unwrap_or_default());
                }
            }
            // The plays read directly: (bucket, user) groups; a user already in the
            // rollups' index sets its bit, a newer one is counted by id.
            let index = if parts.cover.is_some() {
                "LEFT JOIN analytics_user_index i ON i.user_id = g.u"
            } else {
                "LEFT JOIN (SELECT NULL::BIGINT AS user_id, NULL::INTEGER AS idx) i ON FALSE"
            };
            for s in &parts.raw {
                let sql = format!(
                    "SELECT g.b, g.u, i.idx, g.n, g.w
                     FROM (SELECT epoch_us(date_trunc('{unit}', {local_play})::TIMESTAMP) AS b,
                                  p.user_id AS u, {PLAYS} AS n, {WATCH_S} AS w
                           FROM playback_events p WHERE {w} GROUP BY b, u) g
                     {index}",
                    w = s.sql
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let mut rows = stmt.query(duckdb::params_from_iter(s.params.iter()))?;
                while let Some(r) = rows.next()? {
                    let b = acc.entry(r.get::<_, i64>(0)?).or_default();
                    b.0 += count(r, 3)?;
                    b.1 += count(r, 4)?;
                    match r
                        .get::<_, Option<i32>>(2)?
                        .and_then(|i| usize::try_from(i).ok())
                    {
                        Some(idx) => super::refresh::set_bit(&mut b.2, idx),
                        None => {
                            b.3.insert(r.get::<_, i64>(1)?);
                        }
                    }
                }
            }
            Ok(acc
                .into_iter()
                .map(|(b, (plays, watch, bits, extra))| {
                    let users = bits.iter().map(|x| u64::from(x.count_ones())).sum::<u64>()
                        + extra.len() as u64;
                    (b, plays, watch, users)
                })
                .collect())
        })
    }
}

/// `into |= bits`, growing `into` as needed.
fn or_into(into: &mut Vec<u8>, bits: &[u8]) {
    if into.len() < bits.len() {
        into.resize(bits.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(bits) {
        *a |= b;
    }
}

#[cfg(test)]
mod tests {
    use super::or_into;

    #[test]
    fn or_grows_and_merges() {
        let mut a = vec![0b0001];
        or_into(&mut a, &[0b0100, 0b1000_0000]);
        assert_eq!(a, [0b0101, 0b1000_0000]);
        or_into(&mut a, &[]);
        assert_eq!(a.len(), 2);
    }
}

//! Concurrent streams from start/stop intervals, not guesses: the rows' intervals are
//! fetched column-wise (Arrow), starts and ends are sorted separately (they arrive
//! nearly sorted, so this is close to linear) and merged in a sweep line that keeps a
//! running count per transcode decision. A stream that ends at the instant another
//! starts does not overlap it. A stream not yet stopped lasts until it was last seen.

use arrow::array::{Array, Int64Array, UInt8Array};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, Utc};
use serde::Serialize;

use super::trends::Interval;
use super::zone::Span;
use super::{Scope, Zone};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// Concurrent streams at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConcurrencyPeak {
    /// When the count was first reached.
    pub at: DateTime<Utc>,
    /// Streams playing at once.
    pub streams: u32,
    /// Of which direct plays.
    pub direct_play: u32,
    /// Of which direct streams (copy).
    pub copy: u32,
    /// Of which transcodes.
    pub transcode: u32,
}

/// The peaks within one bucket of time. Each decision's peak is its own maximum
/// (they need not happen at the same instant).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConcurrencyBucket {
    /// The bucket's start (local time with offset).
    pub start: DateTime<FixedOffset>,
    /// Most streams at once.
    pub peak: u32,
    /// Most direct plays at once.
    pub peak_direct_play: u32,
    /// Most direct streams at once.
    pub peak_copy: u32,
    /// Most transcodes at once.
    pub peak_transcode: u32,
}

/// Concurrency over the streams a filter matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConcurrencyReport {
    /// The bucket width.
    pub interval: Interval,
    /// The zone buckets are cut in.
    pub zone: Zone,
    /// The highest count ever reached, with its decision mix at that instant.
    pub peak: Option<ConcurrencyPeak>,
    /// The ten busiest moments (one per bucket), busiest first: Tautulli's "most
    /// concurrent streams".
    pub top: Vec<ConcurrencyPeak>,
    /// Every bucket from the first start to the last end.
    pub buckets: Vec<ConcurrencyBucket>,
}

/// The local-time bucket arithmetic of one interval.
struct Buckets {
    interval: Interval,
    spans: Vec<Span>,
    span: usize,
}

impl Buckets {
    /// The local second of UTC second `t` (events come in order, so the span pointer
    /// only moves forward).
    fn local(&mut self, t: i64) -> i64 {
        while self.span + 1 < self.spans.len() && t >= self.spans[self.span].end {
            self.span += 1;
        }
        t + i64::from(self.spans[self.span].offset_s)
    }

    /// The local start second of the bucket holding local second `l`.
    fn start(&self, l: i64) -> i64 {
        const DAY: i64 = 86_400;
        match self.interval {
            Interval::Hour => l.div_euclid(3600) * 3600,
            Interval::Day => l.div_euclid(DAY) * DAY,
            // 1970-01-01 was a Thursday: Monday 1969-12-29 is day -3.
            Interval::Week => ((l.div_euclid(DAY) + 3).div_euclid(7) * 7 - 3) * DAY,
            Interval::Month => {
                let t = naive(l);
                naive_secs(
                    t.date()
                        .with_day0(0)
                        .unwrap_or(t.date())
                        .and_time(chrono::NaiveTime::MIN),
                )
            }
        }
    }

    fn next(&self, start: i64) -> i64 {
        naive_secs(self.interval_next(naive(start)))
    }

    fn interval_next(&self, t: NaiveDateTime) -> NaiveDateTime {
        match self.interval {
            Interval::Hour => t + Duration::hours(1),
            Interval::Day => t + Duration::days(1),
            Interval::Week => t + Duration::days(7),
            Interval::Month => t
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(t + Duration::days(31)),
        }
    }
}

fn naive(l: i64) -> NaiveDateTime {
    DateTime::from_timestamp(l, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// The UTC second of a local bucket start.
fn utc_of(zone: Zone, local: i64) -> i64 {
    zone.from_local(naive(local)).timestamp()
}

fn naive_secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

const DECISIONS: usize = 4;

#[derive(Default, Clone, Copy)]
struct Running {
    total: u32,
    by: [u32; DECISIONS],
}

impl Reader {
    /// Peak concurrent streams per bucket of `interval` (chosen from the range when
    /// `None`), cut in `zone`, by transcode decision.
    pub fn concurrency(
        &self,
        filter: &Filter,
        zone: Zone,
        interval: Option<Interval>,
    ) -> Result<ConcurrencyReport, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT epoch_us(p.started_at) // 1000000 AS s,
                    greatest(epoch_us(coalesce(p.stopped_at, p.updated_at)), epoch_us(p.started_at)) // 1000000 AS e,
                    (CASE p.transcode_decision WHEN 'direct_play' THEN 0 WHEN 'copy' THEN 1
                          WHEN 'transcode' THEN 2 ELSE 3 END)::UTINYINT AS d
             FROM playback_events p WHERE {w}",
            w = s.sql
        );
        let mut starts: Vec<(i64, u8)> = Vec::new();
        let mut ends: Vec<(i64, u8)> = Vec::new();
        let mut stmt = self.conn.prepare_cached(&sql)?;
        for batch in stmt.stream_arrow(duckdb::params_from_iter(s.params.iter()))? {
            let batch = batch?;
            let (Some(st), Some(en), Some(dec)) = (
                batch.column(0).as_any().downcast_ref::<Int64Array>(),
                batch.column(1).as_any().downcast_ref::<Int64Array>(),
                batch.column(2).as_any().downcast_ref::<UInt8Array>(),
            ) else {
                return Err(QueryError::Decode {
                    column: "started_at",
                    detail: "unexpected Arrow column type".into(),
                });
            };
            starts.reserve(st.len());
            ends.reserve(st.len());
            for i in 0..st.len() {
                let d = if dec.is_null(i) {
                    3
                } else {
                    dec.value(i).min(3)
                };
                starts.push((st.value(i), d));
                ends.push((en.value(i).max(st.value(i)), d));
            }
        }
        starts.sort_unstable_by_key(|e| e.0);
        ends.sort_unstable_by_key(|e| e.0);
        let (Some(first), Some(last)) = (starts.first().map(|e| e.0), ends.last().map(|e| e.0))
        else {
            return Ok(ConcurrencyReport {
                interval: interval.unwrap_or(Interval::Day),
                zone,
                peak: None,
                top: Vec::new(),
                buckets: Vec::new(),
            });
        };
        let (lo, hi) = (
            DateTime::from_timestamp(first, 0).unwrap_or_default(),
            DateTime::from_timestamp(last, 0).unwrap_or_default(),
        );
        let interval = interval.unwrap_or_else(|| Interval::for_span(hi - lo));
        let mut b = Buckets {
            interval,
            spans: zone.spans(lo, hi),
            span: 0,
        };
        Ok(sweep(&starts, &ends, &mut b, zone))
    }
}

fn peak_at(t: i64, r: &Running) -> ConcurrencyPeak {
    ConcurrencyPeak {
        at: DateTime::from_timestamp(t, 0).unwrap_or_default(),
        streams: r.total,
        direct_play: r.by[0],
        copy: r.by[1],
        transcode: r.by[2],
    }
}

/// The sweep: ends before starts at equal instants.
fn sweep(
    starts: &[(i64, u8)],
    ends: &[(i64, u8)],
    b: &mut Buckets,
    zone: Zone,
) -> ConcurrencyReport {
    let mut run = Running::default();
    let mut buckets: Vec<(ConcurrencyBucket, ConcurrencyPeak)> = Vec::new();
    let mut peak: Option<ConcurrencyPeak> = None;
    let mut current: Option<(i64, Running, ConcurrencyPeak)> = None;
    let (mut i, mut j) = (0, 0);
    let close = |start: i64,
                 best: Running,
                 at: ConcurrencyPeak,
                 out: &mut Vec<(ConcurrencyBucket, ConcurrencyPeak)>| {
        out.push((
            ConcurrencyBucket {
                start: zone.from_local(naive(start)),
                peak: best.total,
                peak_direct_play: best.by[0],
                peak_copy: best.by[1],
                peak_transcode: best.by[2],
            },
            at,
        ));
    };
    while i < starts.len() || j < ends.len() {
        let is_end = j < ends.len() && (i >= starts.len() || ends[j].0 <= starts[i].0);
        let (t, d) = if is_end { ends[j] } else { starts[i] };
        let local = b.local(t);
        let bucket = b.start(local);
        // Close the buckets before this event; the ones it skipped carry the count.
        match current {
            Some((start, best, at)) if start != bucket => {
                close(start, best, at, &mut buckets);
                let mut next = b.next(start);
                while next < bucket {
                    close(next, run, peak_at(utc_of(zone, next), &run), &mut buckets);
                    next = b.next(next);
                }
                current = Some((bucket, run, peak_at(utc_of(zone, bucket).max(0), &run)));
            }
            None => current = Some((bucket, run, peak_at(t, &run))),
            _ => {}
        }
        let d = usize::from(d);
        if is_end {
            run.total = run.total.saturating_sub(1);
            run.by[d] = run.by[d].saturating_sub(1);
            j += 1;
        } else {
            run.total += 1;
            run.by[d] += 1;
            i += 1;
        }
        if let Some((_, best, at)) = current.as_mut() {
            if run.total > best.total {
                *at = peak_at(t, &run);
            }
            best.total = best.total.max(run.total);
            for k in 0..DECISIONS {
                best.by[k] = best.by[k].max(run.by[k]);
            }
            if peak.is_none_or(|p| run.total > p.streams) {
                peak = Some(peak_at(t, &run));
            }
        }
    }
    if let Some((start, best, at)) = current {
        close(start, best, at, &mut buckets);
    }
    let mut top: Vec<ConcurrencyPeak> = buckets
        .iter()
        .filter(|(c, _)| c.peak > 0)
        .map(|(_, p)| *p)
        .collect();
    top.sort_by(|a, b| b.streams.cmp(&a.streams).then(a.at.cmp(&b.at)));
    top.truncate(10);
    ConcurrencyReport {
        interval: b.interval,
        zone,
        peak: peak.filter(|p| p.streams > 0),
        top,
        buckets: buckets.into_iter().map(|(c, _)| c).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_counts_overlaps_and_touching_intervals() {
        // Three streams: [0, 100) direct, [50, 150) transcode, [100, 200) transcode.
        let starts = [(0, 0), (50, 2), (100, 2)];
        let ends = [(100, 0), (150, 2), (200, 2)];
        let mut b = Buckets {
            interval: Interval::Hour,
            spans: Zone::UTC.spans(DateTime::UNIX_EPOCH, DateTime::UNIX_EPOCH),
            span: 0,
        };
        let r = sweep(&starts, &ends, &mut b, Zone::UTC);
        let p = r.peak.unwrap();
        assert_eq!(
            (p.streams, p.at.timestamp(), p.direct_play, p.transcode),
            (2, 50, 1, 1)
        );
        assert_eq!(r.buckets.len(), 1);
        assert_eq!(r.buckets[0].peak_transcode, 2);
    }
}

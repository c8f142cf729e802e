//! Streaming quality: direct play / direct stream (copy) / transcode overall, by
//! platform and over time; hardware transcoding; source → delivered resolution
//! (downgrades); codecs, containers, dynamic range, audio channels, subtitles;
//! bandwidth and bitrate percentiles; LAN/WAN, secure and relayed connections.
//!
//! Quality counts **streams** (rows): a resumed segment may be delivered differently.
//! The breakdowns come from one scan with `GROUPING SETS`.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::Serialize;

use super::trends::Interval;
use super::{count, query_one, query_rows, Accuracy, Scope, Zone};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// How many streams have a value, and their share of all streams.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ShareOf {
    /// The value (`transcode`, `hevc`, `wan`, `true`…); `unknown` when not reported.
    pub key: String,
    /// Streams.
    pub streams: u64,
    /// Share of all streams, 0–1.
    pub share: f64,
}

/// The transcode decisions on one platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlatformDecisions {
    /// The platform.
    pub platform: String,
    /// Direct plays.
    pub direct_play: u64,
    /// Direct streams (copy).
    pub copy: u64,
    /// Transcodes.
    pub transcode: u64,
}

/// Streams delivered at another resolution than the source's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ResolutionChange {
    /// The source's resolution.
    pub from: String,
    /// The delivered resolution.
    pub to: String,
    /// Streams.
    pub streams: u64,
    /// Whether the delivered resolution is lower.
    pub downgrade: bool,
}

/// Percentiles of a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Distribution {
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
}

/// The quality report of the streams a filter matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityReport {
    /// Streams (rows).
    pub streams: u64,
    /// Direct play / copy / transcode.
    pub decisions: Vec<ShareOf>,
    /// Decisions per platform, most streams first.
    pub by_platform: Vec<PlatformDecisions>,
    /// Transcodes that used hardware encoding or decoding, share of transcodes (0–1).
    pub hardware_transcode_share: f64,
    /// Source → delivered resolution pairs that differ.
    pub resolution_changes: Vec<ResolutionChange>,
    /// Streams delivered below the source's resolution.
    pub downgrades: u64,
    /// Source video codecs.
    pub video_codecs: Vec<ShareOf>,
    /// Source audio codecs.
    pub audio_codecs: Vec<ShareOf>,
    /// Source containers.
    pub containers: Vec<ShareOf>,
    /// SDR / HDR10 / Dolby Vision…
    pub dynamic_ranges: Vec<ShareOf>,
    /// Source audio channel counts.
    pub audio_channels: Vec<ShareOf>,
    /// Streams with and without subtitles (`true` / `false`).
    pub subtitles: Vec<ShareOf>,
    /// LAN / WAN.
    pub network_locations: Vec<ShareOf>,
    /// Encrypted connections (`true` / `false` / `unknown`).
    pub secure: Vec<ShareOf>,
    /// Relayed connections (`true` / `false` / `unknown`).
    pub relayed: Vec<ShareOf>,
    /// Bandwidth in kbit/s.
    pub bandwidth_kbps: Distribution,
    /// Delivered bitrate in kbit/s (the source's when not transcoded).
    pub bitrate_kbps: Distribution,
}

/// The decisions in one bucket of time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityTrendPoint {
    /// The bucket's start (local time with offset).
    pub start: DateTime<FixedOffset>,
    /// Direct plays.
    pub direct_play: u64,
    /// Direct streams (copy).
    pub copy: u64,
    /// Transcodes.
    pub transcode: u64,
}

/// The columns of the grouping-sets scan, in `grouping_id` order.
const COLUMNS: &[(&str, &str)] = &[
    (
        "decision",
        "coalesce(p.transcode_decision::VARCHAR, 'unknown')",
    ),
    ("platform", "coalesce(p.platform, 'unknown')"),
    ("vcodec", "coalesce(p.video_codec, 'unknown')"),
    ("acodec", "coalesce(p.audio_codec, 'unknown')"),
    ("container", "coalesce(p.container, 'unknown')"),
    ("dr", "coalesce(p.dynamic_range, 'unknown')"),
    ("channels", "coalesce(p.audio_channels::VARCHAR, 'unknown')"),
    (
        "subs",
        "(p.subtitle_decision IS NOT NULL OR p.subtitle_codec IS NOT NULL)::VARCHAR",
    ),
    ("net", "coalesce(p.network_location::VARCHAR, 'unknown')"),
    ("secure", "coalesce(p.secure::VARCHAR, 'unknown')"),
    ("relayed", "coalesce(p.relayed::VARCHAR, 'unknown')"),
    ("src_res", "coalesce(p.video_resolution, 'unknown')"),
    (
        "dst_res",
        "coalesce(p.stream_video_resolution, p.video_resolution, 'unknown')",
    ),
];

/// The grouping sets, by column names.
const SETS: &[&[&str]] = &[
    &["decision"],
    &["platform", "decision"],
    &["vcodec"],
    &["acodec"],
    &["container"],
    &["dr"],
    &["channels"],
    &["subs"],
    &["net"],
    &["secure"],
    &["relayed"],
    &["src_res", "dst_res"],
];

/// The `grouping_id` of a set: a 1 bit for every column not grouped, first column
/// most significant.
fn grouping_id(set: &[&str]) -> i64 {
    COLUMNS.iter().fold(0, |acc, (name, _)| {
        (acc << 1) | i64::from(!set.contains(name))
    })
}

/// A resolution's height in lines, for ordering (`4k` → 2160, `sd` → 480).
fn height(res: &str) -> Option<u32> {
    let r = res.trim().to_ascii_lowercase();
    match r.as_str() {
        "8k" => Some(4320),
        "4k" | "uhd" => Some(2160),
        "hd" => Some(720),
        "sd" => Some(480),
        _ => r.trim_end_matches('p').parse().ok(),
    }
}

fn shares(map: &BTreeMap<String, u64>, total: u64) -> Vec<ShareOf> {
    let mut v: Vec<ShareOf> = map
        .iter()
        .map(|(k, n)| ShareOf {
            key: k.clone(),
            streams: *n,
            share: if total == 0 {
                0.0
            } else {
                *n as f64 / total as f64
            },
        })
        .collect();
    v.sort_by(|a, b| b.streams.cmp(&a.streams).then_with(|| a.key.cmp(&b.key)));
    v
}

impl Reader {
    /// The quality report of the streams `filter` matches.
    pub fn quality(
        &self,
        filter: &Filter,
        accuracy: Accuracy,
    ) -> Result<QualityReport, QueryError> {
        let s = Scope::of(filter);
        let inner: Vec<String> = COLUMNS.iter().map(|(n, e)| format!("{e} AS {n}")).collect();
        let names: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        let sets: Vec<String> = SETS
            .iter()
            .map(|set| format!("({})", set.join(", ")))
            .collect();
        let sql = format!(
            "SELECT grouping_id({names}) AS gid, {names}, count(*)
             FROM (SELECT {inner} FROM playback_events p WHERE {w})
             GROUP BY GROUPING SETS ({sets})",
            names = names.join(", "),
            inner = inner.join(", "),
            w = s.sql,
            sets = sets.join(", ")
        );
        let mut maps: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); SETS.len()];
        let mut platforms: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        let mut res_pairs: Vec<(String, String, u64)> = Vec::new();
        let ids: Vec<i64> = SETS.iter().map(|set| grouping_id(set)).collect();
        let col = |name: &str| 1 + COLUMNS.iter().position(|(n, _)| *n == name).unwrap_or(0);
        let n = COLUMNS.len() + 1;
        let rows = query_rows(&self.conn, &sql, &s.params, |r| {
            let gid: i64 = r.get(0)?;
            let values: Vec<Option<String>> = (1..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
            Ok((gid, values, count(r, n)?))
        })?;
        for (gid, values, streams) in rows {
            let Some(set) = ids.iter().position(|id| *id == gid) else {
                continue;
            };
            let value = |name: &str| values[col(name) - 1].clone().unwrap_or_default();
            match SETS[set] {
                ["platform", "decision"] => {
                    let slot = match value("decision").as_str() {
                        "direct_play" => 0,
                        "copy" => 1,
                        "transcode" => 2,
                        _ => continue,
                    };
                    platforms.entry(value("platform")).or_default()[slot] += streams;
                }
                ["src_res", "dst_res"] => {
                    res_pairs.push((value("src_res"), value("dst_res"), streams))
                }
                [one] => {
                    *maps[set].entry(value(one)).or_default() += streams;
                }
                _ => {}
            }
        }
        let total: u64 = maps[0].values().sum();
        let pct = |q: &str, e: &str| accuracy.quantile(e, q);
        let bw = "p.bandwidth_kbps";
        let br = "coalesce(p.stream_bitrate_kbps, p.bitrate_kbps)";
        let sql = format!(
            "SELECT {b50}, {b95}, avg({bw}), {r50}, {r95}, avg({br}),
                    count(*) FILTER (WHERE p.transcode_decision = 'transcode'),
                    count(*) FILTER (WHERE p.transcode_decision = 'transcode' AND (p.hw_encode OR p.hw_decode))
             FROM playback_events p WHERE {w}",
            b50 = pct("0.5", bw),
            b95 = pct("0.95", bw),
            r50 = pct("0.5", br),
            r95 = pct("0.95", br),
            w = s.sql
        );
        let f = |r: &duckdb::Row<'_>, i: usize| -> Result<Option<f64>, duckdb::Error> {
            r.get::<_, Option<f64>>(i)
        };
        let (bandwidth_kbps, bitrate_kbps, transcodes, hw) =
            query_one(&self.conn, &sql, &s.params, |r| {
                Ok((
                    Distribution {
                        p50: f(r, 0)?,
                        p95: f(r, 1)?,
                        mean: f(r, 2)?,
                    },
                    Distribution {
                        p50: f(r, 3)?,
                        p95: f(r, 4)?,
                        mean: f(r, 5)?,
                    },
                    count(r, 6)?,
                    count(r, 7)?,
                ))
            })?;
        let mut by_platform: Vec<PlatformDecisions> = platforms
            .into_iter()
            .map(
                |(platform, [direct_play, copy, transcode])| PlatformDecisions {
                    platform,
                    direct_play,
                    copy,
                    transcode,
                },
            )
            .collect();
        by_platform.sort_by(|a, b| {
            (b.direct_play + b.copy + b.transcode)
                .cmp(&(a.direct_play + a.copy + a.transcode))
                .then_with(|| a.platform.cmp(&b.platform))
        });
        let mut resolution_changes: Vec<ResolutionChange> = res_pairs
            .into_iter()
            .filter(|(a, b, _)| a != b)
            .map(|(from, to, streams)| {
                let downgrade = matches!((height(&from), height(&to)), (Some(a), Some(b)) if b < a);
                ResolutionChange {
                    from,
                    to,
                    streams,
                    downgrade,
                }
            })
            .collect();
        resolution_changes.sort_by(|a, b| {
            b.streams
                .cmp(&a.streams)
                .then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
        });
        let downgrades = resolution_changes
            .iter()
            .filter(|c| c.downgrade)
            .map(|c| c.streams)
            .sum();
        let share = |i: usize| shares(&maps[i], total);
        Ok(QualityReport {
            streams: total,
            decisions: share(0),
            by_platform,
            hardware_transcode_share: if transcodes == 0 {
                0.0
            } else {
                hw as f64 / transcodes as f64
            },
            resolution_changes,
            downgrades,
            video_codecs: share(2),
            audio_codecs: share(3),
            containers: share(4),
            dynamic_ranges: share(5),
            audio_channels: share(6),
            subtitles: share(7),
            network_locations: share(8),
            secure: share(9),
            relayed: share(10),
            bandwidth_kbps,
            bitrate_kbps,
        })
    }

    /// Direct play / copy / transcode streams per bucket of `interval` (chosen from the
    /// range when `None`), cut in `zone`.
    pub fn quality_trend(
        &self,
        filter: &Filter,
        zone: Zone,
        interval: Option<Interval>,
    ) -> Result<Vec<QualityTrendPoint>, QueryError> {
        let (lo, hi) = self.zone_range(filter)?;
        let interval = interval.unwrap_or_else(|| Interval::for_span(hi - lo));
        let local = if zone == Zone::UTC {
            "p.started_at".to_owned()
        } else {
            zone.local_sql("p.started_at", lo, hi)
        };
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT epoch_us(date_trunc('{unit}', {local})::TIMESTAMP) AS b,
                    count(*) FILTER (WHERE p.transcode_decision = 'direct_play'),
                    count(*) FILTER (WHERE p.transcode_decision = 'copy'),
                    count(*) FILTER (WHERE p.transcode_decision = 'transcode')
             FROM playback_events p WHERE {w} GROUP BY b ORDER BY b",
            unit = interval.unit(),
            w = s.sql
        );
        let rows = query_rows(&self.conn, &sql, &s.params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                count(r, 1)?,
                count(r, 2)?,
                count(r, 3)?,
            ))
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(b, direct_play, copy, transcode)| {
                let local: NaiveDateTime = DateTime::from_timestamp_micros(b)?.naive_utc();
                Some(QualityTrendPoint {
                    start: zone.from_local(local),
                    direct_play,
                    copy,
                    transcode,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_ids_are_distinct_and_heights_order() {
        let ids: std::collections::HashSet<i64> = SETS.iter().map(|s| grouping_id(s)).collect();
        assert_eq!(ids.len(), SETS.len());
        assert_eq!(grouping_id(&["relayed"]) & 1, 1);
        assert_eq!(grouping_id(&["decision"]) >> (COLUMNS.len() - 1), 0);
        assert!(height("4k") > height("1080"));
        assert!(height("720p") > height("sd"));
        assert_eq!(height("weird"), None);
    }
}

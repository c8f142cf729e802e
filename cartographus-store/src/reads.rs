//! Reads of plays: keyset pagination over the history (stable while plays are being
//! added: a page never repeats or skips a row), one play by id, and the distinct values
//! of each filter dimension for the UI's dropdowns.

use std::fmt;
use std::str::FromStr;

use cartographus_core::{EventId, PlaybackEvent};
use chrono::{DateTime, Utc};
use duckdb::types::Value;
use serde::{Deserialize, Serialize};

use crate::error::QueryError;
use crate::filter::Filter;
use crate::rowmap::{decode, PLAYBACK_FROM, PLAYBACK_SELECT};
use crate::store::Reader;

/// A position in the history: the last play of a page (its start time and id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    started_us: i64,
    event_id: EventId,
}

impl Cursor {
    /// The cursor just after (in page order) the play `event`.
    pub fn after(event: &PlaybackEvent) -> Self {
        Self {
            started_us: event.timing.started_at.timestamp_micros(),
            event_id: event.event_id(),
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.started_us, self.event_id)
    }
}

impl FromStr for Cursor {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, QueryError> {
        let (t, id) = s.split_once('_').ok_or(QueryError::BadCursor)?;
        Ok(Self {
            started_us: t.parse().map_err(|_| QueryError::BadCursor)?,
            event_id: id.parse().map_err(|_| QueryError::BadCursor)?,
        })
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The order of a history page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Most recent first (the history view).
    #[default]
    NewestFirst,
    /// Oldest first (exports, replays).
    OldestFirst,
}

/// A request for one page of history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PageRequest {
    /// Which plays.
    pub filter: Filter,
    /// Start after this position (`None`: from the beginning).
    pub cursor: Option<Cursor>,
    /// Page size, 1–1,000 (clamped).
    pub limit: u32,
    /// Sort order.
    pub order: Order,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            filter: Filter::default(),
            cursor: None,
            limit: 100,
            order: Order::NewestFirst,
        }
    }
}

impl PageRequest {
    /// The first page of `filter`, `limit` plays long.
    pub fn new(filter: Filter, limit: u32) -> Self {
        Self {
            filter,
            limit,
            ..Self::default()
        }
    }

    /// The same request continuing after `cursor`.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Page {
    /// The plays.
    pub items: Vec<PlaybackEvent>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A filter dimension with a list of distinct values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Dimension {
    /// Users (value: internal id, label: name).
    Users,
    /// Media types.
    MediaTypes,
    /// Platforms.
    Platforms,
    /// Players.
    Players,
    /// Transcode decisions.
    TranscodeDecisions,
    /// Source video resolutions.
    VideoResolutions,
    /// Source video codecs.
    VideoCodecs,
    /// Source audio codecs.
    AudioCodecs,
    /// Libraries (by name).
    Libraries,
    /// Content ratings.
    ContentRatings,
    /// Release years.
    Years,
    /// LAN/WAN.
    NetworkLocations,
    /// Media servers.
    Servers,
    /// Countries (value: ISO code, label: name).
    Countries,
    /// Sources.
    Sources,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: &'static [Dimension] = &[
        Dimension::Users,
        Dimension::MediaTypes,
        Dimension::Platforms,
        Dimension::Players,
        Dimension::TranscodeDecisions,
        Dimension::VideoResolutions,
        Dimension::VideoCodecs,
        Dimension::AudioCodecs,
        Dimension::Libraries,
        Dimension::ContentRatings,
        Dimension::Years,
        Dimension::NetworkLocations,
        Dimension::Servers,
        Dimension::Countries,
        Dimension::Sources,
    ];

    /// (value expression, label expression) over `playback_events p`.
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Dimension::Users => ("p.user_id::VARCHAR", "any_value(p.username)"),
            Dimension::MediaTypes => ("p.media_type::VARCHAR", "NULL::VARCHAR"),
            Dimension::Platforms => ("p.platform", "NULL::VARCHAR"),
            Dimension::Players => ("p.player", "NULL::VARCHAR"),
            Dimension::TranscodeDecisions => ("p.transcode_decision::VARCHAR", "NULL::VARCHAR"),
            Dimension::VideoResolutions => ("p.video_resolution", "NULL::VARCHAR"),
            Dimension::VideoCodecs => ("p.video_codec", "NULL::VARCHAR"),
            Dimension::AudioCodecs => ("p.audio_codec", "NULL::VARCHAR"),
            Dimension::Libraries => ("p.library_name", "NULL::VARCHAR"),
            Dimension::ContentRatings => ("p.content_rating", "NULL::VARCHAR"),
            Dimension::Years => ("p.year::VARCHAR", "NULL::VARCHAR"),
            Dimension::NetworkLocations => ("p.network_location::VARCHAR", "NULL::VARCHAR"),
            Dimension::Servers => ("p.server_id", "NULL::VARCHAR"),
            Dimension::Countries => ("p.country_code", "any_value(p.country_name)"),
            Dimension::Sources => ("p.source::VARCHAR", "NULL::VARCHAR"),
        }
    }
}

/// One distinct value of a dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FilterValue {
    /// The value to put into a [`Filter`].
    pub value: String,
    /// A display name, where the value is an id or code.
    pub label: Option<String>,
    /// How many plays have it.
    pub plays: u64,
}

impl Reader {
    /// One page of plays matching `request.filter`, in `request.order`, after
    /// `request.cursor`.
    pub fn playbacks(&self, request: &PageRequest) -> Result<Page, QueryError> {
        let limit = request.limit.clamp(1, 1000);
        let mut w = request.filter.to_sql("p.");
        let (cmp, dir) = match request.order {
            Order::NewestFirst => ("<", "DESC"),
            Order::OldestFirst => (">", "ASC"),
        };
        let keyset = match request.cursor {
            Some(c) => {
                w.params.push(Value::BigInt(c.started_us));
                w.params.push(Value::BigInt(c.started_us));
                w.params.push(Value::Text(c.event_id.to_string()));
                format!(
                    " AND (p.started_at {cmp} make_timestamp(?::BIGINT) OR \
                     (p.started_at = make_timestamp(?::BIGINT) AND p.event_id {cmp} ?::UUID))"
                )
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {PLAYBACK_SELECT} FROM {PLAYBACK_FROM} WHERE {}{keyset} \
             ORDER BY p.started_at {dir}, p.event_id {dir} LIMIT {}",
            w.sql(),
            u64::from(limit) + 1
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(w.params.iter()))?;
        let mut items = Vec::with_capacity(limit as usize + 1);
        while let Some(r) = rows.next()? {
            items.push(decode(r)?);
        }
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// The play with this id.
    pub fn playback(&self, id: EventId) -> Result<Option<PlaybackEvent>, QueryError> {
        let sql =
            format!("SELECT {PLAYBACK_SELECT} FROM {PLAYBACK_FROM} WHERE p.event_id = ?::UUID");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([id.to_string()])?;
        match rows.next()? {
            Some(r) => Ok(Some(decode(r)?)),
            None => Ok(None),
        }
    }

    /// How many plays match `filter`.
    pub fn count_playbacks(&self, filter: &Filter) -> Result<u64, QueryError> {
        let w = filter.to_sql("p.");
        let sql = format!("SELECT count(*) FROM playback_events p WHERE {}", w.sql());
        let n: i64 = self
            .conn
            .query_row(&sql, duckdb::params_from_iter(w.params.iter()), |r| {
                r.get(0)
            })?;
        Ok(n.max(0) as u64)
    }

    /// The distinct values of `dimension` among plays matching `filter`, most played
    /// first (at most `limit`).
    pub fn distinct_values(
        &self,
        dimension: Dimension,
        filter: &Filter,
        limit: u32,
    ) -> Result<Vec<FilterValue>, QueryError> {
        let (value, label) = dimension.columns();
        let w = filter.to_sql("p.");
        let sql = format!(
            "SELECT {value} AS v, {label} AS l, count(*) AS n FROM playback_events p \
             WHERE {} AND {value} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {}",
            w.sql(),
            limit.clamp(1, 10_000)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(w.params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(FilterValue {
                value: r.get(0)?,
                label: r.get(1)?,
                plays: r.get::<_, i64>(2)?.max(0) as u64,
            });
        }
        Ok(out)
    }

    /// The earliest and latest start time of plays matching `filter`.
    #[allow(clippy::type_complexity)]
    pub fn time_span(
        &self,
        filter: &Filter,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, QueryError> {
        let w = filter.to_sql("p.");
        let sql = format!(
            "SELECT epoch_us(min(p.started_at)), epoch_us(max(p.started_at)) \
             FROM playback_events p WHERE {}",
            w.sql()
        );
        let (lo, hi): (Option<i64>, Option<i64>) =
            self.conn
                .query_row(&sql, duckdb::params_from_iter(w.params.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok(match (lo, hi) {
            (Some(a), Some(b)) => {
                DateTime::from_timestamp_micros(a).zip(DateTime::from_timestamp_micros(b))
            }
            _ => None,
        })
    }
}

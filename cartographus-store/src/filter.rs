//! The typed filter every history and analytics query takes: the 16 dimensions users
//! of the original expect, plus country and source. It becomes a SQL `WHERE` fragment
//! with one `?` placeholder per value ([`Filter::to_sql`], crate-internal); no value
//! is ever spliced into SQL text. Column names come from this file only.

use cartographus_core::{MediaType, NetworkLocation, ServerId, Source, TranscodeDecision, UserId};
use chrono::{DateTime, Duration, Utc};
use duckdb::types::Value;
use serde::{Deserialize, Serialize};

/// A filter over plays. Empty lists and `None` mean "no restriction"; several values
/// in one list mean "any of them"; dimensions combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Filter {
    /// Plays that started at or after this instant.
    pub start: Option<DateTime<Utc>>,
    /// Plays that started before this instant.
    pub end: Option<DateTime<Utc>>,
    /// Users (internal ids).
    pub users: Vec<UserId>,
    /// Media types.
    pub media_types: Vec<MediaType>,
    /// Platforms (Android, Chrome, Roku…).
    pub platforms: Vec<String>,
    /// Players (device names).
    pub players: Vec<String>,
    /// Direct play / copy / transcode.
    pub transcode_decisions: Vec<TranscodeDecision>,
    /// Source video resolutions (`1080`, `4k`…).
    pub video_resolutions: Vec<String>,
    /// Source video codecs.
    pub video_codecs: Vec<String>,
    /// Source audio codecs.
    pub audio_codecs: Vec<String>,
    /// Library names.
    pub libraries: Vec<String>,
    /// Content ratings.
    pub content_ratings: Vec<String>,
    /// Release years.
    pub years: Vec<u16>,
    /// LAN or WAN.
    pub network_location: Option<NetworkLocation>,
    /// Media servers.
    pub servers: Vec<ServerId>,
    /// Countries (ISO 3166-1 alpha-2; case-insensitive).
    pub countries: Vec<String>,
    /// Where the plays came from.
    pub sources: Vec<Source>,
}

impl Filter {
    /// No restriction at all.
    pub fn all() -> Self {
        Self::default()
    }

    /// Plays of the `days` days before `now` (`now` comes from the caller's clock).
    pub fn last_days(mut self, days: u32, now: DateTime<Utc>) -> Self {
        self.start = Some(now - Duration::days(i64::from(days)));
        self.end = Some(now);
        self
    }

    /// Plays in `[start, end)`.
    pub fn between(mut self, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        self.start = Some(start);
        self.end = Some(end);
        self
    }

    /// The `WHERE` fragment (never empty: `TRUE` when nothing is restricted) and its
    /// parameters, for a `playback_events` table referred to as `alias` (e.g. `"p."`
    /// or `""`).
    pub(crate) fn to_sql(&self, alias: &str) -> SqlWhere {
        let mut w = SqlWhere::new(alias);
        if let Some(s) = self.start {
            w.raw(
                "started_at >= make_timestamp(?::BIGINT)",
                [Value::BigInt(s.timestamp_micros())],
            );
        }
        if let Some(e) = self.end {
            w.raw(
                "started_at < make_timestamp(?::BIGINT)",
                [Value::BigInt(e.timestamp_micros())],
            );
        }
        w.list(
            "user_id",
            "",
            self.users.iter().map(|u| Value::BigInt(i64::from(*u))),
        );
        w.list(
            "media_type",
            "::media_type_t",
            self.media_types.iter().map(|m| text(m.as_str())),
        );
        w.list("platform", "", self.platforms.iter().map(|s| text(s)));
        w.list("player", "", self.players.iter().map(|s| text(s)));
        w.list(
            "transcode_decision",
            "::transcode_t",
            self.transcode_decisions.iter().map(|t| text(t.as_str())),
        );
        w.list(
            "video_resolution",
            "",
            self.video_resolutions.iter().map(|s| text(s)),
        );
        w.list("video_codec", "", self.video_codecs.iter().map(|s| text(s)));
        w.list("audio_codec", "", self.audio_codecs.iter().map(|s| text(s)));
        w.list("library_name", "", self.libraries.iter().map(|s| text(s)));
        w.list(
            "content_rating",
            "",
            self.content_ratings.iter().map(|s| text(s)),
        );
        w.list("year", "", self.years.iter().map(|y| Value::USmallInt(*y)));
        if let Some(l) = self.network_location {
            w.raw_col(
                "network_location",
                " = ?::net_location_t",
                [text(l.as_str())],
            );
        }
        w.list(
            "server_id",
            "",
            self.servers.iter().map(|s| text(s.as_str())),
        );
        w.list(
            "country_code",
            "",
            self.countries
                .iter()
                .map(|c| text(&c.trim().to_ascii_uppercase())),
        );
        w.list(
            "source",
            "::source_t",
            self.sources.iter().map(|s| text(s.as_str())),
        );
        w
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A SQL `WHERE` fragment with its bound parameters, built only from column names
/// chosen in this crate and `?` placeholders.
#[derive(Debug, Clone)]
pub(crate) struct SqlWhere {
    alias: String,
    parts: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl SqlWhere {
    pub(crate) fn new(alias: &str) -> Self {
        Self {
            alias: alias.to_owned(),
            parts: Vec::new(),
            params: Vec::new(),
        }
    }

    /// A condition whose first token is a column of the aliased table.
    pub(crate) fn raw(&mut self, cond: &'static str, params: impl IntoIterator<Item = Value>) {
        self.parts.push(format!("{}{cond}", self.alias));
        self.params.extend(params);
    }

    /// `column` followed by `rest` (e.g. `" = ?"`).
    pub(crate) fn raw_col(
        &mut self,
        column: &'static str,
        rest: &'static str,
        params: impl IntoIterator<Item = Value>,
    ) {
        self.parts.push(format!("{}{column}{rest}", self.alias));
        self.params.extend(params);
    }

    /// `column IN (?, ?, …)`, each placeholder followed by `cast`; nothing when empty.
    pub(crate) fn list(
        &mut self,
        column: &'static str,
        cast: &'static str,
        values: impl IntoIterator<Item = Value>,
    ) {
        let before = self.params.len();
        self.params.extend(values);
        let n = self.params.len() - before;
        if n == 0 {
            return;
        }
        let mut s = format!("{}{column} IN (", self.alias);
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            s.push('?');
            s.push_str(cast);
        }
        s.push(')');
        self.parts.push(s);
    }

    /// The fragment (each condition in parentheses), `TRUE` when empty.
    pub(crate) fn sql(&self) -> String {
        if self.parts.is_empty() {
            "TRUE".to_owned()
        } else {
            let parts: Vec<String> = self.parts.iter().map(|p| format!("({p})")).collect();
            parts.join(" AND ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_placeholders() {
        let f = Filter {
            platforms: vec!["Roku'; DROP TABLE users; --".to_owned(), "iOS".to_owned()],
            media_types: vec![MediaType::Movie],
            network_location: Some(NetworkLocation::Wan),
            years: vec![1999],
            ..Filter::default()
        };
        let w = f.to_sql("p.");
        let sql = w.sql();
        assert!(!sql.contains("DROP"));
        assert_eq!(sql.matches('?').count(), w.params.len());
        assert!(sql.contains("p.platform IN (?, ?)"));
        assert!(sql.contains("p.media_type IN (?::media_type_t)"));
        assert_eq!(Filter::all().to_sql("").sql(), "TRUE");
    }
}

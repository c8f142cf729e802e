//! Typo-tolerant search over titles, users and devices (`/api/v1/search`).
//!
//! SQL reduces the history to distinct values per field (title, show/artist,
//! username, display name, player, device id) and keeps only plausible candidates —
//! the value contains the query, or DuckDB's Jaro–Winkler similarity of the whole value
//! or of one of its words to the query is high. Rust then ranks the candidates with
//! `strsim` (Jaro–Winkler, normalised Levenshtein, the best window of as many words as
//! the query has, substring and prefix bonuses) and returns the best, with the field
//! that matched. "interstelar" finds *Interstellar*, "jon" finds *John*.

use duckdb::types::Value;
use serde::{Deserialize, Serialize};

use super::{count, query_rows, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// Titles, shows and artists.
    Title,
    /// Usernames and display names.
    User,
    /// Player names and device ids.
    Device,
}

impl SearchKind {
    /// Every kind.
    pub const ALL: [SearchKind; 3] = [SearchKind::Title, SearchKind::User, SearchKind::Device];

    fn as_str(self) -> &'static str {
        match self {
            SearchKind::Title => "title",
            SearchKind::User => "user",
            SearchKind::Device => "device",
        }
    }

    /// (field, value, key, extra condition) per searched field.
    fn fields(self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        match self {
            SearchKind::Title => &[
                ("title", "p.title", "any_value(p.media_key)", "TRUE"),
                (
                    "show",
                    "p.grandparent_title",
                    "any_value(coalesce(p.grandparent_media_key, p.grandparent_title))",
                    "p.media_type = 'episode'",
                ),
                (
                    "artist",
                    "p.grandparent_title",
                    "any_value(coalesce(p.grandparent_media_key, p.grandparent_title))",
                    "p.media_type = 'track'",
                ),
            ],
            SearchKind::User => &[
                (
                    "username",
                    "p.username",
                    "any_value(p.user_id)::VARCHAR",
                    "TRUE",
                ),
                (
                    "friendly_name",
                    "p.friendly_name",
                    "any_value(p.user_id)::VARCHAR",
                    "TRUE",
                ),
            ],
            SearchKind::Device => &[
                (
                    "player",
                    "p.player",
                    "any_value(coalesce(p.device_id, p.player))",
                    "TRUE",
                ),
                ("device_id", "p.device_id", "p.device_id", "TRUE"),
            ],
        }
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SearchRequest {
    /// What the user typed.
    pub query: String,
    /// Which kinds to search (empty: all).
    pub kinds: Vec<SearchKind>,
    /// At most this many hits (1–100).
    pub limit: u32,
    /// Hits scoring below this (0–1) are dropped.
    pub min_score: f64,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            query: String::new(),
            kinds: Vec::new(),
            limit: 20,
            min_score: 0.75,
        }
    }
}

impl SearchRequest {
    /// A search for `query` over every kind.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            ..Self::default()
        }
    }

    /// The same search restricted to `kind`.
    pub fn kind(mut self, kind: SearchKind) -> Self {
        self.kinds = vec![kind];
        self
    }
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SearchHit {
    /// Title, user or device.
    pub kind: SearchKind,
    /// The field that matched (`title`, `show`, `artist`, `username`, `friendly_name`,
    /// `player`, `device_id`).
    pub field: &'static str,
    /// The matched value.
    pub value: String,
    /// A key for the item: media key, show key, user id or device id.
    pub key: String,
    /// Similarity, 0–1 (1 = exact).
    pub score: f64,
    /// Streams with this value.
    pub streams: u64,
}

/// Lower-case, trimmed, inner whitespace collapsed.
fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How well `value` matches `query` (both normalised), 0–1.
pub(crate) fn score(query: &str, value: &str) -> f64 {
    if query.is_empty() || value.is_empty() {
        return 0.0;
    }
    if query == value {
        return 1.0;
    }
    let mut best =
        strsim::jaro_winkler(query, value).max(strsim::normalized_levenshtein(query, value));
    if value.starts_with(query) {
        best = best.max(0.9 + 0.09 * query.len() as f64 / value.len() as f64);
    } else if value.contains(query) {
        best = best.max(0.85 + 0.09 * query.len() as f64 / value.len() as f64);
    }
    // The best run of as many words as the query has ("dark knigt" in "the dark knight").
    let words: Vec<&str> = value.split(' ').collect();
    let n = query.split(' ').count();
    if words.len() > n {
        for w in words.windows(n) {
            let window = w.join(" ");
            let s = strsim::jaro_winkler(query, &window)
                .max(strsim::normalized_levenshtein(query, &window));
            best = best.max(s * 0.97);
        }
    }
    best.clamp(0.0, 1.0)
}

impl Reader {
    /// Searches titles, users and devices among the plays `filter` matches, best
    /// first.
    pub fn search(
        &self,
        filter: &Filter,
        request: &SearchRequest,
    ) -> Result<Vec<SearchHit>, QueryError> {
        let query = normalise(&request.query);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let longest = query
            .split(' ')
            .max_by_key(|t| t.chars().count())
            .unwrap_or(&query)
            .to_owned();
        let mut kinds = if request.kinds.is_empty() {
            SearchKind::ALL.to_vec()
        } else {
            request.kinds.clone()
        };
        kinds.sort();
        kinds.dedup();
        let s = Scope::of(filter);
        let mut branches = Vec::new();
        let mut params = vec![Value::Text(query.clone()), Value::Text(longest)];
        for kind in &kinds {
            for (field, value, key, cond) in kind.fields() {
                branches.push(format!(
                    "SELECT '{kind}' AS kind, '{field}' AS field, {value} AS v, {key} AS k, count(*) AS n
                     FROM playback_events p WHERE {w} AND {cond} AND {value} IS NOT NULL GROUP BY {value}",
                    kind = kind.as_str(),
                    w = s.sql
                ));
                params.extend(s.params.iter().cloned());
            }
        }
        let sql = format!(
            "WITH q AS (SELECT ?::VARCHAR AS q, ?::VARCHAR AS t),
             c AS ({branches})
             SELECT c.kind, c.field, c.v, c.k, c.n FROM c, q
             WHERE contains(lower(c.v), q.q)
                OR jaro_winkler_similarity(lower(c.v), q.q) >= 0.7
                OR list_max(list_transform(string_split(lower(c.v), ' '), lambda x: jaro_winkler_similarity(x, q.t))) >= 0.8
             ORDER BY c.n DESC LIMIT 20000",
            branches = branches.join(" UNION ALL ")
        );
        let candidates = query_rows(&self.conn, &sql, &params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                count(r, 4)?,
            ))
        })?;
        let mut hits: Vec<SearchHit> = candidates
            .into_iter()
            .filter_map(|(kind, field, value, key, streams)| {
                let kind = SearchKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
                let field = kind.fields().iter().find(|f| f.0 == field)?.0;
                let score = score(&query, &normalise(&value));
                (score >= request.min_score).then(|| SearchHit {
                    kind,
                    field,
                    key: key.unwrap_or_else(|| value.clone()),
                    value,
                    score,
                    streams,
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.streams.cmp(&a.streams))
                .then_with(|| a.value.cmp(&b.value))
        });
        // One hit per (kind, value): the best-scoring field.
        let mut seen = std::collections::HashSet::new();
        hits.retain(|h| seen.insert((h.kind, h.value.to_lowercase())));
        hits.truncate(request.limit.clamp(1, 100) as usize);
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn typos_and_short_names_score_high() {
        assert!(score("interstelar", "interstellar") > 0.9);
        assert!(score("jon", "john") > 0.85);
        assert!(score("dark knigt", "the dark knight") > 0.85);
        assert!(score("jon", "interstellar") < 0.75);
        assert_eq!(score("heat", "heat"), 1.0);
        assert!(score("heat", "heat") > score("heat", "heatwave"));
    }
}

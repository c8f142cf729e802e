//! The `get_history` request, built without I/O: the query parameters of one page and
//! the query of the next page, so an import can page through a history (and resume
//! from a saved `start`) whatever HTTP client runs it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::decode::HistoryPage;

/// Sort direction of a history query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Oldest first: the order an import wants (a resumed import only appends).
    Ascending,
    /// Newest first: Tautulli's own default.
    Descending,
}

/// One page of a `get_history` query.
///
/// ## Defaults
/// - `start`: 0; `length`: 500 rows per page.
/// - `order`: ascending by date, so resuming at a saved `start` continues where an
///   import stopped.
/// - `grouping`: false — every segment of a resumed play is its own row, as stored.
/// - `include_activity`: false; `after`, `before`, `user_id`: none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HistoryQuery {
    /// The first row, from 0.
    pub start: u64,
    /// Rows per page.
    pub length: u32,
    /// Only plays on or after this date.
    pub after: Option<NaiveDate>,
    /// Only plays on or before this date.
    pub before: Option<NaiveDate>,
    /// Sort direction (by date).
    pub order: SortOrder,
    /// Group resumed plays into one row.
    pub grouping: bool,
    /// Include the plays going on now.
    pub include_activity: bool,
    /// Only this Plex account's plays.
    pub user_id: Option<u64>,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        Self {
            start: 0,
            length: 500,
            after: None,
            before: None,
            order: SortOrder::Ascending,
            grouping: false,
            include_activity: false,
            user_id: None,
        }
    }
}

impl HistoryQuery {
    /// The query string parameters, `cmd` included and `apikey` left to the caller.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("cmd", "get_history".to_owned()),
            ("start", self.start.to_string()),
            ("length", self.length.to_string()),
            ("order_column", "date".to_owned()),
            (
                "order_dir",
                match self.order {
                    SortOrder::Ascending => "asc",
                    SortOrder::Descending => "desc",
                }
                .to_owned(),
            ),
            ("grouping", u8::from(self.grouping).to_string()),
            (
                "include_activity",
                u8::from(self.include_activity).to_string(),
            ),
        ];
        if let Some(d) = self.after {
            p.push(("after", d.format("%Y-%m-%d").to_string()));
        }
        if let Some(d) = self.before {
            p.push(("before", d.format("%Y-%m-%d").to_string()));
        }
        if let Some(u) = self.user_id {
            p.push(("user_id", u.to_string()));
        }
        p
    }

    /// The query of the page after `page` (this query's answer), or `None` when
    /// `page` was the last one.
    pub fn next(&self, page: &HistoryPage) -> Option<HistoryQuery> {
        let seen = u64::try_from(page.rows.len() + page.skipped).ok()?;
        if seen == 0 {
            return None;
        }
        let start = self.start.checked_add(seen)?;
        let more = match page.records_filtered.or(page.records_total) {
            Some(total) => start < total,
            None => seen >= u64::from(self.length),
        };
        more.then(|| HistoryQuery {
            start,
            ..self.clone()
        })
    }
}

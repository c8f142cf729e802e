//! Alerts: what the detection engine found, stored for the UI and the API. The store
//! does not know the rules; it keeps the rule's name, the severity, the user, server,
//! every play involved and the rule's typed evidence as JSON, and who acknowledged the
//! alert when. Inserting is idempotent on the alert id.

use std::fmt;
use std::str::FromStr;

use cartographus_core::{EventId, ServerId, SessionKey, UserId};
use chrono::{DateTime, Utc};
use duckdb::types::Value;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{IngestError, QueryError};
use crate::filter::SqlWhere;
use crate::store::{Reader, Store};

/// An alert's id (a UUID chosen by whoever raised it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(Uuid);

impl AlertId {
    /// Wraps a UUID.
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// A deterministic id from a name (UUID v5 in the Cartographus namespace): the
    /// same finding raised twice gets the same id.
    pub fn derive(name: &[u8]) -> Self {
        Self(Uuid::new_v5(
            &cartographus_core::CARTOGRAPHUS_NAMESPACE,
            name,
        ))
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for AlertId {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, QueryError> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|e| QueryError::Decode {
                column: "alert_id",
                detail: e.to_string(),
            })
    }
}

/// A rule's snake_case name (`impossible_travel`, `concurrent_streams`…).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RuleName(Box<str>);

/// Why a text is not a rule name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rule name (1-64 characters of a-z, 0-9 and _)")]
pub struct RuleNameError(String);

impl RuleName {
    /// Validates a name: 1–64 characters of `a-z`, `0-9`, `_`.
    pub fn new(s: &str) -> Result<Self, RuleNameError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(s.into()))
        } else {
            Err(RuleNameError(s.chars().take(64).collect()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RuleName {
    type Err = RuleNameError;
    fn from_str(s: &str) -> Result<Self, RuleNameError> {
        Self::new(s)
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RuleName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth a look.
    Warning,
    /// Act on it.
    Critical,
}

impl Severity {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AlertRecord {
    /// The id.
    pub alert_id: AlertId,
    /// The rule that fired.
    pub rule: RuleName,
    /// How serious.
    pub severity: Severity,
    /// The user.
    pub user_id: UserId,
    /// The user's name at the time.
    pub username: Option<String>,
    /// The server (when one server is concerned).
    pub server_id: Option<ServerId>,
    /// Every play involved.
    pub event_ids: Vec<EventId>,
    /// Their sessions.
    pub session_keys: Vec<SessionKey>,
    /// The rule's typed evidence, as JSON.
    pub evidence: serde_json::Value,
    /// The human sentence.
    pub message: String,
    /// When it happened (playback time).
    pub occurred_at: DateTime<Utc>,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl AlertRecord {
    /// A new, unacknowledged alert.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        alert_id: AlertId,
        rule: RuleName,
        severity: Severity,
        user_id: UserId,
        evidence: serde_json::Value,
        message: impl Into<String>,
        occurred_at: DateTime<Utc>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            alert_id,
            rule,
            severity,
            user_id,
            username: None,
            server_id: None,
            event_ids: Vec::new(),
            session_keys: Vec::new(),
            evidence,
            message: message.into(),
            occurred_at,
            created_at,
            acknowledged_by: None,
            acknowledged_at: None,
        }
    }
}

/// Which alerts to list. Empty lists and `None` do not restrict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AlertQuery {
    /// Rules.
    pub rules: Vec<RuleName>,
    /// Severities.
    pub severities: Vec<Severity>,
    /// Users.
    pub users: Vec<UserId>,
    /// Servers.
    pub servers: Vec<ServerId>,
    /// Acknowledged (true) or open (false) alerts only.
    pub acknowledged: Option<bool>,
    /// Raised at or after.
    pub start: Option<DateTime<Utc>>,
    /// Raised before.
    pub end: Option<DateTime<Utc>>,
    /// Continue after this alert (from a previous page's `next`).
    pub after: Option<AlertCursor>,
    /// Page size, 1–1,000 (0 means 100).
    pub limit: u32,
}

/// A position in the alert list (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertCursor {
    created_us: i64,
    alert_id: AlertId,
}

/// One page of alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AlertPage {
    /// The alerts, newest first.
    pub items: Vec<AlertRecord>,
    /// Where the next page starts.
    pub next: Option<AlertCursor>,
}

const SEP: &str = "\u{1f}";

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(SEP)
}

impl Store {
    /// Stores an alert; returns false when an alert with this id already exists.
    pub fn insert_alert(&mut self, alert: &AlertRecord) -> Result<bool, IngestError> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO alerts VALUES (?::UUID, ?, ?::severity_t, ?, ?, ?,
                CASE WHEN ? = '' THEN []::UUID[] ELSE string_split(?, chr(31))::UUID[] END,
                CASE WHEN ? = '' THEN []::VARCHAR[] ELSE string_split(?, chr(31)) END,
                ?::JSON, ?, make_timestamp(?::BIGINT), make_timestamp(?::BIGINT), ?,
                make_timestamp(?::BIGINT))",
            duckdb::params![
                alert.alert_id.to_string(),
                alert.rule.as_str(),
                alert.severity.as_str(),
                i64::from(alert.user_id),
                alert.username,
                alert.server_id.as_ref().map(|s| s.as_str()),
                join(&alert.event_ids),
                join(&alert.event_ids),
                join(&alert.session_keys),
                join(&alert.session_keys),
                alert.evidence.to_string(),
                alert.message,
                alert.occurred_at.timestamp_micros(),
                alert.created_at.timestamp_micros(),
                alert.acknowledged_by,
                alert.acknowledged_at.map(|t| t.timestamp_micros()),
            ],
        )?;
        Ok(n > 0)
    }

    /// Marks an alert acknowledged by `by` at `at`; returns false when there is no
    /// such alert. Acknowledging again updates who and when.
    pub fn acknowledge_alert(
        &mut self,
        id: AlertId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, IngestError> {
        let n = self.conn().execute(
            "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = make_timestamp(?::BIGINT)
             WHERE alert_id = ?::UUID",
            duckdb::params![by, at.timestamp_micros(), id.to_string()],
        )?;
        Ok(n > 0)
    }
}

const ALERT_SELECT: &str = "SELECT alert_id::VARCHAR, rule, severity::VARCHAR, user_id, username,
    server_id, array_to_string(event_ids::VARCHAR[], chr(31)),
    array_to_string(session_keys, chr(31)), evidence::VARCHAR, message,
    epoch_us(occurred_at), epoch_us(created_at), acknowledged_by, epoch_us(acknowledged_at)
    FROM alerts";

fn bad(column: &'static str, detail: impl ToString) -> QueryError {
    QueryError::Decode {
        column,
        detail: detail.to_string(),
    }
}

fn decode(r: &duckdb::Row<'_>) -> Result<AlertRecord, QueryError> {
    let ts = |v: Option<i64>| v.and_then(DateTime::from_timestamp_micros);
    let split = |s: Option<String>| -> Vec<String> {
        s.filter(|s| !s.is_empty())
            .map(|s| s.split(SEP).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let id: String = r.get(0)?;
    let rule: String = r.get(1)?;
    let sev: String = r.get(2)?;
    let evidence: String = r.get(8)?;
    Ok(AlertRecord {
        alert_id: id.parse()?,
        rule: RuleName::new(&rule).map_err(|e| bad("rule", e))?,
        severity: Severity::parse(&sev).ok_or_else(|| bad("severity", sev))?,
        user_id: UserId::try_from(r.get::<_, i64>(3)?).map_err(|e| bad("user_id", e))?,
        username: r.get(4)?,
        server_id: r
            .get::<_, Option<String>>(5)?
            .map(ServerId::new)
            .transpose()
            .map_err(|e| bad("server_id", e))?,
        event_ids: split(r.get(6)?)
            .iter()
            .map(|s| s.parse::<EventId>())
            .collect::<Result<_, _>>()
            .map_err(|e| bad("event_ids", e))?,
        session_keys: split(r.get(7)?)
            .into_iter()
            .map(SessionKey::try_from)
            .collect::<Result<_, _>>()
            .map_err(|e| bad("session_keys", e))?,
        evidence: serde_json::from_str(&evidence).map_err(|e| bad("evidence", e))?,
        message: r.get(9)?,
        occurred_at: ts(r.get(10)?).ok_or_else(|| bad("occurred_at", "NULL"))?,
        created_at: ts(r.get(11)?).ok_or_else(|| bad("created_at", "NULL"))?,
        acknowledged_by: r.get(12)?,
        acknowledged_at: ts(r.get(13)?),
    })
}

impl Reader {
    /// One alert.
    pub fn alert(&self, id: AlertId) -> Result<Option<AlertRecord>, QueryError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{ALERT_SELECT} WHERE alert_id = ?::UUID"))?;
        let mut rows = stmt.query([id.to_string()])?;
        rows.next()?.map(decode).transpose()
    }

    /// A page of alerts matching `query`, newest first.
    pub fn alerts(&self, query: &AlertQuery) -> Result<AlertPage, QueryError> {
        let limit = if query.limit == 0 {
            100
        } else {
            query.limit.min(1000)
        };
        let mut w = SqlWhere::new("");
        w.list(
            "rule",
            "",
            query
                .rules
                .iter()
                .map(|r| Value::Text(r.as_str().to_owned())),
        );
        w.list(
            "severity",
            "::severity_t",
            query
                .severities
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
        w.list(
            "user_id",
            "",
            query.users.iter().map(|u| Value::BigInt(i64::from(*u))),
        );
        w.list(
            "server_id",
            "",
            query
                .servers
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
        match query.acknowledged {
            Some(true) => w.raw("acknowledged_at IS NOT NULL", []),
            Some(false) => w.raw("acknowledged_at IS NULL", []),
            None => {}
        }
        if let Some(s) = query.start {
            w.raw(
                "created_at >= make_timestamp(?::BIGINT)",
                [Value::BigInt(s.timestamp_micros())],
            );
        }
        if let Some(e) = query.end {
            w.raw(
                "created_at < make_timestamp(?::BIGINT)",
                [Value::BigInt(e.timestamp_micros())],
            );
        }
        if let Some(c) = query.after {
            w.raw(
                "created_at < make_timestamp(?::BIGINT) OR (created_at = make_timestamp(?::BIGINT) AND alert_id < ?::UUID)",
                [
                    Value::BigInt(c.created_us),
                    Value::BigInt(c.created_us),
                    Value::Text(c.alert_id.to_string()),
                ],
            );
        }
        let sql = format!(
            "{ALERT_SELECT} WHERE {} ORDER BY created_at DESC, alert_id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(w.params.iter()))?;
        let mut items = Vec::new();
        while let Some(r) = rows.next()? {
            items.push(decode(r)?);
        }
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|a| AlertCursor {
                created_us: a.created_at.timestamp_micros(),
                alert_id: a.alert_id,
            })
        } else {
            None
        };
        Ok(AlertPage { items, next })
    }
}

//! Trust scores and their ledger. The detection engine computes scores; the store
//! keeps each user's current score and every change with its reason, so the UI can
//! explain a score and the engine can be warmed at start. A change and the score it
//! produces are written in one transaction.

use cartographus_core::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::AlertId;
use crate::error::{IngestError, QueryError};
use crate::store::{Reader, Store};

/// Why a score changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrustReason {
    /// A finding's penalty.
    Finding,
    /// Recovery over days without findings.
    Recovery,
    /// An operator adjusted the score.
    ManualAdjust,
    /// An operator reset the score.
    Reset,
    /// An operator exempted the user.
    Exempt,
    /// An operator lifted the exemption.
    Unexempt,
}

impl TrustReason {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustReason::Finding => "finding",
            TrustReason::Recovery => "recovery",
            TrustReason::ManualAdjust => "manual_adjust",
            TrustReason::Reset => "reset",
            TrustReason::Exempt => "exempt",
            TrustReason::Unexempt => "unexempt",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "finding" => TrustReason::Finding,
            "recovery" => TrustReason::Recovery,
            "manual_adjust" => TrustReason::ManualAdjust,
            "reset" => TrustReason::Reset,
            "exempt" => TrustReason::Exempt,
            "unexempt" => TrustReason::Unexempt,
            _ => return None,
        })
    }
}

/// A user's current trust.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TrustScore {
    /// The user.
    pub user_id: UserId,
    /// 0–100.
    pub score: f64,
    /// Below the restriction threshold.
    pub restricted: bool,
    /// Exempt from detection.
    pub exempt: bool,
    /// The last finding's time (recovery counts from here).
    pub last_finding_at: Option<DateTime<Utc>>,
    /// The last change's time.
    pub updated_at: DateTime<Utc>,
}

/// One change of a score, as the engine or an operator made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TrustChange {
    /// The user.
    pub user_id: UserId,
    /// When (playback or operator time).
    pub at: DateTime<Utc>,
    /// The change (negative for a penalty).
    pub delta: f64,
    /// The score afterwards (clamped to 0–100 when stored).
    pub score_after: f64,
    /// Restricted afterwards.
    pub restricted: bool,
    /// Exempt afterwards.
    pub exempt: bool,
    /// Why.
    pub reason: TrustReason,
    /// The alert behind a finding's penalty.
    pub alert_id: Option<AlertId>,
    /// The operator behind a manual change.
    pub actor: Option<String>,
    /// A free note.
    pub note: Option<String>,
}

impl TrustChange {
    /// A change with no alert, actor or note, not exempt.
    pub fn new(
        user_id: UserId,
        at: DateTime<Utc>,
        delta: f64,
        score_after: f64,
        restricted: bool,
        reason: TrustReason,
    ) -> Self {
        Self {
            user_id,
            at,
            delta,
            score_after,
            restricted,
            exempt: false,
            reason,
            alert_id: None,
            actor: None,
            note: None,
        }
    }
}

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The entry's number (increasing).
    pub entry_id: i64,
    /// The change.
    pub change: TrustChange,
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

impl Store {
    /// Records a change and the resulting score; returns the ledger entry's number.
    pub fn record_trust_change(&mut self, change: &TrustChange) -> Result<i64, IngestError> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let score = finite(change.score_after).clamp(0.0, 100.0);
        let at = change.at.timestamp_micros();
        let entry: i64 = conn.query_row(
            "INSERT INTO trust_ledger (user_id, changed_at, delta, score_after, restricted, exempt, reason,
                alert_id, actor, note)
             VALUES (?, make_timestamp(?::BIGINT), ?, ?, ?, ?, ?, ?::UUID, ?, ?) RETURNING entry_id",
            duckdb::params![
                i64::from(change.user_id),
                at,
                finite(change.delta),
                score,
                change.restricted,
                change.exempt,
                change.reason.as_str(),
                change.alert_id.map(|a| a.to_string()),
                change.actor,
                change.note,
            ],
            |r| r.get(0),
        )?;
        let finding = change.reason == TrustReason::Finding;
        conn.execute(
            "INSERT INTO trust_scores (user_id, score, restricted, exempt, last_finding_at, updated_at)
             VALUES (?, ?, ?, ?, CASE WHEN ? THEN make_timestamp(?::BIGINT) END, make_timestamp(?::BIGINT))
             ON CONFLICT (user_id) DO UPDATE SET
                score = excluded.score, restricted = excluded.restricted, exempt = excluded.exempt,
                last_finding_at = coalesce(excluded.last_finding_at, trust_scores.last_finding_at),
                updated_at = excluded.updated_at",
            duckdb::params![
                i64::from(change.user_id),
                score,
                change.restricted,
                change.exempt,
                finding,
                at,
                at
            ],
        )?;
        tx.commit()?;
        Ok(entry)
    }
}

fn bad(column: &'static str, detail: impl ToString) -> QueryError {
    QueryError::Decode {
        column,
        detail: detail.to_string(),
    }
}

fn ts(v: Option<i64>, column: &'static str) -> Result<DateTime<Utc>, QueryError> {
    v.and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| bad(column, "NULL"))
}

const SCORE_SELECT: &str = "SELECT user_id, score, restricted, exempt, epoch_us(last_finding_at),
    epoch_us(updated_at) FROM trust_scores";

fn decode_score(r: &duckdb::Row<'_>) -> Result<TrustScore, QueryError> {
    Ok(TrustScore {
        user_id: UserId::try_from(r.get::<_, i64>(0)?).map_err(|e| bad("user_id", e))?,
        score: r.get(1)?,
        restricted: r.get(2)?,
        exempt: r.get(3)?,
        last_finding_at: r
            .get::<_, Option<i64>>(4)?
            .and_then(DateTime::from_timestamp_micros),
        updated_at: ts(r.get(5)?, "updated_at")?,
    })
}

impl Reader {
    /// One user's score (`None`: never changed, i.e. the engine's starting score).
    pub fn trust_score(&self, user: UserId) -> Result<Option<TrustScore>, QueryError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SCORE_SELECT} WHERE user_id = ?"))?;
        let mut rows = stmt.query([i64::from(user)])?;
        rows.next()?.map(decode_score).transpose()
    }

    /// Every stored score, lowest first.
    pub fn trust_scores(&self) -> Result<Vec<TrustScore>, QueryError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SCORE_SELECT} ORDER BY score, user_id"))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(decode_score(r)?);
        }
        Ok(out)
    }

    /// A user's ledger, newest first, at most `limit` entries.
    pub fn trust_ledger(&self, user: UserId, limit: u32) -> Result<Vec<LedgerEntry>, QueryError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.entry_id, l.user_id, epoch_us(l.changed_at), l.delta, l.score_after, l.reason,
                    l.alert_id::VARCHAR, l.actor, l.note, l.restricted, l.exempt
             FROM trust_ledger l WHERE l.user_id = ? ORDER BY l.entry_id DESC LIMIT ?",
        )?;
        let mut rows = stmt.query(duckdb::params![i64::from(user), i64::from(limit.max(1))])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let reason: String = r.get(5)?;
            let mut change = TrustChange::new(
                UserId::try_from(r.get::<_, i64>(1)?).map_err(|e| bad("user_id", e))?,
                ts(r.get(2)?, "at")?,
                r.get(3)?,
                r.get(4)?,
                r.get(9)?,
                TrustReason::parse(&reason).ok_or_else(|| bad("reason", reason))?,
            );
            change.alert_id = r
                .get::<_, Option<String>>(6)?
                .map(|s| s.parse())
                .transpose()?;
            change.actor = r.get(7)?;
            change.note = r.get(8)?;
            change.exempt = r.get(10)?;
            out.push(LedgerEntry {
                entry_id: r.get(0)?,
                change,
            });
        }
        Ok(out)
    }
}

//! Trust scores: every user starts at 100; each finding subtracts its severity's
//! penalty; a user recovers a configured number of points per full day without
//! findings, computed from `now` when the score is read (no background job); a user
//! below the threshold is *restricted*, and stops being restricted once recovered.
//! Every change is recorded with its reason in a bounded in-memory ledger and handed to
//! the caller, so the server can persist it and the UI can explain a score.

use std::collections::VecDeque;

use cartographus_core::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::ids::AlertId;
use crate::rules::{RuleKind, Severity};
use crate::window::{ms, time, Hasher, Map, Ms};

const DAY_MS: Ms = 86_400_000;

/// The highest (and starting) trust score.
pub const MAX_TRUST: u8 = 100;

/// Raw trust settings, as read from a file.
///
/// ## Defaults
/// - `critical_penalty`: 20, `warning_penalty`: 10, `info_penalty`: 0.
/// - `restricted_below`: 50 — a score under 50 is restricted.
/// - `recovery_per_day`: 1 — points regained per full day without findings.
/// - `ledger_len`: 100 — ledger entries kept in memory per user (the server keeps all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RawTrustConfig {
    /// Points a critical finding costs (0–100).
    pub critical_penalty: u8,
    /// Points a warning costs (0–100).
    pub warning_penalty: u8,
    /// Points an info finding costs (0–100).
    pub info_penalty: u8,
    /// Scores below this are restricted (0–100).
    pub restricted_below: u8,
    /// Points regained per full day without findings (0–100).
    pub recovery_per_day: u8,
    /// Ledger entries kept in memory per user (at least 1).
    pub ledger_len: usize,
}

impl Default for RawTrustConfig {
    fn default() -> Self {
        Self {
            critical_penalty: 20,
            warning_penalty: 10,
            info_penalty: 0,
            restricted_below: 50,
            recovery_per_day: 1,
            ledger_len: 100,
        }
    }
}

/// Validated trust settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustConfig {
    pub(crate) penalties: [u8; 3],
    pub(crate) restricted_below: u8,
    pub(crate) recovery_per_day: u8,
    pub(crate) ledger_len: usize,
}

impl RawTrustConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<TrustConfig, ConfigError> {
        let check = |setting: &'static str, v: u8| {
            if v > MAX_TRUST {
                return Err(ConfigError::OutOfRange {
                    section: "trust",
                    setting,
                    value: f64::from(v),
                    min: 0.0,
                    max: f64::from(MAX_TRUST),
                });
            }
            Ok(v)
        };
        if self.ledger_len == 0 {
            return Err(ConfigError::Zero {
                section: "trust",
                setting: "ledger_len",
            });
        }
        Ok(TrustConfig {
            penalties: [
                check("info_penalty", self.info_penalty)?,
                check("warning_penalty", self.warning_penalty)?,
                check("critical_penalty", self.critical_penalty)?,
            ],
            restricted_below: check("restricted_below", self.restricted_below)?,
            recovery_per_day: check("recovery_per_day", self.recovery_per_day)?,
            ledger_len: self.ledger_len,
        })
    }
}

impl TrustConfig {
    /// The settings as raw values (for display and editing).
    pub fn to_raw(&self) -> RawTrustConfig {
        RawTrustConfig {
            info_penalty: self.penalties[0],
            warning_penalty: self.penalties[1],
            critical_penalty: self.penalties[2],
            restricted_below: self.restricted_below,
            recovery_per_day: self.recovery_per_day,
            ledger_len: self.ledger_len,
        }
    }

    /// The penalty of a severity.
    pub fn penalty(&self, severity: Severity) -> u8 {
        match severity {
            Severity::Info => self.penalties[0],
            Severity::Warning => self.penalties[1],
            Severity::Critical => self.penalties[2],
        }
    }
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            penalties: [0, 10, 20],
            restricted_below: 50,
            recovery_per_day: 1,
            ledger_len: 100,
        }
    }
}

/// A user's trust at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrustScore {
    /// The user.
    pub user: UserId,
    /// 0–100.
    pub score: u8,
    /// The score is below the threshold.
    pub restricted: bool,
    /// The user is exempt from detection.
    pub exempt: bool,
}

/// Why a score changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrustReason {
    /// A finding's penalty.
    Finding {
        /// The alert.
        alert: AlertId,
        /// Its rule.
        rule: RuleKind,
        /// Its severity.
        severity: Severity,
    },
    /// Full days without findings, credited when the score next changed.
    Recovery {
        /// How many days were credited.
        days: u32,
    },
    /// An operator's adjustment by `delta` points (before clamping to 0–100).
    Adjusted {
        /// The requested change.
        delta: i16,
    },
    /// An operator's reset to 100.
    Reset,
    /// An operator exempted the user, or lifted the exemption.
    Exempted {
        /// Whether the user is now exempt.
        exempt: bool,
    },
}

/// One entry of the trust ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrustChange {
    /// The user.
    pub user: UserId,
    /// When the change took effect.
    pub at: DateTime<Utc>,
    /// The score before.
    pub before: u8,
    /// The score after.
    pub after: u8,
    /// Whether the user is restricted after the change.
    pub restricted: bool,
    /// Why.
    pub reason: TrustReason,
}

/// Why a stored score cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreTrustError {
    /// The score is above 100.
    #[error("trust score {score} of user {user} is above 100")]
    ScoreOutOfRange {
        /// The user.
        user: UserId,
        /// The score given.
        score: u8,
    },
}

#[derive(Debug, Clone)]
struct Account {
    score: u8,
    /// Recovery is counted in full days from here.
    base: Ms,
    exempt: bool,
    ledger: VecDeque<TrustChange>,
}

/// Every user's trust. Users never seen have 100.
#[derive(Debug, Clone)]
pub(crate) struct TrustBook {
    config: TrustConfig,
    accounts: Map<UserId, Account>,
    /// How many accounts are exempt: when none are, no lookup is needed per event.
    exempt: usize,
}

impl TrustBook {
    pub(crate) fn new(config: TrustConfig, hasher: Hasher) -> Self {
        Self {
            config,
            accounts: Map::with_hasher(hasher),
            exempt: 0,
        }
    }

    pub(crate) fn set_config(&mut self, config: TrustConfig) {
        self.config = config;
    }

    /// The score of `account` at `t` (recovery included, nothing recorded).
    fn score_at(&self, a: &Account, t: Ms) -> u8 {
        let days = (t.saturating_sub(a.base) / DAY_MS).max(0);
        let gain = days.saturating_mul(i64::from(self.config.recovery_per_day));
        (i64::from(a.score) + gain).min(i64::from(MAX_TRUST)) as u8
    }

    pub(crate) fn score(&self, user: UserId, now: DateTime<Utc>) -> TrustScore {
        let (score, exempt) = match self.accounts.get(&user) {
            Some(a) => (self.score_at(a, ms(now)), a.exempt),
            None => (MAX_TRUST, false),
        };
        TrustScore {
            user,
            score,
            restricted: score < self.config.restricted_below,
            exempt,
        }
    }

    pub(crate) fn is_exempt(&self, user: UserId) -> bool {
        self.exempt > 0 && self.accounts.get(&user).is_some_and(|a| a.exempt)
    }

    fn set_flag(&mut self, user: UserId, exempt: bool) {
        if let Some(a) = self.accounts.get_mut(&user) {
            match (a.exempt, exempt) {
                (false, true) => self.exempt += 1,
                (true, false) => self.exempt -= 1,
                _ => {}
            }
            a.exempt = exempt;
        }
    }

    /// Every user the book holds, by id.
    pub(crate) fn scores(&self, now: DateTime<Utc>) -> Vec<TrustScore> {
        let mut users: Vec<UserId> = self.accounts.keys().copied().collect();
        users.sort_unstable();
        users.into_iter().map(|u| self.score(u, now)).collect()
    }

    pub(crate) fn ledger(&self, user: UserId) -> impl Iterator<Item = &TrustChange> {
        self.accounts
            .get(&user)
            .into_iter()
            .flat_map(|a| a.ledger.iter())
    }

    /// Applies `f` to the user's score at `t` (after crediting recovery) and records
    /// the changes. `restart` restarts the recovery clock at `t`.
    fn change(
        &mut self,
        user: UserId,
        t: Ms,
        restart: bool,
        reason: TrustReason,
        f: impl FnOnce(u8) -> u8,
    ) -> Vec<TrustChange> {
        let below = self.config.restricted_below;
        let per_day = i64::from(self.config.recovery_per_day);
        let ledger_len = self.config.ledger_len;
        let a = self.accounts.entry(user).or_insert_with(|| Account {
            score: MAX_TRUST,
            base: t,
            exempt: false,
            ledger: VecDeque::new(),
        });
        let t = t.max(a.base);
        let mut out = Vec::with_capacity(2);
        let days = (t - a.base) / DAY_MS;
        let gain = (days * per_day).min(i64::from(MAX_TRUST - a.score)) as u8;
        if days > 0 {
            a.base += days * DAY_MS;
        }
        if gain > 0 {
            let before = a.score;
            a.score += gain;
            out.push(TrustChange {
                user,
                at: time(t),
                before,
                after: a.score,
                restricted: a.score < below,
                reason: TrustReason::Recovery {
                    days: u32::try_from(days).unwrap_or(u32::MAX),
                },
            });
        }
        let before = a.score;
        a.score = f(before).min(MAX_TRUST);
        if restart {
            a.base = t;
        }
        out.push(TrustChange {
            user,
            at: time(t),
            before,
            after: a.score,
            restricted: a.score < below,
            reason,
        });
        for c in &out {
            if a.ledger.len() >= ledger_len {
                a.ledger.pop_front();
            }
            a.ledger.push_back(*c);
        }
        out
    }

    /// Charges a finding's penalty at `now` (when the engine learned of it, so trust
    /// moves forward even when old plays are audited). Exempt users record nothing;
    /// zero penalties record only a recovery catching up, and restart the recovery
    /// clock like any finding.
    pub(crate) fn penalize(
        &mut self,
        user: UserId,
        alert: AlertId,
        rule: RuleKind,
        severity: Severity,
        now: DateTime<Utc>,
    ) -> Vec<TrustChange> {
        if self.is_exempt(user) {
            return Vec::new();
        }
        let penalty = self.config.penalty(severity);
        let reason = TrustReason::Finding {
            alert,
            rule,
            severity,
        };
        let t = ms(now);
        let mut changes = self.change(user, t, true, reason, |s| s.saturating_sub(penalty));
        if penalty == 0 {
            changes.retain(|c| !matches!(c.reason, TrustReason::Finding { .. }));
            if let Some(a) = self.accounts.get_mut(&user) {
                a.ledger.retain(
                    |c| !matches!(c.reason, TrustReason::Finding { alert: x, .. } if x == alert),
                );
            }
        }
        changes
    }

    pub(crate) fn adjust(
        &mut self,
        user: UserId,
        delta: i16,
        now: DateTime<Utc>,
    ) -> Vec<TrustChange> {
        let reason = TrustReason::Adjusted { delta };
        self.change(user, ms(now), true, reason, |s| {
            (i32::from(s) + i32::from(delta)).clamp(0, i32::from(MAX_TRUST)) as u8
        })
    }

    pub(crate) fn reset(&mut self, user: UserId, now: DateTime<Utc>) -> Vec<TrustChange> {
        self.change(user, ms(now), true, TrustReason::Reset, |_| MAX_TRUST)
    }

    pub(crate) fn set_exempt(
        &mut self,
        user: UserId,
        exempt: bool,
        now: DateTime<Utc>,
    ) -> Vec<TrustChange> {
        let changes = self.change(
            user,
            ms(now),
            false,
            TrustReason::Exempted { exempt },
            |s| s,
        );
        self.set_flag(user, exempt);
        changes
    }

    pub(crate) fn restore(
        &mut self,
        user: UserId,
        score: u8,
        since: DateTime<Utc>,
        exempt: bool,
    ) -> Result<(), RestoreTrustError> {
        if score > MAX_TRUST {
            return Err(RestoreTrustError::ScoreOutOfRange { user, score });
        }
        let a = self.accounts.entry(user).or_insert_with(|| Account {
            score,
            base: ms(since),
            exempt: false,
            ledger: VecDeque::new(),
        });
        a.score = score;
        a.base = ms(since);
        self.set_flag(user, exempt);
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! Detection's outputs in the store's shapes: an engine `Alert` becomes an
//! `AlertRecord`, a trust change a ledger entry. The two crates never depend on each
//! other; this is where they meet.

use cartographus_detect::{Alert, Severity, TrustChange, TrustReason};
use cartographus_store as store;
use chrono::{DateTime, Utc};

/// The stored form of an alert raised at `now`.
pub fn alert_record(alert: &Alert, now: DateTime<Utc>) -> store::AlertRecord {
    let f = &alert.finding;
    let severity = match f.severity {
        Severity::Critical => store::Severity::Critical,
        Severity::Warning => store::Severity::Warning,
        _ => store::Severity::Info,
    };
    let rule = store::RuleName::new(f.rule.as_str())
        .unwrap_or_else(|_| store::RuleName::new("unknown").unwrap_or_else(|_| unreachable!()));
    let evidence = serde_json::to_value(&f.evidence).unwrap_or(serde_json::Value::Null);
    let mut record = store::AlertRecord::new(
        store::AlertId::from_uuid(*f.id.as_uuid()),
        rule,
        severity,
        f.user,
        evidence,
        f.message.clone(),
        f.at,
        now,
    );
    record.username = Some(f.username.clone());
    record.server_id = Some(f.server.clone());
    record.event_ids = f.plays.iter().map(|p| p.event_id).collect();
    record
}

/// The stored form of a trust change.
pub fn trust_change(change: &TrustChange) -> store::TrustChange {
    let (reason, alert) = match change.reason {
        TrustReason::Finding { alert, .. } => (store::TrustReason::Finding, Some(alert)),
        TrustReason::Recovery { .. } => (store::TrustReason::Recovery, None),
        TrustReason::Adjusted { .. } => (store::TrustReason::ManualAdjust, None),
        TrustReason::Exempted { exempt: true } => (store::TrustReason::Exempt, None),
        TrustReason::Exempted { exempt: false } => (store::TrustReason::Unexempt, None),
        _ => (store::TrustReason::Reset, None),
    };
    let mut out = store::TrustChange::new(
        change.user,
        change.at,
        f64::from(change.after) - f64::from(change.before),
        f64::from(change.after),
        change.restricted,
        reason,
    );
    out.exempt = matches!(change.reason, TrustReason::Exempted { exempt: true });
    out.alert_id = alert.map(|a| store::AlertId::from_uuid(*a.as_uuid()));
    out
}

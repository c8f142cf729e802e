//! The tables detection fills: alerts (idempotent insert, filters, paging,
//! acknowledgement) and trust scores with their ledger.

mod common;

use cartographus_core::{EventId, ServerId, SessionKey, UserId};
use cartographus_store::{
    AlertId, AlertQuery, AlertRecord, RuleName, Severity, Store, TrustChange, TrustReason,
};
use common::t;
use serde_json::json;

fn alert(n: u32, rule: &str, severity: Severity, user: u64) -> AlertRecord {
    let mut a = AlertRecord::new(
        AlertId::derive(format!("alert-{n}").as_bytes()),
        RuleName::new(rule).unwrap(),
        severity,
        UserId::new(user).unwrap(),
        json!({"from": {"lat": 51.5, "lon": -0.1}, "to": {"lat": 40.7, "lon": -74.0}, "km_per_h": 5570.0}),
        "alice played in London and New York an hour apart",
        t(i64::from(n) * 60),
        t(i64::from(n) * 60 + 5),
    );
    a.server_id = Some(ServerId::new("plex-1").unwrap());
    a.username = Some("alice".into());
    a.event_ids = vec![EventId::derive(b"a"), EventId::derive(b"b")];
    a.session_keys = vec![
        SessionKey::new("s,1").unwrap(),
        SessionKey::new("s2").unwrap(),
    ];
    a
}

#[test]
fn alerts_round_trip_filter_page_and_acknowledge() {
    let mut store = Store::open_in_memory().unwrap();
    let first = alert(0, "impossible_travel", Severity::Critical, 1);
    assert!(store.insert_alert(&first).unwrap());
    assert!(
        !store.insert_alert(&first).unwrap(),
        "the same alert twice is stored once"
    );
    for n in 1..25 {
        let (rule, sev) = if n % 2 == 0 {
            ("impossible_travel", Severity::Critical)
        } else {
            ("concurrent_streams", Severity::Warning)
        };
        store
            .insert_alert(&alert(n, rule, sev, u64::from(n % 3) + 1))
            .unwrap();
    }
    let r = store.reads();
    assert_eq!(r.alert(first.alert_id).unwrap().unwrap(), first);

    let q = |f: &dyn Fn(&mut AlertQuery)| {
        let mut q = AlertQuery::default();
        f(&mut q);
        q
    };
    let travel = r
        .alerts(&q(&|q| {
            q.rules = vec![RuleName::new("impossible_travel").unwrap()]
        }))
        .unwrap();
    assert_eq!(travel.items.len(), 13);
    let warnings = r
        .alerts(&q(&|q| q.severities = vec![Severity::Warning]))
        .unwrap();
    assert_eq!(warnings.items.len(), 12);
    let user2 = r
        .alerts(&q(&|q| q.users = vec![UserId::new(2).unwrap()]))
        .unwrap();
    assert_eq!(user2.items.len(), 8);
    let window = r
        .alerts(&q(&|q| {
            q.start = Some(t(60));
            q.end = Some(t(300));
        }))
        .unwrap();
    assert_eq!(window.items.len(), 4);

    // Paging: newest first, every alert once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = r
            .alerts(&q(&|q| {
                q.limit = 10;
                q.after = after;
            }))
            .unwrap();
        seen.extend(page.items.iter().map(|a| a.created_at));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));

    assert!(store
        .acknowledge_alert(first.alert_id, "admin", t(10_000))
        .unwrap());
    assert!(!store
        .acknowledge_alert(AlertId::derive(b"nope"), "admin", t(1))
        .unwrap());
    let r = store.reads();
    let acked = r.alerts(&q(&|q| q.acknowledged = Some(true))).unwrap();
    assert_eq!(acked.items.len(), 1);
    assert_eq!(acked.items[0].acknowledged_by.as_deref(), Some("admin"));
    assert_eq!(acked.items[0].acknowledged_at, Some(t(10_000)));
    assert_eq!(
        r.alerts(&q(&|q| q.acknowledged = Some(false)))
            .unwrap()
            .items
            .len(),
        24
    );
    assert!(RuleName::new("Impossible Travel").is_err());
}

#[test]
fn trust_scores_and_their_ledger() {
    let mut store = Store::open_in_memory().unwrap();
    let user = UserId::new(42).unwrap();
    assert!(store.reads().trust_score(user).unwrap().is_none());
    let mut finding = TrustChange::new(user, t(100), -20.0, 80.0, false, TrustReason::Finding);
    finding.alert_id = Some(AlertId::derive(b"a1"));
    store.record_trust_change(&finding).unwrap();
    store
        .record_trust_change(&TrustChange::new(
            user,
            t(200),
            -40.0,
            40.0,
            true,
            TrustReason::Finding,
        ))
        .unwrap();
    let mut manual = TrustChange::new(user, t(300), 60.0, 250.0, false, TrustReason::Reset);
    manual.actor = Some("admin".into());
    manual.note = Some("family member".into());
    manual.exempt = true;
    store.record_trust_change(&manual).unwrap();

    let score = store.reads().trust_score(user).unwrap().unwrap();
    assert_eq!(score.score, 100.0, "scores are kept within 0-100");
    assert!(!score.restricted && score.exempt);
    assert_eq!(
        score.last_finding_at,
        Some(t(200)),
        "a reset is not a finding"
    );
    assert_eq!(score.updated_at, t(300));

    let ledger = store.reads().trust_ledger(user, 10).unwrap();
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[0].change.reason, TrustReason::Reset);
    assert_eq!(ledger[0].change.actor.as_deref(), Some("admin"));
    assert!(ledger[1].change.restricted);
    assert_eq!(ledger[2].change.alert_id, Some(AlertId::derive(b"a1")));
    assert!(ledger[0].entry_id > ledger[1].entry_id);
    assert_eq!(store.reads().trust_scores().unwrap().len(), 1);
}

//! Unit tests and properties of the trust book.
use super::*;
use chrono::Duration;
use proptest::prelude::*;

fn t(days: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_000_000, 0).unwrap() + Duration::days(days)
}

fn book() -> TrustBook {
    TrustBook::new(TrustConfig::default(), Hasher::with_seeds(1, 2, 3, 4))
}

fn alert(n: u8) -> AlertId {
    AlertId::derive(
        RuleKind::ImpossibleTravel,
        UserId::new(1).unwrap(),
        cartographus_core::EventId::derive(&[n]),
        t(0),
    )
}

#[test]
fn penalties_recovery_and_restriction() {
    let mut b = book();
    let u = UserId::new(1).unwrap();
    assert_eq!(b.score(u, t(0)).score, 100);
    for n in 0..3 {
        b.penalize(
            u,
            alert(n),
            RuleKind::ImpossibleTravel,
            Severity::Critical,
            t(0),
        );
    }
    let s = b.score(u, t(0));
    assert_eq!((s.score, s.restricted), (40, true));
    let s = b.score(u, t(9));
    assert_eq!((s.score, s.restricted), (49, true));
    let s = b.score(u, t(10));
    assert_eq!(
        (s.score, s.restricted),
        (50, false),
        "recovered users are no longer restricted"
    );
    assert_eq!(b.score(u, t(1000)).score, 100);
    // A warning after 10 days first credits the recovery, then charges.
    let changes = b.penalize(
        u,
        alert(9),
        RuleKind::ConcurrentStreams,
        Severity::Warning,
        t(10),
    );
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].reason, TrustReason::Recovery { days: 10 });
    assert_eq!((changes[1].before, changes[1].after), (50, 40));
    assert_eq!(b.ledger(u).count(), 5);
}

#[test]
fn info_costs_nothing_but_restarts_recovery() {
    let mut b = book();
    let u = UserId::new(1).unwrap();
    b.penalize(u, alert(1), RuleKind::NewDevice, Severity::Critical, t(0));
    let changes = b.penalize(u, alert(2), RuleKind::NewDevice, Severity::Info, t(0));
    assert!(changes.is_empty());
    assert_eq!(b.score(u, t(0)).score, 80);
}

#[derive(Debug, Clone)]
enum Op {
    Finding(Severity),
    Adjust(i16),
    Reset,
    Exempt(bool),
}

fn op() -> impl Strategy<Value = (u32, Op)> {
    let sev = prop_oneof![
        Just(Severity::Info),
        Just(Severity::Warning),
        Just(Severity::Critical)
    ];
    let op = prop_oneof![
        6 => sev.prop_map(Op::Finding),
        2 => (-150i16..150).prop_map(Op::Adjust),
        1 => Just(Op::Reset),
        1 => any::<bool>().prop_map(Op::Exempt),
    ];
    // Gaps of up to five days, in minutes.
    (0u32..7_200, op)
}

fn run(ops: &[(u32, Op)]) -> (TrustBook, DateTime<Utc>) {
    let mut b = book();
    let u = UserId::new(1).unwrap();
    let mut now = t(0);
    for (n, (gap, op)) in ops.iter().enumerate() {
        now += Duration::minutes(i64::from(*gap));
        match op {
            Op::Finding(sev) => {
                b.penalize(u, alert(n as u8), RuleKind::SharedDevice, *sev, now);
            }
            Op::Adjust(d) => {
                b.adjust(u, *d, now);
            }
            Op::Reset => {
                b.reset(u, now);
            }
            Op::Exempt(e) => {
                b.set_exempt(u, *e, now);
            }
        }
        let s = b.score(u, now).score;
        assert!(s <= MAX_TRUST);
    }
    (b, now)
}

proptest! {
    #[test]
    fn scores_stay_within_0_and_100(ops in proptest::collection::vec(op(), 0..60), later in 0i64..400) {
        let (b, now) = run(&ops);
        let u = UserId::new(1).unwrap();
        let s = b.score(u, now + Duration::days(later));
        prop_assert!(s.score <= MAX_TRUST);
        for c in b.ledger(u) {
            prop_assert!(c.before <= MAX_TRUST && c.after <= MAX_TRUST);
        }
    }

    #[test]
    fn a_finding_never_raises_a_score(
        ops in proptest::collection::vec(op(), 0..40),
        at in any::<prop::sample::Index>(),
        sev in prop_oneof![Just(Severity::Info), Just(Severity::Warning), Just(Severity::Critical)],
        later in proptest::collection::vec(0i64..2_000, 1..6),
    ) {
        let mut with = ops.clone();
        let i = at.index(ops.len() + 1);
        let gap = if i < ops.len() { 0 } else { 1 };
        with.insert(i, (gap, Op::Finding(sev)));
        if i < ops.len() {
            // Keep the times of the following operations unchanged.
            with[i].0 = ops[i].0;
            with[i + 1].0 = 0;
        }
        let (a, now_a) = run(&with);
        let (b, now_b) = run(&ops);
        let now = now_a.max(now_b);
        let u = UserId::new(1).unwrap();
        for hours in later {
            let t = now + Duration::hours(hours);
            prop_assert!(a.score(u, t).score <= b.score(u, t).score);
        }
    }
}

#[test]
fn manual_changes() {
    let mut b = book();
    let u = UserId::new(2).unwrap();
    let c = b.adjust(u, -70, t(0));
    assert_eq!(c.last().unwrap().after, 30);
    assert_eq!(b.adjust(u, -100, t(0)).last().unwrap().after, 0);
    assert_eq!(b.adjust(u, 500, t(0)).last().unwrap().after, 100);
    b.adjust(u, -60, t(0));
    assert_eq!(b.reset(u, t(0)).last().unwrap().after, 100);
    b.set_exempt(u, true, t(0));
    assert!(b.score(u, t(0)).exempt);
    assert!(b
        .penalize(
            u,
            alert(1),
            RuleKind::ImpossibleTravel,
            Severity::Critical,
            t(0)
        )
        .is_empty());
    assert_eq!(b.score(u, t(0)).score, 100);
    assert!(b.restore(u, 101, t(0), false).is_err());
    b.restore(u, 45, t(0), false).unwrap();
    assert!(b.score(u, t(0)).restricted);
    assert_eq!(b.scores(t(0)).len(), 1);
}

#[test]
fn exemptions_are_counted() {
    let mut b = book();
    let (u, v) = (UserId::new(1).unwrap(), UserId::new(2).unwrap());
    assert!(!b.is_exempt(u));
    b.set_exempt(u, true, t(0));
    b.set_exempt(u, true, t(0));
    b.restore(v, 90, t(0), true).unwrap();
    assert!(b.is_exempt(u) && b.is_exempt(v));
    b.set_exempt(u, false, t(1));
    assert!(!b.is_exempt(u) && b.is_exempt(v));
    b.restore(v, 90, t(0), false).unwrap();
    assert!(!b.is_exempt(v));
    assert_eq!(b.exempt, 0);
}

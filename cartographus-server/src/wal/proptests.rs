//! Property tests of the WAL: random operation sequences against a model, and random
//! damage to the file.

use std::collections::BTreeMap;
use std::time::Duration;

use cartographus_core::PlaybackEvent;
use chrono::TimeDelta;
use proptest::prelude::*;

use super::tests::{dir, event, replay_all, t, written_wal};
use super::*;

#[derive(Debug, Clone)]
enum Op {
    Append(u8),
    Confirm(Vec<prop::sample::Index>),
    Fail(prop::sample::Index),
    Advance(u16),
    Compact,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..6).prop_map(Op::Append),
        3 => prop::collection::vec(any::<prop::sample::Index>(), 0..4).prop_map(Op::Confirm),
        2 => any::<prop::sample::Index>().prop_map(Op::Fail),
        1 => (0u16..48).prop_map(Op::Advance),
        1 => Just(Op::Compact),
        1 => Just(Op::Reopen),
    ]
}

/// What the model expects of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Pending { appended_h: i64, failed: bool },
    Confirmed,
    Dead,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random append/confirm/fail/compact/reopen sequences: after every reopen and at the
    /// end, replay yields every appended, unconfirmed, not dead-lettered entry exactly
    /// once, in order, with its event; confirmed entries never.
    #[test]
    fn replay_matches_model(ops in prop::collection::vec(op(), 1..40)) {
        let d = dir();
        let path = d.path().join("w");
        let config = WalConfig {
            ttl: Duration::from_secs(24 * 3600),
            ..WalConfig::default()
        };
        let mut wal = Wal::open(&path, config.clone()).unwrap();
        let mut model: BTreeMap<u64, Expect> = BTreeMap::new();
        let mut hours = 0i64;
        let now = |h: i64| t(0) + TimeDelta::hours(h);
        let check = |wal: &Wal, model: &BTreeMap<u64, Expect>, h: i64| {
            let got: Vec<(u64, PlaybackEvent)> =
                replay_all(wal, now(h)).into_iter().map(|e| (e.seq.get(), e.event)).collect();
            let want: Vec<(u64, PlaybackEvent)> = model
                .iter()
                .filter(|(_, e)| matches!(e, Expect::Pending { .. }))
                .map(|(s, _)| (*s, event(*s)))
                .collect();
            prop_assert_eq!(got, want);
            let dead: Vec<u64> = wal.dead_letters().unwrap().iter().map(|l| l.seq.get()).collect();
            let want_dead: Vec<u64> =
                model.iter().filter(|(_, e)| **e == Expect::Dead).map(|(s, _)| *s).collect();
            prop_assert_eq!(dead, want_dead);
            Ok(())
        };
        for op in ops {
            match op {
                Op::Append(n) => {
                    let first = model.len() as u64;
                    let events: Vec<_> = (first..first + u64::from(n)).map(event).collect();
                    let seqs = wal.append(&events, now(hours)).unwrap();
                    prop_assert_eq!(
                        seqs.iter().map(|s| s.get()).collect::<Vec<_>>(),
                        (first..first + u64::from(n)).collect::<Vec<_>>()
                    );
                    for s in seqs {
                        model.insert(s.get(), Expect::Pending { appended_h: hours, failed: false });
                    }
                }
                Op::Confirm(picks) if !model.is_empty() => {
                    let seqs: Vec<WalSeq> =
                        picks.iter().map(|i| WalSeq::from(i.index(model.len()) as u64)).collect();
                    let mut newly = std::collections::BTreeSet::new();
                    for s in &seqs {
                        if matches!(model[&s.get()], Expect::Pending { .. }) {
                            newly.insert(s.get());
                        }
                    }
                    prop_assert_eq!(wal.confirm(&seqs).unwrap(), newly.len());
                    for s in newly {
                        model.insert(s, Expect::Confirmed);
                    }
                }
                Op::Fail(pick) if !model.is_empty() => {
                    let s = pick.index(model.len()) as u64;
                    let got = wal.record_failure(WalSeq::from(s), &"boom", now(hours)).unwrap();
                    let entry = model.get_mut(&s).unwrap();
                    if let Expect::Pending { failed, .. } = entry {
                        *failed = true;
                        prop_assert!(got.is_some());
                    } else {
                        prop_assert_eq!(got, None);
                    }
                }
                Op::Advance(h) => hours += i64::from(h),
                Op::Compact => {
                    let report = wal.compact(now(hours)).unwrap();
                    let mut want_dead = Vec::new();
                    for (s, e) in model.iter_mut() {
                        match *e {
                            Expect::Confirmed => {}
                            Expect::Pending { appended_h, failed: true }
                                if hours - appended_h >= 24 =>
                            {
                                *e = Expect::Dead;
                                want_dead.push(*s);
                            }
                            _ => {}
                        }
                    }
                    let got: Vec<u64> = report.dead_letters.iter().map(|l| l.seq.get()).collect();
                    prop_assert_eq!(got, want_dead);
                }
                Op::Reopen => {
                    drop(wal);
                    wal = Wal::open(&path, config.clone()).unwrap();
                    check(&wal, &model, hours)?;
                }
                Op::Confirm(_) | Op::Fail(_) => {}
            }
        }
        drop(wal);
        let wal = Wal::open(&path, config).unwrap();
        check(&wal, &model, hours)?;
        let status = wal.status(now(hours)).unwrap();
        let pending = model.values().filter(|e| matches!(e, Expect::Pending { .. })).count();
        prop_assert_eq!(status.pending, pending as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random damage to a WAL file never panics: opening fails with a typed error, or the
    /// repaired WAL can be replayed, compacted and written.
    #[test]
    fn random_damage_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..12),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let d = dir();
        let (_, mut bytes) = written_wal(&d);
        for (at, mask) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        let target = d.path().join("damaged");
        std::fs::write(&target, &bytes).unwrap();
        if let Ok(wal) = Wal::open(&target, WalConfig::default()) {
            if let Ok(lease) = wal.acquire_lease(&LeaseOwner::new("x").unwrap(), t(0)) {
                if let Ok(replay) = wal.replay(&lease, t(0)) {
                    for entry in replay {
                        let _ = entry;
                    }
                }
            }
            let _ = wal.status(t(0));
            let _ = wal.compact(t(0));
            let _ = wal.append(&[event(1)], t(0));
        }
    }
}
